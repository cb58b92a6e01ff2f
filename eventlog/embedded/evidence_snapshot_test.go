package embedded_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
	"github.com/cxzy/ledger/evidence"
)

// logWithEvidence is a log of 3 events and an evidence store holding n
// files, with an upload in flight in the store's upload folder.
func logWithEvidence(t *testing.T, n int) (*embedded.Store, string, map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	s := mustOpen(t, t.TempDir())
	evs := eventlogtest.NewEvents("one", 3)
	eventlog.Chain("rectification-1", 0, eventlog.Hash{}, evs)
	if _, err := s.Append(ctx, "rectification-1", eventlog.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data-evidence")
	store, err := evidence.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for i := range n {
		data := []byte(fmt.Sprintf("整改照片 %d: %s", i, strings.Repeat("x", 100*i)))
		info, err := store.Put(ctx, bytes.NewReader(data), "", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		files[info.SHA256] = data
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp", "upload-inflight"), []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, dir, files
}

// TestSnapshotWithEvidence: the snapshot holds every file of the store
// (hard links on one file system), lists them with their digests so that
// sha256sum -c checks them, leaves uploads in flight alone, and restores
// into a store whose every file opens (re-hashed) with its bytes.
func TestSnapshotWithEvidence(t *testing.T) {
	ctx := context.Background()
	s, evDir, files := logWithEvidence(t, 5)
	snap := filepath.Join(t.TempDir(), "snap")
	m, err := s.SnapshotWith(ctx, snap, embedded.SnapshotOptions{EvidenceDir: evDir})
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, data := range files {
		size += int64(len(data))
	}
	if m.Evidence.Files != 5 || m.Evidence.Bytes != size || m.Evidence.Listing != "evidence.sha256" || m.Evidence.Linked != 5 {
		t.Errorf("manifest evidence %+v, want 5 files of %d bytes, all linked", m.Evidence, size)
	}
	if onDisk, err := embedded.ReadManifest(snap); err != nil || onDisk != m {
		t.Errorf("manifest on disk %+v (%v), Snapshot answered %+v", onDisk, err, m)
	}
	if _, err := os.Stat(filepath.Join(evDir, "tmp", "upload-inflight")); err != nil {
		t.Errorf("the snapshot disturbed an upload in flight: %v", err)
	}
	listing, err := os.ReadFile(filepath.Join(snap, "evidence.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(listing); hex.EncodeToString(sum[:]) != m.Evidence.ListingSHA256 {
		t.Error("listing_sha256 is not the listing's digest")
	}
	lines := strings.Split(strings.TrimSuffix(string(listing), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("listing %q, want 5 lines", listing)
	}
	for _, l := range lines {
		sum, path, _ := strings.Cut(l, "  ")
		if _, ok := files[sum]; !ok || path != "evidence/"+sum[:2]+"/"+sum {
			t.Errorf("listing line %q", l)
		}
	}
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "-c", "--quiet", "evidence.sha256")
		cmd.Dir = snap
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c evidence.sha256: %v %s", err, out)
		}
	}

	// Restore needs to be told where the store goes.
	if _, _, err := embedded.Restore(ctx, snap, filepath.Join(t.TempDir(), "data"), nil); err == nil || !strings.Contains(err.Error(), "evidence store") {
		t.Errorf("restore of a snapshot with evidence, without an evidence dir: %v", err)
	}
	root := t.TempDir()
	data, restoredEv := filepath.Join(root, "data"), filepath.Join(root, "data-evidence")
	if _, _, err := embedded.RestoreWith(ctx, snap, data, embedded.RestoreOptions{EvidenceDir: restoredEv}); err != nil {
		t.Fatal(err)
	}
	store, err := evidence.OpenDir(restoredEv)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	store.Walk(ctx, func(evidence.Info) error { n++; return nil })
	if n != 5 {
		t.Errorf("restored store holds %d files, want 5", n)
	}
	for sum, want := range files {
		f, err := store.Open(ctx, sum)
		if err != nil {
			t.Fatalf("restored file %s: %v", sum, err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("restored file %s has other bytes", sum)
		}
	}
}

// TestRestoreRefusesDamagedEvidence: a flipped byte in a snapshot's file,
// a listed file missing, or a changed listing fails the restore, naming
// the file, and leaves neither the data dir nor the evidence dir behind.
func TestRestoreRefusesDamagedEvidence(t *testing.T) {
	ctx := context.Background()
	s, evDir, files := logWithEvidence(t, 3)
	var victim string
	for sum := range files {
		victim = max(victim, sum)
	}
	for _, tc := range []struct {
		name   string
		damage func(snap string)
		want   string
	}{
		{"flipped byte", func(snap string) {
			path := filepath.Join(snap, "evidence", victim[:2], victim)
			data := bytes.Clone(files[victim])
			data[2] ^= 0x01
			// The snapshot's file is a hard link to the live store's:
			// replace it rather than write through the link.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o640); err != nil {
				t.Fatal(err)
			}
		}, "file " + victim + ": its bytes in the snapshot hash to "},
		{"missing file", func(snap string) {
			if err := os.Remove(filepath.Join(snap, "evidence", victim[:2], victim)); err != nil {
				t.Fatal(err)
			}
		}, "file " + victim + ": listed in the snapshot but missing from it"},
		{"listing changed", func(snap string) {
			path := filepath.Join(snap, "evidence.sha256")
			data, _ := os.ReadFile(path)
			lines := strings.SplitAfter(string(data), "\n")
			os.WriteFile(path, []byte(strings.Join(lines[1:], "")), 0o644)
		}, "does not hash to the manifest's listing_sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := filepath.Join(t.TempDir(), "snap")
			if _, err := s.SnapshotWith(ctx, snap, embedded.SnapshotOptions{EvidenceDir: evDir}); err != nil {
				t.Fatal(err)
			}
			tc.damage(snap)
			root := t.TempDir()
			data, restoredEv := filepath.Join(root, "data"), filepath.Join(root, "data-evidence")
			_, _, err := embedded.RestoreWith(ctx, snap, data, embedded.RestoreOptions{EvidenceDir: restoredEv})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want an error saying %q", err, tc.want)
			}
			var ee *embedded.EvidenceError
			if tc.name != "listing changed" && (!errors.As(err, &ee) || ee.SHA256 != victim) {
				t.Errorf("error %v is not an EvidenceError naming %s", err, victim)
			}
			left, _ := os.ReadDir(root)
			if len(left) > 0 {
				t.Errorf("a failed restore left %v behind", left)
			}
		})
	}
	// The live store was not touched by any of it.
	store, _ := evidence.OpenDir(evDir)
	for sum := range files {
		f, err := store.Open(ctx, sum)
		if err != nil {
			t.Fatalf("live file %s after the damaged snapshots: %v", sum, err)
		}
		f.Close()
	}
}

// recordUpload records an upload of sum in the log, as the upload route
// does.
func recordUpload(t *testing.T, log eventlog.Store, sum string, size int64) {
	t.Helper()
	h := command.NewHandler(log, catalog.New())
	ref := domain.Evidence{SHA256: sum, Name: "照片.png", Size: size, MediaType: "image/png"}
	_, err := command.Execute(context.Background(), h, evdomain.Stream(sum), command.Command{ID: "upload-" + sum, Actor: domain.Actor{ID: "clerk"}},
		func() *evdomain.File { return &evdomain.File{} }, func(f *evdomain.File, m domain.Meta) ([]domain.Event, error) {
			return f.RecordUpload(evdomain.RecordUpload{Evidence: ref, Unit: "u1"}, m)
		})
	if err != nil {
		t.Fatal(err)
	}
}

// cite appends to stream an event whose payload cites sums as evidence.
func cite(t *testing.T, log eventlog.Store, stream string, sums ...string) {
	t.Helper()
	var refs []string
	for _, s := range sums {
		refs = append(refs, `{"sha256":"`+s+`","name":"照片.png"}`)
	}
	evs := []eventlog.Event{{ID: "cite-" + stream, Type: "fulfilment.progress_reported", Unit: "u1", CommandID: "cite-" + stream, SchemaVersion: 1,
		Payload: []byte(`{"report":{"evidence":[` + strings.Join(refs, ",") + `]}}`)}}
	eventlog.Chain(stream, 0, eventlog.Hash{}, evs)
	if _, err := log.Append(context.Background(), stream, eventlog.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotRefusesAnS3OrAbsentEvidenceStore: an s3:// store is refused
// (it is not a directory; the bucket's versioning backs it up), and so is
// an absent directory when the log records evidence files (a mistyped
// --evidence-dir would otherwise give a snapshot with no file). An absent
// store of a log with no evidence stream is still an empty one.
func TestSnapshotRefusesAnS3OrAbsentEvidenceStore(t *testing.T) {
	ctx := context.Background()
	s, _, _ := logWithEvidence(t, 0)
	absent := filepath.Join(t.TempDir(), "no-such-store")
	snap := filepath.Join(t.TempDir(), "empty")
	if m, err := s.SnapshotWith(ctx, snap, embedded.SnapshotOptions{EvidenceDir: absent}); err != nil || m.Evidence.Files != 0 || m.Evidence.Listing == "" {
		t.Fatalf("snapshot of a log with no evidence, store absent: %+v %v", m.Evidence, err)
	}
	for _, where := range []string{"s3://evidence/ledger?endpoint=minio:9000", absent} {
		if where == absent {
			recordUpload(t, s, strings.Repeat("ab", 32), 10)
		}
		root := t.TempDir()
		_, err := s.SnapshotWith(ctx, filepath.Join(root, "snap"), embedded.SnapshotOptions{EvidenceDir: where})
		want := "does not exist, but the log records evidence files"
		if where != absent {
			want = "the evidence store is in S3"
			if !errors.Is(err, embedded.ErrEvidenceS3) {
				t.Errorf("snapshot of an s3:// store: %v, want ErrEvidenceS3", err)
			}
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("snapshot with evidence dir %s: %v, want %q", where, err, want)
		}
		if left, _ := os.ReadDir(root); len(left) > 0 {
			t.Errorf("a refused snapshot left %v", left)
		}
	}
}

// TestSnapshotRefusesAFileAlteredInTheStore: each file is hashed as it
// goes into the snapshot, so one altered in the live store (its bytes no
// longer match its name) fails the snapshot, naming it.
func TestSnapshotRefusesAFileAlteredInTheStore(t *testing.T) {
	ctx := context.Background()
	s, evDir, files := logWithEvidence(t, 3)
	var victim string
	for sum := range files {
		victim = max(victim, sum)
	}
	path := filepath.Join(evDir, victim[:2], victim)
	os.Chmod(path, 0o640)
	if err := os.WriteFile(path, append([]byte("X"), files[victim][1:]...), 0o640); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	_, err := s.SnapshotWith(ctx, filepath.Join(root, "snap"), embedded.SnapshotOptions{EvidenceDir: evDir})
	var ee *embedded.EvidenceError
	if !errors.As(err, &ee) || ee.SHA256 != victim || !strings.Contains(err.Error(), "it was altered there") {
		t.Fatalf("snapshot of a store with an altered file: %v, want an EvidenceError naming %s", err, victim)
	}
	if left, _ := os.ReadDir(root); len(left) > 0 {
		t.Errorf("a refused snapshot left %v", left)
	}
}

// TestCheckSnapshotEvidence: every file the snapshot's log cites or has a
// standing upload for must be listed in the snapshot. A listing fixed up
// to drop a file (its digest in the manifest recomputed), or the evidence
// section removed from the manifest, is found; a file cited but never
// uploaded is reported as such.
func TestCheckSnapshotEvidence(t *testing.T) {
	ctx := context.Background()
	s, evDir, files := logWithEvidence(t, 3)
	sums := slices.Sorted(maps.Keys(files))
	for _, sum := range sums {
		recordUpload(t, s, sum, int64(len(files[sum])))
	}
	external := strings.Repeat("cd", 32)
	cite(t, s, "pledge-p1", sums[0], external)
	snap := filepath.Join(t.TempDir(), "snap")
	if _, err := s.SnapshotWith(ctx, snap, embedded.SnapshotOptions{EvidenceDir: evDir}); err != nil {
		t.Fatal(err)
	}
	c, err := embedded.CheckSnapshotEvidence(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	if c.Needed != 4 || len(c.Missing) != 1 || c.Missing[0].SHA256 != external || c.Missing[0].Uploaded ||
		len(c.Missing[0].Refs) != 1 || c.Missing[0].Refs[0].Stream != "pledge-p1" {
		t.Fatalf("coverage %+v, want 4 needed and the external citation missing", c)
	}
	if d := c.Describe(5); !strings.Contains(d, external+" (never uploaded, cited by pledge-p1@1") {
		t.Errorf("Describe: %q", d)
	}

	// The listing fixed up to drop sums[1], the manifest made to match.
	manifest := filepath.Join(snap, "manifest.json")
	raw, _ := os.ReadFile(manifest)
	var m embedded.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	listing, _ := os.ReadFile(filepath.Join(snap, "evidence.sha256"))
	var kept []string
	for line := range strings.Lines(string(listing)) {
		if !strings.HasPrefix(line, sums[1]) {
			kept = append(kept, line)
		}
	}
	fixed := strings.Join(kept, "")
	sum := sha256.Sum256([]byte(fixed))
	m.Evidence.ListingSHA256 = hex.EncodeToString(sum[:])
	m.Evidence.Files--
	m.Evidence.Bytes -= int64(len(files[sums[1]]))
	writeJSON := func(m embedded.Manifest) {
		data, _ := json.Marshal(m)
		if err := os.WriteFile(manifest, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(snap, "evidence.sha256"), []byte(fixed), 0o644)
	writeJSON(m)
	if c, err = embedded.CheckSnapshotEvidence(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if len(c.Missing) != 2 || c.Missing[0].SHA256 != sums[1] || !c.Missing[0].Uploaded || len(c.Missing[0].Refs) != 0 {
		t.Errorf("coverage of a fixed-up listing %+v, want %s (uploaded) missing first", c, sums[1])
	}

	// The evidence section removed: none of the files is held.
	m.Evidence = embedded.EvidenceManifest{}
	writeJSON(m)
	if c, err = embedded.CheckSnapshotEvidence(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if c.Needed != 4 || len(c.Missing) != 4 {
		t.Errorf("coverage with the evidence section removed %+v, want all 4 missing", c)
	}
}
