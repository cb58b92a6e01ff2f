package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// Conn is the part of a ClickHouse connection the projector uses.
type Conn interface {
	Querier
	Exec(ctx context.Context, query string, args ...any) error
	PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error)
}

// Projector follows the event log and writes every model's rows to
// ClickHouse, one page at a time: one batch per table per page, then the
// checkpoint. A crash between the two redelivers the page on restart;
// entity tables absorb that (ReplacingMergeTree keyed by entity, versioned
// by position) and append-only tables skip rows at or below the highest
// position they already hold, so every figure stays exact.
type Projector struct {
	conn       Conn
	db         string
	log        eventlog.Store
	reg        *domain.Registry
	models     []Model
	name       string // checkpoint name
	suffix     string // appended to every table name (rebuilds write to "__next")
	topology   Topology
	pageSize   int
	logger     *slog.Logger
	backoff    time.Duration
	maxBackoff time.Duration

	position atomic.Uint64 // commit position of the last page written
	events   atomic.Uint64 // events projected since start
	hwm      map[string]uint64
}

// Option changes a Projector's defaults.
type Option func(*Projector)

// WithLogger sets the projector's logger.
func WithLogger(l *slog.Logger) Option { return func(p *Projector) { p.logger = l } }

// WithPageSize sets how many events make one page (one batch per table).
func WithPageSize(n int) Option { return func(p *Projector) { p.pageSize = n } }

// WithName names the projector's checkpoint (default "live").
func WithName(name string) Option { return func(p *Projector) { p.name = name } }

// WithTableSuffix writes every table under its name plus suffix.
func WithTableSuffix(s string) Option { return func(p *Projector) { p.suffix = s } }

// WithBackoff sets the first and the longest wait between attempts to
// write to ClickHouse while it is unavailable (default 500 ms and 30 s).
func WithBackoff(first, max time.Duration) Option {
	return func(p *Projector) { p.backoff, p.maxBackoff = first, max }
}

// NewProjector returns a projector of models into database db.
func NewProjector(conn Conn, db string, log eventlog.Store, reg *domain.Registry, models []Model, opts ...Option) *Projector {
	p := &Projector{
		conn: conn, db: db, log: log, reg: reg, models: models,
		name: "live", pageSize: 20000, logger: slog.Default(), backoff: 500 * time.Millisecond, maxBackoff: 30 * time.Second,
	}
	for _, o := range opts {
		o(p)
	}
	p.conn = p.topology.conn(p.conn)
	return p
}

// Position is the commit position of the last event written to ClickHouse.
func (p *Projector) Position() uint64 { return p.position.Load() }

// Lag is how many positions the read models are behind the log: the
// log's last position minus the last one written to ClickHouse. It is the
// figure /metrics exports as projector lag. For the embedded log the
// difference counts events; for KurrentDB it is bytes of its log.
func (p *Projector) Lag() (uint64, error) {
	h, ok := p.log.(interface {
		Head() (eventlog.Position, error)
	})
	if !ok {
		return 0, errors.New("projections: this event log cannot tell its head")
	}
	head, err := h.Head()
	if err != nil {
		return 0, err
	}
	return head.Commit - min(head.Commit, p.position.Load()), nil
}

// Events is the number of events projected since the projector started.
func (p *Projector) Events() uint64 { return p.events.Load() }

func (p *Projector) table(name string) string { return p.db + "." + name + p.suffix }

// Start applies the schema migrations and reads the checkpoint and the
// append-only tables' high-water marks.
func (p *Projector) Start(ctx context.Context) (eventlog.Position, error) {
	if err := Migrate(ctx, p.conn, p.db, p.suffix, p.models, p.topology); err != nil {
		return eventlog.Position{}, err
	}
	from, err := ReadCheckpoint(ctx, p.conn, p.db, p.name)
	if err != nil {
		return from, err
	}
	p.position.Store(from.Commit)
	if err := p.settle(ctx); err != nil {
		return from, err
	}
	return from, p.loadHighWater(ctx)
}

// settle waits until no INSERT into this projector's tables is still
// running on the server. A projector that died a moment ago may have sent
// its last batch whole: the server then finishes writing it after the
// death, and a successor that read the high-water marks before that would
// write the same rows again.
func (p *Projector) settle(ctx context.Context) error {
	var likes []string
	var args []any
	for _, m := range p.models {
		for _, t := range m.Tables() {
			likes = append(likes, "query LIKE ?")
			args = append(args, "INSERT INTO "+p.table(t.Name)+" (%")
		}
	}
	if len(likes) == 0 {
		return nil
	}
	q := "SELECT count() FROM system.processes WHERE " + strings.Join(likes, " OR ")
	deadline := time.Now().Add(time.Minute)
	for {
		var running uint64
		err := p.conn.QueryRow(ctx, q, args...).Scan(&running)
		if err != nil {
			return fmt.Errorf("projections: look for inserts still running: %w", err)
		}
		if running == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("projections: %d inserts into %s still running after a minute", running, p.db)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *Projector) loadHighWater(ctx context.Context) error {
	// Build the marks aside and swap them in whole: a read that fails
	// halfway must not leave a table without its mark.
	hwm := map[string]uint64{}
	for _, m := range p.models {
		for _, t := range m.Tables() {
			if !t.AppendOnly {
				continue
			}
			var max uint64
			if err := p.conn.QueryRow(ctx, "SELECT max(position) FROM "+p.table(t.Name)).Scan(&max); err != nil {
				return fmt.Errorf("projections: high-water mark of %s: %w", t.Name, err)
			}
			hwm[t.Name] = max
		}
	}
	p.hwm = hwm
	return nil
}

// CatchUp projects every event after the checkpoint up to the log's end as
// it is when the pages are read, and returns the position reached.
func (p *Projector) CatchUp(ctx context.Context) (eventlog.Position, error) {
	after, err := p.Start(ctx)
	if err != nil {
		return after, err
	}
	return p.catchUp(ctx, after, nil)
}

// Progress is told the position reached after each page.
type Progress func(pos eventlog.Position, events uint64)

// CatchUpWithProgress is CatchUp with a progress callback.
func (p *Projector) CatchUpWithProgress(ctx context.Context, progress Progress) (eventlog.Position, error) {
	after, err := p.Start(ctx)
	if err != nil {
		return after, err
	}
	return p.catchUp(ctx, after, progress)
}

// catchUp runs three stages side by side, each on its own goroutine, so
// the machine's cores share the work: reading and decoding page N+2,
// applying page N+1 to the models (in order: models see each event once,
// in global order), and writing page N to ClickHouse.
func (p *Projector) catchUp(ctx context.Context, after eventlog.Position, progress Progress) (eventlog.Position, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	decodedPages := make(chan []Event, 1)
	appliedPages := make(chan applied, 1)
	errs := make(chan error, 3)
	go func() {
		defer close(decodedPages)
		for from := after; ; {
			page, err := p.log.ReadAll(ctx, from, p.pageSize)
			if err != nil {
				errs <- fmt.Errorf("projections: read log after %v: %w", from, err)
				return
			}
			if len(page) == 0 {
				return
			}
			events, err := p.decode(page)
			if err != nil {
				errs <- err
				return
			}
			select {
			case decodedPages <- events:
			case <-ctx.Done():
				return
			}
			from = page[len(page)-1].Position
		}
	}()
	go func() {
		defer close(appliedPages)
		for events := range decodedPages {
			rows, err := p.apply(ctx, events)
			if err != nil {
				errs <- err
				return
			}
			select {
			case appliedPages <- applied{rows: rows, last: events[len(events)-1].Position, n: len(events)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for a := range appliedPages {
		if err := p.commit(ctx, a); err != nil {
			return after, err
		}
		after = a.last
		if progress != nil {
			progress(after, p.events.Load())
		}
	}
	select {
	case err := <-errs:
		return after, err
	default:
		return after, ctx.Err()
	}
}

// Run catches up, then follows the log until ctx ends, writing a page when
// it is full or flushAfter after its first event, so that a steady trickle
// of events is not held back until a page fills.
func (p *Projector) Run(ctx context.Context) error {
	after, err := p.CatchUp(ctx)
	if err != nil {
		return err
	}
	sub, err := p.log.Subscribe(ctx, after)
	if err != nil {
		return fmt.Errorf("projections: subscribe after %v: %w", after, err)
	}
	defer sub.Close()
	const flushAfter = 100 * time.Millisecond
	var page []eventlog.Event
	var due time.Time // when the page's first event must be written by
	for {
		if len(page) == 0 {
			due = time.Now().Add(flushAfter)
		}
		wait, cancel := context.WithDeadline(ctx, due)
		e, err := sub.Next(wait)
		cancel()
		switch {
		case err == nil:
			page = append(page, e)
			if len(page) < p.pageSize && time.Now().Before(due) {
				continue
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("projections: subscription: %w", err)
		}
		if len(page) > 0 {
			if err := p.project(ctx, page); err != nil {
				return err
			}
			page = page[:0]
		}
	}
}

// applied is a page folded into rows, waiting to be written.
type applied struct {
	rows *Rows
	last eventlog.Position
	n    int
}

// project folds one page into rows and writes it.
func (p *Projector) project(ctx context.Context, page []eventlog.Event) error {
	events, err := p.decode(page)
	if err != nil {
		return err
	}
	rows, err := p.apply(ctx, events)
	if err != nil {
		return err
	}
	return p.commit(ctx, applied{rows: rows, last: page[len(page)-1].Position, n: len(page)})
}

// decode decodes a page's payloads, in parallel: decoding is pure.
func (p *Projector) decode(page []eventlog.Event) ([]Event, error) {
	out := make([]Event, len(page))
	const workers = 2
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(page); i += workers {
				data, err := p.reg.Decode(page[i].Type, page[i].SchemaVersion, page[i].Payload)
				if err != nil {
					errs[w] = fmt.Errorf("projections: position %v: %w", page[i].Position, err)
					return
				}
				out[i] = Event{Event: page[i], Data: data}
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// apply folds decoded events into every model's rows, in order.
func (p *Projector) apply(ctx context.Context, events []Event) (*Rows, error) {
	rows := &Rows{}
	h := history{log: p.log, reg: p.reg}
	for _, e := range events {
		for _, m := range p.models {
			if err := m.Apply(ctx, e, h, rows); err != nil {
				return nil, fmt.Errorf("projections: %s at position %v: %w", m.Name(), e.Position, err)
			}
		}
	}
	return rows, nil
}

// commit writes a page's rows, retrying with backoff while ClickHouse is
// unavailable (the rows are kept: models must not see the same events
// twice), then moves the checkpoint.
func (p *Projector) commit(ctx context.Context, a applied) error {
	delay := p.backoff
	for marked := true; ; {
		var err error
		if !marked {
			// A failed write may have landed in some tables all the same
			// (the reply lost): write again only once their marks are read.
			err = p.loadHighWater(ctx)
			marked = err == nil
		}
		if err == nil {
			err = p.write(ctx, a.rows)
			marked = err == nil
		}
		if err == nil {
			err = WriteCheckpoint(ctx, p.conn, p.db, p.name, a.last)
		}
		if err == nil {
			break
		}
		p.logger.Warn("projections: write failed; retrying", "position", a.last.String(), "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, p.maxBackoff)
	}
	p.position.Store(a.last.Commit)
	p.events.Add(uint64(a.n))
	return nil
}

// write inserts every table's rows of a page, the tables in parallel
// (ClickHouse works on several inserts at once; the page is not done
// until all are).
func (p *Projector) write(ctx context.Context, rows *Rows) error {
	type job struct {
		t     Table
		batch [][]any
	}
	var jobs []job
	for _, m := range p.models {
		for _, t := range m.Tables() {
			batch := rows.tables[t.Name]
			switch {
			case t.AppendOnly:
				batch = p.above(t, batch)
			case len(tableKey(t)) > 0:
				batch = lastPerKey(t, batch)
			}
			if len(batch) > 0 {
				jobs = append(jobs, job{t, batch})
			}
		}
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { errs[i] = p.insert(ctx, j.t, j.batch) })
	}
	wg.Wait()
	for i, j := range jobs {
		if errs[i] == nil && j.t.AppendOnly {
			p.hwm[j.t.Name] = rowPosition(j.t, j.batch[len(j.batch)-1])
		}
	}
	return errors.Join(errs...)
}

// tableKey is t.Key, or else the ORDER BY of a ReplacingMergeTree table's
// DDL: the columns whose equal values one row replaces.
func tableKey(t Table) []string {
	if len(t.Key) > 0 {
		return t.Key
	}
	_, engine, ok := strings.Cut(t.Create, "ReplacingMergeTree")
	if !ok {
		return nil
	}
	_, order, ok := strings.Cut(engine, "ORDER BY")
	if !ok {
		return nil
	}
	order = strings.Trim(strings.TrimSpace(order), "()")
	var key []string
	for _, c := range strings.Split(order, ",") {
		key = append(key, strings.TrimSpace(c))
	}
	return key
}

// Compact returns the rows of one page the projector would write to t:
// for a replacing table, only the last row of each entity.
func (t Table) Compact(batch [][]any) [][]any {
	if t.AppendOnly || len(tableKey(t)) == 0 {
		return batch
	}
	return lastPerKey(t, batch)
}

// lastPerKey keeps, in order, the last row of each key.
func lastPerKey(t Table, batch [][]any) [][]any {
	key := tableKey(t)
	idx := make([]int, len(key))
	for i, k := range key {
		idx[i] = slices.Index(t.Columns, k)
		if idx[i] < 0 {
			panic("projections: table " + t.Name + " has no key column " + k)
		}
	}
	keys := make([]string, len(batch))
	last := make(map[string]int, len(batch))
	for i, row := range batch {
		keys[i] = rowKey(row, idx)
		last[keys[i]] = i
	}
	out := batch[:0:0]
	for i, row := range batch {
		if last[keys[i]] == i {
			out = append(out, row)
		}
	}
	return out
}

// rowKey is the key columns' values joined by NUL bytes, each as
// fmt.Sprint prints it (a string as itself).
func rowKey(row []any, idx []int) string {
	if len(idx) == 1 {
		return keyPart(row[idx[0]])
	}
	var b strings.Builder
	for i, j := range idx {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(keyPart(row[j]))
	}
	return b.String()
}

func keyPart(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// above keeps the rows past the table's high-water mark.
func (p *Projector) above(t Table, batch [][]any) [][]any {
	mark := p.hwm[t.Name]
	i := 0
	for i < len(batch) && rowPosition(t, batch[i]) <= mark {
		i++
	}
	return batch[i:]
}

func rowPosition(t Table, row []any) uint64 {
	i := slices.Index(t.Columns, "position")
	if i < 0 {
		panic("projections: append-only table " + t.Name + " has no position column")
	}
	v, _ := row[i].(uint64)
	return v
}

func (p *Projector) insert(ctx context.Context, t Table, batch [][]any) error {
	b, err := p.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s (%s)", p.table(t.Name), strings.Join(t.Columns, ", ")))
	if err != nil {
		return fmt.Errorf("projections: insert into %s: %w", t.Name, err)
	}
	defer b.Close() // a batch is always closed, sent or not
	for _, row := range batch {
		if err := b.Append(row...); err != nil {
			return fmt.Errorf("projections: row for %s: %w", t.Name, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("projections: send %d rows to %s: %w", len(batch), t.Name, err)
	}
	return nil
}

// history reads a stream's earlier events from the log for models that
// rebuild an entity after a restart.
type history struct {
	log eventlog.Store
	reg *domain.Registry
}

func (h history) Before(ctx context.Context, stream string, pos eventlog.Position) ([]Event, error) {
	var out []Event
	from := uint64(1)
	for {
		page, err := h.log.ReadStream(ctx, stream, from, eventlog.Forwards, 1000)
		if errors.Is(err, eventlog.ErrStreamNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if !e.Position.Less(pos) {
				return out, nil
			}
			data, err := h.reg.Decode(e.Type, e.SchemaVersion, e.Payload)
			if err != nil {
				return nil, err
			}
			out = append(out, Event{Event: e, Data: data})
		}
		if len(page) < 1000 {
			return out, nil
		}
		from = page[len(page)-1].Version + 1
	}
}
