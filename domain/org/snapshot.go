package org

import "slices"

// The states of the organisation's entities as readers see them, by the
// names the API uses. Areas and units have one state, registered; a
// member is active or left; a theme is set, or revised once it has been.

// AreaSnapshot is an area and its leader.
type AreaSnapshot struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Name    string `json:"name"`
	Leader  string `json:"leader"`
	Version uint64 `json:"version"`
}

// Snapshot returns the area's state for readers.
func (a *Area) Snapshot() AreaSnapshot {
	return AreaSnapshot{ID: a.ID, State: "registered", Name: a.Name, Leader: a.Leader, Version: a.Version}
}

// UnitSnapshot is a unit's place in the tree.
type UnitSnapshot struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Level    int    `json:"level"`
	ParentID string `json:"parent_id"`
	AreaID   string `json:"area_id"`
	Version  uint64 `json:"version"`
}

// Snapshot returns the unit's state for readers.
func (u *Unit) Snapshot() UnitSnapshot {
	return UnitSnapshot{ID: u.ID, State: "registered", Name: u.Name, Kind: u.Kind.String(), Level: u.Kind.Level(),
		ParentID: u.ParentID, AreaID: u.AreaID, Version: u.Version}
}

// MemberSnapshot is a member, its unit and the units it guides.
type MemberSnapshot struct {
	ID            string   `json:"id"`
	State         string   `json:"state"`
	Name          string   `json:"name"`
	UnitID        string   `json:"unit_id"`
	ContactPoints []string `json:"contact_points"`
	Version       uint64   `json:"version"`
}

// Snapshot returns the member's state for readers.
func (m *Member) Snapshot() MemberSnapshot {
	s := MemberSnapshot{ID: m.ID, State: m.State(), Name: m.Name, UnitID: m.UnitID, ContactPoints: slices.Clone(m.ContactPoints), Version: m.Version}
	if s.ContactPoints == nil {
		s.ContactPoints = []string{}
	}
	return s
}

// ThemeSnapshot is a unit's theme of a quarter, as revised.
type ThemeSnapshot struct {
	UnitID      string `json:"unit_id"`
	State       string `json:"state"`
	Quarter     string `json:"quarter"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Revisions   int    `json:"revisions"`
	InForce     uint64 `json:"in_force_version"`
	Version     uint64 `json:"version"`
}

// Snapshot returns the theme's state for readers.
func (t *Theme) Snapshot() ThemeSnapshot {
	s := ThemeSnapshot{UnitID: t.UnitID, State: "set", Title: t.Title, Description: t.Description, Revisions: t.Revisions,
		InForce: t.InForce, Version: t.Version}
	if t.Revisions > 0 {
		s.State = "revised"
	}
	if !t.Quarter.IsZero() {
		s.Quarter = t.Quarter.String()
	}
	return s
}
