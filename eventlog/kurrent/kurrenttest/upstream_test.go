package kurrenttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// The v4 client's own stream tests, run against the double. They are not
// part of this repository: the test copies them from the module cache
// into a temporary module, with testdata/upstream/containers_test.go in
// place of the client's test-container helpers, and runs go test there.
// The temporary module needs testify and namegenerator, which it fetches
// through the Go module proxy if they are not in the module cache.
//
//	go test ./eventlog/kurrent/kurrenttest -run TestUpstreamClientSuite -v
//
// Skipped under -short, and when the module cache or the proxy cannot
// supply what it needs.

const clientModule = "github.com/EventStore/EventStore-Client-Go/v4"

// upstreamFiles are the client's test files that are copied: the stream
// tests and what they share.
var upstreamFiles = []string{"append_test.go", "read_stream_test.go", "read_all_test.go", "subscriptions_test.go", "connection_test.go"}

// expected is the outcome of every upstream test the copy runs, with the
// reason for each that does not pass. A test absent from here fails the
// run, so that a new or changed upstream test is looked at.
var expected = map[string]string{
	"TestStreams/AppendTests/appendToStreamSingleEventNoStream":                                       "pass",
	"TestStreams/AppendTests/appendWithInvalidStreamRevision":                                         "pass",
	"TestStreams/AppendTests/appendToSystemStreamWithIncorrectCredentials":                            "skip: upstream skips it on an insecure server; the double has no authentication",
	"TestStreams/AppendTests/metadataOperation":                                                       "pass",
	"TestStreams/ReadStreamTests/readStreamEventsForwardsFromZeroPosition":                            "pass",
	"TestStreams/ReadStreamTests/readStreamEventsBackwardsFromEndPosition":                            "pass",
	"TestStreams/ReadStreamTests/readStreamReturnsEOFAfterCompletion":                                 "pass",
	"TestStreams/ReadStreamTests/readStreamNotFound":                                                  "pass",
	"TestStreams/ReadStreamTests/readStreamWithMaxAge":                                                "pass",
	"TestStreams/ReadStreamTests/readStreamWithCredentialsOverride":                                   "skip: upstream skips it on an insecure server; the double has no authentication",
	"TestStreams/SubscriptionTests/streamSubscriptionDeliversAllEventsInStreamAndListensForNewEvents": "pass",
	"TestStreams/SubscriptionTests/allSubscriptionWithFilterDeliversCorrectEvents":                    "pass",
	"TestStreams/SubscriptionTests/subscriptionAllFilter":                                             "pass",
	"TestStreams/SubscriptionTests/connectionClosing":                                                 "pass",
	"TestStreams/SubscriptionTests/subscriptionAllWithCredentialsOverride":                            "pass",
	"TestStreams/SubscriptionTests/subscriptionToStreamCaughtUpMessage":                               "pass",
	"TestStreams/ConnectionTests/closeConnection":                                                     "pass",
	"TestExpectations/ReadAllTests/readAllEventsForwardsFromZeroPosition(":                            "pass",
	"TestExpectations/ReadAllTests/readAllEventsForwardsFromNonZeroPosition":                          "pass",
	"TestExpectations/ReadAllTests/readAllEventsBackwardsFromZeroPosition":                            "pass",
	"TestExpectations/ReadAllTests/readAllEventsBackwardsFromNonZeroPosition":                         "pass",
	"TestExpectations/ReadAllTests/readAllEventsWithCredentialsOverride":                              "pass",
}

func TestUpstreamClientSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the upstream client suite builds a module of its own (about a minute)")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	src, err := goCmd(t, goBin, ".", "list", "-m", "-f", "{{.Dir}}", clientModule)
	if err != nil || src == "" {
		t.Skipf("the client module's source is not in the module cache: %v", err)
	}
	version, err := goCmd(t, goBin, ".", "list", "-m", "-f", "{{.Version}}", clientModule)
	if err != nil {
		t.Skipf("client version: %v", err)
	}
	root, err := goCmd(t, goBin, ".", "list", "-m", "-f", "{{.Dir}}")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "esdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range upstreamFiles {
		copyFile(t, filepath.Join(src, "esdb", f), filepath.Join(dir, "esdb", f))
	}
	copyFile(t, filepath.Join("testdata", "upstream", "containers_test.go"), filepath.Join(dir, "esdb", "containers_test.go"))
	if err := os.CopyFS(filepath.Join(dir, "resources"), os.DirFS(filepath.Join(src, "resources"))); err != nil {
		t.Fatal(err)
	}
	gomod := fmt.Sprintf(`module upstreamsuite

go 1.24

require (
	%s %s
	github.com/cxzy/ledger v0.0.0
	github.com/goombaio/namegenerator v0.0.0-20181006234301-989e774b106e
	github.com/stretchr/testify v1.9.0
)

replace github.com/cxzy/ledger => %s
`, clientModule, version, root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := goCmd(t, goBin, dir, "mod", "tidy"); err != nil {
		t.Skipf("cannot resolve the suite's modules (no module proxy?): %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "test", "-count=1", "-json", "-timeout=4m", "./esdb")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	got := map[string]string{}
	var output = map[string]*strings.Builder{}
	for line := range bytes.Lines(out) {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(line, &ev) != nil || ev.Test == "" {
			continue
		}
		if output[ev.Test] == nil {
			output[ev.Test] = &strings.Builder{}
		}
		output[ev.Test].WriteString(ev.Output)
		if ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip" {
			got[ev.Test] = ev.Action
		}
	}
	if len(got) == 0 {
		t.Fatalf("the suite ran no test: %v\n%s\n%s", runErr, stderr.String(), out)
	}
	var names []string
	for name := range got {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.Count(name, "/") < 2 {
			continue // a group, not a test
		}
		want, ok := expected[name]
		t.Logf("%-4s %s", got[name], name)
		switch {
		case !ok:
			t.Errorf("%s: %s, and not in the expected table", name, got[name])
		case !strings.HasPrefix(want, got[name]):
			t.Errorf("%s: %s, want %s\n%s", name, got[name], want, output[name])
		}
	}
	for name := range expected {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: did not run", name)
		}
	}
	if runErr != nil && !t.Failed() {
		var exit *exec.ExitError
		if !errors.As(runErr, &exit) {
			t.Errorf("go test: %v\n%s", runErr, stderr.String())
		}
	}
}

func goCmd(t *testing.T, goBin, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
