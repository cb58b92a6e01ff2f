package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Topology says how the read models' tables are laid out. The zero value
// is one server: every table as its model writes it.
//
// With a Cluster, every table T becomes a local table T_local on every
// server (ON CLUSTER), and T itself a Distributed table over them, so the
// query layer reads T unchanged. Rows are sharded by the table's ORDER BY
// key: for a ReplacingMergeTree that is the entity, so all versions of an
// entity land on one shard and FINAL, which collapses versions per shard,
// stays exact. Inserts go through T with insert_distributed_sync, so a
// checkpoint is written only after its rows are on their shards.
type Topology struct {
	Cluster string // a cluster of remote_servers; "" for one server
	// Replicated makes the local tables Replicated*MergeTree, with the
	// server's {shard} and {replica} macros (needs ZooKeeper).
	Replicated bool
}

// WithTopology lays the projector's tables out on a cluster.
func WithTopology(t Topology) Option { return func(p *Projector) { p.topology = t } }

func (t Topology) clustered() bool { return t.Cluster != "" }

// onCluster is the clause DDL takes to run on every server.
func (t Topology) onCluster() string {
	if !t.clustered() {
		return ""
	}
	return " ON CLUSTER " + t.Cluster
}

// local names the table that holds a shard's rows of table.
func (t Topology) local(table string) string {
	if !t.clustered() {
		return table
	}
	return table + "_local"
}

// createTable returns the statements that create table (its name with
// any suffix) in db from a Create template ({db}.{table} ... ENGINE = ...
// ORDER BY key).
func (t Topology) createTable(create, db, table string) ([]string, error) {
	ddl := strings.NewReplacer("{db}", db, "{table}", table).Replace(create)
	if !t.clustered() {
		return []string{ddl}, nil
	}
	name := db + "." + table
	head, engine, ok := strings.Cut(ddl, "ENGINE = ")
	_, key, hasKey := strings.Cut(engine, "ORDER BY ")
	if !ok || !hasKey || !strings.Contains(head, name+" (") {
		return nil, fmt.Errorf("%s: cannot lay out on a cluster: want CREATE TABLE ... {db}.{table} (...) ENGINE = ... ORDER BY", table)
	}
	head = strings.Replace(head, name+" (", db+"."+t.local(table)+t.onCluster()+" (", 1)
	if t.Replicated {
		// A path of its own per creation: a rebuild's table is renamed
		// into place, and the next rebuild creates one under its old name.
		path := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s/%d', '{replica}'", db, table, time.Now().UnixNano())
		switch {
		case strings.HasPrefix(engine, "ReplacingMergeTree("):
			engine = "ReplicatedReplacingMergeTree(" + path + ", " + strings.TrimPrefix(engine, "ReplacingMergeTree(")
		case strings.HasPrefix(engine, "MergeTree ORDER BY"):
			engine = "ReplicatedMergeTree(" + path + ")" + strings.TrimPrefix(engine, "MergeTree")
		default:
			return nil, fmt.Errorf("%s: no replicated engine for %q", table, engine)
		}
	}
	key = strings.TrimSpace(key)
	key = strings.TrimSuffix(strings.TrimPrefix(key, "("), ")")
	dist := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s AS %s.%s ENGINE = Distributed(%s, %s, %s, cityHash64(%s))",
		name, t.onCluster(), db, t.local(table), t.Cluster, db, t.local(table), key)
	return []string{head + "ENGINE = " + engine, dist}, nil
}

// dropTable drops a table everywhere; on a cluster, both halves.
func (t Topology) dropTable(ctx context.Context, conn Conn, db, table string) error {
	names := []string{table}
	if t.clustered() {
		names = append(names, t.local(table))
	}
	for _, n := range names {
		if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+db+"."+n+t.onCluster()); err != nil {
			return err
		}
	}
	return nil
}

// syncInserts waits for a Distributed table's inserts to reach their
// shards before it answers. The value is a number: 18.16 reads settings
// by type, and refuses a string for a numeric setting.
type syncInserts struct{ Conn }

func (c syncInserts) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	return c.Conn.PrepareBatch(ctx, query, opts...)
}

// conn is what writes to the topology's tables go through.
func (t Topology) conn(c Conn) Conn {
	if !t.clustered() {
		return c
	}
	return syncInserts{c}
}
