package embedded_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

// The crash test runs this test binary again as a child that appends from
// many goroutines and reports every acknowledged append on stdout; the
// parent kills it with SIGKILL at a random moment, reopens the log and
// checks that every acknowledged event is there, intact, and that the
// log verifies.
const crashChildEnv = "LEDGER_CRASH_CHILD_DIR"

type ack struct {
	Stream  string        `json:"stream"`
	Version uint64        `json:"version"`
	ID      string        `json:"id"`
	Hash    eventlog.Hash `json:"hash"`
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir, os.Getenv("LEDGER_CRASH_CHILD_ROUND"))
		return
	}
	os.Exit(m.Run())
}

// crashChild appends until it is killed. Half the writers race for a few
// shared streams (so conflicts and retries happen), the others own a
// stream each; appends carry one to three events.
func crashChild(dir, round string) {
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for i := 0; ; i++ {
				stream := fmt.Sprintf("own-%d", w)
				if w%2 == 0 {
					stream = fmt.Sprintf("shared-%d", w%3)
				}
				var head eventlog.StreamHead
				last, err := s.ReadStream(ctx, stream, 0, eventlog.Backwards, 1)
				if err == nil {
					head = eventlog.StreamHead{Version: last[0].Version, Hash: last[0].Hash}
				} else if !errors.Is(err, eventlog.ErrStreamNotFound) {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				evs := eventlogtest.NewEvents(fmt.Sprintf("r%s-w%d-%d", round, w, i), 1+i%3)
				eventlog.Chain(stream, head.Version, head.Hash, evs)
				_, err = s.Append(ctx, stream, eventlog.Exact(head.Version), evs)
				var conflict *eventlog.ConflictError
				if errors.As(err, &conflict) {
					continue
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				for _, e := range evs {
					b, _ := json.Marshal(ack{e.Stream, e.Version, e.ID, e.Hash})
					out.Write(append(b, '\n'))
				}
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-runs the binary 20 times")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	acked := map[string]ack{}
	const rounds = 20
	for round := range rounds {
		// Kill after a random number of acknowledged events: the moment
		// of the kill varies from round to round, with no sleep.
		killAfter := 1 + rng.IntN(3000)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprintf("LEDGER_CRASH_CHILD_ROUND=%d", round))
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
			var a ack
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				continue // a line cut short by the kill
			}
			acked[a.ID] = a
			if n++; n == killAfter {
				cmd.Process.Kill()
			}
		}
		err = cmd.Wait()
		if n < killAfter {
			t.Fatalf("round %d: child ended by itself after %d acks: %v\n%s", round, n, err, stderr.String())
		}

		rep, err := embedded.Verify(context.Background(), dir, nil)
		if err != nil {
			t.Fatalf("round %d: verify after the kill: %v", round, err)
		}
		checkAcked(t, dir, acked)
		t.Logf("round %d: killed after %d acks; log holds %d events in %d streams", round, n, rep.Events, rep.Streams)
	}
}

// checkAcked reopens the log and finds every acknowledged event at its
// version with its hash; it also checks that appends are whole: every
// command's events are all there or none are.
func checkAcked(t *testing.T, dir string, acked map[string]ack) {
	t.Helper()
	s := mustOpen(t, dir)
	defer s.Close()
	byID := map[string]eventlog.Event{}
	perCommand := map[string]int{}
	after := eventlog.Start
	for {
		page, err := s.ReadAll(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			byID[e.ID] = e
			perCommand[e.CommandID]++
			after = e.Position
		}
	}
	for id, a := range acked {
		e, ok := byID[id]
		if !ok {
			t.Fatalf("acknowledged event %s (%s v%d) is missing", id, a.Stream, a.Version)
		}
		if e.Stream != a.Stream || e.Version != a.Version || e.Hash != a.Hash {
			t.Fatalf("acknowledged event %s is %s v%d %s, want %s v%d %s", id, e.Stream, e.Version, e.Hash, a.Stream, a.Version, a.Hash)
		}
	}
	for cmd, n := range perCommand {
		var i int
		fmt.Sscanf(cmd[strings.LastIndexByte(cmd, '-')+1:], "%d", &i)
		if want := 1 + i%3; n != want {
			t.Fatalf("command %s has %d events, its append had %d: a partial append survived", cmd, n, want)
		}
	}
}
