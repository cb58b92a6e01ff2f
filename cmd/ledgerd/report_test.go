package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/annual"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// TestAnnualReportThroughLedgerd: a running ledgerd with a signing key
// answers this year's summary at the checkpoint the office seals: by
// hand, one area, one theme, one pledge and one collective vanguard this
// quarter, the area registered today (counted: a running year's stocks
// are taken when the checkpoint was signed). The report waits for the
// projector, names the ledger's latest checkpoint, checked with the key
// ledgerd publishes, and every figure agrees with the log.
func TestAnnualReportThroughLedgerd(t *testing.T) {
	_, db := chtest.Open(t)
	secret := strings.Repeat("k", 32)
	sealKey, _, err := seal.GenerateKey("report-ledger")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "log"), "--watcher=false",
		"--clickhouse", chtest.DSN() + "/" + db}, func(k string) string {
		return map[string]string{"LEDGER_JWT_SECRET": secret, "LEDGER_SEAL_KEY": sealKey}[k]
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
	now := time.Now().In(domain.DefaultLocation())
	quarter := domain.QuarterOf(now).String()
	office := c.token("office-1", api.RoleOffice, nil, "")
	area := c.post("area", "/v1/areas", office, map[string]any{"name": "东片区", "leader": "王伟"})
	district := c.post("district", "/v1/units", office, map[string]any{"name": "区委", "kind": "district"})
	street := c.post("street", "/v1/units", office, map[string]any{"name": "东街道党工委", "kind": "street", "parent_id": district, "area_id": area})
	branch := c.post("branch", "/v1/units", office, map[string]any{"name": "幸福社区党支部", "kind": "branch", "parent_id": street, "area_id": area})
	c.post("theme", "/v1/themes", office, map[string]any{"unit_id": branch, "quarter": quarter, "title": "学党史、办实事"})
	clerk := c.token("clerk-1", api.RoleClerk, []string{branch}, "")
	c.post("pledge", "/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": branch, "quarter": quarter, "category": "service_for_masses",
		"title": "为独居老人办实事", "content": "上门服务 50 人次"})
	c.post("vanguard", "/v1/vanguards", office, map[string]any{"kind": "collective", "unit_id": branch,
		"category": map[string]any{"key": "service", "name": "服务群众先锋"}, "quarter": quarter})
	if code, _, body := c.do(http.MethodPost, "/v1/checkpoints", office, nil); code != http.StatusOK {
		t.Fatalf("seal: %d %s", code, body)
	}

	code, h, body := c.do(http.MethodGet, "/v1/reports/annual?format=json&year="+strconv.Itoa(now.Year()), office, nil)
	if code != http.StatusOK {
		t.Fatalf("report: %d %s", code, body)
	}
	var rp report.Report
	if err := json.Unmarshal(body, &rp); err != nil {
		t.Fatal(err)
	}
	var latest seal.Checkpoint
	if code, _, body := c.do(http.MethodGet, "/v1/checkpoints/latest", "", nil); code != http.StatusOK || json.Unmarshal(body, &latest) != nil {
		t.Fatalf("latest checkpoint: %d %s", code, body)
	}
	if rp.Checkpoint.Size != latest.Size || !rp.Checkpoint.Verified || h.Get("X-Report-Checkpoint") != strconv.FormatUint(latest.Size, 10) {
		t.Errorf("the report is at %d (verified %v), the latest checkpoint %d", rp.Checkpoint.Size, rp.Checkpoint.Verified, latest.Size)
	}
	want := map[string]int64{annual.Themes: 1, annual.Pledges: 1, annual.VanguardsCollective: 1, annual.AreasRegistered: 1}
	for _, f := range rp.Figures {
		if !f.Agree || f.Value != want[f.ID] {
			t.Errorf("%s: %d (ClickHouse %d, log %d), want %d", f.ID, f.Value, f.ClickHouse, f.Log, want[f.ID])
		}
	}
	code, h, body = c.do(http.MethodGet, "/v1/reports/annual?year="+strconv.Itoa(now.Year()), office, nil)
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/markdown") || !strings.Contains(string(body), "共确定活动主题**1**") {
		t.Errorf("markdown: %d %q", code, h.Get("Content-Type"))
	}
}
