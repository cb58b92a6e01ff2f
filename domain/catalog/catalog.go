// Package catalog lists every event type of the ledger in one registry:
// the write path encodes with it and every reader decodes with it.
package catalog

import (
	"strings"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/checkpoint"
	"github.com/cxzy/ledger/domain/commandkey"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/domain/scoring"
)

// New returns the registry of all event families.
func New() *domain.Registry {
	r, err := domain.NewRegistry(
		org.Codecs(),
		inspection.Codecs(),
		pledge.Codecs(),
		review.Codecs(),
		rectification.Codecs(),
		evaluation.Codecs(),
		scoring.Codecs(),
		checkpoint.Codecs(),
		commandkey.Codecs(),
		evidence.Codecs(),
	)
	if err != nil {
		// The lists are fixed at compile time; a clash is a programming
		// error that every test run would hit first.
		panic(err)
	}
	return r
}

// Family names the event family of an event type: the five families of the
// domain (pledge, fulfilment, review, rectification, evaluation) and the
// organisation, inspection, checkpoint, command-key and evidence-file
// records around them. The
// projections and the demo's summary count events by it.
func Family(eventType string) string {
	prefix, _, _ := strings.Cut(eventType, ".")
	switch prefix {
	case "pledge", "fulfilment", "review", "rectification":
		return prefix
	case "survey", "vanguard", "star_rating", "ranking", "ranking_rule":
		return "evaluation"
	case "area", "unit", "member", "theme":
		return "org"
	case "group", "inspection":
		return "inspection"
	}
	return prefix
}
