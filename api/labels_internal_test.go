package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/projections"
)

// names lists the names of every valid value of an enumeration, from 1
// up while Valid holds.
func names[T interface {
	~uint8
	Valid() bool
	fmt.Stringer
}]() []string {
	var out []string
	for v := T(1); v.Valid(); v++ {
		out = append(out, v.String())
	}
	return out
}

// TestEveryCodeHasALabel: each vocabulary of the exports labels exactly
// the codes the domain has, so that a new state or kind cannot reach a
// sheet unlabelled; and every label is Chinese.
func TestEveryCodeHasALabel(t *testing.T) {
	for _, tt := range []struct {
		name   string
		labels vocab
		codes  []string
	}{
		{"rectification states", rectStateLabels, names[rectification.State]()},
		{"colours", colourLabels, names[rectification.Colour]()},
		{"rectification sources", sourceKindLabels, names[rectification.SourceKind]()},
		{"pledge states", pledgeStateLabels, names[pledge.State]()},
		{"makers", makerLabels, names[pledge.Maker]()},
		{"categories", categoryLabels, names[pledge.Category]()},
		{"grades", gradeLabels, names[pledge.Grade]()},
		{"unit kinds", unitKindLabels, names[org.Kind]()},
		{"review forms", formLabels, names[review.Form]()},
		{"review subjects", subjectLabels, names[review.Subject]()},
		{"inspection kinds", inspectionKindLabels, names[inspection.Kind]()},
		{"inspection states", inspectionStateLabels, []string{"open", "completed"}},
		{"group states", groupStateLabels, []string{"active", "dissolved"}},
		{"metrics", metricLabels, projections.Metrics},
	} {
		var keys []string
		for k, l := range tt.labels {
			keys = append(keys, k)
			if l == "" || l == k || strings.ToValidUTF8(l, "") != l || len([]rune(l)) == len(l) {
				t.Errorf("%s: %s has the label %q", tt.name, k, l)
			}
		}
		slices.Sort(keys)
		codes := slices.Sorted(slices.Values(tt.codes))
		if !slices.Equal(keys, codes) {
			t.Errorf("%s: labels for %v, the domain has %v", tt.name, keys, codes)
		}
	}
}

// TestEveryColumnHasAChineseHeader: every JSON key of every exported row
// type has a Chinese header, no list has two columns of one header, and
// every label and name column names a key the row has.
func TestEveryColumnHasAChineseHeader(t *testing.T) {
	for _, rt := range ReadRoutes() {
		if !rt.CSV {
			continue
		}
		items, ok := rt.Result.FieldByName("Items")
		if !ok {
			t.Fatalf("%s: its answer has no items", rt.Pattern)
		}
		row := items.Type.Elem()
		spec, ok := exportSpecs[row]
		if !ok || spec.sheet == "" {
			t.Errorf("%s: no export spec for %s", rt.Pattern, row)
		}
		keys := map[string]bool{}
		for _, c := range exportColumns(row, true) {
			keys[c.key] = true
		}
		seen := map[string]bool{}
		for _, c := range exportColumns(row, false) {
			if c.header == c.key || len([]rune(c.header)) == len(c.header) {
				t.Errorf("%s: %s has the header %q", rt.Pattern, c.key, c.header)
			}
			if seen[c.header] {
				t.Errorf("%s: two columns are headed %s", rt.Pattern, c.header)
			}
			seen[c.header] = true
		}
		for key := range spec.labels {
			if !keys[key] {
				t.Errorf("%s: a label for %s, which %s does not have", rt.Pattern, key, row)
			}
		}
		for key := range spec.names {
			if !keys[key] {
				t.Errorf("%s: names for %s, which %s does not have", rt.Pattern, key, row)
			}
		}
	}
}
