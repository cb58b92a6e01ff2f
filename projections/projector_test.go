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
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// tally is a model small enough to check by hand: every event once in an
// append-only table, and a per-stream count in a replacing table.
type tally struct{ counts map[string]uint64 }

func (*tally) Name() string { return "tally" }

func (*tally) Tables() []projections.Table {
	return []projections.Table{
		{Name: "seen", Columns: []string{"position", "stream"}, AppendOnly: true,
			Create: "CREATE TABLE IF NOT EXISTS {db}.{table} (position UInt64, stream String) ENGINE = MergeTree ORDER BY position"},
		{Name: "per_stream", Columns: []string{"stream", "events", "version"},
			Create: "CREATE TABLE IF NOT EXISTS {db}.{table} (stream String, events UInt64, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY stream"},
	}
}

func (m *tally) Apply(ctx context.Context, e projections.Event, h projections.History, out *projections.Rows) error {
	if m.counts == nil {
		m.counts = map[string]uint64{}
	}
	if _, ok := m.counts[e.Stream]; !ok && e.Version > 1 {
		earlier, err := h.Before(ctx, e.Stream, e.Position)
		if err != nil {
			return err
		}
		m.counts[e.Stream] = uint64(len(earlier))
	}
	m.counts[e.Stream]++
	out.Add("seen", e.Position.Commit, e.Stream)
	out.Add("per_stream", e.Stream, m.counts[e.Stream], e.Position.Commit)
	return nil
}

func seeded(t *testing.T, events int) *embedded.Store {
	t.Helper()
	log, _ := mustSeed(t, events)
	return log
}

func count(t *testing.T, q projections.Querier, query string) uint64 {
	t.Helper()
	var n uint64
	if err := q.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestProjectorCatchUpAndRedelivery(t *testing.T) {
	conn, db := chtest.Open(t)
	log := seeded(t, 3000)
	head, err := log.Head()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := projections.NewProjector(conn, db, log, catalog.New(), []projections.Model{&tally{}}, projections.WithPageSize(500))
	pos, err := p.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pos != head {
		t.Fatalf("caught up to %v, log ends at %v", pos, head)
	}
	check := func(when string) {
		t.Helper()
		if got := count(t, conn, "SELECT count() FROM "+db+".seen"); got != head.Commit {
			t.Errorf("%s: seen has %d rows, the log %d events", when, got, head.Commit)
		}
		if got := count(t, conn, "SELECT sum(events) FROM "+db+".per_stream FINAL"); got != head.Commit {
			t.Errorf("%s: per-stream counts add up to %d, want %d", when, got, head.Commit)
		}
		if cp, err := projections.ReadCheckpoint(ctx, conn, db, "live"); err != nil || cp != head {
			t.Errorf("%s: checkpoint %v (%v), want %v", when, cp, err, head)
		}
	}
	check("after catch-up")

	// A crash after writing rows but before the checkpoint: the checkpoint
	// lags, so a fresh projector (empty memory) redelivers those pages.
	if err := projections.WriteCheckpoint(ctx, conn, db, "live", eventlog.Position{Commit: head.Commit / 3, Prepare: head.Commit / 3}); err != nil {
		t.Fatal(err)
	}
	again := projections.NewProjector(conn, db, log, catalog.New(), []projections.Model{&tally{}}, projections.WithPageSize(700))
	if _, err := again.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	check("after redelivering two thirds of the log")
}

func TestRebuildSwapsInCompleteTables(t *testing.T) {
	conn, db := chtest.Open(t)
	log := seeded(t, 3000)
	head, _ := log.Head()
	ctx := context.Background()
	// The live tables hold a projection of only part of the log.
	p := projections.NewProjector(conn, db, log, catalog.New(), []projections.Model{&tally{}}, projections.WithPageSize(1000))
	if _, err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pos, err := projections.Rebuild(ctx, conn, db, log, catalog.New(), []projections.Model{&tally{}}, nil, projections.WithPageSize(800))
	if err != nil {
		t.Fatal(err)
	}
	if pos != head {
		t.Fatalf("rebuild reached %v, log ends at %v", pos, head)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".seen"); got != head.Commit {
		t.Errorf("seen has %d rows after the swap, want %d", got, head.Commit)
	}
	if got := count(t, conn, "SELECT count() FROM system.tables WHERE database = '"+db+"' AND position(name, '__') > 0"); got != 0 {
		t.Errorf("%d rebuild or replaced tables left behind", got)
	}
	if cp, _ := projections.ReadCheckpoint(ctx, conn, db, "live"); cp != head {
		t.Errorf("live checkpoint %v after the swap, want %v", cp, head)
	}
	// A second rebuild starts from zero again and gives the same figures.
	if _, err := projections.Rebuild(ctx, conn, db, log, catalog.New(), []projections.Model{&tally{}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".seen"); got != head.Commit {
		t.Errorf("seen has %d rows after a second rebuild, want %d", got, head.Commit)
	}
}

// TestProjectorRunFollowsLiveAppends starts the projector on a seeded log,
// appends while it runs, and waits (polling with a deadline) until every
// new event is in ClickHouse.
func TestProjectorRunFollowsLiveAppends(t *testing.T) {
	conn, db := chtest.Open(t)
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := demo.Seed(ctx, log, demo.Config{Seed: 1, Events: 3000, Until: domain.Date{Year: 2025, Month: 5, Day: 20}}); err != nil {
		t.Fatal(err)
	}
	p := projections.NewProjector(conn, db, log, catalog.New(), []projections.Model{&tally{}})
	done := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	go func() { done <- p.Run(runCtx) }()

	// New areas are registered while the projector follows the log.
	h := command.NewHandler(log, catalog.New())
	for i := range 200 {
		id := fmt.Sprintf("live-%03d", i)
		cmd := command.Command{ID: "register-" + id, Actor: domain.Actor{ID: "office-1"}}
		_, err := command.Create(ctx, h, org.AreaStream(id), cmd, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea(id, org.RegisterArea{Name: "新片区" + id, Leader: "王伟"}, m)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	head, _ := log.Head()
	deadline := time.Now().Add(30 * time.Second)
	for p.Position() < head.Commit {
		if time.Now().After(deadline) {
			t.Fatalf("projector at %d after 30 s, log at %d", p.Position(), head.Commit)
		}
		select {
		case err := <-done:
			t.Fatalf("projector stopped: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil && err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".seen"); got != head.Commit {
		t.Errorf("seen has %d rows, the log %d events", got, head.Commit)
	}
}
