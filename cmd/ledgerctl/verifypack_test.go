package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/eventlog"
)

// reformat rewrites a JSON file as a person's tools would: indented by
// Go, and by jq when it is installed.
func reformat(t *testing.T, file []byte) map[string][]byte {
	t.Helper()
	var indented bytes.Buffer
	if err := json.Indent(&indented, file, "", "  "); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{"json.Indent": indented.Bytes()}
	if jq, err := exec.LookPath("jq"); err == nil {
		cmd := exec.Command(jq, ".")
		cmd.Stdin = bytes.NewReader(file)
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("jq: %v", err)
		}
		out["jq ."] = b
	} else {
		t.Log("jq is not installed (apt-get install jq): only json.Indent re-formats")
	}
	return out
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVerifyPackReformatted: verify-pack accepts a format 2 pack fetched
// from the API and then re-formatted; it accepts a format 1 pack as
// written, and of a re-formatted one says it was re-encoded, not that it
// was altered.
func TestVerifyPackReformatted(t *testing.T) {
	dir := t.TempDir()
	keyFile, pub := mustKeygen(t, dir)
	l := newSealedLedger(t, 1, 600, keyFile)
	stream := ""
	all, _ := l.log.ReadAll(context.Background(), eventlog.Start, 10000)
	for _, e := range all {
		if strings.HasPrefix(e.Stream, "rectification-") {
			stream = e.Stream
			break
		}
	}
	office, _ := api.HS256{Key: testSecret}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	pack := filepath.Join(dir, "pack.json")
	if code, out := ctl(t, map[string]string{"LEDGER_TOKEN": office}, "evidence", "--server", l.url, "--stream", stream, "--out", pack); code != exitOK {
		t.Fatalf("evidence: %d %s", code, out)
	}
	served, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(served, []byte(`"format":"cxzy-ledger-evidence/2"`)) {
		t.Fatalf("the API served %.200s..., want a format 2 pack", served)
	}
	v1 := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "seal", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v1Key := filepath.Join("..", "..", "seal", "testdata", "pack-v1.pub")
	if code, out := ctl(t, nil, "verify-pack", writeFile(t, dir, "v1.json", v1("pack-v1-stream.json")), "--key", v1Key); code != exitOK || !strings.Contains(out, "VERIFIED: every event of stream") {
		t.Errorf("verify-pack of a format 1 pack as written: %d %s", code, out)
	}
	for tool, reformatted := range reformat(t, served) {
		code, out := ctl(t, nil, "verify-pack", writeFile(t, dir, "v2-reformatted.json", reformatted), "--key", pub)
		if code != exitOK || !strings.Contains(out, "VERIFIED: every event of stream "+stream) {
			t.Errorf("verify-pack of a format 2 pack re-formatted by %s: %d %s", tool, code, out)
		}
	}
	for tool, reformatted := range reformat(t, v1("pack-v1-stream.json")) {
		code, out := ctl(t, nil, "verify-pack", writeFile(t, dir, "v1-reformatted.json", reformatted), "--key", v1Key)
		want := "NOT VERIFIED: evidence does not verify: event 1 (rectification-"
		if code != exitFail || !strings.Contains(out, want) ||
			!strings.Contains(out, "the file was re-encoded (JSON re-formatted), not necessarily tampered; ask for a /2 pack") || strings.Contains(out, "altered") {
			t.Errorf("verify-pack of a format 1 pack re-formatted by %s: %d %s; want exit 1 saying it was re-encoded", tool, code, out)
		}
	}
}
