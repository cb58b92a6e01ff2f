package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/eventlog"
)

// Commands serves one POST per domain command. Each checks the caller's
// role, decodes the body strictly, checks that the unit concerned lies in
// the caller's scope, and executes through the write path with the token's
// subject as the actor. A refused request appends nothing.
type Commands struct {
	Handler *command.Handler
	Scope   Scope
	// Evidence, when set, checks the files a command cites (in the
	// store, as described, citable by the caller); nil checks nothing.
	Evidence *Evidence
	// Log and Tree serve the acceptance of a computed ranking: its
	// checkpoint is checked against the Merkle tree and its inputs counted
	// again from the log. Without them the acceptance answers 503.
	Log  eventlog.Store
	Tree MerkleTree
	// Registry decodes the log's events for that count; nil is
	// catalog.New().
	Registry *domain.Registry
}

// Accepted is the answer to a command: where its events landed.
type Accepted struct {
	ID string `json:"id"`
	command.Result
}

// Route is one command route: who may call it and what serves it.
type Route struct {
	Pattern   string // served with POST
	Roles     []Role // the caller needs one of them
	Handler   Handler
	UnitField string // for a route that creates: the body field naming the unit
}

// Handler serves one command and knows its body's type, which the OpenAPI
// document describes.
type Handler struct {
	http.HandlerFunc
	Body reflect.Type
}

func handler[C any](f http.HandlerFunc) Handler {
	return Handler{HandlerFunc: f, Body: reflect.TypeFor[C]()}
}

// Routes mounts the command routes on r (behind Authenticate). The role
// check comes first, before the body is read.
func (c *Commands) Routes(r chi.Router) {
	for _, rt := range c.List() {
		r.Post(rt.Pattern, requireRole(rt.Roles, rt.Handler.HandlerFunc))
	}
}

// requireRole answers 403 to a caller without one of roles.
func requireRole(roles []Role, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			WriteProblem(w, r, errNoPrincipal)
			return
		}
		if !p.Has(roles...) {
			WriteProblem(w, r, forbidden("%s lacks the role for this command (one of %v)", p.Subject, roles))
			return
		}
		// What follows sees only the roles this route allows.
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p.For(roles))))
	}
}

// List is every command route, for mounting, documenting and testing.
func (c *Commands) List() []Route {
	newP := func() *pledge.Pledge { return &pledge.Pledge{} }
	newR := func() *rectification.Rectification { return &rectification.Rectification{} }
	orderers := []Role{RoleSuperior, RoleInspector, RoleOffice}
	keepers := []Role{RoleClerk, RoleSuperior, RoleOffice}
	reviewers := []Role{RoleSuperior, RoleInspector, RoleOffice}
	inspectors := []Role{RoleInspector, RoleOffice}
	evaluators := []Role{RoleSuperior, RoleOffice}
	newM := func() *org.Member { return &org.Member{} }
	newRv := func() *review.Review { return &review.Review{} }
	newIn := func() *inspection.Inspection { return &inspection.Inspection{} }
	newSv := func() *evaluation.Survey { return &evaluation.Survey{} }
	newVg := func() *evaluation.Vanguard { return &evaluation.Vanguard{} }
	office := []Role{RoleOffice}
	newA := func() *org.Area { return &org.Area{} }
	newU := func() *org.Unit { return &org.Unit{} }
	newG := func() *inspection.Group { return &inspection.Group{} }
	newT := func() *org.Theme { return &org.Theme{} }
	newS := func() *evaluation.StarRating { return &evaluation.StarRating{} }
	return []Route{
		{"/v1/pledges", []Role{RoleClerk}, create(c, pledge.Stream, func(cmd pledge.SubmitCommand) string { return cmd.Unit }, pledge.Submit), "unit"},
		{"/v1/pledges/{id}/return", []Role{RoleSuperior}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Return), ""},
		{"/v1/pledges/{id}/revise", []Role{RoleClerk}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Revise), ""},
		{"/v1/pledges/{id}/file", []Role{RoleSuperior}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).File), ""},
		{"/v1/pledges/{id}/disclose", []Role{RoleClerk, RoleSuperior}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Disclose), ""},
		{"/v1/pledges/{id}/withdraw", []Role{RoleClerk}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Withdraw), ""},
		{"/v1/pledges/{id}/progress", []Role{RoleClerk}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).ReportProgress), ""},
		{"/v1/pledges/{id}/report-corrections", []Role{RoleClerk}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).CorrectReport), ""},
		{"/v1/pledges/{id}/report-retractions", []Role{RoleClerk}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).RetractReport), ""},
		{"/v1/pledges/{id}/fulfil", []Role{RoleClerk}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Fulfil), ""},
		{"/v1/pledges/{id}/lapse", []Role{RoleClerk, RoleSuperior}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Lapse), ""},
		{"/v1/pledges/{id}/evaluations", []Role{RoleSuperior, RoleOffice}, transition(c, pledge.Stream, newP, pledgeUnit, (*pledge.Pledge).Evaluate), ""},
		{"/v1/rectifications", orderers, create(c, rectification.Stream, func(cmd rectification.OrderCommand) string { return cmd.Unit }, rectification.Order), "unit"},
		{"/v1/rectifications/{id}/acknowledge", []Role{RoleClerk}, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).Acknowledge), ""},
		{"/v1/rectifications/{id}/plan", []Role{RoleClerk}, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).FilePlan), ""},
		{"/v1/rectifications/{id}/progress", []Role{RoleClerk}, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).ReportProgress), ""},
		{"/v1/rectifications/{id}/submit", []Role{RoleClerk}, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).Submit), ""},
		{"/v1/rectifications/{id}/reject", orderers, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).Reject), ""},
		{"/v1/rectifications/{id}/accept", orderers, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).Accept), ""},
		{"/v1/rectifications/{id}/reopen", orderers, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).Reopen), ""},
		{"/v1/rectifications/{id}/extension-requests", []Role{RoleClerk}, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).RequestExtension), ""},
		{"/v1/rectifications/{id}/extension-grants", orderers, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).GrantExtension), ""},
		{"/v1/rectifications/{id}/extension-denials", orderers, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).DenyExtension), ""},
		{"/v1/rectifications/{id}/cancel", []Role{RoleSuperior, RoleOffice}, transition(c, rectification.Stream, newR, rectUnit, (*rectification.Rectification).Cancel), ""},

		// Members: registered and moved by their unit's clerk or above.
		{"/v1/members", keepers, create(c, org.MemberStream, func(cmd org.RegisterMember) string { return cmd.UnitID }, org.NewMember), "unit_id"},
		{"/v1/members/{id}/move", keepers, transition(c, org.MemberStream, newM, memberUnit, (*org.Member).Move), ""},
		{"/v1/members/{id}/leave", keepers, transition(c, org.MemberStream, newM, memberUnit, (*org.Member).Leave), ""},
		// Contact points (在职党员联系点): a member's link to a unit they serve.
		{"/v1/members/{id}/contact-points", keepers, transition(c, org.MemberStream, newM, memberUnit, (*org.Member).AssignContactPoint), ""},
		{"/v1/members/{id}/contact-point-ends", keepers, transition(c, org.MemberStream, newM, memberUnit, (*org.Member).EndContactPoint), ""},

		// Review remarks, by superiors, inspection groups and the office.
		{"/v1/reviews", reviewers, create(c, review.Stream, func(cmd review.Record) string { return cmd.UnitID }, review.New), "unit_id"},
		{"/v1/reviews/{id}/corrections", reviewers, transition(c, review.Stream, newRv, reviewUnit, (*review.Review).Correct), ""},
		{"/v1/reviews/{id}/retract", reviewers, transition(c, review.Stream, newRv, reviewUnit, (*review.Review).Retract), ""},

		// Inspections (special and random checks) by inspection groups.
		{"/v1/inspections", inspectors, create(c, inspection.Stream, func(cmd inspection.Start) string { return cmd.UnitID }, inspection.New), "unit_id"},
		{"/v1/inspections/{id}/findings", inspectors, transition(c, inspection.Stream, newIn, inspectionUnit, (*inspection.Inspection).RecordFinding), ""},
		{"/v1/inspections/{id}/finding-corrections", inspectors, transition(c, inspection.Stream, newIn, inspectionUnit, (*inspection.Inspection).CorrectFinding), ""},
		{"/v1/inspections/{id}/finding-withdrawals", inspectors, transition(c, inspection.Stream, newIn, inspectionUnit, (*inspection.Inspection).WithdrawFinding), ""},
		{"/v1/inspections/{id}/complete", inspectors, transition(c, inspection.Stream, newIn, inspectionUnit, (*inspection.Inspection).Complete), ""},

		// Evaluations: satisfaction surveys and vanguard selections.
		{"/v1/surveys", evaluators, create(c, evaluation.SurveyStream, func(cmd evaluation.RecordSurvey) string { return cmd.UnitID }, evaluation.NewSurvey), "unit_id"},
		{"/v1/surveys/{id}/corrections", evaluators, transition(c, evaluation.SurveyStream, newSv, surveyUnit, (*evaluation.Survey).Correct), ""},
		// A vanguard's id is derived from whom it selects, the quarter and
		// the category, so the same selection twice is a 409, not two.
		{"/v1/vanguards", []Role{RoleOffice}, createKeyed(c, "vanguard-",
			func(cmd evaluation.SelectVanguard) string {
				return evaluation.VanguardStream(evaluation.VanguardID(cmd))
			},
			func(cmd evaluation.SelectVanguard) string { return cmd.UnitID },
			func(cmd evaluation.SelectVanguard, m domain.Meta) ([]domain.Event, error) {
				return evaluation.NewVanguard(evaluation.VanguardID(cmd), cmd, m)
			}), "unit_id"},
		{"/v1/vanguards/{id}/revoke", []Role{RoleOffice}, transition(c, evaluation.VanguardStream, newVg, vanguardUnit, (*evaluation.Vanguard).Revoke), ""},

		// The office keeps the organisation: areas, units, inspection groups.
		{"/v1/areas", office, create(c, org.AreaStream, none[org.RegisterArea], org.NewArea), ""},
		{"/v1/areas/{id}/rename", office, transition(c, org.AreaStream, newA, noUnit[*org.Area], (*org.Area).Rename), ""},
		{"/v1/areas/{id}/leader", office, transition(c, org.AreaStream, newA, noUnit[*org.Area], (*org.Area).ChangeLeader), ""},
		{"/v1/units", []Role{RoleSuperior, RoleOffice}, c.registerUnit(), "parent_id"},
		{"/v1/units/{id}/rename", []Role{RoleSuperior, RoleOffice}, transition(c, org.UnitStream, newU, unitSelf, (*org.Unit).Rename), ""},
		{"/v1/units/{id}/move", []Role{RoleSuperior, RoleOffice}, c.moveUnit(), ""},
		{"/v1/groups", office, create(c, inspection.GroupStream, none[inspection.FormGroup], inspection.NewGroup), ""},
		{"/v1/groups/{id}/members", office, transition(c, inspection.GroupStream, newG, noUnit[*inspection.Group], (*inspection.Group).AddMember), ""},
		{"/v1/groups/{id}/member-removals", office, transition(c, inspection.GroupStream, newG, noUnit[*inspection.Group], (*inspection.Group).RemoveMember), ""},
		{"/v1/groups/{id}/assignments", office, transition(c, inspection.GroupStream, newG, noUnit[*inspection.Group], (*inspection.Group).Assign), ""},
		{"/v1/groups/{id}/assignment-ends", office, transition(c, inspection.GroupStream, newG, noUnit[*inspection.Group], (*inspection.Group).EndAssignment), ""},
		{"/v1/groups/{id}/dissolve", office, transition(c, inspection.GroupStream, newG, noUnit[*inspection.Group], (*inspection.Group).Dissolve), ""},

		// Quarterly themes, one per unit and quarter: the id is "<unit>-<quarter>".
		{"/v1/themes", keepers, createKeyed(c, "theme-", func(cmd org.SetTheme) string { return org.ThemeStream(cmd.UnitID, cmd.Quarter) },
			func(cmd org.SetTheme) string { return cmd.UnitID }, org.NewTheme), "unit_id"},
		{"/v1/themes/{id}/revise", keepers, transition(c, prefixed("theme-"), newT, themeUnit, (*org.Theme).Revise), ""},

		// Star ratings ("<unit>-<period>") and monthly rankings ("<area>-<month>").
		{"/v1/star-ratings", office, createKeyed(c, "starrating-", func(cmd evaluation.RateStars) string { return evaluation.StarRatingStream(cmd.UnitID, cmd.Period) },
			func(cmd evaluation.RateStars) string { return cmd.UnitID }, evaluation.NewStarRating), "unit_id"},
		{"/v1/star-ratings/{id}/revise", office, transition(c, prefixed("starrating-"), newS, starUnit, (*evaluation.StarRating).Revise), ""},
		// A month a scoring rule covers is published by accepting the
		// ledger's computation (rankings.go); the others with the scores
		// the office supplies.
		{"/v1/rankings", office, c.publishRanking(), ""},
		{"/v1/rankings/{id}/supersede", office, c.supersedeRanking(), ""},
		{"/v1/rankings/{id}/accept", office, c.acceptRanking(), ""},
		{"/v1/ranking-rules", office, c.publishRule(), ""},
	}
}

// The unit each entity belongs to, for the scope check.
func pledgeUnit(p *pledge.Pledge) string              { return p.Unit() }
func rectUnit(r *rectification.Rectification) string  { return r.Unit() }
func memberUnit(m *org.Member) string                 { return m.UnitID }
func reviewUnit(r *review.Review) string              { return r.UnitID }
func inspectionUnit(in *inspection.Inspection) string { return in.UnitID }
func surveyUnit(s *evaluation.Survey) string          { return s.UnitID }
func vanguardUnit(v *evaluation.Vanguard) string      { return v.UnitID }

func unitSelf(u *org.Unit) string              { return u.ID }
func themeUnit(t *org.Theme) string            { return t.UnitID }
func starUnit(r *evaluation.StarRating) string { return r.UnitID }

// noUnit is the unit of an entity above units (an area, a group, an area's
// ranking): none, so only the office's scope covers it.
func noUnit[A any](A) string { return "" }

// none is the unit a creating command names when it names none.
func none[C any](C) string { return "" }

// prefixed is the stream of an entity whose id is its stream's key.
func prefixed(prefix string) func(string) string {
	return func(id string) string { return prefix + id }
}

// registerUnit registers a unit under its parent, which the decision
// needs to check the tree (a branch under a street, in the parent's area).
func (c *Commands) registerUnit() Handler {
	return handler[org.RegisterUnit](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[org.RegisterUnit](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, body.ParentID) {
			return
		}
		var parent *org.Unit
		if body.ParentID != "" {
			loaded, err := command.Load(r.Context(), c.Handler, org.UnitStream(body.ParentID), &org.Unit{})
			if err != nil {
				WriteProblem(w, r, err)
				return
			}
			parent = loaded
		}
		id := command.NewID(cmdMeta.ID)
		res, err := command.Create(r.Context(), c.Handler, org.UnitStream(id), cmdMeta, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewUnit(id, body, parent, m)
		})
		c.finish(w, r, cmdMeta, body, id, res, err, http.StatusCreated)
	})
}

// moveUnit moves a unit under another parent or into another area. The
// caller's scope must cover the unit where it is and the parent it goes
// to, and the new parent may not lie below the unit (a cycle), which
// only the tree, read from the log, can tell.
func (c *Commands) moveUnit() Handler {
	return handler[org.MoveUnit](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[org.MoveUnit](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, "-") {
			return
		}
		id := chi.URLParam(r, "id")
		var parent *org.Unit
		if body.ParentID != "" {
			chain, _, err := c.Scope.ancestry(r.Context(), body.ParentID)
			if err != nil {
				WriteProblem(w, r, withField(err, "parent_id"))
				return
			}
			if slices.Contains(chain, id) {
				WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity, "unit "+body.ParentID+" lies below unit "+id+": the move would make a cycle", "parent_id"))
				return
			}
			if parent, err = command.Load(r.Context(), c.Handler, org.UnitStream(body.ParentID), &org.Unit{}); err != nil {
				WriteProblem(w, r, err)
				return
			}
		}
		res, err := command.Execute(r.Context(), c.Handler, org.UnitStream(id), cmdMeta, func() *org.Unit { return &org.Unit{} },
			func(u *org.Unit, m domain.Meta) ([]domain.Event, error) {
				if u.Exists() {
					if err := c.Scope.Check(context.WithoutCancel(r.Context()), p, u.ID); err != nil {
						return nil, err
					}
				}
				return u.Move(body, parent, m)
			})
		c.finish(w, r, cmdMeta, body, id, res, err, http.StatusOK)
	})
}

// withField names the request field a problem about a unit concerns: the
// scope check speaks of "unit", the body here of parent_id.
func withField(err error, field string) error {
	var p *Problem
	if !errors.As(err, &p) || (p.Field != "" && p.Field != "unit") {
		return err
	}
	q := *p
	q.Field = field
	return &q
}

// createKeyed serves a command that starts the one stream of its key (a
// unit's theme for a quarter): the key is the entity's id, and a second
// one for the same key is a conflict.
func createKeyed[C any](c *Commands, prefix string, streamOf func(C) string, unitOf func(C) string,
	decide func(cmd C, meta domain.Meta) ([]domain.Event, error)) Handler {
	return handler[C](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[C](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, unitOf(body)) {
			return
		}
		stream := streamOf(body)
		id := strings.TrimPrefix(stream, prefix)
		res, err := command.Create(r.Context(), c.Handler, stream, cmdMeta, func(m domain.Meta) ([]domain.Event, error) {
			return decide(body, m)
		})
		c.finish(w, r, cmdMeta, body, id, res, err, http.StatusCreated)
	})
}

// create serves a command that starts a new stream. The entity's id is
// derived from the command id, so a retry with the same Idempotency-Key
// finds the same stream and gets the first answer.
func create[C any](c *Commands, stream func(string) string, unitOf func(C) string,
	decide func(id string, cmd C, meta domain.Meta) ([]domain.Event, error)) Handler {
	return handler[C](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[C](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, unitOf(body)) {
			return
		}
		id := command.NewID(cmdMeta.ID)
		res, err := command.Create(r.Context(), c.Handler, stream(id), cmdMeta, func(m domain.Meta) ([]domain.Event, error) {
			return decide(id, body, m)
		})
		c.finish(w, r, cmdMeta, body, id, res, err, http.StatusCreated)
	})
}

// transition serves a command on an existing entity: the entity's own unit
// decides the scope, checked against the state the decision is made on.
// entity is an aggregate that can tell whether it has any history.
type entity interface {
	domain.Aggregate
	Exists() bool
}

func transition[A entity, C any](c *Commands, stream func(string) string, newAgg func() A, unitOf func(A) string,
	decide func(agg A, cmd C, meta domain.Meta) ([]domain.Event, error)) Handler {
	return handler[C](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[C](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, "-") {
			return
		}
		id := chi.URLParam(r, "id")
		res, err := command.Execute(r.Context(), c.Handler, stream(id), cmdMeta, newAgg, func(agg A, m domain.Meta) ([]domain.Event, error) {
			// An entity with no history has no unit: the decision itself
			// answers "not found". An entity above units (an area's
			// ranking) has none either, and only the office covers it.
			if agg.Exists() {
				if err := c.Scope.Check(context.WithoutCancel(r.Context()), p, unitOf(agg)); err != nil {
					return nil, err
				}
			}
			return decide(agg, body, m)
		})
		c.finish(w, r, cmdMeta, body, id, res, err, http.StatusOK)
	})
}

// authorize checks what a command body refers to (checkRefs: existence,
// scope, fit) and records the business times it may not precede in cmd.
// unit is the unit a creating command acts in: "" for one above units,
// which only the office may make; "-" where the route checks the unit of
// the entity itself. On a refusal it has already answered, and ok is false.
func (c *Commands) authorize(w http.ResponseWriter, r *http.Request, p Principal, cmd *command.Command, body any, unit string) bool {
	var err error
	if field := missingUnit(body); unit == "" && field != "" {
		// The body leaves out the unit it acts in: that is the request's
		// fault, to be named for every caller, not a caller "acting outside
		// a unit" (which only the office may, and is told by the decision).
		err = domain.Invalid(field, "must not be empty")
	} else if _, refers := body.(domain.Referrer); unit == "" || (unit != "-" && !refers) {
		err = c.Scope.Check(r.Context(), p, unit)
	}
	if err == nil {
		cmd.After, err = c.checkRefs(r.Context(), p, body)
	}
	if err == nil {
		err = c.Evidence.checkCited(r.Context(), p, body)
	}
	if err != nil {
		WriteProblem(w, r, err)
		return false
	}
	return true
}

// missingUnit names the body field of the first unit a command refers to
// but leaves empty ("" if none): a creating command's own unit (a pledge's
// unit, a member's unit_id) is its first reference.
func missingUnit(body any) string {
	r, ok := body.(domain.Referrer)
	if !ok {
		return ""
	}
	for _, ref := range r.References() {
		if ref.Kind == domain.RefUnit && ref.ID == "" {
			return ref.Field
		}
	}
	return ""
}

// begin reads what every command shares, its metadata and its body; on a
// bad request it has already answered, and ok is false.
func begin[C any](c *Commands, w http.ResponseWriter, r *http.Request) (p Principal, cmd command.Command, body C, ok bool) {
	p, cmd, err := c.meta(r)
	if err == nil {
		err = DecodeJSON(w, r, &body)
	}
	if err == nil && r.Header.Get("Idempotency-Key") != "" {
		cmd.Fingerprint, err = fingerprint(r, body)
	}
	if err != nil {
		WriteProblem(w, r, err)
		return p, cmd, body, false
	}
	return p, cmd, body, true
}

// meta builds the command's metadata: the actor is the token's subject,
// never a body field; Idempotency-Key (per caller) makes retries safe;
// If-Match pins the stream's version.
func (c *Commands) meta(r *http.Request) (Principal, command.Command, error) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return p, command.Command{}, errNoPrincipal
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = uuid.NewString()
	} else if len(key) > 200 {
		return p, command.Command{}, NewProblem(http.StatusBadRequest, "Idempotency-Key is longer than 200 characters", "Idempotency-Key")
	}
	cmd := command.Command{
		ID:            p.Subject + ":" + key,
		Actor:         domain.Actor{ID: p.Subject},
		CorrelationID: middleware.GetReqID(r.Context()),
	}
	if len(p.Units) > 0 {
		cmd.Actor.Unit = p.Units[0]
	}
	if m := r.Header.Get("If-Match"); m != "" {
		v, err := strconv.ParseUint(strings.Trim(m, `"`), 10, 64)
		if err != nil {
			return p, cmd, NewProblem(http.StatusBadRequest, "If-Match must be a stream version such as \"3\"", "If-Match")
		}
		cmd.IfVersion = &v
	}
	return p, cmd, nil
}

// fingerprint is what a command says, for binding the client's
// Idempotency-Key to it: its method, its path (route and entity) and its
// body as decoded and encoded again, so that the same command told with
// its fields in another order or other white space is the same.
func fingerprint(r *http.Request, body any) (string, error) {
	canonical, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", r.Method, r.URL.Path)
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

func (c *Commands) finish(w http.ResponseWriter, r *http.Request, cmd command.Command, body any, id string, res command.Result, err error, status int) {
	var conflict *eventlog.ConflictError
	if err != nil && cmd.IfVersion != nil && errors.As(err, &conflict) {
		err = errors.Join(ErrIfMatch, err)
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	c.Evidence.observe(r.Context(), body, res)
	if res.Duplicate {
		status = http.StatusOK
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatUint(res.LastVersion, 10)))
	writeJSON(w, status, Accepted{ID: id, Result: res})
}
