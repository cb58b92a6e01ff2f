package chtest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// CopyRow writes into db.table a copy of the one current row (FINAL) that
// where selects, with the columns in set changed, as a faulty projector or
// someone with INSERT rights could: a reconciliation test then checks the
// wrong row is found. With bump, the copy's version is one above the row's,
// so in a ReplacingMergeTree table it replaces the row; without, it stands
// beside it (under a changed id, a second row). Values in set are Go values
// of the column's type, written through the driver as the projector writes.
func CopyRow(tb testing.TB, conn driver.Conn, db, table, where string, args []any, set map[string]any, bump bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, "SELECT * FROM "+db+"."+table+" FINAL WHERE "+where, args...)
	if err != nil {
		tb.Fatalf("chtest: copy row: %v", err)
	}
	names := rows.Columns()
	types := rows.ColumnTypes()
	var values []any
	n := 0
	for rows.Next() {
		n++
		ptrs := make([]any, len(types))
		for i, ct := range types {
			ptrs[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatalf("chtest: copy row: scan: %v", err)
		}
		values = make([]any, len(ptrs))
		for i, p := range ptrs {
			values[i] = reflect.ValueOf(p).Elem().Interface()
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("chtest: copy row: %v", err)
	}
	rows.Close()
	if n != 1 {
		tb.Fatalf("chtest: copy row: %s selects %d rows of %s, want 1", where, n, table)
	}
	found := 0
	for i, name := range names {
		if v, ok := set[name]; ok {
			values[i] = v
			found++
		}
		if name == "version" && bump {
			values[i] = values[i].(uint64) + 1
		}
	}
	if found != len(set) {
		tb.Fatalf("chtest: copy row: %v names columns %s does not have (%s)", set, table, strings.Join(names, ", "))
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+"."+table+" ("+strings.Join(names, ", ")+")")
	if err != nil {
		tb.Fatalf("chtest: copy row: %v", err)
	}
	if err := batch.Append(values...); err != nil {
		tb.Fatalf("chtest: copy row: %v", err)
	}
	if err := batch.Send(); err != nil {
		tb.Fatalf("chtest: copy row: %v", err)
	}
}
