package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
)

// crashChildEnv, when set to a data directory, makes the test binary a
// ledgerd on 127.0.0.1:0 over it (no projector, no ClickHouse) that prints
// its address and serves until it is killed.
const crashChildEnv = "LEDGERD_EVIDENCE_CRASH_CHILD"

var crashSecret = strings.Repeat("k", 32)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

func crashChild(dir string) int {
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", dir,
		"--clickhouse", "clickhouse://127.0.0.1:1/ledger", "--projector=false", "--watcher=false", "--evidence-max-size", "8MiB"},
		func(k string) string {
			if k == "LEDGER_JWT_SECRET" {
				return crashSecret
			}
			return ""
		})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ADDR " + m.Addr())
	select {} // until SIGKILL
}

// seedUnit registers area a1 and unit u1 in the log at dir, so that a
// clerk of u1 can upload.
func seedUnit(t *testing.T, dir string) {
	t.Helper()
	log, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	h := command.NewHandler(log, catalog.New())
	ctx := context.Background()
	office := command.Command{ID: "seed-a1", Actor: domain.Actor{ID: "office-1"}}
	if _, err := command.Create(ctx, h, org.AreaStream("a1"), office, func(m domain.Meta) ([]domain.Event, error) {
		return org.NewArea("a1", org.RegisterArea{Name: "片区", Leader: "王伟"}, m)
	}); err != nil {
		t.Fatal(err)
	}
	kind, _ := org.ParseKind("district")
	office.ID = "seed-u1"
	if _, err := command.Create(ctx, h, org.UnitStream("u1"), office, func(m domain.Meta) ([]domain.Event, error) {
		return org.NewUnit("u1", org.RegisterUnit{Name: "区", Kind: kind}, nil, m)
	}); err != nil {
		t.Fatal(err)
	}
}

// child is one run of ledgerd in a process of its own.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			cmd.Wait()
			t.Fatalf("ledgerd did not start: %s", stderr.String())
		}
		c := &child{cmd: cmd, base: "http://" + a}
		c.waitReady(t)
		return c
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("ledgerd printed no address in 60 s: %s", stderr.String())
	}
	return nil
}

// waitReady polls /readyz until the evidence index has read the log.
func (c *child) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ready struct {
			Checks map[string]struct {
				OK bool `json:"ok"`
			} `json:"checks"`
		}
		if resp, err := http.Get(c.base + "/readyz"); err == nil {
			json.NewDecoder(resp.Body).Decode(&ready)
			resp.Body.Close()
			if ready.Checks["evidence_index"].OK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the evidence index did not become ready in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *child) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// TestEvidenceUploadsSurviveSIGKILL runs ledgerd in a child process
// receiving uploads from four clients and kills it with SIGKILL at a
// random moment, twelve times over one data directory. After every
// restart each upload that was answered 201 (or 200) is served whole and
// byte-identical to its uploader, and every upload cut short is either
// served whole or not at all (403: its upload was never recorded, so it
// is no one's) — never in part.
func TestEvidenceUploadsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a ledgerd twelve times")
	}
	const rounds = 12
	dir := filepath.Join(t.TempDir(), "log")
	seedUnit(t, dir)
	tok, err := api.HS256{Key: []byte(crashSecret)}.Mint(api.Principal{Subject: "clerk-u1", Roles: []api.Role{api.RoleClerk}, Units: []string{"u1"}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	var (
		mu      sync.Mutex
		acked   = map[string]int{} // digest -> size
		cut     = map[string]int{} // sent, not answered
		seed    uint64
		answers int
	)
	verify := func(c *child, round int) {
		t.Helper()
		for sum, size := range acked {
			status, body := getFile(t, c.base, tok, sum)
			if status != 200 || len(body) != size || digestOf(body) != sum {
				t.Errorf("round %d: acknowledged upload %s (%d bytes): %d with %d bytes hashing to %s", round, sum, size, status, len(body), digestOf(body))
			}
		}
		for sum, size := range cut {
			switch status, body := getFile(t, c.base, tok, sum); {
			case status == 200 && len(body) == size && digestOf(body) == sum:
				acked[sum] = size // recorded before the kill: it stays
				delete(cut, sum)
			case status == 403 || status == 404:
			default:
				t.Errorf("round %d: upload cut short %s: %d with %d bytes: partial or wrong bytes served", round, sum, status, len(body))
			}
		}
	}
	for round := range rounds {
		c := startChild(t, dir)
		verify(c, round)
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 4 {
			mu.Lock()
			seed++
			s := seed
			mu.Unlock()
			wg.Go(func() {
				r := rand.New(rand.NewPCG(s, uint64(round)))
				for ctx.Err() == nil {
					b := make([]byte, 1024+r.IntN(2<<20))
					for i := range b {
						b[i] = byte(r.Uint32())
					}
					copy(b, "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00")
					sum := digestOf(b)
					mu.Lock()
					cut[sum] = len(b)
					mu.Unlock()
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/evidence?unit=u1", bytes.NewReader(b))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Disposition", "attachment; filename*=UTF-8''%E7%85%A7%E7%89%87.jpg")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return // killed mid-request
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 201 && resp.StatusCode != 200 {
						t.Errorf("upload answered %d", resp.StatusCode)
						return
					}
					mu.Lock()
					delete(cut, sum)
					acked[sum] = len(b)
					answers++
					mu.Unlock()
				}
			})
		}
		// SIGKILL at a random moment: while bytes arrive, are synced,
		// renamed, recorded or answered.
		time.Sleep(time.Duration(100+rng.IntN(900)) * time.Millisecond)
		c.kill()
		stop()
		wg.Wait()
	}
	c := startChild(t, dir)
	defer c.kill()
	verify(c, rounds)
	// Nothing under a digest's name is partial, and a crash leaves no
	// temporary file once the store is opened again.
	store, err := evidence.OpenDir(dir + "-evidence")
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	store.Walk(context.Background(), func(i evidence.Info) error {
		stored++
		f, err := store.Open(context.Background(), i.SHA256)
		if err != nil {
			t.Errorf("stored file %s: %v", i.SHA256, err)
			return nil
		}
		return f.Close()
	})
	if answers < rounds {
		t.Errorf("only %d uploads answered in %d rounds: the kills came before any work", answers, rounds)
	}
	t.Logf("%d rounds: %d uploads acknowledged and served intact after every restart, %d cut short and not recorded, %d files stored",
		rounds, len(acked), len(cut), stored)
}

func getFile(t *testing.T, base, tok, sum string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/evidence/"+sum, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
