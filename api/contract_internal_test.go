package api

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestContractTablesNameRealFields keeps the contract's tables true to the
// code: every documented field is a JSON field the type declares (a
// renamed or removed field leaves no stale entry), and every enumeration
// labelled is one, with a label for exactly its values.
func TestContractTablesNameRealFields(t *testing.T) {
	for typ, fields := range fieldDocs {
		declared := map[string]bool{}
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" && !f.Anonymous {
				name = f.Name
			}
			declared[name] = f.IsExported() && name != "-"
		}
		for name, d := range fields {
			if !declared[name] {
				t.Errorf("fieldDocs[%v][%q]: %v declares no such JSON field", typ, name, typ)
			}
			if d.Required && d.RequiredWhen != "" {
				t.Errorf("fieldDocs[%v][%q]: required always and only when %s", typ, name, d.RequiredWhen)
			}
		}
	}
	for typ, labels := range enumLabels {
		names := enumNames(typ)
		if names == nil {
			t.Errorf("enumLabels[%v]: not an enumeration of the domain", typ)
			continue
		}
		var keys []any
		for k := range labels {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		want := slices.Clone(names)
		slices.SortFunc(want, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("enumLabels[%v] labels %v, the enumeration has %v", typ, keys, want)
		}
	}
}
