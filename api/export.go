package api

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/projections"
)

// Exports of a list (台账): the whole list from the cursor on, as CSV or
// as an .xlsx workbook, written page by page as it is read.
//
// Headers are Chinese by default (headers=zh): each code column gets a
// label column before it (状态, then 状态代码), each id of a unit, area,
// member or group a name column after it (单位代码, then 单位名称), times
// are written in the deployment's zone and yes/no as 是/否. headers=keys
// keeps the machine layout: the JSON keys as headers, one column per
// key; a CSV is then exactly what the export was before Chinese headers
// (times in RFC 3339 UTC, true/false), for scripts that read it.
//
// An .xlsx has one sheet named after the list, a bold header row frozen
// above the rows, column widths fitted to their contents' kind, and times
// and dates as real spreadsheet dates in the deployment's zone. It is
// written with excelize's StreamWriter, which keeps at most 16 MiB of
// rows in memory and the rest in a temporary file, and is sent once it is
// complete, so a failure while reading the list is still a problem answer.

// exportFormat is how a list is answered.
type exportFormat struct {
	kind string // "json", "csv" or "xlsx"
	keys bool   // headers=keys: the JSON keys as headers, no label or name columns
}

// xlsxType is the media type of an .xlsx workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// maxSheetRows is the most rows a sheet holds, the header included.
const maxSheetRows = 1_048_576

// cellKind is how a column's values are written.
type cellKind uint8

const (
	cellText cellKind = iota
	cellInt
	cellFloat
	cellBool
	cellTime // an instant: in the deployment's zone
	cellDate // a calendar date
	cellList // a slice or map: joined text (JSON with headers=keys)
)

// column is one exported column: a field of the row, its label or the
// name of the id it holds.
type column struct {
	key, header string
	field       int
	kind        cellKind
	labels      vocab  // the field's code shown as its label (for a map: its keys)
	label       bool   // the column shows the label of the field's code
	names       string // the column shows the name of the field's id, from this table
	width       float64
}

var (
	timeOf = reflect.TypeFor[time.Time]()
	dateOf = reflect.TypeFor[domain.Date]()
)

func kindOf(t reflect.Type) cellKind {
	switch {
	case t == timeOf:
		return cellTime
	case t == dateOf:
		return cellDate
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cellInt
	case reflect.Float32, reflect.Float64:
		return cellFloat
	case reflect.Bool:
		return cellBool
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		return cellList
	}
	return cellText
}

type columnsKey struct {
	t    reflect.Type
	keys bool
}

var columnCache sync.Map // columnsKey → []column

// exportColumns returns the columns of rows of type t: one per JSON field
// with headers=keys, else with Chinese headers and the label and name
// columns of t's exportSpec.
func exportColumns(t reflect.Type, keys bool) []column {
	if c, ok := columnCache.Load(columnsKey{t, keys}); ok {
		return c.([]column)
	}
	spec := exportSpecs[t]
	var cols []column
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" || !f.IsExported() {
			continue
		}
		c := column{key: key, header: key, field: i, kind: kindOf(f.Type)}
		if keys {
			cols = append(cols, c)
			continue
		}
		c.header = spec.headers[key]
		if c.header == "" {
			c.header = zhHeaders[key]
		}
		if c.header == "" {
			c.header = key // not reached: a test holds every list to a Chinese header for every key
		}
		labels := spec.labels[key]
		switch {
		case labels != nil && c.kind == cellText:
			l := c
			l.label, l.labels = true, labels
			cols = append(cols, l)
			c.header += "代码"
		case labels != nil:
			c.labels = labels
		}
		cols = append(cols, c)
		if n, ok := spec.names[key]; ok {
			cols = append(cols, column{key: key, header: n.header, field: i, kind: cellText, names: n.table})
		}
	}
	for i := range cols {
		cols[i].width = columnWidth(cols[i])
	}
	columnCache.Store(columnsKey{t, keys}, cols)
	return cols
}

// columnWidth fits a column to its contents' kind and its header, in
// Excel's units (about one Latin character; a Chinese one takes two).
func columnWidth(c column) float64 {
	w := map[cellKind]float64{cellText: 14, cellInt: 10, cellFloat: 10, cellBool: 8, cellTime: 20, cellDate: 12, cellList: 28}[c.kind]
	switch {
	case c.key == "requirement" || c.key == "title":
		w = 40
	case c.names != "" || c.label || c.key == "name" || strings.HasSuffix(c.key, "_name"):
		w = 20
	}
	head := 2.0
	for _, r := range c.header {
		if utf8.RuneLen(r) > 1 {
			head += 2
		} else {
			head++
		}
	}
	return min(max(w, head), 60)
}

// nameBook holds the names of the ids an export has met, read from the
// directory tables a page at a time; an id the tables do not hold has an
// empty name, and is asked for once.
type nameBook struct {
	conn  projections.Querier
	db    string
	names map[string]map[string]string // table → id → name
}

func (b *nameBook) resolve(ctx context.Context, table string, ids []string) error {
	known := b.names[table]
	if known == nil {
		known = map[string]string{}
		b.names[table] = known
	}
	missing := map[string]bool{}
	for _, id := range ids {
		if _, ok := known[id]; !ok && id != "" {
			missing[id] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	ask := slices.Sorted(maps.Keys(missing))
	got, err := projections.Names(ctx, b.conn, b.db, table, ask)
	if err != nil {
		return err
	}
	for _, id := range ask {
		known[id] = got[id]
	}
	return nil
}

// exporter writes rows of T as cells.
type exporter[T any] struct {
	format exportFormat
	cols   []column
	loc    *time.Location
	book   *nameBook
}

func newExporter[T any](rd *Reads, f exportFormat) *exporter[T] {
	return &exporter[T]{format: f, cols: exportColumns(reflect.TypeFor[T](), f.keys), loc: rd.loc(),
		book: &nameBook{conn: rd.Conn, db: rd.DB, names: map[string]map[string]string{}}}
}

// resolve reads the names a page of rows needs.
func (e *exporter[T]) resolve(ctx context.Context, rows []T) error {
	for _, c := range e.cols {
		if c.names == "" {
			continue
		}
		ids := make([]string, 0, len(rows))
		for i := range rows {
			ids = append(ids, reflect.ValueOf(&rows[i]).Elem().Field(c.field).String())
		}
		if err := e.book.resolve(ctx, c.names, ids); err != nil {
			return fmt.Errorf("names of %s: %w", c.names, err)
		}
	}
	return nil
}

func (e *exporter[T]) headers() []string {
	out := make([]string, len(e.cols))
	for i, c := range e.cols {
		out[i] = c.header
	}
	return out
}

// value is what column c shows of row.
func (e *exporter[T]) value(c column, row reflect.Value) reflect.Value {
	v := row.Field(c.field)
	switch {
	case c.names != "":
		return reflect.ValueOf(e.book.names[c.names][v.String()])
	case c.label:
		return reflect.ValueOf(c.labels.label(v.String()))
	}
	return v
}

// csvRecord is row as CSV fields.
func (e *exporter[T]) csvRecord(row *T, rec []string) []string {
	rec = rec[:0]
	rv := reflect.ValueOf(row).Elem()
	for _, c := range e.cols {
		v := e.value(c, rv)
		if e.format.keys {
			rec = append(rec, csvCell(v))
			continue
		}
		switch c.kind {
		case cellTime:
			t := v.Interface().(time.Time)
			if t.IsZero() {
				rec = append(rec, "")
			} else {
				rec = append(rec, t.In(e.loc).Format(time.DateTime))
			}
		case cellBool:
			rec = append(rec, yesNo(v.Bool()))
		case cellList:
			rec = append(rec, defuse(joined(v, c.labels)))
		default:
			rec = append(rec, csvCell(v))
		}
	}
	return rec
}

// xlsxRow is row as spreadsheet cells: numbers as numbers, times and
// dates as dates.
func (e *exporter[T]) xlsxRow(row *T, st xlsxStyles, out []any) []any {
	out = out[:0]
	rv := reflect.ValueOf(row).Elem()
	for _, c := range e.cols {
		v := e.value(c, rv)
		switch c.kind {
		case cellTime:
			t := v.Interface().(time.Time)
			if t.IsZero() {
				out = append(out, nil)
			} else {
				out = append(out, excelize.Cell{StyleID: st.dateTime, Value: t.In(e.loc)})
			}
		case cellDate:
			d := v.Interface().(domain.Date)
			if d.IsZero() {
				out = append(out, nil)
			} else {
				out = append(out, excelize.Cell{StyleID: st.date, Value: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)})
			}
		case cellBool:
			if e.format.keys {
				out = append(out, v.Bool())
			} else {
				out = append(out, yesNo(v.Bool()))
			}
		case cellList:
			if e.format.keys {
				out = append(out, csvCell(v))
			} else {
				out = append(out, joined(v, c.labels))
			}
		case cellInt:
			if v.CanInt() {
				out = append(out, v.Int())
			} else {
				out = append(out, v.Uint())
			}
		case cellFloat:
			out = append(out, v.Float())
		default:
			out = append(out, v.String())
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// joined writes a list as text: a slice's items, or a map's entries by
// key with their labels ("践诺中 2"), separated by 、.
func joined(v reflect.Value, labels vocab) string {
	var parts []string
	switch v.Kind() {
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			parts = append(parts, labels.label(k.String())+" "+fmt.Sprint(v.MapIndex(k).Interface()))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			parts = append(parts, fmt.Sprint(v.Index(i).Interface()))
		}
	default:
		b, _ := json.Marshal(v.Interface())
		return string(b)
	}
	return strings.Join(parts, "、")
}

// xlsxStyles are the styles a sheet uses.
type xlsxStyles struct{ header, dateTime, date int }

// serveExport answers the whole list from after on as CSV or .xlsx (see
// the top of this file); page reads it.
func serveExport[T any](rd *Reads, w http.ResponseWriter, r *http.Request, f exportFormat, name, after string, page pager[T]) {
	longRoute(w)
	ctx := r.Context()
	ex := newExporter[T](rd, f)
	// The first page and its names are read before anything is written,
	// so a bad cursor or an unreachable ClickHouse is still a problem
	// answer.
	rows, next, err := page(ctx, after, 1000)
	if err == nil {
		err = ex.resolve(ctx, rows)
	}
	if err = viewsErr(err); err != nil {
		WriteProblem(w, r, err)
		return
	}
	more := func() error {
		if rows, next, err = page(ctx, next, 1000); err != nil {
			return err
		}
		return ex.resolve(ctx, rows)
	}
	if f.kind == "xlsx" {
		ex.serveXLSX(w, r, name, func() ([]T, bool) { return rows, next != "" }, more)
		return
	}
	cw := newCSVWriter(w, name, ex.headers())
	var rec []string
	for {
		for i := range rows {
			rec = ex.csvRecord(&rows[i], rec)
			cw.write(rec)
		}
		if next == "" || cw.err != nil {
			break
		}
		if err := more(); err != nil {
			// The status is sent: all that is left is to cut the
			// export short, which the missing last line shows.
			cw.fail(err)
			break
		}
	}
	cw.flush()
}

// serveXLSX writes the pages into one sheet and sends the workbook once
// it is complete. current returns the page in hand and whether another
// follows; more reads it.
func (e *exporter[T]) serveXLSX(w http.ResponseWriter, r *http.Request, name string, current func() ([]T, bool), more func() error) {
	spec := exportSpecs[reflect.TypeFor[T]()]
	sheet := spec.sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, st, err := e.startSheet(f, sheet)
	if err != nil {
		WriteProblem(w, r, fmt.Errorf("xlsx export: %w", err))
		return
	}
	n := 1
	var cells []any
	for {
		rows, again := current()
		if n+len(rows) > maxSheetRows {
			WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf(
				"the list has more rows than a sheet holds (%d); export it as CSV, or narrow it", maxSheetRows-1), "format"))
			return
		}
		for i := range rows {
			n++
			cells = e.xlsxRow(&rows[i], st, cells)
			if err := sw.SetRow("A"+strconv.Itoa(n), cells); err != nil {
				WriteProblem(w, r, fmt.Errorf("xlsx export: row %d: %w", n, err))
				return
			}
		}
		if !again {
			break
		}
		if err := viewsErr(more()); err != nil {
			WriteProblem(w, r, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		WriteProblem(w, r, fmt.Errorf("xlsx export: %w", err))
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", attachment(name+".xlsx"))
	w.WriteHeader(http.StatusOK)
	// Past the status, a failure to write can only cut the answer short,
	// which the client sees as a workbook that does not open.
	_ = f.Write(w)
}

// startSheet names the workbook's one sheet, fixes its column widths and
// frozen header row, and writes the header in bold.
func (e *exporter[T]) startSheet(f *excelize.File, sheet string) (*excelize.StreamWriter, xlsxStyles, error) {
	var st xlsxStyles
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, st, err
	}
	var err error
	if st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Vertical: "center"}}); err != nil {
		return nil, st, err
	}
	dateTime, date := "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"
	if st.dateTime, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateTime}); err != nil {
		return nil, st, err
	}
	if st.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &date}); err != nil {
		return nil, st, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, st, err
	}
	for i, c := range e.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, st, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return nil, st, err
	}
	header := make([]any, len(e.cols))
	for i, c := range e.cols {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.header}
	}
	return sw, st, sw.SetRow("A1", header)
}
