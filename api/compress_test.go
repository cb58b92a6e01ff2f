package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/api/console"
)

// TestTextAnswersAreCompressed: a client that accepts gzip gets the chart
// library and JSON compressed, byte for byte the same once inflated; one
// that does not gets them plain.
func TestTextAnswersAreCompressed(t *testing.T) {
	h := (&api.Server{Console: console.Routes}).Handler()
	want, err := fs.ReadFile(console.Files(), "assets/vendor/echarts/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/assets/vendor/echarts/echarts.min.js", "/openapi.json"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, Content-Encoding %q, want gzip", path, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		sent := rec.Body.Len()
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		plain := httptest.NewRecorder()
		h.ServeHTTP(plain, httptest.NewRequest(http.MethodGet, path, nil))
		if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("%s: inflated answer differs from the plain one", path)
		}
		if path == "/assets/vendor/echarts/echarts.min.js" {
			if !bytes.Equal(got, want) {
				t.Errorf("the chart library changed on the way")
			}
			if sent > len(want)/2 {
				t.Errorf("compressed to %d of %d bytes", sent, len(want))
			}
		}
	}
}
