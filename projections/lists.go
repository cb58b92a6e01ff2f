package projections

import (
	"context"
	"fmt"
	"time"
)

// ReviewFilter selects review remarks. Empty fields do not filter; Units
// restricts to a set of units (a reader's scope); Forms lists review forms
// ("on_site"); Limit defaults to 100 (at most 1000); After is the last id
// of the previous page.
type ReviewFilter struct {
	Area, Unit, Quarter string
	Units, Forms        []string
	Limit               int
	After               string
}

// ReviewRow is one review remark as the list shows it: the counts of its
// content in force.
type ReviewRow struct {
	ID                    string    `json:"id"`
	Subject               string    `json:"subject"`
	Unit                  string    `json:"unit"`
	Member                string    `json:"member"`
	Area                  string    `json:"area"`
	UnitKind              string    `json:"unit_kind"`
	Form                  string    `json:"form"`
	Quarter               string    `json:"quarter"`
	Month                 string    `json:"month"`
	Reviewer              string    `json:"reviewer"`
	Shortcomings          uint32    `json:"shortcomings"`
	Measures              uint32    `json:"measures"`
	RectificationsOrdered uint32    `json:"rectifications_ordered"`
	Corrections           uint32    `json:"corrections"`
	Retracted             bool      `json:"retracted"`
	OccurredAt            time.Time `json:"occurred_at,omitzero"`
}

// QueryReviews lists review remarks ordered by id, and the cursor of the
// next page ("" after the last). Every filtered column is fixed for a
// remark, so the filter applies inside the FINAL read.
func QueryReviews(ctx context.Context, q Querier, db string, f ReviewFilter) ([]ReviewRow, string, error) {
	limit := pageLimit(f.Limit)
	var w sqlFilter
	w.add("id > ?", f.After)
	w.eq("area", f.Area)
	w.eq("unit", f.Unit)
	w.eq("quarter", f.Quarter)
	w.in("unit", f.Units)
	w.in("form", f.Forms)
	query := `SELECT id, subject, unit, member, area, unit_kind, form, quarter, month, reviewer,
		shortcomings, measures, rectifications_ordered, corrections, retracted, occurred_at
		FROM ` + db + "." + reviewsTable + " FINAL" + w.where() + fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	var out []ReviewRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r ReviewRow
		var retracted uint8
		if err := scan(&r.ID, &r.Subject, &r.Unit, &r.Member, &r.Area, &r.UnitKind, &r.Form, &r.Quarter, &r.Month, &r.Reviewer,
			&r.Shortcomings, &r.Measures, &r.RectificationsOrdered, &r.Corrections, &retracted, &r.OccurredAt); err != nil {
			return err
		}
		r.Retracted, r.OccurredAt = retracted == 1, notYet(r.OccurredAt)
		out = append(out, r)
		return nil
	}, w.args...)
	return page(out, limit, func(r ReviewRow) string { return r.ID }, err)
}

// InspectionFilter selects inspections (special and random checks).
// Empty fields do not filter; Units restricts to a set of units; States
// lists inspection states; Limit and After page by id.
type InspectionFilter struct {
	Group, Unit   string
	Units, States []string
	Limit         int
	After         string
}

// InspectionRow is one inspection with its findings in force.
type InspectionRow struct {
	ID                            string    `json:"id"`
	Group                         string    `json:"group"`
	Unit                          string    `json:"unit"`
	Kind                          string    `json:"kind"`
	StartedAt                     time.Time `json:"started_at,omitzero"`
	CompletedAt                   time.Time `json:"completed_at,omitzero"`
	Findings                      uint32    `json:"findings"`
	FindingsOrderingRectification uint32    `json:"findings_ordering_rectification"`
	State                         string    `json:"state"`
}

// QueryInspections lists inspections ordered by id, and the cursor of the
// next page. The state changes over an inspection's life, so it is
// filtered after the FINAL read, never inside it, where an old version
// of the row could match.
func QueryInspections(ctx context.Context, q Querier, db string, f InspectionFilter) ([]InspectionRow, string, error) {
	limit := pageLimit(f.Limit)
	var inner sqlFilter
	inner.add("id > ?", f.After)
	inner.eq("group_id", f.Group)
	inner.eq("unit_id", f.Unit)
	inner.in("unit_id", f.Units)
	var outer sqlFilter
	outer.in("state", f.States)
	query := `SELECT id, group_id, unit_id, kind, started_at, completed_at, findings, findings_ordering_rectification, state
		FROM (SELECT * FROM ` + db + ".inspections FINAL" + inner.where() + ")" + outer.where() +
		fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	var out []InspectionRow
	err := queryEach(ctx, q, query, func(scan func(...any) error) error {
		var r InspectionRow
		if err := scan(&r.ID, &r.Group, &r.Unit, &r.Kind, &r.StartedAt, &r.CompletedAt, &r.Findings,
			&r.FindingsOrderingRectification, &r.State); err != nil {
			return err
		}
		r.StartedAt, r.CompletedAt = notYet(r.StartedAt), notYet(r.CompletedAt)
		out = append(out, r)
		return nil
	}, append(inner.args, outer.args...)...)
	return page(out, limit, func(r InspectionRow) string { return r.ID }, err)
}

// page cuts a result read with one row more than the limit to the limit,
// and returns the cursor of the next page: the last id, or "" when the
// extra row was not there.
func page[T any](rows []T, limit int, id func(T) string, err error) ([]T, string, error) {
	if err != nil {
		return nil, "", err
	}
	if len(rows) <= limit {
		return rows, "", nil
	}
	rows = rows[:limit]
	return rows, id(rows[limit-1]), nil
}
