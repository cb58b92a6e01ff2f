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

// Collector deletes the files nobody cited: those uploaded more than Grace
// ago (by their last upload) that no event cites, and files stored whose
// upload was never recorded (an upload cut short between storing its
// bytes and recording it) once older than Grace. Each collection is an
// evidence.collected event, appended before the bytes are deleted, so the
// ledger tells every deletion; a file any event cites is never deleted.
//
// One collector runs in a deployment (ledgerd runs it as a singleton).
type Collector struct {
	Store   Store
	Index   *Index
	Handler *command.Handler
	Grace   time.Duration
	Logger  *slog.Logger
}

// Collection is what one pass did.
type Collection struct {
	Collected []string // files recorded as collected and deleted
	Bytes     int64    // their bytes
	Kept      []string // recorded as collected but cited meanwhile: kept
}

// Collect runs one pass at now.
func (c *Collector) Collect(ctx context.Context, now time.Time) (Collection, error) {
	var out Collection
	if !c.Index.Ready() {
		return out, ErrNotReady
	}
	cutoff := now.Add(-c.Grace)
	due, leftovers := c.Index.Due(cutoff)
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
	// Files collected before whose bytes a crash left behind.
	for _, sum := range leftovers {
		if _, err := c.Store.Stat(ctx, sum); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return out, err
		}
		if err := c.delete(ctx, sum, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// collect records one collection, then deletes the bytes.
func (c *Collector) collect(ctx context.Context, sum, reason string, cutoff time.Time, out *Collection) error {
	before, _ := c.Index.Lookup(sum)
	// One id per decision: a pass retried after a crash finds its own
	// event instead of recording a second one.
	cmd := command.Command{
		ID:     "evidence-collect:" + sum + ":" + strconv.Itoa(before.File.Events),
		Actor:  domain.Actor{ID: CollectorActor},
		System: true,
	}
	_, err := command.Execute(ctx, c.Handler, evdomain.Stream(sum), cmd, func() *evdomain.File { return &evdomain.File{} },
		func(f *evdomain.File, m domain.Meta) ([]domain.Event, error) {
			return f.Collect(evdomain.Collect{SHA256: sum, Reason: reason, Grace: c.Grace, UploadedBefore: cutoff}, m)
		})
	if errors.Is(err, evdomain.ErrNotDue) {
		return nil // uploaded again meanwhile (on another replica)
	}
	if err != nil {
		return fmt.Errorf("evidence collector: record the collection of %s: %w", sum, err)
	}
	if err := c.Index.Refresh(ctx, sum); err != nil {
		return err
	}
	return c.delete(ctx, sum, out)
}

// delete removes the bytes of a collected file, unless an event cites it
// by now (a command that checked the file just before it was collected):
// a cited file is never deleted.
func (c *Collector) delete(ctx context.Context, sum string, out *Collection) error {
	if e, _ := c.Index.Lookup(sum); e.Referenced() {
		out.Kept = append(out.Kept, sum)
		c.logger().Warn("evidence file recorded as collected but cited meanwhile: its bytes are kept", "sha256", sum, "cited_by", e.Refs[0].Stream)
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
