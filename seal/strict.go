package seal

// Strict reading of the JSON a verifier is given (docs/hashing.md,
// "Reading JSON"). encoding/json alone is too lenient for an audit tool:
// of two members with the same name it keeps the last, it matches member
// names case-insensitively ("Actor" fills the field "actor"), it turns
// invalid UTF-8 and lone surrogate escapes into U+FFFD, it reads null as
// "leave the field as it is" and it parses times such as
// "2024-07-01T1:00:00,5Z". Two verifiers could then read one file as
// saying different things. These functions refuse such files before
// encoding/json reads them.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// maxJSONDepth is the deepest nesting of arrays and objects accepted.
const maxJSONDepth = 512

// jvalue is a parsed JSON value: kind is one of { [ " 0 t f n (object,
// array, string, number, true, false, null).
type jvalue struct {
	kind    byte
	members []jmember // objects, in file order
	items   []*jvalue // arrays
	str     string    // strings, unescaped
}

type jmember struct {
	name  string
	value *jvalue
}

func (v *jvalue) member(name string) *jvalue {
	for _, m := range v.members {
		if m.name == name {
			return m.value
		}
	}
	return nil
}

type jparser struct {
	s     []byte
	i     int
	depth int
}

// parseStrictJSON parses doc as exactly one JSON value (RFC 8259) that is
// valid UTF-8, holds no lone surrogate escape (\ud800 without its low
// half, or a low half alone), no object with two members of the same
// name, and is nested at most maxJSONDepth deep.
func parseStrictJSON(doc []byte) (*jvalue, error) {
	if !utf8.Valid(doc) {
		return nil, fmt.Errorf("not valid UTF-8")
	}
	p := &jparser{s: doc}
	p.ws()
	v, err := p.value("")
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("text after the JSON value at offset %d", p.i)
	}
	return v, nil
}

func (p *jparser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

var jsonNumber = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`)

func (p *jparser) value(path string) (*jvalue, error) {
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end of JSON")
	}
	switch c := p.s[p.i]; c {
	case '{', '[':
		if p.depth++; p.depth > maxJSONDepth {
			return nil, fmt.Errorf("nested more than %d deep at offset %d", maxJSONDepth, p.i)
		}
		defer func() { p.depth-- }()
		if c == '{' {
			return p.object(path)
		}
		return p.array(path)
	case '"':
		s, err := p.str()
		return &jvalue{kind: '"', str: s}, err
	}
	for _, w := range []string{"true", "false", "null"} {
		if strings.HasPrefix(string(p.s[p.i:min(p.i+5, len(p.s))]), w) {
			p.i += len(w)
			return &jvalue{kind: w[0]}, nil
		}
	}
	m := jsonNumber.Find(p.s[p.i:])
	if m == nil {
		return nil, fmt.Errorf("invalid JSON at offset %d", p.i)
	}
	p.i += len(m)
	return &jvalue{kind: '0'}, nil
}

func (p *jparser) object(path string) (*jvalue, error) {
	v := &jvalue{kind: '{'}
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return v, nil
	}
	seen := map[string]bool{}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, fmt.Errorf("expected a member name at offset %d", p.i)
		}
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate member %q in %s", name, pathOr(path))
		}
		seen[name] = true
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("expected ':' at offset %d", p.i)
		}
		p.i++
		p.ws()
		child, err := p.value(joinPath(path, name))
		if err != nil {
			return nil, err
		}
		v.members = append(v.members, jmember{name, child})
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, nil
		}
		return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
	}
}

func (p *jparser) array(path string) (*jvalue, error) {
	v := &jvalue{kind: '['}
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		child, err := p.value(fmt.Sprintf("%s[%d]", path, len(v.items)))
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, child)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return v, nil
		}
		return nil, fmt.Errorf("expected ',' or ']' at offset %d", p.i)
	}
}

func (p *jparser) hex4() (rune, bool) {
	if p.i+6 > len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[p.i+2:p.i+6]), 16, 16)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}

func (p *jparser) str() (string, error) {
	start := p.i
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", fmt.Errorf("unterminated string at offset %d", start)
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", fmt.Errorf("control character in a string at offset %d", p.i)
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", fmt.Errorf("unterminated string at offset %d", start)
		}
		if r, ok := map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}[p.s[p.i+1]]; ok {
			b.WriteByte(r)
			p.i += 2
			continue
		}
		r, ok := p.hex4()
		if !ok {
			return "", fmt.Errorf("invalid escape at offset %d", p.i)
		}
		at := p.i
		p.i += 6
		switch {
		case r >= 0xD800 && r < 0xDC00:
			lo, ok := p.hex4()
			if !ok || lo < 0xDC00 || lo >= 0xE000 {
				return "", fmt.Errorf("lone surrogate escape \\u%04x at offset %d", r, at)
			}
			p.i += 6
			r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
		case r >= 0xDC00 && r < 0xE000:
			return "", fmt.Errorf("lone surrogate escape \\u%04x at offset %d", r, at)
		}
		b.WriteRune(r)
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func pathOr(path string) string {
	if path == "" {
		return "the top-level object"
	}
	return path
}

// shape names the members of one kind of object the format defines:
// every member's name, which must be present, which may be null.
type shape struct {
	names    []string
	optional map[string]bool
	nullable map[string]bool
}

func nameSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	packShape = shape{names: []string{"format", "subject", "stream", "checkpoint", "events", "consistency"},
		optional: nameSet("stream", "consistency")}
	checkpointShape  = shape{names: []string{"origin", "size", "root", "time", "key_name", "key_id", "note"}}
	consistencyShape = shape{names: []string{"from_size", "from_root", "to_size", "proof"},
		optional: nameSet("proof"), nullable: nameSet("proof")}
	packEventShape = shape{names: []string{"event", "payload_base64", "leaf_index", "inclusion_proof"},
		optional: nameSet("payload_base64", "inclusion_proof"), nullable: nameSet("inclusion_proof")}
	eventShape = shape{names: []string{"id", "type", "stream", "version", "position", "occurred_at", "recorded_at",
		"actor", "unit", "command_id", "correlation_id", "causation_id", "schema_version", "payload", "prev_hash", "hash"},
		optional: nameSet("unit", "correlation_id", "causation_id"), nullable: nameSet("payload")}
	positionShape = shape{names: []string{"commit", "prepare"}}
)

// check refuses an object that is not one, a member whose name differs
// from one of the shape's names only in case (as encoding/json would
// match it: Unicode simple case folding), a missing required member and
// a null where the format wants a value.
func (sh shape) check(v *jvalue, what string) error {
	if v == nil || v.kind != '{' {
		return fmt.Errorf("%s is not a JSON object", what)
	}
	for _, m := range v.members {
		for _, n := range sh.names {
			if m.name != n && strings.EqualFold(m.name, n) {
				return fmt.Errorf("%s has a member %q: member names are case-sensitive, want %q", what, m.name, n)
			}
		}
	}
	for _, n := range sh.names {
		x := v.member(n)
		switch {
		case x == nil && !sh.optional[n]:
			return fmt.Errorf("%s has no %s", what, n)
		case x != nil && x.kind == 'n' && !sh.nullable[n]:
			return fmt.Errorf("%s.%s is null", what, n)
		}
	}
	return nil
}

// strictTime is the one form of RFC 3339 time a verifier accepts.
var strictTime = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$`)

// ParseTime reads a time of the form docs/hashing.md (Times) accepts:
// YYYY-MM-DDTHH:MM:SS, optionally "." and 1 to 9 digits, then Z or
// ±HH:MM; upper-case T and Z; a valid date, hour 00-23, minute and
// second 00-59 (no leap second), offset hours 00-23 and minutes 00-59.
func ParseTime(s string) (time.Time, error) {
	if !strictTime.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not a time of the form 2006-01-02T15:04:05[.999999999](Z|±07:00)", s)
	}
	if z := s[len(s)-1]; z != 'Z' {
		if h, _ := strconv.Atoi(s[len(s)-5 : len(s)-3]); h > 23 {
			return time.Time{}, fmt.Errorf("%q: the offset's hours are out of range", s)
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a valid time: %v", s, err)
	}
	return t, nil
}

func checkTime(v *jvalue, what string) error {
	if v == nil || v.kind != '"' {
		return nil // encoding/json reports the wrong type
	}
	if _, err := ParseTime(v.str); err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	return nil
}

// checkPackJSON makes the strict checks of "Reading JSON" on a pack file.
func checkPackJSON(data []byte) error {
	doc, err := parseStrictJSON(data)
	if err != nil {
		return err
	}
	if err := packShape.check(doc, "the pack"); err != nil {
		return err
	}
	if err := checkCheckpointJSON(doc.member("checkpoint"), "checkpoint"); err != nil {
		return err
	}
	if c := doc.member("consistency"); c != nil {
		if err := consistencyShape.check(c, "consistency"); err != nil {
			return err
		}
	}
	events := doc.member("events")
	if events.kind != '[' {
		return fmt.Errorf("events is not an array")
	}
	for i, pe := range events.items {
		what := fmt.Sprintf("events[%d]", i)
		if err := packEventShape.check(pe, what); err != nil {
			return err
		}
		e := pe.member("event")
		if err := eventShape.check(e, what+".event"); err != nil {
			return err
		}
		if err := positionShape.check(e.member("position"), what+".event.position"); err != nil {
			return err
		}
		for _, n := range []string{"occurred_at", "recorded_at"} {
			if err := checkTime(e.member(n), what+".event."+n); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkCheckpointJSON(v *jvalue, what string) error {
	if err := checkpointShape.check(v, what); err != nil {
		return err
	}
	return checkTime(v.member("time"), what+".time")
}

// ReadPack reads an evidence pack file strictly (docs/hashing.md,
// "Reading JSON"): a file that two readers could read differently
// (duplicate or case-variant member names, invalid UTF-8, lone
// surrogates, null or missing fields, loose times) is refused with a
// VerificationError.
func ReadPack(data []byte) (Pack, error) {
	if err := checkPackJSON(data); err != nil {
		return Pack{}, fail("the pack is not a well-formed evidence pack: %v", err)
	}
	var p Pack
	if err := json.Unmarshal(data, &p); err != nil {
		return Pack{}, fail("the pack is not a well-formed evidence pack: %v", err)
	}
	return p, nil
}

// ReadCheckpoint reads a saved checkpoint file (the checkpoint JSON of
// the API and of ledgerctl audit) strictly, opens its note with the
// trusted keys and requires the fields beside the note to say what the
// note says. The result holds the note's values.
func ReadCheckpoint(data []byte, trusted note.Verifiers) (Checkpoint, error) {
	doc, err := parseStrictJSON(data)
	if err == nil {
		err = checkCheckpointJSON(doc, "the checkpoint")
	}
	var saved Checkpoint
	if err == nil {
		err = json.Unmarshal(data, &saved)
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("not a well-formed checkpoint file: %v", err)
	}
	cp, err := Open([]byte(saved.Note), trusted)
	if err != nil {
		return Checkpoint{}, err
	}
	if err := sameFields(saved, cp); err != nil {
		return Checkpoint{}, err
	}
	return cp, nil
}

// sameFields requires the fields of a checkpoint beside its note (got)
// to say what the opened note (cp) says.
func sameFields(got, cp Checkpoint) error {
	switch {
	case got.Origin != cp.Origin:
		return fmt.Errorf("the checkpoint's origin %q differs from its signed note's %q", got.Origin, cp.Origin)
	case got.Size != cp.Size:
		return fmt.Errorf("the checkpoint's size %d differs from its signed note's %d", got.Size, cp.Size)
	case string(got.Root) != string(cp.Root):
		return fmt.Errorf("the checkpoint's root differs from its signed note's")
	case !got.Time.Equal(cp.Time):
		return fmt.Errorf("the checkpoint's time differs from its signed note's")
	case got.KeyName != cp.KeyName || got.KeyID != cp.KeyID:
		return fmt.Errorf("the checkpoint's key_name or key_id differs from the key that signed its note (%s %s)", cp.KeyName, cp.KeyID)
	}
	return nil
}
