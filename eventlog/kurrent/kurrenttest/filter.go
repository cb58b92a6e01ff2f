package kurrenttest

import (
	"regexp"
	"strings"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// newFilter returns what a server-side filter keeps: events whose type or
// stream name starts with one of the prefixes, or matches the regular
// expression (unanchored, as .NET's Regex.IsMatch). No filter keeps
// everything. The double sends no checkpoints: a filtered subscription
// delivers the events that pass and the caught-up message only.
func newFilter(f *api.ReadReq_Options_FilterOptions) (func(*record) bool, error) {
	if f == nil {
		return func(*record) bool { return true }, nil
	}
	expr := f.GetEventType()
	field := func(r *record) string { return r.meta["type"] }
	if expr == nil {
		expr = f.GetStreamIdentifier()
		field = func(r *record) string { return r.stream }
	}
	if expr == nil {
		return nil, status.Error(codes.InvalidArgument, "kurrenttest: a filter on neither the event type nor the stream")
	}
	if prefixes := expr.GetPrefix(); len(prefixes) > 0 {
		return func(r *record) bool {
			v := field(r)
			for _, p := range prefixes {
				if strings.HasPrefix(v, p) {
					return true
				}
			}
			return false
		}, nil
	}
	re, err := regexp.Compile(expr.GetRegex())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "kurrenttest: filter: "+err.Error())
	}
	return func(r *record) bool { return re.MatchString(field(r)) }, nil
}
