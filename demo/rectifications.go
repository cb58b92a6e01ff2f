package demo

import (
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/rectification"
)

// rOutcome is where a rectification's script leads.
type rOutcome int

const (
	rOnTime rOutcome = iota
	rLate
	rExtended
	rDenied
	rRejected
	rReopened
	rCancelled
	rOpen
	rInProgress
	rSubmitted
	rOverdue
	nROutcomes
)

var rectWeights = [nROutcomes]int{40, 12, 8, 5, 7, 4, 3, 4, 6, 4, 7}

type rectPlan struct {
	id       string
	source   rectification.Source
	unit     int
	sourceAt time.Time
	req      string
	orderer  domain.Actor // orders, decides extensions, accepts
	outcome  rOutcome
	// forced items are placed relative to --until so that every warning
	// colour is on show whatever the date.
	orderAt  time.Time
	deadline domain.Date
}

// rectPlans lists every rectification, from the sources that order one,
// in a fixed order.
func (d *district) rectPlans() []rectPlan {
	var out []rectPlan
	for q := range d.quarters {
		for u := range d.units {
			p := d.unitReview(q, u)
			sc := p.inForce().Shortcomings
			for _, item := range p.orders {
				out = append(out, rectPlan{
					id: fmt.Sprintf("r-%s-%d", p.id, item), unit: u, sourceAt: p.at, orderer: p.actor,
					source: rectification.Source{Kind: rectification.SourceReview, Ref: p.id, Item: item},
					req:    "针对点评指出的“" + sc[item-1].Text + "”问题，限期整改到位",
				})
			}
		}
		for g := range nGroups {
			for j := range d.inspectionsPerGroup() {
				p := d.inspection(q, g, j)
				for k, f := range p.findings {
					if !f.OrdersRectification {
						continue
					}
					out = append(out, rectPlan{
						id: fmt.Sprintf("r-%s-%d", p.id, k+1), unit: p.unit, sourceAt: p.at.Add(6 * time.Hour), orderer: inspector(g, 1),
						source: rectification.Source{Kind: rectification.SourceInspection, Ref: p.id, Item: k + 1},
						req:    "检查发现：" + f.Text + "。请限期整改并报送整改材料",
					})
				}
			}
		}
		for u := range d.units {
			if p := d.survey(q, u); p.low {
				out = append(out, rectPlan{
					id: "r-" + p.id, unit: u, sourceAt: p.at, orderer: office,
					source: rectification.Source{Kind: rectification.SourceEvaluation, Ref: p.id},
					req:    rectificationTexts["survey"] + "：群众满意率偏低，限期整改",
				})
			}
		}
		for a := range nAreas {
			for k := range 3 {
				mi := q*3 + k
				if p := d.ranking(a, mi); p.last != "" && p.lastScore < 73 {
					out = append(out, rectPlan{
						id: "r-" + p.key, unit: unitIndex(p.last), sourceAt: p.at, orderer: office,
						source: rectification.Source{Kind: rectification.SourceRanking, Ref: p.key},
						req:    rectificationTexts["ranking"],
					})
				}
			}
		}
	}
	for i := range out {
		p := &out[i]
		r := rngFor(d.seed, p.id)
		p.outcome = rOutcome(weighted(r, rectWeights[:]))
		if i < int(nROutcomes) {
			p.outcome = rOutcome(i) // every path is walked, early in the year
		}
	}
	// Office supervision items placed relative to --until: one of each
	// warning colour is on show whatever the date.
	until := d.until
	forced := []struct {
		outcome         rOutcome
		order, deadline int // days from --until
	}{
		{rOpen, -2, 20},       // green
		{rInProgress, -12, 2}, // yellow
		{rOverdue, -45, -10},  // red, missed and recorded
		{rSubmitted, -8, 12},  // submitted, waiting for acceptance
	}
	for k, f := range forced {
		u := d.level2[(k*13+1)%len(d.level2)]
		sv := d.survey(0, u)
		r := rngFor(d.seed, fmt.Sprintf("r-office-%d", k+1))
		out = append(out, rectPlan{
			id: fmt.Sprintf("r-office-%d", k+1), unit: u, sourceAt: sv.at, orderer: office, outcome: f.outcome,
			source:  rectification.Source{Kind: rectification.SourceEvaluation, Ref: sv.id},
			req:     "督办事项：" + rectificationTexts["survey"] + "，请限期办结",
			orderAt: d.work(until.AddDays(f.order), r), deadline: until.AddDays(f.deadline),
		})
	}
	return out
}

func unitIndex(id string) int {
	var n int
	fmt.Sscanf(id, "u%d", &n)
	return n
}

// effect is what a step does to a rectification's deadline watch.
type effect struct {
	live     int8        // +1 reopens, -1 closes
	deadline domain.Date // a new deadline in force
}

func (d *district) rectScript(p rectPlan) script {
	r := rngFor(d.seed, p.id+"/script")
	s := script{key: p.id}
	stream := rectification.Stream(p.id)
	newR := func() *rectification.Rectification { return &rectification.Rectification{} }
	unit := d.units[p.unit].id
	cl := clerk(unit)
	person := cl.ID
	acceptor := p.orderer
	if p.source.Kind == rectification.SourceInspection {
		acceptor = domain.Actor{ID: p.orderer.ID[:len(p.orderer.ID)-1] + "2"}
	}
	day := 24 * time.Hour
	orderAt, deadline := p.orderAt, p.deadline
	if orderAt.IsZero() {
		orderAt = d.work(domain.DateIn(p.sourceAt, d.loc).AddDays(1+r.IntN(3)), r)
		deadline = domain.DateIn(orderAt, d.loc).AddDays(20 + r.IntN(21))
	}
	dl := func() time.Time { return d.work(deadline, r) } // a moment on the deadline day
	add := func(st step) { s.steps = append(s.steps, st) }

	ord := at(orderAt, r, "order", p.orderer)
	ord.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return rectification.Order(p.id, rectification.OrderCommand{Source: p.source, Unit: unit, Person: person, Requirement: p.req, Deadline: deadline, OccurredAt: ord.at}, m)
	})
	add(ord)
	t := orderAt
	ack := func() {
		t = t.Add(day)
		st := at(t, r, "acknowledge", cl)
		st.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.Acknowledge(rectification.AcknowledgeCommand{OccurredAt: st.at}, m)
		})
		add(st)
	}
	nPlan, nProgress, nSubmit, nAccept := 0, 0, 0, 0
	plan := func() {
		nPlan++
		t = t.Add(day)
		st := at(t, r, fmt.Sprintf("plan-%d", nPlan), cl)
		measures := pickN(r, measureTexts, 2+r.IntN(2))
		st.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.FilePlan(rectification.FilePlanCommand{Measures: measures, OccurredAt: st.at}, m)
		})
		add(st)
	}
	progress := func(after time.Duration) {
		nProgress++
		t = t.Add(after)
		name := fmt.Sprintf("progress-%d", nProgress)
		st := at(t, r, name, cl)
		ev := evidence(p.id+name, r.IntN(2), r)
		st.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.ReportProgress(rectification.ReportProgressCommand{Note: pick(r, progressTexts[:4]), Evidence: ev, OccurredAt: st.at}, m)
		})
		if len(ev) > 0 {
			st.run = d.attach(stream, &ev, d.rectFiles(p, name, st.at, "整改进展"), st.run)
		}
		add(st)
	}
	submit := func(when time.Time) {
		nSubmit++
		t = maxTime(when, t.Add(time.Hour))
		name := fmt.Sprintf("submit-%d", nSubmit)
		st := at(t, r, name, cl)
		ev := evidence(p.id+name, 1+r.IntN(2), r)
		st.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.Submit(rectification.SubmitCommand{Summary: "已按要求完成整改，报请验收销号", Evidence: ev, OccurredAt: st.at}, m)
		})
		st.run = d.attach(stream, &ev, d.rectFiles(p, name, st.at, "整改后"), st.run)
		add(st)
	}
	accept := func(after time.Duration) {
		nAccept++
		t = t.Add(after)
		st := at(t, r, fmt.Sprintf("accept-%d", nAccept), acceptor)
		st.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.Accept(rectification.AcceptCommand{Note: "经现场核查，整改到位，同意销号", OccurredAt: st.at}, m)
		})
		st.effect.live = -1
		add(st)
	}
	switch p.outcome {
	case rOnTime:
		ack()
		plan()
		progress(time.Duration(3+r.IntN(4)) * day)
		submit(dl().Add(-3 * day))
		accept(day)
	case rLate:
		ack()
		plan()
		progress(time.Duration(3+r.IntN(4)) * day)
		submit(dl().Add(time.Duration(3+r.IntN(6)) * day))
		accept(2 * day)
	case rExtended:
		ack()
		plan()
		progress(3 * day)
		t = maxTime(t, dl().Add(-6*day))
		req := at(t, r, "request-extension", cl)
		proposed := deadline.AddDays(20)
		req.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.RequestExtension(rectification.RequestExtensionCommand{Reasons: "涉及资金拨付，需上级审批", Progress: "已完成整改方案，正在组织实施", Proposed: proposed, OccurredAt: req.at}, m)
		})
		add(req)
		t = t.Add(day)
		newDeadline := deadline.AddDays(15)
		gr := at(t, r, "grant-extension", p.orderer)
		gr.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.GrantExtension(rectification.GrantExtensionCommand{NewDeadline: newDeadline, Note: "同意延期，请按新时限办结", OccurredAt: gr.at}, m)
		})
		gr.effect.deadline = newDeadline
		add(gr)
		progress(5 * day)
		submit(d.work(newDeadline, r).Add(-3 * day))
		accept(day)
	case rDenied:
		ack()
		plan()
		t = maxTime(t.Add(day), dl().Add(-6*day))
		req := at(t, r, "request-extension", cl)
		req.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.RequestExtension(rectification.RequestExtensionCommand{Reasons: "工作任务重，申请延期", Progress: "已制定整改措施", OccurredAt: req.at}, m)
		})
		add(req)
		t = t.Add(day)
		dn := at(t, r, "deny-extension", p.orderer)
		dn.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.DenyExtension(rectification.DenyExtensionCommand{Reason: "整改任务明确，不予延期，请按期完成", OccurredAt: dn.at}, m)
		})
		add(dn)
		submit(t.Add(2 * day))
		accept(day)
	case rRejected:
		ack()
		plan()
		submit(t.Add(5 * day))
		t = t.Add(2 * day)
		rj := at(t, r, "reject", acceptor)
		rj.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.Reject(rectification.RejectCommand{Reason: "整改材料不完整，缺少群众评议意见", OccurredAt: rj.at}, m)
		})
		add(rj)
		progress(3 * day)
		submit(t.Add(3 * day))
		accept(2 * day)
	case rReopened:
		ack()
		plan()
		submit(t.Add(5 * day))
		accept(2 * day)
		t = t.Add(time.Duration(10+r.IntN(10)) * day)
		newDeadline := domain.DateIn(t, d.loc).AddDays(20)
		ro := at(t, r, "reopen", acceptor)
		ro.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.Reopen(rectification.ReopenCommand{Reason: "回头看发现问题反弹", Deadline: newDeadline, OccurredAt: ro.at}, m)
		})
		ro.effect = effect{live: +1, deadline: newDeadline}
		add(ro)
		plan()
		progress(5 * day)
		submit(t.Add(5 * day))
		accept(2 * day)
	case rCancelled:
		ack()
		t = t.Add(time.Duration(3+r.IntN(5)) * day)
		cn := at(t, r, "cancel", office)
		cn.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.Cancel(rectification.CancelCommand{Reason: "该问题已由上级统一部署解决，经活动办公室研究予以撤销", OccurredAt: cn.at}, m)
		})
		cn.effect.live = -1
		add(cn)
	case rOpen:
	case rInProgress:
		ack()
		plan()
	case rSubmitted:
		ack()
		plan()
		submit(maxTime(t.Add(day), d.work(d.until.AddDays(-1), r)))
	case rOverdue:
		ack()
		plan()
		progress(3 * day)
	}
	s.steps = d.watch(p.id, s.steps, deadline)
	return s
}

// watch inserts the deadline watcher's record of each missed deadline at
// the moment the watcher would have seen it, as long as the item was live
// then.
func (d *district) watch(id string, steps []step, deadline domain.Date) []step {
	stream := rectification.Stream(id)
	newR := func() *rectification.Rectification { return &rectification.Rectification{} }
	out := make([]step, 0, len(steps)+1)
	live := true
	marked := map[domain.Date]bool{}
	mark := func() {
		t := deadline.MissedAt(d.loc).Add(5 * time.Minute)
		st := step{name: "deadline-missed-" + deadline.String(), at: t, rec: t, actor: watcher}
		st.run = exec(stream, newR, func(x *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return x.MarkDeadlineMissed(m)
		})
		out = append(out, st)
		marked[deadline] = true
	}
	for _, st := range steps {
		if live && !marked[deadline] && !st.at.Before(deadline.MissedAt(d.loc)) {
			mark()
		}
		out = append(out, st)
		switch st.effect.live {
		case -1:
			live = false
		case +1:
			live = true
		}
		if !st.effect.deadline.IsZero() {
			deadline = st.effect.deadline
		}
	}
	if live && !marked[deadline] {
		mark()
	}
	return out
}
