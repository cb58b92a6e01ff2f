package rectification

import "github.com/cxzy/ledger/domain"

// The enumerations of this package are small integers whose zero value is
// invalid. They travel as text; each delegates to a domain.Enum that holds
// its names.

// State is where a rectification item stands.
type State uint8

const (
	_               State = iota
	StateOpen             // ordered, not yet acknowledged
	StateInProgress       // acknowledged (签收) and being worked on, or sent back
	StateSubmitted        // submitted for acceptance
	StateAccepted         // accepted and closed (销号)
	StateCancelled        // cancelled with a reason
)

var stateEnum = domain.NewEnum[State]("rectification state", "State", "open", "in_progress", "submitted", "accepted", "cancelled")

// ParseState reads a state name such as "in_progress".
func ParseState(s string) (State, error) { return stateEnum.Parse(s) }

func (s State) String() string                { return stateEnum.String(s) }
func (s State) Valid() bool                   { return stateEnum.Valid(s) }
func (s State) MarshalText() ([]byte, error)  { return stateEnum.Marshal(s) }
func (s *State) UnmarshalText(b []byte) error { return stateEnum.Unmarshal(b, s) }

// Live reports whether an item in this state still has work or a decision
// pending: it is neither closed nor cancelled.
func (s State) Live() bool { return s == StateOpen || s == StateInProgress || s == StateSubmitted }

// SourceKind says what ordered a rectification.
type SourceKind uint8

const (
	_                SourceKind = iota
	SourceReview                // a shortcoming of a review remark (点评)
	SourceInspection            // a finding of an inspection (检查)
	SourceEvaluation            // an evaluation (评诺/测评)
	SourceRanking               // a monthly on-site ranking (月度观摩点评)
)

var sourceEnum = domain.NewEnum[SourceKind]("rectification source", "SourceKind", "review", "inspection", "evaluation", "ranking")

// ParseSourceKind reads "review", "inspection", "evaluation" or "ranking".
func ParseSourceKind(s string) (SourceKind, error) { return sourceEnum.Parse(s) }

func (k SourceKind) String() string                { return sourceEnum.String(k) }
func (k SourceKind) Valid() bool                   { return sourceEnum.Valid(k) }
func (k SourceKind) MarshalText() ([]byte, error)  { return sourceEnum.Marshal(k) }
func (k *SourceKind) UnmarshalText(b []byte) error { return sourceEnum.Unmarshal(b, k) }

// Outcome is where an extension request stands.
type Outcome uint8

const (
	_                Outcome = iota
	OutcomePending           // waiting for a decision
	OutcomeGranted           // the deadline moved
	OutcomeDenied            // refused with a reason
	OutcomeOvertaken         // the item was accepted or cancelled before a decision
)

var outcomeEnum = domain.NewEnum[Outcome]("extension outcome", "Outcome", "pending", "granted", "denied", "overtaken")

// ParseOutcome reads an outcome name such as "granted".
func ParseOutcome(s string) (Outcome, error) { return outcomeEnum.Parse(s) }

func (o Outcome) String() string                { return outcomeEnum.String(o) }
func (o Outcome) Valid() bool                   { return outcomeEnum.Valid(o) }
func (o Outcome) MarshalText() ([]byte, error)  { return outcomeEnum.Marshal(o) }
func (o *Outcome) UnmarshalText(b []byte) error { return outcomeEnum.Unmarshal(b, o) }

// Colour is a deadline warning light (亮灯) as of some moment.
type Colour uint8

const (
	_            Colour = iota
	ColourNone          // no light: no history, or cancelled
	ColourGreen         // live and not due within the warning window
	ColourYellow        // live and due within the warning window
	ColourRed           // live and past its deadline
	ColourOnTime        // closed no later than its deadline
	ColourLate          // closed after its deadline
)

var colourEnum = domain.NewEnum[Colour]("warning colour", "Colour", "none", "green", "yellow", "red", "on_time", "late")

// ParseColour reads a colour name such as "yellow".
func ParseColour(s string) (Colour, error) { return colourEnum.Parse(s) }

func (c Colour) String() string                { return colourEnum.String(c) }
func (c Colour) Valid() bool                   { return colourEnum.Valid(c) }
func (c Colour) MarshalText() ([]byte, error)  { return colourEnum.Marshal(c) }
func (c *Colour) UnmarshalText(b []byte) error { return colourEnum.Unmarshal(b, c) }
