package projections

import (
	"context"
	"fmt"
	"time"

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
func unitEventID(e Event) string { return entityID(e, org.EntityUnit, org.UnitStream) }

// Apply folds one event into the index and returns the id of the unit it
// changed, or "" if it is not a unit event. It goes through org.Unit, so
// the index follows the domain's own rules.
func (x *UnitIndex) Apply(e Event) string {
	id := unitEventID(e)
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
	id := unitEventID(e)
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

// IDs lists the units known, in no order.
func (x *UnitIndex) IDs() []string {
	ids := make([]string, 0, len(x.units))
	for id := range x.units {
		ids = append(ids, id)
	}
	return ids
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
