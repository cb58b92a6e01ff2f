package api

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
)

// query reads a read route's query parameters. The first bad one is kept
// as a 400 problem naming it; later reads return zero values.
type query struct {
	values url.Values
	err    error
}

func (q *query) fail(err error) {
	if q.err == nil && err != nil {
		q.err = err
	}
}

func (q *query) bad(name, format string, args ...any) {
	q.fail(NewProblem(http.StatusBadRequest, name+": "+fmt.Sprintf(format, args...), name))
}

// newQuery reads r's query string strictly for a route that takes
// params: a pair that does not parse, a parameter the route does not
// take and a single-valued one given twice are each a 400 naming it. Go's
// r.URL.Query() would drop a pair it cannot parse ("colour=red;") without
// a word, and so answer a wider question than the one asked.
func newQuery(r *http.Request, params []ReadParam) *query {
	values, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{values: values}
	if err != nil {
		q.fail(malformedPair(r.URL.RawQuery))
	}
	q.known(params)
	return q
}

// malformedPair finds the pair of a raw query that url.ParseQuery
// refuses, and names its parameter.
func malformedPair(raw string) error {
	for pair := range strings.SplitSeq(raw, "&") {
		key, value, _ := strings.Cut(pair, "=")
		name := key
		if k, err := url.QueryUnescape(key); err == nil {
			name = k
		}
		if name == "" {
			name = pair
		}
		name = shortName(name)
		switch _, kerr := url.QueryUnescape(key); {
		case strings.Contains(pair, ";"):
			return NewProblem(http.StatusBadRequest, name+": the query holds a ';': separate parameters with '&', and write a ';' in a value as %3B", name)
		case kerr != nil:
			return NewProblem(http.StatusBadRequest, name+": the parameter's name holds a '%' not followed by two hex digits (write a '%' as %25)", name)
		}
		if _, err := url.QueryUnescape(value); err != nil {
			return NewProblem(http.StatusBadRequest, name+": the value holds a '%' not followed by two hex digits (write a '%' as %25)", name)
		}
	}
	return NewProblem(http.StatusBadRequest, "the query string does not parse", "query")
}

// shortName cuts a parameter name a client made up to a length fit to
// quote back.
func shortName(name string) string {
	if len(name) <= 64 {
		return name
	}
	return strings.ToValidUTF8(name[:64], "") + "..."
}

// known rejects parameters the route does not take, so a misspelt filter
// ("color") is an error rather than a silently wider answer, and a
// single-valued one given more than once ("area=a&area=b"), of which one
// would be silently ignored.
func (q *query) known(params []ReadParam) {
	for _, name := range slices.Sorted(maps.Keys(q.values)) {
		i := slices.IndexFunc(params, func(p ReadParam) bool { return p.Name == name })
		switch {
		case i < 0:
			label := shortName(name)
			if label == "" {
				label = "=" // a pair with no name at all
			}
			q.bad(label, "this route takes no such parameter")
		case !params[i].Repeat && len(q.values[name]) > 1:
			q.bad(name, "given %d times: give it once", len(q.values[name]))
		}
	}
}

func (q *query) str(name string) string {
	v := strings.TrimSpace(q.values.Get(name))
	if len(v) > 200 {
		q.bad(name, "longer than 200 characters")
		return ""
	}
	return v
}

// list reads a parameter that may repeat or hold a comma-separated list.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.values[name] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) > 100 {
		q.bad(name, "more than 100 values")
		return nil
	}
	return out
}

// enumList reads a list whose every value parse accepts.
func enumList[T any](q *query, name string, parse func(string) (T, error)) []string {
	vs := q.list(name)
	for _, v := range vs {
		if _, err := parse(v); err != nil {
			q.bad(name, "%v", err)
			return nil
		}
	}
	return vs
}

func (q *query) int(name string, def, lo, hi int) int {
	s := q.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.bad(name, "want a whole number from %d to %d", lo, hi)
		return def
	}
	return n
}

func (q *query) uint(name string) uint64 {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		q.bad(name, "want a position, a whole number")
	}
	return n
}

func (q *query) bool(name string) bool {
	s := q.str(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.bad(name, "want true or false")
	}
	return b
}

func (q *query) duration(name string, def time.Duration) time.Duration {
	s := q.str(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		q.bad(name, "want a duration such as 2s or 500ms")
		return def
	}
	return d
}

func (q *query) date(name string) domain.Date {
	s := q.str(name)
	if s == "" {
		return domain.Date{}
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		q.bad(name, "want a date YYYY-MM-DD")
	}
	return d
}

func (q *query) quarter(name string) domain.Quarter {
	s := q.str(name)
	if s == "" {
		return domain.Quarter{}
	}
	qu, err := domain.ParseQuarter(s)
	if err != nil {
		q.bad(name, "want a quarter such as 2026Q1")
	}
	return qu
}

// now reads the moment a view is computed for: an RFC 3339 time, or a
// date meaning noon of that day in loc. Absent, it is the zero time,
// which the query layer takes as the present.
func (q *query) now(name string, loc *time.Location) time.Time {
	t := q.moment(name, loc, 12*time.Hour)
	if !t.IsZero() {
		// Beyond the supported range every deadline would be far past or
		// far ahead, and the colours would say nothing true.
		// Judged as the date it is where the deployment keeps its
		// deadlines, as the views judge it.
		q.fail(domain.CheckDate(name, domain.DateIn(t, loc)))
	}
	return t
}

// instant reads a period's bound: an RFC 3339 time, or a date meaning its
// start (00:00) in loc.
func (q *query) instant(name string, loc *time.Location) time.Time { return q.moment(name, loc, 0) }

// moment reads an RFC 3339 time, or a date taken at sinceMidnight in loc.
func (q *query) moment(name string, loc *time.Location, sinceMidnight time.Duration) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		q.bad(name, "want an RFC 3339 time such as 2026-03-31T16:00:00Z or a date YYYY-MM-DD")
		return time.Time{}
	}
	return d.Start(loc).Add(sinceMidnight)
}

// rfc3339 reads an RFC 3339 time; absent, the zero time.
func (q *query) rfc3339(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.bad(name, "want an RFC 3339 time such as 2026-03-31T16:00:00Z")
	}
	return t
}

func (q *query) oneOf(name string, options ...string) string {
	s := q.str(name)
	if s == "" {
		return ""
	}
	for _, o := range options {
		if s == o {
			return s
		}
	}
	q.bad(name, "want one of %s", strings.Join(options, ", "))
	return ""
}

// format is how a list is answered: csv or xlsx when asked for by
// parameter, or by an Accept header that names text/csv or the .xlsx
// media type, else json; with Chinese headers unless headers=keys.
func (q *query) format(r *http.Request) exportFormat {
	f := exportFormat{kind: q.oneOf("format", "json", "csv", "xlsx")}
	if f.kind == "" {
		switch accept := r.Header.Get("Accept"); {
		case strings.Contains(accept, xlsxType):
			f.kind = "xlsx"
		case strings.Contains(accept, "text/csv"):
			f.kind = "csv"
		default:
			f.kind = "json"
		}
	}
	f.keys = q.oneOf("headers", "zh", "keys") == "keys"
	return f
}
