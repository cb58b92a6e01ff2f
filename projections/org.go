package projections

import (
	"context"
	"fmt"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/org"
)

// Org writes the dimension tables analysts join with: areas, units and
// members, each the current state of the entity (ReplacingMergeTree keyed
// by id, orgVersioned by the global position of its last event).
type Org struct {
	units   *UnitIndex
	areas   map[string]*orgVersioned[org.Area]
	members map[string]*orgVersioned[org.Member]

	// expect is the reconciler's own index: Expect folds the whole log,
	// independently of what Apply has seen.
	expect *UnitIndex
}

type orgVersioned[T any] struct {
	state T
	pos   uint64
}

// NewOrg returns the org model.
func NewOrg() *Org {
	return &Org{
		units:   NewUnitIndex(),
		areas:   map[string]*orgVersioned[org.Area]{},
		members: map[string]*orgVersioned[org.Member]{},
		expect:  NewUnitIndex(),
	}
}

func (*Org) Name() string { return "org" }

func (*Org) Tables() []Table {
	return []Table{
		{Name: "areas", Columns: []string{"id", "name", "leader", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, name String, leader String, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
		{Name: "units", Columns: []string{"id", "name", "kind", "parent_id", "area_id", "level", "registered_at", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, name String, kind String, parent_id String, area_id String,
				level UInt8, registered_at DateTime, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
		{Name: "members", Columns: []string{"id", "name", "unit_id", "state", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, name String, unit_id String, state String, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
	}
}

func (m *Org) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	switch e.Data.(type) {
	case org.UnitRegistered, org.UnitRenamed, org.UnitMoved:
		if err := m.units.Follow(ctx, e, h); err != nil {
			return err
		}
		u, _ := m.units.Lookup(unitEventID(e))
		out.Add("units", u.ID, u.Name, u.Kind.String(), u.Parent, u.Area, uint8(u.Kind.Level()), evTime(u.RegisteredAt), u.Position)
	case org.AreaRegistered, org.AreaRenamed, org.AreaLeaderChanged:
		a, err := orgEntity(ctx, h, m.areas, areaEventID(e), org.AreaStream, e)
		if err != nil {
			return err
		}
		out.Add("areas", a.state.ID, a.state.Name, a.state.Leader, a.pos)
	case org.MemberRegistered, org.MemberMoved, org.MemberLeft, org.ContactPointAssigned, org.ContactPointEnded:
		mb, err := orgEntity(ctx, h, m.members, memberEventID(e), org.MemberStream, e)
		if err != nil {
			return err
		}
		out.Add("members", mb.state.ID, mb.state.Name, mb.state.UnitID, mb.state.State(), mb.pos)
	}
	return nil
}

// orgEntity folds e into the entity's state (see entity).
func orgEntity[T any, P interface {
	*T
	domain.Aggregate
}](ctx context.Context, h History, states map[string]*orgVersioned[T], id string, stream func(string) string, e Event) (*orgVersioned[T], error) {
	s, err := entity(ctx, h, states, id, stream(id), e, func(s *orgVersioned[T], d domain.Event) { P(&s.state).Apply(d) })
	if err != nil {
		return nil, fmt.Errorf("org: %w", err)
	}
	s.pos = e.Seq()
	return s, nil
}

func areaEventID(e Event) string { return entityID(e, org.EntityArea, org.AreaStream) }

func memberEventID(e Event) string { return entityID(e, org.EntityMember, org.MemberStream) }

// Expect counts the units by area and kind, the areas, and the members by
// state.
func (m *Org) Expect(e Event, figures map[string]int64) {
	switch e.Data.(type) {
	case org.UnitRegistered, org.UnitMoved:
		id := unitEventID(e)
		if before, ok := m.expect.Lookup(id); ok {
			addFigure(figures, unitsFigure(before), -1)
		}
		m.expect.Apply(e)
		after, _ := m.expect.Lookup(id)
		addFigure(figures, unitsFigure(after), 1)
	case org.AreaRegistered:
		addFigure(figures, "areas.count", 1)
	case org.MemberRegistered:
		addFigure(figures, "members.count{state=active}", 1)
	case org.MemberLeft:
		addFigure(figures, "members.count{state=active}", -1)
		addFigure(figures, "members.count{state=left}", 1)
	}
}

func unitsFigure(u UnitInfo) string {
	return "units.count{area=" + u.Area + ",kind=" + u.Kind.String() + "}"
}

// Actual reads the same figures from the org tables.
func (*Org) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	err := queryEach(ctx, q, "SELECT area_id, kind, count() FROM "+db+".units FINAL GROUP BY area_id, kind", func(scan func(...any) error) error {
		var area, kind string
		var n uint64
		if err := scan(&area, &kind, &n); err != nil {
			return err
		}
		got["units.count{area="+area+",kind="+kind+"}"] = int64(n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("org: units: %w", err)
	}
	var areas uint64
	if err := q.QueryRow(ctx, "SELECT count() FROM "+db+".areas FINAL").Scan(&areas); err != nil {
		return nil, fmt.Errorf("org: areas: %w", err)
	}
	if areas > 0 {
		got["areas.count"] = int64(areas)
	}
	err = evCounts(ctx, q, "SELECT state, count() FROM "+db+".members FINAL GROUP BY state", func(state string, n uint64) {
		got["members.count{state="+state+"}"] = int64(n)
	})
	if err != nil {
		return nil, fmt.Errorf("org: members: %w", err)
	}
	return got, nil
}
