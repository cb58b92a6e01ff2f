package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain/pledge"
)

// Pledges is the current state of every pledge: one row per pledge in
// table pledges, rewritten after each of its events. The state is the
// domain aggregate's own (pledge.Pledge), so the table follows exactly the
// rules the write path decides by.
type Pledges struct {
	units   UnitIndex
	pledges map[string]*tracked[*pledge.Pledge]
	expect  *Pledges
	counted map[string]pledgeKey // Expect: what each pledge (by stream) adds to the figures
}

// pledgeKey is what one pledge's figures depend on; most events (progress
// reports) change none of it, and then the figures are left alone.
type pledgeKey struct{ id, state, quarter, area string }

const pledgesTable = "pledges"

var pledgesColumns = []string{
	"id", "stream", "unit", "member", "maker", "area", "unit_kind", "quarter", "category", "title", "state",
	"submitted_at", "filed_at", "disclosed_at", "fulfilled_at", "lapsed_at",
	"progress", "reports", "evaluation_score", "evaluation_grade", "version", "updated_at",
}

func (*Pledges) Name() string { return "pledges" }

func (*Pledges) Tables() []Table {
	return []Table{{
		Name: pledgesTable, Columns: pledgesColumns,
		Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
			id String, stream String, unit String, member String, maker String,
			area String, unit_kind String, quarter String, category String, title String, state String,
			submitted_at DateTime, filed_at DateTime, disclosed_at DateTime, fulfilled_at DateTime, lapsed_at DateTime,
			progress UInt8, reports UInt32, evaluation_score Float64, evaluation_grade String,
			version UInt64, updated_at DateTime
		) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
	}}
}

func (m *Pledges) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	t, err := m.fold(ctx, e, h)
	if err != nil || t == nil {
		return err
	}
	p := t.agg
	reports := p.LiveReports() // a retracted report no longer counts
	var score float64
	var grade string
	if c, ok := p.Evaluation(pledge.DefaultWeights()); ok {
		score, grade = c.Score, c.Grade.String()
	}
	out.Add(pledgesTable, p.ID(), e.Stream, p.Unit(), p.Member(), p.Maker().String(), t.d.area, t.d.kind,
		p.Quarter().String(), p.Category().String(), p.Title(), p.State().String(),
		evTime(p.SubmittedAt()), evTime(p.FiledAt()), evTime(p.DisclosedAt()), evTime(p.FulfilledAt()), evTime(p.LapsedAt()),
		uint8(p.Progress()), uint32(reports), score, grade, e.Seq(), e.RecordedAt.UTC())
	return nil
}

// fold applies a pledge event to the model's state and returns the
// pledge, or nil for events of other streams.
func (m *Pledges) fold(ctx context.Context, e Event, h History) (*tracked[*pledge.Pledge], error) {
	return foldEntity(ctx, &m.pledges, &m.units, h, e, pledge.Entity, func() *pledge.Pledge { return &pledge.Pledge{} })
}

// pledgeFigures is one pledge's contribution to the figures: its count
// by state, quarter and area, and the pledge itself with the values a
// reader of the table relies on (state and quarter), so a row that
// disagrees with the log is named, not only counted.
func pledgeFigures(figures map[string]int64, k pledgeKey, n int64) {
	addFigure(figures, pledgeCount(k.state, k.quarter, k.area), n)
	addFigure(figures, pledgeItem(k.id, k.state, k.quarter), n)
}

func pledgeCount(state, quarter, area string) string {
	return "pledges.count{state=" + state + ",quarter=" + quarter + ",area=" + area + "}"
}

func pledgeItem(id, state, quarter string) string {
	return "pledges.item{id=" + id + ",state=" + state + ",quarter=" + quarter + "}"
}

// Expect counts pledges by state, quarter and area, and lists each
// pledge's state and quarter.
func (m *Pledges) Expect(e Event, figures map[string]int64) {
	if m.expect == nil {
		m.expect, m.counted = &Pledges{}, map[string]pledgeKey{}
	}
	t, err := m.expect.fold(context.Background(), e, nil)
	if err != nil || t == nil {
		return
	}
	p := t.agg
	k := pledgeKey{p.ID(), p.State().String(), p.Quarter().String(), t.d.area}
	before, seen := m.counted[e.Stream]
	if seen && before == k {
		return
	}
	if seen {
		pledgeFigures(figures, before, -1)
	}
	pledgeFigures(figures, k, 1)
	m.counted[e.Stream] = k
}

// Actual reads every pledge's row (the current one, FINAL) and derives
// the same figures from them in Go: the values themselves are compared,
// not only their counts, and a pledge whose row was written twice under
// two ids shows as two.
func (m *Pledges) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	err := queryEach(ctx, q, "SELECT id, state, quarter, area FROM "+db+"."+pledgesTable+" FINAL",
		func(scan func(...any) error) error {
			var id, state, quarter, area string
			if err := scan(&id, &state, &quarter, &area); err != nil {
				return err
			}
			got[pledgeCount(state, quarter, area)]++
			got[pledgeItem(id, state, quarter)]++
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("pledges: actual: %w", err)
	}
	return got, nil
}

// PledgeFilter selects pledges. Empty fields do not filter; Units
// restricts to a set of units (a caller's scope, resolved by the caller);
// States lists state names ("fulfilled"); Limit defaults to 100 (at most
// 1000); After is the last id of the previous page (keyset pagination by
// id).
type PledgeFilter struct {
	Area, Unit, Quarter string
	Units               []string
	States              []string
	Limit               int
	After               string
}

// PledgeRow is one pledge as the list shows it. Times of steps not yet
// taken are zero.
type PledgeRow struct {
	ID              string    `json:"id"`
	Unit            string    `json:"unit"`
	Member          string    `json:"member"`
	Maker           string    `json:"maker"`
	Area            string    `json:"area"`
	UnitKind        string    `json:"unit_kind"`
	Quarter         string    `json:"quarter"`
	Category        string    `json:"category"`
	Title           string    `json:"title"`
	State           string    `json:"state"`
	SubmittedAt     time.Time `json:"submitted_at,omitzero"`
	FiledAt         time.Time `json:"filed_at,omitzero"`
	DisclosedAt     time.Time `json:"disclosed_at,omitzero"`
	FulfilledAt     time.Time `json:"fulfilled_at,omitzero"`
	LapsedAt        time.Time `json:"lapsed_at,omitzero"`
	Progress        uint8     `json:"progress"`
	Reports         uint32    `json:"reports"`
	EvaluationScore float64   `json:"evaluation_score"`
	EvaluationGrade string    `json:"evaluation_grade"`
}

// QueryPledges lists pledges ordered by id. The columns that never change
// for a pledge (id, unit, area, quarter: the unit's area is fixed when the
// pledge is made, and a revision cannot change the quarter) are filtered
// in the FINAL read's PREWHERE, before the versions are merged; the
// state, which changes, only after the merge, so an old version of a row
// can never match.
func QueryPledges(ctx context.Context, q Querier, db string, f PledgeFilter) ([]PledgeRow, error) {
	limit := pageLimit(f.Limit)
	var inner sqlFilter
	inner.add("id > ?", f.After)
	inner.eq("area", f.Area)
	inner.eq("unit", f.Unit)
	inner.eq("quarter", f.Quarter)
	inner.in("unit", f.Units)
	args := inner.args
	outer := "1"
	if len(f.States) > 0 {
		outer = "has(?, state)"
		args = append(args, f.States)
	}
	query := `SELECT id, unit, member, maker, area, unit_kind, quarter, category, title, state,
		submitted_at, filed_at, disclosed_at, fulfilled_at, lapsed_at, progress, reports, evaluation_score, evaluation_grade
		FROM (SELECT * FROM ` + db + "." + pledgesTable + ` FINAL` + inner.prewhere() + `)
		WHERE ` + outer + fmt.Sprintf(" ORDER BY id LIMIT %d", limit)
	var out []PledgeRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r PledgeRow
		if err := scan(&r.ID, &r.Unit, &r.Member, &r.Maker, &r.Area, &r.UnitKind, &r.Quarter, &r.Category, &r.Title, &r.State,
			&r.SubmittedAt, &r.FiledAt, &r.DisclosedAt, &r.FulfilledAt, &r.LapsedAt, &r.Progress, &r.Reports,
			&r.EvaluationScore, &r.EvaluationGrade); err != nil {
			return err
		}
		for _, t := range []*time.Time{&r.SubmittedAt, &r.FiledAt, &r.DisclosedAt, &r.FulfilledAt, &r.LapsedAt} {
			*t = notYet(*t)
		}
		out = append(out, r)
		return nil
	}, args...)
	return out, err
}
