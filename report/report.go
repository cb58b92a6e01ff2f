// Package report writes the campaign's year-end summary (创先争优工作总结)
// in the structure of the district's own (一、主要做法 … 二、取得的成效 …
// 三、存在的问题及下一步打算), with every blank the ledger can know filled
// and the others named as not recorded (〔未记录〕).
//
// Every figure is computed twice at one signed checkpoint: in ClickHouse,
// by a query over the read models bounded to the checkpoint's events
// (figures.go), once the projections have reached it; and in Go, by
// folding the log's first checkpoint-size events (package annual), whose
// Merkle root is checked against the checkpoint's first. A figure is
// printed when the two agree; where they differ it is marked loudly in
// place of a number, and Report.Disagreements says how many. Each figure
// carries a footnote: its SQL, the database, and the checkpoint (size and
// root, with the signed note), so that an auditor verifies the checkpoint
// with the ledger's published key and runs the query again.
//
// The report renders as Markdown, as HTML for A4 printing with quarterly
// trend charts in inline SVG, as an xlsx sheet of the figures with their
// footnotes, and as JSON.
package report

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/annual"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/seal"
)

// Source is where a report is computed from.
type Source struct {
	Log      eventlog.Store
	Registry *domain.Registry // decodes the log's events
	Conn     projections.Querier
	DB       string
	// Position reports the commit position the projections have reached;
	// the queries wait (polling, at most Wait) until it covers the
	// checkpoint's last event.
	Position func(ctx context.Context) (uint64, error)
	Wait     time.Duration // 0 means 30 s
	Loc      *time.Location
	// Trusted, when set, verifies the checkpoint's signature before
	// anything is computed; without it the report says the signature was
	// not checked when it was written.
	Trusted note.Verifiers
}

// Params say which summary to write.
type Params struct {
	Year int
	Area string // "" for the district
}

// Report is a year-end summary's figures, each with where it comes from.
type Report struct {
	Year     int    `json:"year"`
	Area     string `json:"area,omitempty"`
	AreaName string `json:"area_name,omitempty"`
	District string `json:"district"` // the district's name
	Database string `json:"database"`
	// Checkpoint is the signed checkpoint every figure was computed at.
	Checkpoint Checkpoint `json:"checkpoint"`
	// Position is the stored position of the checkpoint's last event: every
	// query reads the rows at or below it.
	Position uint64 `json:"position"`
	// Cutoff is the instant stocks (red items, contact points, groups,
	// areas, units) are taken at: the year's end, or, for a year still
	// running, when the checkpoint was signed.
	Cutoff  time.Time `json:"cutoff"`
	Figures []Figure  `json:"figures"`
	Rates   []Rate    `json:"rates"`
	Trend   Trend     `json:"trend"`
	// Disagreements counts the figures (trend cells included) where
	// ClickHouse and the log differ; each is marked in place of a number.
	Disagreements int `json:"disagreements"`
	loc           *time.Location
}

// Checkpoint is the signed checkpoint a report was computed at.
type Checkpoint struct {
	Origin  string    `json:"origin"`
	Size    uint64    `json:"size"`
	Root    string    `json:"root"` // base64
	Time    time.Time `json:"time"`
	KeyName string    `json:"key_name"`
	KeyID   string    `json:"key_id"`
	Note    string    `json:"note"`
	// Verified says the signature was checked with a trusted key when the
	// report was written.
	Verified bool `json:"verified"`
}

// Figure is one number of the summary and its two computations.
type Figure struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Unit  string `json:"unit"`
	// Value is the figure, when the two computations agree.
	Value      int64 `json:"value"`
	ClickHouse int64 `json:"clickhouse"`
	Log        int64 `json:"log"`
	Agree      bool  `json:"agree"`
	// District marks, in an area's summary, a figure of the whole district.
	District bool   `json:"district,omitempty"`
	SQL      string `json:"sql"`
}

// Rate is a ratio of figures.
type Rate struct {
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Numerator   []string `json:"numerator"`   // figure ids summed
	Denominator []string `json:"denominator"` // figure ids summed
	// Value is the ratio, null when the denominator is 0 or a figure
	// disagrees.
	Value *float64 `json:"value"`
}

// Trend is the quarterly series of the year.
type Trend struct {
	Quarters []string `json:"quarters"`
	Series   []Series `json:"series"`
	SQL      string   `json:"sql"`
}

// Series is one metric by quarter.
type Series struct {
	Metric     string  `json:"metric"`
	Label      string  `json:"label"`
	Values     []int64 `json:"values"`
	ClickHouse []int64 `json:"clickhouse"`
	Log        []int64 `json:"log"`
	Agree      []bool  `json:"agree"`
}

// Errors a caller may answer differently.
var (
	// ErrUnknownArea is an area the ledger never registered.
	ErrUnknownArea = errors.New("report: no such area")
	// ErrNotSealed is a log whose events do not have the checkpoint's root.
	ErrNotSealed = errors.New("report: the log's events do not have the checkpoint's root")
	// ErrNotProjected is projections that did not reach the checkpoint in
	// time.
	ErrNotProjected = errors.New("report: the projections did not reach the checkpoint")
)

// CheckpointOf is a signed checkpoint as the log records it (the
// checkpoints stream's event), not verified.
func CheckpointOf(size uint64, root, noteText, keyName, keyID string, at time.Time) (seal.Checkpoint, error) {
	r, err := base64.StdEncoding.DecodeString(root)
	if err != nil {
		return seal.Checkpoint{}, fmt.Errorf("report: checkpoint root: %w", err)
	}
	origin, _, _ := strings.Cut(noteText, "\n")
	return seal.Checkpoint{Origin: origin, Size: size, Root: r, Time: at, KeyName: keyName, KeyID: keyID, Note: noteText}, nil
}

// Build computes the summary p asks for at checkpoint cp.
func Build(ctx context.Context, src Source, cp seal.Checkpoint, p Params) (*Report, error) {
	loc := src.Loc
	if loc == nil {
		loc = domain.DefaultLocation()
	}
	if p.Year < 2000 || p.Year > 2099 {
		return nil, fmt.Errorf("report: year %d: want 2000 to 2099", p.Year)
	}
	verified := false
	if src.Trusted != nil {
		opened, err := seal.Open([]byte(cp.Note), src.Trusted)
		if err != nil {
			return nil, fmt.Errorf("report: checkpoint of %d events: %w", cp.Size, err)
		}
		if opened.Size != cp.Size || string(opened.Root) != string(cp.Root) {
			return nil, fmt.Errorf("report: the checkpoint's note says %d events, not %d", opened.Size, cp.Size)
		}
		cp, verified = opened, true
	}
	if cp.Size == 0 {
		return nil, errors.New("report: a checkpoint of no events")
	}
	l, last, err := fold(ctx, src, cp, loc)
	if err != nil {
		return nil, err
	}
	if p.Area != "" && !slices.Contains(l.Areas(), p.Area) {
		return nil, fmt.Errorf("%w: %s", ErrUnknownArea, p.Area)
	}
	if err := waitFor(ctx, src, last.Commit); err != nil {
		return nil, err
	}
	start, end := annual.Bounds(p.Year, loc)
	// Stocks are taken at the year's end, or, for a year still running,
	// when the checkpoint was signed: the end of the second its note
	// names (the note keeps whole seconds, as ClickHouse keeps business
	// times), so whatever it covers that happened before counts.
	cutoff := end
	if signed := cp.Time.Truncate(time.Second).Add(time.Second); signed.Before(end) {
		cutoff = signed
		if cutoff.Before(start) {
			cutoff = start
		}
	}
	r := &Report{Year: p.Year, Area: p.Area, Database: src.DB, Position: last.Prepare, Cutoff: cutoff, loc: loc,
		Checkpoint: Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root), Time: cp.Time,
			KeyName: cp.KeyName, KeyID: cp.KeyID, Note: cp.Note, Verified: verified}}
	if id, ok := l.District(); ok {
		r.District, _ = l.Name(id)
	}
	if p.Area != "" {
		r.AreaName, _ = l.Name(p.Area)
	}
	utc := func(t time.Time) string { return t.UTC().Format(time.DateTime) }
	qs := make([]string, 4)
	for i, q := range annual.Quarters(p.Year) {
		qs[i] = quote(q.String())
		r.Trend.Quarters = append(r.Trend.Quarters, q.String())
	}
	sp := sqlParams{db: src.DB, pos: last.Prepare, year: p.Year, area: p.Area, quarters: strings.Join(qs, ", "),
		start: utc(start), end: utc(end), cutoff: utc(cutoff), lastDay: domain.DateIn(cutoff, loc).AddDays(-1).String()}
	logged := l.Figures(annual.Params{Year: p.Year, Area: p.Area, Cutoff: cutoff})
	r.Figures = make([]Figure, 0, len(figureDefs))
	for _, d := range figureDefs {
		f := Figure{ID: d.id, Label: d.label, Unit: d.unit, District: d.district && p.Area != "", SQL: d.sql(sp), Log: logged[d.id]}
		if err := src.Conn.QueryRow(ctx, f.SQL).Scan(&f.ClickHouse); err != nil {
			return nil, fmt.Errorf("report: %s: %w", d.id, err)
		}
		f.Agree = f.ClickHouse == f.Log
		if f.Agree {
			f.Value = f.ClickHouse
		} else {
			r.Disagreements++
		}
		r.Figures = append(r.Figures, f)
	}
	byID := map[string]Figure{}
	for _, f := range r.Figures {
		byID[f.ID] = f
	}
	if err := r.trend(ctx, src, sp, logged); err != nil {
		return nil, err
	}
	for _, d := range rateDefs {
		rate := Rate{ID: d.id, Label: d.label, Numerator: d.num, Denominator: d.den}
		num, den, ok := int64(0), int64(0), true
		for _, id := range d.num {
			num += byID[id].Value
			ok = ok && byID[id].Agree
		}
		for _, id := range d.den {
			den += byID[id].Value
			ok = ok && byID[id].Agree
		}
		if ok && den != 0 {
			v := float64(num) / float64(den)
			rate.Value = &v
		}
		r.Rates = append(r.Rates, rate)
	}
	return r, nil
}

// trend reads the quarterly series and compares them with the log's.
func (r *Report) trend(ctx context.Context, src Source, sp sqlParams, logged map[string]int64) error {
	r.Trend.SQL = trendSQL(sp)
	got := map[string]int64{}
	rows, err := src.Conn.Query(ctx, r.Trend.SQL)
	if err != nil {
		return fmt.Errorf("report: trend: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var quarter, metric string
		var n int64
		if err := rows.Scan(&quarter, &metric, &n); err != nil {
			return fmt.Errorf("report: trend: %w", err)
		}
		got["trend."+metric+"."+quarter] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: trend: %w", err)
	}
	for _, m := range annual.TrendMetrics {
		s := Series{Metric: m, Label: trendLabels[m]}
		for _, q := range annual.Quarters(r.Year) {
			key := annual.TrendKey(m, q)
			ch, lg := got[key], logged[key]
			s.ClickHouse, s.Log, s.Agree = append(s.ClickHouse, ch), append(s.Log, lg), append(s.Agree, ch == lg)
			if ch == lg {
				s.Values = append(s.Values, ch)
			} else {
				s.Values = append(s.Values, 0)
				r.Disagreements++
			}
		}
		r.Trend.Series = append(r.Trend.Series, s)
	}
	return nil
}

// Figure returns the figure id.
func (r *Report) Figure(id string) (Figure, bool) {
	for _, f := range r.Figures {
		if f.ID == id {
			return f, true
		}
	}
	return Figure{}, false
}

// fold reads the log's first cp.Size events, checks that their Merkle
// root is the checkpoint's, and counts them; it returns the count and the
// position of the last event.
func fold(ctx context.Context, src Source, cp seal.Checkpoint, loc *time.Location) (*annual.Ledger, eventlog.Position, error) {
	l := &annual.Ledger{Loc: loc}
	b := seal.NewRootBuilder()
	after := eventlog.Start
	var last eventlog.Position
	for b.Size() < cp.Size {
		page, err := src.Log.ReadAll(ctx, after, int(min(cp.Size-b.Size(), 5000)))
		if err != nil {
			return nil, last, fmt.Errorf("report: read the log: %w", err)
		}
		if len(page) == 0 {
			return nil, last, fmt.Errorf("%w: the log holds %d events, the checkpoint %d", ErrNotSealed, b.Size(), cp.Size)
		}
		for i := range page {
			e := &page[i]
			if err := b.Add(e); err != nil {
				return nil, last, fmt.Errorf("%w: %w", ErrNotSealed, err)
			}
			data, err := src.Registry.Decode(e.Type, e.SchemaVersion, e.Payload)
			if err != nil {
				return nil, last, fmt.Errorf("report: position %v: %w", e.Position, err)
			}
			l.Apply(annual.Event{Stream: e.Stream, Unit: e.Unit, OccurredAt: e.OccurredAt, Data: data})
			last = e.Position
		}
		after = page[len(page)-1].Position
	}
	root, err := b.Root()
	if err != nil {
		return nil, last, err
	}
	if string(root) != string(cp.Root) {
		return nil, last, fmt.Errorf("%w: the first %d events have root %s, the checkpoint %s", ErrNotSealed, cp.Size,
			base64.StdEncoding.EncodeToString(root), base64.StdEncoding.EncodeToString(cp.Root))
	}
	return l, last, nil
}

// waitFor holds until the projections have reached commit, polling.
func waitFor(ctx context.Context, src Source, commit uint64) error {
	wait := src.Wait
	if wait <= 0 {
		wait = 30 * time.Second
	}
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		pos, err := src.Position(ctx)
		if err != nil {
			return fmt.Errorf("report: the projections' position: %w", err)
		}
		if pos >= commit {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: they are at %d, the checkpoint's last event at %d (waited %s)", ErrNotProjected, pos, commit, wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
