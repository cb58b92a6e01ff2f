package org_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/org"
)

// now is the ledger clock of every test decision.
var now = time.Date(2011, 9, 15, 2, 0, 0, 0, time.UTC)

var meta = domain.Meta{Actor: domain.Actor{ID: "office-1", Unit: "u-district"}, Now: now}

var q3 = domain.Quarter{Year: 2011, Q: 3}

func rebuild[A domain.Aggregate](a A, events ...domain.Event) A {
	for _, e := range events {
		a.Apply(e)
	}
	return a
}

func unitOf(tb testing.TB, id string, cmd org.RegisterUnit, parent *org.Unit) *org.Unit {
	tb.Helper()
	return rebuild(&org.Unit{}, domaintest.MustEvents(tb)(org.NewUnit(id, cmd, parent, meta))...)
}

func TestAreaTransitions(t *testing.T) {
	registered := domaintest.MustEvents(t)(org.NewArea("a1", org.RegisterArea{Name: "第一片区", Leader: "张三"}, meta))
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(a *org.Area) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"register", nil, func(*org.Area) ([]domain.Event, error) {
			return org.NewArea("a2", org.RegisterArea{Name: " 第二片区 ", Leader: "李四"}, meta)
		}, domaintest.Emits("area.registered")},
		{"register without leader", nil, func(*org.Area) ([]domain.Event, error) {
			return org.NewArea("a2", org.RegisterArea{Name: "第二片区", Leader: "　"}, meta)
		}, domaintest.Invalid("leader")},
		{"register with bad id", nil, func(*org.Area) ([]domain.Event, error) {
			return org.NewArea("a 2", org.RegisterArea{Name: "第二片区", Leader: "李四"}, meta)
		}, domaintest.Invalid("area_id")},
		{"rename", registered, func(a *org.Area) ([]domain.Event, error) {
			return a.Rename(org.RenameArea{Name: "新城片区"}, meta)
		}, domaintest.Emits("area.renamed")},
		{"rename to the same name", registered, func(a *org.Area) ([]domain.Event, error) {
			return a.Rename(org.RenameArea{Name: " 第一片区"}, meta)
		}, domaintest.Invalid("name")},
		{"rename unknown area", nil, func(a *org.Area) ([]domain.Event, error) {
			return a.Rename(org.RenameArea{Name: "新城片区"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"change leader", registered, func(a *org.Area) ([]domain.Event, error) {
			return a.ChangeLeader(org.ChangeAreaLeader{Leader: "王五"}, meta)
		}, domaintest.Emits("area.leader_changed")},
		{"change leader to the same one", registered, func(a *org.Area) ([]domain.Event, error) {
			return a.ChangeLeader(org.ChangeAreaLeader{Leader: "张三"}, meta)
		}, domaintest.Invalid("leader")},
		{"change leader of unknown area", nil, func(a *org.Area) ([]domain.Event, error) {
			return a.ChangeLeader(org.ChangeAreaLeader{Leader: "王五"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&org.Area{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestAreaApply(t *testing.T) {
	a := rebuild(&org.Area{},
		domaintest.MustEvents(t)(org.NewArea("a1", org.RegisterArea{Name: "第一片区", Leader: "张三"}, meta))[0],
		domaintest.Foreign{},
		org.AreaRenamed{AreaID: "a1", Name: "新城片区", PreviousName: "第一片区"},
		org.AreaLeaderChanged{AreaID: "a1", Leader: "王五", PreviousLeader: "张三"},
	)
	if a.Name != "新城片区" || a.Leader != "王五" || a.Version != 4 {
		t.Errorf("got %+v, want 新城片区 led by 王五 at version 4", a)
	}
}

func TestUnitTransitions(t *testing.T) {
	district := unitOf(t, "d", org.RegisterUnit{Name: "某区", Kind: org.KindDistrict}, nil)
	street := unitOf(t, "s1", org.RegisterUnit{Name: "城关街道", Kind: org.KindStreet, ParentID: "d", AreaID: "a1"}, district)
	street2 := unitOf(t, "s2", org.RegisterUnit{Name: "新城街道", Kind: org.KindStreet, ParentID: "d", AreaID: "a2"}, district)
	village := domaintest.MustEvents(t)(org.NewUnit("v1", org.RegisterUnit{Name: "东村", Kind: org.KindVillage, ParentID: "s1", AreaID: "a1"}, street, meta))
	districtEvents := domaintest.MustEvents(t)(org.NewUnit("d", org.RegisterUnit{Name: "某区", Kind: org.KindDistrict}, nil, meta))

	reg := func(id string, cmd org.RegisterUnit, parent *org.Unit) func(*org.Unit) ([]domain.Event, error) {
		return func(*org.Unit) ([]domain.Event, error) { return org.NewUnit(id, cmd, parent, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(u *org.Unit) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"register district", nil, reg("d", org.RegisterUnit{Name: "某区", Kind: org.KindDistrict}, nil), domaintest.Emits("unit.registered")},
		{"register district with a parent", nil, reg("d2", org.RegisterUnit{Name: "某区", Kind: org.KindDistrict, ParentID: "d"}, district), domaintest.Invalid("parent_id")},
		{"register district in an area", nil, reg("d2", org.RegisterUnit{Name: "某区", Kind: org.KindDistrict, AreaID: "a1"}, nil), domaintest.Invalid("area_id")},
		{"register street under district", nil, reg("s3", org.RegisterUnit{Name: "三街道", Kind: org.KindStreet, ParentID: "d", AreaID: "a1"}, district), domaintest.Emits("unit.registered")},
		{"register village under street", nil, reg("v2", org.RegisterUnit{Name: "西村", Kind: org.KindVillage, ParentID: "s1", AreaID: "a1"}, street), domaintest.Emits("unit.registered")},
		{"register village under district", nil, reg("v2", org.RegisterUnit{Name: "西村", Kind: org.KindVillage, ParentID: "d", AreaID: "a1"}, district), domaintest.Invalid("parent_id")},
		{"register street without area", nil, reg("s3", org.RegisterUnit{Name: "三街道", Kind: org.KindStreet, ParentID: "d"}, district), domaintest.Invalid("area_id")},
		{"register under unregistered parent", nil, reg("s3", org.RegisterUnit{Name: "三街道", Kind: org.KindStreet, ParentID: "nope", AreaID: "a1"}, &org.Unit{}), domaintest.Invalid("parent_id")},
		{"register under missing parent state", nil, reg("s3", org.RegisterUnit{Name: "三街道", Kind: org.KindStreet, ParentID: "d", AreaID: "a1"}, nil), domaintest.Invalid("parent_id")},
		{"register with mismatched parent state", nil, reg("v2", org.RegisterUnit{Name: "西村", Kind: org.KindVillage, ParentID: "s2", AreaID: "a1"}, street), domaintest.Invalid("parent_id")},
		{"register as own parent", nil, reg("s1", org.RegisterUnit{Name: "城关街道", Kind: org.KindStreet, ParentID: "s1", AreaID: "a1"}, street), domaintest.Invalid("parent_id")},
		{"register without kind", nil, reg("s3", org.RegisterUnit{Name: "三街道", ParentID: "d", AreaID: "a1"}, district), domaintest.Invalid("kind")},
		{"register without name", nil, reg("s3", org.RegisterUnit{Name: " ", Kind: org.KindStreet, ParentID: "d", AreaID: "a1"}, district), domaintest.Invalid("name")},
		{"rename", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Rename(org.RenameUnit{Name: "东村村委会"}, meta)
		}, domaintest.Emits("unit.renamed")},
		{"rename to the same name", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Rename(org.RenameUnit{Name: "东村 "}, meta)
		}, domaintest.Invalid("name")},
		{"rename unknown unit", nil, func(u *org.Unit) ([]domain.Event, error) {
			return u.Rename(org.RenameUnit{Name: "东村"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"move to another street and area", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "s2", AreaID: "a2"}, street2, meta)
		}, domaintest.Emits("unit.moved")},
		{"move to another area only", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "s1", AreaID: "a3"}, street, meta)
		}, domaintest.Emits("unit.moved")},
		{"move to another parent keeping the area", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "s2"}, street2, meta)
		}, domaintest.Emits("unit.moved")},
		{"move to where it is", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "s1", AreaID: "a1"}, street, meta)
		}, domaintest.Invalid("parent_id")},
		{"move under itself", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "v1"}, u, meta)
		}, domaintest.Invalid("parent_id")},
		{"move under a unit of the wrong kind", village, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "d"}, district, meta)
		}, domaintest.Invalid("parent_id")},
		{"move the district", districtEvents, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "s1"}, street, meta)
		}, domaintest.Refused()},
		{"move unknown unit", nil, func(u *org.Unit) ([]domain.Event, error) {
			return u.Move(org.MoveUnit{ParentID: "s2"}, street2, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&org.Unit{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestUnitMoveKeepsPrevious(t *testing.T) {
	district := unitOf(t, "d", org.RegisterUnit{Name: "某区", Kind: org.KindDistrict}, nil)
	street := unitOf(t, "s1", org.RegisterUnit{Name: "城关街道", Kind: org.KindStreet, ParentID: "d", AreaID: "a1"}, district)
	street2 := unitOf(t, "s2", org.RegisterUnit{Name: "新城街道", Kind: org.KindStreet, ParentID: "d", AreaID: "a2"}, district)
	v := unitOf(t, "v1", org.RegisterUnit{Name: "东村", Kind: org.KindVillage, ParentID: "s1", AreaID: "a1"}, street)
	got := domaintest.MustEvents(t)(v.Move(org.MoveUnit{ParentID: "s2"}, street2, meta))
	want := org.UnitMoved{UnitID: "v1", ParentID: "s2", AreaID: "a1", PreviousParentID: "s1", PreviousAreaID: "a1", OccurredAt: now}
	if got[0] != want {
		t.Fatalf("got %+v, want %+v", got[0], want)
	}
	v.Apply(got[0])
	if v.ParentID != "s2" || v.AreaID != "a1" || v.Version != 2 {
		t.Errorf("after move got %+v", v)
	}
}

func TestKindTree(t *testing.T) {
	tests := []struct {
		name   string
		child  org.Kind
		parent org.Kind
		want   bool
	}{
		{"street under district", org.KindStreet, org.KindDistrict, true},
		{"department under district", org.KindDepartment, org.KindDistrict, true},
		{"big community under district", org.KindBigCommunity, org.KindDistrict, true},
		{"branch under department", org.KindBranch, org.KindDepartment, true},
		{"window unit under big community", org.KindWindowUnit, org.KindBigCommunity, true},
		{"enterprise under street", org.KindEnterprise, org.KindStreet, true},
		{"village under district", org.KindVillage, org.KindDistrict, false},
		{"street under street", org.KindStreet, org.KindStreet, false},
		{"district under anything", org.KindDistrict, org.KindStreet, false},
		{"zero kind", org.Kind(0), org.KindDistrict, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.child.CanBeChildOf(tt.parent); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range org.Kinds() {
		got, err := org.ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q): got %v, %v; want %v", k.String(), got, err, k)
		}
	}
	if len(org.Kinds()) != 8 {
		t.Errorf("got %d kinds, want 8", len(org.Kinds()))
	}
	for _, s := range []string{"", "District", "county", "window"} {
		if _, err := org.ParseKind(s); err == nil {
			t.Errorf("ParseKind(%q): got no error", s)
		}
	}
	if _, err := org.Kind(0).MarshalText(); err == nil {
		t.Error("zero kind marshalled")
	}
}

func TestMemberTransitions(t *testing.T) {
	registered := domaintest.MustEvents(t)(org.NewMember("m1", org.RegisterMember{Name: "赵六", UnitID: "v1"}, meta))
	guiding := append(append([]domain.Event{}, registered...), org.ContactPointAssigned{MemberID: "m1", UnitID: "v2", OccurredAt: now})
	left := append(append([]domain.Event{}, guiding...), org.MemberLeft{MemberID: "m1", UnitID: "v1", Reason: "调出", EndedContactPoints: []string{"v2"}, OccurredAt: now})
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(m *org.Member) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"register", nil, func(*org.Member) ([]domain.Event, error) {
			return org.NewMember("m2", org.RegisterMember{Name: "钱七", UnitID: "v1"}, meta)
		}, domaintest.Emits("member.registered")},
		{"register without unit", nil, func(*org.Member) ([]domain.Event, error) {
			return org.NewMember("m2", org.RegisterMember{Name: "钱七"}, meta)
		}, domaintest.Invalid("unit_id")},
		{"register with a name too long", nil, func(*org.Member) ([]domain.Event, error) {
			return org.NewMember("m2", org.RegisterMember{Name: strings.Repeat("名", 101), UnitID: "v1"}, meta)
		}, domaintest.Invalid("name")},
		{"register in the future", nil, func(*org.Member) ([]domain.Event, error) {
			return org.NewMember("m2", org.RegisterMember{Name: "钱七", UnitID: "v1", OccurredAt: now.Add(time.Hour)}, meta)
		}, domaintest.Invalid("occurred_at")},
		{"move", registered, func(m *org.Member) ([]domain.Event, error) {
			return m.Move(org.MoveMember{UnitID: "v2"}, meta)
		}, domaintest.Emits("member.moved")},
		{"move to own unit", registered, func(m *org.Member) ([]domain.Event, error) {
			return m.Move(org.MoveMember{UnitID: "v1"}, meta)
		}, domaintest.Invalid("unit_id")},
		{"move unknown member", nil, func(m *org.Member) ([]domain.Event, error) {
			return m.Move(org.MoveMember{UnitID: "v2"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"move after leaving", left, func(m *org.Member) ([]domain.Event, error) {
			return m.Move(org.MoveMember{UnitID: "v3"}, meta)
		}, domaintest.Refused()},
		{"assign contact point", registered, func(m *org.Member) ([]domain.Event, error) {
			return m.AssignContactPoint(org.AssignContactPoint{UnitID: "v2"}, meta)
		}, domaintest.Emits("member.contact_point_assigned")},
		{"assign the same contact point twice", guiding, func(m *org.Member) ([]domain.Event, error) {
			return m.AssignContactPoint(org.AssignContactPoint{UnitID: "v2"}, meta)
		}, domaintest.Invalid("unit_id")},
		{"assign contact point after leaving", left, func(m *org.Member) ([]domain.Event, error) {
			return m.AssignContactPoint(org.AssignContactPoint{UnitID: "v3"}, meta)
		}, domaintest.Refused()},
		{"assign contact point to unknown member", nil, func(m *org.Member) ([]domain.Event, error) {
			return m.AssignContactPoint(org.AssignContactPoint{UnitID: "v3"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"end contact point", guiding, func(m *org.Member) ([]domain.Event, error) {
			return m.EndContactPoint(org.EndContactPoint{UnitID: "v2"}, meta)
		}, domaintest.Emits("member.contact_point_ended")},
		{"end a contact point never assigned", registered, func(m *org.Member) ([]domain.Event, error) {
			return m.EndContactPoint(org.EndContactPoint{UnitID: "v2"}, meta)
		}, domaintest.Invalid("unit_id")},
		{"end contact point after leaving", left, func(m *org.Member) ([]domain.Event, error) {
			return m.EndContactPoint(org.EndContactPoint{UnitID: "v2"}, meta)
		}, domaintest.Refused()},
		{"leave", guiding, func(m *org.Member) ([]domain.Event, error) {
			return m.Leave(org.LeaveMember{Reason: "组织关系转出"}, meta)
		}, domaintest.Emits("member.left")},
		{"leave without reason", guiding, func(m *org.Member) ([]domain.Event, error) {
			return m.Leave(org.LeaveMember{}, meta)
		}, domaintest.Invalid("reason")},
		{"leave twice", left, func(m *org.Member) ([]domain.Event, error) {
			return m.Leave(org.LeaveMember{Reason: "again"}, meta)
		}, domaintest.Refused()},
		{"leave unknown member", nil, func(m *org.Member) ([]domain.Event, error) {
			return m.Leave(org.LeaveMember{Reason: "调出"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&org.Member{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestMemberLeaveEndsContactPoints(t *testing.T) {
	m := rebuild(&org.Member{}, domaintest.MustEvents(t)(org.NewMember("m1", org.RegisterMember{Name: "赵六", UnitID: "v1"}, meta))...)
	m.Apply(domaintest.MustEvents(t)(m.AssignContactPoint(org.AssignContactPoint{UnitID: "v2"}, meta))[0])
	m.Apply(domaintest.MustEvents(t)(m.AssignContactPoint(org.AssignContactPoint{UnitID: "v3"}, meta))[0])
	m.Apply(domaintest.MustEvents(t)(m.EndContactPoint(org.EndContactPoint{UnitID: "v2"}, meta))[0])
	got := domaintest.MustEvents(t)(m.Leave(org.LeaveMember{Reason: "调出"}, meta))[0].(org.MemberLeft)
	if len(got.EndedContactPoints) != 1 || got.EndedContactPoints[0] != "v3" {
		t.Fatalf("got ended contact points %v, want [v3]", got.EndedContactPoints)
	}
	m.Apply(got)
	if !m.Left || len(m.ContactPoints) != 0 || m.State() != "left" {
		t.Errorf("after leaving got %+v", m)
	}
}

func TestThemeTransitions(t *testing.T) {
	set := domaintest.MustEvents(t)(org.NewTheme(org.SetTheme{UnitID: "v1", Quarter: q3, Title: "服务项目建设，争当发展先锋"}, meta))
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(th *org.Theme) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"set", nil, func(*org.Theme) ([]domain.Event, error) {
			return org.NewTheme(org.SetTheme{UnitID: "v1", Quarter: q3, Title: "争当发展先锋", Description: "围绕项目建设"}, meta)
		}, domaintest.Emits("theme.set")},
		{"set without quarter", nil, func(*org.Theme) ([]domain.Event, error) {
			return org.NewTheme(org.SetTheme{UnitID: "v1", Title: "争当发展先锋"}, meta)
		}, domaintest.Invalid("quarter")},
		{"set without title", nil, func(*org.Theme) ([]domain.Event, error) {
			return org.NewTheme(org.SetTheme{UnitID: "v1", Quarter: q3}, meta)
		}, domaintest.Invalid("title")},
		{"set with a description too long", nil, func(*org.Theme) ([]domain.Event, error) {
			return org.NewTheme(org.SetTheme{UnitID: "v1", Quarter: q3, Title: "主题", Description: strings.Repeat("字", 2001)}, meta)
		}, domaintest.Invalid("description")},
		{"set without unit", nil, func(*org.Theme) ([]domain.Event, error) {
			return org.NewTheme(org.SetTheme{Quarter: q3, Title: "主题"}, meta)
		}, domaintest.Invalid("unit_id")},
		{"revise", set, func(th *org.Theme) ([]domain.Event, error) {
			return th.Revise(org.ReviseTheme{Title: "优化服务，争当发展先锋", Reason: "区委要求"}, meta)
		}, domaintest.Emits("theme.revised")},
		{"revise to the same text", set, func(th *org.Theme) ([]domain.Event, error) {
			return th.Revise(org.ReviseTheme{Title: "服务项目建设，争当发展先锋"}, meta)
		}, domaintest.Invalid("title")},
		{"revise unset theme", nil, func(th *org.Theme) ([]domain.Event, error) {
			return th.Revise(org.ReviseTheme{Title: "主题"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&org.Theme{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestThemeRevisionPointsAtSupersededEvent(t *testing.T) {
	th := rebuild(&org.Theme{}, domaintest.MustEvents(t)(org.NewTheme(org.SetTheme{UnitID: "v1", Quarter: q3, Title: "一"}, meta))...)
	first := domaintest.MustEvents(t)(th.Revise(org.ReviseTheme{Title: "二"}, meta))[0].(org.ThemeRevised)
	if first.Supersedes != 1 {
		t.Errorf("first revision: got supersedes %d, want 1", first.Supersedes)
	}
	th.Apply(domaintest.Foreign{}) // an event of a later schema this build ignores still takes a version
	th.Apply(first)
	second := domaintest.MustEvents(t)(th.Revise(org.ReviseTheme{Title: "三"}, meta))[0].(org.ThemeRevised)
	if second.Supersedes != 3 {
		t.Errorf("second revision: got supersedes %d, want 3", second.Supersedes)
	}
	if th.Title != "二" || th.Revisions != 1 {
		t.Errorf("got %+v", th)
	}
	if got, want := org.ThemeStream("v1", q3), "theme-v1-2011Q3"; got != want {
		t.Errorf("got stream %q, want %q", got, want)
	}
}

func TestStreams(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{org.AreaStream("a1"), "area-a1"},
		{org.UnitStream("u1"), "unit-u1"},
		{org.MemberStream("m1"), "member-m1"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestApplyIgnoresWhatItDoesNotKnow(t *testing.T) {
	aggregates := []domain.Aggregate{&org.Area{}, &org.Unit{}, &org.Member{}, &org.Theme{}}
	for _, a := range aggregates {
		a.Apply(domaintest.Foreign{})
		a.Apply(&org.UnitRenamed{UnitID: "x"}) // a pointer is not how events are decoded
		a.Apply(nil)
	}
}

func TestCodecs(t *testing.T) {
	at := time.Date(2011, 9, 1, 8, 0, 0, 0, time.UTC)
	domaintest.CheckCodecs(t, org.Codecs(), []domain.Event{
		org.AreaRegistered{AreaID: "a1", Name: "第一片区", Leader: "张三", OccurredAt: at},
		org.AreaRenamed{AreaID: "a1", Name: "新城片区", PreviousName: "第一片区", OccurredAt: at},
		org.AreaLeaderChanged{AreaID: "a1", Leader: "王五", PreviousLeader: "张三", OccurredAt: at},
		org.UnitRegistered{UnitID: "v1", Name: "东村", Kind: org.KindVillage, ParentID: "s1", AreaID: "a1", OccurredAt: at},
		org.UnitRenamed{UnitID: "v1", Name: "东村村委会", PreviousName: "东村", OccurredAt: at},
		org.UnitMoved{UnitID: "v1", ParentID: "s2", AreaID: "a2", PreviousParentID: "s1", PreviousAreaID: "a1", OccurredAt: at},
		org.MemberRegistered{MemberID: "m1", Name: "赵六", UnitID: "v1", OccurredAt: at},
		org.MemberMoved{MemberID: "m1", UnitID: "v2", PreviousUnitID: "v1", OccurredAt: at},
		org.MemberLeft{MemberID: "m1", UnitID: "v2", Reason: "调出", EndedContactPoints: []string{"v3"}, OccurredAt: at},
		org.ContactPointAssigned{MemberID: "m1", UnitID: "v3", OccurredAt: at},
		org.ContactPointEnded{MemberID: "m1", UnitID: "v3", Reason: "调整", OccurredAt: at},
		org.ThemeSet{UnitID: "v1", Quarter: q3, Title: "争当发展先锋", Description: "围绕项目建设", OccurredAt: at},
		org.ThemeRevised{UnitID: "v1", Quarter: q3, Title: "优化服务", Reason: "区委要求", Supersedes: 1, OccurredAt: at},
	})
}

func TestOccurredAtIsToldTimeInUTC(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*60*60)
	told := time.Date(2011, 9, 10, 9, 30, 0, 0, shanghai)
	e := domaintest.MustEvents(t)(org.NewMember("m1", org.RegisterMember{Name: "赵六", UnitID: "v1", OccurredAt: told}, meta))[0].(org.MemberRegistered)
	if !e.OccurredAt.Equal(told) || e.OccurredAt.Location() != time.UTC {
		t.Errorf("got occurred_at %v, want %v in UTC", e.OccurredAt, told)
	}
	e = domaintest.MustEvents(t)(org.NewMember("m1", org.RegisterMember{Name: "赵六", UnitID: "v1"}, meta))[0].(org.MemberRegistered)
	if !e.OccurredAt.Equal(now) {
		t.Errorf("got occurred_at %v, want the ledger clock %v", e.OccurredAt, now)
	}
}
