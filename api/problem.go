package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/eventlog"
)

// Problem is an RFC 9457 problem detail. Field names the request field at
// fault, when there is one, as a JSON path ("deadline", "evidence[1].sha256").
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Field    string `json:"field,omitempty"`
}

func (p *Problem) Error() string { return p.Detail }

// problemType names each kind of problem with a stable URI reference.
func problemType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "/problems/malformed-request"
	case http.StatusUnauthorized:
		return "/problems/unauthenticated"
	case http.StatusForbidden:
		return "/problems/forbidden"
	case http.StatusNotFound:
		return "/problems/not-found"
	case http.StatusConflict:
		return "/problems/conflict"
	case http.StatusPreconditionFailed:
		return "/problems/version-mismatch"
	case http.StatusRequestEntityTooLarge:
		return "/problems/too-large"
	case http.StatusUnsupportedMediaType:
		return "/problems/unsupported-media-type"
	case http.StatusUnprocessableEntity:
		return "/problems/rejected"
	case http.StatusRequestedRangeNotSatisfiable:
		return "/problems/range-not-satisfiable"
	}
	return "about:blank"
}

// NewProblem builds a problem of a status.
func NewProblem(status int, detail, field string) *Problem {
	return &Problem{Type: problemType(status), Title: http.StatusText(status), Status: status, Detail: detail, Field: field}
}

// ErrIfMatch marks a conflict on a version the client named in If-Match:
// it becomes 412 rather than 409.
var ErrIfMatch = errors.New("if-match version does not match")

// ProblemFor turns an error into the problem the client sees. This is the
// one place errors become HTTP statuses.
func ProblemFor(err error) *Problem {
	var (
		p          *Problem
		validation *domain.ValidationError
		transition *domain.TransitionError
		conflict   *eventlog.ConflictError
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &validation):
		return NewProblem(http.StatusUnprocessableEntity, validation.Error(), validation.Field)
	case errors.As(err, &transition):
		return NewProblem(http.StatusUnprocessableEntity, transition.Error(), "")
	case errors.Is(err, rectification.ErrSeparationOfDuty):
		// The caller holds the role, but not for this decision.
		return NewProblem(http.StatusForbidden, err.Error(), "")
	case errors.Is(err, rectification.ErrDeadlinePassed), errors.Is(err, pledge.ErrPeriodNotEnded):
		// Rules of time: the request is well formed but refused now.
		return NewProblem(http.StatusUnprocessableEntity, err.Error(), "")
	case errors.Is(err, command.ErrKeyReused):
		return NewProblem(http.StatusUnprocessableEntity,
			"this Idempotency-Key was used before for a different request (another route, item or body); nothing was recorded: send a new key for a new request", "Idempotency-Key")
	case errors.Is(err, domain.ErrNotFound):
		return NewProblem(http.StatusNotFound, err.Error(), "")
	case errors.Is(err, domain.ErrAlreadyExists):
		return NewProblem(http.StatusConflict, err.Error(), "")
	case errors.As(err, &conflict) && errors.Is(err, ErrIfMatch):
		return NewProblem(http.StatusPreconditionFailed, conflict.Error(), "If-Match")
	case errors.As(err, &conflict):
		return NewProblem(http.StatusConflict, conflict.Error(), "")
	case errors.Is(err, ErrViewsUnavailable):
		return NewProblem(http.StatusServiceUnavailable, "the read models did not answer; retry shortly", "")
	}
	return NewProblem(http.StatusInternalServerError, "internal error", "")
}

// WriteProblem writes err as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := *ProblemFor(err)
	p.Instance = r.URL.Path
	if p.Status >= http.StatusInternalServerError {
		// The client sees a generic answer; the cause goes to the log,
		// under the request id the access log shows too.
		level := slog.LevelWarn // unavailable for now: ClickHouse away, projections behind
		if p.Status == http.StatusInternalServerError {
			level = slog.LevelError
		}
		slog.Log(r.Context(), level, "request failed", "id", middleware.GetReqID(r.Context()),
			"route", r.URL.Path, "status", p.Status, "err", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
