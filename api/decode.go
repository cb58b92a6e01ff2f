package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
)

// MaxBody is the largest request body a command may have. Evidence files
// travel separately; a command is a few kilobytes.
const MaxBody = 1 << 20

// DecodeJSON reads one JSON object from the request into dst, a pointer.
// It refuses a wrong content type (415), a body over MaxBody (413), and
// with 400: malformed JSON, text that is not valid UTF-8, a value of the
// wrong kind or format, null for an object, unknown fields and trailing
// data. A 400 names the field at fault by its JSON path
// ("evidence[1].name") and says what the field must be.
//
// encoding/json alone cannot do that: it replaces invalid UTF-8 with
// U+FFFD without a word, does not say which field a date or an
// enumeration failed in, and leaves array indices out of its paths. So
// the body is first walked token by token along dst's type (checkBody),
// which finds the first fault and its path; only a body that passes is
// then decoded, by encoding/json as before.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return NewProblem(http.StatusUnsupportedMediaType, "the body must be application/json", "Content-Type")
	}
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("api: DecodeJSON needs a pointer, got %T", dst)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBody), "")
		}
		return NewProblem(http.StatusBadRequest, "the body could not be read: the request was cut short", "")
	}
	if p := checkBody(data, t.Elem()); p != nil {
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		// checkBody refuses everything encoding/json does; this is the
		// net under a type it does not know how to check.
		return decodeProblem(err)
	}
	return nil
}

// checkBody finds the first fault of a request body meant for a value of
// type t, and returns nil for a body that encoding/json will decode into
// t without an error or a silent change.
func checkBody(data []byte, t reflect.Type) *Problem {
	if !json.Valid(data) {
		return syntaxProblem(data)
	}
	c := &checker{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	c.dec.UseNumber()
	tok, start, err := c.next()
	if err != nil {
		return syntaxProblem(data)
	}
	return c.value(tok, start, t, "")
}

// syntaxProblem describes a body that is not exactly one JSON value.
func syntaxProblem(data []byte) *Problem {
	var (
		raw    json.RawMessage
		syntax *json.SyntaxError
	)
	dec := json.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&raw)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "the body is empty or cut short", "")
	case errors.As(err, &syntax):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, err), "")
	case err == nil:
		return NewProblem(http.StatusBadRequest, "the body must hold exactly one JSON object", "")
	}
	return NewProblem(http.StatusBadRequest, "malformed JSON", "")
}

// checker walks a syntactically valid body as a stream of tokens along
// the Go type it is for, keeping the JSON path of each value. It accepts
// what encoding/json accepts into that type, with two differences that
// are the point: it refuses text that encoding/json would silently change
// (invalid UTF-8, half of a UTF-16 surrogate pair), and null for a
// struct, which encoding/json would silently leave empty; a command's
// objects are all required (an optional one would be a pointer, which
// null sets to nil).
type checker struct {
	data []byte
	dec  *json.Decoder
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// next reads a token and returns with it the offset where the text before
// it began (separators and white space included).
func (c *checker) next() (json.Token, int64, error) {
	start := c.dec.InputOffset()
	tok, err := c.dec.Token()
	return tok, start, err
}

// value checks the value that begins with tok, read from offset start,
// against type t, at path.
func (c *checker) value(tok json.Token, start int64, t reflect.Type, path string) *Problem {
	if _, ok := tok.(string); ok {
		if p := c.checkText(start, path, false); p != nil {
			return p
		}
	}
	for t.Kind() == reflect.Pointer {
		if tok == nil {
			return nil // null sets a pointer to nil
		}
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(jsonUnmarshalerType):
		// time.Time, among others: encoding/json hands it the raw value,
		// null included.
		raw, p := c.raw(tok, start, path)
		if p != nil {
			return p
		}
		v := reflect.New(t)
		if err := v.Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return mustBe(path, expectation(t, raw, err))
		}
		if tm, ok := v.Interface().(*time.Time); ok && tok != nil {
			// A time that is told is judged by the domain's range. The
			// zero time (0001-01-01T00:00:00Z) must be judged here: once
			// decoded it cannot be told from a time left out, which
			// means "now".
			if err := domain.CheckTime(path, *tm); err != nil {
				return NewProblem(http.StatusUnprocessableEntity, err.Error(), path)
			}
		}
		return nil
	case pt.Implements(textUnmarshalerType):
		// Dates, quarters, enumerations: a string parsed by the type, or
		// null, which encoding/json ignores. Anything else is refused by
		// encoding/json whatever the type would make of its text.
		if tok == nil {
			return nil
		}
		text, ok := tok.(string)
		if !ok {
			raw, p := c.raw(tok, start, path)
			if p != nil {
				return p
			}
			return mustBe(path, expectation(t, raw, nil))
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			return mustBe(path, expectation(t, []byte(text), err))
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := tok.(string); !ok && tok != nil {
			return mustBe(path, "must be a string")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok && tok != nil {
			return mustBe(path, "must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if tok != nil && !ok {
			return mustBe(path, wholeNumber(t))
		}
		if ok {
			v, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil || reflect.New(t).Elem().OverflowInt(v) {
				return mustBe(path, wholeNumber(t))
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := tok.(json.Number)
		if tok != nil && !ok {
			return mustBe(path, wholeNumber(t))
		}
		if ok {
			v, err := strconv.ParseUint(string(n), 10, 64)
			if err != nil || reflect.New(t).Elem().OverflowUint(v) {
				return mustBe(path, wholeNumber(t))
			}
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if tok != nil && !ok {
			return mustBe(path, "must be a number")
		}
		if ok {
			v, err := strconv.ParseFloat(string(n), t.Bits())
			if err != nil || reflect.New(t).Elem().OverflowFloat(v) {
				return mustBe(path, "must be a number")
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			// Bytes travel as base64 text; no command has any, so
			// encoding/json alone judges them.
			return c.skip(tok, path)
		}
		if tok == nil {
			return nil
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return mustBe(path, "must be an array")
		}
		return c.array(t.Elem(), path)
	case reflect.Map:
		if tok == nil {
			return nil
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return mustBe(path, "must be an object")
		}
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
			// Keys that are numbers or parsed text: no command has them.
			return c.skipRest(path)
		}
		return c.object(path, func(key string) (reflect.Type, string, bool) { return t.Elem(), key, true })
	case reflect.Struct:
		if tok == nil {
			return mustBe(path, "must be an object, not null")
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return mustBe(path, "must be an object")
		}
		fields := jsonFields(t)
		return c.object(path, func(key string) (reflect.Type, string, bool) {
			f, ok := lookupField(fields, key)
			return f.typ, f.name, ok
		})
	default:
		// An interface takes any JSON; other kinds no command has.
		return c.skip(tok, path)
	}
	return nil
}

// array checks the elements of an array whose '[' has been read.
func (c *checker) array(elem reflect.Type, path string) *Problem {
	for i := 0; c.dec.More(); i++ {
		tok, start, err := c.next()
		if err != nil {
			return syntaxProblem(c.data)
		}
		if p := c.value(tok, start, elem, path+"["+strconv.Itoa(i)+"]"); p != nil {
			return p
		}
	}
	return c.close()
}

// object checks the members of an object whose '{' has been read; field
// says what a key holds (its type and the name it goes by in paths), or
// that it holds nothing.
func (c *checker) object(path string, field func(key string) (reflect.Type, string, bool)) *Problem {
	for c.dec.More() {
		tok, start, err := c.next()
		key, ok := tok.(string)
		if err != nil || !ok {
			return syntaxProblem(c.data)
		}
		if p := c.checkText(start, member(path, key), true); p != nil {
			return p
		}
		t, name, ok := field(key)
		if !ok {
			return NewProblem(http.StatusBadRequest, "unknown field "+member(path, key), member(path, key))
		}
		tok, start, err = c.next()
		if err != nil {
			return syntaxProblem(c.data)
		}
		if p := c.value(tok, start, t, member(path, name)); p != nil {
			return p
		}
	}
	return c.close()
}

// close reads the ']' or '}' that ends an array or object.
func (c *checker) close() *Problem {
	if _, _, err := c.next(); err != nil {
		return syntaxProblem(c.data)
	}
	return nil
}

// skip reads past the value that begins with tok, checking only its text.
func (c *checker) skip(tok json.Token, path string) *Problem {
	if d, ok := tok.(json.Delim); ok && (d == '[' || d == '{') {
		return c.skipRest(path)
	}
	return nil
}

// skipRest reads past the rest of an array or object whose opening
// delimiter has been read, checking the text of its strings.
func (c *checker) skipRest(path string) *Problem {
	for depth := 1; depth > 0; {
		tok, start, err := c.next()
		if err != nil {
			return syntaxProblem(c.data)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if _, ok := tok.(string); ok {
			if p := c.checkText(start, path, false); p != nil {
				return p
			}
		}
	}
	return nil
}

// raw returns the text of the value that begins with tok, read from
// offset start, reading past it if it is an array or object.
func (c *checker) raw(tok json.Token, start int64, path string) ([]byte, *Problem) {
	if p := c.skip(tok, path); p != nil {
		return nil, p
	}
	return bytes.TrimLeft(c.data[start:c.dec.InputOffset()], " \t\r\n,:"), nil
}

// checkText refuses a string token, just read from offset start, whose
// text encoding/json would change: bytes that are not UTF-8 (which it
// turns into U+FFFD) and an escaped half of a UTF-16 surrogate pair
// (likewise). key says whether the string is a field name.
func (c *checker) checkText(start int64, path string, key bool) *Problem {
	raw := c.data[start:c.dec.InputOffset()]
	q := bytes.IndexByte(raw, '"')
	if q < 0 || len(raw) < q+2 {
		return nil
	}
	lit := raw[q+1 : len(raw)-1] // between the quotes
	if bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
		return nil
	}
	at, escape := textFault(lit)
	if at < 0 {
		return nil
	}
	offset := start + int64(q+1+at)
	what := fmt.Sprintf("must be valid UTF-8 text: byte %d of the body is not part of a character", offset)
	if escape != "" {
		what = fmt.Sprintf("must be valid text: %s at byte %d of the body is half of a character (a lone UTF-16 surrogate)", escape, offset)
	}
	if key {
		what = "the field name " + what
	}
	return mustBe(path, what)
}

// textFault returns the index in lit, the text of a JSON string between
// its quotes, of the first byte that is not part of a UTF-8 character or
// the first escaped lone surrogate (then also the escape), or -1.
func textFault(lit []byte) (int, string) {
	for i := 0; i < len(lit); {
		switch b := lit[i]; {
		case b == '\\' && i+1 < len(lit) && lit[i+1] == 'u':
			r := hex4(lit, i+2)
			if !utf16.IsSurrogate(r) {
				i += 6
				continue
			}
			if r < 0xdc00 && i+12 <= len(lit) && lit[i+6] == '\\' && lit[i+7] == 'u' {
				if lo := hex4(lit, i+8); lo >= 0xdc00 && lo < 0xe000 {
					i += 12
					continue
				}
			}
			return i, string(lit[i:min(i+6, len(lit))])
		case b == '\\':
			i += 2
		case b < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(lit[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, ""
			}
			i += size
		}
	}
	return -1, ""
}

// hex4 reads the four hexadecimal digits of a \u escape at lit[i:], or
// returns -1.
func hex4(lit []byte, i int) rune {
	if i+4 > len(lit) {
		return -1
	}
	v, err := strconv.ParseUint(string(lit[i:i+4]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(v)
}

// mustBe is the problem of the field at path (the body itself for "").
func mustBe(path, what string) *Problem {
	if path == "" {
		return NewProblem(http.StatusBadRequest, "the body "+what, "")
	}
	return NewProblem(http.StatusBadRequest, path+": "+what, path)
}

func member(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// The text types of command bodies, whose messages say what they accept.
var (
	dateType    = reflect.TypeFor[domain.Date]()
	quarterType = reflect.TypeFor[domain.Quarter]()
	monthType   = reflect.TypeFor[domain.Month]()
	periodType  = reflect.TypeFor[evaluation.Period]()
)

// expectation says, in a clerk's words, what a field of text type t must
// hold, given the text it was refused (text) and the type's own error,
// if it gave one.
func expectation(t reflect.Type, text []byte, err error) string {
	switch t {
	case timeType:
		return "must be a date and time such as 2026-03-31T16:00:00+08:00 (RFC 3339)"
	case dateType:
		return "must be a date such as 2026-03-31"
	case quarterType:
		return "must be a quarter such as 2026Q1"
	case monthType:
		return "must be a month such as 2026-03"
	case periodType:
		return "must be a year, a quarter or a month, such as 2026, 2026Q1 or 2026-03"
	}
	if err == nil && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		// A value of the wrong JSON kind: the type's error for its text
		// tells what the type accepts.
		err = reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText(text)
	}
	var enum *domain.EnumError
	if errors.As(err, &enum) {
		what := "must be one of " + strings.Join(enum.Names, ", ")
		if len(enum.Labels) > 0 {
			what += " (" + strings.Join(enum.Labels, ", ") + ")"
		}
		return what
	}
	return "does not hold a value this field accepts"
}

// wholeNumber says what an integer field of type t accepts.
func wholeNumber(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return fmt.Sprintf("must be a whole number from %d to %d", int64(-1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return fmt.Sprintf("must be a whole number from 0 to %d", uint64(1)<<t.Bits()-1)
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return "must be a whole number, 0 or more"
	}
	return "must be a whole number"
}

// jsonField is a field of a struct as encoding/json sees it.
type jsonField struct {
	name   string
	typ    reflect.Type
	tagged bool
	depth  int // how deep in embedded structs
	index  int // its place among all the fields found
}

// jsonFields lists the JSON fields of struct type t by encoding/json's
// rules: exported fields by tag name or Go name, the fields of untagged
// embedded structs promoted, and of several fields of one name the
// shallowest (or the one tagged among the shallowest) alone, in the order
// of the struct.
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		if depth > 8 {
			return
		}
		for f := range t.Fields() {
			ft := f.Type
			if f.Anonymous {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if !f.IsExported() && ft.Kind() != reflect.Struct {
					continue
				}
			} else if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if name == "" && f.Anonymous && ft.Kind() == reflect.Struct {
				walk(ft, depth+1)
				continue
			}
			tagged := name != ""
			if !tagged {
				name = f.Name
			}
			all = append(all, jsonField{name: name, typ: f.Type, tagged: tagged, depth: depth, index: len(all)})
		}
	}
	walk(t, 0)
	var out []jsonField
	for _, f := range all {
		if dominant(all, f) {
			out = append(out, f)
		}
	}
	return out
}

// dominant reports whether f is the field its name means among all.
func dominant(all []jsonField, f jsonField) bool {
	for _, g := range all {
		if g.name != f.name || g.index == f.index {
			continue
		}
		if g.depth < f.depth {
			return false
		}
		if g.depth == f.depth && (g.tagged == f.tagged || g.tagged) {
			return false
		}
	}
	return true
}

// lookupField finds the field a key names as encoding/json does: the
// exact name first, else the first whose name matches ignoring case.
func lookupField(fields []jsonField, key string) (jsonField, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return jsonField{}, false
}

// decodeProblem describes an error of encoding/json that checkBody did
// not foresee, without its Go wording.
func decodeProblem(err error) *Problem {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d", syntax.Offset), "")
	case errors.As(err, &typ) && typ.Field != "":
		return NewProblem(http.StatusBadRequest, typ.Field+": must be "+jsonKind(typ.Type.Kind()), typ.Field)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "the body is empty or cut short", "")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return NewProblem(http.StatusBadRequest, "unknown field "+field, field)
	}
	return NewProblem(http.StatusBadRequest, "the body does not fit this command", "")
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another kind"
}
