package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/seal"
)

// strictServer serves every GET route with a query: the reads (over no
// ClickHouse: a refused query never reaches it), history and audit over
// the district's log, and the verifiable history with a sealer.
func strictServer(t *testing.T) (*district, http.Handler) {
	t.Helper()
	d := newDistrict(t)
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	skey, _, _ := seal.GenerateKey("api-test")
	signer, _ := seal.LoadSigner(skey, "")
	h := command.NewHandler(d.log, catalog.New())
	sealer := &seal.Sealer{Log: d.log, Tree: tree, Handler: h, Signer: signer, Origin: "cxzy-ledger/api-test"}
	s := &api.Server{Verifier: api.HS256{Key: secret}, History: d.history,
		Reads:  &api.Reads{Position: func(context.Context) (uint64, error) { return 0, nil }},
		Seals:  &api.Seals{Sealer: sealer, Log: d.log, Scope: api.Scope{Handler: h}},
		Limits: api.Limits{}}
	return d, s.Handler()
}

// TestQueriesAreStrict: a pair that does not parse, a parameter the route
// does not take and a single-valued parameter given twice are each a 400
// naming that parameter, on every GET route that takes a query (issue 10).
func TestQueriesAreStrict(t *testing.T) {
	_, h := strictServer(t)
	office := tokenWith(t, api.RoleOffice)
	tests := []struct {
		name, path, field string
	}{
		{"semicolon in a list filter", "/v1/views/rectifications?colour=red;", "colour"},
		{"semicolon as a separator", "/v1/views/pledges?state=filed;unit=u2", "state"},
		{"repeated single-valued", "/v1/views/rectifications?area=a1&area=a2", "area"},
		{"repeated limit", "/v1/views/reviews?limit=1&limit=2", "limit"},
		{"bad escape in a value", "/v1/views/inspections?unit=%zz", "unit"},
		{"bad escape in a name", "/v1/views/totals?%zz=1", "%zz"},
		{"a pair without a name", "/v1/views/totals?=1", "="},
		{"summary, unknown", "/v1/views/rectifications/summary?colur=red", "colur"},
		{"group view, repeated", "/v1/views/groups/g1?quarter=2026Q1&quarter=2026Q2", "quarter"},
		{"trends, semicolon", "/v1/views/trends?grain=month;", "grain"},
		{"audit, misspelt", "/v1/audit/events?actr=clerk-u2", "actr"},
		{"audit, semicolon", "/v1/audit/events?actor=a;b", "actor"},
		{"audit, repeated unit", "/v1/audit/events?unit=u1&unit=u5", "unit"},
		{"audit, bad limit", "/v1/audit/events?limit=lots", "limit"},
		{"history, unknown", "/v1/history/pledge-p1?asof=2026-01-01T00:00:00Z", "asof"},
		{"history, repeated as_of", "/v1/history/pledge-p1?as_of=2026-01-01T00:00:00Z&as_of=2026-02-01T00:00:00Z", "as_of"},
		{"inclusion, unknown", "/v1/proofs/inclusion?stream=s&version=1&verison=2", "verison"},
		{"inclusion, repeated version", "/v1/proofs/inclusion?stream=s&version=1&version=2", "version"},
		{"stream pack, semicolon", "/v1/evidence/streams/pledge-p1?size=1;", "size"},
		{"unit pack, repeated to", "/v1/evidence/units/u1?from=2026-01-01&to=2026-02-01&to=2026-03-01", "to"},
		{"latest checkpoint takes nothing", "/v1/checkpoints/latest?size=3", "size"},
		{"keys take nothing", "/v1/checkpoints/keys?format=pem", "format"},
		{"checkpoint by size takes nothing", "/v1/checkpoints/3?x=1", "x"},
		{"consistency, repeated", "/v1/proofs/consistency?from=1&from=2&to=3", "from"},
		{"consistency, semicolon", "/v1/proofs/consistency?from=1;to=3", "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, http.MethodGet, tt.path, "192.0.2.1", office)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("GET %s = %d, want 400; %s", tt.path, rec.Code, rec.Body)
			}
			var p api.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Field != tt.field || p.Detail == "" {
				t.Errorf("problem = %+v, want one naming %q", p, tt.field)
			}
		})
	}
	// Repeatable parameters may still repeat.
	rec := serve(h, http.MethodGet, "/v1/views/rectifications?colour=red&colour=yellow&limit=x", "192.0.2.1", office)
	var p api.Problem
	json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusBadRequest || p.Field != "limit" {
		t.Errorf("repeated colour, bad limit: %d %+v, want 400 naming limit, not colour", rec.Code, p)
	}
}

// TestNowIsBounded: a `now` outside the supported range (2000-01-01 to
// 2099-12-31, docs/trust.md) would make every deadline far past or far
// ahead, all red or all green; it is a 422 naming now (issue 10, row 5).
func TestNowIsBounded(t *testing.T) {
	_, h := strictServer(t)
	office := tokenWith(t, api.RoleOffice)
	for _, path := range []string{
		"/v1/views/rectifications?now=9999-12-31",
		"/v1/views/rectifications?now=1900-01-02",
		"/v1/views/rectifications/summary?now=2100-01-01T00:00:00Z",
		"/v1/views/rectifications/summary?now=1999-12-31",
		"/v1/views/rectifications/summary?now=1999-12-31T15:59:59Z", // 23:59:59 in Beijing
	} {
		rec := serve(h, http.MethodGet, path, "192.0.2.1", office)
		var p api.Problem
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != http.StatusUnprocessableEntity || p.Field != "now" {
			t.Errorf("GET %s = %d %+v, want 422 naming now", path, rec.Code, p)
		}
	}
}
