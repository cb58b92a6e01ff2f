package connect

import (
	"context"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/kurrent"
)

func openKurrent(ctx context.Context, conn string) (eventlog.Store, error) {
	return kurrent.Open(ctx, conn)
}
