package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cxzy/ledger/domain"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/eventlog"
)

// Index answers, from the event log alone, what the ledger says about
// each evidence file: its standing uploads (who, for which unit, when),
// whether it was collected, and which events cite it. It is the authority
// for who may fetch a file, how much of its quota a unit has used and
// what may be collected; it never asks ClickHouse, whose projections may
// lag or be rebuilt.
//
// It is built by reading the whole log at start and then follows it (Run),
// as the sealer does. The upload and command routes also tell it of their
// own appends at once (Refresh, Observe), so that a client reads its own
// upload or citation in the next request without waiting for the follower;
// applying an event twice changes nothing.
type Index struct {
	log      eventlog.Store
	registry *domain.Registry

	mu       sync.RWMutex
	files    map[string]*entry
	usage    map[string]int64 // unit -> bytes of distinct files with a standing upload for it
	reserved map[string]int64 // unit -> bytes of uploads under way
	pos      eventlog.Position
	ready    atomic.Bool
	events   atomic.Uint64 // events read, for the readiness details

	// Files is the lock of each file's bytes, shared by the upload route
	// and the collector of this process (both hold the index).
	Files Locks
}

type refKey struct {
	stream  string
	version uint64
}

type entry struct {
	file evdomain.File
	refs map[refKey]Ref
}

// Ref is one event that cites a file.
type Ref struct {
	Stream   string            `json:"stream"`
	Version  uint64            `json:"version"`
	Type     string            `json:"type"`
	Unit     string            `json:"unit"` // the unit in scope of the citing event
	Position eventlog.Position `json:"position"`
	// Name and MediaType are those the citing event gives the file:
	// each citation has its own.
	Name      string `json:"name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
}

// Entry is what the index knows of one file: a copy, safe to keep.
type Entry struct {
	SHA256 string
	File   evdomain.File // uploads since the last collection, whether collected
	Refs   []Ref         // in global order
}

// Referenced reports whether any event cites the file.
func (e Entry) Referenced() bool { return len(e.Refs) > 0 }

// UploadBy returns the standing upload of subject, if it has one (the
// latest, when it uploaded the file for several units). Each upload has
// its own name and media type: another's is not this subject's to see.
func (e Entry) UploadBy(subject string) (evdomain.Upload, bool) {
	for i := len(e.File.Uploads) - 1; i >= 0; i-- {
		if u := e.File.Uploads[i]; u.By == subject {
			return u, true
		}
	}
	return evdomain.Upload{}, false
}

// NewIndex returns an empty index of log; Run or CatchUp fills it.
func NewIndex(log eventlog.Store, registry *domain.Registry) *Index {
	return &Index{log: log, registry: registry, files: map[string]*entry{}, usage: map[string]int64{}, reserved: map[string]int64{}}
}

// ErrNotReady is the answer of an index that has not read the log yet.
var ErrNotReady = errors.New("evidence: the index has not caught up with the event log yet")

// Ready reports whether the index has read the log up to where it was
// when following began.
func (x *Index) Ready() bool { return x.ready.Load() }

// Position is how far the index has followed the log.
func (x *Index) Position() eventlog.Position {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.pos
}

// Events is how many events the index has read since it was made.
func (x *Index) Events() uint64 { return x.events.Load() }

const indexPage = 2000

// CatchUp reads what the log holds after the index's position.
func (x *Index) CatchUp(ctx context.Context) error {
	for {
		page, err := x.log.ReadAll(ctx, x.Position(), indexPage)
		if err != nil {
			return fmt.Errorf("evidence index: read the log: %w", err)
		}
		for _, e := range page {
			if err := x.apply(ctx, e); err != nil {
				return err
			}
		}
		if len(page) < indexPage {
			return nil
		}
	}
}

// Run catches up, marks the index ready and follows the log until ctx
// ends (nil) or the log fails (the error; call Run again to go on).
func (x *Index) Run(ctx context.Context) error {
	if err := x.CatchUp(ctx); err != nil {
		return err
	}
	x.ready.Store(true)
	sub, err := x.log.Subscribe(ctx, x.Position())
	if err != nil {
		return fmt.Errorf("evidence index: subscribe: %w", err)
	}
	defer sub.Close()
	for {
		e, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("evidence index: follow the log: %w", err)
		}
		if err := x.apply(ctx, e); err != nil {
			return err
		}
	}
}

// apply takes one event of the global order and moves the position on.
func (x *Index) apply(ctx context.Context, e eventlog.Event) error {
	x.events.Add(1)
	if strings.HasPrefix(e.Stream, evdomain.StreamPrefix) {
		if err := x.applyFile(ctx, e.Stream[len(evdomain.StreamPrefix):], []eventlog.Event{e}); err != nil {
			return err
		}
	} else {
		x.applyRefs(e)
	}
	x.mu.Lock()
	if x.pos.Less(e.Position) {
		x.pos = e.Position
	}
	x.mu.Unlock()
	return nil
}

// Refresh brings one file up to date from its stream in the log: the
// upload route calls it after recording an upload.
func (x *Index) Refresh(ctx context.Context, sha256 string) error {
	if !ValidDigest(sha256) {
		return ErrBadDigest
	}
	x.mu.RLock()
	from := uint64(0)
	if en := x.files[sha256]; en != nil {
		from = uint64(en.file.Events)
	}
	x.mu.RUnlock()
	events, err := x.log.ReadStream(ctx, evdomain.Stream(sha256), from+1, eventlog.Forwards, 1<<20)
	if errors.Is(err, eventlog.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("evidence index: read %s: %w", evdomain.Stream(sha256), err)
	}
	return x.applyFile(ctx, sha256, events)
}

// Observe records the citations of events first..last of stream: the
// command routes call it after recording a command that cites evidence.
func (x *Index) Observe(ctx context.Context, stream string, first, last uint64) error {
	if first == 0 || last < first {
		return nil
	}
	events, err := x.log.ReadStream(ctx, stream, first, eventlog.Forwards, int(last-first+1))
	if err != nil {
		return fmt.Errorf("evidence index: read %s: %w", stream, err)
	}
	for _, e := range events {
		x.applyRefs(e)
	}
	return nil
}

// applyFile applies events of one file's stream, in order. Each must be
// the next version of the stream: one the index has applied already is
// skipped, and one past a gap makes it read the gap from the log first.
func (x *Index) applyFile(ctx context.Context, sha256 string, events []eventlog.Event) error {
	for len(events) > 0 {
		x.mu.Lock()
		en := x.entry(sha256)
		have := uint64(en.file.Events)
		i := 0
		for ; i < len(events) && events[i].Version == have+1; i++ {
			d, err := x.registry.Decode(events[i].Type, events[i].SchemaVersion, events[i].Payload)
			if err != nil {
				x.mu.Unlock()
				return fmt.Errorf("evidence index: %s version %d: %w", events[i].Stream, events[i].Version, err)
			}
			before := x.standing(en)
			en.file.Apply(d)
			x.account(before, x.standing(en))
			have++
		}
		x.mu.Unlock()
		events = events[i:]
		for len(events) > 0 && events[0].Version <= have {
			events = events[1:] // applied before
		}
		if len(events) > 0 {
			// A gap: the events between came by another way (Refresh)
			// or not yet; read them from the log, then go on.
			if err := x.Refresh(ctx, sha256); err != nil {
				return err
			}
			x.mu.RLock()
			have = uint64(x.files[sha256].file.Events)
			x.mu.RUnlock()
			if events[0].Version > have+1 {
				return fmt.Errorf("evidence index: %s has no version %d yet but version %d was delivered", events[0].Stream, have+1, events[0].Version)
			}
		}
	}
	return nil
}

// applyRefs records the evidence an event cites. Only payloads that
// mention "evidence" are decoded: fulfilment reports, inspections and
// rectifications carry lists of references under that name (possibly
// nested, as a finding's evidence is), and any later family that does the
// same is found without a change here.
func (x *Index) applyRefs(e eventlog.Event) {
	if !bytes.Contains(e.Payload, []byte(`"evidence"`)) {
		return
	}
	var v any
	if json.Unmarshal(e.Payload, &v) != nil {
		return
	}
	var cited []citedRef
	collectRefs(v, false, &cited)
	if len(cited) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, c := range cited {
		en := x.entry(c.sha256)
		key := refKey{e.Stream, e.Version}
		if _, ok := en.refs[key]; ok {
			continue // the first reference of an event to the file names it
		}
		en.refs[key] = Ref{Stream: e.Stream, Version: e.Version, Type: e.Type, Unit: e.Unit, Position: e.Position, Name: c.name, MediaType: c.mediaType}
	}
}

// citedRef is one element of an "evidence" list.
type citedRef struct{ sha256, name, mediaType string }

// collectRefs finds every element of every "evidence" list.
func collectRefs(v any, inEvidence bool, out *[]citedRef) {
	switch v := v.(type) {
	case map[string]any:
		if inEvidence {
			if s, ok := v["sha256"].(string); ok && ValidDigest(s) {
				name, _ := v["name"].(string)
				mt, _ := v["media_type"].(string)
				*out = append(*out, citedRef{s, name, mt})
			}
			return
		}
		for k, w := range v {
			collectRefs(w, k == "evidence", out)
		}
	case []any:
		for _, w := range v {
			collectRefs(w, inEvidence, out)
		}
	}
}

// entry returns the file's entry, making it; x.mu is held.
func (x *Index) entry(sha256 string) *entry {
	en := x.files[sha256]
	if en == nil {
		en = &entry{refs: map[refKey]Ref{}}
		x.files[sha256] = en
	}
	return en
}

// standing is the units a file counts against, and its size.
func (x *Index) standing(en *entry) (units map[string]int64) {
	units = map[string]int64{}
	for _, u := range en.file.Uploads {
		units[u.Unit] = u.Size
	}
	return units
}

// account moves the usage of units from before to after.
func (x *Index) account(before, after map[string]int64) {
	for u, size := range before {
		if _, ok := after[u]; !ok {
			x.usage[u] -= size
		}
	}
	for u, size := range after {
		if _, ok := before[u]; !ok {
			x.usage[u] += size
		}
	}
}

// Lookup returns what the index knows of a file.
func (x *Index) Lookup(sha256 string) (Entry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	en := x.files[sha256]
	if en == nil {
		return Entry{SHA256: sha256}, false
	}
	out := Entry{SHA256: sha256, File: en.file, Refs: slices.Collect(maps.Values(en.refs))}
	out.File.Uploads = slices.Clone(en.file.Uploads)
	slices.SortFunc(out.Refs, func(a, b Ref) int {
		switch {
		case a.Position.Less(b.Position):
			return -1
		case b.Position.Less(a.Position):
			return 1
		}
		return strings.Compare(a.Stream, b.Stream)
	})
	return out, true
}

// Used is the bytes of distinct files with a standing upload for unit.
func (x *Index) Used(unit string) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.usage[unit]
}

// QuotaError refuses an upload that would take a unit past its quota.
type QuotaError struct {
	Unit         string
	Used, Quota  int64
	Size         int64
	UnderwaySize int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("evidence: unit %q has %d of its %d bytes in use (and %d being uploaded); %d more would pass its quota",
		e.Unit, e.Used, e.Quota, e.UnderwaySize, e.Size)
}

// Reserve holds size bytes of unit's quota for an upload of sha256 under
// way, or refuses with *QuotaError. A file the unit already holds costs
// nothing more. Release the reservation once the upload is recorded (the
// index then counts it) or refused. A quota of 0 or less limits nothing.
func (x *Index) Reserve(unit, sha256 string, size, quota int64) (release func(), err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if en := x.files[sha256]; en != nil && sha256 != "" {
		if _, held := x.standing(en)[unit]; held {
			return func() {}, nil
		}
	}
	if quota > 0 && x.usage[unit]+x.reserved[unit]+size > quota {
		return nil, &QuotaError{Unit: unit, Used: x.usage[unit], Quota: quota, Size: size, UnderwaySize: x.reserved[unit]}
	}
	x.reserved[unit] += size
	var once sync.Once
	return func() {
		once.Do(func() {
			x.mu.Lock()
			x.reserved[unit] -= size
			x.mu.Unlock()
		})
	}, nil
}

// Due lists the files to collect at cutoff (now minus the grace period):
// those with standing uploads, none since cutoff, that no event cites.
// It also lists the files whose collection was recorded before
// deleteBefore, that no event cites and nobody uploaded since: their bytes
// are to be deleted (deleting them again costs nothing).
func (x *Index) Due(cutoff, deleteBefore time.Time) (collect, collected []string) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for sum, en := range x.files {
		switch {
		case len(en.refs) > 0:
		case en.file.Collected:
			if en.file.CollectedAt.Before(deleteBefore) {
				collected = append(collected, sum)
			}
		case len(en.file.Uploads) > 0 && en.file.LastUpload().Before(cutoff):
			collect = append(collect, sum)
		}
	}
	slices.Sort(collect)
	slices.Sort(collected)
	return collect, collected
}
