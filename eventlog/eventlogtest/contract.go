// Package eventlogtest is the contract every eventlog.Store adapter passes.
// Each adapter's tests call Run with a function that opens a store; the
// same suite runs against the embedded log, the KurrentDB adapter over a
// gRPC protocol double, and a real KurrentDB when one is configured.
package eventlogtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxzy/ledger/eventlog"
)

// Opener opens a store for one test. Stores may be shared between tests
// (a real KurrentDB is): the suite uses fresh stream names every time and
// only looks at its own streams in the global order.
type Opener func(t *testing.T) eventlog.Store

// Run runs the whole contract against the stores open returns.
func Run(t *testing.T, open Opener) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("ExpectedVersion", func(t *testing.T) { testExpectedVersion(t, open(t)) })
	t.Run("ReadStream", func(t *testing.T) { testReadStream(t, open(t)) })
	t.Run("ConcurrentWritersOneStream", func(t *testing.T) { testConcurrentWriters(t, open(t)) })
	t.Run("IdempotentRetry", func(t *testing.T) { testIdempotentRetry(t, open(t)) })
	t.Run("GlobalOrder", func(t *testing.T) { testGlobalOrder(t, open(t)) })
	t.Run("SubscribeFromStart", func(t *testing.T) { testSubscribeFromStart(t, open(t)) })
	t.Run("SubscribeFromPosition", func(t *testing.T) { testSubscribeFromPosition(t, open(t)) })
	t.Run("SubscribeAcrossSeam", func(t *testing.T) { testSubscribeAcrossSeam(t, open(t)) })
}

// prefix returns a stream-name prefix unique to this test run.
func prefix(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "contract" + hex.EncodeToString(b[:]) + "-"
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// NewEvents returns n events of one command, ready to append, with every
// envelope field set so a round trip can compare them all. Versions and
// hashes are left for Chain or the store.
func NewEvents(commandID string, n int) []eventlog.Event {
	base := time.Date(2011, 9, 30, 8, 15, 0, 123456000, time.UTC)
	evs := make([]eventlog.Event, n)
	for i := range evs {
		payload, _ := json.Marshal(map[string]any{"n": i, "text": "承诺事项 " + fmt.Sprint(i)})
		evs[i] = eventlog.Event{
			ID:            eventlog.EventID(commandID, i),
			Type:          "contract.happened",
			OccurredAt:    base.Add(time.Duration(i) * time.Minute),
			RecordedAt:    base.Add(time.Hour + time.Duration(i)*time.Microsecond),
			Actor:         "clerk-1",
			Unit:          "unit-7",
			CommandID:     commandID,
			CorrelationID: "corr-" + commandID,
			CausationID:   "cause-" + commandID,
			SchemaVersion: 1,
			Payload:       payload,
		}
	}
	return evs
}

func mustAppend(t *testing.T, s eventlog.Store, stream string, exp eventlog.Expected, evs []eventlog.Event) eventlog.AppendResult {
	t.Helper()
	res, err := s.Append(ctxFor(t), stream, exp, evs)
	if err != nil {
		t.Fatalf("append %s (%s): %v", stream, exp, err)
	}
	return res
}

func mustReadStream(t *testing.T, s eventlog.Store, stream string) []eventlog.Event {
	t.Helper()
	evs, err := s.ReadStream(ctxFor(t), stream, 0, eventlog.Forwards, 10000)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return evs
}

func testRoundTrip(t *testing.T, s eventlog.Store) {
	stream := prefix(t) + "roundtrip"
	want := NewEvents("cmd-roundtrip-"+stream, 3)
	eventlog.Chain(stream, 0, eventlog.Hash{}, want)
	res := mustAppend(t, s, stream, eventlog.NoStream(), want)
	if res.FirstVersion != 1 || res.LastVersion != 3 || res.Stream != stream || res.Duplicate {
		t.Fatalf("result = %+v, want versions 1..3 of %s", res, stream)
	}
	got := mustReadStream(t, s, stream)
	if len(got) != len(want) {
		t.Fatalf("read %d events, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Position.IsZero() {
			t.Errorf("event %d: zero position", i)
		}
		if i == len(want)-1 && g.Position != res.Position {
			t.Errorf("last event position %v, append said %v", g.Position, res.Position)
		}
		g.Position = eventlog.Position{}
		if err := SameEvent(g, w); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
		if eventlog.ComputeHash(&g) != g.Hash {
			t.Errorf("event %d: stored envelope no longer matches its hash", i)
		}
	}
}

// SameEvent compares two envelopes field by field, times by instant.
func SameEvent(got, want eventlog.Event) error {
	var diffs []string
	cmp := func(name string, g, w any) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	cmp("id", got.ID, want.ID)
	cmp("type", got.Type, want.Type)
	cmp("stream", got.Stream, want.Stream)
	cmp("version", got.Version, want.Version)
	cmp("position", got.Position, want.Position)
	if !got.OccurredAt.Equal(want.OccurredAt) {
		cmp("occurred_at", got.OccurredAt, want.OccurredAt)
	}
	if !got.RecordedAt.Equal(want.RecordedAt) {
		cmp("recorded_at", got.RecordedAt, want.RecordedAt)
	}
	cmp("actor", got.Actor, want.Actor)
	cmp("unit", got.Unit, want.Unit)
	cmp("command_id", got.CommandID, want.CommandID)
	cmp("correlation_id", got.CorrelationID, want.CorrelationID)
	cmp("causation_id", got.CausationID, want.CausationID)
	cmp("schema_version", got.SchemaVersion, want.SchemaVersion)
	cmp("payload", string(got.Payload), string(want.Payload))
	cmp("prev_hash", got.PrevHash, want.PrevHash)
	cmp("hash", got.Hash, want.Hash)
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}

func testExpectedVersion(t *testing.T, s eventlog.Store) {
	p := prefix(t)
	// existing has two events before each case.
	tests := []struct {
		name     string
		existing bool
		expected eventlog.Expected
		ok       bool
	}{
		{"any on new stream", false, eventlog.Any(), true},
		{"any on existing stream", true, eventlog.Any(), true},
		{"no stream on new stream", false, eventlog.NoStream(), true},
		{"no stream on existing stream", true, eventlog.NoStream(), false},
		{"stream exists on new stream", false, eventlog.StreamExists(), false},
		{"stream exists on existing stream", true, eventlog.StreamExists(), true},
		{"exact 0 on new stream", false, eventlog.Exact(0), true},
		{"exact 0 on existing stream", true, eventlog.Exact(0), false},
		{"exact current version", true, eventlog.Exact(2), true},
		{"exact version behind", true, eventlog.Exact(1), false},
		{"exact version ahead", true, eventlog.Exact(3), false},
		{"exact version on new stream", false, eventlog.Exact(2), false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := fmt.Sprintf("%sexp%d", p, i)
			var before uint64
			if tt.existing {
				mustAppend(t, s, stream, eventlog.NoStream(), NewEvents(stream+"-setup", 2))
				before = 2
			}
			res, err := s.Append(ctxFor(t), stream, tt.expected, NewEvents(stream+"-case", 1))
			if tt.ok {
				if err != nil {
					t.Fatalf("append: %v, want success", err)
				}
				if res.FirstVersion != before+1 || res.LastVersion != before+1 {
					t.Errorf("versions %d..%d, want %d", res.FirstVersion, res.LastVersion, before+1)
				}
				return
			}
			var conflict *eventlog.ConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("append: %v, want a ConflictError", err)
			}
			if conflict.Stream != stream || conflict.Actual != before {
				t.Errorf("conflict = %+v, want stream %s at version %d", conflict, stream, before)
			}
			n := 0
			if evs, err := s.ReadStream(ctxFor(t), stream, 0, eventlog.Forwards, 100); err == nil {
				n = len(evs)
			} else if !errors.Is(err, eventlog.ErrStreamNotFound) {
				t.Fatal(err)
			}
			if uint64(n) != before {
				t.Errorf("stream has %d events after a rejected append, want %d", n, before)
			}
		})
	}
}

func testReadStream(t *testing.T, s eventlog.Store) {
	ctx := ctxFor(t)
	stream := prefix(t) + "read"
	if _, err := s.ReadStream(ctx, stream, 0, eventlog.Forwards, 10); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Fatalf("read of a missing stream: %v, want ErrStreamNotFound", err)
	}
	if _, err := s.ReadStream(ctx, stream, 0, eventlog.Backwards, 10); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Fatalf("backward read of a missing stream: %v, want ErrStreamNotFound", err)
	}
	for i := range 5 {
		mustAppend(t, s, stream, eventlog.Exact(uint64(i*2)), NewEvents(fmt.Sprintf("%s-%d", stream, i), 2))
	}
	versions := func(evs []eventlog.Event) []uint64 {
		var v []uint64
		for _, e := range evs {
			v = append(v, e.Version)
		}
		return v
	}
	tests := []struct {
		name  string
		from  uint64
		dir   eventlog.Direction
		limit int
		want  []uint64
	}{
		{"all forwards", 0, eventlog.Forwards, 100, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"forwards from 4, limit 3", 4, eventlog.Forwards, 3, []uint64{4, 5, 6}},
		{"forwards past the end", 11, eventlog.Forwards, 3, nil},
		{"backwards from the end", 0, eventlog.Backwards, 3, []uint64{10, 9, 8}},
		{"backwards from 2", 2, eventlog.Backwards, 5, []uint64{2, 1}},
		{"last event only", 0, eventlog.Backwards, 1, []uint64{10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := s.ReadStream(ctx, stream, tt.from, tt.dir, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := versions(evs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("versions = %v, want %v", got, tt.want)
			}
		})
	}
}

// testConcurrentWriters has many writers race for each version of one
// stream: exactly one append wins per version, and the stream ends with
// every winner's event once, in version order. In the first round every
// writer reads the empty stream before any appends, so all but one of
// them must meet a conflict: a store that let two appends expecting the
// same version through would lose one of them.
func testConcurrentWriters(t *testing.T, s eventlog.Store) {
	const writers, rounds = 16, 10
	stream := prefix(t) + "race"
	ctx := ctxFor(t)
	type win struct {
		version uint64
		id      string
	}
	var (
		mu        sync.Mutex
		wins      []win
		failed    error
		wg        sync.WaitGroup
		ready     sync.WaitGroup // every writer has read the head of round 0
		conflicts atomic.Int64
	)
	ready.Add(writers)
	for w := range writers {
		wg.Go(func() {
			var once sync.Once
			arrive := func() { once.Do(ready.Done) }
			defer arrive() // a writer that fails early must not hold the others
			for r := range rounds {
				for {
					head := uint64(0)
					last, err := s.ReadStream(ctx, stream, 0, eventlog.Backwards, 1)
					switch {
					case errors.Is(err, eventlog.ErrStreamNotFound):
					case err != nil:
						mu.Lock()
						failed = err
						mu.Unlock()
						return
					default:
						head = last[0].Version
					}
					if r == 0 {
						arrive()
						ready.Wait()
					}
					evs := NewEvents(fmt.Sprintf("%s-w%d-r%d", stream, w, r), 1)
					res, err := s.Append(ctx, stream, eventlog.Exact(head), evs)
					var conflict *eventlog.ConflictError
					if errors.As(err, &conflict) {
						conflicts.Add(1)
						continue
					}
					mu.Lock()
					if err != nil {
						failed = err
					} else {
						wins = append(wins, win{res.LastVersion, evs[0].ID})
					}
					mu.Unlock()
					if err != nil {
						return
					}
					break
				}
			}
		})
	}
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	if got := conflicts.Load(); got < writers-1 {
		t.Errorf("appends met %d conflicts, want at least %d (all %d writers expected the empty stream in round 0)", got, writers-1, writers)
	}
	byVersion := map[uint64]string{}
	for _, w := range wins {
		if prev, dup := byVersion[w.version]; dup {
			t.Fatalf("version %d won twice: %s and %s", w.version, prev, w.id)
		}
		byVersion[w.version] = w.id
	}
	got := mustReadStream(t, s, stream)
	if len(got) != writers*rounds {
		t.Fatalf("stream has %d events, want %d", len(got), writers*rounds)
	}
	stored := map[string]int{}
	for i, e := range got {
		if e.Version != uint64(i+1) {
			t.Fatalf("event %d has version %d", i, e.Version)
		}
		if byVersion[e.Version] != e.ID {
			t.Fatalf("version %d holds %s, the winner was %s", e.Version, e.ID, byVersion[e.Version])
		}
		stored[e.ID]++
	}
	for w := range writers {
		for r := range rounds {
			if id := eventlog.EventID(fmt.Sprintf("%s-w%d-r%d", stream, w, r), 0); stored[id] != 1 {
				t.Errorf("writer %d round %d: its event is stored %d times, want exactly once", w, r, stored[id])
			}
		}
	}
}

func testIdempotentRetry(t *testing.T, s eventlog.Store) {
	p := prefix(t)
	for _, exp := range []struct {
		name string
		exp  func(before uint64) eventlog.Expected
	}{
		{"exact", func(before uint64) eventlog.Expected { return eventlog.Exact(before) }},
		{"any", func(uint64) eventlog.Expected { return eventlog.Any() }},
	} {
		t.Run(exp.name, func(t *testing.T) {
			stream := p + "retry-" + exp.name
			mustAppend(t, s, stream, eventlog.NoStream(), NewEvents(stream+"-first", 1))
			evs := NewEvents(stream+"-cmd", 2)
			eventlog.Chain(stream, 1, eventlog.Hash{}, evs)
			first := mustAppend(t, s, stream, exp.exp(1), evs)
			again := mustAppend(t, s, stream, exp.exp(1), evs)
			if !again.Duplicate {
				t.Errorf("retry not reported as a duplicate: %+v", again)
			}
			again.Duplicate = false
			if again != first {
				t.Errorf("retry result = %+v, want the first result %+v", again, first)
			}
			if got := mustReadStream(t, s, stream); len(got) != 3 {
				t.Errorf("stream has %d events after a retry, want 3", len(got))
			}
		})
	}
}

// ownEvents reads the whole global order and keeps this test's events.
func ownEvents(t *testing.T, s eventlog.Store, p string, after eventlog.Position) []eventlog.Event {
	t.Helper()
	var out []eventlog.Event
	for {
		page, err := s.ReadAll(ctxFor(t), after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		for _, e := range page {
			if !after.Less(e.Position) {
				t.Fatalf("ReadAll after %v returned position %v", after, e.Position)
			}
			after = e.Position
			if strings.HasPrefix(e.Stream, p) {
				out = append(out, e)
			}
		}
	}
}

func testGlobalOrder(t *testing.T, s eventlog.Store) {
	p := prefix(t)
	var want []string
	for i := range 12 {
		stream := fmt.Sprintf("%sg%d", p, i%3)
		evs := NewEvents(fmt.Sprintf("%s-%d", stream, i), 1+i%2)
		mustAppend(t, s, stream, eventlog.Any(), evs)
		for _, e := range evs {
			want = append(want, e.ID)
		}
	}
	got := ownEvents(t, s, p, eventlog.Start)
	if len(got) != len(want) {
		t.Fatalf("global order has %d events, want %d", len(got), len(want))
	}
	lastVersion := map[string]uint64{}
	for i, e := range got {
		if e.ID != want[i] {
			t.Fatalf("global event %d is %s, want %s (append order)", i, e.ID, want[i])
		}
		if e.Version != lastVersion[e.Stream]+1 {
			t.Fatalf("stream %s: version %d follows %d in the global order", e.Stream, e.Version, lastVersion[e.Stream])
		}
		lastVersion[e.Stream] = e.Version
	}
	// Paging from a position in the middle continues exactly after it.
	mid := got[5].Position
	rest := ownEvents(t, s, p, mid)
	if len(rest) != len(got)-6 || rest[0].ID != got[6].ID {
		t.Fatalf("reading after %v gave %d events starting %v, want %d starting %s", mid, len(rest), rest, len(got)-6, got[6].ID)
	}
}

// collect reads from sub until it has seen n of this test's events.
func collect(t *testing.T, sub eventlog.Subscription, p string, n int) []eventlog.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []eventlog.Event
	var last eventlog.Position
	for len(out) < n {
		e, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("subscription after %d of %d events: %v", len(out), n, err)
		}
		if !last.Less(e.Position) {
			t.Fatalf("subscription went from %v to %v", last, e.Position)
		}
		last = e.Position
		if strings.HasPrefix(e.Stream, p) {
			out = append(out, e)
		}
	}
	return out
}

func ids(evs []eventlog.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func testSubscribeFromStart(t *testing.T, s eventlog.Store) {
	p := prefix(t)
	var want []string
	for i := range 5 {
		evs := NewEvents(fmt.Sprintf("%ss-%d", p, i), 2)
		mustAppend(t, s, fmt.Sprintf("%ss%d", p, i), eventlog.NoStream(), evs)
		want = append(want, ids(evs)...)
	}
	sub, err := s.Subscribe(ctxFor(t), eventlog.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := collect(t, sub, p, len(want))
	if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Errorf("subscription gave %v, want %v", ids(got), want)
	}
}

func testSubscribeFromPosition(t *testing.T, s eventlog.Store) {
	p := prefix(t)
	var all []eventlog.AppendResult
	var want []string
	for i := range 6 {
		evs := NewEvents(fmt.Sprintf("%sp-%d", p, i), 1)
		all = append(all, mustAppend(t, s, p+"pos", eventlog.Any(), evs))
		if i >= 3 {
			want = append(want, evs[0].ID)
		}
	}
	sub, err := s.Subscribe(ctxFor(t), all[2].Position)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := collect(t, sub, p, len(want))
	if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Errorf("subscription after %v gave %v, want %v", all[2].Position, ids(got), want)
	}
}

// testSubscribeAcrossSeam subscribes while writers are appending, so the
// subscription turns from catch-up to live in the middle of the writes: it
// must see every event once, in global order.
func testSubscribeAcrossSeam(t *testing.T, s eventlog.Store) {
	p := prefix(t)
	const writers, each = 4, 25
	ctx := ctxFor(t)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			for i := range each {
				evs := NewEvents(fmt.Sprintf("%sseam-%d-%d", p, w, i), 1)
				if _, err := s.Append(ctx, fmt.Sprintf("%sseam%d", p, w), eventlog.Exact(uint64(i)), evs); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Half the writers' first events land before the subscription starts.
	for w := range writers / 2 {
		mustAppend(t, s, fmt.Sprintf("%searly%d", p, w), eventlog.NoStream(), NewEvents(fmt.Sprintf("%searly-%d", p, w), 1))
	}
	close(start)
	sub, err := s.Subscribe(ctx, eventlog.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := collect(t, sub, p, writers*each+writers/2)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.ID] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
	}
	want := ownEvents(t, s, p, eventlog.Start)
	if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
		t.Errorf("subscription order differs from the global order:\n got %v\nwant %v", ids(got), ids(want))
	}
	// Nothing more of ours arrives.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	for {
		e, err := sub.Next(short)
		if err != nil {
			break
		}
		if strings.HasPrefix(e.Stream, p) {
			t.Fatalf("extra event %s after all were delivered", e.ID)
		}
	}
}
