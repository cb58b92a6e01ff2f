package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/seal"
)

// Seals serves the verifiable history: the ledger's public keys and
// signed checkpoints (public: they reveal nothing but sizes and hashes,
// and an outside auditor must be able to fetch them), consistency proofs
// (public too), and, for authenticated readers in scope, inclusion proofs
// and evidence packs of the events themselves.
type Seals struct {
	Sealer *seal.Sealer
	Log    eventlog.Store
	Scope  Scope
	// Keys are the verifier keys to publish ("name+id+key"): the current
	// one first, then earlier ones, which keep old checkpoints verifiable.
	Keys []string
}

// KeysAnswer lists the keys checkpoints are signed with.
type KeysAnswer struct {
	Keys []string `json:"keys"`
	Note string   `json:"note"`
}

// InclusionAnswer proves one event is leaf LeafIndex of a checkpoint.
type InclusionAnswer struct {
	Event      eventlog.Event  `json:"event"`
	LeafIndex  uint64          `json:"leaf_index"`
	Proof      [][]byte        `json:"inclusion_proof"`
	Checkpoint seal.Checkpoint `json:"checkpoint"`
}

// sealRoles may seal on demand.
var sealRoles = []Role{RoleOffice, RoleAdmin}

// PublicRoutes mounts what needs no token.
func (s *Seals) PublicRoutes(r chi.Router) {
	r.Get("/v1/checkpoints/keys", s.keys)
	r.Get("/v1/checkpoints/latest", s.latest)
	r.Get("/v1/checkpoints/{size}", s.bySize)
	r.Get("/v1/proofs/consistency", s.consistency)
}

// Routes mounts what needs a token (behind Authenticate).
func (s *Seals) Routes(r chi.Router) {
	r.Post("/v1/checkpoints", requireRole(sealRoles, s.sealNow))
	r.Get("/v1/proofs/inclusion", requireRole(historyRoles, s.inclusion))
	r.Get("/v1/evidence/streams/{stream}", requireRole(historyRoles, s.streamPack))
	r.Get("/v1/evidence/units/{unit}", requireRole(historyRoles, s.unitPack))
}

// maxPackScan bounds the events a unit-and-period pack reads: a period the
// log cannot narrow (KurrentDB has no time index) or a very busy one is
// refused with advice, not left to run for minutes.
const maxPackScan = 2_000_000

// noParams answers 400 to a request of a route that takes no query
// parameters but was given some, and reports whether it did.
func noParams(w http.ResponseWriter, r *http.Request) bool {
	if q := newQuery(r, nil); q.err != nil {
		WriteProblem(w, r, q.err)
		return true
	}
	return false
}

func (s *Seals) keys(w http.ResponseWriter, r *http.Request) {
	if noParams(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, KeysAnswer{Keys: s.Keys,
		Note: "Ed25519 verifier keys of signed notes (golang.org/x/mod/sumdb/note); the first signs new checkpoints"})
}

func (s *Seals) latest(w http.ResponseWriter, r *http.Request) {
	if noParams(w, r) {
		return
	}
	cp, ok, err := s.Sealer.Latest()
	if err == nil && !ok {
		err = NewProblem(http.StatusNotFound, "no checkpoint has been sealed yet", "")
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

// checkpointAt finds the checkpoint of exactly size events, naming field
// in the problem if there is none.
func (s *Seals) checkpointAt(size uint64, field string) (seal.Checkpoint, error) {
	cp, ok, err := s.Sealer.CheckpointAt(size)
	if err == nil && !ok {
		err = NewProblem(http.StatusNotFound, fmt.Sprintf("no checkpoint of %d events", size), field)
	}
	return cp, err
}

func (s *Seals) bySize(w http.ResponseWriter, r *http.Request) {
	if noParams(w, r) {
		return
	}
	size, err := strconv.ParseUint(chi.URLParam(r, "size"), 10, 64)
	if err != nil {
		WriteProblem(w, r, NewProblem(http.StatusBadRequest, "size must be a whole number", "size"))
		return
	}
	cp, err := s.checkpointAt(size, "size")
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

func (s *Seals) consistency(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, []ReadParam{{Name: "from"}, {Name: "to"}})
	from, to := q.uint("from"), q.uint("to")
	if q.err == nil && (from == 0 || to < from) {
		q.bad("from", "want 0 < from <= to, two checkpoint sizes")
	}
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	proof, err := s.Sealer.Tree.ConsistencyProof(from, to)
	if errors.Is(err, seal.ErrSize) {
		err = NewProblem(http.StatusNotFound, err.Error(), "to")
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, seal.Consistency{FromSize: from, ToSize: to, Proof: proof})
}

func (s *Seals) sealNow(w http.ResponseWriter, r *http.Request) {
	cp, err := s.Sealer.SealLog(r.Context())
	if errors.Is(err, seal.ErrNoKey) {
		err = NewProblem(http.StatusServiceUnavailable, "this replica does not sign checkpoints: the one holding the signing key does", "")
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

// target finds the checkpoint a proof is asked against: size, or the
// latest when size is 0; and sinceSize, a checkpoint the reader holds
// (0: none).
func (s *Seals) target(size, sinceSize uint64) (cp seal.Checkpoint, since *seal.Checkpoint, err error) {
	if size > 0 {
		cp, err = s.checkpointAt(size, "size")
	} else {
		var ok bool
		cp, ok, err = s.Sealer.Latest()
		if err == nil && !ok {
			err = NewProblem(http.StatusNotFound, "no checkpoint has been sealed yet", "")
		}
	}
	if err != nil || sinceSize == 0 {
		return cp, nil, err
	}
	held, err := s.checkpointAt(sinceSize, "since")
	return cp, &held, err
}

// inclusion proves one event. The order of the answers keeps what the
// caller may not see hidden: parameters (400), then scope and the
// stream's existence (403 alike, or 404 to the office), then the
// checkpoint and the version (404), then whether it is sealed (409).
func (s *Seals) inclusion(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := newQuery(r, []ReadParam{{Name: "stream"}, {Name: "version"}, {Name: "size"}})
	stream, version, size := q.str("stream"), q.uint("version"), q.uint("size")
	if q.err == nil && (stream == "" || version == 0) {
		q.bad("stream", "give the event's stream and version")
	}
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	events, err := streamInScope(r, s.Log, s.Scope, p, stream)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	cp, _, err := s.target(size, 0)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	i := slices.IndexFunc(events, func(e eventlog.Event) bool { return e.Version == version })
	if i < 0 {
		WriteProblem(w, r, NewProblem(http.StatusNotFound, fmt.Sprintf("no version %d of %s", version, stream), "version"))
		return
	}
	e := events[i]
	index, err := s.Sealer.Tree.IndexOf(e.Position)
	if err == nil && index >= cp.Size {
		err = seal.ErrSize
	}
	if errors.Is(err, seal.ErrSize) {
		err = NewProblem(http.StatusConflict, fmt.Sprintf("the event is not sealed yet: checkpoint %d does not include it; seal and ask again", cp.Size), "")
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	proof, err := s.Sealer.Tree.InclusionProof(index, cp.Size)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, InclusionAnswer{Event: e, LeafIndex: index, Proof: proof, Checkpoint: cp})
}

// streamPack answers the evidence pack of a whole stream: every event of
// it up to the checkpoint, proved in it.
func (s *Seals) streamPack(w http.ResponseWriter, r *http.Request) {
	longRoute(w)
	p, _ := PrincipalFrom(r.Context())
	stream := chi.URLParam(r, "stream")
	q := newQuery(r, []ReadParam{{Name: "size"}, {Name: "since"}})
	size, sinceSize := q.uint("size"), q.uint("since")
	if q.err != nil {
		WriteProblem(w, r, q.err)
		return
	}
	events, err := streamInScope(r, s.Log, s.Scope, p, stream)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	cp, since, err := s.target(size, sinceSize)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	// Only what the checkpoint seals: later events are for a later pack.
	for i, e := range events {
		index, err := s.Sealer.Tree.IndexOf(e.Position)
		if errors.Is(err, seal.ErrSize) || err == nil && index >= cp.Size {
			events = events[:i]
			break
		}
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
	}
	if len(events) == 0 {
		WriteProblem(w, r, NewProblem(http.StatusConflict, fmt.Sprintf("checkpoint %d seals no event of %s yet; seal and ask again", cp.Size, stream), ""))
		return
	}
	pack, err := seal.BuildPack(r.Context(), s.Sealer.Tree, cp, "every event of stream "+stream+" up to checkpoint "+strconv.FormatUint(cp.Size, 10), stream, events, since)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", attachment("evidence-"+stream+".json"))
	writeJSON(w, http.StatusOK, pack)
}

// unitPack answers the evidence pack of a unit (and the units below it)
// for a period: every event recorded in [from, to) that the checkpoint
// seals, with its proof, as far as the caller's scope reaches.
func (s *Seals) unitPack(w http.ResponseWriter, r *http.Request) {
	longRoute(w)
	ctx := r.Context()
	p, _ := PrincipalFrom(ctx)
	unit := chi.URLParam(r, "unit")
	q := newQuery(r, []ReadParam{{Name: "from"}, {Name: "to"}, {Name: "size"}, {Name: "since"}})
	from, to := q.instant("from", domain.DefaultLocation()), q.instant("to", domain.DefaultLocation())
	if q.err == nil && (from.IsZero() || to.IsZero() || !from.Before(to)) {
		q.bad("to", "give a period: from and to (RFC 3339 times or dates), from before to")
	}
	size, sinceSize := q.uint("size"), q.uint("since")
	err := q.err
	if err == nil {
		err = unitInScope(ctx, s.Scope, p, unit)
	}
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	cp, since, err := s.target(size, sinceSize)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	view := s.Scope.view(p)
	match := auditQuery{unit: unit, from: from, to: to}
	start, end, bounded := eventlog.Position{}, eventlog.Position{}, false
	if ts, ok := s.Log.(eventlog.TimeSeeker); ok {
		if start, end, err = ts.TimeRange(ctx, from, to); err != nil {
			WriteProblem(w, r, err)
			return
		}
		bounded = true
	}
	var events []eventlog.Event
	scanned := 0
	for last := start; ; {
		page, err := s.Log.ReadAll(ctx, last, 10000)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		stop := len(page) < 10000
		for i := range page {
			e := &page[i]
			index, err := s.Sealer.Tree.IndexOf(e.Position)
			if errors.Is(err, seal.ErrSize) || err == nil && index >= cp.Size || bounded && end.Less(e.Position) {
				stop = true // past the checkpoint, or past the period
				break
			}
			if err != nil {
				WriteProblem(w, r, err)
				return
			}
			ok, err := auditMatch(ctx, view, p, match, e)
			if err != nil {
				WriteProblem(w, r, err)
				return
			}
			if ok {
				events = append(events, *e)
			}
			last = e.Position
		}
		if scanned += len(page); stop {
			break
		}
		if scanned >= maxPackScan {
			WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity,
				fmt.Sprintf("the period spans more than %d events of the log: ask for a shorter one", maxPackScan), "from"))
			return
		}
	}
	if len(events) == 0 {
		WriteProblem(w, r, NewProblem(http.StatusNotFound, "no sealed event of unit "+unit+" in that period", ""))
		return
	}
	subject := fmt.Sprintf("events of unit %s and the units below it recorded from %s to %s, up to checkpoint %d",
		unit, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), cp.Size)
	pack, err := seal.BuildPack(ctx, s.Sealer.Tree, cp, subject, "", events, since)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", attachment("evidence-"+unit+".json"))
	writeJSON(w, http.StatusOK, pack)
}
