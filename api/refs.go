package api

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/review"
)

// checkRefs checks every reference a command body declares
// (domain.Referrer), for every role alike: the entity exists, it lies in
// the caller's scope, and it fits (a finding in force, a member of the
// named unit at the command's business time, a unit of the named area).
// It returns, for the write path, the business times the command may not
// precede: when each referenced entity came into being. A problem names
// the body field of the reference.
func (c *Commands) checkRefs(ctx context.Context, p Principal, body any) ([]command.Floor, error) {
	r, ok := body.(domain.Referrer)
	if !ok {
		return nil, nil
	}
	at := businessTime(body, c.Handler.Now())
	v := c.Scope.view(p)
	var floors []command.Floor
	for _, ref := range r.References() {
		if ref.ID == "" {
			continue // the decision says the field is required
		}
		if err := domain.CheckID(ref.Field, ref.ID); err != nil {
			return nil, err
		}
		f, err := c.checkRef(ctx, v, ref, at)
		if err != nil {
			return nil, err
		}
		if !f.At.IsZero() {
			floors = append(floors, f)
		}
	}
	return floors, nil
}

// unknownRef is the problem of a reference to nothing.
func unknownRef(ref domain.Ref, format string, args ...any) error {
	return NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf("%s %s ", ref.Kind, ref.ID)+fmt.Sprintf(format, args...), ref.Field)
}

// outOfScope is the problem of a reference the caller may not act on.
func outOfScope(p Principal, ref domain.Ref, unit string) error {
	return NewProblem(http.StatusForbidden, fmt.Sprintf("%s %s (unit %s) is outside the scope of %s", ref.Kind, ref.ID, unit, p.Subject), ref.Field)
}

func (c *Commands) checkRef(ctx context.Context, v *scopeView, ref domain.Ref, at time.Time) (command.Floor, error) {
	h := c.Handler
	floor := func(stream, what string) (command.Floor, error) {
		since, err := command.Since(ctx, h, stream)
		return command.Floor{At: since, What: fmt.Sprintf("%s %s %s", ref.Kind, ref.ID, what)}, err
	}
	switch ref.Kind {
	case domain.RefUnit:
		if err := c.unitInScope(ctx, v, ref, ref.ID); err != nil {
			return command.Floor{}, err
		}
		if ref.InArea != "" {
			l, err := v.lineage(ctx, ref.ID)
			if err != nil {
				return command.Floor{}, err
			}
			if l.area != ref.InArea {
				return command.Floor{}, unknownRef(ref, "lies in area %q, not in area %s", l.area, ref.InArea)
			}
		}
		return floor(org.UnitStream(ref.ID), "was registered")

	case domain.RefArea:
		a, err := command.Load(ctx, h, org.AreaStream(ref.ID), &org.Area{})
		if err != nil {
			return command.Floor{}, err
		}
		if !a.Exists() {
			return command.Floor{}, unknownRef(ref, "is not registered")
		}
		return floor(org.AreaStream(ref.ID), "was registered")

	case domain.RefMember:
		m, since, err := command.LoadAsOf(ctx, h, org.MemberStream(ref.ID), &org.Member{}, at)
		switch {
		case err != nil:
			return command.Floor{}, err
		case since.IsZero():
			return command.Floor{}, unknownRef(ref, "is not registered")
		case !m.Exists():
			// Registered after the command's business time: the write
			// path refuses the time, naming occurred_at.
			return command.Floor{At: since, What: fmt.Sprintf("member %s was registered", ref.ID)}, nil
		case m.Left:
			return command.Floor{}, unknownRef(ref, "had left by %s", at.In(h.Location()).Format(time.DateOnly))
		case ref.InUnit != "" && m.UnitID != ref.InUnit:
			return command.Floor{}, unknownRef(ref, "belonged to unit %s on %s, not to unit %s", m.UnitID, at.In(h.Location()).Format(time.DateOnly), ref.InUnit)
		}
		if err := c.unitInScope(ctx, v, ref, m.UnitID); err != nil {
			return command.Floor{}, err
		}
		return command.Floor{At: since, What: fmt.Sprintf("member %s was registered", ref.ID)}, nil

	case domain.RefGroup:
		g, err := command.Load(ctx, h, inspection.GroupStream(ref.ID), &inspection.Group{})
		switch {
		case err != nil:
			return command.Floor{}, err
		case !g.Exists():
			return command.Floor{}, unknownRef(ref, "was never formed")
		case g.Dissolved:
			return command.Floor{}, unknownRef(ref, "is dissolved")
		}
		// An inspector acts for its own group only, and only while the
		// ledger has it among the group's members.
		if p := v.p; !p.Has(RoleOffice) && (p.Group != ref.ID || !slices.Contains(g.Members, p.Subject)) {
			return command.Floor{}, NewProblem(http.StatusForbidden, fmt.Sprintf("%s is not a member of inspection group %s", p.Subject, ref.ID), ref.Field)
		}
		return floor(inspection.GroupStream(ref.ID), "was formed")

	case domain.RefInspection:
		in, err := command.Load(ctx, h, inspection.Stream(ref.ID), &inspection.Inspection{})
		if err != nil {
			return command.Floor{}, err
		}
		if !in.Exists() {
			return command.Floor{}, unknownRef(ref, "does not exist")
		}
		if err := c.unitInScope(ctx, v, ref, in.UnitID); err != nil {
			return command.Floor{}, err
		}
		if n := ref.Item; n < 1 || n > len(in.Findings) || in.Findings[n-1].Withdrawn {
			return command.Floor{}, NewProblem(http.StatusUnprocessableEntity,
				fmt.Sprintf("inspection %s has no finding number %d in force (it has %d findings)", ref.ID, n, len(in.Findings)), ref.ItemField)
		}
		return floor(inspection.Stream(ref.ID), "was opened")

	case domain.RefReview:
		rv, err := command.Load(ctx, h, review.Stream(ref.ID), &review.Review{})
		switch {
		case err != nil:
			return command.Floor{}, err
		case !rv.Exists():
			return command.Floor{}, unknownRef(ref, "does not exist")
		case rv.Retracted:
			return command.Floor{}, unknownRef(ref, "was retracted")
		}
		if err := c.unitInScope(ctx, v, ref, rv.UnitID); err != nil {
			return command.Floor{}, err
		}
		if n := ref.Item; n < 1 || n > len(rv.Shortcomings) {
			return command.Floor{}, NewProblem(http.StatusUnprocessableEntity,
				fmt.Sprintf("review remark %s has no shortcoming number %d (it lists %d)", ref.ID, n, len(rv.Shortcomings)), ref.ItemField)
		}
		return floor(review.Stream(ref.ID), "was recorded")

	case domain.RefEvaluation:
		if s, err := command.Load(ctx, h, evaluation.SurveyStream(ref.ID), &evaluation.Survey{}); err != nil {
			return command.Floor{}, err
		} else if s.ID != "" {
			if err := c.unitInScope(ctx, v, ref, s.UnitID); err != nil {
				return command.Floor{}, err
			}
			return floor(evaluation.SurveyStream(ref.ID), "was recorded")
		}
		pl, err := command.Load(ctx, h, pledge.Stream(ref.ID), &pledge.Pledge{})
		if err != nil {
			return command.Floor{}, err
		}
		if !pl.Exists() {
			return command.Floor{}, unknownRef(ref, "is neither a survey nor a pledge on record")
		}
		if err := c.unitInScope(ctx, v, ref, pl.Unit()); err != nil {
			return command.Floor{}, err
		}
		return floor(pledge.Stream(ref.ID), "was submitted")

	case domain.RefRanking:
		stream := "ranking-" + ref.ID
		k, err := command.Load(ctx, h, stream, &evaluation.Ranking{})
		if err != nil {
			return command.Floor{}, err
		}
		if !k.Exists() {
			return command.Floor{}, unknownRef(ref, "was never published")
		}
		return floor(stream, "was published")
	}
	return command.Floor{}, fmt.Errorf("api: reference of unknown kind %v", ref.Kind)
}

// unitInScope checks that unit, which ref names or leads to, is registered
// and in the caller's scope.
func (c *Commands) unitInScope(ctx context.Context, v *scopeView, ref domain.Ref, unit string) error {
	in, err := v.covers(ctx, unit)
	if err != nil {
		return withField(err, ref.Field)
	}
	if !in {
		return outOfScope(v.p, ref, unit)
	}
	return nil
}

// businessTime is the occurred_at a command body tells, or now: every
// command body has the field, and references are checked as of it.
func businessTime(body any, now time.Time) time.Time {
	v := reflect.ValueOf(body)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("OccurredAt"); f.IsValid() {
			if t, ok := f.Interface().(time.Time); ok && !t.IsZero() {
				return t
			}
		}
	}
	return now
}
