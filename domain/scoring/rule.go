package scoring

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// RulesStream is the one stream of the scoring rules: every version in
// order, so that the rule book's invariants (versions 1, 2, ... without a
// gap, effective months never going back) are decided on one stream's
// state and its expected version, not across streams.
const RulesStream = "rankingrules"

// EntityRules names the rule book in errors and in the history's state.
const EntityRules = "ranking_rules"

// MaxWeight bounds a weight's magnitude.
const MaxWeight = 1000

// Weight is one metric of a rule: how much it weighs and, for a rate, how
// a unit without data counts. A negative weight makes a penalty (red
// items, reopenings).
type Weight struct {
	// Metric is what is weighed: fulfilment_rate, on_time_rate,
	// red_items, reopenings, review_items_closed, satisfaction_rate or
	// vanguards.
	Metric Metric `json:"metric"`
	// Weight multiplies the metric's value (a rate from 0 to 1, or a
	// count): finite, not zero, at most 1000 either way.
	Weight float64 `json:"weight"`
	// Missing is how a unit without data for a rate counts: zero, skip
	// or area_mean. Required for a rate; a count is never missing, so
	// for a count it is left out (or zero).
	Missing Missing `json:"missing,omitzero"`
}

// Rule is one version of the scoring rule: the metrics and weights
// applied to every area's units from EffectiveFrom until a later version
// takes effect.
type Rule struct {
	Version       int          `json:"version"`
	EffectiveFrom domain.Month `json:"effective_from"`
	Name          string       `json:"name,omitempty"`
	Metrics       []Weight     `json:"metrics"`
}

// Weight returns the rule's weight of m, and false if the rule does not
// weigh it.
func (r Rule) Weight(m Metric) (Weight, bool) {
	for _, w := range r.Metrics {
		if w.Metric == m {
			return w, true
		}
	}
	return Weight{}, false
}

// PublishRule is the command that publishes a new version of the scoring
// rule (计分规则). Versions are 1, 2, ... in order; a version takes effect
// from its month on, never before the previous version's.
type PublishRule struct {
	// Version is the new version: exactly one more than the latest
	// published (1 for the first).
	Version int `json:"version"`
	// EffectiveFrom is the first month (YYYY-MM) the version ranks; not
	// before the previous version's.
	EffectiveFrom domain.Month `json:"effective_from"`
	// Name is an optional label, such as 2011年月度观摩计分办法.
	Name string `json:"name"`
	// Metrics are the weighed metrics, each at most once.
	Metrics []Weight `json:"metrics"`
	// OccurredAt is when the office adopted the rule; default now.
	OccurredAt time.Time `json:"occurred_at"`
}

// RulePublished records a version of the scoring rule. It is never
// edited: a change is the next version.
type RulePublished struct {
	Version       int          `json:"version"`
	EffectiveFrom domain.Month `json:"effective_from"`
	Name          string       `json:"name,omitempty"`
	Metrics       []Weight     `json:"metrics"`
	OccurredAt    time.Time    `json:"occurred_at"`
}

func (RulePublished) EventType() string         { return "ranking_rule.published" }
func (RulePublished) ScopeUnit() string         { return "" }
func (e RulePublished) OccurredTime() time.Time { return e.OccurredAt }

// Rule is the version the event records.
func (e RulePublished) Rule() Rule {
	return Rule{Version: e.Version, EffectiveFrom: e.EffectiveFrom, Name: e.Name, Metrics: slices.Clone(e.Metrics)}
}

// Codecs lists the package's event types at their schema versions.
func Codecs() []domain.Codec {
	return []domain.Codec{domain.JSONCodec[RulePublished](1)}
}

// RuleBook is every published version of the scoring rule, rebuilt from
// RulesStream.
type RuleBook struct {
	Rules   []Rule // by version: Rules[i].Version == i+1
	Version uint64 // events applied, so the stream version of the last one
}

// Exists reports whether any version has been published.
func (b *RuleBook) Exists() bool { return len(b.Rules) > 0 }

// Latest is the highest version, and false if there is none.
func (b *RuleBook) Latest() (Rule, bool) {
	if len(b.Rules) == 0 {
		return Rule{}, false
	}
	return b.Rules[len(b.Rules)-1], true
}

// InForce is the rule for month m: the highest version whose effective
// month is on or before m, and false if none is.
func (b *RuleBook) InForce(m domain.Month) (Rule, bool) {
	for i := len(b.Rules) - 1; i >= 0; i-- {
		if !monthAfter(b.Rules[i].EffectiveFrom, m) {
			return b.Rules[i], true
		}
	}
	return Rule{}, false
}

// Rule returns version v, and false if it was never published.
func (b *RuleBook) Rule(v int) (Rule, bool) {
	if v < 1 || v > len(b.Rules) {
		return Rule{}, false
	}
	return b.Rules[v-1], true
}

func monthAfter(a, b domain.Month) bool {
	return a.Year > b.Year || a.Year == b.Year && a.Month > b.Month
}

// Apply rebuilds the book from one of its events; others are ignored, and
// so is a version out of order (never recorded by Publish).
func (b *RuleBook) Apply(e domain.Event) {
	b.Version++
	if p, ok := e.(RulePublished); ok && p.Version == len(b.Rules)+1 {
		b.Rules = append(b.Rules, p.Rule())
	}
}

// Publish records the next version of the rule. A version that is not
// the next one (a gap, or one already published: rules are never edited)
// is refused naming version; an effective month before the latest
// version's, naming effective_from.
func (b *RuleBook) Publish(cmd PublishRule, meta domain.Meta) ([]domain.Event, error) {
	next := len(b.Rules) + 1
	switch {
	case cmd.Version < 1:
		return nil, domain.Invalid("version", "must be a whole number from 1; the next version is %d", next)
	case cmd.Version < next:
		return nil, domain.Invalid("version", "version %d is already published and a rule is never edited: publish the change as version %d", cmd.Version, next)
	case cmd.Version > next:
		return nil, domain.Invalid("version", "versions go 1, 2, ... without a gap: the next version is %d, not %d", next, cmd.Version)
	}
	if err := domain.CheckMonth("effective_from", cmd.EffectiveFrom); err != nil {
		return nil, err
	}
	if latest, ok := b.Latest(); ok && monthAfter(latest.EffectiveFrom, cmd.EffectiveFrom) {
		return nil, domain.Invalid("effective_from", "version %d takes effect from %s: version %d may not take effect earlier, at %s",
			latest.Version, latest.EffectiveFrom, cmd.Version, cmd.EffectiveFrom)
	}
	name, err := domain.OptionalText("name", cmd.Name, domain.MaxNameRunes)
	if err != nil {
		return nil, err
	}
	metrics, err := cleanWeights(cmd.Metrics)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{RulePublished{Version: cmd.Version, EffectiveFrom: cmd.EffectiveFrom, Name: name, Metrics: metrics, OccurredAt: at}}, nil
}

// cleanWeights checks a rule's metrics and returns them with every
// policy spelled out (zero for a count).
func cleanWeights(ws []Weight) ([]Weight, error) {
	if len(ws) == 0 {
		return nil, domain.Invalid("metrics", "must weigh at least one metric")
	}
	all := Metrics()
	if len(ws) > len(all) {
		return nil, domain.Invalid("metrics", "must list each metric at most once (%d metrics)", len(all))
	}
	out := make([]Weight, len(ws))
	seen := map[Metric]bool{}
	for i, w := range ws {
		field := fmt.Sprintf("metrics[%d]", i)
		if !w.Metric.Valid() {
			return nil, domain.Invalid(field+".metric", "is required: one of %v", all)
		}
		if seen[w.Metric] {
			return nil, domain.Invalid(field+".metric", "%s is weighed twice", w.Metric)
		}
		seen[w.Metric] = true
		if math.IsNaN(w.Weight) || math.IsInf(w.Weight, 0) || w.Weight == 0 || math.Abs(w.Weight) > MaxWeight {
			return nil, domain.Invalid(field+".weight", "must be a number other than 0, from -%d to %d", MaxWeight, MaxWeight)
		}
		switch {
		case w.Metric.Rate() && !w.Missing.Valid():
			return nil, domain.Invalid(field+".missing", "is required for the rate %s: zero, skip or area_mean", w.Metric)
		case !w.Metric.Rate() && w.Missing != 0 && w.Missing != MissingZero:
			return nil, domain.Invalid(field+".missing", "%s is a count and is never missing: leave missing out", w.Metric)
		case !w.Metric.Rate():
			w.Missing = MissingZero
		}
		out[i] = w
	}
	return out, nil
}
