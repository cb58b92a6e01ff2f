package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/seal"
)

// The monthly rankings computed from the ledger (docs/domain.md): the
// office publishes scoring rules as data (POST /v1/ranking-rules), the
// dashboard computes each area's ranking from the read models (GET
// /v1/views/rankings), and the office publishes a month's ranking by
// accepting the computation at a checkpoint, which the write path counts
// again from the log (POST /v1/rankings/{id}/accept).

// MerkleTree is what the acceptance of a computed ranking and the
// rankings view need of the Merkle tree of the log: the root of its first
// size events, and which leaf an event is. *seal.Tree is one.
type MerkleTree interface {
	Size() uint64
	Root(size uint64) ([]byte, error)
	IndexOf(pos eventlog.Position) (uint64, error)
}

var _ MerkleTree = (*seal.Tree)(nil)

// publishRule publishes the next version of the scoring rule, on the one
// stream of the rule book.
func (c *Commands) publishRule() Handler {
	return handler[scoring.PublishRule](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[scoring.PublishRule](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, "") {
			return
		}
		res, err := command.Execute(r.Context(), c.Handler, scoring.RulesStream, cmdMeta, func() *scoring.RuleBook { return &scoring.RuleBook{} },
			func(b *scoring.RuleBook, m domain.Meta) ([]domain.Event, error) { return b.Publish(body, m) })
		c.finish(w, r, cmdMeta, body, fmt.Sprint(body.Version), res, err, http.StatusCreated)
	})
}

// rankingKey splits a ranking's id, "<area>-<YYYY-MM>".
func rankingKey(id string) (area string, m domain.Month, err error) {
	if len(id) > 8 && id[len(id)-8] == '-' {
		area = id[:len(id)-8]
		if m, err = domain.ParseMonth(id[len(id)-7:]); err == nil && domain.CheckID("area_id", area) == nil {
			return area, m, nil
		}
	}
	return "", domain.Month{}, NewProblem(http.StatusBadRequest, fmt.Sprintf("%q is not a ranking id: want <area>-<YYYY-MM>, such as a01-2011-09", id), "id")
}

// ruleInForce refuses a ranking told by the office (scores computed
// elsewhere) for a month that has a scoring rule in force: such a month
// is published by accepting the ledger's computation.
func (c *Commands) ruleInForce(ctx context.Context, m domain.Month, field string) error {
	book, err := command.Load(ctx, c.Handler, scoring.RulesStream, &scoring.RuleBook{})
	if err != nil {
		return err
	}
	if rule, ok := book.InForce(m); ok {
		return NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf("scoring rule version %d is in force for %s: "+
			"its rankings are published by accepting the ledger's computation (POST /v1/rankings/{area}-{month}/accept), "+
			"adjusted with a reason where the office departs from it", rule.Version, m), field)
	}
	return nil
}

// publishRanking is POST /v1/rankings: an area's ranking with the scores
// the office supplies, for a month no scoring rule covers.
func (c *Commands) publishRanking() Handler {
	return handler[evaluation.PublishRanking](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[evaluation.PublishRanking](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, "") {
			return
		}
		if !body.Month.IsZero() {
			if err := c.ruleInForce(r.Context(), body.Month, "month"); err != nil {
				WriteProblem(w, r, err)
				return
			}
		}
		stream := evaluation.RankingStream(body.AreaID, body.Month)
		res, err := command.Create(r.Context(), c.Handler, stream, cmdMeta, func(m domain.Meta) ([]domain.Event, error) {
			return evaluation.NewRanking(body, m)
		})
		c.finish(w, r, cmdMeta, body, strings.TrimPrefix(stream, "ranking-"), res, err, http.StatusCreated)
	})
}

// supersedeRanking is POST /v1/rankings/{id}/supersede: a new revision
// with the office's scores, for a month no scoring rule covers.
func (c *Commands) supersedeRanking() Handler {
	inner := transition(c, prefixed("ranking-"), func() *evaluation.Ranking { return &evaluation.Ranking{} }, noUnit[*evaluation.Ranking], (*evaluation.Ranking).Supersede)
	return Handler{Body: inner.Body, HandlerFunc: func(w http.ResponseWriter, r *http.Request) {
		// The role was checked; a ranking's id holds its month.
		if _, m, err := rankingKey(chi.URLParam(r, "id")); err == nil {
			if err := c.ruleInForce(r.Context(), m, "id"); err != nil {
				WriteProblem(w, r, err)
				return
			}
		}
		inner.HandlerFunc(w, r)
	}}
}

// ErrNoTree answers an acceptance on a server that keeps no Merkle tree.
var ErrNoTree = NewProblem(http.StatusServiceUnavailable, "this server keeps no Merkle tree of the log, which a computed ranking's checkpoint is checked against", "")

// acceptRanking is POST /v1/rankings/{id}/accept: the office publishes an
// area's ranking of a month by accepting the ledger's computation at a
// checkpoint. The checkpoint's root must be the tree's at its size; the
// inputs are counted again from the log's first size events (package
// tally) and the rule in force then applied; the domain refuses a list
// that differs, unless adjusted with a reason.
func (c *Commands) acceptRanking() Handler {
	return handler[evaluation.AcceptRanking](func(w http.ResponseWriter, r *http.Request) {
		p, cmdMeta, body, ok := begin[evaluation.AcceptRanking](c, w, r)
		if !ok || !c.authorize(w, r, p, &cmdMeta, body, "") {
			return
		}
		id := chi.URLParam(r, "id")
		area, month, err := rankingKey(id)
		if err == nil {
			err = c.knownArea(r.Context(), area)
		}
		var computation evaluation.Computation
		if err == nil && body.Checkpoint.Size > 0 {
			computation, err = c.recompute(r.Context(), body.Checkpoint, area, month)
		}
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		res, err := command.Execute(r.Context(), c.Handler, evaluation.RankingStream(area, month), cmdMeta,
			func() *evaluation.Ranking { return &evaluation.Ranking{} },
			func(k *evaluation.Ranking, m domain.Meta) ([]domain.Event, error) {
				return k.Accept(area, month, body, computation, m)
			})
		status := http.StatusOK // a new revision
		if err == nil && res.FirstVersion == 1 {
			status = http.StatusCreated // the first publication
		}
		c.finish(w, r, cmdMeta, body, id, res, err, status)
	})
}

// knownArea refuses an area that was never registered.
func (c *Commands) knownArea(ctx context.Context, area string) error {
	a, err := command.Load(ctx, c.Handler, org.AreaStream(area), &org.Area{})
	if err != nil {
		return err
	}
	if !a.Exists() {
		return NewProblem(http.StatusUnprocessableEntity, "area "+area+" is not registered", "id")
	}
	return nil
}

// recompute counts the inputs of area's units for month from the log's
// first cp.Size events, after checking cp against the Merkle tree, and
// applies the rule in force then.
func (c *Commands) recompute(ctx context.Context, cp evaluation.Checkpoint, area string, month domain.Month) (evaluation.Computation, error) {
	if c.Tree == nil || c.Log == nil {
		return evaluation.Computation{}, ErrNoTree
	}
	if size := c.Tree.Size(); cp.Size > size {
		return evaluation.Computation{}, NewProblem(http.StatusUnprocessableEntity,
			fmt.Sprintf("the ledger's tree has %d events, not %d: name a checkpoint it has reached", size, cp.Size), "checkpoint.size")
	}
	root, err := c.Tree.Root(cp.Size)
	if err != nil {
		return evaluation.Computation{}, err
	}
	if base64.StdEncoding.EncodeToString(root) != cp.Root {
		return evaluation.Computation{}, NewProblem(http.StatusUnprocessableEntity,
			fmt.Sprintf("checkpoint.root is not the root of the ledger's first %d events", cp.Size), "checkpoint.root")
	}
	t, err := projections.TallyLog(ctx, c.Log, c.registry(), c.Handler.Location(), cp.Size)
	if err != nil {
		return evaluation.Computation{}, err
	}
	return t.Ranking(area, month), nil
}

func (c *Commands) registry() *domain.Registry {
	if c.Registry != nil {
		return c.Registry
	}
	return defaultRegistry()
}

// RankingsAnswer is an area's ranking of a month computed from the read
// models by the scoring rule in force, beside the published one.
type RankingsAnswer struct {
	Area  string `json:"area"`
	Month string `json:"month"`
	// RuleVersion is the version of the rule in force for the month, 0
	// when none is (Rule is then null and nothing is ranked).
	RuleVersion int           `json:"rule_version"`
	Rule        *scoring.Rule `json:"rule"`
	// Units is how many units the area had at the month's end, all
	// ranked; a reader whose scope is restricted is shown its own.
	Units int           `json:"units"`
	Items []RankingItem `json:"items"`
	// Checkpoint is the tree size and root of the log at the
	// projections' position when the inputs were read: what an acceptance
	// (POST /v1/rankings/{area}-{month}/accept) names. Null when the
	// server keeps no Merkle tree or the tree is behind the projections.
	Checkpoint *evaluation.Checkpoint `json:"checkpoint"`
	// Published is the revision in force of the area's published ranking
	// of the month, null if there is none.
	Published          *PublishedRankingAnswer `json:"published"`
	ProjectionPosition uint64                  `json:"projection_position"`
}

// RankingItem is one unit's computed place and why.
type RankingItem struct {
	Unit  string  `json:"unit"`
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
	// Reasons are each metric of the rule: its value, weight and
	// contribution to the score.
	Reasons []scoring.Reason `json:"reasons"`
	// Inputs are the counts the values come from.
	Inputs scoring.Inputs `json:"inputs"`
	// PublishedRank and PublishedScore are the unit's place in the
	// published ranking, null if it is not listed there.
	PublishedRank  *int     `json:"published_rank"`
	PublishedScore *float64 `json:"published_score"`
}

// PublishedRankingAnswer is the published ranking, and whether its ranks
// and scores equal the computation shown.
type PublishedRankingAnswer struct {
	projections.PublishedRanking
	MatchesComputation bool `json:"matches_computation"`
}

// rankings serves GET /v1/views/rankings.
func (rd *Reads) rankings(w http.ResponseWriter, r *http.Request, q *query, v visibility) {
	area := q.str("area")
	if area == "" && q.err == nil {
		q.fail(NewProblem(http.StatusBadRequest, "area is required", "area"))
	}
	ms := q.str("month")
	month, err := domain.ParseMonth(ms)
	if err != nil && q.err == nil {
		q.fail(NewProblem(http.StatusBadRequest, "month is required: YYYY-MM", "month"))
	}
	if q.err == nil {
		q.fail(withField(domain.CheckMonth("month", month), "month"))
	}
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	ctx := r.Context()
	ans := RankingsAnswer{Area: area, Month: month.String(), Items: []RankingItem{}, ProjectionPosition: v.position}
	cp, err := rd.checkpoint(ctx)
	if err == nil {
		ans.Checkpoint = cp
	}
	book, err := projections.QueryRankingRules(ctx, rd.Conn, rd.DB)
	var inputs map[string][]scoring.Inputs
	if err == nil {
		inputs, err = projections.QueryRankingInputs(ctx, rd.Conn, rd.DB, rd.loc(), month, area)
	}
	var published *projections.PublishedRanking
	if err == nil {
		published, err = projections.QueryPublishedRanking(ctx, rd.Conn, rd.DB, area, month)
	}
	if err = viewsErr(err); err != nil {
		WriteProblem(w, r, err)
		return
	}
	units := inputs[area]
	ans.Units = len(units)
	shown := func(unit string) bool { return v.all || slices.Contains(v.units, unit) }
	byUnit := map[string]projections.PublishedRankingUnit{}
	if published != nil {
		pub := *published
		pub.Entries = nil
		for _, e := range published.Entries {
			byUnit[e.Unit] = e
			if shown(e.Unit) {
				pub.Entries = append(pub.Entries, e)
			}
		}
		if pub.Entries == nil {
			pub.Entries = []projections.PublishedRankingUnit{}
		}
		ans.Published = &PublishedRankingAnswer{PublishedRanking: pub}
	}
	if rule, ok := book.InForce(month); ok {
		ans.RuleVersion, ans.Rule = rule.Version, &rule
		inputOf := map[string]scoring.Inputs{}
		for _, in := range units {
			inputOf[in.Unit] = in
		}
		ranked := scoring.Score(rule, units)
		matches := published != nil && len(published.Entries) == len(ranked)
		for _, u := range ranked {
			pub, listed := byUnit[u.Unit]
			matches = matches && listed && pub.Rank == u.Rank && pub.Score == u.Score
			if !shown(u.Unit) {
				continue
			}
			item := RankingItem{Unit: u.Unit, Rank: u.Rank, Score: u.Score, Reasons: u.Reasons, Inputs: inputOf[u.Unit]}
			if listed {
				item.PublishedRank, item.PublishedScore = &pub.Rank, &pub.Score
			}
			ans.Items = append(ans.Items, item)
		}
		if ans.Published != nil {
			ans.Published.MatchesComputation = matches
		}
	}
	writeJSON(w, http.StatusOK, ans)
}

// checkpoint is the tree size and root of the log at the projections'
// checkpoint; nil without a tree, or while the tree is behind.
func (rd *Reads) checkpoint(ctx context.Context) (*evaluation.Checkpoint, error) {
	if rd.Tree == nil {
		return nil, errors.New("no tree")
	}
	pos, err := projections.ReadCheckpoint(ctx, rd.Conn, rd.DB, "live")
	if err != nil {
		return nil, err
	}
	if pos == eventlog.Start {
		return nil, errors.New("nothing projected")
	}
	i, err := rd.Tree.IndexOf(pos)
	if err != nil {
		return nil, err
	}
	root, err := rd.Tree.Root(i + 1)
	if err != nil {
		return nil, err
	}
	return &evaluation.Checkpoint{Size: i + 1, Root: base64.StdEncoding.EncodeToString(root)}, nil
}
