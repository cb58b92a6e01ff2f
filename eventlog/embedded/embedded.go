// Package embedded is the default event log: a single bbolt file on local
// disk, written by one goroutine that commits many appends in one
// transaction (group commit), so concurrent writers share fsyncs. An append
// is acknowledged only after its transaction is on disk; bbolt's
// copy-on-write pages and checksummed meta pages mean a crash at any instant
// leaves either the whole transaction or none of it, and reopening needs no
// repair step. docs/adr/0001-embedded-event-log.md says why bbolt.
//
// Layout (buckets in one file):
//
//	events   position (8 bytes, big-endian)   → the event's envelope as JSON
//	chain    position                         → link of the global hash chain
//	index    stream 0x00 version (8 bytes)     → position
//	heads    stream                           → last version (8 bytes) and hash (32)
//	commands stream 0x00 command id           → the first append's result as JSON
//	meta     "last", "chain"                  → last position, last global link
package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cxzy/ledger/eventlog"
)

// FileName is the log's file inside the data directory.
const FileName = "events.db"

var (
	bucketEvents   = []byte("events")
	bucketChain    = []byte("chain")
	bucketIndex    = []byte("index")
	bucketHeads    = []byte("heads")
	bucketCommands = []byte("commands")
	bucketMeta     = []byte("meta")
	keyLast        = []byte("last")
	keyChain       = []byte("chain")
	keyFormat      = []byte("format")
	allBuckets     = [][]byte{bucketEvents, bucketChain, bucketIndex, bucketHeads, bucketCommands, bucketMeta}
)

// formatVersion is the layout above; a file of another format is refused.
const formatVersion = "1"

// Limits that keep one append inside one reasonable transaction.
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
	// ReadOnly opens the file for reading (verify, backups). It shares the
	// file with other readers but not with a running writer.
	ReadOnly bool
	// LockTimeout is how long Open waits for another process holding the
	// file; 0 means one second.
	LockTimeout time.Duration
}

// Store is the embedded event log.
type Store struct {
	db       *bolt.DB
	requests chan *appendRequest
	closing  chan struct{}
	stopped  chan struct{}
	once     sync.Once

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after every commit
}

type appendRequest struct {
	stream   string
	expected eventlog.Expected
	events   []eventlog.Event
	done     chan appendResponse
}

type appendResponse struct {
	result eventlog.AppendResult
	err    error
}

var _ eventlog.Store = (*Store)(nil)

// Open opens (creating if needed) the log in dir.
func Open(dir string, opts Options) (*Store, error) {
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("embedded: create data dir: %w", err)
		}
	}
	path := filepath.Join(dir, FileName)
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("embedded: %w", err)
		}
	}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("embedded: %s is in use by another process (is ledgerd running?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	if !opts.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, b := range allBuckets {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bucketMeta)
			if f := meta.Get(keyFormat); f == nil {
				return meta.Put(keyFormat, []byte(formatVersion))
			}
			return nil
		})
	}
	if err == nil {
		err = db.View(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if meta == nil {
				return errors.New("not an event log (no meta bucket)")
			}
			if f := string(meta.Get(keyFormat)); f != formatVersion {
				return fmt.Errorf("log format %q, this build reads %q", f, formatVersion)
			}
			return nil
		})
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	s := &Store{
		db:       db,
		requests: make(chan *appendRequest),
		closing:  make(chan struct{}),
		stopped:  make(chan struct{}),
		changed:  make(chan struct{}),
	}
	if opts.ReadOnly {
		close(s.stopped)
	} else {
		go s.writer()
	}
	return s, nil
}

// Close stops the writer after the batch in flight and closes the file.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closing)
		<-s.stopped
		err = s.db.Close()
	})
	return err
}

// Append implements eventlog.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, error) {
	if err := validateAppend(stream, expected, events); err != nil {
		return eventlog.AppendResult{}, err
	}
	req := &appendRequest{stream: stream, expected: expected, events: events, done: make(chan appendResponse, 1)}
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
// batch has built so far, and commits them in one transaction: one fsync
// pair for the whole batch.
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

// commit writes one batch. A request that fails its own checks (a
// conflict) fails alone; an I/O error fails the whole batch, and then
// nothing of it was written.
func (s *Store) commit(batch []*appendRequest) {
	responses := make([]appendResponse, len(batch))
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newTxWriter(tx)
		for i, req := range batch {
			res, err := w.append(req.stream, req.expected, req.events)
			if err != nil && !isRequestError(err) {
				return err
			}
			responses[i] = appendResponse{result: res, err: err}
		}
		return w.finish()
	})
	if err != nil {
		err = fmt.Errorf("embedded: commit: %w", err)
		for i := range responses {
			responses[i] = appendResponse{err: err}
		}
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

// txWriter appends inside one write transaction.
type txWriter struct {
	events, chain, index, heads, commands, meta *bolt.Bucket
	last                                        uint64
	link                                        eventlog.Hash
}

func newTxWriter(tx *bolt.Tx) *txWriter {
	w := &txWriter{
		events:   tx.Bucket(bucketEvents),
		chain:    tx.Bucket(bucketChain),
		index:    tx.Bucket(bucketIndex),
		heads:    tx.Bucket(bucketHeads),
		commands: tx.Bucket(bucketCommands),
		meta:     tx.Bucket(bucketMeta),
	}
	if b := w.meta.Get(keyLast); len(b) == 8 {
		w.last = binary.BigEndian.Uint64(b)
	}
	copy(w.link[:], w.meta.Get(keyChain))
	return w
}

func (w *txWriter) finish() error {
	if err := w.meta.Put(keyLast, u64(w.last)); err != nil {
		return err
	}
	link := w.link
	return w.meta.Put(keyChain, link[:])
}

func (w *txWriter) append(stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, error) {
	if cmd := events[0].CommandID; cmd != "" {
		if prior := w.commands.Get(commandKey(stream, cmd)); prior != nil {
			var res eventlog.AppendResult
			if err := json.Unmarshal(prior, &res); err != nil {
				return res, fmt.Errorf("command %s: %w", cmd, err)
			}
			res.Duplicate = true
			return res, nil
		}
	}
	head := readHead(w.heads.Get([]byte(stream)))
	if !expected.Check(head.Version) {
		return eventlog.AppendResult{}, &requestError{&eventlog.ConflictError{Stream: stream, Expected: expected, Actual: head.Version}}
	}
	for i := range events {
		if v := events[i].Version; v != 0 && v != head.Version+uint64(i)+1 {
			return eventlog.AppendResult{}, &requestError{fmt.Errorf("embedded: append %s: event %d carries version %d, the stream is at %d", stream, i, v, head.Version)}
		}
	}
	// Encode everything before the first Put, so a request that fails
	// leaves nothing of itself in the batch's transaction.
	encoded := make([][]byte, len(events))
	stored := make([]eventlog.Event, len(events))
	for i := range events {
		e := events[i] // a copy: the caller's slice is left as it was
		e.Stream = stream
		e.Version = head.Version + uint64(i) + 1
		pos := w.last + uint64(i) + 1
		e.Position = eventlog.Position{Commit: pos, Prepare: pos}
		data, err := json.Marshal(&e)
		if err != nil {
			return eventlog.AppendResult{}, &requestError{fmt.Errorf("embedded: encode event %d: %w", i, err)}
		}
		encoded[i], stored[i] = data, e
	}
	res := eventlog.AppendResult{Stream: stream, FirstVersion: head.Version + 1}
	for i, e := range stored {
		w.last = e.Position.Commit
		pos := u64(w.last)
		w.link = eventlog.GlobalChain(w.link, w.last, e.Hash)
		if err := w.events.Put(pos, encoded[i]); err != nil {
			return eventlog.AppendResult{}, err
		}
		// bbolt keeps the value slice until commit: hand it its own copy.
		link := w.link
		if err := w.chain.Put(pos, link[:]); err != nil {
			return eventlog.AppendResult{}, err
		}
		if err := w.index.Put(indexKey(stream, e.Version), pos); err != nil {
			return eventlog.AppendResult{}, err
		}
		head = eventlog.StreamHead{Version: e.Version, Hash: e.Hash}
		res.LastVersion = e.Version
		res.Position = e.Position
	}
	if err := w.heads.Put([]byte(stream), writeHead(head)); err != nil {
		return eventlog.AppendResult{}, err
	}
	if cmd := events[0].CommandID; cmd != "" {
		data, _ := json.Marshal(res)
		if err := w.commands.Put(commandKey(stream, cmd), data); err != nil {
			return eventlog.AppendResult{}, err
		}
	}
	return res, nil
}

// ReadStream implements eventlog.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventlog.Direction, limit int) ([]eventlog.Event, error) {
	if limit <= 0 {
		return nil, errors.New("embedded: read stream: limit must be positive")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []eventlog.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		head := readHead(tx.Bucket(bucketHeads).Get([]byte(stream)))
		if head.Version == 0 {
			return eventlog.ErrStreamNotFound
		}
		events, index := tx.Bucket(bucketEvents), tx.Bucket(bucketIndex)
		v, step := from, int64(1)
		if dir == eventlog.Backwards {
			step = -1
			if v == 0 || v > head.Version {
				v = head.Version
			}
		} else if v == 0 {
			v = 1
		}
		for ; v >= 1 && v <= head.Version && len(out) < limit; v = uint64(int64(v) + step) {
			pos := index.Get(indexKey(stream, v))
			if pos == nil {
				return fmt.Errorf("stream %s version %d: missing from the index", stream, v)
			}
			e, err := decode(pos, events.Get(pos))
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if errors.Is(err, eventlog.ErrStreamNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: read stream %s: %w", stream, err)
	}
	return out, nil
}

// ReadAll implements eventlog.Store.
func (s *Store) ReadAll(ctx context.Context, after eventlog.Position, limit int) ([]eventlog.Event, error) {
	if limit <= 0 {
		return nil, errors.New("embedded: read all: limit must be positive")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []eventlog.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(u64(after.Commit + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			e, err := decode(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: read all after %v: %w", after, err)
	}
	return out, nil
}

// Head returns the position of the last event in the log.
func (s *Store) Head() (eventlog.Position, error) {
	var last uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get(keyLast); len(b) == 8 {
			last = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return eventlog.Position{Commit: last, Prepare: last}, err
}

// changedSignal returns a channel closed at the next commit.
func (s *Store) changedSignal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Subscribe implements eventlog.Store. A subscription reads pages from the
// file and, when it has read everything, waits for the next commit; since
// live events are read from the same file, catch-up and live are one path
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

func decode(key, data []byte) (eventlog.Event, error) {
	var e eventlog.Event
	if err := json.Unmarshal(data, &e); err != nil {
		return e, fmt.Errorf("position %d: undecodable event: %w", binary.BigEndian.Uint64(key), err)
	}
	return e, nil
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func indexKey(stream string, version uint64) []byte {
	k := make([]byte, 0, len(stream)+9)
	k = append(k, stream...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, version)
}

func commandKey(stream, command string) []byte {
	return bytes.Join([][]byte{[]byte(stream), []byte(command)}, []byte{0})
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
	b := make([]byte, 0, 8+len(h.Hash))
	b = binary.BigEndian.AppendUint64(b, h.Version)
	return append(b, h.Hash[:]...)
}
