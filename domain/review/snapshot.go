package review

import "slices"

// Snapshot is the state of a review remark as readers see it, by the
// names the API uses.
type Snapshot struct {
	ID           string        `json:"id"`
	State        string        `json:"state"` // recorded, corrected or retracted
	Form         string        `json:"form"`
	Subject      string        `json:"subject"`
	UnitID       string        `json:"unit_id"`
	MemberID     string        `json:"member_id,omitempty"`
	Reviewer     string        `json:"reviewer"`
	Quarter      string        `json:"quarter"`
	Remark       string        `json:"remark,omitempty"`
	Shortcomings []Shortcoming `json:"shortcomings"` // in force
	Measures     []string      `json:"measures"`     // in force
	InForce      uint64        `json:"in_force_version"`
	Corrections  int           `json:"corrections"`
	Version      uint64        `json:"version"`
}

// Snapshot returns the remark's state for readers.
func (r *Review) Snapshot() Snapshot {
	s := Snapshot{ID: r.ID, State: r.State(), Form: r.Form.String(), Subject: r.Subject.String(), UnitID: r.UnitID,
		MemberID: r.MemberID, Reviewer: r.Reviewer, Remark: r.Remark, Shortcomings: slices.Clone(r.Shortcomings),
		Measures: slices.Clone(r.Measures), InForce: r.InForce, Corrections: r.Corrections, Version: r.Version}
	if !r.Quarter.IsZero() {
		s.Quarter = r.Quarter.String()
	}
	if s.Shortcomings == nil {
		s.Shortcomings = []Shortcoming{}
	}
	if s.Measures == nil {
		s.Measures = []string{}
	}
	return s
}
