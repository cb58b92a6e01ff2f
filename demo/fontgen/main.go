// Command fontgen writes demo/glyphs.bin: 1-bit bitmaps of every character
// the demo's texts use, rendered once from Droid Sans Fallback (Debian's
// fonts-droid-fallback, Apache License 2.0) for Chinese and from Go Regular
// (golang.org/x/image/font/gofont, BSD 3-clause) for what Droid Sans
// Fallback lacks (Latin letters, digits, ASCII and general punctuation),
// so that the seed draws and typesets Chinese with no font installed and
// the same bytes on every machine. It is a module of its own so that the ledger does not depend
// on golang.org/x/image. Run it again after adding characters to the
// demo's texts (TestGlyphsCoverTheTexts says when):
//
//	apt-get install fonts-droid-fallback
//	cd demo/fontgen && go run . -out ../glyphs.bin
//
// The file (deflate-compressed) is:
//
//	"CXZYGLYPH1", cell height, ascent (bytes), glyph count (uint16 BE),
//	then per glyph: rune (uint32 BE), advance and bitmap width (bytes),
//	then cell-height rows of ceil(width/8) bytes, most significant bit
//	leftmost, 1 for ink.
package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"log"
	"os"
	"path/filepath"
	"slices"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

func main() {
	fontFile := flag.String("font", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "the TrueType font to render")
	src := flag.String("src", "..", "the demo package's directory: every character in its .go files is rendered")
	out := flag.String("out", "../glyphs.bin", "file to write")
	size := flag.Float64("size", 40, "em size in pixels")
	flag.Parse()

	data, err := os.ReadFile(*fontFile)
	if err != nil {
		log.Fatal(err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		log.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: *size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		log.Fatal(err)
	}
	g, err := opentype.Parse(goregular.TTF)
	if err != nil {
		log.Fatal(err)
	}
	latin, err := opentype.NewFace(g, &opentype.FaceOptions{Size: *size * 0.9, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		log.Fatal(err)
	}
	m := face.Metrics()
	ascent, height := m.Ascent.Ceil(), m.Ascent.Ceil()+m.Descent.Ceil()

	set := map[rune]bool{}
	for r := rune(0x20); r < 0x7f; r++ {
		set[r] = true
	}
	for _, r := range "·“”‘’：；，。、！？（）《》—…·％＋－\u3000" {
		set[r] = true
	}
	files, _ := filepath.Glob(filepath.Join(*src, "*.go"))
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range string(text) {
			if r > 0x7f && unicode.IsGraphic(r) && !unicode.IsSpace(r) {
				set[r] = true
			}
		}
	}
	runes := make([]rune, 0, len(set))
	for r := range set {
		runes = append(runes, r)
	}
	slices.Sort(runes)

	var raw bytes.Buffer
	raw.WriteString("CXZYGLYPH1")
	raw.WriteByte(byte(height))
	raw.WriteByte(byte(ascent))
	binary.Write(&raw, binary.BigEndian, uint16(len(runes)))
	var missing []rune
	for _, r := range runes {
		dot := fixed.P(0, ascent)
		dr, mask, maskp, adv, ok := face.Glyph(dot, r)
		if i, err := f.GlyphIndex(nil, r); !ok || err != nil || i == 0 {
			dr, mask, maskp, adv, ok = latin.Glyph(dot, r)
			if i, err := g.GlyphIndex(nil, r); !ok || err != nil || i == 0 {
				missing = append(missing, r)
				continue
			}
		}
		advance := adv.Round()
		width := max(advance, dr.Max.X)
		if width > 255 || advance > 255 {
			log.Fatalf("%q is %d px wide", r, width)
		}
		binary.Write(&raw, binary.BigEndian, uint32(r))
		raw.WriteByte(byte(advance))
		raw.WriteByte(byte(width))
		stride := (width + 7) / 8
		for y := range height {
			row := make([]byte, stride)
			for x := range width {
				p := image.Pt(x, y)
				if !p.In(dr) {
					continue
				}
				_, _, _, a := mask.At(maskp.X+x-dr.Min.X, maskp.Y+y-dr.Min.Y).RGBA()
				if a >= 0x8000 {
					row[x/8] |= 0x80 >> (x % 8)
				}
			}
			raw.Write(row)
		}
	}
	if len(missing) > 0 {
		log.Fatalf("the font has no glyph for %q", string(missing))
	}
	var packed bytes.Buffer
	w, _ := flate.NewWriter(&packed, flate.BestCompression)
	w.Write(raw.Bytes())
	w.Close()
	if err := os.WriteFile(*out, packed.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d glyphs, cell %d px (ascent %d), %d bytes (%d unpacked) written to %s\n", len(runes), height, ascent, packed.Len(), raw.Len(), *out)
}
