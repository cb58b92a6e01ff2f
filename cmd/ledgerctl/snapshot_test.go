package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
