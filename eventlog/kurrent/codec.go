package kurrent

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/cxzy/ledger/eventlog"
)

// envelope is the part of an eventlog.Event kept in KurrentDB's user
// metadata. Times are written by encoding/json as RFC 3339 with
// nanoseconds and their offset, so they read back as the same instant to
// the nanosecond. ID is kept as written: KurrentDB's own copy of it is a
// UUID and would come back in canonical lowercase.
type envelope struct {
	ID            string        `json:"id"`
	Version       uint64        `json:"version"`
	OccurredAt    time.Time     `json:"occurred_at"`
	RecordedAt    time.Time     `json:"recorded_at"`
	Actor         string        `json:"actor"`
	Unit          string        `json:"unit,omitempty"`
	CommandID     string        `json:"command_id"`
	CorrelationID string        `json:"correlation_id,omitempty"`
	CausationID   string        `json:"causation_id,omitempty"`
	SchemaVersion int           `json:"schema_version"`
	PrevHash      eventlog.Hash `json:"prev_hash"`
	Hash          eventlog.Hash `json:"hash"`
}

// system reports whether a name belongs to KurrentDB itself.
func system(name string) bool { return strings.HasPrefix(name, "$") }

func encode(stream string, expected eventlog.Expected, events []eventlog.Event) ([]esdb.EventData, error) {
	switch {
	case stream == "":
		return nil, errors.New("empty stream name")
	case system(stream):
		return nil, fmt.Errorf("stream name %q starts with $, which KurrentDB keeps for itself", stream)
	case expected.Kind < eventlog.ExpectAny || expected.Kind > eventlog.ExpectExact:
		return nil, errors.New("invalid expected version")
	case len(events) == 0:
		return nil, errors.New("no events")
	}
	out := make([]esdb.EventData, len(events))
	first := events[0].Version
	for i, e := range events {
		id, err := uuid.Parse(e.ID)
		switch {
		case err != nil:
			return nil, fmt.Errorf("event %d: id %q is not a UUID: %w", i, e.ID, err)
		case e.Type == "" || system(e.Type):
			return nil, fmt.Errorf("event %d: type %q is empty or starts with $", i, e.Type)
		case !json.Valid(e.Payload):
			return nil, fmt.Errorf("event %d: payload is not valid JSON", i)
		case e.Stream != "" && e.Stream != stream:
			return nil, fmt.Errorf("event %d belongs to stream %s", i, e.Stream)
		case (first == 0) != (e.Version == 0) || (first != 0 && e.Version != first+uint64(i)):
			return nil, fmt.Errorf("event %d: version %d does not follow event 0's %d", i, e.Version, first)
		}
		meta, err := json.Marshal(envelope{
			ID: e.ID, Version: e.Version, OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt,
			Actor: e.Actor, Unit: e.Unit, CommandID: e.CommandID, CorrelationID: e.CorrelationID,
			CausationID: e.CausationID, SchemaVersion: e.SchemaVersion, PrevHash: e.PrevHash, Hash: e.Hash,
		})
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		out[i] = esdb.EventData{EventID: id, EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: e.Payload, Metadata: meta}
	}
	return out, nil
}

// decode rebuilds an event from what KurrentDB recorded. The version is
// the event's revision plus one, whatever the metadata says.
func decode(r *esdb.RecordedEvent) (eventlog.Event, error) {
	var env envelope
	if err := json.Unmarshal(r.UserMetadata, &env); err != nil {
		return eventlog.Event{}, fmt.Errorf("event %s@%d (%s): metadata is not a ledger envelope: %w", r.StreamID, r.EventNumber, r.EventType, err)
	}
	id := env.ID
	if id == "" {
		id = r.EventID.String()
	}
	return eventlog.Event{
		ID:            id,
		Type:          r.EventType,
		Stream:        r.StreamID,
		Version:       r.EventNumber + 1,
		Position:      eventlog.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare},
		OccurredAt:    env.OccurredAt,
		RecordedAt:    env.RecordedAt,
		Actor:         env.Actor,
		Unit:          env.Unit,
		CommandID:     env.CommandID,
		CorrelationID: env.CorrelationID,
		CausationID:   env.CausationID,
		SchemaVersion: env.SchemaVersion,
		Payload:       json.RawMessage(r.Data),
		PrevHash:      env.PrevHash,
		Hash:          env.Hash,
	}, nil
}

// revision maps an eventlog expectation onto KurrentDB's.
func revision(e eventlog.Expected) esdb.ExpectedRevision {
	switch e.Kind {
	case eventlog.ExpectNoStream:
		return esdb.NoStream{}
	case eventlog.ExpectExists:
		return esdb.StreamExists{}
	case eventlog.ExpectExact:
		if e.Version == 0 {
			return esdb.NoStream{}
		}
		return esdb.Revision(e.Version - 1)
	}
	return esdb.Any{}
}
