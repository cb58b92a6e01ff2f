package seal

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
)

// An evidence archive is a ZIP file holding an evidence pack and the files
// its events cite, so that a reader without the ledger can check both:
//
//	pack.json        the pack exactly as the API served it
//	files/<sha256>   each file cited by the pack's events, once, under its digest
//	README.txt       what the archive is and how to verify it (Chinese and English)
//
// ZIP because the offices that receive archives open them natively
// (Windows Explorer); every name in it is ASCII, so no code page matters.
// The files are stored, not compressed (photos and PDFs are compressed
// already), so a damaged byte stays where it is.
const (
	ArchivePack   = "pack.json"
	ArchiveFiles  = "files/"
	ArchiveReadme = "README.txt"
)

// zipMagic opens every ZIP file (a local file header).
var zipMagic = []byte("PK\x03\x04")

// IsArchive reports whether data (or its first bytes) is a ZIP file rather
// than a JSON pack.
func IsArchive(data []byte) bool { return bytes.HasPrefix(data, zipMagic) }

// FileRef is one file cited by an event of a pack.
type FileRef struct {
	Event   int // the event's place in the pack, from 1
	Stream  string
	Version uint64
	Type    string
	domain.Evidence
}

// Where names the event citing the file and the file, for a person.
func (r FileRef) Where() string {
	return fmt.Sprintf("event %d (%s v%d, %s): file %q (sha256 %s)", r.Event, r.Stream, r.Version, r.Type, r.Name, r.SHA256)
}

// PackFiles lists the files the pack's events cite, in the order of the
// events and, within one, of their lists: every JSON array named
// "evidence" in a payload whose members are objects with a "sha256"
// (domain.Evidence; fulfilment reports, inspection findings and
// completions, rectification progress, submissions and acceptances).
// A file cited by several events is listed for each. It reads the payload
// bytes the event's hash covers (payload_base64) when the pack has them.
func PackFiles(p Pack) ([]FileRef, error) {
	var out []FileRef
	for i, pe := range p.Events {
		payload := pe.Payload
		if payload == nil {
			payload = pe.Event.Payload
		}
		var doc any
		if err := json.Unmarshal(payload, &doc); err != nil {
			return nil, fmt.Errorf("seal: event %d (%s v%d): payload: %w", i+1, pe.Event.Stream, pe.Event.Version, err)
		}
		var refs []domain.Evidence
		collectEvidence(doc, &refs)
		for _, ev := range refs {
			out = append(out, FileRef{Event: i + 1, Stream: pe.Event.Stream, Version: pe.Event.Version, Type: pe.Event.Type, Evidence: ev})
		}
	}
	return out, nil
}

// collectEvidence walks a decoded JSON document, depth first, members of
// an object in key order, and appends every reference it finds.
func collectEvidence(v any, out *[]domain.Evidence) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if list, ok := x[k].([]any); ok && k == "evidence" {
				for _, item := range list {
					if ev, ok := asEvidence(item); ok {
						*out = append(*out, ev)
					}
				}
				continue
			}
			collectEvidence(x[k], out)
		}
	case []any:
		for _, item := range x {
			collectEvidence(item, out)
		}
	}
}

func asEvidence(v any) (domain.Evidence, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return domain.Evidence{}, false
	}
	sum, ok := m["sha256"].(string)
	if !ok {
		return domain.Evidence{}, false
	}
	ev := domain.Evidence{SHA256: sum}
	ev.Name, _ = m["name"].(string)
	ev.MediaType, _ = m["media_type"].(string)
	if size, ok := m["size"].(float64); ok {
		ev.Size = int64(size)
	}
	return ev, true
}

// Distinct returns each digest of refs once, in the order first cited.
func Distinct(refs []FileRef) []FileRef {
	seen := map[string]bool{}
	var out []FileRef
	for _, r := range refs {
		if !seen[r.SHA256] {
			seen[r.SHA256] = true
			out = append(out, r)
		}
	}
	return out
}

// ErrFileMismatch is returned by ArchiveWriter.AddFile for bytes that are
// not those the events cite: the archive written so far holds them and
// must be discarded.
var ErrFileMismatch = errors.New("seal: the file's bytes are not those the events cite")

// ArchiveWriter writes an evidence archive.
type ArchiveWriter struct {
	zw       *zip.Writer
	pack     Pack
	modified time.Time
	added    map[string]bool
	missing  []FileRef
}

// NewArchiveWriter starts an archive on w holding packJSON (the pack as
// served, byte for byte), which must decode to p.
func NewArchiveWriter(w io.Writer, packJSON []byte, p Pack) (*ArchiveWriter, error) {
	a := &ArchiveWriter{zw: zip.NewWriter(w), pack: p, modified: p.Checkpoint.Time.UTC(), added: map[string]bool{}}
	if a.modified.IsZero() {
		a.modified = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	f, err := a.zw.CreateHeader(&zip.FileHeader{Name: ArchivePack, Method: zip.Deflate, Modified: a.modified})
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(packJSON); err != nil {
		return nil, err
	}
	return a, nil
}

// AddFile copies a file cited by the pack into the archive, checking as it
// goes that its bytes are exactly ref.Size bytes hashing to ref.SHA256.
// Any other bytes are ErrFileMismatch; the archive is then spoilt (the
// bytes are in it) and the caller must throw it away.
func (a *ArchiveWriter) AddFile(ref FileRef, r io.Reader) error {
	if a.added[ref.SHA256] {
		return nil
	}
	if !validDigest(ref.SHA256) {
		return fmt.Errorf("%w: %s: not a SHA-256 digest", ErrFileMismatch, ref.Where())
	}
	f, err := a.zw.CreateHeader(&zip.FileHeader{Name: ArchiveFiles + ref.SHA256, Method: zip.Store, Modified: a.modified})
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, ref.Size+1))
	if err != nil {
		return fmt.Errorf("seal: %s: %w", ref.Where(), err)
	}
	if n != ref.Size {
		return fmt.Errorf("%w: %s: %s bytes received, the event says %d", ErrFileMismatch, ref.Where(), sizeText(n, ref.Size), ref.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ref.SHA256 {
		return fmt.Errorf("%w: %s: the bytes received hash to %s", ErrFileMismatch, ref.Where(), got)
	}
	a.added[ref.SHA256] = true
	return nil
}

func sizeText(n, want int64) string {
	if n > want {
		return fmt.Sprintf("more than %d", want)
	}
	return fmt.Sprint(n)
}

// Missing notes a cited file the archive will not hold (the ledger does
// not have it: a file kept elsewhere); README.txt lists it.
func (a *ArchiveWriter) Missing(ref FileRef) { a.missing = append(a.missing, ref) }

// Close writes README.txt and finishes the archive.
func (a *ArchiveWriter) Close() error {
	refs, err := PackFiles(a.pack)
	if err != nil {
		return err
	}
	f, err := a.zw.CreateHeader(&zip.FileHeader{Name: ArchiveReadme, Method: zip.Deflate, Modified: a.modified})
	if err != nil {
		return err
	}
	if _, err := f.Write(readme(a.pack, refs, a.added, a.missing)); err != nil {
		return err
	}
	return a.zw.Close()
}

// readme is README.txt: UTF-8 with a byte-order mark and CRLF line ends,
// so that Notepad on the offices' Windows machines shows the Chinese.
func readme(p Pack, refs []FileRef, added map[string]bool, missing []FileRef) []byte {
	var b strings.Builder
	b.WriteString("\ufeff")
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("创先争优台账 · 证据包（含附件）")
	w("Evidence archive of the cxzy ledger (pack and files)")
	w("")
	w("内容：%s", p.Subject)
	w("Subject: %s", p.Subject)
	w("检查点 / checkpoint: %d events, %s, key %s", p.Checkpoint.Size, p.Checkpoint.Time.UTC().Format(time.RFC3339), p.Checkpoint.KeyName)
	w("")
	w("本压缩包包含：")
	w("  pack.json        证据包：事件、每个事件在签名检查点中的包含证明（与台账接口提供的原文逐字节相同）")
	w("  files/<sha256>   事件引用的每个附件，以其 SHA-256 摘要命名（同一文件只存一份）")
	w("  README.txt       本说明（仅供阅读，不参与验证）")
	w("This archive holds:")
	w("  pack.json        the evidence pack: events, each with its proof of inclusion in a signed")
	w("                   checkpoint, byte for byte as the ledger's API served it")
	w("  files/<sha256>   every file the events cite, named by its SHA-256 digest, once each")
	w("  README.txt       this note (for reading only; verification does not use it)")
	w("")
	w("如何验证 / How to verify (offline, with the ledger's public verifier key):")
	w("  ledgerctl verify-pack 本文件.zip --key 公钥")
	w("  ledgerctl verify-pack THIS-FILE.zip --key PUBKEY")
	w("验证内容：检查点签名；每个事件未被改动且在检查点中；每个附件都在包内，大小和 SHA-256 与事件记载一致。")
	w("It checks the checkpoint's signature, that every event is unaltered and in the checkpoint, and")
	w("that every cited file is in the archive with the size and SHA-256 its event records.")
	w("Without ledgerctl, a file's digest can be checked by hand: certutil -hashfile FILE SHA256 (Windows),")
	w("sha256sum FILE (Linux); it must equal the file's name. 也可用上述命令手工核对附件摘要，应与文件名相同。")
	w("")
	w("附件清单 / Files (as cited by the events; pack.json is authoritative):")
	if len(refs) == 0 {
		w("  （无 / none）")
	}
	missed := map[string]bool{}
	for _, m := range missing {
		missed[m.SHA256] = true
	}
	for _, r := range refs {
		state := ""
		switch {
		case missed[r.SHA256]:
			state = "  [不在包内 / not in this archive: the ledger does not hold it]"
		case !added[r.SHA256]:
			state = "  [不在包内 / not in this archive]"
		}
		w("  files/%s  %d B  %s  (%s)  — event %d, %s v%d%s", r.SHA256, r.Size, r.Name, r.MediaType, r.Event, r.Stream, r.Version, state)
	}
	return []byte(b.String())
}

// Archive is an evidence archive opened for verification.
type Archive struct {
	Pack  []byte // pack.json, as written
	files map[string]*zip.File
}

// Limits on what verification reads from an archive: pack.json is the
// only entry read whole (the largest pack the API serves is well under
// it), README.txt is for people and never read, and a file is read only
// when stored uncompressed with the size its events cite.
const (
	maxArchivePack   = 256 << 20
	maxArchiveReadme = 1 << 20
)

// OpenArchive reads the archive's directory and pack.json. It refuses an
// archive holding anything but pack.json, README.txt and files/<sha256>
// (VerifyFiles then refuses a file no event cites), one naming an entry
// twice (even in other letter case: which of the two a tool would show
// is anyone's guess), and names that could land outside a folder when
// unpacked (backslashes, "..", absolute paths).
func OpenArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("seal: not a readable ZIP archive: %w", err)
	}
	a := &Archive{files: map[string]*zip.File{}}
	seen := map[string]string{}
	var pack *zip.File
	for _, f := range zr.File {
		if err := entryNameProblem(f.Name); err != "" {
			return nil, fmt.Errorf("seal: the archive holds an entry named %q, which %s; an archive written by the ledger holds only %s, %s and %s<sha256>", f.Name, err, ArchivePack, ArchiveReadme, ArchiveFiles)
		}
		folded := strings.ToLower(f.Name)
		if prev, ok := seen[folded]; ok {
			if prev == f.Name {
				return nil, fmt.Errorf("seal: the archive holds %s twice", f.Name)
			}
			return nil, fmt.Errorf("seal: the archive holds both %s and %s, names that differ only in letter case (one would hide the other when unpacked)", prev, f.Name)
		}
		seen[folded] = f.Name
		switch {
		case f.Name == ArchivePack:
			if f.UncompressedSize64 > maxArchivePack {
				return nil, fmt.Errorf("seal: the archive's %s is %d bytes, more than the %d a pack may have", ArchivePack, f.UncompressedSize64, maxArchivePack)
			}
			pack = f
		case f.Name == ArchiveReadme:
			if f.UncompressedSize64 > maxArchiveReadme {
				return nil, fmt.Errorf("seal: the archive's %s is %d bytes, more than the %d a note may have", ArchiveReadme, f.UncompressedSize64, maxArchiveReadme)
			}
		case strings.HasPrefix(f.Name, ArchiveFiles) && validDigest(strings.TrimPrefix(f.Name, ArchiveFiles)):
			a.files[strings.TrimPrefix(f.Name, ArchiveFiles)] = f
		default:
			return nil, fmt.Errorf("seal: the archive holds %q, which is not part of an evidence archive: an archive written by the ledger holds only %s, %s and %s<sha256> (64 lower-case hex digits)", f.Name, ArchivePack, ArchiveReadme, ArchiveFiles)
		}
	}
	if pack == nil {
		return nil, fmt.Errorf("seal: the archive holds no %s", ArchivePack)
	}
	rc, err := pack.Open()
	if err != nil {
		return nil, fmt.Errorf("seal: %s: %w", ArchivePack, err)
	}
	defer rc.Close()
	if a.Pack, err = io.ReadAll(io.LimitReader(rc, maxArchivePack+1)); err != nil {
		return nil, fmt.Errorf("seal: %s: %w", ArchivePack, err)
	}
	if len(a.Pack) > maxArchivePack {
		return nil, fmt.Errorf("seal: the archive's %s is more than %d bytes", ArchivePack, maxArchivePack)
	}
	return a, nil
}

// entryNameProblem says what is wrong with an entry's name as a path, or
// "" if nothing is.
func entryNameProblem(name string) string {
	switch {
	case name == "":
		return "is empty"
	case strings.Contains(name, "\\"):
		return "has a backslash"
	case strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':'):
		return "is an absolute path"
	case slices.Contains(strings.Split(name, "/"), ".."):
		return "climbs out of its folder (..)"
	}
	return ""
}

// FileProblem is a cited file the archive does not hold as cited.
type FileProblem struct {
	Ref     FileRef
	Missing bool   // not in the archive
	Reason  string // for an altered one: what differs
}

// FilesReport says what checking an archive's files found.
type FilesReport struct {
	Cited    int // references in the events
	Distinct int // distinct files among them
	Checked  int // distinct files present and as cited
	Missing  []FileProblem
	Altered  []FileProblem
	Lines    []string
}

// VerifyFiles checks every file the pack's events cite against the
// archive: present, and its bytes exactly the size and SHA-256 the event
// records (each citing event is checked, so an event citing a file with
// another size than the bytes is named). A missing file is a failure
// unless allowMissing (files the ledger does not hold, such as paper
// kept elsewhere); an altered one always is. Call it after VerifyPack
// has verified p: the references are only as good as the events.
func (a *Archive) VerifyFiles(p Pack, allowMissing bool) (FilesReport, error) {
	var r FilesReport
	refs, err := PackFiles(p)
	if err != nil {
		return r, err
	}
	r.Cited = len(refs)
	type seen struct {
		present bool
		read    bool   // its bytes were read: sum is their digest
		refused string // why its bytes were not read
		size    int64
		sum     string
		err     error
	}
	sizes := map[string][]int64{} // the sizes the events cite for each digest
	for _, ref := range refs {
		sizes[ref.SHA256] = append(sizes[ref.SHA256], ref.Size)
	}
	got := map[string]seen{}
	for _, ref := range Distinct(refs) {
		f, ok := a.files[ref.SHA256]
		if !ok {
			got[ref.SHA256] = seen{}
			continue
		}
		s := seen{present: true, size: int64(f.UncompressedSize64)}
		switch {
		case f.Method != zip.Store:
			// The ledger stores files uncompressed; a compressed one
			// could inflate to any size, so it is not read at all.
			s.refused = "it is stored compressed in the archive; the ledger stores files uncompressed, so it was not read"
		case f.UncompressedSize64 != f.CompressedSize64 || f.UncompressedSize64 > 1<<62:
			s.refused = fmt.Sprintf("the archive's directory gives it two sizes (%d and %d bytes), so it was not read", f.CompressedSize64, f.UncompressedSize64)
		case slices.Contains(sizes[ref.SHA256], s.size):
			s.read = true
			s.size, s.sum, s.err = hashEntry(f, s.size)
		}
		got[ref.SHA256] = s
	}
	r.Distinct = len(got)
	good := map[string]bool{}
	for _, ref := range refs {
		s := got[ref.SHA256]
		switch {
		case !s.present:
			r.Missing = append(r.Missing, FileProblem{Ref: ref, Missing: true})
		case s.refused != "":
			r.Altered = append(r.Altered, FileProblem{Ref: ref, Reason: s.refused})
		case s.read && s.sum != ref.SHA256:
			why := fmt.Sprintf("its bytes in the archive hash to %s", s.sum)
			if s.err != nil {
				why += fmt.Sprintf(" (and the archive's own checksum of it fails: %v)", s.err)
			}
			r.Altered = append(r.Altered, FileProblem{Ref: ref, Reason: why})
		case s.size != ref.Size:
			r.Altered = append(r.Altered, FileProblem{Ref: ref, Reason: fmt.Sprintf("the event records %d bytes, the file has %d", ref.Size, s.size)})
		default:
			// The SHA-256 is what proves the bytes: a damaged ZIP
			// checksum beside intact bytes is noted, not held against
			// the file.
			if s.err != nil && !good[ref.SHA256] {
				r.Lines = append(r.Lines, fmt.Sprintf("note: %s: the archive's own checksum fails (%v), but the bytes are exactly those cited", ref.Where(), s.err))
			}
			good[ref.SHA256] = true
		}
	}
	var uncited []string
	for sum := range a.files {
		if _, ok := sizes[sum]; !ok {
			uncited = append(uncited, ArchiveFiles+sum)
		}
	}
	slices.Sort(uncited)
	r.Checked = len(good)
	for _, m := range r.Missing {
		r.Lines = append(r.Lines, "MISSING: "+m.Ref.Where()+": not in the archive")
	}
	for _, m := range r.Altered {
		r.Lines = append(r.Lines, "ALTERED: "+m.Ref.Where()+": "+m.Reason)
	}
	for _, name := range uncited {
		r.Lines = append(r.Lines, "UNEXPECTED: the archive holds "+name+", which no event of the pack cites")
	}
	switch {
	case len(uncited) > 0:
		return r, fail("the archive holds %d files that no event of the pack cites (an archive written by the ledger holds only the cited files), %d of the cited files are not as cited, %d missing", len(uncited), distinctProblems(r.Altered), distinctProblems(r.Missing))
	case len(r.Altered) > 0:
		return r, fail("%d of the files the events cite are not as cited (altered), %d missing", distinctProblems(r.Altered), distinctProblems(r.Missing))
	case len(r.Missing) > 0 && !allowMissing:
		return r, fail("%d of the files the events cite are missing from the archive (--allow-missing-files accepts files kept elsewhere)", distinctProblems(r.Missing))
	}
	if r.Cited == 0 {
		r.Lines = append(r.Lines, "The pack's events cite no files.")
		return r, nil
	}
	r.Lines = append(r.Lines, fmt.Sprintf("All %d files the events cite (%d references) that the archive holds have exactly the size and SHA-256 their events record.", r.Checked, r.Cited))
	if len(r.Missing) > 0 {
		r.Lines = append(r.Lines, fmt.Sprintf("Not proved: %d cited files are not in the archive (accepted with --allow-missing-files); their digests are in the events, to check them wherever they are kept.", distinctProblems(r.Missing)))
	}
	return r, nil
}

func distinctProblems(ps []FileProblem) int {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.Ref.SHA256] = true
	}
	return len(seen)
}

// hashEntry reads one stored file through and hashes it, reading at most
// one byte more than size (the size its directory entry gives, which the
// caller has checked against the events). A ZIP checksum error comes back
// with the digest of what was read: the digest is what says the bytes are
// not those cited.
func hashEntry(f *zip.File, size int64) (int64, string, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, size+1))
	return n, hex.EncodeToString(h.Sum(nil)), err
}

func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
