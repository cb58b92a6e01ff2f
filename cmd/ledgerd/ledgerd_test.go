package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
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
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"),
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
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"),
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
		{name: "collection margin too short to cover a command", args: []string{"--evidence-collect-margin", "30s"}, wantErr: "--evidence-collect-margin"},
		{name: "collection margin not a duration", args: []string{"--evidence-collect-margin", "soon"}, wantErr: "--evidence-collect-margin"},
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
				!got.Projector || !got.Watcher || got.WatchEvery != time.Minute || got.Evidence.CollectMargin != 10*time.Minute {
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
	dataDir := filepath.Join(t.TempDir(), "log")
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--projector=false", "--watcher=false"}, env)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	post := func(path, body, tok string) int {
		t.Helper()
		return do(t, http.MethodPost, "http://"+m.Addr()+path, body, tok)
	}
	if code := post("/v1/pledges", `{"unit":"u1"}`, ""); code != http.StatusUnauthorized {
		t.Errorf("command without a token: %d, want 401", code)
	}
	hs := api.HS256{Key: []byte(secret)}
	tok, err := hs.Mint(api.Principal{Subject: "clerk-u1", Roles: []api.Role{api.RoleClerk}, Units: []string{"u1"}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code := post("/v1/pledges", `{"unit":"u1"}`, tok); code != http.StatusUnprocessableEntity {
		t.Errorf("command for an unregistered unit: %d, want 422", code)
	}
	office, err := hs.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code := post("/v1/areas", `{"name":"东区","leader":"王","occurred_at":"2025-03-01T09:00:00+08:00"}`, office); code != http.StatusCreated {
		t.Fatalf("office registers an area: %d, want 201", code)
	}
	// Online snapshots of the embedded log: admin only, under the data dir.
	if code := post("/v1/admin/snapshots", `{}`, office); code != http.StatusForbidden {
		t.Errorf("office takes a snapshot: %d, want 403", code)
	}
	admin, err := hs.Mint(api.Principal{Subject: "ops-1", Roles: []api.Role{api.RoleAdmin}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The snapshot copies the evidence store from its default place.
	evStore, err := evidence.OpenDir(dataDir + "-evidence")
	if err != nil {
		t.Fatal(err)
	}
	photo, err := evStore.Put(context.Background(), strings.NewReader("a photo of the notice board"), "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if code := post("/v1/admin/snapshots", `{}`, admin); code != http.StatusCreated {
		t.Errorf("admin takes a snapshot: %d, want 201", code)
	}
	if snaps, _ := filepath.Glob(filepath.Join(dataDir, "snapshots", "*", "manifest.json")); len(snaps) != 1 {
		t.Errorf("snapshots under the data dir: %v, want one", snaps)
	}
	if listed, _ := filepath.Glob(filepath.Join(dataDir, "snapshots", "*", "evidence", photo.SHA256[:2], photo.SHA256)); len(listed) != 1 {
		t.Errorf("the snapshot does not hold the evidence store's file %s", photo.SHA256)
	}
	// The command's append went through the measured log.
	code, metrics := get(t, "http://"+m.Addr()+"/metrics")
	if ok, n := metricValue(metrics, `ledger_append_duration_seconds_count{outcome="ok"}`); code != 200 || !ok || n < 1 {
		t.Errorf("/metrics (%d): ledger_append_duration_seconds_count{outcome=\"ok\"} = %v (found %v), want >= 1", code, n, ok)
	}
	if ok, n := metricValue(metrics, "ledger_appended_events_total"); !ok || n < 1 {
		t.Errorf("/metrics: ledger_appended_events_total = %v (found %v), want >= 1", n, ok)
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

// do sends a request with a JSON body and, if tok is set, a bearer token,
// and returns the status.
func do(t *testing.T, method, url, body, tok string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
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

// metricValue finds the sample named (with its labels) in a Prometheus
// text exposition.
func metricValue(exposition, name string) (bool, float64) {
	for line := range strings.Lines(exposition) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return err == nil, f
		}
	}
	return false, 0
}

func TestAuthConfig(t *testing.T) {
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr []string // all named in the error; nil for none
	}{
		{name: "secret", env: map[string]string{"LEDGER_JWT_SECRET": secret}},
		{name: "JWKS from the environment", env: map[string]string{"LEDGER_JWKS_URL": "https://idp.example/.well-known/jwks.json",
			"LEDGER_JWT_ISSUER": "https://idp.example", "LEDGER_JWT_AUDIENCE": "ledger"}},
		{name: "JWKS from flags", args: []string{"--jwks-url", "http://127.0.0.1:8081/jwks", "--jwt-issuer", "i", "--jwt-audience", "a"}},
		{name: "both", env: map[string]string{"LEDGER_JWT_SECRET": secret, "LEDGER_JWKS_URL": "https://idp.example/jwks"},
			wantErr: []string{"LEDGER_JWT_SECRET", "LEDGER_JWKS_URL"}},
		{name: "both, the URL a flag", env: map[string]string{"LEDGER_JWT_SECRET": secret}, args: []string{"--jwks-url", "https://idp.example/jwks"},
			wantErr: []string{"LEDGER_JWT_SECRET", "--jwks-url"}},
		{name: "not http", args: []string{"--jwks-url", "file:///etc/jwks.json"}, wantErr: []string{"--jwks-url", "http(s)"}},
		{name: "not absolute", env: map[string]string{"LEDGER_JWKS_URL": "idp.example/jwks"}, wantErr: []string{"LEDGER_JWKS_URL"}},
		{name: "issuer without JWKS", env: map[string]string{"LEDGER_JWT_SECRET": secret, "LEDGER_JWT_ISSUER": "i"}, wantErr: []string{"LEDGER_JWT_ISSUER"}},
		{name: "audience without JWKS", args: []string{"--jwt-audience", "a"}, wantErr: []string{"--jwt-audience"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if c.JWTSecret != tt.env["LEDGER_JWT_SECRET"] {
					t.Errorf("secret = %q", c.JWTSecret)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one naming %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestCommandAPIIsServedWithJWKS starts ledgerd verifying tokens with the
// Ed25519 key a JWKS URL publishes, with an issuer and audience required.
func TestCommandAPIIsServedWithJWKS(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks := fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed-1","alg":"EdDSA","use":"sig","x":%q}]}`,
		base64.RawURLEncoding.EncodeToString(pub))
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, jwks)
	}))
	defer idp.Close()
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"), "--projector=false", "--watcher=false",
		"--jwks-url", idp.URL, "--jwt-issuer", "https://idp.example", "--jwt-audience", "ledger"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	token := func(audience string) string {
		c := api.Claims{
			RegisteredClaims: jwt.RegisteredClaims{Subject: "office-1", Issuer: "https://idp.example", Audience: jwt.ClaimStrings{audience},
				ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
			Roles: []string{"office"},
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = "ed-1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	area := `{"name":"东区","leader":"王","occurred_at":"2025-03-01T09:00:00+08:00"}`
	url := "http://" + m.Addr() + "/v1/areas"
	if code := do(t, http.MethodPost, url, area, token("ledger")); code != http.StatusCreated {
		t.Errorf("EdDSA token from the JWKS: %d, want 201", code)
	}
	if code := do(t, http.MethodPost, url, area, token("billing")); code != http.StatusUnauthorized {
		t.Errorf("token for another audience: %d, want 401", code)
	}
	hs, _ := api.HS256{Key: []byte(strings.Repeat("s", 32))}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	if code := do(t, http.MethodPost, url, area, hs); code != http.StatusUnauthorized {
		t.Errorf("HS256 token in JWKS mode: %d, want 401", code)
	}
}

func TestJWKSUnreachableFailsStart(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"), "--projector=false", "--watcher=false",
		"--jwks-url", down.URL}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err == nil {
		m.Close()
		t.Fatal("ledgerd started with its JWKS URL unreachable")
	} else if !strings.Contains(err.Error(), down.URL) {
		t.Errorf("error %q does not name the URL", err)
	}
}

// TestDevLoginConfig: the development login needs the HS256 secret and a
// loopback address, since it lets anyone act as anyone.
func TestDevLoginConfig(t *testing.T) {
	secret := strings.Repeat("s", 32)
	for _, tc := range []struct {
		addr, secret, wantErr string
	}{
		{"127.0.0.1:8080", secret, ""},
		{"localhost:8080", secret, ""},
		{"[::1]:8080", secret, ""},
		{"0.0.0.0:8080", secret, "not a loopback address"},
		{"10.1.2.3:8080", secret, "not a loopback address"},
		{":8080", secret, "not a loopback address"},
		{"127.0.0.1:8080", "", "needs LEDGER_JWT_SECRET"},
	} {
		c, err := ParseConfig([]string{"--addr", tc.addr, "--dev-login"}, func(k string) string {
			return map[string]string{"LEDGER_JWT_SECRET": tc.secret}[k]
		})
		switch {
		case tc.wantErr == "" && (err != nil || !c.DevLogin):
			t.Errorf("%s: %v, dev login %v", tc.addr, err, c.DevLogin)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s (secret %t): %v, want %q", tc.addr, tc.secret != "", err, tc.wantErr)
		}
	}
}
