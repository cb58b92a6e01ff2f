// Package checkpoint is the record of the ledger's signed checkpoints: each
// one, once signed by the sealer, is appended to the log as an event of
// the checkpoints stream, so the statements the ledger made about its own
// history are part of that history.
package checkpoint

import (
	"encoding/base64"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Stream is the one stream of checkpoints.
const Stream = "ledger-checkpoints"

// Sealed records one signed checkpoint. Note is the signed note exactly as
// signed; the other fields repeat what it says, for readers that do not
// verify (projections, dashboards). A verifier reads the note, never them.
type Sealed struct {
	Size     uint64    `json:"size"`
	Root     string    `json:"root"` // base64 of the 32-byte root
	SealedAt time.Time `json:"sealed_at"`
	KeyName  string    `json:"key_name"`
	KeyID    string    `json:"key_id"`
	Note     string    `json:"note"`
}

func (Sealed) EventType() string         { return "checkpoint.sealed" }
func (e Sealed) OccurredTime() time.Time { return e.SealedAt }

// Codecs lists the family's event types.
func Codecs() []domain.Codec {
	return []domain.Codec{domain.JSONCodec[Sealed](1)}
}

// Log is the checkpoints stream rebuilt: the largest size sealed so far.
type Log struct {
	Size  uint64
	Count int
}

// Apply rebuilds the log from one of its events.
func (l *Log) Apply(e domain.Event) {
	if s, ok := e.(Sealed); ok {
		l.Size, l.Count = s.Size, l.Count+1
	}
}

// Seal is the command that records a signed checkpoint.
type Seal struct {
	Size     uint64
	Root     []byte
	SealedAt time.Time
	KeyName  string
	KeyID    string
	Note     string
}

// Seal records a checkpoint. Checkpoints only grow: one that is not larger
// than the last would say nothing new, or contradict it.
func (l *Log) Seal(cmd Seal, _ domain.Meta) ([]domain.Event, error) {
	switch {
	case cmd.Size <= l.Size:
		return nil, domain.Invalid("size", "a checkpoint of %d events is not larger than the last one, of %d", cmd.Size, l.Size)
	case len(cmd.Root) != 32:
		return nil, domain.Invalid("root", "must be 32 bytes")
	case cmd.Note == "":
		return nil, domain.Invalid("note", "is required")
	}
	return []domain.Event{Sealed{Size: cmd.Size, Root: base64.StdEncoding.EncodeToString(cmd.Root), SealedAt: cmd.SealedAt.UTC(),
		KeyName: cmd.KeyName, KeyID: cmd.KeyID, Note: cmd.Note}}, nil
}
