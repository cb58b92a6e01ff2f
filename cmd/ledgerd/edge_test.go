package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/cxzy/ledger/api"
)

// startWithSecret starts ledgerd with a JWT secret and no projector, with
// the connection deadlines cut down to timeouts, and returns it with a
// clerk's token.
func startWithSecret(t *testing.T, timeouts HTTPTimeouts, args ...string) (*Main, string) {
	t.Helper()
	secret := strings.Repeat("s", 32)
	cfg, err := ParseConfig(append([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"),
		"--clickhouse", "clickhouse://127.0.0.1:1/ledger", "--projector=false", "--watcher=false"}, args...),
		func(k string) string {
			if k == "LEDGER_JWT_SECRET" {
				return secret
			}
			return ""
		})
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTP = timeouts
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tok, err := api.HS256{Key: []byte(secret)}.Mint(api.Principal{Subject: "clerk-u1", Roles: []api.Role{api.RoleClerk}, Units: []string{"u1"}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

// closedByServer reads from conn until the server closes it, and fails
// if that has not happened by the client's own deadline, which is far
// beyond the server's: only a server that never cuts the client off
// reaches it.
func closedByServer(t *testing.T, conn net.Conn, r *bufio.Reader) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err := io.Copy(io.Discard, r)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server kept the connection open: the client gave up after 15 s")
	}
}

// TestSlowAndIdleClientsAreCutOff: a request whose body trickles in, and a
// kept-alive connection left idle, are closed by the server after its
// deadlines (issue 10; the test sets them short and asserts only that the
// connection ends, not when).
func TestSlowAndIdleClientsAreCutOff(t *testing.T) {
	m, tok := startWithSecret(t, HTTPTimeouts{ReadHeader: time.Second, Read: 500 * time.Millisecond, Write: 5 * time.Second, Idle: 500 * time.Millisecond})

	t.Run("slow body", func(t *testing.T) {
		conn, err := net.Dial("tcp", m.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// A command body of 1000 bytes of which only the first 20 ever
		// come, as from a client sending a byte every few seconds.
		fmt.Fprintf(conn, "POST /v1/pledges HTTP/1.1\r\nHost: ledger\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"unit\":\"u1\",\"title\"", tok)
		closedByServer(t, conn, bufio.NewReader(conn))
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", m.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: ledger\r\n\r\n")
		r := bufio.NewReader(conn)
		conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("GET /healthz = %d (close %v), want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
		}
		closedByServer(t, conn, r)
	})
}

func TestHTTPTimeoutDefaults(t *testing.T) {
	cfg, err := ParseConfig(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// Every deadline is set: none of them may be left at "never".
	if h := cfg.HTTP; h.ReadHeader <= 0 || h.Read <= 0 || h.Write <= 0 || h.Idle <= 0 {
		t.Errorf("HTTP timeouts = %+v, want all set", h)
	}
}

func TestLimitsConfig(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		maxLifetime time.Duration
		limits      api.Limits
		wantErr     string
	}{
		{name: "defaults", maxLifetime: 12 * time.Hour, limits: api.DefaultLimits},
		{name: "flags", args: []string{"--jwt-max-lifetime", "1h", "--auth-fail-burst", "5", "--auth-fail-every", "10s",
			"--expensive-burst", "3", "--expensive-every", "1s"}, maxLifetime: time.Hour,
			limits: api.Limits{AuthFailures: rate.Every(10 * time.Second), AuthBurst: 5, Expensive: 1, ExpensiveBurst: 3}},
		{name: "environment", env: map[string]string{"LEDGER_JWT_MAX_LIFETIME": "30m", "LEDGER_AUTH_FAIL_BURST": "0", "LEDGER_EXPENSIVE_BURST": "0"},
			maxLifetime: 30 * time.Minute, limits: api.Limits{}},
		{name: "bad lifetime", args: []string{"--jwt-max-lifetime", "forever"}, wantErr: "--jwt-max-lifetime"},
		{name: "zero lifetime", env: map[string]string{"LEDGER_JWT_MAX_LIFETIME": "0s"}, wantErr: "LEDGER_JWT_MAX_LIFETIME"},
		{name: "bad burst", args: []string{"--auth-fail-burst", "-1"}, wantErr: "--auth-fail-burst"},
		{name: "bad interval", env: map[string]string{"LEDGER_EXPENSIVE_EVERY": "soon"}, wantErr: "LEDGER_EXPENSIVE_EVERY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.JWTMaxLifetime != tt.maxLifetime || c.Limits != tt.limits {
				t.Errorf("max lifetime %s, limits %+v; want %s, %+v", c.JWTMaxLifetime, c.Limits, tt.maxLifetime, tt.limits)
			}
		})
	}
}

// TestLedgerdLimitsFailedAuthentication: ledgerd answers 429 with
// Retry-After once an address has failed authentication its allowance of
// times, and refuses a token longer-lived than its maximum.
func TestLedgerdLimitsFailedAuthentication(t *testing.T) {
	m, tok := startWithSecret(t, DefaultHTTPTimeouts, "--auth-fail-burst", "2", "--jwt-max-lifetime", "2h")
	base := "http://" + m.Addr()
	long, err := api.HS256{Key: []byte(strings.Repeat("s", 32))}.Mint(api.Principal{Subject: "clerk-u1", Roles: []api.Role{api.RoleClerk}}, 3*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code := do(t, http.MethodGet, base+"/v1/history/pledge-p1", "", long); code != http.StatusUnauthorized {
		t.Errorf("a 3 h token against a 2 h maximum: %d, want 401", code)
	}
	if code := do(t, http.MethodGet, base+"/v1/history/pledge-p1", "", "forged"); code != http.StatusUnauthorized {
		t.Errorf("second failure: %d, want 401", code)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/history/pledge-p1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after two failures: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
