package org

import (
	"time"

	"github.com/cxzy/ledger/domain"
)

// Unit is one node of the unit tree. Every unit but the district belongs
// to one area; the district is the root and spans all of them.
type Unit struct {
	ID       string
	Name     string
	Kind     Kind
	ParentID string // empty for the district
	AreaID   string // empty for the district
	Version  uint64 // events applied, so the stream version of the last one
}

// RegisterUnit is the command that registers a unit.
type RegisterUnit struct {
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	ParentID   string    `json:"parent_id"` // empty only for the district
	AreaID     string    `json:"area_id"`   // empty only for the district
	OccurredAt time.Time `json:"occurred_at"`
}

// RenameUnit is the command that renames a unit.
type RenameUnit struct {
	Name       string    `json:"name"`
	OccurredAt time.Time `json:"occurred_at"`
}

// MoveUnit is the command that moves a unit under another parent, into
// another area, or both. An empty AreaID keeps the unit's area.
type MoveUnit struct {
	ParentID   string    `json:"parent_id"`
	AreaID     string    `json:"area_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// UnitRegistered records a new unit.
type UnitRegistered struct {
	UnitID     string    `json:"unit_id"`
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	ParentID   string    `json:"parent_id,omitempty"`
	AreaID     string    `json:"area_id,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// UnitRenamed records a unit's new name.
type UnitRenamed struct {
	UnitID       string    `json:"unit_id"`
	Name         string    `json:"name"`
	PreviousName string    `json:"previous_name"`
	OccurredAt   time.Time `json:"occurred_at"`
}

// UnitMoved records a unit's new place. Both the new and the previous
// parent and area are kept, so a projection of the tree as of any moment
// needs only this event.
type UnitMoved struct {
	UnitID           string    `json:"unit_id"`
	ParentID         string    `json:"parent_id"`
	AreaID           string    `json:"area_id"`
	PreviousParentID string    `json:"previous_parent_id"`
	PreviousAreaID   string    `json:"previous_area_id"`
	OccurredAt       time.Time `json:"occurred_at"`
}

func (UnitRegistered) EventType() string { return "unit.registered" }
func (UnitRenamed) EventType() string    { return "unit.renamed" }
func (UnitMoved) EventType() string      { return "unit.moved" }

func (e UnitRegistered) ScopeUnit() string { return e.UnitID }
func (e UnitRenamed) ScopeUnit() string    { return e.UnitID }
func (e UnitMoved) ScopeUnit() string      { return e.UnitID }

func (e UnitRegistered) OccurredTime() time.Time { return e.OccurredAt }
func (e UnitRenamed) OccurredTime() time.Time    { return e.OccurredAt }
func (e UnitMoved) OccurredTime() time.Time      { return e.OccurredAt }

// checkParent checks the state of the parent a unit of kind k is to be
// placed under. parent is the parent's rebuilt state, nil when parentID is
// empty.
func checkParent(k Kind, parentID string, parent *Unit) error {
	if k == KindDistrict {
		if parentID != "" {
			return domain.Invalid("parent_id", "must be empty: the district is the root of the tree")
		}
		return nil
	}
	if err := domain.CheckID("parent_id", parentID); err != nil {
		return err
	}
	if parent == nil || !parent.Exists() {
		return domain.Invalid("parent_id", "unit %s is not registered", parentID)
	}
	if parent.ID != parentID {
		return domain.Invalid("parent_id", "is %s but the parent given is unit %s", parentID, parent.ID)
	}
	if !k.CanBeChildOf(parent.Kind) {
		return domain.Invalid("parent_id", "a %s cannot sit under a %s", k, parent.Kind)
	}
	return nil
}

// NewUnit registers a unit. parent is the rebuilt state of cmd.ParentID
// (nil for the district): the kind of a unit fixes the kind of its parent.
func NewUnit(id string, cmd RegisterUnit, parent *Unit, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("unit_id", id); err != nil {
		return nil, err
	}
	name, err := domain.CleanName("name", cmd.Name)
	if err != nil {
		return nil, err
	}
	if !cmd.Kind.Valid() {
		return nil, domain.Invalid("kind", "must be one of the unit kinds")
	}
	if cmd.ParentID == id {
		return nil, domain.Invalid("parent_id", "a unit cannot be its own parent")
	}
	if err := checkParent(cmd.Kind, cmd.ParentID, parent); err != nil {
		return nil, err
	}
	if cmd.Kind == KindDistrict {
		if cmd.AreaID != "" {
			return nil, domain.Invalid("area_id", "must be empty: the district spans every area")
		}
	} else if err := domain.CheckID("area_id", cmd.AreaID); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{UnitRegistered{UnitID: id, Name: name, Kind: cmd.Kind, ParentID: cmd.ParentID, AreaID: cmd.AreaID, OccurredAt: at}}, nil
}

// Exists reports whether the unit has been registered.
func (u *Unit) Exists() bool { return u.ID != "" }

// Rename gives the unit a new name.
func (u *Unit) Rename(cmd RenameUnit, meta domain.Meta) ([]domain.Event, error) {
	if !u.Exists() {
		return nil, domain.ErrNotFound
	}
	name, err := domain.CleanName("name", cmd.Name)
	if err != nil {
		return nil, err
	}
	if name == u.Name {
		return nil, domain.Invalid("name", "is already the unit's name")
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{UnitRenamed{UnitID: u.ID, Name: name, PreviousName: u.Name, OccurredAt: at}}, nil
}

// Move places the unit under another parent, into another area, or both.
// parent is the rebuilt state of cmd.ParentID.
//
// A unit may not become its own parent. Moving it under one of its own
// descendants would also make a cycle, but one unit's stream does not know
// its descendants: the write path, which reads the tree projection, must
// refuse that before calling Move.
func (u *Unit) Move(cmd MoveUnit, parent *Unit, meta domain.Meta) ([]domain.Event, error) {
	if !u.Exists() {
		return nil, domain.ErrNotFound
	}
	if u.Kind == KindDistrict {
		return nil, &domain.TransitionError{Entity: EntityUnit, ID: u.ID, From: "registered", Command: "move", Reason: "the district is the root of the tree"}
	}
	if cmd.ParentID == u.ID {
		return nil, domain.Invalid("parent_id", "a unit cannot be its own parent")
	}
	if err := checkParent(u.Kind, cmd.ParentID, parent); err != nil {
		return nil, err
	}
	area := cmd.AreaID
	if area == "" {
		area = u.AreaID
	} else if err := domain.CheckID("area_id", area); err != nil {
		return nil, err
	}
	if cmd.ParentID == u.ParentID && area == u.AreaID {
		return nil, domain.Invalid("parent_id", "the unit is already under %s in area %s", u.ParentID, u.AreaID)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{UnitMoved{
		UnitID: u.ID, ParentID: cmd.ParentID, AreaID: area,
		PreviousParentID: u.ParentID, PreviousAreaID: u.AreaID, OccurredAt: at,
	}}, nil
}

// Apply rebuilds the unit from one of its events; others are ignored.
func (u *Unit) Apply(e domain.Event) {
	u.Version++
	switch e := e.(type) {
	case UnitRegistered:
		u.ID, u.Name, u.Kind, u.ParentID, u.AreaID = e.UnitID, e.Name, e.Kind, e.ParentID, e.AreaID
	case UnitRenamed:
		u.Name = e.Name
	case UnitMoved:
		u.ParentID, u.AreaID = e.ParentID, e.AreaID
	}
}

// References: the parent and the area, where given.
func (cmd RegisterUnit) References() []domain.Ref { return parentAndArea(cmd.ParentID, cmd.AreaID) }

// References: the new parent and the new area, where given.
func (cmd MoveUnit) References() []domain.Ref { return parentAndArea(cmd.ParentID, cmd.AreaID) }

func parentAndArea(parent, area string) []domain.Ref {
	var refs []domain.Ref
	if parent != "" {
		refs = append(refs, domain.Ref{Field: "parent_id", Kind: domain.RefUnit, ID: parent})
	}
	if area != "" {
		refs = append(refs, domain.Ref{Field: "area_id", Kind: domain.RefArea, ID: area})
	}
	return refs
}
