package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	evfiles "github.com/cxzy/ledger/evidence"
)

const (
	nAreas  = 15
	nGroups = 4
	// Calibrated volumes: events a unit brings whatever its members
	// (themes, its pledges, reviews, surveys, rankings, rectifications over
	// four quarters) and events one member brings (registration, pledges,
	// fulfilment reports, remarks). They turn --events into a district size.
	eventsPerUnit   = 120
	eventsPerMember = 19
)

type unitPlan struct {
	idx    int
	id     string
	name   string
	kind   org.Kind
	parent int // -1 for the district
	area   int // -1 for the district
	// members of the unit are m(memberOff+1) .. m(memberOff+members)
	members   int
	memberOff int
	renameAt  time.Time
	newName   string
	moveAt    time.Time
	newParent int
	newArea   int
}

// district is the plan of the demo: everything about it is computed from
// the seed, the volume and --until, so any part can be regenerated on
// demand without holding the rest.
type district struct {
	seed     int64
	loc      *time.Location
	until    domain.Date
	quarters []domain.Quarter
	origin   domain.Date // the day the district was set up, before the first quarter
	units    []unitPlan
	level1   []int
	level2   []int
	byArea   [nAreas][]int // units registered in each area (moves aside)
	nMembers int
	reports  int // most progress reports on a pledge
	// store receives the generated evidence files (nil: none are made);
	// files and fileBytes count what was stored.
	store     evfiles.Store
	files     atomic.Int64
	fileBytes atomic.Int64
}

func newDistrict(cfg Config) *district {
	d := &district{seed: cfg.Seed, loc: cfg.Loc, until: cfg.Until, store: cfg.Evidence}
	q := domain.QuarterOf(cfg.Until.Start(time.UTC))
	qs := []domain.Quarter{q}
	for len(qs) < 4 {
		p := prevQuarter(qs[0])
		qs = append([]domain.Quarter{p}, qs...)
	}
	d.quarters = qs
	d.origin = qs[0].FirstDay().AddDays(-12)

	nUnits := min(max(cfg.Events/200, 18), 300)
	nL1 := max(nAreas, (nUnits-1)/10)
	nL2 := nUnits - 1 - nL1
	// Big districts report progress more often, which makes a member
	// costlier: size the membership for that.
	avgMembers := max(2, (cfg.Events-nUnits*eventsPerUnit)/(nUnits*eventsPerMember))
	d.reports = 2 + min(6, avgMembers/40)
	perMember := eventsPerMember + 5*(d.reports-2)/2
	avgMembers = max(2, (cfg.Events-nUnits*eventsPerUnit)/(nUnits*perMember))

	r := rngFor(d.seed, "district")
	add := func(name string, kind org.Kind, parent, area int) int {
		i := len(d.units)
		d.units = append(d.units, unitPlan{idx: i, id: fmt.Sprintf("u%04d", i), name: name, kind: kind, parent: parent, area: area, newParent: -1, newArea: -1})
		if area >= 0 {
			d.byArea[area] = append(d.byArea[area], i)
		}
		return i
	}
	add("开发区党工委", org.KindDistrict, -1, -1)
	nStreet, nDept := 0, 0
	for i := range nL1 {
		area := i % nAreas
		var u int
		switch i % 3 {
		case 0:
			u = add(streetName(nStreet)+"党工委", org.KindStreet, 0, area)
			nStreet++
		case 1:
			name := departmentNames[nDept%len(departmentNames)]
			if nDept >= len(departmentNames) {
				name = fmt.Sprintf("%s第%d党总支", name, nDept/len(departmentNames)+1)
			}
			u = add(name+"党组", org.KindDepartment, 0, area)
			nDept++
		default:
			u = add(communityName(i)+"联合党总支", org.KindBigCommunity, 0, area)
		}
		d.level1 = append(d.level1, u)
	}
	for j := range nL2 {
		p := d.level1[(j+r.IntN(3))%nL1]
		parent := d.units[p]
		var kind org.Kind
		var name string
		switch parent.kind {
		case org.KindStreet:
			kind = pick(r, []org.Kind{org.KindVillage, org.KindVillage, org.KindEnterprise, org.KindBranch})
		case org.KindDepartment:
			kind = pick(r, []org.Kind{org.KindBranch, org.KindWindowUnit})
		default:
			kind = pick(r, []org.Kind{org.KindBranch, org.KindBranch, org.KindVillage, org.KindEnterprise})
		}
		switch kind {
		case org.KindVillage:
			name = villageName(j)
		case org.KindEnterprise:
			name = companyName(r)
		case org.KindWindowUnit:
			name = windowName(j)
		default:
			name = branchName(j)
		}
		d.level2 = append(d.level2, add(name, kind, p, parent.area))
	}
	// A few renames and moves, so the tree has history.
	q1, q2 := d.quarters[1].FirstDay(), d.quarters[2].FirstDay()
	for k := range 3 {
		u := &d.units[d.level2[(k*7+3)%len(d.level2)]]
		u.renameAt = d.work(q2.AddDays(10+k), r)
		switch u.kind {
		case org.KindVillage:
			u.newName = u.name[:len(u.name)-len("村党支部")] + "社区党支部"
		default:
			u.newName = u.name[:len(u.name)-len("党支部")] + "党总支"
		}
	}
	l1 := &d.units[d.level1[4]]
	l1.renameAt, l1.newName = d.work(q2.AddDays(20), r), l1.name+"（新）"
	for k := range 3 {
		u := &d.units[d.level2[(k*11+5)%len(d.level2)]]
		if u.newParent >= 0 {
			continue
		}
		var target int
		if k == 2 { // into another area
			target = d.level1[(indexOf(d.level1, u.parent)+1)%nL1]
		} else { // under another parent of the same area, if there is one
			target = d.level1[(indexOf(d.level1, u.parent)+nAreas)%nL1]
		}
		if target == u.parent {
			continue
		}
		u.moveAt, u.newParent, u.newArea = d.work(q1.AddDays(15+k), r), target, d.units[target].area
	}
	for i := range d.units {
		u := &d.units[i]
		n := avgMembers/2 + r.IntN(avgMembers+1)
		u.members, u.memberOff = max(n, 1), d.nMembers
		d.nMembers += u.members
	}
	return d
}

func prevQuarter(q domain.Quarter) domain.Quarter {
	if q.Q == 1 {
		return domain.Quarter{Year: q.Year - 1, Q: 4}
	}
	return domain.Quarter{Year: q.Year, Q: q.Q - 1}
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func (d *district) commandID(key, step string) string {
	if step == "" {
		return fmt.Sprintf("demo-%d-%s", d.seed, key)
	}
	return fmt.Sprintf("demo-%d-%s-%s", d.seed, key, step)
}

// work is a moment in office hours of a day.
func (d *district) work(day domain.Date, r *rand.Rand) time.Time {
	return day.Start(d.loc).Add(9*time.Hour + time.Duration(r.IntN(8*60))*time.Minute)
}

// at makes a step at business time t, recorded a few minutes later.
func at(t time.Time, r *rand.Rand, name string, actor domain.Actor) step {
	return step{name: name, at: t, rec: t.Add(time.Duration(r.IntN(20)) * time.Minute), actor: actor}
}

// parentAt and areaAt follow a unit's moves.
func (d *district) parentAt(u int, t time.Time) int {
	p := d.units[u]
	if p.newParent >= 0 && !t.Before(p.moveAt) {
		return p.newParent
	}
	return p.parent
}

func (d *district) areaAt(u int, t time.Time) int {
	p := d.units[u]
	if p.newArea >= 0 && !t.Before(p.moveAt) {
		return p.newArea
	}
	return p.area
}

// unitsInArea lists the units of an area at t, moves included.
func (d *district) unitsInArea(a int, t time.Time) []int {
	var out []int
	for i := 1; i < len(d.units); i++ {
		if d.areaAt(i, t) == a {
			out = append(out, i)
		}
	}
	return out
}

func groupOfArea(a int) int { return min(a/4, nGroups-1) }

func clerk(u string) domain.Actor { return domain.Actor{ID: "clerk-" + u, Unit: u} }

// superior is who acts for the unit above u at t: its officer, or the
// campaign office for the district itself.
func (d *district) superior(u int, t time.Time) domain.Actor {
	p := d.parentAt(u, t)
	if p < 0 {
		return office
	}
	return domain.Actor{ID: "superior-" + d.units[p].id, Unit: d.units[p].id}
}

var (
	office  = domain.Actor{ID: "office-1", Unit: "u0000"}
	watcher = domain.Actor{ID: "deadline-watcher"}
)

func inspector(g, n int) domain.Actor {
	return domain.Actor{ID: fmt.Sprintf("inspector-g%d-%d", g+1, n)}
}

func areaID(a int) string  { return fmt.Sprintf("a%02d", a+1) }
func groupID(g int) string { return fmt.Sprintf("g%d", g+1) }

// Members.

type memberPlan struct {
	idx     int
	id      string
	name    string
	unit    int
	cadre   bool
	moveAt  time.Time
	moveTo  int
	leaveAt time.Time
	points  []int // contact points
	endAt   time.Time
}

func memberID(i int) string { return fmt.Sprintf("m%06d", i+1) }

func (d *district) member(i int) memberPlan {
	u := sort.Search(len(d.units), func(k int) bool { return d.units[k].memberOff > i }) - 1
	r := rngFor(d.seed, memberID(i))
	m := memberPlan{idx: i, id: memberID(i), name: personName(r), unit: u, moveTo: -1}
	first := i - d.units[u].memberOff
	m.cadre = d.units[u].kind.Level() <= 1 && first < 2
	x := r.Float64()
	switch i {
	case d.nMembers - 1: // at least one member moves and one leaves
		x = 0.01
	case d.nMembers - 2:
		x = 0.025
	}
	switch {
	case m.cadre:
		n := 1 + r.IntN(2)
		for k := range n {
			m.points = append(m.points, d.level2[(i*5+k*3+r.IntN(3))%len(d.level2)])
		}
		if m.points[0] == m.points[len(m.points)-1] && n == 2 {
			m.points = m.points[:1]
		}
		if r.IntN(5) == 0 {
			m.endAt = d.work(d.quarters[2].FirstDay().AddDays(8), r)
		}
	case x < 0.02:
		m.moveTo = d.level2[r.IntN(len(d.level2))]
		if m.moveTo == u {
			m.moveTo = d.level2[(indexOf(d.level2, u)+1)%len(d.level2)]
		}
		m.moveAt = d.work(d.quarters[1].FirstDay().AddDays(1+r.IntN(5)), r)
	case x < 0.03:
		m.leaveAt = d.work(d.quarters[2].FirstDay().AddDays(3+r.IntN(5)), r)
	}
	return m
}

// unitAt is the member's unit at t, and false if they had left.
func (m memberPlan) unitAt(t time.Time) (int, bool) {
	if !m.leaveAt.IsZero() && !t.Before(m.leaveAt) {
		return m.unit, false
	}
	if m.moveTo >= 0 && !t.Before(m.moveAt) {
		return m.moveTo, true
	}
	return m.unit, true
}

func evidence(key string, n int, r *rand.Rand) []domain.Evidence {
	out := make([]domain.Evidence, n)
	for i := range out {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", key, i))
		kind := r.IntN(3)
		out[i] = domain.Evidence{
			SHA256:    hex.EncodeToString(sum[:]),
			Name:      []string{"现场照片", "会议记录", "整改报告"}[kind] + fmt.Sprintf("-%d", i+1) + []string{".jpg", ".pdf", ".pdf"}[kind],
			Size:      int64(20_000 + r.IntN(3_000_000)),
			MediaType: []string{"image/jpeg", "application/pdf", "application/pdf"}[kind],
		}
	}
	return out
}

// Org scripts.

func (d *district) areaScript(a int) script {
	key := areaID(a)
	r := rngFor(d.seed, key)
	id := key
	leader := personName(r)
	s := script{key: key}
	st := at(d.work(d.origin, r), r, "register", office)
	st.run = create(org.AreaStream(id), func(m domain.Meta) ([]domain.Event, error) {
		return org.NewArea(id, org.RegisterArea{Name: areaNames[a], Leader: leader, OccurredAt: st.at}, m)
	})
	s.steps = append(s.steps, st)
	if a == 6 {
		rn := at(d.work(d.quarters[1].FirstDay().AddDays(4), r), r, "rename", office)
		rn.run = exec(org.AreaStream(id), func() *org.Area { return &org.Area{} }, func(x *org.Area, m domain.Meta) ([]domain.Event, error) {
			return x.Rename(org.RenameArea{Name: "经济开发区片区", OccurredAt: rn.at}, m)
		})
		s.steps = append(s.steps, rn)
	}
	if a%5 == 2 {
		next := personName(r)
		if next == leader {
			next += "明"
		}
		lc := at(d.work(d.quarters[2].FirstDay().AddDays(2), r), r, "leader", office)
		lc.run = exec(org.AreaStream(id), func() *org.Area { return &org.Area{} }, func(x *org.Area, m domain.Meta) ([]domain.Event, error) {
			return x.ChangeLeader(org.ChangeAreaLeader{Leader: next, OccurredAt: lc.at}, m)
		})
		s.steps = append(s.steps, lc)
	}
	return s
}

func (d *district) groupScript(g int) script {
	key := groupID(g)
	r := rngFor(d.seed, key)
	s := script{key: key}
	stream := inspection.GroupStream(key)
	newG := func() *inspection.Group { return &inspection.Group{} }
	form := at(d.work(d.origin.AddDays(5), r), r, "form", office)
	form.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return inspection.NewGroup(key, inspection.FormGroup{
			Name:    fmt.Sprintf("第%s指导检查组", []string{"一", "二", "三", "四"}[g]),
			Members: []string{inspector(g, 1).ID, inspector(g, 2).ID, inspector(g, 3).ID}, OccurredAt: form.at,
		}, m)
	})
	s.steps = append(s.steps, form)
	t := form.at
	for a := range nAreas {
		if groupOfArea(a) != g {
			continue
		}
		t = t.Add(10 * time.Minute)
		as := at(t, r, "assign-"+areaID(a), office)
		target := inspection.Target{Kind: inspection.TargetArea, ID: areaID(a)}
		as.run = exec(stream, newG, func(x *inspection.Group, m domain.Meta) ([]domain.Event, error) {
			return x.Assign(inspection.AssignGroup{Target: target, OccurredAt: as.at}, m)
		})
		s.steps = append(s.steps, as)
	}
	if g == 1 {
		add := at(d.work(d.quarters[1].FirstDay().AddDays(1), r), r, "add-member", office)
		add.run = exec(stream, newG, func(x *inspection.Group, m domain.Meta) ([]domain.Event, error) {
			return x.AddMember(inspection.AddGroupMember{MemberID: inspector(g, 4).ID, OccurredAt: add.at}, m)
		})
		s.steps = append(s.steps, add)
	}
	return s
}

func (d *district) unitScript(ctx context.Context, sd *seeder, i int) script {
	u := d.units[i]
	r := rngFor(d.seed, u.id)
	s := script{key: u.id}
	stream := org.UnitStream(u.id)
	newU := func() *org.Unit { return &org.Unit{} }
	day := d.origin.AddDays(1 + u.kind.Level())
	reg := at(d.work(day, r), r, "register", office)
	reg.run = func(ctx context.Context, h *command.Handler, cmd command.Command) (command.Result, error) {
		var parent *org.Unit
		cmdR := org.RegisterUnit{Name: u.name, Kind: u.kind, OccurredAt: reg.at}
		if u.parent >= 0 {
			p, err := command.Load(ctx, h, org.UnitStream(d.units[u.parent].id), &org.Unit{})
			if err != nil {
				return command.Result{}, err
			}
			parent, cmdR.ParentID, cmdR.AreaID = p, d.units[u.parent].id, areaID(u.area)
		}
		return command.Create(ctx, h, stream, cmd, func(m domain.Meta) ([]domain.Event, error) {
			return org.NewUnit(u.id, cmdR, parent, m)
		})
	}
	s.steps = append(s.steps, reg)
	if u.newParent >= 0 {
		mv := at(u.moveAt, r, "move", office)
		mv.run = func(ctx context.Context, h *command.Handler, cmd command.Command) (command.Result, error) {
			p, err := command.Load(ctx, h, org.UnitStream(d.units[u.newParent].id), &org.Unit{})
			if err != nil {
				return command.Result{}, err
			}
			return command.Execute(ctx, h, stream, cmd, newU, func(x *org.Unit, m domain.Meta) ([]domain.Event, error) {
				return x.Move(org.MoveUnit{ParentID: p.ID, AreaID: areaID(u.newArea), OccurredAt: mv.at}, p, m)
			})
		}
		s.steps = append(s.steps, mv)
	}
	if u.newName != "" {
		rn := at(u.renameAt, r, "rename", office)
		rn.run = exec(stream, newU, func(x *org.Unit, m domain.Meta) ([]domain.Event, error) {
			return x.Rename(org.RenameUnit{Name: u.newName, OccurredAt: rn.at}, m)
		})
		s.steps = append(s.steps, rn)
	}
	return s
}

func (d *district) memberScript(i int) script {
	m := d.member(i)
	r := rngFor(d.seed, m.id+"/script")
	s := script{key: m.id}
	stream := org.MemberStream(m.id)
	newM := func() *org.Member { return &org.Member{} }
	unit := d.units[m.unit].id
	reg := at(d.work(d.origin.AddDays(4+r.IntN(6)), r), r, "register", clerk(unit))
	reg.run = create(stream, func(meta domain.Meta) ([]domain.Event, error) {
		return org.NewMember(m.id, org.RegisterMember{Name: m.name, UnitID: unit, OccurredAt: reg.at}, meta)
	})
	s.steps = append(s.steps, reg)
	t := reg.at
	for k, p := range m.points {
		t = t.Add(24 * time.Hour)
		pid := d.units[p].id
		cp := at(t, r, fmt.Sprintf("contact-%d", k+1), office)
		cp.run = exec(stream, newM, func(x *org.Member, meta domain.Meta) ([]domain.Event, error) {
			return x.AssignContactPoint(org.AssignContactPoint{UnitID: pid, OccurredAt: cp.at}, meta)
		})
		s.steps = append(s.steps, cp)
	}
	if !m.endAt.IsZero() {
		pid := d.units[m.points[0]].id
		end := at(m.endAt, r, "contact-end", office)
		end.run = exec(stream, newM, func(x *org.Member, meta domain.Meta) ([]domain.Event, error) {
			return x.EndContactPoint(org.EndContactPoint{UnitID: pid, Reason: "工作分工调整，联系点调换", OccurredAt: end.at}, meta)
		})
		s.steps = append(s.steps, end)
	}
	if m.moveTo >= 0 {
		to := d.units[m.moveTo].id
		mv := at(m.moveAt, r, "move", clerk(to))
		mv.run = exec(stream, newM, func(x *org.Member, meta domain.Meta) ([]domain.Event, error) {
			return x.Move(org.MoveMember{UnitID: to, OccurredAt: mv.at}, meta)
		})
		s.steps = append(s.steps, mv)
	}
	if !m.leaveAt.IsZero() {
		lv := at(m.leaveAt, r, "leave", clerk(unit))
		lv.run = exec(stream, newM, func(x *org.Member, meta domain.Meta) ([]domain.Event, error) {
			return x.Leave(org.LeaveMember{Reason: pick(r, []string{"组织关系转出本区", "工作调动，转出组织关系"}), OccurredAt: lv.at}, meta)
		})
		s.steps = append(s.steps, lv)
	}
	return s
}

func (d *district) themeScript(q, u int) script {
	qq := d.quarters[q]
	unit := d.units[u].id
	key := "theme-" + unit + "-" + qq.String()
	r := rngFor(d.seed, key)
	s := script{key: key}
	stream := org.ThemeStream(unit, qq)
	newT := func() *org.Theme { return &org.Theme{} }
	i := r.IntN(len(themeTexts))
	set := at(d.work(qq.FirstDay().AddDays(r.IntN(5)), r), r, "set", clerk(unit))
	set.run = create(stream, func(m domain.Meta) ([]domain.Event, error) {
		return org.NewTheme(org.SetTheme{UnitID: unit, Quarter: qq, Title: themeTexts[i], Description: themeDescription(qq), OccurredAt: set.at}, m)
	})
	set.count = func(f *tally) { f.themes.Add(1) }
	s.steps = append(s.steps, set)
	if r.IntN(25) == 0 || (q == 0 && u == 2) {
		j := (i + 1 + r.IntN(len(themeTexts)-1)) % len(themeTexts)
		rv := at(set.at.Add(time.Duration(5+r.IntN(10))*24*time.Hour), r, "revise", clerk(unit))
		rv.run = exec(stream, newT, func(x *org.Theme, m domain.Meta) ([]domain.Event, error) {
			return x.Revise(org.ReviseTheme{Title: themeTexts[j], Description: themeDescription(qq), Reason: "结合上级部署调整本季度主题", OccurredAt: rv.at}, m)
		})
		s.steps = append(s.steps, rv)
	}
	return s
}

func themeDescription(q domain.Quarter) string {
	return fmt.Sprintf("%d年第%d季度，围绕“蓝色经济、高效生态、创先争优”，强堡垒、做先锋、激活力", q.Year, q.Q)
}
