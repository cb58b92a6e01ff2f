package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/projections"
)

// projectionsSetup is what project, rebuild and reconcile share: the log,
// ClickHouse and the registry.
type projectionsSetup struct {
	log  eventlog.Store
	conn projections.Conn
	db   string
	reg  *domain.Registry
	topo projections.Topology
}

func (e env) clickhouseFlag(fs *flag.FlagSet) *string {
	return fs.String("clickhouse", e.def("LEDGER_CLICKHOUSE", projections.DefaultDSN), "ClickHouse DSN of the read models (LEDGER_CLICKHOUSE)")
}

func (e env) openProjections(ctx context.Context, name string, args []string) (*projectionsSetup, func(), int) {
	projections.TuneGCForReplay()
	fs := e.flags(name)
	cfg := e.logFlags(fs)
	dsn := e.clickhouseFlag(fs)
	cluster := fs.String("clickhouse-cluster", e.def("LEDGER_CLICKHOUSE_CLUSTER", ""), "the read models are laid out on this ClickHouse cluster (LEDGER_CLICKHOUSE_CLUSTER)")
	replicated := fs.Bool("clickhouse-replicated", e.def("LEDGER_CLICKHOUSE_REPLICATED", "true") == "true", "with --clickhouse-cluster: Replicated* local tables (LEDGER_CLICKHOUSE_REPLICATED)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, exitUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "ledgerctl %s: %v\n", name, err)
		return nil, nil, exitUsage
	}
	log, err := connect.Open(ctx, *cfg)
	if err != nil {
		return nil, nil, e.fail("%s: %v", name, err)
	}
	conn, db, err := projections.Connect(ctx, *dsn)
	if err != nil {
		log.Close()
		return nil, nil, e.fail("%s: %v", name, err)
	}
	s := &projectionsSetup{log: log, conn: conn, db: db, reg: catalog.New(),
		topo: projections.Topology{Cluster: *cluster, Replicated: *cluster != "" && *replicated}}
	return s, func() { conn.Close(); log.Close() }, exitOK
}

// headOf returns the position of the log's last event.
func headOf(ctx context.Context, log eventlog.Store) eventlog.Position {
	type header interface {
		Head() (eventlog.Position, error)
	}
	if h, ok := log.(header); ok {
		if p, err := h.Head(); err == nil {
			return p
		}
	}
	return eventlog.Position{}
}

func (e env) projectionBar(ctx context.Context, log eventlog.Store, what string) projections.Progress {
	head := headOf(ctx, log)
	if head.Commit == 0 {
		return func(pos eventlog.Position, n uint64) { fmt.Fprintf(e.stderr, "\r%s: %d events", what, n) }
	}
	bar := e.progress(int64(head.Commit), what)
	return func(pos eventlog.Position, n uint64) { bar.Set64(int64(min(pos.Commit, head.Commit))) }
}

// project catches the read models up with the log once.
func (e env) project(ctx context.Context, args []string) int {
	s, closeAll, code := e.openProjections(ctx, "project", args)
	if s == nil {
		return code
	}
	defer closeAll()
	start := time.Now()
	p := projections.NewProjector(s.conn, s.db, s.log, s.reg, projections.All(s.log, s.reg, domain.DefaultLocation()), projections.WithTopology(s.topo))
	pos, err := p.CatchUpWithProgress(ctx, e.projectionBar(ctx, s.log, "projecting"))
	if err != nil {
		return e.fail("project: %v", err)
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "projected %d events into %s up to position %v in %s (%.0f events/s)\n",
		p.Events(), s.db, pos, el.Round(time.Millisecond), float64(p.Events())/el.Seconds())
	return exitOK
}

// rebuild replays the whole log into new tables and swaps them in.
func (e env) rebuild(ctx context.Context, args []string) int {
	s, closeAll, code := e.openProjections(ctx, "rebuild", args)
	if s == nil {
		return code
	}
	defer closeAll()
	start := time.Now()
	pos, err := projections.Rebuild(ctx, s.conn, s.db, s.log, s.reg, projections.All(s.log, s.reg, domain.DefaultLocation()),
		e.projectionBar(ctx, s.log, "rebuilding"), projections.WithTopology(s.topo))
	if err != nil {
		return e.fail("rebuild: %v", err)
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "rebuilt %s up to position %v in %s (%.0f events/s); new tables swapped in\n",
		s.db, pos, el.Round(time.Millisecond), float64(pos.Commit)/el.Seconds())
	return exitOK
}

// reconcile compares every figure in ClickHouse with the log.
func (e env) reconcile(ctx context.Context, args []string) int {
	s, closeAll, code := e.openProjections(ctx, "reconcile", args)
	if s == nil {
		return code
	}
	defer closeAll()
	n, diffs, err := projections.Reconcile(ctx, s.conn, s.db, s.log, s.reg, projections.All(s.log, s.reg, domain.DefaultLocation()),
		e.projectionBar(ctx, s.log, "reading the log"))
	if err != nil {
		return e.fail("reconcile: %v", err)
	}
	fmt.Fprintln(e.stderr)
	for _, d := range diffs {
		fmt.Fprintf(e.stdout, "DIFFERENT %s: log %d, clickhouse %d\n", d.Figure, d.Log, d.ClickHouse)
	}
	if len(diffs) > 0 {
		fmt.Fprintf(e.stdout, "FAILED: %d of %d figures differ\n", len(diffs), n)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "ok: %d figures agree between the log and %s\n", n, s.db)
	return exitOK
}
