package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a signed statement of the tree: "the ledger named Origin
// had Size events, whose Merkle root is Root, at Time". Note is the
// signed note exactly as signed (C2SP tlog-checkpoint: origin, size and
// base64 root lines, then a "time" extension line, then the signatures);
// the other fields are read from it.
type Checkpoint struct {
	Origin  string    `json:"origin"`
	Size    uint64    `json:"size"`
	Root    []byte    `json:"root"`
	Time    time.Time `json:"time"`
	KeyName string    `json:"key_name"`
	KeyID   string    `json:"key_id"` // the note key hash, 8 hex digits
	Note    string    `json:"note"`
}

// Sign makes a checkpoint of size and root at t, signed by signer.
func Sign(signer note.Signer, origin string, size uint64, root []byte, t time.Time) (Checkpoint, error) {
	text := log.Checkpoint{Origin: origin, Size: size, Hash: root}.Marshal()
	text = append(text, "time "+t.UTC().Format(time.RFC3339)+"\n"...)
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("seal: sign checkpoint: %w", err)
	}
	return Checkpoint{Origin: origin, Size: size, Root: root, Time: t.UTC().Truncate(time.Second),
		KeyName: signer.Name(), KeyID: keyID(signer.KeyHash()), Note: string(msg)}, nil
}

func keyID(h uint32) string { return fmt.Sprintf("%08x", h) }

// ErrSignature is returned for a checkpoint no trusted key signed.
var ErrSignature = errors.New("seal: checkpoint not signed by a trusted key")

// Open verifies a signed checkpoint against the trusted keys (the current
// key and any earlier ones: rotation keeps old checkpoints verifiable) and
// returns what it states. Nothing in it is trusted unless this succeeds.
func Open(msg []byte, trusted note.Verifiers) (Checkpoint, error) {
	n, err := note.Open(msg, trusted)
	if err != nil {
		// Unknown key, bad signature or a malformed note: all mean the
		// statement cannot be attributed to the ledger.
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var cp log.Checkpoint
	rest, err := cp.Unmarshal([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("seal: checkpoint body: %w", err)
	}
	line, ok := strings.CutPrefix(strings.TrimSuffix(string(rest), "\n"), "time ")
	if !ok || strings.Contains(line, "\n") {
		return Checkpoint{}, fmt.Errorf("seal: checkpoint body: want one \"time\" line after the root, got %q", rest)
	}
	t, err := ParseTime(line)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("seal: checkpoint time: %w", err)
	}
	if len(cp.Hash) != hasher.Size() {
		return Checkpoint{}, fmt.Errorf("seal: checkpoint root has %d bytes, want %d", len(cp.Hash), hasher.Size())
	}
	sig := n.Sigs[0]
	return Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Time: t, KeyName: sig.Name, KeyID: keyID(sig.Hash),
		Note: string(msg)}, nil
}

// GenerateKey makes a new Ed25519 signing key named name, as note key
// strings: the signer key (secret: "PRIVATE+KEY+name+id+key") and the
// verifier key to publish ("name+id+key").
func GenerateKey(name string) (signer, verifier string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// LoadSigner reads a signer key: from the environment variable's value if
// set, else from the file. The key is never logged; an error names only
// where it was looked for.
func LoadSigner(envValue, file string) (note.Signer, error) {
	key := strings.TrimSpace(envValue)
	if key == "" && file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("seal: read the signing key file: %w", err)
		}
		key = string(bytes.TrimSpace(data))
	}
	if key == "" {
		return nil, errors.New("seal: no signing key given")
	}
	s, err := note.NewSigner(key)
	if err != nil {
		return nil, errors.New("seal: the signing key is not a note signer key (PRIVATE+KEY+name+id+key); make one with ledgerctl keygen")
	}
	return s, nil
}

// Verifiers parses verifier keys ("name+id+key"), the current one first.
// A key given twice counts once; two different keys with the same name
// and key hash are refused (no signature line could tell them apart).
func Verifiers(keys ...string) (note.Verifiers, []note.Verifier, error) {
	var list []note.Verifier
	given := map[string]string{} // name and key hash -> the key string
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, nil, fmt.Errorf("seal: verifier key %q: %w", k, err)
		}
		id := fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
		if prev, ok := given[id]; ok {
			if publicKey(prev) != publicKey(k) {
				return nil, nil, fmt.Errorf("seal: verifier keys %q and %q have the same name and key hash", prev, k)
			}
			continue
		}
		given[id] = k
		list = append(list, v)
	}
	if len(list) == 0 {
		return nil, nil, errors.New("seal: no verifier key given")
	}
	return note.VerifierList(list...), list, nil
}

// publicKey is the decoded key of a verifier key string that
// note.NewVerifier accepted.
func publicKey(vkey string) string {
	_, rest, _ := strings.Cut(vkey, "+")
	_, b64, _ := strings.Cut(rest, "+")
	raw, _ := base64.StdEncoding.DecodeString(b64)
	return string(raw)
}

// VerifierOf returns the verifier key ("name+id+key") of a signer key,
// so the server publishes exactly the key that checks its signatures.
func VerifierOf(signerKey string) (string, error) {
	// A signer key is PRIVATE+KEY+name+id+base64(0x01 || Ed25519 seed).
	// The base64 key may itself hold "+": split off the four fields before it.
	parts := strings.SplitN(strings.TrimSpace(signerKey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("seal: not a note signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("seal: not an Ed25519 note signer key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
