package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxzy/ledger/eventlog"
)

// Audit search over the whole log: GET /v1/audit/events.
//
// It reads the event log (never ClickHouse), which has no index by actor or
// unit: a request reads at most ScanBudget events and answers with what it
// found among them and the cursor where it stopped, even if it found fewer
// than limit events (none, even). A client follows next until it is "".
// On a store with eventlog.TimeSeeker (the embedded log) a from/to range
// bounds the positions read; otherwise the scan starts at the beginning
// and runs to the end of the log.
//
// unit selects the unit's subtree by each event's unit as the tree stands
// now: an event of a unit since moved elsewhere is found under its new
// parent, not the old one. The audit asks where an item belongs today; the
// unit's own history tells where it was.

const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
	defaultScanBudget = 100_000
	auditReadPage     = 1000
)

// AuditEvents is the answer: matching events in global order, each with
// its hash and prev_hash; next is the cursor to continue after ("" when the
// scan reached the end of the range or of the log); scanned counts the
// events read.
type AuditEvents struct {
	Events  []eventlog.Event `json:"events"`
	Next    string           `json:"next"`
	Scanned int              `json:"scanned"`
}

// auditQuery is a parsed request.
type auditQuery struct {
	actor, unit, typ string
	from, to         time.Time
	after            eventlog.Position
	limit            int
}

// auditParams are the parameters of the audit search.
var auditParams = []ReadParam{{Name: "actor"}, {Name: "unit"}, {Name: "from"}, {Name: "to"}, {Name: "type"}, {Name: "after"}, {Name: "limit"}}

func parseAuditQuery(r *http.Request) (auditQuery, error) {
	q := newQuery(r, auditParams)
	a := auditQuery{actor: q.str("actor"), unit: q.str("unit"), typ: q.str("type"),
		from: q.rfc3339("from"), to: q.rfc3339("to"), limit: q.int("limit", defaultAuditLimit, 1, maxAuditLimit)}
	if q.err == nil && !a.from.IsZero() && !a.to.IsZero() && !a.from.Before(a.to) {
		q.bad("to", "want a time after from: the range is [from, to)")
	}
	if v := q.str("after"); v != "" && q.err == nil {
		p, ok := parseCursor(v)
		if !ok {
			q.bad("after", "want a cursor this endpoint returned as next")
		}
		a.after = p
	}
	return a, q.err
}

// A cursor is a global position as Position.String writes it: "commit" or
// "commit/prepare". Clients treat it as opaque.
func parseCursor(s string) (eventlog.Position, bool) {
	c, p, two := strings.Cut(s, "/")
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return eventlog.Position{}, false
	}
	prepare := commit
	if two {
		if prepare, err = strconv.ParseUint(p, 10, 64); err != nil {
			return eventlog.Position{}, false
		}
	}
	return eventlog.Position{Commit: commit, Prepare: prepare}, true
}

func (h *History) audit(w http.ResponseWriter, r *http.Request) {
	longRoute(w)
	ctx := r.Context()
	p, _ := PrincipalFrom(ctx)
	q, err := parseAuditQuery(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	view := h.Scope.view(p)
	if q.unit != "" {
		// Scope first: to anyone but the office, an unregistered unit is
		// as out of scope as another's, so neither shows it exists.
		if err := unitInScope(ctx, h.Scope, p, q.unit); err != nil {
			WriteProblem(w, r, err)
			return
		}
		l, err := view.lineage(ctx, q.unit)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		if len(l.chain) == 0 {
			WriteProblem(w, r, NewProblem(http.StatusNotFound, "no unit "+q.unit, "unit"))
			return
		}
	}
	// Bound the positions to read.
	start, end, bounded := q.after, eventlog.Position{}, false
	if ts, ok := h.Log.(eventlog.TimeSeeker); ok && (!q.from.IsZero() || !q.to.IsZero()) {
		s, e, err := ts.TimeRange(ctx, q.from, q.to)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		if start.Less(s) {
			start = s
		}
		end, bounded = e, true
	}
	budget := h.ScanBudget
	if budget <= 0 {
		budget = defaultScanBudget
	}
	res := AuditEvents{Events: []eventlog.Event{}}
	last, done := start, false
	for !done && res.Scanned < budget && len(res.Events) < q.limit {
		if bounded && !last.Less(end) {
			done = true
			break
		}
		n := min(auditReadPage, budget-res.Scanned)
		page, err := h.Log.ReadAll(ctx, last, n)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		if len(page) < n {
			done = true // the end of the log, as it stands now
		}
		for i := range page {
			e := &page[i]
			if bounded && end.Less(e.Position) {
				done = true
				break
			}
			res.Scanned++
			last = e.Position
			ok, err := auditMatch(ctx, view, p, q, e)
			if err != nil {
				WriteProblem(w, r, err)
				return
			}
			if ok {
				res.Events = append(res.Events, *e)
				if len(res.Events) == q.limit {
					if i < len(page)-1 {
						done = false
					}
					break
				}
			}
		}
	}
	if !done {
		res.Next = last.String()
	}
	writeJSON(w, http.StatusOK, res)
}

// auditMatch applies the query and the caller's scope to one event,
// cheapest tests first.
func auditMatch(ctx context.Context, view *scopeView, p Principal, q auditQuery, e *eventlog.Event) (bool, error) {
	if q.actor != "" && e.Actor != q.actor {
		return false, nil
	}
	if q.typ != "" && !strings.HasPrefix(e.Type, q.typ) {
		return false, nil
	}
	if !q.from.IsZero() && e.RecordedAt.Before(q.from) || !q.to.IsZero() && !e.RecordedAt.Before(q.to) {
		return false, nil
	}
	office := p.Has(RoleOffice)
	if e.Unit == "" {
		// Events about no unit (areas, groups, catalogues) are the office's.
		return office && q.unit == "", nil
	}
	if q.unit != "" || !office {
		l, err := view.lineage(ctx, e.Unit)
		if err != nil {
			return false, err
		}
		if q.unit != "" && !slices.Contains(l.chain, q.unit) {
			return false, nil
		}
		if !office && len(l.chain) == 0 {
			return false, nil
		}
	}
	if office {
		return true, nil
	}
	return view.covers(ctx, e.Unit)
}
