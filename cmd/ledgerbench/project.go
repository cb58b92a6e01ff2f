package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
)

// projectResult is what the project benchmark measured.
type projectResult struct {
	Events          uint64         `json:"events"`
	RebuildSeconds  float64        `json:"rebuild_seconds"`
	RebuildPerSec   float64        `json:"rebuild_events_per_second"`
	RawRows         int            `json:"raw_rows"`
	RawSeconds      float64        `json:"raw_insert_seconds"`
	RawEventsPerSec float64        `json:"raw_insert_events_per_second"`
	Queries         []queryTimings `json:"queries"`
}

type queryTimings struct {
	Name string  `json:"name"`
	Runs int     `json:"runs"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	Max  float64 `json:"max_ms"`
	// The baseline: a plain SELECT count() over the view's main table,
	// timed the same way in the same run, so that figures from machines
	// of other speeds can be compared.
	Table    string  `json:"table"`
	Rows     uint64  `json:"table_rows"`
	CountP50 float64 `json:"count_p50_ms"`
	CountP95 float64 `json:"count_p95_ms"`
}

// projectCmd measures, in one run against one log: a rebuild of every read
// model; a raw clickhouse-go insert of the very rows the rebuild wrote
// (computed beforehand, so only ClickHouse's share is timed); and every
// view query of the query layer, repeated.
func projectCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ledgerbench project", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("log", "", "embedded event log to project (opened read-only; required)")
	dsn := fs.String("clickhouse", "clickhouse://127.0.0.1:9000/ledgerbench", "ClickHouse DSN; its database is dropped and rebuilt")
	runs := fs.Int("runs", 50, "times each view query runs")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	raw := fs.Bool("raw", true, "also time a raw insert of the same rows (holds every row in memory: leave it out at 10M events)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "ledgerbench project: --log is required (make one with: ledgerctl seed --events 1000000 --data-dir DIR)")
		return exitUsage
	}
	projections.TuneGCForReplay() // as ledgerctl rebuild does
	log, err := embedded.Open(*dir, embedded.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench project:", err)
		return exitFail
	}
	defer log.Close()
	conn, db, err := projections.Connect(ctx, *dsn)
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench project:", err)
		return exitFail
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		fmt.Fprintln(stderr, "ledgerbench project:", err)
		return exitFail
	}
	reg, loc := catalog.New(), domain.DefaultLocation()
	var res projectResult

	fmt.Fprintln(stderr, "rebuilding every read model")
	start := time.Now()
	pos, err := projections.Rebuild(ctx, conn, db, log, reg, projections.All(log, reg, loc), nil)
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench project: rebuild:", err)
		return exitFail
	}
	res.Events = pos.Commit
	res.RebuildSeconds = time.Since(start).Seconds()
	res.RebuildPerSec = float64(res.Events) / res.RebuildSeconds

	if *raw {
		fmt.Fprintln(stderr, "raw insert of the same rows")
		if err := rawInsert(ctx, conn, db, log, reg, loc, &res); err != nil {
			fmt.Fprintln(stderr, "ledgerbench project: raw insert:", err)
			return exitFail
		}
	}

	fmt.Fprintln(stderr, "view queries")
	res.Queries, err = timeQueries(ctx, conn, db, loc, *runs)
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench project: queries:", err)
		return exitFail
	}
	printProject(stdout, res)
	if *jsonOut != "" {
		data, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
			fmt.Fprintln(stderr, "ledgerbench project:", err)
			return exitFail
		}
	}
	return exitOK
}

// rawInsert folds the log through the models (untimed), keeping each
// page's rows as the projector would write them, then times inserting all
// of them with plain clickhouse-go batches into copies of the tables.
func rawInsert(ctx context.Context, conn projections.Conn, db string, log eventlog.Store, reg *domain.Registry, loc *time.Location, res *projectResult) error {
	models := projections.All(log, reg, loc)
	var pages []*projections.Rows
	h := noHistory{}
	after := eventlog.Start
	for {
		evs, err := log.ReadAll(ctx, after, 20000)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		rows := &projections.Rows{}
		for _, e := range evs {
			data, err := reg.Decode(e.Type, e.SchemaVersion, e.Payload)
			if err != nil {
				return err
			}
			for _, m := range models {
				if err := m.Apply(ctx, projections.Event{Event: e, Data: data}, h, rows); err != nil {
					return err
				}
			}
		}
		pages = append(pages, rows)
		after = evs[len(evs)-1].Position
	}
	raw := db + "_raw"
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+raw); err != nil {
		return err
	}
	if err := projections.Migrate(ctx, conn, raw, "", models, projections.Topology{}); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+raw)
	start := time.Now()
	for _, rows := range pages {
		for _, m := range models {
			for _, t := range m.Tables() {
				batch := t.Compact(rows.Table(t.Name))
				if len(batch) == 0 {
					continue
				}
				b, err := conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s)", raw, t.Name, strings.Join(t.Columns, ", ")))
				if err != nil {
					return err
				}
				for _, row := range batch {
					if err := b.Append(row...); err != nil {
						b.Close()
						return err
					}
				}
				if err := b.Send(); err != nil {
					return err
				}
				res.RawRows += len(batch)
			}
		}
	}
	res.RawSeconds = time.Since(start).Seconds()
	res.RawEventsPerSec = float64(res.Events) / res.RawSeconds
	return nil
}

// noHistory serves models folding the log from its start: they never need
// an entity's earlier events.
type noHistory struct{}

func (noHistory) Before(context.Context, string, eventlog.Position) ([]projections.Event, error) {
	return nil, nil
}

func timeQueries(ctx context.Context, q projections.Querier, db string, loc *time.Location, runs int) ([]queryTimings, error) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, loc)
	quarter := domain.QuarterOf(now)
	views := []struct {
		name, table string
		run         func() error
	}{
		{"rectifications: first page", projections.RectificationsTable, func() error {
			_, _, err := projections.QueryRectifications(ctx, q, db, projections.RectificationFilter{Now: now, Loc: loc, Limit: 100})
			return err
		}},
		{"rectifications: red in one area", projections.RectificationsTable, func() error {
			_, _, err := projections.QueryRectifications(ctx, q, db, projections.RectificationFilter{Area: "a03", Colours: []string{"red"}, Now: now, Loc: loc, Limit: 100})
			return err
		}},
		{"rectifications: summary", projections.RectificationsTable, func() error {
			_, err := projections.RectificationSummary(ctx, q, db, projections.RectificationFilter{Now: now, Loc: loc})
			return err
		}},
		{"inspection-group view", "pledges", func() error {
			_, _, err := projections.QueryGroupView(ctx, q, db, projections.GroupViewFilter{Group: "g1", Quarter: quarter, Now: now, Loc: loc, Limit: 100})
			return err
		}},
		{"trends: monthly by area", "facts", func() error {
			_, err := projections.QueryTrends(ctx, q, db, projections.TrendFilter{Grain: projections.GrainMonth})
			return err
		}},
		{"trends: quarterly overall", "facts", func() error {
			_, err := projections.QueryTrends(ctx, q, db, projections.TrendFilter{Grain: projections.GrainQuarter, Overall: true})
			return err
		}},
		{"campaign totals", "pledges", func() error {
			_, err := projections.CampaignTotals(ctx, q, db, "")
			return err
		}},
		// One month's computed rankings of every area, as the view counts
		// them (the inputs in SQL) and scores them (a rule of every
		// metric, applied in Go).
		{"rankings: one month, every area", "rectification_steps", func() error {
			in, err := projections.QueryRankingInputs(ctx, q, db, loc, domain.Month{Year: now.Year(), Month: now.Month() - 1}, "")
			for _, units := range in {
				scoring.Score(benchRule, units)
			}
			return err
		}},
		{"pledges: one area and quarter", "pledges", func() error {
			_, err := projections.QueryPledges(ctx, q, db, projections.PledgeFilter{Area: "a05", Quarter: quarter.String(), Limit: 100})
			return err
		}},
	}
	var out []queryTimings
	for _, v := range views {
		if err := v.run(); err != nil { // warm-up, and a failure stops here
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		p50, p95, max, err := timeRuns(runs, v.run)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		t := queryTimings{Name: v.name, Runs: runs, P50: p50, P95: p95, Max: max, Table: v.table}
		count := func() error { return q.QueryRow(ctx, "SELECT count() FROM "+db+"."+v.table).Scan(&t.Rows) }
		if err := count(); err != nil {
			return nil, fmt.Errorf("count() of %s: %w", v.table, err)
		}
		if t.CountP50, t.CountP95, _, err = timeRuns(runs, count); err != nil {
			return nil, fmt.Errorf("count() of %s: %w", v.table, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// benchRule weighs every metric, each rate with another missing-data
// policy, so that the benchmark scores as much as any rule would.
var benchRule = scoring.Rule{Version: 1, Metrics: []scoring.Weight{
	{Metric: scoring.FulfilmentRate, Weight: 30, Missing: scoring.MissingZero},
	{Metric: scoring.OnTimeRate, Weight: 30, Missing: scoring.MissingSkip},
	{Metric: scoring.SatisfactionRate, Weight: 20, Missing: scoring.MissingAreaMean},
	{Metric: scoring.RedItems, Weight: -5, Missing: scoring.MissingZero},
	{Metric: scoring.Reopenings, Weight: -10, Missing: scoring.MissingZero},
	{Metric: scoring.ReviewItemsClosed, Weight: 5, Missing: scoring.MissingZero},
	{Metric: scoring.Vanguards, Weight: 2, Missing: scoring.MissingZero},
}}

// timeRuns runs f n times and returns the p50, p95 and max in ms.
func timeRuns(n int, f func() error) (p50, p95, max float64, err error) {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := f(); err != nil {
			return 0, 0, 0, err
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return ms(d[len(d)/2]), ms(d[len(d)*95/100]), ms(d[len(d)-1]), nil
}

func printProject(w io.Writer, r projectResult) {
	fmt.Fprintf(w, "projection benchmark: %d events\n\n", r.Events)
	fmt.Fprintf(w, "rebuild (all read models, from the log): %.1f s, %.0f events/s\n", r.RebuildSeconds, r.RebuildPerSec)
	if r.RawRows > 0 {
		fmt.Fprintf(w, "raw clickhouse-go insert of the same %d rows: %.1f s, %.0f events/s\n", r.RawRows, r.RawSeconds, r.RawEventsPerSec)
		fmt.Fprintf(w, "rebuild / raw insert: %.2fx\n", r.RebuildPerSec/r.RawEventsPerSec)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "view query\truns\tp50 ms\tp95 ms\tmax ms\ttable\trows\tcount() p50 ms\tcount() p95 ms\t")
	for _, q := range r.Queries {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%s\t%d\t%.1f\t%.1f\t\n", q.Name, q.Runs, q.P50, q.P95, q.Max, q.Table, q.Rows, q.CountP50, q.CountP95)
	}
	tw.Flush()
}
