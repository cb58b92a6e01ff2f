package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Markdown writes the summary as Markdown (GitHub's, with footnotes):
// each figure in bold with its footnote, the trend as a table, and the
// footnotes with their SQL at the end.
func (rp *Report) Markdown(w io.Writer) error {
	doc := rp.document()
	n := rp.numbered(doc)
	var b strings.Builder
	for _, blk := range doc {
		switch blk.kind {
		case "h1":
			b.WriteString("# " + rp.mdSpans(blk.spans, n) + "\n\n")
		case "h2":
			b.WriteString("## " + rp.mdSpans(blk.spans, n) + "\n\n")
		case "note":
			b.WriteString("> " + rp.mdSpans(blk.spans, n) + "\n\n")
		case "p":
			if blk.lead != "" {
				b.WriteString("**" + blk.lead + "**")
			}
			b.WriteString(rp.mdSpans(blk.spans, n) + "\n\n")
		case "trend":
			rp.mdTrend(&b, n)
		}
	}
	b.WriteString("## 数字出处\n\n")
	b.WriteString(fmt.Sprintf("签名检查点：事件数 %d，根哈希 `%s`，签名时间 %s，密钥 %s（%s）。签名原文（用账本公布的公钥验证）：\n\n```text\n%s```\n\n",
		rp.Checkpoint.Size, rp.Checkpoint.Root, rp.Checkpoint.Time.UTC().Format("2006-01-02T15:04:05Z"), rp.Checkpoint.KeyName, rp.Checkpoint.KeyID,
		rp.Checkpoint.Note))
	for i, key := range n.order {
		b.WriteString(fmt.Sprintf("[^%d]: ", i+1))
		kind, id, _ := strings.Cut(key, ":")
		switch kind {
		case "fig":
			fg, _ := rp.Figure(id)
			b.WriteString(mdEscape(rp.provenance(fg)) + "\n\n" + indent(fence(fg.SQL)) + "\n")
		case "rate":
			b.WriteString(mdEscape(rp.rateProvenance(rp.rate(id), n)) + "\n\n")
		case "trend":
			b.WriteString(mdEscape(rp.trendProvenance()) + "\n\n" + indent(fence(rp.Trend.SQL)) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// trendProvenance is the trend's footnote in words.
func (rp *Report) trendProvenance() string {
	s := fmt.Sprintf("季度趋势：ClickHouse 数据库 %s，检查点（事件数 %d，根哈希 %s）所含事件（position ≤ %d），每季度每项一行；账本重算（Go，domain/annual）",
		rp.Database, rp.Checkpoint.Size, rp.Checkpoint.Root, rp.Position)
	bad := 0
	for _, s := range rp.Trend.Series {
		for _, ok := range s.Agree {
			if !ok {
				bad++
			}
		}
	}
	if bad == 0 {
		return s + "逐格一致。"
	}
	return s + fmt.Sprintf("有 %d 格不一致，已标出。", bad)
}

func (rp *Report) mdSpans(spans []span, n *notes) string {
	var b strings.Builder
	for _, s := range spans {
		switch {
		case s.fig != "":
			fg, _ := rp.Figure(s.fig)
			fmt.Fprintf(&b, "**%s**[^%d]", figureText(fg), n.cite("fig:"+s.fig))
		case s.rate != "":
			fmt.Fprintf(&b, "**%s**[^%d]", percent(rp.rate(s.rate).Value), n.cite("rate:"+s.rate))
		case s.nr:
			b.WriteString(notRecorded)
		default:
			b.WriteString(mdEscape(s.text))
		}
	}
	return b.String()
}

func (rp *Report) mdTrend(b *strings.Builder, n *notes) {
	fmt.Fprintf(b, "各季度数字（活动季度；整改按发生的季度）[^%d]：\n\n| 项目 |", n.cite("trend"))
	for _, q := range rp.Trend.Quarters {
		b.WriteString(" " + q + " |")
	}
	b.WriteString(" 全年 |\n|---|")
	for range rp.Trend.Quarters {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	for _, s := range rp.Trend.Series {
		b.WriteString("| " + s.Label + " |")
		var sum int64
		ok := true
		for i, v := range s.Values {
			if s.Agree[i] {
				b.WriteString(" " + strconv.FormatInt(v, 10) + " |")
			} else {
				fmt.Fprintf(b, " ⚠不一致（%d/%d） |", s.ClickHouse[i], s.Log[i])
				ok = false
			}
			sum += v
		}
		if ok {
			b.WriteString(" " + strconv.FormatInt(sum, 10) + " |\n")
		} else {
			b.WriteString(" — |\n")
		}
	}
	b.WriteString("\n")
}

// mdEscape keeps text from being read as Markdown.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `[`, `\[`, `]`, `\]`, `<`, `&lt;`, `|`, `\|`).Replace(s)
}

func fence(sql string) string { return "```sql\n" + sql + "\n```\n" }

// indent makes a block a footnote's continuation.
func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
