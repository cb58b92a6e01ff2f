package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

func TestSnapshotRoute(t *testing.T) {
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	evs := eventlogtest.NewEvents("c1", 4)
	eventlog.Chain("pledge-p1", 0, eventlog.Hash{}, evs)
	if _, err := log.Append(context.Background(), "pledge-p1", eventlog.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
	snapshots := filepath.Join(t.TempDir(), "snapshots")
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	h := (&api.Server{
		Admin:    &api.Admin{Log: log, SnapshotDir: snapshots, Now: func() time.Time { return at }},
		Verifier: api.HS256{Key: secret},
	}).Handler()
	post := func(role api.Role, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/v1/admin/snapshots", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokenWith(t, role))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, role := range []api.Role{api.RoleOffice, api.RoleClerk, api.RoleAnalyst} {
		if rec := post(role, ""); rec.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403; %s", role, rec.Code, rec.Body)
		}
	}

	rec := post(api.RoleAdmin, "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("admin, default dir: status %d; %s", rec.Code, rec.Body)
	}
	var got api.SnapshotTaken
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(snapshots, "20261127T030405.000Z")
	if got.Dir != want || got.Head.Commit != 4 || got.HeadHash.IsZero() {
		t.Fatalf("answer %+v, want dir %s at head 4", got, want)
	}
	if m, err := embedded.ReadManifest(got.Dir); err != nil || m != got.Manifest {
		t.Fatalf("manifest on disk %+v (%v), answered %+v", m, err, got.Manifest)
	}
	// The same instant again names the same directory: refused, not overwritten.
	if rec := post(api.RoleAdmin, "{}"); rec.Code != http.StatusConflict {
		t.Errorf("existing dir: status %d, want 409; %s", rec.Code, rec.Body)
	}

	rec = post(api.RoleAdmin, `{"dir":"before-upgrade"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("named dir: status %d; %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Dir != filepath.Join(snapshots, "before-upgrade") {
		t.Errorf("named dir answered %q (%v), want %s", got.Dir, err, filepath.Join(snapshots, "before-upgrade"))
	}
	// Anything but one plain name would write outside the snapshot
	// directory: refused, naming dir, and nothing written (issue 10).
	elsewhere := t.TempDir()
	for _, dir := range []string{
		filepath.Join(elsewhere, "abs"), "relative/path", "../escape", "..", ".", `back\slash`, "a/../../b", "/", "line\nbreak",
	} {
		body, _ := json.Marshal(map[string]string{"dir": dir})
		rec := post(api.RoleAdmin, string(body))
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("dir %q: status %d, want 422; %s", dir, rec.Code, rec.Body)
			continue
		}
		var p api.Problem
		if json.Unmarshal(rec.Body.Bytes(), &p); p.Field != "dir" {
			t.Errorf("dir %q: problem %+v, want one naming dir", dir, p)
		}
	}
	for _, d := range []string{elsewhere, filepath.Dir(snapshots)} {
		if m, _ := filepath.Glob(filepath.Join(d, "*", "manifest.json")); len(m) != 0 {
			t.Errorf("snapshots written outside the snapshot directory: %v", m)
		}
	}
	if rec := post(api.RoleAdmin, `{"directory":"/tmp/x"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: status %d, want 400; %s", rec.Code, rec.Body)
	}
}
