package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evstore "github.com/cxzy/ledger/evidence"
)

// TestEvidenceUploaderReadsOwnFileCitedElsewhere: an uploader reads its
// own uncited upload whatever another unit does with the same bytes, so
// that neither a 403 nor a 200 tells it whether an event outside its
// scope cites them; one without an upload or an in-scope citation is
// refused.
func TestEvidenceUploaderReadsOwnFileCitedElsewhere(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	otherClerk := token(t, "clerk-u2b", api.RoleClerk, "u2")
	farClerk := token(t, "clerk-u6", api.RoleClerk, "u6")
	b := photo(70, 600)
	sum := digest(b)
	wantStatus(t, d.upload(t, clerk, "u2", "mine.jpg", b), 201, "", "u2's upload")
	far := d.upload(t, farClerk, "u6", "far.jpg", b).ref
	wantStatus(t, d.fetch(t, clerk, sum), 200, "", "the uploader before the citation")
	rid := openRectification(t, d.district, "u6", "")
	must(t, d.post("/v1/rectifications/"+rid+"/submit", farClerk, map[string]any{"summary": "已整改", "evidence": []domain.Evidence{far}}), 200, "u6 cites the file")
	wantStatus(t, d.fetch(t, clerk, sum), 200, "", "the uploader once a unit outside its scope cites the same bytes")
	wantStatus(t, d.fetch(t, otherClerk, sum), 403, "", "a clerk with neither an upload nor a citation in scope")
}

// TestEvidenceNamesPerUpload: each reader is told the name and media
// type of its own upload (or of a citation it may read), never those of
// another unit's private upload; a citation is checked against the
// caller's own upload, so a legacy office file named .xls by one unit and
// .doc by another is cited by each as what it uploaded.
func TestEvidenceNamesPerUpload(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	farClerk := token(t, "clerk-u6", api.RoleClerk, "u6")
	inspector := tokenGroup(t, "inspector-1", "g1") // area a2: u5, u6
	// The same bytes under two names: each unit's name is its own.
	b := photo(71, 2000)
	sum := digest(b)
	mine := d.upload(t, clerk, "u2", "机密名单.jpg", b)
	wantStatus(t, mine, 201, "", "u2's upload")
	far := d.upload(t, farClerk, "u6", "公示栏.jpeg", b)
	wantStatus(t, far, 201, "", "u6's upload")
	a := d.fetch(t, farClerk, sum)
	wantStatus(t, a, 200, "", "u6 reads its upload")
	if cd := a.header.Get("Content-Disposition"); strings.Contains(cd, ".jpg") || !strings.Contains(cd, ".jpeg") {
		t.Errorf("u6 is served %q (%s), want its own name", cd, a.header.Get("Content-Type"))
	}
	if ct := a.header.Get("Content-Type"); ct != far.ref.MediaType {
		t.Errorf("u6 is served %s, want %s", ct, far.ref.MediaType)
	}
	rid := openRectification(t, d.district, "u6", "")
	must(t, d.post("/v1/rectifications/"+rid+"/submit", farClerk, map[string]any{"summary": "已整改", "evidence": []domain.Evidence{far.ref}}), 200,
		"u6 cites the reference its upload answered")
	// The inspector reads it by the citation: the citation's name.
	a = d.fetch(t, inspector, sum)
	wantStatus(t, a, 200, "", "the inspector reads the cited file")
	if cd := a.header.Get("Content-Disposition"); strings.Contains(cd, ".jpg") || !strings.Contains(cd, ".jpeg") {
		t.Errorf("the inspector is served %q, want the citation's name", cd)
	}
	a = d.fetch(t, clerk, sum)
	if cd := a.header.Get("Content-Disposition"); !strings.Contains(cd, ".jpg") {
		t.Errorf("u2 is served %q, want its own name", cd)
	}
}

// TestEvidenceCollectorTwoPhases: a file cited after its collection was
// recorded (a command that checked it just before) keeps its bytes: they
// are deleted only by a later pass, which finds the citation.
func TestEvidenceCollectorTwoPhases(t *testing.T) {
	d := newEvidenceDistrict(t)
	ctx := context.Background()
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	ref := d.upload(t, clerk, "u2", "late.jpg", photo(72, 500)).ref
	c := &evstore.Collector{Store: d.store, Index: d.ev.Index, Handler: d.cmds.Handler, Grace: 72 * time.Hour}
	res, err := c.Collect(ctx, time.Now().Add(73*time.Hour))
	if err != nil || len(res.Recorded) != 1 {
		t.Fatalf("recorded %v, %v", res.Recorded, err)
	}
	if _, err := d.store.Stat(ctx, ref.SHA256); err != nil {
		t.Fatalf("the pass that recorded the collection deleted the bytes: %v", err)
	}
	// The command checked the file before the collection; its citation
	// lands after it.
	d.ev.AllowExternal = true
	rid := openRectification(t, d.district, "u2", "rv-1")
	must(t, d.post("/v1/rectifications/"+rid+"/progress", clerk, map[string]any{"note": "进展", "evidence": []domain.Evidence{ref}}), 200, "the late citation")
	d.ev.AllowExternal = false
	// Within the safety margin nothing is deleted; after it, the citation
	// keeps the file.
	if res, err := c.Collect(ctx, time.Now()); err != nil || len(res.Collected) != 0 {
		t.Fatalf("within the margin: deleted %v, %v", res.Collected, err)
	}
	if res, err := c.Collect(ctx, time.Now().Add(74*time.Hour)); err != nil || len(res.Collected) != 0 {
		t.Fatalf("deleted %v, %v", res.Collected, err)
	}
	if _, err := d.store.Stat(ctx, ref.SHA256); err != nil {
		t.Errorf("a cited file was deleted: %v", err)
	}
}

// TestEvidenceCollectorStaleIndex: a collector whose index stopped
// following the log catches up before deciding: a file uploaded and cited
// since is neither recorded as collected nor deleted.
func TestEvidenceCollectorStaleIndex(t *testing.T) {
	d := newEvidenceDistrict(t)
	ctx := context.Background()
	stale := evstore.NewIndex(d.log, catalog.New())
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- stale.Run(rctx) }()
	for !stale.Ready() {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	ref := d.upload(t, clerk, "u2", "cited.jpg", photo(73, 500)).ref
	rid := openRectification(t, d.district, "u2", "rv-1")
	must(t, d.post("/v1/rectifications/"+rid+"/progress", clerk, map[string]any{"note": "进展", "evidence": []domain.Evidence{ref}}), 200, "cite")
	c := &evstore.Collector{Store: d.store, Index: stale, Handler: d.cmds.Handler, Grace: 72 * time.Hour}
	for range 2 {
		res, err := c.Collect(ctx, time.Now().Add(73*time.Hour))
		if err != nil || len(res.Recorded) != 0 || len(res.Collected) != 0 {
			t.Fatalf("a stale index: recorded %v, deleted %v, %v", res.Recorded, res.Collected, err)
		}
	}
	if _, err := d.store.Stat(ctx, ref.SHA256); err != nil {
		t.Errorf("a cited file was deleted: %v", err)
	}
}

// vanishingStore deletes a file right after storing it, as another
// replica's collector deleting an old copy would.
type vanishingStore struct{ evstore.Store }

func (s vanishingStore) Put(ctx context.Context, r io.Reader, want string, limit int64) (evstore.Info, error) {
	i, err := s.Store.Put(ctx, r, want, limit)
	if err == nil {
		s.Store.Delete(ctx, i.SHA256)
	}
	return i, err
}

// TestEvidenceUploadBytesVanished: an upload whose bytes are deleted
// before it is recorded is told to upload again, never 201.
func TestEvidenceUploadBytesVanished(t *testing.T) {
	d := newEvidenceDistrict(t, func(e *api.Evidence) { e.Store = vanishingStore{e.Store} })
	a := d.upload(t, token(t, "clerk-u2", api.RoleClerk, "u2"), "u2", "x.jpg", photo(74, 500))
	wantStatus(t, a, 503, "file", "an upload whose bytes vanished")
	if !strings.Contains(a.problem.Detail, "upload it again") {
		t.Errorf("detail %q", a.problem.Detail)
	}
}

func TestEvidenceLocks(t *testing.T) {
	var l evstore.Locks
	unlock := l.Lock("a")
	other := l.Lock("b") // another key is not held up
	other()
	got := make(chan struct{})
	go func() { u := l.Lock("a"); close(got); u() }()
	select {
	case <-got:
		t.Fatal("a held lock was taken")
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	<-got
}

// hangingStore, once the bytes are stored, waits for the client to go
// away before answering.
type hangingStore struct {
	evstore.Store
	stored chan struct{}
}

func (s hangingStore) Put(ctx context.Context, r io.Reader, want string, limit int64) (evstore.Info, error) {
	i, err := s.Store.Put(ctx, r, want, limit)
	close(s.stored)
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	return i, err
}

// TestEvidenceUploadClientGone: a client that closes the connection once
// its file is sent does not leave bytes stored that count against no
// quota: the upload is recorded all the same.
func TestEvidenceUploadClientGone(t *testing.T) {
	stored := make(chan struct{})
	d := newEvidenceDistrict(t, func(e *api.Evidence) { e.Store = hangingStore{e.Store, stored} })
	b := photo(75, 500)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, d.srv.URL+"/v1/evidence?unit=u2", bytes.NewReader(b))
	req.Header.Set("Content-Disposition", "attachment; filename=x.jpg")
	req.Header.Set("Authorization", "Bearer "+token(t, "clerk-u2", api.RoleClerk, "u2"))
	go func() { <-stored; cancel() }()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for d.ev.Index.Used("u2") != int64(len(b)) {
		if time.Now().After(deadline) {
			en, _ := d.ev.Index.Lookup(digest(b))
			_, serr := d.store.Stat(context.Background(), digest(b))
			t.Fatalf("u2 uses %d bytes, want %d (upload events %d, stored: %v)", d.ev.Index.Used("u2"), len(b), en.File.Events, serr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failingStore fails as an unreachable S3 bucket does.
type failingStore struct{ evstore.Store }

func (failingStore) Put(context.Context, io.Reader, string, int64) (evstore.Info, error) {
	return evstore.Info{}, errors.New("evidence: S3 upload: dial tcp 10.1.2.3:9000: connection refused")
}

// TestEvidenceStoreFailure: a store failure is the server's problem, told
// without its internals; only a body cut short is the client's 400.
func TestEvidenceStoreFailure(t *testing.T) {
	d := newEvidenceDistrict(t, func(e *api.Evidence) { e.Store = failingStore{e.Store} })
	a := d.upload(t, token(t, "clerk-u2", api.RoleClerk, "u2"), "u2", "x.jpg", photo(76, 500))
	if a.status < 500 || strings.Contains(string(a.body), "S3") || strings.Contains(string(a.body), "10.1.2.3") {
		t.Errorf("a store failure answered %d %s", a.status, a.body)
	}
}

// TestEvidenceMultipartNearLimit: a form whose file is just under the
// limit is taken, though the form's body is larger than the limit.
func TestEvidenceMultipartNearLimit(t *testing.T) {
	d := newEvidenceDistrict(t)
	b := photo(77, 1<<20-10)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "big.jpg")
	fw.Write(b)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+"/v1/evidence?unit=u2", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	wantStatus(t, d.do(t, req, token(t, "clerk-u2", api.RoleClerk, "u2")), 201, "", "a form with a file just under the limit")
}

// TestEvidenceNoSniffedType: a file with no recorded upload is served as
// application/octet-stream, never as a type sniffed from its bytes.
func TestEvidenceNoSniffedType(t *testing.T) {
	d := newEvidenceDistrict(t)
	info, err := d.store.Put(context.Background(), strings.NewReader("<html><script>alert(1)</script></html>"), "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	a := d.fetch(t, tokenWith(t, api.RoleOffice), info.SHA256)
	wantStatus(t, a, 200, "", "the office reads a file with no upload")
	if ct := a.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("served as %q", ct)
	}
}
