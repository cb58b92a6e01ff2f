package api

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/eventlog/embedded"
)

// Snapshotter takes an online snapshot of the event log (the embedded
// store does; KurrentDB has its own backups).
type Snapshotter interface {
	Snapshot(ctx context.Context, dir string) (embedded.Manifest, error)
}

// Admin serves operator routes, for the admin role only.
type Admin struct {
	Log Snapshotter
	// SnapshotDir is where a snapshot goes when the request names no
	// directory: SnapshotDir/<UTC time>.
	SnapshotDir string
	Now         func() time.Time // nil: time.Now
}

// SnapshotRequest is the body of POST /v1/admin/snapshots. An empty body
// is the same as {}.
type SnapshotRequest struct {
	// Dir is an absolute path on the server that must not exist yet.
	Dir string `json:"dir,omitempty"`
}

// SnapshotTaken is the answer: where the snapshot is and its manifest.
type SnapshotTaken struct {
	Dir string `json:"dir"`
	embedded.Manifest
}

var adminRoles = []Role{RoleAdmin}

// Routes mounts the admin routes on r (behind Authenticate).
func (a *Admin) Routes(r chi.Router) {
	r.Post("/v1/admin/snapshots", requireRole(adminRoles, a.snapshot))
}

func (a *Admin) snapshot(w http.ResponseWriter, r *http.Request) {
	var req SnapshotRequest
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		if err := DecodeJSON(w, r, &req); err != nil {
			WriteProblem(w, r, err)
			return
		}
	}
	dir := req.Dir
	switch {
	case dir == "":
		now := time.Now
		if a.Now != nil {
			now = a.Now
		}
		dir = filepath.Join(a.SnapshotDir, now().UTC().Format("20060102T150405.000Z"))
	case !filepath.IsAbs(dir):
		WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity, "dir must be an absolute path on the server", "dir"))
		return
	}
	m, err := a.Log.Snapshot(r.Context(), filepath.Clean(dir))
	if errors.Is(err, embedded.ErrSnapshotExists) {
		WriteProblem(w, r, NewProblem(http.StatusConflict, dir+" already exists: a snapshot never overwrites", "dir"))
		return
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, SnapshotTaken{Dir: filepath.Clean(dir), Manifest: m})
}
