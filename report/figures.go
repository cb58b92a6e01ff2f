package report

import (
	"fmt"
	"strings"

	"github.com/cxzy/ledger/domain/annual"
)

// The figures of the year-end summary as ClickHouse answers them: one SQL
// text per figure, run exactly as the footnote prints it (every constant
// written out, no bound parameters), so that an auditor pastes it into
// clickhouse-client and gets the same number. Every query reads only
// append-only tables (facts, rectification_steps, unit_areas, events) and
// only their rows at or below the position of the checkpoint's last event,
// so it answers for the ledger as the checkpoint seals it, however far the
// projector has gone since. The same figure counted from the log in Go is
// annual.Ledger.Figures, under the same key.

// sqlParams are the constants a figure's SQL is written with.
type sqlParams struct {
	db       string
	pos      uint64 // the stored position (prepare) of the checkpoint's last event
	year     int
	area     string // "" for the district
	quarters string // 'YYYYQ1', ..., 'YYYYQ4'
	start    string // the year's first instant, UTC, as toDateTime reads it
	end      string // the next year's first instant, UTC
	cutoff   string // the instant stocks are taken at, UTC
	lastDay  string // the day before the cutoff's day in the deployment's zone: a deadline on or before it is missed at the cutoff
}

// quote writes s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func (p sqlParams) table(name string) string { return p.db + "." + name }

func (p sqlParams) at(utc string) string { return "toDateTime(" + quote(utc) + ", 'UTC')" }

// inYear bounds the business time of events to the year.
func (p sqlParams) inYear() string {
	return "occurred_at >= " + p.at(p.start) + " AND occurred_at < " + p.at(p.end)
}

// areaOf filters on a column holding an area, for an area's summary.
func (p sqlParams) areaOf(column string) string {
	if p.area == "" {
		return ""
	}
	return "\n  AND " + column + " = " + quote(p.area)
}

// unitsInArea filters a unit column on the units whose area at the cutoff
// is the summary's: their latest registration or move dated before it.
func (p sqlParams) unitsInArea(column string) string {
	if p.area == "" {
		return ""
	}
	return "\n  AND " + column + " IN (\n    SELECT unit FROM (\n      SELECT unit, argMax(area, position) AS area_then FROM " + p.table("unit_areas") +
		"\n      WHERE position <= " + fmt.Sprint(p.pos) + " AND occurred_at < " + p.at(p.cutoff) +
		"\n      GROUP BY unit\n    ) WHERE area_then = " + quote(p.area) + "\n  )"
}

// figureDef is one figure: its key, its Chinese name and unit, and its SQL.
type figureDef struct {
	id    string
	label string
	unit  string
	// district: the district's own figure (inspection groups, areas),
	// the same in an area's summary.
	district bool
	sql      func(p sqlParams) string
}

// fact sums one metric of the facts table over the year's quarters: the
// campaign quarter for pledges, reviews, themes, vanguards and surveys,
// the calendar quarter for rectifications (projections' Trends).
func fact(metric, extra string) func(p sqlParams) string {
	return func(p sqlParams) string {
		return "SELECT toInt64(sum(value)) FROM " + p.table("facts") +
			"\nWHERE metric = " + quote(metric) + " AND quarter IN (" + p.quarters + ")" + extra +
			"\n  AND position <= " + fmt.Sprint(p.pos) + p.areaOf("area")
	}
}

// steps counts the rectification events of one kind dated in the year.
func steps(where string) func(p sqlParams) string {
	return func(p sqlParams) string {
		return "SELECT toInt64(count()) FROM " + p.table("rectification_steps") +
			"\nWHERE " + where + fmt.Sprintf(" AND month >= '%04d-01' AND month <= '%04d-12'", p.year, p.year) +
			"\n  AND position <= " + fmt.Sprint(p.pos) + p.unitsInArea("unit")
	}
}

// events counts events of a type dated in the year, or before the cutoff.
func events(typ, where string, stock bool) func(p sqlParams) string {
	return func(p sqlParams) string {
		when := p.inYear()
		if stock {
			when = "occurred_at < " + p.at(p.cutoff)
		}
		return "SELECT toInt64(count()) FROM " + p.table("events") +
			"\nWHERE type = " + quote(typ) + where + "\n  AND " + when +
			"\n  AND position <= " + fmt.Sprint(p.pos) + p.areaOf("area")
	}
}

// figureDefs are every figure of the summary, in the order of the
// figures sheet.
var figureDefs = []figureDef{
	{id: annual.Themes, label: "活动主题", unit: "个", sql: fact("themes_set", "")},
	{id: annual.Pledges, label: "承诺事项", unit: "件", sql: fact("pledges_made", "")},
	{id: annual.PledgesFulfilled, label: "承诺兑现", unit: "件", sql: fact("pledges_fulfilled", "")},
	{id: annual.PledgesLapsed, label: "登记未兑现的承诺", unit: "件", sql: fact("pledges_lapsed", "")},
	{id: annual.WindowPledges, label: "窗口单位承诺事项", unit: "件", sql: fact("pledges_made", " AND unit_kind = 'window_unit'")},
	{id: annual.Reviews, label: "点评", unit: "次", sql: fact("reviews", "")},
	{id: annual.Shortcomings, label: "查找缺点和不足", unit: "条", sql: fact("shortcomings", "")},
	{id: annual.Measures, label: "提出改进措施", unit: "条", sql: fact("measures", "")},
	{id: annual.VanguardsIndividual, label: "评选先锋模范人物（先锋个人）", unit: "人", sql: fact("vanguards_individual", "")},
	{id: annual.VanguardsCollective, label: "评选先进集体", unit: "个", sql: fact("vanguards_collective", "")},
	{id: annual.Respondents, label: "群众满意度测评参评", unit: "人次", sql: fact("satisfaction_respondents", "")},
	{id: annual.Satisfied, label: "测评满意（含非常满意、基本满意）", unit: "人次", sql: fact("satisfaction_satisfied", "")},
	{id: annual.RectOrdered, label: "责令整改", unit: "项", sql: fact("rectifications_opened", "")},
	{id: annual.RectClosed, label: "验收销号（现为已销号）", unit: "项", sql: fact("rectifications_closed", "")},
	{id: annual.RectClosedOnTime, label: "按期销号（含批准延期）", unit: "项", sql: fact("rectifications_closed_on_time", "")},
	{id: annual.Acceptances, label: "验收销号（每次验收都计）", unit: "次", sql: steps("step = 'accepted'")},
	{id: annual.AcceptancesOnTime, label: "在原定时限内验收销号", unit: "次", sql: steps("step = 'accepted' AND on_time_original = 1")},
	{id: annual.Reopenings, label: "问题反弹", unit: "次", sql: steps("step = 'reopened'")},
	{id: annual.RedItems, label: "逾期未销号（红灯）整改", unit: "项", sql: func(p sqlParams) string {
		return "SELECT toInt64(count()) FROM (\n  SELECT id, argMax(unit, position) AS r_unit, argMax(live, position) AS r_live, argMax(deadline, position) AS r_deadline" +
			"\n  FROM " + p.table("rectification_steps") +
			"\n  WHERE position <= " + fmt.Sprint(p.pos) + " AND occurred_at < " + p.at(p.cutoff) +
			"\n  GROUP BY id\n) WHERE r_live = 1 AND r_deadline <= toDate(" + quote(p.lastDay) + ")" + p.unitsInArea("r_unit")
	}},
	{id: annual.InspectionsSpecial, label: "专项检查", unit: "次", sql: events("inspection.started", " AND visitParamExtractString(payload, 'kind') = 'special'", false)},
	{id: annual.InspectionsRandom, label: "随机抽查", unit: "次", sql: events("inspection.started", " AND visitParamExtractString(payload, 'kind') = 'random'", false)},
	{id: annual.Findings, label: "检查完成时认定的问题", unit: "个", sql: func(p sqlParams) string {
		return "SELECT toInt64(sum(visitParamExtractUInt(payload, 'findings'))) FROM " + p.table("events") +
			"\nWHERE type = 'inspection.completed'\n  AND " + p.inYear() +
			"\n  AND position <= " + fmt.Sprint(p.pos) + p.areaOf("area")
	}},
	{id: annual.Groups, label: "开展工作的指导检查组", unit: "个", district: true, sql: func(p sqlParams) string {
		return "SELECT toInt64(countIf(type = 'group.formed' AND occurred_at < " + p.at(p.cutoff) + ")" +
			"\n  - countIf(type = 'group.dissolved' AND occurred_at < " + p.at(p.start) + "))" +
			"\nFROM " + p.table("events") +
			"\nWHERE type IN ('group.formed', 'group.dissolved') AND position <= " + fmt.Sprint(p.pos)
	}},
	{id: annual.ContactPoints, label: "领导干部联系点", unit: "个", sql: func(p sqlParams) string {
		return "SELECT toInt64(count()) FROM (" +
			"\n  SELECT stream, visitParamExtractString(payload, 'unit_id') AS guided," +
			"\n         argMax(type, position) AS last_type, argMax(area, position) AS last_area" +
			"\n  FROM " + p.table("events") +
			"\n  WHERE type IN ('member.contact_point_assigned', 'member.contact_point_ended')" +
			"\n    AND position <= " + fmt.Sprint(p.pos) + " AND occurred_at < " + p.at(p.cutoff) +
			"\n  GROUP BY stream, guided" +
			"\n) WHERE last_type = 'member.contact_point_assigned'" + p.areaOf("last_area") +
			"\n  AND stream NOT IN (\n    SELECT stream FROM " + p.table("events") +
			"\n    WHERE type = 'member.left' AND position <= " + fmt.Sprint(p.pos) + " AND occurred_at < " + p.at(p.cutoff) + "\n  )"
	}},
	{id: annual.AreasRegistered, label: "片区", unit: "个", district: true, sql: func(p sqlParams) string {
		return "SELECT toInt64(count()) FROM " + p.table("events") +
			"\nWHERE type = 'area.registered' AND occurred_at < " + p.at(p.cutoff) + " AND position <= " + fmt.Sprint(p.pos)
	}},
	{id: annual.Villages, label: "村", unit: "个", sql: events("unit.registered", " AND visitParamExtractString(payload, 'kind') = 'village'", true)},
	{id: annual.BigCommunities, label: "大社区", unit: "个", sql: events("unit.registered", " AND visitParamExtractString(payload, 'kind') = 'big_community'", true)},
	{id: annual.RankingsPublished, label: "发布的片区月度排名（片区×月）", unit: "个", sql: rankings("")},
	{id: annual.RankingsComputed, label: "其中由账本按计分规则计算并确认发布", unit: "个", sql: rankings(" AND visitParamHas(payload, 'computed')")},
}

// rankings counts the first publications of areas' rankings of the
// year's months.
func rankings(extra string) func(p sqlParams) string {
	return func(p sqlParams) string {
		return "SELECT toInt64(count()) FROM " + p.table("events") +
			"\nWHERE type = 'ranking.published'" +
			fmt.Sprintf(" AND substring(visitParamExtractString(payload, 'month'), 1, 4) = '%04d'", p.year) + extra +
			"\n  AND position <= " + fmt.Sprint(p.pos) + p.areaOf("visitParamExtractString(payload, 'area_id')")
	}
}

// trendSQL reads every quarter of every trend series at once: rows of
// (quarter, metric, sum).
func trendSQL(p sqlParams) string {
	ms := make([]string, len(annual.TrendMetrics))
	for i, m := range annual.TrendMetrics {
		ms[i] = quote(m)
	}
	return "SELECT quarter, metric, toInt64(sum(value)) FROM " + p.table("facts") +
		"\nWHERE metric IN (" + strings.Join(ms, ", ") + ")" +
		"\n  AND quarter IN (" + p.quarters + ")" +
		"\n  AND position <= " + fmt.Sprint(p.pos) + p.areaOf("area") +
		"\nGROUP BY quarter, metric ORDER BY quarter, metric"
}

// trendLabels are the series' Chinese names.
var trendLabels = map[string]string{
	"pledges_made": "承诺事项", "pledges_fulfilled": "承诺兑现", "pledges_lapsed": "未兑现",
	"reviews": "点评", "shortcomings": "缺点和不足",
	"rectifications_opened": "责令整改", "rectifications_closed": "验收销号", "rectifications_closed_on_time": "按期销号",
	"satisfaction_satisfied": "测评满意人次", "satisfaction_respondents": "测评参评人次",
}

// rateDef is a ratio of two figures.
type rateDef struct {
	id, label string
	num, den  []string // summed figure ids
}

var rateDefs = []rateDef{
	{"fulfilment_rate", "践诺兑现率（兑现 ÷ 兑现与未兑现之和）", []string{annual.PledgesFulfilled}, []string{annual.PledgesFulfilled, annual.PledgesLapsed}},
	{"satisfaction_rate", "群众满意率（满意 ÷ 参评）", []string{annual.Satisfied}, []string{annual.Respondents}},
	{"on_time_rate", "按期整改率（按期销号 ÷ 验收销号，含批准延期）", []string{annual.RectClosedOnTime}, []string{annual.RectClosed}},
	{"on_time_rate_original", "按期整改率（原定时限：按期验收 ÷ 验收次数）", []string{annual.AcceptancesOnTime}, []string{annual.Acceptances}},
	{"recurrence_rate", "问题反弹率（反弹次数 ÷ 验收次数）", []string{annual.Reopenings}, []string{annual.Acceptances}},
}
