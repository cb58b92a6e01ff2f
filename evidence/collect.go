package evidence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	evdomain "github.com/cxzy/ledger/domain/evidence"
)

// CollectorActor is the actor of every collection.
const CollectorActor = "evidence-collector"

// Collector collects the files nobody cited: those uploaded more than
// Grace ago (by their last upload) that no event cites, and files stored
// whose upload was never recorded (an upload cut short between storing
// its bytes and recording it) once older than Grace.
//
// A collection has two phases, in two passes. First an
// evidence.collected event is recorded: from then on the file is refused
// to new citations and reads as collected. Its bytes are deleted only by
// a later pass, once the collection is older than SafetyMargin (longer
// than any request takes), after the index has caught up with the head of
// the log, and only if no event cites the file and nobody uploaded it
// again since: a command that checked the file just before it was
// collected has appended its citation by then, and an upload under way
// has recorded its upload. If the index cannot catch up, nothing is
// deleted. A file any event cites is never deleted.
//
// One collector runs in a deployment (ledgerd runs it as a singleton).
type Collector struct {
	Store   Store
	Index   *Index
	Handler *command.Handler
	Grace   time.Duration
	// SafetyMargin is how long after its collection is recorded a file's
	// bytes are kept (DefaultSafetyMargin if 0).
	SafetyMargin time.Duration
	Logger       *slog.Logger
}

// DefaultSafetyMargin is the time between recording a collection and
// deleting the bytes unless configured: far longer than any request.
const DefaultSafetyMargin = 10 * time.Minute

// Collection is what one pass did.
type Collection struct {
	Recorded  []string // files recorded as collected in this pass (their bytes are deleted by a later pass)
	Collected []string // files whose bytes were deleted (recorded as collected by an earlier pass)
	Bytes     int64    // their bytes
	Kept      []string // recorded as collected but cited or uploaded again meanwhile: kept
}

func (c *Collector) margin() time.Duration {
	if c.SafetyMargin > 0 {
		return c.SafetyMargin
	}
	return DefaultSafetyMargin
}

// Collect runs one pass at now: it deletes the bytes of the files
// collected more than SafetyMargin ago, then records the collection of
// the files due now.
func (c *Collector) Collect(ctx context.Context, now time.Time) (Collection, error) {
	var out Collection
	if !c.Index.Ready() {
		return out, ErrNotReady
	}
	// Decide on the log as it is now, not on what a stuck follower read.
	if err := c.Index.CatchUp(ctx); err != nil {
		return out, fmt.Errorf("evidence collector: nothing collected, the index cannot catch up: %w", err)
	}
	cutoff := now.Add(-c.Grace)
	due, collected := c.Index.Due(cutoff, now.Add(-c.margin()))
	// Phase two: collections recorded by earlier passes.
	for _, sum := range collected {
		if _, err := c.Store.Stat(ctx, sum); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return out, err
		}
		if err := c.delete(ctx, sum, &out); err != nil {
			return out, err
		}
	}
	// Phase one: record the collections of the files due now.
	for _, sum := range due {
		if err := c.collect(ctx, sum, "no event cited it within the grace period after its last upload", cutoff, &out); err != nil {
			return out, err
		}
	}
	// Stored files the ledger knows nothing of: uploads cut short before
	// they were recorded.
	var orphans []string
	err := c.Store.Walk(ctx, func(i Info) error {
		if !i.Stored.Before(cutoff) {
			return nil // perhaps an upload being recorded right now
		}
		if e, known := c.Index.Lookup(i.SHA256); !known || (e.File.Events == 0 && !e.Referenced()) {
			orphans = append(orphans, i.SHA256)
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("evidence collector: walk the store: %w", err)
	}
	for _, sum := range orphans {
		if err := c.collect(ctx, sum, "stored, but its upload was never recorded (an upload cut short)", cutoff, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// collect records one collection; a later pass deletes the bytes.
func (c *Collector) collect(ctx context.Context, sum, reason string, cutoff time.Time, out *Collection) error {
	before, _ := c.Index.Lookup(sum)
	// One id per decision: a pass retried after a crash finds its own
	// event instead of recording a second one.
	cmd := command.Command{
		ID:     "evidence-collect:" + sum + ":" + strconv.Itoa(before.File.Events),
		Actor:  domain.Actor{ID: CollectorActor},
		System: true,
	}
	res, err := command.Execute(ctx, c.Handler, evdomain.Stream(sum), cmd, func() *evdomain.File { return &evdomain.File{} },
		func(f *evdomain.File, m domain.Meta) ([]domain.Event, error) {
			return f.Collect(evdomain.Collect{SHA256: sum, Reason: reason, Grace: c.Grace, UploadedBefore: cutoff}, m)
		})
	if errors.Is(err, evdomain.ErrNotDue) {
		return nil // uploaded again meanwhile (on another replica)
	}
	if err != nil {
		return fmt.Errorf("evidence collector: record the collection of %s: %w", sum, err)
	}
	if len(res.EventIDs) > 0 {
		out.Recorded = append(out.Recorded, sum)
	}
	return c.Index.Refresh(ctx, sum)
}

// delete removes the bytes of a collected file, under the file's lock,
// unless the log shows by now that an event cites it or that it was
// uploaded again: such a file is kept.
func (c *Collector) delete(ctx context.Context, sum string, out *Collection) error {
	unlock := c.Index.Files.Lock(sum)
	defer unlock()
	// An upload on another replica may have been recorded since the
	// catch-up: read the file's stream once more.
	if err := c.Index.Refresh(ctx, sum); err != nil {
		return fmt.Errorf("evidence collector: nothing deleted: %w", err)
	}
	e, _ := c.Index.Lookup(sum)
	if e.Referenced() || !e.File.Collected {
		out.Kept = append(out.Kept, sum)
		by := "an upload since"
		if e.Referenced() {
			by = e.Refs[0].Stream
		}
		c.logger().Warn("evidence file recorded as collected but cited or uploaded again meanwhile: its bytes are kept", "sha256", sum, "by", by)
		return nil
	}
	size := int64(0)
	if i, err := c.Store.Stat(ctx, sum); err == nil {
		size = i.Size
	}
	if err := c.Store.Delete(ctx, sum); err != nil {
		return fmt.Errorf("evidence collector: delete %s: %w", sum, err)
	}
	out.Collected = append(out.Collected, sum)
	out.Bytes += size
	c.logger().Info("evidence file collected", "sha256", sum, "bytes", size, "grace", c.Grace.String())
	return nil
}

func (c *Collector) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
