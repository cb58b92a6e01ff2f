package projections_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

func TestParseServerVersion(t *testing.T) {
	for text, want := range map[string]projections.ServerVersion{
		"18.16.1":    {Major: 18, Minor: 16}, // Debian 12's clickhouse-server
		"26.7.2.1":   {Major: 26, Minor: 7},  // libchdb 26.7.3-stable.1
		"23.8.16.40": {Major: 23, Minor: 8},
		"24.3":       {Major: 24, Minor: 3},
	} {
		got, err := projections.ParseServerVersion(text)
		if err != nil || got != want {
			t.Errorf("ParseServerVersion(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	for _, bad := range []string{"", "26", "x.y", "26.-1.0", "v26.7"} {
		if got, err := projections.ParseServerVersion(bad); err == nil {
			t.Errorf("ParseServerVersion(%q) = %v, want an error", bad, got)
		}
	}
	// The gate's edge: 23.8 is the first release with the projections.
	for v, want := range map[projections.ServerVersion]bool{
		{18, 16}: false, {23, 7}: false, {23, 8}: true, {24, 1}: true, {26, 7}: true,
	} {
		if got := v.AggregateProjections(); got != want {
			t.Errorf("%v.AggregateProjections() = %v, want %v", v, got, want)
		}
	}
}

// TestTrendsProjectionFollowsTheServer: migration 3 gives the facts table
// its totals projection on a modern server and leaves 18.16's as it was;
// on both, trends add up to the hand-computed sums, and on the modern
// server they are read from the projection. Which branch to expect comes
// from the server the test runs on (LEDGER_TEST_CLICKHOUSE_FLAVOUR, set by
// deploy/local/test.sh), not from the gate under test.
func TestTrendsProjectionFollowsTheServer(t *testing.T) {
	ctx := context.Background()
	conn, db := chtest.Open(t)
	if err := projections.Migrate(ctx, conn, db, "", []projections.Model{&projections.Trends{}}, projections.Topology{}); err != nil {
		t.Fatal(err)
	}
	var ddl string
	if err := conn.QueryRow(ctx, "SHOW CREATE TABLE "+db+".facts").Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	modern := chtest.Flavour() == "modern"
	if got := strings.Contains(ddl, "PROJECTION period_totals"); got != modern {
		t.Fatalf("on the %s server the facts table has the projection: %v, want %v\n%s", chtest.Flavour(), got, modern, ddl)
	}

	// Three facts of one month, metric and area: units u1 (2 + 3) and u2 (5).
	at := time.Date(2026, 1, 15, 2, 0, 0, 0, time.UTC)
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".facts (position, occurred_at, month, quarter, area, unit_kind, unit, metric, value)")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range []struct {
		unit  string
		value int64
	}{{"u1", 2}, {"u1", 3}, {"u2", 5}} {
		if err := batch.Append(uint64(i+1), at, "2026-01", "2026Q1", "a01", "branch", f.unit, "pledges_submitted", f.value); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    projections.TrendFilter
		want int64
	}{
		{"all units", projections.TrendFilter{Grain: projections.GrainMonth}, 10},
		{"unit u1 only", projections.TrendFilter{Grain: projections.GrainMonth, Units: []string{"u1"}}, 5},
		{"by quarter, overall", projections.TrendFilter{Grain: projections.GrainQuarter, Overall: true}, 10},
	} {
		rows, err := projections.QueryTrends(ctx, conn, db, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		period, area := "2026-01", "a01"
		if tc.f.Grain == projections.GrainQuarter {
			period, area = "2026Q1", ""
		}
		kind := "branch"
		if tc.f.Overall {
			kind = ""
		}
		want := []projections.TrendRow{{Period: period, Area: area, UnitKind: kind, Metric: "pledges_submitted", Value: tc.want}}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("%s: trends = %+v, want %+v", tc.name, rows, want)
		}
	}
	if !modern {
		return
	}
	var plan strings.Builder
	rows, err := conn.Query(ctx, "EXPLAIN SELECT month, area, unit_kind, metric, sum(value) FROM "+db+".facts WHERE has(['u1'], unit) GROUP BY month, area, unit_kind, metric")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if !strings.Contains(plan.String(), "ReadFromMergeTree (period_totals)") {
		t.Errorf("the modern server does not read trends from the projection:\n%s", plan.String())
	}
}
