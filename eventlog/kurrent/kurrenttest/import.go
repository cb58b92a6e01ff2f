package kurrenttest

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Imported is an event as a restored database holds it: with its own
// position and creation time.
type Imported struct {
	Stream          string
	ID              uuid.UUID
	Type            string
	ContentType     string
	Data            []byte
	Metadata        []byte // the user metadata
	Created         time.Time
	Commit, Prepare uint64
}

// Import puts events into the double as they are, for tests that need a
// populated database (the v4 client's own tests expect the one in
// KurrentDB's test image). Events come in $all order: positions must grow,
// and each takes the next revision of its stream. The cache of recent
// event ids is left alone, as a server restarted on a database starts
// with it empty.
func (s *Server) Import(evs []Imported) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range evs {
		if n := len(s.all); n > 0 && !s.all[n-1].less(e.Commit, e.Prepare) {
			return fmt.Errorf("kurrenttest: import: position %d/%d is not after the last one", e.Commit, e.Prepare)
		}
		r := &record{
			id: e.ID, stream: e.Stream, revision: uint64(len(s.streams[e.Stream])),
			commit: e.Commit, prepare: e.Prepare, created: e.Created.UnixNano() / 100,
			meta:   map[string]string{"type": e.Type, "content-type": e.ContentType},
			custom: e.Metadata, data: e.Data,
		}
		s.streams[e.Stream] = append(s.streams[e.Stream], r)
		s.all = append(s.all, r)
		s.next = max(s.next, e.Prepare+1, e.Commit+1)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// Subscriptions is the number of subscriptions open now.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}
