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
// or in the assignment of p's inspection group (an assigned area, or an
// assigned unit's subtree).
func (s Scope) Check(ctx context.Context, p Principal, unit string) error {
	if p.Has(RoleOffice) {
		return nil
	}
	if unit == "" {
		return forbidden("%s may not act outside a unit", p.Subject)
	}
	chain, area, err := s.ancestry(ctx, unit)
	if err != nil {
		return err
	}
	for _, u := range chain {
		if slices.Contains(p.Units, u) {
			return nil
		}
	}
	if p.Group != "" {
		g, err := command.Load(ctx, s.Handler, inspection.GroupStream(p.Group), &inspection.Group{})
		if err != nil {
			return fmt.Errorf("scope: group %s: %w", p.Group, err)
		}
		if !g.Dissolved {
			if area != "" && g.Covers(inspection.Target{Kind: inspection.TargetArea, ID: area}) {
				return nil
			}
			for _, u := range chain {
				if g.Covers(inspection.Target{Kind: inspection.TargetUnit, ID: u}) {
					return nil
				}
			}
		}
	}
	return forbidden("unit %s is outside the scope of %s", unit, p.Subject)
}

// ancestry returns unit and the units above it, nearest first, and its area.
func (s Scope) ancestry(ctx context.Context, unit string) ([]string, string, error) {
	var chain []string
	area := ""
	for id := unit; id != "" && len(chain) < maxTreeDepth; {
		u, err := command.Load(ctx, s.Handler, org.UnitStream(id), &org.Unit{})
		if err != nil {
			return nil, "", fmt.Errorf("scope: unit %s: %w", id, err)
		}
		if !u.Exists() {
			if id == unit {
				return nil, "", NewProblem(http.StatusUnprocessableEntity, "unit "+unit+" is not registered", "unit")
			}
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
