package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/projections"
)

// TestPledgeRowsKeepTheirFirstPlace pins what the pledge queries' PREWHERE
// relies on (sqlFilter.prewhere): every version of a pledge's row has the
// unit, area, unit kind and quarter it had when the pledge was made, even
// after its unit moves to another area. Were a later version written with
// the new area, a PREWHERE on the old one would keep the old version and
// show a state the pledge has left.
func TestPledgeRowsKeepTheirFirstPlace(t *testing.T) {
	at := time.Date(2025, 4, 2, 2, 0, 0, 0, time.UTC)
	q := domain.Quarter{Year: 2025, Q: 2}
	events := []projections.Event{
		ogEvent(1, 1, org.UnitStream("u1"), org.UnitRegistered{UnitID: "u1", Name: "第一支部", Kind: org.KindBranch, ParentID: "u0", AreaID: "a01", OccurredAt: at}),
		ogEvent(2, 1, pledge.Stream("p1"), pledge.Submitted{PledgeID: "p1", Maker: pledge.MakerUnit, Unit: "u1", Quarter: q, Category: pledge.StageTask, Title: "修缮公告栏", OccurredAt: at.Add(time.Hour)}),
		ogEvent(3, 2, org.UnitStream("u1"), org.UnitMoved{UnitID: "u1", ParentID: "u0", AreaID: "a02", PreviousParentID: "u0", PreviousAreaID: "a01"}),
		ogEvent(4, 2, pledge.Stream("p1"), pledge.Filed{PledgeID: "p1", Unit: "u1", OccurredAt: at.Add(2 * time.Hour)}),
	}
	h := &ogHistory{events: events}
	m := &projections.Pledges{}
	var rows [][]any
	for _, e := range events {
		var out projections.Rows
		if err := m.Apply(context.Background(), e, h, &out); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, out.Table("pledges")...)
	}
	if len(rows) != 2 {
		t.Fatalf("the pledge has %d row versions, want 2 (submitted, filed)", len(rows))
	}
	// pledges columns: id, stream, unit, member, maker, area, unit_kind, quarter, category, title, state, ...
	for i, r := range rows {
		if r[2] != "u1" || r[5] != "a01" || r[6] != "branch" || r[7] != "2025Q2" {
			t.Errorf("version %d: unit %v, area %v, kind %v, quarter %v; want u1, a01, branch, 2025Q2 (where the pledge was made)", i+1, r[2], r[5], r[6], r[7])
		}
	}
	if rows[1][10] != "filed" {
		t.Errorf("the second version is %v, want filed", rows[1][10])
	}
}
