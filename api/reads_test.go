package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// TestEveryReadByRoleAndScope is the role × scope table of the dashboard
// reads, over the district of newDistrict projected into real ClickHouse:
// a role the route does not list gets 403; a listed role gets 200 for what
// its scope covers and 403 for a unit or group outside it; and what a
// scoped reader is shown never strays outside its scope.
func TestEveryReadByRoleAndScope(t *testing.T) {
	d := newDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(5).String()
	for _, unit := range []string{"u2", "u6"} {
		must(t, d.post("/v1/rectifications", office, map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
			"unit": unit, "person": "李四", "requirement": "整改", "deadline": deadline}), 201, "rectification")
	}
	conn, db := chtest.Open(t)
	reg := catalog.New()
	p := projections.NewProjector(conn, db, d.log, reg, projections.All(d.log, reg, domain.DefaultLocation()))
	ctx := context.Background()
	if _, err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Verifier: api.HS256{Key: secret}, Reads: &api.Reads{Conn: conn, DB: db,
		Position: func(context.Context) (uint64, error) { return p.Position(), nil }}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	d.srv = srv

	// Each role's principal, the unit and group its scope covers, and a
	// unit and group it does not ("" where nothing lies outside).
	type reader struct {
		token             string
		inUnit, outUnit   string
		inGroup, outGroup string
		unitsSeen         []string // the units a scoped reader may be shown
	}
	mint := func(role api.Role, units []string, group string) string {
		tok, err := api.HS256{Key: secret}.Mint(api.Principal{Subject: string(role) + "-r", Roles: []api.Role{role}, Units: units, Group: group},
			time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	readers := map[api.Role]reader{
		api.RoleClerk:     {token: mint(api.RoleClerk, []string{"u2"}, ""), inUnit: "u2", outUnit: "u6", inGroup: "g1", unitsSeen: []string{"u2"}},
		api.RoleSuperior:  {token: mint(api.RoleSuperior, []string{"u1"}, ""), inUnit: "u2", outUnit: "u6", inGroup: "g1", unitsSeen: []string{"u1", "u2", "u3"}},
		api.RoleInspector: {token: mint(api.RoleInspector, nil, "g1"), inUnit: "u6", outUnit: "u2", inGroup: "g1", outGroup: "g2", unitsSeen: []string{"u5", "u6"}},
		api.RoleOffice:    {token: office, inUnit: "u6", inGroup: "g1"},
		api.RoleAnalyst:   {token: mint(api.RoleAnalyst, nil, ""), inUnit: "u2", inGroup: "g1"},
		api.RoleAdmin:     {token: mint(api.RoleAdmin, nil, ""), inUnit: "u2", inGroup: "g1"},
	}
	routes := api.ReadRoutes()
	if len(routes) < 6 {
		t.Fatalf("only %d read routes", len(routes))
	}
	for _, rt := range routes {
		takesUnit := slices.ContainsFunc(rt.Params, func(p api.ReadParam) bool { return p.Name == "unit" })
		for _, role := range api.Roles {
			rd := readers[role]
			allowed := slices.Contains(rt.Roles, role)
			type attempt struct {
				name, path string
				want       int
			}
			in, out := rt.Pattern, ""
			switch {
			case strings.Contains(rt.Pattern, "{group}"):
				in = strings.Replace(rt.Pattern, "{group}", rd.inGroup, 1)
				if rd.outGroup != "" {
					out = strings.Replace(rt.Pattern, "{group}", rd.outGroup, 1)
				}
			case takesUnit:
				in = rt.Pattern + "?unit=" + rd.inUnit
				if rd.outUnit != "" {
					out = rt.Pattern + "?unit=" + rd.outUnit
				}
			case strings.HasSuffix(rt.Pattern, "/trends"):
				in = rt.Pattern + "?grain=month"
			}
			attempts := []attempt{{"in scope", in, 200}, {"unscoped", strings.Split(in, "?")[0] + trendGrain(rt.Pattern), 200}}
			if out != "" {
				attempts = append(attempts, attempt{"out of scope", out, 403})
			}
			for _, a := range attempts {
				if !allowed {
					a.want = 403
				}
				t.Run(fmt.Sprintf("%s %s %s", rt.Pattern, role, a.name), func(t *testing.T) {
					code, body := d.get(a.path, rd.token)
					if code != a.want {
						t.Fatalf("GET %s = %d %s, want %d", a.path, code, body, a.want)
					}
					if code != 200 || rd.unitsSeen == nil {
						return
					}
					var page struct {
						Items []struct {
							Unit string `json:"unit"`
						} `json:"items"`
					}
					json.Unmarshal(body, &page)
					for _, it := range page.Items {
						if it.Unit != "" && !slices.Contains(rd.unitsSeen, it.Unit) {
							t.Errorf("%s is shown unit %s, outside %v", role, it.Unit, rd.unitsSeen)
						}
					}
				})
			}
		}
	}
}

// trendGrain is the one parameter a route cannot do without.
func trendGrain(pattern string) string {
	if strings.HasSuffix(pattern, "/trends") {
		return "?grain=quarter"
	}
	return ""
}
