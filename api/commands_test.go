package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

var secret = []byte("a-development-secret-32-bytes-ok")

// district is a small unit tree: u0 (district) → u1 (street, area a1) →
// u2, u3 (branches); u0 → u5 (street, area a2) → u6. Group g1 is assigned
// area a2.
type district struct {
	t       testing.TB
	log     *embedded.Store
	srv     *httptest.Server
	cmds    *api.Commands
	history *api.History
}

func newDistrict(t testing.TB, opts ...command.Option) *district {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	h := command.NewHandler(log, catalog.New(), opts...)
	ctx := context.Background()
	office := command.Command{Actor: domain.Actor{ID: "office-1"}}
	run := func(id string, f func(m domain.Meta) ([]domain.Event, error), stream string) {
		t.Helper()
		c := office
		c.ID = "setup-" + id
		if _, err := command.Create(ctx, h, stream, c, f); err != nil {
			t.Fatalf("setup %s: %v", id, err)
		}
	}
	for _, a := range []string{"a1", "a2"} {
		run(a, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea(a, org.RegisterArea{Name: "片区" + a, Leader: "王伟"}, m)
		}, org.AreaStream(a))
	}
	units := []struct{ id, parent, area, kind string }{
		{"u0", "", "", "district"}, {"u1", "u0", "a1", "street"}, {"u2", "u1", "a1", "branch"},
		{"u3", "u1", "a1", "branch"}, {"u5", "u0", "a2", "street"}, {"u6", "u5", "a2", "branch"},
	}
	for _, u := range units {
		kind, _ := org.ParseKind(u.kind)
		var parent *org.Unit
		if u.parent != "" {
			p, err := command.Load(ctx, h, org.UnitStream(u.parent), &org.Unit{})
			if err != nil {
				t.Fatal(err)
			}
			parent = p
		}
		run(u.id, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewUnit(u.id, org.RegisterUnit{Name: "单位" + u.id, Kind: kind, ParentID: u.parent, AreaID: u.area}, parent, m)
		}, org.UnitStream(u.id))
	}
	run("g1", func(m domain.Meta) ([]domain.Event, error) {
		return inspection.NewGroup("g1", inspection.FormGroup{Name: "第一指导检查组", Members: []string{"inspector-1"}}, m)
	}, inspection.GroupStream("g1"))
	c := office
	c.ID = "setup-assign"
	if _, err := command.Execute(ctx, h, inspection.GroupStream("g1"), c, func() *inspection.Group { return &inspection.Group{} },
		func(g *inspection.Group, m domain.Meta) ([]domain.Event, error) {
			return g.Assign(inspection.AssignGroup{Target: inspection.Target{Kind: inspection.TargetArea, ID: "a2"}}, m)
		}); err != nil {
		t.Fatal(err)
	}
	// The sources rectifications cite must exist: an inspection of u6 by
	// g1 with two findings, and a review remark of u2 with a shortcoming.
	run("in-1", func(m domain.Meta) ([]domain.Event, error) {
		return inspection.New("in-1", inspection.Start{Kind: inspection.Random, UnitID: "u6", GroupID: "g1"}, m)
	}, inspection.Stream("in-1"))
	for k := range 2 {
		c := office
		c.ID = fmt.Sprintf("setup-finding-%d", k)
		if _, err := command.Execute(ctx, h, inspection.Stream("in-1"), c, func() *inspection.Inspection { return &inspection.Inspection{} },
			func(in *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
				return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{Text: "台账不全", Severity: inspection.Moderate, OrdersRectification: true}}, m)
			}); err != nil {
			t.Fatal(err)
		}
	}
	run("rv-1", func(m domain.Meta) ([]domain.Event, error) {
		return review.New("rv-1", review.Record{Form: review.FormWritten, Subject: review.SubjectUnit, UnitID: "u2", Reviewer: "张书记",
			Content: review.Content{Shortcomings: []review.Shortcoming{{Text: "学习记录不全", OrdersRectification: true}}}}, m)
	}, review.Stream("rv-1"))
	cmds := &api.Commands{Handler: h, Scope: api.Scope{Handler: h}}
	history := &api.History{Log: log, Scope: api.Scope{Handler: h}}
	s := &api.Server{Commands: cmds, History: history, Verifier: api.HS256{Key: secret}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &district{t: t, log: log, srv: srv, cmds: cmds, history: history}
}

func token(t testing.TB, subject string, role api.Role, units ...string) string {
	t.Helper()
	tok, err := api.HS256{Key: secret}.Mint(api.Principal{Subject: subject, Roles: []api.Role{role}, Units: units}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type reply struct {
	status  int
	body    map[string]any
	problem api.Problem
}

func (d *district) post(path, tok string, body any, headers ...string) reply {
	d.t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode}
	raw := new(bytes.Buffer)
	raw.ReadFrom(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		json.Unmarshal(raw.Bytes(), &r.problem)
	} else {
		json.Unmarshal(raw.Bytes(), &r.body)
	}
	return r
}

func (d *district) head() uint64 {
	d.t.Helper()
	h, err := d.log.Head()
	if err != nil {
		d.t.Fatal(err)
	}
	return h.Commit
}

func must(t *testing.T, r reply, status int, what string) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; problem %+v", what, r.status, status, r.problem)
	}
	return r
}

var evidence = []map[string]any{{"sha256": strings.Repeat("ab", 32), "name": "整改照片.jpg", "size": 2048, "media_type": "image/jpeg"}}

// TestQuarterThroughHTTP drives a pledge and a rectification through
// their whole lives over HTTP, each step by the role that takes it.
func TestQuarterThroughHTTP(t *testing.T) {
	d := newDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()

	p := must(t, d.post("/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "service_for_masses", "title": "为群众办实事", "content": "解决小区照明问题"}, "Idempotency-Key", "pledge-1"), 201, "submit")
	id := p.body["id"].(string)
	again := must(t, d.post("/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "service_for_masses", "title": "为群众办实事", "content": "解决小区照明问题"}, "Idempotency-Key", "pledge-1"), 200, "retried submit")
	if again.body["id"] != id || again.body["duplicate"] != true {
		t.Errorf("retry answered %v, want the first pledge %s marked duplicate", again.body, id)
	}
	base := "/v1/pledges/" + id
	must(t, d.post(base+"/return", superior, map[string]any{"reason": "内容不够具体"}), 200, "return")
	must(t, d.post(base+"/revise", clerk, map[string]any{"category": "service_for_masses", "title": "为群众办实事", "content": "本季度安装路灯二十盏"}), 200, "revise")
	must(t, d.post(base+"/file", superior, map[string]any{"note": "同意备案"}), 200, "file")
	must(t, d.post(base+"/disclose", clerk, map[string]any{"channel": "公开栏"}), 200, "disclose")
	must(t, d.post(base+"/progress", clerk, map[string]any{"report_id": "r1", "percent": 50, "narrative": "已安装十盏", "evidence": evidence}), 200, "progress")
	must(t, d.post(base+"/fulfil", clerk, map[string]any{"narrative": "全部安装完毕", "evidence": evidence}), 200, "fulfil")
	ev := must(t, d.post(base+"/evaluations", superior, map[string]any{"evaluator": "organisation", "grade": "excellent", "score": 95}), 200, "evaluate")
	if ev.body["last_version"].(float64) != 8 {
		t.Errorf("pledge stream ends at version %v, want 8", ev.body["last_version"])
	}
	// The actor on every event is the token's subject.
	evs, err := d.log.ReadStream(context.Background(), ev.body["stream"].(string), 0, eventlog.Forwards, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, e := range evs {
		actors = append(actors, e.Actor)
	}
	want := "[clerk-u2 superior-u1 clerk-u2 superior-u1 clerk-u2 clerk-u2 clerk-u2 superior-u1]"
	if fmt.Sprint(actors) != want {
		t.Errorf("actors = %v, want %s", actors, want)
	}

	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20)
	rc := must(t, d.post("/v1/rectifications", superior, map[string]any{"source": map[string]any{"kind": "review", "ref": "rv-1", "item": 1},
		"unit": "u2", "person": "张三", "requirement": "完善公开栏", "deadline": deadline.String()}), 201, "order")
	rid := rc.body["id"].(string)
	rb := "/v1/rectifications/" + rid
	must(t, d.post(rb+"/acknowledge", clerk, map[string]any{}), 200, "acknowledge")
	must(t, d.post(rb+"/extension-requests", clerk, map[string]any{"reasons": "材料未到", "progress": "已完成一半"}), 200, "request extension")
	if r := d.post(rb+"/extension-grants", clerk, map[string]any{"new_deadline": deadline.AddDays(10).String()}); r.status != 403 {
		t.Errorf("a clerk granting an extension: %d, want 403", r.status)
	}
	must(t, d.post(rb+"/extension-grants", superior, map[string]any{"new_deadline": deadline.AddDays(10).String()}), 200, "grant extension")
	must(t, d.post(rb+"/submit", clerk, map[string]any{"summary": "已整改", "evidence": evidence}), 200, "submit")
	must(t, d.post(rb+"/reject", superior, map[string]any{"reason": "照片不清晰"}), 200, "reject")
	must(t, d.post(rb+"/submit", clerk, map[string]any{"summary": "重新提交", "evidence": evidence}), 200, "resubmit")
	acc := must(t, d.post(rb+"/accept", superior, map[string]any{"note": "同意销号"}), 200, "accept")
	if acc.body["last_version"].(float64) != 8 {
		t.Errorf("rectification stream ends at version %v, want 8", acc.body["last_version"])
	}
}

// TestCommandsRefuseAndAppendNothing is the role × scope table for the
// command routes: every refusal has its status and appends nothing.
func TestCommandsRefuseAndAppendNothing(t *testing.T) {
	d := newDistrict(t)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	submit := func(unit string) map[string]any {
		return map[string]any{"maker": "unit", "unit": unit, "quarter": quarter, "category": "stage_task", "title": "完成任务", "content": "按期完成"}
	}
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20).String()
	order := func(unit string) map[string]any {
		return map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
			"unit": unit, "person": "李四", "requirement": "整改", "deadline": deadline}
	}
	tests := []struct {
		name   string
		path   string
		tok    string
		body   any
		status int
	}{
		{"clerk of the unit submits", "/v1/pledges", token(t, "clerk-u2", api.RoleClerk, "u2"), submit("u2"), 201},
		{"clerk of a sibling unit", "/v1/pledges", token(t, "clerk-u3", api.RoleClerk, "u3"), submit("u2"), 403},
		{"clerk of the parent covers its subtree", "/v1/pledges", token(t, "clerk-u1", api.RoleClerk, "u1"), submit("u2"), 201},
		{"analyst may not record", "/v1/pledges", token(t, "analyst-1", api.RoleAnalyst), submit("u2"), 403},
		{"admin records nothing in anyone's name", "/v1/pledges", token(t, "admin-1", api.RoleAdmin), submit("u2"), 403},
		{"superior may not submit a unit's pledge", "/v1/pledges", token(t, "superior-u1", api.RoleSuperior, "u1"), submit("u2"), 403},
		{"no token", "/v1/pledges", "", submit("u2"), 401},
		{"unknown unit", "/v1/pledges", token(t, "clerk-u2", api.RoleClerk, "u2"), submit("u404"), 422},
		{"validation names the field", "/v1/pledges", token(t, "clerk-u2", api.RoleClerk, "u2"), map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter, "category": "stage_task", "title": "", "content": "x"}, 422},
		{"unknown field is refused", "/v1/pledges", token(t, "clerk-u2", api.RoleClerk, "u2"), map[string]any{"unit": "u2", "actor": "someone-else"}, 400},
		{"no unit is named, not out of scope", "/v1/pledges", token(t, "clerk-u2", api.RoleClerk, "u2"), map[string]any{"maker": "unit", "quarter": quarter, "category": "stage_task", "title": "完成任务", "content": "按期完成"}, 422},
		{"a member's unit_id is named for a clerk too", "/v1/members", token(t, "clerk-u2", api.RoleClerk, "u2"), map[string]any{"name": "王芳"}, 422},
		{"inspector of the group's area orders", "/v1/rectifications", tokenGroup(t, "inspector-1", "g1"), order("u6"), 201},
		{"inspector outside the group's area", "/v1/rectifications", tokenGroup(t, "inspector-1", "g1"), order("u2"), 403},
		{"office covers the district", "/v1/rectifications", token(t, "office-1", api.RoleOffice), order("u2"), 201},
		{"clerk may not order", "/v1/rectifications", token(t, "clerk-u2", api.RoleClerk, "u2"), order("u2"), 403},
		{"transition on a missing pledge", "/v1/pledges/nope/file", token(t, "superior-u1", api.RoleSuperior, "u1"), map[string]any{}, 404},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := d.head()
			r := d.post(tt.path, tt.tok, tt.body, "Idempotency-Key", fmt.Sprint("case-", i))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; problem %+v", r.status, tt.status, r.problem)
			}
			if tt.status >= 400 {
				if d.head() != before {
					t.Errorf("a refused request appended %d events", d.head()-before)
				}
				if r.problem.Status != tt.status || r.problem.Detail == "" {
					t.Errorf("problem = %+v", r.problem)
				}
			}
			if tt.name == "validation names the field" && r.problem.Field != "title" {
				t.Errorf("field = %q, want title", r.problem.Field)
			}
			if tt.name == "unknown field is refused" && r.problem.Field != "actor" {
				t.Errorf("field = %q, want actor", r.problem.Field)
			}
			if want := map[string]string{"no unit is named, not out of scope": "unit", "a member's unit_id is named for a clerk too": "unit_id"}[tt.name]; want != "" && r.problem.Field != want {
				t.Errorf("field = %q, want %s", r.problem.Field, want)
			}
		})
	}

	// A transition checks the entity's own unit: a clerk of u3 may not
	// file or revise u2's pledge, and a stale If-Match gives 412.
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	p := must(t, d.post("/v1/pledges", clerk, submit("u2")), 201, "submit")
	base := "/v1/pledges/" + p.body["id"].(string)
	before := d.head()
	if r := d.post(base+"/withdraw", token(t, "clerk-u3", api.RoleClerk, "u3"), map[string]any{"reason": "不做了"}); r.status != 403 {
		t.Errorf("withdraw by a clerk of another unit: %d, want 403", r.status)
	}
	if r := d.post(base+"/withdraw", clerk, map[string]any{"reason": "不做了"}, "If-Match", `"7"`); r.status != 412 || r.problem.Field != "If-Match" {
		t.Errorf("stale If-Match: %d %+v, want 412 naming If-Match", r.status, r.problem)
	}
	if d.head() != before {
		t.Errorf("refused transitions appended %d events", d.head()-before)
	}
	if r := d.post(base+"/withdraw", clerk, map[string]any{"reason": "不做了"}, "If-Match", `"1"`); r.status != 200 {
		t.Errorf("withdraw with the current If-Match: %d %+v", r.status, r.problem)
	}
	if r := d.post(base+"/file", token(t, "superior-u1", api.RoleSuperior, "u1"), map[string]any{}); r.status != 422 {
		t.Errorf("filing a withdrawn pledge: %d, want 422", r.status)
	}
}

func tokenGroup(t testing.TB, subject, group string) string {
	t.Helper()
	tok, err := api.HS256{Key: secret}.Mint(api.Principal{Subject: subject, Roles: []api.Role{api.RoleInspector}, Group: group}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tokenWith(t testing.TB, role api.Role, units ...string) string {
	t.Helper()
	tok, err := api.HS256{Key: secret}.Mint(api.Principal{Subject: string(role) + "-tester", Roles: []api.Role{role}, Units: units}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestEveryRouteByRoleAndScope tries every command route with every role,
// in scope (the whole district) and out of it (a sibling unit): a role
// docs/authorization.md does not list for the route, or a unit outside the
// caller's scope, is refused with 403 and appends nothing; a listed role
// in scope is never refused for role or scope (it may still fail
// validation).
func TestEveryRouteByRoleAndScope(t *testing.T) {
	d := newDistrict(t)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	p := must(t, d.post("/v1/pledges", tokenWith(t, api.RoleClerk, "u2"), map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "stage_task", "title": "完成任务", "content": "按期完成"}), 201, "pledge")
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20).String()
	rc := must(t, d.post("/v1/rectifications", tokenWith(t, api.RoleOffice), map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
		"unit": "u2", "person": "李四", "requirement": "整改", "deadline": deadline}), 201, "rectification")
	ids := map[string]string{"pledges": p.body["id"].(string), "rectifications": rc.body["id"].(string)}
	office := tokenWith(t, api.RoleOffice)
	for family, body := range map[string]map[string]any{
		"members": {"name": "王芳", "unit_id": "u2"},
		"reviews": {"form": "meeting", "subject": "unit", "unit_id": "u2", "reviewer": "李书记",
			"shortcomings": []map[string]any{{"text": "台账不全"}}, "measures": []string{"专人负责"}},
		"inspections": {"kind": "special", "unit_id": "u2", "group_id": "g1"},
		"surveys":     {"unit_id": "u2", "period": quarter, "very_satisfied": 10, "satisfied": 5, "basically_satisfied": 1, "dissatisfied": 0},
		"vanguards":   {"kind": "collective", "unit_id": "u2", "category": map[string]any{"key": "service", "name": "服务群众先锋"}, "quarter": quarter},
	} {
		ids[family] = must(t, d.post("/v1/"+family, office, body), 201, family).body["id"].(string)
	}
	month := time.Now().In(domain.DefaultLocation()).Format("2006-01")
	for family, body := range map[string]map[string]any{
		"themes":       {"unit_id": "u2", "quarter": quarter, "title": "服务群众零距离"},
		"star-ratings": {"unit_id": "u2", "period": quarter, "stars": 3},
		"rankings": {"area_id": "a1", "month": month, "rule_version": "2026-1", "entries": []map[string]any{
			{"unit_id": "u2", "score": 92, "rank": 1}, {"unit_id": "u3", "score": 88, "rank": 2}}},
	} {
		ids[family] = must(t, d.post("/v1/"+family, office, body), 201, family).body["id"].(string)
	}
	ids["areas"], ids["units"], ids["groups"] = "a1", "u2", "g1"
	if ids["themes"] != "u2-"+quarter {
		t.Errorf("theme id = %q, want u2-%s", ids["themes"], quarter)
	}

	// An inspector's scope is its group's assignment, never a units
	// claim: a group of its own, assigned u2's area, so that the routes'
	// dissolving and reassigning g1 leave it alone.
	scopeGroup := must(t, d.post("/v1/groups", office, map[string]any{"name": "范围检查组", "members": []string{"inspector-1"}}), 201, "group").body["id"].(string)
	must(t, d.post("/v1/groups/"+scopeGroup+"/assignments", office, map[string]any{"target_kind": "area", "target_id": "a1"}), 200, "assignment")

	routes := d.cmds.List()
	if len(routes) < 20 {
		t.Fatalf("only %d command routes", len(routes))
	}
	for _, rt := range routes {
		// The roles come from the policy, never from the routes under test.
		pol := policyFor(t, http.MethodPost, rt.Pattern)
		family := strings.Split(rt.Pattern, "/")[2]
		path := strings.Replace(rt.Pattern, "{id}", ids[family], 1)
		body := map[string]any{}
		if !strings.Contains(rt.Pattern, "{id}") {
			body = map[string]any{}
			if rt.UnitField != "" {
				body[rt.UnitField] = "u2"
			}
		} else if ids[family] == "" {
			t.Fatalf("no %s to try %s on", family, rt.Pattern)
		}
		for _, role := range api.Roles {
			allowed := pol.allows(role)
			for _, scope := range []struct {
				name  string
				units []string
				in    bool
			}{{"in scope", []string{"u0"}, true}, {"out of scope", []string{"u3"}, role == api.RoleOffice}} {
				t.Run(fmt.Sprintf("%s %s %s", rt.Pattern, role, scope.name), func(t *testing.T) {
					before := d.head()
					tok := tokenWith(t, role, scope.units...)
					if role == api.RoleInspector && scope.in {
						tok = tokenGroup(t, "inspector-1", scopeGroup)
					}
					r := d.post(path, tok, body)
					refused := r.status == http.StatusForbidden
					switch {
					case !allowed && !refused:
						t.Errorf("role %s not listed for the route, got %d, want 403", role, r.status)
					case allowed && !scope.in && !refused:
						t.Errorf("out of scope, got %d, want 403", r.status)
					case allowed && scope.in && (refused || r.status == http.StatusUnauthorized):
						t.Errorf("listed role in scope refused: %d %+v", r.status, r.problem)
					}
					if refused && d.head() != before {
						t.Errorf("a refused request appended %d events", d.head()-before)
					}
				})
			}
		}
	}
}

func (d *district) get(path, tok string) (int, []byte) {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw := new(bytes.Buffer)
	raw.ReadFrom(resp.Body)
	return resp.StatusCode, raw.Bytes()
}

// TestHistory reads a pledge's audit history from the log: every event
// with its hash chain checked, as of a moment, within the reader's scope.
func TestHistory(t *testing.T) {
	d := newDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	p := must(t, d.post("/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "stage_task", "title": "完成任务", "content": "按期完成"}), 201, "submit")
	stream := p.body["stream"].(string)
	must(t, d.post("/v1/pledges/"+p.body["id"].(string)+"/return", superior, map[string]any{"reason": "请细化"}), 200, "return")
	between := time.Now()
	must(t, d.post("/v1/pledges/"+p.body["id"].(string)+"/revise", clerk, map[string]any{"category": "stage_task", "title": "完成任务", "content": "十月底前完成"}), 200, "revise")

	var h api.StreamHistory
	code, raw := d.get("/v1/history/"+stream, token(t, "inspector-9", api.RoleOffice))
	if code != 200 {
		t.Fatalf("history: %d %s", code, raw)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 3 || !h.Verified || h.Events[2].PrevHash != h.Events[1].Hash || h.Events[1].Actor != "superior-u1" {
		t.Errorf("history = %d events, verified %v, problem %q", len(h.Events), h.Verified, h.Problem)
	}
	code, raw = d.get("/v1/history/"+stream+"?as_of="+between.UTC().Format(time.RFC3339Nano), clerk)
	if code != 200 || json.Unmarshal(raw, &h) != nil || len(h.Events) != 2 {
		t.Errorf("history as of a moment between the 2nd and 3rd event: %d, %d events; want 200 and 2", code, len(h.Events))
	}
	if code, _ := d.get("/v1/history/"+stream, token(t, "clerk-u3", api.RoleClerk, "u3")); code != 403 {
		t.Errorf("history out of scope: %d, want 403", code)
	}
	if code, _ := d.get("/v1/history/"+stream, token(t, "analyst-1", api.RoleAnalyst)); code != 403 {
		t.Errorf("history for an analyst: %d, want 403", code)
	}
	// Whom a missing stream concerns is unknown: out of a clerk's scope
	// (403, as for another's), in the office's (404).
	if code, _ := d.get("/v1/history/pledge-nope", clerk); code != 403 {
		t.Errorf("history of a missing stream for a clerk: %d, want 403", code)
	}
	if code, _ := d.get("/v1/history/pledge-nope", token(t, "office-1", api.RoleOffice)); code != 404 {
		t.Errorf("history of a missing stream for the office: %d, want 404", code)
	}
	if code, _ := d.get("/v1/history/"+stream+"?as_of=yesterday", clerk); code != 400 {
		t.Errorf("bad as_of: %d, want 400", code)
	}
}
