package projections_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// ogDistrict is a seeded demo log and everything in it, decoded.
type ogDistrict struct {
	log    *embedded.Store
	events []projections.Event
}

func mustOgDistrict(t *testing.T) *ogDistrict {
	t.Helper()
	log, _ := mustSeed(t, 3000)
	d := &ogDistrict{log: log}
	d.reread(t)
	return d
}

// reread loads every event of the log again.
func (d *ogDistrict) reread(t *testing.T) {
	t.Helper()
	d.events = mustEvents(t, d.log)
}

// units folds the log's unit events with the domain aggregate: what the
// units table must show.
func (d *ogDistrict) units() map[string]*org.Unit {
	units := map[string]*org.Unit{}
	for _, e := range d.events {
		if e.Stream[:len("unit-")] != "unit-" {
			continue
		}
		id := e.Stream[len("unit-"):]
		if units[id] == nil {
			units[id] = &org.Unit{}
		}
		units[id].Apply(e.Data)
	}
	return units
}

// coverage is which units each group covers, computed from the log the
// simple way: areas assigned, and unit assignments with their subtrees.
func (d *ogDistrict) coverage() map[string]map[string]bool {
	units := d.units()
	groups := map[string]*inspection.Group{}
	for _, e := range d.events {
		if len(e.Stream) > 6 && e.Stream[:6] == "group-" {
			id := e.Stream[6:]
			if groups[id] == nil {
				groups[id] = &inspection.Group{}
			}
			groups[id].Apply(e.Data)
		}
	}
	under := func(u, top string) bool {
		for ; u != ""; u = units[u].ParentID {
			if u == top {
				return true
			}
		}
		return false
	}
	out := map[string]map[string]bool{}
	for gid, g := range groups {
		out[gid] = map[string]bool{}
		for uid, u := range units {
			for _, t := range g.Assignments {
				if (t.Kind == inspection.TargetArea && t.ID == u.AreaID) || (t.Kind == inspection.TargetUnit && under(uid, t.ID)) {
					out[gid][uid] = true
				}
			}
		}
	}
	return out
}

func ogModels(log eventlog.Store) []projections.Model {
	return []projections.Model{projections.NewEvents(), projections.NewOrg(), projections.NewGroups(log, catalog.New())}
}

func ogCatchUp(t *testing.T, conn projections.Conn, db string, log eventlog.Store, models []projections.Model) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := projections.NewProjector(conn, db, log, catalog.New(), models, projections.WithPageSize(500))
	if _, err := p.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

func ogCount(t *testing.T, q projections.Querier, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := q.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// ogReconcile checks every figure of the models' reconcilers: the log
// folded in Go (by fresh models) against ClickHouse.
func ogReconcile(t *testing.T, q projections.Querier, db string, d *ogDistrict) {
	t.Helper()
	for _, m := range ogModels(nil) {
		r, ok := m.(projections.Reconciler)
		if !ok {
			t.Fatalf("%s is not a Reconciler", m.Name())
		}
		want := map[string]int64{}
		for _, e := range d.events {
			r.Expect(e, want)
		}
		got, err := r.Actual(context.Background(), q, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if got[k] != want[k] {
				t.Errorf("%s: %s = %d in ClickHouse, %d in the log", m.Name(), k, got[k], want[k])
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: %s = %d in ClickHouse, absent from the log", m.Name(), k, got[k])
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: the log gives no figures", m.Name())
		}
	}
}

// ogGroupCounts are the figures redelivery must not change.
func ogGroupCounts(t *testing.T, q projections.Querier, db string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for name, query := range map[string]string{
		"events":             "SELECT count() FROM " + db + ".events",
		"units":              "SELECT count() FROM " + db + ".units FINAL",
		"areas":              "SELECT count() FROM " + db + ".areas FINAL",
		"members":            "SELECT count() FROM " + db + ".members FINAL",
		"groups":             "SELECT count() FROM " + db + ".groups FINAL",
		"group_units":        "SELECT count() FROM " + db + ".group_units FINAL",
		"group_units active": "SELECT count() FROM " + db + ".group_units FINAL WHERE active = 1",
		"inspections":        "SELECT count() FROM " + db + ".inspections FINAL",
		"findings":           "SELECT sum(findings) FROM " + db + ".inspections FINAL",
	} {
		out[name] = ogCount(t, q, query)
	}
	return out
}

func TestEventsProjection(t *testing.T) {
	conn, db := chtest.Open(t)
	d := mustOgDistrict(t)
	models := ogModels(d.log)
	ogCatchUp(t, conn, db, d.log, models)
	t.Logf("projected %d events: %v", len(d.events), ogGroupCounts(t, conn, db))

	if got, want := ogCount(t, conn, "SELECT count() FROM "+db+".events"), uint64(len(d.events)); got != want {
		t.Fatalf("events has %d rows, the log %d events", got, want)
	}
	if got := ogCount(t, conn, "SELECT uniqExact(position) FROM "+db+".events"); got != uint64(len(d.events)) {
		t.Errorf("events has %d distinct positions, want %d", got, len(d.events))
	}

	// Every column of a few events against the envelope.
	units := d.units()
	for _, i := range []int{0, 17, len(d.events) / 2, len(d.events) - 1} {
		e := d.events[i]
		var (
			position, commit, prepare, version                         uint64
			id, stream, typ, family, actor, unit, area                 string
			commandID, correlationID, causationID, payload, prev, hash string
			occurred, recorded                                         time.Time
			late                                                       uint8
			schema                                                     uint32
		)
		err := conn.QueryRow(context.Background(), `SELECT position, commit_position, prepare_position, id, stream, version, type, family,
			occurred_at, recorded_at, late, actor, unit, area, command_id, correlation_id, causation_id,
			schema_version, payload, prev_hash, hash FROM `+db+`.events WHERE position = ?`, e.Position.Commit).
			Scan(&position, &commit, &prepare, &id, &stream, &version, &typ, &family, &occurred, &recorded, &late,
				&actor, &unit, &area, &commandID, &correlationID, &causationID, &schema, &payload, &prev, &hash)
		if err != nil {
			t.Fatalf("event at %v: %v", e.Position, err)
		}
		wantArea := ""
		if u := units[e.Unit]; u != nil {
			wantArea = u.AreaID // the demo moves no unit whose events we sample here before the move
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"position", position, e.Position.Commit},
			{"commit_position", commit, e.Position.Commit},
			{"prepare_position", prepare, e.Position.Prepare},
			{"id", id, e.ID},
			{"stream", stream, e.Stream},
			{"version", version, e.Version},
			{"type", typ, e.Type},
			{"family", family, catalog.Family(e.Type)},
			{"occurred_at", occurred.Unix(), e.OccurredAt.Unix()},
			{"recorded_at", recorded.Unix(), e.RecordedAt.Unix()},
			{"late", late == 1, e.RecordedAt.Sub(e.OccurredAt) > projections.LateAfter},
			{"actor", actor, e.Actor},
			{"unit", unit, e.Unit},
			{"area", area, wantArea},
			{"command_id", commandID, e.CommandID},
			{"correlation_id", correlationID, e.CorrelationID},
			{"causation_id", causationID, e.CausationID},
			{"schema_version", int(schema), e.SchemaVersion},
			{"payload", payload, string(e.Payload)},
			{"prev_hash", prev, e.PrevHash.String()},
			{"hash", hash, e.Hash.String()},
		} {
			if c.got != c.want {
				t.Errorf("event %d (%s) column %s = %v, want %v", e.Position.Commit, e.Type, c.name, c.got, c.want)
			}
		}
	}

	// Every event of a unit in an area carries that area.
	if n := ogCount(t, conn, "SELECT count() FROM "+db+".events WHERE unit != '' AND unit != 'u0000' AND area = ''"); n != 0 {
		t.Errorf("%d events of a unit other than the district have no area", n)
	}
	ogReconcile(t, conn, db, d)
}

func TestEventsLateFlag(t *testing.T) {
	base := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		recorded time.Time
		want     bool
	}{
		{"same day", base.Add(time.Hour), false},
		{"exactly seven days", base.Add(projections.LateAfter), false},
		{"seven days and a second", base.Add(projections.LateAfter + time.Second), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := projections.Event{Event: eventlog.Event{OccurredAt: base, RecordedAt: c.recorded}}
			if got := projections.IsLate(e); got != c.want {
				t.Errorf("IsLate = %v, want %v", got, c.want)
			}
		})
	}
}
