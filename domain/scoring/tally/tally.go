// Package tally counts the inputs of the monthly rankings from recorded
// events, in Go: the computation `ledgerctl reconcile` holds ClickHouse's
// to, and the one the write path makes again when the office accepts a
// computed ranking. It is pure: the caller reads the log and feeds it
// every event in global order.
//
// Which events count, at which time and in which month is defined in
// docs/domain.md ("Monthly ranking computed from the ledger"); the read
// models (projections.RankingInputs) count the same in SQL. In short, a
// fact counts in the calendar month (in the deployment's zone) its
// business time falls in; a correction, revocation or retraction of a
// fact applies whenever it was recorded (the state at the checkpoint),
// while a later fact of its own (a reopening after an acceptance) counts
// in its own month; red items, satisfaction and a unit's area are taken
// as they stood at the month's end: 00:00 of the next month's first day.
package tally

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/scoring"
)

// Event is one recorded event as the tally reads it: its stream, its
// business time (the envelope's occurred_at) and its decoded payload.
type Event struct {
	Stream     string
	OccurredAt time.Time
	Data       domain.Event
}

// Tally folds events into what the rankings count. The zero value counts
// in Asia/Shanghai.
type Tally struct {
	Loc *time.Location

	book      scoring.RuleBook
	places    map[string][]place // unit → its areas over time, oldest first
	rects     map[string]*rect
	pledges   map[string]*pledge.Pledge
	surveys   map[string]*survey
	vanguards map[string]*vanguard
	first     domain.Month // the earliest and latest month of a counted fact
	last      domain.Month
}

// place is a unit's area from a business time on.
type place struct {
	at   time.Time
	area string
}

type rect struct {
	agg   rectification.Rectification
	steps []step
}

type step struct {
	at    time.Time
	month domain.Month
	Step
}

type survey struct {
	agg   evaluation.Survey
	first time.Time
}

type vanguard struct {
	agg   evaluation.Vanguard
	first time.Time
}

func (t *Tally) loc() *time.Location {
	if t.Loc == nil {
		return domain.DefaultLocation()
	}
	return t.Loc
}

// MonthOf is the calendar month of at in loc.
func MonthOf(at time.Time, loc *time.Location) domain.Month {
	d := domain.DateIn(at, loc)
	return domain.Month{Year: d.Year, Month: d.Month}
}

// End is the instant month m ends in loc (00:00 of the next month's first
// day) and its last day.
func End(m domain.Month, loc *time.Location) (time.Time, domain.Date) {
	end := time.Date(m.Year, m.Month+1, 1, 0, 0, 0, 0, loc)
	return end, domain.DateOf(time.Date(m.Year, m.Month+1, 0, 0, 0, 0, 0, time.UTC))
}

// Step is what one event of a rectification means to the rankings, read
// from the item's state just after it. The read models store one row per
// event from it (projections' rectification_steps), and the tally keeps
// the same.
type Step struct {
	Kind     string      // the event type after "rectification.": ordered, accepted, reopened, ...
	Unit     string      // the responsible unit
	Source   string      // the kind of source that ordered it: review, inspection, ...
	Live     bool        // open, in progress or submitted after the event
	Deadline domain.Date // the deadline in force after it
	// OnTimeOriginal: for an acceptance, closed on or before the item's
	// original deadline.
	OnTimeOriginal bool
}

// StepOf is the step of an event of type eventType, given the item's
// state r after it.
func StepOf(r *rectification.Rectification, eventType string) Step {
	s := Step{Kind: strings.TrimPrefix(eventType, rectification.Entity+"."), Unit: r.Unit(), Source: r.Source().Kind.String(),
		Live: r.State().Live(), Deadline: r.Deadline()}
	if cs := r.Closings(); s.Kind == "accepted" && len(cs) > 0 {
		s.OnTimeOriginal = cs[len(cs)-1].OnTimeOriginal()
	}
	return s
}

// Apply folds one event; events must come in global order. Events the
// rankings do not count are ignored.
func (t *Tally) Apply(e Event) {
	prefix, id, _ := strings.Cut(e.Stream, "-")
	switch {
	case e.Stream == scoring.RulesStream:
		t.book.Apply(e.Data)
	case prefix == "unit":
		switch x := e.Data.(type) {
		case org.UnitRegistered:
			t.place(x.UnitID, e.OccurredAt, x.AreaID)
		case org.UnitMoved:
			t.place(x.UnitID, e.OccurredAt, x.AreaID)
		}
	case prefix == rectification.Entity:
		if t.rects == nil {
			t.rects = map[string]*rect{}
		}
		r := t.rects[id]
		if r == nil {
			r = &rect{}
			t.rects[id] = r
		}
		r.agg.Apply(e.Data)
		if !r.agg.Exists() {
			return
		}
		r.steps = append(r.steps, step{at: e.OccurredAt, month: t.seen(e.OccurredAt), Step: StepOf(&r.agg, e.Data.EventType())})
	case prefix == pledge.Entity:
		if t.pledges == nil {
			t.pledges = map[string]*pledge.Pledge{}
		}
		p := t.pledges[id]
		if p == nil {
			p = &pledge.Pledge{}
			t.pledges[id] = p
		}
		p.Apply(e.Data)
		for _, at := range []time.Time{p.FulfilledAt(), p.LapsedAt()} {
			if !at.IsZero() {
				t.seen(at)
			}
		}
	case prefix == evaluation.EntitySurvey:
		if t.surveys == nil {
			t.surveys = map[string]*survey{}
		}
		s := t.surveys[id]
		if s == nil {
			s = &survey{first: e.OccurredAt}
			t.surveys[id] = s
			t.seen(e.OccurredAt)
		}
		s.agg.Apply(e.Data)
	case prefix == evaluation.EntityVanguard:
		if t.vanguards == nil {
			t.vanguards = map[string]*vanguard{}
		}
		v := t.vanguards[id]
		if v == nil {
			v = &vanguard{first: e.OccurredAt}
			t.vanguards[id] = v
			t.seen(e.OccurredAt)
		}
		v.agg.Apply(e.Data)
	}
}

func (t *Tally) place(unit string, at time.Time, area string) {
	if t.places == nil {
		t.places = map[string][]place{}
	}
	t.places[unit] = append(t.places[unit], place{at: at, area: area})
	t.seen(at)
}

// seen widens the months counted facts span, and returns at's month.
func (t *Tally) seen(at time.Time) domain.Month {
	m := MonthOf(at, t.loc())
	if t.first.IsZero() || before(m, t.first) {
		t.first = m
	}
	if t.last.IsZero() || before(t.last, m) {
		t.last = m
	}
	return m
}

func before(a, b domain.Month) bool { return a.Year < b.Year || a.Year == b.Year && a.Month < b.Month }

// Months is the first and the last month a counted fact falls in
// (registrations and moves of units, rectification events, fulfilments
// and lapses, surveys and vanguard selections), and false before any.
func (t *Tally) Months() (first, last domain.Month, ok bool) {
	return t.first, t.last, !t.first.IsZero()
}

// Rules is the rule book as the events so far published it.
func (t *Tally) Rules() *scoring.RuleBook { return &t.book }

// Areas is the area of every unit at the end of month m: its latest
// registration or move dated before then. Units not registered by then,
// and the district (no area), are left out.
func (t *Tally) Areas(m domain.Month) map[string]string {
	end, _ := End(m, t.loc())
	out := map[string]string{}
	for unit, ps := range t.places {
		area := ""
		for _, p := range ps {
			if p.at.Before(end) {
				area = p.area
			}
		}
		if area != "" {
			out[unit] = area
		}
	}
	return out
}

// Month counts the inputs of month m of every unit that has an area at
// the month's end, by area, each area's units ordered by id.
func (t *Tally) Month(m domain.Month) map[string][]scoring.Inputs {
	loc := t.loc()
	end, lastDay := End(m, loc)
	areas := t.Areas(m)
	in := make(map[string]*scoring.Inputs, len(areas))
	for unit := range areas {
		in[unit] = &scoring.Inputs{Unit: unit}
	}
	of := func(unit string) *scoring.Inputs { return in[unit] } // nil for a unit not ranked
	for _, p := range t.pledges {
		u := of(p.Unit())
		if u == nil {
			continue
		}
		if at := p.FulfilledAt(); !at.IsZero() && MonthOf(at, loc) == m {
			u.PledgesFulfilled++
		}
		if at := p.LapsedAt(); !at.IsZero() && MonthOf(at, loc) == m {
			u.PledgesLapsed++
		}
	}
	for _, r := range t.rects {
		var last *step
		for i := range r.steps {
			s := &r.steps[i]
			if !s.at.Before(end) {
				break
			}
			last = s
			if s.month != m {
				continue
			}
			u := of(s.Unit)
			if u == nil {
				continue
			}
			switch s.Kind {
			case "accepted":
				u.Closed++
				if s.OnTimeOriginal {
					u.ClosedOnTime++
				}
				if s.Source == rectification.SourceReview.String() {
					u.ReviewItemsClosed++
				}
			case "reopened":
				u.Reopenings++
			}
		}
		if last != nil && last.Live && !last.Deadline.After(lastDay) {
			if u := of(last.Unit); u != nil {
				u.RedItems++
			}
		}
	}
	// The latest survey of each unit recorded by the month's end: by
	// business time to the second (as the read models store it), then by
	// survey id.
	latest := map[string]*survey{}
	for _, s := range t.surveys {
		if !s.agg.Exists() || !s.first.Before(end) || of(s.agg.UnitID) == nil {
			continue
		}
		if l := latest[s.agg.UnitID]; l == nil || cmp.Or(s.first.Truncate(time.Second).Compare(l.first.Truncate(time.Second)), strings.Compare(s.agg.ID, l.agg.ID)) > 0 {
			latest[s.agg.UnitID] = s
		}
	}
	for unit, s := range latest {
		u := of(unit)
		c := s.agg.Counts
		u.Satisfied = int64(c.VerySatisfied + c.Satisfied + c.BasicallySatisfied)
		u.Respondents = int64(c.Total())
	}
	for _, v := range t.vanguards {
		if !v.agg.Exists() || v.agg.Revoked || MonthOf(v.first, loc) != m {
			continue
		}
		if u := of(v.agg.UnitID); u != nil {
			u.Vanguards++
		}
	}
	out := map[string][]scoring.Inputs{}
	for unit, area := range areas {
		out[area] = append(out[area], *in[unit])
	}
	for _, units := range out {
		slices.SortFunc(units, func(a, b scoring.Inputs) int { return strings.Compare(a.Unit, b.Unit) })
	}
	return out
}

// Inputs counts the inputs of month m of the units of area at the
// month's end, ordered by unit id.
func (t *Tally) Inputs(area string, m domain.Month) []scoring.Inputs {
	return t.Month(m)[area]
}

// Ranking is the computed ranking of area for month m: the rule in force
// for m applied to the area's inputs. Without a rule in force, the
// computation's rule has version 0 and nothing is ranked.
func (t *Tally) Ranking(area string, m domain.Month) evaluation.Computation {
	rule, ok := t.book.InForce(m)
	if !ok {
		return evaluation.Computation{}
	}
	return evaluation.Computation{Rule: rule, Ranked: scoring.Score(rule, t.Inputs(area, m))}
}
