package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// embeddedLog is the embedded event log with its production options:
// fsync on, group commit.
type embeddedLog struct{ *embedded.Store }

func openEmbedded(dir string) (embeddedLog, error) {
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		return embeddedLog{}, err
	}
	return embeddedLog{s}, nil
}

func (l embeddedLog) append(ctx context.Context, stream string, expected uint64, events []eventlog.Event) error {
	_, err := l.Append(ctx, stream, eventlog.Exact(expected), events)
	if _, ok := errors.AsType[*eventlog.ConflictError](err); ok {
		return fmt.Errorf("%w: %w", errConflict, err)
	}
	return err
}

// pgSchema is the table a PostgreSQL-backed ledger would use: the same
// envelope, the stream's version unique so that an insert at an expected
// version+1 is the optimistic-concurrency check.
const pgSchema = `CREATE TABLE events (
	position bigserial PRIMARY KEY,
	id uuid NOT NULL UNIQUE,
	stream text NOT NULL,
	version bigint NOT NULL,
	type text NOT NULL,
	occurred_at timestamptz NOT NULL,
	recorded_at timestamptz NOT NULL,
	actor text NOT NULL,
	unit text,
	command_id text NOT NULL,
	schema_version int NOT NULL,
	payload jsonb NOT NULL,
	prev_hash bytea NOT NULL,
	hash bytea NOT NULL,
	UNIQUE (stream, version)
)`

const pgInsert = `INSERT INTO events
	(id, stream, version, type, occurred_at, recorded_at, actor, unit, command_id, schema_version, payload, prev_hash, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

// pgUniqueViolation is SQLSTATE unique_violation.
const pgUniqueViolation = "23505"

// pgSetupTimeout bounds connecting and recreating the table.
const pgSetupTimeout = 30 * time.Second

// pgInfo is the server's durability settings, reported with the figures.
type pgInfo struct {
	Version           string `json:"version"`
	SynchronousCommit string `json:"synchronous_commit"`
	Fsync             string `json:"fsync"`
	WALSyncMethod     string `json:"wal_sync_method"`
}

// pgPeer is PostgreSQL as the store a user would otherwise pick.
type pgPeer struct {
	dsn  string
	pool *pgxpool.Pool
	info pgInfo
}

func openPostgres(ctx context.Context, dsn string) (*pgPeer, error) {
	p := &pgPeer{dsn: dsn}
	if err := p.reset(ctx, 1); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, pgSetupTimeout)
	defer cancel()
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"server_version", &p.info.Version},
		{"synchronous_commit", &p.info.SynchronousCommit},
		{"fsync", &p.info.Fsync},
		{"wal_sync_method", &p.info.WALSyncMethod},
	} {
		if err := p.pool.QueryRow(ctx, "SELECT current_setting($1)", s.name).Scan(s.dst); err != nil {
			p.Close()
			return nil, fmt.Errorf("postgres: show %s: %w", s.name, err)
		}
	}
	return p, nil
}

// reset recreates the events table and the pool with one connection per
// writer, all opened before the run so that no append waits for a login.
func (p *pgPeer) reset(ctx context.Context, writers int) error {
	p.Close()
	cfg, err := pgxpool.ParseConfig(p.dsn)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = int32(writers), int32(writers)
	ctx, cancel := context.WithTimeout(ctx, pgSetupTimeout)
	defer cancel()
	if p.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	for _, q := range []string{"DROP TABLE IF EXISTS events", pgSchema} {
		if _, err := p.pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: recreate events table: %w", err)
		}
	}
	// Acquire every connection once so the pool is full before timing.
	conns := make([]*pgxpool.Conn, 0, writers)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range writers {
		c, err := p.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("postgres: open connection %d of %d: %w", len(conns)+1, writers, err)
		}
		conns = append(conns, c)
	}
	return nil
}

func (p *pgPeer) append(ctx context.Context, stream string, expected uint64, events []eventlog.Event) error {
	if len(events) != 1 {
		return errors.New("postgres: the benchmark appends one event at a time")
	}
	e := &events[0]
	var unit *string
	if e.Unit != "" {
		unit = &e.Unit
	}
	_, err := p.pool.Exec(ctx, pgInsert, e.ID, stream, int64(expected+1), e.Type, e.OccurredAt, e.RecordedAt,
		e.Actor, unit, e.CommandID, e.SchemaVersion, []byte(e.Payload), e.PrevHash[:], e.Hash[:])
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == pgUniqueViolation {
		return fmt.Errorf("%w: %w", errConflict, err)
	}
	if err != nil {
		return fmt.Errorf("postgres: insert %s version %d: %w", stream, expected+1, err)
	}
	return nil
}

func (p *pgPeer) Close() {
	if p.pool != nil {
		p.pool.Close()
		p.pool = nil
	}
}
