package demo

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// glyphsBin holds 1-bit bitmaps of every character the demo's texts use,
// made once by demo/fontgen from Droid Sans Fallback (Apache License 2.0,
// Copyright © 2006–2010 Google Corp.) and Go Regular (BSD 3-clause,
// Copyright © 2016 The Go Authors); see glyphs.LICENSE. The seed draws
// and typesets Chinese with them, so it needs no installed font and
// writes the same bytes on every machine.
//
//go:embed glyphs.bin
var glyphsBin []byte

type glyph struct {
	adv, width int
	rows       []byte // cell-height rows of stride bytes, MSB leftmost, 1 for ink
	stride     int
}

func (g *glyph) ink(x, y int) bool {
	return x >= 0 && x < g.width && g.rows[y*g.stride+x/8]&(0x80>>(x%8)) != 0
}

type glyphSet struct {
	height, ascent int
	byRune         map[rune]*glyph
}

var glyphs = sync.OnceValue(func() *glyphSet {
	gs, err := readGlyphs(glyphsBin)
	if err != nil {
		panic(err) // the embedded file is part of the build
	}
	return gs
})

func readGlyphs(packed []byte) (*glyphSet, error) {
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(packed)))
	if err != nil {
		return nil, fmt.Errorf("demo: glyphs: %w", err)
	}
	const magic = "CXZYGLYPH1"
	if !bytes.HasPrefix(raw, []byte(magic)) || len(raw) < len(magic)+4 {
		return nil, fmt.Errorf("demo: glyphs: not a glyph file")
	}
	p := raw[len(magic):]
	gs := &glyphSet{height: int(p[0]), ascent: int(p[1]), byRune: map[rune]*glyph{}}
	n := int(binary.BigEndian.Uint16(p[2:]))
	p = p[4:]
	for range n {
		if len(p) < 6 {
			return nil, fmt.Errorf("demo: glyphs: truncated")
		}
		r := rune(binary.BigEndian.Uint32(p))
		g := &glyph{adv: int(p[4]), width: int(p[5])}
		g.stride = (g.width + 7) / 8
		size := g.stride * gs.height
		if len(p) < 6+size {
			return nil, fmt.Errorf("demo: glyphs: truncated at %q", r)
		}
		g.rows = p[6 : 6+size]
		gs.byRune[r] = g
		p = p[6+size:]
	}
	return gs, nil
}

// glyphOf returns the glyph of r, or of '?' for a character the set lacks
// (TestGlyphsCoverTheTexts keeps the demo's texts inside it).
func (gs *glyphSet) glyphOf(r rune) *glyph {
	if g, ok := gs.byRune[r]; ok {
		return g
	}
	return gs.byRune['?']
}

// textWidth is the advance of s at a cell height of px pixels.
func (gs *glyphSet) textWidth(s string, px float64) float64 {
	w := 0
	for _, r := range s {
		w += gs.glyphOf(r).adv
	}
	return float64(w) * px / float64(gs.height)
}

// missing lists the characters of s the set has no glyph for.
func (gs *glyphSet) missing(s string) []rune {
	var out []rune
	for _, r := range s {
		if _, ok := gs.byRune[r]; !ok && r != '\n' {
			out = append(out, r)
		}
	}
	return out
}
