package projections

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// The directory: areas, units and inspection groups by id with their
// names, for the pickers of a console and the names beside ids in
// exports. Every list pages by id (keyset: After is the last id of the
// previous page) and may be restricted to a set of units (a reader's
// scope); the columns that change over an entity's life (names, parent,
// area, coverage) are filtered after the FINAL read, never inside it.

// AreaRow is one area (片区) and its leader (包靠领导).
type AreaRow struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Leader string `json:"leader"`
}

// AreaFilter selects areas. Units, when not empty, keeps only the areas
// some of those units lie in now.
type AreaFilter struct {
	Units []string
	Limit int
	After string
}

// QueryAreas lists areas ordered by id, and the cursor of the next page.
func QueryAreas(ctx context.Context, q Querier, db string, f AreaFilter) ([]AreaRow, string, error) {
	limit := pageLimit(f.Limit)
	var w sqlFilter
	w.add("id > ?", f.After)
	if len(f.Units) > 0 {
		var in sqlFilter
		in.in("id", f.Units)
		w.add("id IN (SELECT area_id FROM "+db+".units FINAL"+in.where()+")", in.args...)
	}
	query := "SELECT id, name, leader FROM " + db + ".areas FINAL" + w.where() + fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	var out []AreaRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r AreaRow
		if err := scan(&r.ID, &r.Name, &r.Leader); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, w.args...)
	return page(out, limit, func(r AreaRow) string { return r.ID }, err)
}

// UnitRow is one unit of the tree as it stands now.
type UnitRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	ParentID string `json:"parent_id"` // "" for the district
	AreaID   string `json:"area_id"`   // "" for the district
	Level    uint8  `json:"level"`     // 0 district, 1 street/department/big community, 2 the units under them
}

// UnitFilter selects units. Empty fields do not filter: Area is the
// unit's area now, Parent its parent now (its direct children only),
// Kind its kind; Units restricts to a set of units.
type UnitFilter struct {
	Area, Parent, Kind string
	Units              []string
	Limit              int
	After              string
}

// QueryUnits lists units ordered by id, and the cursor of the next page.
func QueryUnits(ctx context.Context, q Querier, db string, f UnitFilter) ([]UnitRow, string, error) {
	limit := pageLimit(f.Limit)
	var inner sqlFilter
	inner.add("id > ?", f.After)
	inner.in("id", f.Units)
	var outer sqlFilter
	outer.eq("area_id", f.Area)
	outer.eq("parent_id", f.Parent)
	outer.eq("kind", f.Kind)
	query := "SELECT id, name, kind, parent_id, area_id, level FROM (SELECT id, name, kind, parent_id, area_id, level FROM " +
		db + ".units FINAL" + inner.where() + ")" + outer.where() + fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	var out []UnitRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r UnitRow
		if err := scan(&r.ID, &r.Name, &r.Kind, &r.ParentID, &r.AreaID, &r.Level); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, append(inner.args, outer.args...)...)
	return page(out, limit, func(r UnitRow) string { return r.ID }, err)
}

// GroupRow is one inspection group (指导检查组) and what it covers now.
// The projection keeps how many people a group has, not who they are,
// and the units it covers rather than its assignments: Areas are the
// areas through which it covers at least one unit, Units the units it
// covers through a unit assignment (each assigned unit and its subtree,
// but for units it also covers through an area), Covered how many units
// it covers in all. For a restricted reader each counts only the units
// of the reader's scope.
type GroupRow struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	State   string   `json:"state"`   // active or dissolved
	Members uint32   `json:"members"` // how many people are in the group
	Areas   []string `json:"areas"`
	Units   []string `json:"units"`
	Covered uint32   `json:"covered"`
}

// GroupFilter selects groups. Units, when not empty, keeps the groups
// covering at least one of those units now, and their coverage of those
// units only; Group is a group kept even so (an inspector's own group).
type GroupFilter struct {
	Units []string
	Group string
	Limit int
	After string
}

// QueryGroups lists inspection groups ordered by id with their coverage,
// and the cursor of the next page.
func QueryGroups(ctx context.Context, q Querier, db string, f GroupFilter) ([]GroupRow, string, error) {
	ctx, cancel := withQueryTimeout(ctx)
	defer cancel()
	limit := pageLimit(f.Limit)
	var w sqlFilter
	w.add("id > ?", f.After)
	if len(f.Units) > 0 {
		var in sqlFilter
		in.in("unit_id", f.Units)
		cover := "id IN (SELECT group_id FROM (SELECT group_id, active FROM " + db + ".group_units FINAL" + in.where() + ") WHERE active = 1)"
		if f.Group != "" {
			w.add("("+cover+" OR id = ?)", append(in.args, f.Group)...)
		} else {
			w.add(cover, in.args...)
		}
	}
	query := "SELECT id, name, state, members FROM " + db + ".groups FINAL" + w.where() + fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	var out []GroupRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r GroupRow
		if err := scan(&r.ID, &r.Name, &r.State, &r.Members); err != nil {
			return err
		}
		r.Areas, r.Units = []string{}, []string{}
		out = append(out, r)
		return nil
	}, w.args...)
	out, next, err := page(out, limit, func(r GroupRow) string { return r.ID }, err)
	if err != nil || len(out) == 0 {
		return out, next, err
	}

	byID := map[string]*GroupRow{}
	var ids []string
	for i := range out {
		byID[out[i].ID] = &out[i]
		ids = append(ids, out[i].ID)
	}
	var inner sqlFilter
	inner.in("group_id", ids)
	inner.in("unit_id", f.Units)
	cover := "SELECT group_id, unit_id, via_area FROM (SELECT group_id, unit_id, via_area, active FROM " + db +
		".group_units FINAL" + inner.where() + ") WHERE active = 1 ORDER BY group_id, unit_id"
	areas := map[string]map[string]bool{}
	err = queryEach(ctx, q, cover, func(scan func(...any) error) error {
		var g, u, via string
		if err := scan(&g, &u, &via); err != nil {
			return err
		}
		r := byID[g]
		r.Covered++
		if via == "" {
			r.Units = append(r.Units, u)
		} else {
			if areas[g] == nil {
				areas[g] = map[string]bool{}
			}
			areas[g][via] = true
		}
		return nil
	}, inner.args...)
	if err != nil {
		return nil, "", fmt.Errorf("groups: coverage: %w", err)
	}
	for g, set := range areas {
		byID[g].Areas = slices.Sorted(maps.Keys(set))
	}
	return out, next, nil
}

// Directory names the tables Names reads.
const (
	NamesOfAreas   = "areas"
	NamesOfUnits   = "units"
	NamesOfGroups  = "groups"
	NamesOfMembers = "members"
)

// Names returns the current name of each of ids in table (one of the
// NamesOf constants) that it holds; an id it does not hold is left out.
func Names(ctx context.Context, q Querier, db, table string, ids []string) (map[string]string, error) {
	switch table {
	case NamesOfAreas, NamesOfUnits, NamesOfGroups, NamesOfMembers:
	default:
		return nil, fmt.Errorf("projections: names: no table %q", table)
	}
	out := map[string]string{}
	for chunk := range slices.Chunk(ids, 1000) {
		var w sqlFilter
		w.in("id", chunk)
		err := queryEach(ctx, q, "SELECT id, name FROM "+db+"."+table+" FINAL"+w.where(), func(scan func(...any) error) error {
			var id, name string
			if err := scan(&id, &name); err != nil {
				return err
			}
			out[id] = name
			return nil
		}, w.args...)
		if err != nil {
			return nil, fmt.Errorf("names of %s: %w", table, err)
		}
	}
	return out, nil
}
