package projections_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
)

// cutConn is a real connection whose failures are scripted: a batch into
// "seen" that lands but reports a reset (the reply lost), then a failed
// read of the high-water marks (ClickHouse down again), then all is well.
type cutConn struct {
	driver.Conn
	lostReply, failMark atomic.Bool
}

type lostReply struct {
	driver.Batch
	c *cutConn
}

func (b lostReply) Send() error {
	if err := b.Batch.Send(); err != nil {
		return err
	}
	if b.c.lostReply.CompareAndSwap(true, false) {
		b.c.failMark.Store(true)
		return errors.New("read: connection reset by peer")
	}
	return nil
}

func (c *cutConn) PrepareBatch(ctx context.Context, q string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	b, err := c.Conn.PrepareBatch(ctx, q, opts...)
	if err != nil || !strings.Contains(q, ".seen ") {
		return b, err
	}
	return lostReply{b, c}, nil
}

func (c *cutConn) QueryRow(ctx context.Context, q string, args ...any) driver.Row {
	if strings.Contains(q, "max(position)") && c.failMark.CompareAndSwap(true, false) {
		return c.Conn.QueryRow(ctx, "SELECT throwIf(1)")
	}
	return c.Conn.QueryRow(ctx, q, args...)
}

func TestHighWaterAfterLostReply(t *testing.T) {
	conn, db := chtest.Open(t)
	log := seeded(t, 3000)
	head, _ := log.Head()
	c := &cutConn{Conn: conn}
	p := projections.NewProjector(c, db, log, catalog.New(), []projections.Model{&tally{}}, projections.WithPageSize(500))
	ctx := context.Background()
	if _, err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c.lostReply.Store(true)
	if _, err := p.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(t, conn, "SELECT count() FROM "+db+".seen"); got != head.Commit {
		t.Errorf("seen has %d rows, the log %d events", got, head.Commit)
	}
}
