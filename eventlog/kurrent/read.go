package kurrent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/cxzy/ledger/eventlog"
)

// ReadStream implements eventlog.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventlog.Direction, limit int) ([]eventlog.Event, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("kurrent: read %s: limit must be positive", stream)
	}
	if dir != eventlog.Forwards && dir != eventlog.Backwards {
		return nil, fmt.Errorf("kurrent: read %s: invalid direction", stream)
	}
	c, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer c.end()
	evs, err := c.readStream(stream, from, dir, limit)
	if err != nil && !errors.Is(err, eventlog.ErrStreamNotFound) {
		return nil, fmt.Errorf("kurrent: read %s: %w", stream, err)
	}
	return evs, err
}

// readStream reads up to limit events of stream from version from (0:
// the first forwards, the last backwards).
func (c *call) readStream(stream string, from uint64, dir eventlog.Direction, limit int) ([]eventlog.Event, error) {
	opts := esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Start{}, Deadline: remaining(c.ctx)}
	if dir == eventlog.Backwards {
		opts.Direction, opts.From = esdb.Backwards, esdb.End{}
	}
	if from > 0 {
		opts.From = esdb.Revision(from - 1)
	}
	rs, err := c.client.ReadStream(c.ctx, stream, opts, uint64(limit))
	if err != nil {
		return nil, c.check(err)
	}
	defer rs.Close()
	var out []eventlog.Event
	for {
		re, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			// A missing stream is not an error of ReadStream but a
			// message the first Recv turns into this code.
			if code(err) == esdb.ErrorCodeResourceNotFound {
				return nil, eventlog.ErrStreamNotFound
			}
			return nil, c.check(err)
		}
		e, err := decode(re.OriginalEvent())
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}

// ReadAll implements eventlog.Store. KurrentDB reads $all from a position
// including the event at it, and mixes in its own events: both are skipped
// here, so a page may take more than one read.
func (s *Store) ReadAll(ctx context.Context, after eventlog.Position, limit int) ([]eventlog.Event, error) {
	if limit <= 0 {
		return nil, errors.New("kurrent: read all: limit must be positive")
	}
	c, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer c.end()
	var from esdb.AllPosition = esdb.Start{}
	if !after.IsZero() {
		from = esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
	}
	var out []eventlog.Event
	cur := after // the last event delivered
	for len(out) < limit {
		page := min(max(limit-len(out)+1, 64), 4096)
		rs, err := c.client.ReadAll(c.ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from, Deadline: remaining(c.ctx)}, uint64(page))
		if err != nil {
			return nil, fmt.Errorf("kurrent: read all after %v: %w", after, c.check(err))
		}
		n, last, err := readPage(rs, &cur, limit, &out)
		rs.Close()
		if err != nil {
			return nil, fmt.Errorf("kurrent: read all after %v: %w", after, c.check(err))
		}
		if n < page {
			break // the end of $all
		}
		from = last
	}
	return out, nil
}

// readPage appends to out the ledger events of rs after *after, moving
// *after along, until out holds limit events. It returns how many events
// rs gave and the position of the last one.
func readPage(rs *esdb.ReadStream, after *eventlog.Position, limit int, out *[]eventlog.Event) (int, esdb.Position, error) {
	var n int
	var last esdb.Position
	for len(*out) < limit {
		re, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, last, err
		}
		n++
		r := re.OriginalEvent()
		last = r.Position
		pos := eventlog.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
		if system(r.StreamID) || system(r.EventType) || !after.Less(pos) {
			continue
		}
		e, err := decode(r)
		if err != nil {
			return n, last, err
		}
		*out = append(*out, e)
		*after = pos
	}
	return n, last, nil
}

// Subscribe implements eventlog.Store with a catch-up subscription to
// $all: KurrentDB sends the stored events and then the live ones on one
// gRPC stream. ctx bounds only the setting up; the subscription lives
// until it is closed, fails, or the store closes.
func (s *Store) Subscribe(ctx context.Context, after eventlog.Position) (eventlog.Subscription, error) {
	c, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer c.end()
	var from esdb.AllPosition = esdb.Start{}
	if !after.IsZero() {
		from = esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
	}
	// The gRPC stream's context must outlive this call: it is the store's,
	// and is cancelled only if setting up takes longer than c.ctx allows.
	life, cancel := context.WithCancel(s.base)
	stop := context.AfterFunc(c.ctx, cancel)
	sub, err := c.client.SubscribeToAll(life, esdb.SubscribeToAllOptions{From: from})
	if !stop() {
		err = errors.Join(err, c.ctx.Err())
	}
	if err != nil {
		if sub != nil {
			sub.Close()
		}
		cancel()
		return nil, fmt.Errorf("kurrent: subscribe after %v: %w", after, c.check(err))
	}
	sn := &subscription{inner: sub, cancel: cancel, after: after, storeDone: s.base.Done(),
		items: make(chan item, 64), done: make(chan struct{}), exited: make(chan struct{})}
	go sn.pump()
	return sn, nil
}

type item struct {
	event eventlog.Event
	err   error
}

// subscription turns the client's blocking Recv into a channel, so Next
// can give up when its ctx ends.
type subscription struct {
	inner     *esdb.Subscription
	cancel    context.CancelFunc
	after     eventlog.Position // read only by pump
	items     chan item
	done      chan struct{} // closed by Close
	storeDone <-chan struct{}
	exited    chan struct{} // closed when pump returns
	once      sync.Once
	err       error // the error that ended the subscription, for every later Next
}

// pump receives until the subscription drops. Checkpoints, caught-up and
// fell-behind notices carry no events and are dropped; so are KurrentDB's
// own events and any event at or before the last one delivered, which
// covers KurrentDB starting at (rather than after) the given position.
func (sn *subscription) pump() {
	defer close(sn.exited)
	for {
		ev := sn.inner.Recv()
		var it item
		switch {
		case ev.SubscriptionDropped != nil:
			it.err = fmt.Errorf("kurrent: subscription dropped: %w", ev.SubscriptionDropped.Error)
			select {
			case <-sn.storeDone:
				it.err = eventlog.ErrClosed
			default:
			}
		case ev.EventAppeared != nil:
			r := ev.EventAppeared.OriginalEvent()
			pos := eventlog.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
			if system(r.StreamID) || system(r.EventType) || !sn.after.Less(pos) {
				continue
			}
			e, err := decode(r)
			if err != nil {
				it.err = fmt.Errorf("kurrent: subscription: %w", err)
			} else {
				it.event = e
				sn.after = pos
			}
		default:
			continue
		}
		select {
		case sn.items <- it:
		case <-sn.done:
			return
		}
		if it.err != nil {
			return
		}
	}
}

// Next implements eventlog.Subscription.
func (sn *subscription) Next(ctx context.Context) (eventlog.Event, error) {
	if sn.err != nil {
		return eventlog.Event{}, sn.err
	}
	select {
	case it := <-sn.items:
		if it.err != nil {
			sn.err = it.err
			select {
			case <-sn.done:
				sn.err = eventlog.ErrClosed
			default:
			}
		}
		return it.event, sn.err
	case <-sn.done:
		return eventlog.Event{}, eventlog.ErrClosed
	case <-ctx.Done():
		return eventlog.Event{}, ctx.Err()
	}
}

// Close implements eventlog.Subscription.
func (sn *subscription) Close() error {
	sn.once.Do(func() {
		close(sn.done)
		sn.inner.Close()
		sn.cancel()
		<-sn.exited
	})
	return nil
}
