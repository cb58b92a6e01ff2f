package projections

import (
	"context"
	"fmt"
	"slices"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// Difference is one figure that ClickHouse and the event log disagree on.
type Difference struct {
	Figure     string
	Log        int64
	ClickHouse int64
}

// Reconcile compares every figure the models' reconcilers name, computed
// from the event log up to the live checkpoint, with the same figure read
// from ClickHouse. models must be fresh instances: their Expect state is
// built here from the first event on. It returns how many figures it
// compared and those that differ.
func Reconcile(ctx context.Context, q Querier, db string, log eventlog.Store, reg *domain.Registry, models []Model, progress Progress) (int, []Difference, error) {
	upTo, err := ReadCheckpoint(ctx, q, db, "live")
	if err != nil {
		return 0, nil, err
	}
	var recs []Reconciler
	for _, m := range models {
		if r, ok := m.(Reconciler); ok {
			recs = append(recs, r)
		}
	}
	want := map[string]int64{}
	after := eventlog.Start
	var n uint64
	for after.Less(upTo) {
		page, err := log.ReadAll(ctx, after, 5000)
		if err != nil {
			return 0, nil, fmt.Errorf("reconcile: read log: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			if upTo.Less(page[i].Position) {
				break
			}
			data, err := reg.Decode(page[i].Type, page[i].SchemaVersion, page[i].Payload)
			if err != nil {
				return 0, nil, fmt.Errorf("reconcile: position %v: %w", page[i].Position, err)
			}
			for _, r := range recs {
				r.Expect(Event{Event: page[i], Data: data}, want)
			}
			n++
		}
		after = page[len(page)-1].Position
		if progress != nil {
			progress(after, n)
		}
	}
	for _, r := range recs {
		if f, ok := r.(Finisher); ok {
			f.Finish(want)
		}
	}
	got := map[string]int64{}
	for _, r := range recs {
		figures, err := r.Actual(ctx, q, db)
		if err != nil {
			return 0, nil, fmt.Errorf("reconcile: %w", err)
		}
		for k, v := range figures {
			got[k] = v
		}
	}
	names := make([]string, 0, len(want)+len(got))
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var diffs []Difference
	for _, k := range names {
		if want[k] != got[k] {
			diffs = append(diffs, Difference{Figure: k, Log: want[k], ClickHouse: got[k]})
		}
	}
	return len(names), diffs, nil
}
