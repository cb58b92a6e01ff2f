// Package demo writes a realistic demo district into an event log through
// the write path: every event is the outcome of a command decided by the
// domain (command.Execute), run on a simulated clock. The district — its
// areas, unit tree, members, quarterly themes, pledges, review remarks,
// rectifications, evaluations and inspections — is a pure function of the
// seed and the --until date, so two runs write the same streams and a
// second run into the same log appends nothing.
//
// The work is cut into per-entity scripts (the ordered commands of one
// stream) run by a pool of workers, in phases separated by barriers where
// one entity needs another (the unit tree before pledges, a review before
// the rectification it orders). Scripts are generated on demand from
// (seed, entity key), so memory does not grow with the number of events.
package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog"
	evfiles "github.com/cxzy/ledger/evidence"
)

// DefaultEvents is the volume written when Config.Events is zero.
const DefaultEvents = 60000

// DefaultWorkers is the number of concurrent scripts when Config.Workers is
// zero.
const DefaultWorkers = 32

// Config says what district to write.
type Config struct {
	Seed    int64
	Events  int         // roughly how many events to write; 0 means DefaultEvents
	Until   domain.Date // the last simulated day; nothing later happens
	Workers int         // concurrent scripts; 0 means DefaultWorkers
	Loc     *time.Location
	// Progress, if set, is called (from any goroutine) with the number of
	// events appended so far.
	Progress func(written int64)
	// Evidence, if set, receives the generated files that a share of the
	// evidence references cite (files.go); nil, every reference is to a
	// file the ledger does not hold.
	Evidence evfiles.Store
}

// Figures are the numbers the seed document leaves blank, counted from what
// the district holds: themes set (活动主题), pledges made and not withdrawn
// (承诺事项), review remarks not retracted (点评), the shortcomings found and
// measures proposed in the content in force of those remarks (缺点和不足,
// 改进措施), and individual vanguards selected and not revoked (先锋).
type Figures struct {
	Themes       int `json:"themes"`
	Pledges      int `json:"pledges"`
	Reviews      int `json:"reviews"`
	Shortcomings int `json:"shortcomings"`
	Measures     int `json:"measures"`
	Vanguards    int `json:"vanguards"`
}

// Summary says what a seeding run did.
type Summary struct {
	Until      domain.Date
	Quarters   []domain.Quarter
	Units      int
	Members    int
	Commands   int            // commands that decided something or were already recorded
	Events     int            // events appended by this run (0 on a re-run)
	Duplicates int            // commands found already recorded
	ByFamily   map[string]int // events appended by this run, by family
	Elapsed    time.Duration
	Figures    Figures
	Files      int   // evidence files stored (again, on a re-run: the store keeps one of each)
	FileBytes  int64 // their bytes
}

// EventsPerSecond is the append rate of the run.
func (s Summary) EventsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Events) / s.Elapsed.Seconds()
}

// ScriptError is a scripted step the domain refused: a bug in the script.
type ScriptError struct {
	Entity string
	Step   string
	Err    error
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("demo: entity %s, step %s: %v", e.Entity, e.Step, e.Err)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// Seed writes the district into log. It stops at the first refused step.
func Seed(ctx context.Context, log eventlog.Store, cfg Config) (Summary, error) {
	if cfg.Events <= 0 {
		cfg.Events = DefaultEvents
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Loc == nil {
		cfg.Loc = domain.DefaultLocation()
	}
	if cfg.Until.IsZero() {
		return Summary{}, errors.New("demo: Until is required")
	}
	start := time.Now()
	d := newDistrict(cfg)
	s := &seeder{
		log: log, reg: catalog.New(), d: d, cfg: cfg,
		cutoff:   cfg.Until.MissedAt(cfg.Loc),
		byFamily: map[string]*atomic.Int64{},
	}
	for _, f := range []string{"org", "inspection", "pledge", "fulfilment", "review", "rectification", "evaluation"} {
		s.byFamily[f] = new(atomic.Int64)
	}
	for _, ph := range s.phases(ctx) {
		if err := s.run(ctx, ph); err != nil {
			return Summary{}, err
		}
	}
	sum := Summary{
		Until: cfg.Until, Quarters: d.quarters, Units: len(d.units), Members: d.nMembers,
		Commands: int(s.commands.Load()), Events: int(s.events.Load()), Duplicates: int(s.dups.Load()),
		ByFamily: map[string]int{}, Elapsed: time.Since(start),
		Figures: Figures{
			Themes: int(s.fig.themes.Load()), Pledges: int(s.fig.pledges.Load()), Reviews: int(s.fig.reviews.Load()),
			Shortcomings: int(s.fig.shortcomings.Load()), Measures: int(s.fig.measures.Load()), Vanguards: int(s.fig.vanguards.Load()),
		},
		Files: int(d.files.Load()), FileBytes: d.fileBytes.Load(),
	}
	for f, n := range s.byFamily {
		if v := n.Load(); v > 0 {
			sum.ByFamily[f] = int(v)
		}
	}
	return sum, nil
}

// A step is one command of a script.
type step struct {
	name  string    // unique within the script; part of the command id
	at    time.Time // business time
	rec   time.Time // simulated ledger clock, not before at
	actor domain.Actor
	run   func(ctx context.Context, h *command.Handler, cmd command.Command) (command.Result, error)
	count func(f *tally) // figures to add once the step is on record
	// family overrides the family of the stream (fulfilment steps write to
	// pledge streams).
	family string
	// Used by rectification scripts to place the deadline watcher.
	effect effect
}

// A script is the ordered steps of one entity (one stream).
type script struct {
	key   string
	steps []step
}

// A phase is a set of scripts that may run in any order; the next phase
// starts once all of them are done.
type phase struct {
	name string
	n    int
	gen  func(i int) script
}

type tally struct {
	themes, pledges, reviews, shortcomings, measures, vanguards atomic.Int64
}

type seeder struct {
	log      eventlog.Store
	reg      *domain.Registry
	d        *district
	cfg      Config
	cutoff   time.Time
	commands atomic.Int64
	events   atomic.Int64
	dups     atomic.Int64
	byFamily map[string]*atomic.Int64
	fig      tally
}

func (s *seeder) run(ctx context.Context, ph phase) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	workers := min(s.cfg.Workers, max(ph.n, 1))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= ph.n || ctx.Err() != nil {
					return
				}
				if err := s.script(ctx, ph.gen(i)); err != nil {
					errOnce.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func (s *seeder) script(ctx context.Context, sc script) error {
	for _, st := range sc.steps {
		if !st.rec.Before(s.cutoff) {
			return nil // the rest of the script lies after --until
		}
		now := st.rec
		h := command.NewHandler(s.log, s.reg, command.WithClock(func() time.Time { return now }), command.WithLocation(s.cfg.Loc))
		cmd := command.Command{
			ID: s.d.commandID(sc.key, st.name), Actor: st.actor, OccurredAt: st.at,
			CorrelationID: s.d.commandID(sc.key, ""), System: st.actor == watcher,
		}
		res, err := st.run(ctx, h, cmd)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &ScriptError{Entity: sc.key, Step: st.name, Err: err}
		}
		s.commands.Add(1)
		if st.count != nil {
			st.count(&s.fig)
		}
		if res.Duplicate {
			s.dups.Add(1)
			continue
		}
		if n := len(res.EventIDs); n > 0 {
			total := s.events.Add(int64(n))
			fam := st.family
			if fam == "" {
				fam = familyOfStream(res.Stream)
			}
			s.byFamily[fam].Add(int64(n))
			if s.cfg.Progress != nil {
				s.cfg.Progress(total)
			}
		}
	}
	return nil
}

// familyOfStream maps a stream to the family of its events; every stream
// of the demo holds events of one family.
func familyOfStream(stream string) string {
	prefix, _, _ := strings.Cut(stream, "-")
	switch prefix {
	case "pledge":
		return "pledge"
	case "review", "rectification":
		return prefix
	case "survey", "vanguard", "starrating", "ranking":
		return "evaluation"
	case "group", "inspection":
		return "inspection"
	}
	return "org"
}

// rng returns the random source of one entity: the same seed and key give
// the same choices whatever the scheduling.
func rngFor(seed int64, key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// create runs the decision that starts a stream.
func create(stream string, decide func(domain.Meta) ([]domain.Event, error)) func(context.Context, *command.Handler, command.Command) (command.Result, error) {
	return func(ctx context.Context, h *command.Handler, cmd command.Command) (command.Result, error) {
		return command.Create(ctx, h, stream, cmd, decide)
	}
}

// exec runs a decision on a loaded aggregate.
func exec[A domain.Aggregate](stream string, newAgg func() A, decide command.Decide[A]) func(context.Context, *command.Handler, command.Command) (command.Result, error) {
	return func(ctx context.Context, h *command.Handler, cmd command.Command) (command.Result, error) {
		return command.Execute(ctx, h, stream, cmd, newAgg, decide)
	}
}

// sortSteps orders steps by business time, keeping the scripted order of
// equal times.
func sortSteps(steps []step) {
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
}
