package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"slices"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// sealCmd measures the verifiable history: the sealer's cost per 10,000
// events (leaves and nodes written, root computed, checkpoint signed),
// and inclusion-proof generation and verification at each size asked for,
// on a tree grown to the largest. Leaves are synthetic events (random
// hashes, dense positions): the tree's work does not depend on content.
func sealCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ledgerbench seal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "where to build the tree (default: a temporary directory, removed after)")
	proofs := fs.Int("proofs", 2000, "inclusion proofs generated and verified at each size")
	var sizes []uint64
	fs.Func("size", "a tree size to measure proofs at; repeat (default 1000000 and 10000000)", func(s string) error {
		var n uint64
		_, err := fmt.Sscan(s, &n)
		sizes = append(sizes, n)
		return err
	})
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if len(sizes) == 0 {
		sizes = []uint64{1_000_000, 10_000_000}
	}
	slices.Sort(sizes)
	if *dir == "" {
		d, err := os.MkdirTemp("", "ledgerbench-seal")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitFail
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	tree, err := seal.OpenTree(*dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	defer tree.Close()
	skey, _, err := seal.GenerateKey("bench")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	signer, _ := seal.LoadSigner(skey, "")

	const batch = 10_000
	events := make([]eventlog.Event, batch)
	var appendTotal, sealTotal time.Duration
	batches := 0
	fmt.Fprintf(stdout, "Merkle tree (RFC 6962, Pebble-backed), 2 cores\n")
	for _, target := range sizes {
		fmt.Fprintf(stderr, "growing the tree to %d leaves\n", target)
		for tree.Size() < target {
			if err := ctx.Err(); err != nil {
				return exitFail
			}
			n := min(uint64(batch), target-tree.Size())
			base := tree.Size()
			for i := range n {
				rand.Read(events[i].Hash[:])
				events[i].Position = eventlog.Position{Commit: base + i + 1, Prepare: base + i + 1}
			}
			start := time.Now()
			if err := tree.Append(events[:n]); err != nil {
				fmt.Fprintln(stderr, err)
				return exitFail
			}
			appended := time.Since(start)
			root, err := tree.Root(tree.Size())
			if err == nil {
				_, err = seal.Sign(signer, "bench", tree.Size(), root, time.Now())
			}
			if err != nil {
				fmt.Fprintln(stderr, err)
				return exitFail
			}
			if n == batch {
				appendTotal += appended
				sealTotal += time.Since(start)
				batches++
			}
		}
		if err := timeProofs(tree, target, *proofs, "while compacting", stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return exitFail
		}
		// A ledger of 10M events a year appends a few events a second: its
		// tree's store is settled. Wait (bounded) for that, and measure again.
		for deadline := time.Now().Add(10 * time.Minute); tree.Compacting() && time.Now().Before(deadline); {
			time.Sleep(time.Second)
		}
		if err := timeProofs(tree, target, *proofs, "settled", stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return exitFail
		}
	}
	if batches > 0 {
		fmt.Fprintf(stdout, "  sealer cost per 10,000 events: %.1f ms to add the leaves and nodes, %.1f ms with the root and a signed checkpoint (mean of %d batches)\n",
			float64(appendTotal.Microseconds())/1000/float64(batches), float64(sealTotal.Microseconds())/1000/float64(batches), batches)
	}
	var size int64
	if entries, err := os.ReadDir(*dir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				size += info.Size()
			}
		}
	}
	fmt.Fprintf(stdout, "  tree on disk: %d MB for %d leaves (%.0f bytes per event)\n", size>>20, tree.Size(), float64(size)/float64(tree.Size()))
	return exitOK
}

// timeProofs generates and verifies n inclusion proofs of random leaves in
// the tree of size leaves, and prints their latency.
func timeProofs(tree *seal.Tree, size uint64, n int, label string, stdout io.Writer) error {
	gen := make([]time.Duration, 0, n)
	ver := make([]time.Duration, 0, n)
	root, err := tree.Root(size)
	if err != nil {
		return err
	}
	for range n {
		r, _ := rand.Int(rand.Reader, new(big.Int).SetUint64(size))
		index := r.Uint64()
		start := time.Now()
		p, err := tree.InclusionProof(index, size)
		gen = append(gen, time.Since(start))
		if err != nil {
			return err
		}
		// The stored leaf hash stands for the one a verifier computes from
		// the event's hash and position.
		leafHash, err := tree.LeafAt(index)
		if err != nil {
			return err
		}
		start = time.Now()
		err = proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, p, root)
		ver = append(ver, time.Since(start))
		if err != nil {
			return fmt.Errorf("a proof failed: %w", err)
		}
	}
	slices.Sort(gen)
	slices.Sort(ver)
	ms := func(d []time.Duration, q float64) float64 {
		return float64(d[int(float64(len(d)-1)*q)].Microseconds()) / 1000
	}
	fmt.Fprintf(stdout, "  %d leaves, %s: inclusion proof generation p50 %.3f ms, p99 %.3f ms, max %.3f ms; verification p50 %.3f ms, p99 %.3f ms (%d proofs)\n",
		size, label, ms(gen, 0.5), ms(gen, 0.99), ms(gen, 1), ms(ver, 0.5), ms(ver, 0.99), len(gen))
	return nil
}
