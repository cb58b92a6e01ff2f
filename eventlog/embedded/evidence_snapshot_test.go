package embedded_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
