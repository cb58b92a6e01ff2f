package command_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// counted is a toy event: the write path must not care what the domain is.
type counted struct {
	Unit string `json:"unit"`
	By   int    `json:"by"`
}

func (counted) EventType() string   { return "test.counted" }
func (c counted) ScopeUnit() string { return c.Unit }

type counter struct{ total, events int }

func (c *counter) Apply(e domain.Event) {
	if e, ok := e.(counted); ok {
		c.total += e.By
		c.events++
	}
}

func add(by int) command.Decide[*counter] {
	return func(c *counter, _ domain.Meta) ([]domain.Event, error) {
		if by <= 0 {
			return nil, domain.Invalid("by", "must be positive")
		}
		if c.total+by > 1000 {
			return nil, &domain.TransitionError{Entity: "counter", From: "full", Command: "add"}
		}
		return []domain.Event{counted{Unit: "unit-1", By: by}}, nil
	}
}

func newCounter() *counter { return &counter{} }

func setup(t *testing.T) (*command.Handler, *embedded.Store) {
	t.Helper()
	clock := time.Date(2011, 9, 1, 2, 0, 0, 0, time.UTC)
	return handlerOn(t, domain.JSONCodec[counted](1), command.WithClock(func() time.Time { return clock }))
}

// handlerOn opens an embedded log of the test's own and a handler over it
// that knows the one codec.
func handlerOn(t *testing.T, codec domain.Codec, opts ...command.Option) (*command.Handler, *embedded.Store) {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	reg, err := domain.NewRegistry([]domain.Codec{codec})
	if err != nil {
		t.Fatal(err)
	}
	return command.NewHandler(log, reg, opts...), log
}

func cmd(id string) command.Command {
	return command.Command{ID: id, Actor: domain.Actor{ID: "clerk-7"}, CorrelationID: "corr-1"}
}

func TestExecuteRecordsEnvelope(t *testing.T) {
	h, log := setup(t)
	ctx := context.Background()
	res, err := command.Execute(ctx, h, "counter-a", cmd("c1"), newCounter, add(3))
	if err != nil {
		t.Fatal(err)
	}
	if res.FirstVersion != 1 || res.LastVersion != 1 || len(res.EventIDs) != 1 || res.Duplicate {
		t.Fatalf("result = %+v", res)
	}
	evs, err := log.ReadStream(ctx, "counter-a", 0, eventlog.Forwards, 10)
	if err != nil {
		t.Fatal(err)
	}
	e := evs[0]
	if e.Actor != "clerk-7" || e.Unit != "unit-1" || e.CommandID != "c1" || e.CorrelationID != "corr-1" ||
		e.SchemaVersion != 1 || e.ID != eventlog.EventID("c1", 0) || e.Type != "test.counted" {
		t.Errorf("envelope = %+v", e)
	}
	if !e.PrevHash.IsZero() || e.Hash != eventlog.ComputeHash(&e) {
		t.Errorf("first event hash chain: prev %s hash %s", e.PrevHash, e.Hash)
	}
	res2, err := command.Execute(ctx, h, "counter-a", cmd("c2"), newCounter, add(4))
	if err != nil {
		t.Fatal(err)
	}
	evs, _ = log.ReadStream(ctx, "counter-a", 0, eventlog.Forwards, 10)
	if res2.LastVersion != 2 || evs[1].PrevHash != evs[0].Hash {
		t.Errorf("second event does not chain to the first: %+v", evs[1])
	}
}

func TestExecuteRejectionAppendsNothing(t *testing.T) {
	h, log := setup(t)
	ctx := context.Background()
	if _, err := command.Execute(ctx, h, "counter-b", cmd("ok"), newCounter, add(999)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		by    int
		check func(error) bool
	}{
		{"validation names the field", -1, func(err error) bool {
			var ve *domain.ValidationError
			return errors.As(err, &ve) && ve.Field == "by"
		}},
		{"invalid transition", 5, func(err error) bool {
			var te *domain.TransitionError
			return errors.As(err, &te)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := command.Execute(ctx, h, "counter-b", cmd("bad-"+tt.name), newCounter, add(tt.by))
			if !tt.check(err) {
				t.Fatalf("error = %v", err)
			}
			evs, _ := log.ReadStream(ctx, "counter-b", 0, eventlog.Forwards, 10)
			if len(evs) != 1 {
				t.Errorf("stream has %d events after a rejected command, want 1", len(evs))
			}
		})
	}
	if _, err := command.Execute(ctx, h, "counter-b", command.Command{}, newCounter, add(1)); !errors.Is(err, command.ErrCommandID) {
		t.Errorf("command without id: %v, want ErrCommandID", err)
	}
}

func TestExecuteRetryIsIdempotent(t *testing.T) {
	h, log := setup(t)
	ctx := context.Background()
	first, err := command.Execute(ctx, h, "counter-c", cmd("same"), newCounter, add(2))
	if err != nil {
		t.Fatal(err)
	}
	command.Execute(ctx, h, "counter-c", cmd("other"), newCounter, add(1))
	again, err := command.Execute(ctx, h, "counter-c", cmd("same"), newCounter, add(2))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.LastVersion != first.LastVersion || again.Position != first.Position || fmt.Sprint(again.EventIDs) != fmt.Sprint(first.EventIDs) {
		t.Errorf("retry = %+v, want the first result %+v marked duplicate", again, first)
	}
	evs, _ := log.ReadStream(ctx, "counter-c", 0, eventlog.Forwards, 10)
	if len(evs) != 2 {
		t.Errorf("stream has %d events, want 2", len(evs))
	}
}

func TestExecuteIfVersion(t *testing.T) {
	h, _ := setup(t)
	ctx := context.Background()
	command.Execute(ctx, h, "counter-d", cmd("one"), newCounter, add(1))
	stale := uint64(0)
	c := cmd("two")
	c.IfVersion = &stale
	_, err := command.Execute(ctx, h, "counter-d", c, newCounter, add(1))
	var conflict *eventlog.ConflictError
	if !errors.As(err, &conflict) || conflict.Actual != 1 {
		t.Fatalf("stale If-Match: %v, want a conflict at version 1", err)
	}
	current := uint64(1)
	c.IfVersion = &current
	if _, err := command.Execute(ctx, h, "counter-d", c, newCounter, add(1)); err != nil {
		t.Fatalf("current If-Match: %v", err)
	}
}

// racingStore is the real store behind a gate: the first n appends wait
// until all n have arrived, so n writers that each loaded the stream race
// for the same version; and it counts the conflicts the store reports.
type racingStore struct {
	eventlog.Store
	n         int64
	arrived   atomic.Int64
	gate      chan struct{}
	conflicts atomic.Int64
}

func newRacingStore(s eventlog.Store, n int) *racingStore {
	return &racingStore{Store: s, n: int64(n), gate: make(chan struct{})}
}

func (s *racingStore) Append(ctx context.Context, stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, error) {
	if k := s.arrived.Add(1); k <= s.n {
		if k == s.n {
			close(s.gate)
		}
		select {
		case <-s.gate:
		case <-ctx.Done():
			return eventlog.AppendResult{}, fmt.Errorf("racing store: only %d of %d writers reached append: %w", s.arrived.Load(), s.n, ctx.Err())
		}
	}
	res, err := s.Store.Append(ctx, stream, expected, events)
	var conflict *eventlog.ConflictError
	if errors.As(err, &conflict) {
		s.conflicts.Add(1)
	}
	return res, err
}

// TestExecuteConcurrentCommands has writers race on one stream of the
// real embedded log: all of them decide on the empty stream, so all but
// one meet a conflict, and each conflict is decided again on fresh state.
// Every command's event must then be in the stream exactly once, at
// versions 1..n with no gap, each chained to the one before.
func TestExecuteConcurrentCommands(t *testing.T) {
	_, log := setup(t)
	const n = 40
	racing := newRacingStore(log, n)
	h := command.NewHandler(racing, mustRegistry(t), command.WithRetries(100))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if _, err := command.Execute(ctx, h, "counter-e", cmd(fmt.Sprint("race-", i)), newCounter, add(1)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d conflicts among %d writers", racing.conflicts.Load(), n)
	// n writers held at the same version: one wins it, n-1 conflict.
	if got := racing.conflicts.Load(); got < n-1 {
		t.Errorf("appends met %d conflicts, want at least %d (every writer but one decided on the empty stream)", got, n-1)
	}
	evs, err := log.ReadStream(ctx, "counter-e", 0, eventlog.Forwards, 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i, e := range evs {
		if e.Version != uint64(i+1) {
			t.Errorf("event %d of the stream has version %d, want %d", i+1, e.Version, i+1)
		}
		seen[e.CommandID]++
	}
	for i := range n {
		if id := fmt.Sprint("race-", i); seen[id] != 1 {
			t.Errorf("command %s has %d events in the stream, want exactly 1", id, seen[id])
		}
	}
	if len(evs) != n {
		t.Errorf("stream has %d events, want %d", len(evs), n)
	}
	c, err := command.Load(ctx, h, "counter-e", newCounter())
	if err != nil || c.total != n || c.events != n {
		t.Errorf("counter = %+v, %v; want %d events adding up to %d", c, err, n, n)
	}
	rep, err := log.Verify(ctx, nil)
	if err != nil || rep.Events != n {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

func mustRegistry(t *testing.T) *domain.Registry {
	t.Helper()
	reg, err := domain.NewRegistry([]domain.Codec{domain.JSONCodec[counted](1)})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestCreate(t *testing.T) {
	h, log := setup(t)
	ctx := context.Background()
	create := func(domain.Meta) ([]domain.Event, error) { return []domain.Event{counted{Unit: "u", By: 1}}, nil }
	first, err := command.Create(ctx, h, "counter-new", cmd("create-1"), create)
	if err != nil || first.LastVersion != 1 {
		t.Fatalf("create: %+v %v", first, err)
	}
	again, err := command.Create(ctx, h, "counter-new", cmd("create-1"), create)
	if err != nil || !again.Duplicate || again.Position != first.Position {
		t.Fatalf("retried create = %+v %v, want the first result", again, err)
	}
	if _, err := command.Create(ctx, h, "counter-new", cmd("create-2"), create); !errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("second create: %v, want ErrAlreadyExists", err)
	}
	if evs, _ := log.ReadStream(ctx, "counter-new", 0, eventlog.Forwards, 10); len(evs) != 1 {
		t.Errorf("stream has %d events, want 1", len(evs))
	}
}
