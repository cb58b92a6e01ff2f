package demo

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/pledge"
)

// runFunc runs a step's command.
type runFunc = func(context.Context, *command.Handler, command.Command) (command.Result, error)

// Evidence files. A share of the pledge, inspection and rectification
// streams (filesPercent, chosen by a hash of the seed and the stream, so
// the same streams whatever the volume) cite real files: small PNG photos
// of the scene with a Chinese caption, and one-page PDF minutes in
// Chinese, generated from the seed and the citing step, stored in
// Config.Evidence before the step's command cites them. Every other
// reference stays a digest of nothing the ledger holds (a file kept
// elsewhere). The bytes are a pure function of (seed, step), so a re-run
// stores nothing new and two runs cite the same digests.

// filesPercent is the share of streams whose evidence is real.
const filesPercent = 15

type fileKind int

const (
	photoFile fileKind = iota
	minutesFile
)

// fileSpec says what the files of one step show.
type fileSpec struct {
	key   string // the citing step, unique: its files differ from every other step's
	unit  string // the unit's name
	at    time.Time
	kind  fileKind
	photo string   // what the photo shows, e.g. 整改后的公示栏
	board string   // the heading of the board in the photo
	topic string   // the meeting's topic
	body  []string // the minutes' paragraphs
}

// withFiles reports whether the stream is one whose evidence is real.
func (d *district) withFiles(stream string) bool {
	if d.store == nil {
		return false
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/files/%s", d.seed, stream)
	return h.Sum64()%100 < filesPercent
}

// attach returns run, preceded, for a stream with real files, by making
// and storing the file spec describes and putting its reference in *refs,
// in place of the references to files kept elsewhere, for the command to
// cite. One file to a step keeps the seed fast.
func (d *district) attach(stream string, refs *[]domain.Evidence, spec fileSpec, run runFunc) runFunc {
	if !d.withFiles(stream) {
		return run
	}
	return func(ctx context.Context, h *command.Handler, cmd command.Command) (command.Result, error) {
		ev, err := d.storeFile(ctx, spec)
		if err != nil {
			return command.Result{}, err
		}
		*refs = []domain.Evidence{ev}
		return run(ctx, h, cmd)
	}
}

// storeFile makes the file of spec and stores it.
func (d *district) storeFile(ctx context.Context, spec fileSpec) (domain.Evidence, error) {
	r := rngFor(d.seed, "file/"+spec.key)
	var data []byte
	ev := domain.Evidence{}
	switch spec.kind {
	case photoFile:
		data = photoPNG(spec, r)
		ev.Name, ev.MediaType = spec.photo+".png", "image/png"
	default:
		data = minutesPDF(spec, r)
		ev.Name, ev.MediaType = spec.topic+"会议纪要.pdf", "application/pdf"
	}
	sum := sha256.Sum256(data)
	info, err := d.store.Put(ctx, bytes.NewReader(data), hex.EncodeToString(sum[:]), int64(len(data)))
	if err != nil {
		return domain.Evidence{}, fmt.Errorf("demo: store %s: %w", ev.Name, err)
	}
	d.files.Add(1)
	d.fileBytes.Add(info.Size)
	ev.SHA256, ev.Size = info.SHA256, info.Size
	return ev, nil
}

// Photos: 640×400, a paletted PNG of a notice board before a building, with
// a caption band: what it shows and the unit, then the time and the step.

const photoW, photoH = 640, 400

// Palette indices.
const (
	pSky = iota
	pGround
	pWall
	pFrame
	pFace
	pBanner
	pPaper
	pLine
	pPost
	pSun
	pTree
	pWindow
	pBand
	pCaption      // pCaption..pCaption+7: the band's colour towards white
	pHeading = 21 // pHeading..+7: the banner's red towards yellow
	pPin     = 29
	nPalette = 30
)

var (
	skies   = []color.RGBA{{135, 190, 235, 255}, {170, 205, 230, 255}, {200, 210, 220, 255}, {120, 170, 225, 255}}
	grounds = []color.RGBA{{150, 150, 145, 255}, {120, 140, 100, 255}, {175, 165, 150, 255}}
	walls   = []color.RGBA{{225, 215, 195, 255}, {205, 200, 205, 255}, {235, 225, 210, 255}, {190, 175, 160, 255}}
	boards  = []string{"党务公开栏", "政务公开栏", "便民服务公示栏", "党员承诺公示", "整改情况公示"}
)

// Buffers reused across photos: the pixels (every one is drawn over) and
// the encoder's.
var (
	photoPix   = &sync.Pool{New: func() any { b := make([]byte, photoW*photoH); return &b }}
	pngBuffers = &pngPool{}
)

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}
func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

func photoPNG(spec fileSpec, r *rand.Rand) []byte {
	pal := make(color.Palette, nPalette)
	pal[pSky] = pick(r, skies)
	pal[pGround] = pick(r, grounds)
	pal[pWall] = pick(r, walls)
	pal[pFrame] = color.RGBA{uint8(110 + r.IntN(40)), 40, 30, 255}
	pal[pFace] = color.RGBA{245, 240, 225, 255}
	pal[pBanner] = color.RGBA{uint8(190 + r.IntN(30)), 30, 30, 255}
	pal[pPaper] = color.RGBA{255, 255, 252, 255}
	pal[pLine] = color.RGBA{150, 150, 150, 255}
	pal[pPost] = color.RGBA{80, 80, 85, 255}
	pal[pSun] = color.RGBA{255, 225, 120, 255}
	pal[pTree] = color.RGBA{60, uint8(120 + r.IntN(40)), 60, 255}
	pal[pWindow] = color.RGBA{110, 150, 185, 255}
	pal[pBand] = color.RGBA{30, 35, 45, 255}
	for i := range 8 {
		pal[pCaption+i] = mix(pal[pBand].(color.RGBA), color.RGBA{255, 255, 255, 255}, float64(i+1)/8)
		pal[pHeading+i] = mix(pal[pBanner].(color.RGBA), color.RGBA{255, 230, 90, 255}, float64(i+1)/8)
	}
	pal[pPin] = color.RGBA{40, 90, 200, 255}
	pix := photoPix.Get().(*[]byte)
	defer photoPix.Put(pix)
	img := &image.Paletted{Pix: *pix, Stride: photoW, Rect: image.Rect(0, 0, photoW, photoH), Palette: pal}
	fill := func(x0, y0, x1, y1 int, c uint8) {
		for y := max(y0, 0); y < min(y1, photoH); y++ {
			row := img.Pix[y*img.Stride:]
			for x := max(x0, 0); x < min(x1, photoW); x++ {
				row[x] = c
			}
		}
	}
	disc := func(cx, cy, rad int, c uint8) {
		for y := cy - rad; y <= cy+rad; y++ {
			for x := cx - rad; x <= cx+rad; x++ {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad && x >= 0 && y >= 0 && x < photoW && y < photoH {
					img.Pix[y*img.Stride+x] = c
				}
			}
		}
	}
	horizon := 80 + r.IntN(30)
	fill(0, 0, photoW, horizon, pSky)
	if r.IntN(2) == 0 {
		disc(40+r.IntN(560), 20+r.IntN(30), 18, pSun)
	}
	fill(0, horizon, photoW, 300, pWall)
	for wx := 20 + r.IntN(30); wx < photoW-40; wx += 90 + r.IntN(30) {
		fill(wx, horizon+15, wx+44, horizon+60, pWindow)
	}
	fill(0, 300, photoW, photoH, pGround)
	for range 1 + r.IntN(2) {
		tx := pick(r, []int{40 + r.IntN(50), 560 + r.IntN(50)})
		fill(tx-5, 250, tx+5, 320, pPost)
		disc(tx, 230, 32+r.IntN(10), pTree)
	}
	// The board: posts, frame, banner with its heading, face with papers.
	bx := 120 + r.IntN(30)
	bw := 380 - r.IntN(30)
	fill(bx+30, 300, bx+40, 335, pPost)
	fill(bx+bw-40, 300, bx+bw-30, 335, pPost)
	fill(bx, 110, bx+bw, 310, pFrame)
	fill(bx+8, 118, bx+bw-8, 150, pBanner)
	gs := glyphs()
	heading := spec.board
	hw := gs.textWidth(heading, 26)
	drawText(img, bx+bw/2-int(hw/2), 120, 26, heading, pHeading, 8)
	fill(bx+8, 154, bx+bw-8, 302, pFace)
	papers := 2 + r.IntN(3)
	slot := (bw - 16) / papers
	for i := range papers {
		px := bx + 8 + i*slot + 6 + r.IntN(6)
		pw := slot - 16
		py := 162 + r.IntN(10)
		ph := 110 + r.IntN(20)
		fill(px, py, px+pw, py+ph, pPaper)
		for ly := py + 14; ly < py+ph-8; ly += 9 {
			fill(px+6, ly, px+6+r.IntN(pw-12)+1, ly+2, pLine)
		}
		disc(px+pw/2, py+3, 3, pPin)
	}
	// The caption band.
	fill(0, 336, photoW, photoH, pBand)
	caption := spec.photo + " · " + spec.unit
	for gs.textWidth(caption, 26) > photoW-24 && len([]rune(caption)) > 4 {
		rs := []rune(caption)
		caption = string(rs[:len(rs)-2]) + "…"
	}
	drawText(img, 12, 338, 26, caption, pCaption, 8)
	drawText(img, 12, 368, 20, spec.at.Format("2006-01-02 15:04")+" · "+spec.key, pCaption, 8)
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pngBuffers}
	if err := enc.Encode(&out, img); err != nil {
		panic(err) // writing to memory does not fail
	}
	return out.Bytes()
}

// drawText draws s with its cell's top at y, the cell px pixels high,
// anti-aliased into levels palette entries from base (base+levels-1 the
// full colour) over a background of one colour.
func drawText(img *image.Paletted, x, y int, px float64, s string, base uint8, levels int) {
	gs := glyphs()
	pen := float64(x)
	b := img.Bounds()
	for _, r := range s {
		sg := scaledGlyph(r, px, levels)
		x0 := int(pen)
		for dy := range sg.h {
			for dx := range sg.w {
				level := sg.levels[dy*sg.w+dx]
				if p := image.Pt(x0+dx, y+dy); level > 0 && p.In(b) {
					img.Pix[img.PixOffset(p.X, p.Y)] = base + level - 1
				}
			}
		}
		pen += float64(gs.glyphOf(r).adv) * px / float64(gs.height)
	}
}

// scaled is a glyph at one size: coverage levels 0..n per pixel.
type scaled struct {
	w, h   int
	levels []uint8
}

// scaledGlyphs caches glyphs by character, size and levels: the captions
// use a few sizes of a few hundred characters.
var scaledGlyphs sync.Map // scaledKey -> *scaled

type scaledKey struct {
	r      rune
	px     float64
	levels int
}

func scaledGlyph(r rune, px float64, levels int) *scaled {
	key := scaledKey{r, px, levels}
	if sg, ok := scaledGlyphs.Load(key); ok {
		return sg.(*scaled)
	}
	gs := glyphs()
	g := gs.glyphOf(r)
	scale := px / float64(gs.height)
	const ss = 3 // samples per pixel side
	sg := &scaled{w: int(math.Ceil(float64(g.width)*scale)) + 1, h: int(math.Ceil(px))}
	sg.levels = make([]uint8, sg.w*sg.h)
	for dy := range sg.h {
		for dx := range sg.w {
			n := 0
			for sy := range ss {
				gy := int((float64(dy) + (float64(sy)+0.5)/ss) / scale)
				if gy >= gs.height {
					continue
				}
				for sx := range ss {
					if g.ink(int((float64(dx)+(float64(sx)+0.5)/ss)/scale), gy) {
						n++
					}
				}
			}
			sg.levels[dy*sg.w+dx] = uint8(math.Round(float64(n) / (ss * ss) * float64(levels)))
		}
	}
	scaledGlyphs.Store(key, sg)
	return sg
}

// Minutes: a one-page A4 PDF 1.4. The text is set in Type 3 fonts whose
// glyphs are the demo's bitmaps (image masks), up to 255 to a font, each
// font with a ToUnicode map so that the text can be searched and copied:
// every reader shows it, with no CJK font on the reading machine.

func minutesPDF(spec fileSpec, r *rand.Rand) []byte {
	type line struct {
		size float64
		x, y float64
		text string
	}
	var lines []line
	y := 770.0
	add := func(size float64, indent float64, text string) {
		for _, l := range wrap(text, (595-2*72-indent)/size*float64(glyphs().height)) {
			lines = append(lines, line{size, 72 + indent, y, l})
			y -= size * 1.6
			indent = 0
		}
	}
	title := "会议纪要"
	lines = append(lines, line{22, (595 - glyphs().textWidth(title, 22)) / 2, y, title})
	y -= 44
	names := []string{personName(r), personName(r), personName(r), personName(r), personName(r)}
	add(12, 0, "会议名称："+spec.topic)
	add(12, 0, "时间："+spec.at.Format("2006年1月2日 15:04"))
	add(12, 0, "地点："+spec.unit+"会议室")
	add(12, 0, "主持人："+names[0])
	add(12, 0, "参会人员："+strings.Join(names[1:], "、")+"等"+fmt.Sprint(6+r.IntN(20))+"人")
	add(12, 0, "记录人："+names[1])
	y -= 8
	for i, p := range spec.body {
		add(13, 0, []string{"一、", "二、", "三、", "四、"}[i%4]+p)
	}
	y -= 8
	add(12, 0, "会议要求各责任人按时间节点抓好落实，有关材料存档备查。")
	y -= 24
	add(12, 300, spec.unit)
	add(12, 300, spec.at.Format("2006年1月2日"))
	add(9, 0, "编号 "+spec.key)

	// Fonts: characters in order of first use, 255 to a font.
	gs := glyphs()
	code := map[rune][2]int{} // font, code
	var fonts [][]rune
	for _, l := range lines {
		for _, c := range l.text {
			if _, ok := code[c]; ok {
				continue
			}
			if len(fonts) == 0 || len(fonts[len(fonts)-1]) == 255 {
				fonts = append(fonts, nil)
			}
			fonts[len(fonts)-1] = append(fonts[len(fonts)-1], c)
			code[c] = [2]int{len(fonts) - 1, len(fonts[len(fonts)-1])}
		}
	}
	var content strings.Builder
	content.WriteString("0.1 0.1 0.1 rg\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "BT %.2f %.2f Td ", l.x, l.y)
		font := -1
		for _, c := range l.text {
			fc := code[c]
			if fc[0] != font {
				if font >= 0 {
					content.WriteString("> Tj ")
				}
				font = fc[0]
				fmt.Fprintf(&content, "/F%d %g Tf <", font+1, l.size)
			}
			fmt.Fprintf(&content, "%02X", fc[1])
		}
		if font >= 0 {
			content.WriteString("> Tj ")
		}
		content.WriteString("ET\n")
	}

	w := &pdfWriter{}
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// Objects 1 catalog, 2 pages, 3 page, 4 contents, 5 info; fonts after.
	next := 6
	var fontRefs strings.Builder
	type fontObjs struct{ font, cmap, first int }
	objs := make([]fontObjs, len(fonts))
	for i, f := range fonts {
		objs[i] = fontObjs{font: next, cmap: next + 1, first: next + 2}
		next += 2 + len(f)
		fmt.Fprintf(&fontRefs, "/F%d %d 0 R ", i+1, objs[i].font)
	}
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.obj(3, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << %s>> >> /Contents 4 0 R >>", fontRefs.String()))
	w.stream(4, "", []byte(content.String()))
	w.obj(5, fmt.Sprintf("<< /Title %s /Producer (cxzy ledger demo seed) /CreationDate (D:%s) >>",
		pdfText(spec.topic+"会议纪要"), spec.at.UTC().Format("20060102150405Z")))
	for i, f := range fonts {
		o := objs[i]
		var procs, diffs, widths, cmap strings.Builder
		desc := gs.height - gs.ascent
		for j, c := range f {
			g := gs.glyphOf(c)
			fmt.Fprintf(&procs, "/g%d %d 0 R ", j+1, o.first+j)
			fmt.Fprintf(&diffs, "/g%d ", j+1)
			fmt.Fprintf(&widths, "%d ", g.adv)
			u := utf16.Encode([]rune{c})
			fmt.Fprintf(&cmap, "<%02X> <", j+1)
			for _, x := range u {
				fmt.Fprintf(&cmap, "%04X", x)
			}
			cmap.WriteString(">\n")
			w.compressed(o.first+j, "", charProc(c))
		}
		s := 1.0 / float64(gs.height)
		w.obj(o.font, fmt.Sprintf("<< /Type /Font /Subtype /Type3 /FontBBox [0 %d 255 %d] /FontMatrix [%.6f 0 0 %.6f 0 0] "+
			"/CharProcs << %s>> /Encoding << /Type /Encoding /Differences [1 %s] >> /FirstChar 1 /LastChar %d /Widths [%s] "+
			"/Resources << >> /ToUnicode %d 0 R >>", -desc, gs.ascent, s, s, procs.String(), diffs.String(), len(f), widths.String(), o.cmap))
		w.stream(o.cmap, "", []byte("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"+
			"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"+
			"1 begincodespacerange\n<01> <FF>\nendcodespacerange\n"+
			fmt.Sprintf("%d beginbfchar\n%sendbfchar\n", len(f), cmap.String())+
			"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"))
	}
	return w.finish(next - 1)
}

// charProcs holds the compressed glyph procedure of each character: the
// same in every PDF, made once.
var charProcs sync.Map // rune -> []byte

// charProc is the Type 3 glyph procedure of c, Flate-compressed: its
// width and bounding box (d1: no colour of its own, the text's colour
// fills it), then its bitmap as an image mask over the glyph's cell.
func charProc(c rune) []byte {
	if p, ok := charProcs.Load(c); ok {
		return p.([]byte)
	}
	gs := glyphs()
	g := gs.glyphOf(c)
	desc := gs.height - gs.ascent
	var proc bytes.Buffer
	fmt.Fprintf(&proc, "%d 0 0 %d %d %d d1\n", g.adv, -desc, max(g.width, 1), gs.ascent)
	if g.width > 0 {
		fmt.Fprintf(&proc, "q %d 0 0 %d 0 %d cm\nBI /W %d /H %d /IM true /D [1 0] ID\n", g.width, gs.height, -desc, g.width, gs.height)
		proc.Write(g.rows)
		proc.WriteString("\nEI Q\n")
	}
	p := deflate(proc.Bytes())
	charProcs.Store(c, p)
	return p
}

// zlibWriters are reused: a compressor's tables are large to allocate.
var zlibWriters = sync.Pool{New: func() any { w, _ := zlib.NewWriterLevel(nil, zlib.BestCompression); return w }}

func deflate(data []byte) []byte {
	var z bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(&z)
	zw.Write(data)
	zw.Close()
	zlibWriters.Put(zw)
	return z.Bytes()
}

// wrap cuts text into lines no wider than width glyph units.
func wrap(text string, width float64) []string {
	gs := glyphs()
	var out []string
	var cur []rune
	w := 0
	for _, r := range text {
		a := gs.glyphOf(r).adv
		if float64(w+a) > width && len(cur) > 0 {
			out = append(out, string(cur))
			cur, w = nil, 0
		}
		cur = append(cur, r)
		w += a
	}
	return append(out, string(cur))
}

// pdfText is a PDF text string in UTF-16BE with its byte-order mark.
func pdfText(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

type pdfWriter struct {
	buf     bytes.Buffer
	offsets map[int]int
}

func (w *pdfWriter) obj(n int, body string) {
	if w.offsets == nil {
		w.offsets = map[int]int{}
	}
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

// stream writes a Flate-compressed stream object.
func (w *pdfWriter) stream(n int, dict string, data []byte) { w.compressed(n, dict, deflate(data)) }

// compressed writes a stream object of Flate-compressed bytes.
func (w *pdfWriter) compressed(n int, dict string, z []byte) {
	if w.offsets == nil {
		w.offsets = map[int]int{}
	}
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n<< %s/Length %d /Filter /FlateDecode >>\nstream\n", n, dict, len(z))
	w.buf.Write(z)
	w.buf.WriteString("\nendstream\nendobj\n")
}

func (w *pdfWriter) finish(last int) []byte {
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", last+1)
	for i := 1; i <= last; i++ {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", w.offsets[i])
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", last+1, xref)
	return w.buf.Bytes()
}

// What the files of each kind of step show.

// unitName is the name of the unit with this id (u0042).
func (d *district) unitName(id string) string {
	var i int
	if _, err := fmt.Sscanf(id, "u%04d", &i); err == nil && i >= 0 && i < len(d.units) {
		return d.units[i].name
	}
	return id
}

func (d *district) pledgeFiles(key string, sub pledge.SubmitCommand, at time.Time, narrative string) fileSpec {
	r := rngFor(d.seed, "spec/"+key)
	return fileSpec{
		key: key, unit: d.unitName(sub.Unit), at: at, kind: someKind(r),
		photo: pick(r, []string{"践诺活动现场", "承诺事项公示", "志愿服务活动现场", "便民服务活动现场", "主题党日活动现场"}),
		board: pick(r, []string{"党员承诺公示", "党务公开栏", "便民服务公示栏"}),
		topic: "承诺事项推进",
		body:  []string{"通报承诺事项“" + sub.Title + "”的推进情况。", narrative + "。", "研究下一步工作安排，明确责任人和完成时限。"},
	}
}

func (d *district) findingFiles(p inspectionPlan, k int, at time.Time) fileSpec {
	f := p.findings[k]
	return fileSpec{
		key: fmt.Sprintf("%s/finding-%d", p.id, k+1), unit: d.unitName(d.units[p.unit].id), at: at, kind: photoFile,
		photo: "检查现场照片", board: pick(rngFor(d.seed, "spec/"+p.id), boards),
		topic: "检查情况反馈",
		body:  []string{"检查组现场查看公开栏、台账和活动记录。", "检查发现：" + f.Text + "。", "被检查单位对检查发现无异议，将按要求整改。"},
	}
}

func (d *district) completionFiles(p inspectionPlan, at time.Time) fileSpec {
	body := []string{"检查组通报本次检查情况。"}
	for _, f := range p.findings {
		body = append(body, "检查发现："+f.Text+"。")
	}
	body = append(body, "被检查单位表示立行立改，按期报送整改材料。")
	return fileSpec{
		key: p.id + "/complete", unit: d.unitName(d.units[p.unit].id), at: at, kind: minutesFile,
		topic: "检查反馈", body: body[:min(len(body), 4)],
	}
}

func (d *district) rectFiles(p rectPlan, step string, at time.Time, what string) fileSpec {
	r := rngFor(d.seed, "spec/"+p.id+"/"+step)
	return fileSpec{
		key: p.id + "/" + step, unit: d.unitName(d.units[p.unit].id), at: at, kind: someKind(r),
		photo: what + "的" + pick(r, []string{"公示栏", "党员活动室", "服务窗口", "学习园地"}),
		board: pick(r, []string{"整改情况公示", "党务公开栏", "政务公开栏"}),
		topic: "整改落实专题",
		body:  []string{p.req + "。", pick(r, measureTexts) + "。", pick(r, progressTexts) + "。"},
	}
}

// someKind is a photo three times in four, else minutes.
func someKind(r *rand.Rand) fileKind {
	if r.IntN(4) == 0 {
		return minutesFile
	}
	return photoFile
}

// findingTime is when finding n of an inspection's script was recorded.
func findingTime(steps []step, n int) time.Time {
	for _, st := range steps {
		if st.name == fmt.Sprintf("finding-%d", n) {
			return st.at
		}
	}
	return time.Time{}
}
