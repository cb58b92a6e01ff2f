package evaluation

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cxzy/ledger/domain"
)

// Stars is a star rating, 1 to 5 (星级). The zero value is invalid. It is
// stored as a JSON number.
type Stars uint8

// ParseStars reads "1" to "5".
func ParseStars(s string) (Stars, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("stars %q: want 1 to 5", s)
	}
	return Stars(n), nil
}

// Valid reports whether s is 1 to 5.
func (s Stars) Valid() bool { return s >= 1 && s <= 5 }

// RateStars is the command that awards a unit its star rating for a
// period.
type RateStars struct {
	UnitID     string    `json:"unit_id"`
	Period     Period    `json:"period"`
	Stars      Stars     `json:"stars"`
	Basis      string    `json:"basis"` // why, optional
	OccurredAt time.Time `json:"occurred_at"`
}

// ReviseStars is the command that changes an awarded rating.
type ReviseStars struct {
	Stars      Stars     `json:"stars"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
}

// StarRatingAwarded records a unit's star rating for a period.
type StarRatingAwarded struct {
	UnitID     string    `json:"unit_id"`
	Period     Period    `json:"period"`
	Stars      Stars     `json:"stars"`
	Basis      string    `json:"basis,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// StarRatingRevised records a changed rating; Supersedes is the stream
// version of the event whose rating it replaces.
type StarRatingRevised struct {
	UnitID        string    `json:"unit_id"`
	Period        Period    `json:"period"`
	Stars         Stars     `json:"stars"`
	PreviousStars Stars     `json:"previous_stars"`
	Reason        string    `json:"reason"`
	Supersedes    uint64    `json:"supersedes_version"`
	OccurredAt    time.Time `json:"occurred_at"`
}

func (StarRatingAwarded) EventType() string { return "star_rating.awarded" }
func (StarRatingRevised) EventType() string { return "star_rating.revised" }

func (e StarRatingAwarded) ScopeUnit() string { return e.UnitID }
func (e StarRatingRevised) ScopeUnit() string { return e.UnitID }

func (e StarRatingAwarded) OccurredTime() time.Time { return e.OccurredAt }
func (e StarRatingRevised) OccurredTime() time.Time { return e.OccurredAt }

// NewStarRating awards a unit its rating for a period; its stream is
// StarRatingStream(cmd.UnitID, cmd.Period).
func NewStarRating(cmd RateStars, meta domain.Meta) ([]domain.Event, error) {
	if err := domain.CheckID("unit_id", cmd.UnitID); err != nil {
		return nil, err
	}
	if !cmd.Period.Valid() {
		return nil, domain.Invalid("period", "must be a year, quarter or month such as 2011")
	}
	if !cmd.Stars.Valid() {
		return nil, domain.Invalid("stars", "must be 1 to 5")
	}
	basis, err := domain.OptionalText("basis", cmd.Basis, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{StarRatingAwarded{UnitID: cmd.UnitID, Period: cmd.Period, Stars: cmd.Stars, Basis: basis, OccurredAt: at}}, nil
}

// StarRating is a unit's rating for a period, rebuilt from its stream.
type StarRating struct {
	UnitID    string
	Period    Period
	Stars     Stars
	InForce   uint64 // stream version of the event whose rating is in force
	Revisions int
	Version   uint64 // events applied, so the stream version of the last one
}

// Exists reports whether the rating has been awarded.
func (r *StarRating) Exists() bool { return r.UnitID != "" }

// Revise changes the rating; a reason is required.
func (r *StarRating) Revise(cmd ReviseStars, meta domain.Meta) ([]domain.Event, error) {
	if !r.Exists() {
		return nil, domain.ErrNotFound
	}
	if !cmd.Stars.Valid() {
		return nil, domain.Invalid("stars", "must be 1 to 5")
	}
	if cmd.Stars == r.Stars {
		return nil, domain.Invalid("stars", "the unit already has %d stars", r.Stars)
	}
	reason, err := domain.CleanText("reason", cmd.Reason, domain.MaxTextRunes)
	if err != nil {
		return nil, err
	}
	at, err := domain.OccurredAt(cmd.OccurredAt, meta)
	if err != nil {
		return nil, err
	}
	return []domain.Event{StarRatingRevised{
		UnitID: r.UnitID, Period: r.Period, Stars: cmd.Stars, PreviousStars: r.Stars,
		Reason: reason, Supersedes: r.InForce, OccurredAt: at,
	}}, nil
}

// Apply rebuilds the rating from one of its events; others are ignored.
func (r *StarRating) Apply(e domain.Event) {
	r.Version++
	switch e := e.(type) {
	case StarRatingAwarded:
		r.UnitID, r.Period, r.Stars = e.UnitID, e.Period, e.Stars
		r.InForce = r.Version
	case StarRatingRevised:
		r.Stars = e.Stars
		r.Revisions++
		r.InForce = r.Version
	}
}

// References: the unit rated.
func (cmd RateStars) References() []domain.Ref {
	return []domain.Ref{{Field: "unit_id", Kind: domain.RefUnit, ID: cmd.UnitID}}
}
