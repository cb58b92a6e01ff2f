package embedded_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

// writeLog fills a fresh log with 30 events in 3 streams, chained as the
// write path chains them, and closes it.
func writeLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	heads := map[string]eventlog.StreamHead{}
	for i := range 15 {
		stream := fmt.Sprintf("s%d", i%3)
		h := heads[stream]
		evs := eventlogtest.NewEvents(fmt.Sprintf("cmd-%d", i), 2)
		eventlog.Chain(stream, h.Version, h.Hash, evs)
		evs[1].Payload = []byte(fmt.Sprintf(`{"marker":"tamper-%02d"}`, i))
		evs[1].Hash = eventlog.ComputeHash(&evs[1])
		if _, err := s.Append(context.Background(), stream, eventlog.Exact(h.Version), evs); err != nil {
			t.Fatal(err)
		}
		heads[stream] = eventlog.StreamHead{Version: evs[1].Version, Hash: evs[1].Hash}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func editBolt(t *testing.T, dir string, edit func(events, chain *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, embedded.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		return edit(tx.Bucket([]byte("events")), tx.Bucket([]byte("chain")))
	}); err != nil {
		t.Fatal(err)
	}
}

func key(p uint64) []byte { return []byte{0, 0, 0, 0, 0, 0, 0, byte(p)} }

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   uint64 // first bad position; 0 for a clean log
	}{
		{"untouched", func(*testing.T, string) {}, 0},
		{"one byte changed on disk", func(t *testing.T, dir string) {
			path := filepath.Join(dir, embedded.FileName)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(raw, []byte("tamper-07"))
			if i < 0 {
				t.Fatal("marker not found in the file")
			}
			raw[i+len("tamper-0")] = '8'
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}, 16},
		{"event dropped", func(t *testing.T, dir string) {
			editBolt(t, dir, func(events, chain *bolt.Bucket) error { return events.Delete(key(9)) })
		}, 10},
		{"event and its chain link dropped", func(t *testing.T, dir string) {
			editBolt(t, dir, func(events, chain *bolt.Bucket) error {
				if err := chain.Delete(key(9)); err != nil {
					return err
				}
				return events.Delete(key(9))
			})
		}, 10},
		{"last event dropped", func(t *testing.T, dir string) {
			editBolt(t, dir, func(events, chain *bolt.Bucket) error { return events.Delete(key(30)) })
		}, 30},
		{"two events swapped", func(t *testing.T, dir string) {
			editBolt(t, dir, func(events, chain *bolt.Bucket) error {
				a := bytes.Clone(events.Get(key(5)))
				b := bytes.Clone(events.Get(key(12)))
				if err := events.Put(key(5), b); err != nil {
					return err
				}
				return events.Put(key(12), a)
			})
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeLog(t)
			tt.tamper(t, dir)
			rep, err := embedded.Verify(context.Background(), dir, nil)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("verify: %v", err)
				}
				if rep.Events != 30 || rep.Streams != 3 {
					t.Errorf("report = %+v, want 30 events in 3 streams", rep)
				}
				return
			}
			var ve *eventlog.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("verify: %v, want a VerifyError", err)
			}
			if ve.Position.Commit != tt.want {
				t.Errorf("first bad position = %v (%v), want %d", ve.Position, err, tt.want)
			}
		})
	}
}
