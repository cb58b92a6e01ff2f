package scoring_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/scoring"
)

var now = time.Date(2011, 9, 15, 2, 0, 0, 0, time.UTC)

var meta = domain.Meta{Actor: domain.Actor{ID: "office-1"}, Now: now}

func month(tb testing.TB, s string) domain.Month {
	tb.Helper()
	m, err := domain.ParseMonth(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// ruleV1 is the rule of the hand-computed table below: every policy and
// a penalty.
var ruleV1 = scoring.Rule{Version: 1, EffectiveFrom: domain.Month{Year: 2011, Month: time.January}, Metrics: []scoring.Weight{
	{Metric: scoring.FulfilmentRate, Weight: 40, Missing: scoring.MissingZero},
	{Metric: scoring.OnTimeRate, Weight: 30, Missing: scoring.MissingSkip},
	{Metric: scoring.SatisfactionRate, Weight: 20, Missing: scoring.MissingAreaMean},
	{Metric: scoring.RedItems, Weight: -5, Missing: scoring.MissingZero},
	{Metric: scoring.Vanguards, Weight: 2, Missing: scoring.MissingZero},
}}

// TestScoreHandComputed checks Score against a table computed by hand:
//
//	unit  fulfilment   on time      satisfaction   red  vanguards   score
//	a     3/(3+1)=.75  1/2=.5       90/100=.9      1    1           30 + 15 + 18 - 5 + 2 = 60
//	b     none → 0     4/4=1        80/100=.8      0    0           0 + 30 + 16 = 46
//	c     1/2=.5       none → skip  none → mean .8 0    3           see below: 60.806
//	d     2/2=1        0/1=0        70/100=.7      2    0           40 + 0 + 14 - 10 = 44
//	e     1/4=.25      1/1=1        80/100=.8      2    0           10 + 30 + 16 - 10 = 46
//
// The area's mean satisfaction is (.9+.8+.7+.8)/4 = .8. Unit c skips the
// on-time rate (weight 30), so its other weights are multiplied by the
// rule's total |weight| over the |weights| it is scored on: 97/67. Its
// contributions: 40×97/67×.5 = 28.955223… → 28.9552; 20×97/67×.8 =
// 23.164179… → 23.1642; -5×97/67×0 = 0; 2×97/67×3 = 8.686567… → 8.6866;
// the score 28.9552 + 23.1642 + 8.6866 = 60.806. b and e tie at 46 and
// share rank 3; d is fifth.
func TestScoreHandComputed(t *testing.T) {
	in := []scoring.Inputs{
		{Unit: "a", PledgesFulfilled: 3, PledgesLapsed: 1, Closed: 2, ClosedOnTime: 1, Satisfied: 90, Respondents: 100, RedItems: 1, Vanguards: 1},
		{Unit: "b", Closed: 4, ClosedOnTime: 4, Satisfied: 80, Respondents: 100},
		{Unit: "c", PledgesFulfilled: 1, PledgesLapsed: 1, Vanguards: 3},
		{Unit: "d", PledgesFulfilled: 2, Closed: 1, Satisfied: 70, Respondents: 100, RedItems: 2},
		{Unit: "e", PledgesFulfilled: 1, PledgesLapsed: 3, Closed: 1, ClosedOnTime: 1, Satisfied: 80, Respondents: 100, RedItems: 2},
	}
	want := []struct {
		unit  string
		rank  int
		score float64
	}{
		{"c", 1, 60.806}, {"a", 2, 60}, {"b", 3, 46}, {"e", 3, 46}, {"d", 5, 44},
	}
	got := scoring.Score(ruleV1, in)
	if len(got) != len(want) {
		t.Fatalf("got %d units, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Unit != w.unit || got[i].Rank != w.rank || got[i].Score != w.score {
			t.Errorf("place %d: got %s rank %d score %v, want %s rank %d score %v", i, got[i].Unit, got[i].Rank, got[i].Score, w.unit, w.rank, w.score)
		}
	}
	// Unit c's reasons, by hand (above).
	c := got[0]
	wantC := []scoring.Reason{
		{Metric: scoring.FulfilmentRate, Value: 0.5, Weight: 40, EffectiveWeight: 40 * 97.0 / 67, Contribution: 28.9552},
		{Metric: scoring.OnTimeRate, Value: 0, Missing: true, Policy: scoring.MissingSkip, Weight: 30, Skipped: true},
		{Metric: scoring.SatisfactionRate, Value: 0.8, Missing: true, Policy: scoring.MissingAreaMean, Weight: 20, EffectiveWeight: 20 * 97.0 / 67, Contribution: 23.1642},
		{Metric: scoring.RedItems, Value: 0, Weight: -5, EffectiveWeight: -5 * 97.0 / 67, Contribution: 0},
		{Metric: scoring.Vanguards, Value: 3, Weight: 2, EffectiveWeight: 2 * 97.0 / 67, Contribution: 8.6866},
	}
	for j, w := range wantC {
		r := c.Reasons[j]
		if r.Metric != w.Metric || !near(r.Value, w.Value) || r.Missing != w.Missing || r.Policy != w.Policy || r.Weight != w.Weight ||
			!near(r.EffectiveWeight, w.EffectiveWeight) || r.Contribution != w.Contribution || r.Skipped != w.Skipped {
			t.Errorf("c's reason %d: got %+v, want %+v", j, r, w)
		}
	}
	// Unit b has no fulfilment data: counted as zero, no renormalising.
	b := got[2]
	if r := b.Reasons[0]; !r.Missing || r.Policy != scoring.MissingZero || r.Value != 0 || r.Contribution != 0 || r.EffectiveWeight != 40 {
		t.Errorf("b's fulfilment: got %+v, want missing, counted 0 at weight 40", r)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestScoreMissingPolicies takes one unit without a satisfaction survey
// under each policy, beside one unit with 60/100 satisfied.
//
//	rule: satisfaction 50 (policy varies), fulfilment 50 (zero)
//	x: fulfilment 1/1, no survey;  y: fulfilment 0/1, 60/100 satisfied → 0 + 30 = 30
//	zero:      x = 50 + 0 = 50
//	skip:      x = 50 × 100/50 = 100
//	area_mean: x = 50 + 50 × .6 = 80 (the mean of y alone)
//
// and, with nobody surveyed, area_mean skips: x = 100, y = 0.
func TestScoreMissingPolicies(t *testing.T) {
	x := scoring.Inputs{Unit: "x", PledgesFulfilled: 1}
	y := scoring.Inputs{Unit: "y", PledgesLapsed: 1, Satisfied: 60, Respondents: 100}
	yNone := scoring.Inputs{Unit: "y", PledgesLapsed: 1}
	rule := func(p scoring.Missing) scoring.Rule {
		return scoring.Rule{Version: 1, Metrics: []scoring.Weight{
			{Metric: scoring.SatisfactionRate, Weight: 50, Missing: p},
			{Metric: scoring.FulfilmentRate, Weight: 50, Missing: scoring.MissingZero},
		}}
	}
	tests := []struct {
		name   string
		policy scoring.Missing
		units  []scoring.Inputs
		want   map[string]float64
	}{
		{"zero", scoring.MissingZero, []scoring.Inputs{x, y}, map[string]float64{"x": 50, "y": 30}},
		{"skip", scoring.MissingSkip, []scoring.Inputs{x, y}, map[string]float64{"x": 100, "y": 30}},
		{"area_mean", scoring.MissingAreaMean, []scoring.Inputs{x, y}, map[string]float64{"x": 80, "y": 30}},
		{"area_mean with nobody surveyed skips", scoring.MissingAreaMean, []scoring.Inputs{x, yNone}, map[string]float64{"x": 100, "y": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range scoring.Score(rule(tt.policy), tt.units) {
				if r.Score != tt.want[r.Unit] {
					t.Errorf("%s: got %v, want %v (reasons %+v)", r.Unit, r.Score, tt.want[r.Unit], r.Reasons)
				}
			}
		})
	}
}

// TestScoreTies: equal scores share a rank, the next skips, and ties are
// listed by unit id; a difference below the fourth decimal place is no
// difference.
func TestScoreTies(t *testing.T) {
	rule := scoring.Rule{Version: 1, Metrics: []scoring.Weight{{Metric: scoring.FulfilmentRate, Weight: 3, Missing: scoring.MissingZero}}}
	// 3 × 1/3 = 1 and 3 × 2/6 = 1; 3 × 1/1 = 3; 3 × 0 = 0.
	got := scoring.Score(rule, []scoring.Inputs{
		{Unit: "u9", PledgesFulfilled: 2, PledgesLapsed: 4},
		{Unit: "u1", PledgesFulfilled: 1, PledgesLapsed: 2},
		{Unit: "u5", PledgesFulfilled: 1},
		{Unit: "u2", PledgesLapsed: 1},
		{Unit: "u3", PledgesFulfilled: 1, PledgesLapsed: 2},
	})
	want := []struct {
		unit string
		rank int
	}{{"u5", 1}, {"u1", 2}, {"u3", 2}, {"u9", 2}, {"u2", 5}}
	for i, w := range want {
		if got[i].Unit != w.unit || got[i].Rank != w.rank {
			t.Errorf("place %d: got %s rank %d, want %s rank %d", i, got[i].Unit, got[i].Rank, w.unit, w.rank)
		}
	}
}

func TestRuleBook(t *testing.T) {
	v := func(version int, from string, ws ...scoring.Weight) scoring.PublishRule {
		if ws == nil {
			ws = []scoring.Weight{{Metric: scoring.FulfilmentRate, Weight: 1, Missing: scoring.MissingSkip}}
		}
		return scoring.PublishRule{Version: version, EffectiveFrom: month(t, from), Metrics: ws}
	}
	book := &scoring.RuleBook{}
	publish := func(cmd scoring.PublishRule, want domaintest.Outcome) {
		t.Helper()
		evs, err := book.Publish(cmd, meta)
		domaintest.Check(t, evs, err, want)
		for _, e := range evs {
			book.Apply(e)
		}
	}
	publish(v(0, "2011-01"), domaintest.Invalid("version"))
	publish(v(2, "2011-01"), domaintest.Invalid("version")) // a gap: the first is 1
	publish(v(1, "2011-01"), domaintest.Emits("ranking_rule.published"))
	publish(v(1, "2011-02"), domaintest.Invalid("version")) // never edited
	publish(v(3, "2011-07"), domaintest.Invalid("version")) // a gap
	publish(v(2, "2010-12"), domaintest.Invalid("effective_from"))
	publish(v(2, "2011-07", scoring.Weight{Metric: scoring.OnTimeRate, Weight: 2, Missing: scoring.MissingZero}), domaintest.Emits("ranking_rule.published"))
	publish(v(3, "2011-07"), domaintest.Emits("ranking_rule.published")) // the same month: v3 replaces v2 from July on

	for _, tt := range []struct {
		month string
		want  int
	}{{"2010-12", 0}, {"2011-01", 1}, {"2011-06", 1}, {"2011-07", 3}, {"2012-01", 3}} {
		r, ok := book.InForce(month(t, tt.month))
		if got := map[bool]int{true: r.Version}[ok]; got != tt.want {
			t.Errorf("rule in force in %s: got version %d, want %d", tt.month, got, tt.want)
		}
	}
	if r, _ := book.Rule(2); r.Metrics[0].Metric != scoring.OnTimeRate {
		t.Errorf("version 2 weighs %v, want on_time_rate", r.Metrics)
	}
}

func TestRuleMetricsChecked(t *testing.T) {
	w := func(m scoring.Metric, weight float64, p scoring.Missing) scoring.Weight {
		return scoring.Weight{Metric: m, Weight: weight, Missing: p}
	}
	tests := []struct {
		name string
		ws   []scoring.Weight
		want domaintest.Outcome
	}{
		{"none", nil, domaintest.Invalid("metrics")},
		{"no metric", []scoring.Weight{{Weight: 1}}, domaintest.Invalid("metrics[0].metric")},
		{"twice", []scoring.Weight{w(scoring.Vanguards, 1, 0), w(scoring.Vanguards, 2, 0)}, domaintest.Invalid("metrics[1].metric")},
		{"zero weight", []scoring.Weight{w(scoring.Vanguards, 0, 0)}, domaintest.Invalid("metrics[0].weight")},
		{"huge weight", []scoring.Weight{w(scoring.Vanguards, -1001, 0)}, domaintest.Invalid("metrics[0].weight")},
		{"rate without a policy", []scoring.Weight{w(scoring.SatisfactionRate, 10, 0)}, domaintest.Invalid("metrics[0].missing")},
		{"count with a policy", []scoring.Weight{w(scoring.RedItems, -3, scoring.MissingSkip)}, domaintest.Invalid("metrics[0].missing")},
		{"counts and rates", []scoring.Weight{w(scoring.RedItems, -3, 0), w(scoring.OnTimeRate, 10, scoring.MissingAreaMean)}, domaintest.Emits("ranking_rule.published")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := (&scoring.RuleBook{}).Publish(scoring.PublishRule{Version: 1, EffectiveFrom: month(t, "2011-01"), Metrics: tt.ws}, meta)
			domaintest.Check(t, evs, err, tt.want)
			if len(evs) == 1 {
				// A count's policy is recorded spelled out.
				data, _ := json.Marshal(evs[0])
				if !strings.Contains(string(data), `{"metric":"red_items","weight":-3,"missing":"zero"}`) {
					t.Errorf("recorded %s", data)
				}
			}
		})
	}
}

func TestCodecsAndEnums(t *testing.T) {
	domaintest.CheckCodecs(t, scoring.Codecs(), []domain.Event{
		scoring.RulePublished{Version: 1, EffectiveFrom: month(t, "2011-01"), Name: "2011年计分办法",
			Metrics: []scoring.Weight{{Metric: scoring.FulfilmentRate, Weight: 40, Missing: scoring.MissingAreaMean}}, OccurredAt: now},
	})
	domaintest.CheckEnum(t, scoring.ParseMetric, []string{"fulfilment_rate", "on_time_rate", "red_items", "reopenings",
		"review_items_closed", "satisfaction_rate", "vanguards"}, "", "Fulfilment_rate")
	domaintest.CheckEnum(t, scoring.ParseMissing, []string{"zero", "skip", "area_mean"}, "", "mean")
}
