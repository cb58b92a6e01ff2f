package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/eventlog"
)

type body struct {
	Name     string      `json:"name"`
	Count    int         `json:"count"`
	Deadline domain.Date `json:"deadline"`
}

// decodeServer answers 204 when DecodeJSON accepts, or the problem.
func decodeServer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b body
		if err := api.DecodeJSON(w, r, &b); err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func problemOf(t *testing.T, rec *httptest.ResponseRecorder) api.Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		field       string
	}{
		{"valid", "application/json", `{"name":"整改","count":2,"deadline":"2026-03-31"}`, 204, ""},
		{"charset is fine", "application/json; charset=utf-8", `{"name":"x"}`, 204, ""},
		{"malformed", "application/json", `{"name":`, 400, ""},
		{"not json at all", "application/json", `name=x`, 400, ""},
		{"unknown field", "application/json", `{"name":"x","actor":"admin"}`, 400, "actor"},
		{"wrong type names the field", "application/json", `{"count":"two"}`, 400, "count"},
		{"two objects", "application/json", `{"name":"a"}{"name":"b"}`, 400, ""},
		{"empty body", "application/json", ``, 400, ""},
		{"bad date", "application/json", `{"deadline":"31.03.2026"}`, 400, "deadline"},
		{"wrong content type", "text/plain", `{"name":"x"}`, 415, "Content-Type"},
		{"no content type", "", `{"name":"x"}`, 415, "Content-Type"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("长", api.MaxBody/3+10) + `"}`, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			decodeServer().ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 204 {
				return
			}
			p := problemOf(t, rec)
			if p.Status != tt.status || p.Field != tt.field || p.Detail == "" || p.Instance != "/x" {
				t.Errorf("problem = %+v, want status %d naming field %q", p, tt.status, tt.field)
			}
		})
	}
}

func TestProblemFor(t *testing.T) {
	conflict := &eventlog.ConflictError{Stream: "s", Expected: eventlog.Exact(2), Actual: 3}
	tests := []struct {
		name   string
		err    error
		status int
		field  string
	}{
		{"validation", fmt.Errorf("decide: %w", domain.Invalid("deadline", "must be after the order date")), 422, "deadline"},
		{"transition", &domain.TransitionError{Entity: "pledge", ID: "p1", From: "filed", Command: "withdraw"}, 422, ""},
		{"not found", fmt.Errorf("pledge p1: %w", domain.ErrNotFound), 404, ""},
		{"already exists", fmt.Errorf("pledge-p1: %w", domain.ErrAlreadyExists), 409, ""},
		{"conflict", fmt.Errorf("append: %w", conflict), 409, ""},
		{"if-match mismatch", fmt.Errorf("%w: %w", api.ErrIfMatch, conflict), 412, "If-Match"},
		{"separation of duty", fmt.Errorf("rectification r1: %w: own extension", rectification.ErrSeparationOfDuty), 403, ""},
		{"deadline passed", fmt.Errorf("rectification r1: %w", rectification.ErrDeadlinePassed), 422, ""},
		{"period not ended", fmt.Errorf("pledge p1: %w", pledge.ErrPeriodNotEnded), 422, ""},
		{"read models down", fmt.Errorf("%w: dial tcp: refused", api.ErrViewsUnavailable), 503, ""},
		{"anything else", errors.New("disk on fire"), 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := api.ProblemFor(tt.err)
			if p.Status != tt.status || p.Field != tt.field || p.Type == "" || p.Title == "" {
				t.Errorf("problem = %+v, want status %d field %q", p, tt.status, tt.field)
			}
			if tt.status == 500 && strings.Contains(p.Detail, "disk") {
				t.Errorf("an internal error leaks its text: %q", p.Detail)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	key := []byte("test-secret-of-enough-length-000")
	h := api.HS256{Key: key}
	now := time.Now()
	good, err := h.Mint(api.Principal{Subject: "clerk-u0012", Roles: []api.Role{api.RoleClerk}, Units: []string{"u0012"}}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := h.Mint(api.Principal{Subject: "clerk-u0012", Roles: []api.Role{api.RoleClerk}}, time.Hour, now.Add(-2*time.Hour))
	otherKey, _ := api.HS256{Key: []byte("another-secret-of-enough-length")}.Mint(api.Principal{Subject: "x", Roles: []api.Role{api.RoleAdmin}}, time.Hour, now)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "x", "roles": []string{"admin"}, "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExpiry, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "x", "roles": []string{"admin"}}).SignedString(key)
	badRole, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "x", "roles": []string{"root"}, "exp": now.Add(time.Hour).Unix()}).SignedString(key)
	noSubject, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"roles": []string{"clerk"}, "exp": now.Add(time.Hour).Unix()}).SignedString(key)
	claims := func(iat, exp time.Duration, withIat bool) string {
		c := jwt.MapClaims{"sub": "clerk-u0012", "roles": []string{"clerk"}, "units": []string{"u0012"}, "exp": now.Add(exp).Unix()}
		if withIat {
			c["iat"] = now.Add(iat).Unix()
		}
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		return tok
	}
	// The default most lifetime is 12 h (issue 10), with the 30 s leeway
	// of the other time claims.
	issuedAhead := claims(2*time.Minute, time.Hour, true)
	issuedWithinLeeway := claims(20*time.Second, time.Hour, true)
	thirteenHours := claims(0, 13*time.Hour, true)
	twelveHours := claims(0, 12*time.Hour, true)
	longNoIat := claims(0, 13*time.Hour, false)
	shortNoIat := claims(0, time.Hour, false)
	// Issued 11 h ago for 13 h: only 2 h are left, but the lifetime is
	// what counts.
	longAndOld := claims(-11*time.Hour, 2*time.Hour, true)

	var seen api.Principal
	handler := api.Authenticate(h)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = api.PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))
	tests := []struct {
		name   string
		header string
		status int
		detail string // what the 401 says, in plain words
	}{
		{"valid token", "Bearer " + good, 204, ""},
		{"scheme in lower case", "bearer " + good, 204, ""},
		{"scheme in upper case", "BEARER " + good, 204, ""},
		{"no header", "", 401, "a bearer token is required"},
		{"not bearer", "Basic " + good, 401, "a bearer token is required"},
		{"bearer without a token", "Bearer ", 401, "a bearer token is required"},
		{"expired", "Bearer " + expired, 401, "the bearer token is not valid: it has expired"},
		{"signed with another key", "Bearer " + otherKey, 401, "the bearer token is not valid: its signature does not match"},
		{"alg none", "Bearer " + none, 401, "the bearer token is not valid: its signature does not match"},
		{"no expiry", "Bearer " + noExpiry, 401, "the bearer token is not valid: it has no expiry"},
		{"unknown role", "Bearer " + badRole, 401, `the bearer token is not valid: it names the role "root", which this ledger does not know`},
		{"no subject", "Bearer " + noSubject, 401, "the bearer token is not valid: it names no subject"},
		{"garbage", "Bearer abc.def.ghi", 401, "the bearer token is not valid: it is not a token"},
		{"not even three parts", "Bearer abc", 401, "the bearer token is not valid: it is not a token"},
		{"issued two minutes ahead", "Bearer " + issuedAhead, 401, "the bearer token is not valid: it was issued in the future"},
		{"issued within the leeway", "Bearer " + issuedWithinLeeway, 204, ""},
		{"lifetime 13 h", "Bearer " + thirteenHours, 401, "the bearer token is not valid: it is valid for 13h0m0s, longer than the 12h0m0s this ledger allows"},
		{"lifetime 12 h", "Bearer " + twelveHours, 204, ""},
		{"no iat, 13 h left", "Bearer " + longNoIat, 401, "longer than the 12h0m0s this ledger allows"},
		{"no iat, 1 h left", "Bearer " + shortNoIat, 204, ""},
		{"issued 11 h ago for 13 h", "Bearer " + longAndOld, 401, "longer than the 12h0m0s this ledger allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 401 {
				p := problemOf(t, rec)
				if p.Field != "Authorization" || rec.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("401 without a clear problem: %+v", p)
				}
				if !strings.Contains(p.Detail, tt.detail) {
					t.Errorf("detail = %q, want %q", p.Detail, tt.detail)
				}
				for _, internal := range []string{"token is malformed", "JSON", "jwt", "crypto/", "illegal base64"} {
					if strings.Contains(p.Detail, internal) {
						t.Errorf("detail %q shows the parser's words %q", p.Detail, internal)
					}
				}
			}
		})
	}
	// A verifier with its own most lifetime takes what the default would refuse.
	long := api.Authenticate(api.HS256{Key: key, MaxLifetime: 24 * time.Hour})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set("Authorization", "Bearer "+thirteenHours)
	rec := httptest.NewRecorder()
	long.ServeHTTP(rec, req)
	if rec.Code != 204 {
		t.Errorf("13 h token with a 24 h most lifetime: %d, want 204; %s", rec.Code, rec.Body)
	}
	if seen.Subject != "clerk-u0012" || !seen.Has(api.RoleClerk) || seen.Has(api.RoleAdmin) || len(seen.Units) != 1 {
		t.Errorf("principal = %+v", seen)
	}
}
