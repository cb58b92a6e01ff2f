package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/domain/scoring/scoringtest"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// rankingWorld is the hand-computed scenario (scoringtest) served whole:
// commands with the Merkle tree and the log, the views over ClickHouse.
type rankingWorld struct {
	*district
	sealer    *seal.Sealer
	projector *projections.Projector
	// beforeCorrection is the checkpoint just before the scenario's last
	// event (the correction of b1's survey).
	beforeCorrection evaluation.Checkpoint
}

func newRankingWorld(t *testing.T) *rankingWorld {
	t.Helper()
	ctx := context.Background()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	h := command.NewHandler(log, catalog.New(), command.WithClock(scoringtest.Clock))
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	w := &rankingWorld{sealer: &seal.Sealer{Log: log, Tree: tree}}
	steps, correction := scoringtest.Steps()
	if err := scoringtest.Write(ctx, h, steps); err != nil {
		t.Fatal(err)
	}
	if err := w.sealer.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	root, err := tree.Root(tree.Size())
	if err != nil {
		t.Fatal(err)
	}
	w.beforeCorrection = evaluation.Checkpoint{Size: tree.Size(), Root: base64.StdEncoding.EncodeToString(root)}
	if err := scoringtest.Write(ctx, h, []scoringtest.Step{correction}); err != nil {
		t.Fatal(err)
	}
	conn, db := chtest.Open(t)
	w.projector = projections.NewProjector(conn, db, log, catalog.New(), projections.All(log, catalog.New(), scoringtest.Loc))
	cmds := &api.Commands{Handler: h, Scope: api.Scope{Handler: h}, Log: log, Tree: tree}
	w.district = &district{t: t, log: log, cmds: cmds, history: &api.History{Log: log, Scope: api.Scope{Handler: h}}}
	w.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Commands: cmds, History: w.history,
		Reads: &api.Reads{Conn: conn, DB: db, Loc: scoringtest.Loc, Scope: api.Scope{Handler: h}, Tree: tree,
			Position: func(context.Context) (uint64, error) { return w.projector.Position(), nil }}})
	w.sync()
	return w
}

// sync brings the tree and the projections level with the log.
func (w *rankingWorld) sync() {
	w.t.Helper()
	ctx := context.Background()
	if err := w.sealer.CatchUp(ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.projector.CatchUp(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// view reads the rankings view of area and month.
func (w *rankingWorld) view(area string, m domain.Month, tok string) api.RankingsAnswer {
	w.t.Helper()
	code, body := w.get("/v1/views/rankings?area="+area+"&month="+m.String(), tok)
	if code != http.StatusOK {
		w.t.Fatalf("view %s %s: %d %s", area, m, code, body)
	}
	var ans api.RankingsAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		w.t.Fatal(err)
	}
	return ans
}

func checkItems(t *testing.T, what string, got []api.RankingItem, want []scoringtest.Place) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d items %+v, want %d", what, len(got), got, len(want))
	}
	for i, w := range want {
		if g := got[i]; g.Unit != w.Unit || g.Rank != w.Rank || g.Score != w.Score {
			t.Errorf("%s, place %d: got %s rank %d score %v, want %+v", what, i, g.Unit, g.Rank, g.Score, w)
		}
	}
}

// TestRankingsView: the view of the hand-computed area equals the table
// worked out by hand, month by month (August by rule v1, September by v2
// after the mid-year change), with each unit's inputs and reasons, the
// checkpoint to accept at, and no published ranking yet. A clerk sees its
// own unit, ranked among the area's.
func TestRankingsView(t *testing.T) {
	w := newRankingWorld(t)
	office := tokenWith(t, api.RoleOffice)
	for m, version := range map[domain.Month]int{scoringtest.Aug: 1, scoringtest.Sep: 2} {
		ans := w.view("a1", m, office)
		if ans.RuleVersion != version || ans.Rule == nil || ans.Rule.Version != version {
			t.Errorf("%s: rule %d %+v, want version %d", m, ans.RuleVersion, ans.Rule, version)
		}
		checkItems(t, m.String(), ans.Items, scoringtest.Ranks[m])
		inputs := map[string]scoring.Inputs{}
		for _, in := range scoringtest.Inputs[m]["a1"] {
			inputs[in.Unit] = in
		}
		for _, it := range ans.Items {
			if it.Inputs != inputs[it.Unit] {
				t.Errorf("%s %s: inputs %+v, want %+v", m, it.Unit, it.Inputs, inputs[it.Unit])
			}
			if len(it.Reasons) != len(ans.Rule.Metrics) || it.PublishedRank != nil {
				t.Errorf("%s %s: reasons %+v, published rank %v", m, it.Unit, it.Reasons, it.PublishedRank)
			}
		}
		if ans.Units != len(scoringtest.Ranks[m]) || ans.Published != nil {
			t.Errorf("%s: %d units, published %+v", m, ans.Units, ans.Published)
		}
		if ans.Checkpoint == nil || ans.Checkpoint.Size != w.sealer.Tree.Size() || len(ans.Checkpoint.Root) != 44 {
			t.Errorf("%s: checkpoint %+v, want the tree's %d", m, ans.Checkpoint, w.sealer.Tree.Size())
		}
	}
	// s1 in August: no pledge data (zero), no acceptance (skipped, so its
	// weights are renormalised by 97/67) and no survey (the area's mean).
	s1 := w.view("a1", scoringtest.Aug, office).Items[2]
	if r := s1.Reasons[1]; s1.Unit != "s1" || !r.Missing || r.Policy != scoring.MissingSkip || !r.Skipped || r.Contribution != 0 {
		t.Errorf("s1's on-time reason: %+v", r)
	}
	if r := s1.Reasons[2]; !r.Missing || r.Policy != scoring.MissingAreaMean || r.Value != 0.75 || r.Contribution != 21.7164 {
		t.Errorf("s1's satisfaction reason: %+v", r)
	}
	// The clerk of b2 sees b2, fourth of the four.
	clerk := w.view("a1", scoringtest.Aug, tokenWith(t, api.RoleClerk, "b2"))
	checkItems(t, "b2's clerk", clerk.Items, []scoringtest.Place{{Unit: "b2", Rank: 4, Score: 20.2686}})
	if clerk.Units != 4 {
		t.Errorf("b2's clerk is told %d units, want 4", clerk.Units)
	}
	// Area a2 in August had b4 (moved to a1 in September) and s2.
	a2 := w.view("a2", scoringtest.Aug, office)
	if len(a2.Items) != 2 || a2.Items[0].Unit != "b4" || a2.Items[1].Unit != "s2" {
		t.Errorf("a2 in August: %+v", a2.Items)
	}
	// Before any rule nothing is ranked.
	if ans := w.view("a1", domain.Month{Year: 2010, Month: 12}, office); ans.RuleVersion != 0 || ans.Rule != nil || len(ans.Items) != 0 {
		t.Errorf("December 2010: %+v", ans)
	}
	for _, q := range []string{"month=2011-08", "area=a1", "area=a1&month=2011-13", "area=a1&month=1999-12"} {
		if code, body := w.get("/v1/views/rankings?"+q, office); code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
			t.Errorf("?%s: %d %s, want a 400 or 422", q, code, body)
		}
	}
}

// entriesOf turns view items into acceptance entries.
func entriesOf(items []api.RankingItem) []map[string]any {
	var out []map[string]any
	for _, it := range items {
		out = append(out, map[string]any{"unit_id": it.Unit, "rank": it.Rank, "score": it.Score})
	}
	return out
}

// TestRankingAcceptance: the office publishes a month by accepting the
// computation at a checkpoint; a list that differs from the ledger's
// recomputation is refused unless adjusted with a reason, and an
// adjustment stays visible as such; the checkpoint decides what is
// recomputed; months under a rule refuse the office's own scores; the
// last-placed unit gets a rectification ordered from the ranking.
func TestRankingAcceptance(t *testing.T) {
	w := newRankingWorld(t)
	office := tokenWith(t, api.RoleOffice)
	aug := w.view("a1", scoringtest.Aug, office)
	cp := aug.Checkpoint
	accept := func(id string, body map[string]any) reply {
		t.Helper()
		return w.post("/v1/rankings/"+id+"/accept", office, body)
	}
	at := func(c *evaluation.Checkpoint) map[string]any { return map[string]any{"size": c.Size, "root": c.Root} }

	// August as computed.
	r := must(t, accept("a1-2011-08", map[string]any{"rule_version": 1, "checkpoint": at(cp)}), 201, "accept August")
	if r.body["id"] != "a1-2011-08" {
		t.Errorf("answer %v", r.body)
	}
	w.sync()
	aug = w.view("a1", scoringtest.Aug, office)
	if p := aug.Published; p == nil || !p.Computed || p.Adjusted || !p.MatchesComputation || p.Revision != 1 || p.RuleVersion != "1" ||
		p.Checkpoint == nil || p.Checkpoint.Size != cp.Size {
		t.Fatalf("August published: %+v", aug.Published)
	}
	for _, it := range aug.Items {
		if it.PublishedRank == nil || *it.PublishedRank != it.Rank || *it.PublishedScore != it.Score {
			t.Errorf("%s: published rank %v score %v, computed %d %v", it.Unit, it.PublishedRank, it.PublishedScore, it.Rank, it.Score)
		}
	}

	// September: b2's score told otherwise.
	sep := w.view("a1", scoringtest.Sep, office)
	changed := entriesOf(sep.Items)
	changed[4]["score"] = 0.0 // b2, still last
	for _, tt := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"differs, not adjusted", map[string]any{"rule_version": 2, "checkpoint": at(sep.Checkpoint), "entries": changed}, "entries"},
		{"adjusted without a reason", map[string]any{"rule_version": 2, "checkpoint": at(sep.Checkpoint), "entries": changed, "adjusted": true}, "reason"},
		{"another rule", map[string]any{"rule_version": 1, "checkpoint": at(sep.Checkpoint)}, "rule_version"},
		{"a root not the tree's", map[string]any{"rule_version": 2, "checkpoint": map[string]any{"size": cp.Size, "root": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}, "checkpoint.root"},
		{"a size beyond the tree", map[string]any{"rule_version": 2, "checkpoint": map[string]any{"size": cp.Size + 100, "root": cp.Root}}, "checkpoint.size"},
		{"no checkpoint", map[string]any{"rule_version": 2}, "checkpoint.size"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := w.head()
			r := accept("a1-2011-09", tt.body)
			if r.status != http.StatusUnprocessableEntity || r.problem.Field != tt.field {
				t.Errorf("got %d %+v, want 422 naming %s", r.status, r.problem, tt.field)
			}
			if w.head() != before {
				t.Error("a refused acceptance appended events")
			}
		})
	}
	adjusted := map[string]any{"rule_version": 2, "checkpoint": at(sep.Checkpoint), "entries": changed, "adjusted": true, "reason": "片区复核：b2 已当月整改到位，不扣分"}
	must(t, accept("a1-2011-09", adjusted), 201, "accept September adjusted")
	w.sync()
	sep = w.view("a1", scoringtest.Sep, office)
	if p := sep.Published; p == nil || !p.Adjusted || p.AdjustmentReason != adjusted["reason"] || p.MatchesComputation || len(p.Entries) != 5 {
		t.Fatalf("September published: %+v", sep.Published)
	}
	if b2 := sep.Items[4]; b2.Unit != "b2" || b2.Score != -1.4167 || b2.PublishedScore == nil || *b2.PublishedScore != 0 {
		t.Errorf("b2: computed %v, published %v", b2.Score, b2.PublishedScore)
	}
	// The history shows the adjustment, with the computed entries beside it.
	code, raw := w.get("/v1/history/ranking-a1-2011-09", office)
	var hist struct {
		State evaluation.RankingSnapshot `json:"state"`
	}
	if json.Unmarshal(raw, &hist); code != 200 || hist.State.Computed == nil || !hist.State.Computed.Adjusted ||
		hist.State.Computed.Reason != adjusted["reason"] || len(hist.State.Computed.Entries) != 5 || hist.State.Computed.Entries[4].Score != -1.4167 {
		t.Errorf("history: %d %+v", code, hist.State)
	}

	// August again, at the checkpoint before b1's survey was corrected:
	// the current list differs from that computation, and the
	// computation then is what is published (by hand,
	// scoringtest.RanksBeforeCorrection).
	before := map[string]any{"rule_version": 1, "checkpoint": at(&w.beforeCorrection), "entries": entriesOf(aug.Items), "reason": "按更正前的测评数据重新核定"}
	if r := accept("a1-2011-08", before); r.status != http.StatusUnprocessableEntity || r.problem.Field != "entries" {
		t.Errorf("the current list at the earlier checkpoint: %d %+v, want 422 naming entries", r.status, r.problem)
	}
	delete(before, "entries")
	if r := accept("a1-2011-08", map[string]any{"rule_version": 1, "checkpoint": at(&w.beforeCorrection)}); r.status != http.StatusUnprocessableEntity || r.problem.Field != "reason" {
		t.Errorf("a second publication without a reason: %d %+v, want 422 naming reason", r.status, r.problem)
	}
	must(t, accept("a1-2011-08", before), 200, "accept August at the earlier checkpoint")
	w.sync()
	aug = w.view("a1", scoringtest.Aug, office)
	if p := aug.Published; p == nil || p.Revision != 2 || p.Adjusted || p.MatchesComputation || p.Checkpoint.Size != w.beforeCorrection.Size {
		t.Fatalf("August revision 2: %+v", aug.Published)
	}
	for i, want := range scoringtest.RanksBeforeCorrection {
		if e := aug.Published.Entries[i]; e.Unit != want.Unit || e.Rank != want.Rank || e.Score != want.Score {
			t.Errorf("August revision 2, place %d: %+v, want %+v", i, e, want)
		}
	}
	// Revision 1 stays in the history.
	if code, raw := w.get("/v1/history/ranking-a1-2011-08", office); code != 200 || countEvents(raw) != 2 {
		t.Errorf("August's history: %d, %d events", code, countEvents(raw))
	}

	// Months under a rule take no scores from the office.
	legacy := map[string]any{"area_id": "a2", "month": "2011-09", "rule_version": "手工", "entries": []map[string]any{{"unit_id": "s2", "score": 90, "rank": 1}}}
	if r := w.post("/v1/rankings", office, legacy); r.status != http.StatusUnprocessableEntity || r.problem.Field != "month" {
		t.Errorf("a told ranking under a rule: %d %+v", r.status, r.problem)
	}
	if r := w.post("/v1/rankings/a1-2011-09/supersede", office, map[string]any{"rule_version": "手工", "entries": changed, "reason": "x"}); r.status != http.StatusUnprocessableEntity || r.problem.Field != "id" {
		t.Errorf("a told revision under a rule: %d %+v", r.status, r.problem)
	}
	legacy["month"] = "2010-12"
	must(t, w.post("/v1/rankings", office, legacy), 201, "a told ranking before any rule")

	// The last-placed unit of September gets a rectification from the ranking.
	must(t, w.post("/v1/rectifications", office, map[string]any{"source": map[string]any{"kind": "ranking", "ref": "a1-2011-09"},
		"unit": "b2", "person": "person-b2", "requirement": "月度排名末位，限期整改", "deadline": "2011-11-30"}), 201, "order from the ranking")

	// An area never registered, an id that is not a ranking's.
	if r := accept("a9-2011-09", map[string]any{"rule_version": 2, "checkpoint": at(cp)}); r.status != http.StatusUnprocessableEntity || r.problem.Field != "id" {
		t.Errorf("an unknown area: %d %+v", r.status, r.problem)
	}
	if r := accept("a1-201109", map[string]any{"rule_version": 2, "checkpoint": at(cp)}); r.status != http.StatusBadRequest || r.problem.Field != "id" {
		t.Errorf("a bad id: %d %+v", r.status, r.problem)
	}
}

func countEvents(raw []byte) int {
	var h struct {
		Events []json.RawMessage `json:"events"`
	}
	json.Unmarshal(raw, &h)
	return len(h.Events)
}

// TestRankingRules: versions go 1, 2, 3 without a gap and never back in
// effective month; each refusal names its field; the view ranks a month
// by the highest version in force.
func TestRankingRules(t *testing.T) {
	w := newRankingWorld(t)
	office := tokenWith(t, api.RoleOffice)
	vanguards := []map[string]any{{"metric": "vanguards", "weight": 1}}
	for _, tt := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"a gap", map[string]any{"version": 4, "effective_from": "2011-12", "metrics": vanguards}, "version"},
		{"an edit of version 2", map[string]any{"version": 2, "effective_from": "2011-12", "metrics": vanguards}, "version"},
		{"an earlier month than version 2's", map[string]any{"version": 3, "effective_from": "2011-08", "metrics": vanguards}, "effective_from"},
		{"a rate without its missing-data policy", map[string]any{"version": 3, "effective_from": "2011-12", "metrics": []map[string]any{{"metric": "on_time_rate", "weight": 1}}}, "metrics[0].missing"},
		{"no metrics", map[string]any{"version": 3, "effective_from": "2011-12"}, "metrics"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := w.post("/v1/ranking-rules", office, tt.body); r.status != http.StatusUnprocessableEntity || r.problem.Field != tt.field {
				t.Errorf("got %d %+v, want 422 naming %s", r.status, r.problem, tt.field)
			}
		})
	}
	if r := w.post("/v1/ranking-rules", office, map[string]any{"version": 3, "effective_from": "2011-12", "metrics": []map[string]any{{"metric": "speed", "weight": 1}}}); r.status != http.StatusBadRequest {
		t.Errorf("an unknown metric: %d %+v, want 400", r.status, r.problem)
	}
	if r := w.post("/v1/ranking-rules", tokenWith(t, api.RoleSuperior, "s1"), map[string]any{"version": 3}); r.status != http.StatusForbidden {
		t.Errorf("a superior: %d, want 403", r.status)
	}
	must(t, w.post("/v1/ranking-rules", office, map[string]any{"version": 3, "effective_from": "2011-12", "name": "2012年试行", "metrics": vanguards}), 201, "version 3")
	w.sync()
	for m, version := range map[string]int{"2011-11": 2, "2011-12": 3, "2012-06": 3} {
		mo, _ := domain.ParseMonth(m)
		if ans := w.view("a1", mo, office); ans.RuleVersion != version {
			t.Errorf("%s is ranked by version %d, want %d", m, ans.RuleVersion, version)
		}
	}
	code, raw := w.get("/v1/history/"+scoring.RulesStream, office)
	var hist struct {
		Entity string                   `json:"entity"`
		State  scoring.RuleBookSnapshot `json:"state"`
	}
	if json.Unmarshal(raw, &hist); code != 200 || hist.Entity != scoring.EntityRules || len(hist.State.Rules) != 3 {
		t.Errorf("the rule book's history: %d %s", code, raw)
	}
}
