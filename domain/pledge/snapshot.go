package pledge

import (
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Snapshot is the state of a pledge as readers see it: everything the
// aggregate holds, by the names the API uses. Times are UTC instants; a
// time that has not happened is left out.
type Snapshot struct {
	ID               string           `json:"id"`
	State            string           `json:"state"`
	Maker            string           `json:"maker"`
	Unit             string           `json:"unit"`
	Member           string           `json:"member,omitempty"`
	Quarter          string           `json:"quarter"`
	Category         string           `json:"category"`
	Title            string           `json:"title"`
	Content          string           `json:"content"`
	SubmittedAt      time.Time        `json:"submitted_at,omitzero"`
	Returns          int              `json:"returns"`
	LastReturnReason string           `json:"last_return_reason,omitempty"`
	FiledAt          time.Time        `json:"filed_at,omitzero"`
	DisclosedAt      time.Time        `json:"disclosed_at,omitzero"`
	Reports          []ReportSnapshot `json:"reports"` // retracted ones included, marked
	Progress         int              `json:"progress"`
	FulfilledAt      time.Time        `json:"fulfilled_at,omitzero"`
	LapsedAt         time.Time        `json:"lapsed_at,omitzero"`
	Explanation      string           `json:"explanation,omitempty"`
	Ratings          []RatingSnapshot `json:"ratings"` // the verdict in force of each evaluator kind
	// Evaluation combines the ratings with DefaultWeights; absent until
	// the pledge is rated.
	Evaluation *EvaluationSnapshot `json:"evaluation,omitempty"`
	Authors    []string            `json:"authors"` // who made or reported on it, and so may not vet, file or evaluate it
}

// ReportSnapshot is a progress report as it stands after corrections.
type ReportSnapshot struct {
	ID            string            `json:"id"`
	Percent       int               `json:"percent"`
	Narrative     string            `json:"narrative"`
	Evidence      []domain.Evidence `json:"evidence"`
	ReportedAt    time.Time         `json:"reported_at,omitzero"`
	Corrections   int               `json:"corrections"`
	CorrectedAt   time.Time         `json:"corrected_at,omitzero"`
	Retracted     bool              `json:"retracted"`
	RetractedAt   time.Time         `json:"retracted_at,omitzero"`
	RetractReason string            `json:"retract_reason,omitempty"`
}

// RatingSnapshot is one evaluator kind's verdict in force.
type RatingSnapshot struct {
	Evaluator   string    `json:"evaluator"`
	Grade       string    `json:"grade"`
	Score       float64   `json:"score"`
	Respondents int       `json:"respondents,omitempty"`
	At          time.Time `json:"at,omitzero"`
	Replaced    int       `json:"replaced"`
}

// EvaluationSnapshot is the combined evaluation (Combine).
type EvaluationSnapshot struct {
	Score      float64  `json:"score"`
	Grade      string   `json:"grade"`
	Evaluators []string `json:"evaluators"`
}

// Snapshot returns the pledge's state for readers. Lists are never nil,
// so they read as [] rather than null.
func (p *Pledge) Snapshot() Snapshot {
	s := Snapshot{
		ID: p.id, State: p.state.String(), Maker: p.maker.String(), Unit: p.unit, Member: p.member,
		Category: p.category.String(), Title: p.title, Content: p.content, SubmittedAt: p.submittedAt,
		Returns: p.returns, LastReturnReason: p.lastReturn, FiledAt: p.filedAt, DisclosedAt: p.disclosedAt,
		Reports: []ReportSnapshot{}, Progress: p.Progress(), FulfilledAt: p.fulfilledAt, LapsedAt: p.lapsedAt,
		Explanation: p.explanation, Ratings: []RatingSnapshot{}, Authors: slices.Clone(p.authors),
	}
	if !p.quarter.IsZero() {
		s.Quarter = p.quarter.String()
	}
	if s.Authors == nil {
		s.Authors = []string{}
	}
	for _, r := range p.reports {
		ev := slices.Clone(r.Evidence)
		if ev == nil {
			ev = []domain.Evidence{}
		}
		s.Reports = append(s.Reports, ReportSnapshot{
			ID: r.ID, Percent: r.Percent, Narrative: r.Narrative, Evidence: ev, ReportedAt: r.ReportedAt,
			Corrections: r.Corrections, CorrectedAt: r.CorrectedAt, Retracted: r.Retracted, RetractedAt: r.RetractedAt,
			RetractReason: r.RetractReason,
		})
	}
	for _, r := range p.ratings {
		s.Ratings = append(s.Ratings, RatingSnapshot{Evaluator: r.Evaluator.String(), Grade: r.Grade.String(), Score: r.Score,
			Respondents: r.Respondents, At: r.At, Replaced: r.Replaced})
	}
	if c, ok := p.Evaluation(DefaultWeights()); ok {
		e := &EvaluationSnapshot{Score: c.Score, Grade: c.Grade.String(), Evaluators: []string{}}
		for _, k := range c.Evaluators {
			e.Evaluators = append(e.Evaluators, k.String())
		}
		s.Evaluation = e
	}
	return s
}
