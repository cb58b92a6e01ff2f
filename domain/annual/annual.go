// Package annual counts the figures of the campaign's year-end summary
// (创先争优工作总结) from recorded events, in Go: the second computation of
// every figure the report (package report) reads from ClickHouse, so that
// a figure is printed only when the two agree. It is pure: the caller
// reads the log and feeds it every event in global order, up to the
// checkpoint the report is computed at.
//
// Each figure's definition is the same as the SQL the report footnotes
// (report/figures.go), written once here in Go from the domain's own
// aggregates and once there over the read models; docs/report.md states
// them in words. In short:
//   - the campaign figures (themes, pledges, reviews, shortcomings,
//     measures, vanguards, satisfaction) count in their own campaign
//     quarter, as the trends and the totals do; rectifications ordered
//     and closed in the calendar quarter of the order and of the closing in
//     force;
//   - acceptances, on time against the original deadline, and reopenings
//     count every such event dated in the year, as the rankings do;
//   - inspections, findings and rankings count what is dated in the year;
//   - stocks (red items, inspection groups, contact points, areas, units)
//     are taken at a cutoff: the year's end, or earlier for a year still
//     running.
//
// For an area, a figure counts the entities of units that lay in the area
// when the entity began (trends, totals), the units in the area at the
// cutoff (acceptances, reopenings, red items, as the rankings place units),
// or the unit of the event (inspections, contact points, units); the
// district's own figures (inspection groups, areas) are the district's.
package annual

import (
	"slices"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
)

// Event is one recorded event as the count reads it: its stream, the unit
// its envelope names, its business time and its decoded payload.
type Event struct {
	Stream     string
	Unit       string
	OccurredAt time.Time
	Data       domain.Event
}

// Ledger folds events into what the year-end summary counts. The zero
// value counts in Asia/Shanghai.
type Ledger struct {
	Loc *time.Location

	units    map[string]*unitNow  // each unit as the events so far left it
	entities map[string]*entity   // counted entities, by stream
	areasAt  map[string][]areaAt  // each unit's areas over business time, oldest first
	inspects []dated              // inspections started: kind, area
	complete []dated              // inspections completed: findings, area
	formed   []time.Time          // groups formed
	dissolve []time.Time          // groups dissolved
	contacts map[pair][]dated     // (member, unit) → assignments (n=1) and ends (n=0)
	left     map[string]time.Time // member → when it left the books
	areas    []time.Time          // areas registered
	regs     []dated              // units registered: kind, area
	rankings []ranked             // first revisions of published rankings
	names    map[string]string    // the names of areas and units, as they stand
	areaIDs  []string             // the areas registered, in order
}

type unitNow struct {
	area string
	kind org.Kind
}

// areaAt is a unit's area from a business time on.
type areaAt struct {
	at   time.Time
	area string
}

// entity is one counted entity: its aggregate, the unit it counts for and
// that unit's area and kind when it began, and its first business time.
type entity struct {
	agg   domain.Aggregate
	unit  string
	area  string
	kind  org.Kind
	first time.Time
	steps []step // rectifications: one per event
}

// step is one event of a rectification as the acceptances, reopenings and
// red items read it (the read models' rectification_steps).
type step struct {
	at       time.Time
	kind     string // the event type after "rectification.": ordered, accepted, reopened...
	unit     string
	live     bool
	deadline domain.Date
	onTime   bool // an acceptance on or before the original deadline
}

// dated is a dated fact with a kind, a number and an area.
type dated struct {
	at   time.Time
	kind string
	n    int64
	area string
}

type pair struct{ member, unit string }

type ranked struct {
	area     string
	month    domain.Month
	computed bool
}

func (l *Ledger) loc() *time.Location {
	if l.Loc == nil {
		return domain.DefaultLocation()
	}
	return l.Loc
}

// counted are the stream prefixes of the counted entities and their
// aggregates.
var counted = map[string]func() domain.Aggregate{
	"theme":              func() domain.Aggregate { return &org.Theme{} },
	pledge.Entity:        func() domain.Aggregate { return &pledge.Pledge{} },
	"review":             func() domain.Aggregate { return &review.Review{} },
	rectification.Entity: func() domain.Aggregate { return &rectification.Rectification{} },
	evaluation.EntitySurvey: func() domain.Aggregate {
		return &evaluation.Survey{}
	},
	evaluation.EntityVanguard: func() domain.Aggregate { return &evaluation.Vanguard{} },
}

// Apply folds one event; events must come in global order.
func (l *Ledger) Apply(e Event) {
	if l.units == nil {
		l.units, l.entities, l.areasAt = map[string]*unitNow{}, map[string]*entity{}, map[string][]areaAt{}
		l.contacts, l.left, l.names = map[pair][]dated{}, map[string]time.Time{}, map[string]string{}
	}
	switch x := e.Data.(type) {
	case org.UnitRegistered:
		l.units[x.UnitID] = &unitNow{area: x.AreaID, kind: x.Kind}
		l.areasAt[x.UnitID] = append(l.areasAt[x.UnitID], areaAt{e.OccurredAt, x.AreaID})
		l.names[x.UnitID] = x.Name
		l.regs = append(l.regs, dated{at: e.OccurredAt, kind: x.Kind.String(), area: l.areaOf(e.Unit)})
	case org.UnitMoved:
		if u := l.units[x.UnitID]; u != nil {
			u.area = x.AreaID
		}
		l.areasAt[x.UnitID] = append(l.areasAt[x.UnitID], areaAt{e.OccurredAt, x.AreaID})
	case org.UnitRenamed:
		l.names[x.UnitID] = x.Name
	case org.AreaRegistered:
		l.areas = append(l.areas, e.OccurredAt)
		l.areaIDs = append(l.areaIDs, x.AreaID)
		l.names[x.AreaID] = x.Name
	case org.AreaRenamed:
		l.names[x.AreaID] = x.Name
	case inspection.Started:
		l.inspects = append(l.inspects, dated{at: e.OccurredAt, kind: x.Kind.String(), n: 1, area: l.areaOf(e.Unit)})
	case inspection.Completed:
		l.complete = append(l.complete, dated{at: e.OccurredAt, n: int64(x.Findings), area: l.areaOf(e.Unit)})
	case inspection.GroupFormed:
		l.formed = append(l.formed, e.OccurredAt)
	case inspection.GroupDissolved:
		l.dissolve = append(l.dissolve, e.OccurredAt)
	case org.ContactPointAssigned:
		p := pair{x.MemberID, x.UnitID}
		l.contacts[p] = append(l.contacts[p], dated{at: e.OccurredAt, n: 1, area: l.areaOf(e.Unit)})
	case org.ContactPointEnded:
		p := pair{x.MemberID, x.UnitID}
		l.contacts[p] = append(l.contacts[p], dated{at: e.OccurredAt, n: 0, area: l.areaOf(e.Unit)})
	case org.MemberLeft:
		if _, ok := l.left[x.MemberID]; !ok {
			l.left[x.MemberID] = e.OccurredAt
		}
	case evaluation.RankingPublished:
		l.rankings = append(l.rankings, ranked{area: x.AreaID, month: x.Month, computed: x.Computed != nil})
	}
	prefix, _, _ := strings.Cut(e.Stream, "-")
	newAgg, ok := counted[prefix]
	if !ok {
		return
	}
	t := l.entities[e.Stream]
	if t == nil {
		unit := e.Unit
		if s, ok := e.Data.(domain.Scoped); ok && s.ScopeUnit() != "" {
			unit = s.ScopeUnit()
		}
		t = &entity{agg: newAgg(), unit: unit, first: e.OccurredAt}
		if u := l.units[unit]; u != nil {
			t.area, t.kind = u.area, u.kind
		}
		l.entities[e.Stream] = t
	}
	t.agg.Apply(e.Data)
	if r, ok := t.agg.(*rectification.Rectification); ok && r.Exists() {
		s := step{at: e.OccurredAt, kind: strings.TrimPrefix(e.Data.EventType(), rectification.Entity+"."),
			unit: r.Unit(), live: r.State().Live(), deadline: r.Deadline()}
		if cs := r.Closings(); s.kind == "accepted" && len(cs) > 0 {
			s.onTime = cs[len(cs)-1].OnTimeOriginal()
		}
		t.steps = append(t.steps, s)
	}
}

// areaOf is a unit's area as the events so far left it; "" for the
// district, an unknown unit or none.
func (l *Ledger) areaOf(unit string) string {
	if u := l.units[unit]; u != nil {
		return u.area
	}
	return ""
}

// areaAtCutoff is a unit's area at the instant cutoff: its latest
// registration or move dated before then.
func (l *Ledger) areaAtCutoff(unit string, cutoff time.Time) string {
	area := ""
	for _, a := range l.areasAt[unit] {
		if a.at.Before(cutoff) {
			area = a.area
		}
	}
	return area
}

// Name is the name an area or unit has now, and false if it was never
// registered.
func (l *Ledger) Name(id string) (string, bool) {
	n, ok := l.names[id]
	return n, ok
}

// Areas lists the areas registered, by id.
func (l *Ledger) Areas() []string {
	out := slices.Clone(l.areaIDs)
	slices.Sort(out)
	return out
}

// District is the id of the district, the root unit, and false if none
// is registered.
func (l *Ledger) District() (string, bool) {
	for id, u := range l.units {
		if u.kind == org.KindDistrict {
			return id, true
		}
	}
	return "", false
}

// Params say what a summary covers.
type Params struct {
	Year int
	// Area is one area's summary; "" is the district's.
	Area string
	// Cutoff is the instant stocks are taken at: the year's end (00:00 on
	// the next 1 January), or earlier for a year still running (the
	// report takes the instant its checkpoint was signed).
	Cutoff time.Time
}

// Bounds are the instants the year starts and ends in loc.
func Bounds(year int, loc *time.Location) (start, end time.Time) {
	return time.Date(year, time.January, 1, 0, 0, 0, 0, loc), time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc)
}

// Quarters are the campaign quarters of a year.
func Quarters(year int) []domain.Quarter {
	return []domain.Quarter{{Year: year, Q: 1}, {Year: year, Q: 2}, {Year: year, Q: 3}, {Year: year, Q: 4}}
}

// Figure identifiers: the keys of Figures, and of the report's queries.
const (
	Themes              = "themes"
	Pledges             = "pledges"
	PledgesFulfilled    = "pledges_fulfilled"
	PledgesLapsed       = "pledges_lapsed"
	WindowPledges       = "window_pledges"
	Reviews             = "reviews"
	Shortcomings        = "shortcomings"
	Measures            = "measures"
	VanguardsIndividual = "vanguards_individual"
	VanguardsCollective = "vanguards_collective"
	Satisfied           = "satisfied"
	Respondents         = "respondents"
	RectOrdered         = "rect_ordered"
	RectClosed          = "rect_closed"
	RectClosedOnTime    = "rect_closed_on_time"
	Acceptances         = "acceptances"
	AcceptancesOnTime   = "acceptances_on_time_original"
	Reopenings          = "reopenings"
	RedItems            = "red_items"
	InspectionsSpecial  = "inspections_special"
	InspectionsRandom   = "inspections_random"
	Findings            = "findings"
	Groups              = "groups"
	ContactPoints       = "contact_points"
	AreasRegistered     = "areas"
	Villages            = "villages"
	BigCommunities      = "big_communities"
	RankingsPublished   = "rankings_published"
	RankingsComputed    = "rankings_computed"
)

// TrendMetrics are the quarterly series of the summary's trend charts, by
// the read models' metric names; a series' figures are keyed
// TrendKey(metric, quarter).
var TrendMetrics = []string{
	"pledges_made", "pledges_fulfilled", "pledges_lapsed", "reviews", "shortcomings",
	"rectifications_opened", "rectifications_closed", "rectifications_closed_on_time",
	"satisfaction_satisfied", "satisfaction_respondents",
}

// TrendKey is the key of one quarter of a trend series.
func TrendKey(metric string, q domain.Quarter) string { return "trend." + metric + "." + q.String() }

// Figures counts every figure of the summary p asks for, and every
// quarter of every trend series. A figure that is zero is there, as 0.
func (l *Ledger) Figures(p Params) map[string]int64 {
	loc := l.loc()
	start, end := Bounds(p.Year, loc)
	cutoff := p.Cutoff
	if cutoff.IsZero() || cutoff.After(end) {
		cutoff = end
	}
	// An item is red at the cutoff when its deadline is before the
	// cutoff's day: 00:00 of the day after it has passed.
	lastDay := domain.DateIn(cutoff, loc).AddDays(-1)
	quarters := map[string]bool{}
	out := map[string]int64{}
	for _, q := range Quarters(p.Year) {
		quarters[q.String()] = true
		for _, m := range TrendMetrics {
			out[TrendKey(m, q)] = 0
		}
	}
	for _, id := range []string{Themes, Pledges, PledgesFulfilled, PledgesLapsed, WindowPledges, Reviews, Shortcomings, Measures,
		VanguardsIndividual, VanguardsCollective, Satisfied, Respondents, RectOrdered, RectClosed, RectClosedOnTime,
		Acceptances, AcceptancesOnTime, Reopenings, RedItems, InspectionsSpecial, InspectionsRandom, Findings,
		Groups, ContactPoints, AreasRegistered, Villages, BigCommunities, RankingsPublished, RankingsComputed} {
		out[id] = 0
	}
	inArea := func(area string) bool { return p.Area == "" || area == p.Area }
	inYear := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	calendar := func(t time.Time) string { return domain.QuarterOf(t.In(loc)).String() }
	// add counts n for a campaign figure and its trend series in quarter q.
	add := func(id, metric, q string, n int64) {
		if !quarters[q] {
			return
		}
		if id != "" {
			out[id] += n
		}
		if metric != "" {
			out["trend."+metric+"."+q] += n
		}
	}
	for _, t := range l.entities {
		switch a := t.agg.(type) {
		case *org.Theme:
			if a.Exists() && inArea(t.area) {
				add(Themes, "", a.Quarter.String(), 1)
			}
		case *pledge.Pledge:
			if !a.Exists() || !inArea(t.area) {
				continue
			}
			q := a.Quarter().String()
			if a.State() != pledge.StateWithdrawn {
				add(Pledges, "pledges_made", q, 1)
				if t.kind == org.KindWindowUnit {
					add(WindowPledges, "", q, 1)
				}
			}
			if !a.FulfilledAt().IsZero() {
				add(PledgesFulfilled, "pledges_fulfilled", q, 1)
			}
			if !a.LapsedAt().IsZero() {
				add(PledgesLapsed, "pledges_lapsed", q, 1)
			}
		case *review.Review:
			if !a.Exists() || a.Retracted || !inArea(t.area) {
				continue
			}
			q := a.Quarter.String()
			add(Reviews, "reviews", q, 1)
			add(Shortcomings, "shortcomings", q, int64(a.ShortcomingCount()))
			add(Measures, "", q, int64(a.MeasureCount()))
		case *evaluation.Vanguard:
			if !a.Exists() || a.Revoked || !inArea(t.area) {
				continue
			}
			id := VanguardsCollective
			if a.Kind == evaluation.Individual {
				id = VanguardsIndividual
			}
			add(id, "", a.Quarter.String(), 1)
		case *evaluation.Survey:
			if !a.Exists() || !inArea(t.area) {
				continue
			}
			q := calendar(t.first)
			if pq, ok := a.Period.Quarter(); ok {
				q = pq.String()
			} else if pm, ok := a.Period.Month(); ok {
				q = pm.Quarter().String()
			}
			c := a.Counts
			add(Satisfied, "satisfaction_satisfied", q, int64(c.VerySatisfied+c.Satisfied+c.BasicallySatisfied))
			add(Respondents, "satisfaction_respondents", q, int64(c.Total()))
		case *rectification.Rectification:
			if !a.Exists() {
				continue
			}
			if inArea(t.area) {
				add(RectOrdered, "rectifications_opened", calendar(a.OrderedAt()), 1)
				if at, ok := a.ClosedAt(); ok {
					add(RectClosed, "rectifications_closed", calendar(at), 1)
					if _, current, _ := a.OnTime(); current {
						add(RectClosedOnTime, "rectifications_closed_on_time", calendar(at), 1)
					}
				}
			}
			l.countSteps(t.steps, p, out, cutoff, lastDay)
		}
	}
	for _, d := range l.inspects {
		if inYear(d.at) && inArea(d.area) {
			switch d.kind {
			case inspection.Special.String():
				out[InspectionsSpecial]++
			case inspection.Random.String():
				out[InspectionsRandom]++
			}
		}
	}
	for _, d := range l.complete {
		if inYear(d.at) && inArea(d.area) {
			out[Findings] += d.n
		}
	}
	// Groups and areas are the district's, in an area's summary too: they
	// have no unit.
	for _, at := range l.formed {
		if at.Before(cutoff) {
			out[Groups]++
		}
	}
	for _, at := range l.dissolve {
		if at.Before(start) {
			out[Groups]--
		}
	}
	for _, at := range l.areas {
		if at.Before(cutoff) {
			out[AreasRegistered]++
		}
	}
	for pr, events := range l.contacts {
		var last *dated
		for i := range events {
			if events[i].at.Before(cutoff) {
				last = &events[i]
			}
		}
		if last == nil || last.n != 1 || !inArea(last.area) {
			continue
		}
		if at, ok := l.left[pr.member]; ok && at.Before(cutoff) {
			continue
		}
		out[ContactPoints]++
	}
	for _, d := range l.regs {
		if !d.at.Before(cutoff) || !inArea(d.area) {
			continue
		}
		switch d.kind {
		case org.KindVillage.String():
			out[Villages]++
		case org.KindBigCommunity.String():
			out[BigCommunities]++
		}
	}
	for _, r := range l.rankings {
		if r.month.Year == p.Year && inArea(r.area) {
			out[RankingsPublished]++
			if r.computed {
				out[RankingsComputed]++
			}
		}
	}
	return out
}

// countSteps counts one rectification's acceptances and reopenings dated
// in the year and whether it is red at the cutoff, for a unit that lies
// in the area at the cutoff.
func (l *Ledger) countSteps(steps []step, p Params, out map[string]int64, cutoff time.Time, lastDay domain.Date) {
	start, end := Bounds(p.Year, l.loc())
	var last *step
	for i := range steps {
		s := &steps[i]
		if s.at.Before(cutoff) {
			last = s
		}
		if s.at.Before(start) || !s.at.Before(end) || (p.Area != "" && l.areaAtCutoff(s.unit, cutoff) != p.Area) {
			continue
		}
		switch s.kind {
		case "accepted":
			out[Acceptances]++
			if s.onTime {
				out[AcceptancesOnTime]++
			}
		case "reopened":
			out[Reopenings]++
		}
	}
	if last != nil && last.live && !last.deadline.After(lastDay) && (p.Area == "" || l.areaAtCutoff(last.unit, cutoff) == p.Area) {
		out[RedItems]++
	}
}
