package rectification

import (
	"time"

	"github.com/cxzy/ledger/domain"
)

// Source is what ordered a rectification. Ref is the id of the review
// remark, inspection, evaluation or ranking; Item is the 1-based number of
// the shortcoming within the remark, or of the finding within the
// inspection, and 0 for the other kinds.
type Source struct {
	Kind SourceKind `json:"kind"`
	Ref  string     `json:"ref"`
	Item int        `json:"item,omitempty"`
}

// The events of a rectification stream. Every payload names the item and
// its responsible unit; business times are UTC and deadlines are calendar
// dates. The actor is in the envelope; it is copied into a payload where a
// later rule needs it: the extension requester, the accepter, and By on
// every event of the work on the item (acknowledgement, plan, progress,
// submission), since separation of duty is decided on those principals.
// By is empty on events recorded before it was kept.

// Ordered records a new rectification item (责令整改). It is the first event
// of a stream.
type Ordered struct {
	RectificationID string      `json:"rectification_id"`
	Unit            string      `json:"unit"`   // responsible unit
	Person          string      `json:"person"` // responsible person
	Source          Source      `json:"source"`
	Requirement     string      `json:"requirement"`
	Deadline        domain.Date `json:"deadline"`
	OccurredAt      time.Time   `json:"occurred_at"`
}

// Acknowledged records that the responsible unit signed for the item (签收).
type Acknowledged struct {
	RectificationID string    `json:"rectification_id"`
	Unit            string    `json:"unit"`
	By              string    `json:"by,omitempty"` // the principal who recorded it
	OccurredAt      time.Time `json:"occurred_at"`
}

// PlanFiled records the unit's plan of measures (整改措施). A later plan
// supersedes an earlier one; both stay on record.
type PlanFiled struct {
	RectificationID string    `json:"rectification_id"`
	Unit            string    `json:"unit"`
	Measures        []string  `json:"measures"`
	By              string    `json:"by,omitempty"` // the principal who recorded it
	OccurredAt      time.Time `json:"occurred_at"`
}

// ProgressReported records interim progress on the item.
type ProgressReported struct {
	RectificationID string            `json:"rectification_id"`
	Unit            string            `json:"unit"`
	Note            string            `json:"note"`
	Evidence        []domain.Evidence `json:"evidence,omitempty"`
	By              string            `json:"by,omitempty"` // the principal who recorded it
	OccurredAt      time.Time         `json:"occurred_at"`
}

// Submitted records that the unit submitted the item for acceptance.
type Submitted struct {
	RectificationID string            `json:"rectification_id"`
	Unit            string            `json:"unit"`
	Summary         string            `json:"summary"`
	Evidence        []domain.Evidence `json:"evidence,omitempty"`
	By              string            `json:"by,omitempty"` // the principal who recorded it
	OccurredAt      time.Time         `json:"occurred_at"`
}

// Rejected records that a submission was not accepted; the item goes back
// to work and keeps its deadline.
type Rejected struct {
	RectificationID string    `json:"rectification_id"`
	Unit            string    `json:"unit"`
	Reason          string    `json:"reason"`
	OccurredAt      time.Time `json:"occurred_at"`
}

// Accepted records that the item was accepted and closed (销号). ClosedOn
// is the closing's calendar date in the deployment's zone and Deadline the
// deadline in force then, so on-time needs no zone later.
type Accepted struct {
	RectificationID string            `json:"rectification_id"`
	Unit            string            `json:"unit"`
	AcceptedBy      string            `json:"accepted_by"`
	Note            string            `json:"note,omitempty"`
	Evidence        []domain.Evidence `json:"evidence,omitempty"`
	ClosedOn        domain.Date       `json:"closed_on"`
	Deadline        domain.Date       `json:"deadline"`
	// EnteredLate is set when the acceptance reached the ledger after the
	// deadline in force had been missed, though its business time is
	// before it: on time on paper, entered late. Views that judge
	// timeliness show it.
	EnteredLate bool      `json:"entered_late,omitempty"`
	OccurredAt  time.Time `json:"occurred_at"`
}

// Reopened records that an accepted item was opened again (问题反弹). The
// earlier closing stays on record. Deadline is the new deadline, or zero
// if the deadline in force stays.
type Reopened struct {
	RectificationID string      `json:"rectification_id"`
	Unit            string      `json:"unit"`
	Reason          string      `json:"reason"`
	Deadline        domain.Date `json:"deadline,omitzero"`
	OccurredAt      time.Time   `json:"occurred_at"`
}

// ExtensionRequested records a request to move the deadline (申请延期),
// made before the deadline was missed. RequestedBy is kept because the
// requester may not grant it.
type ExtensionRequested struct {
	RectificationID string      `json:"rectification_id"`
	Unit            string      `json:"unit"`
	RequestedBy     string      `json:"requested_by"`
	Reasons         string      `json:"reasons"`
	Progress        string      `json:"progress"`
	Proposed        domain.Date `json:"proposed,omitzero"` // the date asked for, if any
	Deadline        domain.Date `json:"deadline"`          // the deadline in force when asked
	// EnteredLate is set when the request reached the ledger after the
	// deadline had been missed (a past quarter backfilled): it is judged
	// on its business time, and shown as entered late.
	EnteredLate bool      `json:"entered_late,omitempty"`
	OccurredAt  time.Time `json:"occurred_at"`
}

// ExtensionGranted records that the pending request was granted: the
// deadline moves from PreviousDeadline to NewDeadline.
type ExtensionGranted struct {
	RectificationID  string      `json:"rectification_id"`
	Unit             string      `json:"unit"`
	PreviousDeadline domain.Date `json:"previous_deadline"`
	NewDeadline      domain.Date `json:"new_deadline"`
	Note             string      `json:"note,omitempty"`
	OccurredAt       time.Time   `json:"occurred_at"`
}

// ExtensionDenied records that the pending request was refused.
type ExtensionDenied struct {
	RectificationID string    `json:"rectification_id"`
	Unit            string    `json:"unit"`
	Reason          string    `json:"reason"`
	OccurredAt      time.Time `json:"occurred_at"`
}

// Cancelled records that the item was cancelled, with the reason.
type Cancelled struct {
	RectificationID string    `json:"rectification_id"`
	Unit            string    `json:"unit"`
	Reason          string    `json:"reason"`
	OccurredAt      time.Time `json:"occurred_at"`
}

// DeadlineMissed is the system's record that a live item passed its
// deadline; it triggers escalation to the level above (逐级督办). It
// occurred at MissedAt; the envelope's recorded_at says when the ledger
// noticed. There is at most one per item and deadline.
type DeadlineMissed struct {
	RectificationID string      `json:"rectification_id"`
	Unit            string      `json:"unit"`
	Deadline        domain.Date `json:"deadline"`
	MissedAt        time.Time   `json:"missed_at"`
	State           State       `json:"state"` // the item's state when noticed
}

func (Ordered) EventType() string            { return "rectification.ordered" }
func (Acknowledged) EventType() string       { return "rectification.acknowledged" }
func (PlanFiled) EventType() string          { return "rectification.plan_filed" }
func (ProgressReported) EventType() string   { return "rectification.progress_reported" }
func (Submitted) EventType() string          { return "rectification.submitted" }
func (Rejected) EventType() string           { return "rectification.rejected" }
func (Accepted) EventType() string           { return "rectification.accepted" }
func (Reopened) EventType() string           { return "rectification.reopened" }
func (ExtensionRequested) EventType() string { return "rectification.extension_requested" }
func (ExtensionGranted) EventType() string   { return "rectification.extension_granted" }
func (ExtensionDenied) EventType() string    { return "rectification.extension_denied" }
func (Cancelled) EventType() string          { return "rectification.cancelled" }
func (DeadlineMissed) EventType() string     { return "rectification.deadline_missed" }

func (e Ordered) ScopeUnit() string            { return e.Unit }
func (e Acknowledged) ScopeUnit() string       { return e.Unit }
func (e PlanFiled) ScopeUnit() string          { return e.Unit }
func (e ProgressReported) ScopeUnit() string   { return e.Unit }
func (e Submitted) ScopeUnit() string          { return e.Unit }
func (e Rejected) ScopeUnit() string           { return e.Unit }
func (e Accepted) ScopeUnit() string           { return e.Unit }
func (e Reopened) ScopeUnit() string           { return e.Unit }
func (e ExtensionRequested) ScopeUnit() string { return e.Unit }
func (e ExtensionGranted) ScopeUnit() string   { return e.Unit }
func (e ExtensionDenied) ScopeUnit() string    { return e.Unit }
func (e Cancelled) ScopeUnit() string          { return e.Unit }
func (e DeadlineMissed) ScopeUnit() string     { return e.Unit }

func (e Ordered) OccurredTime() time.Time            { return e.OccurredAt }
func (e Acknowledged) OccurredTime() time.Time       { return e.OccurredAt }
func (e PlanFiled) OccurredTime() time.Time          { return e.OccurredAt }
func (e ProgressReported) OccurredTime() time.Time   { return e.OccurredAt }
func (e Submitted) OccurredTime() time.Time          { return e.OccurredAt }
func (e Rejected) OccurredTime() time.Time           { return e.OccurredAt }
func (e Accepted) OccurredTime() time.Time           { return e.OccurredAt }
func (e Reopened) OccurredTime() time.Time           { return e.OccurredAt }
func (e ExtensionRequested) OccurredTime() time.Time { return e.OccurredAt }
func (e ExtensionGranted) OccurredTime() time.Time   { return e.OccurredAt }
func (e ExtensionDenied) OccurredTime() time.Time    { return e.OccurredAt }
func (e Cancelled) OccurredTime() time.Time          { return e.OccurredAt }
func (e DeadlineMissed) OccurredTime() time.Time     { return e.MissedAt }

// Codecs lists every event type of a rectification stream at schema
// version 1.
func Codecs() []domain.Codec {
	return []domain.Codec{
		domain.JSONCodec[Ordered](1),
		domain.JSONCodec[Acknowledged](1),
		domain.JSONCodec[PlanFiled](1),
		domain.JSONCodec[ProgressReported](1),
		domain.JSONCodec[Submitted](1),
		domain.JSONCodec[Rejected](1),
		domain.JSONCodec[Accepted](1),
		domain.JSONCodec[Reopened](1),
		domain.JSONCodec[ExtensionRequested](1),
		domain.JSONCodec[ExtensionGranted](1),
		domain.JSONCodec[ExtensionDenied](1),
		domain.JSONCodec[Cancelled](1),
		domain.JSONCodec[DeadlineMissed](1),
	}
}
