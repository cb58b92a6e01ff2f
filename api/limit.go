package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound what one client may cost the server. The zero value limits
// nothing (what tests and benchmarks want); ledgerd sets DefaultLimits
// unless told otherwise.
type Limits struct {
	// AuthFailures is the rate at which a client address refills its
	// allowance of failed authentications, and AuthBurst the allowance:
	// once it is used up, every request from that address is answered 429
	// until it refills. 0 does not limit.
	AuthFailures rate.Limit
	AuthBurst    int
	// Expensive is the rate of expensive reads (CSV and xlsx exports, audit
	// searches, evidence packs, year-end reports) a token subject may make, and
	// ExpensiveBurst how many it may make at once. 0 does not limit.
	Expensive      rate.Limit
	ExpensiveBurst int
	// MaxClients bounds the clients tracked by each limiter; 0 means
	// 10,000.
	MaxClients int
}

// DefaultLimits are ledgerd's defaults: 10 failed authentications at
// once, then one a minute more, per client address; 30 expensive reads at
// once, then one every two seconds, per subject.
var DefaultLimits = Limits{
	AuthFailures: rate.Every(time.Minute), AuthBurst: 10,
	Expensive: rate.Every(2 * time.Second), ExpensiveBurst: 30,
}

// ClientLimiter is a token bucket per client key (an address, a token
// subject). Its memory is bounded: a client idle long enough for its
// bucket to refill is forgotten, as it would start full anyway, and past
// max clients the longest idle are dropped first.
type ClientLimiter struct {
	limit   rate.Limit
	burst   int
	max     int
	mu      sync.Mutex
	clients map[string]*clientBucket
	swept   time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewClientLimiter returns a limiter of limit per second with burst per
// client, tracking at most max clients (0: 10,000); nil if limit or burst
// is not positive, which limits nothing.
func NewClientLimiter(limit rate.Limit, burst, max int) *ClientLimiter {
	if limit <= 0 || burst <= 0 {
		return nil
	}
	if max <= 0 {
		max = 10_000
	}
	return &ClientLimiter{limit: limit, burst: burst, max: max, clients: map[string]*clientBucket{}}
}

// refill is how long an idle bucket takes to fill up again.
func (l *ClientLimiter) refill() time.Duration {
	return time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
}

// bucket returns key's bucket, making room for it if it is new. The
// caller holds l.mu.
func (l *ClientLimiter) bucket(key string, now time.Time) *clientBucket {
	if b, ok := l.clients[key]; ok {
		b.seen = now
		return b
	}
	if len(l.clients) >= l.max || now.Sub(l.swept) > l.refill() {
		l.sweep(now)
	}
	b := &clientBucket{lim: rate.NewLimiter(l.limit, l.burst), seen: now}
	l.clients[key] = b
	return b
}

// sweep forgets the clients whose buckets have refilled and, if the limiter
// is still full, the longest idle one. The caller holds l.mu.
func (l *ClientLimiter) sweep(now time.Time) {
	l.swept = now
	idle := l.refill()
	var oldest string
	for k, b := range l.clients {
		if now.Sub(b.seen) >= idle {
			delete(l.clients, k)
		} else if oldest == "" || b.seen.Before(l.clients[oldest].seen) {
			oldest = k
		}
	}
	if len(l.clients) >= l.max {
		delete(l.clients, oldest)
	}
}

// Allow takes one from key's bucket and reports whether there was one;
// if not, how long until there is. A nil limiter allows everything.
func (l *ClientLimiter) Allow(key string, now time.Time) (time.Duration, bool) {
	if l == nil {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	if b.lim.AllowN(now, 1) {
		return 0, true
	}
	return l.wait(b, now), false
}

// Exhausted reports whether key's bucket is empty, and how long until it
// holds one again, without taking anything.
func (l *ClientLimiter) Exhausted(key string, now time.Time) (time.Duration, bool) {
	if l == nil {
		return 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[key]
	if !ok || b.lim.TokensAt(now) >= 1 {
		return 0, false
	}
	return l.wait(b, now), true
}

// Take takes one from key's bucket, if there is one left.
func (l *ClientLimiter) Take(key string, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, now).lim.AllowN(now, 1)
}

// Clients is how many clients the limiter tracks now.
func (l *ClientLimiter) Clients() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

func (l *ClientLimiter) wait(b *clientBucket, now time.Time) time.Duration {
	missing := 1 - b.lim.TokensAt(now)
	return time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// clientIP is the address a request comes from: the remote address
// without its port, which middleware.RealIP has already replaced by
// X-Forwarded-For or X-Real-IP when the request carries one. Behind a
// proxy, that proxy must set the header (and drop what clients send);
// otherwise a client can name any address.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// tooMany answers 429 with Retry-After in whole seconds, at least one.
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, detail, field string) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	WriteProblem(w, r, &Problem{Type: "/problems/too-many-requests", Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Detail: fmt.Sprintf("%s (retry in %d s)", detail, secs), Field: field})
}

// expensive reports whether a request is an expensive read: a CSV or
// xlsx export of a list, an audit search of the log, an evidence pack, a
// year-end report.
func expensive(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/v1/audit/events", strings.HasPrefix(p, "/v1/evidence/streams/"), strings.HasPrefix(p, "/v1/evidence/units/"),
		strings.HasPrefix(p, "/v1/reports/"):
		// A report reads the log up to a checkpoint and runs a query per
		// figure. Evidence files (/v1/evidence/{sha256}) are not
		// expensive: a page of photos fetches several at once.
		return true
	case strings.HasPrefix(p, "/v1/views/"):
		// The parameter is checked strictly later; here a lenient read
		// is enough to count the request.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		accept := r.Header.Get("Accept")
		switch q.Get("format") {
		case "csv", "xlsx":
			return true
		case "":
			return strings.Contains(accept, "text/csv") || strings.Contains(accept, xlsxType)
		}
	}
	return false
}

// limitExpensive answers 429 to a subject that has used up its allowance
// of expensive reads; other requests pass untouched.
func limitExpensive(l *ClientLimiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if l != nil && r.Method == http.MethodGet && expensive(r) {
				p, _ := PrincipalFrom(r.Context())
				if wait, ok := l.Allow(p.Subject, time.Now()); !ok {
					tooMany(w, r, wait, "too many exports, audit searches, evidence packs and reports by "+p.Subject+"; wait and try again", "")
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
