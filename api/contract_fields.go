package api

import (
	"fmt"
	"reflect"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evaluation"
	"github.com/cxzy/ledger/domain/inspection"
	"github.com/cxzy/ledger/domain/org"
	"github.com/cxzy/ledger/domain/pledge"
	"github.com/cxzy/ledger/domain/rectification"
	"github.com/cxzy/ledger/domain/review"
	"github.com/cxzy/ledger/domain/scoring"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// Limits the domain enforces but does not export; the contract tests hold
// the document to them by sending a value just past each bound.
const (
	reviewMaxItems    = 100        // shortcomings, measures of a review remark
	groupMaxMembers   = 100        // people of an inspection group
	inspectionMaxEvid = 50         // evidence of a finding or a completed inspection
	surveyMaxCount    = 10_000_000 // respondents of a survey
	vanguardMaxKey    = 64         // a vanguard category's key, in bytes
	rankingMaxEntries = 1000       // units of a ranking
	rankingMaxReasons = 20         // reasons of one unit's place
)

// Fields shared by many bodies.
var (
	occurredAt = doc("业务发生时间",
		"事情实际发生的时间，RFC 3339 格式并带时区，如 2026-09-20T15:00:00+08:00。不填即为服务器收到命令的时间。"+
			"不得晚于服务器时钟（允许少量时钟偏差，默认 2 分钟），不得早于本事项已记录的最近一条事件或所引用对象的登记时间；"+
			"时间规则（季度是否结束、是否在期限前申请延期）都按业务发生时间判断，因此可以补录过去的事项，补录会被标记。"+
			" Business time: when it happened (RFC 3339 with a zone). Left out, the time the ledger received the command. "+
			"Never in the future (beyond the clock skew, 2m by default), never before the latest event of the item or what the command refers to; "+
			"rules of time are judged on it, so the past can be backfilled (late entries are marked).")
	evidenceList = doc("佐证材料",
		"引用的佐证材料（照片、会议记录、扫描件）列表：每项是先上传（POST /v1/evidence）后服务器返回的引用，原样照抄；同一文件不得列两次。"+
			" Evidence files cited: each the reference an upload (POST /v1/evidence) answered, copied as it is; the same file may not be listed twice.")
)

// id documents an identifier: opaque, 1 to 128 bytes, no spaces.
func id(title, description string) fieldDoc {
	return doc(title, description).note(fmt.Sprintf("1 至 %d 字节，不含空格和控制字符。", domain.MaxIDBytes),
		fmt.Sprintf("1 to %d bytes, no spaces or control characters.", domain.MaxIDBytes)).chars(domain.MaxIDBytes).pattern(`^\S+$`)
}

// name documents a one-line name of at most 100 characters, trimmed.
func name(title, description string) fieldDoc {
	return doc(title, description).note(fmt.Sprintf("单行，至多 %d 个字符，首尾空白会被去掉。", domain.MaxNameRunes),
		fmt.Sprintf("One line, at most %d characters, trimmed.", domain.MaxNameRunes)).chars(domain.MaxNameRunes)
}

// text documents a free text of at most max characters.
func text(title, description string, max int) fieldDoc {
	return doc(title, description).note(fmt.Sprintf("至多 %d 个字符。", max), fmt.Sprintf("At most %d characters.", max)).chars(max)
}

// unitRef documents a required body field naming a registered unit.
func unitRef(title, description string) fieldDoc {
	return id(title, description).note("须是已登记的单位，并在调用者的管辖范围内。", "A registered unit in the caller's scope.").req()
}

// fieldDocs documents every field of every body the API reads or writes,
// by the Go type that declares it (an embedded struct's fields under the
// embedded type) and JSON name. See contract.go.
var fieldDocs = map[reflect.Type]map[string]fieldDoc{
	// Shared parts.
	reflect.TypeFor[domain.Evidence](): {
		"sha256": doc("文件摘要", "文件内容的 SHA-256，64 位小写十六进制，由上传接口返回。 The file's SHA-256, 64 lowercase hex digits, as the upload answered.").
			req().chars(64).pattern(`^[0-9a-f]{64}$`),
		"name": doc("文件名", fmt.Sprintf("上传时的文件名，不含路径（至多 %d 字节）。 The file's name as uploaded, without a path (at most %d bytes).", domain.MaxEvidenceName, domain.MaxEvidenceName)).
			req().chars(domain.MaxEvidenceName),
		"size":       doc("文件大小", "文件字节数，须与存储的文件一致。 The file's size in bytes, as stored.").req().atLeast(1),
		"media_type": doc("文件类型", "媒体类型，如 image/jpeg、application/pdf，须与服务器从内容识别的类型一致。 Media type, as the server sniffed it from the bytes.").req(),
	},

	// Pledges (承诺).
	reflect.TypeFor[pledge.SubmitCommand](): {
		"maker": doc("承诺主体", "由党组织（单位）还是党员作出承诺。 Whether a unit or a member makes the pledge.").req(),
		"unit":  unitRef("承诺单位", "作出承诺的单位；党员承诺时为该党员所在单位。 The pledging unit, or the member's unit."),
		"member": id("承诺党员", "承诺主体为党员时必填，填党员编号（该党员当时须属于 unit）；单位承诺时须留空。 "+
			"The member's id: required for a member's pledge (the member must belong to unit then), empty for a unit's.").when("maker = member"),
		"quarter": doc("承诺季度", "承诺所属季度，如 2026Q3（一季一承诺）。 The quarter pledged for, such as 2026Q3.").req(),
		"category": doc("承诺类别", "单位承诺可选：完成阶段工作任务、为群众办实事好事、加强自身建设；党员承诺可选：本职工作、服务群众、廉洁自律。 "+
			"A unit pledges in stage_task, service_for_masses or self_improvement; a member in duty, serving_masses or integrity.").req(),
		"title":       text("承诺标题", "承诺的简短标题。 A short title.", pledge.MaxTitle).req(),
		"content":     text("承诺内容", "承诺的具体内容：做什么、为谁、何时完成。 What is pledged: what, for whom, by when.", pledge.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.ReturnCommand](): {
		"reason":      text("退回理由", "退回修改的理由，承诺人据此修改。 Why the pledge goes back for revision.", pledge.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.ReviseCommand](): {
		"category":    doc("承诺类别", "修改后的类别，须属于原承诺主体可选的类别（主体和季度不能改）。 The category, within the maker's (maker and quarter stay).").req(),
		"title":       text("承诺标题", "修改后的标题。 The revised title.", pledge.MaxTitle).req(),
		"content":     text("承诺内容", "修改后的承诺内容。 The revised content.", pledge.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.FileCommand](): {
		"note":        text("备案意见", "把关备案的意见，可不填。 The vetting note, optional.", pledge.MaxText),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.DiscloseCommand](): {
		"channel":     text("公开方式", "承诺公开的渠道，如公开栏、网站，可不填。 Where the pledge was made public, optional.", pledge.MaxTitle),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.WithdrawCommand](): {
		"reason":      text("撤回理由", "撤回承诺的理由（仅备案前可撤回）。 Why the pledge is withdrawn (before filing only).", pledge.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.ReportProgressCommand](): {
		"report_id": id("报告编号", "本次践诺情况报告的编号，由填报方自定，在本承诺内唯一，如 2026Q3-1；更正、撤回报告时引用。 "+
			"The report's id, chosen by the reporter, unique within the pledge; corrections and retractions name it.").req(),
		"percent":     doc("完成进度", "完成百分比，0–100 的整数；不填为 0。 Percent done, 0 to 100; left out, 0.").between(0, 100),
		"narrative":   text("践诺情况", "践诺情况说明。 What was done.", pledge.MaxText).req(),
		"evidence":    evidenceList,
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.CorrectReportCommand](): {
		"report_id":   id("报告编号", "要更正的报告编号（须存在且未撤回）。 The report to correct (existing, not retracted).").req(),
		"percent":     doc("完成进度", "更正后的完成百分比，0–100；不填为 0。 The corrected percent, 0 to 100; left out, 0.").between(0, 100),
		"narrative":   text("践诺情况", "更正后的践诺情况说明（整体替换原报告内容）。 The corrected narrative (replaces the report's).", pledge.MaxText).req(),
		"evidence":    evidenceList,
		"reason":      text("更正理由", "为何更正。 Why the report is corrected.", pledge.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.RetractReportCommand](): {
		"report_id":   id("报告编号", "要撤回的报告编号（须存在且未撤回）。 The report to retract (existing, not retracted).").req(),
		"reason":      text("撤回理由", "为何撤回该报告。 Why the report is retracted.", pledge.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.FulfilCommand](): {
		"narrative":   text("兑现情况", "承诺兑现情况说明。 How the pledge was kept.", pledge.MaxText).req(),
		"evidence":    evidenceList,
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.LapseCommand](): {
		"explanation": text("未兑现说明", "未兑现的原因说明，可不填。须在承诺季度结束后（次季度首日 0 时起）才能登记。 Why it was not kept, optional; only once the quarter has ended.", pledge.MaxText),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[pledge.EvaluateCommand](): {
		"evaluator": doc("评议主体", "党员评议、群众评议或组织评议；每种主体各一个结论，再评即替换。 Who evaluates: one verdict per kind; another replaces it.").req(),
		"grade":     doc("评议等次", "好、较好、一般、差。 The grade.").req(),
		"score":     doc("评议得分", "0–100 的分数，可带小数；不填为 0。 Score from 0 to 100; left out, 0.").between(0, 100),
		"respondents": doc("参评人数", "参加评议的人数，不统计时不填（0）。 How many took part; left out (0) if not counted.").
			atLeast(0),
		"reason": text("重评理由", "同一评议主体再次评议（替换原结论）时必填。 Required when it replaces an earlier verdict of the same kind.", pledge.MaxText).
			when("a verdict of this evaluator is on record"),
		"occurred_at": occurredAt,
	},

	// Rectifications (整改).
	reflect.TypeFor[rectification.Source](): {
		"kind": doc("来源类型", "因何责令整改：点评指出的问题、检查发现的问题、评诺或满意度测评、月度观摩排名。 What ordered the rectification.").req(),
		"ref": id("来源编号", "来源对象的编号：点评、检查、测评或承诺的 id；月度排名为“片区编号-月份”，如 area-east-2026-08。 "+
			"The source's id: the review remark, inspection, survey or pledge; for a ranking <area>-<month>.").req(),
		"item": doc("问题序号", "来源为点评或检查时必填：点评中“缺点和不足”或检查中“发现问题”的序号（从 1 起，须仍有效）；其他来源不填。 "+
			"For a review or an inspection, the number (from 1) of its shortcoming or finding in force; empty otherwise.").when("kind = review or inspection").atLeast(0),
	},
	reflect.TypeFor[rectification.OrderCommand](): {
		"source": doc("整改来源", "责令整改的依据，须存在且在调用者管辖范围内。 What orders the rectification; it must exist and be in the caller's scope.").req(),
		"unit":   unitRef("责任单位", "负责整改的单位。 The unit responsible."),
		"person": id("责任人", "整改责任人的登录账号（令牌主体），验收时据此执行回避：责任人不得验收本项整改。 "+
			"The responsible person's login (token subject): they may not accept their own rectification.").req(),
		"requirement": text("整改要求", "需要整改的内容和要求。 What has to be put right.", rectification.MaxText).req(),
		"deadline": doc("整改期限", "限期整改的最后一天，YYYY-MM-DD（上海时间的日历日，当天内完成均算按期，次日 0 时起逾期），不得早于下达日期。 "+
			"The deadline, a calendar date in Shanghai (met by anything done that day), not before the order's date.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.AcknowledgeCommand](): {
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.FilePlanCommand](): {
		"measures": doc("整改措施", fmt.Sprintf("整改措施清单，1 至 %d 条，每条不得为空；再次提交即替换原方案。 The measures, 1 to %d, none empty; a later plan supersedes.",
			rectification.MaxMeasures, rectification.MaxMeasures)).req().items(1, rectification.MaxMeasures).
			each(text("措施", "一条措施。 One measure.", rectification.MaxText).req()),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.ReportProgressCommand](): {
		"note":        text("进展情况", "阶段性整改进展。 Progress so far.", rectification.MaxText).req(),
		"evidence":    evidenceList,
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.SubmitCommand](): {
		"summary":     text("整改情况", "提交验收的整改情况说明。 What was done, for acceptance.", rectification.MaxText).req(),
		"evidence":    evidenceList,
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.RejectCommand](): {
		"reason":      text("退回理由", "验收不通过、退回重改的理由；整改期限不因退回而顺延。 Why the submission is sent back; the deadline does not move.", rectification.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.AcceptCommand](): {
		"note": text("验收意见", "验收销号意见，可不填。 The acceptance note, optional.", rectification.MaxText),
		"evidence": doc("佐证材料", evidenceList.Description+" 验收时至少要有一份佐证材料：提交时未附则此处必填。 "+
			"Acceptance needs at least one file: required here if the submission cited none.").when("the submission cited no evidence"),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.ReopenCommand](): {
		"reason": text("反弹原因", "问题反弹、重新整改的原因。 Why the accepted item is reopened.", rectification.MaxText).req(),
		"deadline": doc("新整改期限", "可不填（沿用现行期限）；填写时为 YYYY-MM-DD，不得早于重新整改的日期。 "+
			"Optional new deadline (YYYY-MM-DD), not before the reopening's date; left out, the deadline in force stays."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.RequestExtensionCommand](): {
		"reasons":     text("延期理由", "申请延期的理由。须在现行期限届满前（期限次日 0 时前）申请，且同一时间只能有一个待审批的申请。 Why more time is needed; asked before the deadline is missed, one pending at a time.", rectification.MaxText).req(),
		"progress":    text("目前进展", "到目前为止已完成的整改工作。 What has been done so far.", rectification.MaxText).req(),
		"proposed":    doc("建议期限", "希望延至的日期，YYYY-MM-DD，可不填；填写时须晚于现行期限。 The date asked for, optional; after the current deadline."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.GrantExtensionCommand](): {
		"new_deadline": doc("延期后期限", "批准后的新期限，YYYY-MM-DD：须晚于现行期限，且不早于批准日期。申请人及参与整改者不得批准。 "+
			"The new deadline: after the current one and not before the grant's date. The requester and whoever worked on the item may not grant.").req(),
		"note":        text("审批意见", "批准意见，可不填。 The grant's note, optional.", rectification.MaxText),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.DenyExtensionCommand](): {
		"reason":      text("不予延期理由", "不予延期的理由；期限不变。 Why the request is denied; the deadline stays.", rectification.MaxText).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[rectification.CancelCommand](): {
		"reason":      text("撤销理由", "撤销该整改事项的理由（撤销后不可恢复）。 Why the item is cancelled (final).", rectification.MaxText).req(),
		"occurred_at": occurredAt,
	},

	// Members (党员) and contact points (联系点).
	reflect.TypeFor[org.RegisterMember](): {
		"name":        name("党员姓名", "党员的姓名。 The member's name.").req(),
		"unit_id":     unitRef("所在单位", "党员所属单位。 The member's unit."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.MoveMember](): {
		"unit_id":     unitRef("转入单位", "党员转入的单位，须不同于现所在单位。 The unit the member moves to, not the current one."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.LeaveMember](): {
		"reason":      text("离开原因", "党员离开本区名册的原因，如组织关系转出。离开后其联系点全部结束。 Why the member leaves the books; their contact points end.", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.AssignContactPoint](): {
		"unit_id":     unitRef("联系点单位", "该党员联系指导的单位（可不同于其所在单位）。 The unit the member will guide (any unit)."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.EndContactPoint](): {
		"unit_id":     id("联系点单位", "要结束的联系点单位，须是该党员现有的联系点。 The contact point to end, one the member has.").req(),
		"reason":      text("结束原因", "结束联系点的原因，可不填。 Why it ends, optional.", domain.MaxTextRunes),
		"occurred_at": occurredAt,
	},

	// Review remarks (点评).
	reflect.TypeFor[review.Shortcoming](): {
		"text": text("问题描述", "一条缺点和不足。 One shortcoming.", domain.MaxTextRunes).req(),
		"orders_rectification": doc("需整改", "该问题是否责令整改（只计数；整改事项另行下达，引用本点评及该问题序号）。 "+
			"Whether it orders a rectification: counted only; the rectification is ordered by its own command citing this number."),
	},
	reflect.TypeFor[review.Content](): {
		"remark": text("点评意见", "点评的总体意见，可不填。点评意见、缺点和不足、改进措施三者至少填一项。 "+
			"The remark's general text, optional; a remark gives at least a text, a shortcoming or a measure.", domain.MaxTextRunes),
		"shortcomings": doc("缺点和不足", fmt.Sprintf("逐条列出的缺点和不足，至多 %d 条，按顺序从 1 编号（整改引用该序号）。 Shortcomings, at most %d, numbered from 1 in order.",
			reviewMaxItems, reviewMaxItems)).items(0, reviewMaxItems),
		"measures": doc("改进措施", fmt.Sprintf("逐条列出的改进措施，至多 %d 条。 Improvement measures, at most %d.", reviewMaxItems, reviewMaxItems)).
			items(0, reviewMaxItems).each(text("措施", "一条改进措施。 One measure.", domain.MaxTextRunes).req()),
	},
	reflect.TypeFor[review.Record](): {
		"form":      doc("点评形式", "会议、谈话、现场、书面或随机点评。 How the remark was given.").req(),
		"subject":   doc("点评对象", "点评单位（党组织）还是党员。 Whether the remark is on a unit or a member.").req(),
		"unit_id":   unitRef("被点评单位", "被点评的单位；点评党员时为该党员所在单位。 The unit reviewed, or the member's unit."),
		"member_id": id("被点评党员", "点评对象为党员时必填（该党员当时须属于 unit_id）；点评单位时须留空。 The member reviewed: required for a member, empty for a unit.").when("subject = member"),
		"reviewer":  name("点评人", "点评人姓名，按会议记录填写（操作人另由令牌记录）。 Who gave the remark, as in the minutes (the actor is the token's subject).").req(),
		"quarter": doc("点评季度", "计入的季度，如 2026Q3（一季一点评）；不填为业务发生时间所在季度。 "+
			"The quarter the remark counts toward; left out, the quarter it occurred in."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[review.Correct](): {
		"reason":      text("更正理由", "更正点评内容的理由（更正整体替换点评意见、缺点和不足、改进措施，且须有所改变）。 Why the content is replaced (all of it, and it must change).", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[review.Retract](): {
		"reason":      text("撤回理由", "撤回点评的理由；撤回后不再计数，也不能再被整改引用。 Why the remark is retracted; it no longer counts.", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},

	// Inspections (指导检查).
	reflect.TypeFor[inspection.Start](): {
		"kind":        doc("检查类型", "专项检查或随机抽查。 A special check or a random spot check.").req(),
		"unit_id":     unitRef("被检查单位", "被检查的单位，须在检查组的指导范围内。 The unit inspected, covered by the group."),
		"group_id":    id("检查组", "开展检查的指导检查组编号；检查组成员只能以本组名义检查。 The inspection group; an inspector acts for its own group only.").req(),
		"subject":     text("检查主题", "专项检查的主题，可不填。 What a special check is about, optional.", domain.MaxNameRunes),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.FindingContent](): {
		"text":                 text("发现问题", "检查发现的问题。 The finding.", domain.MaxTextRunes).req(),
		"severity":             doc("问题程度", "一般、较重或严重问题。 How grave the finding is.").req(),
		"orders_rectification": doc("需整改", "该问题是否责令整改（只计数；整改事项另行下达）。 Whether it orders a rectification (counted only)."),
		"evidence": doc("佐证材料", evidenceList.Description+fmt.Sprintf(" 至多 %d 个。 At most %d.", inspectionMaxEvid, inspectionMaxEvid)).
			items(0, inspectionMaxEvid),
	},
	reflect.TypeFor[inspection.RecordFinding](): {
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.CorrectFinding](): {
		"finding_no":  doc("问题序号", "要更正的发现问题的序号（从 1 起，未撤回）。检查完成后仍可更正。 The finding's number (from 1, not withdrawn); allowed after completion too.").req().atLeast(1),
		"reason":      text("更正理由", "更正理由；更正整体替换该问题的内容，且须有所改变。 Why (the content is replaced whole and must change).", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.WithdrawFinding](): {
		"finding_no":  doc("问题序号", "要撤回的发现问题的序号（从 1 起）。撤回后不再计数，也不能再被整改引用。 The finding to withdraw; it then no longer counts.").req().atLeast(1),
		"reason":      text("撤回理由", "撤回理由。 Why the finding is withdrawn.", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.Complete](): {
		"summary": text("检查小结", "检查小结，可不填（没有发现问题也是检查结果）。 A summary, optional (no findings is a result too).", domain.MaxTextRunes),
		"evidence": doc("佐证材料", evidenceList.Description+fmt.Sprintf(" 至多 %d 个。 At most %d.", inspectionMaxEvid, inspectionMaxEvid)).
			items(0, inspectionMaxEvid),
		"occurred_at": occurredAt,
	},

	// Inspection groups (指导检查组).
	reflect.TypeFor[inspection.FormGroup](): {
		"name": name("检查组名称", "指导检查组名称。 The group's name.").req(),
		"members": doc("组员", fmt.Sprintf("组员的登录账号（令牌主体），1 至 %d 人，不得重复。 The members' logins (token subjects), 1 to %d, no repeats.", groupMaxMembers, groupMaxMembers)).
			req().items(1, groupMaxMembers).each(id("组员账号", "一名组员的登录账号。 One member's login.").req()),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.AddGroupMember](): {
		"member_id":   id("组员账号", "加入检查组的人员登录账号（令牌主体）。 The login of the person joining.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.RemoveGroupMember](): {
		"member_id":   id("组员账号", "移出检查组的人员登录账号；不能移出最后一名组员（请解散检查组）。 The person leaving; never the last (dissolve the group instead).").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.Target](): {
		"target_kind": doc("指导范围类型", "分配给检查组的是片区还是单位（单位含其下级）。 Whether an area or a unit (with its subtree) is assigned.").req(),
		"target_id":   id("指导范围", "片区编号或单位编号。 The area's or the unit's id.").req(),
	},
	reflect.TypeFor[inspection.AssignGroup](): {
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.EndAssignment](): {
		"reason":      text("结束原因", "结束该指导范围的原因，可不填。 Why the assignment ends, optional.", domain.MaxTextRunes),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[inspection.DissolveGroup](): {
		"reason":      text("解散原因", "解散检查组的原因；其指导范围全部结束。 Why the group is dissolved; its assignments end.", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},

	// Evaluations (测评、先锋、星级、排名).
	reflect.TypeFor[evaluation.Counts](): {
		"very_satisfied":      doc("非常满意人数", "回答“非常满意”的人数；不填为 0。四项合计至少 1 人。 Respondents very satisfied; the four total at least 1.").between(0, surveyMaxCount),
		"satisfied":           doc("满意人数", "回答“满意”的人数；不填为 0。 Respondents satisfied.").between(0, surveyMaxCount),
		"basically_satisfied": doc("基本满意人数", "回答“基本满意”的人数；不填为 0（满意率计入）。 Respondents basically satisfied (counted as satisfied).").between(0, surveyMaxCount),
		"dissatisfied":        doc("不满意人数", fmt.Sprintf("回答“不满意”的人数；不填为 0。四项合计至多 %d 人。 Respondents dissatisfied; the four total at most %d.", surveyMaxCount, surveyMaxCount)).between(0, surveyMaxCount),
	},
	reflect.TypeFor[evaluation.RecordSurvey](): {
		"unit_id":     unitRef("测评单位", "接受群众满意度测评的单位。 The unit surveyed."),
		"period":      doc("测评期间", "年（2026）、季度（2026Q3）或月份（2026-09）。 A year, quarter or month.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[evaluation.CorrectSurvey](): {
		"reason":      text("更正理由", "更正测评人数的理由（更正后的四项人数整体替换原数，且须有所改变）。 Why the counts are replaced (all four, and they must change).", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[evaluation.Category](): {
		"key": doc("类别代码", fmt.Sprintf("先锋类别的代码，小写字母、数字和下划线，不以数字开头，1 至 %d 个字符，如 investment；统计按代码归类。 "+
			"The category's key: lowercase letters, digits and underscores, not starting with a digit, 1 to %d; counts group by it.", vanguardMaxKey, vanguardMaxKey)).
			req().chars(vanguardMaxKey).pattern(`^[a-z_][a-z0-9_]*$`),
		"name": name("类别名称", "先锋类别的名称，如 招商引资先锋。 The category's display name.").req(),
	},
	reflect.TypeFor[evaluation.SelectVanguard](): {
		"kind":        doc("先锋类型", "先进集体（单位）或先锋个人（党员）。 A collective (a unit) or an individual (a member).").req(),
		"unit_id":     unitRef("先锋单位", "评选的单位；先锋个人为该党员所在单位。 The unit selected, or the member's unit."),
		"member_id":   id("先锋党员", "先锋个人时必填（该党员须属于 unit_id）；先进集体须留空。 The member selected: required for an individual, empty for a collective.").when("kind = individual"),
		"category":    doc("先锋类别", "区里确定的先锋类别；同一对象同一季度同一类别只能评选一次（重复为 409）。 The district's category; the same selection twice is a 409.").req(),
		"quarter":     doc("评选季度", "评选所属季度，如 2026Q3（一季一先锋）。 The quarter.").req(),
		"citation":    text("先进事迹", "先进事迹，可不填。 The citation, optional.", domain.MaxTextRunes),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[evaluation.RevokeVanguard](): {
		"reason":      text("撤销理由", "撤销评选的理由；撤销后不再计数。 Why the selection is revoked; it no longer counts.", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[evaluation.RateStars](): {
		"unit_id":     unitRef("评定单位", "星级创评的单位；每个单位每个期间一个评定。 The unit rated; one rating per unit and period."),
		"period":      doc("评定期间", "年（2026）、季度（2026Q3）或月份（2026-09）。 A year, quarter or month.").req(),
		"stars":       starsDoc.req(),
		"basis":       text("评定依据", "评定依据，可不填。 Why, optional.", domain.MaxTextRunes),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[evaluation.ReviseStars](): {
		"stars":       starsDoc.describe("修订后的星级，1 至 5 星，须与现有星级不同。 The new stars, 1 to 5, not the current ones.").req(),
		"reason":      text("修订理由", "修订星级的理由。 Why the rating changes.", domain.MaxTextRunes).req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[evaluation.Entry](): {
		"unit_id": id("单位", "参加排名的单位，须在该片区内。 The unit ranked, in the area.").req(),
		"score":   doc("得分", "观摩评分，可带小数；名次高者得分不得低于名次低者。 The score; a unit placed above another has at least its score."),
		"rank": doc("名次", "名次，从 1 起；并列共享名次，下一名次顺延（1、1、3）。 The competition rank from 1: tied units share it (1, 1, 3).").
			req().atLeast(1),
		"reasons": doc("加分/扣分理由", fmt.Sprintf("加分或扣分理由，至多 %d 条。 Reasons for the score, at most %d.", rankingMaxReasons, rankingMaxReasons)).
			items(0, rankingMaxReasons).each(text("理由", "一条理由。 One reason.", domain.MaxTextRunes).req()),
	},
	reflect.TypeFor[evaluation.PublishRanking](): {
		"area_id":      id("片区", "排名的片区；每个片区每月一个排名。 The area; one ranking per area and month.").req(),
		"month":        doc("排名月份", "YYYY-MM，如 2026-08（月度观摩点评）。 The month ranked.").req(),
		"rule_version": name("计分规则版本", "所用计分规则的名称或版本。 The label of the scoring rule the scores follow.").req(),
		"entries":      entriesDoc,
		"occurred_at":  occurredAt,
	},
	reflect.TypeFor[evaluation.SupersedeRanking](): {
		"rule_version": name("计分规则版本", "所用计分规则的名称或版本。 The label of the scoring rule.").req(),
		"entries":      doc("排名", "完整的新一版排名（整体替换，不能与现行版本相同）。"+entriesDoc.Description).req().items(1, rankingMaxEntries),
		"reason":       text("更正理由", "发布新版排名的理由。 Why the ranking is superseded.", domain.MaxTextRunes).req(),
		"occurred_at":  occurredAt,
	},

	// The scoring rule (计分规则) and the acceptance of a computed ranking.
	reflect.TypeFor[scoring.PublishRule](): {
		"version": doc("规则版本", "新版本号：第一版为 1，此后每次恰好比最新版本大 1；已发布的版本不能修改，改规则即发布下一版（跳号或重复为 422）。 "+
			"The new version: 1 for the first, then exactly one more than the latest; a published version is never edited, a change is the next version.").req().atLeast(1),
		"effective_from": doc("生效月份", "本版本开始计分的月份，YYYY-MM；不得早于最新版本的生效月份（相同则自该月起取代之）。某月适用生效月份不晚于该月的最高版本。 "+
			"The first month (YYYY-MM) the version ranks; not before the latest version's (equal replaces it from that month). A month is ranked by the highest version in force then.").req(),
		"name": name("规则名称", "规则的名称，可不填，如 2026 年月度观摩计分办法。 An optional label."),
		"metrics": doc("计分指标", fmt.Sprintf("参与计分的指标及权重，1 至 %d 项，每项指标至多出现一次。得分为各指标“权重 × 指标值”之和（比率取 0–1，计数取原数），各项与总和均保留 4 位小数。 "+
			"The metrics weighed, 1 to %d, each at most once. A score is the sum of weight × value (a rate from 0 to 1, a count as it is), each term and the sum rounded to 4 places.",
			len(scoring.Metrics()), len(scoring.Metrics()))).req().items(1, len(scoring.Metrics())),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[scoring.Weight](): {
		"metric": doc("计分指标", "计分的指标，按上海时间的自然月、按业务发生时间逐单位统计：践诺兑现率（当月兑现 ÷ 当月兑现与登记未兑现之和）、"+
			"按期整改率（当月验收销号中在原定时限内的比例，延期不计）、月末红灯项目数、问题反弹次数、点评问题整改销号数、群众满意率（截至月末最近一次测评）、评选先锋数（未撤销）。定义详见 docs/domain.md。 "+
			"The metric, counted per unit and calendar month on business time, as docs/domain.md defines each.").req(),
		"weight": doc("权重", fmt.Sprintf("指标的权重：非 0 的数，-%d 至 %d，可带小数；负数为扣分（如红灯项目、问题反弹）。 "+
			"The weight: a number other than 0, from -%d to %d; negative for a penalty.", scoring.MaxWeight, scoring.MaxWeight, scoring.MaxWeight, scoring.MaxWeight)).
			req().between(-scoring.MaxWeight, scoring.MaxWeight),
		"missing": doc("缺项处理", "比率类指标（践诺兑现率、按期整改率、群众满意率）某单位当月无数据时如何计：按零计；不计并按权重折算（该单位其余指标的权重乘以规则权重绝对值之和与其参与计分指标权重绝对值之和的比）；"+
			"按片区平均（取片区内有数据单位该比率的平均值，都没有则同“不计”）。比率类必填；计数类指标从不缺项，不填。 "+
			"How a rate counts for a unit without data: zero, skip (the unit's other weights renormalised) or area_mean (the mean of the area's units that have it; skip if none has). Required for a rate; a count takes none.").
			when("metric is a rate: fulfilment_rate, on_time_rate or satisfaction_rate"),
	},
	reflect.TypeFor[evaluation.Checkpoint](): {
		"size": doc("事件数", "计算排名时账本的事件数（Merkle 树大小），照抄排名视图 GET /v1/views/rankings 返回的 checkpoint.size；须不超过账本已有的事件数。 "+
			"The number of events the ranking was computed at (the tree size), as the rankings view answers it; at most the ledger's.").req().atLeast(1),
		"root": doc("根哈希", "该事件数时的 Merkle 树根哈希（32 字节的标准 base64），照抄排名视图返回的 checkpoint.root；须与账本在该大小时的根一致。 "+
			"The Merkle root of those events (32 bytes, standard base64), as the view answers it; it must be the ledger's at that size.").req().pattern(`^[A-Za-z0-9+/]{43}=$`),
	},
	reflect.TypeFor[evaluation.AcceptRanking](): {
		"rule_version": doc("计分规则版本", "确认采用的计分规则版本号，须是检查点时该月生效的版本（排名视图的 rule_version）。 "+
			"The version of the scoring rule accepted: the one in force for the month at the checkpoint (the view's rule_version).").req().atLeast(1),
		"checkpoint": doc("检查点", "系统计算排名所依据的账本状态（事件数和根哈希），照抄排名视图的 checkpoint。账本核对根哈希后，按前 size 个事件重新统计各单位指标并计分。 "+
			"The ledger state the ranking was computed at, as the view answers it; the ledger checks the root, then counts the inputs again from the first size events.").req(),
		"entries": doc("发布排名", fmt.Sprintf("可不填：不填即按系统计算结果发布。填写时须恰好列出计算所排的全部单位（1 至 %d 个）；名次和得分须与计算一致，除非声明人工调整（adjusted）并说明理由。未填理由的单位沿用计算出的理由。 "+
			"Optional: left out, the computation is published as it is. Given, exactly the computed units (1 to %d), with the computed ranks and scores unless adjusted with a reason; an entry without reasons gets the computed ones.",
			rankingMaxEntries, rankingMaxEntries)).items(1, rankingMaxEntries).when("adjusted = true"),
		"adjusted": doc("人工调整", "为 true 时声明所列排名有意偏离系统计算（人工调整）：须列出 entries 并说明理由，发布后在视图和历史中标为“人工调整”，计算结果一并留存。 "+
			"True declares that entries depart from the computation on purpose: entries and a reason are then required, and the publication is shown as adjusted, the computation kept beside it."),
		"reason": text("理由", "人工调整的理由，或该月排名已发布、以新版本取代时的理由；两种情况必填。 "+
			"Why the list was adjusted, or why a published ranking of the month is replaced; required for either.", domain.MaxTextRunes).
			when("adjusted = true, or the month's ranking is already published"),
		"occurred_at": occurredAt,
	},

	// The organisation (片区、单位、主题).
	reflect.TypeFor[org.RegisterArea](): {
		"name":        name("片区名称", "片区名称。 The area's name.").req(),
		"leader":      name("包靠领导", "片区包靠领导的姓名。 The area leader's name.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.RenameArea](): {
		"name":        name("片区名称", "新的片区名称，须与现名称不同。 The new name, not the current one.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.ChangeAreaLeader](): {
		"leader":      name("包靠领导", "新的包靠领导姓名，须与现任不同。 The new leader, not the current one.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.RegisterUnit](): {
		"name": name("单位名称", "单位（党组织）名称。 The unit's name.").req(),
		"kind": doc("单位类型", "单位类型决定层级：区为第 0 级；街道、部门、大社区为第 1 级；党支部、村、非公企业、窗口单位为第 2 级，只能隶属上一级单位。 "+
			"The kind fixes the level: district 0; street, department, big_community 1; branch, village, enterprise, window_unit 2, each under the level above.").req(),
		"parent_id":   id("上级单位", "直接上级单位的编号（须高一级）；区不填。上级党组织只能在自己的单位下登记。 The parent unit, one level up; empty for the district.").when("kind != district"),
		"area_id":     id("所属片区", "所属片区编号；区不填（区跨所有片区）。 The unit's area; empty for the district.").when("kind != district"),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.RenameUnit](): {
		"name":        name("单位名称", "新的单位名称，须与现名称不同。 The new name, not the current one.").req(),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.MoveUnit](): {
		"parent_id":   id("新上级单位", "调整后的上级单位（须高一级，不能是本单位或其下级）；只调整片区时也须填写现上级。 The parent after the move (one level up, not the unit or below it); give the current one to change the area only.").req(),
		"area_id":     id("新所属片区", "调整后的片区，不填则不变。 The area after the move; left out, it stays."),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.SetTheme](): {
		"unit_id":     unitRef("单位", "设定主题的单位；每个单位每季度一个主题。 The unit; one theme per unit and quarter."),
		"quarter":     doc("主题季度", "主题所属季度，如 2026Q3（一季一主题）。 The quarter.").req(),
		"title":       name("活动主题", "本季度活动主题。 The theme.").req(),
		"description": text("主题说明", "主题的说明，可不填。 A description, optional.", domain.MaxTextRunes),
		"occurred_at": occurredAt,
	},
	reflect.TypeFor[org.ReviseTheme](): {
		"title":       name("活动主题", "修订后的主题（主题或说明至少一项须有改变）。 The revised theme (it or the description must change).").req(),
		"description": text("主题说明", "修订后的说明，可不填（不填即清空）。 The revised description; left out, emptied.", domain.MaxTextRunes),
		"reason":      text("修订理由", "修订理由，可不填。 Why, optional.", domain.MaxTextRunes),
		"occurred_at": occurredAt,
	},

	// Operator routes.
	reflect.TypeFor[SnapshotRequest](): {
		"dir": doc("快照目录名", "新快照目录的名称（一级目录名，不含 / 或 \\，不得已存在，至多 100 字节），位于服务器的 <data-dir>/snapshots/ 下；不填则以 UTC 时间命名。 "+
			"The new snapshot directory's name under <data-dir>/snapshots/ (one name, no path, new, at most 100 bytes); left out, the UTC time.").chars(100),
	},

	// Answers.
	reflect.TypeFor[Accepted](): {
		"id": doc("对象编号", "命令所涉对象的编号：新建时为服务器分配的 id（承诺、整改等），主题、星级、排名为其键（如 branch-1-2026Q3）。 "+
			"The entity's id: assigned on creation, or its key (a theme's <unit>-<quarter>).").always(),
	},
	reflect.TypeFor[command.Result](): {
		"stream":        doc("事件流", "对象的事件流名称，如 rectification-<id>；查询审计历史用。 The entity's stream, for its audit history.").always(),
		"event_ids":     doc("事件编号", "本次记录的事件 id（UUID）。 The ids of the events recorded.").always(),
		"first_version": doc("起始版本", "本次第一条事件在流中的版本号。 The stream version of the first event recorded."),
		"last_version": doc("最新版本", "本次最后一条事件的版本号；作为 If-Match 的值（响应头 ETag 同值）可防止并发修改。 "+
			"The stream version of the last event; send it as If-Match (the ETag says it too).").always(),
		"position": doc("全局位置", "最后一条事件在整个日志中的位置；读看板时作 wait_for=<commit> 可等待投影追上。 The last event's place in the whole log; wait_for=<commit> on a view waits for it.").always(),
		"duplicate": doc("重复请求", "为 true 时表示相同 Idempotency-Key 的请求此前已执行，本次未记录任何内容，返回的是当时的结果。 "+
			"True when the same Idempotency-Key ran before: nothing new was recorded; this is that answer."),
	},
	reflect.TypeFor[eventlog.Position](): {
		"commit":  doc("提交位置", "在全局日志中的提交位置。 Commit position in the global log.").always(),
		"prepare": doc("准备位置", "在全局日志中的准备位置（内置日志与提交位置相同）。 Prepare position (the embedded log: the same as commit).").always(),
	},
	reflect.TypeFor[Problem](): {
		"type":     doc("问题类型", "问题类型的 URI 引用，如 /problems/rejected（422）、/problems/malformed-request（400）。 A stable URI reference naming the kind of problem.").always(),
		"title":    doc("标题", "HTTP 状态的标准短语。 The status's phrase.").always(),
		"status":   doc("状态码", "HTTP 状态码。 The HTTP status.").always(),
		"detail":   doc("详细说明", "出错原因的说明（英文），如 \"deadline: must not be before the order date 2026-08-20\"。 What is wrong, in words."),
		"instance": doc("请求路径", "出错请求的路径。 The request's path."),
		"field": doc("出错字段", "出错的请求字段的 JSON 路径，如 deadline、evidence[1].sha256、source.kind，或请求头名（If-Match、Idempotency-Key、Content-Type）；"+
			"与字段无关的问题不含此项。每次只报告第一个错误。 The JSON path of the request field at fault, or a header's name; absent when no field is. Only the first fault is reported."),
	},
	reflect.TypeFor[StreamHistory](): {
		"stream":   doc("事件流", "所查询的事件流。 The stream.").always(),
		"as_of":    doc("截至时间", "请求中的 as_of：只列出此时刻前已记录的事件（账本当时所知）。 The as_of asked for: events recorded by then."),
		"events":   doc("事件", "按版本顺序排列的事件，含信封、hash 和 prev_hash。 The events in version order, with their envelopes and hashes.").always(),
		"verified": doc("校验结果", "整条流的哈希链是否完整无误。 Whether the stream's hash chain holds.").always(),
		"problem":  doc("校验问题", "哈希链断开之处（verified 为 false 时）。 Where the chain breaks, when it does."),
		"entity":   doc("实体类型", "流中实体的类型，如 rectification、pledge；账本自身的记账流（检查点、命令键）为空。 The kind of entity the stream holds; empty for bookkeeping streams."),
		"state": doc("截至时刻的状态", "将截至 as_of（缺省为现在）的事件用领域模型折叠得到的实体状态：state 为状态代码，其余为实体所持内容（如整改的现行时限、延期、销号）；as_of 早于第一个事件时为 null。亮灯颜色和剩余天数取决于“现在”，不在其中。 "+
			"The entity folded from the events above with the domain's own aggregate; null before its first event. Colours and days left depend on a moment and are not part of it."),
		"state_problem": doc("状态问题", "某个事件无法解码、状态无法折叠时的说明（此时 state 为 null）。 Why the state could not be folded, when it could not."),
	},
	reflect.TypeFor[WhoAmI](): {
		"subject": doc("用户标识", "令牌的 sub：其命令记为此操作人。 The token's subject, recorded as the actor of its commands.").always(),
		"roles":   doc("角色", "令牌所持角色。 The token's roles.").always(),
		"units":   doc("管辖单位", "经办人、上级党组织可在其下办理的单位（含下级）。 Units whose subtrees a clerk or superior acts in."),
		"group":   doc("检查组", "检查组成员所属的指导检查组。 An inspector's group."),
		"zone":    doc("时区", "业务日期和页面时间所用的时区（IANA 名称，缺省 Asia/Shanghai）。 The deployment's zone.").always(),
	},
	reflect.TypeFor[eventlog.Event](): {
		"id":             doc("事件编号", "事件的 UUID，由命令确定（重试得到同一 id）。 The event's UUID, derived from the command.").always(),
		"type":           doc("事件类型", "事件类型，如 rectification.accepted；全部类型见 docs/domain.md。 The event type.").always(),
		"stream":         doc("事件流", "事件所属的流，如 pledge-<id>。 The entity's stream.").always(),
		"version":        doc("版本", "在流中的版本号，从 1 起连续。 Place in the stream, from 1 without gaps.").always(),
		"position":       doc("全局位置", "在整个日志中的位置。 Place in the whole log.").always(),
		"occurred_at":    doc("业务发生时间", "命令所述的业务发生时间（UTC）。 Business time, as the command told it (UTC).").always(),
		"recorded_at":    doc("记录时间", "账本写入时的服务器时间（UTC）。 The ledger's clock when it was written (UTC).").always(),
		"actor":          doc("操作人", "经认证的操作人（令牌主体），或系统角色 deadline-watcher、sealer、evidence-collector。 The authenticated principal, or a system actor.").always(),
		"unit":           doc("所涉单位", "事件涉及的单位（片区、排名、检查点等无单位的事件不含）。 The unit the event concerns, if any."),
		"command_id":     doc("命令编号", "写入该事件的命令编号（API 命令为调用者主体和 Idempotency-Key）。 The command that wrote it.").always(),
		"correlation_id": doc("请求编号", "HTTP 请求编号。 The HTTP request id."),
		"causation_id":   doc("起因编号", "起因事件编号（目前未填写）。 The causing event (not filled today)."),
		"schema_version": doc("结构版本", "payload 的结构版本。 The payload's schema version.").always(),
		"payload": doc("事件内容", "事件本身的字段（JSON 对象），因 type 而异，如 rectification.ordered 含 source、unit、person、requirement、deadline；"+
			"各类型的字段见 docs/domain.md 与 domain/ 包。 The event's own fields, a JSON object whose shape depends on type (docs/domain.md, package domain).").always(),
		"prev_hash": doc("前序哈希", "同一流中上一条事件的哈希（第一条为全零），64 位十六进制。 The hash of the stream's previous event (zeros for the first).").always().pattern(`^[0-9a-f]{64}$`),
		"hash":      doc("哈希", "本事件的哈希，覆盖以上所有字段和 prev_hash（docs/hashing.md），64 位十六进制。 This event's hash over all of the above and prev_hash, 64 hex digits.").always().pattern(`^[0-9a-f]{64}$`),
	},
	reflect.TypeFor[AuditEvents](): {
		"events": doc("事件", "符合条件的事件，按全局顺序，含 hash 和 prev_hash。 Matching events in global order.").always(),
		"next": doc("续查游标", "继续查询的 after 值；为空表示已查到范围或日志末尾。一次最多扫描 100,000 条事件，结果可能少于 limit 甚至为空而 next 不空。 "+
			"The after cursor to continue with; empty at the end. One request scans at most 100,000 events, so fewer than limit (or none) may come with a cursor.").always(),
		"scanned": doc("已扫描数", "本次读取的事件数。 Events read by this request.").always(),
	},
	reflect.TypeFor[seal.Checkpoint](): {
		"origin":   doc("账本名称", "签名检查点的来源行（账本名称）。 The ledger's name, the checkpoint's origin line.").always(),
		"size":     doc("事件数", "检查点覆盖的事件数（Merkle 树叶子数）。 Events the checkpoint covers (leaves).").always(),
		"root":     doc("根哈希", "Merkle 树根哈希，base64。 The tree's root hash, base64.").always(),
		"time":     doc("签名时间", "签名时间（UTC）。 When it was signed.").always(),
		"key_name": doc("密钥名称", "签名密钥的名称。 The signing key's name.").always(),
		"key_id":   doc("密钥编号", "签名密钥的哈希，8 位十六进制。 The key's hash, 8 hex digits.").always(),
		"note":     doc("签名文本", "签名的检查点全文（signed note 格式），可离线用公钥校验。 The signed note, verifiable offline with the public key.").always(),
	},
	reflect.TypeFor[KeysAnswer](): {
		"keys": doc("验证公钥", "检查点签名的 Ed25519 验证公钥（name+id+key），当前的在前。 The verifier keys, the current one first.").always(),
		"note": doc("说明", "如何使用这些公钥。 How to use them.").always(),
	},
	reflect.TypeFor[seal.Consistency](): {
		"from_size": doc("原事件数", "较早检查点的大小。 The earlier tree size.").always(),
		"from_root": doc("原根哈希", "较早检查点的根哈希，base64。 Its root hash, base64.").always(),
		"to_size":   doc("新事件数", "较新检查点的大小。 The later tree size.").always(),
		"proof":     doc("一致性证明", "RFC 6962 一致性证明的哈希列表，base64。 The RFC 6962 consistency proof, base64 hashes.").always(),
	},
	reflect.TypeFor[InclusionAnswer](): {
		"event":           doc("事件", "被证明的事件。 The event proved.").always(),
		"leaf_index":      doc("叶子序号", "事件在 Merkle 树中的叶子序号（从 0 起）。 Its leaf index, from 0.").always(),
		"inclusion_proof": doc("包含证明", "RFC 6962 包含证明的哈希列表，base64。 The RFC 6962 inclusion proof, base64 hashes.").always(),
		"checkpoint":      doc("检查点", "证明所依据的签名检查点。 The signed checkpoint proved against.").always(),
	},
	reflect.TypeFor[seal.Pack](): {
		"format":      doc("格式", "证据包格式，如 cxzy-ledger-evidence/2。 The pack's format.").always(),
		"subject":     doc("内容说明", "证据包涉及的内容。 What the pack is about, in words.").always(),
		"stream":      doc("事件流", "整条流的证据包所属的流（此时缺少任何版本即为错误）。 For a whole stream's pack: the stream (a gap is then an error)."),
		"checkpoint":  doc("检查点", "证据包依据的签名检查点。 The signed checkpoint.").always(),
		"events":      doc("事件及证明", "各事件及其包含证明。 Each event with its inclusion proof.").always(),
		"consistency": doc("一致性证明", "请求给出 since 时：本检查点延续了读者已有的检查点的证明。 With since: proof that this checkpoint extends the one held."),
	},
	reflect.TypeFor[seal.PackEvent](): {
		"event":           doc("事件", "记录的事件（payload 以 JSON 展示，可能被重新格式化）。 The event as recorded.").always(),
		"payload_base64":  doc("原始内容", "payload 的原始字节，base64（格式 2），校验时据此计算哈希。 The payload's exact bytes, base64, which the verifier hashes."),
		"leaf_index":      doc("叶子序号", "叶子序号（从 0 起）。 The leaf index.").always(),
		"inclusion_proof": doc("包含证明", "RFC 6962 包含证明，base64。 The inclusion proof, base64 hashes.").always(),
	},
	reflect.TypeFor[report.Report](): {
		"year":       doc("年度", "总结的年度。 The year summarised.").always(),
		"area":       doc("片区", "片区总结的片区编号；全区总结不含此项。 The area of an area's summary; absent for the district's."),
		"area_name":  doc("片区名称", "片区名称。 The area's name."),
		"district":   doc("区名称", "区（根单位）的名称。 The district's (the root unit's) name.").always(),
		"database":   doc("数据库", "查询所用的 ClickHouse 数据库，每条 SQL 都写明。 The ClickHouse database every query names.").always(),
		"checkpoint": doc("签名检查点", "所有数字据以计算的签名检查点。 The signed checkpoint every figure was computed at.").always(),
		"position": doc("末事件位置", "检查点最后一个事件的位置：每条查询只读不超过它的记录（position <= 此值）。 "+
			"The stored position of the checkpoint's last event: every query reads the rows at or below it.").always(),
		"cutoff": doc("存量截止时刻", "存量数字（红灯、联系点、检查组、片区、单位）的截止时刻（UTC）：年末，或年内为检查点签名当日 0 时。 "+
			"When stocks are taken (UTC): the year's end, or 00:00 of the day the checkpoint was signed for a year still running.").always(),
		"figures":       doc("数字", "总结中的每个数字及其出处。 Every figure and where it comes from.").always(),
		"rates":         doc("比率", "由数字计算的比率。 The rates computed from the figures.").always(),
		"trend":         doc("季度趋势", "各季度数字。 The quarterly series.").always(),
		"disagreements": doc("不一致数", "ClickHouse 与账本重算不一致的数字个数（含趋势格）；不一致的数字不予采用并在原处标出。 Figures (trend cells too) where ClickHouse and the log differ; each is marked, not printed.").always(),
	},
	reflect.TypeFor[report.Checkpoint](): {
		"origin":   doc("账本名称", "检查点的来源行。 The checkpoint's origin line.").always(),
		"size":     doc("事件数", "检查点覆盖的事件数。 Events the checkpoint covers.").always(),
		"root":     doc("根哈希", "Merkle 树根哈希，base64。 The root hash, base64.").always(),
		"time":     doc("签名时间", "签名时间（UTC）。 When it was signed.").always(),
		"key_name": doc("密钥名称", "签名密钥的名称。 The signing key's name.").always(),
		"key_id":   doc("密钥编号", "签名密钥的哈希，8 位十六进制。 The key's hash.").always(),
		"note":     doc("签名原文", "签名的检查点全文，可用公布的公钥离线验证。 The signed note, verifiable offline with the published key.").always(),
		"verified": doc("已验证", "生成报告时是否已用公布的公钥验证签名。 Whether the signature was checked with a published key when the report was written.").always(),
	},
	reflect.TypeFor[report.Figure](): {
		"id":         doc("数字代码", "数字的代码，如 themes、pledges。 The figure's key.").always(),
		"label":      doc("数字名称", "数字的中文名称。 Its Chinese name.").always(),
		"unit":       doc("单位", "计量单位，如 个、件、次。 Its unit of count.").always(),
		"value":      doc("数值", "两种计算一致时的数值（不一致时为 0，且 agree 为 false）。 The figure, when the two computations agree.").always(),
		"clickhouse": doc("ClickHouse 结果", "ClickHouse 查询的结果。 What the query answered.").always(),
		"log":        doc("账本重算结果", "由账本事件在 Go 中重算的结果。 What the log counts, in Go.").always(),
		"agree":      doc("一致", "两种计算是否一致。 Whether the two agree.").always(),
		"district":   doc("全区数字", "片区总结中为全区数字（指导检查组、片区数）。 In an area's summary, a figure of the whole district."),
		"sql":        doc("查询", "产生该数字的 SQL 原文（写明数据库和位置上限），可在 clickhouse-client 中原样运行。 The SQL that produced it, as run.").always(),
	},
	reflect.TypeFor[report.Rate](): {
		"id":          doc("比率代码", "比率的代码。 The rate's key.").always(),
		"label":       doc("比率名称", "比率的中文名称及算式。 Its name and formula.").always(),
		"numerator":   doc("分子", "相加作分子的数字代码。 The figures summed above.").always(),
		"denominator": doc("分母", "相加作分母的数字代码。 The figures summed below.").always(),
		"value":       doc("比率值", "0 至 1 的比率；分母为 0 或有数字不一致时为 null。 The ratio; null without data or when a figure disagrees.").always(),
	},
	reflect.TypeFor[report.Trend](): {
		"quarters": doc("季度", "年度的四个季度。 The year's quarters.").always(),
		"series":   doc("序列", "各项目的季度数字。 Each metric by quarter.").always(),
		"sql":      doc("查询", "读出所有季度数字的 SQL。 The SQL of every quarter's figures.").always(),
	},
	reflect.TypeFor[report.Series](): {
		"metric":     doc("项目代码", "读模型中的指标名。 The read models' metric.").always(),
		"label":      doc("项目名称", "中文名称。 Its Chinese name.").always(),
		"values":     doc("数值", "各季度一致的数值（不一致为 0）。 Each quarter's figure, where the two agree.").always(),
		"clickhouse": doc("ClickHouse 结果", "各季度查询结果。 Each quarter as queried.").always(),
		"log":        doc("账本重算结果", "各季度重算结果。 Each quarter as counted from the log.").always(),
		"agree":      doc("一致", "各季度是否一致。 Whether each quarter agrees.").always(),
	},
	reflect.TypeFor[SnapshotTaken](): {
		"dir": doc("快照目录", "服务器上快照所在目录。 Where the snapshot is on the server.").always(),
	},
	reflect.TypeFor[embedded.Manifest](): {
		"format":     doc("清单格式", "快照清单的格式版本。 The manifest's format.").always(),
		"log_format": doc("日志格式", "日志的键布局版本。 The log's key layout.").always(),
		"head":       doc("最后位置", "快照所含最后一条事件的位置。 The last event held.").always(),
		"head_hash":  doc("链头哈希", "全局哈希链在 head 处的值：恢复后据此校验。 The global chain's link at head.").always(),
		"created_at": doc("创建时间", "快照时间（UTC）。 When the snapshot was taken.").always(),
		"evidence":   doc("佐证材料副本", "快照所含佐证材料存储的副本说明（有时）。 The copy of the evidence store, when there is one."),
	},
	reflect.TypeFor[embedded.EvidenceManifest](): {
		"files":          doc("文件数", "复制的文件数。 Files copied.").always(),
		"bytes":          doc("字节数", "复制的总字节数。 Bytes copied.").always(),
		"listing":        doc("文件清单", "文件清单的文件名。 The listing file.").always(),
		"listing_sha256": doc("清单摘要", "清单内容的 SHA-256。 The listing's SHA-256.").always(),
		"linked":         doc("硬链接数", "以硬链接方式复制的文件数（同一文件系统，不算异机备份）。 Files hard-linked rather than copied.").always(),
	},
}

// The stars of a rating and the entries of a ranking, shared by two bodies.
var (
	starsDoc = fieldDoc{Title: "星级", Description: "1 至 5 星的整数。 The stars, 1 to 5.",
		Enum: []any{1, 2, 3, 4, 5}, Labels: map[string]string{"1": "一星", "2": "二星", "3": "三星", "4": "四星", "5": "五星"}}
	entriesDoc = doc("排名", fmt.Sprintf("各单位的得分和名次，1 至 %d 个单位，不得重复；名次须为竞赛名次且与得分一致。 "+
		"Each unit's score and rank, 1 to %d units, none twice; ranks are competition ranks agreeing with the scores.", rankingMaxEntries, rankingMaxEntries)).
		req().items(1, rankingMaxEntries)
)

// enumLabels gives each value of each enumeration a body carries its
// Chinese meaning (x-enum-labels), in the glossary's words
// (docs/domain.md). The values come from the domain's own tables; a value
// without a label fails TestContractDocumentsEveryField, a label of no
// value TestContractTablesNameRealFields.
var enumLabels = map[reflect.Type]map[string]string{
	reflect.TypeFor[pledge.Maker](): {"unit": "党组织", "member": "党员"},
	reflect.TypeFor[pledge.Category](): {"stage_task": "完成阶段工作任务", "service_for_masses": "为群众办实事好事", "self_improvement": "加强自身建设",
		"duty": "本职工作", "serving_masses": "服务群众", "integrity": "廉洁自律"},
	reflect.TypeFor[pledge.Grade]():             {"excellent": "好", "good": "较好", "fair": "一般", "poor": "差"},
	reflect.TypeFor[pledge.Evaluator]():         {"members": "党员评议", "public": "群众评议", "organisation": "组织评议"},
	reflect.TypeFor[rectification.SourceKind](): {"review": "点评", "inspection": "检查", "evaluation": "评诺/测评", "ranking": "月度排名"},
	reflect.TypeFor[review.Form]():              {"meeting": "会议点评", "talk": "谈话点评", "on_site": "现场点评", "written": "书面点评", "random": "随机点评"},
	reflect.TypeFor[review.Subject]():           {"unit": "单位（党组织）", "member": "党员"},
	reflect.TypeFor[inspection.Kind]():          {"special": "专项检查", "random": "随机抽查"},
	reflect.TypeFor[inspection.Severity]():      {"minor": "一般问题", "moderate": "较重问题", "serious": "严重问题"},
	reflect.TypeFor[inspection.TargetKind]():    {"area": "片区", "unit": "单位"},
	reflect.TypeFor[evaluation.VanguardKind]():  {"collective": "先进集体", "individual": "先锋个人"},
	reflect.TypeFor[scoring.Metric]():           labelsOf(scoring.Metrics(), scoring.MetricLabel),
	reflect.TypeFor[scoring.Missing]():          labelsOf([]scoring.Missing{scoring.MissingZero, scoring.MissingSkip, scoring.MissingAreaMean}, scoring.MissingLabel),
	reflect.TypeFor[org.Kind](): {"district": "区", "street": "街道", "department": "部门", "big_community": "大社区",
		"branch": "党支部", "village": "村", "enterprise": "非公企业", "window_unit": "窗口单位"},
}

// labelsOf is the labels of an enumeration whose Chinese names the domain
// keeps itself (the scoring metrics, named where the reasons of a ranking
// print them too), by value.
func labelsOf[E interface{ String() string }](values []E, label func(E) string) map[string]string {
	out := make(map[string]string, len(values))
	for _, v := range values {
		out[v.String()] = label(v)
	}
	return out
}
