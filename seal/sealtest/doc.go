package sealtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"unicode/utf8"
)

// Doc is a decoded JSON document (a pack, a checkpoint, the test
// vectors) to change in place and write again. Its numbers are kept as
// written (json.Number): positions and sizes must not pass through
// float64. A path is a list of object keys (string) and array indexes
// (int).
type Doc struct {
	t testing.TB
	v any
}

// Decode reads data as a Doc; t fails the test on any error of the Doc's
// methods.
func Decode(t testing.TB, data []byte) *Doc {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return &Doc{t: t, v: v}
}

// At returns the value at path (the whole document for no path).
func (d *Doc) At(path ...any) any {
	d.t.Helper()
	v := d.v
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				d.t.Fatalf("path %v: %q of a %T", path, k, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				d.t.Fatalf("path %v: [%d] of a %T", path, k, v)
			}
			v = a[k]
		}
	}
	return v
}

// String returns the string at path.
func (d *Doc) String(path ...any) string {
	d.t.Helper()
	s, ok := d.At(path...).(string)
	if !ok {
		d.t.Fatalf("path %v: a %T, not a string", path, d.At(path...))
	}
	return s
}

// Array returns the array at path.
func (d *Doc) Array(path ...any) []any {
	d.t.Helper()
	a, ok := d.At(path...).([]any)
	if !ok {
		d.t.Fatalf("path %v: a %T, not an array", path, d.At(path...))
	}
	return a
}

// Set replaces the value at path (not empty).
func (d *Doc) Set(value any, path ...any) {
	d.t.Helper()
	parent := d.At(path[:len(path)-1]...)
	switch k := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[k] = value
	case int:
		parent.([]any)[k] = value
	}
}

// Delete removes the object member at path.
func (d *Doc) Delete(path ...any) {
	d.t.Helper()
	delete(d.At(path[:len(path)-1]...).(map[string]any), path[len(path)-1].(string))
}

// ChangeDigit changes one character of the string at path (see
// ChangeDigit).
func (d *Doc) ChangeDigit(path ...any) {
	d.t.Helper()
	d.Set(ChangeDigit(d.String(path...)), path...)
}

// Base64 decodes the base64 string at path.
func (d *Doc) Base64(path ...any) []byte {
	d.t.Helper()
	b, err := base64.StdEncoding.DecodeString(d.String(path...))
	if err != nil {
		d.t.Fatalf("path %v: %v", path, err)
	}
	return b
}

// Bytes writes the document again (encoding/json: Go's escapes, keys
// sorted).
func (d *Doc) Bytes() []byte {
	d.t.Helper()
	return Marshal(d.t, d.v)
}

// Edit returns file with change made to its document.
func Edit(t testing.TB, file []byte, change func(d *Doc)) []byte {
	t.Helper()
	d := Decode(t, file)
	change(d)
	return d.Bytes()
}

// Marshal is json.Marshal, failing the test on an error.
func Marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ChangeDigit changes the middle alphanumeric character of s to another
// of its kind (a hex digit to another hex digit, a letter to another
// letter).
func ChangeDigit(s string) string {
	b := []byte(s)
	i := len(b) / 2
	for i < len(b) && !isAlnum(b[i]) {
		i++
	}
	if i == len(b) {
		panic("sealtest.ChangeDigit: no letter or digit from the middle of " + strconv.Quote(s))
	}
	switch c := b[i]; {
	case c == '0':
		b[i] = '1'
	case c >= '1' && c <= '9', c >= 'b' && c <= 'f':
		b[i] = '0'
	case c == 'a':
		b[i] = 'b'
	case c == 'A':
		b[i] = 'B'
	default:
		b[i] = c - 1
	}
	return string(b)
}

// ReplaceOnce replaces the first old in file, and fails if there is none.
func ReplaceOnce(t testing.TB, file []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(file, []byte(old)) {
		t.Fatalf("the pack holds no %q", old)
	}
	return bytes.Replace(file, []byte(old), []byte(new), 1)
}

// Indent re-formats file as json.Indent does with four spaces.
func Indent(t testing.TB, file []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, file, "", "    "); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Reencode decodes file and writes it again with Go (keys sorted, other
// escapes), indented by tabs, every non-ASCII character escaped.
func Reencode(t testing.TB, file []byte) []byte {
	t.Helper()
	out, err := json.MarshalIndent(Decode(t, file).v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return ASCIIOnly(out)
}

// ASCIIOnly escapes every non-ASCII character as \uXXXX (surrogate pairs
// above the BMP), as Python's json.tool writes. Outside strings a JSON
// document is ASCII, so this only re-encodes string contents.
func ASCIIOnly(doc []byte) []byte {
	var out bytes.Buffer
	for len(doc) > 0 {
		r, n := utf8.DecodeRune(doc)
		doc = doc[n:]
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.Bytes()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
