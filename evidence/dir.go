package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Dir is a Store in a directory: each file at DIR/ab/abcdef… (its digest,
// under a folder named for the digest's first two digits so that no folder
// grows past a few thousand entries), written under a temporary name in
// DIR/tmp, fsynced, renamed into place and the folder fsynced: a crash
// leaves the whole file or none of it under its name. What a crash leaves
// in tmp is removed when the store is opened.
type Dir struct {
	root string
	// rooted holds the folders whose entry in root this process has
	// synced: a folder made by an earlier process that crashed before
	// syncing it is synced again on its first use here.
	rooted sync.Map
}

// OpenDir opens (creating it if needed) the store in dir.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("evidence store %s: %w", dir, err)
	}
	// Leftovers of uploads a crash interrupted: never acknowledged, never
	// under a digest's name.
	leftovers, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		return nil, fmt.Errorf("evidence store %s: %w", dir, err)
	}
	for _, e := range leftovers {
		os.Remove(filepath.Join(dir, "tmp", e.Name()))
	}
	return &Dir{root: dir}, nil
}

func (d *Dir) path(sum string) string { return filepath.Join(d.root, sum[:2], sum) }

func (d *Dir) Put(ctx context.Context, r io.Reader, want string, limit int64) (Info, error) {
	if want != "" && !ValidDigest(want) {
		return Info{}, ErrBadDigest
	}
	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "upload-*")
	if err != nil {
		return Info{}, fmt.Errorf("evidence: %w", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	// One byte past the limit tells a file of exactly the limit from a
	// larger one.
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return Info{}, fmt.Errorf("evidence: receive: %w", err)
	}
	if n > limit {
		return Info{}, ErrTooLarge
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return Info{}, fmt.Errorf("%w: the bytes hash to %s", ErrDigestMismatch, sum)
	}
	// The same bytes may be there already. If what is there no longer
	// matches its digest, these bytes (which do) take its place: the
	// tampering was reported when it was read.
	if f, err := d.Open(ctx, sum); err == nil {
		f.Close()
		return f.Info(), nil
	} else if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrTampered) {
		return Info{}, err
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("evidence: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("evidence: %w", err)
	}
	folder := filepath.Dir(d.path(sum))
	if err := os.MkdirAll(folder, 0o750); err != nil {
		return Info{}, fmt.Errorf("evidence: %w", err)
	}
	if err := os.Rename(tmp.Name(), d.path(sum)); err != nil {
		return Info{}, fmt.Errorf("evidence: %w", err)
	}
	tmp = nil
	// The rename is durable once the folder holding it is, and that
	// folder's own entry once the root is. The root is synced once per
	// folder and process, not on every upload: there are only 256
	// folders, and a sync costs an upload milliseconds.
	if err := syncDir(folder); err != nil {
		return Info{}, err
	}
	if _, done := d.rooted.Load(folder); !done {
		if err := syncDir(d.root); err != nil {
			return Info{}, err
		}
		d.rooted.Store(folder, true)
	}
	return d.Stat(ctx, sum)
}

func (d *Dir) Open(ctx context.Context, sum string) (File, error) {
	if !ValidDigest(sum) {
		return nil, ErrBadDigest
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("evidence: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		f.Close()
		return nil, fmt.Errorf("evidence: read %s: %w", sum, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrTampered, sum)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return dirFile{File: f, info: Info{SHA256: sum, Size: st.Size(), Stored: st.ModTime().UTC()}}, nil
}

func (d *Dir) Stat(_ context.Context, sum string) (Info, error) {
	if !ValidDigest(sum) {
		return Info{}, ErrBadDigest
	}
	st, err := os.Stat(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("evidence: %w", err)
	}
	return Info{SHA256: sum, Size: st.Size(), Stored: st.ModTime().UTC()}, nil
}

func (d *Dir) Delete(_ context.Context, sum string) error {
	if !ValidDigest(sum) {
		return ErrBadDigest
	}
	err := os.Remove(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // perhaps not even its folder: nothing to sync
	}
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	return syncDir(filepath.Dir(d.path(sum)))
}

func (d *Dir) Walk(ctx context.Context, fn func(Info) error) error {
	folders, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	for _, folder := range folders {
		if !folder.IsDir() || len(folder.Name()) != 2 {
			continue // tmp and anything else not made by Put
		}
		files, err := os.ReadDir(filepath.Join(d.root, folder.Name()))
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		for _, f := range files {
			if !ValidDigest(f.Name()) || !strings.HasPrefix(f.Name(), folder.Name()) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			info, err := f.Info()
			if err != nil {
				return fmt.Errorf("evidence: %w", err)
			}
			if err := fn(Info{SHA256: f.Name(), Size: info.Size(), Stored: info.ModTime().UTC()}); err != nil {
				return err
			}
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("evidence: sync %s: %w", dir, err)
	}
	return nil
}

type dirFile struct {
	*os.File
	info Info
}

func (f dirFile) Info() Info { return f.info }

// ctxReader stops a copy when its context ends (a client gone mid-upload).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
