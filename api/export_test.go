package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
)

const xlsxMedia = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// rectZhHeaders are the Chinese headers of the rectification export,
// written out by hand: each JSON key's header, a label column before each
// code (状态, 状态代码) and the area's name after its id.
var rectZhHeaders = []string{
	"编号", "事件流", "单位代码", "单位名称", "片区代码", "片区名称", "单位类型", "单位类型代码", "整改来源", "整改来源代码", "来源编号",
	"责任单位代码", "责任人", "整改要求", "状态", "状态代码", "责令整改时间", "原定时限", "现行时限",
	"延期申请次数", "批准延期次数", "不予延期次数", "退回重改次数", "问题反弹次数", "验收销号次数", "逾期次数",
	"销号时间", "销号日期", "按原定时限销号", "按现行时限销号", "已撤销", "销号为补录", "补录延期申请数",
	"版本号", "更新时间", "剩余天数", "亮灯", "亮灯代码",
}

// rectKeyHeaders are the headers of the export before Chinese headers,
// which headers=keys keeps: the JSON keys of a row.
var rectKeyHeaders = []string{
	"id", "stream", "unit", "unit_name", "area", "unit_kind", "source_kind", "source_ref", "responsible_unit", "responsible_person",
	"requirement", "state", "ordered_at", "original_deadline", "deadline", "extensions_requested", "extensions_granted",
	"extensions_denied", "rejections", "reopenings", "closings", "missed_deadlines", "closed_at", "closed_on", "on_time_original",
	"on_time_current", "cancelled", "closed_entered_late", "extensions_entered_late", "version", "updated_at", "days_left", "colour",
}

// exportDistrict is the test district (newDistrict) on a ledger clock of
// 2 March 2026 with, by hand: at 02:00 UTC (10:00 in Shanghai) an item
// ordered for branch u2 (area a1) due 20 March, acknowledged at 03:00;
// at 04:00 an item for branch u6 (area a2) due 10 March, left open; at
// 05:00 member 王芳 of u2 registered, and at 06:00 her pledge submitted.
// Projected into ClickHouse and served in the default zone, Shanghai.
func exportDistrict(t *testing.T) (d *district, u2item, u6item string) {
	t.Helper()
	clock := &steppedClock{}
	clock.set(at(1, 0))
	d = newDistrict(t, command.WithClock(clock.now))
	office := tokenWith(t, api.RoleOffice)
	step := func(hour int, path, tok string, body map[string]any, status int) reply {
		t.Helper()
		clock.set(at(hour, 0))
		return must(t, d.post(path, tok, body), status, path)
	}
	order := func(unit, deadline string) map[string]any {
		return map[string]any{"source": map[string]any{"kind": "inspection", "ref": "in-1", "item": 1},
			"unit": unit, "person": "李四", "requirement": "整改台账不全", "deadline": deadline}
	}
	u2item = step(2, "/v1/rectifications", office, order("u2", "2026-03-20"), 201).body["id"].(string)
	step(3, "/v1/rectifications/"+u2item+"/acknowledge", token(t, "clerk-u2", api.RoleClerk, "u2"), map[string]any{}, 200)
	u6item = step(4, "/v1/rectifications", office, order("u6", "2026-03-10"), 201).body["id"].(string)
	member := step(5, "/v1/members", office, map[string]any{"name": "王芳", "unit_id": "u2"}, 201).body["id"].(string)
	step(6, "/v1/pledges", token(t, "clerk-u2", api.RoleClerk, "u2"), map[string]any{"maker": "member", "unit": "u2", "member": member,
		"quarter": "2026Q1", "category": "duty", "title": "按时参加组织生活", "content": "每月一次"}, 201)
	pr := d.project(t)
	d.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Reads: pr.reads(d)})
	return d, u2item, u6item
}

// download gets path with tok and, optionally, an Accept header.
func download(t *testing.T, d *district, path, tok, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
	}
	return resp, body
}

// byHeader maps each data row (by its first cell, the id) to its cells by
// header.
func byHeader(t *testing.T, table [][]string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, row := range table[1:] {
		cells := map[string]string{}
		for i, h := range table[0] {
			if i < len(row) {
				cells[h] = row[i]
			}
		}
		out[row[0]] = cells
	}
	return out
}

// wantCells holds a row to hand-written values.
func wantCells(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for h, v := range want {
		if got[h] != v {
			t.Errorf("%s: %s = %q, want %q", what, h, got[h], v)
		}
	}
}

// The rows' expected cells, by hand: labels from docs/domain.md's
// glossary, names from newDistrict, times of the clock in Shanghai
// (UTC+8), days left and colours for today = 18 March (yellow from three
// days before the deadline, red from the day after it).
func rectRows(u2item, u6item string) map[string]map[string]string {
	return map[string]map[string]string{
		u2item: {"单位代码": "u2", "单位名称": "单位u2", "片区代码": "a1", "片区名称": "片区a1", "单位类型": "党支部", "单位类型代码": "branch",
			"整改来源": "检查", "整改来源代码": "inspection", "责任人": "李四", "整改要求": "整改台账不全",
			"状态": "整改中", "状态代码": "in_progress", "责令整改时间": "2026-03-02 10:00:00", "原定时限": "2026-03-20", "现行时限": "2026-03-20",
			"更新时间": "2026-03-02 11:00:00", "剩余天数": "2", "亮灯": "黄灯", "亮灯代码": "yellow", "已撤销": "否", "销号时间": ""},
		u6item: {"单位代码": "u6", "单位名称": "单位u6", "片区代码": "a2", "片区名称": "片区a2", "状态": "待签收", "状态代码": "open",
			"责令整改时间": "2026-03-02 12:00:00", "现行时限": "2026-03-10", "剩余天数": "-8", "亮灯": "红灯", "亮灯代码": "red"},
	}
}

// wantRectTable holds an export of the rectification list (CSV or
// xlsx, what names which) to the hand-written headers and rectRows.
func wantRectTable(t *testing.T, what string, table [][]string, u2item, u6item string) {
	t.Helper()
	if strings.Join(table[0], ",") != strings.Join(rectZhHeaders, ",") {
		t.Errorf("headers\n%q\nwant\n%q", table[0], rectZhHeaders)
	}
	rows := byHeader(t, table)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for id, want := range rectRows(u2item, u6item) {
		wantCells(t, what+" row "+id, rows[id], want)
	}
}

// readCSV reads a CSV export, after its byte-order mark.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	table, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// TestCSVExportInChinese: the rectification list as CSV has the
// hand-written Chinese headers, and its rows the labels, names and
// Shanghai times worked out by hand; headers=keys gives the export as it
// was, with the JSON keys and RFC 3339 UTC times.
func TestCSVExportInChinese(t *testing.T) {
	d, u2item, u6item := exportDistrict(t)
	office := tokenWith(t, api.RoleOffice)

	resp, body := download(t, d, "/v1/views/rectifications?format=csv&now=2026-03-18", office, "")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("Content-Type %q, BOM %v", ct, bytes.HasPrefix(body, []byte("\ufeff")))
	}
	wantRectTable(t, "CSV", readCSV(t, body), u2item, u6item)

	_, body = download(t, d, "/v1/views/rectifications?format=csv&now=2026-03-18&headers=keys", office, "")
	table := readCSV(t, body)
	if strings.Join(table[0], ",") != strings.Join(rectKeyHeaders, ",") {
		t.Errorf("headers=keys: headers\n%q\nwant\n%q", table[0], rectKeyHeaders)
	}
	keyed := byHeader(t, table)
	wantCells(t, "headers=keys", keyed[u2item], map[string]string{"unit": "u2", "state": "in_progress", "colour": "yellow",
		"ordered_at": "2026-03-02T02:00:00Z", "cancelled": "false", "days_left": "2"})

	// A member's pledge: the member's and the unit's names, the maker,
	// category and state in Chinese.
	_, body = download(t, d, "/v1/views/pledges?format=csv", office, "")
	table = readCSV(t, body)
	wantHeaders := "编号,单位代码,单位名称,党员代码,党员姓名,承诺主体,承诺主体代码,片区代码,片区名称,单位类型,单位类型代码,季度,承诺类别,承诺类别代码," +
		"承诺事项,状态,状态代码,提交时间,备案时间,公开时间,兑现时间,未兑现时间,践诺进度（%）,践诺情况报告数,评诺得分,评诺等次,评诺等次代码"
	if got := strings.Join(table[0], ","); got != wantHeaders || len(table) != 2 {
		t.Fatalf("pledges: headers %s and %d rows, want %s and 1 row", got, len(table)-1, wantHeaders)
	}
	for _, p := range byHeader(t, table) {
		wantCells(t, "pledge", p, map[string]string{"单位名称": "单位u2", "党员姓名": "王芳", "承诺主体": "党员", "承诺类别": "本职工作",
			"状态": "已提交", "片区名称": "片区a1", "提交时间": "2026-03-02 14:00:00", "备案时间": "", "评诺等次": ""})
	}
}

// TestXLSXExport: the same list as an .xlsx, read back with excelize: one
// sheet named 整改台账 with the hand-written headers in bold, frozen
// above the rows; the same labels and names; times and dates as real
// dates (serial numbers) in Shanghai, days left as numbers. An Accept
// header asks for it too.
func TestXLSXExport(t *testing.T) {
	d, u2item, u6item := exportDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	for _, ask := range []struct{ query, accept string }{
		{"format=xlsx&now=2026-03-18", ""},
		{"now=2026-03-18", xlsxMedia},
	} {
		resp, body := download(t, d, "/v1/views/rectifications?"+ask.query, office, ask.accept)
		if ct := resp.Header.Get("Content-Type"); ct != xlsxMedia {
			t.Fatalf("%s, Accept %q: Content-Type %q", ask.query, ask.accept, ct)
		}
		if _, params := dispositionOf(t, resp.Header); params["filename"] != "rectifications.xlsx" {
			t.Errorf("filename %q", params["filename"])
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		const sheet = "整改台账"
		if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
			t.Fatalf("sheets %v, want [%s]", got, sheet)
		}
		table, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		wantRectTable(t, "xlsx", table, u2item, u6item)

		// The header is bold and frozen.
		style, err := f.GetCellStyle(sheet, "A1")
		if err != nil {
			t.Fatal(err)
		}
		if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
			t.Errorf("header style %+v, %v: want bold", s, err)
		}
		if panes, err := f.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes %+v, %v: want the first row frozen", panes, err)
		}
		// Widths by hand: 整改要求 holds long text (40), 责令整改时间 a time (20).
		for col, want := range map[string]float64{"N": 40, "Q": 20} {
			if w, err := f.GetColWidth(sheet, col); err != nil || w != want {
				t.Errorf("width of %s (%s) = %v, %v; want %v", col, table[0][int(col[0]-'A')], w, err, want)
			}
		}
		// Times and dates are numbers a spreadsheet reads as dates: 10:00
		// of 2 March 2026 in Shanghai, and 20 March.
		rowOf := map[string]int{}
		for i, r := range table[1:] {
			rowOf[r[0]] = i + 2
		}
		raw := func(col string) string {
			t.Helper()
			cell := col + strconv.Itoa(rowOf[u2item])
			v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		for col, want := range map[string]time.Time{
			"Q": time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), // 责令整改时间
			"S": time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), // 现行时限
		} {
			serial := raw(col)
			var x float64
			if _, err := fmt.Sscan(serial, &x); err != nil {
				t.Fatalf("%s is %q, not a number", col, serial)
			}
			if got, err := excelize.ExcelDateToTime(x, false); err != nil || !got.Round(time.Second).Equal(want) {
				t.Errorf("%s = %s (%v), want %v", col, serial, got, want)
			}
		}
		if v := raw("AJ"); v != "2" { // 剩余天数
			t.Errorf("days left is %q, want the number 2", v)
		}
		if typ, err := f.GetCellType(sheet, "AJ"+strconv.Itoa(rowOf[u2item])); err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("days left cell type %v, %v: want a number", typ, err)
		}
	}
}

// TestExportsAreExpensive: an xlsx export counts against the expensive
// reads as a CSV one does, asked by parameter or by Accept; a JSON read
// does not.
func TestExportsAreExpensive(t *testing.T) {
	s := fullServer(t)
	s.Limits = api.Limits{Expensive: rate.Every(time.Hour), ExpensiveBurst: 3}
	h := s.Handler()
	a := token(t, "office-a", api.RoleOffice)
	// A misspelt parameter makes each request a 400 before any read: the
	// limiter has counted it by then.
	get := func(query, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/v1/views/pledges?"+query, nil)
		req.RemoteAddr = "192.0.2.1:40000"
		req.Header.Set("Authorization", "Bearer "+a)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i, ask := range []struct{ query, accept string }{
		{"format=xlsx&x=1", ""}, {"x=1", xlsxMedia}, {"format=csv&x=1", ""},
	} {
		if rec := get(ask.query, ask.accept); rec.Code != 400 {
			t.Fatalf("export %d: %d, want 400; %s", i+1, rec.Code, rec.Body)
		}
	}
	retryAfter(t, get("format=xlsx&x=1", ""))
	retryAfter(t, get("x=1", xlsxMedia))
	if rec := get("x=1", ""); rec.Code != 400 {
		t.Errorf("a JSON read by the limited subject: %d, want 400 (not limited)", rec.Code)
	}
}

// TestEveryListExports: every list that exports does so both ways, and
// its workbook's header row is the CSV's.
func TestEveryListExports(t *testing.T) {
	d, _, _ := exportDistrict(t)
	office := tokenWith(t, api.RoleOffice)
	for _, rt := range api.ReadRoutes() {
		if !rt.CSV {
			continue
		}
		query := "limit=1" // an export is the whole list whatever the page size
		if strings.HasSuffix(rt.Pattern, "/trends") {
			query = "grain=quarter"
		}
		path := strings.Replace(rt.Pattern, "{group}", "g1", 1) + "?" + query
		_, body := download(t, d, path+"&format=csv", office, "")
		table, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
		if err != nil || len(table) == 0 {
			t.Fatalf("%s: CSV %v, %d lines", path, err, len(table))
		}
		_, body = download(t, d, path+"&format=xlsx", office, "")
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows, err := f.GetRows(f.GetSheetList()[0])
		f.Close()
		if err != nil || len(rows) != len(table) || strings.Join(rows[0], ",") != strings.Join(table[0], ",") {
			t.Errorf("%s: xlsx %d rows headed %q, CSV %d headed %q (%v)", path, len(rows), rows[0], len(table), table[0], err)
		}
	}
}
