// The console's shared module: the token, calls to the public API,
// Chinese labels, times in the deployment's zone, the page header and
// problem+json shown beside the field it names. Every page imports it;
// nothing here talks to anything but this server's /v1 API.

const TOKEN_KEY = 'ledger.token';
const WHO_KEY = 'ledger.whoami';

// Chinese labels of the API's codes (docs/domain.md, glossary).
export const zh = {
  role: { clerk: '单位经办人', superior: '上级党组织', inspector: '指导检查组成员', office: '活动办公室', analyst: '分析人员', admin: '系统管理员' },
  rectState: { open: '待签收', in_progress: '整改中', submitted: '待验收', accepted: '已销号', cancelled: '已撤销' },
  pledgeState: { submitted: '已提交', returned: '退回修改', filed: '已备案', disclosed: '已公开', withdrawn: '已撤回', in_progress: '践诺中', fulfilled: '已兑现', lapsed: '未兑现', evaluated: '已评诺' },
  colour: { red: '红灯', yellow: '黄灯', green: '绿灯', on_time: '按期销号', late: '逾期销号', none: '—' },
  inspectionState: { open: '检查中', completed: '已完成' },
  extension: { pending: '待审批', granted: '已批准', denied: '不予延期', overtaken: '未及审批' },
  kind: { district: '区', street: '街道', department: '部门', big_community: '大社区', branch: '党支部', village: '村', enterprise: '非公企业', window: '窗口单位' },
  form: { meeting: '会议点评', talk: '谈话点评', on_site: '现场点评', written: '书面点评', random: '随机点评' },
  severity: { minor: '一般问题', moderate: '较重问题', serious: '严重问题' },
};

// label looks a code up in one of the tables above, falling back to the code.
export function label(table, code) {
  return (zh[table] && zh[table][code]) || code || '';
}

export function token() { return localStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(t) {
  localStorage.setItem(TOKEN_KEY, t);
  sessionStorage.removeItem(WHO_KEY);
}
export function logout() {
  localStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(WHO_KEY);
  location.href = '/';
}

// ApiError carries the API's problem+json: status, detail and the field
// it names, if any.
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem || {};
  }
}

// api calls the ledger's API with the user's token. With a reverse proxy
// that adds the Authorization header itself (oauth2-proxy), there is no
// token here and the call goes without one. opts.idem sends an
// Idempotency-Key, which every command form does so a double click
// records once; opts.raw returns the Response for files.
export async function api(path, opts = {}) {
  const headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
  const t = token();
  if (t) headers.Authorization = 'Bearer ' + t;
  let body = opts.body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof FormData) && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (opts.idem) headers['Idempotency-Key'] = opts.idem;
  const res = await fetch(path, { method: opts.method || (body !== undefined ? 'POST' : 'GET'), headers, body, signal: opts.signal });
  if (!res.ok) {
    let problem = null;
    try { problem = await res.json(); } catch (e) { /* not JSON */ }
    throw new ApiError(res.status, problem);
  }
  if (opts.raw) return res;
  const ct = res.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await res.json() : await res.text();
  return { data, headers: res.headers, status: res.status };
}

// get is api(...).data for reads.
export async function get(path, opts) { return (await api(path, opts)).data; }

// whoami learns who the token acts as (cached for the tab's session).
export async function whoami() {
  const cached = sessionStorage.getItem(WHO_KEY);
  if (cached) return JSON.parse(cached);
  const who = await get('/v1/whoami');
  sessionStorage.setItem(WHO_KEY, JSON.stringify(who));
  return who;
}

export function has(who, ...roles) { return roles.some(r => (who.roles || []).includes(r)); }

// newKey is a fresh Idempotency-Key; a form keeps one until it succeeds,
// so a retry or a double submission is the same command.
export function newKey() { return crypto.randomUUID(); }

let zone = 'Asia/Shanghai';
export function setZone(z) { if (z) zone = z; }
export function getZone() { return zone; }

// fmtTime shows an RFC 3339 time in the deployment's zone, to the minute
// (seconds with secs=true).
export function fmtTime(iso, secs = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    second: secs ? '2-digit' : undefined, hourCycle: 'h23',
  }).formatToParts(d);
  const p = Object.fromEntries(parts.map(x => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` + (secs ? ':' + p.second : '');
}

// today is the current date in the deployment's zone, YYYY-MM-DD.
export function today(d = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

// localInput is the value of a datetime-local input for a moment, in the
// deployment's zone; fromLocalInput turns such a value back into RFC 3339
// with the zone's offset (China has no daylight saving: +08:00 for the
// default zone; other zones use the offset of that moment).
export function localInput(d = new Date()) {
  return today(d) + 'T' + new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}
export function fromLocalInput(v) {
  if (!v) return '';
  const guess = new Date(v + ':00Z');
  const shown = new Date(localInput(guess) + ':00Z');
  const offsetMin = Math.round((shown - guess) / 60000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return v + ':00' + sign + String(Math.floor(abs / 60)).padStart(2, '0') + ':' + String(abs % 60).padStart(2, '0');
}

// el builds an element: el('a', {href: '/'}, 'text', child...). Text is
// always set as text, never as HTML, so nothing the ledger holds can
// become markup.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Pages of the console, by who may use them.
const NAV = [
  { href: '/dashboard', text: '大屏', roles: ['office', 'analyst', 'superior', 'inspector', 'admin'] },
  { href: '/work', text: '工作台', roles: ['clerk', 'superior', 'inspector', 'office'] },
  { href: '/verify', text: '核验证据包', roles: null },
];

// page starts a page that needs a signed-in user: it learns who the user
// is (or sends them to the login page) and draws the header.
export async function page(active) {
  let who;
  try {
    who = await whoami();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      location.href = '/?next=' + encodeURIComponent(location.pathname + location.search);
      return new Promise(() => {}); // the page is going away
    }
    throw e;
  }
  setZone(who.zone);
  header(active, who);
  return who;
}

export function header(active, who) {
  const nav = el('nav', {},
    NAV.filter(n => !who || !n.roles || has(who, ...n.roles))
      .map(n => el('a', { href: n.href, class: n.href === active ? 'active' : '' }, n.text)));
  const user = who
    ? el('span', { class: 'user', id: 'user' }, who.subject, ' · ', (who.roles || []).map(r => label('role', r)).join('、'),
      el('button', { type: 'button', class: 'link', onclick: logout }, '退出'))
    : '';
  const h = el('header', { class: 'top' }, el('a', { href: '/', class: 'brand' }, '创先争优活动台账'), nav, user);
  document.body.prepend(h);
}

// showProblem puts an API error next to the form field it names
// (problem.field, a JSON path such as "deadline" or "evidence[0].sha256"),
// or at the top of the form when it names none.
export function showProblem(form, err) {
  clearProblems(form);
  const p = err instanceof ApiError ? err.problem : { detail: String(err) };
  const msg = problemText(err);
  const field = p.field || '';
  let input = null;
  if (field) {
    input = form.querySelector(`[name="${CSS.escape(field)}"]`) ||
      form.querySelector(`[name="${CSS.escape(field.replace(/\[\d+\].*$/, '').replace(/\..*$/, ''))}"]`);
  }
  const note = el('div', { class: 'problem', role: 'alert', dataset: { field } }, msg);
  if (input) {
    input.classList.add('invalid');
    input.setAttribute('aria-invalid', 'true');
    (input.closest('label') || input).after(note);
  } else {
    form.prepend(note);
  }
  return note;
}

export function clearProblems(form) {
  form.querySelectorAll('.problem').forEach(n => n.remove());
  form.querySelectorAll('.invalid').forEach(n => { n.classList.remove('invalid'); n.removeAttribute('aria-invalid'); });
}

// problemText says what went wrong in a clerk's words.
export function problemText(err) {
  if (!(err instanceof ApiError)) return '出错了：' + (err && err.message ? err.message : String(err));
  const p = err.problem || {};
  const what = {
    400: '填写有误', 401: '登录已失效，请重新登录', 403: '无权进行此操作', 404: '找不到所指对象', 409: '数据已被他人更新，请刷新后重试',
    412: '数据已被他人更新，请刷新后重试', 413: '文件或内容过大', 415: '格式不受支持', 422: '不能办理', 429: '操作过于频繁，请稍后再试',
    503: '服务暂不可用，请稍后再试',
  }[err.status] || ('错误 ' + err.status);
  return p.detail ? `${what}：${p.detail}` : what;
}

// download fetches an export with the token and saves it under name.
export async function download(path, name) {
  const res = await api(path, { raw: true, headers: { Accept: '*/*' } });
  const blob = await res.blob();
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// evidenceURL fetches an evidence file with the token and returns an
// object URL for an <img> or a link (an <img src> cannot send a token).
export async function evidenceURL(sha256) {
  const res = await api('/v1/evidence/' + encodeURIComponent(sha256), { raw: true, headers: { Accept: '*/*' } });
  return URL.createObjectURL(await res.blob());
}

// fail shows an error where the page's content would be.
export function fail(target, err) {
  target.replaceChildren(el('div', { class: 'problem', role: 'alert' }, problemText(err)));
}
