package api

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/cxzy/ledger/domain"
)

// The API contract: what the OpenAPI document says of each JSON field
// beyond its name and type, for a newcomer and for the web console, which
// builds its forms from the document (a field's title is the form's label,
// its enum and x-enum-labels a drop-down, its format the input's kind,
// required the asterisk).
//
// It lives in three tables, all in this package (the domain stays a model
// without I/O or presentation):
//   - fieldDocs (contract_fields.go): for each Go type of a body, each JSON
//     field's Chinese title, description (Chinese first, then English),
//     format, bounds and whether the server refuses a body without it;
//   - enumLabels: the Chinese meaning of each value of each enumeration
//     (the values themselves come from the domain's own tables);
//   - commandDocs (contract_routes.go): each command route's summary,
//     description and an example body the server accepts.
//
// schemaOf reads them. A field, enumeration or route they do not describe
// is shipped bare, and the tests of the contract fail naming it: nothing
// new goes undocumented silently.

// fieldDoc documents one JSON field. The zero value documents nothing.
type fieldDoc struct {
	Title       string // a short label a clerk understands: 整改期限
	Description string // Chinese first, then English: meaning and format
	Format      string // an OpenAPI format the type does not give (date, date-time, byte)
	XFormat     string // a format OpenAPI does not know (quarter, month, period): x-format
	Pattern     string
	// Required: the server refuses a body without the field (or with it
	// empty or zero); the contract tests remove each in turn to prove it.
	Required bool
	// Present: an answer always has the field (it is listed in the
	// answer's required, with no bound implied).
	Present bool
	// RequiredWhen: required only in some cases, said in the description;
	// shown as x-required-when ("maker = member").
	RequiredWhen string
	MinLength    int // characters; 0: no bound
	MaxLength    int
	Minimum      *float64
	Maximum      *float64
	MinItems     int
	MaxItems     int
	Items        *fieldDoc // bounds of each element of a list of text
	// Enum is a closed set of values the Go type does not declare itself
	// (the stars of a rating); Labels are their Chinese meanings.
	Enum   []any
	Labels map[string]string
}

// doc starts a field's documentation.
func doc(title, description string) fieldDoc { return fieldDoc{Title: title, Description: description} }

// req marks the field required; text must then not be empty.
func (d fieldDoc) req() fieldDoc {
	d.Required = true
	return d
}

// describe replaces the description.
func (d fieldDoc) describe(description string) fieldDoc {
	d.Description = description
	return d
}

// note adds a sentence to the description, in each language: the
// description is Chinese first, then English after the first "。 ".
func (d fieldDoc) note(zh, en string) fieldDoc {
	if i := strings.Index(d.Description, "。 "); i >= 0 {
		d.Description = d.Description[:i] + "。" + zh + " " + d.Description[i+len("。 "):] + " " + en
	} else {
		d.Description += zh + " " + en
	}
	return d
}

// always marks a field every answer has.
func (d fieldDoc) always() fieldDoc {
	d.Present = true
	return d
}

// when marks the field required in a case only.
func (d fieldDoc) when(cond string) fieldDoc {
	d.RequiredWhen = cond
	return d
}

// chars bounds a text's length in characters (from 1 when required).
func (d fieldDoc) chars(max int) fieldDoc {
	d.MaxLength = max
	return d
}

// between bounds a number.
func (d fieldDoc) between(min, max float64) fieldDoc {
	d.Minimum, d.Maximum = &min, &max
	return d
}

// atLeast bounds a number from below.
func (d fieldDoc) atLeast(min float64) fieldDoc {
	d.Minimum = &min
	return d
}

// items bounds a list's length (min 0: no lower bound).
func (d fieldDoc) items(min, max int) fieldDoc {
	d.MinItems, d.MaxItems = min, max
	return d
}

// each documents the elements of a list of text.
func (d fieldDoc) each(e fieldDoc) fieldDoc {
	d.Items = &e
	return d
}

// pattern sets a regular expression the text must match.
func (d fieldDoc) pattern(p string) fieldDoc {
	d.Pattern = p
	return d
}

// apply writes the documentation into a property's schema.
func (d fieldDoc) apply(s map[string]any) {
	set := func(k string, v any, ok bool) {
		if ok {
			s[k] = v
		}
	}
	set("title", d.Title, d.Title != "")
	set("description", d.Description, d.Description != "")
	set("format", d.Format, d.Format != "")
	set("x-format", d.XFormat, d.XFormat != "")
	set("pattern", d.Pattern, d.Pattern != "")
	set("x-required-when", d.RequiredWhen, d.RequiredWhen != "")
	minLength := d.MinLength
	if _, typed := s["enum"]; d.Required && s["type"] == "string" && s["format"] == nil && s["x-format"] == nil && !typed && minLength == 0 {
		minLength = 1 // a required text may not be empty
	}
	set("minLength", minLength, minLength > 0)
	set("maxLength", d.MaxLength, d.MaxLength > 0)
	if d.Minimum != nil {
		s["minimum"] = *d.Minimum
	}
	if d.Maximum != nil {
		s["maximum"] = *d.Maximum
	}
	minItems := d.MinItems
	if d.Required && s["type"] == "array" && minItems == 0 {
		minItems = 1
	}
	set("minItems", minItems, minItems > 0)
	set("maxItems", d.MaxItems, d.MaxItems > 0)
	if d.Items != nil {
		if items, ok := s["items"].(map[string]any); ok {
			d.Items.apply(items)
		}
	}
	if d.Enum != nil {
		s["enum"] = d.Enum
		s["x-enum-labels"] = d.Labels
	}
}

// rawJSONType is an event's payload: a JSON object kept as recorded.
var rawJSONType = reflect.TypeFor[json.RawMessage]()

// textSchema describes a type that travels as text: a time, a date, a
// quarter, a month, a period, an enumeration (with its values from the
// domain and their labels from enumLabels), or a hash.
func textSchema(t reflect.Type) map[string]any {
	s := map[string]any{"type": "string"}
	switch t {
	case dateType:
		s["format"] = "date"
	case quarterType:
		s["x-format"], s["pattern"] = "quarter", `^[0-9]{4}Q[1-4]$`
	case monthType:
		s["x-format"], s["pattern"] = "month", `^[0-9]{4}-(0[1-9]|1[0-2])$`
	case periodType:
		s["x-format"], s["pattern"] = "period", `^[0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$`
	}
	if names := enumNames(t); names != nil {
		s["enum"] = names
		if labels, ok := enumLabels[t]; ok {
			s["x-enum-labels"] = labels
		}
	}
	return s
}

// enumNames lists the values of an enumeration of the domain, as its own
// table has them (nil for a text type that is not one): the error of
// parsing the empty text carries them.
func enumNames(t reflect.Type) []any {
	v, ok := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if !ok {
		return nil
	}
	var enum *domain.EnumError
	if err := v.UnmarshalText(nil); !errors.As(err, &enum) {
		return nil
	}
	out := make([]any, len(enum.Names))
	for i, n := range enum.Names {
		out[i] = n
	}
	return out
}

// docOf is the documentation of the JSON field name of struct type t.
func docOf(t reflect.Type, name string) (fieldDoc, bool) {
	d, ok := fieldDocs[t][name]
	return d, ok
}
