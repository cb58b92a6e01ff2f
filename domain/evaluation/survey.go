package evaluation

import (
	"time"

	"github.com/cxzy/ledger/domain"
)

// maxRespondents bounds one survey; a district has far fewer residents.
const maxRespondents = 10_000_000

// Counts is how many respondents gave each answer.
type Counts struct {
	VerySatisfied      int `json:"very_satisfied"`      // 非常满意
	Satisfied          int `json:"satisfied"`           // 满意
	BasicallySatisfied int `json:"basically_satisfied"` // 基本满意
	Dissatisfied       int `json:"dissatisfied"`        // 不满意
}

// Total is the number of respondents.
func (c Counts) Total() int {
	return c.VerySatisfied + c.Satisfied + c.BasicallySatisfied + c.Dissatisfied
}

// Rate is the satisfaction rate (满意率), a fraction in [0, 1]:
//
//	(very_satisfied + satisfied + basically_satisfied) / total
//
// that is, everyone who did not answer "dissatisfied", over everyone who
// answered. "Basically satisfied" counts as satisfied, as the campaign's
// surveys report it. ok is false when nobody answered.
func (c Counts) Rate() (rate float64, ok bool) {
	total := c.Total()
	if total <= 0 {
		return 0, false
	}
	return float64(c.VerySatisfied+c.Satisfied+c.BasicallySatisfied) / float64(total), true
}

func (c Counts) check() error {
	for _, f := range []struct {
		field string
		n     int
	}{
		{"very_satisfied", c.VerySatisfied},
		{"satisfied", c.Satisfied},
		{"basically_satisfied", c.BasicallySatisfied},
		{"dissatisfied", c.Dissatisfied},
	} {
		if f.n < 0 || f.n > maxRespondents {
			return domain.Invalid(f.field, "must be between 0 and %d", maxRespondents)
		}
	}
	if c.Total() == 0 {
		return domain.Invalid("very_satisfied", "a survey needs at least one respondent")
	}
	if c.Total() > maxRespondents {
		return domain.Invalid("dissatisfied", "respondents must total at most %d", maxRespondents)
	}
	return nil
}

// RecordSurvey is the command that records a survey's result.
type RecordSurvey struct {
	UnitID     string    `json:"unit_id"`
	Period     Period    `json:"period"`
	Counts               // respondents by answer
	OccurredAt time.Time `json:"occurred_at"`
}

// CorrectSurvey is the command that replaces a survey's counts.
type CorrectSurvey struct {
	Counts
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// SurveyRecorded records a satisfaction survey of a unit for a period.
type SurveyRecorded struct {
	SurveyID string `json:"survey_id"`
	UnitID   string `json:"unit_id"`
	Period   Period `json:"period"`
	Counts
	OccurredAt time.Time `json:"occurred_at"`
}

// SurveyCorrected replaces a survey's counts; Corrects is the stream
// version of the event whose counts it replaces.
type SurveyCorrected struct {
	SurveyID string `json:"survey_id"`
	UnitID   string `json:"unit_id"`
	Counts
	Reason     string    `json:"reason"`
	Corrects   uint64    `json:"corrects_version"`
	OccurredAt time.Time `json:"occurred_at"`
}

func (SurveyRecorded) EventType() string  { return "survey.recorded" }
func (SurveyCorrected) EventType() string { return "survey.corrected" }

func (e SurveyRecorded) ScopeUnit() string  { return e.UnitID }
func (e SurveyCorrected) ScopeUnit() string { return e.UnitID }

func (e SurveyRecorded) OccurredTime() time.Time  { return e.OccurredAt }
func (e SurveyCorrected) OccurredTime() time.Time { return e.OccurredAt }

// NewSurvey records a survey's result.
func NewSurvey(id string, cmd RecordSurvey, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("survey_id", id); err != nil {
		return nil, err
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if !cmd.Period.Valid() {
		return nil, domain.Invalid("period", "must be a year, quarter or month such as 2011Q3")
	}
	if err := cmd.Counts.check(); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{SurveyRecorded{SurveyID: id, UnitID: cmd.UnitID, Period: cmd.Period, Counts: cmd.Counts, OccurredAt: at}}, nil
}

// Survey is a satisfaction survey rebuilt from its stream.
type Survey struct {
	ID          string
	UnitID      string
	Period      Period
	Counts             // in force
	InForce     uint64 // stream version of the event whose counts are in force
	Corrections int
	Version     uint64 // events applied, so the stream version of the last one
}

// Exists reports whether the survey has been recorded.
func (s *Survey) Exists() bool { return s.ID != "" }

// Correct replaces the survey's counts; a reason is required.
func (s *Survey) Correct(cmd CorrectSurvey, meta domain.Meta) ([]domain.Event, error) {
	if !s.Exists() {
		return nil, domain.ErrNotFound
	}
	if err := cmd.Counts.check(); err != nil {
		return nil, err
	}
	if cmd.Counts == s.Counts {
		return nil, domain.Invalid("very_satisfied", "the correction changes nothing")
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{SurveyCorrected{SurveyID: s.ID, UnitID: s.UnitID, Counts: cmd.Counts, Reason: reason, Corrects: s.InForce, OccurredAt: at}}, nil
}

// Apply rebuilds the survey from one of its events; others are ignored.
func (s *Survey) Apply(e domain.Event) {
	s.Version++
	switch e := e.(type) {
	case SurveyRecorded:
		s.ID, s.UnitID, s.Period, s.Counts = e.SurveyID, e.UnitID, e.Period, e.Counts
		s.InForce = s.Version
	case SurveyCorrected:
		s.Counts = e.Counts
		s.Corrections++
		s.InForce = s.Version
	}
}

// References: the unit surveyed.
func (cmd RecordSurvey) References() []domain.Ref {
	return []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
}
