package projections_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// warnings counts the projector's warnings (each failed write is one) and
// passes them on to the test log.
type warnings struct {
	t *testing.T
	n *atomic.Int64
}

func (w warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w warnings) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w warnings) WithGroup(string) slog.Handler                { return w }
func (w warnings) Handle(_ context.Context, r slog.Record) error {
	if w.n.Add(1) <= 3 { // the first few say why; the rest only count
		var attrs []any
		r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a); return true })
		w.t.Log(append([]any{r.Message}, attrs...)...)
	}
	return nil
}

// TestProjectorRidesOutClickHouseOutage stops ClickHouse (a private
// server) while the ledger keeps taking writes: every append succeeds, the
// projector backs off and its lag grows, and once ClickHouse is back it
// catches up and every reconciled figure is exact.
func TestProjectorRidesOutClickHouseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a ClickHouse server")
	}
	for _, tc := range []struct {
		name string
		halt func(*chtest.Server)
	}{
		{"stopped", (*chtest.Server).Stop},
		{"killed", (*chtest.Server).Kill},
	} {
		t.Run(tc.name, func(t *testing.T) { rideOutOutage(t, tc.halt) })
	}
}

// rideOutOutage is the outage test with ClickHouse halted by halt.
func rideOutOutage(t *testing.T, halt func(*chtest.Server)) {
	began := time.Now()
	srv := chtest.StartServer(t)
	t.Setenv("LEDGER_TEST_CLICKHOUSE", srv.DSN()) // chtest.Open connects to it
	conn, db := chtest.Open(t)
	t.Logf("private ClickHouse up in %v", time.Since(began).Round(time.Millisecond))

	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := demo.Seed(ctx, log, demo.Config{Seed: 1, Events: 3000, Until: domain.Date{Year: 2025, Month: 5, Day: 20}}); err != nil {
		t.Fatal(err)
	}
	reg := catalog.New()
	loc := domain.DefaultLocation()
	var warned atomic.Int64
	// Short backoff keeps the test quick; pages of 500 keep the lag under a
	// steady load short (Run writes a page when it is full or when the log
	// has been quiet for a moment).
	p := projections.NewProjector(conn, db, log, reg, projections.All(log, reg, loc),
		projections.WithBackoff(50*time.Millisecond, 500*time.Millisecond),
		projections.WithPageSize(500),
		projections.WithLogger(slog.New(warnings{t, &warned})))
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- p.Run(runCtx) }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up after 60 s waiting for %s (projector at %d)", what, p.Position())
			}
			select {
			case err := <-ran:
				t.Fatalf("projector stopped while waiting for %s: %v", what, err)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	lag := func() uint64 {
		n, err := p.Lag()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor("the projector to catch up with the seed", func() bool { return lag() == 0 })
	t.Logf("caught up with the seed at %v", time.Since(began).Round(time.Millisecond))

	// The write load: new areas registered through the command path at up
	// to 500 a second (a ledger's rush hour, and few enough to reconcile
	// quickly), from before the outage until after it.
	var appended atomic.Int64
	quit, wrote := make(chan struct{}), make(chan error, 1)
	h := command.NewHandler(log, reg)
	go func() {
		pace := time.NewTicker(2 * time.Millisecond)
		defer pace.Stop()
		for i := 0; ; i++ {
			select {
			case <-quit:
				wrote <- nil
				return
			case <-pace.C:
			}
			id := fmt.Sprintf("outage-%05d", i)
			cmd := command.Command{ID: "register-" + id, Actor: domain.Actor{ID: "office-1"}}
			if _, err := command.Create(ctx, h, org.AreaStream(id), cmd, func(m domain.Meta) ([]domain.Event, error) {
				return org.NewArea(id, org.RegisterArea{Name: "新片区" + id, Leader: "李娜"}, m)
			}); err != nil {
				wrote <- fmt.Errorf("append %s: %w", id, err)
				return
			}
			appended.Add(1)
		}
	}()
	seeded := p.Position()
	waitFor("the projector to follow the load", func() bool { return p.Position() >= seeded+50 })

	stopping := time.Now()
	halt(srv)
	stopped, atStop := time.Now(), appended.Load()
	t.Logf("ClickHouse halted in %v, %d appends so far", stopped.Sub(stopping).Round(time.Millisecond), atStop)
	waitFor("the lag to show the outage", func() bool { return lag() >= 500 && appended.Load() >= atStop+500 })
	waitFor("the projector to back off more than once", func() bool { return warned.Load() >= 2 })
	lagAtRestart := lag()
	srv.Start()
	restarted, atRestart := time.Now(), appended.Load()
	t.Logf("ClickHouse restarted in %v", restarted.Sub(stopped).Round(time.Millisecond))
	waitFor("more appends after the restart", func() bool { return appended.Load() >= atRestart+200 })
	close(quit)
	if err := <-wrote; err != nil {
		t.Fatalf("the log refused a write while ClickHouse was away: %v", err)
	}
	waitFor("the projector to catch up after the outage", func() bool { return lag() == 0 })
	t.Logf("outage %v, %d appends during it, lag at restart %d, %d warnings; caught up %v after the restart",
		restarted.Sub(stopped).Round(time.Millisecond), atRestart-atStop, lagAtRestart, warned.Load(),
		time.Since(restarted).Round(time.Millisecond))
	stopRun()
	if err := <-ran; err != nil && err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}

	head, err := log.Head()
	if err != nil {
		t.Fatal(err)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".events"); got != head.Commit {
		t.Errorf("events table has %d rows, the log %d events", got, head.Commit)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".areas FINAL WHERE startsWith(id, 'outage-')"); got != uint64(appended.Load()) {
		t.Errorf("areas table has %d of the %d areas registered around the outage", got, appended.Load())
	}
	reconciling := time.Now()
	n, diffs, err := projections.Reconcile(ctx, conn, db, log, reg, projections.All(log, reg, loc), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("figure %s: log %d, ClickHouse %d", d.Figure, d.Log, d.ClickHouse)
	}
	t.Logf("%d figures reconciled in %v; test took %v", n, time.Since(reconciling).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}
