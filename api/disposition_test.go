package api_test

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

// dispositionOf parses an answer's Content-Disposition as a client
// would, and returns its type, its parameters and the filename.
func dispositionOf(t *testing.T, h http.Header) (string, map[string]string) {
	t.Helper()
	typ, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	if err != nil {
		t.Fatalf("Content-Disposition %q does not parse: %v", h.Get("Content-Disposition"), err)
	}
	return typ, params
}

// TestContentDispositionIsSafe: a '"' (or anything else) in the path
// parameter a download is named after stays inside the filename: the
// header parses to exactly one parameter, the name asked for (issue 10).
func TestContentDispositionIsSafe(t *testing.T) {
	d := newDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+office)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	t.Run("CSV export", func(t *testing.T) {
		h := readsServer(t, d)
		// Sent as it is: a raw '"' in the request target reaches the
		// handler as a '"'.
		group := `g1";filename="evil.exe`
		rec := get(h, "/v1/views/groups/"+group+"?format=csv")
		if rec.Code != 200 {
			t.Fatalf("status %d; %s", rec.Code, rec.Body)
		}
		typ, params := dispositionOf(t, rec.Header())
		if typ != "attachment" || len(params) != 1 || params["filename"] != "group-"+group+".csv" {
			t.Errorf("disposition %s %v, want attachment with the one filename %q", typ, params, "group-"+group+".csv")
		}
	})

	t.Run("evidence pack", func(t *testing.T) {
		d := newDistrict(t) // its own log: the projections know no such events
		stream := `pledge-x";filename="evil.exe`
		evs := eventlogtest.NewEvents("c1", 2)
		eventlog.Chain(stream, 0, eventlog.Hash{}, evs)
		if _, err := d.log.Append(context.Background(), stream, eventlog.NoStream(), evs); err != nil {
			t.Fatal(err)
		}
		sealer, _ := d.serveSeals(t)
		if _, err := sealer.SealLog(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec := get(d.srv.Config.Handler, "/v1/evidence/streams/"+stream)
		if rec.Code != 200 {
			t.Fatalf("status %d; %s", rec.Code, rec.Body)
		}
		typ, params := dispositionOf(t, rec.Header())
		if typ != "attachment" || len(params) != 1 || params["filename"] != "evidence-"+stream+".json" {
			t.Errorf("disposition %s %v, want attachment with the one filename %q", typ, params, "evidence-"+stream+".json")
		}
	})

	t.Run("not ASCII", func(t *testing.T) {
		h := readsServer(t, d)
		rec := get(h, "/v1/views/groups/"+url.PathEscape("第一组")+"?format=csv")
		if _, params := dispositionOf(t, rec.Header()); params["filename"] != "group-第一组.csv" {
			t.Errorf("filename %q, want group-第一组.csv", params["filename"])
		}
	})
}
