package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cxzy/ledger/api"
)

// keyServer serves a JWK Set of public keys, which a test may change
// while a verifier uses it, and counts the fetches.
type keyServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    *jwkset.MemoryJWKSet
	fetches atomic.Int64
}

func newKeyServer(t *testing.T) *keyServer {
	s := &keyServer{keys: jwkset.NewMemoryStorage()}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, err := s.keys.JSONPublic(r.Context())
		s.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// add publishes the public half of key under kid.
func (s *keyServer) add(t *testing.T, kid string, alg jwkset.ALG, key any) {
	t.Helper()
	jwk, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: alg, USE: jwkset.UseSig}})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.keys.KeyWrite(context.Background(), jwk); err != nil {
		t.Fatal(err)
	}
}

func sign(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWKS(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := newKeyServer(t)
	srv.add(t, "rsa-1", jwkset.AlgRS256, &rsaKey.PublicKey)
	srv.add(t, "ed-1", jwkset.AlgEdDSA, edPub)

	v, err := api.NewJWKS(context.Background(), srv.URL, api.JWKSOptions{Issuer: "https://idp.example", Audience: "ledger"})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	now := time.Now()
	claims := func(edit func(*api.Claims)) *api.Claims {
		c := &api.Claims{
			RegisteredClaims: jwt.RegisteredClaims{
				Subject: "superior-u0003", Issuer: "https://idp.example", Audience: jwt.ClaimStrings{"ledger"},
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
			},
			Roles: []string{"superior", "analyst"}, Units: []string{"u0003", "u0007"}, Group: "g2",
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil)), true},
		{"EdDSA", sign(t, jwt.SigningMethodEdDSA, edKey, "ed-1", claims(nil)), true},
		{"no kid, signed by a key of the set", sign(t, jwt.SigningMethodRS256, rsaKey, "", claims(nil)), true},
		{"HS256 with some secret", sign(t, jwt.SigningMethodHS256, []byte("a-secret-of-thirty-two-bytes-000"), "rsa-1", claims(nil)), false},
		{"HS256 keyed with the public key (alg confusion)", sign(t, jwt.SigningMethodHS256, pubPEM, "rsa-1", claims(nil)), false},
		{"HS256 keyed with the public key's DER", sign(t, jwt.SigningMethodHS256, pubDER, "", claims(nil)), false},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-1", claims(nil)), false},
		{"RS384, not an accepted algorithm", sign(t, jwt.SigningMethodRS384, rsaKey, "rsa-1", claims(nil)), false},
		{"expired", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(func(c *api.Claims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Hour))
		})), false},
		{"no expiry", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(func(c *api.Claims) { c.ExpiresAt = nil })), false},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, otherRSA, "rsa-9", claims(nil)), false},
		{"known kid, another key", sign(t, jwt.SigningMethodRS256, otherRSA, "rsa-1", claims(nil)), false},
		{"RS256 naming the Ed25519 key", sign(t, jwt.SigningMethodRS256, rsaKey, "ed-1", claims(nil)), false},
		{"wrong issuer", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(func(c *api.Claims) { c.Issuer = "https://evil.example" })), false},
		{"no issuer", sign(t, jwt.SigningMethodEdDSA, edKey, "ed-1", claims(func(c *api.Claims) { c.Issuer = "" })), false},
		{"wrong audience", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(func(c *api.Claims) { c.Audience = jwt.ClaimStrings{"billing"} })), false},
		{"no audience", sign(t, jwt.SigningMethodEdDSA, edKey, "ed-1", claims(func(c *api.Claims) { c.Audience = nil })), false},
		{"unknown role", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(func(c *api.Claims) { c.Roles = []string{"root"} })), false},
		{"no subject", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(func(c *api.Claims) { c.Subject = "" })), false},
	}

	var seen api.Principal
	handler := api.Authenticate(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = api.PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = api.Principal{}
			req := httptest.NewRequest(http.MethodPost, "/x", nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if !tt.ok {
				if rec.Code != http.StatusUnauthorized {
					t.Fatalf("status = %d, want 401; principal %+v", rec.Code, seen)
				}
				p := problemOf(t, rec)
				if p.Field != "Authorization" {
					t.Errorf("401 without a clear problem: %+v", p)
				}
				if tt.name == "unknown kid" && !strings.Contains(p.Detail, `"rsa-9"`) {
					t.Errorf("401 for an unknown kid does not name it: %q", p.Detail)
				}
				return
			}
			if rec.Code != http.StatusNoContent {
				t.Fatalf("status = %d, want 204; body %s", rec.Code, rec.Body)
			}
			want := api.Principal{Subject: "superior-u0003", Roles: []api.Role{api.RoleSuperior, api.RoleAnalyst},
				Units: []string{"u0003", "u0007"}, Group: "g2"}
			if seen.Subject != want.Subject || !slices.Equal(seen.Roles, want.Roles) ||
				!slices.Equal(seen.Units, want.Units) || seen.Group != want.Group {
				t.Errorf("principal = %+v, want %+v", seen, want)
			}
		})
	}
}

// TestJWKSKeyRotation publishes a new key after the verifier has fetched
// the set: a token naming it is accepted after the fetch its unknown kid
// causes; a second unknown kid within the rate limit is rejected at once,
// without a fetch.
func TestJWKSKeyRotation(t *testing.T) {
	first, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := newKeyServer(t)
	srv.add(t, "rsa-1", jwkset.AlgRS256, &first.PublicKey)
	v, err := api.NewJWKS(context.Background(), srv.URL, api.JWKSOptions{UnknownKIDRefresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches at start, want 1", n)
	}
	claims := &api.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: "office-1", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
		Roles:            []string{"office"},
	}
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, first, "rsa-1", claims)); err != nil {
		t.Fatalf("the first key: %v", err)
	}

	_, rotated, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv.add(t, "ed-2", jwkset.AlgEdDSA, rotated.Public())
	p, err := v.Verify(sign(t, jwt.SigningMethodEdDSA, rotated, "ed-2", claims))
	if err != nil {
		t.Fatalf("a key rotated in: %v", err)
	}
	if p.Subject != "office-1" || !p.Has(api.RoleOffice) {
		t.Errorf("principal = %+v", p)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after the unknown kid, want 2", n)
	}

	third, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv.add(t, "rsa-3", jwkset.AlgRS256, &third.PublicKey)
	start := time.Now()
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, third, "rsa-3", claims)); err == nil {
		t.Error("a second unknown kid within the rate limit was accepted: the set was fetched again")
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a rate-limited unknown kid took %v to reject, want no wait", d)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want still 2: refreshes on unknown kids are rate-limited", n)
	}
	// Keys already fetched still verify.
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, first, "rsa-1", claims)); err != nil {
		t.Errorf("the first key after rotation: %v", err)
	}
}

func TestNewJWKSFails(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer down.Close()
	for _, u := range []string{"", "ftp://idp.example/jwks", "/jwks.json", "https://", down.URL} {
		if v, err := api.NewJWKS(context.Background(), u, api.JWKSOptions{}); err == nil {
			v.Close()
			t.Errorf("NewJWKS(%q) succeeded", u)
		}
	}
}
