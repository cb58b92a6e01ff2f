package evidence

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf16"
)

// SniffLen is how many of a file's first bytes SniffHead wants.
const SniffLen = 512

// The media types the store accepts, as they are recorded.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	GIF  = "image/gif"
	WebP = "image/webp"
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	DOC  = "application/msword"
	XLS  = "application/vnd.ms-excel"
	PPT  = "application/vnd.ms-powerpoint"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
	ODP  = "application/vnd.oasis.opendocument.presentation"
)

// Accepted lists the media types an upload may have.
var Accepted = []string{JPEG, PNG, GIF, WebP, PDF, DOCX, XLSX, PPTX, DOC, XLS, PPT, ODT, ODS, ODP}

// MediaTypeError refuses a file whose bytes are of a type not accepted.
type MediaTypeError struct {
	Detected string // what the bytes look like
	Reason   string
}

func (e *MediaTypeError) Error() string {
	if e.Reason != "" {
		return e.Reason
	}
	return fmt.Sprintf("its bytes are %s, which is not accepted: photos (JPEG, PNG, GIF, WebP), PDF and office documents only", e.Detected)
}

var (
	ole2 = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipM = []byte("PK\x03\x04")
)

// extensions are the file name extensions each accepted type may have.
var extensions = map[string][]string{
	JPEG: {".jpg", ".jpeg"},
	PNG:  {".png"},
	GIF:  {".gif"},
	WebP: {".webp"},
	PDF:  {".pdf"},
	DOCX: {".docx"},
	XLSX: {".xlsx"},
	PPTX: {".pptx"},
	DOC:  {".doc"},
	XLS:  {".xls"},
	PPT:  {".ppt"},
	ODT:  {".odt"},
	ODS:  {".ods"},
	ODP:  {".odp"},
}

// describe names a media type for a clerk.
var describe = map[string]string{
	JPEG: "a JPEG photo",
	PNG:  "a PNG image",
	GIF:  "a GIF image",
	WebP: "a WebP image",
	PDF:  "a PDF document",
	DOCX: "a Word document",
	XLSX: "an Excel spreadsheet",
	PPTX: "a PowerPoint presentation",
	DOC:  "a legacy Word document",
	XLS:  "a legacy Excel spreadsheet",
	PPT:  "a legacy PowerPoint presentation",
	ODT:  "an OpenDocument text",
	ODS:  "an OpenDocument spreadsheet",
	ODP:  "an OpenDocument presentation",
}

// zipOffice and oleOffice are the types a zip archive and a legacy
// (OLE2) office file may turn out to be.
var (
	zipOffice = []string{DOCX, XLSX, PPTX, ODT, ODS, ODP}
	oleOffice = []string{DOC, XLS, PPT}
)

// CheckName refuses a file whose name's extension (in any letter case)
// is not one of those of mediaType, the type its bytes were found to
// have: a PNG named x.html would be served to someone as a page.
func CheckName(name, mediaType string) error {
	return checkExt(name, mediaType)
}

func checkExt(name string, types ...string) error {
	ext := strings.ToLower(path.Ext(name))
	var want []string
	for _, t := range types {
		for _, e := range extensions[t] {
			if e == ext {
				return nil
			}
			want = append(want, e)
		}
	}
	looks := "an office document"
	if len(types) == 1 {
		looks = describe[types[0]]
	} else if slices.Equal(types, oleOffice) {
		looks = "a legacy office document"
	}
	got := "has no extension"
	if ext != "" {
		got = "ends in " + ext
	}
	return &MediaTypeError{Detected: looks, Reason: fmt.Sprintf("its name %s, but it looks like %s, whose name ends in %s: rename the file to match what it is, or upload the file you meant", got, looks, strings.Join(want, " or "))}
}

// SniffHead decides a file's media type from its first bytes (at least
// SniffLen of them, or the whole file if shorter), never from what the
// client declares, and checks that the name's extension fits it. needZip
// is set for a zip archive, which may be an office document, and for a
// legacy office file (OLE2), which may hold macros: SniffZip (or, better,
// SniffFile, which also checks the name against the exact kind) then
// decides from the whole file. The declared type no longer matters.
func SniffHead(head []byte, name, declared string) (mediaType string, needZip bool, err error) {
	switch {
	case bytes.HasPrefix(head, ole2):
		t, err := oleByName(name)
		if err != nil {
			return "", false, err
		}
		return t, true, nil
	case bytes.HasPrefix(head, zipM):
		// Whatever its first entry says (an OpenDocument names itself
		// there), only the whole archive tells what it holds.
		if err := checkExt(name, zipOffice...); err != nil {
			return "", false, err
		}
		return "", true, nil
	}
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch t {
	case JPEG, PNG, GIF, WebP, PDF:
		if err := checkExt(name, t); err != nil {
			return "", false, err
		}
		return t, false, nil
	}
	return "", false, &MediaTypeError{Detected: t}
}

// oleByName tells the kinds of legacy office file apart by the name's
// extension: their bytes all begin alike (OLE2, also used by installers).
func oleByName(name string) (string, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".doc":
		return DOC, nil
	case ".xls":
		return XLS, nil
	case ".ppt":
		return PPT, nil
	case ".msi", ".msp", ".mst":
		return "", &MediaTypeError{Detected: "a Windows installer", Reason: "it is a Windows installer package, which is not accepted: photos, PDF and office documents only"}
	}
	return "", &MediaTypeError{Detected: "a legacy office file", Reason: "it is a legacy office file (OLE2) but its name does not end in .doc, .xls or .ppt, so it cannot be accepted: save it as .docx, .xlsx or .pptx, or give it the extension of what it is"}
}

// maxZipEntries is the most entries an archive may list: an office
// document has tens to a few thousand, while a 50 MB zip can list a
// million, each costing memory to read.
const maxZipEntries = 10000

// SniffFile decides a file's media type from the whole of it, for a zip
// archive or a legacy office file (those SniffHead marks needZip), and
// checks that the name's extension fits the exact kind found.
func SniffFile(r io.ReaderAt, size int64, name string) (string, error) {
	head := make([]byte, len(ole2))
	if n, _ := r.ReadAt(head, 0); n == len(head) && bytes.Equal(head, ole2) {
		byName, err := oleByName(name)
		if err != nil {
			return "", err
		}
		t, err := sniffOLE(r, size, byName)
		if err != nil {
			return "", err
		}
		return t, checkExt(name, t)
	}
	t, err := sniffZip(r, size)
	if err != nil {
		return "", err
	}
	return t, checkExt(name, t)
}

// SniffZip decides what a zip archive (or a legacy office file) is, from
// the whole file, without its name: SniffFile also checks the name
// against the kind found; SniffHead checked only that the name is one of
// an office document's.
func SniffZip(r io.ReaderAt, size int64) (string, error) {
	head := make([]byte, len(ole2))
	if n, _ := r.ReadAt(head, 0); n == len(head) && bytes.Equal(head, ole2) {
		return sniffOLE(r, size, "")
	}
	return sniffZip(r, size)
}

var errMacros = &MediaTypeError{Detected: "an office document with macros", Reason: "it is an office document with macros, which are not accepted (macros run code on whoever opens the file): save it without macros (.docx, .xlsx, .pptx, or OpenDocument without Basic or scripts)"}

// sniffZip decides whether a zip archive is an office document. An
// OpenDocument names its type in a "mimetype" entry and holds
// content.xml; it must hold no macros (Basic/, Scripts/). An OOXML
// document holds [Content_Types].xml and its main part says which kind;
// it must hold no macros: no part named like vbaProject, no content type
// of a VBA project or of a macro-enabled document.
func sniffZip(r io.ReaderAt, size int64) (string, error) {
	if n, err := zipEntries(r, size); err != nil {
		return "", err
	} else if n > maxZipEntries {
		return "", &MediaTypeError{Detected: "a zip archive", Reason: fmt.Sprintf("it is a zip archive listing %d entries, more than the %d an office document may have", n, maxZipEntries)}
	}
	z, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return "", &MediaTypeError{Detected: "a damaged zip archive"}
	}
	if len(z.File) > maxZipEntries {
		return "", &MediaTypeError{Detected: "a zip archive", Reason: fmt.Sprintf("it is a zip archive of more than %d entries", maxZipEntries)}
	}
	// Part names are compared in any letter case, as office programs do:
	// two entries differing only in case are refused as ambiguous.
	entries := map[string]*zip.File{}
	for _, f := range z.File {
		lower := strings.ToLower(f.Name)
		if _, dup := entries[lower]; dup {
			return "", &MediaTypeError{Detected: "a damaged zip archive", Reason: fmt.Sprintf("it is a zip archive naming %q twice, which no office program writes", f.Name)}
		}
		entries[lower] = f
		if strings.Contains(strings.ToLower(path.Base(f.Name)), "vbaproject") {
			return "", errMacros
		}
	}
	if ct, ok := entries["[content_types].xml"]; ok {
		if _, ok := entries["mimetype"]; ok {
			return "", &MediaTypeError{Detected: "a zip archive", Reason: "it is a zip archive claiming to be both an OpenDocument and an Office Open XML document"}
		}
		if err := checkContentTypes(ct); err != nil {
			return "", err
		}
		switch {
		case entries["word/document.xml"] != nil:
			return DOCX, nil
		case entries["xl/workbook.xml"] != nil:
			return XLSX, nil
		case entries["ppt/presentation.xml"] != nil:
			return PPTX, nil
		}
		return "", &MediaTypeError{Detected: "an office archive of an unknown kind"}
	}
	if mt, ok := entries["mimetype"]; ok {
		data, err := readEntry(mt, 256)
		if err != nil {
			return "", &MediaTypeError{Detected: "a damaged zip archive"}
		}
		t := strings.TrimSpace(string(data))
		if !slices.Contains([]string{ODT, ODS, ODP}, t) {
			return "", &MediaTypeError{Detected: "an OpenDocument of another kind", Reason: fmt.Sprintf("it is an OpenDocument of type %q; only texts, spreadsheets and presentations (.odt, .ods, .odp) are accepted", t)}
		}
		if entries["content.xml"] == nil {
			return "", &MediaTypeError{Detected: "a damaged OpenDocument", Reason: "it names itself an OpenDocument but has no content (content.xml)"}
		}
		for lower := range entries {
			if strings.HasPrefix(lower, "basic/") || strings.HasPrefix(lower, "scripts/") {
				return "", errMacros
			}
		}
		return t, nil
	}
	return "", &MediaTypeError{Detected: "a zip archive"}
}

// checkContentTypes refuses an OOXML package whose [Content_Types].xml
// gives a part the type of a VBA project (wherever the part is and
// whatever it is called: Office finds it by this type) or makes the
// document macro-enabled (.docm, .xlsm, .pptm and their templates).
func checkContentTypes(f *zip.File) error {
	data, err := readEntry(f, 4<<20)
	if err != nil {
		return &MediaTypeError{Detected: "a damaged office document", Reason: "it is an office document whose list of parts ([Content_Types].xml) cannot be read"}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &MediaTypeError{Detected: "a damaged office document", Reason: "it is an office document whose list of parts ([Content_Types].xml) is damaged"}
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range el.Attr {
			if !strings.EqualFold(a.Name.Local, "ContentType") {
				continue
			}
			ct := strings.ToLower(a.Value)
			if strings.Contains(ct, "vbaproject") || strings.Contains(ct, "macroenabled") {
				return errMacros
			}
		}
	}
}

// readEntry reads an entry of at most limit bytes, refusing a larger one
// before reading it.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is too large", f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s is too large", f.Name)
	}
	return data, err
}

// zipEntries reads how many entries a zip archive lists, from its
// end-of-central-directory record (and the ZIP64 one when there is one),
// before anything is allocated for them.
func zipEntries(r io.ReaderAt, size int64) (uint64, error) {
	damaged := &MediaTypeError{Detected: "a damaged zip archive"}
	const eocdLen, maxComment = 22, 65535
	tail := min(size, eocdLen+maxComment+20)
	if tail < eocdLen {
		return 0, damaged
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, damaged
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, damaged
	}
	n := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	// A ZIP64 locator, just before the record, points at the ZIP64 end
	// record, whose count is the one that holds.
	if i >= 20 && string(buf[i-20:i-16]) == "PK\x06\x07" {
		off := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
		rec := make([]byte, 56)
		if off < 0 || off > size-56 {
			return 0, damaged
		}
		if _, err := r.ReadAt(rec, off); err != nil && err != io.EOF {
			return 0, damaged
		}
		if string(rec[:4]) != "PK\x06\x06" {
			return 0, damaged
		}
		n = max(n, binary.LittleEndian.Uint64(rec[32:]))
	}
	return n, nil
}

// The names of compound-file directory entries that hold or mark VBA
// macros (Word's Macros storage, Excel's _VBA_PROJECT_CUR, the VBA
// storage and _VBA_PROJECT stream inside them), and the main stream of
// each kind of legacy office document.
var (
	oleMacroNames = []string{"Macros", "_VBA_PROJECT_CUR", "VBA", "_VBA_PROJECT"}
	oleMainNames  = map[string]string{"WordDocument": DOC, "Workbook": XLS, "Book": XLS, "PowerPoint Document": PPT}
)

// sniffOLE looks through a legacy office file's directory entries. It
// does not follow the file's allocation tables: every directory entry is
// 128 bytes at an offset that is a multiple of 128 (sectors are 512 or
// 4096 bytes, after a header of one sector), so each such slot is tested
// for an entry: a UTF-16 name with its length and an entry type
// (storage or stream) that agree. Document text, also UTF-16, would have
// to match all three at such a slot to be mistaken for an entry. A file
// with a macro storage or stream is refused. The kind is the one of its
// main stream; byName, if given, must agree, and a file with no main
// stream (an installer or any other compound file) is refused.
// PowerPoint 97-2003 keeps macros compressed inside its main stream:
// those are not found.
func sniffOLE(r io.ReaderAt, size int64, byName string) (string, error) {
	kinds := map[string]bool{}
	first := ""
	buf := make([]byte, 64<<10)
	for off := int64(512); off < size; off += int64(len(buf)) {
		n, err := r.ReadAt(buf, off)
		if n == 0 && err != nil {
			break
		}
		for i := 0; i+128 <= n; i += 128 {
			name, ok := oleEntryName(buf[i : i+128])
			if !ok {
				continue
			}
			if slices.Contains(oleMacroNames, name) {
				return "", errMacros
			}
			if k, ok := oleMainNames[name]; ok {
				kinds[k] = true
				if first == "" {
					first = k
				}
			}
		}
	}
	switch {
	case len(kinds) == 0:
		return "", &MediaTypeError{Detected: "a compound file that is no office document", Reason: "it is a compound (OLE2) file but holds no Word, Excel or PowerPoint content (an installer or another program's file); it is not accepted"}
	case byName != "" && kinds[byName]:
		return byName, nil
	case byName != "":
		return "", &MediaTypeError{Detected: describe[first], Reason: fmt.Sprintf("its name says %s, but it looks like %s: rename the file to match what it is", describe[byName], describe[first])}
	}
	return first, nil
}

// oleEntryName decodes a 128-byte slot as a compound-file directory
// entry: a name of up to 31 UTF-16 characters ending in a zero, its
// length in bytes (with the zero) at 64, and its type at 66: 1 a
// storage, 2 a stream.
func oleEntryName(e []byte) (string, bool) {
	l := int(binary.LittleEndian.Uint16(e[64:]))
	if l < 4 || l > 64 || l%2 != 0 || (e[66] != 1 && e[66] != 2) || e[l-2] != 0 || e[l-1] != 0 {
		return "", false
	}
	u := make([]uint16, 0, l/2-1)
	for i := 0; i < l-2; i += 2 {
		c := binary.LittleEndian.Uint16(e[i:])
		if c == 0 {
			return "", false
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), true
}

// ReaderAt reads a stored file at offsets, for SniffZip and SniffFile: the file itself
// if it can, else by seeking.
func ReaderAt(f File) io.ReaderAt {
	if ra, ok := f.(io.ReaderAt); ok {
		return ra
	}
	return seekReaderAt{f}
}

type seekReaderAt struct{ f io.ReadSeeker }

func (s seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.f, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}
