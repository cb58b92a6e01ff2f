package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/review"
)

// now is the ledger clock of every test decision.
var now = time.Date(2011, 9, 15, 2, 0, 0, 0, time.UTC)

var meta = domain.Meta{Actor: domain.Actor{ID: "office-1", Unit: "u-district"}, Now: now}

func rebuild(events ...domain.Event) *review.Review {
	r := &review.Review{}
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

func validRecord() review.Record {
	return review.Record{
		Form: review.FormOnSite, Subject: review.SubjectUnit, UnitID: "v1", Reviewer: "街道党工委 李书记",
		Content: review.Content{
			Remark:       "承诺事项推进较慢",
			Shortcomings: []review.Shortcoming{{Text: "台账不完整", OrdersRectification: true}, {Text: "公开不及时"}},
			Measures:     []string{"一周内补齐台账", "每月公开一次"},
		},
	}
}

func TestTransitions(t *testing.T) {
	recorded := domaintest.MustEvents(t)(review.New("r1", validRecord(), meta))
	retracted := append(append([]domain.Event{}, recorded...), review.Retracted{ReviewID: "r1", UnitID: "v1", Reason: "记错单位", OccurredAt: now})
	with := func(f func(*review.Record)) review.Record {
		c := validRecord()
		f(&c)
		return c
	}
	newReview := func(cmd review.Record) func(*review.Review) ([]domain.Event, error) {
		return func(*review.Review) ([]domain.Event, error) { return review.New("r2", cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(r *review.Review) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"record on a unit", nil, newReview(validRecord()), domaintest.Emits("review.recorded")},
		{"record on a member", nil, newReview(with(func(c *review.Record) { c.Subject, c.MemberID = review.SubjectMember, "m1" })), domaintest.Emits("review.recorded")},
		{"record only measures", nil, newReview(with(func(c *review.Record) { c.Content = review.Content{Measures: []string{"加强学习"}} })), domaintest.Emits("review.recorded")},
		{"record without form", nil, newReview(with(func(c *review.Record) { c.Form = 0 })), domaintest.Invalid("form")},
		{"record without subject", nil, newReview(with(func(c *review.Record) { c.Subject = 0 })), domaintest.Invalid("subject")},
		{"record on a member without member", nil, newReview(with(func(c *review.Record) { c.Subject = review.SubjectMember })), domaintest.Invalid("member_id")},
		{"record on a unit naming a member", nil, newReview(with(func(c *review.Record) { c.MemberID = "m1" })), domaintest.Invalid("member_id")},
		{"record without unit", nil, newReview(with(func(c *review.Record) { c.UnitID = "" })), domaintest.Invalid("unit_id")},
		{"record without reviewer", nil, newReview(with(func(c *review.Record) { c.Reviewer = "  " })), domaintest.Invalid("reviewer")},
		{"record saying nothing", nil, newReview(with(func(c *review.Record) { c.Content = review.Content{} })), domaintest.Invalid("shortcomings")},
		{"record an empty shortcoming", nil, newReview(with(func(c *review.Record) { c.Shortcomings[1].Text = "　" })), domaintest.Invalid("shortcomings[1].text")},
		{"record an empty measure", nil, newReview(with(func(c *review.Record) { c.Measures = []string{"", "x"} })), domaintest.Invalid("measures[0]")},
		{"record a remark too long", nil, newReview(with(func(c *review.Record) { c.Remark = strings.Repeat("评", 2001) })), domaintest.Invalid("remark")},
		{"record too many measures", nil, newReview(with(func(c *review.Record) { c.Measures = make([]string, 101) })), domaintest.Invalid("measures")},
		{"record a bad quarter", nil, newReview(with(func(c *review.Record) { c.Quarter = domain.Quarter{Year: 2011, Q: 5} })), domaintest.Invalid("quarter")},
		{"record in the future", nil, newReview(with(func(c *review.Record) { c.OccurredAt = now.Add(24 * time.Hour) })), domaintest.Invalid("occurred_at")},
		{"record with a bad id", nil, func(*review.Review) ([]domain.Event, error) { return review.New("", validRecord(), meta) }, domaintest.Invalid("review_id")},
		{"correct", recorded, func(r *review.Review) ([]domain.Event, error) {
			return r.Correct(review.Correct{Content: review.Content{Shortcomings: []review.Shortcoming{{Text: "台账不完整"}}}, Reason: "误记"}, meta)
		}, domaintest.Emits("review.corrected")},
		{"correct without reason", recorded, func(r *review.Review) ([]domain.Event, error) {
			return r.Correct(review.Correct{Content: review.Content{Measures: []string{"x"}}}, meta)
		}, domaintest.Invalid("reason")},
		{"correct changing nothing", recorded, func(r *review.Review) ([]domain.Event, error) {
			return r.Correct(review.Correct{Content: validRecord().Content, Reason: "再记一次"}, meta)
		}, domaintest.Invalid("shortcomings")},
		{"correct to nothing", recorded, func(r *review.Review) ([]domain.Event, error) {
			return r.Correct(review.Correct{Reason: "清空"}, meta)
		}, domaintest.Invalid("shortcomings")},
		{"correct a retracted remark", retracted, func(r *review.Review) ([]domain.Event, error) {
			return r.Correct(review.Correct{Content: review.Content{Measures: []string{"x"}}, Reason: "r"}, meta)
		}, domaintest.Refused()},
		{"correct an unknown remark", nil, func(r *review.Review) ([]domain.Event, error) {
			return r.Correct(review.Correct{Content: review.Content{Measures: []string{"x"}}, Reason: "r"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"retract", recorded, func(r *review.Review) ([]domain.Event, error) {
			return r.Retract(review.Retract{Reason: "记错单位"}, meta)
		}, domaintest.Emits("review.retracted")},
		{"retract without reason", recorded, func(r *review.Review) ([]domain.Event, error) {
			return r.Retract(review.Retract{Reason: " "}, meta)
		}, domaintest.Invalid("reason")},
		{"retract twice", retracted, func(r *review.Review) ([]domain.Event, error) {
			return r.Retract(review.Retract{Reason: "again"}, meta)
		}, domaintest.Refused()},
		{"retract an unknown remark", nil, func(r *review.Review) ([]domain.Event, error) {
			return r.Retract(review.Retract{Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestRecordTrimsCountsAndDefaultsQuarter(t *testing.T) {
	cmd := validRecord()
	cmd.Reviewer = "  李书记 "
	cmd.OccurredAt = time.Date(2011, 9, 30, 17, 0, 0, 0, time.UTC) // 2011-10-01 01:00 in Shanghai
	later := meta
	later.Now = time.Date(2011, 10, 8, 0, 0, 0, 0, time.UTC)
	e := domaintest.MustEvents(t)(review.New("r1", cmd, later))[0].(review.Recorded)
	if e.Reviewer != "李书记" {
		t.Errorf("got reviewer %q, want it trimmed", e.Reviewer)
	}
	if want := (domain.Quarter{Year: 2011, Q: 4}); e.Quarter != want {
		t.Errorf("got quarter %v, want %v (the Shanghai date)", e.Quarter, want)
	}
	if e.ShortcomingCount() != 2 || e.MeasureCount() != 2 || e.RectificationsOrdered() != 1 {
		t.Errorf("got %d shortcomings, %d measures, %d rectifications; want 2, 2, 1",
			e.ShortcomingCount(), e.MeasureCount(), e.RectificationsOrdered())
	}
}

func TestCorrectionPointsAtEventInForce(t *testing.T) {
	r := rebuild(domaintest.MustEvents(t)(review.New("r1", validRecord(), meta))...)
	first := domaintest.MustEvents(t)(r.Correct(review.Correct{Content: review.Content{Measures: []string{"一"}}, Reason: "误记"}, meta))[0].(review.Corrected)
	if first.Corrects != 1 {
		t.Errorf("first correction: got corrects_version %d, want 1", first.Corrects)
	}
	r.Apply(first)
	second := domaintest.MustEvents(t)(r.Correct(review.Correct{Content: review.Content{Measures: []string{"二"}}, Reason: "又误记"}, meta))[0].(review.Corrected)
	if second.Corrects != 2 {
		t.Errorf("second correction: got corrects_version %d, want 2", second.Corrects)
	}
	r.Apply(second)
	if r.State() != "corrected" || r.MeasureCount() != 1 || r.Measures[0] != "二" || r.ShortcomingCount() != 0 {
		t.Errorf("after corrections got %+v", r)
	}
	r.Apply(review.Retracted{ReviewID: "r1", Reason: "x"})
	if r.State() != "retracted" || r.Version != 4 {
		t.Errorf("after retraction got state %s version %d", r.State(), r.Version)
	}
}

func TestParseEnums(t *testing.T) {
	for _, f := range review.Forms() {
		got, err := review.ParseForm(f.String())
		if err != nil || got != f {
			t.Errorf("ParseForm(%q): got %v, %v", f.String(), got, err)
		}
	}
	for _, s := range []string{"", "onsite", "Meeting"} {
		if _, err := review.ParseForm(s); err == nil {
			t.Errorf("ParseForm(%q): got no error", s)
		}
	}
	for _, s := range []string{"unit", "member"} {
		if got, err := review.ParseSubject(s); err != nil || got.String() != s {
			t.Errorf("ParseSubject(%q): got %v, %v", s, got, err)
		}
	}
	if _, err := review.ParseSubject("area"); err == nil {
		t.Error("ParseSubject(area): got no error")
	}
	if _, err := review.Form(0).MarshalText(); err == nil {
		t.Error("zero form marshalled")
	}
}

func TestApplyIgnoresWhatItDoesNotKnow(t *testing.T) {
	r := &review.Review{}
	r.Apply(domaintest.Foreign{})
	r.Apply(nil)
	r.Apply(&review.Retracted{ReviewID: "x"})
	if r.Exists() || r.Version != 3 {
		t.Errorf("got %+v", r)
	}
	if review.Stream("r1") != "review-r1" {
		t.Errorf("got stream %q", review.Stream("r1"))
	}
}

func TestCodecs(t *testing.T) {
	at := time.Date(2011, 9, 1, 8, 0, 0, 0, time.UTC)
	content := validRecord().Content
	domaintest.CheckCodecs(t, review.Codecs(), []domain.Event{
		review.Recorded{ReviewID: "r1", Form: review.FormTalk, Subject: review.SubjectMember, UnitID: "v1", MemberID: "m1",
			Reviewer: "李书记", Quarter: domain.Quarter{Year: 2011, Q: 3}, Content: content, OccurredAt: at},
		review.Corrected{ReviewID: "r1", UnitID: "v1", Content: review.Content{Measures: []string{"一"}}, Reason: "误记", Corrects: 1, OccurredAt: at},
		review.Retracted{ReviewID: "r1", UnitID: "v1", Reason: "记错单位", OccurredAt: at},
	})
}
