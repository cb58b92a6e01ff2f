// 事项档案 (/item?stream=rectification-…): an item's whole history from
// the event log as a timeline, its current state when the history answer
// carries one, and a verification badge: the page fetches the item's
// evidence pack and the published verifier keys and verifies the pack here,
// in the browser (verify.js), then checks that what the page shows is what
// the pack proves.
import { page, get, api, ApiError, el, fmtTime, label, evidenceURL, download, problemText, fail, localInput, fromLocalInput } from './app.js';
import { verifyPack, parseTime } from './verify.js';
import { eventLabel, keyFields, evidenceOf, streamKind, fileSize } from './events.js';
import * as vui from './verifyui.js';

const main = document.getElementById('item');
const params = new URLSearchParams(location.search);
const stream = params.get('stream') || '';
const asOf = params.get('as_of') || '';

// An event recorded this long after it happened is a late entry (补录),
// as the events table marks it (docs/domain.md).
const LATE_AFTER_MS = 7 * 24 * 3600 * 1000;

const stateTables = {
  rectification: 'rectState', pledge: 'pledgeState', inspection: 'inspectionState',
};
const otherStates = {
  recorded: '已记录', corrected: '已更正', retracted: '已撤回', active: '在职', dissolved: '已撤销', left: '已离册',
};

function stateLabel(entity, code) {
  const t = stateTables[entity];
  const l = t ? label(t, code) : code;
  return l !== code ? l : (otherStates[code] || code);
}

// title is what the item is about, from its first event.
function title(kind, events) {
  const p = (events[0] && events[0].payload) || {};
  const about = p.requirement || p.title || p.name || p.remark || p.subject || '';
  return about ? `${kind.name}：${about}` : `${kind.name} ${kind.id}`;
}

// late says whether an event is a late entry, and why.
function late(e) {
  const p = e.payload || {};
  if (e.late === true) return '补录：记录时间晚于业务发生时间七天以上';
  if (p.entered_late === true) return '补录：在所涉时限已过之后才录入账本';
  const occurred = Date.parse(e.occurred_at), recorded = Date.parse(e.recorded_at);
  if (recorded - occurred > LATE_AFTER_MS) return '补录：记录时间晚于业务发生时间七天以上';
  return '';
}

function fileItem(f) {
  if ((f.media_type || '').startsWith('image/')) {
    const img = el('img', { alt: f.name, title: `${f.name}（${fileSize(f.size)}）`, dataset: { sha256: f.sha256 } });
    const link = el('a', { href: '#', class: 'thumb-link', title: '打开原图' }, img);
    const fig = el('figure', { class: 'thumb' }, link, el('figcaption', {}, f.name));
    evidenceURL(f.sha256).then(url => {
      img.src = url;
      link.href = url;
      link.target = '_blank';
      link.rel = 'noopener';
    }).catch(err => {
      fig.classList.add('missing');
      fig.append(el('div', { class: 'problem' }, problemText(err)));
    });
    return fig;
  }
  const a = el('a', { href: '#', class: 'file', dataset: { sha256: f.sha256 }, title: `下载 ${f.name}` },
    '📎 ', f.name, el('span', { class: 'muted' }, `（${fileSize(f.size)}）`));
  a.addEventListener('click', ev => {
    ev.preventDefault();
    download('/v1/evidence/' + encodeURIComponent(f.sha256), f.name).catch(err => a.after(el('span', { class: 'problem' }, problemText(err))));
  });
  return a;
}

function eventItem(e) {
  const lateWhy = late(e);
  const fields = keyFields(e.payload);
  const files = evidenceOf(e.payload);
  return el('li', { dataset: { version: e.version, type: e.type, hash: e.hash } },
    el('div', { class: 'ev-head' },
      el('b', { class: 'ev-type' }, eventLabel(e.type)),
      el('span', { class: 'pill' }, `第 ${e.version} 版`),
      lateWhy ? el('span', { class: 'late', title: lateWhy }, '补录') : '',
      el('span', { class: 'ev-proof muted' })),
    el('div', { class: 'ev-meta' },
      '操作人 ', el('b', { class: 'ev-actor' }, e.actor),
      el('span', { class: 'sep' }, '·'), '业务发生时间 ', el('time', { class: 'ev-occurred', datetime: e.occurred_at }, fmtTime(e.occurred_at)),
      el('span', { class: 'sep' }, '·'), '记录时间 ', el('time', { class: 'ev-recorded', datetime: e.recorded_at }, fmtTime(e.recorded_at, true))),
    fields.length ? el('dl', { class: 'ev-fields' }, fields.flatMap(([k, v, ref]) =>
      [el('dt', {}, k), el('dd', {}, ref ? el('a', { href: '/item?stream=' + encodeURIComponent(ref) }, v) : v)])) : '',
    files.length ? el('div', { class: 'thumbs' }, files.map(fileItem)) : '',
    el('div', { class: 'ev-type-code muted small' }, e.type));
}

function stateCard(hist, kind) {
  const s = hist.state;
  const entity = hist.entity || kind.entity;
  const rows = [];
  const add = (k, v) => { if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && !v.length)) rows.push([k, String(v)]); };
  if (entity === 'rectification') {
    add('现行时限', s.deadline);
    if (s.original_deadline && s.original_deadline !== s.deadline) add('原定时限', s.original_deadline);
    add('责任人', s.person);
    add('整改措施', Array.isArray(s.plan) ? s.plan.map((m, i) => `${i + 1}. ${m}`).join('\n') : '');
    if (s.submissions) add('提交验收', `${s.submissions} 次`);
    if (s.rejections) add('退回重改', `${s.rejections} 次`);
    if (Array.isArray(s.extensions) && s.extensions.length) {
      add('延期申请', s.extensions.map(x => `${fmtTime(x.requested_at)} ${label('extension', x.outcome)}${x.new_deadline ? ' 至 ' + x.new_deadline : ''}`).join('\n'));
    }
    if (Array.isArray(s.closings) && s.closings.length) {
      const c = s.closings[s.closings.length - 1];
      add('验收销号', `${c.on || ''} ${c.accepted_by ? '（' + c.accepted_by + '）' : ''}${c.on_time ? ' 按期' : ' 逾期'}`);
    }
    if (s.reopenings) add('问题反弹', `${s.reopenings} 次`);
    if (Array.isArray(s.missed_deadlines) && s.missed_deadlines.length) add('逾期', `${s.missed_deadlines.length} 次`);
    add('撤销理由', s.cancel_reason);
  } else {
    for (const [k, v] of keyFields(s)) add(k, v);
  }
  return el('div', { class: 'card', id: 'state' },
    el('h2', {}, asOf ? `截至 ${fmtTime(asOf)} 的状态` : '当前状态'),
    el('div', { class: 'state-name' }, el('span', { class: 'pill state-' + s.state }, stateLabel(entity, s.state))),
    rows.length ? el('dl', { class: 'ev-fields' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])) : '');
}

let packBytes = null;

function render(hist, kind) {
  const events = hist.events || [];
  const b = vui.badge();
  const details = el('details', { id: 'verify-details', hidden: true });
  const dl = el('button', { type: 'button', id: 'download-pack', disabled: true }, '下载证据包');
  dl.addEventListener('click', () => {
    if (!packBytes) return;
    const a = el('a', { href: URL.createObjectURL(new Blob([packBytes], { type: 'application/json' })), download: `evidence-${stream}.json` });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });
  const verifyCard = el('div', { class: 'card', id: 'verification' },
    el('h2', {}, '可信核验'),
    b,
    el('p', { class: 'muted small' }, '本页在浏览器中独立核验此事项的证据包：每条记录的哈希、前后链接、在签名检查点中的包含证明与检查点签名，不依赖服务器的结论。'),
    details,
    el('div', { class: 'actions' }, dl, el('a', { class: 'button', href: '/verify' }, '离线核验已保存的证据包')));

  const input = el('input', { type: 'datetime-local', name: 'as_of', id: 'as-of', value: localInput(asOf ? new Date(asOf) : new Date()), required: true });
  const form = el('form', { id: 'asof', class: 'asof' },
    el('label', { for: 'as-of' }, '查看某一时刻的状态'), input, el('button', { type: 'submit' }, '查看'),
    asOf ? el('a', { href: '/item?stream=' + encodeURIComponent(stream), id: 'asof-now' }, '回到当前') : '');
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    if (!input.value) return;
    location.search = '?' + new URLSearchParams({ stream, as_of: fromLocalInput(input.value) }).toString();
  });

  const chain = hist.verified
    ? el('span', { class: 'muted small', id: 'chain' }, '服务端校验：哈希链完整')
    : el('span', { class: 'problem', id: 'chain' }, '服务端校验：哈希链断裂（' + (hist.problem || '') + '）');
  const timeline = events.length
    ? el('ol', { class: 'timeline', id: 'timeline' }, events.map(eventItem))
    : el('p', { class: 'muted', id: 'timeline-empty' }, asOf ? '该时刻账本中还没有这个事项的记录。' : '没有记录。');

  main.replaceChildren(
    el('h1', { id: 'item-title' }, title(kind, events)),
    el('p', { class: 'muted' }, `${stream} · 共 ${events.length} 条记录`,
      asOf ? el('span', { class: 'asof-note', id: 'asof-note' }, ` · 截至 ${fmtTime(asOf, true)}：只列出记录时间不晚于该时刻的事件（账本当时所知）`) : ''),
    el('div', { class: 'item-top' },
      hist.state && typeof hist.state === 'object' ? stateCard(hist, kind) : '',
      verifyCard),
    el('div', { class: 'card' }, form),
    el('div', { class: 'card' }, el('h2', {}, '历史记录 ', chain), timeline));
  return { badge: b, details, dl };
}

function sameJSON(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && sameJSON(a[k], b[k]));
}

function sameTime(a, b) {
  const x = parseTime(a), y = parseTime(b);
  return x && y && x.sec === y.sec && x.nanos === y.nanos;
}

// crossCheck compares the events the page shows with those the pack
// proved: the same hash, type, actor, times and payload, version by
// version. It returns the problem, or '' and how many matched.
function crossCheck(events, proved) {
  const byVersion = new Map(proved.map(p => [p.version, p]));
  let matched = 0;
  for (const e of events) {
    const p = byVersion.get(String(e.version));
    if (!p) continue;
    const diffs = [];
    if (String(e.hash).toLowerCase() !== p.hash) diffs.push('哈希');
    if (e.type !== p.type) diffs.push('类型');
    if (e.actor !== p.actor) diffs.push('操作人');
    if (!sameTime(e.occurred_at, p.occurred_at)) diffs.push('业务发生时间');
    if (!sameTime(e.recorded_at, p.recorded_at)) diffs.push('记录时间');
    let payload;
    try { payload = JSON.parse(p.payload); } catch (err) { payload = undefined; }
    if (!sameJSON(e.payload, payload)) diffs.push('内容');
    if (diffs.length) return { problem: `页面所示的第 ${e.version} 版记录与证据包中经核验的记录不符（${diffs.join('、')}）`, matched };
    matched++;
  }
  return { problem: '', matched };
}

async function verify(hist, ui) {
  const events = hist.events || [];
  let keys;
  try {
    keys = (await get('/v1/checkpoints/keys')).keys || [];
  } catch (e) {
    vui.none(ui.badge, '无法取得核验密钥，暂不能核验：' + problemText(e));
    return;
  }
  if (!keys.length) {
    vui.none(ui.badge, '本账本没有公布核验密钥（未配置签名密钥），不能核验');
    return;
  }
  let res;
  try {
    res = await api('/v1/evidence/streams/' + encodeURIComponent(stream), { raw: true });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
      vui.none(ui.badge, '尚无签名检查点覆盖此事项，暂不能核验（签名检查点每分钟生成一次，也可由活动办公室立即签名）');
    } else {
      vui.none(ui.badge, '无法取得证据包，暂不能核验：' + problemText(e));
    }
    return;
  }
  packBytes = new Uint8Array(await res.arrayBuffer());
  ui.dl.disabled = false;
  const r = await verifyPack(packBytes, { keys });
  const notes = [];
  let badgeNote = '';
  if (r.ok) {
    const { problem, matched } = crossCheck(events, r.proved || []);
    if (problem) {
      r.ok = false;
      r.failure = problem;
      r.failedCheck = '页面记录与证据包一致';
      r.checks.push({ name: '页面记录与证据包一致', ok: false, detail: problem });
    } else {
      r.checks.push({ name: '页面记录与证据包一致', ok: true, detail: `页面所示 ${matched} 条记录与证据包逐条一致` });
    }
    const provedVersions = new Set((r.proved || []).map(p => p.version));
    const later = events.filter(e => !provedVersions.has(String(e.version)));
    if (later.length) {
      notes.push(`第 ${later.map(e => e.version).join('、')} 版记录于检查点 #${r.checkpoint.size} 之后，尚未签入检查点，本次未核验。`);
      badgeNote = `；其后 ${later.length} 条记录尚未签入检查点，未核验`;
    }
    for (const li of main.querySelectorAll('#timeline > li')) {
      const mark = li.querySelector('.ev-proof');
      if (provedVersions.has(li.dataset.version)) {
        li.dataset.proof = r.ok ? 'verified' : 'failed';
        mark.textContent = r.ok ? `✓ 已核验（检查点 #${r.checkpoint.size}）` : '';
      } else {
        li.dataset.proof = 'pending';
        mark.textContent = '待签入检查点';
      }
    }
  }
  vui.showResult(ui.badge, ui.details, r, { notes, badgeNote });
}

async function start() {
  await page('/item');
  const kind = streamKind(stream);
  if (!stream) {
    main.replaceChildren(el('h1', {}, '事项档案'), el('div', { class: 'problem' }, '请在地址中指明事项，如 /item?stream=rectification-…'));
    return;
  }
  let hist;
  try {
    hist = await get('/v1/history/' + encodeURIComponent(stream) + (asOf ? '?as_of=' + encodeURIComponent(asOf) : ''));
  } catch (e) {
    const box = el('div');
    main.replaceChildren(el('h1', {}, `${kind.name} ${kind.id}`), box);
    fail(box, e);
    return;
  }
  const ui = render(hist, kind);
  try {
    await verify(hist, ui);
  } catch (e) {
    vui.none(ui.badge, '核验未能完成：' + (e && e.message ? e.message : String(e)));
  }
}

start();
