package projections

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/eventlog"
)

// Groups writes the inspection groups, the units each one covers, and the
// current state of every inspection.
//
// Coverage: a group assigned an area covers every unit whose area is that
// area now, including units registered or moved into it later; a group
// assigned a unit covers that unit and its whole subtree (DOMAIN.md: a
// person sees "their unit's subtree, or their group's assignment", and
// inspection.TargetUnit assigns "one unit (and its subtree)"). A unit
// covered both ways is shown via its area. group_units keeps a row for
// every (group, unit) pair ever covered; active = 0 once the coverage
// ends, so the table stays a ReplacingMergeTree that never deletes.
//
// Coverage of an area needs every unit of the area, which a restarted
// model cannot get from one stream's history; so on the first event after
// a start, Groups replays the unit and group events before it from the log
// (a fresh rebuild reads nothing). Without a log (NewGroups(nil, nil)) it
// falls back to rebuilding units and groups stream by stream, which is
// exact from position 0 but may miss units after a restart.
type Groups struct {
	log    eventlog.Store
	reg    *domain.Registry
	primed bool

	cover       *groupCoverage
	inspections map[string]*inspectionState

	// The reconciler's own state: Expect folds the whole log.
	expectCover       *groupCoverage
	expectInspections map[string]string // id -> state
}

// NewGroups returns the groups model; log and reg let it rebuild the unit
// tree after a restart (see Groups).
func NewGroups(log eventlog.Store, reg *domain.Registry) *Groups {
	return &Groups{
		log: log, reg: reg,
		cover:             newGroupCoverage(),
		inspections:       map[string]*inspectionState{},
		expectCover:       newGroupCoverage(),
		expectInspections: map[string]string{},
	}
}

func (*Groups) Name() string { return "groups" }

func (*Groups) Tables() []Table {
	return []Table{
		{Name: "groups", Columns: []string{"id", "name", "state", "members", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, name String, state String, members UInt32, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
		{Name: "group_units", Columns: []string{"group_id", "unit_id", "via_area", "active", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				group_id String, unit_id String, via_area String, active UInt8, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY (group_id, unit_id)`},
		{Name: "inspections", Columns: []string{"id", "group_id", "unit_id", "kind", "started_at", "completed_at",
			"findings", "findings_ordering_rectification", "state", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, group_id String, unit_id String, kind String,
				started_at DateTime, completed_at DateTime,
				findings UInt32, findings_ordering_rectification UInt32,
				state String, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
	}
}

func (m *Groups) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	if !m.primed {
		m.primed = true
		if err := m.prime(ctx, e.Position); err != nil {
			return err
		}
	}
	if id := inspectionEventID(e); id != "" {
		s, err := m.inspection(ctx, h, id, e)
		if err != nil {
			return err
		}
		findings, rect := s.in.InForce()
		out.Add("inspections", s.in.ID, s.in.GroupID, s.in.UnitID, s.in.Kind.String(), evTime(s.started), evTime(s.completed),
			uint32(findings), uint32(rect), s.in.State(), e.Seq())
		return nil
	}
	g, changes, err := m.cover.apply(ctx, e, h)
	if err != nil {
		return err
	}
	if g != nil {
		out.Add("groups", g.group.ID, g.group.Name, g.group.State(), uint32(len(g.group.Members)), e.Seq())
	}
	for _, c := range changes {
		out.Add("group_units", c.group, c.unit, c.via, boolUInt8(c.active), e.Seq())
	}
	return nil
}

// prime replays the unit and group events before position before, so that
// coverage after a restart is what it was (see Groups).
func (m *Groups) prime(ctx context.Context, before eventlog.Position) error {
	if m.log == nil {
		return nil
	}
	after := eventlog.Start
	for {
		page, err := m.log.ReadAll(ctx, after, 5000)
		if err != nil {
			return fmt.Errorf("groups: replay org and groups: %w", err)
		}
		for _, ev := range page {
			if !ev.Position.Less(before) {
				return nil
			}
			if !strings.HasPrefix(ev.Type, "unit.") && !strings.HasPrefix(ev.Type, "group.") {
				continue
			}
			d, err := m.reg.Decode(ev.Type, ev.SchemaVersion, ev.Payload)
			if err != nil {
				return fmt.Errorf("groups: replay position %v: %w", ev.Position, err)
			}
			if _, _, err := m.cover.apply(ctx, Event{Event: ev, Data: d}, nil); err != nil {
				return err
			}
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].Position
	}
}

type inspectionState struct {
	in                 inspection.Inspection
	started, completed time.Time
}

func (s *inspectionState) apply(d domain.Event) {
	s.in.Apply(d)
	switch d := d.(type) {
	case inspection.Started:
		s.started = d.OccurredAt
	case inspection.Completed:
		s.completed = d.OccurredAt
	}
}

func inspectionEventID(e Event) string {
	return entityID(e, inspection.EntityInspection, inspection.Stream)
}

func (m *Groups) inspection(ctx context.Context, h History, id string, e Event) (*inspectionState, error) {
	s, err := entity(ctx, h, m.inspections, id, inspection.Stream(id), e, (*inspectionState).apply)
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	return s, nil
}

// groupCoverage is the groups and the unit tree, and which units each
// group covers as last written to group_units.
type groupCoverage struct {
	units  *UnitIndex
	groups map[string]*groupState
}

type groupState struct {
	group inspection.Group
	// covered maps each unit the group covers to the area it is covered
	// through ("" for a unit assignment).
	covered map[string]string
}

// coverChange is one group_units row to write. was says whether the pair
// was active before, for the reconciler's counts.
type coverChange struct {
	group, unit, via string
	active, was      bool
}

func newGroupCoverage() *groupCoverage {
	return &groupCoverage{units: NewUnitIndex(), groups: map[string]*groupState{}}
}

func groupEventID(e Event) string { return entityID(e, "group", inspection.GroupStream) }

// apply folds a unit or group event; it returns the group changed (nil if
// none) and the coverage rows that changed. h may be nil when every
// earlier event has been applied.
func (c *groupCoverage) apply(ctx context.Context, e Event, h History) (*groupState, []coverChange, error) {
	if id := unitEventID(e); id != "" {
		if err := c.units.Follow(ctx, e, h); err != nil {
			return nil, nil, err
		}
		if e.Type == "unit.renamed" {
			return nil, nil, nil
		}
		// A new unit has no children yet; a move changes the area of the
		// unit alone but the ancestors of its whole subtree.
		affected := []string{id}
		if e.Type == "unit.moved" {
			affected = c.units.Subtree(id)
		}
		var changes []coverChange
		for _, id := range slices.Sorted(maps.Keys(c.groups)) {
			changes = append(changes, c.recompute(c.groups[id], affected)...)
		}
		return nil, changes, nil
	}
	id := groupEventID(e)
	if id == "" {
		return nil, nil, nil
	}
	g := c.groups[id]
	if g == nil {
		g = &groupState{covered: map[string]string{}}
		c.groups[id] = g
		evs, err := earlier(ctx, h, inspection.GroupStream(id), e)
		if err != nil {
			return nil, nil, fmt.Errorf("groups: %w", err)
		}
		if len(evs) > 0 {
			for _, x := range evs {
				g.group.Apply(x.Data)
			}
			// What was written before the restart is what the rebuilt
			// group covers: start from there, so ended coverage is seen.
			c.recompute(g, c.allUnits())
		}
	}
	g.group.Apply(e.Data)
	var changes []coverChange
	switch e.Data.(type) {
	case inspection.GroupAssigned, inspection.GroupAssignmentEnded, inspection.GroupDissolved:
		changes = c.recompute(g, c.allUnits())
	}
	return g, changes, nil
}

func (c *groupCoverage) allUnits() []string { return c.units.IDs() }

// recompute brings the group's coverage of units up to date and returns
// the rows that changed, in unit order so that output is deterministic.
// It sorts units in place.
func (c *groupCoverage) recompute(g *groupState, units []string) []coverChange {
	var out []coverChange
	slices.Sort(units)
	for _, u := range units {
		via, ok := c.covers(g, u)
		prev, had := g.covered[u]
		switch {
		case ok && (!had || prev != via):
			g.covered[u] = via
			out = append(out, coverChange{group: g.group.ID, unit: u, via: via, active: true, was: had})
		case !ok && had:
			delete(g.covered, u)
			out = append(out, coverChange{group: g.group.ID, unit: u, via: prev, active: false, was: true})
		}
	}
	return out
}

// covers says whether the group covers unit id now, and through which
// area ("" for a unit assignment).
func (c *groupCoverage) covers(g *groupState, id string) (string, bool) {
	u, ok := c.units.Lookup(id)
	if !ok {
		return "", false
	}
	for _, t := range g.group.Assignments {
		if t.Kind == inspection.TargetArea && u.Area != "" && t.ID == u.Area {
			return u.Area, true
		}
	}
	for _, t := range g.group.Assignments {
		if t.Kind == inspection.TargetUnit && c.units.under(id, t.ID) {
			return "", true
		}
	}
	return "", false
}

// Expect counts the units each group covers, the groups by state and the
// inspections by state.
func (m *Groups) Expect(e Event, figures map[string]int64) {
	if id := inspectionEventID(e); id != "" {
		s := &inspectionState{}
		s.in.ID = id
		if prev, ok := m.expectInspections[id]; ok {
			addFigure(figures, "inspections.count{state="+prev+"}", -1)
		}
		next := "open"
		if _, ok := e.Data.(inspection.Completed); ok || m.expectInspections[id] == "completed" {
			next = "completed"
		}
		m.expectInspections[id] = next
		addFigure(figures, "inspections.count{state="+next+"}", 1)
		return
	}
	var before string
	if g, ok := m.expectCover.groups[groupEventID(e)]; ok {
		before = g.group.State()
	}
	g, changes, err := m.expectCover.apply(context.Background(), e, nil)
	if err != nil {
		return // apply without history does no I/O and cannot fail
	}
	if g != nil && g.group.State() != before {
		if before != "" {
			addFigure(figures, "groups.count{state="+before+"}", -1)
		}
		addFigure(figures, "groups.count{state="+g.group.State()+"}", 1)
	}
	for _, c := range changes {
		switch {
		case c.active && !c.was:
			addFigure(figures, "group_units.covered{group="+c.group+"}", 1)
		case !c.active && c.was:
			addFigure(figures, "group_units.covered{group="+c.group+"}", -1)
		}
	}
}

// Actual reads the same figures from the groups tables.
func (*Groups) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	for _, f := range []struct{ figure, query string }{
		{"group_units.covered{group=%s}", "SELECT group_id, count() FROM " + db + ".group_units FINAL WHERE active = 1 GROUP BY group_id"},
		{"groups.count{state=%s}", "SELECT state, count() FROM " + db + ".groups FINAL GROUP BY state"},
		{"inspections.count{state=%s}", "SELECT state, count() FROM " + db + ".inspections FINAL GROUP BY state"},
	} {
		err := evCounts(ctx, q, f.query, func(key string, n uint64) { got[fmt.Sprintf(f.figure, key)] = int64(n) })
		if err != nil {
			return nil, fmt.Errorf("groups: %w", err)
		}
	}
	return got, nil
}

// GroupViewFilter selects the rows of the inspection-group view. Empty
// fields select everything. Quarter is the quarter of pledges and reviews
// (zero: the quarter of Now in Loc); Now and Loc fix "today" for the
// rectification colours (zero Now: time.Now(); nil Loc:
// domain.DefaultLocation()).
type GroupViewFilter struct {
	Group      string
	Area       string // the unit's area now
	Quarter    domain.Quarter
	Now        time.Time
	Loc        *time.Location
	YellowDays int    // 0 means rectification.DefaultYellowDays
	Limit      int    // page size; 0 means 100, at most 1000
	After      string // the cursor of the previous page, "" for the first
}

// GroupViewRow is one unit of one group with the figures DOMAIN.md lists
// for the inspection-group view. A figure with no rows behind it is zero
// (and its period or time empty).
type GroupViewRow struct {
	Group     string `json:"group"`
	GroupName string `json:"group_name"`
	Unit      string `json:"unit"`
	UnitName  string `json:"unit_name"`
	UnitKind  string `json:"unit_kind"`
	Area      string `json:"area"`
	ViaArea   string `json:"via_area"` // the area the group covers the unit through; "" for a unit assignment

	// Pledges of the quarter by state, and their total.
	Pledges      map[string]uint64 `json:"pledges"`
	PledgesTotal uint64            `json:"pledges_total"`
	// FulfilmentRate is fulfilled / (fulfilled + lapsed) among the
	// quarter's pledges that reached an outcome; 0 when none has.
	FulfilmentRate float64 `json:"fulfilment_rate"`
	// Reviews is the review remarks of the quarter not retracted.
	Reviews uint64 `json:"reviews"`
	// Rectifications live now (open, in progress or submitted), and of
	// them those due within YellowDays and those past their deadline.
	OpenRectifications   uint64 `json:"open_rectifications"`
	YellowRectifications uint64 `json:"yellow_rectifications"`
	RedRectifications    uint64 `json:"red_rectifications"`
	// The unit's latest inspection by any group.
	LastInspection      string    `json:"last_inspection"`
	LastInspectionAt    time.Time `json:"last_inspection_at,omitzero"`
	LastInspectionState string    `json:"last_inspection_state"`
	// Satisfaction is the rate of the unit's latest survey period.
	Satisfaction       float64 `json:"satisfaction"`
	SatisfactionPeriod string  `json:"satisfaction_period"`
	// Rank and Score are the unit's place in its area's latest monthly
	// ranking (the revision in force: current = 1).
	Rank      uint32  `json:"rank"`
	Score     float64 `json:"score"`
	RankMonth string  `json:"rank_month"`
}

// ErrGroupViewCursor is returned for a cursor that QueryGroupView did not
// issue.
var ErrGroupViewCursor = errors.New("group view: bad cursor")

// QueryGroupView returns a page of the inspection-group view, ordered by
// group and unit, and the cursor of the next page ("" after the last).
//
// ClickHouse 18.16 allows one JOIN per query, so the page of (group, unit)
// pairs comes from group_units joined with units, and each figure from its
// own query on its own table for the page's units, merged here. The
// joined subqueries carry aliases because modern servers refuse them
// without (joined_subquery_requires_alias). Tables
// another model has not created yet give zero figures.
func QueryGroupView(ctx context.Context, q Querier, db string, f GroupViewFilter) ([]GroupViewRow, string, error) {
	ctx, cancel := withQueryTimeout(ctx)
	defer cancel()
	limit := pageLimit(f.Limit)
	now, loc, yellow := viewClock(f.Now, f.Loc, f.YellowDays)
	quarter := f.Quarter
	if quarter.IsZero() {
		quarter = domain.QuarterOf(now.In(loc))
	}

	var w sqlFilter
	w.add("active = 1")
	w.eq("group_id", f.Group)
	if f.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(f.After)
		g, u, ok := strings.Cut(string(raw), "\x00")
		if err != nil || !ok {
			return nil, "", ErrGroupViewCursor
		}
		w.add("(group_id > ? OR (group_id = ? AND unit_id > ?))", g, g, u)
	}
	args := w.args
	outer := ""
	if f.Area != "" {
		outer, args = "WHERE area_id = ?", append(args, f.Area)
	}
	args = append(args, limit+1)
	page := `SELECT group_id, unit_id, via_area, name, kind, area_id FROM (
			SELECT group_id, unit_id, via_area FROM ` + db + `.group_units FINAL` + w.where() + `
		) AS pairs ANY LEFT JOIN (
			SELECT id AS unit_id, name, kind, area_id FROM ` + db + `.units FINAL
		) AS named USING unit_id ` + outer + `
		ORDER BY group_id, unit_id LIMIT ?`
	var out []GroupViewRow
	err := queryEach(ctx, q, page, func(scan func(...any) error) error {
		var r GroupViewRow
		if err := scan(&r.Group, &r.Unit, &r.ViaArea, &r.UnitName, &r.UnitKind, &r.Area); err != nil {
			return err
		}
		r.Pledges = map[string]uint64{}
		out = append(out, r)
		return nil
	}, args...)
	if err != nil {
		return nil, "", fmt.Errorf("group view: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		// The cursor is opaque: ids may hold any printable character, so
		// the pair is joined by a NUL and encoded.
		next = base64.RawURLEncoding.EncodeToString([]byte(last.Group + "\x00" + last.Unit))
	}
	if len(out) == 0 {
		return nil, "", nil
	}

	unitSet, groupSet := map[string]bool{}, map[string]bool{}
	for _, r := range out {
		unitSet[r.Unit], groupSet[r.Group] = true, true
	}
	units := slices.Sorted(maps.Keys(unitSet))
	groups := slices.Sorted(maps.Keys(groupSet))
	fig := groupViewFigures{groupNames: map[string]string{}, units: map[string]*GroupViewRow{}, outcomes: map[string][2]uint64{}}
	for _, u := range units {
		fig.units[u] = &GroupViewRow{Pledges: map[string]uint64{}}
	}
	today := domain.DateIn(now, loc).String()
	if err := fig.load(ctx, q, db, groups, units, quarter.String(), today, yellow); err != nil {
		return nil, "", err
	}
	for i := range out {
		r := &out[i]
		r.GroupName = fig.groupNames[r.Group]
		u := fig.units[r.Unit]
		r.Pledges, r.PledgesTotal, r.FulfilmentRate, r.Reviews = u.Pledges, u.PledgesTotal, u.FulfilmentRate, u.Reviews
		r.OpenRectifications, r.YellowRectifications, r.RedRectifications = u.OpenRectifications, u.YellowRectifications, u.RedRectifications
		r.LastInspection, r.LastInspectionAt, r.LastInspectionState = u.LastInspection, u.LastInspectionAt, u.LastInspectionState
		r.Satisfaction, r.SatisfactionPeriod = u.Satisfaction, u.SatisfactionPeriod
		r.Rank, r.Score, r.RankMonth = u.Rank, u.Score, u.RankMonth
	}
	return out, next, nil
}

// groupViewFigures are the per-unit figures of one page, filled by one
// query per figure.
type groupViewFigures struct {
	groupNames map[string]string
	units      map[string]*GroupViewRow
	outcomes   map[string][2]uint64 // pledges fulfilled and lapsed, by unit
}

// Each figure's query filters in PREWHERE (see sqlFilter.prewhere) on
// what never changes for its rows: the unit (fixed when an entity is
// created, and part of the key of surveys and rankings) and the quarter of
// a pledge or review; the rest only after FINAL.
func (g *groupViewFigures) load(ctx context.Context, q Querier, db string, groups, units []string, quarter, today string, yellow int) error {
	queries := []struct {
		table string
		sql   string
		args  []any
		scan  func(rows driver.Rows) error
	}{
		{"groups", "SELECT id, name FROM " + db + ".groups FINAL WHERE id IN (?)", []any{groups}, func(rows driver.Rows) error {
			var id, name string
			err := rows.Scan(&id, &name)
			g.groupNames[id] = name
			return err
		}},
		// An evaluated pledge keeps the time it was fulfilled or lapsed:
		// the outcome comes from those, not from the state.
		{"pledges", `SELECT unit, state, count(), countIf(toUInt32(fulfilled_at) > 0), countIf(toUInt32(lapsed_at) > 0)
			FROM ` + db + `.pledges FINAL PREWHERE quarter = ? AND unit IN (?) GROUP BY unit, state`,
			[]any{quarter, units}, func(rows driver.Rows) error {
				var unit, state string
				var n, fulfilled, lapsed uint64
				err := rows.Scan(&unit, &state, &n, &fulfilled, &lapsed)
				if r := g.units[unit]; r != nil {
					r.Pledges[state] += n
					r.PledgesTotal += n
					g.outcomes[unit] = [2]uint64{g.outcomes[unit][0] + fulfilled, g.outcomes[unit][1] + lapsed}
				}
				return err
			}},
		{"reviews", "SELECT unit, count() FROM " + db + ".reviews FINAL PREWHERE quarter = ? AND unit IN (?) WHERE retracted = 0 GROUP BY unit",
			[]any{quarter, units}, func(rows driver.Rows) error {
				var unit string
				var n uint64
				err := rows.Scan(&unit, &n)
				if r := g.units[unit]; r != nil {
					r.Reviews = n
				}
				return err
			}},
		{"rectifications", `SELECT unit, countIf(state IN ` + rectLive + `),
				countIf(state IN ` + rectLive + ` AND deadline >= toDate(?) AND toRelativeDayNum(deadline) - toRelativeDayNum(toDate(?)) <= ?),
				countIf(state IN ` + rectLive + ` AND deadline < toDate(?))
			FROM ` + db + `.rectifications FINAL PREWHERE unit IN (?) GROUP BY unit`,
			[]any{today, today, yellow, today, units}, func(rows driver.Rows) error {
				var unit string
				var open, yel, red uint64
				err := rows.Scan(&unit, &open, &yel, &red)
				if r := g.units[unit]; r != nil {
					r.OpenRectifications, r.YellowRectifications, r.RedRectifications = open, yel, red
				}
				return err
			}},
		{"inspections", "SELECT unit_id, argMax(id, started_at), max(started_at), argMax(state, started_at) FROM " + db + ".inspections FINAL PREWHERE unit_id IN (?) GROUP BY unit_id",
			[]any{units}, func(rows driver.Rows) error {
				var unit, id, state string
				var at time.Time
				err := rows.Scan(&unit, &id, &at, &state)
				if r := g.units[unit]; r != nil {
					r.LastInspection, r.LastInspectionAt, r.LastInspectionState = id, at.UTC(), state
				}
				return err
			}},
		{"surveys", "SELECT unit, toString(max(period)), toFloat64(argMax(rate, period)) FROM " + db + ".surveys FINAL PREWHERE unit IN (?) GROUP BY unit",
			[]any{units}, func(rows driver.Rows) error {
				var unit, period string
				var rate float64
				err := rows.Scan(&unit, &period, &rate)
				if r := g.units[unit]; r != nil {
					r.SatisfactionPeriod, r.Satisfaction = period, rate
				}
				return err
			}},
		{"rankings", "SELECT unit, toString(max(month)), toUInt32(argMax(rank, month)), toFloat64(argMax(score, month)) FROM " + db + ".rankings FINAL PREWHERE unit IN (?) WHERE current = 1 GROUP BY unit",
			[]any{units}, func(rows driver.Rows) error {
				var unit, month string
				var rank uint32
				var score float64
				err := rows.Scan(&unit, &month, &rank, &score)
				if r := g.units[unit]; r != nil {
					r.RankMonth, r.Rank, r.Score = month, rank, score
				}
				return err
			}},
	}
	// The figures are independent: run them side by side, so the view
	// costs about its slowest query rather than their sum.
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	var mu sync.Mutex // the scans write to shared maps
	for i, qu := range queries {
		wg.Go(func() {
			sql, args := groupViewExpand(qu.sql, qu.args)
			rows, err := q.Query(ctx, sql, args...)
			if isUnknownTable(err) {
				return // that model is not deployed: its figures are zero
			}
			if err != nil {
				errs[i] = fmt.Errorf("group view: %s: %w", qu.table, err)
				return
			}
			defer rows.Close()
			for rows.Next() {
				mu.Lock()
				err := qu.scan(rows)
				mu.Unlock()
				if err != nil {
					errs[i] = fmt.Errorf("group view: %s: %w", qu.table, err)
					return
				}
			}
			if err := rows.Err(); err != nil {
				errs[i] = fmt.Errorf("group view: %s: %w", qu.table, err)
			}
		})
	}
	wg.Wait()
	for unit, o := range g.outcomes {
		if o[0]+o[1] > 0 {
			g.units[unit].FulfilmentRate = float64(o[0]) / float64(o[0]+o[1])
		}
	}
	return errors.Join(errs...)
}

// groupViewExpand turns each []string parameter into one placeholder per
// value: the driver would bind a slice as an array, which the IN of
// ClickHouse 18.16 refuses.
func groupViewExpand(sql string, args []any) (string, []any) {
	var b strings.Builder
	var out []any
	i := 0
	for _, r := range sql {
		if r != '?' || i >= len(args) {
			b.WriteRune(r)
			continue
		}
		if vs, ok := args[i].([]string); ok {
			b.WriteString(placeholders(len(vs)))
			for _, v := range vs {
				out = append(out, v)
			}
		} else {
			b.WriteRune(r)
			out = append(out, args[i])
		}
		i++
	}
	return b.String(), out
}

// isUnknownTable reports whether err is ClickHouse's UNKNOWN_TABLE (60).
func isUnknownTable(err error) bool {
	var ex *clickhouse.Exception
	return errors.As(err, &ex) && ex.Code == 60
}
