package domain

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when a command targets an entity that has no
// history yet.
var ErrNotFound = errors.New("not found")

// ErrAlreadyExists is returned when a command would create an entity whose
// stream already has history.
var ErrAlreadyExists = errors.New("already exists")

// ErrSeparationOfDuty is returned when the actor may not make a decision
// because of their own part in the matter: whoever submitted or worked on
// something may not vet, accept or grant it, whatever roles their token
// holds. The API answers 403.
var ErrSeparationOfDuty = errors.New("separation of duty")

// ValidationError says which field of a command is wrong and why. The API
// turns it into a 422 problem naming the field.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

// Invalid builds a ValidationError; it reads well at call sites:
// return nil, domain.Invalid("deadline", "must be after the order date").
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// TransitionError says that a command is not allowed in the entity's
// current state ("cannot file a withdrawn pledge").
type TransitionError struct {
	Entity  string // "pledge", "rectification", ...
	ID      string
	From    string // current state
	Command string // attempted command
	Reason  string // optional detail
}

func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("%s %s: cannot %s in state %s", e.Entity, e.ID, e.Command, e.From)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// UnknownSchemaError is returned when a stored event has a schema version
// this build does not know, or a type it has never heard of (Version 0).
type UnknownSchemaError struct {
	Type    string
	Version int
	Known   int
}

func (e *UnknownSchemaError) Error() string {
	if e.Known == 0 {
		return fmt.Sprintf("unknown event type %q (schema version %d)", e.Type, e.Version)
	}
	return fmt.Sprintf("event type %q: unknown schema version %d (this build reads version %d)", e.Type, e.Version, e.Known)
}
