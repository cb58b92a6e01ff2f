package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
)

// refusalOf reads a 403 problem with the instance and the name asked for
// taken out, leaving what would tell an existing thing from a missing one.
func refusalOf(t *testing.T, code int, body []byte, name string) api.Problem {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%d %s: %v", code, body, err)
	}
	p.Status, p.Instance = code, ""
	p.Detail = strings.ReplaceAll(p.Detail, name, "NAME")
	return p
}

// TestOutOfScopeLooksLikeMissing: for a reader outside its scope, a stream
// (or unit) that exists and one that does not get the same answer, 403
// with the same problem, on history, inclusion proofs, stream and unit
// evidence packs and the audit search, so that neither its existence nor
// its length shows; the office, in scope of everything, is told 404 for
// what is missing, and so is a reader in scope of a stream for a version
// it lacks (issue 10).
func TestOutOfScopeLooksLikeMissing(t *testing.T) {
	d := newDistrict(t)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	clerk2 := token(t, "clerk-u2", api.RoleClerk, "u2")
	p := must(t, d.post("/v1/pledges", clerk2, map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "service_for_masses", "title": "为群众办实事", "content": "解决小区照明问题"}), 201, "pledge")
	stream := p.body["stream"].(string)
	sealer, _ := d.serveSeals(t)
	if _, err := sealer.SealLog(context.Background()); err != nil {
		t.Fatal(err)
	}
	outsider := token(t, "clerk-u6", api.RoleClerk, "u6")
	office := tokenWith(t, api.RoleOffice)
	today := domain.DateIn(time.Now(), domain.DefaultLocation())
	period := "from=" + today.AddDays(-1).String() + "&to=" + today.AddDays(1).String()

	tests := []struct {
		name                string
		existing, missing   string // paths, with NAME for the stream or unit
		existName, missName string
		officeMissing       int // what the office gets for the missing one
	}{
		{"history", "/v1/history/NAME", "/v1/history/NAME", stream, "pledge-nope", 404},
		{"history as of", "/v1/history/NAME?as_of=2030-01-01T00:00:00Z", "/v1/history/NAME?as_of=2030-01-01T00:00:00Z", stream, "pledge-nope", 404},
		{"inclusion proof", "/v1/proofs/inclusion?stream=NAME&version=1", "/v1/proofs/inclusion?stream=NAME&version=1", stream, "pledge-nope", 404},
		{"inclusion proof, a version past the end", "/v1/proofs/inclusion?stream=NAME&version=99", "/v1/proofs/inclusion?stream=NAME&version=99", stream, "pledge-nope", 404},
		{"stream pack", "/v1/evidence/streams/NAME", "/v1/evidence/streams/NAME", stream, "pledge-nope", 404},
		{"unit pack", "/v1/evidence/units/NAME?" + period, "/v1/evidence/units/NAME?" + period, "u2", "u-nope", 404},
		{"audit by unit", "/v1/audit/events?unit=NAME", "/v1/audit/events?unit=NAME", "u2", "u-nope", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := strings.ReplaceAll(tt.existing, "NAME", tt.existName)
			missing := strings.ReplaceAll(tt.missing, "NAME", tt.missName)
			code, body := d.get(existing, outsider)
			if code != 403 {
				t.Fatalf("out of scope, existing: GET %s = %d %s, want 403", existing, code, body)
			}
			got := refusalOf(t, code, body, tt.existName)
			code, body = d.get(missing, outsider)
			if code != 403 {
				t.Fatalf("out of scope, missing: GET %s = %d %s, want 403", missing, code, body)
			}
			if want := refusalOf(t, code, body, tt.missName); got != want {
				t.Errorf("existing and missing answered differently:\n got %+v\nwant %+v", got, want)
			}
			if code, body := d.get(missing, office); code != tt.officeMissing {
				t.Errorf("office, missing: GET %s = %d %s, want %d", missing, code, body, tt.officeMissing)
			}
		})
	}
	// In scope, a missing version is 404.
	if code, body := d.get("/v1/proofs/inclusion?stream="+stream+"&version=99", clerk2); code != 404 {
		t.Errorf("in scope, missing version: %d %s, want 404", code, body)
	}
}
