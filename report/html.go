package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// HTML writes the summary as one self-contained page for A4 printing: no
// script and nothing fetched, the quarterly trends as inline SVG charts
// drawn here, and the footnotes with their SQL at the end.
func (rp *Report) HTML(w io.Writer) error {
	doc := rp.document()
	n := rp.numbered(doc)
	refs := map[int]int{} // footnote → citations so far, for back-link ids
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html.EscapeString(rp.title()) + "</title>\n<style>\n" + printCSS + "</style>\n</head>\n<body>\n")
	for _, blk := range doc {
		switch blk.kind {
		case "h1":
			b.WriteString("<h1>" + rp.htmlSpans(blk.spans, n, refs) + "</h1>\n")
		case "h2":
			b.WriteString("<h2>" + rp.htmlSpans(blk.spans, n, refs) + "</h2>\n")
		case "note":
			b.WriteString("<p class=\"note\">" + rp.htmlSpans(blk.spans, n, refs) + "</p>\n")
		case "p":
			b.WriteString("<p>")
			if blk.lead != "" {
				b.WriteString("<strong>" + html.EscapeString(blk.lead) + "</strong>")
			}
			b.WriteString(rp.htmlSpans(blk.spans, n, refs) + "</p>\n")
		case "trend":
			rp.htmlTrend(&b, n, refs)
		}
	}
	b.WriteString("<section class=\"sources\">\n<h2>数字出处</h2>\n")
	fmt.Fprintf(&b, "<p>签名检查点：事件数 %d，根哈希 <code>%s</code>，签名时间 %s，密钥 %s（%s）。签名原文（用账本公布的公钥验证）：</p>\n<pre>%s</pre>\n<ol>\n",
		rp.Checkpoint.Size, html.EscapeString(rp.Checkpoint.Root), rp.Checkpoint.Time.UTC().Format("2006-01-02T15:04:05Z"),
		html.EscapeString(rp.Checkpoint.KeyName), html.EscapeString(rp.Checkpoint.KeyID), html.EscapeString(rp.Checkpoint.Note))
	for i, key := range n.order {
		fmt.Fprintf(&b, "<li id=\"fn%d\">", i+1)
		kind, id, _ := strings.Cut(key, ":")
		switch kind {
		case "fig":
			fg, _ := rp.Figure(id)
			b.WriteString(html.EscapeString(rp.provenance(fg)) + "<pre>" + html.EscapeString(fg.SQL) + "</pre>")
		case "rate":
			b.WriteString(html.EscapeString(rp.rateProvenance(rp.rate(id), n)))
		case "trend":
			b.WriteString(html.EscapeString(rp.trendProvenance()) + "<pre>" + html.EscapeString(rp.Trend.SQL) + "</pre>")
		}
		b.WriteString("</li>\n")
	}
	b.WriteString("</ol>\n</section>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// printCSS lays the page out for A4: margins, a serif CJK face, page
// numbers, nothing split across pages that should not be.
const printCSS = `@page { size: A4; margin: 20mm 18mm 22mm; @bottom-center { content: counter(page); font-size: 9pt; } }
html { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif; font-size: 11pt; line-height: 1.75; color: #111; }
body { max-width: 174mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 6mm; font-family: "Noto Sans CJK SC", "SimHei", sans-serif; }
h2 { font-size: 14pt; margin: 7mm 0 3mm; font-family: "Noto Sans CJK SC", "SimHei", sans-serif; break-after: avoid; page-break-after: avoid; }
p { text-indent: 2em; margin: 0 0 3mm; text-align: justify; }
p.note { text-indent: 0; font-size: 9pt; color: #333; border: 0.3mm solid #999; padding: 2mm 3mm; }
.fig { font-weight: bold; }
.bad { color: #b00; font-weight: bold; }
.nr { color: #666; }
sup { font-size: 7pt; line-height: 0; }
sup a { color: inherit; text-decoration: none; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 2mm 0 4mm; break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.3mm solid #777; padding: 1mm 2mm; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 4mm; }
figure.chart { margin: 0; width: 84mm; break-inside: avoid; page-break-inside: avoid; }
figure.chart figcaption { font-size: 9pt; text-align: center; }
svg { width: 100%; height: auto; }
.sources { font-size: 8.5pt; line-height: 1.5; break-before: page; page-break-before: always; }
.sources p { text-indent: 0; }
pre { white-space: pre-wrap; word-break: break-all; font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; font-size: 7.5pt;
  background: #f4f4f4; padding: 1.5mm 2mm; margin: 1mm 0 2mm; break-inside: avoid; page-break-inside: avoid; }
@media screen { body { padding: 12mm; } }
`

func (rp *Report) htmlSpans(spans []span, n *notes, refs map[int]int) string {
	var b strings.Builder
	sup := func(k int) {
		refs[k]++
		fmt.Fprintf(&b, "<sup><a href=\"#fn%d\">%d</a></sup>", k, k)
	}
	for _, s := range spans {
		switch {
		case s.fig != "":
			fg, _ := rp.Figure(s.fig)
			class := "fig"
			if !fg.Agree {
				class = "bad"
			}
			fmt.Fprintf(&b, "<span class=\"%s\">%s</span>", class, html.EscapeString(figureText(fg)))
			sup(n.cite("fig:" + s.fig))
		case s.rate != "":
			fmt.Fprintf(&b, "<span class=\"fig\">%s</span>", html.EscapeString(percent(rp.rate(s.rate).Value)))
			sup(n.cite("rate:" + s.rate))
		case s.nr:
			fmt.Fprintf(&b, "<span class=\"nr\" title=\"%s：账本不记录\">%s</span>", html.EscapeString(s.text), notRecorded)
		default:
			b.WriteString(html.EscapeString(s.text))
		}
	}
	return b.String()
}

func (rp *Report) htmlTrend(b *strings.Builder, n *notes, refs map[int]int) {
	k := n.cite("trend")
	refs[k]++
	fmt.Fprintf(b, "<p>各季度数字（活动季度；整改按发生的季度）<sup><a href=\"#fn%d\">%d</a></sup>：</p>\n<table>\n<tr><th>项目</th>", k, k)
	for _, q := range rp.Trend.Quarters {
		b.WriteString("<th>" + html.EscapeString(q) + "</th>")
	}
	b.WriteString("<th>全年</th></tr>\n")
	for _, s := range rp.Trend.Series {
		b.WriteString("<tr><td>" + html.EscapeString(s.Label) + "</td>")
		var sum int64
		ok := true
		for i, v := range s.Values {
			if s.Agree[i] {
				b.WriteString("<td class=\"n\">" + strconv.FormatInt(v, 10) + "</td>")
			} else {
				fmt.Fprintf(b, "<td class=\"n bad\">⚠不一致（%d/%d）</td>", s.ClickHouse[i], s.Log[i])
				ok = false
			}
			sum += v
		}
		if ok {
			b.WriteString("<td class=\"n\">" + strconv.FormatInt(sum, 10) + "</td></tr>\n")
		} else {
			b.WriteString("<td class=\"n\">—</td></tr>\n")
		}
	}
	b.WriteString("</table>\n<div class=\"charts\">\n")
	series := func(metric string) Series {
		for _, s := range rp.Trend.Series {
			if s.Metric == metric {
				return s
			}
		}
		return Series{Metric: metric}
	}
	for _, c := range []struct {
		title   string
		metrics []string
	}{
		{"承诺与践诺", []string{"pledges_made", "pledges_fulfilled", "pledges_lapsed"}},
		{"点评与查找问题", []string{"reviews", "shortcomings"}},
		{"整改", []string{"rectifications_opened", "rectifications_closed", "rectifications_closed_on_time"}},
	} {
		var ss []Series
		for _, m := range c.metrics {
			ss = append(ss, series(m))
		}
		b.WriteString(barChart(c.title, rp.Trend.Quarters, ss))
	}
	// Satisfaction as a rate per quarter.
	sat, all := series("satisfaction_satisfied"), series("satisfaction_respondents")
	rates := make([]*float64, len(rp.Trend.Quarters))
	for i := range rates {
		if i < len(all.Values) && i < len(sat.Values) && all.Values[i] > 0 && all.Agree[i] && sat.Agree[i] {
			v := float64(sat.Values[i]) / float64(all.Values[i])
			rates[i] = &v
		}
	}
	b.WriteString(lineChart("群众满意率", rp.Trend.Quarters, rates))
	b.WriteString("</div>\n")
}

// palette are the series' colours, distinguishable in grey print too.
var palette = []string{"#1f4e79", "#c0504d", "#9bbb59", "#8064a2"}

// barChart draws grouped bars, one group per quarter, with a legend.
func barChart(title string, quarters []string, ss []Series) string {
	const w, h, left, bottom, top = 320.0, 200.0, 36.0, 28.0, 30.0
	var max int64 = 1
	for _, s := range ss {
		for _, v := range s.Values {
			max = int64(math.Max(float64(max), float64(v)))
		}
	}
	scale := niceCeil(max)
	var b strings.Builder
	fmt.Fprintf(&b, "<figure class=\"chart\"><svg viewBox=\"0 0 %g %g\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"%s\">", w, h, html.EscapeString(title))
	plotH := h - bottom - top
	for i := 0; i <= 4; i++ {
		y := top + plotH*float64(4-i)/4
		fmt.Fprintf(&b, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#ccc\" stroke-width=\"0.5\"/>", left, y, w-4, y)
		fmt.Fprintf(&b, "<text x=\"%g\" y=\"%.1f\" font-size=\"8\" text-anchor=\"end\">%d</text>", left-3, y+3, scale*int64(i)/4)
	}
	groupW := (w - left - 8) / float64(len(quarters))
	barW := groupW * 0.7 / float64(max1(len(ss)))
	for qi, q := range quarters {
		x0 := left + 4 + groupW*float64(qi) + groupW*0.15
		for si, s := range ss {
			v := int64(0)
			if qi < len(s.Values) {
				v = s.Values[qi]
			}
			bh := plotH * float64(v) / float64(scale)
			fmt.Fprintf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s：%d</title></rect>",
				x0+barW*float64(si), top+plotH-bh, barW-1, bh, palette[si%len(palette)], html.EscapeString(s.Label), q, v)
		}
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%g\" font-size=\"9\" text-anchor=\"middle\">%s</text>", x0+groupW*0.35, h-bottom+12, html.EscapeString(q))
	}
	for si, s := range ss {
		x := left + float64(si)*90
		fmt.Fprintf(&b, "<rect x=\"%g\" y=\"8\" width=\"9\" height=\"9\" fill=\"%s\"/><text x=\"%g\" y=\"16\" font-size=\"9\">%s</text>",
			x, palette[si%len(palette)], x+12, html.EscapeString(s.Label))
	}
	b.WriteString("</svg><figcaption>" + html.EscapeString(title) + "</figcaption></figure>\n")
	return b.String()
}

// lineChart draws a rate (0 to 100%) per quarter; a quarter without data
// has no point.
func lineChart(title string, quarters []string, rates []*float64) string {
	const w, h, left, bottom, top = 320.0, 200.0, 36.0, 28.0, 30.0
	plotH := h - bottom - top
	var b strings.Builder
	fmt.Fprintf(&b, "<figure class=\"chart\"><svg viewBox=\"0 0 %g %g\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"%s\">", w, h, html.EscapeString(title))
	for i := 0; i <= 4; i++ {
		y := top + plotH*float64(4-i)/4
		fmt.Fprintf(&b, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#ccc\" stroke-width=\"0.5\"/>", left, y, w-4, y)
		fmt.Fprintf(&b, "<text x=\"%g\" y=\"%.1f\" font-size=\"8\" text-anchor=\"end\">%d%%</text>", left-3, y+3, 25*i)
	}
	step := (w - left - 8) / float64(len(quarters))
	var pts []string
	for i, q := range quarters {
		x := left + 4 + step*(float64(i)+0.5)
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%g\" font-size=\"9\" text-anchor=\"middle\">%s</text>", x, h-bottom+12, html.EscapeString(q))
		if rates[i] == nil {
			continue
		}
		y := top + plotH*(1-*rates[i])
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		fmt.Fprintf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"middle\">%s</text>",
			x, y, palette[0], x, y-5, percent(rates[i]))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>", strings.Join(pts, " "), palette[0])
	}
	b.WriteString("</svg><figcaption>" + html.EscapeString(title) + "</figcaption></figure>\n")
	return b.String()
}

// niceCeil rounds a chart's top up to 1, 2 or 5 times a power of ten, and
// to a multiple of 4 so the four gridlines fall on whole numbers.
func niceCeil(v int64) int64 {
	if v <= 4 {
		return 4
	}
	p := int64(1)
	for p*10 < v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if c := m * p; c >= v {
			return (c + 3) / 4 * 4
		}
	}
	return (v + 3) / 4 * 4
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
