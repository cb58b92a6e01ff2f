package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cxzy/ledger/eventlog"
)

// The time index lets a reader find a range of recorded_at without reading
// the log from its start, although recorded_at is not in global order: the
// write path reads its clock before it hands an append to the single
// writer, so of two concurrent appends the one that read the clock later
// may commit first, and a clock may step back. Events are stored exactly as
// hashed; the index holds, for every position p, the running maximum
// max(recorded_at of events 1..p), which never decreases, in a key
// 't' runningmax position. The writer also keeps the largest lateness of
// any event, running maximum minus its own recorded_at (normally
// milliseconds; a clock stepped back makes it larger for good).
//
//   - No event at or before p was recorded at or after t if the running
//     maximum at p is before t.
//   - Every event after p was recorded at or after t if the running maximum
//     at p is at or after t + lateness.
//
// Events an older build wrote have no index entries; the index covers the
// positions after the one in "mindexed", and a range that may reach before
// it starts at Start. A store written again by an older build after this
// one would have a gap in the index: do not downgrade past this build.

var _ eventlog.TimeSeeker = (*Store)(nil)

// timeState is the writer's part of the index: a value, copied into a
// batch and back only when the batch commits. Its zero value is not
// "nothing yet": loadTimes makes it.
type timeState struct {
	max  int64 // running maximum of recorded_at, Unix ns (noTime: none yet)
	late int64 // largest running maximum minus recorded_at, ns
}

// add indexes the event at pos and returns its index key.
func (ts *timeState) add(pos uint64, recorded time.Time) []byte {
	r := unixNano(recorded)
	ts.max = max(ts.max, r)
	if r != noTime {
		ts.late = max(ts.late, ts.max-r)
	}
	return timeKey(ts.max, pos)
}

func (ts timeState) save(b *pebble.Batch) error {
	if err := b.Set(keyMaxRec, u64(uint64(ts.max)), nil); err != nil {
		return err
	}
	return b.Set(keyLate, u64(uint64(ts.late)), nil)
}

func loadTimes(r pebble.Reader) (timeState, error) {
	ts := timeState{max: noTime}
	if v, ok, err := get(r, keyMaxRec); err != nil {
		return ts, err
	} else if ok && len(v) == 8 {
		ts.max = int64(binary.BigEndian.Uint64(v))
	}
	if v, ok, err := get(r, keyLate); err != nil {
		return ts, err
	} else if ok && len(v) == 8 {
		ts.late = int64(binary.BigEndian.Uint64(v))
	}
	return ts, nil
}

// timeKey orders by the running maximum, then position; the sign bit is
// flipped so that negative Unix times sort before positive ones.
func timeKey(runningMax int64, pos uint64) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixTime}, uint64(runningMax)^(1<<63))
	return binary.BigEndian.AppendUint64(k, pos)
}

func timeKeyPos(k []byte) uint64 { return binary.BigEndian.Uint64(k[9:]) }

// markIndexed records, the first time a writable store is opened by a
// build that keeps the time index, the last position before it: 0 for a
// new store.
func markIndexed(db *pebble.DB) error {
	if _, ok, err := get(db, keyIndexed); err != nil || ok {
		return err
	}
	var last uint64
	if v, ok, err := get(db, keyLast); err != nil {
		return err
	} else if ok && len(v) == 8 {
		last = binary.BigEndian.Uint64(v)
	}
	return db.Set(keyIndexed, u64(last), pebble.Sync)
}

// TimeRange implements eventlog.TimeSeeker with two seeks in the time
// index, in one consistent view of the store.
func (s *Store) TimeRange(ctx context.Context, from, to time.Time) (start, end eventlog.Position, err error) {
	if err := ctx.Err(); err != nil {
		return start, end, err
	}
	snap := s.db.NewSnapshot()
	defer snap.Close()
	fail := func(err error) (eventlog.Position, eventlog.Position, error) {
		return eventlog.Position{}, eventlog.Position{}, fmt.Errorf("embedded: time range: %w", err)
	}
	var head, indexed uint64
	if v, ok, err := get(snap, keyLast); err != nil {
		return fail(err)
	} else if ok && len(v) == 8 {
		head = binary.BigEndian.Uint64(v)
	}
	v, ok, err := get(snap, keyIndexed)
	if err != nil {
		return fail(err)
	}
	if !ok || len(v) != 8 {
		indexed = head // no writer of this build has opened it
	} else {
		indexed = binary.BigEndian.Uint64(v)
	}
	ts, err := loadTimes(snap)
	if err != nil {
		return fail(err)
	}
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixTime}, UpperBound: []byte{prefixTime + 1}})
	if err != nil {
		return fail(err)
	}
	defer it.Close()
	startAt, endAt := uint64(0), head
	// The last position whose running maximum is before from.
	if !from.IsZero() && indexed == 0 && it.SeekLT(timeKey(unixNano(from), 0)) {
		startAt = min(timeKeyPos(it.Key()), head)
	}
	// The first position whose running maximum is at or after to + the
	// largest lateness; every event from there on was recorded at or after to.
	if !to.IsZero() {
		bound := unixNano(to)
		if bound > math.MaxInt64-ts.late {
			bound = math.MaxInt64
		} else {
			bound += ts.late
		}
		if it.SeekGE(timeKey(bound, 0)) {
			if p := timeKeyPos(it.Key()); p > indexed {
				endAt = min(p-1, head)
			}
		}
	}
	if err := it.Error(); err != nil {
		return fail(err)
	}
	return eventlog.Position{Commit: startAt, Prepare: startAt}, eventlog.Position{Commit: endAt, Prepare: endAt}, nil
}
