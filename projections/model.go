// Package projections turns the event log into read models in ClickHouse:
// a projector follows the log from a checkpoint and writes, page by page,
// the rows each model derives from the events. Analysts query the tables
// directly; the HTTP API reads them through the query layer in this package.
package projections

import (
	"context"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// Table is one ClickHouse table a model writes. Create is the DDL with
// {db} and {table} standing for the database and the table name, so a
// rebuild can create the same table under another name. SQL must run on
// ClickHouse 18.16 and on current versions (see projections/README.md).
type Table struct {
	Name    string
	Columns []string // the explicit column list of every INSERT
	Create  string
	// AppendOnly tables get each event's rows exactly once: rows carry
	// the event's position in column "position", and after a restart the
	// projector skips rows at or below the highest position the table
	// already holds. Other tables are ReplacingMergeTree keyed by entity
	// and versioned by position, so writing a row again changes nothing.
	AppendOnly bool
	// Key names the columns that identify an entity's row in a replacing
	// table (its ORDER BY). When set, a page keeps only the last row per
	// key: the earlier ones would be replaced anyway, and a busy entity
	// can have many rows in one page.
	Key []string
}

// Event is one event as a model sees it: the envelope and its decoded
// payload.
type Event struct {
	eventlog.Event
	Data domain.Event
}

// Seq is the event's place in the global order as one number, the
// position read models store (column position, and version of replacing
// tables). It is the prepare position: the embedded log sets it equal to
// the commit position, and in KurrentDB the events of one append share a
// commit position but each has its own prepare position, increasing in
// the global order.
func (e Event) Seq() uint64 { return e.Position.Prepare }

// Rows collects the rows a page of events gives, per table.
type Rows struct {
	tables map[string][][]any
}

// Add appends one row to table; values are in the table's column order.
func (r *Rows) Add(table string, values ...any) {
	if r.tables == nil {
		r.tables = map[string][][]any{}
	}
	r.tables[table] = append(r.tables[table], values)
}

// Table returns the rows collected for one table, in the order added.
func (r *Rows) Table(name string) [][]any { return r.tables[name] }

// Model is one read model. Apply is called for every event in global
// order and adds the rows the event changes; a model that keeps state per
// entity may use History to rebuild an entity it has not seen since the
// projector started (a restart resumes from a checkpoint, not from zero).
type Model interface {
	Name() string
	Tables() []Table
	Apply(ctx context.Context, e Event, h History, out *Rows) error
}

// History gives a model the events of a stream recorded before a
// position, decoded: what it needs to rebuild an entity's state after a
// restart.
type History interface {
	Before(ctx context.Context, stream string, pos eventlog.Position) ([]Event, error)
}

// Clock gives "now" to the few projections that need it; views that
// depend on time (warning colours, days overdue) compute it at query time
// from a parameter instead, and are never stored.
type Clock func() time.Time

// Reconciler is implemented by models whose figures `ledgerctl reconcile`
// checks: Expect folds every event of the log (in global order) into the
// figures the model's tables must show, computed in Go without ClickHouse;
// Actual reads the same figures from ClickHouse. Keys are figure names
// such as "rectifications.open{area=a01}".
type Reconciler interface {
	Expect(e Event, figures map[string]int64)
	Actual(ctx context.Context, q Querier, db string) (map[string]int64, error)
}

// Finisher is a Reconciler some of whose figures depend on the whole
// log rather than on each event (a state at every month's end): Finish
// adds them once every event has gone through Expect.
type Finisher interface {
	Finish(figures map[string]int64)
}

// Querier is the part of a ClickHouse connection queries need.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (driver.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) driver.Row
}
