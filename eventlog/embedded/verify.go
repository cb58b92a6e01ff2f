package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"

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
// one snapshot, so appends may go on meanwhile.
func (s *Store) Verify(ctx context.Context, progress Progress) (Report, error) {
	snap := s.db.NewSnapshot()
	defer snap.Close()
	rep, err := verify(ctx, snap, progress)
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	return rep, nil
}

func verify(ctx context.Context, r pebble.Reader, progress Progress) (Report, error) {
	var total uint64
	if v, _, err := get(r, keyLast); err != nil {
		return Report{}, err
	} else if len(v) == 8 {
		total = binary.BigEndian.Uint64(v)
	}
	v := eventlog.NewVerifier(true)
	var link eventlog.Hash
	err := scan(r, prefixEvent, func(key, data []byte) error {
		at := eventlog.Position{}
		if len(key) != 9 {
			return &eventlog.VerifyError{Position: v.Last(), Reason: fmt.Sprintf("stray key %x among the events", key)}
		}
		pos := binary.BigEndian.Uint64(key[1:])
		at = eventlog.Position{Commit: pos, Prepare: pos}
		e, err := decode(pos, data)
		if err != nil {
			return &eventlog.VerifyError{Position: at, Reason: err.Error()}
		}
		if err := v.Check(&e); err != nil {
			return err
		}
		link = eventlog.GlobalChain(link, pos, e.Hash)
		if got, _, err := get(r, chainKey(pos)); err != nil {
			return err
		} else if !bytes.Equal(got, link[:]) {
			return &eventlog.VerifyError{Position: at, Stream: e.Stream, Version: e.Version,
				Reason: "global chain link does not match: events were removed, inserted or reordered"}
		}
		if got, _, err := get(r, indexKey(e.Stream, e.Version)); err != nil {
			return err
		} else if !bytes.Equal(got, key[1:]) {
			return &eventlog.VerifyError{Position: at, Stream: e.Stream, Version: e.Version,
				Reason: "the stream index points elsewhere for this version"}
		}
		if pos%10000 == 0 {
			if progress != nil {
				progress(pos, total)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	var ve *eventlog.VerifyError
	if err != nil && !errors.As(err, &ve) {
		// The store itself could not read on (a checksum mismatch in a
		// table file): name the first position that could not be checked.
		next := eventlog.Position{Commit: v.Last().Commit + 1, Prepare: v.Last().Commit + 1}
		reason, _, _ := strings.Cut(err.Error(), "\n") // Pebble appends a detail carrier line
		return Report{}, &eventlog.VerifyError{Position: next, Reason: "unreadable: " + reason}
	}
	if err != nil {
		return Report{}, err
	}
	last := v.Last()
	if last.Commit != total {
		next := eventlog.Position{Commit: last.Commit + 1, Prepare: last.Commit + 1}
		return Report{}, &eventlog.VerifyError{Position: next,
			Reason: fmt.Sprintf("the log says it holds %d events, but only %d are there", total, last.Commit)}
	}
	if got, _, err := get(r, keyChain); err != nil {
		return Report{}, err
	} else if total > 0 && !bytes.Equal(got, link[:]) {
		return Report{}, &eventlog.VerifyError{Position: last, Reason: "the recorded end of the global chain does not match the events"}
	}
	var indexed uint64
	if err := scan(r, prefixIndex, func(_, _ []byte) error { indexed++; return nil }); err != nil {
		return Report{}, err
	}
	if indexed != total {
		return Report{}, &eventlog.VerifyError{Position: last, Reason: fmt.Sprintf("the stream index has %d entries for %d events", indexed, total)}
	}
	heads := v.Heads()
	seen := 0
	err = scan(r, prefixHead, func(key, raw []byte) error {
		seen++
		stream := string(key[1:])
		if got, want := readHead(raw), heads[stream]; got != want {
			return &eventlog.VerifyError{Position: last, Stream: stream, Version: got.Version,
				Reason: fmt.Sprintf("stream head says version %d, its events end at version %d", got.Version, want.Version)}
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	if seen != len(heads) {
		return Report{}, &eventlog.VerifyError{Position: last, Reason: fmt.Sprintf("%d streams have events but %d have heads", len(heads), seen)}
	}
	if progress != nil {
		progress(total, total)
	}
	return Report{Events: v.Count(), Streams: len(heads), Last: last, Chain: link}, nil
}

// scan calls fn for every key with the one-byte prefix, in key order.
func scan(r pebble.Reader, prefix byte, fn func(key, value []byte) error) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	return it.Error()
}
