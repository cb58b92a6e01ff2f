// Package scoring holds how the office's monthly ranking of the units of
// an area (月度观摩点评) is computed from the ledger: the scoring rules the
// office publishes as data (a version, the month it takes effect from,
// metrics with weights and how missing data counts), the inputs of one
// unit for one month (counts of recorded facts), and Score, which applies
// a rule to the inputs of an area's units and ranks them. Everything here
// is pure: the inputs are counted elsewhere (package tally from the log,
// package projections in ClickHouse), and both apply the one Score.
//
// The exact definition of every metric, of the missing-data policies and
// of the tie rule is in docs/domain.md ("Monthly ranking computed from the
// ledger"); the comments below summarise it.
package scoring

import "github.com/cxzy/ledger/domain"

// Metric is one thing a rule may weigh. The zero value is invalid.
type Metric uint8

const (
	_ Metric = iota
	// FulfilmentRate (践诺兑现率): pledges of the unit (its own and its
	// members') fulfilled in the month over those fulfilled or declared
	// lapsed in the month; missing when neither happened.
	FulfilmentRate
	// OnTimeRate (按期整改率（原定时限）, against the original deadline):
	// acceptances (销号) of the unit's rectifications dated in the month
	// on or before the item's original deadline, over all its
	// acceptances dated in the month; missing when there was none.
	OnTimeRate
	// RedItems (月末红灯项目数): the unit's rectifications live (open, in
	// progress, submitted) and past their deadline in force at the
	// month's end. A count; never missing.
	RedItems
	// Reopenings (问题反弹次数): the unit's rectifications reopened in the
	// month. A count; never missing.
	Reopenings
	// ReviewItemsClosed (点评问题整改销号数): acceptances dated in the
	// month of the unit's rectifications ordered from a review remark's
	// shortcoming. A count; never missing.
	ReviewItemsClosed
	// SatisfactionRate (群众满意率): of the unit's latest satisfaction
	// survey recorded by the month's end, everyone but the dissatisfied
	// over all respondents; missing when there is no such survey or it
	// has no respondents.
	SatisfactionRate
	// Vanguards (评选先锋数): vanguard selections of the unit or its members
	// recorded in the month and not revoked. A count; never missing.
	Vanguards
)

var metricEnum = domain.NewEnum[Metric]("ranking metric", "Metric",
	"fulfilment_rate", "on_time_rate", "red_items", "reopenings", "review_items_closed", "satisfaction_rate", "vanguards")

// metricLabels are the metrics' Chinese names, in their order: each names
// what is counted as docs/domain.md defines it (a rate, or a number of
// things), so that a form's drop-down, a reason and the report say the
// same. On-time is against the original deadline, unlike the tracking
// summary's 按期整改率, which counts extensions; hence the qualifier.
var metricLabels = [...]string{"", "践诺兑现率", "按期整改率（原定时限）", "月末红灯项目数", "问题反弹次数", "点评问题整改销号数", "群众满意率", "评选先锋数"}

// ParseMetric reads a metric's name, such as "fulfilment_rate".
func ParseMetric(s string) (Metric, error) { return metricEnum.Parse(s) }

// Metrics lists every metric, in their fixed order.
func Metrics() []Metric { return metricEnum.Values() }

// Valid reports whether m is one of the metrics.
func (m Metric) Valid() bool { return metricEnum.Valid(m) }

func (m Metric) String() string                { return metricEnum.String(m) }
func (m Metric) MarshalText() ([]byte, error)  { return metricEnum.Marshal(m) }
func (m *Metric) UnmarshalText(b []byte) error { return metricEnum.Unmarshal(b, m) }

// MetricLabel is the metric's Chinese name, such as 践诺兑现率.
func MetricLabel(m Metric) string {
	if !m.Valid() {
		return m.String()
	}
	return metricLabels[m]
}

// Rate reports whether the metric is a ratio (0 to 1), which is missing
// when its denominator is zero; the others are counts, never missing.
func (m Metric) Rate() bool {
	return m == FulfilmentRate || m == OnTimeRate || m == SatisfactionRate
}

// Missing says how a rate counts for a unit that has no data for it in
// the month. The zero value is invalid in a recorded rule; a command may
// leave it out only for a count.
type Missing uint8

const (
	_ Missing = iota
	// MissingZero counts the rate as 0.
	MissingZero
	// MissingSkip leaves the metric out of the unit's score and
	// renormalises: the unit's other contributions are multiplied by the
	// sum of the rule's |weights| over the sum of the |weights| of the
	// metrics it is scored on.
	MissingSkip
	// MissingAreaMean counts the mean of the rate over the area's units
	// that have it (each unit's rate weighs the same); if none has it,
	// the metric is skipped as with MissingSkip.
	MissingAreaMean
)

var missingEnum = domain.NewEnum[Missing]("missing-data policy", "Missing", "zero", "skip", "area_mean")

// missingLabels are the policies' Chinese names, in their order.
var missingLabels = [...]string{"", "按零计", "不计并按权重折算", "按片区平均"}

// ParseMissing reads "zero", "skip" or "area_mean".
func ParseMissing(s string) (Missing, error) { return missingEnum.Parse(s) }

// MissingLabel is the policy's Chinese name.
func MissingLabel(p Missing) string {
	if !p.Valid() {
		return p.String()
	}
	return missingLabels[p]
}

// Valid reports whether p is one of the policies.
func (p Missing) Valid() bool { return missingEnum.Valid(p) }

func (p Missing) String() string                { return missingEnum.String(p) }
func (p Missing) MarshalText() ([]byte, error)  { return missingEnum.Marshal(p) }
func (p *Missing) UnmarshalText(b []byte) error { return missingEnum.Unmarshal(b, p) }
