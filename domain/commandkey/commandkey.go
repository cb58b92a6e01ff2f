// Package commandkey records which command an idempotency key was first
// used for. A client that retries a command sends the same key, and gets
// the first answer; a client that sends the same key with another command
// (another route, another entity, another body) has made a mistake that
// would otherwise lose that command, so the key is claimed, once, for what
// the first command said (its fingerprint), and a different use of it is
// refused.
//
// A claim is an event of its own stream, one per key, written after the
// command it claims for: a command that is refused leaves no claim, and a
// key's claim, once written, never changes.
package commandkey

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Stream is the stream of the claim of one command id (a caller's
// subject and key). The id is hashed: keys are the clients' text, of any
// length and alphabet, and a stream name should be neither.
func Stream(commandID string) string {
	sum := sha256.Sum256([]byte(commandID))
	return "command-key-" + hex.EncodeToString(sum[:16])
}

// Claimed records that a command id was first used for the command with
// Fingerprint, which landed in Stream.
type Claimed struct {
	Fingerprint string    `json:"fingerprint"`
	Stream      string    `json:"stream"`
	ClaimedAt   time.Time `json:"claimed_at"`
}

func (Claimed) EventType() string         { return "command_key.claimed" }
func (e Claimed) OccurredTime() time.Time { return e.ClaimedAt }

// Codecs lists the family's event types.
func Codecs() []domain.Codec {
	return []domain.Codec{domain.JSONCodec[Claimed](1)}
}

// Claim is a key's stream rebuilt.
type Claim struct {
	Claimed
	exists bool
}

// Apply rebuilds the claim from its event.
func (c *Claim) Apply(e domain.Event) {
	if cl, ok := e.(Claimed); ok && !c.exists {
		c.Claimed, c.exists = cl, true
	}
}

// Exists reports whether the key has been claimed.
func (c *Claim) Exists() bool { return c.exists }
