package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/projections/chtest"
)

// TestRankingAcceptedThroughLedgerd: in a running ledgerd the office
// publishes a scoring rule, reads the area's computed ranking with the
// checkpoint of its own Merkle tree, and publishes it by accepting it.
// By hand: the rule weighs vanguards 1; the branch has one selected this
// month, the street none: the branch 1 point and first, the street 0 and
// second (the district has no area and is not ranked).
func TestRankingAcceptedThroughLedgerd(t *testing.T) {
	_, db := chtest.Open(t)
	secret := strings.Repeat("k", 32)
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"), "--watcher=false",
		"--clickhouse", chtest.DSN() + "/" + db}, func(k string) string {
		return map[string]string{"LEDGER_JWT_SECRET": secret}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := &client{t: t, base: "http://" + m.Addr(), secret: []byte(secret)}
	loc := domain.DefaultLocation()
	now := time.Now().In(loc)
	month, quarter := now.Format("2006-01"), domain.QuarterOf(now).String()

	office := c.token("office-1", api.RoleOffice, nil, "")
	area := c.post("area", "/v1/areas", office, map[string]any{"name": "东片区", "leader": "王伟"})
	district := c.post("district", "/v1/units", office, map[string]any{"name": "区委", "kind": "district"})
	street := c.post("street", "/v1/units", office, map[string]any{"name": "东街道党工委", "kind": "street", "parent_id": district, "area_id": area})
	branch := c.post("branch", "/v1/units", office, map[string]any{"name": "幸福社区党支部", "kind": "branch", "parent_id": street, "area_id": area})
	c.post("vanguard", "/v1/vanguards", office, map[string]any{"kind": "collective", "unit_id": branch,
		"category": map[string]any{"key": "service", "name": "服务群众先锋"}, "quarter": quarter})
	c.post("rule", "/v1/ranking-rules", office, map[string]any{"version": 1, "effective_from": month, "metrics": []map[string]any{{"metric": "vanguards", "weight": 1}}})

	// The tree follows the log on its own: poll, with a deadline, until
	// the view's checkpoint covers the projections.
	var ans api.RankingsAnswer
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c.get("/v1/views/rankings", office, url.Values{"area": {area}, "month": {month}}, &ans)
		if ans.Checkpoint != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rankings view gave no checkpoint within 20 s: %+v", ans)
		}
		<-tick.C
	}
	if ans.RuleVersion != 1 || len(ans.Items) != 2 || ans.Items[0].Unit != branch || ans.Items[0].Rank != 1 || ans.Items[0].Score != 1 ||
		ans.Items[1].Unit != street || ans.Items[1].Rank != 2 || ans.Items[1].Score != 0 {
		t.Fatalf("computed ranking: %+v", ans)
	}
	c.post("accept", "/v1/rankings/"+area+"-"+month+"/accept", office, map[string]any{"rule_version": 1,
		"checkpoint": map[string]any{"size": ans.Checkpoint.Size, "root": ans.Checkpoint.Root}})
	c.get("/v1/views/rankings", office, url.Values{"area": {area}, "month": {month}}, &ans)
	if p := ans.Published; p == nil || !p.Computed || p.Adjusted || !p.MatchesComputation || p.Checkpoint == nil || p.Checkpoint.Root == "" {
		t.Fatalf("published: %+v", ans.Published)
	}
	if code, _, body := c.do(http.MethodPost, "/v1/rankings/"+area+"-"+month+"/accept", office, map[string]any{"rule_version": 1,
		"checkpoint": map[string]any{"size": ans.Checkpoint.Size, "root": strings.Repeat("A", 43) + "="}}); code != http.StatusUnprocessableEntity {
		t.Errorf("a root that is not the tree's: %d %s", code, body)
	}
}
