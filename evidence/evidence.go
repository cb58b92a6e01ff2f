// Package evidence keeps the files that events cite as evidence (photos of
// a rectified notice board, minutes, scanned forms). The events carry each
// file's SHA-256 (domain.Evidence); the store holds the bytes under that
// digest, so a file is written once whoever uploads it again, and a file
// whose bytes no longer match its digest is refused on every read.
//
// Store is the port; Dir (a directory beside the embedded event log) is the
// default adapter.
package evidence

import (
	"context"
	"errors"
	"io"
	"time"
)

// Info describes one stored file.
type Info struct {
	SHA256 string    // 64 lowercase hex digits
	Size   int64     // bytes
	Stored time.Time // when its bytes were first written
}

// File is a stored file open for reading. Its bytes matched its digest
// when it was opened.
type File interface {
	io.ReadSeekCloser
	Info() Info
}

// Store keeps files by their SHA-256.
type Store interface {
	// Put stores the bytes of r, at most limit of them, and returns their
	// digest and size. If want is not empty it is the digest the caller
	// expects: other bytes get ErrDigestMismatch and nothing is kept.
	// When Put returns nil the file is durable: a crash at any moment
	// before leaves no file, or the whole file, under its digest.
	Put(ctx context.Context, r io.Reader, want string, limit int64) (Info, error)
	// Open opens the file with this digest after checking that its bytes
	// still hash to it: ErrNotFound if there is none, ErrTampered if they
	// do not.
	Open(ctx context.Context, sha256 string) (File, error)
	// Stat tells whether the file is there, without reading it.
	Stat(ctx context.Context, sha256 string) (Info, error)
	// Delete removes a file (collection of uploads nobody cited); removing
	// one that is not there is not an error.
	Delete(ctx context.Context, sha256 string) error
	// Walk calls fn for every stored file, in no particular order.
	Walk(ctx context.Context, fn func(Info) error) error
}

var (
	ErrNotFound       = errors.New("evidence: no such file")
	ErrTampered       = errors.New("evidence: the stored bytes no longer match their digest")
	ErrDigestMismatch = errors.New("evidence: the bytes do not match the digest given for them")
	ErrTooLarge       = errors.New("evidence: the file is larger than allowed")
	ErrBadDigest      = errors.New("evidence: a digest is 64 lowercase hexadecimal digits")
)

// ValidDigest reports whether s is a SHA-256 as the store names files.
func ValidDigest(s string) bool {
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
