package projections

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/eventlog"
)

// Trend metrics, the values of facts.metric. Every figure is sum(value).
const (
	MetricThemesSet                  = "themes_set"
	MetricPledgesMade                = "pledges_made" // submitted and not withdrawn
	MetricPledgesFiled               = "pledges_filed"
	MetricPledgesFulfilled           = "pledges_fulfilled"
	MetricPledgesLapsed              = "pledges_lapsed"
	MetricReviews                    = "reviews" // not retracted
	MetricShortcomings               = "shortcomings"
	MetricMeasures                   = "measures"
	MetricRectificationsOpened       = "rectifications_opened"
	MetricRectificationsClosed       = "rectifications_closed" // accepted now (a reopening takes it back)
	MetricRectificationsClosedOnTime = "rectifications_closed_on_time"
	MetricRectificationsCancelled    = "rectifications_cancelled"
	MetricSatisfactionSatisfied      = "satisfaction_satisfied" // very, plain and basically satisfied
	MetricSatisfactionRespondents    = "satisfaction_respondents"
	MetricVanguardsIndividual        = "vanguards_individual" // not revoked
	MetricVanguardsCollective        = "vanguards_collective"
)

// Metrics lists every trend metric.
var Metrics = []string{
	MetricThemesSet, MetricPledgesMade, MetricPledgesFiled, MetricPledgesFulfilled, MetricPledgesLapsed,
	MetricReviews, MetricShortcomings, MetricMeasures,
	MetricRectificationsOpened, MetricRectificationsClosed, MetricRectificationsClosedOnTime, MetricRectificationsCancelled,
	MetricSatisfactionSatisfied, MetricSatisfactionRespondents, MetricVanguardsIndividual, MetricVanguardsCollective,
}

const trendsTable = "facts"

// Trends is the trend-analytics model: one append-only table, facts, in
// which every event adds the change it makes to each metric. A fact is
// dated at the thing it counts (a review's shortcomings at the review,
// even when a later correction changes their number), so a correction
// or retraction adds a negative or positive delta to the original
// period and sum(value) by period stays right. Rows are written once per
// event: the projector skips rows at or below the table's high-water mark
// after a restart, so a redelivered page can never count twice.
//
// month is the calendar month of the fact in the deployment's zone;
// quarter is the campaign quarter the fact counts toward — the pledge's,
// review's, theme's or vanguard's own quarter (a pledge of 2025Q2 that
// lapses in July counts in 2025Q2, so a quarter's fulfilment rate is
// about that quarter's pledges), the calendar quarter otherwise. So the
// three months of a quarter need not add up to the quarter. area and
// unit_kind are the unit's when the counted entity was created.
type Trends struct {
	Loc *time.Location // deployment zone; Asia/Shanghai if nil

	units    UnitIndex
	entities map[string]*tracked[domain.Aggregate]
	expect   *Trends // the separate state Expect folds into

	before, after []factDelta // fold's scratch space, reused
}

func (*Trends) Name() string { return "trends" }

var factsColumns = []string{"position", "occurred_at", "month", "quarter", "area", "unit_kind", "unit", "metric", "value"}

func (*Trends) Tables() []Table {
	return []Table{{
		Name: trendsTable, Columns: factsColumns, AppendOnly: true,
		Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
			position UInt64, occurred_at DateTime, month String, quarter String,
			area String, unit_kind String, unit String, metric String, value Int64
		) ENGINE = MergeTree ORDER BY (metric, month, area, position)`,
	}}
}

// trendFamily says how the entities of one stream prefix count: a new
// aggregate, and the facts its current state contributes.
type trendFamily struct {
	newAgg func() domain.Aggregate
	facts  func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact)
}

type addFact func(metric string, at time.Time, quarter string, n int64)

var trendFamilies = map[string]trendFamily{
	"theme": {
		newAgg: func() domain.Aggregate { return &org.Theme{} },
		facts: func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact) {
			th := a.(*org.Theme)
			if th.Exists() {
				add(MetricThemesSet, t.first, th.Quarter.String(), 1)
			}
		},
	},
	"pledge": {
		newAgg: func() domain.Aggregate { return &pledge.Pledge{} },
		facts: func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact) {
			p := a.(*pledge.Pledge)
			if !p.Exists() {
				return
			}
			q := p.Quarter().String()
			if p.State() != pledge.StateWithdrawn {
				add(MetricPledgesMade, p.SubmittedAt(), q, 1)
			}
			for _, f := range [...]struct {
				metric string
				at     time.Time
			}{
				{MetricPledgesFiled, p.FiledAt()}, {MetricPledgesFulfilled, p.FulfilledAt()}, {MetricPledgesLapsed, p.LapsedAt()},
			} {
				if !f.at.IsZero() {
					add(f.metric, f.at, q, 1)
				}
			}
		},
	},
	"review": {
		newAgg: func() domain.Aggregate { return &review.Review{} },
		facts: func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact) {
			r := a.(*review.Review)
			if !r.Exists() || r.Retracted {
				return
			}
			q := r.Quarter.String()
			add(MetricReviews, t.first, q, 1)
			add(MetricShortcomings, t.first, q, int64(r.ShortcomingCount()))
			add(MetricMeasures, t.first, q, int64(r.MeasureCount()))
		},
	},
	"rectification": {
		newAgg: func() domain.Aggregate { return &rectification.Rectification{} },
		facts: func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact) {
			r := a.(*rectification.Rectification)
			if !r.Exists() {
				return
			}
			add(MetricRectificationsOpened, r.OrderedAt(), "", 1)
			if at, ok := r.ClosedAt(); ok {
				add(MetricRectificationsClosed, at, "", 1)
				// On time against the deadline in force: a granted
				// extension moved the deadline with the superior's consent.
				if _, current, _ := r.OnTime(); current {
					add(MetricRectificationsClosedOnTime, at, "", 1)
				}
			}
			if at := r.CancelledAt(); !at.IsZero() {
				add(MetricRectificationsCancelled, at, "", 1)
			}
		},
	},
	"survey": {
		newAgg: func() domain.Aggregate { return &evaluation.Survey{} },
		facts: func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact) {
			s := a.(*evaluation.Survey)
			if !s.Exists() {
				return
			}
			q := ""
			if pq, ok := s.Period.Quarter(); ok {
				q = pq.String()
			} else if pm, ok := s.Period.Month(); ok {
				q = pm.Quarter().String()
			}
			c := s.Counts
			add(MetricSatisfactionSatisfied, t.first, q, int64(c.VerySatisfied+c.Satisfied+c.BasicallySatisfied))
			add(MetricSatisfactionRespondents, t.first, q, int64(c.Total()))
		},
	},
	"vanguard": {
		newAgg: func() domain.Aggregate { return &evaluation.Vanguard{} },
		facts: func(a domain.Aggregate, t *tracked[domain.Aggregate], loc *time.Location, add addFact) {
			v := a.(*evaluation.Vanguard)
			if !v.Exists() || v.Revoked {
				return
			}
			metric := MetricVanguardsCollective
			if v.Kind == evaluation.Individual {
				metric = MetricVanguardsIndividual
			}
			add(metric, t.first, v.Quarter.String(), 1)
		},
	},
}

type factKey struct {
	metric  string
	at      time.Time
	quarter string
}

// contributions is what an entity's state adds to each metric: one entry
// per distinct key (an entity has a handful, so a slice beats a map),
// appended to out[:0].
func contributions(out []factDelta, f trendFamily, t *tracked[domain.Aggregate], loc *time.Location) []factDelta {
	out = out[:0]
	f.facts(t.agg, t, loc, func(metric string, at time.Time, quarter string, n int64) {
		if quarter == "" {
			quarter = domain.QuarterOf(at.In(loc)).String()
		}
		k := factKey{metric, at.UTC(), quarter}
		for i := range out {
			if out[i].key == k {
				out[i].n += n
				return
			}
		}
		out = append(out, factDelta{k, n})
	})
	return out
}

// find is the sum for key k in contributions cs, and whether it is there.
func find(cs []factDelta, k factKey) (int64, bool) {
	for _, c := range cs {
		if c.key == k {
			return c.n, true
		}
	}
	return 0, false
}

func (m *Trends) loc() *time.Location { return zone(m.Loc) }

// Apply adds, for an event of a counted entity, the difference between
// what the entity contributes after the event and before it.
func (m *Trends) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	deltas, t, err := m.fold(ctx, e, h)
	if err != nil || t == nil {
		return err
	}
	for _, d := range deltas {
		out.Add(trendsTable, e.Seq(), d.key.at, monthIn(d.key.at, m.loc()), d.key.quarter,
			t.d.area, t.d.kind, t.d.unit, d.key.metric, d.n)
	}
	return nil
}

type factDelta struct {
	key factKey
	n   int64
}

// fold applies e to the model's state and returns the changes to the
// facts, in a fixed order.
func (m *Trends) fold(ctx context.Context, e Event, h History) ([]factDelta, *tracked[domain.Aggregate], error) {
	if m.entities == nil {
		m.entities = map[string]*tracked[domain.Aggregate]{}
	}
	if err := m.units.Follow(ctx, e, h); err != nil {
		return nil, nil, err
	}
	prefix, _, _ := strings.Cut(e.Stream, "-")
	f, ok := trendFamilies[prefix]
	if !ok {
		return nil, nil, nil
	}
	t, err := follow(ctx, m.entities, &m.units, h, e, f.newAgg)
	if err != nil {
		return nil, nil, err
	}
	m.before = contributions(m.before, f, t, m.loc())
	t.agg.Apply(e.Data)
	m.after = contributions(m.after, f, t, m.loc())
	var deltas []factDelta
	for _, a := range m.after {
		b, _ := find(m.before, a.key)
		if d := a.n - b; d != 0 {
			deltas = append(deltas, factDelta{a.key, d})
		}
	}
	for _, b := range m.before {
		if _, ok := find(m.after, b.key); !ok && b.n != 0 {
			deltas = append(deltas, factDelta{b.key, -b.n})
		}
	}
	slices.SortFunc(deltas, func(a, b factDelta) int {
		return cmp.Or(cmp.Compare(a.key.metric, b.key.metric), a.key.at.Compare(b.key.at), cmp.Compare(a.key.quarter, b.key.quarter))
	})
	return deltas, t, nil
}

// Expect folds e into the trend sums the facts table must show, by metric
// and by metric and quarter, with state of its own (from the first event,
// so it never needs history).
func (m *Trends) Expect(e Event, figures map[string]int64) {
	if m.expect == nil {
		m.expect = &Trends{Loc: m.Loc}
	}
	deltas, _, err := m.expect.fold(context.Background(), e, nil)
	if err != nil {
		return // without history nothing can fail
	}
	for _, d := range deltas {
		addFigure(figures, fmt.Sprintf("facts.sum{metric=%s}", d.key.metric), d.n)
		addFigure(figures, fmt.Sprintf("facts.sum{metric=%s,quarter=%s}", d.key.metric, d.key.quarter), d.n)
	}
}

// Actual reads the trend sums from ClickHouse.
func (m *Trends) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	err := queryEach(ctx, q, "SELECT metric, quarter, sum(value) FROM "+db+"."+trendsTable+" GROUP BY metric, quarter",
		func(scan func(...any) error) error {
			var metric, quarter string
			var n int64
			if err := scan(&metric, &quarter, &n); err != nil {
				return err
			}
			got[fmt.Sprintf("facts.sum{metric=%s}", metric)] += n
			got[fmt.Sprintf("facts.sum{metric=%s,quarter=%s}", metric, quarter)] += n
			return nil
		})
	return dropZeros(got), err
}

// monthIn is the calendar month of t in loc, as "2026-03".
func monthIn(t time.Time, loc *time.Location) string {
	d := domain.DateIn(t, loc)
	if d.Year < 1000 || d.Year > 9999 || d.Month < 1 || d.Month > 12 {
		return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
	}
	var b [7]byte
	y, mo := d.Year, int(d.Month)
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[5], b[6] = '-', byte('0'+mo/10), byte('0'+mo%10)
	return string(b[:])
}

// Grain is the period trends are grouped by. The zero value is invalid.
type Grain uint8

const (
	_ Grain = iota
	GrainMonth
	GrainQuarter
)

// ParseGrain reads "month" or "quarter".
func ParseGrain(s string) (Grain, error) {
	switch s {
	case "month":
		return GrainMonth, nil
	case "quarter":
		return GrainQuarter, nil
	}
	return 0, fmt.Errorf("grain %q: want month or quarter", s)
}

// TrendFilter selects trend figures. From and To are inclusive periods of
// the grain ("2025-03", "2025Q1"), empty for open ends; Area, UnitKind and
// Metrics narrow the figures when set. Overall sums across areas and unit
// kinds (rows then have Area and UnitKind empty).
//
// Units, when set, counts the facts of those units only (a reader's
// scope). MinUnits, when above 1, leaves out every cell (period, area
// and unit kind; the period alone with Overall) whose figures come from
// fewer units, so that no answer describes a single unit; a unit counts
// towards a cell when one of its selected figures there is not zero.
type TrendFilter struct {
	Grain    Grain
	From, To string
	Area     string
	UnitKind string
	Metrics  []string
	Overall  bool
	Units    []string
	MinUnits int
}

// TrendRow is one metric's figure for one period, area and unit kind.
type TrendRow struct {
	Period   string `json:"period"`
	Area     string `json:"area"`
	UnitKind string `json:"unit_kind"`
	Metric   string `json:"metric"`
	Value    int64  `json:"value"`
}

// QueryTrends returns the trend figures, ordered by period, area, unit
// kind and metric. Rates are ratios of two rows: fulfilment rate is
// pledges_fulfilled / (pledges_fulfilled + pledges_lapsed), on-time rate
// rectifications_closed_on_time / rectifications_closed, satisfaction
// satisfaction_satisfied / satisfaction_respondents.
func QueryTrends(ctx context.Context, q Querier, db string, f TrendFilter) ([]TrendRow, error) {
	rows, _, err := QueryTrendsSuppressed(ctx, q, db, f)
	return rows, err
}

// QueryTrendsSuppressed is QueryTrends that also tells how many cells
// f.MinUnits left out.
func QueryTrendsSuppressed(ctx context.Context, q Querier, db string, f TrendFilter) ([]TrendRow, int, error) {
	var period string
	switch f.Grain {
	case GrainMonth:
		period = "month"
	case GrainQuarter:
		period = "quarter"
	default:
		return nil, 0, fmt.Errorf("projections: trends: grain must be month or quarter")
	}
	var w sqlFilter
	if f.From != "" {
		w.add(period+" >= ?", f.From)
	}
	if f.To != "" {
		w.add(period+" <= ?", f.To)
	}
	w.eq("area", f.Area)
	w.eq("unit_kind", f.UnitKind)
	if len(f.Metrics) > 0 {
		w.add("has(?, metric)", f.Metrics)
	}
	if len(f.Units) > 0 {
		w.add("has(?, unit)", f.Units)
	}
	dims := "area, unit_kind"
	if f.Overall {
		dims = "'' AS area, '' AS unit_kind"
	}
	query := "SELECT " + period + " AS period, " + dims + ", metric, sum(value) AS value FROM " + db + "." + trendsTable
	query += w.where() + " GROUP BY period, area, unit_kind, metric ORDER BY period, area, unit_kind, metric"
	var out []TrendRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r TrendRow
		if err := scan(&r.Period, &r.Area, &r.UnitKind, &r.Metric, &r.Value); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, w.args...)
	if err != nil || f.MinUnits <= 1 || len(out) == 0 {
		return out, 0, err
	}
	units, err := trendCellUnits(ctx, q, db, period, w, f.Overall)
	if err != nil {
		return nil, 0, err
	}
	kept, suppressed := out[:0], map[trendCell]bool{}
	for _, r := range out {
		c := trendCell{r.Period, r.Area, r.UnitKind}
		if units[c] < f.MinUnits {
			suppressed[c] = true
			continue
		}
		kept = append(kept, r)
	}
	return kept, len(suppressed), nil
}

// trendCell is what one trend figure describes: a period, an area and a
// unit kind (both empty for the overall figures).
type trendCell struct{ period, area, kind string }

// trendCellUnits counts, per cell, the units with a figure other than
// zero among the facts w selects.
func trendCellUnits(ctx context.Context, q Querier, db, period string, w sqlFilter, overall bool) (map[trendCell]int, error) {
	inner := "SELECT " + period + " AS period, area, unit_kind, unit, metric, sum(value) AS total FROM " + db + "." + trendsTable +
		w.where() + " GROUP BY period, area, unit_kind, unit, metric HAVING total != 0"
	query := "SELECT period, area, unit_kind, uniqExact(unit) FROM (" + inner + ") GROUP BY period, area, unit_kind"
	if overall {
		query = "SELECT period, '', '', uniqExact(unit) FROM (" + inner + ") GROUP BY period"
	}
	out := map[trendCell]int{}
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var c trendCell
		var n uint64
		if err := scan(&c.period, &c.area, &c.kind, &n); err != nil {
			return err
		}
		out[c] = int(n)
		return nil
	}, w.args...)
	return out, err
}

// Totals are the campaign figures the seed's summary leaves blank:
// 共确定活动主题___个，承诺事项___件，点评___次，查找缺点和不足___条，
// 提出改进措施___条，评选先锋___人. They agree with demo.Figures.
type Totals struct {
	Themes       int64 `json:"themes"`       // themes set
	Pledges      int64 `json:"pledges"`      // pledges made and not withdrawn
	Reviews      int64 `json:"reviews"`      // review remarks not retracted
	Shortcomings int64 `json:"shortcomings"` // in the content in force of those remarks
	Measures     int64 `json:"measures"`
	Vanguards    int64 `json:"vanguards"` // individual vanguards not revoked
}

// CampaignTotals returns the campaign figures of one campaign quarter
// ("2025Q2"), or of the whole campaign when quarter is empty.
func CampaignTotals(ctx context.Context, q Querier, db, quarter string) (Totals, error) {
	var w sqlFilter
	w.eq("quarter", quarter)
	query := "SELECT metric, sum(value) FROM " + db + "." + trendsTable + w.where() + " GROUP BY metric"
	var t Totals
	fields := map[string]*int64{
		MetricThemesSet: &t.Themes, MetricPledgesMade: &t.Pledges, MetricReviews: &t.Reviews,
		MetricShortcomings: &t.Shortcomings, MetricMeasures: &t.Measures, MetricVanguardsIndividual: &t.Vanguards,
	}
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var metric string
		var n int64
		if err := scan(&metric, &n); err != nil {
			return err
		}
		if p, ok := fields[metric]; ok {
			*p = n
		}
		return nil
	}, w.args...)
	return t, err
}

// dims is where an entity's figures are counted: its unit, and the unit's
// area and kind when the entity was created. Fixing them at creation
// keeps an entity's later deltas (a correction, a reopening) in the same
// place as the figures they correct, even if the unit has moved since.
type dims struct{ unit, area, kind string }

// tracked is one entity a model follows: its aggregate, where it counts,
// when its first event occurred, and that event's position.
type tracked[A domain.Aggregate] struct {
	agg   A
	d     dims
	first time.Time
	pos   eventlog.Position
}

// follow returns the state of e's stream before e. An entity not seen
// since the projector started, whose stream began earlier, is rebuilt
// from the stream's history first.
func follow[A domain.Aggregate](ctx context.Context, m map[string]*tracked[A], units *UnitIndex, h History, e Event, newAgg func() A) (*tracked[A], error) {
	if t, ok := m[e.Stream]; ok {
		return t, nil
	}
	evs, err := earlier(ctx, h, e.Stream, e)
	if err != nil {
		return nil, err
	}
	first := e
	if len(evs) > 0 {
		first = evs[0]
	}
	unit := first.Unit
	if s, ok := first.Data.(domain.Scoped); ok && s.ScopeUnit() != "" {
		unit = s.ScopeUnit()
	}
	u, known, err := units.At(ctx, h, unit, first.Position, e.Position)
	if err != nil {
		return nil, err
	}
	d := dims{unit: unit}
	if known {
		d.area, d.kind = u.Area, u.Kind.String()
	}
	t := &tracked[A]{agg: newAgg(), d: d, first: first.OccurredAt.UTC(), pos: first.Position}
	for _, x := range evs {
		t.agg.Apply(x.Data)
	}
	m[e.Stream] = t
	return t, nil
}

// foldStream applies e to the state of its stream (see follow), making
// the map on first use.
func foldStream[A domain.Aggregate](ctx context.Context, m *map[string]*tracked[A], units *UnitIndex, h History, e Event, newAgg func() A) (*tracked[A], error) {
	if *m == nil {
		*m = map[string]*tracked[A]{}
	}
	t, err := follow(ctx, *m, units, h, e, newAgg)
	if err != nil {
		return nil, err
	}
	t.agg.Apply(e.Data)
	return t, nil
}

// foldEntity is the fold of a model of one kind of entity: it keeps the
// unit index up to date, applies an event of the kind's streams
// (prefix-id) to its entity, and returns the entity if it exists; nil for
// other events.
func foldEntity[A interface {
	domain.Aggregate
	Exists() bool
}](ctx context.Context, m *map[string]*tracked[A], units *UnitIndex, h History, e Event, prefix string, newAgg func() A) (*tracked[A], error) {
	if err := units.Follow(ctx, e, h); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(e.Stream, prefix+"-") {
		return nil, nil
	}
	t, err := foldStream(ctx, m, units, h, e, newAgg)
	if err != nil || !t.agg.Exists() {
		return nil, err
	}
	return t, nil
}
