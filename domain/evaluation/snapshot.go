package evaluation

import "slices"

// The states of the evaluation family's entities as readers see them, by
// the names the API uses: a survey is recorded or corrected, a vanguard
// selected or revoked, a star rating awarded or revised, a ranking
// published or superseded.

// SurveySnapshot is a satisfaction survey's counts in force and its rate.
type SurveySnapshot struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	UnitID string `json:"unit_id"`
	Period string `json:"period"`
	Counts
	Total       int     `json:"total"`
	Rate        float64 `json:"rate"` // 满意率; 0 when nobody answered
	InForce     uint64  `json:"in_force_version"`
	Corrections int     `json:"corrections"`
	Version     uint64  `json:"version"`
}

// Snapshot returns the survey's state for readers.
func (s *Survey) Snapshot() SurveySnapshot {
	rate, _ := s.Rate()
	out := SurveySnapshot{ID: s.ID, State: "recorded", UnitID: s.UnitID, Counts: s.Counts, Total: s.Total(), Rate: rate,
		InForce: s.InForce, Corrections: s.Corrections, Version: s.Version}
	if s.Corrections > 0 {
		out.State = "corrected"
	}
	if !s.Period.IsZero() {
		out.Period = s.Period.String()
	}
	return out
}

// VanguardSnapshot is a vanguard selection.
type VanguardSnapshot struct {
	ID       string   `json:"id"`
	State    string   `json:"state"`
	Kind     string   `json:"kind"`
	UnitID   string   `json:"unit_id"`
	MemberID string   `json:"member_id,omitempty"`
	Category Category `json:"category"`
	Quarter  string   `json:"quarter"`
	Version  uint64   `json:"version"`
}

// Snapshot returns the selection's state for readers.
func (v *Vanguard) Snapshot() VanguardSnapshot {
	s := VanguardSnapshot{ID: v.ID, State: v.State(), Kind: v.Kind.String(), UnitID: v.UnitID, MemberID: v.MemberID,
		Category: v.Category, Version: v.Version}
	if !v.Quarter.IsZero() {
		s.Quarter = v.Quarter.String()
	}
	return s
}

// StarRatingSnapshot is a unit's star rating of a period.
type StarRatingSnapshot struct {
	UnitID    string `json:"unit_id"`
	State     string `json:"state"`
	Period    string `json:"period"`
	Stars     int    `json:"stars"`
	InForce   uint64 `json:"in_force_version"`
	Revisions int    `json:"revisions"`
	Version   uint64 `json:"version"`
}

// Snapshot returns the rating's state for readers.
func (r *StarRating) Snapshot() StarRatingSnapshot {
	s := StarRatingSnapshot{UnitID: r.UnitID, State: "awarded", Stars: int(r.Stars), InForce: r.InForce, Revisions: r.Revisions, Version: r.Version}
	if r.Revisions > 0 {
		s.State = "revised"
	}
	if !r.Period.IsZero() {
		s.Period = r.Period.String()
	}
	return s
}

// RankingSnapshot is an area's monthly ranking, the revision in force.
type RankingSnapshot struct {
	AreaID      string  `json:"area_id"`
	State       string  `json:"state"`
	Month       string  `json:"month"`
	Revision    int     `json:"revision"`
	RuleVersion string  `json:"rule_version"`
	Entries     []Entry `json:"entries"` // by rank, then unit
	// Computed is set when the revision in force was accepted from the
	// ledger's computation: the rule version, the checkpoint, and whether
	// (and why) it was adjusted.
	Computed *Computed `json:"computed,omitempty"`
	InForce  uint64    `json:"in_force_version"`
	Version  uint64    `json:"version"`
}

// Snapshot returns the ranking's state for readers.
func (r *Ranking) Snapshot() RankingSnapshot {
	s := RankingSnapshot{AreaID: r.AreaID, State: "published", Revision: r.Revision, RuleVersion: r.RuleVersion,
		Entries: slices.Clone(r.Entries), Computed: r.Computed, InForce: r.InForce, Version: r.Version}
	if r.Revision > 1 {
		s.State = "superseded"
	}
	if !r.Month.IsZero() {
		s.Month = r.Month.String()
	}
	if s.Entries == nil {
		s.Entries = []Entry{}
	}
	return s
}
