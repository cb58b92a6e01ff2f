package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/seal"
)

// SealConfig configures the verifiable history. Every ledgerd keeps a
// Merkle tree of the log (to serve proofs); the one given a signing key
// also signs checkpoints.
type SealConfig struct {
	Origin    string        // the ledger's name in its checkpoints
	MerkleDir string        // where the tree is kept
	KeyFile   string        // the signing key, from a file...
	Key       string        // ...or from LEDGER_SEAL_KEY (never a flag: no key in process listings)
	Every     time.Duration // how often to seal when something is new
	// Verifiers are further verifier keys to publish: earlier keys after a
	// rotation, or, on a replica without the signing key, the current one.
	Verifiers []string
}

func (c *SealConfig) flags(fs *flag.FlagSet, def func(env, fallback string) string, every *string, verifiers *string) {
	fs.StringVar(&c.Origin, "ledger-name", def("LEDGER_NAME", "cxzy-ledger"), "the ledger's name in its signed checkpoints")
	fs.StringVar(&c.MerkleDir, "merkle-dir", def("LEDGER_MERKLE_DIR", ""), "where the Merkle tree is kept (default: beside the embedded log, or under --data-dir)")
	fs.StringVar(&c.KeyFile, "seal-key-file", def("LEDGER_SEAL_KEY_FILE", ""), "file holding the checkpoint signing key from ledgerctl keygen (or the key itself in LEDGER_SEAL_KEY)")
	*every = def("LEDGER_SEAL_EVERY", "1m")
	fs.StringVar(every, "seal-every", *every, "how often to sign a checkpoint when there are new events")
	*verifiers = def("LEDGER_SEAL_VERIFIER_KEYS", "")
	fs.StringVar(verifiers, "seal-verifier-keys", *verifiers, "comma-separated verifier keys to publish besides the signing key's own: earlier keys, or the current one on a replica without it")
}

// finish completes the configuration after the flags are parsed.
func (c *SealConfig) finish(log connect.Config, getenv func(string) string, every, verifiers string) error {
	c.Key = getenv("LEDGER_SEAL_KEY")
	var err error
	if c.Every, err = time.ParseDuration(every); err != nil || c.Every <= 0 {
		return fmt.Errorf("--seal-every (LEDGER_SEAL_EVERY) %q: want a positive duration such as 1m", every)
	}
	for _, v := range strings.Split(verifiers, ",") {
		if v = strings.TrimSpace(v); v != "" {
			c.Verifiers = append(c.Verifiers, v)
		}
	}
	if c.MerkleDir == "" {
		if log.EventStore == connect.Embedded {
			// Beside the log, not in it: the log's directory is Pebble's.
			c.MerkleDir = filepath.Clean(log.DataDir) + "-merkle"
		} else {
			c.MerkleDir = filepath.Join(log.DataDir, "merkle")
		}
	}
	return nil
}

// Signing reports whether this process is given the signing key.
func (c SealConfig) Signing() bool { return c.Key != "" || c.KeyFile != "" }

// Validate names what is wrong.
func (c SealConfig) Validate() error {
	if c.Key != "" && c.KeyFile != "" {
		return errors.New("LEDGER_SEAL_KEY and --seal-key-file (LEDGER_SEAL_KEY_FILE) are both set: give the signing key one way")
	}
	if len(c.Verifiers) > 0 {
		if _, _, err := seal.Verifiers(c.Verifiers...); err != nil {
			return fmt.Errorf("--seal-verifier-keys (LEDGER_SEAL_VERIFIER_KEYS): %w", err)
		}
	}
	if c.Origin == "" || strings.ContainsAny(c.Origin, "\n") {
		return errors.New("--ledger-name (LEDGER_NAME) must be one non-empty line")
	}
	return nil
}

// startSealer opens the tree and builds the sealer and its API; run
// starts following the log.
func (m *Main) startSealer(reg *prometheus.Registry) (*api.Seals, error) {
	c := m.cfg.Seal
	tree, err := seal.OpenTree(c.MerkleDir)
	if err != nil {
		return nil, err
	}
	s := &seal.Sealer{Log: m.log, Tree: tree, Origin: c.Origin, Every: c.Every, Logger: m.logger}
	keys := []string{}
	if c.Signing() {
		signer, err := seal.LoadSigner(c.Key, c.KeyFile)
		if err != nil {
			tree.Close()
			return nil, err
		}
		key := c.Key
		if key == "" {
			key, err = readTrimmed(c.KeyFile)
		}
		var own string
		if err == nil {
			own, err = seal.VerifierOf(key)
		}
		if err != nil {
			tree.Close()
			return nil, err
		}
		s.Signer, s.Handler = signer, command.NewHandler(m.writes, catalog.New())
		keys = append(keys, own)
	}
	for _, k := range c.Verifiers {
		if !slices.Contains(keys, k) { // the signer's own may be listed too
			keys = append(keys, k)
		}
	}
	m.sealer = s
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ledger_seal_tree_size", Help: "Events in this process's Merkle tree of the log.",
	}, func() float64 { return float64(tree.Size()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ledger_seal_checkpoint_size", Help: "Events covered by the latest signed checkpoint.",
	}, func() float64 {
		cp, _, _ := s.Latest()
		return float64(cp.Size)
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ledger_seal_diverged", Help: "1 when the log no longer matches a checkpoint the ledger signed.",
	}, func() float64 {
		if s.Diverged() != nil {
			return 1
		}
		return 0
	}))
	return &api.Seals{Sealer: s, Log: m.log, Keys: keys}, nil
}

// runSigner signs checkpoints until ctx ends: a singleton, so that of
// several replicas holding the key one signs (the Lease holder).
func (m *Main) runSigner(ctx context.Context) { m.sealer.SignEvery(ctx) }

// runSealer keeps the Merkle tree following the log until bg ends,
// starting it afresh after a failure. Every replica runs it: each serves
// proofs from its own tree.
func (m *Main) runSealer(bg context.Context) { m.keepRunning(bg, "sealer", m.sealer.Run) }

// sealCheck is the readiness check of the verifiable history: a log that
// no longer matches what the ledger signed is an integrity failure, and
// the service says so loudly rather than serve on.
func (m *Main) sealCheck() api.Check {
	return api.Check{Name: "seal", Check: func(context.Context) (any, error) {
		cp, _, _ := m.sealer.Latest()
		return map[string]any{"tree_size": m.sealer.Tree.Size(), "checkpoint_size": cp.Size, "signing": m.sealer.Signer != nil},
			m.sealer.Diverged()
	}}
}

func readTrimmed(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read the signing key file: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}
