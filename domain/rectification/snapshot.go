package rectification

import (
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Snapshot is the state of an item as readers see it: everything the
// aggregate holds, by the names the API uses. Times are UTC instants,
// deadlines calendar dates; a time or date that has not happened is left
// out. Colour and days left are not part of it: they depend on a moment
// and a zone (Warning, DaysLeft).
type Snapshot struct {
	ID                string              `json:"id"`
	State             string              `json:"state"`
	Unit              string              `json:"unit"`
	Person            string              `json:"person"`
	Source            SourceSnapshot      `json:"source"`
	Requirement       string              `json:"requirement"`
	OrderedAt         time.Time           `json:"ordered_at,omitzero"`
	OriginalDeadline  domain.Date         `json:"original_deadline,omitzero"`
	Deadline          domain.Date         `json:"deadline,omitzero"` // in force: moved by granted extensions and reopenings
	AcknowledgedAt    time.Time           `json:"acknowledged_at,omitzero"`
	Plan              []string            `json:"plan"` // the plan in force, the latest filed
	Plans             int                 `json:"plans"`
	ProgressReports   int                 `json:"progress_reports"`
	Submissions       int                 `json:"submissions"`
	SubmittedAt       time.Time           `json:"submitted_at,omitzero"`
	SubmittedEvidence []domain.Evidence   `json:"submitted_evidence"` // of the submission under review
	Rejections        int                 `json:"rejections"`
	Workers           []string            `json:"workers"` // who worked on it, and so may not accept it
	Extensions        []ExtensionSnapshot `json:"extensions"`
	PendingExtension  bool                `json:"pending_extension"`
	Closings          []ClosingSnapshot   `json:"closings"`
	Reopenings        int                 `json:"reopenings"`
	MissedDeadlines   []MissedSnapshot    `json:"missed_deadlines"`
	CancelledAt       time.Time           `json:"cancelled_at,omitzero"`
	CancelReason      string              `json:"cancel_reason,omitempty"`
}

// SourceSnapshot is what ordered the item.
type SourceSnapshot struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	Item int    `json:"item,omitempty"`
}

// ExtensionSnapshot is one extension request and what became of it.
type ExtensionSnapshot struct {
	RequestedAt time.Time   `json:"requested_at,omitzero"`
	RequestedBy string      `json:"requested_by,omitempty"`
	Reasons     string      `json:"reasons"`
	Progress    string      `json:"progress,omitempty"`
	Proposed    domain.Date `json:"proposed,omitzero"`
	Deadline    domain.Date `json:"deadline,omitzero"` // in force when requested
	Outcome     string      `json:"outcome"`
	DecidedAt   time.Time   `json:"decided_at,omitzero"`
	NewDeadline domain.Date `json:"new_deadline,omitzero"`
	Note        string      `json:"note,omitempty"`
	EnteredLate bool        `json:"entered_late"`
}

// ClosingSnapshot is one acceptance (销号).
type ClosingSnapshot struct {
	At               time.Time   `json:"at,omitzero"`
	On               domain.Date `json:"on,omitzero"`
	AcceptedBy       string      `json:"accepted_by,omitempty"`
	Deadline         domain.Date `json:"deadline,omitzero"`
	OriginalDeadline domain.Date `json:"original_deadline,omitzero"`
	OnTime           bool        `json:"on_time"`
	OnTimeOriginal   bool        `json:"on_time_original"`
	ReopenedAt       time.Time   `json:"reopened_at,omitzero"`
	ReopenReason     string      `json:"reopen_reason,omitempty"`
	EnteredLate      bool        `json:"entered_late"`
}

// MissedSnapshot is a recorded missed deadline.
type MissedSnapshot struct {
	Deadline domain.Date `json:"deadline,omitzero"`
	MissedAt time.Time   `json:"missed_at,omitzero"`
}

// Snapshot returns the item's state for readers. Lists are never nil, so
// they read as [] rather than null.
func (r *Rectification) Snapshot() Snapshot {
	s := Snapshot{
		ID: r.id, State: r.state.String(), Unit: r.unit, Person: r.person,
		Source:      SourceSnapshot{Kind: r.source.Kind.String(), Ref: r.source.Ref, Item: r.source.Item},
		Requirement: r.requirement, OrderedAt: r.orderedAt,
		OriginalDeadline: r.originalDeadline, Deadline: r.deadline, AcknowledgedAt: r.acknowledgedAt,
		Plan: nonNil(slices.Clone(r.plan)), Plans: r.plans, ProgressReports: r.progressReports,
		Submissions: r.submissions, SubmittedAt: r.submittedAt, SubmittedEvidence: nonNil(slices.Clone(r.submittedProof)),
		Rejections: r.rejections, Workers: nonNil(slices.Clone(r.workers)),
		Extensions: []ExtensionSnapshot{}, Closings: []ClosingSnapshot{}, MissedDeadlines: []MissedSnapshot{},
		Reopenings: r.Reopenings(), CancelledAt: r.cancelledAt, CancelReason: r.cancelReason,
	}
	if r.source.Kind == 0 {
		s.Source.Kind = ""
	}
	for _, x := range r.extensions {
		s.Extensions = append(s.Extensions, ExtensionSnapshot{
			RequestedAt: x.RequestedAt, RequestedBy: x.RequestedBy, Reasons: x.Reasons, Progress: x.Progress,
			Proposed: x.Proposed, Deadline: x.Deadline, Outcome: x.Outcome.String(), DecidedAt: x.DecidedAt,
			NewDeadline: x.NewDeadline, Note: x.Note, EnteredLate: x.EnteredLate,
		})
	}
	_, s.PendingExtension = r.PendingExtension()
	for _, c := range r.closings {
		s.Closings = append(s.Closings, ClosingSnapshot{
			At: c.At, On: c.On, AcceptedBy: c.AcceptedBy, Deadline: c.Deadline, OriginalDeadline: c.OriginalDeadline,
			OnTime: c.OnTime(), OnTimeOriginal: c.OnTimeOriginal(), ReopenedAt: c.ReopenedAt, ReopenReason: c.ReopenReason,
			EnteredLate: c.EnteredLate,
		})
	}
	for _, m := range r.missed {
		s.MissedDeadlines = append(s.MissedDeadlines, MissedSnapshot{Deadline: m.Deadline, MissedAt: m.MissedAt})
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
