package projections_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// wantDiff is a difference reconcile must report: a figure whose name
// holds every string of names, ClickHouse minus the log being delta.
type wantDiff struct {
	names []string
	delta int64
}

func checkDiffs(t *testing.T, diffs []projections.Difference, wants []wantDiff) {
	t.Helper()
	for _, w := range wants {
		found := false
		for _, d := range diffs {
			matches := d.ClickHouse-d.Log == w.delta
			for _, n := range w.names {
				matches = matches && strings.Contains(d.Figure, n)
			}
			found = found || matches
		}
		if !found {
			t.Errorf("got differences %v, want one naming %q with ClickHouse - log = %d", diffs, w.names, w.delta)
		}
	}
}

func reconcileAll(t *testing.T, conn driver.Conn, db string, log eventlog.Store, models []projections.Model) []projections.Difference {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, diffs, err := projections.Reconcile(ctx, conn, db, log, catalog.New(), models, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no figures reconciled")
	}
	return diffs
}

// TestReconcileNamesAWrongRow projects the demo district, writes one wrong
// row into a read-model table behind the projector's back, and requires
// reconcile to name it: the row's entity with the wrong value, and the
// value the log says.
func TestReconcileNamesAWrongRow(t *testing.T) {
	log := seeded(t, 3000)
	loc := rectShanghai
	type row struct {
		id, state, quarter string
		deadline           time.Time
	}
	tests := []struct {
		name  string
		table string
		// change returns the columns to change in the chosen row, whether
		// the copy replaces it (a higher version), and the differences
		// reconcile must report.
		change func(r row) (set map[string]any, replace bool, wants []wantDiff)
	}{
		{"a rectification whose deadline differs", "rectifications", func(r row) (map[string]any, bool, []wantDiff) {
			later := r.deadline.AddDate(0, 0, 1)
			return map[string]any{"deadline": later}, true, []wantDiff{
				{[]string{"rectifications.item{id=" + r.id + ",", "deadline=" + later.Format("2006-01-02") + "}"}, +1},
				{[]string{"rectifications.item{id=" + r.id + ",", "deadline=" + r.deadline.Format("2006-01-02") + "}"}, -1},
			}
		}},
		{"a rectification whose state differs", "rectifications", func(r row) (map[string]any, bool, []wantDiff) {
			other := "accepted"
			if r.state == other {
				other = "in_progress"
			}
			return map[string]any{"state": other}, true, []wantDiff{
				{[]string{"rectifications.item{id=" + r.id + ",state=" + other + ","}, +1},
				{[]string{"rectifications.item{id=" + r.id + ",state=" + r.state + ","}, -1},
			}
		}},
		{"a rectification whose deadline was written as 9999-12-31 (ClickHouse reads 2105-01-05)", "rectifications", func(r row) (map[string]any, bool, []wantDiff) {
			return map[string]any{"deadline": time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, true, []wantDiff{
				{[]string{"rectifications.item{id=" + r.id + ",", "deadline=2105-01-05}"}, +1},
				{[]string{"rectifications.item{id=" + r.id + ","}, -1},
			}
		}},
		{"a rectification whose original deadline was written as 1900-01-02 (ClickHouse reads 2079-06-08)", "rectifications", func(r row) (map[string]any, bool, []wantDiff) {
			return map[string]any{"original_deadline": time.Date(1900, 1, 2, 0, 0, 0, 0, time.UTC)}, true, []wantDiff{
				{[]string{"rectifications.item{id=" + r.id + ",", "original_deadline=2079-06-08,"}, +1},
				{[]string{"rectifications.item{id=" + r.id + ","}, -1},
			}
		}},
		{"a pledge whose state differs", "pledges", func(r row) (map[string]any, bool, []wantDiff) {
			other := "fulfilled"
			if r.state == other {
				other = "lapsed"
			}
			return map[string]any{"state": other}, true, []wantDiff{
				{[]string{"pledges.item{id=" + r.id + ",state=" + other + ",quarter=" + r.quarter + "}"}, +1},
				{[]string{"pledges.item{id=" + r.id + ",state=" + r.state + ",quarter=" + r.quarter + "}"}, -1},
			}
		}},
		{"a pledge whose quarter differs", "pledges", func(r row) (map[string]any, bool, []wantDiff) {
			return map[string]any{"quarter": "2011Q1"}, true, []wantDiff{
				{[]string{"pledges.item{id=" + r.id + ",state=" + r.state + ",quarter=2011Q1}"}, +1},
				{[]string{"pledges.item{id=" + r.id + ",state=" + r.state + ",quarter=" + r.quarter + "}"}, -1},
			}
		}},
		{"a pledge counted twice (its row copied under another id)", "pledges", func(r row) (map[string]any, bool, []wantDiff) {
			return map[string]any{"id": "copy-of-" + r.id}, false, []wantDiff{
				{[]string{"pledges.item{id=copy-of-" + r.id + ",state=" + r.state + ",quarter=" + r.quarter + "}"}, +1},
				{[]string{"pledges.count{state=" + r.state + ",quarter=" + r.quarter + ","}, +1},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, db := chtest.Open(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			models := func() []projections.Model { return projections.All(log, catalog.New(), loc) }
			if _, err := projections.NewProjector(conn, db, log, catalog.New(), models()).CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			if diffs := reconcileAll(t, conn, db, log, models()); len(diffs) > 0 {
				t.Fatalf("before the wrong row: differences %v", diffs)
			}
			var r row
			query := "SELECT id, state, quarter, toDate('1970-01-01') FROM " + db + ".pledges FINAL ORDER BY id LIMIT 1"
			if tt.table == "rectifications" {
				query = "SELECT id, state, '', deadline FROM " + db + ".rectifications FINAL ORDER BY id LIMIT 1"
			}
			if err := conn.QueryRow(ctx, query).Scan(&r.id, &r.state, &r.quarter, &r.deadline); err != nil {
				t.Fatalf("the demo has no %s: %v", tt.table, err)
			}
			set, replace, wants := tt.change(r)
			chtest.CopyRow(t, conn, db, tt.table, "id = ?", []any{r.id}, set, replace)
			diffs := reconcileAll(t, conn, db, log, models())
			checkDiffs(t, diffs, wants)
		})
	}
}

// TestReconcileWrappedDeadline: items whose deadlines ClickHouse 18.16
// cannot hold in a Date (after 2105, before 1970) are projected as the
// projector writes them, and reconcile reports each, though every count
// agrees.
func TestReconcileWrappedDeadline(t *testing.T) {
	w := newRectWorld(t)
	w.order("plain", "u1", sh(3, 2), day(2026, 3, 20))
	// The items are recorded as history, without the order's checks of
	// today's write path: reconcile must hold for whatever the log holds.
	for _, it := range []struct {
		id       string
		deadline domain.Date
	}{{"far", day(9999, 12, 31)}, {"early", day(1900, 1, 2)}} {
		w.clock = sh(3, 2)
		_, err := command.Create(w.ctx, w.h, rectification.Stream(it.id), command.Command{ID: "order-" + it.id, Actor: domain.Actor{ID: "boss"}},
			func(meta domain.Meta) ([]domain.Event, error) {
				return []domain.Event{rectification.Ordered{RectificationID: it.id, Unit: "u1", Person: "p-" + it.id,
					Source:      rectification.Source{Kind: rectification.SourceReview, Ref: "remark-1", Item: 1},
					Requirement: "整改 " + it.id, Deadline: it.deadline, OccurredAt: meta.Now}}, nil
			})
		if err != nil {
			t.Fatalf("order %s: %v", it.id, err)
		}
	}
	conn, db := chtest.Open(t)
	models := func() []projections.Model { return []projections.Model{projections.NewRectifications(rectShanghai)} }
	if _, err := projections.NewProjector(conn, db, w.log, catalog.New(), models()).CatchUp(w.ctx); err != nil {
		t.Fatal(err)
	}
	diffs := reconcileAll(t, conn, db, w.log, models())
	checkDiffs(t, diffs, []wantDiff{
		{[]string{"rectifications.item{id=far,state=open,original_deadline=9999-12-31,deadline=9999-12-31}"}, -1},
		{[]string{"rectifications.item{id=far,state=open,original_deadline=2105-01-05,deadline=2105-01-05}"}, +1},
		{[]string{"rectifications.item{id=early,state=open,original_deadline=1900-01-02,deadline=1900-01-02}"}, -1},
		{[]string{"rectifications.item{id=early,state=open,original_deadline=2079-06-08,deadline=2079-06-08}"}, +1},
	})
	for _, d := range diffs {
		if !strings.Contains(d.Figure, "id=far,") && !strings.Contains(d.Figure, "id=early,") {
			t.Errorf("difference %s: log %d, ClickHouse %d; want only the two wrapped items", d.Figure, d.Log, d.ClickHouse)
		}
	}
	if len(diffs) != 4 {
		t.Errorf("got %d differences %v, want 4 (each wrapped item as the log has it and as ClickHouse read it)", len(diffs), diffs)
	}
}
