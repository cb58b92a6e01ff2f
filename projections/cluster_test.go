package projections_test

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// testCluster is the cluster deploy/clickhouse/start.sh defines: the
// server itself as the one shard and replica, with ZooKeeper.
const testCluster = "ledger_test"

// TestClusterVariantAnswersTheSame projects one demo log into a
// single-node database and into the cluster variant (replicated local
// tables under Distributed ones), rebuilds the cluster variant (the swap
// of local tables ON CLUSTER), and asks every query of the query layer
// the same questions of both.
func TestClusterVariantAnswersTheSame(t *testing.T) {
	ctx := context.Background()
	conn, single := chtest.Open(t)
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = ?", testCluster).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		// deploy/local/test.sh (and so CI) starts ClickHouse with the
		// cluster and requires the test; elsewhere a plain server skips it.
		if os.Getenv("LEDGER_TEST_CLUSTER") == "1" {
			t.Fatalf("ClickHouse at %s defines no cluster %s, and LEDGER_TEST_CLUSTER=1 requires it", chtest.DSN(), testCluster)
		}
		t.Skipf("ClickHouse at %s defines no cluster %s: start it with CLICKHOUSE_TEST_CLUSTER=1 deploy/clickhouse/start.sh", chtest.DSN(), testCluster)
	}
	_, clustered := chtest.Open(t)
	topo := projections.Topology{Cluster: testCluster, Replicated: true}

	log, _ := mustSeed(t, 3000)
	reg := catalog.New()
	loc := domain.DefaultLocation()
	if _, err := projections.NewProjector(conn, single, log, reg, projections.All(log, reg, loc)).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.NewProjector(conn, clustered, log, reg, projections.All(log, reg, loc), projections.WithTopology(topo)).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	head, err := log.Head()
	if err != nil {
		t.Fatal(err)
	}
	if pos, err := projections.Rebuild(ctx, conn, clustered, log, reg, projections.All(log, reg, loc), nil, projections.WithTopology(topo)); err != nil || pos != head {
		t.Fatalf("rebuild on the cluster: %v at %v, want the head %v", err, pos, head)
	}
	var engine string
	if err := conn.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = 'rectifications_local'", clustered).Scan(&engine); err != nil || engine != "ReplicatedReplacingMergeTree" {
		t.Fatalf("rectifications_local engine %q (%v), want ReplicatedReplacingMergeTree", engine, err)
	}
	if err := conn.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = 'rectifications'", clustered).Scan(&engine); err != nil || engine != "Distributed" {
		t.Fatalf("rectifications engine %q (%v), want Distributed", engine, err)
	}

	first := func(q string) string {
		t.Helper()
		var v string
		if err := conn.QueryRow(ctx, q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	group := first("SELECT id FROM " + single + ".groups FINAL ORDER BY id LIMIT 1")
	area := first("SELECT area_id FROM " + single + ".units FINAL WHERE area_id != '' ORDER BY id LIMIT 1")
	unit := first("SELECT id FROM " + single + ".units FINAL WHERE parent_id != '' ORDER BY id LIMIT 1")
	now := time.Date(2025, 5, 20, 12, 0, 0, 0, loc)
	q2 := domain.QuarterOf(now)

	same := func(name string, ask func(q projections.Querier, db string) (any, error)) {
		t.Helper()
		want, err := ask(conn, single)
		if err != nil {
			t.Fatalf("%s, single node: %v", name, err)
		}
		got, err := ask(conn, clustered)
		if err != nil {
			t.Fatalf("%s, cluster: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs:\ncluster %+v\nsingle  %+v", name, got, want)
		}
		if reflect.ValueOf(want).IsZero() {
			t.Errorf("%s: empty answer, the comparison proves nothing", name)
		}
	}
	type page struct {
		Rows   any
		Cursor string
	}
	rectFilters := []projections.RectificationFilter{
		{Now: now, Loc: loc},
		{Area: area, Now: now, Loc: loc, Limit: 7},
		{Colours: []string{"red", "yellow"}, Now: now, Loc: loc},
	}
	for _, f := range rectFilters {
		same("QueryRectifications", func(q projections.Querier, db string) (any, error) {
			rows, cursor, err := projections.QueryRectifications(ctx, q, db, f)
			return page{rows, cursor}, err
		})
		same("RectificationSummary", func(q projections.Querier, db string) (any, error) {
			return projections.RectificationSummary(ctx, q, db, f)
		})
	}
	same("QueryGroupView", func(q projections.Querier, db string) (any, error) {
		rows, cursor, err := projections.QueryGroupView(ctx, q, db, projections.GroupViewFilter{Group: group, Quarter: q2, Now: now, Loc: loc, Limit: 5})
		return page{rows, cursor}, err
	})
	for _, f := range []projections.TrendFilter{
		{Grain: projections.GrainMonth},
		{Grain: projections.GrainQuarter, Area: area},
		{Grain: projections.GrainMonth, Overall: true, Metrics: []string{"pledges_made", "pledges_fulfilled"}},
	} {
		same("QueryTrends", func(q projections.Querier, db string) (any, error) { return projections.QueryTrends(ctx, q, db, f) })
	}
	same("CampaignTotals", func(q projections.Querier, db string) (any, error) {
		return projections.CampaignTotals(ctx, q, db, q2.String())
	})
	for _, f := range []projections.PledgeFilter{{}, {Area: area, Quarter: q2.String(), Limit: 9}} {
		same("QueryPledges", func(q projections.Querier, db string) (any, error) { return projections.QueryPledges(ctx, q, db, f) })
	}
	same("VisibleUnits of a unit", func(q projections.Querier, db string) (any, error) {
		return projections.VisibleUnits(ctx, q, db, []string{unit}, "")
	})
	same("VisibleUnits of a group", func(q projections.Querier, db string) (any, error) {
		return projections.VisibleUnits(ctx, q, db, nil, group)
	})
}
