// Which authentication a request carried: none, HTTP Basic, a Bearer token (for a JWT: its
// issuer and algorithm, read from the unsigned header and claims, never verified), an API key (in
// a header or the query), or a session cookie. Works on captures that dropped the JWT signature
// (the APIM policy sends `header.claims.`). Values are never kept, only names and claims.
import type { Header } from '../../wire/transaction.ts';
import { makeRoom } from '../bounded-map.ts';

export interface AuthScheme {
  /** `none`, `basic`, `bearer`, `apiKey`, `cookie`, or another Authorization scheme in lower case. */
  scheme: string;
  /** For bearer tokens: `jwt` or `opaque`. */
  format?: 'jwt' | 'opaque';
  /** JWT header `alg`. */
  alg?: string;
  /** JWT claim `iss`. */
  issuer?: string;
  /** Where an API key or cookie was: `header`, `query` or `cookie`, and its name. */
  in?: 'header' | 'query' | 'cookie';
  name?: string;
}

const API_KEY_HEADERS = /^(x-api-key|api-key|apikey|x-apikey|x-auth-token|x-access-token|ocp-apim-subscription-key|x-functions-key|x-goog-api-key)$/i;
const API_KEY_QUERY = /^(api[_-]?key|apikey|key|access[_-]?token|token|subscription-key|auth)$/i;
const SESSION_COOKIES = /sess|sid$|^sid|token|auth|jwt|connect\.sid|jsessionid|phpsessid|asp\.net_sessionid/i;

function base64UrlJson(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.freeze(value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// Decoded JWT headers and claims by their base64url text. A client sends the same token on every
// call until it expires, and analysis reads it three times per transaction (auth schemes, actor,
// JWT checks). Only the unsigned parts are keys, never the signature that makes a token usable:
// they are what a capture may send in clear anyway (the APIM policy keeps them).
const DECODED_LIMIT = 4096;
const MAX_PART_LENGTH = 4096;
const decoded = new Map<string, Record<string, unknown> | null>();

function decodedPart(part: string): Record<string, unknown> | null {
  if (part.length > MAX_PART_LENGTH) return base64UrlJson(part);
  let value = decoded.get(part);
  if (value === undefined) {
    value = base64UrlJson(part);
    makeRoom(decoded, DECODED_LIMIT);
    decoded.set(part, value);
  }
  return value;
}

/**
 * A JWT's unsigned header and claims (signature optional: captures may drop it). The objects are
 * shared between calls with the same token, and frozen.
 */
export function jwtParts(token: string): { header: Readonly<Record<string, unknown>>; claims: Readonly<Record<string, unknown>> } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0]!.startsWith('eyJ')) return null;
  const header = decodedPart(parts[0]!);
  const claims = decodedPart(parts[1]!);
  return header && claims && typeof header.alg === 'string' ? { header, claims } : null;
}

function bearer(token: string): AuthScheme {
  const jwt = jwtParts(token.trim());
  if (!jwt) return { scheme: 'bearer', format: 'opaque' };
  const out: AuthScheme = { scheme: 'bearer', format: 'jwt', alg: String(jwt.header.alg) };
  if (typeof jwt.claims.iss === 'string') out.issuer = jwt.claims.iss.slice(0, 200);
  return out;
}

/** Every scheme the request carried (an empty request: `[{scheme: 'none'}]`). */
export function authSchemes(headers: Header[], query: URLSearchParams | null): AuthScheme[] {
  const found: AuthScheme[] = [];
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'authorization') {
      const sp = value.indexOf(' ');
      const scheme = (sp > 0 ? value.slice(0, sp) : value).toLowerCase();
      if (scheme === 'bearer') found.push(bearer(value.slice(sp + 1)));
      else if (sp > 0) found.push({ scheme: scheme.slice(0, 40) });
      else found.push({ scheme: 'apiKey', in: 'header', name: rawName });
    } else if (API_KEY_HEADERS.test(name)) {
      found.push({ scheme: 'apiKey', in: 'header', name: name });
    } else if (name === 'cookie') {
      for (const c of value.split(';')) {
        const cookie = c.split('=')[0]!.trim();
        if (cookie && SESSION_COOKIES.test(cookie)) found.push({ scheme: 'cookie', in: 'cookie', name: cookie.slice(0, 100) });
      }
    }
  }
  if (query) for (const key of new Set(query.keys())) if (API_KEY_QUERY.test(key)) found.push({ scheme: 'apiKey', in: 'query', name: key });
  return found.length > 0 ? found : [{ scheme: 'none' }];
}

/** A stable key for counting schemes per endpoint, e.g. `bearer jwt RS256 https://login.example`. */
export function authKey(a: AuthScheme): string {
  return [a.scheme, a.format, a.alg, a.issuer, a.in, a.name].filter((x) => x !== undefined).join(' ');
}
