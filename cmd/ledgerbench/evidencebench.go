package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
)

// evidenceCmd measures evidence files over HTTP against cp on the same
// disk in the same run: files of 1 MB and 20 MB uploaded one after
// another (each one received, hashed, written, fsynced, renamed and
// recorded as an event), then downloaded (each one re-hashed before it is
// served), beside cp of the same files from and to the same directory
// tree; and the latency of 200 KB photos uploaded by 16 clients at once.
func evidenceCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ledgerbench evidence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("dir", "", "directory for the log, the store and the files (default: a new one under $TMPDIR); put it on the disk to measure")
	files1 := fs.Int("files-1mb", 40, "files of 1 MB")
	files20 := fs.Int("files-20mb", 8, "files of 20 MB")
	clients := fs.Int("clients", 16, "concurrent clients uploading 200 KB photos")
	photos := fs.Int("photos", 1600, "200 KB photos uploaded in all")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("", "ledgerbench-evidence")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitFail
		}
		defer os.RemoveAll(d)
		dir = d
	}
	b, err := newEvidenceBench(ctx, dir)
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench evidence: setup:", err)
		return exitFail
	}
	defer b.close()

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(stdout, "evidence files in %s (store %s)\n", dir, b.storeDir)
	fmt.Fprintln(tw, "files\tupload MB/s\tcp MB/s\tcp+fsync MB/s\tupload/cp\tupload/cp+fsync\tdownload MB/s\tcp out MB/s\tdownload/cp\t")
	for _, set := range []struct {
		n, size int
		label   string
	}{{*files1, 1 << 20, "1 MB"}, {*files20, 20 << 20, "20 MB"}} {
		r, err := b.throughput(ctx, set.n, set.size)
		if err != nil {
			fmt.Fprintln(stderr, "ledgerbench evidence:", err)
			return exitFail
		}
		fmt.Fprintf(tw, "%d × %s\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.0f\t%.0f\t%.2f\t\n", set.n, set.label,
			r.up, r.cp, r.cpSync, r.up/r.cp, r.up/r.cpSync, r.down, r.cpOut, r.down/r.cpOut)
	}
	tw.Flush()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	lat, elapsed, err := b.photos(ctx, *clients, *photos, 200<<10)
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench evidence:", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "  POST /v1/evidence, 200 KB photos, %d clients: %d uploads, %.0f/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		*clients, len(lat), float64(len(lat))/elapsed.Seconds(), ms(percentile(lat, 50)), ms(percentile(lat, 99)), ms(lat[len(lat)-1]))
	return exitOK
}

type evidenceBench struct {
	dir, storeDir string
	log           *embedded.Store
	hs            *http.Server
	base, tok     string
	client        *http.Client
	stop          context.CancelFunc
	seq           uint64
}

func newEvidenceBench(ctx context.Context, dir string) (*evidenceBench, error) {
	logDir := filepath.Join(dir, "log")
	log, err := embedded.Open(logDir, embedded.Options{})
	if err != nil {
		return nil, err
	}
	b := &evidenceBench{dir: dir, storeDir: logDir + "-evidence", log: log}
	h := command.NewHandler(log, catalog.New())
	if err := benchUnits(ctx, h); err != nil {
		log.Close()
		return nil, err
	}
	store, err := evidence.OpenDir(b.storeDir)
	if err != nil {
		log.Close()
		return nil, err
	}
	idx := evidence.NewIndex(log, catalog.New())
	bg, stop := context.WithCancel(context.Background())
	b.stop = stop
	go idx.Run(bg)
	for deadline := time.Now().Add(30 * time.Second); !idx.Ready(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.close()
			return nil, fmt.Errorf("the evidence index did not catch up")
		}
	}
	secret := []byte("ledgerbench-secret-of-32-bytes!!")
	ev := &api.Evidence{Store: store, Index: idx, Handler: h, Scope: api.Scope{Handler: h}, MaxSize: 50 << 20}
	srv := &api.Server{Evidence: ev, Verifier: api.HS256{Key: secret}, Registry: prometheus.NewRegistry()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.close()
		return nil, err
	}
	b.hs = &http.Server{Handler: srv.Handler()}
	go b.hs.Serve(ln)
	b.base = "http://" + ln.Addr().String()
	b.tok, _ = api.HS256{Key: secret}.Mint(api.Principal{Subject: "clerk-b1", Roles: []api.Role{api.RoleClerk}, Units: []string{"b1"}}, 2*time.Hour, time.Now())
	b.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return b, nil
}

func (b *evidenceBench) close() {
	if b.hs != nil {
		b.hs.Close()
	}
	if b.stop != nil {
		b.stop()
	}
	b.log.Close()
}

// file is n bytes of a JPEG-looking file, different every time.
func (b *evidenceBench) file(n int) []byte {
	b.seq++
	rng := rand.New(rand.NewPCG(b.seq, 99))
	p := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for k := range 8 {
			p[i+k] = byte(v >> (8 * k))
		}
	}
	copy(p, "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00")
	return p
}

type rates struct{ up, cp, cpSync, down, cpOut float64 }

// throughput writes n source files of size to disk, then times, over the
// same files: cp to a directory beside the store, cp with an fsync of
// each copy (what the store does before it answers), uploads (the file
// read from disk as the body), downloads (to nowhere) and cp of the
// stored files out.
func (b *evidenceBench) throughput(ctx context.Context, n, size int) (rates, error) {
	src := filepath.Join(b.dir, fmt.Sprintf("src-%d", size))
	dst := filepath.Join(b.dir, fmt.Sprintf("cp-%d", size))
	dstSync := filepath.Join(b.dir, fmt.Sprintf("cpsync-%d", size))
	out := filepath.Join(b.dir, fmt.Sprintf("out-%d", size))
	for _, d := range []string{src, dst, dstSync, out} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return rates{}, err
		}
	}
	var names []string
	for i := range n {
		name := filepath.Join(src, fmt.Sprintf("f%03d.jpg", i))
		if err := os.WriteFile(name, b.file(size), 0o640); err != nil {
			return rates{}, err
		}
		names = append(names, name)
	}
	total := float64(n*size) / 1e6 // MB
	timed := func(f func() error) (float64, error) {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		return total / time.Since(start).Seconds(), nil
	}
	var r rates
	var err error
	if r.cp, err = timed(func() error {
		for _, name := range names {
			if err := exec.CommandContext(ctx, "cp", name, dst).Run(); err != nil {
				return fmt.Errorf("cp: %w", err)
			}
		}
		return nil
	}); err != nil {
		return r, err
	}
	if r.cpSync, err = timed(func() error {
		for _, name := range names {
			copied := filepath.Join(dstSync, filepath.Base(name))
			if err := exec.CommandContext(ctx, "cp", name, dstSync).Run(); err != nil {
				return fmt.Errorf("cp: %w", err)
			}
			if err := exec.CommandContext(ctx, "sync", copied).Run(); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
		}
		return nil
	}); err != nil {
		return r, err
	}
	var sums []string
	if r.up, err = timed(func() error {
		for _, name := range names {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			st, _ := f.Stat()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/v1/evidence?unit=b1", f)
			req.ContentLength = st.Size()
			req.Header.Set("Authorization", "Bearer "+b.tok)
			req.Header.Set("Content-Disposition", "attachment; filename="+filepath.Base(name))
			var ref struct {
				SHA256 string `json:"sha256"`
			}
			err = b.do(req, http.StatusCreated, &ref)
			f.Close()
			if err != nil {
				return err
			}
			sums = append(sums, ref.SHA256)
		}
		return nil
	}); err != nil {
		return r, err
	}
	if r.down, err = timed(func() error {
		for _, sum := range sums {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/v1/evidence/"+sum, nil)
			req.Header.Set("Authorization", "Bearer "+b.tok)
			if err := b.do(req, http.StatusOK, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return r, err
	}
	r.cpOut, err = timed(func() error {
		for _, sum := range sums {
			if err := exec.CommandContext(ctx, "cp", filepath.Join(b.storeDir, sum[:2], sum), out).Run(); err != nil {
				return fmt.Errorf("cp: %w", err)
			}
		}
		return nil
	})
	return r, err
}

// do sends req and reads the answer, decoding it into v if given.
func (b *evidenceBench) do(req *http.Request, want int, v any) error {
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		raw, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	if v == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return jsonDecode(resp.Body, v)
}

// photos uploads total distinct photos of size from clients at once and
// returns each upload's latency, sorted, and the time it all took.
func (b *evidenceBench) photos(ctx context.Context, clients, total, size int) ([]time.Duration, time.Duration, error) {
	bodies := make([][]byte, total)
	for i := range bodies {
		bodies[i] = b.file(size)
	}
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs []error
		next int
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= total {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/v1/evidence?unit=b1", bytesReader(bodies[i]))
				req.Header.Set("Authorization", "Bearer "+b.tok)
				req.Header.Set("Content-Disposition", fmt.Sprintf("attachment; filename=photo-%d.jpg", i))
				t0 := time.Now()
				err := b.do(req, http.StatusCreated, nil)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(errs) > 0 {
		return nil, 0, fmt.Errorf("%d of %d uploads failed, first: %w", len(errs), total, errs[0])
	}
	slices.Sort(lat)
	return lat, elapsed, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
