package evaluation

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/scoring"
)

// Limits of one ranking.
const (
	maxEntries = 1000
	maxReasons = 20
)

// Entry is one unit's place in an area's monthly ranking.
type Entry struct {
	UnitID  string   `json:"unit_id"`
	Score   float64  `json:"score"`
	Rank    int      `json:"rank"`              // 1 is first; tied units share a rank (1, 1, 3)
	Reasons []string `json:"reasons,omitempty"` // why the unit placed so (扣分/加分理由)
}

// Rank assigns competition ranks by score, highest first: tied scores
// share a rank and the next rank skips (1, 1, 3). Entries of equal score
// are ordered by unit id so the result is deterministic. It returns a new
// slice; reasons are shared with the input.
func Rank(entries []Entry) []Entry {
	return scoring.CompetitionRank(entries, func(e Entry) (float64, string) { return e.Score, e.UnitID },
		func(e *Entry, rank int) { e.Rank = rank })
}

// cleanEntries checks a ranking and returns it ordered by rank, then unit.
// Ranks must be competition ranks (each is 1 + the number of units placed
// strictly above) and agree with the scores: a unit placed above another
// has at least its score, and tied units have equal scores. A scoring rule
// may break a tie of scores, so equal scores may have different ranks.
func cleanEntries(entries []Entry) ([]Entry, error) {
	if len(entries) == 0 {
		return nil, domain.Invalid("entries", "must list at least one unit")
	}
	if len(entries) > maxEntries {
		return nil, domain.Invalid("entries", "must list at most %d units", maxEntries)
	}
	seen := make(map[string]bool, len(entries))
	out := make([]Entry, len(entries))
	for i, e := range entries {
		field := fmt.Sprintf("entries[%d]", i)
		if err := domain.CheckID(field+".unit_id", e.UnitID); err != nil {
			return nil, err
		}
		if seen[e.UnitID] {
			return nil, domain.Invalid(field+".unit_id", "unit %s is listed twice", e.UnitID)
		}
		seen[e.UnitID] = true
		if math.IsNaN(e.Score) || math.IsInf(e.Score, 0) {
			return nil, domain.Invalid(field+".score", "must be a finite number")
		}
		if e.Rank < 1 || e.Rank > len(entries) {
			return nil, domain.Invalid(field+".rank", "must be between 1 and %d", len(entries))
		}
		if len(e.Reasons) > maxReasons {
			return nil, domain.Invalid(field+".reasons", "must list at most %d reasons", maxReasons)
		}
		var reasons []string
		for j, r := range e.Reasons {
			text, err := domain.CleanText(fmt.Sprintf("%s.reasons[%d]", field, j), r, domain.MaxTextRunes)
			if err != nil {
				return nil, err
			}
			reasons = append(reasons, text)
		}
		out[i] = Entry{UnitID: e.UnitID, Score: e.Score, Rank: e.Rank, Reasons: reasons}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := cmp.Compare(a.Rank, b.Rank); c != 0 {
			return c
		}
		return cmp.Compare(a.UnitID, b.UnitID)
	})
	for i, e := range out {
		if i > 0 && e.Rank == out[i-1].Rank {
			if e.Score != out[i-1].Score {
				return nil, domain.Invalid("entries", "units %s and %s share rank %d with different scores", out[i-1].UnitID, e.UnitID, e.Rank)
			}
			continue
		}
		if e.Rank != i+1 {
			return nil, domain.Invalid("entries", "unit %s has rank %d but %d units are placed above it", e.UnitID, e.Rank, i)
		}
		if i > 0 && e.Score > out[i-1].Score {
			return nil, domain.Invalid("entries", "unit %s (score %g) is placed below unit %s (score %g)", e.UnitID, e.Score, out[i-1].UnitID, out[i-1].Score)
		}
	}
	return out, nil
}

func cleanRuleVersion(s string) (string, error) {
	return domain.CleanName("rule_version", s)
}

// PublishRanking is the command that publishes an area's ranking for a
// month (月度观摩点评).
type PublishRanking struct {
	AreaID      string       `json:"area_id"`
	Month       domain.Month `json:"month"`
	RuleVersion string       `json:"rule_version"` // the scoring rule the scores follow
	Entries     []Entry      `json:"entries"`
	OccurredAt  time.Time    `json:"occurred_at"`
}

// SupersedeRanking is the command that replaces a published ranking with
// a new revision.
type SupersedeRanking struct {
	RuleVersion string    `json:"rule_version"`
	Entries     []Entry   `json:"entries"`
	Reason      string    `json:"reason"`
	OccurredAt  time.Time `json:"occurred_at"`
}

// RankingPublished records the first revision of an area's monthly
// ranking. Entries are ordered by rank, then unit. Computed is set when
// the ranking was published by accepting the ledger's computation
// (AcceptRanking); RuleVersion is then the rule's version number.
type RankingPublished struct {
	AreaID      string       `json:"area_id"`
	Month       domain.Month `json:"month"`
	Revision    int          `json:"revision"` // 1
	RuleVersion string       `json:"rule_version"`
	Entries     []Entry      `json:"entries"`
	Computed    *Computed    `json:"computed,omitempty"`
	OccurredAt  time.Time    `json:"occurred_at"`
}

// RankingSuperseded records a new revision of a ranking, complete in
// itself. Supersedes is the stream version of the event holding the
// revision it replaces, which stays on record.
type RankingSuperseded struct {
	AreaID      string       `json:"area_id"`
	Month       domain.Month `json:"month"`
	Revision    int          `json:"revision"`
	RuleVersion string       `json:"rule_version"`
	Entries     []Entry      `json:"entries"`
	Reason      string       `json:"reason"`
	Supersedes  uint64       `json:"supersedes_version"`
	Computed    *Computed    `json:"computed,omitempty"`
	OccurredAt  time.Time    `json:"occurred_at"`
}

func (RankingPublished) EventType() string  { return "ranking.published" }
func (RankingSuperseded) EventType() string { return "ranking.superseded" }

// A ranking concerns a whole area, not one unit.
func (RankingPublished) ScopeUnit() string  { return "" }
func (RankingSuperseded) ScopeUnit() string { return "" }

func (e RankingPublished) OccurredTime() time.Time  { return e.OccurredAt }
func (e RankingSuperseded) OccurredTime() time.Time { return e.OccurredAt }

// NewRanking publishes an area's ranking for a month; its stream is
// RankingStream(cmd.AreaID, cmd.Month).
func NewRanking(cmd PublishRanking, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("area_id", cmd.AreaID); err != nil {
		return nil, err
	}
	if err := domain.CheckMonth("month", cmd.Month); err != nil {
		return nil, err
	}
	rule, err := cleanRuleVersion(cmd.RuleVersion)
	if err != nil {
		return nil, err
	}
	entries, err := cleanEntries(cmd.Entries)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{RankingPublished{AreaID: cmd.AreaID, Month: cmd.Month, Revision: 1, RuleVersion: rule, Entries: entries, OccurredAt: at}}, nil
}

// Ranking is an area's monthly ranking, rebuilt from its stream.
type Ranking struct {
	AreaID      string
	Month       domain.Month
	Revision    int
	RuleVersion string
	Entries     []Entry   // ordered by rank, then unit
	Computed    *Computed // the revision in force was accepted from the ledger's computation
	InForce     uint64    // stream version of the event holding the revision in force
	Version     uint64    // events applied, so the stream version of the last one
}

// Exists reports whether the ranking has been published.
func (r *Ranking) Exists() bool { return r.AreaID != "" }

// Entry returns a unit's place in the revision in force.
func (r *Ranking) Entry(unitID string) (Entry, bool) {
	for _, e := range r.Entries {
		if e.UnitID == unitID {
			return e, true
		}
	}
	return Entry{}, false
}

// Supersede publishes a new revision of the ranking; a reason is
// required, and a revision identical to the one in force is refused.
func (r *Ranking) Supersede(cmd SupersedeRanking, meta domain.Meta) ([]domain.Event, error) {
	if !r.Exists() {
		return nil, domain.ErrNotFound
	}
	rule, err := cleanRuleVersion(cmd.RuleVersion)
	if err != nil {
		return nil, err
	}
	entries, err := cleanEntries(cmd.Entries)
	if err != nil {
		return nil, err
	}
	if rule == r.RuleVersion && slices.EqualFunc(entries, r.Entries, func(a, b Entry) bool {
		return a.UnitID == b.UnitID && a.Score == b.Score && a.Rank == b.Rank && slices.Equal(a.Reasons, b.Reasons)
	}) {
		return nil, domain.Invalid("entries", "the new revision is the same as the one in force")
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{RankingSuperseded{
		AreaID: r.AreaID, Month: r.Month, Revision: r.Revision + 1, RuleVersion: rule,
		Entries: entries, Reason: reason, Supersedes: r.InForce, OccurredAt: at,
	}}, nil
}

// Apply rebuilds the ranking from one of its events; others are ignored.
func (r *Ranking) Apply(e domain.Event) {
	r.Version++
	switch e := e.(type) {
	case RankingPublished:
		r.AreaID, r.Month, r.Revision, r.RuleVersion, r.Entries = e.AreaID, e.Month, e.Revision, e.RuleVersion, e.Entries
		r.Computed = e.Computed
		r.InForce = r.Version
	case RankingSuperseded:
		r.Revision, r.RuleVersion, r.Entries = e.Revision, e.RuleVersion, e.Entries
		r.Computed = e.Computed
		r.InForce = r.Version
	}
}

// References: the area and each ranked unit, which must lie in it.
func (cmd PublishRanking) References() []domain.Ref {
	refs := []domain.Ref{{Field: "area_id", Kind: domain.RefArea, ID: cmd.AreaID}}
	for i, e := range cmd.Entries {
		refs = append(refs, domain.Ref{Field: fmt.Sprintf("entries[%d].unit_id", i), Kind: domain.RefUnit, ID: e.UnitID, InArea: cmd.AreaID})
	}
	return refs
}

// References: each ranked unit.
func (cmd SupersedeRanking) References() []domain.Ref {
	refs := make([]domain.Ref, 0, len(cmd.Entries))
	for i, e := range cmd.Entries {
		refs = append(refs, domain.Ref{Field: fmt.Sprintf("entries[%d].unit_id", i), Kind: domain.RefUnit, ID: e.UnitID})
	}
	return refs
}
