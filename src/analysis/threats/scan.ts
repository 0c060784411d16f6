// Pulls the user-controlled values out of a request (path segments, query parameters, headers
// that carry user input, cookies, JSON body leaves with their paths, form fields) and runs the
// injection detector on each. Pure: a function of the transaction.
import { headerValue, pathOf, type Transaction } from '../../wire/transaction.ts';
import { detectInjection, type DetectOptions, type InjectionKind, type InjectionMatch, type ValueLocation } from './injection.ts';

export interface RequestInjection extends InjectionMatch {
  location: ValueLocation;
  /** Query or form parameter, header or cookie name, JSON path (items.0.name), or path[i] for a path segment. */
  name: string;
}

export interface ScanRequestOptions extends DetectOptions {
  /** Request bodies are read up to this many bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** At most this many values are scanned per request (default 2,000). */
  maxValues?: number;
}

/** Headers that carry no user input worth scanning (or carry credentials, never scanned). */
const SKIP_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'connection', 'content-length', 'content-type', 'content-encoding',
  'transfer-encoding', 'host', 'cache-control', 'pragma', 'te', 'upgrade-insecure-requests', 'if-none-match', 'if-modified-since',
  'if-match', 'if-unmodified-since', 'date', 'dnt', 'authorization', 'proxy-authorization', 'cookie', 'keep-alive', 'priority',
  'traceparent', 'tracestate', 'x-forwarded-proto', 'x-forwarded-port', 'x-amzn-trace-id', 'x-api-key', 'ocp-apim-subscription-key',
  'expect', 'upgrade', 'via', 'x-csrf-token', 'x-xsrf-token', 'cq-body-truncated',
]);
/** User-Agent is attacker-controlled but full of ;, ( ) and / by design: only SQL and command injection are looked for. */
const USER_AGENT_KINDS: readonly InjectionKind[] = ['SQLI', 'COMMAND_INJECTION'];

/** An opaque token (session id, JWT, API key): long, no spaces, only token characters. */
function looksLikeToken(v: string): boolean {
  if (v.length < 20 || v.includes('..')) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46 || c === 126 || c === 43 || c === 47 || c === 61 || c === 37;
    if (!ok) return false;
  }
  return true;
}

interface Ctx {
  out: RequestInjection[];
  options: ScanRequestOptions | undefined;
  budget: number;
}

function check(ctx: Ctx, value: string, location: ValueLocation, name: string, kinds?: readonly InjectionKind[]): void {
  if (ctx.budget <= 0 || value.length === 0) return;
  ctx.budget--;
  const m = detectInjection(value, { location, name }, kinds ? { ...ctx.options, kinds } : ctx.options);
  if (m) ctx.out.push({ ...m, location, name });
}

/** name=value pairs of a query string or form body; names are URL-decoded, values left for the detector. */
function pairs(s: string, ctx: Ctx, location: ValueLocation): void {
  for (const part of s.split('&')) {
    if (ctx.budget <= 0) return;
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // keep the raw name
    }
    check(ctx, value, 'query' === location ? 'query' : location, name);
    // names are attacker-controlled too; plain ones are not worth a scan
    if (!/^[\w.\-[\]]*$/.test(name)) check(ctx, rawName, location, `${name} (name)`);
  }
}

function walkJson(v: unknown, path: string, ctx: Ctx, depth: number): void {
  if (ctx.budget <= 0 || depth > 64) return;
  if (typeof v === 'string') check(ctx, v, 'body', path);
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) walkJson(v[i], path ? `${path}.${i}` : String(i), ctx, depth + 1);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (!/^[\w.\-$@:]*$/.test(k)) check(ctx, k, 'body', `${p} (key)`);
      walkJson(x, p, ctx, depth + 1);
    }
  }
}

function multipart(text: string, boundary: string, ctx: Ctx): void {
  for (const part of text.split(`--${boundary}`)) {
    if (ctx.budget <= 0) return;
    const sep = part.indexOf('\r\n\r\n');
    if (sep === -1) continue;
    const head = part.slice(0, sep);
    const disp = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1] ?? '';
    if (/\bfilename=/i.test(disp)) {
      const fn = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
      if (fn) check(ctx, fn, 'body', `${name} (filename)`, ['PATH_TRAVERSAL', 'COMMAND_INJECTION', 'XSS']);
      continue; // file content is not a parameter
    }
    check(ctx, part.slice(sep + 4).replace(/\r\n$/, ''), 'body', name);
  }
}

/**
 * Every injection found in the request's user-controlled values, strongest first. Authorization
 * and cookie tokens are never scanned; User-Agent only for SQL and command injection.
 */
export function scanRequestValues(tx: Transaction, options?: ScanRequestOptions): RequestInjection[] {
  const ctx: Ctx = { out: [], options, budget: options?.maxValues ?? 2000 };
  const req = tx.request;
  // absolute-form request targets (proxies): keep the path and query only
  const uri = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(req.uri) ? req.uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/' : req.uri;
  // path: each segment, and the whole path for traversal that spans segments
  const path = pathOf(uri);
  const segs = path.split('/');
  let seg = 0;
  for (const s of segs) if (s) check(ctx, s, 'path', `path[${seg++}]`);
  if (path.includes('..') || /%2e|%252e|%c0|%u/i.test(path)) {
    const before = ctx.out.length;
    check(ctx, path, 'path', 'path', ['PATH_TRAVERSAL']);
    // keep one traversal finding for the path: the whole-path one when a segment alone did not show it
    if (ctx.out.length > before && ctx.out.slice(0, before).some((m) => m.kind === 'PATH_TRAVERSAL')) ctx.out.length = before;
  }
  // query
  const q = uri.indexOf('?');
  if (q !== -1) {
    const h = uri.indexOf('#', q);
    pairs(uri.slice(q + 1, h === -1 ? undefined : h), ctx, 'query');
  }
  // headers
  for (const [rawName, value] of req.headers) {
    const name = rawName.toLowerCase();
    if (SKIP_HEADERS.has(name) || name.startsWith('sec-') || name.startsWith('access-control-')) continue;
    if (name === 'user-agent') check(ctx, value, 'header', rawName, USER_AGENT_KINDS);
    else if (!looksLikeToken(value)) check(ctx, value, 'header', rawName);
  }
  // cookies: values, never opaque tokens
  const cookie = headerValue(req.headers, 'cookie');
  if (cookie) {
    for (const c of cookie.split(';')) {
      const eq = c.indexOf('=');
      if (eq === -1) continue;
      const name = c.slice(0, eq).trim();
      const value = c.slice(eq + 1).trim();
      if (!looksLikeToken(value)) check(ctx, value, 'cookie', name);
    }
  }
  // body
  const body = req.body;
  if (body && body.bytes.length > 0) {
    const max = options?.maxBodyBytes ?? 256 * 1024;
    const text = body.bytes.subarray(0, max).toString('utf8');
    const ct = (headerValue(req.headers, 'content-type') ?? '').toLowerCase();
    const trimmed = text.trimStart();
    if (ct.includes('json') || ((ct === '' || ct.startsWith('text/plain')) && (trimmed.startsWith('{') || trimmed.startsWith('[')))) {
      let parsed: unknown;
      let ok = false;
      try {
        parsed = JSON.parse(text);
        ok = true;
      } catch {
        // cut or malformed JSON: scanned as text below
      }
      if (ok) walkJson(parsed, '', ctx, 0);
      else check(ctx, text, 'body', '');
    } else if (ct.includes('application/x-www-form-urlencoded')) {
      pairs(text, ctx, 'body');
    } else if (ct.includes('multipart/form-data')) {
      const b = /boundary="?([^";]+)"?/i.exec(ct)?.[1] ?? /boundary="?([^";]+)"?/i.exec(headerValue(req.headers, 'content-type') ?? '')?.[1];
      if (b) multipart(text, b, ctx);
    } else if (ct.startsWith('text/') || ct.includes('xml') || ct === '') {
      check(ctx, text, 'body', '');
    }
  }
  return ctx.out.sort((a, b) => b.score - a.score);
}
