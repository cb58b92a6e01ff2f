package projections

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog"
)

// LateAfter is how long after its business time an event may be recorded
// before the events table flags it as late. A week covers the ordinary
// lag of a clerk entering last week's meeting; anything older is a
// back-dated entry an auditor wants to see.
const LateAfter = 7 * 24 * time.Hour

// Events is the flat table of every event, the one analysts start from:
// `SELECT count() FROM ledger.events` is the number of events in the log.
// It is append-only (one row per event, written once), with the unit's
// area at the time of the event resolved from the unit events before it.
type Events struct {
	units *UnitIndex
	hexed []byte // where rows' hashes are hex-encoded, carved off in turn
}

// NewEvents returns the events model.
func NewEvents() *Events { return &Events{units: NewUnitIndex()} }

var eventsColumns = []string{
	"position", "commit_position", "prepare_position", "id", "stream", "version", "type", "family",
	"occurred_at", "recorded_at", "late", "actor", "unit", "area",
	"command_id", "correlation_id", "causation_id", "schema_version", "payload", "prev_hash", "hash",
}

func (*Events) Name() string { return "events" }

func (*Events) Tables() []Table {
	return []Table{{
		Name: "events", Columns: eventsColumns, AppendOnly: true,
		Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
			position UInt64, commit_position UInt64, prepare_position UInt64,
			id String, stream String, version UInt64, type String, family String,
			occurred_at DateTime, recorded_at DateTime, late UInt8,
			actor String, unit String, area String,
			command_id String, correlation_id String, causation_id String,
			schema_version UInt32, payload String, prev_hash String, hash String
		) ENGINE = MergeTree ORDER BY position`,
	}}
}

func (m *Events) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	if err := m.units.Follow(ctx, e, h); err != nil {
		return err
	}
	area, err := m.units.AreaOf(ctx, h, e.Unit, e.Position)
	if err != nil {
		return err
	}
	out.Add("events",
		e.Seq(), e.Seq(), e.Position.Prepare, e.ID, e.Stream, e.Version, e.Type, catalog.Family(e.Type),
		evTime(e.OccurredAt), evTime(e.RecordedAt), boolUInt8(IsLate(e)), e.Actor, e.Unit, area,
		e.CommandID, e.CorrelationID, e.CausationID, uint32(e.SchemaVersion), e.Payload,
		m.hex(e.PrevHash), m.hex(e.Hash))
	return nil
}

// hex is h.String() as bytes (a String column takes either), encoded into
// a shared buffer rather than a string of its own: rows keep the slices,
// so the buffer is never written twice, only replaced when full.
func (m *Events) hex(h eventlog.Hash) []byte {
	const n = 2 * len(h)
	if len(m.hexed) < n {
		m.hexed = make([]byte, 1024*n)
	}
	out := m.hexed[:n:n]
	hex.Encode(out, h[:])
	m.hexed = m.hexed[n:]
	return out
}

// IsLate reports whether e was recorded more than LateAfter after it
// occurred.
func IsLate(e Event) bool { return e.RecordedAt.Sub(e.OccurredAt) > LateAfter }

// Expect counts the events, by type and by family.
func (*Events) Expect(e Event, figures map[string]int64) {
	figures["events.count"]++
	figures["events.by_type{type="+e.Type+"}"]++
	figures["events.by_family{family="+catalog.Family(e.Type)+"}"]++
}

// Actual reads the same counts from the events table.
func (*Events) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	var n uint64
	if err := q.QueryRow(ctx, "SELECT count() FROM "+db+".events").Scan(&n); err != nil {
		return nil, fmt.Errorf("events: count: %w", err)
	}
	if n > 0 {
		got["events.count"] = int64(n)
	}
	for _, by := range []struct{ figure, column string }{{"events.by_type", "type"}, {"events.by_family", "family"}} {
		err := evCounts(ctx, q, "SELECT "+by.column+", count() FROM "+db+".events GROUP BY "+by.column, func(key string, n uint64) {
			got[by.figure+"{"+by.column+"="+key+"}"] = int64(n)
		})
		if err != nil {
			return nil, fmt.Errorf("events: count by %s: %w", by.column, err)
		}
	}
	return got, nil
}
