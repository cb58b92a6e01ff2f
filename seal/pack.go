package seal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/eventlog"
)

// PackFormat names the evidence pack format; a verifier refuses others.
const PackFormat = "cxzy-ledger-evidence/1"

// Pack is an evidence pack: events, each with its inclusion proof in one
// signed checkpoint, as one JSON document that proves itself offline
// with the ledger's public key and nothing else.
type Pack struct {
	Format  string `json:"format"`
	Subject string `json:"subject"` // what the pack is about, in words
	// Stream, when set, says the pack holds every event of that stream
	// from version 1 up to the checkpoint, so a gap is an error.
	Stream     string      `json:"stream,omitempty"`
	Checkpoint Checkpoint  `json:"checkpoint"`
	Events     []PackEvent `json:"events"`
	// Consistency, when the pack was asked for against an earlier
	// checkpoint the reader holds, proves the pack's checkpoint extends it.
	Consistency *Consistency `json:"consistency,omitempty"`
}

// PackEvent is one event with the proof that it is leaf LeafIndex of the
// checkpoint's tree.
type PackEvent struct {
	Event     eventlog.Event `json:"event"`
	LeafIndex uint64         `json:"leaf_index"`
	Proof     [][]byte       `json:"inclusion_proof"`
}

// Consistency proves the tree of ToSize leaves extends the one of
// FromSize leaves with root FromRoot.
type Consistency struct {
	FromSize uint64   `json:"from_size"`
	FromRoot []byte   `json:"from_root"`
	ToSize   uint64   `json:"to_size"`
	Proof    [][]byte `json:"proof"`
}

// BuildPack proves events in checkpoint cp. Every event must lie within
// it (sealed no later than cp). since, if not nil, is a checkpoint the
// reader holds; the pack then carries the proof that cp extends it.
func BuildPack(ctx context.Context, tree *Tree, cp Checkpoint, subject, stream string, events []eventlog.Event, since *Checkpoint) (Pack, error) {
	p := Pack{Format: PackFormat, Subject: subject, Stream: stream, Checkpoint: cp, Events: make([]PackEvent, 0, len(events))}
	for i := range events {
		if err := ctx.Err(); err != nil {
			return Pack{}, err
		}
		index, err := tree.IndexOf(events[i].Position)
		if err != nil {
			return Pack{}, err
		}
		if index >= cp.Size {
			return Pack{}, fmt.Errorf("%w: event at %v is leaf %d, after checkpoint %d", ErrSize, events[i].Position, index, cp.Size)
		}
		pr, err := tree.InclusionProof(index, cp.Size)
		if err != nil {
			return Pack{}, err
		}
		p.Events = append(p.Events, PackEvent{Event: events[i], LeafIndex: index, Proof: pr})
	}
	if since != nil {
		if since.Size > cp.Size {
			return Pack{}, fmt.Errorf("seal: the checkpoint held (%d) is newer than the pack's (%d)", since.Size, cp.Size)
		}
		pr, err := tree.ConsistencyProof(since.Size, cp.Size)
		if err != nil {
			return Pack{}, err
		}
		p.Consistency = &Consistency{FromSize: since.Size, FromRoot: since.Root, ToSize: cp.Size, Proof: pr}
	}
	return p, nil
}

// Report says, in plain words, what verifying a pack proved.
type Report struct {
	Checkpoint Checkpoint
	Lines      []string
}

func (r *Report) say(format string, args ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
}

// VerificationError names what failed and where.
type VerificationError struct{ Reason string }

func (e *VerificationError) Error() string { return "evidence does not verify: " + e.Reason }

func fail(format string, args ...any) error {
	return &VerificationError{Reason: fmt.Sprintf(format, args...)}
}

// VerifyPack checks a pack with the trusted keys only: the checkpoint's
// signature; each event's content against its hash; its inclusion in the
// checkpoint's tree at its leaf; global order; the stream chain between
// the pack's events (and, for a whole-stream pack, that none is missing);
// and, when held is not nil, that the pack's checkpoint extends the
// checkpoint the reader held before.
func VerifyPack(p Pack, trusted note.Verifiers, held *Checkpoint) (Report, error) {
	var r Report
	if p.Format != PackFormat {
		return r, fail("format %q, want %q", p.Format, PackFormat)
	}
	cp, err := Open([]byte(p.Checkpoint.Note), trusted)
	if err != nil {
		return r, fail("%v", err)
	}
	// The fields beside the note are for people reading the file; they
	// must say what the signed note says.
	if got := p.Checkpoint; got.Origin != cp.Origin || got.Size != cp.Size || string(got.Root) != string(cp.Root) ||
		!got.Time.Equal(cp.Time) || got.KeyName != cp.KeyName || got.KeyID != cp.KeyID {
		return r, fail("the checkpoint's fields differ from its signed note")
	}
	r.Checkpoint = cp
	r.say("The checkpoint is signed by key %s (%s): ledger %q had %d events at %s, Merkle root %x.",
		cp.KeyName, cp.KeyID, cp.Origin, cp.Size, cp.Time.Format("2006-01-02 15:04:05 UTC"), cp.Root)

	if held != nil {
		switch {
		case p.Consistency == nil:
			return r, fail("you hold checkpoint %d but the pack carries no consistency proof from it", held.Size)
		case p.Consistency.FromSize != held.Size || string(p.Consistency.FromRoot) != string(held.Root) || p.Consistency.ToSize != cp.Size:
			return r, fail("the pack's consistency proof is not from the checkpoint you hold (%d) to its own (%d)", held.Size, cp.Size)
		}
		if err := proof.VerifyConsistency(hasher, held.Size, cp.Size, p.Consistency.Proof, held.Root, cp.Root); err != nil {
			// The library's error dumps both roots as bytes; the
			// sizes say what a reader needs.
			return r, fail("checkpoint %d does not extend the checkpoint %d you hold: history was rewritten in between", cp.Size, held.Size)
		}
		r.say("It extends the checkpoint of %d events you held: nothing recorded up to then was changed, dropped or reordered.", held.Size)
	}

	if len(p.Events) == 0 {
		return r, fail("the pack holds no events")
	}
	heads := map[string]eventlog.Event{}
	var prev *PackEvent
	for i := range p.Events {
		pe := &p.Events[i]
		e := &pe.Event
		where := fmt.Sprintf("event %d (%s v%d)", i+1, e.Stream, e.Version)
		if eventlog.ComputeHash(e) != e.Hash {
			return r, fail("%s: its content does not match its hash: it was altered", where)
		}
		if pe.LeafIndex >= cp.Size {
			return r, fail("%s: leaf %d lies outside the checkpoint of %d events", where, pe.LeafIndex, cp.Size)
		}
		if err := proof.VerifyInclusion(hasher, pe.LeafIndex, cp.Size, LeafHash(e), pe.Proof, cp.Root); err != nil {
			return r, fail("%s: its inclusion proof does not lead to the checkpoint's root from leaf %d", where, pe.LeafIndex)
		}
		if prev != nil && (pe.LeafIndex <= prev.LeafIndex || !prev.Event.Position.Less(e.Position)) {
			return r, fail("%s: out of global order after leaf %d", where, prev.LeafIndex)
		}
		if h, ok := heads[e.Stream]; ok {
			if e.Version == h.Version+1 && e.PrevHash != h.Hash {
				return r, fail("%s: does not chain to version %d", where, h.Version)
			}
			if p.Stream != "" && e.Version != h.Version+1 {
				return r, fail("%s: follows version %d: events of the stream are missing", where, h.Version)
			}
		} else if p.Stream != "" && e.Version != 1 {
			return r, fail("%s: the stream's events before it are missing", where)
		}
		if p.Stream != "" && e.Stream != p.Stream {
			return r, fail("%s: not of the pack's stream %s", where, p.Stream)
		}
		heads[e.Stream] = *e
		prev = pe
	}
	first, last := p.Events[0].Event, p.Events[len(p.Events)-1].Event
	r.say("All %d events are unaltered and recorded in that checkpoint, in this order (global positions %d to %d).",
		len(p.Events), first.Position.Commit, last.Position.Commit)
	if p.Stream != "" {
		r.say("They are versions 1 to %d of stream %s with none missing, each chained to the one before.", last.Version, p.Stream)
		r.say("Not proved: whether the stream had more events after the checkpoint.")
	} else {
		r.say("Not proved: that the pack holds every event of its subject; only that each one it holds is in the ledger as shown.")
	}
	actors := map[string]bool{}
	for _, pe := range p.Events {
		actors[pe.Event.Actor] = true
	}
	names := make([]string, 0, len(actors))
	for a := range actors {
		names = append(names, a)
	}
	slices.Sort(names)
	r.say("Recorded by: %s.", strings.Join(names, ", "))
	return r, nil
}

// IsVerificationError reports whether err is a failed verification (as
// against, say, an unreadable file).
func IsVerificationError(err error) bool {
	var v *VerificationError
	return errors.As(err, &v)
}
