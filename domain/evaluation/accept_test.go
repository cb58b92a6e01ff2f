package evaluation_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/scoring"
)

// computation ranks three units by a rule of one metric, satisfaction
// (weight 100, missing counts 0): u1 90/100 → 90, u2 90/100 → 90,
// u3 no survey → 0. So u1 and u2 share rank 1 and u3 is third.
func computation() evaluation.Computation {
	rule := scoring.Rule{Version: 2, EffectiveFrom: sep, Metrics: []scoring.Weight{
		{Metric: scoring.SatisfactionRate, Weight: 100, Missing: scoring.MissingZero}}}
	return evaluation.Computation{Rule: rule, Ranked: scoring.Score(rule, []scoring.Inputs{
		{Unit: "u3"}, {Unit: "u1", Satisfied: 90, Respondents: 100}, {Unit: "u2", Satisfied: 90, Respondents: 100},
	})}
}

var root = base64.StdEncoding.EncodeToString(make([]byte, 32))

func TestAcceptRanking(t *testing.T) {
	cp := evaluation.Checkpoint{Size: 40, Root: root}
	ok := func(mod func(*evaluation.AcceptRanking)) evaluation.AcceptRanking {
		cmd := evaluation.AcceptRanking{RuleVersion: 2, Checkpoint: cp}
		if mod != nil {
			mod(&cmd)
		}
		return cmd
	}
	entries := func(scores ...float64) []evaluation.Entry {
		var es []evaluation.Entry
		for i, s := range scores {
			es = append(es, evaluation.Entry{UnitID: []string{"u1", "u2", "u3"}[i], Score: s})
		}
		return evaluation.Rank(es)
	}
	accepted := domaintest.MustEvents(t)((&evaluation.Ranking{}).Accept("a1", sep, ok(nil), computation(), meta))
	tests := []struct {
		name    string
		history []domain.Event
		cmd     evaluation.AcceptRanking
		c       evaluation.Computation
		want    domaintest.Outcome
	}{
		{"the computation as it is", nil, ok(nil), computation(), domaintest.Emits("ranking.published")},
		{"the computed list told back", nil, ok(func(c *evaluation.AcceptRanking) { c.Entries = entries(90, 90, 0) }), computation(), domaintest.Emits("ranking.published")},
		{"no rule in force", nil, ok(nil), evaluation.Computation{}, domaintest.Invalid("rule_version")},
		{"another rule version", nil, ok(func(c *evaluation.AcceptRanking) { c.RuleVersion = 1 }), computation(), domaintest.Invalid("rule_version")},
		{"no units", nil, ok(nil), evaluation.Computation{Rule: computation().Rule}, domaintest.Invalid("checkpoint")},
		{"no checkpoint", nil, ok(func(c *evaluation.AcceptRanking) { c.Checkpoint = evaluation.Checkpoint{} }), computation(), domaintest.Invalid("checkpoint.size")},
		{"a short root", nil, ok(func(c *evaluation.AcceptRanking) { c.Checkpoint.Root = root[:8] }), computation(), domaintest.Invalid("checkpoint.root")},
		{"differs from the computation", nil, ok(func(c *evaluation.AcceptRanking) { c.Entries = entries(90, 90, 5) }), computation(), domaintest.Invalid("entries")},
		{"ranks differ", nil, ok(func(c *evaluation.AcceptRanking) { c.Entries = entries(91, 90, 0) }), computation(), domaintest.Invalid("entries")},
		{"adjusted without reason", nil, ok(func(c *evaluation.AcceptRanking) { c.Entries, c.Adjusted = entries(90, 90, 5), true }), computation(), domaintest.Invalid("reason")},
		{"adjusted with a reason", nil, ok(func(c *evaluation.AcceptRanking) {
			c.Entries, c.Adjusted, c.Reason = entries(90, 90, 5), true, "现场观摩加分"
		}), computation(), domaintest.Emits("ranking.published")},
		{"adjusted but equal", nil, ok(func(c *evaluation.AcceptRanking) { c.Entries, c.Adjusted, c.Reason = entries(90, 90, 0), true, "x" }), computation(), domaintest.Invalid("adjusted")},
		{"adjusted without entries", nil, ok(func(c *evaluation.AcceptRanking) { c.Adjusted, c.Reason = true, "x" }), computation(), domaintest.Invalid("adjusted")},
		{"a unit left out", nil, ok(func(c *evaluation.AcceptRanking) { c.Entries = entries(90, 90) }), computation(), domaintest.Invalid("entries")},
		{"a unit not ranked", nil, ok(func(c *evaluation.AcceptRanking) {
			c.Entries = evaluation.Rank(append(entries(90, 90, 0), evaluation.Entry{UnitID: "u9", Score: 0}))
		}), computation(), domaintest.Invalid("entries")},
		{"again without a reason", accepted, ok(nil), computation(), domaintest.Invalid("reason")},
		{"again, the same", accepted, ok(func(c *evaluation.AcceptRanking) { c.Reason = "重新核定" }), computation(), domaintest.Invalid("entries")},
		{"again, adjusted", accepted, ok(func(c *evaluation.AcceptRanking) {
			c.Entries, c.Adjusted, c.Reason = entries(90, 90, 5), true, "复核加分"
		}), computation(), domaintest.Emits("ranking.superseded")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rebuild(&evaluation.Ranking{}, tt.history...).Accept("a1", sep, tt.cmd, tt.c, meta)
			domaintest.Check(t, got, err, tt.want)
		})
	}
}

// TestAcceptedRankingRecordsTheComputation: the published event says the
// rule version and checkpoint, gives each entry the computed reasons in
// words, and an adjustment keeps the computed entries beside the
// published ones; the superseding revision points at the one it replaces.
func TestAcceptedRankingRecordsTheComputation(t *testing.T) {
	cp := evaluation.Checkpoint{Size: 40, Root: root}
	evs := domaintest.MustEvents(t)((&evaluation.Ranking{}).Accept("a1", sep, evaluation.AcceptRanking{RuleVersion: 2, Checkpoint: cp}, computation(), meta))
	p := evs[0].(evaluation.RankingPublished)
	if p.RuleVersion != "2" || p.Computed == nil || p.Computed.RuleVersion != 2 || p.Computed.Checkpoint.Size != 40 || p.Computed.Adjusted {
		t.Fatalf("published %+v", p)
	}
	want := []struct {
		unit   string
		rank   int
		score  float64
		reason string
	}{
		{"u1", 1, 90, "群众满意率 satisfaction_rate 0.9 × 100 = 90"},
		{"u2", 1, 90, "群众满意率 satisfaction_rate 0.9 × 100 = 90"},
		{"u3", 3, 0, "群众满意率 satisfaction_rate 无数据 (zero) 0 × 100 = 0"},
	}
	for i, w := range want {
		e := p.Entries[i]
		if e.UnitID != w.unit || e.Rank != w.rank || e.Score != w.score || len(e.Reasons) != 1 || e.Reasons[0] != w.reason {
			t.Errorf("entry %d: got %+v, want %s rank %d score %v reason %q", i, e, w.unit, w.rank, w.score, w.reason)
		}
	}
	r := rebuild(&evaluation.Ranking{}, evs...)
	adjusted := []evaluation.Entry{{UnitID: "u2", Score: 95, Rank: 1}, {UnitID: "u1", Score: 90, Rank: 2}, {UnitID: "u3", Score: 0, Rank: 3}}
	evs = domaintest.MustEvents(t)(r.Accept("a1", sep, evaluation.AcceptRanking{RuleVersion: 2, Checkpoint: cp, Entries: adjusted, Adjusted: true, Reason: "现场观摩加5分"}, computation(), meta))
	s := evs[0].(evaluation.RankingSuperseded)
	if s.Revision != 2 || s.Supersedes != 1 || s.Reason != "现场观摩加5分" || !s.Computed.Adjusted || s.Computed.Reason != "现场观摩加5分" {
		t.Fatalf("superseded %+v", s)
	}
	if len(s.Computed.Entries) != 3 || s.Computed.Entries[0].UnitID != "u1" || s.Computed.Entries[0].Score != 90 {
		t.Errorf("the computed entries kept beside the adjustment: %+v", s.Computed.Entries)
	}
	if s.Entries[0].UnitID != "u2" || s.Entries[0].Score != 95 || len(s.Entries[0].Reasons) != 0 {
		t.Errorf("the adjusted entry: %+v", s.Entries[0])
	}
	// u3 is told back as computed, without reasons: it gets the computed ones.
	if !strings.Contains(strings.Join(s.Entries[2].Reasons, ""), "无数据") {
		t.Errorf("u3's reasons: %q", s.Entries[2].Reasons)
	}
	r = rebuild(r, evs...)
	if snap := r.Snapshot(); snap.State != "superseded" || snap.Computed == nil || !snap.Computed.Adjusted {
		t.Errorf("snapshot %+v", snap)
	}
}
