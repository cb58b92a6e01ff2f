package projections_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// campaignModels are the models of this test, fresh (no memory).
func campaignModels() []projections.Model {
	return []projections.Model{&projections.Pledges{}, &projections.Reviews{}, &projections.Evaluations{}, &projections.Trends{}}
}

// mustSeed writes the demo district and returns the log and the seed's
// own count of the campaign figures.
func mustSeed(tb testing.TB, events int) (*embedded.Store, demo.Summary) {
	tb.Helper()
	log, err := embedded.Open(tb.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { log.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sum, err := demo.Seed(ctx, log, demo.Config{Seed: 1, Events: events, Until: domain.Date{Year: 2025, Month: 5, Day: 20}})
	if err != nil {
		tb.Fatal(err)
	}
	return log, sum
}

// mustEvents reads and decodes the whole log.
func mustEvents(tb testing.TB, log eventlog.Store) []projections.Event {
	tb.Helper()
	reg := catalog.New()
	var out []projections.Event
	after := eventlog.Start
	for {
		page, err := log.ReadAll(context.Background(), after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		for _, e := range page {
			data, err := reg.Decode(e.Type, e.SchemaVersion, e.Payload)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, projections.Event{Event: e, Data: data})
		}
		after = page[len(page)-1].Position
	}
}

func mustCatchUp(tb testing.TB, p *projections.Projector) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := p.CatchUp(ctx); err != nil {
		tb.Fatal(err)
	}
}

// reconcile compares every figure of the models' reconcilers.
func reconcile(t *testing.T, q projections.Querier, db string, events []projections.Event, when string) map[string]int64 {
	t.Helper()
	all := map[string]int64{}
	for _, m := range campaignModels() {
		r := m.(projections.Reconciler)
		want := map[string]int64{}
		for _, e := range events {
			r.Expect(e, want)
		}
		got, err := r.Actual(context.Background(), q, db)
		if err != nil {
			t.Fatalf("%s: %s: %v", when, m.Name(), err)
		}
		if len(want) == 0 {
			t.Errorf("%s: %s expects no figures", when, m.Name())
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if got[k] != want[k] {
				t.Errorf("%s: %s = %d in ClickHouse, %d from the log", when, k, got[k], want[k])
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: %s = %d in ClickHouse, absent from the log", when, k, v)
			}
			all[k] = v
		}
	}
	return all
}

func TestCampaignModels(t *testing.T) {
	conn, db := chtest.Open(t)
	log, sum := mustSeed(t, 3000)
	events := mustEvents(t, log)
	ctx := context.Background()
	mustCatchUp(t, projections.NewProjector(conn, db, log, catalog.New(), campaignModels(), projections.WithPageSize(500)))

	t.Run("campaign totals equal the seed's figures", func(t *testing.T) {
		got, err := projections.CampaignTotals(ctx, conn, db, "")
		if err != nil {
			t.Fatal(err)
		}
		f := sum.Figures
		want := projections.Totals{Themes: int64(f.Themes), Pledges: int64(f.Pledges), Reviews: int64(f.Reviews),
			Shortcomings: int64(f.Shortcomings), Measures: int64(f.Measures), Vanguards: int64(f.Vanguards)}
		if got != want {
			t.Errorf("totals %+v, the seed counted %+v", got, want)
		}
		if want.Pledges == 0 || want.Reviews == 0 || want.Vanguards == 0 {
			t.Errorf("seed too small to test: %+v", want)
		}
		// The analyst's one query gives the same.
		rows, err := conn.Query(ctx, "SELECT metric, sum(value) FROM "+db+".facts GROUP BY metric")
		if err != nil {
			t.Fatal(err)
		}
		byMetric := map[string]int64{}
		for rows.Next() {
			var m string
			var n int64
			if err := rows.Scan(&m, &n); err != nil {
				t.Fatal(err)
			}
			byMetric[m] = n
		}
		rows.Close()
		if byMetric["shortcomings"] != want.Shortcomings || byMetric["vanguards_individual"] != want.Vanguards {
			t.Errorf("GROUP BY metric gives %v", byMetric)
		}
		var perQuarter projections.Totals
		for _, q := range sum.Quarters {
			qt, err := projections.CampaignTotals(ctx, conn, db, q.String())
			if err != nil {
				t.Fatal(err)
			}
			perQuarter.Themes += qt.Themes
			perQuarter.Pledges += qt.Pledges
			perQuarter.Reviews += qt.Reviews
			perQuarter.Shortcomings += qt.Shortcomings
			perQuarter.Measures += qt.Measures
			perQuarter.Vanguards += qt.Vanguards
		}
		if perQuarter != want {
			t.Errorf("quarters add up to %+v, want %+v", perQuarter, want)
		}
	})

	t.Run("monthly trends equal counts from the events", func(t *testing.T) {
		want := monthlyCounts(events)
		rows, err := projections.QueryTrends(ctx, conn, db, projections.TrendFilter{Grain: projections.GrainMonth, Overall: true,
			Metrics: slices.Collect(maps.Keys(want))})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]int64{}
		for _, r := range rows {
			if got[r.Metric] == nil {
				got[r.Metric] = map[string]int64{}
			}
			if r.Value != 0 {
				got[r.Metric][r.Period] = r.Value
			}
		}
		for metric, months := range want {
			if !maps.Equal(got[metric], months) {
				t.Errorf("%s by month: got %v, want %v", metric, got[metric], months)
			}
		}
		// Filtering by area and period narrows without changing figures.
		area, err := projections.QueryTrends(ctx, conn, db, projections.TrendFilter{Grain: projections.GrainQuarter,
			From: "2025Q1", To: "2025Q1", Area: "a01", Metrics: []string{"reviews"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range area {
			if r.Period != "2025Q1" || r.Area != "a01" || r.Metric != "reviews" {
				t.Errorf("filtered row %+v", r)
			}
		}
	})

	t.Run("pledges page by id", func(t *testing.T) {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".pledges FINAL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		var ids []string
		after := ""
		for {
			page, err := projections.QueryPledges(ctx, conn, db, projections.PledgeFilter{Limit: 97, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				ids = append(ids, p.ID)
			}
			after = page[len(page)-1].ID
		}
		if uint64(len(ids)) != n || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("paged %d pledges (sorted %v), table holds %d", len(ids), slices.IsSorted(ids), n)
		}
		fulfilled, err := projections.QueryPledges(ctx, conn, db, projections.PledgeFilter{States: []string{"fulfilled", "evaluated"}, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range fulfilled {
			if p.State == "fulfilled" && p.FulfilledAt.Unix() == 0 {
				t.Errorf("fulfilled pledge %s without fulfilled_at", p.ID)
			}
			if p.State != "fulfilled" && p.State != "evaluated" {
				t.Errorf("pledge %s in state %s", p.ID, p.State)
			}
		}
		if len(fulfilled) == 0 {
			t.Error("no fulfilled or evaluated pledge")
		}
	})

	before := reconcile(t, conn, db, events, "after catch-up")
	beforeTotals, _ := projections.CampaignTotals(ctx, conn, db, "")

	// Redelivery: the checkpoint falls back to a third of the log (a crash
	// after the rows, before the checkpoint) and fresh models, with no
	// memory, project the rest again, rebuilding entities from history.
	third := events[len(events)/3].Position
	if err := projections.WriteCheckpoint(ctx, conn, db, "live", third); err != nil {
		t.Fatal(err)
	}
	mustCatchUp(t, projections.NewProjector(conn, db, log, catalog.New(), campaignModels(), projections.WithPageSize(333)))
	after := reconcile(t, conn, db, events, "after redelivery")
	if !maps.Equal(before, after) {
		t.Errorf("figures changed by redelivery")
	}
	if got, _ := projections.CampaignTotals(ctx, conn, db, ""); got != beforeTotals {
		t.Errorf("totals after redelivery %+v, before %+v", got, beforeTotals)
	}
}

// monthlyCounts counts some metrics by month straight from the events,
// the naive way: each counted thing once, in the month it happened.
func monthlyCounts(events []projections.Event) map[string]map[string]int64 {
	loc := domain.DefaultLocation()
	month := func(t time.Time) string {
		d := domain.DateIn(t, loc)
		return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
	}
	out := map[string]map[string]int64{}
	add := func(metric string, at time.Time, n int64) {
		if out[metric] == nil {
			out[metric] = map[string]int64{}
		}
		out[metric][month(at)] += n
		if out[metric][month(at)] == 0 {
			delete(out[metric], month(at))
		}
	}
	reviews := map[string]*review.Review{}
	reviewAt := map[string]time.Time{}
	collective := map[string]time.Time{}
	for _, e := range events {
		switch d := e.Data.(type) {
		case pledge.Fulfilled:
			add("pledges_fulfilled", d.OccurredAt, 1)
		case pledge.Lapsed:
			add("pledges_lapsed", d.OccurredAt, 1)
		case pledge.Filed:
			add("pledges_filed", d.OccurredAt, 1)
		case rectification.Ordered:
			add("rectifications_opened", d.OccurredAt, 1)
		case evaluation.VanguardSelected:
			if d.Kind == evaluation.Collective {
				add("vanguards_collective", d.OccurredAt, 1)
				collective[e.Stream] = d.OccurredAt
			}
		case evaluation.VanguardRevoked:
			if at, ok := collective[e.Stream]; ok {
				add("vanguards_collective", at, -1)
			}
		case review.Recorded, review.Corrected, review.Retracted:
			r := reviews[e.Stream]
			if r == nil {
				r = &review.Review{}
				reviews[e.Stream] = r
				reviewAt[e.Stream] = e.OccurredAt
			}
			r.Apply(d)
		}
	}
	for s, r := range reviews {
		if !r.Retracted {
			add("reviews", reviewAt[s], 1)
			add("shortcomings", reviewAt[s], int64(r.ShortcomingCount()))
			add("measures", reviewAt[s], int64(r.MeasureCount()))
		}
	}
	return out
}

// TestCorrectionsAndRevisions follows one review and one ranking through
// a correction, a projector restart, a retraction and a superseding
// revision that drops a unit.
func TestCorrectionsAndRevisions(t *testing.T) {
	conn, db := chtest.Open(t)
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	ctx := context.Background()
	h := command.NewHandler(log, catalog.New(), command.WithClock(func() time.Time { return time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC) }))
	at := time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC)
	actor := domain.Actor{ID: "clerk"}
	do := func(id string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	shortcomings := func(n int) review.Content {
		var c review.Content
		for i := range n {
			c.Shortcomings = append(c.Shortcomings, review.Shortcoming{Text: fmt.Sprintf("缺点%d", i+1)})
		}
		return c
	}
	stream := review.Stream("r1")
	_, err = command.Create(ctx, h, stream, command.Command{ID: "c1", Actor: actor, OccurredAt: at}, func(m domain.Meta) ([]domain.Event, error) {
		return review.New("r1", review.Record{Form: review.FormMeeting, Subject: review.SubjectUnit, UnitID: "u1", Reviewer: "王书记",
			Content: shortcomings(3), OccurredAt: at}, m)
	})
	do("record", err)
	newR := func() *review.Review { return &review.Review{} }
	_, err = command.Execute(ctx, h, stream, command.Command{ID: "c2", Actor: actor, OccurredAt: at.Add(48 * time.Hour)}, newR,
		func(r *review.Review, m domain.Meta) ([]domain.Event, error) {
			return r.Correct(review.Correct{Content: shortcomings(4), Reason: "漏记一条", OccurredAt: at.Add(48 * time.Hour)}, m)
		})
	do("correct", err)
	month := domain.Month{Year: 2025, Month: 3}
	rstream := evaluation.RankingStream("a1", month)
	_, err = command.Create(ctx, h, rstream, command.Command{ID: "c3", Actor: actor, OccurredAt: at}, func(m domain.Meta) ([]domain.Event, error) {
		return evaluation.NewRanking(evaluation.PublishRanking{AreaID: "a1", Month: month, RuleVersion: "v1",
			Entries: evaluation.Rank([]evaluation.Entry{{UnitID: "u1", Score: 90}, {UnitID: "u2", Score: 80}}), OccurredAt: at}, m)
	})
	do("publish", err)
	mustCatchUp(t, projections.NewProjector(conn, db, log, catalog.New(), campaignModels()))

	facts := func() []string {
		t.Helper()
		rows, err := conn.Query(ctx, "SELECT month, metric, value FROM "+db+".facts WHERE metric = 'shortcomings' OR metric = 'reviews' ORDER BY position, metric")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var m, metric string
			var v int64
			if err := rows.Scan(&m, &metric, &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s %+d", m, metric, v))
		}
		return out
	}
	want := []string{"2025-03 reviews +1", "2025-03 shortcomings +3", "2025-03 shortcomings +1"}
	if got := facts(); !slices.Equal(got, want) {
		t.Errorf("facts after a correction:\n got %q\nwant %q", got, want)
	}

	// A restart: fresh models meet the retraction and the new revision
	// with no memory of the review or the ranking.
	_, err = command.Execute(ctx, h, stream, command.Command{ID: "c4", Actor: actor, OccurredAt: at.Add(72 * time.Hour)}, newR,
		func(r *review.Review, m domain.Meta) ([]domain.Event, error) {
			return r.Retract(review.Retract{Reason: "记录有误", OccurredAt: at.Add(72 * time.Hour)}, m)
		})
	do("retract", err)
	_, err = command.Execute(ctx, h, rstream, command.Command{ID: "c5", Actor: actor, OccurredAt: at.Add(72 * time.Hour)},
		func() *evaluation.Ranking { return &evaluation.Ranking{} },
		func(r *evaluation.Ranking, m domain.Meta) ([]domain.Event, error) {
			return r.Supersede(evaluation.SupersedeRanking{RuleVersion: "v2", Reason: "u2 不参评",
				Entries: []evaluation.Entry{{UnitID: "u1", Score: 91, Rank: 1}}, OccurredAt: at.Add(72 * time.Hour)}, m)
		})
	do("supersede", err)
	mustCatchUp(t, projections.NewProjector(conn, db, log, catalog.New(), campaignModels()))

	want = append(want, "2025-03 reviews -1", "2025-03 shortcomings -4")
	if got := facts(); !slices.Equal(got, want) {
		t.Errorf("facts after a retraction:\n got %q\nwant %q", got, want)
	}
	var retracted uint8
	var count uint32
	if err := conn.QueryRow(ctx, "SELECT retracted, shortcomings FROM "+db+".reviews FINAL WHERE id = 'r1'").Scan(&retracted, &count); err != nil {
		t.Fatal(err)
	}
	if retracted != 1 || count != 4 {
		t.Errorf("review r1: retracted %d, %d shortcomings in force; want 1, 4", retracted, count)
	}
	rows, err := conn.Query(ctx, "SELECT unit, rank, revision, current FROM "+db+".rankings FINAL WHERE area = 'a1' AND month = '2025-03' ORDER BY unit")
	if err != nil {
		t.Fatal(err)
	}
	var ranking []string
	for rows.Next() {
		var unit string
		var rank, revision uint32
		var current uint8
		if err := rows.Scan(&unit, &rank, &revision, &current); err != nil {
			t.Fatal(err)
		}
		ranking = append(ranking, fmt.Sprintf("%s rank %d rev %d current %d", unit, rank, revision, current))
	}
	rows.Close()
	if want := []string{"u1 rank 1 rev 2 current 1", "u2 rank 0 rev 2 current 0"}; !slices.Equal(ranking, want) {
		t.Errorf("ranking after a revision dropping u2:\n got %q\nwant %q", ranking, want)
	}
}
