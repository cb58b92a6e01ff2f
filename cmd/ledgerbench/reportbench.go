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
	annualreport "github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// reportResult is what the report benchmark measured.
type reportResult struct {
	Events  uint64        `json:"events"`
	Areas   int           `json:"areas"`
	Month   string        `json:"month"`
	Year    int           `json:"year"`
	Figures int           `json:"figures"`
	Timings []benchTiming `json:"timings"`
}

// benchTiming is one measured operation beside its baseline, timed the
// same way in the same run: a plain count() over the table it reads most
// (ClickHouse), or a plain read of every event of the log (Go).
type benchTiming struct {
	Name        string  `json:"name"`
	Runs        int     `json:"runs"`
	P50         float64 `json:"p50_ms"`
	P95         float64 `json:"p95_ms"`
	Max         float64 `json:"max_ms"`
	Baseline    string  `json:"baseline"`
	BaselineP50 float64 `json:"baseline_p50_ms"`
	BaselineP95 float64 `json:"baseline_p95_ms"`
}

// reportCmd measures, on a log already projected into ClickHouse (it
// writes nothing to either): one month's rankings of every area as the
// view computes them (in one query for all areas, and as fifteen views,
// one per area, as the API answers them) and as the acceptance counts
// them again from the log in Go; and the year-end report, whole and its
// queries alone; each beside a plain count() of the same table, or a
// plain read of the log, in the same run.
func reportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ledgerbench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("log", "", "embedded event log, already projected (opened read-only; required)")
	dsn := fs.String("clickhouse", "clickhouse://127.0.0.1:9000/ledgerbench", "ClickHouse DSN of the log's read models (only read)")
	year := fs.Int("year", 2026, "the year of the report")
	month := fs.String("month", "2026-10", "the month ranked")
	runs := fs.Int("runs", 20, "times each ClickHouse query runs")
	goRuns := fs.Int("go-runs", 3, "times each computation over the whole log runs (the recount, the report)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	m, err := domain.ParseMonth(*month)
	if *dir == "" || err != nil {
		fmt.Fprintln(stderr, "ledgerbench report: --log DIR is required (seed and project one first), --month YYYY-MM")
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "ledgerbench report:", err)
		return exitFail
	}
	log, err := embedded.Open(*dir, embedded.Options{ReadOnly: true})
	if err != nil {
		return fail(err)
	}
	defer log.Close()
	conn, db, err := projections.Connect(ctx, *dsn)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	reg, loc := catalog.New(), domain.DefaultLocation()

	// The checkpoint: the whole log's root, signed with a key made for the
	// run (the log is opened read-only, so nothing is recorded).
	fmt.Fprintln(stderr, "the log's root")
	b := seal.NewRootBuilder()
	var last eventlog.Position
	for after := eventlog.Start; ; {
		page, err := log.ReadAll(ctx, after, 5000)
		if err != nil {
			return fail(err)
		}
		for i := range page {
			if err := b.Add(&page[i]); err != nil {
				return fail(err)
			}
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].Position
		last = after
	}
	root, err := b.Root()
	if err != nil {
		return fail(err)
	}
	skey, vkey, err := seal.GenerateKey("ledgerbench")
	if err != nil {
		return fail(err)
	}
	signer, err := seal.LoadSigner(skey, "")
	if err != nil {
		return fail(err)
	}
	cp, err := seal.Sign(signer, "ledgerbench", b.Size(), root, time.Now())
	if err != nil {
		return fail(err)
	}
	trusted, _, err := seal.Verifiers(vkey)
	if err != nil {
		return fail(err)
	}
	pos, err := projections.ReadCheckpoint(ctx, conn, db, "live")
	if err != nil {
		return fail(err)
	}
	if pos.Commit < last.Commit {
		return fail(fmt.Errorf("the projections in %s are at %d, the log at %d: run ledgerctl project first", db, pos.Commit, last.Commit))
	}
	res := reportResult{Events: b.Size(), Month: m.String(), Year: *year}

	count := func(table string) func() error {
		return func() error {
			var n uint64
			return conn.QueryRow(ctx, "SELECT count() FROM "+db+"."+table).Scan(&n)
		}
	}
	readLog := func() error {
		for after := eventlog.Start; ; {
			page, err := log.ReadAll(ctx, after, 5000)
			if err != nil || len(page) == 0 {
				return err
			}
			after = page[len(page)-1].Position
		}
	}
	measure := func(name string, n int, f func() error, baseline string, base func() error) error {
		fmt.Fprintln(stderr, name)
		if err := f(); err != nil { // warm-up, and a failure stops here
			return fmt.Errorf("%s: %w", name, err)
		}
		t := benchTiming{Name: name, Runs: n, Baseline: baseline}
		var err error
		if t.P50, t.P95, t.Max, err = timeRuns(n, f); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if t.BaselineP50, t.BaselineP95, _, err = timeRuns(n, base); err != nil {
			return fmt.Errorf("%s: %w", baseline, err)
		}
		res.Timings = append(res.Timings, t)
		return nil
	}

	in, err := projections.QueryRankingInputs(ctx, conn, db, loc, m, "")
	if err != nil {
		return fail(err)
	}
	areas := make([]string, 0, len(in))
	for a := range in {
		areas = append(areas, a)
	}
	slices.Sort(areas)
	res.Areas = len(areas)
	steps := "count() of rectification_steps"
	if err := measure(fmt.Sprintf("rankings of %s, %d areas: the view's inputs in one query, scored", m, len(areas)), *runs, func() error {
		in, err := projections.QueryRankingInputs(ctx, conn, db, loc, m, "")
		for _, units := range in {
			scoring.Score(benchRule, units)
		}
		return err
	}, steps, count("rectification_steps")); err != nil {
		return fail(err)
	}
	if err := measure(fmt.Sprintf("rankings of %s, %d areas: %d views, one per area (rules, inputs, published)", m, len(areas), len(areas)), *runs, func() error {
		for _, a := range areas {
			if _, err := projections.QueryRankingRules(ctx, conn, db); err != nil {
				return err
			}
			in, err := projections.QueryRankingInputs(ctx, conn, db, loc, m, a)
			if err != nil {
				return err
			}
			scoring.Score(benchRule, in[a])
			if _, err := projections.QueryPublishedRanking(ctx, conn, db, a, m); err != nil {
				return err
			}
		}
		return nil
	}, steps, count("rectification_steps")); err != nil {
		return fail(err)
	}
	if err := measure(fmt.Sprintf("rankings of %s, %d areas: the acceptance's recount from the log (Go, one pass for all areas)", m, len(areas)), *goRuns, func() error {
		t, err := projections.TallyLog(ctx, log, reg, loc, b.Size())
		if err != nil {
			return err
		}
		for _, a := range areas {
			scoring.Score(benchRule, t.Inputs(a, m))
		}
		return nil
	}, "a plain read of every event of the log", readLog); err != nil {
		return fail(err)
	}

	src := annualreport.Source{Log: log, Registry: reg, Conn: conn, DB: db, Loc: loc, Trusted: trusted, Wait: time.Second,
		Position: func(context.Context) (uint64, error) { return pos.Commit, nil }}
	rp, err := annualreport.Build(ctx, src, cp, annualreport.Params{Year: *year})
	if err != nil {
		return fail(err)
	}
	if rp.Disagreements != 0 {
		return fail(fmt.Errorf("the report of %d has %d disagreements: run ledgerctl reconcile", *year, rp.Disagreements))
	}
	res.Figures = len(rp.Figures)
	if err := measure(fmt.Sprintf("report of %d: whole (log read, hashes and root checked, Go recount, %d queries)", *year, len(rp.Figures)+1), *goRuns, func() error {
		_, err := annualreport.Build(ctx, src, cp, annualreport.Params{Year: *year})
		return err
	}, "a plain read of every event of the log", readLog); err != nil {
		return fail(err)
	}
	if err := measure(fmt.Sprintf("report of %d: its %d queries alone (ClickHouse)", *year, len(rp.Figures)+1), *runs, func() error {
		for _, f := range rp.Figures {
			var n int64
			if err := conn.QueryRow(ctx, f.SQL).Scan(&n); err != nil {
				return err
			}
		}
		rows, err := conn.Query(ctx, rp.Trend.SQL)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	}, "count() of events", count("events")); err != nil {
		return fail(err)
	}
	if err := measure(fmt.Sprintf("report of %d: its queries on facts alone (the campaign figures)", *year), *runs, func() error {
		for _, f := range rp.Figures {
			if !strings.Contains(f.SQL, db+".facts") {
				continue
			}
			var n int64
			if err := conn.QueryRow(ctx, f.SQL).Scan(&n); err != nil {
				return err
			}
		}
		return nil
	}, "count() of facts", count("facts")); err != nil {
		return fail(err)
	}

	printReportBench(stdout, res)
	if *jsonOut != "" {
		data, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
			return fail(err)
		}
	}
	return exitOK
}

func printReportBench(w io.Writer, r reportResult) {
	fmt.Fprintf(w, "rankings and report benchmark: %d events, %d areas ranked for %s, the report of %d (%d figures)\n\n", r.Events, r.Areas, r.Month, r.Year, r.Figures)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\truns\tp50 ms\tp95 ms\tmax ms\tbaseline\tp50 ms\tp95 ms\t")
	for _, t := range r.Timings {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%s\t%.1f\t%.1f\t\n", t.Name, t.Runs, t.P50, t.P95, t.Max, t.Baseline, t.BaselineP50, t.BaselineP95)
	}
	tw.Flush()
}
