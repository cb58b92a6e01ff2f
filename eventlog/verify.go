package eventlog

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// VerifyError names the first place where recorded history does not hold
// together, and what is wrong there.
type VerifyError struct {
	Position Position
	Stream   string
	Version  uint64
	Reason   string
}

func (e *VerifyError) Error() string {
	if e.Stream == "" {
		return fmt.Sprintf("position %v: %s", e.Position, e.Reason)
	}
	return fmt.Sprintf("position %v (stream %s version %d): %s", e.Position, e.Stream, e.Version, e.Reason)
}

// StreamHead is what a verifier knows of a stream after the events it has
// seen: its last version and that event's hash.
type StreamHead struct {
	Version uint64
	Hash    Hash
}

// Verifier checks events fed to it in global order: each event's hash is
// recomputed from its envelope, each stream's events chain by prev_hash
// with versions 1, 2, 3, ..., and positions only increase (with no gaps,
// when Contiguous is set, as in the embedded log). It keeps one head per
// stream, so memory grows with the number of streams, not events.
type Verifier struct {
	Contiguous bool
	heads      map[string]StreamHead
	last       Position
	count      uint64
}

// NewVerifier returns a verifier for a log read from its start.
func NewVerifier(contiguous bool) *Verifier {
	return &Verifier{Contiguous: contiguous, heads: map[string]StreamHead{}}
}

// Check verifies the next event in global order.
func (v *Verifier) Check(e *Event) error {
	fail := func(format string, args ...any) error {
		return &VerifyError{Position: e.Position, Stream: e.Stream, Version: e.Version, Reason: fmt.Sprintf(format, args...)}
	}
	if !v.last.Less(e.Position) {
		return fail("follows position %v: the global order is broken", v.last)
	}
	if v.Contiguous && e.Position.Commit != v.last.Commit+1 {
		return fail("follows position %v: events %d..%d are missing", v.last, v.last.Commit+1, e.Position.Commit-1)
	}
	if got := ComputeHash(e); got != e.Hash {
		return fail("content does not match its hash (recorded %s, computed %s)", e.Hash, got)
	}
	head := v.heads[e.Stream]
	if e.Version != head.Version+1 {
		return fail("version follows %d in its stream: an event is missing or out of order", head.Version)
	}
	if e.PrevHash != head.Hash {
		return fail("prev_hash %s does not match the stream's previous event %s", e.PrevHash, head.Hash)
	}
	v.heads[e.Stream] = StreamHead{Version: e.Version, Hash: e.Hash}
	v.last = e.Position
	v.count++
	return nil
}

// Count is the number of events verified so far.
func (v *Verifier) Count() uint64 { return v.count }

// Last is the position of the last event verified.
func (v *Verifier) Last() Position { return v.last }

// Heads returns the head of every stream seen so far. The map is the
// verifier's own: do not change it.
func (v *Verifier) Heads() map[string]StreamHead { return v.heads }

// globalDomain separates the global chain's hashes from event hashes.
const globalDomain = "cxzy-ledger/global/v1"

// GlobalChain returns the link of the global chain at position pos:
// SHA-256 of the domain tag, the previous link, pos as 8 big-endian bytes
// and the event's hash. A log that keeps these links lets a verifier notice
// events swapped in the global order even when each stream still chains.
func GlobalChain(prev Hash, pos uint64, eventHash Hash) Hash {
	h := sha256.New()
	h.Write([]byte(globalDomain))
	h.Write(prev[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], pos)
	h.Write(b[:])
	h.Write(eventHash[:])
	var out Hash
	h.Sum(out[:0])
	return out
}
