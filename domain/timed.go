package domain

import "time"

// Timed is implemented by events that carry their business time (when the
// fact occurred, as told by the command). The write path records it as the
// envelope's occurred_at; an event without it occurred when it was recorded.
type Timed interface {
	OccurredTime() time.Time
}
