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
	"unicode/utf8"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/api/console"
	"github.com/cxzy/ledger/api/console/consoletest"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/demo"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/seal"
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

// decodeDoc reads JSON keeping numbers as written.
func decodeDoc(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func at(t *testing.T, doc any, path ...any) any {
	t.Helper()
	v := doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("path %v: %q of a %T", path, k, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("path %v: [%d] of a %T", path, k, v)
			}
			v = a[k]
		}
	}
	return v
}

func set(t *testing.T, doc any, value any, path ...any) {
	t.Helper()
	parent := at(t, doc, path[:len(path)-1]...)
	switch k := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[k] = value
	case int:
		parent.([]any)[k] = value
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// changeDigit changes the middle alphanumeric character of s to another
// of its kind (a hex digit stays a hex digit).
func changeDigit(s string) string {
	b := []byte(s)
	i := len(b) / 2
	for i < len(b) && !(b[i] >= '0' && b[i] <= '9' || b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z') {
		i++
	}
	switch c := b[i]; {
	case c == '0':
		b[i] = '1'
	case c >= '1' && c <= '9', c >= 'b' && c <= 'f':
		b[i] = '0'
	case c == 'a':
		b[i] = 'b'
	case c == 'A':
		b[i] = 'B'
	default:
		b[i] = c - 1
	}
	return string(b)
}

// asciiOnly escapes every non-ASCII character as \uXXXX (surrogate pairs
// above the BMP), as Python's json.tool writes.
func asciiOnly(doc []byte) []byte {
	var out bytes.Buffer
	for len(doc) > 0 {
		r, n := utf8.DecodeRune(doc)
		doc = doc[n:]
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.Bytes()
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

	cases := []struct {
		path []any
		want string
	}{
		{[]any{"events", 3, "payload_hex"}, "events[3]"},
		{[]any{"events", 6, "fields", "payload"}, "events[6]"},
		{[]any{"events", 5, "hash"}, "events[5]"},
		{[]any{"events", 7, "hash_input_hex"}, "events[7]"},
		{[]any{"events", 4, "fields", "prev_hash"}, "events[4]"},
		{[]any{"events", 1, "fields", "recorded_at"}, "events[1]"},
		{[]any{"events", 8, "fields", "actor"}, "events[8]"},
		{[]any{"events", 9, "global", "link"}, "events[9]"},
		{[]any{"events", 2, "global", "input_hex"}, "events[2]"},
		{[]any{"events", 11, "leaf", "hash"}, "events[11]"},
		{[]any{"events", 0, "leaf", "input_hex"}, "events[0]"},
		{[]any{"extra_leaves", 1, "hash"}, "extra_leaves[1]"},
		{[]any{"extra_leaves", 0, "input_hex"}, "extra_leaves[0]"},
		{[]any{"empty_root"}, "empty_root"},
		{[]any{"roots", 5, "root"}, "roots[5]"},
		{[]any{"inclusion_proofs", 3, "proof", 1}, "inclusion_proofs[3]"},
		{[]any{"inclusion_proofs", 4, "leaf_hash"}, "inclusion_proofs[4]"},
		{[]any{"inclusion_proofs", 2, "root"}, "inclusion_proofs[2]"},
		{[]any{"consistency_proofs", 0, "proof", 2}, "consistency_proofs[0]"},
		{[]any{"consistency_proofs", 1, "from_root"}, "consistency_proofs[1]"},
		{[]any{"consistency_proofs", 2, "to_root"}, "consistency_proofs[2]"},
		{[]any{"checkpoints", 0, "root"}, "checkpoints[0]"},
		{[]any{"checkpoints", 0, "root_base64"}, "checkpoints[0]"},
		{[]any{"checkpoints", 1, "signature_hex"}, "checkpoints[1]"},
		{[]any{"checkpoints", 1, "note"}, "checkpoints[1]"},
		{[]any{"checkpoints", 0, "body"}, "checkpoints[0]"},
		{[]any{"checkpoints", 1, "time"}, "checkpoints[1]"},
		{[]any{"test_key", "public_key_hex"}, "test_key"},
		{[]any{"test_key", "key_hash_hex"}, "test_key"},
		{[]any{"test_key", "verifier_key"}, "test_key"},
		{[]any{"test_key", "seed_hex"}, "test_key"},
	}
	for _, c := range cases {
		name := strings.Trim(fmt.Sprint(c.path), "[]")
		t.Run(name, func(t *testing.T) {
			doc := decodeDoc(t, data)
			old, ok := at(t, doc, c.path...).(string)
			if !ok || old == "" {
				t.Fatalf("%v is not a string in the vectors", c.path)
			}
			changed := changeDigit(old)
			if changed == old {
				t.Fatalf("%v: no digit changed", c.path)
			}
			set(t, doc, changed, c.path...)
			res := run(t, marshal(t, doc))
			named := false
			for _, f := range res.Failures {
				named = named || strings.HasPrefix(f, c.want+":")
			}
			if !named {
				t.Errorf("one digit of %v changed (%q → %q): failures %q, want one naming %s", c.path, old, changed, res.Failures, c.want)
			}
		})
	}
}

// testLedger is an embedded log seeded with a district's events and
// sealed twice by a sealer holding a fresh key.
type testLedger struct {
	log      eventlog.Store
	sealer   *seal.Sealer
	verifier string
	first    seal.Checkpoint // sealed after the seeding
	cp       seal.Checkpoint // sealed after one more area
	stream   string          // the longest rectification stream
	events   []eventlog.Event
	area     []eventlog.Event // the area whose name Go's encoder escapes
}

func newTestLedger(t *testing.T) *testLedger {
	t.Helper()
	ctx := context.Background()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	if _, err := demo.Seed(ctx, log, demo.Config{Seed: 1, Events: 300, Until: domain.Date{Year: 2025, Month: 6, Day: 30}}); err != nil {
		t.Fatal(err)
	}
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	skey, vkey, err := seal.GenerateKey("console-test-2026")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := seal.LoadSigner(skey, "")
	if err != nil {
		t.Fatal(err)
	}
	h := command.NewHandler(log, catalog.New())
	s := &seal.Sealer{Log: log, Tree: tree, Handler: h, Signer: signer, Origin: "cxzy-ledger/console-test", Logger: slog.New(slog.DiscardHandler)}
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	l := &testLedger{log: log, sealer: s, verifier: vkey}
	if l.first, err = s.SealLog(ctx); err != nil {
		t.Fatal(err)
	}
	// A name Go's encoder escapes (<, >, &) and one character outside the
	// BMP, for the re-formatting cases.
	if _, err := command.Create(ctx, h, org.AreaStream("jsesc"), command.Command{ID: "area-jsesc", Actor: domain.Actor{ID: "office-1"}},
		func(m domain.Meta) ([]domain.Event, error) {
			return org.NewArea("jsesc", org.RegisterArea{Name: "片区<一> & 二 😀", Leader: "王伟"}, m)
		}); err != nil {
		t.Fatal(err)
	}
	if l.cp, err = s.SealLog(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := log.ReadAll(ctx, eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range all {
		if strings.HasPrefix(e.Stream, "rectification-") {
			counts[e.Stream]++
		}
	}
	for s, n := range counts {
		if n > counts[l.stream] || n == counts[l.stream] && s < l.stream {
			l.stream = s
		}
	}
	if l.events, err = log.ReadStream(ctx, l.stream, 1, eventlog.Forwards, 1000); err != nil || len(l.events) < 4 {
		t.Fatalf("stream %s: %d events, %v", l.stream, len(l.events), err)
	}
	if l.area, err = log.ReadStream(ctx, org.AreaStream("jsesc"), 1, eventlog.Forwards, 10); err != nil || len(l.area) != 1 {
		t.Fatalf("area stream: %d events, %v", len(l.area), err)
	}
	return l
}

func (l *testLedger) pack(t *testing.T, stream string, evs []eventlog.Event, since *seal.Checkpoint) []byte {
	t.Helper()
	p, err := seal.BuildPack(context.Background(), l.sealer.Tree, l.cp, "test pack", stream, evs, since)
	if err != nil {
		t.Fatal(err)
	}
	return marshal(t, p)
}

// TestVerifyJSPack: verify.js verifies real evidence packs, genuine or
// re-formatted, with and without a held checkpoint, and refuses each kind
// of tampering, saying in Chinese what failed.
func TestVerifyJSPack(t *testing.T) {
	l := newTestLedger(t)
	h := newVerifyHarness(t)
	key := []string{l.verifier}
	pack := l.pack(t, l.stream, l.events, nil)
	packSince := l.pack(t, l.stream, l.events, &l.first)
	mixed := l.pack(t, "", append(append([]eventlog.Event(nil), l.events...), l.area...), nil)
	if !bytes.Contains(mixed, []byte(`\u003c`)) {
		t.Fatal("the mixed pack holds no escaped text; re-formatting it would prove nothing")
	}
	held := marshal(t, l.first)
	_, otherKey, err := seal.GenerateKey("console-test-2026")
	if err != nil {
		t.Fatal(err)
	}
	_, otherName, err := seal.GenerateKey("another-ledger")
	if err != nil {
		t.Fatal(err)
	}
	n := len(l.events)

	indent := func(file []byte) []byte {
		var out bytes.Buffer
		if err := json.Indent(&out, file, "", "    "); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	reencoded := func(file []byte) []byte {
		out, err := json.MarshalIndent(decodeDoc(t, file), "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		return asciiOnly(out)
	}
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
	whole := []string{fmt.Sprintf("检查点 #%d", l.cp.Size), "console-test-2026",
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
	t.Run("an earlier key beside the current one", func(t *testing.T) { verified(t, pack, []string{otherName, " " + l.verifier + "\n"}, nil, whole...) })
	t.Run("keys in one comma-separated string, one given twice", func(t *testing.T) {
		verified(t, pack, []string{l.verifier + "," + l.verifier + ", " + otherName}, nil, whole...)
	})
	t.Run("the key hash in upper case", func(t *testing.T) {
		parts := strings.SplitN(l.verifier, "+", 3)
		verified(t, pack, []string{parts[0] + "+" + strings.ToUpper(parts[1]) + "+" + parts[2]}, nil, whole...)
	})
	t.Run("indented", func(t *testing.T) { verified(t, indent(pack), key, nil, whole...) })
	t.Run("re-encoded with ASCII escapes and sorted keys", func(t *testing.T) { verified(t, reencoded(pack), key, nil, whole...) })
	t.Run("a recorded_at written with +08:00, the same instant", func(t *testing.T) {
		doc := decodeDoc(t, pack)
		ts, err := time.Parse(time.RFC3339Nano, at(t, doc, "events", 1, "event", "recorded_at").(string))
		if err != nil {
			t.Fatal(err)
		}
		set(t, doc, ts.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339Nano), "events", 1, "event", "recorded_at")
		verified(t, marshal(t, doc), key, nil, whole...)
	})
	t.Run("non-canonical base64 of the root (unused bits set)", func(t *testing.T) {
		doc := decodeDoc(t, pack)
		enc := at(t, doc, "checkpoint", "root").(string)
		alpha := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		changed := enc[:42] + string(alpha[strings.IndexByte(alpha, enc[42])+1]) + "="
		a, _ := base64.StdEncoding.DecodeString(enc)
		b, err := base64.StdEncoding.DecodeString(changed)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("the changed base64 does not decode to the same bytes in Go: %v", err)
		}
		set(t, doc, changed, "checkpoint", "root")
		verified(t, marshal(t, doc), key, nil, whole...)
	})
	t.Run("since a held checkpoint", func(t *testing.T) {
		verified(t, reencoded(packSince), key, held, append(whole, fmt.Sprintf("延续所持的检查点 #%d", l.first.Size))...)
	})
	t.Run("not a whole stream, re-encoded", func(t *testing.T) {
		verified(t, reencoded(mixed), key, nil, fmt.Sprintf("%d 个事件（/2 格式）", n+1), "涉及 2 个流")
	})

	// Each tampering changes a fresh copy of the pack; verification must
	// fail at the check docs/hashing.md says, naming what failed.
	evs := func(t *testing.T, doc any) []any { return at(t, doc, "events").([]any) }
	replace := func(old, new string) func(t *testing.T, file []byte) []byte {
		return func(t *testing.T, file []byte) []byte {
			if !bytes.Contains(file, []byte(old)) {
				t.Fatalf("the pack holds no %s", old)
			}
			return bytes.Replace(file, []byte(old), []byte(new), 1)
		}
	}
	payloadOf := func(t *testing.T, doc any, i int) []byte {
		b, err := base64.StdEncoding.DecodeString(at(t, doc, "events", i, "payload_base64").(string))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name  string
		file  []byte
		keys  []string
		since []byte
		doc   func(t *testing.T, doc any)
		text  func(t *testing.T, file []byte) []byte
		check string // the check that fails
		want  []string
	}{
		{name: "readable payload changed", doc: func(t *testing.T, doc any) {
			at(t, doc, "events", 1, "event", "payload").(map[string]any)["unit"] = "someone-else"
		}, check: "载荷一致", want: []string{"第2个事件", "可读载荷", "不一致", "被改动"}},
		{name: "a byte of payload_base64 changed", doc: func(t *testing.T, doc any) {
			p := payloadOf(t, doc, 1)
			i := bytes.Index(p, []byte(`":"`)) + 4
			p[i] ^= 1
			set(t, doc, base64.StdEncoding.EncodeToString(p), "events", 1, "payload_base64")
		}, check: "载荷一致", want: []string{"第2个事件", "payload_base64"}},
		{name: "payload_base64 re-spaced (same meaning, other bytes)", doc: func(t *testing.T, doc any) {
			p := payloadOf(t, doc, 2)
			set(t, doc, base64.StdEncoding.EncodeToString(append([]byte("{ "), p[1:]...)), "events", 2, "payload_base64")
		}, check: "事件哈希", want: []string{"第3个事件的哈希不符", "被改动"}},
		{name: "actor changed", doc: func(t *testing.T, doc any) {
			set(t, doc, "someone-else", "events", 2, "event", "actor")
		}, check: "事件哈希", want: []string{"第3个事件的哈希不符", "被改动"}},
		{name: "recorded_at a second later", doc: func(t *testing.T, doc any) {
			ts, _ := time.Parse(time.RFC3339Nano, at(t, doc, "events", 1, "event", "recorded_at").(string))
			set(t, doc, ts.Add(time.Second).Format(time.RFC3339Nano), "events", 1, "event", "recorded_at")
		}, check: "事件哈希", want: []string{"第2个事件的哈希不符"}},
		{name: "occurred_at in another business time", doc: func(t *testing.T, doc any) {
			ts, _ := time.Parse(time.RFC3339Nano, at(t, doc, "events", 0, "event", "occurred_at").(string))
			set(t, doc, ts.AddDate(0, 0, -1).Format(time.RFC3339Nano), "events", 0, "event", "occurred_at")
		}, check: "事件哈希", want: []string{"第1个事件的哈希不符"}},
		{name: "recorded hash changed", doc: func(t *testing.T, doc any) {
			set(t, doc, changeDigit(at(t, doc, "events", 0, "event", "hash").(string)), "events", 0, "event", "hash")
		}, check: "事件哈希", want: []string{"第1个事件的哈希不符"}},
		{name: "prev_hash changed", doc: func(t *testing.T, doc any) {
			set(t, doc, changeDigit(at(t, doc, "events", 3, "event", "prev_hash").(string)), "events", 3, "event", "prev_hash")
		}, check: "事件哈希", want: []string{"第4个事件的哈希不符"}},
		{name: "two events swapped", doc: func(t *testing.T, doc any) {
			e := evs(t, doc)
			e[1], e[2] = e[2], e[1]
		}, check: "流内哈希链", want: []string{"第2个事件", "第 3 版紧接在第 1 版之后", "缺失或顺序错乱"}},
		{name: "an event dropped", doc: func(t *testing.T, doc any) {
			e := evs(t, doc)
			set(t, doc, append(e[:1:1], e[2:]...), "events")
		}, check: "流内哈希链", want: []string{"第2个事件", "第 3 版紧接在第 1 版之后"}},
		{name: "the first event dropped", doc: func(t *testing.T, doc any) {
			set(t, doc, evs(t, doc)[1:], "events")
		}, check: "流内哈希链", want: []string{"第1个事件", "之前的版本缺失"}},
		{name: "the last event doubled", doc: func(t *testing.T, doc any) {
			e := evs(t, doc)
			set(t, doc, append(e, e[len(e)-1]), "events")
		}, check: "全局顺序", want: []string{fmt.Sprintf("第%d个事件", n+1), "叶序号"}},
		{name: "no events", doc: func(t *testing.T, doc any) {
			set(t, doc, []any{}, "events")
		}, check: "事件非空", want: []string{"没有事件"}},
		{name: "inclusion proof node changed", doc: func(t *testing.T, doc any) {
			set(t, doc, changeDigit(at(t, doc, "events", 2, "inclusion_proof", 0).(string)), "events", 2, "inclusion_proof", 0)
		}, check: "包含证明", want: []string{"第3个事件的包含证明不成立"}},
		{name: "inclusion proof cut short", doc: func(t *testing.T, doc any) {
			p := at(t, doc, "events", 2, "inclusion_proof").([]any)
			set(t, doc, p[:len(p)-1], "events", 2, "inclusion_proof")
		}, check: "包含证明", want: []string{"第3个事件的包含证明不成立"}},
		{name: "an inclusion proof node of 31 bytes", doc: func(t *testing.T, doc any) {
			set(t, doc, base64.StdEncoding.EncodeToString(make([]byte, 31)), "events", 2, "inclusion_proof", 0)
		}, check: "包含证明", want: []string{"第3个事件的包含证明不成立", "31 字节"}},
		{name: "leaf index changed", doc: func(t *testing.T, doc any) {
			i, _ := strconv.ParseUint(string(at(t, doc, "events", 0, "leaf_index").(json.Number)), 10, 64)
			set(t, doc, json.Number(strconv.FormatUint(i+1, 10)), "events", 0, "leaf_index")
		}, check: "包含证明", want: []string{"第1个事件的包含证明不成立"}},
		{name: "leaf index beyond the checkpoint", doc: func(t *testing.T, doc any) {
			set(t, doc, json.Number(strconv.FormatUint(l.cp.Size, 10)), "events", 0, "leaf_index")
		}, check: "叶序号", want: []string{"第1个事件", "不小于检查点的大小"}},
		{name: "position changed", doc: func(t *testing.T, doc any) {
			set(t, doc, json.Number("1"), "events", 1, "event", "position", "prepare")
		}, check: "包含证明", want: []string{"第2个事件的包含证明不成立"}},
		{name: "checkpoint signature changed", doc: func(t *testing.T, doc any) {
			note := at(t, doc, "checkpoint", "note").(string)
			i := strings.LastIndexByte(note[:len(note)-1], ' ') + 40 // inside the signature, after the key hash
			set(t, doc, note[:i]+changeDigit(note[i:i+1])+note[i+1:], "checkpoint", "note")
		}, check: "检查点签名", want: []string{"检查点签名无效", "console-test-2026"}},
		{name: "signed size changed in the note", doc: func(t *testing.T, doc any) {
			note := at(t, doc, "checkpoint", "note").(string)
			size := strconv.FormatUint(l.cp.Size, 10)
			set(t, doc, strings.Replace(note, "\n"+size+"\n", "\n"+strconv.FormatUint(l.cp.Size+1, 10)+"\n", 1), "checkpoint", "note")
		}, check: "检查点签名", want: []string{"检查点签名无效"}},
		{name: "signed root changed in the note", doc: func(t *testing.T, doc any) {
			note := at(t, doc, "checkpoint", "note").(string)
			lines := strings.SplitN(note, "\n", 4)
			lines[2] = changeDigit(lines[2])
			set(t, doc, strings.Join(lines, "\n"), "checkpoint", "note")
		}, check: "检查点签名", want: []string{"检查点签名无效"}},
		{name: "checkpoint root beside the note changed", doc: func(t *testing.T, doc any) {
			set(t, doc, changeDigit(at(t, doc, "checkpoint", "root").(string)), "checkpoint", "root")
		}, check: "检查点字段", want: []string{"可读字段与签名内容不符", "root"}},
		{name: "checkpoint size beside the note changed", doc: func(t *testing.T, doc any) {
			set(t, doc, json.Number(strconv.FormatUint(l.cp.Size+1, 10)), "checkpoint", "size")
		}, check: "检查点字段", want: []string{"size 为 " + strconv.FormatUint(l.cp.Size+1, 10)}},
		{name: "checkpoint key_id beside the note changed", doc: func(t *testing.T, doc any) {
			set(t, doc, changeDigit(at(t, doc, "checkpoint", "key_id").(string)), "checkpoint", "key_id")
		}, check: "检查点字段", want: []string{"key_id"}},
		{name: "another key of the same name", keys: []string{otherKey}, check: "检查点签名", want: []string{"不是由受信任的密钥签名"}},
		{name: "the key of another ledger", keys: []string{otherName}, check: "检查点签名", want: []string{"不是由受信任的密钥签名", "another-ledger"}},
		{name: "not a key", keys: []string{"not+a+key"}, check: "核验密钥", want: []string{"核验密钥无效"}},
		{name: "a key whose key hash does not match its name", keys: []string{strings.Replace(l.verifier, "console-test-2026+", "console-test-2027+", 1)}, check: "核验密钥", want: []string{"与名称和公钥不符"}},
		{name: "a key name with a space", keys: []string{"console test+00000000+AAAA"}, check: "核验密钥", want: []string{"名称无效"}},
		{name: "no key", keys: []string{" , "}, check: "核验密钥", want: []string{"没有提供核验密钥"}},
		{name: "unknown format", doc: func(t *testing.T, doc any) {
			set(t, doc, "cxzy-ledger-evidence/3", "format")
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
		{name: "a time with a lower-case t", doc: func(t *testing.T, doc any) {
			s := at(t, doc, "events", 0, "event", "occurred_at").(string)
			set(t, doc, strings.Replace(s, "T", "t", 1), "events", 0, "event", "occurred_at")
		}, check: "读取证据包", want: []string{"events[0].event.occurred_at", "时间"}},
		{name: "a time with ten fraction digits", doc: func(t *testing.T, doc any) {
			s := at(t, doc, "events", 0, "event", "recorded_at").(string)
			set(t, doc, s[:19]+".1234567890Z", "events", 0, "event", "recorded_at")
		}, check: "读取证据包", want: []string{"events[0].event.recorded_at"}},
		{name: "a null actor", doc: func(t *testing.T, doc any) {
			set(t, doc, nil, "events", 0, "event", "actor")
		}, check: "读取证据包", want: []string{"events[0].event.actor", "应为字符串"}},
		{name: "a missing subject", doc: func(t *testing.T, doc any) {
			delete(doc.(map[string]any), "subject")
		}, check: "读取证据包", want: []string{"缺少成员 subject"}},
		{name: "payload_base64 not base64", doc: func(t *testing.T, doc any) {
			set(t, doc, "abc", "events", 0, "payload_base64")
		}, check: "读取证据包", want: []string{"payload_base64", "base64"}},
		{name: "payload_base64 missing in format 2", doc: func(t *testing.T, doc any) {
			delete(at(t, doc, "events", 0).(map[string]any), "payload_base64")
		}, check: "载荷一致", want: []string{"第1个事件", "缺少 payload_base64"}},
		{name: "an event of another stream in a whole-stream pack", file: mixed, doc: func(t *testing.T, doc any) {
			set(t, doc, l.stream, "stream")
		}, check: "流归属", want: []string{fmt.Sprintf("第%d个事件", n+1), "不是证据包所述的流"}},
		{name: "since, without a consistency proof", since: held, check: "一致性证明", want: []string{"没有一致性证明", fmt.Sprintf("%d 个事件", l.first.Size)}},
		{name: "since, consistency proof node changed", file: packSince, since: held, doc: func(t *testing.T, doc any) {
			set(t, doc, changeDigit(at(t, doc, "consistency", "proof", 0).(string)), "consistency", "proof", 0)
		}, check: "一致性证明", want: []string{"一致性证明不成立"}},
		{name: "since, a held checkpoint of another ledger", file: packSince, since: func() []byte {
			other, err := seal.Sign(l.sealer.Signer, "another-ledger", l.first.Size, l.first.Root, l.first.Time)
			if err != nil {
				t.Fatal(err)
			}
			return marshal(t, other)
		}(), check: "一致性证明", want: []string{"another-ledger", "另一账本"}},
		{name: "since, the held checkpoint's size beside its note changed", file: packSince, since: func() []byte {
			changed := l.first
			changed.Size--
			return marshal(t, changed)
		}(), check: "检查点字段", want: []string{"所持检查点的可读字段与签名内容不符"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := c.file
			if file == nil {
				file = pack
			}
			if c.doc != nil {
				doc := decodeDoc(t, file)
				c.doc(t, doc)
				file = marshal(t, doc)
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
			doc := decodeDoc(t, file)
			set(t, doc, "someone-else", "events", 0, "event", "actor")
			if r := h.verify(t, marshal(t, doc), []string{string(key)}, nil); r.OK || !strings.Contains(r.Failure, "被改动过") {
				t.Errorf("an actor changed: ok %v, %s; want it called altered", r.OK, r.Failure)
			}
		})
	}
}
