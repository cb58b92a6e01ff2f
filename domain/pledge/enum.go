package pledge

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

// State is where a pledge stands in its life.
type State uint8

const (
	_               State = iota
	StateSubmitted        // 已提交, waiting for the superior unit to vet it
	StateReturned         // 退回, sent back for revision
	StateFiled            // 备案, vetted and filed by the superior unit
	StateDisclosed        // 公开, made public
	StateInProgress       // 践诺中, at least one progress report
	StateFulfilled        // 已兑现
	StateLapsed           // 未兑现: the period ended without fulfilment
	StateEvaluated        // 已评诺
	StateWithdrawn        // 撤回, before filing
)

var stateNames = []string{"", "submitted", "returned", "filed", "disclosed", "in_progress", "fulfilled", "lapsed", "evaluated", "withdrawn"}

// ParseState reads a state name such as "in_progress".
func ParseState(s string) (State, error) {
	i, err := enumParse("pledge state", stateNames, s)
	return State(i), err
}

func (s State) String() string { return enumString("State", stateNames, uint8(s)) }
func (s State) Valid() bool    { _, ok := enumName(stateNames, uint8(s)); return ok }
func (s State) MarshalText() ([]byte, error) {
	return enumMarshal("pledge state", stateNames, uint8(s))
}
func (s *State) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(s), "pledge state", stateNames)
}

// Maker says whether a pledge is made by a unit (党组织) or a member (党员).
type Maker uint8

const (
	_           Maker = iota
	MakerUnit         // a party organisation
	MakerMember       // a party member
)

var makerNames = []string{"", "unit", "member"}

// ParseMaker reads "unit" or "member".
func ParseMaker(s string) (Maker, error) {
	i, err := enumParse("pledge maker", makerNames, s)
	return Maker(i), err
}

func (m Maker) String() string { return enumString("Maker", makerNames, uint8(m)) }
func (m Maker) Valid() bool    { _, ok := enumName(makerNames, uint8(m)); return ok }
func (m Maker) MarshalText() ([]byte, error) {
	return enumMarshal("pledge maker", makerNames, uint8(m))
}
func (m *Maker) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(m), "pledge maker", makerNames)
}

// Category is what a pledge is about. The first three are for units, the
// last three for members.
type Category uint8

const (
	_                Category = iota
	StageTask                 // 完成阶段工作任务 (unit)
	ServiceForMasses          // 为群众办实事好事 (unit)
	SelfImprovement           // 加强自身建设 (unit)
	Duty                      // 本职工作 (member)
	ServingMasses             // 服务群众 (member)
	Integrity                 // 廉洁自律 (member)
)

var categoryNames = []string{"", "stage_task", "service_for_masses", "self_improvement", "duty", "serving_masses", "integrity"}

// ParseCategory reads a category name such as "stage_task".
func ParseCategory(s string) (Category, error) {
	i, err := enumParse("pledge category", categoryNames, s)
	return Category(i), err
}

// Maker returns who may pledge in this category.
func (c Category) Maker() Maker {
	switch c {
	case StageTask, ServiceForMasses, SelfImprovement:
		return MakerUnit
	case Duty, ServingMasses, Integrity:
		return MakerMember
	}
	return 0
}

func (c Category) String() string { return enumString("Category", categoryNames, uint8(c)) }
func (c Category) Valid() bool    { _, ok := enumName(categoryNames, uint8(c)); return ok }
func (c Category) MarshalText() ([]byte, error) {
	return enumMarshal("pledge category", categoryNames, uint8(c))
}
func (c *Category) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(c), "pledge category", categoryNames)
}

// Grade is the verdict of a pledge evaluation (评诺).
type Grade uint8

const (
	_         Grade = iota
	Excellent       // 好
	Good            // 较好
	Fair            // 一般
	Poor            // 差
)

var gradeNames = []string{"", "excellent", "good", "fair", "poor"}

// ParseGrade reads "excellent", "good", "fair" or "poor".
func ParseGrade(s string) (Grade, error) {
	i, err := enumParse("pledge grade", gradeNames, s)
	return Grade(i), err
}

func (g Grade) String() string { return enumString("Grade", gradeNames, uint8(g)) }
func (g Grade) Valid() bool    { _, ok := enumName(gradeNames, uint8(g)); return ok }
func (g Grade) MarshalText() ([]byte, error) {
	return enumMarshal("pledge grade", gradeNames, uint8(g))
}
func (g *Grade) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(g), "pledge grade", gradeNames)
}

// Evaluator is who evaluates a pledge.
type Evaluator uint8

const (
	_                     Evaluator = iota
	EvaluatorMembers                // 党员评议
	EvaluatorPublic                 // 群众评议
	EvaluatorOrganisation           // 组织评议 (the superior unit)
)

var evaluatorNames = []string{"", "members", "public", "organisation"}

// ParseEvaluator reads "members", "public" or "organisation".
func ParseEvaluator(s string) (Evaluator, error) {
	i, err := enumParse("pledge evaluator", evaluatorNames, s)
	return Evaluator(i), err
}

func (e Evaluator) String() string { return enumString("Evaluator", evaluatorNames, uint8(e)) }
func (e Evaluator) Valid() bool    { _, ok := enumName(evaluatorNames, uint8(e)); return ok }
func (e Evaluator) MarshalText() ([]byte, error) {
	return enumMarshal("pledge evaluator", evaluatorNames, uint8(e))
}
func (e *Evaluator) UnmarshalText(b []byte) error {
	return unmarshalInto(b, (*uint8)(e), "pledge evaluator", evaluatorNames)
}

func unmarshalInto(b []byte, dst *uint8, kind string, names []string) error {
	i, err := enumParse(kind, names, string(b))
	if err != nil {
		return err
	}
	*dst = i
	return nil
}
