package sealtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Edits of a pack's document that every verifier must refuse; what each
// must say, and at which check, is the verifier's test's to state.

// ChangePayloadByte flips a bit of a character inside the first string
// value of the second event's payload_base64.
func ChangePayloadByte(d *Doc) {
	p := d.Base64("events", 1, "payload_base64")
	i := bytes.Index(p, []byte(`":"`)) + 4
	p[i] ^= 1
	d.Set(base64.StdEncoding.EncodeToString(p), "events", 1, "payload_base64")
}

// RespacePayload writes the third event's payload_base64 with a space
// after its opening brace: the same meaning, other bytes.
func RespacePayload(d *Doc) {
	p := d.Base64("events", 2, "payload_base64")
	d.Set(base64.StdEncoding.EncodeToString(append([]byte("{ "), p[1:]...)), "events", 2, "payload_base64")
}

// ChangeActor gives the third event another actor.
func ChangeActor(d *Doc) { d.Set("someone-else", "events", 2, "event", "actor") }

// DropEvent drops the second event.
func DropEvent(d *Doc) {
	e := d.Array("events")
	d.Set(append(e[:1:1], e[2:]...), "events")
}

// SwapEvents swaps the second and third events.
func SwapEvents(d *Doc) {
	e := d.Array("events")
	e[1], e[2] = e[2], e[1]
}

// ChangeInclusionProof changes a digit of the first node of the third
// event's inclusion proof.
func ChangeInclusionProof(d *Doc) { d.ChangeDigit("events", 2, "inclusion_proof", 0) }

// ChangeLeafIndex adds one to the first event's leaf index.
func ChangeLeafIndex(d *Doc) {
	i, _ := strconv.ParseUint(string(d.At("events", 0, "leaf_index").(json.Number)), 10, 64)
	d.Set(json.Number(strconv.FormatUint(i+1, 10)), "events", 0, "leaf_index")
}

// ChangePosition sets the second event's prepare position to 1.
func ChangePosition(d *Doc) { d.Set(json.Number("1"), "events", 1, "event", "position", "prepare") }

// ChangeSignature changes a character of the checkpoint note's
// signature, after its key hash.
func ChangeSignature(d *Doc) {
	note := d.String("checkpoint", "note")
	i := strings.LastIndexByte(note[:len(note)-1], ' ') + 40 // inside the signature, after the key hash
	// The signature is base64 of a fresh key's signature: the character
	// there may be '+' or '/', which ChangeDigit does not change; take the
	// next letter or digit.
	for !isAlnum(note[i]) {
		i++
	}
	d.Set(note[:i]+ChangeDigit(note[i:i+1])+note[i+1:], "checkpoint", "note")
}

// ChangeSignedSize writes size+1 for the size in the checkpoint's signed
// note (size is the checkpoint's).
func ChangeSignedSize(size uint64) func(d *Doc) {
	return func(d *Doc) {
		note := d.String("checkpoint", "note")
		d.Set(strings.Replace(note, "\n"+strconv.FormatUint(size, 10)+"\n", "\n"+strconv.FormatUint(size+1, 10)+"\n", 1), "checkpoint", "note")
	}
}

// ChangeCheckpointSize writes size+1 for checkpoint.size beside the note
// (size is the checkpoint's).
func ChangeCheckpointSize(size uint64) func(d *Doc) {
	return func(d *Doc) { d.Set(json.Number(strconv.FormatUint(size+1, 10)), "checkpoint", "size") }
}

// ChangeKeyID changes a digit of checkpoint.key_id beside the note.
func ChangeKeyID(d *Doc) { d.ChangeDigit("checkpoint", "key_id") }

// ChangeConsistencyProof changes a digit of the first node of the
// consistency proof.
func ChangeConsistencyProof(d *Doc) { d.ChangeDigit("consistency", "proof", 0) }

// Vector is a value of testdata/vectors.json to change, and the vector a
// verifier's failure must then name.
type Vector struct {
	Path []any
	Want string
}

// Vectors are one value of each kind, named as docs/hashing.md (Test
// vectors) names them, that every verifier recomputes.
func Vectors() []Vector {
	return []Vector{
		{[]any{"events", 3, "payload_hex"}, "events[3]"},
		{[]any{"events", 6, "fields", "payload"}, "events[6]"},
		{[]any{"events", 5, "hash"}, "events[5]"},
		{[]any{"events", 7, "hash_input_hex"}, "events[7]"},
		{[]any{"events", 4, "fields", "prev_hash"}, "events[4]"},
		{[]any{"events", 1, "fields", "recorded_at"}, "events[1]"},
		{[]any{"events", 9, "global", "link"}, "events[9]"},
		{[]any{"events", 2, "global", "input_hex"}, "events[2]"},
		{[]any{"events", 11, "leaf", "hash"}, "events[11]"},
		{[]any{"events", 0, "leaf", "input_hex"}, "events[0]"},
		{[]any{"extra_leaves", 1, "hash"}, "extra_leaves[1]"},
		{[]any{"extra_leaves", 0, "input_hex"}, "extra_leaves[0]"},
		{[]any{"empty_root"}, "empty_root"},
		{[]any{"roots", 5, "root"}, "roots[5]"},
		{[]any{"inclusion_proofs", 3, "proof", 1}, "inclusion_proofs[3]"},
		{[]any{"inclusion_proofs", 4, "leaf_hash"}, "inclusion_proofs[4]"},
		{[]any{"consistency_proofs", 0, "proof", 2}, "consistency_proofs[0]"},
		{[]any{"consistency_proofs", 1, "from_root"}, "consistency_proofs[1]"},
		{[]any{"checkpoints", 0, "root"}, "checkpoints[0]"},
		{[]any{"checkpoints", 1, "signature_hex"}, "checkpoints[1]"},
		{[]any{"checkpoints", 1, "note"}, "checkpoints[1]"},
		{[]any{"checkpoints", 0, "body"}, "checkpoints[0]"},
		{[]any{"test_key", "public_key_hex"}, "test_key"},
		{[]any{"test_key", "key_hash_hex"}, "test_key"},
		{[]any{"test_key", "verifier_key"}, "test_key"},
		{[]any{"test_key", "seed_hex"}, "test_key"},
	}
}

// ChangeVector changes one digit of the string at path in the vectors
// file data and returns the file written again, with the string before
// and after.
func ChangeVector(t testing.TB, data []byte, path []any) (file []byte, old, changed string) {
	t.Helper()
	d := Decode(t, data)
	old, ok := d.At(path...).(string)
	if !ok || old == "" {
		t.Fatalf("%v is not a string in the vectors", path)
	}
	changed = ChangeDigit(old)
	if changed == old {
		t.Fatalf("%v: no digit changed", path)
	}
	d.Set(changed, path...)
	return d.Bytes(), old, changed
}

// NonCanonicalRoot returns file with checkpoint.root in non-canonical
// base64, the same 32 bytes to Go's decoder: 43 characters and one "=",
// the last character's 2 unused low bits set (its index a multiple of 4,
// so index+1 stays in the alphabet).
func NonCanonicalRoot(t testing.TB, file []byte) []byte {
	t.Helper()
	d := Decode(t, file)
	enc := d.String("checkpoint", "root")
	p, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(enc) != 44 || enc[43] != '=' {
		t.Fatalf("checkpoint.root %q: %v", enc, err)
	}
	alpha := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	enc = enc[:42] + string(alpha[strings.IndexByte(alpha, enc[42])+1]) + "="
	if got, err := base64.StdEncoding.DecodeString(enc); err != nil || !bytes.Equal(got, p) {
		t.Fatalf("the changed base64 does not decode to the same bytes in Go: %v", err)
	}
	d.Set(enc, "checkpoint", "root")
	return d.Bytes()
}
