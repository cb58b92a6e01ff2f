package api

import (
	"reflect"

	"github.com/cxzy/ledger/projections"
)

// The words of the exports (台账): the Chinese header of every column the
// lists export, and the Chinese label of every code they hold. The terms
// are those of docs/domain.md's glossary; a code with no label shows as
// itself. The codes stay in the export beside their labels (状态 and
// 状态代码), so that a sheet can still be filtered by them.

// vocab maps a code to its Chinese label.
type vocab map[string]string

var (
	rectStateLabels   = vocab{"open": "待签收", "in_progress": "整改中", "submitted": "待验收", "accepted": "已销号", "cancelled": "已撤销"}
	colourLabels      = vocab{"red": "红灯", "yellow": "黄灯", "green": "绿灯", "on_time": "按期销号", "late": "逾期销号", "none": "无"}
	pledgeStateLabels = vocab{"submitted": "已提交", "returned": "退回修改", "filed": "把关备案", "disclosed": "公开承诺",
		"in_progress": "践诺中", "fulfilled": "已兑现", "lapsed": "未兑现", "evaluated": "已评诺", "withdrawn": "撤回"}
	unitKindLabels = vocab{"district": "区", "street": "街道", "department": "部门", "big_community": "大社区",
		"branch": "党支部", "village": "村", "enterprise": "非公企业", "window_unit": "窗口单位"}
	sourceKindLabels = vocab{"review": "点评", "inspection": "检查", "evaluation": "评诺/测评", "ranking": "月度排名"}
	makerLabels      = vocab{"unit": "党组织", "member": "党员"}
	categoryLabels   = vocab{"stage_task": "完成阶段工作任务", "service_for_masses": "为群众办实事好事", "self_improvement": "加强自身建设",
		"duty": "本职工作", "serving_masses": "服务群众", "integrity": "廉洁自律"}
	gradeLabels           = vocab{"excellent": "好", "good": "较好", "fair": "一般", "poor": "差"}
	formLabels            = vocab{"meeting": "会议点评", "talk": "谈话点评", "on_site": "现场点评", "written": "书面点评", "random": "随机点评"}
	subjectLabels         = vocab{"unit": "党组织", "member": "党员"}
	inspectionKindLabels  = vocab{"special": "专项检查", "random": "随机抽查"}
	inspectionStateLabels = vocab{"open": "进行中", "completed": "已完成"}
	groupStateLabels      = vocab{"active": "工作中", "dissolved": "已解散"}
	metricLabels          = vocab{
		projections.MetricThemesSet: "活动主题数", projections.MetricPledgesMade: "承诺事项数", projections.MetricPledgesFiled: "把关备案数",
		projections.MetricPledgesFulfilled: "已兑现数", projections.MetricPledgesLapsed: "未兑现数", projections.MetricReviews: "点评数",
		projections.MetricShortcomings: "缺点和不足数", projections.MetricMeasures: "改进措施数",
		projections.MetricRectificationsOpened: "责令整改数", projections.MetricRectificationsClosed: "验收销号数",
		projections.MetricRectificationsClosedOnTime: "按期销号数", projections.MetricRectificationsCancelled: "撤销整改数",
		projections.MetricSatisfactionSatisfied: "满意人数", projections.MetricSatisfactionRespondents: "测评人数",
		projections.MetricVanguardsIndividual: "先锋个人数", projections.MetricVanguardsCollective: "先进集体数",
	}
)

// label is code's Chinese label, or code itself when it has none.
func (v vocab) label(code string) string {
	if l, ok := v[code]; ok {
		return l
	}
	return code
}

// zhHeaders are the Chinese headers of the exported columns, by JSON
// key, shared by every list; a list's exportSpec may say otherwise.
var zhHeaders = map[string]string{
	"id": "编号", "stream": "事件流", "version": "版本号", "updated_at": "更新时间", "state": "状态",
	"unit": "单位代码", "unit_name": "单位名称", "area": "片区代码", "unit_kind": "单位类型", "member": "党员代码",
	"group": "检查组代码", "group_name": "检查组名称", "quarter": "季度", "month": "月度", "period": "期间",
	// Rectifications.
	"source_kind": "整改来源", "source_ref": "来源编号", "responsible_unit": "责任单位代码", "responsible_person": "责任人",
	"requirement": "整改要求", "ordered_at": "责令整改时间", "original_deadline": "原定时限", "deadline": "现行时限",
	"extensions_requested": "延期申请次数", "extensions_granted": "批准延期次数", "extensions_denied": "不予延期次数",
	"rejections": "退回重改次数", "reopenings": "问题反弹次数", "closings": "验收销号次数", "missed_deadlines": "逾期次数",
	"closed_at": "销号时间", "closed_on": "销号日期", "on_time_original": "按原定时限销号", "on_time_current": "按现行时限销号",
	"cancelled": "已撤销", "closed_entered_late": "销号为补录", "extensions_entered_late": "补录延期申请数",
	"days_left": "剩余天数", "colour": "亮灯",
	// Pledges.
	"maker": "承诺主体", "category": "承诺类别", "title": "承诺事项", "submitted_at": "提交时间", "filed_at": "备案时间",
	"disclosed_at": "公开时间", "fulfilled_at": "兑现时间", "lapsed_at": "未兑现时间", "progress": "践诺进度（%）",
	"reports": "践诺情况报告数", "evaluation_score": "评诺得分", "evaluation_grade": "评诺等次",
	// Reviews.
	"subject": "点评对象", "form": "点评形式", "reviewer": "点评人", "shortcomings": "缺点和不足数", "measures": "改进措施数",
	"rectifications_ordered": "责令整改数", "corrections": "更正次数", "retracted": "已撤回", "occurred_at": "点评时间",
	// Inspections.
	"kind": "检查类型", "started_at": "开始时间", "completed_at": "完成时间", "findings": "发现问题数",
	"findings_ordering_rectification": "需整改问题数",
	// The inspection-group view.
	"via_area": "经由片区代码", "pledges": "本季度承诺（按状态）", "pledges_total": "本季度承诺数", "fulfilment_rate": "兑现率",
	"reviews": "本季度点评数", "open_rectifications": "未销号整改数", "yellow_rectifications": "黄灯数", "red_rectifications": "红灯数",
	"last_inspection": "最近检查编号", "last_inspection_at": "最近检查时间", "last_inspection_state": "最近检查状态",
	"satisfaction": "满意率", "satisfaction_period": "测评期间", "rank": "名次", "score": "得分", "rank_month": "排名月度",
	// Trends.
	"metric": "指标", "value": "数值",
	// The directory.
	"name": "名称", "leader": "包靠领导", "parent_id": "上级单位代码", "area_id": "片区代码", "level": "层级",
	"members": "成员人数", "areas": "经片区覆盖", "units": "经单位指派覆盖", "covered": "覆盖单位数",
}

// nameColumn is a column of names beside a column of ids: the table the
// names are read from (projections.NamesOf...) and the column's header.
type nameColumn struct{ table, header string }

// exportSpec is what one list's export says beyond its JSON: the sheet's
// name, the headers that differ from zhHeaders, the columns of codes that
// get a label column (for a map, its keys get labels), and the columns
// of ids that get a name column.
type exportSpec struct {
	sheet   string
	headers map[string]string
	labels  map[string]vocab
	names   map[string]nameColumn
}

var (
	unitNames   = nameColumn{projections.NamesOfUnits, "单位名称"}
	areaNames   = nameColumn{projections.NamesOfAreas, "片区名称"}
	memberNames = nameColumn{projections.NamesOfMembers, "党员姓名"}
	groupNames  = nameColumn{projections.NamesOfGroups, "检查组名称"}
)

// exportSpecs are the specs of the lists by their row type.
var exportSpecs = map[reflect.Type]exportSpec{
	reflect.TypeFor[projections.RectificationRow](): {sheet: "整改台账",
		labels: map[string]vocab{"state": rectStateLabels, "colour": colourLabels, "unit_kind": unitKindLabels, "source_kind": sourceKindLabels},
		names:  map[string]nameColumn{"area": areaNames}},
	reflect.TypeFor[projections.PledgeRow](): {sheet: "承诺台账",
		labels: map[string]vocab{"state": pledgeStateLabels, "unit_kind": unitKindLabels, "maker": makerLabels, "category": categoryLabels, "evaluation_grade": gradeLabels},
		names:  map[string]nameColumn{"unit": unitNames, "member": memberNames, "area": areaNames}},
	reflect.TypeFor[projections.ReviewRow](): {sheet: "点评台账",
		labels: map[string]vocab{"unit_kind": unitKindLabels, "form": formLabels, "subject": subjectLabels},
		names:  map[string]nameColumn{"unit": unitNames, "member": memberNames, "area": areaNames}},
	reflect.TypeFor[projections.InspectionRow](): {sheet: "检查台账",
		labels: map[string]vocab{"kind": inspectionKindLabels, "state": inspectionStateLabels},
		names:  map[string]nameColumn{"group": groupNames, "unit": unitNames}},
	reflect.TypeFor[projections.GroupViewRow](): {sheet: "检查组视图",
		labels: map[string]vocab{"unit_kind": unitKindLabels, "last_inspection_state": inspectionStateLabels, "pledges": pledgeStateLabels},
		names:  map[string]nameColumn{"area": areaNames, "via_area": {projections.NamesOfAreas, "经由片区名称"}}},
	reflect.TypeFor[projections.TrendRow](): {sheet: "趋势",
		labels: map[string]vocab{"unit_kind": unitKindLabels, "metric": metricLabels},
		names:  map[string]nameColumn{"area": areaNames}},
	reflect.TypeFor[projections.AreaRow](): {sheet: "片区",
		headers: map[string]string{"id": "片区代码", "name": "片区名称"}},
	reflect.TypeFor[projections.UnitRow](): {sheet: "单位",
		headers: map[string]string{"id": "单位代码", "name": "单位名称", "kind": "单位类型"},
		labels:  map[string]vocab{"kind": unitKindLabels},
		names:   map[string]nameColumn{"parent_id": {projections.NamesOfUnits, "上级单位名称"}, "area_id": areaNames}},
	reflect.TypeFor[projections.GroupRow](): {sheet: "检查组",
		headers: map[string]string{"id": "检查组代码", "name": "检查组名称"},
		labels:  map[string]vocab{"state": groupStateLabels}},
}
