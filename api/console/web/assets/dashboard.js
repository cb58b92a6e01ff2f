// 数据大屏 (/dashboard): the campaign's figures on one 1920×1080 screen,
// read from the public views with the user's own token.
//
// Query parameters:
//   now=    the moment colours and days overdue are computed for (RFC 3339
//           or YYYY-MM-DD); default the present, taken anew at each refresh
//   every=  seconds between polls (default 15, at least 1)
//   top=    how many overdue items to list (default: as many as fit)
//
// Refreshing: every `every` seconds one light read is asked and its
// X-Projection-Position compared with the position the panels were drawn
// at; only when it moved (or, with a live now, the day changed: colours
// depend on the date) are the panels read again, every read with the same
// now and wait_for, so all panels describe one moment and one position.
// Panels are updated in place and charts with setOption: no reload.

import { page, api, get, el, fmtTime, today, has, label, problemText, ApiError, getZone } from './app.js';

const params = new URLSearchParams(location.search);
const fixedNow = (params.get('now') || '').trim();
const every = Math.max(1, Math.min(3600, Number(params.get('every')) || 15));
// top= fixes how many overdue items are listed; by default as many as the
// panel has room for.
const topParam = Math.floor(Number(params.get('top'))) || 0;
let topN = topParam > 0 ? Math.min(50, topParam) : 0;

// The reads the dashboard draws from; their figures keep their own names.
const TOTALS = [
  { key: 'themes', text: '活动主题', unit: '个' },
  { key: 'pledges', text: '承诺事项', unit: '件' },
  { key: 'reviews', text: '点评', unit: '次' },
  { key: 'shortcomings', text: '查找缺点和不足', unit: '条' },
  { key: 'measures', text: '改进措施', unit: '条' },
  { key: 'vanguards', text: '先锋模范人物', unit: '人' },
];
const TREND_METRICS = ['pledges_made', 'pledges_fulfilled', 'pledges_lapsed',
  'rectifications_opened', 'rectifications_closed', 'rectifications_closed_on_time'];
const COLOURS = { red: '#ff4d4f', yellow: '#f5b400', green: '#36c26b' };
const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

// CSP violations seen by this page (the tests assert there are none).
window.dashCSP = [];
document.addEventListener('securitypolicyviolation', e => {
  window.dashCSP.push(`${e.violatedDirective} ${e.blockedURI || ''}`.trim());
});

// dashStats tells a test or an operator what the page did.
const stats = window.dashStats = { probes: 0, refreshes: 0, position: null, firstRenderMs: null, lastRefreshMs: null, now: '' };

const state = {
  who: null,
  position: null, // X-Projection-Position the panels were drawn at
  day: '',        // the date (deployment zone) the panels were drawn for
  areaDir: undefined,  // true: /v1/views/areas answers; false: it does not exist here
  groupDir: undefined, // the same for /v1/views/groups
  areaNames: new Map(),
  groupIDs: null,      // groups found without the directory (from inspections)
  charts: {},
  failing: false,
};

const main = document.getElementById('dash');

// ---- helpers ----

function num(n) { return (Number(n) || 0).toLocaleString('zh-CN'); }
function pct(r) { return (r === null || r === undefined || isNaN(r)) ? '—' : (r * 100).toFixed(1) + '%'; }
function ratio(a, b) { return b > 0 ? a / b : null; }

// nowDate is the moment a read is for, as a Date (a bare date means that
// day, at noon, so its date is the same in any zone of the world).
function nowDate(now) {
  return /^\d{4}-\d{2}-\d{2}$/.test(now) ? new Date(now + 'T12:00:00Z') : new Date(now);
}
function monthOf(day) { return day.slice(0, 7); }
function quarterOf(day) { return day.slice(0, 4) + 'Q' + Math.ceil(Number(day.slice(5, 7)) / 3); }
// monthsBack is the month n months before month (after, for n < 0).
function monthsBack(month, n) {
  const k = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return Math.floor(k / 12) + '-' + String(k % 12 + 1).padStart(2, '0');
}
function monthRange(from, to) {
  const out = [];
  for (let m = from; m <= to && out.length < 240; m = monthsBack(m, -1)) out.push(m);
  return out;
}
function longDate(d) {
  return new Intl.DateTimeFormat('zh-CN', { timeZone: getZone(), year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }).format(d);
}
function clock(d = new Date()) { return fmtTime(d.toISOString(), true).slice(11); }

function qs(obj) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === '') continue;
    for (const x of [].concat(v)) p.append(k, x);
  }
  return p.toString();
}

// read is a view read of this refresh: the same now and wait_for for all.
function reader(now, position) {
  return (path, extra = {}, clocked = true) => {
    const p = Object.assign({}, extra);
    if (clocked) p.now = now;
    if (position) p.wait_for = position;
    return get(path + '?' + qs(p));
  };
}

// listAll reads every page of a list (bounded: a dashboard shows no more
// than a few thousand rows).
async function listAll(read, path, extra = {}, clocked = false) {
  const items = [];
  let after = '';
  for (let i = 0; i < 10; i++) {
    const page = await read(path, Object.assign({ limit: 1000, after }, extra), clocked);
    items.push(...(page.items || []));
    if (!page.next) break;
    after = page.next;
  }
  return items;
}

// optional reads a route that may not exist on this server (the directory
// reads): undefined when it answers 404 for the route itself.
async function optional(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

function panel(id, title, ...body) {
  return el('section', { class: 'panel', id },
    el('h2', {}, title, el('span', { class: 'note', id: id + '-note' })), ...body);
}
function setNote(id, text) {
  const n = document.getElementById(id + '-note');
  if (n) n.textContent = text || '';
}
// trouble shows why a panel cannot show its figures, in place of them.
function trouble(target, err) {
  const denied = err instanceof ApiError && err.status === 403;
  target.replaceChildren(el('div', { class: 'dash-msg', role: 'status', dataset: { error: denied ? 'forbidden' : 'failed' } },
    denied ? '您的身份无权查看此项数据' : problemText(err)));
}

// ---- the screen ----

function build(who) {
  const canGroups = has(who, 'office', 'analyst', 'inspector', 'superior');
  main.replaceChildren(el('div', { class: 'dash' },
    el('div', { class: 'dash-title' },
      el('div', { class: 'dash-date', id: 'dash-date' }),
      el('h1', {}, '创先争优活动 · 数据大屏'),
      el('div', { class: 'dash-status' },
        el('span', { id: 'dash-updated' }, '数据更新于 —'),
        el('span', { id: 'dash-conn', class: 'conn' }))),
    el('div', { class: 'dash-grid' },
      el('div', { class: 'col' },
        panel('p-colours', '整改亮灯', el('div', { class: 'body', id: 'colours' })),
        panel('p-areas', '各片区亮灯情况', el('div', { class: 'body scroll', id: 'areas' }))),
      el('div', { class: 'col wide' },
        panel('p-totals', '活动总量（年终总结）', el('div', { class: 'body', id: 'totals' })),
        panel('p-trend-q', '季度趋势：承诺与整改', el('div', { class: 'charts', id: 'chart-q' },
          el('div', { class: 'chart', id: 'chart-q-p' }), el('div', { class: 'chart', id: 'chart-q-r' }))),
        panel('p-trend-m', '月度趋势：近十二个月', el('div', { class: 'charts', id: 'chart-m' },
          el('div', { class: 'chart', id: 'chart-m-p' }), el('div', { class: 'chart', id: 'chart-m-r' })))),
      el('div', { class: 'col' },
        panel('p-red', '逾期未销号整改（红灯）', el('div', { class: 'body scroll', id: 'red' })),
        canGroups ? panel('p-groups', '指导检查组覆盖情况', el('div', { class: 'body scroll', id: 'groups' })) : null,
        panel('p-checkpoint', '最新签名检查点', el('div', { class: 'body', id: 'checkpoint' }))))));
}

function drawColours(s) {
  const box = document.getElementById('colours');
  const tile = (c, text, n) => el('div', { class: 'tile ' + c, id: 'rc-' + c, dataset: { colour: c, value: n } },
    el('div', { class: 'v' }, num(n)), el('div', { class: 't' }, text));
  const fig = (id, text, v, value) => el('div', { class: 'fig', id, dataset: { value } }, el('b', {}, v), el('span', {}, text));
  box.replaceChildren(
    el('div', { class: 'tiles' }, tile('red', '红灯 · 已逾期', s.red), tile('yellow', '黄灯 · 临近时限', s.yellow), tile('green', '绿灯 · 正常推进', s.green)),
    el('div', { class: 'figs' },
      fig('rc-open', '在办整改', num(s.open), s.open),
      fig('rc-accepted', '已销号', num(s.accepted), s.accepted),
      fig('rc-overdue30', '逾期超30天', num(s.overdue30), s.overdue30),
      fig('rc-ontime', '按期整改率', pct(s.accepted ? s.on_time_current : null), s.on_time_current),
      fig('rc-ontime-orig', '按原定时限', pct(s.accepted ? s.on_time_original : null), s.on_time_original),
      fig('rc-recurrence', '问题反弹率', pct(s.closings ? s.recurrence : null), s.recurrence)));
}

function drawAreas(rows) {
  const box = document.getElementById('areas');
  if (!rows.length) {
    box.replaceChildren(el('div', { class: 'dash-msg' }, '暂无片区数据'));
    return;
  }
  rows.sort((a, b) => b.s.red - a.s.red || b.s.yellow - a.s.yellow || a.name.localeCompare(b.name, 'zh-CN'));
  const max = Math.max(1, ...rows.map(r => r.s.open));
  const cell = (c, n) => el('td', { class: 'num ' + c, dataset: { colour: c, value: n } }, num(n));
  box.replaceChildren(el('table', { class: 'dash-table', id: 'area-table' },
    el('thead', {}, el('tr', {}, el('th', {}, '片区'), el('th', { class: 'num' }, '红灯'), el('th', { class: 'num' }, '黄灯'),
      el('th', { class: 'num' }, '绿灯'), el('th', { class: 'barcol' }, '在办整改'))),
    el('tbody', {}, rows.map(r => el('tr', { dataset: { area: r.id } },
      el('td', { class: 'name', title: r.id }, r.name),
      cell('red', r.s.red), cell('yellow', r.s.yellow), cell('green', r.s.green),
      el('td', { class: 'barcol' }, el('div', { class: 'bar' },
        ...['red', 'yellow', 'green'].map(c => el('i', { class: c, style: `width:${(100 * r.s[c] / max).toFixed(2)}%` }))),
      el('span', { class: 'open', dataset: { value: r.s.open } }, num(r.s.open))))))));
}

function drawRed(items, total) {
  const box = document.getElementById('red');
  setNote('p-red', total > items.length ? `共 ${num(total)} 项，列出最久的 ${items.length} 项` : `共 ${num(total)} 项`);
  document.getElementById('p-red').dataset.total = total;
  if (!items.length) {
    box.replaceChildren(el('div', { class: 'dash-msg good' }, '没有逾期未销号的整改'));
    return;
  }
  box.replaceChildren(el('table', { class: 'dash-table', id: 'red-table' },
    el('thead', {}, el('tr', {}, el('th', {}, '责任单位'), el('th', {}, '整改要求'), el('th', {}, '现行时限'), el('th', { class: 'num' }, '逾期'))),
    el('tbody', {}, items.map(r => el('tr', { dataset: { id: r.id } },
      el('td', { class: 'name', title: r.unit_name || r.unit }, r.unit_name || r.unit),
      el('td', { class: 'req' }, el('a', { href: '/item?stream=' + encodeURIComponent(r.stream || 'rectification-' + r.id), title: r.requirement }, r.requirement)),
      el('td', { class: 'date' }, r.deadline || ''),
      el('td', { class: 'num red', dataset: { days: -r.days_left } }, `${-r.days_left} 天`))))));
}

function drawTotals(all, quarter, q) {
  const box = document.getElementById('totals');
  setNote('p-totals', `全区 · 活动以来累计 · 本季度 ${quarter}`);
  box.replaceChildren(el('div', { class: 'totals' }, TOTALS.map(t => el('div', { class: 'total', id: 'tot-' + t.key, dataset: { value: all[t.key] || 0 } },
    el('div', { class: 't' }, t.text),
    el('div', { class: 'v' }, num(all[t.key]), el('small', {}, t.unit)),
    el('div', { class: 'q', dataset: { value: q ? (q[t.key] || 0) : '' } }, q ? `本季度 ${num(q[t.key])}` : '')))));
  box.title = `全区各级党组织共确定活动主题${all.themes || 0}个，承诺事项${all.pledges || 0}件，各级领导深入点评${all.reviews || 0}次，` +
    `查找缺点和不足${all.shortcomings || 0}条，提出改进措施${all.measures || 0}条，评选先锋模范人物${all.vanguards || 0}人。`;
}

function drawGroups(rows, full) {
  const box = document.getElementById('groups');
  if (!box) return;
  if (!rows.length) {
    box.replaceChildren(el('div', { class: 'dash-msg' }, full ? '暂无指导检查组' : '暂无可查看的指导检查组'));
    return;
  }
  const dash = v => (v === null || v === undefined) ? '—' : num(v);
  box.replaceChildren(el('table', { class: 'dash-table', id: 'group-table' },
    el('thead', {}, el('tr', {}, el('th', {}, '检查组'), el('th', { class: 'num' }, '覆盖单位'), el('th', { class: 'num' }, '已检查'),
      el('th', { class: 'num rate' }, '覆盖率'), el('th', { class: 'num' }, '在办整改'), el('th', { class: 'num' }, '红灯'))),
    el('tbody', {}, rows.map(g => el('tr', { dataset: { group: g.id } },
      el('td', { class: 'name', title: g.id }, g.name),
      el('td', { class: 'num', dataset: { field: 'covered', value: g.covered } }, dash(g.covered)),
      el('td', { class: 'num', dataset: { field: 'inspected', value: g.inspected ?? '' } }, dash(g.inspected)),
      el('td', { class: 'num rate' }, full ? pct(ratio(g.inspected, g.covered)) : '—'),
      el('td', { class: 'num', dataset: { field: 'open', value: g.open ?? '' } }, dash(g.open)),
      el('td', { class: 'num red', dataset: { field: 'red', value: g.red ?? '' } }, dash(g.red)))))));
}

function drawCheckpoint(cp) {
  const box = document.getElementById('checkpoint');
  if (!cp) {
    box.replaceChildren(el('div', { class: 'dash-msg' }, '尚未签发检查点'), el('a', { href: '/verify', class: 'verify' }, '核验证据包 →'));
    return;
  }
  let hex = '';
  try {
    hex = Array.from(atob(cp.root || ''), c => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } catch (e) { hex = String(cp.root || ''); }
  const short = hex.length > 20 ? hex.slice(0, 12) + '…' + hex.slice(-8) : hex;
  box.replaceChildren(el('dl', { class: 'cp' },
    el('dt', {}, '日志条数'), el('dd', { id: 'cp-size', dataset: { value: cp.size } }, num(cp.size)),
    el('dt', {}, '签名时间'), el('dd', { id: 'cp-time' }, fmtTime(cp.time, true)),
    el('dt', {}, '根哈希'), el('dd', { id: 'cp-root', class: 'mono', title: hex }, short),
    el('dt', {}, '签名密钥'), el('dd', { class: 'mono' }, `${cp.key_name || ''} ${cp.key_id || ''}`.trim())),
  el('a', { href: '/verify', class: 'verify' }, '核验证据包 →'));
}

// ---- charts ----

function chart(id, title) {
  if (state.charts[id]) return state.charts[id];
  const node = document.getElementById(id);
  if (!window.echarts) {
    node.replaceChildren(el('div', { class: 'dash-msg' }, '图表组件未能载入'));
    return null;
  }
  const c = window.echarts.init(node, 'dark', { renderer: 'canvas' });
  const narrow = node.clientWidth < 360; // a laptop: the legend keeps to one line
  c.setOption({
    backgroundColor: 'transparent',
    // No animation: a wall screen redraws in place, without movement that
    // reads as flicker, and a screenshot shows the figures, not a frame.
    animation: false,
    textStyle: { fontFamily: FONT },
    color: ['#4aa8ff', '#36c26b', '#ff8a3d', '#b37feb', '#ffd666', '#5cdbd3'],
    title: { text: title, left: 4, top: 2, textStyle: { color: '#7fc6ff', fontSize: 15, fontWeight: 600, fontFamily: FONT } },
    grid: { left: 50, right: 42, top: 56, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 26, left: 'center', textStyle: { color: '#bcd6ff', fontSize: narrow ? 11 : 13 }, itemWidth: narrow ? 10 : 14, itemHeight: 10, itemGap: narrow ? 5 : 10 },
    xAxis: { type: 'category', data: [], axisLabel: { color: '#a9c3e8', fontSize: 13 } },
    yAxis: [
      { type: 'value', minInterval: 1, nameTextStyle: { color: '#8ea9cf' }, axisLabel: { color: '#a9c3e8' }, splitLine: { lineStyle: { color: '#1d3f6b' } } },
      { type: 'value', min: 0, max: 100, axisLabel: { color: '#a9c3e8', formatter: '{value}%' }, splitLine: { show: false } },
    ],
    series: [],
  });
  state.charts[id] = c;
  return c;
}

// trendSeries turns trend rows (overall, one grain) into the chart's
// series over periods.
// trendSeries turns trend rows (overall, one grain) into the series of
// the pledges chart and of the rectifications chart over periods: counts
// as bars, a rate as a line on the right axis.
function trendSeries(items, periods, monthly, current) {
  const by = {};
  for (const r of items) (by[r.metric] ||= {})[r.period] = r.value;
  const v = (m, p) => (by[m] && by[m][p]) || 0;
  const bar = (name, m) => ({ name, type: 'bar', barMaxWidth: 18, data: periods.map(p => v(m, p)) });
  // rate is a line of part / whole in per cent, empty where whole is 0.
  const rate = (name, part, whole) => ({
    name, type: 'line', yAxisIndex: 1, smooth: true, symbolSize: 6, connectNulls: true,
    data: periods.map(p => { const r = ratio(part(p), whole(p)); return r === null ? null : +(r * 100).toFixed(1); }),
  });
  return {
    // 兑现率: fulfilled of the pledges that reached an outcome. A pledge
    // lapses after its quarter, so a month's rate would set fulfilments
    // against the last quarter's lapses: quarterly only.
    pledges: [bar('承诺事项', 'pledges_made'), bar('已兑现', 'pledges_fulfilled'), bar('未兑现', 'pledges_lapsed'),
      // The quarter under way has no lapses yet: its rate is left out.
      monthly ? null : rate('兑现率', p => v('pledges_fulfilled', p), p => p >= current ? 0 : v('pledges_fulfilled', p) + v('pledges_lapsed', p))].filter(Boolean),
    // 按期整改率: closed on time (deadline in force) of those closed.
    rects: [bar('下达整改', 'rectifications_opened'), bar('销号', 'rectifications_closed'), bar('按期销号', 'rectifications_closed_on_time'),
      rate('按期整改率', p => v('rectifications_closed_on_time', p), p => v('rectifications_closed', p))],
  };
}

function drawTrend(id, panelID, answer, periods, label, monthly, current) {
  const { pledges, rects } = trendSeries(answer.items || [], periods, monthly, current);
  const x = { data: periods.map((p, i) => label(p, i)) };
  const box = document.getElementById(id);
  if (!document.getElementById(id + '-p')) { // after a failure showed its reason here
    box.replaceChildren(el('div', { class: 'chart', id: id + '-p' }), el('div', { class: 'chart', id: id + '-r' }));
  }
  for (const [suffix, title, series] of [['-p', '承诺', pledges], ['-r', '整改', rects]]) {
    const c = chart(id + suffix, title);
    if (!c) return;
    c.setOption({ xAxis: x, yAxis: [{}, { show: series.some(s => s.type === 'line') }], series });
    document.getElementById(id + suffix).dataset.series = JSON.stringify(Object.fromEntries(series.map(s => [s.name, s.data])));
  }
  document.getElementById(id).dataset.periods = periods.join(',');
  setNote(panelID, answer.suppressed ? `${answer.suppressed} 个单元格涉及单位少于 ${answer.min_units} 个，未计入` : '');
}

// ---- reads of one refresh ----

async function areasOf(read, who) {
  if (state.areaDir !== false) {
    const dir = await optional(() => listAll(read, '/v1/views/areas'));
    state.areaDir = dir !== undefined;
    if (dir) {
      for (const a of dir) state.areaNames.set(a.id, a.name || a.id);
      return dir.map(a => a.id);
    }
  }
  // Without the directory: the areas rectifications were ordered in,
  // named (for the office, which reads the log) from each area's own
  // history, once.
  const t = await read('/v1/views/trends', { grain: 'quarter', metric: 'rectifications_opened' }, false);
  const ids = [...new Set((t.items || []).map(r => r.area).filter(Boolean))].sort();
  if (has(who, 'office')) {
    await Promise.all(ids.filter(id => !state.areaNames.has(id)).map(async id => {
      state.areaNames.set(id, id);
      try {
        const h = await get('/v1/history/' + encodeURIComponent('area-' + id));
        for (const ev of h.events || []) if (ev.payload && ev.payload.name) state.areaNames.set(id, ev.payload.name);
      } catch (e) { /* the id stands in for the name */ }
    }));
  }
  return ids;
}

// Each load reads a panel's figures and returns how to draw them (or why
// it cannot), so that a refresh draws every panel at once, when all its
// reads are in: the screen never shows two moments side by side.
async function load(boxID, reads, draw) {
  try {
    const got = await reads();
    return { draw: () => draw(got) };
  } catch (e) {
    return { error: e, draw: () => trouble(document.getElementById(boxID), e) };
  }
}

const loadColours = read => load('colours',
  () => read('/v1/views/rectifications/summary'), a => drawColours(a.summary));

const loadAreas = (read, who) => load('areas', async () => {
  const ids = await areasOf(read, who);
  return Promise.all(ids.map(async id => ({
    id, name: state.areaNames.get(id) || id,
    s: (await read('/v1/views/rectifications/summary', { area: id })).summary,
  })));
}, drawAreas);

const loadRed = read => load('red', () => Promise.all([
  read('/v1/views/rectifications', { colour: 'red', sort: 'deadline', limit: topN }),
  read('/v1/views/rectifications/summary', { colour: 'red' }),
]), ([page, sum]) => drawRed(page.items || [], sum.summary.red));

const loadTotals = (read, day) => load('totals', () => Promise.all([
  read('/v1/views/totals', {}, false), read('/v1/views/totals', { quarter: quarterOf(day) }, false),
]), ([all, q]) => drawTotals(all.totals, quarterOf(day), q.totals));

// Charts that cannot be drawn give their place to the reason.
function chartTrouble(id, e) {
  for (const suffix of ['-p', '-r']) {
    if (state.charts[id + suffix]) {
      state.charts[id + suffix].dispose();
      delete state.charts[id + suffix];
    }
  }
  trouble(document.getElementById(id), e);
}

function loadTrendsQ(read, day) {
  const quarter = quarterOf(day);
  return load('chart-q', () => read('/v1/views/trends', { grain: 'quarter', overall: 'true', to: quarter, metric: TREND_METRICS }, false), a => {
    const periods = [...new Set((a.items || []).map(r => r.period))].sort();
    drawTrend('chart-q', 'p-trend-q', a, periods.length ? periods : [quarter], p => p.replace('Q', ' Q'), false, quarter);
  }).then(r => r.error ? { error: r.error, draw: () => chartTrouble('chart-q', r.error) } : r);
}

function loadTrendsM(read, day) {
  const month = monthOf(day), from = monthsBack(month, 11);
  return load('chart-m', () => read('/v1/views/trends', { grain: 'month', overall: 'true', from, to: month, metric: TREND_METRICS }, false), a => {
    drawTrend('chart-m', 'p-trend-m', a, monthRange(from, month),
      (m, i) => (i === 0 || m.endsWith('-01') ? m.slice(2, 4) + '年' : '') + Number(m.slice(5)) + '月', true);
  }).then(r => r.error ? { error: r.error, draw: () => chartTrouble('chart-m', r.error) } : r);
}

async function groupFigures(read, who) {
  // Which groups: the directory if the server has it, else those that
  // inspected something (office, analysts), else the inspector's own.
  let dir;
  if (state.groupDir !== false) {
    dir = await optional(() => listAll(read, '/v1/views/groups'));
    state.groupDir = dir !== undefined;
  }
  const full = has(who, 'office', 'analyst', 'inspector');
  let groups;
  if (dir) {
    groups = dir.filter(g => g.state !== 'dissolved').map(g => ({ id: g.id, name: g.name || g.id, covered: g.covered }));
  } else if (has(who, 'office', 'analyst')) {
    if (!state.groupIDs) {
      const ins = await listAll(read, '/v1/views/inspections');
      state.groupIDs = [...new Set(ins.map(i => i.group).filter(Boolean))].sort();
    }
    groups = state.groupIDs.map(id => ({ id, name: id }));
  } else if (has(who, 'inspector') && who.group) {
    groups = [{ id: who.group, name: who.group }];
  } else {
    groups = [];
  }
  if (!has(who, 'office', 'analyst') && has(who, 'inspector')) {
    groups = groups.filter(g => g.id === who.group);
  }
  if (full) {
    // The group view: per unit covered, its last inspection and its
    // live and overdue items as of now.
    await Promise.all(groups.map(async g => {
      const rows = await listAll(read, '/v1/views/groups/' + encodeURIComponent(g.id), {}, true);
      if (rows.length && rows[0].group_name) g.name = rows[0].group_name;
      g.covered = rows.length;
      g.inspected = rows.filter(r => r.last_inspection).length;
      g.open = rows.reduce((n, r) => n + (r.open_rectifications || 0), 0);
      g.red = rows.reduce((n, r) => n + (r.red_rectifications || 0), 0);
    }));
  }
  return { groups, full };
}

function loadGroups(read, who) {
  if (!document.getElementById('groups')) return Promise.resolve({ draw() {} });
  return load('groups', () => groupFigures(read, who), ({ groups, full }) => {
    setNote('p-groups', full ? '' : '仅显示覆盖范围');
    drawGroups(groups, full);
  });
}

const loadCheckpoint = () => load('checkpoint', () => optional(() => get('/v1/checkpoints/latest')), drawCheckpoint);

// ---- polling ----

// probe is the light read: this month's orders, one figure, which tells
// the projections' position.
function probePath(day) {
  const m = monthOf(day);
  return '/v1/views/trends?' + qs({ grain: 'month', overall: 'true', metric: 'rectifications_opened', from: m, to: m });
}

function currentNow() {
  return fixedNow || new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
}

async function probe() {
  stats.probes++;
  const res = await api(probePath(today(nowDate(currentNow()))));
  return Number(res.headers.get('X-Projection-Position')) || 0;
}

let refreshing = null;

async function refresh(position) {
  const t0 = performance.now();
  const now = currentNow();
  const day = today(nowDate(now));
  const read = reader(now, position);
  const who = state.who;
  const results = await Promise.all([
    loadColours(read),
    loadAreas(read, who),
    loadRed(read),
    loadTotals(read, day),
    loadTrendsQ(read, day),
    loadTrendsM(read, day),
    loadGroups(read, who),
    loadCheckpoint(),
  ]);
  const failed = results.filter(r => r.error).map(r => r.error);
  const auth = failed.find(e => e instanceof ApiError && e.status === 401);
  if (auth) {
    location.href = '/?next=' + encodeURIComponent(location.pathname + location.search);
    return;
  }
  document.getElementById('dash-date').textContent = longDate(nowDate(now)) + (fixedNow ? '（指定时刻）' : '');
  for (const r of results) r.draw();
  state.position = position;
  state.day = day;
  stats.position = position;
  stats.now = now;
  stats.refreshes++;
  stats.lastRefreshMs = Math.round(performance.now() - t0);
  const upd = document.getElementById('dash-updated');
  upd.textContent = '数据更新于 ' + clock();
  upd.dataset.position = position;
  upd.dataset.now = now;
  upd.dataset.refreshes = stats.refreshes;
  if (stats.refreshes === 1) {
    performance.mark('dash-first-render');
    stats.firstRenderMs = Math.round(performance.getEntriesByName('dash-first-render')[0].startTime);
    document.body.dataset.ready = 'true';
  }
  // A failure other than "not allowed" is retried at the next poll, even
  // if the position has not moved.
  if (failed.some(e => !(e instanceof ApiError && e.status === 403))) state.position = null;
}

function setConn(ok) {
  const c = document.getElementById('dash-conn');
  if (!c) return;
  c.textContent = ok ? '' : '（连接中断，正在重试）';
  state.failing = !ok;
}

async function tick() {
  if (document.hidden) return; // a hidden tab polls again when shown
  try {
    const pos = await probe();
    setConn(true);
    const day = today(nowDate(currentNow()));
    if (pos !== state.position || day !== state.day) {
      refreshing = refresh(pos);
      await refreshing;
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      location.href = '/?next=' + encodeURIComponent(location.pathname + location.search);
      return;
    }
    setConn(false);
  } finally {
    refreshing = null;
  }
}

function loop() {
  setTimeout(async () => { await tick(); loop(); }, every * 1000);
}

// ---- start ----

function denied(who) {
  main.replaceChildren(el('div', { class: 'dash-denied', id: 'dash-denied', role: 'alert' },
    el('h1', {}, '创先争优活动 · 数据大屏'),
    has(who, 'admin')
      ? el('p', {}, '系统管理员负责运维，不查看活动数据，数据大屏对您不可用。')
      : el('p', {}, '数据大屏面向活动办公室、分析人员、上级党组织和指导检查组，您当前的身份（',
        (who.roles || []).map(r => label('role', r)).join('、') || '无角色', '）无权查看。'),
    has(who, 'clerk') ? el('p', {}, '单位经办人请到', el('a', { href: '/work' }, '工作台'), '办理本单位的承诺、整改等事项。') : null,
    el('p', {}, el('a', { href: '/verify' }, '核验证据包'), '对任何人开放。')));
}

async function start() {
  let who;
  try {
    who = await page('/dashboard');
  } catch (e) {
    main.replaceChildren(el('div', { class: 'dash-denied', role: 'alert' }, problemText(e)));
    return;
  }
  state.who = who;
  if (!has(who, 'office', 'analyst', 'superior', 'inspector')) {
    denied(who);
    document.body.dataset.ready = 'denied';
    return;
  }
  build(who);
  if (!topN) {
    const room = document.getElementById('red').clientHeight;
    topN = Math.max(5, Math.min(30, Math.floor((room - 34) / 32) || 10));
  }
  window.addEventListener('resize', () => Object.values(state.charts).forEach(c => c.resize()));
  document.addEventListener('visibilitychange', () => { if (!document.hidden && !refreshing) tick(); });
  await tick();
  loop();
}

start();
