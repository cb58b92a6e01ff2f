package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections/chtest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServiceProjectsAndReports starts ledgerd on :0 with the embedded log
// and real ClickHouse, writes a district through the write path while it
// runs, and waits (polling /readyz with a deadline) until the projector has
// caught up; then the read models hold every event and /metrics shows it.
func TestServiceProjectsAndReports(t *testing.T) {
	conn, db := chtest.Open(t)
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--clickhouse", chtest.DSN() + "/" + db}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	base := "http://" + m.Addr()
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("GET /healthz = %d %s", code, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := demo.Seed(ctx, m.log, demo.Config{Seed: 1, Events: 2000, Until: domain.Date{Year: 2025, Month: 5, Day: 20}}); err != nil {
		t.Fatal(err)
	}
	head, err := m.log.(*embedded.Store).Head()
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status string `json:"status"`
		Checks map[string]struct {
			OK      bool `json:"ok"`
			Details struct {
				Lag      uint64 `json:"lag"`
				Position uint64 `json:"position"`
			} `json:"details"`
		} `json:"checks"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if err := json.Unmarshal([]byte(body), &ready); err != nil {
			t.Fatalf("/readyz: %v: %s", err, body)
		}
		if code == 200 && ready.Checks["projector"].Details.Position == head.Commit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("projector not caught up after 30 s: /readyz %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
	if lag := ready.Checks["projector"].Details.Lag; lag != 0 {
		t.Errorf("lag = %d after catching up", lag)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".events").Scan(&n); err != nil || n != head.Commit {
		t.Errorf("events table has %d rows (%v), the log %d", n, err, head.Commit)
	}
	code, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		"ledger_projector_lag 0",
		"ledger_projector_events_total",
		`ledger_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"}`,
	} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}
}

func TestNotReadyWithoutClickHouse(t *testing.T) {
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--clickhouse", "clickhouse://127.0.0.1:1/ledger", "--projector=false", "--watcher=false"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("ledgerd must start without ClickHouse: %v", err)
	}
	defer m.Close()
	code, body := get(t, "http://"+m.Addr()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"clickhouse":{"error"`) {
		t.Errorf("GET /readyz = %d %s, want 503 naming clickhouse", code, body)
	}
	if code, _ := get(t, "http://"+m.Addr()+"/healthz"); code != 200 {
		t.Errorf("GET /healthz = %d, want 200: the process is alive", code)
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{"LEDGER_ADDR": "0.0.0.0:9999", "LEDGER_DATA_DIR": "/var/lib/ledger"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		want    Config
		wantErr string
	}{
		{name: "environment", args: nil, want: Config{Addr: "0.0.0.0:9999"}},
		{name: "flag wins over environment", args: []string{"--addr", "127.0.0.1:1"}, want: Config{Addr: "127.0.0.1:1"}},
		{name: "bad address", args: []string{"--addr", "8080"}, wantErr: "--addr"},
		{name: "bad event store", args: []string{"--eventstore", "postgres://x"}, wantErr: "--eventstore"},
		{name: "embedded without data dir", args: []string{"--data-dir", ""}, wantErr: "--data-dir"},
		{name: "bad clickhouse", args: []string{"--clickhouse", "http://x"}, wantErr: "--clickhouse"},
		{name: "bad projector switch", args: []string{"--projector", "maybe"}, wantErr: "--projector"},
		{name: "bad watch interval", args: []string{"--watch-every", "-1s"}, wantErr: "--watch-every"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig(tt.args, getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Addr != tt.want.Addr || got.Log.DataDir != "/var/lib/ledger" || got.Log.EventStore != "embedded" ||
				!got.Projector || !got.Watcher || got.WatchEvery != time.Minute {
				t.Errorf("config = %+v, want addr %s and the defaults", got, tt.want.Addr)
			}
		})
	}
}

func TestCommandAPIIsServedWithASecret(t *testing.T) {
	secret := strings.Repeat("s", 32)
	env := func(k string) string {
		if k == "LEDGER_JWT_SECRET" {
			return secret
		}
		return ""
	}
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--projector=false", "--watcher=false"}, env)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	post := func(tok string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+m.Addr()+"/v1/pledges", strings.NewReader(`{"unit":"u1"}`))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Errorf("command without a token: %d, want 401", code)
	}
	tok, err := api.HS256{Key: []byte(secret)}.Mint(api.Principal{Subject: "clerk-u1", Roles: []api.Role{api.RoleClerk}, Units: []string{"u1"}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code := post(tok); code != http.StatusUnprocessableEntity {
		t.Errorf("command for an unregistered unit: %d, want 422", code)
	}
	if _, err := ParseConfig(nil, func(k string) string {
		if k == "LEDGER_JWT_SECRET" {
			return "short"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "LEDGER_JWT_SECRET") {
		t.Errorf("a short secret: %v, want an error naming LEDGER_JWT_SECRET", err)
	}
}
