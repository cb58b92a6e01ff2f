// Package domain holds what every part of the campaign model shares: the
// event and aggregate contracts, command metadata, periods and the errors a
// decision can return. The event families live in sub-packages (pledge,
// rectification, ...); none of them does I/O.
package domain

import (
	"encoding/json"
	"time"
)

// Event is the payload of one recorded fact. Its EventType is the stable
// name stored in the log ("pledge.submitted"); it never changes once an
// event of that type has been recorded.
type Event interface {
	EventType() string
}

// Scoped is implemented by events that concern one unit. The write path
// records that unit in the envelope ("unit in scope"), so audit queries by
// unit subtree need not decode payloads.
type Scoped interface {
	ScopeUnit() string
}

// Aggregate is a consistency boundary rebuilt from its own stream. Apply
// must accept every event that was ever recorded for it: history is never
// rejected, so Apply has no error.
type Aggregate interface {
	Apply(e Event)
}

// Actor is the authenticated principal a command is decided for. The
// domain uses it for separation-of-duty rules (a requester may not grant
// their own extension); authorisation by role and scope happens before a
// command reaches the domain.
type Actor struct {
	ID   string // the token's subject
	Unit string // the unit the actor belongs to, if any
}

// Meta is what a decision may know besides the command itself: who asks and
// when the ledger received it. Decisions never read a clock of their own,
// so they are deterministic and testable.
type Meta struct {
	Actor Actor
	Now   time.Time // ledger clock
	Loc   *time.Location
	// Skew is how far after Now a business time may lie: clients' clocks
	// are a little off, and a form filled in "now" should not be refused
	// for it. Zero allows none.
	Skew time.Duration
}

// Location returns the deployment time zone, Asia/Shanghai by default.
func (m Meta) Location() *time.Location {
	if m.Loc != nil {
		return m.Loc
	}
	return DefaultLocation()
}

// DefaultLocation is the campaign's time zone unless a deployment says
// otherwise. If the zone database is missing, a fixed UTC+8 zone is used:
// China has had no daylight saving since 1991, so the two agree for every
// date the ledger records.
func DefaultLocation() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("Asia/Shanghai", 8*60*60)
	}
	return loc
}

// Codec turns one event type's payload to and from its stored JSON form.
type Codec struct {
	Type          string
	SchemaVersion int
	Decode        func(data []byte, schemaVersion int) (Event, error)
}

// JSONCodec is the codec of a payload type whose stored form is its plain
// JSON encoding at one schema version. Other versions fail clearly, so a
// newer writer's event is never misread by an older reader.
func JSONCodec[T Event](schemaVersion int) Codec {
	var zero T
	return Codec{
		Type:          zero.EventType(),
		SchemaVersion: schemaVersion,
		Decode: func(data []byte, v int) (Event, error) {
			if v != schemaVersion {
				return nil, &UnknownSchemaError{Type: zero.EventType(), Version: v, Known: schemaVersion}
			}
			var e T
			if err := json.Unmarshal(data, &e); err != nil {
				return nil, err
			}
			return e, nil
		},
	}
}
