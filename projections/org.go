package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
)

// UnitInfo is what other models need to know about a unit: its name, kind
// and place in the tree and the areas.
type UnitInfo struct {
	ID           string
	Name         string
	Kind         org.Kind
	Area         string // "" for the district
	Parent       string // "" for the district
	RegisteredAt time.Time
	Position     uint64 // global position of the unit's last event
}

// UnitIndex is the unit tree in memory, fed from unit.registered, renamed
// and moved events, so that models can label their rows with a unit's
// area and kind as they stand at the event being projected. A model keeps
// its own index (models share no state). After a restart the index is
// empty: Follow and Load rebuild a unit they meet from its stream.
//
// It also keeps each unit's earlier places (area and kind by position), so
// a model can label an entity's rows with where its unit stood when the
// entity began (At), and a correction later still counts in that place.
// The zero value is an empty index.
type UnitIndex struct {
	units   map[string]*UnitInfo
	past    map[string][]unitAt // each unit's versions, oldest first
	missing map[string]bool     // looked up in the log and not found
}

// unitAt is a unit as it stood from position pos on.
type unitAt struct {
	pos  eventlog.Position
	info UnitInfo
}

// NewUnitIndex returns an empty index.
func NewUnitIndex() *UnitIndex { return &UnitIndex{} }

func (x *UnitIndex) init() {
	if x.units == nil {
		x.units, x.past, x.missing = map[string]*UnitInfo{}, map[string][]unitAt{}, map[string]bool{}
	}
}

// unitEventID is the unit a unit event is about, "" for other events.
func unitEventID(d domain.Event) string {
	switch d := d.(type) {
	case org.UnitRegistered:
		return d.UnitID
	case org.UnitRenamed:
		return d.UnitID
	case org.UnitMoved:
		return d.UnitID
	}
	return ""
}

// Apply folds one event into the index and returns the id of the unit it
// changed, or "" if it is not a unit event. It goes through org.Unit, so
// the index follows the domain's own rules.
func (x *UnitIndex) Apply(e Event) string {
	id := unitEventID(e.Data)
	if id == "" {
		return ""
	}
	x.init()
	info := x.units[id]
	if info == nil {
		info = &UnitInfo{ID: id}
		x.units[id] = info
		delete(x.missing, id)
	}
	u := org.Unit{ID: info.ID, Name: info.Name, Kind: info.Kind, ParentID: info.Parent, AreaID: info.Area}
	u.Apply(e.Data)
	info.Name, info.Kind, info.Parent, info.Area = u.Name, u.Kind, u.ParentID, u.AreaID
	if r, ok := e.Data.(org.UnitRegistered); ok {
		info.RegisteredAt = r.OccurredAt
	}
	info.Position = e.Seq()
	x.past[id] = append(x.past[id], unitAt{pos: e.Position, info: *info})
	return id
}

// Follow is Apply for a model that may have restarted: a unit event for a
// unit the index does not know, other than its first, rebuilds the unit
// from its stream first.
func (x *UnitIndex) Follow(ctx context.Context, e Event, h History) error {
	id := unitEventID(e.Data)
	if id == "" {
		return nil
	}
	if _, known := x.units[id]; !known && e.Version > 1 {
		if _, _, err := x.Load(ctx, h, id, e.Position); err != nil {
			return err
		}
	}
	x.Apply(e)
	return nil
}

// Lookup returns what the index knows of a unit.
func (x *UnitIndex) Lookup(id string) (UnitInfo, bool) {
	x.init()
	if u, ok := x.units[id]; ok {
		return *u, true
	}
	return UnitInfo{}, false
}

// Load is Lookup with a fallback for a unit the index has not seen (after
// a restart): it rebuilds the unit from its stream's events before
// position before. A unit that has no events then is remembered as
// missing, so the log is asked once.
func (x *UnitIndex) Load(ctx context.Context, h History, id string, before eventlog.Position) (UnitInfo, bool, error) {
	if u, ok := x.Lookup(id); ok || id == "" || x.missing[id] || h == nil {
		return u, ok, nil
	}
	earlier, err := h.Before(ctx, org.UnitStream(id), before)
	if err != nil {
		return UnitInfo{}, false, fmt.Errorf("unit index: history of unit %s: %w", id, err)
	}
	for _, e := range earlier {
		x.Apply(e)
	}
	u, ok := x.Lookup(id)
	if !ok {
		x.missing[id] = true
	}
	return u, ok, nil
}

// At is the unit as it stood at position asOf, loading it from its
// stream's events before now if the index has not seen it. The second
// result is false for a unit unknown then.
func (x *UnitIndex) At(ctx context.Context, h History, id string, asOf, now eventlog.Position) (UnitInfo, bool, error) {
	if _, _, err := x.Load(ctx, h, id, now); err != nil {
		return UnitInfo{}, false, err
	}
	var at UnitInfo
	found := false
	for _, v := range x.past[id] {
		if asOf.Less(v.pos) {
			break
		}
		at, found = v.info, true
	}
	return at, found, nil
}

// AreaOf is the area of a unit as of position before; "" for no unit, an
// unknown one or the district.
func (x *UnitIndex) AreaOf(ctx context.Context, h History, id string, before eventlog.Position) (string, error) {
	u, _, err := x.Load(ctx, h, id, before)
	return u.Area, err
}

// Each calls f for every unit known.
func (x *UnitIndex) Each(f func(UnitInfo)) {
	x.init()
	for _, u := range x.units {
		f(*u)
	}
}

// Subtree lists a unit and every unit under it.
func (x *UnitIndex) Subtree(id string) []string {
	out := []string{id}
	for _, u := range x.units {
		if u.ID != id && x.under(u.ID, id) {
			out = append(out, u.ID)
		}
	}
	return out
}

// under reports whether unit id sits below (or is) unit top. The walk is
// bounded, so a corrupt tree cannot loop.
func (x *UnitIndex) under(id, top string) bool {
	for i := 0; id != "" && i < 64; i++ {
		if id == top {
			return true
		}
		u, ok := x.units[id]
		if !ok {
			return false
		}
		id = u.Parent
	}
	return false
}

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
	switch d := e.Data.(type) {
	case org.UnitRegistered, org.UnitRenamed, org.UnitMoved:
		if err := m.units.Follow(ctx, e, h); err != nil {
			return err
		}
		u, _ := m.units.Lookup(unitEventID(d))
		out.Add("units", u.ID, u.Name, u.Kind.String(), u.Parent, u.Area, uint8(u.Kind.Level()), evTime(u.RegisteredAt), u.Position)
	case org.AreaRegistered, org.AreaRenamed, org.AreaLeaderChanged:
		a, err := orgEntity(ctx, h, m.areas, areaEventID(d), org.AreaStream, e)
		if err != nil {
			return err
		}
		out.Add("areas", a.state.ID, a.state.Name, a.state.Leader, a.pos)
	case org.MemberRegistered, org.MemberMoved, org.MemberLeft, org.ContactPointAssigned, org.ContactPointEnded:
		mb, err := orgEntity(ctx, h, m.members, memberEventID(d), org.MemberStream, e)
		if err != nil {
			return err
		}
		out.Add("members", mb.state.ID, mb.state.Name, mb.state.UnitID, mb.state.State(), mb.pos)
	}
	return nil
}

// orgEntity folds e into the entity's state, rebuilding the entity from
// its stream first if the model has not seen it since it started.
func orgEntity[T any, P interface {
	*T
	domain.Aggregate
}](ctx context.Context, h History, states map[string]*orgVersioned[T], id string, stream func(string) string, e Event) (*orgVersioned[T], error) {
	s := states[id]
	if s == nil {
		s = &orgVersioned[T]{}
		states[id] = s
		if e.Version > 1 {
			earlier, err := h.Before(ctx, stream(id), e.Position)
			if err != nil {
				return nil, fmt.Errorf("org: history of %s: %w", stream(id), err)
			}
			for _, x := range earlier {
				P(&s.state).Apply(x.Data)
			}
		}
	}
	P(&s.state).Apply(e.Data)
	s.pos = e.Seq()
	return s, nil
}

func areaEventID(d domain.Event) string {
	switch d := d.(type) {
	case org.AreaRegistered:
		return d.AreaID
	case org.AreaRenamed:
		return d.AreaID
	case org.AreaLeaderChanged:
		return d.AreaID
	}
	return ""
}

func memberEventID(d domain.Event) string {
	switch d := d.(type) {
	case org.MemberRegistered:
		return d.MemberID
	case org.MemberMoved:
		return d.MemberID
	case org.MemberLeft:
		return d.MemberID
	case org.ContactPointAssigned:
		return d.MemberID
	case org.ContactPointEnded:
		return d.MemberID
	}
	return ""
}

// Expect counts the units by area and kind, the areas, and the members by
// state.
func (m *Org) Expect(e Event, figures map[string]int64) {
	switch d := e.Data.(type) {
	case org.UnitRegistered, org.UnitMoved:
		id := unitEventID(d)
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

// addFigure adds delta to a figure and drops it when it comes to zero, as
// a count that ClickHouse does not return is zero.
func addFigure(figures map[string]int64, key string, delta int64) {
	figures[key] += delta
	if figures[key] == 0 {
		delete(figures, key)
	}
}

// Actual reads the same figures from the org tables.
func (*Org) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	rows, err := q.Query(ctx, "SELECT area_id, kind, count() FROM "+db+".units FINAL GROUP BY area_id, kind")
	if err != nil {
		return nil, fmt.Errorf("org: units: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var area, kind string
		var n uint64
		if err := rows.Scan(&area, &kind, &n); err != nil {
			return nil, err
		}
		got["units.count{area="+area+",kind="+kind+"}"] = int64(n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
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
