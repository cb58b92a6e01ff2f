package evidence_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/evidence"
)

const s3CrashChildEnv = "LEDGER_EVIDENCE_S3_CRASH_CHILD"

// s3CrashChild uploads files of 1 KB to 12 MB of random bytes to the fake
// S3 at endpoint without end, printing "half" when half of a file's bytes
// have been read and its digest once Put has returned (acknowledged).
func s3CrashChild(endpoint string) int {
	pemBytes, err := os.ReadFile(os.Getenv(s3CrashChildEnv + "_CA"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ctx := context.Background()
	s, err := evidence.OpenS3(ctx, evidence.S3Config{
		Bucket: "evidence", Prefix: "ledger/", Endpoint: endpoint, Region: "us-east-1", Lookup: "path",
		PartSize: 5 << 20, AccessKey: "test-key", SecretKey: "test-secret",
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	var seed [32]byte
	seed[0] = byte(os.Getpid())
	seed[1] = byte(os.Getpid() >> 8)
	rng := rand.NewChaCha8(seed)
	sizes := rand.New(rng)
	for {
		b := make([]byte, 1024+sizes.IntN(12<<20))
		rng.Read(b)
		r := &halfMark{r: strings.NewReader(string(b)), half: len(b) / 2, out: out}
		info, err := s.Put(ctx, r, "", 16<<20)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(out, info.SHA256)
		out.Flush()
	}
}

// halfMark prints "half" once half of its bytes have been read.
type halfMark struct {
	r    io.Reader
	half int
	out  *bufio.Writer
}

func (h *halfMark) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.half > 0 && h.half <= n {
		fmt.Fprintln(h.out, "half")
		h.out.Flush()
	}
	h.half -= n
	return n, err
}

// TestS3UploadsSurviveKills kills a process uploading to the fake S3
// with SIGKILL, eight times, half of them halfway through a file's bytes
// (a multipart upload in flight) and half just after an acknowledged
// upload: every acknowledged upload is there and intact, every listed
// file hashes to its name, and CleanTemporary removes all the leftovers.
func TestS3UploadsSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills an uploading child eight times")
	}
	cfg, srv := startFakeS3(t, true)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(21, 22))
	var acked []string
	halfway := 0
	for round := range 8 {
		killAfter := 1 + rng.IntN(3)
		atHalf := round%2 == 0
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), s3CrashChildEnv+"="+cfg.Endpoint, s3CrashChildEnv+"_CA="+ca)
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
		n, halves := 0, 0
		for sc.Scan() {
			if sc.Text() == "half" {
				if halves++; atHalf && halves == killAfter {
					cmd.Process.Kill()
					halfway++
				}
				continue
			}
			acked = append(acked, sc.Text())
			if n++; !atHalf && n == killAfter {
				cmd.Process.Kill()
			}
		}
		cmd.Wait()
		if (atHalf && halves < killAfter) || (!atHalf && n < killAfter) {
			t.Fatalf("round %d: the child stopped by itself after %d uploads: %s", round, n, stderr.String())
		}
	}
	s := openS3(t, cfg) // as a restarted ledgerd would
	for _, sum := range acked {
		f, err := s.Open(ctx, sum)
		if err != nil {
			t.Errorf("acknowledged upload %s: %v", sum, err)
			continue
		}
		f.Close()
	}
	stored := 0
	err := s.Walk(ctx, func(i evidence.Info) error {
		stored++
		f, err := s.Open(ctx, i.SHA256) // re-hashes: a partial object would be ErrTampered
		if err != nil {
			t.Errorf("listed file %s: %v", i.SHA256, err)
			return nil
		}
		return f.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	left := temporaries(t, s)
	removed, err := s.CleanTemporary(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if removed != len(left) {
		t.Errorf("CleanTemporary removed %d of %v", removed, left)
	}
	if after := temporaries(t, s); len(after) != 0 {
		t.Errorf("after CleanTemporary: %v", after)
	}
	t.Logf("%d acknowledged uploads in 8 rounds (%d killed halfway through a file), %d files stored, %d leftovers cleaned: %v",
		len(acked), halfway, stored, removed, left)
}
