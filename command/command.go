// Package command is the write path: it loads an aggregate from its
// stream, lets the domain decide, and appends the decision with the
// version it was decided on. On a conflict it reloads and decides again, a
// bounded number of times. Every event it writes carries the actor, the
// command id and a hash chaining it to the previous event of its stream.
package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
)

// Command is what every command carries besides its own fields.
type Command struct {
	// ID makes the command idempotent: a retry with the same id returns
	// the first result and appends nothing. Required.
	ID            string
	Actor         domain.Actor
	OccurredAt    time.Time // business time; zero means now
	CorrelationID string
	CausationID   string
	// IfVersion, when set, requires the stream to be at exactly this
	// version (HTTP If-Match); a mismatch is a ConflictError, not retried.
	IfVersion *uint64
	// After lists earlier facts the command's business time may not
	// precede: the registration of the unit it concerns, the formation of
	// the group that inspects, the finding that orders a rectification. A
	// fact cannot happen before what it refers to existed.
	After []Floor
	// Fingerprint, when set, is what the command says: a hash of its
	// route and canonical body, made by the caller that chose ID (an
	// Idempotency-Key). ID is then bound to it: the events record
	// ID~Fingerprint, the same ID with the same fingerprint is a
	// duplicate, and with another one, in the same stream or any other,
	// ErrKeyReused. Left empty, ID alone identifies the command.
	Fingerprint string
	// System marks a decision of the ledger itself (the deadline watcher),
	// whose business time is derived, not told: where it would precede
	// the stream's latest business time it is raised to it instead of
	// being refused.
	System bool
}

// Floor is an earlier fact a command's business time may not precede.
type Floor struct {
	At   time.Time
	What string // the fact, for the error: "unit u7 was registered"
}

// Result says where a command's events landed.
type Result struct {
	Stream       string            `json:"stream"`
	EventIDs     []string          `json:"event_ids"`
	FirstVersion uint64            `json:"first_version,omitempty"`
	LastVersion  uint64            `json:"last_version"`
	Position     eventlog.Position `json:"position"`
	// Duplicate is set when the command had been executed before: nothing
	// was appended this time.
	Duplicate bool `json:"duplicate,omitempty"`
}

// ErrCommandID is returned for a command without an id.
var ErrCommandID = errors.New("command id is required")

// ErrKeyReused is returned for a command whose id was used before for a
// command with another fingerprint: a client reusing an Idempotency-Key
// for something else. Nothing is appended.
var ErrKeyReused = errors.New("the command id was used before for another command")

// recordedID is the command id the events carry: ID bound to the
// fingerprint, if there is one.
func (c Command) recordedID() string {
	if c.Fingerprint == "" {
		return c.ID
	}
	return c.ID + "~" + c.Fingerprint
}

// Handler executes commands against one event log.
type Handler struct {
	log      eventlog.Store
	registry *domain.Registry
	now      func() time.Time
	loc      *time.Location
	skew     time.Duration
	retries  int
}

// Option changes a Handler's defaults.
type Option func(*Handler)

// WithClock replaces the ledger clock (tests, seeding historic data).
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// WithLocation sets the deployment time zone (default Asia/Shanghai).
func WithLocation(loc *time.Location) Option { return func(h *Handler) { h.loc = loc } }

// WithSkew sets how far after the ledger clock a business time may lie
// (default DefaultSkew): clients' clocks are a little off.
func WithSkew(d time.Duration) Option { return func(h *Handler) { h.skew = d } }

// DefaultSkew is the clock skew allowed unless configured.
const DefaultSkew = 2 * time.Minute

// WithRetries sets how often a conflicting command is decided again.
func WithRetries(n int) Option { return func(h *Handler) { h.retries = n } }

// NewHandler returns a handler writing to log.
func NewHandler(log eventlog.Store, registry *domain.Registry, opts ...Option) *Handler {
	h := &Handler{log: log, registry: registry, now: time.Now, loc: domain.DefaultLocation(), skew: DefaultSkew, retries: 5}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Location is the deployment time zone decisions are made in.
func (h *Handler) Location() *time.Location { return h.loc }

// Now reads the ledger clock.
func (h *Handler) Now() time.Time { return h.now() }

// meta is what a decision made at now may know.
func (h *Handler) meta(cmd Command, now time.Time) domain.Meta {
	return domain.Meta{Actor: cmd.Actor, Now: now, Loc: h.loc, Skew: h.skew}
}

// NewID derives an entity id from the id of the command that creates it,
// so a retried creation targets the same stream and is recognised.
func NewID(commandID string) string {
	return uuid.NewSHA1(entityNamespace, []byte(commandID)).String()
}

var entityNamespace = uuid.MustParse("0d4b7c52-8a0e-4c34-9d0e-5f2b1e6f3a77")

// Decide is a domain decision on an aggregate of type A.
type Decide[A domain.Aggregate] func(agg A, meta domain.Meta) ([]domain.Event, error)

// Create decides the first events of a new stream. If the stream already
// has history (from another command), it fails with domain.ErrAlreadyExists;
// a retry of the same command returns the first result.
func Create(ctx context.Context, h *Handler, stream string, cmd Command, decide func(meta domain.Meta) ([]domain.Event, error)) (Result, error) {
	if cmd.ID == "" {
		return Result{}, ErrCommandID
	}
	return h.claimed(ctx, cmd, func() (Result, error) { return create(ctx, h, stream, cmd, decide) })
}

func create(ctx context.Context, h *Handler, stream string, cmd Command, create func(meta domain.Meta) ([]domain.Event, error)) (Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := h.try(ctx, stream, cmd, func(history []eventlog.Event, meta domain.Meta) ([]domain.Event, error) {
			if len(history) > 0 {
				return nil, fmt.Errorf("%s: %w", stream, domain.ErrAlreadyExists)
			}
			return create(meta)
		})
		var conflict *eventlog.ConflictError
		if errors.As(err, &conflict) && cmd.IfVersion == nil && attempt < h.retries {
			continue // someone created it meanwhile: the next try says so
		}
		return res, err
	}
}

// Execute loads the aggregate of stream (a fresh one from newAgg, fed the
// stream's events), decides, and appends. A decision that returns no events
// appends nothing and succeeds.
func Execute[A domain.Aggregate](ctx context.Context, h *Handler, stream string, cmd Command, newAgg func() A, decide Decide[A]) (Result, error) {
	if cmd.ID == "" {
		return Result{}, ErrCommandID
	}
	return h.claimed(ctx, cmd, func() (Result, error) { return execute(ctx, h, stream, cmd, newAgg, decide) })
}

func execute[A domain.Aggregate](ctx context.Context, h *Handler, stream string, cmd Command, newAgg func() A, decide Decide[A]) (Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := h.try(ctx, stream, cmd, func(history []eventlog.Event, meta domain.Meta) ([]domain.Event, error) {
			agg := newAgg()
			if err := h.apply(agg, history); err != nil {
				return nil, err
			}
			return decide(agg, meta)
		})
		var conflict *eventlog.ConflictError
		if errors.As(err, &conflict) && cmd.IfVersion == nil && attempt < h.retries {
			continue
		}
		return res, err
	}
}

// Load rebuilds an aggregate from its stream, for a decision that needs to
// look at another entity than the one it changes (a unit's parent). A
// stream with no events leaves agg as it was.
func Load[A domain.Aggregate](ctx context.Context, h *Handler, stream string, agg A) (A, error) {
	history, err := readStream(ctx, h.log, stream)
	if err != nil {
		return agg, err
	}
	return agg, h.apply(agg, history)
}

// Since returns the business time of the first event of stream, zero if
// the stream has none: when the entity came into being.
func Since(ctx context.Context, h *Handler, stream string) (time.Time, error) {
	page, err := h.log.ReadStream(ctx, stream, 1, eventlog.Forwards, 1)
	if errors.Is(err, eventlog.ErrStreamNotFound) || (err == nil && len(page) == 0) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("load %s: %w", stream, err)
	}
	return page[0].OccurredAt, nil
}

// LoadAsOf rebuilds an aggregate from the events of its stream that had
// occurred by at (business time), for a decision that must see another
// entity as it was then: a member's unit when a remark about them was
// made. since is the business time of the stream's first event, zero if
// the stream has none: the entity did not exist before it.
func LoadAsOf[A domain.Aggregate](ctx context.Context, h *Handler, stream string, agg A, at time.Time) (_ A, since time.Time, _ error) {
	history, err := readStream(ctx, h.log, stream)
	if err != nil || len(history) == 0 {
		return agg, time.Time{}, err
	}
	n := 0
	for n < len(history) && !history[n].OccurredAt.After(at) {
		n++
	}
	return agg, history[0].OccurredAt, h.apply(agg, history[:n])
}

// apply feeds history to agg, decoding each event with the registry.
func (h *Handler) apply(agg domain.Aggregate, history []eventlog.Event) error {
	for i := range history {
		e, err := h.registry.Decode(history[i].Type, history[i].SchemaVersion, history[i].Payload)
		if err != nil {
			return fmt.Errorf("load %s version %d: %w", history[i].Stream, history[i].Version, err)
		}
		agg.Apply(e)
	}
	return nil
}

func (h *Handler) try(ctx context.Context, stream string, cmd Command, decide func([]eventlog.Event, domain.Meta) ([]domain.Event, error)) (Result, error) {
	history, err := readStream(ctx, h.log, stream)
	if err != nil {
		return Result{}, err
	}
	if prior, err := resultOf(stream, history, cmd); err != nil || prior != nil {
		if err != nil {
			return Result{}, err
		}
		return *prior, nil
	}
	var head eventlog.StreamHead
	if n := len(history); n > 0 {
		head = eventlog.StreamHead{Version: history[n-1].Version, Hash: history[n-1].Hash}
	}
	if cmd.IfVersion != nil && *cmd.IfVersion != head.Version {
		return Result{}, &eventlog.ConflictError{Stream: stream, Expected: eventlog.Exact(*cmd.IfVersion), Actual: head.Version}
	}
	// One reading of the clock per attempt: the decision and the
	// envelopes see the same "now", so a business time left to default is
	// recognisable as exactly it.
	now := h.now()
	decided, err := decide(history, h.meta(cmd, now))
	if err != nil {
		return Result{}, err
	}
	if len(decided) == 0 {
		return Result{Stream: stream, LastVersion: head.Version}, nil
	}
	envs, err := h.envelopes(cmd, decided, now)
	if err != nil {
		return Result{}, err
	}
	if err := h.inOrder(stream, cmd, history, envs, now); err != nil {
		return Result{}, err
	}
	eventlog.Chain(stream, head.Version, head.Hash, envs)
	appended, err := h.log.Append(ctx, stream, eventlog.Exact(head.Version), envs)
	if err != nil {
		return Result{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	res := Result{
		Stream:       stream,
		FirstVersion: appended.FirstVersion,
		LastVersion:  appended.LastVersion,
		Position:     appended.Position,
		Duplicate:    appended.Duplicate,
	}
	for _, e := range envs {
		res.EventIDs = append(res.EventIDs, e.ID)
	}
	return res, nil
}

func (h *Handler) envelopes(cmd Command, decided []domain.Event, now time.Time) ([]eventlog.Event, error) {
	occurred := cmd.OccurredAt
	if occurred.IsZero() {
		occurred = now
	}
	envs := make([]eventlog.Event, len(decided))
	for i, e := range decided {
		version, err := h.registry.SchemaVersion(e.EventType())
		if err != nil {
			return nil, err
		}
		payload, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		var unit string
		if s, ok := e.(domain.Scoped); ok {
			unit = s.ScopeUnit()
		}
		at := occurred
		if t, ok := e.(domain.Timed); ok && !t.OccurredTime().IsZero() {
			at = t.OccurredTime() // the event's own business time wins
		}
		envs[i] = eventlog.Event{
			ID:            eventlog.EventID(cmd.recordedID(), i),
			Type:          e.EventType(),
			OccurredAt:    at,
			RecordedAt:    now,
			Actor:         cmd.Actor.ID,
			Unit:          unit,
			CommandID:     cmd.recordedID(),
			CorrelationID: cmd.CorrelationID,
			CausationID:   cmd.CausationID,
			SchemaVersion: version,
			Payload:       payload,
		}
	}
	return envs, nil
}

// inOrder enforces the ledger's one rule of business time: an event's
// occurred_at may not precede the latest one already recorded in its
// stream, nor the earlier facts the command refers to (cmd.After), nor lie
// after the ledger clock by more than the allowed skew, nor leave the
// supported range. A backdated acceptance or a report dated before the
// item existed is refused here, for every family alike; an entry that is
// merely recorded late (in order, but long after it happened) is allowed
// and flagged by the read models (projections.IsLate).
//
// A business time left to default to now is raised to the stream's latest
// when that lies a little ahead (within the skew), and so is a system
// decision's derived time (cmd.System): neither was told by a person.
func (h *Handler) inOrder(stream string, cmd Command, history []eventlog.Event, envs []eventlog.Event, now time.Time) error {
	var floor time.Time
	what := ""
	if n := len(history); n > 0 {
		floor, what = history[n-1].OccurredAt, "the latest event already recorded in "+stream+" happened"
	}
	for _, f := range cmd.After {
		if f.At.After(floor) {
			floor, what = f.At, f.What
		}
	}
	for i := range envs {
		at := envs[i].OccurredAt
		if at.Before(floor) {
			if !cmd.System && !at.Equal(now) {
				return domain.Invalid("occurred_at", "must not be before %s, when %s: facts are recorded in the order they happened",
					floor.In(h.loc).Format(time.RFC3339), what)
			}
			envs[i].OccurredAt = floor
		}
		if envs[i].OccurredAt.After(now.Add(h.skew)) {
			return domain.Invalid("occurred_at", "must not be in the future: it is after %s, when the ledger received the command",
				now.In(h.loc).Format(time.RFC3339))
		}
		if err := domain.CheckTime("occurred_at", envs[i].OccurredAt); err != nil {
			return err
		}
		floor, what = envs[i].OccurredAt, "an earlier event of the same command happened"
	}
	return nil
}

// resultOf finds the events a command appended to a stream before, if
// any; an event of the same id bound to another fingerprint is
// ErrKeyReused. (An event carrying the bare id was recorded before ids
// were bound to fingerprints, and is taken as this command's.)
func resultOf(stream string, history []eventlog.Event, cmd Command) (*Result, error) {
	var res *Result
	recorded := cmd.recordedID()
	for _, e := range history {
		if e.CommandID != recorded && e.CommandID != cmd.ID {
			// Another id may itself contain "~" (a key "a~b"): only the
			// id bound to a fingerprint of the same length is this id's.
			if rest, ok := strings.CutPrefix(e.CommandID, cmd.ID+"~"); ok && cmd.Fingerprint != "" && len(rest) == len(cmd.Fingerprint) && !strings.Contains(rest, "~") {
				return nil, fmt.Errorf("%w: in %s", ErrKeyReused, stream)
			}
			continue
		}
		if res == nil {
			res = &Result{Stream: stream, FirstVersion: e.Version, Duplicate: true}
		}
		res.EventIDs = append(res.EventIDs, e.ID)
		res.LastVersion, res.Position = e.Version, e.Position
	}
	return res, nil
}

const readPage = 1000

// readStream reads a whole stream; a missing stream is an empty history.
func readStream(ctx context.Context, log eventlog.Store, stream string) ([]eventlog.Event, error) {
	var out []eventlog.Event
	from := uint64(1)
	for {
		page, err := log.ReadStream(ctx, stream, from, eventlog.Forwards, readPage)
		if errors.Is(err, eventlog.ErrStreamNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", stream, err)
		}
		out = append(out, page...)
		if len(page) < readPage {
			return out, nil
		}
		from = page[len(page)-1].Version + 1
	}
}
