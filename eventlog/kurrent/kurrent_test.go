package kurrent_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/eventlogtest"
	"github.com/cxzy/ledger/eventlog/kurrent"
	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
)

// fast makes a failed discovery give up at once, so tests of the
// first-connection retry do not wait for the client's ten attempts.
const fast = "&maxDiscoverAttempts=1&discoveryInterval=1&gossipTimeout=1"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func ctxFor(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

func mustOpen(tb testing.TB, conn string, opts ...kurrent.Option) *kurrent.Store {
	tb.Helper()
	opts = append([]kurrent.Option{kurrent.WithLogger(quiet)}, opts...)
	s, err := kurrent.Open(ctxFor(tb, 30*time.Second), conn, opts...)
	if err != nil {
		tb.Fatalf("open %s: %v", conn, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract_Double(t *testing.T) {
	srv := kurrenttest.Start(t)
	eventlogtest.Run(t, func(t *testing.T) eventlog.Store { return mustOpen(t, srv.ConnString()) })
}

// TestContract_Real runs the contract against a real KurrentDB, for
// example KURRENTDB_URL=esdb://localhost:2113?tls=false. The suite names
// its streams afresh on every run, so an old server's data does not
// matter.
func TestContract_Real(t *testing.T) {
	url := os.Getenv("KURRENTDB_URL")
	if url == "" {
		t.Skip("KURRENTDB_URL is not set")
	}
	eventlogtest.Run(t, func(t *testing.T) eventlog.Store { return mustOpen(t, url) })
}

// unique returns a stream name no earlier run has used.
func unique(tb testing.TB, name string) string {
	tb.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	return name + "-" + hex.EncodeToString(b[:])
}

func mustAppend(tb testing.TB, s eventlog.Store, stream string, exp eventlog.Expected, evs []eventlog.Event) eventlog.AppendResult {
	tb.Helper()
	res, err := s.Append(ctxFor(tb, 10*time.Second), stream, exp, evs)
	if err != nil {
		tb.Fatalf("append %s (%s): %v", stream, exp, err)
	}
	return res
}

// TestClientClosesAfterFailedDiscovery pins down the client behaviour
// Open works around: after one failed discovery the v4 client refuses
// every later call, even once the server is up.
func TestClientClosesAfterFailedDiscovery(t *testing.T) {
	srv := kurrenttest.Start(t)
	srv.RefuseConnections(1)
	conf, err := esdb.ParseConnectionString(srv.ConnString() + fast)
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdb.NoopLogging()
	client, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := ctxFor(t, 10*time.Second)
	if _, err := client.ReadAll(ctx, esdb.ReadAllOptions{}, 1); err == nil {
		t.Fatal("first read succeeded, want a failed discovery")
	}
	_, err = client.ReadAll(ctx, esdb.ReadAllOptions{}, 1)
	var esErr *esdb.Error
	if !errors.As(err, &esErr) || esErr.Code() != esdb.ErrorCodeConnectionClosed {
		t.Fatalf("second read: %v, want ErrorCodeConnectionClosed", err)
	}
}

func TestOpenRetriesFailedFirstConnection(t *testing.T) {
	srv := kurrenttest.Start(t)
	srv.RefuseConnections(3)
	s := mustOpen(t, srv.ConnString()+fast, kurrent.WithBackoff(time.Millisecond, 10*time.Millisecond))
	if got := srv.Refused(); got != 3 {
		t.Errorf("refused %d connections, want 3", got)
	}
	stream := unique(t, "after-retry")
	mustAppend(t, s, stream, eventlog.NoStream(), eventlogtest.NewEvents(stream, 1))
}

func TestOpenGivesUpWhenContextEnds(t *testing.T) {
	srv := kurrenttest.Start(t)
	srv.RefuseConnections(1 << 30)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := kurrent.Open(ctx, srv.ConnString()+fast, kurrent.WithLogger(quiet), kurrent.WithBackoff(time.Millisecond, 20*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("open: %v, want context.DeadlineExceeded", err)
	}
	if srv.Refused() < 2 {
		t.Errorf("refused %d connections, want at least 2 attempts", srv.Refused())
	}
}

func TestOpenRejectsBadConnectionString(t *testing.T) {
	_, err := kurrent.Open(ctxFor(t, time.Second), "http://localhost:2113", kurrent.WithLogger(quiet))
	if err == nil {
		t.Fatal("open accepted an http:// connection string")
	}
}

// TestReplacesClosedClient stops the server under an open store until the
// client gives up for good on a failed rediscovery; once a server is back
// at the address, the store must work again with a fresh client.
func TestReplacesClosedClient(t *testing.T) {
	srv := kurrenttest.NewServer()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	go srv.Serve(lis)
	s := mustOpen(t, "esdb://"+addr+"?tls=false"+fast)
	srv.Stop()

	// Subscribe, unlike ReadAll, passes a failure to start its call
	// through the client's error handling, which asks for a rediscovery.
	subscribe := func() error {
		sub, err := s.Subscribe(ctxFor(t, 2*time.Second), eventlog.Start)
		if err == nil {
			sub.Close()
		}
		return err
	}
	readAll := func() error {
		_, err := s.ReadAll(ctxFor(t, 2*time.Second), eventlog.Start, 1)
		return err
	}
	poll := func(what string, call func() error, done func(err error) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			err := call()
			if done(err) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: last error %v", what, err)
			}
			time.Sleep(5 * time.Millisecond) // between polls, not waiting for a result
		}
	}
	poll("the client never reported itself closed", subscribe, func(err error) bool {
		var esErr *esdb.Error
		return errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeConnectionClosed
	})
	again := kurrenttest.NewServer()
	t.Cleanup(again.Stop)
	lis, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	go again.Serve(lis)
	poll("the store never recovered", readAll, func(err error) bool { return err == nil })
}

// TestRoundTripExact writes an envelope that Chain did not normalise:
// nanoseconds, a time zone, an upper-case id. It must read back as
// written.
func TestRoundTripExact(t *testing.T) {
	s := mustOpen(t, kurrenttest.Start(t).ConnString())
	stream := unique(t, "exact")
	zone := time.FixedZone("UTC+8", 8*3600)
	e := eventlogtest.NewEvents(stream, 1)[0]
	e.ID = strings.ToUpper(e.ID)
	e.OccurredAt = time.Date(2024, 2, 29, 23, 59, 59, 999999999, zone)
	e.RecordedAt = time.Date(1999, 12, 31, 0, 0, 0, 1, time.UTC)
	e.Unit, e.CorrelationID, e.CausationID = "", "", ""
	e.PrevHash = eventlog.Hash{1, 2, 3}
	e.Hash = eventlog.ComputeHash(&e)
	mustAppend(t, s, stream, eventlog.Any(), []eventlog.Event{e})
	got, err := s.ReadStream(ctxFor(t, 5*time.Second), stream, 0, eventlog.Forwards, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("read %d events, want 1", len(got))
	}
	g := got[0]
	e.Stream, e.Version, e.Position = stream, 1, g.Position
	if err := eventlogtest.SameEvent(g, e); err != nil {
		t.Error(err)
	}
	if g.OccurredAt.Nanosecond() != 999999999 || g.RecordedAt.Nanosecond() != 1 {
		t.Errorf("times %v and %v lost their nanoseconds", g.OccurredAt, g.RecordedAt)
	}
}

func TestAppendRejects(t *testing.T) {
	s := mustOpen(t, kurrenttest.Start(t).ConnString())
	good := func() []eventlog.Event { return eventlogtest.NewEvents("cmd-reject", 2) }
	tests := []struct {
		name   string
		stream string
		events func() []eventlog.Event
	}{
		{"system stream", "$ledger", good},
		{"empty stream", "", good},
		{"no events", "s", func() []eventlog.Event { return nil }},
		{"system type", "s", func() []eventlog.Event { e := good(); e[1].Type = "$metadata"; return e }},
		{"id not a uuid", "s", func() []eventlog.Event { e := good(); e[0].ID = "cmd-1/0"; return e }},
		{"payload not json", "s", func() []eventlog.Event { e := good(); e[0].Payload = []byte("{"); return e }},
		{"other stream", "s", func() []eventlog.Event { e := good(); e[0].Stream = "t"; return e }},
		{"versions not consecutive", "s", func() []eventlog.Event { e := good(); e[0].Version, e[1].Version = 1, 3; return e }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Append(ctxFor(t, 5*time.Second), tt.stream, eventlog.Any(), tt.events())
			if err == nil {
				t.Fatal("append succeeded, want an error")
			}
			var conflict *eventlog.ConflictError
			if errors.As(err, &conflict) {
				t.Fatalf("append: %v, want a plain error", err)
			}
		})
	}
}

// TestAppendVersionsAreChecked appends events chained for versions the
// stream is not at, under Any: KurrentDB would take them, so the adapter
// must turn the versions into an exact expectation.
func TestAppendVersionsAreChecked(t *testing.T) {
	s := mustOpen(t, kurrenttest.Start(t).ConnString())
	stream := unique(t, "versions")
	mustAppend(t, s, stream, eventlog.NoStream(), eventlogtest.NewEvents(stream+"-a", 2))
	stale := eventlogtest.NewEvents(stream+"-b", 1)
	eventlog.Chain(stream, 1, eventlog.Hash{}, stale) // claims version 2
	tests := []struct {
		name     string
		expected eventlog.Expected
	}{
		{"any", eventlog.Any()},
		{"stream exists", eventlog.StreamExists()},
		{"exact matching the stream", eventlog.Exact(2)},
		{"no stream", eventlog.NoStream()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Append(ctxFor(t, 5*time.Second), stream, tt.expected, stale)
			if err == nil {
				t.Fatal("append of events chained for version 2 succeeded on a stream at 2")
			}
		})
	}
	evs, err := s.ReadStream(ctxFor(t, 5*time.Second), stream, 0, eventlog.Forwards, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Errorf("stream has %d events, want 2", len(evs))
	}
	// Right versions under Any go through.
	next := eventlogtest.NewEvents(stream+"-c", 2)
	eventlog.Chain(stream, 2, evs[1].Hash, next)
	if res := mustAppend(t, s, stream, eventlog.Any(), next); res.FirstVersion != 3 || res.LastVersion != 4 {
		t.Errorf("result %+v, want versions 3..4", res)
	}
}

// TestRetryWithoutVersions finds an earlier attempt by scanning the end of
// the stream, when neither versions nor an exact expectation say where.
func TestRetryWithoutVersions(t *testing.T) {
	srv := kurrenttest.Start(t)
	s := mustOpen(t, srv.ConnString())
	stream := unique(t, "scan")
	evs := eventlogtest.NewEvents(stream+"-cmd", 3)
	first := mustAppend(t, s, stream, eventlog.Any(), evs)
	mustAppend(t, s, stream, eventlog.Any(), eventlogtest.NewEvents(stream+"-other", 2))
	appends := srv.Appends()
	again := mustAppend(t, s, stream, eventlog.Any(), evs)
	if !again.Duplicate {
		t.Errorf("retry not reported as a duplicate: %+v", again)
	}
	again.Duplicate = false
	if again != first {
		t.Errorf("retry result %+v, want %+v", again, first)
	}
	if srv.Appends() != appends {
		t.Errorf("the retry reached the server's Append")
	}
}

func TestConflictActual(t *testing.T) {
	s := mustOpen(t, kurrenttest.Start(t).ConnString())
	stream := unique(t, "conflict")
	mustAppend(t, s, stream, eventlog.NoStream(), eventlogtest.NewEvents(stream+"-a", 3))
	_, err := s.Append(ctxFor(t, 5*time.Second), stream, eventlog.Exact(1), eventlogtest.NewEvents(stream+"-b", 1))
	var conflict *eventlog.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("append: %v, want a ConflictError", err)
	}
	if conflict.Actual != 3 || conflict.Expected != eventlog.Exact(1) {
		t.Errorf("conflict = %+v, want expected version 1, actual 3", conflict)
	}
}

func TestReadAllSkipsSystemEvents(t *testing.T) {
	s := mustOpen(t, kurrenttest.Start(t).ConnString())
	evs, err := s.ReadAll(ctxFor(t, 5*time.Second), eventlog.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Errorf("a fresh server gave %d events, want none of its own", len(evs))
	}
}

func TestSubscription(t *testing.T) {
	s := mustOpen(t, kurrenttest.Start(t).ConnString())
	stream := unique(t, "sub")
	stored := mustAppend(t, s, stream, eventlog.NoStream(), eventlogtest.NewEvents(stream+"-a", 2))
	sub, err := s.Subscribe(ctxFor(t, 5*time.Second), eventlog.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next := func() eventlog.Event {
		t.Helper()
		e, err := sub.Next(ctxFor(t, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if e := next(); e.Version != 1 {
		t.Errorf("first event has version %d, want 1", e.Version)
	}
	if e := next(); e.Position != stored.Position {
		t.Errorf("second event at %v, want %v", e.Position, stored.Position)
	}
	// Nothing more: Next gives up with its context.
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := sub.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next with nothing to deliver: %v, want context.DeadlineExceeded", err)
	}
	live := mustAppend(t, s, stream, eventlog.Exact(2), eventlogtest.NewEvents(stream+"-b", 1))
	if e := next(); e.Position != live.Position || e.Version != 3 {
		t.Errorf("live event %d at %v, want 3 at %v", e.Version, e.Position, live.Position)
	}
	sub.Close()
	if _, err := sub.Next(ctxFor(t, time.Second)); !errors.Is(err, eventlog.ErrClosed) {
		t.Errorf("Next after Close: %v, want ErrClosed", err)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	srv := kurrenttest.Start(t)
	s, err := kurrent.Open(ctxFor(t, 10*time.Second), srv.ConnString(), kurrent.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscribe(ctxFor(t, 5*time.Second), eventlog.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(ctxFor(t, 5*time.Second)); !errors.Is(err, eventlog.ErrClosed) {
		t.Errorf("Next after the store closed: %v, want ErrClosed", err)
	}
	if _, err := s.ReadAll(ctxFor(t, time.Second), eventlog.Start, 1); !errors.Is(err, eventlog.ErrClosed) {
		t.Errorf("ReadAll after Close: %v, want ErrClosed", err)
	}
}

func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := kurrent.Open(ctx, "esdb://localhost:2113?tls=false")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
}
