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
		"review", "rectification", "survey", "vanguard", "star_rating", "ranking", "ranking_rule"} {
		if families[f] == 0 {
			t.Errorf("no event type of family %s is registered", f)
		}
	}
}

func TestEveryTypeHasAKnownFamily(t *testing.T) {
	known := map[string]bool{"pledge": true, "fulfilment": true, "review": true, "rectification": true,
		"evaluation": true, "org": true, "inspection": true, "checkpoint": true, "command_key": true, "evidence": true}
	for _, typ := range catalog.New().Types() {
		if f := catalog.Family(typ); !known[f] {
			t.Errorf("%s: family %q", typ, f)
		}
	}
	if got := catalog.Family("star_rating.revised"); got != "evaluation" {
		t.Errorf("star_rating.revised: %q", got)
	}
}
