// Who called: the most specific identity a transaction carries, in this order: the subject of a
// bearer JWT (with its issuer), a Basic user name, an API key, a session cookie, else the client IP.
// Credentials are never kept: they become keyed fingerprints (HMAC with the installation's key), so
// the same caller gets the same actor id without its secret being stored.
import { createHmac } from 'node:crypto';
import { memoizedPerKey } from '../recent-memo.ts';
import { headerValue, type Transaction } from '../../wire/transaction.ts';
import { jwtParts } from '../discovery/auth-schemes.ts';

export interface Actor {
  /** `sub:<fp>`, `user:<fp>`, `key:<fp>`, `session:<fp>` or `ip:<address>`. */
  id: string;
  kind: 'subject' | 'user' | 'apiKey' | 'session' | 'ip';
  /** For people: what the identity is, without the secret (e.g. "JWT subject at login.example"). */
  label: string;
}

const API_KEY_HEADERS = ['x-api-key', 'api-key', 'apikey', 'x-apikey', 'ocp-apim-subscription-key', 'x-functions-key', 'x-auth-token'];
const SESSION_COOKIE = /^(session|sess|sid|jsessionid|phpsessid|connect\.sid|asp\.net_sessionid|_session_id|.*_session)$/i;
const USERNAME_FIELDS = ['username', 'user', 'login', 'email', 'userName', 'user_name', 'emailAddress', 'email_address'];

/** A keyed fingerprint (remembered for recent values: a caller repeats its credential on every call). */
export const fingerprint = memoizedPerKey((key, value) => createHmac('sha256', key).update(value).digest('base64url').slice(0, 16));

export function actorOf(t: Transaction, key: string): Actor {
  const auth = headerValue(t.request.headers, 'authorization');
  if (auth) {
    const sp = auth.indexOf(' ');
    const scheme = sp > 0 ? auth.slice(0, sp).toLowerCase() : '';
    const credential = auth.slice(sp + 1).trim();
    if (scheme === 'bearer') {
      const jwt = jwtParts(credential);
      const sub = jwt && typeof jwt.claims.sub === 'string' ? jwt.claims.sub : null;
      if (jwt && sub) {
        const iss = typeof jwt.claims.iss === 'string' ? jwt.claims.iss : '';
        let where = '';
        try {
          where = iss ? ` at ${new URL(iss).host}` : '';
        } catch {
          where = '';
        }
        return { id: `sub:${fingerprint(key, `${iss}\n${sub}`)}`, kind: 'subject', label: `JWT subject${where}` };
      }
      return { id: `key:${fingerprint(key, credential)}`, kind: 'apiKey', label: 'bearer token' };
    }
    if (scheme === 'basic') {
      const user = Buffer.from(credential, 'base64').toString('utf8').split(':')[0] ?? '';
      return { id: `user:${fingerprint(key, user)}`, kind: 'user', label: 'Basic user' };
    }
  }
  for (const name of API_KEY_HEADERS) {
    const v = headerValue(t.request.headers, name);
    if (v) return { id: `key:${fingerprint(key, v)}`, kind: 'apiKey', label: `API key (${name})` };
  }
  const cookie = headerValue(t.request.headers, 'cookie');
  if (cookie) {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim();
      if (eq > 0 && SESSION_COOKIE.test(name)) return { id: `session:${fingerprint(key, part.slice(eq + 1).trim())}`, kind: 'session', label: `session cookie ${name}` };
    }
  }
  return { id: `ip:${t.request.clientIp}`, kind: 'ip', label: `client IP (${t.request.clientIpRule})` };
}

/** The user name a login-like request sends (JSON or form body), fingerprinted; null when none. */
export function usernameOf(t: Transaction, key: string): string | null {
  const body = t.request.body;
  if (!body || body.bytes.length === 0 || body.bytes.length > 65_536) return null;
  const type = (headerValue(t.request.headers, 'content-type') ?? '').toLowerCase();
  const text = body.bytes.toString('utf8');
  let value: unknown = null;
  if (type.includes('json')) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      if (doc && typeof doc === 'object') value = USERNAME_FIELDS.map((f) => doc[f]).find((v) => typeof v === 'string');
    } catch {
      return null;
    }
  } else if (type.includes('x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    value = USERNAME_FIELDS.map((f) => form.get(f)).find((v) => v !== null);
  }
  return typeof value === 'string' && value.length > 0 ? fingerprint(key, value.toLowerCase()) : null;
}
