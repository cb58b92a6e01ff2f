package eventlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// Hash is a SHA-256 digest, written as lowercase hex in JSON. The zero Hash
// is the prev_hash of a stream's first event.
type Hash [sha256.Size]byte

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeroes.
func (h Hash) IsZero() bool { return h == Hash{} }

func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 2*sha256.Size {
		return fmt.Errorf("hash: want %d hex digits, got %d", 2*sha256.Size, len(b))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// ParseHash reads a hash written as hex.
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}

// hashDomain separates this encoding from any other use of SHA-256; a new
// encoding gets a new name, so old chains stay verifiable.
const hashDomain = "cxzy-ledger/event/v1"

// ComputeHash returns the hash of an event: SHA-256 over the fields below,
// in this order, each written as a 4-byte big-endian length followed by its
// bytes (docs/hashing.md gives the same list for independent verifiers):
//
//	domain tag "cxzy-ledger/event/v1", id, type, stream, version (decimal),
//	occurred_at and recorded_at (RFC 3339 in UTC, nanoseconds), actor, unit,
//	command_id, correlation_id, causation_id, schema_version (decimal),
//	prev_hash (32 raw bytes), payload (raw JSON bytes as stored).
//
// Position and Hash are left out: the position is assigned by the store
// after the hash is fixed, and the hash cannot cover itself. Length
// prefixes make the encoding unambiguous: no two different envelopes give
// the same byte string.
func ComputeHash(e *Event) Hash {
	h := sha256.New()
	writeHashed(h, e)
	var out Hash
	h.Sum(out[:0])
	return out
}

// HashInput returns the exact bytes ComputeHash hashes, for test vectors
// and independent verifiers (testdata/vectors.json): the same writer
// produces both, so the bytes shown are the bytes hashed.
func HashInput(e *Event) []byte {
	var b bytes.Buffer
	writeHashed(&b, e)
	return b.Bytes()
}

// writeHashed writes the fields ComputeHash covers to w, each as its
// 4-byte big-endian length and its bytes. w is a hash or a buffer, whose
// Write never fails.
func writeHashed(w io.Writer, e *Event) {
	var n [4]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		w.Write(n[:])
		w.Write(b)
	}
	str := func(s string) { put([]byte(s)) }
	str(hashDomain)
	str(e.ID)
	str(e.Type)
	str(e.Stream)
	str(fmt.Sprint(e.Version))
	str(hashTime(e.OccurredAt))
	str(hashTime(e.RecordedAt))
	str(e.Actor)
	str(e.Unit)
	str(e.CommandID)
	str(e.CorrelationID)
	str(e.CausationID)
	str(fmt.Sprint(e.SchemaVersion))
	put(e.PrevHash[:])
	put(e.Payload)
}

func hashTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Chain sets Stream, Version, PrevHash and Hash of events about to be
// appended to stream, whose last event has version last and hash lastHash
// (0 and the zero Hash for a new stream). Times are truncated to microseconds first,
// so every adapter stores exactly what was hashed.
func Chain(stream string, last uint64, lastHash Hash, events []Event) {
	prev := lastHash
	for i := range events {
		e := &events[i]
		e.Stream = stream
		e.Version = last + uint64(i) + 1
		e.OccurredAt = e.OccurredAt.UTC().Truncate(time.Microsecond)
		e.RecordedAt = e.RecordedAt.UTC().Truncate(time.Microsecond)
		e.PrevHash = prev
		e.Hash = ComputeHash(e)
		prev = e.Hash
	}
}
