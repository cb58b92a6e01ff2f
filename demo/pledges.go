package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/eventlog"
)

// outcome is where a pledge's script leads, if --until lets it get there.
type outcome int

const (
	oPending outcome = iota
	oReturned
	oRevised
	oWithdrawn
	oFiled
	oDisclosed
	oInProgress
	oFulfilled
	oLapsedExplained
	oLapsedSilent
	oEvaluated
	nOutcomes
)

// pledgeWeights are the odds of each outcome: most pledges are kept and
// evaluated; every other way a pledge can end is there, rarer.
var pledgeWeights = [nOutcomes]int{3, 3, 3, 3, 2, 3, 8, 18, 5, 3, 49}

func weighted(r *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

var unitCategories = []pledge.Category{pledge.StageTask, pledge.ServiceForMasses, pledge.SelfImprovement}
var memberCategories = []pledge.Category{pledge.Duty, pledge.ServingMasses, pledge.Integrity}

// unitPledgeScript is the pledge of unit u in category c for quarter q.
func (d *district) unitPledgeScript(q, u, c int) script {
	qq := d.quarters[q]
	unit := d.units[u].id
	key := fmt.Sprintf("p-%s-%s-%d", qq, unit, c+1)
	r := rngFor(d.seed, key)
	o := outcome(weighted(r, pledgeWeights[:]))
	if q <= 1 && c == 0 && u < int(nOutcomes) {
		o = outcome(u) // every outcome occurs in a finished quarter
	}
	start := d.work(qq.FirstDay().AddDays(2+r.IntN(10)), r)
	return d.pledgeScript(key, r, o, qq, start, pledge.SubmitCommand{
		Maker: pledge.MakerUnit, Unit: unit, Quarter: qq, Category: unitCategories[c],
		Title:   pick(r, unitPledgeTexts[unitCategories[c].String()]),
		Content: "围绕本季度主题，" + pick(r, unitPledgeTexts[unitCategories[c].String()]) + "，按期向群众公开进展。",
	}, clerk(unit), d.superior(u, start), q <= 1 && c == 0 && u < int(nOutcomes))
}

// memberPledgeScript is member i's pledge for quarter q, if they make one.
func (d *district) memberPledgeScript(q, i int) script {
	qq := d.quarters[q]
	m := d.member(i)
	key := fmt.Sprintf("p-%s-%s", qq, m.id)
	r := rngFor(d.seed, key)
	if r.IntN(10) == 0 {
		return script{key: key} // no pledge this quarter
	}
	start := d.work(qq.FirstDay().AddDays(3+r.IntN(12)), r)
	u, active := m.unitAt(start)
	if !active || (!m.moveAt.IsZero() && absDays(start.Sub(m.moveAt)) < 20) {
		return script{key: key}
	}
	unit := d.units[u].id
	c := memberCategories[r.IntN(3)]
	o := outcome(weighted(r, pledgeWeights[:]))
	maker := domain.Actor{ID: m.id, Unit: unit}
	return d.pledgeScript(key, r, o, qq, start, pledge.SubmitCommand{
		Maker: pledge.MakerMember, Unit: unit, Member: m.id, Quarter: qq, Category: c,
		Title:   pick(r, memberPledgeTexts[c.String()]),
		Content: m.name + "同志承诺：" + pick(r, memberPledgeTexts[c.String()]) + "。",
	}, maker, clerk(unit), false)
}

func absDays(d time.Duration) int {
	if d < 0 {
		d = -d
	}
	return int(d.Hours() / 24)
}

// pledgeScript writes a pledge's life up to its outcome: maker submits,
// vetter returns or files, maker discloses and reports, the period ends
// with fulfilment or lapse, evaluators give verdicts.
func (d *district) pledgeScript(key string, r *rand.Rand, o outcome, q domain.Quarter, t time.Time, sub pledge.SubmitCommand, maker, vetter domain.Actor, full bool) script {
	s := script{key: key}
	id := key
	stream := pledge.Stream(id)
	newP := func() *pledge.Pledge { return &pledge.Pledge{} }
	days := func(lo, n int) time.Duration {
		return time.Duration(lo)*24*time.Hour + time.Duration(r.IntN(n*24*60))*time.Minute
	}
	add := func(st step) { s.steps = append(s.steps, st) }

	submit := at(t, r, "submit", maker)
	sub.OccurredAt = submit.at
	submit.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) { return p.Submit(id, sub, m) })
	submit.count = func(f *tally) { f.pledges.Add(1) }
	add(submit)
	if o == oPending {
		return s
	}
	if o == oReturned || o == oRevised || (o == oWithdrawn && r.IntN(2) == 0) || r.IntN(8) == 0 {
		t = t.Add(days(1, 3))
		ret := at(t, r, "return", vetter)
		reason := pick(r, []string{"承诺内容不够具体，请细化完成时限和标准", "承诺事项与本季度主题结合不紧，请修改", "请明确责任人和量化指标"})
		ret.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Return(pledge.ReturnCommand{Reason: reason, OccurredAt: ret.at}, m)
		})
		add(ret)
		if o == oReturned {
			return s
		}
		if o != oWithdrawn {
			t = t.Add(days(1, 3))
			rev := at(t, r, "revise", maker)
			c := pledge.ReviseCommand{Category: sub.Category, Title: sub.Title + "（修改稿）", Content: sub.Content + "完成时限：本季度末；责任人：主要负责同志。"}
			rev.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				c.OccurredAt = rev.at
				return p.Revise(c, m)
			})
			add(rev)
			if o == oRevised {
				return s
			}
		}
	}
	if o == oWithdrawn {
		t = t.Add(days(1, 3))
		wd := at(t, r, "withdraw", maker)
		wd.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Withdraw(pledge.WithdrawCommand{Reason: "工作调整，该事项并入其他承诺", OccurredAt: wd.at}, m)
		})
		wd.count = func(f *tally) { f.pledges.Add(-1) }
		add(wd)
		return s
	}
	t = t.Add(days(1, 4))
	file := at(t, r, "file", vetter)
	file.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.File(pledge.FileCommand{Note: "经审核，同意备案", OccurredAt: file.at}, m)
	})
	add(file)
	if o == oFiled {
		return s
	}
	t = t.Add(days(1, 2))
	disc := at(t, r, "disclose", maker)
	channel := pick(r, []string{"党务公开栏", "开发区政务网", "今日开发区"})
	disc.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Disclose(pledge.DiscloseCommand{Channel: channel, OccurredAt: disc.at}, m)
	})
	add(disc)
	if o == oDisclosed {
		return s
	}
	lapses := o == oLapsedExplained || o == oLapsedSilent
	evaluated := o == oEvaluated
	if evaluated && r.IntN(5) == 0 {
		lapses = true
	}
	end := q.LastDay().MissedAt(d.loc)
	n := 1 + r.IntN(d.reports)
	if o == oFulfilled && r.IntN(4) == 0 {
		n = 0 // fulfilled straight away, with its own narrative and evidence
	}
	if full && o == oInProgress {
		n = max(n, 2)
	}
	gap := end.Sub(t) / time.Duration(n+2)
	percent := 0
	var reportIDs []string
	for k := range n {
		t = t.Add(gap/2 + time.Duration(r.Int64N(int64(gap/2))))
		name := fmt.Sprintf("report-%d", k+1)
		rep := at(t, r, name, maker)
		step := 15 + r.IntN(25)
		if lapses {
			step = 5 + r.IntN(15)
		}
		percent = min(percent+step, 95)
		c := pledge.ReportProgressCommand{
			ReportID: eventlog.EventID(d.commandID(key, name), 0), Percent: percent,
			Narrative: progressTexts[min(k, len(progressTexts)-2)], Evidence: evidence(key+name, r.IntN(3), r),
		}
		rep.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			c.OccurredAt = rep.at
			return p.ReportProgress(c, m)
		})
		spec := d.pledgeFiles(key+"/"+name, sub, rep.at, c.Narrative)
		rep.run = d.attach(stream, &c.Evidence, spec, rep.run)
		rep.family = "fulfilment"
		add(rep)
		reportIDs = append(reportIDs, c.ReportID)
		if (full && o == oInProgress && k == 0) || r.IntN(12) == 0 {
			fix := at(t.Add(days(1, 1)), r, name+"-correct", maker)
			cc := pledge.CorrectReportCommand{ReportID: c.ReportID, Percent: max(percent-10, 0), Narrative: c.Narrative + "（更正：进度数据核实后调整）", Evidence: c.Evidence, Reason: "进度填报有误，核实后更正"}
			fix.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				cc.OccurredAt = fix.at
				return p.CorrectReport(cc, m)
			})
			// The correction cites the report's files: the same step's,
			// made again to the same bytes.
			fix.run = d.attach(stream, &cc.Evidence, spec, fix.run)
			fix.family = "fulfilment"
			add(fix)
			t = fix.at
		}
	}
	if n > 1 && ((full && o == oInProgress) || r.IntN(15) == 0) {
		rid := reportIDs[n-1]
		ret := at(t.Add(days(1, 1)), r, "retract", maker)
		ret.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.RetractReport(pledge.RetractReportCommand{ReportID: rid, Reason: "重复填报，撤回", OccurredAt: ret.at}, m)
		})
		ret.family = "fulfilment"
		add(ret)
		t = ret.at
	}
	if o == oInProgress {
		return s
	}
	if lapses {
		t = maxTime(t, end).Add(days(1, 6))
		lp := at(t, r, "lapse", vetter)
		expl := ""
		if o != oLapsedSilent && (o == oLapsedExplained || r.IntN(2) == 0) {
			expl = pick(r, []string{"受项目审批进度影响，未能按期完成", "资金未及时到位，下季度继续推进", "因天气原因工程延期"})
		}
		lp.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Lapse(pledge.LapseCommand{Explanation: expl, OccurredAt: lp.at}, m)
		})
		lp.family = "fulfilment"
		add(lp)
	} else {
		t = t.Add(days(2, 5))
		ff := at(t, r, "fulfil", maker)
		ev := evidence(key+"fulfil", 1+r.IntN(2), r)
		ff.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Fulfil(pledge.FulfilCommand{Narrative: progressTexts[len(progressTexts)-1], Evidence: ev, OccurredAt: ff.at}, m)
		})
		ff.run = d.attach(stream, &ev, d.pledgeFiles(key+"/fulfil", sub, ff.at, progressTexts[len(progressTexts)-1]), ff.run)
		ff.family = "fulfilment"
		add(ff)
	}
	if !evaluated {
		return s
	}
	t = t.Add(days(3, 9))
	evaluators := []struct {
		who   pledge.Evaluator
		actor domain.Actor
		p     int
	}{
		{pledge.EvaluatorOrganisation, vetter, 10},
		{pledge.EvaluatorMembers, vetter, 7}, // the maker's clerk may not record a verdict on its own pledge
		{pledge.EvaluatorPublic, office, 6},
	}
	base := 62 + r.Float64()*36
	if lapses {
		base = 35 + r.Float64()*30
	}
	for k, e := range evaluators {
		if k > 0 && r.IntN(10) >= e.p && !full {
			continue
		}
		score := float64(int((base+r.Float64()*8-4)*10)) / 10
		score = min(max(score, 0), 100)
		resp := 0
		if e.who != pledge.EvaluatorOrganisation {
			resp = 10 + r.IntN(60)
		}
		t = t.Add(days(0, 2))
		ev := at(t, r, "evaluate-"+e.who.String(), e.actor)
		c := pledge.EvaluateCommand{Evaluator: e.who, Grade: pledge.GradeOf(score), Score: score, Respondents: resp}
		ev.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			c.OccurredAt = ev.at
			return p.Evaluate(c, m)
		})
		add(ev)
	}
	if r.IntN(20) == 0 || full {
		score := min(base+5, 100)
		t = t.Add(days(3, 5))
		re := at(t, r, "re-evaluate", vetter)
		c := pledge.EvaluateCommand{Evaluator: pledge.EvaluatorOrganisation, Grade: pledge.GradeOf(score), Score: float64(int(score*10)) / 10, Reason: "复核后调整组织评议结果"}
		re.run = exec(stream, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			c.OccurredAt = re.at
			return p.Evaluate(c, m)
		})
		add(re)
	}
	return s
}

// clerkOf is the clerk of the maker's unit, who records the members'
// verdict on a pledge.
func clerkOf(maker domain.Actor) domain.Actor { return clerk(maker.Unit) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
