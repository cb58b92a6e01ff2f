package metered_test

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
	"github.com/cxzy/ledger/eventlog/metered"
)

func open(t *testing.T, reg prometheus.Registerer) (eventlog.Store, *embedded.Store) {
	t.Helper()
	inner, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	s, err := metered.New(inner, reg)
	if err != nil {
		t.Fatal(err)
	}
	return s, inner
}

// TestContract: the wrapped store still keeps the event log's contract.
func TestContract(t *testing.T) {
	eventlogtest.Run(t, func(t *testing.T) eventlog.Store {
		s, _ := open(t, prometheus.NewRegistry())
		return s
	})
}

// appends returns the number of appends observed under outcome and the
// events counted.
func appends(t *testing.T, reg *prometheus.Registry, outcome string) (count uint64, events float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range families {
		switch f.GetName() {
		case "ledger_append_duration_seconds":
			for _, m := range f.GetMetric() {
				if label(m, "outcome") == outcome {
					count, found = m.GetHistogram().GetSampleCount(), true
				}
			}
		case "ledger_appended_events_total":
			events = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if !found {
		t.Fatalf("no ledger_append_duration_seconds{outcome=%q}", outcome)
	}
	return count, events
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestAppendIsMeasured(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, inner := open(t, reg)
	ctx := context.Background()
	for _, o := range []string{metered.OK, metered.Conflict, metered.Error} {
		if n, _ := appends(t, reg, o); n != 0 {
			t.Errorf("%s appends = %d before any", o, n)
		}
	}

	evs := eventlogtest.NewEvents("cmd-1", 3)
	eventlog.Chain("s-1", 0, eventlog.Hash{}, evs)
	if _, err := s.Append(ctx, "s-1", eventlog.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
	if n, events := appends(t, reg, metered.OK); n != 1 || events != 3 {
		t.Errorf("after one append of 3 events: ok = %d, events = %v", n, events)
	}
	// An idempotent retry is an ok append that adds no events.
	if res, err := s.Append(ctx, "s-1", eventlog.NoStream(), evs); err != nil || !res.Duplicate {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if n, events := appends(t, reg, metered.OK); n != 2 || events != 3 {
		t.Errorf("after a retry: ok = %d, events = %v, want 2 and still 3", n, events)
	}

	other := eventlogtest.NewEvents("cmd-2", 1)
	eventlog.Chain("s-1", 0, eventlog.Hash{}, other)
	var conflict *eventlog.ConflictError
	if _, err := s.Append(ctx, "s-1", eventlog.NoStream(), other); !errors.As(err, &conflict) {
		t.Fatalf("append to an existing stream expecting none: %v, want a conflict", err)
	}
	if n, _ := appends(t, reg, metered.Conflict); n != 1 {
		t.Errorf("conflicts = %d, want 1", n)
	}

	inner.Close()
	if _, err := s.Append(ctx, "s-2", eventlog.NoStream(), eventlogtest.NewEvents("cmd-3", 1)); err == nil {
		t.Fatal("append to a closed store succeeded")
	}
	if n, events := appends(t, reg, metered.Error); n != 1 || events != 3 {
		t.Errorf("errors = %d, events = %v, want 1 and 3", n, events)
	}
}

// TestKeepsHead: the projector asks the log for its head (its lag); the
// wrapper keeps that when the wrapped store has it.
func TestKeepsHead(t *testing.T) {
	s, inner := open(t, prometheus.NewRegistry())
	h, ok := s.(interface {
		Head() (eventlog.Position, error)
	})
	if !ok {
		t.Fatal("the wrapped embedded store lost Head")
	}
	got, err := h.Head()
	want, err2 := inner.Head()
	if err != nil || err2 != nil || got != want {
		t.Errorf("Head = %v, %v; want %v, %v", got, err, want, err2)
	}
	if u, ok := s.(interface{ Unwrap() eventlog.Store }); !ok || u.Unwrap() != eventlog.Store(inner) {
		t.Error("Unwrap does not return the wrapped store")
	}
}

func TestRegistersOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	open(t, reg)
	inner, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	if _, err := metered.New(inner, reg); err == nil {
		t.Error("a second wrapper on the same registry registered its metrics twice")
	}
}
