package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/evidence"
)

// fileRoute answers GET /v1/evidence/{sha256} as the API's route is
// specified (it is built on another branch): a bearer token; 403 when the
// token's scope does not reach the file; the file's bytes, ETag the
// digest; 404 for a file the store does not hold.
type fileRoute struct {
	store      *evidence.Dir
	token      string // a token in scope
	outOfScope string // a token whose scope reaches no file
	// forged are bytes served instead of the stored ones: a server, or
	// something between it and the client, gone wrong.
	forged map[string][]byte
	served int
}

func (f *fileRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sum := strings.TrimPrefix(r.URL.Path, "/v1/evidence/")
	switch r.Header.Get("Authorization") {
	case "Bearer " + f.token:
	case "Bearer " + f.outOfScope:
		http.Error(w, `{"title":"out of scope"}`, http.StatusForbidden)
		return
	default:
		http.Error(w, `{"title":"unauthenticated"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("ETag", `"`+sum+`"`)
	if data, ok := f.forged[sum]; ok {
		f.served++
		w.Write(data)
		return
	}
	file, err := f.store.Open(r.Context(), sum)
	if errors.Is(err, evidence.ErrNotFound) {
		http.Error(w, `{"title":"no such file"}`, http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer file.Close()
	f.served++
	w.Header().Set("Content-Type", "application/octet-stream")
	io.Copy(w, file)
}

// storeFile puts data in the store and returns the reference an event
// makes to it.
func storeFile(t *testing.T, store evidence.Store, name, mediaType string, data []byte) domain.Evidence {
	t.Helper()
	info, err := store.Put(context.Background(), bytes.NewReader(data), "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return domain.Evidence{SHA256: info.SHA256, Name: name, Size: info.Size, MediaType: mediaType}
}

// recordInspection records an inspection whose findings cite refs, one
// each, and returns its stream.
func recordInspection(t *testing.T, l *sealedLedger, id string, refs ...domain.Evidence) string {
	t.Helper()
	ctx := context.Background()
	h := command.NewHandler(l.log, catalog.New())
	stream := inspection.Stream(id)
	lead := domain.Actor{ID: "inspector-1"}
	if _, err := command.Create(ctx, h, stream, command.Command{ID: id + "-start", Actor: lead}, func(m domain.Meta) ([]domain.Event, error) {
		return inspection.New(id, inspection.Start{Kind: inspection.Random, UnitID: "u0001", GroupID: "g1"}, m)
	}); err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		content := inspection.FindingContent{Text: fmt.Sprintf("公示栏内容未更新（%d）", i+1), Severity: inspection.Severity(1), Evidence: []domain.Evidence{ref}}
		if _, err := command.Execute(ctx, h, stream, command.Command{ID: fmt.Sprintf("%s-finding-%d", id, i), Actor: lead},
			func() *inspection.Inspection { return &inspection.Inspection{} },
			func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
				return x.RecordFinding(inspection.RecordFinding{FindingContent: content}, m)
			}); err != nil {
			t.Fatal(err)
		}
	}
	return stream
}

// rezip rewrites an archive as a forger would, with well-formed ZIP
// checksums, passing each entry's bytes through change.
func rezip(t *testing.T, archive []byte, change func(name string, data []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if data = change(f.Name, data); data == nil {
			continue // dropped
		}
		// The forger keeps each entry's method (files stored, as the
		// ledger writes them): a compressed file is refused unread.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEvidenceWithFiles: ledgerctl evidence --with-files writes a ZIP of
// the pack and the cited files fetched through the file route;
// verify-pack verifies it offline, and refuses it once a byte of a stored
// file is flipped (the acceptance check), naming the event and the file;
// a plain pack still verifies and says the files were not checked.
func TestEvidenceWithFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile, pub := mustKeygen(t, dir)
	var (
		code int
		out  string
	)
	l := newSealedLedger(t, 1, 300, keyFile)
	store, err := evidence.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	office, _ := api.HS256{Key: testSecret}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	route := &fileRoute{store: store, token: office, outOfScope: "clerk-elsewhere"}
	l.files = route
	photo := storeFile(t, store, "整改后的公示栏.png", "image/png", bytes.Repeat([]byte("a photo "), 500))
	minutes := storeFile(t, store, "会议纪要.pdf", "application/pdf", []byte("%PDF-1.4 minutes"))
	stream := recordInspection(t, l, "in-files", photo, minutes, photo)
	l.seal(t)
	env := map[string]string{"LEDGER_TOKEN": office}

	archive := filepath.Join(dir, "evidence.zip")
	code, out = ctl(t, env, "evidence", "--server", l.url, "--stream", stream, "--with-files", "--out", archive)
	if code != exitOK || !strings.Contains(out, "2 of the 2 files") {
		t.Fatalf("evidence --with-files: %d %s", code, out)
	}
	if route.served != 2 {
		t.Errorf("the file route served %d files, want 2 (a file cited twice is fetched once)", route.served)
	}
	code, out = ctl(t, nil, "verify-pack", archive, "--key", pub)
	if code != exitOK || !strings.Contains(out, "VERIFIED: every event of stream "+stream) ||
		!strings.Contains(out, "All 2 files the events cite (3 references)") {
		t.Fatalf("verify-pack of the archive: %d %s", code, out)
	}

	// The acceptance check: one byte of a stored file flipped.
	data, _ := os.ReadFile(archive)
	flipped := rezip(t, data, func(name string, b []byte) []byte {
		if name == "files/"+minutes.SHA256 {
			b[3] ^= 0x01
		}
		return b
	})
	code, out = ctl(t, nil, "verify-pack", writeFile(t, dir, "flipped.zip", flipped), "--key", pub, "--allow-missing-files")
	if code != exitFail || !strings.Contains(out, "NOT VERIFIED") ||
		!strings.Contains(out, fmt.Sprintf("ALTERED: event 3 (%s v3, inspection.finding_recorded): file %q (sha256 %s)", stream, minutes.Name, minutes.SHA256)) {
		t.Errorf("verify-pack of an archive with a flipped byte: %d %s", code, out)
	}
	// A file taken out: missing, a failure unless allowed.
	dropped := writeFile(t, dir, "dropped.zip", rezip(t, data, func(name string, b []byte) []byte {
		if name == "files/"+photo.SHA256 {
			return nil
		}
		return b
	}))
	code, out = ctl(t, nil, "verify-pack", dropped, "--key", pub)
	if code != exitFail || strings.Count(out, "MISSING: event ") != 2 || !strings.Contains(out, photo.Name) {
		t.Errorf("verify-pack of an archive missing a file cited twice: %d %s", code, out)
	}
	if code, out = ctl(t, nil, "verify-pack", dropped, "--key", pub, "--allow-missing-files"); code != exitOK || !strings.Contains(out, "Not proved: 1 cited files are not in the archive") {
		t.Errorf("verify-pack --allow-missing-files of an archive missing a file: %d %s", code, out)
	}

	// Anything else in the archive is refused, not noted: an entry
	// outside the archive's folders, and a file no event cites.
	extra := func(name string, b []byte) []byte {
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range zr.File {
			zw.Copy(f)
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		w.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	code, out = ctl(t, nil, "verify-pack", writeFile(t, dir, "climbs.zip", extra("../evil.bat", []byte("x"))), "--key", pub)
	if code != exitFail || !strings.Contains(out, "NOT VERIFIED") || !strings.Contains(out, `"../evil.bat"`) {
		t.Errorf("verify-pack of an archive also holding ../evil.bat: %d %s", code, out)
	}
	uncited := sha256.Sum256([]byte("uncited"))
	code, out = ctl(t, nil, "verify-pack", writeFile(t, dir, "uncited.zip", extra("files/"+hex.EncodeToString(uncited[:]), []byte("uncited"))), "--key", pub)
	if code != exitFail || !strings.Contains(out, "NOT VERIFIED") || !strings.Contains(out, "no event of the pack cites") {
		t.Errorf("verify-pack of an archive also holding an uncited file: %d %s", code, out)
	}

	// The plain pack keeps working.
	plain := filepath.Join(dir, "pack.json")
	if code, out = ctl(t, env, "evidence", "--server", l.url, "--stream", stream, "--out", plain); code != exitOK {
		t.Fatalf("evidence: %d %s", code, out)
	}
	if code, out = ctl(t, nil, "verify-pack", plain, "--key", pub); code != exitOK || !strings.Contains(out, "Not checked: the 2 files the events cite") {
		t.Errorf("verify-pack of the plain pack: %d %s", code, out)
	}
}

// TestEvidenceWithFilesRefusesBadFiles: a file that arrives with other
// bytes than its digest leaves no archive behind; a file the ledger does
// not hold fails unless --allow-missing-files, which leaves it out (and
// verify-pack then reports it); a token out of scope is told so.
func TestEvidenceWithFilesRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile, pub := mustKeygen(t, dir)
	var (
		code int
		out  string
	)
	l := newSealedLedger(t, 1, 300, keyFile)
	store, err := evidence.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	office, _ := api.HS256{Key: testSecret}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	route := &fileRoute{store: store, token: office, outOfScope: "clerk-elsewhere", forged: map[string][]byte{}}
	l.files = route
	photo := storeFile(t, store, "现场照片.png", "image/png", []byte("the photo as uploaded"))
	elsewhere := domain.Evidence{SHA256: strings.Repeat("ab", 32), Name: "纸质档案.pdf", Size: 1234, MediaType: "application/pdf"}
	stream := recordInspection(t, l, "in-bad", photo, elsewhere)
	l.seal(t)
	env := map[string]string{"LEDGER_TOKEN": office}
	archive := filepath.Join(dir, "evidence.zip")
	noArchive := func(what string) {
		t.Helper()
		left, _ := filepath.Glob(filepath.Join(dir, "*evidence.zip*"))
		if len(left) > 0 {
			t.Errorf("%s: left %v behind", what, left)
		}
	}

	code, out = ctl(t, env, "evidence", "--server", l.url, "--stream", stream, "--with-files", "--out", archive)
	if code != exitFail || !strings.Contains(out, "the ledger does not hold this file") || !strings.Contains(out, elsewhere.Name) {
		t.Errorf("a file the ledger does not hold: %d %s", code, out)
	}
	noArchive("a file the ledger does not hold")

	route.forged[photo.SHA256] = []byte("the photo as uploaded, touched up")
	code, out = ctl(t, env, "evidence", "--server", l.url, "--stream", stream, "--with-files", "--allow-missing-files", "--out", archive)
	if code != exitFail || !strings.Contains(out, "not those the events cite") || !strings.Contains(out, photo.Name) {
		t.Errorf("a file served with other bytes: %d %s", code, out)
	}
	noArchive("a file served with other bytes")
	delete(route.forged, photo.SHA256)

	code, out = ctl(t, map[string]string{"LEDGER_TOKEN": route.outOfScope}, "evidence", "--server", l.url, "--stream", stream, "--with-files", "--out", archive)
	if code != exitFail {
		t.Errorf("a token out of scope: %d %s", code, out)
	}
	noArchive("a token out of scope")

	code, out = ctl(t, env, "evidence", "--server", l.url, "--stream", stream, "--with-files", "--allow-missing-files", "--out", archive)
	if code != exitOK || !strings.Contains(out, "1 of the 2 files") || !strings.Contains(out, "1 left out") {
		t.Fatalf("--allow-missing-files: %d %s", code, out)
	}
	code, out = ctl(t, nil, "verify-pack", archive, "--key", pub)
	if code != exitFail || !strings.Contains(out, fmt.Sprintf("MISSING: event 3 (%s v3, inspection.finding_recorded): file %q", stream, elsewhere.Name)) {
		t.Errorf("verify-pack of an archive without a file kept elsewhere: %d %s", code, out)
	}
	if code, out = ctl(t, nil, "verify-pack", archive, "--key", pub, "--allow-missing-files"); code != exitOK {
		t.Errorf("verify-pack --allow-missing-files: %d %s", code, out)
	}
}

// TestDemoStreamArchive: a demo district seeded with its files gives
// archives with real photos and minutes: a rectification whose evidence
// is in the store is fetched with --with-files and verifies offline, every
// file checked; one flipped byte in one of its files is refused.
func TestDemoStreamArchive(t *testing.T) {
	dir := t.TempDir()
	keyFile, pub := mustKeygen(t, dir)
	var (
		code int
		out  string
	)
	store, err := evidence.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := newSealedLedgerWith(t, 1, 3000, keyFile, store)
	office, _ := api.HS256{Key: testSecret}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	l.files = &fileRoute{store: store, token: office}

	// A rectification stream citing files the store holds.
	all, err := l.log.ReadAll(context.Background(), eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	stream, cited := "", ""
	for _, e := range all {
		if !strings.HasPrefix(e.Stream, "rectification-") || !strings.Contains(string(e.Payload), `"sha256":"`) {
			continue
		}
		sum := strings.SplitN(strings.SplitN(string(e.Payload), `"sha256":"`, 2)[1], `"`, 2)[0]
		if _, err := store.Stat(context.Background(), sum); err == nil {
			stream, cited = e.Stream, sum
			break
		}
	}
	if stream == "" {
		t.Fatal("no rectification of the demo cites a stored file")
	}
	archive := filepath.Join(dir, "demo.zip")
	code, out = ctl(t, map[string]string{"LEDGER_TOKEN": office}, "evidence", "--server", l.url, "--stream", stream, "--with-files", "--out", archive)
	if code != exitOK {
		t.Fatalf("evidence --with-files of %s: %d %s", stream, code, out)
	}
	code, out = ctl(t, nil, "verify-pack", archive, "--key", pub)
	if code != exitOK || !strings.Contains(out, "VERIFIED: every event of stream "+stream) || !strings.Contains(out, "have exactly the size and SHA-256") {
		t.Fatalf("verify-pack of the demo archive: %d %s", code, out)
	}
	// Another ZIP reader than Go's reads it too.
	if python, err := exec.LookPath("python3"); err == nil {
		check := exec.Command(python, "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); bad = z.testzip(); print(len(z.namelist())); sys.exit(1 if bad else 0)", archive)
		if got, err := check.CombinedOutput(); err != nil {
			t.Errorf("python3 zipfile: %v %s", err, got)
		}
	}
	if dest := os.Getenv("LEDGER_TEST_KEEP_ARCHIVE"); dest != "" {
		data, _ := os.ReadFile(archive)
		os.WriteFile(dest, data, 0o644)
	}
	data, _ := os.ReadFile(archive)
	flipped := rezip(t, data, func(name string, b []byte) []byte {
		if name == "files/"+cited {
			b[len(b)/2] ^= 0x01
		}
		return b
	})
	if code, out = ctl(t, nil, "verify-pack", writeFile(t, dir, "flipped.zip", flipped), "--key", pub); code != exitFail || !strings.Contains(out, "ALTERED: event ") {
		t.Errorf("verify-pack of the demo archive with a flipped byte: %d %s", code, out)
	}
}
