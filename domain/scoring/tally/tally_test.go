package tally_test

import (
	"context"
	"testing"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/domain/scoring/scoringtest"
	"github.com/cxzy/ledger/domain/scoring/tally"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// scenario writes the hand-computed scenario (all of it, or all but the
// survey correction) and folds the log into a tally.
func scenario(t *testing.T, withCorrection bool) *tally.Tally {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	reg := catalog.New()
	h := command.NewHandler(log, reg, command.WithClock(scoringtest.Clock))
	steps, correction := scoringtest.Steps()
	if withCorrection {
		steps = append(steps, correction)
	}
	ctx := context.Background()
	if err := scoringtest.Write(ctx, h, steps); err != nil {
		t.Fatal(err)
	}
	tl := &tally.Tally{Loc: scoringtest.Loc}
	page, err := log.ReadAll(ctx, eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page {
		data, err := reg.Decode(e.Type, e.SchemaVersion, e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		tl.Apply(tally.Event{Stream: e.Stream, OccurredAt: e.OccurredAt, Data: data})
	}
	return tl
}

// TestTallyHandComputed: the inputs counted from the log, the rule in
// force and the ranking equal the tables worked out by hand
// (scoringtest): August by rule v1, September by v2.
func TestTallyHandComputed(t *testing.T) {
	tl := scenario(t, true)
	for _, m := range []domain.Month{scoringtest.Aug, scoringtest.Sep} {
		got := tl.Month(m)
		for area, want := range scoringtest.Inputs[m] {
			if len(got[area]) != len(want) {
				t.Errorf("%s %s: got %+v, want %+v", m, area, got[area], want)
				continue
			}
			for i := range want {
				if got[area][i] != want[i] {
					t.Errorf("%s %s: got %+v, want %+v", m, area, got[area][i], want[i])
				}
			}
		}
		if len(got) != len(scoringtest.Inputs[m]) {
			t.Errorf("%s: areas %v", m, got)
		}
	}
	for m, version := range map[domain.Month]int{scoringtest.Aug: 1, scoringtest.Sep: 2} {
		c := tl.Ranking("a1", m)
		if c.Rule.Version != version {
			t.Errorf("%s: rule %d, want %d", m, c.Rule.Version, version)
		}
		checkPlaces(t, m.String(), c.Ranked, scoringtest.Ranks[m])
	}
	if first, last, ok := tl.Months(); !ok || first != (domain.Month{Year: 2011, Month: 1}) || last != (domain.Month{Year: 2011, Month: 10}) {
		t.Errorf("months %v to %v, %v", first, last, ok)
	}
	if c := tl.Ranking("a1", domain.Month{Year: 2010, Month: 12}); c.Rule.Version != 0 || c.Ranked != nil {
		t.Errorf("December 2010, before any rule: %+v", c)
	}
}

// TestTallyBeforeTheCorrection: a survey's correction applies whenever it
// was recorded, so before it August reads the survey as first recorded.
func TestTallyBeforeTheCorrection(t *testing.T) {
	tl := scenario(t, false)
	checkPlaces(t, "before the correction", tl.Ranking("a1", scoringtest.Aug).Ranked, scoringtest.RanksBeforeCorrection)
}

func checkPlaces(t *testing.T, what string, got []scoring.Ranked, want []scoringtest.Place) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d units %+v, want %d", what, len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].Unit != w.Unit || got[i].Rank != w.Rank || got[i].Score != w.Score {
			t.Errorf("%s, place %d: got %s rank %d score %v, want %s rank %d score %v", what, i, got[i].Unit, got[i].Rank, got[i].Score, w.Unit, w.Rank, w.Score)
		}
	}
}
