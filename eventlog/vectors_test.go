package eventlog_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cxzy/ledger/eventlog"
)

// The event parts of testdata/vectors.json (seal/vectors_file_test.go
// reads the whole file; seal's TestGenerateVectors wrote it). Expected
// values come from the file only: it was generated once, and a change in
// how the code encodes must fail here rather than move the file.
type vectors struct {
	Events []struct {
		Fields struct {
			ID            string `json:"id"`
			Type          string `json:"type"`
			Stream        string `json:"stream"`
			Version       uint64 `json:"version"`
			OccurredAt    string `json:"occurred_at"`
			RecordedAt    string `json:"recorded_at"`
			Actor         string `json:"actor"`
			Unit          string `json:"unit"`
			CommandID     string `json:"command_id"`
			CorrelationID string `json:"correlation_id"`
			CausationID   string `json:"causation_id"`
			SchemaVersion int    `json:"schema_version"`
			PrevHash      string `json:"prev_hash"`
			Payload       string `json:"payload"`
		} `json:"fields"`
		PayloadHex   string `json:"payload_hex"`
		HashInputHex string `json:"hash_input_hex"`
		Hash         string `json:"hash"`
		Position     struct {
			Commit  uint64 `json:"commit"`
			Prepare uint64 `json:"prepare"`
		} `json:"position"`
		Global struct {
			Prev     string `json:"prev"`
			InputHex string `json:"input_hex"`
			Link     string `json:"link"`
		} `json:"global"`
	} `json:"events"`
}

func readVectors(t *testing.T) vectors {
	t.Helper()
	data, err := os.ReadFile("../testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Events) == 0 {
		t.Fatal("no events in testdata/vectors.json")
	}
	return v
}

// vectorEvents are the file's events as eventlog.Events, built from the
// recorded inputs (prev_hash and hash included, as a store returns them).
func vectorEvents(t *testing.T, v vectors) []eventlog.Event {
	t.Helper()
	out := make([]eventlog.Event, len(v.Events))
	for i, ve := range v.Events {
		f := ve.Fields
		e := eventlog.Event{ID: f.ID, Type: f.Type, Stream: f.Stream, Version: f.Version,
			Position:   eventlog.Position{Commit: ve.Position.Commit, Prepare: ve.Position.Prepare},
			OccurredAt: parseTime(t, f.OccurredAt), RecordedAt: parseTime(t, f.RecordedAt),
			Actor: f.Actor, Unit: f.Unit, CommandID: f.CommandID, CorrelationID: f.CorrelationID, CausationID: f.CausationID,
			SchemaVersion: f.SchemaVersion, Payload: json.RawMessage(f.Payload),
			PrevHash: parseHash(t, f.PrevHash), Hash: parseHash(t, ve.Hash)}
		if hex.EncodeToString(e.Payload) != ve.PayloadHex {
			t.Fatalf("event %d: payload and payload_hex differ in the file", i+1)
		}
		out[i] = e
	}
	return out
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func parseHash(t *testing.T, s string) eventlog.Hash {
	t.Helper()
	h, err := eventlog.ParseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectorsEventHash: from the inputs, the code produces exactly the
// bytes and the hash in the file.
func TestVectorsEventHash(t *testing.T) {
	v := readVectors(t)
	for i, e := range vectorEvents(t, v) {
		if got := hex.EncodeToString(eventlog.HashInput(&e)); got != v.Events[i].HashInputHex {
			t.Errorf("event %d (%s): HashInput\n got %s\nwant %s", i+1, e.Type, got, v.Events[i].HashInputHex)
		}
		if got := eventlog.ComputeHash(&e); got.String() != v.Events[i].Hash {
			t.Errorf("event %d (%s): ComputeHash = %s, the file says %s", i+1, e.Type, got, v.Events[i].Hash)
		}
	}
}

// TestVectorsHashInputParses: the file's bytes are the length-prefixed
// fields docs/hashing.md lists, in its order, and they are what was hashed.
func TestVectorsHashInputParses(t *testing.T) {
	v := readVectors(t)
	for i, ve := range v.Events {
		input := unhex(t, ve.HashInputHex)
		if sum := sha256.Sum256(input); hex.EncodeToString(sum[:]) != ve.Hash {
			t.Errorf("event %d: SHA-256 of hash_input_hex is not its hash", i+1)
		}
		f := ve.Fields
		want := [][]byte{[]byte("cxzy-ledger/event/v1"), []byte(f.ID), []byte(f.Type), []byte(f.Stream),
			[]byte(strconv.FormatUint(f.Version, 10)), []byte(f.OccurredAt), []byte(f.RecordedAt), []byte(f.Actor),
			[]byte(f.Unit), []byte(f.CommandID), []byte(f.CorrelationID), []byte(f.CausationID),
			[]byte(strconv.Itoa(f.SchemaVersion)), unhex(t, f.PrevHash), unhex(t, ve.PayloadHex)}
		got, err := splitFields(input)
		if err != nil {
			t.Errorf("event %d: %v", i+1, err)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("event %d: %d fields, want %d", i+1, len(got), len(want))
			continue
		}
		for j := range want {
			if !bytes.Equal(got[j], want[j]) {
				t.Errorf("event %d field %d: %q, the inputs say %q", i+1, j+1, got[j], want[j])
			}
		}
	}
}

// splitFields reads a sequence of (4-byte big-endian length, bytes).
func splitFields(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errShort
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil, errShort
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out, nil
}

var errShort = errors.New("a length runs past the end of the bytes")

// TestVectorsStreamChains: Chain, as the write path calls it, links each
// stream's events to the prev_hash and hash the file records, and the
// file's links are the previous event's hash of the same stream.
func TestVectorsStreamChains(t *testing.T) {
	v := readVectors(t)
	heads := map[string]eventlog.StreamHead{}
	for i, e := range vectorEvents(t, v) {
		head := heads[e.Stream]
		if e.PrevHash != head.Hash || e.Version != head.Version+1 {
			t.Errorf("event %d: the file's prev_hash/version do not follow its stream's previous event", i+1)
		}
		fresh := []eventlog.Event{e}
		fresh[0].Version, fresh[0].PrevHash, fresh[0].Hash = 0, eventlog.Hash{}, eventlog.Hash{}
		eventlog.Chain(e.Stream, head.Version, head.Hash, fresh)
		if fresh[0].Version != e.Version || fresh[0].PrevHash != e.PrevHash || fresh[0].Hash != e.Hash {
			t.Errorf("event %d: Chain gives version %d prev %s hash %s, the file %d %s %s", i+1,
				fresh[0].Version, fresh[0].PrevHash, fresh[0].Hash, e.Version, e.PrevHash, e.Hash)
		}
		heads[e.Stream] = eventlog.StreamHead{Version: e.Version, Hash: e.Hash}
	}
}

// TestVectorsGlobalChain: GlobalChain gives the file's links, and each
// link is SHA-256 of the input bytes the file writes out.
func TestVectorsGlobalChain(t *testing.T) {
	v := readVectors(t)
	var prev eventlog.Hash
	for i, e := range vectorEvents(t, v) {
		g := v.Events[i].Global
		if g.Prev != prev.String() {
			t.Errorf("event %d: the file's previous link %s is not the link before it %s", i+1, g.Prev, prev)
		}
		got := eventlog.GlobalChain(prev, e.Position.Commit, e.Hash)
		if got.String() != g.Link {
			t.Errorf("event %d: GlobalChain = %s, the file says %s", i+1, got, g.Link)
		}
		input := unhex(t, g.InputHex)
		if sum := sha256.Sum256(input); hex.EncodeToString(sum[:]) != g.Link {
			t.Errorf("event %d: SHA-256 of the global input is not the link", i+1)
		}
		want := append([]byte("cxzy-ledger/global/v1"), prev[:]...)
		want = binary.BigEndian.AppendUint64(want, e.Position.Commit)
		if !bytes.Equal(input, append(want, e.Hash[:]...)) {
			t.Errorf("event %d: the global input is not tag ‖ previous link ‖ position ‖ event hash", i+1)
		}
		prev = parseHash(t, g.Link)
	}
}

// TestVectorsVerifier: the events as recorded pass the verifier that
// ledgerctl verify uses, and one changed payload byte fails it.
func TestVectorsVerifier(t *testing.T) {
	events := vectorEvents(t, readVectors(t))
	v := eventlog.NewVerifier(true)
	for i := range events {
		if err := v.Check(&events[i]); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
	}
	if v.Count() != uint64(len(events)) {
		t.Errorf("verified %d of %d", v.Count(), len(events))
	}
	tampered := vectorEvents(t, readVectors(t))
	tampered[3].Payload = bytes.Replace(tampered[3].Payload, []byte("g1"), []byte("g2"), 1)
	v = eventlog.NewVerifier(true)
	var err error
	for i := 0; i < len(tampered) && err == nil; i++ {
		err = v.Check(&tampered[i])
	}
	if err == nil {
		t.Error("a changed payload byte passed the verifier")
	}
}
