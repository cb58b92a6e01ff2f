package pledge

import (
	"math"
	"time"
)

// Rating is one evaluator kind's current verdict on a pledge.
type Rating struct {
	Evaluator   Evaluator
	Grade       Grade
	Score       float64
	Respondents int
	At          time.Time
	Replaced    int // how many earlier verdicts of this kind it replaced
}

// Weights says how much each evaluator kind counts in a pledge's combined
// score. A kind with a weight of zero or less is left out.
type Weights struct {
	Organisation float64
	Members      float64
	Public       float64
}

// DefaultWeights is the documented weighting of a pledge evaluation: the
// organisation's verdict counts 0.4, the members' and the public's 0.3
// each. The organisation weighs most because it vetted and filed the
// pledge and knows its substance; members and the public together still
// outweigh it (0.6), so the verdict of those served is not overruled by
// the unit's superiors alone.
func DefaultWeights() Weights { return Weights{Organisation: 0.4, Members: 0.3, Public: 0.3} }

func (w Weights) of(e Evaluator) float64 {
	var x float64
	switch e {
	case EvaluatorOrganisation:
		x = w.Organisation
	case EvaluatorMembers:
		x = w.Members
	case EvaluatorPublic:
		x = w.Public
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
		return 0
	}
	return x
}

// Combined is a pledge's overall evaluation.
type Combined struct {
	Score      float64     // weighted mean, rounded to two decimals
	Grade      Grade       // GradeOf(Score)
	Evaluators []Evaluator // the kinds that counted, in the order organisation, members, public
}

// Combine weighs the ratings into one score. Only the last rating of each
// kind counts; the weights are renormalised over the kinds present, so a
// pledge rated by the organisation (0.4) and the public (0.3) alone scores
// (0.4·s_org + 0.3·s_pub) / 0.7. The grade of the combined score follows
// GradeOf, not the individual grades, so it is reproducible from scores.
// It reports false when no rating has a positive weight.
func Combine(ratings []Rating, w Weights) (Combined, bool) {
	last := map[Evaluator]Rating{}
	for _, r := range ratings {
		if r.Evaluator.Valid() && !math.IsNaN(r.Score) {
			last[r.Evaluator] = r
		}
	}
	var sum, weights float64
	var c Combined
	for _, k := range []Evaluator{EvaluatorOrganisation, EvaluatorMembers, EvaluatorPublic} {
		r, ok := last[k]
		if !ok || w.of(k) == 0 {
			continue
		}
		sum += w.of(k) * r.Score
		weights += w.of(k)
		c.Evaluators = append(c.Evaluators, k)
	}
	if weights == 0 {
		return Combined{}, false
	}
	c.Score = math.Round(sum/weights*100) / 100
	c.Grade = GradeOf(c.Score)
	return c, true
}

// GradeOf maps a score out of 100 to a grade: 90 and above excellent (好),
// 75 and above good (较好), 60 and above fair (一般), below 60 poor (差).
// These are the bands customary in Chinese assessment sheets.
func GradeOf(score float64) Grade {
	switch {
	case score >= 90:
		return Excellent
	case score >= 75:
		return Good
	case score >= 60:
		return Fair
	}
	return Poor
}
