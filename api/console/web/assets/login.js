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
