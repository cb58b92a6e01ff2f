package api_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
)

func mintP(t *testing.T, p api.Principal) string {
	t.Helper()
	tok, err := api.HS256{Key: secret}.Mint(p, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestTrustRows drives the rows of issue 10 that concern what a command
// may refer to and who may decide: each request must get the status and
// the field of the row, and a refused one appends nothing.
func TestTrustRows(t *testing.T) {
	d := newDistrict(t)
	loc := domain.DefaultLocation()
	today := domain.DateIn(time.Now(), loc)
	quarter := domain.QuarterOf(time.Now().In(loc)).String()
	office := token(t, "office-1", api.RoleOffice)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	// Row 1: one principal holding both clerk and superior roles for u1's subtree.
	both := mintP(t, api.Principal{Subject: "both-u1", Roles: []api.Role{api.RoleClerk, api.RoleSuperior}, Units: []string{"u1"}})
	// Row 7: a clerk whose token also carries a group claim.
	clerkWithGroup := mintP(t, api.Principal{Subject: "clerk-u2", Roles: []api.Role{api.RoleClerk}, Units: []string{"u2"}, Group: "g1"})
	// Row 20: an inspector token naming g1 whose subject is not in g1.
	impostor := mintP(t, api.Principal{Subject: "inspector-9", Roles: []api.Role{api.RoleInspector}, Group: "g1"})

	member := must(t, d.post("/v1/members", office, map[string]any{"name": "李明", "unit_id": "u2"}), 201, "member").body["id"].(string)
	order := func(unit, kind, ref string, item int) map[string]any {
		src := map[string]any{"kind": kind, "ref": ref}
		if item > 0 {
			src["item"] = item
		}
		return map[string]any{"source": src, "unit": unit, "person": "李四", "requirement": "整改", "deadline": today.AddDays(20).String()}
	}
	survey := func(unit string) map[string]any {
		return map[string]any{"unit_id": unit, "period": quarter, "very_satisfied": 5, "satisfied": 3, "basically_satisfied": 1, "dissatisfied": 1}
	}
	vanguard := map[string]any{"kind": "individual", "unit_id": "u2", "member_id": member, "quarter": quarter,
		"category": map[string]any{"key": "service", "name": "服务群众先锋"}}
	review := func(unit string) map[string]any {
		return map[string]any{"form": "talk", "subject": "member", "unit_id": unit, "member_id": member, "reviewer": "张书记", "remark": "好"}
	}

	tests := []struct {
		name   string
		path   string
		tok    string
		body   any
		status int
		field  string
	}{
		// Row 4: both ends of a move.
		{"row 4: member moved to a unit outside the clerk's scope", "/v1/members/" + member + "/move", clerk, map[string]any{"unit_id": "u6"}, 403, "unit_id"},
		{"row 4: member moved to a unit that does not exist", "/v1/members/" + member + "/move", clerk, map[string]any{"unit_id": "u404"}, 422, "unit_id"},
		{"row 4: unit moved to an area that does not exist", "/v1/units/u3/move", superior, map[string]any{"parent_id": "u1", "area_id": "a404"}, 422, "area_id"},
		// Row 7: the group claim gives a clerk nothing.
		{"row 7: clerk with a group claim writes in the group's area", "/v1/themes", clerkWithGroup, map[string]any{"unit_id": "u6", "quarter": quarter, "title": "主题"}, 403, "unit_id"},
		// Row 16: the office too must name what exists; the field is the body's.
		{"row 16: office surveys a unit that does not exist", "/v1/surveys", office, survey("u404"), 422, "unit_id"},
		{"row 16: office sets a theme for a unit that does not exist", "/v1/themes", office, map[string]any{"unit_id": "u404", "quarter": quarter, "title": "主题"}, 422, "unit_id"},
		{"row 16: office registers a member in a unit that does not exist", "/v1/members", office, map[string]any{"name": "王五", "unit_id": "u404"}, 422, "unit_id"},
		{"row 16: office inspects with a group that does not exist", "/v1/inspections", office, map[string]any{"kind": "random", "unit_id": "u2", "group_id": "g404"}, 422, "group_id"},
		{"row 16: office selects a vanguard who is not a member", "/v1/vanguards", office, map[string]any{"kind": "individual", "unit_id": "u2", "member_id": "m404", "quarter": quarter, "category": map[string]any{"key": "service", "name": "先锋"}}, 422, "member_id"},
		{"row 16: office reviews a unit that does not exist", "/v1/reviews", office, map[string]any{"form": "talk", "subject": "unit", "unit_id": "u404", "reviewer": "张书记", "remark": "好"}, 422, "unit_id"},
		// Row 17: the source must exist and the item be one of its findings.
		{"row 17: finding 7 of an inspection with 2", "/v1/rectifications", office, order("u6", "inspection", "in-1", 7), 422, "source.item"},
		{"row 17: an inspection that does not exist", "/v1/rectifications", office, order("u6", "inspection", "in-404", 1), 422, "source.ref"},
		{"row 17: a review that does not exist", "/v1/rectifications", office, order("u2", "review", "rv-404", 1), 422, "source.ref"},
		{"row 17: shortcoming 2 of a review with 1", "/v1/rectifications", office, order("u2", "review", "rv-1", 2), 422, "source.item"},
		// Row 19: a review of a member names the member's unit.
		{"row 19: review of a member under another unit", "/v1/reviews", office, review("u3"), 422, "member_id"},
		// Row 20: the ledger's group membership decides.
		{"row 20: inspector not in the group orders in its area", "/v1/rectifications", impostor, order("u6", "inspection", "in-1", 1), 403, "unit"},
		{"row 20: inspector not in the group inspects", "/v1/inspections", impostor, map[string]any{"kind": "random", "unit_id": "u6", "group_id": "g1"}, 403, "unit_id"},
		// Row 21: a fact cannot precede what it refers to.
		{"row 21: survey dated before its unit was registered", "/v1/surveys", office, func() map[string]any {
			b := survey("u2")
			b["occurred_at"] = time.Now().Add(-48 * time.Hour).Format(time.RFC3339)
			return b
		}(), 422, "occurred_at"},
		// Row 5: supported range.
		{"row 5: deadline 9999-12-31", "/v1/rectifications", office, func() map[string]any {
			b := order("u6", "inspection", "in-1", 1)
			b["deadline"] = "9999-12-31"
			return b
		}(), 422, "deadline"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := d.head()
			r := d.post(tc.path, tc.tok, tc.body, "Idempotency-Key", fmt.Sprint("trust-", i))
			if r.status != tc.status || r.problem.Field != tc.field {
				t.Fatalf("got %d field %q (%s), want %d field %q", r.status, r.problem.Field, r.problem.Detail, tc.status, tc.field)
			}
			if d.head() != before {
				t.Errorf("a refused request appended %d events", d.head()-before)
			}
		})
	}

	t.Run("row 18: the same vanguard twice", func(t *testing.T) {
		must(t, d.post("/v1/vanguards", office, vanguard, "Idempotency-Key", "v1"), 201, "first selection")
		must(t, d.post("/v1/vanguards", office, vanguard, "Idempotency-Key", "v1"), 200, "retry of the first")
		before := d.head()
		must(t, d.post("/v1/vanguards", office, vanguard, "Idempotency-Key", "v2"), 409, "second selection")
		if d.head() != before {
			t.Errorf("the duplicate appended %d events", d.head()-before)
		}
	})

	t.Run("row 3: an Idempotency-Key is bound to its route and body", func(t *testing.T) {
		theme := map[string]any{"unit_id": "u2", "quarter": quarter, "title": "主题一"}
		must(t, d.post("/v1/themes", office, theme, "Idempotency-Key", "k3"), 201, "first theme")
		before := d.head()
		other := map[string]any{"unit_id": "u2", "quarter": quarter, "title": "主题二"}
		for _, tc := range []struct {
			name, path string
			body       any
		}{
			{"another body", "/v1/themes", other},
			{"another route", "/v1/surveys", survey("u2")},
		} {
			r := d.post(tc.path, office, tc.body, "Idempotency-Key", "k3")
			if r.status != 422 || r.problem.Field != "Idempotency-Key" {
				t.Errorf("%s under a used key: %d %+v, want 422 naming Idempotency-Key", tc.name, r.status, r.problem)
			}
		}
		if d.head() != before {
			t.Errorf("reused keys appended %d events", d.head()-before)
		}
		// The same command told with its fields in another order is the same command.
		reordered := map[string]any{"title": "主题一", "quarter": quarter, "unit_id": "u2"}
		must(t, d.post("/v1/themes", office, reordered, "Idempotency-Key", "k3"), 200, "retry with the fields reordered")
		if d.head() != before {
			t.Errorf("the retry appended %d events", d.head()-before)
		}
		// A refused command claims nothing: corrected, it may use its key.
		bad := map[string]any{"unit_id": "u404", "quarter": quarter, "title": "主题三"}
		must(t, d.post("/v1/themes", office, bad, "Idempotency-Key", "k3b"), 422, "theme for a unit that does not exist")
		bad["unit_id"] = "u3"
		must(t, d.post("/v1/themes", office, bad, "Idempotency-Key", "k3b"), 201, "the corrected theme under the same key")
	})

	t.Run("rows 1 and 2: self-acceptance and a backdated acceptance", func(t *testing.T) {
		rc := must(t, d.post("/v1/rectifications", office, order("u2", "review", "rv-1", 1)), 201, "order").body["id"].(string)
		base := "/v1/rectifications/" + rc
		must(t, d.post(base+"/acknowledge", both, map[string]any{}), 200, "acknowledge")
		must(t, d.post(base+"/submit", both, map[string]any{"summary": "已整改", "evidence": evidence}), 200, "submit")
		before := d.head()
		if r := d.post(base+"/accept", both, map[string]any{}); r.status != 403 {
			t.Fatalf("the submitter accepts: %d %+v, want 403", r.status, r.problem)
		}
		back := d.post(base+"/accept", superior, map[string]any{"occurred_at": time.Now().Add(-24 * time.Hour).Format(time.RFC3339)})
		if back.status != 422 || back.problem.Field != "occurred_at" {
			t.Fatalf("backdated acceptance: %d %+v, want 422 naming occurred_at", back.status, back.problem)
		}
		if d.head() != before {
			t.Errorf("refused acceptances appended %d events", d.head()-before)
		}
		must(t, d.post(base+"/accept", superior, map[string]any{}), 200, "accept by another principal")
	})
}

// TestCreatingRoutesDeclareReferences: a creating route that acts in a
// unit must have a body that declares its references, or its unit would be
// checked by the fallback only and its other references not at all.
func TestCreatingRoutesDeclareReferences(t *testing.T) {
	referrer := reflect.TypeFor[domain.Referrer]()
	for _, rt := range (&api.Commands{}).List() {
		if rt.UnitField == "" {
			continue
		}
		if !rt.Handler.Body.Implements(referrer) {
			t.Errorf("%s: body %v names its unit in %q but declares no references", rt.Pattern, rt.Handler.Body, rt.UnitField)
		}
	}
}
