package pledge_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/domaintest"
	"github.com/cxzy/ledger/domain/pledge"
)

var shanghai = domain.DefaultLocation()

// now is after the end of 2011Q3 in Shanghai, so a pledge for that quarter
// may lapse.
var now = time.Date(2011, 10, 8, 10, 0, 0, 0, shanghai)

func meta(t time.Time) domain.Meta {
	return domain.Meta{Actor: domain.Actor{ID: "clerk-1", Unit: "branch-7"}, Now: t, Loc: shanghai}
}

// asSuperior is m with the superior unit's reviewer as the actor: vetting,
// filing and evaluating are theirs, never the maker's.
func asSuperior(m domain.Meta) domain.Meta {
	m.Actor = domain.Actor{ID: "superior-1"}
	return m
}

func evidence(n int) domain.Evidence {
	return domain.Evidence{SHA256: strings.Repeat(fmt.Sprintf("%x", n%16), 64), Name: fmt.Sprintf("photo-%d.jpg", n), Size: 1024, MediaType: "image/jpeg"}
}

func submitCmd() pledge.SubmitCommand {
	return pledge.SubmitCommand{
		Maker: pledge.MakerUnit, Unit: "branch-7", Quarter: domain.Quarter{Year: 2011, Q: 3},
		Category: pledge.ServiceForMasses, Title: "Repair the well", Content: "Repair the village well by September.",
	}
}

// apply feeds the events of a decision to p, failing on the error.
func apply(tb testing.TB, p *pledge.Pledge, evs []domain.Event, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("decision: %v", err)
	}
	for _, e := range evs {
		p.Apply(e)
	}
}

// mustPledge builds a pledge in the given state through real decisions.
func mustPledge(tb testing.TB, s pledge.State) *pledge.Pledge {
	tb.Helper()
	p := &pledge.Pledge{}
	m := meta(now)
	evs, err := pledge.Submit("p1", submitCmd(), m)
	apply(tb, p, evs, err)
	switch s {
	case pledge.StateSubmitted:
	case pledge.StateReturned:
		evs, err := p.Return(pledge.ReturnCommand{Reason: "too vague"}, asSuperior(m))
		apply(tb, p, evs, err)
	case pledge.StateWithdrawn:
		evs, err := p.Withdraw(pledge.WithdrawCommand{Reason: "duplicate"}, m)
		apply(tb, p, evs, err)
	default:
		evs, err := p.File(pledge.FileCommand{}, asSuperior(m))
		apply(tb, p, evs, err)
		if s == pledge.StateFiled {
			break
		}
		evs, err = p.Disclose(pledge.DiscloseCommand{Channel: "notice board"}, m)
		apply(tb, p, evs, err)
		if s == pledge.StateDisclosed {
			break
		}
		evs, err = p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r1", Percent: 40, Narrative: "started"}, m)
		apply(tb, p, evs, err)
		switch s {
		case pledge.StateInProgress:
		case pledge.StateLapsed:
			evs, err = p.Lapse(pledge.LapseCommand{}, m)
			apply(tb, p, evs, err)
		case pledge.StateFulfilled, pledge.StateEvaluated:
			evs, err = p.Fulfil(pledge.FulfilCommand{Narrative: "done"}, m)
			apply(tb, p, evs, err)
			if s == pledge.StateEvaluated {
				evs, err = p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorOrganisation, Grade: pledge.Excellent, Score: 95}, asSuperior(m))
				apply(tb, p, evs, err)
			}
		default:
			tb.Fatalf("mustPledge: no recipe for state %v", s)
		}
	}
	if got := p.State(); got != s {
		tb.Fatalf("mustPledge: got state %v, want %v", got, s)
	}
	return p
}

type decision func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error)

// commands holds a valid command of every kind, keyed by name.
var commands = map[string]decision{
	"return": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Return(pledge.ReturnCommand{Reason: "be concrete"}, asSuperior(m))
	},
	"revise": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Revise(pledge.ReviseCommand{Category: pledge.StageTask, Title: "t2", Content: "c2"}, m)
	},
	"file": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.File(pledge.FileCommand{Note: "ok"}, asSuperior(m))
	},
	"disclose": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Disclose(pledge.DiscloseCommand{}, m)
	},
	"withdraw": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Withdraw(pledge.WithdrawCommand{Reason: "merged"}, m)
	},
	"report_progress": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r2", Percent: 70, Narrative: "more", Evidence: []domain.Evidence{evidence(1)}}, m)
	},
	"correct_report": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.CorrectReport(pledge.CorrectReportCommand{ReportID: "r1", Percent: 30, Narrative: "started", Reason: "typo"}, m)
	},
	"retract_report": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.RetractReport(pledge.RetractReportCommand{ReportID: "r1", Reason: "wrong pledge"}, m)
	},
	"fulfil": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Fulfil(pledge.FulfilCommand{Narrative: "done", Evidence: []domain.Evidence{evidence(2)}}, m)
	},
	"lapse": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Lapse(pledge.LapseCommand{Explanation: "funds arrived late"}, m)
	},
	"evaluate": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
		return p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorPublic, Grade: pledge.Good, Score: 80, Respondents: 40}, asSuperior(m))
	},
}

var allStates = []pledge.State{
	pledge.StateSubmitted, pledge.StateReturned, pledge.StateFiled, pledge.StateDisclosed, pledge.StateInProgress,
	pledge.StateFulfilled, pledge.StateLapsed, pledge.StateEvaluated, pledge.StateWithdrawn,
}

// TestTransitions covers every command from every state: the allowed ones
// (listed) give one event of the named type and the named state; every
// other pair gives a TransitionError.
func TestTransitions(t *testing.T) {
	type allowed struct {
		name  string
		from  pledge.State
		cmd   string
		event string
		to    pledge.State
	}
	allowedRows := []allowed{
		{"submitted returned", pledge.StateSubmitted, "return", "pledge.returned", pledge.StateReturned},
		{"returned revised", pledge.StateReturned, "revise", "pledge.revised", pledge.StateSubmitted},
		{"submitted filed", pledge.StateSubmitted, "file", "pledge.filed", pledge.StateFiled},
		{"submitted withdrawn", pledge.StateSubmitted, "withdraw", "pledge.withdrawn", pledge.StateWithdrawn},
		{"returned withdrawn", pledge.StateReturned, "withdraw", "pledge.withdrawn", pledge.StateWithdrawn},
		{"filed disclosed", pledge.StateFiled, "disclose", "pledge.disclosed", pledge.StateDisclosed},
		{"disclosed first report", pledge.StateDisclosed, "report_progress", "fulfilment.progress_reported", pledge.StateInProgress},
		{"in progress further report", pledge.StateInProgress, "report_progress", "fulfilment.progress_reported", pledge.StateInProgress},
		{"in progress correct report", pledge.StateInProgress, "correct_report", "fulfilment.report_corrected", pledge.StateInProgress},
		{"fulfilled correct report", pledge.StateFulfilled, "correct_report", "fulfilment.report_corrected", pledge.StateFulfilled},
		{"lapsed correct report", pledge.StateLapsed, "correct_report", "fulfilment.report_corrected", pledge.StateLapsed},
		{"evaluated correct report", pledge.StateEvaluated, "correct_report", "fulfilment.report_corrected", pledge.StateEvaluated},
		{"in progress retract report", pledge.StateInProgress, "retract_report", "fulfilment.report_retracted", pledge.StateInProgress},
		{"fulfilled retract report", pledge.StateFulfilled, "retract_report", "fulfilment.report_retracted", pledge.StateFulfilled},
		{"lapsed retract report", pledge.StateLapsed, "retract_report", "fulfilment.report_retracted", pledge.StateLapsed},
		{"evaluated retract report", pledge.StateEvaluated, "retract_report", "fulfilment.report_retracted", pledge.StateEvaluated},
		{"disclosed fulfilled directly", pledge.StateDisclosed, "fulfil", "fulfilment.fulfilled", pledge.StateFulfilled},
		{"in progress fulfilled", pledge.StateInProgress, "fulfil", "fulfilment.fulfilled", pledge.StateFulfilled},
		{"filed lapsed", pledge.StateFiled, "lapse", "fulfilment.lapsed", pledge.StateLapsed},
		{"disclosed lapsed", pledge.StateDisclosed, "lapse", "fulfilment.lapsed", pledge.StateLapsed},
		{"in progress lapsed", pledge.StateInProgress, "lapse", "fulfilment.lapsed", pledge.StateLapsed},
		{"fulfilled evaluated", pledge.StateFulfilled, "evaluate", "pledge.evaluated", pledge.StateEvaluated},
		{"lapsed evaluated", pledge.StateLapsed, "evaluate", "pledge.evaluated", pledge.StateEvaluated},
		{"evaluated by another kind", pledge.StateEvaluated, "evaluate", "pledge.evaluated", pledge.StateEvaluated},
	}
	type row struct {
		name  string
		from  pledge.State
		cmd   string
		event string // empty: rejected
		to    pledge.State
	}
	var rows []row
	ok := map[[2]string]bool{}
	for _, a := range allowedRows {
		rows = append(rows, row(a))
		ok[[2]string{a.from.String(), a.cmd}] = true
	}
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, s := range allStates {
		for _, c := range names {
			if !ok[[2]string{s.String(), c}] {
				rows = append(rows, row{name: fmt.Sprintf("%s rejects %s", s, c), from: s, cmd: c})
			}
		}
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPledge(t, tc.from)
			evs, err := commands[tc.cmd](p, meta(now))
			if tc.event == "" {
				domaintest.Check(t, evs, err, domaintest.RefusedIn(pledge.Entity, "p1", tc.from.String()))
				return
			}
			domaintest.Check(t, evs, err, domaintest.Emits(tc.event))
			if got := evs[0].(domain.Scoped).ScopeUnit(); got != "branch-7" {
				t.Errorf("got scope unit %q, want branch-7", got)
			}
			apply(t, p, evs, nil)
			if got := p.State(); got != tc.to {
				t.Errorf("got state %v, want %v", got, tc.to)
			}
		})
	}
	if got, want := len(rows), len(allStates)*len(commands); got != want {
		t.Errorf("got %d rows, want %d (every command from every state)", got, want)
	}
}

func TestDecisionsWithoutHistory(t *testing.T) {
	for name, c := range commands {
		t.Run(name, func(t *testing.T) {
			evs, err := c(&pledge.Pledge{}, meta(now))
			domaintest.Check(t, evs, err, domaintest.Fails(domain.ErrNotFound))
		})
	}
}

func TestSubmitExisting(t *testing.T) {
	for _, s := range allStates {
		t.Run(s.String(), func(t *testing.T) {
			p := mustPledge(t, s)
			_, err := p.Submit("p1", submitCmd(), meta(now))
			if !errors.Is(err, domain.ErrAlreadyExists) {
				t.Errorf("got %v, want domain.ErrAlreadyExists", err)
			}
		})
	}
	evs, err := (&pledge.Pledge{}).Submit("p2", submitCmd(), meta(now))
	if err != nil || len(evs) != 1 {
		t.Fatalf("got %v, %v; want one event", evs, err)
	}
}

func TestSubmitRecordsPledge(t *testing.T) {
	cmd := submitCmd()
	cmd.Maker, cmd.Member, cmd.Category = pledge.MakerMember, "member-3", pledge.Integrity
	at := time.Date(2011, 7, 2, 9, 0, 0, 0, shanghai)
	cmd.OccurredAt = at
	evs, err := pledge.Submit("p9", cmd, meta(now))
	if err != nil {
		t.Fatal(err)
	}
	want := pledge.Submitted{
		PledgeID: "p9", Maker: pledge.MakerMember, Unit: "branch-7", Member: "member-3",
		Quarter: domain.Quarter{Year: 2011, Q: 3}, Category: pledge.Integrity, Title: cmd.Title, Content: cmd.Content,
		By: "clerk-1", OccurredAt: at.UTC(),
	}
	if !reflect.DeepEqual(evs, []domain.Event{want}) {
		t.Errorf("got %#v, want %#v", evs, want)
	}
	if got := evs[0].(domain.Timed).OccurredTime(); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("got occurred %v, want %v in UTC", got, at)
	}
	if got, want := pledge.Stream("p9"), "pledge-p9"; got != want {
		t.Errorf("got stream %q, want %q", got, want)
	}
	var p pledge.Pledge
	apply(t, &p, evs, nil)
	if p.ID() != "p9" || p.Member() != "member-3" || p.Maker() != pledge.MakerMember || p.Category() != pledge.Integrity ||
		p.Quarter() != (domain.Quarter{Year: 2011, Q: 3}) || p.Title() != cmd.Title || p.Content() != cmd.Content ||
		p.Unit() != "branch-7" || !p.SubmittedAt().Equal(at) {
		t.Errorf("got pledge %+v, want the submitted one", p)
	}
}

func TestValidation(t *testing.T) {
	m := meta(now)
	sub := func(f func(*pledge.SubmitCommand)) func() error {
		return func() error {
			c := submitCmd()
			f(&c)
			_, err := pledge.Submit("p1", c, m)
			return err
		}
	}
	on := func(s pledge.State, d decision) func() error {
		return func() error {
			_, err := d(mustPledge(t, s), m)
			return err
		}
	}
	long := strings.Repeat("字", pledge.MaxText+1)
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"empty id", func() error { _, err := pledge.Submit("", submitCmd(), m); return err }, "id"},
		{"id with space", func() error { _, err := pledge.Submit("a b", submitCmd(), m); return err }, "id"},
		{"no maker", sub(func(c *pledge.SubmitCommand) { c.Maker = 0 }), "maker"},
		{"no unit", sub(func(c *pledge.SubmitCommand) { c.Unit = "" }), "unit"},
		{"member pledge without member", sub(func(c *pledge.SubmitCommand) { c.Maker, c.Category = pledge.MakerMember, pledge.Duty }), "member"},
		{"unit pledge with member", sub(func(c *pledge.SubmitCommand) { c.Member = "m1" }), "member"},
		{"no quarter", sub(func(c *pledge.SubmitCommand) { c.Quarter = domain.Quarter{} }), "quarter"},
		{"no category", sub(func(c *pledge.SubmitCommand) { c.Category = 0 }), "category"},
		{"member category for unit", sub(func(c *pledge.SubmitCommand) { c.Category = pledge.Duty }), "category"},
		{"unit category for member", sub(func(c *pledge.SubmitCommand) { c.Maker, c.Member = pledge.MakerMember, "m1" }), "category"},
		{"blank title", sub(func(c *pledge.SubmitCommand) { c.Title = "  " }), "title"},
		{"long title", sub(func(c *pledge.SubmitCommand) { c.Title = strings.Repeat("x", pledge.MaxTitle+1) }), "title"},
		{"no content", sub(func(c *pledge.SubmitCommand) { c.Content = "" }), "content"},
		{"long content", sub(func(c *pledge.SubmitCommand) { c.Content = long }), "content"},
		{"future occurred_at", sub(func(c *pledge.SubmitCommand) { c.OccurredAt = now.Add(time.Minute) }), "occurred_at"},
		{"return without reason", on(pledge.StateSubmitted, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Return(pledge.ReturnCommand{}, asSuperior(m))
		}), "reason"},
		{"revise to member category", on(pledge.StateReturned, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Revise(pledge.ReviseCommand{Category: pledge.Duty, Title: "t", Content: "c"}, m)
		}), "category"},
		{"revise without title", on(pledge.StateReturned, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Revise(pledge.ReviseCommand{Category: pledge.StageTask, Content: "c"}, m)
		}), "title"},
		{"withdraw without reason", on(pledge.StateSubmitted, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Withdraw(pledge.WithdrawCommand{}, m)
		}), "reason"},
		{"file with long note", on(pledge.StateSubmitted, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.File(pledge.FileCommand{Note: long}, asSuperior(m))
		}), "note"},
		{"report without id", on(pledge.StateDisclosed, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.ReportProgress(pledge.ReportProgressCommand{Percent: 10, Narrative: "n"}, m)
		}), "report_id"},
		{"report id reused", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r1", Percent: 10, Narrative: "n"}, m)
		}), "report_id"},
		{"percent over 100", on(pledge.StateDisclosed, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r", Percent: 101, Narrative: "n"}, m)
		}), "percent"},
		{"negative percent", on(pledge.StateDisclosed, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r", Percent: -1, Narrative: "n"}, m)
		}), "percent"},
		{"report without narrative", on(pledge.StateDisclosed, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r", Percent: 1}, m)
		}), "narrative"},
		{"report with bad hash", on(pledge.StateDisclosed, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			e := evidence(1)
			e.SHA256 = "abc"
			return p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r", Percent: 1, Narrative: "n", Evidence: []domain.Evidence{evidence(2), e}}, m)
		}), "evidence[1].sha256"},
		{"correct unknown report", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.CorrectReport(pledge.CorrectReportCommand{ReportID: "nope", Percent: 1, Narrative: "n", Reason: "r"}, m)
		}), "report_id"},
		{"correct without reason", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.CorrectReport(pledge.CorrectReportCommand{ReportID: "r1", Percent: 1, Narrative: "n"}, m)
		}), "reason"},
		{"correct with bad percent", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.CorrectReport(pledge.CorrectReportCommand{ReportID: "r1", Percent: 200, Narrative: "n", Reason: "r"}, m)
		}), "percent"},
		{"retract without report id", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.RetractReport(pledge.RetractReportCommand{Reason: "r"}, m)
		}), "report_id"},
		{"retract without reason", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.RetractReport(pledge.RetractReportCommand{ReportID: "r1"}, m)
		}), "reason"},
		{"fulfil without narrative", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Fulfil(pledge.FulfilCommand{}, m)
		}), "narrative"},
		{"fulfil with duplicate evidence", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Fulfil(pledge.FulfilCommand{Narrative: "n", Evidence: []domain.Evidence{evidence(1), evidence(1)}}, m)
		}), "evidence[1].sha256"},
		{"lapse with long explanation", on(pledge.StateInProgress, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Lapse(pledge.LapseCommand{Explanation: long}, m)
		}), "explanation"},
		{"evaluate without evaluator", on(pledge.StateFulfilled, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Evaluate(pledge.EvaluateCommand{Grade: pledge.Good, Score: 80}, asSuperior(m))
		}), "evaluator"},
		{"evaluate without grade", on(pledge.StateFulfilled, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorMembers, Score: 80}, asSuperior(m))
		}), "grade"},
		{"evaluate with score over 100", on(pledge.StateFulfilled, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorMembers, Grade: pledge.Good, Score: 100.5}, asSuperior(m))
		}), "score"},
		{"evaluate with negative respondents", on(pledge.StateFulfilled, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorMembers, Grade: pledge.Good, Score: 80, Respondents: -1}, asSuperior(m))
		}), "respondents"},
		{"re-evaluate without reason", on(pledge.StateEvaluated, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorOrganisation, Grade: pledge.Good, Score: 80}, asSuperior(m))
		}), "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			domaintest.Check(t, nil, tc.run(), domaintest.Invalid(tc.field))
		})
	}
}

func TestLapseBeforePeriodEnd(t *testing.T) {
	p := mustPledge(t, pledge.StateInProgress)
	last := time.Date(2011, 9, 30, 23, 59, 59, 0, shanghai)
	_, err := p.Lapse(pledge.LapseCommand{}, meta(last))
	if !errors.Is(err, pledge.ErrPeriodNotEnded) {
		t.Fatalf("at %v: got %v, want ErrPeriodNotEnded", last, err)
	}
	// 2011-09-30 16:00 UTC is 00:00 on 1 October in Shanghai.
	evs, err := p.Lapse(pledge.LapseCommand{}, meta(time.Date(2011, 9, 30, 16, 0, 0, 0, time.UTC)))
	if err != nil || len(evs) != 1 {
		t.Fatalf("at the boundary: got %v, %v; want one event", evs, err)
	}
	apply(t, p, evs, nil)
	if p.Explanation() != "" || p.LapsedAt().IsZero() {
		t.Errorf("got explanation %q lapsed at %v, want none and a time", p.Explanation(), p.LapsedAt())
	}
	// The business time decides, not the ledger clock.
	q := mustPledge(t, pledge.StateDisclosed)
	if _, err := q.Lapse(pledge.LapseCommand{OccurredAt: last}, meta(now)); !errors.Is(err, pledge.ErrPeriodNotEnded) {
		t.Errorf("backdated: got %v, want ErrPeriodNotEnded", err)
	}
}

func TestReportCorrectionAndRetraction(t *testing.T) {
	p := mustPledge(t, pledge.StateInProgress)
	m := meta(now)
	do(t, p)(p.ReportProgress(pledge.ReportProgressCommand{ReportID: "r2", Percent: 80, Narrative: "most", Evidence: []domain.Evidence{evidence(3)}}, m))
	if got := p.Progress(); got != 80 {
		t.Fatalf("got progress %d, want 80", got)
	}
	do(t, p)(p.CorrectReport(pledge.CorrectReportCommand{ReportID: "r2", Percent: 60, Narrative: "less than said", Evidence: []domain.Evidence{evidence(4)}, Reason: "miscounted"}, m))
	reports := p.Reports()
	if len(reports) != 2 {
		t.Fatalf("got %d reports, want 2", len(reports))
	}
	r2 := reports[1]
	if r2.ID != "r2" || r2.Percent != 60 || r2.Narrative != "less than said" || r2.Corrections != 1 ||
		!reflect.DeepEqual(r2.Evidence, []domain.Evidence{evidence(4)}) || r2.CorrectedAt.IsZero() {
		t.Errorf("got corrected report %+v, want 60%% with new evidence and one correction", r2)
	}
	if got := p.Progress(); got != 60 {
		t.Errorf("got progress %d after correction, want 60", got)
	}
	do(t, p)(p.RetractReport(pledge.RetractReportCommand{ReportID: "r2", Reason: "belongs to another pledge"}, m))
	if got := p.Progress(); got != 40 {
		t.Errorf("got progress %d after retraction, want 40 (r1)", got)
	}
	if r := p.Reports()[1]; !r.Retracted || r.RetractReason != "belongs to another pledge" {
		t.Errorf("got %+v, want retracted", r)
	}
	for name, d := range map[string]decision{
		"correct": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.CorrectReport(pledge.CorrectReportCommand{ReportID: "r2", Percent: 1, Narrative: "n", Reason: "r"}, m)
		},
		"retract": func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.RetractReport(pledge.RetractReportCommand{ReportID: "r2", Reason: "r"}, m)
		},
	} {
		var ve *domain.ValidationError
		if _, err := d(p, m); !errors.As(err, &ve) || ve.Field != "report_id" {
			t.Errorf("%s a retracted report: got %v, want a validation error on report_id", name, err)
		}
	}
	do(t, p)(p.Fulfil(pledge.FulfilCommand{Narrative: "done"}, m))
	if got := p.Progress(); got != 100 {
		t.Errorf("got progress %d once fulfilled, want 100", got)
	}
	if p.FulfilledAt().IsZero() {
		t.Error("got no fulfilment time")
	}
}

// do returns a function that applies a decision's result to p, so a
// decision call can be passed to it directly.
func do(tb testing.TB, p *pledge.Pledge) func([]domain.Event, error) {
	tb.Helper()
	return func(evs []domain.Event, err error) {
		tb.Helper()
		apply(tb, p, evs, err)
	}
}

func TestReturnAndRevise(t *testing.T) {
	p := mustPledge(t, pledge.StateReturned)
	m := meta(now)
	if p.Returns() != 1 || p.LastReturnReason() != "too vague" {
		t.Errorf("got returns %d reason %q, want 1 and the reason", p.Returns(), p.LastReturnReason())
	}
	do(t, p)(p.Revise(pledge.ReviseCommand{Category: pledge.StageTask, Title: "new", Content: "concrete"}, m))
	if p.State() != pledge.StateSubmitted || p.Title() != "new" || p.Content() != "concrete" || p.Category() != pledge.StageTask {
		t.Errorf("got %v %q %q %v, want the revised submitted pledge", p.State(), p.Title(), p.Content(), p.Category())
	}
	do(t, p)(p.File(pledge.FileCommand{}, asSuperior(m)))
	do(t, p)(p.Disclose(pledge.DiscloseCommand{}, m))
	if p.FiledAt().IsZero() || p.DisclosedAt().IsZero() {
		t.Error("got no filing or disclosure time")
	}
}

func TestEvaluationReplacesAndCombines(t *testing.T) {
	p := mustPledge(t, pledge.StateEvaluated) // organisation: excellent 95
	m := meta(now)
	do(t, p)(p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorPublic, Grade: pledge.Fair, Score: 70, Respondents: 120}, asSuperior(m)))
	got, ok := p.Evaluation(pledge.DefaultWeights())
	// (0.4·95 + 0.3·70) / 0.7 = 84.2857...
	if !ok || got.Score != 84.29 || got.Grade != pledge.Good || !slices.Equal(got.Evaluators, []pledge.Evaluator{pledge.EvaluatorOrganisation, pledge.EvaluatorPublic}) {
		t.Errorf("got %+v, %v; want 84.29 good from organisation and public", got, ok)
	}
	evs, err := p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorOrganisation, Grade: pledge.Good, Score: 85, Reason: "recount"}, asSuperior(m))
	if err != nil {
		t.Fatal(err)
	}
	if e := evs[0].(pledge.Evaluated); !e.Replaces {
		t.Errorf("got %+v, want Replaces", e)
	}
	apply(t, p, evs, nil)
	ratings := p.Ratings()
	if len(ratings) != 2 || ratings[0].Score != 85 || ratings[0].Replaced != 1 || ratings[1].Respondents != 120 {
		t.Errorf("got ratings %+v, want organisation 85 (replaced once) and public", ratings)
	}
}

func TestCombine(t *testing.T) {
	r := func(e pledge.Evaluator, s float64) pledge.Rating { return pledge.Rating{Evaluator: e, Score: s} }
	tests := []struct {
		name    string
		ratings []pledge.Rating
		weights pledge.Weights
		score   float64
		grade   pledge.Grade
		ok      bool
	}{
		{"all three", []pledge.Rating{r(pledge.EvaluatorOrganisation, 90), r(pledge.EvaluatorMembers, 80), r(pledge.EvaluatorPublic, 70)}, pledge.DefaultWeights(), 81, pledge.Good, true},
		{"organisation alone", []pledge.Rating{r(pledge.EvaluatorOrganisation, 88)}, pledge.DefaultWeights(), 88, pledge.Good, true},
		{"members and public renormalised", []pledge.Rating{r(pledge.EvaluatorMembers, 90), r(pledge.EvaluatorPublic, 60)}, pledge.DefaultWeights(), 75, pledge.Good, true},
		{"organisation and members at 90", []pledge.Rating{r(pledge.EvaluatorOrganisation, 90), r(pledge.EvaluatorMembers, 90)}, pledge.DefaultWeights(), 90, pledge.Excellent, true},
		{"last of a kind counts", []pledge.Rating{r(pledge.EvaluatorPublic, 10), r(pledge.EvaluatorPublic, 65)}, pledge.DefaultWeights(), 65, pledge.Fair, true},
		{"poor", []pledge.Rating{r(pledge.EvaluatorPublic, 59.99)}, pledge.DefaultWeights(), 59.99, pledge.Poor, true},
		{"zero weight left out", []pledge.Rating{r(pledge.EvaluatorOrganisation, 100), r(pledge.EvaluatorPublic, 50)}, pledge.Weights{Public: 1}, 50, pledge.Poor, true},
		{"no ratings", nil, pledge.DefaultWeights(), 0, 0, false},
		{"only zero-weight kinds", []pledge.Rating{r(pledge.EvaluatorMembers, 80)}, pledge.Weights{Organisation: 1}, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := pledge.Combine(tc.ratings, tc.weights)
			if ok != tc.ok || got.Score != tc.score || got.Grade != tc.grade {
				t.Errorf("got %+v, %v; want score %v grade %v, %v", got, ok, tc.score, tc.grade, tc.ok)
			}
		})
	}
}

func TestGradeOf(t *testing.T) {
	tests := []struct {
		score float64
		want  pledge.Grade
	}{{100, pledge.Excellent}, {90, pledge.Excellent}, {89.99, pledge.Good}, {75, pledge.Good}, {74.5, pledge.Fair}, {60, pledge.Fair}, {59, pledge.Poor}, {0, pledge.Poor}}
	for _, tc := range tests {
		if got := pledge.GradeOf(tc.score); got != tc.want {
			t.Errorf("GradeOf(%v): got %v, want %v", tc.score, got, tc.want)
		}
	}
}

func TestApplyIgnoresOddEvents(t *testing.T) {
	p := &pledge.Pledge{}
	p.Apply(pledge.Filed{PledgeID: "p1"}) // before creation
	p.Apply(nil)
	if p.Exists() {
		t.Fatal("got a pledge from a non-creating event")
	}
	p = mustPledge(t, pledge.StateSubmitted)
	p.Apply(pledge.Filed{PledgeID: "other"})
	p.Apply(pledge.Submitted{PledgeID: "p1", Title: "again"})
	p.Apply(pledge.ReportCorrected{PledgeID: "p1", ReportID: "missing"})
	p.Apply(pledge.ReportRetracted{PledgeID: "p1", ReportID: "missing"})
	p.Apply(nil)
	p.Apply(unknown{})
	if p.State() != pledge.StateSubmitted || p.Title() != submitCmd().Title || len(p.Reports()) != 0 {
		t.Errorf("got %v %q, want the pledge unchanged", p.State(), p.Title())
	}
	// A progress report recorded twice with the same id counts once.
	q := mustPledge(t, pledge.StateInProgress)
	q.Apply(pledge.ProgressReported{PledgeID: "p1", ReportID: "r1", Percent: 99})
	if n, pc := len(q.Reports()), q.Progress(); n != 1 || pc != 40 {
		t.Errorf("got %d reports at %d%%, want 1 at 40%%", n, pc)
	}
}

type unknown struct{}

func (unknown) EventType() string { return "pledge.from_the_future" }

// sampleEvents has one event of every type with every field set.
func sampleEvents() []domain.Event {
	at := time.Date(2011, 9, 1, 2, 3, 4, 5, time.UTC)
	ev := []domain.Evidence{evidence(1), evidence(2)}
	q := domain.Quarter{Year: 2011, Q: 3}
	return []domain.Event{
		pledge.Submitted{PledgeID: "p1", Maker: pledge.MakerMember, Unit: "u1", Member: "m1", Quarter: q, Category: pledge.ServingMasses, Title: "t", Content: "承诺", OccurredAt: at},
		pledge.Returned{PledgeID: "p1", Unit: "u1", Reason: "r", OccurredAt: at},
		pledge.Revised{PledgeID: "p1", Unit: "u1", Category: pledge.Duty, Title: "t", Content: "c", OccurredAt: at},
		pledge.Filed{PledgeID: "p1", Unit: "u1", Note: "n", OccurredAt: at},
		pledge.Disclosed{PledgeID: "p1", Unit: "u1", Channel: "board", OccurredAt: at},
		pledge.Withdrawn{PledgeID: "p1", Unit: "u1", Reason: "r", OccurredAt: at},
		pledge.ProgressReported{PledgeID: "p1", Unit: "u1", ReportID: "r1", Percent: 50, Narrative: "n", Evidence: ev, OccurredAt: at},
		pledge.ReportCorrected{PledgeID: "p1", Unit: "u1", ReportID: "r1", Percent: 40, Narrative: "n", Evidence: ev, Reason: "r", OccurredAt: at},
		pledge.ReportRetracted{PledgeID: "p1", Unit: "u1", ReportID: "r1", Reason: "r", OccurredAt: at},
		pledge.Fulfilled{PledgeID: "p1", Unit: "u1", Narrative: "n", Evidence: ev, OccurredAt: at},
		pledge.Lapsed{PledgeID: "p1", Unit: "u1", Explanation: "e", OccurredAt: at},
		pledge.Evaluated{PledgeID: "p1", Unit: "u1", Evaluator: pledge.EvaluatorPublic, Grade: pledge.Fair, Score: 66.5, Respondents: 30, Replaces: true, Reason: "r", OccurredAt: at},
	}
}

func TestCodecsRoundTrip(t *testing.T) {
	samples := sampleEvents()
	domaintest.CheckCodecs(t, pledge.Codecs(), samples)
	for _, e := range samples {
		typ := e.EventType()
		if !strings.HasPrefix(typ, "pledge.") && !strings.HasPrefix(typ, "fulfilment.") {
			t.Errorf("got type %q, want a pledge. or fulfilment. name", typ)
		}
		if got := e.(domain.Scoped).ScopeUnit(); got != "u1" {
			t.Errorf("%s: got scope %q, want u1", typ, got)
		}
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"pledge_id":"p1"`) {
			t.Errorf("got %s, want a pledge_id", data)
		}
	}
}

func TestDecodeRejectsBadEnum(t *testing.T) {
	var c domain.Codec
	for _, x := range pledge.Codecs() {
		if x.Type == "pledge.submitted" {
			c = x
		}
	}
	if _, err := c.Decode([]byte(`{"pledge_id":"p1","maker":"robot"}`), 1); err == nil {
		t.Error("got no error for an unknown maker, want one")
	}
}

func TestEnums(t *testing.T) {
	bad := []string{"", "Submitted", "bogus"}
	t.Run("state", func(t *testing.T) {
		domaintest.CheckEnum(t, pledge.ParseState, []string{"submitted", "returned", "filed", "disclosed", "in_progress", "fulfilled", "lapsed", "evaluated", "withdrawn"}, bad...)
	})
	t.Run("maker", func(t *testing.T) { domaintest.CheckEnum(t, pledge.ParseMaker, []string{"unit", "member"}, bad...) })
	t.Run("category", func(t *testing.T) {
		domaintest.CheckEnum(t, pledge.ParseCategory, []string{"stage_task", "service_for_masses", "self_improvement", "duty", "serving_masses", "integrity"}, bad...)
	})
	t.Run("grade", func(t *testing.T) {
		domaintest.CheckEnum(t, pledge.ParseGrade, []string{"excellent", "good", "fair", "poor"}, bad...)
	})
	t.Run("evaluator", func(t *testing.T) {
		domaintest.CheckEnum(t, pledge.ParseEvaluator, []string{"members", "public", "organisation"}, bad...)
	})
	if _, err := pledge.State(0).MarshalText(); err == nil {
		t.Error("zero state marshalled, want an error")
	}
	var s pledge.State
	if err := s.UnmarshalText([]byte("filed")); err != nil || s != pledge.StateFiled {
		t.Errorf("got %v, %v; want filed", s, err)
	}
	for c, want := range map[pledge.Category]pledge.Maker{pledge.StageTask: pledge.MakerUnit, pledge.SelfImprovement: pledge.MakerUnit, pledge.Integrity: pledge.MakerMember, 0: 0} {
		if got := c.Maker(); got != want {
			t.Errorf("%v.Maker(): got %v, want %v", c, got, want)
		}
	}
}

// TestMakerMayNotVetOwnPledge: a principal who submitted, revised or
// reported on a pledge may not return, file or evaluate it, whatever roles
// it holds (issue 10, row 1: separation of duty on principals).
func TestMakerMayNotVetOwnPledge(t *testing.T) {
	tests := []struct {
		name   string
		from   pledge.State
		decide func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error)
	}{
		{"return", pledge.StateSubmitted, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Return(pledge.ReturnCommand{Reason: "vague"}, m)
		}},
		{"file", pledge.StateSubmitted, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.File(pledge.FileCommand{}, m)
		}},
		{"evaluate", pledge.StateFulfilled, func(p *pledge.Pledge, m domain.Meta) ([]domain.Event, error) {
			return p.Evaluate(pledge.EvaluateCommand{Evaluator: pledge.EvaluatorOrganisation, Grade: pledge.Good, Score: 90}, m)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPledge(t, tc.from)
			if evs, err := tc.decide(p, meta(now)); !errors.Is(err, domain.ErrSeparationOfDuty) {
				t.Fatalf("the maker clerk-1 decides %s: got %v, %v; want ErrSeparationOfDuty", tc.name, evs, err)
			}
			if _, err := tc.decide(p, asSuperior(meta(now))); err != nil {
				t.Fatalf("superior-1 decides %s: %v", tc.name, err)
			}
		})
	}
}
