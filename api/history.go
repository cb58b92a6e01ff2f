package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

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
	// ScanBudget is how many events one audit search reads at most before
	// it answers with a cursor; 0 means 100,000.
	ScanBudget int
}

// StreamHistory is the answer: the events and whether their chain holds.
type StreamHistory struct {
	Stream   string           `json:"stream"`
	AsOf     *time.Time       `json:"as_of,omitempty"`
	Events   []eventlog.Event `json:"events"`
	Verified bool             `json:"verified"`
	Problem  string           `json:"problem,omitempty"` // where the chain breaks, if it does
}

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
	events, err := readStream(r, h.Log, stream)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	unit := streamUnit(events)
	if err := h.Scope.Check(r.Context(), p, unit); err != nil {
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
	writeJSON(w, http.StatusOK, res)
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
