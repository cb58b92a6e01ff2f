package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
)

// maxTreeDepth bounds the walk up the unit tree, so a corrupt tree cannot
// loop (the domain has three levels).
const maxTreeDepth = 16

// Scope decides whether a principal may act on a unit. It reads the unit
// tree and group assignments from the event log, not from ClickHouse: a
// decision about what may be recorded must not depend on a projection
// that may lag.
type Scope struct {
	Handler *command.Handler
}

// forbidden is the problem of an authenticated caller out of role or scope.
func forbidden(format string, args ...any) error {
	return NewProblem(http.StatusForbidden, fmt.Sprintf(format, args...), "")
}

// Check returns nil if p's scope covers unit: the office covers the whole
// district; otherwise the unit must lie in the subtree of one of p's units,
// or, for an inspector who is a member of it on the ledger, in the
// assignment of p's inspection group (an assigned area, or an assigned
// unit's subtree). The unit must be registered, for the office too. An
// empty unit is the district level above units: the office's only.
func (s Scope) Check(ctx context.Context, p Principal, unit string) error {
	if unit == "" {
		if p.Has(RoleOffice) {
			return nil
		}
		return forbidden("%s may not act outside a unit", p.Subject)
	}
	v := s.view(p)
	in, err := v.covers(ctx, unit)
	if err != nil {
		return err
	}
	if !in {
		return forbidden("unit %s is outside the scope of %s", unit, p.Subject)
	}
	return nil
}

// scopeView answers scope questions of one principal about many units, as
// a request that filters many events asks them: each unit's ancestry and
// the principal's group are loaded from the log once.
type scopeView struct {
	s         Scope
	p         Principal
	lines     map[string]lineage
	group     *inspection.Group
	groupRead bool
}

// lineage is a unit and the units above it, nearest first, and its area;
// an unregistered unit has no chain.
type lineage struct {
	chain []string
	area  string
}

func (s Scope) view(p Principal) *scopeView {
	return &scopeView{s: s, p: p, lines: map[string]lineage{}}
}

// lineage returns unit's ancestry, by its parents as they are now.
func (v *scopeView) lineage(ctx context.Context, unit string) (lineage, error) {
	if l, ok := v.lines[unit]; ok {
		return l, nil
	}
	chain, area, err := v.s.ancestry(ctx, unit)
	if err != nil {
		return lineage{}, err
	}
	l := lineage{chain: chain, area: area}
	v.lines[unit] = l
	return l, nil
}

// covers reports whether the principal's scope covers unit (office: every
// registered unit). An unregistered unit is a 422 problem naming the field
// "unit", whoever asks. The group claim counts only for an inspector the
// ledger has among the group's members: the token alone does not make
// anyone an inspector of a group.
func (v *scopeView) covers(ctx context.Context, unit string) (bool, error) {
	l, err := v.lineage(ctx, unit)
	if err != nil {
		return false, err
	}
	if len(l.chain) == 0 {
		return false, NewProblem(http.StatusUnprocessableEntity, "unit "+unit+" is not registered", "unit")
	}
	if v.p.Has(RoleOffice) {
		return true, nil
	}
	for _, u := range l.chain {
		if slices.Contains(v.p.Units, u) {
			return true, nil
		}
	}
	if v.p.Group == "" || !v.p.Has(RoleInspector) {
		return false, nil
	}
	if !v.groupRead {
		g, err := command.Load(ctx, v.s.Handler, inspection.GroupStream(v.p.Group), &inspection.Group{})
		if err != nil {
			return false, fmt.Errorf("scope: group %s: %w", v.p.Group, err)
		}
		v.group, v.groupRead = g, true
	}
	if v.group.Dissolved || !slices.Contains(v.group.Members, v.p.Subject) {
		return false, nil
	}
	if l.area != "" && v.group.Covers(inspection.Target{Kind: inspection.TargetArea, ID: l.area}) {
		return true, nil
	}
	for _, u := range l.chain {
		if v.group.Covers(inspection.Target{Kind: inspection.TargetUnit, ID: u}) {
			return true, nil
		}
	}
	return false, nil
}

// ancestry returns unit and the units above it, nearest first, and its
// area; no units at all if unit is not registered.
func (s Scope) ancestry(ctx context.Context, unit string) ([]string, string, error) {
	var chain []string
	area := ""
	for id := unit; id != "" && len(chain) < maxTreeDepth; {
		u, err := command.Load(ctx, s.Handler, org.UnitStream(id), &org.Unit{})
		if err != nil {
			return nil, "", fmt.Errorf("scope: unit %s: %w", id, err)
		}
		if !u.Exists() {
			break
		}
		chain = append(chain, id)
		if area == "" {
			area = u.AreaID
		}
		id = u.ParentID
	}
	return chain, area, nil
}

// errNoPrincipal is a programming error: a command route without the
// authentication middleware in front of it.
var errNoPrincipal = errors.New("api: no principal in the request context")
