// Structure-aware scanning: JSON (with field paths such as accounts.0.cardNumber), form and
// multipart bodies, query strings, headers, cookies and plain text (nearby words as context).
import type { Header, Transaction } from '../../wire/transaction.ts';
import { combine, ctxOfName, EMPTY_CTX, type Ctx } from './context.ts';
import { scanNumberText, scanRange, scanString, scanTokens, type Match, type ScanState, PASSWORD, SECRET } from './detect.ts';
import { DEFAULT_THRESHOLD, TYPES, TYPE_INDEX, type Finding, type SdpLocationName } from './types.ts';

const DOB_BIT = 1 << TYPE_INDEX.get('DATE_OF_BIRTH')!;

export interface ScanOptions {
  /** Findings below this confidence are dropped (default 0.5). */
  threshold?: number;
  /** Keep findings below the threshold too (for tuning and the bench's decoy check). */
  includeBelowThreshold?: boolean;
  /** Bodies are scanned up to this many bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Scan headers and cookies (default true). */
  headers?: boolean;
}

export interface ScanResult {
  locations: Finding[];
  /** Number of findings at or above the threshold. */
  found: number;
  /** Count per type name. */
  types: Record<string, number>;
}

/** A finding without its location: what `scanValue` returns. */
export interface ValueFinding {
  name: string;
  start: number;
  end: number;
  confidence: number;
}

function state(o: ScanOptions | undefined): ScanState {
  return { out: [], threshold: o?.threshold ?? DEFAULT_THRESHOLD, all: o?.includeBelowThreshold ?? false, lo: 0 };
}

function finding(m: Match, location: SdpLocationName, field: string, index?: number): Finding {
  const ty = TYPES[m.type]!;
  const f: Finding = { name: ty.name, type: 'SDE', location, field, start: m.start, end: m.end, confidence: m.confidence, category: ty.category, severity: ty.severity };
  if (index !== undefined) f.index = index;
  return f;
}

/** Scans one value; `field` (a name or path) gives the context. */
export function scanValue(value: string, field = '', options?: ScanOptions): ValueFinding[] {
  const st = state(options);
  const ctx = field ? ctxOfPath(field) : EMPTY_CTX;
  scanString(value, ctx, st);
  return st.out.map((m) => ({ name: TYPES[m.type]!.name, start: m.start, end: m.end, confidence: m.confidence }));
}

/** Context of a dotted path: the last non-numeric segment, with its parent. */
export function ctxOfPath(path: string): Ctx {
  const segs = path.split('.').filter((p) => p !== '' && !/^\d+$/.test(p));
  if (segs.length === 0) return EMPTY_CTX;
  const leaf = ctxOfName(segs[segs.length - 1]!);
  return segs.length > 1 ? combine(leaf, ctxOfName(segs[segs.length - 2]!)) : leaf;
}

function emit(st: ScanState, from: number, out: Finding[], location: SdpLocationName, field: string, index?: number): void {
  for (let i = from; i < st.out.length; i++) out.push(finding(st.out[i]!, location, field, index));
  st.out.length = from;
}

// ---- JSON: one pass over the raw text (no JSON.parse, no objects built). Keys give the context,
// string and number values are scanned in place; only strings with escapes are decoded.

const S_VALUE = 0, S_KEY = 1, S_AFTER = 2;
// Cheap native pre-filters over a raw JSON string value (sticky; they cannot run past the closing
// quote, and every repetition is over a class disjoint from what follows it: linear time).
// A value can hold something only with 4+ digits or an '@' (FEW) or, when it is long enough for a
// token, a key prefix, a JWT, a PEM block, a crypto address prefix or a hex-colon group (KEYS).
const FEW = /(?:[^"0-9@]*[0-9]){4}|[^"@]*@/y;
const KEYS_RE = /[^"]*?(?:-----BEGIN|A(?:KIA|SIA|Iza)|gh[pousr]_|github_pat_|glpat-|xox[abprse]-|[sr]k_(?:live|test)_|SG\.|npm_|eyJ|0x|bc1|\b[13][1-9A-HJ-NP-Za-km-z]{24}|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:|[0-9A-Fa-f]-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-)/y;
// Under an id-, time- or count-like name only formats no context can hide can reach the threshold.
const AT = /[^"@]*@/y;
const KEYS_NEG_RE = /[^"]*?(?:-----BEGIN|A(?:KIA|SIA|Iza)|gh[pousr]_|github_pat_|glpat-|xox[abprse]-|[sr]k_(?:live|test)_|SG\.|npm_|eyJ)/y;

function maybe(text: string, lo: number, hi: number, neg: boolean): boolean {
  const first = neg ? AT : FEW;
  first.lastIndex = lo;
  if (first.test(text)) return true;
  if (hi - lo < 15) return false;
  const keys = neg ? KEYS_NEG_RE : KEYS_RE;
  keys.lastIndex = lo;
  return keys.test(text);
}

/** A UUID, or an ISO timestamp under a name that does not speak of birth: nothing to find. */
function uuidOrTimestamp(s: string, lo: number, hi: number, ctx: Ctx): boolean {
  const len = hi - lo;
  if (len === 36) return s.charCodeAt(lo + 8) === 45 && s.charCodeAt(lo + 13) === 45 && s.charCodeAt(lo + 18) === 45 && s.charCodeAt(lo + 23) === 45;
  return len >= 19 && len <= 35 && s.charCodeAt(lo + 4) === 45 && s.charCodeAt(lo + 7) === 45 && s.charCodeAt(lo + 10) === 84 && (ctx.pos & DOB_BIT) === 0;
}

interface KeyEntry {
  key: string;
  ctx: Ctx;
  next: KeyEntry | null;
}
const KEYS = new Map<number, KeyEntry>();

/** The key text[s, e) and its context, without slicing the text for keys seen before. */
function rawKey(text: string, s: number, e: number): KeyEntry {
  const len = e - s;
  let h = len;
  if (len > 0) h = Math.imul(h ^ text.charCodeAt(s), 16777619) ^ Math.imul(text.charCodeAt(e - 1), 31) ^ Math.imul(text.charCodeAt(s + (len >> 1)), 961) ^ Math.imul(text.charCodeAt(s + (len >> 2)), 29791);
  const first = KEYS.get(h);
  for (let x: KeyEntry | null | undefined = first; x; x = x.next) if (x.key.length === e - s && text.startsWith(x.key, s)) return x;
  const key = text.slice(s, e);
  const entry: KeyEntry = { key, ctx: ctxOfName(key), next: first ?? null };
  if (KEYS.size > 20_000) KEYS.clear();
  KEYS.set(h, entry);
  return entry;
}

// state of the string reader (scanning is synchronous, one body at a time)
let nextBs = -1;
let strEsc = false;

/** End (closing quote) of the JSON string opening at q0; sets `strEsc` when it has escapes. */
function stringEnd(text: string, q0: number): number {
  let j = q0 + 1;
  strEsc = false;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q === -1) return text.length;
    if (nextBs !== -1 && nextBs < q0) nextBs = text.indexOf('\\', q0);
    if (nextBs === -1 || nextBs > q) return q;
    strEsc = true;
    let k = q - 1;
    let bs = 0;
    while (k > q0 && text.charCodeAt(k) === 92) {
      bs++;
      k--;
    }
    if ((bs & 1) === 0) return q;
    j = q + 1;
  }
}

/**
 * Scans raw JSON text; findings get field paths such as accounts.0.cardNumber. Returns false when
 * the text is not JSON (the caller then scans it as text); a body cut short keeps what was found.
 */
function scanJsonText(text: string, location: SdpLocationName, st: ScanState, out: Finding[], prefix: string): boolean {
  const n = text.length;
  const path: string[] = prefix ? [prefix] : [];
  const kinds: number[] = []; // 0 object, 1 array
  const idx: number[] = [];
  const ctxs: Ctx[] = [];
  let depth = 0;
  let valueCtx: Ctx = prefix ? ctxOfName(prefix) : EMPTY_CTX;
  let state = S_VALUE;
  nextBs = text.indexOf('\\');
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c <= 32) {
      i++;
      while (i < n && (c = text.charCodeAt(i)) <= 32) i++;
      if (i >= n) break;
    }
    if (state === S_AFTER) {
      if (c === 44) {
        i++;
        const top = depth - 1;
        if (kinds[top] === 0) {
          path.pop();
          state = S_KEY;
        } else {
          const k = ++idx[top]!;
          path[path.length - 1] = k < 10 ? DIGITS[k]! : String(k);
          valueCtx = ctxs[top]!;
          state = S_VALUE;
        }
        continue;
      }
      const top = depth - 1;
      if ((c === 125 && kinds[top] === 0) || (c === 93 && kinds[top] === 1)) {
        i++;
        path.pop();
        depth--;
        if (depth === 0) return true;
        continue;
      }
      return false;
    }
    if (state === S_KEY) {
      if (c === 34) {
        const e = stringEnd(text, i);
        let key: string;
        let leaf: Ctx;
        if (strEsc) {
          try {
            key = JSON.parse(text.slice(i, e + 1)) as string;
          } catch {
            key = text.slice(i + 1, e);
          }
          leaf = ctxOfName(key);
        } else {
          const k = rawKey(text, i + 1, e);
          key = k.key;
          leaf = k.ctx;
        }
        i = e + 1;
        while (i < n && text.charCodeAt(i) <= 32) i++;
        if (i < n && text.charCodeAt(i) !== 58) return false;
        i++;
        path.push(key);
        valueCtx = leaf.generic ? combine(leaf, ctxs[depth - 1]!) : leaf;
        state = S_VALUE;
        continue;
      }
      if (c === 125) {
        i++;
        depth--;
        if (depth === 0) return true;
        state = S_AFTER;
        continue;
      }
      return false;
    }
    // S_VALUE
    if (c === 34) {
      const e = stringEnd(text, i);
      if (e - i - 1 >= 6 || valueCtx.secret === 1) {
        const before = st.out.length;
        if (!strEsc) {
          // cheap native pre-filter: a value with no digit, '@', key prefix, PEM block or
          // hex-colon group cannot hold anything but a secret (the regex stops at the closing quote)
          if (valueCtx.secret) scanRange(text, i + 1, e, valueCtx, st);
          else if (!uuidOrTimestamp(text, i + 1, e, valueCtx)) {
            if (maybe(text, i + 1, e, valueCtx.neg)) scanRange(text, i + 1, e, valueCtx, st);
          }
        } else {
          let v: string;
          try {
            v = JSON.parse(text.slice(i, e + 1)) as string;
          } catch {
            v = text.slice(i + 1, e);
          }
          scanRange(v, 0, v.length, valueCtx, st);
        }
        if (st.out.length > before) emit(st, before, out, location, path.join('.'));
      }
      i = e + 1;
      if (depth === 0) return true;
      state = S_AFTER;
    } else if (c === 123 || c === 91) {
      kinds[depth] = c === 123 ? 0 : 1;
      idx[depth] = 0;
      ctxs[depth] = valueCtx;
      depth++;
      i++;
      if (c === 123) state = S_KEY;
      else {
        path.push('0');
        // an empty array
        while (i < n && text.charCodeAt(i) <= 32) i++;
        if (text.charCodeAt(i) === 93) {
          i++;
          path.pop();
          depth--;
          if (depth === 0) return true;
          state = S_AFTER;
        }
      }
    } else {
      const s = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 44 || d === 125 || d === 93 || d <= 32) break;
        i++;
      }
      if (i === s) return false;
      if (i - s >= 7 || valueCtx.secret === 1) {
        const before = st.out.length;
        scanNumberText(text, s, i, valueCtx, st);
        if (st.out.length > before) emit(st, before, out, location, path.join('.'));
      }
      if (depth === 0) return true;
      state = S_AFTER;
    }
  }
  return true;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * Scans JSON: raw text is scanned in one pass (text that is not JSON is scanned as plain text);
 * any other value is serialized first. Offsets are inside each leaf's decoded value.
 */
export function scanJson(json: unknown, location: SdpLocationName = 'REQUEST_BODY', options?: ScanOptions, prefix = ''): Finding[] {
  const text = typeof json === 'string' ? json : JSON.stringify(json) ?? '';
  const st = state(options);
  const out: Finding[] = [];
  let first = 0;
  while (first < text.length && text.charCodeAt(first) <= 32) first++;
  const c0 = text.charCodeAt(first);
  // a JSON body is an object, an array or a string; anything else is scanned as text
  if ((c0 !== 123 && c0 !== 91 && c0 !== 34) || !scanJsonText(text, location, st, out, prefix)) {
    st.out.length = 0;
    return prefix ? scanText(text, location, options, prefix) : scanText(text, location, options);
  }
  return out;
}

/** Plain text: nearby words are the context; offsets are into `text`. */
export function scanText(text: string, location: SdpLocationName = 'REQUEST_BODY', options?: ScanOptions, field = ''): Finding[] {
  const st = state(options);
  const out: Finding[] = [];
  scanString(text, field ? ctxOfName(field) : EMPTY_CTX, st);
  emit(st, 0, out, location, field);
  return out;
}

// ---- form-urlencoded and query strings

function decodeComponent(s: string): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  const t = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(t);
  } catch {
    return t;
  }
}

/** Parses `a=b&c=d` into decoded pairs with the raw offset of each value. */
export function parsePairs(raw: string, sep = '&'): Array<{ key: string; value: string; rawStart: number; rawEnd: number }> {
  const out: Array<{ key: string; value: string; rawStart: number; rawEnd: number }> = [];
  let i = 0;
  while (i <= raw.length) {
    let j = raw.indexOf(sep, i);
    if (j === -1) j = raw.length;
    if (j > i) {
      const eq = raw.indexOf('=', i);
      const hasEq = eq !== -1 && eq < j;
      const key = decodeComponent(raw.slice(i, hasEq ? eq : j));
      const rawStart = hasEq ? eq + 1 : j;
      out.push({ key, value: decodeComponent(raw.slice(rawStart, j)), rawStart, rawEnd: j });
    }
    i = j + 1;
  }
  return out;
}

export function scanForm(raw: string, location: SdpLocationName = 'REQUEST_BODY', options?: ScanOptions): Finding[] {
  const st = state(options);
  const out: Finding[] = [];
  for (const p of parsePairs(raw)) {
    if (p.value === '') continue;
    const ctx = ctxOfName(p.key);
    scanString(p.value, ctx, st);
    emit(st, 0, out, location, p.key);
  }
  return out;
}

/** Scans the query string of a request URI (`/path?a=b`). */
export function scanQuery(uri: string, options?: ScanOptions): Finding[] {
  const q = uri.indexOf('?');
  if (q === -1) return [];
  const h = uri.indexOf('#', q);
  return scanForm(uri.slice(q + 1, h === -1 ? undefined : h), 'REQUEST_QUERY', options);
}

// ---- multipart

export interface Part {
  name: string;
  filename: string | null;
  contentType: string | null;
  /** Offsets of the part's content in the body text. */
  start: number;
  end: number;
}

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export function parseMultipart(body: string, boundary: string): Part[] {
  const parts: Part[] = [];
  const delim = `--${boundary}`;
  let i = body.indexOf(delim);
  while (i !== -1) {
    const lineEnd = body.indexOf('\n', i);
    if (lineEnd === -1 || body.startsWith('--', i + delim.length)) break;
    const headEnd = body.indexOf('\r\n\r\n', lineEnd) !== -1 ? body.indexOf('\r\n\r\n', lineEnd) : -1;
    let contentStart: number;
    let headText: string;
    if (headEnd !== -1) {
      headText = body.slice(lineEnd + 1, headEnd);
      contentStart = headEnd + 4;
    } else {
      const lf = body.indexOf('\n\n', lineEnd);
      if (lf === -1) break;
      headText = body.slice(lineEnd + 1, lf);
      contentStart = lf + 2;
    }
    const next = body.indexOf(delim, contentStart);
    let contentEnd = next === -1 ? body.length : next;
    if (body.charCodeAt(contentEnd - 1) === 10) contentEnd--;
    if (body.charCodeAt(contentEnd - 1) === 13) contentEnd--;
    const disp = /content-disposition:[^\n]*?\bname="([^"]{0,200})"/i.exec(headText);
    const file = /filename="([^"]{0,500})"/i.exec(headText);
    const ct = /content-type:\s*([^\s;]{1,100})/i.exec(headText);
    parts.push({ name: disp ? disp[1]! : '', filename: file ? file[1]! : null, contentType: ct ? ct[1]!.toLowerCase() : null, start: contentStart, end: Math.max(contentStart, contentEnd) });
    i = next;
  }
  return parts;
}

const BINARY = /^(?:image|audio|video|font)\/|octet-stream|pdf|zip|gzip|protobuf|msgpack|x-tar|wasm/i;

export function scanMultipart(body: string, boundary: string, location: SdpLocationName = 'REQUEST_BODY', options?: ScanOptions): Finding[] {
  const out: Finding[] = [];
  for (const p of parseMultipart(body, boundary)) {
    if (p.contentType && BINARY.test(p.contentType)) continue;
    const content = body.slice(p.start, p.end);
    if (p.contentType?.includes('json') || (!p.filename && /^\s*[[{]/.test(content))) {
      try {
        JSON.parse(content);
        out.push(...scanJson(content, location, options, p.name));
        continue;
      } catch {
        // scanned as text below
      }
    }
    const st = state(options);
    scanString(content, ctxOfName(p.name), st);
    emit(st, 0, out, location, p.name);
  }
  return out;
}

// ---- headers and cookies

const SKIP_HEADERS = new Set([
  'content-length', 'content-type', 'date', 'accept', 'accept-encoding', 'accept-language', 'connection', 'host',
  'cache-control', 'pragma', 'etag', 'if-none-match', 'last-modified', 'expires', 'vary', 'age', 'content-encoding',
  'transfer-encoding', 'keep-alive', 'upgrade-insecure-requests', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-dest',
  'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'x-request-id', 'x-correlation-id', 'traceparent', 'tracestate',
  'x-b3-traceid', 'x-b3-spanid', 'server', 'strict-transport-security', 'x-content-type-options', 'x-frame-options',
  'content-security-policy', 'access-control-allow-origin', 'access-control-allow-headers', 'access-control-allow-methods',
  'cq-body-truncated', 'user-agent', 'referer', 'origin',
]);

function authHeader(value: string, st: ScanState): void {
  const sp = value.indexOf(' ');
  const scheme = sp === -1 ? '' : value.slice(0, sp).toLowerCase();
  let a = sp + 1;
  while (value.charCodeAt(a) === 32) a++;
  if (scheme === 'basic') {
    const raw = value.slice(a).trim();
    const dec = Buffer.from(raw, 'base64').toString('utf8');
    if (dec.indexOf(':') > 0 && (0.95 >= st.threshold || st.all)) st.out.push({ type: PASSWORD, start: a, end: a + raw.length, confidence: 0.95 });
    return;
  }
  const before = st.out.length;
  scanTokens(value, a > 0 ? a : 0, value.length, { pos: 0, neg: false, secret: 2, aws: false, generic: false }, st, false);
  if (st.out.length === before && value.length - a >= 8 && (0.85 >= st.threshold || st.all)) st.out.push({ type: SECRET, start: a, end: value.length, confidence: 0.85 });
}

/** Scans headers (and cookies); `field` is the lower-case header name, or `cookie.<name>`. */
export function scanHeaders(headers: Header[], location: SdpLocationName = 'REQUEST_HEADERS', options?: ScanOptions): Finding[] {
  const st = state(options);
  const out: Finding[] = [];
  for (let i = 0; i < headers.length; i++) {
    const [rawName, value] = headers[i]!;
    if (value.length < 6) continue;
    const name = rawName.toLowerCase();
    if (SKIP_HEADERS.has(name)) continue;
    if (name === 'cookie' || name === 'set-cookie') {
      let pos = 0;
      const pieces = name === 'cookie' ? value.split(';') : [value.split(';')[0]!];
      for (const piece of pieces) {
        const eq = piece.indexOf('=');
        if (eq > 0) {
          const lead = piece.length - piece.trimStart().length;
          const cname = piece.slice(lead, eq).trim();
          const vStart = pos + eq + 1;
          const val = piece.slice(eq + 1);
          const before = st.out.length;
          const ctx = ctxOfName(cname);
          scanString(val, ctx, st);
          for (let k = before; k < st.out.length; k++) {
            st.out[k]!.start += vStart;
            st.out[k]!.end += vStart;
          }
          emit(st, before, out, location.startsWith('REQUEST') ? 'REQUEST_HEADERS' : 'RESPONSE_HEADERS', `${name}.${cname}`, i);
        }
        pos += piece.length + 1;
      }
      continue;
    }
    if (name === 'authorization' || name === 'proxy-authorization') authHeader(value, st);
    else scanString(value, ctxOfName(name), st);
    emit(st, 0, out, location, name, i);
  }
  return out;
}

// ---- bodies and transactions

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'skip';

export function bodyKind(contentType: string | undefined, text: string): BodyKind {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('json')) return 'json';
  if (ct.includes('x-www-form-urlencoded')) return 'form';
  if (ct.startsWith('multipart/')) return 'multipart';
  if (ct && BINARY.test(ct)) return 'skip';
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  const c = text.charCodeAt(i);
  if (c === 123 || c === 91) return 'json';
  return 'text';
}

export function scanBody(text: string, contentType: string | undefined, location: SdpLocationName, options?: ScanOptions): Finding[] {
  switch (bodyKind(contentType, text)) {
    case 'json':
      return scanJson(text, location, options);
    case 'form':
      return scanForm(text, location, options);
    case 'multipart': {
      const b = boundaryOf(contentType ?? '');
      return b ? scanMultipart(text, b, location, options) : scanText(text, location, options);
    }
    case 'text':
      return scanText(text, location, options);
    default:
      return [];
  }
}

/** The body as text for scanning, or null when it is compressed, binary or empty. */
/** First value of a header; `name` in lower case (compares lengths before case-folding). */
function header(headers: Header[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (h[0].length === name.length && (h[0] === name || h[0].toLowerCase() === name)) return h[1];
  }
  return undefined;
}

export function bodyText(body: { bytes: Buffer } | null, headers: Header[], maxBytes: number): string | null {
  if (!body || body.bytes.length === 0) return null;
  const enc = header(headers, 'content-encoding');
  if (enc && enc.toLowerCase() !== 'identity') return null;
  const b = body.bytes.length > maxBytes ? body.bytes.subarray(0, maxBytes) : body.bytes;
  return b.toString('utf8');
}

/** Scans a whole transaction: query, request and response headers and bodies. */
export function scanTransaction(tx: Transaction, options?: ScanOptions): ScanResult {
  const max = options?.maxBodyBytes ?? 1 << 20;
  let locations: Finding[] = tx.request.uri.indexOf('?') === -1 ? [] : scanQuery(tx.request.uri, options);
  const add = (fs: Finding[]) => {
    if (fs.length === 0) return;
    if (locations.length === 0) locations = fs;
    else for (const f of fs) locations.push(f);
  };
  if (options?.headers !== false) {
    add(scanHeaders(tx.request.headers, 'REQUEST_HEADERS', options));
    add(scanHeaders(tx.response.headers, 'RESPONSE_HEADERS', options));
  }
  const req = bodyText(tx.request.body, tx.request.headers, max);
  if (req !== null) add(scanBody(req, header(tx.request.headers, 'content-type'), 'REQUEST_BODY', options));
  const res = bodyText(tx.response.body, tx.response.headers, max);
  if (res !== null) add(scanBody(res, header(tx.response.headers, 'content-type'), 'RESPONSE_BODY', options));
  const threshold = options?.threshold ?? DEFAULT_THRESHOLD;
  const types: Record<string, number> = {};
  let found = 0;
  for (const f of locations) {
    if (f.confidence < threshold) continue;
    found++;
    types[f.name] = (types[f.name] ?? 0) + 1;
  }
  return { locations, found, types };
}
