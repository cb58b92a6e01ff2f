package scoring

import "slices"

// RuleBookSnapshot is the rule book for readers (the audit history's
// state): every version published, in order.
type RuleBookSnapshot struct {
	State   string `json:"state"` // "published"
	Rules   []Rule `json:"rules"`
	Version uint64 `json:"version"`
}

// Snapshot returns the book's state for readers.
func (b *RuleBook) Snapshot() RuleBookSnapshot {
	s := RuleBookSnapshot{State: "published", Rules: slices.Clone(b.Rules), Version: b.Version}
	if s.Rules == nil {
		s.Rules = []Rule{}
	}
	return s
}
