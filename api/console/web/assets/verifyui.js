// The verification badge and the list of checks, shared by the item page
// and the offline verifier page. The badge's data-state says which it is
// (pending, good, bad, none) for people's tools and for the tests.
import { el, fmtTime } from './app.js';

// badge returns the badge element in its waiting state.
export function badge(id = 'verify-badge') {
  return el('div', { class: 'badge pending', id, role: 'status', 'aria-live': 'polite', dataset: { state: 'pending' } }, '核验中…');
}

function setBadge(b, state, cls, ...text) {
  b.className = 'badge ' + cls;
  b.dataset.state = state;
  b.replaceChildren(...text);
}

export function pending(b, text = '核验中…') { setBadge(b, 'pending', 'pending', text); }

// none: nothing can be verified yet (no checkpoint covers the item);
// never green.
export function none(b, text) { setBadge(b, 'none', 'warn', '⚠ ', text); }

// showResult draws a verifyPack answer: the badge, and below it (in
// details) every check made, the summary, and what was not checked.
export function showResult(b, details, r, extra = {}) {
  if (r.ok) {
    const cp = r.checkpoint;
    setBadge(b, 'good', 'good', `✓ 已核验：哈希链、包含证明与签名均有效（检查点 #${cp.size}，签于 ${fmtTime(cp.time, true)}）${extra.badgeNote || ''}`);
  } else {
    setBadge(b, 'bad', 'bad', `✗ 核验失败：${r.failure}`);
  }
  const list = el('ul', { class: 'checks' }, r.checks.map(c =>
    el('li', { class: c.ok ? 'passed' : 'failed', dataset: { check: c.name } }, el('b', {}, (c.ok ? '✓ ' : '✗ ') + c.name), '：', c.detail)));
  const parts = [el('summary', {}, r.ok ? `核验明细（${r.checks.length} 项检查全部通过）` : `核验明细（在“${r.failedCheck}”一项未通过，其后的检查未进行）`), list];
  if (r.ok && r.summary) parts.push(el('p', { class: 'verify-summary' }, r.summary));
  if (r.checkpoint) {
    parts.push(el('p', { class: 'muted small' },
      `检查点：账本 ${r.checkpoint.origin}，共 ${r.checkpoint.size} 个事件，根 ${r.checkpoint.root}，签名密钥 ${r.checkpoint.keyName}（${r.checkpoint.keyId}），签于 ${fmtTime(r.checkpoint.time, true)}`));
  }
  for (const x of [].concat(extra.notes || [])) if (x) parts.push(el('p', { class: 'muted small' }, x));
  details.replaceChildren(...parts);
  details.hidden = false;
  details.open = !r.ok;
}
