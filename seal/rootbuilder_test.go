package seal_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// TestRootBuilderAgreesWithTheTree: the root computed in memory over the
// log's first n events is the tree's at size n, for every n; and an event
// whose payload was changed (its stored hash left as it was) is refused.
func TestRootBuilderAgreesWithTheTree(t *testing.T) {
	l := newLedger(t, 300)
	events, err := l.log.ReadAll(context.Background(), eventlog.Start, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b := seal.NewRootBuilder()
	for i := range events {
		if err := b.Add(&events[i]); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		got, err := b.Root()
		if err != nil {
			t.Fatal(err)
		}
		want, err := l.sealer.Tree.Root(uint64(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || b.Size() != uint64(i+1) {
			t.Fatalf("size %d: root %x, the tree's %x", i+1, got, want)
		}
	}
	changed := events[5]
	changed.Payload = bytes.Replace(changed.Payload, []byte(`"`), []byte(`" `), 1)
	b = seal.NewRootBuilder()
	for i := range 5 {
		if err := b.Add(&events[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Add(&changed); err == nil || !strings.Contains(err.Error(), "hash") {
		t.Errorf("a changed payload: %v", err)
	}
}
