package projections_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// directoryTables is a hand-built org and groups projection, with older
// versions of rows that a query must not see through FINAL: area a1
// renamed, unit u2 moved from a1 under u1 to a2 under u5, group g2
// dissolved and its coverage of u1 ended.
func directoryTables(t *testing.T) (projections.Conn, string) {
	t.Helper()
	conn, db := chtest.Open(t)
	ctx := context.Background()
	if err := projections.Migrate(ctx, conn, db, "", []projections.Model{projections.NewOrg(), projections.NewGroups(nil, nil)}, projections.Topology{}); err != nil {
		t.Fatal(err)
	}
	for _, ins := range []struct {
		table string
		rows  [][]any
	}{
		{"areas (id, name, leader, version)", [][]any{
			{"a1", "片区一", "王伟", uint64(1)}, {"a2", "西片区", "赵敏", uint64(2)}, {"a1", "东片区", "李强", uint64(5)}}},
		{"units (id, name, kind, parent_id, area_id, level, version)", [][]any{
			{"u0", "某区", "district", "", "", uint8(0), uint64(1)},
			{"u1", "第一街道", "street", "u0", "a1", uint8(1), uint64(2)},
			{"u2", "第二支部", "branch", "u1", "a1", uint8(2), uint64(3)},
			{"u5", "第五街道", "street", "u0", "a2", uint8(1), uint64(4)},
			{"u6", "第六村", "village", "u5", "a2", uint8(2), uint64(6)},
			{"u2", "第二支部", "branch", "u5", "a2", uint8(2), uint64(10)}}},
		{"groups (id, name, state, members, version)", [][]any{
			{"g1", "第一指导检查组", "active", uint32(2), uint64(1)},
			{"g2", "第二指导检查组", "active", uint32(1), uint64(2)},
			{"g2", "第二指导检查组", "dissolved", uint32(1), uint64(9)}}},
		{"group_units (group_id, unit_id, via_area, active, version)", [][]any{
			{"g1", "u5", "a2", uint8(1), uint64(7)}, {"g1", "u6", "a2", uint8(1), uint64(7)}, {"g1", "u2", "", uint8(1), uint64(8)},
			{"g2", "u1", "a1", uint8(1), uint64(3)}, {"g2", "u1", "a1", uint8(0), uint64(9)}}},
	} {
		insert(t, conn, "INSERT INTO "+db+"."+ins.table, ins.rows)
	}
	return conn, db
}

// insert writes rows with one batch, as the projector does.
func insert(t *testing.T, conn projections.Conn, query string, rows [][]any) {
	t.Helper()
	batch, err := conn.PrepareBatch(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := batch.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
}

// TestDirectory: the areas, units and groups lists against the
// hand-built tables, filtered, restricted to a reader's units and paged.
func TestDirectory(t *testing.T) {
	conn, db := directoryTables(t)
	ctx := context.Background()

	areas := func(f projections.AreaFilter) string {
		t.Helper()
		rows, next, err := projections.QueryAreas(ctx, conn, db, f)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%v next=%q", rows, next)
	}
	for _, tt := range []struct {
		name string
		f    projections.AreaFilter
		want string
	}{
		{"every area, as renamed", projections.AreaFilter{}, `[{a1 东片区 李强} {a2 西片区 赵敏}] next=""`},
		{"the area of u1", projections.AreaFilter{Units: []string{"u1"}}, `[{a1 东片区 李强}] next=""`},
		{"the area u2 lies in now, not the one it left", projections.AreaFilter{Units: []string{"u2"}}, `[{a2 西片区 赵敏}] next=""`},
		{"a unit of no area", projections.AreaFilter{Units: []string{"u0"}}, `[] next=""`},
		{"first page", projections.AreaFilter{Limit: 1}, `[{a1 东片区 李强}] next="a1"`},
		{"second page", projections.AreaFilter{Limit: 1, After: "a1"}, `[{a2 西片区 赵敏}] next=""`},
	} {
		if got := areas(tt.f); got != tt.want {
			t.Errorf("areas, %s: %s, want %s", tt.name, got, tt.want)
		}
	}

	units := func(f projections.UnitFilter) string {
		t.Helper()
		rows, next, err := projections.QueryUnits(ctx, conn, db, f)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, r := range rows {
			s += fmt.Sprintf("%s/%s/%s/%s/%s/%d ", r.ID, r.Name, r.Kind, r.ParentID, r.AreaID, r.Level)
		}
		return s + "next=" + next
	}
	for _, tt := range []struct {
		name string
		f    projections.UnitFilter
		want string
	}{
		{"every unit", projections.UnitFilter{},
			"u0/某区/district///0 u1/第一街道/street/u0/a1/1 u2/第二支部/branch/u5/a2/2 u5/第五街道/street/u0/a2/1 u6/第六村/village/u5/a2/2 next="},
		{"area a1 now: u2 has left it", projections.UnitFilter{Area: "a1"}, "u1/第一街道/street/u0/a1/1 next="},
		{"the children of u5, u2 among them", projections.UnitFilter{Parent: "u5"}, "u2/第二支部/branch/u5/a2/2 u6/第六村/village/u5/a2/2 next="},
		{"no child of u1 any more", projections.UnitFilter{Parent: "u1"}, "next="},
		{"villages", projections.UnitFilter{Kind: "village"}, "u6/第六村/village/u5/a2/2 next="},
		{"restricted", projections.UnitFilter{Units: []string{"u1", "u2"}, Area: "a2"}, "u2/第二支部/branch/u5/a2/2 next="},
		{"first page", projections.UnitFilter{Limit: 2}, "u0/某区/district///0 u1/第一街道/street/u0/a1/1 next=u1"},
		{"last page", projections.UnitFilter{Limit: 2, After: "u2"}, "u5/第五街道/street/u0/a2/1 u6/第六村/village/u5/a2/2 next="},
	} {
		if got := units(tt.f); got != tt.want {
			t.Errorf("units, %s: %s, want %s", tt.name, got, tt.want)
		}
	}

	groups := func(f projections.GroupFilter) string {
		t.Helper()
		rows, next, err := projections.QueryGroups(ctx, conn, db, f)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, r := range rows {
			s += fmt.Sprintf("%s/%s/%s/%d areas%v units%v covered %d; ", r.ID, r.Name, r.State, r.Members, r.Areas, r.Units, r.Covered)
		}
		return s + "next=" + next
	}
	for _, tt := range []struct {
		name string
		f    projections.GroupFilter
		want string
	}{
		{"every group", projections.GroupFilter{},
			"g1/第一指导检查组/active/2 areas[a2] units[u2] covered 3; g2/第二指导检查组/dissolved/1 areas[] units[] covered 0; next="},
		{"a reader of u2 sees g1's coverage of u2 only", projections.GroupFilter{Units: []string{"u2"}},
			"g1/第一指导检查组/active/2 areas[] units[u2] covered 1; next="},
		{"ended coverage shows no group", projections.GroupFilter{Units: []string{"u1"}}, "next="},
		{"but a reader's own group is listed", projections.GroupFilter{Units: []string{"u1"}, Group: "g2"},
			"g2/第二指导检查组/dissolved/1 areas[] units[] covered 0; next="},
		{"a reader of a2's units", projections.GroupFilter{Units: []string{"u5", "u6"}},
			"g1/第一指导检查组/active/2 areas[a2] units[] covered 2; next="},
		{"first page", projections.GroupFilter{Limit: 1}, "g1/第一指导检查组/active/2 areas[a2] units[u2] covered 3; next=g1"},
	} {
		if got := groups(tt.f); got != tt.want {
			t.Errorf("groups, %s: %s, want %s", tt.name, got, tt.want)
		}
	}

	names, err := projections.Names(ctx, conn, db, projections.NamesOfUnits, []string{"u2", "u9"})
	if err != nil || len(names) != 1 || names["u2"] != "第二支部" {
		t.Errorf("names of u2, u9: %v, %v; want u2 第二支部 alone", names, err)
	}
	if names, err := projections.Names(ctx, conn, db, projections.NamesOfAreas, nil); err != nil || len(names) != 0 {
		t.Errorf("names of no area: %v, %v", names, err)
	}
	if _, err := projections.Names(ctx, conn, db, "events", []string{"x"}); err == nil {
		t.Error("names from the events table: no error")
	}
}
