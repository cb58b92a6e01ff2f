package kurrenttest

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Op names a call of the Streams service that a fault can hit.
type Op int

const (
	// OpAppend is an Append call.
	OpAppend Op = iota
	// OpRead is a Read call that is not a subscription: a read of a
	// stream or of $all.
	OpRead
	// OpSubscribe is a Read call that opens a catch-up subscription.
	OpSubscribe
)

type fault struct {
	afterWrite bool
	code       codes.Code
}

// FailNext makes the next n calls of op fail with code before they do
// anything, as a node that is restarting or has just lost its leadership
// fails them (KurrentDB answers Unavailable, or NotLeader as an
// exception the client maps to ErrorCodeNotLeader, in such cases; the
// double sends the plain gRPC code given).
func (s *Server) FailNext(op Op, n int, code codes.Code) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[op] = append(s.faults[op], fault{code: code})
	}
}

// LoseNextAppendAnswers makes the next n appends write their events and
// then fail with Unavailable instead of answering: the client cannot tell
// whether the write happened, as when a connection or leader is lost
// between the commit and the reply. A retry with the same event ids is
// what KurrentDB's idempotency and the adapter's retry scan are for.
func (s *Server) LoseNextAppendAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[OpAppend] = append(s.faults[OpAppend], fault{afterWrite: true, code: codes.Unavailable})
	}
}

// takeFault removes and returns the next fault armed for op. Callers
// hold s.mu.
func (s *Server) takeFault(op Op) (fault, bool) {
	q := s.faults[op]
	if len(q) == 0 {
		return fault{}, false
	}
	s.faults[op] = q[1:]
	return q[0], true
}

func (s *Server) failBefore(op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[op]
	if len(q) == 0 || q[0].afterWrite {
		return nil
	}
	f, _ := s.takeFault(op)
	return status.Error(f.code, "kurrenttest: injected fault")
}

// DropSubscriptions ends every subscription that is open now with an
// Unavailable error, as the server's side of a restart or a leader change
// does: the client reports them dropped. It returns how many it ended.
// Subscriptions opened afterwards are not affected.
func (s *Server) DropSubscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.drop)
	s.drop = make(chan struct{})
	n := s.live
	return n
}

// Restart is what a restart of a single node looks like from outside,
// short of closing the listener: every open subscription is dropped and
// the cache of recently written event ids, which lives in the server
// process's memory, starts empty. The data stays, as it is on disk.
func (s *Server) Restart() {
	s.DropSubscriptions()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids.clear()
}
