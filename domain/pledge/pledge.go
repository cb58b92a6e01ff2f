// Package pledge is the Pledge aggregate (承诺): a unit's or a member's
// pledge for a quarter, its vetting and filing, its fulfilment reports
// (践诺) and its evaluation (评诺). One stream holds one pledge.
//
// Creation is Submit; every later decision is a method on *Pledge that
// returns the events to record. Apply rebuilds the state from history and
// never rejects it.
package pledge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Entity names the aggregate in errors and stream names.
const Entity = "pledge"

// Stream returns the name of the stream that holds pledge id.
func Stream(id string) string { return Entity + "-" + id }

// Limits on free text, in characters.
const (
	MaxTitle = 200
	MaxText  = 4000 // content, narratives, reasons, explanations
	MaxID    = 128
)

// ErrPeriodNotEnded is returned when a pledge is declared unfulfilled
// before the end of its quarter.
var ErrPeriodNotEnded = errors.New("pledge period has not ended")

// Report is a progress report as it stands after corrections.
type Report struct {
	ID            string
	Percent       int
	Narrative     string
	Evidence      []domain.Evidence
	ReportedAt    time.Time
	Corrections   int       // how many times it was corrected
	CorrectedAt   time.Time // time of the last correction, zero if none
	Retracted     bool
	RetractedAt   time.Time
	RetractReason string
}

// Pledge is the state of one pledge rebuilt from its stream. The zero
// value is a pledge with no history.
type Pledge struct {
	id          string
	state       State
	maker       Maker
	unit        string
	member      string
	quarter     domain.Quarter
	category    Category
	title       string
	content     string
	submittedAt time.Time
	returns     int
	lastReturn  string
	filedAt     time.Time
	disclosedAt time.Time
	reports     []Report
	fulfilledAt time.Time
	lapsedAt    time.Time
	explanation string
	ratings     []Rating
	authors     []string // principals who submitted, revised, reported on or fulfilled it
}

var _ domain.Aggregate = (*Pledge)(nil)

// ID returns the pledge id, empty for a pledge with no history.
func (p *Pledge) ID() string { return p.id }

// Exists reports whether the pledge has history.
func (p *Pledge) Exists() bool { return p.id != "" }

// State returns the current state; zero (invalid) if there is no history.
func (p *Pledge) State() State { return p.state }

// Maker says whether a unit or a member made the pledge.
func (p *Pledge) Maker() Maker { return p.maker }

// Unit is the pledging unit, or the member's unit.
func (p *Pledge) Unit() string { return p.unit }

// Member is the pledging member, empty for a unit's pledge.
func (p *Pledge) Member() string { return p.member }

// Quarter is the period the pledge is for.
func (p *Pledge) Quarter() domain.Quarter { return p.quarter }

// Category is what the pledge is about.
func (p *Pledge) Category() Category { return p.category }

// Title and Content are the pledge's current wording.
func (p *Pledge) Title() string   { return p.title }
func (p *Pledge) Content() string { return p.content }

// SubmittedAt is when the pledge was first submitted.
func (p *Pledge) SubmittedAt() time.Time { return p.submittedAt }

// Returns counts how many times the pledge was sent back for revision;
// LastReturnReason is the reason given the last time.
func (p *Pledge) Returns() int             { return p.returns }
func (p *Pledge) LastReturnReason() string { return p.lastReturn }

// FiledAt and DisclosedAt are zero until those steps happen.
func (p *Pledge) FiledAt() time.Time     { return p.filedAt }
func (p *Pledge) DisclosedAt() time.Time { return p.disclosedAt }

// Reports returns the progress reports in the order made, retracted ones
// included (marked).
func (p *Pledge) Reports() []Report {
	out := slices.Clone(p.reports)
	for i := range out {
		out[i].Evidence = slices.Clone(out[i].Evidence)
	}
	return out
}

// LiveReports is the number of progress reports not retracted: the
// count of Reports without a retracted mark, without copying them.
func (p *Pledge) LiveReports() int {
	n := 0
	for _, r := range p.reports {
		if !r.Retracted {
			n++
		}
	}
	return n
}

// Progress is the percent of the latest report that was not retracted,
// 100 once fulfilled, and 0 if there is none.
func (p *Pledge) Progress() int {
	if p.state == StateFulfilled || !p.fulfilledAt.IsZero() {
		return 100
	}
	for i := len(p.reports) - 1; i >= 0; i-- {
		if !p.reports[i].Retracted {
			return p.reports[i].Percent
		}
	}
	return 0
}

// FulfilledAt is when the pledge was fulfilled, zero if it was not.
func (p *Pledge) FulfilledAt() time.Time { return p.fulfilledAt }

// LapsedAt is when the pledge was declared unfulfilled, zero if it was
// not; Explanation is the reason given, empty if none was.
func (p *Pledge) LapsedAt() time.Time { return p.lapsedAt }
func (p *Pledge) Explanation() string { return p.explanation }

// Ratings returns the current verdict of each evaluator kind that rated.
func (p *Pledge) Ratings() []Rating { return slices.Clone(p.ratings) }

// Evaluation combines the ratings with the given weights (see Combine).
func (p *Pledge) Evaluation(w Weights) (Combined, bool) { return Combine(p.ratings, w) }

// Authors returns the principals who made the pledge or reported on it:
// they may not vet, file or evaluate it.
func (p *Pledge) Authors() []string { return slices.Clone(p.authors) }

func (p *Pledge) wrote(by string) {
	if by != "" && !slices.Contains(p.authors, by) {
		p.authors = append(p.authors, by)
	}
}

// notAuthor refuses a decision on the pledge by one of its authors.
func (p *Pledge) notAuthor(command string, meta domain.Meta) error {
	if slices.Contains(p.authors, meta.Actor.ID) {
		return fmt.Errorf("%s %s: %w: %s made or reported on this pledge and may not %s it", Entity, p.id, domain.ErrSeparationOfDuty, meta.Actor.ID, command)
	}
	return nil
}

// Apply rebuilds the state from one recorded event. Events of another
// pledge, events out of place and unknown events are ignored.
func (p *Pledge) Apply(e domain.Event) {
	if s, ok := e.(Submitted); ok {
		if p.id != "" || s.PledgeID == "" {
			return
		}
		*p = Pledge{
			id: s.PledgeID, state: StateSubmitted, maker: s.Maker, unit: s.Unit, member: s.Member,
			quarter: s.Quarter, category: s.Category, title: s.Title, content: s.Content,
			submittedAt: s.OccurredAt,
		}
		p.wrote(s.By)
		return
	}
	if p.id == "" {
		return
	}
	switch e := e.(type) {
	case Returned:
		if e.PledgeID == p.id {
			p.state = StateReturned
			p.returns++
			p.lastReturn = e.Reason
		}
	case Revised:
		if e.PledgeID == p.id {
			p.state = StateSubmitted
			p.category, p.title, p.content = e.Category, e.Title, e.Content
			p.wrote(e.By)
		}
	case Filed:
		if e.PledgeID == p.id {
			p.state = StateFiled
			p.filedAt = e.OccurredAt
		}
	case Disclosed:
		if e.PledgeID == p.id {
			p.state = StateDisclosed
			p.disclosedAt = e.OccurredAt
		}
	case Withdrawn:
		if e.PledgeID == p.id {
			p.state = StateWithdrawn
		}
	case ProgressReported:
		if e.PledgeID == p.id && p.report(e.ReportID) < 0 {
			p.reports = append(p.reports, Report{
				ID: e.ReportID, Percent: e.Percent, Narrative: e.Narrative,
				Evidence: slices.Clone(e.Evidence), ReportedAt: e.OccurredAt,
			})
			if p.state == StateDisclosed || p.state == StateFiled {
				p.state = StateInProgress
			}
			p.wrote(e.By)
		}
	case ReportCorrected:
		if i := p.report(e.ReportID); e.PledgeID == p.id && i >= 0 {
			r := &p.reports[i]
			r.Percent, r.Narrative, r.Evidence = e.Percent, e.Narrative, slices.Clone(e.Evidence)
			r.Corrections++
			r.CorrectedAt = e.OccurredAt
			p.wrote(e.By)
		}
	case ReportRetracted:
		if i := p.report(e.ReportID); e.PledgeID == p.id && i >= 0 {
			r := &p.reports[i]
			r.Retracted, r.RetractedAt, r.RetractReason = true, e.OccurredAt, e.Reason
		}
	case Fulfilled:
		if e.PledgeID == p.id {
			p.state = StateFulfilled
			p.fulfilledAt = e.OccurredAt
			p.wrote(e.By)
		}
	case Lapsed:
		if e.PledgeID == p.id {
			p.state = StateLapsed
			p.lapsedAt = e.OccurredAt
			p.explanation = e.Explanation
		}
	case Evaluated:
		if e.PledgeID == p.id {
			p.state = StateEvaluated
			r := Rating{Evaluator: e.Evaluator, Grade: e.Grade, Score: e.Score, Respondents: e.Respondents, At: e.OccurredAt}
			if i := slices.IndexFunc(p.ratings, func(x Rating) bool { return x.Evaluator == e.Evaluator }); i >= 0 {
				r.Replaced = p.ratings[i].Replaced + 1
				p.ratings[i] = r
			} else {
				p.ratings = append(p.ratings, r)
			}
		}
	}
}

func (p *Pledge) report(id string) int {
	return slices.IndexFunc(p.reports, func(r Report) bool { return r.ID == id })
}

// SubmitCommand asks to record a new pledge.
type SubmitCommand struct {
	Maker      Maker          `json:"maker"`
	Unit       string         `json:"unit"`   // the pledging unit, or the member's unit
	Member     string         `json:"member"` // required for a member's pledge, empty for a unit's
	Quarter    domain.Quarter `json:"quarter"`
	Category   Category       `json:"category"`
	Title      string         `json:"title"`
	Content    string         `json:"content"`
	OccurredAt time.Time      `json:"occurred_at"` // zero: meta.Now
}

// Submit validates a new pledge and returns the event that records it.
// Whether the stream is new is for the caller (or Pledge.Submit) to check.
func Submit(id string, cmd SubmitCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("id", id); err != nil {
		return nil, err
	}
	if !cmd.Maker.Valid() {
		return nil, domain.Invalid("maker", "must be unit or member")
	}
	if err := domain.CheckID("unit", cmd.Unit); err != nil {
		return nil, err
	}
	switch {
	case cmd.Maker == MakerMember:
		if err := domain.CheckID("member", cmd.Member); err != nil {
			return nil, err
		}
	case cmd.Member != "":
		return nil, domain.Invalid("member", "must be empty for a unit's pledge")
	}
	if cmd.Quarter.IsZero() {
		return nil, domain.Invalid("quarter", "is required")
	}
	if err := domain.CheckQuarter("quarter", cmd.Quarter); err != nil {
		return nil, err
	}
	if err := checkCategory(cmd.Category, cmd.Maker); err != nil {
		return nil, err
	}
	if err := domain.CheckText("title", cmd.Title, MaxTitle, true); err != nil {
		return nil, err
	}
	if err := domain.CheckText("content", cmd.Content, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Submitted{
		PledgeID: id, Maker: cmd.Maker, Unit: cmd.Unit, Member: cmd.Member, Quarter: cmd.Quarter,
		Category: cmd.Category, Title: cmd.Title, Content: cmd.Content, By: meta.Actor.ID, OccurredAt: at,
	}}, nil
}

// Submit is Submit for a loaded aggregate: it refuses to create a pledge
// whose stream already has history.
func (p *Pledge) Submit(id string, cmd SubmitCommand, meta domain.Meta) ([]domain.Event, error) {
	if p.Exists() {
		return nil, fmt.Errorf("%s %s: %w", Entity, p.id, domain.ErrAlreadyExists)
	}
	return Submit(id, cmd, meta)
}

// ReturnCommand sends a submitted pledge back for revision.
type ReturnCommand struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Return sends a submitted pledge back to its maker (退回修改).
func (p *Pledge) Return(cmd ReturnCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("return", StateSubmitted); err != nil {
		return nil, err
	}
	if err := p.notAuthor("return", meta); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Returned{PledgeID: p.id, Unit: p.unit, Reason: cmd.Reason, OccurredAt: at}}, nil
}

// ReviseCommand is the new wording of a returned pledge. The maker and the
// quarter cannot change; the category may, within the maker's categories.
type ReviseCommand struct {
	Category   Category  `json:"category"`
	Title      string    `json:"title"`
	Content    string    `json:"content"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Revise submits a returned pledge again.
func (p *Pledge) Revise(cmd ReviseCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("revise", StateReturned); err != nil {
		return nil, err
	}
	if err := checkCategory(cmd.Category, p.maker); err != nil {
		return nil, err
	}
	if err := domain.CheckText("title", cmd.Title, MaxTitle, true); err != nil {
		return nil, err
	}
	if err := domain.CheckText("content", cmd.Content, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Revised{PledgeID: p.id, Unit: p.unit, Category: cmd.Category, Title: cmd.Title, Content: cmd.Content, By: meta.Actor.ID, OccurredAt: at}}, nil
}

// FileCommand records the superior unit's vetting and filing.
type FileCommand struct {
	Note       string    `json:"note"`
	OccurredAt time.Time `json:"occurred_at"`
}

// File records that the pledge was vetted and filed (备案).
func (p *Pledge) File(cmd FileCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("file", StateSubmitted); err != nil {
		return nil, err
	}
	if err := p.notAuthor("file", meta); err != nil {
		return nil, err
	}
	if err := domain.CheckText("note", cmd.Note, MaxText, false); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Filed{PledgeID: p.id, Unit: p.unit, Note: cmd.Note, OccurredAt: at}}, nil
}

// DiscloseCommand records that a filed pledge was made public.
type DiscloseCommand struct {
	Channel    string    `json:"channel"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Disclose records that the pledge was made public (公开).
func (p *Pledge) Disclose(cmd DiscloseCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("disclose", StateFiled); err != nil {
		return nil, err
	}
	if err := domain.CheckText("channel", cmd.Channel, MaxTitle, false); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Disclosed{PledgeID: p.id, Unit: p.unit, Channel: cmd.Channel, OccurredAt: at}}, nil
}

// WithdrawCommand withdraws a pledge that has not been filed.
type WithdrawCommand struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Withdraw withdraws the pledge; only a submitted or returned one can be.
func (p *Pledge) Withdraw(cmd WithdrawCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("withdraw", StateSubmitted, StateReturned); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Withdrawn{PledgeID: p.id, Unit: p.unit, Reason: cmd.Reason, OccurredAt: at}}, nil
}

// ReportProgressCommand is a fulfilment progress report.
type ReportProgressCommand struct {
	ReportID   string            `json:"report_id"` // new, unique within the pledge
	Percent    int               `json:"percent"`   // 0..100
	Narrative  string            `json:"narrative"`
	Evidence   []domain.Evidence `json:"evidence"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// ReportProgress records a progress report on a disclosed pledge; the
// first one moves it to in_progress.
func (p *Pledge) ReportProgress(cmd ReportProgressCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("report progress", StateDisclosed, StateInProgress); err != nil {
		return nil, err
	}
	if err := domain.CheckID("report_id", cmd.ReportID); err != nil {
		return nil, err
	}
	if p.report(cmd.ReportID) >= 0 {
		return nil, domain.Invalid("report_id", "report %q already exists", cmd.ReportID)
	}
	if err := checkReport(cmd.Percent, cmd.Narrative, cmd.Evidence); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ProgressReported{
		PledgeID: p.id, Unit: p.unit, ReportID: cmd.ReportID, Percent: cmd.Percent,
		Narrative: cmd.Narrative, Evidence: cmd.Evidence, By: meta.Actor.ID, OccurredAt: at,
	}}, nil
}

// CorrectReportCommand replaces the content of an earlier report.
type CorrectReportCommand struct {
	ReportID   string            `json:"report_id"` // the report to correct
	Percent    int               `json:"percent"`
	Narrative  string            `json:"narrative"`
	Evidence   []domain.Evidence `json:"evidence"`
	Reason     string            `json:"reason"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// reportStates are the states in which a pledge can have reports to fix.
var reportStates = []State{StateInProgress, StateFulfilled, StateLapsed, StateEvaluated}

// CorrectReport fixes a mistaken progress report. The report must exist
// and not be retracted.
func (p *Pledge) CorrectReport(cmd CorrectReportCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("correct a report", reportStates...); err != nil {
		return nil, err
	}
	if err := p.liveReport(cmd.ReportID); err != nil {
		return nil, err
	}
	if err := checkReport(cmd.Percent, cmd.Narrative, cmd.Evidence); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ReportCorrected{
		PledgeID: p.id, Unit: p.unit, ReportID: cmd.ReportID, Percent: cmd.Percent,
		Narrative: cmd.Narrative, Evidence: cmd.Evidence, Reason: cmd.Reason, By: meta.Actor.ID, OccurredAt: at,
	}}, nil
}

// RetractReportCommand withdraws an earlier report.
type RetractReportCommand struct {
	ReportID   string    `json:"report_id"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// RetractReport retracts a progress report made in error.
func (p *Pledge) RetractReport(cmd RetractReportCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("retract a report", reportStates...); err != nil {
		return nil, err
	}
	if err := p.liveReport(cmd.ReportID); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, true); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ReportRetracted{PledgeID: p.id, Unit: p.unit, ReportID: cmd.ReportID, Reason: cmd.Reason, OccurredAt: at}}, nil
}

// FulfilCommand records that the pledge was kept.
type FulfilCommand struct {
	Narrative  string            `json:"narrative"`
	Evidence   []domain.Evidence `json:"evidence"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// Fulfil records that the pledge was kept. A disclosed pledge may be
// fulfilled without an interim progress report: the fulfilment carries its
// own narrative and evidence.
func (p *Pledge) Fulfil(cmd FulfilCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("fulfil", StateDisclosed, StateInProgress); err != nil {
		return nil, err
	}
	if err := domain.CheckText("narrative", cmd.Narrative, MaxText, true); err != nil {
		return nil, err
	}
	if err := domain.ValidateEvidence("evidence", cmd.Evidence); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Fulfilled{PledgeID: p.id, Unit: p.unit, Narrative: cmd.Narrative, Evidence: cmd.Evidence, By: meta.Actor.ID, OccurredAt: at}}, nil
}

// LapseCommand declares the pledge unfulfilled at the end of its period.
type LapseCommand struct {
	Explanation string    `json:"explanation"` // may be empty: unfulfilled without explanation
	OccurredAt  time.Time `json:"occurred_at"`
}

// Lapse declares a filed, disclosed or in-progress pledge unfulfilled. It
// is allowed only once the pledge's quarter has ended (00:00 after its last
// day in meta.Location()) at the business time; otherwise it returns
// ErrPeriodNotEnded.
func (p *Pledge) Lapse(cmd LapseCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("lapse", StateFiled, StateDisclosed, StateInProgress); err != nil {
		return nil, err
	}
	if err := domain.CheckText("explanation", cmd.Explanation, MaxText, false); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	if end := p.quarter.LastDay().MissedAt(meta.Location()); at.Before(end) {
		return nil, fmt.Errorf("%s %s: %w: %s ends at %s", Entity, p.id, ErrPeriodNotEnded, p.quarter, end.Format(time.RFC3339))
	}
	return []domain.Event{Lapsed{PledgeID: p.id, Unit: p.unit, Explanation: cmd.Explanation, OccurredAt: at}}, nil
}

// EvaluateCommand is one evaluator kind's verdict on a finished pledge.
type EvaluateCommand struct {
	Evaluator   Evaluator `json:"evaluator"`
	Grade       Grade     `json:"grade"`
	Score       float64   `json:"score"`       // 0..100
	Respondents int       `json:"respondents"` // 0 if not counted
	Reason      string    `json:"reason"`      // required when replacing an earlier verdict of the same kind
	OccurredAt  time.Time `json:"occurred_at"`
}

// Evaluate records a verdict on a fulfilled or lapsed pledge (评诺). Each
// evaluator kind gives one; giving another replaces it and needs a reason.
func (p *Pledge) Evaluate(cmd EvaluateCommand, meta domain.Meta) ([]domain.Event, error) {
	if err := p.can("evaluate", StateFulfilled, StateLapsed, StateEvaluated); err != nil {
		return nil, err
	}
	if err := p.notAuthor("evaluate", meta); err != nil {
		return nil, err
	}
	if !cmd.Evaluator.Valid() {
		return nil, domain.Invalid("evaluator", "must be members, public or organisation")
	}
	if !cmd.Grade.Valid() {
		return nil, domain.Invalid("grade", "must be excellent, good, fair or poor")
	}
	if !(cmd.Score >= 0 && cmd.Score <= 100) {
		return nil, domain.Invalid("score", "must be between 0 and 100")
	}
	if cmd.Respondents < 0 {
		return nil, domain.Invalid("respondents", "must not be negative")
	}
	replaces := slices.ContainsFunc(p.ratings, func(r Rating) bool { return r.Evaluator == cmd.Evaluator })
	if replaces && strings.TrimSpace(cmd.Reason) == "" {
		return nil, domain.Invalid("reason", "is required to replace the %s verdict", cmd.Evaluator)
	}
	if err := domain.CheckText("reason", cmd.Reason, MaxText, false); err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{Evaluated{
		PledgeID: p.id, Unit: p.unit, Evaluator: cmd.Evaluator, Grade: cmd.Grade, Score: cmd.Score,
		Respondents: cmd.Respondents, Replaces: replaces, Reason: cmd.Reason, OccurredAt: at,
	}}, nil
}

// can checks that the pledge exists and is in one of the allowed states.
func (p *Pledge) can(command string, allowed ...State) error {
	if !p.Exists() {
		return fmt.Errorf("%s: %w", Entity, domain.ErrNotFound)
	}
	if slices.Contains(allowed, p.state) {
		return nil
	}
	return &domain.TransitionError{Entity: Entity, ID: p.id, From: p.state.String(), Command: command}
}

func (p *Pledge) liveReport(id string) error {
	if strings.TrimSpace(id) == "" {
		return domain.Invalid("report_id", "is required")
	}
	i := p.report(id)
	if i < 0 {
		return domain.Invalid("report_id", "pledge has no report %q", id)
	}
	if p.reports[i].Retracted {
		return domain.Invalid("report_id", "report %q was retracted", id)
	}
	return nil
}

func checkReport(percent int, narrative string, evidence []domain.Evidence) error {
	if percent < 0 || percent > 100 {
		return domain.Invalid("percent", "must be between 0 and 100")
	}
	if err := domain.CheckText("narrative", narrative, MaxText, true); err != nil {
		return err
	}
	return domain.ValidateEvidence("evidence", evidence)
}

func checkCategory(c Category, m Maker) error {
	if !c.Valid() {
		return domain.Invalid("category", "is required")
	}
	if c.Maker() != m {
		return domain.Invalid("category", "%s is not a category for a %s's pledge", c, m)
	}
	return nil
}

// References are the pledge's unit and, for a member's pledge, the member,
// who must belong to that unit.
func (cmd SubmitCommand) References() []domain.Ref {
	refs := []domain.Ref{{Field: "unit", Kind: domain.RefUnit, ID: cmd.Unit}}
	if cmd.Member != "" {
		refs = append(refs, domain.Ref{Field: "member", Kind: domain.RefMember, ID: cmd.Member, InUnit: cmd.Unit})
	}
	return refs
}
