package inspection_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/inspection"
)

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
	formed := mustEvents(t)(inspection.NewGroup("g1", inspection.FormGroup{Name: "第一指导检查组", Members: []string{"p1", "p2"}}, meta))
	assigned := history(formed, []domain.Event{inspection.GroupAssigned{GroupID: "g1", Target: areaA1, OccurredAt: now}})
	alone := mustEvents(t)(inspection.NewGroup("g1", inspection.FormGroup{Name: "第二组", Members: []string{"p1"}}, meta))
	dissolved := history(assigned, []domain.Event{inspection.GroupDissolved{GroupID: "g1", Reason: "活动结束", EndedAssignments: []inspection.Target{areaA1}, OccurredAt: now}})
	form := func(cmd inspection.FormGroup) func(*inspection.Group) ([]domain.Event, error) {
		return func(*inspection.Group) ([]domain.Event, error) { return inspection.NewGroup("g2", cmd, meta) }
	}
	tests := []struct {
		name    string
		history []domain.Event
		decide  func(g *inspection.Group) ([]domain.Event, error)
		want    outcome
	}{
		{"form", nil, form(inspection.FormGroup{Name: "第三组", Members: []string{"p3"}}), emits("group.formed")},
		{"form without members", nil, form(inspection.FormGroup{Name: "第三组"}), invalid("members")},
		{"form with a member twice", nil, form(inspection.FormGroup{Name: "第三组", Members: []string{"p3", "p3"}}), invalid("members[1]")},
		{"form with a blank member", nil, form(inspection.FormGroup{Name: "第三组", Members: []string{""}}), invalid("members[0]")},
		{"form without name", nil, form(inspection.FormGroup{Members: []string{"p3"}}), invalid("name")},
		{"add member", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p3"}, meta)
		}, emits("group.member_added")},
		{"add a member already in", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p1"}, meta)
		}, invalid("member_id")},
		{"add member to unknown group", nil, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p3"}, meta)
		}, fails(domain.ErrNotFound)},
		{"add member to dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.AddMember(inspection.AddGroupMember{MemberID: "p3"}, meta)
		}, refused()},
		{"remove member", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p2"}, meta)
		}, emits("group.member_removed")},
		{"remove a stranger", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p9"}, meta)
		}, invalid("member_id")},
		{"remove the last member", alone, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p1"}, meta)
		}, refused()},
		{"remove member of dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.RemoveMember(inspection.RemoveGroupMember{MemberID: "p2"}, meta)
		}, refused()},
		{"assign an area", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: areaA1}, meta)
		}, emits("group.assigned")},
		{"assign a unit", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: unitV1}, meta)
		}, emits("group.assigned")},
		{"assign twice", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: areaA1}, meta)
		}, invalid("target_id")},
		{"assign without kind", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{ID: "a1"}}, meta)
		}, invalid("target_kind")},
		{"assign without id", formed, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{Kind: inspection.TargetUnit}}, meta)
		}, invalid("target_id")},
		{"assign dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: unitV1}, meta)
		}, refused()},
		{"assign unknown group", nil, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: unitV1}, meta)
		}, fails(domain.ErrNotFound)},
		{"end assignment", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.EndAssignment(inspection.EndAssignment{Target: areaA1, Reason: "调整分工"}, meta)
		}, emits("group.assignment_ended")},
		{"end an assignment never made", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.EndAssignment(inspection.EndAssignment{Target: unitV1}, meta)
		}, invalid("target_id")},
		{"end assignment of dissolved group", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.EndAssignment(inspection.EndAssignment{Target: areaA1}, meta)
		}, refused()},
		{"dissolve", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "活动结束"}, meta)
		}, emits("group.dissolved")},
		{"dissolve without reason", assigned, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{}, meta)
		}, invalid("reason")},
		{"dissolve twice", dissolved, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "again"}, meta)
		}, refused()},
		{"dissolve unknown group", nil, func(g *inspection.Group) ([]domain.Event, error) {
			return g.Dissolve(inspection.DissolveGroup{Reason: "x"}, meta)
		}, fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&inspection.Group{}, tt.history...))
			check(t, got, err, tt.want)
		})
	}
}

func TestGroupDissolveEndsAssignments(t *testing.T) {
	g := rebuild(&inspection.Group{}, mustEvents(t)(inspection.NewGroup("g1", inspection.FormGroup{Name: "组", Members: []string{"p1"}}, meta))...)
	g.Apply(mustEvents(t)(g.Assign(inspection.AssignGroup{Target: areaA1}, meta))[0])
	assignUnit := mustEvents(t)(g.Assign(inspection.AssignGroup{Target: unitV1}, meta))[0]
	if got := assignUnit.(domain.Scoped).ScopeUnit(); got != "v1" {
		t.Errorf("unit assignment scope: got %q, want v1", got)
	}
	g.Apply(assignUnit)
	g.Apply(mustEvents(t)(g.EndAssignment(inspection.EndAssignment{Target: areaA1}, meta))[0])
	d := mustEvents(t)(g.Dissolve(inspection.DissolveGroup{Reason: "结束"}, meta))[0].(inspection.GroupDissolved)
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
	started := mustEvents(t)(inspection.New("i1", inspection.Start{Kind: inspection.Special, UnitID: "v1", GroupID: "g1", Subject: "承诺践诺专项检查"}, meta))
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
		want    outcome
	}{
		{"start a random check", nil, start(inspection.Start{Kind: inspection.Random, UnitID: "v1", GroupID: "g1"}), emits("inspection.started")},
		{"start without kind", nil, start(inspection.Start{UnitID: "v1", GroupID: "g1"}), invalid("kind")},
		{"start without unit", nil, start(inspection.Start{Kind: inspection.Random, GroupID: "g1"}), invalid("unit_id")},
		{"start without group", nil, start(inspection.Start{Kind: inspection.Random, UnitID: "v1"}), invalid("group_id")},
		{"start with a subject too long", nil, start(inspection.Start{Kind: inspection.Special, UnitID: "v1", GroupID: "g1", Subject: strings.Repeat("查", 101)}), invalid("subject")},
		{"record finding", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{Text: "公开栏未更新", Severity: inspection.Minor, Evidence: []domain.Evidence{photo}}}, meta)
		}, emits("inspection.finding_recorded")},
		{"record finding without text", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding(" ", inspection.Minor, false)}, meta)
		}, invalid("text")},
		{"record finding without severity", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding("问题", 0, false)}, meta)
		}, invalid("severity")},
		{"record finding with bad evidence", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			bad := photo
			bad.SHA256 = "xyz"
			return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{Text: "问题", Severity: inspection.Minor, Evidence: []domain.Evidence{bad}}}, meta)
		}, invalid("evidence[0].sha256")},
		{"record finding on completed inspection", completed, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding("问题", inspection.Minor, false)}, meta)
		}, refused()},
		{"record finding on unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: finding("问题", inspection.Minor, false)}, meta)
		}, fails(domain.ErrNotFound)},
		{"correct finding", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("台账缺失三个月", inspection.Serious, true), Reason: "补充核实"}, meta)
		}, emits("inspection.finding_corrected")},
		{"correct finding after completion", completed, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("台账缺失", inspection.Minor, false), Reason: "复核"}, meta)
		}, emits("inspection.finding_corrected")},
		{"correct finding changing nothing", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("台账缺失", inspection.Moderate, true), Reason: "x"}, meta)
		}, invalid("text")},
		{"correct finding without reason", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("改", inspection.Minor, false)}, meta)
		}, invalid("reason")},
		{"correct a finding that does not exist", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 2, FindingContent: finding("改", inspection.Minor, false), Reason: "x"}, meta)
		}, invalid("finding_no")},
		{"correct a withdrawn finding", withdrawn, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("改", inspection.Minor, false), Reason: "x"}, meta)
		}, refused()},
		{"correct finding on unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.CorrectFinding(inspection.CorrectFinding{FindingNo: 1, FindingContent: finding("改", inspection.Minor, false), Reason: "x"}, meta)
		}, fails(domain.ErrNotFound)},
		{"withdraw finding", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1, Reason: "误记"}, meta)
		}, emits("inspection.finding_withdrawn")},
		{"withdraw finding without reason", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1}, meta)
		}, invalid("reason")},
		{"withdraw finding number zero", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{Reason: "x"}, meta)
		}, invalid("finding_no")},
		{"withdraw finding twice", withdrawn, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1, Reason: "x"}, meta)
		}, refused()},
		{"withdraw finding on unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 1, Reason: "x"}, meta)
		}, fails(domain.ErrNotFound)},
		{"complete", withFinding, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{Summary: "总体良好", Evidence: []domain.Evidence{photo}}, meta)
		}, emits("inspection.completed")},
		{"complete with nothing found", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{}, meta)
		}, emits("inspection.completed")},
		{"complete listing a file twice", started, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{Evidence: []domain.Evidence{photo, photo}}, meta)
		}, invalid("evidence[1].sha256")},
		{"complete twice", completed, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{}, meta)
		}, refused()},
		{"complete unknown inspection", nil, func(in *inspection.Inspection) ([]domain.Event, error) {
			return in.Complete(inspection.Complete{}, meta)
		}, fails(domain.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(rebuild(&inspection.Inspection{}, tt.history...))
			check(t, got, err, tt.want)
		})
	}
}

func TestFindingsAreNumberedAndPointAtWhatTheyFix(t *testing.T) {
	in := rebuild(&inspection.Inspection{}, mustEvents(t)(inspection.New("i1", inspection.Start{Kind: inspection.Random, UnitID: "v1", GroupID: "g1"}, meta))...)
	for _, text := range []string{"一", "二", "三"} {
		e := mustEvents(t)(in.RecordFinding(inspection.RecordFinding{FindingContent: finding(text, inspection.Minor, true)}, meta))[0]
		in.Apply(e)
	}
	if got := in.Findings[2].No; got != 3 {
		t.Errorf("third finding: got number %d, want 3", got)
	}
	c := mustEvents(t)(in.CorrectFinding(inspection.CorrectFinding{FindingNo: 2, FindingContent: finding("二改", inspection.Serious, false), Reason: "核实"}, meta))[0].(inspection.FindingCorrected)
	if c.Corrects != 3 {
		t.Errorf("correction: got corrects_version %d, want 3 (the second finding's event)", c.Corrects)
	}
	in.Apply(c)
	w := mustEvents(t)(in.WithdrawFinding(inspection.WithdrawFinding{FindingNo: 2, Reason: "重复"}, meta))[0].(inspection.FindingWithdrawn)
	if w.Withdraws != 5 {
		t.Errorf("withdrawal: got withdraws_version %d, want 5 (the correction)", w.Withdraws)
	}
	in.Apply(w)
	done := mustEvents(t)(in.Complete(inspection.Complete{}, meta))[0].(inspection.Completed)
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
		a.Apply(foreign{})
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
	checkCodecs(t, inspection.Codecs(), []domain.Event{
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
