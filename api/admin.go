package api

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/eventlog/embedded"
)

// Snapshotter takes an online snapshot of the event log (the embedded
// store does, and embedded.SnapshotsWithEvidence copies the evidence
// store with it; KurrentDB has its own backups).
type Snapshotter interface {
	Snapshot(ctx context.Context, dir string) (embedded.Manifest, error)
}

// Admin serves operator routes, for the admin role only.
type Admin struct {
	Log Snapshotter
	// SnapshotDir is where snapshots go: SnapshotDir/<dir> for the name
	// the request gives, SnapshotDir/<UTC time> when it gives none. The
	// API writes nowhere else on the server.
	SnapshotDir string
	Now         func() time.Time // nil: time.Now
}

// SnapshotRequest is the body of POST /v1/admin/snapshots. An empty body
// is the same as {}.
type SnapshotRequest struct {
	// Dir names the snapshot's directory under the server's snapshot
	// directory: one path element (no '/', no '\', not "." or ".."), that
	// must not exist yet. Empty, the directory is named by the UTC time.
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
	name := req.Dir
	if name == "" {
		now := time.Now
		if a.Now != nil {
			now = a.Now
		}
		name = now().UTC().Format("20060102T150405.000Z")
	} else if err := snapshotName(name); err != nil {
		WriteProblem(w, r, err)
		return
	}
	dir := filepath.Join(a.SnapshotDir, name)
	m, err := a.Log.Snapshot(r.Context(), dir)
	if errors.Is(err, embedded.ErrSnapshotExists) {
		WriteProblem(w, r, NewProblem(http.StatusConflict, "snapshot "+name+" already exists: a snapshot never overwrites", "dir"))
		return
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, SnapshotTaken{Dir: dir, Manifest: m})
}

// snapshotName checks that a requested snapshot directory is one plain
// name, so that the snapshot stays under the snapshot directory: a path
// (absolute or relative), "." or ".." or a name with control characters
// is a 422 naming dir.
func snapshotName(name string) error {
	bad := func(why string) error {
		return NewProblem(http.StatusUnprocessableEntity, "dir must be the name of a new directory under the server's snapshot directory: "+why, "dir")
	}
	switch {
	case name == "." || name == "..":
		return bad(name + " is not a name")
	case strings.ContainsAny(name, `/\`) || filepath.Base(name) != name || filepath.IsAbs(name):
		return bad("a name without '/' or '\\', not a path")
	case len(name) > 100:
		return bad("at most 100 bytes")
	case strings.IndexFunc(name, func(c rune) bool { return c < ' ' || c == 0x7f }) >= 0:
		return bad("no control characters")
	}
	return nil
}
