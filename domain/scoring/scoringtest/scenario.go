// Package scoringtest is the hand-computed area of the ranking tests: the
// events of two areas over August and September 2011, written through
// the write path, and the inputs, ranks and scores worked out by hand
// from the definitions in docs/domain.md. The tally (Go, from the log),
// the read models (ClickHouse) and the API (the view and the acceptance)
// are each held to the same tables. It is imported only by tests.
package scoringtest

import (
	"context"
	"fmt"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/domain/scoring"
)

// Loc is the zone of every time below.
var Loc = domain.DefaultLocation()

// Clock is the ledger clock the scenario is written at (after its last
// event): give the handler command.WithClock(Clock).
func Clock() time.Time { return at("2011-10-20 09:00") }

// Aug and Sep are the months the tables describe: August is ranked by
// rule version 1, September by version 2 (a rule change in mid-year).
var (
	Aug = domain.Month{Year: 2011, Month: time.August}
	Sep = domain.Month{Year: 2011, Month: time.September}
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Loc)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// RuleV1 weighs (from 2011-01): fulfilment 40 (missing: zero), on time 30
// (skip), satisfaction 20 (area_mean), red items -5, vanguards 2.
var RuleV1 = scoring.PublishRule{Version: 1, EffectiveFrom: domain.Month{Year: 2011, Month: time.January}, Name: "2011年月度观摩计分办法",
	Metrics: []scoring.Weight{
		{Metric: scoring.FulfilmentRate, Weight: 40, Missing: scoring.MissingZero},
		{Metric: scoring.OnTimeRate, Weight: 30, Missing: scoring.MissingSkip},
		{Metric: scoring.SatisfactionRate, Weight: 20, Missing: scoring.MissingAreaMean},
		{Metric: scoring.RedItems, Weight: -5},
		{Metric: scoring.Vanguards, Weight: 2},
	}}

// RuleV2 weighs (from 2011-09): fulfilment 30 (skip), on time 30 (zero),
// satisfaction 20 (area_mean), red items -5, reopenings -10, review items
// closed 5, vanguards 2.
var RuleV2 = scoring.PublishRule{Version: 2, EffectiveFrom: domain.Month{Year: 2011, Month: time.September}, Name: "2011年下半年修订",
	Metrics: []scoring.Weight{
		{Metric: scoring.FulfilmentRate, Weight: 30, Missing: scoring.MissingSkip},
		{Metric: scoring.OnTimeRate, Weight: 30, Missing: scoring.MissingZero},
		{Metric: scoring.SatisfactionRate, Weight: 20, Missing: scoring.MissingAreaMean},
		{Metric: scoring.RedItems, Weight: -5},
		{Metric: scoring.Reopenings, Weight: -10},
		{Metric: scoring.ReviewItemsClosed, Weight: 5},
		{Metric: scoring.Vanguards, Weight: 2},
	}}

// Inputs are the hand-counted inputs, by month and area, units by id.
// Units: district u0; area a1: street s1 and branches b1, b2, b3; area
// a2: street s2 and branch b4, which moves to a1 on 10 September; b5 is
// registered in a1 on 3 October (ranked in neither month).
//
// August, a1:
//   - b1: pledges P1, P2 fulfilled 15 and 20 Aug, P3 (2011Q2) lapsed 5 Aug
//     → 2 and 1; R1 (from review rv-b1) accepted 12 Aug, deadline 15 Aug →
//     1 closed, on time, from a review; R2 (deadline 20 Aug) live at the
//     month's end → 1 red; survey S1 recorded 5 Jul, 95/100, corrected on
//     5 Oct to 90/100 (a correction applies, whenever recorded) → 90/100.
//   - b2: P5 (2011Q2) lapsed 10 Aug → 0 and 1; R3 accepted in July, not
//     live; survey S2 of 25 Aug 60/100; vanguard V2 (its member m2)
//     selected 30 Aug → 1.
//   - b3: R4 (deadline 31 Aug) extended on 22 Aug to 15 Sep → not red;
//     nothing else. s1: nothing (its survey S5 is of 10 Oct).
//
// August, a2: b4: P9 fulfilled 20 Aug → 1 and 0; R6 (deadline 25 Aug) live
// → 1 red; survey S4 of 1 Aug 100/100. s2: nothing.
//
// September, a1:
//   - b1: member m1's pledge P4 fulfilled 10 Sep → 1 and 0; R2 accepted
//     8 Sep, after its original deadline → 1 closed, 0 on time; S1 90/100;
//     vanguard V1 selected 28 Sep → 1. (R7 is ordered on 2 Oct.)
//   - b2: R3 reopened 3 Sep with the new deadline 30 Sep, live at the
//     month's end → 1 reopening, 1 red (due on the last day: red from
//     00:00 on 1 Oct); latest survey S3 of 25 Sep 70/100; vanguard V3
//     selected 15 Sep and revoked 20 Sep → 0.
//   - b3: P6, P7 fulfilled 5, 6 Sep, P8 (2011Q2) lapsed 7 Sep → 2 and 1;
//     R4 (from review rv-b3) accepted 12 Sep, within its extension but
//     after its original 31 Aug → 1 closed, 0 on time, 1 from a review;
//     R5 (deadline 20 Sep) live → 1 red.
//   - b4 (in a1 since 10 Sep): R6 accepted 20 Sep, late → 1 closed, 0 on
//     time; S4 100/100. s1: nothing.
//
// September, a2: s2: nothing.
var Inputs = map[domain.Month]map[string][]scoring.Inputs{
	Aug: {
		"a1": {
			{Unit: "b1", PledgesFulfilled: 2, PledgesLapsed: 1, Closed: 1, ClosedOnTime: 1, ReviewItemsClosed: 1, RedItems: 1, Satisfied: 90, Respondents: 100},
			{Unit: "b2", PledgesLapsed: 1, Satisfied: 60, Respondents: 100, Vanguards: 1},
			{Unit: "b3"},
			{Unit: "s1"},
		},
		"a2": {
			{Unit: "b4", PledgesFulfilled: 1, RedItems: 1, Satisfied: 100, Respondents: 100},
			{Unit: "s2"},
		},
	},
	Sep: {
		"a1": {
			{Unit: "b1", PledgesFulfilled: 1, Closed: 1, Satisfied: 90, Respondents: 100, Vanguards: 1},
			{Unit: "b2", Reopenings: 1, RedItems: 1, Satisfied: 70, Respondents: 100},
			{Unit: "b3", PledgesFulfilled: 2, PledgesLapsed: 1, Closed: 1, ReviewItemsClosed: 1, RedItems: 1},
			{Unit: "b4", Closed: 1, Satisfied: 100, Respondents: 100},
			{Unit: "s1"},
		},
		"a2": {
			{Unit: "s2"},
		},
	},
}

// Place is one unit's expected place in a computed ranking.
type Place struct {
	Unit  string
	Rank  int
	Score float64
}

// Ranks are the hand-computed rankings of area a1, in rank order (ties by
// unit id).
//
// August, rule v1 (total |weight| 97). Satisfaction's area mean is
// (.9+.6)/2 = .75.
//
//	b1: 40×2/3 = 26.6667, on time 30×1 = 30, 20×.9 = 18, red -5 → 69.6667
//	b3: fulfilment missing → 0; on time skipped, so weights × 97/67;
//	    satisfaction missing → mean: 20×97/67×.75 = 21.716418 → 21.7164
//	s1: the same as b3 → 21.7164 (a tie: both rank 2, listed by id)
//	b2: 40×97/67×0 = 0, 20×97/67×.6 = 17.373134 → 17.3731,
//	    2×97/67×1 = 2.895522 → 2.8955 → 20.2686
//
// September, rule v2 (total |weight| 102). Satisfaction's area mean is
// (.9+.7+1)/3 = .866667.
//
//	b1: 30×1 = 30, on time 0/1 → 0, 20×.9 = 18, vanguards 2 → 50
//	b3: 30×2/3 = 20, on time 0, 20×.866667 = 17.3333, red -5, review 5 → 37.3333
//	b4: fulfilment skipped, weights × 102/72: on time 0, 20×102/72×1 = 28.3333 → 28.3333
//	s1: fulfilment skipped; on time missing → 0; 20×102/72×.866667 = 24.5556 → 24.5556
//	b2: fulfilment skipped; on time → 0; 20×102/72×.7 = 19.8333, red
//	    -5×102/72 = -7.0833, reopening -10×102/72 = -14.1667 → -1.4167
var Ranks = map[domain.Month][]Place{
	Aug: {{"b1", 1, 69.6667}, {"b3", 2, 21.7164}, {"s1", 2, 21.7164}, {"b2", 4, 20.2686}},
	Sep: {{"b1", 1, 50}, {"b3", 2, 37.3333}, {"b4", 3, 28.3333}, {"s1", 4, 24.5556}, {"b2", 5, -1.4167}},
}

// RanksBeforeCorrection is August in a1 computed at the checkpoint just
// before S1's correction (the last event), when b1's survey said 95/100:
// the area mean is (.95+.6)/2 = .775, b1 = 26.6667 + 30 + 19 - 5 =
// 70.6667, b3 and s1 = 20×97/67×.775 = 22.440299 → 22.4403, b2 as above.
var RanksBeforeCorrection = []Place{{"b1", 1, 70.6667}, {"b3", 2, 22.4403}, {"s1", 2, 22.4403}, {"b2", 4, 20.2686}}

// Step is one command of the scenario.
type Step struct {
	What string
	run  func(ctx context.Context, h *command.Handler, id string) error
}

// Write plays steps through h, each as its own command.
func Write(ctx context.Context, h *command.Handler, steps []Step) error {
	for i, s := range steps {
		if err := s.run(ctx, h, fmt.Sprintf("scenario-%03d", i)); err != nil {
			return fmt.Errorf("scenario step %d (%s): %w", i, s.What, err)
		}
	}
	return nil
}

func create(what, stream, actor string, decide func(m domain.Meta) ([]domain.Event, error)) Step {
	return Step{What: what, run: func(ctx context.Context, h *command.Handler, id string) error {
		_, err := command.Create(ctx, h, stream, command.Command{ID: id, Actor: domain.Actor{ID: actor}}, decide)
		return err
	}}
}

func execute[A domain.Aggregate](what, stream, actor string, newAgg func() A, decide func(a A, m domain.Meta) ([]domain.Event, error)) Step {
	return Step{What: what, run: func(ctx context.Context, h *command.Handler, id string) error {
		_, err := command.Execute(ctx, h, stream, command.Command{ID: id, Actor: domain.Actor{ID: actor}}, newAgg, decide)
		return err
	}}
}

const office = "office-1"

var proof = []domain.Evidence{{SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Name: "整改照片.jpg", Size: 1024, MediaType: "image/jpeg"}}

// Steps are the scenario's commands in the order they are written;
// Correction is the last one (S1's correction on 5 October), so a test
// can take a checkpoint before it.
func Steps() (steps []Step, correction Step) {
	newR := func() *rectification.Rectification { return &rectification.Rectification{} }
	newP := func() *pledge.Pledge { return &pledge.Pledge{} }
	newU := func() *org.Unit { return &org.Unit{} }
	book := func() *scoring.RuleBook { return &scoring.RuleBook{} }
	rule := func(cmd scoring.PublishRule, when string) Step {
		cmd.OccurredAt = at(when)
		return execute(fmt.Sprintf("rule v%d", cmd.Version), scoring.RulesStream, office, book, func(b *scoring.RuleBook, m domain.Meta) ([]domain.Event, error) {
			return b.Publish(cmd, m)
		})
	}
	add := func(s ...Step) { steps = append(steps, s...) }

	add(rule(RuleV1, "2011-01-03 09:00"))
	for _, a := range []string{"a1", "a2"} {
		add(create("area "+a, org.AreaStream(a), office, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea(a, org.RegisterArea{Name: "片区" + a, Leader: "王伟", OccurredAt: at("2011-01-04 09:00")}, m)
		}))
	}
	parents := map[string]*org.Unit{}
	unit := func(id, parent, area string, kind org.Kind, when string) Step {
		return Step{What: "unit " + id, run: func(ctx context.Context, h *command.Handler, cid string) error {
			var p *org.Unit
			if parent != "" {
				p = parents[parent]
			}
			_, err := command.Create(ctx, h, org.UnitStream(id), command.Command{ID: cid, Actor: domain.Actor{ID: office}}, func(m domain.Meta) ([]domain.Event, error) {
				evs, err := org.NewUnit(id, org.RegisterUnit{Name: "单位" + id, Kind: kind, ParentID: parent, AreaID: area, OccurredAt: at(when)}, p, m)
				if err == nil {
					u := &org.Unit{}
					for _, e := range evs {
						u.Apply(e)
					}
					parents[id] = u
				}
				return evs, err
			})
			return err
		}}
	}
	add(unit("u0", "", "", org.KindDistrict, "2011-01-05 09:00"),
		unit("s1", "u0", "a1", org.KindStreet, "2011-01-05 09:10"),
		unit("s2", "u0", "a2", org.KindStreet, "2011-01-05 09:10"),
		unit("b1", "s1", "a1", org.KindBranch, "2011-01-05 09:20"),
		unit("b2", "s1", "a1", org.KindBranch, "2011-01-05 09:20"),
		unit("b3", "s1", "a1", org.KindBranch, "2011-01-05 09:20"),
		unit("b4", "s2", "a2", org.KindBranch, "2011-01-05 09:20"))
	for _, mb := range []struct{ id, unit string }{{"m1", "b1"}, {"m2", "b2"}} {
		add(create("member "+mb.id, org.MemberStream(mb.id), office, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewMember(mb.id, org.RegisterMember{Name: "党员" + mb.id, UnitID: mb.unit, OccurredAt: at("2011-01-06 09:00")}, m)
		}))
	}

	// Pledges: submitted by the unit's clerk, filed by the street's
	// superior, disclosed, then fulfilled or lapsed.
	q2, q3 := domain.Quarter{Year: 2011, Q: 2}, domain.Quarter{Year: 2011, Q: 3}
	pledgeSteps := func(id, unit, member string, q domain.Quarter, submitted, end string, lapse bool) []Step {
		clerk, superior := "clerk-"+unit, "superior-s1"
		cmd := pledge.SubmitCommand{Maker: pledge.MakerUnit, Unit: unit, Quarter: q, Category: pledge.ServiceForMasses,
			Title: "为群众办实事" + id, Content: "承诺内容", OccurredAt: at(submitted + " 09:00")}
		if member != "" {
			cmd.Maker, cmd.Member, cmd.Category = pledge.MakerMember, member, pledge.Duty
		}
		out := []Step{
			create("pledge "+id, pledge.Stream(id), clerk, func(m domain.Meta) ([]domain.Event, error) { return pledge.Submit(id, cmd, m) }),
			execute("file "+id, pledge.Stream(id), superior, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				return p.File(pledge.FileCommand{OccurredAt: at(submitted + " 15:00")}, m)
			}),
			execute("disclose "+id, pledge.Stream(id), clerk, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				return p.Disclose(pledge.DiscloseCommand{OccurredAt: at(submitted + " 16:00")}, m)
			}),
		}
		if lapse {
			return append(out, execute("lapse "+id, pledge.Stream(id), superior, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				return p.Lapse(pledge.LapseCommand{Explanation: "未按期完成", OccurredAt: at(end + " 10:00")}, m)
			}))
		}
		return append(out, execute("fulfil "+id, pledge.Stream(id), clerk, newP, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Fulfil(pledge.FulfilCommand{Narrative: "已兑现", Evidence: proof, OccurredAt: at(end + " 10:00")}, m)
		}))
	}
	add(pledgeSteps("P1", "b1", "", q3, "2011-07-05", "2011-08-15", false)...)
	add(pledgeSteps("P2", "b1", "", q3, "2011-07-05", "2011-08-20", false)...)
	add(pledgeSteps("P3", "b1", "", q2, "2011-04-05", "2011-08-05", true)...)
	add(pledgeSteps("P4", "b1", "m1", q3, "2011-07-05", "2011-09-10", false)...)
	add(pledgeSteps("P5", "b2", "", q2, "2011-04-05", "2011-08-10", true)...)
	add(pledgeSteps("P6", "b3", "", q3, "2011-07-05", "2011-09-05", false)...)
	add(pledgeSteps("P7", "b3", "", q3, "2011-07-05", "2011-09-06", false)...)
	add(pledgeSteps("P8", "b3", "", q2, "2011-04-05", "2011-09-07", true)...)
	add(pledgeSteps("P9", "b4", "", q3, "2011-07-05", "2011-08-20", false)...)

	// Review remarks the rectifications cite.
	for _, rv := range []struct{ id, unit, when string }{{"rv-b1", "b1", "2011-07-08"}, {"rv-b2", "b2", "2011-06-28"}, {"rv-b3", "b3", "2011-07-30"}} {
		add(create("review "+rv.id, review.Stream(rv.id), office, func(m domain.Meta) ([]domain.Event, error) {
			return review.New(rv.id, review.Record{Form: review.FormWritten, Subject: review.SubjectUnit, UnitID: rv.unit, Reviewer: "张书记",
				Content: review.Content{Shortcomings: []review.Shortcoming{{Text: "台账不全", OrdersRectification: true}}}, OccurredAt: at(rv.when + " 09:00")}, m)
		}))
	}

	// Surveys.
	survey := func(id, unit string, q domain.Quarter, c evaluation.Counts, when string) Step {
		return create("survey "+id, evaluation.SurveyStream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return evaluation.NewSurvey(id, evaluation.RecordSurvey{UnitID: unit, Period: evaluation.QuarterPeriod(q), Counts: c, OccurredAt: at(when)}, m)
		})
	}
	add(survey("S1", "b1", q2, evaluation.Counts{VerySatisfied: 80, Satisfied: 10, BasicallySatisfied: 5, Dissatisfied: 5}, "2011-07-05 11:00"),
		survey("S4", "b4", q2, evaluation.Counts{VerySatisfied: 100}, "2011-08-01 11:00"),
		survey("S2", "b2", q2, evaluation.Counts{VerySatisfied: 30, Satisfied: 20, BasicallySatisfied: 10, Dissatisfied: 40}, "2011-08-25 11:00"))

	// Rectifications. Work by the unit's clerk; orders and decisions by
	// the office.
	order := func(id, unit string, src rectification.Source, deadline, when string) Step {
		return create("order "+id, rectification.Stream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return rectification.Order(id, rectification.OrderCommand{Source: src, Unit: unit, Person: "person-" + unit,
				Requirement: "限期整改", Deadline: date(deadline), OccurredAt: at(when)}, m)
		})
	}
	work := func(what, id, actor string, decide func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error)) Step {
		return execute(what+" "+id, rectification.Stream(id), actor, newR, decide)
	}
	ack := func(id, unit, when string) Step {
		return work("acknowledge", id, "clerk-"+unit, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return r.Acknowledge(rectification.AcknowledgeCommand{OccurredAt: at(when)}, m)
		})
	}
	submit := func(id, unit, when string) Step {
		return work("submit", id, "clerk-"+unit, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return r.Submit(rectification.SubmitCommand{Summary: "已整改", Evidence: proof, OccurredAt: at(when)}, m)
		})
	}
	accept := func(id, when string) Step {
		return work("accept", id, office, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return r.Accept(rectification.AcceptCommand{Note: "验收合格", OccurredAt: at(when)}, m)
		})
	}
	review1 := func(ref string) rectification.Source {
		return rectification.Source{Kind: rectification.SourceReview, Ref: ref, Item: 1}
	}
	evalSrc := func(ref string) rectification.Source {
		return rectification.Source{Kind: rectification.SourceEvaluation, Ref: ref}
	}
	add(order("R3", "b2", review1("rv-b2"), "2011-07-31", "2011-07-01 10:00"), ack("R3", "b2", "2011-07-02 10:00"),
		submit("R3", "b2", "2011-07-25 10:00"), accept("R3", "2011-07-28 10:00"))
	add(order("R1", "b1", review1("rv-b1"), "2011-08-15", "2011-07-10 10:00"), ack("R1", "b1", "2011-07-11 10:00"))
	add(order("R2", "b1", evalSrc("S1"), "2011-08-20", "2011-07-20 10:00"), ack("R2", "b1", "2011-07-21 10:00"))
	add(order("R4", "b3", review1("rv-b3"), "2011-08-31", "2011-08-01 10:00"), ack("R4", "b3", "2011-08-02 10:00"))
	add(order("R6", "b4", evalSrc("S4"), "2011-08-25", "2011-08-05 10:00"), ack("R6", "b4", "2011-08-06 10:00"))
	add(submit("R1", "b1", "2011-08-10 10:00"), accept("R1", "2011-08-12 10:00"))
	add(work("request an extension of", "R4", "clerk-b3", func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.RequestExtension(rectification.RequestExtensionCommand{Reasons: "需协调资金", Progress: "已完成一半", Proposed: date("2011-09-15"), OccurredAt: at("2011-08-20 10:00")}, m)
	}), work("grant an extension of", "R4", office, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.GrantExtension(rectification.GrantExtensionCommand{NewDeadline: date("2011-09-15"), OccurredAt: at("2011-08-22 10:00")}, m)
	}))

	// Vanguards.
	vanguard := func(id string, cmd evaluation.SelectVanguard, when string) Step {
		cmd.Quarter, cmd.OccurredAt = q3, at(when)
		return create("vanguard "+id, evaluation.VanguardStream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return evaluation.NewVanguard(id, cmd, m)
		})
	}
	add(vanguard("V2", evaluation.SelectVanguard{Kind: evaluation.Individual, UnitID: "b2", MemberID: "m2", Category: evaluation.Category{Key: "investment", Name: "招商引资先锋"}}, "2011-08-30 10:00"))

	// September: the rule changes, b4 moves into a1, and the month's work.
	add(rule(RuleV2, "2011-08-25 09:00"))
	add(order("R5", "b3", evalSrc("P8"), "2011-09-20", "2011-09-01 10:00"))
	add(work("reopen", "R3", office, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Reopen(rectification.ReopenCommand{Reason: "问题反弹", Deadline: date("2011-09-30"), OccurredAt: at("2011-09-03 10:00")}, m)
	}))
	add(submit("R2", "b1", "2011-09-05 10:00"), accept("R2", "2011-09-08 10:00"))
	add(execute("move b4", org.UnitStream("b4"), office, newU, func(u *org.Unit, m domain.Meta) ([]domain.Event, error) {
		return u.Move(org.MoveUnit{ParentID: "s1", AreaID: "a1", OccurredAt: at("2011-09-10 10:00")}, parents["s1"], m)
	}))
	add(submit("R4", "b3", "2011-09-10 10:00"), accept("R4", "2011-09-12 10:00"))
	add(vanguard("V3", evaluation.SelectVanguard{Kind: evaluation.Collective, UnitID: "b2", Category: evaluation.Category{Key: "stability", Name: "维护稳定先锋"}}, "2011-09-15 10:00"))
	add(submit("R6", "b4", "2011-09-18 10:00"), accept("R6", "2011-09-20 10:00"))
	add(execute("revoke V3", evaluation.VanguardStream("V3"), office, func() *evaluation.Vanguard { return &evaluation.Vanguard{} },
		func(v *evaluation.Vanguard, m domain.Meta) ([]domain.Event, error) {
			return v.Revoke(evaluation.RevokeVanguard{Reason: "评选程序不规范", OccurredAt: at("2011-09-20 11:00")}, m)
		}))
	add(survey("S3", "b2", q3, evaluation.Counts{VerySatisfied: 40, Satisfied: 20, BasicallySatisfied: 10, Dissatisfied: 30}, "2011-09-25 11:00"))
	add(vanguard("V1", evaluation.SelectVanguard{Kind: evaluation.Collective, UnitID: "b1", Category: evaluation.Category{Key: "service", Name: "服务群众先锋"}}, "2011-09-28 10:00"))

	// October: none of it counts in August or September, except the
	// correction of S1, which is a fix of the survey.
	add(order("R7", "b1", evalSrc("S1"), "2011-10-05", "2011-10-02 10:00"))
	add(unit("b5", "s1", "a1", org.KindBranch, "2011-10-03 09:00"))
	add(survey("S5", "s1", q3, evaluation.Counts{VerySatisfied: 30, Satisfied: 10, BasicallySatisfied: 10}, "2011-10-10 11:00"))
	correction = execute("correct S1", evaluation.SurveyStream("S1"), office, func() *evaluation.Survey { return &evaluation.Survey{} },
		func(s *evaluation.Survey, m domain.Meta) ([]domain.Event, error) {
			return s.Correct(evaluation.CorrectSurvey{Counts: evaluation.Counts{VerySatisfied: 80, Satisfied: 5, BasicallySatisfied: 5, Dissatisfied: 10},
				Reason: "复核发现统计有误", OccurredAt: at("2011-10-05 11:00")}, m)
		})
	return steps, correction
}
