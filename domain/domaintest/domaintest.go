// Package domaintest holds the checks that the tests of every event family
// share: what a decision should give, how its codecs round-trip, and how
// its enumerations read and write text. It is imported only by tests.
package domaintest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/cxzy/ledger/domain"
)

// Outcome is what a decision in a table test should give: an event of a
// type, a validation error on a field, a transition error, or a sentinel.
// Build one with Emits, Invalid, Refused or Fails.
type Outcome struct {
	event      string
	field      string
	transition bool
	refusal    *domain.TransitionError // Entity, ID and From wanted, if set
	sentinel   error
}

// Emits wants exactly one event of the type and no error.
func Emits(eventType string) Outcome { return Outcome{event: eventType} }

// Invalid wants a *domain.ValidationError on the field.
func Invalid(field string) Outcome { return Outcome{field: field} }

// Refused wants a *domain.TransitionError.
func Refused() Outcome { return Outcome{transition: true} }

// RefusedIn wants a *domain.TransitionError that names the entity, its id
// and the state it was in.
func RefusedIn(entity, id, from string) Outcome {
	return Outcome{transition: true, refusal: &domain.TransitionError{Entity: entity, ID: id, From: from}}
}

// Fails wants an error that is err (errors.Is).
func Fails(err error) Outcome { return Outcome{sentinel: err} }

// Check fails the test unless a decision's result is the wanted outcome.
// A decision that fails must return no events with its error.
func Check(tb testing.TB, got []domain.Event, err error, want Outcome) {
	tb.Helper()
	switch {
	case want.event != "":
		if err != nil {
			tb.Fatalf("got error %v, want event %s", err, want.event)
		}
		if len(got) != 1 || got[0].EventType() != want.event {
			tb.Fatalf("got events %v, want one %s", got, want.event)
		}
	case want.field != "":
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			tb.Fatalf("got %v (events %v), want a validation error on %s", err, got, want.field)
		}
		if ve.Field != want.field {
			tb.Fatalf("got validation error on %q (%v), want on %q", ve.Field, err, want.field)
		}
	case want.transition:
		var te *domain.TransitionError
		if !errors.As(err, &te) {
			tb.Fatalf("got %v (events %v), want a transition error", err, got)
		}
		if r := want.refusal; r != nil && (te.Entity != r.Entity || te.ID != r.ID || te.From != r.From) {
			tb.Errorf("got TransitionError %+v, want from %s entity %s id %s", te, r.From, r.Entity, r.ID)
		}
	case want.sentinel != nil:
		if !errors.Is(err, want.sentinel) {
			tb.Fatalf("got %v (events %v), want %v", err, got, want.sentinel)
		}
	}
	if err != nil && len(got) != 0 {
		tb.Fatalf("got events %v together with error %v", got, err)
	}
}

// MustEvents fails the test if a decision that builds history fails.
// It is curried so a decision's two results can be passed straight in:
// MustEvents(t)(u.Rename(cmd, meta)).
func MustEvents(tb testing.TB) func([]domain.Event, error) []domain.Event {
	return func(events []domain.Event, err error) []domain.Event {
		tb.Helper()
		if err != nil {
			tb.Fatalf("building history: %v", err)
		}
		return events
	}
}

// CheckCodecs round-trips every sample through its codec, checks that the
// samples cover the codecs one to one, that every sample says its unit in
// scope and carries its business time, and that a newer schema version is
// refused with a *domain.UnknownSchemaError naming the type and versions.
func CheckCodecs(t *testing.T, codecs []domain.Codec, samples []domain.Event) {
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
	if len(samples) != len(byType) {
		t.Errorf("got %d samples for %d codecs, want one each", len(samples), len(byType))
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
			if !errors.As(err, &use) || use.Version != 2 || use.Known != 1 || use.Type != typ {
				t.Errorf("decode at version 2: got %v, want *domain.UnknownSchemaError for %s v2 (knows v1)", err, typ)
			}
		})
	}
	for typ := range byType {
		if !seen[typ] {
			t.Errorf("codec %s has no round-trip sample", typ)
		}
	}
}

// Enum is what CheckEnum needs of an enumeration value.
type Enum interface {
	String() string
	MarshalText() ([]byte, error)
}

// CheckEnum checks that parse reads each of names, and that the value it
// gives writes (String, MarshalText) the same name back; and that parse
// refuses each of bad.
func CheckEnum[T Enum](tb testing.TB, parse func(string) (T, error), names []string, bad ...string) {
	tb.Helper()
	for _, s := range names {
		v, err := parse(s)
		if err != nil {
			tb.Fatalf("parse %q: %v", s, err)
		}
		b, err := v.MarshalText()
		if err != nil || string(b) != s || v.String() != s {
			tb.Errorf("got %q, %v, %q; want %q", b, err, v.String(), s)
		}
	}
	for _, s := range bad {
		if _, err := parse(s); err == nil {
			tb.Errorf("parse %q: got no error, want one", s)
		}
	}
}

// Foreign is an event no aggregate knows, as if from a later build; Apply
// must ignore it.
type Foreign struct{}

// EventType is a name no family registers.
func (Foreign) EventType() string { return "foreign.happened" }
