package report_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/xuri/excelize/v2"

	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/report/reporttest"
	"github.com/cxzy/ledger/seal"
)

// sealed is the hand-built district written, sealed by a signed
// checkpoint and projected into ClickHouse.
type sealed struct {
	src      report.Source
	cp       seal.Checkpoint
	verifier string
	tree     *seal.Tree
}

func newSealed(t *testing.T) *sealed {
	t.Helper()
	l := reporttest.Sealed(t, "cxzy-ledger-test")
	trusted, _, err := seal.Verifiers(l.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	p := l.Projector
	return &sealed{cp: l.Checkpoint, verifier: l.Verifier, tree: l.Tree, src: report.Source{Log: l.Log, Registry: l.Registry, Conn: l.Conn, DB: l.DB, Loc: reporttest.Loc,
		Trusted: trusted, Position: func(context.Context) (uint64, error) { return p.Position(), nil }, Wait: 5 * time.Second}}
}

// TestReportHandComputed: the 2026 summary of the hand-built district,
// for the district and for each area: every figure read from ClickHouse
// and counted again from the log equals the table worked out by hand
// (reporttest), the two agree, the quarterly series too, and the report
// names the checkpoint it was computed at, which verifies with the key
// and is the tree's root at its size.
func TestReportHandComputed(t *testing.T) {
	s := newSealed(t)
	ctx := context.Background()
	for area, want := range reporttest.Expected {
		rp, err := report.Build(ctx, s.src, s.cp, report.Params{Year: reporttest.Year, Area: area})
		if err != nil {
			t.Fatalf("area %q: %v", area, err)
		}
		if rp.Disagreements != 0 {
			t.Errorf("area %q: %d disagreements", area, rp.Disagreements)
		}
		if len(rp.Figures) != len(reporttest.Expected[""]) {
			t.Errorf("area %q: %d figures, the table has %d", area, len(rp.Figures), len(reporttest.Expected[""]))
		}
		for _, f := range rp.Figures {
			if f.ClickHouse != want[f.ID] || f.Log != want[f.ID] || f.Value != want[f.ID] || !f.Agree {
				t.Errorf("area %q: %s: ClickHouse %d, log %d, value %d; want %d", area, f.ID, f.ClickHouse, f.Log, f.Value, want[f.ID])
			}
			if !strings.Contains(f.SQL, s.src.DB+".") || !strings.Contains(f.SQL, "position <= ") {
				t.Errorf("area %q: %s: the SQL names no database or no bound: %s", area, f.ID, f.SQL)
			}
		}
		if area == "" {
			for _, series := range rp.Trend.Series {
				wantSeries := reporttest.Trend[series.Metric]
				for i := range wantSeries {
					if series.Values[i] != wantSeries[i] || !series.Agree[i] {
						t.Errorf("trend %s Q%d: %d (ClickHouse %d, log %d), want %d", series.Metric, i+1, series.Values[i], series.ClickHouse[i], series.Log[i], wantSeries[i])
					}
				}
			}
		}
		if !rp.Checkpoint.Verified || rp.Checkpoint.Size != s.cp.Size {
			t.Errorf("area %q: checkpoint %+v", area, rp.Checkpoint)
		}
		if area == "a1" && (rp.AreaName != "东片区" || rp.District != reporttest.DistrictName) {
			t.Errorf("names: %q %q", rp.AreaName, rp.District)
		}
	}

	// The checkpoint the report names verifies with the published key,
	// and its root is the tree's at its size: an auditor's check.
	rp, err := report.Build(ctx, s.src, s.cp, report.Params{Year: reporttest.Year})
	if err != nil {
		t.Fatal(err)
	}
	trusted, _, err := seal.Verifiers(s.verifier)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := seal.Open([]byte(rp.Checkpoint.Note), trusted)
	if err != nil {
		t.Fatalf("the report's checkpoint does not verify: %v", err)
	}
	root, err := s.tree.Root(opened.Size)
	if err != nil {
		t.Fatal(err)
	}
	if opened.Size != rp.Checkpoint.Size || base64.StdEncoding.EncodeToString(opened.Root) != rp.Checkpoint.Root || !bytes.Equal(root, opened.Root) {
		t.Errorf("the report names %d/%s, the note says %d/%x, the tree %x", rp.Checkpoint.Size, rp.Checkpoint.Root, opened.Size, opened.Root, root)
	}
	// The rates: 2 fulfilled of 4 concluded, 150 of 170 satisfied.
	for id, want := range map[string]float64{"fulfilment_rate": 0.5, "satisfaction_rate": 150.0 / 170, "on_time_rate": 0.75, "on_time_rate_original": 0.4, "recurrence_rate": 0.2} {
		for _, r := range rp.Rates {
			if r.ID == id && (r.Value == nil || *r.Value != want) {
				t.Errorf("rate %s = %v, want %v", id, r.Value, want)
			}
		}
	}
}

// TestReportRenders: the Markdown and HTML say every figure with its
// footnote and leave no blank (no "__", every blank the ledger cannot
// know named 〔未记录〕); the HTML prints on A4 with SVG charts and no
// script; the workbook has a row per figure with its SQL.
func TestReportRenders(t *testing.T) {
	s := newSealed(t)
	rp, err := report.Build(context.Background(), s.src, s.cp, report.Params{Year: reporttest.Year})
	if err != nil {
		t.Fatal(err)
	}
	var md, page, book bytes.Buffer
	if err := rp.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := rp.HTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := rp.XLSX(&book); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"markdown": md.String(), "html": page.String()} {
		if strings.Contains(text, "__") || strings.Contains(text, "＿") {
			t.Errorf("%s has a blank: %q", name, around(text, "__"))
		}
		for _, want := range []string{"一、创先争优活动主要做法", "二、取得的成效", "三、存在的问题及下一步打算", "〔未记录〕", reporttest.DistrictName,
			"共确定活动主题", rp.Checkpoint.Root, "SELECT toInt64(sum(value)) FROM " + s.src.DB + ".facts", "position "} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if strings.Contains(text, "不一致") && !strings.Contains(text, "一致才予采用") {
			t.Errorf("%s marks a disagreement", name)
		}
	}
	// The seed's sentence of blanks, filled: 3 themes, 5 pledges, 3
	// reviews, 5 shortcomings, 5 measures, 1 vanguard.
	plain := strings.NewReplacer("**", "").Replace(md.String())
	for _, want := range []string{"共确定活动主题3[^", "承诺事项5[^", "深入点评3[^", "查找缺点和不足5[^", "提出改进措施5[^", "评选先锋模范人物1[^"} {
		if !strings.Contains(plain, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every footnote cited is defined, and every figure has one.
	for i := 1; ; i++ {
		ref := "[^" + itoa(i) + "]"
		if !strings.Contains(md.String(), ref+":") {
			if i <= len(rp.Figures) {
				t.Errorf("footnote %s is not defined", ref)
			}
			break
		}
	}
	html := page.String()
	for _, want := range []string{"@page", "size: A4", "<svg", "break-inside: avoid", "<sup><a href=\"#fn1\">1</a></sup>"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://", "<link"} {
		if strings.Contains(strings.ReplaceAll(html, "http://www.w3.org/2000/svg", ""), banned) {
			t.Errorf("html has %q: it must stand alone", banned)
		}
	}
	x, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(report.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, row := range rows[1:] {
		if len(row) > 8 && strings.HasPrefix(row[8], "SELECT") {
			found[row[1]] = true
			if row[10] != itoa(int(rp.Checkpoint.Size)) || row[11] != rp.Checkpoint.Root {
				t.Errorf("row %v: not at the checkpoint", row[:3])
			}
		}
	}
	for _, f := range rp.Figures {
		if !found[f.Label] {
			t.Errorf("the workbook has no row for %s", f.Label)
		}
	}
}

// TestReportRefusesWhatItCannotVouchFor: a checkpoint whose root is not
// the log's is refused before anything is read from ClickHouse; an area
// that does not exist is refused; projections behind the checkpoint are
// waited for, then refused.
func TestReportRefusesWhatItCannotVouchFor(t *testing.T) {
	s := newSealed(t)
	ctx := context.Background()
	src := s.src
	src.Trusted = nil // the forged root carries no valid signature
	forged := s.cp
	forged.Root = bytes.Repeat([]byte{7}, 32)
	if _, err := report.Build(ctx, src, forged, report.Params{Year: reporttest.Year}); err == nil || !strings.Contains(err.Error(), "root") {
		t.Errorf("a forged root: %v", err)
	}
	if _, err := report.Build(ctx, s.src, s.cp, report.Params{Year: reporttest.Year, Area: "nowhere"}); err == nil {
		t.Error("an unknown area was accepted")
	}
	behind := s.src
	behind.Position, behind.Wait = func(context.Context) (uint64, error) { return 1, nil }, 50*time.Millisecond
	if _, err := report.Build(ctx, behind, s.cp, report.Params{Year: reporttest.Year}); err == nil || !strings.Contains(err.Error(), "did not reach") {
		t.Errorf("projections behind: %v", err)
	}
	// With a key that did not sign it, the checkpoint is refused.
	_, other, _ := seal.GenerateKey("someone-else")
	untrusted, _, _ := seal.Verifiers(other)
	wrong := s.src
	wrong.Trusted = untrusted
	if _, err := report.Build(ctx, wrong, s.cp, report.Params{Year: reporttest.Year}); err == nil {
		t.Error("a checkpoint signed by another key was accepted")
	}
}

func around(s, sub string) string {
	i := strings.Index(s, sub)
	if i < 0 {
		return ""
	}
	return s[max(0, i-60):min(len(s), i+60)]
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestReportMarksADisagreement: a row slipped into ClickHouse's facts
// below the checkpoint's position (one theme the log does not hold) makes
// the themes figure disagree with the log: it is not printed but marked
// in its place, the summary opens with a warning, and the count says so;
// the other figures stand.
func TestReportMarksADisagreement(t *testing.T) {
	s := newSealed(t)
	ctx := context.Background()
	batch, err := s.src.Conn.(driver.Conn).PrepareBatch(ctx, "INSERT INTO "+s.src.DB+".facts (position, occurred_at, month, quarter, area, unit_kind, unit, metric, value)")
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Append(uint64(1), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), "2026-02", "2026Q1", "a1", "branch", "b1", "themes_set", int64(1)); err != nil {
		t.Fatal(err)
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	rp, err := report.Build(ctx, s.src, s.cp, report.Params{Year: reporttest.Year})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Disagreements != 1 {
		t.Errorf("%d disagreements, want 1", rp.Disagreements)
	}
	for _, f := range rp.Figures {
		if f.ID == "themes" && (f.Agree || f.ClickHouse != 4 || f.Log != 3 || f.Value != 0) {
			t.Errorf("themes: %+v", f)
		}
		if f.ID != "themes" && !f.Agree {
			t.Errorf("%s disagrees too", f.ID)
		}
	}
	var md bytes.Buffer
	if err := rp.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"⚠ 注意：本报告有 1 个数字", "共确定活动主题**⚠不一致（ClickHouse 4，账本重算 3）**"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
}
