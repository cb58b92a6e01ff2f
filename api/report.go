package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// Reports serves the campaign's year-end summary (GET
// /v1/reports/annual): every figure computed at the latest signed
// checkpoint in ClickHouse and again from the log, footnoted with its SQL
// and the checkpoint (package report). Only the office and analysts read
// it: the summary is the district's (or one area's), and a reader whose
// scope is a few units finds them in the lists; a summary cut to any
// scope would need every figure's SQL and recount cut the same way, and
// would show single units' figures that the trends hide (rule 9).
type Reports struct {
	// Reads gives the ClickHouse connection, its database, the zone and
	// the projections' position the report waits for.
	Reads *Reads
	Log   eventlog.Store
	// Sealer gives the latest signed checkpoint; the report is computed
	// at it.
	Sealer *seal.Sealer
	// Keys are the verifier keys the checkpoint is checked with before
	// anything is computed (the ones /v1/checkpoints/keys publishes).
	Keys []string
	// Registry decodes the log's events; nil is catalog.New().
	Registry *domain.Registry
}

// reportRoles read the year-end summary.
var reportRoles = []Role{RoleOffice, RoleAnalyst}

// reportParams are the query parameters of the summary.
var reportParams = []ReadParam{
	{Name: "year", Type: "integer", Description: "the year, 2000 to 2099 (required)"},
	{Name: "area", Type: "string", Description: "an area's summary; left out, the district's"},
	{Name: "format", Type: "string", Description: "md (default: Markdown), html (one page for A4 printing, quarterly charts in SVG), xlsx (one sheet of the figures with their footnotes) or json"},
}

// Report media types.
const (
	markdownType = "text/markdown; charset=utf-8"
	htmlType     = "text/html; charset=utf-8"
)

// Routes mounts the report (behind Authenticate).
func (rs *Reports) Routes(r chi.Router) {
	r.Get("/v1/reports/annual", requireRole(reportRoles, rs.annual))
}

func (rs *Reports) annual(w http.ResponseWriter, r *http.Request) {
	longRoute(w)
	q := newQuery(r, reportParams)
	year := q.int("year", 0, 2000, 2099)
	if year == 0 && q.err == nil {
		q.bad("year", "is required: a year from 2000 to 2099")
	}
	area := q.str("area")
	format := q.oneOf("format", "md", "html", "xlsx", "json")
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	cp, ok, err := rs.Sealer.Latest()
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if !ok {
		WriteProblem(w, r, NewProblem(http.StatusServiceUnavailable, "the ledger has signed no checkpoint yet, which the report's figures are computed at; retry after the next one (or POST /v1/checkpoints)", ""))
		return
	}
	src := report.Source{Log: rs.Log, Registry: rs.registry(), Conn: rs.Reads.Conn, DB: rs.Reads.DB, Loc: rs.Reads.loc(), Wait: rs.Reads.MaxWait,
		Position: rs.Reads.Position}
	if src.Wait <= 0 {
		src.Wait = 10 * time.Second
	}
	if len(rs.Keys) > 0 {
		if src.Trusted, _, err = seal.Verifiers(rs.Keys...); err != nil {
			WriteProblem(w, r, err)
			return
		}
	}
	rp, err := report.Build(r.Context(), src, cp, report.Params{Year: year, Area: area})
	switch {
	case errors.Is(err, report.ErrUnknownArea):
		WriteProblem(w, r, NewProblem(http.StatusNotFound, "area "+area+" is not registered", "area"))
		return
	case errors.Is(err, report.ErrNotProjected):
		WriteProblem(w, r, &Problem{Type: "/problems/not-yet-projected", Title: "Projections not yet there", Status: http.StatusServiceUnavailable,
			Detail: err.Error() + "; retry"})
		return
	case errors.Is(err, report.ErrNotSealed):
		WriteProblem(w, r, &Problem{Type: "/problems/integrity", Title: http.StatusText(http.StatusInternalServerError), Status: http.StatusInternalServerError,
			Detail: "the log's events do not have the root of the ledger's signed checkpoint: run ledgerctl verify"})
		return
	case err != nil:
		WriteProblem(w, r, viewsErr(err))
		return
	}
	w.Header().Set("X-Report-Disagreements", strconv.Itoa(rp.Disagreements))
	w.Header().Set("X-Report-Checkpoint", strconv.FormatUint(rp.Checkpoint.Size, 10))
	var body bytes.Buffer
	contentType := markdownType
	switch format {
	case "html":
		contentType, err = htmlType, rp.HTML(&body)
	case "xlsx":
		contentType, err = xlsxType, rp.XLSX(&body)
		w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("创先争优工作总结-%d.xlsx", year)))
	case "json":
		writeJSON(w, http.StatusOK, rp)
		return
	default:
		err = rp.Markdown(&body)
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(body.Bytes())
}

func (rs *Reports) registry() *domain.Registry {
	if rs.Registry != nil {
		return rs.Registry
	}
	return defaultRegistry()
}
