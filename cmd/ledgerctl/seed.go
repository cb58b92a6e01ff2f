package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
)

// seed writes a demo district through the write path and prints what it
// wrote and the figures the seed document leaves blank.
func (e env) seed(ctx context.Context, args []string) int {
	fs := e.flags("seed")
	cfg := e.logFlags(fs)
	seed := fs.Int64("seed", 1, "random seed: the same seed and --until write the same district")
	events := fs.Int("events", demo.DefaultEvents, "roughly how many events to write")
	until := fs.String("until", "", "last simulated day, YYYY-MM-DD (default: today in Asia/Shanghai)")
	workers := fs.Int("workers", demo.DefaultWorkers, "concurrent scripts")
	evDir := e.evidenceFlag(fs, "the evidence store to put the demo's generated files in")
	files := fs.Bool("files", true, "generate the evidence files a share of the reports, inspections and submissions cite (PNG photos, PDF minutes)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(e.stderr, "ledgerctl seed:", err)
		return exitUsage
	}
	if *events <= 0 || *workers <= 0 {
		fmt.Fprintln(e.stderr, "ledgerctl seed: --events and --workers must be positive")
		return exitUsage
	}
	loc := domain.DefaultLocation()
	day := domain.DateIn(time.Now(), loc)
	if *until != "" {
		d, err := domain.ParseDate(*until)
		if err != nil {
			fmt.Fprintln(e.stderr, "ledgerctl seed: --until:", err)
			return exitUsage
		}
		day = d
	}
	fmt.Fprintf(e.stdout, "seeding district: seed %d, until %s, about %d events, %d workers\n", *seed, day, *events, *workers)

	var store evidence.Store
	if *files {
		dir := evidenceDir(*evDir, *cfg)
		if embedded.IsS3(dir) {
			// evidence.OpenDir would make a local directory named "s3:".
			fmt.Fprintf(e.stderr, "ledgerctl seed: --evidence-dir %s: seed writes files only into a store in a directory; use --files=false for a ledger whose store is in S3\n", dir)
			return exitUsage
		}
		d, err := evidence.OpenDir(dir)
		if err != nil {
			return e.fail("seed: %v", err)
		}
		store = d
		fmt.Fprintf(e.stdout, "evidence files go to %s\n", dir)
	}
	log, err := connect.Open(ctx, *cfg)
	if err != nil {
		return e.fail("seed: %v", err)
	}
	bar := e.progress(int64(*events), "seeding")
	sum, err := demo.Seed(ctx, log, demo.Config{
		Seed: *seed, Events: *events, Until: day, Workers: *workers, Loc: loc,
		Progress: func(n int64) { bar.Set64(min(n, int64(*events))) },
		Evidence: store,
	})
	bar.Finish()
	if cerr := log.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return e.fail("seed: %v", err)
	}
	e.printSummary(sum)
	return exitOK
}

func (e env) printSummary(s demo.Summary) {
	w := e.stdout
	qs := make([]string, len(s.Quarters))
	for i, q := range s.Quarters {
		qs[i] = q.String()
	}
	fmt.Fprintf(w, "until %s; quarters %v; %d units, %d members\n", s.Until, qs, s.Units, s.Members)
	fmt.Fprintf(w, "events written: %d (%d commands, %d already on record) in %s, %.0f events/s\n",
		s.Events, s.Commands, s.Duplicates, s.Elapsed.Round(time.Millisecond), s.EventsPerSecond())
	fams := make([]string, 0, len(s.ByFamily))
	for f := range s.ByFamily {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	for _, f := range fams {
		fmt.Fprintf(w, "  %-14s %8d\n", f, s.ByFamily[f])
	}
	if s.Files > 0 {
		fmt.Fprintf(w, "evidence files: %d citations of generated files in the store (%d bytes: PNG photos, PDF minutes)\n", s.Files, s.FileBytes)
	}
	f := s.Figures
	fmt.Fprintf(w, "全区各级党组织共确定活动主题%d个，承诺事项%d件，各级领导深入点评%d次，查找缺点和不足%d条，提出改进措施%d条，各部门单位评选先锋模范人物%d人。\n",
		f.Themes, f.Pledges, f.Reviews, f.Shortcomings, f.Measures, f.Vanguards)
}
