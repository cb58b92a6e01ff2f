package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog/embedded"
	evstore "github.com/cxzy/ledger/evidence"
	"github.com/cxzy/ledger/seal"
)

// The tests of the API contract: the OpenAPI document's command bodies
// (their examples, required fields, enumerations and bounds) held to what
// the real server does, and the document held to describing every field.

// contractClock is the ledger clock of the contract's world: after every
// example's business time, so the examples are accepted whatever the day.
var contractClock = time.Date(2026, time.December, 6, 12, 0, 0, 0, domain.DefaultLocation())

// examplePhoto is the file the examples cite (exampleEvidence in
// api/contract_routes.go): 2048 bytes of a JPEG's look.
func examplePhoto() []byte {
	b := make([]byte, 2048)
	head := "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"
	copy(b, head)
	for i := len(head); i < len(b); i++ {
		b[i] = byte(i)
	}
	return b
}

// The principals of the examples.
var (
	contractClerk    = api.Principal{Subject: "clerk-dongcheng-1", Roles: []api.Role{api.RoleClerk}, Units: []string{"branch-dongcheng-1"}}
	contractSuperior = api.Principal{Subject: "superior-dongcheng", Roles: []api.Role{api.RoleSuperior}, Units: []string{"street-dongcheng"}}
	contractOffice   = api.Principal{Subject: "office-chen", Roles: []api.Role{api.RoleOffice}}
	contractAdmin    = api.Principal{Subject: "admin-ops", Roles: []api.Role{api.RoleAdmin}}
)

// world is a ledger holding what the examples refer to, served with
// commands, history, evidence and admin, as ledgerd serves them.
type world struct {
	t   *testing.T
	log *embedded.Store
	srv *httptest.Server
	// sealer keeps the Merkle tree of the log, which an acceptance's
	// checkpoint is checked against.
	sealer *seal.Sealer
}

// newWorld registers the examples' district (see routeDoc in
// api/contract_routes.go), backdated to January 2026. It lasts as long as
// the test keep; t is the test it reports to.
func newWorld(t *testing.T, keep *testing.T) *world {
	t.Helper()
	log, err := embedded.Open(keep.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	keep.Cleanup(func() { log.Close() })
	h := command.NewHandler(log, catalog.New(), command.WithClock(func() time.Time { return contractClock }))
	ctx := context.Background()
	jan := time.Date(2026, time.January, 5, 9, 0, 0, 0, domain.DefaultLocation())
	n := 0
	run := func(stream string, f func(m domain.Meta) ([]domain.Event, error)) {
		t.Helper()
		n++
		c := command.Command{ID: fmt.Sprint("setup-", n), Actor: domain.Actor{ID: "office-chen"}}
		if _, err := command.Execute(ctx, h, stream, c, func() *nothing { return &nothing{} },
			func(_ *nothing, m domain.Meta) ([]domain.Event, error) { return f(m) }); err != nil {
			t.Fatalf("setup %s: %v", stream, err)
		}
	}
	for _, a := range []struct{ id, name, leader string }{{"area-east", "东片区", "王伟"}, {"area-west", "西片区", "李强"}} {
		run(org.AreaStream(a.id), func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea(a.id, org.RegisterArea{Name: a.name, Leader: a.leader, OccurredAt: jan}, m)
		})
	}
	for _, u := range []struct{ id, name, kind, parent, area string }{
		{"district", "东湖区委", "district", "", ""},
		{"street-dongcheng", "东城街道党工委", "street", "district", "area-east"},
		{"branch-dongcheng-1", "东城街道第一党支部", "branch", "street-dongcheng", "area-east"},
		{"branch-dongcheng-2", "东城街道第二党支部", "branch", "street-dongcheng", "area-east"},
		{"street-xicheng", "西城街道党工委", "street", "district", "area-west"},
		{"branch-xicheng-1", "西城街道第一党支部", "branch", "street-xicheng", "area-west"},
	} {
		kind, err := org.ParseKind(u.kind)
		if err != nil {
			t.Fatal(err)
		}
		var parent *org.Unit
		if u.parent != "" {
			if parent, err = command.Load(ctx, h, org.UnitStream(u.parent), &org.Unit{}); err != nil {
				t.Fatal(err)
			}
		}
		run(org.UnitStream(u.id), func(m domain.Meta) ([]domain.Event, error) {
			return org.NewUnit(u.id, org.RegisterUnit{Name: u.name, Kind: kind, ParentID: u.parent, AreaID: u.area, OccurredAt: jan}, parent, m)
		})
	}
	run(org.MemberStream("member-zhangmin"), func(m domain.Meta) ([]domain.Event, error) {
		return org.NewMember("member-zhangmin", org.RegisterMember{Name: "张敏", UnitID: "branch-dongcheng-1", OccurredAt: jan}, m)
	})
	run(inspection.GroupStream("group-1"), func(m domain.Meta) ([]domain.Event, error) {
		return inspection.NewGroup("group-1", inspection.FormGroup{Name: "第一指导检查组", Members: []string{"inspector-liu"}, OccurredAt: jan}, m)
	})
	group := func(f func(g *inspection.Group, m domain.Meta) ([]domain.Event, error)) {
		n++
		c := command.Command{ID: fmt.Sprint("setup-", n), Actor: domain.Actor{ID: "office-chen"}}
		if _, err := command.Execute(ctx, h, inspection.GroupStream("group-1"), c, func() *inspection.Group { return &inspection.Group{} }, f); err != nil {
			t.Fatal(err)
		}
	}
	group(func(g *inspection.Group, m domain.Meta) ([]domain.Event, error) {
		return g.Assign(inspection.AssignGroup{Target: inspection.Target{Kind: inspection.TargetArea, ID: "area-east"}, OccurredAt: jan}, m)
	})
	aug18 := time.Date(2026, time.August, 18, 8, 0, 0, 0, domain.DefaultLocation())
	run(inspection.Stream("insp-2026-017"), func(m domain.Meta) ([]domain.Event, error) {
		return inspection.New("insp-2026-017", inspection.Start{Kind: inspection.Special, UnitID: "branch-dongcheng-1", GroupID: "group-1", OccurredAt: aug18}, m)
	})
	n++
	if _, err := command.Execute(ctx, h, inspection.Stream("insp-2026-017"), command.Command{ID: fmt.Sprint("setup-", n), Actor: domain.Actor{ID: "inspector-liu"}},
		func() *inspection.Inspection { return &inspection.Inspection{} },
		func(in *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return in.RecordFinding(inspection.RecordFinding{FindingContent: inspection.FindingContent{
				Text: "2026 年 7 月以来党员学习台账缺失。", Severity: inspection.Moderate, OrdersRectification: true}, OccurredAt: aug18.Add(30 * time.Minute)}, m)
		}); err != nil {
		t.Fatal(err)
	}

	store, err := evstore.OpenDir(keep.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	idx := evstore.NewIndex(log, catalog.New())
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- idx.Run(ctx) }()
	keep.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(10 * time.Second); !idx.Ready(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the evidence index did not catch up")
		}
	}
	tree, err := seal.OpenTree(keep.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keep.Cleanup(func() { tree.Close() })
	scope := api.Scope{Handler: h}
	ev := &api.Evidence{Store: store, Index: idx, Handler: h, Scope: scope, MaxSize: 1 << 20, Grace: 72 * time.Hour}
	s := &api.Server{Verifier: api.HS256{Key: secret}, Registry: prometheus.NewRegistry(), Evidence: ev,
		Commands: &api.Commands{Handler: h, Scope: scope, Evidence: ev, Log: log, Tree: tree},
		History:  &api.History{Log: log, Scope: scope},
		Admin:    &api.Admin{Log: log, SnapshotDir: keep.TempDir()}}
	srv := httptest.NewServer(s.Handler())
	keep.Cleanup(srv.Close)
	return &world{t: t, log: log, srv: srv, sealer: &seal.Sealer{Log: log, Tree: tree}}
}

// atCheckpoint returns body with the values of example's checkpoint (the
// stand-in for a ledger state in the acceptance's example, see
// api/contract_routes.go) replaced by the world's own: its tree caught up
// with its log, at that size and root. A value a check changed (a size of
// 0, a root left out) stays as it is; a body without a checkpoint is
// returned as it is.
func (w *world) atCheckpoint(body, example map[string]any) map[string]any {
	w.t.Helper()
	got, ok := body["checkpoint"].(map[string]any)
	stand, isStand := example["checkpoint"].(map[string]any)
	if !ok || !isStand {
		return body
	}
	if err := w.sealer.CatchUp(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	size := w.sealer.Tree.Size()
	root, err := w.sealer.Tree.Root(size)
	if err != nil {
		w.t.Fatal(err)
	}
	out := clone(body).(map[string]any)
	cp := out["checkpoint"].(map[string]any)
	if got["size"] == stand["size"] {
		cp["size"] = size
	}
	if got["root"] == stand["root"] {
		cp["root"] = base64.StdEncoding.EncodeToString(root)
	}
	return out
}

// nothing is the aggregate of a setup step that checks nothing.
type nothing struct{}

func (*nothing) Apply(domain.Event) {}

// answer is a reply to a command or an upload.
type contractReply struct {
	status  int
	raw     []byte
	body    map[string]any
	problem api.Problem
}

func (w *world) token(p api.Principal) string {
	w.t.Helper()
	tok, err := api.HS256{Key: secret}.Mint(p, time.Hour, time.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

func (w *world) do(req *http.Request, p api.Principal) contractReply {
	w.t.Helper()
	req.Header.Set("Authorization", "Bearer "+w.token(p))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	r := contractReply{status: resp.StatusCode}
	r.raw, _ = io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(r.raw, &r.problem); err != nil {
			w.t.Fatalf("problem %q: %v", r.raw, err)
		}
	} else if resp.StatusCode >= 400 {
		w.t.Errorf("%s %s answered %d as %q, not problem+json", req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
	} else {
		json.Unmarshal(r.raw, &r.body)
	}
	return r
}

// post sends a JSON body, after uploading the example photo as p if the
// body cites it (an upload is the caller's own, and citable by it).
func (w *world) post(path string, p api.Principal, body any) contractReply {
	w.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		w.t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"sha256"`)) {
		w.upload(p)
	}
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	return w.do(req, p)
}

// upload stores the example photo for branch-dongcheng-1 as p.
func (w *world) upload(p api.Principal) contractReply {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/v1/evidence?unit=branch-dongcheng-1", bytes.NewReader(examplePhoto()))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("现场照片.jpg"))
	r := w.do(req, p)
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		w.t.Fatalf("upload of the example photo as %s: %d %+v", p.Subject, r.status, r.problem)
	}
	return r
}

// contractRoute is a command route as the document describes it.
type contractRoute struct {
	pattern string
	roles   []api.Role
	schema  map[string]any
	example map[string]any
}

// principal is whom the examples of a route are sent as: the office where
// the route allows it, else a superior of street-dongcheng, else the
// clerk of branch-dongcheng-1.
func (rt contractRoute) principal() api.Principal {
	switch {
	case slices.Contains(rt.roles, api.RoleAdmin):
		return contractAdmin
	case slices.Contains(rt.roles, api.RoleOffice):
		return contractOffice
	case slices.Contains(rt.roles, api.RoleSuperior):
		return contractSuperior
	}
	return contractClerk
}

// contractDoc is the document of a server with every part.
func contractDoc(t *testing.T) map[string]any {
	t.Helper()
	data, err := json.Marshal(fullServer(t).OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// contractRoutes lists every POST with a JSON body: the command routes
// and the admin snapshot.
func contractRoutes(t *testing.T) []contractRoute {
	t.Helper()
	doc := contractDoc(t)
	var out []contractRoute
	for pattern, ops := range doc["paths"].(map[string]any) {
		op, ok := ops.(map[string]any)["post"].(map[string]any)
		if !ok {
			continue
		}
		body, ok := op["requestBody"].(map[string]any)
		if !ok {
			continue
		}
		media, ok := body["content"].(map[string]any)["application/json"].(map[string]any)
		if !ok {
			continue
		}
		rt := contractRoute{pattern: pattern, schema: media["schema"].(map[string]any)}
		for _, r := range op["x-roles"].([]any) {
			rt.roles = append(rt.roles, api.Role(r.(string)))
		}
		if ex, ok := media["example"].(map[string]any); ok {
			rt.example = ex
		} else {
			t.Errorf("POST %s has no example body", pattern)
		}
		out = append(out, rt)
	}
	slices.SortFunc(out, func(a, b contractRoute) int { return strings.Compare(a.pattern, b.pattern) })
	if len(out) < 60 {
		t.Fatalf("only %d routes with a JSON body", len(out))
	}
	return out
}

// lives brings an item to the state a route's example needs: the routes
// whose examples run first, on the same item (the first creates it).
var lives = map[string][]string{
	"/v1/pledges/{id}/return":             {"/v1/pledges"},
	"/v1/pledges/{id}/revise":             {"/v1/pledges", "return"},
	"/v1/pledges/{id}/file":               {"/v1/pledges"},
	"/v1/pledges/{id}/disclose":           {"/v1/pledges", "file"},
	"/v1/pledges/{id}/withdraw":           {"/v1/pledges"},
	"/v1/pledges/{id}/progress":           {"/v1/pledges", "file", "disclose"},
	"/v1/pledges/{id}/report-corrections": {"/v1/pledges", "file", "disclose", "progress"},
	"/v1/pledges/{id}/report-retractions": {"/v1/pledges", "file", "disclose", "progress"},
	"/v1/pledges/{id}/fulfil":             {"/v1/pledges", "file", "disclose", "progress"},
	"/v1/pledges/{id}/lapse":              {"/v1/pledges", "file", "disclose"},
	"/v1/pledges/{id}/evaluations":        {"/v1/pledges", "file", "disclose", "progress", "fulfil"},

	"/v1/rectifications/{id}/acknowledge":        {"/v1/rectifications"},
	"/v1/rectifications/{id}/plan":               {"/v1/rectifications", "acknowledge"},
	"/v1/rectifications/{id}/progress":           {"/v1/rectifications", "acknowledge"},
	"/v1/rectifications/{id}/submit":             {"/v1/rectifications", "acknowledge"},
	"/v1/rectifications/{id}/reject":             {"/v1/rectifications", "acknowledge", "submit"},
	"/v1/rectifications/{id}/accept":             {"/v1/rectifications", "acknowledge", "submit"},
	"/v1/rectifications/{id}/reopen":             {"/v1/rectifications", "acknowledge", "submit", "accept"},
	"/v1/rectifications/{id}/extension-requests": {"/v1/rectifications", "acknowledge"},
	"/v1/rectifications/{id}/extension-grants":   {"/v1/rectifications", "acknowledge", "extension-requests"},
	"/v1/rectifications/{id}/extension-denials":  {"/v1/rectifications", "acknowledge", "extension-requests"},
	"/v1/rectifications/{id}/cancel":             {"/v1/rectifications"},

	"/v1/members/{id}/contact-point-ends":      {"/v1/members", "contact-points"},
	"/v1/inspections/{id}/finding-corrections": {"/v1/inspections", "findings"},
	"/v1/inspections/{id}/finding-withdrawals": {"/v1/inspections", "findings"},
	"/v1/inspections/{id}/complete":            {"/v1/inspections", "findings"},
	"/v1/groups/{id}/assignment-ends":          {"/v1/groups", "assignments"},
}

// keyed are the families whose item's id comes from its body (a unit's
// theme for a quarter), and the rule book, whose versions go 1, 2, ...:
// the same example creates it once per world.
var keyed = []string{"themes", "star-ratings", "rankings", "vanguards", "ranking-rules"}

// prepared are the routes whose example acts on an item its path names by
// key, which no example before it creates: the examples listed run first
// in the world (the scoring rule an acceptance needs), and the path names
// id. The acceptance's checkpoint is the world's (world.atCheckpoint).
var prepared = map[string]struct {
	id    string
	steps []string
}{
	"/v1/rankings/{id}/accept": {"area-east-2026-09", []string{"/v1/ranking-rules"}},
}

// family is the collection a pattern acts on: "pledges".
func family(pattern string) string { return strings.Split(pattern, "/")[2] }

// contractRun plays one route's examples: it brings items to the state the
// route needs, in a world of its own.
type contractRun struct {
	root   *testing.T // the route's test: worlds last as long as it
	t      *testing.T // the check running now
	w      *world
	rt     contractRoute
	routes map[string]contractRoute
	// used says the world's keyed item exists: a keyed family needs a new
	// world for its next item.
	used bool
}

// item returns the path to send the route's example to, on an item in
// the state it needs: a new item, and for a keyed family a new world.
func (c *contractRun) item() string {
	c.t.Helper()
	if c.w == nil || (c.used && slices.Contains(keyed, family(c.rt.pattern))) {
		c.w, c.used = newWorld(c.t, c.root), false
	}
	if p, ok := prepared[c.rt.pattern]; ok {
		for _, step := range p.steps {
			prior, ok := c.routes[step]
			if !ok {
				c.t.Fatalf("%s: no route %s to prepare it with", c.rt.pattern, step)
			}
			if r := c.w.post(step, prior.principal(), prior.example); r.status >= 300 {
				c.t.Fatalf("%s: preparing with the example of %s: %d %+v", c.rt.pattern, step, r.status, r.problem)
			}
		}
		c.used = slices.Contains(keyed, family(c.rt.pattern))
		return strings.Replace(c.rt.pattern, "{id}", p.id, 1)
	}
	chain := lives[c.rt.pattern]
	if len(chain) == 0 && strings.Contains(c.rt.pattern, "{id}") {
		chain = []string{"/v1/" + family(c.rt.pattern)}
	}
	path := c.rt.pattern
	var id string
	for i, step := range chain {
		if i > 0 {
			step = "/v1/" + family(c.rt.pattern) + "/{id}/" + step
		}
		prior, ok := c.routes[step]
		if !ok {
			c.t.Fatalf("%s: no route %s to prepare it with", c.rt.pattern, step)
		}
		r := c.w.post(strings.Replace(step, "{id}", id, 1), prior.principal(), prior.example)
		if r.status >= 300 {
			c.t.Fatalf("%s: preparing with the example of %s: %d %+v", c.rt.pattern, step, r.status, r.problem)
		}
		if i == 0 {
			id, _ = r.body["id"].(string)
		}
	}
	if slices.Contains(keyed, family(c.rt.pattern)) {
		c.used = true
	}
	return strings.Replace(path, "{id}", id, 1)
}

// send posts body to path as the route's principal, at the world's
// checkpoint where the example names one.
func (c *contractRun) send(path string, body map[string]any) contractReply {
	c.t.Helper()
	return c.w.post(path, c.rt.principal(), c.w.atCheckpoint(body, c.rt.example))
}

// check runs one check of the route as a subtest, in the route's world.
func (c *contractRun) check(name string, f func()) {
	c.root.Run(name, func(t *testing.T) {
		c.t = t
		if c.w != nil {
			c.w.t = t
		}
		f()
	})
	c.t = c.root
	if c.w != nil {
		c.w.t = c.root
	}
}

// TestContractCommands holds every command body the document describes
// (and the admin snapshot's) to the real server: for each route, its
// example and items brought to the state it needs by the examples before
// it (lives), in a world holding what the examples refer to (newWorld).
//
//   - ExampleIsAccepted: the example fits its own schema, the server
//     accepts it (as the role the route allows) and its answer fits the
//     documented answer;
//   - RequiredFieldsAreRequired: without any field the document lists as
//     required (nested ones too, in the first element of a list), the
//     server refuses the example with a 4xx problem naming that field;
//   - OptionalFieldsAreOptional: without any other field of the example
//     (but occurred_at, without which the business time is the ledger's
//     clock, after the examples' deadlines, and fields required in a case,
//     x-required-when), the server still accepts it; so required lists
//     exactly the fields the server cannot go without;
//   - EnumsAreClosed: a value outside any enumeration of the example is
//     refused naming the field;
//   - BoundsAreEnforced: a value just past any bound the document gives
//     (length, value, number of items) is refused naming the field; a text
//     of exactly its maximum length is accepted (but identifiers, which
//     must name something that exists), so the bound is the server's own.
func TestContractCommands(t *testing.T) {
	doc := contractDoc(t)
	routes := contractRoutes(t)
	byPattern := map[string]contractRoute{}
	for _, rt := range routes {
		byPattern[rt.pattern] = rt
	}
	for _, rt := range routes {
		t.Run(strings.TrimPrefix(rt.pattern, "/v1/"), func(t *testing.T) {
			if rt.example == nil {
				t.Skip("no example")
			}
			c := &contractRun{root: t, t: t, rt: rt, routes: byPattern}
			c.check("ExampleIsAccepted", func() { exampleIsAccepted(c, doc) })
			c.check("RequiredFieldsAreRequired", func() { requiredFieldsAreRequired(c) })
			c.check("OptionalFieldsAreOptional", func() { optionalFieldsAreOptional(c) })
			c.check("EnumsAreClosed", func() { enumsAreClosed(c) })
			c.check("BoundsAreEnforced", func() { boundsAreEnforced(c) })
		})
	}
}

func exampleIsAccepted(c *contractRun, doc map[string]any) {
	for _, problem := range conform(c.rt.schema, c.rt.example, "") {
		c.t.Errorf("the example does not fit the schema: %s", problem)
	}
	path := c.item()
	r := c.send(path, c.rt.example)
	if r.status != http.StatusOK && r.status != http.StatusCreated {
		c.t.Fatalf("POST %s answered %d to its own example: %+v", path, r.status, r.problem)
	}
	schema := responseSchema(doc, c.rt.pattern, r.status)
	if schema == nil {
		c.t.Fatalf("the document has no schema for a %d of POST %s", r.status, c.rt.pattern)
	}
	var answer any
	if err := json.Unmarshal(r.raw, &answer); err != nil {
		c.t.Fatal(err)
	}
	for _, problem := range conform(schema, answer, "") {
		c.t.Errorf("the answer %s does not fit its schema: %s", r.raw, problem)
	}
}

func requiredFieldsAreRequired(c *contractRun) {
	paths := requiredPaths(c.rt.schema, c.rt.example, "")
	if len(paths) == 0 {
		return
	}
	path := c.item()
	for _, field := range paths {
		r := c.send(path, without(c.rt.example, field))
		if r.status < 400 || r.status >= 500 {
			c.t.Errorf("without %s: %d, want a 4xx refusal", field, r.status)
			path = c.item() // the item moved on
			continue
		}
		if !names(r.problem, field) {
			c.t.Errorf("without %s: %d %+v, want the problem to name %s", field, r.status, r.problem, field)
		}
	}
}

func optionalFieldsAreOptional(c *contractRun) {
	required, _ := c.rt.schema["required"].([]any)
	props := c.rt.schema["properties"].(map[string]any)
	for _, field := range sortedKeys(c.rt.example) {
		prop := props[field].(map[string]any)
		if field == "occurred_at" || slices.Contains(required, any(field)) || prop["x-required-when"] != nil {
			continue
		}
		if r := c.send(c.item(), without(c.rt.example, field)); r.status >= 300 {
			c.t.Errorf("without %s (not required): %d %+v", field, r.status, r.problem)
		}
	}
}

func enumsAreClosed(c *contractRun) {
	var path string
	for _, f := range fieldsOf(c.rt.schema, c.rt.example, "") {
		enum, ok := f.schema["enum"].([]any)
		if !ok {
			continue
		}
		if path == "" {
			path = c.item()
		}
		var outside any = "not_a_value"
		if f.schema["type"] == "integer" {
			outside = len(enum) + 1
		}
		r := c.send(path, with(c.rt.example, f.path, outside))
		if r.status < 400 || r.status >= 500 || !names(r.problem, f.path) {
			c.t.Errorf("%s = %v, outside %v: %d %+v, want a 4xx naming %s", f.path, outside, enum, r.status, r.problem, f.path)
			path = ""
		}
	}
}

func boundsAreEnforced(c *contractRun) {
	for _, f := range fieldsOf(c.rt.schema, c.rt.example, "") {
		n, ok := number(f.schema["maxLength"])
		if !ok || f.schema["pattern"] != nil || f.schema["enum"] != nil {
			continue
		}
		// ASCII: as long in bytes as in characters, whichever the server
		// counts.
		if r := c.send(c.item(), with(c.rt.example, f.path, strings.Repeat("x", n))); r.status >= 300 {
			c.t.Errorf("%s of %d characters (maxLength %d): %d %+v, want it accepted", f.path, n, n, r.status, r.problem)
		}
	}
	var path string
	try := func(field string, value any, what string) {
		c.t.Helper()
		if path == "" {
			path = c.item()
		}
		r := c.send(path, with(c.rt.example, field, value))
		if r.status < 400 || r.status >= 500 || !names(r.problem, field) {
			c.t.Errorf("%s %s: %d %+v, want a 4xx naming %s", field, what, r.status, r.problem, field)
			path = ""
		}
	}
	for _, f := range fieldsOf(c.rt.schema, c.rt.example, "") {
		s := f.schema
		if n, ok := number(s["maxLength"]); ok && s["enum"] == nil {
			try(f.path, strings.Repeat("长", n+1), fmt.Sprintf("of %d characters (maxLength %d)", n+1, n))
		}
		if n, ok := number(s["minimum"]); ok {
			try(f.path, n-1, fmt.Sprintf("= %d (minimum %d)", n-1, n))
		}
		if n, ok := number(s["maximum"]); ok {
			try(f.path, n+1, fmt.Sprintf("= %d (maximum %d)", n+1, n))
		}
		if n, ok := number(s["minItems"]); ok && n > 0 {
			try(f.path, []any{}, fmt.Sprintf("empty (minItems %d)", n))
		}
		if n, ok := number(s["maxItems"]); ok {
			list := f.value.([]any)
			more := make([]any, n+1)
			for i := range more {
				more[i] = list[0]
				if text, ok := list[0].(string); ok {
					more[i] = fmt.Sprint(text, i) // distinct texts: a list's own rules apart
				}
			}
			try(f.path, more, fmt.Sprintf("of %d items (maxItems %d)", n+1, n))
		}
	}
}

// names reports whether a problem names field: as its field, or as a path
// into it ("source" for "source.kind").
func names(p api.Problem, field string) bool {
	return p.Field == field || strings.HasPrefix(p.Field, field+".") || strings.HasPrefix(p.Field, field+"[")
}

func number(v any) (int, bool) {
	f, ok := v.(float64)
	return int(f), ok
}

// field is one value of an example with its path and schema.
type field struct {
	path   string
	schema map[string]any
	value  any
}

// fieldsOf lists the fields of an example value, nested ones (objects,
// the first element of a list) included.
func fieldsOf(schema map[string]any, value any, path string) []field {
	var out []field
	switch v := value.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, k := range sortedKeys(v) {
			ps, ok := props[k].(map[string]any)
			if !ok {
				continue
			}
			p := join(path, k)
			out = append(out, field{p, ps, v[k]})
			out = append(out, fieldsOf(ps, v[k], p)...)
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok && len(v) > 0 {
			p := path + "[0]"
			out = append(out, field{p, items, v[0]})
			out = append(out, fieldsOf(items, v[0], p)...)
		}
	}
	return out
}

// requiredPaths lists the paths of the required fields of an example:
// those of its top level, and of each object it holds.
func requiredPaths(schema map[string]any, example map[string]any, path string) []string {
	var out []string
	if req, ok := schema["required"].([]any); ok {
		for _, r := range req {
			out = append(out, join(path, r.(string)))
		}
	}
	for _, f := range fieldsOf(schema, example, path) {
		if _, ok := f.value.(map[string]any); !ok {
			continue
		}
		if req, ok := f.schema["required"].([]any); ok {
			for _, r := range req {
				out = append(out, join(f.path, r.(string)))
			}
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// clone copies a JSON value deeply.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = clone(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = clone(x)
		}
		return out
	}
	return v
}

var step = regexp.MustCompile(`([^.\[]+)|\[(\d+)\]`)

// edit returns a copy of example with the value at path set (or removed,
// for remove).
func edit(example map[string]any, path string, value any, remove bool) map[string]any {
	out := clone(example).(map[string]any)
	var parent any = out
	steps := step.FindAllStringSubmatch(path, -1)
	for i, s := range steps {
		last := i == len(steps)-1
		switch p := parent.(type) {
		case map[string]any:
			if last {
				if remove {
					delete(p, s[1])
				} else {
					p[s[1]] = value
				}
				return out
			}
			parent = p[s[1]]
		case []any:
			n, _ := strconv.Atoi(s[2])
			if last {
				p[n] = value
				return out
			}
			parent = p[n]
		}
	}
	return out
}

func without(example map[string]any, path string) map[string]any {
	return edit(example, path, nil, true)
}

func with(example map[string]any, path string, value any) map[string]any {
	return edit(example, path, value, false)
}

// conform checks a JSON value against the parts of a schema the document
// uses (type, required, properties, additionalProperties, enum, pattern,
// formats date and date-time, lengths, bounds, item counts) and returns
// what does not fit.
func conform(schema map[string]any, value any, path string) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: ", orBody(path))+fmt.Sprintf(format, args...))
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(value) }) {
		bad("%v is not one of %v", value, enum)
	}
	switch schema["type"] {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			bad("want an object, got %T", value)
			break
		}
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					bad("lacks required %s", r)
				}
			}
		}
		for _, k := range sortedKeys(obj) {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					bad("has %s, which the schema does not", k)
				}
				continue
			}
			out = append(out, conform(ps, obj[k], join(path, k))...)
		}
	case "array":
		list, ok := value.([]any)
		if !ok {
			bad("want an array, got %T", value)
			break
		}
		if n, ok := number(schema["minItems"]); ok && len(list) < n {
			bad("has %d items, fewer than %d", len(list), n)
		}
		if n, ok := number(schema["maxItems"]); ok && len(list) > n {
			bad("has %d items, more than %d", len(list), n)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range list {
				out = append(out, conform(items, v, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case "string":
		s, ok := value.(string)
		if !ok {
			bad("want a string, got %T", value)
			break
		}
		if n, ok := number(schema["minLength"]); ok && utf8.RuneCountInString(s) < n {
			bad("shorter than %d", n)
		}
		if n, ok := number(schema["maxLength"]); ok && utf8.RuneCountInString(s) > n {
			bad("longer than %d", n)
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			bad("%q does not match %s", s, p)
		}
		switch schema["format"] {
		case "date":
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				bad("%q is not a date", s)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				bad("%q is not a date-time", s)
			}
		}
	case "integer", "number":
		n, ok := value.(float64)
		if !ok {
			bad("want a number, got %T", value)
			break
		}
		if schema["type"] == "integer" && n != float64(int64(n)) {
			bad("%v is not a whole number", n)
		}
		if m, ok := schema["minimum"].(float64); ok && n < m {
			bad("%v is below %v", n, m)
		}
		if m, ok := schema["maximum"].(float64); ok && n > m {
			bad("%v is above %v", n, m)
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			bad("want true or false, got %T", value)
		}
	}
	return out
}

func orBody(path string) string {
	if path == "" {
		return "the body"
	}
	return path
}

// responseSchema is the JSON schema the document gives an answer of
// status to POST pattern (a $ref to a component resolved).
func responseSchema(doc map[string]any, pattern string, status int) map[string]any {
	op, _ := doc["paths"].(map[string]any)[pattern].(map[string]any)["post"].(map[string]any)
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if !ok {
		return nil
	}
	media, ok := resp["content"].(map[string]any)["application/json"].(map[string]any)
	if !ok {
		return nil
	}
	return resolve(doc, media["schema"].(map[string]any))
}

func resolve(doc map[string]any, s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
	return s
}

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestContractDocumentsEveryField walks every request body of the
// document: every property, nested ones too, has a Chinese title and a
// description (Chinese first); every enumeration has x-enum-labels with a
// Chinese label for each value and no other; every command has a Chinese
// summary. A field, value or route added without its documentation in
// api/contract_fields.go or api/contract_routes.go fails here, by name.
func TestContractDocumentsEveryField(t *testing.T) {
	doc := contractDoc(t)
	paths := doc["paths"].(map[string]any)
	for _, pattern := range sortedKeys(paths) {
		for method, o := range paths[pattern].(map[string]any) {
			op := o.(map[string]any)
			where := strings.ToUpper(method) + " " + pattern
			if method == "post" && strings.HasPrefix(pattern, "/v1/") {
				if summary, _ := op["summary"].(string); !hasHan(summary) {
					t.Errorf("%s: summary %q is not in Chinese (commandDocs)", where, summary)
				}
			}
			body, ok := op["requestBody"].(map[string]any)
			if !ok {
				continue
			}
			for media, m := range body["content"].(map[string]any) {
				checkRequestSchema(t, where+" ("+media+")", m.(map[string]any)["schema"].(map[string]any), "")
			}
		}
	}
}

// checkRequestSchema checks the properties of a request body's schema.
func checkRequestSchema(t *testing.T, where string, s map[string]any, path string) {
	t.Helper()
	if enum, ok := s["enum"].([]any); ok {
		labels, _ := s["x-enum-labels"].(map[string]any)
		if len(labels) != len(enum) {
			t.Errorf("%s %s: enum %v has labels %v, want one for each value", where, orBody(path), enum, labels)
		}
		for _, v := range enum {
			if label, _ := labels[fmt.Sprint(v)].(string); !hasHan(label) {
				t.Errorf("%s %s: enum value %v has no Chinese label in x-enum-labels", where, orBody(path), v)
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		checkRequestSchema(t, where, items, path+"[]")
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p := props[name].(map[string]any)
		at := join(path, name)
		if title, _ := p["title"].(string); !hasHan(title) {
			t.Errorf("%s %s: no Chinese title (document it in api/contract_fields.go)", where, at)
		}
		if desc, _ := p["description"].(string); !hasHan(desc) {
			t.Errorf("%s %s: no description in Chinese (document it in api/contract_fields.go)", where, at)
		}
		checkRequestSchema(t, where, p, at)
	}
}

// TestContractDocumentsEveryAnswer checks that every 2xx answer of every
// operation is described and has a schema (but a 304, which has no body),
// and that every property of a JSON answer has a description (but the
// dashboard views', whose rows the projections define).
func TestContractDocumentsEveryAnswer(t *testing.T) {
	doc := contractDoc(t)
	paths := doc["paths"].(map[string]any)
	for _, pattern := range sortedKeys(paths) {
		for method, o := range paths[pattern].(map[string]any) {
			responses := o.(map[string]any)["responses"].(map[string]any)
			for _, code := range sortedKeys(responses) {
				if code[0] != '2' {
					continue
				}
				where := fmt.Sprintf("%s %s %s", strings.ToUpper(method), pattern, code)
				r := responses[code].(map[string]any)
				if d, _ := r["description"].(string); d == "" || d == "OK" {
					t.Errorf("%s: the answer is not described", where)
				}
				content, _ := r["content"].(map[string]any)
				if len(content) == 0 {
					t.Errorf("%s: no content and schema", where)
				}
				for media, m := range content {
					schema, ok := m.(map[string]any)["schema"].(map[string]any)
					if !ok {
						t.Errorf("%s %s: no schema", where, media)
						continue
					}
					if media == "application/json" && !strings.HasPrefix(pattern, "/v1/views/") {
						checkAnswerSchema(t, where, resolve(doc, schema), "")
					}
				}
			}
		}
	}
}

// checkAnswerSchema checks that every property of an answer is described.
func checkAnswerSchema(t *testing.T, where string, s map[string]any, path string) {
	t.Helper()
	if items, ok := s["items"].(map[string]any); ok {
		checkAnswerSchema(t, where, items, path+"[]")
	}
	if more, ok := s["additionalProperties"].(map[string]any); ok {
		checkAnswerSchema(t, where, more, path+".*")
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p := props[name].(map[string]any)
		at := join(path, name)
		if desc, _ := p["description"].(string); desc == "" {
			t.Errorf("%s %s: not described (document it in api/contract_fields.go)", where, at)
		}
		checkAnswerSchema(t, where, p, at)
	}
}

// TestContractAnswersHaveTheirShape uploads a file, records a command and
// reads the item's history and the audit search: each answer fits its
// documented schema, an event's payload an object.
func TestContractAnswersHaveTheirShape(t *testing.T) {
	doc := contractDoc(t)
	w := newWorld(t, t)
	up := w.upload(contractOffice)
	upload := doc["paths"].(map[string]any)["/v1/evidence"].(map[string]any)["post"].(map[string]any)["responses"].(map[string]any)[strconv.Itoa(up.status)].(map[string]any)
	var ref any
	if err := json.Unmarshal(up.raw, &ref); err != nil {
		t.Fatal(err)
	}
	for _, problem := range conform(upload["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any), ref, "") {
		t.Errorf("the upload's answer %s does not fit its schema: %s", up.raw, problem)
	}
	var order map[string]any
	for _, rt := range contractRoutes(t) {
		if rt.pattern == "/v1/rectifications" {
			order = rt.example
		}
	}
	r := w.post("/v1/rectifications", contractOffice, order)
	if r.status != http.StatusCreated {
		t.Fatalf("order: %d %+v", r.status, r.problem)
	}
	get := func(path, route string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
		a := w.do(req, contractOffice)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d %+v", path, a.status, a.problem)
		}
		op := doc["paths"].(map[string]any)[route].(map[string]any)["get"].(map[string]any)
		schema := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		var answer map[string]any
		if err := json.Unmarshal(a.raw, &answer); err != nil {
			t.Fatal(err)
		}
		for _, problem := range conform(schema, answer, "") {
			t.Errorf("GET %s: the answer does not fit its schema: %s", path, problem)
		}
		events, _ := answer["events"].([]any)
		if len(events) == 0 {
			t.Fatalf("GET %s: no events in %s", path, a.raw)
		}
		if _, ok := events[0].(map[string]any)["payload"].(map[string]any); !ok {
			t.Errorf("GET %s: payload is %T, not an object", path, events[0].(map[string]any)["payload"])
		}
	}
	get("/v1/history/"+r.body["stream"].(string), "/v1/history/{stream}")
	get("/v1/audit/events?type=rectification.", "/v1/audit/events")
}
