// An evidence-pack verifier that runs in the browser: a second,
// independent implementation of docs/hashing.md, written from that
// document and the fixed vectors in testdata/vectors.json alone (not from
// the ledger's Go code), with WebCrypto for SHA-256 and Ed25519.
//
// verifyPack(packBytesOrText, {keys, since}) makes the checks of
// `ledgerctl verify-pack`, in the same order, and says in Chinese what
// failed. The primitives (event hash, chains, Merkle leaves, nodes, roots,
// proofs, key strings, signed notes, the strict JSON reader) are exported
// so that tests can check them against the vectors.
//
// This module touches no DOM and calls no API: a saved pack verifies
// offline with nothing but the ledger's published verifier key.
//
// Where docs/hashing.md left a choice open, a comment "DOC GAP:" says what
// was decided and why.

const utf8 = new TextEncoder();
const ZERO32 = new Uint8Array(32);
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export const FORMAT_V2 = 'cxzy-ledger-evidence/2';
export const FORMAT_V1 = 'cxzy-ledger-evidence/1';
export const EVENT_TAG = 'cxzy-ledger/event/v1';
export const GLOBAL_TAG = 'cxzy-ledger/global/v1';

// ---------------------------------------------------------------- bytes

export function bytes(x) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (typeof x === 'string') return utf8.encode(x);
  throw new TypeError('not bytes: ' + typeof x);
}

export function concat(...parts) {
  const bs = parts.map(bytes);
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bs) { out.set(b, o); o += b.length; }
  return out;
}

export function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function hex(b) {
  return Array.from(bytes(b), x => x.toString(16).padStart(2, '0')).join('');
}

// unhex reads hex digits of either case; null if s is not hex.
export function unhex(s) {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

export function u32be(n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, Number(n) >>> 0);
  return b;
}

export function u64be(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)));
  return b;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

// b64encode writes standard, padded base64 (RFC 4648 §4).
export function b64encode(b) {
  b = bytes(b);
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] +
      (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
  }
  return s;
}

// b64decode reads base64 as docs/hashing.md (Conventions) says Go's
// standard decoder does: \r and \n skipped anywhere; groups of four; the
// last group possibly xx== or xxx=; unused low bits ignored. null if the
// text is not base64.
export function b64decode(s) {
  if (typeof s !== 'string') return null;
  s = s.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0) return null;
  const out = [];
  for (let i = 0; i < s.length; i += 4) {
    const g = s.slice(i, i + 4);
    const last = i + 4 === s.length;
    let pad = 0;
    if (last && g.endsWith('==')) pad = 2;
    else if (last && g.endsWith('=')) pad = 1;
    const v = [];
    for (let j = 0; j < 4 - pad; j++) {
      const x = B64_INDEX.get(g[j]);
      if (x === undefined) return null;
      v.push(x);
    }
    const n = (v[0] << 18) | (v[1] << 12) | ((v[2] || 0) << 6) | (v[3] || 0);
    out.push((n >> 16) & 255);
    if (pad < 2) out.push((n >> 8) & 255);
    if (pad < 1) out.push(n & 255);
  }
  return new Uint8Array(out);
}

export async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

// ---------------------------------------------------------------- times

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z) {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysIn(y, m) {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

const p2 = n => String(n).padStart(2, '0');

// parseTime reads a time exactly as docs/hashing.md ("Reading a time")
// allows, and returns the instant (seconds since the epoch and
// nanoseconds) and its hashed form: UTC, RFC 3339 with the fraction's
// trailing zeros removed. null if the text is refused.
export function parseTime(s) {
  if (typeof s !== 'string') return null;
  const m = TIME_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || se > 59) return null;
  let off = 0;
  if (!m[8]) {
    const oh = Number(m[10]), om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    off = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const frac = (m[7] || '').padEnd(9, '0');
  const nanos = Number(frac);
  const sec = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  const days = Math.floor(sec / 86400);
  const rest = sec - days * 86400;
  const [uy, um, ud] = civilFromDays(days);
  // DOC GAP: the doc does not say what an offset that moves a time out
  // of years 0000-9999 in UTC hashes as (its hashed form has a four-digit
  // year); such a time is refused here.
  if (uy < 0 || uy > 9999) return null;
  const trimmed = frac.replace(/0+$/, '');
  const canonical = `${String(uy).padStart(4, '0')}-${p2(um)}-${p2(ud)}T${p2(Math.floor(rest / 3600))}:${p2(Math.floor(rest / 60) % 60)}:${p2(rest % 60)}` +
    (trimmed ? '.' + trimmed : '') + 'Z';
  return { sec, nanos, canonical, text: s };
}

export function sameInstant(a, b) { return a.sec === b.sec && a.nanos === b.nanos; }

// canonicalTime is the hashed form of a time, or throws.
export function canonicalTime(s) {
  const t = parseTime(s);
  if (!t) throw new Error('not a time: ' + s);
  return t.canonical;
}

// ---------------------------------------------------------------- the event hash

function field(b) {
  b = bytes(b);
  return concat(u32be(b.length), b);
}

function decimal(n, signed) {
  if (typeof n === 'string' && !/^-?(0|[1-9][0-9]*)$/.test(n)) throw new Error('not an integer: ' + n);
  let v = BigInt(n);
  if (!signed && v < 0n) throw new Error('negative: ' + n);
  return v.toString();
}

// eventHashInput is F1 ‖ … ‖ F15 of docs/hashing.md for an event given by
// its JSON names: times are written in their hashed (UTC) form whatever
// offset they carry; prev_hash is hex or 32 bytes; payload is its exact
// bytes (a Uint8Array, or a string whose UTF-8 bytes they are).
export function eventHashInput(e) {
  const prev = e.prev_hash instanceof Uint8Array ? e.prev_hash : unhex(e.prev_hash);
  if (!prev || prev.length !== 32) throw new Error('prev_hash is not 32 bytes');
  return concat(
    field(EVENT_TAG), field(e.id), field(e.type), field(e.stream), field(decimal(e.version, false)),
    field(canonicalTime(e.occurred_at)), field(canonicalTime(e.recorded_at)),
    field(e.actor), field(e.unit || ''), field(e.command_id), field(e.correlation_id || ''), field(e.causation_id || ''),
    field(decimal(e.schema_version, true)), field(prev), field(e.payload));
}

export async function eventHash(e) { return sha256(eventHashInput(e)); }

// globalLinkInput is "cxzy-ledger/global/v1" ‖ g(p-1) ‖ u64be(p) ‖ hash(p).
export function globalLinkInput(prev, position, hash) {
  return concat(GLOBAL_TAG, prev, u64be(position), hash);
}
export async function globalLink(prev, position, hash) { return sha256(globalLinkInput(prev, position, hash)); }

// ---------------------------------------------------------------- the Merkle tree

export function leafInput(eventHash, commit, prepare) {
  return concat(new Uint8Array([0]), eventHash, u64be(commit), u64be(prepare));
}
export async function leafHash(eventHash, commit, prepare) { return sha256(leafInput(eventHash, commit, prepare)); }
export async function nodeHash(left, right) { return sha256(new Uint8Array([1]), left, right); }

function largestPow2Below(n) { // k < n <= 2k, n > 1
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// merkleRoot is MTH of a list of leaf hashes (RFC 9162 §2.1.1).
export async function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0];
  const k = largestPow2Below(leaves.length);
  return nodeHash(await merkleRoot(leaves.slice(0, k)), await merkleRoot(leaves.slice(k)));
}

// inclusionProof is RFC 9162's PATH(m, D[n]) (§2.1.3.1), bottom first:
// what a ledger would send; the tests compare it with the vectors.
export async function inclusionProof(leaves, m) {
  if (leaves.length <= 1) return [];
  const k = largestPow2Below(leaves.length);
  if (m < k) return [...await inclusionProof(leaves.slice(0, k), m), await merkleRoot(leaves.slice(k))];
  return [...await inclusionProof(leaves.slice(k), m - k), await merkleRoot(leaves.slice(0, k))];
}

// consistencyProof is RFC 9162's PROOF(m, D[n]) (§2.1.4.1).
export async function consistencyProof(leaves, m) {
  async function sub(m, d, b) {
    if (m === d.length) return b ? [] : [await merkleRoot(d)];
    const k = largestPow2Below(d.length);
    if (m <= k) return [...await sub(m, d.slice(0, k), b), await merkleRoot(d.slice(k))];
    return [...await sub(m - k, d.slice(k), false), await merkleRoot(d.slice(0, k))];
  }
  if (m <= 0 || m >= leaves.length) return [];
  return sub(m, leaves, true);
}

// rootFromInclusion runs verify_inclusion of docs/hashing.md and returns
// the root the proof leads to, or null when the proof has the wrong
// length for (index, size).
export async function rootFromInclusion(index, size, leaf, proof) {
  index = BigInt(index); size = BigInt(size);
  if (index >= size) return null;
  let fn = index, sn = size - 1n, r = leaf;
  for (const p of proof || []) {
    if (sn === 0n) return null; // proof too long
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) return null; // proof too short
  return r;
}

export async function verifyInclusion(index, size, leaf, proof, root) {
  const r = await rootFromInclusion(index, size, leaf, proof);
  return r !== null && equalBytes(r, root);
}

// verifyConsistency: the special cases of docs/hashing.md, then RFC 9162
// §2.1.4.2 as written out there.
export async function verifyConsistency(size1, size2, proof, root1, root2) {
  size1 = BigInt(size1); size2 = BigInt(size2);
  proof = proof || [];
  if (size2 < size1) return false;
  if (size1 === size2) return proof.length === 0 && equalBytes(root1, root2);
  if (size1 === 0n) return proof.length === 0;
  if (proof.length === 0) return false;
  if ((size1 & (size1 - 1n)) === 0n) proof = [root1, ...proof];
  let fn = size1 - 1n, sn = size2 - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = proof[0], sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return equalBytes(fr, root1) && equalBytes(sr, root2) && sn === 0n;
}

// ---------------------------------------------------------------- keys and notes

// Unicode White_Space (Go's unicode.IsSpace), as docs/hashing.md lists it.
const WHITE_SPACE = /[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;
const WHITE_SPACE_EDGES = /^[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+|[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$/g;

export function trimWhiteSpace(s) { return s.replace(WHITE_SPACE_EDGES, ''); }

export function validKeyName(name) {
  return typeof name === 'string' && name !== '' && !name.includes('+') && !WHITE_SPACE.test(name);
}

// keyHash is u32 of the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ key).
export async function keyHash(name, publicKey) {
  const h = await sha256(name, '\n', new Uint8Array([1]), publicKey);
  return new DataView(h.buffer).getUint32(0);
}

export function keyHashHex(n) { return (n >>> 0).toString(16).padStart(8, '0'); }

export class KeyError extends Error {}

// parseVerifierKey reads "<name>+<8 hex>+<base64(0x01 ‖ key)>" and imports
// the key for Ed25519; it throws a KeyError saying why a string is refused.
export async function parseVerifierKey(text) {
  const s = String(text);
  const a = s.indexOf('+');
  const b = a < 0 ? -1 : s.indexOf('+', a + 1);
  if (b < 0) throw new KeyError(`核验密钥格式不对（应为 名称+8位十六进制+base64）：${s}`);
  const name = s.slice(0, a), hashText = s.slice(a + 1, b), keyText = s.slice(b + 1);
  if (!validKeyName(name)) throw new KeyError(`核验密钥的名称无效：${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]{8}$/.test(hashText)) throw new KeyError(`核验密钥的密钥哈希应为8位十六进制：${hashText}`);
  const raw = b64decode(keyText);
  if (!raw || raw.length !== 33 || raw[0] !== 1) throw new KeyError(`核验密钥不是 Ed25519 公钥（应为 0x01 加 32 字节）：${s}`);
  const pub = raw.slice(1);
  const hash = await keyHash(name, pub);
  if (hash !== parseInt(hashText, 16)) throw new KeyError(`核验密钥的密钥哈希 ${hashText} 与名称和公钥不符（应为 ${keyHashHex(hash)}）`);
  let key;
  try {
    key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    throw new KeyError(`浏览器无法导入 Ed25519 公钥：${e.message}`);
  }
  return { name, hash, hashHex: keyHashHex(hash), publicKey: pub, key, text: s };
}

// parseKeys reads verifier keys as `verify-pack --key` does: items
// separated by commas (in one string or several), each trimmed of
// White_Space, empty items skipped; a key given twice counts once; two
// different keys with the same name and key hash are refused.
export async function parseKeys(keys) {
  const list = [];
  for (const k of [].concat(keys ?? [])) {
    for (const item of String(k).split(',')) {
      const t = trimWhiteSpace(item);
      if (t) list.push(t);
    }
  }
  if (list.length === 0) throw new KeyError('没有提供核验密钥');
  const out = [];
  const seen = new Map();
  for (const t of list) {
    const k = await parseVerifierKey(t);
    const id = k.name + '+' + k.hashHex;
    const had = seen.get(id);
    if (had) {
      if (!equalBytes(had.publicKey, k.publicKey)) throw new KeyError(`两个不同的核验密钥同名且密钥哈希相同：${id}`);
      continue;
    }
    seen.set(id, k);
    out.push(k);
  }
  return out;
}

export class NoteError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

// openNote verifies a signed checkpoint note against trusted keys
// (docs/hashing.md, "Verifying a checkpoint", steps 1 to 5) and returns
// what it says: origin, size (a BigInt), root (32 bytes), time (parsed),
// the key that verified it and the signed body. It throws a NoteError
// whose kind is "malformed", "untrusted", "signature" or "body".
export async function openNote(note, verifiers) {
  if (typeof note !== 'string' || !note.isWellFormed()) throw new NoteError('malformed', '签名检查点不是有效的 UTF-8 文本');
  if (/[\u0000-\u0009\u000B-\u001F]/.test(note)) throw new NoteError('malformed', '签名检查点含有换行以外的控制字符');
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0) throw new NoteError('malformed', '签名检查点中没有空行分隔正文与签名');
  const body = note.slice(0, cut + 1);
  const block = note.slice(cut + 2);
  if (block === '' || !block.endsWith('\n')) throw new NoteError('malformed', '签名检查点的签名部分为空或不以换行结尾');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > 100) throw new NoteError('malformed', '签名检查点的签名行超过 100 行');
  const sigs = [];
  for (const line of lines) {
    if (!line.startsWith('\u2014 ')) throw new NoteError('malformed', `签名行应以“— ”开头：${line}`);
    const rest = line.slice(2);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const raw = sp < 0 ? null : b64decode(rest.slice(sp + 1));
    if (!raw || raw.length < 5 || !validKeyName(name)) throw new NoteError('malformed', `签名行格式不对：${line}`);
    sigs.push({ name, hash: new DataView(raw.buffer).getUint32(0), sig: raw.slice(4) });
  }
  const bodyBytes = utf8.encode(body);
  const done = new Set();
  let signer = null;
  for (const s of sigs) {
    const k = verifiers.find(v => v.name === s.name && v.hash === s.hash);
    if (!k || done.has(k)) continue; // an unknown key, or a second line of the same key
    done.add(k);
    let ok = false;
    try {
      ok = s.sig.length === 64 && await crypto.subtle.verify({ name: 'Ed25519' }, k.key, s.sig, bodyBytes);
    } catch (e) {
      ok = false;
    }
    if (!ok) throw new NoteError('signature', `密钥 ${k.name}（${k.hashHex}）的签名与签名内容不符`);
    if (!signer) signer = k;
  }
  if (!signer) {
    const named = sigs.map(s => s.name + '+' + keyHashHex(s.hash)).join('、');
    throw new NoteError('untrusted', `检查点不是由受信任的密钥签名的（签名者：${named}；受信任的密钥：${verifiers.map(v => v.name + '+' + v.hashHex).join('、')}）`);
  }
  const parts = body.split('\n'); // body ends with "\n": the last part is ""
  if (parts.length !== 5) throw new NoteError('body', `签名检查点的正文应为 4 行（来源、大小、根、时间），实为 ${parts.length - 1} 行`);
  const [origin, sizeText, rootText, timeLine] = parts;
  if (origin === '') throw new NoteError('body', '签名检查点的来源（origin）为空');
  if (!/^[0-9]+$/.test(sizeText) || BigInt(sizeText) > U64_MAX) throw new NoteError('body', `签名检查点的大小不是无符号整数：${sizeText}`);
  const root = b64decode(rootText);
  if (!root || root.length !== 32) throw new NoteError('body', `签名检查点的根不是 32 字节的 base64：${rootText}`);
  const time = timeLine.startsWith('time ') ? parseTime(timeLine.slice(5)) : null;
  if (!time) throw new NoteError('body', `签名检查点的时间行不对：${timeLine}`);
  return { origin, size: BigInt(sizeText), root, time, keyName: signer.name, keyHash: signer.hash, keyId: signer.hashHex, key: signer, body };
}

// ---------------------------------------------------------------- strict JSON

export class JSONReadError extends Error {
  constructor(message, offset) { super(message); this.offset = offset; }
}

// parseStrictJSON reads one JSON value (RFC 8259) as docs/hashing.md
// ("Reading JSON") requires: white space only space, tab, \n, \r; nothing
// after the value; at most maxDepth arrays and objects deep; no lone
// surrogate escape; no two members of one object with the same name after
// unescaping. Nodes keep their kind, numbers their literal text and every
// value its place in the text (s, e), so that a format 1 payload can be
// hashed as the bytes it stands as.
export function parseStrictJSON(text, maxDepth = 512) {
  const n = text.length;
  let i = 0;
  const fail = (msg, at = i) => { throw new JSONReadError(msg, at); };
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    }
  };
  const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const hex4 = at => {
    const h = text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('\\u 后应为 4 位十六进制', at);
    return parseInt(h, 16);
  };
  function str() {
    const s0 = i;
    i++;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= n) fail('字符串没有结束', s0);
      const c = text.charCodeAt(i);
      if (c === 0x22) { out += text.slice(from, i); i++; return out; }
      if (c < 0x20) fail('字符串中有未转义的控制字符');
      if (c !== 0x5c) { i++; continue; }
      out += text.slice(from, i);
      const e = text[i + 1];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 'u') {
        const cu = hex4(i + 2);
        if (cu >= 0xdc00 && cu <= 0xdfff) fail(`孤立的代理项转义 \\u${text.slice(i + 2, i + 6)}`);
        if (cu >= 0xd800 && cu <= 0xdbff) {
          const lo = text[i + 6] === '\\' && text[i + 7] === 'u' ? hex4(i + 8) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) fail(`孤立的代理项转义 \\u${text.slice(i + 2, i + 6)}`);
          out += String.fromCharCode(cu, lo);
          i += 12;
        } else {
          out += String.fromCharCode(cu);
          i += 6;
        }
      } else {
        fail('无效的转义序列');
      }
      from = i;
    }
  }
  function value(depth) {
    ws();
    if (i >= n) fail('JSON 意外结束');
    const s = i;
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`数组和对象嵌套超过 ${maxDepth} 层`);
      i++;
      ws();
      const close = c === '{' ? '}' : ']';
      const node = c === '{' ? { k: 'obj', members: [], byName: new Map(), s } : { k: 'arr', items: [], s };
      if (text[i] === close) { i++; node.e = i; return node; }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail('应为成员名（带引号的字符串）');
          const at = i;
          const name = str();
          if (node.byName.has(name)) fail(`同一对象中成员名 ${JSON.stringify(name)} 出现两次`, at);
          ws();
          if (text[i] !== ':') fail('成员名后应为冒号');
          i++;
          const v = value(depth + 1);
          node.members.push({ name, value: v });
          node.byName.set(name, v);
        } else {
          node.items.push(value(depth + 1));
        }
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === close) { i++; node.e = i; return node; }
        fail(`应为逗号或 ${close}`);
      }
    }
    if (c === '"') { const v = str(); return { k: 'str', v, s, e: i }; }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return { k: lit, s, e: i }; }
    }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (!m) fail('不是 JSON 值');
    i += m[0].length;
    return { k: 'num', raw: m[0], s, e: i };
  }
  if (text.charCodeAt(0) === 0xfeff) fail('文件以字节顺序标记（BOM）开头，JSON 不允许');
  const root = value(0);
  ws();
  if (i < n) fail('JSON 值之后还有其他内容');
  return root;
}

// decodeStrictText turns file bytes into text: valid UTF-8 only, a
// byte-order mark kept (and then refused by the reader as not white
// space).
export function decodeStrictText(input) {
  if (typeof input === 'string') {
    if (!input.isWellFormed()) throw new JSONReadError('文本含有孤立的代理项（不是有效的 UTF-8）', 0);
    return input;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes(input));
  } catch (e) {
    throw new JSONReadError('文件不是有效的 UTF-8', 0);
  }
}

// jsonSaySame: docs/hashing.md, "Say the same".
export function jsonSaySame(a, b) {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'obj':
      if (a.members.length !== b.members.length) return false;
      for (const m of a.members) {
        if (!b.byName.has(m.name) || !jsonSaySame(m.value, b.byName.get(m.name))) return false;
      }
      return true;
    case 'arr':
      return a.items.length === b.items.length && a.items.every((x, i) => jsonSaySame(x, b.items[i]));
    case 'str':
      return a.v === b.v;
    case 'num': {
      if (a.raw === b.raw) return true;
      const x = Number(a.raw), y = Number(b.raw);
      return Number.isFinite(x) && Number.isFinite(y) && x === y;
    }
    default:
      return true; // true, false, null
  }
}

// goCompact writes a value as the ledger writes JSON (docs/hashing.md,
// format 1): compact, keys in the order given, numbers as written, strings
// escaped as Go's json.Marshal does.
export function goCompact(node) {
  switch (node.k) {
    case 'obj': return '{' + node.members.map(m => goString(m.name) + ':' + goCompact(m.value)).join(',') + '}';
    case 'arr': return '[' + node.items.map(goCompact).join(',') + ']';
    case 'str': return goString(node.v);
    case 'num': return node.raw;
    default: return node.k;
  }
}

function goString(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    const named = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' }[c];
    if (named) out += named;
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

// ---------------------------------------------------------------- reading a pack

class ReadError extends Error {
  constructor(path, message) { super(`${path}：${message}`); this.path = path; }
}

// fold maps a name as docs/hashing.md's case rule does: A-Z to a-z, ſ to
// s, K (Kelvin) to k.
function fold(s) {
  return s.replace(/[A-Z\u017F\u212A]/g, c => c === '\u017F' ? 's' : c === '\u212A' ? 'k' : c.toLowerCase());
}

function kindName(node) {
  return { obj: '对象', arr: '数组', str: '字符串', num: '数', true: 'true', false: 'false', null: 'null' }[node.k];
}

// object checks one of the objects the format defines: no member named
// like a defined one but for case; every required member present. It
// returns a getter of the members.
function object(node, path, names, optional = []) {
  if (!node || node.k !== 'obj') throw new ReadError(path, `应为对象，实为${node ? kindName(node) : '缺失'}`);
  for (const m of node.members) {
    const f = fold(m.name);
    if (f !== m.name && names.includes(f)) throw new ReadError(path, `成员名 ${JSON.stringify(m.name)} 与 ${JSON.stringify(f)} 仅大小写不同`);
  }
  for (const name of names) {
    if (!optional.includes(name) && !node.byName.has(name)) throw new ReadError(path, `缺少成员 ${name}`);
  }
  return name => node.byName.get(name);
}

function readString(node, path) {
  if (node.k !== 'str') throw new ReadError(path, `应为字符串，实为${kindName(node)}`);
  return node.v;
}

function readUint(node, path) {
  if (node.k !== 'num') throw new ReadError(path, `应为整数，实为${kindName(node)}`);
  if (!/^(0|[1-9][0-9]*)$/.test(node.raw)) throw new ReadError(path, `应为无符号整数（不带小数、指数或负号），实为 ${node.raw}`);
  const v = BigInt(node.raw);
  if (v > U64_MAX) throw new ReadError(path, `超出 64 位无符号整数范围：${node.raw}`);
  return v;
}

function readInt(node, path) {
  if (node.k !== 'num') throw new ReadError(path, `应为整数，实为${kindName(node)}`);
  if (!/^-?(0|[1-9][0-9]*)$/.test(node.raw)) throw new ReadError(path, `应为整数（不带小数或指数），实为 ${node.raw}`);
  const v = BigInt(node.raw);
  if (v < I64_MIN || v > I64_MAX) throw new ReadError(path, `超出 64 位整数范围：${node.raw}`);
  return v;
}

function readBase64(node, path) {
  const s = readString(node, path);
  const b = b64decode(s);
  if (!b) throw new ReadError(path, `不是有效的 base64：${s.length > 60 ? s.slice(0, 60) + '…' : s}`);
  return b;
}

function readTime(node, path) {
  const s = readString(node, path);
  const t = parseTime(s);
  if (!t) throw new ReadError(path, `不是规定格式的时间（YYYY-MM-DDTHH:MM:SS[.小数]Z 或 ±HH:MM）：${s}`);
  return t;
}

function readHash(node, path) {
  const s = readString(node, path);
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new ReadError(path, `应为 64 位十六进制哈希：${s}`);
  return unhex(s);
}

function readProof(node, path) {
  if (node === undefined || node.k === 'null') return [];
  if (node.k !== 'arr') throw new ReadError(path, `应为数组，实为${kindName(node)}`);
  return node.items.map((x, i) => readBase64(x, `${path}[${i}]`));
}

const CHECKPOINT_NAMES = ['origin', 'size', 'root', 'time', 'key_name', 'key_id', 'note'];

// readCheckpointObject reads a checkpoint JSON object (docs/hashing.md,
// "Checkpoint JSON").
export function readCheckpointObject(node, path = 'checkpoint') {
  const get = object(node, path, CHECKPOINT_NAMES);
  return {
    origin: readString(get('origin'), path + '.origin'),
    size: readUint(get('size'), path + '.size'),
    root: readBase64(get('root'), path + '.root'),
    time: readTime(get('time'), path + '.time'),
    key_name: readString(get('key_name'), path + '.key_name'),
    key_id: readString(get('key_id'), path + '.key_id'),
    note: readString(get('note'), path + '.note'),
  };
}

const EVENT_NAMES = ['id', 'type', 'stream', 'version', 'position', 'occurred_at', 'recorded_at', 'actor', 'unit',
  'command_id', 'correlation_id', 'causation_id', 'schema_version', 'payload', 'prev_hash', 'hash'];

function readEvent(node, path) {
  const get = object(node, path, EVENT_NAMES, ['unit', 'correlation_id', 'causation_id']);
  const pget = object(get('position'), path + '.position', ['commit', 'prepare']);
  const opt = name => get(name) === undefined ? '' : readString(get(name), path + '.' + name);
  return {
    id: readString(get('id'), path + '.id'),
    type: readString(get('type'), path + '.type'),
    stream: readString(get('stream'), path + '.stream'),
    version: readUint(get('version'), path + '.version'),
    position: { commit: readUint(pget('commit'), path + '.position.commit'), prepare: readUint(pget('prepare'), path + '.position.prepare') },
    occurred_at: readTime(get('occurred_at'), path + '.occurred_at'),
    recorded_at: readTime(get('recorded_at'), path + '.recorded_at'),
    actor: readString(get('actor'), path + '.actor'),
    unit: opt('unit'),
    command_id: readString(get('command_id'), path + '.command_id'),
    correlation_id: opt('correlation_id'),
    causation_id: opt('causation_id'),
    schema_version: readInt(get('schema_version'), path + '.schema_version'),
    payload: get('payload'), // any JSON value, null included
    prev_hash: readHash(get('prev_hash'), path + '.prev_hash'),
    hash: readHash(get('hash'), path + '.hash'),
  };
}

// readPackDocument reads a pack's parsed document strictly (docs/hashing.md
// "Reading JSON"): the defined objects, their members and types, base64
// and times wherever they appear.
export function readPackDocument(root) {
  const get = object(root, '证据包', ['format', 'subject', 'stream', 'checkpoint', 'events', 'consistency'], ['stream', 'consistency']);
  const pack = {
    format: readString(get('format'), 'format'),
    subject: readString(get('subject'), 'subject'),
    stream: get('stream') === undefined ? '' : readString(get('stream'), 'stream'),
    checkpoint: readCheckpointObject(get('checkpoint')),
    events: [],
    consistency: null,
  };
  const evs = get('events');
  if (evs.k !== 'arr') throw new ReadError('events', `应为数组，实为${kindName(evs)}`);
  evs.items.forEach((item, i) => {
    const p = `events[${i}]`;
    const g = object(item, p, ['event', 'payload_base64', 'leaf_index', 'inclusion_proof'], ['payload_base64', 'inclusion_proof']);
    pack.events.push({
      event: readEvent(g('event'), p + '.event'),
      payload_base64: g('payload_base64') === undefined ? null : readBase64(g('payload_base64'), p + '.payload_base64'),
      leaf_index: readUint(g('leaf_index'), p + '.leaf_index'),
      inclusion_proof: readProof(g('inclusion_proof'), p + '.inclusion_proof'),
    });
  });
  const c = get('consistency');
  if (c !== undefined) {
    const g = object(c, 'consistency', ['from_size', 'from_root', 'to_size', 'proof'], ['proof']);
    pack.consistency = {
      from_size: readUint(g('from_size'), 'consistency.from_size'),
      from_root: readBase64(g('from_root'), 'consistency.from_root'),
      to_size: readUint(g('to_size'), 'consistency.to_size'),
      proof: readProof(g('proof'), 'consistency.proof'),
    };
  }
  return pack;
}

function where(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `第 ${line} 行第 ${offset - before.lastIndexOf('\n')} 列`;
}

// readStrict parses file bytes or text and reads it with read; errors
// become a Chinese message.
function readStrict(input, read, what) {
  let text;
  try {
    text = decodeStrictText(input);
    return { text, doc: read(parseStrictJSON(text)) };
  } catch (e) {
    if (e instanceof JSONReadError) throw new Failure('读取' + what, `${what}不是严格有效的 JSON（${text === undefined ? '' : where(text, e.offset) + '，'}${e.message}）`);
    if (e instanceof ReadError) throw new Failure('读取' + what, `${what}的字段不符合格式：${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------- verifying a pack

class Failure extends Error {
  constructor(check, message) { super(message); this.check = check; }
}

const short = b => hex(b).slice(0, 16) + '…';

function describe(i, e) {
  return `第${i}个事件（${e.stream} 第 ${e.version} 版，${e.type}）`;
}

function about(e) {
  return `（${e.stream} 第 ${e.version} 版，${e.type}）`;
}

// checkFieldsBeside is check 3: the readable fields equal the note's.
function checkFieldsBeside(cp, opened, who) {
  const diffs = [];
  if (cp.origin !== opened.origin) diffs.push(`origin 为 ${JSON.stringify(cp.origin)}，签名内容为 ${JSON.stringify(opened.origin)}`);
  if (cp.size !== opened.size) diffs.push(`size 为 ${cp.size}，签名内容为 ${opened.size}`);
  if (!equalBytes(cp.root, opened.root)) diffs.push(`root 为 ${b64encode(cp.root)}，签名内容为 ${b64encode(opened.root)}`);
  if (!sameInstant(cp.time, opened.time)) diffs.push(`time 为 ${cp.time.text}，签名内容为 ${opened.time.text}`);
  if (cp.key_name !== opened.keyName) diffs.push(`key_name 为 ${JSON.stringify(cp.key_name)}，签名密钥为 ${JSON.stringify(opened.keyName)}`);
  if (cp.key_id !== opened.keyId) diffs.push(`key_id 为 ${JSON.stringify(cp.key_id)}，签名密钥哈希为 ${opened.keyId}`);
  if (diffs.length) throw new Failure('检查点字段', `${who}的可读字段与签名内容不符：${diffs.join('；')}`);
}

async function openCheckpoint(cp, verifiers, who) {
  try {
    return await openNote(cp.note, verifiers);
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    const what = { signature: '签名无效', untrusted: '签名不可信', malformed: '格式错误', body: '正文格式错误' }[e.kind];
    throw new Failure('检查点签名', `${who}${what}：${e.message}`);
  }
}

function checkpointSummary(o) {
  return { origin: o.origin, size: o.size.toString(), root: b64encode(o.root), time: o.time.canonical, keyName: o.keyName, keyId: o.keyId };
}

// verifyPack verifies an evidence pack (bytes or text) against trusted
// verifier keys: the checks of docs/hashing.md ("Checks") in their order,
// stopping at the first that fails. opts.keys: key strings (an array, or
// comma-separated); opts.since: the text of a checkpoint JSON the reader
// holds (check 4). The answer:
//   {ok, checks: [{name, ok, detail}], failure (Chinese, or null),
//    summary (Chinese), checkpoint, format, stream, events, streams,
//    proved}
// checks lists the checks made, in order; when ok is false, exactly one
// failed (failedCheck). Per-event checks are listed once each, saying for
// how many events they passed before one failed.
// proved (when ok) lists the events proved, with the payload text whose
// bytes were hashed, so that a page can check that what it shows is what
// the pack proves.
export async function verifyPack(pack, opts = {}) {
  const checks = [];
  const res = { ok: false, checks, failure: null, summary: '', checkpoint: null, format: null, stream: null, events: 0, streams: 0, failedCheck: null };
  const pass = (name, detail) => checks.push({ name, ok: true, detail });
  try {
    let verifiers;
    try {
      verifiers = await parseKeys(opts.keys);
    } catch (e) {
      if (e instanceof KeyError) throw new Failure('核验密钥', '核验密钥无效：' + e.message);
      throw e;
    }
    pass('核验密钥', verifiers.map(v => `${v.name}+${v.hashHex}`).join('、'));

    // 0. Reading.
    const { text, doc: p } = readStrict(pack, readPackDocument, '证据包');
    pass('读取证据包', `严格 JSON，${p.events.length} 个事件`);

    // 1. Format.
    if (p.format !== FORMAT_V2 && p.format !== FORMAT_V1) throw new Failure('格式', `不认识的证据包格式：${JSON.stringify(p.format)}（应为 ${FORMAT_V2} 或 ${FORMAT_V1}）`);
    const v1 = p.format === FORMAT_V1;
    res.format = p.format;
    pass('格式', p.format);

    // 2. Signature.
    const note = await openCheckpoint(p.checkpoint, verifiers, '检查点');
    res.checkpoint = checkpointSummary(note);
    pass('检查点签名', `由密钥 ${note.keyName}（${note.keyId}）签名：${note.origin} 共 ${note.size} 个事件，签于 ${note.time.canonical}`);

    // 3. Fields beside the note.
    checkFieldsBeside(p.checkpoint, note, '检查点');
    pass('检查点字段', 'origin、size、root、time、key_name、key_id 与签名内容一致');

    // 4. With a held checkpoint only.
    if (opts.since !== undefined && opts.since !== null && opts.since !== '') {
      const { doc: held } = readStrict(opts.since, root => readCheckpointObject(root, '所持检查点'), '所持检查点');
      const hn = await openCheckpoint(held, verifiers, '所持检查点');
      checkFieldsBeside(held, hn, '所持检查点');
      const c = p.consistency;
      if (hn.origin !== note.origin) throw new Failure('一致性证明', `所持检查点属于账本 ${JSON.stringify(hn.origin)}，证据包的检查点属于 ${JSON.stringify(note.origin)}：另一账本的检查点不能证明本账本`);
      if (!c) throw new Failure('一致性证明', `证据包没有一致性证明（consistency），无法证明其检查点延续所持的 ${hn.size} 个事件的检查点`);
      if (c.from_size !== hn.size) throw new Failure('一致性证明', `一致性证明的 from_size 为 ${c.from_size}，所持检查点为 ${hn.size} 个事件`);
      if (!equalBytes(c.from_root, hn.root)) throw new Failure('一致性证明', '一致性证明的 from_root 与所持检查点的根不符');
      if (c.to_size !== note.size) throw new Failure('一致性证明', `一致性证明的 to_size 为 ${c.to_size}，证据包的检查点为 ${note.size} 个事件`);
      if (c.proof.some(x => x.length !== 32)) throw new Failure('一致性证明', '一致性证明不成立：有证明节点不是 32 字节');
      if (!await verifyConsistency(hn.size, note.size, c.proof, hn.root, note.root)) {
        throw new Failure('一致性证明', `一致性证明不成立：检查点 #${note.size} 并不延续所持的检查点 #${hn.size}（之前记录的事件可能被改动、删除或重排）`);
      }
      res.held = checkpointSummary(hn);
      pass('一致性证明', `检查点 #${note.size} 延续所持的检查点 #${hn.size}`);
    }

    // 5. Not empty.
    if (p.events.length === 0) throw new Failure('事件非空', '证据包中没有事件');
    pass('事件非空', `${p.events.length} 个事件`);

    // 6. Each event, in file order.
    const whole = p.stream !== '';
    res.stream = whole ? p.stream : null;
    const names = ['载荷一致', '事件哈希', '叶序号', '包含证明', '全局顺序', '流内哈希链'].concat(whole ? ['流归属'] : []);
    const done = Object.fromEntries(names.map(n => [n, 0]));
    const heads = new Map();
    let prev = null;
    let failing = null;
    const proved = [];
    try {
      for (let i = 1; i <= p.events.length; i++) {
        const item = p.events[i - 1];
        const e = item.event;
        const who = describe(i, e);
        // 6.1 Payload bytes.
        let payload;
        if (v1) {
          payload = utf8.encode(text.slice(e.payload.s, e.payload.e));
        } else {
          if (!item.payload_base64) throw new Failure('载荷一致', `${who}缺少 payload_base64（${FORMAT_V2} 格式必须有）`);
          payload = item.payload_base64;
          let decoded;
          try {
            decoded = parseStrictJSON(decodeStrictText(payload));
          } catch (err) {
            if (!(err instanceof JSONReadError)) throw err;
            throw new Failure('载荷一致', `${who}的 payload_base64 解码后不是严格有效的 JSON：${err.message}`);
          }
          if (!jsonSaySame(decoded, e.payload)) throw new Failure('载荷一致', `${who}的可读载荷（event.payload）与 payload_base64 所载的原始字节内容不一致：二者之一被改动过`);
        }
        done['载荷一致']++;
        // 6.2 Event hash.
        const got = await eventHash({
          id: e.id, type: e.type, stream: e.stream, version: e.version, occurred_at: e.occurred_at.text, recorded_at: e.recorded_at.text,
          actor: e.actor, unit: e.unit, command_id: e.command_id, correlation_id: e.correlation_id, causation_id: e.causation_id,
          schema_version: e.schema_version, prev_hash: e.prev_hash, payload,
        });
        if (!equalBytes(got, e.hash)) {
          let why = '事件内容在记录后被改动过';
          if (v1) {
            const again = await eventHash({ ...e, occurred_at: e.occurred_at.text, recorded_at: e.recorded_at.text, payload: goCompact(e.payload) });
            if (equalBytes(again, e.hash)) why = '文件经过重新编码（JSON 被重新排版），不一定被篡改；请索取 /2 格式的证据包';
          }
          throw new Failure('事件哈希', `第${i}个事件的哈希不符${about(e)}：按内容计算得 ${hex(got)}，记录的哈希为 ${hex(e.hash)}；${why}`);
        }
        done['事件哈希']++;
        // 6.3 Leaf index.
        if (item.leaf_index >= note.size) throw new Failure('叶序号', `${who}的叶序号 ${item.leaf_index} 不小于检查点的大小 ${note.size}`);
        done['叶序号']++;
        // 6.4 Inclusion.
        // DOC GAP: the doc does not say whether a proof node that is not
        // 32 bytes is refused when reading; it fails the proof here.
        const odd = item.inclusion_proof.findIndex(x => x.length !== 32);
        if (odd >= 0) throw new Failure('包含证明', `第${i}个事件的包含证明不成立${about(e)}：第 ${odd + 1} 个证明节点是 ${item.inclusion_proof[odd].length} 字节，应为 32 字节`);
        const leaf = await leafHash(e.hash, e.position.commit, e.position.prepare);
        if (!await verifyInclusion(item.leaf_index, note.size, leaf, item.inclusion_proof, note.root)) {
          throw new Failure('包含证明', `第${i}个事件的包含证明不成立${about(e)}：该事件（位置 ${e.position.commit}/${e.position.prepare}，叶序号 ${item.leaf_index}，叶哈希 ${short(leaf)}）不在检查点 #${note.size} 所签的历史中的这个位置`);
        }
        done['包含证明']++;
        // 6.5 Global order.
        if (prev) {
          if (item.leaf_index <= prev.leaf_index) throw new Failure('全局顺序', `${who}的叶序号 ${item.leaf_index} 不大于前一个事件的 ${prev.leaf_index}：事件的先后顺序被打乱`);
          const a = e.position, b = prev.event.position;
          if (!(a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare))) {
            throw new Failure('全局顺序', `${who}的位置 ${a.commit}/${a.prepare} 不在前一个事件的位置 ${b.commit}/${b.prepare} 之后`);
          }
        }
        done['全局顺序']++;
        // 6.6 Stream chain.
        const h = heads.get(e.stream);
        if (h) {
          if (e.version === h.version + 1n && !equalBytes(e.prev_hash, h.hash)) {
            throw new Failure('流内哈希链', `${who}的 prev_hash 与同一流第 ${h.version} 版的哈希不符：哈希链断开`);
          }
          if (whole && e.version !== h.version + 1n) {
            throw new Failure('流内哈希链', `${who}：第 ${e.version} 版紧接在第 ${h.version} 版之后，其间的版本缺失或顺序错乱（missing or out of order）`);
          }
        } else if (whole && e.version !== 1n) {
          throw new Failure('流内哈希链', `${who}是该流在证据包中的第一个事件，却是第 ${e.version} 版：之前的版本缺失`);
        }
        done['流内哈希链']++;
        // 6.7 Stream membership.
        if (whole) {
          if (e.stream !== p.stream) throw new Failure('流归属', `${who}属于流 ${e.stream}，不是证据包所述的流 ${p.stream}`);
          done['流归属']++;
        }
        // 6.8
        heads.set(e.stream, { version: e.version, hash: e.hash });
        proved.push({
          stream: e.stream, version: e.version.toString(), type: e.type, actor: e.actor, hash: hex(e.hash),
          occurred_at: e.occurred_at.text, recorded_at: e.recorded_at.text, payload: new TextDecoder().decode(payload),
        });
        prev = item;
      }
    } catch (err) {
      failing = err;
      throw err;
    } finally {
      // The per-event checks in their order, the one that failed in its
      // place.
      for (const n of names) {
        if (failing && failing.check === n) {
          checks.push({ name: n, ok: false, detail: failing.message });
          failing.listed = true;
        } else if (done[n] === p.events.length) {
          pass(n, `${done[n]} 个事件全部通过`);
        } else if (done[n] > 0) {
          pass(n, `前 ${done[n]} 个事件通过`);
        }
      }
    }
    res.events = p.events.length;
    res.streams = heads.size;
    res.proved = proved;
    res.ok = true;
    const at = note.time.canonical;
    const parts = [`检查点 #${note.size}（账本 ${note.origin}，签于 ${at}，密钥 ${note.keyName}）`,
      `${p.events.length} 个事件（${v1 ? '/1' : '/2'} 格式）均未被改动，且位于检查点所签历史中的原位置、原顺序`];
    if (whole) {
      const last = heads.get(p.stream);
      parts.push(`流 ${p.stream}：第 1 至 ${last.version} 版齐全，无缺失，逐一链接`);
    } else {
      parts.push(`涉及 ${heads.size} 个流`);
    }
    if (res.held) parts.push(`检查点 #${note.size} 延续所持的检查点 #${res.held.size}`);
    res.summary = '已核验：' + parts.join('；') + '。未证明：' + (whole ? '检查点之后该流是否还有事件。' : '证据包是否含有该主题的全部事件。');
  } catch (e) {
    if (!(e instanceof Failure)) {
      res.failure = '核验过程出错：' + (e && e.message ? e.message : String(e));
      res.failedCheck = '核验';
      checks.push({ name: '核验', ok: false, detail: res.failure });
      return res;
    }
    res.failure = e.message;
    res.failedCheck = e.check;
    if (!e.listed) checks.push({ name: e.check, ok: false, detail: e.message });
  }
  return res;
}
