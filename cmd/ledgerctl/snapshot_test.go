package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/eventlog"
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

// logWithUploads is writeEvents' log with the files stored in its default
// evidence store, their uploads recorded, and an event citing cited.
func logWithUploads(t *testing.T, files map[string][]byte, cited ...string) (dir string, refs map[string]domain.Evidence) {
	t.Helper()
	ctx := context.Background()
	dir = writeEvents(t)
	store, err := evidence.OpenDir(dir + "-evidence")
	if err != nil {
		t.Fatal(err)
	}
	log, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	h := command.NewHandler(log, catalog.New())
	refs = map[string]domain.Evidence{}
	for name, data := range files {
		ref := storeFile(t, store, name, "image/png", data)
		refs[name] = ref
		_, err := command.Execute(ctx, h, evdomain.Stream(ref.SHA256), command.Command{ID: "upload-" + name, Actor: domain.Actor{ID: "clerk"}},
			func() *evdomain.File { return &evdomain.File{} }, func(f *evdomain.File, m domain.Meta) ([]domain.Event, error) {
				return f.RecordUpload(evdomain.RecordUpload{Evidence: ref, Unit: "u1"}, m)
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	var list []string
	for _, name := range cited {
		list = append(list, fmt.Sprintf(`{"sha256":%q,"name":%q}`, refs[name].SHA256, name))
	}
	evs := []eventlog.Event{{ID: "report-1", Type: "fulfilment.progress_reported", Unit: "u1", CommandID: "report-1", SchemaVersion: 1,
		Payload: []byte(`{"report":{"evidence":[` + strings.Join(list, ",") + `]}}`)}}
	eventlog.Chain("pledge-p1", 0, eventlog.Hash{}, evs)
	if _, err := log.Append(ctx, "pledge-p1", eventlog.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
	return dir, refs
}

// TestSnapshotAndSeedRefuseAnS3OrMistypedEvidenceDir: an s3:// evidence
// dir (LEDGER_EVIDENCE_DIR as ledgerd takes it) is refused by snapshot,
// restore of a snapshot holding files, and seed (which made a local
// directory named "s3:"); an evidence dir that does not exist is refused
// by snapshot when the log records uploads, instead of a snapshot with no
// file.
func TestSnapshotAndSeedRefuseAnS3OrMistypedEvidenceDir(t *testing.T) {
	dir, _ := logWithUploads(t, map[string][]byte{"a.png": []byte("photo a")})
	root := t.TempDir()
	s3 := "s3://evidence/ledger?endpoint=minio:9000"
	code, out, errOut := ledgerctl(t, "snapshot", "--data-dir", dir, "--out", filepath.Join(root, "s3"), "--evidence-dir", s3)
	if code != exitFail || !strings.Contains(errOut, "the evidence store is in S3") {
		t.Errorf("snapshot with an s3:// evidence dir = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = ledgerctl(t, "snapshot", "--data-dir", dir, "--out", filepath.Join(root, "typo"), "--evidence-dir", dir+"-evidnce")
	if code != exitFail || !strings.Contains(errOut, "does not exist, but the log records evidence files") {
		t.Errorf("snapshot with a mistyped evidence dir = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if left, _ := os.ReadDir(root); len(left) > 0 {
		t.Errorf("refused snapshots left %v", left)
	}
	snap := filepath.Join(root, "snap")
	if code, out, errOut = ledgerctl(t, "snapshot", "--data-dir", dir, "--out", snap); code != exitOK {
		t.Fatalf("snapshot = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = ledgerctl(t, "restore", "--from", snap, "--data-dir", filepath.Join(root, "data"), "--evidence-dir", s3)
	if code != exitFail || !strings.Contains(errOut, "the evidence store is in S3") {
		t.Errorf("restore into an s3:// evidence dir = %d, stdout %q, stderr %q", code, out, errOut)
	}

	cwd := t.TempDir()
	t.Chdir(cwd)
	code, out, errOut = ledgerctl(t, "seed", "--data-dir", filepath.Join(root, "seeded"), "--events", "100", "--evidence-dir", s3)
	if code != exitUsage || !strings.Contains(errOut, "--files=false") {
		t.Errorf("seed with an s3:// evidence dir = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if left, _ := os.ReadDir(cwd); len(left) > 0 {
		t.Errorf("seed with an s3:// evidence dir made %v", left)
	}
}

// TestRestoreRefusesASnapshotMissingLoggedFiles: restore requires every
// file the log cites or has a standing upload for to be in the snapshot
// (and so, re-hashed, in the restored store). A listing fixed up to drop
// an uploaded file, or the manifest's evidence section removed, is
// refused, naming the file and the event citing it, and nothing is left
// behind; --allow-missing-files accepts it and says what is missing.
func TestRestoreRefusesASnapshotMissingLoggedFiles(t *testing.T) {
	dir, refs := logWithUploads(t, map[string][]byte{"cited.png": []byte("photo cited"), "standing.png": []byte("photo standing")}, "cited.png")
	cited, standing := refs["cited.png"].SHA256, refs["standing.png"].SHA256
	root := t.TempDir()
	snap := filepath.Join(root, "snap")
	if code, out, errOut := ledgerctl(t, "snapshot", "--data-dir", dir, "--out", snap); code != exitOK {
		t.Fatalf("snapshot = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut := ledgerctl(t, "restore", "--from", snap, "--data-dir", filepath.Join(root, "whole"))
	if code != exitOK || !strings.Contains(out, "every file the log cites or has a standing upload for is in place") {
		t.Fatalf("restore of a whole snapshot = %d, stdout %q, stderr %q", code, out, errOut)
	}

	manifestPath := filepath.Join(snap, embedded.ManifestFile)
	m, err := embedded.ReadManifest(snap)
	if err != nil {
		t.Fatal(err)
	}
	writeManifest := func(m embedded.Manifest) {
		data, _ := json.Marshal(m)
		if err := os.WriteFile(manifestPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	listingPath := filepath.Join(snap, embedded.EvidenceListing)
	listing, _ := os.ReadFile(listingPath)
	var kept string
	for line := range strings.Lines(string(listing)) {
		if !strings.HasPrefix(line, standing) {
			kept += line
		}
	}
	sum := sha256.Sum256([]byte(kept))
	fixed := m
	fixed.Evidence.ListingSHA256, fixed.Evidence.Files, fixed.Evidence.Bytes = hex.EncodeToString(sum[:]), 1, refs["cited.png"].Size
	os.WriteFile(listingPath, []byte(kept), 0o644)
	writeManifest(fixed)
	noEvidence := m
	noEvidence.Evidence = embedded.EvidenceManifest{}
	for _, tc := range []struct {
		name     string
		manifest embedded.Manifest
		want     []string
	}{
		{"listing fixed up", fixed, []string{"1 of the 2 files", standing + " (uploaded, cited by no event)"}},
		{"evidence section removed", noEvidence, []string{"2 of the 2 files", cited + " (uploaded, cited by pledge-p1@1 (fulfilment.progress_reported))"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeManifest(tc.manifest)
			target := filepath.Join(t.TempDir(), "data")
			code, out, errOut := ledgerctl(t, "restore", "--from", snap, "--data-dir", target)
			if code != exitFail {
				t.Fatalf("restore = %d, stdout %q, stderr %q; want it refused", code, out, errOut)
			}
			for _, w := range append(tc.want, "nothing was restored") {
				if !strings.Contains(errOut, w) {
					t.Errorf("restore said %q, want %q", errOut, w)
				}
			}
			for _, d := range []string{target, target + "-evidence"} {
				if _, err := os.Stat(d); !os.IsNotExist(err) {
					t.Errorf("a refused restore left %s behind", d)
				}
			}
			code, out, errOut = ledgerctl(t, "restore", "--from", snap, "--data-dir", target, "--allow-missing-files")
			if code != exitOK || !strings.Contains(out, "NOT RESTORED, accepted by --allow-missing-files: "+tc.want[0]) {
				t.Errorf("restore --allow-missing-files = %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}
