package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/api/console"
	"github.com/cxzy/ledger/api/console/consoletest"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
	"github.com/cxzy/ledger/seal/sealtest"
)

// verifyHarness serves the console, the test files the browser fetches
// (/t/<name>) and the published keys, to a headless chromium that runs
// assets/verify.js. Expected values come from testdata/vectors.json and
// docs/hashing.md; the packs are built by the ledger's Go code, which the
// browser verifier does not share.
type verifyHarness struct {
	t     *testing.T
	url   string
	ctx   context.Context
	mu    sync.Mutex
	files map[string][]byte
	n     int
	keys  []string // what GET /v1/checkpoints/keys answers
	who   []byte   // what GET /v1/whoami answers; nil is 401
}

// newVerifyHarness starts the server (with the routes extra adds) and
// the browser.
func newVerifyHarness(t *testing.T, extra ...func(h *verifyHarness, r chi.Router)) *verifyHarness {
	t.Helper()
	h := &verifyHarness{t: t, files: map[string][]byte{}}
	r := chi.NewRouter()
	console.Routes(r)
	for _, f := range extra {
		f(h, r)
	}
	r.Get("/t/{name}", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		b, ok := h.files[chi.URLParam(r, "name")]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	})
	r.Get("/testdata/vectors_check.js", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile("testdata/vectors_check.js")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(b)
	})
	r.Get("/v1/checkpoints/keys", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		keys := h.keys
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"keys": keys, "note": "test"})
	})
	r.Get("/v1/whoami", func(w http.ResponseWriter, _ *http.Request) {
		h.mu.Lock()
		who := h.who
		h.mu.Unlock()
		if who != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Write(who)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"title":"Unauthorized","status":401,"detail":"a bearer token is required"}`))
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	h.ctx = consoletest.Browser(t)
	// A page of the console, under its content-security policy: the
	// module must work there.
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/verify"), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	return h
}

// put serves data at /t/<name> and returns the name.
func (h *verifyHarness) put(data []byte) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	name := "f" + strconv.Itoa(h.n)
	h.files[name] = data
	return name
}

type checkResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type packResult struct {
	OK          bool          `json:"ok"`
	Failure     string        `json:"failure"`
	FailedCheck string        `json:"failedCheck"`
	Summary     string        `json:"summary"`
	Checks      []checkResult `json:"checks"`
}

// eval runs an async JavaScript expression in the page and decodes its
// result into T.
func eval[T any](t *testing.T, h *verifyHarness, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, 120*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("in the browser: %v", err)
	}
	return v
}

// verify runs verifyPack in the browser on file with keys (and a held
// checkpoint when since is not nil).
func (h *verifyHarness) verify(t *testing.T, file []byte, keys []string, since []byte) packResult {
	t.Helper()
	k, _ := json.Marshal(keys)
	sinceJS := "undefined"
	if since != nil {
		sinceJS = fmt.Sprintf("await (await fetch('/t/%s')).text()", h.put(since))
	}
	return eval[packResult](t, h, fmt.Sprintf(`(async () => {
		const m = await import('/assets/verify.js');
		const file = new Uint8Array(await (await fetch('/t/%s')).arrayBuffer());
		const r = await m.verifyPack(file, {keys: %s, since: %s});
		return {ok: r.ok, failure: r.failure, failedCheck: r.failedCheck, summary: r.summary, checks: r.checks};
	})()`, h.put(file), k, sinceJS))
}

type vectorsResult struct {
	Checks   int      `json:"checks"`
	Failures []string `json:"failures"`
}

// TestVerifyJSVectors: the browser recomputes every value of
// testdata/vectors.json (event hash inputs and hashes, both chains, leaves,
// roots, inclusion and consistency proofs, the test key, checkpoint bodies,
// signatures and notes) and gets the file's values; one digit changed in a
// value of each kind, and the check names that vector.
func TestVerifyJSVectors(t *testing.T) {
	h := newVerifyHarness(t)
	data, err := os.ReadFile("../../testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, file []byte) vectorsResult {
		t.Helper()
		return eval[vectorsResult](t, h, fmt.Sprintf(`(async () => {
			const m = await import('/testdata/vectors_check.js');
			return m.checkVectors(await (await fetch('/t/%s')).text());
		})()`, h.put(file)))
	}
	res := run(t, data)
	if len(res.Failures) > 0 {
		t.Fatalf("the browser's values differ from testdata/vectors.json:\n%s", strings.Join(res.Failures, "\n"))
	}
	if res.Checks < 400 {
		t.Errorf("%d checks, want every value of the file checked", res.Checks)
	}
	t.Logf("%d values of testdata/vectors.json recomputed in the browser", res.Checks)

	// The values every verifier recomputes, and more the browser checks.
	cases := append(sealtest.Vectors(),
		sealtest.Vector{Path: []any{"events", 8, "fields", "actor"}, Want: "events[8]"},
		sealtest.Vector{Path: []any{"inclusion_proofs", 2, "root"}, Want: "inclusion_proofs[2]"},
		sealtest.Vector{Path: []any{"consistency_proofs", 2, "to_root"}, Want: "consistency_proofs[2]"},
		sealtest.Vector{Path: []any{"checkpoints", 0, "root_base64"}, Want: "checkpoints[0]"},
		sealtest.Vector{Path: []any{"checkpoints", 1, "time"}, Want: "checkpoints[1]"},
	)
	for _, c := range cases {
		name := strings.Trim(fmt.Sprint(c.Path), "[]")
		t.Run(name, func(t *testing.T) {
			file, old, changed := sealtest.ChangeVector(t, data, c.Path)
			res := run(t, file)
			named := false
			for _, f := range res.Failures {
				named = named || strings.HasPrefix(f, c.Want+":")
			}
			if !named {
				t.Errorf("one digit of %v changed (%q → %q): failures %q, want one naming %s", c.Path, old, changed, res.Failures, c.Want)
			}
		})
	}
}

// testLedger is a district's events sealed, then an area whose name Go's
// encoder escapes, sealed again, by a sealer holding a fresh key; with
// the longest rectification stream.
type testLedger struct {
	*sealtest.Sealed
	stream string
	events []eventlog.Event
}

func newTestLedger(t *testing.T) *testLedger {
	t.Helper()
	l := &testLedger{Sealed: sealtest.NewSealed(t, sealtest.Options{Events: 300, Key: "console-test-2026",
		Origin: "cxzy-ledger/console-test", Logger: slog.New(slog.DiscardHandler)}, "jsesc")}
	l.stream, l.events = l.Stream(t, 4)
	return l
}

// pack builds the pack of evs under the last checkpoint.
func (l *testLedger) pack(t *testing.T, stream string, evs []eventlog.Event, since *seal.Checkpoint) []byte {
	t.Helper()
	return l.Pack(t, l.Last, "test pack", stream, evs, since)
}

// TestVerifyJSPack: verify.js verifies real evidence packs, genuine or
// re-formatted, with and without a held checkpoint, and refuses each kind
// of tampering, saying in Chinese what failed.
func TestVerifyJSPack(t *testing.T) {
	l := newTestLedger(t)
	h := newVerifyHarness(t)
	key := []string{l.Verifier}
	pack := l.pack(t, l.stream, l.events, nil)
	packSince := l.pack(t, l.stream, l.events, &l.First)
	mixed := l.pack(t, "", append(append([]eventlog.Event(nil), l.events...), l.Area...), nil)
	if !bytes.Contains(mixed, []byte(`\u003c`)) {
		t.Fatal("the mixed pack holds no escaped text; re-formatting it would prove nothing")
	}
	held := sealtest.Marshal(t, l.First)
	_, otherKey, err := seal.GenerateKey("console-test-2026")
	if err != nil {
		t.Fatal(err)
	}
	_, otherName, err := seal.GenerateKey("another-ledger")
	if err != nil {
		t.Fatal(err)
	}
	n := len(l.events)

	verified := func(t *testing.T, file []byte, keys []string, since []byte, want ...string) {
		t.Helper()
		r := h.verify(t, file, keys, since)
		if !r.OK {
			t.Fatalf("not verified: %s\nchecks: %+v", r.Failure, r.Checks)
		}
		for _, w := range want {
			if !strings.Contains(r.Summary, w) {
				t.Errorf("the summary lacks %q: %s", w, r.Summary)
			}
		}
		for _, c := range r.Checks {
			if !c.OK {
				t.Errorf("verified, but check %s failed: %s", c.Name, c.Detail)
			}
		}
	}
	whole := []string{fmt.Sprintf("检查点 #%d", l.Last.Size), "console-test-2026",
		fmt.Sprintf("%d 个事件（/2 格式）均未被改动", n), fmt.Sprintf("流 %s：第 1 至 %d 版齐全", l.stream, n), "未证明"}

	t.Run("genuine", func(t *testing.T) {
		r := h.verify(t, pack, key, nil)
		if !r.OK {
			t.Fatalf("not verified: %s", r.Failure)
		}
		// docs/hashing.md, "Checks": every check in its order.
		var names []string
		for _, c := range r.Checks {
			names = append(names, c.Name)
		}
		want := "核验密钥 读取证据包 格式 检查点签名 检查点字段 事件非空 载荷一致 事件哈希 叶序号 包含证明 全局顺序 流内哈希链 流归属"
		if strings.Join(names, " ") != want {
			t.Errorf("checks %q, want %q", strings.Join(names, " "), want)
		}
		verified(t, pack, key, nil, whole...)
	})
	t.Run("an earlier key beside the current one", func(t *testing.T) { verified(t, pack, []string{otherName, " " + l.Verifier + "\n"}, nil, whole...) })
	t.Run("keys in one comma-separated string, one given twice", func(t *testing.T) {
		verified(t, pack, []string{l.Verifier + "," + l.Verifier + ", " + otherName}, nil, whole...)
	})
	t.Run("the key hash in upper case", func(t *testing.T) {
		parts := strings.SplitN(l.Verifier, "+", 3)
		verified(t, pack, []string{parts[0] + "+" + strings.ToUpper(parts[1]) + "+" + parts[2]}, nil, whole...)
	})
	t.Run("indented", func(t *testing.T) { verified(t, sealtest.Indent(t, pack), key, nil, whole...) })
	t.Run("re-encoded with ASCII escapes and sorted keys", func(t *testing.T) { verified(t, sealtest.Reencode(t, pack), key, nil, whole...) })
	t.Run("a recorded_at written with +08:00, the same instant", func(t *testing.T) {
		doc := sealtest.Decode(t, pack)
		ts, err := time.Parse(time.RFC3339Nano, doc.String("events", 1, "event", "recorded_at"))
		if err != nil {
			t.Fatal(err)
		}
		doc.Set(ts.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339Nano), "events", 1, "event", "recorded_at")
		verified(t, doc.Bytes(), key, nil, whole...)
	})
	t.Run("non-canonical base64 of the root (unused bits set)", func(t *testing.T) {
		verified(t, sealtest.NonCanonicalRoot(t, pack), key, nil, whole...)
	})
	t.Run("since a held checkpoint", func(t *testing.T) {
		verified(t, sealtest.Reencode(t, packSince), key, held, append(whole, fmt.Sprintf("延续所持的检查点 #%d", l.First.Size))...)
	})
	t.Run("not a whole stream, re-encoded", func(t *testing.T) {
		verified(t, sealtest.Reencode(t, mixed), key, nil, fmt.Sprintf("%d 个事件（/2 格式）", n+1), "涉及 2 个流")
	})

	// Each tampering changes a fresh copy of the pack; verification must
	// fail at the check docs/hashing.md says, naming what failed.
	replace := func(old, new string) func(t *testing.T, file []byte) []byte {
		return func(t *testing.T, file []byte) []byte { return sealtest.ReplaceOnce(t, file, old, new) }
	}
	cases := []struct {
		name  string
		file  []byte
		keys  []string
		since []byte
		doc   func(d *sealtest.Doc)
		text  func(t *testing.T, file []byte) []byte
		check string // the check that fails
		want  []string
	}{
		{name: "readable payload changed", doc: func(d *sealtest.Doc) {
			d.Set("someone-else", "events", 1, "event", "payload", "unit")
		}, check: "载荷一致", want: []string{"第2个事件", "可读载荷", "不一致", "被改动"}},
		{name: "a byte of payload_base64 changed", doc: sealtest.ChangePayloadByte, check: "载荷一致", want: []string{"第2个事件", "payload_base64"}},
		{name: "payload_base64 re-spaced (same meaning, other bytes)", doc: sealtest.RespacePayload,
			check: "事件哈希", want: []string{"第3个事件的哈希不符", "被改动"}},
		{name: "actor changed", doc: sealtest.ChangeActor, check: "事件哈希", want: []string{"第3个事件的哈希不符", "被改动"}},
		{name: "recorded_at a second later", doc: func(d *sealtest.Doc) {
			ts, _ := time.Parse(time.RFC3339Nano, d.String("events", 1, "event", "recorded_at"))
			d.Set(ts.Add(time.Second).Format(time.RFC3339Nano), "events", 1, "event", "recorded_at")
		}, check: "事件哈希", want: []string{"第2个事件的哈希不符"}},
		{name: "occurred_at in another business time", doc: func(d *sealtest.Doc) {
			ts, _ := time.Parse(time.RFC3339Nano, d.String("events", 0, "event", "occurred_at"))
			d.Set(ts.AddDate(0, 0, -1).Format(time.RFC3339Nano), "events", 0, "event", "occurred_at")
		}, check: "事件哈希", want: []string{"第1个事件的哈希不符"}},
		{name: "recorded hash changed", doc: func(d *sealtest.Doc) { d.ChangeDigit("events", 0, "event", "hash") },
			check: "事件哈希", want: []string{"第1个事件的哈希不符"}},
		{name: "prev_hash changed", doc: func(d *sealtest.Doc) { d.ChangeDigit("events", 3, "event", "prev_hash") },
			check: "事件哈希", want: []string{"第4个事件的哈希不符"}},
		{name: "two events swapped", doc: sealtest.SwapEvents, check: "流内哈希链", want: []string{"第2个事件", "第 3 版紧接在第 1 版之后", "缺失或顺序错乱"}},
		{name: "an event dropped", doc: sealtest.DropEvent, check: "流内哈希链", want: []string{"第2个事件", "第 3 版紧接在第 1 版之后"}},
		{name: "the first event dropped", doc: func(d *sealtest.Doc) {
			d.Set(d.Array("events")[1:], "events")
		}, check: "流内哈希链", want: []string{"第1个事件", "之前的版本缺失"}},
		{name: "the last event doubled", doc: func(d *sealtest.Doc) {
			e := d.Array("events")
			d.Set(append(e, e[len(e)-1]), "events")
		}, check: "全局顺序", want: []string{fmt.Sprintf("第%d个事件", n+1), "叶序号"}},
		{name: "no events", doc: func(d *sealtest.Doc) {
			d.Set([]any{}, "events")
		}, check: "事件非空", want: []string{"没有事件"}},
		{name: "inclusion proof node changed", doc: sealtest.ChangeInclusionProof, check: "包含证明", want: []string{"第3个事件的包含证明不成立"}},
		{name: "inclusion proof cut short", doc: func(d *sealtest.Doc) {
			p := d.Array("events", 2, "inclusion_proof")
			d.Set(p[:len(p)-1], "events", 2, "inclusion_proof")
		}, check: "包含证明", want: []string{"第3个事件的包含证明不成立"}},
		{name: "an inclusion proof node of 31 bytes", doc: func(d *sealtest.Doc) {
			d.Set(base64.StdEncoding.EncodeToString(make([]byte, 31)), "events", 2, "inclusion_proof", 0)
		}, check: "包含证明", want: []string{"第3个事件的包含证明不成立", "31 字节"}},
		{name: "leaf index changed", doc: sealtest.ChangeLeafIndex, check: "包含证明", want: []string{"第1个事件的包含证明不成立"}},
		{name: "leaf index beyond the checkpoint", doc: func(d *sealtest.Doc) {
			d.Set(json.Number(strconv.FormatUint(l.Last.Size, 10)), "events", 0, "leaf_index")
		}, check: "叶序号", want: []string{"第1个事件", "不小于检查点的大小"}},
		{name: "position changed", doc: sealtest.ChangePosition, check: "包含证明", want: []string{"第2个事件的包含证明不成立"}},
		{name: "checkpoint signature changed", doc: sealtest.ChangeSignature, check: "检查点签名", want: []string{"检查点签名无效", "console-test-2026"}},
		{name: "signed size changed in the note", doc: sealtest.ChangeSignedSize(l.Last.Size), check: "检查点签名", want: []string{"检查点签名无效"}},
		{name: "signed root changed in the note", doc: func(d *sealtest.Doc) {
			lines := strings.SplitN(d.String("checkpoint", "note"), "\n", 4)
			lines[2] = sealtest.ChangeDigit(lines[2])
			d.Set(strings.Join(lines, "\n"), "checkpoint", "note")
		}, check: "检查点签名", want: []string{"检查点签名无效"}},
		{name: "checkpoint root beside the note changed", doc: func(d *sealtest.Doc) { d.ChangeDigit("checkpoint", "root") },
			check: "检查点字段", want: []string{"可读字段与签名内容不符", "root"}},
		{name: "checkpoint size beside the note changed", doc: sealtest.ChangeCheckpointSize(l.Last.Size),
			check: "检查点字段", want: []string{"size 为 " + strconv.FormatUint(l.Last.Size+1, 10)}},
		{name: "checkpoint key_id beside the note changed", doc: sealtest.ChangeKeyID, check: "检查点字段", want: []string{"key_id"}},
		{name: "another key of the same name", keys: []string{otherKey}, check: "检查点签名", want: []string{"不是由受信任的密钥签名"}},
		{name: "the key of another ledger", keys: []string{otherName}, check: "检查点签名", want: []string{"不是由受信任的密钥签名", "another-ledger"}},
		{name: "not a key", keys: []string{"not+a+key"}, check: "核验密钥", want: []string{"核验密钥无效"}},
		{name: "a key whose key hash does not match its name", keys: []string{strings.Replace(l.Verifier, "console-test-2026+", "console-test-2027+", 1)}, check: "核验密钥", want: []string{"与名称和公钥不符"}},
		{name: "a key name with a space", keys: []string{"console test+00000000+AAAA"}, check: "核验密钥", want: []string{"名称无效"}},
		{name: "no key", keys: []string{" , "}, check: "核验密钥", want: []string{"没有提供核验密钥"}},
		{name: "unknown format", doc: func(d *sealtest.Doc) {
			d.Set("cxzy-ledger-evidence/3", "format")
		}, check: "格式", want: []string{"不认识的证据包格式"}},
		{name: "a duplicate member", text: replace(`"actor":`, `"actor":"someone-else","actor":`), check: "读取证据包", want: []string{"actor", "出现两次"}},
		{name: "a duplicate member in a payload", text: func(t *testing.T, file []byte) []byte {
			return replace(`"payload":{`, `"payload":{"x":1,"x":2,`)(t, file)
		}, check: "读取证据包", want: []string{`"x"`, "出现两次"}},
		{name: "a member differing only in case", text: replace(`"actor":`, `"Actor":"someone-else","actor":`), check: "读取证据包", want: []string{"Actor", "仅大小写不同"}},
		{name: "a member named with the Kelvin sign", text: replace(`"key_id":`, `"`+"\u212a"+`ey_id":"x","key_id":`), check: "读取证据包", want: []string{"仅大小写不同"}},
		{name: "invalid UTF-8", text: replace(`"subject":"`, "\"subject\":\"\xff"), check: "读取证据包", want: []string{"不是有效的 UTF-8"}},
		{name: "a byte-order mark", text: func(t *testing.T, file []byte) []byte { return append([]byte("\xEF\xBB\xBF"), file...) }, check: "读取证据包", want: []string{"字节顺序标记"}},
		{name: "a lone surrogate escape", text: replace(`"subject":"`, `"subject":"\ud800`), check: "读取证据包", want: []string{"孤立的代理项"}},
		{name: "a second JSON value after the pack", text: func(t *testing.T, file []byte) []byte { return append(file, []byte(" {}")...) }, check: "读取证据包", want: []string{"之后还有其他内容"}},
		{name: "a version written 1.0", text: replace(`"version":1,`, `"version":1.0,`), check: "读取证据包", want: []string{"version", "无符号整数"}},
		{name: "a time with a lower-case t", doc: func(d *sealtest.Doc) {
			s := d.String("events", 0, "event", "occurred_at")
			d.Set(strings.Replace(s, "T", "t", 1), "events", 0, "event", "occurred_at")
		}, check: "读取证据包", want: []string{"events[0].event.occurred_at", "时间"}},
		{name: "a time with ten fraction digits", doc: func(d *sealtest.Doc) {
			s := d.String("events", 0, "event", "recorded_at")
			d.Set(s[:19]+".1234567890Z", "events", 0, "event", "recorded_at")
		}, check: "读取证据包", want: []string{"events[0].event.recorded_at"}},
		{name: "a null actor", doc: func(d *sealtest.Doc) {
			d.Set(nil, "events", 0, "event", "actor")
		}, check: "读取证据包", want: []string{"events[0].event.actor", "应为字符串"}},
		{name: "a missing subject", doc: func(d *sealtest.Doc) {
			d.Delete("subject")
		}, check: "读取证据包", want: []string{"缺少成员 subject"}},
		{name: "payload_base64 not base64", doc: func(d *sealtest.Doc) {
			d.Set("abc", "events", 0, "payload_base64")
		}, check: "读取证据包", want: []string{"payload_base64", "base64"}},
		{name: "payload_base64 missing in format 2", doc: func(d *sealtest.Doc) {
			d.Delete("events", 0, "payload_base64")
		}, check: "载荷一致", want: []string{"第1个事件", "缺少 payload_base64"}},
		{name: "an event of another stream in a whole-stream pack", file: mixed, doc: func(d *sealtest.Doc) {
			d.Set(l.stream, "stream")
		}, check: "流归属", want: []string{fmt.Sprintf("第%d个事件", n+1), "不是证据包所述的流"}},
		{name: "since, without a consistency proof", since: held, check: "一致性证明", want: []string{"没有一致性证明", fmt.Sprintf("%d 个事件", l.First.Size)}},
		{name: "since, consistency proof node changed", file: packSince, since: held, doc: sealtest.ChangeConsistencyProof,
			check: "一致性证明", want: []string{"一致性证明不成立"}},
		{name: "since, a held checkpoint of another ledger", file: packSince, since: func() []byte {
			other, err := seal.Sign(l.Sealer.Signer, "another-ledger", l.First.Size, l.First.Root, l.First.Time)
			if err != nil {
				t.Fatal(err)
			}
			return sealtest.Marshal(t, other)
		}(), check: "一致性证明", want: []string{"another-ledger", "另一账本"}},
		{name: "since, the held checkpoint's size beside its note changed", file: packSince, since: func() []byte {
			changed := l.First
			changed.Size--
			return sealtest.Marshal(t, changed)
		}(), check: "检查点字段", want: []string{"所持检查点的可读字段与签名内容不符"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := c.file
			if file == nil {
				file = pack
			}
			if c.doc != nil {
				file = sealtest.Edit(t, file, c.doc)
			}
			if c.text != nil {
				file = c.text(t, file)
			}
			keys := c.keys
			if keys == nil {
				keys = key
			}
			r := h.verify(t, file, keys, c.since)
			if r.OK {
				t.Fatalf("verified, want it to fail at %s", c.check)
			}
			t.Log(r.Failure)
			if r.FailedCheck != c.check {
				t.Errorf("failed at %s, want %s: %s", r.FailedCheck, c.check, r.Failure)
			}
			for _, w := range c.want {
				if !strings.Contains(r.Failure, w) {
					t.Errorf("the failure lacks %q: %s", w, r.Failure)
				}
			}
			var failed []checkResult
			for _, x := range r.Checks {
				if !x.OK {
					failed = append(failed, x)
				}
			}
			if len(failed) != 1 || failed[0].Name != c.check || failed[0].Detail != r.Failure {
				t.Errorf("failed checks %+v, want one: %s", failed, c.check)
			}
		})
	}
}

// TestVerifyJSFormat1: packs of format cxzy-ledger-evidence/1 (fixtures
// the ledger wrote before format 2) verify as written; re-formatted, they
// fail saying the file was re-encoded rather than altered.
func TestVerifyJSFormat1(t *testing.T) {
	h := newVerifyHarness(t)
	key, err := os.ReadFile("../../seal/testdata/pack-v1.pub")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pack-v1-stream.json", "pack-v1-areas.json"} {
		file, err := os.ReadFile("../../seal/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			r := h.verify(t, file, []string{string(key)}, nil)
			if !r.OK || !strings.Contains(r.Summary, "（/1 格式）均未被改动") {
				t.Fatalf("as written: ok %v, %s %s", r.OK, r.Failure, r.Summary)
			}
			var out bytes.Buffer
			if err := json.Indent(&out, file, "", "  "); err != nil {
				t.Fatal(err)
			}
			r = h.verify(t, out.Bytes(), []string{string(key)}, nil)
			if r.OK || !strings.Contains(r.Failure, "第1个事件的哈希不符") || !strings.Contains(r.Failure, "重新编码") || strings.Contains(r.Failure, "被改动过") {
				t.Errorf("re-formatted: ok %v, %s; want it refused as re-encoded", r.OK, r.Failure)
			}
			if jq, err := exec.LookPath("jq"); err == nil {
				cmd := exec.Command(jq, ".")
				cmd.Stdin = bytes.NewReader(file)
				b, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				if r := h.verify(t, b, []string{string(key)}, nil); r.OK || !strings.Contains(r.Failure, "重新编码") {
					t.Errorf("re-formatted by jq: ok %v, %s", r.OK, r.Failure)
				}
			}
			changed := sealtest.Edit(t, file, func(d *sealtest.Doc) { d.Set("someone-else", "events", 0, "event", "actor") })
			if r := h.verify(t, changed, []string{string(key)}, nil); r.OK || !strings.Contains(r.Failure, "被改动过") {
				t.Errorf("an actor changed: ok %v, %s; want it called altered", r.OK, r.Failure)
			}
		})
	}
}
