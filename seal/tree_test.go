package seal

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/cxzy/ledger/eventlog"
)

// The RFC 6962 / Certificate Transparency test vectors, as
// certificate-transparency-go and transparency-dev/merkle carry them
// (merkle proof/verify_test.go): the 8 leaves of testonly.LeafInputs, the
// root of every prefix, and inclusion and consistency proofs.
var (
	ctInclusion = []struct {
		leaf, size uint64 // leaf is 1-based, as in the vectors
		proof      []string
	}{
		{1, 1, nil},
		{1, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{3, 3, []string{"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
		{2, 5, []string{"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	}
	ctConsistency = []struct {
		size1, size2 uint64
		proof        []string
	}{
		{1, 1, nil},
		{1, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, []string{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
		{6, 7, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	}
)

func hexes(t *testing.T, ss []string) [][]byte {
	t.Helper()
	out := [][]byte{}
	for _, s := range ss {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// ctTree is a stored tree of the 8 CT leaves.
func ctTree(t *testing.T) *Tree {
	t.Helper()
	tree, err := OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	var leaves []leaf
	for i, in := range testonly.LeafInputs() {
		leaves = append(leaves, leaf{pos: eventlog.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}, hash: hasher.HashLeaf(in)})
	}
	// Two appends, so the right border is loaded and extended on the way.
	if err := tree.appendLeaves(leaves[:3]); err != nil {
		t.Fatal(err)
	}
	if err := tree.appendLeaves(leaves[3:]); err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestRFC6962Vectors(t *testing.T) {
	tree := ctTree(t)
	// RootHashes()[n] is the root of the first n leaves, the empty
	// tree's first.
	for n, want := range testonly.RootHashes() {
		got, err := tree.Root(uint64(n))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("root of %d leaves = %x (%v), want %x", n, got, err, want)
		}
	}
	for _, v := range ctInclusion {
		got, err := tree.InclusionProof(v.leaf-1, v.size)
		if err != nil || !equalHashes(got, hexes(t, v.proof)) {
			t.Errorf("inclusion of leaf %d in %d: %x (%v), want %v", v.leaf, v.size, got, err, v.proof)
		}
	}
	for _, v := range ctConsistency {
		got, err := tree.ConsistencyProof(v.size1, v.size2)
		if err != nil || !equalHashes(got, hexes(t, v.proof)) {
			t.Errorf("consistency %d→%d: %x (%v), want %v", v.size1, v.size2, got, err, v.proof)
		}
	}
	// Every proof of every size verifies, and the tree survives a reopen.
	dir := t.TempDir()
	reopened := func() *Tree {
		tr, err := OpenTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	tr := reopened()
	var leaves []leaf
	for i, in := range testonly.LeafInputs() {
		leaves = append(leaves, leaf{pos: eventlog.Position{Commit: uint64(i + 1)}, hash: hasher.HashLeaf(in)})
	}
	for i := range leaves {
		if err := tr.appendLeaves(leaves[i : i+1]); err != nil {
			t.Fatal(err)
		}
		tr.Close()
		tr = reopened()
	}
	defer tr.Close()
	roots := testonly.RootHashes()
	for size := uint64(1); size <= 8; size++ {
		for i := uint64(0); i < size; i++ {
			p, err := tr.InclusionProof(i, size)
			if err == nil {
				err = proof.VerifyInclusion(hasher, i, size, leaves[i].hash, p, roots[size])
			}
			if err != nil {
				t.Errorf("inclusion of %d in %d: %v", i, size, err)
			}
		}
		for s1 := uint64(1); s1 <= size; s1++ {
			p, err := tr.ConsistencyProof(s1, size)
			if err == nil {
				err = proof.VerifyConsistency(hasher, s1, size, p, roots[s1], roots[size])
			}
			if err != nil {
				t.Errorf("consistency %d→%d: %v", s1, size, err)
			}
		}
	}
	if i, err := tr.IndexOf(eventlog.Position{Commit: 6}); err != nil || i != 5 {
		t.Errorf("IndexOf(6) = %d, %v", i, err)
	}
	if _, err := tr.InclusionProof(0, 9); err == nil {
		t.Error("a proof in a tree larger than the stored one was given")
	}
}

func equalHashes(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestVerifierOf(t *testing.T) {
	for i := range 50 { // enough keys that some base64 holds "+"
		skey, vkey, err := GenerateKey(fmt.Sprintf("k%d", i))
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifierOf(skey)
		if err != nil || got != vkey {
			t.Fatalf("VerifierOf(%s) = %q, %v; want %q", skey, got, err, vkey)
		}
	}
	if _, err := VerifierOf("k1+abcd+AQ=="); err == nil {
		t.Error("a verifier key taken for a signer key")
	}
}
