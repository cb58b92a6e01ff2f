package inspection

import (
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Start is the command that opens an inspection of a unit by a group.
type Start struct {
	Kind       Kind      `json:"kind"`
	UnitID     string    `json:"unit_id"`
	GroupID    string    `json:"group_id"`
	Subject    string    `json:"subject"` // what a special check is about, optional
	OccurredAt time.Time `json:"occurred_at"`
}

// FindingContent is what a finding says; a correction replaces all of it.
type FindingContent struct {
	Text                string            `json:"text"`
	Severity            Severity          `json:"severity"`
	OrdersRectification bool              `json:"orders_rectification,omitempty"`
	Evidence            []domain.Evidence `json:"evidence,omitempty"`
}

func (c FindingContent) clean() (FindingContent, error) {
	text, err := domain.CleanText("text", c.Text, domain.MaxTextRunes)
	if err != nil {
		return FindingContent{}, err
	}
	if !c.Severity.Valid() {
		return FindingContent{}, domain.Invalid("severity", "must be minor, moderate or serious")
	}
	if err := checkEvidence(c.Evidence); err != nil {
		return FindingContent{}, err
	}
	return FindingContent{Text: text, Severity: c.Severity, OrdersRectification: c.OrdersRectification, Evidence: slices.Clone(c.Evidence)}, nil
}

func (c FindingContent) equal(o FindingContent) bool {
	return c.Text == o.Text && c.Severity == o.Severity && c.OrdersRectification == o.OrdersRectification && slices.Equal(c.Evidence, o.Evidence)
}

// RecordFinding is the command that records a finding of an open
// inspection.
type RecordFinding struct {
	FindingContent
	OccurredAt time.Time `json:"occurred_at"`
}

// CorrectFinding is the command that replaces a finding's content.
type CorrectFinding struct {
	FindingNo int `json:"finding_no"`
	FindingContent
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// WithdrawFinding is the command that withdraws a finding made in error.
type WithdrawFinding struct {
	FindingNo  int       `json:"finding_no"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Complete is the command that completes an inspection.
type Complete struct {
	Summary    string            `json:"summary"` // optional
	Evidence   []domain.Evidence `json:"evidence"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// Started records an inspection opened on a unit by a group.
type Started struct {
	InspectionID string    `json:"inspection_id"`
	Kind         Kind      `json:"kind"`
	UnitID       string    `json:"unit_id"`
	GroupID      string    `json:"group_id"`
	Subject      string    `json:"subject,omitempty"`
	OccurredAt   time.Time `json:"occurred_at"`
}

// FindingRecorded records a finding. FindingNo numbers the findings of an
// inspection from 1; a rectification ordered by the finding refers to it
// by inspection and number.
type FindingRecorded struct {
	InspectionID string `json:"inspection_id"`
	UnitID       string `json:"unit_id"`
	FindingNo    int    `json:"finding_no"`
	FindingContent
	OccurredAt time.Time `json:"occurred_at"`
}

// FindingCorrected replaces a finding's content. Corrects is the stream
// version of the event whose content it replaces, which stays on record.
type FindingCorrected struct {
	InspectionID string `json:"inspection_id"`
	UnitID       string `json:"unit_id"`
	FindingNo    int    `json:"finding_no"`
	FindingContent
	Reason     string    `json:"reason"`
	Corrects   uint64    `json:"corrects_version"`
	OccurredAt time.Time `json:"occurred_at"`
}

// FindingWithdrawn withdraws a finding made in error; it no longer counts.
// Withdraws is the stream version of the event whose content was in force.
type FindingWithdrawn struct {
	InspectionID string    `json:"inspection_id"`
	UnitID       string    `json:"unit_id"`
	FindingNo    int       `json:"finding_no"`
	Reason       string    `json:"reason"`
	Withdraws    uint64    `json:"withdraws_version"`
	OccurredAt   time.Time `json:"occurred_at"`
}

// Completed records that an inspection is complete. Findings is the number
// of findings then in force (not withdrawn).
type Completed struct {
	InspectionID string            `json:"inspection_id"`
	UnitID       string            `json:"unit_id"`
	GroupID      string            `json:"group_id"`
	Summary      string            `json:"summary,omitempty"`
	Evidence     []domain.Evidence `json:"evidence,omitempty"`
	Findings     int               `json:"findings"`
	OccurredAt   time.Time         `json:"occurred_at"`
}

func (Started) EventType() string          { return "inspection.started" }
func (FindingRecorded) EventType() string  { return "inspection.finding_recorded" }
func (FindingCorrected) EventType() string { return "inspection.finding_corrected" }
func (FindingWithdrawn) EventType() string { return "inspection.finding_withdrawn" }
func (Completed) EventType() string        { return "inspection.completed" }

func (e Started) ScopeUnit() string          { return e.UnitID }
func (e FindingRecorded) ScopeUnit() string  { return e.UnitID }
func (e FindingCorrected) ScopeUnit() string { return e.UnitID }
func (e FindingWithdrawn) ScopeUnit() string { return e.UnitID }
func (e Completed) ScopeUnit() string        { return e.UnitID }

func (e Started) OccurredTime() time.Time          { return e.OccurredAt }
func (e FindingRecorded) OccurredTime() time.Time  { return e.OccurredAt }
func (e FindingCorrected) OccurredTime() time.Time { return e.OccurredAt }
func (e FindingWithdrawn) OccurredTime() time.Time { return e.OccurredAt }
func (e Completed) OccurredTime() time.Time        { return e.OccurredAt }

// New opens an inspection. Whether the group covers the unit is for the
// write path to check against the group's assignments (Group.Covers and
// the unit tree); one inspection's stream cannot see them.
func New(id string, cmd Start, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("inspection_id", id); err != nil {
		return nil, err
	}
	if !cmd.Kind.Valid() {
		return nil, domain.Invalid("kind", "must be special or random")
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if err := domain.CheckID("group_id", cmd.GroupID); err != nil {
		return nil, err
	}
	subject, err := domain.OptionalText("subject", cmd.Subject, domain.MaxNameRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Started{InspectionID: id, Kind: cmd.Kind, UnitID: cmd.UnitID, GroupID: cmd.GroupID, Subject: subject, OccurredAt: at}}, nil
}

// Finding is one finding of an inspection as it stands.
type Finding struct {
	No int
	FindingContent
	Withdrawn   bool
	Corrections int
	InForce     uint64 // stream version of the event whose content is in force
}

// Inspection is an inspection rebuilt from its stream.
type Inspection struct {
	ID        string
	Kind      Kind
	UnitID    string
	GroupID   string
	Subject   string
	Findings  []Finding // by number: Findings[i].No == i+1
	Completed bool
	Version   uint64 // events applied, so the stream version of the last one
}

// Exists reports whether the inspection has been started.
func (in *Inspection) Exists() bool { return in.ID != "" }

// State names the inspection's state: "open" or "completed".
func (in *Inspection) State() string {
	if in.Completed {
		return "completed"
	}
	return "open"
}

// InForce counts the findings not withdrawn, and of them those that order
// a rectification.
func (in *Inspection) InForce() (findings, rectifications int) {
	for _, f := range in.Findings {
		if f.Withdrawn {
			continue
		}
		findings++
		if f.OrdersRectification {
			rectifications++
		}
	}
	return findings, rectifications
}

func (in *Inspection) refuse(command, reason string) error {
	return &domain.TransitionError{Entity: EntityInspection, ID: in.ID, From: in.State(), Command: command, Reason: reason}
}

// finding returns the finding a correction or withdrawal names.
func (in *Inspection) finding(no int, command string) (*Finding, error) {
	if no < 1 || no > len(in.Findings) {
		return nil, domain.Invalid("finding_no", "the inspection has no finding %d", no)
	}
	f := &in.Findings[no-1]
	if f.Withdrawn {
		return nil, in.refuse(command, "the finding was withdrawn")
	}
	return f, nil
}

// RecordFinding records a finding; the inspection must still be open.
func (in *Inspection) RecordFinding(cmd RecordFinding, meta domain.Meta) ([]domain.Event, error) {
	if !in.Exists() {
		return nil, domain.ErrNotFound
	}
	if in.Completed {
		return nil, in.refuse("record a finding", "")
	}
	content, err := cmd.FindingContent.clean()
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{FindingRecorded{InspectionID: in.ID, UnitID: in.UnitID, FindingNo: len(in.Findings) + 1, FindingContent: content, OccurredAt: at}}, nil
}

// CorrectFinding replaces a finding's content. It is allowed after the
// inspection is complete: a mistake found later is still fixed by a new
// event.
func (in *Inspection) CorrectFinding(cmd CorrectFinding, meta domain.Meta) ([]domain.Event, error) {
	if !in.Exists() {
		return nil, domain.ErrNotFound
	}
	f, err := in.finding(cmd.FindingNo, "correct a finding")
	if err != nil {
		return nil, err
	}
	content, err := cmd.FindingContent.clean()
	if err != nil {
		return nil, err
	}
	if content.equal(f.FindingContent) {
		return nil, domain.Invalid("text", "the correction changes nothing")
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{FindingCorrected{
		InspectionID: in.ID, UnitID: in.UnitID, FindingNo: f.No, FindingContent: content,
		Reason: reason, Corrects: f.InForce, OccurredAt: at,
	}}, nil
}

// WithdrawFinding withdraws a finding made in error; a reason is required.
// Like a correction, it is allowed after completion.
func (in *Inspection) WithdrawFinding(cmd WithdrawFinding, meta domain.Meta) ([]domain.Event, error) {
	if !in.Exists() {
		return nil, domain.ErrNotFound
	}
	f, err := in.finding(cmd.FindingNo, "withdraw a finding")
	if err != nil {
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
	return []domain.Event{FindingWithdrawn{InspectionID: in.ID, UnitID: in.UnitID, FindingNo: f.No, Reason: reason, Withdraws: f.InForce, OccurredAt: at}}, nil
}

// Complete completes the inspection. An inspection with no findings may be
// completed: finding nothing wrong is a result too.
func (in *Inspection) Complete(cmd Complete, meta domain.Meta) ([]domain.Event, error) {
	if !in.Exists() {
		return nil, domain.ErrNotFound
	}
	if in.Completed {
		return nil, in.refuse("complete", "")
	}
	summary, err := domain.OptionalText("summary", cmd.Summary, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	if err := checkEvidence(cmd.Evidence); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	n, _ := in.InForce()
	return []domain.Event{Completed{
		InspectionID: in.ID, UnitID: in.UnitID, GroupID: in.GroupID, Summary: summary,
		Evidence: slices.Clone(cmd.Evidence), Findings: n, OccurredAt: at,
	}}, nil
}

// Apply rebuilds the inspection from one of its events; others are
// ignored, and so is a finding event that names a finding this history
// does not have.
func (in *Inspection) Apply(e domain.Event) {
	in.Version++
	switch e := e.(type) {
	case Started:
		in.ID, in.Kind, in.UnitID, in.GroupID, in.Subject = e.InspectionID, e.Kind, e.UnitID, e.GroupID, e.Subject
	case FindingRecorded:
		in.Findings = append(in.Findings, Finding{No: len(in.Findings) + 1, FindingContent: e.FindingContent, InForce: in.Version})
	case FindingCorrected:
		if f := in.at(e.FindingNo); f != nil {
			f.FindingContent = e.FindingContent
			f.Corrections++
			f.InForce = in.Version
		}
	case FindingWithdrawn:
		if f := in.at(e.FindingNo); f != nil {
			f.Withdrawn = true
		}
	case Completed:
		in.Completed = true
	}
}

func (in *Inspection) at(no int) *Finding {
	if no < 1 || no > len(in.Findings) {
		return nil
	}
	return &in.Findings[no-1]
}

// References: the unit inspected and the group inspecting it.
func (cmd Start) References() []domain.Ref {
	return []domain.Ref{
		{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID},
		{Field: "group_id", Kind: domain.RefGroup, ID: cmd.GroupID},
	}
}
