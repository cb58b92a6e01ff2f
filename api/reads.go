package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/projections"
)

// Reads serves the dashboard views from the ClickHouse projections: the
// rectification tracking list and its figures, the inspection-group view,
// pledges, trends and the campaign totals. Lists page by keyset cursor and
// export as CSV; any read may wait, bounded, until the projections reach a
// position a command answered with (read-your-writes).
type Reads struct {
	Conn projections.Querier
	DB   string
	Loc  *time.Location // the deployment zone for "today"; nil is domain.DefaultLocation()
	// Position reports the commit position of the last event written to
	// ClickHouse (the projector's own figure in a process that runs it,
	// else its checkpoint).
	Position func(ctx context.Context) (uint64, error)
	// MaxWait bounds a read-your-writes wait; 0 means 10 s.
	MaxWait time.Duration
	// Scope reads inspection groups from the event log: an inspector reads
	// its group's assignment only while the log lists it as a member.
	Scope Scope
	// Tree, when set, gives the rankings view the checkpoint (tree size
	// and root) of the projections' position, which an acceptance names.
	Tree MerkleTree
}

// ErrViewsUnavailable wraps a failed read of the projections: ClickHouse
// down or too slow. It becomes 503, as the ledger itself is fine.
var ErrViewsUnavailable = errors.New("read models unavailable")

// viewsErr marks a query error as the read models' failure, leaving
// problems (a bad cursor) as they are.
func viewsErr(err error) error {
	var p *Problem
	if err == nil || errors.As(err, &p) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrViewsUnavailable, err)
}

// Roles of the dashboard reads. Analysts and the office read everything;
// the others read what their scope covers. The admin operates the
// service and reads no campaign data.
var (
	viewRoles      = []Role{RoleClerk, RoleSuperior, RoleInspector, RoleOffice, RoleAnalyst}
	groupViewRoles = []Role{RoleInspector, RoleOffice, RoleAnalyst}
)

// ReadRoute is one dashboard read, for mounting and documenting.
type ReadRoute struct {
	Pattern string
	Summary string
	Roles   []Role
	Params  []ReadParam
	Result  reflect.Type // the JSON answer
	CSV     bool         // also exported whole with format=csv or format=xlsx
	serve   func(rd *Reads, w http.ResponseWriter, r *http.Request, q *query, v visibility)
}

// ReadParam documents a query parameter.
type ReadParam struct {
	Name, Type, Description string
	Repeat                  bool // may repeat or hold a comma-separated list
}

// ListPage is the JSON answer of a list: a page of items, the cursor of
// the next page ("" after the last) and the projections' position the
// page was read at.
type ListPage[T any] struct {
	Items              []T    `json:"items"`
	Next               string `json:"next"`
	ProjectionPosition uint64 `json:"projection_position"`
}

// RectificationSummaryAnswer is the tracking figures of a selection.
type RectificationSummaryAnswer struct {
	Today              domain.Date                    `json:"today"`
	Summary            projections.RectificationStats `json:"summary"`
	AgingBuckets       [4]string                      `json:"aging_buckets"`
	ProjectionPosition uint64                         `json:"projection_position"`
}

// TotalsAnswer is the campaign totals of a quarter or the whole campaign.
type TotalsAnswer struct {
	Quarter            string             `json:"quarter,omitempty"`
	Totals             projections.Totals `json:"totals"`
	ProjectionPosition uint64             `json:"projection_position"`
}

var (
	pagingParams = []ReadParam{
		{Name: "limit", Type: "integer", Description: "page size, 1 to 1000 (default 100)"},
		{Name: "after", Type: "string", Description: "the next cursor of the previous page"},
		formatParam, headersParam,
	}
	formatParam = ReadParam{Name: "format", Type: "string", Description: "json (default), csv or xlsx: the whole list from the cursor on, " +
		"as UTF-8 CSV with a byte-order mark, or as an .xlsx workbook of one sheet (bold frozen header row, times and dates as dates in the deployment's zone); " +
		"an Accept header naming text/csv or " + xlsxType + " asks the same. Both count as expensive reads"}
	headersParam = ReadParam{Name: "headers", Type: "string", Description: "for csv and xlsx: zh (default) or keys. " +
		"zh: Chinese headers; each code column gets its Chinese label in a column before it (状态, then 状态代码; 亮灯, then 亮灯代码), " +
		"each unit, area, member or group id its name in a column after it (单位代码, then 单位名称), times are in the deployment's zone " +
		"(CSV: YYYY-MM-DD hh:mm:ss) and yes/no are 是/否. keys: the JSON keys as headers, one column per key, no labels or names; " +
		"a CSV is then as before Chinese headers (times in RFC 3339 UTC, true/false)"}
	waitParams = []ReadParam{
		{Name: "wait_for", Type: "integer", Description: "wait until the projections reach this commit position (a command's position.commit); 503 if they do not within wait"},
		{Name: "wait", Type: "string", Description: "how long to wait for wait_for, as a Go duration such as 2s (default and most: 10s)"},
	}
	clockParams = []ReadParam{
		{Name: "now", Type: "string", Description: "the moment colours and days left are computed for: RFC 3339 time or a date (default: now)"},
		{Name: "yellow_days", Type: "integer", Description: "days before a deadline an item turns yellow (default 3)"},
	}
	rectParams = []ReadParam{
		{Name: "area", Type: "string", Description: "area id"},
		{Name: "unit", Type: "string", Description: "responsible unit id"},
		{Name: "state", Type: "string", Repeat: true, Description: "rectification states"},
		{Name: "colour", Type: "string", Repeat: true, Description: "red, yellow, green, on_time, late or none"},
		{Name: "due_from", Type: "string", Description: "deadline in force on or after this date (YYYY-MM-DD)"},
		{Name: "due_to", Type: "string", Description: "deadline in force on or before this date (YYYY-MM-DD)"},
	}
)

func params(lists ...[]ReadParam) []ReadParam { return slices.Concat(lists...) }

// ReadRoutes lists the dashboard reads.
func ReadRoutes() []ReadRoute {
	return []ReadRoute{
		{Pattern: "/v1/views/rectifications", Roles: viewRoles, CSV: true,
			Summary: "Deadline-rectification tracking list: days left and red/yellow/green as of now",
			Params:  params(rectParams, clockParams, []ReadParam{{Name: "sort", Type: "string", Description: "deadline (default), -deadline or id"}}, pagingParams, waitParams),
			Result:  reflect.TypeFor[ListPage[projections.RectificationRow]](), serve: (*Reads).rectifications},
		{Pattern: "/v1/views/rectifications/summary", Roles: viewRoles,
			Summary: "Tracking figures of the selected rectifications: colours, overdue, ageing, on-time and recurrence rates",
			Params:  params(rectParams, clockParams, waitParams),
			Result:  reflect.TypeFor[RectificationSummaryAnswer](), serve: (*Reads).rectificationSummary},
		{Pattern: "/v1/views/groups/{group}", Roles: groupViewRoles, CSV: true,
			Summary: "Inspection-group view: each unit the group covers, with its pledges, reviews, open and overdue rectifications, last inspection, satisfaction and rank",
			Params: params([]ReadParam{
				{Name: "area", Type: "string", Description: "the units' area"},
				{Name: "quarter", Type: "string", Description: "the campaign quarter of pledges and reviews, such as 2026Q1 (default: the quarter of now)"},
			}, clockParams, pagingParams, waitParams),
			Result: reflect.TypeFor[ListPage[projections.GroupViewRow]](), serve: (*Reads).groupView},
		{Pattern: "/v1/views/pledges", Roles: viewRoles, CSV: true,
			Summary: "Pledges with their state, progress, reports and evaluation, ordered by id",
			Params: params([]ReadParam{
				{Name: "area", Type: "string", Description: "area id"},
				{Name: "unit", Type: "string", Description: "unit id"},
				{Name: "quarter", Type: "string", Description: "campaign quarter such as 2026Q1"},
				{Name: "state", Type: "string", Repeat: true, Description: "pledge states"},
			}, pagingParams, waitParams),
			Result: reflect.TypeFor[ListPage[projections.PledgeRow]](), serve: (*Reads).pledges},
		{Pattern: "/v1/views/reviews", Roles: viewRoles, CSV: true,
			Summary: "Review remarks (点评) with the counts of their content in force: shortcomings, measures, rectifications ordered",
			Params: params([]ReadParam{
				{Name: "area", Type: "string", Description: "area id"},
				{Name: "unit", Type: "string", Description: "the unit reviewed, or the reviewed member's unit"},
				{Name: "quarter", Type: "string", Description: "campaign quarter such as 2026Q1"},
				{Name: "form", Type: "string", Repeat: true, Description: "meeting, talk, on_site, written or random"},
			}, pagingParams, waitParams),
			Result: reflect.TypeFor[ListPage[projections.ReviewRow]](), serve: (*Reads).reviews},
		{Pattern: "/v1/views/inspections", Roles: viewRoles, CSV: true,
			Summary: "Inspections (special and random checks) with their findings in force",
			Params: params([]ReadParam{
				{Name: "group", Type: "string", Description: "inspection group id"},
				{Name: "unit", Type: "string", Description: "the unit inspected"},
				{Name: "state", Type: "string", Repeat: true, Description: "open or completed"},
			}, pagingParams, waitParams),
			Result: reflect.TypeFor[ListPage[projections.InspectionRow]](), serve: (*Reads).inspections},
		{Pattern: "/v1/views/trends", Roles: viewRoles, CSV: true,
			Summary: "Trend figures by month or quarter, area and unit kind, over the reader's units only (office and analysts: the district). " +
				"For a reader whose scope is restricted, a cell (period × area × unit kind, or the period with overall) whose figures come from fewer than " + strconv.Itoa(MinTrendUnits) + " units " +
				"is left out; suppressed counts the cells left out (header X-Suppressed-Cells, for CSV too)",
			Params: params([]ReadParam{
				{Name: "grain", Type: "string", Description: "month or quarter (required)"},
				{Name: "from", Type: "string", Description: "first period, such as 2026-01 or 2026Q1"},
				{Name: "to", Type: "string", Description: "last period"},
				{Name: "area", Type: "string", Description: "area id"},
				{Name: "unit_kind", Type: "string", Description: "unit kind"},
				{Name: "metric", Type: "string", Repeat: true, Description: "trend metrics"},
				{Name: "overall", Type: "boolean", Description: "sum across areas and unit kinds"},
				formatParam, headersParam,
			}, waitParams),
			Result: reflect.TypeFor[TrendsAnswer](), serve: (*Reads).trends},
		{Pattern: "/v1/views/areas", Roles: viewRoles, CSV: true,
			Summary: "Directory of areas (片区): id, name and leader, ordered by id. A reader whose scope is restricted gets the areas its units lie in",
			Params:  params(pagingParams, waitParams),
			Result:  reflect.TypeFor[ListPage[projections.AreaRow]](), serve: (*Reads).areas},
		{Pattern: "/v1/views/units", Roles: viewRoles, CSV: true,
			Summary: "Directory of units (单位): id, name, kind, parent, area and level as the tree stands now, ordered by id; only the units of the reader's scope",
			Params: params([]ReadParam{
				{Name: "area", Type: "string", Description: "the units' area now"},
				{Name: "parent", Type: "string", Description: "the units directly under this unit (it must be in the reader's scope)"},
				{Name: "kind", Type: "string", Description: "unit kind, such as branch"},
			}, pagingParams, waitParams),
			Result: reflect.TypeFor[ListPage[projections.UnitRow]](), serve: (*Reads).units},
		{Pattern: "/v1/views/groups", Roles: viewRoles, CSV: true,
			Summary: "Directory of inspection groups (指导检查组): name, state, how many members, and what each covers now: the areas it covers units through, " +
				"the units it covers through a unit assignment, and how many units in all. The projections keep no member names and no assignments " +
				"that cover no unit. A reader whose scope is restricted gets the groups covering a unit of its scope (an inspector also its own group), " +
				"with their coverage of its scope only",
			Params: params(pagingParams, waitParams),
			Result: reflect.TypeFor[ListPage[projections.GroupRow]](), serve: (*Reads).groups},
		{Pattern: "/v1/views/rankings", Roles: viewRoles,
			Summary: "An area's monthly ranking computed from the ledger by the scoring rule in force (月度观摩点评): per unit its rank, score and reasons " +
				"(each metric's value, weight and contribution) and the counts they come from; beside it the published ranking, whether it is adjusted, " +
				"and whether it equals the computation; and the checkpoint to accept the computation at. A reader whose scope is restricted is shown " +
				"its own units, ranked among all the area's",
			Params: params([]ReadParam{
				{Name: "area", Type: "string", Description: "area id (required)"},
				{Name: "month", Type: "string", Description: "the month ranked, YYYY-MM (required)"},
			}, waitParams),
			Result: reflect.TypeFor[RankingsAnswer](), serve: (*Reads).rankings},
		{Pattern: "/v1/views/totals", Roles: viewRoles,
			Summary: "Campaign totals for the year-end summary: themes, pledges, reviews, shortcomings, measures, vanguards",
			Params:  params([]ReadParam{{Name: "quarter", Type: "string", Description: "campaign quarter; empty for the whole campaign"}}, waitParams),
			Result:  reflect.TypeFor[TotalsAnswer](), serve: (*Reads).totals},
	}
}

// Routes mounts the reads (behind Authenticate).
func (rd *Reads) Routes(r chi.Router) {
	for _, rt := range ReadRoutes() {
		r.Get(rt.Pattern, requireRole(rt.Roles, func(w http.ResponseWriter, req *http.Request) {
			p, _ := PrincipalFrom(req.Context())
			q := newQuery(req, rt.Params)
			pos, err := rd.waitFor(req.Context(), q)
			if err != nil {
				WriteProblem(w, req, err)
				return
			}
			w.Header().Set("X-Projection-Position", strconv.FormatUint(pos, 10))
			v, err := rd.visibility(req.Context(), p, rt.Roles)
			if err != nil {
				WriteProblem(w, req, err)
				return
			}
			v.position = pos
			rt.serve(rd, w, req, q, v)
		}))
	}
}

// visibility is what a reader may see: everything, or a set of units.
type visibility struct {
	principal Principal
	all       bool
	units     []string
	group     string // the inspection group whose assignment counts, if any
	position  uint64
}

// unit checks an explicitly asked unit against the reader's scope.
func (v visibility) unit(u string) error {
	if v.all || u == "" || slices.Contains(v.units, u) {
		return nil
	}
	return NewProblem(http.StatusForbidden, fmt.Sprintf("unit %s is outside the scope of %s", u, v.principal.Subject), "unit")
}

// restrict returns the unit set a query must be limited to (nil: none)
// and whether the reader sees nothing at all.
func (v visibility) restrict() ([]string, bool) {
	if v.all {
		return nil, false
	}
	return v.units, len(v.units) == 0
}

// errNoGroupLog is a programming error: reads served without the event
// log that says who belongs to an inspection group.
var errNoGroupLog = errors.New("api: reads have no event log to check inspection-group membership (Reads.Scope)")

// visibility resolves a reader's scope on a route that allows roles
// (docs/authorization.md, "Scope rules"): only the reader's roles that the
// route allows count. The office and analysts see the district; clerks
// and superiors the subtrees of their token's units; an inspector the
// units its group's assignment covers and their subtrees, and only while
// the event log lists the token's subject as a member of that group. The
// group claim counts for no other role, and the units claim for no
// other. The subtrees and assignments come from the projected tree.
func (rd *Reads) visibility(ctx context.Context, p Principal, allowed []Role) (visibility, error) {
	v := visibility{principal: p}
	counted := Principal{Subject: p.Subject}
	for _, r := range p.Roles {
		if slices.Contains(allowed, r) {
			counted.Roles = append(counted.Roles, r)
		}
	}
	if counted.Has(RoleOffice, RoleAnalyst) {
		v.all = true
		return v, nil
	}
	var roots []string
	if counted.Has(RoleClerk, RoleSuperior) {
		roots = p.Units
	}
	if counted.Has(RoleInspector) && p.Group != "" {
		member, err := rd.member(ctx, p.Group, p.Subject)
		if err != nil {
			return v, err
		}
		if member {
			v.group = p.Group
		}
	}
	if len(roots) == 0 && v.group == "" {
		return v, nil
	}
	units, err := projections.VisibleUnits(ctx, rd.Conn, rd.DB, roots, v.group)
	if err != nil {
		return v, viewsErr(fmt.Errorf("resolve the scope of %s: %w", p.Subject, err))
	}
	v.units = units
	return v, nil
}

// member reports whether subject is a current member of inspection group
// group on the event log (a dissolved group has none), so that a token's
// group claim alone never opens a group's units.
func (rd *Reads) member(ctx context.Context, group, subject string) (bool, error) {
	if rd.Scope.Handler == nil {
		return false, errNoGroupLog
	}
	g, err := command.Load(ctx, rd.Scope.Handler, inspection.GroupStream(group), &inspection.Group{})
	if err != nil {
		return false, fmt.Errorf("read group %s: %w", group, err)
	}
	return g.Exists() && !g.Dissolved && slices.Contains(g.Members, subject), nil
}

// waitFor holds the read until the projections reach wait_for, if asked,
// and returns their position.
func (rd *Reads) waitFor(ctx context.Context, q *query) (uint64, error) {
	target := q.uint("wait_for")
	maxWait := rd.MaxWait
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	wait := q.duration("wait", maxWait)
	if q.err != nil {
		return 0, q.err
	}
	if wait > maxWait || wait < 0 {
		return 0, NewProblem(http.StatusBadRequest, fmt.Sprintf("wait must lie between 0s and %s", maxWait), "wait")
	}
	pos, err := rd.Position(ctx)
	if err != nil || pos >= target {
		return pos, viewsErr(err)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	// The projector writes a page at most every 100 ms once events arrive,
	// so polling at a fifth of that keeps the added latency small.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for pos < target {
		select {
		case <-ctx.Done():
			return pos, &Problem{Type: "/problems/not-yet-projected", Title: "Projections not yet there", Status: http.StatusServiceUnavailable,
				Detail: fmt.Sprintf("the projections are at position %d and did not reach %d within %s; retry", pos, target, wait), Field: "wait_for"}
		case <-tick.C:
		}
		if pos, err = rd.Position(ctx); err != nil {
			return pos, viewsErr(err)
		}
	}
	return pos, nil
}

func (rd *Reads) loc() *time.Location {
	if rd.Loc != nil {
		return rd.Loc
	}
	return domain.DefaultLocation()
}

// rectFilter reads the rectification filters shared by the list and its
// summary.
func (rd *Reads) rectFilter(q *query, v visibility) (projections.RectificationFilter, bool) {
	f := projections.RectificationFilter{
		Area: q.str("area"), Unit: q.str("unit"),
		States:  enumList(q, "state", rectification.ParseState),
		Colours: enumList(q, "colour", rectification.ParseColour),
		DueFrom: q.date("due_from"), DueTo: q.date("due_to"),
		Now: q.now("now", rd.loc()), Loc: rd.loc(), YellowDays: q.int("yellow_days", 0, 0, 365),
	}
	if q.err == nil {
		q.fail(v.unit(f.Unit))
	}
	var none bool
	f.Units, none = v.restrict()
	return f, none
}

func (rd *Reads) rectifications(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	f, none := rd.rectFilter(q, v)
	f.Sort = q.oneOf("sort", "deadline", "-deadline", "id")
	f.Limit, f.After = q.int("limit", 100, 1, 1000), q.str("after")
	format := q.format(r)
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	page := func(ctx context.Context, after string, limit int) ([]projections.RectificationRow, string, error) {
		if none {
			return nil, "", nil
		}
		f.After, f.Limit = after, limit
		rows, next, err := projections.QueryRectifications(ctx, rd.Conn, rd.DB, f)
		if errors.Is(err, projections.ErrRectificationCursor) {
			err = NewProblem(http.StatusBadRequest, "after is not a cursor of this list with this sort", "after")
		}
		return rows, next, err
	}
	serveList(rd, w, r, format, "rectifications", f.After, f.Limit, v.position, page)
}

func (rd *Reads) rectificationSummary(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	f, none := rd.rectFilter(q, v)
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	ans := RectificationSummaryAnswer{Today: domain.DateIn(f.Now, f.Loc), AgingBuckets: projections.RectificationAgingBuckets,
		ProjectionPosition: v.position}
	if f.Now.IsZero() {
		ans.Today = domain.DateIn(time.Now(), f.Loc)
	}
	if !none {
		s, err := projections.RectificationSummary(r.Context(), rd.Conn, rd.DB, f)
		if err = viewsErr(err); err != nil {
			WriteProblem(w, r, err)
			return
		}
		ans.Summary = s
	}
	writeJSON(w, http.StatusOK, ans)
}

func (rd *Reads) groupView(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	group := chi.URLParam(r, "group")
	if !v.all && v.group != group {
		WriteProblem(w, r, forbidden("%s may read only the view of an inspection group it is a current member of", v.principal.Subject))
		return
	}
	f := projections.GroupViewFilter{Group: group, Area: q.str("area"), Quarter: q.quarter("quarter"),
		Now: q.now("now", rd.loc()), Loc: rd.loc(), YellowDays: q.int("yellow_days", 0, 0, 365)}
	limit, after := q.int("limit", 100, 1, 1000), q.str("after")
	format := q.format(r)
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	page := func(ctx context.Context, after string, limit int) ([]projections.GroupViewRow, string, error) {
		f.After, f.Limit = after, limit
		rows, next, err := projections.QueryGroupView(ctx, rd.Conn, rd.DB, f)
		if errors.Is(err, projections.ErrGroupViewCursor) {
			err = NewProblem(http.StatusBadRequest, "after is not a cursor of this view", "after")
		}
		return rows, next, err
	}
	serveList(rd, w, r, format, "group-"+group, after, limit, v.position, page)
}

func (rd *Reads) pledges(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	f := projections.PledgeFilter{Area: q.str("area"), Unit: q.str("unit"), States: enumList(q, "state", pledge.ParseState)}
	if qu := q.quarter("quarter"); !qu.IsZero() {
		f.Quarter = qu.String()
	}
	unitList(rd, w, r, q, v, "pledges", f.Unit, func(ctx context.Context, units []string, after string, limit int) ([]projections.PledgeRow, string, error) {
		f.Units, f.After, f.Limit = units, after, limit
		rows, err := projections.QueryPledges(ctx, rd.Conn, rd.DB, f)
		next := ""
		if len(rows) == limit {
			next = rows[len(rows)-1].ID // keyset by id: the last id is the cursor
		}
		return rows, next, err
	})
}

func (rd *Reads) reviews(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	f := projections.ReviewFilter{Area: q.str("area"), Unit: q.str("unit"), Forms: enumList(q, "form", review.ParseForm)}
	if qu := q.quarter("quarter"); !qu.IsZero() {
		f.Quarter = qu.String()
	}
	unitList(rd, w, r, q, v, "reviews", f.Unit, func(ctx context.Context, units []string, after string, limit int) ([]projections.ReviewRow, string, error) {
		f.Units, f.After, f.Limit = units, after, limit
		return projections.QueryReviews(ctx, rd.Conn, rd.DB, f)
	})
}

func (rd *Reads) inspections(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	f := projections.InspectionFilter{Group: q.str("group"), Unit: q.str("unit"),
		States: enumList(q, "state", func(s string) (string, error) {
			if s != "open" && s != "completed" {
				return "", fmt.Errorf("state %q: want open or completed", s)
			}
			return s, nil
		})}
	unitList(rd, w, r, q, v, "inspections", f.Unit, func(ctx context.Context, units []string, after string, limit int) ([]projections.InspectionRow, string, error) {
		f.Units, f.After, f.Limit = units, after, limit
		return projections.QueryInspections(ctx, rd.Conn, rd.DB, f)
	})
}

func (rd *Reads) areas(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	unitList(rd, w, r, q, v, "areas", "", func(ctx context.Context, units []string, after string, limit int) ([]projections.AreaRow, string, error) {
		return projections.QueryAreas(ctx, rd.Conn, rd.DB, projections.AreaFilter{Units: units, After: after, Limit: limit})
	})
}

func (rd *Reads) units(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	f := projections.UnitFilter{Area: q.str("area"), Parent: q.str("parent"), Kind: q.str("kind")}
	if f.Kind != "" {
		if _, err := org.ParseKind(f.Kind); err != nil {
			q.bad("kind", "%v", err)
		}
	}
	if q.err == nil && v.unit(f.Parent) != nil {
		q.fail(NewProblem(http.StatusForbidden, fmt.Sprintf("unit %s is outside the scope of %s", f.Parent, v.principal.Subject), "parent"))
	}
	unitList(rd, w, r, q, v, "units", "", func(ctx context.Context, units []string, after string, limit int) ([]projections.UnitRow, string, error) {
		f.Units, f.After, f.Limit = units, after, limit
		return projections.QueryUnits(ctx, rd.Conn, rd.DB, f)
	})
}

func (rd *Reads) groups(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	limit, after := q.int("limit", 100, 1, 1000), q.str("after")
	format := q.format(r)
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	units, none := v.restrict()
	serveList(rd, w, r, format, "groups", after, limit, v.position, func(ctx context.Context, after string, limit int) ([]projections.GroupRow, string, error) {
		if none && v.group == "" {
			return nil, "", nil
		}
		if none {
			// An inspector of a group that covers nothing now: its own
			// group alone, with nothing covered.
			units = []string{""}
		}
		return projections.QueryGroups(ctx, rd.Conn, rd.DB, projections.GroupFilter{Units: units, Group: v.group, After: after, Limit: limit})
	})
}

// unitList serves a list of rows that belong to units: a unit asked for
// must lie in the reader's scope, and the query is limited to the units
// the scope covers (a reader whose scope covers none gets an empty list
// without a query).
func unitList[T any](rd *Reads, w http.ResponseWriter, r *http.Request, q *query, v visibility, name, unit string,
	read func(ctx context.Context, units []string, after string, limit int) ([]T, string, error)) {
	limit, after := q.int("limit", 100, 1, 1000), q.str("after")
	format := q.format(r)
	if q.err == nil {
		q.fail(v.unit(unit))
	}
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	units, none := v.restrict()
	serveList(rd, w, r, format, name, after, limit, v.position, func(ctx context.Context, after string, limit int) ([]T, string, error) {
		if none {
			return nil, "", nil
		}
		return read(ctx, units, after, limit)
	})
}

func (rd *Reads) trends(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	var f projections.TrendFilter
	var none bool
	parse := func(string) error { return nil }
	switch g := q.str("grain"); g {
	case "month":
		f.Grain, parse = projections.GrainMonth, func(s string) error { _, err := domain.ParseMonth(s); return err }
	case "quarter":
		f.Grain, parse = projections.GrainQuarter, func(s string) error { _, err := domain.ParseQuarter(s); return err }
	default:
		q.fail(NewProblem(http.StatusBadRequest, fmt.Sprintf("grain %q: want month or quarter", g), "grain"))
	}
	for _, name := range []string{"from", "to"} {
		if s := q.str(name); s != "" && q.err == nil {
			if err := parse(s); err != nil {
				q.fail(NewProblem(http.StatusBadRequest, fmt.Sprintf("%s: %v", name, err), name))
			}
		}
	}
	f.From, f.To, f.Area, f.UnitKind = q.str("from"), q.str("to"), q.str("area"), q.str("unit_kind")
	f.Metrics = enumList(q, "metric", func(s string) (string, error) {
		if !slices.Contains(projections.Metrics, s) {
			return "", fmt.Errorf("metric %q: want one of %v", s, projections.Metrics)
		}
		return s, nil
	})
	f.Overall = q.bool("overall")
	format := q.format(r)
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	// Trends count the reader's units only, and a reader whose scope is
	// restricted gets no cell that describes fewer than MinTrendUnits of
	// them: trends are aggregates, not a view of one unit.
	f.Units, none = v.restrict()
	if !v.all {
		f.MinUnits = MinTrendUnits
	}
	rows, suppressed := []projections.TrendRow{}, 0
	if !none {
		var err error
		rows, suppressed, err = projections.QueryTrendsSuppressed(r.Context(), rd.Conn, rd.DB, f)
		if err = viewsErr(err); err != nil {
			WriteProblem(w, r, err)
			return
		}
	}
	w.Header().Set("X-Suppressed-Cells", strconv.Itoa(suppressed))
	if format.kind != "json" {
		serveList(rd, w, r, format, "trends", "", 0, v.position, func(context.Context, string, int) ([]projections.TrendRow, string, error) {
			return rows, "", nil
		})
		return
	}
	if rows == nil {
		rows = []projections.TrendRow{}
	}
	writeJSON(w, http.StatusOK, TrendsAnswer{Items: rows, Suppressed: suppressed, MinUnits: f.MinUnits, ProjectionPosition: v.position})
}

// MinTrendUnits is the fewest units a trend cell (period × area × unit
// kind) may describe for a reader whose scope is restricted; smaller
// cells are left out and counted in TrendsAnswer.Suppressed
// (docs/authorization.md, rule 9).
const MinTrendUnits = 3

// TrendsAnswer is the trend figures: the cells shown, and how many were
// left out because they describe fewer than MinUnits units.
type TrendsAnswer struct {
	Items              []projections.TrendRow `json:"items"`
	Next               string                 `json:"next"` // always "": trends are one page
	Suppressed         int                    `json:"suppressed"`
	MinUnits           int                    `json:"min_units"` // 0 for a reader of the whole district
	ProjectionPosition uint64                 `json:"projection_position"`
}

func (rd *Reads) totals(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	quarter := ""
	if qu := q.quarter("quarter"); !qu.IsZero() {
		quarter = qu.String()
	}
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	t, err := projections.CampaignTotals(r.Context(), rd.Conn, rd.DB, quarter)
	if err = viewsErr(err); err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TotalsAnswer{Quarter: quarter, Totals: t, ProjectionPosition: v.position})
}

// pager reads one page of a list after a cursor.
type pager[T any] func(ctx context.Context, after string, limit int) ([]T, string, error)

// serveList answers one page as JSON or, for format=csv or xlsx, the
// whole list from the cursor on (serveExport).
func serveList[T any](rd *Reads, w http.ResponseWriter, r *http.Request, format exportFormat, name, after string, limit int, pos uint64, page pager[T]) {
	if format.kind != "json" {
		serveExport(rd, w, r, format, name, after, page)
		return
	}
	rows, next, err := page(r.Context(), after, limit)
	if err = viewsErr(err); err != nil {
		WriteProblem(w, r, err)
		return
	}
	if rows == nil {
		rows = []T{}
	}
	writeJSON(w, http.StatusOK, ListPage[T]{Items: rows, Next: next, ProjectionPosition: pos})
}
