package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

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
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"one byte of an event changed through the storage engine", func(t *testing.T, dir string) {
			db, err := pebble.Open(dir, &pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			key := binary.BigEndian.AppendUint64([]byte{'e'}, 14)
			v, closer, err := db.Get(key)
			if err != nil {
				t.Fatal(err)
			}
			v = bytes.Clone(v)
			closer.Close()
			marker := []byte("整改事项-13")
			i := bytes.Index(v, marker)
			if i < 0 {
				t.Fatal("marker not in event 14")
			}
			v[i+len(marker)-1] = '4' // one byte: 13 becomes 14
			if err := db.Set(key, v, pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, "FAILED at position 14 (stream rectification-1 version 14): content does not match its hash"},
		{"one byte flipped on disk", func(t *testing.T, dir string) {
			tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
			if len(tables) != 1 {
				t.Fatalf("want one table file, got %v", tables)
			}
			raw, err := os.ReadFile(tables[0])
			if err != nil {
				t.Fatal(err)
			}
			raw[40] ^= 1
			if err := os.WriteFile(tables[0], raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "FAILED at position 1: unreadable: pebble: file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeEvents(t)
			tt.tamper(t, dir)
			code, out, errOut := ledgerctl(t, "verify", "--data-dir", dir)
			if code != exitFail {
				t.Fatalf("verify exit = %d, want %d; stdout %q stderr %q", code, exitFail, out, errOut)
			}
			if !strings.Contains(out, tt.want) || !strings.Contains(out, "mismatch") && !strings.Contains(out, "hash") {
				t.Errorf("verify said %q, want %q", out, tt.want)
			}
		})
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
