// This file replaces the v4 client's esdb/containers_test.go and
// client_test.go when TestUpstreamClientSuite (package kurrenttest) runs
// the client's own stream tests: instead of KurrentDB in a test container
// it starts the kurrenttest double in process, or connects to the address
// in KURRENTTEST_UPSTREAM_ADDR (host:port of an insecure server that
// already holds the populated data set; then both "databases" are it).
//
// The "populated" database is KurrentDB's test image, whose data the
// client's tests know only through resources/test/*.json: the events in
// those files are imported into a double at their recorded positions and
// revisions, and each stream's other revisions are filled with events of
// type "filler" at positions between them, outside the windows of $all the
// files describe.
package esdb_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/goombaio/namegenerator"

	"github.com/cxzy/ledger/eventlog/kurrent/kurrenttest"
)

var NAME_GENERATOR = namegenerator.NewNameGenerator(time.Now().UnixNano())

type Container struct {
	Endpoint string
}

func (*Container) Close() {}

func GetEnvOrDefault(key, defaultValue string) string {
	if value, ok := os.LookupEnv(key); ok {
		return value
	}
	return defaultValue
}

func GetClient(t *testing.T, container *Container) *esdb.Client {
	return CreateClient(fmt.Sprintf("esdb://%s?tls=false", container.Endpoint), t)
}

func CreateClient(connStr string, t *testing.T) *esdb.Client {
	config, err := esdb.ParseConnectionString(connStr)
	if err != nil {
		t.Fatalf("connection string: %v", err)
	}
	config.Logger = esdb.NoopLogging()
	client, err := esdb.NewClient(config)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return client
}

func database(t *testing.T, populated bool) (*Container, *esdb.Client) {
	if addr := os.Getenv("KURRENTTEST_UPSTREAM_ADDR"); addr != "" {
		c := &Container{Endpoint: addr}
		return c, GetClient(t, c)
	}
	var srv *kurrenttest.Server
	if populated {
		srv = kurrenttest.Start(t, kurrenttest.WithoutSystemEvents())
		if err := srv.Import(seed(t)); err != nil {
			t.Fatal(err)
		}
	} else {
		srv = kurrenttest.Start(t)
	}
	c := &Container{Endpoint: srv.ConnString()[len("esdb://") : len(srv.ConnString())-len("?tls=false")]}
	return c, GetClient(t, c)
}

// TestStreams is the client's TestStreams without the cluster, TLS and
// authentication parts (the double has none) and without DeleteTests
// (the double does not implement deletes).
func TestStreams(t *testing.T) {
	emptyContainer, emptyClient := database(t, false)
	defer emptyClient.Close()
	_, populatedClient := database(t, true)
	defer populatedClient.Close()

	AppendTests(t, emptyContainer, emptyClient)
	ReadStreamTests(t, emptyClient, populatedClient)
	SubscriptionTests(t, emptyClient, populatedClient)
	ConnectionTests(t, emptyContainer)
}

// TestExpectations is the client's TestExpectations: reads of $all in the
// populated database.
func TestExpectations(t *testing.T) {
	_, populatedClient := database(t, true)
	defer populatedClient.Close()
	ReadAllTests(t, populatedClient)
}

type known struct {
	kurrenttest.Imported
	rev uint64
}

// seed builds the populated database from the expected results.
func seed(t *testing.T) []kurrenttest.Imported {
	t.Helper()
	byPos := map[uint64]known{}
	add := func(k known) {
		if old, ok := byPos[k.Commit]; ok && (old.Stream != k.Stream || old.rev != k.rev) {
			t.Fatalf("seed: two events at %d", k.Commit)
		}
		byPos[k.Commit] = k
	}
	for _, f := range []string{"all-e0-e10.json", "all-c1788-p1788.json", "all-back-c3386-p3386.json", "all-back-e0-e10.json",
		"dataset20M-1800-e0-e10.json", "dataset20M-1800-e1999-e1990.json"} {
		b, err := os.ReadFile("../resources/test/" + f)
		if err != nil {
			t.Fatal(err)
		}
		var evs []TestEvent
		if err := json.Unmarshal(b, &evs); err != nil {
			t.Fatal(err)
		}
		for _, te := range evs {
			e := te.Event
			add(known{kurrenttest.Imported{
				Stream: e.StreamID, ID: e.EventID, Type: e.EventType, ContentType: e.ContentType,
				Data: e.EventData, Metadata: e.UserMetadata, Created: time.Unix(e.Created.Seconds, int64(e.Created.Nanos)),
				Commit: e.Position.Commit, Prepare: e.Position.Prepare,
			}, e.StreamRevision.Value})
		}
	}
	// The events of type eventType-194… that a filtered subscription
	// sees first: the files give their revisions and positions only. The
	// streams are inferred from the positions: the first ten are revisions
	// 194…1994 of dataset20M-0 (which must precede dataset20M-1800's
	// revision 0 at 11607400), the next twenty sit among dataset20M-1800's
	// events, 157 bytes apart as its revisions are.
	var positions []Position
	var versions []uint64
	for f, v := range map[string]any{"all-positions-filtered-stream-194-e0-e30.json": &positions, "all-versions-filtered-stream-194-e0-e30.json": &versions} {
		b, err := os.ReadFile("../resources/test/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	created := time.Unix(1578852986, 0)
	for i, p := range positions {
		stream := "dataset20M-0"
		if i >= 10 {
			stream = "dataset20M-1800"
		}
		add(known{kurrenttest.Imported{Stream: stream, ID: uuid.New(), Type: fmt.Sprintf("eventType-194%d", versions[i]%10),
			ContentType: "application/json", Data: []byte(`{}`), Created: created, Commit: p.Commit, Prepare: p.Prepare}, versions[i]})
	}
	// Every stream's revisions from 0 to its last: dataset20M-0 has 6,000
	// events (the subscription tests count them).
	last := map[string]uint64{"dataset20M-0": 5999}
	streams := map[string][]known{}
	for _, k := range byPos {
		streams[k.Stream] = append(streams[k.Stream], k)
		last[k.Stream] = max(last[k.Stream], k.rev)
	}
	// Fillers go strictly between their stream's neighbours and outside
	// the windows of $all the files describe: the first ten events, the
	// ten from 1788, the ten before 3386 and the last ten.
	const lowFree, highFree = 3386, 20400525
	var out []known
	for stream, ks := range streams {
		sort.Slice(ks, func(i, j int) bool { return ks[i].rev < ks[j].rev })
		out = append(out, ks...)
		prevRev, prevPos := int64(-1), uint64(lowFree)
		fill := func(toRev int64, toPos uint64) {
			n := toRev - prevRev - 1
			if n <= 0 {
				return
			}
			lo, hi := max(prevPos, lowFree), min(toPos, highFree)
			step := (hi - lo) / uint64(n+1)
			if hi <= lo || step == 0 {
				t.Fatalf("seed: no room for %d fillers of %s between %d and %d", n, stream, lo, hi)
			}
			for i := int64(1); i <= n; i++ {
				pos := lo + uint64(i)*step
				out = append(out, known{kurrenttest.Imported{Stream: stream, ID: uuid.New(), Type: "filler", ContentType: "application/json",
					Data: []byte(`{}`), Created: created, Commit: pos, Prepare: pos}, uint64(prevRev + i)})
			}
		}
		for _, k := range ks {
			fill(int64(k.rev), k.Commit)
			prevRev, prevPos = int64(k.rev), k.Commit
		}
		fill(int64(last[stream])+1, highFree)
	}
	if _, ok := streams["dataset20M-0"]; !ok {
		t.Fatal("seed: no dataset20M-0")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Commit < out[j].Commit })
	next := map[string]uint64{}
	evs := make([]kurrenttest.Imported, len(out))
	for i, k := range out {
		if i > 0 && out[i-1].Commit == k.Commit {
			t.Fatalf("seed: two events at %d", k.Commit)
		}
		if next[k.Stream] != k.rev {
			t.Fatalf("seed: %s revision %d at %d comes after revision %d", k.Stream, k.rev, k.Commit, next[k.Stream])
		}
		next[k.Stream]++
		evs[i] = k.Imported
	}
	return evs
}
