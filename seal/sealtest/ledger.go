// Package sealtest holds what the tests of the ledger's evidence packs
// and of their verifiers (Go's, seal/python/verify.py, the console's
// verify.js) share: a seeded log sealed by a sealer holding a fresh key,
// packs built from it, and the editing of JSON documents (packs, test
// vectors) for the tampering cases.
package sealtest

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/seal"
)

// Options say how a Ledger is made.
type Options struct {
	Events int          // demo events seeded (seed 1, until 2025-06-30); 0 seeds none
	Key    string       // the name of the fresh signing key
	Origin string       // the sealer's origin
	Logger *slog.Logger // the sealer's; nil is slog's default
}

// Ledger is a seeded log with a sealer holding a fresh key, caught up.
type Ledger struct {
	Log      eventlog.Store
	Sealer   *seal.Sealer
	Trusted  note.Verifiers // the verifier key, parsed
	Verifier string         // the verifier key, as published
}

// New seeds an embedded log in a temporary directory and seals it (see
// NewOn).
func New(t testing.TB, o Options) *Ledger {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return NewOn(t, log, o)
}

// NewOn seeds o.Events demo events into log (any adapter) and catches a
// sealer with a fresh key and a tree in a temporary directory up with it.
func NewOn(t testing.TB, log eventlog.Store, o Options) *Ledger {
	t.Helper()
	ctx := context.Background()
	if o.Events > 0 {
		if _, err := demo.Seed(ctx, log, demo.Config{Seed: 1, Events: o.Events, Until: domain.Date{Year: 2025, Month: 6, Day: 30}}); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	skey, vkey, err := seal.GenerateKey(o.Key)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := seal.LoadSigner(skey, "")
	if err != nil {
		t.Fatal(err)
	}
	trusted, _, err := seal.Verifiers(vkey)
	if err != nil {
		t.Fatal(err)
	}
	s := &seal.Sealer{Log: log, Tree: tree, Handler: command.NewHandler(log, catalog.New()), Signer: signer, Origin: o.Origin, Logger: o.Logger}
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return &Ledger{Log: log, Sealer: s, Trusted: trusted, Verifier: vkey}
}

// Seal signs a checkpoint of the log as it is.
func (l *Ledger) Seal(t testing.TB) seal.Checkpoint {
	t.Helper()
	cp, err := l.Sealer.SealLog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// Stream returns the name and the events of the longest rectification
// stream (of equals, the first by name); it fails if that holds fewer
// than min events.
func (l *Ledger) Stream(t testing.TB, min int) (string, []eventlog.Event) {
	t.Helper()
	all, err := l.Log.ReadAll(context.Background(), eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range all {
		if strings.HasPrefix(e.Stream, "rectification-") {
			counts[e.Stream]++
		}
	}
	name := ""
	for s, n := range counts {
		if n > counts[name] || n == counts[name] && s < name {
			name = s
		}
	}
	events, err := l.Log.ReadStream(context.Background(), name, 1, eventlog.Forwards, 1000)
	if err != nil || len(events) < min {
		t.Fatalf("stream %s: %d events, %v", name, len(events), err)
	}
	return name, events
}

// AddArea registers the area id, named name, through the write path.
func (l *Ledger) AddArea(t testing.TB, id, name string) {
	t.Helper()
	h := command.NewHandler(l.Log, catalog.New())
	if _, err := command.Create(context.Background(), h, org.AreaStream(id), command.Command{ID: "area-" + id, Actor: domain.Actor{ID: "office-1"}},
		func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea(id, org.RegisterArea{Name: name, Leader: "王伟"}, m)
		}); err != nil {
		t.Fatal(err)
	}
}

// Pack builds the evidence pack of evs under cp (and since a held
// checkpoint, when since is not nil) and returns its file.
func (l *Ledger) Pack(t testing.TB, cp seal.Checkpoint, subject, stream string, evs []eventlog.Event, since *seal.Checkpoint) []byte {
	t.Helper()
	p, err := seal.BuildPack(context.Background(), l.Sealer.Tree, cp, subject, stream, evs, since)
	if err != nil {
		t.Fatal(err)
	}
	return Marshal(t, p)
}

// EscapedArea is the name of the area Sealed registers: Go's encoder
// escapes <, > and &, and 😀 lies outside the BMP (a surrogate pair in a
// \u escape), so re-formatting a pack that holds it changes its bytes.
const EscapedArea = "片区<一> & 二 😀"

// Sealed is what the verifiers' tests build packs from: o.Events demo
// events sealed (First), then the area areaID named EscapedArea, sealed
// again (Last).
type Sealed struct {
	*Ledger
	First, Last seal.Checkpoint
	Area        []eventlog.Event // the area's one event
}

// NewSealed makes a Sealed on an embedded log.
func NewSealed(t testing.TB, o Options, areaID string) *Sealed {
	t.Helper()
	s := &Sealed{Ledger: New(t, o)}
	s.First = s.Seal(t)
	s.AddArea(t, areaID, EscapedArea)
	s.Last = s.Seal(t)
	var err error
	if s.Area, err = s.Log.ReadStream(context.Background(), org.AreaStream(areaID), 1, eventlog.Forwards, 10); err != nil || len(s.Area) != 1 {
		t.Fatalf("area stream: %d events, %v", len(s.Area), err)
	}
	return s
}
