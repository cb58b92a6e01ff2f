package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Quarter is a campaign quarter such as 2011Q3. The zero value is invalid.
type Quarter struct {
	Year int
	Q    int // 1..4
}

// ParseQuarter reads "2011Q3".
func ParseQuarter(s string) (Quarter, error) {
	y, q, ok := strings.Cut(s, "Q")
	if !ok {
		return Quarter{}, fmt.Errorf("quarter %q: want YYYYQn", s)
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 2000 || year > 2999 {
		return Quarter{}, fmt.Errorf("quarter %q: bad year", s)
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > 4 {
		return Quarter{}, fmt.Errorf("quarter %q: quarter must be 1..4", s)
	}
	return Quarter{Year: year, Q: n}, nil
}

// QuarterOf returns the quarter a calendar date falls in.
func QuarterOf(t time.Time) Quarter {
	return Quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}

func (q Quarter) String() string { return strconv.Itoa(q.Year) + "Q" + strconv.Itoa(q.Q) }

// IsZero reports whether q is the invalid zero quarter.
func (q Quarter) IsZero() bool { return q.Q == 0 }

// FirstDay is the first calendar day of the quarter.
func (q Quarter) FirstDay() Date {
	return Date{Year: q.Year, Month: time.Month((q.Q-1)*3 + 1), Day: 1}
}

// LastDay is the last calendar day of the quarter.
func (q Quarter) LastDay() Date {
	t := time.Date(q.Year, time.Month(q.Q*3)+1, 0, 0, 0, 0, 0, time.UTC)
	return DateOf(t)
}

// Next returns the following quarter.
func (q Quarter) Next() Quarter {
	if q.Q == 4 {
		return Quarter{Year: q.Year + 1, Q: 1}
	}
	return Quarter{Year: q.Year, Q: q.Q + 1}
}

func (q Quarter) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

func (q *Quarter) UnmarshalText(b []byte) error {
	p, err := ParseQuarter(string(b))
	if err != nil {
		return err
	}
	*q = p
	return nil
}

// Month is a campaign month such as 2011-09. The zero value is invalid.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "2011-09".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return Month{Year: t.Year(), Month: t.Month()}, nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// IsZero reports whether m is the invalid zero month.
func (m Month) IsZero() bool { return m.Month == 0 }

// Quarter returns the quarter the month belongs to.
func (m Month) Quarter() Quarter { return Quarter{Year: m.Year, Q: (int(m.Month)-1)/3 + 1} }

func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *Month) UnmarshalText(b []byte) error {
	p, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = p
	return nil
}

// Date is a calendar date with no time zone: deadlines are dates, and a
// deadline is missed at 00:00 of the next day in the deployment's zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "2011-09-30".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// DateIn returns the calendar date of the instant t in loc.
func DateIn(t time.Time, loc *time.Location) Date { return DateOf(t.In(loc)) }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Month == 0 }

// Start is 00:00 of the date in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// MissedAt is the instant a deadline on this date is missed: 00:00 of the
// next day in loc.
func (d Date) MissedAt(loc *time.Location) time.Time { return d.AddDays(1).Start(loc) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// DaysUntil returns the number of calendar days from d to o (negative if o
// is before d).
func (d Date) DaysUntil(o Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(o.Year, o.Month, o.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Before reports whether d is strictly earlier than o.
func (d Date) Before(o Date) bool { return d.DaysUntil(o) > 0 }

// After reports whether d is strictly later than o.
func (d Date) After(o Date) bool { return d.DaysUntil(o) < 0 }

// MarshalText writes YYYY-MM-DD, or nothing for the zero date.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
