package api

import (
	"errors"
	"net/http"

	"github.com/cxzy/ledger/eventlog"
)

// readStream reads a whole stream from the log, page by page; a stream
// that does not exist is a 404 naming it.
func readStream(r *http.Request, log eventlog.Store, stream string) ([]eventlog.Event, error) {
	const page = 1000
	var events []eventlog.Event
	for from := uint64(1); ; {
		evs, err := log.ReadStream(r.Context(), stream, from, eventlog.Forwards, page)
		if errors.Is(err, eventlog.ErrStreamNotFound) {
			return nil, NewProblem(http.StatusNotFound, "no stream "+stream, "stream")
		}
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
		if len(evs) < page {
			return events, nil
		}
		from = evs[len(evs)-1].Version + 1
	}
}

// streamUnit is the unit a stream concerns: that of its first event that
// names one ("" for a stream above units, which only the office reads).
func streamUnit(events []eventlog.Event) string {
	for _, e := range events {
		if e.Unit != "" {
			return e.Unit
		}
	}
	return ""
}
