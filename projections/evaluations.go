package projections

import (
	"context"
	"fmt"
	"strings"

	"github.com/cxzy/ledger/domain/evaluation"
)

// Evaluations is the current state of the evaluations besides a pledge's
// own: satisfaction surveys, vanguards, star ratings and the monthly
// rankings, each folded by its domain aggregate.
//
// rankings holds one row per area, month and unit ever ranked; a
// superseding revision rewrites every unit it lists, and a unit the new
// revision leaves out gets a row with current = 0, so readers select
// current = 1 and a dropped unit never lingers.
type Evaluations struct {
	units    UnitIndex
	surveys  map[string]*tracked[*evaluation.Survey]
	vgs      map[string]*tracked[*evaluation.Vanguard]
	stars    map[string]*tracked[*evaluation.StarRating]
	rankings map[string]*tracked[*evaluation.Ranking]
	expect   *Evaluations
	ever     map[string]map[string]bool // Expect: units ever listed, per ranking
}

const (
	surveysTable     = "surveys"
	vanguardsTable   = "vanguards"
	starRatingsTable = "star_ratings"
	rankingsTable    = "rankings"
)

func (*Evaluations) Name() string { return "evaluations" }

func (*Evaluations) Tables() []Table {
	return []Table{
		{Name: surveysTable,
			Columns: []string{"id", "unit", "area", "unit_kind", "period", "very_satisfied", "satisfied", "basically_satisfied",
				"dissatisfied", "respondents", "rate", "corrections", "occurred_at", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, unit String, area String, unit_kind String, period String,
				very_satisfied UInt32, satisfied UInt32, basically_satisfied UInt32, dissatisfied UInt32,
				respondents UInt32, rate Float64, corrections UInt32, occurred_at DateTime, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
		{Name: vanguardsTable,
			Columns: []string{"id", "kind", "unit", "member", "area", "unit_kind", "category_key", "category_name",
				"quarter", "revoked", "occurred_at", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				id String, kind String, unit String, member String, area String, unit_kind String,
				category_key String, category_name String, quarter String, revoked UInt8,
				occurred_at DateTime, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY id`},
		{Name: starRatingsTable,
			Columns: []string{"unit", "period", "area", "unit_kind", "stars", "revisions", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				unit String, period String, area String, unit_kind String, stars UInt8, revisions UInt32, version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY (unit, period)`},
		{Name: rankingsTable,
			Columns: []string{"area", "month", "unit", "score", "rank", "reasons", "rule_version", "revision", "current",
				"computed", "adjusted", "adjustment_reason", "checkpoint_size", "checkpoint_root", "version"},
			Create: `CREATE TABLE IF NOT EXISTS {db}.{table} (
				area String, month String, unit String, score Float64, rank UInt32, reasons Array(String),
				rule_version String, revision UInt32, current UInt8,
				computed UInt8, adjusted UInt8, adjustment_reason String, checkpoint_size UInt64, checkpoint_root String,
				version UInt64
			) ENGINE = ReplacingMergeTree(version) ORDER BY (area, month, unit)`},
	}
}

// fold applies e to the aggregate of its stream, if the stream is one of
// the evaluations, and returns that aggregate (nil otherwise).
func (m *Evaluations) fold(ctx context.Context, e Event, h History) (any, error) {
	if err := m.units.Follow(ctx, e, h); err != nil {
		return nil, err
	}
	prefix, _, _ := strings.Cut(e.Stream, "-")
	switch prefix {
	case evaluation.EntitySurvey:
		return foldStream(ctx, &m.surveys, &m.units, h, e, func() *evaluation.Survey { return &evaluation.Survey{} })
	case evaluation.EntityVanguard:
		return foldStream(ctx, &m.vgs, &m.units, h, e, func() *evaluation.Vanguard { return &evaluation.Vanguard{} })
	case "starrating":
		return foldStream(ctx, &m.stars, &m.units, h, e, func() *evaluation.StarRating { return &evaluation.StarRating{} })
	case evaluation.EntityRanking:
		return foldStream(ctx, &m.rankings, &m.units, h, e, func() *evaluation.Ranking { return &evaluation.Ranking{} })
	}
	return nil, nil
}

func (m *Evaluations) Apply(ctx context.Context, e Event, h History, out *Rows) error {
	// A superseded ranking's units are needed before the new revision
	// replaces them: follow (which rebuilds the ranking after a restart)
	// gives the state before e.
	var listed []evaluation.Entry
	if strings.HasPrefix(e.Stream, evaluation.EntityRanking+"-") {
		if m.rankings == nil {
			m.rankings = map[string]*tracked[*evaluation.Ranking]{}
		}
		t, err := follow(ctx, m.rankings, &m.units, h, e, func() *evaluation.Ranking { return &evaluation.Ranking{} })
		if err != nil {
			return err
		}
		listed = t.agg.Entries
	}
	got, err := m.fold(ctx, e, h)
	if err != nil {
		return err
	}
	v := e.Seq()
	switch t := got.(type) {
	case *tracked[*evaluation.Survey]:
		s := t.agg
		if !s.Exists() {
			return nil
		}
		rate, _ := s.Rate()
		out.Add(surveysTable, s.ID, s.UnitID, t.d.area, t.d.kind, s.Period.String(),
			uint32(s.VerySatisfied), uint32(s.Satisfied), uint32(s.BasicallySatisfied), uint32(s.Dissatisfied),
			uint32(s.Total()), rate, uint32(s.Corrections), t.first, v)
	case *tracked[*evaluation.Vanguard]:
		g := t.agg
		if !g.Exists() {
			return nil
		}
		out.Add(vanguardsTable, g.ID, g.Kind.String(), g.UnitID, g.MemberID, t.d.area, t.d.kind,
			g.Category.Key, g.Category.Name, g.Quarter.String(), boolUInt8(g.Revoked), t.first, v)
	case *tracked[*evaluation.StarRating]:
		r := t.agg
		if !r.Exists() {
			return nil
		}
		out.Add(starRatingsTable, r.UnitID, r.Period.String(), t.d.area, t.d.kind, uint8(r.Stars), uint32(r.Revisions), v)
	case *tracked[*evaluation.Ranking]:
		r := t.agg
		if !r.Exists() {
			return nil
		}
		now := map[string]bool{}
		computed, adjusted, reason, size, root := rankingComputed(r)
		for _, x := range r.Entries {
			now[x.UnitID] = true
			reasons := x.Reasons
			if reasons == nil {
				reasons = []string{}
			}
			out.Add(rankingsTable, r.AreaID, r.Month.String(), x.UnitID, x.Score, uint32(x.Rank), reasons,
				r.RuleVersion, uint32(r.Revision), uint8(1), computed, adjusted, reason, size, root, v)
		}
		for _, x := range listed {
			if !now[x.UnitID] {
				out.Add(rankingsTable, r.AreaID, r.Month.String(), x.UnitID, 0.0, uint32(0), []string{},
					r.RuleVersion, uint32(r.Revision), uint8(0), computed, adjusted, reason, size, root, v)
			}
		}
	}
	return nil
}

// rankingComputed is how the revision in force of a ranking was
// published: by accepting the ledger's computation (computed), adjusted
// or not and why, at which checkpoint (size, base64 root).
func rankingComputed(r *evaluation.Ranking) (computed, adjusted uint8, reason string, size uint64, root string) {
	c := r.Computed
	if c == nil {
		return 0, 0, "", 0, ""
	}
	return 1, boolUInt8(c.Adjusted), c.Reason, c.Checkpoint.Size, c.Checkpoint.Root
}

// evaluationFigures is what one evaluation adds to the reconciled figures.
func (m *Evaluations) evaluationFigures(got any, stream string) map[string]int64 {
	switch t := got.(type) {
	case *tracked[*evaluation.Survey]:
		if !t.agg.Exists() {
			return nil
		}
		c := t.agg.Counts
		at := "{area=" + t.d.area + "}"
		return map[string]int64{
			"surveys.count" + at:       1,
			"surveys.respondents" + at: int64(c.Total()),
			"surveys.satisfied" + at:   int64(c.VerySatisfied + c.Satisfied + c.BasicallySatisfied),
		}
	case *tracked[*evaluation.Vanguard]:
		if !t.agg.Exists() {
			return nil
		}
		return map[string]int64{fmt.Sprintf("vanguards.count{kind=%s,quarter=%s,revoked=%d}", t.agg.Kind, t.agg.Quarter, boolUInt8(t.agg.Revoked)): 1}
	case *tracked[*evaluation.StarRating]:
		if !t.agg.Exists() {
			return nil
		}
		return map[string]int64{fmt.Sprintf("star_ratings.count{stars=%d}", t.agg.Stars): 1}
	case *tracked[*evaluation.Ranking]:
		r := t.agg
		if !r.Exists() {
			return nil
		}
		if m.ever[stream] == nil {
			m.ever[stream] = map[string]bool{}
		}
		for _, x := range r.Entries {
			m.ever[stream][x.UnitID] = true
		}
		at := fmt.Sprintf("{area=%s,month=%s}", r.AreaID, r.Month)
		return map[string]int64{
			"rankings.current" + at: int64(len(r.Entries)),
			"rankings.dropped" + at: int64(len(m.ever[stream]) - len(r.Entries)),
		}
	}
	return nil
}

// Expect counts surveys (and their respondents) by area, vanguards by
// kind, quarter and revocation, star ratings by stars, and ranking rows
// current and dropped by area and month.
func (m *Evaluations) Expect(e Event, figures map[string]int64) {
	if m.expect == nil {
		m.expect = &Evaluations{ever: map[string]map[string]bool{}}
	}
	x := m.expect
	var prev any
	if t, ok := x.surveys[e.Stream]; ok {
		prev = t
	} else if t, ok := x.vgs[e.Stream]; ok {
		prev = t
	} else if t, ok := x.stars[e.Stream]; ok {
		prev = t
	} else if t, ok := x.rankings[e.Stream]; ok {
		prev = t
	}
	before := x.evaluationFigures(prev, e.Stream)
	got, err := x.fold(context.Background(), e, nil)
	if err != nil || got == nil {
		return
	}
	changeFigures(figures, before, x.evaluationFigures(got, e.Stream))
}

func (m *Evaluations) Actual(ctx context.Context, q Querier, db string) (map[string]int64, error) {
	got := map[string]int64{}
	type figureQuery struct {
		query string
		row   func(scan func(...any) error) error
	}
	for _, fq := range []figureQuery{
		{`SELECT area, count(), sum(respondents), sum(very_satisfied + satisfied + basically_satisfied) FROM ` + db + "." + surveysTable + ` FINAL GROUP BY area`,
			func(scan func(...any) error) error {
				var area string
				var n, respondents, satisfied uint64
				if err := scan(&area, &n, &respondents, &satisfied); err != nil {
					return err
				}
				at := "{area=" + area + "}"
				addFigure(got, "surveys.count"+at, int64(n))
				addFigure(got, "surveys.respondents"+at, int64(respondents))
				addFigure(got, "surveys.satisfied"+at, int64(satisfied))
				return nil
			}},
		{`SELECT kind, quarter, revoked, count() FROM ` + db + "." + vanguardsTable + ` FINAL GROUP BY kind, quarter, revoked`,
			func(scan func(...any) error) error {
				var kind, quarter string
				var revoked uint8
				var n uint64
				if err := scan(&kind, &quarter, &revoked, &n); err != nil {
					return err
				}
				addFigure(got, fmt.Sprintf("vanguards.count{kind=%s,quarter=%s,revoked=%d}", kind, quarter, revoked), int64(n))
				return nil
			}},
		{`SELECT stars, count() FROM ` + db + "." + starRatingsTable + ` FINAL GROUP BY stars`,
			func(scan func(...any) error) error {
				var stars uint8
				var n uint64
				if err := scan(&stars, &n); err != nil {
					return err
				}
				addFigure(got, fmt.Sprintf("star_ratings.count{stars=%d}", stars), int64(n))
				return nil
			}},
		{`SELECT area, month, current, count() FROM ` + db + "." + rankingsTable + ` FINAL GROUP BY area, month, current`,
			func(scan func(...any) error) error {
				var area, month string
				var current uint8
				var n uint64
				if err := scan(&area, &month, &current, &n); err != nil {
					return err
				}
				name := "rankings.dropped"
				if current == 1 {
					name = "rankings.current"
				}
				addFigure(got, fmt.Sprintf("%s{area=%s,month=%s}", name, area, month), int64(n))
				return nil
			}},
	} {
		if err := queryEach(ctx, q, fq.query, fq.row); err != nil {
			return nil, err
		}
	}
	return got, nil
}
