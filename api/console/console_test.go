package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/api/console"
	"github.com/cxzy/ledger/api/console/consoletest"
)

// TestPagesServed: every page and asset is served from the binary with
// the content-security policy that keeps foreign scripts away from the
// token, and an unchanged asset revalidates as 304.
func TestPagesServed(t *testing.T) {
	r := chi.NewRouter()
	console.Routes(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	for p := range console.Pages {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
	res, err := http.Get(srv.URL + "/assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("app.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("GET", srv.URL+"/assets/app.js", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", again.StatusCode)
	}
	for _, p := range []string{"/assets/../console.go", "/assets/nothing.js", "/nothing"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
}

// TestLoginPageRenders: the login page loads in a real browser, with the
// paste form, and without a dev-login endpoint hides the minting form.
func TestLoginPageRenders(t *testing.T) {
	r := chi.NewRouter()
	console.Routes(r)
	r.Get("/v1/whoami", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"type":"/problems/unauthenticated","title":"Unauthorized","status":401,"detail":"a bearer token is required","field":"Authorization"}`))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	ctx := consoletest.Browser(t)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#paste textarea")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "创先争优") {
		t.Errorf("title %q", title)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('dev').hidden`))
	if err != nil {
		t.Fatal(err)
	}
	if !hidden {
		t.Error("the dev-login form shows though the server mints no tokens")
	}
}
