package org

import (
	"time"

	"github.com/cxzy/ledger/domain"
)

// Theme is a unit's theme for one quarter (一季一主题). It is set once;
// a change is a revision that supersedes the event in force and points at
// it, so both stay on record.
type Theme struct {
	UnitID      string
	Quarter     domain.Quarter
	Title       string
	Description string
	Revisions   int    // how many times the theme was revised
	InForce     uint64 // stream version of the event whose text is in force
	Version     uint64 // events applied, so the stream version of the last one
}

// SetTheme is the command that sets a unit's theme for a quarter.
type SetTheme struct {
	UnitID      string         `json:"unit_id"`
	Quarter     domain.Quarter `json:"quarter"`
	Title       string         `json:"title"`
	Description string         `json:"description"` // optional
	OccurredAt  time.Time      `json:"occurred_at"`
}

// ReviseTheme is the command that replaces a theme's text.
type ReviseTheme struct {
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Reason      string    `json:"reason"` // optional
	OccurredAt  time.Time `json:"occurred_at"`
}

// ThemeSet records a unit's theme for a quarter.
type ThemeSet struct {
	UnitID      string         `json:"unit_id"`
	Quarter     domain.Quarter `json:"quarter"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	OccurredAt  time.Time      `json:"occurred_at"`
}

// ThemeRevised records a new text for a theme. Supersedes is the stream
// version of the event (set or an earlier revision) whose text it replaces.
type ThemeRevised struct {
	UnitID      string         `json:"unit_id"`
	Quarter     domain.Quarter `json:"quarter"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	Supersedes  uint64         `json:"supersedes_version"`
	OccurredAt  time.Time      `json:"occurred_at"`
}

func (ThemeSet) EventType() string     { return "theme.set" }
func (ThemeRevised) EventType() string { return "theme.revised" }

func (e ThemeSet) ScopeUnit() string     { return e.UnitID }
func (e ThemeRevised) ScopeUnit() string { return e.UnitID }

func (e ThemeSet) OccurredTime() time.Time     { return e.OccurredAt }
func (e ThemeRevised) OccurredTime() time.Time { return e.OccurredAt }

// NewTheme sets a unit's theme for a quarter; its stream is
// ThemeStream(cmd.UnitID, cmd.Quarter).
func NewTheme(cmd SetTheme, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if err := domain.CheckQuarter("quarter", cmd.Quarter); err != nil {
		return nil, err
	}
	title, err := domain.CleanName("title", cmd.Title)
	if err != nil {
		return nil, err
	}
	desc, err := domain.OptionalText("description", cmd.Description, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ThemeSet{UnitID: cmd.UnitID, Quarter: cmd.Quarter, Title: title, Description: desc, OccurredAt: at}}, nil
}

// Exists reports whether the theme has been set.
func (t *Theme) Exists() bool { return t.UnitID != "" }

// Revise replaces the theme's text; the revision points at the event it
// supersedes.
func (t *Theme) Revise(cmd ReviseTheme, meta domain.Meta) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.ErrNotFound
	}
	title, err := domain.CleanName("title", cmd.Title)
	if err != nil {
		return nil, err
	}
	desc, err := domain.OptionalText("description", cmd.Description, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	if title == t.Title && desc == t.Description {
		return nil, domain.Invalid("title", "the theme already reads so")
	}
	reason, err := domain.OptionalText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{ThemeRevised{
		UnitID: t.UnitID, Quarter: t.Quarter, Title: title, Description: desc,
		Reason: reason, Supersedes: t.InForce, OccurredAt: at,
	}}, nil
}

// Apply rebuilds the theme from one of its events; others are ignored.
func (t *Theme) Apply(e domain.Event) {
	t.Version++
	switch e := e.(type) {
	case ThemeSet:
		t.UnitID, t.Quarter, t.Title, t.Description = e.UnitID, e.Quarter, e.Title, e.Description
		t.InForce = t.Version
	case ThemeRevised:
		t.Title, t.Description = e.Title, e.Description
		t.Revisions++
		t.InForce = t.Version
	}
}

// References: the unit whose theme it is.
func (cmd SetTheme) References() []domain.Ref {
	return []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
}
