package kurrenttest_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
)

// These tests drive the double with the v4 client directly, for the parts
// of the protocol the kurrent adapter does not use.

func mustClient(t *testing.T) *esdb.Client {
	t.Helper()
	conf, err := esdb.ParseConnectionString(kurrenttest.Start(t).ConnString())
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
