// Format-preserving, one-way masking: every ASCII digit becomes a digit, every letter a letter of
// the same case, everything else (separators, '@', '.', '-', non-ASCII) stays; the length never
// changes. Replacement characters come from HMAC-SHA-256 under a key (random per process unless
// given; past 32 characters, from SHAKE-256 of that secret HMAC), so a mask cannot be reversed.
// Payment cards keep their last four digits; PEM blocks keep their BEGIN/END lines. Masked bodies
// are edited in place, so every untouched byte keeps its offset.
import { createHash, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Header, SdpLocation, Transaction } from '../../wire/transaction.ts';
import { boundaryOf, bodyKind, parseMultipart, parsePairs } from './scan.ts';
import type { Finding } from './types.ts';
import { memoizedPerKey } from '../recent-memo.ts';

/** Masks a value of a type under one key, remembering recent values of each type (traffic repeats them). */
type Masker = (type: string, value: string) => string;

const maskerOf = (key: KeyObject): Masker => memoizedPerKey((type, value) => computeMask(type, value, key));
const PROCESS_MASKER = maskerOf(createSecretKey(randomBytes(32)));
// Maskers for caller keys (turning raw bytes into a key on every HMAC is the expensive part)
const MASKERS = new Map<string, Masker>();

function maskerFor(key: Buffer | string | undefined): Masker {
  if (key === undefined) return PROCESS_MASKER;
  const id = typeof key === 'string' ? `s:${key}` : `b:${key.toString('base64')}`;
  let m = MASKERS.get(id);
  if (!m) {
    m = maskerOf(createSecretKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key));
    if (MASKERS.size > 64) MASKERS.clear();
    MASKERS.set(id, m);
  }
  return m;
}

export interface MaskOptions {
  /** HMAC key; the same key gives the same mask for the same value (default: random per process). */
  key?: Buffer | string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;

/** Masks `value` as sensitive data of type `type` (a registry name such as CREDIT_CARD). */
export function maskValue(type: string, value: string, options?: MaskOptions): string {
  if (value.length === 0) return value;
  return maskerFor(options?.key)(type, value);
}

function computeMask(type: string, value: string, key: KeyObject): string {
  let from = 0;
  let to = value.length;
  if (type === 'PRIVATE_KEY') {
    const nl = value.indexOf('-----', 5);
    if (nl !== -1) from = nl + 5;
    const end = value.lastIndexOf('-----END');
    if (end > from) to = end;
  }
  let keep = 0; // trailing digits to keep
  if (type === 'CREDIT_CARD') keep = 4;
  const seed = createHmac('sha256', key).update(type).update('\0').update(value).digest();
  let stream = seed;
  let si = 0;
  let counter = 0;
  const next = (): number => {
    if (si >= stream.length) {
      // A value longer than the seed (a token, a key block): the rest of its bytes in one call,
      // from an extendable-output hash of the secret seed, rather than one HMAC per 32 bytes.
      stream = createHash('shake256', { outputLength: Math.max(32, to - from) }).update(seed).update(String(++counter)).digest();
      si = 0;
    }
    return stream[si++]!;
  };
  // positions of the digits to keep
  let keepFrom = to;
  if (keep) {
    let n = 0;
    for (let i = to - 1; i >= from && n < keep; i--) if (isDigit(value.charCodeAt(i))) {
      n++;
      keepFrom = i;
    }
  }
  // Built as character codes, not by appending: the result is kept in the memo, and a string
  // grown one character at a time would be kept as a chain of hundreds of small pieces.
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (i < from || i >= to || (i >= keepFrom && isDigit(c))) out[i] = c;
    else if (isDigit(c)) out[i] = 48 + (next() % 10);
    else if (isUpper(c)) out[i] = 65 + (next() % 26);
    else if (isLower(c)) out[i] = 97 + (next() % 26);
    else out[i] = c;
  }
  return fromCharCodes(out);
}

/** The string of these UTF-16 code units (in slices: one call with too many arguments overflows the stack). */
function fromCharCodes(codes: number[]): string {
  if (codes.length <= 8192) return String.fromCharCode(...codes);
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
}

// ---- edits on encoded text

interface Range {
  start: number;
  end: number;
  type: string;
}

/** Applies masks to decoded ranges of a value whose raw form is `raw` (kind tells the encoding). */
function maskEncoded(raw: string, kind: 'plain' | 'json' | 'form', ranges: Range[], options?: MaskOptions): { text: string; n: number } {
  // decode with a map from decoded index to [raw start, raw length]
  const map: number[] = [];
  const lens: number[] = [];
  let dec = '';
  if (kind === 'plain') dec = raw;
  else {
    for (let i = 0; i < raw.length; ) {
      const c = raw.charCodeAt(i);
      if (kind === 'json' && c === 92 /* \ */) {
        const e = raw[i + 1];
        if (e === 'u') {
          dec += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
          map.push(i);
          lens.push(6);
          i += 6;
        } else {
          dec += ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[e!] ?? e;
          map.push(i);
          lens.push(2);
          i += 2;
        }
      } else if (kind === 'form' && c === 37 /* % */ && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
        const byte = parseInt(raw.slice(i + 1, i + 3), 16);
        if (byte < 0x80) {
          dec += String.fromCharCode(byte);
          map.push(i);
          lens.push(3);
          i += 3;
        } else {
          // a UTF-8 sequence: decode the whole run of %XX bytes of this character
          let j = i;
          const bytes: number[] = [];
          const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
          while (bytes.length < need && raw.charCodeAt(j) === 37) {
            bytes.push(parseInt(raw.slice(j + 1, j + 3), 16));
            j += 3;
          }
          const ch = Buffer.from(bytes).toString('utf8');
          for (let k = 0; k < ch.length; k++) {
            dec += ch[k];
            map.push(i);
            lens.push(j - i);
          }
          i = j;
        }
      } else if (kind === 'form' && c === 43) {
        dec += ' ';
        map.push(i);
        lens.push(1);
        i++;
      } else {
        dec += raw[i];
        map.push(i);
        lens.push(1);
        i++;
      }
    }
  }
  // [raw position, raw length, replacement, one raw character per replacement character]. Adjacent
  // single-character edits are joined into runs: far fewer pieces to sort and join for long bodies.
  const edits: Array<[number, number, string, boolean]> = [];
  const edit = (pos: number, len: number, rep: string) => {
    const last = edits[edits.length - 1];
    if (len === 1 && rep.length === 1 && last && last[3] && last[0] + last[1] === pos) {
      last[1]++;
      last[2] += rep;
    } else edits.push([pos, len, rep, len === rep.length]);
  };
  let n = 0;
  for (const r of ranges) {
    const start = Math.max(0, r.start);
    const end = Math.min(dec.length, r.end);
    if (end <= start) continue;
    const orig = dec.slice(start, end);
    const masked = maskValue(r.type, orig, options);
    n++;
    for (let k = 0; k < masked.length; k++) {
      if (masked[k] === orig[k]) continue;
      const di = start + k;
      if (kind === 'plain') {
        edit(di, 1, masked[k]!);
        continue;
      }
      const len = lens[di]!;
      const code = masked.charCodeAt(k);
      const rep = len === 1 ? masked[k]! : len === 6 ? `\\u${code.toString(16).padStart(4, '0')}` : len === 3 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : null;
      if (rep !== null) edit(map[di]!, len, rep);
    }
  }
  if (edits.length === 0) return { text: raw, n };
  edits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [pos, len, rep, oneToOne] of edits) {
    if (pos + len <= at) continue; // inside what an overlapping finding already replaced
    if (pos < at) {
      // Overlaps the previous run: replace only the characters after it.
      if (!oneToOne) continue;
      out += rep.slice(at - pos);
    } else out += raw.slice(at, pos) + rep;
    at = pos + len;
  }
  return { text: out + raw.slice(at), n };
}

// ---- JSON: find leaves by path in the raw text

/** Calls `leaf(path, start, end, isString)` for every string/number leaf of raw JSON text (raw offsets, quotes excluded). */
export function walkRawJson(text: string, leaf: (path: string, start: number, end: number, isString: boolean) => void, prefix = ''): boolean {
  const path: string[] = prefix ? [prefix] : [];
  // stack of containers: for arrays the next index, for objects -1
  const stack: number[] = [];
  let i = 0;
  let pendingKey: string | null = null;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const readString = (): [number, number] => {
    const s = ++i;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 34) break;
      else i++;
    }
    const e = i;
    i++;
    return [s, e];
  };
  const value = (): boolean => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      stack.push(c === 91 ? 0 : -1);
      i++;
      return true;
    }
    const p = path.join('.');
    if (c === 34) {
      const [s, e] = readString();
      leaf(p, s, e, true);
    } else {
      const s = i;
      while (i < text.length && !',]} \n\r\t'.includes(text[i]!)) i++;
      if (i > s) leaf(p, s, i, false);
      else return false;
    }
    return true;
  };
  ws();
  if (!value()) return false;
  if (stack.length === 0) return true;
  // the value opened a container: iterate
  for (;;) {
    ws();
    if (i >= text.length) return false;
    const top = stack[stack.length - 1]!;
    let c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      ws();
      c = text.charCodeAt(i);
    }
    if (c === 125 || c === 93) {
      i++;
      stack.pop();
      if (stack.length === 0) return true;
      path.pop();
      // advance the parent's array index
      const t = stack.length - 1;
      if (stack[t]! >= 0) stack[t] = stack[t]! + 1;
      continue;
    }
    if (top === -1) {
      if (c !== 34) return false;
      const [s, e] = readString();
      pendingKey = JSON.parse(text.slice(s - 1, e + 1)) as string;
      ws();
      if (text.charCodeAt(i) !== 58) return false;
      i++;
      path.push(pendingKey);
    } else {
      path.push(String(top));
    }
    const depth = stack.length;
    if (!value()) return false;
    if (stack.length === depth) {
      path.pop();
      const t = stack.length - 1;
      if (stack[t]! >= 0) stack[t] = stack[t]! + 1;
    }
  }
}

function maskJsonText(text: string, byField: Map<string, Range[]>, options?: MaskOptions, prefix = ''): { text: string; n: number } {
  const edits: Array<[number, number, string]> = [];
  let n = 0;
  const ok = walkRawJson(text, (path, s, e, isString) => {
    const ranges = byField.get(path);
    if (!ranges) return;
    const raw = text.slice(s, e);
    const r = maskEncoded(raw, isString ? 'json' : 'plain', ranges, options);
    n += r.n;
    let t = r.text;
    if (!isString && t.length > 1 && t[0] === '0') t = '9' + t.slice(1);
    if (t !== raw) edits.push([s, e - s, t]);
  }, prefix);
  if (!ok && edits.length === 0) return { text, n: 0 };
  let out = '';
  let at = 0;
  for (const [pos, len, rep] of edits) {
    out += text.slice(at, pos) + rep;
    at = pos + len;
  }
  return { text: out + text.slice(at), n };
}

function groupByField(fs: Finding[]): Map<string, Range[]> {
  const m = new Map<string, Range[]>();
  for (const f of fs) {
    let l = m.get(f.field);
    if (!l) m.set(f.field, (l = []));
    l.push({ start: f.start, end: f.end, type: f.name });
  }
  return m;
}

/** Masks one body text given its findings; returns the new text and how many findings were masked. */
export function maskBodyText(text: string, contentType: string | undefined, findings: Finding[], options?: MaskOptions): { text: string; n: number } {
  if (findings.length === 0) return { text, n: 0 };
  const plain = findings.filter((f) => f.field === '');
  let cur = text;
  let n = 0;
  if (plain.length) {
    const r = maskEncoded(cur, 'plain', plain.map((f) => ({ start: f.start, end: f.end, type: f.name })), options);
    cur = r.text;
    n += r.n;
  }
  const fielded = findings.filter((f) => f.field !== '');
  if (fielded.length === 0) return { text: cur, n };
  const byField = groupByField(fielded);
  const kind = bodyKind(contentType, cur);
  if (kind === 'json') {
    const r = maskJsonText(cur, byField, options);
    return { text: r.text, n: n + r.n };
  }
  if (kind === 'form') {
    const r = maskPairs(cur, byField, options);
    return { text: r.text, n: n + r.n };
  }
  if (kind === 'multipart') {
    const b = boundaryOf(contentType ?? '');
    if (!b) return { text: cur, n };
    let out = '';
    let at = 0;
    for (const p of parseMultipart(cur, b)) {
      const content = cur.slice(p.start, p.end);
      let masked = content;
      const direct = byField.get(p.name);
      if (direct) {
        const r = maskEncoded(content, 'plain', direct, options);
        masked = r.text;
        n += r.n;
      }
      // JSON parts: fields "name.path"
      const sub = new Map<string, Range[]>();
      for (const [f, rs] of byField) if (f.startsWith(`${p.name}.`)) sub.set(f, rs);
      if (sub.size) {
        const r = maskJsonText(masked, sub, options, p.name);
        masked = r.text;
        n += r.n;
      }
      out += cur.slice(at, p.start) + masked;
      at = p.end;
    }
    return { text: out + cur.slice(at), n };
  }
  return { text: cur, n };
}

function maskPairs(raw: string, byField: Map<string, Range[]>, options?: MaskOptions): { text: string; n: number } {
  let out = '';
  let at = 0;
  let n = 0;
  for (const p of parsePairs(raw)) {
    const ranges = byField.get(p.key);
    if (!ranges) continue;
    const r = maskEncoded(raw.slice(p.rawStart, p.rawEnd), 'form', ranges, options);
    n += r.n;
    out += raw.slice(at, p.rawStart) + r.text;
    at = p.rawEnd;
  }
  return { text: out + raw.slice(at), n };
}

function maskHeaders(headers: Header[], findings: Finding[], options?: MaskOptions): { headers: Header[]; n: number } {
  if (findings.length === 0) return { headers, n: 0 };
  const out = headers.map((h) => [h[0], h[1]] as Header);
  let n = 0;
  for (const f of findings) {
    const name = f.field.split('.')[0]!;
    const idx = f.index !== undefined && out[f.index]?.[0].toLowerCase() === name ? [f.index] : out.flatMap((h, i) => (h[0].toLowerCase() === name ? [i] : []));
    for (const i of idx) {
      const r = maskEncoded(out[i]![1], 'plain', [{ start: f.start, end: f.end, type: f.name }], options);
      out[i]![1] = r.text;
      n += r.n ? 1 : 0;
    }
  }
  return { headers: out, n };
}

function replaceBody(body: NonNullable<Transaction['request']['body']>, scanned: Buffer, text: string, masked: string): NonNullable<Transaction['request']['body']> {
  if (masked === text) return body;
  // Edits only swap ASCII characters for ASCII characters. When the scanned bytes are valid UTF-8
  // (they decode and re-encode to the same bytes), re-encoding keeps every other byte as it was;
  // otherwise only the bytes of the edited characters are patched, found by walking both.
  const reencoded = Buffer.from(text, 'utf8');
  let head: Buffer;
  if (reencoded.equals(scanned)) head = Buffer.from(masked, 'utf8');
  else {
    head = Buffer.from(scanned);
    // map each character of `text` to its bytes in `scanned`: U+FFFD stands for 1-3 invalid bytes,
    // so re-decode byte by byte to stay aligned
    let bi = 0;
    let aligned = true;
    for (let ci = 0; ci < text.length && bi < scanned.length; ci++) {
      const c = text.charCodeAt(ci);
      if (c < 0x80) {
        if (scanned[bi] !== c) {
          aligned = false;
          break;
        }
        if (masked.charCodeAt(ci) !== c) head[bi] = masked.charCodeAt(ci);
        bi++;
        continue;
      }
      // skip one encoded character: its lead byte and continuation bytes (or one invalid byte)
      const lead = scanned[bi]!;
      const n = lead >= 0xf8 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      let k = 1;
      while (k < n && bi + k < scanned.length && (scanned[bi + k]! & 0xc0) === 0x80) k++;
      bi += k;
      if (c >= 0xd800 && c <= 0xdbff) ci++; // a surrogate pair is one 4-byte character
    }
    // a sequence the walk could not follow: re-encode (every masked character is still replaced;
    // invalid bytes become U+FFFD)
    if (!aligned) head = Buffer.from(masked, 'utf8');
  }
  // bodies cut at maxBodyBytes keep their unscanned tail
  const bytes = scanned.length < body.bytes.length ? Buffer.concat([head, body.bytes.subarray(scanned.length)]) : head;
  return { ...body, bytes };
}

/** edge-api.md's sdp_info for a set of findings (`transformed`: how many were masked). */
export function sdpInfoOf(findings: Finding[], transformed = 0): MaskResult['sdpInfo'] {
  const locations: SdpLocation[] = findings.map((f) => ({ name: f.name, type: f.type, location: f.location, field: f.field, start: f.start, end: f.end }));
  return { skipped: false, found: findings.length, transformed, locations };
}

export interface MaskResult {
  tx: Transaction;
  sdpInfo: { skipped: boolean; found: number; transformed: number; locations: SdpLocation[] };
}

/**
 * A new transaction with every finding masked (bodies, query string, headers), and the sdp_info
 * to store with it (also set on `tx.meta.sdpInfo` of the result).
 */
export function maskTransaction(tx: Transaction, findings: Finding[], options?: MaskOptions & { maxBodyBytes?: number }): MaskResult {
  const by = (loc: string) => findings.filter((f) => f.location === loc);
  let transformed = 0;
  const max = options?.maxBodyBytes ?? 1 << 20;
  const maskBody = (part: Transaction['request'] | Transaction['response'], loc: string) => {
    const fs = by(loc);
    if (!part.body || fs.length === 0) return part.body;
    const b = part.body.bytes.length > max ? part.body.bytes.subarray(0, max) : part.body.bytes;
    const text = b.toString('utf8');
    const ct = part.headers.find((h) => h[0].toLowerCase() === 'content-type')?.[1];
    const r = maskBodyText(text, ct, fs, options);
    transformed += r.n;
    return replaceBody(part.body, b, text, r.text);
  };
  let uri = tx.request.uri;
  const qf = by('REQUEST_QUERY');
  if (qf.length) {
    const q = uri.indexOf('?');
    if (q !== -1) {
      const h = uri.indexOf('#', q);
      const end = h === -1 ? uri.length : h;
      const r = maskPairs(uri.slice(q + 1, end), groupByField(qf), options);
      transformed += r.n;
      uri = uri.slice(0, q + 1) + r.text + uri.slice(end);
    }
  }
  const reqH = maskHeaders(tx.request.headers, by('REQUEST_HEADERS'), options);
  const resH = maskHeaders(tx.response.headers, by('RESPONSE_HEADERS'), options);
  transformed += reqH.n + resH.n;
  const reqBody = maskBody(tx.request, 'REQUEST_BODY');
  const resBody = maskBody(tx.response, 'RESPONSE_BODY');
  const sdpInfo = sdpInfoOf(findings, transformed);
  return {
    tx: {
      ...tx,
      request: { ...tx.request, uri, headers: reqH.headers, body: reqBody },
      response: { ...tx.response, headers: resH.headers, body: resBody },
      meta: { ...tx.meta, sdpInfo },
    },
    sdpInfo,
  };
}
