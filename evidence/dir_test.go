package evidence_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cxzy/ledger/evidence"
	"github.com/cxzy/ledger/evidence/evidencetest"
)

func openDir(t *testing.T) (*evidence.Dir, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := evidence.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// TestDirContract runs the store contract against Dir; its tamper hook
// rewrites the file on disk with its first byte flipped, and what uploads
// leave behind is the content of DIR/tmp.
func TestDirContract(t *testing.T) {
	dirs := map[evidence.Store]string{}
	var mu sync.Mutex
	at := func(s evidence.Store) string {
		mu.Lock()
		defer mu.Unlock()
		return dirs[s]
	}
	evidencetest.Run(t, evidencetest.Adapter{
		New: func(t *testing.T) evidence.Store {
			s, dir := openDir(t)
			mu.Lock()
			dirs[s] = dir
			mu.Unlock()
			return s
		},
		Tamper: func(t *testing.T, s evidence.Store, sum string) {
			path := filepath.Join(at(s), sum[:2], sum)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[0] ^= 1
			if err := os.WriteFile(path, b, 0o640); err != nil {
				t.Fatal(err)
			}
		},
		Temporaries: func(t *testing.T, s evidence.Store) int {
			left, err := os.ReadDir(filepath.Join(at(s), "tmp"))
			if err != nil {
				t.Fatal(err)
			}
			return len(left)
		},
	})
}

// What a crash left in tmp is removed when the store is opened again.
func TestOpenDirRemovesLeftovers(t *testing.T) {
	_, dir := openDir(t)
	if err := os.WriteFile(filepath.Join(dir, "tmp", "upload-123"), []byte("half a fi"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.OpenDir(dir); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("%d temporary files left after reopening", len(left))
	}
}

const crashChildEnv = "LEDGER_EVIDENCE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	if endpoint := os.Getenv(s3CrashChildEnv); endpoint != "" {
		os.Exit(s3CrashChild(endpoint))
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
