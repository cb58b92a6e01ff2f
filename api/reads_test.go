package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/api/console"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evstore "github.com/cxzy/ledger/evidence"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// projected is a district's read side: its log projected into a fresh
// database of the real ClickHouse.
type projected struct {
	conn driver.Conn
	db   string
	p    *projections.Projector
}

// project creates the read models of the district's log and brings them
// up to its head.
func (d *district) project(t testing.TB) *projected {
	t.Helper()
	conn, db := chtest.Open(t)
	reg := catalog.New()
	p := projections.NewProjector(conn, db, d.log, reg, projections.All(d.log, reg, domain.DefaultLocation()))
	if _, err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	pr := &projected{conn: conn, db: db, p: p}
	pr.catchUp(t)
	return pr
}

// catchUp projects what the log holds now.
func (pr *projected) catchUp(t testing.TB) {
	t.Helper()
	if _, err := pr.p.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// reads serves the read models, with the district's log for group
// membership.
func (pr *projected) reads(d *district) *api.Reads {
	return &api.Reads{Conn: pr.conn, DB: pr.db, Scope: api.Scope{Handler: d.cmds.Handler},
		Position: func(context.Context) (uint64, error) { return pr.p.Position(), nil }}
}

// serve makes s the district's server.
func (d *district) serve(t testing.TB, s *api.Server) http.Handler {
	t.Helper()
	h := s.Handler()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	d.srv = srv
	return h
}

// serveEverything serves every part of the API over the district:
// commands, history and audit, reads (projected now), verifiable history
// with a sealer of its own, and admin.
func (d *district) serveEverything(t testing.TB) (http.Handler, *projected) {
	t.Helper()
	pr := d.project(t)
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	skey, vkey, err := seal.GenerateKey("policy-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := seal.LoadSigner(skey, "")
	if err != nil {
		t.Fatal(err)
	}
	sealer := &seal.Sealer{Log: d.log, Tree: tree, Handler: d.cmds.Handler, Signer: signer, Origin: "cxzy-ledger/policy-test"}
	store, err := evstore.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	index := evstore.NewIndex(d.log, catalog.New())
	if err := index.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := d.serve(t, &api.Server{
		Evidence: &api.Evidence{Store: store, Index: index, Handler: d.cmds.Handler, Scope: api.Scope{Handler: d.cmds.Handler}},
		Verifier: api.HS256{Key: secret},
		Commands: d.cmds,
		History:  d.history,
		Reads:    pr.reads(d),
		Reports:  &api.Reports{Reads: pr.reads(d), Log: d.log, Sealer: sealer, Keys: []string{vkey}},
		Seals:    &api.Seals{Sealer: sealer, Log: d.log, Scope: api.Scope{Handler: d.cmds.Handler}, Keys: []string{vkey}},
		Admin:    &api.Admin{Log: d.log, SnapshotDir: t.TempDir()},
		// The console and the development login are mounted too, so the
		// route table covers them.
		Console:   console.Routes,
		DevTokens: &api.DevTokens{Signer: api.HS256{Key: secret}},
	})
	return h, pr
}

// send makes a request with a token ("" for none); a POST carries {}.
func (d *district) send(method, path, tok string) reply {
	d.t.Helper()
	if method == http.MethodPost {
		return d.post(path, tok, map[string]any{})
	}
	code, raw := d.get(path, tok)
	r := reply{status: code}
	if json.Unmarshal(raw, &r.problem) != nil || r.problem.Status == 0 {
		r.problem = api.Problem{}
		json.Unmarshal(raw, &r.body)
	}
	return r
}

// seeded is what seedAreas recorded: the id of every row of each list,
// by the unit it belongs to.
type seeded map[string]map[string]string // list name → id → unit

// seedAreas records, through the command routes, pledges, reviews,
// inspections and rectifications in both areas of the district: in a1's
// street u1 and its branches u2 and u3, and in a2's street u5 and its
// branch u6, so that every scoped reader has rows on both sides of its
// boundary.
func seedAreas(t *testing.T, d *district) seeded {
	t.Helper()
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(5).String()
	office := tokenWith(t, api.RoleOffice)
	inspector := tokenGroup(t, "inspector-1", "g1")
	s := seeded{"pledges": {}, "reviews": {}, "inspections": {}, "rectifications": {}}
	record := func(list, unit, tok string, body map[string]any) {
		t.Helper()
		r := must(t, d.post("/v1/"+list, tok, body), 201, list+" of "+unit)
		s[list][r.body["id"].(string)] = unit
	}
	for _, unit := range []string{"u1", "u2", "u3", "u5", "u6"} {
		record("pledges", unit, token(t, "clerk-"+unit, api.RoleClerk, unit), map[string]any{"maker": "unit", "unit": unit,
			"quarter": quarter, "category": "stage_task", "title": "完成任务", "content": "按期完成"})
		record("rectifications", unit, office, map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
			"unit": unit, "person": "李四", "requirement": "整改", "deadline": deadline})
		record("reviews", unit, office, map[string]any{"form": "meeting", "subject": "unit", "unit_id": unit, "reviewer": "李书记",
			"shortcomings": []map[string]any{{"text": "台账不全"}}, "measures": []string{"专人负责"}})
	}
	for _, unit := range []string{"u2", "u3"} {
		record("inspections", unit, office, map[string]any{"kind": "special", "unit_id": unit, "group_id": "g1"})
	}
	for _, unit := range []string{"u5", "u6"} {
		record("inspections", unit, inspector, map[string]any{"kind": "random", "unit_id": unit, "group_id": "g1"})
	}
	return s
}

// TestEveryReadByRoleAndScope is the role × scope table of the dashboard
// reads, over a district with pledges, reviews, inspections and
// rectifications in both areas, projected into real ClickHouse: a role
// the policy does not list for the route gets 403; a listed role gets 200
// for what its scope covers and 403 for a unit or group outside it; and a
// scoped reader is shown every row of its scope and none outside it.
// The rows outside are read back as the office first, so the test cannot
// pass for want of them.
func TestEveryReadByRoleAndScope(t *testing.T) {
	d := newDistrict(t)
	rows := seedAreas(t, d)
	pr := d.project(t)
	d.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Reads: pr.reads(d)})
	office := tokenWith(t, api.RoleOffice)

	// Each role's principal, the unit and group its scope covers, and a
	// unit and group it does not ("" where nothing lies outside).
	type reader struct {
		token             string
		inUnit, outUnit   string
		inGroup, outGroup string
		scope             []string // the units a scoped reader may be shown; nil: all
	}
	mint := func(role api.Role, units []string, group string) string {
		return mintPrincipal(t, api.Principal{Subject: string(role) + "-r", Roles: []api.Role{role}, Units: units, Group: group})
	}
	readers := map[api.Role]reader{
		api.RoleClerk:     {token: mint(api.RoleClerk, []string{"u2"}, ""), inUnit: "u2", outUnit: "u6", inGroup: "g1", scope: []string{"u2"}},
		api.RoleSuperior:  {token: mint(api.RoleSuperior, []string{"u1"}, ""), inUnit: "u2", outUnit: "u6", inGroup: "g1", scope: []string{"u1", "u2", "u3"}},
		api.RoleInspector: {token: tokenGroup(t, "inspector-1", "g1"), inUnit: "u6", outUnit: "u2", inGroup: "g1", outGroup: "g2", scope: []string{"u5", "u6"}},
		api.RoleOffice:    {token: office, inUnit: "u6", inGroup: "g1"},
		api.RoleAnalyst:   {token: mint(api.RoleAnalyst, nil, ""), inUnit: "u2", inGroup: "g1"},
		api.RoleAdmin:     {token: mint(api.RoleAdmin, nil, ""), inUnit: "u2", inGroup: "g1"},
	}

	// The office sees every seeded row: the rows outside each reader's
	// scope exist in the read models.
	for list, ids := range rows {
		got := listIDs(t, d, "/v1/views/"+list, office)
		for id, unit := range ids {
			if got[id] != unit {
				t.Errorf("the office does not see %s %s of %s (sees %v)", list, id, unit, got)
			}
		}
	}

	routes := api.ReadRoutes()
	if len(routes) < 6 {
		t.Fatalf("only %d read routes", len(routes))
	}
	for _, rt := range routes {
		pol := policyFor(t, http.MethodGet, rt.Pattern)
		takesUnit := slices.ContainsFunc(rt.Params, func(p api.ReadParam) bool { return p.Name == "unit" })
		list := strings.TrimPrefix(rt.Pattern, "/v1/views/")
		for _, role := range api.Roles {
			rd := readers[role]
			allowed := pol.allows(role)
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
			case strings.HasSuffix(rt.Pattern, "/rankings"):
				in = rt.Pattern + "?area=a2&month=2011-09"
			}
			attempts := []attempt{{"in scope", in, 200}, {"unscoped", strings.Split(in, "?")[0] + requiredParams(rt.Pattern), 200}}
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
					if code != 200 || rd.scope == nil {
						return
					}
					var page struct {
						Items []struct {
							Unit string `json:"unit"`
						} `json:"items"`
					}
					json.Unmarshal(body, &page)
					for _, it := range page.Items {
						if it.Unit != "" && !slices.Contains(rd.scope, it.Unit) {
							t.Errorf("%s is shown unit %s, outside %v", role, it.Unit, rd.scope)
						}
					}
				})
			}
			// A list read without a filter shows exactly the seeded rows
			// of the reader's scope.
			ids, seededList := rows[list]
			if !seededList || !allowed || rd.scope == nil {
				continue
			}
			t.Run(fmt.Sprintf("%s %s every row of its scope and none outside", rt.Pattern, role), func(t *testing.T) {
				want, outside := map[string]string{}, 0
				for id, unit := range ids {
					if slices.Contains(rd.scope, unit) {
						want[id] = unit
					} else {
						outside++
					}
				}
				if len(want) == 0 || outside == 0 {
					t.Fatalf("the seed has %d rows inside %v and %d outside: both must be some", len(want), rd.scope, outside)
				}
				got := listIDs(t, d, rt.Pattern, rd.token)
				for id, unit := range got {
					if _, ok := ids[id]; ok && want[id] == "" {
						t.Errorf("%s is shown %s %s of unit %s, outside its scope %v", role, list, id, unit, rd.scope)
					}
				}
				for id, unit := range want {
					if got[id] != unit {
						t.Errorf("%s is not shown %s %s of unit %s, in its scope", role, list, id, unit)
					}
				}
			})
		}
	}

	// The summary counts the rectifications of the scope only: one per
	// seeded unit.
	for role, n := range map[api.Role]int{api.RoleClerk: 1, api.RoleSuperior: 3, api.RoleInspector: 2, api.RoleOffice: 5, api.RoleAnalyst: 5} {
		code, body := d.get("/v1/views/rectifications/summary", readers[role].token)
		var ans api.RectificationSummaryAnswer
		if json.Unmarshal(body, &ans); code != 200 || ans.Summary.Total != n {
			t.Errorf("%s's rectification summary: %d, total %d, want 200 and %d", role, code, ans.Summary.Total, n)
		}
	}
}

// listIDs reads a whole list (up to 1000 rows) and returns each row's
// unit by id.
func listIDs(t *testing.T, d *district, path, tok string) map[string]string {
	t.Helper()
	code, body := d.get(path+"?limit=1000", tok)
	if code != 200 {
		t.Fatalf("GET %s = %d %s", path, code, body)
	}
	var page struct {
		Items []struct {
			ID   string `json:"id"`
			Unit string `json:"unit"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, it := range page.Items {
		out[it.ID] = it.Unit
	}
	return out
}

// requiredParams are the parameters a route cannot do without.
func requiredParams(pattern string) string {
	switch {
	case strings.HasSuffix(pattern, "/trends"):
		return "?grain=quarter"
	case strings.HasSuffix(pattern, "/rankings"):
		return "?area=a1&month=2011-09"
	}
	return ""
}

// TestTrendsOverScope: trends count the reader's units only, and for a
// reader whose scope is restricted a cell of fewer than 3 units is left
// out and counted (docs/authorization.md, rule 9). The district has, in
// this quarter and month, one pledge of street u1 and one of each of
// branches u2 and u4, two of branch u3 (all area a1), one of branch u6
// (area a2) and one of street u5 (a2), withdrawn: by hand, area a1 has
// 4 branch pledges from 3 units and 1 street pledge from 1 unit; area a2
// has 1 branch pledge from 1 unit and a street figure of 0 from no unit.
func TestTrendsOverScope(t *testing.T) {
	d := newDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	u4 := must(t, d.post("/v1/units", office, map[string]any{"name": "第四支部", "kind": "branch", "parent_id": "u1", "area_id": "a1"}), 201, "unit").body["id"].(string)
	now := time.Now().In(domain.DefaultLocation())
	quarter, month := domain.QuarterOf(now).String(), now.Format("2006-01")
	pledge := func(unit string) string {
		t.Helper()
		return must(t, d.post("/v1/pledges", token(t, "clerk-"+unit, api.RoleClerk, unit), map[string]any{"maker": "unit", "unit": unit,
			"quarter": quarter, "category": "stage_task", "title": "完成任务", "content": "按期完成"}), 201, "pledge of "+unit).body["id"].(string)
	}
	for _, unit := range []string{"u1", "u2", "u3", "u3", u4, "u6"} {
		pledge(unit)
	}
	withdrawn := pledge("u5")
	must(t, d.post("/v1/pledges/"+withdrawn+"/withdraw", token(t, "clerk-u5", api.RoleClerk, "u5"), map[string]any{"reason": "重复"}), 200, "withdraw")
	pr := d.project(t)
	d.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Reads: pr.reads(d)})

	row := func(period, area, kind string, n int64) projections.TrendRow {
		return projections.TrendRow{Period: period, Area: area, UnitKind: kind, Metric: projections.MetricPledgesMade, Value: n}
	}
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	tests := []struct {
		name, query, tok string
		want             []projections.TrendRow
		suppressed       int
		minUnits         int
	}{
		{"the office sees every cell", "grain=quarter", office,
			[]projections.TrendRow{row(quarter, "a1", "branch", 4), row(quarter, "a1", "street", 1), row(quarter, "a2", "branch", 1), row(quarter, "a2", "street", 0)}, 0, 0},
		{"an analyst sees every cell", "grain=month", tokenWith(t, api.RoleAnalyst),
			[]projections.TrendRow{row(month, "a1", "branch", 4), row(month, "a1", "street", 1), row(month, "a2", "branch", 1), row(month, "a2", "street", 0)}, 0, 0},
		{"a superior sees its 3-unit cell; its street alone is suppressed", "grain=quarter", superior,
			[]projections.TrendRow{row(quarter, "a1", "branch", 4)}, 1, 3},
		{"by month too", "grain=month", superior,
			[]projections.TrendRow{row(month, "a1", "branch", 4)}, 1, 3},
		{"overall, the superior's 4 units make one cell", "grain=quarter&overall=true", superior,
			[]projections.TrendRow{row(quarter, "", "", 5)}, 0, 3},
		{"a superior asking for another area gets nothing of it", "grain=quarter&area=a2&unit_kind=branch", superior, nil, 0, 3},
		{"a clerk's one unit is suppressed", "grain=quarter", clerk, nil, 1, 3},
		{"a clerk asking for another area's branches gets nothing of them", "grain=quarter&area=a2&unit_kind=branch", clerk, nil, 0, 3},
		{"an inspector's branch of one unit and street of none are suppressed", "grain=quarter", tokenGroup(t, "inspector-1", "g1"), nil, 2, 3},
		{"a reader of no unit gets nothing", "grain=quarter", tokenWith(t, api.RoleClerk), nil, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := d.get("/v1/views/trends?metric=pledges_made&"+tt.query, tt.tok)
			if code != 200 {
				t.Fatalf("GET trends?%s = %d %s", tt.query, code, body)
			}
			var got api.TrendsAnswer
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Items) != fmt.Sprint(tt.want) && !(len(got.Items) == 0 && len(tt.want) == 0) {
				t.Errorf("items = %v, want %v", got.Items, tt.want)
			}
			if got.Suppressed != tt.suppressed || got.MinUnits != tt.minUnits {
				t.Errorf("suppressed %d, min_units %d; want %d and %d", got.Suppressed, got.MinUnits, tt.suppressed, tt.minUnits)
			}
		})
	}

	// The CSV export (with headers=keys, the machine layout) leaves out
	// the same cells and says how many.
	req, _ := http.NewRequest(http.MethodGet, d.srv.URL+"/v1/views/trends?metric=pledges_made&grain=quarter&format=csv&headers=keys", nil)
	req.Header.Set("Authorization", "Bearer "+superior)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw := new(strings.Builder)
	if _, err := io.Copy(raw, resp.Body); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(raw.String()), "\n")
	if resp.StatusCode != 200 || resp.Header.Get("X-Suppressed-Cells") != "1" || len(lines) != 2 || !strings.Contains(lines[1], ",a1,branch,pledges_made,4") {
		t.Errorf("CSV: %d, X-Suppressed-Cells %q, lines %q; want 200, 1 and a header and the a1 branch row", resp.StatusCode, resp.Header.Get("X-Suppressed-Cells"), lines)
	}
}
