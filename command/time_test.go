package command_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// dated is a toy event that carries its business time, as every domain
// event told by a person does.
type dated struct {
	At time.Time `json:"at"`
}

func (dated) EventType() string         { return "test.dated" }
func (d dated) OccurredTime() time.Time { return d.At }

type nothing struct{}

func (*nothing) Apply(domain.Event) {}

func at(t time.Time) command.Decide[*nothing] {
	return func(*nothing, domain.Meta) ([]domain.Event, error) { return []domain.Event{dated{At: t}}, nil }
}

// The ledger clock of these tests.
var ledgerNow = time.Date(2011, 9, 10, 2, 0, 0, 0, time.UTC)

func datedSetup(t *testing.T) (*command.Handler, *embedded.Store) {
	t.Helper()
	return handlerOn(t, domain.JSONCodec[dated](1), command.WithClock(func() time.Time { return ledgerNow }), command.WithSkew(time.Minute))
}

func newNothing() *nothing { return &nothing{} }

// TestBusinessTimeIsMonotonePerStream: an event's occurred_at may not
// precede the latest one of its stream, nor the facts the command names in
// After, nor lie beyond the clock skew in the future; the refusal names
// occurred_at and appends nothing (issue 10, rows 2 and 21).
func TestBusinessTimeIsMonotonePerStream(t *testing.T) {
	first := ledgerNow.Add(-48 * time.Hour)
	tests := []struct {
		name   string
		cmd    command.Command
		at     time.Time
		refuse bool
	}{
		{"same instant as the latest", cmd("c2"), first, false},
		{"later than the latest", cmd("c2"), first.Add(time.Hour), false},
		{"a second before the latest", cmd("c2"), first.Add(-time.Second), true},
		{"within the skew ahead of the clock", cmd("c2"), ledgerNow.Add(59 * time.Second), false},
		{"beyond the skew", cmd("c2"), ledgerNow.Add(61 * time.Second), true},
		{"before a fact it refers to", command.Command{ID: "c2", After: []command.Floor{{At: first.Add(2 * time.Hour), What: "unit u1 was registered"}}}, first.Add(time.Hour), true},
		{"after a fact it refers to", command.Command{ID: "c2", After: []command.Floor{{At: first.Add(2 * time.Hour), What: "unit u1 was registered"}}}, first.Add(3 * time.Hour), false},
		{"a system decision is raised, not refused", command.Command{ID: "c2", System: true}, first.Add(-time.Hour), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, log := datedSetup(t)
			ctx := context.Background()
			if _, err := command.Execute(ctx, h, "s", cmd("c1"), newNothing, at(first)); err != nil {
				t.Fatal(err)
			}
			_, err := command.Execute(ctx, h, "s", tc.cmd, newNothing, at(tc.at))
			var v *domain.ValidationError
			if tc.refuse != (err != nil) || (err != nil && (!errors.As(err, &v) || v.Field != "occurred_at")) {
				t.Fatalf("got %v, want refused=%v naming occurred_at", err, tc.refuse)
			}
			evs, err := log.ReadStream(ctx, "s", 1, eventlog.Forwards, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := 2
			if tc.refuse {
				want = 1
			}
			if len(evs) != want {
				t.Fatalf("got %d events, want %d", len(evs), want)
			}
			if !tc.refuse && evs[1].OccurredAt.Before(evs[0].OccurredAt) {
				t.Errorf("second event occurred at %v, before the first at %v", evs[1].OccurredAt, evs[0].OccurredAt)
			}
		})
	}
}

// TestBusinessTimeRange: a time outside the supported range is refused by
// the write path too, whatever the decision put in it.
func TestBusinessTimeRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"year one", time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)},
		{"1999", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := datedSetup(t)
			_, err := command.Execute(context.Background(), h, "s", cmd("c1"), newNothing, at(tc.at))
			var v *domain.ValidationError
			if !errors.As(err, &v) || v.Field != "occurred_at" {
				t.Fatalf("got %v, want a validation error naming occurred_at", err)
			}
		})
	}
}
