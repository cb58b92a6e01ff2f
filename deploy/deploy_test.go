// Package deploy holds no code: its tests check the deployment files next
// to them, since no Docker engine or Kubernetes cluster runs in CI. The
// Kubernetes manifests are decoded strictly with client-go's scheme (an
// unknown field or kind fails), the compose file is loaded and validated
// against the compose schema by compose-go, and every Grafana panel's SQL
// runs on the test ClickHouse against a seeded, projected demo district.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/cxzy/ledger/projections/chtest"
)

// manifests decodes every document of every deploy/k8s/*.yaml strictly.
func manifests(t *testing.T) []runtime.Object {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/k8s (%v)", err)
	}
	decode := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer().Decode
	var objs []runtime.Object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
		for i := 0; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", f, i, err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			obj, gvk, err := decode(doc, nil, nil)
			if err != nil {
				t.Fatalf("%s: document %d: %v", f, i, err)
			}
			t.Logf("%s: %s", f, gvk.Kind)
			objs = append(objs, obj)
		}
	}
	return objs
}

func TestKubernetesManifests(t *testing.T) {
	deployments := map[string]*appsv1.Deployment{}
	kinds := map[string]int{}
	for _, o := range manifests(t) {
		kinds[o.GetObjectKind().GroupVersionKind().Kind]++
		if d, ok := o.(*appsv1.Deployment); ok {
			deployments[d.Name] = d
		}
	}
	for _, k := range []string{"Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the manifests", k)
		}
	}
	want := map[string]struct {
		replicas int32
		args     []string
	}{
		"ledgerd-api":    {3, []string{"--projector=false", "--watcher=false"}},
		"ledgerd-worker": {2, []string{"--leader-elect=true"}},
	}
	for name, w := range want {
		d := deployments[name]
		if d == nil {
			t.Errorf("no Deployment %s", name)
			continue
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != w.replicas {
			t.Errorf("%s: replicas %v, want %d", name, d.Spec.Replicas, w.replicas)
		}
		pod := d.Spec.Template.Spec
		if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s: the pod must run as non-root", name)
		}
		if len(pod.TopologySpreadConstraints) == 0 {
			t.Errorf("%s: no topology spread", name)
		}
		for _, c := range pod.Containers {
			checkContainer(t, name, c)
			for _, a := range w.args {
				if !slices.Contains(c.Args, a) {
					t.Errorf("%s: args %v lack %s", name, c.Args, a)
				}
			}
		}
	}
}

func checkContainer(t *testing.T, name string, c corev1.Container) {
	t.Helper()
	probe := func(what string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
			t.Errorf("%s: %s probe must GET %s", name, what, path)
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: want a read-only root file system and no privilege escalation", name)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: want cpu and memory requests and a memory limit", name)
	}
	if i := strings.LastIndex(c.Image, ":"); i < 0 || c.Image[i+1:] == "latest" {
		t.Errorf("%s: image %q is not pinned", name, c.Image)
	}
}

// pinned is an image reference with a version tag: not latest, not bare.
var pinned = regexp.MustCompile(`^[^:]+(:\d[\w.-]*)(@sha256:[0-9a-f]{64})?$`)

func TestCompose(t *testing.T) {
	// Load a copy, with the example env file in place of the one a user
	// writes (ignored by git), as compose would in this folder.
	dir := t.TempDir()
	for _, f := range []string{"docker-compose.yml", ".env", "Dockerfile"} {
		copyFile(t, filepath.Join("compose", f), filepath.Join(dir, f))
	}
	copyFile(t, "compose/ledgerd.env.example", filepath.Join(dir, "ledgerd.env"))

	for _, tt := range []struct {
		env  []string // as if set in the shell
		want []string
	}{
		{nil, []string{"clickhouse", "grafana", "kurrentdb", "ledgerd"}},
		{[]string{"COMPOSE_PROFILES=cluster", "LEDGER_EVENTSTORE=esdb://kurrentdb-1:2113,kurrentdb-2:2113,kurrentdb-3:2113?tls=false"},
			[]string{"clickhouse", "grafana", "kurrentdb-1", "kurrentdb-2", "kurrentdb-3", "ledgerd"}},
	} {
		opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")},
			cli.WithWorkingDirectory(dir), cli.WithEnv(tt.env), cli.WithEnvFiles(), cli.WithDotEnv, cli.WithDefaultProfiles())
		if err != nil {
			t.Fatal(err)
		}
		p, err := opts.LoadProject(context.Background())
		if err != nil {
			t.Fatalf("compose (%v): %v", tt.env, err)
		}
		if got := slices.Sorted(slices.Values(p.ServiceNames())); !slices.Equal(got, tt.want) {
			t.Errorf("compose (%v) runs %v, want %v", tt.env, got, tt.want)
		}
		for name, s := range p.Services {
			if s.Build == nil && !pinned.MatchString(s.Image) {
				t.Errorf("service %s: image %q is not pinned to a version", name, s.Image)
			}
		}
		l := p.Services["ledgerd"]
		for _, k := range []string{"LEDGER_EVENTSTORE", "LEDGER_CLICKHOUSE", "LEDGER_JWT_SECRET"} {
			if v := l.Environment[k]; v == nil || *v == "" {
				t.Errorf("ledgerd: %s not set", k)
			}
		}
		if es := *l.Environment["LEDGER_EVENTSTORE"]; !strings.HasPrefix(es, "esdb://") {
			t.Errorf("ledgerd: LEDGER_EVENTSTORE %q, want KurrentDB", es)
		}
	}

	b, err := os.ReadFile("compose/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FROM golang:1.26", "CGO_ENABLED=0", "distroless/static", "USER nonroot", "VOLUME"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// dashboard is what the test reads of the Grafana dashboard.
type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Format int    `json:"format"`
			RawSQL string `json:"rawSql"`
		} `json:"targets"`
	} `json:"panels"`
}

// TestGrafana parses the provisioning files and runs every panel's SQL on
// the test ClickHouse, over a demo district seeded and projected by
// ledgerctl, with the panel's database name replaced by the test's.
func TestGrafana(t *testing.T) {
	var ds struct {
		APIVersion  int `json:"apiVersion"`
		Datasources []struct {
			UID      string         `json:"uid"`
			Type     string         `json:"type"`
			JSONData map[string]any `json:"jsonData"`
		} `json:"datasources"`
	}
	readYAML(t, "compose/grafana/provisioning/datasources/clickhouse.yaml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "grafana-clickhouse-datasource" {
		t.Fatalf("datasources = %+v, want the one ClickHouse datasource", ds.Datasources)
	}
	uid, db := ds.Datasources[0].UID, ds.Datasources[0].JSONData["defaultDatabase"]
	var providers struct {
		Providers []struct {
			Options struct{ Path string } `json:"options"`
		} `json:"providers"`
	}
	readYAML(t, "compose/grafana/provisioning/dashboards/ledger.yaml", &providers)
	if len(providers.Providers) != 1 || providers.Providers[0].Options.Path == "" {
		t.Fatalf("dashboard providers = %+v", providers)
	}

	b, err := os.ReadFile("compose/grafana/dashboards/ledger.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}

	conn, testDB := chtest.Open(t)
	bin := filepath.Join(t.TempDir(), "ledgerctl")
	data := filepath.Join(t.TempDir(), "data")
	run(t, "go", "build", "-o", bin, "../cmd/ledgerctl")
	run(t, bin, "seed", "--data-dir", data, "--seed", "1", "--events", "3000")
	run(t, bin, "project", "--data-dir", data, "--clickhouse", chtest.DSN()+"/"+testDB)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	queries := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if tg.Datasource.UID != uid {
				t.Errorf("panel %q: datasource %q, want %q", p.Title, tg.Datasource.UID, uid)
			}
			sql := strings.ReplaceAll(tg.RawSQL, db.(string)+".", testDB+".")
			rows, err := conn.Query(ctx, sql)
			if err != nil {
				t.Errorf("panel %q: %v\n%s", p.Title, err, tg.RawSQL)
				continue
			}
			cols, n := rows.Columns(), 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				t.Errorf("panel %q: %v", p.Title, err)
			}
			rows.Close()
			if n == 0 {
				t.Errorf("panel %q: no rows over the demo district", p.Title)
			}
			if p.Type == "timeseries" && (len(cols) == 0 || cols[0] != "time") {
				t.Errorf("panel %q: a time series needs its first column named time, has %v", p.Title, cols)
			}
			queries++
		}
	}
	if queries < 5 {
		t.Errorf("%d panel queries, want the group view, the colours, the overdue list and trends", queries)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stripComments drops comment lines, to tell a document of comments only.
func stripComments(doc []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}
