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
}

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

func pledgeFigures(t *tracked[*pledge.Pledge]) map[string]int64 {
	return map[string]int64{fmt.Sprintf("pledges.count{state=%s,quarter=%s,area=%s}", t.agg.State(), t.agg.Quarter(), t.d.area): 1}
}

// Expect counts pledges by state, quarter and area.
func (m *Pledges) Expect(e Event, figures map[string]int64) {
	if m.expect == nil {
		m.expect = &Pledges{}
	}
	var before map[string]int64
	if t, ok := m.expect.pledges[e.Stream]; ok {
		before = pledgeFigures(t)
	}
	t, err := m.expect.fold(context.Background(), e, nil)
	if err != nil || t == nil {
		return
	}
	changeFigures(figures, before, pledgeFigures(t))
}

func (m *Pledges) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	err := queryEach(ctx, q, "SELECT state, quarter, area, count() FROM "+db+"."+pledgesTable+" FINAL GROUP BY state, quarter, area",
		func(scan func(...any) error) error {
			var state, quarter, area string
			var n uint64
			if err := scan(&state, &quarter, &area, &n); err != nil {
				return err
			}
			got[fmt.Sprintf("pledges.count{state=%s,quarter=%s,area=%s}", state, quarter, area)] = int64(n)
			return nil
		})
	return got, err
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
// for a pledge (id, unit, area, quarter) are filtered inside the FINAL
// read; the state, which changes, only after it, so an old version of a
// row can never match.
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
		FROM (SELECT * FROM ` + db + "." + pledgesTable + ` FINAL` + inner.where() + `)
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
