package domain

import "fmt"

// RefKind is the kind of entity a command refers to.
type RefKind uint8

// The kinds of reference a command can make. The zero value is invalid.
const (
	_             RefKind = iota
	RefUnit               // a unit: registered, and in the caller's scope
	RefArea               // an area: registered
	RefMember             // a member: registered, not left; its unit in the caller's scope
	RefGroup              // an inspection group: formed, not dissolved; the caller's own for an inspector
	RefInspection         // an inspection, and with Item one of its findings in force
	RefReview             // a review remark, and with Item one of its shortcomings in force
	RefEvaluation         // a satisfaction survey or a pledge (评诺) an evaluation rectification cites
	RefRanking            // a monthly ranking, by its key "<area>-<month>"
)

func (k RefKind) String() string {
	switch k {
	case RefUnit:
		return "unit"
	case RefArea:
		return "area"
	case RefMember:
		return "member"
	case RefGroup:
		return "inspection group"
	case RefInspection:
		return "inspection"
	case RefReview:
		return "review remark"
	case RefEvaluation:
		return "evaluation"
	case RefRanking:
		return "ranking"
	}
	return fmt.Sprintf("RefKind(%d)", uint8(k))
}

// Ref is one reference a command makes to another entity: the body field
// that names it (a JSON path), what it is and its id. A command is refused
// (422 naming Field) when a reference does not exist at the command's
// business time, lies outside the caller's scope, or does not fit:
//   - Item, for an inspection or a review, is the finding or shortcoming
//     number (from 1) that must exist and be in force;
//   - InUnit, for a member, is the unit the member must belong to at the
//     command's business time (a review of a member is counted under the
//     member's unit);
//   - InArea, for a unit, is the area the unit must lie in (a ranking's
//     entries).
//
// The domain only declares references; checking them needs the log, so
// the write path's caller (the API) does it.
type Ref struct {
	Field     string
	Kind      RefKind
	ID        string
	Item      int
	ItemField string // the body field of Item
	InUnit    string
	InArea    string
}

// Referrer is a command that refers to other entities.
type Referrer interface {
	References() []Ref
}
