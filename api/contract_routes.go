package api

// routeDoc documents one command route: a summary (Chinese, then
// English), a description of its rules, and an example body the server
// accepts. The examples tell one story, a branch's third quarter of 2026,
// and TestContractCommands plays it: it registers what they refer to
// (areas area-east and area-west, the district, street-dongcheng with
// branch-dongcheng-1 and branch-dongcheng-2, street-xicheng with
// branch-xicheng-1, member member-zhangmin, inspection group group-1
// covering area-east, and its inspection insp-2026-017 of
// branch-dongcheng-1 with one finding), and brings each item to the state
// its command needs by the examples before it. An example's business
// times (occurred_at) follow one another along an item's life, so that
// played in order they are accepted.
type routeDoc struct {
	Summary     string
	Description string
	Example     string // JSON
}

// exampleEvidence is the reference an upload of the example photo
// answers (2048 bytes; the contract test uploads the same bytes).
const exampleEvidence = `{"sha256":"b82acb75bad8f9e092f03e4d6ec45a8f7b88e2d9b51da83856a1db30459868c3","name":"现场照片.jpg","size":2048,"media_type":"image/jpeg"}`

// commandDocs documents every command route of (*Commands).List and the
// admin snapshot, by pattern.
var commandDocs = map[string]routeDoc{
	// Pledges.
	"/v1/pledges": {"提交承诺 · Submit a pledge",
		"单位或党员作出一个季度的承诺（一季一承诺），状态为“已提交”，待上级把关备案。党员承诺时该党员当时须属于 unit。" +
			" A unit or member pledges for a quarter; the pledge is submitted, for the superior unit to vet.",
		`{"maker":"unit","unit":"branch-dongcheng-1","quarter":"2026Q3","category":"service_for_masses","title":"为辖区独居老人办实事",` +
			`"content":"本季度为辖区 60 岁以上独居老人上门服务不少于 50 人次，建立联系台账。","occurred_at":"2026-07-03T09:00:00+08:00"}`},
	"/v1/pledges/{id}/return": {"退回修改承诺 · Return a pledge for revision",
		"已提交 → 退回修改。承诺人（提交、修改、报告过该承诺的人）不得退回。 submitted → returned; not by an author.",
		`{"reason":"承诺内容不够具体，请写明服务对象和完成时限。","occurred_at":"2026-07-05T10:00:00+08:00"}`},
	"/v1/pledges/{id}/revise": {"修改后重报承诺 · Revise a returned pledge",
		"退回修改 → 已提交。承诺主体和季度不变，类别只能在原主体的类别中调整。 returned → submitted; maker and quarter stay.",
		`{"category":"service_for_masses","title":"为辖区独居老人办实事","content":"9 月 30 日前为东城街道第一党支部辖区 60 岁以上独居老人上门服务 50 人次，建立联系台账并每月回访。",` +
			`"occurred_at":"2026-07-07T09:00:00+08:00"}`},
	"/v1/pledges/{id}/file": {"把关备案 · File a pledge",
		"已提交 → 已备案。承诺人不得备案。 submitted → filed; not by an author.",
		`{"note":"内容具体可行，同意备案。","occurred_at":"2026-07-10T10:00:00+08:00"}`},
	"/v1/pledges/{id}/disclose": {"公开承诺 · Disclose a pledge",
		"已备案 → 已公开。 filed → disclosed.",
		`{"channel":"社区党务公开栏","occurred_at":"2026-07-12T09:00:00+08:00"}`},
	"/v1/pledges/{id}/withdraw": {"撤回承诺 · Withdraw a pledge",
		"已提交或退回修改 → 已撤回（终态）；备案后不能撤回。 submitted or returned → withdrawn (final).",
		`{"reason":"与支部本季度另一项承诺重复。","occurred_at":"2026-07-06T09:00:00+08:00"}`},
	"/v1/pledges/{id}/progress": {"报告践诺情况 · Report progress",
		"已公开或践诺中 → 践诺中。报告编号由填报方自定，在本承诺内唯一。 disclosed or in_progress → in_progress.",
		`{"report_id":"2026Q3-1","percent":40,"narrative":"已上门服务 20 人次，建立台账 20 份。","evidence":[` + exampleEvidence + `],` +
			`"occurred_at":"2026-08-15T17:00:00+08:00"}`},
	"/v1/pledges/{id}/report-corrections": {"更正践诺报告 · Correct a progress report",
		"更正一份未撤回的报告（整体替换其内容）；状态不变。 Replaces a report not retracted; the state stays.",
		`{"report_id":"2026Q3-1","percent":45,"narrative":"已上门服务 22 人次（原报告漏记 2 人次），建立台账 22 份。","evidence":[` + exampleEvidence + `],` +
			`"reason":"原报告漏记两次上门服务。","occurred_at":"2026-08-16T09:00:00+08:00"}`},
	"/v1/pledges/{id}/report-retractions": {"撤回践诺报告 · Retract a progress report",
		"撤回一份误报的报告；状态不变。 Retracts a report made in error; the state stays.",
		`{"report_id":"2026Q3-1","reason":"该报告误填为其他承诺的进展。","occurred_at":"2026-08-16T09:30:00+08:00"}`},
	"/v1/pledges/{id}/fulfil": {"承诺兑现 · Fulfil a pledge",
		"已公开或践诺中 → 已兑现。 disclosed or in_progress → fulfilled.",
		`{"narrative":"已为 52 名独居老人上门服务，台账齐全。","evidence":[` + exampleEvidence + `],"occurred_at":"2026-09-25T17:00:00+08:00"}`},
	"/v1/pledges/{id}/lapse": {"登记未兑现 · Declare a pledge unfulfilled",
		"已备案、已公开或践诺中 → 未兑现；承诺季度结束后才能登记（业务发生时间在次季度首日 0 时之后）。 filed, disclosed or in_progress → lapsed, once the quarter has ended.",
		`{"explanation":"因台风影响，上门服务未能按期完成。","occurred_at":"2026-10-08T09:00:00+08:00"}`},
	"/v1/pledges/{id}/evaluations": {"评诺 · Evaluate a pledge",
		"已兑现、未兑现或已评诺 → 已评诺。每种评议主体一个结论，再评即替换（须填理由）。承诺人不得评议。 One verdict per evaluator kind; not by an author.",
		`{"evaluator":"public","grade":"good","score":86.5,"respondents":120,"occurred_at":"2026-10-15T10:00:00+08:00"}`},

	// Rectifications.
	"/v1/rectifications": {"责令整改 · Order a rectification",
		"依据点评的问题、检查发现的问题、测评或评诺、月度排名下达整改，指定责任单位、责任人、整改要求和期限；状态为“待签收”。" +
			" Orders an item from a source, with a responsible unit and person, a requirement and a deadline; it is open.",
		`{"source":{"kind":"inspection","ref":"insp-2026-017","item":1},"unit":"branch-dongcheng-1","person":"zhangmin",` +
			`"requirement":"补齐 2026 年 7 月以来的党员学习台账，建立按月检查制度。","deadline":"2026-09-30","occurred_at":"2026-08-20T10:00:00+08:00"}`},
	"/v1/rectifications/{id}/acknowledge": {"签收整改 · Acknowledge",
		"待签收 → 整改中。 open → in_progress.",
		`{"occurred_at":"2026-08-21T09:00:00+08:00"}`},
	"/v1/rectifications/{id}/plan": {"报送整改措施 · File a plan",
		"整改中；后报的方案替换前一份。 in_progress; a later plan supersedes.",
		`{"measures":["指定专人负责党员学习台账","每月最后一周由支部书记检查台账并签字"],"occurred_at":"2026-08-22T09:00:00+08:00"}`},
	"/v1/rectifications/{id}/progress": {"报告整改进展 · Report progress",
		"整改中；状态不变。 in_progress; the state stays.",
		`{"note":"已补齐七、八月学习台账。","evidence":[` + exampleEvidence + `],"occurred_at":"2026-09-05T17:00:00+08:00"}`},
	"/v1/rectifications/{id}/submit": {"提交验收 · Submit for acceptance",
		"整改中 → 待验收。 in_progress → submitted.",
		`{"summary":"学习台账已补齐，按月检查制度已建立并执行。","evidence":[` + exampleEvidence + `],"occurred_at":"2026-09-20T17:00:00+08:00"}`},
	"/v1/rectifications/{id}/reject": {"退回重改 · Reject the submission",
		"待验收 → 整改中；期限不变。 submitted → in_progress; the deadline does not move.",
		`{"reason":"九月份台账缺少支部书记签字。","occurred_at":"2026-09-22T10:00:00+08:00"}`},
	"/v1/rectifications/{id}/accept": {"验收销号 · Accept and close",
		"待验收 → 已销号。至少要有一份佐证材料（提交或验收时附）；责任人及签收、报方案、报进展、提交、申请延期的人不得验收。" +
			" submitted → accepted; at least one evidence file; not by the responsible person or anyone who worked on it.",
		`{"note":"经现场核查，台账齐全，同意销号。","evidence":[` + exampleEvidence + `],"occurred_at":"2026-09-25T15:00:00+08:00"}`},
	"/v1/rectifications/{id}/reopen": {"问题反弹 · Reopen",
		"已销号 → 整改中，计为一次反弹；可设新期限。 accepted → in_progress, counted as a recurrence; optionally a new deadline.",
		`{"reason":"十月抽查发现学习台账再次中断。","deadline":"2026-11-15","occurred_at":"2026-10-20T10:00:00+08:00"}`},
	"/v1/rectifications/{id}/extension-requests": {"申请延期 · Ask for an extension",
		"待签收或整改中；须在现行期限届满前申请，同一时间只能有一个待审批的申请。 open or in_progress; before the deadline is missed; one pending at a time.",
		`{"reasons":"需补录的台账涉及已调离的党员，材料收集需要时间。","progress":"已补齐七月台账，八月台账完成一半。","proposed":"2026-10-15","occurred_at":"2026-09-10T09:00:00+08:00"}`},
	"/v1/rectifications/{id}/extension-grants": {"批准延期 · Grant the extension",
		"有待审批的申请时；新期限须晚于现行期限且不早于批准日期。申请人和参与整改者不得批准。 With a request pending; not by the requester or a worker.",
		`{"new_deadline":"2026-10-15","note":"同意延期至 10 月 15 日。","occurred_at":"2026-09-12T10:00:00+08:00"}`},
	"/v1/rectifications/{id}/extension-denials": {"不予延期 · Deny the extension",
		"有待审批的申请时；期限不变。 With a request pending; the deadline stays.",
		`{"reason":"材料可向转出地党组织调取，时间充足。","occurred_at":"2026-09-12T10:00:00+08:00"}`},
	"/v1/rectifications/{id}/cancel": {"撤销整改 · Cancel",
		"待签收、整改中或待验收 → 已撤销（终态）。 open, in_progress or submitted → cancelled (final).",
		`{"reason":"该问题已并入区级专项整改，本项撤销。","occurred_at":"2026-08-25T10:00:00+08:00"}`},

	// Members.
	"/v1/members": {"登记党员 · Register a member",
		"在单位名册上登记一名党员（党员记录不是登录账号）。 Registers a member to a unit (not a login).",
		`{"name":"李娜","unit_id":"branch-dongcheng-1","occurred_at":"2026-03-02T09:00:00+08:00"}`},
	"/v1/members/{id}/move": {"党员转移 · Move a member",
		"党员转入另一单位；联系点不受影响。 Moves the member to another unit; contact points stay.",
		`{"unit_id":"branch-dongcheng-2","occurred_at":"2026-04-01T09:00:00+08:00"}`},
	"/v1/members/{id}/leave": {"党员离开 · A member leaves",
		"党员离开本区名册，联系点全部结束。 The member leaves the books; contact points end.",
		`{"reason":"组织关系转出本区。","occurred_at":"2026-05-01T09:00:00+08:00"}`},
	"/v1/members/{id}/contact-points": {"确定联系点 · Assign a contact point",
		"党员联系指导一个单位（在职党员联系点）。 The member guides a unit.",
		`{"unit_id":"branch-xicheng-1","occurred_at":"2026-04-10T09:00:00+08:00"}`},
	"/v1/members/{id}/contact-point-ends": {"结束联系点 · End a contact point",
		"结束党员现有的一个联系点。 Ends one of the member's contact points.",
		`{"unit_id":"branch-xicheng-1","reason":"联系任务已完成。","occurred_at":"2026-06-30T09:00:00+08:00"}`},

	// Review remarks.
	"/v1/reviews": {"记录点评 · Record a review remark",
		"上级党组织、检查组或活动办公室对单位或党员的点评（一季一点评）：点评意见、缺点和不足、改进措施至少填一项。" +
			" A remark on a unit or a member: a text, shortcomings or measures, at least one.",
		`{"form":"meeting","subject":"unit","unit_id":"branch-dongcheng-1","reviewer":"王伟","quarter":"2026Q3",` +
			`"remark":"支部承诺事项推进有力，群众反映较好。","shortcomings":[{"text":"党员学习台账不全","orders_rectification":true},{"text":"承诺公开不及时"}],` +
			`"measures":["指定专人管理学习台账","承诺备案后三日内公开"],"occurred_at":"2026-09-28T15:00:00+08:00"}`},
	"/v1/reviews/{id}/corrections": {"更正点评 · Correct a review remark",
		"整体替换点评意见、缺点和不足、改进措施，须有所改变；原记录保留。 Replaces the content, which must change; the record stays.",
		`{"remark":"支部承诺事项推进有力，群众反映较好。","shortcomings":[{"text":"党员学习台账不全","orders_rectification":true},{"text":"承诺公开不够及时"}],` +
			`"measures":["指定专人管理学习台账","承诺备案后三日内公开"],"reason":"第二条问题表述有误。","occurred_at":"2026-09-29T09:00:00+08:00"}`},
	"/v1/reviews/{id}/retract": {"撤回点评 · Retract a review remark",
		"撤回后不再计数，也不能再被引用。 It no longer counts or can be cited.",
		`{"reason":"点评对象记录错误。","occurred_at":"2026-09-29T09:00:00+08:00"}`},

	// Inspections.
	"/v1/inspections": {"开展检查 · Start an inspection",
		"检查组对其指导范围内的单位开展专项检查或随机抽查；状态为“进行中”。 A group opens a special or random check of a unit it covers.",
		`{"kind":"special","unit_id":"branch-dongcheng-1","group_id":"group-1","subject":"党员学习教育专项检查","occurred_at":"2026-08-18T09:00:00+08:00"}`},
	"/v1/inspections/{id}/findings": {"记录发现问题 · Record a finding",
		"检查进行中时记录，按顺序从 1 编号。 While open; numbered from 1.",
		`{"text":"2026 年 7 月以来党员学习台账缺失。","severity":"moderate","orders_rectification":true,"evidence":[` + exampleEvidence + `],` +
			`"occurred_at":"2026-08-18T11:00:00+08:00"}`},
	"/v1/inspections/{id}/finding-corrections": {"更正发现问题 · Correct a finding",
		"整体替换一个未撤回问题的内容，须有所改变；检查完成后也可更正。 Replaces a finding's content; allowed after completion too.",
		`{"finding_no":1,"text":"2026 年 7 月、8 月党员学习台账缺失。","severity":"serious","orders_rectification":true,"evidence":[` + exampleEvidence + `],` +
			`"reason":"缺失月份表述不准确。","occurred_at":"2026-08-19T09:00:00+08:00"}`},
	"/v1/inspections/{id}/finding-withdrawals": {"撤回发现问题 · Withdraw a finding",
		"撤回后不再计数，也不能再被整改引用。 It no longer counts or can be cited.",
		`{"finding_no":1,"reason":"经核实，台账在档案室保存完整。","occurred_at":"2026-08-19T09:00:00+08:00"}`},
	"/v1/inspections/{id}/complete": {"完成检查 · Complete an inspection",
		"进行中 → 已完成，记录当时有效的问题数。 open → completed; records the findings in force.",
		`{"summary":"共发现问题 1 个，已责令整改。","evidence":[` + exampleEvidence + `],"occurred_at":"2026-08-18T17:00:00+08:00"}`},

	// Evaluations.
	"/v1/surveys": {"记录满意度测评 · Record a satisfaction survey",
		"某单位某期间的群众满意度测评，按回答计人数；满意率为不满意以外的人数占总人数的比例。 Respondents by answer; the rate is all but the dissatisfied over all.",
		`{"unit_id":"branch-dongcheng-1","period":"2026Q3","very_satisfied":58,"satisfied":31,"basically_satisfied":8,"dissatisfied":3,` +
			`"occurred_at":"2026-09-30T16:00:00+08:00"}`},
	"/v1/surveys/{id}/corrections": {"更正测评 · Correct a survey",
		"整体替换四项人数，须有所改变。 Replaces the counts, which must change.",
		`{"very_satisfied":58,"satisfied":30,"basically_satisfied":9,"dissatisfied":3,"reason":"一份问卷录入有误。","occurred_at":"2026-10-08T09:00:00+08:00"}`},
	"/v1/vanguards": {"评选先锋 · Select a vanguard",
		"一季一先锋：先进集体（单位）或先锋个人（党员）；同一对象同一季度同一类别只能评选一次（409）。仅活动办公室。" +
			" A collective or an individual for a quarter and category; the same selection twice is a 409. Office only.",
		`{"kind":"individual","unit_id":"branch-dongcheng-1","member_id":"member-zhangmin","category":{"key":"serving_masses","name":"服务群众先锋"},` +
			`"quarter":"2026Q3","citation":"坚持为独居老人上门服务，累计 52 人次。","occurred_at":"2026-10-10T10:00:00+08:00"}`},
	"/v1/vanguards/{id}/revoke": {"撤销先锋 · Revoke a vanguard",
		"撤销后不再计数。 It no longer counts.",
		`{"reason":"评选材料不实。","occurred_at":"2026-11-01T10:00:00+08:00"}`},
	"/v1/star-ratings": {"星级评定 · Award a star rating",
		"某单位某期间的星级（1–5 星），每个单位每个期间一个；id 为“单位编号-期间”。仅活动办公室。 One rating per unit and period; the id is <unit>-<period>.",
		`{"unit_id":"branch-dongcheng-1","period":"2026Q2","stars":4,"basis":"二季度各项工作考核得分 91 分。","occurred_at":"2026-07-15T10:00:00+08:00"}`},
	"/v1/star-ratings/{id}/revise": {"修订星级 · Revise a star rating",
		"修订后的星级须不同于现有星级。 The stars must change.",
		`{"stars":5,"reason":"复核后加计群众满意度得分。","occurred_at":"2026-07-20T10:00:00+08:00"}`},
	"/v1/rankings": {"发布月度排名 · Publish a monthly ranking",
		"片区月度观摩点评：各单位得分、名次和理由；名次须为竞赛名次（并列共享名次：1、1、3）且与得分一致，单位须在该片区内。id 为“片区编号-月份”。" +
			" An area's ranking for a month; ranks are competition ranks agreeing with the scores; the id is <area>-<month>.",
		`{"area_id":"area-east","month":"2026-08","rule_version":"2026 年月度观摩评分细则","entries":[` +
			`{"unit_id":"branch-dongcheng-1","score":92.5,"rank":1,"reasons":["承诺事项推进有力"]},` +
			`{"unit_id":"branch-dongcheng-2","score":88,"rank":2,"reasons":["学习台账不全，扣 2 分"]}],"occurred_at":"2026-09-02T10:00:00+08:00"}`},
	"/v1/rankings/{id}/supersede": {"更正月度排名 · Supersede a ranking",
		"发布完整的新一版排名并说明理由；原版本保留。 A complete new revision with a reason; the old one stays.",
		`{"rule_version":"2026 年月度观摩评分细则","entries":[` +
			`{"unit_id":"branch-dongcheng-1","score":92.5,"rank":1,"reasons":["承诺事项推进有力"]},` +
			`{"unit_id":"branch-dongcheng-2","score":90,"rank":2,"reasons":["学习台账不全，扣 2 分（复核后改为扣 0 分）"]}],` +
			`"reason":"复核后更正第二党支部得分。","occurred_at":"2026-09-05T10:00:00+08:00"}`},

	"/v1/ranking-rules": {"发布计分规则 · Publish a scoring rule",
		"月度观摩排名的计分规则作为数据记入账本：版本号 1、2……连续，生效月份不倒退；已发布的版本不能修改，改规则即发布下一版。某月按当时生效的最高版本计分。仅活动办公室。" +
			" The scoring rule as data on the ledger: versions 1, 2, ... without a gap, effective months never going back; a change is the next version. Office only.",
		`{"version":1,"effective_from":"2026-09","name":"2026 年月度观摩计分办法","metrics":[` +
			`{"metric":"fulfilment_rate","weight":40,"missing":"skip"},{"metric":"on_time_rate","weight":30,"missing":"area_mean"},` +
			`{"metric":"red_items","weight":-5},{"metric":"satisfaction_rate","weight":20,"missing":"zero"},{"metric":"vanguards","weight":2}],` +
			`"occurred_at":"2026-08-28T10:00:00+08:00"}`},
	// The checkpoint of this example stands for the one GET
	// /v1/views/rankings answers (a ledger state: tree size and root),
	// which no document can know in advance, as a path's {id} stands for
	// an item: TestContractCommands plays it in a world where the rule
	// above is published and puts its own checkpoint in place of these
	// values (contractRun.send).
	"/v1/rankings/{id}/accept": {"确认发布系统计算排名 · Accept a computed ranking",
		"按检查点（事件数和根哈希，照抄排名视图 GET /v1/views/rankings 的 checkpoint）确认发布片区某月的系统计算排名：账本核对根哈希，按前 size 个事件重新统计、按当时生效的规则计分；" +
			"不填 entries 即按计算结果发布；所列排名与计算不同时拒绝（422），除非声明人工调整（adjusted）并说明理由。id 为“片区编号-月份”。仅活动办公室。" +
			" Publishes an area's computed ranking of a month at a checkpoint the view answered: the ledger checks the root, counts again from the log and applies the rule in force; " +
			"a list that differs is refused unless adjusted with a reason. The id is <area>-<month>. Office only.",
		`{"rule_version":1,"checkpoint":{"size":14,"root":"3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},"occurred_at":"2026-10-08T10:00:00+08:00"}`},

	// The organisation.
	"/v1/areas": {"登记片区 · Register an area",
		"登记片区及其包靠领导。仅活动办公室。 An area and its leader. Office only.",
		`{"name":"南片区","leader":"赵刚","occurred_at":"2026-01-06T09:00:00+08:00"}`},
	"/v1/areas/{id}/rename": {"片区更名 · Rename an area",
		"", `{"name":"南部片区","occurred_at":"2026-02-01T09:00:00+08:00"}`},
	"/v1/areas/{id}/leader": {"更换包靠领导 · Change an area's leader",
		"", `{"leader":"孙丽","occurred_at":"2026-02-01T09:00:00+08:00"}`},
	"/v1/units": {"登记单位 · Register a unit",
		"在上级单位下登记单位（党组织）；单位类型决定层级，只能隶属上一级。活动办公室可在任何地方登记，上级党组织只能在自己的单位下登记。" +
			" A unit under its parent, one level down; the office anywhere, a superior under its own units.",
		`{"name":"东城街道第三党支部","kind":"branch","parent_id":"street-dongcheng","area_id":"area-east","occurred_at":"2026-02-10T09:00:00+08:00"}`},
	"/v1/units/{id}/rename": {"单位更名 · Rename a unit",
		"", `{"name":"东城街道第三党支部（社区服务站）","occurred_at":"2026-02-20T09:00:00+08:00"}`},
	"/v1/units/{id}/move": {"调整隶属关系 · Move a unit",
		"调整单位的上级或片区；不能调到本单位或其下级之下。调用者须同时管辖单位的现位置和新上级。 Under another parent or in another area; never below itself.",
		`{"parent_id":"street-xicheng","area_id":"area-west","occurred_at":"2026-03-01T09:00:00+08:00"}`},
	"/v1/groups": {"组建检查组 · Form an inspection group",
		"组建指导检查组，至少一名组员（组员为登录账号）。仅活动办公室。 A group of at least one person (logins). Office only.",
		`{"name":"第二指导检查组","members":["inspector-sun","inspector-zhou"],"occurred_at":"2026-03-01T09:00:00+08:00"}`},
	"/v1/groups/{id}/members": {"增加组员 · Add a group member",
		"", `{"member_id":"inspector-wu","occurred_at":"2026-03-05T09:00:00+08:00"}`},
	"/v1/groups/{id}/member-removals": {"移出组员 · Remove a group member",
		"不能移出最后一名组员。 Never the last one.", `{"member_id":"inspector-zhou","occurred_at":"2026-03-10T09:00:00+08:00"}`},
	"/v1/groups/{id}/assignments": {"分配指导范围 · Assign an area or unit",
		"片区覆盖其所有单位，单位覆盖其本身及下级。 An area covers its units, a unit its subtree.",
		`{"target_kind":"area","target_id":"area-west","occurred_at":"2026-03-02T09:00:00+08:00"}`},
	"/v1/groups/{id}/assignment-ends": {"结束指导范围 · End an assignment",
		"", `{"target_kind":"area","target_id":"area-west","reason":"本轮指导检查结束。","occurred_at":"2026-06-30T09:00:00+08:00"}`},
	"/v1/groups/{id}/dissolve": {"解散检查组 · Dissolve a group",
		"指导范围全部结束。 Its assignments end.", `{"reason":"年度指导检查工作结束。","occurred_at":"2026-12-01T09:00:00+08:00"}`},
	"/v1/themes": {"设定季度主题 · Set a quarter's theme",
		"一季一主题：每个单位每季度一个，id 为“单位编号-季度”。 One per unit and quarter; the id is <unit>-<quarter>.",
		`{"unit_id":"branch-dongcheng-1","quarter":"2026Q3","title":"学党史、办实事","description":"围绕为群众办实事开展主题党日活动。","occurred_at":"2026-07-01T09:00:00+08:00"}`},
	"/v1/themes/{id}/revise": {"修订季度主题 · Revise a theme",
		"原主题保留在记录中。 The earlier text stays on record.",
		`{"title":"学党史、办实事、开新局","description":"围绕为群众办实事开展主题党日活动。","reason":"按街道党工委统一部署调整。","occurred_at":"2026-07-05T09:00:00+08:00"}`},

	// Operator routes.
	"/v1/admin/snapshots": {"在线快照 · Online snapshot",
		"", `{"dir":"before-upgrade-2026-12"}`},
}
