package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/api/console/consoletest"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// consoleEnv is a real ledgerd (embedded log, real ClickHouse, a signing
// key) with a small district set up through the API, and a browser: what
// the console's tests drive.
type consoleEnv struct {
	*client
	m        *Main
	Browser  context.Context
	Verifier string // the checkpoint verifier key the server publishes

	A1, A2                        string // areas 东片区, 西片区
	District, Street, Branch      string // 区委 > 东街道党工委 > 幸福社区党支部 (in A1)
	Street2, Other                string // 西街道党工委 > 和平社区党支部 (in A2)
	Group                         string // 第一指导检查组, assigned A1, member inspector-1
	Office, Clerk, Superior       string // tokens: office-1; clerk-1 (Branch); superior-1 (Street)
	Superior2, Inspector, Analyst string // superior-2 (Street); inspector-1 (Group); analyst-1
	OtherClerk                    string // clerk-2 (Other), outside everyone's scope but the office's
}

// newConsoleEnv starts the server and the browser and sets up the
// district. Tests that need no ClickHouse still get one: the console
// reads views.
func newConsoleEnv(t *testing.T) *consoleEnv { t.Helper(); return newConsoleEnvWith(t) }

// newConsoleEnvWith is newConsoleEnv with more ledgerd flags.
func newConsoleEnvWith(t *testing.T, flags ...string) *consoleEnv {
	t.Helper()
	_, db := chtest.Open(t)
	secret := strings.Repeat("k", 32)
	sealKey, verifierKey, err := seal.GenerateKey("console-ledger")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"), "--watcher=false",
		"--clickhouse", chtest.DSN() + "/" + db, "--seal-every", "1h"}, flags...)
	cfg, err := ParseConfig(args, func(k string) string {
		return map[string]string{"LEDGER_JWT_SECRET": secret, "LEDGER_SEAL_KEY": sealKey}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	e := &consoleEnv{client: &client{t: t, base: "http://" + m.Addr(), secret: []byte(secret)}, m: m, Verifier: verifierKey}
	c := e.client
	e.Office = c.token("office-1", api.RoleOffice, nil, "")
	e.A1 = c.post("area", "/v1/areas", e.Office, map[string]any{"name": "东片区", "leader": "王伟"})
	e.A2 = c.post("area", "/v1/areas", e.Office, map[string]any{"name": "西片区", "leader": "李娜"})
	e.District = c.post("district", "/v1/units", e.Office, map[string]any{"name": "区委", "kind": "district"})
	e.Street = c.post("street", "/v1/units", e.Office, map[string]any{"name": "东街道党工委", "kind": "street", "parent_id": e.District, "area_id": e.A1})
	e.Branch = c.post("branch", "/v1/units", e.Office, map[string]any{"name": "幸福社区党支部", "kind": "branch", "parent_id": e.Street, "area_id": e.A1})
	e.Street2 = c.post("street", "/v1/units", e.Office, map[string]any{"name": "西街道党工委", "kind": "street", "parent_id": e.District, "area_id": e.A2})
	e.Other = c.post("branch", "/v1/units", e.Office, map[string]any{"name": "和平社区党支部", "kind": "branch", "parent_id": e.Street2, "area_id": e.A2})
	e.Group = c.post("group", "/v1/groups", e.Office, map[string]any{"name": "第一指导检查组", "members": []string{"inspector-1"}})
	c.post("assign", "/v1/groups/"+e.Group+"/assignments", e.Office, map[string]any{"target_kind": "area", "target_id": e.A1})
	e.Clerk = c.token("clerk-1", api.RoleClerk, []string{e.Branch}, "")
	e.OtherClerk = c.token("clerk-2", api.RoleClerk, []string{e.Other}, "")
	e.Superior = c.token("superior-1", api.RoleSuperior, []string{e.Street}, "")
	e.Superior2 = c.token("superior-2", api.RoleSuperior, []string{e.Street}, "")
	e.Inspector = c.token("inspector-1", api.RoleInspector, nil, e.Group)
	e.Analyst = c.token("analyst-1", api.RoleAnalyst, nil, "")
	e.Browser = consoletest.Browser(t)
	return e
}

// login puts tok where the console keeps it and opens path.
func (e *consoleEnv) login(t *testing.T, tok, path string) {
	t.Helper()
	if err := chromedp.Do(e.Browser,
		chromedp.Navigate(e.base+"/"),
		chromedp.Evaluate[chromedp.Void]("localStorage.setItem('ledger.token', "+strconv.Quote(tok)+"); sessionStorage.clear()"),
		chromedp.Navigate(e.base+path),
	); err != nil {
		t.Fatalf("login and open %s: %v", path, err)
	}
}

// TestConsoleEnvLogsIn: a token put where the console keeps it signs the
// page in, and the header names the principal and its role in Chinese.
func TestConsoleEnvLogsIn(t *testing.T) {
	e := newConsoleEnv(t)
	e.login(t, e.Clerk, "/")
	ctx, cancel := context.WithTimeout(e.Browser, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#continue")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#signed-in"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "clerk-1") || !strings.Contains(text, "单位经办人") {
		t.Errorf("signed-in box says %q", text)
	}
}

// TestConsoleDevLogin: with --dev-login, the login page mints a token for
// a demo principal picked with one click and goes to that role's page;
// the header then names the principal.
func TestConsoleDevLogin(t *testing.T) {
	e := newConsoleEnvWith(t, "--dev-login")
	ctx, cancel := context.WithTimeout(e.Browser, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/"),
		chromedp.WaitVisible("#mint"),
		chromedp.Click(`//button[contains(., "活动办公室")]`),
		chromedp.Click(`#mint button[type=submit]`),
		chromedp.WaitVisible("#user"),
	); err != nil {
		t.Fatal(err)
	}
	where, err := chromedp.Run(ctx, chromedp.Evaluate[string]("location.pathname"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := chromedp.Run(ctx, chromedp.Text("#user"))
	if err != nil {
		t.Fatal(err)
	}
	if where != "/work" || !strings.Contains(user, "office-1") || !strings.Contains(user, "活动办公室") {
		t.Errorf("after the dev login: at %s, header %q; want /work as office-1 (活动办公室)", where, user)
	}
}
