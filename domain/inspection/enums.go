package inspection

import (
	"fmt"
)

// enum is the table behind one enumeration: names[0] is the invalid zero.
type enum struct {
	what  string
	names []string
}

func (e enum) parse(s string) (uint8, error) {
	for i := 1; i < len(e.names); i++ {
		if e.names[i] == s {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%s %q: want one of %v", e.what, s, e.names[1:])
}

func (e enum) valid(v uint8) bool { return v > 0 && int(v) < len(e.names) }

func (e enum) str(v uint8) string {
	if !e.valid(v) {
		return fmt.Sprintf("%s(%d)", e.what, v)
	}
	return e.names[v]
}

func (e enum) marshal(v uint8) ([]byte, error) {
	if !e.valid(v) {
		return nil, fmt.Errorf("invalid %s %d", e.what, v)
	}
	return []byte(e.names[v]), nil
}

var (
	kinds       = enum{"inspection kind", []string{"", "special", "random"}}
	severities  = enum{"severity", []string{"", "minor", "moderate", "serious"}}
	targetKinds = enum{"target kind", []string{"", "area", "unit"}}
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
func ParseKind(s string) (Kind, error) { v, err := kinds.parse(s); return Kind(v), err }

// Valid reports whether k is special or random.
func (k Kind) Valid() bool                  { return kinds.valid(uint8(k)) }
func (k Kind) String() string               { return kinds.str(uint8(k)) }
func (k Kind) MarshalText() ([]byte, error) { return kinds.marshal(uint8(k)) }
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := kinds.parse(string(b))
	*k = Kind(v)
	return err
}

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
func ParseSeverity(s string) (Severity, error) {
	v, err := severities.parse(s)
	return Severity(v), err
}

// Valid reports whether s is a defined severity.
func (s Severity) Valid() bool                  { return severities.valid(uint8(s)) }
func (s Severity) String() string               { return severities.str(uint8(s)) }
func (s Severity) MarshalText() ([]byte, error) { return severities.marshal(uint8(s)) }
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := severities.parse(string(b))
	*s = Severity(v)
	return err
}

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
func ParseTargetKind(s string) (TargetKind, error) {
	v, err := targetKinds.parse(s)
	return TargetKind(v), err
}

// Valid reports whether k is area or unit.
func (k TargetKind) Valid() bool                  { return targetKinds.valid(uint8(k)) }
func (k TargetKind) String() string               { return targetKinds.str(uint8(k)) }
func (k TargetKind) MarshalText() ([]byte, error) { return targetKinds.marshal(uint8(k)) }
func (k *TargetKind) UnmarshalText(b []byte) error {
	v, err := targetKinds.parse(string(b))
	*k = TargetKind(v)
	return err
}
