package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"
	"k8s.io/client-go/kubernetes"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/api/console"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/metered"
	"github.com/cxzy/ledger/evidence"
	"github.com/cxzy/ledger/lead"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/seal"
)

// Config is ledgerd's configuration; every flag has an environment
// variable, and a flag given on the command line wins.
type Config struct {
	Addr       string
	Log        connect.Config
	ClickHouse string // DSN of the read models
	Topology   projections.Topology
	Projector  bool          // run the projector in this process
	Watcher    bool          // run the deadline watcher in this process
	WatchEvery time.Duration // how often the watcher looks for missed deadlines
	// DevLogin lets the console's login page mint development tokens
	// (POST /v1/dev/tokens): anyone who reaches the server may act as
	// anyone, so it needs the HS256 secret and a loopback address.
	DevLogin bool
	// Bearer tokens are verified in one of two modes; with neither the
	// command API is off.
	//
	// JWTSecret verifies HS256 tokens (the embedded default). It comes
	// from the environment only (LEDGER_JWT_SECRET), never a flag, so it
	// does not show in process listings.
	JWTSecret string
	// JWKSURL verifies RS256 and EdDSA tokens with the keys published
	// there (production); JWTIssuer and JWTAudience, if set, are required
	// of those tokens.
	JWKSURL     string
	JWTIssuer   string
	JWTAudience string
	// ClockSkew is how far after the ledger clock a business time
	// (occurred_at) may lie: clients' clocks are a little off.
	ClockSkew time.Duration
	// JWTMaxLifetime is the longest validity a token may claim, in either
	// mode: exp - iat, or exp - now for a token without iat.
	JWTMaxLifetime time.Duration
	// Limits bound failed authentications per client address and
	// expensive reads (CSV exports, audit searches, evidence packs) per
	// token subject.
	Limits api.Limits
	// HTTP is the server's connection deadlines; ParseConfig sets
	// DefaultHTTPTimeouts.
	HTTP HTTPTimeouts
	// LeaderElect runs the projector and the watcher only while this
	// replica holds the Kubernetes Lease LeaderNamespace/LeaseName, so
	// that several replicas run one copy of them (see package lead).
	// LeaderIdentity names this replica in the Lease.
	LeaderElect     bool
	LeaseName       string
	LeaderNamespace string
	LeaderIdentity  string
	Seal            SealConfig
	Evidence        EvidenceConfig
}

// flagText is the text of the flags that are parsed once all are read.
type flagText struct {
	replicated, projector, watcher, every, leaderElect, devLogin string
	maxLifetime, skew                                            string
	authBurst, authEvery, expBurst, expEvery                     string
	sealEvery, sealVerifiers                                     string
	evidence                                                     evidenceText
}

// newFlagSet registers every flag of ledgerd on a new set, into c and
// txt: each defaults to its environment variable, read by getenv, else to
// its built-in default. (Usage registers them again to print them.)
func newFlagSet(c *Config, txt *flagText, getenv func(string) string) *flag.FlagSet {
	def := func(env, fallback string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return fallback
	}
	fs := flag.NewFlagSet("ledgerd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", def("LEDGER_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&c.Log.DataDir, "data-dir", def("LEDGER_DATA_DIR", "data"), "embedded event log directory")
	fs.StringVar(&c.Log.EventStore, "eventstore", def("LEDGER_EVENTSTORE", connect.Embedded), `"embedded" or an esdb:// connection string`)
	fs.StringVar(&c.ClickHouse, "clickhouse", def("LEDGER_CLICKHOUSE", projections.DefaultDSN), "ClickHouse DSN of the read models")
	fs.StringVar(&c.Topology.Cluster, "clickhouse-cluster", def("LEDGER_CLICKHOUSE_CLUSTER", ""), "lay the read models out on this ClickHouse cluster: local tables ON CLUSTER under Distributed ones")
	txt.replicated = def("LEDGER_CLICKHOUSE_REPLICATED", "true")
	fs.StringVar(&txt.replicated, "clickhouse-replicated", txt.replicated, "with --clickhouse-cluster: Replicated* local tables, true or false")
	txt.projector, txt.watcher = def("LEDGER_PROJECTOR", "true"), def("LEDGER_WATCHER", "true")
	txt.every = def("LEDGER_WATCH_EVERY", "1m")
	txt.leaderElect = def("LEDGER_LEADER_ELECT", "false")
	txt.devLogin = def("LEDGER_DEV_LOGIN", "false")
	fs.Var(boolText{&txt.devLogin}, "dev-login", "development only: the console's login page mints tokens for any role; needs LEDGER_JWT_SECRET and a loopback --addr: true or false")
	fs.Var(boolText{&txt.leaderElect}, "leader-elect", "run the projector and watcher only while holding a Kubernetes Lease: true or false")
	fs.StringVar(&c.LeaseName, "leader-lease-name", def("LEDGER_LEADER_LEASE_NAME", "ledgerd"), "name of the Lease replicas elect a leader with")
	fs.StringVar(&c.LeaderNamespace, "leader-namespace", def("LEDGER_LEADER_NAMESPACE", ""), "namespace of the Lease; default the pod's own")
	fs.StringVar(&txt.projector, "projector", txt.projector, "run the projector in this process: true or false")
	fs.StringVar(&txt.watcher, "watcher", txt.watcher, "run the deadline watcher in this process: true or false")
	fs.StringVar(&txt.every, "watch-every", txt.every, "how often the deadline watcher looks, e.g. 1m")
	fs.StringVar(&c.JWKSURL, "jwks-url", def("LEDGER_JWKS_URL", ""), "verify RS256/EdDSA bearer tokens with the JWK Set at this http(s) URL")
	fs.StringVar(&c.JWTIssuer, "jwt-issuer", def("LEDGER_JWT_ISSUER", ""), "issuer (iss) required of tokens verified with --jwks-url")
	fs.StringVar(&c.JWTAudience, "jwt-audience", def("LEDGER_JWT_AUDIENCE", ""), "audience (aud) required of tokens verified with --jwks-url")
	txt.maxLifetime = def("LEDGER_JWT_MAX_LIFETIME", api.DefaultMaxLifetime.String())
	fs.StringVar(&txt.maxLifetime, "jwt-max-lifetime", txt.maxLifetime, "refuse tokens valid for longer than this (exp - iat), e.g. 12h")
	txt.skew = def("LEDGER_CLOCK_SKEW", command.DefaultSkew.String())
	fs.StringVar(&txt.skew, "clock-skew", txt.skew, "how far after the ledger clock an occurred_at may lie, e.g. 2m")
	txt.authBurst = def("LEDGER_AUTH_FAIL_BURST", strconv.Itoa(api.DefaultLimits.AuthBurst))
	txt.authEvery = def("LEDGER_AUTH_FAIL_EVERY", interval(api.DefaultLimits.AuthFailures))
	txt.expBurst = def("LEDGER_EXPENSIVE_BURST", strconv.Itoa(api.DefaultLimits.ExpensiveBurst))
	txt.expEvery = def("LEDGER_EXPENSIVE_EVERY", interval(api.DefaultLimits.Expensive))
	fs.StringVar(&txt.authBurst, "auth-fail-burst", txt.authBurst, "failed authentications a client address may make before it is answered 429; 0 does not limit")
	fs.StringVar(&txt.authEvery, "auth-fail-every", txt.authEvery, "a client address may fail one more authentication per this interval, e.g. 1m")
	fs.StringVar(&txt.expBurst, "expensive-burst", txt.expBurst, "CSV exports, audit searches and evidence packs a token subject may ask for at once; 0 does not limit")
	fs.StringVar(&txt.expEvery, "expensive-every", txt.expEvery, "a token subject may ask for one more expensive read per this interval, e.g. 2s")
	c.Seal.flags(fs, def, &txt.sealEvery, &txt.sealVerifiers)
	c.Evidence.flags(fs, def, &txt.evidence)
	return fs
}

// ParseConfig reads flags, falling back to the environment (getenv) and
// then to the defaults, and validates the result. -h, -help or --help
// returns flag.ErrHelp: Usage says what to print.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	var c Config
	var txt flagText
	fs := newFlagSet(&c, &txt, getenv)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := c.Seal.finish(c.Log, getenv, txt.sealEvery, txt.sealVerifiers); err != nil {
		return c, err
	}
	if err := c.Evidence.finish(c.Log, txt.evidence); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.JWTSecret = getenv("LEDGER_JWT_SECRET")
	var err error
	if c.Topology.Replicated, err = strconv.ParseBool(txt.replicated); err != nil {
		return c, fmt.Errorf("--clickhouse-replicated (LEDGER_CLICKHOUSE_REPLICATED) %q: want true or false", txt.replicated)
	}
	c.Topology.Replicated = c.Topology.Replicated && c.Topology.Cluster != ""
	if c.Projector, err = strconv.ParseBool(txt.projector); err != nil {
		return c, fmt.Errorf("--projector (LEDGER_PROJECTOR) %q: want true or false", txt.projector)
	}
	if c.Watcher, err = strconv.ParseBool(txt.watcher); err != nil {
		return c, fmt.Errorf("--watcher (LEDGER_WATCHER) %q: want true or false", txt.watcher)
	}
	if c.WatchEvery, err = time.ParseDuration(txt.every); err != nil || c.WatchEvery <= 0 {
		return c, fmt.Errorf("--watch-every (LEDGER_WATCH_EVERY) %q: want a positive duration such as 1m", txt.every)
	}
	if c.ClockSkew, err = time.ParseDuration(txt.skew); err != nil || c.ClockSkew < 0 || c.ClockSkew > time.Hour {
		return c, fmt.Errorf("--clock-skew (LEDGER_CLOCK_SKEW) %q: want a duration from 0s to 1h such as 2m", txt.skew)
	}
	if c.JWTMaxLifetime, err = time.ParseDuration(txt.maxLifetime); err != nil || c.JWTMaxLifetime <= 0 {
		return c, fmt.Errorf("--jwt-max-lifetime (LEDGER_JWT_MAX_LIFETIME) %q: want a positive duration such as 12h", txt.maxLifetime)
	}
	if c.Limits.AuthFailures, c.Limits.AuthBurst, err = parseLimit("--auth-fail-burst (LEDGER_AUTH_FAIL_BURST)", txt.authBurst,
		"--auth-fail-every (LEDGER_AUTH_FAIL_EVERY)", txt.authEvery); err != nil {
		return c, err
	}
	if c.Limits.Expensive, c.Limits.ExpensiveBurst, err = parseLimit("--expensive-burst (LEDGER_EXPENSIVE_BURST)", txt.expBurst,
		"--expensive-every (LEDGER_EXPENSIVE_EVERY)", txt.expEvery); err != nil {
		return c, err
	}
	c.HTTP = DefaultHTTPTimeouts
	if c.DevLogin, err = strconv.ParseBool(txt.devLogin); err != nil {
		return c, fmt.Errorf("--dev-login (LEDGER_DEV_LOGIN) %q: want true or false", txt.devLogin)
	}
	if c.LeaderElect, err = strconv.ParseBool(txt.leaderElect); err != nil {
		return c, fmt.Errorf("--leader-elect (LEDGER_LEADER_ELECT) %q: want true or false", txt.leaderElect)
	}
	if c.LeaderElect {
		if c.LeaderNamespace == "" {
			c.LeaderNamespace = defaultNamespace()
		}
		c.LeaderIdentity = defaultIdentity(getenv)
	}
	return c, c.Validate()
}

// interval writes a rate as the interval between two events, for a flag's
// default.
func interval(l rate.Limit) string {
	return time.Duration(float64(time.Second) / float64(l)).String()
}

// parseLimit reads a limit given as a burst and the interval at which one
// more is allowed; a burst of 0 limits nothing.
func parseLimit(burstName, burstText, everyName, everyText string) (rate.Limit, int, error) {
	burst, err := strconv.Atoi(burstText)
	if err != nil || burst < 0 {
		return 0, 0, fmt.Errorf("%s %q: want a whole number, 0 for no limit", burstName, burstText)
	}
	d, err := time.ParseDuration(everyText)
	if err != nil || d <= 0 {
		return 0, 0, fmt.Errorf("%s %q: want a positive duration such as 1m", everyName, everyText)
	}
	if burst == 0 {
		return 0, 0, nil
	}
	return rate.Every(d), burst, nil
}

// HTTPTimeouts are the server's deadlines on a connection.
type HTTPTimeouts struct {
	// ReadHeader bounds reading a request's headers, Read the whole
	// request with its body: a client sending a byte every few seconds
	// is cut off after it. Write bounds a handler and its answer; the
	// routes that may take longer (CSV exports, evidence packs, audit
	// searches) move their own deadlines on (api.LongRouteTimeout).
	// Idle bounds a kept-alive connection between requests.
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultHTTPTimeouts: 10 s for headers, 30 s for a request (a 1 MiB
// body needs 35 KB/s), 60 s for a handler and its answer (a read that
// waits for the projections waits 10 s at most), 2 min of idle keep-alive.
var DefaultHTTPTimeouts = HTTPTimeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: time.Minute, Idle: 2 * time.Minute}

// Validate names what is wrong with the configuration.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr (LEDGER_ADDR) %q: want host:port", c.Addr)
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return errors.New("LEDGER_JWT_SECRET must hold at least 32 bytes")
	}
	if c.JWTSecret != "" && c.JWKSURL != "" {
		return errors.New("LEDGER_JWT_SECRET and --jwks-url (LEDGER_JWKS_URL) are both set: tokens are verified one way at a time, unset one")
	}
	if c.JWKSURL != "" {
		if err := api.CheckJWKSURL(c.JWKSURL); err != nil {
			return fmt.Errorf("--jwks-url (LEDGER_JWKS_URL) %q: want an http(s) URL", c.JWKSURL)
		}
	} else {
		// HS256 tokens (ledgerctl token) carry neither; a requirement
		// that could not be met must not pass silently.
		if c.JWTIssuer != "" {
			return errors.New("--jwt-issuer (LEDGER_JWT_ISSUER) applies only with --jwks-url (LEDGER_JWKS_URL)")
		}
		if c.JWTAudience != "" {
			return errors.New("--jwt-audience (LEDGER_JWT_AUDIENCE) applies only with --jwks-url (LEDGER_JWKS_URL)")
		}
	}
	if err := c.Seal.Validate(); err != nil {
		return err
	}
	if c.DevLogin {
		switch {
		case c.JWTSecret == "":
			return errors.New("--dev-login (LEDGER_DEV_LOGIN) needs LEDGER_JWT_SECRET: it mints HS256 development tokens")
		case !loopback(c.Addr):
			return fmt.Errorf("--dev-login (LEDGER_DEV_LOGIN) lets anyone act as anyone: it is refused on %q, which is not a loopback address", c.Addr)
		}
	}
	if c.LeaderElect {
		switch {
		case !c.Projector && !c.Watcher && !c.Seal.Signing():
			return errors.New("--leader-elect with --projector=false and --watcher=false and no seal key: there is nothing to elect a leader for")
		case c.LeaseName == "":
			return errors.New("--leader-lease-name (LEDGER_LEADER_LEASE_NAME) is empty")
		case c.LeaderNamespace == "":
			return errors.New("--leader-elect needs --leader-namespace (LEDGER_LEADER_NAMESPACE): not in a pod, so there is no namespace to default to")
		case c.LeaderIdentity == "":
			return errors.New("--leader-elect needs this replica's name: set POD_NAME")
		}
	}
	if !strings.HasPrefix(c.ClickHouse, "clickhouse://") {
		return fmt.Errorf("--clickhouse (LEDGER_CLICKHOUSE) %q: want clickhouse://host:port/database", c.ClickHouse)
	}
	return c.Log.Validate()
}

// Main is the running service; tests start it on 127.0.0.1:0.
type Main struct {
	cfg    Config
	logger *slog.Logger
	log    eventlog.Store
	writes eventlog.Store // log, with appends measured for /metrics: what commands write through
	ch     driver.Conn
	db     string
	srv    *http.Server
	ln     net.Listener
	served chan error
	jwks   *api.JWKS // nil unless tokens are verified with a JWKS URL
	sealer *seal.Sealer

	evidenceStore evidence.Store
	evidenceIndex *evidence.Index
	collected     *prometheus.CounterVec

	projector atomic.Pointer[projections.Projector] // the one running now; nil when none runs
	// Kube is the Kubernetes API for --leader-elect; nil means the
	// in-cluster one. Tests set a fake.
	Kube    kubernetes.Interface
	elector *lead.Elector      // nil without --leader-elect
	stop    context.CancelFunc // ends the background work
	work    sync.WaitGroup
}

// NewMain returns a service that Run starts.
func NewMain(cfg Config, logger *slog.Logger) *Main {
	return &Main{cfg: cfg, logger: logger}
}

// Run opens the event log and starts serving; it returns once the service
// listens.
func (m *Main) Run(ctx context.Context) error {
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	log, err := connect.Open(openCtx, m.cfg.Log)
	if err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	m.log = log
	// ClickHouse need not be up for ledgerd to start: writes never depend
	// on it, the projector waits for it, and /readyz says it is missing.
	ch, db, err := projections.Connect(openCtx, m.cfg.ClickHouse)
	if err != nil {
		m.logger.Warn("ClickHouse not reachable yet", "err", err)
		if ch, db, err = projections.Open(m.cfg.ClickHouse); err != nil {
			log.Close()
			return err
		}
	}
	m.ch, m.db = ch, db
	ln, err := net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		m.closeStores()
		return fmt.Errorf("listen: %w", err)
	}
	m.ln = ln
	if m.cfg.LeaderElect {
		if m.elector, err = m.newElector(); err != nil {
			ln.Close()
			m.closeStores()
			return err
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ledger_projector_lag",
		Help: "Positions the ClickHouse read models are behind the event log (events, for the embedded log).",
	}, func() float64 {
		if p := m.projector.Load(); p != nil {
			if lag, err := p.Lag(); err == nil {
				return float64(lag)
			}
		}
		return -1
	}))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ledger_projector_events_total",
		Help: "Events the projector has written to ClickHouse since this process started.",
	}, func() float64 {
		if p := m.projector.Load(); p != nil {
			return float64(p.Events())
		}
		return 0
	}))
	if m.writes, err = metered.New(m.log, reg); err != nil {
		ln.Close()
		m.closeStores()
		return err
	}
	seals, err := m.startSealer(reg)
	if err != nil {
		ln.Close()
		m.closeStores()
		return err
	}
	if err := m.startEvidence(ctx, reg); err != nil {
		ln.Close()
		m.closeStores()
		return err
	}
	s := &api.Server{Logger: m.logger, Registry: reg, Ready: m.readiness(), Seals: seals, Limits: m.cfg.Limits, Console: console.Routes}
	switch {
	case m.cfg.JWKSURL != "":
		jwks, err := api.NewJWKS(context.Background(), m.cfg.JWKSURL, api.JWKSOptions{
			Issuer: m.cfg.JWTIssuer, Audience: m.cfg.JWTAudience, MaxLifetime: m.cfg.JWTMaxLifetime, Logger: m.logger,
		})
		if err != nil {
			ln.Close()
			m.closeStores()
			return err
		}
		m.jwks = jwks
		s.Verifier = jwks
	case m.cfg.JWTSecret != "":
		s.Verifier = api.HS256{Key: []byte(m.cfg.JWTSecret), MaxLifetime: m.cfg.JWTMaxLifetime}
		if m.cfg.DevLogin {
			m.logger.Warn("--dev-login: the console's login page mints tokens for any role; never in production")
			s.DevTokens = &api.DevTokens{Signer: api.HS256{Key: []byte(m.cfg.JWTSecret)}}
		}
	default:
		m.logger.Warn("neither LEDGER_JWT_SECRET nor LEDGER_JWKS_URL is set: the command API is off")
	}
	if s.Verifier != nil {
		h := command.NewHandler(m.writes, catalog.New(), command.WithSkew(m.cfg.ClockSkew))
		s.Evidence = m.evidenceAPI(h)
		// The acceptance of a computed ranking checks its checkpoint
		// against this process's Merkle tree and counts the inputs again
		// from the log; the rankings view answers the checkpoint to accept.
		s.Commands = &api.Commands{Handler: h, Scope: api.Scope{Handler: h}, Evidence: s.Evidence, Log: m.log, Tree: m.sealer.Tree}
		s.History = &api.History{Log: m.log, Scope: api.Scope{Handler: h}}
		s.Reads = &api.Reads{Conn: m.ch, DB: m.db, Loc: domain.DefaultLocation(), Position: m.projected, Scope: api.Scope{Handler: h}, Tree: m.sealer.Tree}
		// The year-end report is computed at the latest signed checkpoint,
		// whose signature it checks with the keys this process publishes.
		s.Reports = &api.Reports{Reads: s.Reads, Log: m.log, Sealer: m.sealer, Keys: seals.Keys}
		seals.Scope = api.Scope{Handler: h}
		// Only the embedded log snapshots itself online; KurrentDB is
		// backed up by its own procedures (docs/operations.md).
		if snap, ok := m.log.(api.Snapshotter); ok {
			// A store in a directory is copied into each snapshot; one in
			// S3 is backed up by the bucket's own versioning.
			if st, ok := snap.(*embedded.Store); ok && !strings.HasPrefix(m.cfg.Evidence.Dir, "s3://") {
				snap = embedded.SnapshotsWithEvidence{Log: st, EvidenceDir: m.cfg.Evidence.Dir}
			}
			s.Admin = &api.Admin{Log: snap, SnapshotDir: filepath.Join(m.cfg.Log.DataDir, "snapshots")}
		}
	}
	m.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: m.cfg.HTTP.ReadHeader, ReadTimeout: m.cfg.HTTP.Read,
		WriteTimeout: m.cfg.HTTP.Write, IdleTimeout: m.cfg.HTTP.Idle}
	m.served = make(chan error, 1)
	go func() { m.served <- m.srv.Serve(ln) }()

	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.work.Go(func() { m.runSealer(bg) })
	m.work.Go(func() { m.runEvidenceIndex(bg) })
	m.startSingletons(bg)
	m.logger.Info("ledgerd listening", "addr", ln.Addr().String(), "eventstore", m.cfg.Log.EventStore,
		"clickhouse", m.db, "projector", m.cfg.Projector, "watcher", m.cfg.Watcher, "auth", m.authMode(),
		"leader_elect", m.cfg.LeaderElect)
	return nil
}

// authMode names how bearer tokens are verified, for the start-up log.
func (m *Main) authMode() string {
	switch {
	case m.cfg.JWKSURL != "":
		return "jwks"
	case m.cfg.JWTSecret != "":
		return "hs256"
	}
	return "off"
}

// readiness lists what /readyz checks: the log answers a read, ClickHouse
// answers a ping, and (in a process that runs it) the projector's lag. A
// replica that stands by for the Lease reports its projector as
// "standby": it is ready to serve, and another replica projects.
func (m *Main) readiness() []api.Check {
	checks := []api.Check{
		{Name: "event_log", Check: func(ctx context.Context) (any, error) {
			_, err := m.log.ReadAll(ctx, eventlog.Start, 1)
			return nil, err
		}},
		{Name: "clickhouse", Check: func(ctx context.Context) (any, error) {
			return nil, m.ch.Ping(ctx)
		}},
	}
	if m.sealer != nil {
		checks = append(checks, m.sealCheck())
	}
	if m.evidenceIndex != nil {
		checks = append(checks, m.evidenceCheck())
	}
	if m.cfg.Projector {
		checks = append(checks, api.Check{Name: "projector", Check: func(context.Context) (any, error) {
			if m.elector != nil && !m.elector.Leading() {
				return map[string]any{"state": "standby"}, nil
			}
			p := m.projector.Load()
			if p == nil {
				return nil, errors.New("not started")
			}
			lag, err := p.Lag()
			return map[string]any{"lag": lag, "position": p.Position()}, err
		}})
	}
	return checks
}

// projected is how far the read models have got: this process's
// projector's position, or, where another process projects, the
// checkpoint it wrote.
func (m *Main) projected(ctx context.Context) (uint64, error) {
	if m.cfg.Projector {
		if p := m.projector.Load(); p != nil {
			return p.Position(), nil
		}
	}
	pos, err := projections.ReadCheckpoint(ctx, m.ch, m.db, "live")
	return pos.Commit, err
}

// runProjector keeps a projector following the log until bg ends. A
// projector that fails (ClickHouse gone at start, a schema error) is
// replaced by a fresh one, with fresh models, after a pause.
func (m *Main) runProjector(bg context.Context) {
	// A stopped projector's position goes stale; without one, reads fall
	// back to the checkpoint whoever projects now writes.
	defer m.projector.Store(nil)
	reg := catalog.New()
	m.keepRunning(bg, "projector", func(bg context.Context) error {
		p := projections.NewProjector(m.ch, m.db, m.log, reg, projections.All(m.log, reg, domain.DefaultLocation()),
			projections.WithLogger(m.logger), projections.WithTopology(m.cfg.Topology))
		m.projector.Store(p)
		return p.Run(bg)
	})
}

// keepRunning runs work until bg ends, starting it again after it fails,
// with a pause that doubles from a second up to a minute: the followers
// of the log (projector, sealer, evidence index) outlive a ClickHouse or
// event store that is down for a while, and do not spin while it is.
func (m *Main) keepRunning(bg context.Context, what string, work func(context.Context) error) {
	for delay := time.Second; ; delay = min(2*delay, time.Minute) {
		err := work(bg)
		if bg.Err() != nil {
			return
		}
		m.logger.Error(what+" stopped; starting it again", "err", err, "in", delay)
		select {
		case <-bg.Done():
			return
		case <-time.After(delay):
		}
	}
}

// runWatcher records missed deadlines every WatchEvery, through the write
// path, as the deadline-watcher actor.
func (m *Main) runWatcher(bg context.Context) {
	h := command.NewHandler(m.writes, catalog.New())
	w := projections.NewWatcher(m.ch, m.db, h, domain.DefaultLocation(), "deadline-watcher")
	m.every(bg, m.cfg.WatchEvery, func(ctx context.Context) {
		n, err := w.Tick(ctx, time.Now())
		if err != nil {
			m.logger.Warn("deadline watcher", "err", err)
		}
		if n > 0 {
			m.logger.Info("deadline watcher recorded missed deadlines", "items", n)
		}
	})
}

// every runs work each interval until bg ends, each run bounded by the
// interval, so that a stuck run cannot pile up behind the next.
func (m *Main) every(bg context.Context, interval time.Duration, work func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-bg.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(bg, interval)
		work(ctx)
		cancel()
	}
}

func (m *Main) closeStores() {
	if m.sealer != nil {
		m.sealer.Tree.Close()
	}
	if m.ch != nil {
		m.ch.Close()
	}
	if m.log != nil {
		m.log.Close()
	}
}

// Addr is the address the service listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Close stops accepting requests, lets those in flight finish (up to 15
// seconds), and closes the event log.
func (m *Main) Close() error {
	var errs []error
	if m.stop != nil {
		m.stop()
		m.work.Wait()
	}
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		errs = append(errs, m.srv.Shutdown(ctx))
		if err := <-m.served; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.jwks != nil {
		m.jwks.Close()
	}
	if m.sealer != nil {
		errs = append(errs, m.sealer.Tree.Close())
	}
	if m.ch != nil {
		errs = append(errs, m.ch.Close())
	}
	if m.log != nil {
		errs = append(errs, m.log.Close())
	}
	return errors.Join(errs...)
}

// loopback reports whether a listen address only accepts connections from
// this machine: 127.0.0.0/8, ::1 or localhost.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
