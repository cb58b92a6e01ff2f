package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/review"
)

type reviewPlan struct {
	id        string
	at        time.Time
	actor     domain.Actor
	record    review.Record
	correctAt time.Time
	corrected review.Content
	retractAt time.Time
	orders    []int // shortcomings (1-based) that order a rectification
}

func (p reviewPlan) inForce() review.Content {
	if !p.correctAt.IsZero() {
		return p.corrected
	}
	return p.record.Content
}

// pickN picks n distinct texts.
func pickN(r *rand.Rand, xs []string, n int) []string {
	perm := r.Perm(len(xs))
	out := make([]string, min(n, len(xs)))
	for i := range out {
		out[i] = xs[perm[i]]
	}
	return out
}

// unitReview is the quarter's remark on unit u by its superior (一季一点评).
func (d *district) unitReview(q, u int) reviewPlan {
	qq := d.quarters[q]
	unit := d.units[u].id
	id := fmt.Sprintf("rv-%s-%s", qq, unit)
	r := rngFor(d.seed, id)
	t := d.work(qq.FirstDay().AddDays(30+r.IntN(50)), r)
	forms := review.Forms()
	form := forms[r.IntN(len(forms))]
	if q == 0 && u < len(forms) {
		form = forms[u]
	}
	p := reviewPlan{id: id, at: t, actor: d.superior(u, t)}
	reviewer := "开发区创先争优活动办公室"
	if par := d.parentAt(u, t); par >= 0 {
		reviewer = personName(rngFor(d.seed, "leader-"+d.units[par].id)) + "（" + d.units[par].name + "书记）"
	}
	sc := pickN(r, shortcomingTexts, 1+r.IntN(3))
	c := review.Content{Remark: pick(r, remarkTexts), Measures: pickN(r, measureTexts, 1+r.IntN(3))}
	retract := (q == 0 && u == 3) || (q == 1 && u == 7)
	for i, text := range sc {
		orders := !retract && r.IntN(100) < 14
		c.Shortcomings = append(c.Shortcomings, review.Shortcoming{Text: text, OrdersRectification: orders})
		if orders {
			p.orders = append(p.orders, i+1)
		}
	}
	p.record = review.Record{Form: form, Subject: review.SubjectUnit, UnitID: unit, Reviewer: reviewer, Quarter: qq, Content: c, OccurredAt: t}
	switch {
	case retract:
		p.retractAt = t.Add(time.Duration(3+r.IntN(5)) * 24 * time.Hour)
	case r.IntN(16) == 0 || (q == 0 && u == 1):
		p.correctAt = t.Add(time.Duration(2+r.IntN(6)) * 24 * time.Hour)
		p.corrected = review.Content{Remark: c.Remark, Shortcomings: c.Shortcomings, Measures: append(append([]string(nil), c.Measures...), pick(r, extraMeasureTexts))}
	}
	return p
}

// memberReview is the remark on member i by their branch, if there is one
// this quarter.
func (d *district) memberReview(q, i int) (reviewPlan, bool) {
	qq := d.quarters[q]
	m := d.member(i)
	id := fmt.Sprintf("rv-%s-%s", qq, m.id)
	r := rngFor(d.seed, id)
	if r.IntN(10) >= 3 {
		return reviewPlan{}, false
	}
	t := d.work(qq.FirstDay().AddDays(25+r.IntN(60)), r)
	u, active := m.unitAt(t)
	if !active {
		return reviewPlan{}, false
	}
	unit := d.units[u].id
	forms := []review.Form{review.FormTalk, review.FormMeeting, review.FormWritten, review.FormRandom}
	c := review.Content{
		Remark:   m.name + "同志" + pick(r, memberRemarkTexts),
		Measures: pickN(r, measureTexts, 1+r.IntN(2)),
	}
	for _, text := range pickN(r, shortcomingTexts, r.IntN(3)) {
		c.Shortcomings = append(c.Shortcomings, review.Shortcoming{Text: text})
	}
	p := reviewPlan{id: id, at: t, actor: clerk(unit)}
	p.record = review.Record{
		Form: forms[r.IntN(len(forms))], Subject: review.SubjectMember, UnitID: unit, MemberID: m.id,
		Reviewer: personName(rngFor(d.seed, "leader-"+unit)) + "（支部书记）", Quarter: qq, Content: c, OccurredAt: t,
	}
	if r.IntN(40) == 0 {
		p.correctAt = t.Add(time.Duration(1+r.IntN(5)) * 24 * time.Hour)
		p.corrected = review.Content{Remark: c.Remark, Shortcomings: c.Shortcomings, Measures: append(append([]string(nil), c.Measures...), pick(r, extraMeasureTexts))}
	}
	return p, true
}

func (d *district) reviewScript(p reviewPlan) script {
	r := rngFor(d.seed, p.id+"/script")
	s := script{key: p.id}
	stream := review.Stream(p.id)
	newR := func() *review.Review { return &review.Review{} }
	rec := at(p.at, r, "record", p.actor)
	rec.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return review.New(p.id, p.record, m)
	})
	c := p.record.Content
	rec.count = func(f *tally) {
		f.reviews.Add(1)
		f.shortcomings.Add(int64(c.ShortcomingCount()))
		f.measures.Add(int64(c.MeasureCount()))
	}
	s.steps = append(s.steps, rec)
	if !p.correctAt.IsZero() {
		fix := at(p.correctAt, r, "correct", p.actor)
		fix.run = exec(stream, newR, func(x *review.Review, m domain.Meta) ([]domain.Event, error) {
			return x.Correct(review.Correct{Content: p.corrected, Reason: "补充改进措施", OccurredAt: fix.at}, m)
		})
		fix.count = func(f *tally) {
			f.shortcomings.Add(int64(p.corrected.ShortcomingCount() - c.ShortcomingCount()))
			f.measures.Add(int64(p.corrected.MeasureCount() - c.MeasureCount()))
		}
		s.steps = append(s.steps, fix)
	}
	if !p.retractAt.IsZero() {
		ret := at(p.retractAt, r, "retract", p.actor)
		ret.run = exec(stream, newR, func(x *review.Review, m domain.Meta) ([]domain.Event, error) {
			return x.Retract(review.Retract{Reason: "点评对象记录有误，撤回后重新点评", OccurredAt: ret.at}, m)
		})
		ret.count = func(f *tally) {
			f.reviews.Add(-1)
			f.shortcomings.Add(-int64(c.ShortcomingCount()))
			f.measures.Add(-int64(c.MeasureCount()))
		}
		s.steps = append(s.steps, ret)
	}
	return s
}
