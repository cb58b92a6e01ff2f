package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
)

func TestSnapshotAndRestoreAStoppedLog(t *testing.T) {
	dir := writeEvents(t)
	snap := filepath.Join(t.TempDir(), "snap")
	code, out, errOut := ledgerctl(t, "snapshot", "--data-dir", dir, "--out", snap)
	if code != exitOK || !strings.Contains(out, `"commit": 20`) {
		t.Fatalf("snapshot = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, _ := ledgerctl(t, "snapshot", "--data-dir", dir, "--out", snap); code != exitFail {
		t.Errorf("a snapshot over an existing dir: exit %d, want %d", code, exitFail)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	code, out, errOut = ledgerctl(t, "restore", "--from", snap, "--data-dir", restored)
	if code != exitOK || !strings.Contains(out, "verified: 20 events in 1 streams") {
		t.Fatalf("restore = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := ledgerctl(t, "verify", "--data-dir", restored); code != exitOK {
		t.Fatalf("verify of the restored log = %d: %s", code, out)
	}
	if code, _, _ := ledgerctl(t, "restore", "--from", snap, "--data-dir", restored); code != exitFail {
		t.Errorf("a restore into a non-empty dir: exit %d, want %d", code, exitFail)
	}
	if code, _, _ := ledgerctl(t, "restore", "--from", snap); code != exitUsage {
		t.Errorf("restore without --data-dir: exit %d, want %d", code, exitUsage)
	}
}

// TestRestoreRefusesADamagedSnapshot flips a bit in the snapshot's table
// file: restore names the position and puts nothing in place.
func TestRestoreRefusesADamagedSnapshot(t *testing.T) {
	dir := writeEvents(t)
	snap := filepath.Join(t.TempDir(), "snap")
	if code, out, errOut := ledgerctl(t, "snapshot", "--data-dir", dir, "--out", snap); code != exitOK {
		t.Fatalf("snapshot = %d: %s %s", code, out, errOut)
	}
	tables, _ := filepath.Glob(filepath.Join(snap, "log", "*.sst"))
	if len(tables) != 1 {
		t.Fatalf("want one table file, got %v", tables)
	}
	raw, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	raw[40] ^= 1
	// The snapshot's table is a hard link to the source's: write a new
	// file rather than change the shared one.
	if err := os.Remove(tables[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tables[0], raw, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	code, out, _ := ledgerctl(t, "restore", "--from", snap, "--data-dir", restored)
	if code != exitFail || !strings.Contains(out, "FAILED at") {
		t.Fatalf("restore of a damaged snapshot = %d, stdout %q", code, out)
	}
	if _, err := os.Stat(restored); !os.IsNotExist(err) {
		t.Errorf("a failed restore left %s behind", restored)
	}
}

// TestSnapshotAndRestoreWithEvidence: snapshot copies the evidence store
// from its default place beside the log (<data-dir>-evidence) and lists
// it in the manifest; restore puts it beside the new data dir, every file
// re-hashed, and refuses a snapshot with a flipped byte in a file, naming
// it and leaving nothing behind.
func TestSnapshotAndRestoreWithEvidence(t *testing.T) {
	dir := writeEvents(t)
	store, err := evidence.OpenDir(dir + "-evidence")
	if err != nil {
		t.Fatal(err)
	}
	photo := storeFile(t, store, "整改后的公示栏.png", "image/png", bytes.Repeat([]byte("photo "), 300))
	storeFile(t, store, "会议纪要.pdf", "application/pdf", []byte("%PDF-1.4 minutes"))
	snap := filepath.Join(t.TempDir(), "snap")
	code, out, errOut := ledgerctl(t, "snapshot", "--data-dir", dir, "--out", snap)
	if code != exitOK || !strings.Contains(out, `"files": 2`) || !strings.Contains(out, `"listing": "evidence.sha256"`) {
		t.Fatalf("snapshot = %d, stdout %q, stderr %q", code, out, errOut)
	}
	m, err := embedded.ReadManifest(snap)
	if err != nil || m.Evidence.Files != 2 || m.Evidence.Bytes != photo.Size+16 {
		t.Fatalf("manifest %+v (%v)", m, err)
	}

	root := t.TempDir()
	restored := filepath.Join(root, "data")
	code, out, errOut = ledgerctl(t, "restore", "--from", snap, "--data-dir", restored)
	if code != exitOK || !strings.Contains(out, "evidence store restored into "+restored+"-evidence: 2 files") {
		t.Fatalf("restore = %d, stdout %q, stderr %q", code, out, errOut)
	}
	back, err := evidence.OpenDir(restored + "-evidence")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := back.Open(context.Background(), photo.SHA256); err != nil {
		t.Errorf("the restored store does not give the photo back: %v", err)
	} else {
		f.Close()
	}
	// --evidence-dir puts it elsewhere.
	elsewhere := filepath.Join(root, "files")
	if code, out, errOut = ledgerctl(t, "restore", "--from", snap, "--data-dir", filepath.Join(root, "data2"), "--evidence-dir", elsewhere); code != exitOK {
		t.Fatalf("restore --evidence-dir = %d, %q %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, photo.SHA256[:2], photo.SHA256)); err != nil {
		t.Errorf("restore --evidence-dir: %v", err)
	}

	// One byte flipped in the snapshot's copy of the photo.
	path := filepath.Join(snap, "evidence", photo.SHA256[:2], photo.SHA256)
	raw, _ := os.ReadFile(path)
	raw[10] ^= 0x01
	os.Remove(path) // a hard link to the live store's file: replace, do not write through
	if err := os.WriteFile(path, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "data")
	code, out, errOut = ledgerctl(t, "restore", "--from", snap, "--data-dir", target)
	if code != exitFail || !strings.Contains(errOut, "file "+photo.SHA256+": its bytes in the snapshot hash to") {
		t.Fatalf("restore of a snapshot with a flipped byte = %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, d := range []string{target, target + "-evidence"} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("a failed restore left %s behind", d)
		}
	}
}
