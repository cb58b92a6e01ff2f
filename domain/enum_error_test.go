package domain_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/cxzy/ledger/domain"
)

type shade uint8

var (
	shades        = domain.NewEnum[shade]("test shade", "shade", "light", "dark")
	labelledShade = shades.WithLabels("浅", "深")
)

// TestEnumError checks that a refused text is an *EnumError carrying the
// names (and labels, where the table has them) in order, so that the API
// can say what a field accepts without a copy of the list.
func TestEnumError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		enum   domain.Enum[shade]
		labels []string
	}{
		{"without labels", shades, nil},
		{"with labels", labelledShade, []string{"浅", "深"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.enum.Parse("grey")
			var ee *domain.EnumError
			if !errors.As(err, &ee) {
				t.Fatalf("Parse(grey): got %v (%T), want an *EnumError", err, err)
			}
			if ee.What != "test shade" || ee.Value != "grey" {
				t.Errorf("got What %q Value %q, want test shade, grey", ee.What, ee.Value)
			}
			if want := []string{"light", "dark"}; !slices.Equal(ee.Names, want) {
				t.Errorf("Names: got %v, want %v", ee.Names, want)
			}
			if !slices.Equal(ee.Labels, tc.labels) {
				t.Errorf("Labels: got %v, want %v", ee.Labels, tc.labels)
			}
			if got, want := err.Error(), `test shade "grey": want one of light, dark`; got != want {
				t.Errorf("Error: got %q, want %q", got, want)
			}
			ee.Names[0] = "changed"
			if _, err := tc.enum.Parse("light"); err != nil {
				t.Errorf("after changing an error's names, Parse(light): got %v, want it to parse", err)
			}
		})
	}
	if v, err := labelledShade.Parse("dark"); err != nil || v != 2 {
		t.Errorf("labelled Parse(dark): got %v, %v; want 2", v, err)
	}
}

func TestEnumWithLabelsNeedsOnePerName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("WithLabels with one label for two names: got no panic, want one")
		}
	}()
	shades.WithLabels("浅")
}
