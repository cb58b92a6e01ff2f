// Package metered wraps an eventlog.Store so its appends are measured for
// Prometheus: latency by outcome and events appended. Reads and
// subscriptions pass through unmeasured.
package metered

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/eventlog"
)

// The outcomes of an append, the "outcome" label.
const (
	OK       = "ok"       // appended (or an idempotent retry answered)
	Conflict = "conflict" // the expected version did not match
	Error    = "error"    // anything else
)

// Store is an eventlog.Store whose appends are measured.
type Store struct {
	eventlog.Store
	duration *prometheus.HistogramVec
	events   prometheus.Counter
}

// header is the optional interface the projector asks the log for (its
// lag); New keeps it when the wrapped store has it.
type header interface {
	Head() (eventlog.Position, error)
}

// headStore is a Store over a log that can tell its head.
type headStore struct{ *Store }

func (s headStore) Head() (eventlog.Position, error) { return s.Store.Store.(header).Head() }

// New wraps inner and registers the metrics on reg:
// ledger_append_duration_seconds{outcome} and ledger_appended_events_total.
// The result has a Head method if inner has one.
func New(inner eventlog.Store, reg prometheus.Registerer) (eventlog.Store, error) {
	s := &Store{
		Store: inner,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ledger_append_duration_seconds",
			Help: "Appends to the event log by outcome (ok, conflict, error), with their latency.",
			// 0.25 ms to about 4 s: group commits of the embedded log to
			// round trips to KurrentDB under load.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 15),
		}, []string{"outcome"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ledger_appended_events_total",
			Help: "Events appended to the event log (idempotent retries not counted again).",
		}),
	}
	for _, o := range []string{OK, Conflict, Error} {
		s.duration.WithLabelValues(o) // present at 0 before the first append
	}
	if err := reg.Register(s.duration); err != nil {
		return nil, err
	}
	if err := reg.Register(s.events); err != nil {
		reg.Unregister(s.duration)
		return nil, err
	}
	if _, ok := inner.(header); ok {
		return headStore{s}, nil
	}
	return s, nil
}

// Append appends through the wrapped store and observes its latency
// under its outcome.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, error) {
	start := time.Now()
	res, err := s.Store.Append(ctx, stream, expected, events)
	s.duration.WithLabelValues(outcome(err)).Observe(time.Since(start).Seconds())
	if err == nil && !res.Duplicate {
		s.events.Add(float64(len(events)))
	}
	return res, err
}

func outcome(err error) string {
	var conflict *eventlog.ConflictError
	switch {
	case err == nil:
		return OK
	case errors.As(err, &conflict):
		return Conflict
	}
	return Error
}

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() eventlog.Store { return s.Store }
