package annual_test

import (
	"context"
	"testing"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/annual"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/report/reporttest"
)

// district writes the hand-built district and folds its log.
func district(t *testing.T) *annual.Ledger {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	reg := catalog.New()
	ctx := context.Background()
	if err := reporttest.Write(ctx, command.NewHandler(log, reg, command.WithClock(reporttest.Clock)), log); err != nil {
		t.Fatal(err)
	}
	l := &annual.Ledger{Loc: reporttest.Loc}
	page, err := log.ReadAll(ctx, eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page {
		data, err := reg.Decode(e.Type, e.SchemaVersion, e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		l.Apply(annual.Event{Stream: e.Stream, Unit: e.Unit, OccurredAt: e.OccurredAt, Data: data})
	}
	return l
}

// TestFiguresHandComputed: the figures of 2026 counted from the log equal
// the tables worked out by hand (reporttest), for the district and each
// area, and so do the district's quarterly series.
func TestFiguresHandComputed(t *testing.T) {
	l := district(t)
	_, end := annual.Bounds(reporttest.Year, reporttest.Loc)
	for area, want := range reporttest.Expected {
		got := l.Figures(annual.Params{Year: reporttest.Year, Area: area, Cutoff: end})
		for id, n := range got {
			if len(id) > 6 && id[:6] == "trend." {
				continue
			}
			if n != want[id] {
				t.Errorf("area %q: %s = %d, want %d", area, id, n, want[id])
			}
		}
		for id := range want {
			if _, ok := got[id]; !ok {
				t.Errorf("area %q: no figure %s", area, id)
			}
		}
	}
	got := l.Figures(annual.Params{Year: reporttest.Year, Cutoff: end})
	for metric, want := range reporttest.Trend {
		for i, q := range annual.Quarters(reporttest.Year) {
			if n := got[annual.TrendKey(metric, q)]; n != want[i] {
				t.Errorf("trend %s %s = %d, want %d", metric, q, n, want[i])
			}
		}
	}
	if name, ok := l.Name("a1"); !ok || name != "东片区" {
		t.Errorf("a1's name: %q %v", name, ok)
	}
	if id, ok := l.District(); !ok || id != "u0" {
		t.Errorf("district: %q %v", id, ok)
	}
	if areas := l.Areas(); len(areas) != 3 || areas[0] != "a1" || areas[2] != "a3" {
		t.Errorf("areas: %v", areas)
	}
}

// TestFiguresBeforeTheYearEnds: in a year still running, stocks are taken
// at the cutoff. At 00:00 on 1 December 2026, m3's contact point with v2
// is still in force (m3 leaves that day), R6 (due 30 November, submitted)
// is live and red, R4 too, and R8 is not ordered yet; area a3 is not
// registered.
func TestFiguresBeforeTheYearEnds(t *testing.T) {
	l := district(t)
	cutoff := reporttest.At("2026-12-01 00:00")
	got := l.Figures(annual.Params{Year: reporttest.Year, Cutoff: cutoff})
	for id, want := range map[string]int64{annual.ContactPoints: 3, annual.RedItems: 2, annual.AreasRegistered: 2, annual.Groups: 2, annual.Villages: 2} {
		if got[id] != want {
			t.Errorf("%s = %d, want %d", id, got[id], want)
		}
	}
}
