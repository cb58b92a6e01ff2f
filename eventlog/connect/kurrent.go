package connect

import (
	"context"
	"errors"

	"github.com/cxzy/ledger/eventlog"
)

func openKurrent(ctx context.Context, conn string) (eventlog.Store, error) {
	return nil, errors.New("kurrent adapter not wired yet")
}
