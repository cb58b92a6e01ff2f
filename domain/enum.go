package domain

import (
	"fmt"
	"slices"
	"strings"
)

// Enum is the name table behind one enumeration of an event family: a
// small integer type whose zero value is invalid and whose values travel
// as text. Each enumeration keeps its own exported methods (String, Valid,
// MarshalText, UnmarshalText) and ParseX function, and delegates them here
// so that every family parses, prints and refuses values the same way.
type Enum[T ~uint8] struct {
	what   string   // what the values are, in errors: "pledge state"
	typ    string   // what String prints for a value out of range: "State(9)"
	names  []string // names[v] is the name of v; names[0] is the invalid zero
	labels []string // labels[v] is the Chinese label of v, if the enumeration has them
}

// NewEnum builds the table of an enumeration whose values 1, 2, ... are
// named by names, in order. what names the enumeration in errors ("pledge
// state"); typ is what String prints before an invalid value's number
// ("State").
func NewEnum[T ~uint8](what, typ string, names ...string) Enum[T] {
	return Enum[T]{what: what, typ: typ, names: append([]string{""}, names...)}
}

// WithLabels returns the table with a Chinese label for each value, in the
// order of the names ("街道" for "street"), so that an error can show a
// clerk the values in the words of the campaign. It panics unless there is
// exactly one label per name: tables are built once, at package start, and
// a mismatch is a programming error.
func (e Enum[T]) WithLabels(labels ...string) Enum[T] {
	if len(labels) != len(e.names)-1 {
		panic(fmt.Sprintf("domain: %s has %d names but %d labels", e.what, len(e.names)-1, len(labels)))
	}
	e.labels = append([]string{""}, labels...)
	return e
}

// Valid reports whether v is one of the named values.
func (e Enum[T]) Valid(v T) bool { return v > 0 && int(v) < len(e.names) }

// Values lists the named values in order.
func (e Enum[T]) Values() []T {
	out := make([]T, 0, len(e.names)-1)
	for i := 1; i < len(e.names); i++ {
		out = append(out, T(i))
	}
	return out
}

// String returns v's name, or typ(n) for a value out of range, so that a
// corrupt value still prints recognisably.
func (e Enum[T]) String(v T) string {
	if !e.Valid(v) {
		return fmt.Sprintf("%s(%d)", e.typ, uint8(v))
	}
	return e.names[v]
}

// Parse reads a value's name. Anything else, the empty string included,
// is an *EnumError that lists the names.
func (e Enum[T]) Parse(s string) (T, error) {
	for i := 1; i < len(e.names); i++ {
		if e.names[i] == s {
			return T(i), nil
		}
	}
	// The error gets copies of the lists: the table is shared by every
	// caller, and an error may be kept and changed.
	err := &EnumError{What: e.what, Value: s, Names: slices.Clone(e.names[1:])}
	if e.labels != nil {
		err.Labels = slices.Clone(e.labels[1:])
	}
	return 0, err
}

// EnumError is the error of a text that is none of an enumeration's
// names. It carries the valid names (and their labels, where the
// enumeration has them), so that the API can tell a client what it may
// send, from the enumeration itself rather than a copy of its list.
type EnumError struct {
	What   string   // what the values are: "unit kind"
	Value  string   // the text given
	Names  []string // the valid names, in order
	Labels []string // their Chinese labels, in the same order, or nil
}

func (e *EnumError) Error() string {
	return fmt.Sprintf("%s %q: want one of %s", e.What, e.Value, strings.Join(e.Names, ", "))
}

// Marshal is MarshalText for the enumeration: an invalid value is an
// error, so it is never written to an event.
func (e Enum[T]) Marshal(v T) ([]byte, error) {
	if !e.Valid(v) {
		return nil, fmt.Errorf("invalid %s %d", e.what, uint8(v))
	}
	return []byte(e.names[v]), nil
}

// Unmarshal is UnmarshalText for the enumeration: it parses b into *dst,
// which it leaves as it was on error.
func (e Enum[T]) Unmarshal(b []byte, dst *T) error {
	v, err := e.Parse(string(b))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
