package api

import (
	"fmt"
	"net/http"
	"net/url"
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

// known rejects parameters the route does not take, so a misspelt filter
// ("color") is an error rather than a silently wider answer.
func (q *query) known(params []ReadParam) {
	for name := range q.values {
		found := false
		for _, p := range params {
			found = found || p.Name == name
		}
		if !found {
			q.bad(name, "this route takes no such parameter")
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
	return q.moment(name, loc, 12*time.Hour)
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

// format is csv when asked for by parameter or by an Accept header that
// names text/csv, else json.
func (q *query) format(r *http.Request) string {
	if f := q.oneOf("format", "json", "csv"); f != "" {
		return f
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		return "csv"
	}
	return "json"
}
