package kurrent_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
)

// evict pushes every id out of a double whose id cache holds one entry:
// any write to another stream does.
func evict(t *testing.T, s eventlog.Store) {
	t.Helper()
	other := unique(t, "evict")
	mustAppend(t, s, other, eventlog.NoStream(), eventlogtest.NewEvents(other, 1))
}

func streamLen(t *testing.T, s eventlog.Store, stream string) []eventlog.Event {
	t.Helper()
	evs, err := s.ReadStream(ctxFor(t, 5*time.Second), stream, 0, eventlog.Forwards, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestRetryAfterIdLeftTheWindow loses the answer to an append (the events
// are written), lets their ids fall out of the server's cache of recent
// ids, restarts it (which empties the cache) and retries: the adapter must
// find the first attempt in the stream itself and write nothing. This is
// what the command layer relies on: it appends chained events (versions
// set, an exact expected version) and a retry of a command finds its
// events by reading the stream, never by the server remembering ids.
func TestRetryAfterIdLeftTheWindow(t *testing.T) {
	for _, tt := range []struct {
		name     string
		expected func(head uint64) eventlog.Expected
		chained  bool
	}{
		{"chained, exact", func(h uint64) eventlog.Expected { return eventlog.Exact(h) }, true},
		{"chained, any", func(uint64) eventlog.Expected { return eventlog.Any() }, true},
		{"unchained, any (retry scan)", func(uint64) eventlog.Expected { return eventlog.Any() }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := kurrenttest.Start(t, kurrenttest.WithIdempotencyCache(1))
			s := mustOpen(t, srv.ConnString())
			stream := unique(t, "window")
			first := mustAppend(t, s, stream, eventlog.NoStream(), eventlogtest.NewEvents(stream+"-a", 2))
			evs := eventlogtest.NewEvents(stream+"-b", 3)
			if tt.chained {
				eventlog.Chain(stream, first.LastVersion, streamLen(t, s, stream)[1].Hash, evs)
			}
			srv.LoseNextAppendAnswers(1)
			if _, err := s.Append(ctxFor(t, 5*time.Second), stream, tt.expected(2), evs); err == nil {
				t.Fatal("append whose answer was lost succeeded")
			}
			evict(t, s)
			srv.Restart()
			appends := srv.Appends()
			res, err := s.Append(ctxFor(t, 5*time.Second), stream, tt.expected(2), evs)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if !res.Duplicate || res.FirstVersion != 3 || res.LastVersion != 5 {
				t.Errorf("retry result %+v, want a duplicate at versions 3..5", res)
			}
			if srv.Appends() != appends {
				t.Errorf("the retry reached the server's Append")
			}
			got := streamLen(t, s, stream)
			if len(got) != 5 {
				t.Fatalf("stream has %d events, want 5", len(got))
			}
			for i, e := range evs {
				if got[2+i].ID != e.ID {
					t.Errorf("version %d is %s, want %s", 3+i, got[2+i].ID, e.ID)
				}
			}
		})
	}
}

// TestAppendFailsBeforeWrite: an append refused by a node that is going
// away writes nothing and is an error; the retry writes once.
func TestAppendFailsBeforeWrite(t *testing.T) {
	srv := kurrenttest.Start(t)
	s := mustOpen(t, srv.ConnString())
	stream := unique(t, "refused")
	evs := eventlogtest.NewEvents(stream, 2)
	eventlog.Chain(stream, 0, eventlog.Hash{}, evs)
	srv.FailNext(kurrenttest.OpAppend, 1, codes.Unavailable)
	if _, err := s.Append(ctxFor(t, 5*time.Second), stream, eventlog.NoStream(), evs); err == nil {
		t.Fatal("append succeeded through an injected failure")
	}
	srv.FailNext(kurrenttest.OpRead, 1, codes.Unavailable) // the retry's look for an earlier attempt
	if _, err := s.Append(ctxFor(t, 5*time.Second), stream, eventlog.NoStream(), evs); err == nil {
		t.Fatal("append succeeded through a failed read")
	}
	res := mustAppend(t, s, stream, eventlog.NoStream(), evs)
	if res.Duplicate || res.LastVersion != 2 {
		t.Errorf("result %+v, want versions 1..2 written now", res)
	}
	if got := streamLen(t, s, stream); len(got) != 2 {
		t.Errorf("stream has %d events, want 2", len(got))
	}
}

// TestSubscriptionResumesAfterDrops follows $all while a writer appends,
// and has the server drop the subscription (as a restart or a leader
// change does) several times, once also refusing the first attempt to
// subscribe again. Resubscribing after the last event delivered, the
// reader must see exactly what ReadAll gives: nothing lost, repeated or
// out of order.
func TestSubscriptionResumesAfterDrops(t *testing.T) {
	srv := kurrenttest.Start(t)
	s := mustOpen(t, srv.ConnString())
	const writes, perWrite, drops = 60, 3, 6

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	written := make(chan error, 1)
	go func() {
		for range writes {
			stream := unique(t, "resume")
			if _, err := s.Append(ctx, stream, eventlog.NoStream(), eventlogtest.NewEvents(stream, perWrite)); err != nil {
				written <- err
				return
			}
		}
		written <- nil
	}()

	var got []eventlog.Event
	after := eventlog.Start
	subscribe := func() eventlog.Subscription {
		t.Helper()
		for {
			sub, err := s.Subscribe(ctx, after)
			if err == nil {
				return sub
			}
			if ctx.Err() != nil {
				t.Fatalf("subscribe after %v: %v", after, err)
			}
		}
	}
	sub := subscribe()
	dropped := 0
	for len(got) < writes*perWrite {
		if dropped < drops && len(got) >= (dropped+1)*writes*perWrite/(drops+1) {
			// Wait until the server holds the subscription, so the drop
			// ends it rather than nothing.
			for srv.Subscriptions() == 0 {
				if ctx.Err() != nil {
					t.Fatal("the subscription never reached the server")
				}
				time.Sleep(time.Millisecond) // polling the server's count
			}
			if dropped == 2 {
				srv.FailNext(kurrenttest.OpSubscribe, 1, codes.Unavailable)
			}
			srv.DropSubscriptions()
			dropped++
			// Events already on their way may still arrive; then the drop.
			for {
				e, err := sub.Next(ctx)
				if err != nil {
					if errors.Is(err, eventlog.ErrClosed) || ctx.Err() != nil {
						t.Fatalf("after a drop: %v, want the drop's error", err)
					}
					break
				}
				got = append(got, e)
				after = e.Position
			}
			sub.Close()
			sub = subscribe()
			continue
		}
		e, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("Next after %d events: %v", len(got), err)
		}
		got = append(got, e)
		after = e.Position
	}
	sub.Close()
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if dropped != drops {
		t.Errorf("dropped %d times, want %d", dropped, drops)
	}
	want, err := s.ReadAll(ctxFor(t, 5*time.Second), eventlog.Start, writes*perWrite+1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("subscription gave %d events, ReadAll %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Position != want[i].Position {
			t.Fatalf("event %d: %s at %v, ReadAll has %s at %v", i, got[i].ID, got[i].Position, want[i].ID, want[i].Position)
		}
	}
}
