package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog/embedded"
	evstore "github.com/cxzy/ledger/evidence"
)

var update = flag.Bool("update", false, "rewrite api/openapi.json from the routes")

func fullServer(t *testing.T) *api.Server {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	h := command.NewHandler(log, catalog.New())
	store, err := evstore.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &api.Server{
		Evidence: &api.Evidence{Store: store, Index: evstore.NewIndex(log, catalog.New()), Handler: h, Scope: api.Scope{Handler: h}},
		Commands: &api.Commands{Handler: h, Scope: api.Scope{Handler: h}},
		History:  &api.History{Log: log, Scope: api.Scope{Handler: h}},
		Reads:    &api.Reads{},
		Reports:  &api.Reports{},
		Seals:    &api.Seals{},
		Admin:    &api.Admin{Log: log, SnapshotDir: t.TempDir()},
		Verifier: api.HS256{Key: secret},
	}
}

// TestEveryRouteIsDocumented walks the router: every route it serves is in
// the OpenAPI document, and every documented operation is served.
func TestEveryRouteIsDocumented(t *testing.T) {
	s := fullServer(t)
	var served []string
	err := chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(served)
	doc := api.Operations(s.OpenAPI())
	for _, op := range served {
		if !slices.Contains(doc, op) {
			t.Errorf("%s is served but not documented", op)
		}
	}
	for _, op := range doc {
		if !slices.Contains(served, op) {
			t.Errorf("%s is documented but not served", op)
		}
	}
	if len(served) < 60 {
		t.Errorf("only %d routes served", len(served))
	}
}

// TestOpenAPIFileIsCurrent keeps the checked-in api/openapi.json equal to
// the document the routes make (go test ./api -run OpenAPIFile -update
// rewrites it).
func TestOpenAPIFileIsCurrent(t *testing.T) {
	got, err := json.MarshalIndent(fullServer(t).OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile("openapi.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("api/openapi.json is out of date: run go test ./api -run OpenAPIFile -update and review the diff")
	}
}
