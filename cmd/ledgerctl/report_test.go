package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cxzy/ledger/domain/annual"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// TestReportOfTheDemoYear: the demo district of the default size, seeded
// for 2025 and projected, then ledgerctl report --seal-key-file: the
// summary of 2025 leaves no blank (no "__", every figure a number, the
// blanks the ledger cannot know named 〔未记录〕), every figure agrees
// between ClickHouse and the log, the seed's own count of the summary's
// blanks (demo.Figures, counted by the generator as it wrote) equals the
// report's, and the checkpoint it names verifies with the verifier key.
// Run again without a key file, it reports at the same checkpoint, read
// from the log and checked with --key; the HTML and xlsx forms are
// written too.
func TestReportOfTheDemoYear(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, seeded, errOut := ledgerctl(t, "seed", "--data-dir", dir, "--until", "2025-12-31", "--seed", "1")
	if code != exitOK {
		t.Fatalf("seed = %d, stderr %q", code, errOut)
	}
	_, db := chtest.Open(t)
	u, err := url.Parse(chtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	dsn := u.String()
	if code, out, errOut := ledgerctl(t, "project", "--data-dir", dir, "--clickhouse", dsn); code != exitOK {
		t.Fatalf("project = %d, stdout %q, stderr %q", code, out, errOut)
	}
	keyFile := filepath.Join(t.TempDir(), "seal.key")
	code, pub, errOut := ledgerctl(t, "keygen", "--out", keyFile)
	if code != exitOK {
		t.Fatalf("keygen = %d, stderr %q", code, errOut)
	}
	verifier := strings.TrimSpace(pub[strings.LastIndex(strings.TrimSpace(pub), "\n")+1:])

	code, md, errOut := ledgerctl(t, "report", "--data-dir", dir, "--clickhouse", dsn, "--year", "2025", "--seal-key-file", keyFile)
	if code != exitOK {
		t.Fatalf("report = %d, stderr %q", code, errOut)
	}
	if strings.Contains(md, "__") || strings.Contains(md, "不一致（") {
		t.Errorf("the report leaves a blank or a disagreement")
	}
	for _, want := range []string{"一、创先争优活动主要做法", "二、取得的成效", "三、存在的问题及下一步打算", "〔未记录〕", "## 数字出处"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Every bold figure is a number or a percentage with a footnote.
	for _, m := range regexp.MustCompile(`\*\*([^*]+)\*\*\[\^\d+\]`).FindAllStringSubmatch(md, -1) {
		if !regexp.MustCompile(`^-?\d+(\.\d)?%?$`).MatchString(m[1]) {
			t.Errorf("a figure reads %q", m[1])
		}
	}

	code, js, errOut := ledgerctl(t, "report", "--data-dir", dir, "--clickhouse", dsn, "--year", "2025", "--format", "json", "--key", verifier)
	if code != exitOK {
		t.Fatalf("report --format json = %d, stderr %q", code, errOut)
	}
	var rp report.Report
	if err := json.Unmarshal([]byte(js), &rp); err != nil {
		t.Fatal(err)
	}
	if rp.Disagreements != 0 || !rp.Checkpoint.Verified {
		t.Errorf("%d disagreements, verified %v", rp.Disagreements, rp.Checkpoint.Verified)
	}
	if !strings.Contains(md, rp.Checkpoint.Root) {
		t.Errorf("the second run is not at the first one's checkpoint %s", rp.Checkpoint.Root)
	}
	trusted, _, err := seal.Verifiers(verifier)
	if err != nil {
		t.Fatal(err)
	}
	if opened, err := seal.Open([]byte(rp.Checkpoint.Note), trusted); err != nil || opened.Size != rp.Checkpoint.Size {
		t.Errorf("the checkpoint does not verify with the key: %v", err)
	}
	fig := map[string]int64{}
	for _, f := range rp.Figures {
		fig[f.ID] = f.Value
		if !f.Agree {
			t.Errorf("%s: ClickHouse %d, log %d", f.ID, f.ClickHouse, f.Log)
		}
	}
	// The seed's line: 全区各级党组织共确定活动主题N个，承诺事项N件，……评选先锋模范人物N人。
	line := regexp.MustCompile(`共确定活动主题(\d+)个，承诺事项(\d+)件，各级领导深入点评(\d+)次，查找缺点和不足(\d+)条，提出改进措施(\d+)条，各部门单位评选先锋模范人物(\d+)人`).
		FindStringSubmatch(seeded)
	if line == nil {
		t.Fatalf("the seed printed no figures: %q", seeded)
	}
	for i, id := range []string{annual.Themes, annual.Pledges, annual.Reviews, annual.Shortcomings, annual.Measures, annual.VanguardsIndividual} {
		if want, _ := strconv.ParseInt(line[i+1], 10, 64); fig[id] != want || want == 0 {
			t.Errorf("%s: the report says %d, the seed counted %d", id, fig[id], want)
		}
	}

	html := filepath.Join(t.TempDir(), "report.html")
	xlsx := filepath.Join(t.TempDir(), "report.xlsx")
	for file, format := range map[string]string{html: "html", xlsx: "xlsx"} {
		if code, _, errOut := ledgerctl(t, "report", "--data-dir", dir, "--clickhouse", dsn, "--year", "2025", "--format", format, "--out", file); code != exitOK {
			t.Fatalf("report --format %s = %d, stderr %q", format, code, errOut)
		}
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "size: A4") || strings.Contains(string(page), "__") {
		t.Error("the HTML has no chart, no A4 page or a blank")
	}
	book, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows(report.SheetName)
	if err != nil || len(rows) < len(rp.Figures)+1 {
		t.Errorf("the workbook has %d rows: %v", len(rows), err)
	}

	// Without a checkpoint in the log and without a key file, it says
	// what to do.
	empty := filepath.Join(t.TempDir(), "empty")
	if code, _, _ := ledgerctl(t, "seed", "--data-dir", empty, "--events", "300", "--until", "2025-03-31", "--files=false"); code != exitOK {
		t.Fatal("seed of the small district failed")
	}
	if code, _, errOut := ledgerctl(t, "report", "--data-dir", empty, "--clickhouse", dsn, "--year", "2025"); code != exitFail || !strings.Contains(errOut, "--seal-key-file") {
		t.Errorf("no checkpoint: %d %q", code, errOut)
	}
	if code, _, _ := ledgerctl(t, "report", "--data-dir", dir, "--clickhouse", dsn); code != exitUsage {
		t.Errorf("no year: %d, want usage", code)
	}
}
