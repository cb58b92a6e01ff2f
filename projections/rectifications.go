package projections

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/rectification"
)

// RectificationsTable is the current state of every rectification item.
const RectificationsTable = "rectifications"

// rectColumns is the column order of every row of the rectifications
// table; rectRow returns values in this order.
var rectColumns = []string{
	"id", "stream", "unit", "unit_name", "area", "unit_kind",
	"source_kind", "source_ref", "responsible_unit", "responsible_person", "requirement",
	"state", "ordered_at", "ordered_on", "original_deadline", "deadline",
	"extensions_requested", "extensions_granted", "extensions_denied",
	"rejections", "reopenings", "closings", "missed_deadlines", "last_missed_deadline",
	"closed_at", "closed_on", "on_time_original", "on_time_current", "cancelled",
	"closed_entered_late", "extensions_entered_late",
	"version", "updated_at",
}

// rectLateColumns are the late-entry flags, added by migration 2: a
// closing or an extension request that reached the ledger after the
// deadline it is judged against had passed (a backfill from the paper
// books), so "on time on paper, entered late" is visible in the views.
var rectLateColumns = []column{
	{"closed_entered_late", "UInt8", "cancelled"},
	{"extensions_entered_late", "UInt32", "closed_entered_late"},
}

// The colour and the days left are not columns: they depend on "now" and
// are computed by QueryRectifications at query time.
const rectCreate = `CREATE TABLE IF NOT EXISTS {db}.{table} (
	id String,
	stream String,
	unit String,
	unit_name String,
	area String,
	unit_kind String,
	source_kind String,
	source_ref String,
	responsible_unit String,
	responsible_person String,
	requirement String,
	state String,
	ordered_at DateTime,
	ordered_on Date,
	original_deadline Date,
	deadline Date,
	extensions_requested UInt32,
	extensions_granted UInt32,
	extensions_denied UInt32,
	rejections UInt32,
	reopenings UInt32,
	closings UInt32,
	missed_deadlines UInt32,
	last_missed_deadline Date,
	closed_at DateTime,
	closed_on Date,
	on_time_original UInt8,
	on_time_current UInt8,
	cancelled UInt8,
	closed_entered_late UInt8,
	extensions_entered_late UInt32,
	version UInt64,
	updated_at DateTime
) ENGINE = ReplacingMergeTree(version) ORDER BY id`

// rectRequirementMax bounds the requirement text kept in the table: the
// full text is in the event; the table needs enough to recognise the item.
const rectRequirementMax = 200

// Rectifications is the rectification-tracking read model: one row per
// item with its state, original and current deadline, extensions and
// closing. The unit's name, area and kind are those of the responsible
// unit when the item last changed, so the row is the same whether the
// projector ran from zero or resumed from a checkpoint.
//
// Apply and Expect keep separate state, so one value can project and
// reconcile.
type Rectifications struct {
	loc    *time.Location // the deployment zone, for the order's date
	apply  rectState
	expect rectState
	figs   map[string]map[string]int64 // item id -> its contribution to the figures
}

var (
	_ Model      = (*Rectifications)(nil)
	_ Reconciler = (*Rectifications)(nil)
)

// NewRectifications returns an empty model for a deployment in loc (nil:
// domain.DefaultLocation()).
func NewRectifications(loc *time.Location) *Rectifications {
	return &Rectifications{loc: zone(loc)}
}

func (*Rectifications) Name() string { return "rectifications" }

func (*Rectifications) Tables() []Table {
	return []Table{{Name: RectificationsTable, Columns: rectColumns, Create: rectCreate}}
}

// rectState is the items and units a fold has seen.
type rectState struct {
	items map[string]*rectification.Rectification
	units UnitIndex
}

func (s *rectState) init() {
	if s.items == nil {
		s.items = map[string]*rectification.Rectification{}
	}
}

// fold applies e to the state. h may be nil (Expect sees every event from
// the start); with h, an entity seen for the first time after a restart is
// rebuilt from its earlier events. It returns the item e changed, if any.
func (s *rectState) fold(ctx context.Context, e Event, h History) (*rectification.Rectification, error) {
	s.init()
	if err := s.units.Follow(ctx, e, h); err != nil {
		return nil, fmt.Errorf("rectifications: %w", err)
	}
	id := entityID(e, rectification.Entity, rectification.Stream)
	if id == "" {
		return nil, nil
	}
	r, err := entity(ctx, h, s.items, id, e.Stream, e, (*rectification.Rectification).Apply)
	if err != nil {
		return nil, fmt.Errorf("rectifications: %w", err)
	}
	if _, _, err := s.units.Load(ctx, h, r.Unit(), e.Position); err != nil {
		return nil, fmt.Errorf("rectifications: %w", err)
	}
	return r, nil
}

// Apply folds e and writes the changed item's full row.
func (m *Rectifications) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	r, err := m.apply.fold(ctx, e, h)
	if err != nil || r == nil || !r.Exists() {
		return err
	}
	u, _ := m.apply.units.Lookup(r.Unit())
	out.Add(RectificationsTable, rectRow(r, u, e, m.loc)...)
	return nil
}

func rectDate(d domain.Date) time.Time {
	if d.IsZero() {
		return epoch
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// rectRow is the item's row in rectColumns order; every figure comes from
// the aggregate's own accessors so the table means what the domain means.
func rectRow(r *rectification.Rectification, u UnitInfo, e Event, loc *time.Location) []any {
	var requested, granted, denied uint32
	for _, x := range r.Extensions() {
		requested++
		switch x.Outcome {
		case rectification.OutcomeGranted:
			granted++
		case rectification.OutcomeDenied:
			denied++
		}
	}
	var lastMissed domain.Date
	missed := r.MissedDeadlines()
	if n := len(missed); n > 0 {
		lastMissed = missed[n-1].Deadline
	}
	closedAt, closedOn := epoch, epoch
	if at, ok := r.ClosedAt(); ok {
		closedAt = at.UTC()
		cs := r.Closings()
		closedOn = rectDate(cs[len(cs)-1].On)
	}
	closedLate, extLate := rectLate(r)
	onOriginal, onCurrent, _ := r.OnTime()
	kind := ""
	if u.Kind.Valid() {
		kind = u.Kind.String()
	}
	req := []rune(r.Requirement())
	if len(req) > rectRequirementMax {
		req = req[:rectRequirementMax]
	}
	loc = zone(loc)
	return []any{
		r.ID(), e.Stream, r.Unit(), u.Name, u.Area, kind,
		r.Source().Kind.String(), r.Source().Ref, r.Unit(), r.Person(), string(req),
		r.State().String(), r.OrderedAt().UTC(), rectDate(domain.DateIn(r.OrderedAt(), loc)),
		rectDate(r.OriginalDeadline()), rectDate(r.Deadline()),
		requested, granted, denied,
		uint32(r.Rejections()), uint32(r.Reopenings()), uint32(len(r.Closings())), uint32(len(missed)), rectDate(lastMissed),
		closedAt, closedOn, boolUInt8(onOriginal), boolUInt8(onCurrent), boolUInt8(r.State() == rectification.StateCancelled),
		uint8(closedLate), uint32(extLate),
		e.Seq(), e.RecordedAt.UTC(),
	}
}

// Expect folds e into the figures the rectifications table must show.
// Each item contributes a set of figures; an event replaces the item's
// old contribution with its new one.
func (m *Rectifications) Expect(e Event, figures map[string]int64) {
	r, err := m.expect.fold(context.Background(), e, nil)
	if err != nil || r == nil || !r.Exists() {
		return
	}
	if m.figs == nil {
		m.figs = map[string]map[string]int64{}
	}
	u, _ := m.expect.units.Lookup(r.Unit())
	c := rectContribution(r, u.Area)
	changeFigures(figures, m.figs[r.ID()], c)
	m.figs[r.ID()] = c
}

// rectContribution is what one item adds to the figures, overall and for
// its area, and the item itself with the values the tracking views rely
// on: its state and its original and current deadline. Dates are written
// as the table should hold them, so a date ClickHouse cannot store (a
// Date before 1970 or after 2105 wraps around in 18.16) is a difference.
func rectContribution(r *rectification.Rectification, area string) map[string]int64 {
	c := map[string]int64{rectItem(r.ID(), r.State().String(), rectDate(r.OriginalDeadline()), rectDate(r.Deadline())): 1}
	add := func(name string, v int64) { addRectFigure(c, area, name, v) }
	add("total", 1)
	add("state="+r.State().String(), 1)
	orig, cur, _ := r.OnTime()
	add("closed_on_time_original", int64(boolUInt8(orig)))
	add("closed_on_time_current", int64(boolUInt8(cur)))
	add("closings", int64(len(r.Closings())))
	add("reopenings", int64(r.Reopenings()))
	add("missed_deadlines", int64(len(r.MissedDeadlines())))
	add("extensions_granted", int64(rectGranted(r)))
	closedLate, extLate := rectLate(r)
	add("closed_entered_late", closedLate)
	add("extensions_entered_late", extLate)
	return c
}

// addRectFigure adds v to a figure, overall and for area; a zero is not
// added, as ClickHouse returns no row for it.
func addRectFigure(figures map[string]int64, area, name string, v int64) {
	if v == 0 {
		return
	}
	figures["rectifications."+name] += v
	figures["rectifications."+name+"{area="+area+"}"] += v
}

// rectItem names one item's figure by its values; dates are those of
// Date columns, as the table writes and reads them.
func rectItem(id, state string, original, deadline time.Time) string {
	return "rectifications.item{id=" + id + ",state=" + state +
		",original_deadline=" + domain.DateOf(original).String() + ",deadline=" + domain.DateOf(deadline).String() + "}"
}

// rectLate is the item's late-entry flags as the table holds them: the
// closing in force entered late (0 or 1), and how many extension requests
// were.
func rectLate(r *rectification.Rectification) (closing, extensions int64) {
	if _, ok := r.ClosedAt(); ok && r.Closings()[len(r.Closings())-1].EnteredLate {
		closing = 1
	}
	for _, x := range r.Extensions() {
		if x.EnteredLate {
			extensions++
		}
	}
	return closing, extensions
}

func rectGranted(r *rectification.Rectification) int {
	n := 0
	for _, x := range r.Extensions() {
		if x.Outcome == rectification.OutcomeGranted {
			n++
		}
	}
	return n
}

// Actual reads the figures of Expect from ClickHouse.
func (m *Rectifications) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	// One GROUP BY gives the per-area figures; the overall ones are their
	// sums, added up here.
	figures := map[string]int64{}
	err := queryEach(ctx, q, `SELECT area, state, toInt64(count()), toInt64(sum(on_time_original)), toInt64(sum(on_time_current)),
		toInt64(sum(closings)), toInt64(sum(reopenings)), toInt64(sum(missed_deadlines)), toInt64(sum(extensions_granted)),
		toInt64(sum(closed_entered_late)), toInt64(sum(extensions_entered_late))
		FROM `+db+`.`+RectificationsTable+` FINAL GROUP BY area, state`, func(scan func(...any) error) error {
		var area, state string
		var n, onOrig, onCur, closings, reopen, missed, granted, closedLate, extLate int64
		if err := scan(&area, &state, &n, &onOrig, &onCur, &closings, &reopen, &missed, &granted, &closedLate, &extLate); err != nil {
			return err
		}
		add := func(name string, v int64) { addRectFigure(figures, area, name, v) }
		add("total", n)
		add("state="+state, n)
		add("closed_on_time_original", onOrig)
		add("closed_on_time_current", onCur)
		add("closings", closings)
		add("reopenings", reopen)
		add("missed_deadlines", missed)
		add("extensions_granted", granted)
		add("closed_entered_late", closedLate)
		add("extensions_entered_late", extLate)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rectifications: actual: %w", err)
	}
	// Every item's values, compared in Go: sums would let two wrong
	// dates cancel out, and could not say which item is wrong.
	err = queryEach(ctx, q, `SELECT id, state, original_deadline, deadline FROM `+db+`.`+RectificationsTable+` FINAL`,
		func(scan func(...any) error) error {
			var id, state string
			var original, deadline time.Time
			if err := scan(&id, &state, &original, &deadline); err != nil {
				return err
			}
			figures[rectItem(id, state, original, deadline)]++
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("rectifications: actual: %w", err)
	}
	return figures, nil
}

// RectificationFilter selects and orders rectification items. Empty fields
// select everything. Now and Loc fix "today" (the date of Now in Loc), the
// reference for days left and colours; a zero Now is time.Now() and a nil
// Loc is domain.DefaultLocation().
type RectificationFilter struct {
	Area string
	Unit string
	// Units restricts to a set of responsible units: an inspection group's
	// assignment or a unit's subtree, resolved by the caller.
	Units   []string
	States  []string // rectification states such as "in_progress"
	Colours []string // red, yellow, green, on_time, late, none
	// DueFrom and DueTo bound the deadline in force, inclusive; zero is
	// unbounded.
	DueFrom, DueTo domain.Date
	Now            time.Time
	Loc            *time.Location
	YellowDays     int // 0 means rectification.DefaultYellowDays
	// Sort is "deadline" (the default: soonest and most overdue first),
	// "-deadline", or "id"; ties are broken by id.
	Sort  string
	Limit int    // page size; 0 means 100, at most 1000
	After string // the cursor of the previous page, "" for the first
}

// RectificationRow is one item as the query layer returns it: the stored
// columns plus the days left and the colour as of the filter's "today".
type RectificationRow struct {
	ID                  string      `json:"id"`
	Stream              string      `json:"stream"`
	Unit                string      `json:"unit"`
	UnitName            string      `json:"unit_name"`
	Area                string      `json:"area"`
	UnitKind            string      `json:"unit_kind"`
	SourceKind          string      `json:"source_kind"`
	SourceRef           string      `json:"source_ref"`
	ResponsibleUnit     string      `json:"responsible_unit"`
	ResponsiblePerson   string      `json:"responsible_person"`
	Requirement         string      `json:"requirement"`
	State               string      `json:"state"`
	OrderedAt           time.Time   `json:"ordered_at,omitzero"`
	OriginalDeadline    domain.Date `json:"original_deadline,omitzero"`
	Deadline            domain.Date `json:"deadline,omitzero"`
	ExtensionsRequested int         `json:"extensions_requested"`
	ExtensionsGranted   int         `json:"extensions_granted"`
	ExtensionsDenied    int         `json:"extensions_denied"`
	Rejections          int         `json:"rejections"`
	Reopenings          int         `json:"reopenings"`
	Closings            int         `json:"closings"`
	MissedDeadlines     int         `json:"missed_deadlines"`
	ClosedAt            time.Time   `json:"closed_at,omitzero"` // zero if the item is not closed
	ClosedOn            domain.Date `json:"closed_on,omitzero"`
	OnTimeOriginal      bool        `json:"on_time_original"`
	OnTimeCurrent       bool        `json:"on_time_current"`
	Cancelled           bool        `json:"cancelled"`
	// ClosedEnteredLate: the closing in force reached the ledger after
	// the deadline it is judged against had passed; "on time" is then on
	// the word of a late entry. ExtensionsEnteredLate counts extension
	// requests entered after the deadline they ask to move.
	ClosedEnteredLate     bool      `json:"closed_entered_late"`
	ExtensionsEnteredLate int       `json:"extensions_entered_late"`
	Version               uint64    `json:"version"`
	UpdatedAt             time.Time `json:"updated_at,omitzero"`
	// DaysLeft is the deadline in force minus today: 0 on the deadline
	// day, negative once overdue.
	DaysLeft int    `json:"days_left"`
	Colour   string `json:"colour"`
}

// rectComputed is the select list with the computed columns. Its first
// two parameters are today (as 'YYYY-MM-DD') and the yellow window.
// A live item is red once today is past its deadline: the deadline is
// missed at 00:00 of the next day in the deployment zone, which is what
// comparing dates of that zone says.
var rectComputed = `id, stream, unit, unit_name, area, unit_kind, source_kind, source_ref,
	responsible_unit, responsible_person, requirement, state, ordered_at, original_deadline, deadline,
	extensions_requested, extensions_granted, extensions_denied, rejections, reopenings, closings, missed_deadlines,
	closed_at, closed_on, on_time_original, on_time_current, cancelled,
	closed_entered_late, extensions_entered_late, version, updated_at,
	toInt32(toInt64(toRelativeDayNum(deadline)) - toInt64(toRelativeDayNum(toDate(?)))) AS days_left,
	multiIf(state IN ` + rectLive + `, multiIf(days_left < 0, 'red', days_left <= ?, 'yellow', 'green'),
		state = 'accepted', if(on_time_current = 1, 'on_time', 'late'), 'none') AS colour`

// today returns the filter's reference date and yellow window.
func (f RectificationFilter) today() (string, int32) {
	now, loc, yellow := viewClock(f.Now, f.Loc, f.YellowDays)
	return domain.DateIn(now, loc).String(), int32(yellow)
}

// validate rejects states and colours that do not exist, which would
// otherwise select nothing without a word.
func (f RectificationFilter) validate() error {
	for _, v := range f.States {
		if _, err := rectification.ParseState(v); err != nil {
			return fmt.Errorf("rectifications: %w", err)
		}
	}
	for _, v := range f.Colours {
		if _, err := rectification.ParseColour(v); err != nil {
			return fmt.Errorf("rectifications: %w", err)
		}
	}
	return nil
}

// filter returns the filter's conditions (without the cursor) and the
// parameters of a query selecting rectComputed under them: today and the
// yellow window (for the select list) first, then those of the
// conditions, which may refer to the computed days_left and colour.
func (f RectificationFilter) filter() sqlFilter {
	today, yellow := f.today()
	w := sqlFilter{args: []any{today, yellow}}
	w.eq("area", f.Area)
	w.eq("unit", f.Unit)
	w.in("unit", f.Units)
	w.in("state", f.States)
	w.in("colour", f.Colours)
	if !f.DueFrom.IsZero() {
		w.add("deadline >= toDate(?)", f.DueFrom.String())
	}
	if !f.DueTo.IsZero() {
		w.add("deadline <= toDate(?)", f.DueTo.String())
	}
	return w
}

// rectCursor is the keyset position after the last row of a page: the
// sort key and the id of that row. It travels base64-encoded, so callers
// treat it as opaque.
type rectCursor struct {
	Sort     string `json:"s"`
	Deadline string `json:"d,omitempty"`
	ID       string `json:"i"`
}

// ErrRectificationCursor is returned for a cursor that this query did not issue.
var ErrRectificationCursor = fmt.Errorf("rectifications: bad cursor")

// QueryRectifications returns one page of items matching f in f.Sort
// order, and the cursor of the next page ("" after the last one). Days
// left and colours are computed by ClickHouse against f's "today", so a
// colour filter selects in the database.
func QueryRectifications(ctx context.Context, q Querier, db string, f RectificationFilter) ([]RectificationRow, string, error) {
	if err := f.validate(); err != nil {
		return nil, "", err
	}
	ctx, cancel := withQueryTimeout(ctx)
	defer cancel()
	sort := f.Sort
	if sort == "" {
		sort = "deadline"
	}
	var order, keyset string
	switch sort {
	case "deadline":
		order, keyset = "deadline, id", "(deadline > toDate(?) OR (deadline = toDate(?) AND id > ?))"
	case "-deadline":
		order, keyset = "deadline DESC, id", "(deadline < toDate(?) OR (deadline = toDate(?) AND id > ?))"
	case "id":
		order, keyset = "id", "id > ?"
	default:
		return nil, "", fmt.Errorf("rectifications: unknown sort %q (want deadline, -deadline or id)", f.Sort)
	}
	limit := pageLimit(f.Limit)

	w := f.filter()
	if f.After != "" {
		var c rectCursor
		raw, err := base64.RawURLEncoding.DecodeString(f.After)
		if err == nil {
			err = json.Unmarshal(raw, &c)
		}
		if err != nil || c.Sort != sort || c.ID == "" {
			return nil, "", ErrRectificationCursor
		}
		// A cursor that decodes is still the client's text: its deadline
		// must be a date before it reaches toDate, which would fail the
		// query (a 503) rather than refuse the cursor.
		if _, derr := domain.ParseDate(c.Deadline); sort != "id" && derr != nil {
			return nil, "", ErrRectificationCursor
		}
		if sort == "id" {
			w.add(keyset, c.ID)
		} else {
			w.add(keyset, c.Deadline, c.Deadline, c.ID)
		}
	}
	query := "SELECT " + rectComputed + " FROM " + db + "." + RectificationsTable + " FINAL" + w.where()
	query += fmt.Sprintf(" ORDER BY %s LIMIT %d", order, limit+1) // one more says whether a next page exists
	var page []RectificationRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r RectificationRow
		var ordDeadline, deadline, closedOn time.Time
		var reqd, grant, deny, rej, reop, clos, miss uint32
		var onOrig, onCur, canc, closedLate uint8
		var extLate uint32
		var days int32
		if err := scan(&r.ID, &r.Stream, &r.Unit, &r.UnitName, &r.Area, &r.UnitKind, &r.SourceKind, &r.SourceRef,
			&r.ResponsibleUnit, &r.ResponsiblePerson, &r.Requirement, &r.State, &r.OrderedAt, &ordDeadline, &deadline,
			&reqd, &grant, &deny, &rej, &reop, &clos, &miss,
			&r.ClosedAt, &closedOn, &onOrig, &onCur, &canc, &closedLate, &extLate, &r.Version, &r.UpdatedAt, &days, &r.Colour); err != nil {
			return err
		}
		r.OriginalDeadline, r.Deadline = domain.DateOf(ordDeadline), domain.DateOf(deadline)
		r.ExtensionsRequested, r.ExtensionsGranted, r.ExtensionsDenied = int(reqd), int(grant), int(deny)
		r.Rejections, r.Reopenings, r.Closings, r.MissedDeadlines = int(rej), int(reop), int(clos), int(miss)
		r.OnTimeOriginal, r.OnTimeCurrent, r.Cancelled = onOrig == 1, onCur == 1, canc == 1
		r.ClosedEnteredLate, r.ExtensionsEnteredLate = closedLate == 1, int(extLate)
		if r.ClosedAt.Unix() == 0 {
			r.ClosedAt = time.Time{}
		} else {
			r.ClosedOn = domain.DateOf(closedOn)
		}
		r.OrderedAt, r.ClosedAt, r.UpdatedAt = r.OrderedAt.UTC(), rectUTC(r.ClosedAt), r.UpdatedAt.UTC()
		r.DaysLeft = int(days)
		page = append(page, r)
		return nil
	}, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("rectifications: query: %w", err)
	}
	if len(page) <= limit {
		return page, "", nil
	}
	page = page[:limit]
	last := page[limit-1]
	c := rectCursor{Sort: sort, ID: last.ID}
	if sort != "id" {
		c.Deadline = last.Deadline.String()
	}
	raw, _ := json.Marshal(c)
	return page, base64.RawURLEncoding.EncodeToString(raw), nil
}

func rectUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// RectificationStats are the tracking figures of a set of items as of a
// "today" (DOMAIN.md, deadline-rectification tracking).
type RectificationStats struct {
	Total     int `json:"total"`
	Open      int `json:"open"` // live: open, in progress or submitted
	Green     int `json:"green"`
	Yellow    int `json:"yellow"`
	Red       int `json:"red"`
	Accepted  int `json:"accepted"` // closed now
	Cancelled int `json:"cancelled"`
	// Overdue30 counts live items more than 30 days past their deadline.
	Overdue30 int `json:"overdue30"`
	// Aging counts red items by days overdue: 1–7 (the "0–7" bucket),
	// 8–30, 31–90 and more than 90.
	Aging [4]int `json:"aging"`
	// OnTimeOriginal and OnTimeCurrent are the shares of closed items
	// closed by their original deadline and by the deadline in force at
	// the closing (extensions included); 0 when nothing is closed.
	OnTimeOriginal float64 `json:"on_time_original"`
	OnTimeCurrent  float64 `json:"on_time_current"`
	// MeanDaysToClose is the mean number of calendar days from order to
	// the closing in force, over closed items.
	MeanDaysToClose float64 `json:"mean_days_to_close"`
	// Recurrence is reopenings per acceptance (问题反弹率), counting every
	// acceptance including those later reopened.
	Closings    int     `json:"closings"`
	Reopenings  int     `json:"reopenings"`
	Recurrence  float64 `json:"recurrence"`
	MissedTotal int     `json:"missed_total"` // recorded missed deadlines: escalations
	// ClosedEnteredLate counts accepted items whose closing reached the
	// ledger after its deadline had passed; OnTimeEnteredLate those of
	// them counted on time (by the deadline in force), on the word of a
	// late entry.
	ClosedEnteredLate int `json:"closed_entered_late"`
	OnTimeEnteredLate int `json:"on_time_entered_late"`
}

// RectificationAgingBuckets names the buckets of RectificationStats.Aging.
var RectificationAgingBuckets = [4]string{"0-7", "8-30", "31-90", ">90"}

// RectificationSummary computes the tracking figures of the items f
// selects (its sort and paging fields are ignored) as of f's "today",
// aggregated in ClickHouse.
func RectificationSummary(ctx context.Context, q Querier, db string, f RectificationFilter) (RectificationStats, error) {
	if err := f.validate(); err != nil {
		return RectificationStats{}, err
	}
	ctx, cancel := withQueryTimeout(ctx)
	defer cancel()
	w := f.filter()
	inner := "SELECT " + rectComputed + ", toInt64(toRelativeDayNum(closed_on)) - toInt64(toRelativeDayNum(ordered_on)) AS days_to_close FROM " +
		db + "." + RectificationsTable + " FINAL" + w.where()
	// Sums of UInt8 comparisons are UInt64 in every version; casting
	// each to Int64 keeps the scan types fixed.
	query := `SELECT toInt64(count()),
		toInt64(countIf(state IN ` + rectLive + `)),
		toInt64(countIf(colour = 'green')), toInt64(countIf(colour = 'yellow')), toInt64(countIf(colour = 'red')),
		toInt64(countIf(state = 'accepted')), toInt64(countIf(state = 'cancelled')),
		toInt64(countIf(colour = 'red' AND days_left < -30)),
		toInt64(countIf(colour = 'red' AND days_left >= -7)),
		toInt64(countIf(colour = 'red' AND days_left < -7 AND days_left >= -30)),
		toInt64(countIf(colour = 'red' AND days_left < -30 AND days_left >= -90)),
		toInt64(countIf(colour = 'red' AND days_left < -90)),
		toInt64(sumIf(on_time_original, state = 'accepted')), toInt64(sumIf(on_time_current, state = 'accepted')),
		toInt64(sumIf(days_to_close, state = 'accepted')),
		toInt64(sum(closings)), toInt64(sum(reopenings)), toInt64(sum(missed_deadlines)),
		toInt64(countIf(state = 'accepted' AND closed_entered_late = 1)),
		toInt64(countIf(state = 'accepted' AND closed_entered_late = 1 AND on_time_current = 1))
		FROM (` + inner + `)`
	var s RectificationStats
	var v [20]int64
	ptrs := make([]any, len(v))
	for i := range v {
		ptrs[i] = &v[i]
	}
	if err := q.QueryRow(ctx, query, w.args...).Scan(ptrs...); err != nil {
		return s, fmt.Errorf("rectifications: summary: %w", err)
	}
	s.Total, s.Open, s.Green, s.Yellow, s.Red = int(v[0]), int(v[1]), int(v[2]), int(v[3]), int(v[4])
	s.Accepted, s.Cancelled, s.Overdue30 = int(v[5]), int(v[6]), int(v[7])
	s.Aging = [4]int{int(v[8]), int(v[9]), int(v[10]), int(v[11])}
	s.Closings, s.Reopenings, s.MissedTotal = int(v[15]), int(v[16]), int(v[17])
	s.ClosedEnteredLate, s.OnTimeEnteredLate = int(v[18]), int(v[19])
	if s.Accepted > 0 {
		n := float64(s.Accepted)
		s.OnTimeOriginal, s.OnTimeCurrent, s.MeanDaysToClose = float64(v[12])/n, float64(v[13])/n, float64(v[14])/n
	}
	if s.Closings > 0 {
		s.Recurrence = float64(s.Reopenings) / float64(s.Closings)
	}
	return s, nil
}
