package seal_test

import (
	"encoding/json"
	"os"
	"testing"
)

// vectorsPath is the shared file of fixed vectors, at the repository
// root so the Go tests and the Python verifier read the same one.
const vectorsPath = "../testdata/vectors.json"

// vectorFile is testdata/vectors.json. Hashes, inputs and proof nodes are
// lowercase hex; the formats themselves are specified in docs/hashing.md.
type vectorFile struct {
	About       string          `json:"about"`
	Spec        string          `json:"spec"`
	GeneratedBy string          `json:"generated_by"`
	TestKey     vectorKey       `json:"test_key"`
	Events      []vectorEvent   `json:"events"`
	ExtraLeaves []vectorLeafAlt `json:"extra_leaves"`
	EmptyRoot   string          `json:"empty_root"`
	Roots       []vectorRoot    `json:"roots"`
	Inclusion   []vectorInclude `json:"inclusion_proofs"`
	Consistency []vectorConsist `json:"consistency_proofs"`
	Checkpoints []vectorCP      `json:"checkpoints"`
}

// vectorKey is the fixed Ed25519 test key the checkpoints are signed with.
type vectorKey struct {
	Warning     string `json:"warning"`
	Name        string `json:"name"`
	SeedHex     string `json:"seed_hex"`
	PublicHex   string `json:"public_key_hex"`
	KeyHash     string `json:"key_hash_hex"`
	VerifierKey string `json:"verifier_key"`
	SignerKey   string `json:"signer_key"`
}

// vectorEvent is one event: the inputs of its hash, the bytes hashed, and
// what the global chain and the Merkle tree make of it.
type vectorEvent struct {
	Family       string         `json:"family"`
	Fields       vectorFields   `json:"fields"`
	PayloadHex   string         `json:"payload_hex"`
	HashInputHex string         `json:"hash_input_hex"`
	Hash         string         `json:"hash"`
	Position     vectorPosition `json:"position"`
	Global       vectorGlobal   `json:"global"`
	Leaf         vectorLeaf     `json:"leaf"`
}

// vectorFields are the hashed fields, as the event's JSON has them,
// except the payload, given as the text of its exact bytes.
type vectorFields struct {
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
}

type vectorPosition struct {
	Commit  uint64 `json:"commit"`
	Prepare uint64 `json:"prepare"`
}

// vectorGlobal is the global chain's link at the event's position.
type vectorGlobal struct {
	Prev     string `json:"prev"`
	InputHex string `json:"input_hex"`
	Link     string `json:"link"`
}

// vectorLeaf is the event's Merkle leaf.
type vectorLeaf struct {
	Index    uint64 `json:"index"`
	InputHex string `json:"input_hex"`
	Hash     string `json:"hash"`
}

// vectorLeafAlt is a leaf of an event at a KurrentDB position, where
// commit and prepare differ, so their order in the leaf is pinned too.
type vectorLeafAlt struct {
	About     string         `json:"about"`
	EventHash string         `json:"event_hash"`
	Position  vectorPosition `json:"position"`
	InputHex  string         `json:"input_hex"`
	Hash      string         `json:"hash"`
}

type vectorRoot struct {
	Size uint64 `json:"size"`
	Root string `json:"root"`
}

type vectorInclude struct {
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	Root      string   `json:"root"`
	Proof     []string `json:"proof"`
}

type vectorConsist struct {
	FromSize uint64   `json:"from_size"`
	ToSize   uint64   `json:"to_size"`
	FromRoot string   `json:"from_root"`
	ToRoot   string   `json:"to_root"`
	Proof    []string `json:"proof"`
}

// vectorCP is a signed checkpoint: its note, and the parts of it a
// verifier checks (the signed body, the signature line's fields).
type vectorCP struct {
	Origin       string `json:"origin"`
	Size         uint64 `json:"size"`
	Root         string `json:"root"`
	RootBase64   string `json:"root_base64"`
	Time         string `json:"time"`
	Body         string `json:"body"`
	KeyName      string `json:"key_name"`
	KeyHash      string `json:"key_hash_hex"`
	SignatureHex string `json:"signature_hex"`
	Note         string `json:"note"`
}

func readVectors(t *testing.T) vectorFile {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read the vectors (make them once with go test ./seal -run TestGenerateVectors -update): %v", err)
	}
	var v vectorFile
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", vectorsPath, err)
	}
	if len(v.Events) == 0 || len(v.Checkpoints) == 0 {
		t.Fatalf("%s holds no events or no checkpoint", vectorsPath)
	}
	return v
}
