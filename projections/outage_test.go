package projections_test

import (
	"context"
	"fmt"
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

// TestProjectorRidesOutClickHouseOutage stops ClickHouse (a private
// server) while the ledger keeps taking writes: every append succeeds, the
// projector's lag grows while it backs off, and once ClickHouse is back it
// catches up and every reconciled figure is exact.
func TestProjectorRidesOutClickHouseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a ClickHouse server")
	}
	srv := chtest.StartPrivate(t)
	t.Setenv("LEDGER_TEST_CLICKHOUSE", srv.DSN())
	conn, db := chtest.Open(t)

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
	p := projections.NewProjector(conn, db, log, reg, projections.All(log, reg, loc),
		projections.WithBackoff(50*time.Millisecond, 500*time.Millisecond))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()

	h := command.NewHandler(log, reg)
	appended := 0
	register := func(n int) {
		t.Helper()
		for range n {
			id := fmt.Sprintf("outage-%03d", appended)
			cmd := command.Command{ID: "register-" + id, Actor: domain.Actor{ID: "office-1"}}
			if _, err := command.Create(ctx, h, org.AreaStream(id), cmd, func(m domain.Meta) ([]domain.Event, error) {
				return org.NewArea(id, org.RegisterArea{Name: "新片区" + id, Leader: "李娜"}, m)
			}); err != nil {
				t.Fatalf("append during the outage: %v", err)
			}
			appended++
		}
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			select {
			case err := <-done:
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

	register(50)
	srv.Stop()
	register(200) // the log does not need ClickHouse
	waitFor("the lag to show the outage", func() bool { return lag() >= 200 })
	srv.Start()
	waitFor("the projector to catch up after the outage", func() bool { return lag() == 0 })
	stop()
	if err := <-done; err != nil && err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}

	head, _ := log.Head()
	if got := count(t, conn, "SELECT count() FROM "+db+".events"); got != head.Commit {
		t.Errorf("events table has %d rows, the log %d events", got, head.Commit)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".areas FINAL WHERE startsWith(id, 'outage-')"); got != uint64(appended) {
		t.Errorf("areas table has %d of the %d areas registered around the outage", got, appended)
	}
	n, diffs, err := projections.Reconcile(ctx, conn, db, log, reg, projections.All(log, reg, loc), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("figure %s: log %d, ClickHouse %d", d.Figure, d.Log, d.ClickHouse)
	}
	t.Logf("%d figures reconciled after the outage", n)
}
