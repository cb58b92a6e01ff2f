package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/rectification"
)

// The small pieces every model and query of the package shares.

// earlier returns the events of stream before e, which a model needs to
// rebuild an entity it has not seen since the projector started; nil
// when e is the stream's first event or there is no history to ask (h is
// nil when the fold has seen every event from the start, as Expect has).
func earlier(ctx context.Context, h History, stream string, e Event) ([]Event, error) {
	if e.Version <= 1 || h == nil {
		return nil, nil
	}
	evs, err := h.Before(ctx, stream, e.Position)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", stream, err)
	}
	return evs, nil
}

// entityID is the id of the entity an event is about, taken from its
// stream, for the events of one kind of entity: their type is kind.x and
// their stream stream(id). It is "" for the events of other kinds.
func entityID(e Event, kind string, stream func(string) string) string {
	if !strings.HasPrefix(e.Type, kind+".") {
		return ""
	}
	if id, ok := strings.CutPrefix(e.Stream, stream("")); ok {
		return id
	}
	return ""
}

// entity returns the state of entity id, whose events are in stream, with
// e applied: a state not seen yet is created and, after a restart, first
// rebuilt from the stream's earlier events.
func entity[S any](ctx context.Context, h History, states map[string]*S, id, stream string, e Event, apply func(*S, domain.Event)) (*S, error) {
	s := states[id]
	if s == nil {
		s = new(S)
		evs, err := earlier(ctx, h, stream, e)
		if err != nil {
			return nil, err
		}
		for _, x := range evs {
			apply(s, x.Data)
		}
		states[id] = s
	}
	apply(s, e.Data)
	return s, nil
}

// addFigure adds delta to a figure and drops it when it comes to zero, as
// a count that ClickHouse does not return is zero.
func addFigure(figures map[string]int64, key string, delta int64) {
	figures[key] += delta
	if figures[key] == 0 {
		delete(figures, key)
	}
}

// changeFigures replaces an entity's old contribution to the figures by
// its new one.
func changeFigures(figures, before, after map[string]int64) {
	for k, n := range before {
		addFigure(figures, k, -n)
	}
	for k, n := range after {
		addFigure(figures, k, n)
	}
}

// dropZeros removes figures that are zero, so a figure that nets to zero
// compares equal to one that never appeared.
func dropZeros(m map[string]int64) map[string]int64 {
	for k, v := range m {
		if v == 0 {
			delete(m, k)
		}
	}
	return m
}

// epoch stands for "never" in DateTime and Date columns, which have no
// NULL here.
var epoch = time.Unix(0, 0).UTC()

// evTime is t as a DateTime column takes it: in UTC, and the epoch for
// "never".
func evTime(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t.UTC()
}

// notYet reads a DateTime column back: the zero time for the epoch that
// stands for "never", else the time in UTC.
func notYet(t time.Time) time.Time {
	if t.Unix() == 0 {
		return time.Time{}
	}
	return t.UTC()
}

func boolUInt8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// zone is loc, or the default deployment zone when loc is nil.
func zone(loc *time.Location) *time.Location {
	if loc == nil {
		return domain.DefaultLocation()
	}
	return loc
}

// viewClock fills the defaults of a view that depends on "today": now
// (time.Now), the zone (zone) and the yellow window
// (rectification.DefaultYellowDays).
func viewClock(now time.Time, loc *time.Location, yellowDays int) (time.Time, *time.Location, int) {
	if now.IsZero() {
		now = time.Now()
	}
	if yellowDays <= 0 {
		yellowDays = rectification.DefaultYellowDays
	}
	return now, zone(loc), yellowDays
}

// rectLive is the SQL list of live rectification states; it must match
// State.Live.
var rectLive = "('" + strings.Join([]string{
	rectification.StateOpen.String(), rectification.StateInProgress.String(), rectification.StateSubmitted.String(),
}, "','") + "')"

// pageLimit is a list query's page size: 100 by default, at most 1000.
func pageLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, 1000)
}

// placeholders is n comma-separated parameters, for an IN list: the driver
// would bind a slice as an array, which the IN of ClickHouse 18.16
// refuses.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// sqlFilter collects the conditions of a WHERE clause and their
// parameters, in the order they appear in the query.
type sqlFilter struct {
	conds []string
	args  []any
}

// add appends a condition and its parameters.
func (f *sqlFilter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

// eq selects col = v, unless v is empty (no filter).
func (f *sqlFilter) eq(col, v string) {
	if v != "" {
		f.add(col+" = ?", v)
	}
}

// in selects col IN vs, unless vs is empty (no filter).
func (f *sqlFilter) in(col string, vs []string) {
	if len(vs) == 0 {
		return
	}
	f.conds = append(f.conds, col+" IN ("+placeholders(len(vs))+")")
	for _, v := range vs {
		f.args = append(f.args, v)
	}
}

// where is " WHERE " and the conditions joined by AND, "" for none.
func (f *sqlFilter) where() string { return f.clause(" WHERE ") }

// prewhere is where as a PREWHERE clause. With FINAL, PREWHERE filters
// the rows before the versions of an entity are merged, reading the other
// columns only for the rows that pass: several times faster than WHERE,
// which filters after the merge. It is correct only for columns that
// never change between the versions of one entity (its key, its unit and
// others the model fixes when the entity is created); on any other column
// an old version could match while the current one does not.
func (f *sqlFilter) prewhere() string { return f.clause(" PREWHERE ") }

func (f *sqlFilter) clause(keyword string) string {
	if len(f.conds) == 0 {
		return ""
	}
	return keyword + strings.Join(f.conds, " AND ")
}

// queryTimeout bounds a query of this package whose caller set no
// deadline.
const queryTimeout = 10 * time.Second

// withQueryTimeout gives ctx a deadline unless it has one.
func withQueryTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, queryTimeout)
}

// queryEach runs a query with a deadline and calls row for every row.
func queryEach(ctx context.Context, q Querier, query string, row func(scan func(...any) error) error, args ...any) error {
	ctx, cancel := withQueryTimeout(ctx)
	defer cancel()
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return fmt.Errorf("projections: scan: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	return nil
}

// evCounts runs a query of (String, count()) rows.
func evCounts(ctx context.Context, q Querier, query string, each func(key string, n uint64), args ...any) error {
	return queryEach(ctx, q, query, func(scan func(...any) error) error {
		var key string
		var n uint64
		if err := scan(&key, &n); err != nil {
			return err
		}
		each(key, n)
		return nil
	}, args...)
}
