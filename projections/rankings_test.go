package projections_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/domain/scoring/scoringtest"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// scenarioLog writes the hand-computed ranking scenario into a new log.
func scenarioLog(t *testing.T) *embedded.Store {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	steps, correction := scoringtest.Steps()
	h := command.NewHandler(log, catalog.New(), command.WithClock(scoringtest.Clock))
	if err := scoringtest.Write(context.Background(), h, append(steps, correction)); err != nil {
		t.Fatal(err)
	}
	return log
}

// TestRankingInputsHandComputed: the inputs ClickHouse counts for the
// hand-computed scenario equal the tables worked out by hand, area by
// area and for every area at once; the rules read back rank the units as
// by hand (August by v1, September by v2); and reconcile finds the Go
// count from the log equal, figure by figure.
func TestRankingInputsHandComputed(t *testing.T) {
	log := scenarioLog(t)
	conn, db := chtest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	models := func() []projections.Model { return projections.All(log, catalog.New(), scoringtest.Loc) }
	if _, err := projections.NewProjector(conn, db, log, catalog.New(), models(), projections.WithPageSize(7)).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	book, err := projections.QueryRankingRules(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(book.Rules) != 2 || book.Rules[1].EffectiveFrom != scoringtest.Sep || !reflect.DeepEqual(book.Rules[0].Metrics[3],
		scoring.Weight{Metric: scoring.RedItems, Weight: -5, Missing: scoring.MissingZero}) {
		t.Errorf("rules read back: %+v", book.Rules)
	}
	for _, m := range []domain.Month{scoringtest.Aug, scoringtest.Sep} {
		all, err := projections.QueryRankingInputs(ctx, conn, db, scoringtest.Loc, m, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all, scoringtest.Inputs[m]) {
			t.Errorf("%s, every area: got %+v, want %+v", m, all, scoringtest.Inputs[m])
		}
		for area, want := range scoringtest.Inputs[m] {
			got, err := projections.QueryRankingInputs(ctx, conn, db, scoringtest.Loc, m, area)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, map[string][]scoring.Inputs{area: want}) {
				t.Errorf("%s %s: got %+v, want %+v", m, area, got, want)
			}
		}
		rule, ok := book.InForce(m)
		if !ok {
			t.Fatalf("no rule in force in %s", m)
		}
		ranked := scoring.Score(rule, all["a1"])
		want := scoringtest.Ranks[m]
		if len(ranked) != len(want) {
			t.Fatalf("%s: ranked %+v", m, ranked)
		}
		for i, w := range want {
			if r := ranked[i]; r.Unit != w.Unit || r.Rank != w.Rank || r.Score != w.Score {
				t.Errorf("%s place %d: got %s %d %v, want %+v", m, i, r.Unit, r.Rank, r.Score, w)
			}
		}
	}
	if got, err := projections.QueryRankingInputs(ctx, conn, db, scoringtest.Loc, domain.Month{Year: 2010, Month: 12}, "a1"); err != nil || len(got) != 0 {
		t.Errorf("December 2010, before any unit: %v, %v", got, err)
	}

	n, diffs, err := projections.Reconcile(ctx, conn, db, log, catalog.New(), models(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Errorf("reconcile: %v", diffs)
	}
	// The figures include the hand-counted inputs and ranks (some, named).
	figures := map[string]int64{}
	r := &projections.RankingInputs{Loc: scoringtest.Loc}
	for _, e := range mustEvents(t, log) {
		r.Expect(e, figures)
	}
	r.Finish(figures)
	for name, want := range map[string]int64{
		"ranking_inputs.red_items{area=a1,month=2011-09,unit=b2}":           1,
		"ranking_inputs.reopenings{area=a1,month=2011-09,unit=b2}":          1,
		"ranking_inputs.ranked{area=a2,month=2011-08,unit=b4}":              1,
		"ranking_inputs.ranked{area=a1,month=2011-09,unit=b4}":              1,
		"ranking_inputs.satisfied{area=a1,month=2011-08,unit=b1}":           90,
		"ranking_computed.rank{area=a1,month=2011-08,unit=s1,rule=1}":       2,
		"ranking_computed.score{area=a1,month=2011-09,unit=b2,rule=2}":      -14167,
		"ranking_inputs.review_items_closed{area=a1,month=2011-09,unit=b3}": 1,
	} {
		if figures[name] != want {
			t.Errorf("%s = %d, want %d", name, figures[name], want)
		}
	}
	if n < len(figures) {
		t.Errorf("reconcile compared %d figures, fewer than the rankings' %d alone", n, len(figures))
	}
}

// TestReconcileNamesAWrongRankingInput: a rectification step that says an
// item was accepted when it was not is a difference in the month's
// inputs, named by area, month and unit.
func TestReconcileNamesAWrongRankingInput(t *testing.T) {
	log := scenarioLog(t)
	conn, db := chtest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	models := func() []projections.Model { return projections.All(log, catalog.New(), scoringtest.Loc) }
	if _, err := projections.NewProjector(conn, db, log, catalog.New(), models()).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// R5's order (b3, September) copied as an acceptance on time, placed
	// just before the order in the item's events, so that the item stays
	// as the order left it (live, red at the month's end).
	if err := conn.Exec(ctx, "INSERT INTO "+db+".rectification_steps (position, id, unit, source_kind, occurred_at, month, step, live, deadline, on_time_original) "+
		"SELECT position - 1, id, unit, source_kind, occurred_at, month, 'accepted', 0, deadline, 1 FROM "+db+".rectification_steps WHERE id = 'R5' AND step = 'ordered'"); err != nil {
		t.Fatal(err)
	}
	_, diffs, err := projections.Reconcile(ctx, conn, db, log, catalog.New(), models(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkDiffs(t, diffs, []wantDiff{
		{[]string{"ranking_inputs.closed{area=a1,month=2011-09,unit=b3}"}, +1},
		{[]string{"ranking_inputs.closed_on_time{area=a1,month=2011-09,unit=b3}"}, +1},
		{[]string{"ranking_computed.score{area=a1,month=2011-09,unit=b3,rule=2}"}, 150000},
	})
}

// TestMigrationFourAddsRankingTables: a database made before migration 4
// (no tables of the rankings' inputs, the rankings table without how a
// revision was published) gets them, as a fresh one has them; again, it
// changes nothing.
func TestMigrationFourAddsRankingTables(t *testing.T) {
	ctx := context.Background()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	models := projections.All(log, catalog.New(), domain.DefaultLocation())
	if got := projections.Migrations[3]; got.Version != 4 {
		t.Fatalf("Migrations[3] is version %d, want 4", got.Version)
	}
	conn, db := chtest.Open(t)
	if err := projections.Migrate(ctx, conn, db, "", models, projections.Topology{}); err != nil {
		t.Fatal(err)
	}
	describe := func() map[string][]string {
		t.Helper()
		out := map[string][]string{}
		for _, table := range []string{"rankings", "unit_areas", "rectification_steps", "ranking_rules"} {
			var exists uint64
			if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db, table).Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if exists == 0 {
				continue
			}
			rows, err := conn.Query(ctx, "DESCRIBE TABLE "+db+"."+table)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				cells := make([]string, len(rows.Columns()))
				ptrs := make([]any, len(cells))
				for i := range cells {
					ptrs[i] = &cells[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				out[table] = append(out[table], cells[0]+" "+cells[1])
			}
			rows.Close()
		}
		return out
	}
	fresh := describe()
	if len(fresh) != 4 || !slices.Contains(fresh["rankings"], "checkpoint_root String") {
		t.Fatalf("a fresh database: %v", fresh)
	}
	for _, ddl := range []string{
		"DROP TABLE " + db + ".unit_areas", "DROP TABLE " + db + ".rectification_steps", "DROP TABLE " + db + ".ranking_rules",
		"ALTER TABLE " + db + ".rankings DROP COLUMN computed, DROP COLUMN adjusted, DROP COLUMN adjustment_reason, DROP COLUMN checkpoint_size, DROP COLUMN checkpoint_root",
	} {
		if err := conn.Exec(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	if before := describe(); len(before) != 1 || len(before["rankings"]) != len(fresh["rankings"])-5 {
		t.Fatalf("before migration 4: %v", before)
	}
	for range 2 {
		if err := projections.Migrations[3].Apply(ctx, conn, db, "", models, projections.Topology{}); err != nil {
			t.Fatal(err)
		}
		if got := describe(); !reflect.DeepEqual(got, fresh) {
			t.Errorf("after migration 4: %v, want %v", got, fresh)
		}
	}
}
