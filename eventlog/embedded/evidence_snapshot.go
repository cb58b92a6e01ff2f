package embedded

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cxzy/ledger/domain/catalog"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/evidence"
)

// The evidence store in a snapshot: SnapshotEvidence holds its files in
// the store's own layout (evidence.Dir: <first two digits>/<sha256>), so
// the folder opens as a store; EvidenceListing lists every file as
// sha256sum(1) writes it ("<sha256>  evidence/ab/<sha256>"), so that
// `sha256sum -c evidence.sha256` in the snapshot checks a copy with no
// ledger tool at all; the manifest holds the listing's own digest.
const (
	SnapshotEvidence = "evidence"
	EvidenceListing  = "evidence.sha256"
)

// EvidenceManifest describes a snapshot's copy of the evidence store.
type EvidenceManifest struct {
	Files         int    `json:"files"`
	Bytes         int64  `json:"bytes"`
	Listing       string `json:"listing"`        // EvidenceListing
	ListingSHA256 string `json:"listing_sha256"` // of the listing's bytes
	// Linked is how many files are hard links to the live store's (the
	// same file system: the ledger never writes a stored file in place,
	// but damage to it in place hits both: only a copy off the machine
	// is a backup); the others were copied. Either way each file was
	// hashed as it went in and matched its digest.
	Linked int `json:"linked"`
}

// snapshotEvidence copies the store in src into snap/SnapshotEvidence,
// hard-linking where it can and hashing every file (one whose bytes do
// not match its name fails the snapshot), and writes the listing. A store
// that does not exist yet is an empty one, unless the log's checkpoint in
// snap records evidence files; an s3:// store is refused.
func snapshotEvidence(ctx context.Context, src, snap string) (EvidenceManifest, error) {
	dst := filepath.Join(snap, SnapshotEvidence)
	if err := os.Mkdir(dst, 0o750); err != nil {
		return EvidenceManifest{}, err
	}
	if IsS3(src) {
		return EvidenceManifest{}, ErrEvidenceS3
	}
	var files []evidence.Info
	var em EvidenceManifest
	_, err := os.Stat(src)
	if errors.Is(err, os.ErrNotExist) {
		// An empty store only if the log records no file: otherwise the
		// directory named is the wrong one (a mistyped --evidence-dir).
		has, herr := logHasEvidence(filepath.Join(snap, SnapshotLog))
		if herr != nil {
			return EvidenceManifest{}, herr
		}
		if has {
			return EvidenceManifest{}, fmt.Errorf("the evidence store %s does not exist, but the log records evidence files (streams %s…): is it the store's directory?", src, evdomain.StreamPrefix)
		}
	}
	if err == nil {
		folders := map[string]bool{}
		err = walkStore(ctx, src, func(info evidence.Info) error {
			folder := filepath.Join(dst, info.SHA256[:2])
			if !folders[folder] {
				if err := os.Mkdir(folder, 0o750); err != nil {
					return err
				}
				folders[folder] = true
			}
			from, to := filepath.Join(src, info.SHA256[:2], info.SHA256), filepath.Join(folder, info.SHA256)
			var got string
			var size int64
			if err := os.Link(from, to); err == nil {
				em.Linked++
				got, size, err = hashFile(to)
				if err != nil {
					return err
				}
			} else {
				got, size, err = copyHashed(from, to)
				if errors.Is(err, os.ErrNotExist) {
					// Deleted by the collector since the walk listed
					// it: then no event in the snapshot cites it.
					os.Remove(to)
					return nil
				}
				if err != nil {
					return err
				}
			}
			// The listing's digests are the files' names: a file whose
			// bytes no longer match its name was altered in the live
			// store, and would go into the snapshot unnoticed.
			if got != info.SHA256 {
				return &EvidenceError{SHA256: info.SHA256, Reason: fmt.Sprintf("its bytes in the store %s hash to %s: it was altered there, the snapshot is refused", src, got)}
			}
			info.Size = size
			files = append(files, info)
			em.Bytes += size
			return nil
		})
		if err != nil {
			return EvidenceManifest{}, err
		}
		for folder := range folders {
			if err := syncDir(folder); err != nil {
				return EvidenceManifest{}, err
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return EvidenceManifest{}, err
	}
	if err := syncDir(dst); err != nil {
		return EvidenceManifest{}, err
	}
	slices.SortFunc(files, func(a, b evidence.Info) int { return strings.Compare(a.SHA256, b.SHA256) })
	var listing strings.Builder
	for _, f := range files {
		fmt.Fprintf(&listing, "%s  %s/%s/%s\n", f.SHA256, SnapshotEvidence, f.SHA256[:2], f.SHA256)
	}
	if err := writeSynced(filepath.Join(snap, EvidenceListing), []byte(listing.String())); err != nil {
		return EvidenceManifest{}, err
	}
	sum := sha256.Sum256([]byte(listing.String()))
	em.Files, em.Listing, em.ListingSHA256 = len(files), EvidenceListing, hex.EncodeToString(sum[:])
	return em, nil
}

// ErrEvidenceS3 refuses an s3:// evidence store where a directory is
// needed: snapshots copy only a store in a directory, an S3 bucket is
// backed up by its own versioning (docs/operations.md, "Evidence files on
// S3").
var ErrEvidenceS3 = errors.New("the evidence store is in S3 (s3://…): snapshots and restore copy only a store in a directory; an S3 store is backed up by the bucket's versioning (docs/operations.md, \"Evidence files on S3\")")

// IsS3 reports whether an evidence store location names an S3 bucket
// rather than a directory.
func IsS3(where string) bool { return strings.HasPrefix(where, "s3://") }

// logHasEvidence reports whether the log in dir (opened read-only) has any
// evidence file's stream: one seek among the streams' heads.
func logHasEvidence(dir string) (bool, error) {
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		return false, err
	}
	defer s.Close()
	return s.hasStreamPrefix(evdomain.StreamPrefix)
}

// hasStreamPrefix reports whether any stream's name starts with prefix.
func (s *Store) hasStreamPrefix(prefix string) (bool, error) {
	upper := headKey(prefix)
	upper[len(upper)-1]++ // prefix ends in a byte below 0xff ("-")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: headKey(prefix), UpperBound: upper})
	if err != nil {
		return false, err
	}
	found := it.First()
	if err := it.Close(); err != nil {
		return false, err
	}
	return found, nil
}

// hashFile returns the SHA-256 of the file at path and its size.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// walkStore calls fn for every file of the evidence store in dir, as
// evidence.Dir lays them out. Not evidence.OpenDir(dir).Walk: opening a
// store clears its upload folder, which would break uploads in flight in
// a running ledgerd.
func walkStore(ctx context.Context, dir string, fn func(evidence.Info) error) error {
	folders, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, folder := range folders {
		if !folder.IsDir() || len(folder.Name()) != 2 {
			continue // tmp, and anything else not made by the store
		}
		files, err := os.ReadDir(filepath.Join(dir, folder.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if !evidence.ValidDigest(f.Name()) || !strings.HasPrefix(f.Name(), folder.Name()) || !f.Type().IsRegular() {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			info, err := f.Info()
			if errors.Is(err, os.ErrNotExist) {
				continue // collected since the folder was read
			}
			if err != nil {
				return err
			}
			if err := fn(evidence.Info{SHA256: f.Name(), Size: info.Size(), Stored: info.ModTime().UTC()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// EvidenceError is a file of a snapshot's evidence store that is not
// there or not as listed.
type EvidenceError struct {
	SHA256 string
	Reason string
}

func (e *EvidenceError) Error() string { return fmt.Sprintf("file %s: %s", e.SHA256, e.Reason) }

// restoreEvidence copies every listed file of the snapshot in from into a
// new store beside dir, re-hashing each, and renames it into dir once all
// match. It returns dir.
func restoreEvidence(ctx context.Context, from string, em EvidenceManifest, dir string) (string, error) {
	listing, err := os.ReadFile(filepath.Join(from, em.Listing))
	if err != nil {
		return "", err
	}
	if sum := sha256.Sum256(listing); hex.EncodeToString(sum[:]) != em.ListingSHA256 {
		return "", fmt.Errorf("the listing %s does not hash to the manifest's listing_sha256: it was changed", em.Listing)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restoring-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	folders := map[string]bool{}
	var n int
	var size int64
	sc := bufio.NewScanner(strings.NewReader(string(listing)))
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if !ok || !evidence.ValidDigest(sum) || path != SnapshotEvidence+"/"+sum[:2]+"/"+sum {
			return "", fmt.Errorf("%s line %d is not \"<sha256>  %s/ab/<sha256>\"", em.Listing, n+1, SnapshotEvidence)
		}
		folder := filepath.Join(tmp, sum[:2])
		if !folders[folder] {
			if err := os.Mkdir(folder, 0o750); err != nil {
				return "", err
			}
			folders[folder] = true
		}
		got, written, err := copyHashed(filepath.Join(from, filepath.FromSlash(path)), filepath.Join(folder, sum))
		if errors.Is(err, os.ErrNotExist) {
			return "", &EvidenceError{SHA256: sum, Reason: "listed in the snapshot but missing from it"}
		}
		if err != nil {
			return "", err
		}
		if got != sum {
			return "", &EvidenceError{SHA256: sum, Reason: fmt.Sprintf("its bytes in the snapshot hash to %s: it was altered", got)}
		}
		n++
		size += written
	}
	if n != em.Files || size != em.Bytes {
		return "", fmt.Errorf("the listing holds %d files (%d bytes), the manifest says %d (%d bytes)", n, size, em.Files, em.Bytes)
	}
	for folder := range folders {
		if err := syncDir(folder); err != nil {
			return "", err
		}
	}
	if err := os.Mkdir(filepath.Join(tmp, "tmp"), 0o750); err != nil { // the store's upload folder
		return "", err
	}
	if err := syncDir(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, syncDir(parent)
}

// copyHashed copies src to the new file dst, synced, and returns the
// SHA-256 of the bytes copied and their number.
func copyHashed(src, dst string) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// SnapshotsWithEvidence is the store seen by the snapshot route
// (api.Snapshotter): its snapshots also hold the evidence store in
// EvidenceDir.
type SnapshotsWithEvidence struct {
	Log         *Store
	EvidenceDir string
}

// Snapshot takes a snapshot of the log and the evidence store.
func (s SnapshotsWithEvidence) Snapshot(ctx context.Context, dir string) (Manifest, error) {
	return s.Log.SnapshotWith(ctx, dir, SnapshotOptions{EvidenceDir: s.EvidenceDir})
}

// MissingEvidence is a file the log of a snapshot needs that the snapshot
// does not hold.
type MissingEvidence struct {
	SHA256   string
	Uploaded bool           // a standing (uncollected) upload records it
	Refs     []evidence.Ref // the events citing it, in global order
}

func (m MissingEvidence) String() string {
	var b strings.Builder
	b.WriteString(m.SHA256)
	if m.Uploaded {
		b.WriteString(" (uploaded")
	} else {
		b.WriteString(" (never uploaded")
	}
	if len(m.Refs) == 0 {
		b.WriteString(", cited by no event)")
		return b.String()
	}
	b.WriteString(", cited by")
	for i, r := range m.Refs {
		if i == 3 {
			fmt.Fprintf(&b, " and %d more", len(m.Refs)-i)
			break
		}
		fmt.Fprintf(&b, " %s@%d (%s)", r.Stream, r.Version, r.Type)
	}
	b.WriteString(")")
	return b.String()
}

// EvidenceCoverage is what a snapshot's log needs of its evidence store.
type EvidenceCoverage struct {
	Needed  int               // files cited by an event or with a standing upload
	Missing []MissingEvidence // those the snapshot does not hold, by digest
}

// Describe names the first n missing files and the events citing them.
func (c EvidenceCoverage) Describe(n int) string {
	parts := make([]string, 0, min(n, len(c.Missing)))
	for _, m := range c.Missing[:min(n, len(c.Missing))] {
		parts = append(parts, m.String())
	}
	s := strings.Join(parts, "; ")
	if len(c.Missing) > n {
		s += fmt.Sprintf("; and %d more", len(c.Missing)-n)
	}
	return s
}

// CheckSnapshotEvidence reads the log of the snapshot in dir (read-only)
// through an evidence.Index and lists the files it needs, every file an
// event cites and every file with a standing (uncollected) upload, that
// the snapshot's evidence listing does not hold. The listing is checked
// against the manifest's listing_sha256 first; restoring copies and
// re-hashes every listed file, so a restore that follows a check with
// nothing missing puts every needed file in place, verified. A snapshot
// holding no evidence store (format 1, or taken of a log whose store is
// in S3) holds none of the files.
func CheckSnapshotEvidence(ctx context.Context, dir string) (EvidenceCoverage, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return EvidenceCoverage{}, err
	}
	held := map[string]bool{}
	if m.Evidence.Listing != "" {
		listing, err := os.ReadFile(filepath.Join(dir, m.Evidence.Listing))
		if err != nil {
			return EvidenceCoverage{}, err
		}
		if sum := sha256.Sum256(listing); hex.EncodeToString(sum[:]) != m.Evidence.ListingSHA256 {
			return EvidenceCoverage{}, fmt.Errorf("the listing %s does not hash to the manifest's listing_sha256: it was changed", m.Evidence.Listing)
		}
		for line := range strings.Lines(string(listing)) {
			if sum, _, ok := strings.Cut(line, "  "); ok && evidence.ValidDigest(sum) {
				held[sum] = true
			}
		}
	}
	s, err := Open(filepath.Join(dir, SnapshotLog), Options{ReadOnly: true})
	if err != nil {
		return EvidenceCoverage{}, err
	}
	defer s.Close()
	log := &candidateLog{Store: s, seen: map[string]bool{}}
	idx := evidence.NewIndex(log, catalog.New())
	if err := idx.CatchUp(ctx); err != nil {
		return EvidenceCoverage{}, err
	}
	var c EvidenceCoverage
	for _, sum := range slices.Sorted(maps.Keys(log.seen)) {
		en, ok := idx.Lookup(sum)
		if !ok {
			continue
		}
		uploaded := len(en.File.Uploads) > 0
		if !uploaded && !en.Referenced() {
			continue // collected, or a digest that is no citation
		}
		c.Needed++
		if !held[sum] {
			c.Missing = append(c.Missing, MissingEvidence{SHA256: sum, Uploaded: uploaded, Refs: en.Refs})
		}
	}
	return c, nil
}

// candidateLog notes, as the index reads the log, every digest the index
// may have learnt of: the files' streams and any digest in a payload
// mentioning evidence. The index then says which are needed.
type candidateLog struct {
	*Store
	seen map[string]bool
}

var digestPattern = regexp.MustCompile(`[0-9a-f]{64}`)

func (l *candidateLog) ReadAll(ctx context.Context, after eventlog.Position, limit int) ([]eventlog.Event, error) {
	events, err := l.Store.ReadAll(ctx, after, limit)
	for _, e := range events {
		if sum, ok := strings.CutPrefix(e.Stream, evdomain.StreamPrefix); ok {
			l.seen[sum] = true
		} else if bytes.Contains(e.Payload, []byte(`"evidence"`)) {
			for _, sum := range digestPattern.FindAll(e.Payload, -1) {
				l.seen[string(sum)] = true
			}
		}
	}
	return events, err
}
