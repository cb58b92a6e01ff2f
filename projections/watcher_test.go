package projections_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// tickAll runs one Tick of every watcher at the same time and returns the
// total marked.
func tickAll(t *testing.T, now time.Time, ws ...*projections.Watcher) int {
	t.Helper()
	var wg sync.WaitGroup
	marked := make([]int, len(ws))
	errs := make([]error, len(ws))
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			marked[i], errs[i] = w.Tick(context.Background(), now)
		}()
	}
	wg.Wait()
	total := 0
	for i := range ws {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		total += marked[i]
	}
	return total
}

func TestWatcherMarksEachMissOnce(t *testing.T) {
	conn, db := chtest.Open(t)
	w := newRectWorld(t)
	// due: due 03-31 and still being worked on.
	w.order("due", "u1", sh(3, 20), day(2026, 3, 31))
	w.do("due", "p-due", sh(3, 21), ack)
	// extended: due 03-25, moved to 04-15 on 03-24.
	w.order("extended", "u1", sh(3, 10), day(2026, 3, 25))
	w.do("extended", "p-extended", sh(3, 24), requestExt)
	w.do("extended", "boss", sh(3, 24), grantExt(day(2026, 4, 15)))
	// closed on time and cancelled: never marked.
	w.order("closed", "u2", sh(3, 20), day(2026, 3, 31))
	w.do("closed", "p-closed", sh(3, 21), ack)
	w.do("closed", "p-closed", sh(3, 30), submit)
	w.do("closed", "boss", sh(3, 30), accept)
	w.order("cancelled", "u2", sh(3, 20), day(2026, 3, 31))
	w.do("cancelled", "boss", sh(3, 22), func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Cancel(rectification.CancelCommand{Reason: "merged"}, m)
	})
	w.project(conn, db, projections.NewRectifications(rectShanghai))

	w1 := projections.NewWatcher(conn, db, w.h, rectShanghai, "deadline-watcher")
	w2 := projections.NewWatcher(conn, db, w.h, rectShanghai, "deadline-watcher")

	// One second before Shanghai midnight nothing is missed.
	w.clock = time.Date(2026, 3, 31, 15, 59, 59, 0, time.UTC)
	if got := tickAll(t, w.clock, w1, w2); got != 0 {
		t.Errorf("at 23:59:59: got %d marked, want 0", got)
	}
	// At midnight "due" is missed: two watchers at once mark it once, and
	// again (the table still lags) nothing more.
	w.clock = time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC)
	if got := tickAll(t, w.clock, w1, w2); got != 1 {
		t.Errorf("at midnight: got %d marked, want 1", got)
	}
	if got := tickAll(t, w.clock, w1, w2); got != 0 {
		t.Errorf("retry: got %d marked, want 0", got)
	}
	w.project(conn, db, projections.NewRectifications(rectShanghai))
	w.clock = time.Date(2026, 4, 15, 15, 59, 59, 0, time.UTC) // 04-15 23:59:59 in Shanghai
	if got := tickAll(t, w.clock, w1); got != 0 {
		t.Errorf("on the extended deadline day: got %d marked, want 0", got)
	}
	w.clock = time.Date(2026, 4, 15, 16, 0, 0, 0, time.UTC)
	if got := tickAll(t, w.clock, w1, w2); got != 1 {
		t.Errorf("extended deadline missed: got %d marked, want 1", got)
	}
	if got := tickAll(t, w.clock.Add(48*time.Hour), w1, w2); got != 0 {
		t.Errorf("two days later: got %d marked, want 0", got)
	}

	// The events: one per item and deadline, by the watcher, under the
	// deterministic command id.
	for id, deadline := range map[string]string{"due": "2026-03-31", "extended": "2026-04-15"} {
		evs, err := w.log.ReadStream(w.ctx, rectification.Stream(id), 0, eventlog.Backwards, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Type == "rectification.deadline_missed" {
				n++
				if e.Actor != "deadline-watcher" || e.CommandID != "deadline-missed:"+id+":"+deadline {
					t.Errorf("%s: got actor %s command %s", id, e.Actor, e.CommandID)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: got %d deadline_missed events, want 1", id, n)
		}
	}

	// A restarted projection counts the escalations.
	w.project(conn, db, projections.NewRectifications(rectShanghai))
	rows := rectAll(t, conn, db, projections.RectificationFilter{Now: w.clock, Loc: rectShanghai})
	for id, want := range map[string]int{"due": 1, "extended": 1, "closed": 0, "cancelled": 0} {
		if got := rows[id].MissedDeadlines; got != want {
			t.Errorf("%s: got %d missed deadlines, want %d", id, got, want)
		}
	}
	sum, err := projections.RectificationSummary(context.Background(), conn, db, projections.RectificationFilter{Now: w.clock, Loc: rectShanghai})
	if err != nil {
		t.Fatal(err)
	}
	if sum.MissedTotal != 2 {
		t.Errorf("got %d escalations, want 2", sum.MissedTotal)
	}
	if figures := rectReconcile(t, conn, db, w.log); figures["rectifications.missed_deadlines"] != 2 {
		t.Errorf("got figures %v, want 2 missed deadlines", figures)
	}
}
