package api_test

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
)

// shade is an enumeration with Chinese labels, which no command has yet.
type shade uint8

var shades = domain.NewEnum[shade]("shade", "shade", "light", "dark").WithLabels("浅", "深")

func (s shade) MarshalText() ([]byte, error)  { return shades.Marshal(s) }
func (s *shade) UnmarshalText(b []byte) error { return shades.Unmarshal(b, s) }

// order is a body with every kind of field the commands have: text,
// numbers, flags, parsed text, a nested object, lists of text and of
// objects, and an embedded struct whose fields are the body's own.
type order struct {
	Title      string            `json:"title"`
	Source     source            `json:"source"`
	Measures   []string          `json:"measures"`
	Evidence   []domain.Evidence `json:"evidence"`
	Stars      uint8             `json:"stars"`
	Score      float64           `json:"score"`
	Urgent     bool              `json:"urgent"`
	OccurredAt time.Time         `json:"occurred_at"`
	Deadline   domain.Date       `json:"deadline"`
	Quarter    domain.Quarter    `json:"quarter"`
	Month      domain.Month      `json:"month"`
	Period     evaluation.Period `json:"period"`
	Kind       org.Kind          `json:"kind"`
	Maker      pledge.Maker      `json:"maker"`
	Shade      shade             `json:"shade"`
	Note       *source           `json:"note"`
	extra
}

type source struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

type extra struct {
	Remark string `json:"remark"`
}

// decodeOrder runs DecodeJSON on a raw body: 204 and the decoded order, or
// the problem.
func decodeOrder(t *testing.T, contentType string, body []byte) (int, order, api.Problem) {
	t.Helper()
	var got order
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := api.DecodeJSON(w, r, &got); err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var p api.Problem
	if rec.Code != http.StatusNoContent {
		p = problemOf(t, rec)
	}
	return rec.Code, got, p
}

// goInternals matches what a clerk should never read in a problem: Go
// type names and the wording of Go's parsers.
var goInternals = regexp.MustCompile(`json:|parsing time|cannot (unmarshal|parse)|reflect|Go |\b(u?int(8|16|32|64)?|float(32|64)|struct|interface|map\[)\b|time\.Time|domain\.|org\.|pledge\.|evaluation\.|rectification\.|inspection\.|review\.`)

func TestDecodeJSONNamesTheField(t *testing.T) {
	const ct = "application/json"
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		field       string
		detail      string // the whole detail; "" to check only that there is one
	}{
		// Row 6: text must reach the ledger as sent, never as U+FFFD.
		{"invalid UTF-8 in a list of text", ct, "{\"measures\":[\"一\",\"二\",\"三\xff\"]}", 400, "measures[2]", ""},
		{"invalid UTF-8 in an object of a list", ct, "{\"evidence\":[{\"name\":\"a\xc3\"}]}", 400, "evidence[0].name", ""},
		{"invalid UTF-8 in a later object of a list", ct, "{\"evidence\":[{\"name\":\"a.jpg\"},{\"name\":\"b.jpg\",\"media_type\":\"\xe6\x95\"}]}", 400, "evidence[1].media_type", ""},
		{"invalid UTF-8 in a nested object", ct, "{\"source\":{\"kind\":\"inspection\",\"ref\":\"r\x80\"}}", 400, "source.ref", ""},
		{"invalid UTF-8 at the top", ct, "{\"title\":\"\xff整改\"}", 400, "title", "title: must be valid UTF-8 text: byte 10 of the body is not part of a character"},
		{"invalid UTF-8 in an embedded struct's field", ct, "{\"remark\":\"\xfe\"}", 400, "remark", ""},
		{"invalid UTF-8 in parsed text", ct, "{\"quarter\":\"2026Q1\xff\"}", 400, "quarter", ""},
		{"invalid UTF-8 in a key", ct, "{\"source\":{\"r\xffef\":\"x\"}}", 400, "source.r\uFFFDef", ""},
		{"a lone surrogate escape", ct, `{"title":"a\ud800b"}`, 400, "title", `title: must be valid text: \ud800 at byte 11 of the body is half of a character (a lone UTF-16 surrogate)`},
		{"a lone low surrogate escape", ct, `{"measures":["\udc00"]}`, 400, "measures[0]", ""},
		{"a high surrogate before a non-surrogate", ct, `{"title":"\ud83d\u0041"}`, 400, "title", ""},
		{"a surrogate pair is one character", ct, `{"title":"\ud83d\ude00 好"}`, 204, "", ""},
		{"an escaped backslash before u is no escape", ct, `{"title":"C:\\ud800"}`, 204, "", ""},
		{"U+FFFD itself is valid text", ct, "{\"title\":\"\uFFFD\"}", 204, "", ""},

		// Row 22: formats and enumerations say what they accept.
		{"occurred_at not a time", ct, `{"occurred_at":"x"}`, 400, "occurred_at", "occurred_at: must be a date and time such as 2026-03-31T16:00:00+08:00 (RFC 3339)"},
		{"occurred_at a date only", ct, `{"occurred_at":"2026-03-31"}`, 400, "occurred_at", "occurred_at: must be a date and time such as 2026-03-31T16:00:00+08:00 (RFC 3339)"},
		{"occurred_at the zero time", ct, `{"occurred_at":"0001-01-01T00:00:00Z"}`, 422, "occurred_at", "occurred_at: must be a time from 2000-01-01 to 2099-12-31, got 0001-01-01T00:00:00Z"},
		{"occurred_at past the range", ct, `{"occurred_at":"9999-12-31T23:59:59+08:00"}`, 422, "occurred_at", "occurred_at: must be a time from 2000-01-01 to 2099-12-31, got 9999-12-31T15:59:59Z"},
		{"occurred_at a number", ct, `{"occurred_at":1}`, 400, "occurred_at", "occurred_at: must be a date and time such as 2026-03-31T16:00:00+08:00 (RFC 3339)"},
		{"deadline not a date", ct, `{"deadline":"31.03.2026"}`, 400, "deadline", "deadline: must be a date such as 2026-03-31"},
		{"deadline a number", ct, `{"deadline":20260331}`, 400, "deadline", "deadline: must be a date such as 2026-03-31"},
		{"quarter out of range", ct, `{"quarter":"2026Q5"}`, 400, "quarter", "quarter: must be a quarter such as 2026Q1"},
		{"month", ct, `{"month":"2026-13"}`, 400, "month", "month: must be a month such as 2026-03"},
		{"period", ct, `{"period":"last year"}`, 400, "period", "period: must be a year, a quarter or a month, such as 2026, 2026Q1 or 2026-03"},
		{"unit kind", ct, `{"kind":"shop"}`, 400, "kind", "kind: must be one of district, street, department, big_community, branch, village, enterprise, window_unit"},
		{"maker a number", ct, `{"maker":1}`, 400, "maker", "maker: must be one of unit, member"},
		{"maker an object", ct, `{"maker":{"unit":true}}`, 400, "maker", "maker: must be one of unit, member"},
		{"an enumeration with labels shows them", ct, `{"shade":"grey"}`, 400, "shade", "shade: must be one of light, dark (浅, 深)"},
		{"a number for text", ct, `{"title":7}`, 400, "title", "title: must be a string"},
		{"text for a number in a list", ct, `{"evidence":[{},{"size":"big"}]}`, 400, "evidence[1].size", "evidence[1].size: must be a whole number"},
		{"a fraction for a whole number", ct, `{"evidence":[{"size":1.5}]}`, 400, "evidence[0].size", "evidence[0].size: must be a whole number"},
		{"a number out of range", ct, `{"stars":300}`, 400, "stars", "stars: must be a whole number from 0 to 255"},
		{"a negative number for a count", ct, `{"stars":-1}`, 400, "stars", "stars: must be a whole number from 0 to 255"},
		{"text for a score", ct, `{"score":"high"}`, 400, "score", "score: must be a number"},
		{"a word for a flag", ct, `{"urgent":"yes"}`, 400, "urgent", "urgent: must be true or false"},
		{"an object for a list", ct, `{"measures":{"a":1}}`, 400, "measures", "measures: must be an array"},
		{"a list for an object", ct, `{"source":["inspection"]}`, 400, "source", "source: must be an object"},
		{"null for a required object", ct, `{"source":null}`, 400, "source", "source: must be an object, not null"},
		{"null in a list of objects", ct, `{"evidence":[{},null]}`, 400, "evidence[1]", "evidence[1]: must be an object, not null"},
		{"null for the body", ct, `null`, 400, "", "the body must be an object, not null"},
		{"a list for the body", ct, `[1,2,3]`, 400, "", "the body must be an object"},
		{"null for an optional object", ct, `{"note":null,"title":null,"measures":null,"deadline":null,"occurred_at":null}`, 204, "", ""},

		// Kept: unknown fields named by their path, and the rest.
		{"unknown field", ct, `{"title":"x","actor":"admin"}`, 400, "actor", "unknown field actor"},
		{"unknown nested field", ct, `{"source":{"kind":"inspection","foo":1}}`, 400, "source.foo", "unknown field source.foo"},
		{"unknown field in a list", ct, `{"evidence":[{},{"sha":"x"}]}`, 400, "evidence[1].sha", "unknown field evidence[1].sha"},
		{"a field named in another case", ct, `{"Title":"x"}`, 204, "", ""},
		{"two objects", ct, `{"title":"a"}{"title":"b"}`, 400, "", "the body must hold exactly one JSON object"},
		{"trailing text", ct, `{"title":"a"} x`, 400, "", "the body must hold exactly one JSON object"},
		{"empty body", ct, ``, 400, "", "the body is empty or cut short"},
		{"cut short", ct, `{"title":"a",`, 400, "", "the body is empty or cut short"},
		{"malformed", ct, `{"title" "a"}`, 400, "", ""},
		{"wrong content type", "text/plain", `{"title":"x"}`, 415, "Content-Type", ""},
		{"too large", ct, `{"title":"` + strings.Repeat("长", api.MaxBody/3+10) + `"}`, 413, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, p := decodeOrder(t, tt.contentType, []byte(tt.body))
			if status != tt.status {
				t.Fatalf("status: got %d, want %d; problem %+v", status, tt.status, p)
			}
			if status == http.StatusNoContent {
				return
			}
			if p.Status != tt.status || p.Field != tt.field {
				t.Errorf("got status %d field %q, want %d field %q (detail %q)", p.Status, p.Field, tt.status, tt.field, p.Detail)
			}
			if tt.detail != "" && p.Detail != tt.detail {
				t.Errorf("detail: got %q, want %q", p.Detail, tt.detail)
			}
			if p.Detail == "" || goInternals.MatchString(p.Detail) {
				t.Errorf("detail %q: want words a clerk understands", p.Detail)
			}
		})
	}
}

// TestDecodeJSONKeepsWhatItAccepts checks that a valid body decodes to
// what encoding/json makes of it: checking it first changes nothing.
func TestDecodeJSONKeepsWhatItAccepts(t *testing.T) {
	body := `{"title":"整改 \ud83d\ude00","source":{"kind":"inspection","ref":"in-1"},"measures":["专人负责","按期"],
		"evidence":[{"sha256":"` + strings.Repeat("ab", 32) + `","name":"a.jpg","size":2048,"media_type":"image/jpeg"}],
		"stars":5,"score":92.5,"urgent":true,"occurred_at":"2026-03-31T16:00:00+08:00","deadline":"2026-04-30",
		"quarter":"2026Q1","month":"2026-03","period":"2026","kind":"street","maker":"member","shade":"dark",
		"note":{"ref":"n"},"remark":"备注"}`
	status, got, p := decodeOrder(t, "application/json", []byte(body))
	if status != http.StatusNoContent {
		t.Fatalf("status %d, want 204; problem %+v", status, p)
	}
	var want order
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got.Title != "整改 😀" || got.Kind != org.KindStreet || got.Note == nil || got.Remark != "备注" {
		t.Errorf("got %+v, want the body's values", got)
	}
}

// site is one field of a command body, as its json tags specify it: its
// JSON path, its Go type, and how to build a body holding a given JSON
// value there and nothing else.
type site struct {
	path string
	typ  reflect.Type
	wrap func(value string) string
}

// bodySites walks type t by its json tags (the specification of the body)
// and lists every field, nested objects and list elements included. A
// list holds a harmless first element and the value under test second,
// so that its path shows the index.
func bodySites(t reflect.Type, path string, wrap func(string) string, depth int) []site {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []site
	if path != "" {
		out = append(out, site{path, t, wrap})
	}
	if depth > 6 || isTextType(t) {
		return out
	}
	switch t.Kind() {
	case reflect.Slice:
		first := filler(t.Elem())
		out = append(out, bodySites(t.Elem(), path+"[1]", func(v string) string { return wrap("[" + first + "," + v + "]") }, depth+1)...)
	case reflect.Struct:
		out = append(out, fieldSites(t, path, wrap, depth)...)
	}
	return out
}

// fieldSites lists the fields of struct t, whose object is at path; the
// fields of an untagged embedded struct are fields of t.
func fieldSites(t reflect.Type, path string, wrap func(string) string, depth int) []site {
	var out []site
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, fieldSites(f.Type, path, wrap, depth)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := name
		if path != "" {
			p = path + "." + name
		}
		key, _ := json.Marshal(name)
		out = append(out, bodySites(f.Type, p, func(v string) string { return wrap("{" + string(key) + ":" + v + "}") }, depth+1)...)
	}
	return out
}

// filler is a JSON value of type t that decodes without complaint.
func filler(t reflect.Type) string {
	if isTextType(t) {
		return "null"
	}
	switch t.Kind() {
	case reflect.String:
		return `""`
	case reflect.Bool:
		return "false"
	case reflect.Slice:
		return "[]"
	case reflect.Struct, reflect.Pointer:
		return "{}"
	}
	return "0"
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
)

func isTextType(t reflect.Type) bool { return reflect.PointerTo(t).Implements(textUnmarshaler) }

// formats is what each text type of the bodies must say it accepts (issue
// 10, row 22). Enumerations are not listed: they must list their names.
var formats = map[reflect.Type]string{
	reflect.TypeFor[time.Time]():         "must be a date and time such as 2026-03-31T16:00:00+08:00 (RFC 3339)",
	reflect.TypeFor[domain.Date]():       "must be a date such as 2026-03-31",
	reflect.TypeFor[domain.Quarter]():    "must be a quarter such as 2026Q1",
	reflect.TypeFor[domain.Month]():      "must be a month such as 2026-03",
	reflect.TypeFor[evaluation.Period](): "must be a year, a quarter or a month, such as 2026, 2026Q1 or 2026-03",
}

// enumNames lists an enumeration's names from the enumeration itself: the
// text of each value from 1 up, until one does not marshal.
func enumNames(t reflect.Type) ([]string, bool) {
	if t.Kind() != reflect.Uint8 || !t.Implements(textMarshaler) {
		return nil, false
	}
	var names []string
	for i := uint64(1); i < 256; i++ {
		v := reflect.New(t).Elem()
		v.SetUint(i)
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			break
		}
		names = append(names, string(b))
	}
	return names, len(names) > 0
}

// TestEveryCommandFieldIsNamed sends, to every command route, bodies with
// one bad value in one field, for every field of every body: each must be
// a 400 naming exactly that field, saying what it must be, and appending
// nothing.
func TestEveryCommandFieldIsNamed(t *testing.T) {
	d := newDistrict(t)
	type bad struct {
		value  string
		detail string // after "path: "; "" to check only that it says what the field must be
	}
	total := 0
	for _, rt := range d.cmds.List() {
		tok := token(t, "caller-1", rt.Roles[0], "u2")
		path := strings.ReplaceAll(rt.Pattern, "{id}", "missing")
		for _, s := range bodySites(rt.Handler.Body, "", func(v string) string { return v }, 0) {
			var cases []bad
			switch names, isEnum := enumNames(s.typ); {
			case isTextType(s.typ):
				want, ok := formats[s.typ]
				if isEnum {
					want, ok = "must be one of "+strings.Join(names, ", "), true
				}
				if !ok {
					t.Errorf("%s %s: no expected message for text type %v: add it to formats", rt.Pattern, s.path, s.typ)
					continue
				}
				cases = []bad{{`"not-valid"`, want}, {`7`, want}, {"\"2026Q1\xff\"", ""}}
			case s.typ.Kind() == reflect.String:
				cases = []bad{{"\"好\xff\"", ""}, {`"\udfff"`, ""}, {`7`, "must be a string"}}
			case s.typ.Kind() == reflect.Bool:
				cases = []bad{{`"yes"`, "must be true or false"}}
			case s.typ.Kind() >= reflect.Int && s.typ.Kind() <= reflect.Float64:
				cases = []bad{{`"seven"`, ""}, {`[1]`, ""}}
			case s.typ.Kind() == reflect.Slice:
				cases = []bad{{`{}`, "must be an array"}, {`"x"`, "must be an array"}}
			case s.typ.Kind() == reflect.Struct:
				cases = []bad{{`null`, "must be an object, not null"}, {`[]`, "must be an object"}, {`{"zz_unknown":1}`, ""}}
			default:
				t.Errorf("%s %s: no bad values for kind %v", rt.Pattern, s.path, s.typ.Kind())
			}
			for _, c := range cases {
				total++
				body := s.wrap(c.value)
				wantField := s.path
				if c.value == `{"zz_unknown":1}` {
					wantField = s.path + ".zz_unknown"
				}
				before := d.head()
				r := postRaw(t, d, path, tok, []byte(body))
				switch {
				case r.status != http.StatusBadRequest || r.problem.Field != wantField:
					t.Errorf("%s %s: got %d field %q (%q), want 400 field %q", rt.Pattern, body, r.status, r.problem.Field, r.problem.Detail, wantField)
				case c.detail != "" && r.problem.Detail != wantField+": "+c.detail:
					t.Errorf("%s %s: detail got %q, want %q", rt.Pattern, body, r.problem.Detail, wantField+": "+c.detail)
				case !strings.HasPrefix(r.problem.Detail, wantField+": must be ") && !strings.HasPrefix(r.problem.Detail, "unknown field "+wantField),
					goInternals.MatchString(r.problem.Detail), s.typ.PkgPath() != "" && strings.Contains(r.problem.Detail, s.typ.String()):
					t.Errorf("%s %s: detail %q: want the field and what it must be, in a clerk's words", rt.Pattern, body, r.problem.Detail)
				}
				if d.head() != before {
					t.Errorf("%s %s: refused but appended %d events", rt.Pattern, body, d.head()-before)
				}
			}
		}
	}
	t.Logf("%d cases", total)
	// Every route has at least occurred_at; the bodies have far more.
	if routes := len(d.cmds.List()); total < 3*routes {
		t.Errorf("%d cases for %d routes: the walk of the bodies found too few fields", total, routes)
	}
}

// postRaw sends body as it is, bytes that are not UTF-8 included.
func postRaw(t *testing.T, d *district, path, tok string, body []byte) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&r.problem); err != nil && r.status >= 400 {
		t.Fatalf("%s: status %d without a problem body: %v", path, r.status, err)
	}
	return r
}

// FuzzDecodeJSON compares DecodeJSON with encoding/json on arbitrary
// bodies: what encoding/json refuses, DecodeJSON refuses; what DecodeJSON
// accepts decodes to what encoding/json makes of it; and DecodeJSON
// refuses a body encoding/json accepts only for the faults encoding/json
// lets through (text it would change, null for an object).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"title":"整改","measures":["a","b"],"evidence":[{"name":"a.jpg","size":1}],"stars":5,"score":1.5,"urgent":true}`,
		`{"occurred_at":"2026-03-31T16:00:00+08:00","deadline":"2026-03-31","quarter":"2026Q1","month":"2026-03","period":"2026Q1","kind":"street","maker":"unit"}`,
		`{"source":{"kind":"a","ref":"b"},"note":null,"remark":"r","Title":"t"}`,
		"{\"title\":\"\xff\"}", `{"title":"\ud800"}`, `{"source":null}`, `null`, `[]`, `{"stars":256}`, `{"x":1}`, `{"evidence":[null]}`,
		`{"score":1e400}`, `{"measures":[1]}`, `{"quarter":7}`, `{} {}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		status, got, p := decodeOrder(t, "application/json", body)
		var want order
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		err := dec.Decode(&want)
		if err == nil {
			var rest json.RawMessage
			if dec.Decode(&rest) != io.EOF {
				err = errors.New("trailing data")
			}
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case err != nil && status == http.StatusNoContent:
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		case err != nil && p.Detail == "the body does not fit this command":
			t.Fatalf("%q: encoding/json refuses it (%v), but the check missed it", body, err)
		case status == http.StatusNoContent && !reflect.DeepEqual(got, want):
			t.Fatalf("%q: decoded %+v, encoding/json %+v", body, got, want)
		case err == nil && status != http.StatusNoContent && !strings.Contains(p.Detail, "valid UTF-8 text") &&
			!strings.Contains(p.Detail, "valid text") && !strings.Contains(p.Detail, "not null"):
			t.Fatalf("%q: refused with %+v, which encoding/json accepts", body, p)
		}
		// The field's own name is the sender's text, echoed; only our words count.
		if status != http.StatusNoContent && (p.Detail == "" || goInternals.MatchString(strings.ReplaceAll(p.Detail, p.Field, ""))) {
			t.Fatalf("%q: detail %q", body, p.Detail)
		}
	})
}
