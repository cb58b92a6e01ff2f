// 核验证据包 (/verify): an auditor drops a saved evidence pack and gets
// it verified here, offline: the only call this page makes is the optional
// fetch of the ledger's published verifier keys (public, no token). It
// needs no login; signed in, it shows the usual header.
import { el, get, header, whoami, token, setZone, problemText } from './app.js';
import { verifyPack } from './verify.js';
import * as vui from './verifyui.js';

const main = document.getElementById('verify');
let pack = null; // {name, bytes}
let since = null; // {name, text}

async function signIn() {
  if (!token()) return null;
  try {
    const who = await whoami();
    setZone(who.zone);
    return who;
  } catch (e) {
    return null; // an expired token: the page works without one
  }
}

function render() {
  const fileInput = el('input', { type: 'file', id: 'pack-file', accept: '.json,application/json', class: 'visually-hidden' });
  const drop = el('div', { class: 'drop', id: 'drop', tabindex: '0' },
    el('p', {}, '把证据包文件（evidence-….json）拖到这里'),
    el('p', {}, '或 ', el('label', { for: 'pack-file', class: 'button' }, '选择文件'), fileInput),
    el('p', { class: 'muted small', id: 'pack-name' }, '尚未选择文件'));
  const keys = el('textarea', { id: 'keys', rows: 3, spellcheck: 'false', placeholder: '名称+密钥哈希+公钥，如 cxzy-ledger-2026+1a2b3c4d+AX…；多个密钥一行一个' });
  const keysNote = el('p', { class: 'muted small', id: 'keys-note' });
  const loadKeys = el('button', { type: 'button', id: 'load-keys' }, '载入本账本公布的密钥');
  const sinceInput = el('input', { type: 'file', id: 'since-file', accept: '.json,application/json' });
  const sinceNote = el('p', { class: 'muted small', id: 'since-note' }, '上次审计时保存的检查点（GET /v1/checkpoints/{size} 或 ledgerctl audit 所存）：核验本证据包的检查点是否延续它。');
  const run = el('button', { type: 'button', class: 'primary', id: 'verify-run', disabled: true }, '核验');
  const b = vui.badge();
  b.dataset.state = 'idle';
  b.textContent = '请选择证据包文件';
  const details = el('details', { id: 'verify-details', hidden: true });

  main.replaceChildren(
    el('h1', {}, '核验证据包'),
    el('p', { class: 'muted' }, '核验从台账下载的证据包：每条记录的内容与哈希、前后链接、在签名检查点中的包含证明，以及检查点的签名。',
      '核验全部在本浏览器中完成，除获取公布的核验密钥外不访问任何服务；密钥也可手工粘贴，断网亦可使用。'),
    el('div', { class: 'verify-grid' },
      el('div', { class: 'card' }, el('h2', {}, '1. 证据包'), drop),
      el('div', { class: 'card' }, el('h2', {}, '2. 核验密钥'), keys, el('div', { class: 'actions' }, loadKeys), keysNote,
        el('details', { class: 'since' }, el('summary', {}, '所持检查点（可选）'), sinceInput, sinceNote))),
    el('div', { class: 'actions' }, run),
    el('div', { class: 'card', id: 'result' }, el('h2', {}, '核验结果'), b, details));

  const ready = () => { run.disabled = !pack || !keys.value.trim(); };
  const verify = async () => {
    if (!pack || !keys.value.trim()) return;
    vui.pending(b);
    details.hidden = true;
    const r = await verifyPack(pack.bytes, { keys: keys.value.split(/[\r\n]+/), since: since ? since.text : undefined });
    vui.showResult(b, details, r);
  };
  const choose = async file => {
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
      pack = null;
      document.getElementById('pack-name').textContent = `${file.name}：这是带佐证材料的证据包归档（ZIP），请解压后选择其中的 pack.json（归档中的文件请用 ledgerctl verify-pack 核验）`;
      ready();
      return;
    }
    pack = { name: file.name, bytes };
    document.getElementById('pack-name').textContent = `已选择：${file.name}（${bytes.length.toLocaleString('zh-CN')} 字节）`;
    ready();
    await verify();
  };
  fileInput.addEventListener('change', () => choose(fileInput.files[0]));
  drop.addEventListener('dragover', ev => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', ev => {
    ev.preventDefault();
    drop.classList.remove('over');
    choose(ev.dataTransfer.files[0]);
  });
  keys.addEventListener('input', ready);
  run.addEventListener('click', verify);
  sinceInput.addEventListener('change', async () => {
    const f = sinceInput.files[0];
    since = f ? { name: f.name, text: new Uint8Array(await f.arrayBuffer()) } : null;
    sinceNote.textContent = since ? `已选择所持检查点：${f.name}` : '';
    if (pack) await verify();
  });
  const fetchKeys = async () => {
    try {
      const k = (await get('/v1/checkpoints/keys')).keys || [];
      keys.value = k.join('\n');
      keysNote.textContent = k.length ? `已载入本账本公布的 ${k.length} 个核验密钥（第一个为现用密钥）。请与单位正式公布的密钥核对。` : '本账本没有公布核验密钥。';
    } catch (e) {
      keysNote.textContent = '未能取得公布的核验密钥（' + problemText(e) + '）：请手工粘贴。';
    }
    ready();
    if (pack) await verify();
  };
  loadKeys.addEventListener('click', fetchKeys);
  fetchKeys();
}

async function start() {
  header('/verify', await signIn());
  render();
}

start();
