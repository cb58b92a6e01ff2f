package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/cxzy/ledger/api"
)

// serve sends one request to h from the client address from, with a
// bearer token if tok is set.
func serve(h http.Handler, method, path, from, tok string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = from + ":40000"
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestEveryAnswerIsNoSniffNoStore: every answer, problems included, says
// not to sniff its type and not to store it (issue 10).
func TestEveryAnswerIsNoSniffNoStore(t *testing.T) {
	h := fullServer(t).Handler()
	office := tokenWith(t, api.RoleOffice)
	tests := []struct {
		name, method, path, tok string
		status                  int
	}{
		{"health", http.MethodGet, "/healthz", "", 200},
		{"no such route", http.MethodGet, "/v1/nothing", "", 404},
		{"no token", http.MethodGet, "/v1/history/pledge-p1", "", 401},
		{"missing stream", http.MethodGet, "/v1/history/pledge-p1", office, 404},
		{"wrong role", http.MethodPost, "/v1/admin/snapshots", office, 403},
		{"wrong method", http.MethodDelete, "/v1/history/pledge-p1", office, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, tt.method, tt.path, "192.0.2.1", tt.tok)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; %s", rec.Code, tt.status, rec.Body)
			}
			for header, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
				if got := rec.Header().Get(header); got != want {
					t.Errorf("%s = %q, want %q", header, got, want)
				}
			}
		})
	}
}

// retryAfter checks a 429 answer and returns its Retry-After in seconds.
func retryAfter(t *testing.T, rec *httptest.ResponseRecorder) int {
	t.Helper()
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429; %s", rec.Code, rec.Body)
	}
	if p := problemOf(t, rec); p.Status != 429 || p.Detail == "" {
		t.Errorf("problem = %+v, want a 429 that says why", p)
	}
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want whole seconds", rec.Header().Get("Retry-After"))
	}
	return secs
}

// TestFailedAuthenticationIsLimited: a client address that has failed
// authentication its allowance of times gets 429 with Retry-After, even
// with a good token, until its allowance refills; other addresses are
// not affected.
func TestFailedAuthenticationIsLimited(t *testing.T) {
	s := fullServer(t)
	s.Limits = api.Limits{AuthFailures: rate.Every(time.Hour), AuthBurst: 3}
	h := s.Handler()
	office := tokenWith(t, api.RoleOffice)
	for i := range 3 {
		if rec := serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.1", "forged"); rec.Code != 401 {
			t.Fatalf("failure %d: status = %d, want 401", i+1, rec.Code)
		}
	}
	secs := retryAfter(t, serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.1", "forged"))
	if secs > 3600 {
		t.Errorf("Retry-After = %d s, want at most the hour one failure takes to refill", secs)
	}
	retryAfter(t, serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.1", office))
	if rec := serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.2", office); rec.Code != 404 {
		t.Errorf("another address with a good token: %d, want 404 (no such stream)", rec.Code)
	}
	if rec := serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.3", "forged"); rec.Code != 401 {
		t.Errorf("another address with a bad token: %d, want 401", rec.Code)
	}
	// Good tokens use up nothing.
	for i := range 10 {
		if rec := serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.4", office); rec.Code != 404 {
			t.Fatalf("good request %d: %d, want 404", i+1, rec.Code)
		}
	}
}

// TestExpensiveReadsAreLimited: a subject that has used up its allowance
// of audit searches (an expensive read) gets 429 with Retry-After; another
// subject, and a cheap read by the same one, are not affected.
func TestExpensiveReadsAreLimited(t *testing.T) {
	s := fullServer(t)
	s.Limits = api.Limits{Expensive: rate.Every(time.Hour), ExpensiveBurst: 2}
	h := s.Handler()
	a := token(t, "office-a", api.RoleOffice)
	b := token(t, "office-b", api.RoleOffice)
	for i := range 2 {
		if rec := serve(h, http.MethodGet, "/v1/audit/events", "192.0.2.1", a); rec.Code != 200 {
			t.Fatalf("search %d: %d, want 200; %s", i+1, rec.Code, rec.Body)
		}
	}
	retryAfter(t, serve(h, http.MethodGet, "/v1/audit/events", "192.0.2.1", a))
	// The limit follows the subject, not the address.
	retryAfter(t, serve(h, http.MethodGet, "/v1/audit/events", "192.0.2.9", a))
	if rec := serve(h, http.MethodGet, "/v1/audit/events", "192.0.2.1", b); rec.Code != 200 {
		t.Errorf("another subject: %d, want 200", rec.Code)
	}
	if rec := serve(h, http.MethodGet, "/v1/history/pledge-p1", "192.0.2.1", a); rec.Code != 404 {
		t.Errorf("a cheap read by the limited subject: %d, want 404 (no such stream)", rec.Code)
	}
}

// TestClientLimiterMemoryIsBounded: however many clients come, the
// limiter tracks at most its maximum, and forgets those idle long enough
// to have refilled.
func TestClientLimiterMemoryIsBounded(t *testing.T) {
	l := api.NewClientLimiter(rate.Every(time.Minute), 2, 100)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.Allow("client-"+strconv.Itoa(i), now)
		if n := l.Clients(); n > 100 {
			t.Fatalf("after %d clients the limiter tracks %d, want at most 100", i+1, n)
		}
	}
	// Two minutes refill a bucket of two at one a minute: every client is
	// forgotten at the next sweep.
	l.Allow("late", now.Add(2*time.Minute+time.Second))
	if n := l.Clients(); n != 1 {
		t.Errorf("after every client went idle the limiter tracks %d, want 1", n)
	}
	if _, ok := l.Allow("late", now.Add(2*time.Minute+time.Second)); !ok {
		t.Error("the second request of a burst of two was refused")
	}
	if _, ok := l.Allow("late", now.Add(2*time.Minute+time.Second)); ok {
		t.Error("the third request of a burst of two was allowed")
	}
}
