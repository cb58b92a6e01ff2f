package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cxzy/ledger/eventlog"
)

// An event's stored form is a flat binary record rather than JSON: reading
// the log back (projection rebuilds, verification, subscriptions) spends
// most of its time decoding envelopes, and JSON made it validate every
// payload byte again. The payload itself is kept byte for byte as written,
// so the hash still covers exactly what is stored.
//
//	byte     record version (1)
//	uvarint  length, then bytes: id, type, stream, actor, unit, command_id,
//	         correlation_id, causation_id
//	uvarint  version, schema_version
//	varint   occurred_at, recorded_at (Unix nanoseconds; MinInt64 for none)
//	32 bytes prev_hash, 32 bytes hash
//	rest     payload (JSON, as written)
const recordVersion = 1

// encode gives an event's stored form.
func encode(stream string, e eventlog.Event) ([]byte, error) {
	if !e.OccurredAt.IsZero() && (e.OccurredAt.Year() < 1678 || e.OccurredAt.Year() > 2261) ||
		!e.RecordedAt.IsZero() && (e.RecordedAt.Year() < 1678 || e.RecordedAt.Year() > 2261) {
		return nil, errors.New("time outside the years 1678..2261")
	}
	b := make([]byte, 0, 192+len(e.Payload))
	b = append(b, recordVersion)
	for _, f := range []string{e.ID, e.Type, stream, e.Actor, e.Unit, e.CommandID, e.CorrelationID, e.CausationID} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = binary.AppendUvarint(b, e.Version)
	b = binary.AppendUvarint(b, uint64(e.SchemaVersion))
	b = binary.AppendVarint(b, unixNano(e.OccurredAt))
	b = binary.AppendVarint(b, unixNano(e.RecordedAt))
	b = append(b, e.PrevHash[:]...)
	b = append(b, e.Hash[:]...)
	return append(b, e.Payload...), nil
}

// decode reads a stored event back; pos is its key.
func decode(pos uint64, data []byte) (eventlog.Event, error) {
	e := eventlog.Event{Position: eventlog.Position{Commit: pos, Prepare: pos}}
	r := reader{b: data}
	if v := r.byte(); v != recordVersion {
		return e, fmt.Errorf("position %d: unknown record version %d", pos, v)
	}
	for _, f := range []*string{&e.ID, &e.Type, &e.Stream, &e.Actor, &e.Unit, &e.CommandID, &e.CorrelationID, &e.CausationID} {
		*f = r.string()
	}
	e.Version = r.uvarint()
	e.SchemaVersion = int(r.uvarint())
	e.OccurredAt = fromUnixNano(r.varint())
	e.RecordedAt = fromUnixNano(r.varint())
	copy(e.PrevHash[:], r.bytes(len(e.PrevHash)))
	copy(e.Hash[:], r.bytes(len(e.Hash)))
	if r.err != nil {
		return e, fmt.Errorf("position %d: undecodable event: %w", pos, r.err)
	}
	e.Payload = append([]byte(nil), r.b...)
	return e, nil
}

// noTime stands for the zero time.Time, which UnixNano cannot express.
const noTime = math.MinInt64

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == noTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// reader takes fields off the front of a record; the first error sticks.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("record cut short")

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errShort
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errShort
		return ""
	}
	return string(r.bytes(int(n)))
}
