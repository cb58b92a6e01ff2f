package inspection_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/inspection"
)

// now is the ledger clock of every test decision.
var now = time.Date(2011, 9, 15, 2, 0, 0, 0, time.UTC)

var meta = domain.Meta{Actor: domain.Actor{ID: "office-1", Unit: "u-district"}, Now: now}

func rebuild[A domain.Aggregate](a A, events ...domain.Event) A {
	for _, e := range events {
		a.Apply(e)
	}
	return a
}

func history(parts ...[]domain.Event) []domain.Event {
	var out []domain.Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var photo = domain.Evidence{SHA256: strings.Repeat("ab", 32), Name: "现场照片.jpg", Size: 1024, MediaType: "image/jpeg"}

var unitV1 = inspection.Target{Kind: inspection.TargetUnit, ID: "v1"}
var areaA1 = inspection.Target{Kind: inspection.TargetArea, ID: "a1"}

func TestGroupTransitions(t *testing.T) {
	formed := domaintest.MustEvents(t)(inspection.NewGroup("g1", inspection.FormGroup{Name: "第一指导检查组", Members: []string{"p1", "p2"}}, meta))
	assigned := history(formed, []domain.Event{inspection.GroupAssigned{GroupID: "g1", Target: areaA1, OccurredAt: now}})
	alone := domaintest.MustEvents(t)(inspection.NewGroup("g1", inspection.FormGroup{Name: "第二组", Members: []string{"p1"}}, meta))
	dissolved := history(assigned, []domain.Event{inspection.GroupDissolved{GroupID: "g1", Reason: "活动结束", EndedAssignments: []inspection.Target{areaA1}, OccurredAt: now}})
	form := func(cmd inspection.FormGroup) func(*inspection.Group) ([]domain.Event, error) {
		return func(*inspection.Group) ([]domain.Event, error) { return inspection.NewGroup("g2", cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(g *inspection.Group) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"form", nil, form(inspection.FormGroup{Name: "第三组", Members: []string{"p3"}}), domaintest.Emits("group.formed")},
		{"form without members", nil, form(inspection.FormGroup{Name: "第三组"}), domaintest.Invalid("members")},
		{"form with a member twice", nil, form(inspection.FormGroup{Name: "第三组", Members: []string{"p3", "p3"}}), domaintest.Invalid("members[1]")},
		{"form with a blank member", nil, form(inspection.FormGroup{Name: "第三组", Members: []string{""}}), domaintest.Invalid("members[0]")},
		{"form without name", nil, form(inspection.FormGroup{Members: []string{"p3"}}), domaintest.Invalid("name")},
		{"add member", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p3"}, meta)
		}, domaintest.Emits("group.member_added")},
		{"add a member already in", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p1"}, meta)
		}, domaintest.Invalid("member_id")},
		{"add member to unknown group", nil, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p3"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"add member to dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p3"}, meta)
		}, domaintest.Refused()},
		{"remove member", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p2"}, meta)
		}, domaintest.Emits("group.member_removed")},
		{"remove a stranger", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p9"}, meta)
		}, domaintest.Invalid("member_id")},
		{"remove the last member", alone, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p1"}, meta)
		}, domaintest.Refused()},
		{"remove member of dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p2"}, meta)
		}, domaintest.Refused()},
		{"assign an area", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: areaA1}, meta)
		}, domaintest.Emits("group.assigned")},
		{"assign a unit", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: unitV1}, meta)
		}, domaintest.Emits("group.assigned")},
		{"assign twice", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: areaA1}, meta)
		}, domaintest.Invalid("target_id")},
		{"assign without kind", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{ID: "a1"}}, meta)
		}, domaintest.Invalid("target_kind")},
		{"assign without id", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{Kind: inspection.TargetUnit}}, meta)
		}, domaintest.Invalid("target_id")},
		{"assign dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: unitV1}, meta)
		}, domaintest.Refused()},
		{"assign unknown group", nil, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: unitV1}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"end assignment", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.EndAssignment(inspection.EndAssignment{Target: areaA1, Reason: "调整分工"}, meta)
		}, domaintest.Emits("group.assignment_ended")},
		{"end an assignment never made", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.EndAssignment(inspection.EndAssignment{Target: unitV1}, meta)
		}, domaintest.Invalid("target_id")},
		{"end assignment of dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.EndAssignment(inspection.EndAssignment{Target: areaA1}, meta)
		}, domaintest.Refused()},
		{"dissolve", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "活动结束"}, meta)
		}, domaintest.Emits("group.dissolved")},
		{"dissolve without reason", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{}, meta)
		}, domaintest.Invalid("reason")},
		{"dissolve twice", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "again"}, meta)
		}, domaintest.Refused()},
		{"dissolve unknown group", nil, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&inspection.Group{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestGroupDissolveEndsAssignments(t *testing.T) {
	g := rebuild(&inspection.Group{}, domaintest.MustEvents(t)(inspection.NewGroup("g1", inspection.FormGroup{Name: "组", Members: []string{"p1"}}, meta))...)
	g.Apply(domaintest.MustEvents(t)(g.Assign(inspection.AssignGroup{Target: areaA1}, meta))[0])
	assignUnit := domaintest.MustEvents(t)(g.Assign(inspection.AssignGroup{Target: unitV1}, meta))[0]
	if got := assignUnit.(domain.Scoped).ScopeUnit(); got != "v1" {
		t.Errorf("unit assignment scope: got %q, want v1", got)
	}
	g.Apply(assignUnit)
	g.Apply(domaintest.MustEvents(t)(g.EndAssignment(inspection.EndAssignment{Target: areaA1}, meta))[0])
	d := domaintest.MustEvents(t)(g.Dissolve(inspection.DissolveGroup{Reason: "结束"}, meta))[0].(inspection.GroupDissolved)
	if len(d.EndedAssignments) != 1 || d.EndedAssignments[0] != unitV1 {
		t.Fatalf("got ended assignments %v, want [%v]", d.EndedAssignments, unitV1)
	}
	g.Apply(d)
	if g.Covers(unitV1) || g.State() != "dissolved" || g.Version != 5 {
		t.Errorf("after dissolving got %+v", g)
	}
}

func finding(text string, sev inspection.Severity, rect bool) inspection.FindingContent {
	return inspection.FindingContent{Text: text, Severity: sev, OrdersRectification: rect}
}

func TestInspectionTransitions(t *testing.T) {
	started := domaintest.MustEvents(t)(inspection.New("i1", inspection.Start{Kind: inspection.Special, UnitID: "v1", GroupID: "g1", Subject: "承诺践诺专项检查"}, meta))
	withFinding := history(started, []domain.Event{inspection.FindingRecorded{InspectionID: "i1", UnitID: "v1", FindingNo: 1, FindingContent: finding("台账缺失", inspection.Moderate, true), OccurredAt: now}})
	withdrawn := history(withFinding, []domain.Event{inspection.FindingWithdrawn{InspectionID: "i1", UnitID: "v1", FindingNo: 1, Reason: "误记", Withdraws: 2, OccurredAt: now}})
	completed := history(withFinding, []domain.Event{inspection.Completed{InspectionID: "i1", UnitID: "v1", GroupID: "g1", Findings: 1, OccurredAt: now}})
	start := func(cmd inspection.Start) func(*inspection.Inspection) ([]domain.Event, error) {
		return func(*inspection.Inspection) ([]domain.Event, error) { return inspection.New("i2", cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(in *inspection.Inspection) ([]domain.Event, error)
		want    domaintest.Outcome
	}{
		{"start a random check", nil, start(inspection.Start{Kind: inspection.Random, UnitID: "v1", GroupID: "g1"}), domaintest.Emits("inspection.started")},
		{"start without kind", nil, start(inspection.Start{UnitID: "v1", GroupID: "g1"}), domaintest.Invalid("kind")},
		{"start without unit", nil, start(inspection.Start{Kind: inspection.Random, GroupID: "g1"}), domaintest.Invalid("unit_id")},
		{"start without group", nil, start(inspection.Start{Kind: inspection.Random, UnitID: "v1"}), domaintest.Invalid("group_id")},
		{"start with a subject too long", nil, start(inspection.Start{Kind: inspection.Special, UnitID: "v1", GroupID: "g1", Subject: strings.Repeat("查", 101)}), domaintest.Invalid("subject")},
		{"record finding", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{Text: "公开栏未更新", Severity: inspection.Minor, Evidence: []domain.Evidence{photo}}}, meta)
		}, domaintest.Emits("inspection.finding_recorded")},
		{"record finding without text", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding(" ", inspection.Minor, false)}, meta)
		}, domaintest.Invalid("text")},
		{"record finding without severity", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding("问题", 0, false)}, meta)
		}, domaintest.Invalid("severity")},
		{"record finding with bad evidence", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			bad := photo
			bad.SHA256 = "xyz"
			return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{Text: "问题", Severity: inspection.Minor, Evidence: []domain.Evidence{bad}}}, meta)
		}, domaintest.Invalid("evidence[0].sha256")},
		{"record finding on completed inspection", completed, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding("问题", inspection.Minor, false)}, meta)
		}, domaintest.Refused()},
		{"record finding on unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding("问题", inspection.Minor, false)}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"correct finding", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("台账缺失三个月", inspection.Serious, true), Reason: "补充核实"}, meta)
		}, domaintest.Emits("inspection.finding_corrected")},
		{"correct finding after completion", completed, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("台账缺失", inspection.Minor, false), Reason: "复核"}, meta)
		}, domaintest.Emits("inspection.finding_corrected")},
		{"correct finding changing nothing", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("台账缺失", inspection.Moderate, true), Reason: "x"}, meta)
		}, domaintest.Invalid("text")},
		{"correct finding without reason", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("改", inspection.Minor, false)}, meta)
		}, domaintest.Invalid("reason")},
		{"correct a finding that does not exist", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 2, FindingContent: finding("改", inspection.Minor, false), Reason: "x"}, meta)
		}, domaintest.Invalid("finding_no")},
		{"correct a withdrawn finding", withdrawn, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("改", inspection.Minor, false), Reason: "x"}, meta)
		}, domaintest.Refused()},
		{"correct finding on unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("改", inspection.Minor, false), Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"withdraw finding", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1, Reason: "误记"}, meta)
		}, domaintest.Emits("inspection.finding_withdrawn")},
		{"withdraw finding without reason", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1}, meta)
		}, domaintest.Invalid("reason")},
		{"withdraw finding number zero", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{Reason: "x"}, meta)
		}, domaintest.Invalid("finding_no")},
		{"withdraw finding twice", withdrawn, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1, Reason: "x"}, meta)
		}, domaintest.Refused()},
		{"withdraw finding on unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1, Reason: "x"}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
		{"complete", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{Summary: "总体良好", Evidence: []domain.Evidence{photo}}, meta)
		}, domaintest.Emits("inspection.completed")},
		{"complete with nothing found", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{}, meta)
		}, domaintest.Emits("inspection.completed")},
		{"complete listing a file twice", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{Evidence: []domain.Evidence{photo, photo}}, meta)
		}, domaintest.Invalid("evidence[1].sha256")},
		{"complete twice", completed, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{}, meta)
		}, domaintest.Refused()},
		{"complete unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{}, meta)
		}, domaintest.Fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&inspection.Inspection{}, tt.history...))
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

func TestFindingsAreNumberedAndPointAtWhatTheyFix(t *testing.T) {
	in := rebuild(&inspection.Inspection{}, domaintest.MustEvents(t)(inspection.New("i1", inspection.Start{Kind: inspection.Random, UnitID: "v1", GroupID: "g1"}, meta))...)
	for _, text := range []string{"一", "二", "三"} {
		e := domaintest.MustEvents(t)(in.RecordFinding(inspection.RecordFinding{FindingContent: finding(text, inspection.Minor, true)}, meta))[0]
		in.Apply(e)
	}
	if got := in.Findings[2].No; got != 3 {
		t.Errorf("third finding: got number %d, want 3", got)
	}
	c := domaintest.MustEvents(t)(in.CorrectFinding(inspection.CorrectFinding{FindingNo: 2, FindingContent: finding("二改", inspection.Serious, false), Reason: "核实"}, meta))[0].(inspection.FindingCorrected)
	if c.Corrects != 3 {
		t.Errorf("correction: got corrects_version %d, want 3 (the second finding's event)", c.Corrects)
	}
	in.Apply(c)
	w := domaintest.MustEvents(t)(in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 2, Reason: "重复"}, meta))[0].(inspection.FindingWithdrawn)
	if w.Withdraws != 5 {
		t.Errorf("withdrawal: got withdraws_version %d, want 5 (the correction)", w.Withdraws)
	}
	in.Apply(w)
	done := domaintest.MustEvents(t)(in.Complete(inspection.Complete{}, meta))[0].(inspection.Completed)
	if done.Findings != 2 {
		t.Errorf("completed: got %d findings in force, want 2", done.Findings)
	}
	if n, r := in.InForce(); n != 2 || r != 2 {
		t.Errorf("got %d findings, %d rectifications in force; want 2, 2", n, r)
	}
	in.Apply(inspection.FindingCorrected{FindingNo: 9}) // names no finding: ignored
}

func TestParseEnums(t *testing.T) {
	for _, s := range []string{"special", "random"} {
		if k, err := inspection.ParseKind(s); err != nil || k.String() != s {
			t.Errorf("ParseKind(%q): got %v, %v", s, k, err)
		}
	}
	for _, s := range []string{"minor", "moderate", "serious"} {
		if v, err := inspection.ParseSeverity(s); err != nil || v.String() != s {
			t.Errorf("ParseSeverity(%q): got %v, %v", s, v, err)
		}
	}
	for _, s := range []string{"area", "unit"} {
		if v, err := inspection.ParseTargetKind(s); err != nil || v.String() != s {
			t.Errorf("ParseTargetKind(%q): got %v, %v", s, v, err)
		}
	}
	for _, s := range []string{"", "Special", "x"} {
		if _, err := inspection.ParseKind(s); err == nil {
			t.Errorf("ParseKind(%q): got no error", s)
		}
		if _, err := inspection.ParseSeverity(s); err == nil {
			t.Errorf("ParseSeverity(%q): got no error", s)
		}
	}
	if _, err := inspection.Severity(0).MarshalText(); err == nil {
		t.Error("zero severity marshalled")
	}
	if _, err := inspection.TargetKind(3).MarshalText(); err == nil {
		t.Error("out-of-range target kind marshalled")
	}
}

func TestApplyIgnoresWhatItDoesNotKnow(t *testing.T) {
	for _, a := range []domain.Aggregate{&inspection.Group{}, &inspection.Inspection{}} {
		a.Apply(domaintest.Foreign{})
		a.Apply(nil)
		a.Apply(&inspection.Completed{})
	}
	if inspection.GroupStream("g1") != "group-g1" || inspection.Stream("i1") != "inspection-i1" {
		t.Error("unexpected stream names")
	}
}

func TestCodecs(t *testing.T) {
	at := time.Date(2011, 9, 1, 8, 0, 0, 0, time.UTC)
	content := inspection.FindingContent{Text: "台账缺失", Severity: inspection.Serious, OrdersRectification: true, Evidence: []domain.Evidence{photo}}
	domaintest.CheckCodecs(t, inspection.Codecs(), []domain.Event{
		inspection.GroupFormed{GroupID: "g1", Name: "第一指导检查组", Members: []string{"p1", "p2"}, OccurredAt: at},
		inspection.GroupMemberAdded{GroupID: "g1", MemberID: "p3", OccurredAt: at},
		inspection.GroupMemberRemoved{GroupID: "g1", MemberID: "p3", OccurredAt: at},
		inspection.GroupAssigned{GroupID: "g1", Target: unitV1, OccurredAt: at},
		inspection.GroupAssignmentEnded{GroupID: "g1", Target: areaA1, Reason: "调整", OccurredAt: at},
		inspection.GroupDissolved{GroupID: "g1", Reason: "结束", EndedAssignments: []inspection.Target{unitV1, areaA1}, OccurredAt: at},
		inspection.Started{InspectionID: "i1", Kind: inspection.Special, UnitID: "v1", GroupID: "g1", Subject: "专项检查", OccurredAt: at},
		inspection.FindingRecorded{InspectionID: "i1", UnitID: "v1", FindingNo: 1, FindingContent: content, OccurredAt: at},
		inspection.FindingCorrected{InspectionID: "i1", UnitID: "v1", FindingNo: 1, FindingContent: content, Reason: "核实", Corrects: 2, OccurredAt: at},
		inspection.FindingWithdrawn{InspectionID: "i1", UnitID: "v1", FindingNo: 1, Reason: "误记", Withdraws: 3, OccurredAt: at},
		inspection.Completed{InspectionID: "i1", UnitID: "v1", GroupID: "g1", Summary: "良好", Evidence: []domain.Evidence{photo}, Findings: 0, OccurredAt: at},
	})
}
