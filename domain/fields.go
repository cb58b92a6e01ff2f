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

// The ledger's supported range of business dates and times: 2000-01-01
// to 2099-12-31, whole days, in any time zone. It is narrower than what
// either ClickHouse can hold (Date and DateTime of 18.16 and of modern
// servers both end in 2105/2106 and start in 1970), so every value the
// ledger accepts is stored and read back as it is, never wrapped; and it
// is wide enough for any campaign. Checked in the domain, so an
// out-of-range value is a 422 naming its field.
var (
	EarliestDate = Date{Year: 2000, Month: time.January, Day: 1}
	LatestDate   = Date{Year: 2099, Month: time.December, Day: 31}
)

// earliestTime and latestTime bound instants: the range of dates in every
// zone (UTC-12 to UTC+14), so a time in range has a date in range in the
// deployment's zone and stays within a DateTime in UTC.
var (
	earliestTime = time.Date(2000, time.January, 1, 14, 0, 0, 0, time.UTC)
	latestTime   = time.Date(2099, time.December, 31, 12, 0, 0, 0, time.UTC)
)

// CheckDate refuses a date outside the supported range. The zero date is
// the caller's to refuse or allow (an optional date).
func CheckDate(field string, d Date) error {
	if d.IsZero() {
		return nil
	}
	if d.Before(EarliestDate) || d.After(LatestDate) {
		return Invalid(field, "must be a date from %s to %s, got %s", EarliestDate, LatestDate, d)
	}
	return nil
}

// CheckTime refuses an instant outside the supported range.
func CheckTime(field string, t time.Time) error {
	if t.Before(earliestTime) || t.After(latestTime) {
		return Invalid(field, "must be a time from %s to %s, got %s", EarliestDate, LatestDate, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckQuarter refuses the zero quarter and one outside the supported
// range of dates.
func CheckQuarter(field string, q Quarter) error {
	if q.IsZero() || q.Q < 1 || q.Q > 4 {
		return Invalid(field, "must be a quarter such as 2011Q3")
	}
	if q.Year < EarliestDate.Year || q.Year > LatestDate.Year {
		return Invalid(field, "must be a quarter from %dQ1 to %dQ4, got %s", EarliestDate.Year, LatestDate.Year, q)
	}
	return nil
}

// CheckMonth refuses the zero month and one outside the supported range
// of dates.
func CheckMonth(field string, m Month) error {
	if m.IsZero() {
		return Invalid(field, "must be a month such as 2011-09")
	}
	if m.Year < EarliestDate.Year || m.Year > LatestDate.Year {
		return Invalid(field, "must be a month from %d-01 to %d-12, got %s", EarliestDate.Year, LatestDate.Year, m)
	}
	return nil
}

// OccurredAt resolves a command's business time: zero means the ledger
// clock. A time after the ledger clock (beyond the deployment's allowed
// clock skew, meta.Skew) is refused: the ledger records what has happened;
// so is one outside the supported range. Whether it may precede what is
// already recorded is the write path's rule (business time is monotone
// per stream), since only the write path sees the stream. Business times
// are stored in UTC, as in the other event families, so payloads do not
// depend on the client's zone.
func OccurredAt(t time.Time, meta Meta) (time.Time, error) {
	if t.IsZero() {
		t = meta.Now
	}
	if t.After(meta.Now.Add(meta.Skew)) {
		return time.Time{}, Invalid("occurred_at", "must not be in the future: it is after %s, when the ledger received the command",
			meta.Now.In(meta.Location()).Format(time.RFC3339))
	}
	if err := CheckTime("occurred_at", t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
