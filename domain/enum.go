package domain

import (
	"fmt"
	"strings"
)

// Enum is the name table behind one enumeration of an event family: a
// small integer type whose zero value is invalid and whose values travel
// as text. Each enumeration keeps its own exported methods (String, Valid,
// MarshalText, UnmarshalText) and ParseX function, and delegates them here
// so that every family parses, prints and refuses values the same way.
type Enum[T ~uint8] struct {
	what  string   // what the values are, in errors: "pledge state"
	typ   string   // what String prints for a value out of range: "State(9)"
	names []string // names[v] is the name of v; names[0] is the invalid zero
}

// NewEnum builds the table of an enumeration whose values 1, 2, ... are
// named by names, in order. what names the enumeration in errors ("pledge
// state"); typ is what String prints before an invalid value's number
// ("State").
func NewEnum[T ~uint8](what, typ string, names ...string) Enum[T] {
	return Enum[T]{what: what, typ: typ, names: append([]string{""}, names...)}
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
// is an error that lists the names.
func (e Enum[T]) Parse(s string) (T, error) {
	for i := 1; i < len(e.names); i++ {
		if e.names[i] == s {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%s %q: want one of %s", e.what, s, strings.Join(e.names[1:], ", "))
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
