package embedded_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// rewrite decodes every stored event, lets change edit them (in global
// order), then writes back each event it changed, recomputes the global
// chain from the first change on (or from the position relinkGlobal names,
// starting from a wrong link) and every stream's head, so that only what
// change broke on purpose is broken.
func rewrite(t *testing.T, dir string, change func(evs []eventlog.Event), relinkGlobal uint64) {
	t.Helper()
	editStore(t, dir, func(db *pebble.DB) error {
		var evs []eventlog.Event
		for p := uint64(1); p <= 30; p++ {
			e, err := embedded.DecodeRecord(p, value(t, db, embedded.EventKey(p)))
			if err != nil {
				return err
			}
			evs = append(evs, e)
		}
		before := append([]eventlog.Event(nil), evs...)
		change(evs)
		b := db.NewBatch()
		var link eventlog.Hash
		heads := map[string]eventlog.StreamHead{}
		for i, e := range evs {
			pos := uint64(i + 1)
			if e.Hash != before[i].Hash || string(e.PrevHash[:]) != string(before[i].PrevHash[:]) {
				rec, err := embedded.EncodeRecord(e)
				if err != nil {
					return err
				}
				if err := b.Set(embedded.EventKey(pos), rec, nil); err != nil {
					return err
				}
			}
			if pos == relinkGlobal {
				link[0] ^= 1 // a previous link other than the stored one
			}
			link = eventlog.GlobalChain(link, pos, e.Hash)
			if err := b.Set(embedded.ChainKey(pos), link[:], nil); err != nil {
				return err
			}
			heads[e.Stream] = eventlog.StreamHead{Version: e.Version, Hash: e.Hash}
		}
		if err := b.Set(embedded.KeyChain, link[:], nil); err != nil {
			return err
		}
		for s, h := range heads {
			if err := b.Set(embedded.HeadKey(s), embedded.WriteHead(h), nil); err != nil {
				return err
			}
		}
		return b.Commit(pebble.Sync)
	})
}

// relinkStream gives event i another prev_hash and a hash of its own that
// holds, and chains its stream's later events onto it: only the link into
// event i is broken.
func relinkStream(evs []eventlog.Event, i int, prev eventlog.Hash) {
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

// TestVerifyBrokenLinks: the embedded store's verify names the position
// of an event whose own hash holds but whose link to what came before does
// not, in its stream's chain (prev_hash) and in the global chain, with
// everything else about the store rewritten to agree.
func TestVerifyBrokenLinks(t *testing.T) {
	tests := []struct {
		name         string
		change       func(evs []eventlog.Event)
		relinkGlobal uint64
		want         uint64 // first bad position; 0 for none
		reason       string
	}{
		{"rewritten consistently, nothing broken", func([]eventlog.Event) {}, 0, 0, ""},
		{"prev_hash pointing at another stream's event", func(evs []eventlog.Event) {
			// writeLog appends two events at a time to s0, s1, s2 in turn:
			// s1 v6 (position 16) points at s0 v10 (position 14).
			relinkStream(evs, 15, evs[13].Hash)
		}, 0, 16, "prev_hash"},
		{"prev_hash skipping an event of the stream", func(evs []eventlog.Event) {
			relinkStream(evs, 21, evs[15].Hash) // s1 v8 (position 22) points at s1 v6, not v7
		}, 0, 22, "prev_hash"},
		{"a stream's first event with a prev_hash", func(evs []eventlog.Event) {
			relinkStream(evs, 2, evs[0].Hash) // s1 v1 (position 3) points at s0 v1
		}, 0, 3, "prev_hash"},
		{"the last event's prev_hash all zero", func(evs []eventlog.Event) {
			relinkStream(evs, 29, eventlog.Hash{}) // s2 v10 as if it began its stream
		}, 0, 30, "prev_hash"},
		{"the global chain relinked from a wrong link at position 12", func([]eventlog.Event) {}, 12, 12, "global chain"},
		{"the global chain relinked from a wrong link at its first position", func([]eventlog.Event) {}, 1, 1, "global chain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeLog(t)
			rewrite(t, dir, tt.change, tt.relinkGlobal)
			rep, err := embedded.Verify(context.Background(), dir, nil)
			if tt.want == 0 {
				if err != nil || rep.Events != 30 {
					t.Fatalf("verify = %+v, %v; want 30 events verified", rep, err)
				}
				return
			}
			var ve *eventlog.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("verify: %v, want a VerifyError at position %d", err, tt.want)
			}
			if ve.Position.Commit != tt.want || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("verify: %v; want position %d, saying %q", err, tt.want, tt.reason)
			}
		})
	}
}
