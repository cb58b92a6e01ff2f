package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	osexec "os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	evfiles "github.com/cxzy/ledger/evidence"
)

// TestGlyphsCoverTheTexts: every character a generated file can show has
// a glyph in glyphs.bin (else: run demo/fontgen again).
func TestGlyphsCoverTheTexts(t *testing.T) {
	gs := glyphs()
	var texts []string
	texts = append(texts, areaNames...)
	texts = append(texts, placeWords...)
	texts = append(texts, departmentNames...)
	texts = append(texts, companyWords...)
	texts = append(texts, companyKinds...)
	texts = append(texts, windowNames...)
	texts = append(texts, string(surnames), string(givenChars))
	texts = append(texts, progressTexts...)
	texts = append(texts, findingTexts...)
	texts = append(texts, measureTexts...)
	texts = append(texts, shortcomingTexts...)
	texts = append(texts, boards...)
	for _, list := range unitPledgeTexts {
		texts = append(texts, list...)
	}
	for _, list := range memberPledgeTexts {
		texts = append(texts, list...)
	}
	d := newDistrict(Config{Seed: 1, Events: 1_000_000, Until: domain.Date{Year: 2026, Month: 11, Day: 20}, Loc: domain.DefaultLocation()})
	for _, u := range d.units {
		texts = append(texts, u.name)
	}
	// What the spec builders and the minutes add around them.
	at := time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	for _, spec := range []fileSpec{
		d.pledgeFiles("p-2026Q4-u0001-1/report-1", pledge.SubmitCommand{Unit: d.units[1].id, Title: unitPledgeTexts["stage_task"][0]}, at, progressTexts[0]),
		d.rectFiles(rectPlan{id: "r-x", unit: 1, req: "整改"}, "submit-1", at, "整改后"),
		d.completionFiles(inspectionPlan{id: "in-x", unit: 1}, at),
	} {
		texts = append(texts, spec.photo, spec.topic, spec.board, spec.unit)
		texts = append(texts, spec.body...)
	}
	texts = append(texts, "会议纪要会议名称：时间：地点：会议室主持人：参会人员：、等人记录人：一、二、三、四、会议要求各责任人按时间节点抓好落实，有关材料存档备查。编号 ",
		at.Format("2006年1月2日 15:04"), "检查现场照片检查情况反馈检查组现场查看公开栏、台账和活动记录。检查发现：。被检查单位对检查发现无异议，将按要求整改。",
		"践诺活动现场承诺事项公示志愿服务活动现场便民服务活动现场主题党日活动现场党员承诺公示党务公开栏便民服务公示栏承诺事项推进通报承诺事项“”的推进情况。研究下一步工作安排，明确责任人和完成时限。",
		"的公示栏党员活动室服务窗口学习园地整改情况公示政务公开栏整改落实专题整改进展 · …")
	for _, text := range texts {
		if m := gs.missing(text); len(m) > 0 {
			t.Errorf("no glyph for %q (in %q): run demo/fontgen again", string(m), text)
		}
	}
}

// seedWithFiles seeds a small district with an evidence store and returns
// its events and the store.
func seedWithFiles(t *testing.T, seed int64) ([]eventlog.Event, *evfiles.Dir, Summary) {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	store, err := evfiles.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Seed(context.Background(), log, Config{Seed: seed, Events: 4000, Until: domain.Date{Year: 2025, Month: 11, Day: 20}, Workers: 8, Evidence: store})
	if err != nil {
		t.Fatal(err)
	}
	var all []eventlog.Event
	for after := eventlog.Start; ; {
		page, err := log.ReadAll(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Position
	}
	return all, store, sum
}

// refsOf returns the evidence references of an event's payload: every
// "evidence" array, at any depth (a finding's is in its content).
func refsOf(t *testing.T, e eventlog.Event) []domain.Evidence {
	t.Helper()
	var doc any
	if err := json.Unmarshal(e.Payload, &doc); err != nil {
		t.Fatal(err)
	}
	var refs []domain.Evidence
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, v := range x {
				if k == "evidence" {
					data, _ := json.Marshal(v)
					var list []domain.Evidence
					if err := json.Unmarshal(data, &list); err != nil {
						t.Fatalf("%s v%d: evidence %s: %v", e.Stream, e.Version, data, err)
					}
					refs = append(refs, list...)
					continue
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(doc)
	return refs
}

// TestSeedStoresEvidenceFiles: with a store, a share of the streams whose
// events cite evidence cite real files: each stored, opening with its
// bytes matching the digest, of the size and media type the event
// records (a PNG of 640×400, a PDF whose cross-reference table is right
// and whose text is Chinese); the same seed makes the same files.
func TestSeedStoresEvidenceFiles(t *testing.T) {
	events, store, sum := seedWithFiles(t, 5)
	ctx := context.Background()
	citing, withFiles := map[string]bool{}, map[string]bool{}
	kinds := map[string]int{}
	var pdfSample []byte
	digests := map[string]bool{}
	for _, e := range events {
		for _, ref := range refsOf(t, e) {
			citing[e.Stream] = true
			f, err := store.Open(ctx, ref.SHA256)
			if err == evfiles.ErrNotFound {
				continue // a file kept elsewhere
			}
			if err != nil {
				t.Fatalf("%s v%d: %s: %v", e.Stream, e.Version, ref.Name, err)
			}
			data, _ := io.ReadAll(f)
			f.Close()
			withFiles[e.Stream] = true
			digests[ref.SHA256] = true
			if int64(len(data)) != ref.Size || len(data) > 60_000 {
				t.Errorf("%s: %d bytes, the event says %d (want at most 60 KB)", ref.Name, len(data), ref.Size)
			}
			switch ref.MediaType {
			case "image/png":
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil || img.Bounds().Dx() != 640 || img.Bounds().Dy() != 400 || !strings.HasSuffix(ref.Name, ".png") {
					t.Errorf("%s: %v, bounds %v", ref.Name, err, img.Bounds())
				}
			case "application/pdf":
				checkPDF(t, ref.Name, data)
				pdfSample = data
			default:
				t.Errorf("%s: media type %s", ref.Name, ref.MediaType)
			}
			kinds[ref.MediaType]++
		}
	}
	share := float64(len(withFiles)) / float64(len(citing))
	t.Logf("%d of %d streams citing evidence cite real files (%.0f%%); files %v; summary %d files, %d bytes", len(withFiles), len(citing), 100*share, kinds, sum.Files, sum.FileBytes)
	if share < 0.08 || share > 0.25 || kinds["image/png"] == 0 || kinds["application/pdf"] == 0 {
		t.Errorf("%.2f of the streams have files (want about %d%%), kinds %v", share, filesPercent, kinds)
	}
	n := 0
	store.Walk(ctx, func(evfiles.Info) error { n++; return nil })
	if n != len(digests) {
		t.Errorf("the store holds %d files, the events cite %d of them: the seed stores only cited files", n, len(digests))
	}
	if pdftotext, err := osexec.LookPath("pdftotext"); err == nil && pdfSample != nil {
		cmd := osexec.Command(pdftotext, "-", "-")
		cmd.Stdin = bytes.NewReader(pdfSample)
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), "会议纪要") || !strings.Contains(string(out), "会议名称：") {
			t.Errorf("pdftotext of minutes: %v %q", err, out)
		}
	} else {
		t.Log("pdftotext not installed (apt-get install poppler-utils): the minutes' text is not extracted")
	}

	// The same seed, the same files.
	_, again, _ := seedWithFiles(t, 5)
	m := 0
	again.Walk(ctx, func(info evfiles.Info) error {
		m++
		if !digests[info.SHA256] {
			t.Errorf("a second run with the same seed made %s, not made by the first", info.SHA256)
		}
		return nil
	})
	if m != n {
		t.Errorf("second run: %d files, first %d", m, n)
	}
}

// checkPDF checks a minutes file's structure: header, every cross-reference
// entry pointing at its object, the trailer's startxref at the table.
func checkPDF(t *testing.T, name string, data []byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(data, []byte("%%EOF\n")) || !strings.HasSuffix(name, ".pdf") {
		t.Fatalf("%s: not a PDF 1.4 file", name)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no startxref", name)
	}
	at, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(data[at:], []byte("xref\n0 ")) {
		t.Fatalf("%s: startxref %d does not point at the xref table", name, at)
	}
	lines := strings.Split(string(data[at:]), "\n")
	count, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	for i := 1; i < count; i++ {
		off, _ := strconv.Atoi(lines[2+i][:10])
		if !bytes.HasPrefix(data[off:], fmt.Appendf(nil, "%d 0 obj\n", i)) {
			t.Fatalf("%s: xref entry %d points at %q", name, i, data[off:min(off+20, len(data))])
		}
	}
}
