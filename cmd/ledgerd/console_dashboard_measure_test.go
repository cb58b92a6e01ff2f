package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/api/console/consoletest"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// TestDashboardScreenshot, with LEDGER_SCREENSHOTS=1, saves
// docs/screenshots/dashboard.png: the dashboard at 1920×1080 over the
// demo district (ledgerctl seed --seed 1 --until 2026-11-30, its default
// size), as the office sees it on the evening of 30 November 2026.
//
//	LEDGER_SCREENSHOTS=1 go test ./cmd/ledgerd -run TestDashboardScreenshot -timeout 300s
func TestDashboardScreenshot(t *testing.T) {
	if os.Getenv("LEDGER_SCREENSHOTS") != "1" {
		t.Skip("LEDGER_SCREENSHOTS=1 saves docs/screenshots/dashboard.png")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "log")
	until, _ := domain.ParseDate("2026-11-30")
	store, err := connect.Open(ctx, connect.Config{EventStore: connect.Embedded, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := demo.Seed(ctx, store, demo.Config{Seed: 1, Until: until, Loc: domain.DefaultLocation()})
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo district: %d events, %d units", sum.Events, sum.Units)

	_, db := chtest.Open(t)
	secret := strings.Repeat("k", 32)
	sealKey, _, err := seal.GenerateKey("cxzy-ledger-demo")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--watcher=false",
		"--clickhouse", chtest.DSN() + "/" + db, "--seal-every", "1h"}, func(k string) string {
		return map[string]string{"LEDGER_JWT_SECRET": secret, "LEDGER_SEAL_KEY": sealKey}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	c := &client{t: t, base: "http://" + m.Addr(), secret: []byte(secret)}
	office := c.token("office-1", api.RoleOffice, nil, "")
	code, _, body := c.do(http.MethodPost, "/v1/checkpoints", office, nil)
	if code != http.StatusOK {
		t.Fatalf("seal: %d %s", code, body)
	}
	// The projector catches up with the seeded log (and the checkpoint).
	c.lastPos = uint64(sum.Events) + 1
	var sink map[string]any
	for i := 0; ; i++ {
		code, _, body := c.do(http.MethodGet, "/v1/views/totals?"+url.Values{"wait_for": {strconv.FormatUint(c.lastPos, 10)}}.Encode(), office, nil)
		if code == http.StatusOK {
			json.Unmarshal(body, &sink)
			break
		}
		if code != http.StatusServiceUnavailable || i > 20 {
			t.Fatalf("projections: %d %s", code, body)
		}
	}
	b := consoletest.Browser(t)
	if err := chromedp.Do(b, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	openDashboard(t, b, c.base, office, "/dashboard?now=2026-11-30T18:00:00%2B08:00")
	out := filepath.Join("..", "..", "docs", "screenshots", "dashboard.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	savePNG(t, b, out)
	if csp, err := chromedp.Run(b, chromedp.Evaluate[string](`JSON.stringify(window.dashCSP)`)); err != nil || csp != "[]" {
		t.Errorf("content-security-policy violations: %s %v", csp, err)
	}
	t.Logf("saved %s", out)
	// LEDGER_SCREENSHOT_LAPTOP=FILE also shows the page on a 1366×768
	// laptop (for a look, not for the docs).
	if laptop := os.Getenv("LEDGER_SCREENSHOT_LAPTOP"); laptop != "" {
		if err := chromedp.Do(b, chromedp.EmulateViewport(1366, 768)); err != nil {
			t.Fatal(err)
		}
		buf, err := chromedp.Run(b, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(laptop, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDashboardMeasure is a measuring tool, not a check: with
// LEDGER_DASHBOARD_URL (a running ledgerd, such as deploy/local/run.sh's)
// and LEDGER_DASHBOARD_TOKEN (an office or analyst token) it opens the
// dashboard in headless chromium and logs the time to first render
// (navigation start to every panel filled: the page's performance mark
// dash-first-render) and what polling costs: requests and bytes over
// LEDGER_DASHBOARD_WATCH (default 60s) at the poll interval
// LEDGER_DASHBOARD_EVERY (default 15 s), counted from the Resource Timing
// entries of the page. LEDGER_DASHBOARD_QUERY adds query parameters (such
// as now=2026-11-30); LEDGER_DASHBOARD_SHOT saves a screenshot there.
//
//	LEDGER_DASHBOARD_URL=http://127.0.0.1:8080 LEDGER_DASHBOARD_TOKEN=$(ledgerctl token --subject office-1 --role office) \
//	  go test ./cmd/ledgerd -run TestDashboardMeasure -v -timeout 300s
func TestDashboardMeasure(t *testing.T) {
	base, tok := os.Getenv("LEDGER_DASHBOARD_URL"), os.Getenv("LEDGER_DASHBOARD_TOKEN")
	if base == "" || tok == "" {
		t.Skip("a measuring tool: set LEDGER_DASHBOARD_URL and LEDGER_DASHBOARD_TOKEN")
	}
	every := envOr("LEDGER_DASHBOARD_EVERY", "15")
	watch, err := time.ParseDuration(envOr("LEDGER_DASHBOARD_WATCH", "60s"))
	if err != nil {
		t.Fatal(err)
	}
	path := "/dashboard?every=" + every
	if q := os.Getenv("LEDGER_DASHBOARD_QUERY"); q != "" {
		path += "&" + q
	}
	ctx := consoletest.Browser(t)
	openDashboard(t, ctx, base, tok, path)
	shot := os.Getenv("LEDGER_DASHBOARD_SHOT")
	if shot != "" {
		savePNG(t, ctx, shot)
	}
	first := dashboardCost(t, ctx)
	t.Logf("first render: %v ms after navigation start (refresh itself %v ms); %v requests, %v bytes transferred before it",
		first["firstRenderMs"], first["lastRefreshMs"], first["requests"], first["bytes"])
	t.Logf("slowest reads (start+duration): %v", first["slowest"])
	if watch <= 0 {
		return
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__mark = performance.getEntriesByType('resource').length`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(watch) // a measuring tool watches for a fixed time on purpose
	after := dashboardCost(t, ctx)
	t.Logf("over %s at every=%s: %v requests, %v bytes transferred (%v probes, %v refreshes in all)",
		watch, every, after["requestsSinceMark"], after["bytesSinceMark"], after["probes"], after["refreshes"])
}

// savePNG saves the viewport (1920×1080) as a PNG.
func savePNG(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// openDashboard signs the browser in with tok at base and opens path,
// waiting until the page's first refresh has drawn every panel.
func openDashboard(t *testing.T, ctx context.Context, base, tok, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Evaluate[chromedp.Void]("localStorage.setItem('ledger.token', "+strconv.Quote(tok)+"); sessionStorage.clear()"),
		chromedp.Navigate(base+path),
		chromedp.Evaluate[chromedp.Void](`performance.setResourceTimingBufferSize(10000)`),
	); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.body.dataset.ready`, chromedp.WithPollingTimeout(110*time.Second))); err != nil {
		t.Fatalf("%s never finished drawing: %v", path, err)
	}
}

// dashboardCost reads the page's own figures and its resource timings.
func dashboardCost(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
	  const all = performance.getEntriesByType('resource');
	  const later = all.slice(window.__mark || 0).filter(e => new URL(e.name).pathname.startsWith('/v1/'));
	  const sum = es => es.reduce((n, e) => n + (e.transferSize || 0), 0);
	  const slow = all.filter(e => new URL(e.name).pathname.startsWith('/v1/')).sort((a, b) => b.duration - a.duration).slice(0, 6)
	    .map(e => Math.round(e.startTime) + '+' + Math.round(e.duration) + 'ms ' + decodeURIComponent(new URL(e.name).pathname + new URL(e.name).search).slice(0, 90));
	  return JSON.stringify(Object.assign({}, window.dashStats, { slowest: slow,
	    requests: all.length, bytes: sum(all),
	    requestsSinceMark: later.length, bytesSinceMark: sum(later),
	  }));
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
