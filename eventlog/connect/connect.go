// Package connect opens the event log a deployment is configured for: the
// embedded log in a data directory (the default) or KurrentDB through an
// esdb:// connection string.
package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// Embedded is the --eventstore value of the embedded log.
const Embedded = "embedded"

// Config says which log to open.
type Config struct {
	EventStore string // "embedded" or an esdb:// / kurrentdb:// connection string
	DataDir    string // for the embedded log
}

// Validate says what is wrong with the configuration, in words a person
// can act on.
func (c Config) Validate() error {
	switch {
	case c.EventStore == Embedded:
		if c.DataDir == "" {
			return errors.New("--data-dir (LEDGER_DATA_DIR) is required for the embedded event log")
		}
	case isKurrent(c.EventStore):
	default:
		return fmt.Errorf("--eventstore (LEDGER_EVENTSTORE) %q: want %q or an esdb:// connection string", c.EventStore, Embedded)
	}
	return nil
}

func isKurrent(s string) bool {
	return strings.HasPrefix(s, "esdb://") || strings.HasPrefix(s, "esdb+discover://") ||
		strings.HasPrefix(s, "kurrentdb://") || strings.HasPrefix(s, "kurrentdb+discover://")
}

// Open opens the configured log.
func Open(ctx context.Context, c Config) (eventlog.Store, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.EventStore == Embedded {
		return embedded.Open(c.DataDir, embedded.Options{})
	}
	return openKurrent(ctx, c.EventStore)
}
