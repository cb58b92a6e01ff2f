// Package seal makes the ledger's history verifiable without trusting its
// operator: an RFC 6962 Merkle tree over the global event sequence (leaf i
// is the hash of the i-th event in global order), signed checkpoints of
// that tree appended to the log itself, inclusion and consistency proofs,
// and evidence packs that an inspector verifies offline.
//
// The tree maths is github.com/transparency-dev/merkle's (compact ranges,
// proof node lists, verification); checkpoints are C2SP tlog-checkpoint
// signed notes (golang.org/x/mod/sumdb/note, Ed25519). This package keeps
// the tree's nodes and the map between leaf indices and log positions.
package seal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/cxzy/ledger/eventlog"
)

// hasher is RFC 6962's: SHA-256 with 0x00 before a leaf and 0x01 before
// two children, so a leaf can never pass for an inner node.
var hasher = rfc6962.DefaultHasher

var factory = &compact.RangeFactory{Hash: hasher.HashChildren}

// LeafHash is the tree's leaf for an event: RFC 6962's leaf hash of the
// event's own hash (eventlog.ComputeHash, which covers the envelope and
// the stream chain) followed by its global position (commit, prepare,
// 8 bytes big-endian each), which the event hash leaves out because the
// log assigns it. A proof of inclusion so proves where the event stands
// in the global order, too.
func LeafHash(e *eventlog.Event) []byte {
	data := make([]byte, 0, len(e.Hash)+16)
	data = append(data, e.Hash[:]...)
	data = binary.BigEndian.AppendUint64(data, e.Position.Commit)
	data = binary.BigEndian.AppendUint64(data, e.Position.Prepare)
	return hasher.HashLeaf(data)
}

// Tree is the Merkle tree of the log, kept in its own Pebble database.
// Every node of every perfect subtree is stored once it is complete, and
// perfect nodes never change, so a proof for any earlier size needs only
// stored nodes (and at most one node recomputed from them). The tree is
// derived data: it can always be rebuilt from the log, and checkpoints
// signed earlier say whether the rebuilt one is the same.
type Tree struct {
	db *pebble.DB

	mu   sync.RWMutex
	rng  *compact.Range    // the compact range [0, size)
	last eventlog.Position // the position of leaf size-1

	upper sync.Map // compact.NodeID → hash, for levels from cachedLevel up
}

// Key layout: 'n' level index → node hash; 'i' index → position;
// 'p' commit prepare → index; 'm' → size and last position.
func nodeKey(level uint, index uint64) []byte {
	k := make([]byte, 10)
	k[0] = 'n'
	k[1] = byte(level)
	binary.BigEndian.PutUint64(k[2:], index)
	return k
}

func indexKey(index uint64) []byte { return binary.BigEndian.AppendUint64([]byte{'i'}, index) }

func posKey(p eventlog.Position) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64([]byte{'p'}, p.Commit), p.Prepare)
}

var metaKey = []byte{'m'}

// OpenTree opens (or creates) the tree kept in dir.
func OpenTree(dir string) (*Tree, error) {
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest, Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("seal: open tree %s: %w", dir, err)
	}
	t := &Tree{db: db}
	size := uint64(0)
	if v, closer, err := db.Get(metaKey); err == nil {
		size = binary.BigEndian.Uint64(v)
		t.last = eventlog.Position{Commit: binary.BigEndian.Uint64(v[8:]), Prepare: binary.BigEndian.Uint64(v[16:])}
		closer.Close()
	} else if !errors.Is(err, pebble.ErrNotFound) {
		db.Close()
		return nil, fmt.Errorf("seal: read tree size: %w", err)
	}
	hashes, err := t.nodes(compact.RangeNodes(0, size, nil))
	if err == nil {
		t.rng, err = factory.NewRange(0, size, hashes)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("seal: load the tree's right border at size %d: %w", size, err)
	}
	return t, nil
}

// Compacting reports whether the tree's store is compacting: after a
// burst of appends (a rebuild) it does for a while, and reads are slower
// meanwhile.
func (t *Tree) Compacting() bool { return t.db.Metrics().Compact.NumInProgress > 0 }

// Close closes the tree's database.
func (t *Tree) Close() error { return t.db.Close() }

// Size is the number of leaves.
func (t *Tree) Size() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rng.End()
}

// Last is the log position of the last leaf: where following the log
// resumes.
func (t *Tree) Last() eventlog.Position {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.last
}

// Append adds the events, in global order, as leaves, with every node they
// complete, in one atomic write. The write is not synced: the tree is
// rebuilt from the log after a crash, from the last size that reached the
// disk, with the same hashes.
func (t *Tree) Append(events []eventlog.Event) error {
	leaves := make([]leaf, len(events))
	for i := range events {
		leaves[i] = leaf{pos: events[i].Position, hash: LeafHash(&events[i])}
	}
	return t.appendLeaves(leaves)
}

// leaf is a leaf hash and the log position it stands for.
type leaf struct {
	pos  eventlog.Position
	hash []byte
}

func (t *Tree) appendLeaves(leaves []leaf) error {
	if len(leaves) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.db.NewBatch()
	defer b.Close()
	var err error
	var written []compact.NodeID
	var hashes [][]byte
	visit := func(id compact.NodeID, h []byte) {
		if err == nil {
			err = b.Set(nodeKey(id.Level, id.Index), h, nil)
		}
		if id.Level >= cachedLevel {
			written, hashes = append(written, id), append(hashes, h)
		}
	}
	// Append works on a copy, so a failed write leaves the range as the
	// disk has it.
	rng, rerr := factory.NewRange(0, t.rng.End(), append([][]byte(nil), t.rng.Hashes()...))
	if rerr != nil {
		return rerr
	}
	last := t.last
	for _, l := range leaves {
		if !last.Less(l.pos) && !(last.IsZero() && rng.End() == 0) {
			return fmt.Errorf("seal: event at %v does not follow leaf %d at %v", l.pos, rng.End()-1, last)
		}
		index := rng.End()
		if aerr := rng.Append(l.hash, visit); aerr != nil {
			return aerr
		}
		var pos [16]byte
		binary.BigEndian.PutUint64(pos[:], l.pos.Commit)
		binary.BigEndian.PutUint64(pos[8:], l.pos.Prepare)
		if err == nil {
			err = b.Set(indexKey(index), pos[:], nil)
		}
		if err == nil {
			err = b.Set(posKey(l.pos), binary.BigEndian.AppendUint64(nil, index), nil)
		}
		last = l.pos
	}
	var meta [24]byte
	binary.BigEndian.PutUint64(meta[:], rng.End())
	binary.BigEndian.PutUint64(meta[8:], last.Commit)
	binary.BigEndian.PutUint64(meta[16:], last.Prepare)
	if err == nil {
		err = b.Set(metaKey, meta[:], nil)
	}
	if err == nil {
		err = b.Commit(pebble.NoSync)
	}
	if err != nil {
		return fmt.Errorf("seal: append %d leaves: %w", len(leaves), err)
	}
	t.rng, t.last = rng, last
	for i, id := range written { // only once they are on disk too
		t.upper.Store(id, hashes[i])
	}
	return nil
}

// nodes reads stored node hashes.
func (t *Tree) nodes(ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if h, ok := t.upper.Load(id); ok {
			out[i] = h.([]byte)
			continue
		}
		v, closer, err := t.db.Get(nodeKey(id.Level, id.Index))
		if err != nil {
			return nil, fmt.Errorf("node %d/%d: %w", id.Level, id.Index, err)
		}
		out[i] = append([]byte(nil), v...)
		closer.Close()
		if id.Level >= cachedLevel {
			t.upper.Store(id, out[i])
		}
	}
	return out, nil
}

// cachedLevel is the lowest level of the nodes kept in memory once read
// or written. Every proof passes through the upper levels, which are few
// (at 10M leaves, about 78,000 nodes from level 8 up: some 10 MB), so
// they are served from memory and a proof reads about eight nodes from
// disk.
const cachedLevel = 8

// ErrSize is returned for a tree size the tree has not reached.
var ErrSize = errors.New("seal: the tree has not reached that size")

func (t *Tree) checkSize(size uint64) error {
	if size > t.Size() {
		return fmt.Errorf("%w (%d > %d)", ErrSize, size, t.Size())
	}
	return nil
}

// Root is the root hash of the tree's first size leaves.
func (t *Tree) Root(size uint64) ([]byte, error) {
	if err := t.checkSize(size); err != nil {
		return nil, err
	}
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	hashes, err := t.nodes(compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, fmt.Errorf("seal: root at %d: %w", size, err)
	}
	rng, err := factory.NewRange(0, size, hashes)
	if err != nil {
		return nil, err
	}
	return rng.GetRootHash(nil)
}

// InclusionProof proves leaf index is in the tree of size leaves.
func (t *Tree) InclusionProof(index, size uint64) ([][]byte, error) {
	if err := t.checkSize(size); err != nil {
		return nil, err
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return t.rehash(nodes)
}

// ConsistencyProof proves the tree of size2 leaves extends that of size1.
func (t *Tree) ConsistencyProof(size1, size2 uint64) ([][]byte, error) {
	if err := t.checkSize(size2); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return t.rehash(nodes)
}

func (t *Tree) rehash(nodes proof.Nodes) ([][]byte, error) {
	hashes, err := t.nodes(nodes.IDs)
	if err != nil {
		return nil, fmt.Errorf("seal: proof: %w", err)
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// LeafAt returns the stored hash of leaf index.
func (t *Tree) LeafAt(index uint64) ([]byte, error) {
	if index >= t.Size() {
		return nil, fmt.Errorf("%w: no leaf %d", ErrSize, index)
	}
	h, err := t.nodes([]compact.NodeID{compact.NewNodeID(0, index)})
	if err != nil {
		return nil, fmt.Errorf("seal: leaf %d: %w", index, err)
	}
	return h[0], nil
}

// IndexOf returns the leaf index of the event at pos.
func (t *Tree) IndexOf(pos eventlog.Position) (uint64, error) {
	v, closer, err := t.db.Get(posKey(pos))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, fmt.Errorf("%w: no leaf for position %v yet", ErrSize, pos)
	}
	if err != nil {
		return 0, fmt.Errorf("seal: index of %v: %w", pos, err)
	}
	defer closer.Close()
	return binary.BigEndian.Uint64(v), nil
}

// PositionOf returns the log position of leaf index.
func (t *Tree) PositionOf(index uint64) (eventlog.Position, error) {
	v, closer, err := t.db.Get(indexKey(index))
	if errors.Is(err, pebble.ErrNotFound) {
		return eventlog.Position{}, fmt.Errorf("%w: no leaf %d", ErrSize, index)
	}
	if err != nil {
		return eventlog.Position{}, fmt.Errorf("seal: position of leaf %d: %w", index, err)
	}
	defer closer.Close()
	return eventlog.Position{Commit: binary.BigEndian.Uint64(v), Prepare: binary.BigEndian.Uint64(v[8:])}, nil
}

// quietLogger keeps Pebble's routine chatter (WAL replay on every open)
// out of the service's logs and sends its errors to slog.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	slog.Error(fmt.Sprintf(format, args...), "component", "seal-tree")
}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("seal tree: "+format, args...))
}

// RootBuilder computes the root of the tree over events fed in global
// order, in memory, without a database: what a reader of the log (the
// year-end report) uses to check that the events it counted are the ones a
// signed checkpoint seals. Add also checks each event's own hash and its
// stream's chain (eventlog.Verifier), so a changed payload is caught even
// where its stored hash was left as it was.
type RootBuilder struct {
	rng    *compact.Range
	verify *eventlog.Verifier
}

// NewRootBuilder starts at the log's first event.
func NewRootBuilder() *RootBuilder {
	return &RootBuilder{rng: factory.NewEmptyRange(0), verify: eventlog.NewVerifier(false)}
}

// Add adds the next event of the log.
func (b *RootBuilder) Add(e *eventlog.Event) error {
	if err := b.verify.Check(e); err != nil {
		return err
	}
	return b.rng.Append(LeafHash(e), nil)
}

// Size is the number of events added.
func (b *RootBuilder) Size() uint64 { return b.rng.End() }

// Root is the root hash of the events added (RFC 6962).
func (b *RootBuilder) Root() ([]byte, error) {
	if b.rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	return b.rng.GetRootHash(nil)
}
