package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a command may carry, shared by every event family. Names and texts are counted in runes
// (characters), not bytes, because they are Chinese in real use.
const (
	MaxNameRunes = 100
	MaxTextRunes = 2000
	MaxIDBytes   = 128
)

// CheckID refuses an empty identifier or one that could not be part of a
// stream name: identifiers are opaque, but never padded, spaced or huge.
func CheckID(field, id string) error {
	if id == "" {
		return Invalid(field, "must not be empty")
	}
	if len(id) > MaxIDBytes {
		return Invalid(field, "must be at most %d bytes", MaxIDBytes)
	}
	if !utf8.ValidString(id) || strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return Invalid(field, "must not contain spaces or control characters")
	}
	return nil
}

// CleanName trims a name and checks it is present, at most MaxNameRunes
// characters and on one line.
func CleanName(field, s string) (string, error) {
	s, err := CleanText(field, s, MaxNameRunes)
	if err != nil {
		return "", err
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", Invalid(field, "must be one line without control characters")
	}
	return s, nil
}

// CleanText trims a text and checks it is present and at most max
// characters.
func CleanText(field, s string, max int) (string, error) {
	s, err := OptionalText(field, s, max)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", Invalid(field, "must not be empty")
	}
	return s, nil
}

// OptionalText trims a text that may be empty and checks its length.
func OptionalText(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid(field, "must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > max {
		return "", Invalid(field, "must be at most %d characters, got %d", max, n)
	}
	return s, nil
}

// CheckText checks a text that is kept as given, not trimmed: present
// (not blank) if required, valid UTF-8 and at most max characters.
func CheckText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return Invalid(field, "is required")
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(s) > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	return nil
}

// CheckQuarter refuses the zero quarter and one outside the ledger's era
// (years 2000 to 2999).
func CheckQuarter(field string, q Quarter) error {
	if q.IsZero() || q.Q < 1 || q.Q > 4 || q.Year < 2000 || q.Year > 2999 {
		return Invalid(field, "must be a quarter such as 2011Q3")
	}
	return nil
}

// OccurredAt resolves a command's business time: zero means the ledger
// clock. A time after the ledger clock is refused: the ledger records what
// has happened. Business times are stored in UTC, as in the other event
// families, so payloads do not depend on the client's zone.
func OccurredAt(t time.Time, meta Meta) (time.Time, error) {
	if t.IsZero() {
		t = meta.Now
	}
	if t.After(meta.Now) {
		return time.Time{}, Invalid("occurred_at", "must not be after the time the ledger received the command")
	}
	return t.UTC(), nil
}
