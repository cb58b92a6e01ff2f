package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
	"github.com/cxzy/ledger/seal"
)

var testSecret = []byte(strings.Repeat("s", 32))

// sealedLedger is a seeded log served over HTTP with a sealer signing
// with the key in keyFile.
type sealedLedger struct {
	log    *embedded.Store
	sealer *seal.Sealer
	url    string
	// files, when set, answers GET /v1/evidence/{sha256} in the API's
	// place (the route is built on another branch).
	files http.Handler
}

func newSealedLedger(t *testing.T, seed int64, events int, keyFile string) *sealedLedger {
	t.Helper()
	return newSealedLedgerWith(t, seed, events, keyFile, nil)
}

// newSealedLedgerWith seeds the demo with its evidence files in store.
func newSealedLedgerWith(t *testing.T, seed int64, events int, keyFile string, store evidence.Store) *sealedLedger {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	ctx := context.Background()
	if _, err := demo.Seed(ctx, log, demo.Config{Seed: seed, Events: events, Until: domain.Date{Year: 2025, Month: 6, Day: 30}, Evidence: store}); err != nil {
		t.Fatal(err)
	}
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	signer, err := seal.LoadSigner("", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	h := command.NewHandler(log, catalog.New())
	s := &seal.Sealer{Log: log, Tree: tree, Handler: h, Signer: signer, Origin: "cxzy-ledger/test"}
	l := &sealedLedger{log: log, sealer: s}
	served := (&api.Server{Verifier: api.HS256{Key: testSecret},
		Seals: &api.Seals{Sealer: s, Log: log, Scope: api.Scope{Handler: h}}}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sum, ok := strings.CutPrefix(r.URL.Path, "/v1/evidence/"); ok && l.files != nil && evidence.ValidDigest(sum) {
			l.files.ServeHTTP(w, r)
			return
		}
		served.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	l.url = srv.URL
	l.seal(t)
	return l
}

func (l *sealedLedger) seal(t *testing.T) seal.Checkpoint {
	t.Helper()
	cp, err := l.sealer.SealLog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func ctl(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String() + errOut.String()
}

// TestVerifiableHistoryFromTheCommandLine: keygen, audit (first, then
// after growth, then against a forked ledger signed with the same key),
// evidence and verify-pack, and a tampered pack.
func TestVerifiableHistoryFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "seal.key")
	code, out := ctl(t, nil, "keygen", "--name", "test-ledger", "--out", keyFile)
	if code != exitOK {
		t.Fatalf("keygen: %d %s", code, out)
	}
	pub := strings.TrimSpace(strings.Split(out, "\n")[0])
	if !strings.HasPrefix(pub, "test-ledger+") {
		t.Fatalf("keygen printed %q, want the verifier key first", out)
	}
	if info, err := os.Stat(keyFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", info.Mode(), err)
	}
	if code, _ := ctl(t, nil, "keygen", "--out", keyFile); code == exitOK {
		t.Error("keygen overwrote an existing key file")
	}

	a := newSealedLedger(t, 1, 600, keyFile)
	saved := filepath.Join(dir, "checkpoint.json")
	code, out = ctl(t, nil, "audit", "--server", a.url, "--key", pub, "--since", saved)
	if code != exitOK || !strings.Contains(out, "FIRST AUDIT") {
		t.Fatalf("first audit: %d %s", code, out)
	}
	// The ledger grows and seals again: the audit proves the new
	// checkpoint extends the saved one.
	h := command.NewHandler(a.log, catalog.New())
	for i := range 5 {
		id := fmt.Sprintf("z%02d", i)
		if _, err := command.Create(context.Background(), h, org.AreaStream(id), command.Command{ID: "area-" + id, Actor: domain.Actor{ID: "office-1"}},
			func(m domain.Meta) ([]domain.Event, error) {
				return org.NewArea(id, org.RegisterArea{Name: "片区" + id, Leader: "王伟"}, m)
			}); err != nil {
			t.Fatal(err)
		}
	}
	a.seal(t)
	code, out = ctl(t, nil, "audit", "--server", a.url, "--key", pub, "--since", saved)
	if code != exitOK || !strings.Contains(out, "VERIFIED: ") || !strings.Contains(out, "6 events were added") {
		t.Fatalf("second audit: %d %s", code, out)
	}

	// An evidence pack of a stream, fetched and verified offline.
	stream := ""
	all, _ := a.log.ReadAll(context.Background(), eventlog.Start, 10000)
	for _, e := range all {
		if strings.HasPrefix(e.Stream, "rectification-") {
			stream = e.Stream
			break
		}
	}
	office, _ := api.HS256{Key: testSecret}.Mint(api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}, time.Hour, time.Now())
	pack := filepath.Join(dir, "pack.json")
	code, out = ctl(t, map[string]string{"LEDGER_TOKEN": office}, "evidence", "--server", a.url, "--stream", stream, "--out", pack)
	if code != exitOK {
		t.Fatalf("evidence: %d %s", code, out)
	}
	code, out = ctl(t, nil, "verify-pack", pack, "--key", pub, "--since", saved)
	// The saved checkpoint is the latest, and the pack is against it: no
	// consistency proof is needed, but --since wants one; without it, the
	// pack verifies.
	if code == exitOK {
		t.Errorf("verify-pack --since without a consistency proof in the pack passed: %s", out)
	}
	code, out = ctl(t, nil, "verify-pack", pack, "--key", pub)
	if code != exitOK || !strings.Contains(out, "VERIFIED: every event of stream "+stream) || !strings.Contains(out, "unaltered") {
		t.Fatalf("verify-pack: %d %s", code, out)
	}
	data, _ := os.ReadFile(pack)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, bytes.Replace(data, []byte(`"actor":"`), []byte(`"actor":"x`), 1), 0o644)
	if code, out = ctl(t, nil, "verify-pack", tampered, "--key", pub); code != exitFail || !strings.Contains(out, "NOT VERIFIED") {
		t.Errorf("a tampered pack: %d %s", code, out)
	}
	otherKey := filepath.Join(dir, "other.key")
	_, otherOut := ctl(t, nil, "keygen", "--name", "test-ledger", "--out", otherKey)
	if code, out = ctl(t, nil, "verify-pack", pack, "--key", strings.Split(otherOut, "\n")[0]); code != exitFail {
		t.Errorf("a pack checked with another key: %d %s", code, out)
	}

	// A forked ledger: another history, signed with the same key, the same
	// name, and larger. The audit from the saved checkpoint refuses it.
	b := newSealedLedger(t, 2, 900, keyFile)
	code, out = ctl(t, nil, "audit", "--server", b.url, "--key", pub, "--since", saved)
	if code != exitFail || !strings.Contains(out, "history was rewritten") {
		t.Errorf("audit against a fork: %d %s", code, out)
	}
	// And the saved checkpoint is left as it was.
	if again, _ := ctl(t, nil, "audit", "--server", a.url, "--key", pub, "--since", saved); again != exitOK {
		t.Error("after a failed audit, the saved checkpoint no longer matches the honest ledger")
	}
}

// mustKeygen makes a checkpoint signing key in dir with ledgerctl keygen,
// returning its file and the verifier key keygen prints first.
func mustKeygen(t *testing.T, dir string) (keyFile, verifier string) {
	t.Helper()
	keyFile = filepath.Join(dir, "seal.key")
	code, out := ctl(t, nil, "keygen", "--name", "test-ledger", "--out", keyFile)
	if code != exitOK {
		t.Fatalf("keygen: %d %s", code, out)
	}
	return keyFile, strings.TrimSpace(strings.Split(out, "\n")[0])
}
