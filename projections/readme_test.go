package projections_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// TestReadmeQueriesRun runs every SQL example of projections/README.md, as
// written, in a database of the test's own name: they name no database,
// so they read whichever one the analyst's client is in, and they must
// match the tables the projector makes, on both servers.
func TestReadmeQueriesRun(t *testing.T) {
	admin, db := chtest.Open(t)
	ctx := context.Background()
	if err := projections.Migrate(ctx, admin, db, "", projections.All(nil, catalog.New(), domain.DefaultLocation()), projections.Topology{}); err != nil {
		t.Fatal(err)
	}
	// An analyst's client, in the database (clickhouse-client --database).
	opts, err := clickhouse.ParseDSN(chtest.DSN() + "/" + db)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	var queries []string
	for _, b := range blocks {
		for q := range strings.SplitSeq(b[1], ";") {
			// Comments run to the end of their line; a statement that is
			// only a comment is none.
			q = regexp.MustCompile(`--[^\n]*`).ReplaceAllString(q, "")
			if q = strings.TrimSpace(q); q != "" {
				queries = append(queries, q)
			}
		}
	}
	if len(queries) < 8 {
		t.Fatalf("found %d queries in README.md, want the 8 or more it has", len(queries))
	}
	for _, q := range queries {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Errorf("README query fails: %v\n%s", err, q)
			continue
		}
		rows.Close()
	}
}
