package seal_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// The seal half of testdata/vectors.json, checked both ways:
//
//   - from the inputs, the code gives the file: seal.LeafHash, the Tree
//     (roots, proofs) and seal.Sign with the file's test key give the
//     recorded leaves, roots, proofs, notes and key strings byte for byte;
//   - from the file, the code accepts it: proof verification (as
//     seal.VerifyPack does it, and VerifyPack itself), seal.Open and
//     seal.Verifiers accept every recorded proof and note, and refuse each
//     with one byte changed.
//
// Expected values come from the file only; nothing here regenerates it
// (that is TestGenerateVectors with -update, on purpose only).

// fromHex decodes hex from the file.
func fromHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func fromHexList(t *testing.T, ss []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = fromHex(t, s)
	}
	return out
}

// flipped is a copy of b with bit 0 of byte i inverted.
func flipped(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// flippedNode is a copy of the proof with one byte of node n changed.
func flippedNode(p [][]byte, n int) [][]byte {
	c := slices.Clone(p)
	c[n] = flipped(c[n], n%len(c[n]))
	return c
}

// vectorEvents are the file's events as eventlog.Events, from the
// recorded fields (prev_hash, hash and position as a store returns them).
func vectorEvents(t *testing.T, v vectorFile) []eventlog.Event {
	t.Helper()
	out := make([]eventlog.Event, len(v.Events))
	for i, ve := range v.Events {
		f := ve.Fields
		prev, err := eventlog.ParseHash(f.PrevHash)
		if err != nil {
			t.Fatalf("event %d prev_hash: %v", i+1, err)
		}
		h, err := eventlog.ParseHash(ve.Hash)
		if err != nil {
			t.Fatalf("event %d hash: %v", i+1, err)
		}
		out[i] = eventlog.Event{ID: f.ID, Type: f.Type, Stream: f.Stream, Version: f.Version,
			Position:   eventlog.Position{Commit: ve.Position.Commit, Prepare: ve.Position.Prepare},
			OccurredAt: mustTime(t, f.OccurredAt), RecordedAt: mustTime(t, f.RecordedAt),
			Actor: f.Actor, Unit: f.Unit, CommandID: f.CommandID, CorrelationID: f.CorrelationID, CausationID: f.CausationID,
			SchemaVersion: f.SchemaVersion, Payload: json.RawMessage(f.Payload), PrevHash: prev, Hash: h}
		if got := hex.EncodeToString(out[i].Payload); got != ve.PayloadHex {
			t.Fatalf("event %d: payload and payload_hex differ in the file", i+1)
		}
	}
	return out
}

// vectorTree is the production tree over the file's events.
func vectorTree(t *testing.T, events []eventlog.Event) *seal.Tree {
	t.Helper()
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	if err := tree.Append(events); err != nil {
		t.Fatal(err)
	}
	return tree
}

// fileRoot is the root the file records for size.
func fileRoot(t *testing.T, v vectorFile, size uint64) []byte {
	t.Helper()
	for _, r := range v.Roots {
		if r.Size == size {
			return fromHex(t, r.Root)
		}
	}
	t.Fatalf("the file records no root of size %d", size)
	return nil
}

// fileSigner is the production signer of the file's test key, loaded
// from the signer key string written out from the seed (note format:
// PRIVATE+KEY+name+key hash+base64(0x01 ‖ seed)), with the key hash
// computed here as the note format defines it: the first 4 bytes of
// SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian.
func fileSigner(t *testing.T, k vectorKey) (signer note.Signer, signerKey string, pub ed25519.PublicKey, keyHash string) {
	t.Helper()
	seed := fromHex(t, k.SeedHex)
	if len(seed) != ed25519.SeedSize {
		t.Fatalf("seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	pub = ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	sum := sha256.Sum256(append([]byte(k.Name+"\n\x01"), pub...))
	keyHash = hex.EncodeToString(sum[:4])
	signerKey = "PRIVATE+KEY+" + k.Name + "+" + keyHash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	signer, err := seal.LoadSigner(signerKey, "")
	if err != nil {
		t.Fatal(err)
	}
	return signer, signerKey, pub, keyHash
}

func fileVerifiers(t *testing.T, v vectorFile) note.Verifiers {
	t.Helper()
	trusted, _, err := seal.Verifiers(v.TestKey.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	return trusted
}

// TestVectorsLeaves: seal.LeafHash of each event's hash and position (and
// of the extra leaves at KurrentDB positions, where commit ≠ prepare)
// is the recorded leaf, and the recorded leaf input is 0x00 ‖ event hash
// ‖ commit ‖ prepare (8 bytes big-endian each) and hashes to it.
func TestVectorsLeaves(t *testing.T) {
	v := readVectors(t)
	type leafCase struct {
		name      string
		eventHash string
		pos       vectorPosition
		inputHex  string
		hash      string
	}
	var cases []leafCase
	for i, ve := range v.Events {
		if ve.Leaf.Index != uint64(i) {
			t.Errorf("event %d: leaf index %d, want %d", i+1, ve.Leaf.Index, i)
		}
		cases = append(cases, leafCase{fmt.Sprintf("event %d %s", i+1, ve.Fields.Type), ve.Hash, ve.Position, ve.Leaf.InputHex, ve.Leaf.Hash})
	}
	for _, x := range v.ExtraLeaves {
		cases = append(cases, leafCase{fmt.Sprintf("extra %d/%d", x.Position.Commit, x.Position.Prepare), x.EventHash, x.Position, x.InputHex, x.Hash})
	}
	if len(v.ExtraLeaves) == 0 || !slices.ContainsFunc(v.ExtraLeaves, func(x vectorLeafAlt) bool { return x.Position.Commit != x.Position.Prepare }) {
		t.Error("the file has no leaf whose commit and prepare differ: their order in the leaf is not pinned")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := eventlog.ParseHash(c.eventHash)
			if err != nil {
				t.Fatal(err)
			}
			e := eventlog.Event{Hash: h, Position: eventlog.Position{Commit: c.pos.Commit, Prepare: c.pos.Prepare}}
			if got := hex.EncodeToString(seal.LeafHash(&e)); got != c.hash {
				t.Errorf("LeafHash\n got %s\nwant %s", got, c.hash)
			}
			want := append([]byte{0x00}, h[:]...)
			want = binary.BigEndian.AppendUint64(want, c.pos.Commit)
			want = binary.BigEndian.AppendUint64(want, c.pos.Prepare)
			if got := hex.EncodeToString(want); got != c.inputHex {
				t.Errorf("leaf input 0x00 ‖ hash ‖ commit ‖ prepare\n got %s\nwant %s", got, c.inputHex)
			}
			if sum := sha256.Sum256(fromHex(t, c.inputHex)); hex.EncodeToString(sum[:]) != c.hash {
				t.Errorf("SHA-256 of the recorded leaf input is %x, the recorded leaf %s", sum, c.hash)
			}
		})
	}
}

// TestVectorsTree: the production tree over the file's events holds the
// recorded leaves and gives the empty root and every recorded root.
func TestVectorsTree(t *testing.T) {
	v := readVectors(t)
	events := vectorEvents(t, v)
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	t.Run("empty", func(t *testing.T) {
		got, err := tree.Root(0)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != v.EmptyRoot {
			t.Errorf("Root(0)\n got %x\nwant %s", got, v.EmptyRoot)
		}
	})
	if err := tree.Append(events); err != nil {
		t.Fatal(err)
	}
	if tree.Size() != uint64(len(events)) {
		t.Fatalf("Size = %d, want %d", tree.Size(), len(events))
	}
	t.Run("leaves", func(t *testing.T) {
		for i, ve := range v.Events {
			got, err := tree.LeafAt(uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != ve.Leaf.Hash {
				t.Errorf("LeafAt(%d)\n got %x\nwant %s", i, got, ve.Leaf.Hash)
			}
		}
	})
	if len(v.Roots) == 0 {
		t.Fatal("the file records no roots")
	}
	for _, r := range v.Roots {
		t.Run(fmt.Sprintf("size %d", r.Size), func(t *testing.T) {
			got, err := tree.Root(r.Size)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != r.Root {
				t.Errorf("Root(%d)\n got %x\nwant %s", r.Size, got, r.Root)
			}
		})
	}
}

// TestVectorsProofsFromTree: the production tree gives every recorded
// inclusion and consistency proof, node for node.
func TestVectorsProofsFromTree(t *testing.T) {
	v := readVectors(t)
	tree := vectorTree(t, vectorEvents(t, v))
	if len(v.Inclusion) == 0 || len(v.Consistency) == 0 {
		t.Fatal("the file records no inclusion or no consistency proofs")
	}
	for _, ic := range v.Inclusion {
		t.Run(fmt.Sprintf("inclusion %d in %d", ic.LeafIndex, ic.TreeSize), func(t *testing.T) {
			if ic.LeafHash != v.Events[ic.LeafIndex].Leaf.Hash || ic.Root != hex.EncodeToString(fileRoot(t, v, ic.TreeSize)) {
				t.Errorf("the proof's leaf hash or root is not the one the file records for leaf %d and size %d", ic.LeafIndex, ic.TreeSize)
			}
			pr, err := tree.InclusionProof(ic.LeafIndex, ic.TreeSize)
			if err != nil {
				t.Fatal(err)
			}
			if got := hexList(pr); !slices.Equal(got, ic.Proof) {
				t.Errorf("InclusionProof(%d, %d)\n got %v\nwant %v", ic.LeafIndex, ic.TreeSize, got, ic.Proof)
			}
		})
	}
	for _, cc := range v.Consistency {
		t.Run(fmt.Sprintf("consistency %d to %d", cc.FromSize, cc.ToSize), func(t *testing.T) {
			if cc.FromRoot != hex.EncodeToString(fileRoot(t, v, cc.FromSize)) || cc.ToRoot != hex.EncodeToString(fileRoot(t, v, cc.ToSize)) {
				t.Errorf("the proof's roots are not the ones the file records for sizes %d and %d", cc.FromSize, cc.ToSize)
			}
			pr, err := tree.ConsistencyProof(cc.FromSize, cc.ToSize)
			if err != nil {
				t.Fatal(err)
			}
			if got := hexList(pr); !slices.Equal(got, cc.Proof) {
				t.Errorf("ConsistencyProof(%d, %d)\n got %v\nwant %v", cc.FromSize, cc.ToSize, got, cc.Proof)
			}
		})
	}
}

// TestVectorsKey: the seed gives the recorded public key, key hash and
// signer key; seal.VerifierOf gives the recorded verifier key; the
// signer seal.LoadSigner makes has the recorded name and key hash.
func TestVectorsKey(t *testing.T) {
	v := readVectors(t)
	k := v.TestKey
	signer, signerKey, pub, keyHash := fileSigner(t, k)
	verifier, err := seal.VerifierOf(signerKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"public key", hex.EncodeToString(pub), k.PublicHex},
		{"key hash", keyHash, k.KeyHash},
		{"signer key", signerKey, k.SignerKey},
		{"verifier key (VerifierOf)", verifier, k.VerifierKey},
		{"signer name", signer.Name(), k.Name},
		{"signer key hash", fmt.Sprintf("%08x", signer.KeyHash()), k.KeyHash},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got  %s\nwant %s", c.got, c.want)
			}
		})
	}
	t.Run("verifier key from the recorded signer key", func(t *testing.T) {
		got, err := seal.VerifierOf(k.SignerKey)
		if err != nil {
			t.Fatal(err)
		}
		if got != k.VerifierKey {
			t.Errorf("VerifierOf(signer_key)\n got %s\nwant %s", got, k.VerifierKey)
		}
	})
}

// TestVectorsCheckpointSign: seal.Sign with the test key, over the root
// the production tree gives, at the recorded time, gives the recorded
// note byte for byte (Ed25519 signatures are deterministic), and its
// parts: body, key name, key hash, signature.
func TestVectorsCheckpointSign(t *testing.T) {
	v := readVectors(t)
	tree := vectorTree(t, vectorEvents(t, v))
	signer, _, _, _ := fileSigner(t, v.TestKey)
	for _, want := range v.Checkpoints {
		t.Run(fmt.Sprintf("size %d", want.Size), func(t *testing.T) {
			root, err := tree.Root(want.Size)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := seal.Sign(signer, want.Origin, want.Size, root, mustTime(t, want.Time))
			if err != nil {
				t.Fatal(err)
			}
			body, sigLine, ok := strings.Cut(cp.Note, "\n\n")
			if !ok {
				t.Fatalf("note without a blank line: %q", cp.Note)
			}
			name, sig64, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(sigLine, "— "), "\n"), " ")
			sig, err := base64.StdEncoding.DecodeString(sig64)
			if err != nil || len(sig) != 4+ed25519.SignatureSize {
				t.Fatalf("signature line %q: %v", sigLine, err)
			}
			for _, c := range []struct{ name, got, want string }{
				{"note", cp.Note, want.Note},
				{"body", body + "\n", want.Body},
				{"signature", hex.EncodeToString(sig[4:]), want.SignatureHex},
				{"signature key hash", hex.EncodeToString(sig[:4]), want.KeyHash},
				{"signature line name", name, want.KeyName},
				{"key name", cp.KeyName, want.KeyName},
				{"key id", cp.KeyID, want.KeyHash},
				{"root", hex.EncodeToString(cp.Root), want.Root},
				{"root base64", base64.StdEncoding.EncodeToString(cp.Root), want.RootBase64},
				{"time", cp.Time.Format(time.RFC3339), want.Time},
			} {
				if c.got != c.want {
					t.Errorf("%s\n got %q\nwant %q", c.name, c.got, c.want)
				}
			}
		})
	}
}

// TestVectorsCheckpointOpens: seal.Open, trusting the recorded verifier
// key, opens every recorded note and reads the recorded fields from it;
// the signature verifies over the recorded body with the recorded public
// key; and a note with one byte of its signature or one body line
// changed, or under another key, is refused.
func TestVectorsCheckpointOpens(t *testing.T) {
	v := readVectors(t)
	trusted := fileVerifiers(t, v)
	pub := ed25519.PublicKey(fromHex(t, v.TestKey.PublicHex))
	for _, want := range v.Checkpoints {
		t.Run(fmt.Sprintf("size %d", want.Size), func(t *testing.T) {
			cp, err := seal.Open([]byte(want.Note), trusted)
			if err != nil {
				t.Fatalf("Open refuses the recorded note: %v", err)
			}
			for _, c := range []struct{ name, got, want string }{
				{"origin", cp.Origin, want.Origin},
				{"size", strconv.FormatUint(cp.Size, 10), strconv.FormatUint(want.Size, 10)},
				{"root", hex.EncodeToString(cp.Root), want.Root},
				{"root base64", base64.StdEncoding.EncodeToString(cp.Root), want.RootBase64},
				{"time", cp.Time.Format(time.RFC3339), want.Time},
				{"key name", cp.KeyName, want.KeyName},
				{"key id", cp.KeyID, want.KeyHash},
				{"note", cp.Note, want.Note},
			} {
				if c.got != c.want {
					t.Errorf("%s\n got %q\nwant %q", c.name, c.got, c.want)
				}
			}
			if string(fileRoot(t, v, want.Size)) != string(cp.Root) {
				t.Errorf("the checkpoint's root is not the file's root of size %d", want.Size)
			}
			sig := fromHex(t, want.SignatureHex)
			if !ed25519.Verify(pub, []byte(want.Body), sig) {
				t.Error("the recorded signature does not verify over the recorded body with the recorded public key")
			}
			if !strings.HasPrefix(want.Note, want.Body+"\n") {
				t.Errorf("the note does not start with the body and a blank line")
			}
			sigLine := func(keyHash, sig []byte) string {
				return "— " + want.KeyName + " " + base64.StdEncoding.EncodeToString(append(bytes.Clone(keyHash), sig...)) + "\n"
			}
			keyHash := fromHex(t, want.KeyHash)
			if got := strings.TrimPrefix(want.Note, want.Body+"\n"); got != sigLine(keyHash, sig) {
				t.Errorf("signature line\n got %q\nwant %q", got, sigLine(keyHash, sig))
			}
			lines := strings.SplitAfter(want.Body, "\n")
			withLine := func(i int, line string) string {
				c := slices.Clone(lines)
				c[i] = line
				return strings.Join(c, "") + "\n" + sigLine(keyHash, sig)
			}
			otherKey, _, err := note.GenerateKey(nil, want.KeyName)
			if err != nil {
				t.Fatal(err)
			}
			otherSigner, err := note.NewSigner(otherKey)
			if err != nil {
				t.Fatal(err)
			}
			otherNote, err := note.Sign(&note.Note{Text: want.Body}, otherSigner)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []struct{ name, note string }{
				{"signature byte 0", want.Body + "\n" + sigLine(keyHash, flipped(sig, 0))},
				{"signature byte 31", want.Body + "\n" + sigLine(keyHash, flipped(sig, 31))},
				{"signature byte 63", want.Body + "\n" + sigLine(keyHash, flipped(sig, 63))},
				{"key hash byte", want.Body + "\n" + sigLine(flipped(keyHash, 3), sig)},
				{"origin line", withLine(0, want.Origin+"x\n")},
				{"size line", withLine(1, strconv.FormatUint(want.Size+1, 10)+"\n")},
				{"root line", withLine(2, base64.StdEncoding.EncodeToString(flipped(fromHex(t, want.Root), 0))+"\n")},
				{"time line", withLine(3, "time "+mustTime(t, want.Time).Add(time.Second).Format(time.RFC3339)+"\n")},
				{"extra body line", strings.Join(lines, "") + "extra\n\n" + sigLine(keyHash, sig)},
				{"signed by another key of the same name", string(otherNote)},
			} {
				if bad.note == want.Note {
					t.Fatalf("%s: the changed note is the recorded one", bad.name)
				}
				if _, err := seal.Open([]byte(bad.note), trusted); err == nil {
					t.Errorf("%s: Open accepts the changed note\n%s", bad.name, bad.note)
				}
			}
		})
	}
}

// checkpointAt is a checkpoint of size whose root is the file's: the
// recorded one if the file signs that size, else one signed now with the
// test key over the recorded root (at a fixed time).
func checkpointAt(t *testing.T, v vectorFile, signer note.Signer, size uint64) seal.Checkpoint {
	t.Helper()
	for _, c := range v.Checkpoints {
		if c.Size == size {
			return seal.Checkpoint{Origin: c.Origin, Size: c.Size, Root: fromHex(t, c.Root), Time: mustTime(t, c.Time),
				KeyName: c.KeyName, KeyID: c.KeyHash, Note: c.Note}
		}
	}
	cp, err := seal.Sign(signer, v.Checkpoints[0].Origin, size, fileRoot(t, v, size), time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// packOf is an evidence pack of event index (as the file records it)
// with the given inclusion proof in cp.
func packOf(events []eventlog.Event, index uint64, pr [][]byte, cp seal.Checkpoint) seal.Pack {
	e := events[index]
	return seal.Pack{Format: seal.PackFormat, Subject: "vectors", Checkpoint: cp,
		Events: []seal.PackEvent{{Event: e, Payload: []byte(e.Payload), LeafIndex: index, Proof: pr}}}
}

// TestVectorsInclusionVerifies: every recorded inclusion proof verifies
// from the recorded leaf to the recorded root with the tree's hasher,
// and in an evidence pack through seal.VerifyPack (which recomputes the
// leaf from the event); with a proof node, the root, the leaf, the
// leaf index or the event's position changed, it does not.
func TestVectorsInclusionVerifies(t *testing.T) {
	v := readVectors(t)
	events := vectorEvents(t, v)
	trusted := fileVerifiers(t, v)
	signer, _, _, _ := fileSigner(t, v.TestKey)
	for _, ic := range v.Inclusion {
		t.Run(fmt.Sprintf("%d in %d", ic.LeafIndex, ic.TreeSize), func(t *testing.T) {
			leaf, root, pr := fromHex(t, ic.LeafHash), fromHex(t, ic.Root), fromHexList(t, ic.Proof)
			verify := func(index, size uint64, leaf []byte, pr [][]byte, root []byte) error {
				return proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leaf, pr, root)
			}
			if err := verify(ic.LeafIndex, ic.TreeSize, leaf, pr, root); err != nil {
				t.Fatalf("the recorded proof does not verify: %v", err)
			}
			type bad struct {
				name        string
				index, size uint64
				leaf, root  []byte
				proof       [][]byte
			}
			bads := []bad{
				{"leaf byte", ic.LeafIndex, ic.TreeSize, flipped(leaf, 0), root, pr},
				{"root byte", ic.LeafIndex, ic.TreeSize, leaf, flipped(root, 31), pr},
				{"another leaf index", ic.LeafIndex ^ 1, ic.TreeSize, leaf, root, pr},
			}
			for n := range pr {
				bads = append(bads, bad{fmt.Sprintf("proof node %d", n), ic.LeafIndex, ic.TreeSize, leaf, root, flippedNode(pr, n)})
			}
			for _, b := range bads {
				if b.index >= b.size {
					continue // no such leaf: nothing to refuse
				}
				if err := verify(b.index, b.size, b.leaf, b.proof, b.root); err == nil {
					t.Errorf("%s changed: the proof still verifies", b.name)
				}
			}

			cp := checkpointAt(t, v, signer, ic.TreeSize)
			if _, err := seal.VerifyPack(packOf(events, ic.LeafIndex, pr, cp), trusted, nil); err != nil {
				t.Fatalf("VerifyPack refuses the recorded proof: %v", err)
			}
			packs := map[string]seal.Pack{}
			for n := range pr {
				packs[fmt.Sprintf("pack proof node %d", n)] = packOf(events, ic.LeafIndex, flippedNode(pr, n), cp)
			}
			p := packOf(events, ic.LeafIndex, pr, cp)
			p.Events[0].Event.Position.Prepare++ // the leaf covers the position, the event hash does not
			packs["pack event position"] = p
			if ic.TreeSize > 1 {
				p = packOf(events, ic.LeafIndex, pr, cp)
				p.Events[0].LeafIndex ^= 1
				if p.Events[0].LeafIndex < ic.TreeSize {
					packs["pack leaf index"] = p
				}
			}
			for name, p := range packs {
				if _, err := seal.VerifyPack(p, trusted, nil); !seal.IsVerificationError(err) {
					t.Errorf("%s changed: VerifyPack gives %v, want a verification error", name, err)
				}
			}
		})
	}
}

// TestVectorsConsistencyVerifies: every recorded consistency proof
// verifies between the recorded roots, and in a pack through
// seal.VerifyPack against a held checkpoint of the smaller size; with a
// proof node or either root changed, it does not.
func TestVectorsConsistencyVerifies(t *testing.T) {
	v := readVectors(t)
	events := vectorEvents(t, v)
	trusted := fileVerifiers(t, v)
	signer, _, _, _ := fileSigner(t, v.TestKey)
	for _, cc := range v.Consistency {
		t.Run(fmt.Sprintf("%d to %d", cc.FromSize, cc.ToSize), func(t *testing.T) {
			from, to, pr := fromHex(t, cc.FromRoot), fromHex(t, cc.ToRoot), fromHexList(t, cc.Proof)
			verify := func(pr [][]byte, from, to []byte) error {
				return proof.VerifyConsistency(rfc6962.DefaultHasher, cc.FromSize, cc.ToSize, pr, from, to)
			}
			if err := verify(pr, from, to); err != nil {
				t.Fatalf("the recorded proof does not verify: %v", err)
			}
			bads := []struct {
				name     string
				proof    [][]byte
				from, to []byte
			}{
				{"from root byte", pr, flipped(from, 0), to},
				{"to root byte", pr, from, flipped(to, 31)},
			}
			for n := range pr {
				bads = append(bads, struct {
					name     string
					proof    [][]byte
					from, to []byte
				}{fmt.Sprintf("proof node %d", n), flippedNode(pr, n), from, to})
			}
			for _, b := range bads {
				if err := verify(b.proof, b.from, b.to); err == nil {
					t.Errorf("%s changed: the proof still verifies", b.name)
				}
			}

			// In a pack: one event with a recorded inclusion proof in the
			// larger tree, and the proof from the held checkpoint.
			i := slices.IndexFunc(v.Inclusion, func(ic vectorInclude) bool { return ic.TreeSize == cc.ToSize })
			if i < 0 {
				t.Fatalf("the file has no inclusion proof in size %d to make a pack with", cc.ToSize)
			}
			ic := v.Inclusion[i]
			held := &seal.Checkpoint{Origin: v.Checkpoints[0].Origin, Size: cc.FromSize, Root: from}
			pack := func(pr [][]byte, fromRoot []byte) seal.Pack {
				p := packOf(events, ic.LeafIndex, fromHexList(t, ic.Proof), checkpointAt(t, v, signer, cc.ToSize))
				p.Consistency = &seal.Consistency{FromSize: cc.FromSize, FromRoot: fromRoot, ToSize: cc.ToSize, Proof: pr}
				return p
			}
			if _, err := seal.VerifyPack(pack(pr, from), trusted, held); err != nil {
				t.Fatalf("VerifyPack refuses the recorded proof: %v", err)
			}
			for n := range pr {
				if _, err := seal.VerifyPack(pack(flippedNode(pr, n), from), trusted, held); !seal.IsVerificationError(err) {
					t.Errorf("pack proof node %d changed: VerifyPack gives %v, want a verification error", n, err)
				}
			}
			badHeld := &seal.Checkpoint{Size: cc.FromSize, Root: flipped(from, 0)}
			if _, err := seal.VerifyPack(pack(pr, badHeld.Root), trusted, badHeld); !seal.IsVerificationError(err) {
				t.Errorf("held root changed: VerifyPack gives %v, want a verification error", err)
			}
		})
	}
}
