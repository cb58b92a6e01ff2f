package embedded_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"

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

// editStore changes the store behind the ledger's back, as someone with
// the storage engine's own tools could: Pebble keeps its checksums right,
// so only the ledger's hashes can tell.
func key(p uint64) []byte { return []byte{0, 0, 0, 0, 0, 0, 0, byte(p)} }

func editStore(t *testing.T, dir string, edit func(db *pebble.DB) error) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := edit(db); err != nil {
		t.Fatal(err)
	}
}

type quiet struct{}

func (quiet) Infof(string, ...any)           {}
func (quiet) Errorf(string, ...any)          {}
func (q quiet) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

func eventKey(p uint64) []byte { return append([]byte{'e'}, key(p)...) }
func chainKey(p uint64) []byte { return append([]byte{'g'}, key(p)...) }

func value(t *testing.T, db *pebble.DB, k []byte) []byte {
	t.Helper()
	v, closer, err := db.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	return bytes.Clone(v)
}

// flipTableByte flips one bit in the first data block of the store's table
// file (a cleanly closed store keeps every event in table files).
func flipTableByte(t *testing.T, dir string) {
	t.Helper()
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(tables) != 1 {
		t.Fatalf("want one table file, got %v (%v)", tables, err)
	}
	raw, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	raw[40] ^= 1
	if err := os.WriteFile(tables[0], raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   uint64 // first bad position; 0 for a clean log
	}{
		{"one byte flipped in a table file on disk", func(t *testing.T, dir string) {
			// The bytes of event 1 sit early in the first data block; the
			// block checksum catches the flip, and verify names the first
			// position it could not read.
			flipTableByte(t, dir)
		}, 1},
		{"untouched", func(*testing.T, string) {}, 0},
		{"one byte of a stored event changed", func(t *testing.T, dir string) {
			editStore(t, dir, func(db *pebble.DB) error {
				v := value(t, db, eventKey(16))
				i := bytes.Index(v, []byte("tamper-07"))
				v[i+len("tamper-0")] = '8'
				return db.Set(eventKey(16), v, pebble.Sync)
			})
		}, 16},
		{"event dropped", func(t *testing.T, dir string) {
			editStore(t, dir, func(db *pebble.DB) error { return db.Delete(eventKey(9), pebble.Sync) })
		}, 10},
		{"event and its chain link dropped", func(t *testing.T, dir string) {
			editStore(t, dir, func(db *pebble.DB) error {
				if err := db.Delete(chainKey(9), pebble.Sync); err != nil {
					return err
				}
				return db.Delete(eventKey(9), pebble.Sync)
			})
		}, 10},
		{"last event dropped", func(t *testing.T, dir string) {
			editStore(t, dir, func(db *pebble.DB) error { return db.Delete(eventKey(30), pebble.Sync) })
		}, 30},
		{"two events swapped", func(t *testing.T, dir string) {
			editStore(t, dir, func(db *pebble.DB) error {
				a, b := value(t, db, eventKey(5)), value(t, db, eventKey(12))
				if err := db.Set(eventKey(5), b, pebble.Sync); err != nil {
					return err
				}
				return db.Set(eventKey(12), a, pebble.Sync)
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
