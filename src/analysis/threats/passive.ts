// Passive checks on one transaction: what a single request and response show without any history.
// Each check names its OWASP API Security Top 10 (2023) category and leaves evidence a person can
// verify (header names, parameter names, masked snippets; never a credential or a raw value).
//   API2  credentials in URLs, credentials over plain HTTP, weak JWTs (alg none, no expiry, very
//         long lifetime, HMAC secret from a dictionary)
//   API4  very large page sizes, oversized responses
//   API7  URL-valued parameters pointing at internal addresses, cloud metadata or odd schemes
//   API8  stack traces and database errors in responses, server version disclosure, permissive
//         CORS, missing security headers, plain HTTP
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { headerValue, type Transaction } from '../../wire/transaction.ts';
import { makeRoom } from '../bounded-map.ts';
import type { FindingObservation } from '../../store/findings.ts';
import { jwtParts } from '../discovery/auth-schemes.ts';

type Check = Omit<FindingObservation, 'endpointId' | 'actor' | 'transactionId' | 'at'>;

const CREDENTIAL_PARAMS = /^(password|passwd|pwd|pass|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|session[_-]?id|private[_-]?key)$/i;
const PAGE_PARAMS = /^(limit|size|per_?page|page_?size|pagesize|count|max|max_?results|top|\$top|take|first|last)$/i;
const LARGE_PAGE = 1000;
const OVERSIZED_RESPONSE = 10 * 1024 * 1024;
/** Secrets people leave in HMAC-signed JWTs (tutorials, defaults, placeholders). */
const WEAK_JWT_SECRETS = ['secret', 'password', '123456', '12345678', 'changeme', 'change-me', 'jwt', 'jwtsecret', 'jwt-secret', 'jwt_secret', 'secretkey', 'secret-key', 'secret_key', 'mysecret', 'my-secret', 'your-256-bit-secret', 'your-secret-key', 'key', 'test', 'testing', 'admin', 'default', 'supersecret', 'qwerty', 'letmein', 'token', 'dev', 'development', 'example'];
const LONG_JWT_SECONDS = 7 * 86_400;

const STACK_TRACES: Array<[string, RegExp]> = [
  ['Java stack trace', /\bat [\w$.]+\([\w$]+\.java:\d+\)/],
  ['.NET stack trace', /\bat [\w.`<>]+\([^)]{0,200}\) in [^\n]{1,300}:line \d+/],
  ['Python traceback', /Traceback \(most recent call last\)/],
  ['Node.js stack trace', /\bat (?:[\w.<>$ ]{1,200} \()?(?:\/|[A-Z]:\\)[^\s():]{1,300}\.(?:js|ts|mjs|cjs):\d+:\d+\)?/],
  ['PHP error', /(?:Fatal error|Warning|Parse error|Notice): [^\n]{1,300} on line \d+/],
  ['Ruby backtrace', /\.rb:\d+:in `/],
  ['Go panic', /goroutine \d+ \[running\]/],
  ['SQL error', /You have an error in your SQL syntax|ORA-\d{5}|PG::\w+Error|SQLSTATE\[\w+\]|Unclosed quotation mark after the character string|SQLite(?:3)?::\w*Exception|psycopg2\.errors\./],
];

const redact = (s: string, keep = 3) => (s.length <= keep ? '*'.repeat(s.length) : `${s.slice(0, keep)}${'*'.repeat(Math.min(12, s.length - keep))}`);

function queryOf(uri: string): URLSearchParams | null {
  const q = uri.indexOf('?');
  return q === -1 ? null : new URLSearchParams(uri.slice(q + 1).split('#')[0]);
}

function hasCredentials(t: Transaction): boolean {
  const names = t.request.headers.map(([n]) => n.toLowerCase());
  return names.includes('authorization') || names.includes('cookie') || names.some((n) => /api-?key|token|secret/.test(n));
}

/** An address or host name that points inside: loopback, private, link-local, metadata services. */
export function internalHost(host: string): string | null {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return 'internal host name';
  if (h === 'metadata.google.internal' || h === '169.254.169.254' || h === 'fd00:ec2::254' || h === '100.100.100.200') return 'cloud metadata service';
  const v = isIP(h);
  if (v === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    if (a === 127 || a === 0) return 'loopback address';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private address';
    if (a === 169 && b === 254) return 'link-local address';
  } else if (v === 6) {
    if (h === '::1' || h === '::') return 'loopback address';
    if (/^f[cd]/.test(h)) return 'private address';
    if (/^fe[89ab]/.test(h)) return 'link-local address';
    if (h.startsWith('::ffff:')) return internalHost(h.slice(7));
  } else if (/^\d+$/.test(h) || /^0x[0-9a-f]+$/.test(h)) {
    return 'numeric address (an obfuscated IP)';
  }
  return null;
}

/** Why a parameter value is an SSRF attempt or risk, or null. */
export function ssrfReason(value: string): string | null {
  const v = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]{1,15}):/i.exec(v)?.[1]?.toLowerCase();
  if (scheme && ['file', 'gopher', 'dict', 'ldap', 'ftp', 'jar', 'netdoc', 'tftp'].includes(scheme) && /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return `${scheme}: URL`;
  if (scheme !== 'http' && scheme !== 'https') return null;
  try {
    const u = new URL(v);
    const why = internalHost(u.hostname);
    return why ? `URL to a ${why} (${u.hostname})` : null;
  } catch {
    return null;
  }
}

function jwtChecks(t: Transaction): Check[] {
  const auth = headerValue(t.request.headers, 'authorization');
  if (!auth || !/^bearer /i.test(auth)) return [];
  const token = auth.slice(7).trim();
  const jwt = jwtParts(token);
  if (!jwt) return [];
  const alg = String(jwt.header.alg);
  const out: Check[] = [];
  const base = { owaspCategory: 'API2', subject: 'request.headers.authorization' } as const;
  if (alg.toLowerCase() === 'none') {
    out.push({ ...base, type: 'JWT_ALG_NONE', severity: 'critical', summary: 'A JWT with alg "none" (unsigned) was sent', evidence: { header: jwt.header } });
    return out;
  }
  const exp = typeof jwt.claims.exp === 'number' ? jwt.claims.exp : null;
  const iat = typeof jwt.claims.iat === 'number' ? jwt.claims.iat : typeof jwt.claims.nbf === 'number' ? jwt.claims.nbf : null;
  if (exp === null) out.push({ ...base, type: 'JWT_WITHOUT_EXPIRY', severity: 'medium', summary: 'A JWT without an "exp" claim never expires', evidence: { alg, claims: Object.keys(jwt.claims).sort() } });
  else if (iat !== null && exp - iat > LONG_JWT_SECONDS) {
    out.push({ ...base, type: 'JWT_LONG_LIFETIME', severity: 'low', summary: `A JWT valid for ${Math.round((exp - iat) / 86_400)} days`, evidence: { alg, lifetimeSeconds: exp - iat } });
  }
  const secret = weakSecretOf(token, alg);
  if (secret !== null) {
    out.push({ ...base, type: 'JWT_WEAK_SECRET', severity: 'critical', summary: `A ${alg} JWT signed with a dictionary secret`, evidence: { alg, secret: redact(secret, 1) } });
  }
  return out;
}

/**
 * Tokens already tried against the dictionary, by a digest of the token (never the token itself):
 * a client sends the same token on call after call, and trying it costs one HMAC per dictionary
 * entry (about 60 µs, more than the rest of the analysis of a transaction; bench/jwt-checks).
 */
const triedTokens = new Map<string, string | null>();
const TRIED_TOKENS_MAX = 10_000;

/** The dictionary secret an HMAC-signed JWT was signed with, or null. */
function weakSecretOf(token: string, alg: string): string | null {
  const algorithm = ({ HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as Record<string, string>)[alg];
  const parts = token.split('.');
  if (!algorithm || !parts[2]) return null;
  const digest = hash('sha256', token, 'base64url');
  const known = triedTokens.get(digest);
  if (known !== undefined) return known;
  const signature = Buffer.from(parts[2], 'base64url');
  const signed = `${parts[0]}.${parts[1]}`;
  let found: string | null = null;
  for (const secret of WEAK_JWT_SECRETS) {
    const mac = createHmac(algorithm, secret).update(signed).digest();
    if (mac.length === signature.length && timingSafeEqual(mac, signature)) {
      found = secret;
      break;
    }
  }
  makeRoom(triedTokens, TRIED_TOKENS_MAX);
  triedTokens.set(digest, found);
  return found;
}

function misconfigurationChecks(t: Transaction): Check[] {
  const out: Check[] = [];
  const res = t.response;
  const status = res.status ?? 0;
  const server = headerValue(res.headers, 'server');
  const poweredBy = headerValue(res.headers, 'x-powered-by');
  const aspnet = headerValue(res.headers, 'x-aspnet-version') ?? headerValue(res.headers, 'x-aspnetmvc-version');
  const versions = [
    server && /\d+\.\d+/.test(server) ? `Server: ${server}` : null,
    poweredBy && /\d/.test(poweredBy) ? `X-Powered-By: ${poweredBy}` : null,
    aspnet ? `X-AspNet-Version: ${aspnet}` : null,
  ].filter((x): x is string => x !== null);
  if (versions.length > 0) {
    out.push({ type: 'SERVER_VERSION_DISCLOSURE', owaspCategory: 'API8', severity: 'low', subject: 'response.headers', summary: 'Responses name the server software and its version', evidence: { headers: versions.map((v) => v.slice(0, 120)) } });
  }
  const origin = headerValue(res.headers, 'access-control-allow-origin');
  const credentials = (headerValue(res.headers, 'access-control-allow-credentials') ?? '').toLowerCase() === 'true';
  const requestOrigin = headerValue(t.request.headers, 'origin');
  if (origin === '*' && credentials) {
    out.push({ type: 'PERMISSIVE_CORS', owaspCategory: 'API8', severity: 'high', subject: 'response.headers.access-control-allow-origin', summary: 'CORS allows any origin with credentials', evidence: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' } });
  } else if (credentials && origin && requestOrigin && origin === requestOrigin && (origin === 'null' || !sameSite(origin, t.request.host))) {
    out.push({ type: 'PERMISSIVE_CORS', owaspCategory: 'API8', severity: 'medium', subject: 'response.headers.access-control-allow-origin', summary: 'CORS reflects the caller\'s origin with credentials', evidence: { origin, 'access-control-allow-credentials': 'true' } });
  }
  const body = res.body ? res.body.bytes.subarray(0, 65536).toString('utf8') : '';
  if (body && status >= 400) {
    for (const [what, re] of STACK_TRACES) {
      const m = re.exec(body);
      if (m) {
        out.push({ type: 'VERBOSE_ERROR', owaspCategory: 'API8', severity: 'medium', subject: 'response.body', summary: `Error responses include a ${what}`, evidence: { kind: what, status, excerpt: m[0].slice(0, 120) } });
        break;
      }
    }
  }
  const type = (headerValue(res.headers, 'content-type') ?? '').toLowerCase();
  if (status >= 200 && status < 300 && /json|html/.test(type)) {
    const missing: string[] = [];
    if (!headerValue(res.headers, 'x-content-type-options')) missing.push('X-Content-Type-Options');
    if (t.request.scheme === 'https' && !headerValue(res.headers, 'strict-transport-security')) missing.push('Strict-Transport-Security');
    if (/html/.test(type) && !headerValue(res.headers, 'content-security-policy') && !headerValue(res.headers, 'x-frame-options')) missing.push('Content-Security-Policy or X-Frame-Options');
    if (missing.length > 0) out.push({ type: 'MISSING_SECURITY_HEADERS', owaspCategory: 'API8', severity: 'info', subject: 'response.headers', summary: `Responses lack ${missing.join(', ')}`, evidence: { missing } });
  }
  return out;
}

function sameSite(origin: string, host: string | null): boolean {
  if (!host) return false;
  try {
    const o = new URL(origin).hostname.toLowerCase();
    const h = host.split(':')[0]!.toLowerCase();
    const site = (x: string) => x.split('.').slice(-2).join('.');
    return site(o) === site(h);
  } catch {
    return false;
  }
}

function requestChecks(t: Transaction): Check[] {
  const out: Check[] = [];
  const query = queryOf(t.request.uri);
  const credentialParams = query ? [...new Set([...query.keys()].filter((k) => CREDENTIAL_PARAMS.test(k)))] : [];
  if (credentialParams.length > 0) {
    out.push({ type: 'CREDENTIALS_IN_URL', owaspCategory: 'API2', severity: 'high', subject: `request.query.${credentialParams[0]}`, summary: `Credentials travel in the URL (${credentialParams.join(', ')}): they end up in logs and browser history`, evidence: { parameters: credentialParams } });
  }
  if (t.request.scheme === 'http') {
    if (hasCredentials(t) || credentialParams.length > 0) {
      out.push({ type: 'CREDENTIALS_OVER_HTTP', owaspCategory: 'API2', severity: 'high', subject: 'request', summary: 'Credentials are sent over plain HTTP', evidence: { scheme: 'http', credentialHeaders: t.request.headers.map(([n]) => n.toLowerCase()).filter((n) => n === 'authorization' || n === 'cookie' || /api-?key|token|secret/.test(n)) } });
    } else {
      out.push({ type: 'PLAIN_HTTP', owaspCategory: 'API8', severity: 'low', subject: 'request', summary: 'The API is served over plain HTTP', evidence: { scheme: 'http' } });
    }
  }
  if (query) {
    for (const [name, value] of query) {
      if (PAGE_PARAMS.test(name) && /^\d{1,12}$/.test(value) && Number(value) >= LARGE_PAGE) {
        const n = Number(value);
        out.push({ type: 'LARGE_PAGE_SIZE', owaspCategory: 'API4', severity: n >= 100_000 ? 'medium' : 'low', subject: `request.query.${name}`, summary: `A page size of ${n} was requested (${name}); check the API caps it`, evidence: { parameter: name, value: n, status: t.response.status } });
        break;
      }
    }
    for (const [name, value] of query) {
      const why = ssrfReason(value);
      if (why) {
        out.push({ type: 'SSRF_ATTEMPT', owaspCategory: 'API7', severity: 'high', subject: `request.query.${name}`, summary: `Parameter ${name} carries a ${why}`, evidence: { parameter: name, reason: why, value: value.slice(0, 120) } });
        break;
      }
    }
  }
  if ((t.response.body?.length ?? 0) > OVERSIZED_RESPONSE) {
    out.push({ type: 'OVERSIZED_RESPONSE', owaspCategory: 'API4', severity: 'low', subject: 'response.body', summary: `A response of ${Math.round(t.response.body!.length / 1048576)} MB`, evidence: { bytes: t.response.body!.length } });
  }
  return out;
}

/** URL-valued JSON body fields (SSRF), found by walking the request body. */
function bodySsrf(t: Transaction): Check[] {
  const body = t.request.body;
  const type = headerValue(t.request.headers, 'content-type') ?? '';
  if (!body || body.truncated || !/json/i.test(type) || body.bytes.length > 262_144) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(body.bytes.toString('utf8'));
  } catch {
    return [];
  }
  const found: Check[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (found.length > 0 || depth > 12) return;
    if (typeof v === 'string') {
      const why = v.length < 2048 ? ssrfReason(v) : null;
      if (why) found.push({ type: 'SSRF_ATTEMPT', owaspCategory: 'API7', severity: 'high', subject: `request.body.${path}`, summary: `Field ${path} carries a ${why}`, evidence: { field: path, reason: why, value: v.slice(0, 120) } });
    } else if (Array.isArray(v)) v.slice(0, 100).forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i), depth + 1));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v).slice(0, 200)) walk(x, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(doc, '', 0);
  return found;
}

/** Every passive finding of one transaction. */
export function passiveChecks(t: Transaction, endpointId: string | null, at: number): FindingObservation[] {
  const checks = [...requestChecks(t), ...bodySsrf(t), ...jwtChecks(t), ...misconfigurationChecks(t)];
  return checks.map((c) => ({ ...c, endpointId, actor: null, transactionId: t.id, at }));
}
