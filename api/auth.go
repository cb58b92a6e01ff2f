package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Role is what a principal may do. The zero value is no role.
type Role string

// The roles of DOMAIN.md's users.
const (
	RoleClerk     Role = "clerk"     // 单位经办人: records for their own unit
	RoleSuperior  Role = "superior"  // 上级党组织: vets, reviews, orders and accepts below it
	RoleInspector Role = "inspector" // 指导检查组: checks and audits its assignment
	RoleOffice    Role = "office"    // 活动办公室: runs the campaign
	RoleAnalyst   Role = "analyst"   // reads projections
	RoleAdmin     Role = "admin"     // operates the service; records nothing in anyone's name
)

// Roles lists every role.
var Roles = []Role{RoleClerk, RoleSuperior, RoleInspector, RoleOffice, RoleAnalyst, RoleAdmin}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("role %q: want one of %v", s, Roles)
}

// Principal is the authenticated caller: the token's subject, roles and
// scope (units whose subtrees it acts in, or an inspection group).
type Principal struct {
	Subject string
	Roles   []Role
	Units   []string
	Group   string
}

// Has reports whether the principal holds one of the roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// For narrows p to the roles a route allows: on a route, scope comes only
// from those roles, and the group claim only with the inspector role. A
// principal holding clerk and inspector roles acts on a clerk's route as a
// clerk, in its units' subtrees, and never in its group's assignment.
func (p Principal) For(roles []Role) Principal {
	q := p
	q.Roles = nil
	for _, r := range p.Roles {
		if slices.Contains(roles, r) {
			q.Roles = append(q.Roles, r)
		}
	}
	if !q.Has(RoleInspector) {
		q.Group = ""
	}
	return q
}

// Claims is the JWT body: the registered claims plus roles and scope.
type Claims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles"`
	Units []string `json:"units,omitempty"`
	Group string   `json:"group,omitempty"`
}

// ErrUnauthenticated is the error of a request without a valid token.
var ErrUnauthenticated = errors.New("unauthenticated")

// HS256 verifies tokens signed with a shared secret (the embedded default;
// production uses asymmetric keys from a JWKS URL).
type HS256 struct {
	Key    []byte
	Issuer string // required issuer; "" accepts any
}

// Verify checks a token's signature, algorithm, expiry and claims.
func (h HS256) Verify(token string) (Principal, error) {
	return verify(token, func(*jwt.Token) (any, error) { return h.Key, nil },
		[]string{jwt.SigningMethodHS256.Alg()}, h.Issuer, "")
}

// verify is what every verifier does: parse token accepting only the
// given algorithms (no "none", no algorithm swap), require an expiry,
// check the issuer and audience if they are given, and map the claims to
// a Principal.
func verify(token string, key jwt.Keyfunc, algs []string, issuer, audience string) (Principal, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30 * time.Second),
	}
	if issuer != "" {
		opts = append(opts, jwt.WithIssuer(issuer))
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	var c Claims
	if _, err := jwt.ParseWithClaims(token, &c, key, opts...); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	return c.principal()
}

// principal maps verified claims to the caller: a subject and at least
// one known role are required.
func (c *Claims) principal() (Principal, error) {
	if c.Subject == "" {
		return Principal{}, fmt.Errorf("%w: the token has no subject", ErrUnauthenticated)
	}
	p := Principal{Subject: c.Subject, Units: c.Units, Group: c.Group}
	for _, r := range c.Roles {
		role, err := ParseRole(r)
		if err != nil {
			return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
		}
		p.Roles = append(p.Roles, role)
	}
	if len(p.Roles) == 0 {
		return Principal{}, fmt.Errorf("%w: the token has no role", ErrUnauthenticated)
	}
	return p, nil
}

// Mint signs a token for p, valid for ttl: what `ledgerctl token` issues
// for development against a local ledgerd.
func (h HS256) Mint(p Principal, ttl time.Duration, now time.Time) (string, error) {
	if p.Subject == "" || len(p.Roles) == 0 {
		return "", errors.New("a token needs a subject and at least one role")
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject: p.Subject, Issuer: h.Issuer,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Units: p.Units, Group: p.Group,
	}
	for _, r := range p.Roles {
		c.Roles = append(c.Roles, string(r))
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(h.Key)
}

// Verifier checks a bearer token.
type Verifier interface {
	Verify(token string) (Principal, error)
}

type principalKey struct{}

// PrincipalFrom returns the authenticated caller of a request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Authenticate requires a valid bearer token and puts its principal in the
// request's context; without one the answer is 401.
func Authenticate(v Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ledger"`)
				WriteProblem(w, r, NewProblem(http.StatusUnauthorized, "a bearer token is required", "Authorization"))
				return
			}
			p, err := v.Verify(token)
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ledger", error="invalid_token"`)
				WriteProblem(w, r, NewProblem(http.StatusUnauthorized, err.Error(), "Authorization"))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}
