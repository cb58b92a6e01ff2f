package kurrent

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/cxzy/ledger/eventlog"
)

// Append implements eventlog.Store; the package comment says how retries
// and versions are handled.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, error) {
	data, err := encode(stream, expected, events)
	if err != nil {
		return eventlog.AppendResult{}, fmt.Errorf("kurrent: append %s: %w", stream, err)
	}
	c, err := s.begin(ctx)
	if err != nil {
		return eventlog.AppendResult{}, err
	}
	defer c.end()
	res, err := c.append(stream, expected, events, data)
	if err != nil {
		var conflict *eventlog.ConflictError
		if errors.As(err, &conflict) {
			return res, err
		}
		return res, fmt.Errorf("kurrent: append %s: %w", stream, err)
	}
	return res, nil
}

func (c *call) append(stream string, expected eventlog.Expected, events []eventlog.Event, data []esdb.EventData) (eventlog.AppendResult, error) {
	if res, ok, err := c.findRetry(stream, expected, events); err != nil || ok {
		return res, err
	}
	n := uint64(len(events))
	// Versions in the envelopes (which the hashes cover) must be the ones
	// the events get: make KurrentDB check that, whatever was expected.
	want := expected
	if first := events[0].Version; first > 0 {
		exact := expected.Kind == eventlog.ExpectExact || expected.Kind == eventlog.ExpectNoStream
		if exact && !expected.Check(first-1) {
			return eventlog.AppendResult{}, fmt.Errorf("event 0 carries version %d, but the append expects %s", first, expected)
		}
		want = eventlog.Exact(first - 1)
	}
	wr, err := c.client.AppendToStream(c.ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: revision(want), Deadline: remaining(c.ctx)}, data...)
	if err != nil {
		if code(err) != esdb.ErrorCodeWrongExpectedVersion {
			return eventlog.AppendResult{}, c.check(err)
		}
		// An identical append may have won the race since findRetry.
		if res, ok, ferr := c.findRetry(stream, expected, events); ferr != nil || ok {
			return res, ferr
		}
		actual, ok := actualVersion(err)
		if !ok {
			if actual, err = c.head(stream); err != nil {
				return eventlog.AppendResult{}, err
			}
		}
		if want != expected && expected.Check(actual) {
			return eventlog.AppendResult{}, fmt.Errorf("event 0 carries version %d, the stream is at version %d", events[0].Version, actual)
		}
		return eventlog.AppendResult{}, &eventlog.ConflictError{Stream: stream, Expected: expected, Actual: actual}
	}
	last := wr.NextExpectedVersion + 1
	if last < n {
		return eventlog.AppendResult{}, fmt.Errorf("server reports revision %d after appending %d events", wr.NextExpectedVersion, n)
	}
	back, err := c.readStream(stream, last, eventlog.Forwards, 1)
	if err != nil {
		return eventlog.AppendResult{}, fmt.Errorf("appended, but reading back version %d: %w", last, err)
	}
	if len(back) != 1 || back[0].ID != events[n-1].ID {
		return eventlog.AppendResult{}, fmt.Errorf("appended, but version %d is not the last event appended", last)
	}
	return eventlog.AppendResult{Stream: stream, FirstVersion: last - n + 1, LastVersion: last, Position: back[0].Position}, nil
}

// findRetry looks for the first event's id where an earlier attempt of the
// same append would have put it, and returns that attempt's result.
func (c *call) findRetry(stream string, expected eventlog.Expected, events []eventlog.Event) (eventlog.AppendResult, bool, error) {
	slot := events[0].Version
	switch {
	case slot > 0:
	case expected.Kind == eventlog.ExpectExact:
		slot = expected.Version + 1
	case expected.Kind == eventlog.ExpectNoStream:
		slot = 1
	}
	var (
		stored []eventlog.Event
		err    error
	)
	if slot > 0 {
		stored, err = c.readStream(stream, slot, eventlog.Forwards, len(events))
	} else {
		stored, err = c.readStream(stream, 0, eventlog.Backwards, c.s.cfg.scan)
		slices.Reverse(stored)
	}
	if errors.Is(err, eventlog.ErrStreamNotFound) {
		return eventlog.AppendResult{}, false, nil
	}
	if err != nil {
		return eventlog.AppendResult{}, false, fmt.Errorf("looking for an earlier attempt: %w", err)
	}
	i := slices.IndexFunc(stored, func(e eventlog.Event) bool { return e.ID == events[0].ID })
	if i < 0 {
		return eventlog.AppendResult{}, false, nil
	}
	k := i
	for k+1 < len(stored) && k+1-i < len(events) && stored[k+1].ID == events[k+1-i].ID {
		k++
	}
	return eventlog.AppendResult{
		Stream:       stream,
		FirstVersion: stored[i].Version,
		LastVersion:  stored[k].Version,
		Position:     stored[k].Position,
		Duplicate:    true,
	}, true, nil
}

// head returns the stream's last version, 0 if it has no events.
func (c *call) head(stream string) (uint64, error) {
	last, err := c.readStream(stream, 0, eventlog.Backwards, 1)
	switch {
	case errors.Is(err, eventlog.ErrStreamNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case len(last) == 0:
		return 0, nil
	}
	return last[0].Version, nil
}

// wrongVersion matches the client's text for the server's current revision:
// the v4 client keeps the structured answer to itself.
var wrongVersion = regexp.MustCompile(`but got '(no_stream|\d+)'`)

// actualVersion reads the stream's version at the time of the conflict from
// the client's error text, if it is there.
func actualVersion(err error) (uint64, bool) {
	m := wrongVersion.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	if m[1] == "no_stream" {
		return 0, true
	}
	rev, perr := strconv.ParseUint(m[1], 10, 64)
	if perr != nil {
		return 0, false
	}
	return rev + 1, true
}
