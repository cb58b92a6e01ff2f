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
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/connect"
)

// Config is ledgerd's configuration; every flag has an environment
// variable, and a flag given on the command line wins.
type Config struct {
	Addr string
	Log  connect.Config
}

// ParseConfig reads flags, falling back to the environment (getenv) and
// then to the defaults, and validates the result.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	def := func(env, fallback string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return fallback
	}
	var c Config
	fs := flag.NewFlagSet("ledgerd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", def("LEDGER_ADDR", "127.0.0.1:8080"), "listen address (LEDGER_ADDR)")
	fs.StringVar(&c.Log.DataDir, "data-dir", def("LEDGER_DATA_DIR", "data"), "embedded event log directory (LEDGER_DATA_DIR)")
	fs.StringVar(&c.Log.EventStore, "eventstore", def("LEDGER_EVENTSTORE", connect.Embedded), `"embedded" or an esdb:// connection string (LEDGER_EVENTSTORE)`)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.Validate()
}

// Validate names what is wrong with the configuration.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr (LEDGER_ADDR) %q: want host:port", c.Addr)
	}
	return c.Log.Validate()
}

// Main is the running service; tests start it on 127.0.0.1:0.
type Main struct {
	cfg    Config
	logger *slog.Logger
	log    eventlog.Store
	srv    *http.Server
	ln     net.Listener
	served chan error
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
	ln, err := net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		log.Close()
		return fmt.Errorf("listen: %w", err)
	}
	m.ln = ln
	s := &api.Server{Logger: m.logger}
	m.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	m.served = make(chan error, 1)
	go func() { m.served <- m.srv.Serve(ln) }()
	m.logger.Info("ledgerd listening", "addr", ln.Addr().String(), "eventstore", m.cfg.Log.EventStore)
	return nil
}

// Addr is the address the service listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Close stops accepting requests, lets those in flight finish (up to 15
// seconds), and closes the event log.
func (m *Main) Close() error {
	var errs []error
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		errs = append(errs, m.srv.Shutdown(ctx))
		if err := <-m.served; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.log != nil {
		errs = append(errs, m.log.Close())
	}
	return errors.Join(errs...)
}
