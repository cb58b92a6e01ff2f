package org

import (
	"time"

	"github.com/cxzy/ledger/domain"
)

// Area is a 片区: a grouping of units under one leader (包靠领导), the
// frame of the monthly on-site ranking.
type Area struct {
	ID      string
	Name    string
	Leader  string
	Version uint64 // events applied, so the stream version of the last one
}

// RegisterArea is the command that registers an area.
type RegisterArea struct {
	Name       string    `json:"name"`
	Leader     string    `json:"leader"` // the leader's name
	OccurredAt time.Time `json:"occurred_at"`
}

// RenameArea is the command that renames an area.
type RenameArea struct {
	Name       string    `json:"name"`
	OccurredAt time.Time `json:"occurred_at"`
}

// ChangeAreaLeader is the command that hands an area to another leader.
type ChangeAreaLeader struct {
	Leader     string    `json:"leader"`
	OccurredAt time.Time `json:"occurred_at"`
}

// AreaRegistered records a new area.
type AreaRegistered struct {
	AreaID     string    `json:"area_id"`
	Name       string    `json:"name"`
	Leader     string    `json:"leader"`
	OccurredAt time.Time `json:"occurred_at"`
}

// AreaRenamed records a new name; the previous one is kept for audit
// readers who see the event alone.
type AreaRenamed struct {
	AreaID       string    `json:"area_id"`
	Name         string    `json:"name"`
	PreviousName string    `json:"previous_name"`
	OccurredAt   time.Time `json:"occurred_at"`
}

// AreaLeaderChanged records a new leader.
type AreaLeaderChanged struct {
	AreaID         string    `json:"area_id"`
	Leader         string    `json:"leader"`
	PreviousLeader string    `json:"previous_leader"`
	OccurredAt     time.Time `json:"occurred_at"`
}

func (AreaRegistered) EventType() string    { return "area.registered" }
func (AreaRenamed) EventType() string       { return "area.renamed" }
func (AreaLeaderChanged) EventType() string { return "area.leader_changed" }

// Area events concern no single unit.
func (AreaRegistered) ScopeUnit() string    { return "" }
func (AreaRenamed) ScopeUnit() string       { return "" }
func (AreaLeaderChanged) ScopeUnit() string { return "" }

func (e AreaRegistered) OccurredTime() time.Time    { return e.OccurredAt }
func (e AreaRenamed) OccurredTime() time.Time       { return e.OccurredAt }
func (e AreaLeaderChanged) OccurredTime() time.Time { return e.OccurredAt }

// NewArea registers an area.
func NewArea(id string, cmd RegisterArea, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("area_id", id); err != nil {
		return nil, err
	}
	name, err := domain.CleanName("name", cmd.Name)
	if err != nil {
		return nil, err
	}
	leader, err := domain.CleanName("leader", cmd.Leader)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{AreaRegistered{AreaID: id, Name: name, Leader: leader, OccurredAt: at}}, nil
}

// Exists reports whether the area has been registered.
func (a *Area) Exists() bool { return a.ID != "" }

// Rename gives the area a new name.
func (a *Area) Rename(cmd RenameArea, meta domain.Meta) ([]domain.Event, error) {
	if !a.Exists() {
		return nil, domain.ErrNotFound
	}
	name, err := domain.CleanName("name", cmd.Name)
	if err != nil {
		return nil, err
	}
	if name == a.Name {
		return nil, domain.Invalid("name", "is already the area's name")
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{AreaRenamed{AreaID: a.ID, Name: name, PreviousName: a.Name, OccurredAt: at}}, nil
}

// ChangeLeader hands the area to another leader.
func (a *Area) ChangeLeader(cmd ChangeAreaLeader, meta domain.Meta) ([]domain.Event, error) {
	if !a.Exists() {
		return nil, domain.ErrNotFound
	}
	leader, err := domain.CleanName("leader", cmd.Leader)
	if err != nil {
		return nil, err
	}
	if leader == a.Leader {
		return nil, domain.Invalid("leader", "already leads the area")
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{AreaLeaderChanged{AreaID: a.ID, Leader: leader, PreviousLeader: a.Leader, OccurredAt: at}}, nil
}

// Apply rebuilds the area from one of its events; others are ignored.
func (a *Area) Apply(e domain.Event) {
	a.Version++
	switch e := e.(type) {
	case AreaRegistered:
		a.ID, a.Name, a.Leader = e.AreaID, e.Name, e.Leader
	case AreaRenamed:
		a.Name = e.Name
	case AreaLeaderChanged:
		a.Leader = e.Leader
	}
}
