package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	evdomain "github.com/cxzy/ledger/domain/evidence"
	"github.com/cxzy/ledger/eventlog"
	evstore "github.com/cxzy/ledger/evidence"
)

// evDistrict is the district served with an evidence store.
type evDistrict struct {
	*district
	ev    *api.Evidence
	store *evstore.Dir
	dir   string
}

// newEvidenceDistrict serves commands, history and evidence over the
// district, with an index following its log; configure changes the
// evidence settings (1 MiB files, no quota by default).
func newEvidenceDistrict(t *testing.T, configure ...func(*api.Evidence)) *evDistrict {
	t.Helper()
	d := newDistrict(t)
	dir := t.TempDir()
	store, err := evstore.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx := evstore.NewIndex(d.log, catalog.New())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- idx.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(10 * time.Second); !idx.Ready(); {
		if time.Now().After(deadline) {
			t.Fatal("the evidence index did not catch up")
		}
		time.Sleep(time.Millisecond)
	}
	h := d.cmds.Handler
	ev := &api.Evidence{Store: store, Index: idx, Handler: h, Scope: api.Scope{Handler: h}, MaxSize: 1 << 20, Grace: 72 * time.Hour}
	for _, c := range configure {
		c(ev)
	}
	d.cmds = &api.Commands{Handler: h, Scope: api.Scope{Handler: h}, Evidence: ev}
	d.serve(t, &api.Server{Verifier: api.HS256{Key: secret}, Commands: d.cmds, History: d.history, Evidence: ev, Registry: prometheus.NewRegistry()})
	return &evDistrict{district: d, ev: ev, store: store, dir: dir}
}

// photo is a JPEG-looking file of n bytes, different for every seed.
func photo(seed uint64, n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	copy(b, "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00")
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// answer is an upload's or download's reply.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	ref     domain.Evidence
	problem api.Problem
}

func (d *evDistrict) do(t *testing.T, req *http.Request, tok string) answer {
	t.Helper()
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, _ = io.ReadAll(resp.Body)
	switch ct := resp.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/problem+json"):
		if err := json.Unmarshal(a.body, &a.problem); err != nil {
			t.Fatalf("problem %q: %v", a.body, err)
		}
	case ct == "application/json":
		json.Unmarshal(a.body, &a.ref)
	}
	if resp.StatusCode >= 400 && a.problem.Status != resp.StatusCode {
		t.Errorf("%s %s: %d answered as %q, not problem+json", req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return a
}

// upload posts b as the raw body, named name, for unit; headers are
// pairs.
func (d *evDistrict) upload(t *testing.T, tok, unit, name string, b []byte, headers ...string) answer {
	t.Helper()
	q := url.Values{}
	if unit != "" {
		q.Set("unit", unit)
	}
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+"/v1/evidence?"+q.Encode(), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/octet-stream")
	if name != "" {
		req.Header.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return d.do(t, req, tok)
}

func (d *evDistrict) fetch(t *testing.T, tok, sum string, headers ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.srv.URL+"/v1/evidence/"+sum, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return d.do(t, req, tok)
}

func (d *evDistrict) stored(t *testing.T) []string {
	t.Helper()
	var out []string
	if err := d.store.Walk(context.Background(), func(i evstore.Info) error { out = append(out, i.SHA256); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantStatus(t *testing.T, a answer, status int, field, what string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %d %s, want %d", what, a.status, a.body, status)
	}
	if field != "" && a.problem.Field != field {
		t.Errorf("%s: the problem names %q (%s), want %q", what, a.problem.Field, a.problem.Detail, field)
	}
}

// TestEvidenceUpload: a raw and a multipart upload answer 201 with the
// reference to cite, computed by the server and recorded as an event by
// the uploader; the same upload again is 200 and records nothing; another
// unit's upload of the same bytes is an upload of its own.
func TestEvidenceUpload(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	b := photo(1, 3000)
	a := d.upload(t, clerk, "u2", "整改后公示栏.jpg", b)
	wantStatus(t, a, 201, "", "raw upload")
	want := domain.Evidence{SHA256: digest(b), Name: "整改后公示栏.jpg", Size: 3000, MediaType: "image/jpeg"}
	if a.ref != want {
		t.Errorf("answered %+v, want %+v", a.ref, want)
	}
	if a.header.Get("Location") != "/v1/evidence/"+want.SHA256 {
		t.Errorf("Location %q", a.header.Get("Location"))
	}
	evs, err := d.log.ReadStream(context.Background(), evdomain.Stream(want.SHA256), 0, eventlog.Forwards, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != "evidence.uploaded" || evs[0].Actor != "clerk-u2" || evs[0].Unit != "u2" {
		t.Fatalf("recorded %+v, %v; want one evidence.uploaded by clerk-u2 for u2", evs, err)
	}
	var payload map[string]any
	json.Unmarshal(evs[0].Payload, &payload)
	if payload["sha256"] != want.SHA256 || payload["name"] != want.Name || payload["size"] != 3000.0 || payload["media_type"] != "image/jpeg" {
		t.Errorf("payload %s", evs[0].Payload)
	}

	before := d.head()
	again := d.upload(t, clerk, "u2", "整改后公示栏.jpg", b)
	wantStatus(t, again, 200, "", "the same upload again")
	if again.ref != want || d.head() != before {
		t.Errorf("repeat: %+v, %d events appended; want the same reference and none", again.ref, d.head()-before)
	}
	other := d.upload(t, token(t, "clerk-u6", api.RoleClerk, "u6"), "u6", "公示栏.jpg", b)
	wantStatus(t, other, 201, "", "another unit's upload of the same bytes")
	if d.head() != before+1 {
		t.Errorf("another unit's upload appended %d events, want 1", d.head()-before)
	}

	// Multipart: the part named file; its declared type is not trusted.
	png := append([]byte("\x89PNG\r\n\x1a\n"), photo(2, 500)...)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "整改通知.png")
	fw.Write(png)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+"/v1/evidence?unit=u2", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	m := d.do(t, req, clerk)
	wantStatus(t, m, 201, "", "multipart upload")
	if m.ref != (domain.Evidence{SHA256: digest(png), Name: "整改通知.png", Size: int64(len(png)), MediaType: "image/png"}) {
		t.Errorf("multipart answered %+v", m.ref)
	}
	// The office uploads without a unit.
	wantStatus(t, d.upload(t, tokenWith(t, api.RoleOffice), "", "通报.jpg", photo(3, 100)), 201, "", "the office's upload")
}

// TestEvidenceDigest: the digest the client expects, in Content-Digest or
// the sha256 parameter, is checked; a mismatch is 422 naming it and keeps
// nothing.
func TestEvidenceDigest(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	b := photo(4, 2000)
	sum := sha256.Sum256(b)
	good := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	other := sha256.Sum256([]byte("other"))
	bad := "sha-256=:" + base64.StdEncoding.EncodeToString(other[:]) + ":"

	wantStatus(t, d.upload(t, clerk, "u2", "a.jpg", b, "Content-Digest", bad), 422, "Content-Digest", "Content-Digest of other bytes")
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+"/v1/evidence?unit=u2&sha256="+hex.EncodeToString(other[:]), bytes.NewReader(b))
	req.Header.Set("Content-Disposition", "attachment; filename=a.jpg")
	wantStatus(t, d.do(t, req, clerk), 422, "sha256", "sha256 parameter of other bytes")
	wantStatus(t, d.upload(t, clerk, "u2", "a.jpg", b, "Content-Digest", "md5=:abc:"), 400, "Content-Digest", "no sha-256 in Content-Digest")
	if s := d.stored(t); len(s) != 0 {
		t.Fatalf("refused uploads left %v in the store", s)
	}
	wantStatus(t, d.upload(t, clerk, "u2", "a.jpg", b, "Content-Digest", "md5=:abc:, "+good), 201, "", "the right Content-Digest")
}

// TestEvidenceLimits: the size limit, media types sniffed from the bytes
// (an HTML page or a program named .jpg refused, office documents told
// apart), and the request's required parts.
func TestEvidenceLimits(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	wantStatus(t, d.upload(t, clerk, "u2", "大.jpg", photo(5, 1<<20+1)), 413, "file", "one byte over the limit")
	wantStatus(t, d.upload(t, clerk, "u2", "正好.jpg", photo(5, 1<<20)), 201, "", "exactly the limit")

	zipOf := func(names ...string) []byte {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		for _, n := range names {
			w, _ := z.Create(n)
			io.WriteString(w, "<x/>")
		}
		z.Close()
		return buf.Bytes()
	}
	ole := oleWorkbook()
	for _, tc := range []struct {
		name, file string
		b          []byte
		declared   string
		status     int
		mediaType  string
	}{
		{"an HTML page named .jpg", "照片.jpg", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "image/jpeg", 415, ""},
		{"a program named .jpg", "照片.jpg", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), photo(7, 300)...), "image/jpeg", 415, ""},
		{"plain text", "说明.txt", []byte("整改说明"), "text/plain", 415, ""},
		{"a zip that is no document", "材料.zip", zipOf("a.txt"), "application/zip", 415, ""},
		{"a Word document with macros", "报告.docm", zipOf("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "", 415, ""},
		{"a PDF", "会议记录.pdf", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"), "", 201, evstore.PDF},
		{"a JPEG declared a PDF, named .jpg", "照片.jpg", photo(8, 400), "application/pdf", 201, evstore.JPEG},
		{"a JPEG named .pdf", "照片.pdf", photo(8, 401), "application/pdf", 415, ""},
		{"a Word document", "报告.docx", zipOf("[Content_Types].xml", "_rels/.rels", "word/document.xml"), "", 201, evstore.DOCX},
		{"a spreadsheet", "台账.xlsx", zipOf("[Content_Types].xml", "xl/workbook.xml"), "", 201, evstore.XLSX},
		{"a legacy spreadsheet, by its name", "台账.xls", ole, "", 201, evstore.XLS},
		{"a legacy office file of no known kind", "台账.bin", append(ole, 1), "application/octet-stream", 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := d.upload(t, clerk, "u2", tc.file, tc.b, "Content-Type", tc.declared)
			if tc.status != 201 {
				wantStatus(t, a, tc.status, "file", tc.name)
				if !strings.Contains(a.problem.Detail, tc.file) {
					t.Errorf("the refusal does not name the file: %q", a.problem.Detail)
				}
				if _, err := d.store.Stat(context.Background(), digest(tc.b)); err == nil {
					t.Errorf("refused file kept in the store")
				}
				return
			}
			wantStatus(t, a, 201, "", tc.name)
			if a.ref.MediaType != tc.mediaType {
				t.Errorf("media type %q, want %q", a.ref.MediaType, tc.mediaType)
			}
		})
	}

	b := photo(9, 100)
	wantStatus(t, d.upload(t, clerk, "", "a.jpg", b), 400, "unit", "a clerk's upload for no unit")
	wantStatus(t, d.upload(t, clerk, "u6", "a.jpg", b), 403, "", "an upload for a unit out of scope")
	wantStatus(t, d.upload(t, clerk, "u404", "a.jpg", b), 422, "unit", "an upload for an unknown unit")
	wantStatus(t, d.upload(t, clerk, "u2", "", b), 400, "Content-Disposition", "an upload without a name")
	wantStatus(t, d.upload(t, clerk, "u2", "a.jpg", nil), 400, "file", "an empty upload")
	wantStatus(t, d.upload(t, token(t, "analyst-1", api.RoleAnalyst), "u2", "a.jpg", b), 403, "", "an analyst's upload")
}

// TestEvidenceQuota: a unit's distinct files count against its quota; the
// same file again costs nothing, and another unit has its own.
func TestEvidenceQuota(t *testing.T) {
	d := newEvidenceDistrict(t, func(e *api.Evidence) { e.UnitQuota = 5000 })
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	first := photo(10, 3000)
	wantStatus(t, d.upload(t, clerk, "u2", "1.jpg", first), 201, "", "first file")
	over := d.upload(t, clerk, "u2", "2.jpg", photo(11, 3000))
	wantStatus(t, over, 413, "unit", "a file past the quota")
	if over.problem.Type != "/problems/evidence-quota" || !strings.Contains(over.problem.Detail, "u2") {
		t.Errorf("quota problem %+v", over.problem)
	}
	wantStatus(t, d.upload(t, token(t, "clerk-u2b", api.RoleClerk, "u2"), "u2", "1.jpg", first), 201, "", "the same file by another clerk of the unit")
	wantStatus(t, d.upload(t, clerk, "u2", "3.jpg", photo(12, 2000)), 201, "", "a file that fits")
	wantStatus(t, d.upload(t, token(t, "clerk-u6", api.RoleClerk, "u6"), "u6", "2.jpg", photo(11, 3000)), 201, "", "another unit's file")
	if used := d.ev.Index.Used("u2"); used != 5000 {
		t.Errorf("u2 uses %d bytes, want 5000", used)
	}
	// Refused multipart (the length is not known beforehand): the bytes
	// are not kept.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "4.jpg")
	fw.Write(photo(13, 100))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, d.srv.URL+"/v1/evidence?unit=u2", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	wantStatus(t, d.do(t, req, clerk), 413, "unit", "a multipart file past the quota")
	if _, err := d.store.Stat(context.Background(), digest(photo(13, 100))); err == nil {
		t.Error("a file refused for the quota was kept")
	}
}

// TestEvidenceDownload: the file with its media type and ETag; ranges
// (206) and If-None-Match (304); a range past the end is a problem.
func TestEvidenceDownload(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	b := photo(20, 10000)
	sum := digest(b)
	wantStatus(t, d.upload(t, clerk, "u2", "整改.jpg", b), 201, "", "upload")
	a := d.fetch(t, clerk, sum)
	wantStatus(t, a, 200, "", "download")
	if !bytes.Equal(a.body, b) || a.header.Get("Content-Type") != "image/jpeg" || a.header.Get("ETag") != `"`+sum+`"` {
		t.Errorf("download: %d bytes, type %q, ETag %q", len(a.body), a.header.Get("Content-Type"), a.header.Get("ETag"))
	}
	if cd := a.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "filename*=utf-8''%E6%95%B4%E6%94%B9.jpg") {
		t.Errorf("Content-Disposition %q", cd)
	}
	part := d.fetch(t, clerk, sum, "Range", "bytes=100-199")
	wantStatus(t, part, 206, "", "a range")
	if !bytes.Equal(part.body, b[100:200]) || part.header.Get("Content-Range") != "bytes 100-199/10000" {
		t.Errorf("range: %d bytes, Content-Range %q", len(part.body), part.header.Get("Content-Range"))
	}
	wantStatus(t, d.fetch(t, clerk, sum, "If-None-Match", `"`+sum+`"`), 304, "", "If-None-Match with the ETag")
	wantStatus(t, d.fetch(t, clerk, sum, "If-None-Match", `"other"`), 200, "", "If-None-Match with another ETag")
	wantStatus(t, d.fetch(t, clerk, sum, "Range", "bytes=20000-"), 416, "Range", "a range past the end")
	wantStatus(t, d.fetch(t, clerk, "NOT-A-DIGEST"), 400, "sha256", "a malformed digest")
}

// TestEvidenceReadScope: before any event cites a file only its uploader
// (and the office) reads it; once cited, whoever may read the citing
// event; out of scope is 403 whether the file exists or not, and only the
// office is told 404.
func TestEvidenceReadScope(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	otherClerk := token(t, "clerk-u2b", api.RoleClerk, "u2")
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	farClerk := token(t, "clerk-u6", api.RoleClerk, "u6")
	inspector := tokenGroup(t, "inspector-1", "g1") // area a2: u5, u6
	office := tokenWith(t, api.RoleOffice)
	b := photo(30, 800)
	sum := digest(b)
	missing := digest([]byte("never uploaded"))
	ref := d.upload(t, clerk, "u2", "整改.jpg", b).ref

	read := func(tok, sum string) int { t.Helper(); return d.fetch(t, tok, sum).status }
	for name, c := range map[string]struct {
		tok  string
		want int
	}{
		"the uploader": {clerk, 200}, "another clerk of the unit": {otherClerk, 403}, "its superior": {superior, 403},
		"a clerk elsewhere": {farClerk, 403}, "the office": {office, 200},
	} {
		if got := read(c.tok, sum); got != c.want {
			t.Errorf("before any citation, %s: %d, want %d", name, got, c.want)
		}
	}
	// Out of scope: the same 403 for a file that exists and one that
	// does not.
	exists, absent := d.fetch(t, farClerk, sum), d.fetch(t, farClerk, missing)
	if exists.status != 403 || absent.status != 403 ||
		strings.ReplaceAll(exists.problem.Detail, sum, "X") != strings.ReplaceAll(absent.problem.Detail, missing, "X") {
		t.Errorf("out of scope: %d %q and %d %q, want the same 403", exists.status, exists.problem.Detail, absent.status, absent.problem.Detail)
	}
	if got := read(clerk, missing); got != 403 {
		t.Errorf("a clerk asking for a file that does not exist: %d, want 403", got)
	}
	if got := read(office, missing); got != 404 {
		t.Errorf("the office asking for a file that does not exist: %d, want 404", got)
	}
	// The file's own stream records every unit that uploaded the same
	// bytes: the office's alone. Its uploader is refused as for a stream
	// that does not exist, so that nobody learns who else holds a file.
	for name, c := range map[string]struct {
		tok  string
		want int
	}{"the uploader": {clerk, 403}, "a clerk elsewhere": {farClerk, 403}, "the office": {office, 200}} {
		if got, _ := d.get("/v1/history/evidence-"+sum, c.tok); got != c.want {
			t.Errorf("the history of the file's stream, %s: %d, want %d", name, got, c.want)
		}
	}
	if got, _ := d.get("/v1/history/evidence-"+missing, clerk); got != 403 {
		t.Errorf("the history of a file nobody uploaded, a clerk: %d, want 403", got)
	}

	// Cited in a rectification of u2: its readers read the file.
	rid := openRectification(t, d.district, "u2", "rv-1")
	must(t, d.post("/v1/rectifications/"+rid+"/progress", clerk, map[string]any{"note": "已更换公示栏", "evidence": []domain.Evidence{ref}}), 200, "progress citing the file")
	for name, c := range map[string]struct {
		tok  string
		want int
	}{
		"the uploader": {clerk, 200}, "another clerk of the unit": {otherClerk, 200}, "its superior": {superior, 200},
		"a clerk elsewhere": {farClerk, 403}, "an inspector of another area": {inspector, 403}, "the office": {office, 200},
	} {
		if got := read(c.tok, sum); got != c.want {
			t.Errorf("once cited, %s: %d, want %d", name, got, c.want)
		}
	}
	// A file uploaded for u6 by its clerk, cited in u6: the inspector of
	// area a2 reads it; the u6 clerk's file uploaded by the u2 clerk is not.
	b6 := photo(31, 900)
	ref6 := d.upload(t, farClerk, "u6", "检查.jpg", b6).ref
	rid6 := openRectification(t, d.district, "u6", "")
	must(t, d.post("/v1/rectifications/"+rid6+"/submit", farClerk, map[string]any{"summary": "已整改", "evidence": []domain.Evidence{ref6}}), 200, "submit")
	if got := read(inspector, ref6.SHA256); got != 200 {
		t.Errorf("the inspector of the citing unit's area: %d, want 200", got)
	}
	if got := read(clerk, ref6.SHA256); got != 403 {
		t.Errorf("a clerk of another unit: %d, want 403", got)
	}
}

// openRectification orders a rectification of unit (from review rv-1's
// shortcoming, or inspection in-1's finding) and has its clerk
// acknowledge it: it is then in progress and takes evidence.
func openRectification(t *testing.T, d *district, unit, review string) string {
	t.Helper()
	source := map[string]any{"kind": "inspection", "ref": "in-1", "item": 1}
	if review != "" {
		source = map[string]any{"kind": "review", "ref": review, "item": 1}
	}
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20)
	rc := must(t, d.post("/v1/rectifications", tokenWith(t, api.RoleOffice), map[string]any{"source": source,
		"unit": unit, "person": "张三", "requirement": "完善公开栏", "deadline": deadline.String()}), 201, "order")
	rid := rc.body["id"].(string)
	must(t, d.post("/v1/rectifications/"+rid+"/acknowledge", token(t, "clerk-"+unit, api.RoleClerk, unit), map[string]any{}), 200, "acknowledge")
	return rid
}

// TestEvidenceTampered: a flipped byte in a stored file is refused on
// read, with its own problem type and the metric counting it.
func TestEvidenceTampered(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	b := photo(40, 5000)
	sum := digest(b)
	wantStatus(t, d.upload(t, clerk, "u2", "a.jpg", b), 201, "", "upload")
	path := filepath.Join(d.dir, sum[:2], sum)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[2500] ^= 0x01
	if err := os.WriteFile(path, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	a := d.fetch(t, clerk, sum)
	wantStatus(t, a, 500, "sha256", "a tampered file")
	if a.problem.Type != "/problems/evidence-tampered" || a.problem.Title != "the stored file no longer matches its digest" {
		t.Errorf("problem %+v", a.problem)
	}
	if bytes.Contains(a.body, raw[:100]) {
		t.Error("the tampered bytes were served")
	}
	wantStatus(t, d.fetch(t, clerk, sum, "Range", "bytes=0-9"), 500, "sha256", "a range of a tampered file")
	_, metrics := d.get("/metrics", "")
	if !strings.Contains(string(metrics), "ledger_evidence_tampered_total 2") {
		t.Errorf("metrics do not count the two refused reads:\n%s", grepLines(string(metrics), "ledger_evidence"))
	}
	// Uploading the original again restores it.
	wantStatus(t, d.upload(t, clerk, "u2", "a.jpg", b), 200, "", "the original again")
	if a := d.fetch(t, clerk, sum); a.status != 200 || !bytes.Equal(a.body, b) {
		t.Errorf("after the original was uploaded again: %d", a.status)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestCommandsCitingEvidence: a command citing a file not in the store,
// described otherwise than it is, collected, or another's private upload
// is refused with 422 naming evidence[i], appending nothing; unless the
// deployment allows external references.
func TestCommandsCitingEvidence(t *testing.T) {
	d := newEvidenceDistrict(t)
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	rid := openRectification(t, d.district, "u2", "rv-1")
	progress := "/v1/rectifications/" + rid + "/progress"
	old := d.upload(t, clerk, "u2", "old.jpg", photo(53, 700)).ref
	c := &evstore.Collector{Store: d.store, Index: d.ev.Index, Handler: d.cmds.Handler, Grace: 72 * time.Hour}
	if res, err := c.Collect(context.Background(), time.Now().Add(73*time.Hour)); err != nil || len(res.Recorded) != 1 {
		t.Fatalf("recorded as collected %v, %v; want old.jpg", res.Recorded, err)
	}
	mine := d.upload(t, clerk, "u2", "mine.jpg", photo(50, 700)).ref
	foreign := d.upload(t, token(t, "clerk-u2b", api.RoleClerk, "u2"), "u2", "theirs.jpg", photo(51, 700)).ref
	elsewhere := d.upload(t, token(t, "clerk-u6", api.RoleClerk, "u6"), "u6", "far.jpg", photo(52, 700)).ref

	missing := domain.Evidence{SHA256: digest([]byte("nowhere")), Name: "x.jpg", Size: 7, MediaType: "image/jpeg"}
	bigger, pdf := mine, mine
	bigger.Size++
	pdf.MediaType = "application/pdf"
	for _, tc := range []struct {
		name  string
		list  []domain.Evidence
		field string
	}{
		{"a file not in the store", []domain.Evidence{mine, missing}, "evidence[1].sha256"},
		{"a size other than the file's", []domain.Evidence{bigger}, "evidence[0].size"},
		{"a media type other than the file's", []domain.Evidence{pdf}, "evidence[0].media_type"},
		{"a collected file", []domain.Evidence{old}, "evidence[0].sha256"},
		{"another clerk's private upload", []domain.Evidence{foreign}, "evidence[0].sha256"},
		{"another unit's private upload", []domain.Evidence{mine, elsewhere}, "evidence[1].sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := d.head()
			r := d.post(progress, clerk, map[string]any{"note": "进展", "evidence": tc.list})
			if r.status != 422 || r.problem.Field != tc.field {
				t.Errorf("%d %q naming %q, want 422 naming %s", r.status, r.problem.Detail, r.problem.Field, tc.field)
			}
			if d.head() != before {
				t.Error("a refused command appended events")
			}
		})
	}
	// A private upload reads alike whether it exists or not.
	r1 := d.post(progress, clerk, map[string]any{"note": "进展", "evidence": []domain.Evidence{foreign}})
	r2 := d.post(progress, clerk, map[string]any{"note": "进展", "evidence": []domain.Evidence{missing}})
	if r1.problem.Detail != r2.problem.Detail {
		t.Errorf("a foreign upload is told apart from a missing file: %q / %q", r1.problem.Detail, r2.problem.Detail)
	}
	must(t, d.post(progress, clerk, map[string]any{"note": "进展", "evidence": []domain.Evidence{mine}}), 200, "citing one's own upload")
	// Once cited in u2, another clerk of u2 may cite it too.
	must(t, d.post(progress, token(t, "clerk-u2b", api.RoleClerk, "u2"), map[string]any{"note": "复查", "evidence": []domain.Evidence{mine}}), 200, "citing a file cited in scope")

	ext := newEvidenceDistrict(t, func(e *api.Evidence) { e.AllowExternal = true })
	rid = openRectification(t, ext.district, "u2", "rv-1")
	must(t, ext.post("/v1/rectifications/"+rid+"/progress", clerk, map[string]any{"note": "外部存档", "evidence": []domain.Evidence{missing}}), 200,
		"an external reference where the deployment allows them")
}

// TestEvidenceCollector: an upload no event cites is collected once the
// grace period has passed since its last upload (an evidence.collected
// event recorded, then the bytes deleted); a cited one never, a fresh
// one not yet; bytes stored whose upload was never recorded too.
func TestEvidenceCollector(t *testing.T) {
	d := newEvidenceDistrict(t)
	ctx := context.Background()
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	cited := d.upload(t, clerk, "u2", "cited.jpg", photo(60, 500)).ref
	loose := d.upload(t, clerk, "u2", "loose.jpg", photo(61, 500)).ref
	orphan, err := d.store.Put(ctx, bytes.NewReader(photo(62, 500)), "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	rid := openRectification(t, d.district, "u2", "rv-1")
	must(t, d.post("/v1/rectifications/"+rid+"/progress", clerk, map[string]any{"note": "进展", "evidence": []domain.Evidence{cited}}), 200, "cite")
	c := &evstore.Collector{Store: d.store, Index: d.ev.Index, Handler: d.cmds.Handler, Grace: 72 * time.Hour}

	res, err := c.Collect(ctx, time.Now().Add(time.Hour))
	if err != nil || len(res.Collected) != 0 {
		t.Fatalf("within the grace period: collected %v, %v", res.Collected, err)
	}
	before := d.head()
	res, err = c.Collect(ctx, time.Now().Add(73*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Recorded, ","); len(res.Recorded) != 2 || !strings.Contains(got, loose.SHA256) || !strings.Contains(got, orphan.SHA256) {
		t.Fatalf("recorded as collected %v, want %s and the orphan %s", res.Recorded, loose.SHA256, orphan.SHA256)
	}
	if d.head() != before+2 {
		t.Errorf("%d events recorded, want 2", d.head()-before)
	}
	// Phase one deletes nothing: the bytes go in a later pass, once the
	// collection is older than the safety margin.
	if len(res.Collected) != 0 || len(d.stored(t)) != 3 {
		t.Fatalf("the pass that recorded the collections deleted %v", res.Collected)
	}
	before = d.head()
	res, err = c.Collect(ctx, time.Now().Add(73*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Collected, ","); len(res.Collected) != 2 || !strings.Contains(got, loose.SHA256) || !strings.Contains(got, orphan.SHA256) || d.head() != before {
		t.Fatalf("second pass deleted %v (%d events), want %s and the orphan %s", res.Collected, d.head()-before, loose.SHA256, orphan.SHA256)
	}
	for _, sum := range []string{loose.SHA256, orphan.SHA256} {
		evs, _ := d.log.ReadStream(ctx, evdomain.Stream(sum), 0, eventlog.Backwards, 1)
		if len(evs) != 1 || evs[0].Type != "evidence.collected" || evs[0].Actor != evstore.CollectorActor {
			t.Errorf("%s: last event %+v, want evidence.collected by %s", sum, evs, evstore.CollectorActor)
		}
		if _, err := d.store.Stat(ctx, sum); err == nil {
			t.Errorf("%s: bytes still stored", sum)
		}
	}
	if _, err := d.store.Stat(ctx, cited.SHA256); err != nil {
		t.Errorf("the cited file: %v", err)
	}
	if got := d.fetch(t, clerk, loose.SHA256).status; got != 403 {
		t.Errorf("its uploader reading a collected file: %d, want 403", got)
	}
	if a := d.fetch(t, tokenWith(t, api.RoleOffice), loose.SHA256); a.status != 404 || !strings.Contains(a.problem.Detail, "collected") {
		t.Errorf("the office reading a collected file: %d %q", a.status, a.problem.Detail)
	}
	// A third pass records nothing more.
	before = d.head()
	if res, err := c.Collect(ctx, time.Now().Add(100*time.Hour)); err != nil || len(res.Collected) != 0 || d.head() != before {
		t.Errorf("second pass: %v %v, %d events", res.Collected, err, d.head()-before)
	}
	// Collected files no longer count against the quota.
	if used := d.ev.Index.Used("u2"); used != 500 {
		t.Errorf("u2 uses %d bytes, want 500 (the cited file)", used)
	}
}

// oleWorkbook is the smallest legacy Excel file the sniffing accepts: the
// compound-file signature, 512-byte sectors, and a directory whose root
// entry is followed by the "Workbook" stream (each entry 128 bytes: the
// name in UTF-16, its length in bytes with the terminator, its type).
func oleWorkbook() []byte {
	b := make([]byte, 1024)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(b[30:], 9)
	for slot, e := range []struct {
		name string
		typ  byte
	}{{"Root Entry", 5}, {"Workbook", 2}} {
		entry := b[512+128*slot : 512+128*(slot+1)]
		u := utf16.Encode([]rune(e.name))
		for i, c := range u {
			binary.LittleEndian.PutUint16(entry[2*i:], c)
		}
		binary.LittleEndian.PutUint16(entry[64:], uint16(2*len(u)+2))
		entry[66] = e.typ
	}
	return b
}
