package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/rectification"
)

// Watcher is the deadline watcher: it finds live items past their
// deadline in the rectifications table and records the miss in each
// item's stream (逐级督办). The table only nominates candidates; the
// decision is the domain's (MarkDeadlineMissed on the stream's history),
// so a table that lags behind the log costs a wasted look, never a wrong
// event. The command id names the item and the deadline, so a retry, a
// restart or a second replica finds the command in the stream's history
// and appends nothing.
type Watcher struct {
	q     Querier
	db    string
	h     *command.Handler
	loc   *time.Location
	actor domain.Actor
}

// NewWatcher returns a watcher reading db through q and writing through h
// as actor (e.g. "deadline-watcher"). loc is the deployment zone (nil:
// domain.DefaultLocation()); it should be the handler's.
func NewWatcher(q Querier, db string, h *command.Handler, loc *time.Location, actor string) *Watcher {
	return &Watcher{q: q, db: db, h: h, loc: zone(loc), actor: domain.Actor{ID: actor}}
}

// MissedCommandID is the id of the command that records the miss of
// deadline by item id.
func MissedCommandID(id string, deadline domain.Date) string {
	return "deadline-missed:" + id + ":" + deadline.String()
}

// Tick records every miss due as of now and returns how many it recorded.
// The domain decides on the ledger clock of the handler, which in
// production is now. An item that fails does not stop the others; the
// errors are joined.
func (w *Watcher) Tick(ctx context.Context, now time.Time) (int, error) {
	type candidate struct {
		id       string
		deadline domain.Date
	}
	var due []candidate
	// A deadline is missed at 00:00 of the next day in loc: today's date
	// in loc is past it. Items whose deadline in force already has a
	// recorded miss are skipped.
	err := queryEach(ctx, w.q, `SELECT id, deadline FROM `+w.db+`.`+RectificationsTable+` FINAL
		WHERE state IN `+rectLive+` AND deadline < toDate(?) AND deadline != last_missed_deadline
		ORDER BY deadline, id`, func(scan func(...any) error) error {
		var c candidate
		var d time.Time
		if err := scan(&c.id, &d); err != nil {
			return err
		}
		c.deadline = domain.DateOf(d)
		due = append(due, c)
		return nil
	}, domain.DateIn(now, w.loc).String())
	if err != nil {
		return 0, fmt.Errorf("deadline watcher: find missed deadlines: %w", err)
	}
	marked := 0
	var errs []error
	for _, c := range due {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		res, err := command.Execute(ctx, w.h, rectification.Stream(c.id),
			command.Command{ID: MissedCommandID(c.id, c.deadline), Actor: w.actor, System: true},
			func() *rectification.Rectification { return &rectification.Rectification{} },
			func(r *rectification.Rectification, meta domain.Meta) ([]domain.Event, error) {
				if r.Deadline() != c.deadline {
					// The table lags an extension or a reopening: the
					// next tick sees the deadline in force.
					return nil, nil
				}
				return r.MarkDeadlineMissed(meta)
			})
		if err != nil {
			errs = append(errs, fmt.Errorf("deadline watcher: %s: %w", c.id, err))
			continue
		}
		if !res.Duplicate && len(res.EventIDs) > 0 {
			marked++
		}
	}
	return marked, errors.Join(errs...)
}
