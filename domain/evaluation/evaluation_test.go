package evaluation_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/evaluation"
)

// now is the ledger clock of every test decision.
var now = time.Date(2011, 9, 15, 2, 0, 0, 0, time.UTC)

var meta = domain.Meta{Actor: domain.Actor{ID: "office-1", Unit: "u-district"}, Now: now}

var (
	q3  = domain.Quarter{Year: 2011, Q: 3}
	sep = domain.Month{Year: 2011, Month: time.September}
)

func rebuild[A domain.Aggregate](a A, events ...domain.Event) A {
	for _, e := range events {
		a.Apply(e)
	}
	return a
}

func mustPeriod(tb testing.TB, s string) evaluation.Period {
	tb.Helper()
	p, err := evaluation.ParsePeriod(s)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestSatisfactionRate(t *testing.T) {
	tests := []struct {
		name   string
		counts evaluation.Counts
		want   float64
		ok     bool
	}{
		{"all very satisfied", evaluation.Counts{VerySatisfied: 10}, 1, true},
		{"basically satisfied counts as satisfied", evaluation.Counts{VerySatisfied: 50, Satisfied: 30, BasicallySatisfied: 15, Dissatisfied: 5}, 0.95, true},
		{"all dissatisfied", evaluation.Counts{Dissatisfied: 3}, 0, true},
		{"one in three dissatisfied", evaluation.Counts{Satisfied: 1, BasicallySatisfied: 1, Dissatisfied: 1}, 2.0 / 3.0, true},
		{"nobody answered", evaluation.Counts{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.counts.Rate()
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSurveyTransitions(t *testing.T) {
	counts := evaluation.Counts{VerySatisfied: 50, Satisfied: 30, BasicallySatisfied: 15, Dissatisfied: 5}
	recorded := domaintest.MustEvents(t)(evaluation.NewSurvey("s1", evaluation.RecordSurvey{UnitID: "v1", Period: mustPeriod(t, "2011Q3"), Counts: counts}, meta))
	record := func(id string, cmd evaluation.RecordSurvey) func(*evaluation.Survey) ([]domain.Event, error) {
		return func(*evaluation.Survey) ([]domain.Event, error) { return evaluation.NewSurvey(id, cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(s *evaluation.Survey) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"record", nil, record("s2", evaluation.RecordSurvey{UnitID: "v1", Period: mustPeriod(t, "2011-09"), Counts: counts}), domaintest.Emits("survey.recorded")},
		{"record without period", nil, record("s2", evaluation.RecordSurvey{UnitID: "v1", Counts: counts}), domaintest.Invalid("period")},
		{"record without unit", nil, record("s2", evaluation.RecordSurvey{Period: mustPeriod(t, "2011"), Counts: counts}), domaintest.Invalid("unit_id")},
		{"record without respondents", nil, record("s2", evaluation.RecordSurvey{UnitID: "v1", Period: mustPeriod(t, "2011")}), domaintest.Invalid("very_satisfied")},
		{"record a negative count", nil, record("s2", evaluation.RecordSurvey{UnitID: "v1", Period: mustPeriod(t, "2011"), Counts: evaluation.Counts{Satisfied: 3, Dissatisfied: -1}}), domaintest.Invalid("dissatisfied")},
		{"record with a bad id", nil, record("s 2", evaluation.RecordSurvey{UnitID: "v1", Period: mustPeriod(t, "2011"), Counts: counts}), domaintest.Invalid("survey_id")},
		{"correct", recorded, func(s *evaluation.Survey) ([]domain.Event, error) {
			return s.Correct(evaluation.CorrectSurvey{Counts: evaluation.Counts{Satisfied: 90, Dissatisfied: 10}, Reason: "录入错误"}, meta)
		}, domaintest.Emits("survey.corrected")},
		{"correct changing nothing", recorded, func(s *evaluation.Survey) ([]domain.Event, error) {
			return s.Correct(evaluation.CorrectSurvey{Counts: counts, Reason: "录入错误"}, meta)
		}, domaintest.Invalid("very_satisfied")},
		{"correct without reason", recorded, func(s *evaluation.Survey) ([]domain.Event, error) {
			return s.Correct(evaluation.CorrectSurvey{Counts: evaluation.Counts{Satisfied: 1}}, meta)
		}, domaintest.Invalid("reason")},
		{"correct unknown survey", nil, func(s *evaluation.Survey) ([]domain.Event, error) {
			return s.Correct(evaluation.CorrectSurvey{Counts: evaluation.Counts{Satisfied: 1}, Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&evaluation.Survey{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestSurveyCorrectionPointsAtCountsInForce(t *testing.T) {
	s := rebuild(&evaluation.Survey{}, domaintest.MustEvents(t)(evaluation.NewSurvey("s1", evaluation.RecordSurvey{UnitID: "v1", Period: mustPeriod(t, "2011Q3"), Counts: evaluation.Counts{Satisfied: 1}}, meta))...)
	c := domaintest.MustEvents(t)(s.Correct(evaluation.CorrectSurvey{Counts: evaluation.Counts{Satisfied: 3, Dissatisfied: 1}, Reason: "漏录"}, meta))[0].(evaluation.SurveyCorrected)
	if c.Corrects != 1 {
		t.Errorf("got corrects_version %d, want 1", c.Corrects)
	}
	s.Apply(c)
	if rate, _ := s.Rate(); rate != 0.75 || s.Total() != 4 || s.InForce != 2 {
		t.Errorf("after correction got rate %v total %d in force %d", rate, s.Total(), s.InForce)
	}
}

func validSelection() evaluation.SelectVanguard {
	return evaluation.SelectVanguard{
		Kind: evaluation.Individual, UnitID: "v1", MemberID: "m1", Quarter: q3,
		Category: evaluation.Category{Key: "investment", Name: "招商引资先锋"}, Citation: "引进项目三个",
	}
}

func TestVanguardTransitions(t *testing.T) {
	selected := domaintest.MustEvents(t)(evaluation.NewVanguard("g1", validSelection(), meta))
	revoked := append(append([]domain.Event{}, selected...), evaluation.VanguardRevoked{VanguardID: "g1", UnitID: "v1", Reason: "事迹不实", OccurredAt: now})
	with := func(f func(*evaluation.SelectVanguard)) func(*evaluation.Vanguard) ([]domain.Event, error) {
		cmd := validSelection()
		f(&cmd)
		return func(*evaluation.Vanguard) ([]domain.Event, error) { return evaluation.NewVanguard("g2", cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(v *evaluation.Vanguard) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"select an individual", nil, with(func(*evaluation.SelectVanguard) {}), domaintest.Emits("vanguard.selected")},
		{"select a collective", nil, with(func(c *evaluation.SelectVanguard) {
			c.Kind, c.MemberID, c.Category = evaluation.Collective, "", evaluation.Category{Key: "new_city2", Name: "新城建设先锋"}
		}), domaintest.Emits("vanguard.selected")},
		{"select without kind", nil, with(func(c *evaluation.SelectVanguard) { c.Kind = 0 }), domaintest.Invalid("kind")},
		{"select an individual without member", nil, with(func(c *evaluation.SelectVanguard) { c.MemberID = "" }), domaintest.Invalid("member_id")},
		{"select a collective naming a member", nil, with(func(c *evaluation.SelectVanguard) { c.Kind = evaluation.Collective }), domaintest.Invalid("member_id")},
		{"select without unit", nil, with(func(c *evaluation.SelectVanguard) { c.UnitID = "" }), domaintest.Invalid("unit_id")},
		{"select without category key", nil, with(func(c *evaluation.SelectVanguard) { c.Category.Key = "" }), domaintest.Invalid("category.key")},
		{"select with a Chinese category key", nil, with(func(c *evaluation.SelectVanguard) { c.Category.Key = "招商" }), domaintest.Invalid("category.key")},
		{"select with a key starting with a digit", nil, with(func(c *evaluation.SelectVanguard) { c.Category.Key = "1st" }), domaintest.Invalid("category.key")},
		{"select without category name", nil, with(func(c *evaluation.SelectVanguard) { c.Category.Name = " " }), domaintest.Invalid("category.name")},
		{"select without quarter", nil, with(func(c *evaluation.SelectVanguard) { c.Quarter = domain.Quarter{} }), domaintest.Invalid("quarter")},
		{"select with a citation too long", nil, with(func(c *evaluation.SelectVanguard) { c.Citation = strings.Repeat("事", 2001) }), domaintest.Invalid("citation")},
		{"revoke", selected, func(v *evaluation.Vanguard) ([]domain.Event, error) {
			return v.Revoke(evaluation.RevokeVanguard{Reason: "事迹不实"}, meta)
		}, domaintest.Emits("vanguard.revoked")},
		{"revoke without reason", selected, func(v *evaluation.Vanguard) ([]domain.Event, error) {
			return v.Revoke(evaluation.RevokeVanguard{}, meta)
		}, domaintest.Invalid("reason")},
		{"revoke twice", revoked, func(v *evaluation.Vanguard) ([]domain.Event, error) {
			return v.Revoke(evaluation.RevokeVanguard{Reason: "again"}, meta)
		}, domaintest.Refused()},
		{"revoke unknown selection", nil, func(v *evaluation.Vanguard) ([]domain.Event, error) {
			return v.Revoke(evaluation.RevokeVanguard{Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&evaluation.Vanguard{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestStarRatingTransitions(t *testing.T) {
	year := mustPeriod(t, "2011")
	awarded := domaintest.MustEvents(t)(evaluation.NewStarRating(evaluation.RateStars{UnitID: "v1", Period: year, Stars: 4}, meta))
	rate := func(cmd evaluation.RateStars) func(*evaluation.StarRating) ([]domain.Event, error) {
		return func(*evaluation.StarRating) ([]domain.Event, error) { return evaluation.NewStarRating(cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(r *evaluation.StarRating) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"award", nil, rate(evaluation.RateStars{UnitID: "v1", Period: year, Stars: 5, Basis: "五好"}), domaintest.Emits("star_rating.awarded")},
		{"award zero stars", nil, rate(evaluation.RateStars{UnitID: "v1", Period: year}), domaintest.Invalid("stars")},
		{"award six stars", nil, rate(evaluation.RateStars{UnitID: "v1", Period: year, Stars: 6}), domaintest.Invalid("stars")},
		{"award without period", nil, rate(evaluation.RateStars{UnitID: "v1", Stars: 3}), domaintest.Invalid("period")},
		{"award without unit", nil, rate(evaluation.RateStars{Period: year, Stars: 3}), domaintest.Invalid("unit_id")},
		{"revise", awarded, func(r *evaluation.StarRating) ([]domain.Event, error) {
			return r.Revise(evaluation.ReviseStars{Stars: 3, Reason: "复核降星"}, meta)
		}, domaintest.Emits("star_rating.revised")},
		{"revise to the same stars", awarded, func(r *evaluation.StarRating) ([]domain.Event, error) {
			return r.Revise(evaluation.ReviseStars{Stars: 4, Reason: "复核"}, meta)
		}, domaintest.Invalid("stars")},
		{"revise without reason", awarded, func(r *evaluation.StarRating) ([]domain.Event, error) {
			return r.Revise(evaluation.ReviseStars{Stars: 3}, meta)
		}, domaintest.Invalid("reason")},
		{"revise to zero stars", awarded, func(r *evaluation.StarRating) ([]domain.Event, error) {
			return r.Revise(evaluation.ReviseStars{Reason: "x"}, meta)
		}, domaintest.Invalid("stars")},
		{"revise unknown rating", nil, func(r *evaluation.StarRating) ([]domain.Event, error) {
			return r.Revise(evaluation.ReviseStars{Stars: 3, Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&evaluation.StarRating{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestStarRatingRevisionPointsAtRatingInForce(t *testing.T) {
	r := rebuild(&evaluation.StarRating{}, domaintest.MustEvents(t)(evaluation.NewStarRating(evaluation.RateStars{UnitID: "v1", Period: mustPeriod(t, "2011"), Stars: 4}, meta))...)
	e := domaintest.MustEvents(t)(r.Revise(evaluation.ReviseStars{Stars: 2, Reason: "复核"}, meta))[0].(evaluation.StarRatingRevised)
	if e.Supersedes != 1 || e.PreviousStars != 4 {
		t.Errorf("got %+v, want supersedes 1 and previous 4 stars", e)
	}
	r.Apply(e)
	if r.Stars != 2 || r.InForce != 2 {
		t.Errorf("got %+v", r)
	}
	if got, want := evaluation.StarRatingStream("v1", mustPeriod(t, "2011")), "starrating-v1-2011"; got != want {
		t.Errorf("got stream %q, want %q", got, want)
	}
}

func entries(list ...evaluation.Entry) []evaluation.Entry { return list }

func TestRankingTransitions(t *testing.T) {
	good := entries(
		evaluation.Entry{UnitID: "v2", Score: 88, Rank: 2, Reasons: []string{"台账规范"}},
		evaluation.Entry{UnitID: "v1", Score: 95.5, Rank: 1},
		evaluation.Entry{UnitID: "v3", Score: 88, Rank: 2},
		evaluation.Entry{UnitID: "v4", Score: 70, Rank: 4, Reasons: []string{"整改不到位"}},
	)
	published := domaintest.MustEvents(t)(evaluation.NewRanking(evaluation.PublishRanking{AreaID: "a1", Month: sep, RuleVersion: "2011.1", Entries: good}, meta))
	publish := func(cmd evaluation.PublishRanking) func(*evaluation.Ranking) ([]domain.Event, error) {
		return func(*evaluation.Ranking) ([]domain.Event, error) { return evaluation.NewRanking(cmd, meta) }
	}
	ok := func(es []evaluation.Entry) evaluation.PublishRanking {
		return evaluation.PublishRanking{AreaID: "a1", Month: sep, RuleVersion: "2011.1", Entries: es}
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(r *evaluation.Ranking) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"publish", nil, publish(ok(good)), domaintest.Emits("ranking.published")},
		{"publish ties broken by rule", nil, publish(ok(entries(
			evaluation.Entry{UnitID: "v1", Score: 90, Rank: 1},
			evaluation.Entry{UnitID: "v2", Score: 90, Rank: 2},
		))), domaintest.Emits("ranking.published")},
		{"publish without area", nil, publish(evaluation.PublishRanking{Month: sep, RuleVersion: "2011.1", Entries: good}), domaintest.Invalid("area_id")},
		{"publish without month", nil, publish(evaluation.PublishRanking{AreaID: "a1", RuleVersion: "2011.1", Entries: good}), domaintest.Invalid("month")},
		{"publish without rule version", nil, publish(evaluation.PublishRanking{AreaID: "a1", Month: sep, Entries: good}), domaintest.Invalid("rule_version")},
		{"publish no entries", nil, publish(ok(nil)), domaintest.Invalid("entries")},
		{"publish a unit twice", nil, publish(ok(entries(
			evaluation.Entry{UnitID: "v1", Score: 90, Rank: 1},
			evaluation.Entry{UnitID: "v1", Score: 80, Rank: 2},
		))), domaintest.Invalid("entries[1].unit_id")},
		{"publish a rank out of range", nil, publish(ok(entries(evaluation.Entry{UnitID: "v1", Score: 90, Rank: 2}))), domaintest.Invalid("entries[0].rank")},
		{"publish a NaN score", nil, publish(ok(entries(evaluation.Entry{UnitID: "v1", Score: math.NaN(), Rank: 1}))), domaintest.Invalid("entries[0].score")},
		{"publish an empty reason", nil, publish(ok(entries(evaluation.Entry{UnitID: "v1", Score: 1, Rank: 1, Reasons: []string{" "}}))), domaintest.Invalid("entries[0].reasons[0]")},
		{"publish a gap in ranks", nil, publish(ok(entries(
			evaluation.Entry{UnitID: "v1", Score: 90, Rank: 1},
			evaluation.Entry{UnitID: "v2", Score: 80, Rank: 3},
			evaluation.Entry{UnitID: "v3", Score: 70, Rank: 3},
		))), domaintest.Invalid("entries")},
		{"publish a tie of different scores", nil, publish(ok(entries(
			evaluation.Entry{UnitID: "v1", Score: 90, Rank: 1},
			evaluation.Entry{UnitID: "v2", Score: 80, Rank: 1},
		))), domaintest.Invalid("entries")},
		{"publish a higher score placed lower", nil, publish(ok(entries(
			evaluation.Entry{UnitID: "v1", Score: 80, Rank: 1},
			evaluation.Entry{UnitID: "v2", Score: 90, Rank: 2},
		))), domaintest.Invalid("entries")},
		{"supersede", published, func(r *evaluation.Ranking) ([]domain.Event, error) {
			return r.Supersede(evaluation.SupersedeRanking{RuleVersion: "2011.2", Entries: evaluation.Rank(good), Reason: "评分细则修订"}, meta)
		}, domaintest.Emits("ranking.superseded")},
		{"supersede with the same ranking", published, func(r *evaluation.Ranking) ([]domain.Event, error) {
			return r.Supersede(evaluation.SupersedeRanking{RuleVersion: "2011.1", Entries: good, Reason: "重发"}, meta)
		}, domaintest.Invalid("entries")},
		{"supersede without reason", published, func(r *evaluation.Ranking) ([]domain.Event, error) {
			return r.Supersede(evaluation.SupersedeRanking{RuleVersion: "2011.2", Entries: good}, meta)
		}, domaintest.Invalid("reason")},
		{"supersede with invalid entries", published, func(r *evaluation.Ranking) ([]domain.Event, error) {
			return r.Supersede(evaluation.SupersedeRanking{RuleVersion: "2011.2", Reason: "x"}, meta)
		}, domaintest.Invalid("entries")},
		{"supersede unpublished ranking", nil, func(r *evaluation.Ranking) ([]domain.Event, error) {
			return r.Supersede(evaluation.SupersedeRanking{RuleVersion: "2011.2", Entries: good, Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&evaluation.Ranking{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestRankingRevisions(t *testing.T) {
	first := entries(evaluation.Entry{UnitID: "v1", Score: 90, Rank: 1}, evaluation.Entry{UnitID: "v2", Score: 80, Rank: 2})
	r := rebuild(&evaluation.Ranking{}, domaintest.MustEvents(t)(evaluation.NewRanking(evaluation.PublishRanking{AreaID: "a1", Month: sep, RuleVersion: "r1", Entries: first}, meta))...)
	second := evaluation.Rank(entries(evaluation.Entry{UnitID: "v1", Score: 85}, evaluation.Entry{UnitID: "v2", Score: 86}))
	r.Apply(domaintest.Foreign{})
	e := domaintest.MustEvents(t)(r.Supersede(evaluation.SupersedeRanking{RuleVersion: "r1", Entries: second, Reason: "复核改分"}, meta))[0].(evaluation.RankingSuperseded)
	if e.Revision != 2 || e.Supersedes != 1 {
		t.Errorf("got revision %d supersedes %d, want 2 and 1", e.Revision, e.Supersedes)
	}
	r.Apply(e)
	if got, _ := r.Entry("v2"); got.Rank != 1 {
		t.Errorf("got v2 at rank %d, want 1", got.Rank)
	}
	third := domaintest.MustEvents(t)(r.Supersede(evaluation.SupersedeRanking{RuleVersion: "r2", Entries: second, Reason: "细则修订"}, meta))[0].(evaluation.RankingSuperseded)
	if third.Revision != 3 || third.Supersedes != 3 {
		t.Errorf("got revision %d supersedes %d, want 3 and 3", third.Revision, third.Supersedes)
	}
	if got, want := evaluation.RankingStream("a1", sep), "ranking-a1-2011-09"; got != want {
		t.Errorf("got stream %q, want %q", got, want)
	}
}

func TestRank(t *testing.T) {
	got := evaluation.Rank(entries(
		evaluation.Entry{UnitID: "c", Score: 80},
		evaluation.Entry{UnitID: "a", Score: 95},
		evaluation.Entry{UnitID: "d", Score: 70},
		evaluation.Entry{UnitID: "b", Score: 80},
	))
	want := []struct {
		unit string
		rank int
	}{{"a", 1}, {"b", 2}, {"c", 2}, {"d", 4}}
	for i, w := range want {
		if got[i].UnitID != w.unit || got[i].Rank != w.rank {
			t.Errorf("place %d: got %s at %d, want %s at %d", i, got[i].UnitID, got[i].Rank, w.unit, w.rank)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, s := range []string{"2011", "2011Q3", "2011-09"} {
		p, err := evaluation.ParsePeriod(s)
		if err != nil || p.String() != s || !p.Valid() {
			t.Errorf("ParsePeriod(%q): got %v, %v", s, p, err)
		}
	}
	if q, ok := mustPeriod(t, "2011Q3").Quarter(); !ok || q != q3 {
		t.Errorf("got quarter %v, %v", q, ok)
	}
	if m, ok := mustPeriod(t, "2011-09").Month(); !ok || m != sep {
		t.Errorf("got month %v, %v", m, ok)
	}
	for _, s := range []string{"", "11", "2011Q5", "2011-13", "2011-9", "1999", "20111"} {
		if _, err := evaluation.ParsePeriod(s); err == nil {
			t.Errorf("ParsePeriod(%q): got no error", s)
		}
	}
	if _, err := (evaluation.Period{}).MarshalText(); err == nil {
		t.Error("zero period marshalled")
	}
}

func TestParseEnums(t *testing.T) {
	for _, s := range []string{"collective", "individual"} {
		if k, err := evaluation.ParseVanguardKind(s); err != nil || k.String() != s {
			t.Errorf("ParseVanguardKind(%q): got %v, %v", s, k, err)
		}
	}
	if _, err := evaluation.ParseVanguardKind("team"); err == nil {
		t.Error("ParseVanguardKind(team): got no error")
	}
	for _, s := range []string{"1", "5"} {
		if st, err := evaluation.ParseStars(s); err != nil || !st.Valid() {
			t.Errorf("ParseStars(%q): got %v, %v", s, st, err)
		}
	}
	for _, s := range []string{"0", "6", "", "three"} {
		if _, err := evaluation.ParseStars(s); err == nil {
			t.Errorf("ParseStars(%q): got no error", s)
		}
	}
}

func TestApplyIgnoresWhatItDoesNotKnow(t *testing.T) {
	for _, a := range []domain.Aggregate{&evaluation.Survey{}, &evaluation.Vanguard{}, &evaluation.StarRating{}, &evaluation.Ranking{}} {
		a.Apply(domaintest.Foreign{})
		a.Apply(nil)
		a.Apply(&evaluation.VanguardRevoked{})
	}
	if evaluation.SurveyStream("s1") != "survey-s1" || evaluation.VanguardStream("g1") != "vanguard-g1" {
		t.Error("unexpected stream names")
	}
}

func TestCodecs(t *testing.T) {
	at := time.Date(2011, 9, 1, 8, 0, 0, 0, time.UTC)
	counts := evaluation.Counts{VerySatisfied: 50, Satisfied: 30, BasicallySatisfied: 15, Dissatisfied: 5}
	es := entries(evaluation.Entry{UnitID: "v1", Score: 95.5, Rank: 1, Reasons: []string{"亮点突出"}}, evaluation.Entry{UnitID: "v2", Score: 80, Rank: 2})
	domaintest.CheckCodecs(t, evaluation.Codecs(), []domain.Event{
		evaluation.SurveyRecorded{SurveyID: "s1", UnitID: "v1", Period: mustPeriod(t, "2011Q3"), Counts: counts, OccurredAt: at},
		evaluation.SurveyCorrected{SurveyID: "s1", UnitID: "v1", Counts: counts, Reason: "录入错误", Corrects: 1, OccurredAt: at},
		evaluation.VanguardSelected{VanguardID: "g1", Kind: evaluation.Individual, UnitID: "v1", MemberID: "m1", Category: evaluation.Category{Key: "investment", Name: "招商引资先锋"}, Quarter: q3, Citation: "事迹", OccurredAt: at},
		evaluation.VanguardRevoked{VanguardID: "g1", UnitID: "v1", Reason: "事迹不实", OccurredAt: at},
		evaluation.StarRatingAwarded{UnitID: "v1", Period: mustPeriod(t, "2011"), Stars: 4, Basis: "五好", OccurredAt: at},
		evaluation.StarRatingRevised{UnitID: "v1", Period: mustPeriod(t, "2011"), Stars: 3, PreviousStars: 4, Reason: "复核", Supersedes: 1, OccurredAt: at},
		evaluation.RankingPublished{AreaID: "a1", Month: sep, Revision: 1, RuleVersion: "2011.1", Entries: es, OccurredAt: at},
		evaluation.RankingSuperseded{AreaID: "a1", Month: sep, Revision: 2, RuleVersion: "2", Entries: es, Reason: "修订", Supersedes: 1,
			Computed:   &evaluation.Computed{RuleVersion: 2, Checkpoint: evaluation.Checkpoint{Size: 7, Root: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, Adjusted: true, Reason: "现场复核", Entries: es},
			OccurredAt: at},
	})
}
