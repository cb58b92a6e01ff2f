package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// readsServer serves the reads of the district over its projection into
// real ClickHouse.
func readsServer(t *testing.T, d *district) http.Handler {
	t.Helper()
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
	return s.Handler()
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestForgedCursors: an after cursor the list did not issue is a 400
// naming after, never a ClickHouse error (503), whether it does not decode
// or decodes to values of the wrong shape (issue 10); one of the right
// shape pages on.
func TestForgedCursors(t *testing.T) {
	d := newDistrict(t)
	h := readsServer(t, d)
	office := tokenWith(t, api.RoleOffice)
	tests := []struct {
		name, path, after string
		status            int
	}{
		{"not base64", "/v1/views/rectifications", "!!!", 400},
		{"not JSON", "/v1/views/rectifications", b64("deadline"), 400},
		{"deadline not a date", "/v1/views/rectifications", b64(`{"s":"deadline","d":"garbage","i":"r1"}`), 400},
		{"deadline of no day", "/v1/views/rectifications", b64(`{"s":"deadline","d":"2026-02-30","i":"r1"}`), 400},
		{"deadline missing", "/v1/views/rectifications", b64(`{"s":"deadline","i":"r1"}`), 400},
		{"deadline a number", "/v1/views/rectifications", b64(`{"s":"deadline","d":20260301,"i":"r1"}`), 400},
		{"another sort", "/v1/views/rectifications", b64(`{"s":"id","i":"r1"}`), 400},
		{"of the right shape", "/v1/views/rectifications", b64(`{"s":"deadline","d":"2026-03-01","i":"r1"}`), 200},
		{"group view, no separator", "/v1/views/groups/g1", b64("g1u2"), 400},
		{"group view, right shape", "/v1/views/groups/g1", b64("g1\x00u2"), 200},
		{"pledges, quote", "/v1/views/pledges", `p1' OR 1=1 --`, 200},
		{"pledges, backslash", "/v1/views/pledges", `p1\`, 200},
		{"reviews, not UTF-8", "/v1/views/reviews", "\xff\xfe", 200},
		{"inspections, NUL", "/v1/views/inspections", "a\x00b", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path + "?after=" + url.QueryEscape(tt.after)
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+office)
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d; %s", path, rec.Code, tt.status, rec.Body)
			}
			if tt.status == 400 {
				var p api.Problem
				json.Unmarshal(rec.Body.Bytes(), &p)
				if p.Field != "after" {
					t.Errorf("problem = %+v, want one naming after", p)
				}
			}
		})
	}
}
