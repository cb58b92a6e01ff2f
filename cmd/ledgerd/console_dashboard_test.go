package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cxzy/ledger/domain"
)

// dashboardFixture is a district with rectifications whose colours, for
// the dashboard's fixed moment Now, are known by hand.
type dashboardFixture struct {
	*consoleEnv
	Today, Now domain.Date
	Red        []string // the red items, most overdue first
	Review     string   // the review remark of 和平社区党支部, a source for more orders
	Checkpoint uint64   // size of the checkpoint sealed
}

// newDashboardFixture orders nine live rectifications and a cancelled
// one from two review remarks, seals a checkpoint, and has the group
// inspect the branch. With now = today + 10 days (yellow within 3 days):
//
//	片区     红灯 黄灯 绿灯   deadlines (days from today)
//	东片区    2    2    1    2, 5 | 10, 12 | 20      (幸福社区党支部 and 东街道党工委)
//	西片区    1    1    2    8    | 13     | 30, 40  (和平社区党支部), and 4: cancelled
//	全区      3    3    3
func newDashboardFixture(t *testing.T) *dashboardFixture {
	t.Helper()
	e := newConsoleEnv(t)
	f := &dashboardFixture{consoleEnv: e}
	f.Today = domain.DateIn(time.Now(), domain.DefaultLocation())
	f.Now = f.Today.AddDays(10)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	rv1 := e.post("review", "/v1/reviews", e.Office, map[string]any{"form": "on_site", "subject": "unit", "unit_id": e.Branch,
		"reviewer": "张书记", "quarter": quarter, "remark": "总体较好",
		"shortcomings": []map[string]any{{"text": "公开栏更新不及时", "orders_rectification": true}, {"text": "台账不全", "orders_rectification": true}},
		"measures":     []string{"每周更新公开栏", "补齐台账"}})
	rv2 := e.post("review", "/v1/reviews", e.Office, map[string]any{"form": "talk", "subject": "unit", "unit_id": e.Other,
		"reviewer": "李书记", "quarter": quarter, "remark": "有待加强",
		"shortcomings": []map[string]any{{"text": "学习记录缺失", "orders_rectification": true}},
		"measures":     []string{"建立学习台账"}})
	order := func(rv, unit string, days int, req string) string {
		return e.post("order", "/v1/rectifications", e.Office, map[string]any{"source": map[string]any{"kind": "review", "ref": rv, "item": 1},
			"unit": unit, "person": "张三", "requirement": req, "deadline": f.Today.AddDays(days).String()})
	}
	red2 := order(rv1, e.Branch, 2, "完善公开栏")
	red5 := order(rv1, e.Street, 5, "补齐会议记录")
	order(rv1, e.Branch, 10, "更新党员信息")
	order(rv1, e.Branch, 12, "整理学习材料")
	order(rv1, e.Street, 20, "规范档案管理")
	red8 := order(rv2, e.Other, 8, "补齐学习记录")
	order(rv2, e.Other, 13, "完善制度上墙")
	order(rv2, e.Other, 30, "开展主题党日")
	order(rv2, e.Other, 40, "走访困难党员")
	gone := order(rv2, e.Other, 4, "已撤销的事项")
	e.post("cancel", "/v1/rectifications/"+gone+"/cancel", e.Office, map[string]any{"reason": "重复下达"})
	f.Red = []string{red2, red5, red8}
	f.Review = rv2
	e.post("inspection", "/v1/inspections", e.Inspector, map[string]any{"kind": "special", "unit_id": e.Branch, "group_id": e.Group, "subject": "公开栏"})
	code, _, body := e.do(http.MethodPost, "/v1/checkpoints", e.Office, nil)
	if code != http.StatusOK {
		t.Fatalf("seal: %d %s", code, body)
	}
	var cp struct{ Size uint64 }
	if err := json.Unmarshal(body, &cp); err != nil {
		t.Fatal(err)
	}
	f.Checkpoint = cp.Size
	// A read with wait_for: the projections hold everything above.
	var sink map[string]any
	e.get("/v1/views/totals", e.Office, nil, &sink)
	return f
}

// dashboardFigures is what the dashboard shows, read from its DOM.
type dashboardFigures struct {
	Ready     string                    `json:"ready"`
	Colours   map[string]int            `json:"colours"` // red, yellow, green, open
	Areas     map[string]map[string]int `json:"areas"`   // area id → colour → count
	Red       []string                  `json:"red"`     // ids in order
	RedDays   []int                     `json:"redDays"`
	RedTotal  int                       `json:"redTotal"`
	RedLinks  []string                  `json:"redLinks"`
	Totals    map[string]int            `json:"totals"`
	Groups    map[string]map[string]int `json:"groups"` // group id → field → value
	CPSize    int                       `json:"cpSize"`
	Position  string                    `json:"position"`
	Refreshes string                    `json:"refreshes"`
	Updated   string                    `json:"updated"`
	CSP       []string                  `json:"csp"`
	Nav       []string                  `json:"nav"`
	Title     string                    `json:"title"`
	Date      string                    `json:"date"`
}

const readDashboardJS = `(() => {
  const n = s => Number(s);
  const q = s => document.querySelector(s);
  const out = { ready: document.body.dataset.ready || '', colours: {}, areas: {}, red: [], redDays: [], redLinks: [], totals: {}, groups: {},
    csp: window.dashCSP || [], nav: [...document.querySelectorAll('header nav a')].map(a => a.getAttribute('href')),
    title: (q('.dash-title h1') || {}).textContent || '', date: (q('#dash-date') || {}).textContent || '' };
  for (const c of ['red', 'yellow', 'green', 'open']) { const e = q('#rc-' + c); if (e) out.colours[c] = n(e.dataset.value); }
  for (const tr of document.querySelectorAll('#area-table tbody tr')) {
    const a = out.areas[tr.dataset.area] = {};
    for (const td of tr.querySelectorAll('td[data-colour]')) a[td.dataset.colour] = n(td.dataset.value);
    a.open = n(tr.querySelector('.open').dataset.value);
  }
  for (const tr of document.querySelectorAll('#red-table tbody tr')) {
    out.red.push(tr.dataset.id);
    out.redDays.push(n(tr.querySelector('[data-days]').dataset.days));
    out.redLinks.push(tr.querySelector('a').getAttribute('href'));
  }
  out.redTotal = n((q('#p-red') || { dataset: {} }).dataset.total);
  for (const e of document.querySelectorAll('.total[id^="tot-"]')) out.totals[e.id.slice(4)] = n(e.dataset.value);
  for (const tr of document.querySelectorAll('#group-table tbody tr')) {
    const g = out.groups[tr.dataset.group] = {};
    for (const td of tr.querySelectorAll('td[data-field]')) g[td.dataset.field] = td.dataset.value === '' ? -1 : n(td.dataset.value);
  }
  const cp = q('#cp-size'); out.cpSize = cp ? n(cp.dataset.value) : -1;
  const u = q('#dash-updated');
  if (u) { out.position = u.dataset.position || ''; out.refreshes = u.dataset.refreshes || ''; out.updated = u.textContent; }
  return JSON.stringify(out);
})()`

func readDashboard(t *testing.T, ctx context.Context) dashboardFigures {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](readDashboardJS))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboardFigures
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return d
}

// waitDashboard has the browser poll the JavaScript predicate cond
// (every 50 ms, up to a minute) and returns what the page then shows; it
// fails saying what the page showed if cond never held.
func waitDashboard(t *testing.T, ctx context.Context, what, cond string) dashboardFigures {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+cond+")",
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("%s (%s): %v; the dashboard shows %+v", what, cond, err, readDashboard(t, ctx))
	}
	return readDashboard(t, ctx)
}

// summaryOf is the API's own colour counts for the same now.
func (f *dashboardFixture) summaryOf(t *testing.T, tok, area string) map[string]int {
	t.Helper()
	var a struct {
		Summary struct{ Red, Yellow, Green, Open int } `json:"summary"`
	}
	p := url.Values{"now": {f.Now.String()}}
	if area != "" {
		p.Set("area", area)
	}
	f.get("/v1/views/rectifications/summary", tok, p, &a)
	return map[string]int{"red": a.Summary.Red, "yellow": a.Summary.Yellow, "green": a.Summary.Green, "open": a.Summary.Open}
}

// checkAgainstAPI compares every figure the page shows with the API's
// answer for the same now and with the hand-made table want.
func (f *dashboardFixture) checkAgainstAPI(t *testing.T, tok string, d dashboardFigures, want map[string]map[string]int, red []string) {
	t.Helper()
	all := map[string]map[string]int{"": want["all"], f.A1: want["A1"], f.A2: want["A2"]}
	for area, hand := range all {
		api := f.summaryOf(t, tok, area)
		shown := d.Colours
		if area != "" {
			shown = d.Areas[area]
		}
		for _, c := range []string{"red", "yellow", "green", "open"} {
			if shown[c] != api[c] || shown[c] != hand[c] {
				t.Errorf("area %q %s: dashboard %d, API %d, by hand %d", area, c, shown[c], api[c], hand[c])
			}
		}
	}
	if len(d.Areas) != 2 {
		t.Errorf("areas shown: %v, want the two of the district", d.Areas)
	}
	var list struct {
		Items []rectRow `json:"items"`
	}
	f.get("/v1/views/rectifications", tok, url.Values{"now": {f.Now.String()}, "colour": {"red"}, "sort": {"deadline"}}, &list)
	var apiRed []string
	var apiDays []int
	for _, r := range list.Items {
		apiRed = append(apiRed, r.ID)
		apiDays = append(apiDays, -r.DaysLeft)
	}
	if fmt.Sprint(d.Red) != fmt.Sprint(apiRed) || fmt.Sprint(d.Red) != fmt.Sprint(red) || fmt.Sprint(d.RedDays) != fmt.Sprint(apiDays) || d.RedTotal != len(red) {
		t.Errorf("overdue list: dashboard %v (days %v, total %d), API %v (days %v), by hand %v", d.Red, d.RedDays, d.RedTotal, apiRed, apiDays, red)
	}
	for i, id := range d.Red {
		if want := "/item?stream=rectification-" + id; d.RedLinks[i] != want {
			t.Errorf("overdue item %s links to %q, want %q", id, d.RedLinks[i], want)
		}
	}
	var tot struct {
		Totals map[string]int `json:"totals"`
	}
	f.get("/v1/views/totals", tok, nil, &tot)
	handTotals := map[string]int{"themes": 0, "pledges": 0, "reviews": 2, "shortcomings": 3, "measures": 3, "vanguards": 0}
	for k, hand := range handTotals {
		if d.Totals[k] != tot.Totals[k] || d.Totals[k] != hand {
			t.Errorf("total %s: dashboard %d, API %d, by hand %d", k, d.Totals[k], tot.Totals[k], hand)
		}
	}
	if d.CPSize != int(f.Checkpoint) {
		t.Errorf("checkpoint size shown %d, sealed %d", d.CPSize, f.Checkpoint)
	}
	if len(d.CSP) > 0 {
		t.Errorf("content-security-policy violations: %v", d.CSP)
	}
}

// TestDashboardFigures: the office and an analyst open the dashboard at a
// fixed moment and see the colour counts overall and per area, the
// overdue list, the totals, the group's coverage and the checkpoint, each
// equal to the API's answer for that moment and to a table made by hand;
// then one more item goes red through the API and the open page shows it
// without reloading.
func TestDashboardFigures(t *testing.T) {
	f := newDashboardFixture(t)
	ctx, cancel := context.WithTimeout(f.Browser, 240*time.Second)
	defer cancel()
	want := map[string]map[string]int{
		"all": {"red": 3, "yellow": 3, "green": 3, "open": 9},
		"A1":  {"red": 2, "yellow": 2, "green": 1, "open": 5},
		"A2":  {"red": 1, "yellow": 1, "green": 2, "open": 4},
	}
	path := "/dashboard?every=1&now=" + f.Now.String()
	for _, who := range []struct{ name, tok string }{{"office", f.Office}, {"analyst", f.Analyst}} {
		t.Run(who.name, func(t *testing.T) {
			f.login(t, who.tok, path)
			d := waitDashboard(t, ctx, "first render", `document.body.dataset.ready === 'true'`)
			if d.Title != "创先争优活动 · 数据大屏" || !strings.Contains(d.Date, "年") {
				t.Errorf("title %q, date %q", d.Title, d.Date)
			}
			if !strings.Contains(strings.Join(d.Nav, " "), "/dashboard") {
				t.Errorf("%s's header has no link to the dashboard: %v", who.name, d.Nav)
			}
			if !strings.HasPrefix(d.Updated, "数据更新于 ") {
				t.Errorf("status line %q", d.Updated)
			}
			f.checkAgainstAPI(t, who.tok, d, want, f.Red)
			// The group covers 东片区: the street and the branch; it
			// inspected the branch; 5 items live there, 2 of them red.
			g := d.Groups[f.Group]
			if g["covered"] != 2 || g["inspected"] != 1 || g["open"] != 5 || g["red"] != 2 {
				t.Errorf("group %s shows %v, want 2 covered, 1 inspected, 5 open, 2 red", f.Group, g)
			}
		})
	}

	// The analyst's page stays open: a marker on its window proves it is
	// not reloaded while a new red item comes in.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__noReload = 'still here'`)); err != nil {
		t.Fatal(err)
	}
	before := readDashboard(t, ctx)
	// Polling is cheap while nothing changes: probes, no refresh.
	p0, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.dashStats.probes`))
	if err != nil {
		t.Fatal(err)
	}
	waitDashboard(t, ctx, "three more polls", fmt.Sprintf(`window.dashStats.probes >= %d`, p0+3))
	if d := readDashboard(t, ctx); d.Refreshes != before.Refreshes {
		t.Errorf("the panels were read again (refresh %s, was %s) though the position stayed at %s", d.Refreshes, before.Refreshes, before.Position)
	}
	red1 := f.post("order", "/v1/rectifications", f.Office, map[string]any{"source": map[string]any{"kind": "review", "ref": f.Review, "item": 1},
		"unit": f.Other, "person": "王五", "requirement": "限期补报材料", "deadline": f.Today.AddDays(1).String()})
	d := waitDashboard(t, ctx, "the new red item",
		fmt.Sprintf(`window.dashStats.refreshes > %s && document.querySelector('#rc-red').dataset.value === '4'`, before.Refreshes))
	want["all"] = map[string]int{"red": 4, "yellow": 3, "green": 3, "open": 10}
	want["A2"] = map[string]int{"red": 2, "yellow": 1, "green": 2, "open": 5}
	f.checkAgainstAPI(t, f.Analyst, d, want, append([]string{red1}, f.Red...))
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(window.__noReload || '') + '|' + performance.getEntriesByType('navigation').length + '|' + performance.getEntriesByType('navigation')[0].type`))
	if err != nil {
		t.Fatal(err)
	}
	if marker != "still here|1|navigate" {
		t.Errorf("the page was reloaded: marker, navigations, type = %q", marker)
	}
	if d.Position == before.Position || d.Refreshes == before.Refreshes {
		t.Errorf("the status line did not move: before %s (refresh %s), after %s (refresh %s)", before.Position, before.Refreshes, d.Position, d.Refreshes)
	}
	if n, _ := strconv.Atoi(d.Position); n == 0 {
		t.Errorf("position shown %q", d.Position)
	}
}

// TestDashboardClerk: a clerk's header has no link to the dashboard, and
// a clerk who opens it anyway is told in Chinese that it is not for their
// role, with the way to their own work, instead of empty panels.
func TestDashboardClerk(t *testing.T) {
	e := newConsoleEnv(t)
	ctx, cancel := context.WithTimeout(e.Browser, 120*time.Second)
	defer cancel()
	e.login(t, e.Clerk, "/dashboard")
	d := waitDashboard(t, ctx, "the clerk's page", `document.body.dataset.ready`)
	if d.Ready != "denied" {
		t.Fatalf("the clerk's dashboard is %q, want denied", d.Ready)
	}
	for _, href := range d.Nav {
		if href == "/dashboard" {
			t.Errorf("the clerk's header links to the dashboard: %v", d.Nav)
		}
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#dash-denied"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "无权查看") || !strings.Contains(text, "单位经办人") || !strings.Contains(text, "工作台") {
		t.Errorf("the clerk is told %q", text)
	}
	panels, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.panel').length`))
	if err != nil {
		t.Fatal(err)
	}
	if panels != 0 {
		t.Errorf("the clerk's page draws %d panels", panels)
	}
}
