package projections

import (
	"context"
	"fmt"
	"strings"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// rebuildSuffix names the tables a rebuild writes before they replace the
// live ones.
const rebuildSuffix = "__next"

// rebuildPageSize is a rebuild's page: larger than the live projector's,
// since a rebuild has the whole log to write and no reader waiting for
// the next event, and fewer, larger inserts cost ClickHouse less.
const rebuildPageSize = 50000

// Rebuild replays the whole log into new tables (every table name plus
// "__next") and, once they have caught up, swaps them in with one RENAME
// statement and moves the live checkpoint to where the rebuild ended, so
// readers never see a half-built model. An interrupted rebuild resumes from
// its own checkpoint the next time it is run. models must be fresh (no
// state from an earlier projector). Pages are rebuildPageSize events
// unless opts set another size.
func Rebuild(ctx context.Context, conn Conn, db string, log eventlog.Store, reg *domain.Registry, models []Model, progress Progress, opts ...Option) (eventlog.Position, error) {
	opts = append([]Option{WithPageSize(rebuildPageSize)}, opts...)
	opts = append(opts, WithName("rebuild"), WithTableSuffix(rebuildSuffix))
	p := NewProjector(conn, db, log, reg, models, opts...)
	conn, topo := p.conn, p.topology
	// A rebuild resumes from its checkpoint only into its own tables: if
	// they are gone (a swap completed), it starts again from zero.
	var leftover uint64
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db+topo.onCluster()); err != nil {
		return eventlog.Start, err
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND endsWith(name, ?)", db, rebuildSuffix).Scan(&leftover); err != nil {
		return eventlog.Start, fmt.Errorf("projections: look for an interrupted rebuild: %w", err)
	}
	if leftover == 0 {
		if err := ensureBase(ctx, conn, db, topo); err != nil {
			return eventlog.Start, err
		}
		if err := WriteCheckpoint(ctx, conn, db, "rebuild", eventlog.Start); err != nil {
			return eventlog.Start, err
		}
	}
	pos, err := p.CatchUpWithProgress(ctx, progress)
	if err != nil {
		return pos, err
	}
	// The live tables must exist for the swap to rename them away.
	if err := Migrate(ctx, conn, db, "", models, topo); err != nil {
		return pos, err
	}
	// On a cluster the local tables are swapped (ON CLUSTER, each server
	// on its own): the live Distributed table names its local table, so it
	// reads the new rows once they have their name, and the rebuild's
	// Distributed table, left naming nothing, is dropped with the old ones.
	var renames, drops []string
	for _, m := range models {
		for _, t := range m.Tables() {
			live, next, old := db+"."+topo.local(t.Name), db+"."+topo.local(t.Name+rebuildSuffix), db+"."+topo.local(t.Name+"__old")
			renames = append(renames, live+" TO "+old, next+" TO "+live)
			drops = append(drops, t.Name+"__old")
		}
	}
	// Tables an interrupted swap replaced but did not drop are in the way.
	for _, t := range drops {
		if err := topo.dropTable(ctx, conn, db, t); err != nil {
			return pos, fmt.Errorf("projections: drop replaced table: %w", err)
		}
	}
	// Reset the rebuild's checkpoint first: if the process dies after the
	// swap, the next rebuild must not resume at the end into empty tables.
	if err := WriteCheckpoint(ctx, conn, db, "rebuild", eventlog.Start); err != nil {
		return pos, err
	}
	if err := conn.Exec(ctx, "RENAME TABLE "+strings.Join(renames, ", ")+topo.onCluster()); err != nil {
		return pos, fmt.Errorf("projections: swap in rebuilt tables: %w", err)
	}
	if err := WriteCheckpoint(ctx, conn, db, "live", pos); err != nil {
		return pos, err
	}
	for _, m := range models {
		for _, t := range m.Tables() {
			if topo.clustered() {
				drops = append(drops, t.Name+rebuildSuffix)
			}
		}
	}
	for _, t := range drops {
		if err := topo.dropTable(ctx, conn, db, t); err != nil {
			return pos, fmt.Errorf("projections: drop replaced table: %w", err)
		}
	}
	return pos, nil
}
