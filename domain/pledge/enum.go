package pledge

import "github.com/cxzy/ledger/domain"

// The enumerations of this package are small integers whose zero value is
// invalid. They travel as text; each delegates to a domain.Enum that holds
// its names.

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

var stateEnum = domain.NewEnum[State]("pledge state", "State", "submitted", "returned", "filed", "disclosed", "in_progress", "fulfilled", "lapsed", "evaluated", "withdrawn")

// ParseState reads a state name such as "in_progress".
func ParseState(s string) (State, error) { return stateEnum.Parse(s) }

func (s State) String() string                { return stateEnum.String(s) }
func (s State) Valid() bool                   { return stateEnum.Valid(s) }
func (s State) MarshalText() ([]byte, error)  { return stateEnum.Marshal(s) }
func (s *State) UnmarshalText(b []byte) error { return stateEnum.Unmarshal(b, s) }

// Maker says whether a pledge is made by a unit (党组织) or a member (党员).
type Maker uint8

const (
	_           Maker = iota
	MakerUnit         // a party organisation
	MakerMember       // a party member
)

var makerEnum = domain.NewEnum[Maker]("pledge maker", "Maker", "unit", "member")

// ParseMaker reads "unit" or "member".
func ParseMaker(s string) (Maker, error) { return makerEnum.Parse(s) }

func (m Maker) String() string                { return makerEnum.String(m) }
func (m Maker) Valid() bool                   { return makerEnum.Valid(m) }
func (m Maker) MarshalText() ([]byte, error)  { return makerEnum.Marshal(m) }
func (m *Maker) UnmarshalText(b []byte) error { return makerEnum.Unmarshal(b, m) }

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

var categoryEnum = domain.NewEnum[Category]("pledge category", "Category", "stage_task", "service_for_masses", "self_improvement", "duty", "serving_masses", "integrity")

// ParseCategory reads a category name such as "stage_task".
func ParseCategory(s string) (Category, error) { return categoryEnum.Parse(s) }

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

func (c Category) String() string                { return categoryEnum.String(c) }
func (c Category) Valid() bool                   { return categoryEnum.Valid(c) }
func (c Category) MarshalText() ([]byte, error)  { return categoryEnum.Marshal(c) }
func (c *Category) UnmarshalText(b []byte) error { return categoryEnum.Unmarshal(b, c) }

// Grade is the verdict of a pledge evaluation (评诺).
type Grade uint8

const (
	_         Grade = iota
	Excellent       // 好
	Good            // 较好
	Fair            // 一般
	Poor            // 差
)

var gradeEnum = domain.NewEnum[Grade]("pledge grade", "Grade", "excellent", "good", "fair", "poor")

// ParseGrade reads "excellent", "good", "fair" or "poor".
func ParseGrade(s string) (Grade, error) { return gradeEnum.Parse(s) }

func (g Grade) String() string                { return gradeEnum.String(g) }
func (g Grade) Valid() bool                   { return gradeEnum.Valid(g) }
func (g Grade) MarshalText() ([]byte, error)  { return gradeEnum.Marshal(g) }
func (g *Grade) UnmarshalText(b []byte) error { return gradeEnum.Unmarshal(b, g) }

// Evaluator is who evaluates a pledge.
type Evaluator uint8

const (
	_                     Evaluator = iota
	EvaluatorMembers                // 党员评议
	EvaluatorPublic                 // 群众评议
	EvaluatorOrganisation           // 组织评议 (the superior unit)
)

var evaluatorEnum = domain.NewEnum[Evaluator]("pledge evaluator", "Evaluator", "members", "public", "organisation")

// ParseEvaluator reads "members", "public" or "organisation".
func ParseEvaluator(s string) (Evaluator, error) { return evaluatorEnum.Parse(s) }

func (e Evaluator) String() string                { return evaluatorEnum.String(e) }
func (e Evaluator) Valid() bool                   { return evaluatorEnum.Valid(e) }
func (e Evaluator) MarshalText() ([]byte, error)  { return evaluatorEnum.Marshal(e) }
func (e *Evaluator) UnmarshalText(b []byte) error { return evaluatorEnum.Unmarshal(b, e) }
