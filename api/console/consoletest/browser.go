// Package consoletest drives the console's pages in a real browser:
// Debian's chromium, headless, through chromedp. Tests that need it call
// Browser; without chromium they skip, unless LEDGER_TEST_BROWSER=1 (set
// by deploy/local/test.sh, and so in CI), where a missing browser fails.
package consoletest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path is where Debian installs chromium; LEDGER_CHROMIUM overrides it.
func Path() string {
	if p := os.Getenv("LEDGER_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return "/usr/bin/chromium"
}

// Browser starts a headless chromium with a fresh profile and returns a
// tab's context, cancelled when the test ends. Console errors and uncaught
// exceptions of the page are logged to the test, so a failing page says
// why. The window is 1920×1080, the dashboard's screen.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := Path()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("LEDGER_TEST_BROWSER") == "1" {
			t.Fatalf("LEDGER_TEST_BROWSER=1 but no chromium at %s: apt-get install chromium", path)
		}
		t.Skipf("no chromium at %s (apt-get install chromium; LEDGER_TEST_BROWSER=1 makes this a failure)", path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1920, 1080),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	// Start the browser now, so a test's first action is not also its
	// start-up. It must be this context, not one derived with a timeout:
	// the first action binds the browser's life to its context.
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	// Console errors and exceptions go to the test log, from a goroutine
	// that ends with the tab.
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				t.Logf("browser console %s: %s", m.Type, m.String())
			}
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// Screenshot saves a full-page PNG of the tab to path.
func Screenshot(ctx context.Context, path string) error {
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; below, JPEG
	if err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}
