// Field-name context: a key like `accounts.0.cardNumber` or nearby words in text are split into
// lower-case tokens; tokens raise the confidence of the types they name and lower it for
// id-, time- and count-like names.
import { TYPES } from './types.ts';

export interface Ctx {
  /** Bit i set: a token names TYPES[i]. */
  pos: number;
  /** Id-, time-, count-like name: lowers confidence. */
  neg: boolean;
  /** 1: password-like name; 2: secret-like name (token, api key, secret); 0: neither. */
  secret: 0 | 1 | 2;
  /** aws secret access key names */
  aws: boolean;
  /** the name says nothing about the value (value, number, data): parents' context counts. */
  generic: boolean;
}

export const EMPTY_CTX: Ctx = Object.freeze({ pos: 0, neg: false, secret: 0, aws: false, generic: true }) as Ctx;

const POS = new Map<string, number>();
TYPES.forEach((ty, i) => {
  for (const tok of ty.positive) POS.set(tok, (POS.get(tok) ?? 0) | (1 << i));
});

const NEG = new Set([
  'id', 'ids', 'uuid', 'guid', 'uid', 'timestamp', 'ts', 'time', 'at', 'created', 'updated', 'modified', 'expires',
  'count', 'total', 'amount', 'seq', 'sequence', 'index', 'idx', 'version', 'ver', 'size', 'length', 'len',
  'hash', 'checksum', 'sha', 'sha1', 'sha256', 'md5', 'etag', 'nonce', 'ref', 'reference', 'order', 'invoice',
  'tracking', 'trace', 'span', 'request', 'correlation', 'epoch', 'ms', 'millis', 'duration', 'price', 'qty',
  'quantity', 'zip', 'postal', 'sku', 'ean', 'upc', 'isbn', 'gtin', 'serial', 'shipment', 'transaction', 'txn',
  'batch', 'build', 'offset', 'limit', 'page', 'score', 'balance', 'revision', 'rev', 'key', 'cursor', 'last4', 'lastfour',
  'customer', 'user', 'product', 'item', 'parcel', 'ticket', 'case', 'booking', 'record', 'event', 'job', 'run', 'code', 'pin',
]);
// Tokens that, as the last word, make a password/secret-like name metadata about the secret.
const META = new Set([
  'hint', 'policy', 'length', 'expires', 'expiry', 'expiration', 'changed', 'updated', 'reset', 'required', 'strength',
  'type', 'hash', 'id', 'name', 'url', 'uri', 'endpoint', 'in', 'at', 'ttl', 'count', 'enabled', 'scope', 'scopes',
  'status', 'kind', 'format', 'algorithm', 'alg', 'version', 'set', 'last', 'rotation', 'rotated', 'created', 'label',
]);
const PASSWORD = new Set(['password', 'passwd', 'pwd', 'passphrase', 'passcode', 'pass', 'pw']);
const SECRET = new Set(['secret', 'token', 'apikey', 'credential', 'credentials', 'bearer', 'authorization', 'cookie', 'sessionid', 'privatekey', 'secretkey', 'accesskey', 'signingkey', 'auth', 'session']);
const KEY_MODIFIERS = new Set(['api', 'access', 'secret', 'private', 'signing', 'encryption', 'auth', 'master', 'client', 'app', 'license', 'x']);
const GENERIC = new Set(['value', 'number', 'num', 'no', 'nr', 'data', 'text', 'string', 'val', 'v', 'info', 'details', 'detail']);

const cache = new Map<string, Ctx>();

/** Splits a name into lower-case word tokens: camelCase, snake_case, kebab-case, dots, digits. */
export function tokenize(name: string): string[] {
  const out: string[] = [];
  let cur = '';
  let prevLower = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    if (upper || lower) {
      if (upper && prevLower && cur) {
        out.push(cur);
        cur = '';
      }
      cur += lower ? name[i] : String.fromCharCode(c + 32);
      prevLower = lower;
    } else if (c >= 48 && c <= 57 && cur && cur !== '') {
      // "ipv4", "sha256", "last4": digits stay with the word
      cur += name[i];
      prevLower = true;
    } else {
      if (cur) out.push(cur);
      cur = '';
      prevLower = false;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function lookup<T>(m: { get(k: string): T | undefined } | Set<string>, tok: string): boolean | T | undefined {
  const last = tok.charCodeAt(tok.length - 1);
  if (last >= 48 && last <= 57 && tok.length > 2) {
    const r = lookup1(m, tok);
    return r || lookup1(m, tok.replace(/[0-9]+$/, ''));
  }
  return lookup1(m, tok);
}

function lookup1<T>(m: { get(k: string): T | undefined } | Set<string>, tok: string): boolean | T | undefined {
  if (m instanceof Set) return m.has(tok) || (tok.length > 3 && tok.endsWith('s') && m.has(tok.slice(0, -1)));
  return m.get(tok) ?? (tok.length > 3 && tok.endsWith('s') ? m.get(tok.slice(0, -1)) : undefined);
}

const KEEP_DIGITS = new Set(['ipv4', 'ipv6', 'sha1', 'sha256', 'sha512', 'md5', 'last4', 'base64', 'utf8', 'x509', 'b64', 'e164', 'i18n']);

/** "phone2" -> "phone", "key3" -> "key"; "ipv4" stays. */
function norm(tok: string): string {
  const last = tok.charCodeAt(tok.length - 1);
  if (last < 48 || last > 57 || KEEP_DIGITS.has(tok)) return tok;
  const t = tok.replace(/[0-9]+$/, '');
  return t === '' ? tok : t;
}

export function ctxOfTokens(raw: string[]): Ctx {
  const toks = raw.map(norm);
  let pos = 0;
  let anyNeg = false;
  let secret: 0 | 1 | 2 = 0;
  let aws = false;
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!;
    const p = lookup(POS, tok) as number | undefined;
    if (p) pos |= p;
    // compound words: "cardnumber", "creditcard", "phonenumber", "emailaddress"
    if (!p && tok.length > 6) {
      for (const [w, bits] of POS) if (w.length >= 4 && tok.includes(w)) pos |= bits;
    }
    if (lookup(NEG, tok)) anyNeg = true;
    if (lookup(PASSWORD, tok) || tok.includes('password')) secret = 1;
    else if (secret === 0 && (lookup(SECRET, tok) || (tok === 'key' && i > 0 && KEY_MODIFIERS.has(toks[i - 1]!)) || tok.endsWith('token') || tok.endsWith('secret') || tok === 'apikey')) secret = 2;
    if (tok === 'aws') aws = true;
  }
  const head = toks.length ? toks[toks.length - 1]! : '';
  const headNeg = head !== '' && (lookup(NEG, head) === true) && !(head === 'key' && secret);
  if (secret && head && (META.has(head) || (headNeg && head !== 'key'))) secret = 0;
  // "key" alone is not negative when it names a secret ("apiKey")
  let neg = headNeg || (anyNeg && pos === 0);
  if (secret && !headNeg) neg = false;
  const generic = toks.length === 0 || (toks.length === 1 && GENERIC.has(head)) || (pos === 0 && !neg && !secret && GENERIC.has(head));
  return { pos, neg, secret, aws: aws && secret === 2, generic };
}

/** Context of one field name (cached). */
export function ctxOfName(name: string): Ctx {
  let c = cache.get(name);
  if (c === undefined) {
    c = ctxOfTokens(tokenize(name));
    if (cache.size > 20_000) cache.clear();
    cache.set(name, c);
  }
  return c;
}

/** A leaf's context combined with its parent's (parents count when the leaf name is generic or silent). */
export function combine(leaf: Ctx, parent: Ctx | null): Ctx {
  if (!parent) return leaf;
  if (leaf.generic) {
    return { pos: leaf.pos | parent.pos, neg: leaf.neg, secret: leaf.secret || parent.secret, aws: leaf.aws || parent.aws, generic: false };
  }
  return leaf;
}
