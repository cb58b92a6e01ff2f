// Package kurrent implements eventlog.Store on KurrentDB (EventStoreDB)
// over gRPC, with the v4 Go client (github.com/EventStore/EventStore-Client-Go/v4/esdb).
//
// Mapping. An eventlog stream is a KurrentDB stream of the same name and
// eventlog version v is KurrentDB revision v-1. The envelope's ID is the
// KurrentDB event id, Type the event type, Payload the event data (content
// type application/json), and the rest of the envelope (id, version, times,
// actor, unit, command, correlation and causation ids, schema version,
// prev_hash, hash) travels as JSON in the event's user metadata, so a read
// gives back exactly the envelope that was hashed. Positions are KurrentDB's
// (commit, prepare) pairs. Events whose type or stream starts with "$" are
// KurrentDB's own and never show up in ReadAll or Subscribe; Append refuses
// such names.
//
// Retries. Append first looks for the first event's id where a previous
// attempt of the same command would have put it: the slot named by the
// events' Version fields or by an exact expected version, or else among the
// stream's last events (WithRetryScan). If it is there, Append returns that
// attempt's result with Duplicate set and writes nothing. KurrentDB's own
// idempotency (same event ids at the same expected revision succeed without
// writing) backs this up when two identical appends race, but then both
// report Duplicate false. Events whose Version fields are set are appended
// with the exact revision those versions imply, even when the caller said
// Any or StreamExists, so the hash chain cannot land at other versions than
// it was computed for. After a write, the last event is read back for its
// position: the append response names the position of the transaction,
// which need not be the last event's own (commit, prepare) pair.
//
// Connecting. The v4 client discovers its node lazily and, if discovery
// fails, closes itself for good. Open therefore probes with a read of $all
// and, until ctx ends, retries a failed first connection with a fresh
// client and bounded exponential backoff. A client that closes itself later
// (a failed rediscovery during an outage) is replaced by a fresh one on the
// next call.
//
// Testing. The adapter's tests in this directory run the shared contract
// suite (eventlog/eventlogtest) and adapter-specific tests against
// kurrenttest, an in-memory protocol double of KurrentDB's Streams gRPC
// service served on a loopback port, through this same client. The double
// is written from the client's source and KurrentDB's documented behaviour,
// not from the server: it proves the adapter speaks the protocol as the
// client sees it, not that a real server agrees. TestContract_Real runs the
// same suite against a real KurrentDB when KURRENTDB_URL is set (for
// example esdb://localhost:2113?tls=false) and is skipped otherwise.
package kurrent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/cxzy/ledger/eventlog"
)

var _ eventlog.Store = (*Store)(nil)

// Defaults of the options.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultRetryScan  = 256
	defaultBackoffMin = 100 * time.Millisecond
	defaultBackoffMax = 5 * time.Second
)

// Option configures Open.
type Option func(*config)

type config struct {
	timeout    time.Duration
	scan       int
	backoffMin time.Duration
	backoffMax time.Duration
	logger     *slog.Logger
}

// WithTimeout sets the deadline of a call whose ctx has none.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetryScan sets how many of a stream's last events Append searches
// for an earlier attempt of the same command when neither the events'
// versions nor an exact expected version say where it would be.
func WithRetryScan(n int) Option { return func(c *config) { c.scan = n } }

// WithBackoff sets the first and the longest wait between attempts to
// make the first connection.
func WithBackoff(first, max time.Duration) Option {
	return func(c *config) { c.backoffMin, c.backoffMax = first, max }
}

// WithLogger sends the client's log lines to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Store is the KurrentDB event log. It is safe for concurrent use.
type Store struct {
	conf   esdb.Configuration
	cfg    config
	base   context.Context // ends when the store closes
	cancel context.CancelFunc

	mu       sync.Mutex
	client   *esdb.Client
	closed   bool
	inflight sync.WaitGroup
}

// Open connects to the KurrentDB named by connString (esdb://host:port?...,
// see the client's connection string settings) and returns when a read of
// $all has succeeded. A failed attempt is retried with a fresh client until
// ctx ends.
func Open(ctx context.Context, connString string, opts ...Option) (*Store, error) {
	cfg := config{timeout: DefaultTimeout, scan: DefaultRetryScan, backoffMin: defaultBackoffMin, backoffMax: defaultBackoffMax}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.timeout <= 0 || cfg.scan <= 0 || cfg.backoffMin <= 0 || cfg.backoffMax < cfg.backoffMin {
		return nil, errors.New("kurrent: open: timeout, retry scan and backoff must be positive")
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	conf, err := esdb.ParseConnectionString(connString)
	if err != nil {
		return nil, fmt.Errorf("kurrent: open: %w", err)
	}
	conf.Logger = clientLogger(cfg.logger)
	s := &Store{conf: *conf, cfg: cfg}
	s.base, s.cancel = context.WithCancel(context.Background())

	wait := cfg.backoffMin
	for attempt := 1; ; attempt++ {
		client, err := s.newClient()
		if err == nil {
			err = s.probe(ctx, client)
			if err == nil {
				s.client = client
				return s, nil
			}
		}
		if code(err) == esdb.ErrorCodeUnauthenticated || code(err) == esdb.ErrorCodeAccessDenied {
			s.cancel()
			return nil, fmt.Errorf("kurrent: open: %w", err)
		}
		cfg.logger.Info("kurrent: connection attempt failed", "attempt", attempt, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.cancel()
			return nil, fmt.Errorf("kurrent: open: %w (after %d attempts, last: %v)", ctx.Err(), attempt, err)
		case <-t.C:
		}
		wait = min(2*wait, cfg.backoffMax)
	}
}

func (s *Store) newClient() (*esdb.Client, error) {
	conf := s.conf
	return esdb.NewClient(&conf)
}

// probe makes client discover its node, which it does on first use and
// without a context: it runs in its own goroutine so ctx can end the wait.
// A client that fails the probe is closed once the goroutine is done with
// it (a client whose discovery failed has already closed itself; Close
// tolerates that).
func (s *Store) probe(ctx context.Context, client *esdb.Client) error {
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	done := make(chan error, 1)
	closeOnFailure := func(err error) {
		if err != nil {
			client.Close()
		}
	}
	go func() {
		rs, err := client.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}, Deadline: remaining(ctx)}, 1)
		if err != nil {
			done <- err
			return
		}
		defer rs.Close()
		if _, err := rs.Recv(); err != nil && !errors.Is(err, io.EOF) {
			done <- err
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		closeOnFailure(err)
		return err
	case <-ctx.Done():
		go func() {
			<-done
			client.Close()
		}()
		return ctx.Err()
	}
}

// Close ends every subscription, waits for calls in progress (they see
// their context end) and closes the client.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.inflight.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client.Close()
}

// call is one use of the client: it gives ctx a deadline, ends it when the
// store closes, and keeps Close from closing the client under it (the
// client panics when closed during a call).
type call struct {
	ctx    context.Context
	client *esdb.Client
	s      *Store
	cancel func()
}

func (s *Store) begin(ctx context.Context) (*call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, eventlog.ErrClosed
	}
	s.inflight.Add(1)
	ctx, cancel := s.deadline(ctx)
	stop := context.AfterFunc(s.base, cancel)
	return &call{ctx: ctx, client: s.client, s: s, cancel: func() {
		stop()
		cancel()
		s.inflight.Done()
	}}, nil
}

func (c *call) end() { c.cancel() }

// check notes err: a client that reports itself closed while the store is
// open has given up after a failed rediscovery, and the next call gets a
// fresh one. The old client is not closed: its state machine has exited,
// and closing its channel could panic a goroutine still sending to it.
func (c *call) check(err error) error {
	if err == nil || code(err) != esdb.ErrorCodeConnectionClosed {
		return err
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && s.client == c.client {
		if fresh, nerr := s.newClient(); nerr == nil {
			s.client = fresh
		}
	}
	return err
}

func (s *Store) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.timeout)
}

// remaining is the time left before ctx's deadline, as the client's
// per-call Deadline option wants it; without it, reads get no deadline and
// appends the client's fixed 10 seconds.
func remaining(ctx context.Context) *time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	d := max(time.Until(dl), time.Millisecond)
	return &d
}

// code is the client's error code of err, or ErrorCodeUnknown.
// esdb.FromError does not unwrap, hence errors.As.
func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return esdb.ErrorCodeUnknown
}

// clientLogger maps the client's log levels onto l. Its "subscription has
// dropped" errors go to debug: the subscription reports them itself, and
// every Close causes one.
func clientLogger(l *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		lv := slog.LevelDebug
		switch level {
		case esdb.LogError:
			lv = slog.LevelWarn
		case esdb.LogWarn:
			lv = slog.LevelInfo
		}
		if strings.HasPrefix(format, "subscription has dropped") {
			lv = slog.LevelDebug
		}
		ctx := context.Background()
		if l.Enabled(ctx, lv) {
			l.Log(ctx, lv, "esdb: "+fmt.Sprintf(format, args...))
		}
	}
}
