package evidence_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxzy/ledger/evidence"
)

// sha256("abc"), FIPS 180-2 appendix B.1.
const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

func open(t *testing.T) (*evidence.Dir, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := evidence.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestPutOpen(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	info, err := s.Put(ctx, strings.NewReader("abc"), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != abc || info.Size != 3 {
		t.Fatalf("Put = %+v, want %s of 3 bytes", info, abc)
	}
	// The same bytes again, now with the digest expected: the same file.
	if again, err := s.Put(ctx, strings.NewReader("abc"), abc, 10); err != nil || again.SHA256 != abc {
		t.Fatalf("second Put = %+v, %v", again, err)
	}
	f, err := s.Open(ctx, abc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if string(got) != "abc" || f.Info().Size != 3 {
		t.Fatalf("Open read %q (%+v)", got, f.Info())
	}
	if _, err := s.Open(ctx, strings.Repeat("0", 64)); !errors.Is(err, evidence.ErrNotFound) {
		t.Errorf("Open of a digest never stored: %v, want ErrNotFound", err)
	}
	if _, err := s.Open(ctx, "../../etc/passwd"); !errors.Is(err, evidence.ErrBadDigest) {
		t.Errorf("Open of a path: %v, want ErrBadDigest", err)
	}
}

func TestPutRefusesAndKeepsNothing(t *testing.T) {
	ctx := context.Background()
	s, dir := open(t)
	if _, err := s.Put(ctx, strings.NewReader("abd"), abc, 10); !errors.Is(err, evidence.ErrDigestMismatch) {
		t.Errorf("Put with another digest expected: %v, want ErrDigestMismatch", err)
	}
	if _, err := s.Put(ctx, strings.NewReader("abcd"), "", 3); !errors.Is(err, evidence.ErrTooLarge) {
		t.Errorf("Put of 4 bytes with a limit of 3: %v, want ErrTooLarge", err)
	}
	if _, err := s.Put(ctx, strings.NewReader("abc"), "", 3); err != nil {
		t.Errorf("Put of exactly the limit: %v", err)
	}
	var stored []string
	s.Walk(ctx, func(i evidence.Info) error { stored = append(stored, i.SHA256); return nil })
	if len(stored) != 1 || stored[0] != abc {
		t.Errorf("stored %v, want only %s", stored, abc)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("refused uploads left %d temporary files", len(left))
	}
}

// A flipped byte in a stored file is refused on every read; uploading the
// right bytes again restores it.
func TestTamperedFileIsRefused(t *testing.T) {
	ctx := context.Background()
	s, dir := open(t)
	if _, err := s.Put(ctx, strings.NewReader("abc"), "", 10); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, abc[:2], abc)
	if err := os.WriteFile(path, []byte("abC"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, abc); !errors.Is(err, evidence.ErrTampered) {
		t.Fatalf("Open of a changed file: %v, want ErrTampered", err)
	}
	if _, err := s.Put(ctx, strings.NewReader("abc"), abc, 10); err != nil {
		t.Fatal(err)
	}
	if f, err := s.Open(ctx, abc); err != nil {
		t.Fatalf("after the right bytes were uploaded again: %v", err)
	} else {
		f.Close()
	}
}

const crashChildEnv = "LEDGER_EVIDENCE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashChild uploads files of 1 KB to 4 MB of random bytes without end,
// printing each digest once Put has returned (acknowledged).
func crashChild(dir string) int {
	s, err := evidence.OpenDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 7))
	for {
		b := make([]byte, 1024+rng.IntN(4<<20))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		info, err := s.Put(context.Background(), bytes.NewReader(b), "", 8<<20)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(out, info.SHA256)
		out.Flush()
	}
}

// TestUploadsSurviveKills kills an uploading process with SIGKILL at
// random points, twelve times, on one store: every acknowledged upload is
// there and intact, and no file under a digest's name is partial (each
// one hashes to its name).
func TestUploadsSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills an uploading child twelve times")
	}
	ctx := context.Background()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(11, 12))
	var acked []string
	for round := range 12 {
		killAfter := 1 + rng.IntN(6)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		for sc.Scan() {
			acked = append(acked, sc.Text())
			// Killed while it writes the next file: somewhere in its
			// bytes, its fsync or its rename.
			if n++; n == killAfter {
				cmd.Process.Kill()
			}
		}
		cmd.Wait()
		if n < killAfter {
			t.Fatalf("round %d: the child stopped by itself after %d uploads: %s", round, n, stderr.String())
		}
	}
	s, err := evidence.OpenDir(dir) // as a restarted ledgerd would
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range acked {
		f, err := s.Open(ctx, sum)
		if err != nil {
			t.Errorf("acknowledged upload %s: %v", sum, err)
			continue
		}
		f.Close()
	}
	stored := 0
	err = s.Walk(ctx, func(i evidence.Info) error {
		stored++
		b, err := os.ReadFile(filepath.Join(dir, i.SHA256[:2], i.SHA256))
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != i.SHA256 {
			t.Errorf("file %s holds %d bytes that hash to something else: a partial file", i.SHA256, len(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("%d temporary files left after reopening", len(left))
	}
	t.Logf("%d acknowledged uploads in 12 rounds, %d files stored", len(acked), stored)
}
