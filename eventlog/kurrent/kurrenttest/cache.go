package kurrenttest

import "github.com/google/uuid"

// DefaultIdempotencyCache is the byte budget of the double's cache of
// recently written event ids: the 8 MiB of KurrentDB's
// ESConsts.CommitedEventsMemCacheLimit.
const DefaultIdempotencyCache = 8 << 20

// idCache is KurrentDB's cache of committed event ids (IndexWriter's
// _committedEvents, a BoundedCache): every written event's id maps to its
// stream and revision; entries leave in the order they came (FIFO, a hit
// does not refresh one) once their estimated size passes the budget. The
// size of an entry is the server's estimate: 16 (the id) + 4 + 8 (a
// pointer) + 2 bytes per character of the stream name.
type idCache struct {
	max   int64
	size  int64
	queue []cached
	byID  map[uuid.UUID]idInfo
}

type idInfo struct {
	stream   string
	revision uint64
}

type cached struct {
	id   uuid.UUID
	size int64
}

func newIDCache(max int64) *idCache {
	return &idCache{max: max, byID: map[uuid.UUID]idInfo{}}
}

func entrySize(stream string) int64 { return 16 + 4 + 8 + 2*int64(len(stream)) }

// put records a written event, first evicting the oldest entries while
// the cache is full, as BoundedCache.PutRecord does.
func (c *idCache) put(id uuid.UUID, stream string, revision uint64) {
	for c.size >= c.max && len(c.queue) > 0 {
		old := c.queue[0]
		c.queue = c.queue[1:]
		c.size -= old.size
		delete(c.byID, old.id)
	}
	n := entrySize(stream)
	c.size += n
	c.queue = append(c.queue, cached{id, n})
	if _, dup := c.byID[id]; !dup {
		c.byID[id] = idInfo{stream, revision}
	}
}

func (c *idCache) get(id uuid.UUID) (idInfo, bool) {
	info, ok := c.byID[id]
	return info, ok
}

// clear empties the cache: it lives in the server process's memory.
func (c *idCache) clear() {
	c.queue, c.size, c.byID = nil, 0, map[uuid.UUID]idInfo{}
}
