package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestServesHealthz(t *testing.T) {
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resp, err := http.Get("http://" + m.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("GET /healthz = %d %s", resp.StatusCode, body)
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
			if got.Addr != tt.want.Addr || got.Log.DataDir != "/var/lib/ledger" || got.Log.EventStore != "embedded" {
				t.Errorf("config = %+v, want addr %s", got, tt.want.Addr)
			}
		})
	}
}
