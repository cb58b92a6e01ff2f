// 工作台: the work pages, a tab per role the user holds. Each tab lists
// what its role looks after, in the user's scope, and offers on each row
// only the commands the item's state and that role allow (docs/domain.md);
// the server still decides, and its refusal (a 403 for separation of
// duty, a 422 naming a field) is shown where it belongs. Forms are
// generated from the API's request schemas (forms.js).
import { page, get, el, label, fmtTime, today, download, fail, problemText, ApiError } from './app.js';
import { commandForm, openapi, currentQuarter } from './forms.js';

const main = document.getElementById('work');
let who = null;
let doc = null;
// The commit position of the latest command recorded from this page:
// every list read waits for it, so the user sees their change.
let lastCommit = 0;

// What the directory reads say (or, until they answer, what the lists
// have shown): names beside ids.
const dir = { units: new Map(), areas: new Map(), groups: new Map(), known: { units: false, areas: false, groups: false } };
const seenUnits = new Map();

function unitName(id) {
  if (!id) return '';
  const u = dir.units.get(id);
  return (u && u.name) || seenUnits.get(id) || '';
}

// unitCell shows a unit's name with its id beside it.
function unitCell(id) {
  const name = unitName(id);
  return name ? el('span', { title: id }, name, ' ', el('span', { class: 'muted id' }, id)) : el('span', { class: 'id' }, id || '');
}

// unitChoices are the units a form may name: the directory's when it
// answers (a select), else the ids known here (a text input suggesting them).
function unitChoices(extra = []) {
  if (dir.known.units && dir.units.size) {
    return { options: [...dir.units.values()].map(u => [u.id, `${u.name}（${label('kind', u.kind)}）`]), strict: true };
  }
  const ids = new Set([...(who.units || []), ...seenUnits.keys(), ...extra]);
  return { options: [...ids].filter(Boolean).map(id => [id, unitName(id) || id]), strict: false };
}

function areaChoices() {
  return { options: [...dir.areas.values()].map(a => [a.id, a.name]), strict: dir.known.areas && dir.areas.size > 0 };
}

function groupChoices() {
  return { options: [...dir.groups.values()].map(g => [g.id, g.name]), strict: dir.known.groups && dir.groups.size > 0 };
}

// loadAll reads every page of a list (bounded).
async function loadAll(path) {
  const out = [];
  let after = '';
  for (let i = 0; i < 20; i++) {
    const q = new URLSearchParams({ limit: '1000' });
    if (after) q.set('after', after);
    if (lastCommit) q.set('wait_for', String(lastCommit));
    const d = await get(path + '?' + q);
    out.push(...(d.items || []));
    after = d.next;
    if (!after) break;
  }
  return out;
}

// loadDirectory reads units, areas and groups where the server offers
// them; a 404 (not offered yet) leaves ids on the page.
async function loadDirectory(which = ['units', 'areas', 'groups']) {
  await Promise.all(which.map(async k => {
    try {
      const rows = await loadAll('/v1/views/' + k);
      dir[k] = new Map(rows.map(r => [r.id, r]));
      dir.known[k] = true;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) console.warn('目录读取失败', k, e);
    }
  }));
}

// may says whether a role may ever call a command: the route's x-roles.
function may(pattern, role) {
  const op = doc && doc.paths && doc.paths[pattern] && doc.paths[pattern].post;
  return !!op && (!op['x-roles'] || op['x-roles'].includes(role));
}

function pill(text, cls = '') { return el('span', { class: 'pill ' + cls }, text); }

const pledgeStateClass = { returned: 'c-yellow', withdrawn: 's-grey', filed: 's-blue', disclosed: 's-blue', in_progress: 's-blue', fulfilled: 'c-green', evaluated: 'c-green', lapsed: 'c-red' };
const rectStateClass = { open: 's-blue', in_progress: 's-blue', submitted: 'c-yellow', accepted: 'c-green', cancelled: 's-grey' };

function itemLink(stream, text) {
  return el('a', { href: '/item?stream=' + encodeURIComponent(stream) }, text || stream);
}

function quarterEnded(q) { return !!q && q < currentQuarter(); }

// streamEvents reads a stream's events (the audit history, from the log).
async function streamEvents(stream) {
  const h = await get('/v1/history/' + encodeURIComponent(stream));
  return h.events || [];
}

// The result of a command: remember its position for the reads.
function recorded(res) {
  const c = res && res.position && res.position.commit;
  if (c && c > lastCommit) lastCommit = c;
}

function notice(target, text, res) {
  target.replaceChildren(el('div', {
    class: 'ok', role: 'status',
    dataset: { id: (res && res.id) || '', stream: (res && res.stream) || '', commit: String((res && res.position && res.position.commit) || '') },
  }, '已记录：', text));
}

// ItemList is a list of one kind of item with its filters, exports and
// the commands of each row.
class ItemList {
  // opts: path, role, filters [{name, title, options, initial}], columns
  // [{title, cell(row), class}], actions: [{name, label, pattern, states,
  // when(row), form(row) → commandForm options}], tools: [{name, label,
  // form() → options}], exportName, empty, idOf(row), streamOf(row)
  constructor(opts) {
    this.o = opts;
    this.filters = {};
    this.node = el('div', { class: 'list' });
    this.noticeBox = el('div', { class: 'notice' });
    this.toolPanel = el('div', { class: 'panel' });
    this.table = el('div', { class: 'table' });
    const filters = (opts.filters || []).map(f => {
      const s = el('select', { name: f.name, onchange: () => { this.filters[f.name] = s.value; this.load(); } },
        f.options.map(([v, t]) => el('option', { value: v, selected: v === (f.initial || '') }, t)));
      this.filters[f.name] = f.initial || '';
      return el('label', { class: 'filter' }, f.title, ' ', s);
    });
    const tools = (opts.tools || []).filter(t => may(t.pattern, opts.role)).map(t =>
      el('button', { type: 'button', class: 'primary', dataset: { open: t.name }, onclick: () => this.openTool(t) }, t.label));
    const exports = opts.exportName ? [
      el('button', { type: 'button', dataset: { export: 'csv' }, onclick: () => this.export('csv') }, '导出 CSV'),
      el('button', { type: 'button', dataset: { export: 'xlsx' }, onclick: () => this.export('xlsx') }, '导出 Excel'),
    ] : [];
    this.node.append(el('div', { class: 'toolbar' }, tools, el('span', { class: 'grow' }), filters, exports),
      this.noticeBox, this.toolPanel, this.table);
  }

  query() {
    const q = new URLSearchParams(this.o.params || {});
    for (const [k, v] of Object.entries(this.filters)) if (v) q.set(k, v);
    return q;
  }

  async load(waitFor) {
    const q = this.query();
    q.set('limit', '200');
    const w = Math.max(waitFor || 0, lastCommit);
    if (w) q.set('wait_for', String(w));
    this.table.setAttribute('aria-busy', 'true');
    try {
      const d = await get(this.o.path + '?' + q);
      this.rows = d.items || [];
      this.next = d.next || '';
      for (const r of this.rows) if (r.unit && r.unit_name) seenUnits.set(r.unit, r.unit_name);
      this.render();
    } catch (err) {
      fail(this.table, err);
    } finally {
      this.table.removeAttribute('aria-busy');
      this.node.dataset.loaded = String((Number(this.node.dataset.loaded) || 0) + 1);
    }
  }

  async more() {
    const q = this.query();
    q.set('limit', '200');
    q.set('after', this.next);
    try {
      const d = await get(this.o.path + '?' + q);
      this.rows.push(...(d.items || []));
      this.next = d.next || '';
      this.render();
    } catch (err) {
      fail(this.noticeBox, err);
    }
  }

  actionsOf(row) {
    return (this.o.actions || []).filter(a => may(a.pattern, this.o.role) &&
      (!a.states || a.states.includes(row.state)) && (!a.when || a.when(row, this.o.role)));
  }

  render() {
    const cols = this.o.columns;
    if (!this.rows.length) {
      this.table.replaceChildren(el('p', { class: 'muted empty' }, this.o.empty || '暂无记录'));
      return;
    }
    const head = el('tr', {}, cols.map(c => el('th', { class: c.class || '' }, c.title)), el('th', {}, '操作'));
    const body = el('tbody', {});
    for (const row of this.rows) {
      const tr = el('tr', { dataset: { id: this.o.idOf ? this.o.idOf(row) : row.id, state: row.state || '' } },
        cols.map(c => el('td', { class: c.class || '' }, c.cell(row))));
      const acts = this.actionsOf(row).map(a => el('button', {
        type: 'button', class: a.primary ? 'small primary' : 'small', dataset: { action: a.name },
        onclick: () => this.openAction(tr, row, a),
      }, a.label));
      tr.append(el('td', { class: 'actions-cell' }, acts));
      body.append(tr);
    }
    this.table.replaceChildren(el('table', {}, el('thead', {}, head), body),
      this.next ? el('button', { type: 'button', class: 'more', onclick: () => this.more() }, '加载更多') : '');
  }

  // openAction shows a command's form in a row below the item.
  async openAction(tr, row, a) {
    const open = tr.nextElementSibling && tr.nextElementSibling.classList.contains('panel-row') ? tr.nextElementSibling : null;
    if (open) {
      const same = open.dataset.action === a.name;
      open.remove();
      if (same) return;
    }
    const cell = el('td', { colspan: String(this.o.columns.length + 1) }, el('p', { class: 'muted' }, '载入中…'));
    const panel = el('tr', { class: 'panel-row', dataset: { action: a.name, for: tr.dataset.id } }, cell);
    tr.after(panel);
    try {
      const base = await a.form(row);
      const form = await commandForm(Object.assign({ name: a.name, pattern: a.pattern, title: a.label, submit: a.submit || a.label }, base, {
        onCancel: () => panel.remove(),
        onDone: async res => {
          recorded(res);
          panel.remove();
          await this.load(res.position && res.position.commit);
          notice(this.noticeBox, `${a.label}（${(this.o.titleOf && this.o.titleOf(row)) || tr.dataset.id}）`, res);
        },
      }));
      cell.replaceChildren(...(base.before || []), form);
      const first = form.querySelector('input:not([type=hidden]):not([type=checkbox]), select, textarea');
      if (first) first.focus();
    } catch (err) {
      fail(cell, err);
    }
  }

  async openTool(t) {
    if (this.toolPanel.dataset.tool === t.name && this.toolPanel.firstChild) {
      this.toolPanel.replaceChildren();
      delete this.toolPanel.dataset.tool;
      return;
    }
    this.toolPanel.dataset.tool = t.name;
    this.toolPanel.replaceChildren(el('p', { class: 'muted' }, '载入中…'));
    try {
      const base = await t.form();
      const form = await commandForm(Object.assign({ name: t.name, pattern: t.pattern, title: t.label, submit: t.submit || '提交' }, base, {
        onCancel: () => { this.toolPanel.replaceChildren(); delete this.toolPanel.dataset.tool; },
        onDone: async res => {
          recorded(res);
          this.toolPanel.replaceChildren();
          delete this.toolPanel.dataset.tool;
          await this.load(res.position && res.position.commit);
          notice(this.noticeBox, t.label, res);
        },
      }));
      this.toolPanel.replaceChildren(el('div', { class: 'card' }, form));
    } catch (err) {
      fail(this.toolPanel, err);
    }
  }

  async export(format) {
    const q = this.query();
    q.set('format', format);
    try {
      await download(this.o.path + '?' + q, `${this.o.exportName}-${today()}.${format}`);
    } catch (err) {
      this.noticeBox.replaceChildren(el('div', { class: 'problem', role: 'alert' }, problemText(err)));
    }
  }
}

// ---- 承诺 (pledges) ----

async function pledgeText(id) {
  // The pledge's wording and its last return reason, from its history:
  // the list holds the title only.
  let text = null;
  let reason = '';
  for (const e of await streamEvents('pledge-' + id)) {
    if (e.type === 'pledge.submitted' || e.type === 'pledge.revised') text = e.payload;
    if (e.type === 'pledge.returned') reason = e.payload.reason || '';
  }
  return { text: text || {}, reason };
}

// rowCommands makes the commands of a list's rows under base
// ('/v1/pledges'): url(row, cmd) is where a row's command posts, and
// act(name, label, states, extra) a command offered in those states whose
// form posts there with the row's unit; extra adds fields or replaces
// them.
function rowCommands(base) {
  const url = (row, cmd) => `${base}/${encodeURIComponent(row.id)}/${cmd}`;
  const act = (name, lbl, states, extra = {}) => Object.assign({
    name, label: lbl, states, pattern: `${base}/{id}/${name}`,
    form: row => ({ url: url(row, name), unit: row.unit }),
  }, extra);
  return { url, act };
}

function pledgeActions() {
  const { url, act } = rowCommands('/v1/pledges');
  return [
    act('return', '退回修改', ['submitted']),
    act('file', '备案', ['submitted'], { primary: true }),
    act('revise', '修改后重报', ['returned'], {
      primary: true,
      form: async row => {
        const { text, reason } = await pledgeText(row.id);
        return {
          url: url(row, 'revise'), defaults: { category: text.category || row.category, title: text.title || row.title, content: text.content || '' },
          choices: { category: { options: categoriesOf(row.maker), strict: true } },
          before: reason ? [el('p', { class: 'returned-reason' }, '退回理由：', reason)] : [],
        };
      },
    }),
    act('withdraw', '撤回', ['submitted', 'returned']),
    act('disclose', '公开承诺', ['filed'], { primary: true }),
    act('progress', '报告践诺进展', ['disclosed', 'in_progress'], {
      form: row => ({ url: url(row, 'progress'), unit: row.unit, defaults: { report_id: `${today()}-${(row.reports || 0) + 1}` } }),
    }),
    act('fulfil', '报告兑现', ['disclosed', 'in_progress'], { primary: true }),
    // Unfulfilled only once the quarter has ended (judged by the server
    // on business time; a backfill may date it earlier).
    act('lapse', '未兑现', ['filed', 'disclosed', 'in_progress'], { when: row => quarterEnded(row.quarter) }),
    act('evaluations', '评诺', ['fulfilled', 'lapsed', 'evaluated'], { primary: true }),
  ];
}

const unitCategories = ['stage_task', 'service_for_masses', 'self_improvement'];
const memberCategories = ['duty', 'serving_masses', 'integrity'];
const categoryLabels = {
  stage_task: '完成阶段工作任务', service_for_masses: '为群众办实事好事', self_improvement: '加强自身建设',
  duty: '本职工作', serving_masses: '服务群众', integrity: '廉洁自律',
};
function categoriesOf(maker) {
  const codes = maker === 'member' ? memberCategories : maker === 'unit' ? unitCategories : [...unitCategories, ...memberCategories];
  return codes.map(c => [c, categoryLabels[c]]);
}

// clerkUnits scopes a clerk's list to the clerk's units: a filter of
// them when there are several, the one unit as a parameter when one.
// The server scopes the other roles' lists.
function clerkUnits(clerk) {
  const units = who.units || [];
  return {
    filters: clerk && units.length > 1 ? [{ name: 'unit', title: '单位', options: [['', '全部'], ...units.map(u => [u, unitName(u) || u])] }] : [],
    params: clerk && units.length === 1 ? { unit: units[0] } : {},
  };
}

// labelled is a list's filter on a field, offering 全部 and each of values
// by its label in set.
const labelled = (name, title, set, values) => ({ name, title, options: [['', '全部'], ...values.map(v => [v, label(set, v)])] });

function pledgesTab(role) {
  const clerk = role === 'clerk';
  const units = who.units || [];
  const scope = clerkUnits(clerk);
  return new ItemList({
    role, path: '/v1/views/pledges', params: scope.params,
    exportName: clerk ? '本单位承诺' : '承诺台账', empty: clerk ? '本单位还没有承诺，点「新建承诺」提交本季度的承诺。' : '管辖范围内暂无承诺。',
    filters: [...scope.filters, labelled('state', '状态', 'pledgeState',
      ['submitted', 'returned', 'filed', 'disclosed', 'in_progress', 'fulfilled', 'lapsed', 'evaluated', 'withdrawn'])],
    titleOf: row => row.title,
    columns: [
      { title: '承诺', cell: r => itemLink('pledge-' + r.id, r.title || r.id) },
      { title: '承诺主体', cell: r => (r.maker === 'member' ? ['党员 ', r.member, '（', unitCell(r.unit), '）'] : unitCell(r.unit)) },
      { title: '季度', cell: r => r.quarter },
      { title: '类别', cell: r => categoryLabels[r.category] || r.category },
      { title: '状态', cell: r => pill(label('pledgeState', r.state), pledgeStateClass[r.state] || '') },
      { title: '进度', class: 'num', cell: r => (r.reports ? `${r.progress}%` : '') },
      { title: '评诺', cell: r => (r.evaluation_grade ? `${gradeZh[r.evaluation_grade] || r.evaluation_grade} ${Math.round(r.evaluation_score)}` : '') },
      { title: '提交时间', cell: r => fmtTime(r.submitted_at) },
    ],
    actions: pledgeActions(),
    tools: clerk ? [{
      name: 'submit-pledge', label: '新建承诺', pattern: '/v1/pledges', submit: '提交承诺',
      form: () => ({
        url: '/v1/pledges',
        defaults: { maker: 'unit', unit: units[0], quarter: currentQuarter() },
        choices: { unit: { options: units.map(u => [u, unitName(u) || u]), strict: true } },
        unit: units[0],
      }),
    }] : [],
  });
}

const gradeZh = { excellent: '好', good: '较好', fair: '一般', poor: '差' };

// ---- 整改 (rectifications) ----

const liveStates = ['open', 'in_progress', 'submitted'];
const pendingExtension = r => r.extensions_requested > r.extensions_granted + r.extensions_denied;

function rectActions() {
  const { act } = rowCommands('/v1/rectifications');
  return [
    act('acknowledge', '签收', ['open'], { primary: true }),
    act('plan', '填报整改措施', ['in_progress']),
    act('progress', '报告进展', ['in_progress']),
    act('submit', '提交验收', ['in_progress'], { primary: true }),
    // Asked before the deadline is missed, one pending at a time.
    act('extension-requests', '申请延期', ['open', 'in_progress'], { when: r => r.days_left >= 0 && !pendingExtension(r) }),
    act('accept', '验收销号', ['submitted'], { primary: true }),
    act('reject', '退回重改', ['submitted']),
    act('extension-grants', '批准延期', liveStates, { when: pendingExtension }),
    act('extension-denials', '不予延期', liveStates, { when: pendingExtension }),
    act('reopen', '问题反弹', ['accepted']),
    act('cancel', '撤销', liveStates),
  ];
}

const sourceZh = { review: '点评', inspection: '检查', evaluation: '评诺/测评', ranking: '月度排名' };

function rectTab(role) {
  const clerk = role === 'clerk';
  const scope = clerkUnits(clerk);
  return new ItemList({
    role, path: '/v1/views/rectifications', params: scope.params,
    exportName: clerk ? '本单位整改' : '整改台账', empty: clerk ? '本单位暂无整改事项。' : '管辖范围内暂无整改事项。',
    filters: [...scope.filters,
      labelled('state', '状态', 'rectState', ['open', 'in_progress', 'submitted', 'accepted', 'cancelled']),
      labelled('colour', '亮灯', 'colour', ['red', 'yellow', 'green', 'on_time', 'late'])],
    titleOf: r => r.requirement,
    columns: [
      { title: '整改要求', cell: r => itemLink(r.stream || 'rectification-' + r.id, r.requirement || r.id) },
      { title: '责任单位', cell: r => unitCell(r.unit) },
      { title: '责任人', cell: r => r.responsible_person },
      { title: '来源', cell: r => sourceZh[r.source_kind] || r.source_kind },
      { title: '状态', cell: r => pill(label('rectState', r.state), rectStateClass[r.state] || '') },
      { title: '整改期限', cell: r => [r.deadline, r.original_deadline && r.original_deadline !== r.deadline ? el('div', { class: 'muted' }, '原定 ', r.original_deadline) : ''] },
      { title: '剩余天数', class: 'num', cell: r => (liveStates.includes(r.state) ? String(r.days_left) : '') },
      { title: '亮灯', cell: r => (r.colour && r.colour !== 'none' ? pill(label('colour', r.colour), 'c-' + r.colour) : '') },
      { title: '延期', cell: r => (pendingExtension(r) && liveStates.includes(r.state) ? pill('待审批', 'c-yellow') : r.extensions_granted ? `已延期 ${r.extensions_granted} 次` : '') },
    ],
    actions: rectActions(),
    tools: clerk ? [] : [{
      name: 'order', label: '下达整改', pattern: '/v1/rectifications', submit: '下达',
      form: () => ({ url: '/v1/rectifications', choices: { unit: unitChoices() } }),
    }],
  });
}

// orderFrom is the form that orders a rectification from a shortcoming
// of a review remark or a finding of an inspection.
function orderFrom(kind, row, items) {
  const live = items.filter(i => i.orders).concat(items.filter(i => !i.orders));
  return {
    url: '/v1/rectifications', unit: row.unit,
    fixed: { source: { kind, ref: row.id }, unit: row.unit },
    choices: { 'source.item': { options: live.map(i => [i.no, `${i.no}. ${i.text}${i.orders ? '（需整改）' : ''}`]), strict: true } },
    defaults: { 'source.item': live.length ? live[0].no : undefined, requirement: live.length ? live[0].text : '' },
    before: [el('p', { class: 'muted' }, '责任单位：', unitCell(row.unit))],
  };
}

// ---- 点评 (review remarks) ----

async function shortcomingsOf(id) {
  let list = [];
  for (const e of await streamEvents('review-' + id)) {
    if (e.type === 'review.recorded' || e.type === 'review.corrected') list = e.payload.shortcomings || [];
    if (e.type === 'review.retracted') list = [];
  }
  return list.map((s, i) => ({ no: i + 1, text: s.text, orders: !!s.orders_rectification }));
}

function reviewsTab(role) {
  return new ItemList({
    role, path: '/v1/views/reviews', exportName: '点评台账', empty: '管辖范围内暂无点评记录。',
    titleOf: r => `${unitName(r.unit) || r.unit} ${label('form', r.form)}`,
    filters: [{ name: 'quarter', title: '季度', initial: '', options: [['', '全部'], ...recentQuarters().map(q => [q, q])] }],
    columns: [
      { title: '点评对象', cell: r => itemLink('review-' + r.id, r.subject === 'member' ? `党员 ${r.member}` : (unitName(r.unit) || r.unit)) },
      { title: '形式', cell: r => label('form', r.form) },
      { title: '季度', cell: r => r.quarter },
      { title: '点评人', cell: r => r.reviewer },
      { title: '缺点和不足', class: 'num', cell: r => String(r.shortcomings) },
      { title: '改进措施', class: 'num', cell: r => String(r.measures) },
      { title: '责令整改', class: 'num', cell: r => String(r.rectifications_ordered) },
      { title: '时间', cell: r => [fmtTime(r.occurred_at), r.retracted ? pill('已撤回', 's-grey') : ''] },
    ],
    actions: [{
      name: 'order', label: '责令整改', pattern: '/v1/rectifications', submit: '下达', primary: true,
      when: r => !r.retracted && r.shortcomings > 0,
      form: async r => orderFrom('review', r, await shortcomingsOf(r.id)),
    }],
    tools: [{
      name: 'review', label: '记录点评', pattern: '/v1/reviews', submit: '记录点评',
      form: () => ({ url: '/v1/reviews', defaults: { subject: 'unit', quarter: currentQuarter() }, choices: { unit_id: unitChoices() } }),
    }],
  });
}

function recentQuarters() {
  const q = currentQuarter();
  let y = Number(q.slice(0, 4));
  let n = Number(q.slice(5));
  const out = [];
  for (let i = 0; i < 8; i++) {
    out.push(`${y}Q${n}`);
    if (--n === 0) { n = 4; y--; }
  }
  return out;
}

// ---- 指导检查 (inspections) ----

async function findingsOf(id) {
  const found = new Map();
  for (const e of await streamEvents('inspection-' + id)) {
    const p = e.payload || {};
    if (e.type === 'inspection.finding_recorded' || e.type === 'inspection.finding_corrected') {
      found.set(p.finding_no, { no: p.finding_no, text: p.text, orders: !!p.orders_rectification });
    }
    if (e.type === 'inspection.finding_withdrawn') found.delete(p.finding_no);
  }
  return [...found.values()].sort((a, b) => a.no - b.no);
}

function inspectionsTab(role) {
  const { act } = rowCommands('/v1/inspections');
  return new ItemList({
    role, path: '/v1/views/inspections', params: role === 'inspector' && who.group ? { group: who.group } : {},
    exportName: '检查台账', empty: '本组暂无检查记录，点「开展检查」开始一次专项检查或随机抽查。',
    titleOf: r => `${unitName(r.unit) || r.unit} ${kindZh[r.kind] || r.kind}`,
    filters: [{ name: 'state', title: '状态', options: [['', '全部'], ['open', '检查中'], ['completed', '已完成']] }],
    columns: [
      { title: '被检查单位', cell: r => itemLink('inspection-' + r.id, unitName(r.unit) || r.unit) },
      { title: '类型', cell: r => kindZh[r.kind] || r.kind },
      { title: '检查组', cell: r => (dir.groups.get(r.group) || {}).name || r.group },
      { title: '开始时间', cell: r => fmtTime(r.started_at) },
      { title: '发现问题', class: 'num', cell: r => String(r.findings) },
      { title: '需整改', class: 'num', cell: r => String(r.findings_ordering_rectification) },
      { title: '状态', cell: r => pill(label('inspectionState', r.state), r.state === 'open' ? 's-blue' : 'c-green') },
    ],
    actions: [
      act('findings', '记录发现问题', ['open'], { primary: true }),
      act('complete', '完成检查', ['open']),
      {
        name: 'order', label: '责令整改', pattern: '/v1/rectifications', submit: '下达', when: r => r.findings > 0,
        form: async r => orderFrom('inspection', r, await findingsOf(r.id)),
      },
    ],
    tools: [{
      name: 'inspect', label: '开展检查', pattern: '/v1/inspections', submit: '开始检查',
      form: () => ({
        url: '/v1/inspections', fixed: who.group ? { group_id: who.group } : {},
        choices: { unit_id: unitChoices(), group_id: groupChoices() }, defaults: { kind: 'special' },
      }),
    }],
  });
}

const kindZh = { special: '专项检查', random: '随机抽查' };

// ---- 活动办公室 (office) ----

function officeTab(role) {
  const box = el('div', { class: 'office' });
  const card = (title, ...children) => el('section', { class: 'card' }, el('h2', {}, title), ...children);
  // formCard is a card holding a command's form, made again (fresh key,
  // fresh choices) after each success; after() refreshes what depends on
  // the command before the user is told it is recorded.
  const formCard = async (title, name, opts, after) => {
    const status = el('div', { class: 'notice' });
    const holder = el('div', {});
    const make = async () => {
      const form = await commandForm(Object.assign({ name, submit: '提交' }, typeof opts === 'function' ? opts() : opts, {
        onDone: async res => {
          recorded(res);
          if (after) await after(res);
          holder.replaceChildren(await make());
          notice(status, title, res);
        },
      }));
      return form;
    };
    const c = card(title, status, holder);
    c.remake = async () => holder.replaceChildren(await make());
    holder.replaceChildren(await make());
    return c;
  };

  const groupsList = el('div', {});
  const showGroups = async () => {
    if (!dir.known.groups) {
      groupsList.replaceChildren(el('p', { class: 'muted' }, '检查组目录暂不可读：指派时请填写检查组编号。'));
      return;
    }
    const rows = [...dir.groups.values()];
    groupsList.replaceChildren(rows.length ? el('table', {},
      el('thead', {}, el('tr', {}, ['检查组', '状态', '成员数', '指导片区', '指导单位', '覆盖单位数'].map(t => el('th', {}, t)))),
      el('tbody', {}, rows.map(g => el('tr', { dataset: { id: g.id } },
        el('td', {}, g.name), el('td', {}, g.state === 'dissolved' ? '已解散' : '在岗'), el('td', { class: 'num' }, String(g.members)),
        el('td', {}, (g.areas || []).map(a => (dir.areas.get(a) || {}).name || a).join('、')),
        el('td', {}, (g.units || []).map(u => unitName(u) || u).join('、')), el('td', { class: 'num' }, String(g.covered)))))) :
      el('p', { class: 'muted' }, '还没有检查组。'));
  };
  let assignCard = null;
  const refreshGroups = async () => {
    await loadDirectory(['groups']);
    await showGroups();
    if (assignCard) await assignCard.remake();
  };

  (async () => {
    try {
      const parts = [
        card('活动概况', el('p', {}, '全区承诺、点评、整改和排名的汇总见 ', el('a', { href: '/dashboard', id: 'overview' }, '活动概况大屏'), '。')),
      ];
      if (may('/v1/themes', role)) {
        parts.push(await formCard('设定季度主题', 'theme', () => ({
          pattern: '/v1/themes', url: '/v1/themes', defaults: { quarter: currentQuarter() }, choices: { unit_id: unitChoices() },
        })));
      }
      if (may('/v1/groups', role)) {
        await showGroups();
        parts.push(card('指导检查组', groupsList));
        parts.push(await formCard('组建检查组', 'group', { pattern: '/v1/groups', url: '/v1/groups' }, refreshGroups));
        parts.push(assignCard = await formCard('指派指导范围', 'assign', () => ({
          pattern: '/v1/groups/{id}/assignments', url: '/v1/groups/{id}/assignments',
          params: { id: { title: '检查组', options: groupChoices().options, strict: groupChoices().strict } },
          choices: { target_id: { options: [...areaChoices().options, ...unitChoices().options], strict: false } },
        }), refreshGroups));
      }
      if (may('/v1/rankings', role)) {
        parts.push(await formCard('发布月度观摩排名', 'ranking', () => ({
          pattern: '/v1/rankings', url: '/v1/rankings', choices: { area_id: areaChoices() },
        })));
      }
      box.replaceChildren(...parts);
    } catch (err) {
      fail(box, err);
    }
    box.dataset.loaded = '1';
  })();
  return { node: box, load() {} };
}


// ---- monthly rankings (月度观摩点评) ----

const metricZh = {
  fulfilment_rate: '践诺兑现率', on_time_rate: '按期整改率（原定时限）', red_items: '月末红灯项目数', reopenings: '问题反弹次数',
  review_items_closed: '点评问题整改销号数', satisfaction_rate: '群众满意率', vanguards: '评选先锋数',
};
const RATES = new Set(['fulfilment_rate', 'on_time_rate', 'satisfaction_rate']);

function lastMonth(d = new Date()) {
  const [y, m] = today(d).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

// reasonText says why a unit stands where it does: each metric's value,
// its weight and what it added, as the view computed them.
function reasonText(r) {
  const name = metricZh[r.metric] || r.metric;
  if (r.skipped) return `${name}：无数据，不计（权重按其余指标折算）`;
  const v = RATES.has(r.metric) ? `${(r.value * 100).toFixed(1)}%` : String(r.value);
  const missing = r.missing ? (r.policy === 'area_mean' ? '（无数据，按片区平均）' : '（无数据，按零计）') : '';
  const sign = r.contribution >= 0 ? '+' : '';
  return `${name} ${v}${missing} × ${r.effective_weight ?? r.weight} = ${sign}${r.contribution}`;
}

// rankingsTab computes an area's ranking for a month by the rule in force
// (GET /v1/views/rankings), shows each unit's score with its reasons, and
// lets the office publish it by accepting the computation: the command
// carries the rule version and the checkpoint the view computed at, and
// the ledger counts again from the log before it records anything.
function rankingsTab(role) {
  const box = el('div', { class: 'rankings' });
  const status = el('div', { class: 'notice' });
  const result = el('div', {});
  const area = el('select', { name: 'area' }, [...dir.areas.values()].map(a => el('option', { value: a.id }, a.name)));
  const month = el('input', { type: 'month', name: 'month', value: lastMonth() });
  const show = async () => {
    status.replaceChildren();
    if (!area.value || !month.value) return;
    result.replaceChildren(el('p', { class: 'muted' }, '计算中…'));
    try {
      const q = new URLSearchParams({ area: area.value, month: month.value });
      if (lastCommit) q.set('wait_for', String(lastCommit));
      const v = await get('/v1/views/rankings?' + q);
      result.replaceChildren(...await rankingView(v, role, async res => {
        recorded(res);
        await show();
        notice(status, '月度排名已发布', res);
      }));
    } catch (err) {
      fail(result, err);
    }
  };
  area.addEventListener('change', show);
  month.addEventListener('change', show);
  box.append(
    el('section', { class: 'card' }, el('h2', {}, '月度观摩排名'),
      el('p', { class: 'muted' }, '按当月有效的计分规则，由账本中的事件计算各单位得分和名次；办公室核对后采纳发布，发布记录计分规则版本和所依据的签名检查点。'),
      el('div', { class: 'filters' }, el('label', {}, '片区 ', area), ' ', el('label', {}, '月份 ', month), ' ',
        el('button', { type: 'button', onclick: show }, '计算')),
      status, result));
  const rules = el('div', {});
  box.append(el('section', { class: 'card' }, el('h2', {}, '计分规则'), rules));
  (async () => {
    if (may('/v1/ranking-rules', role)) {
      const holder = el('div', {});
      const ruleStatus = el('div', { class: 'notice' });
      const make = async () => holder.replaceChildren(await commandForm({
        name: 'ranking-rule', pattern: '/v1/ranking-rules', url: '/v1/ranking-rules', submit: '发布新版本',
        defaults: { effective_from: lastMonth() },
        onDone: async res => { recorded(res); await make(); notice(ruleStatus, '计分规则新版本已发布', res); await show(); },
      }));
      await make();
      rules.replaceChildren(el('p', { class: 'muted' }, '规则只增不改：修改即发布新版本，自生效月份起适用，此前月份仍按原版本计分。'), ruleStatus, holder);
    }
    await show();
    box.dataset.loaded = '1';
  })().catch(err => fail(box, err));
  return { node: box, load() {} };
}

async function rankingView(v, role, done) {
  if (!v.rule_version) {
    return [el('p', { class: 'muted', id: 'no-rule' }, `${v.month} 尚无有效的计分规则：请先发布计分规则。`)];
  }
  const pub = v.published;
  const pubRank = new Map(((pub && pub.entries) || []).map(e => [e.unit, e]));
  const rows = (v.items || []).map(it => el('tr', { dataset: { unit: it.unit, rank: String(it.rank), score: String(it.score) } },
    el('td', { class: 'num' }, String(it.rank)),
    el('td', {}, unitCell(it.unit)),
    el('td', { class: 'num' }, String(it.score)),
    el('td', {}, el('ul', { class: 'reasons' }, (it.reasons || []).map(r => el('li', {}, reasonText(r))))),
    pub ? el('td', { class: 'num' }, pubRank.has(it.unit) ? String(pubRank.get(it.unit).rank) : '—') : null,
  ));
  const head = ['名次', '单位', '得分', '计分明细（指标 × 权重 = 得分）'].concat(pub ? ['已发布名次'] : []);
  const out = [
    el('p', { id: 'ranking-basis' }, `计分规则第 ${v.rule_version} 版；依据账本前 ${v.checkpoint ? v.checkpoint.size : '—'} 条记录计算。`),
    el('table', { id: 'ranking-table' }, el('thead', {}, el('tr', {}, head.map(t => el('th', { class: t === '名次' || t === '得分' || t === '已发布名次' ? 'num' : '' }, t)))), el('tbody', {}, rows)),
  ];
  if (pub) {
    out.push(el('p', { id: 'ranking-published', dataset: { adjusted: String(!!pub.adjusted), matches: String(!!pub.matches_computation) } },
      pub.adjusted ? pill('已发布（人工调整）', 'c-yellow') : pill('已发布', 'c-green'), ' ',
      `第 ${pub.revision || 1} 次发布，计分规则第 ${pub.rule_version} 版`,
      pub.adjusted ? `；调整理由：${pub.adjustment_reason || ''}` : '',
      pub.matches_computation ? '；与当前计算一致。' : '；与当前计算不一致（数据在发布后有更正或补录）。'));
  }
  if (v.checkpoint && may('/v1/rankings/{id}/accept', role)) {
    out.push(await commandForm({
      name: 'ranking-accept', pattern: '/v1/rankings/{id}/accept', url: `/v1/rankings/${v.area}-${v.month}/accept`,
      submit: pub ? '按当前计算重新发布' : '采纳计算结果并发布',
      fixed: { rule_version: v.rule_version, checkpoint: v.checkpoint },
      hide: ['entries', 'adjusted', 'rule_version', 'checkpoint'].concat(pub ? [] : ['reason']),
      onDone: done,
    }));
  }
  return out;
}

// ---- the page ----

const TABS = [
  { id: 'clerk-pledges', role: 'clerk', title: '本单位承诺', make: pledgesTab },
  { id: 'clerk-rectifications', role: 'clerk', title: '本单位整改', make: rectTab },
  { id: 'superior-pledges', role: 'superior', title: '承诺审核', make: pledgesTab },
  { id: 'superior-reviews', role: 'superior', title: '点评', make: reviewsTab },
  { id: 'superior-rectifications', role: 'superior', title: '整改督办', make: rectTab },
  { id: 'inspector-inspections', role: 'inspector', title: '指导检查', make: inspectionsTab },
  { id: 'inspector-rectifications', role: 'inspector', title: '整改督办', make: rectTab },
  { id: 'office-admin', role: 'office', title: '活动管理', make: officeTab },
  { id: 'office-rectifications', role: 'office', title: '整改督办', make: rectTab },
  { id: 'office-rankings', role: 'office', title: '月度排名', make: rankingsTab },
];

async function start() {
  who = await page('/work');
  // A refusal nobody caught (a command sent some other way) is shown,
  // never swallowed.
  window.addEventListener('unhandledrejection', ev => {
    if (!(ev.reason instanceof ApiError)) return;
    const box = document.getElementById('page-problem');
    if (box) box.replaceChildren(el('div', { class: 'problem', role: 'alert', dataset: { status: String(ev.reason.status) } }, problemText(ev.reason)));
  });
  const roles = who.roles || [];
  const tabs = TABS.filter(t => roles.includes(t.role));
  if (!tabs.length) {
    main.replaceChildren(el('h1', {}, '工作台'), el('p', { class: 'muted' }, '您的角色没有需要办理的事项，请查看 ', el('a', { href: '/dashboard' }, '大屏'), '。'));
    return;
  }
  [doc] = await Promise.all([openapi(), loadDirectory()]);
  const several = new Set(tabs.map(t => t.role)).size > 1;
  const bar = el('div', { class: 'tabs', role: 'tablist' });
  const sections = el('div', {});
  const made = new Map();
  const show = id => {
    const t = tabs.find(x => x.id === id) || tabs[0];
    for (const b of bar.children) {
      const on = b.dataset.tab === t.id;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', String(on));
    }
    for (const s of sections.children) s.hidden = s.dataset.tab !== t.id;
    if (!made.has(t.id)) {
      const view = t.make(t.role);
      made.set(t.id, view);
      sections.append(el('section', { class: 'tab', dataset: { tab: t.id, role: t.role } }, view.node));
      view.load();
    } else {
      made.get(t.id).load();
    }
    if (location.hash !== '#' + t.id) history.replaceState(null, '', '#' + t.id);
  };
  for (const t of tabs) {
    bar.append(el('button', { type: 'button', role: 'tab', dataset: { tab: t.id }, onclick: () => show(t.id) },
      t.title, several ? el('span', { class: 'muted' }, '（', label('role', t.role), '）') : ''));
  }
  const scope = (who.units || []).map(u => unitName(u) || u).join('、');
  main.replaceChildren(
    el('h1', {}, '工作台', scope ? el('span', { class: 'scope muted' }, ' · ', scope) : ''),
    el('div', { id: 'page-problem' }),
    bar, sections);
  show(location.hash.slice(1));
}

start().catch(err => fail(main, err));
