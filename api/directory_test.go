package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cxzy/ledger/api"
)

// TestDirectoryReads: the areas, units and groups of the test district
// (newDistrict: areas a1 and a2 named 片区a1 and 片区a2, led by 王伟; units
// u0 the district, street u1 with branches u2 and u3 in a1, street u5
// with branch u6 in a2, each named 单位<id>; group g1 of inspector-1,
// assigned area a2) plus, here, an assignment of unit u1 to g1, read by
// every role. The expected answers are worked out by hand from that
// setup and docs/authorization.md (rule 8): a restricted reader gets the
// units of its scope, the areas they lie in, and the groups covering one
// of them with that coverage only.
func TestDirectoryReads(t *testing.T) {
	d := newDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	must(t, d.post("/v1/groups/g1/assignments", office, map[string]any{"target_kind": "unit", "target_id": "u1"}), 200, "assign u1")
	pr := d.project(t)
	d.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Reads: pr.reads(d)})

	readers := []struct {
		name, token         string
		areas, units, group string
	}{
		{"office", office,
			"a1 片区a1 王伟; a2 片区a2 王伟",
			"u0 单位u0 district - - 0; u1 单位u1 street u0 a1 1; u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2; u5 单位u5 street u0 a2 1; u6 单位u6 branch u5 a2 2",
			"g1 第一指导检查组 active 1 areas [a2] units [u1 u2 u3] covered 5"},
		{"analyst", tokenWith(t, api.RoleAnalyst),
			"a1 片区a1 王伟; a2 片区a2 王伟",
			"u0 单位u0 district - - 0; u1 单位u1 street u0 a1 1; u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2; u5 单位u5 street u0 a2 1; u6 单位u6 branch u5 a2 2",
			"g1 第一指导检查组 active 1 areas [a2] units [u1 u2 u3] covered 5"},
		{"clerk of u2", token(t, "clerk-u2", api.RoleClerk, "u2"),
			"a1 片区a1 王伟", "u2 单位u2 branch u1 a1 2", "g1 第一指导检查组 active 1 areas [] units [u2] covered 1"},
		{"superior of u5", token(t, "superior-u5", api.RoleSuperior, "u5"),
			"a2 片区a2 王伟", "u5 单位u5 street u0 a2 1; u6 单位u6 branch u5 a2 2", "g1 第一指导检查组 active 1 areas [a2] units [] covered 2"},
		{"inspector of g1", tokenGroup(t, "inspector-1", "g1"),
			"a1 片区a1 王伟; a2 片区a2 王伟",
			"u1 单位u1 street u0 a1 1; u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2; u5 单位u5 street u0 a2 1; u6 单位u6 branch u5 a2 2",
			"g1 第一指导检查组 active 1 areas [a2] units [u1 u2 u3] covered 5"},
		{"inspector not in g1", tokenGroup(t, "inspector-2", "g1"), "", "", ""},
		{"a clerk of no unit", tokenWith(t, api.RoleClerk), "", "", ""},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			if got := directoryPage(t, d, "/v1/views/areas", rd.token, func(r map[string]any) string {
				return fmt.Sprint(r["id"], " ", r["name"], " ", r["leader"])
			}); got != rd.areas {
				t.Errorf("areas: %q, want %q", got, rd.areas)
			}
			if got := directoryPage(t, d, "/v1/views/units", rd.token, unitLine); got != rd.units {
				t.Errorf("units: %q, want %q", got, rd.units)
			}
			if got := directoryPage(t, d, "/v1/views/groups", rd.token, func(r map[string]any) string {
				return fmt.Sprint(r["id"], " ", r["name"], " ", r["state"], " ", r["members"], " areas ", r["areas"], " units ", r["units"], " covered ", r["covered"])
			}); got != rd.group {
				t.Errorf("groups: %q, want %q", got, rd.group)
			}
		})
	}

	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	for _, tt := range []struct {
		name, path, token, want string
	}{
		{"area a1", "/v1/views/units?area=a1", office, "u1 单位u1 street u0 a1 1; u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2"},
		{"children of u1", "/v1/views/units?parent=u1", office, "u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2"},
		{"branches", "/v1/views/units?kind=branch", office, "u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2; u6 单位u6 branch u5 a2 2"},
		{"a superior's branches", "/v1/views/units?kind=branch", superior, "u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2"},
		{"a superior asking for another area gets nothing of it", "/v1/views/units?area=a2", superior, ""},
		{"a page of two", "/v1/views/units?limit=2", office, "u0 单位u0 district - - 0; u1 单位u1 street u0 a1 1"},
	} {
		if got := directoryPage(t, d, tt.path, tt.token, unitLine); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	code, body := d.get("/v1/views/units?limit=2", office)
	var page api.ListPage[map[string]any]
	if json.Unmarshal(body, &page); code != 200 || page.Next == "" {
		t.Errorf("a page of two: %d, next %q; want a cursor", code, page.Next)
	}
	if got := directoryPage(t, d, "/v1/views/units?limit=2&after="+page.Next, office, unitLine); got != "u2 单位u2 branch u1 a1 2; u3 单位u3 branch u1 a1 2" {
		t.Errorf("the second page: %q", got)
	}

	for _, tt := range []struct {
		name, path, token string
		status            int
		field             string
	}{
		{"a parent outside the scope", "/v1/views/units?parent=u5", superior, 403, "parent"},
		{"an unknown kind", "/v1/views/units?kind=castle", office, 400, "kind"},
		{"the admin reads no campaign data", "/v1/views/areas", tokenWith(t, api.RoleAdmin), 403, ""},
	} {
		code, body := d.get(tt.path, tt.token)
		var p api.Problem
		json.Unmarshal(body, &p)
		if code != tt.status || p.Field != tt.field {
			t.Errorf("%s: %d %s, want %d naming %q", tt.name, code, body, tt.status, tt.field)
		}
	}
}

// directoryPage reads a directory list and writes each item as line
// does, joined by "; ".
func directoryPage(t *testing.T, d *district, path, tok string, line func(map[string]any) string) string {
	t.Helper()
	code, body := d.get(path, tok)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, code, body)
	}
	var page api.ListPage[map[string]any]
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range page.Items {
		out = append(out, line(it))
	}
	return strings.Join(out, "; ")
}

func unitLine(r map[string]any) string {
	dash := func(v any) any {
		if v == "" {
			return "-"
		}
		return v
	}
	return fmt.Sprint(r["id"], " ", r["name"], " ", r["kind"], " ", dash(r["parent_id"]), " ", dash(r["area_id"]), " ", r["level"])
}
