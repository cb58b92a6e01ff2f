// Package api is the ledger's HTTP interface, built on chi: operations
// endpoints (liveness, readiness, Prometheus metrics) and authenticated
// commands, dashboard reads from the projections and audit history from
// the event log.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness condition: nil when it holds. Details, if any,
// are shown in the readiness answer (the projector's lag, say).
type Check struct {
	Name  string
	Check func(ctx context.Context) (details any, err error)
}

// Server holds what the handlers need.
type Server struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry // metrics; the server adds its own
	Ready    []Check
	// Commands are served when both are set; every command route requires
	// a bearer token the Verifier accepts.
	Commands *Commands
	History  *History
	Reads    *Reads
	Reports  *Reports // the year-end summary
	Seals    *Seals   // verifiable history; its public routes need no token
	Admin    *Admin   // operator routes; nil where the log has no online snapshot
	// Evidence serves evidence files (upload, download); give the same
	// value to Commands.Evidence so that commands citing files are checked.
	Evidence *Evidence
	Verifier Verifier
	// Console, when set, mounts the web console's pages and assets at /
	// (console.Routes); it reaches the ledger only through this API.
	Console func(chi.Router)
	// DevTokens, when set, mints development tokens for the console's
	// login page (POST /v1/dev/tokens, no token needed): loopback only.
	DevTokens *DevTokens
	// Limits bound failed authentications per client address and
	// expensive reads per subject; the zero value limits nothing.
	Limits Limits
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ledger_http_request_duration_seconds",
		Help:    "HTTP requests by route pattern, method and status, with their latency.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"})
	s.Registry.MustRegister(requests)
	if s.Evidence != nil {
		s.Evidence.register(s.Registry)
	}

	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.RealIP, s.accessLog(requests), middleware.Recoverer, noSniffNoStore, compress)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		WriteProblem(w, r, NewProblem(http.StatusNotFound, "no route "+r.URL.Path, ""))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		WriteProblem(w, r, &Problem{Type: "about:blank", Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed,
			Detail: r.Method + " is not served on " + r.URL.Path})
	})
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	doc := s.OpenAPI()
	r.Get("/openapi.json", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, doc) })
	if s.Seals != nil {
		s.Seals.PublicRoutes(r)
	}
	if s.Console != nil {
		s.Console(r)
	}
	if s.DevTokens != nil {
		s.DevTokens.routes(r)
	}
	if s.Verifier != nil {
		r.Group(func(r chi.Router) {
			r.Use(authenticate(s.Verifier, NewClientLimiter(s.Limits.AuthFailures, s.Limits.AuthBurst, s.Limits.MaxClients)),
				limitExpensive(NewClientLimiter(s.Limits.Expensive, s.Limits.ExpensiveBurst, s.Limits.MaxClients)))
			s.sessionRoutes(r)
			if s.Commands != nil {
				s.Commands.Routes(r)
			}
			if s.History != nil {
				s.History.Routes(r)
			}
			if s.Reads != nil {
				s.Reads.Routes(r)
			}
			if s.Reports != nil {
				s.Reports.Routes(r)
			}
			if s.Seals != nil {
				s.Seals.Routes(r)
			}
			if s.Admin != nil {
				s.Admin.Routes(r)
			}
			if s.Evidence != nil {
				s.Evidence.Routes(r)
			}
		})
	}
	return r
}

// compress gzips text answers for clients that accept it: JSON views,
// CSV exports, evidence packs and the console's pages and scripts, which
// shrink to a fifth to a tenth (the chart library from 1.1 MB to 0.37 MB,
// an inspection-group view from 50 KB to 5 KB). Files that are already
// compressed (images, PDFs, xlsx, ZIP archives) pass as they are, so their
// ranges and lengths stay exact.
var compress = middleware.Compress(5, "application/json", "application/problem+json", "text/csv",
	"text/html", "text/css", "text/javascript", "application/javascript", "text/plain")

// noSniffNoStore marks every answer, problems included, as not to be
// sniffed for another content type and not to be stored by any cache:
// answers hold campaign data for one reader's scope, and even the public
// checkpoints change every minute, so none is worth the risk of a shared
// cache serving it to someone else.
func noSniffNoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// accessLog writes one structured line per request and observes its
// latency. It logs the route pattern and never headers, so tokens in
// Authorization never reach the logs.
func (s *Server) accessLog(requests *prometheus.HistogramVec) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Observe(elapsed.Seconds())
			if s.Logger != nil {
				s.Logger.Info("request", "id", middleware.GetReqID(r.Context()), "method", r.Method,
					"route", route, "path", r.URL.Path, "status", status, "bytes", ww.BytesWritten(),
					"duration_ms", float64(elapsed.Microseconds())/1000)
			}
		})
	}
}

// healthz answers 200 while the process serves requests at all.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when every readiness check holds, and says
// which do not.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	status := http.StatusOK
	checks := map[string]any{}
	for _, c := range s.Ready {
		details, err := c.Check(ctx)
		res := map[string]any{"ok": err == nil}
		if err != nil {
			res["error"] = err.Error()
			status = http.StatusServiceUnavailable
		}
		if details != nil {
			res["details"] = details
		}
		checks[c.Name] = res
	}
	word := "ready"
	if status != http.StatusOK {
		word = "not ready"
	}
	writeJSON(w, status, map[string]any{"status": word, "checks": checks})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// LongRouteTimeout is how long a route that may outlast the server's
// write timeout has to answer: a CSV export of a whole list, an evidence
// pack, an audit search. Such a route moves its connection's deadlines on
// by this much when it starts.
const LongRouteTimeout = 10 * time.Minute

// longRoute moves the connection's deadlines LongRouteTimeout on. The
// read deadline moves too: once it passes, net/http cancels the request's
// context, even though the request was read long before.
func longRoute(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(LongRouteTimeout)
	// An error means the writer cannot move deadlines (a test's
	// recorder): the server's own, if any, then hold.
	_ = rc.SetWriteDeadline(deadline)
	_ = rc.SetReadDeadline(deadline)
}
