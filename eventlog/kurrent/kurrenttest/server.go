// Package kurrenttest is a test-only protocol double of KurrentDB
// (EventStoreDB): an in-memory server of the gRPC Streams service
// (event_store.client.streams.Streams, from the v4 Go client's generated
// protos) on a real loopback listener, without TLS, so the kurrent adapter
// is tested through the real client and real gRPC.
//
// It is not KurrentDB. It was written from the v4 client's source and
// KurrentDB's documented behaviour, and implements only what the adapter
// uses:
//
//   - Append (options first, then proposed messages) with the four expected
//     revisions and KurrentDB's commit check (IndexWriter.CheckCommit):
//     under an exact revision or NoStream behind the stream's, the same ids
//     at the revisions they would have taken succeed without writing, for
//     as long as the stream holds them; under Any or StreamExists, ids are
//     looked up only in a bounded cache of recently written ids (8 MiB,
//     first in first out, as the server's; WithIdempotencyCache), so a
//     repeat whose first id has left it is written again; a repeat of which
//     only the first ids match is a wrong expected version.
//     WrongExpectedVersion answers carry the current revision.
//   - Read of a stream or of $all, forwards and backwards, with a count,
//     from the start, the end, a revision or a position; a stream with no
//     events gives the stream-not-found message (on the read stream, as
//     KurrentDB does, not as a gRPC error). Reading $all from a position
//     includes the event at it, as KurrentDB does.
//   - Catch-up subscriptions to $all or a stream: the confirmation first,
//     then the stored events after the given position or revision
//     (exclusive), a caught-up message, then live events, with no gap and
//     no duplicate between the two. Server-side filters on event type or
//     stream name (prefixes or a regular expression) apply to reads and
//     subscriptions; no checkpoints are sent.
//   - Stream metadata as SetStreamMetadata writes it: $maxCount, $maxAge
//     and $tb hide events from reads of the stream (not from $all).
//   - The server-features call, reporting DefaultServerVersion and no
//     batch append.
//   - Faults for tests: FailNext (a call refused before it does anything),
//     LoseNextAppendAnswers (written, then Unavailable), DropSubscriptions
//     and Restart (subscriptions end with Unavailable; Restart also empties
//     the id cache, which lives in the server's memory), and Import, which
//     loads events with their own positions (a populated database).
//   - Recorded events carry the system metadata the client needs: "type",
//     "content-type" and "created" (100 ns ticks since the Unix epoch, as a
//     decimal string: the client parses it so and exits the process if it
//     cannot).
//   - Positions look like KurrentDB's: byte offsets that grow by the size of
//     each record, with gaps; the events of one append share the commit
//     position of the transaction and have their own prepare positions. The
//     append response carries the transaction's position. Two system events
//     ($-prefixed stream and type) are present from the start, as on a fresh
//     KurrentDB, so clients must skip them.
//
// Not implemented: Delete, Tombstone, BatchAppend, link resolution, ACLs
// and authentication (credentials are ignored), TLS, persistent
// subscriptions, projections, gossip and clustering (in single-node mode
// the client never asks for gossip), scavenging, checkpoints of filtered
// subscriptions, and $maxAge/$maxCount on $all.
//
// TestUpstreamClientSuite runs the v4 client's own append, read, read-all,
// subscription and connection tests against the double.
//
// The contract suite that runs against this double (TestContract_Double in
// package kurrent) also runs against a real KurrentDB when KURRENTDB_URL is
// set (TestContract_Real); that run is what shows the double is faithful.
package kurrenttest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server is the double. Its zero value is not usable: call NewServer.
type Server struct {
	api.UnimplementedStreamsServer

	mu      sync.Mutex
	all     []*record            // the global order
	streams map[string][]*record // by stream, in revision order
	next    uint64               // log position of the next record
	changed chan struct{}        // closed and replaced after every write

	ids    *idCache      // recently written event ids, as KurrentDB's
	drop   chan struct{} // closed and replaced by DropSubscriptions
	live   int           // subscriptions open now
	faults map[Op][]fault

	grpc    *grpc.Server
	addr    string
	stop    chan struct{}
	once    sync.Once
	refuse  atomic.Int64 // connections still to refuse
	refused atomic.Int64
	appends atomic.Int64
	version string
}

type record struct {
	id       uuid.UUID
	stream   string
	revision uint64
	commit   uint64
	prepare  uint64
	created  int64 // ticks of 100 ns since the Unix epoch
	meta     map[string]string
	custom   []byte
	data     []byte
}

// NewServer returns an empty double that holds two system events, as a
// fresh KurrentDB does.
func NewServer(opts ...Option) *Server {
	c := config{idCache: DefaultIdempotencyCache, version: DefaultServerVersion, system: true}
	for _, o := range opts {
		o(&c)
	}
	s := &Server{streams: map[string][]*record{}, next: 1024, changed: make(chan struct{}), stop: make(chan struct{}),
		ids: newIDCache(c.idCache), drop: make(chan struct{}), faults: map[Op][]fault{}, version: c.version}
	if c.system {
		s.write("$stats-127.0.0.1:2113", []*record{{id: uuid.New(), meta: map[string]string{"type": "$statsCollected", "content-type": "application/json"}, data: []byte(`{}`)}})
		s.write("$$$stats-127.0.0.1:2113", []*record{{id: uuid.New(), meta: map[string]string{"type": "$metadata", "content-type": "application/json"}, data: []byte(`{"$maxAge":86400}`)}})
	}
	s.grpc = grpc.NewServer()
	api.RegisterStreamsServer(s.grpc, s)
	serverfeatures.RegisterServerFeaturesServer(s.grpc, features{s: s})
	return s
}

// Start runs a new double on 127.0.0.1 with a free port until the test
// ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := NewServer(opts...)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("kurrenttest: listen: %v", err)
	}
	s.setAddr(lis)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = s.Serve(lis)
	}()
	tb.Cleanup(func() {
		s.Stop()
		<-served
	})
	return s
}

// Serve accepts connections on lis until Stop.
func (s *Server) Serve(lis net.Listener) error {
	s.setAddr(lis)
	return s.grpc.Serve(&refusingListener{Listener: lis, s: s})
}

func (s *Server) setAddr(lis net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addr = lis.Addr().String()
}

// Stop ends every call and closes the listener.
func (s *Server) Stop() {
	s.once.Do(func() { close(s.stop) })
	s.grpc.Stop()
}

// ConnString is the connection string of the double for the v4 client.
func (s *Server) ConnString() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "esdb://" + s.addr + "?tls=false"
}

// RefuseConnections makes the double close the next n connections as soon
// as it accepts them, as a server that is not up yet would fail them.
func (s *Server) RefuseConnections(n int) { s.refuse.Store(int64(n)) }

// Refused is the number of connections refused so far.
func (s *Server) Refused() int { return int(s.refused.Load()) }

// Appends is the number of Append calls that reached the double.
func (s *Server) Appends() int { return int(s.appends.Load()) }

type refusingListener struct {
	net.Listener
	s *Server
}

func (l *refusingListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.s.refuse.Add(-1) < 0 {
			l.s.refuse.Store(0)
			return conn, nil
		}
		l.s.refused.Add(1)
		conn.Close()
	}
}

// write appends recs to stream as one transaction. Callers hold no lock.
func (s *Server) write(stream string, recs []*record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeLocked(stream, recs)
}

func (s *Server) writeLocked(stream string, recs []*record) {
	commit := s.next
	created := time.Now().UnixNano() / 100
	rev := uint64(len(s.streams[stream]))
	for i, r := range recs {
		r.stream = stream
		r.revision = rev + uint64(i)
		r.commit = commit
		r.prepare = s.next
		r.created = created
		s.next += uint64(64 + len(stream) + len(r.data) + len(r.custom))
		s.streams[stream] = append(s.streams[stream], r)
		s.all = append(s.all, r)
		s.ids.put(r.id, stream, r.revision)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

func (r *record) less(commit, prepare uint64) bool {
	if r.commit != commit {
		return r.commit < commit
	}
	return r.prepare < prepare
}

// Append implements the client-streaming append: an options message, then
// the proposed events.
func (s *Server) Append(stream api.Streams_AppendServer) error {
	s.appends.Add(1)
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "kurrenttest: the first append message must be the options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	var recs []*record
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		msg := req.GetProposedMessage()
		if msg == nil {
			return status.Error(codes.InvalidArgument, "kurrenttest: expected a proposed message")
		}
		id, err := fromProtoUUID(msg.GetId())
		if err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
		if msg.Metadata["type"] == "" {
			return status.Error(codes.InvalidArgument, "kurrenttest: event without a type")
		}
		recs = append(recs, &record{id: id, meta: msg.Metadata, custom: msg.CustomMetadata, data: msg.Data})
	}
	if len(recs) == 0 {
		return status.Error(codes.InvalidArgument, "kurrenttest: no events")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.takeFault(OpAppend); ok && !f.afterWrite {
		return status.Error(f.code, "kurrenttest: injected fault")
	} else if ok {
		if resp, done := s.check(name, opts, recs); done {
			return stream.SendAndClose(resp)
		}
		s.writeLocked(name, recs)
		return status.Error(f.code, "kurrenttest: injected fault after the write")
	}
	if resp, done := s.check(name, opts, recs); done {
		return stream.SendAndClose(resp)
	}
	s.writeLocked(name, recs)
	return stream.SendAndClose(success(recs[len(recs)-1]))
}

// check is KurrentDB's commit check (IndexWriter.CheckCommit): it returns
// the answer to an append that must not write (wrong expected version, or
// an idempotent repeat of an earlier write), or done false if the events
// are to be written.
//
// Under an exact revision (or NoStream) behind the stream's, the events
// are a repeat if each id is the one stored at the revision it would have
// taken, which KurrentDB finds in its index: there is no time limit. Under
// Any or StreamExists, each id is looked up in the cache of recently
// written ids only: a repeat whose first id has left the cache is written
// again, as a new event. Either way, a repeat of which only the first
// events match is a wrong expected version.
func (s *Server) check(name string, opts *api.AppendReq_Options, recs []*record) (*api.AppendResp, bool) {
	existing := s.streams[name]
	current := int64(len(existing)) - 1 // -1: no stream
	switch o := opts.ExpectedStreamRevision.(type) {
	case *api.AppendReq_Options_StreamExists, *api.AppendReq_Options_Any:
		if _, exists := o.(*api.AppendReq_Options_StreamExists); exists && current < 0 && len(s.streams["$$"+name]) == 0 {
			return wrongExpected(opts, current), true
		}
		var last *record
		for i, r := range recs {
			info, ok := s.ids.get(r.id)
			if !ok || info.stream != name {
				if i == 0 {
					return nil, false
				}
				return wrongExpected(opts, current), true
			}
			last = existing[info.revision]
		}
		return success(last), true
	}
	expected := int64(-1) // NoStream
	if o, ok := opts.ExpectedStreamRevision.(*api.AppendReq_Options_Revision); ok {
		expected = int64(o.Revision)
	}
	switch {
	case expected == current:
		return nil, false
	case expected > current:
		return wrongExpected(opts, current), true
	}
	for i, r := range recs {
		rev := expected + 1 + int64(i)
		if rev > current || existing[rev].id != r.id {
			return wrongExpected(opts, current), true
		}
	}
	return success(existing[expected+int64(len(recs))]), true
}

// success reports last as the stream's current revision, with the
// position of its transaction (commit and prepare both the commit).
func success(last *record) *api.AppendResp {
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: last.revision},
		PositionOption: &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: last.commit, PreparePosition: last.commit,
		}},
	}}}
}

func wrongExpected(opts *api.AppendReq_Options, current int64) *api.AppendResp {
	w := &api.AppendResp_WrongExpectedVersion{}
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
	}
	switch o := opts.ExpectedStreamRevision.(type) {
	case *api.AppendReq_Options_Revision:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: o.Revision}
	case *api.AppendReq_Options_NoStream:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case *api.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// Read implements reads and catch-up subscriptions of a stream or $all.
func (s *Server) Read(req *api.ReadReq, out api.Streams_ReadServer) error {
	opts := req.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "kurrenttest: read without options")
	}
	keep, err := newFilter(opts.GetFilter())
	if err != nil {
		return err
	}
	structured := opts.GetUuidOption().GetString_() == nil
	send := func(r *record) error {
		if !keep(r) {
			return nil
		}
		return out.Send(&api.ReadResp{Content: &api.ReadResp_Event{Event: toProto(r, structured)}})
	}
	if opts.GetSubscription() != nil {
		if err := s.failBefore(OpSubscribe); err != nil {
			return err
		}
		return s.subscribe(opts, out, send)
	}
	if err := s.failBefore(OpRead); err != nil {
		return err
	}
	count := opts.GetCount()
	backwards := opts.ReadDirection == api.ReadReq_Options_Backwards

	s.mu.Lock()
	var recs []*record
	if so := opts.GetStream(); so != nil {
		name := string(so.GetStreamIdentifier().GetStreamName())
		stored := s.streams[name]
		if len(stored) == 0 {
			s.mu.Unlock()
			return out.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
				StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
			}}})
		}
		lo := s.firstVisible(name, stored)
		recs = pick(stored, streamStart(so, len(stored), backwards), backwards, count, lo)
	} else {
		recs = pick(s.all, s.allStart(opts.GetAll(), backwards), backwards, count, 0)
	}
	s.mu.Unlock()
	for _, r := range recs {
		if err := send(r); err != nil {
			return err
		}
	}
	return nil
}

// pick takes up to count records from index i, forwards or backwards,
// none before index lo.
func pick(recs []*record, i int, backwards bool, count uint64, lo int) []*record {
	var out []*record
	if !backwards {
		i = max(i, lo)
	}
	for i >= lo && i < len(recs) && uint64(len(out)) < count {
		out = append(out, recs[i])
		if backwards {
			i--
		} else {
			i++
		}
	}
	return out
}

// streamStart is the index a stream read starts at.
func streamStart(so *api.ReadReq_Options_StreamOptions, n int, backwards bool) int {
	switch o := so.RevisionOption.(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		if backwards && o.Revision >= uint64(n) {
			return n - 1
		}
		return int(min(o.Revision, uint64(n)))
	case *api.ReadReq_Options_StreamOptions_End:
		if backwards {
			return n - 1
		}
		return n
	}
	if backwards {
		return -1
	}
	return 0
}

// allStart is the index a $all read starts at: forwards, the first event
// at or after the position; backwards, the last one before it.
func (s *Server) allStart(ao *api.ReadReq_Options_AllOptions, backwards bool) int {
	n := len(s.all)
	switch o := ao.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		i := s.firstNotBefore(o.Position.CommitPosition, o.Position.PreparePosition)
		if backwards {
			return i - 1
		}
		return i
	case *api.ReadReq_Options_AllOptions_End:
		if backwards {
			return n - 1
		}
		return n
	}
	if backwards {
		return -1
	}
	return 0
}

// firstNotBefore is the index of the first record at or after the
// position. Callers hold s.mu.
func (s *Server) firstNotBefore(commit, prepare uint64) int {
	for i, r := range s.all {
		if !r.less(commit, prepare) {
			return i
		}
	}
	return len(s.all)
}

// subscribe serves a catch-up subscription. It keeps its place as an index
// into the stream or $all, which only grow, so moving from the stored
// events to live ones cannot skip or repeat one.
func (s *Server) subscribe(opts *api.ReadReq_Options, out api.Streams_ReadServer, send func(*record) error) error {
	if err := out.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	so := opts.GetStream()
	s.mu.Lock()
	var next int
	if so != nil {
		n := len(s.streams[string(so.GetStreamIdentifier().GetStreamName())])
		switch o := so.RevisionOption.(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			next = int(o.Revision) + 1 // after the revision
		case *api.ReadReq_Options_StreamOptions_End:
			next = n
		}
	} else {
		switch o := opts.GetAll().GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_Position:
			next = s.firstNotBefore(o.Position.CommitPosition, o.Position.PreparePosition)
			if next < len(s.all) && s.all[next].commit == o.Position.CommitPosition && s.all[next].prepare == o.Position.PreparePosition {
				next++ // after the position
			}
		case *api.ReadReq_Options_AllOptions_End:
			next = len(s.all)
		}
	}
	s.live++
	drop := s.drop // the generation DropSubscriptions ends
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.live--
		s.mu.Unlock()
	}()
	caughtUp := false
	for {
		s.mu.Lock()
		src := s.all
		if so != nil {
			src = s.streams[string(so.GetStreamIdentifier().GetStreamName())]
		}
		var batch []*record
		if next < len(src) {
			batch = src[next:]
		}
		changed := s.changed
		s.mu.Unlock()
		for _, r := range batch {
			if err := send(r); err != nil {
				return err
			}
		}
		next += len(batch)
		if !caughtUp {
			caughtUp = true
			if err := out.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-changed:
		case <-out.Context().Done():
			return status.FromContextError(out.Context().Err()).Err()
		case <-s.stop:
			return status.Error(codes.Unavailable, "kurrenttest: server stopped")
		case <-drop:
			return status.Error(codes.Unavailable, "kurrenttest: subscription dropped by the server")
		}
	}
}

func toProto(r *record, structured bool) *api.ReadResp_ReadEvent {
	meta := make(map[string]string, len(r.meta)+1)
	for k, v := range r.meta {
		meta[k] = v
	}
	meta["created"] = strconv.FormatInt(r.created, 10)
	return &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               toProtoUUID(r.id, structured),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.prepare,
			CommitPosition:   r.commit,
			Metadata:         meta,
			CustomMetadata:   r.custom,
			Data:             r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.commit},
	}
}

func toProtoUUID(id uuid.UUID, structured bool) *shared.UUID {
	if !structured {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

func fromProtoUUID(p *shared.UUID) (uuid.UUID, error) {
	if st := p.GetStructured(); st != nil {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(st.MostSignificantBits))
		binary.BigEndian.PutUint64(id[8:], uint64(st.LeastSignificantBits))
		return id, nil
	}
	id, err := uuid.Parse(p.GetString_())
	if err != nil {
		return uuid.Nil, fmt.Errorf("kurrenttest: event id: %w", err)
	}
	return id, nil
}

// String names the double for test logs.
func (s *Server) String() string { return "kurrenttest " + s.ConnString() }
