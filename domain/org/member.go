package org

import (
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Member is a party member (党员) of one unit. A member who is a cadre may
// also guide other units as their contact points (联系点).
type Member struct {
	ID            string
	Name          string
	UnitID        string
	Left          bool
	ContactPoints []string // units the member guides now, in assignment order
	Version       uint64   // events applied, so the stream version of the last one
}

// RegisterMember is the command that registers a member to a unit.
type RegisterMember struct {
	Name       string    `json:"name"`
	UnitID     string    `json:"unit_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// MoveMember is the command that transfers a member to another unit.
type MoveMember struct {
	UnitID     string    `json:"unit_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// LeaveMember is the command that records that a member left the
// organisation's books (transferred out of the district, died, ...).
type LeaveMember struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// AssignContactPoint is the command that makes a unit one of the member's
// contact points.
type AssignContactPoint struct {
	UnitID     string    `json:"unit_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// EndContactPoint is the command that ends a contact point.
type EndContactPoint struct {
	UnitID     string    `json:"unit_id"`
	Reason     string    `json:"reason"` // optional
	OccurredAt time.Time `json:"occurred_at"`
}

// MemberRegistered records a new member.
type MemberRegistered struct {
	MemberID   string    `json:"member_id"`
	Name       string    `json:"name"`
	UnitID     string    `json:"unit_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// MemberMoved records a member's transfer; its scope is the new unit.
type MemberMoved struct {
	MemberID       string    `json:"member_id"`
	UnitID         string    `json:"unit_id"`
	PreviousUnitID string    `json:"previous_unit_id"`
	OccurredAt     time.Time `json:"occurred_at"`
}

// MemberLeft records that a member left. Leaving ends every contact point
// the member still had; they are listed so no separate events are needed.
type MemberLeft struct {
	MemberID           string    `json:"member_id"`
	UnitID             string    `json:"unit_id"`
	Reason             string    `json:"reason"`
	EndedContactPoints []string  `json:"ended_contact_points,omitempty"`
	OccurredAt         time.Time `json:"occurred_at"`
}

// ContactPointAssigned records that a member guides a unit; its scope is
// the guided unit.
type ContactPointAssigned struct {
	MemberID   string    `json:"member_id"`
	UnitID     string    `json:"unit_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// ContactPointEnded records that a member no longer guides a unit.
type ContactPointEnded struct {
	MemberID   string    `json:"member_id"`
	UnitID     string    `json:"unit_id"`
	Reason     string    `json:"reason,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

func (MemberRegistered) EventType() string     { return "member.registered" }
func (MemberMoved) EventType() string          { return "member.moved" }
func (MemberLeft) EventType() string           { return "member.left" }
func (ContactPointAssigned) EventType() string { return "member.contact_point_assigned" }
func (ContactPointEnded) EventType() string    { return "member.contact_point_ended" }

func (e MemberRegistered) ScopeUnit() string     { return e.UnitID }
func (e MemberMoved) ScopeUnit() string          { return e.UnitID }
func (e MemberLeft) ScopeUnit() string           { return e.UnitID }
func (e ContactPointAssigned) ScopeUnit() string { return e.UnitID }
func (e ContactPointEnded) ScopeUnit() string    { return e.UnitID }

func (e MemberRegistered) OccurredTime() time.Time     { return e.OccurredAt }
func (e MemberMoved) OccurredTime() time.Time          { return e.OccurredAt }
func (e MemberLeft) OccurredTime() time.Time           { return e.OccurredAt }
func (e ContactPointAssigned) OccurredTime() time.Time { return e.OccurredAt }
func (e ContactPointEnded) OccurredTime() time.Time    { return e.OccurredAt }

// NewMember registers a member to a unit.
func NewMember(id string, cmd RegisterMember, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("member_id", id); err != nil {
		return nil, err
	}
	name, err := domain.CleanName("name", cmd.Name)
	if err != nil {
		return nil, err
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{MemberRegistered{MemberID: id, Name: name, UnitID: cmd.UnitID, OccurredAt: at}}, nil
}

// Exists reports whether the member has been registered.
func (m *Member) Exists() bool { return m.ID != "" }

// State names the member's state: "active" or "left".
func (m *Member) State() string {
	if m.Left {
		return "left"
	}
	return "active"
}

func (m *Member) active(command string) error {
	if !m.Exists() {
		return domain.ErrNotFound
	}
	if m.Left {
		return &domain.TransitionError{Entity: EntityMember, ID: m.ID, From: m.State(), Command: command}
	}
	return nil
}

// Move transfers the member to another unit. Contact points are not
// affected: they are the units a cadre guides, not where they belong.
func (m *Member) Move(cmd MoveMember, meta domain.Meta) ([]domain.Event, error) {
	if err := m.active("move"); err != nil {
		return nil, err
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if cmd.UnitID == m.UnitID {
		return nil, domain.Invalid("unit_id", "the member already belongs to unit %s", m.UnitID)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{MemberMoved{MemberID: m.ID, UnitID: cmd.UnitID, PreviousUnitID: m.UnitID, OccurredAt: at}}, nil
}

// Leave records that the member left; it ends the member's contact points.
func (m *Member) Leave(cmd LeaveMember, meta domain.Meta) ([]domain.Event, error) {
	if err := m.active("leave"); err != nil {
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
	return []domain.Event{MemberLeft{
		MemberID: m.ID, UnitID: m.UnitID, Reason: reason,
		EndedContactPoints: slices.Clone(m.ContactPoints), OccurredAt: at,
	}}, nil
}

// AssignContactPoint makes a unit one of the member's contact points.
func (m *Member) AssignContactPoint(cmd AssignContactPoint, meta domain.Meta) ([]domain.Event, error) {
	if err := m.active("assign a contact point"); err != nil {
		return nil, err
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if slices.Contains(m.ContactPoints, cmd.UnitID) {
		return nil, domain.Invalid("unit_id", "unit %s is already a contact point of the member", cmd.UnitID)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ContactPointAssigned{MemberID: m.ID, UnitID: cmd.UnitID, OccurredAt: at}}, nil
}

// EndContactPoint ends one of the member's contact points.
func (m *Member) EndContactPoint(cmd EndContactPoint, meta domain.Meta) ([]domain.Event, error) {
	if err := m.active("end a contact point"); err != nil {
		return nil, err
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if !slices.Contains(m.ContactPoints, cmd.UnitID) {
		return nil, domain.Invalid("unit_id", "unit %s is not a contact point of the member", cmd.UnitID)
	}
	reason, err := domain.OptionalText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ContactPointEnded{MemberID: m.ID, UnitID: cmd.UnitID, Reason: reason, OccurredAt: at}}, nil
}

// Apply rebuilds the member from one of its events; others are ignored.
func (m *Member) Apply(e domain.Event) {
	m.Version++
	switch e := e.(type) {
	case MemberRegistered:
		m.ID, m.Name, m.UnitID = e.MemberID, e.Name, e.UnitID
	case MemberMoved:
		m.UnitID = e.UnitID
	case MemberLeft:
		m.Left = true
		m.ContactPoints = nil
	case ContactPointAssigned:
		if !slices.Contains(m.ContactPoints, e.UnitID) {
			m.ContactPoints = append(m.ContactPoints, e.UnitID)
		}
	case ContactPointEnded:
		m.ContactPoints = slices.DeleteFunc(m.ContactPoints, func(u string) bool { return u == e.UnitID })
	}
}

// References: the member's unit.
func (cmd RegisterMember) References() []domain.Ref {
	return []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
}

// References: the unit the member moves to (the unit it leaves is the
// member's own, checked on the member).
func (cmd MoveMember) References() []domain.Ref {
	return []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
}

// References: the unit the member will guide.
func (cmd AssignContactPoint) References() []domain.Ref {
	return []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
}
