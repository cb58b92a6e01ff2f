package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DefaultDSN is where the read models live unless configured otherwise.
const DefaultDSN = "clickhouse://127.0.0.1:9000/ledger"

// Open is Connect without the ping: the connection is made when first
// used, so a caller can start before ClickHouse does.
func Open(dsn string) (driver.Conn, string, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("--clickhouse (LEDGER_CLICKHOUSE) %q: %w", dsn, err)
	}
	db := opts.Auth.Database
	if db == "" || db == "default" {
		db = "ledger"
	}
	opts.Auth.Database = "default"
	if opts.DialTimeout == 0 || opts.DialTimeout > 10*time.Second {
		opts.DialTimeout = 10 * time.Second
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, "", fmt.Errorf("clickhouse: %w", err)
	}
	return conn, db, nil
}

// Connect opens ClickHouse from a DSN such as DefaultDSN and returns the
// connection and the database the DSN names (default "ledger"). The
// connection itself uses the "default" database, so the read models'
// database need not exist yet: Migrate creates it.
func Connect(ctx context.Context, dsn string) (driver.Conn, string, error) {
	conn, db, err := Open(dsn)
	if err != nil {
		return nil, "", err
	}
	ping, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(ping); err != nil {
		conn.Close()
		return nil, "", fmt.Errorf("clickhouse at %s does not answer: %w", dsn, err)
	}
	return conn, db, nil
}
