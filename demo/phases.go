package demo

import "context"

// part is one family of scripts within a phase.
type part struct {
	n   int
	gen func(i int) script
}

// join makes one phase of several families, so their scripts share the
// workers.
func join(name string, parts ...part) phase {
	total := 0
	for _, p := range parts {
		total += p.n
	}
	return phase{name: name, n: total, gen: func(i int) script {
		for _, p := range parts {
			if i < p.n {
				return p.gen(i)
			}
			i -= p.n
		}
		panic("demo: script index out of range")
	}}
}

// phases lists the work in dependency order: the tree level by level
// (NewUnit needs its parent), then members and groups, then everything
// that refers to units and members, then the rectifications that refer to
// reviews, inspections, surveys and rankings.
func (s *seeder) phases(ctx context.Context) []phase {
	d := s.d
	nq := len(d.quarters)
	nu := len(d.units)
	units := func(list []int) part {
		return part{len(list), func(i int) script { return d.unitScript(ctx, s, list[i]) }}
	}
	months := len(d.months())
	perGroup := d.inspectionsPerGroup()
	perQuarter := d.vanguardsPerQuarter()
	rects := d.rectPlans()
	return []phase{
		join("areas", part{nAreas, d.areaScript}, part{nGroups, d.groupScript}, units([]int{0})),
		join("streets and departments", units(d.level1)),
		join("units", units(d.level2)),
		join("members", part{d.nMembers, d.memberScript}),
		join("campaign",
			part{nq * nu, func(i int) script { return d.themeScript(i/nu, i%nu) }},
			part{nq * nu * 3, func(i int) script { return d.unitPledgeScript(i/(nu*3), i%(nu*3)/3, i%3) }},
			part{nq * nu, func(i int) script { return d.reviewScript(d.unitReview(i/nu, i%nu)) }},
			part{nq * nu, func(i int) script { return d.surveyScript(d.survey(i/nu, i%nu)) }},
			part{nq * nu, func(i int) script { return d.starScript(i/nu, i%nu) }},
			part{nq * perQuarter, func(i int) script { return d.vanguardScript(i/perQuarter, i%perQuarter) }},
			part{nAreas * months, func(i int) script { return d.rankingScript(d.ranking(i/months, i%months)) }},
			part{nq * nGroups * perGroup, func(i int) script {
				return d.inspectionScript(d.inspection(i/(nGroups*perGroup), i/perGroup%nGroups, i%perGroup))
			}},
			part{nq * d.nMembers, func(i int) script { return d.memberPledgeScript(i/d.nMembers, i%d.nMembers) }},
			part{nq * d.nMembers, func(i int) script {
				p, ok := d.memberReview(i/d.nMembers, i%d.nMembers)
				if !ok {
					return script{}
				}
				return d.reviewScript(p)
			}},
		),
		join("rectifications", part{len(rects), func(i int) script { return d.rectScript(rects[i]) }}),
	}
}
