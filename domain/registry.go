package domain

import "fmt"

// Registry knows every event type the ledger records: its schema version
// and how to decode it. It is built once, at start-up, from each family's
// Codecs, and is read-only afterwards.
type Registry struct {
	codecs map[string]Codec
}

// NewRegistry builds a registry; a type listed twice is a programming
// error reported here rather than a silent overwrite.
func NewRegistry(families ...[]Codec) (*Registry, error) {
	r := &Registry{codecs: map[string]Codec{}}
	for _, family := range families {
		for _, c := range family {
			if c.Type == "" || c.SchemaVersion < 1 || c.Decode == nil {
				return nil, fmt.Errorf("registry: incomplete codec %+v", c.Type)
			}
			if _, dup := r.codecs[c.Type]; dup {
				return nil, fmt.Errorf("registry: event type %q registered twice", c.Type)
			}
			r.codecs[c.Type] = c
		}
	}
	return r, nil
}

// SchemaVersion returns the version new events of the type are written at.
func (r *Registry) SchemaVersion(eventType string) (int, error) {
	c, ok := r.codecs[eventType]
	if !ok {
		return 0, &UnknownSchemaError{Type: eventType}
	}
	return c.SchemaVersion, nil
}

// Decode turns a stored payload back into its event. An unknown type or
// schema version fails with *UnknownSchemaError.
func (r *Registry) Decode(eventType string, schemaVersion int, data []byte) (Event, error) {
	c, ok := r.codecs[eventType]
	if !ok {
		return nil, &UnknownSchemaError{Type: eventType, Version: schemaVersion}
	}
	e, err := c.Decode(data, schemaVersion)
	if err != nil {
		return nil, fmt.Errorf("decode %s v%d: %w", eventType, schemaVersion, err)
	}
	return e, nil
}

// Types lists the registered event types.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.codecs))
	for t := range r.codecs {
		out = append(out, t)
	}
	return out
}
