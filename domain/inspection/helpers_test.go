package inspection_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
)

// now is the ledger clock of every test decision.
var now = time.Date(2011, 9, 15, 2, 0, 0, 0, time.UTC)

var meta = domain.Meta{Actor: domain.Actor{ID: "office-1", Unit: "u-district"}, Now: now}

// outcome is what a decision in a table test should give: an event of a
// type, a validation error on a field, a transition error, or a sentinel.
type outcome struct {
	event      string
	field      string
	transition bool
	sentinel   error
}

func emits(eventType string) outcome { return outcome{event: eventType} }
func invalid(field string) outcome   { return outcome{field: field} }
func refused() outcome               { return outcome{transition: true} }
func fails(err error) outcome        { return outcome{sentinel: err} }

func check(t *testing.T, got []domain.Event, err error, want outcome) {
	t.Helper()
	switch {
	case want.event != "":
		if err != nil {
			t.Fatalf("got error %v, want event %s", err, want.event)
		}
		if len(got) != 1 || got[0].EventType() != want.event {
			t.Fatalf("got events %v, want one %s", got, want.event)
		}
	case want.field != "":
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v (events %v), want a validation error on %s", err, got, want.field)
		}
		if ve.Field != want.field {
			t.Fatalf("got validation error on %q (%v), want on %q", ve.Field, err, want.field)
		}
	case want.transition:
		var te *domain.TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("got %v (events %v), want a transition error", err, got)
		}
	case want.sentinel != nil:
		if !errors.Is(err, want.sentinel) {
			t.Fatalf("got %v (events %v), want %v", err, got, want.sentinel)
		}
	}
	if err != nil && got != nil {
		t.Fatalf("got events %v together with error %v", got, err)
	}
}

// mustEvents fails the test if a decision that builds history fails.
// It is curried so a decision's two results can be passed straight in:
// mustEvents(t)(u.Rename(cmd, meta)).
func mustEvents(tb testing.TB) func([]domain.Event, error) []domain.Event {
	return func(events []domain.Event, err error) []domain.Event {
		tb.Helper()
		if err != nil {
			tb.Fatalf("building history: %v", err)
		}
		return events
	}
}

// checkCodecs round-trips every sample through its codec, checks that the
// samples cover the codecs one to one, and that a newer schema version is
// refused.
func checkCodecs(t *testing.T, codecs []domain.Codec, samples []domain.Event) {
	t.Helper()
	byType := map[string]domain.Codec{}
	for _, c := range codecs {
		if _, dup := byType[c.Type]; dup {
			t.Errorf("codec %s listed twice", c.Type)
		}
		if c.SchemaVersion != 1 {
			t.Errorf("codec %s: got schema version %d, want 1", c.Type, c.SchemaVersion)
		}
		byType[c.Type] = c
	}
	if _, err := domain.NewRegistry(codecs); err != nil {
		t.Fatalf("registry: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range samples {
		typ := e.EventType()
		seen[typ] = true
		t.Run(typ, func(t *testing.T) {
			c, ok := byType[typ]
			if !ok {
				t.Fatalf("no codec for %s", typ)
			}
			if _, ok := e.(domain.Scoped); !ok {
				t.Errorf("%s does not say its unit in scope", typ)
			}
			if tm, ok := e.(domain.Timed); !ok || tm.OccurredTime().IsZero() {
				t.Errorf("%s does not carry its business time", typ)
			}
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			got, err := c.Decode(data, 1)
			if err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip:\n got %#v\nwant %#v\njson %s", got, e, data)
			}
			_, err = c.Decode(data, 2)
			var use *domain.UnknownSchemaError
			if !errors.As(err, &use) {
				t.Errorf("decode at version 2: got %v, want *domain.UnknownSchemaError", err)
			}
		})
	}
	for typ := range byType {
		if !seen[typ] {
			t.Errorf("codec %s has no round-trip sample", typ)
		}
	}
}

// foreign is an event no aggregate knows; Apply must ignore it.
type foreign struct{}

func (foreign) EventType() string { return "foreign.happened" }
