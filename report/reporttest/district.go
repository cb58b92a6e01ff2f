// Package reporttest is the hand-built district of the year-end report's
// tests: a year (2026) of a small district written through the command
// layer, and every figure of its summary worked out by hand from the
// definitions (docs/report.md), for the district and for each area. The Go
// recount (package annual), the report (ClickHouse and the log) and the
// API are each held to the same tables. It is imported only by tests.
package reporttest

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/annual"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/domain/scoring/tally"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// Loc is the zone of every time below.
var Loc = domain.DefaultLocation()

// Year is the year the tables describe.
const Year = 2026

// Clock is the ledger clock the district is written at, after its last
// event: 10 January 2027, so the 2026 summary's stocks are taken at the
// year's end.
func Clock() time.Time { return at("2027-01-10 09:00") }

// DistrictName is the district's (the root unit's) name.
const DistrictName = "东湖区委"

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

// Expected are the hand-counted figures of 2026, for the district ("")
// and for areas a1 and a2, under annual's keys; a figure not listed is 0.
//
// The district: units u0 (the district), street s1, branches b1 and b2
// and village v1 in area a1; street s2, big community bc1, village v2
// (registered 1 June) and window unit w1 in a2; village v3 registered on
// 2 January 2027 (not counted). b2 moves from a1 to a2 on 15 November
// 2026. Area a3 is registered at 23:30 on 31 December 2026 (counted: the
// stocks are taken at 00:00 on 1 January 2027).
//
//   - themes: b1 2026Q1 and Q2 (Q2 revised: still one), b2 2026Q3 → 3;
//     w1's 2025Q4 and v1's 2027Q1 (set in December 2026) do not count.
//     All three in a1 (b2 moved later).
//   - pledges: P1 (b1, Q1) fulfilled, P2 (b1, Q1) lapsed, P3 (b2, Q2)
//     withdrawn (not counted), P4 (w1, Q3) fulfilled, P5 (member m3 of w1,
//     Q4) submitted, P6 (b1, 2025Q4) fulfilled in January 2026 (its
//     quarter is 2025: not counted), P7 (b2, Q4, made in a1) lapsed on 5
//     January 2027 (counts in 2026Q4) → made 5, fulfilled 2, lapsed 2;
//     window units' 2 (P4, P5). a1: 3, 1, 2; a2: 2, 1, 0, window 2.
//   - reviews: rv1 (b1, Q1) 2 shortcomings 3 measures; rv2 (b2, Q2) 1 and
//     1, corrected to 3 and 2; rv3 (w1, Q3) retracted; rv4 (v1, Q4) a
//     remark only; rv0 (b2, 2025Q4) and rv5 (b1, 2025Q4, recorded in
//     January 2026) not in the year → 3 reviews, 5 shortcomings, 5
//     measures, all in a1.
//   - vanguards: V1 individual (m1 of b1, Q2); V2 individual (m3 of w1,
//     Q3) revoked; V3 collective (b1, Q4); V4 collective (v2, Q1); V5
//     individual (m2, 2025Q4) → individual 1, collective 2; a1 1 and 1,
//     a2 0 and 1.
//   - surveys: S1 b1 2026Q1 90/100; S2 w1 2026-08 (Q3) 35/50 corrected to
//     40/50; S3 v1 for the year 2026, recorded 10 December (Q4) 20/20; S4
//     b2 2025Q4 (not counted) → 150/170; a1 110/120, a2 40/50.
//   - rectifications (facts: the order's and the closing in force's
//     calendar quarter, the area when ordered): R1 b1 ordered 16 Mar, due
//     15 Apr, accepted 12 Apr; R2 b1 ordered 12 Mar, due 30 Apr, extended
//     to 31 May, accepted 25 May; R3 b2 (a1) ordered 21 Jun, due 31 Jul,
//     accepted 25 Jul, reopened 1 Sep with 31 Oct, accepted 25 Oct; R4 w1
//     ordered 6 Sep, due 15 Oct, live; R5 v1 ordered 11 Dec, due 20 Jan
//     2027, live; R6 b1 ordered 1 Nov, due 30 Nov, cancelled 1 Dec; R7 b2
//     ordered 1 Nov 2025, due 31 Dec 2025, accepted 5 Jan 2026 (late); R8
//     b2 (a2, after its move) ordered 2 Dec, due 20 Dec, live → ordered 7
//     (R1–R6, R8), closed 4 (R1, R2, R3, R7), on time against the
//     deadline in force 3 (R1, R2, R3). a1: 5, 4, 3; a2: 2, 0, 0.
//   - rectification events dated in 2026 (the unit's area at the year's
//     end): acceptances R1, R2, R3 twice, R7 → 5, on time against the
//     original deadline R1 and R3's first → 2; reopenings R3 → 1; red at
//     the year's end R4 (due 15 Oct) and R8 (due 20 Dec) → 2 (R5 is due
//     in 2027, R6 cancelled). a1 (b1): 2, 1, 0, 0; a2 (b2, w1): 3, 1, 1, 2.
//   - inspections: i1 special on b1 (March, 2 findings at completion), i2
//     random on w1 (May, none), i3 random on b2 (December, open), i4
//     special on v1 in 2025, i5 special on b1 started 30 December,
//     completed 3 January 2027 → special 2, random 2, findings 2; a1 2, 0,
//     2; a2 0, 2, 0.
//   - groups: g1 formed December 2025; g2 formed and dissolved in 2025;
//     g3 formed April, dissolved September 2026; g4 formed 5 January 2027
//     → 2 (the district's figure, in every summary).
//   - contact points at the year's end: m1 → v1 (a1, January) and m1 →
//     bc1 (a2, December 2025) in force; m2 → b1 ended in May; m3 → v2
//     ended by m3 leaving on 1 December; m2 → v1 assigned in 2027 → 2;
//     a1 1, a2 1.
//   - areas: a1, a2, a3 → 3 (the district's figure).
//   - villages v1, v2 → 2 (a1 1, a2 1); big communities bc1 → 1 (a2).
//   - rankings: a1 2026-03 told by the office, a1 2026-10 accepted from
//     the computation by rule v1 (from 2026-10), a2 2026-06 told then
//     superseded (one publication), a2 2025-12 (not in the year) → 3
//     published, 1 computed; a1 2 and 1, a2 1 and 0.
var Expected = map[string]map[string]int64{
	"": {
		annual.Themes: 3, annual.Pledges: 5, annual.PledgesFulfilled: 2, annual.PledgesLapsed: 2, annual.WindowPledges: 2,
		annual.Reviews: 3, annual.Shortcomings: 5, annual.Measures: 5, annual.VanguardsIndividual: 1, annual.VanguardsCollective: 2,
		annual.Satisfied: 150, annual.Respondents: 170,
		annual.RectOrdered: 7, annual.RectClosed: 4, annual.RectClosedOnTime: 3,
		annual.Acceptances: 5, annual.AcceptancesOnTime: 2, annual.Reopenings: 1, annual.RedItems: 2,
		annual.InspectionsSpecial: 2, annual.InspectionsRandom: 2, annual.Findings: 2,
		annual.Groups: 2, annual.ContactPoints: 2, annual.AreasRegistered: 3, annual.Villages: 2, annual.BigCommunities: 1,
		annual.RankingsPublished: 3, annual.RankingsComputed: 1,
	},
	"a1": {
		annual.Themes: 3, annual.Pledges: 3, annual.PledgesFulfilled: 1, annual.PledgesLapsed: 2,
		annual.Reviews: 3, annual.Shortcomings: 5, annual.Measures: 5, annual.VanguardsIndividual: 1, annual.VanguardsCollective: 1,
		annual.Satisfied: 110, annual.Respondents: 120,
		annual.RectOrdered: 5, annual.RectClosed: 4, annual.RectClosedOnTime: 3,
		annual.Acceptances: 2, annual.AcceptancesOnTime: 1,
		annual.InspectionsSpecial: 2, annual.Findings: 2,
		annual.Groups: 2, annual.ContactPoints: 1, annual.AreasRegistered: 3, annual.Villages: 1,
		annual.RankingsPublished: 2, annual.RankingsComputed: 1,
	},
	"a2": {
		annual.Pledges: 2, annual.PledgesFulfilled: 1, annual.WindowPledges: 2,
		annual.VanguardsCollective: 1, annual.Satisfied: 40, annual.Respondents: 50,
		annual.RectOrdered: 2,
		annual.Acceptances: 3, annual.AcceptancesOnTime: 1, annual.Reopenings: 1, annual.RedItems: 2,
		annual.InspectionsRandom: 2,
		annual.Groups:            2, annual.ContactPoints: 1, annual.AreasRegistered: 3, annual.Villages: 1, annual.BigCommunities: 1,
		annual.RankingsPublished: 1,
	},
}

// Trend is the district's quarterly series, Q1 to Q4, by the read
// models' metric names (from the tables above).
var Trend = map[string][4]int64{
	"pledges_made":                  {2, 0, 1, 2},
	"pledges_fulfilled":             {1, 0, 1, 0},
	"pledges_lapsed":                {1, 0, 0, 1},
	"reviews":                       {1, 1, 0, 1},
	"shortcomings":                  {2, 3, 0, 0},
	"rectifications_opened":         {2, 1, 1, 3},
	"rectifications_closed":         {1, 2, 0, 1}, // R3's first closing was taken back by its reopening
	"rectifications_closed_on_time": {0, 2, 0, 1},
	"satisfaction_satisfied":        {90, 0, 40, 20},
	"satisfaction_respondents":      {100, 0, 50, 20},
}

// Step is one command of the district.
type Step struct {
	What string
	run  func(ctx context.Context, h *command.Handler, log eventlog.Store, id string) error
}

// Write plays the district's commands through h, each as its own
// command; log is the log h appends to (the acceptance of a computed
// ranking counts from it).
func Write(ctx context.Context, h *command.Handler, log eventlog.Store) error {
	for i, s := range steps() {
		if err := s.run(ctx, h, log, fmt.Sprintf("district-%03d", i)); err != nil {
			return fmt.Errorf("district step %d (%s): %w", i, s.What, err)
		}
	}
	return nil
}

func create(what, stream, actor string, decide func(m domain.Meta) ([]domain.Event, error)) Step {
	return Step{What: what, run: func(ctx context.Context, h *command.Handler, _ eventlog.Store, id string) error {
		_, err := command.Create(ctx, h, stream, command.Command{ID: id, Actor: domain.Actor{ID: actor}}, decide)
		return err
	}}
}

func execute[A domain.Aggregate](what, stream, actor string, newAgg func() A, decide func(a A, m domain.Meta) ([]domain.Event, error)) Step {
	return Step{What: what, run: func(ctx context.Context, h *command.Handler, _ eventlog.Store, id string) error {
		_, err := command.Execute(ctx, h, stream, command.Command{ID: id, Actor: domain.Actor{ID: actor}}, newAgg, decide)
		return err
	}}
}

const office = "office-1"

var proof = []domain.Evidence{{SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Name: "整改照片.jpg", Size: 1024, MediaType: "image/jpeg"}}

func q(quarter int) domain.Quarter { return domain.Quarter{Year: Year, Q: quarter} }

func steps() []Step {
	var out []Step
	add := func(s ...Step) { out = append(out, s...) }
	newR := func() *rectification.Rectification { return &rectification.Rectification{} }
	newP := func() *pledge.Pledge { return &pledge.Pledge{} }
	newM := func() *org.Member { return &org.Member{} }
	newG := func() *inspection.Group { return &inspection.Group{} }
	newI := func() *inspection.Inspection { return &inspection.Inspection{} }

	for _, a := range []struct{ id, name, when string }{{"a1", "东片区", "2025-08-01 09:00"}, {"a2", "西片区", "2025-08-01 09:00"}, {"a3", "新城片区", "2026-12-31 23:30"}} {
		add(create("area "+a.id, org.AreaStream(a.id), office, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea(a.id, org.RegisterArea{Name: a.name, Leader: "王伟", OccurredAt: at(a.when)}, m)
		}))
	}
	parents := map[string]*org.Unit{}
	unit := func(id, name, parent, area string, kind org.Kind, when string) Step {
		return Step{What: "unit " + id, run: func(ctx context.Context, h *command.Handler, _ eventlog.Store, cid string) error {
			var p *org.Unit
			if parent != "" {
				p = parents[parent]
			}
			_, err := command.Create(ctx, h, org.UnitStream(id), command.Command{ID: cid, Actor: domain.Actor{ID: office}}, func(m domain.Meta) ([]domain.Event, error) {
				evs, err := org.NewUnit(id, org.RegisterUnit{Name: name, Kind: kind, ParentID: parent, AreaID: area, OccurredAt: at(when)}, p, m)
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
	add(unit("u0", DistrictName, "", "", org.KindDistrict, "2025-09-01 09:00"),
		unit("s1", "东城街道党工委", "u0", "a1", org.KindStreet, "2025-09-01 09:10"),
		unit("s2", "西城街道党工委", "u0", "a2", org.KindStreet, "2025-09-01 09:10"),
		unit("bc1", "西湖大社区党总支", "u0", "a2", org.KindBigCommunity, "2025-09-01 09:10"),
		unit("b1", "东城第一党支部", "s1", "a1", org.KindBranch, "2025-09-01 09:20"),
		unit("b2", "东城第二党支部", "s1", "a1", org.KindBranch, "2025-09-01 09:20"),
		unit("v1", "东坡村党支部", "s1", "a1", org.KindVillage, "2025-09-01 09:20"),
		unit("w1", "西城便民服务中心党支部", "s2", "a2", org.KindWindowUnit, "2025-09-01 09:20"),
		unit("v2", "西岭村党支部", "s2", "a2", org.KindVillage, "2026-06-01 09:00"))
	for _, mb := range []struct{ id, unit string }{{"m1", "b1"}, {"m2", "b2"}, {"m3", "w1"}} {
		add(create("member "+mb.id, org.MemberStream(mb.id), office, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewMember(mb.id, org.RegisterMember{Name: "党员" + mb.id, UnitID: mb.unit, OccurredAt: at("2025-09-02 09:00")}, m)
		}))
	}

	// Groups and contact points.
	group := func(id, formed string) Step {
		return create("group "+id, inspection.GroupStream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return inspection.NewGroup(id, inspection.FormGroup{Name: "指导检查组" + id, Members: []string{"inspector-" + id}, OccurredAt: at(formed)}, m)
		})
	}
	dissolve := func(id, when string) Step {
		return execute("dissolve "+id, inspection.GroupStream(id), office, newG, func(g *inspection.Group, m domain.Meta) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "工作结束", OccurredAt: at(when)}, m)
		})
	}
	add(group("g2", "2025-03-01 09:00"), dissolve("g2", "2025-10-01 09:00"), group("g1", "2025-12-05 09:00"))
	for _, a := range []string{"a1", "a2"} {
		add(execute("assign g1 "+a, inspection.GroupStream("g1"), office, newG, func(g *inspection.Group, m domain.Meta) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{Kind: inspection.TargetArea, ID: a}, OccurredAt: at("2025-12-06 09:00")}, m)
		}))
	}
	contact := func(member, unit, when string) Step {
		return execute("contact point "+member+" "+unit, org.MemberStream(member), office, newM, func(mb *org.Member, m domain.Meta) ([]domain.Event, error) {
			return mb.AssignContactPoint(org.AssignContactPoint{UnitID: unit, OccurredAt: at(when)}, m)
		})
	}
	add(contact("m1", "bc1", "2025-12-20 09:00"))

	// Before the year: a review, a rectification from it, a survey, a
	// vanguard, an inspection and a ranking that 2026 does not count.
	record := func(id, unit string, quarter domain.Quarter, content review.Content, when string) Step {
		return create("review "+id, review.Stream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return review.New(id, review.Record{Form: review.FormMeeting, Subject: review.SubjectUnit, UnitID: unit, Reviewer: "张书记",
				Quarter: quarter, Content: content, OccurredAt: at(when)}, m)
		})
	}
	shortcomings := func(n int) []review.Shortcoming {
		out := make([]review.Shortcoming, n)
		for i := range out {
			out[i] = review.Shortcoming{Text: fmt.Sprintf("问题%d", i+1), OrdersRectification: true}
		}
		return out
	}
	measures := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("措施%d", i+1)
		}
		return out
	}
	q2025 := domain.Quarter{Year: 2025, Q: 4}
	add(record("rv0", "b2", q2025, review.Content{Shortcomings: shortcomings(1)}, "2025-10-20 09:00"))

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
	fromReview := func(ref string, item int) rectification.Source {
		return rectification.Source{Kind: rectification.SourceReview, Ref: ref, Item: item}
	}
	fromEval := func(ref string) rectification.Source {
		return rectification.Source{Kind: rectification.SourceEvaluation, Ref: ref}
	}
	add(order("R7", "b2", fromReview("rv0", 1), "2025-12-31", "2025-11-01 10:00"), ack("R7", "b2", "2025-11-02 10:00"),
		submit("R7", "b2", "2025-12-30 10:00"))

	inspect := func(id, unit, group string, kind inspection.Kind, when string) Step {
		return create("inspection "+id, inspection.Stream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return inspection.New(id, inspection.Start{Kind: kind, UnitID: unit, GroupID: group, OccurredAt: at(when)}, m)
		})
	}
	finding := func(id, when string) Step {
		return execute("finding of "+id, inspection.Stream(id), office, newI, func(in *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{Text: "台账不全", Severity: inspection.Minor}, OccurredAt: at(when)}, m)
		})
	}
	complete := func(id, when string) Step {
		return execute("complete "+id, inspection.Stream(id), office, newI, func(in *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{Summary: "检查完毕", OccurredAt: at(when)}, m)
		})
	}
	add(inspect("i4", "v1", "g1", inspection.Special, "2025-12-10 09:00"), finding("i4", "2025-12-10 10:00"), complete("i4", "2025-12-12 09:00"))

	survey := func(id, unit string, period evaluation.Period, c evaluation.Counts, when string) Step {
		return create("survey "+id, evaluation.SurveyStream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return evaluation.NewSurvey(id, evaluation.RecordSurvey{UnitID: unit, Period: period, Counts: c, OccurredAt: at(when)}, m)
		})
	}
	vanguard := func(id string, cmd evaluation.SelectVanguard, when string) Step {
		cmd.OccurredAt = at(when)
		return create("vanguard "+id, evaluation.VanguardStream(id), office, func(m domain.Meta) ([]domain.Event, error) {
			return evaluation.NewVanguard(id, cmd, m)
		})
	}
	add(vanguard("V5", evaluation.SelectVanguard{Kind: evaluation.Individual, UnitID: "b2", MemberID: "m2", Quarter: q2025,
		Category: evaluation.Category{Key: "service", Name: "服务群众先锋"}}, "2025-12-28 10:00"))
	ranking := func(area string, month domain.Month, units []string, when string) Step {
		entries := make([]evaluation.Entry, len(units))
		for i, u := range units {
			entries[i] = evaluation.Entry{UnitID: u, Score: float64(90 - i), Rank: i + 1}
		}
		return create("ranking "+area+" "+month.String(), evaluation.RankingStream(area, month), office, func(m domain.Meta) ([]domain.Event, error) {
			return evaluation.NewRanking(evaluation.PublishRanking{AreaID: area, Month: month, RuleVersion: "2026年观摩评分细则", Entries: entries, OccurredAt: at(when)}, m)
		})
	}
	add(ranking("a2", domain.Month{Year: 2025, Month: time.December}, []string{"s2", "w1"}, "2026-01-05 10:00"))

	// Pledges.
	pledgeSteps := func(id, unit, member string, quarter domain.Quarter, submitted string) Step {
		cmd := pledge.SubmitCommand{Maker: pledge.MakerUnit, Unit: unit, Quarter: quarter, Category: pledge.ServiceForMasses,
			Title: "为群众办实事" + id, Content: "承诺内容", OccurredAt: at(submitted)}
		if member != "" {
			cmd.Maker, cmd.Member, cmd.Category = pledge.MakerMember, member, pledge.Duty
		}
		return create("pledge "+id, pledge.Stream(id), "clerk-"+unit, func(m domain.Meta) ([]domain.Event, error) { return pledge.Submit(id, cmd, m) })
	}
	pledgeDo := func(what, id, actor string, decide func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error)) Step {
		return execute(what+" "+id, pledge.Stream(id), actor, newP, decide)
	}
	disclose := func(id, unit, when string) []Step {
		return []Step{
			pledgeDo("file", id, "superior-1", func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				return p.File(pledge.FileCommand{OccurredAt: at(when)}, m)
			}),
			pledgeDo("disclose", id, "clerk-"+unit, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
				return p.Disclose(pledge.DiscloseCommand{OccurredAt: at(when).Add(time.Hour)}, m)
			}),
		}
	}
	fulfil := func(id, unit, when string) Step {
		return pledgeDo("fulfil", id, "clerk-"+unit, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Fulfil(pledge.FulfilCommand{Narrative: "已兑现", Evidence: proof, OccurredAt: at(when)}, m)
		})
	}
	lapse := func(id, when string) Step {
		return pledgeDo("lapse", id, "superior-1", func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Lapse(pledge.LapseCommand{Explanation: "未按期完成", OccurredAt: at(when)}, m)
		})
	}
	add(pledgeSteps("P6", "b1", "", q2025, "2025-10-05 09:00"))
	add(disclose("P6", "b1", "2025-10-06 09:00")...)

	// January: the year's first work.
	add(accept("R7", "2026-01-05 10:00"))
	add(fulfil("P6", "b1", "2026-01-10 10:00"))
	add(pledgeSteps("P1", "b1", "", q(1), "2026-01-05 09:00"), pledgeSteps("P2", "b1", "", q(1), "2026-01-06 09:00"))
	add(disclose("P1", "b1", "2026-01-07 09:00")...)
	add(disclose("P2", "b1", "2026-01-07 09:00")...)
	add(record("rv5", "b1", q2025, review.Content{Shortcomings: shortcomings(2)}, "2026-01-05 15:00"))
	add(survey("S4", "b2", evaluation.QuarterPeriod(q2025), evaluation.Counts{VerySatisfied: 10}, "2026-01-08 11:00"))
	add(contact("m1", "v1", "2026-01-10 09:00"), contact("m2", "b1", "2026-02-01 09:00"))
	theme := func(unit string, quarter domain.Quarter, when string) Step {
		return create("theme "+unit+" "+quarter.String(), org.ThemeStream(unit, quarter), "clerk-"+unit, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewTheme(org.SetTheme{UnitID: unit, Quarter: quarter, Title: "学党史、办实事", OccurredAt: at(when)}, m)
		})
	}
	add(theme("w1", q2025, "2025-10-02 09:00"), theme("b1", q(1), "2026-01-04 09:00"))

	// March: inspection i1, its rectification R2, review rv1 and R1, a
	// vanguard, S1, a told ranking.
	add(inspect("i1", "b1", "g1", inspection.Special, "2026-03-10 09:00"), finding("i1", "2026-03-10 10:00"), finding("i1", "2026-03-10 11:00"),
		complete("i1", "2026-03-11 09:00"))
	add(order("R2", "b1", rectification.Source{Kind: rectification.SourceInspection, Ref: "i1", Item: 1}, "2026-04-30", "2026-03-12 10:00"),
		ack("R2", "b1", "2026-03-13 10:00"))
	add(record("rv1", "b1", q(1), review.Content{Shortcomings: shortcomings(2), Measures: measures(3)}, "2026-03-15 09:00"))
	add(order("R1", "b1", fromReview("rv1", 1), "2026-04-15", "2026-03-16 10:00"), ack("R1", "b1", "2026-03-17 10:00"))
	add(fulfil("P1", "b1", "2026-03-20 10:00"))
	add(vanguard("V4", evaluation.SelectVanguard{Kind: evaluation.Collective, UnitID: "v2", Quarter: q(1),
		Category: evaluation.Category{Key: "development", Name: "新城建设先锋"}}, "2026-06-02 10:00"))
	add(survey("S1", "b1", evaluation.QuarterPeriod(q(1)), evaluation.Counts{VerySatisfied: 50, Satisfied: 30, BasicallySatisfied: 10, Dissatisfied: 10}, "2026-03-31 11:00"))
	add(ranking("a1", domain.Month{Year: 2026, Month: time.March}, []string{"b1", "b2", "s1", "v1"}, "2026-04-02 10:00"))

	// April to June.
	add(lapse("P2", "2026-04-03 10:00"))
	add(theme("b1", q(2), "2026-04-01 09:00"), execute("revise theme b1 Q2", org.ThemeStream("b1", q(2)), "clerk-b1", func() *org.Theme { return &org.Theme{} },
		func(th *org.Theme, m domain.Meta) ([]domain.Event, error) {
			return th.Revise(org.ReviseTheme{Title: "学党史、办实事、开新局", Reason: "统一部署", OccurredAt: at("2026-04-05 09:00")}, m)
		}))
	add(pledgeSteps("P3", "b2", "", q(2), "2026-04-02 09:00"), pledgeDo("withdraw", "P3", "clerk-b2", func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Withdraw(pledge.WithdrawCommand{Reason: "重复", OccurredAt: at("2026-04-03 09:00")}, m)
	}))
	add(group("g3", "2026-04-01 09:00"))
	add(submit("R1", "b1", "2026-04-10 10:00"), accept("R1", "2026-04-12 10:00"))
	add(work("request an extension of", "R2", "clerk-b1", func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.RequestExtension(rectification.RequestExtensionCommand{Reasons: "需协调资金", Progress: "已完成一半", Proposed: date("2026-05-31"), OccurredAt: at("2026-04-20 10:00")}, m)
	}), work("grant an extension of", "R2", office, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.GrantExtension(rectification.GrantExtensionCommand{NewDeadline: date("2026-05-31"), OccurredAt: at("2026-04-22 10:00")}, m)
	}))
	add(execute("end contact point m2 b1", org.MemberStream("m2"), office, newM, func(mb *org.Member, m domain.Meta) ([]domain.Event, error) {
		return mb.EndContactPoint(org.EndContactPoint{UnitID: "b1", OccurredAt: at("2026-05-01 09:00")}, m)
	}))
	add(inspect("i2", "w1", "g1", inspection.Random, "2026-05-05 09:00"), complete("i2", "2026-05-05 15:00"))
	add(submit("R2", "b1", "2026-05-20 10:00"), accept("R2", "2026-05-25 10:00"))
	add(record("rv2", "b2", q(2), review.Content{Shortcomings: shortcomings(1), Measures: measures(1)}, "2026-06-10 09:00"),
		execute("correct rv2", review.Stream("rv2"), office, func() *review.Review { return &review.Review{} }, func(rv *review.Review, m domain.Meta) ([]domain.Event, error) {
			return rv.Correct(review.Correct{Content: review.Content{Shortcomings: shortcomings(3), Measures: measures(2)}, Reason: "漏记", OccurredAt: at("2026-06-20 09:00")}, m)
		}))
	add(order("R3", "b2", fromReview("rv2", 1), "2026-07-31", "2026-06-21 10:00"), ack("R3", "b2", "2026-06-22 10:00"))
	add(ranking("a2", domain.Month{Year: 2026, Month: time.June}, []string{"s2", "w1", "bc1"}, "2026-07-02 10:00"),
		execute("supersede a2 2026-06", evaluation.RankingStream("a2", domain.Month{Year: 2026, Month: time.June}), office,
			func() *evaluation.Ranking { return &evaluation.Ranking{} }, func(k *evaluation.Ranking, m domain.Meta) ([]domain.Event, error) {
				return k.Supersede(evaluation.SupersedeRanking{RuleVersion: "2026年观摩评分细则", Reason: "复核", OccurredAt: at("2026-07-05 10:00"),
					Entries: []evaluation.Entry{{UnitID: "w1", Score: 91, Rank: 1}, {UnitID: "s2", Score: 90, Rank: 2}, {UnitID: "bc1", Score: 88, Rank: 3}}}, m)
			}))
	add(vanguard("V1", evaluation.SelectVanguard{Kind: evaluation.Individual, UnitID: "b1", MemberID: "m1", Quarter: q(2),
		Category: evaluation.Category{Key: "service", Name: "服务群众先锋"}}, "2026-06-28 10:00"))

	// July to September.
	add(contact("m3", "v2", "2026-07-01 09:00"))
	add(theme("b2", q(3), "2026-07-01 09:00"))
	add(pledgeSteps("P4", "w1", "", q(3), "2026-07-02 09:00"))
	add(disclose("P4", "w1", "2026-07-03 09:00")...)
	add(submit("R3", "b2", "2026-07-20 10:00"), accept("R3", "2026-07-25 10:00"))
	add(record("rv3", "w1", q(3), review.Content{Shortcomings: shortcomings(1)}, "2026-07-28 09:00"),
		execute("retract rv3", review.Stream("rv3"), office, func() *review.Review { return &review.Review{} }, func(rv *review.Review, m domain.Meta) ([]domain.Event, error) {
			return rv.Retract(review.Retract{Reason: "记录错误", OccurredAt: at("2026-08-01 09:00")}, m)
		}))
	add(survey("S2", "w1", evaluation.MonthPeriod(domain.Month{Year: 2026, Month: time.August}),
		evaluation.Counts{VerySatisfied: 20, Satisfied: 10, BasicallySatisfied: 5, Dissatisfied: 15}, "2026-08-30 11:00"))
	add(work("reopen", "R3", office, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
		return r.Reopen(rectification.ReopenCommand{Reason: "问题反弹", Deadline: date("2026-10-31"), OccurredAt: at("2026-09-01 10:00")}, m)
	}))
	add(dissolve("g3", "2026-09-01 09:00"))
	add(execute("correct S2", evaluation.SurveyStream("S2"), office, func() *evaluation.Survey { return &evaluation.Survey{} },
		func(s *evaluation.Survey, m domain.Meta) ([]domain.Event, error) {
			return s.Correct(evaluation.CorrectSurvey{Counts: evaluation.Counts{VerySatisfied: 25, Satisfied: 10, BasicallySatisfied: 5, Dissatisfied: 10},
				Reason: "录入有误", OccurredAt: at("2026-09-05 11:00")}, m)
		}))
	add(order("R4", "w1", fromEval("S2"), "2026-10-15", "2026-09-06 10:00"), ack("R4", "w1", "2026-09-07 10:00"))
	add(fulfil("P4", "w1", "2026-09-10 10:00"))
	add(Step{What: "rule v1", run: func(ctx context.Context, h *command.Handler, _ eventlog.Store, id string) error {
		_, err := command.Execute(ctx, h, scoring.RulesStream, command.Command{ID: id, Actor: domain.Actor{ID: office}},
			func() *scoring.RuleBook { return &scoring.RuleBook{} }, func(b *scoring.RuleBook, m domain.Meta) ([]domain.Event, error) {
				return b.Publish(scoring.PublishRule{Version: 1, EffectiveFrom: domain.Month{Year: 2026, Month: time.October}, Name: "2026年月度观摩计分办法",
					Metrics:    []scoring.Weight{{Metric: scoring.FulfilmentRate, Weight: 40, Missing: scoring.MissingZero}, {Metric: scoring.RedItems, Weight: -5}},
					OccurredAt: at("2026-09-25 09:00")}, m)
			})
		return err
	}})
	add(vanguard("V2", evaluation.SelectVanguard{Kind: evaluation.Individual, UnitID: "w1", MemberID: "m3", Quarter: q(3),
		Category: evaluation.Category{Key: "service", Name: "服务群众先锋"}}, "2026-09-28 10:00"),
		execute("revoke V2", evaluation.VanguardStream("V2"), office, func() *evaluation.Vanguard { return &evaluation.Vanguard{} },
			func(v *evaluation.Vanguard, m domain.Meta) ([]domain.Event, error) {
				return v.Revoke(evaluation.RevokeVanguard{Reason: "材料不实", OccurredAt: at("2026-10-10 10:00")}, m)
			}))

	// October to December.
	add(pledgeSteps("P7", "b2", "", q(4), "2026-10-03 09:00"))
	add(disclose("P7", "b2", "2026-10-04 09:00")...)
	add(pledgeSteps("P5", "w1", "m3", q(4), "2026-10-08 09:00"))
	add(submit("R3", "b2", "2026-10-20 10:00"), accept("R3", "2026-10-25 10:00"))
	add(order("R6", "b1", fromEval("S1"), "2026-11-30", "2026-11-01 10:00"), ack("R6", "b1", "2026-11-02 10:00"), submit("R6", "b1", "2026-11-25 10:00"),
		work("cancel", "R6", office, func(r *rectification.Rectification, m domain.Meta) ([]domain.Event, error) {
			return r.Cancel(rectification.CancelCommand{Reason: "并入专项整改", OccurredAt: at("2026-12-01 10:00")}, m)
		}))
	add(record("rv4", "v1", q(4), review.Content{Remark: "村务公开及时"}, "2026-11-05 09:00"))
	add(accepted("a1", domain.Month{Year: 2026, Month: time.October}, "2026-11-06 10:00"))
	add(execute("move b2", org.UnitStream("b2"), office, func() *org.Unit { return &org.Unit{} }, func(u *org.Unit, m domain.Meta) ([]domain.Event, error) {
		return u.Move(org.MoveUnit{ParentID: "s2", AreaID: "a2", OccurredAt: at("2026-11-15 10:00")}, parents["s2"], m)
	}))
	add(execute("m3 leaves", org.MemberStream("m3"), office, newM, func(mb *org.Member, m domain.Meta) ([]domain.Event, error) {
		return mb.Leave(org.LeaveMember{Reason: "组织关系转出", OccurredAt: at("2026-12-01 09:00")}, m)
	}))
	add(order("R8", "b2", fromReview("rv2", 2), "2026-12-20", "2026-12-02 10:00"), ack("R8", "b2", "2026-12-03 10:00"))
	add(survey("S3", "v1", evaluation.YearPeriod(2026), evaluation.Counts{VerySatisfied: 10, Satisfied: 5, BasicallySatisfied: 5}, "2026-12-10 11:00"))
	add(order("R5", "v1", fromEval("S3"), "2027-01-20", "2026-12-11 10:00"))
	add(inspect("i3", "b2", "g1", inspection.Random, "2026-12-20 09:00"))
	add(vanguard("V3", evaluation.SelectVanguard{Kind: evaluation.Collective, UnitID: "b1", Quarter: q(4),
		Category: evaluation.Category{Key: "service", Name: "服务群众先锋"}}, "2026-12-25 10:00"))
	add(theme("v1", domain.Quarter{Year: 2027, Q: 1}, "2026-12-28 09:00"))
	add(inspect("i5", "b1", "g1", inspection.Special, "2026-12-30 09:00"), finding("i5", "2026-12-30 10:00"))

	// After the year.
	add(complete("i5", "2027-01-03 09:00"))
	add(unit("v3", "北山村党支部", "s2", "a2", org.KindVillage, "2027-01-02 09:00"))
	add(contact("m2", "v1", "2027-01-03 09:00"))
	add(lapse("P7", "2027-01-05 10:00"))
	add(group("g4", "2027-01-05 09:00"))
	return out
}

// accepted publishes area's ranking of month by accepting the ledger's
// computation at the log as it stands: the rule in force applied to the
// inputs counted from every event so far, at the checkpoint of all of
// them, as POST /v1/rankings/{id}/accept does.
func accepted(area string, month domain.Month, when string) Step {
	return Step{What: "accept " + area + " " + month.String(), run: func(ctx context.Context, h *command.Handler, log eventlog.Store, id string) error {
		reg := catalog.New()
		t := &tally.Tally{Loc: Loc}
		b := seal.NewRootBuilder()
		for after := eventlog.Start; ; {
			page, err := log.ReadAll(ctx, after, 1000)
			if err != nil {
				return err
			}
			for i := range page {
				if err := b.Add(&page[i]); err != nil {
					return err
				}
				data, err := reg.Decode(page[i].Type, page[i].SchemaVersion, page[i].Payload)
				if err != nil {
					return err
				}
				t.Apply(tally.Event{Stream: page[i].Stream, OccurredAt: page[i].OccurredAt, Data: data})
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].Position
		}
		root, err := b.Root()
		if err != nil {
			return err
		}
		c := t.Ranking(area, month)
		cmd := evaluation.AcceptRanking{RuleVersion: c.Rule.Version, OccurredAt: at(when),
			Checkpoint: evaluation.Checkpoint{Size: b.Size(), Root: base64.StdEncoding.EncodeToString(root)}}
		_, err = command.Execute(ctx, h, evaluation.RankingStream(area, month), command.Command{ID: id, Actor: domain.Actor{ID: office}},
			func() *evaluation.Ranking { return &evaluation.Ranking{} }, func(k *evaluation.Ranking, m domain.Meta) ([]domain.Event, error) {
				return k.Accept(area, month, cmd, c, m)
			})
		return err
	}}
}

// At is a time in Loc, written "2006-01-02 15:04".
func At(s string) time.Time { return at(s) }
