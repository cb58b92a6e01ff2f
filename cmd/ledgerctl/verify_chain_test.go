package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
	"github.com/cxzy/ledger/eventlog/kurrent"
	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
)

// relinkFrom gives evs[i] another prev_hash and a hash of its own that
// holds, and chains the later events (one stream) onto it.
func relinkFrom(evs []eventlog.Event, i int, prev eventlog.Hash) {
	for j := i; j < len(evs); j++ {
		evs[j].PrevHash = prev
		evs[j].Hash = eventlog.ComputeHash(&evs[j])
		prev = evs[j].Hash
	}
}

// TestVerifyNamesBrokenPrevHash: an event whose own hash holds but whose
// prev_hash is not its predecessor's hash makes ledgerctl verify exit 1
// naming its position, in the embedded log (with the global chain, the
// stream's head and the later events rewritten to agree) and in KurrentDB
// (through the protocol double).
func TestVerifyNamesBrokenPrevHash(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		dir := writeEvents(t)
		s, err := embedded.Open(dir, embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.ReadStream(context.Background(), "rectification-1", 1, eventlog.Forwards, 100)
		s.Close()
		if err != nil || len(evs) != 20 {
			t.Fatalf("read back %d events, %v", len(evs), err)
		}
		relinkFrom(evs, 13, evs[11].Hash) // version 14 points at version 12
		db, err := pebble.Open(dir, &pebble.Options{Logger: quietPebble{}})
		if err != nil {
			t.Fatal(err)
		}
		// A stored event ends with prev_hash, hash and the payload
		// (eventlog/embedded/record.go); the global chain and the
		// stream's head are recomputed as the store would.
		var link eventlog.Hash
		for i, e := range evs {
			pos := uint64(i + 1)
			key := binary.BigEndian.AppendUint64([]byte{'e'}, pos)
			v, closer, err := db.Get(key)
			if err != nil {
				t.Fatal(err)
			}
			rec := bytes.Clone(v)
			closer.Close()
			at := len(rec) - len(e.Payload) - 64
			if !bytes.Equal(rec[len(rec)-len(e.Payload):], e.Payload) {
				t.Fatalf("record %d does not end with its payload", pos)
			}
			copy(rec[at:], e.PrevHash[:])
			copy(rec[at+32:], e.Hash[:])
			link = eventlog.GlobalChain(link, pos, e.Hash)
			for k, val := range map[string][]byte{
				string(key): rec,
				string(binary.BigEndian.AppendUint64([]byte{'g'}, pos)): link[:],
			} {
				if err := db.Set([]byte(k), val, pebble.Sync); err != nil {
					t.Fatal(err)
				}
			}
		}
		head := append(binary.BigEndian.AppendUint64(nil, 20), evs[19].Hash[:]...)
		if err := db.Set([]byte("mchain"), link[:], pebble.Sync); err != nil {
			t.Fatal(err)
		}
		if err := db.Set([]byte("hrectification-1"), head, pebble.Sync); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := ledgerctl(t, "verify", "--data-dir", dir)
		want := fmt.Sprintf("FAILED at position 14 (stream rectification-1 version 14): prev_hash %s does not match the stream's previous event %s", evs[11].Hash, evs[12].Hash)
		if code != exitFail || !strings.Contains(out, want) {
			t.Errorf("verify = %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, exitFail, want)
		}
	})
	t.Run("KurrentDB", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv := kurrenttest.Start(t)
		s, err := kurrent.Open(ctx, srv.ConnString(), kurrent.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		evs := eventlogtest.NewEvents("cmd-broken", 5)
		eventlog.Chain("rectification-1", 0, eventlog.Hash{}, evs)
		relinkFrom(evs, 2, eventlog.Hash{}) // version 3 as if it began the stream
		for i := range evs {
			if _, err := s.Append(ctx, "rectification-1", eventlog.Exact(uint64(i)), evs[i:i+1]); err != nil {
				t.Fatal(err)
			}
		}
		stored, err := s.ReadStream(ctx, "rectification-1", 3, eventlog.Forwards, 1)
		if err != nil || len(stored) != 1 {
			t.Fatalf("read back version 3: %v", err)
		}
		code, out, errOut := ledgerctl(t, "verify", "--eventstore", srv.ConnString())
		want := fmt.Sprintf("FAILED at position %v (stream rectification-1 version 3): prev_hash", stored[0].Position)
		if code != exitFail || !strings.Contains(out, want) {
			t.Errorf("verify = %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, exitFail, want)
		}
	})
}

// quietPebble keeps Pebble's routine messages out of the test output.
type quietPebble struct{}

func (quietPebble) Infof(string, ...any)              {}
func (quietPebble) Errorf(string, ...any)             {}
func (quietPebble) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
