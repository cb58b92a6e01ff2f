package seal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
	"github.com/cxzy/ledger/seal/sealtest"
)

// reencodedReason is what the verifier must say of a format 1 pack whose
// payload bytes a re-formatter changed without changing their meaning
// (issue 10, row 10).
const reencodedReason = "the file was re-encoded (JSON re-formatted), not necessarily tampered; ask for a /2 pack"

// reformatters rewrite a pack file as tools people use on JSON do: the
// same document, other bytes.
func reformatters(t *testing.T) []struct {
	name   string
	format func(t *testing.T, file []byte) []byte
} {
	t.Helper()
	return []struct {
		name   string
		format func(t *testing.T, file []byte) []byte
	}{
		{"json.Indent", func(t *testing.T, file []byte) []byte { return sealtest.Indent(t, file) }},
		{"indented, every non-ASCII character escaped (Python's json.tool)", func(t *testing.T, file []byte) []byte {
			var out bytes.Buffer
			if err := json.Indent(&out, file, "", "  "); err != nil {
				t.Fatal(err)
			}
			return sealtest.ASCIIOnly(out.Bytes())
		}},
		{"jq .", func(t *testing.T, file []byte) []byte {
			jq, err := exec.LookPath("jq")
			if err != nil {
				t.Skip("jq is not installed (apt-get install jq)")
			}
			cmd := exec.Command(jq, ".")
			cmd.Stdin = bytes.NewReader(file)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("jq: %v", err)
			}
			return out
		}},
	}
}

// readPack decodes a pack file as ledgerctl verify-pack does.
func readPack(t *testing.T, file []byte) seal.Pack {
	t.Helper()
	p, err := seal.ReadPack(file)
	if err != nil {
		t.Fatalf("the file is no longer a pack: %v", err)
	}
	return p
}

// packWithEscapes builds a pack whose payloads hold text that Go's
// encoder escapes (<, >, &) and Chinese, which re-formatters write in
// other ways.
func packWithEscapes(t *testing.T) (*ledger, []byte) {
	t.Helper()
	l := newLedger(t, 600)
	for _, a := range []struct{ id, name string }{{"esc1", "片区<一> & 二"}, {"esc2", "东片区 😀"}} {
		l.st.AddArea(t, a.id, a.name)
	}
	cp := l.seal(t)
	_, events := l.stream(t)
	for _, id := range []string{"esc1", "esc2"} {
		evs, err := l.log.ReadStream(context.Background(), org.AreaStream(id), 1, eventlog.Forwards, 10)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, evs...)
	}
	file := l.st.Pack(t, cp, "a rectification and two areas", "", events, nil)
	if !bytes.Contains(file, []byte(`\u003c`)) {
		t.Fatal("the pack holds no escaped text; the test would prove nothing")
	}
	return l, file
}

// TestReformattedPackVerifies: a genuine pack, re-formatted, still
// verifies, whatever tool re-formatted it.
func TestReformattedPackVerifies(t *testing.T) {
	l, file := packWithEscapes(t)
	if _, err := seal.VerifyPack(readPack(t, file), l.trusted, nil); err != nil {
		t.Fatalf("the pack as served: %v", err)
	}
	for _, rf := range reformatters(t) {
		t.Run(rf.name, func(t *testing.T) {
			reformatted := rf.format(t, file)
			if bytes.Equal(reformatted, file) {
				t.Fatal("the re-formatter changed nothing; the test would prove nothing")
			}
			if _, err := seal.VerifyPack(readPack(t, reformatted), l.trusted, nil); err != nil {
				t.Errorf("re-formatted by %s: %v, want it to verify", rf.name, err)
			}
		})
	}
}

// TestReformattedPackChangedFails: in a re-formatted pack, a changed
// payload byte still fails, whether it is changed in the readable
// payload, in the exact bytes, or in both alike.
func TestReformattedPackChangedFails(t *testing.T) {
	l, file := packWithEscapes(t)
	// change renames the area in a payload; the readable payload may be
	// escaped by the re-formatter, so it is changed in meaning, the exact
	// bytes byte for byte.
	change := func(b []byte) []byte {
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil || v["name"] != "东片区 😀" {
			t.Fatalf("payload %s (%v), want the area 东片区", b, err)
		}
		if bytes.Contains(b, []byte("东片区")) {
			return bytes.Replace(b, []byte("东片区"), []byte("西片区"), 1)
		}
		v["name"] = "西片区 😀"
		return sealtest.Marshal(t, v)
	}
	tests := []struct {
		name   string
		alter  func(p *seal.Pack)
		reason string
	}{
		{"the readable payload", func(p *seal.Pack) {
			e := &p.Events[len(p.Events)-1]
			e.Event.Payload = change(e.Event.Payload)
		}, "its readable payload says something other"},
		{"the exact bytes (payload_base64)", func(p *seal.Pack) {
			e := &p.Events[len(p.Events)-1]
			e.Payload = change(e.Payload)
		}, "its readable payload says something other"},
		{"both alike", func(p *seal.Pack) {
			e := &p.Events[len(p.Events)-1]
			e.Event.Payload, e.Payload = change(e.Event.Payload), change(e.Payload)
		}, "its content does not match its hash: it was altered"},
		{"one byte of the exact bytes, the readable one left", func(p *seal.Pack) {
			e := &p.Events[len(p.Events)-1]
			i := bytes.LastIndexByte(e.Payload, '}')
			e.Payload = append(append(append([]byte(nil), e.Payload[:i]...), ' '), e.Payload[i:]...) // the same JSON, another byte string
		}, "its content does not match its hash: it was altered"},
	}
	for _, rf := range reformatters(t) {
		for _, tt := range tests {
			t.Run(rf.name+"/"+tt.name, func(t *testing.T) {
				p := readPack(t, rf.format(t, file))
				tt.alter(&p)
				_, err := seal.VerifyPack(readPack(t, sealtest.Marshal(t, p)), l.trusted, nil)
				if !seal.IsVerificationError(err) || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("verify = %v, want a verification error saying %q", err, tt.reason)
				}
			})
		}
	}
}

// The format 1 packs in testdata were written by the ledger before format
// 2 (one whole rectification stream; two area events, one of whose names
// Go's encoder escapes), with the key in pack-v1.pub.
func v1Fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func v1Trusted(t *testing.T) *ledger {
	t.Helper()
	trusted, _, err := seal.Verifiers(strings.TrimSpace(string(v1Fixture(t, "pack-v1.pub"))))
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{trusted: trusted}
}

// TestFormat1Packs: a format 1 pack still verifies; re-formatted, it fails
// with the reason that says it was re-encoded rather than altered; changed
// in meaning, it fails as altered, re-formatted or not.
func TestFormat1Packs(t *testing.T) {
	l := v1Trusted(t)
	for _, name := range []string{"pack-v1-stream.json", "pack-v1-areas.json"} {
		t.Run(name, func(t *testing.T) {
			file := v1Fixture(t, name)
			if p := readPack(t, file); p.Format != seal.PackFormatV1 {
				t.Fatalf("fixture format %q, want %q", p.Format, seal.PackFormatV1)
			}
			if _, err := seal.VerifyPack(readPack(t, file), l.trusted, nil); err != nil {
				t.Fatalf("the format 1 pack as written: %v", err)
			}
			changed := bytes.Replace(file, []byte(`"actor":"`), []byte(`"actor":"x`), 1)
			if bytes.Equal(changed, file) {
				t.Fatal("nothing to change")
			}
			changedPayload := changed
			if i := bytes.Index(file, []byte(`"payload":{"`)); i >= 0 {
				j := i + len(`"payload":{"`)
				changedPayload = append(append(append([]byte(nil), file[:j]...), 'x'), file[j:]...) // a key renamed
			}
			for _, rf := range reformatters(t) {
				t.Run(rf.name, func(t *testing.T) {
					_, err := seal.VerifyPack(readPack(t, rf.format(t, file)), l.trusted, nil)
					if !seal.IsVerificationError(err) || !strings.Contains(err.Error(), reencodedReason) || strings.Contains(err.Error(), "altered") {
						t.Errorf("re-formatted: %v, want a verification error saying only %q", err, reencodedReason)
					}
					for what, bad := range map[string][]byte{"an actor": changed, "a payload key": changedPayload} {
						_, err = seal.VerifyPack(readPack(t, rf.format(t, bad)), l.trusted, nil)
						if !seal.IsVerificationError(err) || !strings.Contains(err.Error(), "it was altered") {
							t.Errorf("%s changed, then re-formatted: %v, want a verification error saying it was altered", what, err)
						}
					}
				})
			}
			_, err := seal.VerifyPack(readPack(t, changedPayload), l.trusted, nil)
			if !seal.IsVerificationError(err) || !strings.Contains(err.Error(), "it was altered") {
				t.Errorf("a payload key changed: %v, want a verification error saying it was altered", err)
			}
		})
	}
}
