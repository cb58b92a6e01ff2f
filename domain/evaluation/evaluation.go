// Package evaluation holds how units and members are assessed besides the
// evaluation of pledges: satisfaction surveys (群众满意度测评), vanguard
// selection (先锋评选), star ratings (星级创评) and the monthly on-site
// ranking of units within each area (月度观摩点评). Each is an aggregate
// rebuilt from its own stream; decisions return events and do no I/O.
package evaluation

import "github.com/cxzy/ledger/domain"

// Entity names, as used in streams and in TransitionError.
const (
	EntitySurvey     = "survey"
	EntityVanguard   = "vanguard"
	EntityStarRating = "star_rating"
	EntityRanking    = "ranking"
)

// SurveyStream is the stream of one satisfaction survey.
func SurveyStream(id string) string { return "survey-" + id }

// VanguardStream is the stream of one vanguard selection.
func VanguardStream(id string) string { return "vanguard-" + id }

// StarRatingStream is the stream of a unit's star rating for a period: one
// rating per unit per period, so the name is the identity.
func StarRatingStream(unitID string, p Period) string {
	return "starrating-" + unitID + "-" + p.String()
}

// RankingStream is the stream of an area's ranking for a month.
func RankingStream(areaID string, m domain.Month) string {
	return "ranking-" + areaID + "-" + m.String()
}

// Codecs lists every event type of the package at its current schema
// version.
func Codecs() []domain.Codec {
	return []domain.Codec{
		domain.JSONCodec[SurveyRecorded](1),
		domain.JSONCodec[SurveyCorrected](1),
		domain.JSONCodec[VanguardSelected](1),
		domain.JSONCodec[VanguardRevoked](1),
		domain.JSONCodec[StarRatingAwarded](1),
		domain.JSONCodec[StarRatingRevised](1),
		domain.JSONCodec[RankingPublished](1),
		domain.JSONCodec[RankingSuperseded](1),
	}
}
