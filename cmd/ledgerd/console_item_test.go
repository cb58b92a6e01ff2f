package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cxzy/ledger/api/console/consoletest"
	"github.com/cxzy/ledger/domain"
)

// testPhoto is a small PNG: a notice board, 160×120.
func testPhoto(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 160; x++ {
			c := color.RGBA{0xf5, 0xf0, 0xe6, 0xff} // the board
			switch {
			case x < 6 || x >= 154 || y < 6 || y >= 114:
				c = color.RGBA{0x8b, 0x5a, 0x2b, 0xff} // its frame
			case y >= 14 && y < 30:
				c = color.RGBA{0xc8, 0x16, 0x1d, 0xff} // a red heading
			case (y-40)%14 < 4 && y >= 40 && y < 104 && x >= 16 && x < 144-(y%3)*20:
				c = color.RGBA{0x55, 0x55, 0x55, 0xff} // lines of text
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts an evidence file for unit and returns its reference.
func (c *client) upload(t *testing.T, tok, unit, nameEscaped string, data []byte) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v1/evidence?unit="+unit, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Disposition", "attachment; filename*=UTF-8''"+nameEscaped)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ref map[string]any
	json.NewDecoder(resp.Body).Decode(&ref)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %v", resp.StatusCode, ref)
	}
	return ref
}

// badgeState waits until the verification badge has left its waiting
// state and returns the state and the badge's text.
func badgeState(t *testing.T, ctx context.Context, done string) (string, string) {
	t.Helper()
	state, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const b = document.getElementById('verify-badge');
		return b && (`+done+`) && b.dataset.state !== 'pending' && b.dataset.state !== 'idle' ? b.dataset.state : false;
	})()`, chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("waiting for the verification badge: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#verify-badge"))
	if err != nil {
		t.Fatal(err)
	}
	return state, text
}

type timelineItem struct {
	Version string `json:"version"`
	Type    string `json:"type"`
	Label   string `json:"label"`
	Actor   string `json:"actor"`
	Proof   string `json:"proof"`
	Text    string `json:"text"`
}

const timelineJS = `[...document.querySelectorAll('#timeline > li')].map(li => ({
	version: li.dataset.version, type: li.dataset.type, label: li.querySelector('.ev-type').textContent,
	actor: li.querySelector('.ev-actor').textContent, proof: li.dataset.proof || '', text: li.innerText}))`

// TestConsoleItemPage: a rectification ordered, acknowledged, planned and
// submitted with an uploaded photo shows on /item as a timeline in order,
// with Chinese names, actors and the photo as a thumbnail; before a
// checkpoint covers it the badge says it cannot be verified yet, after one
// it turns green (the browser verified the pack itself); as of a moment
// the page shows what the ledger knew then. /verify, signed out, verifies
// a saved copy of the pack offline: red, naming the event, when tampered;
// green when not.
func TestConsoleItemPage(t *testing.T) {
	e := newConsoleEnv(t)
	c := e.client
	loc := domain.DefaultLocation()
	today := domain.DateIn(time.Now(), loc)
	quarter := domain.QuarterOf(time.Now().In(loc)).String()
	deadline := today.AddDays(20).String()

	rv := c.post("review", "/v1/reviews", e.Superior, map[string]any{"form": "on_site", "subject": "unit", "unit_id": e.Branch,
		"reviewer": "张书记", "quarter": quarter, "remark": "总体较好",
		"shortcomings": []map[string]any{{"text": "公示栏内容陈旧", "orders_rectification": true}}, "measures": []string{"每周更新公示栏"}})
	id := c.post("order", "/v1/rectifications", e.Superior, map[string]any{"source": map[string]any{"kind": "review", "ref": rv, "item": 1},
		"unit": e.Branch, "person": "张三", "requirement": "更新社区公示栏，公开本季度承诺", "deadline": deadline})
	rb := "/v1/rectifications/" + id
	stream := "rectification-" + id
	c.post("acknowledge", rb+"/acknowledge", e.Clerk, map[string]any{})
	c.post("plan", rb+"/plan", e.Clerk, map[string]any{"measures": []string{"每周更新公示栏", "指定专人负责"}})
	photoBytes := testPhoto(t)
	// 整改后的公示栏.png
	photo := c.upload(t, e.Clerk, e.Branch, "%E6%95%B4%E6%94%B9%E5%90%8E%E7%9A%84%E5%85%AC%E7%A4%BA%E6%A0%8F.png", photoBytes)
	if photo["media_type"] != "image/png" {
		t.Fatalf("upload: %v", photo)
	}
	c.post("submit", rb+"/submit", e.Clerk, map[string]any{"summary": "公示栏已更新，承诺已公开", "evidence": []map[string]any{photo}})

	// No checkpoint covers the item yet: the badge must not be green.
	e.login(t, e.Superior, "/item?stream="+stream)
	ctx, cancel := context.WithTimeout(e.Browser, 120*time.Second)
	defer cancel()
	if state, text := badgeState(t, ctx, "true"); state != "none" || !strings.Contains(text, "尚无签名检查点") {
		t.Errorf("before any checkpoint covers the item: badge %s %q, want none", state, text)
	}

	code, _, body := c.do(http.MethodPost, "/v1/checkpoints", e.Office, nil)
	if code != http.StatusOK {
		t.Fatalf("seal: %d %s", code, body)
	}
	var cp struct {
		Size uint64 `json:"size"`
	}
	if err := json.Unmarshal(body, &cp); err != nil {
		t.Fatal(err)
	}

	e.login(t, e.Superior, "/item?stream="+stream)
	state, text := badgeState(t, ctx, "true")
	if state != "good" || !strings.Contains(text, "✓ 已核验：哈希链、包含证明与签名均有效（检查点 #"+strconv.FormatUint(cp.Size, 10)+"，签于 ") {
		details, _ := chromedp.Run(ctx, chromedp.TextContent("#verify-details"))
		t.Fatalf("badge %s %q, want green naming checkpoint #%d\n%s", state, text, cp.Size, details)
	}
	items, err := chromedp.Run(ctx, chromedp.Evaluate[[]timelineItem](timelineJS))
	if err != nil {
		t.Fatal(err)
	}
	want := []timelineItem{
		{Version: "1", Type: "rectification.ordered", Label: "责令整改", Actor: "superior-1"},
		{Version: "2", Type: "rectification.acknowledged", Label: "签收", Actor: "clerk-1"},
		{Version: "3", Type: "rectification.plan_filed", Label: "报送整改措施", Actor: "clerk-1"},
		{Version: "4", Type: "rectification.submitted", Label: "提交验收", Actor: "clerk-1"},
	}
	if len(items) != len(want) {
		t.Fatalf("timeline %+v, want %d events", items, len(want))
	}
	for i, w := range want {
		g := items[i]
		if g.Version != w.Version || g.Type != w.Type || g.Label != w.Label || g.Actor != w.Actor || g.Proof != "verified" {
			t.Errorf("timeline item %d: %+v, want %+v, verified", i+1, g, w)
		}
	}
	for i, w := range map[int][]string{0: {"整改要求", "更新社区公示栏", "整改时限", deadline, "责任人", "张三", "业务发生时间", "记录时间"},
		2: {"整改措施", "1. 每周更新公示栏", "2. 指定专人负责"}, 3: {"情况说明", "公示栏已更新", "整改后的公示栏.png"}} {
		for _, s := range w {
			if !strings.Contains(items[i].Text, s) {
				t.Errorf("timeline item %d lacks %q: %s", i+1, s, items[i].Text)
			}
		}
	}
	// The photo shows as a thumbnail: an <img> the browser decoded.
	size, err := chromedp.Run(ctx, chromedp.Poll[[]any](`(() => {
		const i = document.querySelector('#timeline li[data-version="4"] .thumbs img');
		return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight, i.alt, i.src.slice(0, 5)] : false;
	})()`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || len(size) != 4 || size[0] != 160.0 || size[1] != 120.0 || size[2] != "整改后的公示栏.png" || size[3] != "blob:" {
		t.Errorf("the thumbnail: %v %v, want the 160×120 photo from an object URL", size, err)
	}
	if dis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('download-pack').disabled`)); err != nil || dis {
		t.Errorf("the download button is disabled (%v) once the pack is verified", err)
	}

	if os.Getenv("LEDGER_SCREENSHOTS") == "1" {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // let the layout settle at the new width
		dir := filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := consoletest.Screenshot(ctx, filepath.Join(dir, "item.png")); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
			t.Fatal(err)
		}
	}

	// As of the acknowledgement: what the ledger knew then.
	var hist struct {
		Events []struct {
			RecordedAt string `json:"recorded_at"`
		} `json:"events"`
	}
	code, _, body = c.do(http.MethodGet, "/v1/history/"+stream, e.Superior, nil)
	if code != http.StatusOK || json.Unmarshal(body, &hist) != nil || len(hist.Events) != 4 {
		t.Fatalf("history: %d %s", code, body)
	}
	e.login(t, e.Superior, "/item?stream="+stream+"&as_of="+hist.Events[1].RecordedAt)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#timeline > li').length === 2 && !!document.getElementById('asof-note')`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[[]timelineItem](timelineJS))
		t.Errorf("as of the acknowledgement: timeline %+v, want versions 1 and 2 and the as-of note (%v)", got, err)
	}
	if state, text := badgeState(t, ctx, "true"); state != "good" {
		t.Errorf("as of the acknowledgement: badge %s %q, want green", state, text)
	}

	// The auditor's copy of the pack, verified offline on /verify by
	// someone who is not signed in.
	code, _, pack := c.do(http.MethodGet, "/v1/evidence/streams/"+stream, e.Superior, nil)
	if code != http.StatusOK {
		t.Fatalf("pack: %d %s", code, pack)
	}
	dir := t.TempDir()
	genuine := filepath.Join(dir, "genuine.json")
	if err := os.WriteFile(genuine, pack, 0o644); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(pack))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	doc["events"].([]any)[1].(map[string]any)["event"].(map[string]any)["actor"] = "someone-else"
	tamperedBytes, _ := json.Marshal(doc)
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, tamperedBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/"),
		chromedp.Evaluate[chromedp.Void](`localStorage.clear(); sessionStorage.clear()`),
		chromedp.Navigate(e.base+"/verify"),
		chromedp.Poll[chromedp.Void](`document.getElementById('keys') && document.getElementById('keys').value.includes('+')`, chromedp.WithPollingTimeout(20*time.Second)),
	); err != nil {
		t.Fatalf("open /verify signed out: %v", err)
	}
	if keys, _ := chromedp.Run(ctx, chromedp.Value("#keys")); strings.TrimSpace(keys) != e.Verifier {
		t.Errorf("the keys filled in are %q, want the published %q", keys, e.Verifier)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('header.top').length + document.querySelectorAll('#user').length * 10`)); err != nil || n != 1 {
		t.Errorf("signed out, /verify has %d (header + 10×user) (%v), want its header without a user", n, err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles("#pack-file", []string{tampered})); err != nil {
		t.Fatal(err)
	}
	state, text = badgeState(t, ctx, `document.getElementById('pack-name').textContent.includes('tampered.json')`)
	if state != "bad" || !strings.Contains(text, "✗ 核验失败：第2个事件的哈希不符") {
		t.Errorf("a tampered pack: badge %s %q, want red naming event 2's hash", state, text)
	}
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('verify-details').open && !!document.querySelector('#verify-details li.failed[data-check="事件哈希"]')`)); err != nil || !open {
		t.Errorf("the failed check is not shown open in the details (%v)", err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles("#pack-file", []string{genuine})); err != nil {
		t.Fatal(err)
	}
	state, text = badgeState(t, ctx, `document.getElementById('pack-name').textContent.includes('genuine.json')`)
	if state != "good" || !strings.Contains(text, "✓ 已核验") || !strings.Contains(text, "#"+strconv.FormatUint(cp.Size, 10)) {
		t.Errorf("the genuine pack: badge %s %q, want green", state, text)
	}
	// Offline: nothing but the keys was asked of the API.
	calls, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType('resource').map(r => new URL(r.name).pathname).filter(p => p.startsWith('/v1/'))`))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range calls {
		if p != "/v1/checkpoints/keys" {
			t.Errorf("/verify called %s; it may only fetch the published keys", p)
		}
	}
}
