package rectification

import "fmt"

// The enumerations of this package are small integers whose zero value is
// invalid; names[0] is always "". They travel as text.

func enumName(names []string, i uint8) (string, bool) {
	if i == 0 || int(i) >= len(names) {
		return "", false
	}
	return names[i], true
}

func enumString(kind string, names []string, i uint8) string {
	if s, ok := enumName(names, i); ok {
		return s
	}
	return fmt.Sprintf("%s(%d)", kind, i)
}

func enumParse(kind string, names []string, s string) (uint8, error) {
	for i := 1; i < len(names); i++ {
		if names[i] == s {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%s: unknown value %q", kind, s)
}

func enumMarshal(kind string, names []string, i uint8) ([]byte, error) {
	s, ok := enumName(names, i)
	if !ok {
		return nil, fmt.Errorf("%s: invalid value %d", kind, i)
	}
	return []byte(s), nil
}

func unmarshalInto(b []byte, dst *uint8, kind string, names []string) error {
	i, err := enumParse(kind, names, string(b))
	if err != nil {
		return err
	}
	*dst = i
	return nil
}

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

var stateNames = []string{"", "open", "in_progress", "submitted", "accepted", "cancelled"}

// ParseState reads a state name such as "in_progress".
func ParseState(s string) (State, error) {
	i, err := enumParse("rectification state", stateNames, s)
	return State(i), err
}

func (s State) String() string { return enumString("State", stateNames, uint8(s)) }
func (s State) Valid() bool    { _, ok := enumName(stateNames, uint8(s)); return ok }
func (s State) MarshalText() ([]byte, error) {
	return enumMarshal("rectification state", stateNames, uint8(s))
}
func (s *State) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(s), "rectification state", stateNames)
}

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

var sourceNames = []string{"", "review", "inspection", "evaluation", "ranking"}

// ParseSourceKind reads "review", "inspection", "evaluation" or "ranking".
func ParseSourceKind(s string) (SourceKind, error) {
	i, err := enumParse("rectification source", sourceNames, s)
	return SourceKind(i), err
}

func (k SourceKind) String() string { return enumString("SourceKind", sourceNames, uint8(k)) }
func (k SourceKind) Valid() bool    { _, ok := enumName(sourceNames, uint8(k)); return ok }
func (k SourceKind) MarshalText() ([]byte, error) {
	return enumMarshal("rectification source", sourceNames, uint8(k))
}
func (k *SourceKind) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(k), "rectification source", sourceNames)
}

// Outcome is where an extension request stands.
type Outcome uint8

const (
	_                Outcome = iota
	OutcomePending           // waiting for a decision
	OutcomeGranted           // the deadline moved
	OutcomeDenied            // refused with a reason
	OutcomeOvertaken         // the item was accepted or cancelled before a decision
)

var outcomeNames = []string{"", "pending", "granted", "denied", "overtaken"}

// ParseOutcome reads an outcome name such as "granted".
func ParseOutcome(s string) (Outcome, error) {
	i, err := enumParse("extension outcome", outcomeNames, s)
	return Outcome(i), err
}

func (o Outcome) String() string { return enumString("Outcome", outcomeNames, uint8(o)) }
func (o Outcome) Valid() bool    { _, ok := enumName(outcomeNames, uint8(o)); return ok }
func (o Outcome) MarshalText() ([]byte, error) {
	return enumMarshal("extension outcome", outcomeNames, uint8(o))
}
func (o *Outcome) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(o), "extension outcome", outcomeNames)
}

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

var colourNames = []string{"", "none", "green", "yellow", "red", "on_time", "late"}

// ParseColour reads a colour name such as "yellow".
func ParseColour(s string) (Colour, error) {
	i, err := enumParse("warning colour", colourNames, s)
	return Colour(i), err
}

func (c Colour) String() string { return enumString("Colour", colourNames, uint8(c)) }
func (c Colour) Valid() bool    { _, ok := enumName(colourNames, uint8(c)); return ok }
func (c Colour) MarshalText() ([]byte, error) {
	return enumMarshal("warning colour", colourNames, uint8(c))
}
func (c *Colour) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(c), "warning colour", colourNames)
}
