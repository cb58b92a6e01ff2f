package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/cxzy/ledger/lead"
)

// serviceAccountNamespace is where Kubernetes tells a pod its namespace;
// --leader-namespace defaults to what it holds.
var serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// singleton is background work of which one copy at most may run in a
// deployment: the projector (two would each write every row) and the
// deadline watcher (two would race to record the same miss), and the
// checkpoint signer (two would sign checkpoints of different sizes side by
// side), and the evidence collector (two would record one collection
// twice). Any later such work is one more entry in Main.singletons.
type singleton struct {
	name string
	run  func(context.Context) // returns when its context ends
}

// singletons lists the work this process is configured to run.
func (m *Main) singletons() []singleton {
	var s []singleton
	if m.cfg.Projector {
		s = append(s, singleton{"projector", m.runProjector})
	}
	if m.cfg.Watcher {
		s = append(s, singleton{"watcher", m.runWatcher})
	}
	if m.sealer != nil && m.sealer.Signer != nil {
		s = append(s, singleton{"signer", m.runSigner})
	}
	if m.evidenceIndex != nil {
		s = append(s, singleton{"evidence-collector", m.runCollector})
	}
	return s
}

// startSingletons runs the singleton work until bg ends: at once, or,
// with --leader-elect, only while this replica holds the Lease.
func (m *Main) startSingletons(bg context.Context) {
	work := m.singletons()
	if m.elector == nil {
		for _, w := range work {
			m.work.Go(func() { w.run(bg) })
		}
		return
	}
	m.work.Go(func() {
		m.elector.Run(bg, func(ctx context.Context) { runAll(ctx, work) })
	})
}

// runAll runs every worker until ctx ends and all have returned.
func runAll(ctx context.Context, work []singleton) {
	var wg sync.WaitGroup
	for _, w := range work {
		wg.Go(func() { w.run(ctx) })
	}
	wg.Wait()
}

// newElector sets up the leader election --leader-elect asks for, through
// the in-cluster API server unless a test gave Main a client.
func (m *Main) newElector() (*lead.Elector, error) {
	client := m.Kube
	if client == nil {
		rc, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("--leader-elect needs to run in a Kubernetes pod: %w", err)
		}
		if client, err = kubernetes.NewForConfig(rc); err != nil {
			return nil, fmt.Errorf("--leader-elect: %w", err)
		}
	}
	// client-go logs through klog; keep ledgerd's log one JSON stream.
	klog.SetSlogLogger(m.logger)
	return lead.New(client, lead.Config{
		Namespace: m.cfg.LeaderNamespace,
		Name:      m.cfg.LeaseName,
		Identity:  m.cfg.LeaderIdentity,
	}, m.logger)
}

// boolText is a flag that may be given bare (--leader-elect), like a
// bool flag, but keeps its text so that ParseConfig can name a bad value
// given in the environment and on the command line alike.
type boolText struct{ s *string }

func (b boolText) String() string {
	if b.s == nil {
		return ""
	}
	return *b.s
}
func (b boolText) Set(v string) error { *b.s = v; return nil }
func (boolText) IsBoolFlag() bool     { return true }

// defaultNamespace is the pod's namespace from its service account, or ""
// outside a pod.
func defaultNamespace() string {
	b, err := os.ReadFile(serviceAccountNamespace)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// defaultIdentity names this replica in the Lease: the pod's name (set
// from the downward API as POD_NAME), else the host name, which is the
// pod's name in Kubernetes too.
func defaultIdentity(getenv func(string) string) string {
	if v := getenv("POD_NAME"); v != "" {
		return v
	}
	h, _ := os.Hostname()
	return h
}
