package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cxzy/ledger/eventlog"
)

// A snapshot is a directory holding ManifestFile and, under SnapshotLog, a
// Pebble checkpoint of the log: a store that opens as a data directory.
// When the evidence store was included, SnapshotEvidence holds its files
// in the store's own layout and EvidenceListing lists them
// (evidence_snapshot.go).
const (
	ManifestFile = "manifest.json"
	SnapshotLog  = "log"
	// manifestFormat versions the manifest's own fields: 2 added
	// evidence. Format 1 manifests (no evidence) are still read; a build
	// that reads only 1 refuses a format 2 snapshot rather than restore
	// it without its files.
	manifestFormat   = 2
	manifestFormatV1 = 1
)

// ErrSnapshotExists is returned when a snapshot's directory already exists:
// a snapshot never overwrites anything.
var ErrSnapshotExists = errors.New("snapshot directory already exists")

// Manifest describes what a snapshot holds. Head and HeadHash are read
// from the checkpoint itself, so they name exactly the events it holds,
// not the live log's end a moment before or after.
type Manifest struct {
	Format    int               `json:"format"`
	LogFormat string            `json:"log_format"` // the key layout (formatVersion)
	Head      eventlog.Position `json:"head"`       // the last event held
	// HeadHash is the global hash chain's link at Head: it commits to
	// every event up to Head in order, so a restored store whose verified
	// chain ends at this link holds exactly those events.
	HeadHash  eventlog.Hash `json:"head_hash"`
	CreatedAt time.Time     `json:"created_at"`
	// Evidence describes the copy of the evidence store, when the
	// snapshot holds one.
	Evidence EvidenceManifest `json:"evidence,omitzero"`
}

// Snapshot writes a consistent copy of the log to dir while appends go
// on, and returns its manifest. dir must not exist. Table files are hard
// links where dir is on the same file system (cheap, but not a backup
// until copied to another machine); the write-ahead log is copied.
//
// Every append acknowledged before Snapshot is called is in the snapshot:
// acknowledged appends are synced, and the write-ahead log is flushed
// first anyway for a store opened with NoSync. Appends acknowledged while
// it runs may or may not be; the manifest's Head says which are.
func (s *Store) Snapshot(ctx context.Context, dir string) (Manifest, error) {
	return s.SnapshotWith(ctx, dir, SnapshotOptions{})
}

// SnapshotOptions says what a snapshot holds besides the log.
type SnapshotOptions struct {
	// EvidenceDir is the evidence store (an evidence.Dir) to copy into
	// the snapshot after the log; empty, none is.
	EvidenceDir string
}

// SnapshotWith is Snapshot, also copying what o names. The evidence
// store is copied after the log's checkpoint is taken: every file an
// event in the snapshot cites was stored before that event was appended,
// so it is in the copy (files uploaded meanwhile may be too).
func (s *Store) SnapshotWith(ctx context.Context, dir string, o SnapshotOptions) (Manifest, error) {
	if err := ctx.Err(); err != nil {
		return Manifest{}, err
	}
	select {
	case <-s.closing:
		return Manifest{}, eventlog.ErrClosed
	default:
	}
	if _, err := os.Lstat(dir); err == nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot %s: %w", dir, ErrSnapshotExists)
	} else if !errors.Is(err, os.ErrNotExist) {
		return Manifest{}, fmt.Errorf("embedded: snapshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot: %w", err)
	}
	// Build the snapshot beside its final place and rename it there whole:
	// a directory at dir is always a complete snapshot with its manifest.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := s.db.Checkpoint(filepath.Join(tmp, SnapshotLog), pebble.WithFlushedWAL()); err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot: checkpoint: %w", err)
	}
	m, err := readHeadOf(filepath.Join(tmp, SnapshotLog))
	if err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot: %w", err)
	}
	if o.EvidenceDir != "" {
		if m.Evidence, err = snapshotEvidence(ctx, o.EvidenceDir, tmp); err != nil {
			return Manifest{}, fmt.Errorf("embedded: snapshot: evidence: %w", err)
		}
	}
	m.CreatedAt = time.Now().UTC()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	if err := writeSynced(filepath.Join(tmp, ManifestFile), append(data, '\n')); err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot: %w", err)
	}
	return m, syncDir(filepath.Dir(dir))
}

// readHeadOf opens a checkpoint read-only and reads the head it holds.
func readHeadOf(dir string) (Manifest, error) {
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		return Manifest{}, err
	}
	defer s.Close()
	m := Manifest{Format: manifestFormat, LogFormat: formatVersion}
	if v, _, err := get(s.db, keyLast); err != nil {
		return Manifest{}, err
	} else if len(v) == 8 {
		last := binary.BigEndian.Uint64(v)
		m.Head = eventlog.Position{Commit: last, Prepare: last}
	}
	v, _, err := get(s.db, keyChain)
	if err != nil {
		return Manifest{}, err
	}
	copy(m.HeadHash[:], v)
	return m, nil
}

// ReadManifest reads the manifest of the snapshot in dir.
func ReadManifest(dir string) (Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("embedded: snapshot %s: manifest: %w", dir, err)
	}
	if m.Format != manifestFormat && m.Format != manifestFormatV1 {
		return Manifest{}, fmt.Errorf("embedded: snapshot %s: manifest format %d, this build reads %d and %d", dir, m.Format, manifestFormat, manifestFormatV1)
	}
	if m.LogFormat != formatVersion {
		return Manifest{}, fmt.Errorf("embedded: snapshot %s: log format %q, this build reads %q", dir, m.LogFormat, formatVersion)
	}
	return m, nil
}

// Restore copies the snapshot in from into dataDir, which must be absent
// or empty, and verifies the copy in full (Verify) before it takes
// dataDir's place: the copy must verify and end exactly at the manifest's
// head and head hash. On any failure dataDir is left as it was. A
// snapshot holding an evidence store needs RestoreWith, which says where
// the store goes.
func Restore(ctx context.Context, from, dataDir string, progress Progress) (Manifest, Report, error) {
	return RestoreWith(ctx, from, dataDir, RestoreOptions{Progress: progress})
}

// RestoreOptions says where the parts of a snapshot other than the log go.
type RestoreOptions struct {
	// EvidenceDir receives the snapshot's evidence store: absent or
	// empty. Required when the snapshot holds one.
	EvidenceDir string
	Progress    Progress
}

// RestoreWith is Restore, also restoring the evidence store: every file
// the manifest lists is copied and re-hashed, and a file missing or whose
// bytes do not hash to its digest fails the restore. The store takes its
// place only once the log and every file have verified; on any failure
// neither dataDir nor the evidence directory is changed.
func RestoreWith(ctx context.Context, from, dataDir string, o RestoreOptions) (Manifest, Report, error) {
	progress := o.Progress
	m, err := ReadManifest(from)
	if err != nil {
		return Manifest{}, Report{}, err
	}
	if m.Evidence.Listing != "" && o.EvidenceDir == "" {
		return m, Report{}, fmt.Errorf("embedded: restore: the snapshot holds an evidence store (%d files): say where it goes", m.Evidence.Files)
	}
	for _, d := range []string{dataDir, o.EvidenceDir} {
		if d == "" {
			continue
		}
		if entries, err := os.ReadDir(d); err == nil && len(entries) > 0 {
			return m, Report{}, fmt.Errorf("embedded: restore: %s is not empty", d)
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return m, Report{}, fmt.Errorf("embedded: restore: %w", err)
		}
	}
	parent := filepath.Dir(filepath.Clean(dataDir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return m, Report{}, fmt.Errorf("embedded: restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dataDir)+".restoring-")
	if err != nil {
		return m, Report{}, fmt.Errorf("embedded: restore: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := copyFiles(filepath.Join(from, SnapshotLog), tmp); err != nil {
		return m, Report{}, fmt.Errorf("embedded: restore: %w", err)
	}
	rep, err := Verify(ctx, tmp, progress)
	if err != nil {
		return m, Report{}, fmt.Errorf("embedded: restore: the copy does not verify: %w", err)
	}
	if rep.Last != m.Head || rep.Chain != m.HeadHash {
		return m, rep, fmt.Errorf("embedded: restore: the copy ends at %v (chain %s), the manifest says %v (chain %s)",
			rep.Last, rep.Chain, m.Head, m.HeadHash)
	}
	// The evidence store goes in place first: a log without its files
	// would serve references to nothing, files without their log harm
	// nothing.
	var placed string
	if m.Evidence.Listing != "" {
		if placed, err = restoreEvidence(ctx, from, m.Evidence, o.EvidenceDir); err != nil {
			return m, rep, fmt.Errorf("embedded: restore: evidence: %w", err)
		}
	}
	// rename(2) replaces an empty directory, so an empty dataDir made by
	// the operator beforehand is fine.
	if err := os.Rename(tmp, dataDir); err != nil {
		if placed != "" {
			os.RemoveAll(placed)
		}
		return m, rep, fmt.Errorf("embedded: restore: %w", err)
	}
	return m, rep, syncDir(parent)
}

// copyFiles copies every regular file of a Pebble directory (it has no
// subdirectories) into dst and syncs them.
func copyFiles(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s: unexpected non-file %s in a snapshot", src, e.Name())
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return syncDir(dst)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename or a new entry in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
