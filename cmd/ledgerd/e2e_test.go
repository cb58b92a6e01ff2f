package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// client drives a running ledgerd over HTTP.
type client struct {
	t       *testing.T
	base    string
	secret  []byte
	lastPos uint64 // the commit position of the last command answered
}

func (c *client) token(subject string, role api.Role, units []string, group string) string {
	c.t.Helper()
	tok, err := api.HS256{Key: c.secret}.Mint(api.Principal{Subject: subject, Roles: []api.Role{role}, Units: units, Group: group},
		time.Hour, time.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	return tok
}

func (c *client) do(method, path, tok string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

// post runs a command that must succeed and returns the new entity's id.
func (c *client) post(what, path, tok string, body any) string {
	c.t.Helper()
	code, _, data := c.do(http.MethodPost, path, tok, body)
	if code != http.StatusOK && code != http.StatusCreated {
		c.t.Fatalf("%s: POST %s = %d %s", what, path, code, data)
	}
	var res struct {
		ID       string `json:"id"`
		Position struct {
			Commit uint64 `json:"commit"`
		} `json:"position"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		c.t.Fatalf("%s: %v: %s", what, err, data)
	}
	c.lastPos = res.Position.Commit
	return res.ID
}

// get reads a view, waiting until the projections hold the last command.
func (c *client) get(path, tok string, params url.Values, into any) {
	c.t.Helper()
	if params == nil {
		params = url.Values{}
	}
	params.Set("wait_for", fmt.Sprint(c.lastPos))
	code, h, data := c.do(http.MethodGet, path+"?"+params.Encode(), tok, nil)
	if code != http.StatusOK {
		c.t.Fatalf("GET %s?%s = %d %s", path, params.Encode(), code, data)
	}
	if h.Get("X-Projection-Position") == "" {
		c.t.Errorf("GET %s: no X-Projection-Position header", path)
	}
	if err := json.Unmarshal(data, into); err != nil {
		c.t.Fatalf("GET %s: %v: %s", path, err, data)
	}
}

// TestQuarterEndToEnd starts ledgerd on :0 with the embedded log and real
// ClickHouse and drives a quarter through HTTP, each step by the role
// that takes it; then the tracking list, the inspection-group view, the
// pledges, the trends and the totals read back exactly what was written,
// an item goes red once "now" passes its deadline, and every reader sees
// only its scope.
func TestQuarterEndToEnd(t *testing.T) {
	_, db := chtest.Open(t)
	secret := strings.Repeat("k", 32)
	sealKey, verifierKey, err := seal.GenerateKey("e2e-ledger")
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
	loc := domain.DefaultLocation()
	today := domain.DateIn(time.Now(), loc)
	quarter := domain.QuarterOf(time.Now().In(loc)).String()
	month := time.Now().In(loc).Format("2006-01")

	// The office sets up the district: two areas, a street in each with a
	// branch below it, and an inspection group for the first area.
	office := c.token("office-1", api.RoleOffice, nil, "")
	a1 := c.post("area", "/v1/areas", office, map[string]any{"name": "东片区", "leader": "王伟"})
	a2 := c.post("area", "/v1/areas", office, map[string]any{"name": "西片区", "leader": "李娜"})
	district := c.post("district", "/v1/units", office, map[string]any{"name": "区委", "kind": "district"})
	street := c.post("street", "/v1/units", office, map[string]any{"name": "东街道党工委", "kind": "street", "parent_id": district, "area_id": a1})
	branch := c.post("branch", "/v1/units", office, map[string]any{"name": "幸福社区党支部", "kind": "branch", "parent_id": street, "area_id": a1})
	street2 := c.post("street", "/v1/units", office, map[string]any{"name": "西街道党工委", "kind": "street", "parent_id": district, "area_id": a2})
	other := c.post("branch", "/v1/units", office, map[string]any{"name": "和平社区党支部", "kind": "branch", "parent_id": street2, "area_id": a2})
	group := c.post("group", "/v1/groups", office, map[string]any{"name": "第一指导检查组", "members": []string{"inspector-1"}})
	c.post("assign", "/v1/groups/"+group+"/assignments", office, map[string]any{"target_kind": "area", "target_id": a1})

	clerk := c.token("clerk-1", api.RoleClerk, []string{branch}, "")
	superior := c.token("superior-1", api.RoleSuperior, []string{street}, "")
	inspector := c.token("inspector-1", api.RoleInspector, nil, group)
	analyst := c.token("analyst-1", api.RoleAnalyst, nil, "")

	// The photo the clerk cites is uploaded first: the store computes the
	// reference to cite.
	photoBytes := append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), bytes.Repeat([]byte("整改照片"), 200)...)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v1/evidence?unit="+branch, bytes.NewReader(photoBytes))
	req.Header.Set("Authorization", "Bearer "+clerk)
	req.Header.Set("Content-Disposition", "attachment; filename*=UTF-8''%E6%95%B4%E6%94%B9%E7%85%A7%E7%89%87.jpg")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var photo map[string]any
	json.NewDecoder(resp.Body).Decode(&photo)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || photo["name"] != "整改照片.jpg" || photo["media_type"] != "image/jpeg" {
		t.Fatalf("upload: %d %v", resp.StatusCode, photo)
	}
	evidenceJSON := []map[string]any{photo}

	// A pledge through its whole life.
	pl := c.post("pledge", "/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": branch, "quarter": quarter,
		"category": "service_for_masses", "title": "=为群众办实事", "content": "解决小区照明问题"})
	pb := "/v1/pledges/" + pl
	c.post("return", pb+"/return", superior, map[string]any{"reason": "内容不够具体"})
	c.post("revise", pb+"/revise", clerk, map[string]any{"category": "service_for_masses", "title": "=为群众办实事", "content": "本季度安装路灯二十盏"})
	c.post("file", pb+"/file", superior, map[string]any{"note": "同意备案"})
	c.post("disclose", pb+"/disclose", clerk, map[string]any{"channel": "公开栏"})
	c.post("progress", pb+"/progress", clerk, map[string]any{"report_id": "r1", "percent": 50, "narrative": "已安装十盏", "evidence": evidenceJSON})
	c.post("fulfil", pb+"/fulfil", clerk, map[string]any{"narrative": "全部安装完毕", "evidence": evidenceJSON})
	c.post("evaluate", pb+"/evaluations", superior, map[string]any{"evaluator": "organisation", "grade": "excellent", "score": 95})

	// A review with shortcomings orders two rectifications: one runs to
	// acceptance through an extension and a rejection, one stays open.
	rv := c.post("review", "/v1/reviews", superior, map[string]any{"form": "on_site", "subject": "unit", "unit_id": branch,
		"reviewer": "张书记", "quarter": quarter, "remark": "总体较好",
		"shortcomings": []map[string]any{{"text": "公开栏更新不及时", "orders_rectification": true}, {"text": "台账不全", "orders_rectification": true}},
		"measures":     []string{"每周更新公开栏", "补齐台账"}})
	deadline := today.AddDays(20)
	r1 := c.post("order", "/v1/rectifications", superior, map[string]any{"source": map[string]any{"kind": "review", "ref": rv, "item": 1},
		"unit": branch, "person": "张三", "requirement": "完善公开栏", "deadline": deadline.String()})
	rb := "/v1/rectifications/" + r1
	c.post("acknowledge", rb+"/acknowledge", clerk, map[string]any{})
	c.post("extension", rb+"/extension-requests", clerk, map[string]any{"reasons": "材料未到", "progress": "已完成一半"})
	c.post("grant", rb+"/extension-grants", superior, map[string]any{"new_deadline": deadline.AddDays(10).String()})
	c.post("submit", rb+"/submit", clerk, map[string]any{"summary": "已整改", "evidence": evidenceJSON})
	c.post("reject", rb+"/reject", superior, map[string]any{"reason": "照片不清晰"})
	c.post("resubmit", rb+"/submit", clerk, map[string]any{"summary": "重新提交", "evidence": evidenceJSON})
	// Cited in the branch's events, the photo is the superior's to read;
	// the other unit's clerk's it is not.
	if code, h, body := c.do(http.MethodGet, "/v1/evidence/"+photo["sha256"].(string), superior, nil); code != http.StatusOK || !bytes.Equal(body, photoBytes) || h.Get("Content-Type") != "image/jpeg" {
		t.Errorf("the superior reading the cited photo: %d, %d bytes, %q", code, len(body), h.Get("Content-Type"))
	}
	if code, _, _ := c.do(http.MethodGet, "/v1/evidence/"+photo["sha256"].(string), c.token("clerk-2", api.RoleClerk, []string{other}, ""), nil); code != http.StatusForbidden {
		t.Errorf("another unit's clerk reading the photo: %d, want 403", code)
	}
	c.post("accept", rb+"/accept", superior, map[string]any{"note": "同意销号"})
	due := today.AddDays(3)
	r2 := c.post("order", "/v1/rectifications", superior, map[string]any{"source": map[string]any{"kind": "review", "ref": rv, "item": 2},
		"unit": branch, "person": "李四", "requirement": "补齐台账", "deadline": due.String()})
	// A rectification in the other area, outside the clerk's and the
	// group's scope.
	c.post("order", "/v1/rectifications", office, map[string]any{"source": map[string]any{"kind": "review", "ref": rv, "item": 1},
		"unit": other, "person": "王五", "requirement": "整改", "deadline": today.AddDays(40).String()})

	// The group inspects the branch and records a finding.
	in := c.post("inspection", "/v1/inspections", inspector, map[string]any{"kind": "special", "unit_id": branch, "group_id": group, "subject": "公开栏"})
	c.post("finding", "/v1/inspections/"+in+"/findings", inspector, map[string]any{"text": "公开栏内容陈旧", "severity": "minor"})

	// The tracking list: the open item is yellow today (3 days left) and
	// red the day after its deadline; the accepted one closed on time.
	type rectPage struct {
		Items []rectRow `json:"items"`
		Next  string    `json:"next"`
	}
	var list rectPage
	c.get("/v1/views/rectifications", superior, nil, &list)
	if len(list.Items) != 2 {
		t.Fatalf("the superior's tracking list has %d items, want the 2 of its street: %+v", len(list.Items), list.Items)
	}
	byID := map[string]rectRow{}
	for _, r := range list.Items {
		byID[r.ID] = r
	}
	if r := byID[r2]; r.State != "open" || r.Colour != "yellow" || r.DaysLeft != 3 || r.Deadline != due.String() {
		t.Errorf("open item = %+v, want open, yellow, 3 days left, due %s", r, due)
	}
	if r := byID[r1]; r.State != "accepted" || r.Colour != "on_time" || r.Deadline != deadline.AddDays(10).String() ||
		r.OriginalDeadline != deadline.String() || r.ExtensionsGranted != 1 || r.Rejections != 1 {
		t.Errorf("accepted item = %+v, want accepted on time, extended once, rejected once", r)
	}
	c.get("/v1/views/rectifications", superior, url.Values{"now": {due.AddDays(1).String()}, "colour": {"red"}}, &list)
	if len(list.Items) != 1 || list.Items[0].ID != r2 || list.Items[0].DaysLeft != -1 {
		t.Errorf("red items the day after the deadline = %+v, want only %s, one day overdue", list.Items, r2)
	}
	var summary struct {
		Summary struct {
			Total, Open, Yellow, Red, Accepted int
		} `json:"summary"`
	}
	c.get("/v1/views/rectifications/summary", analyst, url.Values{"now": {due.AddDays(1).String()}}, &summary)
	if s := summary.Summary; s.Total != 3 || s.Open != 2 || s.Red != 1 || s.Accepted != 1 {
		t.Errorf("district summary = %+v, want 3 items, 2 open, 1 red, 1 accepted", s)
	}

	// Keyset pages of one item each cover the analyst's list exactly once.
	seen := map[string]int{}
	params := url.Values{"limit": {"1"}}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		c.get("/v1/views/rectifications", analyst, params, &list)
		for _, r := range list.Items {
			seen[r.ID]++
		}
		if list.Next == "" {
			break
		}
		params.Set("after", list.Next)
	}
	if len(seen) != 3 || seen[r1] != 1 || seen[r2] != 1 {
		t.Errorf("pages of one item saw %v, want each of 3 items once", seen)
	}

	// The inspection-group view: the group's area holds the street and the
	// branch; the branch's figures are what was written.
	var view struct {
		Items []struct {
			Unit                 string            `json:"unit"`
			Pledges              map[string]uint64 `json:"pledges"`
			PledgesTotal         uint64            `json:"pledges_total"`
			FulfilmentRate       float64           `json:"fulfilment_rate"`
			Reviews              uint64            `json:"reviews"`
			OpenRectifications   uint64            `json:"open_rectifications"`
			YellowRectifications uint64            `json:"yellow_rectifications"`
			RedRectifications    uint64            `json:"red_rectifications"`
		} `json:"items"`
	}
	c.get("/v1/views/groups/"+group, inspector, url.Values{"quarter": {quarter}}, &view)
	if len(view.Items) != 2 {
		t.Fatalf("group view has %d units, want the street and the branch of its area: %+v", len(view.Items), view.Items)
	}
	for _, u := range view.Items {
		if u.Unit != branch {
			continue
		}
		if u.PledgesTotal != 1 || u.Pledges["evaluated"] != 1 || u.FulfilmentRate != 1 || u.Reviews != 1 ||
			u.OpenRectifications != 1 || u.YellowRectifications != 1 || u.RedRectifications != 0 {
			t.Errorf("the branch in the group view = %+v", u)
		}
	}
	if code, _, _ := c.do(http.MethodGet, "/v1/views/groups/"+group, c.token("inspector-2", api.RoleInspector, nil, "g-other"), nil); code != http.StatusForbidden {
		t.Errorf("another group's inspector reading this group's view: %d, want 403", code)
	}

	// Pledges and trends.
	var pledges struct {
		Items []struct {
			ID, State, Title string
			Reports          uint32 `json:"reports"`
		} `json:"items"`
	}
	c.get("/v1/views/pledges", clerk, url.Values{"quarter": {quarter}}, &pledges)
	if len(pledges.Items) != 1 || pledges.Items[0].ID != pl || pledges.Items[0].State != "evaluated" || pledges.Items[0].Reports != 1 {
		t.Errorf("the clerk's pledges = %+v, want %s evaluated with one report", pledges.Items, pl)
	}
	var trends struct {
		Items []struct {
			Period, Metric string
			Value          int64
		} `json:"items"`
	}
	c.get("/v1/views/trends", analyst, url.Values{"grain": {"month"}, "from": {month}, "to": {month}, "overall": {"true"}}, &trends)
	got := map[string]int64{}
	for _, r := range trends.Items {
		got[r.Metric] = r.Value
	}
	want := map[string]int64{"pledges_made": 1, "pledges_fulfilled": 1, "reviews": 1, "shortcomings": 2, "measures": 2,
		"rectifications_opened": 3, "rectifications_closed": 1, "rectifications_closed_on_time": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("trend %s for %s = %d, want %d (all: %v)", k, month, got[k], v, got)
		}
	}
	var totals struct {
		Totals struct {
			Pledges, Reviews, Shortcomings, Measures int64
		} `json:"totals"`
	}
	c.get("/v1/views/totals", analyst, url.Values{"quarter": {quarter}}, &totals)
	if tt := totals.Totals; tt.Pledges != 1 || tt.Reviews != 1 || tt.Shortcomings != 2 || tt.Measures != 2 {
		t.Errorf("totals = %+v", tt)
	}

	var reviews struct {
		Items []struct {
			ID                     string `json:"id"`
			Shortcomings, Measures uint32
		} `json:"items"`
	}
	c.get("/v1/views/reviews", superior, url.Values{"quarter": {quarter}}, &reviews)
	if len(reviews.Items) != 1 || reviews.Items[0].ID != rv || reviews.Items[0].Shortcomings != 2 || reviews.Items[0].Measures != 2 {
		t.Errorf("the superior's reviews = %+v, want %s with 2 shortcomings and 2 measures", reviews.Items, rv)
	}
	var inspections struct {
		Items []struct {
			ID, State string
			Findings  uint32
		} `json:"items"`
	}
	c.get("/v1/views/inspections", inspector, url.Values{"state": {"open"}}, &inspections)
	if len(inspections.Items) != 1 || inspections.Items[0].ID != in || inspections.Items[0].Findings != 1 {
		t.Errorf("the group's open inspections = %+v, want %s with one finding", inspections.Items, in)
	}

	// CSV export: a byte-order mark, Chinese headers and state labels by
	// default, the JSON names as header with headers=keys, Chinese intact
	// and a formula-looking title defused.
	_, _, zh := c.do(http.MethodGet, "/v1/views/pledges?format=csv", analyst, nil)
	if zhRecs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(zh, []byte("\ufeff")))).ReadAll(); err != nil || len(zhRecs) != 2 ||
		zhRecs[0][0] != "编号" || !slices.Contains(zhRecs[0], "状态") || !slices.Contains(zhRecs[1], "已评诺") {
		t.Errorf("Chinese CSV export = %v (%v)", zhRecs, err)
	}
	code, h, data := c.do(http.MethodGet, "/v1/views/pledges?format=csv&headers=keys", analyst, nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Fatalf("CSV export: %d %s, starts %q", code, h.Get("Content-Type"), data[:min(len(data), 10)])
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "id" || recs[1][0] != pl || !strings.Contains(string(data), "'=为群众办实事") {
		t.Errorf("CSV export = %v (%v)", recs, err)
	}

	// Scope: the clerk sees its branch only, and is refused another unit.
	c.get("/v1/views/rectifications", clerk, nil, &list)
	for _, r := range list.Items {
		if r.Unit != branch {
			t.Errorf("the clerk sees %s of unit %s", r.ID, r.Unit)
		}
	}
	if code, _, body := c.do(http.MethodGet, "/v1/views/rectifications?unit="+other, clerk, nil); code != http.StatusForbidden {
		t.Errorf("the clerk asking for another unit: %d %s, want 403", code, body)
	}
	// Bad input names its parameter.
	for _, tc := range []struct{ query, field string }{
		{"colour=purple", "colour"}, {"now=yesterday", "now"}, {"limit=5000", "limit"}, {"color=red", "color"},
		{"after=bogus", "after"}, {"wait=1h", "wait"},
	} {
		code, _, body := c.do(http.MethodGet, "/v1/views/rectifications?"+tc.query, analyst, nil)
		var p api.Problem
		json.Unmarshal(body, &p)
		if code != http.StatusBadRequest || p.Field != tc.field {
			t.Errorf("?%s = %d %s, want 400 naming %s", tc.query, code, body, tc.field)
		}
	}
	// The quarter is sealed, and the accepted rectification's evidence
	// pack proves its whole history against the ledger's published key.
	admin := c.token("admin-1", api.RoleAdmin, nil, "")
	if code, _, body := c.do(http.MethodPost, "/v1/checkpoints", admin, nil); code != http.StatusOK {
		t.Fatalf("seal: %d %s", code, body)
	}
	var keys api.KeysAnswer
	if code, _, body := c.do(http.MethodGet, "/v1/checkpoints/keys", "", nil); code != 200 || json.Unmarshal(body, &keys) != nil ||
		len(keys.Keys) != 1 || keys.Keys[0] != verifierKey {
		t.Fatalf("published keys: %d %s, want %s", code, body, verifierKey)
	}
	trusted, _, _ := seal.Verifiers(keys.Keys...)
	var pack seal.Pack
	deadlineSeal := time.Now().Add(10 * time.Second)
	for {
		// The sealer indexes its own checkpoint as it follows the log:
		// poll until the pack is there.
		code, _, body := c.do(http.MethodGet, "/v1/evidence/streams/rectification-"+r1, superior, nil)
		if code == 200 && json.Unmarshal(body, &pack) == nil {
			break
		}
		if time.Now().After(deadlineSeal) {
			t.Fatalf("evidence: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
	report, err := seal.VerifyPack(pack, trusted, nil)
	if err != nil || len(pack.Events) != 8 {
		t.Fatalf("the rectification's pack (%d events): %v", len(pack.Events), err)
	}
	if !strings.Contains(strings.Join(report.Lines, " "), "superior-1") {
		t.Errorf("the report does not name the actors: %v", report.Lines)
	}

	// A read asking for a position the log has not reached gives up
	// within its wait, with 503.
	if code, _, body := c.do(http.MethodGet, fmt.Sprintf("/v1/views/totals?wait_for=%d&wait=100ms", c.lastPos+1000), analyst, nil); code != http.StatusServiceUnavailable {
		t.Errorf("waiting for a future position: %d %s, want 503", code, body)
	}
}

// rectRow is the part of a tracking-list item the test reads.
type rectRow struct {
	ID                string `json:"id"`
	Unit              string `json:"unit"`
	State             string `json:"state"`
	Colour            string `json:"colour"`
	DaysLeft          int    `json:"days_left"`
	Deadline          string `json:"deadline"`
	OriginalDeadline  string `json:"original_deadline"`
	ExtensionsGranted int    `json:"extensions_granted"`
	Rejections        int    `json:"rejections"`
}
