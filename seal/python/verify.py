#!/usr/bin/env python3
"""Independent verifier of the ledger's byte formats and evidence packs.

Written only from docs/hashing.md (the byte-level specification; section
names below refer to it), with docs/verifiable-history.md as the overview,
testdata/vectors.json and real evidence pack files. No code of the ledger
was read to write it. Where the first version had to choose something the
document did not say (its "DOC GAP" comments), the document now says it,
and the comment cites the section followed.

Usage:
    verify.py vectors FILE
        Recompute every value of the test vectors file from its inputs.
        Prints "vectors: N checks passed" (exit 0) or one "FAIL: ..." line
        per mismatch on stderr (exit 1).
    verify.py pack FILE --key KEYS [--since CHECKPOINT_FILE]
        Make the checks of "Evidence packs / Checks", in order. Prints
        "VERIFIED: ..." (exit 0) or "NOT VERIFIED: ..." (exit 1).
Usage errors (bad arguments, unreadable files, a refused key string) exit 2.

Python 3.11, the standard library, and `cryptography` for Ed25519.
"""

import base64
import binascii
import datetime
import hashlib
import json
import math
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError as err:  # pragma: no cover
    sys.stderr.write("verify.py needs the Python package 'cryptography' (Debian: python3-cryptography): %s\n" % err)
    sys.exit(2)


class Failure(Exception):
    """A check failed; the message says which and where."""


class UsageError(Exception):
    """Bad arguments, an unreadable file, a refused key string."""


# ---------------------------------------------------------------------------
# Conventions

def u32be(n):
    """u32be(n): 4 bytes, big-endian."""
    return n.to_bytes(4, "big")


def u64be(n):
    """u64be(n): 8 bytes, big-endian."""
    return n.to_bytes(8, "big")


def sha256(data):
    return hashlib.sha256(data).digest()


def b64encode(data):
    """Standard alphabet, padded (RFC 4648 section 4)."""
    return base64.b64encode(data).decode("ascii")


B64_TEXT = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def b64decode(text, what):
    """Standard alphabet with padding; the URL alphabet and unpadded text are refused.

    As "Conventions" (base64, reading) says: `\r` and `\n` anywhere in
    the text are skipped, and the unused low bits of the last character
    before the padding are ignored (a non-canonical encoding of the same
    bytes is accepted, as Go's decoder accepts it).
    """
    if not isinstance(text, str):
        raise Failure("%s is not a base64 string" % what)
    stripped = text.replace("\r", "").replace("\n", "")
    if not B64_TEXT.fullmatch(stripped):
        raise Failure("%s is not valid base64 (standard alphabet, padded): %r" % (what, text[:60]))
    try:
        return base64.b64decode(stripped.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise Failure("%s is not valid base64 (standard alphabet, padded): %r" % (what, text[:60])) from None


HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def hash_from_hex(text, what, lower_only=False):
    """A 32-byte hash as 64 hex digits (the Go reader also accepts upper case in events)."""
    if not isinstance(text, str) or not HEX64.fullmatch(text) or (lower_only and text != text.lower()):
        raise Failure("%s is not 64 hex digits: %r" % (what, text))
    return bytes.fromhex(text)


# ---------------------------------------------------------------------------
# Times ("The event hash", Times)

RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})"
)


def parse_rfc3339(text, what):
    """An RFC 3339 time as (UTC datetime with whole seconds, the fraction's digits).

    The fraction is kept as its own digits, never through a float or a
    microsecond type, so nanoseconds survive.

    The one form "The event hash" (Times, reading) accepts: upper-case `T`
    and `Z`, `.` and 1 to 9 fraction digits, a valid date, hour 00-23,
    minute and second 00-59 (no leap second), offset hours 00-23 and
    minutes 00-59. Anything else (`t`, `z`, `,`, 10 digits, `60`) is refused.
    """
    m = RFC3339.fullmatch(text) if isinstance(text, str) else None
    if not m:
        raise Failure("%s is not an RFC 3339 time: %r" % (what, text))
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or ""
    if len(frac) > 9:
        raise Failure("%s has more than nine fraction digits: %r" % (what, text))
    zone = m.group(8)
    try:
        local = datetime.datetime(year, month, day, hour, minute, second)
        if zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            oh, om = int(zone[1:3]), int(zone[4:6])
            if oh > 23 or om > 59:
                raise ValueError("offset out of range")
            local -= sign * datetime.timedelta(hours=oh, minutes=om)
    except (ValueError, OverflowError) as err:
        raise Failure("%s is not a valid time: %r (%s)" % (what, text, err)) from None
    return local, frac.ljust(9, "0")


def hashed_time(text, what):
    """Field 6/7: the instant in UTC as YYYY-MM-DDTHH:MM:SS[.fraction]Z, trailing zeros trimmed."""
    utc, nanos = parse_rfc3339(text, what)
    out = "%04d-%02d-%02dT%02d:%02d:%02d" % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)
    nanos = nanos.rstrip("0")
    if nanos:
        out += "." + nanos
    return out + "Z"


# ---------------------------------------------------------------------------
# The event hash

DOMAIN_TAG = b"cxzy-ledger/event/v1"


def field(data):
    """Fi = u32be(len(bytes)) || bytes."""
    return u32be(len(data)) + data


def event_hash_input(ev, payload):
    """F1 || ... || F15 of "The event hash". ev holds the fields by their JSON names:
    strings, `version` and `schema_version` as ints, times already as strings
    (RFC 3339; converted to the hashed form here), `prev_hash` as 32 bytes."""
    fields = [
        DOMAIN_TAG,
        ev["id"].encode("utf-8"),
        ev["type"].encode("utf-8"),
        ev["stream"].encode("utf-8"),
        str(ev["version"]).encode("ascii"),
        hashed_time(ev["occurred_at"], "occurred_at").encode("ascii"),
        hashed_time(ev["recorded_at"], "recorded_at").encode("ascii"),
        ev["actor"].encode("utf-8"),
        ev.get("unit", "").encode("utf-8"),
        ev["command_id"].encode("utf-8"),
        ev.get("correlation_id", "").encode("utf-8"),
        ev.get("causation_id", "").encode("utf-8"),
        str(ev["schema_version"]).encode("ascii"),
        ev["prev_hash"],
        payload,
    ]
    return b"".join(field(f) for f in fields)


def event_hash(ev, payload):
    return sha256(event_hash_input(ev, payload))


# ---------------------------------------------------------------------------
# Chains

GLOBAL_TAG = b"cxzy-ledger/global/v1"


def global_link_input(prev_link, position, ev_hash):
    """The 93 bytes hashed for g(p): tag || g(p-1) || u64be(p) || hash(p)."""
    return GLOBAL_TAG + prev_link + u64be(position) + ev_hash


def global_link(prev_link, position, ev_hash):
    return sha256(global_link_input(prev_link, position, ev_hash))


# ---------------------------------------------------------------------------
# The Merkle tree

def leaf_input(ev_hash, commit, prepare):
    """The 49 bytes hashed for a leaf: 0x00 || hash || u64be(commit) || u64be(prepare)."""
    return b"\x00" + ev_hash + u64be(commit) + u64be(prepare)


def leaf_hash(ev_hash, commit, prepare):
    return sha256(leaf_input(ev_hash, commit, prepare))


def node(left, right):
    """node(left, right) = SHA-256(0x01 || left || right)."""
    return sha256(b"\x01" + left + right)


def largest_power_of_two_below(n):
    """k with k < n <= 2k (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    """MTH(D[0:n]) of RFC 9162 section 2.1.1 over already computed leaf hashes."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = largest_power_of_two_below(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


# ---------------------------------------------------------------------------
# Proofs

def inclusion_path(index, leaves):
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1: siblings, bottom first."""
    n = len(leaves)
    if n <= 1:
        return []
    k = largest_power_of_two_below(n)
    if index < k:
        return inclusion_path(index, leaves[:k]) + [mth(leaves[k:])]
    return inclusion_path(index - k, leaves[k:]) + [mth(leaves[:k])]


def consistency_path(size1, leaves):
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 section 2.1.4.1."""
    def subproof(m, d, whole):
        n = len(d)
        if m == n:
            return [] if whole else [mth(d)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return subproof(m, d[:k], whole) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]
    if size1 == 0 or size1 == len(leaves):
        return []
    return subproof(size1, leaves, True)


def verify_inclusion(index, size, leaf, proof, root):
    """verify_inclusion of "Inclusion proof", as written out in the document."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False  # proof too long
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            if fn % 2 == 0:
                while fn != 0 and fn % 2 == 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def is_power_of_two(n):
    return n > 0 and n & (n - 1) == 0


def verify_consistency(size1, size2, proof, root1, root2):
    """verify_consistency of "Consistency proof", with the ledger's extra cases first."""
    if size2 < size1:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    if is_power_of_two(size1):
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False  # proof too long
        if fn % 2 == 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if fn % 2 == 0:
                while fn != 0 and fn % 2 == 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


# ---------------------------------------------------------------------------
# Checkpoints: keys

ED25519_ALG = b"\x01"


def key_hash(name, public_key):
    """u32be of the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key)."""
    return int.from_bytes(sha256(name.encode("utf-8") + b"\n" + ED25519_ALG + public_key)[:4], "big")


# The characters of Unicode's White_Space property ("Checkpoints", key names).
WHITE_SPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                        "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
WHITE_SPACE_TEXT = "".join(sorted(WHITE_SPACE))


def valid_key_name(name):
    """Non-empty, no `+`, no White_Space character: the one rule of
    "Checkpoints" (key names) for key strings and signature lines alike."""
    return bool(name) and "+" not in name and not any(c in WHITE_SPACE for c in name)


def verifier_key_string(name, public_key):
    return "%s+%08x+%s" % (name, key_hash(name, public_key), b64encode(ED25519_ALG + public_key))


def signer_key_string(name, public_key, seed):
    return "PRIVATE+KEY+%s+%08x+%s" % (name, key_hash(name, public_key), b64encode(ED25519_ALG + seed))


class VerifierKey:
    def __init__(self, name, khash, public_key):
        self.name, self.hash, self.public_key = name, khash, public_key

    def verify(self, signature, message):
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            return True
        except InvalidSignature:
            return False


def parse_verifier_key(text):
    """<name>+<8 hex>+<base64(0x01 || key)>, split at the first two `+` only.

    "Checkpoints" (key strings): the 8 hex digits of the key hash may be
    upper or lower case; the number is compared.
    """
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise UsageError("not a verifier key (name+keyhash+base64key): %r" % text)
    name, hexhash, b64 = parts
    if not valid_key_name(name):
        raise UsageError("verifier key %r: the name is empty or holds `+` or white space" % text)
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hexhash):
        raise UsageError("verifier key %r: the key hash is not 8 hex digits" % text)
    try:
        raw = b64decode(b64, "the key")
    except Failure as err:
        raise UsageError("verifier key %r: %s" % (text, err)) from None
    if len(raw) != 33 or raw[:1] != ED25519_ALG:
        raise UsageError("verifier key %r: the key is not 0x01 and 32 bytes (Ed25519)" % text)
    if key_hash(name, raw[1:]) != int(hexhash, 16):
        raise UsageError("verifier key %r: the key hash does not match the name and key" % text)
    return VerifierKey(name, int(hexhash, 16), raw[1:])


def load_keys(arg):
    """--key: comma-separated; each a key string or the path of a file holding one.

    As "Checks" (--key) says: each item is trimmed of White_Space; an empty
    item is skipped; an item of the shape name+8hex+base64 is a key string,
    never a path; any other item is the path of a file whose trimmed content
    is one key string. A key given twice counts once; two different keys
    with the same name and key hash are refused.
    """
    keys, given = [], {}
    for item in arg.split(","):
        item = item.strip(WHITE_SPACE_TEXT)
        if not item:
            continue
        if not re.fullmatch(r"[^+]+\+[0-9a-fA-F]{8}\+[A-Za-z0-9+/=]+", item):
            try:
                with open(item, encoding="utf-8") as f:
                    item = f.read().strip(WHITE_SPACE_TEXT)
            except (OSError, UnicodeDecodeError) as err:
                raise UsageError("--key %r is neither a verifier key nor a readable file: %s" % (item, err)) from None
        key = parse_verifier_key(item)
        prev = given.get((key.name, key.hash))
        if prev is not None:
            if prev.public_key != key.public_key:
                raise UsageError("--key: two different keys have the name %s and key hash %08x" % (key.name, key.hash))
            continue
        given[(key.name, key.hash)] = key
        keys.append(key)
    if not keys:
        raise UsageError("--key: no verifier key given")
    return keys


# ---------------------------------------------------------------------------
# Checkpoints: the note

EM_DASH_PREFIX = "\u2014 "


def checkpoint_body(origin, size, root, time_text):
    """The signed body: origin, size, base64 root and time lines, each ending in \\n."""
    return "%s\n%d\n%s\ntime %s\n" % (origin, size, b64encode(root), time_text)


def signature_line(name, khash, signature):
    return "%s%s %s\n" % (EM_DASH_PREFIX, name, b64encode(u32be(khash) + signature))


class OpenedCheckpoint:
    def __init__(self, origin, size, root, time_text, key):
        self.origin, self.size, self.root, self.time, self.key = origin, size, root, time_text, key


def open_note(note, keys):
    """"Verifying a checkpoint", steps 1 to 5. Returns the note's origin, size,
    root, time and the first trusted key whose signature verified."""
    if not isinstance(note, str):
        raise Failure("the note is not a string")
    # 1. valid UTF-8, no control character other than \n.
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        raise Failure("the note is not valid UTF-8") from None
    # "Verifying a checkpoint" step 1: a control character is U+0000 to
    # U+001F; U+007F and U+0080-U+009F are allowed, as in Go's note package.
    for ch in note:
        if ch != "\n" and ord(ch) < 0x20:
            raise Failure("the note holds the control character U+%04X" % ord(ch))
    # 2. split at the last \n\n.
    cut = note.rfind("\n\n")
    if cut < 0:
        raise Failure("the note has no signature block (no empty line)")
    body, block = note[: cut + 1], note[cut + 2:]
    if not block or not block.endswith("\n"):
        raise Failure("the note's signature block is empty or does not end with a newline")
    # 3. parse every signature line.
    lines = []
    if block.count("\n") > 100:
        raise Failure("malformed note: more than 100 signature lines")
    for line in block[:-1].split("\n"):
        if not line.startswith(EM_DASH_PREFIX):
            raise Failure("malformed note: a signature line does not start with an em dash and a space")
        name, sep, b64 = line[len(EM_DASH_PREFIX):].partition(" ")
        if not sep or not valid_key_name(name):
            raise Failure("malformed note: a signature line's key name is invalid: %r" % line[:80])
        raw = b64decode(b64, "a signature line's base64")
        if len(raw) < 5:
            raise Failure("malformed note: a signature line's base64 is shorter than 5 bytes")
        lines.append((name, int.from_bytes(raw[:4], "big"), raw[4:]))
    # 4. the trusted keys' signatures.
    trusted = {(k.name, k.hash): k for k in keys}
    seen, first = set(), None
    body_bytes = body.encode("utf-8")
    for name, khash, sig in lines:
        key = trusted.get((name, khash))
        if key is None or (name, khash) in seen:
            continue
        seen.add((name, khash))
        if not key.verify(sig, body_bytes):
            raise Failure("the checkpoint's signature by key %s (%08x) does not verify" % (name, khash))
        if first is None:
            first = key
    if first is None:
        names = ", ".join("%s (%08x)" % (n, h) for n, h, _ in lines)
        raise Failure("the checkpoint is not signed by a trusted key (signed by: %s)" % names)
    # 5. the body: origin, size, root, time and nothing else.
    # Step 5: the size line is one or more ASCII digits (leading zeros
    # accepted, no sign), below 2^64.
    blines = body[:-1].split("\n")
    if len(blines) != 4:
        raise Failure("the checkpoint body has %d lines, want origin, size, root and time" % len(blines))
    origin, size_text, root_text, time_line = blines
    if not origin:
        raise Failure("the checkpoint's origin is empty")
    if not re.fullmatch(r"[0-9]+", size_text) or int(size_text) >= 1 << 64:
        raise Failure("the checkpoint's size line is not a 64-bit decimal: %r" % size_text)
    root = b64decode(root_text, "the checkpoint's root line")
    if len(root) != 32:
        raise Failure("the checkpoint's root is %d bytes, want 32" % len(root))
    if not time_line.startswith("time "):
        raise Failure("the checkpoint's fourth line is not a time line: %r" % time_line)
    time_text = time_line[len("time "):]
    parse_rfc3339(time_text, "the checkpoint's time")
    return OpenedCheckpoint(origin, int(size_text), root, time_text, first)


# ---------------------------------------------------------------------------
# JSON with raw text, literal numbers and key order

class J:
    """A parsed JSON value: kind is object, array, string, number, true, false
    or null; val is a list of (key, J) for objects, a list of J for arrays,
    the str for strings, the literal text for numbers; text[start:end] is the
    value's own text in the document."""
    __slots__ = ("kind", "val", "start", "end")

    def __init__(self, kind, val, start, end):
        self.kind, self.val, self.start, self.end = kind, val, start, end


NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
WS = " \t\n\r"
ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


MAX_DEPTH = 512


class JSONError(Exception):
    pass


class JSONReader:
    """A strict RFC 8259 reader that keeps what Python's json module loses:
    the raw text of every value (format /1 hashes it), number literals
    (compared as the document says) and key order (the /1 re-encoding)."""

    def __init__(self, text):
        self.s, self.i, self.depth = text, 0, 0

    def document(self):
        self.ws()
        v = self.value()
        self.ws()
        if self.i != len(self.s):
            raise JSONError("text after the JSON value at offset %d" % self.i)
        return v

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in WS:
            self.i += 1

    def value(self):
        s, i = self.s, self.i
        if i >= len(s):
            raise JSONError("unexpected end of JSON")
        c = s[i]
        if c in "{[":
            # "Reading JSON": nested at most 512 deep.
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise JSONError("nested more than %d deep at offset %d" % (MAX_DEPTH, i))
            v = self.obj() if c == "{" else self.arr()
            self.depth -= 1
            return v
        if c == '"':
            return J("string", self.string(), i, self.i)
        for word in ("true", "false", "null"):
            if s.startswith(word, i):
                self.i += len(word)
                return J(word, None, i, self.i)
        m = NUMBER.match(s, i)
        if not m:
            raise JSONError("invalid JSON at offset %d" % i)
        self.i = m.end()
        return J("number", m.group(), i, self.i)

    def obj(self):
        start = self.i
        self.i += 1
        pairs, keys = [], set()
        self.ws()
        if self.s.startswith("}", self.i):
            self.i += 1
            return J("object", pairs, start, self.i)
        while True:
            self.ws()
            if not self.s.startswith('"', self.i):
                raise JSONError("expected a key at offset %d" % self.i)
            key = self.string()
            # "Reading JSON": two members of one name are refused, at any depth.
            if key in keys:
                raise JSONError("duplicate key %r at offset %d" % (key, self.i))
            keys.add(key)
            self.ws()
            if not self.s.startswith(":", self.i):
                raise JSONError("expected ':' at offset %d" % self.i)
            self.i += 1
            self.ws()
            pairs.append((key, self.value()))
            self.ws()
            if self.s.startswith(",", self.i):
                self.i += 1
                continue
            if self.s.startswith("}", self.i):
                self.i += 1
                return J("object", pairs, start, self.i)
            raise JSONError("expected ',' or '}' at offset %d" % self.i)

    def arr(self):
        start = self.i
        self.i += 1
        items = []
        self.ws()
        if self.s.startswith("]", self.i):
            self.i += 1
            return J("array", items, start, self.i)
        while True:
            self.ws()
            items.append(self.value())
            self.ws()
            if self.s.startswith(",", self.i):
                self.i += 1
                continue
            if self.s.startswith("]", self.i):
                self.i += 1
                return J("array", items, start, self.i)
            raise JSONError("expected ',' or ']' at offset %d" % self.i)

    def string(self):
        s = self.s
        self.i += 1
        out = []
        while True:
            if self.i >= len(s):
                raise JSONError("unterminated string")
            c = s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                e = s[self.i + 1: self.i + 2]
                if e in ESCAPES:
                    out.append(ESCAPES[e])
                    self.i += 2
                elif e == "u":
                    out.append(self.unicode_escape())
                else:
                    raise JSONError("invalid escape at offset %d" % self.i)
            elif ord(c) < 0x20:
                raise JSONError("control character in a string at offset %d" % self.i)
            else:
                out.append(c)
                self.i += 1

    def unicode_escape(self):
        def hex4(at):
            h = self.s[at + 2: at + 6]
            if not re.fullmatch(r"[0-9a-fA-F]{4}", h):
                raise JSONError("invalid \\u escape at offset %d" % at)
            return int(h, 16)
        cp = hex4(self.i)
        self.i += 6
        if 0xD800 <= cp < 0xDC00 and self.s.startswith("\\u", self.i):
            lo = hex4(self.i)
            if 0xDC00 <= lo < 0xE000:
                self.i += 6
                return chr(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00))
        # "Reading JSON": a lone surrogate escape is refused.
        if 0xD800 <= cp < 0xE000:
            raise JSONError("lone surrogate escape \\u%04x at offset %d" % (cp, self.i - 6))
        return chr(cp)


def parse_json(data, what):
    """Parse UTF-8 bytes as exactly one JSON value."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Failure("%s is not valid UTF-8: %s" % (what, err)) from None
    try:
        return JSONReader(text).document(), text
    except (JSONError, RecursionError) as err:
        raise Failure("%s is not valid JSON: %s" % (what, err)) from None


def same_number(a, b):
    """Two number literals: the same text, or both finite doubles that are equal."""
    if a == b:
        return True
    x, y = float(a), float(b)
    return math.isfinite(x) and math.isfinite(y) and x == y


def say_the_same(a, b):
    """"Say the same" of check 6.1: equal as JSON values."""
    if a.kind != b.kind:
        return False
    if a.kind == "object":
        da, db = dict(a.val), dict(b.val)
        return da.keys() == db.keys() and all(say_the_same(da[k], db[k]) for k in da)
    if a.kind == "array":
        return len(a.val) == len(b.val) and all(say_the_same(x, y) for x, y in zip(a.val, b.val))
    if a.kind == "string":
        return a.val == b.val
    if a.kind == "number":
        return same_number(a.val, b.val)
    return True  # true, false, null


def go_string(s):
    """A string escaped as Go's json.Marshal does (format /1 "re-encoded" diagnosis)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif o < 0x20 or ch in "<>&" or o in (0x2028, 0x2029):
            out.append("\\u%04x" % o)
        elif 0xD800 <= o < 0xE000:
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_compact(v):
    """The value written again the way the ledger writes JSON: compact, keys in
    the order given, numbers as written, Go's string escaping."""
    if v.kind == "object":
        return "{" + ",".join(go_string(k) + ":" + go_compact(x) for k, x in v.val) + "}"
    if v.kind == "array":
        return "[" + ",".join(go_compact(x) for x in v.val) + "]"
    if v.kind == "string":
        return go_string(v.val)
    if v.kind == "number":
        return v.val
    return v.kind


# Accessors for the pack's fields.

def member(obj, key, kind, what, required=True):
    """The member `key` of a JSON object, of the given kind (None: any kind)."""
    if obj is None or obj.kind != "object":
        raise Failure("%s is not a JSON object" % what)
    for k, v in obj.val:
        if k == key:
            if kind is not None and v.kind != kind:
                raise Failure("%s.%s is not a JSON %s" % (what, key, kind))
            return v
    if required:
        raise Failure("%s has no %s" % (what, key))
    return None


def get_str(obj, key, what, required=True):
    v = member(obj, key, "string", what, required)
    return None if v is None else v.val


def get_uint(obj, key, what, bits=64, required=True):
    """An unsigned integer, read from its literal (never through floating point).

    "Reading JSON": an integer field's literal has no fraction and no
    exponent (`1.0`, `1e0` are refused).
    """
    v = member(obj, key, "number", what, required)
    if v is None:
        return None
    if not re.fullmatch(r"0|[1-9][0-9]*", v.val) or int(v.val) >= 1 << bits:
        raise Failure("%s.%s is not an unsigned %d-bit integer: %s" % (what, key, bits, v.val))
    return int(v.val)


def get_int(obj, key, what):
    """A signed 64-bit integer, no fraction, no exponent."""
    v = member(obj, key, "number", what)
    if not re.fullmatch(r"-?(?:0|[1-9][0-9]*)", v.val) or not -(1 << 63) <= int(v.val) < 1 << 63:
        raise Failure("%s.%s is not an integer: %s" % (what, key, v.val))
    return int(v.val)


def get_nodes(obj, key, what, any_length=False):
    """A proof: an array of base64 32-byte nodes; null or missing is empty."""
    v = member(obj, key, None, what, required=False)
    if v is None or v.kind == "null":
        return []
    if v.kind != "array":
        raise Failure("%s.%s is not an array" % (what, key))
    nodes = []
    for j, n in enumerate(v.val):
        if n.kind != "string":
            raise Failure("%s.%s[%d] is not a string" % (what, key, j))
        raw = b64decode(n.val, "%s.%s[%d]" % (what, key, j))
        if len(raw) != 32 and not any_length:
            raise Failure("%s.%s[%d] is %d bytes, want 32" % (what, key, j, len(raw)))
        nodes.append(raw)
    return nodes


# ---------------------------------------------------------------------------
# Evidence packs: the checks

FORMAT_1 = "cxzy-ledger-evidence/1"
FORMAT_2 = "cxzy-ledger-evidence/2"
REENCODED = "the file was re-encoded (JSON re-formatted), not necessarily tampered; ask for a /2 pack"


# "Reading JSON": the members of each object the format defines, which may
# be missing, which may be null. A member whose name differs from one of
# these only in case is refused; other members are ignored.
SHAPES = {
    "pack": (("format", "subject", "stream", "checkpoint", "events", "consistency"), {"stream", "consistency"}, set()),
    "checkpoint": (("origin", "size", "root", "time", "key_name", "key_id", "note"), set(), set()),
    "consistency": (("from_size", "from_root", "to_size", "proof"), {"proof"}, {"proof"}),
    "pack event": (("event", "payload_base64", "leaf_index", "inclusion_proof"),
                   {"payload_base64", "inclusion_proof"}, {"inclusion_proof"}),
    "event": (("id", "type", "stream", "version", "position", "occurred_at", "recorded_at", "actor", "unit",
               "command_id", "correlation_id", "causation_id", "schema_version", "payload", "prev_hash", "hash"),
              {"unit", "correlation_id", "causation_id"}, {"payload"}),
    "position": (("commit", "prepare"), set(), set()),
}

# Case folding as "Reading JSON" defines it for these names (all ASCII):
# A-Z to a-z, and the two non-ASCII letters whose simple case folding is an
# ASCII letter.
FOLD = str.maketrans({**{chr(c): chr(c + 32) for c in range(0x41, 0x5B)}, "\u017f": "s", "\u212a": "k"})


def check_shape(obj, shape, what):
    names, optional, nullable = SHAPES[shape]
    if obj is None or obj.kind != "object":
        raise Failure("%s is not a JSON object" % what)
    for k, _ in obj.val:
        for n in names:
            if k != n and k.translate(FOLD) == n:
                raise Failure("%s has a member %r: member names are case-sensitive, want %r" % (what, k, n))
    present = dict(obj.val)
    for n in names:
        if n not in present and n not in optional:
            raise Failure("%s has no %s" % (what, n))
        if n in present and present[n].kind == "null" and n not in nullable:
            raise Failure("%s.%s is null" % (what, n))


def check_checkpoint_shape(cp, what):
    check_shape(cp, "checkpoint", what)
    for k in ("origin", "root", "key_name", "key_id", "note"):
        get_str(cp, k, what)
    get_uint(cp, "size", what)
    b64decode(get_str(cp, "root", what), what + ".root")
    parse_rfc3339(get_str(cp, "time", what), what + ".time")


def check_pack_shape(doc):
    """"Reading JSON": every object of the pack has its members, none null
    where a value is wanted, of their types, before any check is made."""
    check_shape(doc, "pack", "the pack")
    for k in ("format", "subject"):
        get_str(doc, k, "the pack")
    get_str(doc, "stream", "the pack", required=False)
    check_checkpoint_shape(member(doc, "checkpoint", "object", "the pack"), "checkpoint")
    cons = member(doc, "consistency", None, "the pack", required=False)
    if cons is not None:
        check_shape(cons, "consistency", "consistency")
        get_uint(cons, "from_size", "consistency")
        get_uint(cons, "to_size", "consistency")
        b64decode(get_str(cons, "from_root", "consistency"), "consistency.from_root")
        get_nodes(cons, "proof", "consistency", any_length=True)
    events = member(doc, "events", "array", "the pack")
    for i, pe in enumerate(events.val):
        where = "events[%d]" % i
        check_shape(pe, "pack event", where)
        e = member(pe, "event", None, where)
        check_shape(e, "event", where + ".event")
        check_shape(member(e, "position", None, where + ".event"), "position", where + ".event.position")
        for k in ("occurred_at", "recorded_at"):
            parse_rfc3339(get_str(e, k, where + ".event"), where + ".event." + k)
        b64 = get_str(pe, "payload_base64", where, required=False)
        if b64 is not None:
            b64decode(b64, where + ".payload_base64")
        get_uint(pe, "leaf_index", where)
        get_nodes(pe, "inclusion_proof", where, any_length=True)


def check_checkpoint_fields(cp, opened, what="checkpoint"):
    """Check 3: the fields beside the note say what the note says."""
    if get_str(cp, "origin", what) != opened.origin:
        raise Failure("%s.origin differs from the note's origin %r" % (what, opened.origin))
    if get_uint(cp, "size", what) != opened.size:
        raise Failure("%s.size differs from the note's size %d" % (what, opened.size))
    if b64decode(get_str(cp, "root", what), what + ".root") != opened.root:
        raise Failure("%s.root differs from the note's root %s" % (what, b64encode(opened.root)))
    if parse_rfc3339(get_str(cp, "time", what), what + ".time") != parse_rfc3339(opened.time, "note time"):
        raise Failure("%s.time is not the note's time %s" % (what, opened.time))
    if get_str(cp, "key_name", what) != opened.key.name:
        raise Failure("%s.key_name differs from the signing key's name %s" % (what, opened.key.name))
    if get_str(cp, "key_id", what) != "%08x" % opened.key.hash:
        raise Failure("%s.key_id differs from the signing key's hash %08x" % (what, opened.key.hash))


def read_event(e, what):
    """The hashed fields of a pack event (`event` object) as event_hash wants them."""
    ev = {}
    for k in ("id", "type", "stream", "actor", "command_id", "occurred_at", "recorded_at"):
        ev[k] = get_str(e, k, what)
    for k in ("unit", "correlation_id", "causation_id"):
        ev[k] = get_str(e, k, what, required=False) or ""
    ev["version"] = get_uint(e, "version", what)
    ev["schema_version"] = get_int(e, "schema_version", what)
    ev["prev_hash"] = hash_from_hex(get_str(e, "prev_hash", what), what + ".prev_hash")
    ev["hash"] = hash_from_hex(get_str(e, "hash", what), what + ".hash")
    pos = member(e, "position", "object", what)
    ev["commit"] = get_uint(pos, "commit", what + ".position")
    ev["prepare"] = get_uint(pos, "prepare", what + ".position")
    return ev


def verify_pack(data, keys, since_data=None):
    """The checks of "Evidence packs / Checks", in order. Returns the report lines."""
    doc, text = parse_json(data, "the pack")
    check_pack_shape(doc)
    # 1. Format.
    fmt = get_str(doc, "format", "the pack")
    if fmt not in (FORMAT_1, FORMAT_2):
        raise Failure("unknown pack format %r" % fmt)
    # 2. Signature.
    cp = member(doc, "checkpoint", "object", "the pack")
    opened = open_note(get_str(cp, "note", "checkpoint"), keys)
    # 3. Fields beside the note.
    check_checkpoint_fields(cp, opened)
    report = []
    # 4. With --since only: consistency with the held checkpoint.
    if since_data is not None:
        # Check 4: the held checkpoint file is read as strictly as the pack,
        # its note verified, its fields beside the note checked as in check
        # 3, and its origin must be the pack checkpoint's.
        try:
            held_doc, _ = parse_json(since_data, "the file")
            check_checkpoint_shape(held_doc, "the held checkpoint")
            held = open_note(get_str(held_doc, "note", "the held checkpoint"), keys)
            check_checkpoint_fields(held_doc, held, "the held checkpoint")
        except Failure as err:
            raise Failure("the held (--since) checkpoint: %s" % err) from None
        if held.origin != opened.origin:
            raise Failure("the held (--since) checkpoint is of ledger %r, the pack's of %r" % (held.origin, opened.origin))
        cons = member(doc, "consistency", "object", "the pack", required=False)
        if cons is None:
            raise Failure("the pack has no consistency proof from the held checkpoint of %d events" % held.size)
        if get_uint(cons, "from_size", "consistency") != held.size:
            raise Failure("consistency.from_size is not the held checkpoint's size %d" % held.size)
        if b64decode(get_str(cons, "from_root", "consistency"), "consistency.from_root") != held.root:
            raise Failure("consistency.from_root is not the held checkpoint's root")
        if get_uint(cons, "to_size", "consistency") != opened.size:
            raise Failure("consistency.to_size is not the pack checkpoint's size %d" % opened.size)
        proof = get_nodes(cons, "proof", "consistency")
        if not verify_consistency(held.size, opened.size, proof, held.root, opened.root):
            raise Failure(
                "the consistency proof from the held checkpoint of %d events to the pack's of %d does not verify: "
                "history up to the held checkpoint was rewritten (changed, dropped or reordered) or the proof was altered"
                % (held.size, opened.size))
        report.append("The checkpoint extends the held checkpoint of %d events (root %s): nothing recorded up to it "
                      "was changed, dropped or reordered." % (held.size, b64encode(held.root)))
    # 5. Not empty.
    events = member(doc, "events", "array", "the pack")
    if not events.val:
        raise Failure("the pack holds no events")
    whole = get_str(doc, "stream", "the pack", required=False) or ""
    heads, prev = {}, None
    for i, pe in enumerate(events.val, 1):
        where = "event %d" % i
        e = member(pe, "event", "object", where)
        ev = read_event(e, where)
        where = "event %d (stream %s version %d)" % (i, ev["stream"], ev["version"])
        payload_json = member(e, "payload", None, where, required=(fmt == FORMAT_2))
        # 6.1 Payload bytes.
        if fmt == FORMAT_2:
            b64 = get_str(pe, "payload_base64", where, required=False)
            if b64 is None:
                raise Failure("%s: payload_base64 is missing (format /2)" % where)
            payload = b64decode(b64, where + ": payload_base64")
            decoded, _ = parse_json(payload, where + ": the payload_base64 bytes")
            if not say_the_same(decoded, payload_json):
                raise Failure("%s: the readable payload does not say the same as payload_base64 (altered)" % where)
        else:
            if payload_json is None:
                raise Failure("%s: has no payload" % where)
            payload = text[payload_json.start:payload_json.end].encode("utf-8")
        # 6.2 Event hash.
        if event_hash(ev, payload) != ev["hash"]:
            if fmt == FORMAT_1 and event_hash(ev, go_compact(payload_json).encode("utf-8")) == ev["hash"]:
                raise Failure("%s: the event's hash does not match its content: %s" % (where, REENCODED))
            raise Failure("%s: altered: its fields and payload do not hash to its recorded hash" % where)
        # 6.3 Leaf index.
        index = get_uint(pe, "leaf_index", where)
        if index >= opened.size:
            raise Failure("%s: leaf_index %d is not below the checkpoint size %d" % (where, index, opened.size))
        # 6.4 Inclusion.
        proof = get_nodes(pe, "inclusion_proof", where)
        leaf = leaf_hash(ev["hash"], ev["commit"], ev["prepare"])
        if not verify_inclusion(index, opened.size, leaf, proof, opened.root):
            raise Failure("%s: the inclusion proof of leaf %d at position %d/%d does not verify against the checkpoint root"
                          % (where, index, ev["commit"], ev["prepare"]))
        # 6.5 Global order.
        if prev is not None:
            if index <= prev["index"]:
                raise Failure("%s: leaf_index %d is not after the previous event's %d (global order)"
                              % (where, index, prev["index"]))
            if (ev["commit"], ev["prepare"]) <= (prev["commit"], prev["prepare"]):
                raise Failure("%s: position %d/%d is not after the previous event's %d/%d (global order)"
                              % (where, ev["commit"], ev["prepare"], prev["commit"], prev["prepare"]))
        # 6.6 Stream chain.
        h = heads.get(ev["stream"])
        if h is not None:
            if ev["version"] == h["version"] + 1 and ev["prev_hash"] != h["hash"]:
                raise Failure("%s: prev_hash is not the hash of version %d (the chain is broken)" % (where, h["version"]))
            if whole and ev["version"] != h["version"] + 1:
                raise Failure("%s: follows version %d: events of the stream are missing or out of order"
                              % (where, h["version"]))
        elif whole and ev["version"] != 1:
            raise Failure("%s: the first event of the stream in a whole-stream pack is not version 1 (events missing)"
                          % where)
        # 6.7 Stream membership.
        if whole and ev["stream"] != whole:
            raise Failure("%s: not of the pack's stream %s" % (where, whole))
        # 6.8
        ev["index"] = index
        heads[ev["stream"]] = ev
        prev = ev
    n = len(events.val)
    lines = [
        "checkpoint of %s: %d events, root %s, time %s, signed by key %s (%08x)"
        % (opened.origin, opened.size, b64encode(opened.root), opened.time, opened.key.name, opened.key.hash),
        "%d event%s (format %s), each unaltered and recorded in that checkpoint at its position, in global order"
        % (n, "" if n == 1 else "s", fmt[-2:]),
    ]
    if whole:
        lines.append("stream %s: every version from 1 to %d, with none missing, each chained to the one before"
                     % (whole, heads[whole]["version"]))
        lines.append("Not proved: that the stream had no events after the checkpoint.")
    else:
        lines.append("events of %d stream(s); consecutive versions of a stream are chained" % len(heads))
        lines.append("Not proved: that the pack holds every event of its subject, or events after the checkpoint.")
    return lines + report


# ---------------------------------------------------------------------------
# Test vectors

class Checker:
    """Counts checks and collects failures."""

    def __init__(self):
        self.passed, self.failures = 0, []

    def eq(self, got, want, what):
        if got == want:
            self.passed += 1
        else:
            self.failures.append("%s: computed %s, file has %s" % (what, show(got), show(want)))

    def true(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)

    def guard(self, what, fn):
        """Run fn; a Failure or malformed input counts as a failed check."""
        try:
            fn()
        except (Failure, UsageError, KeyError, TypeError, ValueError, IndexError) as err:
            self.failures.append("%s: %s" % (what, err))


def show(v):
    if isinstance(v, bytes):
        return v.hex()
    return repr(v)


def hx(text):
    """Hex from the vectors (lowercase only)."""
    if not isinstance(text, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", text):
        raise Failure("not lowercase hex: %r" % (text,))
    return bytes.fromhex(text)


def check_vectors(v):
    c = Checker()
    c.eq(v.get("spec"), "docs/hashing.md", "spec")
    key = check_test_key(c, v["test_key"])
    seed = hx(v["test_key"]["seed_hex"])
    leaves = check_events(c, v["events"])
    check_extra_leaves(c, v["extra_leaves"])
    c.guard("empty_root", lambda: (c.eq(mth([]), hx(v["empty_root"]), "empty_root"),
                                   c.eq(sha256(b""), hx(v["empty_root"]), "empty_root (SHA-256 of nothing)")))
    for j, r in enumerate(v["roots"]):
        c.guard("roots[%d]" % j, lambda r=r, j=j: check_root(c, r, j, leaves))
    for j, p in enumerate(v["inclusion_proofs"]):
        c.guard("inclusion_proofs[%d]" % j, lambda p=p, j=j: check_inclusion_vector(c, p, j, leaves))
    for j, p in enumerate(v["consistency_proofs"]):
        c.guard("consistency_proofs[%d]" % j, lambda p=p, j=j: check_consistency_vector(c, p, j, leaves))
    for j, cp in enumerate(v["checkpoints"]):
        c.guard("checkpoints[%d]" % j, lambda cp=cp, j=j: check_checkpoint_vector(c, cp, j, leaves, key, seed))
    # Event 15 records checkpoints[0], as the sealer records it.
    c.guard("events[14] (checkpoint.sealed)", lambda: check_sealed_event(c, v["events"][14], v["checkpoints"][0]))
    return c


def check_test_key(c, k):
    what = "test_key"
    seed = hx(k["seed_hex"])
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    c.eq(public, hx(k["public_key_hex"]), what + ".public_key_hex (from seed_hex)")
    c.eq("%08x" % key_hash(k["name"], public), k["key_hash_hex"], what + ".key_hash_hex")
    c.eq(verifier_key_string(k["name"], public), k["verifier_key"], what + ".verifier_key")
    c.eq(signer_key_string(k["name"], public, seed), k["signer_key"], what + ".signer_key")
    parsed = None

    def parse():
        nonlocal parsed
        parsed = parse_verifier_key(k["verifier_key"])
        c.eq(parsed.public_key, public, what + ".verifier_key: its key")
        c.eq(parsed.name, k["name"], what + ".verifier_key: its name")
    c.guard(what + ".verifier_key", parse)
    return parsed or VerifierKey(k["name"], key_hash(k["name"], public), public)


def check_events(c, events):
    """Event hashes and their inputs, stream chains, global chain, leaves."""
    leaves, heads, link = [], {}, bytes(32)
    for i, e in enumerate(events):
        what = "events[%d]" % i

        def one(e=e, what=what):
            nonlocal link
            f = dict(e["fields"])
            payload = f.pop("payload").encode("utf-8")
            c.eq(payload, hx(e["payload_hex"]), what + ".payload_hex (fields.payload's bytes)")
            for t in ("occurred_at", "recorded_at"):
                c.eq(hashed_time(f[t], what + "." + t), f[t], what + ".fields.%s is in the hashed form" % t)
            f["prev_hash"] = hx(f["prev_hash"])
            c.eq(event_hash_input(f, hx(e["payload_hex"])), hx(e["hash_input_hex"]), what + ".hash_input_hex")
            c.eq(sha256(hx(e["hash_input_hex"])), hx(e["hash"]), what + ".hash (SHA-256 of hash_input_hex)")
            h = event_hash(f, payload)
            c.eq(h, hx(e["hash"]), what + ".hash (from fields)")
            # Per-stream chain.
            prev = heads.get(f["stream"])
            c.eq(f["version"], 1 if prev is None else prev[0] + 1, what + ".fields.version (stream %s)" % f["stream"])
            c.eq(f["prev_hash"], bytes(32) if prev is None else prev[1], what + ".fields.prev_hash (stream chain)")
            heads[f["stream"]] = (f["version"], hx(e["hash"]))
            # Global chain.
            commit, prepare = e["position"]["commit"], e["position"]["prepare"]
            c.eq(commit, i + 1, what + ".position.commit")
            c.eq(prepare, commit, what + ".position.prepare")
            g = e["global"]
            c.eq(hx(g["prev"]), link, what + ".global.prev")
            c.eq(global_link_input(link, commit, h), hx(g["input_hex"]), what + ".global.input_hex")
            link = global_link(link, commit, h)
            c.eq(link, hx(g["link"]), what + ".global.link")
            link = hx(g["link"])
            # Leaf.
            lf = e["leaf"]
            c.eq(lf["index"], commit - 1, what + ".leaf.index")
            c.eq(leaf_input(h, commit, prepare), hx(lf["input_hex"]), what + ".leaf.input_hex")
            c.eq(leaf_hash(h, commit, prepare), hx(lf["hash"]), what + ".leaf.hash")
            c.eq(sha256(hx(lf["input_hex"])), hx(lf["hash"]), what + ".leaf.hash (SHA-256 of input_hex)")
            leaves.append(leaf_hash(h, commit, prepare))
        c.guard(what, one)
    return leaves


def check_extra_leaves(c, extra):
    for j, x in enumerate(extra):
        what = "extra_leaves[%d]" % j

        def one(x=x, what=what):
            h, p = hx(x["event_hash"]), x["position"]
            c.true(p["commit"] != p["prepare"], what + ": commit equals prepare")
            c.eq(leaf_input(h, p["commit"], p["prepare"]), hx(x["input_hex"]), what + ".input_hex")
            c.eq(leaf_hash(h, p["commit"], p["prepare"]), hx(x["hash"]), what + ".hash")
            c.eq(sha256(hx(x["input_hex"])), hx(x["hash"]), what + ".hash (SHA-256 of input_hex)")
        c.guard(what, one)


def check_root(c, r, j, leaves):
    c.eq(mth(leaves[: r["size"]]), hx(r["root"]), "roots[%d] (size %d)" % (j, r["size"]))


def check_inclusion_vector(c, p, j, leaves):
    what = "inclusion_proofs[%d] (leaf %d of %d)" % (j, p["leaf_index"], p["tree_size"])
    index, size = p["leaf_index"], p["tree_size"]
    tree = leaves[:size]
    proof = [hx(n) for n in p["proof"]]
    c.eq(leaves[index], hx(p["leaf_hash"]), what + ".leaf_hash")
    c.eq(mth(tree), hx(p["root"]), what + ".root")
    c.true(verify_inclusion(index, size, hx(p["leaf_hash"]), proof, hx(p["root"])), what + ": the proof does not verify")
    c.eq([n.hex() for n in inclusion_path(index, tree)], p["proof"], what + ".proof (recomputed)")
    # The verifier refuses what it must refuse.
    c.true(not verify_inclusion(index, size, sha256(leaves[index]), proof, mth(tree)), what + ": verified another leaf")
    if index ^ 1 < size:
        c.true(not verify_inclusion(index ^ 1, size, leaves[index], proof, mth(tree)), what + ": verified at another index")
    if proof:
        c.true(not verify_inclusion(index, size, leaves[index], proof[:-1], mth(tree)), what + ": verified shortened")
        c.true(not verify_inclusion(index, size, leaves[index], proof + [bytes(32)], mth(tree)), what + ": verified lengthened")


def check_consistency_vector(c, p, j, leaves):
    s1, s2 = p["from_size"], p["to_size"]
    what = "consistency_proofs[%d] (%d to %d)" % (j, s1, s2)
    proof = [hx(n) for n in p["proof"]]
    c.eq(mth(leaves[:s1]), hx(p["from_root"]), what + ".from_root")
    c.eq(mth(leaves[:s2]), hx(p["to_root"]), what + ".to_root")
    c.true(verify_consistency(s1, s2, proof, hx(p["from_root"]), hx(p["to_root"])), what + ": the proof does not verify")
    c.eq([n.hex() for n in consistency_path(s1, leaves[:s2])], p["proof"], what + ".proof (recomputed)")
    c.true(not verify_consistency(s1, s2, proof, hx(p["to_root"]), hx(p["to_root"])), what + ": verified with another from_root")
    c.true(not verify_consistency(s1, s2, proof[:-1], hx(p["from_root"]), hx(p["to_root"])), what + ": verified shortened")


def check_checkpoint_vector(c, cp, j, leaves, key, seed):
    what = "checkpoints[%d]" % j
    root = mth(leaves[: cp["size"]])
    c.eq(root, hx(cp["root"]), what + ".root")
    c.eq(b64encode(hx(cp["root"])), cp["root_base64"], what + ".root_base64")
    body = checkpoint_body(cp["origin"], cp["size"], root, cp["time"])
    c.eq(body, cp["body"], what + ".body")
    c.eq(cp["key_name"], key.name, what + ".key_name")
    c.eq(cp["key_hash_hex"], "%08x" % key.hash, what + ".key_hash_hex")
    sig = hx(cp["signature_hex"])
    c.true(key.verify(sig, cp["body"].encode("utf-8")), what + ".signature_hex does not verify over body with the test key")
    # Ed25519 is deterministic: signing body with the test key's seed gives the signature.
    c.eq(Ed25519PrivateKey.from_private_bytes(seed).sign(body.encode("utf-8")), sig, what + ".signature_hex (signed again)")
    c.eq(body + "\n" + signature_line(key.name, key.hash, sig), cp["note"], what + ".note")
    opened = open_note(cp["note"], [key])
    c.eq((opened.origin, opened.size, opened.root, opened.time), (cp["origin"], cp["size"], root, cp["time"]),
         what + ".note (opened: origin, size, root, time)")
    parse_rfc3339(cp["time"], what + ".time")
    c.true(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cp["time"]) is not None, what + ".time is not UTC whole seconds")


def check_sealed_event(c, e, cp):
    """"Test vectors" (the checkpoint.sealed event): its payload's members
    are exactly size, root (base64), sealed_at (the note's time), key_name,
    key_id and note, and say what checkpoints[0] says."""
    doc = json.loads(e["fields"]["payload"])
    c.eq(e["fields"]["type"], "checkpoint.sealed", "events[14].fields.type")
    c.eq(e["fields"]["stream"], "ledger-checkpoints", "events[14].fields.stream")
    c.eq(sorted(doc), sorted(["size", "root", "sealed_at", "key_name", "key_id", "note"]), "events[14] payload members")
    c.eq(doc.get("note"), cp["note"], "events[14] payload note (records checkpoints[0])")
    c.eq(doc.get("size"), cp["size"], "events[14] payload size")
    c.eq(doc.get("root"), cp["root_base64"], "events[14] payload root")
    c.eq(doc.get("sealed_at"), cp["time"], "events[14] payload sealed_at")
    c.eq(doc.get("key_name"), cp["key_name"], "events[14] payload key_name")
    c.eq(doc.get("key_id"), cp["key_hash_hex"], "events[14] payload key_id")



def run_vectors(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise UsageError("cannot read %s: %s" % (path, err)) from None
    try:
        v = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        print("FAIL: %s is not valid JSON: %s" % (path, err), file=sys.stderr)
        return 1
    try:
        c = check_vectors(v)
    except (Failure, KeyError, TypeError, ValueError, IndexError) as err:
        print("FAIL: %s: malformed vectors file: %s: %s" % (path, type(err).__name__, err), file=sys.stderr)
        return 1
    if c.failures:
        for f in c.failures:
            print("FAIL: " + f, file=sys.stderr)
        print("vectors: %d checks passed, %d failed" % (c.passed, len(c.failures)), file=sys.stderr)
        return 1
    print("vectors: %d checks passed" % c.passed)
    return 0


# ---------------------------------------------------------------------------
# Command line

USAGE = """usage:
  verify.py vectors FILE
  verify.py pack FILE --key KEYS [--since CHECKPOINT_FILE]"""


def read_file(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise UsageError("cannot read %s %s: %s" % (what, path, err)) from None


def run_pack(args):
    path, keyarg, since = None, None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--key", "--since") and i + 1 < len(args):
            if a == "--key":
                keyarg = args[i + 1]
            else:
                since = args[i + 1]
            i += 2
        elif a.startswith("--key="):
            keyarg, i = a[len("--key="):], i + 1
        elif a.startswith("--since="):
            since, i = a[len("--since="):], i + 1
        elif a.startswith("-") or path is not None:
            raise UsageError("unexpected argument %r" % a)
        else:
            path, i = a, i + 1
    if path is None or keyarg is None:
        raise UsageError("pack needs FILE and --key KEYS")
    keys = load_keys(keyarg)
    data = read_file(path, "the pack")
    since_data = read_file(since, "the --since checkpoint") if since is not None else None
    try:
        lines = verify_pack(data, keys, since_data)
    except Failure as err:
        print("NOT VERIFIED: %s" % err)
        return 1
    print("VERIFIED: %s" % lines[0])
    for line in lines[1:]:
        print("  " + line)
    return 0


def main(argv):
    try:
        if len(argv) == 2 and argv[0] == "vectors":
            return run_vectors(argv[1])
        if argv and argv[0] == "pack":
            return run_pack(argv[1:])
        raise UsageError("unknown command")
    except UsageError as err:
        print("verify.py: %s\n%s" % (err, USAGE), file=sys.stderr)
        return 2


if __name__ == "__main__":
    # The JSON reader and "say the same" recurse once or twice a level, up
    # to MAX_DEPTH levels.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 8 * MAX_DEPTH))
    sys.exit(main(sys.argv[1:]))
