package api

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/evidence"
)

// Evidence serves the evidence files themselves: POST /v1/evidence stores
// one and records its upload in the ledger, GET /v1/evidence/{sha256}
// serves it to whoever may read an event that cites it (or, before any
// event cites it, to its uploader). The same value checks the evidence a
// command cites (Commands.Evidence).
type Evidence struct {
	Store   evidence.Store
	Index   *evidence.Index // the authority for scope, quota and collection
	Handler *command.Handler
	Scope   Scope
	// MaxSize bounds one file (DefaultEvidenceMaxSize if 0); UnitQuota
	// bounds the bytes of distinct files with a standing upload per unit
	// (0: no quota).
	MaxSize   int64
	UnitQuota int64
	// Grace is how long an upload nobody cites is kept; it is told to
	// clients, the collector does the collecting.
	Grace time.Duration
	// AllowExternal lets commands cite files the store does not hold
	// (kept elsewhere); by default such a citation is refused.
	AllowExternal bool

	metrics evidenceMetrics
}

// DefaultEvidenceMaxSize is the largest file accepted unless configured:
// 50 MB.
const DefaultEvidenceMaxSize = 50 << 20

// multipartSlack is what a multipart body may hold besides the file: the
// boundaries and part headers.
const multipartSlack = 64 << 10

// uploadRoles may upload evidence: those who record fulfilment reports,
// inspections and rectification work, and those who decide on them.
var uploadRoles = []Role{RoleClerk, RoleSuperior, RoleInspector, RoleOffice}

type evidenceMetrics struct {
	tampered prometheus.Counter
	uploads  *prometheus.CounterVec
	bytes    prometheus.Counter
	refusals *prometheus.CounterVec
}

func (e *Evidence) register(reg *prometheus.Registry) {
	e.metrics = evidenceMetrics{
		tampered: prometheus.NewCounter(prometheus.CounterOpts{Name: "ledger_evidence_tampered_total",
			Help: "Reads of evidence files whose stored bytes no longer match their SHA-256 (refused: the file was changed on disk)."}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ledger_evidence_uploads_total",
			Help: "Evidence uploads accepted: created (a new upload recorded) or repeat (the same uploader, bytes and unit again; nothing recorded)."}, []string{"outcome"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "ledger_evidence_upload_bytes_total",
			Help: "Bytes of accepted evidence uploads."}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ledger_evidence_refusals_total",
			Help: "Evidence requests refused, by reason: size, media_type, digest, quota, scope, request, citation."}, []string{"reason"}),
	}
	reg.MustRegister(e.metrics.tampered, e.metrics.uploads, e.metrics.bytes, e.metrics.refusals)
}

func (e *Evidence) refuse(reason string) {
	if e.metrics.refusals != nil {
		e.metrics.refusals.WithLabelValues(reason).Inc()
	}
}

func (e *Evidence) maxSize() int64 {
	if e.MaxSize > 0 {
		return e.MaxSize
	}
	return DefaultEvidenceMaxSize
}

// Routes mounts the upload and the download (behind Authenticate).
func (e *Evidence) Routes(r chi.Router) {
	r.Post("/v1/evidence", requireRole(uploadRoles, e.upload))
	r.Get("/v1/evidence/{sha256}", requireRole(historyRoles, e.download))
}

// errIndexNotReady is the answer while the index reads the log at start.
var errIndexNotReady = &Problem{Type: "about:blank", Title: http.StatusText(http.StatusServiceUnavailable), Status: http.StatusServiceUnavailable,
	Detail: "the evidence index is still reading the event log after a restart; retry shortly"}

// upload stores one file and records its upload. The order of the checks
// keeps a refused upload from costing anything: parameters, scope and the
// declared length before a byte is read; the media type from the first
// bytes before the rest is stored; the digest and the quota once it is.
func (e *Evidence) upload(w http.ResponseWriter, r *http.Request) {
	// A large file over a slow line takes longer than the server's
	// request deadline.
	longRoute(w)
	ctx := r.Context()
	p, _ := PrincipalFrom(ctx)
	q := newQuery(r, []ReadParam{{Name: "unit"}, {Name: "sha256"}})
	unit, wantParam := q.str("unit"), q.str("sha256")
	if q.err == nil && wantParam != "" && !evidence.ValidDigest(wantParam) {
		q.bad("sha256", "a SHA-256 is 64 lowercase hexadecimal digits")
	}
	if q.err == nil && unit == "" && !p.Has(RoleOffice) {
		q.bad("unit", "say which unit the file is for (?unit=…): it counts against that unit's quota")
	}
	if q.err != nil {
		e.refuse("request")
		WriteProblem(w, r, q.err)
		return
	}
	if err := e.Scope.Check(ctx, p, unit); err != nil {
		e.refuse("scope")
		WriteProblem(w, r, err)
		return
	}
	if !e.Index.Ready() {
		WriteProblem(w, r, errIndexNotReady)
		return
	}
	wantHeader, err := contentDigest(r.Header.Values("Content-Digest"))
	if err == nil && wantHeader != "" && wantParam != "" && wantHeader != wantParam {
		err = NewProblem(http.StatusUnprocessableEntity, "Content-Digest and the sha256 parameter give two different digests: give the file's one", "Content-Digest")
	}
	if err != nil {
		e.refuse("digest")
		WriteProblem(w, r, err)
		return
	}
	want, wantField := wantParam, "sha256"
	if wantHeader != "" {
		want, wantField = wantHeader, "Content-Digest"
	}

	limit := e.maxSize()
	multipart := false
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		multipart = true
		if wantHeader != "" {
			e.refuse("digest")
			WriteProblem(w, r, NewProblem(http.StatusBadRequest, "Content-Digest is the digest of the whole multipart body, not of the file: give the file's SHA-256 as the sha256 parameter", "Content-Digest"))
			return
		}
	}
	bodyLimit := limit // a raw body is the file
	if multipart {
		bodyLimit = limit + multipartSlack // the file, its boundaries and part headers
	}
	if r.ContentLength > bodyLimit {
		e.refuse("size")
		WriteProblem(w, r, tooLarge(limit))
		return
	}
	// A raw body whose declared length would pass the quota is refused
	// before a byte is read, when the client gave the digest and the unit
	// does not hold that file already (without it, only the bytes tell
	// whether the unit holds them, which costs nothing more).
	if !multipart && r.ContentLength > 0 && e.UnitQuota > 0 && want != "" && !e.holds(unit, want) && e.Index.Used(unit)+r.ContentLength > e.UnitQuota {
		e.refuse("quota")
		WriteProblem(w, r, quotaProblem(&evidence.QuotaError{Unit: unit, Used: e.Index.Used(unit), Quota: e.UnitQuota, Size: r.ContentLength}))
		return
	}
	// Nothing is read past the limit: the store stops one byte after it.
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartSlack+1)

	body, name, declared, err := e.fileOf(r, multipart)
	if err != nil {
		e.refuse("request")
		WriteProblem(w, r, err)
		return
	}
	// What fails in reading the file is the request's fault (cut short,
	// a broken form); what fails beyond it is the store's.
	br := bufio.NewReaderSize(bodyReader{body}, 64<<10)
	head, err := br.Peek(evidence.SniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		WriteProblem(w, r, readProblem(err, limit))
		return
	}
	if len(head) == 0 {
		e.refuse("request")
		WriteProblem(w, r, NewProblem(http.StatusBadRequest, "the file "+strconv.Quote(name)+" is empty: there is nothing to keep", "file"))
		return
	}
	mediaType, needZip, err := evidence.SniffHead(head, name, declared)
	if err != nil {
		e.refuse("media_type")
		WriteProblem(w, r, mediaProblem(name, err))
		return
	}
	info, err := e.Store.Put(ctx, br, want, limit)
	switch {
	case errors.Is(err, evidence.ErrTooLarge):
		e.refuse("size")
		WriteProblem(w, r, tooLarge(limit))
		return
	case errors.Is(err, evidence.ErrDigestMismatch):
		e.refuse("digest")
		WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity,
			fmt.Sprintf("the file %q does not match the SHA-256 given in %s (%s); nothing was kept: the file was changed or cut short on the way, send it again", name, wantField, err), wantField))
		return
	case err != nil:
		WriteProblem(w, r, readProblem(err, limit))
		return
	}
	// From here until the upload is recorded, nobody in this process
	// deletes the bytes (the collector, a refused upload of the same
	// file); every failure deletes them unless the ledger knows them.
	unlock := e.Index.Files.Lock(info.SHA256)
	defer unlock()
	// The bytes are stored: what follows goes on if the client goes away
	// now, or they would stay stored without counting against the
	// unit's quota.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	// Put may have found the bytes stored already, and they may have been
	// deleted (collected) before the lock was taken.
	if _, err := e.Store.Stat(rctx, info.SHA256); err != nil {
		WriteProblem(w, r, storeGone(err))
		return
	}
	if multipart {
		// Whatever follows the file (another part) is not taken.
		if err := e.restOfForm(body); err != nil {
			e.dropLocked(rctx, info.SHA256)
			e.refuse("request")
			WriteProblem(w, r, err)
			return
		}
	}
	if needZip {
		if mediaType, err = e.sniffWhole(rctx, info, name); err != nil {
			e.dropLocked(rctx, info.SHA256)
			var mt *evidence.MediaTypeError
			if !errors.As(err, &mt) {
				WriteProblem(w, r, storeProblem(err))
				return
			}
			e.refuse("media_type")
			WriteProblem(w, r, mediaProblem(name, err))
			return
		}
	}
	release, err := e.Index.Reserve(unit, info.SHA256, info.Size, e.UnitQuota)
	if err != nil {
		e.dropLocked(rctx, info.SHA256)
		e.refuse("quota")
		WriteProblem(w, r, quotaProblem(err))
		return
	}
	defer release()
	ref := domain.Evidence{SHA256: info.SHA256, Name: name, Size: info.Size, MediaType: mediaType}
	cmd := command.Command{
		ID:            p.Subject + ":" + uuid.NewString(),
		Actor:         domain.Actor{ID: p.Subject, Unit: unit},
		CorrelationID: middleware.GetReqID(ctx),
	}
	res, err := command.Execute(rctx, e.Handler, evdomain.Stream(info.SHA256), cmd, func() *evdomain.File { return &evdomain.File{} },
		func(f *evdomain.File, m domain.Meta) ([]domain.Event, error) {
			return f.RecordUpload(evdomain.RecordUpload{Evidence: ref, Unit: unit}, m)
		})
	if err != nil {
		// The append may have happened all the same (a timeout after
		// the commit): the index reads the file's stream before the
		// bytes are dropped, and keeps them if it cannot.
		if e.Index.Refresh(rctx, info.SHA256) == nil {
			e.dropLocked(rctx, info.SHA256)
		}
		WriteProblem(w, r, withField(err, "file"))
		return
	}
	if err := e.Index.Refresh(rctx, info.SHA256); err != nil {
		WriteProblem(w, r, err)
		return
	}
	// Another replica's collector may have deleted the bytes meanwhile.
	if _, err := e.Store.Stat(rctx, info.SHA256); err != nil {
		WriteProblem(w, r, storeGone(err))
		return
	}
	status, outcome := http.StatusCreated, "created"
	if len(res.EventIDs) == 0 {
		status, outcome = http.StatusOK, "repeat" // uploaded before by the same caller for the same unit
	}
	if e.metrics.uploads != nil {
		e.metrics.uploads.WithLabelValues(outcome).Inc()
		e.metrics.bytes.Add(float64(info.Size))
	}
	w.Header().Set("Location", "/v1/evidence/"+info.SHA256)
	w.Header().Set("ETag", strconv.Quote(info.SHA256))
	writeJSON(w, status, ref)
}

// holds reports whether unit has a standing upload of the file already.
func (e *Evidence) holds(unit, sha256 string) bool {
	en, _ := e.Index.Lookup(sha256)
	for _, u := range en.File.Uploads {
		if u.Unit == unit {
			return true
		}
	}
	return false
}

// fileOf finds the file in the request: the raw body, named by
// Content-Disposition, or the part named "file" of a multipart form.
// declared is the media type the client gave (used only to tell legacy
// office kinds apart).
func (e *Evidence) fileOf(r *http.Request, multipart bool) (body io.Reader, name, declared string, err error) {
	if !multipart {
		cd := r.Header.Get("Content-Disposition")
		if cd == "" {
			return nil, "", "", NewProblem(http.StatusBadRequest,
				"give the file's name in Content-Disposition: attachment; filename*=UTF-8''<the name, percent-encoded>", "Content-Disposition")
		}
		_, params, perr := mime.ParseMediaType(cd)
		if perr != nil || params["filename"] == "" {
			return nil, "", "", NewProblem(http.StatusBadRequest,
				"Content-Disposition does not give a file name: write attachment; filename*=UTF-8''<the name, percent-encoded>", "Content-Disposition")
		}
		name = params["filename"]
		if err := checkName(name, "Content-Disposition"); err != nil {
			return nil, "", "", err
		}
		return r.Body, name, r.Header.Get("Content-Type"), nil
	}
	mr, merr := r.MultipartReader()
	if merr != nil {
		return nil, "", "", NewProblem(http.StatusBadRequest, "the multipart form cannot be read: "+merr.Error(), "Content-Type")
	}
	part, perr := mr.NextPart()
	if perr != nil {
		return nil, "", "", NewProblem(http.StatusBadRequest, "the multipart form holds no file: send it in a part named file", "file")
	}
	if part.FormName() != "file" {
		return nil, "", "", NewProblem(http.StatusBadRequest,
			fmt.Sprintf("the form's part %q is not taken: send only the file, in a part named file (the unit and sha256 go in the query)", part.FormName()), part.FormName())
	}
	name = part.FileName()
	if name == "" {
		return nil, "", "", NewProblem(http.StatusBadRequest, "the part named file has no filename in its Content-Disposition", "file")
	}
	if err := checkName(name, "file"); err != nil {
		return nil, "", "", err
	}
	return multipartFile{part, mr}, name, part.Header.Get("Content-Type"), nil
}

// multipartFile is the file part, and the form it came from.
type multipartFile struct {
	io.Reader
	form *multipart.Reader
}

// restOfForm refuses a form with parts after the file.
func (e *Evidence) restOfForm(body io.Reader) error {
	f, ok := body.(multipartFile)
	if !ok {
		return nil
	}
	next, err := f.form.NextPart()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return NewProblem(http.StatusBadRequest, "the multipart form is cut short after the file: "+err.Error(), "file")
	}
	return NewProblem(http.StatusBadRequest,
		fmt.Sprintf("the form's part %q after the file is not taken: send one file per request, in a part named file", next.FormName()), next.FormName())
}

// checkName holds a file name to the rules of an evidence reference.
func checkName(name, field string) error {
	err := domain.Evidence{SHA256: strings.Repeat("0", 64), Name: name, Size: 1, MediaType: "image/jpeg"}.Validate()
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return NewProblem(http.StatusUnprocessableEntity, "the file name "+strconv.Quote(name)+" "+ve.Reason, field)
	}
	return err
}

// sniffWhole decides what a stored zip archive or legacy office file is
// from the whole of it, and that its name fits that kind.
func (e *Evidence) sniffWhole(ctx context.Context, info evidence.Info, name string) (string, error) {
	f, err := e.Store.Open(ctx, info.SHA256)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return evidence.SniffFile(evidence.ReaderAt(f), f.Info().Size, name)
}

// dropLocked deletes the bytes of a refused upload, unless the ledger
// has the file from elsewhere (an upload or a citation): those bytes are
// someone's. The caller holds the file's lock (Index.Files).
func (e *Evidence) dropLocked(ctx context.Context, sha256 string) {
	if en, _ := e.Index.Lookup(sha256); en.File.Events > 0 || en.Referenced() {
		return
	}
	_ = e.Store.Delete(context.WithoutCancel(ctx), sha256)
}

// recordTimeout bounds the recording of an upload once its bytes are
// stored, whether or not the client still waits.
const recordTimeout = 30 * time.Second

// storeGone answers an upload whose bytes vanished before its upload was
// recorded (collected at that moment): the client sends the file again.
func storeGone(err error) error {
	if !errors.Is(err, evidence.ErrNotFound) {
		return storeProblem(err)
	}
	return &Problem{Type: "about:blank", Title: http.StatusText(http.StatusServiceUnavailable), Status: http.StatusServiceUnavailable,
		Detail: "the file was removed from the evidence store while it was being received (an old copy was being collected): please upload it again", Field: "file"}
}

// storeProblem answers a failure of the evidence store (a full disk, an
// unreachable bucket): the cause goes to the log, not to the client.
func storeProblem(err error) error {
	return fmt.Errorf("%w: %w", &Problem{Type: "about:blank", Title: http.StatusText(http.StatusServiceUnavailable), Status: http.StatusServiceUnavailable,
		Detail: "the evidence store could not keep the file just now; nothing was recorded: please upload it again later", Field: "file"}, err)
}

// errBodyRead marks a failure to read the request body (the client or
// the connection), as opposed to a failure of the store.
var errBodyRead = errors.New("reading the request body")

// bodyReader marks the errors of reading the file from the request.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: %w", errBodyRead, err)
	}
	return n, err
}

// contentDigest reads an RFC 9530 Content-Digest field: the sha-256
// member, as hex; "" when there is no field.
func contentDigest(values []string) (string, error) {
	if len(values) == 0 {
		return "", nil
	}
	bad := func(why string) error {
		return NewProblem(http.StatusBadRequest, "Content-Digest "+why+": write sha-256=:<the file's SHA-256 in base64>: (RFC 9530)", "Content-Digest")
	}
	found := ""
	for member := range strings.SplitSeq(strings.Join(values, ","), ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(member), "=")
		if !ok {
			return "", bad("is not a list of algorithm=:digest: pairs")
		}
		if strings.TrimSpace(strings.ToLower(key)) != "sha-256" {
			continue // another algorithm: not checked here
		}
		value = strings.TrimSpace(value)
		if len(value) < 2 || value[0] != ':' || value[len(value)-1] != ':' {
			return "", bad("holds a sha-256 that is not :base64:")
		}
		raw, err := base64.StdEncoding.DecodeString(value[1 : len(value)-1])
		if err != nil || len(raw) != 32 {
			return "", bad("holds a sha-256 that is not 32 bytes in base64")
		}
		found = hex.EncodeToString(raw)
	}
	if found == "" {
		return "", bad("names no sha-256 digest, the only one the ledger checks")
	}
	return found, nil
}

func tooLarge(limit int64) error {
	return NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %s, the most the ledger keeps; nothing was kept", sizeText(limit)), "file")
}

func quotaProblem(err error) error {
	var q *evidence.QuotaError
	if !errors.As(err, &q) {
		return err
	}
	unit := q.Unit
	if unit == "" {
		unit = "(the office, no unit)"
	}
	return &Problem{Type: "/problems/evidence-quota", Title: "Evidence quota exceeded", Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("unit %s has %s of its %s of evidence in use; this file (%s) would pass it. Files nobody cites are collected after the grace period; ask the office to raise the quota",
			unit, sizeText(q.Used+q.UnderwaySize), sizeText(q.Quota), sizeText(q.Size)), Field: "unit"}
}

func mediaProblem(name string, err error) error {
	var mt *evidence.MediaTypeError
	if !errors.As(err, &mt) {
		return err
	}
	return NewProblem(http.StatusUnsupportedMediaType, fmt.Sprintf("the file %q is refused: %s", name, mt.Error()), "file")
}

// readProblem is the answer when storing the body fails: too large, the
// body cut short, or the store failing (whose cause is not told).
func readProblem(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge(limit)
	case errors.Is(err, errBodyRead):
		return NewProblem(http.StatusBadRequest, "the file could not be read to its end: the upload was cut short on the way; nothing was kept, send it again", "file")
	}
	return storeProblem(err)
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// mayRead reports whether p may read the file: the office reads every
// file (it reads every event); anyone else if it has a standing upload of
// the file for a unit still in its scope (whoever else uploaded or cited
// the same bytes), or if it may read an event that cites the file (the
// unit of that event is in its scope, as for audit history). Whether an
// event outside its scope cites the file never shows.
func (e *Evidence) mayRead(ctx context.Context, p Principal, en evidence.Entry) (bool, error) {
	if p.Has(RoleOffice) {
		return true, nil
	}
	v := e.Scope.view(p)
	inScope := func(unit string) (bool, error) {
		if unit == "" {
			return false, nil // above units: the office's only
		}
		in, err := v.covers(ctx, unit)
		if refusal(err) {
			return false, nil
		}
		return in, err
	}
	for _, u := range en.File.Uploads {
		if u.By != p.Subject {
			continue
		}
		if in, err := inScope(u.Unit); err != nil || in {
			return in, err
		}
	}
	_, ok, err := e.citingInScope(ctx, p, en)
	return ok, err
}

// citingInScope returns the first event citing the file that p may read.
func (e *Evidence) citingInScope(ctx context.Context, p Principal, en evidence.Entry) (evidence.Ref, bool, error) {
	v := e.Scope.view(p)
	for _, ref := range en.Refs {
		if ref.Unit == "" {
			if p.Has(RoleOffice) {
				return ref, true, nil
			}
			continue // above units: the office's only
		}
		in, err := v.covers(ctx, ref.Unit)
		if refusal(err) {
			continue
		}
		if err != nil {
			return evidence.Ref{}, false, err
		}
		if in {
			return ref, true, nil
		}
	}
	return evidence.Ref{}, false, nil
}

// shownAs is the name and media type p is told of the file: those of its
// own standing upload, else those of a citing event it may read, else the
// digest and application/octet-stream. Another unit's upload, whose name
// may be private, is never shown.
func (e *Evidence) shownAs(ctx context.Context, p Principal, en evidence.Entry) (name, mediaType string, err error) {
	if up, ok := en.UploadBy(p.Subject); ok {
		return up.Name, up.MediaType, nil
	}
	ref, ok, err := e.citingInScope(ctx, p, en)
	if err != nil {
		return "", "", err
	}
	name, mediaType = en.SHA256, ""
	if ok {
		if ref.Name != "" {
			name = ref.Name
		}
		mediaType, _, _ = mime.ParseMediaType(ref.MediaType)
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	return name, mediaType, nil
}

// download serves a file. Scope is decided before existence: a file out
// of the caller's scope and one that does not exist get the same 403;
// only the office, which reads everything, is told 404.
func (e *Evidence) download(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, _ := PrincipalFrom(ctx)
	sum := chi.URLParam(r, "sha256")
	if noParams(w, r) {
		return
	}
	if !evidence.ValidDigest(sum) {
		WriteProblem(w, r, NewProblem(http.StatusBadRequest, "sha256: a SHA-256 is 64 lowercase hexadecimal digits", "sha256"))
		return
	}
	if !e.Index.Ready() {
		WriteProblem(w, r, errIndexNotReady)
		return
	}
	en, _ := e.Index.Lookup(sum)
	ok, err := e.mayRead(ctx, p, en)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if !ok {
		e.refuse("scope")
		WriteProblem(w, r, forbidden("evidence file %s is outside the scope of %s", sum, p.Subject))
		return
	}
	longRoute(w)
	f, err := e.Store.Open(ctx, sum)
	switch {
	case errors.Is(err, evidence.ErrNotFound):
		detail := "no evidence file " + sum + " is stored"
		if en.File.Collected {
			detail += fmt.Sprintf(": it was collected on %s, nobody having cited it within the grace period", en.File.CollectedAt.Format(time.RFC3339))
		}
		WriteProblem(w, r, NewProblem(http.StatusNotFound, detail, "sha256"))
		return
	case errors.Is(err, evidence.ErrTampered):
		if e.metrics.tampered != nil {
			e.metrics.tampered.Inc()
		}
		WriteProblem(w, r, fmt.Errorf("%w: %w", errTampered(sum), err))
		return
	case err != nil:
		WriteProblem(w, r, err)
		return
	}
	defer f.Close()
	// Never sniffed: a file served as text/html would run in the
	// ledger's origin.
	name, mediaType, err := e.shownAs(ctx, p, en)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("ETag", strconv.Quote(sum))
	h.Set("Content-Disposition", attachment(name))
	raw, _ := hex.DecodeString(sum)
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(raw)+":")
	// ServeContent answers ranges (206), If-None-Match (304) and the
	// other conditions; its own refusals become problems.
	http.ServeContent(&problemWriter{ResponseWriter: w, r: r}, r, "", f.Info().Stored, f)
}

// errTampered answers a file whose bytes no longer match: a 500, for it
// is the server's fault and no request can mend it, with its own type so
// that a client and an alert can tell it from any other failure.
func errTampered(sum string) *Problem {
	return &Problem{Type: "/problems/evidence-tampered", Title: "the stored file no longer matches its digest",
		Status: http.StatusInternalServerError,
		Detail: "evidence file " + sum + " is stored, but its bytes no longer hash to that SHA-256: it was changed on disk, and is not served. " +
			"The operator is alerted (ledger_evidence_tampered_total); uploading the original file again restores it",
		Field: "sha256"}
}

// problemWriter turns the plain-text refusals of http.ServeContent (416
// for a range past the end, 412 for a failed If-Match) into problems.
type problemWriter struct {
	http.ResponseWriter
	r      *http.Request
	failed bool
}

func (w *problemWriter) WriteHeader(code int) {
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.failed = true
	field, detail := "", http.StatusText(code)
	switch code {
	case http.StatusRequestedRangeNotSatisfiable:
		field, detail = "Range", "the Range asks for bytes the file does not have (its size is in Content-Range)"
	case http.StatusPreconditionFailed:
		field, detail = "If-Match", "the file does not match the condition (If-Match, If-Unmodified-Since)"
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Content-Disposition")
	h.Del("Repr-Digest")
	WriteProblem(w.ResponseWriter, w.r, &Problem{Type: problemType(code), Title: http.StatusText(code), Status: code, Detail: detail, Field: field})
}

func (w *problemWriter) Write(b []byte) (int, error) {
	if w.failed {
		return len(b), nil // ServeContent's plain-text message: replaced
	}
	return w.ResponseWriter.Write(b)
}

// cited is one evidence reference in a command body, with its JSON path.
type cited struct {
	path string
	ref  domain.Evidence
}

var evidenceType = reflect.TypeFor[domain.Evidence]()

// citedEvidence finds every evidence reference in a command body, by the
// JSON path a problem names ("evidence[0]").
func citedEvidence(body any) []cited {
	var out []cited
	walkEvidence(reflect.ValueOf(body), "", &out, 0)
	return out
}

func walkEvidence(v reflect.Value, path string, out *[]cited, depth int) {
	if depth > 8 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkEvidence(v.Elem(), path, out, depth)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem() == evidenceType {
			for i := range v.Len() {
				*out = append(*out, cited{path: fmt.Sprintf("%s[%d]", path, i), ref: v.Index(i).Interface().(domain.Evidence)})
			}
			return
		}
		if k := v.Type().Elem().Kind(); k == reflect.Struct || k == reflect.Pointer || k == reflect.Slice {
			for i := range v.Len() {
				walkEvidence(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out, depth+1)
			}
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				walkEvidence(v.Field(i), path, out, depth+1) // flattened, as encoding/json does
				continue
			}
			if name == "" {
				name = f.Name
			}
			walkEvidence(v.Field(i), member(path, name), out, depth+1)
		}
	}
}

// checkCited checks every file a command cites: it is in the store, as
// big and of the media type the reference says, not collected, and the
// caller may cite it (its uploader, or one who may read an event that
// cites it already). A caller who may not is told the file is not there,
// as for a file that is not: another unit's private upload does not show.
func (e *Evidence) checkCited(ctx context.Context, p Principal, body any) error {
	if e == nil || e.AllowExternal {
		return nil
	}
	for _, c := range citedEvidence(body) {
		if !evidence.ValidDigest(c.ref.SHA256) {
			continue // the decision names the malformed field
		}
		if !e.Index.Ready() {
			return errIndexNotReady
		}
		en, _ := e.Index.Lookup(c.ref.SHA256)
		ok, err := e.mayRead(ctx, p, en)
		if err != nil {
			return err
		}
		missing := NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf(
			"%s: no file with this SHA-256 that %s uploaded or may read is in the evidence store: upload it first (POST /v1/evidence) and cite the reference the upload answers",
			c.path, p.Subject), c.path+".sha256")
		if !ok {
			e.refuse("citation")
			return missing
		}
		if en.File.Collected && !en.Referenced() {
			e.refuse("citation")
			return NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf("%s: file %s was collected on %s, nobody having cited it within the grace period: upload it again",
				c.path, c.ref.SHA256, en.File.CollectedAt.Format(time.RFC3339)), c.path+".sha256")
		}
		info, err := e.Store.Stat(ctx, c.ref.SHA256)
		if errors.Is(err, evidence.ErrNotFound) {
			e.refuse("citation")
			return missing
		}
		if err != nil {
			return err
		}
		if info.Size != c.ref.Size {
			e.refuse("citation")
			return NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf("%s: the stored file %s has %d bytes, not %d: cite the reference the upload answered",
				c.path, c.ref.SHA256, info.Size, c.ref.Size), c.path+".size")
		}
		known, err := e.mediaTypeFor(ctx, p, en)
		if err != nil {
			return err
		}
		if declared, _, _ := mime.ParseMediaType(c.ref.MediaType); known != "" && declared != known {
			e.refuse("citation")
			return NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf("%s: the stored file %s is %s (as its bytes show), not %s",
				c.path, c.ref.SHA256, known, c.ref.MediaType), c.path+".media_type")
		}
	}
	return nil
}

// mediaTypeFor is the media type a citation by p is held to: that of p's
// own standing upload, else of a standing upload for a unit in p's scope,
// else of a citing event p may read ("" if none: nothing to hold it to).
// Another unit's private upload is never consulted: for a legacy office
// file its kind comes from its name, and would tell that upload apart.
func (e *Evidence) mediaTypeFor(ctx context.Context, p Principal, en evidence.Entry) (string, error) {
	if up, ok := en.UploadBy(p.Subject); ok {
		return up.MediaType, nil
	}
	v := e.Scope.view(p)
	for _, u := range en.File.Uploads {
		if u.Unit == "" && !p.Has(RoleOffice) {
			continue
		}
		in := p.Has(RoleOffice)
		if !in {
			var err error
			in, err = v.covers(ctx, u.Unit)
			if refusal(err) {
				continue
			}
			if err != nil {
				return "", err
			}
		}
		if in {
			return u.MediaType, nil
		}
	}
	ref, ok, err := e.citingInScope(ctx, p, en)
	if err != nil || !ok {
		return "", err
	}
	mt, _, _ := mime.ParseMediaType(ref.MediaType)
	return mt, nil
}

// observe tells the index at once of the citations a command recorded,
// so that the readers of the citing event can fetch the file in their
// next request.
func (e *Evidence) observe(ctx context.Context, body any, res command.Result) {
	if e == nil || res.Duplicate || len(res.EventIDs) == 0 || len(citedEvidence(body)) == 0 {
		return
	}
	// The follower records them anyway; a failure here only delays that.
	_ = e.Index.Observe(context.WithoutCancel(ctx), res.Stream, res.FirstVersion, res.LastVersion)
}
