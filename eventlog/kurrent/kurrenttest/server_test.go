package kurrenttest_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
)

// These tests drive the double with the v4 client directly, for the parts
// of the protocol the kurrent adapter does not use.

func mustClient(t *testing.T) *esdb.Client {
	t.Helper()
	return clientOf(t, kurrenttest.Start(t))
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func event(id uuid.UUID) esdb.EventData {
	return esdb.EventData{EventID: id, EventType: "thing.happened", ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)}
}

func TestAppendIdempotentAtSameRevision(t *testing.T) {
	c := mustClient(t)
	ctx := ctxFor(t)
	a, b := uuid.New(), uuid.New()
	first, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, event(a), event(b))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, event(a), event(b))
	if err != nil {
		t.Fatalf("same ids at the same expected revision: %v, want success", err)
	}
	if *again != *first {
		t.Errorf("retry result %+v, want %+v", again, first)
	}
	_, err = c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, event(uuid.New()))
	var esErr *esdb.Error
	if !errors.As(err, &esErr) || esErr.Code() != esdb.ErrorCodeWrongExpectedVersion {
		t.Fatalf("new ids at a stale revision: %v, want WrongExpectedVersion", err)
	}
	rs, err := c.ReadStream(ctx, "s", esdb.ReadStreamOptions{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	n := 0
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Event.CreatedDate.IsZero() || time.Since(e.Event.CreatedDate) > time.Minute {
			t.Errorf("created = %v, want about now", e.Event.CreatedDate)
		}
		n++
	}
	if n != 2 {
		t.Errorf("stream has %d events, want 2", n)
	}
}

func TestSubscribeToStream(t *testing.T) {
	c := mustClient(t)
	ctx := ctxFor(t)
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	if _, err := c.AppendToStream(ctx, "sub", esdb.AppendToStreamOptions{}, event(ids[0]), event(ids[1])); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeToStream(ctx, "sub", esdb.SubscribeToStreamOptions{From: esdb.Revision(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// After revision 0: ids[1] stored, then a caught-up notice, then live
	// events; other streams' events are not this subscription's.
	var got []uuid.UUID
	recv := func(untilCaughtUp bool) {
		t.Helper()
		for {
			ev := sub.Recv()
			switch {
			case ev.SubscriptionDropped != nil:
				t.Fatal(ev.SubscriptionDropped.Error)
			case ev.CaughtUp != nil:
				if untilCaughtUp {
					return
				}
				t.Fatal("a second caught-up notice")
			case ev.EventAppeared != nil:
				got = append(got, ev.EventAppeared.Event.EventID)
				if !untilCaughtUp {
					return
				}
			}
		}
	}
	recv(true)
	if len(got) != 1 || got[0] != ids[1] {
		t.Fatalf("caught up after %v, want %v", got, ids[1:2])
	}
	if _, err := c.AppendToStream(ctx, "other", esdb.AppendToStreamOptions{}, event(uuid.New())); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(ctx, "sub", esdb.AppendToStreamOptions{}, event(ids[2])); err != nil {
		t.Fatal(err)
	}
	recv(false)
	if got[1] != ids[2] {
		t.Errorf("live event %s, want %s", got[1], ids[2])
	}
}

func TestReadAllBackwardsFromEnd(t *testing.T) {
	c := mustClient(t)
	ctx := ctxFor(t)
	id := uuid.New()
	if _, err := c.AppendToStream(ctx, "last", esdb.AppendToStreamOptions{}, event(id)); err != nil {
		t.Fatal(err)
	}
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	e, err := rs.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if e.Event.EventID != id || e.Event.StreamID != "last" {
		t.Errorf("last event is %s in %s, want %s in last", e.Event.EventID, e.Event.StreamID, id)
	}
}

func clientOf(t *testing.T, srv *kurrenttest.Server) *esdb.Client {
	t.Helper()
	conf, err := esdb.ParseConnectionString(srv.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func count(t *testing.T, c *esdb.Client, stream string) int {
	t.Helper()
	rs, err := c.ReadStream(ctxFor(t), stream, esdb.ReadStreamOptions{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	n := 0
	for {
		_, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return n
		}
		var esErr *esdb.Error
		if errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeResourceNotFound {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// TestIdempotencyWindow checks KurrentDB's commit check (IndexWriter.CheckCommit
// in the server): under Any, a repeated event id is recognised only while it
// is in the cache of recently written ids; under an exact expected
// revision it is recognised from the stream itself, however old; a repeat
// whose first ids match and later ones do not is a wrong expected version.
func TestIdempotencyWindow(t *testing.T) {
	srv := kurrenttest.Start(t, kurrenttest.WithIdempotencyCache(100))
	c := clientOf(t, srv)
	ctx := ctxFor(t)
	a, b := event(uuid.New()), event(uuid.New())
	if _, err := c.AppendToStream(ctx, "w", esdb.AppendToStreamOptions{}, a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(ctx, "w", esdb.AppendToStreamOptions{}, a, b); err != nil {
		t.Fatal(err)
	}
	if n := count(t, c, "w"); n != 2 {
		t.Fatalf("repeat under Any within the window: %d events, want 2", n)
	}
	_, err := c.AppendToStream(ctx, "w", esdb.AppendToStreamOptions{}, a, event(uuid.New()))
	var esErr *esdb.Error
	if !errors.As(err, &esErr) || esErr.Code() != esdb.ErrorCodeWrongExpectedVersion {
		t.Fatalf("first id repeated, second new: %v, want WrongExpectedVersion", err)
	}
	// Each entry costs 28 bytes + 2 per character of the stream name:
	// ten more events push a and b out of a 100-byte cache.
	for range 10 {
		if _, err := c.AppendToStream(ctx, "x", esdb.AppendToStreamOptions{}, event(uuid.New())); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AppendToStream(ctx, "w", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, a, b); err != nil {
		t.Fatalf("repeat at the same expected revision out of the window: %v, want success", err)
	}
	if n := count(t, c, "w"); n != 2 {
		t.Fatalf("repeat under NoStream out of the window: %d events, want 2", n)
	}
	if _, err := c.AppendToStream(ctx, "w", esdb.AppendToStreamOptions{}, a, b); err != nil {
		t.Fatal(err)
	}
	if n := count(t, c, "w"); n != 4 {
		t.Fatalf("repeat under Any out of the window: %d events, want 4 (written again)", n)
	}
}

// TestDropAndFaults checks the seam: a dropped subscription reports
// itself dropped to the client, and armed faults fail exactly the calls
// they were armed for.
func TestDropAndFaults(t *testing.T) {
	srv := kurrenttest.Start(t)
	c := clientOf(t, srv)
	ctx := ctxFor(t)
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for ev := sub.Recv(); ev.CaughtUp == nil; ev = sub.Recv() {
		if ev.SubscriptionDropped != nil {
			t.Fatal(ev.SubscriptionDropped.Error)
		}
	}
	if n := srv.DropSubscriptions(); n != 1 {
		t.Fatalf("dropped %d subscriptions, want 1", n)
	}
	for ev := sub.Recv(); ev.SubscriptionDropped == nil; ev = sub.Recv() {
		if ev.EventAppeared != nil {
			t.Fatal("an event after the drop")
		}
	}
	srv.FailNext(kurrenttest.OpAppend, 1, codes.Unavailable)
	if _, err := c.AppendToStream(ctx, "f", esdb.AppendToStreamOptions{}, event(uuid.New())); err == nil {
		t.Fatal("append succeeded through an armed fault")
	}
	if n := count(t, c, "f"); n != 0 {
		t.Fatalf("a failed append wrote %d events", n)
	}
	srv.LoseNextAppendAnswers(1)
	if _, err := c.AppendToStream(ctx, "f", esdb.AppendToStreamOptions{}, event(uuid.New())); err == nil {
		t.Fatal("append whose answer was lost succeeded")
	}
	if n := count(t, c, "f"); n != 1 {
		t.Fatalf("an append whose answer was lost wrote %d events, want 1", n)
	}
}
