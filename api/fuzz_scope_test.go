package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
)

// The pools FuzzScope draws principals from: the district's units and one
// that does not exist, its group and two that do not, and a subject that
// is a member of g1 or is not.
var (
	fuzzUnits    = []string{"u0", "u1", "u2", "u3", "u5", "u6", "u404"}
	fuzzGroups   = []string{"", "g1", "g404", "g2"}
	fuzzSubjects = []string{"inspector-1", "fuzz-a", "clerk-u2"}
)

// fuzzPrincipal builds a principal from the fuzzer's bytes: a non-empty
// role set, a subset of fuzzUnits, a group claim and a subject.
func fuzzPrincipal(roles, units, group, subject uint8) api.Principal {
	p := api.Principal{Subject: fuzzSubjects[int(subject)%len(fuzzSubjects)], Group: fuzzGroups[int(group)%len(fuzzGroups)]}
	bits := roles%63 + 1 // never no role: a token needs one
	for i, r := range api.Roles {
		if bits&(1<<i) != 0 {
			p.Roles = append(p.Roles, r)
		}
	}
	for i, u := range fuzzUnits {
		if units&(1<<i) != 0 {
			p.Units = append(p.Units, u)
		}
	}
	return p
}

// FuzzScope sends random principals (role sets, unit lists, group claims,
// subjects in and out of the group) to random authenticated routes with
// bodies from the seed corpus. The properties, from docs/authorization.md:
// a principal none of whose roles the route's row lists is refused by the
// role check (never a 2xx); and no event a request appends is about a
// unit outside the principal's scope on that route, as the policy's scope
// rules compute it from the ledger (an event of no unit only by the
// office; a registered unit's parent, a moved unit's old place and new
// parent in scope too). Rules the write side does not enforce yet
// (writeRulesPending) are checked as the write side has them until they
// land.
func FuzzScope(f *testing.F) {
	d := newDistrict(f)
	office := tokenWith(f, api.RoleOffice)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20).String()
	month := time.Now().In(domain.DefaultLocation()).Format("2006-01")
	creates := map[string]func(unit string) string{
		"pledges": func(u string) string {
			return `{"maker":"unit","unit":"` + u + `","quarter":"` + quarter + `","category":"stage_task","title":"完成任务","content":"按期完成"}`
		},
		"rectifications": func(u string) string {
			return `{"source":{"kind":"inspection","ref":"in-1","item":1},"unit":"` + u + `","person":"李四","requirement":"整改","deadline":"` + deadline + `"}`
		},
		"reviews": func(u string) string {
			return `{"form":"meeting","subject":"unit","unit_id":"` + u + `","reviewer":"李书记","shortcomings":[{"text":"台账不全"}],"measures":["专人负责"]}`
		},
		"members":     func(u string) string { return `{"name":"王芳","unit_id":"` + u + `"}` },
		"inspections": func(u string) string { return `{"kind":"special","unit_id":"` + u + `","group_id":"g1"}` },
		"surveys": func(u string) string {
			return `{"unit_id":"` + u + `","period":"` + quarter + `","very_satisfied":3,"satisfied":2,"basically_satisfied":1,"dissatisfied":1}`
		},
		"vanguards": func(u string) string {
			return `{"kind":"collective","unit_id":"` + u + `","category":{"key":"service","name":"服务群众先锋"},"quarter":"` + quarter + `"}`
		},
		"themes":       func(u string) string { return `{"unit_id":"` + u + `","quarter":"` + quarter + `","title":"主题"}` },
		"star-ratings": func(u string) string { return `{"unit_id":"` + u + `","period":"` + quarter + `","stars":3}` },
		"units": func(u string) string {
			// A new branch beside u, under the same street.
			parent, area := map[string]string{"u2": "u1", "u6": "u5"}[u], map[string]string{"u2": "a1", "u6": "a2"}[u]
			return `{"name":"新支部","kind":"branch","parent_id":"` + parent + `","area_id":"` + area + `"}`
		},
	}
	// Entities in both areas for the routes that act on one.
	ids := map[string][]string{"areas": {"a1", "a2"}, "units": {"u2", "u6"}, "groups": {"g1"}}
	for family, body := range creates {
		for _, u := range []string{"u2", "u6"} {
			tok := office
			if family == "pledges" {
				tok = token(f, "clerk-"+u, api.RoleClerk, u)
			}
			r := d.post("/v1/"+family, tok, json.RawMessage(body(u)))
			id, ok := r.body["id"].(string)
			if !ok {
				f.Fatalf("seed %s of %s: %d %+v", family, u, r.status, r.problem)
			}
			ids[family] = append(ids[family], id)
		}
	}
	r := d.post("/v1/rankings", office, json.RawMessage(`{"area_id":"a1","month":"`+month+`","rule_version":"2026-1","entries":[{"unit_id":"u2","score":92,"rank":1}]}`))
	id, ok := r.body["id"].(string)
	if !ok {
		f.Fatalf("seed ranking: %d %+v", r.status, r.problem)
	}
	ids["rankings"] = []string{id}
	streams := []string{"unit-u2", "unit-u6", "area-a1", "pledge-" + ids["pledges"][0], "group-g1"}

	pr := d.project(f)
	handler := d.serve(f, &api.Server{Verifier: api.HS256{Key: secret}, Commands: d.cmds, History: d.history, Reads: pr.reads(d)})
	doc := readPolicy(f)
	var routes []policyRoute
	chi.Walk(handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if rt, ok := doc[method+" "+route]; ok && !rt.public {
			routes = append(routes, rt)
		}
		return nil
	})
	slices.SortFunc(routes, func(a, b policyRoute) int { return strings.Compare(a.key(), b.key()) })
	if len(routes) < 60 {
		f.Fatalf("only %d authenticated routes", len(routes))
	}

	generic := []string{
		`{"reason":"原因","note":"说明","name":"名称","evidence":[{"sha256":"` + strings.Repeat("ab", 32) + `","name":"a.jpg","size":1,"media_type":"image/jpeg"}]}`,
		`{"unit_id":"u6"}`, `{"unit_id":"u2"}`, `{"parent_id":"u6","area_id":"a2"}`, `{"member_id":"inspector-2"}`,
		`unit=u6`, `grain=quarter&area=a2&unit_kind=branch`, `{}`,
	}
	for i, rt := range routes {
		family := strings.Split(rt.path, "/")[2]
		bodies := generic
		if mk, ok := creates[family]; ok && rt.method == http.MethodPost && !strings.Contains(rt.path, "{id}") {
			bodies = []string{mk("u2"), mk("u6")}
		}
		for j, body := range bodies {
			// Each role alone, and a few mixtures, with units and group
			// claims that cover u2, u6 or nothing.
			f.Add(uint8(i), uint8(j*7), uint8(1<<2|j), uint8(j), uint8(j), uint8(j), body)
		}
		f.Add(uint8(i), uint8(0b100100), uint8(1<<2), uint8(1), uint8(1), uint8(1), bodies[0]) // inspector+analyst, not a member
	}

	ctx := context.Background()
	h := d.cmds.Handler
	f.Fuzz(func(t *testing.T, route, roles, units, group, subject, which uint8, body string) {
		d.t = t
		rt := routes[int(route)%len(routes)]
		p := fuzzPrincipal(roles, units, group, subject)
		family := strings.Split(rt.path, "/")[2]
		path := rt.path
		if strings.Contains(path, "{id}") {
			id := "missing"
			if list := ids[family]; len(list) > 0 {
				id = list[int(which)%len(list)]
			}
			path = strings.Replace(path, "{id}", id, 1)
		}
		path = strings.NewReplacer("{stream}", streams[int(which)%len(streams)], "{group}", fuzzGroups[1+int(which)%3], "{unit}", fuzzUnits[int(which)%len(fuzzUnits)]).Replace(path)

		oracle, err := newScopeOracle(ctx, h, p, rt.roles)
		if err != nil {
			t.Fatal(err)
		}
		// A unit move changes the moved unit's place: its old place is
		// judged before the request.
		movedBefore := true
		if rt.path == "/v1/units/{id}/move" {
			if movedBefore, err = oracle.covers(ctx, strings.Split(path, "/")[3]); err != nil {
				t.Fatal(err)
			}
		}
		head, err := d.log.Head()
		if err != nil {
			t.Fatal(err)
		}
		tok := mintPrincipal(t, p)
		var status int
		var problem api.Problem
		if rt.method == http.MethodPost {
			r := d.post(path, tok, json.RawMessage(body))
			status, problem = r.status, r.problem
		} else {
			if !strings.ContainsAny(body, " #\x00\r\n") && len(body) < 300 {
				path += "?" + body
			}
			req, err := http.NewRequest(http.MethodGet, d.srv.URL+path, nil)
			if err != nil {
				return // not a request a client can send
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			status = resp.StatusCode
			json.NewDecoder(resp.Body).Decode(&problem)
			resp.Body.Close()
		}
		if status >= 500 {
			t.Fatalf("%s %s as %+v answered %d: %+v", rt.method, path, p, status, problem)
		}
		listed := slices.ContainsFunc(p.Roles, rt.allows)
		if !listed && (status < 400 || !roleRefused(status, problem)) {
			t.Fatalf("%s %s: roles %v are not listed (%v) but the answer is %d %q, want the role check's 403", rt.method, path, p.Roles, rt.roles, status, problem.Detail)
		}
		if rt.method != http.MethodPost {
			return
		}
		events, err := d.log.ReadAll(ctx, head, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) > 0 && (!listed || status >= 400) {
			t.Fatalf("%s %s answered %d but appended %d events", rt.method, path, status, len(events))
		}
		for _, e := range events {
			if oracle.all {
				break
			}
			if e.Unit == "" {
				t.Fatalf("%s %s as %+v appended %s about no unit; only the office's scope covers that", rt.method, path, p, e.Type)
			}
			if writeRulesPending[ruleBothUnits] && slices.Contains([]string{"member.moved", "member.contact_point_assigned", "member.contact_point_ended"}, e.Type) {
				continue // their unit is the second unit: pending
			}
			unit := e.Unit
			switch e.Type {
			case "unit.registered", "unit.moved":
				var u struct {
					ParentID string `json:"parent_id"`
				}
				json.Unmarshal(e.Payload, &u)
				if e.Type == "unit.moved" && !movedBefore {
					t.Fatalf("%s as %+v moved unit %s from outside its scope", path, p, e.Unit)
				}
				unit = u.ParentID
				if unit == "" {
					continue // a move within the same parent changes the area only
				}
			}
			in, err := oracle.covers(ctx, unit)
			if err != nil {
				t.Fatal(err)
			}
			if !in {
				t.Fatalf("%s %s as %+v appended %s about unit %s, outside its scope", rt.method, path, p, e.Type, unit)
			}
		}
	})
}

// scopeOracle is the policy's scope of one principal on one route,
// computed from the ledger by the rules of docs/authorization.md (not by
// the code under test): only the roles the route lists count; the
// office covers everything; clerks and superiors the subtrees of their
// units; an inspector its group's assignment while a member. For a rule
// still in writeRulesPending it computes what the write side does today.
type scopeOracle struct {
	h     *command.Handler
	all   bool
	roots []string
	group *inspection.Group // nil: no group counts
}

func newScopeOracle(ctx context.Context, h *command.Handler, p api.Principal, routeRoles []api.Role) (*scopeOracle, error) {
	counted := api.Principal{Subject: p.Subject}
	for _, r := range p.Roles {
		if slices.Contains(routeRoles, r) || writeRulesPending[ruleSeveralRoles] {
			counted.Roles = append(counted.Roles, r)
		}
	}
	o := &scopeOracle{h: h}
	if counted.Has(api.RoleOffice) {
		o.all = true
		return o, nil
	}
	if counted.Has(api.RoleClerk, api.RoleSuperior) || writeRulesPending[ruleInspectorUnits] {
		o.roots = p.Units
	}
	if p.Group != "" && (counted.Has(api.RoleInspector) || writeRulesPending[ruleGroupClaim]) {
		g, err := command.Load(ctx, h, inspection.GroupStream(p.Group), &inspection.Group{})
		if err != nil {
			return nil, err
		}
		member := slices.Contains(g.Members, p.Subject) || writeRulesPending[ruleMembership]
		if g.Exists() && !g.Dissolved && member {
			o.group = g
		}
	}
	return o, nil
}

// covers reports whether the scope covers unit, by the tree as the log has
// it now.
func (o *scopeOracle) covers(ctx context.Context, unit string) (bool, error) {
	if o.all {
		return true, nil
	}
	var chain []string
	area := ""
	for id := unit; id != "" && len(chain) < 16; {
		u, err := command.Load(ctx, o.h, org.UnitStream(id), &org.Unit{})
		if err != nil {
			return false, err
		}
		if !u.Exists() {
			break
		}
		chain = append(chain, id)
		if area == "" {
			area = u.AreaID
		}
		id = u.ParentID
	}
	for _, u := range chain {
		if slices.Contains(o.roots, u) {
			return true, nil
		}
	}
	if o.group == nil || len(chain) == 0 {
		return false, nil
	}
	if area != "" && o.group.Covers(inspection.Target{Kind: inspection.TargetArea, ID: area}) {
		return true, nil
	}
	for _, u := range chain {
		if o.group.Covers(inspection.Target{Kind: inspection.TargetUnit, ID: u}) {
			return true, nil
		}
	}
	return false, nil
}
