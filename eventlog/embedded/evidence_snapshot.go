package embedded

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	// same file system: files are immutable, so sharing them is safe);
	// the others were copied.
	Linked int `json:"linked"`
}

// snapshotEvidence copies the store in src into snap/SnapshotEvidence,
// hard-linking where it can, and writes the listing. A store that does
// not exist yet is an empty one.
func snapshotEvidence(ctx context.Context, src, snap string) (EvidenceManifest, error) {
	dst := filepath.Join(snap, SnapshotEvidence)
	if err := os.Mkdir(dst, 0o750); err != nil {
		return EvidenceManifest{}, err
	}
	var files []evidence.Info
	var em EvidenceManifest
	if _, err := os.Stat(src); err == nil {
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
			if err := os.Link(from, to); err == nil {
				em.Linked++
			} else if err := copyFile(from, to); err != nil {
				// Deleted by the collector since the walk listed it:
				// then no event in the snapshot cites it.
				if errors.Is(err, os.ErrNotExist) {
					return nil
				}
				return err
			}
			files = append(files, info)
			em.Bytes += info.Size
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
