package evidence

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
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

// SniffHead decides a file's media type from its first bytes (at least
// SniffLen of them, or the whole file if shorter), never from what the
// client declares. needZip is set for a zip archive, which may be an
// office document: SniffZip then decides from the whole file. The
// declared type and the name matter only to tell the kinds of legacy
// office file apart, whose bytes all begin alike.
func SniffHead(head []byte, name, declared string) (mediaType string, needZip bool, err error) {
	switch {
	case bytes.HasPrefix(head, ole2):
		if t := oleKind(name, declared); t != "" {
			return t, false, nil
		}
		return "", false, &MediaTypeError{Detected: "a legacy office file", Reason: "it is a legacy office file (OLE2), but neither its name (.doc, .xls, .ppt) nor its declared type says which kind"}
	case bytes.HasPrefix(head, zipM):
		// OpenDocument names itself in its first entry, stored
		// uncompressed: "mimetype" and the type.
		if len(head) > 38 && string(head[30:38]) == "mimetype" {
			rest := string(head[38:])
			for _, t := range []string{ODT, ODS, ODP} {
				if strings.HasPrefix(rest, t) {
					return t, false, nil
				}
			}
		}
		return "", true, nil
	}
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch t {
	case JPEG, PNG, GIF, WebP, PDF:
		return t, false, nil
	}
	return "", false, &MediaTypeError{Detected: t}
}

func oleKind(name, declared string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".doc", ".dot", ".wps":
		return DOC
	case ".xls", ".xlt", ".et":
		return XLS
	case ".ppt", ".pps", ".pot", ".dps":
		return PPT
	}
	if t, _, err := mime.ParseMediaType(declared); err == nil {
		switch t {
		case DOC, XLS, PPT:
			return t
		}
	}
	return ""
}

// SniffZip decides whether a zip archive is an office document (OOXML):
// it must hold [Content_Types].xml, and its main part says which kind. A
// document with macros (a vbaProject.bin part) is refused: macros run
// code on whoever opens the file.
func SniffZip(r io.ReaderAt, size int64) (string, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return "", &MediaTypeError{Detected: "a damaged zip archive"}
	}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
		if strings.EqualFold(path.Base(f.Name), "vbaProject.bin") {
			return "", &MediaTypeError{Detected: "an office document with macros", Reason: "it is an office document with macros, which are not accepted: save it without macros (.docx, .xlsx, .pptx)"}
		}
	}
	if !names["[Content_Types].xml"] {
		return "", &MediaTypeError{Detected: "a zip archive"}
	}
	switch {
	case names["word/document.xml"]:
		return DOCX, nil
	case names["xl/workbook.xml"]:
		return XLSX, nil
	case names["ppt/presentation.xml"]:
		return PPTX, nil
	}
	return "", &MediaTypeError{Detected: "an office archive of an unknown kind"}
}

// ReaderAt reads a stored file at offsets, for SniffZip: the file itself
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
