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

	named := filepath.Join(t.TempDir(), "before-upgrade")
	if rec := post(api.RoleAdmin, `{"dir":"`+named+`"}`); rec.Code != http.StatusCreated {
		t.Errorf("named dir: status %d; %s", rec.Code, rec.Body)
	}
	if rec := post(api.RoleAdmin, `{"dir":"relative/path"}`); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("relative dir: status %d, want 422; %s", rec.Code, rec.Body)
	}
	if rec := post(api.RoleAdmin, `{"directory":"/tmp/x"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: status %d, want 400; %s", rec.Code, rec.Body)
	}
}
