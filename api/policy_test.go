package api_test

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
)

// policyFile is the access policy the tests hold the code to.
const policyFile = "../docs/authorization.md"

// policyRoute is one row of the policy's route table.
type policyRoute struct {
	method, path string
	public       bool       // no token needed
	roles        []api.Role // the roles that may call it, if not public
	scope        string
}

// key is the route as "METHOD path", the way chi.Walk names it.
func (r policyRoute) key() string { return r.method + " " + r.path }

// allows reports whether a caller holding role may call the route.
func (r policyRoute) allows(role api.Role) bool { return r.public || slices.Contains(r.roles, role) }

var (
	policyOnce sync.Once
	policy     map[string]policyRoute
	policyErr  string
)

// readPolicy parses the route table of docs/authorization.md: the table
// whose header is "| method | path | roles | scope |". Roles are
// back-quoted role names separated by commas, or "public".
func readPolicy(tb testing.TB) map[string]policyRoute {
	tb.Helper()
	policyOnce.Do(func() { policy, policyErr = parsePolicy() })
	if policyErr != "" {
		tb.Fatalf("%s: %s", policyFile, policyErr)
	}
	return policy
}

func parsePolicy() (map[string]policyRoute, string) {
	raw, err := os.ReadFile(policyFile)
	if err != nil {
		return nil, err.Error()
	}
	out := map[string]policyRoute{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		cells := tableCells(line)
		switch {
		case !in && len(cells) == 4 && cells[0] == "method" && cells[1] == "path" && cells[2] == "roles" && cells[3] == "scope":
			in = true
			continue
		case !in:
			continue
		case !strings.HasPrefix(line, "|"):
			in = false // the table has ended
			continue
		case strings.Trim(line, "|- ") == "":
			continue // the header's rule
		}
		if len(cells) != 4 {
			return nil, "line " + strconv.Itoa(n) + ": want 4 cells (method, path, roles, scope), got " + strconv.Itoa(len(cells))
		}
		r := policyRoute{method: cells[0], path: cells[1], scope: cells[3]}
		if r.method != http.MethodGet && r.method != http.MethodPost {
			return nil, "line " + strconv.Itoa(n) + ": method " + r.method + " is neither GET nor POST"
		}
		if cells[2] == "public" {
			r.public = true
		} else {
			for name := range strings.SplitSeq(cells[2], ",") {
				role, err := api.ParseRole(strings.Trim(strings.TrimSpace(name), "`"))
				if err != nil {
					return nil, "line " + strconv.Itoa(n) + ": " + err.Error()
				}
				r.roles = append(r.roles, role)
			}
		}
		if r.scope == "" {
			return nil, "line " + strconv.Itoa(n) + ": " + r.key() + " has no scope rule"
		}
		if _, dup := out[r.key()]; dup {
			return nil, "line " + strconv.Itoa(n) + ": " + r.key() + " is listed twice"
		}
		out[r.key()] = r
	}
	if len(out) == 0 {
		return nil, "no route table (a table headed | method | path | roles | scope |)"
	}
	return out, ""
}

// tableCells splits a markdown table row into its trimmed cells.
func tableCells(line string) []string {
	if !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") || len(line) < 2 {
		return nil
	}
	var cells []string
	for c := range strings.SplitSeq(line[1:len(line)-1], "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells
}

// policyFor returns the policy of the route served as method path, and
// fails the test if the policy does not list it.
func policyFor(tb testing.TB, method, path string) policyRoute {
	tb.Helper()
	r, ok := readPolicy(tb)[method+" "+path]
	if !ok {
		tb.Fatalf("%s %s is not in %s", method, path, policyFile)
	}
	return r
}

// roleRefused reports whether an answer is the role check's refusal: a
// 403 whose detail says the caller lacks the role. Any other answer (a
// scope refusal, a validation error, success) got past the role check.
func roleRefused(status int, p api.Problem) bool {
	return status == http.StatusForbidden && strings.Contains(p.Detail, "lacks the role")
}

// TestPolicyDocumentMatchesRoutes holds the server to docs/authorization.md:
// the route table lists exactly the routes the server mounts (with every
// part configured: commands, history and audit, reads, seals, admin), and
// for every route and every role a token of just that role gets past the
// role check exactly when the table lists the role. Public routes answer
// any caller, and every other route wants a token.
func TestPolicyDocumentMatchesRoutes(t *testing.T) {
	doc := readPolicy(t)
	d := newDistrict(t)
	handler, _ := d.serveEverything(t)

	var served []string
	err := chi.Walk(handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range served {
		if _, ok := doc[op]; !ok {
			t.Errorf("%s is mounted but not in %s", op, policyFile)
		}
	}
	for op := range doc {
		if !slices.Contains(served, op) {
			t.Errorf("%s is in %s but not mounted", op, policyFile)
		}
	}
	if len(served) < 80 {
		t.Errorf("only %d routes mounted; the server under test is missing a part", len(served))
	}

	// Path parameters get values that exist where that is cheap (the
	// answers past the role check do not matter here, only that they are
	// not the role check's refusal).
	fill := strings.NewReplacer("{id}", "policy-probe", "{stream}", "unit-u2", "{size}", "1", "{group}", "g1", "{unit}", "u2",
		"{sha256}", strings.Repeat("0", 64))
	for _, op := range served {
		rt := doc[op]
		path := fill.Replace(rt.path)
		if !rt.public {
			t.Run(op+" without a token", func(t *testing.T) {
				if r := d.send(rt.method, path, ""); r.status != http.StatusUnauthorized {
					t.Errorf("status %d, want 401", r.status)
				}
			})
		} else if r := d.send(rt.method, path, ""); r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
			t.Errorf("%s is public but answered %d without a token", op, r.status)
		}
		for _, role := range api.Roles {
			t.Run(op+" "+string(role), func(t *testing.T) {
				tok := mintPrincipal(t, api.Principal{Subject: "policy-" + string(role), Roles: []api.Role{role}, Units: []string{"u0"}, Group: "g1"})
				r := d.send(rt.method, path, tok)
				switch refused := roleRefused(r.status, r.problem); {
				case rt.allows(role) && refused:
					t.Errorf("%s is listed for %s but refused for its role: %d %q", role, op, r.status, r.problem.Detail)
				case !rt.allows(role) && !refused:
					t.Errorf("%s is not listed for %s but got past the role check: %d %q, want 403 lacking the role", role, op, r.status, r.problem.Detail)
				}
			})
		}
	}
}

// mintPrincipal signs a token for p, valid for an hour.
func mintPrincipal(tb testing.TB, p api.Principal) string {
	tb.Helper()
	tok, err := api.HS256{Key: secret}.Mint(p, time.Hour, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// readerCase is a principal and the units its reads must show.
type readerCase struct {
	name  string
	p     api.Principal
	scope []string // the units whose rows it sees; nil: every unit
	group string   // a group view it asks for ("" for none)
	view  int      // the status that group view must answer
}

// TestReadScopeRules holds the dashboard reads to the scope rules of
// docs/authorization.md: an inspector sees its group's assignment only
// as a current member of the group on the ledger; the group claim counts
// for inspectors only and the units claim for clerks and superiors only;
// of several roles, those the route allows count. Each list must show
// exactly the seeded rows of the expected units, and a unit outside them
// asked for by name is a 403.
func TestReadScopeRules(t *testing.T) {
	d := newDistrict(t)
	rows := seedAreas(t, d)
	office := tokenWith(t, api.RoleOffice)
	// A group its member was removed from, and a dissolved one, both
	// assigned area a1 (u1, u2, u3).
	removed := must(t, d.post("/v1/groups", office, map[string]any{"name": "第二指导检查组", "members": []string{"inspector-3", "inspector-5"}}), 201, "group").body["id"].(string)
	must(t, d.post("/v1/groups/"+removed+"/assignments", office, map[string]any{"target_kind": "area", "target_id": "a1"}), 200, "assign")
	must(t, d.post("/v1/groups/"+removed+"/member-removals", office, map[string]any{"member_id": "inspector-3"}), 200, "remove member")
	dissolved := must(t, d.post("/v1/groups", office, map[string]any{"name": "第三指导检查组", "members": []string{"inspector-4"}}), 201, "group").body["id"].(string)
	must(t, d.post("/v1/groups/"+dissolved+"/assignments", office, map[string]any{"target_kind": "area", "target_id": "a1"}), 200, "assign")
	must(t, d.post("/v1/groups/"+dissolved+"/dissolve", office, map[string]any{"reason": "任务完成"}), 200, "dissolve")
	pr := d.project(t)
	d.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Reads: pr.reads(d)})

	roles := func(rs ...api.Role) []api.Role { return rs }
	tests := []readerCase{
		{"a member inspector sees its group's area", api.Principal{Subject: "inspector-1", Roles: roles(api.RoleInspector), Group: "g1"},
			[]string{"u5", "u6"}, "g1", 200},
		{"an inspector not in the group sees nothing of its units", api.Principal{Subject: "inspector-2", Roles: roles(api.RoleInspector), Group: "g1"},
			[]string{}, "g1", 403},
		{"an inspector removed from the group sees nothing", api.Principal{Subject: "inspector-3", Roles: roles(api.RoleInspector), Group: removed},
			[]string{}, removed, 403},
		{"an inspector of a dissolved group sees nothing", api.Principal{Subject: "inspector-4", Roles: roles(api.RoleInspector), Group: dissolved},
			[]string{}, dissolved, 403},
		{"an inspector's units claim gives nothing", api.Principal{Subject: "inspector-1", Roles: roles(api.RoleInspector), Units: []string{"u2"}},
			[]string{}, "", 0},
		{"a clerk with a group claim sees only its units' subtrees", api.Principal{Subject: "inspector-1", Roles: roles(api.RoleClerk), Units: []string{"u2"}, Group: "g1"},
			[]string{"u2"}, "g1", 403},
		{"a superior with a group claim sees only its units' subtrees", api.Principal{Subject: "inspector-1", Roles: roles(api.RoleSuperior), Units: []string{"u1"}, Group: "g1"},
			[]string{"u1", "u2", "u3"}, "", 0},
		{"a clerk and member inspector sees both scopes", api.Principal{Subject: "inspector-1", Roles: roles(api.RoleClerk, api.RoleInspector), Units: []string{"u2"}, Group: "g1"},
			[]string{"u2", "u5", "u6"}, "g1", 200},
		{"the admin role adds nothing to a clerk's reads", api.Principal{Subject: "clerk-admin", Roles: roles(api.RoleClerk, api.RoleAdmin), Units: []string{"u2"}},
			[]string{"u2"}, "", 0},
		{"the analyst role reads the district", api.Principal{Subject: "clerk-analyst", Roles: roles(api.RoleClerk, api.RoleAnalyst), Units: []string{"u2"}},
			nil, "g1", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mintPrincipal(t, tt.p)
			for list, ids := range rows {
				got := listIDs(t, d, "/v1/views/"+list, tok)
				for id, unit := range ids {
					in := tt.scope == nil || slices.Contains(tt.scope, unit)
					switch _, shown := got[id]; {
					case in && !shown:
						t.Errorf("%s: %s of unit %s not shown, want it (scope %v)", list, id, unit, tt.scope)
					case !in && shown:
						t.Errorf("%s: %s of unit %s shown, outside the scope %v", list, id, unit, tt.scope)
					}
				}
			}
			for _, unit := range []string{"u2", "u6"} {
				want := http.StatusOK
				if tt.scope != nil && !slices.Contains(tt.scope, unit) {
					want = http.StatusForbidden
				}
				if code, body := d.get("/v1/views/pledges?unit="+unit, tok); code != want {
					t.Errorf("pledges of %s: %d %s, want %d", unit, code, body, want)
				}
			}
			if tt.group != "" {
				if code, body := d.get("/v1/views/groups/"+tt.group, tok); code != tt.view {
					t.Errorf("view of group %s: %d %s, want %d", tt.group, code, body, tt.view)
				}
			}
		})
	}
}

// writeRulesPending names the scope rules of docs/authorization.md that
// the write side (api/scope.go, api/commands.go) does not enforce yet;
// the change that makes it enforce them is under way (issue 10). A case
// of TestWriteScopeRules under a pending rule that fails is skipped and
// says why; once every case of a rule holds, the test fails until the
// rule is taken off this list, and FuzzScope then checks it too.
var writeRulesPending = map[string]bool{}

// The scope rules the write-side cases check (docs/authorization.md,
// "Scope rules").
const (
	ruleMembership     = "an inspector's group counts only while it is a member"    // rule 3
	ruleInspectorUnits = "an inspector's units claim gives nothing"                 // rule 3
	ruleGroupClaim     = "the group claim counts for inspectors only"               // rule 4
	ruleSeveralRoles   = "of several roles, only those the route lists count"       // rule 5
	ruleReferences     = "every unit or group named must exist, for the office too" // rule 1
	ruleBothUnits      = "both units of a move or contact point must be in scope"   // rule 7
	ruleOwnGroup       = "an inspector records inspections for its own group only"  // routes table
)

// TestWriteScopeRules holds the commands to the scope rules: each case is
// a principal, a command and the answer the policy requires; a refusal
// appends nothing.
func TestWriteScopeRules(t *testing.T) {
	d := newDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	// A member of u2 for each case that acts on one, so that a case the
	// write side wrongly lets through moves no other case's member.
	member := func() string {
		return must(t, d.post("/v1/members", office, map[string]any{"name": "王芳", "unit_id": "u2"}), 201, "member").body["id"].(string)
	}
	g2 := must(t, d.post("/v1/groups", office, map[string]any{"name": "第二指导检查组", "members": []string{"inspector-3", "inspector-5"}}), 201, "group").body["id"].(string)
	must(t, d.post("/v1/groups/"+g2+"/assignments", office, map[string]any{"target_kind": "area", "target_id": "a1"}), 200, "assign")
	must(t, d.post("/v1/groups/"+g2+"/member-removals", office, map[string]any{"member_id": "inspector-3"}), 200, "remove member")

	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20).String()
	pledge := func(unit string) map[string]any {
		return map[string]any{"maker": "unit", "unit": unit, "quarter": quarter, "category": "stage_task", "title": "完成任务", "content": "按期完成"}
	}
	pledgeU6 := must(t, d.post("/v1/pledges", token(t, "clerk-u6", api.RoleClerk, "u6"), pledge("u6")), 201, "pledge").body["id"].(string)
	order := func(unit string) map[string]any {
		return map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
			"unit": unit, "person": "李四", "requirement": "整改", "deadline": deadline}
	}
	review := func(unit string) map[string]any {
		return map[string]any{"form": "meeting", "subject": "unit", "unit_id": unit, "reviewer": "李书记", "measures": []string{"专人负责"}}
	}
	inspect := func(unit, group string) map[string]any {
		return map[string]any{"kind": "special", "unit_id": unit, "group_id": group}
	}
	p := func(subject string, roles []api.Role, units []string, group string) string {
		return mintPrincipal(t, api.Principal{Subject: subject, Roles: roles, Units: units, Group: group})
	}
	rs := func(roles ...api.Role) []api.Role { return roles }
	clerkU2 := token(t, "clerk-u2", api.RoleClerk, "u2")
	tests := []struct {
		name, rule string // rule "" is one the write side holds to already
		tok, path  string
		body       map[string]any
		status     int
		field      string
	}{
		{"a member inspector orders in its group's area", "", tokenGroup(t, "inspector-1", "g1"), "/v1/rectifications", order("u6"), 201, ""},
		{"an inspector not in its group orders nothing there", ruleMembership, tokenGroup(t, "inspector-2", "g1"), "/v1/rectifications", order("u6"), 403, ""},
		{"an inspector removed from its group orders nothing there", ruleMembership, tokenGroup(t, "inspector-3", g2), "/v1/rectifications", order("u2"), 403, ""},
		{"an inspector's units claim gives nothing", ruleInspectorUnits, p("inspector-1", rs(api.RoleInspector), []string{"u2"}, ""), "/v1/rectifications", order("u2"), 403, ""},
		{"a clerk's group claim gives nothing", ruleGroupClaim, p("inspector-1", rs(api.RoleClerk), []string{"u2"}, "g1"), "/v1/pledges", pledge("u6"), 403, ""},
		{"a clerk with a group claim records in its own unit", "", p("inspector-1", rs(api.RoleClerk), []string{"u2"}, "g1"), "/v1/pledges", pledge("u2"), 201, ""},
		{"a superior's group claim gives nothing", ruleGroupClaim, p("inspector-1", rs(api.RoleSuperior), []string{"u1"}, "g1"), "/v1/reviews", review("u6"), 403, ""},
		{"a clerk and office token submits pledges for its units only", ruleSeveralRoles, p("clerk-office", rs(api.RoleClerk, api.RoleOffice), []string{"u2"}, ""), "/v1/pledges", pledge("u6"), 403, ""},
		{"a clerk and office token orders anywhere as the office", "", p("clerk-office", rs(api.RoleClerk, api.RoleOffice), []string{"u2"}, ""), "/v1/rectifications", order("u6"), 201, ""},
		{"a superior and member inspector token reviews in either scope", "", p("inspector-1", rs(api.RoleSuperior, api.RoleInspector), []string{"u1"}, "g1"), "/v1/reviews", review("u6"), 201, ""},
		{"a superior and member inspector token files pledges in the superior's scope only", ruleSeveralRoles, p("inspector-1", rs(api.RoleSuperior, api.RoleInspector), []string{"u1"}, "g1"), "/v1/pledges/" + pledgeU6 + "/file", map[string]any{"note": "同意备案"}, 403, ""},
		{"the office orders nothing for an unknown unit", ruleReferences, office, "/v1/rectifications", order("u404"), 422, "unit"},
		{"the office reviews no unknown unit", ruleReferences, office, "/v1/reviews", review("u404"), 422, "unit_id"},
		{"a superior reviewing an unknown unit is told the field", ruleReferences, token(t, "superior-u1", api.RoleSuperior, "u1"), "/v1/reviews", review("u404"), 422, "unit_id"},
		{"the office records no inspection for an unknown group", ruleReferences, office, "/v1/inspections", inspect("u2", "g404"), 422, "group_id"},
		{"an inspector records inspections for its own group only", ruleOwnGroup, tokenGroup(t, "inspector-1", "g1"), "/v1/inspections", inspect("u6", g2), 403, ""},
		{"an inspector records its own group's inspection", "", tokenGroup(t, "inspector-1", "g1"), "/v1/inspections", inspect("u6", "g1"), 201, ""},
		{"a clerk moves no member out of its scope", ruleBothUnits, clerkU2, "/v1/members/" + member() + "/move", map[string]any{"unit_id": "u6"}, 403, ""},
		{"a clerk assigns no contact point outside its scope", ruleBothUnits, clerkU2, "/v1/members/" + member() + "/contact-points", map[string]any{"unit_id": "u6"}, 403, ""},
		{"a clerk assigns a contact point in its scope", "", clerkU2, "/v1/members/" + member() + "/contact-points", map[string]any{"unit_id": "u2"}, 200, ""},
		{"a superior moves a member within its subtree", "", token(t, "superior-u1", api.RoleSuperior, "u1"), "/v1/members/" + member() + "/move", map[string]any{"unit_id": "u3"}, 200, ""},
	}
	holds := map[string]bool{}
	for _, tt := range tests {
		if writeRulesPending[tt.rule] {
			holds[tt.rule] = true
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := d.head()
			r := d.post(tt.path, tt.tok, tt.body, "Idempotency-Key", "write-rule-"+strconv.Itoa(i))
			var wrong []string
			if r.status != tt.status {
				wrong = append(wrong, "status "+strconv.Itoa(r.status)+" ("+r.problem.Detail+"), want "+strconv.Itoa(tt.status))
			}
			if tt.field != "" && r.problem.Field != tt.field {
				wrong = append(wrong, "field "+strconv.Quote(r.problem.Field)+", want "+strconv.Quote(tt.field))
			}
			if tt.status >= 400 && d.head() != before {
				wrong = append(wrong, "a refused request appended events")
			}
			switch {
			case len(wrong) == 0:
			case writeRulesPending[tt.rule]:
				holds[tt.rule] = false
				t.Skipf("pending on the write side (%s): %s", tt.rule, strings.Join(wrong, "; "))
			default:
				t.Error(strings.Join(wrong, "; "))
			}
		})
	}
	for rule, ok := range holds {
		if ok {
			t.Errorf("the write side now holds to %q in every case: take it off writeRulesPending (api/policy_test.go) so FuzzScope checks it too", rule)
		}
	}
}
