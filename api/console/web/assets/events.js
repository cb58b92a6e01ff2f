// Chinese names of the ledger's event types and of the payload fields a
// reader cares about (docs/domain.md, "Event families" and the glossary),
// and how to show a payload's key fields. Used by the item page; any page
// that lists events may import it.
import { label, fmtTime } from './app.js';

export const eventTypes = {
  // 承诺、践诺、评诺
  'pledge.submitted': '提交承诺',
  'pledge.returned': '退回修改',
  'pledge.revised': '修改后重报',
  'pledge.filed': '把关备案',
  'pledge.disclosed': '公开承诺',
  'pledge.withdrawn': '撤回承诺',
  'pledge.evaluated': '评诺',
  'fulfilment.progress_reported': '报告践诺情况',
  'fulfilment.report_corrected': '更正践诺报告',
  'fulfilment.report_retracted': '撤回践诺报告',
  'fulfilment.fulfilled': '承诺兑现',
  'fulfilment.lapsed': '承诺未兑现',
  // 点评
  'review.recorded': '记录点评',
  'review.corrected': '更正点评',
  'review.retracted': '撤回点评',
  // 整改
  'rectification.ordered': '责令整改',
  'rectification.acknowledged': '签收',
  'rectification.plan_filed': '报送整改措施',
  'rectification.progress_reported': '报告整改进展',
  'rectification.submitted': '提交验收',
  'rectification.rejected': '退回重改',
  'rectification.accepted': '验收销号',
  'rectification.reopened': '问题反弹（重新整改）',
  'rectification.extension_requested': '申请延期',
  'rectification.extension_granted': '批准延期',
  'rectification.extension_denied': '不予延期',
  'rectification.cancelled': '撤销整改',
  'rectification.deadline_missed': '逾期未完成',
  // 测评、评选、星级、排名
  'survey.recorded': '记录群众满意度测评',
  'survey.corrected': '更正满意度测评',
  'vanguard.selected': '评选先锋',
  'vanguard.revoked': '撤销先锋',
  'star_rating.awarded': '星级创评',
  'star_rating.revised': '修订星级',
  'ranking.published': '发布月度观摩点评排名',
  'ranking.superseded': '更正月度排名',
  // 组织
  'area.registered': '登记片区',
  'area.renamed': '片区更名',
  'area.leader_changed': '更换包靠领导',
  'unit.registered': '登记单位',
  'unit.renamed': '单位更名',
  'unit.moved': '调整单位隶属',
  'member.registered': '登记党员',
  'member.moved': '党员转入其他单位',
  'member.left': '党员离册',
  'member.contact_point_assigned': '确定联系点',
  'member.contact_point_ended': '结束联系点',
  'theme.set': '确定活动主题',
  'theme.revised': '修订活动主题',
  // 指导检查
  'group.formed': '组建指导检查组',
  'group.member_added': '增加检查组成员',
  'group.member_removed': '减少检查组成员',
  'group.assigned': '指定指导范围',
  'group.assignment_ended': '结束指导范围',
  'group.dissolved': '撤销检查组',
  'inspection.started': '开始检查',
  'inspection.finding_recorded': '记录发现问题',
  'inspection.finding_corrected': '更正发现问题',
  'inspection.finding_withdrawn': '撤回发现问题',
  'inspection.completed': '完成检查',
  // 佐证材料、检查点、幂等键
  'evidence.uploaded': '上传佐证材料',
  'evidence.collected': '清理佐证材料',
  'checkpoint.sealed': '签名检查点',
  'command_key.claimed': '登记请求幂等键',
};

export function eventLabel(type) { return eventTypes[type] || type; }

// What a stream holds, by its prefix.
export const streamKinds = [
  ['rectification-', '整改事项', 'rectification'],
  ['pledge-', '承诺', 'pledge'],
  ['review-', '点评', 'review'],
  ['inspection-', '检查', 'inspection'],
  ['unit-', '单位', 'unit'],
  ['area-', '片区', 'area'],
  ['member-', '党员', 'member'],
  ['group-', '指导检查组', 'group'],
  ['theme-', '活动主题', 'theme'],
  ['survey-', '满意度测评', 'survey'],
  ['vanguard-', '先锋', 'vanguard'],
  ['starrating-', '星级创评', 'star_rating'],
  ['ranking-', '月度观摩点评', 'ranking'],
  ['evidence-', '佐证材料', 'evidence'],
];

export function streamKind(stream) {
  const k = streamKinds.find(([p]) => stream.startsWith(p));
  return k ? { prefix: k[0], name: k[1], entity: k[2], id: stream.slice(k[0].length) } : { prefix: '', name: '事项', entity: '', id: stream };
}

const more = {
  sourceKind: { review: '点评', inspection: '检查', evaluation: '评诺/测评', ranking: '月度排名' },
  grade: { excellent: '好', good: '较好', fair: '一般', poor: '差' },
  evaluator: { members: '党员评议', public: '群众评议', organisation: '组织评议' },
  maker: { unit: '党组织', member: '党员' },
  category: {
    stage_task: '完成阶段工作任务', service_for_masses: '为群众办实事好事', self_improvement: '加强自身建设',
    duty: '本职工作', serving_masses: '服务群众', integrity: '廉洁自律',
  },
  inspectionKind: { special: '专项检查', random: '随机抽查' },
  vanguardKind: { collective: '先进集体', individual: '先锋个人' },
};

function lookup(table, code) { return (more[table] && more[table][code]) || label(table, code); }

// Payload fields worth showing, in this order, with their Chinese names
// and how to write their values. Fields not listed (ids, the business
// time already shown, "by") are left out.
const FIELDS = [
  ['requirement', '整改要求'],
  ['source', '整改来源', v => v && typeof v === 'object' ? `${lookup('sourceKind', v.kind)} ${v.ref || ''}${v.item ? ` 第 ${v.item} 条` : ''}` : v],
  ['person', '责任人'],
  ['deadline', '整改时限'],
  ['previous_deadline', '原时限'],
  ['new_deadline', '新时限'],
  ['proposed', '申请延至'],
  ['reasons', '延期理由'],
  ['progress', '进展情况'],
  ['measures', '整改措施', v => Array.isArray(v) ? v.map((m, i) => `${i + 1}. ${m}`).join('\n') : v],
  ['summary', '情况说明'],
  ['note', '说明'],
  ['reason', '理由'],
  ['closed_on', '销号日期'],
  ['accepted_by', '验收人'],
  ['missed_at', '逾期时刻', v => fmtTime(v)],
  ['state', '当时状态', v => label('rectState', v)],
  ['title', '标题'],
  ['content', '内容'],
  ['maker', '承诺主体', v => lookup('maker', v)],
  ['category', '类别', v => typeof v === 'string' ? lookup('category', v) : v && v.name],
  ['quarter', '季度'],
  ['channel', '公开渠道'],
  ['report_id', '报告编号'],
  ['percent', '完成进度', v => v + '%'],
  ['narrative', '践诺情况'],
  ['explanation', '说明'],
  ['evaluator', '评议主体', v => lookup('evaluator', v)],
  ['grade', '等次', v => lookup('grade', v)],
  ['score', '得分'],
  ['respondents', '参评人数'],
  ['form', '点评形式', v => label('form', v)],
  ['reviewer', '点评人'],
  ['remark', '点评意见'],
  ['shortcomings', '缺点和不足', v => Array.isArray(v) ? v.map((s, i) => `${i + 1}. ${s.text || s}${s.orders_rectification ? '（需整改）' : ''}`).join('\n') : v],
  ['finding_no', '问题编号'],
  ['text', '问题描述'],
  ['severity', '严重程度', v => label('severity', v)],
  ['findings', '问题数'],
  ['name', '名称'],
  ['leader', '包靠领导'],
  ['kind', '类型', v => label('kind', v) !== v ? label('kind', v) : lookup('inspectionKind', v)],
  ['subject', '对象'],
  ['description', '说明'],
  ['stars', '星级', v => '★'.repeat(Number(v) || 0) + `（${v} 星）`],
  ['period', '期间'],
  ['month', '月份'],
  ['citation', '先进事迹'],
  ['size', '事件数'],
  ['sealed_at', '签名时间', v => fmtTime(v, true)],
  ['key_name', '签名密钥'],
];

// sourceStream is the stream of what ordered a rectification, when the
// console has a page for it.
export function sourceStream(src) {
  const prefix = src && typeof src === 'object' && src.ref && { review: 'review-', inspection: 'inspection-', ranking: 'ranking-' }[src.kind];
  return prefix ? prefix + src.ref : '';
}

// keyFields returns [name, text, stream] triples of a payload's key
// fields; stream, when set, is the item a field refers to.
export function keyFields(payload) {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return [];
  const out = [];
  for (const [k, name, fmt] of FIELDS) {
    const v = payload[k];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    const text = fmt ? fmt(v) : (typeof v === 'object' ? JSON.stringify(v) : String(v));
    if (text !== undefined && text !== null && text !== '') out.push([name, String(text), k === 'source' ? sourceStream(v) : '']);
  }
  return out;
}

// evidenceOf lists the files a payload cites: {sha256, name, size, media_type}.
export function evidenceOf(payload) {
  const ev = payload && payload.evidence;
  return Array.isArray(ev) ? ev.filter(x => x && typeof x.sha256 === 'string') : [];
}

export function fileSize(n) {
  if (!(n >= 0)) return '';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}
