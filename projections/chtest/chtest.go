// Package chtest gives tests a real ClickHouse: a fresh database on the
// server at LEDGER_TEST_CLICKHOUSE (default clickhouse://127.0.0.1:9000),
// dropped when the test ends. deploy/clickhouse/start.sh starts one; a test
// that cannot reach it fails rather than skips, since a projection test
// against no ClickHouse proves nothing.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DSN is the server tests use.
func DSN() string {
	if v := os.Getenv("LEDGER_TEST_CLICKHOUSE"); v != "" {
		return v
	}
	return "clickhouse://127.0.0.1:9000"
}

// Connect opens a connection to the test server (for a test's child
// process; tests use Open).
func Connect() (driver.Conn, error) {
	opts, err := clickhouse.ParseDSN(DSN())
	if err != nil {
		return nil, err
	}
	opts.DialTimeout = 5 * time.Second
	opts.ReadTimeout = time.Minute // a wedged query fails the test instead of hanging it
	return clickhouse.Open(opts)
}

// Open connects and creates a database of its own for the test.
func Open(tb testing.TB) (driver.Conn, string) {
	tb.Helper()
	conn, err := Connect()
	if err != nil {
		tb.Fatalf("chtest: open %s: %v", DSN(), err)
	}
	// Polled with a deadline: the modern test server's launcher may be
	// starting it again after it aborted (deploy/clickhouse/modern.sh).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := conn.Ping(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			tb.Fatalf("chtest: ClickHouse at %s does not answer (start it with deploy/clickhouse/start.sh): %v", DSN(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var b [4]byte
	rand.Read(b[:])
	db := "test_" + hex.EncodeToString(b[:])
	if err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		tb.Fatalf("chtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
		conn.Close()
	})
	return conn, db
}
