package evaluation

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/scoring"
)

// Checkpoint names a state of the ledger: its first Size events, whose
// Merkle root (docs/verifiable-history.md) is Root. A computed ranking
// records the checkpoint its inputs were counted at, so that anyone can
// count them again.
type Checkpoint struct {
	// Size is the number of events, the tree size.
	Size uint64 `json:"size"`
	// Root is the Merkle root of those events: 32 bytes in standard
	// base64, as the checkpoints and the rankings view write it.
	Root string `json:"root"`
}

// AcceptRanking is the command that publishes an area's monthly ranking
// by accepting the one the ledger computes: the scoring rule in force
// for the month applied to the inputs counted from the ledger's first
// checkpoint.size events (POST /v1/rankings/{area}-{month}/accept). The
// ledger counts them again and refuses a list that differs from its
// computation, unless the office declares the difference an adjustment
// and gives a reason.
type AcceptRanking struct {
	// RuleVersion is the version of the scoring rule the office accepts:
	// it must be the one in force for the month at the checkpoint.
	RuleVersion int `json:"rule_version"`
	// Checkpoint is the ledger state the ranking was computed at (the
	// view answers it): tree size and root.
	Checkpoint Checkpoint `json:"checkpoint"`
	// Entries is the list published. Left out, the computed list is
	// published as it is; given, it must list exactly the units the
	// computation ranks, with the computed ranks and scores unless
	// adjusted.
	Entries []Entry `json:"entries"`
	// Adjusted declares that Entries depart from the computation on
	// purpose (a deliberate adjustment); a reason is then required, and
	// the publication is shown as adjusted.
	Adjusted bool `json:"adjusted"`
	// Reason says why the list was adjusted, or why a published ranking
	// is replaced; required for either.
	Reason string `json:"reason"`
	// OccurredAt is when the office accepted the ranking; default now.
	OccurredAt time.Time `json:"occurred_at"`
}

// Computed says a revision of a ranking was published by accepting the
// ledger's computation: the rule version applied and the checkpoint the
// inputs were counted at. Adjusted revisions also keep what the
// computation said, so both stay on record.
type Computed struct {
	RuleVersion int        `json:"rule_version"`
	Checkpoint  Checkpoint `json:"checkpoint"`
	Adjusted    bool       `json:"adjusted,omitempty"`
	// Reason is the adjustment's reason.
	Reason string `json:"reason,omitempty"`
	// Entries are the computed entries, when the published ones were
	// adjusted from them.
	Entries []Entry `json:"entries,omitempty"`
}

// Computation is what the ledger computed for an area and month at a
// checkpoint: the rule in force (Version 0 when none is) and the units
// ranked by it.
type Computation struct {
	Rule   scoring.Rule
	Ranked []scoring.Ranked
}

// Entries renders the computation as ranking entries, each with its
// reasons in words (one per metric: value, weight and contribution).
func (c Computation) Entries() []Entry {
	out := make([]Entry, len(c.Ranked))
	for i, r := range c.Ranked {
		reasons := make([]string, 0, len(r.Reasons))
		for _, why := range r.Reasons {
			reasons = append(reasons, ReasonText(why))
		}
		out[i] = Entry{UnitID: r.Unit, Score: r.Score, Rank: r.Rank, Reasons: reasons}
	}
	return out
}

// ReasonText is one metric's part in a score in words, such as
// "践诺兑现率 fulfilment_rate 0.75 × 40 = 30" or, for a rate without data,
// "群众满意率 satisfaction_rate 无数据 (skip) 不计".
func ReasonText(r scoring.Reason) string {
	label := scoring.MetricLabel(r.Metric) + " " + r.Metric.String()
	if r.Skipped {
		return label + " 无数据 (" + r.Policy.String() + ") 不计"
	}
	value := num(r.Value)
	if r.Missing {
		value = "无数据 (" + r.Policy.String() + ") " + value
	}
	return label + " " + value + " × " + num(r.EffectiveWeight) + " = " + num(r.Contribution)
}

// num prints x with at most 4 decimal places and no trailing zeros.
func num(x float64) string {
	s := strconv.FormatFloat(x, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// Accept publishes the ranking of area for month as computed (c), or
// replaces the revision in force with it. A ranking that exists must be
// of the same area and month.
func (r *Ranking) Accept(area string, month domain.Month, cmd AcceptRanking, c Computation, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("area_id", area); err != nil {
		return nil, err
	}
	if err := domain.CheckMonth("month", month); err != nil {
		return nil, err
	}
	if r.Exists() && (r.AreaID != area || r.Month != month) {
		return nil, domain.Invalid("month", "the ranking's stream holds %s %s", r.AreaID, r.Month)
	}
	if cmd.Checkpoint.Size == 0 {
		return nil, domain.Invalid("checkpoint.size", "must be the number of events the ranking was computed at (at least 1)")
	}
	if root, err := base64.StdEncoding.DecodeString(cmd.Checkpoint.Root); err != nil || len(root) != 32 {
		return nil, domain.Invalid("checkpoint.root", "must be the 32-byte Merkle root of the first %d events, in base64", cmd.Checkpoint.Size)
	}
	at := fmt.Sprintf("at checkpoint %d", cmd.Checkpoint.Size)
	switch {
	case c.Rule.Version == 0:
		return nil, domain.Invalid("rule_version", "no scoring rule is in force for %s %s: publish one first (POST /v1/ranking-rules)", month, at)
	case cmd.RuleVersion != c.Rule.Version:
		return nil, domain.Invalid("rule_version", "the scoring rule in force for %s %s is version %d, not %d", month, at, c.Rule.Version, cmd.RuleVersion)
	case len(c.Ranked) == 0:
		return nil, domain.Invalid("checkpoint", "area %s had no units at the end of %s %s: there is nothing to rank", area, month, at)
	}
	computed := c.Entries()
	reason, err := domain.OptionalText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	published := computed
	if cmd.Entries != nil {
		if published, err = acceptedEntries(cmd.Entries, computed, cmd.Adjusted, month, at); err != nil {
			return nil, err
		}
	} else if cmd.Adjusted {
		return nil, domain.Invalid("adjusted", "an adjustment lists the adjusted entries; without entries the computation is published as it is")
	}
	if (cmd.Adjusted || r.Exists()) && reason == "" {
		why := "an adjusted ranking needs the adjustment's reason"
		if !cmd.Adjusted {
			why = fmt.Sprintf("%s %s is published already (revision %d): say why it is replaced", area, month, r.Revision)
		}
		return nil, domain.Invalid("reason", "%s", why)
	}
	when, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	comp := &Computed{RuleVersion: c.Rule.Version, Checkpoint: cmd.Checkpoint}
	if cmd.Adjusted {
		comp.Adjusted, comp.Reason, comp.Entries = true, reason, computed
	}
	label := strconv.Itoa(c.Rule.Version)
	if !r.Exists() {
		return []domain.Event{RankingPublished{AreaID: area, Month: month, Revision: 1, RuleVersion: label, Entries: published,
			Computed: comp, OccurredAt: when}}, nil
	}
	if label == r.RuleVersion && sameEntries(published, r.Entries) && r.Computed != nil && r.Computed.Adjusted == comp.Adjusted {
		return nil, domain.Invalid("entries", "the new revision is the same as the one in force")
	}
	return []domain.Event{RankingSuperseded{AreaID: r.AreaID, Month: r.Month, Revision: r.Revision + 1, RuleVersion: label,
		Entries: published, Reason: reason, Supersedes: r.InForce, Computed: comp, OccurredAt: when}}, nil
}

// acceptedEntries checks the entries of an acceptance against the
// computation: the same units; the same ranks and scores unless adjusted,
// and not the same if adjusted. An entry without reasons gets the
// computed ones.
func acceptedEntries(given, computed []Entry, adjusted bool, month domain.Month, at string) ([]Entry, error) {
	entries, err := cleanEntries(given)
	if err != nil {
		return nil, err
	}
	byUnit := map[string]Entry{}
	for _, e := range computed {
		byUnit[e.UnitID] = e
	}
	listed := map[string]bool{}
	differs := ""
	for i, e := range entries {
		want, ok := byUnit[e.UnitID]
		if !ok {
			return nil, domain.Invalid("entries", "unit %s is not ranked in the area for %s %s", e.UnitID, month, at)
		}
		listed[e.UnitID] = true
		if e.Rank != want.Rank || e.Score != want.Score {
			if differs == "" {
				differs = fmt.Sprintf("unit %s has rank %d and score %s, but the computation %s gives rank %d and score %s",
					e.UnitID, e.Rank, num(e.Score), at, want.Rank, num(want.Score))
			}
		}
		if len(e.Reasons) == 0 && e.Rank == want.Rank && e.Score == want.Score {
			entries[i].Reasons = want.Reasons
		}
	}
	for _, e := range computed {
		if !listed[e.UnitID] {
			return nil, domain.Invalid("entries", "unit %s is ranked by the computation for %s %s but not listed", e.UnitID, month, at)
		}
	}
	switch {
	case differs != "" && !adjusted:
		return nil, domain.Invalid("entries", "%s: a published ranking equals the computation, unless it is a deliberate adjustment (adjusted: true, with a reason)", differs)
	case differs == "" && adjusted:
		return nil, domain.Invalid("adjusted", "the entries equal the computation %s: nothing is adjusted", at)
	}
	return entries, nil
}

func sameEntries(a, b []Entry) bool {
	return slices.EqualFunc(a, b, func(x, y Entry) bool {
		return x.UnitID == y.UnitID && x.Score == y.Score && x.Rank == y.Rank && slices.Equal(x.Reasons, y.Reasons)
	})
}
