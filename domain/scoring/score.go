package scoring

import (
	"cmp"
	"math"
	"slices"
)

// Inputs are the counts one unit's monthly score is computed from, each
// counted as docs/domain.md defines it for one month. They are whole
// numbers so that the ledger's two computations of them (from the log in
// Go, in ClickHouse for the dashboard) can be compared exactly; the rates
// are their ratios.
type Inputs struct {
	Unit string `json:"unit"`
	// PledgesFulfilled and PledgesLapsed: the unit's pledges fulfilled,
	// and declared lapsed, in the month.
	PledgesFulfilled int64 `json:"pledges_fulfilled"`
	PledgesLapsed    int64 `json:"pledges_lapsed"`
	// Closed: acceptances of the unit's rectifications dated in the
	// month; ClosedOnTime: those on or before the item's original
	// deadline; ReviewItemsClosed: those of items ordered from a review
	// remark.
	Closed            int64 `json:"closed"`
	ClosedOnTime      int64 `json:"closed_on_time"`
	ReviewItemsClosed int64 `json:"review_items_closed"`
	// Reopenings: the unit's rectifications reopened in the month.
	Reopenings int64 `json:"reopenings"`
	// RedItems: the unit's rectifications live and overdue at the
	// month's end.
	RedItems int64 `json:"red_items"`
	// Satisfied and Respondents: the latest survey recorded by the
	// month's end (everyone but the dissatisfied, and everyone).
	Satisfied   int64 `json:"satisfied"`
	Respondents int64 `json:"respondents"`
	// Vanguards: selections of the unit or its members recorded in the
	// month and not revoked.
	Vanguards int64 `json:"vanguards"`
}

// Value is the metric's value for the unit: a rate from 0 to 1 or a
// count; present is false for a rate without data (zero denominator).
func (in Inputs) Value(m Metric) (v float64, present bool) {
	ratio := func(n, d int64) (float64, bool) {
		if d <= 0 {
			return 0, false
		}
		return float64(n) / float64(d), true
	}
	switch m {
	case FulfilmentRate:
		return ratio(in.PledgesFulfilled, in.PledgesFulfilled+in.PledgesLapsed)
	case OnTimeRate:
		return ratio(in.ClosedOnTime, in.Closed)
	case SatisfactionRate:
		return ratio(in.Satisfied, in.Respondents)
	case RedItems:
		return float64(in.RedItems), true
	case Reopenings:
		return float64(in.Reopenings), true
	case ReviewItemsClosed:
		return float64(in.ReviewItemsClosed), true
	case Vanguards:
		return float64(in.Vanguards), true
	}
	return 0, false
}

// Reason is one metric's part in a unit's score: why it stands where it
// does.
type Reason struct {
	Metric Metric `json:"metric"`
	// Value is the metric's value: a rate from 0 to 1 or a count. For a
	// rate without data it is what was counted instead: 0 under zero, the
	// area's mean under area_mean, 0 (and not counted) under skip.
	Value float64 `json:"value"`
	// Missing is true when the unit had no data for the rate; Policy then
	// says how it counted (zero, skip, area_mean).
	Missing bool    `json:"missing"`
	Policy  Missing `json:"policy,omitzero"`
	// Weight is the rule's weight; EffectiveWeight the weight applied,
	// after renormalising over the metrics scored (it differs from Weight
	// only when a rate was skipped); Contribution = EffectiveWeight ×
	// Value, rounded to 4 decimal places (0 for a skipped metric).
	Weight          float64 `json:"weight"`
	EffectiveWeight float64 `json:"effective_weight"`
	Contribution    float64 `json:"contribution"`
	Skipped         bool    `json:"skipped,omitempty"`
}

// Ranked is one unit's place in the computed ranking of its area.
type Ranked struct {
	Unit string `json:"unit"`
	// Rank is 1 for the highest score; equal scores share a rank and the
	// next rank skips (1, 1, 3).
	Rank int `json:"rank"`
	// Score is the sum of the contributions, rounded to 4 decimal places.
	Score   float64  `json:"score"`
	Reasons []Reason `json:"reasons"` // in the rule's order of metrics
}

// Decimals is the precision of contributions and scores: 4 decimal
// places, so that two computations of the same inputs agree to the bit
// and ties are decided on what is shown.
const Decimals = 4

func round(x float64) float64 {
	const f = 1e4
	r := math.Round(x*f) / f
	if r == 0 {
		return 0 // no -0 in answers
	}
	return r
}

// Score applies rule to the inputs of an area's units (for one month) and
// ranks them: each unit's score is the sum over the rule's metrics of
// weight × value, with the missing-data policies applied; units are
// ordered by score, highest first, then by unit id, and get competition
// ranks (equal scores share a rank: 1, 1, 3). The result holds one entry
// per input, in rank order.
func Score(rule Rule, units []Inputs) []Ranked {
	// The area's mean of each rate over the units that have it, for
	// area_mean.
	means := map[Metric]float64{}
	for _, w := range rule.Metrics {
		if w.Missing != MissingAreaMean {
			continue
		}
		sum, n := 0.0, 0
		for _, in := range units {
			if v, ok := in.Value(w.Metric); ok {
				sum += v
				n++
			}
		}
		if n > 0 {
			means[w.Metric] = sum / float64(n)
		}
	}
	total := 0.0
	for _, w := range rule.Metrics {
		total += math.Abs(w.Weight)
	}
	out := make([]Ranked, len(units))
	for i, in := range units {
		reasons := make([]Reason, len(rule.Metrics))
		scored := 0.0
		for j, w := range rule.Metrics {
			v, ok := in.Value(w.Metric)
			r := Reason{Metric: w.Metric, Value: v, Missing: !ok, Weight: w.Weight}
			if !ok {
				r.Policy = w.Missing
				switch w.Missing {
				case MissingSkip:
					r.Skipped = true
				case MissingAreaMean:
					if mean, has := means[w.Metric]; has {
						r.Value = mean
					} else {
						r.Skipped = true
					}
				}
			}
			if !r.Skipped {
				scored += math.Abs(w.Weight)
			}
			reasons[j] = r
		}
		factor := 0.0
		if scored > 0 {
			factor = total / scored
		}
		sum := 0.0
		for j := range reasons {
			r := &reasons[j]
			if r.Skipped {
				r.Value = 0
				continue
			}
			r.EffectiveWeight = r.Weight
			if factor != 1 {
				r.EffectiveWeight = r.Weight * factor
			}
			r.Contribution = round(r.EffectiveWeight * r.Value)
			sum += r.Contribution
		}
		out[i] = Ranked{Unit: in.Unit, Score: round(sum), Reasons: reasons}
	}
	return Rank(out)
}

// Rank orders units by score, highest first, then by unit id, and gives
// them competition ranks: equal scores share a rank and the next rank
// skips (1, 1, 3). It returns a new slice.
func Rank(units []Ranked) []Ranked {
	return CompetitionRank(units, func(r Ranked) (float64, string) { return r.Score, r.Unit },
		func(r *Ranked, rank int) { r.Rank = rank })
}

// CompetitionRank is the one ranking rule of the ledger, for any list of
// units with scores (computed rankings here, published entries in
// evaluation): highest score first, equal scores ordered by unit id and
// sharing a rank, the next rank skipping (1, 1, 3). It returns a new
// slice with the ranks set.
func CompetitionRank[T any](items []T, key func(T) (score float64, unit string), setRank func(*T, int)) []T {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int {
		sa, ua := key(a)
		sb, ub := key(b)
		if c := cmp.Compare(sb, sa); c != 0 {
			return c
		}
		return cmp.Compare(ua, ub)
	})
	rank := 0
	for i := range out {
		score, _ := key(out[i])
		if prev, _ := key(out[max(i-1, 0)]); i == 0 || score != prev {
			rank = i + 1
		}
		setRank(&out[i], rank)
	}
	return out
}
