package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cxzy/ledger/domain/annual"
)

// The summary's text: the district's own summary (the seed document),
// section by section, with each blank it left (`___个`) either filled by a
// figure of the ledger or named as not recorded. The text is built once as
// blocks of spans and rendered as Markdown or HTML.

// span is a piece of a paragraph: text, a figure, a rate, or a blank the
// ledger does not record.
type span struct {
	text string
	fig  string // a figure's id
	rate string // a rate's id
	nr   bool   // not recorded: text says what
}

// block is a heading, a paragraph (with a bold lead), a note, or the
// trend (a table, and charts in HTML).
type block struct {
	kind  string // h1, h2, p, note, trend
	lead  string // p: the bold lead sentence, such as （一）强化组织领导……
	spans []span
}

func t(s string) span       { return span{text: s} }
func f(id string) span      { return span{fig: id} }
func r(id string) span      { return span{rate: id} }
func nr(s string) span      { return span{text: s, nr: true} }
func p(spans ...span) block { return block{kind: "p", spans: spans} }

func lead(l string, spans ...span) block { return block{kind: "p", lead: l, spans: spans} }

// notRecorded is how a blank the ledger cannot fill reads.
const notRecorded = "〔未记录〕"

// chineseDate writes a date as 2026年12月31日.
func chineseDate(tm time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", tm.Year(), int(tm.Month()), tm.Day())
}

// title is the summary's title.
func (rp *Report) title() string {
	who := rp.District
	if who == "" {
		who = "全区"
	}
	s := fmt.Sprintf("%s创先争优工作总结（%d年度）", who, rp.Year)
	if rp.Area != "" {
		s = fmt.Sprintf("%s创先争优工作总结（%d年度·%s）", who, rp.Year, rp.areaText())
	}
	return s
}

func (rp *Report) areaText() string {
	if rp.AreaName != "" {
		return rp.AreaName
	}
	return rp.Area
}

// asOfText is when stocks are taken, in words: 2026年12月31日 for the
// year's end, else the day and time the checkpoint was signed.
func (rp *Report) asOfText() string {
	c := rp.Cutoff.In(rp.location())
	if c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 && c.Month() == time.January && c.Day() == 1 {
		return chineseDate(c.Add(-time.Nanosecond)) + "日终"
	}
	return chineseDate(c) + fmt.Sprintf("%d时%02d分", c.Hour(), c.Minute())
}

func (rp *Report) location() *time.Location {
	if rp.loc != nil {
		return rp.loc
	}
	return time.UTC
}

// document is the summary as blocks.
func (rp *Report) document() []block {
	who := rp.District
	if who == "" {
		who = "全区"
	}
	scope := "全区"
	if rp.Area != "" {
		scope = rp.areaText()
	}
	asOf := rp.asOfText()
	doc := []block{
		{kind: "h1", spans: []span{t(rp.title())}},
		{kind: "note", spans: rp.preface()},
		p(t("创先争优活动开展以来，"+who+"按照上级党组织和创先争优活动领导小组的安排部署，紧紧围绕“推动科学发展、促进社会和谐、服务人民群众、加强基层组织”的目标任务，"+
			"以“一季一主题、一季一承诺、一季一点评、一季一先锋”为主线，扎实推动创先争优活动开展，充分发挥党组织的战斗堡垒作用和党员的先锋模范作用。"+
			"本年度（"), t(strconv.Itoa(rp.Year)), t("年）活动情况总结如下。")),

		{kind: "h2", spans: []span{t("一、创先争优活动主要做法")}},
		lead("（一）强化组织领导，确保创先争优活动顺利推进。",
			t("坚持一把手负责制，建立领导干部联系点制度。"+scope+"建立活动领导小组及办公室"), nr("领导小组及办公室数"), t("个（账本不记录领导小组的设立）；截至"+asOf+"，党员领导干部联系点"),
			f(annual.ContactPoints), t("个。强化督导考核，全区本年度开展工作的指导检查组"), f(annual.Groups),
			t("个，采取专项检查与随机抽查相结合的方式，全年开展专项检查"), f(annual.InspectionsSpecial), t("次、随机抽查"), f(annual.InspectionsRandom),
			t("次，检查完成时认定问题"), f(annual.Findings), t("个。对点评、检查、测评和月度排名中发现的问题，全年责令整改"), f(annual.RectOrdered),
			t("项；全年验收销号"), f(annual.RectClosed), t("项，其中按期销号"), f(annual.RectClosedOnTime), t("项，按期整改率"), r("on_time_rate"),
			t("（含批准延期）；按原定时限计，全年验收"), f(annual.Acceptances), t("次，其中在原定时限内"), f(annual.AcceptancesOnTime), t("次，按期整改率（原定时限）"),
			r("on_time_rate_original"), t("。")),
		lead("（二）规范方式步骤，推动“四个一”活动开展。",
			t("按照一季一主题、一季一承诺、一季一点评、一季一先锋的要求，将每季度主题设置、公开承诺、领导点评、先锋评选、群众满意度测评等内容全部纳入记实范畴。"+
				"本年度"+scope+"各级党组织共确定活动主题"), f(annual.Themes), t("个，承诺事项"), f(annual.Pledges), t("件，各级领导深入点评"), f(annual.Reviews),
			t("次，查找缺点和不足"), f(annual.Shortcomings), t("条，提出改进措施"), f(annual.Measures), t("条，各部门单位评选先锋模范人物"),
			f(annual.VanguardsIndividual), t("人。")),
		lead("（三）深入联系群众，扎实开展“包千村联万户促和谐谋发展”活动。",
			t("参与活动的部门单位"), nr("部门单位数"), t("个、党员干部"), nr("人数"), t("名，包村"), nr("村数"), t("个，联户"), nr("户数"),
			t("家；制定帮扶计划"), nr("项数"), t("项，解决实际困难"), nr("件数"), t("件，征求意见建议"), nr("条数"), t("条，提供致富信息"), nr("条数"),
			t("条（账本不记录“包千村联万户”活动的台账）。党员联系点的数量见上。")),
		lead("（四）优化服务质量，大力推进窗口单位和服务行业创先争优。",
			t("窗口服务单位党组织按照“一季一承诺”的要求公开承诺，本年度窗口单位承诺事项"), f(annual.WindowPledges),
			t("件。为群众提供服务"), nr("件次"), t("件次、代办服务"), nr("件次"), t("件次、上门服务"), nr("件次"), t("件次，办理网上审批事项"), nr("件数"),
			t("件（账本不记录窗口业务量）。")),
		lead("（五）围绕“五个一”工作主线，深入开展基层组织建设年活动。",
			t("以整顿转化后进村为重点推动农村党建工作晋位升级，开展两新组织党建和机关党建工作。结成比学赶超对子的单位"), nr("单位数"), t("个、党员"), nr("人数"),
			t("名，制定比学赶超措施"), nr("条数"), t("条（账本不记录比学赶超活动）。")),
		lead("（六）注重典型引导，营造浓郁创争氛围。",
			t("坚持用身边典型教育党员群众，本年度评选先进集体"), f(annual.VanguardsCollective), t("个、先锋个人"), f(annual.VanguardsIndividual),
			t("人。在媒体开设专栏、刊发报道的情况"), nr("媒体和篇数"), t("（账本不记录宣传报道）。")),
		lead("（七）实施月度观摩点评，注重考核结果运用。",
			t("重点围绕季度主题开展月度观摩点评，全区划分为"), f(annual.AreasRegistered),
			t("个片区，由包靠领导指导，每月底集中观摩评比。本年度发布片区月度排名"), f(annual.RankingsPublished),
			t("个（片区×月），其中由账本按计分规则计算并确认发布"), f(annual.RankingsComputed), t("个。")),

		{kind: "h2", spans: []span{t("二、取得的成效")}},
		lead("（一）推动了经济社会科学发展。",
			t("全年完成地区生产总值"), nr("亿元"), t("亿元，规模以上主营业务收入"), nr("亿元"), t("亿元，同比增长"), nr("%"),
			t("；实现财政总收入"), nr("亿元"), t("亿元，地方财政收入"), nr("亿元"), t("亿元；在建项目"), nr("个数"), t("个，协议总投资"), nr("亿元"),
			t("亿元，完成全社会固定资产投资"), nr("亿元"), t("亿元；科研机构、科技计划、研发成果和专利"), nr("项数"),
			t("（经济和科技指标账本不记录，须由统计部门提供）。")),
		lead("（二）党员干部的思想认识不断提高、观念和作风进一步转变。",
			t("全年承诺兑现"), f(annual.PledgesFulfilled), t("件，登记未兑现"), f(annual.PledgesLapsed), t("件，践诺兑现率"), r("fulfilment_rate"), t("。")),
		lead("（三）基层组织建设水平显著提升。",
			t("进一步创新基层组织设置形式。截至"+asOf+"，"+scope+"登记村"), f(annual.Villages), t("个、大社区"), f(annual.BigCommunities),
			t("个。财政每年出资"), nr("万元"), t("万元落实村干部补贴报酬和大学生村官待遇（账本不记录财政投入）。")),
		lead("（四）广大群众得到了更多的实惠。",
			t("全年群众满意度测评参评"), f(annual.Respondents), t("人次，表示满意（含非常满意、基本满意）"), f(annual.Satisfied),
			t("人次，群众满意率"), r("satisfaction_rate"), t("。解决事关群众切身利益的突出问题"), nr("件数"), t("件，惠民工程投资"), nr("万元"),
			t("万元（账本不记录）。")),

		{kind: "h2", spans: []span{t("三、存在的问题及下一步打算")}},
		p(t("账本记录显示的问题主要有：截至"+asOf+"，仍有"), f(annual.RedItems), t("项整改逾期未销号（红灯）；全年问题反弹"), f(annual.Reopenings),
			t("次，问题反弹率"), r("recurrence_rate"), t("；登记未兑现的承诺"), f(annual.PledgesLapsed),
			t("件。活动开展是否平衡、载体是否丰富、宣传力度是否足够，账本不作判断。")),
		p(t("下一步，一是抓领导，落实责任，党员领导干部至少每季度深入联系点调研指导一次；二是树典型，营造氛围，做好每季度先锋评选；" +
			"三是抓载体，突出实效，深化“四个一”推进机制；四是抓督查，强力推进，对逾期未销号的整改逐项督办、限期整改，对反弹问题查找原因。")),

		{kind: "h2", spans: []span{t("附：季度趋势")}},
		{kind: "trend"},
	}
	return doc
}

// preface says where the figures come from.
func (rp *Report) preface() []span {
	cp := rp.Checkpoint
	signed := "生成时已用公钥 " + cp.KeyName + "（" + cp.KeyID + "）验证签名"
	if !cp.Verified {
		signed = "生成时未验证签名，请用账本公布的公钥验证（ledgerctl audit 同法）"
	}
	s := fmt.Sprintf("本总结由创先争优账本生成。文中每个数字都注明出处：在签名检查点（事件数 %d，根哈希 %s，%s签名，%s）处，"+
		"对 ClickHouse 数据库 %s 运行的查询（只读该检查点所含事件的记录），并已由账本事件在 Go 中独立重算，两者一致才予采用。"+
		"标%s的是账本不记录的数字（经济、投资、帮扶成效等），须由其他来源填写，本报告不作估计。"+
		"统计口径：业务发生时间，按北京时间（Asia/Shanghai）计；活动数字计入所属活动季度（%d年第一至第四季度）；存量截至%s（年内为检查点签名时）。",
		cp.Size, cp.Root, chineseDate(cp.Time.In(rp.location())), signed, rp.Database, notRecorded, rp.Year, rp.asOfText())
	if rp.Area != "" {
		s += "本总结为" + rp.areaText() + "（" + rp.Area + "）的数字；指导检查组和片区数为全区数字。"
	}
	out := []span{t(s)}
	if rp.Disagreements > 0 {
		out = append([]span{t(fmt.Sprintf("⚠ 注意：本报告有 %d 个数字的 ClickHouse 查询与账本重算不一致，已在原处标出，未予采用；请先运行 ledgerctl reconcile 查明原因，不得引用这些数字。", rp.Disagreements))}, out...)
	}
	return out
}

// percent writes a rate as 87.5%, or 无数据 for none.
func percent(v *float64) string {
	if v == nil {
		return "—（无数据）"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// notes numbers the footnotes in the order the document first cites them:
// figures, rates and the trend; figures the text does not cite come last.
type notes struct {
	order []string // "fig:<id>", "rate:<id>", "trend"
	index map[string]int
}

func (n *notes) cite(key string) int {
	if n.index == nil {
		n.index = map[string]int{}
	}
	if i, ok := n.index[key]; ok {
		return i
	}
	n.order = append(n.order, key)
	n.index[key] = len(n.order)
	return len(n.order)
}

// numbered walks the document once, numbering its citations, and adds
// every figure it did not cite.
func (rp *Report) numbered(doc []block) *notes {
	n := &notes{}
	for _, b := range doc {
		for _, s := range b.spans {
			switch {
			case s.fig != "":
				n.cite("fig:" + s.fig)
			case s.rate != "":
				n.cite("rate:" + s.rate)
			}
		}
		if b.kind == "trend" {
			n.cite("trend")
		}
	}
	for _, fg := range rp.Figures {
		n.cite("fig:" + fg.ID)
	}
	for _, rt := range rp.Rates {
		n.cite("rate:" + rt.ID)
	}
	return n
}

// rate returns the rate id.
func (rp *Report) rate(id string) Rate {
	for _, rt := range rp.Rates {
		if rt.ID == id {
			return rt
		}
	}
	return Rate{ID: id}
}

// figureText is a figure as the text prints it: its value, or the
// disagreement in its place.
func figureText(fg Figure) string {
	if !fg.Agree {
		return fmt.Sprintf("⚠不一致（ClickHouse %d，账本重算 %d）", fg.ClickHouse, fg.Log)
	}
	return strconv.FormatInt(fg.Value, 10)
}

// provenance is a figure's footnote in words, before its SQL.
func (rp *Report) provenance(fg Figure) string {
	s := fmt.Sprintf("%s：%s%s。ClickHouse 数据库 %s，检查点（事件数 %d，根哈希 %s）所含事件（position ≤ %d）；账本重算（Go，domain/annual）",
		fg.Label, figureText(fg), fg.Unit, rp.Database, rp.Checkpoint.Size, rp.Checkpoint.Root, rp.Position)
	if fg.Agree {
		s += "一致。"
	} else {
		s += fmt.Sprintf("为 %d，与 ClickHouse 的 %d 不一致，未予采用。", fg.Log, fg.ClickHouse)
	}
	if fg.District {
		s += "此为全区数字。"
	}
	return s
}

// rateProvenance says how a rate is computed, citing its figures' notes.
func (rp *Report) rateProvenance(rt Rate, n *notes) string {
	part := func(ids []string) string {
		s := ""
		for i, id := range ids {
			if i > 0 {
				s += " + "
			}
			fg, _ := rp.Figure(id)
			s += fmt.Sprintf("%s（注 %d）", fg.Label, n.cite("fig:"+id))
		}
		return s
	}
	return fmt.Sprintf("%s：%s = %s ÷ %s，由上列数字计算。", rt.Label, percent(rt.Value), part(rt.Numerator), part(rt.Denominator))
}
