package reporttest

import (
	"context"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/projections/chtest"
	"github.com/cxzy/ledger/seal"
)

// Ledger is the district written to an embedded log, sealed by a signed
// checkpoint and projected into a ClickHouse database of the test's own:
// what the report's tests, in the report and the api packages, start from.
type Ledger struct {
	Log        *embedded.Store
	Registry   *domain.Registry
	Handler    *command.Handler
	Tree       *seal.Tree
	Sealer     *seal.Sealer
	Checkpoint seal.Checkpoint
	Verifier   string // the verifier key of the checkpoint's signer
	Projector  *projections.Projector
	Conn       driver.Conn
	DB         string
}

// Sealed writes, seals (origin names the ledger) and projects the district.
func Sealed(t testing.TB, origin string) *Ledger {
	t.Helper()
	ctx := context.Background()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	l := &Ledger{Log: log, Registry: catalog.New()}
	l.Handler = command.NewHandler(log, l.Registry, command.WithClock(Clock))
	if err := Write(ctx, l.Handler, log); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := seal.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if l.Tree, err = seal.OpenTree(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Tree.Close() })
	l.Verifier = vkey
	l.Sealer = &seal.Sealer{Log: log, Tree: l.Tree, Handler: l.Handler, Signer: signer, Origin: origin, Now: Clock}
	if l.Checkpoint, err = l.Sealer.SealLog(ctx); err != nil {
		t.Fatal(err)
	}
	conn, db := chtest.Open(t)
	l.Conn, l.DB = conn, db
	l.Projector = projections.NewProjector(conn, db, log, l.Registry, projections.All(log, l.Registry, Loc))
	if _, err := l.Projector.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return l
}
