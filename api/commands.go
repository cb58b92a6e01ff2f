package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/eventlog"
)

// Commands serves one POST per domain command. Each checks the caller's
// role, decodes the body strictly, checks that the unit concerned lies in
// the caller's scope, and executes through the write path with the token's
// subject as the actor. A refused request appends nothing.
type Commands struct {
	Handler *command.Handler
	Scope   Scope
}

// Accepted is the answer to a command: where its events landed.
type Accepted struct {
	ID string `json:"id"`
	command.Result
}

// unitScoped is an aggregate that belongs to one unit.
type unitScoped interface {
	domain.Aggregate
	Unit() string
}

// Routes mounts the command routes on r (behind Authenticate).
func (c *Commands) Routes(r chi.Router) {
	newP := func() *pledge.Pledge { return &pledge.Pledge{} }
	r.Post("/v1/pledges", create(c, []Role{RoleClerk}, pledge.Stream,
		func(cmd pledge.SubmitCommand) string { return cmd.Unit }, pledge.Submit))
	r.Post("/v1/pledges/{id}/return", transition(c, []Role{RoleSuperior}, pledge.Stream, newP, (*pledge.Pledge).Return))
	r.Post("/v1/pledges/{id}/revise", transition(c, []Role{RoleClerk}, pledge.Stream, newP, (*pledge.Pledge).Revise))
	r.Post("/v1/pledges/{id}/file", transition(c, []Role{RoleSuperior}, pledge.Stream, newP, (*pledge.Pledge).File))
	r.Post("/v1/pledges/{id}/disclose", transition(c, []Role{RoleClerk, RoleSuperior}, pledge.Stream, newP, (*pledge.Pledge).Disclose))
	r.Post("/v1/pledges/{id}/withdraw", transition(c, []Role{RoleClerk}, pledge.Stream, newP, (*pledge.Pledge).Withdraw))
	r.Post("/v1/pledges/{id}/progress", transition(c, []Role{RoleClerk}, pledge.Stream, newP, (*pledge.Pledge).ReportProgress))
	r.Post("/v1/pledges/{id}/report-corrections", transition(c, []Role{RoleClerk}, pledge.Stream, newP, (*pledge.Pledge).CorrectReport))
	r.Post("/v1/pledges/{id}/report-retractions", transition(c, []Role{RoleClerk}, pledge.Stream, newP, (*pledge.Pledge).RetractReport))
	r.Post("/v1/pledges/{id}/fulfil", transition(c, []Role{RoleClerk}, pledge.Stream, newP, (*pledge.Pledge).Fulfil))
	r.Post("/v1/pledges/{id}/lapse", transition(c, []Role{RoleClerk, RoleSuperior}, pledge.Stream, newP, (*pledge.Pledge).Lapse))
	r.Post("/v1/pledges/{id}/evaluations", transition(c, []Role{RoleSuperior, RoleOffice}, pledge.Stream, newP, (*pledge.Pledge).Evaluate))

	newR := func() *rectification.Rectification { return &rectification.Rectification{} }
	orderers := []Role{RoleSuperior, RoleInspector, RoleOffice}
	r.Post("/v1/rectifications", create(c, orderers, rectification.Stream,
		func(cmd rectification.OrderCommand) string { return cmd.Unit }, rectification.Order))
	r.Post("/v1/rectifications/{id}/acknowledge", transition(c, []Role{RoleClerk}, rectification.Stream, newR, (*rectification.Rectification).Acknowledge))
	r.Post("/v1/rectifications/{id}/plan", transition(c, []Role{RoleClerk}, rectification.Stream, newR, (*rectification.Rectification).FilePlan))
	r.Post("/v1/rectifications/{id}/progress", transition(c, []Role{RoleClerk}, rectification.Stream, newR, (*rectification.Rectification).ReportProgress))
	r.Post("/v1/rectifications/{id}/submit", transition(c, []Role{RoleClerk}, rectification.Stream, newR, (*rectification.Rectification).Submit))
	r.Post("/v1/rectifications/{id}/reject", transition(c, orderers, rectification.Stream, newR, (*rectification.Rectification).Reject))
	r.Post("/v1/rectifications/{id}/accept", transition(c, orderers, rectification.Stream, newR, (*rectification.Rectification).Accept))
	r.Post("/v1/rectifications/{id}/reopen", transition(c, orderers, rectification.Stream, newR, (*rectification.Rectification).Reopen))
	r.Post("/v1/rectifications/{id}/extension-requests", transition(c, []Role{RoleClerk}, rectification.Stream, newR, (*rectification.Rectification).RequestExtension))
	r.Post("/v1/rectifications/{id}/extension-grants", transition(c, orderers, rectification.Stream, newR, (*rectification.Rectification).GrantExtension))
	r.Post("/v1/rectifications/{id}/extension-denials", transition(c, orderers, rectification.Stream, newR, (*rectification.Rectification).DenyExtension))
	r.Post("/v1/rectifications/{id}/cancel", transition(c, []Role{RoleSuperior, RoleOffice}, rectification.Stream, newR, (*rectification.Rectification).Cancel))
}

// create serves a command that starts a new stream. The entity's id is
// derived from the command id, so a retry with the same Idempotency-Key
// finds the same stream and gets the first answer.
func create[C any](c *Commands, roles []Role, stream func(string) string, unitOf func(C) string,
	decide func(id string, cmd C, meta domain.Meta) ([]domain.Event, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, err := c.begin(r, roles)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		var body C
		if err := DecodeJSON(w, r, &body); err != nil {
			WriteProblem(w, r, err)
			return
		}
		if err := c.Scope.Check(r.Context(), p, unitOf(body)); err != nil {
			WriteProblem(w, r, err)
			return
		}
		id := command.NewID(cmdMeta.ID)
		res, err := command.Create(r.Context(), c.Handler, stream(id), cmdMeta, func(m domain.Meta) ([]domain.Event, error) {
			return decide(id, body, m)
		})
		c.finish(w, r, cmdMeta, id, res, err, http.StatusCreated)
	}
}

// transition serves a command on an existing entity: the entity's own unit
// decides the scope, checked against the state the decision is made on.
func transition[A unitScoped, C any](c *Commands, roles []Role, stream func(string) string, newAgg func() A,
	decide func(agg A, cmd C, meta domain.Meta) ([]domain.Event, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, err := c.begin(r, roles)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		var body C
		if err := DecodeJSON(w, r, &body); err != nil {
			WriteProblem(w, r, err)
			return
		}
		id := chi.URLParam(r, "id")
		res, err := command.Execute(r.Context(), c.Handler, stream(id), cmdMeta, newAgg, func(agg A, m domain.Meta) ([]domain.Event, error) {
			if agg.Unit() != "" {
				if err := c.Scope.Check(context.WithoutCancel(r.Context()), p, agg.Unit()); err != nil {
					return nil, err
				}
			}
			return decide(agg, body, m)
		})
		c.finish(w, r, cmdMeta, id, res, err, http.StatusOK)
	}
}

// begin authorises the caller's role and builds the command's metadata:
// the actor is the token's subject, never a body field; Idempotency-Key
// (per caller) makes retries safe; If-Match pins the stream's version.
func (c *Commands) begin(r *http.Request, roles []Role) (Principal, command.Command, error) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return p, command.Command{}, errNoPrincipal
	}
	if !p.Has(roles...) {
		return p, command.Command{}, forbidden("%s lacks the role for this command (one of %v)", p.Subject, roles)
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

func (c *Commands) finish(w http.ResponseWriter, r *http.Request, cmd command.Command, id string, res command.Result, err error, status int) {
	var conflict *eventlog.ConflictError
	if err != nil && cmd.IfVersion != nil && errors.As(err, &conflict) {
		err = errors.Join(ErrIfMatch, err)
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if res.Duplicate {
		status = http.StatusOK
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatUint(res.LastVersion, 10)))
	writeJSON(w, status, Accepted{ID: id, Result: res})
}
