// Package eventlog is the port to the durable, append-only event log and
// the parts of it that do not depend on an adapter: the event envelope, the
// expected-version rules, the hash chain and its verification.
//
// Two adapters implement Store: embedded (Pebble on local disk, the default)
// and kurrent (KurrentDB/EventStoreDB over gRPC). Both pass the contract
// suite in eventlog/eventlogtest.
package eventlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Position is an event's place in the global order of the whole log.
// KurrentDB names it by a commit and a prepare position (byte offsets in its
// transaction file); the embedded log numbers events 1, 2, 3, ... with no
// gaps and sets Prepare equal to Commit. Positions compare by Commit, then
// Prepare. The zero Position is "before the first event".
type Position struct {
	Commit  uint64 `json:"commit"`
	Prepare uint64 `json:"prepare"`
}

// Start is the position before the first event.
var Start = Position{}

// Less reports whether p comes before o in the global order.
func (p Position) Less(o Position) bool {
	if p.Commit != o.Commit {
		return p.Commit < o.Commit
	}
	return p.Prepare < o.Prepare
}

// IsZero reports whether p is Start.
func (p Position) IsZero() bool { return p == Position{} }

func (p Position) String() string {
	if p.Commit == p.Prepare {
		return fmt.Sprintf("%d", p.Commit)
	}
	return fmt.Sprintf("%d/%d", p.Commit, p.Prepare)
}

// Event is one recorded fact with its envelope. Stream, Version, Position,
// PrevHash and Hash are what the log adds; everything else is told by the
// writer. Payload is the JSON of the domain event; the log never reads it.
type Event struct {
	ID            string          `json:"id"` // UUID, deterministic from CommandID
	Type          string          `json:"type"`
	Stream        string          `json:"stream"`
	Version       uint64          `json:"version"` // 1 for a stream's first event
	Position      Position        `json:"position"`
	OccurredAt    time.Time       `json:"occurred_at"` // business time, as told
	RecordedAt    time.Time       `json:"recorded_at"` // ledger clock
	Actor         string          `json:"actor"`
	Unit          string          `json:"unit,omitempty"` // unit in scope
	CommandID     string          `json:"command_id"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	CausationID   string          `json:"causation_id,omitempty"`
	SchemaVersion int             `json:"schema_version"`
	Payload       json.RawMessage `json:"payload"`
	PrevHash      Hash            `json:"prev_hash"`
	Hash          Hash            `json:"hash"`
}

// ExpectedKind says what an append expects of a stream before it.
type ExpectedKind uint8

const (
	expectInvalid ExpectedKind = iota
	// ExpectAny appends whatever the stream holds.
	ExpectAny
	// ExpectNoStream appends only to a stream with no events.
	ExpectNoStream
	// ExpectExists appends only to a stream with at least one event.
	ExpectExists
	// ExpectExact appends only if the stream's last version is exactly the
	// given one.
	ExpectExact
)

// Expected is the optimistic-concurrency condition of an append. The zero
// value is invalid: a caller has to say what it expects.
type Expected struct {
	Kind    ExpectedKind
	Version uint64 // for ExpectExact; 0 means the same as NoStream
}

// Any, NoStream, StreamExists and Exact build the four conditions.
func Any() Expected           { return Expected{Kind: ExpectAny} }
func NoStream() Expected      { return Expected{Kind: ExpectNoStream} }
func StreamExists() Expected  { return Expected{Kind: ExpectExists} }
func Exact(v uint64) Expected { return Expected{Kind: ExpectExact, Version: v} }

// Check says whether a stream whose last version is current (0: no events)
// meets the condition.
func (e Expected) Check(current uint64) bool {
	switch e.Kind {
	case ExpectAny:
		return true
	case ExpectNoStream:
		return current == 0
	case ExpectExists:
		return current > 0
	case ExpectExact:
		return current == e.Version
	}
	return false
}

func (e Expected) String() string {
	switch e.Kind {
	case ExpectAny:
		return "any"
	case ExpectNoStream:
		return "no stream"
	case ExpectExists:
		return "stream exists"
	case ExpectExact:
		return fmt.Sprintf("version %d", e.Version)
	}
	return "invalid"
}

// AppendResult tells where an append landed. A retried append (same command
// id) returns the result of the first one.
type AppendResult struct {
	Stream       string   `json:"stream"`
	FirstVersion uint64   `json:"first_version"`
	LastVersion  uint64   `json:"last_version"`
	Position     Position `json:"position"` // of the last event appended
	Duplicate    bool     `json:"duplicate,omitempty"`
}

// Direction of a stream read.
type Direction uint8

const (
	Forwards Direction = iota + 1
	Backwards
)

// Store is the port every event-log adapter implements.
//
// Append writes events to one stream atomically: all of them or none. The
// events' Version fields, if set, must be the versions the append gives
// them (the write path sets them to chain hashes); Position is assigned by
// the store. An append is recognised as a retry of an earlier one when its
// first event's ID already stands where it expects to write (the version
// after the expected one; for Any and StreamExists, among the stream's
// recent events): it then appends nothing and returns the first result
// with Duplicate set. This is KurrentDB's idempotency by event ID; since
// event IDs derive from command IDs (EventID), a retried command's append
// is recognised. The write path also finds a command already in a stream's
// history before it decides again.
//
// ReadStream returns up to limit events from version from (inclusive) in
// the given direction; from 0 means the first event forwards or the last
// one backwards. A stream with no events gives ErrStreamNotFound.
//
// ReadAll returns up to limit events after position after, in global order.
//
// Subscribe delivers every event after position after, first those already
// stored, then live ones as they are appended, in global order with no gap
// and no duplicate where the one turns into the other.
type Store interface {
	Append(ctx context.Context, stream string, expected Expected, events []Event) (AppendResult, error)
	ReadStream(ctx context.Context, stream string, from uint64, dir Direction, limit int) ([]Event, error)
	ReadAll(ctx context.Context, after Position, limit int) ([]Event, error)
	Subscribe(ctx context.Context, after Position) (Subscription, error)
	Close() error
}

// TimeSeeker is an optional interface of a Store that can bound a range of
// RecordedAt in the global order without reading the log from its start.
// RecordedAt is not in global order (the writer reads its clock before the
// store orders its append among concurrent ones), so a store has to keep an
// index to answer; the embedded log does (embedded/timeseek.go). The
// KurrentDB adapter does not.
//
// TimeRange returns start and end such that, as the log stands when it
// answers, no event at or before start was recorded at or after from, and
// every event after end was recorded at or after to: every event recorded
// in [from, to) lies in (start, end]. A zero from or to is unbounded (Start,
// or the last position). The bounds may be loose, never too tight.
type TimeSeeker interface {
	TimeRange(ctx context.Context, from, to time.Time) (start, end Position, err error)
}

// Subscription yields events in global order. Next blocks until an event
// arrives, ctx ends, or the subscription fails.
type Subscription interface {
	Next(ctx context.Context) (Event, error)
	Close() error
}

// ErrStreamNotFound is returned when reading a stream that has no events.
var ErrStreamNotFound = errors.New("stream not found")

// ErrClosed is returned by a closed store or subscription.
var ErrClosed = errors.New("event log closed")

// ConflictError is returned when an append's expected version does not
// match the stream. Callers branch on it with errors.As.
type ConflictError struct {
	Stream   string
	Expected Expected
	Actual   uint64 // the stream's last version; 0 if it has none
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("stream %s: expected %s, stream is at version %d", e.Stream, e.Expected, e.Actual)
}
