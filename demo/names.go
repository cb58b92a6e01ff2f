package demo

import (
	"fmt"
	"math/rand/v2"
)

// Names and texts of the demo district. They read like a real district's
// record book: the areas, streets and units are invented, the wording
// follows the seed document's summary.

var areaNames = []string{
	"城东片区", "城西片区", "城南片区", "城北片区", "老城片区", "新城片区", "开发区片区", "高新区片区",
	"滨河片区", "湖滨片区", "山前片区", "山后片区", "工业园片区", "商贸片区", "农业园片区",
}

var placeWords = []string{
	"和平", "建设", "幸福", "光明", "解放", "人民", "新华", "长安", "东风", "红旗", "胜利", "团结",
	"文化", "振兴", "富强", "民主", "永安", "安康", "兴隆", "太平", "育才", "青年", "春晖", "朝阳",
	"金桥", "银河", "龙泉", "凤凰", "柳林", "松园", "桃源", "梨园", "杏花", "荷塘", "白鹭", "翠屏",
	"清泉", "石桥", "河西", "河东", "南湖", "北苑", "西山", "东岭", "白杨", "丰收", "双桥", "三里",
}

var departmentNames = []string{
	"区教育局", "区卫生健康局", "区住房和城乡建设局", "区市场监督管理局", "区财政局", "区人力资源和社会保障局",
	"区民政局", "区农业农村局", "区商务局", "区城市管理局", "区文化和旅游局", "区交通运输局",
	"区生态环境局", "区应急管理局", "区司法局",
}

var companyWords = []string{
	"华兴", "恒通", "瑞丰", "鑫达", "宏远", "中泰", "天成", "联创", "金鼎", "永盛", "博源", "新材",
}

var companyKinds = []string{"机械制造有限公司", "物流有限公司", "食品有限公司", "建材有限公司", "科技有限公司", "纺织有限公司"}

var windowNames = []string{"政务服务中心", "不动产登记中心", "社保服务大厅", "医保服务窗口", "公积金服务窗口", "税务服务厅"}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕文斌宇浩凯鹏辉丹晨阳鑫磊婷雪琳晓东国庆卫东建华小红永刚")

func personName(r *rand.Rand) string {
	name := []rune{surnames[r.IntN(len(surnames))], givenChars[r.IntN(len(givenChars))]}
	if r.IntN(3) > 0 {
		name = append(name, givenChars[r.IntN(len(givenChars))])
	}
	return string(name)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var themeTexts = []string{
	"强基础、抓服务、促发展，争创服务型党组织",
	"聚焦项目建设，争当招商引资先锋",
	"服务群众零距离，为民办事解难题",
	"提升窗口服务效能，创建人民满意窗口",
	"加强党员队伍建设，发挥先锋模范作用",
	"推进新城建设，争做发展排头兵",
	"办好民生实事，提升群众满意度",
	"抓党建促脱贫，带领群众致富增收",
}

var unitPledgeTexts = map[string][]string{
	"stage_task": {
		"本季度完成社区党员活动阵地改造提升",
		"按期完成辖区重点项目征地拆迁任务",
		"完成年度招商引资签约项目两个",
		"完成窗口服务流程再造，办事时限压缩三分之一",
		"完成村级集体经济增收项目一项",
	},
	"service_for_masses": {
		"为辖区困难群众办实事好事十件",
		"开展便民服务进小区活动每月两次",
		"为空巢老人建立结对帮扶台账",
		"解决群众反映的道路照明问题",
		"组织党员志愿者开展环境整治活动",
	},
	"self_improvement": {
		"每月开展一次主题党日活动",
		"健全党员学习教育制度，落实三会一课",
		"开展班子成员谈心谈话全覆盖",
		"建立党员积分管理制度",
	},
}

var memberPledgeTexts = map[string][]string{
	"duty":           {"立足岗位争创一流业绩", "按时高质量完成本职工作任务", "本季度无差错、无投诉"},
	"serving_masses": {"联系帮扶困难群众两户", "参加志愿服务活动不少于四次", "为群众办理实事一件"},
	"integrity":      {"严守廉洁纪律，不收受任何礼品礼金", "带头落实八项规定精神", "公开服务承诺，接受群众监督"},
}

var progressTexts = []string{
	"已制定实施方案，明确责任人和时间节点",
	"完成前期调研，正在组织实施",
	"已完成过半，群众反映良好",
	"主体工作已完成，正在整理资料",
	"全部完成，已向群众公示",
}

var shortcomingTexts = []string{
	"承诺事项过于笼统，缺少量化指标",
	"党员参与活动积极性不高",
	"践诺台账记录不完整",
	"为民办实事进度滞后",
	"窗口服务态度有待改进",
	"组织生活会质量不高，批评与自我批评不够",
	"公开栏内容更新不及时",
	"联系群众不够紧密，群众知晓率低",
}

var measureTexts = []string{
	"细化承诺内容，明确完成时限和标准",
	"建立党员积分管理，激发参与积极性",
	"规范台账管理，专人负责记录",
	"倒排工期，每周调度工作进展",
	"开展服务礼仪培训，落实首问负责制",
	"认真准备组织生活会，开展谈心谈话",
	"每月更新公开栏内容",
	"开展入户走访，提高群众知晓率",
}

var findingTexts = []string{
	"承诺公开不到位，群众知晓率低",
	"践诺记录与实际不符",
	"整改台账未及时销号",
	"活动阵地利用率不高",
	"党员公开承诺未上墙",
	"点评流于形式，缺少具体改进措施",
}

var vanguardCategories = []struct{ Key, Name string }{
	{"investment", "招商引资先锋"},
	{"new_city", "新城建设先锋"},
	{"service", "服务群众先锋"},
	{"rural", "富民强村先锋"},
	{"window", "窗口服务先锋"},
}

func streetName(i int) string    { return placeWords[i%len(placeWords)] + "街道" }
func communityName(i int) string { return placeWords[(i*7+3)%len(placeWords)] + "大社区" }
func branchName(i int) string    { return placeWords[(i*5+1)%len(placeWords)] + "社区党支部" }
func villageName(i int) string   { return placeWords[(i*11+2)%len(placeWords)] + "村党支部" }
func windowName(i int) string {
	return fmt.Sprintf("%s第%d党支部", windowNames[i%len(windowNames)], i/len(windowNames)+1)
}
func companyName(r *rand.Rand) string {
	return pick(r, placeWords) + pick(r, companyWords) + pick(r, companyKinds) + "党支部"
}

var remarkTexts = []string{
	"本季度活动开展扎实，承诺事项推进有力，群众反映较好",
	"主题明确，措施具体，但在发动党员参与方面还有差距",
	"围绕中心工作开展活动，成效初显，需进一步抓好落实",
	"活动记实簿填写规范，承诺公开及时，践诺情况良好",
}

var memberRemarkTexts = []string{
	"能够立足岗位践行承诺，工作积极主动",
	"履行承诺较好，发挥了党员先锋模范作用",
	"本职工作完成较好，服务群众意识有待加强",
}

var extraMeasureTexts = []string{
	"建立承诺事项周调度制度",
	"每月向群众通报践诺进展",
	"实行整改事项销号管理",
}

var rankingReasons = []string{
	"活动阵地建设规范，加分",
	"承诺践诺台账完整，加分",
	"为民办实事成效明显，加分",
	"观摩现场准备不充分，扣分",
	"公开栏内容更新不及时，扣分",
	"党员参与率偏低，扣分",
}

var citationTexts = []string{
	"带领群众发展特色产业，成效显著",
	"扎根一线，推动重点项目如期建成",
	"热心服务群众，解决群众急难愁盼问题",
	"立足岗位创一流，业务能力突出",
}

var rectificationTexts = map[string]string{
	"survey":  "群众满意度测评反映的问题",
	"ranking": "月度观摩评比排名靠后，限期整改提升",
}
