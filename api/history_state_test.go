package api_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
)

// steppedClock is a ledger clock the test moves: every event records the
// time the test has set, so "as of" a moment between two steps is known.
type steppedClock struct{ ns atomic.Int64 }

func (c *steppedClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *steppedClock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func at(hour, minute int) time.Time     { return time.Date(2026, 3, 2, hour, minute, 0, 0, time.UTC) }
func rfc(t time.Time) string            { return t.Format(time.RFC3339) }
func historyAsOf(stream string, t time.Time) string {
	return "/v1/history/" + stream + "?as_of=" + rfc(t)
}

// historyState reads a stream's history and returns its answer, with the
// state re-encoded compactly.
func historyState(t *testing.T, d *district, path, tok string) (api.StreamHistory, string) {
	t.Helper()
	code, body := d.get(path, tok)
	if code != 200 {
		t.Fatalf("GET %s = %d %s", path, code, body)
	}
	var h api.StreamHistory
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	state, _ := json.Marshal(h.State)
	return h, string(state)
}

// compact is a hand-written JSON expectation without its layout.
func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("expectation is not JSON: %v", err)
	}
	// Re-encode through a map, as the state was, so that key order and
	// escaping agree.
	var v any
	json.Unmarshal(b.Bytes(), &v)
	out, _ := json.Marshal(v)
	return string(out)
}

// TestHistoryStateAsOf: the history of a rectification and of a pledge
// carries the entity's state folded from the events recorded by as_of.
// Each step is recorded an hour after the last (the ledger clock is the
// test's); the expected states are written out by hand from the steps and
// docs/domain.md: the deadline in force moves with the granted extension
// and the original stays; a pledge with one report is in progress at its
// percent. Before the first event the answer is 200 with no events and a
// null state (the ledger did not know the entity then).
func TestHistoryStateAsOf(t *testing.T) {
	clock := &steppedClock{}
	clock.set(at(1, 0))
	d := newDistrict(t, command.WithClock(clock.now))
	office := tokenWith(t, api.RoleOffice)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	step := func(hour int, path, tok string, body map[string]any, status int) reply {
		t.Helper()
		clock.set(at(hour, 0))
		return must(t, d.post(path, tok, body), status, path)
	}

	// The rectification: ordered at 02:00 with a deadline of 20 March,
	// acknowledged at 03:00, planned at 04:00, an extension asked at
	// 05:00 and granted to 31 March at 06:00, submitted at 07:00.
	rid := step(2, "/v1/rectifications", office, map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
		"unit": "u2", "person": "李四", "requirement": "整改台账", "deadline": "2026-03-20"}, 201).body["id"].(string)
	rb := "/v1/rectifications/" + rid
	step(3, rb+"/acknowledge", clerk, map[string]any{}, 200)
	step(4, rb+"/plan", clerk, map[string]any{"measures": []string{"专人负责", "每周核对"}}, 200)
	step(5, rb+"/extension-requests", clerk, map[string]any{"reasons": "材料未齐", "progress": "已完成一半", "proposed": "2026-03-31"}, 200)
	step(6, rb+"/extension-grants", superior, map[string]any{"new_deadline": "2026-03-31", "note": "同意延期"}, 200)
	step(7, rb+"/submit", clerk, map[string]any{"summary": "已整改", "evidence": evidence}, 200)

	stream := "rectification-" + rid
	h, got := historyState(t, d, historyAsOf(stream, at(6, 30)), office)
	want := compact(t, `{
		"id": "`+rid+`", "state": "in_progress", "unit": "u2", "person": "李四",
		"source": {"kind": "inspection", "ref": "in-1", "item": 1},
		"requirement": "整改台账", "ordered_at": "2026-03-02T02:00:00Z",
		"original_deadline": "2026-03-20", "deadline": "2026-03-31",
		"acknowledged_at": "2026-03-02T03:00:00Z",
		"plan": ["专人负责", "每周核对"], "plans": 1, "progress_reports": 0,
		"submissions": 0, "submitted_evidence": [], "rejections": 0,
		"workers": ["clerk-u2"],
		"extensions": [{
			"requested_at": "2026-03-02T05:00:00Z", "requested_by": "clerk-u2",
			"reasons": "材料未齐", "progress": "已完成一半", "proposed": "2026-03-31",
			"deadline": "2026-03-20", "outcome": "granted", "decided_at": "2026-03-02T06:00:00Z",
			"new_deadline": "2026-03-31", "note": "同意延期", "entered_late": false
		}],
		"pending_extension": false, "closings": [], "reopenings": 0, "missed_deadlines": []
	}`)
	if h.Entity != "rectification" || len(h.Events) != 5 || got != want {
		t.Errorf("rectification as of 06:30: entity %q, %d events, state\n%s\nwant 5 events and\n%s", h.Entity, len(h.Events), got, want)
	}
	// Between the request and the grant, the request is pending and the
	// deadline has not moved.
	_, got = historyState(t, d, historyAsOf(stream, at(5, 59)), office)
	var mid struct {
		State            string `json:"state"`
		Deadline         string `json:"deadline"`
		PendingExtension bool   `json:"pending_extension"`
		Extensions       []struct {
			Outcome string `json:"outcome"`
		} `json:"extensions"`
	}
	json.Unmarshal([]byte(got), &mid)
	if mid.State != "in_progress" || mid.Deadline != "2026-03-20" || !mid.PendingExtension || len(mid.Extensions) != 1 || mid.Extensions[0].Outcome != "pending" {
		t.Errorf("rectification as of 05:59: %s; want in progress, deadline 2026-03-20, one pending request", got)
	}

	// The pledge: submitted at 08:00, filed at 09:00, disclosed at 10:00,
	// a report of 40% at 11:00 and one of 70% at 12:00.
	pid := step(8, "/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": "u2", "quarter": "2026Q1", "category": "stage_task",
		"title": "修缮公告栏", "content": "三月底前完成"}, 201).body["id"].(string)
	pb := "/v1/pledges/" + pid
	step(9, pb+"/file", superior, map[string]any{"note": "同意备案"}, 200)
	step(10, pb+"/disclose", clerk, map[string]any{"channel": "公开栏"}, 200)
	step(11, pb+"/progress", clerk, map[string]any{"report_id": "r1", "percent": 40, "narrative": "已采购材料"}, 200)
	step(12, pb+"/progress", clerk, map[string]any{"report_id": "r2", "percent": 70, "narrative": "已完成主体"}, 200)

	pstream := "pledge-" + pid
	h, got = historyState(t, d, historyAsOf(pstream, at(11, 30)), clerk)
	want = compact(t, `{
		"id": "`+pid+`", "state": "in_progress", "maker": "unit", "unit": "u2",
		"quarter": "2026Q1", "category": "stage_task", "title": "修缮公告栏", "content": "三月底前完成",
		"submitted_at": "2026-03-02T08:00:00Z", "returns": 0,
		"filed_at": "2026-03-02T09:00:00Z", "disclosed_at": "2026-03-02T10:00:00Z",
		"reports": [{"id": "r1", "percent": 40, "narrative": "已采购材料", "evidence": [],
			"reported_at": "2026-03-02T11:00:00Z", "corrections": 0, "retracted": false}],
		"progress": 40, "ratings": [], "authors": ["clerk-u2"]
	}`)
	if h.Entity != "pledge" || len(h.Events) != 4 || got != want {
		t.Errorf("pledge as of 11:30: entity %q, %d events, state\n%s\nwant 4 events and\n%s", h.Entity, len(h.Events), got, want)
	}
	// Without as_of, the state is the current one.
	if _, got = historyState(t, d, "/v1/history/"+pstream, clerk); !strings.Contains(got, `"progress":70`) || !strings.Contains(got, `"id":"r2"`) {
		t.Errorf("pledge now: %s; want progress 70 with report r2", got)
	}
	// Before the first event: no events, and no state.
	h, got = historyState(t, d, historyAsOf(pstream, at(7, 59)), clerk)
	if len(h.Events) != 0 || h.State != nil || got != "null" || h.Entity != "pledge" {
		t.Errorf("pledge as of 07:59: %d events, entity %q, state %s; want none, pledge, null", len(h.Events), h.Entity, got)
	}
}
