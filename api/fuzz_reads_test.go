package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// FuzzReadQueries sends arbitrary query strings to every GET route that
// takes a query, as the office (in scope everywhere), over the district
// projected into real ClickHouse and sealed: nothing may panic, no answer
// may be a 5xx but a 503 (ClickHouse or the projections not there yet),
// and a 400 always names the parameter at fault. The seed corpus runs in
// every `go test`.
func FuzzReadQueries(f *testing.F) {
	d := newDistrict(f)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	p := d.post("/v1/pledges", token(f, "clerk-u2", api.RoleClerk, "u2"), map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "stage_task", "title": "完成任务", "content": "按期完成"})
	stream, _ := p.body["stream"].(string)
	if stream == "" {
		f.Fatalf("pledge: %d %+v", p.status, p.problem)
	}
	conn, db := chtest.Open(f)
	reg := catalog.New()
	proj := projections.NewProjector(conn, db, d.log, reg, projections.All(d.log, reg, domain.DefaultLocation()))
	ctx := context.Background()
	if _, err := proj.Start(ctx); err != nil {
		f.Fatal(err)
	}
	if _, err := proj.CatchUp(ctx); err != nil {
		f.Fatal(err)
	}
	tree, err := seal.OpenTree(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { tree.Close() })
	skey, _, _ := seal.GenerateKey("api-fuzz")
	signer, _ := seal.LoadSigner(skey, "")
	h := command.NewHandler(d.log, catalog.New())
	sealer := &seal.Sealer{Log: d.log, Tree: tree, Handler: h, Signer: signer, Origin: "cxzy-ledger/api-fuzz"}
	if _, err := sealer.SealLog(ctx); err != nil {
		f.Fatal(err)
	}
	handler := (&api.Server{Verifier: api.HS256{Key: secret}, History: d.history,
		// A short wait keeps a wait_for the projections never reach from
		// holding each input for the default 10 s.
		Reads: &api.Reads{Conn: conn, DB: db, MaxWait: 20 * time.Millisecond,
			Position: func(context.Context) (uint64, error) { return proj.Position(), nil }},
		Seals: &api.Seals{Sealer: sealer, Log: d.log, Scope: api.Scope{Handler: h}}}).Handler()
	office := token(f, "office-1", api.RoleOffice)

	var paths []string
	for _, rt := range api.ReadRoutes() {
		paths = append(paths, strings.Replace(rt.Pattern, "{group}", "g1", 1))
	}
	paths = append(paths, "/v1/history/"+stream, "/v1/audit/events", "/v1/proofs/inclusion", "/v1/evidence/streams/"+stream,
		"/v1/evidence/units/u1", "/v1/checkpoints/latest", "/v1/checkpoints/keys", "/v1/checkpoints/1", "/v1/proofs/consistency")
	seeds := []string{
		"", "colour=red;", "area=a1&area=a2", "limit=0", "limit=1001", "limit=2&after=!!!",
		"after=eyJzIjoiZGVhZGxpbmUiLCJkIjoiZ2FyYmFnZSIsImkiOiJyMSJ9", "after=" + strings.Repeat("x", 300),
		"%zz=1", "=x", "&&&", "format=csv", "format=xml", "now=2026-02-30", "now=2026-03-31T16:00:00Z", "yellow_days=-1",
		"wait_for=99999999&wait=1ms", "wait=-1s", "wait_for=abc", "grain=month&from=2026-13&to=2026-01", "grain=quarter&overall=maybe",
		"metric=nope", "state=open,completed,nope", "quarter=2026Q5", "due_from=2026-01-01&due_to=2025-01-01", "sort=-deadline",
		"as_of=yesterday", "actor=a&unit=u1&type=pledge.&from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "after=1/2/3",
		"stream=" + stream + "&version=1", "stream=" + stream + "&version=0", "version=18446744073709551616",
		"from=2026-01-01&to=2027-01-01&size=1&since=1", "from=1&to=1", "from=0&to=0", "size=1;", "a[]=1&b=%00",
	}
	for i := range paths {
		for _, s := range seeds {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, raw string) {
		path := paths[int(route)%len(paths)]
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.URL.RawQuery = raw
		req.Header.Set("Authorization", "Bearer "+office)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("GET %s?%s = %d: %s", path, raw, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusBadRequest {
			return
		}
		var pr api.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &pr); err != nil || pr.Field == "" || pr.Detail == "" {
			t.Fatalf("GET %s?%s = 400 without naming a field: %s", path, raw, rec.Body)
		}
	})
}
