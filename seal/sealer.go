package seal

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/checkpoint"
	"github.com/cxzy/ledger/eventlog"
)

// Sealer keeps the tree level with the log (Run) and, when it holds a
// signing key, signs checkpoints of it: every Every (SignEvery), when
// events other than checkpoints arrived since the last one, and on demand. Every process
// that serves proofs runs one to keep its own tree (the tree is the same
// wherever it is built); only the one with Signer set signs.
type Sealer struct {
	Log     eventlog.Store
	Tree    *Tree
	Handler *command.Handler // appends the checkpoint events
	Signer  note.Signer      // nil: follow only
	Origin  string           // the ledger's name in its checkpoints
	Every   time.Duration    // 0 means one minute
	Logger  *slog.Logger
	Now     func() time.Time // the clock checkpoints are stamped with; nil is time.Now

	mu       sync.Mutex // one writer of the tree at a time
	sealMu   sync.Mutex // one signature at a time
	diverged error      // set when the tree disagrees with a signed checkpoint
	// lastReal is the tree size just after the last leaf that is not a
	// checkpoint: checkpoints alone call for no new checkpoint, or an idle
	// ledger would sign one every tick about the one before.
	lastReal uint64
	started  bool
}

// Checkpoint index in the tree's database: 'c' size → the checkpoint's
// JSON, as recorded in the log.
func cpKey(size uint64) []byte { return binary.BigEndian.AppendUint64([]byte{'c'}, size) }

// Latest returns the last checkpoint recorded in the log as far as the
// tree has followed it, and false if there is none.
func (s *Sealer) Latest() (Checkpoint, bool, error) {
	it, err := s.Tree.db.NewIter(&pebble.IterOptions{LowerBound: []byte{'c'}, UpperBound: []byte{'d'}})
	if err != nil {
		return Checkpoint{}, false, err
	}
	defer it.Close()
	if !it.Last() {
		return Checkpoint{}, false, it.Error()
	}
	var cp Checkpoint
	return cp, true, json.Unmarshal(it.Value(), &cp)
}

// CheckpointAt returns the checkpoint of exactly size events.
func (s *Sealer) CheckpointAt(size uint64) (Checkpoint, bool, error) {
	v, closer, err := s.Tree.db.Get(cpKey(size))
	if errors.Is(err, pebble.ErrNotFound) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, err
	}
	defer closer.Close()
	var cp Checkpoint
	return cp, true, json.Unmarshal(v, &cp)
}

// Diverged reports whether the tree built from the log disagrees with a
// checkpoint the ledger signed: the log lost or changed events that were
// sealed. The sealer then signs nothing more.
func (s *Sealer) Diverged() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.diverged
}

// advance adds events (in global order; ones the tree holds already are
// skipped) to the tree, indexing the checkpoints among them and checking
// each against the tree it describes.
func (s *Sealer) advance(events []eventlog.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, size := s.Tree.Last(), s.Tree.Size()
	if !s.started {
		// What the tree held before this process is taken as needing a
		// checkpoint: at most one more than strictly needed.
		s.lastReal, s.started = size, true
	}
	for len(events) > 0 && size > 0 && !last.Less(events[0].Position) {
		events = events[1:]
	}
	if len(events) == 0 {
		return nil
	}
	var cps []Checkpoint
	for i := range events {
		e := &events[i]
		if e.Stream != checkpoint.Stream {
			continue
		}
		var sealed checkpoint.Sealed
		if err := json.Unmarshal(e.Payload, &sealed); err != nil {
			return fmt.Errorf("seal: checkpoint event at %v: %w", e.Position, err)
		}
		root, err := base64.StdEncoding.DecodeString(sealed.Root)
		if err != nil {
			return fmt.Errorf("seal: checkpoint event at %v: root: %w", e.Position, err)
		}
		// The origin is the signer's, as its note says: a replica
		// configured with another name must not serve a checkpoint whose
		// fields disagree with its note.
		origin, _, _ := strings.Cut(sealed.Note, "\n")
		cps = append(cps, Checkpoint{Size: sealed.Size, Root: root, Time: sealed.SealedAt, KeyName: sealed.KeyName,
			KeyID: sealed.KeyID, Note: sealed.Note, Origin: origin})
	}
	if err := s.Tree.Append(events); err != nil {
		return err
	}
	// A checkpoint is recorded after the events it seals, so the tree
	// has them all by now.
	for _, cp := range cps {
		root, err := s.Tree.Root(cp.Size)
		if err != nil {
			return err
		}
		if string(root) != string(cp.Root) && s.diverged == nil {
			s.diverged = fmt.Errorf("seal: the log no longer matches checkpoint %d: its root is %x, the tree built from the log has %x",
				cp.Size, cp.Root, root)
			s.logger().Error("history diverged from a signed checkpoint; signing stops", "size", cp.Size)
		}
		data, _ := json.Marshal(cp)
		if err := s.Tree.db.Set(cpKey(cp.Size), data, pebble.NoSync); err != nil {
			return fmt.Errorf("seal: index checkpoint %d: %w", cp.Size, err)
		}
	}
	for i := range events {
		if events[i].Stream != checkpoint.Stream {
			s.lastReal = size + uint64(i) + 1
		}
	}
	return nil
}

func (s *Sealer) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// CatchUp adds every event the log holds beyond the tree.
func (s *Sealer) CatchUp(ctx context.Context) error {
	for {
		page, err := s.Log.ReadAll(ctx, s.Tree.Last(), 10000)
		if err != nil {
			return fmt.Errorf("seal: read the log after %v: %w", s.Tree.Last(), err)
		}
		if err := s.advance(page); err != nil {
			return err
		}
		if len(page) < 10000 {
			return nil
		}
	}
}

// Seal signs a checkpoint of the tree as it stands and records it in the
// log. With nothing new since the last checkpoint it returns that one.
func (s *Sealer) Seal(ctx context.Context) (Checkpoint, error) {
	if s.Signer == nil || s.Handler == nil {
		return Checkpoint{}, ErrNoKey
	}
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	if err := s.Diverged(); err != nil {
		return Checkpoint{}, err
	}
	s.mu.Lock()
	size, lastReal := s.Tree.Size(), s.lastReal
	if !s.started {
		lastReal = size
	}
	s.mu.Unlock()
	latest, ok, err := s.Latest()
	if err != nil {
		return Checkpoint{}, err
	}
	switch {
	case size == 0:
		return Checkpoint{}, errors.New("seal: the log is empty")
	case ok && (size <= latest.Size || lastReal <= latest.Size):
		return latest, nil // nothing new but checkpoints
	}
	root, err := s.Tree.Root(size)
	if err != nil {
		return Checkpoint{}, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	cp, err := Sign(s.Signer, s.Origin, size, root, now())
	if err != nil {
		return Checkpoint{}, err
	}
	cmd := command.Command{ID: fmt.Sprintf("checkpoint-%s-%d", cp.KeyID, size), Actor: domain.Actor{ID: "sealer"}}
	_, err = command.Execute(ctx, s.Handler, checkpoint.Stream, cmd, func() *checkpoint.Log { return &checkpoint.Log{} },
		func(l *checkpoint.Log, m domain.Meta) ([]domain.Event, error) {
			return l.Seal(checkpoint.Seal{Size: cp.Size, Root: cp.Root, SealedAt: cp.Time, KeyName: cp.KeyName, KeyID: cp.KeyID, Note: cp.Note}, m)
		})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("seal: record checkpoint %d: %w", size, err)
	}
	// Index it now, so Latest answers with it at once; following the log
	// indexes it again, to the same value.
	data, _ := json.Marshal(cp)
	if err := s.Tree.db.Set(cpKey(cp.Size), data, pebble.NoSync); err != nil {
		return Checkpoint{}, err
	}
	s.logger().Info("checkpoint sealed", "size", cp.Size, "root", fmt.Sprintf("%x", cp.Root), "key_id", cp.KeyID)
	return cp, nil
}

// SealLog catches the tree up with the log, seals it, and catches up
// again, so the checkpoint's own event is in the tree when it returns:
// sealing on demand.
func (s *Sealer) SealLog(ctx context.Context) (Checkpoint, error) {
	if err := s.CatchUp(ctx); err != nil {
		return Checkpoint{}, err
	}
	cp, err := s.Seal(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	return cp, s.CatchUp(ctx)
}

// ErrNoKey is returned by Seal in a process that holds no signing key.
var ErrNoKey = errors.New("seal: this process holds no signing key")

// SignEvery signs a checkpoint every Every until ctx ends, while Run (in
// this process) keeps the tree level with the log. In a deployment of
// several replicas it runs on one, the leader.
func (s *Sealer) SignEvery(ctx context.Context) {
	every := s.Every
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := s.Seal(ctx); err != nil && ctx.Err() == nil {
			s.logger().Error("sealing failed", "err", err)
		}
	}
}

// Run keeps the tree level with the log until ctx ends.
func (s *Sealer) Run(ctx context.Context) error {
	if err := s.CatchUp(ctx); err != nil {
		return err
	}
	sub, err := s.Log.Subscribe(ctx, s.Tree.Last())
	if err != nil {
		return fmt.Errorf("seal: subscribe: %w", err)
	}
	defer sub.Close()
	events := make(chan eventlog.Event, 1024)
	failed := make(chan error, 1)
	go func() {
		for {
			e, err := sub.Next(ctx)
			if err != nil {
				failed <- err
				return
			}
			select {
			case events <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	var batch []eventlog.Event
	flush := func() error {
		err := s.advance(batch)
		batch = batch[:0]
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-failed:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("seal: follow the log: %w", err)
		case e := <-events:
			batch = append(batch, e)
			// Take what else has arrived, up to a page, in one write.
		more:
			for len(batch) < 10000 {
				select {
				case e := <-events:
					batch = append(batch, e)
				default:
					break more
				}
			}
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
