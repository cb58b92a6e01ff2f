package seal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/eventlog"
)

// PackFormat names the evidence pack format BuildPack writes. In format 2
// each event also carries its payload as base64 of the exact bytes its
// hash covers, so a pack that went through a JSON re-formatter (jq .,
// an editor, a pretty-printer) still verifies.
const PackFormat = "cxzy-ledger-evidence/2"

// PackFormatV1 is the first format, still verified: its events carry
// the payload only as embedded JSON, whose bytes (which the hash covers)
// a re-formatter changes.
const PackFormatV1 = "cxzy-ledger-evidence/1"

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
	// Event is the event as recorded; its payload is embedded as JSON for
	// people to read, which a re-formatter may re-encode.
	Event eventlog.Event `json:"event"`
	// Payload (format 2) is the payload exactly as recorded and hashed,
	// in base64, which no JSON re-formatter changes. The verifier hashes
	// these bytes and requires Event.Payload to say the same.
	Payload   []byte   `json:"payload_base64,omitempty"`
	LeafIndex uint64   `json:"leaf_index"`
	Proof     [][]byte `json:"inclusion_proof"`
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
		p.Events = append(p.Events, PackEvent{Event: events[i], Payload: events[i].Payload, LeafIndex: index, Proof: pr})
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
// checkpoint the reader held before (held must be of the same origin).
// It reads formats 2 and 1. p is a pack already decoded: read a file
// with ReadPack, which refuses what encoding/json would read loosely.
func VerifyPack(p Pack, trusted note.Verifiers, held *Checkpoint) (Report, error) {
	var r Report
	if p.Format != PackFormat && p.Format != PackFormatV1 {
		return r, fail("format %q, want %q (or the earlier %q)", p.Format, PackFormat, PackFormatV1)
	}
	cp, err := Open([]byte(p.Checkpoint.Note), trusted)
	if err != nil {
		return r, fail("%v", err)
	}
	// The fields beside the note are for people reading the file; they
	// must say what the signed note says.
	if err := sameFields(p.Checkpoint, cp); err != nil {
		return r, fail("%v", err)
	}
	r.Checkpoint = cp
	r.say("The checkpoint is signed by key %s (%s): ledger %q had %d events at %s, Merkle root %x.",
		cp.KeyName, cp.KeyID, cp.Origin, cp.Size, cp.Time.Format("2006-01-02 15:04:05 UTC"), cp.Root)

	if held != nil {
		switch {
		case held.Origin != cp.Origin:
			return r, fail("the checkpoint you hold is of ledger %q, the pack's of %q", held.Origin, cp.Origin)
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
		// e is the event as hashed: with the exact payload bytes when the
		// pack carries them.
		ev := pe.Event
		e := &ev
		where := fmt.Sprintf("event %d (%s v%d)", i+1, e.Stream, e.Version)
		if _, err := parseStrictJSON(pe.Event.Payload); err != nil {
			return r, fail("%s: its readable payload is not strict JSON: %v", where, err)
		}
		if p.Format == PackFormat {
			if pe.Payload == nil {
				return r, fail("%s: it carries no payload_base64, the exact bytes of its payload", where)
			}
			if _, err := parseStrictJSON(pe.Payload); err != nil {
				return r, fail("%s: the payload_base64 bytes are not strict JSON: %v", where, err)
			}
			if !sameJSON(pe.Event.Payload, pe.Payload) {
				return r, fail("%s: its readable payload says something other than payload_base64, the bytes its hash covers: it was altered", where)
			}
			e.Payload = pe.Payload
		}
		if eventlog.ComputeHash(e) != e.Hash {
			if p.Format == PackFormatV1 && reencoded(e) {
				return r, fail("%s: the file was re-encoded (JSON re-formatted), not necessarily tampered; ask for a /2 pack", where)
			}
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
	if p.Format == PackFormat {
		r.say("Each event's payload was checked byte for byte (payload_base64), and its readable copy says the same.")
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

// reencoded reports whether e's payload, written again the way the ledger
// writes JSON (compact, Go's escaping, keys and numbers as they stand),
// matches e's hash: the pack's bytes were re-formatted after it was
// made, which a format 1 pack cannot survive, rather than changed in
// meaning.
func reencoded(e *eventlog.Event) bool {
	canon, err := canonicalJSON(e.Payload)
	if err != nil || bytes.Equal(canon, e.Payload) {
		return false
	}
	c := *e
	c.Payload = canon
	return eventlog.ComputeHash(&c) == e.Hash
}

// canonicalJSON re-encodes a JSON document token by token as Go's
// encoding/json writes it: no space, strings escaped as json.Marshal
// escapes them (so "\u003c" and "<" come out alike), object keys in the
// order given and numbers as written.
func canonicalJSON(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out bytes.Buffer
	// comma[i] says whether the container at depth i has had a member;
	// key[i] whether the next string at that depth is an object key.
	var comma, inObject, key []bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		d := len(comma) - 1
		if delim, ok := tok.(json.Delim); ok && (delim == '}' || delim == ']') {
			out.WriteByte(byte(delim))
			comma, inObject, key = comma[:d], inObject[:d], key[:d]
			if d > 0 && inObject[d-1] {
				key[d-1] = true
			}
			continue
		}
		if d >= 0 {
			if inObject[d] && !key[d] {
				out.WriteByte(':')
			} else if comma[d] {
				out.WriteByte(',')
			}
			comma[d] = true
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			comma, inObject, key = append(comma, false), append(inObject, v == '{'), append(key, v == '{')
			continue
		case string:
			b, _ := json.Marshal(v)
			out.Write(b)
		case json.Number:
			out.WriteString(v.String())
		case bool:
			out.WriteString(strconv.FormatBool(v))
		case nil:
			out.WriteString("null")
		}
		if d >= 0 && inObject[d] {
			key[d] = !key[d]
		}
	}
	return out.Bytes(), nil
}

// sameJSON reports whether two JSON documents say the same: equal
// values, where numbers are equal if their literals are, or if both
// read as the same float64 (a re-formatter such as jq 1.6 rewrites
// numbers through doubles).
func sameJSON(a, b []byte) bool {
	va, err := decodeJSON(a)
	if err != nil {
		return false
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return false
	}
	return sameValue(va, vb)
}

func decodeJSON(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("seal: trailing data after the JSON document")
	}
	return v, nil
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, errx := x.Float64()
		fy, erry := y.Float64()
		return errx == nil && erry == nil && fx == fy
	}
	return reflect.DeepEqual(a, b)
}
