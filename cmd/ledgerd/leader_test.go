package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/cxzy/ledger/projections/chtest"
)

func TestLeaderConfig(t *testing.T) {
	nsFile := filepath.Join(t.TempDir(), "namespace")
	if err := os.WriteFile(nsFile, []byte("ledger\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { serviceAccountNamespace = old }(serviceAccountNamespace)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		nsFile  string
		want    Config // the leader fields
		wantErr string
	}{
		{name: "off by default", want: Config{LeaseName: "ledgerd"}},
		{name: "in a pod", env: map[string]string{"LEDGER_LEADER_ELECT": "true", "POD_NAME": "ledgerd-worker-0"}, nsFile: nsFile,
			want: Config{LeaderElect: true, LeaseName: "ledgerd", LeaderNamespace: "ledger", LeaderIdentity: "ledgerd-worker-0"}},
		{name: "flags win", env: map[string]string{"LEDGER_LEADER_ELECT": "false", "LEDGER_LEADER_LEASE_NAME": "x", "POD_NAME": "p"},
			args: []string{"--leader-elect", "--leader-lease-name", "ledgerd-worker", "--leader-namespace", "audit"}, nsFile: nsFile,
			want: Config{LeaderElect: true, LeaseName: "ledgerd-worker", LeaderNamespace: "audit", LeaderIdentity: "p"}},
		{name: "no namespace outside a pod", args: []string{"--leader-elect=true"}, nsFile: filepath.Join(t.TempDir(), "none"),
			wantErr: "--leader-namespace"},
		{name: "bad switch", env: map[string]string{"LEDGER_LEADER_ELECT": "yes please"}, wantErr: "LEDGER_LEADER_ELECT"},
		{name: "empty lease name", args: []string{"--leader-elect", "--leader-namespace", "n", "--leader-lease-name", ""}, wantErr: "--leader-lease-name"},
		{name: "nothing to lead", args: []string{"--leader-elect", "--leader-namespace", "n", "--projector=false", "--watcher=false"},
			wantErr: "nothing to elect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serviceAccountNamespace = tt.nsFile
			c, err := ParseConfig(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.LeaderElect != tt.want.LeaderElect || c.LeaseName != tt.want.LeaseName ||
				c.LeaderNamespace != tt.want.LeaderNamespace || c.LeaderIdentity != tt.want.LeaderIdentity {
				t.Errorf("leader config = %v %q %q %q, want %v %q %q %q", c.LeaderElect, c.LeaseName, c.LeaderNamespace, c.LeaderIdentity,
					tt.want.LeaderElect, tt.want.LeaseName, tt.want.LeaderNamespace, tt.want.LeaderIdentity)
			}
		})
	}
}

// projectorCheck is the projector entry of a replica's /readyz.
type projectorCheck struct {
	OK      bool `json:"ok"`
	Details struct {
		State    string `json:"state"`
		Position uint64 `json:"position"`
	} `json:"details"`
}

func readyProjector(t *testing.T, m *Main) (int, projectorCheck) {
	t.Helper()
	code, body := get(t, "http://"+m.Addr()+"/readyz")
	var r struct {
		Checks map[string]projectorCheck `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return code, r.Checks["projector"]
}

// Two ledgerd replicas with --leader-elect share one (fake) Kubernetes API
// server: one runs the projector, the other stands by and is still ready;
// when the leader shuts down, the other takes over.
func TestLeaderElectedReplicas(t *testing.T) {
	client := fake.NewClientset()
	var mains []*Main
	for i, pod := range []string{"ledgerd-worker-a", "ledgerd-worker-b"} {
		_, db := chtest.Open(t)
		cfg, err := ParseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--watcher=false",
			"--clickhouse", chtest.DSN() + "/" + db, "--leader-elect", "--leader-namespace", "ledger"},
			func(k string) string { return map[string]string{"POD_NAME": pod}[k] })
		if err != nil {
			t.Fatal(err)
		}
		m := NewMain(cfg, slog.New(slog.DiscardHandler))
		m.Kube = client
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		mains = append(mains, m)
		if i == 0 {
			// The first to start wins; wait for it so the roles are known.
			waitUntil(t, "the first replica leads", 10*time.Second, m.elector.Leading)
		}
	}
	leader, standby := mains[0], mains[1]
	defer standby.Close()
	leaderClosed := false
	defer func() {
		if !leaderClosed { // Close is not to be called twice
			leader.Close()
		}
	}()
	waitUntil(t, "the leader's projector ready", 30*time.Second, func() bool {
		code, p := readyProjector(t, leader)
		return code == 200 && p.OK && p.Details.State == ""
	})
	if code, p := readyProjector(t, standby); code != 200 || !p.OK || p.Details.State != "standby" {
		t.Errorf("standby /readyz = %d, projector %+v; want 200 and standby", code, p)
	}
	if standby.elector.Leading() || standby.projector.Load() != nil {
		t.Error("the standby runs the projector")
	}

	leaderClosed = true
	if err := leader.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the standby takes over", 30*time.Second, func() bool {
		code, p := readyProjector(t, standby)
		return standby.elector.Leading() && code == 200 && p.OK && p.Details.State == ""
	})
}

func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
}
