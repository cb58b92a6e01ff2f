package domain_test

import (
	"slices"
	"testing"

	"github.com/cxzy/ledger/domain"
)

type colour uint8

var colours = domain.NewEnum[colour]("test colour", "colour", "red", "green")

func TestEnum(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     colour
		valid bool
		str   string
	}{
		{"zero", 0, false, "colour(0)"},
		{"first", 1, true, "red"},
		{"last", 2, true, "green"},
		{"out of range", 3, false, "colour(3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := colours.Valid(tc.v); got != tc.valid {
				t.Errorf("Valid: got %v, want %v", got, tc.valid)
			}
			if got := colours.String(tc.v); got != tc.str {
				t.Errorf("String: got %q, want %q", got, tc.str)
			}
			b, err := colours.Marshal(tc.v)
			if tc.valid && (err != nil || string(b) != tc.str) {
				t.Errorf("Marshal: got %q, %v; want %q", b, err, tc.str)
			}
			if !tc.valid && err == nil {
				t.Errorf("Marshal: got %q, want an error", b)
			}
		})
	}
	if got, want := colours.Values(), []colour{1, 2}; !slices.Equal(got, want) {
		t.Errorf("Values: got %v, want %v", got, want)
	}
	if v, err := colours.Parse("green"); err != nil || v != 2 {
		t.Errorf("Parse(green): got %v, %v; want 2", v, err)
	}
	for _, s := range []string{"", "Red", "blue"} {
		if _, err := colours.Parse(s); err == nil {
			t.Errorf("Parse(%q): got no error, want one", s)
		}
	}
	c := colour(1)
	if err := colours.Unmarshal([]byte("blue"), &c); err == nil || c != 1 {
		t.Errorf("Unmarshal(blue): got %v, %v; want an error and the value unchanged", c, err)
	}
	if err := colours.Unmarshal([]byte("green"), &c); err != nil || c != 2 {
		t.Errorf("Unmarshal(green): got %v, %v; want 2", c, err)
	}
}
