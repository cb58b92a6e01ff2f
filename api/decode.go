package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBody is the largest request body a command may have. Evidence files
// travel separately; a command is a few kilobytes.
const MaxBody = 1 << 20

// DecodeJSON reads one JSON object from the request into dst. It refuses
// a wrong content type (415), a body over MaxBody (413), malformed JSON,
// unknown fields, wrong types and trailing data (400), naming the field
// at fault where there is one.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return NewProblem(http.StatusUnsupportedMediaType, "the body must be application/json", "Content-Type")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return NewProblem(http.StatusBadRequest, "the body must hold exactly one JSON object", "")
	}
	return nil
}

func decodeProblem(err error) *Problem {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		textErr interface{ Unwrap() error }
	)
	switch {
	case errors.As(err, &tooBig):
		return NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBody), "")
	case errors.As(err, &syntax):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, err), "")
	case errors.As(err, &typ):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("%s must be %s", typ.Field, jsonKind(typ.Type.Kind().String())), typ.Field)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "the body is empty or cut short", "")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return NewProblem(http.StatusBadRequest, "unknown field "+field, field)
	case errors.As(err, &textErr):
		// A field's own parser refused its text (a date, a quarter, an
		// enumeration); encoding/json does not say which field.
		return NewProblem(http.StatusBadRequest, err.Error(), "")
	}
	return NewProblem(http.StatusBadRequest, err.Error(), "")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}
