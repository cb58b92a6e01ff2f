package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/eventlog"
)

// History serves the audit history of a stream straight from the event
// log (never from ClickHouse): every event with its envelope, hash and
// prev_hash, the chain checked on the way, optionally as of a moment; and
// the audit search of the whole log by actor, unit subtree, time range and
// type (audit.go).
type History struct {
	Log   eventlog.Store
	Scope Scope
	// Registry decodes events to fold an entity's state; nil is
	// catalog.New().
	Registry *domain.Registry
	// ScanBudget is how many events one audit search reads at most before
	// it answers with a cursor; 0 means 100,000.
	ScanBudget int
}

// StreamHistory is the answer: the events and whether their chain holds,
// and the entity's state folded from those events.
type StreamHistory struct {
	Stream   string           `json:"stream"`
	AsOf     *time.Time       `json:"as_of,omitempty"`
	Events   []eventlog.Event `json:"events"`
	Verified bool             `json:"verified"`
	Problem  string           `json:"problem,omitempty"` // where the chain breaks, if it does
	// Entity is the kind of entity the stream holds ("rectification",
	// "pledge", ...), empty for the ledger's bookkeeping streams
	// (checkpoints, command keys), which have no state.
	Entity string `json:"entity,omitempty"`
	// State is the entity as of as_of (or now): the events above folded
	// with the domain's own aggregate, rendered with its state name
	// ("state") and whatever the aggregate holds (a rectification's
	// deadline in force, extensions, closings...). It is null when no
	// event was recorded by as_of: the ledger did not know the entity
	// then.
	State any `json:"state"`
	// StateProblem says why there is no state though there are events:
	// an event the registry cannot decode.
	StateProblem string `json:"state_problem,omitempty"`
}

var defaultRegistry = sync.OnceValue(catalog.New)

// historyRoles may read audit history, each within its scope.
var historyRoles = []Role{RoleClerk, RoleSuperior, RoleInspector, RoleOffice}

// Routes mounts GET /v1/history/{stream} and GET /v1/audit/events (behind
// Authenticate).
func (h *History) Routes(r chi.Router) {
	r.Get("/v1/history/{stream}", requireRole(historyRoles, h.stream))
	r.Get("/v1/audit/events", requireRole(historyRoles, h.audit))
}

func (h *History) stream(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	stream := chi.URLParam(r, "stream")
	q := newQuery(r, []ReadParam{{Name: "as_of"}})
	var asOf *time.Time
	if t := q.rfc3339("as_of"); q.err != nil {
		WriteProblem(w, r, q.err)
		return
	} else if !t.IsZero() {
		asOf = &t
	}
	events, err := streamInScope(r, h.Log, h.Scope, p, stream)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	res := StreamHistory{Stream: stream, AsOf: asOf, Verified: true}
	var head eventlog.StreamHead
	for i := range events {
		e := &events[i]
		if res.Verified {
			switch {
			case eventlog.ComputeHash(e) != e.Hash:
				res.Verified, res.Problem = false, "version "+itoa(e.Version)+": content does not match its hash"
			case e.PrevHash != head.Hash || e.Version != head.Version+1:
				res.Verified, res.Problem = false, "version "+itoa(e.Version)+": does not chain to the version before it"
			}
			head = eventlog.StreamHead{Version: e.Version, Hash: e.Hash}
		}
		// "As of" is what the ledger knew then: events recorded by that
		// moment, whatever business time they tell.
		if asOf != nil && e.RecordedAt.After(*asOf) {
			events = events[:i]
			break
		}
	}
	res.Events = events
	res.Entity, res.State, res.StateProblem = h.state(stream, events)
	writeJSON(w, http.StatusOK, res)
}

// state folds a stream's events into its entity's state (catalog.State).
// A payload that does not decode leaves the state out and says so, but
// does not cost the reader the history itself.
func (h *History) state(stream string, events []eventlog.Event) (string, any, string) {
	reg := h.Registry
	if reg == nil {
		reg = defaultRegistry()
	}
	decoded := make([]domain.Event, 0, len(events))
	for i := range events {
		e, err := reg.Decode(events[i].Type, events[i].SchemaVersion, events[i].Payload)
		if err != nil {
			entity, _, _ := catalog.State(stream, nil)
			return entity, nil, "version " + itoa(events[i].Version) + ": " + err.Error()
		}
		decoded = append(decoded, e)
	}
	entity, state, _ := catalog.State(stream, decoded)
	return entity, state, ""
}

// streamInScope reads a stream for p, deciding scope before existence:
// a stream outside p's scope and one that does not exist get the same
// 403, so that neither its existence nor its length shows. Whom a stream
// that does not exist concerns is unknown, so it is out of everyone's
// scope but the office's, which covers everything and so is told 404.
//
// An evidence file's stream is the office's alone: it records every
// unit that uploaded the same bytes, so a unit reading it would learn of
// other units' private uploads (and, from the answer alone, whether one
// came first). Others see their own uploads in the audit search, event
// by event.
func streamInScope(r *http.Request, log eventlog.Store, scope Scope, p Principal, stream string) ([]eventlog.Event, error) {
	if strings.HasPrefix(stream, evdomain.StreamPrefix) && !p.Has(RoleOffice) {
		return nil, streamOutOfScope(p, stream)
	}
	events, err := readStream(r, log, stream)
	var missing *Problem
	if errors.As(err, &missing) && missing.Status == http.StatusNotFound {
		if p.Has(RoleOffice) {
			return nil, err
		}
		return nil, streamOutOfScope(p, stream)
	}
	if err != nil {
		return nil, err
	}
	if p.Has(RoleOffice) {
		return events, nil // the office reads every stream there is
	}
	if err := scope.Check(r.Context(), p, streamUnit(events)); err != nil {
		if refusal(err) {
			return nil, streamOutOfScope(p, stream)
		}
		return nil, err
	}
	return events, nil
}

// unitInScope is Scope.Check with one answer for every refusal: a unit
// outside p's scope and one that is not registered are the same 403. The
// office, which covers every registered unit, is told 404 for one that
// is not.
func unitInScope(ctx context.Context, scope Scope, p Principal, unit string) error {
	err := scope.Check(ctx, p, unit)
	if refusal(err) && p.Has(RoleOffice) {
		return NewProblem(http.StatusNotFound, "unit "+unit+" is not registered", "unit")
	}
	if refusal(err) {
		return forbidden("unit %s is outside the scope of %s", unit, p.Subject)
	}
	return err
}

func streamOutOfScope(p Principal, stream string) error {
	return forbidden("stream %s is outside the scope of %s", stream, p.Subject)
}

// refusal reports whether a scope check refused (403), or could not place
// the unit at all (422: not registered), as opposed to failing to read.
func refusal(err error) bool {
	var p *Problem
	return errors.As(err, &p) && (p.Status == http.StatusForbidden || p.Status == http.StatusUnprocessableEntity)
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
