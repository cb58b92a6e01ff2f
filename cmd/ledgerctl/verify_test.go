package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

func ledgerctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

// writeEvents appends 20 chained events, one of them carrying a marker
// a test can find in the file.
func writeEvents(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var head eventlog.StreamHead
	for i := range 20 {
		evs := eventlogtest.NewEvents(fmt.Sprint("cmd-", i), 1)
		evs[0].Payload = []byte(fmt.Sprintf(`{"text":"整改事项-%02d"}`, i))
		eventlog.Chain("rectification-1", head.Version, head.Hash, evs)
		if _, err := s.Append(context.Background(), "rectification-1", eventlog.Exact(head.Version), evs); err != nil {
			t.Fatal(err)
		}
		head = eventlog.StreamHead{Version: evs[0].Version, Hash: evs[0].Hash}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestVerifyCleanLog(t *testing.T) {
	dir := writeEvents(t)
	code, out, errOut := ledgerctl(t, "verify", "--data-dir", dir)
	if code != exitOK || !strings.Contains(out, "ok: 20 events in 1 streams") {
		t.Fatalf("verify = %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestVerifyNamesTamperedPosition(t *testing.T) {
	dir := writeEvents(t)
	path := filepath.Join(dir, embedded.FileName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	marker := []byte("整改事项-13")
	i := bytes.Index(raw, marker)
	if i < 0 {
		t.Fatal("marker not in the file")
	}
	raw[i+len(marker)-1] = '4' // one byte: 13 becomes 14
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := ledgerctl(t, "verify", "--data-dir", dir)
	if code != exitFail {
		t.Fatalf("verify exit = %d, want %d; stdout %q stderr %q", code, exitFail, out, errOut)
	}
	if !strings.Contains(out, "FAILED at position 14") || !strings.Contains(out, "hash") {
		t.Errorf("verify said %q, want it to name position 14 and the hash", out)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"unknown flag", []string{"verify", "--nope"}, exitUsage},
		{"missing data dir", []string{"verify", "--data-dir", "/nonexistent/ledger"}, exitFail},
		{"bad event store", []string{"verify", "--eventstore", "mysql://x"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := ledgerctl(t, tt.args...); code != tt.want {
				t.Errorf("exit = %d, want %d", code, tt.want)
			}
		})
	}
}
