package eventlog_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/eventlog"
)

// history is 12 events alternating between streams a and b, chained as
// the write path chains them, at positions 1..12.
func history() []eventlog.Event {
	heads := map[string]eventlog.StreamHead{}
	var out []eventlog.Event
	for i := range 12 {
		stream := []string{"a", "b"}[i%2]
		h := heads[stream]
		evs := []eventlog.Event{{
			ID: fmt.Sprintf("id-%d", i), Type: "test.happened", Actor: "clerk-1", CommandID: fmt.Sprintf("cmd-%d", i),
			OccurredAt: time.Date(2026, 3, 1, 9, 0, i, 0, time.UTC), RecordedAt: time.Date(2026, 3, 1, 9, 0, i, 0, time.UTC),
			SchemaVersion: 1, Payload: []byte(fmt.Sprintf(`{"n":%d}`, i)),
		}}
		eventlog.Chain(stream, h.Version, h.Hash, evs)
		evs[0].Position = eventlog.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}
		heads[stream] = eventlog.StreamHead{Version: evs[0].Version, Hash: evs[0].Hash}
		out = append(out, evs[0])
	}
	return out
}

// relink gives event i another prev_hash and a hash consistent with it,
// then chains the later events of its stream onto it, as someone who
// rewrote history with the hash function in hand would: every event's own
// hash holds, and only the link into event i is broken.
func relink(evs []eventlog.Event, i int, prev eventlog.Hash) {
	evs[i].PrevHash = prev
	evs[i].Hash = eventlog.ComputeHash(&evs[i])
	last := evs[i].Hash
	for j := i + 1; j < len(evs); j++ {
		if evs[j].Stream == evs[i].Stream {
			evs[j].PrevHash = last
			evs[j].Hash = eventlog.ComputeHash(&evs[j])
			last = evs[j].Hash
		}
	}
}

// TestVerifierBrokenPrevHash: an event whose own hash is consistent but
// whose prev_hash is not the hash of its stream's previous event is
// reported at its position, whatever it points at instead.
func TestVerifierBrokenPrevHash(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(evs []eventlog.Event)
		wantPos uint64 // 0: verifies
		wantIn  string // the verifier's reason names the broken link
	}{
		{"untouched", func([]eventlog.Event) {}, 0, ""},
		{"prev_hash of a stream's 3rd event is the hash of another stream's event", func(evs []eventlog.Event) {
			relink(evs, 4, evs[3].Hash) // a v3 points at b v2
		}, 5, "prev_hash"},
		{"prev_hash skips an event of its stream", func(evs []eventlog.Event) {
			relink(evs, 6, evs[2].Hash) // a v4 points at a v2, not a v3
		}, 7, "prev_hash"},
		{"a stream's first event has a prev_hash", func(evs []eventlog.Event) {
			relink(evs, 1, evs[0].Hash) // b v1 points at a v1
		}, 2, "prev_hash"},
		{"prev_hash all zero in the middle of a stream", func(evs []eventlog.Event) {
			relink(evs, 9, eventlog.Hash{}) // b v5 as if it began the stream
		}, 10, "prev_hash"},
		{"the last event's prev_hash changed", func(evs []eventlog.Event) {
			var other eventlog.Hash
			other[0] = 1
			relink(evs, 11, other)
		}, 12, "prev_hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := history()
			tt.tamper(evs)
			for i := range evs {
				if got := eventlog.ComputeHash(&evs[i]); got != evs[i].Hash {
					t.Fatalf("event %d's own hash does not hold: the test would prove nothing", i+1)
				}
			}
			for _, contiguous := range []bool{true, false} {
				v := eventlog.NewVerifier(contiguous)
				var err error
				for i := range evs {
					if err = v.Check(&evs[i]); err != nil {
						break
					}
				}
				if tt.wantPos == 0 {
					if err != nil || v.Count() != 12 {
						t.Errorf("contiguous %v: verified %d events, %v; want all 12", contiguous, v.Count(), err)
					}
					continue
				}
				var ve *eventlog.VerifyError
				if !errors.As(err, &ve) {
					t.Fatalf("contiguous %v: got %v, want a VerifyError at position %d", contiguous, err, tt.wantPos)
				}
				want := evs[tt.wantPos-1]
				if ve.Position.Commit != tt.wantPos || ve.Stream != want.Stream || ve.Version != want.Version || !strings.Contains(ve.Reason, tt.wantIn) {
					t.Errorf("contiguous %v: got %v, want position %d (stream %s version %d) naming %s",
						contiguous, err, tt.wantPos, want.Stream, want.Version, tt.wantIn)
				}
			}
		})
	}
}
