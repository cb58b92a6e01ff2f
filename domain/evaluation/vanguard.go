package evaluation

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cxzy/ledger/domain"
)

// VanguardKind says whether a vanguard is a unit (collective) or a member
// (individual). The zero value is invalid.
type VanguardKind uint8

const (
	_ VanguardKind = iota
	// Collective is a unit selected as a vanguard (先进集体).
	Collective
	// Individual is a member selected as a vanguard (先锋个人).
	Individual
)

var vanguardKindEnum = domain.NewEnum[VanguardKind]("vanguard kind", "VanguardKind", "collective", "individual")

// ParseVanguardKind reads "collective" or "individual".
func ParseVanguardKind(s string) (VanguardKind, error) { return vanguardKindEnum.Parse(s) }

// Valid reports whether k is collective or individual.
func (k VanguardKind) Valid() bool { return vanguardKindEnum.Valid(k) }

func (k VanguardKind) String() string                { return vanguardKindEnum.String(k) }
func (k VanguardKind) MarshalText() ([]byte, error)  { return vanguardKindEnum.Marshal(k) }
func (k *VanguardKind) UnmarshalText(b []byte) error { return vanguardKindEnum.Unmarshal(b, k) }

// Category is a kind of vanguard (招商引资先锋, 新城建设先锋, ...). The
// categories are the district's to choose, so they are free text; Key is
// what counts group by, stable when the display name is reworded.
type Category struct {
	Key  string `json:"key"`  // lowercase ASCII: a-z, 0-9, _; such as "investment"
	Name string `json:"name"` // display name, such as 招商引资先锋
}

const maxCategoryKey = 64

func (c Category) clean() (Category, error) {
	if c.Key == "" || len(c.Key) > maxCategoryKey {
		return Category{}, domain.Invalid("category.key", "must be 1 to %d characters", maxCategoryKey)
	}
	for i, r := range c.Key {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return Category{}, domain.Invalid("category.key", "must be lowercase letters, digits and underscores, starting with a letter")
		}
	}
	name, err := domain.CleanName("category.name", c.Name)
	if err != nil {
		return Category{}, err
	}
	return Category{Key: c.Key, Name: name}, nil
}

// SelectVanguard is the command that records a vanguard selected for a
// quarter (一季一先锋).
type SelectVanguard struct {
	Kind       VanguardKind   `json:"kind"`
	UnitID     string         `json:"unit_id"`   // the unit selected, or the member's unit
	MemberID   string         `json:"member_id"` // the member selected; empty for a collective
	Category   Category       `json:"category"`
	Quarter    domain.Quarter `json:"quarter"`
	Citation   string         `json:"citation"` // deeds (先进事迹), optional
	OccurredAt time.Time      `json:"occurred_at"`
}

// RevokeVanguard is the command that revokes a selection.
type RevokeVanguard struct {
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// VanguardSelected records a vanguard.
type VanguardSelected struct {
	VanguardID string         `json:"vanguard_id"`
	Kind       VanguardKind   `json:"kind"`
	UnitID     string         `json:"unit_id"`
	MemberID   string         `json:"member_id,omitempty"`
	Category   Category       `json:"category"`
	Quarter    domain.Quarter `json:"quarter"`
	Citation   string         `json:"citation,omitempty"`
	OccurredAt time.Time      `json:"occurred_at"`
}

// VanguardRevoked records that a selection was revoked; it no longer
// counts.
type VanguardRevoked struct {
	VanguardID string    `json:"vanguard_id"`
	UnitID     string    `json:"unit_id"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

func (VanguardSelected) EventType() string { return "vanguard.selected" }
func (VanguardRevoked) EventType() string  { return "vanguard.revoked" }

func (e VanguardSelected) ScopeUnit() string { return e.UnitID }
func (e VanguardRevoked) ScopeUnit() string  { return e.UnitID }

func (e VanguardSelected) OccurredTime() time.Time { return e.OccurredAt }
func (e VanguardRevoked) OccurredTime() time.Time  { return e.OccurredAt }

// NewVanguard records a vanguard selection.
func NewVanguard(id string, cmd SelectVanguard, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("vanguard_id", id); err != nil {
		return nil, err
	}
	if !cmd.Kind.Valid() {
		return nil, domain.Invalid("kind", "must be collective or individual")
	}
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if cmd.Kind == Individual {
		if err := domain.CheckID("member_id", cmd.MemberID); err != nil {
			return nil, err
		}
	} else if cmd.MemberID != "" {
		return nil, domain.Invalid("member_id", "must be empty for a collective vanguard")
	}
	cat, err := cmd.Category.clean()
	if err != nil {
		return nil, err
	}
	if err := domain.CheckQuarter("quarter", cmd.Quarter); err != nil {
		return nil, err
	}
	citation, err := domain.OptionalText("citation", cmd.Citation, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{VanguardSelected{
		VanguardID: id, Kind: cmd.Kind, UnitID: cmd.UnitID, MemberID: cmd.MemberID,
		Category: cat, Quarter: cmd.Quarter, Citation: citation, OccurredAt: at,
	}}, nil
}

// Vanguard is a vanguard selection rebuilt from its stream.
type Vanguard struct {
	ID       string
	Kind     VanguardKind
	UnitID   string
	MemberID string
	Category Category
	Quarter  domain.Quarter
	Revoked  bool
	Version  uint64 // events applied, so the stream version of the last one
}

// Exists reports whether the selection has been recorded.
func (v *Vanguard) Exists() bool { return v.ID != "" }

// State names the selection's state: "selected" or "revoked".
func (v *Vanguard) State() string {
	if v.Revoked {
		return "revoked"
	}
	return "selected"
}

// Revoke revokes the selection; a reason is required.
func (v *Vanguard) Revoke(cmd RevokeVanguard, meta domain.Meta) ([]domain.Event, error) {
	if !v.Exists() {
		return nil, domain.ErrNotFound
	}
	if v.Revoked {
		return nil, &domain.TransitionError{Entity: EntityVanguard, ID: v.ID, From: v.State(), Command: "revoke"}
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{VanguardRevoked{VanguardID: v.ID, UnitID: v.UnitID, Reason: reason, OccurredAt: at}}, nil
}

// Apply rebuilds the selection from one of its events; others are ignored.
func (v *Vanguard) Apply(e domain.Event) {
	v.Version++
	switch e := e.(type) {
	case VanguardSelected:
		v.ID, v.Kind, v.UnitID, v.MemberID, v.Category, v.Quarter = e.VanguardID, e.Kind, e.UnitID, e.MemberID, e.Category, e.Quarter
	case VanguardRevoked:
		v.Revoked = true
	}
}

// References: the unit and, for an individual, the member, who must
// belong to it.
func (cmd SelectVanguard) References() []domain.Ref {
	refs := []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
	if cmd.MemberID != "" {
		refs = append(refs, domain.Ref{Field: "member_id", Kind: domain.RefMember, ID: cmd.MemberID, InUnit: cmd.UnitID})
	}
	return refs
}

// vanguardSpace is the namespace of vanguard ids derived from what a
// selection selects.
var vanguardSpace = uuid.MustParse("6f1d1c0e-2b7a-4f0e-9a51-3c1f4e2d8b90")

// VanguardID is the id of a selection, derived from whom it selects, the
// quarter and the category: the same member (or, for a collective, the
// same unit) can be selected once per quarter and category, and a second
// selection finds the first one's stream and is refused as a duplicate
// instead of being counted twice. Case and spacing of the category key do
// not make another selection.
func VanguardID(cmd SelectVanguard) string {
	who := "unit:" + cmd.UnitID
	if cmd.MemberID != "" {
		who = "member:" + cmd.MemberID
	}
	key := strings.ToLower(strings.TrimSpace(cmd.Category.Key))
	return uuid.NewSHA1(vanguardSpace, []byte(who+"\x00"+cmd.Quarter.String()+"\x00"+key)).String()
}
