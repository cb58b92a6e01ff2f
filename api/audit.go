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

func parseAuditQuery(r *http.Request) (auditQuery, error) {
	q := r.URL.Query()
	a := auditQuery{actor: q.Get("actor"), unit: q.Get("unit"), typ: q.Get("type"), limit: defaultAuditLimit}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"from", &a.from}, {"to", &a.to}} {
		if v := q.Get(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return a, NewProblem(http.StatusBadRequest, f.name+" must be an RFC 3339 time such as 2026-03-31T16:00:00Z", f.name)
			}
			*f.t = t
		}
	}
	if !a.from.IsZero() && !a.to.IsZero() && !a.from.Before(a.to) {
		return a, NewProblem(http.StatusBadRequest, "to must be after from: the range is [from, to)", "to")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditLimit {
			return a, NewProblem(http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(maxAuditLimit), "limit")
		}
		a.limit = n
	}
	if v := q.Get("after"); v != "" {
		p, ok := parseCursor(v)
		if !ok {
			return a, NewProblem(http.StatusBadRequest, "after must be a cursor this endpoint returned as next", "after")
		}
		a.after = p
	}
	return a, nil
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
		l, err := view.lineage(ctx, q.unit)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		if len(l.chain) == 0 {
			WriteProblem(w, r, NewProblem(http.StatusNotFound, "no unit "+q.unit, "unit"))
			return
		}
		if err := h.Scope.Check(ctx, p, q.unit); err != nil {
			WriteProblem(w, r, err)
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
