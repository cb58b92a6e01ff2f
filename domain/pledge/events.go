package pledge

import (
	"time"

	"github.com/cxzy/ledger/domain"
)

// The events of a pledge stream. Every payload names the pledge and the
// unit it concerns (a member's pledge concerns the member's unit); business
// times are UTC. The actor who decided is in the envelope; By, on the
// maker's own events (submission, revision, reports, fulfilment), copies it
// into the payload because separation of duty is decided on it: the maker
// may not vet, file or evaluate its own pledge. By is empty on events
// recorded before it was kept.

// Submitted records a new pledge (承诺). It is the first event of a stream.
type Submitted struct {
	PledgeID   string         `json:"pledge_id"`
	Maker      Maker          `json:"maker"`
	Unit       string         `json:"unit"`
	Member     string         `json:"member,omitempty"`
	Quarter    domain.Quarter `json:"quarter"`
	Category   Category       `json:"category"`
	Title      string         `json:"title"`
	Content    string         `json:"content"`
	By         string         `json:"by,omitempty"`
	OccurredAt time.Time      `json:"occurred_at"`
}

// Returned records that the superior unit sent the pledge back for revision.
type Returned struct {
	PledgeID   string    `json:"pledge_id"`
	Unit       string    `json:"unit"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Revised records a returned pledge submitted again with new wording; it is
// waiting to be vetted again.
type Revised struct {
	PledgeID   string    `json:"pledge_id"`
	Unit       string    `json:"unit"`
	Category   Category  `json:"category"`
	Title      string    `json:"title"`
	Content    string    `json:"content"`
	By         string    `json:"by,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Filed records that the superior unit vetted and filed the pledge (把关备案).
type Filed struct {
	PledgeID   string    `json:"pledge_id"`
	Unit       string    `json:"unit"`
	Note       string    `json:"note,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Disclosed records that the pledge was made public (公开承诺).
type Disclosed struct {
	PledgeID   string    `json:"pledge_id"`
	Unit       string    `json:"unit"`
	Channel    string    `json:"channel,omitempty"` // notice board, website, ...
	OccurredAt time.Time `json:"occurred_at"`
}

// Withdrawn records that the maker withdrew the pledge before it was filed.
type Withdrawn struct {
	PledgeID   string    `json:"pledge_id"`
	Unit       string    `json:"unit"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// ProgressReported records a fulfilment progress report (践诺). ReportID
// names the report within the pledge; corrections and retractions point at
// it. The write path sets it to the id of the event that records the
// report (event ids are deterministic from command ids), so a fix points
// at the event it fixes.
type ProgressReported struct {
	PledgeID   string            `json:"pledge_id"`
	Unit       string            `json:"unit"`
	ReportID   string            `json:"report_id"`
	Percent    int               `json:"percent"`
	Narrative  string            `json:"narrative"`
	Evidence   []domain.Evidence `json:"evidence,omitempty"`
	By         string            `json:"by,omitempty"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// ReportCorrected replaces the percent, narrative and evidence of an
// earlier progress report. The report keeps its place and its original
// time; the mistaken version stays in the stream.
type ReportCorrected struct {
	PledgeID   string            `json:"pledge_id"`
	Unit       string            `json:"unit"`
	ReportID   string            `json:"report_id"` // the report corrected
	Percent    int               `json:"percent"`
	Narrative  string            `json:"narrative"`
	Evidence   []domain.Evidence `json:"evidence,omitempty"`
	Reason     string            `json:"reason"`
	By         string            `json:"by,omitempty"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// ReportRetracted withdraws an earlier progress report that should not
// have been made. It no longer counts towards progress.
type ReportRetracted struct {
	PledgeID   string    `json:"pledge_id"`
	Unit       string    `json:"unit"`
	ReportID   string    `json:"report_id"` // the report retracted
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Fulfilled records that the pledge was kept (已兑现).
type Fulfilled struct {
	PledgeID   string            `json:"pledge_id"`
	Unit       string            `json:"unit"`
	Narrative  string            `json:"narrative"`
	Evidence   []domain.Evidence `json:"evidence,omitempty"`
	By         string            `json:"by,omitempty"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// Lapsed records that the pledge's period ended without fulfilment, with
// an explanation or without one (an empty Explanation).
type Lapsed struct {
	PledgeID    string    `json:"pledge_id"`
	Unit        string    `json:"unit"`
	Explanation string    `json:"explanation,omitempty"`
	OccurredAt  time.Time `json:"occurred_at"`
}

// Evaluated records one evaluator kind's verdict on the pledge (评诺). A
// second verdict of the same kind replaces the first (Replaces is true and
// Reason says why); the first stays on record.
type Evaluated struct {
	PledgeID    string    `json:"pledge_id"`
	Unit        string    `json:"unit"`
	Evaluator   Evaluator `json:"evaluator"`
	Grade       Grade     `json:"grade"`
	Score       float64   `json:"score"`                 // 0..100
	Respondents int       `json:"respondents,omitempty"` // how many took part, if counted
	Replaces    bool      `json:"replaces,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	OccurredAt  time.Time `json:"occurred_at"`
}

func (Submitted) EventType() string        { return "pledge.submitted" }
func (Returned) EventType() string         { return "pledge.returned" }
func (Revised) EventType() string          { return "pledge.revised" }
func (Filed) EventType() string            { return "pledge.filed" }
func (Disclosed) EventType() string        { return "pledge.disclosed" }
func (Withdrawn) EventType() string        { return "pledge.withdrawn" }
func (ProgressReported) EventType() string { return "fulfilment.progress_reported" }
func (ReportCorrected) EventType() string  { return "fulfilment.report_corrected" }
func (ReportRetracted) EventType() string  { return "fulfilment.report_retracted" }
func (Fulfilled) EventType() string        { return "fulfilment.fulfilled" }
func (Lapsed) EventType() string           { return "fulfilment.lapsed" }
func (Evaluated) EventType() string        { return "pledge.evaluated" }

func (e Submitted) ScopeUnit() string        { return e.Unit }
func (e Returned) ScopeUnit() string         { return e.Unit }
func (e Revised) ScopeUnit() string          { return e.Unit }
func (e Filed) ScopeUnit() string            { return e.Unit }
func (e Disclosed) ScopeUnit() string        { return e.Unit }
func (e Withdrawn) ScopeUnit() string        { return e.Unit }
func (e ProgressReported) ScopeUnit() string { return e.Unit }
func (e ReportCorrected) ScopeUnit() string  { return e.Unit }
func (e ReportRetracted) ScopeUnit() string  { return e.Unit }
func (e Fulfilled) ScopeUnit() string        { return e.Unit }
func (e Lapsed) ScopeUnit() string           { return e.Unit }
func (e Evaluated) ScopeUnit() string        { return e.Unit }

func (e Submitted) OccurredTime() time.Time        { return e.OccurredAt }
func (e Returned) OccurredTime() time.Time         { return e.OccurredAt }
func (e Revised) OccurredTime() time.Time          { return e.OccurredAt }
func (e Filed) OccurredTime() time.Time            { return e.OccurredAt }
func (e Disclosed) OccurredTime() time.Time        { return e.OccurredAt }
func (e Withdrawn) OccurredTime() time.Time        { return e.OccurredAt }
func (e ProgressReported) OccurredTime() time.Time { return e.OccurredAt }
func (e ReportCorrected) OccurredTime() time.Time  { return e.OccurredAt }
func (e ReportRetracted) OccurredTime() time.Time  { return e.OccurredAt }
func (e Fulfilled) OccurredTime() time.Time        { return e.OccurredAt }
func (e Lapsed) OccurredTime() time.Time           { return e.OccurredAt }
func (e Evaluated) OccurredTime() time.Time        { return e.OccurredAt }

// Codecs lists every event type of a pledge stream at schema version 1.
func Codecs() []domain.Codec {
	return []domain.Codec{
		domain.JSONCodec[Submitted](1),
		domain.JSONCodec[Returned](1),
		domain.JSONCodec[Revised](1),
		domain.JSONCodec[Filed](1),
		domain.JSONCodec[Disclosed](1),
		domain.JSONCodec[Withdrawn](1),
		domain.JSONCodec[ProgressReported](1),
		domain.JSONCodec[ReportCorrected](1),
		domain.JSONCodec[ReportRetracted](1),
		domain.JSONCodec[Fulfilled](1),
		domain.JSONCodec[Lapsed](1),
		domain.JSONCodec[Evaluated](1),
	}
}
