package demo

import (
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
)

type surveyPlan struct {
	id     string
	unit   int
	at     time.Time
	counts evaluation.Counts
	fix    *evaluation.Counts
	low    bool // the rate is low enough to order a rectification
}

func (d *district) survey(q, u int) surveyPlan {
	qq := d.quarters[q]
	id := fmt.Sprintf("sv-%s-%s", qq, d.units[u].id)
	r := rngFor(d.seed, id)
	n := 30 + r.IntN(120)
	bad := r.IntN(max(n/10, 1))
	if r.IntN(12) == 0 {
		bad = n/5 + r.IntN(n/5)
	}
	rest := n - bad
	vs := rest * (30 + r.IntN(40)) / 100
	s := (rest - vs) * (40 + r.IntN(40)) / 100
	c := evaluation.Counts{VerySatisfied: vs, Satisfied: s, BasicallySatisfied: rest - vs - s, Dissatisfied: bad}
	p := surveyPlan{id: id, unit: u, at: d.work(qq.LastDay().AddDays(-5-r.IntN(6)), r), counts: c}
	if rate, _ := c.Rate(); rate < 0.85 {
		p.low = true
	}
	if r.IntN(30) == 0 || (q == 0 && u == 1) {
		f := c
		f.Satisfied++
		f.VerySatisfied = max(f.VerySatisfied-1, 0)
		if f == c {
			f.Satisfied++
		}
		p.fix = &f
	}
	return p
}

func (d *district) surveyScript(p surveyPlan) script {
	r := rngFor(d.seed, p.id+"/script")
	s := script{key: p.id}
	stream := evaluation.SurveyStream(p.id)
	newS := func() *evaluation.Survey { return &evaluation.Survey{} }
	unit := d.units[p.unit].id
	q := domain.QuarterOf(p.at.In(d.loc))
	rec := at(p.at, r, "record", office)
	rec.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return evaluation.NewSurvey(p.id, evaluation.RecordSurvey{UnitID: unit, Period: evaluation.QuarterPeriod(q), Counts: p.counts, OccurredAt: rec.at}, m)
	})
	s.steps = append(s.steps, rec)
	if p.fix != nil {
		fix := at(p.at.Add(2*24*time.Hour), r, "correct", office)
		fix.run = exec(stream, newS, func(x *evaluation.Survey, m domain.Meta) ([]domain.Event, error) {
			return x.Correct(evaluation.CorrectSurvey{Counts: *p.fix, Reason: "问卷统计复核更正", OccurredAt: fix.at}, m)
		})
		s.steps = append(s.steps, fix)
	}
	return s
}

// starScript rates the two-new organisations (villages, enterprises) each
// quarter (星级创评).
func (d *district) starScript(q, u int) script {
	qq := d.quarters[q]
	unit := d.units[u]
	key := fmt.Sprintf("star-%s-%s", qq, unit.id)
	if unit.kind != org.KindEnterprise && unit.kind != org.KindVillage {
		return script{key: key}
	}
	r := rngFor(d.seed, key)
	s := script{key: key}
	period := evaluation.QuarterPeriod(qq)
	stream := evaluation.StarRatingStream(unit.id, period)
	newR := func() *evaluation.StarRating { return &evaluation.StarRating{} }
	stars := evaluation.Stars(2 + r.IntN(4))
	aw := at(d.work(qq.LastDay().AddDays(-2), r), r, "award", office)
	aw.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return evaluation.NewStarRating(evaluation.RateStars{UnitID: unit.id, Period: period, Stars: stars, Basis: "按照星级创评标准综合评定", OccurredAt: aw.at}, m)
	})
	s.steps = append(s.steps, aw)
	if r.IntN(15) == 0 || (q == 0 && u == d.firstRated()) {
		rv := at(aw.at.Add(10*24*time.Hour), r, "revise", office)
		rv.run = exec(stream, newR, func(x *evaluation.StarRating, m domain.Meta) ([]domain.Event, error) {
			return x.Revise(evaluation.ReviseStars{Stars: stars - 1, Reason: "复核发现台账不全，降低一星", OccurredAt: rv.at}, m)
		})
		s.steps = append(s.steps, rv)
	}
	return s
}

// firstRated is the first unit that takes part in the star rating.
func (d *district) firstRated() int {
	for i, u := range d.units {
		if u.kind == org.KindEnterprise || u.kind == org.KindVillage {
			return i
		}
	}
	return -1
}

func (d *district) vanguardsPerQuarter() int { return nAreas + max(4, d.nMembers/40) }

// vanguardScript is the j-th vanguard of quarter q: one collective per
// area, then individuals (一季一先锋).
func (d *district) vanguardScript(q, j int) script {
	qq := d.quarters[q]
	key := fmt.Sprintf("vg-%s-%03d", qq, j+1)
	r := rngFor(d.seed, key)
	s := script{key: key}
	t := d.work(qq.LastDay().AddDays(-1-r.IntN(3)), r)
	cat := vanguardCategories[r.IntN(len(vanguardCategories))]
	c := evaluation.SelectVanguard{Category: evaluation.Category{Key: cat.Key, Name: cat.Name}, Quarter: qq, Citation: pick(r, citationTexts)}
	if j < nAreas {
		units := d.unitsInArea(j, t)
		c.Kind, c.UnitID = evaluation.Collective, d.units[units[r.IntN(len(units))]].id
	} else {
		var m memberPlan
		for {
			m = d.member(r.IntN(d.nMembers))
			if _, ok := m.unitAt(t); ok {
				break
			}
		}
		u, _ := m.unitAt(t)
		c.Kind, c.UnitID, c.MemberID = evaluation.Individual, d.units[u].id, m.id
	}
	stream := evaluation.VanguardStream(key)
	newV := func() *evaluation.Vanguard { return &evaluation.Vanguard{} }
	sel := at(t, r, "select", office)
	sel.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		c.OccurredAt = sel.at
		return evaluation.NewVanguard(key, c, m)
	})
	if c.Kind == evaluation.Individual {
		sel.count = func(f *tally) { f.vanguards.Add(1) }
	}
	s.steps = append(s.steps, sel)
	if q == 0 && (j == nAreas || j == 0) {
		rv := at(t.Add(20*24*time.Hour), r, "revoke", office)
		rv.run = exec(stream, newV, func(x *evaluation.Vanguard, m domain.Meta) ([]domain.Event, error) {
			return x.Revoke(evaluation.RevokeVanguard{Reason: "经核查，先进事迹材料不实，撤销评选结果", OccurredAt: rv.at}, m)
		})
		if c.Kind == evaluation.Individual {
			rv.count = func(f *tally) { f.vanguards.Add(-1) }
		}
		s.steps = append(s.steps, rv)
	}
	return s
}

type rankingPlan struct {
	key       string
	area      int
	month     domain.Month
	at        time.Time
	entries   []evaluation.Entry
	supersede []evaluation.Entry
	last      string  // unit placed last
	lastScore float64 // its score
}

func (d *district) months() []domain.Month {
	var out []domain.Month
	for _, q := range d.quarters {
		for k := range 3 {
			out = append(out, domain.Month{Year: q.Year, Month: time.Month((q.Q-1)*3 + k + 1)})
		}
	}
	return out
}

func (d *district) ranking(a, mi int) rankingPlan {
	m := d.months()[mi]
	key := fmt.Sprintf("rk-%s-%s", areaID(a), m)
	r := rngFor(d.seed, key)
	last := domain.Date{Year: m.Year, Month: m.Month + 1, Day: 0}
	last = domain.DateOf(last.Start(time.UTC)) // normalise day 0: the month's last day
	t := last.Start(d.loc).Add(17*time.Hour + time.Duration(r.IntN(60))*time.Minute)
	p := rankingPlan{key: key, area: a, month: m, at: t}
	for _, u := range d.unitsInArea(a, t) {
		score := float64(700+r.IntN(300)) / 10
		e := evaluation.Entry{UnitID: d.units[u].id, Score: score}
		for _, k := range r.Perm(len(rankingReasons))[:1+r.IntN(2)] {
			e.Reasons = append(e.Reasons, rankingReasons[k])
		}
		p.entries = append(p.entries, e)
	}
	p.entries = evaluation.Rank(p.entries)
	if n := len(p.entries); n > 0 {
		p.last, p.lastScore = p.entries[n-1].UnitID, p.entries[n-1].Score
	}
	if (a == 1 && mi == 1) || (a == 9 && mi == 4) {
		fixed := make([]evaluation.Entry, len(p.entries))
		copy(fixed, p.entries)
		fixed[0].Score += 2.5
		fixed[0].Reasons = append(append([]string(nil), fixed[0].Reasons...), "复核补记现场观摩加分")
		p.supersede = evaluation.Rank(fixed)
	}
	return p
}

func (d *district) rankingScript(p rankingPlan) script {
	r := rngFor(d.seed, p.key+"/script")
	s := script{key: p.key}
	stream := evaluation.RankingStream(areaID(p.area), p.month)
	newR := func() *evaluation.Ranking { return &evaluation.Ranking{} }
	pub := at(p.at, r, "publish", office)
	pub.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return evaluation.NewRanking(evaluation.PublishRanking{AreaID: areaID(p.area), Month: p.month, RuleVersion: "2011-v1", Entries: p.entries, OccurredAt: pub.at}, m)
	})
	s.steps = append(s.steps, pub)
	if p.supersede != nil {
		sup := at(p.at.Add(3*24*time.Hour), r, "supersede", office)
		sup.run = exec(stream, newR, func(x *evaluation.Ranking, m domain.Meta) ([]domain.Event, error) {
			return x.Supersede(evaluation.SupersedeRanking{RuleVersion: "2011-v1", Entries: p.supersede, Reason: "片区复核发现计分有误，重新核定", OccurredAt: sup.at}, m)
		})
		s.steps = append(s.steps, sup)
	}
	return s
}

// Inspections.

type inspectionPlan struct {
	id       string
	group    int
	unit     int
	at       time.Time
	start    inspection.Start
	findings []inspection.FindingContent
	correct  int // finding to correct, 0 for none
	withdraw int // finding to withdraw, 0 for none
	complete bool
}

func (d *district) inspectionsPerGroup() int { return max(2, len(d.units)/(nGroups*6)) }

func (d *district) inspection(q, g, j int) inspectionPlan {
	qq := d.quarters[q]
	id := fmt.Sprintf("in-%s-%s-%02d", qq, groupID(g), j+1)
	r := rngFor(d.seed, id)
	t := d.work(qq.FirstDay().AddDays(15+r.IntN(60)), r)
	var units []int
	for a := range nAreas {
		if groupOfArea(a) == g {
			units = append(units, d.unitsInArea(a, t)...)
		}
	}
	u := units[r.IntN(len(units))]
	p := inspectionPlan{id: id, group: g, unit: u, at: t, complete: r.IntN(5) > 0}
	p.start = inspection.Start{Kind: inspection.Random, UnitID: d.units[u].id, GroupID: groupID(g), OccurredAt: t}
	if r.IntN(2) == 0 {
		p.start.Kind, p.start.Subject = inspection.Special, pick(r, []string{"承诺践诺情况专项检查", "整改落实情况专项检查", "活动记实簿专项检查"})
	}
	n := r.IntN(4)
	forced := q == 0 && j == 0 && g <= 1
	if forced {
		n = 2
	}
	for k, text := range pickN(r, findingTexts, n) {
		f := inspection.FindingContent{Text: text, Severity: inspection.Severity(1 + r.IntN(3)), OrdersRectification: r.IntN(3) == 0}
		if r.IntN(2) == 0 {
			f.Evidence = evidence(id+fmt.Sprint(k), 1+r.IntN(2), r)
		}
		p.findings = append(p.findings, f)
	}
	if forced && g == 0 {
		p.correct = 1
	}
	if forced && g == 1 {
		p.withdraw = 2
		p.findings[1].OrdersRectification = false
	}
	return p
}

func (d *district) inspectionScript(p inspectionPlan) script {
	r := rngFor(d.seed, p.id+"/script")
	s := script{key: p.id}
	stream := inspection.Stream(p.id)
	newI := func() *inspection.Inspection { return &inspection.Inspection{} }
	lead := inspector(p.group, 1)
	st := at(p.at, r, "start", lead)
	st.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return inspection.New(p.id, p.start, m)
	})
	s.steps = append(s.steps, st)
	t := p.at
	for k, f := range p.findings {
		t = t.Add(time.Duration(30+r.IntN(120)) * time.Minute)
		fs := at(t, r, fmt.Sprintf("finding-%d", k+1), inspector(p.group, 2))
		fs.run = exec(stream, newI, func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return x.RecordFinding(inspection.RecordFinding{FindingContent: f, OccurredAt: fs.at}, m)
		})
		if len(f.Evidence) > 0 {
			fs.run = d.attach(stream, &f.Evidence, d.findingFiles(p, k, fs.at), fs.run)
		}
		s.steps = append(s.steps, fs)
	}
	if p.complete {
		t = t.Add(time.Duration(2+r.IntN(4)) * 24 * time.Hour)
		c := at(t, r, "complete", lead)
		ev := evidence(p.id+"complete", 1, r)
		c.run = exec(stream, newI, func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return x.Complete(inspection.Complete{Summary: "检查完毕，已向被检查单位反馈问题", Evidence: ev, OccurredAt: c.at}, m)
		})
		c.run = d.attach(stream, &ev, d.completionFiles(p, c.at), c.run)
		s.steps = append(s.steps, c)
	}
	if p.correct > 0 {
		t = t.Add(24 * time.Hour)
		f := p.findings[p.correct-1]
		f.Text += "（经核实，涉及两个党小组）"
		c := at(t, r, "correct", lead)
		c.run = exec(stream, newI, func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return x.CorrectFinding(inspection.CorrectFinding{FindingNo: p.correct, FindingContent: f, Reason: "问题描述不准确，予以更正", OccurredAt: c.at}, m)
		})
		if len(f.Evidence) > 0 {
			// The corrected finding cites the finding's files, made again.
			found := findingTime(s.steps, p.correct)
			c.run = d.attach(stream, &f.Evidence, d.findingFiles(p, p.correct-1, found), c.run)
		}
		s.steps = append(s.steps, c)
	}
	if p.withdraw > 0 {
		t = t.Add(24 * time.Hour)
		w := at(t, r, "withdraw", lead)
		w.run = exec(stream, newI, func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return x.WithdrawFinding(inspection.WithdrawFinding{FindingNo: p.withdraw, Reason: "经复核不属实，撤回该问题", OccurredAt: w.at}, m)
		})
		s.steps = append(s.steps, w)
	}
	return s
}
