package seal_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/checkpoint"
	"github.com/cxzy/ledger/domain/commandkey"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// update rewrites testdata/vectors.json from today's code. It is meant to
// be run once, when the vectors are made: afterwards the file is what the
// code is checked against, and a change to it is a change of format.
var update = flag.Bool("update", false, "rewrite ../testdata/vectors.json (only on purpose: the file pins the formats)")

// The fixed test key. Its seed is public, in the file: it signs nothing
// but these vectors.
const (
	vectorKeyName = "cxzy-ledger-vectors-TEST-KEY"
	vectorSeedHex = "7c2f1a9e3b5d4c6f8e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60"
	vectorOrigin  = "cxzy-ledger/vectors"
)

// vectorSpec is one event as a command would write it. Payload is the
// domain event's JSON as a person writes it; the generator decodes it into
// the registered type and encodes it again, so the stored bytes are
// exactly what the write path stores (json.Marshal: compact, "<" as
// \u003c, Chinese as UTF-8).
type vectorSpec struct {
	family, typ, stream, actor, unit, command, correlation string
	causation                                              int // 1-based index of the event it follows from; 0: none
	occurred, recorded                                     string
	payload                                                string
}

// vectorSpecs is the global order of the vectors' log. The streams
// interleave, so the per-stream and global chains differ; times cover no
// fraction, a fraction with trailing zeros trimmed and full microseconds.
var vectorSpecs = []vectorSpec{
	{"org", "area.registered", "area-a01", "office-1", "", "area-a01", "", 0,
		"2024-07-01T01:00:00Z", "2024-07-01T01:00:00.0005Z",
		`{"area_id":"a01","name":"东城片区","leader":"王伟","occurred_at":"2024-07-01T01:00:00Z"}`},
	{"org", "unit.registered", "unit-u0017", "office-1", "u0017", "unit-u0017", "", 0,
		"2024-07-01T01:05:00.123456Z", "2024-07-01T01:05:00.123999Z",
		`{"unit_id":"u0017","name":"城关街道幸福社区党委","kind":"big_community","parent_id":"u0003","area_id":"a01","occurred_at":"2024-07-01T01:05:00.123456789Z"}`},
	{"org", "member.registered", "member-m0101", "office-1", "u0017", "member-m0101", "", 0,
		"2024-07-01T01:06:00Z", "2024-07-01T01:06:00.2Z",
		`{"member_id":"m0101","name":"李秀英","unit_id":"u0017","occurred_at":"2024-07-01T01:06:00Z"}`},
	{"inspection", "group.formed", "group-g1", "office-1", "", "group-g1", "", 0,
		"2024-07-02T00:30:00Z", "2024-07-02T00:30:01Z",
		`{"group_id":"g1","name":"第一督查组","members":["inspector-g1-1","inspector-g1-2"],"occurred_at":"2024-07-02T00:30:00Z"}`},
	{"pledge", "pledge.submitted", "pledge-p-2024Q3-u0017-1", "clerk-u0017", "u0017", "pledge-p-2024Q3-u0017-1", "", 0,
		"2024-07-05T02:00:00Z", "2024-07-05T02:00:03.25Z",
		`{"pledge_id":"p-2024Q3-u0017-1","maker":"unit","unit":"u0017","quarter":"2024Q3","category":"service_for_masses","title":"为老旧小区加装电梯提供帮办服务","content":"本季度完成3个老旧小区加装电梯的意见征集、方案公示和报建帮办","by":"clerk-u0017","occurred_at":"2024-07-05T02:00:00Z"}`},
	{"inspection", "inspection.started", "inspection-in-2024Q3-g1-01", "inspector-g1-1", "u0017", "inspection-in-2024Q3-g1-01", "insp-2024Q3-g1", 0,
		"2024-08-20T01:30:00Z", "2024-08-20T01:31:12.000001Z",
		`{"inspection_id":"in-2024Q3-g1-01","kind":"random","unit_id":"u0017","group_id":"g1","subject":"“双报到”落实情况随机抽查","occurred_at":"2024-08-20T01:30:00Z"}`},
	{"pledge", "pledge.filed", "pledge-p-2024Q3-u0017-1", "office-1", "u0017", "pledge-p-2024Q3-u0017-1-file", "", 5,
		"2024-07-08T03:00:00Z", "2024-08-20T01:40:00Z",
		`{"pledge_id":"p-2024Q3-u0017-1","unit":"u0017","note":"同意备案 <审核人：张敏> & 公示","occurred_at":"2024-07-08T03:00:00Z"}`},
	{"inspection", "inspection.finding_recorded", "inspection-in-2024Q3-g1-01", "inspector-g1-1", "u0017", "inspection-in-2024Q3-g1-01-f2", "insp-2024Q3-g1", 6,
		"2024-08-20T02:10:00Z", "2024-08-20T02:12:45.5Z",
		`{"inspection_id":"in-2024Q3-g1-01","unit_id":"u0017","finding_no":2,"text":"整改台账未及时销号","severity":"moderate","orders_rectification":true,"evidence":[{"sha256":"fe69ffd79dc42f7eff2b00414301063f2a7faec0384952a01049a85c815eee67","name":"现场照片-台账.jpg","size":1900559,"media_type":"image/jpeg"}],"occurred_at":"2024-08-20T02:10:00Z"}`},
	{"rectification", "rectification.ordered", "rectification-r-in-2024Q3-g1-01-2", "inspector-g1-1", "u0017", "r-in-2024Q3-g1-01-2-order", "insp-2024Q3-g1", 8,
		"2024-08-26T08:34:00Z", "2024-08-26T08:53:00Z",
		`{"rectification_id":"r-in-2024Q3-g1-01-2","unit":"u0017","person":"clerk-u0017","source":{"kind":"inspection","ref":"in-2024Q3-g1-01","item":2},"requirement":"检查发现：整改台账未及时销号。请限期整改并报送整改材料","deadline":"2024-09-26","occurred_at":"2024-08-26T08:34:00Z"}`},
	{"review", "review.recorded", "review-rv-2024Q3-u0017-1", "office-1", "u0017", "review-rv-2024Q3-u0017-1", "", 0,
		"2024-08-27T06:00:00Z", "2024-08-27T07:15:30.75Z",
		`{"review_id":"rv-2024Q3-u0017-1","form":"meeting","subject":"unit","unit_id":"u0017","reviewer":"区委组织部 陈刚","quarter":"2024Q3","remark":"承诺事项贴近群众需求，推进有力","shortcomings":[{"text":"台账记录不够规范"}],"measures":["每月通报承诺进展"],"occurred_at":"2024-08-27T06:00:00Z"}`},
	{"rectification", "rectification.acknowledged", "rectification-r-in-2024Q3-g1-01-2", "clerk-u0017", "u0017", "r-in-2024Q3-g1-01-2-ack", "insp-2024Q3-g1", 9,
		"2024-08-27T08:34:00Z", "2024-08-27T08:40:00.1Z",
		`{"rectification_id":"r-in-2024Q3-g1-01-2","unit":"u0017","occurred_at":"2024-08-27T08:34:00Z"}`},
	{"pledge", "fulfilment.progress_reported", "pledge-p-2024Q3-u0017-1", "clerk-u0017", "u0017", "pledge-p-2024Q3-u0017-1-pr1", "", 0,
		"2024-08-28T01:00:00Z", "2024-08-28T01:00:09.87654Z",
		`{"pledge_id":"p-2024Q3-u0017-1","unit":"u0017","report_id":"pr1","percent":60,"narrative":"已完成3个小区的意见征集 & 方案公示","evidence":[{"sha256":"c79c34dd018a3abea8840eb003805a3376dfecca09355f7402730101bb6e168f","name":"会议记录-2.pdf","size":453150,"media_type":"application/pdf"}],"by":"clerk-u0017","occurred_at":"2024-08-28T01:00:00Z"}`},
	{"rectification", "rectification.plan_filed", "rectification-r-in-2024Q3-g1-01-2", "clerk-u0017", "u0017", "r-in-2024Q3-g1-01-2-plan", "insp-2024Q3-g1", 11,
		"2024-08-28T08:34:00Z", "2024-08-28T08:35:00Z",
		`{"rectification_id":"r-in-2024Q3-g1-01-2","unit":"u0017","measures":["规范台账管理，专人负责记录","倒排工期，每周调度工作进展"],"occurred_at":"2024-08-28T08:34:00Z"}`},
	{"evaluation", "survey.recorded", "survey-sv-2024Q3-u0017", "office-1", "u0017", "survey-sv-2024Q3-u0017", "", 0,
		"2024-09-01T02:00:00Z", "2024-09-01T02:00:00.000001Z",
		`{"survey_id":"sv-2024Q3-u0017","unit_id":"u0017","period":"2024Q3","very_satisfied":132,"satisfied":41,"basically_satisfied":9,"dissatisfied":2,"occurred_at":"2024-09-01T02:00:00Z"}`},
	// Event 15 is the checkpoint of the first 14 events, recorded in the
	// log as the sealer records it; its payload is made by the generator.
	{"checkpoint", "checkpoint.sealed", checkpoint.Stream, "sealer", "", "", "", 0,
		"2024-09-01T02:01:00Z", "2024-09-01T02:01:00.5Z", ""},
	{"rectification", "rectification.submitted", "rectification-r-in-2024Q3-g1-01-2", "clerk-u0017", "u0017", "r-in-2024Q3-g1-01-2-submit", "insp-2024Q3-g1", 13,
		"2024-09-02T08:34:00Z", "2024-09-02T08:36:00Z",
		`{"rectification_id":"r-in-2024Q3-g1-01-2","unit":"u0017","summary":"已按要求完成整改，报请验收销号","evidence":[{"sha256":"1a2914eefc4ac29861e88e736b528c66dd8d49dcf4392b0e1e443047be558de6","name":"整改报告-1.pdf","size":36249,"media_type":"application/pdf"}],"occurred_at":"2024-09-02T08:34:00Z"}`},
	{"rectification", "rectification.accepted", "rectification-r-in-2024Q3-g1-01-2", "inspector-g1-2", "u0017", "r-in-2024Q3-g1-01-2-accept", "insp-2024Q3-g1", 16,
		"2024-09-04T08:34:00Z", "2024-09-04T09:00:00Z",
		`{"rectification_id":"r-in-2024Q3-g1-01-2","unit":"u0017","accepted_by":"inspector-g1-2","note":"经现场核查，整改到位，同意销号","closed_on":"2024-09-04","deadline":"2024-09-26","occurred_at":"2024-09-04T08:34:00Z"}`},
	{"evaluation", "star_rating.awarded", "starrating-u0017-2024Q3", "office-1", "u0017", "starrating-u0017-2024Q3", "", 0,
		"2024-09-30T02:00:00Z", "2024-09-30T02:00:00.3Z",
		`{"unit_id":"u0017","period":"2024Q3","stars":4,"basis":"群众满意度97.8%，承诺按期推进","occurred_at":"2024-09-30T02:00:00Z"}`},
	{"pledge", "fulfilment.fulfilled", "pledge-p-2024Q3-u0017-1", "clerk-u0017", "u0017", "pledge-p-2024Q3-u0017-1-done", "", 0,
		"2024-09-30T03:00:00Z", "2024-09-30T03:00:01Z",
		`{"pledge_id":"p-2024Q3-u0017-1","unit":"u0017","narrative":"3个小区加装电梯均已完成报建","by":"clerk-u0017","occurred_at":"2024-09-30T03:00:00Z"}`},
	{"pledge", "pledge.evaluated", "pledge-p-2024Q3-u0017-1", "office-1", "u0017", "pledge-p-2024Q3-u0017-1-eval-public", "", 19,
		"2024-10-08T02:00:00Z", "2024-10-08T02:00:02Z",
		`{"pledge_id":"p-2024Q3-u0017-1","unit":"u0017","evaluator":"public","grade":"excellent","score":92.5,"respondents":184,"occurred_at":"2024-10-08T02:00:00Z"}`},
	{"command_key", "command_key.claimed", "", "office-1", "", "office-1/eval-2024Q3-u0017~5f2b", "", 0,
		"2024-10-08T02:00:02Z", "2024-10-08T02:00:02.000003Z",
		`{"fingerprint":"5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e","stream":"pledge-p-2024Q3-u0017-1","claimed_at":"2024-10-08T02:00:02Z"}`},
}

// Sizes whose roots the file gives (powers of two and not), and proofs.
var (
	vectorRootSizes    = []uint64{1, 2, 3, 4, 5, 7, 8, 13, 14, 16, 21}
	vectorInclusions   = [][2]uint64{{0, 1}, {4, 7}, {6, 8}, {12, 14}, {14, 21}, {20, 21}} // leaf index, tree size
	vectorConsistency  = [][2]uint64{{1, 21}, {3, 7}, {4, 8}, {14, 21}}
	vectorCheckpointAt = []time.Time{time.Date(2024, 9, 1, 2, 1, 0, 0, time.UTC), time.Date(2024, 10, 8, 2, 5, 0, 0, time.UTC)}
)

// TestGenerateVectors writes testdata/vectors.json with -update. It
// computes everything with the ledger's own code (the write path's
// Chain, GlobalChain, LeafHash, the tree, Sign), and writes out the byte
// strings behind each hash, checking as it goes that they hash to what
// the code computed, so the file shows the exact inputs.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + vectorsPath)
	}
	key, signer := vectorTestKey(t)
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	v := vectorFile{
		About: "Fixed test vectors of the ledger's byte encodings: event hash, per-stream and global chains, " +
			"Merkle leaves, roots and proofs, signed checkpoints. Generated once from the Go code; the Go tests " +
			"(eventlog/vectors_test.go, seal/vectors_test.go) and seal/python/verify.py check the code and an " +
			"independent implementation against it. All hashes and byte strings are lowercase hex unless named _base64.",
		Spec:        "docs/hashing.md",
		GeneratedBy: "go test ./seal -run TestGenerateVectors -update",
		TestKey:     key,
		EmptyRoot:   hex.EncodeToString(rfc6962.DefaultHasher.EmptyRoot()),
	}
	events := vectorLog(t, tree, signer, &v)
	for i := range events {
		v.Events = append(v.Events, vectorOf(t, events, i))
	}
	v.ExtraLeaves = extraLeaves(t)
	v.Checkpoints = append(v.Checkpoints, vectorCheckpoint(t, tree, signer, uint64(len(events)), vectorCheckpointAt[1]))
	for _, size := range vectorRootSizes {
		v.Roots = append(v.Roots, vectorRoot{Size: size, Root: hex.EncodeToString(mustRoot(t, tree, size))})
	}
	for _, ic := range vectorInclusions {
		pr, err := tree.InclusionProof(ic[0], ic[1])
		if err != nil {
			t.Fatal(err)
		}
		v.Inclusion = append(v.Inclusion, vectorInclude{LeafIndex: ic[0], TreeSize: ic[1], LeafHash: v.Events[ic[0]].Leaf.Hash,
			Root: hex.EncodeToString(mustRoot(t, tree, ic[1])), Proof: hexList(pr)})
	}
	for _, cc := range vectorConsistency {
		pr, err := tree.ConsistencyProof(cc[0], cc[1])
		if err != nil {
			t.Fatal(err)
		}
		v.Consistency = append(v.Consistency, vectorConsist{FromSize: cc[0], ToSize: cc[1],
			FromRoot: hex.EncodeToString(mustRoot(t, tree, cc[0])), ToRoot: hex.EncodeToString(mustRoot(t, tree, cc[1])), Proof: hexList(pr)})
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorsPath, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d events", vectorsPath, len(v.Events))
}

// vectorTestKey derives the note signer of the fixed seed.
func vectorTestKey(t *testing.T) (vectorKey, note.Signer) {
	t.Helper()
	seed, err := hex.DecodeString(vectorSeedHex)
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(vectorKeyName, pub)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(vkey, "+") // name, key hash, base64(0x01 ‖ public key)
	skey := "PRIVATE+KEY+" + vectorKeyName + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	signer, err := seal.LoadSigner(skey, "")
	if err != nil {
		t.Fatal(err)
	}
	return vectorKey{
		Warning: "TEST KEY ONLY: its seed is published here. It signs these vectors and nothing else; never trust it for a real ledger.",
		Name:    vectorKeyName, SeedHex: vectorSeedHex, PublicHex: hex.EncodeToString(pub), KeyHash: parts[1],
		VerifierKey: vkey, SignerKey: skey,
	}, signer
}

// vectorLog builds the events as the write path does (ids from command
// ids, schema versions from the registry, eventlog.Chain per stream,
// positions 1, 2, 3, ... as in the embedded log) and appends them to tree,
// signing the checkpoint that event 15 records when the log reaches it.
func vectorLog(t *testing.T, tree *seal.Tree, signer note.Signer, v *vectorFile) []eventlog.Event {
	t.Helper()
	registry := catalog.New()
	heads := map[string]eventlog.StreamHead{}
	var events []eventlog.Event
	for i, s := range vectorSpecs {
		payload := []byte(nil)
		if s.typ == "checkpoint.sealed" {
			cp := vectorCheckpoint(t, tree, signer, tree.Size(), vectorCheckpointAt[0])
			v.Checkpoints = append(v.Checkpoints, cp)
			s.command = fmt.Sprintf("checkpoint-%s-%d", cp.KeyHash, cp.Size)
			payload = sealedPayload(t, cp)
		} else {
			payload = storedPayload(t, registry, s)
		}
		if s.stream == "" { // the command-key claim: its stream is named by a hash of the id
			s.stream = commandkey.Stream(s.command)
		}
		sv, err := registry.SchemaVersion(s.typ)
		if err != nil {
			t.Fatal(err)
		}
		e := eventlog.Event{ID: eventlog.EventID(s.command, 0), Type: s.typ, OccurredAt: mustTime(t, s.occurred),
			RecordedAt: mustTime(t, s.recorded), Actor: s.actor, Unit: s.unit, CommandID: s.command,
			CorrelationID: s.correlation, SchemaVersion: sv, Payload: payload}
		if s.causation > 0 {
			e.CausationID = events[s.causation-1].ID
		}
		one := []eventlog.Event{e}
		head := heads[s.stream]
		eventlog.Chain(s.stream, head.Version, head.Hash, one)
		one[0].Position = eventlog.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}
		heads[s.stream] = eventlog.StreamHead{Version: one[0].Version, Hash: one[0].Hash}
		if err := tree.Append(one); err != nil {
			t.Fatal(err)
		}
		events = append(events, one[0])
	}
	return events
}

// storedPayload is the spec's payload as the write path stores it: the
// registered type's json.Marshal. A key the type does not know would be
// dropped, so the two must say the same.
func storedPayload(t *testing.T, registry *domain.Registry, s vectorSpec) []byte {
	t.Helper()
	e, err := registry.Decode(s.typ, 1, []byte(s.payload))
	if err != nil {
		t.Fatalf("%s: %v", s.typ, err)
	}
	stored, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var written, kept any
	if json.Unmarshal([]byte(s.payload), &written) != nil || json.Unmarshal(stored, &kept) != nil || !reflect.DeepEqual(written, kept) {
		t.Fatalf("%s: the payload as written\n%s\nis stored as\n%s", s.typ, s.payload, stored)
	}
	return stored
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func mustRoot(t *testing.T, tree *seal.Tree, size uint64) []byte {
	t.Helper()
	root, err := tree.Root(size)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func hexList(hashes [][]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = hex.EncodeToString(h)
	}
	return out
}

// vectorCheckpoint signs the tree's first size leaves at t and splits the
// note into the parts a verifier checks.
func vectorCheckpoint(t *testing.T, tree *seal.Tree, signer note.Signer, size uint64, at time.Time) vectorCP {
	t.Helper()
	cp, err := seal.Sign(signer, vectorOrigin, size, mustRoot(t, tree, size), at)
	if err != nil {
		t.Fatal(err)
	}
	body, sigLine, ok := strings.Cut(cp.Note, "\n\n")
	if !ok {
		t.Fatalf("note without a blank line: %q", cp.Note)
	}
	fields := strings.Fields(strings.TrimPrefix(strings.TrimSuffix(sigLine, "\n"), "— "))
	sig, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil || len(sig) != 4+ed25519.SignatureSize || fields[0] != cp.KeyName {
		t.Fatalf("signature line %q: %v", sigLine, err)
	}
	if binary.BigEndian.Uint32(sig[:4]) != signer.KeyHash() {
		t.Fatal("the signature does not start with the key hash")
	}
	return vectorCP{Origin: cp.Origin, Size: cp.Size, Root: hex.EncodeToString(cp.Root), RootBase64: base64.StdEncoding.EncodeToString(cp.Root),
		Time: cp.Time.Format(time.RFC3339), Body: body + "\n", KeyName: cp.KeyName, KeyHash: cp.KeyID,
		SignatureHex: hex.EncodeToString(sig[4:]), Note: cp.Note}
}

// sealedPayload is the checkpoint.sealed payload the sealer records for cp.
func sealedPayload(t *testing.T, cp vectorCP) []byte {
	t.Helper()
	b, err := json.Marshal(checkpoint.Sealed{Size: cp.Size, Root: cp.RootBase64, SealedAt: mustTime(t, cp.Time),
		KeyName: cp.KeyName, KeyID: cp.KeyHash, Note: cp.Note})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vectorOf describes event i: its fields, the bytes its hash covers, its
// global link and its leaf, with the byte strings behind the last two
// written out and checked against GlobalChain and LeafHash.
func vectorOf(t *testing.T, events []eventlog.Event, i int) vectorEvent {
	t.Helper()
	e := &events[i]
	input := eventlog.HashInput(e)
	if sha256.Sum256(input) != [32]byte(eventlog.ComputeHash(e)) || eventlog.ComputeHash(e) != e.Hash {
		t.Fatalf("event %d: HashInput does not hash to ComputeHash", i+1)
	}
	var prev eventlog.Hash
	for j := 0; j < i; j++ {
		prev = eventlog.GlobalChain(prev, events[j].Position.Commit, events[j].Hash)
	}
	link := eventlog.GlobalChain(prev, e.Position.Commit, e.Hash)
	gin := append([]byte("cxzy-ledger/global/v1"), prev[:]...)
	gin = binary.BigEndian.AppendUint64(gin, e.Position.Commit)
	gin = append(gin, e.Hash[:]...)
	if sha256.Sum256(gin) != [32]byte(link) {
		t.Fatalf("event %d: the global chain's input as written does not hash to GlobalChain", i+1)
	}
	leafIn, leaf := leafInput(t, e)
	return vectorEvent{
		Family: vectorSpecs[i].family,
		Fields: vectorFields{ID: e.ID, Type: e.Type, Stream: e.Stream, Version: e.Version,
			OccurredAt: e.OccurredAt.Format(time.RFC3339Nano), RecordedAt: e.RecordedAt.Format(time.RFC3339Nano),
			Actor: e.Actor, Unit: e.Unit, CommandID: e.CommandID, CorrelationID: e.CorrelationID, CausationID: e.CausationID,
			SchemaVersion: e.SchemaVersion, PrevHash: e.PrevHash.String(), Payload: string(e.Payload)},
		PayloadHex:   hex.EncodeToString(e.Payload),
		HashInputHex: hex.EncodeToString(input),
		Hash:         e.Hash.String(),
		Position:     vectorPosition{Commit: e.Position.Commit, Prepare: e.Position.Prepare},
		Global:       vectorGlobal{Prev: prev.String(), InputHex: hex.EncodeToString(gin), Link: link.String()},
		Leaf:         vectorLeaf{Index: uint64(i), InputHex: hex.EncodeToString(leafIn), Hash: hex.EncodeToString(leaf)},
	}
}

// leafInput writes out the bytes RFC 6962 hashes for e's leaf (0x00,
// event hash, commit, prepare) and checks they give seal.LeafHash.
func leafInput(t *testing.T, e *eventlog.Event) (input, leaf []byte) {
	t.Helper()
	input = append([]byte{rfc6962.RFC6962LeafHashPrefix}, e.Hash[:]...)
	input = binary.BigEndian.AppendUint64(input, e.Position.Commit)
	input = binary.BigEndian.AppendUint64(input, e.Position.Prepare)
	leaf = seal.LeafHash(e)
	if sum := sha256.Sum256(input); !bytes.Equal(sum[:], leaf) {
		t.Fatalf("leaf of %v: the input as written does not hash to LeafHash", e.Position)
	}
	return input, leaf
}

// extraLeaves are leaves of events at KurrentDB positions (commit and
// prepare differ there), so the order of the two in a leaf is pinned.
func extraLeaves(t *testing.T) []vectorLeafAlt {
	t.Helper()
	var out []vectorLeafAlt
	for _, p := range []eventlog.Position{{Commit: 1032268, Prepare: 1031900}, {Commit: 0x0102030405060708, Prepare: 0x1112131415161718}} {
		e := eventlog.Event{Position: p}
		e.Hash = eventlog.Hash(sha256.Sum256(fmt.Appendf(nil, "an event at %d/%d", p.Commit, p.Prepare)))
		in, leaf := leafInput(t, &e)
		out = append(out, vectorLeafAlt{About: "a leaf at a KurrentDB position (commit, prepare); the event hash is SHA-256 of a placeholder text",
			EventHash: e.Hash.String(), Position: vectorPosition{Commit: p.Commit, Prepare: p.Prepare},
			InputHex: hex.EncodeToString(in), Hash: hex.EncodeToString(leaf)})
	}
	return out
}
