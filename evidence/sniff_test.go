package evidence_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/cxzy/ledger/evidence"
)

type entry struct {
	name string
	data string
}

// zipOf writes a zip archive of the entries, in order, stored
// uncompressed (as an OpenDocument's mimetype entry is).
func zipOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := z.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sniff runs both phases as the API does (SniffHead on the first bytes,
// then, if it asks, SniffFile on the whole file) and returns the type.
func sniff(b []byte, name string) (string, error) {
	head := b[:min(len(b), evidence.SniffLen)]
	t, whole, err := evidence.SniffHead(head, name, "")
	if err != nil || !whole {
		return t, err
	}
	return evidence.SniffFile(bytes.NewReader(b), int64(len(b)), name)
}

// sniffOld runs both phases as api/evidence.go does today: SniffZip,
// without the name, for the whole file.
func sniffOld(b []byte, name string) (string, error) {
	head := b[:min(len(b), evidence.SniffLen)]
	t, whole, err := evidence.SniffHead(head, name, "")
	if err != nil || !whole {
		return t, err
	}
	return evidence.SniffZip(bytes.NewReader(b), int64(len(b)))
}

func wantRefused(t *testing.T, what string, mediaType string, err error, words string) {
	t.Helper()
	var mt *evidence.MediaTypeError
	if err == nil || !errors.As(err, &mt) {
		t.Errorf("%s: accepted as %q (err %v), want a media type refusal", what, mediaType, err)
		return
	}
	if !strings.Contains(err.Error(), words) {
		t.Errorf("%s: refused with %q, want it to say %q", what, err, words)
	}
}

const (
	docxTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>%s</Types>`
	odtMime   = "application/vnd.oasis.opendocument.text"
)

func docx(t *testing.T, extraTypes string, extra ...entry) []byte {
	return zipOf(t, append([]entry{{"[Content_Types].xml", fmt.Sprintf(docxTypes, extraTypes)}, {"_rels/.rels", "<x/>"}, {"word/document.xml", "<x/>"}}, extra...)...)
}

// TestSniffOpenDocumentHeaderIsNotTrusted: a zip whose first entry says
// "mimetype" and an OpenDocument type is opened like any other: a .docm
// with a vbaProject.bin behind such an entry is refused, and an
// OpenDocument needs content.xml and no Basic or Scripts.
func TestSniffOpenDocumentHeaderIsNotTrusted(t *testing.T) {
	docm := zipOf(t, entry{"mimetype", odtMime}, entry{"[Content_Types].xml", fmt.Sprintf(docxTypes, "")}, entry{"word/document.xml", "<x/>"}, entry{"word/vbaProject.bin", "macro"}, entry{"content.xml", "<x/>"})
	if _, whole, err := evidence.SniffHead(docm[:evidence.SniffLen], "报告.odt", ""); err != nil || !whole {
		t.Errorf("SniffHead of a zip starting with mimetype: whole file %v, err %v; want the archive opened", whole, err)
	}
	mt, err := sniff(docm, "报告.odt")
	wantRefused(t, "a .docm behind an OpenDocument mimetype entry", mt, err, "macros")
	mt, err = sniffOld(docm, "报告.odt")
	wantRefused(t, "a .docm behind an OpenDocument mimetype entry (SniffZip)", mt, err, "macros")

	odt := []entry{{"mimetype", odtMime}, {"content.xml", "<x/>"}, {"styles.xml", "<x/>"}, {"META-INF/manifest.xml", "<x/>"}}
	if mt, err := sniff(zipOf(t, odt...), "纪要.ODT"); err != nil || mt != evidence.ODT {
		t.Errorf("an OpenDocument text: %q, %v", mt, err)
	}
	mt, err = sniff(zipOf(t, odt[0], odt[2]), "纪要.odt")
	wantRefused(t, "an OpenDocument without content.xml", mt, err, "content.xml")
	for _, macro := range []string{"Basic/Standard/Module1.xml", "Scripts/python/x.py", "basic/script-lc.xml"} {
		mt, err = sniff(zipOf(t, append(odt, entry{macro, "Sub Main"})...), "纪要.odt")
		wantRefused(t, "an OpenDocument with "+macro, mt, err, "macros")
	}
	mt, err = sniff(zipOf(t, entry{"mimetype", "application/vnd.oasis.opendocument.graphics"}, odt[1]), "图.odt")
	wantRefused(t, "an OpenDocument drawing", mt, err, "only texts, spreadsheets and presentations")
}

// TestSniffMacrosByContentType: a VBA project is found by its content
// type wherever it is and whatever its name, a macro-enabled main part is
// refused, and so is any part named like vbaProject.
func TestSniffMacrosByContentType(t *testing.T) {
	if mt, err := sniff(docx(t, ""), "报告.docx"); err != nil || mt != evidence.DOCX {
		t.Fatalf("a plain .docx: %q, %v", mt, err)
	}
	for _, tc := range []struct {
		what  string
		b     []byte
		words string
	}{
		{"a VBA project renamed", docx(t, `<Override PartName="/word/innocent.bin" ContentType="application/vnd.ms-office.vbaProject"/>`, entry{"word/innocent.bin", "macro"}), "macros"},
		{"a VBA project by default extension", docx(t, `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>`, entry{"word/x.bin", "macro"}), "macros"},
		{"a macro-enabled main part", zipOf(t, entry{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`}, entry{"word/document.xml", "<x/>"}), "macros"},
		{"a part named like vbaProject", docx(t, "", entry{"word/vbaProject2.bin", "macro"}), "macros"},
		{"a part named vbaProject in other case", docx(t, "", entry{"word/VBAPROJECT.BIN", "macro"}), "macros"},
		{"a damaged list of parts", zipOf(t, entry{"[Content_Types].xml", "<Types><Override"}, entry{"word/document.xml", "<x/>"}), "damaged"},
	} {
		mt, err := sniff(tc.b, "报告.docx")
		wantRefused(t, tc.what, mt, err, tc.words)
		mt, err = sniffOld(tc.b, "报告.docx")
		wantRefused(t, tc.what+" (SniffZip)", mt, err, tc.words)
	}
}

// ole writes a compound file: a header of one 512-byte sector, then a
// directory sector holding the root entry and the named entries (type 1
// a storage, 2 a stream), then body, which is not parsed.
func ole(names map[string]byte, order []string, body []byte) []byte {
	b := make([]byte, 1024)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(b[30:], 9) // 512-byte sectors
	put := func(slot int, name string, typ byte) {
		e := b[512+128*slot : 512+128*(slot+1)]
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			binary.LittleEndian.PutUint16(e[2*i:], c)
		}
		binary.LittleEndian.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66] = typ
	}
	put(0, "Root Entry", 5)
	for i, n := range order {
		put(i+1, n, names[n])
	}
	return append(b, body...)
}

// TestSniffLegacyOffice: a legacy office file is accepted only as .doc,
// .xls or .ppt, with the main stream of that kind and no macro storage;
// an installer is refused, by name or by content.
func TestSniffLegacyOffice(t *testing.T) {
	// UTF-16 text mentioning VBA is not a directory entry.
	text := []byte{}
	for _, c := range utf16.Encode([]rune("用 VBA 宏 Macros _VBA_PROJECT")) {
		text = binary.LittleEndian.AppendUint16(text, c)
	}
	word := ole(map[string]byte{"WordDocument": 2, "1Table": 2}, []string{"WordDocument", "1Table"}, text)
	if mt, err := sniff(word, "记录.DOC"); err != nil || mt != evidence.DOC {
		t.Errorf("a Word 97 document: %q, %v", mt, err)
	}
	if mt, err := sniffOld(word, "记录.doc"); err != nil || mt != evidence.DOC {
		t.Errorf("a Word 97 document (SniffZip): %q, %v", mt, err)
	}
	book := ole(map[string]byte{"Workbook": 2}, []string{"Workbook"}, nil)
	if mt, err := sniff(book, "台账.xls"); err != nil || mt != evidence.XLS {
		t.Errorf("an Excel 97 workbook: %q, %v", mt, err)
	}
	for _, tc := range []struct {
		what, name string
		b          []byte
		words      string
	}{
		{"a Word document with macros", "记录.doc", ole(map[string]byte{"WordDocument": 2, "Macros": 1, "VBA": 1}, []string{"WordDocument", "Macros", "VBA"}, nil), "macros"},
		{"a workbook with macros", "台账.xls", ole(map[string]byte{"Workbook": 2, "_VBA_PROJECT_CUR": 1}, []string{"Workbook", "_VBA_PROJECT_CUR"}, nil), "macros"},
		{"an installer", "setup.msi", ole(map[string]byte{"\u4840\u3f3f": 2}, []string{"\u4840\u3f3f"}, nil), "installer"},
		{"an installer named .doc", "setup.doc", ole(map[string]byte{"\u4840\u3f3f": 2}, []string{"\u4840\u3f3f"}, nil), "holds no Word, Excel or PowerPoint"},
		{"a Word template", "模板.dot", word, ".doc, .xls or .ppt"},
		{"a Word document named .xls", "台账.xls", word, "looks like a legacy Word document"},
	} {
		mt, err := sniff(tc.b, tc.name)
		wantRefused(t, tc.what, mt, err, tc.words)
	}
	mt, err := sniffOld(ole(map[string]byte{"WordDocument": 2, "Macros": 1}, []string{"WordDocument", "Macros"}, nil), "记录.doc")
	wantRefused(t, "a Word document with macros (SniffZip)", mt, err, "macros")
}

// TestSniffNameMustFitType: a file's name must end in an extension of
// the type its bytes have, in any letter case.
func TestSniffNameMustFitType(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	jpeg := append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), make([]byte, 100)...)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"照片.PNG", png, evidence.PNG},
		{"照片.jpeg", jpeg, evidence.JPEG},
		{"照片.JPG", jpeg, evidence.JPEG},
		{"报告.docx", docx(t, ""), evidence.DOCX},
	} {
		if mt, err := sniff(tc.b, tc.name); err != nil || mt != tc.want {
			t.Errorf("%s: %q, %v; want %s", tc.name, mt, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name  string
		b     []byte
		words string
	}{
		{"x.html", png, "ends in .html, but it looks like a PNG image"},
		{"照片", png, "has no extension"},
		{"照片.jpg.exe", jpeg, "looks like a JPEG photo"},
		{"照片.png", jpeg, "looks like a JPEG photo, whose name ends in .jpg or .jpeg"},
		{"报告.xlsx", docx(t, ""), "looks like a Word document"},
		{"报告.zip", docx(t, ""), "looks like an office document"},
		{"纪要.ods", zipOf(t, entry{"mimetype", odtMime}, entry{"content.xml", "<x/>"}), "looks like an OpenDocument text"},
	} {
		mt, err := sniff(tc.b, tc.name)
		wantRefused(t, tc.name, mt, err, tc.words)
	}
}

// TestSniffZipEntryLimit: a zip listing more than 10,000 entries is
// refused from its end record, before its directory is read.
func TestSniffZipEntryLimit(t *testing.T) {
	entries := []entry{{"[Content_Types].xml", "<x/>"}, {"word/document.xml", "<x/>"}}
	for i := range 10001 {
		entries = append(entries, entry{fmt.Sprintf("p/%d", i), ""})
	}
	mt, err := sniff(zipOf(t, entries...), "报告.docx")
	wantRefused(t, "a zip of 10,003 entries", mt, err, "listing 10003 entries")
	if mt, err := sniff(zipOf(t, entries[:1000]...), "报告.docx"); err != nil || mt != evidence.DOCX {
		t.Errorf("a document of 1,000 parts: %q, %v", mt, err)
	}
}
