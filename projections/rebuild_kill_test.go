package projections_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// The kill test runs this binary again as a child that rebuilds every
// read model (and the tally) and prints a line after every page; the
// parent kills it with SIGKILL after a random number of pages, ten times,
// then lets a rebuild finish and reconciles every figure with the log.
const rebuildChildEnv = "LEDGER_REBUILD_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(rebuildChildEnv); v != "" {
		os.Exit(rebuildChild(v))
	}
	os.Exit(m.Run())
}

func rebuildChild(arg string) int {
	dir, db, _ := strings.Cut(arg, "|")
	log, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer log.Close()
	conn, err := chtest.Connect()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	reg := catalog.New()
	_, err = projections.Rebuild(context.Background(), conn, db, log, reg, append(projections.All(log, reg, domain.DefaultLocation()), &tally{}),
		func(pos eventlog.Position, n uint64) { fmt.Fprintln(out, pos.Commit); out.Flush() },
		projections.WithPageSize(100))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintln(out, "done")
	out.Flush()
	return 0
}

func TestRebuildSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a rebuilding child ten times")
	}
	// On the modern server (libchdb 26.7) a client killed in the middle of
	// an INSERT sometimes makes the whole server abort: its TCP handler
	// lets the "connection reset by peer" escape a thread (terminate
	// called for an uncaught exception; seen about once in three runs of
	// this test). So there the test has a server of its own, and starts it
	// again when it died: the rebuild must survive that too, and the
	// shared server, which the other tests use, never goes away.
	var srv *chtest.Server
	if chtest.Flavour() == "modern" {
		srv = chtest.StartServer(t)
		t.Setenv("LEDGER_TEST_CLICKHOUSE", srv.DSN()) // for chtest.Open and the children
	}
	conn, db := chtest.Open(t)
	dir := t.TempDir()
	log, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a bound, not a timing: a loaded machine (CI beside other work) takes over 2 minutes
	defer cancel()
	if _, err := demo.Seed(ctx, log, demo.Config{Seed: 2, Events: 3000, Until: domain.Date{Year: 2025, Month: 5, Day: 20}}); err != nil {
		t.Fatal(err)
	}
	head, _ := log.Head()
	log.Close() // the children open it

	rng := rand.New(rand.NewPCG(3, 4))
	pages := int(head.Commit / 100)
	for round := range 10 {
		killAfter := 1 + rng.IntN(pages)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), rebuildChildEnv+"="+dir+"|"+db)
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
			if n++; n == killAfter {
				cmd.Process.Kill()
			}
		}
		err = cmd.Wait()
		if srv != nil && serverDied(srv) {
			t.Logf("round %d: the modern server aborted (a client reset its connection mid-INSERT); starting it again", round)
			srv.Start()
			continue
		}
		if stderr.Len() > 0 && n < killAfter {
			t.Fatalf("round %d: child failed: %v\n%s", round, err, stderr.String())
		}
		t.Logf("round %d: killed after %d of about %d pages", round, n, pages)
	}
	if srv != nil { // the connection may have been to a server that aborted
		if conn, err = chtest.Connect(); err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}

	log, err = embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	reg := catalog.New()
	all := func() []projections.Model { return projections.All(log, reg, domain.DefaultLocation()) }
	pos, err := projections.Rebuild(ctx, conn, db, log, reg, append(all(), &tally{}), nil, projections.WithPageSize(100))
	if err != nil {
		t.Fatal(err)
	}
	if pos != head {
		t.Fatalf("rebuild reached %v, want %v", pos, head)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".seen"); got != head.Commit {
		t.Errorf("seen has %d rows, the log %d events", got, head.Commit)
	}
	if got := count(t, conn, "SELECT sum(events) FROM "+db+".per_stream FINAL"); got != head.Commit {
		t.Errorf("per-stream counts add up to %d, want %d", got, head.Commit)
	}
	if got := count(t, conn, "SELECT count() FROM (SELECT position FROM "+db+".seen GROUP BY position HAVING count() > 1)"); got != 0 {
		t.Errorf("%d positions written twice", got)
	}
	// Every figure of every read model, against the log.
	n, diffs, err := projections.Reconcile(ctx, conn, db, log, reg, all(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("figure %s: log %d, ClickHouse %d", d.Figure, d.Log, d.ClickHouse)
	}
	if n == 0 {
		t.Error("no figures reconciled")
	}
}

// serverDied tells whether the private server has ended, waiting (with a
// deadline) for a process that is still going down when its client saw
// the connection fail.
func serverDied(srv *chtest.Server) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !srv.Exited() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
