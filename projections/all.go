package projections

import (
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// All returns fresh instances of every read model, in the order the
// projector writes them. Models keep state, so a projector, a rebuild and
// a reconcile each take their own.
func All(log eventlog.Store, reg *domain.Registry, loc *time.Location) []Model {
	return []Model{
		NewEvents(),
		NewOrg(),
		NewGroups(log, reg),
		&Pledges{},
		&Reviews{},
		&Evaluations{},
		NewRectifications(loc),
		&Trends{Loc: loc},
		&RankingInputs{Loc: loc},
	}
}
