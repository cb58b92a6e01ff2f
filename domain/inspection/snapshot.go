package inspection

import (
	"slices"

	"github.com/cxzy/ledger/domain"
)

// Snapshot is the state of an inspection as readers see it, by the names
// the API uses.
type Snapshot struct {
	ID       string            `json:"id"`
	State    string            `json:"state"` // open or completed
	Kind     string            `json:"kind"`
	UnitID   string            `json:"unit_id"`
	GroupID  string            `json:"group_id"`
	Subject  string            `json:"subject,omitempty"`
	Findings []FindingSnapshot `json:"findings"` // by number, withdrawn ones marked
	Version  uint64            `json:"version"`
}

// FindingSnapshot is one finding as it stands.
type FindingSnapshot struct {
	No                  int               `json:"no"`
	Text                string            `json:"text"`
	Severity            string            `json:"severity"`
	Evidence            []domain.Evidence `json:"evidence"`
	OrdersRectification bool              `json:"orders_rectification"`
	Withdrawn           bool              `json:"withdrawn"`
	Corrections         int               `json:"corrections"`
	InForce             uint64            `json:"in_force_version"`
}

// Snapshot returns the inspection's state for readers.
func (in *Inspection) Snapshot() Snapshot {
	s := Snapshot{ID: in.ID, State: in.State(), Kind: in.Kind.String(), UnitID: in.UnitID, GroupID: in.GroupID,
		Subject: in.Subject, Findings: []FindingSnapshot{}, Version: in.Version}
	for _, f := range in.Findings {
		ev := slices.Clone(f.Evidence)
		if ev == nil {
			ev = []domain.Evidence{}
		}
		s.Findings = append(s.Findings, FindingSnapshot{No: f.No, Text: f.Text, Severity: f.Severity.String(), Evidence: ev,
			OrdersRectification: f.OrdersRectification, Withdrawn: f.Withdrawn, Corrections: f.Corrections, InForce: f.InForce})
	}
	return s
}

// GroupSnapshot is the state of an inspection group as readers see it.
type GroupSnapshot struct {
	ID          string           `json:"id"`
	State       string           `json:"state"` // active or dissolved
	Name        string           `json:"name"`
	Members     []string         `json:"members"`
	Assignments []TargetSnapshot `json:"assignments"` // in force, in assignment order
	Version     uint64           `json:"version"`
}

// TargetSnapshot is one assignment: an area or a unit (and its subtree).
type TargetSnapshot struct {
	Kind string `json:"target_kind"`
	ID   string `json:"target_id"`
}

// Snapshot returns the group's state for readers.
func (g *Group) Snapshot() GroupSnapshot {
	s := GroupSnapshot{ID: g.ID, State: g.State(), Name: g.Name, Members: slices.Clone(g.Members), Assignments: []TargetSnapshot{}, Version: g.Version}
	if s.Members == nil {
		s.Members = []string{}
	}
	for _, t := range g.Assignments {
		s.Assignments = append(s.Assignments, TargetSnapshot{Kind: t.Kind.String(), ID: t.ID})
	}
	return s
}
