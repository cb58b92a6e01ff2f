package embedded_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// TestTimeRange appends events whose recorded_at is out of global order
// (as concurrent writers and a clock stepped back make it) and checks that
// every event recorded in [from, to) lies in (start, end] for many ranges,
// that the bounds are tight when the times are in order, and that the
// index survives a reopen.
func TestTimeRange(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	var times []time.Time // by position - 1
	appendAt := func(at time.Time) {
		e := eventlog.Event{ID: fmt.Sprintf("e-%d", len(times)), Type: "t.happened", RecordedAt: at, Actor: "a", Payload: []byte("{}")}
		if _, err := s.Append(ctx, fmt.Sprintf("s-%d", len(times)%7), eventlog.Any(), []eventlog.Event{e}); err != nil {
			t.Fatal(err)
		}
		times = append(times, at.UTC())
	}
	for i := range 300 {
		if i == 200 {
			// Lateness so far is at most 5 s: a range is cut to within a
			// few events of its ends.
			start, end, err := s.TimeRange(ctx, base.Add(100*time.Second), base.Add(110*time.Second))
			if err != nil || start.Commit < 95 || end.Commit > 116 {
				t.Errorf("range of 10 s at 100 s = (%v, %v] %v, want about (100, 110]", start, end, err)
			}
		}
		at := base.Add(time.Duration(i) * time.Second)
		switch {
		case i%10 == 3:
			at = at.Add(-time.Duration(rng.IntN(5000)) * time.Millisecond) // late by up to 5 s
		case i == 200:
			at = at.Add(-time.Minute) // the clock stepped back
		}
		appendAt(at)
	}
	check := func(s *embedded.Store) {
		t.Helper()
		for range 500 {
			from := base.Add(time.Duration(rng.IntN(320)-10) * time.Second)
			to := from.Add(time.Duration(rng.IntN(100)) * time.Second)
			start, end, err := s.TimeRange(ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			for i, at := range times {
				pos := uint64(i + 1)
				if !at.Before(from) && at.Before(to) && (pos <= start.Commit || pos > end.Commit) {
					t.Fatalf("[%v, %v): event %d recorded %v outside (%v, %v]", from, to, pos, at, start, end)
				}
			}
		}
		// Unbounded ends.
		if start, end, err := s.TimeRange(ctx, time.Time{}, time.Time{}); err != nil || !start.IsZero() || end.Commit != uint64(len(times)) {
			t.Errorf("unbounded range = (%v, %v] %v, want (0, %d]", start, end, err, len(times))
		}
	}
	check(s)
	// The clock stepped back by a minute: from then on the end is looser
	// by that minute, for good.
	start, end, err := s.TimeRange(ctx, base.Add(100*time.Second), base.Add(110*time.Second))
	if err != nil || start.Commit < 95 || end.Commit < 165 || end.Commit > 176 {
		t.Errorf("range of 10 s at 100 s after the step = (%v, %v] %v, want about (100, 170]", start, end, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	for i := range 20 {
		appendAt(base.Add(time.Duration(300+i) * time.Second))
	}
	check(s)
}
