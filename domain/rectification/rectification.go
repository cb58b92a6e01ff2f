// Package rectification is the Rectification aggregate (整改): an item
// ordered from a review remark, an inspection finding, an evaluation or a
// monthly ranking, worked on by a responsible unit and person against a
// deadline (限期整改), and accepted and closed (销号). One stream holds one
// item.
//
// Creation is Order; every later decision is a method on *Rectification
// that returns the events to record. Apply rebuilds the state from history
// and never rejects it. Warning and the on-time figures are pure functions
// of the state, a moment and a time zone.
package rectification

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Entity names the aggregate in errors and stream names.
const Entity = "rectification"

// Stream returns the name of the stream that holds item id.
func Stream(id string) string { return Entity + "-" + id }

// DefaultYellowDays is how many days before its deadline a live item turns
// yellow, unless a deployment configures otherwise.
const DefaultYellowDays = 3

// Limits on commands.
const (
	MaxText     = 4000 // requirement, reasons, notes, in characters
	MaxID       = 128  // ids, in bytes
	MaxMeasures = 50
)

// ErrDeadlinePassed is returned when an extension is requested once the
// deadline in force has been missed: the item is already late.
var ErrDeadlinePassed = errors.New("deadline has passed")

// ErrSeparationOfDuty is returned when the actor may not make a decision
// because of their part in the item: a requester granting their own
// extension, the responsible person accepting their own work.
var ErrSeparationOfDuty = domain.ErrSeparationOfDuty

// ErrNoActor is returned when a decision that records or checks who made it
// is asked for without an authenticated actor.
var ErrNoActor = errors.New("decision needs an authenticated actor")

// Extension is one extension request and what became of it.
type Extension struct {
	RequestedAt time.Time
	RequestedBy string
	Reasons     string
	Progress    string
	Proposed    domain.Date // zero if no date was proposed
	Deadline    domain.Date // in force when requested
	Outcome     Outcome
	DecidedAt   time.Time   // zero while pending or when overtaken
	NewDeadline domain.Date // when granted
	Note        string      // the grant's note or the denial's reason
	EnteredLate bool        // reached the ledger after the deadline was missed
}

// Closing is one acceptance (销号). An item reopened and accepted again has
// several; all count towards the recurrence rate.
type Closing struct {
	At               time.Time
	On               domain.Date // the closing's date in the deployment's zone
	AcceptedBy       string
	Deadline         domain.Date // in force at the closing
	OriginalDeadline domain.Date
	ReopenedAt       time.Time // zero unless the item was reopened after it
	ReopenReason     string
	EnteredLate      bool // reached the ledger after the deadline in force was missed
}

// OnTime reports whether the item was closed no later than the deadline in
// force (extensions included).
func (c Closing) OnTime() bool { return !c.On.After(c.Deadline) }

// OnTimeOriginal reports whether the item was closed no later than its
// original deadline.
func (c Closing) OnTimeOriginal() bool { return !c.On.After(c.OriginalDeadline) }

// Missed is a recorded missed deadline.
type Missed struct {
	Deadline domain.Date
	MissedAt time.Time
}

// Rectification is the state of one item rebuilt from its stream. The zero
// value is an item with no history.
type Rectification struct {
	id               string
	state            State
	unit             string
	person           string
	source           Source
	requirement      string
	orderedAt        time.Time
	originalDeadline domain.Date
	deadline         domain.Date
	acknowledgedAt   time.Time
	plan             []string
	plans            int
	progressReports  int
	submissions      int
	submittedAt      time.Time
	submittedProof   []domain.Evidence // evidence of the submission under review
	rejections       int
	workers          []string // principals who acknowledged, planned, reported progress or submitted
	extensions       []Extension
	closings         []Closing
	missed           []Missed
	cancelledAt      time.Time
	cancelReason     string
}

var _ domain.Aggregate = (*Rectification)(nil)

// ID returns the item id, empty for an item with no history.
func (r *Rectification) ID() string { return r.id }

// Exists reports whether the item has history.
func (r *Rectification) Exists() bool { return r.id != "" }

// State returns the current state; zero (invalid) if there is no history.
func (r *Rectification) State() State { return r.state }

// Unit and Person are who is responsible for the item.
func (r *Rectification) Unit() string   { return r.unit }
func (r *Rectification) Person() string { return r.person }

// Source is what ordered the item.
func (r *Rectification) Source() Source { return r.source }

// Requirement is what has to be put right.
func (r *Rectification) Requirement() string { return r.requirement }

// OrderedAt is when the item was ordered.
func (r *Rectification) OrderedAt() time.Time { return r.orderedAt }

// OriginalDeadline is the deadline set by the order.
func (r *Rectification) OriginalDeadline() domain.Date { return r.originalDeadline }

// Deadline is the deadline in force: the original one, moved by granted
// extensions and by a reopening that set a new one.
func (r *Rectification) Deadline() domain.Date { return r.deadline }

// AcknowledgedAt is when the unit signed for the item, zero if it has not.
func (r *Rectification) AcknowledgedAt() time.Time { return r.acknowledgedAt }

// Plan is the latest plan of measures, nil if none was filed.
func (r *Rectification) Plan() []string { return slices.Clone(r.plan) }

// Submissions and Rejections count submissions for acceptance and how many
// were sent back.
func (r *Rectification) Submissions() int { return r.submissions }
func (r *Rectification) Rejections() int  { return r.rejections }

// ProgressReports counts interim progress reports.
func (r *Rectification) ProgressReports() int { return r.progressReports }

// Extensions returns every extension request in the order made.
func (r *Rectification) Extensions() []Extension { return slices.Clone(r.extensions) }

// Workers returns the principals who worked on the item: acknowledged it,
// filed a plan, reported progress, submitted it or asked for an extension.
// None of them may accept it or grant its extension.
func (r *Rectification) Workers() []string { return slices.Clone(r.workers) }

func (r *Rectification) worked(by string) {
	if by != "" && !slices.Contains(r.workers, by) {
		r.workers = append(r.workers, by)
	}
}

// PendingExtension returns the request waiting for a decision, if any.
func (r *Rectification) PendingExtension() (Extension, bool) {
	if i := r.pending(); i >= 0 {
		return r.extensions[i], true
	}
	return Extension{}, false
}

// Closings returns every acceptance, earlier ones (since reopened) first.
func (r *Rectification) Closings() []Closing { return slices.Clone(r.closings) }

// Reopenings counts how many times the item was reopened after acceptance.
func (r *Rectification) Reopenings() int {
	n := 0
	for _, c := range r.closings {
		if !c.ReopenedAt.IsZero() {
			n++
		}
	}
	return n
}

// ClosedAt returns the time of the closing in force, and false unless the
// item is accepted now.
func (r *Rectification) ClosedAt() (time.Time, bool) {
	if c, ok := r.closing(); ok {
		return c.At, true
	}
	return time.Time{}, false
}

// OnTime reports, for an item accepted now, whether its closing was on time
// against the original deadline and against the deadline in force; ok is
// false if the item is not closed.
func (r *Rectification) OnTime() (original, current, ok bool) {
	c, ok := r.closing()
	if !ok {
		return false, false, false
	}
	return c.OnTimeOriginal(), c.OnTime(), true
}

// MissedDeadlines returns the recorded missed deadlines.
func (r *Rectification) MissedDeadlines() []Missed { return slices.Clone(r.missed) }

// CancelledAt and CancelReason describe a cancellation.
func (r *Rectification) CancelledAt() time.Time { return r.cancelledAt }
func (r *Rectification) CancelReason() string   { return r.cancelReason }

// DaysLeft is the number of calendar days from now's date in loc to the
// deadline in force: 0 on the last day, negative once overdue.
func (r *Rectification) DaysLeft(now time.Time, loc *time.Location) int {
	return domain.DateIn(now, zone(loc)).DaysUntil(r.deadline)
}

// Warning is the deadline light of the item at now in loc (亮灯). A live
// item (open, in progress or submitted) is red from 00:00 of the day after
// its deadline, yellow when the deadline is at most yellowDays calendar
// days away (0 is the deadline day), green otherwise. An accepted item is
// on_time or late against the deadline in force at its closing; a
// cancelled item or one with no history has none. yellowDays of zero or
// less means DefaultYellowDays; a nil loc means domain.DefaultLocation().
func (r *Rectification) Warning(now time.Time, loc *time.Location, yellowDays int) Colour {
	loc = zone(loc)
	if yellowDays <= 0 {
		yellowDays = DefaultYellowDays
	}
	switch {
	case r.state == StateAccepted:
		if c, ok := r.closing(); ok && c.OnTime() {
			return ColourOnTime
		}
		return ColourLate
	case !r.state.Live():
		return ColourNone
	case !now.Before(r.deadline.MissedAt(loc)):
		return ColourRed
	case r.DaysLeft(now, loc) <= yellowDays:
		return ColourYellow
	}
	return ColourGreen
}

func zone(loc *time.Location) *time.Location {
	if loc == nil {
		return domain.DefaultLocation()
	}
	return loc
}

func (r *Rectification) closing() (Closing, bool) {
	if r.state != StateAccepted || len(r.closings) == 0 {
		return Closing{}, false
	}
	return r.closings[len(r.closings)-1], true
}

func (r *Rectification) pending() int {
	for i := len(r.extensions) - 1; i >= 0; i-- {
		if r.extensions[i].Outcome == OutcomePending {
			return i
		}
	}
	return -1
}

// overtake closes a pending request that can no longer be decided.
func (r *Rectification) overtake() {
	if i := r.pending(); i >= 0 {
		r.extensions[i].Outcome = OutcomeOvertaken
	}
}

// Apply rebuilds the state from one recorded event. Events of another item,
// events out of place and unknown events are ignored.
func (r *Rectification) Apply(e domain.Event) {
	if o, ok := e.(Ordered); ok {
		if r.id != "" || o.RectificationID == "" {
			return
		}
		*r = Rectification{
			id: o.RectificationID, state: StateOpen, unit: o.Unit, person: o.Person, source: o.Source,
			requirement: o.Requirement, orderedAt: o.OccurredAt,
			originalDeadline: o.Deadline, deadline: o.Deadline,
		}
		return
	}
	if r.id == "" {
		return
	}
	switch e := e.(type) {
	case Acknowledged:
		if e.RectificationID == r.id {
			if r.state == StateOpen {
				r.state = StateInProgress
			}
			if r.acknowledgedAt.IsZero() {
				r.acknowledgedAt = e.OccurredAt
			}
			r.worked(e.By)
		}
	case PlanFiled:
		if e.RectificationID == r.id {
			r.plan = slices.Clone(e.Measures)
			r.plans++
			r.worked(e.By)
		}
	case ProgressReported:
		if e.RectificationID == r.id {
			r.progressReports++
			r.worked(e.By)
		}
	case Submitted:
		if e.RectificationID == r.id {
			r.state = StateSubmitted
			r.submissions++
			r.submittedAt = e.OccurredAt
			r.submittedProof = slices.Clone(e.Evidence)
			r.worked(e.By)
		}
	case Rejected:
		if e.RectificationID == r.id {
			r.state = StateInProgress
			r.rejections++
			r.submittedProof = nil
		}
	case Accepted:
		if e.RectificationID == r.id {
			r.state = StateAccepted
			r.overtake()
			deadline := e.Deadline
			if deadline.IsZero() {
				deadline = r.deadline
			}
			r.closings = append(r.closings, Closing{
				At: e.OccurredAt, On: e.ClosedOn, AcceptedBy: e.AcceptedBy,
				Deadline: deadline, OriginalDeadline: r.originalDeadline, EnteredLate: e.EnteredLate,
			})
		}
	case Reopened:
		if e.RectificationID == r.id {
			r.state = StateInProgress
			r.submittedProof = nil
			if n := len(r.closings); n > 0 && r.closings[n-1].ReopenedAt.IsZero() {
				r.closings[n-1].ReopenedAt = e.OccurredAt
				r.closings[n-1].ReopenReason = e.Reason
			}
			if !e.Deadline.IsZero() {
				r.deadline = e.Deadline
			}
		}
	case ExtensionRequested:
		if e.RectificationID == r.id {
			r.overtake()
			r.worked(e.RequestedBy)
			r.extensions = append(r.extensions, Extension{
				RequestedAt: e.OccurredAt, RequestedBy: e.RequestedBy, Reasons: e.Reasons,
				Progress: e.Progress, Proposed: e.Proposed, Deadline: e.Deadline, Outcome: OutcomePending,
				EnteredLate: e.EnteredLate,
			})
		}
	case ExtensionGranted:
		if i := r.pending(); e.RectificationID == r.id && i >= 0 {
			x := &r.extensions[i]
			x.Outcome, x.DecidedAt, x.NewDeadline, x.Note = OutcomeGranted, e.OccurredAt, e.NewDeadline, e.Note
			r.deadline = e.NewDeadline
		}
	case ExtensionDenied:
		if i := r.pending(); e.RectificationID == r.id && i >= 0 {
			x := &r.extensions[i]
			x.Outcome, x.DecidedAt, x.Note = OutcomeDenied, e.OccurredAt, e.Reason
		}
	case Cancelled:
		if e.RectificationID == r.id {
			r.state = StateCancelled
			r.overtake()
			r.cancelledAt = e.OccurredAt
			r.cancelReason = e.Reason
		}
	case DeadlineMissed:
		if e.RectificationID == r.id && !r.wasMissed(e.Deadline) {
			r.missed = append(r.missed, Missed{Deadline: e.Deadline, MissedAt: e.MissedAt})
		}
	}
}

func (r *Rectification) wasMissed(d domain.Date) bool {
	return slices.ContainsFunc(r.missed, func(m Missed) bool { return m.Deadline == d })
}

// OrderCommand orders a rectification.
type OrderCommand struct {
	Source      Source      `json:"source"`
	Unit        string      `json:"unit"`   // responsible unit
	Person      string      `json:"person"` // responsible person
	Requirement string      `json:"requirement"`
	Deadline    domain.Date `json:"deadline"`
	OccurredAt  time.Time   `json:"occurred_at"`
}

// Order validates a new item and returns the event that records it. The
// deadline may not be earlier than the order's date in meta.Location().
// Whether the stream is new is for the caller (or Rectification.Order) to
// check.
func Order(id string, cmd OrderCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("id", id); err != nil {
		return nil, err
	}
	if err := checkSource(cmd.Source); err != nil {
		return nil, err
	}
	if err := domain.CheckID("unit", cmd.Unit); err != nil {
		return nil, err
	}
	if err := domain.CheckID("person", cmd.Person); err != nil {
		return nil, err
	}
	if err := domain.CheckText("requirement", cmd.Requirement, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	if cmd.Deadline.IsZero() {
		return nil, domain.Invalid("deadline", "is required")
	}
	if err := domain.CheckDate("deadline", cmd.Deadline); err != nil {
		return nil, err
	}
	if on := domain.DateIn(at, meta.Location()); cmd.Deadline.Before(on) {
		return nil, domain.Invalid("deadline", "must not be before the order date %s", on)
	}
	return []domain.Event{Ordered{
		RectificationID: id, Unit: cmd.Unit, Person: cmd.Person, Source: cmd.Source,
		Requirement: cmd.Requirement, Deadline: cmd.Deadline, OccurredAt: at,
	}}, nil
}

// Order is Order for a loaded aggregate: it refuses to create an item
// whose stream already has history.
func (r *Rectification) Order(id string, cmd OrderCommand, meta domain.Meta) ([]domain.Event, error) {
	if r.Exists() {
		return nil, fmt.Errorf("%s %s: %w", Entity, r.id, domain.ErrAlreadyExists)
	}
	return Order(id, cmd, meta)
}

// AcknowledgeCommand records receipt by the responsible unit.
type AcknowledgeCommand struct {
	OccurredAt time.Time `json:"occurred_at"`
}

// Acknowledge records that the responsible unit signed for an open item
// (签收); work on it starts.
func (r *Rectification) Acknowledge(cmd AcknowledgeCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("acknowledge", StateOpen); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Acknowledged{RectificationID: r.id, Unit: r.unit, By: meta.Actor.ID, OccurredAt: at}}, nil
}

// FilePlanCommand is a plan of measures.
type FilePlanCommand struct {
	Measures   []string  `json:"measures"`
	OccurredAt time.Time `json:"occurred_at"`
}

// FilePlan records the unit's plan of measures for an item in progress.
func (r *Rectification) FilePlan(cmd FilePlanCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("file a plan", StateInProgress); err != nil {
		return nil, err
	}
	if len(cmd.Measures) == 0 {
		return nil, domain.Invalid("measures", "must list at least one measure")
	}
	if len(cmd.Measures) > MaxMeasures {
		return nil, domain.Invalid("measures", "must list at most %d measures", MaxMeasures)
	}
	for i, m := range cmd.Measures {
		if err := domain.CheckText(fmt.Sprintf("measures[%d]", i), m, MaxText, true); err != nil {
			return nil, err
		}
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{PlanFiled{RectificationID: r.id, Unit: r.unit, Measures: slices.Clone(cmd.Measures), By: meta.Actor.ID, OccurredAt: at}}, nil
}

// ReportProgressCommand is interim progress.
type ReportProgressCommand struct {
	Note       string            `json:"note"`
	Evidence   []domain.Evidence `json:"evidence"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// ReportProgress records interim progress on an item in progress.
func (r *Rectification) ReportProgress(cmd ReportProgressCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("report progress", StateInProgress); err != nil {
		return nil, err
	}
	if err := domain.CheckText("note", cmd.Note, MaxText, true); err != nil {
		return nil, err
	}
	if err := domain.ValidateEvidence("evidence", cmd.Evidence); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ProgressReported{RectificationID: r.id, Unit: r.unit, Note: cmd.Note, Evidence: cmd.Evidence, By: meta.Actor.ID, OccurredAt: at}}, nil
}

// SubmitCommand submits the work for acceptance.
type SubmitCommand struct {
	Summary    string            `json:"summary"`
	Evidence   []domain.Evidence `json:"evidence"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// Submit submits an item in progress for acceptance.
func (r *Rectification) Submit(cmd SubmitCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("submit", StateInProgress); err != nil {
		return nil, err
	}
	if err := domain.CheckText("summary", cmd.Summary, MaxText, true); err != nil {
		return nil, err
	}
	if err := domain.ValidateEvidence("evidence", cmd.Evidence); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Submitted{RectificationID: r.id, Unit: r.unit, Summary: cmd.Summary, Evidence: cmd.Evidence, By: meta.Actor.ID, OccurredAt: at}}, nil
}

// RejectCommand sends a submission back.
type RejectCommand struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Reject sends a submitted item back to work. The deadline stays as it
// is: a rejection does not buy time.
func (r *Rectification) Reject(cmd RejectCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("reject", StateSubmitted); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Rejected{RectificationID: r.id, Unit: r.unit, Reason: cmd.Reason, OccurredAt: at}}, nil
}

// AcceptCommand accepts and closes a submitted item.
type AcceptCommand struct {
	Note       string            `json:"note"`
	Evidence   []domain.Evidence `json:"evidence"` // the reviewer's own, added to the submission's
	OccurredAt time.Time         `json:"occurred_at"`
}

// Accept closes a submitted item (销号). It needs at least one piece of
// evidence, in the submission or in the command, and an actor who is
// neither the responsible person nor any principal who worked on the item
// (ErrSeparationOfDuty otherwise): whoever submitted the work may not
// pass it, whatever roles their token holds.
func (r *Rectification) Accept(cmd AcceptCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("accept", StateSubmitted); err != nil {
		return nil, err
	}
	if meta.Actor.ID == "" {
		return nil, fmt.Errorf("%s %s: accept: %w", Entity, r.id, ErrNoActor)
	}
	if meta.Actor.ID == r.person {
		return nil, fmt.Errorf("%s %s: %w: the responsible person may not accept their own rectification", Entity, r.id, ErrSeparationOfDuty)
	}
	if slices.Contains(r.workers, meta.Actor.ID) {
		return nil, fmt.Errorf("%s %s: %w: %s worked on this rectification (acknowledged, planned, reported, submitted or asked for more time) and may not accept it",
			Entity, r.id, ErrSeparationOfDuty, meta.Actor.ID)
	}
	if err := domain.CheckText("note", cmd.Note, MaxText, false); err != nil {
		return nil, err
	}
	if err := domain.ValidateEvidence("evidence", cmd.Evidence); err != nil {
		return nil, err
	}
	if len(cmd.Evidence)+len(r.submittedProof) == 0 {
		return nil, domain.Invalid("evidence", "acceptance needs at least one piece of evidence and the submission has none")
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Accepted{
		RectificationID: r.id, Unit: r.unit, AcceptedBy: meta.Actor.ID, Note: cmd.Note, Evidence: cmd.Evidence,
		ClosedOn: domain.DateIn(at, meta.Location()), Deadline: r.deadline, OccurredAt: at,
		EnteredLate: at.Before(r.deadline.MissedAt(meta.Location())) && !meta.Now.Before(r.deadline.MissedAt(meta.Location())),
	}}, nil
}

// ReopenCommand reopens an accepted item.
type ReopenCommand struct {
	Reason     string      `json:"reason"`
	Deadline   domain.Date `json:"deadline"` // optional new deadline; zero keeps the one in force
	OccurredAt time.Time   `json:"occurred_at"`
}

// Reopen sends an accepted item back to work (问题反弹). The closing stays on
// record and counts as a reopening. A new deadline, if given, may not be
// before the reopening's date.
func (r *Rectification) Reopen(cmd ReopenCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("reopen", StateAccepted); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	if err := domain.CheckDate("deadline", cmd.Deadline); err != nil {
		return nil, err
	}
	if on := domain.DateIn(at, meta.Location()); !cmd.Deadline.IsZero() && cmd.Deadline.Before(on) {
		return nil, domain.Invalid("deadline", "must not be before the reopening date %s", on)
	}
	return []domain.Event{Reopened{RectificationID: r.id, Unit: r.unit, Reason: cmd.Reason, Deadline: cmd.Deadline, OccurredAt: at}}, nil
}

// RequestExtensionCommand asks for more time.
type RequestExtensionCommand struct {
	Reasons    string      `json:"reasons"`
	Progress   string      `json:"progress"` // what has been done so far
	Proposed   domain.Date `json:"proposed"` // optional date asked for
	OccurredAt time.Time   `json:"occurred_at"`
}

// RequestExtension asks to move the deadline of an open or in-progress
// item. It must be made before the deadline in force is missed (00:00 of
// the day after it in meta.Location()), judged on its business time like
// every other rule, so a past quarter can be backfilled; otherwise it
// returns ErrDeadlinePassed. A backdated request cannot slip in: the
// write path refuses a business time before the stream's latest, and the
// deadline watcher records the miss within minutes of it. A request that
// reaches the ledger after the miss (a backfill) is marked EnteredLate.
// One request may be pending at a time.
func (r *Rectification) RequestExtension(cmd RequestExtensionCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("request an extension", StateOpen, StateInProgress); err != nil {
		return nil, err
	}
	if r.pending() >= 0 {
		return nil, r.refuse("request an extension", "an extension request is already pending")
	}
	if meta.Actor.ID == "" {
		return nil, fmt.Errorf("%s %s: request an extension: %w", Entity, r.id, ErrNoActor)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	missed := r.deadline.MissedAt(meta.Location())
	if !at.Before(missed) {
		return nil, fmt.Errorf("%s %s: request an extension: %w: the deadline %s was missed at %s",
			Entity, r.id, ErrDeadlinePassed, r.deadline, missed.Format(time.RFC3339))
	}
	if err := domain.CheckText("reasons", cmd.Reasons, MaxText, true); err != nil {
		return nil, err
	}
	if err := domain.CheckText("progress", cmd.Progress, MaxText, true); err != nil {
		return nil, err
	}
	if err := domain.CheckDate("proposed", cmd.Proposed); err != nil {
		return nil, err
	}
	if !cmd.Proposed.IsZero() && !cmd.Proposed.After(r.deadline) {
		return nil, domain.Invalid("proposed", "must be later than the current deadline %s", r.deadline)
	}
	return []domain.Event{ExtensionRequested{
		RectificationID: r.id, Unit: r.unit, RequestedBy: meta.Actor.ID, Reasons: cmd.Reasons,
		Progress: cmd.Progress, Proposed: cmd.Proposed, Deadline: r.deadline, OccurredAt: at,
		EnteredLate: !meta.Now.Before(missed),
	}}, nil
}

// GrantExtensionCommand grants the pending request.
type GrantExtensionCommand struct {
	NewDeadline domain.Date `json:"new_deadline"`
	Note        string      `json:"note"`
	OccurredAt  time.Time   `json:"occurred_at"`
}

// GrantExtension grants the pending request with a concrete new deadline,
// later than the one in force and not before the grant's date. The
// requester, and anyone else who worked on the item, may not grant it
// (ErrSeparationOfDuty). The original deadline stays on record.
func (r *Rectification) GrantExtension(cmd GrantExtensionCommand, meta domain.Meta) ([]domain.Event, error) {
	i, err := r.decidable("grant an extension")
	if err != nil {
		return nil, err
	}
	if meta.Actor.ID == "" {
		return nil, fmt.Errorf("%s %s: grant an extension: %w", Entity, r.id, ErrNoActor)
	}
	if meta.Actor.ID == r.extensions[i].RequestedBy {
		return nil, fmt.Errorf("%s %s: %w: the requester may not grant their own extension", Entity, r.id, ErrSeparationOfDuty)
	}
	if meta.Actor.ID == r.person || slices.Contains(r.workers, meta.Actor.ID) {
		return nil, fmt.Errorf("%s %s: %w: %s is responsible for or worked on this rectification and may not grant its extension",
			Entity, r.id, ErrSeparationOfDuty, meta.Actor.ID)
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	switch on := domain.DateIn(at, meta.Location()); {
	case cmd.NewDeadline.IsZero():
		return nil, domain.Invalid("new_deadline", "is required")
	case domain.CheckDate("new_deadline", cmd.NewDeadline) != nil:
		return nil, domain.CheckDate("new_deadline", cmd.NewDeadline)
	case !cmd.NewDeadline.After(r.deadline):
		return nil, domain.Invalid("new_deadline", "must be later than the current deadline %s", r.deadline)
	case cmd.NewDeadline.Before(on):
		return nil, domain.Invalid("new_deadline", "must not be before the grant date %s", on)
	}
	if err := domain.CheckText("note", cmd.Note, MaxText, false); err != nil {
		return nil, err
	}
	return []domain.Event{ExtensionGranted{
		RectificationID: r.id, Unit: r.unit, PreviousDeadline: r.deadline, NewDeadline: cmd.NewDeadline,
		Note: cmd.Note, OccurredAt: at,
	}}, nil
}

// DenyExtensionCommand refuses the pending request.
type DenyExtensionCommand struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// DenyExtension refuses the pending request; the deadline stays.
func (r *Rectification) DenyExtension(cmd DenyExtensionCommand, meta domain.Meta) ([]domain.Event, error) {
	if _, err := r.decidable("deny an extension"); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ExtensionDenied{RectificationID: r.id, Unit: r.unit, Reason: cmd.Reason, OccurredAt: at}}, nil
}

// CancelCommand cancels a live item.
type CancelCommand struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Cancel cancels an item that is not closed. It needs a reason and an
// authenticated actor; whether the actor has the authority is checked by
// role before the command reaches the domain.
func (r *Rectification) Cancel(cmd CancelCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := r.can("cancel", StateOpen, StateInProgress, StateSubmitted); err != nil {
		return nil, err
	}
	if meta.Actor.ID == "" {
		return nil, fmt.Errorf("%s %s: cancel: %w", Entity, r.id, ErrNoActor)
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Cancelled{RectificationID: r.id, Unit: r.unit, Reason: cmd.Reason, OccurredAt: at}}, nil
}

// MarkDeadlineMissed is the system's check of the deadline. It returns one
// DeadlineMissed event if, at meta.Now, the deadline in force has been
// missed (00:00 of the next day in meta.Location()), the item is live and
// no miss of that deadline is on record; otherwise it returns no events and
// no error, so it can be run as often as wanted. An item with no history
// gives domain.ErrNotFound.
func (r *Rectification) MarkDeadlineMissed(meta domain.Meta) ([]domain.Event, error) {
	if !r.Exists() {
		return nil, fmt.Errorf("%s: %w", Entity, domain.ErrNotFound)
	}
	missed := r.deadline.MissedAt(meta.Location())
	if !r.state.Live() || meta.Now.Before(missed) || r.wasMissed(r.deadline) {
		return nil, nil
	}
	return []domain.Event{DeadlineMissed{
		RectificationID: r.id, Unit: r.unit, Deadline: r.deadline, MissedAt: missed.UTC(), State: r.state,
	}}, nil
}

// can checks that the item exists and is in one of the allowed states.
func (r *Rectification) can(command string, allowed ...State) error {
	if !r.Exists() {
		return fmt.Errorf("%s: %w", Entity, domain.ErrNotFound)
	}
	if slices.Contains(allowed, r.state) {
		return nil
	}
	return &domain.TransitionError{Entity: Entity, ID: r.id, From: r.state.String(), Command: command}
}

func (r *Rectification) refuse(command, reason string) error {
	return &domain.TransitionError{Entity: Entity, ID: r.id, From: r.state.String(), Command: command, Reason: reason}
}

// decidable returns the index of the pending request of a live item.
func (r *Rectification) decidable(command string) (int, error) {
	if err := r.can(command, StateOpen, StateInProgress, StateSubmitted); err != nil {
		return -1, err
	}
	i := r.pending()
	if i < 0 {
		return -1, r.refuse(command, "no extension request is pending")
	}
	return i, nil
}

func checkSource(s Source) error {
	if !s.Kind.Valid() {
		return domain.Invalid("source.kind", "must be review, inspection, evaluation or ranking")
	}
	if err := domain.CheckID("source.ref", s.Ref); err != nil {
		return err
	}
	switch s.Kind {
	case SourceReview, SourceInspection:
		if s.Item < 1 {
			return domain.Invalid("source.item", "must number the %s's shortcoming or finding, from 1", s.Kind)
		}
	default:
		if s.Item != 0 {
			return domain.Invalid("source.item", "must be empty for a %s", s.Kind)
		}
	}
	return nil
}

// SubmittedAt is the time of the latest submission for acceptance, zero if
// there was none.
func (r *Rectification) SubmittedAt() time.Time { return r.submittedAt }

// Plans counts the plans of measures filed.
func (r *Rectification) Plans() int { return r.plans }

// References are the responsible unit and the source that ordered the
// item: a finding of an inspection or a shortcoming of a review remark
// (which must exist and be in force), a survey or pledge evaluation, or a
// monthly ranking.
func (cmd OrderCommand) References() []domain.Ref {
	refs := []domain.Ref{{Field: "unit", Kind: domain.RefUnit, ID: cmd.Unit}}
	src := domain.Ref{Field: "source.ref", ID: cmd.Source.Ref, Item: cmd.Source.Item, ItemField: "source.item"}
	switch cmd.Source.Kind {
	case SourceInspection:
		src.Kind = domain.RefInspection
	case SourceReview:
		src.Kind = domain.RefReview
	case SourceEvaluation:
		src.Kind = domain.RefEvaluation
	case SourceRanking:
		src.Kind = domain.RefRanking
	default:
		return refs // the decision refuses the kind
	}
	return append(refs, src)
}
