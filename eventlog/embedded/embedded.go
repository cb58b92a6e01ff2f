// Package embedded is the default event log: a Pebble store in a local
// directory, written by one goroutine that commits every waiting append in
// one batch (group commit), so concurrent writers share one write-ahead-log
// fsync. An append is acknowledged only after its batch is synced. Pebble
// replays its checksummed write-ahead log on open, so a crash at any instant
// leaves either a whole batch or none of it, and reopening needs no repair
// step. docs/adr/0001-embedded-event-log.md says why Pebble.
//
// Keys (one keyspace, a one-byte prefix per kind; integers big-endian):
//
//	'e' position                  → the event's envelope (record.go; position left out)
//	'g' position                  → link of the global hash chain
//	'i' stream 0x00 version       → position
//	'h' stream                    → last version (8 bytes) and hash (32)
//	'm' "last" | "chain" | "format" → last position, last global link, layout
//	't' running max of recorded_at, position → nothing (time index, timeseek.go)
//	'm' "indexed" | "maxrec" | "late" → last position before the time index,
//	                                  the running max, the largest lateness
package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/cxzy/ledger/eventlog"
)

const (
	prefixEvent   = 'e'
	prefixChain   = 'g'
	prefixIndex   = 'i'
	prefixHead    = 'h'
	prefixCommand = 'c'
	prefixMeta    = 'm'
	prefixTime    = 't'
)

var (
	keyLast    = []byte("mlast")
	keyChain   = []byte("mchain")
	keyFormat  = []byte("mformat")
	keyIndexed = []byte("mindexed")
	keyMaxRec  = []byte("mmaxrec")
	keyLate    = []byte("mlate")
)

// formatVersion names the key layout above; a store of another layout is
// refused rather than misread.
const formatVersion = "pebble-2"

// Limits that keep one append a reasonable part of one batch.
const (
	MaxStreamLen      = 256
	MaxEventsPerWrite = 1000
	maxBatchRequests  = 512
)

// Options tune a store; the zero value is the production default.
type Options struct {
	// NoSync skips fsync. Only benchmarks comparing costs set it: an
	// acknowledged append may then be lost in a crash.
	NoSync bool
	// ReadOnly opens the store for reading (verify). Pebble locks the
	// directory, so it cannot be open read-only while ledgerd runs.
	ReadOnly bool
	// Logger receives Pebble's own messages; nil discards its chatter and
	// keeps errors on the default logger.
	Logger *slog.Logger
}

// Store is the embedded event log.
type Store struct {
	db       *pebble.DB
	sync     *pebble.WriteOptions
	readOnly bool
	requests chan *appendRequest
	closing  chan struct{}
	stopped  chan struct{}
	once     sync.Once

	state writerState // the writer goroutine's own

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after every commit
}

type appendRequest struct {
	stream   string
	expected eventlog.Expected
	events   []eventlog.Event
	encoded  [][]byte // the events' stored form, when their versions are known up front
	done     chan appendResponse
}

type appendResponse struct {
	result eventlog.AppendResult
	err    error
}

var _ eventlog.Store = (*Store)(nil)

// Open opens (creating if needed) the log in dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.ReadOnly {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("embedded: %w", err)
		}
	}
	// Most lookups in the writer are for keys that do not exist (a new
	// command id, a new stream): Bloom filters answer those without reading
	// table blocks, and a block cache keeps the hot index and head blocks.
	cache := pebble.NewCache(64 << 20)
	defer cache.Unref()
	popts := &pebble.Options{
		Cache: cache,
		// A larger memtable means fewer, larger flushes: less compaction
		// work per event appended.
		MemTableSize:       64 << 20,
		ReadOnly:           opts.ReadOnly,
		ErrorIfNotExists:   opts.ReadOnly,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{opts.Logger},
		EventListener: &pebble.EventListener{
			// Pebble's default ends the process on a checksum mismatch; the
			// read that met it returns an error anyway, and verify reports
			// it with the position it could not read.
			DataCorruption: func(info pebble.DataCorruptionInfo) {
				pebbleLogger{opts.Logger}.logger().Error("on-disk corruption", "path", info.Path, "err", info.Details.Error())
			},
		},
	}
	for i := range popts.Levels {
		popts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, popts)
	if err != nil {
		if strings.Contains(err.Error(), "lock") {
			return nil, fmt.Errorf("embedded: %s is in use by another process (is ledgerd running?): %w", dir, err)
		}
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	if err := checkFormat(db, opts.ReadOnly); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	if !opts.ReadOnly {
		if err := markIndexed(db); err != nil {
			db.Close()
			return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
		}
	}
	s := &Store{
		db:       db,
		sync:     pebble.Sync,
		readOnly: opts.ReadOnly,
		requests: make(chan *appendRequest),
		closing:  make(chan struct{}),
		stopped:  make(chan struct{}),
		changed:  make(chan struct{}),
	}
	if opts.NoSync {
		s.sync = pebble.NoSync
	}
	if opts.ReadOnly {
		close(s.stopped)
	} else {
		go s.writer()
	}
	return s, nil
}

// checkFormat stamps a new store with the layout version and refuses a
// store of another layout.
func checkFormat(db *pebble.DB, readOnly bool) error {
	v, closer, err := db.Get(keyFormat)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		if readOnly {
			return errors.New("not an event log (no format key)")
		}
		return db.Set(keyFormat, []byte(formatVersion), pebble.Sync)
	case err != nil:
		return err
	}
	defer closer.Close()
	if string(v) != formatVersion {
		return fmt.Errorf("log format %q, this build reads %q", v, formatVersion)
	}
	return nil
}

// Close stops the writer after the batch in flight, flushes the memtable
// into checksummed table files and closes the store. After a clean close no
// event lives only in the write-ahead log, whose last block Pebble would
// read as a torn tail if it were damaged.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closing)
		<-s.stopped
		if !s.readOnly {
			err = s.db.Flush()
		}
		err = errors.Join(err, s.db.Close())
	})
	return err
}

// Append implements eventlog.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, error) {
	if err := validateAppend(stream, expected, events); err != nil {
		return eventlog.AppendResult{}, err
	}
	req := &appendRequest{stream: stream, expected: expected, events: events, done: make(chan appendResponse, 1)}
	// Encoding is the costliest part of an append that does not depend on
	// the log's state; doing it here, on the caller's goroutine, keeps it
	// off the single writer. Only events whose versions the caller fixed
	// (as the write path does, to chain hashes) can be encoded in advance.
	if events[0].Version != 0 {
		req.encoded = make([][]byte, len(events))
		for i := range events {
			data, err := encode(stream, events[i])
			if err != nil {
				return eventlog.AppendResult{}, fmt.Errorf("embedded: append %s: event %d: %w", stream, i, err)
			}
			req.encoded[i] = data
		}
	}
	select {
	case s.requests <- req:
	case <-s.closing:
		return eventlog.AppendResult{}, eventlog.ErrClosed
	case <-ctx.Done():
		return eventlog.AppendResult{}, fmt.Errorf("embedded: append %s: %w", stream, ctx.Err())
	}
	// Once handed over, the append is in a batch: its outcome is decided by
	// the commit, so wait for it even if ctx ends. Reporting a time-out for
	// an append that then commits would make the caller retry needlessly.
	resp := <-req.done
	return resp.result, resp.err
}

func validateAppend(stream string, expected eventlog.Expected, events []eventlog.Event) error {
	switch {
	case stream == "":
		return errors.New("embedded: append: empty stream name")
	case len(stream) > MaxStreamLen:
		return fmt.Errorf("embedded: append: stream name longer than %d bytes", MaxStreamLen)
	case strings.IndexByte(stream, 0) >= 0:
		return errors.New("embedded: append: stream name contains a NUL byte")
	case expected.Kind < eventlog.ExpectAny || expected.Kind > eventlog.ExpectExact:
		return errors.New("embedded: append: invalid expected version")
	case len(events) == 0:
		return errors.New("embedded: append: no events")
	case len(events) > MaxEventsPerWrite:
		return fmt.Errorf("embedded: append: more than %d events", MaxEventsPerWrite)
	}
	for i, e := range events {
		if e.ID == "" || e.Type == "" {
			return fmt.Errorf("embedded: append: event %d: id and type are required", i)
		}
		if !json.Valid(e.Payload) {
			return fmt.Errorf("embedded: append: event %d: payload is not valid JSON", i)
		}
		if e.Stream != "" && e.Stream != stream {
			return fmt.Errorf("embedded: append: event %d belongs to stream %s", i, e.Stream)
		}
	}
	return nil
}

// writer is the only goroutine that writes. It takes whatever appends are
// waiting (up to maxBatchRequests), decides each against the state the
// batch has built so far, and commits them as one synced batch.
func (s *Store) writer() {
	defer close(s.stopped)
	batch := make([]*appendRequest, 0, maxBatchRequests)
	for {
		select {
		case req := <-s.requests:
			batch = append(batch[:0], req)
		case <-s.closing:
			return
		}
	drain:
		for len(batch) < maxBatchRequests {
			select {
			case req := <-s.requests:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// writerState is what the writer goroutine alone knows between batches:
// the log's end and a cache of stream heads. The writer is the only one
// that changes heads, so a cached head is never stale; the cache only
// saves reading heads back from the store. It is cleared, not evicted
// entry by entry, when it grows past maxCachedHeads.
type writerState struct {
	loaded bool
	last   uint64
	link   eventlog.Hash
	times  timeState
	heads  map[string]eventlog.StreamHead
}

const maxCachedHeads = 1 << 20

func (st *writerState) load(db *pebble.DB) error {
	if st.loaded {
		return nil
	}
	if v, ok, err := get(db, keyLast); err != nil {
		return err
	} else if ok && len(v) == 8 {
		st.last = binary.BigEndian.Uint64(v)
	}
	v, _, err := get(db, keyChain)
	if err != nil {
		return err
	}
	copy(st.link[:], v)
	if st.times, err = loadTimes(db); err != nil {
		return err
	}
	st.heads = map[string]eventlog.StreamHead{}
	st.loaded = true
	return nil
}

// commit writes one batch. A request that fails its own checks (a
// conflict) fails alone; a storage error fails the whole batch, and then
// nothing of it was written and the writer's state stays as it was.
func (s *Store) commit(batch []*appendRequest) {
	responses := make([]appendResponse, len(batch))
	b := s.db.NewBatch()
	w := &batchWriter{db: s.db, b: b, state: &s.state, heads: map[string]eventlog.StreamHead{}, added: map[string]eventlog.Event{}}
	err := func() error {
		if err := s.state.load(s.db); err != nil {
			return err
		}
		w.last, w.link, w.times = s.state.last, s.state.link, s.state.times
		for i, req := range batch {
			res, err := w.append(req.stream, req.expected, req.events, req.encoded)
			if err != nil && !isRequestError(err) {
				return err
			}
			responses[i] = appendResponse{result: res, err: err}
		}
		if err := w.finish(); err != nil {
			return err
		}
		return b.Commit(s.sync)
	}()
	b.Close()
	if err != nil {
		err = fmt.Errorf("embedded: commit: %w", err)
		for i := range responses {
			responses[i] = appendResponse{err: err}
		}
	} else {
		s.state.last, s.state.link, s.state.times = w.last, w.link, w.times
		if len(s.state.heads)+len(w.heads) > maxCachedHeads {
			clear(s.state.heads)
		}
		maps.Copy(s.state.heads, w.heads)
	}
	for i, req := range batch {
		req.done <- responses[i]
	}
	if err == nil {
		s.mu.Lock()
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
}

// requestError marks a failure that belongs to one request, not the batch.
type requestError struct{ err error }

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func isRequestError(err error) bool {
	var re *requestError
	return errors.As(err, &re)
}

// batchWriter appends inside one batch. What the batch changes is kept in
// its own maps until the commit succeeds: reads look there first, then in
// the writer's cache, then in the store.
type batchWriter struct {
	db    *pebble.DB
	b     *pebble.Batch
	state *writerState
	last  uint64
	link  eventlog.Hash
	times timeState
	heads map[string]eventlog.StreamHead // stream heads this batch moved
	added map[string]eventlog.Event      // events this batch added, by index key
}

func (w *batchWriter) finish() error {
	if err := w.b.Set(keyLast, u64(w.last), nil); err != nil {
		return err
	}
	if err := w.b.Set(keyChain, w.link[:], nil); err != nil {
		return err
	}
	return w.times.save(w.b)
}

func (w *batchWriter) head(stream string) (eventlog.StreamHead, error) {
	if h, ok := w.heads[stream]; ok {
		return h, nil
	}
	if h, ok := w.state.heads[stream]; ok {
		return h, nil
	}
	raw, _, err := get(w.db, headKey(stream))
	return readHead(raw), err
}

// retrySearch is how far back an append that expects no particular version
// looks for an earlier attempt of itself.
const retrySearch = 256

// retried finds an earlier attempt of the same append (a retry after a lost
// answer): the first event's id already stands where this append expects
// to write, or, for an append that expects no particular version, among
// the stream's last retrySearch events. This is KurrentDB's idempotency by
// event id; event ids derive from command ids, so a retried command is
// recognised.
func (w *batchWriter) retried(stream string, expected eventlog.Expected, head uint64, events []eventlog.Event) (eventlog.AppendResult, bool, error) {
	var from, to uint64 // versions to look at, newest first
	switch expected.Kind {
	case eventlog.ExpectExact:
		from, to = expected.Version+1, expected.Version+1
	case eventlog.ExpectNoStream:
		from, to = 1, 1
	default:
		from, to = head, head-min(head, retrySearch)+1
	}
	for v := from; v >= to && v >= 1 && v <= head; v-- {
		e, err := w.eventAt(stream, v)
		if err != nil {
			return eventlog.AppendResult{}, false, err
		}
		if e.ID != events[0].ID {
			continue
		}
		last := min(v+uint64(len(events))-1, head)
		end, err := w.eventAt(stream, last)
		if err != nil {
			return eventlog.AppendResult{}, false, err
		}
		return eventlog.AppendResult{Stream: stream, FirstVersion: v, LastVersion: last, Position: end.Position, Duplicate: true}, true, nil
	}
	return eventlog.AppendResult{}, false, nil
}

// eventAt reads a stream's event by version, from this batch or the store.
func (w *batchWriter) eventAt(stream string, version uint64) (eventlog.Event, error) {
	key := indexKey(stream, version)
	if e, ok := w.added[string(key)]; ok {
		return e, nil
	}
	pos, ok, err := get(w.db, key)
	if err != nil {
		return eventlog.Event{}, err
	}
	if !ok || len(pos) != 8 {
		return eventlog.Event{}, fmt.Errorf("stream %s version %d: missing from the index", stream, version)
	}
	data, ok, err := get(w.db, eventKey(binary.BigEndian.Uint64(pos)))
	if err != nil {
		return eventlog.Event{}, err
	}
	if !ok {
		return eventlog.Event{}, fmt.Errorf("stream %s version %d: indexed but missing", stream, version)
	}
	return decode(binary.BigEndian.Uint64(pos), data)
}

func (w *batchWriter) append(stream string, expected eventlog.Expected, events []eventlog.Event, encoded [][]byte) (eventlog.AppendResult, error) {
	head, err := w.head(stream)
	if err != nil {
		return eventlog.AppendResult{}, err
	}
	if prior, ok, err := w.retried(stream, expected, head.Version, events); err != nil || ok {
		return prior, err
	}
	if !expected.Check(head.Version) {
		return eventlog.AppendResult{}, &requestError{&eventlog.ConflictError{Stream: stream, Expected: expected, Actual: head.Version}}
	}
	for i := range events {
		if v := events[i].Version; v != 0 && v != head.Version+uint64(i)+1 {
			return eventlog.AppendResult{}, &requestError{fmt.Errorf("embedded: append %s: event %d carries version %d, the stream is at %d", stream, i, v, head.Version)}
		}
	}
	// Encode everything before the first write, so a request that fails
	// leaves nothing of itself in the batch.
	stored := make([]eventlog.Event, len(events))
	if encoded == nil {
		encoded = make([][]byte, len(events))
	}
	for i := range events {
		e := events[i] // a copy: the caller's slice is left as it was
		e.Stream = stream
		e.Version = head.Version + uint64(i) + 1
		pos := w.last + uint64(i) + 1
		e.Position = eventlog.Position{Commit: pos, Prepare: pos}
		if encoded[i] == nil {
			data, err := encode(stream, e)
			if err != nil {
				return eventlog.AppendResult{}, &requestError{fmt.Errorf("embedded: encode event %d: %w", i, err)}
			}
			encoded[i] = data
		}
		stored[i] = e
	}
	res := eventlog.AppendResult{Stream: stream, FirstVersion: head.Version + 1}
	for i, e := range stored {
		w.last = e.Position.Commit
		w.link = eventlog.GlobalChain(w.link, w.last, e.Hash)
		if err := w.b.Set(eventKey(w.last), encoded[i], nil); err != nil {
			return eventlog.AppendResult{}, err
		}
		if err := w.b.Set(chainKey(w.last), w.link[:], nil); err != nil {
			return eventlog.AppendResult{}, err
		}
		if err := w.b.Set(indexKey(stream, e.Version), u64(w.last), nil); err != nil {
			return eventlog.AppendResult{}, err
		}
		if err := w.b.Set(w.times.add(w.last, e.RecordedAt), nil, nil); err != nil {
			return eventlog.AppendResult{}, err
		}
		head = eventlog.StreamHead{Version: e.Version, Hash: e.Hash}
		w.added[string(indexKey(stream, e.Version))] = e
		res.LastVersion = e.Version
		res.Position = e.Position
	}
	if err := w.b.Set(headKey(stream), writeHead(head), nil); err != nil {
		return eventlog.AppendResult{}, err
	}
	w.heads[stream] = head
	return res, nil
}

// get returns a copy of key's value, and whether it exists.
func get(r pebble.Reader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), true, nil
}

// ReadStream implements eventlog.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventlog.Direction, limit int) ([]eventlog.Event, error) {
	if limit <= 0 {
		return nil, errors.New("embedded: read stream: limit must be positive")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// An iterator reads one consistent state: the index entries and the
	// events they point at were committed together and never change.
	lower, upper := indexKey(stream, 1), indexKey(stream, ^uint64(0))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("embedded: read stream %s: %w", stream, err)
	}
	defer it.Close()
	var ok bool
	switch {
	case dir == eventlog.Backwards && from == 0:
		ok = it.Last()
	case dir == eventlog.Backwards:
		ok = it.SeekLT(indexKey(stream, from+1))
	default:
		ok = it.SeekGE(indexKey(stream, max(from, 1)))
	}
	var out []eventlog.Event
	for ; ok && len(out) < limit; ok = step(it, dir) {
		pos := binary.BigEndian.Uint64(it.Value())
		e, err := s.event(pos)
		if err != nil {
			return nil, fmt.Errorf("embedded: read stream %s: %w", stream, err)
		}
		out = append(out, e)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("embedded: read stream %s: %w", stream, err)
	}
	// Tell an empty stream from a read past its end, in the iterator's own
	// view of the store: a stream created since is still "not found".
	if len(out) == 0 && !it.First() {
		if err := it.Error(); err != nil {
			return nil, fmt.Errorf("embedded: read stream %s: %w", stream, err)
		}
		return nil, eventlog.ErrStreamNotFound
	}
	return out, nil
}

func step(it *pebble.Iterator, dir eventlog.Direction) bool {
	if dir == eventlog.Backwards {
		return it.Prev()
	}
	return it.Next()
}

// event reads the event at pos.
func (s *Store) event(pos uint64) (eventlog.Event, error) {
	v, ok, err := get(s.db, eventKey(pos))
	if err != nil {
		return eventlog.Event{}, err
	}
	if !ok {
		return eventlog.Event{}, fmt.Errorf("position %d: indexed but missing", pos)
	}
	return decode(pos, v)
}

// ReadAll implements eventlog.Store.
func (s *Store) ReadAll(ctx context.Context, after eventlog.Position, limit int) ([]eventlog.Event, error) {
	if limit <= 0 {
		return nil, errors.New("embedded: read all: limit must be positive")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: eventKey(after.Commit + 1), UpperBound: []byte{prefixEvent + 1}})
	if err != nil {
		return nil, fmt.Errorf("embedded: read all after %v: %w", after, err)
	}
	defer it.Close()
	var out []eventlog.Event
	for ok := it.First(); ok && len(out) < limit; ok = it.Next() {
		if out == nil {
			// Most reads fill their page: room for it up front (bounded,
			// as a caller may ask for a large limit near the log's end).
			out = make([]eventlog.Event, 0, min(limit, 1<<16))
		}
		e, err := decode(binary.BigEndian.Uint64(it.Key()[1:]), it.Value())
		if err != nil {
			return nil, fmt.Errorf("embedded: read all after %v: %w", after, err)
		}
		out = append(out, e)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("embedded: read all after %v: %w", after, err)
	}
	return out, nil
}

// Head returns the position of the last event in the log.
func (s *Store) Head() (eventlog.Position, error) {
	v, _, err := get(s.db, keyLast)
	if err != nil || len(v) != 8 {
		return eventlog.Position{}, err
	}
	last := binary.BigEndian.Uint64(v)
	return eventlog.Position{Commit: last, Prepare: last}, nil
}

// changedSignal returns a channel closed at the next commit.
func (s *Store) changedSignal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Subscribe implements eventlog.Store. A subscription reads pages from the
// store and, when it has read everything, waits for the next commit; since
// live events are read from the same store, catch-up and live are one path
// and there is no seam to lose or repeat an event at.
func (s *Store) Subscribe(ctx context.Context, after eventlog.Position) (eventlog.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &subscription{s: s, after: after, closed: make(chan struct{})}, nil
}

const subscriptionPage = 512

type subscription struct {
	s      *Store
	after  eventlog.Position
	buf    []eventlog.Event
	closed chan struct{}
	once   sync.Once
}

func (sub *subscription) Next(ctx context.Context) (eventlog.Event, error) {
	for len(sub.buf) == 0 {
		// Take the signal before reading: a commit between the read and
		// the wait then still wakes us.
		changed := sub.s.changedSignal()
		select {
		case <-sub.closed:
			return eventlog.Event{}, eventlog.ErrClosed
		case <-sub.s.closing:
			return eventlog.Event{}, eventlog.ErrClosed
		default:
		}
		page, err := sub.s.ReadAll(ctx, sub.after, subscriptionPage)
		if err != nil {
			return eventlog.Event{}, err
		}
		if len(page) > 0 {
			sub.buf = page
			break
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return eventlog.Event{}, ctx.Err()
		case <-sub.closed:
			return eventlog.Event{}, eventlog.ErrClosed
		case <-sub.s.closing:
			return eventlog.Event{}, eventlog.ErrClosed
		}
	}
	e := sub.buf[0]
	sub.buf = sub.buf[1:]
	sub.after = e.Position
	return e, nil
}

func (sub *subscription) Close() error {
	sub.once.Do(func() { close(sub.closed) })
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func eventKey(pos uint64) []byte { return binary.BigEndian.AppendUint64([]byte{prefixEvent}, pos) }
func chainKey(pos uint64) []byte { return binary.BigEndian.AppendUint64([]byte{prefixChain}, pos) }
func headKey(stream string) []byte {
	return append([]byte{prefixHead}, stream...)
}

func indexKey(stream string, version uint64) []byte {
	k := make([]byte, 0, len(stream)+10)
	k = append(k, prefixIndex)
	k = append(k, stream...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, version)
}

func readHead(b []byte) eventlog.StreamHead {
	var h eventlog.StreamHead
	if len(b) == 8+len(h.Hash) {
		h.Version = binary.BigEndian.Uint64(b)
		copy(h.Hash[:], b[8:])
	}
	return h
}

func writeHead(h eventlog.StreamHead) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(h.Hash)), h.Version)
	return append(b, h.Hash[:]...)
}

// pebbleLogger passes Pebble's errors on and its routine chatter ("found 0
// WALs") only at debug level.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) logger() *slog.Logger {
	if p.l == nil {
		return slog.Default()
	}
	return p.l
}

func (p pebbleLogger) Infof(format string, args ...any) {
	p.logger().Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.logger().Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.logger().Error(fmt.Sprintf(format, args...), "component", "pebble")
	os.Exit(1)
}
