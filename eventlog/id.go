package eventlog

import (
	"fmt"

	"github.com/google/uuid"
)

// idNamespace is the UUIDv5 namespace of event ids. It must never change:
// retried commands rely on getting the same ids.
var idNamespace = uuid.MustParse("7b0f6e55-3c1a-4f8e-9a57-1f0d6c2b9e41")

// EventID returns the id of the i-th event (from 0) a command appends: a
// UUIDv5 of the command id, so a retried command carries the same event ids
// and KurrentDB's own idempotency check recognises it.
func EventID(commandID string, i int) string {
	return uuid.NewSHA1(idNamespace, fmt.Appendf(nil, "%s/%d", commandID, i)).String()
}
