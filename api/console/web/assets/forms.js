// Command forms generated from the API's own description: the request
// schema of a command's POST in /openapi.json says which fields there
// are, their Chinese titles, enumerations and their labels, formats and
// bounds. Where the schema says less (titles and enumerations are being
// added), the small table FIELDS below fills in, so the forms are Chinese
// today and richer as the schema grows.
//
// A form keeps one Idempotency-Key until its command succeeds, so a
// double click or a retry records once; it uploads chosen evidence files
// first (POST /v1/evidence?unit=…) and cites the answers; it shows a
// refusal next to the field the problem names.
import { api, get, el, newKey, today, localInput, fromLocalInput, showProblem, clearProblems, ApiError } from './app.js';

let docPromise = null;

// openapi fetches the API description once per page.
export function openapi() {
  if (!docPromise) {
    docPromise = get('/openapi.json').catch(e => { docPromise = null; throw e; });
  }
  return docPromise;
}

function deref(doc, s) {
  for (let i = 0; s && s.$ref && i < 8; i++) {
    const parts = s.$ref.replace(/^#\//, '').split('/');
    s = parts.reduce((o, k) => (o ? o[k] : undefined), doc);
  }
  return s || {};
}

// command finds a command's POST: its request schema and its roles.
export async function command(pattern) {
  const doc = await openapi();
  const op = (doc.paths && doc.paths[pattern] && doc.paths[pattern].post) || {};
  if (!op.requestBody) throw new Error('接口说明中没有命令 ' + pattern);
  const content = op.requestBody.content || {};
  const schema = deref(doc, content['application/json'] && content['application/json'].schema);
  return { schema: resolveAll(doc, schema), roles: op['x-roles'] || null };
}

function resolveAll(doc, s, depth = 0) {
  s = deref(doc, s);
  if (depth > 6) return s;
  const out = Object.assign({}, s);
  if (s.properties) {
    out.properties = {};
    for (const [k, v] of Object.entries(s.properties)) out.properties[k] = resolveAll(doc, v, depth + 1);
  }
  if (s.items) out.items = resolveAll(doc, s.items, depth + 1);
  return out;
}

// allowedFor says whether a principal's roles may ever call a command
// (its x-roles); without x-roles in the document, it assumes so.
export async function allowedFor(pattern, roles) {
  const { roles: need } = await command(pattern);
  return !need || need.some(r => roles.includes(r));
}

// Labels of enumerations the schema does not label yet.
const E = {
  maker: { unit: '党组织', member: '党员' },
  category: {
    stage_task: '完成阶段工作任务', service_for_masses: '为群众办实事好事', self_improvement: '加强自身建设',
    duty: '本职工作', serving_masses: '服务群众', integrity: '廉洁自律',
  },
  evaluator: { organisation: '组织评议', members: '党员评议', public: '群众评议' },
  grade: { excellent: '好', good: '较好', fair: '一般', poor: '差' },
  form: { meeting: '会议点评', talk: '谈话点评', on_site: '现场点评', written: '书面点评', random: '随机点评' },
  reviewSubject: { unit: '党组织', member: '党员' },
  inspectionKind: { special: '专项检查', random: '随机抽查' },
  severity: { minor: '一般问题', moderate: '较重问题', serious: '严重问题' },
  sourceKind: { review: '点评', inspection: '检查', evaluation: '评诺/测评', ranking: '月度排名' },
  targetKind: { area: '片区', unit: '单位' },
};

// FIELDS fills in what a schema leaves out, by JSON name ("source.kind"
// for a nested field, "shortcomings[].text" for a field of an array's
// rows, "/v1/inspections subject" for one route's field). long marks a
// text that gets a text area.
const FIELDS = {
  // The form handles these two itself: its own hint, not the API's.
  occurred_at: { title: '业务发生时间', format: 'date-time', hint: '默认为提交时的时间；补录过去的事项时改为实际发生的时间', ownHint: true },
  evidence: { title: '佐证材料', hint: '照片、会议记录、扫描件等，提交时先上传再引用', ownHint: true },
  '/v1/rectifications/{id}/accept evidence': { hint: '提交验收时未附佐证材料的，验收时须至少上传一份' },
  reason: { title: '理由', long: true },
  reasons: { title: '申请理由', long: true },
  note: { title: '意见', long: true },
  summary: { title: '整改情况', long: true },
  deadline: { title: '整改期限', format: 'date' },
  new_deadline: { title: '新的整改期限', format: 'date' },
  proposed: { title: '申请延至', format: 'date' },
  progress: { title: '目前进展', long: true },
  requirement: { title: '整改要求', long: true },
  person: { title: '责任人', hint: '填写责任人的登录账号（验收时据此回避）' },
  unit: { title: '单位' },
  unit_id: { title: '单位' },
  member: { title: '党员编号', hint: '承诺主体为党员时填写' },
  member_id: { title: '党员编号', hint: '点评对象为党员时填写' },
  quarter: { title: '季度', xformat: 'quarter', hint: '如 2026Q3' },
  month: { title: '月份', xformat: 'month' },
  maker: { title: '承诺主体', labels: E.maker },
  category: { title: '承诺类别', labels: E.category },
  title: { title: '标题' },
  content: { title: '承诺内容', long: true },
  channel: { title: '公开渠道', hint: '如 公开栏、网站' },
  report_id: { title: '报告编号', hint: '本承诺内唯一，如 第1次' },
  percent: { title: '完成进度（%）', minimum: 0, maximum: 100 },
  narrative: { title: '践诺情况', long: true },
  explanation: { title: '未兑现说明', long: true },
  evaluator: { title: '评议主体', labels: E.evaluator },
  grade: { title: '等次', labels: E.grade },
  score: { title: '得分', minimum: 0, maximum: 100 },
  respondents: { title: '参评人数', minimum: 0 },
  measures: { title: '整改措施' },
  'measures[]': { title: '措施', long: true },
  source: { title: '整改来源' },
  'source.kind': { title: '来源类型', labels: E.sourceKind },
  'source.ref': { title: '来源编号' },
  'source.item': { title: '问题序号', minimum: 1 },
  form: { title: '点评形式', labels: E.form },
  subject: { title: '点评对象', labels: E.reviewSubject },
  reviewer: { title: '点评人' },
  remark: { title: '点评意见', long: true },
  shortcomings: { title: '缺点和不足' },
  'shortcomings[].text': { title: '问题描述', long: true },
  'shortcomings[].orders_rectification': { title: '需整改' },
  '/v1/reviews measures': { title: '改进措施' },
  '/v1/reviews/{id}/corrections measures': { title: '改进措施' },
  '/v1/reviews unit_id': { title: '被点评单位' },
  '/v1/inspections unit_id': { title: '被检查单位' },
  '/v1/inspections subject': { title: '检查主题', labels: null },
  '/v1/inspections/{id}/complete summary': { title: '检查小结' },
  kind: { title: '检查类型', labels: E.inspectionKind },
  group_id: { title: '检查组' },
  text: { title: '问题描述', long: true },
  severity: { title: '问题性质', labels: E.severity },
  orders_rectification: { title: '需责令整改' },
  finding_no: { title: '问题序号', minimum: 1 },
  name: { title: '名称' },
  members: { title: '成员（登录账号）' },
  'members[]': { title: '登录账号' },
  target_kind: { title: '指导对象类型', labels: E.targetKind },
  target_id: { title: '指导对象' },
  description: { title: '主题说明', long: true },
  area_id: { title: '片区' },
  rule_version: { title: '计分规则版本' },
  entries: { title: '各单位得分' },
  'entries[].unit_id': { title: '单位' },
  'entries[].score': { title: '得分' },
  'entries[].rank': { title: '名次', minimum: 1 },
  'entries[].reasons': { title: '加分/扣分理由', hint: '每行一条' },
  leader: { title: '包靠领导' },
};

// The order fields are shown in when a form does not give one: the
// schema's properties come sorted by name, which reads badly.
const ORDER = ['id', 'area_id', 'unit', 'unit_id', 'maker', 'member', 'subject', 'member_id', 'group_id', 'kind', 'form', 'quarter', 'month',
  'name', 'members', 'target_kind', 'target_id', 'category', 'title', 'content', 'description', 'source', 'person',
  'requirement', 'deadline', 'reviewer', 'remark', 'shortcomings', 'measures', 'text', 'severity', 'orders_rectification',
  'finding_no', 'report_id', 'percent', 'narrative', 'evaluator', 'grade', 'score', 'rank', 'reasons', 'respondents', 'channel', 'explanation',
  'progress', 'proposed', 'new_deadline', 'summary', 'reason', 'note', 'rule_version', 'entries', 'evidence', 'occurred_at'];

const LONG = 200; // a text that may be longer than this gets a text area

// describe merges a property's schema with the table above: the schema
// wins where it says something.
function describe(pattern, path, schema) {
  const generic = path.replace(/\[\d*\]/g, '[]');
  const base = generic.replace(/^.*[.\]]/, '').replace(/\[\]$/, '');
  const extra = Object.assign({}, FIELDS[base] || {}, FIELDS[generic] || {}, FIELDS[pattern + ' ' + generic] || {});
  const d = Object.assign({}, schema || {});
  d.title = d.title || extra.title || base;
  if (!d.enum && extra.labels) d.enum = Object.keys(extra.labels);
  if (extra.labels === null && !(schema && schema.enum)) delete d.enum;
  d.labels = Object.assign({}, extra.labels || {}, d['x-enum-labels'] || {});
  if (!d.format && extra.format) d.format = extra.format;
  if (!d['x-format'] && extra.xformat) d['x-format'] = extra.xformat;
  for (const k of ['minimum', 'maximum']) if (d[k] === undefined && extra[k] !== undefined) d[k] = extra[k];
  d.long = d.type === 'string' && (extra.long || (d.maxLength || 0) > LONG);
  d.hint = (extra.ownHint && extra.hint) || chinese(d.description || '') || extra.hint || '';
  return d;
}

// chinese keeps the Chinese sentences of a bilingual description.
function chinese(s) {
  return s.split(/(?<=[。．.;；!?！？])\s+/).filter(x => /[\u3400-\u9fff]/.test(x)).join('').trim();
}

export function currentQuarter(d = new Date()) {
  const [y, m] = today(d).split('-');
  return `${y}Q${Math.ceil(Number(m) / 3)}`;
}

let seq = 0;
const fid = () => 'f' + (++seq);

// field renders one property; it returns the elements of its grid row
// and read(), the value to send (undefined: leave it out).
function field(ctx, path, schema, required) {
  const d = describe(ctx.pattern, path, schema);
  const id = fid();
  const lbl = el('label', { for: id, class: 'field-label' }, d.title, required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : '');
  const box = el('div', { class: 'field' });
  const control = input(ctx, path, d, id, required);
  box.append(control.node);
  if (d.hint && control.hint !== false) box.append(el('span', { class: 'hint' }, d.hint));
  return { nodes: [lbl, box], read: control.read, path };
}

// input builds the control for a described property.
function input(ctx, path, d, id, required) {
  const choices = ctx.choices[path.replace(/\[\d+\]/g, '[]')];
  const initial = valueAt(ctx.defaults, path);
  if (d.type === 'array' && d.items && isEvidence(path, d.items)) return evidenceInput(ctx, path, id);
  if (d.type === 'array' && d.items && d.items.type === 'object') return rowsInput(ctx, path, d, id, initial, true);
  if (d.type === 'array') return rowsInput(ctx, path, d, id, initial, false);
  if (d.type === 'object' && d.properties) return objectInput(ctx, path, d, id);
  if (d.type === 'boolean') {
    const box = el('input', { type: 'checkbox', id, name: path, checked: !!initial });
    return { node: box, read: () => (box.checked ? true : undefined) };
  }
  if (choices && choices.options) return choiceInput(path, d, id, initial, choices, required);
  if (d.enum) {
    const opts = d.enum.map(v => [v, d.labels[v] || v]);
    return choiceInput(path, d, id, initial, { options: opts, strict: true }, required);
  }
  if (d.type === 'integer' || d.type === 'number') {
    const n = el('input', {
      type: 'number', id, name: path, min: d.minimum, max: d.maximum, step: d.type === 'integer' ? 1 : 'any',
      value: initial ?? '', inputmode: 'decimal',
    });
    return { node: n, read: () => (n.value.trim() === '' ? undefined : Number(n.value)) };
  }
  if (d.format === 'date') {
    const n = el('input', { type: 'date', id, name: path, value: initial || '', min: /deadline|proposed/.test(path) ? today() : undefined });
    return { node: n, read: () => n.value || undefined };
  }
  if (d.format === 'date-time') {
    // Business time: shown as now, sent only if the user changed it, so
    // the server takes the moment it receives the command (a minute
    // rounded down could fall before the item's latest event).
    const shown = initial ? localInput(new Date(initial)) : localInput();
    const n = el('input', { type: 'datetime-local', id, name: path, value: shown });
    return { node: n, read: () => (n.value && (initial || n.value !== shown) ? fromLocalInput(n.value) : undefined) };
  }
  if (d['x-format'] === 'month' || path === 'month') {
    const n = el('input', { type: 'month', id, name: path, value: initial || today().slice(0, 7) });
    return { node: n, read: () => n.value || undefined };
  }
  if (d.long) {
    const n = el('textarea', { id, name: path, maxlength: d.maxLength, rows: 3 }, initial || '');
    return { node: n, read: () => (n.value.trim() === '' ? undefined : n.value) };
  }
  const n = el('input', {
    type: 'text', id, name: path, maxlength: d.maxLength, value: initial ?? (d['x-format'] === 'quarter' ? currentQuarter() : ''),
    placeholder: d.example !== undefined ? String(d.example) : undefined,
  });
  return { node: n, read: () => (n.value.trim() === '' ? undefined : n.value.trim()) };
}

// choiceInput is a select of known values, or (options not exhaustive,
// e.g. units when the directory is not readable) a text input with
// suggestions.
function choiceInput(path, d, id, initial, choices, required) {
  const opts = choices.options;
  if (choices.strict !== false && (choices.strict || opts.length)) {
    const s = el('select', { id, name: path },
      (!required || initial === undefined) && opts.length !== 1 ? el('option', { value: '' }, '请选择') : '',
      opts.map(([v, text]) => el('option', { value: v, selected: String(v) === String(initial ?? '') }, text)));
    if (initial === undefined && opts.length === 1) s.value = String(opts[0][0]);
    const num = d.type === 'integer' || d.type === 'number';
    return { node: s, read: () => (s.value === '' ? undefined : num ? Number(s.value) : s.value) };
  }
  const listId = id + '-list';
  const n = el('input', { type: 'text', id, name: path, list: listId, value: initial ?? '' });
  const list = el('datalist', { id: listId }, opts.map(([v, text]) => el('option', { value: v }, text)));
  return { node: el('span', { class: 'combo' }, n, list), read: () => (n.value.trim() === '' ? undefined : n.value.trim()) };
}

// objectInput renders a nested object's fields in one box; fixed parts
// of it are not shown.
function objectInput(ctx, path, d, id) {
  const req = d.required || [];
  const parts = [];
  const box = el('div', { class: 'nested', id });
  for (const [k, s] of ordered(d.properties)) {
    const p = path + '.' + k;
    if (valueAt(ctx.fixed, p) !== undefined || ctx.hide.includes(p)) continue;
    const f = field(ctx, p, s, req.includes(k));
    box.append(el('div', { class: 'sub' }, f.nodes));
    parts.push(f);
  }
  return {
    node: box, hint: parts.length > 0,
    read: async () => {
      const o = {};
      for (const f of parts) {
        const v = await f.read();
        if (v !== undefined) o[f.path.slice(path.length + 1)] = v;
      }
      return Object.keys(o).length ? o : undefined;
    },
  };
}

// rowsInput is a repeatable list: strings, or objects shown as a row of
// small fields; an array of strings inside a row is a text area, a line
// each. Rows are named by their index ("measures[1]",
// "shortcomings[0].text"), so a problem names the very input.
function rowsInput(ctx, path, d, id, initial, objects) {
  const list = el('div', { class: 'rows', id });
  const rows = [];
  const itemD = describe(ctx.pattern, path + '[]', d.items);
  const rename = () => rows.forEach((r, i) => r.rename(i));
  const add = value => {
    const row = el('div', { class: 'row-item' });
    let readers = [];
    const named = [];
    if (objects) {
      const req = d.items.required || [];
      for (const [k, s] of ordered(d.items.properties || {})) {
        const sd = describe(ctx.pattern, path + '[].' + k, s);
        const n = rowControl(sd, value && value[k]);
        named.push([n.node, k]);
        row.append(el('label', { class: 'sub' }, el('span', { class: 'sub-label' }, sd.title, req.includes(k) ? ' *' : ''), n.node));
        readers.push([k, n.read]);
      }
    } else {
      const n = rowControl(itemD, value);
      named.push([n.node, '']);
      row.append(n.node);
      readers = [['', n.read]];
    }
    const entry = {
      rename: i => named.forEach(([node, k]) => { node.name = `${path}[${i}]` + (k ? '.' + k : ''); }),
      read: () => {
        if (!objects) return readers[0][1]();
        const o = {};
        for (const [k, r] of readers) { const v = r(); if (v !== undefined) o[k] = v; }
        return Object.keys(o).length ? o : undefined;
      },
    };
    row.append(el('button', {
      type: 'button', class: 'link remove', title: '删除这一条',
      onclick: () => { rows.splice(rows.indexOf(entry), 1); row.remove(); rename(); },
    }, '删除'));
    rows.push(entry);
    list.append(row);
    rename();
  };
  for (const v of Array.isArray(initial) && initial.length ? initial : [undefined]) add(v);
  const more = el('button', { type: 'button', class: 'add', onclick: () => add() }, '＋ 添加一条');
  return {
    node: el('div', { class: 'repeat' }, list, more),
    // All rows empty: leave the field out; otherwise send every row, so
    // the server's index names the row on the page.
    read: () => {
      const vals = rows.map(r => r.read());
      if (vals.every(v => v === undefined)) return undefined;
      return vals.map(v => (v === undefined ? (objects ? {} : '') : v));
    },
  };
}

// rowControl is the input of one cell of a repeatable row.
function rowControl(d, value) {
  if (d.type === 'boolean') {
    const n = el('input', { type: 'checkbox', checked: !!value });
    return { node: n, read: () => (n.checked ? true : undefined) };
  }
  if (d.enum) {
    const n = el('select', {}, el('option', { value: '' }, '请选择'), d.enum.map(v => el('option', { value: v, selected: v === value }, d.labels[v] || v)));
    return { node: n, read: () => n.value || undefined };
  }
  if (d.type === 'integer' || d.type === 'number') {
    const n = el('input', { type: 'number', min: d.minimum, max: d.maximum, step: d.type === 'integer' ? 1 : 'any', value: value ?? '', class: 'short' });
    return { node: n, read: () => (n.value.trim() === '' ? undefined : Number(n.value)) };
  }
  if (d.type === 'array') {
    const n = el('textarea', { rows: 2 }, Array.isArray(value) ? value.join('\n') : '');
    return { node: n, read: () => { const v = n.value.split('\n').map(s => s.trim()).filter(Boolean); return v.length ? v : undefined; } };
  }
  const n = d.long ? el('textarea', { rows: 2, maxlength: d.maxLength }, value || '') : el('input', { type: 'text', maxlength: d.maxLength, value: value ?? '' });
  return { node: n, read: () => (n.value.trim() === '' ? undefined : n.value.trim()) };
}

function isEvidence(path, items) {
  return /(^|\.)evidence$/.test(path) || !!(items && items.properties && items.properties.sha256);
}

// The references of files uploaded from this page, so a retry does not
// send the bytes again.
const uploaded = new WeakMap();

// upload sends one file as the raw body and answers the reference to
// cite: its SHA-256, name, size and media type.
export async function upload(file, unit) {
  if (uploaded.has(file)) return uploaded.get(file);
  const q = unit ? '?unit=' + encodeURIComponent(unit) : '';
  const name = encodeURIComponent(file.name).replace(/['()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const res = await api('/v1/evidence' + q, { body: file, headers: { 'Content-Disposition': "attachment; filename*=UTF-8''" + name } });
  const { sha256, name: stored, size, media_type } = res.data;
  const ref = { sha256, name: stored, size, media_type };
  uploaded.set(file, ref);
  return ref;
}

// evidenceInput picks files; they are uploaded when the form is sent.
function evidenceInput(ctx, path, id) {
  const pick = el('input', { type: 'file', id, name: path, multiple: true, accept: 'image/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.zip' });
  const list = el('ul', { class: 'files' });
  const show = () => list.replaceChildren(...[...pick.files].map(f =>
    el('li', {}, f.name, ' ', el('span', { class: 'muted' }, sizeText(f.size)), uploaded.has(f) ? el('span', { class: 'muted' }, ' · 已上传') : '')));
  pick.addEventListener('change', show);
  return {
    node: el('div', { class: 'evidence' }, pick, list),
    read: async () => {
      const files = [...pick.files];
      if (!files.length) return undefined;
      const refs = [];
      for (const f of files) {
        try {
          refs.push(await upload(f, ctx.unit));
        } catch (err) {
          // An upload's refusal belongs beside the file picker.
          const p = (err instanceof ApiError && err.problem) || {};
          throw new ApiError(err.status || 0, Object.assign({}, p, { field: path, detail: `${f.name}：${p.detail || err.message}` }));
        } finally {
          show();
        }
      }
      return refs;
    },
  };
}

function sizeText(n) {
  return n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB';
}

function ordered(props) {
  const rank = k => { const i = ORDER.indexOf(k); return i < 0 ? ORDER.indexOf('evidence') - 0.5 : i; };
  return Object.entries(props).sort((a, b) => rank(a[0]) - rank(b[0]));
}

function valueAt(obj, path) {
  let v = obj;
  for (const k of path.split('.')) {
    if (v === undefined || v === null) return undefined;
    v = v[k];
  }
  return v;
}

function merge(a, b) {
  const out = Object.assign({}, a);
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
  }
  return out;
}

// Chinese for the domain's most frequent refusals of a field; the
// server's own words follow in brackets. A refusal not listed still says
// which field, by its Chinese title.
const REASONS = [
  [/^[^:]+: is required$/, () => '不能为空'],
  [/^[^:]+: must be at most (\d+) characters$/, m => `不能超过 ${m[1]} 个字`],
  [/^[^:]+: must not be before the order date (\S+)$/, m => `不得早于下达日期 ${m[1]}`],
  [/^[^:]+: must be (\d+) to (\d+)$/, m => `须在 ${m[1]} 至 ${m[2]} 之间`],
];

function explain(err, title) {
  const p = err instanceof ApiError ? err.problem || {} : {};
  const detail = p.detail || '';
  if (!title || !detail) return '';
  for (const [re, zh] of REASONS) {
    const m = detail.match(re);
    if (m) return `${title}${zh(m)}（${detail}）`;
  }
  return `${title}有误（${detail}）`;
}

// commandForm builds the form of one command.
//
//   pattern   the route as /openapi.json names it, e.g. /v1/pledges/{id}/return
//   url       where to send it (the pattern with the item's id), or a
//             function of the path parameters chosen in the form
//   params    path parameters chosen in the form: {id: {title, options}}
//   submit    the button's text; name: data-command of the form
//   fixed     values sent as they are and not shown ({source: {kind, ref}})
//   hide      fields neither shown nor sent
//   only      show only these fields (and occurred_at, evidence)
//   defaults  initial values by path ({'source.item': 1})
//   choices   known values of a field: {unit: {options: [[id, name]], strict}}
//   unit      the unit evidence files are uploaded for
//   onDone    called with the command's answer once it is recorded
export async function commandForm(opts) {
  const { schema } = await command(opts.pattern);
  const ctx = {
    pattern: opts.pattern, fixed: opts.fixed || {}, hide: opts.hide || [], defaults: opts.defaults || {},
    choices: opts.choices || {}, unit: opts.unit || '',
  };
  const form = el('form', { class: 'cmd', novalidate: true, dataset: { command: opts.name || opts.pattern } });
  if (opts.title) form.append(el('h3', { class: 'form-title' }, opts.title));
  const parts = [];
  const params = [];
  for (const [name, p] of Object.entries(opts.params || {})) {
    const id = fid();
    const c = choiceInput(name, { type: 'string' }, id, p.initial, { options: p.options || [], strict: p.strict }, true);
    form.append(el('label', { for: id, class: 'field-label' }, p.title, el('span', { class: 'req' }, ' *')), el('div', { class: 'field' }, c.node));
    params.push([name, c.read]);
  }
  const req = schema.required || [];
  for (const [k, s] of ordered(schema.properties || {})) {
    if (ctx.hide.includes(k)) continue;
    const fixedV = valueAt(ctx.fixed, k);
    if (fixedV !== undefined && !(s.type === 'object' && typeof fixedV === 'object')) continue;
    if (opts.only && !opts.only.includes(k) && k !== 'occurred_at' && k !== 'evidence') continue;
    const f = field(ctx, k, s, req.includes(k));
    if (s.type === 'object' && f.nodes[1].querySelector('.nested') && !f.nodes[1].querySelector('.sub')) continue;
    form.append(...f.nodes);
    parts.push(f);
  }
  const button = el('button', { type: 'submit', class: 'primary' }, opts.submit || '提交');
  const status = el('span', { class: 'muted sending', role: 'status' });
  const cancel = opts.onCancel ? el('button', { type: 'button', onclick: opts.onCancel }, '取消') : '';
  form.append(el('div', { class: 'actions' }, button, cancel, status));

  // One key until the command succeeds: a retry, a double click or a
  // resend after a lost answer is the same command and records once.
  let key = newKey();
  let busy = false;
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    clearProblems(form);
    status.textContent = '正在提交…';
    try {
      let body = {};
      for (const f of parts) {
        const v = await f.read();
        if (v !== undefined) body[f.path] = v;
      }
      body = merge(ctx.fixed, body);
      const chosen = {};
      for (const [name, read] of params) chosen[name] = read();
      let url = typeof opts.url === 'function' ? opts.url(chosen) : opts.url || opts.pattern;
      for (const [name, v] of Object.entries(chosen)) url = url.replace('{' + name + '}', encodeURIComponent(v || ''));
      if (/\{\w+\}/.test(url)) {
        const missing = url.match(/\{(\w+)\}/)[1];
        throw new ApiError(400, { detail: '请选择' + ((opts.params && opts.params[missing] && opts.params[missing].title) || missing), field: missing });
      }
      status.textContent = '正在记录…';
      const res = await api(url, { body, idem: key });
      key = newKey();
      status.textContent = '';
      form.dataset.recorded = String((Number(form.dataset.recorded) || 0) + 1);
      if (opts.onDone) await opts.onDone(res.data, body);
    } catch (err) {
      status.textContent = '';
      // The key was bound to another request before (an earlier send was
      // recorded though its answer was lost): a new key for this one.
      if (err instanceof ApiError && err.problem && err.problem.field === 'Idempotency-Key') key = newKey();
      const note = showProblem(form, err);
      const field = (err instanceof ApiError && err.problem && err.problem.field) || '';
      const input = field && form.querySelector(`[name="${CSS.escape(field)}"]`);
      const lbl = input && input.id ? form.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
      const zh = explain(err, lbl ? lbl.firstChild.textContent : '');
      if (zh) note.textContent = note.textContent.replace(/：.*$/, '：' + zh);
    } finally {
      busy = false;
      button.disabled = false;
    }
  });
  return form;
}
