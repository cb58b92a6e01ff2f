package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain/review"
)

// Reviews is the current state of every review remark (点评): one row per
// remark in table reviews, with the counts of the content in force. The
// state is the domain aggregate's (review.Review).
type Reviews struct {
	Loc *time.Location // deployment zone of the month column; Asia/Shanghai if nil

	units   UnitIndex
	reviews map[string]*tracked[*review.Review]
	expect  *Reviews
}

const reviewsTable = "reviews"

var reviewsColumns = []string{
	"id", "subject", "unit", "member", "area", "unit_kind", "form", "quarter", "month", "reviewer",
	"shortcomings", "measures", "rectifications_ordered", "corrections", "retracted", "occurred_at", "version",
}

func (*Reviews) Name() string { return "reviews" }

func (*Reviews) Tables() []Table {
	return []Table{{
		Name: reviewsTable, Columns: reviewsColumns,
		Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
			id String, subject String, unit String, member String, area String, unit_kind String,
			form String, quarter String, month String, reviewer String,
			shortcomings UInt32, measures UInt32, rectifications_ordered UInt32, corrections UInt32,
			retracted UInt8, occurred_at DateTime, version UInt64
		) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
	}}
}

func (m *Reviews) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	t, err := m.fold(ctx, e, h)
	if err != nil || t == nil {
		return err
	}
	r := t.agg
	out.Add(reviewsTable, r.ID, r.Subject.String(), r.UnitID, r.MemberID, t.d.area, t.d.kind, r.Form.String(),
		r.Quarter.String(), monthIn(t.first, zone(m.Loc)), r.Reviewer,
		uint32(r.ShortcomingCount()), uint32(r.MeasureCount()), uint32(r.RectificationsOrdered()), uint32(r.Corrections),
		boolUInt8(r.Retracted), t.first, e.Seq())
	return nil
}

// fold applies a review event to the model's state and returns the
// remark, or nil for events of other streams.
func (m *Reviews) fold(ctx context.Context, e Event, h History) (*tracked[*review.Review], error) {
	return foldEntity(ctx, &m.reviews, &m.units, h, e, review.Entity, func() *review.Review { return &review.Review{} })
}

// reviewFigures is what one remark adds to the reconciled figures.
func reviewFigures(t *tracked[*review.Review]) map[string]int64 {
	r := t.agg
	at := fmt.Sprintf("{quarter=%s,area=%s}", r.Quarter, t.d.area)
	if r.Retracted {
		return map[string]int64{"reviews.retracted" + at: 1}
	}
	return map[string]int64{
		"reviews.count" + at:        1,
		"reviews.shortcomings" + at: int64(r.ShortcomingCount()),
		"reviews.measures" + at:     int64(r.MeasureCount()),
	}
}

// Expect counts remarks in force and their shortcomings and measures, and
// retracted remarks, by quarter and area.
func (m *Reviews) Expect(e Event, figures map[string]int64) {
	if m.expect == nil {
		m.expect = &Reviews{}
	}
	var before map[string]int64
	if t, ok := m.expect.reviews[e.Stream]; ok {
		before = reviewFigures(t)
	}
	t, err := m.expect.fold(context.Background(), e, nil)
	if err != nil || t == nil {
		return
	}
	changeFigures(figures, before, reviewFigures(t))
}

func (m *Reviews) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	err := queryEach(ctx, q, `SELECT quarter, area, retracted, count(), sum(shortcomings), sum(measures)
		FROM `+db+"."+reviewsTable+` FINAL GROUP BY quarter, area, retracted`,
		func(scan func(...any) error) error {
			var quarter, area string
			var retracted uint8
			var n, shortcomings, measures uint64
			if err := scan(&quarter, &area, &retracted, &n, &shortcomings, &measures); err != nil {
				return err
			}
			at := fmt.Sprintf("{quarter=%s,area=%s}", quarter, area)
			if retracted == 1 {
				addFigure(got, "reviews.retracted"+at, int64(n))
				return nil
			}
			addFigure(got, "reviews.count"+at, int64(n))
			addFigure(got, "reviews.shortcomings"+at, int64(shortcomings))
			addFigure(got, "reviews.measures"+at, int64(measures))
			return nil
		})
	return got, err
}
