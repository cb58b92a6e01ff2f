package lead

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

func fastConfig(id string) Config {
	return Config{Namespace: "ledger", Name: "ledgerd-worker", Identity: id,
		LeaseDuration: time.Second, RenewDeadline: 500 * time.Millisecond, RetryPeriod: 100 * time.Millisecond}
}

// Two replicas share one (fake) API server: exactly one leads and runs the
// singleton work; when it shuts down it stops its work, releases the
// Lease, and the other takes over. The work never runs on both at once.
func TestOneLeaderAndTakeover(t *testing.T) {
	client := fake.NewClientset()
	logger := slog.New(slog.DiscardHandler)
	var running, most atomic.Int32
	runs := map[string]*atomic.Int32{"a": {}, "b": {}}
	work := func(id string) func(context.Context) {
		return func(ctx context.Context) {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			runs[id].Add(1)
			<-ctx.Done()
			running.Add(-1)
		}
	}
	electors := map[string]*Elector{}
	cancels := map[string]context.CancelFunc{}
	dones := map[string]chan struct{}{}
	for _, id := range []string{"a", "b"} {
		e, err := New(client, fastConfig(id), logger)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		electors[id], cancels[id], dones[id] = e, cancel, done
		go func() { defer close(done); e.Run(ctx, work(id)) }()
		defer func() { cancel(); <-done }()
	}

	waitFor(t, "a leader", 10*time.Second, func() bool { return running.Load() == 1 })
	leader, other := "a", "b"
	if electors["b"].Leading() {
		leader, other = "b", "a"
	}
	if !electors[leader].Leading() || electors[other].Leading() {
		t.Fatalf("leading: a=%v b=%v, want exactly one", electors["a"].Leading(), electors["b"].Leading())
	}
	// The standby keeps standing by while the leader renews.
	lease, err := client.CoordinationV1().Leases("ledger").Get(context.Background(), "ledgerd-worker", metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != leader {
		t.Fatalf("lease = %+v (%v), want held by %s", lease, err, leader)
	}
	if runs[other].Load() != 0 {
		t.Fatalf("the standby ran its work")
	}

	cancels[leader]()
	select {
	case <-dones[leader]:
	case <-time.After(10 * time.Second):
		t.Fatal("the leader's Run did not return after its context ended")
	}
	if electors[leader].Leading() {
		t.Error("the stopped replica still says it leads")
	}
	waitFor(t, "the takeover", 10*time.Second, func() bool { return electors[other].Leading() && running.Load() == 1 })
	if runs[other].Load() != 1 || runs[leader].Load() != 1 {
		t.Errorf("work runs: leader %d, other %d; want 1 each", runs[leader].Load(), runs[other].Load())
	}
	if m := most.Load(); m != 1 {
		t.Errorf("the work ran on %d replicas at once", m)
	}
}

// A replica that shuts down while another holds the Lease never runs the
// work and returns promptly.
func TestStandbyShutsDown(t *testing.T) {
	client := fake.NewClientset()
	logger := slog.New(slog.DiscardHandler)
	a, _ := New(client, fastConfig("a"), logger)
	b, _ := New(client, fastConfig("b"), logger)
	actx, acancel := context.WithCancel(context.Background())
	adone := make(chan struct{})
	go func() { defer close(adone); a.Run(actx, func(ctx context.Context) { <-ctx.Done() }) }()
	defer func() { acancel(); <-adone }()
	waitFor(t, "a leading", 10*time.Second, a.Leading)

	bctx, bcancel := context.WithCancel(context.Background())
	bdone := make(chan struct{})
	var ran atomic.Bool
	go func() { defer close(bdone); b.Run(bctx, func(context.Context) { ran.Store(true) }) }()
	bcancel()
	select {
	case <-bdone:
	case <-time.After(10 * time.Second):
		t.Fatal("the standby's Run did not return")
	}
	if ran.Load() || b.Leading() {
		t.Error("the standby ran the work")
	}
	if !a.Leading() {
		t.Error("the leader lost the Lease to a replica that shut down")
	}
}

func TestNewNeedsLeaseAndIdentity(t *testing.T) {
	if _, err := New(fake.NewClientset(), Config{Namespace: "ledger", Name: "x"}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("New without an identity succeeded")
	}
}
