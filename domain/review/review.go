// Package review holds review remarks (点评): what a reviewer found wanting
// in a unit or a member (缺点和不足) and the improvement measures proposed
// (改进措施). Both are lists, so they can be counted. A remark is recorded
// once; a mistake is fixed by a correction that replaces the content and
// points at the event it fixes, or by a retraction with a reason. Nothing
// recorded is ever changed.
package review

import (
	"fmt"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Entity is the name of a review remark in streams and errors.
const Entity = "review"

// maxItems bounds the shortcomings and the measures of one remark.
const maxItems = 100

// Stream is the stream of one review remark.
func Stream(id string) string { return "review-" + id }

// Codecs lists every event type of the package at its current schema
// version.
func Codecs() []domain.Codec {
	return []domain.Codec{
		domain.JSONCodec[Recorded](1),
		domain.JSONCodec[Corrected](1),
		domain.JSONCodec[Retracted](1),
	}
}

// Shortcoming is one shortcoming found (缺点和不足). One that orders a
// rectification is the source the rectification refers to, by the review
// and the shortcoming's position (1-based) in the list in force.
type Shortcoming struct {
	Text                string `json:"text"`
	OrdersRectification bool   `json:"orders_rectification,omitempty"`
}

// Content is what a remark says; a correction replaces all of it.
type Content struct {
	Remark       string        `json:"remark,omitempty"` // the remark's general text, optional
	Shortcomings []Shortcoming `json:"shortcomings,omitempty"`
	Measures     []string      `json:"measures,omitempty"`
}

// Record is the command that records a review remark.
type Record struct {
	Form     Form    `json:"form"`
	Subject  Subject `json:"subject"`
	UnitID   string  `json:"unit_id"`   // the unit reviewed, or the reviewed member's unit
	MemberID string  `json:"member_id"` // the member reviewed; empty for a unit
	Reviewer string  `json:"reviewer"`  // who gave the remark, as named in the minutes
	// Quarter is the campaign quarter the remark counts toward (一季一点评);
	// zero means the quarter it occurred in, in the deployment's zone.
	Quarter    domain.Quarter `json:"quarter"`
	Content                   // remark, shortcomings, measures
	OccurredAt time.Time      `json:"occurred_at"`
}

// Correct is the command that replaces a remark's content.
type Correct struct {
	Content
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Retract is the command that withdraws a remark.
type Retract struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Recorded records a review remark.
type Recorded struct {
	ReviewID   string         `json:"review_id"`
	Form       Form           `json:"form"`
	Subject    Subject        `json:"subject"`
	UnitID     string         `json:"unit_id"`
	MemberID   string         `json:"member_id,omitempty"`
	Reviewer   string         `json:"reviewer"`
	Quarter    domain.Quarter `json:"quarter"`
	Content                   // remark, shortcomings, measures
	OccurredAt time.Time      `json:"occurred_at"`
}

// Corrected replaces the content of a remark. Corrects is the stream
// version of the event whose content it replaces (the record or an earlier
// correction); that event stays on record.
type Corrected struct {
	ReviewID   string    `json:"review_id"`
	UnitID     string    `json:"unit_id"`
	Content              // remark, shortcomings, measures
	Reason     string    `json:"reason"`
	Corrects   uint64    `json:"corrects_version"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Retracted withdraws a remark: it no longer counts.
type Retracted struct {
	ReviewID   string    `json:"review_id"`
	UnitID     string    `json:"unit_id"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

func (Recorded) EventType() string  { return "review.recorded" }
func (Corrected) EventType() string { return "review.corrected" }
func (Retracted) EventType() string { return "review.retracted" }

func (e Recorded) ScopeUnit() string  { return e.UnitID }
func (e Corrected) ScopeUnit() string { return e.UnitID }
func (e Retracted) ScopeUnit() string { return e.UnitID }

func (e Recorded) OccurredTime() time.Time  { return e.OccurredAt }
func (e Corrected) OccurredTime() time.Time { return e.OccurredAt }
func (e Retracted) OccurredTime() time.Time { return e.OccurredAt }

// ShortcomingCount is the number of shortcomings found (查找缺点和不足…条).
func (c Content) ShortcomingCount() int { return len(c.Shortcomings) }

// MeasureCount is the number of measures proposed (提出改进措施…条).
func (c Content) MeasureCount() int { return len(c.Measures) }

// RectificationsOrdered is the number of shortcomings that order a
// rectification.
func (c Content) RectificationsOrdered() int {
	n := 0
	for _, s := range c.Shortcomings {
		if s.OrdersRectification {
			n++
		}
	}
	return n
}

// clean trims and checks content; a remark must say something.
func (c Content) clean() (Content, error) {
	var out Content
	var err error
	if out.Remark, err = domain.OptionalText("remark", c.Remark, domain.MaxTextRunes); err != nil {
		return Content{}, err
	}
	if len(c.Shortcomings) > maxItems {
		return Content{}, domain.Invalid("shortcomings", "must list at most %d items", maxItems)
	}
	for i, s := range c.Shortcomings {
		text, err := domain.CleanText(fmt.Sprintf("shortcomings[%d].text", i), s.Text, domain.MaxTextRunes)
		if err != nil {
			return Content{}, err
		}
		out.Shortcomings = append(out.Shortcomings, Shortcoming{Text: text, OrdersRectification: s.OrdersRectification})
	}
	if len(c.Measures) > maxItems {
		return Content{}, domain.Invalid("measures", "must list at most %d items", maxItems)
	}
	for i, m := range c.Measures {
		text, err := domain.CleanText(fmt.Sprintf("measures[%d]", i), m, domain.MaxTextRunes)
		if err != nil {
			return Content{}, err
		}
		out.Measures = append(out.Measures, text)
	}
	if out.Remark == "" && len(out.Shortcomings) == 0 && len(out.Measures) == 0 {
		return Content{}, domain.Invalid("shortcomings", "a remark must give a text, a shortcoming or a measure")
	}
	return out, nil
}

func (c Content) equal(o Content) bool {
	if c.Remark != o.Remark || len(c.Shortcomings) != len(o.Shortcomings) || len(c.Measures) != len(o.Measures) {
		return false
	}
	for i := range c.Shortcomings {
		if c.Shortcomings[i] != o.Shortcomings[i] {
			return false
		}
	}
	for i := range c.Measures {
		if c.Measures[i] != o.Measures[i] {
			return false
		}
	}
	return true
}

// New records a review remark.
func New(id string, cmd Record, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("review_id", id); err != nil {
		return nil, err
	}
	if !cmd.Form.Valid() {
		return nil, domain.Invalid("form", "must be one of meeting, talk, on_site, written, random")
	}
	if !cmd.Subject.Valid() {
		return nil, domain.Invalid("subject", "must be unit or member")
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	switch cmd.Subject {
	case SubjectMember:
		if err := domain.CheckID("member_id", cmd.MemberID); err != nil {
			return nil, err
		}
	case SubjectUnit:
		if cmd.MemberID != "" {
			return nil, domain.Invalid("member_id", "must be empty for a remark on a unit")
		}
	}
	reviewer, err := domain.CleanName("reviewer", cmd.Reviewer)
	if err != nil {
		return nil, err
	}
	content, err := cmd.Content.clean()
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	q := cmd.Quarter
	if q.IsZero() {
		q = domain.QuarterOf(at.In(meta.Location()))
	} else if err := domain.CheckQuarter("quarter", q); err != nil {
		return nil, err
	}
	return []domain.Event{Recorded{
		ReviewID: id, Form: cmd.Form, Subject: cmd.Subject, UnitID: cmd.UnitID, MemberID: cmd.MemberID,
		Reviewer: reviewer, Quarter: q, Content: content, OccurredAt: at,
	}}, nil
}

// Review is a review remark rebuilt from its stream.
type Review struct {
	ID       string
	Form     Form
	Subject  Subject
	UnitID   string
	MemberID string
	Reviewer string
	Quarter  domain.Quarter
	Content  // in force
	// InForce is the stream version of the event whose content is in force.
	InForce     uint64
	Corrections int
	Retracted   bool
	Version     uint64 // events applied, so the stream version of the last one
}

// Exists reports whether the remark has been recorded.
func (r *Review) Exists() bool { return r.ID != "" }

// State names the remark's state: "recorded", "corrected" or "retracted".
func (r *Review) State() string {
	switch {
	case r.Retracted:
		return "retracted"
	case r.Corrections > 0:
		return "corrected"
	}
	return "recorded"
}

func (r *Review) live(command string) error {
	if !r.Exists() {
		return domain.ErrNotFound
	}
	if r.Retracted {
		return &domain.TransitionError{Entity: Entity, ID: r.ID, From: r.State(), Command: command}
	}
	return nil
}

// Correct replaces the remark's content. A correction that changes
// nothing is refused.
func (r *Review) Correct(cmd Correct, meta domain.Meta) ([]domain.Event, error) {
	if err := r.live("correct"); err != nil {
		return nil, err
	}
	content, err := cmd.Content.clean()
	if err != nil {
		return nil, err
	}
	if content.equal(r.Content) {
		return nil, domain.Invalid("shortcomings", "the correction changes nothing")
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Corrected{ReviewID: r.ID, UnitID: r.UnitID, Content: content, Reason: reason, Corrects: r.InForce, OccurredAt: at}}, nil
}

// Retract withdraws the remark; a reason is required.
func (r *Review) Retract(cmd Retract, meta domain.Meta) ([]domain.Event, error) {
	if err := r.live("retract"); err != nil {
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
	return []domain.Event{Retracted{ReviewID: r.ID, UnitID: r.UnitID, Reason: reason, OccurredAt: at}}, nil
}

// Apply rebuilds the remark from one of its events; others are ignored.
func (r *Review) Apply(e domain.Event) {
	r.Version++
	switch e := e.(type) {
	case Recorded:
		r.ID, r.Form, r.Subject, r.UnitID, r.MemberID = e.ReviewID, e.Form, e.Subject, e.UnitID, e.MemberID
		r.Reviewer, r.Quarter, r.Content = e.Reviewer, e.Quarter, e.Content
		r.InForce = r.Version
	case Corrected:
		r.Content = e.Content
		r.Corrections++
		r.InForce = r.Version
	case Retracted:
		r.Retracted = true
	}
}

// References: the unit reviewed and, for a member, the member, who must
// belong to that unit when the remark was made.
func (cmd Record) References() []domain.Ref {
	refs := []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
	if cmd.MemberID != "" {
		refs = append(refs, domain.Ref{Field: "member_id", Kind: domain.RefMember, ID: cmd.MemberID, InUnit: cmd.UnitID})
	}
	return refs
}
