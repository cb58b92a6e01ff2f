package projections

import (
	"context"
	"slices"
)

// VisibleUnits returns the units a reader's scope covers: the subtrees of
// roots and, when group is set, the units that group's assignment covers
// now (areas and units, as group_units holds them) with their subtrees.
// The answer is sorted and has no duplicates.
//
// It reads the projected tree, so it is as current as the projections it
// guards: a unit not projected yet has no projected rows to show either.
// Decisions about what may be recorded use the event log instead (see
// api.Scope).
func VisibleUnits(ctx context.Context, q Querier, db string, roots []string, group string) ([]string, error) {
	children := map[string][]string{}
	err := queryEach(ctx, q, "SELECT id, parent_id FROM "+db+".units FINAL", func(scan func(...any) error) error {
		var id, parent string
		if err := scan(&id, &parent); err != nil {
			return err
		}
		children[parent] = append(children[parent], id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	start := slices.Clone(roots)
	if group != "" {
		err := queryEach(ctx, q, "SELECT unit_id FROM "+db+".group_units FINAL WHERE group_id = ? AND active = 1",
			func(scan func(...any) error) error {
				var u string
				if err := scan(&u); err != nil {
					return err
				}
				start = append(start, u)
				return nil
			}, group)
		if err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for len(start) > 0 {
		u := start[len(start)-1]
		start = start[:len(start)-1]
		if u == "" || seen[u] {
			continue // seen also stops a corrupt tree from looping
		}
		seen[u] = true
		start = append(start, children[u]...)
	}
	out := make([]string, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}
