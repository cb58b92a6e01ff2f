package embedded

import "github.com/cxzy/ledger/eventlog"

// The verify tests rewrite stored records as someone holding the storage
// engine's tools could, keeping every hash they can recompute consistent;
// these give them the record codec and the keys.

// DecodeRecord reads the stored event at pos.
func DecodeRecord(pos uint64, data []byte) (eventlog.Event, error) { return decode(pos, data) }

// EncodeRecord gives an event's stored form.
func EncodeRecord(e eventlog.Event) ([]byte, error) { return encode(e.Stream, e) }

// Keys of the event, its global link, the stream's head and the chain's end.
var (
	EventKey  = eventKey
	ChainKey  = chainKey
	HeadKey   = headKey
	WriteHead = writeHead
	KeyChain  = keyChain
)
