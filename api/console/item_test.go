package console_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"
)

type itemTimeline struct {
	Version string `json:"version"`
	Label   string `json:"label"`
	Actor   string `json:"actor"`
	Proof   string `json:"proof"`
	Late    string `json:"late"`
	Text    string `json:"text"`
}

// TestItemPageChecksWhatItShows: the item page verifies the item's pack
// and then checks that the history it shows is what the pack proves: an
// answer of /v1/history that differs from the pack in an actor or a
// payload turns the badge red, naming the version; events recorded after
// the checkpoint are marked as not yet verified and the badge says so; a
// late entry is flagged 补录; a file that is not an image is a link; the
// state the history answers is shown; and with no checkpoint covering the
// item the badge is not green.
func TestItemPageChecksWhatItShows(t *testing.T) {
	l := newTestLedger(t)
	pack := l.pack(t, l.stream, l.events, nil)
	var (
		mu         sync.Mutex
		history    []byte
		packStatus = http.StatusOK
	)
	h := newVerifyHarness(t, func(h *verifyHarness, r chi.Router) {
		r.Get("/v1/history/{stream}", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write(history)
		})
		r.Get("/v1/evidence/streams/{stream}", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if packStatus != http.StatusOK {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(packStatus)
				w.Write([]byte(`{"title":"Conflict","status":409,"detail":"checkpoint 3 seals no event of the stream yet; seal and ask again"}`))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(pack)
		})
		r.Get("/v1/evidence/{sha256}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"title":"Not Found","status":404,"detail":"no such file"}`))
		})
	})
	h.who = []byte(`{"subject":"office-1","roles":["office"],"zone":"Asia/Shanghai"}`)
	h.keys = []string{l.verifier}

	events := func(t *testing.T) []any { return decodeDoc(t, marshal(t, l.events)).([]any) }
	open := func(t *testing.T, evs []any, state any, status int) (string, string, []itemTimeline) {
		t.Helper()
		mu.Lock()
		history = marshal(t, map[string]any{"stream": l.stream, "events": evs, "verified": true, "entity": "rectification", "state": state})
		packStatus = status
		mu.Unlock()
		ctx, cancel := context.WithTimeout(h.ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(h.url+"/item?stream="+l.stream)); err != nil {
			t.Fatal(err)
		}
		st, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
			const b = document.getElementById('verify-badge');
			return b && b.dataset.state !== 'pending' ? b.dataset.state : false;
		})()`))
		if err != nil {
			t.Fatalf("the badge: %v", err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text("#verify-badge"))
		if err != nil {
			t.Fatal(err)
		}
		items, err := chromedp.Run(ctx, chromedp.Evaluate[[]itemTimeline](`[...document.querySelectorAll('#timeline > li')].map(li => ({
			version: li.dataset.version, label: li.querySelector('.ev-type').textContent, actor: li.querySelector('.ev-actor').textContent,
			proof: li.dataset.proof || '', late: li.querySelector('.late') ? li.querySelector('.late').textContent : '', text: li.innerText}))`))
		if err != nil {
			t.Fatal(err)
		}
		return st, text, items
	}
	n := len(l.events)

	t.Run("genuine, with its state", func(t *testing.T) {
		state := map[string]any{"id": "x", "state": "submitted", "deadline": "2024-09-30", "original_deadline": "2024-09-20", "person": "张三",
			"plan": []string{"每周更新公示栏"}, "submissions": 1, "extensions": []any{}, "closings": []any{}}
		st, text, items := open(t, events(t), state, http.StatusOK)
		if st != "good" || !strings.Contains(text, "✓ 已核验") || strings.Contains(text, "尚未签入") {
			t.Errorf("badge %s %q, want green", st, text)
		}
		if len(items) != n {
			t.Fatalf("%d events shown, want %d", len(items), n)
		}
		for _, it := range items {
			if it.Proof != "verified" {
				t.Errorf("version %s: %s, want verified", it.Version, it.Proof)
			}
		}
		if items[0].Label != "责令整改" {
			t.Errorf("the first event is called %q", items[0].Label)
		}
		card, err := chromedp.Run(h.ctx, chromedp.Text("#state"))
		if err != nil || !strings.Contains(card, "待验收") || !strings.Contains(card, "现行时限") || !strings.Contains(card, "2024-09-30") || !strings.Contains(card, "原定时限") {
			t.Errorf("the state card says %q (%v)", card, err)
		}
	})
	t.Run("the history shows another actor than the pack proves", func(t *testing.T) {
		evs := events(t)
		evs[1].(map[string]any)["actor"] = "someone-else"
		st, text, _ := open(t, evs, nil, http.StatusOK)
		if st != "bad" || !strings.Contains(text, "页面所示的第 2 版记录与证据包中经核验的记录不符（操作人）") {
			t.Errorf("badge %s %q, want red naming version 2's actor", st, text)
		}
	})
	t.Run("the history shows another payload than the pack proves", func(t *testing.T) {
		evs := events(t)
		evs[2].(map[string]any)["payload"].(map[string]any)["unit"] = "u-elsewhere"
		st, text, _ := open(t, evs, nil, http.StatusOK)
		if st != "bad" || !strings.Contains(text, "第 3 版记录与证据包中经核验的记录不符（内容）") {
			t.Errorf("badge %s %q, want red naming version 3's content", st, text)
		}
	})
	t.Run("a late entry recorded after the checkpoint, citing a PDF", func(t *testing.T) {
		evs := events(t)
		last := evs[n-1].(map[string]any)
		recorded, _ := time.Parse(time.RFC3339Nano, last["recorded_at"].(string))
		extra := map[string]any{}
		for k, v := range last {
			extra[k] = v
		}
		extra["version"] = n + 1
		extra["type"] = "rectification.progress_reported"
		extra["occurred_at"] = recorded.Add(time.Hour).Format(time.RFC3339)
		extra["recorded_at"] = recorded.Add(11 * 24 * time.Hour).Format(time.RFC3339)
		extra["payload"] = map[string]any{"note": "补录纸质台账中的整改进展",
			"evidence": []any{map[string]any{"sha256": strings.Repeat("ab", 32), "name": "整改台账.pdf", "size": 20480, "media_type": "application/pdf"}}}
		st, text, items := open(t, append(evs, extra), nil, http.StatusOK)
		if st != "good" || !strings.Contains(text, "其后 1 条记录尚未签入检查点") {
			t.Errorf("badge %s %q, want green saying one record is not yet covered", st, text)
		}
		if len(items) != n+1 {
			t.Fatalf("%d events shown, want %d", len(items), n+1)
		}
		lastItem := items[n]
		if lastItem.Proof != "pending" || lastItem.Late != "补录" || lastItem.Label != "报告整改进展" ||
			!strings.Contains(lastItem.Text, "待签入检查点") || !strings.Contains(lastItem.Text, "补录纸质台账中的整改进展") {
			t.Errorf("the late event: %+v", lastItem)
		}
		if items[0].Late != "" {
			t.Errorf("the first event is flagged %q", items[0].Late)
		}
		link, err := chromedp.Run(h.ctx, chromedp.Evaluate[string](`(() => {
			const a = document.querySelector('#timeline li[data-version="`+strconv.Itoa(n+1)+`"] a.file');
			return a ? a.textContent : '';
		})()`))
		if err != nil || !strings.Contains(link, "整改台账.pdf") || !strings.Contains(link, "20.0 KB") {
			t.Errorf("the PDF is shown as %q (%v), want a named link", link, err)
		}
	})
	t.Run("no checkpoint covers the item yet", func(t *testing.T) {
		st, text, _ := open(t, events(t), nil, http.StatusConflict)
		if st != "none" || !strings.Contains(text, "尚无签名检查点覆盖此事项") {
			t.Errorf("badge %s %q, want the amber none", st, text)
		}
	})
}
