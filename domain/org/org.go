// Package org holds the campaign's organisation: areas (片区) with their
// leaders, the unit tree, party members with their contact points (联系点),
// and each unit's quarterly theme (主题). Each is an aggregate rebuilt from
// its own stream; decisions return events and never do I/O.
//
// References between aggregates (a unit's area, a member's unit) are
// checked here only as far as one aggregate can see: the write path checks
// that the referenced entity exists before it calls a decision, except for
// a unit's parent, whose state Register and Move take as an argument so the
// tree's shape (which kind may sit under which) is a domain rule.
package org

import (
	"github.com/cxzy/ledger/domain"
)

// Entity names, as used in streams and in TransitionError.
const (
	EntityArea   = "area"
	EntityUnit   = "unit"
	EntityMember = "member"
	EntityTheme  = "theme"
)

// AreaStream is the stream of one area.
func AreaStream(id string) string { return "area-" + id }

// UnitStream is the stream of one unit.
func UnitStream(id string) string { return "unit-" + id }

// MemberStream is the stream of one member.
func MemberStream(id string) string { return "member-" + id }

// ThemeStream is the stream of one unit's theme for one quarter: there is
// one theme per unit per quarter, so the stream name is the identity.
func ThemeStream(unitID string, q domain.Quarter) string {
	return "theme-" + unitID + "-" + q.String()
}

// Codecs lists every event type of the package at its current schema
// version.
func Codecs() []domain.Codec {
	return []domain.Codec{
		domain.JSONCodec[AreaRegistered](1),
		domain.JSONCodec[AreaRenamed](1),
		domain.JSONCodec[AreaLeaderChanged](1),
		domain.JSONCodec[UnitRegistered](1),
		domain.JSONCodec[UnitRenamed](1),
		domain.JSONCodec[UnitMoved](1),
		domain.JSONCodec[MemberRegistered](1),
		domain.JSONCodec[MemberMoved](1),
		domain.JSONCodec[MemberLeft](1),
		domain.JSONCodec[ContactPointAssigned](1),
		domain.JSONCodec[ContactPointEnded](1),
		domain.JSONCodec[ThemeSet](1),
		domain.JSONCodec[ThemeRevised](1),
	}
}
