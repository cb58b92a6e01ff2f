package catalog_test

import (
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/checkpoint"
	"github.com/cxzy/ledger/domain/commandkey"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
)

// TestStateKnowsEveryEntityStream: the stream of every kind of entity,
// named by its family's own Stream function, is recognised as that kind;
// the ledger's bookkeeping streams are not entities.
func TestStateKnowsEveryEntityStream(t *testing.T) {
	q := domain.Quarter{Year: 2026, Q: 1}
	period, _ := evaluation.ParsePeriod("2026Q1")
	for stream, want := range map[string]string{
		rectification.Stream("r1"):                "rectification",
		pledge.Stream("p1"):                       "pledge",
		review.Stream("rv1"):                      "review",
		inspection.Stream("in1"):                  "inspection",
		inspection.GroupStream("g1"):              "group",
		org.AreaStream("a1"):                      "area",
		org.UnitStream("u1"):                      "unit",
		org.MemberStream("m1"):                    "member",
		org.ThemeStream("u1", q):                  "theme",
		evaluation.SurveyStream("s1"):             "survey",
		evaluation.VanguardStream("v1"):           "vanguard",
		evaluation.StarRatingStream("u1", period): "star_rating",
		evaluation.RankingStream("a1", domain.Month{Year: 2026, Month: time.March}): "ranking",
		evidence.Stream("ab"): "evidence_file",
	} {
		entity, state, ok := catalog.State(stream, nil)
		if !ok || entity != want || state != nil {
			t.Errorf("%s: %q, %v, %v; want %q with no state before any event", stream, entity, state, ok, want)
		}
	}
	for _, stream := range []string{checkpoint.Stream, commandkey.Stream("k")} {
		if entity, _, ok := catalog.State(stream, nil); ok {
			t.Errorf("%s is taken for an entity, %q", stream, entity)
		}
	}
}

// TestStateFoldsWithTheAggregate: the state is the aggregate's own fold,
// shown with its state name.
func TestStateFoldsWithTheAggregate(t *testing.T) {
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	events := []domain.Event{
		pledge.Submitted{PledgeID: "p1", Maker: pledge.MakerUnit, Unit: "u1", Quarter: domain.Quarter{Year: 2026, Q: 1},
			Category: pledge.StageTask, Title: "修缮公告栏", Content: "三月底前", By: "clerk-u1", OccurredAt: at},
		pledge.Filed{PledgeID: "p1", Unit: "u1", OccurredAt: at.Add(time.Hour)},
	}
	_, state, _ := catalog.State(pledge.Stream("p1"), events)
	s, ok := state.(pledge.Snapshot)
	if !ok || s.State != "filed" || s.FiledAt != at.Add(time.Hour) || s.Title != "修缮公告栏" || len(s.Authors) != 1 {
		t.Errorf("state %+v, want the pledge filed at %v", state, at.Add(time.Hour))
	}
}
