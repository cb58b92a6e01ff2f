package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain/annual"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/report/reporttest"
	"github.com/cxzy/ledger/seal"
)

// reportServer serves the hand-built district of the report's tests
// (reporttest), sealed by a signed checkpoint and projected: the views,
// the report and the public checkpoints.
func reportServer(t *testing.T) *httptest.Server {
	t.Helper()
	l := reporttest.Sealed(t, "cxzy-ledger/report-test")
	p := l.Projector
	reads := &api.Reads{Conn: l.Conn, DB: l.DB, Loc: reporttest.Loc, Scope: api.Scope{Handler: l.Handler},
		Position: func(context.Context) (uint64, error) { return p.Position(), nil }}
	keys := []string{l.Verifier}
	s := &api.Server{Verifier: api.HS256{Key: secret}, Reads: reads,
		Reports: &api.Reports{Reads: reads, Log: l.Log, Sealer: l.Sealer, Keys: keys},
		Seals:   &api.Seals{Sealer: l.Sealer, Log: l.Log, Scope: api.Scope{Handler: l.Handler}, Keys: keys}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// getAs reads path as p, returning the status, the headers and the body.
func getAs(t *testing.T, srv *httptest.Server, path string, p api.Principal) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if p.Subject != "" {
		req.Header.Set("Authorization", "Bearer "+mintPrincipal(t, p))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func getJSON(t *testing.T, srv *httptest.Server, path string, p api.Principal, v any) {
	t.Helper()
	code, _, body := getAs(t, srv, path, p)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

var reportAnalyst = api.Principal{Subject: "analyst-1", Roles: []api.Role{api.RoleAnalyst}}

// TestAnnualReportAgreesWithTheViews: the 2026 summary of the hand-built
// district (GET /v1/reports/annual) holds the figures worked out by hand,
// each agreeing with its recount from the log, and each equal to what the
// dashboard views answer for the same year: the totals of the four
// quarters, the quarterly trends, the rectification list, the inspection
// list, the directory and December's rankings. Its checkpoint is the
// ledger's latest, and verifies with the published key as ledgerctl audit
// verifies it. Every format answers; a missing year and an unknown area
// are refused.
func TestAnnualReportAgreesWithTheViews(t *testing.T) {
	srv := reportServer(t)
	var rp report.Report
	getJSON(t, srv, "/v1/reports/annual?year=2026&format=json", reportAnalyst, &rp)
	fig := map[string]int64{}
	for _, f := range rp.Figures {
		if !f.Agree {
			t.Errorf("%s: ClickHouse %d, log %d", f.ID, f.ClickHouse, f.Log)
		}
		fig[f.ID] = f.Value
	}
	for id, want := range reporttest.Expected[""] {
		if fig[id] != want {
			t.Errorf("%s = %d, want %d (by hand)", id, fig[id], want)
		}
	}
	if rp.Disagreements != 0 {
		t.Errorf("%d disagreements", rp.Disagreements)
	}

	// The totals of the year's four quarters.
	var totals projections.Totals
	for _, q := range annual.Quarters(reporttest.Year) {
		var ans api.TotalsAnswer
		getJSON(t, srv, "/v1/views/totals?quarter="+q.String(), reportAnalyst, &ans)
		totals.Themes += ans.Totals.Themes
		totals.Pledges += ans.Totals.Pledges
		totals.Reviews += ans.Totals.Reviews
		totals.Shortcomings += ans.Totals.Shortcomings
		totals.Measures += ans.Totals.Measures
		totals.Vanguards += ans.Totals.Vanguards
	}
	for id, view := range map[string]int64{annual.Themes: totals.Themes, annual.Pledges: totals.Pledges, annual.Reviews: totals.Reviews,
		annual.Shortcomings: totals.Shortcomings, annual.Measures: totals.Measures, annual.VanguardsIndividual: totals.Vanguards} {
		if fig[id] != view {
			t.Errorf("%s: the report says %d, /v1/views/totals %d", id, fig[id], view)
		}
	}

	// The quarterly trends, overall: each series cell, and the year's sums.
	var trends api.TrendsAnswer
	getJSON(t, srv, "/v1/views/trends?grain=quarter&overall=true&from=2026Q1&to=2026Q4", reportAnalyst, &trends)
	cell := map[string]int64{}
	year := map[string]int64{}
	for _, row := range trends.Items {
		cell[row.Metric+" "+row.Period] += row.Value
		year[row.Metric] += row.Value
	}
	for _, s := range rp.Trend.Series {
		for i, q := range rp.Trend.Quarters {
			if s.Values[i] != cell[s.Metric+" "+q] {
				t.Errorf("trend %s %s: the report says %d, /v1/views/trends %d", s.Metric, q, s.Values[i], cell[s.Metric+" "+q])
			}
		}
	}
	for id, metric := range map[string]string{annual.PledgesFulfilled: "pledges_fulfilled", annual.PledgesLapsed: "pledges_lapsed",
		annual.RectOrdered: "rectifications_opened", annual.RectClosed: "rectifications_closed", annual.RectClosedOnTime: "rectifications_closed_on_time",
		annual.Satisfied: "satisfaction_satisfied", annual.Respondents: "satisfaction_respondents", annual.VanguardsCollective: "vanguards_collective"} {
		if fig[id] != year[metric] {
			t.Errorf("%s: the report says %d, /v1/views/trends %d", id, fig[id], year[metric])
		}
	}

	// The rectification list: every acceptance and reopening of this
	// district is dated in 2026, so the items' closings and reopenings add
	// up to the year's.
	var rects api.ListPage[projections.RectificationRow]
	getJSON(t, srv, "/v1/views/rectifications?limit=1000&now=2027-01-01", reportAnalyst, &rects)
	var closings, reopenings, red int64
	for _, r := range rects.Items {
		closings += int64(r.Closings)
		reopenings += int64(r.Reopenings)
		if r.Colour == "red" {
			red++
		}
	}
	if closings != fig[annual.Acceptances] || reopenings != fig[annual.Reopenings] || red != fig[annual.RedItems] {
		t.Errorf("acceptances %d, reopenings %d, red %d; the list: %d, %d, %d (red at 00:00 on 1 January 2027)",
			fig[annual.Acceptances], fig[annual.Reopenings], fig[annual.RedItems], closings, reopenings, red)
	}
	// December's rankings (rule v1 is in force): the red items at the end
	// of December, over the areas' units.
	var redDecember int64
	for _, area := range []string{"a1", "a2", "a3"} {
		var ans api.RankingsAnswer
		getJSON(t, srv, "/v1/views/rankings?area="+area+"&month=2026-12", reportAnalyst, &ans)
		for _, it := range ans.Items {
			redDecember += it.Inputs.RedItems
		}
	}
	if redDecember != fig[annual.RedItems] {
		t.Errorf("red items: the report says %d, December's rankings %d", fig[annual.RedItems], redDecember)
	}

	// The inspection list: started in 2026 by kind, findings of those
	// completed in 2026.
	var insp api.ListPage[projections.InspectionRow]
	getJSON(t, srv, "/v1/views/inspections?limit=1000", reportAnalyst, &insp)
	kinds := map[string]int64{}
	var findings int64
	start, end := annual.Bounds(reporttest.Year, reporttest.Loc)
	for _, in := range insp.Items {
		if !in.StartedAt.Before(start) && in.StartedAt.Before(end) {
			kinds[in.Kind]++
		}
		if in.State == "completed" && !in.CompletedAt.Before(start) && in.CompletedAt.Before(end) {
			findings += int64(in.Findings)
		}
	}
	if kinds["special"] != fig[annual.InspectionsSpecial] || kinds["random"] != fig[annual.InspectionsRandom] || findings != fig[annual.Findings] {
		t.Errorf("inspections: the report %d special, %d random, %d findings; the list %v, %d findings",
			fig[annual.InspectionsSpecial], fig[annual.InspectionsRandom], fig[annual.Findings], kinds, findings)
	}

	// The directory as it stands now, less what was registered after the
	// year (v3, on 2 January 2027).
	var areas api.ListPage[projections.AreaRow]
	getJSON(t, srv, "/v1/views/areas", reportAnalyst, &areas)
	var villages, communities api.ListPage[projections.UnitRow]
	getJSON(t, srv, "/v1/views/units?kind=village", reportAnalyst, &villages)
	getJSON(t, srv, "/v1/views/units?kind=big_community", reportAnalyst, &communities)
	if int64(len(areas.Items)) != fig[annual.AreasRegistered] || int64(len(villages.Items))-1 != fig[annual.Villages] ||
		int64(len(communities.Items)) != fig[annual.BigCommunities] {
		t.Errorf("directory: %d areas, %d villages (one of 2027), %d big communities; the report %d, %d, %d", len(areas.Items), len(villages.Items),
			len(communities.Items), fig[annual.AreasRegistered], fig[annual.Villages], fig[annual.BigCommunities])
	}

	// The checkpoint: the ledger's latest, and it verifies with the key
	// the ledger publishes, as ledgerctl audit checks it.
	var latest seal.Checkpoint
	getJSON(t, srv, "/v1/checkpoints/latest", api.Principal{}, &latest)
	var keys api.KeysAnswer
	getJSON(t, srv, "/v1/checkpoints/keys", api.Principal{}, &keys)
	trusted, _, err := seal.Verifiers(keys.Keys...)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := seal.Open([]byte(rp.Checkpoint.Note), trusted)
	if err != nil {
		t.Fatalf("the report's checkpoint does not verify with the published key: %v", err)
	}
	if opened.Size != latest.Size || !bytes.Equal(opened.Root, latest.Root) || rp.Checkpoint.Size != latest.Size || !rp.Checkpoint.Verified {
		t.Errorf("the report's checkpoint %d/%s, the note's %d, the ledger's latest %d", rp.Checkpoint.Size, rp.Checkpoint.Root, opened.Size, latest.Size)
	}

	// Every format, and the refusals.
	office := api.Principal{Subject: "office-1", Roles: []api.Role{api.RoleOffice}}
	for format, ctype := range map[string]string{"md": "text/markdown", "html": "text/html", "xlsx": "application/vnd.openxmlformats"} {
		code, h, body := getAs(t, srv, "/v1/reports/annual?year=2026&format="+format, office)
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), ctype) || h.Get("X-Report-Disagreements") != "0" ||
			h.Get("X-Report-Checkpoint") != fmt.Sprint(latest.Size) {
			t.Errorf("format %s: %d %q %v", format, code, h.Get("Content-Type"), h)
		}
		if format != "xlsx" && (bytes.Contains(body, []byte("__")) || !bytes.Contains(body, []byte("〔未记录〕"))) {
			t.Errorf("format %s leaves a blank or names nothing not recorded", format)
		}
	}
	code, _, body := getAs(t, srv, "/v1/reports/annual?year=2026&area=a2&format=json", office)
	var a2 report.Report
	if code != http.StatusOK || json.Unmarshal(body, &a2) != nil {
		t.Fatalf("area a2: %d %s", code, body)
	}
	for _, f := range a2.Figures {
		if f.Value != reporttest.Expected["a2"][f.ID] {
			t.Errorf("a2: %s = %d, want %d", f.ID, f.Value, reporttest.Expected["a2"][f.ID])
		}
	}
	for path, want := range map[string]int{
		"/v1/reports/annual":                      http.StatusBadRequest,
		"/v1/reports/annual?year=1999":            http.StatusBadRequest,
		"/v1/reports/annual?year=2026&format=pdf": http.StatusBadRequest,
		"/v1/reports/annual?year=2026&colour=red": http.StatusBadRequest,
		"/v1/reports/annual?year=2026&area=zz":    http.StatusNotFound,
	} {
		if code, _, body := getAs(t, srv, path, office); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, body, want)
		}
	}
	clerk := api.Principal{Subject: "clerk-b1", Roles: []api.Role{api.RoleClerk}, Units: []string{"b1"}}
	if code, _, _ := getAs(t, srv, "/v1/reports/annual?year=2026", clerk); code != http.StatusForbidden {
		t.Errorf("a clerk: %d, want 403", code)
	}
}
