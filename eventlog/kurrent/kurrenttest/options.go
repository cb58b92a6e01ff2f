package kurrenttest

import (
	"context"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
)

// DefaultServerVersion is the KurrentDB version the double reports to the
// client's server-features call.
const DefaultServerVersion = "24.10.0"

// Option configures NewServer and Start.
type Option func(*config)

type config struct {
	idCache int64
	version string
	system  bool
}

// WithIdempotencyCache sets the byte budget of the cache of recently
// written event ids that appends under Any or StreamExists are checked
// against (DefaultIdempotencyCache by default, as KurrentDB). Each entry
// costs 28 bytes plus 2 per character of its stream's name, so a budget of
// 8 MiB holds the last 80,000 or so events written to streams with names
// of about 36 characters.
func WithIdempotencyCache(bytes int64) Option { return func(c *config) { c.idCache = max(bytes, 1) } }

// WithServerVersion sets the version the double reports.
func WithServerVersion(v string) Option { return func(c *config) { c.version = v } }

// WithoutSystemEvents starts the double with an empty $all, for tests
// that Import a whole database.
func WithoutSystemEvents() Option { return func(c *config) { c.system = false } }

// features answers the client's server-features call: the version, and
// the Streams methods the double serves (no batch append, so the client
// never uses it; no persistent subscriptions).
type features struct {
	serverfeatures.UnimplementedServerFeaturesServer
	s *Server
}

func (f features) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	var methods []*serverfeatures.SupportedMethod
	for _, m := range []string{"read", "append"} {
		methods = append(methods, &serverfeatures.SupportedMethod{MethodName: m, ServiceName: "event_store.client.streams.streams"})
	}
	return &serverfeatures.SupportedMethods{Methods: methods, EventStoreServerVersion: f.s.version}, nil
}
