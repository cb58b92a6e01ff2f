package seal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/cxzy/ledger/seal"
	"github.com/cxzy/ledger/seal/sealtest"
)

// strictCase is a pack file changed so that encoding/json alone reads it
// loosely (several of them verified before seal.ReadPack), which every
// verifier must refuse (docs/hashing.md, "Reading JSON").
type strictCase struct {
	name string
	file []byte
	want string // in Go's error
}

func strictCases(t *testing.T, pack []byte) []strictCase {
	t.Helper()
	p := readPack(t, pack)
	// The first event's readable payload with a member of the same name
	// put before the real one: encoding/json keeps the last.
	payload := []byte(p.Events[0].Event.Payload)
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("the first payload is not an object: %s", payload)
	}
	first, err := dec.Token()
	if err != nil {
		t.Fatal(err)
	}
	dupPayload := append([]byte(`{"`+first.(string)+`":"tampered",`), payload[1:]...)
	// The first occurred_at written with a comma as decimal mark: the same
	// instant to encoding/json, not RFC 3339's form.
	at := regexp.MustCompile(`"occurred_at":"([^"]*)"`).FindSubmatch(pack)
	if at == nil {
		t.Fatal("no occurred_at")
	}
	loose := string(at[1])
	if strings.Contains(loose, ".") {
		loose = strings.Replace(loose, ".", ",", 1)
	} else {
		loose = strings.TrimSuffix(loose, "Z") + ",0Z"
	}
	return []strictCase{
		{"duplicate actor", sealtest.ReplaceOnce(t, pack, `"actor":`, `"actor":"someone-else","actor":`), `duplicate member "actor"`},
		{"case-variant Actor", sealtest.ReplaceOnce(t, pack, `"actor":`, `"Actor":"someone-else","actor":`), `"Actor": member names are case-sensitive`},
		{"case-variant ſubject", sealtest.ReplaceOnce(t, pack, `"subject":`, `"ſubject":"something else","subject":`), "case-sensitive"},
		{"duplicate member in a readable payload", sealtest.ReplaceOnce(t, pack, string(payload), string(dupPayload)), "duplicate member"},
		{"lone surrogate escape", sealtest.ReplaceOnce(t, pack, `"subject":"`, `"subject":"\ud800`), "lone surrogate"},
		{"invalid UTF-8", sealtest.ReplaceOnce(t, pack, `"subject":"`, "\"subject\":\"\xff"), "UTF-8"},
		{"null actor", regexp.MustCompile(`"actor":"[^"]*"`).ReplaceAll(pack, []byte(`"actor":null`)), "actor is null"},
		{"missing id", regexp.MustCompile(`"id":"[^"]*",`).ReplaceAll(pack, nil), "has no id"},
		{"version 1.0", sealtest.ReplaceOnce(t, pack, `"version":1,`, `"version":1.0,`), "version"},
		{"time with a comma", sealtest.ReplaceOnce(t, pack, string(at[0]), `"occurred_at":"`+loose+`"`), "not a time of the form"},
	}
}

// TestReadPackStrict: ReadPack refuses what encoding/json reads loosely;
// the same file read by encoding/json alone verified in some cases.
func TestReadPackStrict(t *testing.T) {
	l := newLedger(t, 200)
	cp := l.seal(t)
	name, events := l.stream(t)
	pack := l.st.Pack(t, cp, "rectification "+name, name, events, nil)
	if _, err := seal.VerifyPack(readPack(t, pack), l.trusted, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range strictCases(t, pack) {
		t.Run(c.name, func(t *testing.T) {
			_, err := seal.ReadPack(c.file)
			if err == nil || !seal.IsVerificationError(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ReadPack: %v, want a verification error with %q", err, c.want)
			}
			var loose seal.Pack
			if json.Unmarshal(c.file, &loose) == nil {
				if _, err := seal.VerifyPack(loose, l.trusted, nil); err == nil {
					t.Log("read by encoding/json alone (as before ReadPack), it verifies")
				}
			}
		})
	}
}

// TestHeldCheckpoint: a held checkpoint of another origin, or whose
// fields beside the note differ from it, is refused.
func TestHeldCheckpoint(t *testing.T) {
	l := newLedger(t, 100)
	first := l.seal(t)
	l.addAreas(t, "held", 3)
	cp := l.seal(t)
	name, events := l.stream(t)
	p, err := seal.BuildPack(context.Background(), l.sealer.Tree, cp, "rectification "+name, name, events, &first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(p, l.trusted, &first); err != nil {
		t.Fatal(err)
	}
	other, err := seal.Sign(l.sealer.Signer, "another-ledger", first.Size, first.Root, first.Time)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(p, l.trusted, &other); err == nil || !strings.Contains(err.Error(), `of ledger "another-ledger"`) {
		t.Errorf("held checkpoint of another origin: %v", err)
	}
	if got, err := seal.ReadCheckpoint(sealtest.Marshal(t, first), l.trusted); err != nil || got.Size != first.Size {
		t.Errorf("ReadCheckpoint of a genuine file: %v", err)
	}
	changed := first
	changed.Size++
	if _, err := seal.ReadCheckpoint(sealtest.Marshal(t, changed), l.trusted); err == nil || !strings.Contains(err.Error(), "size") {
		t.Errorf("held checkpoint with its size changed beside the note: %v", err)
	}
	dup := sealtest.ReplaceOnce(t, sealtest.Marshal(t, first), `"origin":`, `"origin":"x","origin":`)
	if _, err := seal.ReadCheckpoint(dup, l.trusted); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("held checkpoint with a duplicate member: %v", err)
	}
}

// TestVerifiersSameKeyTwice: a key given twice counts once (note.Open
// would otherwise call it ambiguous); two keys of one name and hash are
// refused.
func TestVerifiersSameKeyTwice(t *testing.T) {
	_, vkey, err := seal.GenerateKey("twice")
	if err != nil {
		t.Fatal(err)
	}
	_, list, err := seal.Verifiers(vkey, " "+vkey)
	if err != nil || len(list) != 1 {
		t.Fatalf("the same key twice: %d keys, %v", len(list), err)
	}
}
