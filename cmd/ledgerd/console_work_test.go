package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
)

// The work pages (/work) driven in the browser, a principal at a time;
// every step is checked against the ledger itself.

// activeTab is the tab the page shows.
const activeTab = `section.tab:not([hidden])`

// workPage is /work open in the env's browser as one principal.
type workPage struct {
	t   *testing.T
	e   *consoleEnv
	who string
}

// openWork signs tok in and opens the work page on a tab, waiting until
// its list has loaded.
func (e *consoleEnv) openWork(t *testing.T, who, tok, tab string) *workPage {
	t.Helper()
	e.login(t, tok, "/work#"+tab)
	w := &workPage{t: t, e: e, who: who}
	w.until(`(tab) => { const s = document.querySelector('section.tab[data-tab="' + tab + '"]');
		return !!s && !s.hidden && !!s.querySelector('[data-loaded]') }`, "the tab "+tab+" has loaded", tab)
	return w
}

// until polls a JavaScript predicate (a function of args) until it is
// truthy, and answers its value; past the deadline the test fails with
// what the page shows.
func (w *workPage) until(fn, what string, args ...any) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.e.Browser, 25*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.PollFunction[any](fn, chromedp.WithPollingArgs(args...),
		chromedp.WithPollingInterval(30*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		w.t.Fatalf("%s: waiting until %s: %v\npage:\n%s", w.who, what, err, w.text("main"))
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// eval runs a function of args in the page and answers its value.
func (w *workPage) eval(fn string, args ...any) any {
	w.t.Helper()
	if args == nil {
		args = []any{}
	}
	data, _ := json.Marshal(args)
	v, err := chromedp.Run(w.e.Browser, chromedp.Evaluate[any](fmt.Sprintf("(%s)(...%s)", fn, data), chromedp.EvalAwaitPromise))
	if err != nil {
		w.t.Fatalf("%s: %v", w.who, err)
	}
	return v
}

func (w *workPage) text(sel string) string {
	ctx, cancel := context.WithTimeout(w.e.Browser, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, sel)))
	return s
}

func (w *workPage) html(sel string) string {
	ctx, cancel := context.WithTimeout(w.e.Browser, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).outerHTML || ''`, sel)))
	return s
}

func (w *workPage) click(sel string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.e.Browser, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(sel, chromedp.NodeVisible)); err != nil {
		w.t.Fatalf("%s: click %s: %v\npage:\n%s", w.who, sel, err, w.text("main"))
	}
}

// screenshot saves the page as docs/screenshots/work-<name>.png when
// LEDGER_SCREENSHOTS=1 (docs/console.md); otherwise it does nothing.
func (w *workPage) screenshot(name string) {
	w.t.Helper()
	if os.Getenv("LEDGER_SCREENSHOTS") != "1" {
		return
	}
	buf, err := chromedp.Run(w.e.Browser, chromedp.FullScreenshot(100)) // 100: PNG
	if err == nil {
		err = os.MkdirAll("../../docs/screenshots", 0o755)
	}
	if err == nil {
		err = os.WriteFile("../../docs/screenshots/work-"+name+".png", buf, 0o644)
	}
	if err != nil {
		w.t.Errorf("screenshot %s: %v", name, err)
	}
}

// row is the selector of an item's row in the tab shown.
func row(id string) string { return activeTab + ` tr[data-id="` + id + `"]` }

// form is the selector of a command's form in the tab shown.
func form(command string) string { return activeTab + ` form[data-command="` + command + `"]` }

// action opens a row's command form.
func (w *workPage) action(id, command string) string {
	w.t.Helper()
	w.click(row(id) + ` button[data-action="` + command + `"]`)
	w.until(`(sel) => !!document.querySelector(sel)`, "the form of "+command+" shows", form(command))
	return form(command)
}

// tool opens a form of the tab's toolbar (新建承诺, 记录点评, …).
func (w *workPage) tool(name string) string {
	w.t.Helper()
	w.click(activeTab + ` button[data-open="` + name + `"]`)
	w.until(`(sel) => !!document.querySelector(sel)`, "the form "+name+" shows", form(name))
	return form(name)
}

// set puts a value in a form's field as a user choosing it would
// (selects, date pickers, text fields alike).
func (w *workPage) set(formSel, name, value string) {
	w.t.Helper()
	ok := w.eval(`(f, name, value) => {
		const n = document.querySelector(f).querySelector('[name="' + name + '"]');
		if (!n) return false;
		n.value = value;
		n.dispatchEvent(new Event('input', { bubbles: true }));
		n.dispatchEvent(new Event('change', { bubbles: true }));
		return n.value === value }`, formSel, name, value)
	if ok != true {
		w.t.Fatalf("%s: cannot set %s of %s to %q; the form:\n%s", w.who, name, formSel, value, w.html(formSel))
	}
}

// typeIn types text into a field, key by key.
func (w *workPage) typeIn(formSel, name, text string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.e.Browser, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(formSel+` [name="`+name+`"]`, text)); err != nil {
		w.t.Fatalf("%s: type into %s: %v", w.who, name, err)
	}
}

// attach chooses files in a form's evidence picker.
func (w *workPage) attach(formSel string, paths ...string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.e.Browser, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(formSel+` input[type=file][name="evidence"]`, paths)); err != nil {
		w.t.Fatalf("%s: attach: %v", w.who, err)
	}
}

// submit sends a form and waits until the tab says 已记录; it answers the
// id, stream and commit position of what was recorded. double clicks the
// button twice at once, as an impatient user does.
func (w *workPage) submit(formSel string, double bool) (id, stream string) {
	w.t.Helper()
	w.eval(`(f, double) => {
		document.querySelectorAll('section.tab:not([hidden]) .notice > *').forEach(n => n.remove());
		const b = document.querySelector(f).querySelector('button[type=submit]');
		b.click();
		if (double) b.click();
		return true }`, formSel, double)
	w.until(`(f) => !!document.querySelector('section.tab:not([hidden]) .notice .ok') ||
		!!document.querySelector(f + ' .problem')`, "the command is recorded (已记录) or refused", formSel)
	got := w.eval(`(f) => { const n = document.querySelector('section.tab:not([hidden]) .notice .ok');
		if (!n) return [document.querySelector(f + ' .problem').textContent, '', '', ''];
		return [n.textContent, n.dataset.id, n.dataset.stream, n.dataset.commit] }`, formSel).([]any)
	if !strings.HasPrefix(got[0].(string), "已记录") {
		w.t.Fatalf("%s: the command was not recorded: %s", w.who, got[0])
	}
	var commit uint64
	fmt.Sscan(got[3].(string), &commit)
	if commit > w.e.lastPos {
		w.e.lastPos = commit
	}
	return got[1].(string), got[2].(string)
}

// refused sends a form the server must refuse and answers the message
// shown right after the field named (the .problem next to the input).
func (w *workPage) refused(formSel, field string) string {
	w.t.Helper()
	w.click(formSel + ` button[type=submit]`)
	return w.until(`(f, name) => {
		const form = document.querySelector(f);
		const n = form && form.querySelector('[name="' + name + '"]');
		const p = n && n.nextElementSibling;
		return p && p.classList.contains('problem') ? p.textContent : '' }`, "a problem shows beside "+field, formSel, field)
}

// waitState waits until an item's row shows a state.
func (w *workPage) waitState(id, state string) {
	w.t.Helper()
	w.until(`(sel, state) => { const r = document.querySelector(sel); return !!r && r.dataset.state === state }`,
		"row "+id+" is "+state, row(id), state)
}

// actions lists the commands a row offers.
func (w *workPage) actions(id string) []string {
	w.t.Helper()
	v := w.eval(`(sel) => [...document.querySelectorAll(sel + ' button[data-action]')].map(b => b.dataset.action)`, row(id))
	var out []string
	for _, a := range v.([]any) {
		out = append(out, a.(string))
	}
	return out
}

// streamLog follows one stream's history through the API, so each step
// can check that exactly one event, of the type expected, was recorded.
type streamLog struct {
	e      *consoleEnv
	stream string
	want   []string
}

func (e *consoleEnv) follow(stream string, first ...string) *streamLog {
	return &streamLog{e: e, stream: stream, want: first}
}

// types reads the stream's event types (office token, from the log).
func (e *consoleEnv) types(t *testing.T, stream string) ([]string, []json.RawMessage) {
	t.Helper()
	code, _, body := e.do(http.MethodGet, "/v1/history/"+url.PathEscape(stream), e.Office, nil)
	if code != http.StatusOK {
		t.Fatalf("history of %s: %d %s", stream, code, body)
	}
	var h struct {
		Events []struct {
			Type    string          `json:"type"`
			Actor   string          `json:"actor"`
			Payload json.RawMessage `json:"payload"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	var types []string
	var payloads []json.RawMessage
	for _, ev := range h.Events {
		types = append(types, ev.Type)
		payloads = append(payloads, ev.Payload)
	}
	return types, payloads
}

// next checks that the stream now holds exactly one more event, of type
// typ, and answers its payload.
func (l *streamLog) next(t *testing.T, typ string) json.RawMessage {
	t.Helper()
	l.want = append(l.want, typ)
	got, payloads := l.e.types(t, l.stream)
	if !slices.Equal(got, l.want) {
		t.Fatalf("%s holds %v, want %v (exactly one %s more)", l.stream, got, l.want, typ)
	}
	return payloads[len(payloads)-1]
}

// photo writes a small real PNG, as a phone's photo would be uploaded.
func photo(t *testing.T, name string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := range 16 {
		for y := range 12 {
			img.Set(x, y, color.RGBA{uint8(200 + x), uint8(20 * y), 40, 255})
		}
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// cites checks that an event's payload cites a file of that name.
func cites(t *testing.T, payload json.RawMessage, name string) {
	t.Helper()
	var p struct {
		Evidence []struct {
			Name      string `json:"name"`
			MediaType string `json:"media_type"`
		} `json:"evidence"`
	}
	json.Unmarshal(payload, &p)
	if len(p.Evidence) != 1 || p.Evidence[0].Name != name || p.Evidence[0].MediaType != "image/png" {
		t.Fatalf("the event cites %+v, want the uploaded %s", p.Evidence, name)
	}
}

// TestConsoleWorkQuarter drives a quarter through the work pages, each
// step by the role that takes it: a pledge from submission to fulfilment
// with a photo, a review remark, an inspection whose finding orders a
// rectification, and the rectification through an extension and a
// rejection to its acceptance by another superior. After each step the
// ledger holds exactly one more event.
func TestConsoleWorkQuarter(t *testing.T) {
	e := newConsoleEnv(t)
	loc := domain.DefaultLocation()
	today := domain.DateIn(time.Now(), loc)
	quarter := domain.QuarterOf(time.Now().In(loc)).String()
	pic := photo(t, "兑现照片.png")
	rectPic := photo(t, "整改照片.png")

	// The clerk submits the quarter's pledge, clicking twice.
	clerk := e.openWork(t, "clerk", e.Clerk, "clerk-pledges")
	f := clerk.tool("submit-pledge")
	clerk.set(f, "category", "service_for_masses")
	clerk.typeIn(f, "title", "为群众办实事")
	clerk.typeIn(f, "content", "解决小区照明问题")
	clerk.screenshot("clerk-new-pledge")
	pledge, stream := clerk.submit(f, true)
	if stream != "pledge-"+pledge {
		t.Fatalf("the new pledge is %q in %q", pledge, stream)
	}
	pl := e.follow(stream)
	pl.next(t, "pledge.submitted")
	clerk.waitState(pledge, "submitted")
	var pledges struct {
		Items []struct{ ID, State, Quarter, Unit string } `json:"items"`
	}
	e.get("/v1/views/pledges", e.Clerk, nil, &pledges)
	if len(pledges.Items) != 1 || pledges.Items[0].ID != pledge || pledges.Items[0].Quarter != quarter || pledges.Items[0].Unit != e.Branch {
		t.Fatalf("after a double click the clerk's pledges are %+v, want the one pledge", pledges.Items)
	}
	if got := clerk.actions(pledge); !slices.Equal(got, []string{"withdraw"}) {
		t.Errorf("a submitted pledge offers the clerk %v, want only withdraw", got)
	}

	// The superior returns it; an empty reason is refused beside the field.
	sup := e.openWork(t, "superior", e.Superior, "superior-pledges")
	if got := sup.actions(pledge); !slices.Equal(got, []string{"return", "file"}) {
		t.Errorf("a submitted pledge offers the superior %v, want return and file", got)
	}
	f = sup.action(pledge, "return")
	if msg := sup.refused(f, "reason"); !strings.Contains(msg, "理由") || !strings.Contains(msg, "reason") {
		t.Errorf("an empty reason shows %q beside the field", msg)
	}
	sup.screenshot("superior-return-refused")
	if got, _ := e.types(t, stream); len(got) != 1 {
		t.Fatalf("a refused return recorded %v", got)
	}
	sup.typeIn(f, "reason", "内容不够具体")
	sup.submit(f, false)
	pl.next(t, "pledge.returned")
	sup.waitState(pledge, "returned")

	// The clerk revises it, the form holding the pledge's wording.
	clerk = e.openWork(t, "clerk", e.Clerk, "clerk-pledges")
	f = clerk.action(pledge, "revise")
	if reason := clerk.text(activeTab + " .returned-reason"); !strings.Contains(reason, "内容不够具体") {
		t.Errorf("the revise form shows %q, want the return reason", reason)
	}
	clerk.set(f, "content", "本季度安装路灯二十盏")
	clerk.submit(f, false)
	if p := pl.next(t, "pledge.revised"); !strings.Contains(string(p), "为群众办实事") || !strings.Contains(string(p), "路灯二十盏") {
		t.Errorf("revised: %s", p)
	}

	// The superior files it.
	sup = e.openWork(t, "superior", e.Superior, "superior-pledges")
	sup.submit(sup.action(pledge, "file"), false)
	pl.next(t, "pledge.filed")

	// The clerk discloses it and reports it kept, with a photo.
	clerk = e.openWork(t, "clerk", e.Clerk, "clerk-pledges")
	f = clerk.action(pledge, "disclose")
	clerk.typeIn(f, "channel", "公开栏")
	clerk.submit(f, false)
	pl.next(t, "pledge.disclosed")
	clerk.waitState(pledge, "disclosed")
	f = clerk.action(pledge, "fulfil")
	clerk.typeIn(f, "narrative", "全部安装完毕")
	clerk.attach(f, pic)
	clerk.submit(f, false)
	cites(t, pl.next(t, "fulfilment.fulfilled"), "兑现照片.png")
	clerk.waitState(pledge, "fulfilled")

	// The superior records a review remark with a shortcoming to put right.
	sup = e.openWork(t, "superior", e.Superior, "superior-reviews")
	f = sup.tool("review")
	sup.set(f, "unit_id", e.Branch)
	sup.set(f, "form", "on_site")
	sup.typeIn(f, "reviewer", "张书记")
	sup.set(f, "remark", "总体较好")
	sup.set(f, "shortcomings[0].text", "公开栏更新不及时")
	sup.click(f + ` [name="shortcomings[0].orders_rectification"]`)
	sup.set(f, "measures[0]", "每周更新公开栏")
	sup.screenshot("superior-review")
	_, reviewStream := sup.submit(f, false)
	if p := e.follow(reviewStream).next(t, "review.recorded"); !strings.Contains(string(p), `"orders_rectification":true`) || !strings.Contains(string(p), "每周更新公开栏") {
		t.Errorf("the review: %s", p)
	}

	// The inspector opens a special check of the branch, records a
	// finding that orders a rectification, and orders it; a deadline
	// before today is refused beside the deadline.
	insp := e.openWork(t, "inspector", e.Inspector, "inspector-inspections")
	f = insp.tool("inspect")
	insp.set(f, "unit_id", e.Branch)
	insp.typeIn(f, "subject", "公开栏")
	inspection, inspStream := insp.submit(f, false)
	in := e.follow(inspStream)
	in.next(t, "inspection.started")
	f = insp.action(inspection, "findings")
	insp.typeIn(f, "text", "公开栏内容陈旧")
	insp.set(f, "severity", "minor")
	insp.click(f + ` [name="orders_rectification"]`)
	insp.submit(f, false)
	in.next(t, "inspection.finding_recorded")
	f = insp.action(inspection, "order")
	insp.set(f, "person", "zhang-san")
	insp.set(f, "deadline", today.AddDays(-1).String())
	if msg := insp.refused(f, "deadline"); !strings.Contains(msg, "deadline") {
		t.Errorf("a deadline before today shows %q beside the field", msg)
	}
	insp.screenshot("inspector-order-refused")
	deadline := today.AddDays(20)
	insp.set(f, "deadline", deadline.String())
	rect, rectStream := insp.submit(f, false)
	rc := e.follow(rectStream)
	if p := rc.next(t, "rectification.ordered"); !strings.Contains(string(p), `"kind":"inspection"`) || !strings.Contains(string(p), "公开栏内容陈旧") {
		t.Errorf("the order: %s", p)
	}

	// The clerk acknowledges it and asks for more time.
	clerk = e.openWork(t, "clerk", e.Clerk, "clerk-rectifications")
	if got := clerk.actions(rect); !slices.Equal(got, []string{"acknowledge", "extension-requests"}) {
		t.Errorf("an open rectification offers the clerk %v", got)
	}
	clerk.submit(clerk.action(rect, "acknowledge"), false)
	rc.next(t, "rectification.acknowledged")
	clerk.waitState(rect, "in_progress")
	f = clerk.action(rect, "extension-requests")
	clerk.typeIn(f, "reasons", "材料未到")
	clerk.typeIn(f, "progress", "已完成一半")
	clerk.set(f, "proposed", deadline.AddDays(10).String())
	clerk.submit(f, false)
	rc.next(t, "rectification.extension_requested")

	// The superior grants it.
	sup = e.openWork(t, "superior", e.Superior, "superior-rectifications")
	if got := sup.actions(rect); !slices.Equal(got, []string{"extension-grants", "extension-denials", "cancel"}) {
		t.Errorf("an item with a pending request offers the superior %v", got)
	}
	f = sup.action(rect, "extension-grants")
	sup.set(f, "new_deadline", deadline.AddDays(10).String())
	sup.submit(f, false)
	rc.next(t, "rectification.extension_granted")

	// The clerk submits with a photo; the superior sends it back.
	clerk = e.openWork(t, "clerk", e.Clerk, "clerk-rectifications")
	f = clerk.action(rect, "submit")
	clerk.typeIn(f, "summary", "已更新公开栏")
	clerk.attach(f, rectPic)
	clerk.submit(f, false)
	cites(t, rc.next(t, "rectification.submitted"), "整改照片.png")
	sup = e.openWork(t, "superior", e.Superior, "superior-rectifications")
	f = sup.action(rect, "reject")
	sup.typeIn(f, "reason", "照片不清晰")
	sup.submit(f, false)
	rc.next(t, "rectification.rejected")

	// The clerk submits again, without a new file; another superior
	// accepts with a photo of their own.
	clerk = e.openWork(t, "clerk", e.Clerk, "clerk-rectifications")
	f = clerk.action(rect, "submit")
	clerk.typeIn(f, "summary", "重新拍照提交")
	clerk.submit(f, false)
	rc.next(t, "rectification.submitted")
	sup2 := e.openWork(t, "superior-2", e.Superior2, "superior-rectifications")
	if got := sup2.actions(rect); !slices.Equal(got, []string{"accept", "reject", "cancel"}) {
		t.Errorf("a submitted rectification offers the superior %v", got)
	}
	f = sup2.action(rect, "accept")
	sup2.typeIn(f, "note", "同意销号")
	sup2.attach(f, photo(t, "验收照片.png"))
	sup2.submit(f, false)
	cites(t, rc.next(t, "rectification.accepted"), "验收照片.png")
	sup2.waitState(rect, "accepted")
	sup2.screenshot("superior-rectifications")

	var list struct {
		Items []rectRow `json:"items"`
	}
	e.get("/v1/views/rectifications", e.Superior, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != rect || list.Items[0].State != "accepted" || list.Items[0].Colour != "on_time" ||
		list.Items[0].Deadline != deadline.AddDays(10).String() || list.Items[0].Rejections != 1 {
		t.Errorf("the tracking list = %+v, want the one item accepted on time, extended and rejected once", list.Items)
	}
}

// TestConsoleWorkClerkCannotDecide: a clerk's page has only the clerk's
// tabs and never offers a decision (accept, reject, order, return, file);
// forced from the clerk's browser, the accept command is refused with
// 403, and the page says so; nothing is recorded.
func TestConsoleWorkClerkCannotDecide(t *testing.T) {
	e := newConsoleEnv(t)
	today := domain.DateIn(time.Now(), domain.DefaultLocation())
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	pledge := e.post("pledge", "/v1/pledges", e.Clerk, map[string]any{"maker": "unit", "unit": e.Branch, "quarter": quarter,
		"category": "stage_task", "title": "完成换届", "content": "按期完成换届选举"})
	review := e.post("review", "/v1/reviews", e.Superior, map[string]any{"form": "talk", "subject": "unit", "unit_id": e.Branch,
		"reviewer": "张书记", "shortcomings": []map[string]any{{"text": "台账不全", "orders_rectification": true}}})
	rect := e.post("order", "/v1/rectifications", e.Superior, map[string]any{"source": map[string]any{"kind": "review", "ref": review, "item": 1},
		"unit": e.Branch, "person": "zhang-san", "requirement": "补齐台账", "deadline": today.AddDays(10).String()})
	e.post("acknowledge", "/v1/rectifications/"+rect+"/acknowledge", e.Clerk, map[string]any{})
	e.post("submit", "/v1/rectifications/"+rect+"/submit", e.Clerk, map[string]any{"summary": "已补齐"})

	clerk := e.openWork(t, "clerk", e.Clerk, "clerk-rectifications")
	clerk.waitState(rect, "submitted")
	if got := clerk.actions(rect); len(got) != 0 {
		t.Errorf("a submitted rectification offers the clerk %v, want nothing", got)
	}

	// The list exports as CSV and as Excel, with the clerk's token.
	clerk.eval(`() => { window.exported = []; URL.createObjectURL = b => { window.exported.push(b.type + ' ' + b.size); return 'blob:none' }; return true }`)
	clerk.click(activeTab + ` button[data-export="csv"]`)
	clerk.click(activeTab + ` button[data-export="xlsx"]`)
	exported := clerk.until(`() => window.exported.length === 2 && window.exported.join('|')`, "both exports are downloaded")
	if !strings.Contains(exported, "text/csv") || !strings.Contains(exported, "spreadsheetml") {
		t.Errorf("the exports are %q", exported)
	}
	if msg := clerk.text(activeTab + " .notice"); msg != "" {
		t.Errorf("exporting says %q", msg)
	}

	clerk.click(`.tabs button[data-tab="clerk-pledges"]`)
	clerk.waitState(pledge, "submitted")
	tabs := clerk.eval(`() => [...document.querySelectorAll('.tabs button')].map(b => b.dataset.tab).join(' ')`)
	if tabs != "clerk-pledges clerk-rectifications" {
		t.Errorf("the clerk's tabs are %v", tabs)
	}
	for _, sel := range []string{`[data-action="accept"]`, `[data-action="reject"]`, `[data-action="order"]`, `[data-open="order"]`,
		`[data-action="return"]`, `[data-action="file"]`, `[data-action="evaluations"]`, `[data-action="cancel"]`, `[data-tab^="superior"]`} {
		if n := clerk.eval(`(sel) => document.querySelectorAll(sel).length`, sel); n != float64(0) {
			t.Errorf("the clerk's page has %v of %s", n, sel)
		}
	}

	// Forced through the page's own api(): 403, and the page shows it.
	status := clerk.eval(`(id) => import('/assets/app.js').then(m =>
		m.api('/v1/rectifications/' + id + '/accept', { body: { note: '自己验收' }, idem: m.newKey() }).then(() => 200, err => err.status))`, rect)
	if status != float64(http.StatusForbidden) {
		t.Errorf("the clerk's accept answered %v, want 403", status)
	}
	clerk.eval(`(id) => import('/assets/app.js').then(m => {
		m.api('/v1/rectifications/' + id + '/accept', { body: {}, idem: m.newKey() }); return true })`, rect)
	msg := clerk.until(`() => { const p = document.querySelector('#page-problem .problem'); return p ? p.textContent : '' }`, "the page shows the refusal")
	if !strings.Contains(msg, "无权进行此操作") || !strings.Contains(msg, "clerk-1") {
		t.Errorf("the page shows %q", msg)
	}
	if got, _ := e.types(t, "rectification-"+rect); len(got) != 3 {
		t.Errorf("the refused acceptances recorded something: %v", got)
	}
}

// TestConsoleWorkSeveralRoles: a principal holding two roles gets the tabs
// of both; the separation of duty the server enforces (the author of a
// pledge may not file it) is shown on the form as a 403, and nothing is
// recorded.
func TestConsoleWorkSeveralRoles(t *testing.T) {
	e := newConsoleEnv(t)
	tok, err := api.HS256{Key: e.secret}.Mint(api.Principal{Subject: "lead-1", Roles: []api.Role{api.RoleClerk, api.RoleSuperior},
		Units: []string{e.Street}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lead := e.openWork(t, "lead", tok, "clerk-pledges")
	tabs := lead.eval(`() => [...document.querySelectorAll('.tabs button')].map(b => b.dataset.tab).join(' ')`)
	if tabs != "clerk-pledges clerk-rectifications superior-pledges superior-reviews superior-rectifications" {
		t.Errorf("the tabs of a clerk and superior are %v", tabs)
	}
	f := lead.tool("submit-pledge")
	lead.set(f, "category", "self_improvement")
	lead.typeIn(f, "title", "加强学习")
	lead.typeIn(f, "content", "每月集中学习两次")
	pledge, stream := lead.submit(f, false)
	pl := e.follow(stream)
	pl.next(t, "pledge.submitted")

	lead.click(`.tabs button[data-tab="superior-pledges"]`)
	lead.waitState(pledge, "submitted")
	f = lead.action(pledge, "file")
	lead.click(f + ` button[type=submit]`)
	msg := lead.until(`(f) => { const p = document.querySelector(f + ' > .problem'); return p ? p.textContent : '' }`, "the refusal shows", f)
	if !strings.Contains(msg, "无权进行此操作") || !strings.Contains(msg, "separation of duty") {
		t.Errorf("filing one's own pledge shows %q", msg)
	}
	if got, _ := e.types(t, stream); len(got) != 1 {
		t.Errorf("the refused filing recorded %v", got)
	}
}

// TestConsoleWorkOffice: the office sets a theme, forms an inspection
// group of two people, assigns it a unit (the group chosen in the form
// goes into the route) and publishes a monthly ranking of two units,
// each through a form generated from its schema.
func TestConsoleWorkOffice(t *testing.T) {
	e := newConsoleEnv(t)
	now := time.Now().In(domain.DefaultLocation())
	quarter := domain.QuarterOf(now).String()
	month := now.Format("2006-01")

	office := e.openWork(t, "office", e.Office, "office-admin")
	f := form("theme")
	office.set(f, "unit_id", e.Branch)
	office.typeIn(f, "title", "亮身份、作表率")
	office.set(f, "description", "党员挂牌上岗")
	office.submit(f, false)
	if p := e.follow("theme-"+e.Branch+"-"+quarter).next(t, "theme.set"); !strings.Contains(string(p), "亮身份") {
		t.Errorf("the theme: %s", p)
	}

	f = form("group")
	office.typeIn(f, "name", "第二指导检查组")
	office.set(f, "members[0]", "inspector-2")
	office.click(f + ` button.add`)
	office.set(f, "members[1]", "inspector-3")
	group, groupStream := office.submit(f, false)
	gl := e.follow(groupStream)
	if p := gl.next(t, "group.formed"); !strings.Contains(string(p), `"inspector-2","inspector-3"`) {
		t.Errorf("the group: %s", p)
	}

	f = form("assign")
	office.set(f, "id", group)
	office.set(f, "target_kind", "unit")
	office.set(f, "target_id", e.Branch)
	office.submit(f, false)
	gl.next(t, "group.assigned")

	f = form("ranking")
	office.set(f, "area_id", e.A1)
	office.typeIn(f, "rule_version", "2026版")
	office.set(f, "entries[0].unit_id", e.Street)
	office.set(f, "entries[0].score", "92.5")
	office.set(f, "entries[0].rank", "1")
	office.click(f + ` button.add`)
	office.set(f, "entries[1].unit_id", e.Branch)
	office.set(f, "entries[1].score", "80")
	office.set(f, "entries[1].rank", "2")
	office.set(f, "entries[1].reasons", "公开栏更新不及时\n台账不全")
	office.submit(f, false)
	p := e.follow("ranking-"+e.A1+"-"+month).next(t, "ranking.published")
	if !strings.Contains(string(p), `"score":92.5`) || !strings.Contains(string(p), `["公开栏更新不及时","台账不全"]`) {
		t.Errorf("the ranking: %s", p)
	}
}

// TestConsoleWorkOtherCommands: the commands the quarter does not take,
// each once through its generated form: withdrawing a pledge, a progress
// report with a photo, an evaluation (enumerations and a score), a plan
// of two measures, a denied extension, a cancellation and a completed
// inspection.
func TestConsoleWorkOtherCommands(t *testing.T) {
	e := newConsoleEnv(t)
	today := domain.DateIn(time.Now(), domain.DefaultLocation())
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	pledge := func(title string) string {
		return e.post("pledge", "/v1/pledges", e.Clerk, map[string]any{"maker": "unit", "unit": e.Branch, "quarter": quarter,
			"category": "stage_task", "title": title, "content": title + "的内容"})
	}
	withdrawn, reported, kept := pledge("撤回的承诺"), pledge("践诺中的承诺"), pledge("已兑现的承诺")
	for _, id := range []string{reported, kept} {
		e.post("file", "/v1/pledges/"+id+"/file", e.Superior, map[string]any{})
		e.post("disclose", "/v1/pledges/"+id+"/disclose", e.Clerk, map[string]any{})
	}
	e.post("fulfil", "/v1/pledges/"+kept+"/fulfil", e.Clerk, map[string]any{"narrative": "已完成"})
	review := e.post("review", "/v1/reviews", e.Superior, map[string]any{"form": "written", "subject": "unit", "unit_id": e.Branch,
		"reviewer": "张书记", "shortcomings": []map[string]any{{"text": "台账不全"}, {"text": "学习不够"}}})
	order := func(item int) string {
		return e.post("order", "/v1/rectifications", e.Superior, map[string]any{"source": map[string]any{"kind": "review", "ref": review, "item": item},
			"unit": e.Branch, "person": "zhang-san", "requirement": "整改", "deadline": today.AddDays(10).String()})
	}
	planned, cancelled := order(1), order(2)
	e.post("acknowledge", "/v1/rectifications/"+planned+"/acknowledge", e.Clerk, map[string]any{})
	inspection := e.post("inspection", "/v1/inspections", e.Inspector, map[string]any{"kind": "random", "unit_id": e.Branch, "group_id": e.Group})

	clerk := e.openWork(t, "clerk", e.Clerk, "clerk-pledges")
	f := clerk.action(withdrawn, "withdraw")
	clerk.typeIn(f, "reason", "重复提交")
	clerk.submit(f, false)
	e.follow("pledge-"+withdrawn, "pledge.submitted").next(t, "pledge.withdrawn")
	clerk.waitState(withdrawn, "withdrawn")
	if got := clerk.actions(withdrawn); len(got) != 0 {
		t.Errorf("a withdrawn pledge offers %v", got)
	}
	f = clerk.action(reported, "progress")
	clerk.set(f, "percent", "50")
	clerk.typeIn(f, "narrative", "已完成一半")
	clerk.attach(f, photo(t, "进展照片.png"))
	clerk.submit(f, false)
	cites(t, e.follow("pledge-"+reported, "pledge.submitted", "pledge.filed", "pledge.disclosed").next(t, "fulfilment.progress_reported"), "进展照片.png")
	clerk.waitState(reported, "in_progress")

	sup := e.openWork(t, "superior", e.Superior, "superior-pledges")
	f = sup.action(kept, "evaluations")
	sup.set(f, "evaluator", "organisation")
	sup.set(f, "grade", "excellent")
	sup.set(f, "score", "95")
	sup.submit(f, false)
	if p := e.follow("pledge-"+kept, "pledge.submitted", "pledge.filed", "pledge.disclosed", "fulfilment.fulfilled").next(t, "pledge.evaluated"); !strings.Contains(string(p), `"grade":"excellent"`) || !strings.Contains(string(p), `"score":95`) {
		t.Errorf("the evaluation: %s", p)
	}

	clerk = e.openWork(t, "clerk", e.Clerk, "clerk-rectifications")
	f = clerk.action(planned, "plan")
	clerk.set(f, "measures[0]", "补齐台账")
	clerk.click(f + ` button.add`)
	clerk.set(f, "measures[1]", "每月检查")
	clerk.submit(f, false)
	pl := e.follow("rectification-"+planned, "rectification.ordered", "rectification.acknowledged")
	if p := pl.next(t, "rectification.plan_filed"); !strings.Contains(string(p), `["补齐台账","每月检查"]`) {
		t.Errorf("the plan: %s", p)
	}
	f = clerk.action(planned, "extension-requests")
	clerk.typeIn(f, "reasons", "人手不足")
	clerk.typeIn(f, "progress", "已补一半")
	clerk.submit(f, false)
	pl.next(t, "rectification.extension_requested")

	sup = e.openWork(t, "superior", e.Superior, "superior-rectifications")
	f = sup.action(planned, "extension-denials")
	sup.typeIn(f, "reason", "时间充足")
	sup.submit(f, false)
	pl.next(t, "rectification.extension_denied")
	if got := sup.actions(planned); slices.Contains(got, "extension-grants") {
		t.Errorf("after the denial the item offers %v", got)
	}
	f = sup.action(cancelled, "cancel")
	sup.typeIn(f, "reason", "与第一项重复")
	sup.submit(f, false)
	e.follow("rectification-"+cancelled, "rectification.ordered").next(t, "rectification.cancelled")
	sup.waitState(cancelled, "cancelled")

	insp := e.openWork(t, "inspector", e.Inspector, "inspector-inspections")
	f = insp.action(inspection, "complete")
	insp.typeIn(f, "summary", "未发现问题")
	insp.submit(f, false)
	e.follow("inspection-"+inspection, "inspection.started").next(t, "inspection.completed")
	insp.waitState(inspection, "completed")
}
