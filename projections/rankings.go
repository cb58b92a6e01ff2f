package projections

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/domain/scoring/tally"
	"github.com/cxzy/ledger/eventlog"
)

// RankingInputs is the read model of the monthly rankings computed from
// the ledger: what the inputs' SQL (QueryRankingInputs) needs beside the
// facts and surveys tables, and the published scoring rules.
//
//   - unit_areas (append-only): one row per registration or move of a
//     unit, with the unit's area after it and the event's business time,
//     so a unit's area at any month's end is the latest row before it.
//   - rectification_steps (append-only): one row per event of a
//     rectification (tally.StepOf): its kind, and the item's state just
//     after it (live, the deadline in force, whether an acceptance was on
//     time against the original deadline), with the business time and
//     its month, so red items at a month's end and the acceptances and
//     reopenings of a month are counted without replaying the items.
//   - ranking_rules (append-only): every version of the scoring rule, its
//     metrics as JSON.
//
// The model's reconciler counts the same inputs from the log with
// package tally and compares them unit by unit and month by month.
type RankingInputs struct {
	Loc *time.Location

	units  UnitIndex
	rects  map[string]*tracked[*rectification.Rectification]
	expect *tally.Tally
}

const (
	unitAreasTable    = "unit_areas"
	rectStepsTable    = "rectification_steps"
	rankingRulesTable = "ranking_rules"
)

func (*RankingInputs) Name() string { return "ranking_inputs" }

func (*RankingInputs) Tables() []Table {
	return []Table{
		{Name: unitAreasTable, AppendOnly: true, Columns: []string{"position", "unit", "occurred_at", "area"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				position UInt64, unit String, occurred_at DateTime, area String
			) ENGINE = MergeTree ORDER BY (unit, position)`},
		{Name: rectStepsTable, AppendOnly: true,
			Columns: []string{"position", "id", "unit", "source_kind", "occurred_at", "month", "step", "live", "deadline", "on_time_original"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				position UInt64, id String, unit String, source_kind String, occurred_at DateTime, month String,
				step String, live UInt8, deadline Date, on_time_original UInt8
			) ENGINE = MergeTree ORDER BY (unit, id, position)`},
		{Name: rankingRulesTable, AppendOnly: true, Columns: []string{"position", "version", "effective_from", "name", "metrics", "occurred_at"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				position UInt64, version UInt32, effective_from String, name String, metrics String, occurred_at DateTime
			) ENGINE = MergeTree ORDER BY (version, position)`},
	}
}

func (m *RankingInputs) loc() *time.Location { return zone(m.Loc) }

func (m *RankingInputs) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	switch x := e.Data.(type) {
	case org.UnitRegistered:
		out.Add(unitAreasTable, e.Seq(), x.UnitID, evTime(e.OccurredAt), x.AreaID)
	case org.UnitMoved:
		out.Add(unitAreasTable, e.Seq(), x.UnitID, evTime(e.OccurredAt), x.AreaID)
	case scoring.RulePublished:
		if e.Stream != scoring.RulesStream {
			return nil
		}
		metrics, err := json.Marshal(x.Metrics)
		if err != nil {
			return err
		}
		out.Add(rankingRulesTable, e.Seq(), uint32(x.Version), x.EffectiveFrom.String(), x.Name, string(metrics), evTime(e.OccurredAt))
	}
	t, err := foldEntity(ctx, &m.rects, &m.units, h, e, rectification.Entity, func() *rectification.Rectification { return &rectification.Rectification{} })
	if err != nil || t == nil {
		return err
	}
	s := tally.StepOf(t.agg, e.Type)
	out.Add(rectStepsTable, e.Seq(), t.agg.ID(), s.Unit, s.Source, evTime(e.OccurredAt), tally.MonthOf(e.OccurredAt, m.loc()).String(),
		s.Kind, boolUInt8(s.Live), rectDate(s.Deadline), boolUInt8(s.OnTimeOriginal))
	return nil
}

// Expect folds e into the reconciler's own tally; the figures come in
// Finish, once the whole log is folded: a month's inputs depend on the
// state at its end.
func (m *RankingInputs) Expect(e Event, figures map[string]int64) {
	if m.expect == nil {
		m.expect = &tally.Tally{Loc: m.loc()}
	}
	m.expect.Apply(tally.Event{Stream: e.Stream, OccurredAt: e.OccurredAt, Data: e.Data})
}

// Finish adds the figures of every month from the first to the last a
// counted fact falls in: per area and unit, that the unit is ranked
// there and each of its inputs not zero; for the months a rule is in
// force, each unit's computed rank and score (in units of 0.0001); and
// each version of the rule.
func (m *RankingInputs) Finish(figures map[string]int64) {
	if m.expect == nil {
		return
	}
	first, last, ok := m.expect.Months()
	if !ok {
		return
	}
	book := m.expect.Rules()
	for _, r := range book.Rules {
		addFigure(figures, rankingRuleFigure(r), 1)
	}
	for mo := first; !monthAfter(mo, last); mo = nextMonth(mo) {
		addInputFigures(figures, mo, m.expect.Month(mo), book)
	}
}

// Actual reads the same figures from ClickHouse, over the months its own
// tables span.
func (m *RankingInputs) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	book, err := QueryRankingRules(ctx, q, db)
	if err != nil {
		return nil, err
	}
	for _, r := range book.Rules {
		addFigure(got, rankingRuleFigure(r), 1)
	}
	first, last, ok, err := rankingMonths(ctx, q, db, m.loc())
	if err != nil || !ok {
		return got, err
	}
	for mo := first; !monthAfter(mo, last); mo = nextMonth(mo) {
		in, err := QueryRankingInputs(ctx, q, db, m.loc(), mo, "")
		if err != nil {
			return nil, err
		}
		addInputFigures(got, mo, in, book)
	}
	return got, nil
}

var (
	_ Reconciler = (*RankingInputs)(nil)
	_ Finisher   = (*RankingInputs)(nil)
)

func rankingRuleFigure(r scoring.Rule) string {
	metrics, _ := json.Marshal(r.Metrics)
	return fmt.Sprintf("ranking_rules.version{version=%d,effective_from=%s,metrics=%s}", r.Version, r.EffectiveFrom, metrics)
}

// addInputFigures adds one month's inputs (by area) to figures, and the
// computed ranks and scores if a rule of book is in force.
func addInputFigures(figures map[string]int64, mo domain.Month, byArea map[string][]scoring.Inputs, book *scoring.RuleBook) {
	rule, ruled := book.InForce(mo)
	for _, area := range slices.Sorted(maps.Keys(byArea)) {
		units := byArea[area]
		for _, in := range units {
			at := "{area=" + area + ",month=" + mo.String() + ",unit=" + in.Unit + "}"
			addFigure(figures, "ranking_inputs.ranked"+at, 1)
			for _, f := range []struct {
				name string
				v    int64
			}{
				{"pledges_fulfilled", in.PledgesFulfilled}, {"pledges_lapsed", in.PledgesLapsed},
				{"closed", in.Closed}, {"closed_on_time", in.ClosedOnTime}, {"review_items_closed", in.ReviewItemsClosed},
				{"reopenings", in.Reopenings}, {"red_items", in.RedItems},
				{"satisfied", in.Satisfied}, {"respondents", in.Respondents}, {"vanguards", in.Vanguards},
			} {
				addFigure(figures, "ranking_inputs."+f.name+at, f.v)
			}
		}
		if !ruled {
			continue
		}
		for _, r := range scoring.Score(rule, units) {
			at := "{area=" + area + ",month=" + mo.String() + ",unit=" + r.Unit + ",rule=" + strconv.Itoa(rule.Version) + "}"
			addFigure(figures, "ranking_computed.rank"+at, int64(r.Rank))
			addFigure(figures, "ranking_computed.score"+at, int64(math.Round(r.Score*1e4)))
		}
	}
}

func monthAfter(a, b domain.Month) bool {
	return a.Year > b.Year || a.Year == b.Year && a.Month > b.Month
}

func nextMonth(m domain.Month) domain.Month {
	if m.Month == time.December {
		return domain.Month{Year: m.Year + 1, Month: time.January}
	}
	return domain.Month{Year: m.Year, Month: m.Month + 1}
}

// rankingMonths is the first and last month a counted fact falls in, as
// the read models hold them: unit registrations and moves, rectification
// events, fulfilments, lapses and vanguard selections (in facts), and
// surveys.
func rankingMonths(ctx context.Context, q Querier, db string, loc *time.Location) (first, last domain.Month, ok bool, err error) {
	tz := zone(loc).String()
	query := `SELECT min(m), max(m), count() FROM (
		SELECT toUInt32(replaceOne(month, '-', '')) AS m FROM ` + db + `.` + rectStepsTable + `
		UNION ALL SELECT toUInt32(replaceOne(month, '-', '')) AS m FROM ` + db + `.` + trendsTable + `
			WHERE metric IN ('` + MetricPledgesFulfilled + `', '` + MetricPledgesLapsed + `', '` + MetricVanguardsIndividual + `', '` + MetricVanguardsCollective + `')
		UNION ALL SELECT toUInt32(toYYYYMM(occurred_at, '` + tz + `')) AS m FROM ` + db + `.` + unitAreasTable + `
		UNION ALL SELECT toUInt32(toYYYYMM(occurred_at, '` + tz + `')) AS m FROM ` + db + `.` + surveysTable + ` FINAL
	)`
	var lo, hi uint32
	var n uint64
	if err := q.QueryRow(ctx, query).Scan(&lo, &hi, &n); err != nil {
		return first, last, false, fmt.Errorf("projections: ranking months: %w", err)
	}
	if n == 0 {
		return first, last, false, nil
	}
	return domain.Month{Year: int(lo / 100), Month: time.Month(lo % 100)}, domain.Month{Year: int(hi / 100), Month: time.Month(hi % 100)}, true, nil
}

// QueryRankingRules reads every published version of the scoring rule.
func QueryRankingRules(ctx context.Context, q Querier, db string) (*scoring.RuleBook, error) {
	book := &scoring.RuleBook{}
	err := queryEach(ctx, q, "SELECT version, effective_from, name, metrics FROM "+db+"."+rankingRulesTable+" ORDER BY version, position",
		func(scan func(...any) error) error {
			var version uint32
			var from, name, metrics string
			if err := scan(&version, &from, &name, &metrics); err != nil {
				return err
			}
			m, err := domain.ParseMonth(from)
			if err != nil {
				return err
			}
			e := scoring.RulePublished{Version: int(version), EffectiveFrom: m, Name: name}
			if err := json.Unmarshal([]byte(metrics), &e.Metrics); err != nil {
				return fmt.Errorf("rule %d: %w", version, err)
			}
			book.Apply(e)
			return nil
		})
	return book, err
}

// QueryRankingInputs counts the inputs of month m in ClickHouse, for the
// units of area at the month's end (every area when area is ""), by area,
// each area's units by id: the same definitions as package tally, in SQL
// (docs/domain.md, "Monthly ranking computed from the ledger").
func QueryRankingInputs(ctx context.Context, q Querier, db string, loc *time.Location, m domain.Month, area string) (map[string][]scoring.Inputs, error) {
	end, lastDay := tally.End(m, zone(loc))
	endArg, lastArg, month := end.Unix(), lastDay.String(), m.String()

	// The units and their areas at the month's end.
	areas := map[string]string{}
	var having sqlFilter
	having.add("at_end != ''")
	having.eq("at_end", area)
	err := queryEach(ctx, q, `SELECT unit, argMax(area, position) AS at_end FROM `+db+`.`+unitAreasTable+`
		WHERE occurred_at < toDateTime(?) GROUP BY unit`+having.clause(" HAVING "),
		func(scan func(...any) error) error {
			var unit, a string
			if err := scan(&unit, &a); err != nil {
				return err
			}
			areas[unit] = a
			return nil
		}, append([]any{endArg}, having.args...)...)
	if err != nil {
		return nil, err
	}
	in := make(map[string]*scoring.Inputs, len(areas))
	for unit := range areas {
		in[unit] = &scoring.Inputs{Unit: unit}
	}
	out := func() map[string][]scoring.Inputs {
		byArea := map[string][]scoring.Inputs{}
		for _, unit := range slices.Sorted(maps.Keys(areas)) {
			byArea[areas[unit]] = append(byArea[areas[unit]], *in[unit])
		}
		return byArea
	}
	if len(in) == 0 {
		return out(), nil
	}
	// Narrow every count to the area's units; for every area, no filter
	// is needed (a unit without an area is skipped when read).
	var units []any
	unitCond := ""
	if area != "" {
		unitCond = " AND has(?, unit)"
		units = []any{slices.Sorted(maps.Keys(areas))}
	}

	// Acceptances and reopenings dated in the month.
	err = queryEach(ctx, q, `SELECT unit, countIf(step = 'accepted'), countIf(step = 'accepted' AND on_time_original = 1),
		countIf(step = 'accepted' AND source_kind = '`+rectification.SourceReview.String()+`'), countIf(step = 'reopened')
		FROM `+db+`.`+rectStepsTable+` WHERE month = ?`+unitCond+` GROUP BY unit`,
		func(scan func(...any) error) error {
			var unit string
			var closed, onTime, review, reopened uint64
			if err := scan(&unit, &closed, &onTime, &review, &reopened); err != nil {
				return err
			}
			if u := in[unit]; u != nil {
				u.Closed, u.ClosedOnTime, u.ReviewItemsClosed, u.Reopenings = int64(closed), int64(onTime), int64(review), int64(reopened)
			}
			return nil
		}, append([]any{month}, units...)...)
	if err != nil {
		return nil, err
	}
	// Red items: each item as it stood after its last event dated before
	// the month's end (an item's events are in order of business time).
	err = queryEach(ctx, q, `SELECT r_unit, count() FROM (
			SELECT id, argMax(unit, position) AS r_unit, argMax(live, position) AS r_live, argMax(deadline, position) AS r_deadline
			FROM `+db+`.`+rectStepsTable+` WHERE occurred_at < toDateTime(?)`+unitCond+` GROUP BY id
		) WHERE r_live = 1 AND r_deadline <= toDate(?) GROUP BY r_unit`,
		func(scan func(...any) error) error {
			var unit string
			var n uint64
			if err := scan(&unit, &n); err != nil {
				return err
			}
			if u := in[unit]; u != nil {
				u.RedItems = int64(n)
			}
			return nil
		}, append(append([]any{endArg}, units...), lastArg)...)
	if err != nil {
		return nil, err
	}
	// Fulfilments, lapses and vanguard selections of the month: the
	// facts the trends count.
	err = queryEach(ctx, q, `SELECT unit, sumIf(value, metric = '`+MetricPledgesFulfilled+`'), sumIf(value, metric = '`+MetricPledgesLapsed+`'),
		sumIf(value, metric IN ('`+MetricVanguardsIndividual+`', '`+MetricVanguardsCollective+`'))
		FROM `+db+`.`+trendsTable+` WHERE month = ? AND metric IN ('`+MetricPledgesFulfilled+`', '`+MetricPledgesLapsed+`', '`+MetricVanguardsIndividual+`', '`+MetricVanguardsCollective+`')`+unitCond+`
		GROUP BY unit`,
		func(scan func(...any) error) error {
			var unit string
			var fulfilled, lapsed, vanguards int64
			if err := scan(&unit, &fulfilled, &lapsed, &vanguards); err != nil {
				return err
			}
			if u := in[unit]; u != nil {
				u.PledgesFulfilled, u.PledgesLapsed, u.Vanguards = fulfilled, lapsed, vanguards
			}
			return nil
		}, append([]any{month}, units...)...)
	if err != nil {
		return nil, err
	}
	// The latest survey recorded by the month's end: by business time (to
	// the second), then by survey id.
	err = queryEach(ctx, q, `SELECT unit, argMax(toUInt64(very_satisfied + satisfied + basically_satisfied), tuple(occurred_at, id)),
		argMax(toUInt64(respondents), tuple(occurred_at, id))
		FROM `+db+`.`+surveysTable+` FINAL WHERE occurred_at < toDateTime(?)`+unitCond+` GROUP BY unit`,
		func(scan func(...any) error) error {
			var unit string
			var satisfied, respondents uint64
			if err := scan(&unit, &satisfied, &respondents); err != nil {
				return err
			}
			if u := in[unit]; u != nil {
				u.Satisfied, u.Respondents = int64(satisfied), int64(respondents)
			}
			return nil
		}, append([]any{endArg}, units...)...)
	if err != nil {
		return nil, err
	}
	return out(), nil
}

// PublishedRanking is an area's published ranking of a month, the
// revision in force, as the rankings table holds it.
type PublishedRanking struct {
	Revision    int    `json:"revision"`
	RuleVersion string `json:"rule_version"` // the rule's label; a number for a computed ranking
	// Computed is true when it was published by accepting the ledger's
	// computation; Adjusted when the office adjusted it (with
	// AdjustmentReason); Checkpoint is what its inputs were counted at.
	Computed         bool                   `json:"computed"`
	Adjusted         bool                   `json:"adjusted"`
	AdjustmentReason string                 `json:"adjustment_reason,omitempty"`
	Checkpoint       *PublishedCheckpoint   `json:"checkpoint,omitempty"`
	Entries          []PublishedRankingUnit `json:"entries"` // by rank, then unit
}

// PublishedCheckpoint is the tree size and root (base64) a computed
// ranking's inputs were counted at.
type PublishedCheckpoint struct {
	Size uint64 `json:"size"`
	Root string `json:"root"`
}

// PublishedRankingUnit is one unit's place in a published ranking.
type PublishedRankingUnit struct {
	Unit    string   `json:"unit"`
	Rank    int      `json:"rank"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// QueryPublishedRanking reads the revision in force of area's ranking of
// month m; nil if none was published.
func QueryPublishedRanking(ctx context.Context, q Querier, db, area string, m domain.Month) (*PublishedRanking, error) {
	var p *PublishedRanking
	err := queryEach(ctx, q, `SELECT unit, rank, score, reasons, rule_version, revision, computed, adjusted, adjustment_reason,
		checkpoint_size, checkpoint_root FROM `+db+`.`+rankingsTable+` FINAL PREWHERE area = ? AND month = ? WHERE current = 1`,
		func(scan func(...any) error) error {
			var u PublishedRankingUnit
			var rank, revision uint32
			var computed, adjusted uint8
			var size uint64
			var rule, reason, root string
			if err := scan(&u.Unit, &rank, &u.Score, &u.Reasons, &rule, &revision, &computed, &adjusted, &reason, &size, &root); err != nil {
				return err
			}
			u.Rank = int(rank)
			if p == nil {
				// Every current row was written by the revision in force.
				p = &PublishedRanking{Revision: int(revision), RuleVersion: rule, Computed: computed == 1, Adjusted: adjusted == 1, AdjustmentReason: reason}
			}
			if size > 0 && p.Checkpoint == nil {
				p.Checkpoint = &PublishedCheckpoint{Size: size, Root: root}
			}
			p.Entries = append(p.Entries, u)
			return nil
		}, area, m.String())
	if err != nil || p == nil {
		return p, err
	}
	slices.SortFunc(p.Entries, func(a, b PublishedRankingUnit) int {
		return cmp.Or(cmp.Compare(a.Rank, b.Rank), strings.Compare(a.Unit, b.Unit))
	})
	return p, nil
}

// TallyLog folds the log's first size events (its state at a checkpoint
// of that tree size: leaf i of the tree is the i-th event of ReadAll)
// into a tally, for recomputing a ranking as it stood then. It fails if
// the log holds fewer events.
func TallyLog(ctx context.Context, log eventlog.Store, reg *domain.Registry, loc *time.Location, size uint64) (*tally.Tally, error) {
	t := &tally.Tally{Loc: zone(loc)}
	after := eventlog.Start
	var n uint64
	for n < size {
		page, err := log.ReadAll(ctx, after, int(min(size-n, 5000)))
		if err != nil {
			return nil, fmt.Errorf("projections: read the log: %w", err)
		}
		if len(page) == 0 {
			return nil, fmt.Errorf("projections: the log holds %d events, not %d", n, size)
		}
		for i := range page {
			data, err := reg.Decode(page[i].Type, page[i].SchemaVersion, page[i].Payload)
			if err != nil {
				return nil, fmt.Errorf("projections: position %v: %w", page[i].Position, err)
			}
			t.Apply(tally.Event{Stream: page[i].Stream, OccurredAt: page[i].OccurredAt, Data: data})
		}
		n += uint64(len(page))
		after = page[len(page)-1].Position
	}
	return t, nil
}
