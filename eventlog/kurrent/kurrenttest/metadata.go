package kurrenttest

import (
	"encoding/json"
	"time"
)

// firstVisible is the index of the first event of a stream that a read
// returns: stream metadata (the last event of "$$"+name, as
// SetStreamMetadata writes it) may hide older events with $maxCount (keep
// the last n), $tb (truncate before a revision) or $maxAge (seconds since
// the event was created). KurrentDB applies these at read time and
// removes the events for good in a scavenge; the double only hides them.
// Callers hold s.mu.
func (s *Server) firstVisible(name string, stored []*record) int {
	meta := s.streams["$$"+name]
	if len(meta) == 0 {
		return 0
	}
	var m struct {
		MaxCount *int64  `json:"$maxCount"`
		MaxAge   *int64  `json:"$maxAge"`
		TB       *uint64 `json:"$tb"`
	}
	if json.Unmarshal(meta[len(meta)-1].data, &m) != nil {
		return 0
	}
	lo := 0
	if m.MaxCount != nil && *m.MaxCount >= 0 && int64(len(stored)) > *m.MaxCount {
		lo = len(stored) - int(*m.MaxCount)
	}
	if m.TB != nil {
		lo = max(lo, int(min(*m.TB, uint64(len(stored)))))
	}
	if m.MaxAge != nil && *m.MaxAge > 0 {
		oldest := time.Now().Add(-time.Duration(*m.MaxAge)*time.Second).UnixNano() / 100
		for lo < len(stored) && stored[lo].created < oldest {
			lo++
		}
	}
	return lo
}
