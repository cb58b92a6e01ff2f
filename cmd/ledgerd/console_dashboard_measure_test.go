package main

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cxzy/ledger/api/console/consoletest"
)

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
	  return JSON.stringify(Object.assign({}, window.dashStats, {
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
