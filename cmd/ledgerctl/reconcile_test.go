package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/projections/chtest"
)

// TestReconcileCommandNamesAWrongRow: ledgerctl reconcile agrees with the
// projections it made, then, after a rectification's row is written again
// with a deadline ClickHouse 18.16 cannot hold (9999-12-31, read back as
// 2105-01-05), exits 1 naming the item and both values.
func TestReconcileCommandNamesAWrongRow(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := ledgerctl(t, "seed", "--data-dir", dir, "--events", "2000", "--until", "2025-05-20", "--seed", "3", "--workers", "8"); code != exitOK {
		t.Fatalf("seed = %d, stdout %q, stderr %q", code, out, errOut)
	}
	conn, db := chtest.Open(t)
	u, err := url.Parse(chtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	dsn := u.String()
	if code, out, errOut := ledgerctl(t, "project", "--data-dir", dir, "--clickhouse", dsn); code != exitOK {
		t.Fatalf("project = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, errOut := ledgerctl(t, "reconcile", "--data-dir", dir, "--clickhouse", dsn); code != exitOK || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("reconcile of fresh projections = %d, stdout %q, stderr %q; want ok", code, out, errOut)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var id string
	var deadline time.Time
	if err := conn.QueryRow(ctx, "SELECT id, deadline FROM "+db+".rectifications FINAL ORDER BY id LIMIT 1").Scan(&id, &deadline); err != nil {
		t.Fatalf("the demo has no rectification: %v", err)
	}
	chtest.CopyRow(t, conn, db, "rectifications", "id = ?", []any{id}, map[string]any{"deadline": time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, true)

	code, out, errOut := ledgerctl(t, "reconcile", "--data-dir", dir, "--clickhouse", dsn)
	if code != exitFail {
		t.Fatalf("reconcile after a wrong row = %d, want %d; stdout %q, stderr %q", code, exitFail, out, errOut)
	}
	for _, want := range []string{
		"DIFFERENT rectifications.item{id=" + id + ",",
		"deadline=2105-01-05}: log 0, clickhouse 1",
		"deadline=" + deadline.Format("2006-01-02") + "}: log 1, clickhouse 0",
		"FAILED: 2 of ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("reconcile said %q, want it to contain %q", out, want)
		}
	}
}
