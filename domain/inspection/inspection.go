// Package inspection holds the inspection groups (指导检查组) the campaign
// office forms and assigns to areas or units, and the inspections they run:
// special checks and random spot checks (专项检查、随机抽查) of a unit, with
// findings that may order a rectification. Findings are numbered within
// their inspection; a wrong one is corrected or withdrawn by a new event
// that points at the event it fixes, never changed.
package inspection

import "github.com/cxzy/ledger/domain"

// Entity names, as used in streams and in TransitionError.
const (
	EntityGroup      = "inspection_group"
	EntityInspection = "inspection"
)

// Limits of lists in one command.
const (
	maxMembers  = 100
	maxEvidence = 50
)

// GroupStream is the stream of one inspection group.
func GroupStream(id string) string { return "group-" + id }

// Stream is the stream of one inspection.
func Stream(id string) string { return "inspection-" + id }

// Codecs lists every event type of the package at its current schema
// version.
func Codecs() []domain.Codec {
	return []domain.Codec{
		domain.JSONCodec[GroupFormed](1),
		domain.JSONCodec[GroupMemberAdded](1),
		domain.JSONCodec[GroupMemberRemoved](1),
		domain.JSONCodec[GroupAssigned](1),
		domain.JSONCodec[GroupAssignmentEnded](1),
		domain.JSONCodec[GroupDissolved](1),
		domain.JSONCodec[Started](1),
		domain.JSONCodec[FindingRecorded](1),
		domain.JSONCodec[FindingCorrected](1),
		domain.JSONCodec[FindingWithdrawn](1),
		domain.JSONCodec[Completed](1),
	}
}

func checkEvidence(list []domain.Evidence) error {
	if len(list) > maxEvidence {
		return domain.Invalid("evidence", "must list at most %d files", maxEvidence)
	}
	return domain.ValidateEvidence("evidence", list)
}
