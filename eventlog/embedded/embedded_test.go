package embedded_test

import (
	"testing"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
)

func mustOpen(tb testing.TB, dir string) *embedded.Store {
	tb.Helper()
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	eventlogtest.Run(t, func(t *testing.T) eventlog.Store { return mustOpen(t, t.TempDir()) })
}
