package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

// acked is what a writer was told about one appended event.
type acked struct {
	pos  uint64
	hash eventlog.Hash
}

// TestSnapshotWhileAppending takes a snapshot while 8 writers append,
// restores it into a new directory and checks that the restored store
// verifies, ends at the manifest's head, holds every event acknowledged
// before Snapshot was called with its hash, and takes new appends that
// chain onto its head.
func TestSnapshotWhileAppending(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, t.TempDir())

	var (
		mu    sync.Mutex
		acks  = map[string]acked{} // by event id
		heads = map[string]eventlog.StreamHead{}
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, 8)
	)
	for w := range 8 {
		wg.Go(func() {
			stream := fmt.Sprintf("rectification-w%d", w)
			var head eventlog.StreamHead
			for i := 0; ; i++ {
				select {
				case <-stop:
					mu.Lock()
					heads[stream] = head
					mu.Unlock()
					return
				default:
				}
				evs := eventlogtest.NewEvents(fmt.Sprintf("w%d-cmd-%d", w, i), 1+i%3)
				eventlog.Chain(stream, head.Version, head.Hash, evs)
				res, err := s.Append(ctx, stream, eventlog.Exact(head.Version), evs)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for j, e := range evs {
					acks[e.ID] = acked{pos: res.Position.Commit - uint64(len(evs)-1-j), hash: e.Hash}
				}
				mu.Unlock()
				last := evs[len(evs)-1]
				head = eventlog.StreamHead{Version: last.Version, Hash: last.Hash}
			}
		})
	}

	// Let the writers get going, then take the snapshot in their midst.
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(acks) >= 2000 })
	mu.Lock()
	before := make(map[string]acked, len(acks))
	for id, a := range acks {
		before[id] = a
	}
	mu.Unlock()
	snap := filepath.Join(t.TempDir(), "snap")
	m, err := s.Snapshot(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	// Keep appending a little after the snapshot, so the live log moves on.
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(acks) >= len(before)+1000 })
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := s.Snapshot(ctx, snap); !errors.Is(err, embedded.ErrSnapshotExists) {
		t.Errorf("a second snapshot into the same dir: %v, want ErrSnapshotExists", err)
	}

	onDisk, err := embedded.ReadManifest(snap)
	if err != nil {
		t.Fatal(err)
	}
	if onDisk != m {
		t.Errorf("manifest on disk %+v, Snapshot answered %+v", onDisk, m)
	}
	live, _ := s.Head()
	if m.Head.Commit < uint64(len(before)) || !m.Head.Less(live) {
		t.Fatalf("manifest head %v: want at least the %d events acknowledged before, and before the live head %v", m.Head, len(before), live)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	m2, rep, err := embedded.Restore(ctx, snap, restored, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m2 != m || rep.Last != m.Head || rep.Chain != m.HeadHash || rep.Events != m.Head.Commit {
		t.Fatalf("restore report %+v, manifest %+v", rep, m)
	}
	r := mustOpen(t, restored)
	if h, _ := r.Head(); h != m.Head {
		t.Fatalf("restored head %v, manifest %v", h, m.Head)
	}
	held := map[string]eventlog.Event{}
	for after := eventlog.Start; ; {
		page, err := r.ReadAll(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			held[e.ID] = e
		}
		after = page[len(page)-1].Position
	}
	for id, a := range before {
		e, ok := held[id]
		if !ok {
			t.Fatalf("event %s acknowledged at %d before the snapshot is missing from it", id, a.pos)
		}
		if e.Hash != a.hash || e.Position.Commit != a.pos {
			t.Fatalf("event %s: restored at %d with hash %s, acknowledged at %d with %s", id, e.Position.Commit, e.Hash, a.pos, a.hash)
		}
	}

	// The restored store takes appends that chain onto its head: a stream
	// it holds continues from its restored version, and the global order
	// goes on from the manifest's head.
	var stream string
	var head eventlog.StreamHead
	for _, e := range held {
		if e.Position == m.Head {
			stream, head = e.Stream, eventlog.StreamHead{Version: e.Version, Hash: e.Hash}
		}
	}
	evs := eventlogtest.NewEvents("after-restore", 2)
	eventlog.Chain(stream, head.Version, head.Hash, evs)
	res, err := r.Append(ctx, stream, eventlog.Exact(head.Version), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Position.Commit != m.Head.Commit+2 || res.FirstVersion != head.Version+1 {
		t.Fatalf("append after restore landed at %+v; head was %v, stream version %d", res, m.Head, head.Version)
	}
	rep, err = r.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Last.Commit != m.Head.Commit+2 {
		t.Fatalf("verify after the new appends ends at %v", rep.Last)
	}
}

func TestRestoreRefusesNonEmptyDirAndBadSnapshot(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, t.TempDir())
	evs := eventlogtest.NewEvents("one", 3)
	eventlog.Chain("pledge-1", 0, eventlog.Hash{}, evs)
	if _, err := s.Append(ctx, "pledge-1", eventlog.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(t.TempDir(), "snap")
	m, err := s.Snapshot(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	if m.Head.Commit != 3 {
		t.Fatalf("head %v, want 3", m.Head)
	}

	busy := t.TempDir()
	if err := os.WriteFile(filepath.Join(busy, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := embedded.Restore(ctx, snap, busy, nil); err == nil {
		t.Error("restore into a non-empty dir succeeded")
	}

	// A manifest that claims more than the snapshot holds fails the check
	// against the verified copy, and leaves no data dir behind.
	m.Head = eventlog.Position{Commit: 4, Prepare: 4}
	forged := fmt.Sprintf(`{"format":1,"log_format":%q,"head":{"commit":4,"prepare":4},"head_hash":%q,"created_at":"2026-01-01T00:00:00Z"}`,
		m.LogFormat, m.HeadHash)
	if err := os.WriteFile(filepath.Join(snap, embedded.ManifestFile), []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "new")
	if _, _, err := embedded.Restore(ctx, snap, target, nil); err == nil {
		t.Fatal("restore against a forged manifest succeeded")
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed restore left %s behind: %v", target, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
