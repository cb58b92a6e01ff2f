package projections_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

var rectShanghai = domain.DefaultLocation()

// rectWorld is a ledger on a hand-moved clock: items are built through the
// domain's decisions and the write path, as in production.
type rectWorld struct {
	t     *testing.T
	ctx   context.Context
	log   *embedded.Store
	h     *command.Handler
	clock time.Time
	n     int
}

func newRectWorld(t *testing.T) *rectWorld {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	t.Cleanup(cancel)
	w := &rectWorld{t: t, ctx: ctx, log: log}
	w.h = command.NewHandler(log, catalog.New(), command.WithClock(func() time.Time { return w.clock }), command.WithLocation(rectShanghai))
	w.clock = time.Date(2025, 11, 1, 9, 0, 0, 0, rectShanghai)
	w.unit("d0", "区委", org.KindDistrict, "", "")
	w.unit("u1", "一街道", org.KindStreet, "d0", "a01")
	w.unit("u2", "二街道", org.KindStreet, "d0", "a02")
	return w
}

func (w *rectWorld) unit(id, name string, kind org.Kind, parent, area string) {
	w.t.Helper()
	var p *org.Unit
	if parent != "" {
		loaded, err := command.Load(w.ctx, w.h, org.UnitStream(parent), &org.Unit{})
		if err != nil {
			w.t.Fatal(err)
		}
		p = loaded
	}
	_, err := command.Create(w.ctx, w.h, org.UnitStream(id), command.Command{ID: "register-" + id, Actor: domain.Actor{ID: "office"}},
		func(meta domain.Meta) ([]domain.Event, error) {
			return org.NewUnit(id, org.RegisterUnit{Name: name, Kind: kind, ParentID: parent, AreaID: area}, p, meta)
		})
	if err != nil {
		w.t.Fatal(err)
	}
}

// sh is 10:00 in Shanghai on a day of 2026.
func sh(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, rectShanghai) }

func day(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func (w *rectWorld) order(id, unit string, at time.Time, deadline domain.Date) {
	w.t.Helper()
	w.clock = at
	_, err := command.Create(w.ctx, w.h, rectification.Stream(id), command.Command{ID: "order-" + id, Actor: domain.Actor{ID: "boss"}},
		func(meta domain.Meta) ([]domain.Event, error) {
			return rectification.Order(id, rectification.OrderCommand{
				Source: rectification.Source{Kind: rectification.SourceReview, Ref: "remark-1", Item: 1},
				Unit:   unit, Person: "p-" + id, Requirement: "整改 " + id, Deadline: deadline,
			}, meta)
		})
	if err != nil {
		w.t.Fatalf("order %s: %v", id, err)
	}
}

// do executes one decision on item id at a moment, as actor.
func (w *rectWorld) do(id, actor string, at time.Time, decide command.Decide[*rectification.Rectification]) {
	w.t.Helper()
	w.entered(id, actor, time.Time{}, at, decide)
}

// entered executes one decision told as made at occurred (zero: at) and
// entered at the ledger's clock at.
func (w *rectWorld) entered(id, actor string, occurred, at time.Time, decide command.Decide[*rectification.Rectification]) {
	w.t.Helper()
	w.clock = at
	w.n++
	_, err := command.Execute(w.ctx, w.h, rectification.Stream(id),
		command.Command{ID: fmt.Sprintf("%s-step-%d", id, w.n), Actor: domain.Actor{ID: actor}, OccurredAt: occurred},
		func() *rectification.Rectification { return &rectification.Rectification{} }, decide)
	if err != nil {
		w.t.Fatalf("%s at %v: %v", id, at, err)
	}
}

var rectProof = []domain.Evidence{{SHA256: strings.Repeat("ab", 32), Name: "scan.pdf", Size: 2048, MediaType: "application/pdf"}}

func ack(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
	return r.Acknowledge(rectification.AcknowledgeCommand{}, m)
}
func submit(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
	return r.Submit(rectification.SubmitCommand{Summary: "done", Evidence: rectProof}, m)
}
func accept(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
	return r.Accept(rectification.AcceptCommand{}, m)
}
func requestExt(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
	return r.RequestExtension(rectification.RequestExtensionCommand{Reasons: "funds", Progress: "half"}, m)
}
func grantExt(to domain.Date) command.Decide[*rectification.Rectification] {
	return func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.GrantExtension(rectification.GrantExtensionCommand{NewDeadline: to}, m)
	}
}

// project catches a fresh projection of model up with the log: a new
// projector on the same database, as after a restart.
func (w *rectWorld) project(conn projections.Conn, db string, m projections.Model) {
	w.t.Helper()
	p := projections.NewProjector(conn, db, w.log, catalog.New(), []projections.Model{m}, projections.WithPageSize(7))
	if _, err := p.CatchUp(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

// fixture writes the items of the colour table.
func (w *rectWorld) fixture() {
	// plain: due 2026-03-31, the day-boundary item.
	w.order("plain", "u1", sh(3, 20), day(2026, 3, 31))
	w.do("plain", "p-plain", sh(3, 21), ack)
	// green and yellow-soon live in area a02.
	w.order("green", "u2", sh(3, 20), day(2026, 4, 10))
	w.order("yellow-soon", "u2", sh(3, 20), day(2026, 4, 4))
	// extended: the original deadline 03-25 passed, but 04-15 was granted before it.
	w.order("extended", "u1", sh(3, 10), day(2026, 3, 25))
	w.do("extended", "p-extended", sh(3, 11), ack)
	w.do("extended", "p-extended", sh(3, 24), requestExt)
	w.do("extended", "boss", sh(3, 24), grantExt(day(2026, 4, 15)))
	// rejected: sent back on 03-27; the deadline 03-28 stays.
	w.order("rejected", "u1", sh(3, 10), day(2026, 3, 28))
	w.do("rejected", "p-rejected", sh(3, 11), ack)
	w.do("rejected", "p-rejected", sh(3, 27), submit)
	w.do("rejected", "boss", sh(3, 27), func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Reject(rectification.RejectCommand{Reason: "not enough"}, m)
	})
	// reopened: closed on time on 03-12, reopened on 03-20 with a new deadline 04-01.
	w.order("reopened", "u1", sh(3, 1), day(2026, 3, 15))
	w.do("reopened", "p-reopened", sh(3, 2), ack)
	w.do("reopened", "p-reopened", sh(3, 10), submit)
	w.do("reopened", "boss", sh(3, 12), accept)
	w.do("reopened", "boss", sh(3, 20), func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Reopen(rectification.ReopenCommand{Reason: "came back", Deadline: day(2026, 4, 1)}, m)
	})
	// on-time: ordered 03-20, closed 03-30, due 03-31.
	w.order("on-time", "u1", sh(3, 20), day(2026, 3, 31))
	w.do("on-time", "p-on-time", sh(3, 21), ack)
	w.do("on-time", "p-on-time", sh(3, 30), submit)
	w.do("on-time", "boss", sh(3, 30), accept)
	// late: ordered 03-10, due 03-20, closed 03-25.
	w.order("late", "u1", sh(3, 10), day(2026, 3, 20))
	w.do("late", "p-late", sh(3, 11), ack)
	w.do("late", "p-late", sh(3, 24), submit)
	w.do("late", "boss", sh(3, 25), accept)
	// cancelled on 03-22.
	w.order("cancelled", "u1", sh(3, 20), day(2026, 3, 31))
	w.do("cancelled", "boss", sh(3, 22), func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Cancel(rectification.CancelCommand{Reason: "merged"}, m)
	})
	// ext-closed: ordered 03-10, due 03-20, extended to 03-28, closed 03-26:
	// late against the original deadline, on time against the granted one.
	w.order("ext-closed", "u1", sh(3, 10), day(2026, 3, 20))
	w.do("ext-closed", "p-ext-closed", sh(3, 11), ack)
	w.do("ext-closed", "p-ext-closed", sh(3, 19), requestExt)
	w.do("ext-closed", "boss", sh(3, 19), grantExt(day(2026, 3, 28)))
	w.do("ext-closed", "p-ext-closed", sh(3, 26), submit)
	w.do("ext-closed", "boss", sh(3, 26), accept)
	// submitted on its deadline day and still waiting.
	w.order("submitted", "u1", sh(3, 20), day(2026, 3, 29))
	w.do("submitted", "p-submitted", sh(3, 21), ack)
	w.do("submitted", "p-submitted", sh(3, 29), submit)
	// Long overdue ones, for the aging buckets.
	w.order("old", "u1", time.Date(2025, 12, 1, 10, 0, 0, 0, rectShanghai), day(2025, 12, 20))
	w.order("m40", "u1", sh(2, 1), day(2026, 2, 20))
	w.do("m40", "p-m40", sh(2, 2), ack)
	w.order("n17", "u1", sh(3, 1), day(2026, 3, 15))
}

func rectAll(t *testing.T, q projections.Querier, db string, f projections.RectificationFilter) map[string]projections.RectificationRow {
	t.Helper()
	f.Limit = 1000
	page, next, err := projections.QueryRectifications(context.Background(), q, db, f)
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Fatalf("got a next cursor for a full page")
	}
	out := map[string]projections.RectificationRow{}
	for _, r := range page {
		out[r.ID] = r
	}
	return out
}

func TestRectificationColours(t *testing.T) {
	conn, db := chtest.Open(t)
	w := newRectWorld(t)
	w.fixture()
	w.project(conn, db, projections.NewRectifications(rectShanghai))

	// 23:59:59 and 00:00:00 in Shanghai on the night of 2026-03-31.
	n1 := time.Date(2026, 3, 31, 15, 59, 59, 0, time.UTC)
	n2 := time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC)
	// The expected values are counted by hand on a calendar.
	table := []struct {
		id            string
		colour1, col2 string
		days1, days2  int
	}{
		{"plain", "yellow", "red", 0, -1},
		{"green", "green", "green", 10, 9},
		{"yellow-soon", "green", "yellow", 4, 3},
		{"extended", "green", "green", 15, 14},
		{"rejected", "red", "red", -3, -4},
		{"reopened", "yellow", "yellow", 1, 0},
		{"on-time", "on_time", "on_time", 0, -1},
		{"late", "late", "late", -11, -12},
		{"cancelled", "none", "none", 0, -1},
		{"ext-closed", "on_time", "on_time", -3, -4},
		{"submitted", "red", "red", -2, -3},
		{"old", "red", "red", -101, -102},
		{"m40", "red", "red", -39, -40},
		{"n17", "red", "red", -16, -17},
	}
	at1 := rectAll(t, conn, db, projections.RectificationFilter{Now: n1, Loc: rectShanghai})
	at2 := rectAll(t, conn, db, projections.RectificationFilter{Now: n2, Loc: rectShanghai})
	if len(at1) != len(table) || len(at2) != len(table) {
		t.Fatalf("got %d and %d items, want %d", len(at1), len(at2), len(table))
	}
	for _, tc := range table {
		t.Run(tc.id, func(t *testing.T) {
			if r := at1[tc.id]; r.Colour != tc.colour1 || r.DaysLeft != tc.days1 {
				t.Errorf("at 23:59:59: got %s %d, want %s %d", r.Colour, r.DaysLeft, tc.colour1, tc.days1)
			}
			if r := at2[tc.id]; r.Colour != tc.col2 || r.DaysLeft != tc.days2 {
				t.Errorf("at 00:00:00: got %s %d, want %s %d", r.Colour, r.DaysLeft, tc.col2, tc.days2)
			}
		})
	}

	// The stored columns of the interesting items.
	type stored struct {
		state                               string
		area                                string
		original, deadline                  domain.Date
		requested, granted, rejections      int
		reopenings, closings                int
		closedOn                            domain.Date
		onTimeOriginal, onTimeCurrent, canc bool
	}
	zero := domain.Date{}
	want := map[string]stored{
		"extended":   {"in_progress", "a01", day(2026, 3, 25), day(2026, 4, 15), 1, 1, 0, 0, 0, zero, false, false, false},
		"rejected":   {"in_progress", "a01", day(2026, 3, 28), day(2026, 3, 28), 0, 0, 1, 0, 0, zero, false, false, false},
		"reopened":   {"in_progress", "a01", day(2026, 3, 15), day(2026, 4, 1), 0, 0, 0, 1, 1, zero, false, false, false},
		"on-time":    {"accepted", "a01", day(2026, 3, 31), day(2026, 3, 31), 0, 0, 0, 0, 1, day(2026, 3, 30), true, true, false},
		"late":       {"accepted", "a01", day(2026, 3, 20), day(2026, 3, 20), 0, 0, 0, 0, 1, day(2026, 3, 25), false, false, false},
		"ext-closed": {"accepted", "a01", day(2026, 3, 20), day(2026, 3, 28), 1, 1, 0, 0, 1, day(2026, 3, 26), false, true, false},
		"cancelled":  {"cancelled", "a01", day(2026, 3, 31), day(2026, 3, 31), 0, 0, 0, 0, 0, zero, false, false, true},
		"green":      {"open", "a02", day(2026, 4, 10), day(2026, 4, 10), 0, 0, 0, 0, 0, zero, false, false, false},
	}
	for id, s := range want {
		r := at2[id]
		got := stored{r.State, r.Area, r.OriginalDeadline, r.Deadline, r.ExtensionsRequested, r.ExtensionsGranted, r.Rejections,
			r.Reopenings, r.Closings, r.ClosedOn, r.OnTimeOriginal, r.OnTimeCurrent, r.Cancelled}
		if got != s {
			t.Errorf("%s: got %+v, want %+v", id, got, s)
		}
		if closed := !r.ClosedAt.IsZero(); closed != (s.state == "accepted") {
			t.Errorf("%s: got closed at %v in state %s", id, r.ClosedAt, s.state)
		}
	}
	if r := at2["on-time"]; !r.ClosedAt.Equal(sh(3, 30)) || r.UnitName != "一街道" || r.UnitKind != "street" || r.SourceKind != "review" {
		t.Errorf("on-time: got closed at %v, unit %s %s, source %s", r.ClosedAt, r.UnitName, r.UnitKind, r.SourceKind)
	}
}

func rectIDs(rows []projections.RectificationRow) string {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return strings.Join(ids, ",")
}

func TestQueryRectificationsFiltersAndPages(t *testing.T) {
	conn, db := chtest.Open(t)
	w := newRectWorld(t)
	w.fixture()
	w.project(conn, db, projections.NewRectifications(rectShanghai))
	n2 := time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC)
	ctx := context.Background()

	pages := func(f projections.RectificationFilter) []string {
		t.Helper()
		var got []string
		for i := 0; ; i++ {
			page, next, err := projections.QueryRectifications(ctx, conn, db, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, rectIDs(page))
			if next == "" || i > 10 {
				return got
			}
			f.After = next
		}
	}
	tests := []struct {
		name string
		f    projections.RectificationFilter
		want []string
	}{
		{"red by deadline, pages of 4", projections.RectificationFilter{Colours: []string{"red"}, Limit: 4},
			[]string{"old,m40,n17,rejected", "submitted,plain"}},
		{"red latest first", projections.RectificationFilter{Colours: []string{"red"}, Sort: "-deadline", Limit: 4},
			[]string{"plain,submitted,rejected,n17", "m40,old"}},
		{"yellow and green in a02", projections.RectificationFilter{Area: "a02", Colours: []string{"yellow", "green"}},
			[]string{"yellow-soon,green"}},
		{"due range", projections.RectificationFilter{DueFrom: day(2026, 3, 28), DueTo: day(2026, 3, 31), Limit: 3},
			[]string{"ext-closed,rejected,submitted", "cancelled,on-time,plain"}},
		{"closed", projections.RectificationFilter{States: []string{"accepted"}, Sort: "id"},
			[]string{"ext-closed,late,on-time"}},
		{"a group's units", projections.RectificationFilter{Units: []string{"u2"}, Sort: "id", Limit: 1},
			[]string{"green", "yellow-soon"}},
		{"a nine-day window", projections.RectificationFilter{Colours: []string{"yellow"}, YellowDays: 9},
			[]string{"reopened,yellow-soon,green"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Now, tc.f.Loc = n2, rectShanghai
			if got := pages(tc.f); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, _, err := projections.QueryRectifications(ctx, conn, db, projections.RectificationFilter{After: "bogus"}); err == nil {
		t.Error("got no error for a bogus cursor")
	}
	if _, _, err := projections.QueryRectifications(ctx, conn, db, projections.RectificationFilter{Colours: []string{"purple"}}); err == nil {
		t.Error("got no error for colour purple")
	}

	got, err := projections.RectificationSummary(ctx, conn, db, projections.RectificationFilter{Now: n2, Loc: rectShanghai})
	if err != nil {
		t.Fatal(err)
	}
	want := projections.RectificationStats{
		Total: 14, Open: 10, Green: 2, Yellow: 2, Red: 6, Accepted: 3, Cancelled: 1,
		Overdue30: 2, Aging: [4]int{3, 1, 1, 1},
		OnTimeOriginal: 1.0 / 3, OnTimeCurrent: 2.0 / 3, MeanDaysToClose: 41.0 / 3,
		Closings: 4, Reopenings: 1, Recurrence: 0.25,
	}
	approx := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !approx(got.OnTimeOriginal, want.OnTimeOriginal) || !approx(got.OnTimeCurrent, want.OnTimeCurrent) ||
		!approx(got.MeanDaysToClose, want.MeanDaysToClose) || !approx(got.Recurrence, want.Recurrence) {
		t.Errorf("got rates %+v, want %+v", got, want)
	}
	got.OnTimeOriginal, got.OnTimeCurrent, got.MeanDaysToClose, got.Recurrence = want.OnTimeOriginal, want.OnTimeCurrent, want.MeanDaysToClose, want.Recurrence
	if got != want {
		t.Errorf("got summary %+v, want %+v", got, want)
	}
	a02, err := projections.RectificationSummary(ctx, conn, db, projections.RectificationFilter{Area: "a02", Now: n2, Loc: rectShanghai})
	if err != nil {
		t.Fatal(err)
	}
	if a02.Total != 2 || a02.Green != 1 || a02.Yellow != 1 || a02.Red != 0 {
		t.Errorf("got a02 %+v, want 2 items, one green, one yellow", a02)
	}
}

// rectExpect folds the whole log into the model's expected figures.
func rectExpect(t *testing.T, log eventlog.Store, r projections.Reconciler) map[string]int64 {
	t.Helper()
	figures := map[string]int64{}
	for _, e := range mustEvents(t, log) {
		r.Expect(e, figures)
	}
	return figures
}

func rectReconcile(t *testing.T, conn projections.Querier, db string, log eventlog.Store) map[string]int64 {
	t.Helper()
	want := rectExpect(t, log, projections.NewRectifications(rectShanghai))
	got, err := projections.NewRectifications(rectShanghai).Actual(context.Background(), conn, db)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %d in ClickHouse, want %d from the log", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: got %d in ClickHouse, want none", k, v)
		}
	}
	return want
}

func TestRectificationsReconcileDemo(t *testing.T) {
	conn, db := chtest.Open(t)
	log := seeded(t, 3000)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	// Small pages and a restart half way exercise the rebuild of items and
	// units from their history.
	first := projections.NewProjector(conn, db, log, catalog.New(), []projections.Model{projections.NewRectifications(rectShanghai)}, projections.WithPageSize(500))
	if _, err := first.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	want := rectReconcile(t, conn, db, log)
	if want["rectifications.total"] == 0 || want["rectifications.missed_deadlines"] == 0 || want["rectifications.reopenings"] == 0 {
		t.Errorf("got figures %v; want a demo with items, misses and reopenings", want)
	}
}

func TestRectificationsRestartMidway(t *testing.T) {
	conn, db := chtest.Open(t)
	log := seeded(t, 3000)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	// A projector that stops every page: each page is projected by a fresh
	// model that has to rebuild from history what it meets.
	all, err := log.ReadAll(ctx, eventlog.Start, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, stop := range []int{len(all) / 3, 2 * len(all) / 3} {
		limited := &rectLimitedLog{Store: log, end: all[stop].Position}
		p := projections.NewProjector(conn, db, limited, catalog.New(), []projections.Model{projections.NewRectifications(rectShanghai)})
		if _, err := p.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	p := projections.NewProjector(conn, db, log, catalog.New(), []projections.Model{projections.NewRectifications(rectShanghai)})
	if _, err := p.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	rectReconcile(t, conn, db, log)
}

// rectLimitedLog is a log that ends at a position, to stop a catch-up
// there.
type rectLimitedLog struct {
	eventlog.Store
	end eventlog.Position
}

func (l *rectLimitedLog) ReadAll(ctx context.Context, after eventlog.Position, limit int) ([]eventlog.Event, error) {
	page, err := l.Store.ReadAll(ctx, after, limit)
	for i, e := range page {
		if l.end.Less(e.Position) {
			return page[:i], err
		}
	}
	return page, err
}

// TestLateEntriesAreFlagged: an acceptance told as made before the
// deadline but entered after it, and an extension request entered after
// the deadline it asks to move, are flagged in the item's row and counted
// in the summary, and reconcile checks the flags (issue 10, row 2).
func TestLateEntriesAreFlagged(t *testing.T) {
	conn, db := chtest.Open(t)
	w := newRectWorld(t)
	// backfilled: due 03-15, accepted "on 03-14" but entered on 03-20.
	w.order("backfilled", "u1", sh(3, 1), day(2026, 3, 15))
	w.do("backfilled", "p-backfilled", sh(3, 2), ack)
	w.do("backfilled", "p-backfilled", sh(3, 10), submit)
	w.entered("backfilled", "boss", sh(3, 14), sh(3, 20), func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Accept(rectification.AcceptCommand{OccurredAt: sh(3, 14)}, m)
	})
	// prompt: the same acceptance entered the day it was made.
	w.order("prompt", "u1", sh(3, 1), day(2026, 3, 15))
	w.do("prompt", "p-prompt", sh(3, 2), ack)
	w.do("prompt", "p-prompt", sh(3, 10), submit)
	w.do("prompt", "boss", sh(3, 14), accept)
	// ext-late: due 03-10, an extension asked for "on 03-09", entered on 03-12.
	w.order("ext-late", "u2", sh(3, 1), day(2026, 3, 10))
	w.do("ext-late", "p-ext-late", sh(3, 2), ack)
	w.entered("ext-late", "p-ext-late", sh(3, 9), sh(3, 12), func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.RequestExtension(rectification.RequestExtensionCommand{Reasons: "funds", Progress: "half", OccurredAt: sh(3, 9)}, m)
	})
	w.project(conn, db, projections.NewRectifications(rectShanghai))

	now := time.Date(2026, 3, 25, 12, 0, 0, 0, rectShanghai)
	rows := rectAll(t, conn, db, projections.RectificationFilter{Now: now, Loc: rectShanghai})
	want := map[string]struct {
		colour     string
		closedLate bool
		extLate    int
	}{
		"backfilled": {"on_time", true, 0},
		"prompt":     {"on_time", false, 0},
		"ext-late":   {"red", false, 1},
	}
	for id, x := range want {
		r := rows[id]
		if r.Colour != x.colour || r.ClosedEnteredLate != x.closedLate || r.ExtensionsEnteredLate != x.extLate {
			t.Errorf("%s: colour %s, closed entered late %v, extensions entered late %d; want %s %v %d",
				id, r.Colour, r.ClosedEnteredLate, r.ExtensionsEnteredLate, x.colour, x.closedLate, x.extLate)
		}
	}
	s, err := projections.RectificationSummary(w.ctx, conn, db, projections.RectificationFilter{Now: now, Loc: rectShanghai})
	if err != nil {
		t.Fatal(err)
	}
	if s.Accepted != 2 || s.ClosedEnteredLate != 1 || s.OnTimeEnteredLate != 1 {
		t.Errorf("summary: %d accepted, %d entered late, %d of them on time; want 2, 1, 1", s.Accepted, s.ClosedEnteredLate, s.OnTimeEnteredLate)
	}
	got := rectReconcile(t, conn, db, w.log)
	if got["rectifications.closed_entered_late"] != 1 || got["rectifications.extensions_entered_late"] != 1 {
		t.Errorf("reconcile figures %v: want one late closing and one late extension request", got)
	}
}
