package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
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
// from those roles, the group claim only with the inspector role and the
// units claim only with the clerk or superior role. A
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
	if !q.Has(RoleClerk, RoleSuperior) {
		// The units claim is a clerk's or a superior's scope; an
		// inspector's comes from its group alone.
		q.Units = nil
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

// DefaultMaxLifetime is the longest validity a token may claim when the
// verifier names none: a stolen token is then good for half a day at
// most, however long its issuer made it.
const DefaultMaxLifetime = 12 * time.Hour

// leeway is the clock skew tolerated between the token's issuer and this
// server, on exp, nbf and iat alike.
const leeway = 30 * time.Second

// TokenError is a refused token: Reason is a plain sentence for the
// client ("it has expired"); the parser's own error, whose words are the
// library's, stays in Cause for the log.
type TokenError struct {
	Reason string
	Cause  error
}

func (e *TokenError) Error() string { return "the bearer token is not valid: " + e.Reason }

// Unwrap lets errors.Is find ErrUnauthenticated and the cause.
func (e *TokenError) Unwrap() []error { return []error{ErrUnauthenticated, e.Cause} }

// refused builds the TokenError of a parser error, in words a clerk
// understands.
func refused(err error) error {
	var te *TokenError
	if errors.As(err, &te) {
		return te // the key function's own refusal, already in plain words
	}
	reason := "it is not a token"
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		reason = "it has expired"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		reason = "it was issued in the future: check the issuer's clock"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		reason = "it is not valid yet"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		reason = "its signature does not match"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		reason = "it has no expiry"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		reason = "it is from another issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		reason = "it is meant for another audience"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		reason = "it is signed with an algorithm or a key this ledger does not accept"
	case errors.Is(err, jwt.ErrTokenMalformed):
		reason = "it is not a token"
	}
	return &TokenError{Reason: reason, Cause: err}
}

// HS256 verifies tokens signed with a shared secret (the embedded default;
// production uses asymmetric keys from a JWKS URL).
type HS256 struct {
	Key    []byte
	Issuer string // required issuer; "" accepts any
	// MaxLifetime is the longest validity a token may claim (exp - iat,
	// or exp - now without iat); 0 means DefaultMaxLifetime.
	MaxLifetime time.Duration
}

// Verify checks a token's signature, algorithm, expiry and claims.
func (h HS256) Verify(token string) (Principal, error) {
	return verify(token, func(*jwt.Token) (any, error) { return h.Key, nil },
		[]string{jwt.SigningMethodHS256.Alg()}, h.Issuer, "", h.MaxLifetime)
}

// verify is what every verifier does: parse token accepting only the
// given algorithms (no "none", no algorithm swap), require an expiry,
// refuse an issue time in the future and a lifetime over maxLifetime,
// check the issuer and audience if they are given, and map the claims to
// a Principal.
func verify(token string, key jwt.Keyfunc, algs []string, issuer, audience string, maxLifetime time.Duration) (Principal, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
	}
	if issuer != "" {
		opts = append(opts, jwt.WithIssuer(issuer))
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	var c Claims
	if _, err := jwt.ParseWithClaims(token, &c, key, opts...); err != nil {
		return Principal{}, refused(err)
	}
	if maxLifetime <= 0 {
		maxLifetime = DefaultMaxLifetime
	}
	// A token's lifetime runs from its issue, or, when it does not say
	// when that was, from now: either way a long-lived token is refused
	// however much of it is left.
	from := time.Now()
	if c.IssuedAt != nil {
		from = c.IssuedAt.Time
	}
	if life := c.ExpiresAt.Sub(from); life > maxLifetime+leeway {
		return Principal{}, &TokenError{Reason: fmt.Sprintf("it is valid for %s, longer than the %s this ledger allows",
			life.Round(time.Second), maxLifetime), Cause: errors.New("lifetime over the maximum")}
	}
	return c.principal()
}

// principal maps verified claims to the caller: a subject and at least
// one known role are required.
func (c *Claims) principal() (Principal, error) {
	if c.Subject == "" {
		return Principal{}, &TokenError{Reason: "it names no subject", Cause: errors.New("no sub claim")}
	}
	p := Principal{Subject: c.Subject, Units: c.Units, Group: c.Group}
	for _, r := range c.Roles {
		role, err := ParseRole(r)
		if err != nil {
			return Principal{}, &TokenError{Reason: fmt.Sprintf("it names the role %q, which this ledger does not know", r), Cause: err}
		}
		p.Roles = append(p.Roles, role)
	}
	if len(p.Roles) == 0 {
		return Principal{}, &TokenError{Reason: "it names no role", Cause: errors.New("no roles claim")}
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

// bearer returns the token of an Authorization header of the Bearer
// scheme, whose name is case-insensitive (RFC 7235, section 2.1).
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// Authenticate requires a valid bearer token and puts its principal in the
// request's context; without one the answer is 401.
func Authenticate(v Verifier) func(http.Handler) http.Handler {
	return authenticate(v, nil)
}

// authenticate is Authenticate, with failures counted against the
// client's address by failures (nil: not limited): a client whose
// failures have used up its allowance gets 429, whatever it sends, until
// the allowance refills.
func authenticate(v Verifier, failures *ClientLimiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			client := clientIP(r)
			if wait, limited := failures.Exhausted(client, time.Now()); limited {
				tooMany(w, r, wait, "too many failed authentications from "+client+"; wait and try again", "Authorization")
				return
			}
			token, ok := bearer(r.Header.Get("Authorization"))
			if !ok {
				failures.Take(client, time.Now())
				w.Header().Set("WWW-Authenticate", `Bearer realm="ledger"`)
				WriteProblem(w, r, NewProblem(http.StatusUnauthorized, "a bearer token is required", "Authorization"))
				return
			}
			p, err := v.Verify(token)
			if err != nil {
				failures.Take(client, time.Now())
				slog.DebugContext(r.Context(), "token refused", "id", middleware.GetReqID(r.Context()), "client", client, "err", err)
				detail := "the bearer token is not valid"
				var te *TokenError
				if errors.As(err, &te) {
					detail = te.Error()
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="ledger", error="invalid_token"`)
				WriteProblem(w, r, NewProblem(http.StatusUnauthorized, detail, "Authorization"))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}
