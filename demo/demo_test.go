package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

var until = domain.Date{Year: 2025, Month: time.May, Day: 20}

func mustSeed(tb testing.TB, dir string) demo.Summary {
	tb.Helper()
	s, err := embedded.Open(dir, embedded.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	sum, err := demo.Seed(context.Background(), s, demo.Config{Seed: 7, Events: 3000, Until: until, Workers: 16})
	if err != nil {
		tb.Fatal(err)
	}
	return sum
}

// mustRead returns every event of the log in dir, by stream.
func mustRead(tb testing.TB, dir string) (map[string][]eventlog.Event, []string) {
	tb.Helper()
	s, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	streams := map[string][]eventlog.Event{}
	var order []string
	after := eventlog.Start
	for {
		page, err := s.ReadAll(context.Background(), after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(page) == 0 {
			return streams, order
		}
		for _, e := range page {
			if _, ok := streams[e.Stream]; !ok {
				order = append(order, e.Stream)
			}
			streams[e.Stream] = append(streams[e.Stream], e)
		}
		after = page[len(page)-1].Position
	}
}

func rebuild[A domain.Aggregate](tb testing.TB, reg *domain.Registry, evs []eventlog.Event, agg A) A {
	tb.Helper()
	for _, e := range evs {
		d, err := reg.Decode(e.Type, e.SchemaVersion, e.Payload)
		if err != nil {
			tb.Fatal(err)
		}
		agg.Apply(d)
	}
	return agg
}

func TestSeedDistrict(t *testing.T) {
	dir, dir2 := t.TempDir(), t.TempDir()
	sum := mustSeed(t, dir)
	if sum.Events < 2000 || sum.Events > 4500 {
		t.Errorf("wrote %d events, want about 3000", sum.Events)
	}
	rep, err := embedded.Verify(context.Background(), dir, nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if int(rep.Events) != sum.Events {
		t.Errorf("log holds %d events, summary says %d", rep.Events, sum.Events)
	}

	streams, _ := mustRead(t, dir)
	t.Run("history", func(t *testing.T) { checkHistory(t, streams, sum) })

	t.Run("deterministic", func(t *testing.T) {
		mustSeed(t, dir2)
		other, _ := mustRead(t, dir2)
		if len(other) != len(streams) {
			t.Fatalf("second seeding has %d streams, first %d", len(other), len(streams))
		}
		for name, evs := range streams {
			got := other[name]
			if len(got) != len(evs) {
				t.Fatalf("stream %s: %d events, first run %d", name, len(got), len(evs))
			}
			for i := range evs {
				if got[i].Hash != evs[i].Hash {
					t.Fatalf("stream %s version %d: hash differs between runs", name, i+1)
				}
			}
		}
	})

	t.Run("rerun appends nothing", func(t *testing.T) {
		again := mustSeed(t, dir)
		if again.Events != 0 || again.Duplicates != sum.Commands {
			t.Errorf("re-run wrote %d events, found %d of %d commands on record", again.Events, again.Duplicates, sum.Commands)
		}
		if again.Figures != sum.Figures {
			t.Errorf("re-run figures %+v, first run %+v", again.Figures, sum.Figures)
		}
	})
}

func checkHistory(t *testing.T, streams map[string][]eventlog.Event, sum demo.Summary) {
	reg := catalog.New()
	loc := domain.DefaultLocation()
	asOf := until.MissedAt(loc).Add(-time.Nanosecond)
	cutoff := until.MissedAt(loc)

	seen := map[string]bool{}
	var fig demo.Figures
	byFamily := map[string]int{}
	for name, evs := range streams {
		for _, e := range evs {
			seen[e.Type] = true
			byFamily[catalog.Family(e.Type)]++
			if !e.RecordedAt.Before(cutoff) || e.OccurredAt.After(e.RecordedAt) {
				t.Errorf("%s v%d: occurred %s, recorded %s, until %s", name, e.Version, e.OccurredAt, e.RecordedAt, until)
			}
		}
		kind, _, _ := strings.Cut(name, "-")
		switch kind {
		case "theme":
			fig.Themes++
		case "pledge":
			p := rebuild(t, reg, evs, &pledge.Pledge{})
			seen["pledge "+p.State().String()] = true
			if p.State() != pledge.StateWithdrawn {
				fig.Pledges++
			}
			if p.State() == pledge.StateSubmitted && p.Returns() > 0 {
				seen["pledge revised"] = true
			}
			if p.State() == pledge.StateLapsed {
				seen["pledge lapsed explained "+strconvBool(p.Explanation() != "")] = true
			}
			if len(p.Ratings()) == 3 {
				seen["pledge evaluated by all"] = true
			}
			for _, r := range p.Reports() {
				if r.Corrections > 0 {
					seen["pledge report corrected"] = true
				}
				if r.Retracted {
					seen["pledge report retracted"] = true
				}
			}
		case "review":
			r := rebuild(t, reg, evs, &review.Review{})
			seen["review "+r.Form.String()] = true
			seen["review "+r.State()] = true
			if !r.Retracted {
				fig.Reviews++
				fig.Shortcomings += r.ShortcomingCount()
				fig.Measures += r.MeasureCount()
			}
		case "vanguard":
			v := rebuild(t, reg, evs, &evaluation.Vanguard{})
			seen["vanguard "+v.Kind.String()+" "+v.State()] = true
			if v.Kind == evaluation.Individual && !v.Revoked {
				fig.Vanguards++
			}
		case "ranking":
			r := rebuild(t, reg, evs, &evaluation.Ranking{})
			if r.Revision > 1 {
				seen["ranking superseded"] = true
			}
		case "survey", "starrating", "inspection", "group":
			seen[kind] = true
		case "rectification":
			checkRectification(t, rebuild(t, reg, evs, &rectification.Rectification{}), evs, asOf, loc, seen)
		}
	}
	for f, n := range byFamily {
		if sum.ByFamily[f] != n {
			t.Errorf("family %s: %d events in the log, summary says %d", f, n, sum.ByFamily[f])
		}
	}
	if fig != sum.Figures {
		t.Errorf("figures recounted from the log %+v, summary %+v", fig, sum.Figures)
	}
	want := []string{
		"pledge submitted", "pledge returned", "pledge revised", "pledge withdrawn", "pledge filed", "pledge disclosed",
		"pledge in_progress", "pledge fulfilled", "pledge lapsed", "pledge evaluated",
		"pledge lapsed explained true", "pledge lapsed explained false", "pledge evaluated by all",
		"pledge report corrected", "pledge report retracted",
		"review meeting", "review talk", "review on_site", "review written", "review random", "review corrected", "review retracted",
		"vanguard collective selected", "vanguard individual selected", "vanguard individual revoked", "ranking superseded",
		"survey", "starrating", "inspection", "group",
		"area.renamed", "area.leader_changed", "unit.renamed", "unit.moved", "member.moved", "member.left",
		"member.contact_point_assigned", "member.contact_point_ended", "theme.revised", "survey.corrected",
		"star_rating.revised", "group.member_added", "inspection.finding_corrected", "inspection.finding_withdrawn",
		"inspection.completed",
		"rect green", "rect yellow", "rect red", "rect on_time", "rect late", "rect cancelled", "rect extension granted",
		"rect extension denied", "rect rejected then accepted", "rect reopened", "rect red recorded",
		"rect from review", "rect from inspection", "rect from evaluation", "rect from ranking",
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("the district has no %q", w)
		}
	}
}

func checkRectification(t *testing.T, r *rectification.Rectification, evs []eventlog.Event, asOf time.Time, loc *time.Location, seen map[string]bool) {
	colour := r.Warning(asOf, loc, 0)
	seen["rect "+colour.String()] = true
	seen["rect from "+r.Source().Kind.String()] = true
	if r.State() == rectification.StateCancelled && r.CancelReason() != "" {
		seen["rect cancelled"] = true
	}
	if r.State() == rectification.StateAccepted && r.Rejections() > 0 {
		seen["rect rejected then accepted"] = true
	}
	if r.Reopenings() > 0 {
		seen["rect reopened"] = true
	}
	if colour == rectification.ColourRed {
		missed := r.MissedDeadlines()
		if len(missed) == 0 || missed[len(missed)-1].Deadline != r.Deadline() {
			t.Errorf("%s is red but the miss of %s is not on record", r.ID(), r.Deadline())
		} else {
			seen["rect red recorded"] = true
		}
	}
	requester := ""
	for _, e := range evs {
		switch e.Type {
		case "rectification.extension_requested":
			requester = e.Actor
		case "rectification.extension_granted":
			if e.Actor == requester {
				t.Errorf("%s: extension granted by its requester %s", r.ID(), e.Actor)
			}
			seen["rect extension granted"] = true
		case "rectification.extension_denied":
			seen["rect extension denied"] = true
		case "rectification.accepted":
			if e.Actor == r.Person() {
				t.Errorf("%s: accepted by the responsible person", r.ID())
			}
		case "rectification.deadline_missed":
			if e.RecordedAt.Before(e.OccurredAt) {
				t.Errorf("%s: miss recorded at %s before it occurred at %s", r.ID(), e.RecordedAt, e.OccurredAt)
			}
		}
	}
}

func strconvBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
