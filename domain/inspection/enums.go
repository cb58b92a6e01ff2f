package inspection

import "github.com/cxzy/ledger/domain"

// The tables behind this package's enumerations. A value out of range
// prints as, say, "severity(7)".
var (
	kindEnum       = domain.NewEnum[Kind]("inspection kind", "inspection kind", "special", "random")
	severityEnum   = domain.NewEnum[Severity]("severity", "severity", "minor", "moderate", "serious")
	targetKindEnum = domain.NewEnum[TargetKind]("target kind", "target kind", "area", "unit")
)

// Kind is the kind of an inspection. The zero value is invalid.
type Kind uint8

const (
	// Special is a special check (专项检查), planned on one subject.
	Special Kind = iota + 1
	// Random is a random spot check (随机抽查).
	Random
)

// ParseKind reads "special" or "random".
func ParseKind(s string) (Kind, error) { return kindEnum.Parse(s) }

// Valid reports whether k is special or random.
func (k Kind) Valid() bool                   { return kindEnum.Valid(k) }
func (k Kind) String() string                { return kindEnum.String(k) }
func (k Kind) MarshalText() ([]byte, error)  { return kindEnum.Marshal(k) }
func (k *Kind) UnmarshalText(b []byte) error { return kindEnum.Unmarshal(b, k) }

// Severity is how grave a finding is. The zero value is invalid.
type Severity uint8

const (
	// Minor is a minor problem (一般问题).
	Minor Severity = iota + 1
	// Moderate is a notable problem (较重问题).
	Moderate
	// Serious is a serious problem (严重问题).
	Serious
)

// ParseSeverity reads "minor", "moderate" or "serious".
func ParseSeverity(s string) (Severity, error) { return severityEnum.Parse(s) }

// Valid reports whether s is a defined severity.
func (s Severity) Valid() bool                   { return severityEnum.Valid(s) }
func (s Severity) String() string                { return severityEnum.String(s) }
func (s Severity) MarshalText() ([]byte, error)  { return severityEnum.Marshal(s) }
func (s *Severity) UnmarshalText(b []byte) error { return severityEnum.Unmarshal(b, s) }

// TargetKind says whether a group is assigned an area or a unit. The zero
// value is invalid.
type TargetKind uint8

const (
	// TargetArea assigns a whole area (片区) to a group.
	TargetArea TargetKind = iota + 1
	// TargetUnit assigns one unit (and its subtree) to a group.
	TargetUnit
)

// ParseTargetKind reads "area" or "unit".
func ParseTargetKind(s string) (TargetKind, error) { return targetKindEnum.Parse(s) }

// Valid reports whether k is area or unit.
func (k TargetKind) Valid() bool                   { return targetKindEnum.Valid(k) }
func (k TargetKind) String() string                { return targetKindEnum.String(k) }
func (k TargetKind) MarshalText() ([]byte, error)  { return targetKindEnum.Marshal(k) }
func (k *TargetKind) UnmarshalText(b []byte) error { return targetKindEnum.Unmarshal(b, k) }
