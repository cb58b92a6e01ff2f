package api

import (
	"encoding"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// csvWriter streams an export as CSV: UTF-8 with a byte-order mark, so
// Excel shows Chinese, a header and then the records (export.go makes
// them).
type csvWriter struct {
	w   http.ResponseWriter
	out *csv.Writer
	err error
}

func newCSVWriter(w http.ResponseWriter, name string, header []string) *csvWriter {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(name+".csv"))
	w.WriteHeader(http.StatusOK)
	c := &csvWriter{w: w, out: csv.NewWriter(w)}
	_, c.err = w.Write([]byte("\ufeff"))
	c.write(header)
	return c
}

func (c *csvWriter) write(rec []string) {
	if c.err == nil {
		c.err = c.out.Write(rec)
	}
}

// fail ends an export that broke after its header was sent: a last line
// says so, since the status can no longer.
func (c *csvWriter) fail(err error) {
	c.write([]string{"# export incomplete: " + err.Error()})
}

func (c *csvWriter) flush() {
	c.out.Flush()
}

// attachment is the Content-Disposition of a download named name. The
// name comes from the request's path (a group, a stream, a unit), so it
// is quoted and escaped by mime.FormatMediaType (RFC 6266, with
// an RFC 5987 filename* for what is not ASCII), never pasted between quotes
// where a '"' would end the parameter and start another.
func attachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment" // not reached: the type and parameter name are valid
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// csvCell formats one value as the JSON answer would, without quotes:
// times in RFC 3339 (empty when zero), dates as YYYY-MM-DD, maps and
// slices as JSON.
func csvCell(v reflect.Value) string {
	if t, ok := v.Interface().(time.Time); ok {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	if v.Type().Implements(textMarshaler) {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return ""
		}
		return string(b)
	}
	switch v.Kind() {
	case reflect.String:
		return defuse(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return ""
		}
		return string(b)
	}
	return fmt.Sprint(v.Interface())
}

// defuse keeps recorded text from running as a spreadsheet formula
// (CSV injection): text that a spreadsheet would read as one gets a
// leading apostrophe, which Excel and LibreOffice show as plain text.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
