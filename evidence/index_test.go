package evidence_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/evidence"
)

// The index is told of the same events twice (by the upload route's
// Refresh and by following the log), and in either order: it counts each
// once, and citations nested in a payload are found.
func TestIndexAppliesEachEventOnce(t *testing.T) {
	ctx := context.Background()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	h := command.NewHandler(log, catalog.New())
	sum := strings.Repeat("ab", 32)
	upload := func(id, by, unit string) {
		t.Helper()
		ref := domain.Evidence{SHA256: sum, Name: "a.jpg", Size: 100, MediaType: "image/jpeg"}
		_, err := command.Execute(ctx, h, evdomain.Stream(sum), command.Command{ID: id, Actor: domain.Actor{ID: by}},
			func() *evdomain.File { return &evdomain.File{} }, func(f *evdomain.File, m domain.Meta) ([]domain.Event, error) {
				return f.RecordUpload(evdomain.RecordUpload{Evidence: ref, Unit: unit}, m)
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	upload("1", "clerk-a", "u1")
	idx := evidence.NewIndex(log, catalog.New())
	// Refresh first (as the upload route does), then the follower's pass
	// over the same events, then a later upload by Refresh only.
	if err := idx.Refresh(ctx, sum); err != nil {
		t.Fatal(err)
	}
	upload("2", "clerk-b", "u2")
	if err := idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := idx.Refresh(ctx, sum); err != nil {
		t.Fatal(err)
	}
	e, _ := idx.Lookup(sum)
	if len(e.File.Uploads) != 2 || idx.Used("u1") != 100 || idx.Used("u2") != 100 {
		t.Fatalf("uploads %+v, used u1 %d u2 %d; want two uploads of 100 bytes", e.File.Uploads, idx.Used("u1"), idx.Used("u2"))
	}
	if collect, _ := idx.Due(time.Now().Add(time.Hour), time.Time{}); len(collect) != 1 {
		t.Errorf("due %v, want the uncited file", collect)
	}
	// A citation nested in a payload, and a payload that only mentions
	// the word: one citation, seen once however often it is applied.
	envs := []eventlog.Event{
		{ID: "c1", Type: "fulfilment.progress_reported", Unit: "u1", CommandID: "c1", SchemaVersion: 1,
			Payload: []byte(`{"report":{"evidence":[{"sha256":"` + sum + `","name":"a.jpg"}]},"note":"evidence"}`)},
		{ID: "c2", Type: "fulfilment.progress_reported", Unit: "u1", CommandID: "c1", SchemaVersion: 1, Payload: []byte(`{"note":"evidence"}`)},
	}
	stream := pledge.Stream("p1")
	eventlog.Chain(stream, 0, eventlog.Hash{}, envs)
	res, err := log.Append(ctx, stream, eventlog.Exact(0), envs)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Observe(ctx, stream, res.FirstVersion, res.LastVersion); err != nil {
		t.Fatal(err)
	}
	if err := idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if e, _ := idx.Lookup(sum); len(e.Refs) != 1 || e.Refs[0].Stream != stream || e.Refs[0].Unit != "u1" {
		t.Errorf("citations %+v, want the one in %s", e.Refs, stream)
	}
	if collect, _ := idx.Due(time.Now().Add(time.Hour), time.Time{}); len(collect) != 0 {
		t.Errorf("due %v: a cited file is never due", collect)
	}
	// Quota: a file the unit holds costs nothing more; another would.
	if release, err := idx.Reserve("u1", sum, 100, 150); err != nil {
		t.Errorf("the unit's own file again: %v", err)
	} else {
		release()
	}
	if _, err := idx.Reserve("u1", strings.Repeat("cd", 32), 100, 150); err == nil {
		t.Error("a second file past the quota was reserved")
	}
}
