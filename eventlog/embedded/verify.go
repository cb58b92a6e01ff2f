package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"github.com/cxzy/ledger/eventlog"
)

// Report sums up a verification that found nothing wrong.
type Report struct {
	Events  uint64
	Streams int
	Last    eventlog.Position
	Chain   eventlog.Hash // the last link of the global chain
}

// Progress is told how many events of how many have been checked.
type Progress func(done, total uint64)

// Verify checks the log in dir without changing it: every event's hash, the
// chain of every stream, the global order (positions 1..N with none
// missing), the global chain, the stream index and every stream's head. It
// returns a *eventlog.VerifyError naming the first bad position.
func Verify(ctx context.Context, dir string, progress Progress) (Report, error) {
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		return Report{}, err
	}
	defer s.Close()
	return s.Verify(ctx, progress)
}

// Verify checks an open store; see the package function Verify. It reads
// one consistent snapshot, so appends may go on meanwhile.
func (s *Store) Verify(ctx context.Context, progress Progress) (Report, error) {
	var rep Report
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		var total uint64
		if b := meta.Get(keyLast); len(b) == 8 {
			total = binary.BigEndian.Uint64(b)
		}
		v := eventlog.NewVerifier(true)
		chain, index := tx.Bucket(bucketChain), tx.Bucket(bucketIndex)
		var link eventlog.Hash
		c := tx.Bucket(bucketEvents).Cursor()
		for k, data := c.First(); k != nil; k, data = c.Next() {
			if len(k) != 8 {
				return &eventlog.VerifyError{Reason: fmt.Sprintf("stray key %x in the events bucket", k)}
			}
			pos := binary.BigEndian.Uint64(k)
			at := eventlog.Position{Commit: pos, Prepare: pos}
			e, err := decode(k, data)
			if err != nil {
				return &eventlog.VerifyError{Position: at, Reason: err.Error()}
			}
			if e.Position != at {
				return &eventlog.VerifyError{Position: at, Stream: e.Stream, Version: e.Version,
					Reason: fmt.Sprintf("stored under position %d but says it is at %v", pos, e.Position)}
			}
			if err := v.Check(&e); err != nil {
				return err
			}
			link = eventlog.GlobalChain(link, pos, e.Hash)
			if got := chain.Get(k); !bytes.Equal(got, link[:]) {
				return &eventlog.VerifyError{Position: at, Stream: e.Stream, Version: e.Version,
					Reason: "global chain link does not match: events were removed, inserted or reordered"}
			}
			if got := index.Get(indexKey(e.Stream, e.Version)); !bytes.Equal(got, k) {
				return &eventlog.VerifyError{Position: at, Stream: e.Stream, Version: e.Version,
					Reason: "the stream index points elsewhere for this version"}
			}
			if progress != nil && pos%10000 == 0 {
				progress(pos, total)
			}
			if pos%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		last := v.Last()
		if last.Commit != total {
			return &eventlog.VerifyError{Position: eventlog.Position{Commit: last.Commit + 1, Prepare: last.Commit + 1},
				Reason: fmt.Sprintf("the log says it holds %d events, but only %d are there", total, last.Commit)}
		}
		if got := meta.Get(keyChain); total > 0 && !bytes.Equal(got, link[:]) {
			return &eventlog.VerifyError{Position: last, Reason: "the recorded end of the global chain does not match the events"}
		}
		if n := uint64(tx.Bucket(bucketIndex).Stats().KeyN); n != total {
			return &eventlog.VerifyError{Position: last, Reason: fmt.Sprintf("the stream index has %d entries for %d events", n, total)}
		}
		heads := v.Heads()
		seen := 0
		err := tx.Bucket(bucketHeads).ForEach(func(k, b []byte) error {
			seen++
			got, want := readHead(b), heads[string(k)]
			if got != want {
				return &eventlog.VerifyError{Position: last, Stream: string(k), Version: got.Version,
					Reason: fmt.Sprintf("stream head says version %d, its events end at version %d", got.Version, want.Version)}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if seen != len(heads) {
			return &eventlog.VerifyError{Position: last, Reason: fmt.Sprintf("%d streams have events but %d have heads", len(heads), seen)}
		}
		if progress != nil {
			progress(total, total)
		}
		rep = Report{Events: v.Count(), Streams: len(heads), Last: last, Chain: link}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("verify %s: %w", filepath.Join(filepath.Dir(s.db.Path()), FileName), err)
	}
	return rep, nil
}
