package seal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/domain/checkpoint"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/kurrent"
	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
	"github.com/cxzy/ledger/seal"
	"github.com/cxzy/ledger/seal/sealtest"
)

// ledger is a seeded embedded log with a sealer holding a fresh key
// (a sealtest.Ledger, under the names these tests use).
type ledger struct {
	st       *sealtest.Ledger
	log      eventlog.Store
	sealer   *seal.Sealer
	trusted  note.Verifiers
	verifier string
}

func newLedger(t *testing.T, events int) *ledger {
	t.Helper()
	return wrap(sealtest.New(t, ledgerOptions(events)))
}

// newLedgerOn seeds events into log (any adapter) and seals it.
func newLedgerOn(t *testing.T, log eventlog.Store, events int) *ledger {
	t.Helper()
	return wrap(sealtest.NewOn(t, log, ledgerOptions(events)))
}

func ledgerOptions(events int) sealtest.Options {
	return sealtest.Options{Events: events, Key: "ledger-test-2026", Origin: "cxzy-ledger/test"}
}

func wrap(st *sealtest.Ledger) *ledger {
	return &ledger{st: st, log: st.Log, sealer: st.Sealer, trusted: st.Trusted, verifier: st.Verifier}
}

func (l *ledger) seal(t *testing.T) seal.Checkpoint {
	t.Helper()
	return l.st.Seal(t)
}

// stream returns the events of the longest rectification stream.
func (l *ledger) stream(t *testing.T) (string, []eventlog.Event) {
	t.Helper()
	return l.st.Stream(t, 3)
}

func TestSealAndProve(t *testing.T) {
	l := newLedger(t, 1500)
	ctx := context.Background()
	cp := l.seal(t)
	head, _ := l.log.(*embedded.Store).Head()
	if cp.Size != head.Commit-1 {
		t.Errorf("checkpoint of %d events, log head %d (the checkpoint itself is the last event)", cp.Size, head.Commit)
	}
	opened, err := seal.Open([]byte(cp.Note), l.trusted)
	if err != nil || opened.Size != cp.Size || string(opened.Root) != string(cp.Root) || opened.Origin != "cxzy-ledger/test" {
		t.Fatalf("open = %+v, %v", opened, err)
	}
	// Nothing new but the checkpoint itself: sealing again signs nothing.
	again := l.seal(t)
	if again.Size != cp.Size {
		t.Errorf("a second seal with nothing new signed %d (first %d)", again.Size, cp.Size)
	}
	if latest, ok, err := l.sealer.Latest(); err != nil || !ok || latest.Size != cp.Size {
		t.Errorf("latest = %+v %v %v", latest, ok, err)
	}
	evs, err := l.log.ReadStream(ctx, checkpoint.Stream, 1, eventlog.Forwards, 10)
	if err != nil || len(evs) != 1 || evs[0].Actor != "sealer" {
		t.Fatalf("checkpoint stream = %d events (%v)", len(evs), err)
	}

	name, events := l.stream(t)
	pack, err := seal.BuildPack(ctx, l.sealer.Tree, cp, "rectification "+name, name, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	report, err := seal.VerifyPack(roundTrip(t, pack), l.trusted, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(report.Lines, "\n")
	for _, want := range []string{"signed by key ledger-test-2026", "unaltered and recorded in that checkpoint", "with none missing", "Not proved"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}

	// A later checkpoint extends the first: the pack against it carries
	// the consistency proof from the first.
	l.addAreas(t, "x", 30)
	cp2 := l.seal(t)
	if cp2.Size <= cp.Size {
		t.Fatalf("second checkpoint %d not after %d", cp2.Size, cp.Size)
	}
	pack2, err := seal.BuildPack(ctx, l.sealer.Tree, cp2, "rectification "+name, name, events, &cp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(roundTrip(t, pack2), l.trusted, &cp); err != nil {
		t.Errorf("pack against the later checkpoint, held the earlier: %v", err)
	}
	if _, err := seal.VerifyPack(pack2, l.trusted, &cp2); err == nil {
		t.Error("a held checkpoint the pack's proof does not start from passed")
	}

	// A replica without the key, configured with another name, builds its
	// own tree from the log and serves the same checkpoints and proofs.
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	replica := &seal.Sealer{Log: l.log, Tree: tree, Origin: "configured-otherwise"}
	if err := replica.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	latest, ok, err := replica.Latest()
	if err != nil || !ok || latest.Size != cp2.Size {
		t.Fatalf("the replica's latest = %+v %v %v", latest, ok, err)
	}
	pack3, err := seal.BuildPack(ctx, tree, latest, "rectification "+name, name, events, nil)
	if err == nil {
		_, err = seal.VerifyPack(roundTrip(t, pack3), l.trusted, nil)
	}
	if err != nil {
		t.Errorf("a pack from the replica: %v", err)
	}
	if _, err := replica.Seal(ctx); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("a replica without the key sealed: %v", err)
	}
}

// roundTrip sends a pack through JSON, as a file would.
func roundTrip(t *testing.T, p seal.Pack) seal.Pack {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out seal.Pack
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryFieldAltered alters, in turn, every field of the checkpoint,
// of each proof and of each event in a pack (its exact payload bytes,
// payload_base64, included): each alteration fails.
func TestEveryFieldAltered(t *testing.T) {
	l := newLedger(t, 800)
	ctx := context.Background()
	first := l.seal(t)
	l.addAreas(t, "y", 20)
	cp := l.seal(t)
	name, events := l.stream(t)
	good, err := seal.BuildPack(ctx, l.sealer.Tree, cp, "stream "+name, name, events, &first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(good, l.trusted, &first); err != nil {
		t.Fatal(err)
	}
	// Alter each field of the pack in turn, through reflection, on a
	// fresh copy each time.
	fresh := func() seal.Pack { return roundTrip(t, good) }
	packType := reflect.TypeFor[seal.Pack]()
	tried := 0
	for _, path := range fieldPaths(packType) {
		name := packType.Field(path[0]).Name
		if name == "Events" || name == "Subject" {
			continue // the events are altered one by one below; the subject is words for people
		}
		p := fresh()
		alterValue(reflect.ValueOf(&p).Elem(), path)
		tried++
		if _, err := seal.VerifyPack(roundTrip(t, p), l.trusted, &first); err == nil {
			t.Errorf("altered pack field %s %v: the pack still verifies", name, path)
		}
	}
	evType := reflect.TypeFor[seal.PackEvent]()
	if f, ok := evType.FieldByName("Payload"); !ok || f.Tag.Get("json") != "payload_base64,omitempty" {
		t.Fatalf("PackEvent has no payload_base64 field to alter: %+v", f)
	}
	for i := range good.Events {
		for _, path := range fieldPaths(evType) {
			p := fresh()
			alterValue(reflect.ValueOf(&p.Events[i]).Elem(), path)
			tried++
			if _, err := seal.VerifyPack(roundTrip(t, p), l.trusted, &first); err == nil {
				t.Errorf("altered event %d field %v: the pack still verifies", i, path)
			}
		}
	}
	if tried < 40 {
		t.Errorf("only %d alterations tried", tried)
	}
	t.Logf("%d alterations, each refused", tried)
}

// fieldPaths lists the index paths of a struct's leaf fields (times and
// positions count as leaves).
func fieldPaths(typ reflect.Type) [][]int {
	var out [][]int
	for i := range typ.NumField() {
		f := typ.Field(i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() && ft != reflect.TypeFor[eventlog.Position]() {
			for _, sub := range fieldPaths(ft) {
				out = append(out, append([]int{i}, sub...))
			}
			continue
		}
		out = append(out, []int{i})
	}
	return out
}

// alterValue changes the field at path below v so that it differs.
func alterValue(v reflect.Value, path []int) {
	for _, i := range path {
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		v = v.Field(i)
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch x := v.Addr().Interface().(type) {
	case *time.Time:
		*x = x.Add(time.Second)
	case *eventlog.Position:
		x.Commit++
	case *json.RawMessage:
		// A change of meaning: the readable payload may be re-formatted
		// (whitespace, escapes) but must say what payload_base64 says.
		*x = json.RawMessage(strings.Replace(string(*x), "}", `,"altered":true}`, 1))
	case *eventlog.Hash:
		x[0] ^= 1
	case *[]byte:
		(*x)[len(*x)/2] ^= 1
	case *[][]byte:
		if len(*x) == 0 {
			*x = [][]byte{make([]byte, 32)}
		} else {
			(*x)[len(*x)/2][0] ^= 1
		}
	case *string:
		if *x == "" {
			*x = "x"
		} else {
			b := []byte(*x)
			b[len(b)/2] ^= 1
			*x = string(b)
		}
	case *uint64:
		*x++
	case *int:
		*x++
	default:
		panic(fmt.Sprintf("alterValue: %T", x))
	}
}

// TestTamperingDetected: an event changed, dropped or two reordered in a
// pack, and history forked after a checkpoint, each fail verification.
func TestTamperingDetected(t *testing.T) {
	l := newLedger(t, 800)
	ctx := context.Background()
	cp := l.seal(t)
	name, events := l.stream(t)
	good, err := seal.BuildPack(ctx, l.sealer.Tree, cp, "stream "+name, name, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(p *seal.Pack){
		"changed payload": func(p *seal.Pack) {
			p.Events[1].Event.Payload = json.RawMessage(strings.Replace(string(p.Events[1].Event.Payload), `"`, `" `, 1))
		},
		"changed and rehashed": func(p *seal.Pack) {
			e := &p.Events[1].Event
			e.Actor = "someone-else"
			e.Hash = eventlog.ComputeHash(e)
		},
		"dropped": func(p *seal.Pack) { p.Events = append(p.Events[:1:1], p.Events[2:]...) },
		"dropped last but one": func(p *seal.Pack) {
			n := len(p.Events)
			p.Events = append(p.Events[:n-2:n-2], p.Events[n-1])
		},
		"reordered": func(p *seal.Pack) { p.Events[0], p.Events[1] = p.Events[1], p.Events[0] },
		"signed by another key": func(p *seal.Pack) {
			skey, _, _ := seal.GenerateKey("ledger-test-2026")
			other, _ := seal.LoadSigner(skey, "")
			forged, _ := seal.Sign(other, cp.Origin, cp.Size, cp.Root, cp.Time)
			p.Checkpoint = forged
		},
	}
	for name, tamper := range cases {
		p := roundTrip(t, good)
		tamper(&p)
		_, err := seal.VerifyPack(p, l.trusted, nil)
		if !seal.IsVerificationError(err) {
			t.Errorf("%s: verify = %v, want a verification error", name, err)
		}
	}

	// A fork: the operator rebuilds the tree from a history in which one
	// sealed event differs, and signs it with the ledger's own key. The
	// reader holding the first checkpoint sees it does not extend.
	all, err := l.log.ReadAll(ctx, eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	forked, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer forked.Close()
	rewritten := append([]eventlog.Event(nil), all...)
	rewritten[10].Actor = "rewritten"
	rewritten[10].Hash = eventlog.ComputeHash(&rewritten[10])
	if err := forked.Append(rewritten); err != nil {
		t.Fatal(err)
	}
	root, _ := forked.Root(forked.Size())
	forgedCP, err := seal.Sign(l.sealer.Signer, cp.Origin, forked.Size(), root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	forkPack, err := seal.BuildPack(ctx, forked, forgedCP, "stream "+name, name, events, &cp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(roundTrip(t, forkPack), l.trusted, nil); err != nil {
		t.Fatalf("the forked pack alone should verify (it is self-consistent): %v", err)
	}
	_, err = seal.VerifyPack(roundTrip(t, forkPack), l.trusted, &cp)
	if !seal.IsVerificationError(err) || !strings.Contains(err.Error(), "rewritten") {
		t.Errorf("fork after a held checkpoint: %v, want a verification error saying history was rewritten", err)
	}
	// Any rewrite of sealed history, made into a tree and signed, fails
	// the consistency proof from the checkpoint held before: an event
	// changed, one dropped, two reordered.
	rewrites := map[string]func([]eventlog.Event) []eventlog.Event{
		"changed": func(evs []eventlog.Event) []eventlog.Event {
			evs[20].Payload = json.RawMessage(strings.Replace(string(evs[20].Payload), "}", `,"x":1}`, 1))
			evs[20].Hash = eventlog.ComputeHash(&evs[20])
			return evs
		},
		"dropped":   func(evs []eventlog.Event) []eventlog.Event { return append(evs[:20:20], evs[21:]...) },
		"reordered": func(evs []eventlog.Event) []eventlog.Event { evs[20], evs[21] = evs[21], evs[20]; return evs },
	}
	for name, rewrite := range rewrites {
		evs := rewrite(append([]eventlog.Event(nil), all...))
		if name == "reordered" { // the tree takes positions in order: keep them, swap the contents
			evs[20].Position, evs[21].Position = evs[21].Position, evs[20].Position
		}
		tr, err := seal.OpenTree(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Append(evs); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		root, _ := tr.Root(tr.Size())
		pr, err := tr.ConsistencyProof(cp.Size, tr.Size())
		if err == nil {
			err = proof.VerifyConsistency(rfc6962.DefaultHasher, cp.Size, tr.Size(), pr, cp.Root, root)
		}
		if err == nil && tr.Size() >= cp.Size {
			t.Errorf("history %s after checkpoint %d: still consistent", name, cp.Size)
		}
		tr.Close()
	}
	if err := l.sealer.Diverged(); err != nil {
		t.Errorf("an untouched ledger reported divergence: %v", err)
	}
}

// addAreas records n more events (new areas) through the write path.
func (l *ledger) addAreas(t *testing.T, prefix string, n int) {
	t.Helper()
	for i := range n {
		id := fmt.Sprintf("%s%03d", prefix, i)
		l.st.AddArea(t, id, "片区"+id)
	}
}

// TestSealOverKurrentDB seals a ledger kept in KurrentDB, through the real
// client over real gRPC to the protocol double: the sealer uses only the
// event-log port, so it works the same over both adapters.
func TestSealOverKurrentDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log, err := kurrent.Open(ctx, kurrenttest.Start(t).ConnString(), kurrent.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	l := newLedgerOn(t, log, 400)
	cp := l.seal(t)
	name, events := l.stream(t)
	pack, err := seal.BuildPack(ctx, l.sealer.Tree, cp, "stream "+name, name, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.VerifyPack(roundTrip(t, pack), l.trusted, nil); err != nil {
		t.Fatal(err)
	}
}

// TestDivergenceStopsSigning: a tree whose first leaves came from another
// history meets the ledger's recorded checkpoint and reports that the log
// no longer matches it; the sealer then refuses to sign.
func TestDivergenceStopsSigning(t *testing.T) {
	a := newLedger(t, 600)
	a.seal(t)
	b := newLedger(t, 0)
	b.addAreas(t, "b", 40) // another history, in the same positions
	other, err := b.log.ReadAll(context.Background(), eventlog.Start, 40)
	if err != nil || len(other) != 40 {
		t.Fatalf("%d events, %v", len(other), err)
	}
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if err := tree.Append(other); err != nil {
		t.Fatal(err)
	}
	s := &seal.Sealer{Log: a.log, Tree: tree, Handler: a.sealer.Handler, Signer: a.sealer.Signer, Origin: "cxzy-ledger/test"}
	if err := s.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Diverged(); err == nil || !strings.Contains(err.Error(), "no longer matches checkpoint") {
		t.Fatalf("diverged = %v, want the checkpoint named", err)
	}
	if _, err := s.Seal(context.Background()); err == nil {
		t.Error("a sealer whose tree disagrees with a signed checkpoint signed another")
	}
}
