package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cxzy/ledger/eventlog"
)

// Migration is one versioned change to the read models' schema. Apply
// runs against one table set: the live tables, or a rebuild's tables
// (every table name plus suffix), laid out by the topology (on a cluster,
// an ALTER goes to the local tables ON CLUSTER; see topology.go).
type Migration struct {
	Version int
	Name    string
	Apply   func(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error
}

// Migrations are applied in order at start and recorded in
// {db}.schema_migrations. A change to a model's table after version 1 is a
// new migration (ALTER TABLE ...), never an edit of an applied one.
var Migrations = []Migration{
	{Version: 1, Name: "read models, checkpoints", Apply: createTables},
	{Version: 2, Name: "rectifications: late-entry flags", Apply: addColumns(RectificationsTable, rectLateColumns)},
	{Version: 3, Name: "trends: totals by period kept as a projection (servers 23.8 and later)", Apply: addTrendsProjection},
	{Version: 4, Name: "rankings computed from the ledger: unit_areas, rectification_steps, ranking_rules; rankings: how a revision was published", Apply: rankingsComputed},
}

// rankingColumns are what migration 4 adds to the rankings table: whether
// the revision in force was accepted from the ledger's computation,
// adjusted and why, and the checkpoint its inputs were counted at.
var rankingColumns = []column{
	{"computed", "UInt8", "current"},
	{"adjusted", "UInt8", "computed"},
	{"adjustment_reason", "String", "adjusted"},
	{"checkpoint_size", "UInt64", "adjustment_reason"},
	{"checkpoint_root", "String", "checkpoint_size"},
}

// rankingsComputed is migration 4: the tables of the rankings' inputs
// (the RankingInputs model; created if missing) and the rankings table's
// new columns. The new tables are empty for the events projected before
// it: rebuild the projections once (ledgerctl rebuild) so that they hold
// the whole log; ledgerctl reconcile tells the difference until then.
func rankingsComputed(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error {
	for _, m := range models {
		if _, ok := m.(*RankingInputs); !ok {
			continue
		}
		for _, t := range m.Tables() {
			if err := createTable(ctx, conn, db, t.Name+suffix, t.Create, topo); err != nil {
				return err
			}
		}
	}
	return addColumns(rankingsTable, rankingColumns)(ctx, conn, db, suffix, models, topo)
}

// trendsProjection keeps the facts summed by everything a trends query
// groups or filters on (QueryTrendsSuppressed), unit included so that a
// caller limited to some units is served from it too. The server then
// answers a trends query from about one row per unit, month and metric
// rather than one per fact: at the demo's 1M events 22,440 rows instead
// of 434,071, and the ratio grows with the years a table holds.
const trendsProjection = `period_totals (
	SELECT month, quarter, area, unit_kind, unit, metric, sum(value)
	GROUP BY month, quarter, area, unit_kind, unit, metric)`

// addTrendsProjection is migration 3: on a server that has aggregate
// projections, the facts table gets trendsProjection; on an older one
// (18.16) nothing changes and trends read the facts as before. Rows
// already there are added to it by a mutation the server runs in the
// background; until it is done, queries read the facts themselves, with
// the same results. A deployment that moves to a newer server after this
// migration ran gets the projection with its next rebuild.
func addTrendsProjection(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error {
	v, err := ReadServerVersion(ctx, conn)
	if err != nil || !v.AggregateProjections() {
		return err
	}
	table := db + "." + topo.local(trendsTable+suffix)
	exists, err := tableExists(ctx, conn, db, topo.local(trendsTable+suffix))
	if err != nil || !exists { // a deployment without the trends model
		return err
	}
	if err := conn.Exec(ctx, "ALTER TABLE "+table+topo.onCluster()+" ADD PROJECTION IF NOT EXISTS "+trendsProjection); err != nil {
		return fmt.Errorf("add projection to %s: %w", table, err)
	}
	if err := conn.Exec(ctx, "ALTER TABLE "+table+topo.onCluster()+" MATERIALIZE PROJECTION period_totals"); err != nil {
		return fmt.Errorf("materialize projection of %s: %w", table, err)
	}
	return nil
}

// tableExists reports whether db.table exists.
func tableExists(ctx context.Context, q Querier, db, table string) (bool, error) {
	var n uint64
	if err := q.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db, table).Scan(&n); err != nil {
		return false, fmt.Errorf("is there a table %s.%s: %w", db, table, err)
	}
	return n > 0, nil
}

// column is a column a migration adds, after an existing one.
type column struct{ name, typ, after string }

// addColumns returns a migration that adds cols to table where they are
// missing. 18.16 has no ADD COLUMN IF NOT EXISTS, so the server's own
// list decides; a table created by migration 1 from today's template
// already has them. On a cluster the local tables are altered ON CLUSTER;
// the Distributed table cannot be (18.16 refuses distributed DDL on a
// table that is not replicated when the cluster's shards are), so it is
// dropped and created again over the altered local tables: it holds no
// rows, and readers see it missing only for that moment at start.
// Rows written before the migration read the columns' defaults until the
// projections are rebuilt (docs/operations.md).
func addColumns(table string, cols []column) func(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error {
	return func(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error {
		name := table + suffix
		missing, err := missingColumns(ctx, conn, db, topo.local(name), cols)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			adds := make([]string, len(missing))
			for i, c := range missing {
				adds[i] = "ADD COLUMN " + c.name + " " + c.typ + " AFTER " + c.after
			}
			if err := conn.Exec(ctx, "ALTER TABLE "+db+"."+topo.local(name)+topo.onCluster()+" "+strings.Join(adds, ", ")); err != nil {
				return fmt.Errorf("alter %s: %w", topo.local(name), err)
			}
		}
		if !topo.clustered() {
			return nil
		}
		missing, err = missingColumns(ctx, conn, db, name, cols)
		if err != nil || len(missing) == 0 {
			return err
		}
		create := ""
		for _, m := range models {
			for _, t := range m.Tables() {
				if t.Name == table {
					create = t.Create
				}
			}
		}
		ddls, err := topo.createTable(create, db, name)
		if err != nil {
			return err
		}
		if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+db+"."+name+topo.onCluster()); err != nil {
			return fmt.Errorf("replace %s: %w", name, err)
		}
		if err := conn.Exec(ctx, ddls[len(ddls)-1]); err != nil {
			return fmt.Errorf("replace %s: %w", name, err)
		}
		return nil
	}
}

// missingColumns returns those of cols that table lacks; none if the
// table does not exist (a model this deployment does not run).
func missingColumns(ctx context.Context, conn Conn, db, table string, cols []column) ([]column, error) {
	have := map[string]bool{}
	err := queryEach(ctx, conn, "SELECT name FROM system.columns WHERE database = ? AND table = ?", func(scan func(...any) error) error {
		var c string
		if err := scan(&c); err != nil {
			return err
		}
		have[c] = true
		return nil
	}, db, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	var missing []column
	for _, c := range cols {
		if len(have) > 0 && !have[c.name] {
			missing = append(missing, c)
		}
	}
	return missing, nil
}

// Migrate creates the database and brings the table set named by suffix
// up to the latest migration.
func Migrate(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error {
	conn = topo.conn(conn)
	if err := ensureBase(ctx, conn, db, topo); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM "+db+".schema_migrations WHERE table_set = ?", suffix)
	if err != nil {
		return fmt.Errorf("projections: migrate: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[int(v)] = true
	}
	rows.Close()
	for _, m := range Migrations {
		// A rebuild's tables (suffix != "") are created afresh each time,
		// so every migration runs for them; only the live set is recorded.
		if applied[m.Version] && suffix == "" {
			continue
		}
		if err := m.Apply(ctx, conn, db, suffix, models, topo); err != nil {
			return fmt.Errorf("projections: migration %d (%s): %w", m.Version, m.Name, err)
		}
		if suffix != "" {
			continue
		}
		if err := insertRow(ctx, conn, db+".schema_migrations", "version, name, table_set, applied_at",
			uint32(m.Version), m.Name, suffix, time.Now().UTC()); err != nil {
			return fmt.Errorf("projections: record migration %d: %w", m.Version, err)
		}
	}
	return nil
}

// createTables creates every model's tables (migration 1).
func createTables(ctx context.Context, conn Conn, db, suffix string, models []Model, topo Topology) error {
	for _, m := range models {
		for _, t := range m.Tables() {
			if err := createTable(ctx, conn, db, t.Name+suffix, t.Create, topo); err != nil {
				return err
			}
		}
	}
	return nil
}

func createTable(ctx context.Context, conn Conn, db, table, create string, topo Topology) error {
	ddls, err := topo.createTable(create, db, table)
	if err != nil {
		return err
	}
	for _, ddl := range ddls {
		if err := conn.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("create %s: %w", table, err)
		}
	}
	return nil
}

// ReadCheckpoint returns where the named projector stopped; Start if it
// never wrote one.
func ReadCheckpoint(ctx context.Context, q Querier, db, name string) (eventlog.Position, error) {
	var commit, prepare uint64
	err := q.QueryRow(ctx, "SELECT argMax(commit, written), argMax(prepare, written) FROM "+db+".checkpoints WHERE name = ?", name).
		Scan(&commit, &prepare)
	if err != nil {
		return eventlog.Position{}, fmt.Errorf("projections: read checkpoint %s: %w", name, err)
	}
	return eventlog.Position{Commit: commit, Prepare: prepare}, nil
}

// WriteCheckpoint records that the named projector has written everything
// up to pos. It is written after the page's rows, never before.
func WriteCheckpoint(ctx context.Context, conn Conn, db, name string, pos eventlog.Position) error {
	now := time.Now().UTC()
	err := insertRow(ctx, conn, db+".checkpoints", "name, commit, prepare, written, updated_at",
		name, pos.Commit, pos.Prepare, uint64(now.UnixNano()), now)
	if err != nil {
		return fmt.Errorf("projections: write checkpoint %s: %w", name, err)
	}
	return nil
}

// insertRow inserts one row through a native batch: an INSERT with
// parameters sent as a plain query waits forever for data on 18.16.
func insertRow(ctx context.Context, conn Conn, table, columns string, values ...any) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+columns+")")
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Append(values...); err != nil {
		return err
	}
	return b.Send()
}

// ensureBase creates the database and the projector's own bookkeeping
// tables: the migration record and the checkpoints. On a cluster they are
// laid out like the read models, so every server reads the same
// checkpoint.
func ensureBase(ctx context.Context, conn Conn, db string, topo Topology) error {
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db+topo.onCluster()); err != nil {
		return fmt.Errorf("projections: migrate: %w", err)
	}
	for _, t := range []struct{ name, create string }{
		{"schema_migrations", `CREATE TABLE IF NOT EXISTS {db}.{table} (
			version UInt32, name String, table_set String, applied_at DateTime
		) ENGINE = MergeTree ORDER BY (table_set, version)`},
		{"checkpoints", `CREATE TABLE IF NOT EXISTS {db}.{table} (
			name String, commit UInt64, prepare UInt64, written UInt64, updated_at DateTime
		) ENGINE = ReplacingMergeTree(written) ORDER BY name`},
	} {
		if err := createTable(ctx, conn, db, t.name, t.create, topo); err != nil {
			return fmt.Errorf("projections: migrate: %w", err)
		}
	}
	return nil
}
