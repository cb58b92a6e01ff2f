package seal_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// evidenceFile is a file with the reference an event makes to it.
type evidenceFile struct {
	data []byte
	ref  domain.Evidence
}

func newEvidenceFile(name, mediaType string, data []byte) evidenceFile {
	sum := sha256.Sum256(data)
	return evidenceFile{data: data, ref: domain.Evidence{SHA256: hex.EncodeToString(sum[:]), Name: name, Size: int64(len(data)), MediaType: mediaType}}
}

// inspectionCiting records an inspection of its own stream: a finding
// citing each file, then its completion citing the first file again (one
// file cited by two events). It returns the stream.
func inspectionCiting(t *testing.T, l *ledger, id string, files ...evidenceFile) string {
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
	newI := func() *inspection.Inspection { return &inspection.Inspection{} }
	for i, f := range files {
		content := inspection.FindingContent{Text: fmt.Sprintf("公示栏未更新 %d", i+1), Severity: inspection.Severity(1), Evidence: []domain.Evidence{f.ref}}
		if _, err := command.Execute(ctx, h, stream, command.Command{ID: fmt.Sprintf("%s-finding-%d", id, i), Actor: lead}, newI,
			func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
				return x.RecordFinding(inspection.RecordFinding{FindingContent: content}, m)
			}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := command.Execute(ctx, h, stream, command.Command{ID: id + "-complete", Actor: lead}, newI,
		func(x *inspection.Inspection, m domain.Meta) ([]domain.Event, error) {
			return x.Complete(inspection.Complete{Summary: "检查完毕", Evidence: []domain.Evidence{files[0].ref}}, m)
		}); err != nil {
		t.Fatal(err)
	}
	return stream
}

// streamPack seals and returns the pack of a whole stream, as JSON.
func streamPack(t *testing.T, l *ledger, stream string) (seal.Pack, []byte) {
	t.Helper()
	cp := l.seal(t)
	events, err := l.log.ReadStream(context.Background(), stream, 1, eventlog.Forwards, 1000)
	if err != nil {
		t.Fatal(err)
	}
	p, err := seal.BuildPack(context.Background(), l.sealer.Tree, cp, "inspection "+stream, stream, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

// writeArchive writes an archive of the pack with the given files.
func writeArchive(t *testing.T, p seal.Pack, packJSON []byte, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := seal.NewArchiveWriter(&buf, packJSON, p)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := seal.PackFiles(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range seal.Distinct(refs) {
		data, ok := files[ref.SHA256]
		if !ok {
			w.Missing(ref)
			continue
		}
		if err := w.AddFile(ref, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// verifyArchive verifies an archive as verify-pack does: the pack, then
// the files.
func verifyArchive(t *testing.T, l *ledger, archive []byte, allowMissing bool) (seal.FilesReport, error) {
	t.Helper()
	if !seal.IsArchive(archive) {
		t.Fatal("the archive does not start as a ZIP file")
	}
	a, err := seal.OpenArchive(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var p seal.Pack
	if err := json.Unmarshal(a.Pack, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(p, l.trusted, nil); err != nil {
		t.Fatalf("the archive's pack does not verify: %v", err)
	}
	return a.VerifyFiles(p, allowMissing)
}

func threeFiles() []evidenceFile {
	return []evidenceFile{
		newEvidenceFile("整改后的公示栏.png", "image/png", bytes.Repeat([]byte("photo of a notice board "), 200)),
		newEvidenceFile("会议纪要.pdf", "application/pdf", []byte("%PDF-1.4 minutes of the meeting")),
		newEvidenceFile("签到表.jpg", "image/jpeg", []byte("a scanned sign-in sheet")),
	}
}

func byDigest(files []evidenceFile) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range files {
		m[f.ref.SHA256] = f.data
	}
	return m
}

// TestEvidenceArchive: an archive holds pack.json byte for byte as
// given, each cited file once under files/<sha256>, and README.txt; it
// verifies, counting every reference and every distinct file.
func TestEvidenceArchive(t *testing.T) {
	l := newLedger(t, 0)
	files := threeFiles()
	stream := inspectionCiting(t, l, "in-archive", files...)
	p, packJSON := streamPack(t, l, stream)
	archive := writeArchive(t, p, packJSON, byDigest(files))

	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, f := range zr.File {
		names[f.Name]++
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		switch {
		case f.Name == "pack.json" && !bytes.Equal(data, packJSON):
			t.Error("pack.json is not the pack as given")
		case f.Name == "README.txt":
			if !bytes.HasPrefix(data, []byte("\ufeff")) || !strings.Contains(string(data), "如何验证") || !strings.Contains(string(data), "How to verify") ||
				!strings.Contains(string(data), "ledgerctl verify-pack") || !strings.Contains(string(data), files[1].ref.Name) {
				t.Errorf("README.txt = %q", data)
			}
		}
	}
	want := map[string]int{"pack.json": 1, "README.txt": 1}
	for _, f := range files {
		want["files/"+f.ref.SHA256] = 1
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("archive entries = %v, want %v", names, want)
	}

	rep, err := verifyArchive(t, l, archive, false)
	if err != nil {
		t.Fatalf("a genuine archive: %v (%v)", err, rep.Lines)
	}
	// Three findings citing one file each, the completion citing the first
	// again: four references to three files.
	if rep.Cited != 4 || rep.Distinct != 3 || rep.Checked != 3 || len(rep.Missing)+len(rep.Altered) != 0 {
		t.Errorf("report = %+v", rep)
	}
}

// TestEvidenceArchiveFlippedByte is the acceptance check: one flipped
// byte in a stored file is refused, naming every event that cites it and
// the file's name, whether the forger rewrote the ZIP (its checksums then
// agree with the new bytes) or flipped the byte in the archive as it was.
func TestEvidenceArchiveFlippedByte(t *testing.T) {
	l := newLedger(t, 0)
	files := threeFiles()
	stream := inspectionCiting(t, l, "in-flip", files...)
	p, packJSON := streamPack(t, l, stream)

	// Rewritten: a well-formed ZIP whose file has one byte changed.
	flipped := byDigest(files)
	first := files[0].ref.SHA256
	changed := bytes.Clone(flipped[first])
	changed[100] ^= 0x01
	flipped[first] = changed
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"pack.json": packJSON} {
		f, _ := zw.Create(name)
		f.Write(data)
	}
	for sum, data := range flipped {
		f, _ := zw.CreateHeader(&zip.FileHeader{Name: "files/" + sum, Method: zip.Store})
		f.Write(data)
	}
	zw.Close()
	rep, err := verifyArchive(t, l, buf.Bytes(), true)
	if err == nil || !seal.IsVerificationError(err) {
		t.Fatalf("a rewritten archive with a flipped byte: err = %v, want a verification failure (even with missing files allowed)", err)
	}
	checkAltered(t, rep, files[0].ref, 2)

	// In place: the byte flipped inside the archive written by the ledger.
	archive := writeArchive(t, p, packJSON, byDigest(files))
	zr, _ := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	for _, f := range zr.File {
		if f.Name == "files/"+first {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			archive[off+100] ^= 0x01
		}
	}
	rep, err = verifyArchive(t, l, archive, false)
	if err == nil {
		t.Fatal("an archive with a byte flipped in place verified")
	}
	checkAltered(t, rep, files[0].ref, 2)
}

func checkAltered(t *testing.T, rep seal.FilesReport, ref domain.Evidence, citing int) {
	t.Helper()
	if len(rep.Altered) != citing || len(rep.Missing) != 0 {
		t.Fatalf("altered %d, missing %d; want the %d events citing %s altered: %v", len(rep.Altered), len(rep.Missing), citing, ref.Name, rep.Lines)
	}
	events := map[int]bool{}
	for _, a := range rep.Altered {
		if a.Ref.SHA256 != ref.SHA256 || a.Ref.Name != ref.Name || !strings.Contains(a.Reason, "hash to") {
			t.Errorf("altered entry %+v, want %s named with the digest its bytes have", a, ref.Name)
		}
		events[a.Ref.Event] = true
	}
	joined := strings.Join(rep.Lines, "\n")
	if len(events) != citing || !strings.Contains(joined, "ALTERED: event ") || !strings.Contains(joined, ref.Name) {
		t.Errorf("report lines %q do not name each event and the file", joined)
	}
}

// TestEvidenceArchiveMissingFile: a file left out of the archive fails
// verification, named by event and name, unless missing files are
// allowed; then the report says what was not proved.
func TestEvidenceArchiveMissingFile(t *testing.T) {
	l := newLedger(t, 0)
	files := threeFiles()
	stream := inspectionCiting(t, l, "in-missing", files...)
	p, packJSON := streamPack(t, l, stream)
	held := byDigest(files)
	delete(held, files[1].ref.SHA256)
	archive := writeArchive(t, p, packJSON, held)

	rep, err := verifyArchive(t, l, archive, false)
	if err == nil || !strings.Contains(err.Error(), "1 of the files the events cite are missing") {
		t.Fatalf("missing file not allowed: err = %v", err)
	}
	if len(rep.Missing) != 1 || rep.Missing[0].Ref.Name != files[1].ref.Name || rep.Missing[0].Ref.Event != 3 {
		t.Errorf("missing = %+v, want %s cited by event 3 (the second finding)", rep.Missing, files[1].ref.Name)
	}
	rep, err = verifyArchive(t, l, archive, true)
	if err != nil || rep.Checked != 2 || !strings.Contains(strings.Join(rep.Lines, "\n"), "Not proved: 1 cited files are not in the archive") {
		t.Errorf("missing file allowed: err = %v, report %+v", err, rep)
	}
}

// TestEvidenceArchiveSizeDiffers: an event whose reference gives another
// size than the bytes with that digest is named, though the digest
// matches.
func TestEvidenceArchiveSizeDiffers(t *testing.T) {
	l := newLedger(t, 0)
	f := newEvidenceFile("照片.png", "image/png", []byte("the photo's bytes"))
	lying := f
	lying.ref.Size++
	stream := inspectionCiting(t, l, "in-size", lying)
	p, packJSON := streamPack(t, l, stream)
	var buf bytes.Buffer
	w, err := seal.NewArchiveWriter(&buf, packJSON, p)
	if err != nil {
		t.Fatal(err)
	}
	refs, _ := seal.PackFiles(p)
	// The writer refuses the bytes: they are not the size cited.
	if err := w.AddFile(refs[0], bytes.NewReader(f.data)); !errors.Is(err, seal.ErrFileMismatch) {
		t.Fatalf("AddFile of bytes shorter than cited: %v, want ErrFileMismatch", err)
	}
	// A forger's archive holding them anyway is refused by the verifier.
	zw := zip.NewWriter(&buf)
	buf.Reset()
	pf, _ := zw.Create("pack.json")
	pf.Write(packJSON)
	ff, _ := zw.CreateHeader(&zip.FileHeader{Name: "files/" + f.ref.SHA256, Method: zip.Store})
	ff.Write(f.data)
	zw.Close()
	rep, err := verifyArchive(t, l, buf.Bytes(), false)
	if err == nil || len(rep.Altered) != 2 || !strings.Contains(rep.Altered[0].Reason, fmt.Sprintf("records %d bytes, the file has %d", lying.ref.Size, f.ref.Size)) {
		t.Errorf("err = %v, report %+v", err, rep)
	}
}

// TestArchiveWriterRefusesOtherBytes: bytes that do not hash to the
// cited digest are refused while they are copied.
func TestArchiveWriterRefusesOtherBytes(t *testing.T) {
	l := newLedger(t, 0)
	files := threeFiles()
	stream := inspectionCiting(t, l, "in-writer", files...)
	p, packJSON := streamPack(t, l, stream)
	w, err := seal.NewArchiveWriter(io.Discard, packJSON, p)
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(files[1].data)
	other[0] ^= 0x80
	refs, _ := seal.PackFiles(p)
	for _, ref := range refs {
		if ref.SHA256 != files[1].ref.SHA256 {
			continue
		}
		if err := w.AddFile(ref, bytes.NewReader(other)); !errors.Is(err, seal.ErrFileMismatch) || !strings.Contains(err.Error(), files[1].ref.Name) {
			t.Errorf("AddFile of a flipped byte: %v, want ErrFileMismatch naming the file", err)
		}
		if err := w.AddFile(ref, bytes.NewReader(append(bytes.Clone(files[1].data), 'x'))); !errors.Is(err, seal.ErrFileMismatch) {
			t.Errorf("AddFile of a longer file: %v, want ErrFileMismatch", err)
		}
		return
	}
	t.Fatal("no reference to the second file")
}

// withEntries copies an archive entry by entry, as it is (methods and
// bytes), leaving out those drop names, then lets add write more.
func withEntries(t *testing.T, archive []byte, drop func(name string) bool, add func(zw *zip.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if drop != nil && drop(f.Name) {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if add != nil {
		add(zw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func addEntry(zw *zip.Writer, name string, method uint16, data []byte) {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		panic(err)
	}
	w.Write(data)
}

// TestArchiveRefusesUnexpectedEntries: an archive holding anything but
// pack.json, README.txt and the cited files/<sha256> is refused, not
// verified with a note: names that climb out of a folder, backslashes,
// lookalikes, names differing only in letter case, and files no event
// cites.
func TestArchiveRefusesUnexpectedEntries(t *testing.T) {
	l := newLedger(t, 0)
	files := threeFiles()
	stream := inspectionCiting(t, l, "in-extra", files...)
	p, packJSON := streamPack(t, l, stream)
	archive := writeArchive(t, p, packJSON, byDigest(files))
	if _, err := verifyArchive(t, l, archive, false); err != nil {
		t.Fatalf("the genuine archive: %v", err)
	}
	sum := files[0].ref.SHA256
	for _, tt := range []struct {
		name, why string
		data      []byte
	}{
		{"../x", "climbs out", []byte("x")},
		{"files/../pack.json", "climbs out", packJSON},
		{"/etc/cron.d/x", "absolute", []byte("x")},
		{"C:/Windows/x", "absolute", []byte("x")},
		{"files\\" + sum, "backslash", files[0].data},
		{"PACK.JSON", "letter case", packJSON},
		{"readme.txt", "letter case", []byte("x")},
		{"files/" + strings.ToUpper(sum), "letter case", files[0].data},
		{"files/" + strings.ToUpper(files[2].ref.SHA256) + "0", "not part of an evidence archive", files[0].data},
		{"files/" + sum + ".exe", "not part of an evidence archive", files[0].data},
		{"files/", "not part of an evidence archive", nil},
		{"pack.json.lnk", "not part of an evidence archive", []byte("x")},
		{"notes.txt", "not part of an evidence archive", []byte("x")},
	} {
		forged := withEntries(t, archive, nil, func(zw *zip.Writer) { addEntry(zw, tt.name, zip.Store, tt.data) })
		_, err := seal.OpenArchive(bytes.NewReader(forged), int64(len(forged)))
		if err == nil || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("an archive also holding %q: err = %v, want it refused (%s)", tt.name, err, tt.why)
		}
	}
	// The same cited file twice, once in other letter case of the folder.
	forged := withEntries(t, archive, nil, func(zw *zip.Writer) { addEntry(zw, "FILES/"+sum, zip.Store, files[0].data) })
	if _, err := seal.OpenArchive(bytes.NewReader(forged), int64(len(forged))); err == nil || !strings.Contains(err.Error(), "letter case") {
		t.Errorf("files/ and FILES/ of one digest: err = %v", err)
	}
	// A file no event cites, under a well-formed name.
	other := newEvidenceFile("x.png", "image/png", []byte("not cited by any event"))
	forged = withEntries(t, archive, nil, func(zw *zip.Writer) { addEntry(zw, "files/"+other.ref.SHA256, zip.Store, other.data) })
	rep, err := verifyArchive(t, l, forged, true)
	if err == nil || !seal.IsVerificationError(err) || !strings.Contains(err.Error(), "no event of the pack cites") ||
		!strings.Contains(strings.Join(rep.Lines, "\n"), "UNEXPECTED: the archive holds files/"+other.ref.SHA256) {
		t.Errorf("an archive with an uncited file: err = %v, lines %q", err, rep.Lines)
	}
}

// TestArchiveRefusesCompressedFiles: a cited file stored compressed is
// refused without being read (it could inflate to any size; the ledger
// stores files uncompressed), even when its bytes are those cited; so is
// a pack.json or README.txt whose directory entry is too large.
func TestArchiveRefusesCompressedFiles(t *testing.T) {
	l := newLedger(t, 0)
	files := threeFiles()
	stream := inspectionCiting(t, l, "in-deflate", files...)
	p, packJSON := streamPack(t, l, stream)
	archive := writeArchive(t, p, packJSON, byDigest(files))
	sum := files[0].ref.SHA256
	isFirst := func(name string) bool { return name == "files/"+sum }

	deflated := withEntries(t, archive, isFirst, func(zw *zip.Writer) { addEntry(zw, "files/"+sum, zip.Deflate, files[0].data) })
	rep, err := verifyArchive(t, l, deflated, false)
	if err == nil || len(rep.Altered) != 2 || !strings.Contains(rep.Altered[0].Reason, "stored compressed") {
		t.Errorf("the genuine bytes stored compressed: err = %v, report %+v", err, rep)
	}

	// A deflate bomb under a cited name: 64 MiB of zeros in 64 KiB.
	bomb := withEntries(t, archive, isFirst, func(zw *zip.Writer) {
		addEntry(zw, "files/"+sum, zip.Deflate, make([]byte, 64<<20))
	})
	start := time.Now()
	rep, err = verifyArchive(t, l, bomb, false)
	if err == nil || len(rep.Altered) != 2 || !strings.Contains(rep.Altered[0].Reason, "not read") {
		t.Errorf("a deflate bomb: err = %v, report %+v", err, rep)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("a deflate bomb took %v", d)
	}

	// Directory entries claiming more than a pack or a note may have.
	for _, name := range []string{"pack.json", "README.txt"} {
		huge := withEntries(t, archive, func(n string) bool { return n == name }, func(zw *zip.Writer) {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: 4, UncompressedSize64: 1 << 40})
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte{3, 0, 0, 0})
		})
		if _, err := seal.OpenArchive(bytes.NewReader(huge), int64(len(huge))); err == nil || !strings.Contains(err.Error(), "more than") {
			t.Errorf("a %s claiming 1 TiB: err = %v", name, err)
		}
	}
}
