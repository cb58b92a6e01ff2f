package inspection

import (
	"fmt"
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Target is what a group is assigned: an area or a unit.
type Target struct {
	Kind TargetKind `json:"target_kind"`
	ID   string     `json:"target_id"`
}

func (t Target) check() error {
	if !t.Kind.Valid() {
		return domain.Invalid("target_kind", "must be area or unit")
	}
	return domain.CheckID("target_id", t.ID)
}

// scope is the unit an assignment concerns: the unit itself, or none for
// an area.
func (t Target) scope() string {
	if t.Kind == TargetUnit {
		return t.ID
	}
	return ""
}

// FormGroup is the command by which the office forms a group.
type FormGroup struct {
	Name       string    `json:"name"`
	Members    []string  `json:"members"` // ids of the people in the group
	OccurredAt time.Time `json:"occurred_at"`
}

// AddGroupMember is the command that adds a person to a group.
type AddGroupMember struct {
	MemberID   string    `json:"member_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// RemoveGroupMember is the command that takes a person out of a group.
type RemoveGroupMember struct {
	MemberID   string    `json:"member_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// AssignGroup is the command that assigns a group an area or a unit.
type AssignGroup struct {
	Target
	OccurredAt time.Time `json:"occurred_at"`
}

// EndAssignment is the command that ends one of a group's assignments.
type EndAssignment struct {
	Target
	Reason     string    `json:"reason"` // optional
	OccurredAt time.Time `json:"occurred_at"`
}

// DissolveGroup is the command that dissolves a group.
type DissolveGroup struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// GroupFormed records a new inspection group.
type GroupFormed struct {
	GroupID    string    `json:"group_id"`
	Name       string    `json:"name"`
	Members    []string  `json:"members"`
	OccurredAt time.Time `json:"occurred_at"`
}

// GroupMemberAdded records a person joining a group.
type GroupMemberAdded struct {
	GroupID    string    `json:"group_id"`
	MemberID   string    `json:"member_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// GroupMemberRemoved records a person leaving a group.
type GroupMemberRemoved struct {
	GroupID    string    `json:"group_id"`
	MemberID   string    `json:"member_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// GroupAssigned records that a group is assigned an area or a unit; a
// unit assignment is scoped to that unit.
type GroupAssigned struct {
	GroupID string `json:"group_id"`
	Target
	OccurredAt time.Time `json:"occurred_at"`
}

// GroupAssignmentEnded records that an assignment ended.
type GroupAssignmentEnded struct {
	GroupID string `json:"group_id"`
	Target
	Reason     string    `json:"reason,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// GroupDissolved records that a group was dissolved. Dissolving ends every
// assignment the group still had; they are listed so no separate events
// are needed.
type GroupDissolved struct {
	GroupID          string    `json:"group_id"`
	Reason           string    `json:"reason"`
	EndedAssignments []Target  `json:"ended_assignments,omitempty"`
	OccurredAt       time.Time `json:"occurred_at"`
}

func (GroupFormed) EventType() string          { return "group.formed" }
func (GroupMemberAdded) EventType() string     { return "group.member_added" }
func (GroupMemberRemoved) EventType() string   { return "group.member_removed" }
func (GroupAssigned) EventType() string        { return "group.assigned" }
func (GroupAssignmentEnded) EventType() string { return "group.assignment_ended" }
func (GroupDissolved) EventType() string       { return "group.dissolved" }

// Group events concern no single unit, except assignments to a unit.
func (GroupFormed) ScopeUnit() string            { return "" }
func (GroupMemberAdded) ScopeUnit() string       { return "" }
func (GroupMemberRemoved) ScopeUnit() string     { return "" }
func (e GroupAssigned) ScopeUnit() string        { return e.Target.scope() }
func (e GroupAssignmentEnded) ScopeUnit() string { return e.Target.scope() }
func (GroupDissolved) ScopeUnit() string         { return "" }

func (e GroupFormed) OccurredTime() time.Time          { return e.OccurredAt }
func (e GroupMemberAdded) OccurredTime() time.Time     { return e.OccurredAt }
func (e GroupMemberRemoved) OccurredTime() time.Time   { return e.OccurredAt }
func (e GroupAssigned) OccurredTime() time.Time        { return e.OccurredAt }
func (e GroupAssignmentEnded) OccurredTime() time.Time { return e.OccurredAt }
func (e GroupDissolved) OccurredTime() time.Time       { return e.OccurredAt }

// NewGroup forms an inspection group; it needs at least one member.
func NewGroup(id string, cmd FormGroup, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("group_id", id); err != nil {
		return nil, err
	}
	name, err := domain.CleanName("name", cmd.Name)
	if err != nil {
		return nil, err
	}
	if len(cmd.Members) == 0 {
		return nil, domain.Invalid("members", "a group needs at least one member")
	}
	if len(cmd.Members) > maxMembers {
		return nil, domain.Invalid("members", "must list at most %d people", maxMembers)
	}
	for i, m := range cmd.Members {
		field := fmt.Sprintf("members[%d]", i)
		if err := domain.CheckID(field, m); err != nil {
			return nil, err
		}
		if slices.Contains(cmd.Members[:i], m) {
			return nil, domain.Invalid(field, "%s is listed twice", m)
		}
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{GroupFormed{GroupID: id, Name: name, Members: slices.Clone(cmd.Members), OccurredAt: at}}, nil
}

// Group is an inspection group rebuilt from its stream.
type Group struct {
	ID          string
	Name        string
	Members     []string
	Assignments []Target // in force, in assignment order
	Dissolved   bool
	Version     uint64 // events applied, so the stream version of the last one
}

// Exists reports whether the group has been formed.
func (g *Group) Exists() bool { return g.ID != "" }

// State names the group's state: "active" or "dissolved".
func (g *Group) State() string {
	if g.Dissolved {
		return "dissolved"
	}
	return "active"
}

// Covers reports whether the group is assigned the target now.
func (g *Group) Covers(t Target) bool { return slices.Contains(g.Assignments, t) }

func (g *Group) active(command string) error {
	if !g.Exists() {
		return domain.ErrNotFound
	}
	if g.Dissolved {
		return &domain.TransitionError{Entity: EntityGroup, ID: g.ID, From: g.State(), Command: command}
	}
	return nil
}

// AddMember adds a person to the group.
func (g *Group) AddMember(cmd AddGroupMember, meta domain.Meta) ([]domain.Event, error) {
	if err := g.active("add a member"); err != nil {
		return nil, err
	}
	if err := domain.CheckID("member_id", cmd.MemberID); err != nil {
		return nil, err
	}
	if slices.Contains(g.Members, cmd.MemberID) {
		return nil, domain.Invalid("member_id", "%s is already in the group", cmd.MemberID)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{GroupMemberAdded{GroupID: g.ID, MemberID: cmd.MemberID, OccurredAt: at}}, nil
}

// RemoveMember takes a person out of the group; the last member cannot be
// removed (dissolve the group instead).
func (g *Group) RemoveMember(cmd RemoveGroupMember, meta domain.Meta) ([]domain.Event, error) {
	if err := g.active("remove a member"); err != nil {
		return nil, err
	}
	if err := domain.CheckID("member_id", cmd.MemberID); err != nil {
		return nil, err
	}
	if !slices.Contains(g.Members, cmd.MemberID) {
		return nil, domain.Invalid("member_id", "%s is not in the group", cmd.MemberID)
	}
	if len(g.Members) == 1 {
		return nil, &domain.TransitionError{Entity: EntityGroup, ID: g.ID, From: g.State(), Command: "remove a member", Reason: "the group's last member; dissolve the group instead"}
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{GroupMemberRemoved{GroupID: g.ID, MemberID: cmd.MemberID, OccurredAt: at}}, nil
}

// Assign assigns the group an area or a unit.
func (g *Group) Assign(cmd AssignGroup, meta domain.Meta) ([]domain.Event, error) {
	if err := g.active("assign"); err != nil {
		return nil, err
	}
	if err := cmd.Target.check(); err != nil {
		return nil, err
	}
	if g.Covers(cmd.Target) {
		return nil, domain.Invalid("target_id", "the group is already assigned %s %s", cmd.Kind, cmd.ID)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{GroupAssigned{GroupID: g.ID, Target: cmd.Target, OccurredAt: at}}, nil
}

// EndAssignment ends one of the group's assignments.
func (g *Group) EndAssignment(cmd EndAssignment, meta domain.Meta) ([]domain.Event, error) {
	if err := g.active("end an assignment"); err != nil {
		return nil, err
	}
	if err := cmd.Target.check(); err != nil {
		return nil, err
	}
	if !g.Covers(cmd.Target) {
		return nil, domain.Invalid("target_id", "the group is not assigned %s %s", cmd.Kind, cmd.ID)
	}
	reason, err := domain.OptionalText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{GroupAssignmentEnded{GroupID: g.ID, Target: cmd.Target, Reason: reason, OccurredAt: at}}, nil
}

// Dissolve dissolves the group, ending its assignments; a reason is
// required.
func (g *Group) Dissolve(cmd DissolveGroup, meta domain.Meta) ([]domain.Event, error) {
	if err := g.active("dissolve"); err != nil {
		return nil, err
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{GroupDissolved{GroupID: g.ID, Reason: reason, EndedAssignments: slices.Clone(g.Assignments), OccurredAt: at}}, nil
}

// Apply rebuilds the group from one of its events; others are ignored.
func (g *Group) Apply(e domain.Event) {
	g.Version++
	switch e := e.(type) {
	case GroupFormed:
		g.ID, g.Name, g.Members = e.GroupID, e.Name, slices.Clone(e.Members)
	case GroupMemberAdded:
		if !slices.Contains(g.Members, e.MemberID) {
			g.Members = append(g.Members, e.MemberID)
		}
	case GroupMemberRemoved:
		g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return m == e.MemberID })
	case GroupAssigned:
		if !g.Covers(e.Target) {
			g.Assignments = append(g.Assignments, e.Target)
		}
	case GroupAssignmentEnded:
		g.Assignments = slices.DeleteFunc(g.Assignments, func(t Target) bool { return t == e.Target })
	case GroupDissolved:
		g.Dissolved = true
		g.Assignments = nil
	}
}

// References: the area or unit assigned.
func (cmd AssignGroup) References() []domain.Ref {
	switch cmd.Kind {
	case TargetArea:
		return []domain.Ref{{Field: "target_id", Kind: domain.RefArea, ID: cmd.ID}}
	case TargetUnit:
		return []domain.Ref{{Field: "target_id", Kind: domain.RefUnit, ID: cmd.ID}}
	}
	return nil // the decision refuses the kind
}
