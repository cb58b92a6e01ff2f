// The login page: paste a token, or (with ledgerd --dev-login) mint one.
// Behind a proxy that adds the token itself, whoami answers without one
// and the page goes straight on.
import { api, ApiError, el, setToken, token, whoami, label, showProblem, logout } from './app.js';

const next = new URLSearchParams(location.search).get('next') || '';
// Only a path on this server: never send the user elsewhere.
const target = next.startsWith('/') && !next.startsWith('//') ? next : '';

function home(who) {
  if (target) return target;
  if ((who.roles || []).some(r => ['clerk', 'superior', 'inspector', 'office'].includes(r))) return '/work';
  return '/dashboard';
}

async function signedIn() {
  try {
    return await whoami();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

async function start() {
  const who = await signedIn().catch(() => null);
  if (who) {
    const box = document.getElementById('signed-in');
    box.hidden = false;
    box.replaceChildren(
      el('p', {}, '已登录：', el('b', {}, who.subject), '（', (who.roles || []).map(r => label('role', r)).join('、'), '）'),
      el('p', {}, el('a', { href: home(who), class: 'button primary', id: 'continue' }, '进入'), ' ',
        token() ? el('button', { type: 'button', onclick: logout }, '退出登录') : ''));
    if (target) location.href = target;
  }
  // The dev form shows only where the server mints tokens.
  try {
    const res = await fetch('/v1/dev/tokens', { method: 'OPTIONS' });
    document.getElementById('dev').hidden = res.status === 404;
  } catch (e) { /* no dev login */ }
}

document.getElementById('paste').addEventListener('submit', async ev => {
  ev.preventDefault();
  const form = ev.target;
  setToken(form.token.value.trim());
  try {
    const who = await whoami();
    location.href = home(who);
  } catch (e) {
    localStorage.removeItem('ledger.token');
    showProblem(form, e.status === 401 ? Object.assign(e, { problem: Object.assign({}, e.problem, { field: 'token' }) }) : e);
  }
});

// Principals of the demo district (demo/district.go): one click fills the
// form. They are only names here; the server checks each command's scope.
const DEMO = [
  { text: '活动办公室', subject: 'office-1', roles: 'office' },
  { text: '分析人员', subject: 'analyst-1', roles: 'analyst' },
  { text: '第一指导检查组成员', subject: 'inspector-g1-1', roles: 'inspector', group: 'g1' },
  { text: '上级党组织（u0001）', subject: 'superior-u0001', roles: 'superior', units: 'u0001' },
  { text: '单位经办人（u0002）', subject: 'clerk-u0002', roles: 'clerk', units: 'u0002' },
];
const picks = document.getElementById('demo-picks');
for (const d of DEMO) {
  picks.append(el('button', {
    type: 'button', class: 'link', onclick: () => {
      const f = document.getElementById('mint');
      f.subject.value = d.subject;
      f.roles.value = d.roles;
      f.units.value = d.units || '';
      f.group.value = d.group || '';
    },
  }, d.text));
}

document.getElementById('mint').addEventListener('submit', async ev => {
  ev.preventDefault();
  const f = ev.target;
  const body = {
    subject: f.subject.value.trim(), roles: [f.roles.value],
    units: f.units.value.split(/[,，\s]+/).filter(Boolean), group: f.group.value.trim(),
  };
  try {
    const { data } = await api('/v1/dev/tokens', { body });
    setToken(data.token);
    location.href = home(await whoami());
  } catch (e) {
    showProblem(f, e);
  }
});

start();
