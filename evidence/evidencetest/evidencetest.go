// Package evidencetest is the contract every evidence.Store adapter keeps:
// Run puts an adapter through it, each case on a fresh, empty store.
package evidencetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxzy/ledger/evidence"
)

// Adapter is what Run needs of an adapter.
type Adapter struct {
	// New returns an empty store, removed when the test ends.
	New func(t *testing.T) evidence.Store
	// Tamper changes one byte of the stored file with this digest behind
	// the store's back, as a disk fault or an intruder would.
	Tamper func(t *testing.T, s evidence.Store, sha256 string)
	// Temporaries, if set, counts what uploads in progress have under
	// way and what interrupted ones left behind (temporary files,
	// temporary objects, unfinished multipart uploads): Run checks that
	// refused and failed uploads leave none, and that Walk never lists
	// an upload in progress.
	Temporaries func(t *testing.T, s evidence.Store) int
}

// SHA-256 test vectors (FIPS 180-2 appendix B.1 and the empty string).
const (
	ABC   = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Run runs the contract against the adapter.
func Run(t *testing.T, a Adapter) {
	cases := []struct {
		name string
		fn   func(t *testing.T, a Adapter)
	}{
		{"RoundTrip", roundTrip},
		{"EmptyFile", emptyFile},
		{"IdempotentPut", idempotentPut},
		{"DigestMismatchKeepsNothing", digestMismatch},
		{"LimitExceededKeepsNothing", tooLarge},
		{"NotFound", notFound},
		{"BadDigest", badDigest},
		{"TamperedIsRefused", tampered},
		{"Stat", stat},
		{"Delete", deleteIdempotent},
		{"WalkListsExactlyTheStoredFiles", walk},
		{"WalkNeverListsAnUploadInProgress", walkDuringUpload},
		{"FailingReaderLeavesNothing", failingReader},
		{"ConcurrentPutsOfTheSameBytes", concurrentPuts},
		{"ContextCancellation", cancellation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, a) })
	}
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func randomBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, s evidence.Store, b []byte) evidence.Info {
	t.Helper()
	info, err := s.Put(ctxT(t), bytes.NewReader(b), "", int64(len(b)))
	if err != nil {
		t.Fatalf("Put of %d bytes: %v", len(b), err)
	}
	if want := digest(b); info.SHA256 != want || info.Size != int64(len(b)) {
		t.Fatalf("Put = %+v, want %s of %d bytes", info, want, len(b))
	}
	return info
}

func read(t *testing.T, s evidence.Store, sum string) []byte {
	t.Helper()
	f, err := s.Open(ctxT(t), sum)
	if err != nil {
		t.Fatalf("Open %s: %v", sum, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", sum, err)
	}
	return b
}

// listed is what Walk lists, by digest.
func listed(t *testing.T, s evidence.Store) map[string]evidence.Info {
	t.Helper()
	m := map[string]evidence.Info{}
	err := s.Walk(ctxT(t), func(i evidence.Info) error {
		if _, dup := m[i.SHA256]; dup {
			t.Errorf("Walk listed %s twice", i.SHA256)
		}
		m[i.SHA256] = i
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return m
}

// keptNothing checks that the store holds exactly the files in want and
// that no upload left anything behind.
func keptNothing(t *testing.T, a Adapter, s evidence.Store, want ...string) {
	t.Helper()
	got := listed(t, s)
	if len(got) != len(want) {
		t.Errorf("Walk lists %d files, want %d (%v)", len(got), len(want), want)
	}
	for _, sum := range want {
		if _, ok := got[sum]; !ok {
			t.Errorf("Walk does not list %s", sum)
		}
	}
	if a.Temporaries != nil {
		if n := a.Temporaries(t, s); n != 0 {
			t.Errorf("%d temporaries left behind", n)
		}
	}
}

func mustNotFind(t *testing.T, s evidence.Store, sum string) {
	t.Helper()
	if _, err := s.Stat(ctxT(t), sum); !errors.Is(err, evidence.ErrNotFound) {
		t.Errorf("Stat %s: %v, want ErrNotFound", sum, err)
	}
	if _, err := s.Open(ctxT(t), sum); !errors.Is(err, evidence.ErrNotFound) {
		t.Errorf("Open %s: %v, want ErrNotFound", sum, err)
	}
}

func roundTrip(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	before := time.Now().Add(-time.Minute) // servers keep whole seconds, and clocks differ
	info, err := s.Put(ctx, strings.NewReader("abc"), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != ABC || info.Size != 3 {
		t.Fatalf("Put = %+v, want %s of 3 bytes", info, ABC)
	}
	if info.Stored.Before(before) || info.Stored.After(time.Now().Add(time.Minute)) {
		t.Errorf("Put says stored at %v, not about now", info.Stored)
	}
	f, err := s.Open(ctx, ABC)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Info(); got.SHA256 != ABC || got.Size != 3 || !got.Stored.Equal(info.Stored) {
		t.Errorf("Open's Info = %+v, Put's %+v", got, info)
	}
	if got, err := io.ReadAll(f); err != nil || string(got) != "abc" {
		t.Fatalf("read %q, %v", got, err)
	}
	if _, err := f.Seek(1, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(f); err != nil || string(got) != "bc" {
		t.Fatalf("read from 1: %q, %v", got, err)
	}
	// Larger than the read buffers, with the digest given and exactly the
	// limit.
	big := randomBytes(1, 3<<20+17)
	info, err = s.Put(ctx, bytes.NewReader(big), digest(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, s, info.SHA256), big) {
		t.Error("3 MiB read back differ")
	}
	keptNothing(t, a, s, ABC, digest(big))
}

func emptyFile(t *testing.T, a Adapter) {
	s := a.New(t)
	put(t, s, nil)
	if b := read(t, s, Empty); len(b) != 0 {
		t.Errorf("the empty file reads %d bytes", len(b))
	}
	keptNothing(t, a, s, Empty)
}

func idempotentPut(t *testing.T, a Adapter) {
	s := a.New(t)
	first := put(t, s, []byte("abc"))
	again, err := s.Put(ctxT(t), strings.NewReader("abc"), ABC, 10)
	if err != nil {
		t.Fatal(err)
	}
	// The same file: stored when its bytes were first written.
	if !(again.SHA256 == first.SHA256 && again.Size == first.Size && again.Stored.Equal(first.Stored)) {
		t.Errorf("second Put = %+v, first %+v", again, first)
	}
	if got := string(read(t, s, ABC)); got != "abc" {
		t.Errorf("read %q", got)
	}
	keptNothing(t, a, s, ABC)
}

func digestMismatch(t *testing.T, a Adapter) {
	s := a.New(t)
	_, err := s.Put(ctxT(t), strings.NewReader("abd"), ABC, 10)
	if !errors.Is(err, evidence.ErrDigestMismatch) {
		t.Fatalf("Put of other bytes than the digest expected: %v, want ErrDigestMismatch", err)
	}
	mustNotFind(t, s, ABC)
	mustNotFind(t, s, digest([]byte("abd")))
	keptNothing(t, a, s)
}

func tooLarge(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	if _, err := s.Put(ctx, strings.NewReader("abcd"), "", 3); !errors.Is(err, evidence.ErrTooLarge) {
		t.Errorf("Put of 4 bytes with a limit of 3: %v, want ErrTooLarge", err)
	}
	// Past the limit far into the stream, past what an adapter holds in
	// memory before it starts sending.
	big := randomBytes(2, 3<<20)
	if _, err := s.Put(ctx, bytes.NewReader(big), "", 2<<20); !errors.Is(err, evidence.ErrTooLarge) {
		t.Errorf("Put of 3 MiB with a limit of 2 MiB: %v, want ErrTooLarge", err)
	}
	if _, err := s.Put(ctx, strings.NewReader("x"), "", 0); !errors.Is(err, evidence.ErrTooLarge) {
		t.Errorf("Put of 1 byte with a limit of 0: %v, want ErrTooLarge", err)
	}
	mustNotFind(t, s, digest([]byte("abcd")))
	mustNotFind(t, s, digest(big))
	keptNothing(t, a, s)
	if _, err := s.Put(ctx, strings.NewReader("abc"), "", 3); err != nil {
		t.Errorf("Put of exactly the limit: %v", err)
	}
	keptNothing(t, a, s, ABC)
}

func notFound(t *testing.T, a Adapter) {
	s := a.New(t)
	mustNotFind(t, s, strings.Repeat("0", 64))
	put(t, s, []byte("abc"))
	mustNotFind(t, s, "ab"+ABC[2:62]+"00") // same folder, other name
}

func badDigest(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	put(t, s, []byte("abc"))
	for _, bad := range []string{"", "../../etc/passwd", strings.ToUpper(ABC), ABC[:63], ABC + "0", "../" + ABC[3:], ABC[:2] + "/" + ABC[3:], "zz" + ABC[2:]} {
		if _, err := s.Open(ctx, bad); !errors.Is(err, evidence.ErrBadDigest) {
			t.Errorf("Open(%q): %v, want ErrBadDigest", bad, err)
		}
		if _, err := s.Stat(ctx, bad); !errors.Is(err, evidence.ErrBadDigest) {
			t.Errorf("Stat(%q): %v, want ErrBadDigest", bad, err)
		}
		if err := s.Delete(ctx, bad); !errors.Is(err, evidence.ErrBadDigest) {
			t.Errorf("Delete(%q): %v, want ErrBadDigest", bad, err)
		}
		if bad == "" {
			continue // no digest expected: a valid Put
		}
		if _, err := s.Put(ctx, strings.NewReader("abd"), bad, 10); !errors.Is(err, evidence.ErrBadDigest) {
			t.Errorf("Put expecting %q: %v, want ErrBadDigest", bad, err)
		}
	}
	keptNothing(t, a, s, ABC)
}

func tampered(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	b := randomBytes(3, 4096)
	sum := put(t, s, b).SHA256
	put(t, s, []byte("abc"))
	a.Tamper(t, s, sum)
	for range 2 { // on every read, not only the first
		if f, err := s.Open(ctx, sum); !errors.Is(err, evidence.ErrTampered) {
			if err == nil {
				f.Close()
			}
			t.Fatalf("Open of a tampered file: %v, want ErrTampered", err)
		}
	}
	// Others are untouched.
	if got := string(read(t, s, ABC)); got != "abc" {
		t.Errorf("the other file reads %q", got)
	}
	// Uploading the right bytes again puts them back.
	if _, err := s.Put(ctx, bytes.NewReader(b), sum, int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, s, sum), b) {
		t.Error("after the right bytes were uploaded again, they read otherwise")
	}
	keptNothing(t, a, s, sum, ABC)
}

func stat(t *testing.T, a Adapter) {
	s := a.New(t)
	b := randomBytes(4, 70000)
	want := put(t, s, b)
	got, err := s.Stat(ctxT(t), want.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != want.SHA256 || got.Size != want.Size || !got.Stored.Equal(want.Stored) {
		t.Errorf("Stat = %+v, Put said %+v", got, want)
	}
}

func deleteIdempotent(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	put(t, s, []byte("abc"))
	other := put(t, s, []byte("abd")).SHA256
	for range 2 {
		if err := s.Delete(ctx, ABC); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	mustNotFind(t, s, ABC)
	if err := s.Delete(ctx, strings.Repeat("0", 64)); err != nil {
		t.Errorf("Delete of a file never stored: %v", err)
	}
	keptNothing(t, a, s, other)
	// Stored again after a delete.
	put(t, s, []byte("abc"))
	keptNothing(t, a, s, other, ABC)
}

func walk(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	if got := listed(t, s); len(got) != 0 {
		t.Fatalf("an empty store lists %d files", len(got))
	}
	want := map[string]int64{}
	for i := range 5 {
		b := randomBytes(uint64(10+i), 100*i+1)
		want[put(t, s, b).SHA256] = int64(len(b))
	}
	s.Put(ctx, strings.NewReader("refused"), ABC, 100)
	s.Put(ctx, strings.NewReader("too large"), "", 2)
	got := listed(t, s)
	if len(got) != len(want) {
		t.Errorf("Walk lists %d files, want %d", len(got), len(want))
	}
	for sum, size := range want {
		if got[sum].Size != size {
			t.Errorf("Walk: %s is %+v, want %d bytes", sum, got[sum], size)
		}
	}
	// An error from fn stops the walk and is returned.
	stop := errors.New("stop")
	calls := 0
	err := s.Walk(ctx, func(evidence.Info) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Walk with fn failing: %v after %d calls, want stop after 1", err, calls)
	}
	keptNothing(t, a, s, keys(want)...)
}

func keys(m map[string]int64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// walkDuringUpload holds an upload open halfway: Walk, Stat and Open do
// not see it; when its reader fails, nothing is left.
func walkDuringUpload(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	put(t, s, []byte("abc"))
	pr, pw := io.Pipe()
	b := randomBytes(5, 6<<20)
	done := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, pr, "", 1<<30)
		done <- err
	}()
	if _, err := pw.Write(b[:4<<20]); err != nil {
		t.Fatal(err)
	}
	if a.Temporaries != nil {
		// The adapter has begun writing somewhere.
		deadline := time.Now().Add(30 * time.Second)
		for a.Temporaries(t, s) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no temporary appeared while 4 MiB were uploaded")
			}
			runtime.Gosched()
		}
	}
	if got := listed(t, s); len(got) != 1 {
		t.Errorf("during an upload Walk lists %d files, want 1", len(got))
	}
	mustNotFind(t, s, digest(b))
	broken := errors.New("connection reset")
	pw.CloseWithError(broken)
	if err := <-done; !errors.Is(err, broken) {
		t.Fatalf("Put whose reader failed: %v, want %v", err, broken)
	}
	mustNotFind(t, s, digest(b))
	mustNotFind(t, s, digest(b[:4<<20]))
	keptNothing(t, a, s, ABC)
}

func failingReader(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	broken := errors.New("disk on fire")
	for _, n := range []int{0, 1000, 2<<20 + 5} {
		b := randomBytes(6, n)
		_, err := s.Put(ctx, io.MultiReader(bytes.NewReader(b), &failing{broken}), "", 1<<30)
		if !errors.Is(err, broken) {
			t.Errorf("Put whose reader failed after %d bytes: %v, want %v", n, err, broken)
		}
		mustNotFind(t, s, digest(b))
	}
	keptNothing(t, a, s)
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

func concurrentPuts(t *testing.T, a Adapter) {
	s := a.New(t)
	ctx := ctxT(t)
	b := randomBytes(7, 256<<10)
	sum := digest(b)
	var wg sync.WaitGroup
	errs := make(chan error, 9)
	for range 8 {
		wg.Go(func() {
			info, err := s.Put(ctx, bytes.NewReader(b), sum, int64(len(b)))
			if err == nil && (info.SHA256 != sum || info.Size != int64(len(b))) {
				err = fmt.Errorf("Put = %+v", info)
			}
			errs <- err
		})
	}
	// And different bytes at the same time.
	other := randomBytes(8, 1000)
	wg.Go(func() {
		_, err := s.Put(ctx, bytes.NewReader(other), "", 1000)
		errs <- err
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if !bytes.Equal(read(t, s, sum), b) {
		t.Error("the file put eight times at once reads otherwise")
	}
	keptNothing(t, a, s, sum, digest(other))
}

func cancellation(t *testing.T, a Adapter) {
	s := a.New(t)
	put(t, s, []byte("abc"))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(cancelled, strings.NewReader("abd"), "", 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: %v, want context.Canceled", err)
	}
	if f, err := s.Open(cancelled, ABC); !errors.Is(err, context.Canceled) {
		if err == nil {
			f.Close()
		}
		t.Errorf("Open with a cancelled context: %v, want context.Canceled", err)
	}
	if err := s.Walk(cancelled, func(evidence.Info) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk with a cancelled context: %v, want context.Canceled", err)
	}
	// Cancelled halfway through the bytes (a client gone mid-upload).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := randomBytes(9, 3<<20)
	r := &cancelAfter{r: bytes.NewReader(b), n: 2 << 20, cancel: cancel}
	if _, err := s.Put(ctx, r, "", 1<<30); !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled halfway: %v, want context.Canceled", err)
	}
	mustNotFind(t, s, digest(b))
	mustNotFind(t, s, digest([]byte("abd")))
	keptNothing(t, a, s, ABC)
	// An expired deadline is reported as such.
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := s.Stat(expired, ABC); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stat past its deadline: %v, want nil (no I/O to bound) or DeadlineExceeded", err)
	}
}

// cancelAfter cancels its context once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	k, err := c.r.Read(p[:min(len(p), max(c.n, 1))])
	c.n -= k
	return k, err
}
