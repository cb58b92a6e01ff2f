package evaluation

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Period is what a survey or a star rating covers: a year ("2011"), a
// quarter ("2011Q3") or a month ("2011-09"). The zero value is invalid;
// build one with ParsePeriod or the Of functions.
type Period struct {
	year    int
	quarter int        // 1..4 for a quarter
	month   time.Month // for a month
}

// YearPeriod is a whole year.
func YearPeriod(year int) Period { return Period{year: year} }

// QuarterPeriod is one quarter.
func QuarterPeriod(q domain.Quarter) Period { return Period{year: q.Year, quarter: q.Q} }

// MonthPeriod is one month.
func MonthPeriod(m domain.Month) Period { return Period{year: m.Year, month: m.Month} }

// ParsePeriod reads "2011", "2011Q3" or "2011-09".
func ParsePeriod(s string) (Period, error) {
	if q, err := domain.ParseQuarter(s); err == nil {
		return QuarterPeriod(q), nil
	}
	if m, err := domain.ParseMonth(s); err == nil && len(s) == 7 {
		return MonthPeriod(m), nil
	}
	if y, err := strconv.Atoi(s); err == nil && len(s) == 4 && y >= 2000 {
		return YearPeriod(y), nil
	}
	return Period{}, fmt.Errorf("period %q: want a year (2011), a quarter (2011Q3) or a month (2011-09)", s)
}

// Valid reports whether p is a year, quarter or month of the ledger's
// supported range of dates.
func (p Period) Valid() bool {
	if p.year < domain.EarliestDate.Year || p.year > domain.LatestDate.Year || (p.quarter != 0 && p.month != 0) {
		return false
	}
	return p.quarter >= 0 && p.quarter <= 4 && p.month >= 0 && p.month <= 12
}

// IsZero reports whether p is the invalid zero period.
func (p Period) IsZero() bool { return p == Period{} }

// Year is the period's year.
func (p Period) Year() int { return p.year }

// Quarter returns the period's quarter, if it is one.
func (p Period) Quarter() (domain.Quarter, bool) {
	return domain.Quarter{Year: p.year, Q: p.quarter}, p.quarter != 0
}

// Month returns the period's month, if it is one.
func (p Period) Month() (domain.Month, bool) {
	return domain.Month{Year: p.year, Month: p.month}, p.month != 0
}

func (p Period) String() string {
	switch {
	case p.quarter != 0:
		return fmt.Sprintf("%dQ%d", p.year, p.quarter)
	case p.month != 0:
		return fmt.Sprintf("%04d-%02d", p.year, int(p.month))
	}
	return fmt.Sprintf("%04d", p.year)
}

// MarshalText writes any period that parses (years 2000 to 2999); Valid,
// the narrower supported range, is for decisions, not for encoding.
func (p Period) MarshalText() ([]byte, error) {
	if _, err := ParsePeriod(p.String()); err != nil || p.IsZero() {
		return nil, fmt.Errorf("invalid period %s", p)
	}
	return []byte(p.String()), nil
}

func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
