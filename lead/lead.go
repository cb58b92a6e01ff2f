// Package lead runs singleton work (the projector, the deadline watcher,
// later a sealer) on one replica at a time, using a Kubernetes Lease.
//
// Several ledgerd replicas can serve the API side by side, but the
// background work must not run twice: two projectors would write every
// row twice as fast for nothing, and two watchers would race to record the
// same missed deadline (the write path refuses the loser, but it is noise).
// The replicas therefore hold an election through a coordination.k8s.io
// Lease (client-go's leaderelection with a LeaseLock); the holder runs the
// work and the others stand by, serving requests, until the Lease is
// theirs.
//
// The work is stopped (its context cancelled) as soon as the Lease is lost
// or the process shuts down. On shutdown the work is waited for before the
// Lease is released, so the next leader starts only after this one has
// stopped; after a lost renewal it cannot be waited for, and the safety
// margin is LeaseDuration - RenewDeadline: this replica stops at
// RenewDeadline, another can take the Lease only once LeaseDuration has
// passed since the last renewal.
package lead

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Config names the Lease and this candidate.
type Config struct {
	Namespace string // the Lease's namespace
	Name      string // the Lease's name: replicas that share it elect one leader
	Identity  string // this replica, as recorded in the Lease (the pod name)

	// Timings, with client-go's customary defaults (15 s, 10 s, 2 s) when
	// zero. A leader that cannot renew for RenewDeadline steps down; a
	// Lease not renewed for LeaseDuration can be taken by another.
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
}

// Elector campaigns for a Lease and runs work while it holds it.
type Elector struct {
	cfg     Config
	client  kubernetes.Interface
	logger  *slog.Logger
	leading atomic.Bool
}

// New returns an elector for the Lease cfg names, through client (the
// in-cluster clientset, or a fake one in tests).
func New(client kubernetes.Interface, cfg Config, logger *slog.Logger) (*Elector, error) {
	if cfg.Namespace == "" || cfg.Name == "" || cfg.Identity == "" {
		return nil, errors.New("lead: the Lease's namespace and name and this replica's identity are required")
	}
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = 15 * time.Second
	}
	if cfg.RenewDeadline == 0 {
		cfg.RenewDeadline = 10 * time.Second
	}
	if cfg.RetryPeriod == 0 {
		cfg.RetryPeriod = 2 * time.Second
	}
	return &Elector{cfg: cfg, client: client, logger: logger}, nil
}

// Leading says whether this replica holds the Lease and its work runs.
func (e *Elector) Leading() bool { return e.leading.Load() }

// Identity is this replica's name in the Lease.
func (e *Elector) Identity() string { return e.cfg.Identity }

// Run campaigns until ctx ends. Each time this replica wins the Lease it
// calls work with a context that ends when the Lease is lost or ctx ends;
// after losing it, it campaigns again. Run returns once work has returned
// and, if it was leading, the Lease has been released.
func (e *Elector) Run(ctx context.Context, work func(context.Context)) error {
	// The elector's own context ends only after the work has stopped, so
	// that ReleaseOnCancel hands the Lease over no earlier than that.
	electCtx, stopElect := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElect()
	for {
		c := &campaign{}
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: &resourcelock.LeaseLock{
				LeaseMeta:  v1.ObjectMeta{Namespace: e.cfg.Namespace, Name: e.cfg.Name},
				Client:     e.client.CoordinationV1(),
				LockConfig: resourcelock.ResourceLockConfig{Identity: e.cfg.Identity},
			},
			LeaseDuration:   e.cfg.LeaseDuration,
			RenewDeadline:   e.cfg.RenewDeadline,
			RetryPeriod:     e.cfg.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            e.cfg.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(lctx context.Context) { e.lead(ctx, lctx, c, work) },
				OnStoppedLeading: func() {},
			},
		})
		if err != nil {
			return err
		}
		done := make(chan struct{})
		go func() { defer close(done); le.Run(electCtx) }()
		select {
		case <-done: // the Lease was lost: stop the work, then campaign again
			c.finish()
			e.logger.Info("leader election: standing by", "lease", e.cfg.Name, "identity", e.cfg.Identity)
		case <-ctx.Done(): // shutting down: the work sees ctx end; wait for it, then release
			c.finish()
			stopElect()
			<-done
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// lead runs work for one term. It is client-go's OnStartedLeading, which
// runs in a goroutine of its own and may start after the term is over.
func (e *Elector) lead(ctx, term context.Context, c *campaign, work func(context.Context)) {
	if !c.start() {
		return // the term ended before it began
	}
	defer c.wg.Done()
	wctx, cancel := context.WithCancel(term)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	e.leading.Store(true)
	defer e.leading.Store(false)
	e.logger.Info("leader election: leading; singleton work starts", "lease", e.cfg.Name, "identity", e.cfg.Identity)
	work(wctx)
}

// campaign is one term's bookkeeping: whether its work started, so that
// finish can wait for it.
type campaign struct {
	mu   sync.Mutex
	over bool
	wg   sync.WaitGroup
}

func (c *campaign) start() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.over {
		return false
	}
	c.wg.Add(1)
	return true
}

// finish keeps work from starting and waits for work that did.
func (c *campaign) finish() {
	c.mu.Lock()
	c.over = true
	c.mu.Unlock()
	c.wg.Wait()
}
