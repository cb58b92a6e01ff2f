package projections_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// ogCovered reads the active coverage from ClickHouse.
func ogCovered(t *testing.T, q projections.Querier, db string) map[string]map[string]string {
	t.Helper()
	rows, err := q.Query(context.Background(), "SELECT group_id, unit_id, via_area FROM "+db+".group_units FINAL WHERE active = 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var g, u, via string
		if err := rows.Scan(&g, &u, &via); err != nil {
			t.Fatal(err)
		}
		if out[g] == nil {
			out[g] = map[string]string{}
		}
		out[g][u] = via
	}
	return out
}

func ogCheckCoverage(t *testing.T, q projections.Querier, db string, d *ogDistrict) map[string]map[string]string {
	t.Helper()
	got := ogCovered(t, q, db)
	for g, units := range d.coverage() {
		for u := range units {
			if _, ok := got[g][u]; !ok {
				t.Errorf("group %s should cover unit %s", g, u)
			}
		}
		for u := range got[g] {
			if !units[u] {
				t.Errorf("group %s covers unit %s, it should not", g, u)
			}
		}
	}
	return got
}

func TestGroupCoverage(t *testing.T) {
	conn, db := chtest.Open(t)
	d := mustOgDistrict(t)
	models := ogModels(d.log)
	ogCatchUp(t, conn, db, d.log, models)
	covered := ogCheckCoverage(t, conn, db, d)
	if len(covered) == 0 {
		t.Fatal("no group covers anything")
	}

	// Move a unit under a parent in an area another group covers, and
	// assign a group a level-1 unit outside its areas: the unit's subtree
	// comes with it.
	units := d.units()
	groupOf := map[string]string{} // unit -> the group covering it via its area
	for g, us := range covered {
		for u, via := range us {
			if via != "" {
				groupOf[u] = g
			}
		}
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range units {
			if !yield(id) {
				return
			}
		}
	})
	var moved, newParent string
	for _, id := range ids {
		u := units[id]
		if u.Kind.Level() != 2 {
			continue
		}
		for _, pid := range ids {
			p := units[pid]
			if p.Kind.Level() == 1 && u.Kind.CanBeChildOf(p.Kind) && groupOf[pid] != "" && groupOf[pid] != groupOf[id] {
				moved, newParent = id, pid
				break
			}
		}
		if moved != "" {
			break
		}
	}
	if moved == "" {
		t.Fatal("the demo has no unit to move into another group's area")
	}
	fromGroup, toGroup, toArea := groupOf[moved], groupOf[newParent], units[newParent].AreaID
	ctx := context.Background()
	h := command.NewHandler(d.log, catalog.New())
	office := domain.Actor{ID: "office-1", Unit: "u0000"}
	moveAt := time.Now().Add(-10 * 24 * time.Hour) // recorded late
	_, err := command.Execute(ctx, h, org.UnitStream(moved), command.Command{ID: "og-move", Actor: office, OccurredAt: moveAt},
		func() *org.Unit { return &org.Unit{} },
		func(u *org.Unit, m domain.Meta) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: newParent, AreaID: toArea, OccurredAt: moveAt}, units[newParent], m)
		})
	if err != nil {
		t.Fatal(err)
	}
	beforeMove := d.events[len(d.events)-1].Position
	d.reread(t)
	ogCatchUp(t, conn, db, d.log, models)

	covered = ogCheckCoverage(t, conn, db, d)
	if _, ok := covered[fromGroup][moved]; ok {
		t.Errorf("group %s still covers unit %s after it moved out of the group's area", fromGroup, moved)
	}
	if via, ok := covered[toGroup][moved]; !ok || via != toArea {
		t.Errorf("group %s covers moved unit %s: %v via %q; want via %s", toGroup, moved, ok, via, toArea)
	}
	if n := ogCount(t, conn, "SELECT count() FROM "+db+".events WHERE late = 1 AND type = 'unit.moved' AND area = ?", toArea); n != 1 {
		t.Errorf("the late move is flagged %d times, want once with the new area", n)
	}
	ogReconcile(t, conn, db, d)

	// The group the unit left is assigned its new parent: the parent's
	// subtree, the moved unit with it, is covered through the unit.
	_, err = command.Execute(ctx, h, inspection.GroupStream(fromGroup), command.Command{ID: "og-assign", Actor: office},
		func() *inspection.Group { return &inspection.Group{} },
		func(g *inspection.Group, m domain.Meta) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{Kind: inspection.TargetUnit, ID: newParent}}, m)
		})
	if err != nil {
		t.Fatal(err)
	}
	// A restart first: fresh models must know every unit of the tree to
	// cover the assignment.
	d.reread(t)
	ogCatchUp(t, conn, db, d.log, ogModels(d.log))
	covered = ogCheckCoverage(t, conn, db, d)
	for _, id := range []string{newParent, moved} {
		if via, ok := covered[fromGroup][id]; !ok || via != "" {
			t.Errorf("group %s assigned unit %s covers %s: %v via %q; want via the unit", fromGroup, newParent, id, ok, via)
		}
		if via, ok := covered[toGroup][id]; !ok || via != toArea {
			t.Errorf("group %s covers unit %s: %v via %q; want via %s", toGroup, id, ok, via, toArea)
		}
	}
	ogReconcile(t, conn, db, d)

	// Redelivery after a restart just before the move: fresh models (the
	// groups model replays the unit tree from the log) write the same
	// rows again; FINAL counts do not change.
	counts := ogGroupCounts(t, conn, db)
	for _, from := range []string{"before the move", "at a third"} {
		pos := beforeMove
		if from == "at a third" {
			pos = d.events[len(d.events)/3].Position
		}
		if err := projections.WriteCheckpoint(ctx, conn, db, "live", pos); err != nil {
			t.Fatal(err)
		}
		fresh := ogModels(d.log)
		ogCatchUp(t, conn, db, d.log, fresh)
		for k, v := range ogGroupCounts(t, conn, db) {
			if counts[k] != v {
				t.Errorf("redelivered from %s: %s = %d, want %d", from, k, v, counts[k])
			}
		}
		ogCheckCoverage(t, conn, db, d)
		ogReconcile(t, conn, db, d)
	}
}

// ogFigureTables are minimal versions of the tables other models write,
// with the columns the group view reads.
var ogFigureTables = []string{
	`CREATE TABLE IF NOT EXISTS %s.pledges (id String, unit String, member String, area String, quarter String, state String,
		category String, fulfilled_at DateTime, lapsed_at DateTime, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
	`CREATE TABLE IF NOT EXISTS %s.reviews (id String, unit String, quarter String, shortcomings UInt32, measures UInt32,
		retracted UInt8, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
	`CREATE TABLE IF NOT EXISTS %s.surveys (id String, unit String, period String, rate Float64, version UInt64)
		ENGINE = ReplacingMergeTree(version) ORDER BY id`,
	`CREATE TABLE IF NOT EXISTS %s.rankings (area String, month String, unit String, score Float64, rank UInt32, current UInt8, version UInt64)
		ENGINE = ReplacingMergeTree(version) ORDER BY (area, month, unit)`,
	`CREATE TABLE IF NOT EXISTS %s.rectifications (id String, unit String, area String, state String, deadline Date, version UInt64)
		ENGINE = ReplacingMergeTree(version) ORDER BY id`,
}

func TestGroupView(t *testing.T) {
	conn, db := chtest.Open(t)
	d := mustOgDistrict(t)
	ogCatchUp(t, conn, db, d.log, ogModels(d.log))
	ctx := context.Background()
	loc := domain.DefaultLocation()
	now := time.Date(2025, 5, 20, 23, 30, 0, 0, loc) // today is 2025-05-20 in Shanghai
	q := domain.Quarter{Year: 2025, Q: 2}

	all := func(f projections.GroupViewFilter) []projections.GroupViewRow {
		t.Helper()
		var out []projections.GroupViewRow
		for pages := 0; ; pages++ {
			rows, next, err := projections.QueryGroupView(ctx, conn, db, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) > f.Limit && f.Limit > 0 {
				t.Fatalf("page of %d rows, limit %d", len(rows), f.Limit)
			}
			out = append(out, rows...)
			if next == "" {
				return out
			}
			if pages > 1000 {
				t.Fatal("pagination does not end")
			}
			f.After = next
		}
	}

	// Without the other models' tables the view still lists every
	// covered unit, with zero figures.
	active := ogCount(t, conn, "SELECT count() FROM "+db+".group_units FINAL WHERE active = 1")
	whole := all(projections.GroupViewFilter{Now: now, Loc: loc, Quarter: q, Limit: 5})
	if uint64(len(whole)) != active {
		t.Fatalf("the view has %d rows over its pages, group_units %d active", len(whole), active)
	}
	if !sort.SliceIsSorted(whole, func(i, j int) bool {
		a, b := whole[i], whole[j]
		return a.Group < b.Group || (a.Group == b.Group && a.Unit < b.Unit)
	}) {
		t.Error("pages are not in (group, unit) order")
	}
	for i := 1; i < len(whole); i++ {
		if whole[i].Group == whole[i-1].Group && whole[i].Unit == whole[i-1].Unit {
			t.Errorf("row %s/%s twice", whole[i].Group, whole[i].Unit)
		}
	}
	for _, r := range whole {
		if r.GroupName == "" || r.UnitName == "" || r.Area == "" || r.PledgesTotal != 0 || r.Reviews != 0 || r.OpenRectifications != 0 {
			t.Errorf("row without figure tables: %+v", r)
			break
		}
	}

	// One unit gets figures by hand.
	for _, ddl := range ogFigureTables {
		if err := conn.Exec(ctx, fmt.Sprintf(ddl, db)); err != nil {
			t.Fatal(err)
		}
	}
	r0 := whole[0]
	u := r0.Unit
	epoch, at := time.Unix(0, 0).UTC(), time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	date := func(s string) time.Time {
		t.Helper()
		v, err := domain.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(v.Year, v.Month, v.Day, 0, 0, 0, 0, time.UTC)
	}
	for _, ins := range []struct {
		sql  string
		rows [][]any
	}{
		{"INSERT INTO " + db + ".pledges (id, unit, member, area, quarter, state, category, fulfilled_at, lapsed_at, version)", [][]any{
			{"p1", u, "", r0.Area, "2025Q2", "fulfilled", "stage_task", at, epoch, uint64(1)},
			{"p2", u, "m1", r0.Area, "2025Q2", "lapsed", "duty", epoch, at, uint64(2)},
			{"p3", u, "", r0.Area, "2025Q2", "evaluated", "stage_task", at, epoch, uint64(3)},
			{"p4", u, "", r0.Area, "2025Q2", "submitted", "stage_task", epoch, epoch, uint64(4)},
			{"p4", u, "", r0.Area, "2025Q2", "filed", "stage_task", epoch, epoch, uint64(5)},  // a later version of p4
			{"p5", u, "", r0.Area, "2025Q1", "fulfilled", "stage_task", at, epoch, uint64(6)}, // another quarter
		}},
		{"INSERT INTO " + db + ".reviews (id, unit, quarter, shortcomings, measures, retracted, version)", [][]any{
			{"r1", u, "2025Q2", uint32(2), uint32(1), uint8(0), uint64(1)},
			{"r2", u, "2025Q2", uint32(1), uint32(1), uint8(0), uint64(2)},
			{"r3", u, "2025Q2", uint32(1), uint32(1), uint8(1), uint64(3)},
			{"r4", u, "2025Q1", uint32(1), uint32(1), uint8(0), uint64(4)},
		}},
		{"INSERT INTO " + db + ".rectifications (id, unit, area, state, deadline, version)", [][]any{
			{"x1", u, r0.Area, "open", date("2025-05-19"), uint64(1)},        // red: missed at 00:00 today
			{"x2", u, r0.Area, "in_progress", date("2025-05-20"), uint64(2)}, // yellow: due today
			{"x3", u, r0.Area, "submitted", date("2025-05-23"), uint64(3)},   // yellow: due in 3 days
			{"x4", u, r0.Area, "open", date("2025-05-24"), uint64(4)},        // green
			{"x5", u, r0.Area, "accepted", date("2025-05-01"), uint64(5)},    // closed
		}},
		{"INSERT INTO " + db + ".surveys (id, unit, period, rate, version)", [][]any{
			{"s1", u, "2025Q1", 0.8, uint64(1)},
			{"s2", u, "2025Q2", 0.9, uint64(2)},
		}},
		{"INSERT INTO " + db + ".rankings (area, month, unit, score, rank, current, version)", [][]any{
			{r0.Area, "2025-03", u, 80.0, uint32(5), uint8(1), uint64(1)},
			{r0.Area, "2025-04", u, 91.5, uint32(2), uint8(1), uint64(2)},
			{r0.Area, "2025-05", u, 70.0, uint32(9), uint8(0), uint64(3)}, // dropped by a later revision
		}},
	} {
		b, err := conn.PrepareBatch(ctx, ins.sql)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range ins.rows {
			if err := b.Append(row...); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}

	rows, _, err := projections.QueryGroupView(ctx, conn, db, projections.GroupViewFilter{Group: r0.Group, Area: r0.Area, Quarter: q, Now: now, Loc: loc})
	if err != nil {
		t.Fatal(err)
	}
	var got *projections.GroupViewRow
	for i := range rows {
		if rows[i].Group != r0.Group || rows[i].Area != r0.Area {
			t.Errorf("filtered by group %s and area %s, got %s/%s", r0.Group, r0.Area, rows[i].Group, rows[i].Area)
		}
		if rows[i].Unit == u {
			got = &rows[i]
		}
	}
	if got == nil {
		t.Fatalf("unit %s missing from group %s", u, r0.Group)
	}
	inspections := ogCount(t, conn, "SELECT count() FROM "+db+".inspections FINAL WHERE unit_id = ?", u)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"pledges total", got.PledgesTotal, uint64(4)},
		{"pledges filed", got.Pledges["filed"], uint64(1)},
		{"pledges submitted", got.Pledges["submitted"], uint64(0)},
		{"fulfilment rate", got.FulfilmentRate, 2.0 / 3.0},
		{"reviews", got.Reviews, uint64(2)},
		{"open", got.OpenRectifications, uint64(4)},
		{"yellow", got.YellowRectifications, uint64(2)},
		{"red", got.RedRectifications, uint64(1)},
		{"satisfaction", got.Satisfaction, 0.9},
		{"satisfaction period", got.SatisfactionPeriod, "2025Q2"},
		{"rank", got.Rank, uint32(2)},
		{"score", got.Score, 91.5},
		{"rank month", got.RankMonth, "2025-04"},
		{"has an inspection", got.LastInspection != "", inspections > 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// The view's cost: every figure query side by side.
	var times []time.Duration
	for range 20 {
		start := time.Now()
		if _, _, err := projections.QueryGroupView(ctx, conn, db, projections.GroupViewFilter{Quarter: q, Now: now, Loc: loc}); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	t.Logf("group view at %d events: p50 %v, p95 %v", len(d.events), times[len(times)/2], times[len(times)*95/100])
}

// TestGroupViewWithAllModels runs the view over the tables the other
// models really write, so their columns and the view's queries agree.
func TestGroupViewWithAllModels(t *testing.T) {
	conn, db := chtest.Open(t)
	d := mustOgDistrict(t)
	loc := domain.DefaultLocation()
	models := append(ogModels(d.log), &projections.Pledges{}, &projections.Reviews{}, &projections.Evaluations{}, projections.NewRectifications(loc))
	ogCatchUp(t, conn, db, d.log, models)

	ctx := context.Background()
	q := domain.Quarter{Year: 2025, Q: 2}
	now := time.Date(2025, 5, 20, 12, 0, 0, 0, loc)
	rows, next, err := projections.QueryGroupView(ctx, conn, db, projections.GroupViewFilter{Group: "g1", Quarter: q, Now: now, Loc: loc, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if next != "" || len(rows) == 0 {
		t.Fatalf("group g1: %d rows, next %q", len(rows), next)
	}
	var pledges, reviews, open uint64
	var surveyed int
	for _, r := range rows {
		pledges += r.PledgesTotal
		reviews += r.Reviews
		open += r.OpenRectifications
		if r.SatisfactionPeriod != "" {
			surveyed++
		}
	}
	sub := "(SELECT unit_id FROM " + db + ".group_units FINAL WHERE group_id = 'g1' AND active = 1)"
	for _, c := range []struct {
		name  string
		got   uint64
		query string
	}{
		{"pledges", pledges, "SELECT count() FROM " + db + ".pledges FINAL WHERE quarter = '2025Q2' AND unit IN " + sub},
		{"reviews", reviews, "SELECT count() FROM " + db + ".reviews FINAL WHERE quarter = '2025Q2' AND retracted = 0 AND unit IN " + sub},
		{"open rectifications", open, "SELECT count() FROM " + db + ".rectifications FINAL WHERE state IN ('open', 'in_progress', 'submitted') AND unit IN " + sub},
	} {
		if want := ogCount(t, conn, c.query); c.got != want {
			t.Errorf("%s of group g1 add up to %d, want %d", c.name, c.got, want)
		}
	}
	if pledges == 0 || surveyed == 0 {
		t.Errorf("group g1 shows %d pledges and %d surveyed units: the demo has both", pledges, surveyed)
	}
}

func TestGroupViewBadCursor(t *testing.T) {
	conn, db := chtest.Open(t)
	_, _, err := projections.QueryGroupView(context.Background(), conn, db, projections.GroupViewFilter{After: "not a cursor!"})
	if !errors.Is(err, projections.ErrGroupViewCursor) {
		t.Errorf("err = %v, want ErrGroupViewCursor", err)
	}
}
