package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// auditClock is the ledger clock of the audit tests: each reading one
// minute after the one before.
type auditClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *auditClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(time.Minute)
	return c.at
}

func (d *district) audit(t *testing.T, tok string, q url.Values) (int, api.AuditEvents) {
	t.Helper()
	code, raw := d.get("/v1/audit/events?"+q.Encode(), tok)
	var res api.AuditEvents
	if code == 200 {
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
	}
	return code, res
}

// auditAll follows next to the end and returns every event found.
func (d *district) auditAll(t *testing.T, tok string, q url.Values) []eventlog.Event {
	t.Helper()
	var out []eventlog.Event
	for pages := 0; ; pages++ {
		code, res := d.audit(t, tok, q)
		if code != 200 {
			t.Fatalf("audit %v: %d", q, code)
		}
		out = append(out, res.Events...)
		if res.Next == "" {
			return out
		}
		if pages > 10000 {
			t.Fatal("paging does not end")
		}
		q.Set("after", res.Next)
	}
}

// allEvents reads the whole log, to compute what an audit search should
// answer.
func allEvents(t *testing.T, d *district) []eventlog.Event {
	t.Helper()
	evs, err := d.log.ReadAll(context.Background(), eventlog.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func positions(evs []eventlog.Event) []uint64 {
	var out []uint64
	for _, e := range evs {
		out = append(out, e.Position.Commit)
	}
	return out
}

func filter(evs []eventlog.Event, keep func(e eventlog.Event) bool) []eventlog.Event {
	var out []eventlog.Event
	for _, e := range evs {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// TestAudit searches the whole log by actor, unit subtree, time range and
// type, pages with a tiny limit and scan budget, and stays in scope.
func TestAudit(t *testing.T) {
	clock := &auditClock{at: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	d := newDistrict(t, command.WithClock(clock.now))
	quarter := domain.QuarterOf(clock.at.In(domain.DefaultLocation())).String()
	pledge := func(tok, unit string) {
		must(t, d.post("/v1/pledges", tok, map[string]any{"maker": "unit", "unit": unit, "quarter": quarter,
			"category": "stage_task", "title": "完成任务", "content": "按期完成"}), 201, "pledge "+unit)
	}
	clerk2 := token(t, "clerk-u2", api.RoleClerk, "u2")
	clerk3 := token(t, "clerk-u3", api.RoleClerk, "u3")
	clerk6 := token(t, "clerk-u6", api.RoleClerk, "u6")
	office := token(t, "office-9", api.RoleOffice)
	for range 3 {
		pledge(clerk2, "u2")
		pledge(clerk3, "u3")
		pledge(clerk6, "u6")
	}
	all := allEvents(t, d)

	t.Run("by actor", func(t *testing.T) {
		got := d.auditAll(t, office, url.Values{"actor": {"clerk-u3"}})
		want := filter(all, func(e eventlog.Event) bool { return e.Actor == "clerk-u3" })
		if len(want) != 3 || !slices.Equal(positions(got), positions(want)) {
			t.Errorf("actor clerk-u3: positions %v, want %v", positions(got), positions(want))
		}
		for i, e := range got {
			if e.Hash.IsZero() || e.Hash != eventlog.ComputeHash(&e) || (e.Version > 1) == e.PrevHash.IsZero() {
				t.Errorf("event %d: hash %v prev_hash %v do not hold", i, e.Hash, e.PrevHash)
			}
		}
	})
	t.Run("by unit subtree", func(t *testing.T) {
		got := d.auditAll(t, office, url.Values{"unit": {"u1"}, "type": {"pledge."}})
		units := map[string]int{}
		for _, e := range got {
			units[e.Unit]++
		}
		if units["u2"] != 3 || units["u3"] != 3 || units["u6"] != 0 || len(got) != 6 {
			t.Errorf("unit u1: units %v, want u2 and u3 three times each", units)
		}
		// The unit's own registration is in its subtree too.
		got = d.auditAll(t, office, url.Values{"unit": {"u5"}})
		want := filter(all, func(e eventlog.Event) bool { return e.Unit == "u5" || e.Unit == "u6" })
		if !slices.Equal(positions(got), positions(want)) {
			t.Errorf("unit u5: positions %v, want %v", positions(got), positions(want))
		}
	})
	t.Run("by time range", func(t *testing.T) {
		// Every command took one clock reading a minute after the one
		// before; pick the 4th to the 9th pledge's.
		pledges := filter(all, func(e eventlog.Event) bool { return e.Type == "pledge.submitted" })
		from, to := pledges[3].RecordedAt, pledges[9-1].RecordedAt
		q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
		got := d.auditAll(t, office, q)
		want := filter(all, func(e eventlog.Event) bool { return !e.RecordedAt.Before(from) && e.RecordedAt.Before(to) })
		if len(want) == 0 || !slices.Equal(positions(got), positions(want)) {
			t.Errorf("[%v, %v): positions %v, want %v", from, to, positions(got), positions(want))
		}
		// The time index bounds what is read: fewer events than the log.
		_, res := d.audit(t, office, q)
		if res.Scanned >= len(all) {
			t.Errorf("a range read %d events of %d", res.Scanned, len(all))
		}
	})
	t.Run("paging", func(t *testing.T) {
		d.history.ScanBudget = 3
		defer func() { d.history.ScanBudget = 0 }()
		q := url.Values{"actor": {"clerk-u2"}, "limit": {"2"}}
		got := d.auditAll(t, office, q)
		want := filter(all, func(e eventlog.Event) bool { return e.Actor == "clerk-u2" })
		if !slices.Equal(positions(got), positions(want)) {
			t.Errorf("paged: positions %v, want each of %v once", positions(got), positions(want))
		}
		_, res := d.audit(t, office, url.Values{"actor": {"clerk-u2"}, "limit": {"2"}})
		if res.Scanned > 3 || res.Next == "" {
			t.Errorf("one page: scanned %d, next %q; want at most 3 and a cursor", res.Scanned, res.Next)
		}
		got = d.auditAll(t, office, url.Values{"limit": {"1"}})
		if !slices.Equal(positions(got), positions(all)) {
			t.Errorf("everything, one by one: %d events, want %d", len(got), len(all))
		}
	})
	t.Run("scope", func(t *testing.T) {
		got := d.auditAll(t, clerk2, url.Values{})
		want := filter(all, func(e eventlog.Event) bool { return e.Unit == "u2" })
		if !slices.Equal(positions(got), positions(want)) {
			t.Errorf("clerk of u2 sees positions %v, want %v", positions(got), positions(want))
		}
		superior := token(t, "superior-u1", api.RoleSuperior, "u1")
		got = d.auditAll(t, superior, url.Values{"actor": {"clerk-u3"}})
		if len(got) != 3 {
			t.Errorf("superior of u1 sees %d events of clerk-u3, want 3", len(got))
		}
		if got := d.auditAll(t, superior, url.Values{"actor": {"clerk-u6"}}); len(got) != 0 {
			t.Errorf("superior of u1 sees %d events of a unit under u5", len(got))
		}
		group := tokenGroup(t, "inspector-1", "g1") // assigned area a2: u5, u6
		got = d.auditAll(t, group, url.Values{"type": {"pledge."}})
		if len(got) != 3 || got[0].Unit != "u6" {
			t.Errorf("group g1 sees %d pledge events, want the 3 of u6", len(got))
		}
		// An unregistered unit is out of a clerk's scope like another's:
		// the same 403, so the search does not tell which units exist.
		for q, status := range map[string]int{"unit=u3": 403, "unit=u2": 200, "unit=nope": 403} {
			if code, _ := d.get("/v1/audit/events?"+q, clerk2); code != status {
				t.Errorf("clerk of u2, %s: %d, want %d", q, code, status)
			}
		}
		if code, _ := d.get("/v1/audit/events", token(t, "analyst-1", api.RoleAnalyst)); code != 403 {
			t.Errorf("analyst: %d, want 403", code)
		}
	})
	t.Run("bad query", func(t *testing.T) {
		for q, field := range map[string]string{
			"from=yesterday": "from", "to=2026-13-01": "to", "limit=0": "limit", "limit=1001": "limit",
			"limit=x": "limit", "after=abc": "after", "from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z": "to",
		} {
			code, raw := d.get("/v1/audit/events?"+q, office)
			var p api.Problem
			json.Unmarshal(raw, &p)
			if code != 400 || p.Field != field {
				t.Errorf("%s: %d field %q, want 400 naming %s", q, code, p.Field, field)
			}
		}
	})
}
