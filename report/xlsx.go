package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// SheetName is the one sheet of the workbook.
const SheetName = "数字及出处"

// xlsxHeaders are the columns of the figures sheet.
var xlsxHeaders = []string{"注", "数字", "数值", "单位", "ClickHouse", "账本重算", "一致", "范围", "出处（查询或算式）", "数据库", "检查点事件数", "检查点根哈希", "position ≤"}

// XLSX writes the summary's figures as a workbook of one sheet: a row per
// figure, rate and trend cell, each with its footnote (the SQL, the
// database and the checkpoint), under a bold frozen header row; the
// signed checkpoint's note is in the last row.
func (rp *Report) XLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return err
	}
	wrap, err := x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Font: &excelize.Font{Family: "Consolas", Size: 9}})
	if err != nil {
		return err
	}
	pct := "0.0%"
	percentStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: &pct})
	if err != nil {
		return err
	}
	row := 1
	set := func(values ...any) error {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return x.SetSheetRow(SheetName, cell, &values)
	}
	if err := set(toAny(xlsxHeaders)...); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(xlsxHeaders), 1)
	if err := x.SetCellStyle(SheetName, "A1", last, bold); err != nil {
		return err
	}
	doc := rp.document()
	n := rp.numbered(doc)
	cp := rp.Checkpoint
	scope := "全区"
	if rp.Area != "" {
		scope = rp.areaText()
	}
	for i, key := range n.order {
		kind, id, _ := strings.Cut(key, ":")
		switch kind {
		case "fig":
			fg, _ := rp.Figure(id)
			var value any = fg.Value
			if !fg.Agree {
				value = "不一致"
			}
			where := scope
			if fg.District {
				where = "全区"
			}
			if err := set(i+1, fg.Label, value, fg.Unit, fg.ClickHouse, fg.Log, yes(fg.Agree), where, fg.SQL, rp.Database, cp.Size, cp.Root, rp.Position); err != nil {
				return err
			}
		case "rate":
			rt := rp.rate(id)
			var value any = "无数据"
			if rt.Value != nil {
				value = *rt.Value
			}
			if err := set(i+1, rt.Label, value, "", "", "", "", scope, rp.rateProvenance(rt, n), rp.Database, cp.Size, cp.Root, rp.Position); err != nil {
				return err
			}
			if rt.Value != nil {
				c, _ := excelize.CoordinatesToCellName(3, row-1)
				if err := x.SetCellStyle(SheetName, c, c, percentStyle); err != nil {
					return err
				}
			}
		case "trend":
			for _, s := range rp.Trend.Series {
				for qi, q := range rp.Trend.Quarters {
					var value any = s.Values[qi]
					if !s.Agree[qi] {
						value = "不一致"
					}
					if err := set(i+1, "季度趋势："+s.Label+" "+q, value, "", s.ClickHouse[qi], s.Log[qi], yes(s.Agree[qi]), scope,
						rp.Trend.SQL, rp.Database, cp.Size, cp.Root, rp.Position); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := set("", "签名检查点原文", "", "", "", "", "", "", cp.Note, "", cp.Size, cp.Root, rp.Position); err != nil {
		return err
	}
	sqlCol, _ := excelize.ColumnNumberToName(9)
	if err := x.SetCellStyle(SheetName, sqlCol+"2", fmt.Sprintf("%s%d", sqlCol, row-1), wrap); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 5, "B": 34, "C": 10, "D": 6, "E": 11, "F": 10, "G": 6, "H": 10, "I": 90, "J": 12, "K": 12, "L": 48, "M": 12} {
		if err := x.SetColWidth(SheetName, col, col, width); err != nil {
			return err
		}
	}
	if err := x.SetPanes(SheetName, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}

func yes(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
