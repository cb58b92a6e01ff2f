package catalog_test

import (
	"strings"
	"testing"

	"github.com/cxzy/ledger/domain/catalog"
)

func TestEveryFamilyIsRegistered(t *testing.T) {
	reg := catalog.New()
	families := map[string]int{}
	for _, typ := range reg.Types() {
		family, _, _ := strings.Cut(typ, ".")
		families[family]++
		if v, err := reg.SchemaVersion(typ); err != nil || v != 1 {
			t.Errorf("%s: schema version %d, %v", typ, v, err)
		}
	}
	for _, f := range []string{"area", "unit", "member", "theme", "group", "inspection", "pledge", "fulfilment",
		"review", "rectification", "survey", "vanguard", "star_rating", "ranking"} {
		if families[f] == 0 {
			t.Errorf("no event type of family %s is registered", f)
		}
	}
}
