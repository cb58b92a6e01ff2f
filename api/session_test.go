package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
)

func postJSON(t *testing.T, h http.Handler, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestDevTokensAndWhoAmI: the development login mints a token the server
// accepts, whoami says who it acts as and in which zone, bad requests name
// their field, and a server without --dev-login has no such route.
func TestDevTokensAndWhoAmI(t *testing.T) {
	key := []byte(strings.Repeat("d", 32))
	s := &api.Server{Verifier: api.HS256{Key: key}, DevTokens: &api.DevTokens{Signer: api.HS256{Key: key}, TTL: time.Hour}}
	h := s.Handler()

	rec := postJSON(t, h, "/v1/dev/tokens", `{"subject":"clerk-u0002","roles":["clerk"],"units":["u0002"]}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("mint: %d %s", rec.Code, rec.Body)
	}
	var minted api.DevToken
	if err := json.Unmarshal(rec.Body.Bytes(), &minted); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(minted.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("expires in %v, want the configured hour", d)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+minted.Token)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("whoami: %d %s", rec.Code, rec.Body)
	}
	var who api.WhoAmI
	json.Unmarshal(rec.Body.Bytes(), &who)
	if who.Subject != "clerk-u0002" || len(who.Roles) != 1 || who.Roles[0] != api.RoleClerk ||
		len(who.Units) != 1 || who.Units[0] != "u0002" || who.Zone != "Asia/Shanghai" {
		t.Errorf("whoami = %+v", who)
	}

	for _, tc := range []struct{ body, field string }{
		{`{"roles":["office"]}`, "subject"},
		{`{"subject":"x","roles":[]}`, "roles"},
		{`{"subject":"x","roles":["office","chief"]}`, "roles[1]"},
		{`{"subject":"x","roles":["office"],"extra":1}`, "extra"},
	} {
		rec := postJSON(t, h, "/v1/dev/tokens", tc.body)
		var p api.Problem
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code/100 != 4 || p.Field != tc.field {
			t.Errorf("%s: %d field %q, want 4xx naming %q", tc.body, rec.Code, p.Field, tc.field)
		}
	}

	req = httptest.NewRequest(http.MethodGet, "/v1/whoami", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("whoami without a token: %d", rec.Code)
	}

	plain := (&api.Server{Verifier: api.HS256{Key: key}}).Handler()
	if rec := postJSON(t, plain, "/v1/dev/tokens", `{"subject":"x","roles":["office"]}`); rec.Code != http.StatusNotFound {
		t.Errorf("a server without dev login answered %d to a mint", rec.Code)
	}
}
