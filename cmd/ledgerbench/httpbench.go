package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
)

// httpCmd measures commands over HTTP: clients POST pledges (each a new
// stream, through authentication, scope checks against the log, the write
// path and fsync) for a while, and one reader fetches audit history
// meanwhile.
func httpCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ledgerbench http", flag.ContinueOnError)
	fs.SetOutput(stderr)
	clients := fs.Int("clients", 32, "concurrent HTTP clients")
	duration := fs.Duration("duration", 10*time.Second, "how long the clients send")
	dsn := fs.String("clickhouse", "", "also project into this ClickHouse (its database is dropped) and time dashboard reads under the load")
	seed := fs.Int("seed", 60000, "with --clickhouse: demo events written (and projected) before the load starts")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	dir, err := os.MkdirTemp("", "ledgerbench-http")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	defer os.RemoveAll(dir)
	log, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	defer log.Close()
	h := command.NewHandler(log, catalog.New())
	var views *api.Reads
	if *dsn != "" {
		var stop func()
		if views, stop, err = benchViews(ctx, log, *dsn, *seed, stderr); err != nil {
			fmt.Fprintln(stderr, "ledgerbench http: views:", err)
			return exitFail
		}
		defer stop()
	}
	if err := benchUnits(ctx, h); err != nil {
		fmt.Fprintln(stderr, "ledgerbench http: setup:", err)
		return exitFail
	}
	secret := []byte("ledgerbench-secret-of-32-bytes!!")
	srv := &api.Server{
		Commands: &api.Commands{Handler: h, Scope: api.Scope{Handler: h}},
		History:  &api.History{Log: log, Scope: api.Scope{Handler: h}},
		Reads:    views,
		Verifier: api.HS256{Key: secret},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	tok, _ := api.HS256{Key: secret}.Mint(api.Principal{Subject: "clerk-b1", Roles: []api.Role{api.RoleClerk}, Units: []string{"b1"}}, time.Hour, time.Now())
	reader, _ := api.HS256{Key: secret}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients + 4}}
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	body := []byte(`{"maker":"unit","unit":"b1","quarter":"` + quarter + `","category":"service_for_masses","title":"为群众办实事好事十件","content":"本季度为辖区困难群众办实事好事十件，建立台账，逐件销号，接受群众监督。"}`)

	fmt.Fprintf(stderr, "%d clients posting pledges for %s\n", *clients, *duration)
	deadline := time.Now().Add(*duration)
	var (
		mu       sync.Mutex
		writes   []time.Duration
		reads    []time.Duration
		failures atomic.Int64
		n        atomic.Int64
		wg       sync.WaitGroup
		lastID   atomic.Value
	)
	post := func(i int64) (time.Duration, string, error) {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/pledges", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Idempotency-Key", fmt.Sprint("bench-", i))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return 0, "", fmt.Errorf("status %d: %s", resp.StatusCode, raw)
		}
		return time.Since(start), string(raw), nil
	}
	for range *clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				d, raw, err := post(n.Add(1))
				if err != nil {
					failures.Add(1)
					continue
				}
				mine = append(mine, d)
				lastID.Store(raw)
			}
			mu.Lock()
			writes = append(writes, mine...)
			mu.Unlock()
		})
	}
	wg.Go(func() { // one reader of audit history under the write load
		for time.Now().Before(deadline) {
			v, _ := lastID.Load().(string)
			stream := streamOf(v)
			if stream == "" {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if d, ok := timedGet(client, base+"/v1/history/"+stream, reader); ok {
				reads = append(reads, d)
			}
		}
	})
	viewTimes := map[string][]time.Duration{}
	if views != nil {
		wg.Go(func() { // one dashboard reader cycling through the views
			for i := 0; time.Now().Before(deadline); i++ {
				v := benchViewPaths[i%len(benchViewPaths)]
				if d, ok := timedGet(client, base+v, reader); ok {
					viewTimes[v] = append(viewTimes[v], d)
				} else {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(writes)
	slices.Sort(reads)
	q := func(d []time.Duration, p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[int(float64(len(d)-1)*p)].Microseconds()) / 1000
	}
	fmt.Fprintf(stdout, "HTTP commands: %d clients, %s, fsync on, embedded log\n", *clients, *duration)
	fmt.Fprintf(stdout, "  POST /v1/pledges: %d accepted (%d failed), %.0f commands/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		len(writes), failures.Load(), float64(len(writes))/duration.Seconds(), q(writes, 0.5), q(writes, 0.99), q(writes, 1))
	fmt.Fprintf(stdout, "  GET /v1/history/{stream} under that load: %d reads, p50 %.2f ms, p95 %.2f ms\n", len(reads), q(reads, 0.5), q(reads, 0.95))
	for _, v := range benchViewPaths {
		if d := viewTimes[v]; len(d) > 0 {
			slices.Sort(d)
			fmt.Fprintf(stdout, "  GET %s under that load: %d reads, p50 %.2f ms, p95 %.2f ms\n", v, len(d), q(d, 0.5), q(d, 0.95))
		}
	}
	if failures.Load() > 0 {
		return exitFail
	}
	return exitOK
}

// timedGet reads a URL with a bearer token and says how long the answer
// took, and whether it was 200.
func timedGet(client *http.Client, url, token string) (time.Duration, bool) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), resp.StatusCode == http.StatusOK
}

// benchViewPaths are the dashboard reads timed under the write load.
var benchViewPaths = []string{
	"/v1/views/rectifications?colour=red,yellow",
	"/v1/views/rectifications/summary",
	"/v1/views/groups/g1",
	"/v1/views/pledges?state=fulfilled",
	"/v1/views/trends?grain=quarter",
	"/v1/views/totals",
}

// benchViews seeds the demo district into the log, projects it into a
// fresh database and keeps a projector following the log, so the views
// are read while the commands under test are projected.
func benchViews(ctx context.Context, log *embedded.Store, dsn string, seed int, stderr io.Writer) (*api.Reads, func(), error) {
	fmt.Fprintf(stderr, "seeding %d demo events\n", seed)
	if _, err := demo.Seed(ctx, log, demo.Config{Seed: 1, Events: seed, Until: domain.DateIn(time.Now(), domain.DefaultLocation())}); err != nil {
		return nil, nil, err
	}
	conn, db, err := projections.Connect(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return nil, nil, err
	}
	reg, loc := catalog.New(), domain.DefaultLocation()
	p := projections.NewProjector(conn, db, log, reg, projections.All(log, reg, loc), projections.WithLogger(slog.New(slog.DiscardHandler)))
	fmt.Fprintln(stderr, "projecting them")
	if _, err := p.Start(ctx); err != nil {
		return nil, nil, err
	}
	if _, err := p.CatchUp(ctx); err != nil {
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx) }()
	stop := func() { cancel(); <-done; conn.Close() }
	return &api.Reads{Conn: conn, DB: db, Loc: loc, Position: func(context.Context) (uint64, error) { return p.Position(), nil }}, stop, nil
}

// streamOf picks the stream out of an Accepted answer.
func streamOf(raw string) string {
	const key = `"stream":"`
	i := bytes.Index([]byte(raw), []byte(key))
	if i < 0 {
		return ""
	}
	rest := raw[i+len(key):]
	j := bytes.IndexByte([]byte(rest), '"')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// benchUnits registers the units the benchmark's clerk works in.
func benchUnits(ctx context.Context, h *command.Handler) error {
	office := command.Command{Actor: domain.Actor{ID: "office-1"}}
	steps := []struct {
		id, parent, area string
		kind             org.Kind
	}{{"b0", "", "", kind("district")}, {"b00", "b0", "ba", kind("street")}, {"b1", "b00", "ba", kind("branch")}}
	c := office
	c.ID = "bench-area"
	if _, err := command.Create(ctx, h, org.AreaStream("ba"), c, func(m domain.Meta) ([]domain.Event, error) {
		return org.NewArea("ba", org.RegisterArea{Name: "测试片区", Leader: "王伟"}, m)
	}); err != nil {
		return err
	}
	for _, u := range steps {
		var parent *org.Unit
		if u.parent != "" {
			p, err := command.Load(ctx, h, org.UnitStream(u.parent), &org.Unit{})
			if err != nil {
				return err
			}
			parent = p
		}
		c := office
		c.ID = "bench-unit-" + u.id
		if _, err := command.Create(ctx, h, org.UnitStream(u.id), c, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewUnit(u.id, org.RegisterUnit{Name: "单位" + u.id, Kind: u.kind, ParentID: u.parent, AreaID: u.area}, parent, m)
		}); err != nil {
			return err
		}
	}
	return nil
}

func kind(s string) org.Kind {
	k, err := org.ParseKind(s)
	if err != nil {
		panic(err)
	}
	return k
}
