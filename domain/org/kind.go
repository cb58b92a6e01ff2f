package org

import "github.com/cxzy/ledger/domain"

// Kind is the kind of a unit, which fixes its level in the tree. The zero
// value is invalid.
type Kind uint8

const (
	_ Kind = iota
	// KindDistrict is the root of the tree (区).
	KindDistrict
	// KindStreet is a street office (街道).
	KindStreet
	// KindDepartment is a district department (部门).
	KindDepartment
	// KindBigCommunity is a big community (大社区).
	KindBigCommunity
	// KindBranch is a party branch (党支部).
	KindBranch
	// KindVillage is a village (村).
	KindVillage
	// KindEnterprise is a non-public enterprise (非公企业).
	KindEnterprise
	// KindWindowUnit is a window service unit (窗口单位).
	KindWindowUnit
)

var kindEnum = domain.NewEnum[Kind]("unit kind", "Kind", "district", "street", "department", "big_community", "branch", "village", "enterprise", "window_unit")

// Kinds lists every valid kind, root first.
func Kinds() []Kind { return kindEnum.Values() }

// ParseKind reads a kind's name ("street").
func ParseKind(s string) (Kind, error) { return kindEnum.Parse(s) }

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return kindEnum.Valid(k) }

func (k Kind) String() string { return kindEnum.String(k) }

// Level is the depth of units of this kind: 0 for the district, 1 for
// streets, departments and big communities, 2 for the units under them.
func (k Kind) Level() int {
	switch k {
	case KindDistrict:
		return 0
	case KindStreet, KindDepartment, KindBigCommunity:
		return 1
	case KindBranch, KindVillage, KindEnterprise, KindWindowUnit:
		return 2
	}
	return -1
}

// CanBeChildOf reports whether a unit of kind k may sit directly under a
// unit of kind parent: each level sits under the level above it, and the
// district under nothing.
func (k Kind) CanBeChildOf(parent Kind) bool {
	return k.Valid() && parent.Valid() && k.Level() == parent.Level()+1
}

func (k Kind) MarshalText() ([]byte, error)  { return kindEnum.Marshal(k) }
func (k *Kind) UnmarshalText(b []byte) error { return kindEnum.Unmarshal(b, k) }
