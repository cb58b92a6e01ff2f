package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

func TestOrgDimensions(t *testing.T) {
	conn, db := chtest.Open(t)
	d := mustOgDistrict(t)
	models := ogModels(d.log)
	ogCatchUp(t, conn, db, d.log, models)

	want := d.units()
	if len(want) == 0 || len(want) > 300 {
		t.Fatalf("the demo has %d units, want 1..300", len(want))
	}
	rows, err := conn.Query(context.Background(), "SELECT id, name, kind, parent_id, area_id, level FROM "+db+".units FINAL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id, name, kind, parent, area string
		var level uint8
		if err := rows.Scan(&id, &name, &kind, &parent, &area, &level); err != nil {
			t.Fatal(err)
		}
		seen++
		u := want[id]
		if u == nil {
			t.Errorf("unit %s is not in the log", id)
			continue
		}
		if name != u.Name || kind != u.Kind.String() || parent != u.ParentID || area != u.AreaID || int(level) != u.Kind.Level() {
			t.Errorf("unit %s = (%s, %s, %s, %s, %d), want (%s, %s, %s, %s, %d)", id, name, kind, parent, area, level,
				u.Name, u.Kind, u.ParentID, u.AreaID, u.Kind.Level())
		}
		if area == "" && u.Kind != org.KindDistrict {
			t.Errorf("unit %s (%s) has no area", id, kind)
		}
	}
	if seen != len(want) {
		t.Errorf("units has %d rows, the log %d units", seen, len(want))
	}
	if n := ogCount(t, conn, "SELECT count() FROM "+db+".areas FINAL WHERE leader = ''"); n != 0 {
		t.Errorf("%d areas have no leader", n)
	}

	// Redelivery after a crash: the checkpoint lags behind the rows, and a
	// fresh set of models (empty memory, rebuilding from history)
	// projects the last two thirds again. No figure changes.
	before := ogGroupCounts(t, conn, db)
	ctx := context.Background()
	third := d.events[len(d.events)/3].Position
	if err := projections.WriteCheckpoint(ctx, conn, db, "live", third); err != nil {
		t.Fatal(err)
	}
	fresh := ogModels(d.log)
	ogCatchUp(t, conn, db, d.log, fresh)
	after := ogGroupCounts(t, conn, db)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("after redelivery %s = %d, want %d", k, after[k], v)
		}
	}
	ogReconcile(t, conn, db, d)
}

// ogHistory serves streams from a slice of events, as the projector's
// history does from the log.
type ogHistory struct {
	events []projections.Event
	asked  int
}

var _ projections.History = (*ogHistory)(nil)

func (h *ogHistory) Before(_ context.Context, stream string, pos eventlog.Position) ([]projections.Event, error) {
	h.asked++
	var out []projections.Event
	for _, e := range h.events {
		if e.Stream == stream && e.Position.Less(pos) {
			out = append(out, e)
		}
	}
	return out, nil
}

func ogEvent(pos, version uint64, stream string, data interface{ EventType() string }) projections.Event {
	return projections.Event{
		Event: eventlog.Event{Position: eventlog.Position{Commit: pos, Prepare: pos}, Stream: stream, Version: version, Type: data.EventType()},
		Data:  data,
	}
}

func TestUnitIndexAfterRestart(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	log := []projections.Event{
		ogEvent(1, 1, org.UnitStream("u1"), org.UnitRegistered{UnitID: "u1", Name: "街道", Kind: org.KindStreet, ParentID: "u0", AreaID: "a01", OccurredAt: at}),
		ogEvent(2, 2, org.UnitStream("u1"), org.UnitRenamed{UnitID: "u1", Name: "新街道", PreviousName: "街道"}),
		ogEvent(3, 3, org.UnitStream("u1"), org.UnitMoved{UnitID: "u1", ParentID: "u0", AreaID: "a02", PreviousParentID: "u0", PreviousAreaID: "a01"}),
		ogEvent(4, 1, "theme-u1-2025Q1", org.ThemeSet{UnitID: "u1"}),
	}
	h := &ogHistory{events: log}
	ctx := context.Background()

	// A restarted index meets the move first: it rebuilds the unit.
	x := projections.NewUnitIndex()
	if err := x.Follow(ctx, log[2], h); err != nil {
		t.Fatal(err)
	}
	got, ok := x.Lookup("u1")
	want := projections.UnitInfo{ID: "u1", Name: "新街道", Kind: org.KindStreet, Area: "a02", Parent: "u0", RegisteredAt: at, Position: 3}
	if !ok || got != want {
		t.Errorf("after a restart at the move: %+v, want %+v", got, want)
	}

	// Another restarted index meets an event of the unit that is not a
	// unit event: Load gives the area as of that event.
	y := projections.NewUnitIndex()
	area, err := y.AreaOf(ctx, h, "u1", log[2].Position)
	if err != nil || area != "a01" {
		t.Errorf("area before the move = %q, %v; want a01", area, err)
	}
	// An unknown unit is asked for once.
	asked := h.asked
	for range 3 {
		if area, err := y.AreaOf(ctx, h, "nobody", log[3].Position); err != nil || area != "" {
			t.Errorf("area of an unknown unit = %q, %v", area, err)
		}
	}
	if h.asked != asked+1 {
		t.Errorf("the log was asked %d times for an unknown unit, want once", h.asked-asked)
	}
}

type ogFailingHistory struct{}

func (ogFailingHistory) Before(context.Context, string, eventlog.Position) ([]projections.Event, error) {
	return nil, errors.New("log unavailable")
}

func TestUnitIndexHistoryError(t *testing.T) {
	x := projections.NewUnitIndex()
	e := ogEvent(3, 3, org.UnitStream("u1"), org.UnitMoved{UnitID: "u1", AreaID: "a02"})
	if err := x.Follow(context.Background(), e, ogFailingHistory{}); err == nil {
		t.Error("Follow with a failing history succeeded")
	}
}
