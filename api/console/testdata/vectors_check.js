// Recomputes every value of testdata/vectors.json with the browser
// verifier's primitives (assets/verify.js) and WebCrypto, and names each
// vector whose value differs. Test code only: api/console/verify_test.go
// serves it beside the console and runs it in chromium.
import * as v from '/assets/verify.js';

// toJS turns a node of the strict reader into a plain value; integers
// beyond 2^53 become BigInts (KurrentDB positions must not pass through
// floating point, and JSON.parse would round them).
function toJS(n) {
  switch (n.k) {
    case 'obj': return Object.fromEntries(n.members.map(m => [m.name, toJS(m.value)]));
    case 'arr': return n.items.map(toJS);
    case 'str': return n.v;
    case 'num': {
      const x = Number(n.raw);
      return Number.isSafeInteger(x) || !/^-?[0-9]+$/.test(n.raw) ? x : BigInt(n.raw);
    }
    default: return { true: true, false: false, null: null }[n.k];
  }
}

// checkVectors takes the text of a vectors file.
export async function checkVectors(text) {
  const doc = toJS(v.parseStrictJSON(text));
  let checks = 0;
  const failures = [];
  const eq = (name, what, got, want) => {
    checks++;
    if (got !== want) failures.push(`${name}: ${what} is ${JSON.stringify(want)} in the file, recomputed ${JSON.stringify(got)}`);
  };
  const ok = (name, what, cond) => {
    checks++;
    if (!cond) failures.push(`${name}: ${what} does not hold`);
  };
  const attempt = async (name, f) => {
    try {
      await f();
    } catch (e) {
      checks++;
      failures.push(`${name}: ${e.message}`);
    }
  };
  const H = b => v.hex(b);
  const need = (x, what) => {
    const b = v.unhex(x);
    if (!b) throw new Error(`${what} is not hex: ${x}`);
    return b;
  };

  // test_key: the seed gives the public key (PKCS #8 of RFC 8410 around
  // the 32-byte seed), the key hash, both key strings.
  const tk = doc.test_key;
  let signKey = null;
  let pub = null;
  await attempt('test_key', async () => {
    const seed = need(tk.seed_hex, 'seed_hex');
    const pkcs8 = v.concat(v.unhex('302e020100300506032b657004220420'), seed);
    signKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', signKey);
    pub = Uint8Array.from(atob(jwk.x.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
    eq('test_key', 'public_key_hex', H(pub), tk.public_key_hex);
    const kh = v.keyHashHex(await v.keyHash(tk.name, pub));
    eq('test_key', 'key_hash_hex', kh, tk.key_hash_hex);
    eq('test_key', 'verifier_key', `${tk.name}+${kh}+${v.b64encode(v.concat(new Uint8Array([1]), pub))}`, tk.verifier_key);
    eq('test_key', 'signer_key', `PRIVATE+KEY+${tk.name}+${kh}+${v.b64encode(v.concat(new Uint8Array([1]), seed))}`, tk.signer_key);
    const parsed = await v.parseVerifierKey(tk.verifier_key);
    eq('test_key', 'the verifier key read back: name', parsed.name, tk.name);
    eq('test_key', 'the verifier key read back: public key', H(parsed.publicKey), tk.public_key_hex);
  });

  // events: payload bytes, hash input, hash, the stream chains, the
  // global chain, leaves.
  const leaves = [];
  const heads = new Map();
  let link = new Uint8Array(32);
  for (let i = 0; i < doc.events.length; i++) {
    const name = `events[${i}]`;
    const ev = doc.events[i];
    await attempt(name, async () => {
      const f = ev.fields;
      const payload = need(ev.payload_hex, 'payload_hex');
      eq(name, 'payload_hex against fields.payload', H(new TextEncoder().encode(f.payload)), ev.payload_hex);
      for (const t of ['occurred_at', 'recorded_at']) eq(name, `fields.${t} in its hashed form`, v.canonicalTime(f[t]), f[t]);
      const input = v.eventHashInput({ ...f, payload });
      eq(name, 'hash_input_hex', H(input), ev.hash_input_hex);
      const hash = await v.eventHash({ ...f, payload });
      eq(name, 'hash', H(hash), ev.hash);
      eq(name, 'hash = SHA-256(hash_input_hex)', H(await v.sha256(need(ev.hash_input_hex, 'hash_input_hex'))), ev.hash);
      const head = heads.get(f.stream);
      eq(name, 'version (the stream has no gap)', f.version, head ? head.version + 1 : 1);
      eq(name, 'fields.prev_hash (the stream chain)', head ? head.hash : '0'.repeat(64), f.prev_hash);
      heads.set(f.stream, { version: f.version, hash: ev.hash });
      const pos = i + 1;
      eq(name, 'position.commit', ev.position.commit, pos);
      eq(name, 'position.prepare', ev.position.prepare, pos);
      eq(name, 'global.prev', H(link), ev.global.prev);
      const gin = v.globalLinkInput(need(ev.global.prev, 'global.prev'), pos, need(ev.hash, 'hash'));
      eq(name, 'global.input_hex', H(v.globalLinkInput(link, pos, hash)), ev.global.input_hex);
      eq(name, 'global.input_hex (from the file\'s values)', H(gin), ev.global.input_hex);
      link = await v.globalLink(link, pos, hash);
      eq(name, 'global.link', H(link), ev.global.link);
      eq(name, 'leaf.index', ev.leaf.index, ev.position.commit - 1);
      eq(name, 'leaf.input_hex', H(v.leafInput(hash, ev.position.commit, ev.position.prepare)), ev.leaf.input_hex);
      const leaf = await v.leafHash(hash, ev.position.commit, ev.position.prepare);
      eq(name, 'leaf.hash', H(leaf), ev.leaf.hash);
      eq(name, 'leaf.hash = SHA-256(leaf.input_hex)', H(await v.sha256(need(ev.leaf.input_hex, 'leaf.input_hex'))), ev.leaf.hash);
      leaves.push(leaf);
    });
  }

  for (let i = 0; i < doc.extra_leaves.length; i++) {
    const name = `extra_leaves[${i}]`;
    const x = doc.extra_leaves[i];
    await attempt(name, async () => {
      const h = need(x.event_hash, 'event_hash');
      eq(name, 'input_hex', H(v.leafInput(h, BigInt(x.position.commit), BigInt(x.position.prepare))), x.input_hex);
      eq(name, 'hash', H(await v.leafHash(h, x.position.commit, x.position.prepare)), x.hash);
      eq(name, 'hash = SHA-256(input_hex)', H(await v.sha256(need(x.input_hex, 'input_hex'))), x.hash);
      ok(name, 'commit differs from prepare', x.position.commit !== x.position.prepare);
    });
  }

  eq('empty_root', 'MTH([])', H(await v.merkleRoot([])), doc.empty_root);

  const rootOf = async n => H(await v.merkleRoot(leaves.slice(0, n)));
  for (let i = 0; i < doc.roots.length; i++) {
    const r = doc.roots[i];
    await attempt(`roots[${i}]`, async () => eq(`roots[${i}]`, `root of ${r.size}`, await rootOf(r.size), r.root));
  }

  for (let i = 0; i < doc.inclusion_proofs.length; i++) {
    const name = `inclusion_proofs[${i}]`;
    const p = doc.inclusion_proofs[i];
    await attempt(name, async () => {
      eq(name, 'leaf_hash', leaves[p.leaf_index] ? H(leaves[p.leaf_index]) : 'no such leaf', p.leaf_hash);
      eq(name, 'root', await rootOf(p.tree_size), p.root);
      const proof = await v.inclusionProof(leaves.slice(0, p.tree_size), p.leaf_index);
      eq(name, 'proof', JSON.stringify(proof.map(H)), JSON.stringify(p.proof));
      const nodes = p.proof.map(x => need(x, 'proof node'));
      ok(name, 'verify_inclusion of the file\'s proof', await v.verifyInclusion(p.leaf_index, p.tree_size, need(p.leaf_hash, 'leaf_hash'), nodes, need(p.root, 'root')));
      // and it fails for a neighbouring index or a proof cut short
      if (p.tree_size > 1) {
        ok(name, 'the proof fails for another leaf index', !await v.verifyInclusion((p.leaf_index + 1) % p.tree_size, p.tree_size, need(p.leaf_hash, 'leaf_hash'), nodes, need(p.root, 'root')));
        ok(name, 'a proof one node short fails', !await v.verifyInclusion(p.leaf_index, p.tree_size, need(p.leaf_hash, 'leaf_hash'), nodes.slice(1), need(p.root, 'root')));
      }
    });
  }

  for (let i = 0; i < doc.consistency_proofs.length; i++) {
    const name = `consistency_proofs[${i}]`;
    const p = doc.consistency_proofs[i];
    await attempt(name, async () => {
      eq(name, 'from_root', await rootOf(p.from_size), p.from_root);
      eq(name, 'to_root', await rootOf(p.to_size), p.to_root);
      const proof = await v.consistencyProof(leaves.slice(0, p.to_size), p.from_size);
      eq(name, 'proof', JSON.stringify(proof.map(H)), JSON.stringify(p.proof));
      const nodes = p.proof.map(x => need(x, 'proof node'));
      ok(name, 'verify_consistency of the file\'s proof', await v.verifyConsistency(p.from_size, p.to_size, nodes, need(p.from_root, 'from_root'), need(p.to_root, 'to_root')));
      ok(name, 'the proof fails against the empty root', !await v.verifyConsistency(p.from_size, p.to_size, nodes, need(doc.empty_root, 'empty_root'), need(p.to_root, 'to_root')));
    });
  }

  for (let i = 0; i < doc.checkpoints.length; i++) {
    const name = `checkpoints[${i}]`;
    const c = doc.checkpoints[i];
    await attempt(name, async () => {
      const root = await rootOf(c.size);
      eq(name, 'root', root, c.root);
      eq(name, 'root_base64', v.b64encode(v.unhex(root)), c.root_base64);
      const body = `${c.origin}\n${c.size}\n${v.b64encode(v.unhex(root))}\ntime ${c.time}\n`;
      eq(name, 'body', body, c.body);
      eq(name, 'key_name', c.key_name, tk.name);
      const kh = pub ? v.keyHashHex(await v.keyHash(tk.name, pub)) : '(no test key)';
      eq(name, 'key_hash_hex', kh, c.key_hash_hex);
      if (!signKey) throw new Error('the test key could not be read');
      const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, signKey, new TextEncoder().encode(body)));
      eq(name, 'signature_hex (Ed25519 is deterministic)', H(sig), c.signature_hex);
      const note = `${body}\n\u2014 ${tk.name} ${v.b64encode(v.concat(v.u32be(parseInt(kh, 16)), sig))}\n`;
      eq(name, 'note', note, c.note);
      const keys = await v.parseKeys([tk.verifier_key]);
      const opened = await v.openNote(c.note, keys);
      eq(name, 'the note read back: origin', opened.origin, c.origin);
      eq(name, 'the note read back: size', opened.size.toString(), String(c.size));
      eq(name, 'the note read back: root', H(opened.root), c.root);
      eq(name, 'the note read back: time', opened.time.canonical, c.time);
      eq(name, 'the note read back: body', opened.body, c.body);
      eq(name, 'the note read back: key hash', opened.keyId, c.key_hash_hex);
    });
  }

  // Event 15 records checkpoints[0] as the sealer does.
  await attempt('events[14]', async () => {
    const ev = doc.events[14];
    eq('events[14]', 'type', ev.fields.type, 'checkpoint.sealed');
    const c = doc.checkpoints[0];
    const p = JSON.parse(ev.fields.payload);
    eq('events[14]', 'payload.size', p.size, c.size);
    eq('events[14]', 'payload.root', p.root, c.root_base64);
    eq('events[14]', 'payload.sealed_at', p.sealed_at, c.time);
    eq('events[14]', 'payload.key_name', p.key_name, c.key_name);
    eq('events[14]', 'payload.key_id', p.key_id, c.key_hash_hex);
    eq('events[14]', 'payload.note', p.note, c.note);
  });
  return { checks, failures };
}
