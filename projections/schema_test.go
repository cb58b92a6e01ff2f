package projections_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// TestMigrationTwoAddsTheLateFlags: a database made before migration 2
// (the rectifications table without the late-entry flags) gets them, in
// the place a fresh table has them; running it again changes nothing. On
// a cluster both the local and the Distributed table change.
func TestMigrationTwoAddsTheLateFlags(t *testing.T) {
	ctx := context.Background()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	reg := catalog.New()
	models := projections.All(log, reg, domain.DefaultLocation())
	if got := projections.Migrations[1]; got.Version != 2 {
		t.Fatalf("Migrations[1] is version %d, want 2", got.Version)
	}
	topologies := map[string]projections.Topology{"one server": {}}
	conn, _ := chtest.Open(t)
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = ?", testCluster).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		topologies["cluster"] = projections.Topology{Cluster: testCluster, Replicated: true}
	}
	for name, topo := range topologies {
		t.Run(name, func(t *testing.T) {
			conn, db := chtest.Open(t)
			tables := []string{"rectifications"}
			if topo.Cluster != "" {
				tables = append(tables, "rectifications_local")
			}
			columns := func(table string) []string {
				t.Helper()
				var out []string
				// DESCRIBE lists columns in table order (18.16's system.columns
				// has no position); every one of its columns is a String.
				rows, err := conn.Query(ctx, "DESCRIBE TABLE "+db+"."+table)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for rows.Next() {
					cells := make([]string, len(rows.Columns()))
					ptrs := make([]any, len(cells))
					for i := range cells {
						ptrs[i] = &cells[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					out = append(out, cells[0]+" "+cells[1])
				}
				return out
			}
			if err := projections.Migrate(ctx, conn, db, "", models, topo); err != nil {
				t.Fatal(err)
			}
			fresh := map[string][]string{}
			for _, tb := range tables {
				fresh[tb] = columns(tb)
			}
			// The tables as migration 1 made them before the flags existed.
			// On a cluster the Distributed table, which no distributed ALTER
			// reaches, is made again over the local one.
			exec := func(ddl string) {
				t.Helper()
				if err := conn.Exec(ctx, ddl); err != nil {
					t.Fatalf("%s: %v", ddl, err)
				}
			}
			if topo.Cluster == "" {
				exec("ALTER TABLE " + db + ".rectifications DROP COLUMN closed_entered_late, DROP COLUMN extensions_entered_late")
			} else {
				on := " ON CLUSTER " + topo.Cluster
				exec("ALTER TABLE " + db + ".rectifications_local" + on + " DROP COLUMN closed_entered_late, DROP COLUMN extensions_entered_late")
				exec("DROP TABLE " + db + ".rectifications" + on)
				exec("CREATE TABLE " + db + ".rectifications" + on + " AS " + db + ".rectifications_local ENGINE = Distributed(" +
					topo.Cluster + ", " + db + ", rectifications_local, cityHash64(id))")
			}
			for _, tb := range tables {
				if got := columns(tb); len(got) != len(fresh[tb])-2 {
					t.Fatalf("%s before migration 2: %v, want the two flags gone", tb, got)
				}
			}
			for range 2 {
				if err := projections.Migrations[1].Apply(ctx, conn, db, "", models, topo); err != nil {
					t.Fatal(err)
				}
				for _, tb := range tables {
					if got := columns(tb); !reflect.DeepEqual(got, fresh[tb]) {
						t.Errorf("%s after migration 2: %v, want %v", tb, got, fresh[tb])
					}
				}
			}
		})
	}
}
