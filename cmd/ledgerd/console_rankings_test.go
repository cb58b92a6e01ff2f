package main

import (
	"net/url"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
)

// TestConsoleRankings: the office's 月度排名 tab shows the ranking the
// rule computes, with each unit's reasons, and publishes it by accepting
// the computation. The rule counts vanguards with weight 1; the branch has
// one this month and the street none, so (by hand) the branch ranks 1
// with 1 and the street 2 with 0.
func TestConsoleRankings(t *testing.T) {
	e := newConsoleEnv(t)
	now := time.Now().In(domain.DefaultLocation())
	month, quarter := now.Format("2006-01"), domain.QuarterOf(now).String()
	e.post("vanguard", "/v1/vanguards", e.Office, map[string]any{"kind": "collective", "unit_id": e.Branch,
		"category": map[string]any{"key": "service", "name": "服务群众先锋"}, "quarter": quarter})
	e.post("rule", "/v1/ranking-rules", e.Office, map[string]any{"version": 1, "effective_from": month,
		"metrics": []map[string]any{{"metric": "vanguards", "weight": 1}}})

	w := e.openWork(t, "office-1", e.Office, "office-rankings")
	w.eval(`(area, month) => {
		const s = document.querySelector('select[name=area]'), m = document.querySelector('input[name=month]');
		s.value = area; m.value = month; m.dispatchEvent(new Event('change', { bubbles: true })) }`, e.A1, month)
	// The tree follows the log on its own: the view answers a checkpoint
	// once it covers the projections, and the page shows the table then.
	got := w.until(`() => { const rows = [...document.querySelectorAll('#ranking-table tbody tr')];
		return rows.length === 2 && !!document.querySelector('form[data-command="ranking-accept"]') &&
			rows.map(r => r.dataset.unit + ':' + r.dataset.rank + ':' + r.dataset.score).join(' ') }`, "the computed ranking shows")
	if want := e.Branch + ":1:1 " + e.Street + ":2:0"; got != want {
		t.Fatalf("ranking shown %q, want %q", got, want)
	}
	var ans api.RankingsAnswer
	e.get("/v1/views/rankings", e.Office, url.Values{"area": {e.A1}, "month": {month}}, &ans)
	if len(ans.Items) != 2 || ans.Items[0].Unit != e.Branch || ans.Items[0].Rank != 1 || ans.Items[1].Unit != e.Street || ans.Items[1].Rank != 2 {
		t.Fatalf("the API's ranking %+v differs from the page's", ans.Items)
	}
	if reasons := w.text(`#ranking-table tbody tr[data-unit="` + e.Branch + `"] .reasons`); reasons != "评选先锋数 1 × 1 = +1" {
		t.Errorf("the branch's reasons read %q", reasons)
	}

	w.screenshot("rankings")
	w.click(`form[data-command="ranking-accept"] button[type=submit]`)
	w.until(`() => { const p = document.getElementById('ranking-published'); return !!p && p.dataset.matches === 'true' && p.dataset.adjusted === 'false' }`,
		"the ranking shows as published, as computed")
	e.get("/v1/views/rankings", e.Office, url.Values{"area": {e.A1}, "month": {month}}, &ans)
	if p := ans.Published; p == nil || !p.Computed || p.Adjusted || !p.MatchesComputation || p.RuleVersion != "1" {
		t.Fatalf("published: %+v", ans.Published)
	}
}
