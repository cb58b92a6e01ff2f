package catalog

import (
	"strings"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/domain/scoring"
)

// entities lists every kind of entity by the prefix of its streams, and
// how its state is rebuilt and shown. The prefixes are those of the
// families' Stream functions; none is the start of another.
var entities = []struct {
	prefix, entity string
	fold           func([]domain.Event) any
}{
	{"rectification-", "rectification", folder((*rectification.Rectification).Snapshot)},
	{"pledge-", "pledge", folder((*pledge.Pledge).Snapshot)},
	{"review-", "review", folder((*review.Review).Snapshot)},
	{"inspection-", "inspection", folder((*inspection.Inspection).Snapshot)},
	{"group-", "group", folder((*inspection.Group).Snapshot)},
	{"area-", "area", folder((*org.Area).Snapshot)},
	{"unit-", "unit", folder((*org.Unit).Snapshot)},
	{"member-", "member", folder((*org.Member).Snapshot)},
	{"theme-", "theme", folder((*org.Theme).Snapshot)},
	{"survey-", "survey", folder((*evaluation.Survey).Snapshot)},
	{"vanguard-", "vanguard", folder((*evaluation.Vanguard).Snapshot)},
	{"starrating-", "star_rating", folder((*evaluation.StarRating).Snapshot)},
	{"ranking-", "ranking", folder((*evaluation.Ranking).Snapshot)},
	{scoring.RulesStream, scoring.EntityRules, folder((*scoring.RuleBook).Snapshot)},
	{evidence.StreamPrefix, "evidence_file", folder((*evidence.File).Snapshot)},
}

// folder rebuilds an aggregate A from events with its own Apply and
// renders it with snapshot.
func folder[A any, P interface {
	*A
	domain.Aggregate
}, S any](snapshot func(P) S) func([]domain.Event) any {
	return func(events []domain.Event) any {
		agg := P(new(A))
		for _, e := range events {
			agg.Apply(e)
		}
		return snapshot(agg)
	}
}

// State rebuilds the entity a stream holds from events, the stream's
// events in order (all of them, or those up to a moment), with the
// domain's own aggregate, and returns its kind ("rectification") and its
// state for readers: the family's Snapshot, which names its state. ok is
// false for a stream of no entity (the checkpoints, command keys); state
// is nil when events is empty: nothing was recorded yet.
func State(stream string, events []domain.Event) (entity string, state any, ok bool) {
	for _, k := range entities {
		if strings.HasPrefix(stream, k.prefix) {
			if len(events) == 0 {
				return k.entity, nil, true
			}
			return k.entity, k.fold(events), true
		}
	}
	return "", nil, false
}
