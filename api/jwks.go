package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// JWKSAlgorithms are the signing algorithms JWKS accepts: asymmetric
// only, so a token signed with a shared secret (or with a public key used
// as one) never passes.
var JWKSAlgorithms = []string{jwt.SigningMethodRS256.Alg(), jwt.SigningMethodEdDSA.Alg()}

// JWKSOptions tune a JWKS verifier; the zero value is the production
// default.
type JWKSOptions struct {
	Issuer   string // required issuer (iss); "" accepts any
	Audience string // required audience (aud); "" accepts any
	// MaxLifetime is the longest validity a token may claim; 0 means
	// DefaultMaxLifetime.
	MaxLifetime time.Duration

	// Client fetches the key set; the default times out after 10 s.
	Client *http.Client
	// RefreshInterval is how often the key set is fetched again; 1 h by
	// default.
	RefreshInterval time.Duration
	// UnknownKIDRefresh is the least time between fetches caused by a
	// token with a key id the set lacks (a key rotated in); 5 min by
	// default. Tokens with unknown key ids in between are rejected without
	// a fetch, so they cannot be used to flood the identity provider.
	UnknownKIDRefresh time.Duration
	// Logger receives failed refreshes; slog.Default() if nil.
	Logger *slog.Logger
}

// JWKS verifies tokens signed with RS256 or EdDSA keys published at a JWK
// Set URL (production; HS256 is the embedded default). Keys are fetched by
// github.com/MicahParks/keyfunc: at start, every RefreshInterval, and when
// a token names an unknown key id (rate-limited).
type JWKS struct {
	issuer, audience string
	maxLifetime      time.Duration
	keys             keyfunc.Keyfunc
	stop             context.CancelFunc
}

// verifyTimeout bounds a verification that fetches the key set again.
const verifyTimeout = 10 * time.Second

// NewJWKS fetches the key set at rawURL and returns a verifier that keeps
// it fresh until ctx ends or Close is called. It fails if the URL is not
// http(s) or the first fetch fails, so a wrong URL shows at start.
func NewJWKS(ctx context.Context, rawURL string, o JWKSOptions) (*JWKS, error) {
	if err := CheckJWKSURL(rawURL); err != nil {
		return nil, err
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: verifyTimeout}
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = time.Hour
	}
	if o.UnknownKIDRefresh <= 0 {
		o.UnknownKIDRefresh = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ctx, stop := context.WithCancel(ctx)
	failFirst := false
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{rawURL}, keyfunc.Override{
		Client:                    o.Client,
		HTTPTimeout:               verifyTimeout,
		NoErrorReturnFirstHTTPReq: &failFirst,
		RefreshInterval:           o.RefreshInterval,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(o.UnknownKIDRefresh), 1),
		// A token with an unknown kid waits at most this long for the
		// limiter; when the next fetch is further off it fails at once.
		RateLimitWaitMax: time.Second,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				o.Logger.WarnContext(ctx, "JWKS refresh failed", "url", u, "err", err)
			}
		},
	})
	if err != nil {
		stop()
		return nil, fmt.Errorf("JWKS %s: %w", rawURL, err)
	}
	return &JWKS{issuer: o.Issuer, audience: o.Audience, maxLifetime: o.MaxLifetime, keys: keys, stop: stop}, nil
}

// CheckJWKSURL reports whether u is an absolute http(s) URL.
func CheckJWKSURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("JWKS URL %q: want an http(s) URL", u)
	}
	return nil
}

// Verify checks a token's signature (by a key of the set, RS256 or EdDSA
// only), expiry, issuer and audience, and maps its claims as HS256 does.
func (j *JWKS) Verify(token string) (Principal, error) {
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer cancel()
	keyOf := j.keys.KeyfuncCtx(ctx)
	key := func(t *jwt.Token) (any, error) {
		k, err := keyOf(t)
		if errors.Is(err, jwkset.ErrKeyNotFound) {
			return nil, &TokenError{Reason: fmt.Sprintf("it names the key %q, which is not in the key set", t.Header["kid"]), Cause: err}
		}
		return k, err
	}
	return verify(token, key, JWKSAlgorithms, j.issuer, j.audience, j.maxLifetime)
}

// Close stops refreshing the key set.
func (j *JWKS) Close() { j.stop() }
