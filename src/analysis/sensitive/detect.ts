// Detectors over one string value: a single pass splits it into tokens (and numeric phrases such
// as "4111 1111 1111 1111" or "+1 415 555 2671"), cheap features pick the candidate types, and
// only then checksums and parsers run. Every regular expression here is anchored or sticky with
// bounded, non-overlapping repetitions (linear time).
import { Metadata } from 'libphonenumber-js/max';
import {
  abaValid, base58CheckValid, bech32AddressValid, cardBrand, entropy, ethAddressValid, ibanValid, luhn, ninoValid, sinValid, ssnValid,
} from './checksums.ts';
import { ctxOfTokens, tokenize, type Ctx } from './context.ts';
import { TYPE_INDEX, TYPES } from './types.ts';

/** A raw match inside one string, before it is placed (location, field). */
export interface Match {
  type: number;
  start: number;
  end: number;
  confidence: number;
}

const T = (name: string): number => TYPE_INDEX.get(name)!;
export const CREDIT_CARD = T('CREDIT_CARD');
const IBAN = T('IBAN');
const US_SSN = T('US_SSN');
const EMAIL = T('EMAIL');
const PHONE = T('PHONE_NUMBER');
const IPV4 = T('IPV4');
const IPV6 = T('IPV6');
const JWT = T('JWT');
export const PASSWORD = T('PASSWORD');
export const SECRET = T('SECRET');
const AWS_ACCESS_KEY = T('AWS_ACCESS_KEY');
const AWS_SECRET_KEY = T('AWS_SECRET_KEY');
const GOOGLE_API_KEY = T('GOOGLE_API_KEY');
const GITHUB_TOKEN = T('GITHUB_TOKEN');
const GITLAB_TOKEN = T('GITLAB_TOKEN');
const SLACK_TOKEN = T('SLACK_TOKEN');
const STRIPE_KEY = T('STRIPE_KEY');
const SENDGRID_KEY = T('SENDGRID_KEY');
const NPM_TOKEN = T('NPM_TOKEN');
const PRIVATE_KEY = T('PRIVATE_KEY');
const ABA = T('ABA_ROUTING');
const DOB = T('DATE_OF_BIRTH');
const CA_SIN = T('CA_SIN');
const UK_NINO = T('UK_NINO');
const BTC = T('BITCOIN_ADDRESS');
const ETH = T('ETHEREUM_ADDRESS');
const MAC = T('MAC_ADDRESS');

export function score(type: number, base: number, ctx: Ctx): number {
  const ty = TYPES[type]!;
  let c = base;
  if (ctx.pos & (1 << type)) c += ty.boost;
  if (ctx.neg) c -= ty.penalty;
  return c < 0 ? 0 : c > 1 ? 1 : Math.round(c * 100) / 100;
}

// ---- character classes
const DELIM = 1, DIGIT = 2, UPPER = 4, LOWER = 8, NUMSEP = 16, OTHER = 32;
const CLS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 48 && c <= 57) CLS[c] = DIGIT;
  else if (c >= 65 && c <= 90) CLS[c] = UPPER;
  else if (c >= 97 && c <= 122) CLS[c] = LOWER;
  else if (c <= 32 || '"\'`,;<>[]{}|\\&'.includes(String.fromCharCode(c))) CLS[c] = DELIM;
  else if ('-./()+'.includes(String.fromCharCode(c))) CLS[c] = NUMSEP;
  else CLS[c] = OTHER;
}
const CLS16 = new Uint8Array(65536).fill(LOWER); // non-ASCII: letters, except a few spaces
CLS16.set(CLS);
for (const c of [0xa0, 0x2028, 0x2029, 0x3000, 0xfeff]) CLS16[c] = DELIM;
const cls = (c: number): number => CLS16[c]!;

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isB64u = (c: number) => isAlnum(c) || c === 45 || c === 95;

// ---- individual recognizers (on s[start, end))

function emailAt(s: string, at: number, lo: number, hi: number): [number, number] | null {
  let a = at;
  while (a > lo) {
    const c = s.charCodeAt(a - 1);
    if (isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || (c >= 0xc0 && c < 0x2000)) a--;
    else break;
  }
  while (a < at && (s.charCodeAt(a) === 46)) a++;
  if (at - a < 1 || at - a > 64) return null;
  let b = at + 1;
  let dots = 0;
  let lastDot = -1;
  while (b < hi) {
    const c = s.charCodeAt(b);
    if (isAlnum(c) || c === 45) b++;
    else if (c === 46 && b + 1 < hi && isAlnum(s.charCodeAt(b + 1)) && s.charCodeAt(b - 1) !== 46) {
      dots++;
      lastDot = b;
      b++;
    } else break;
  }
  if (dots === 0 || b - at - 1 > 253) return null;
  const tldLen = b - lastDot - 1;
  if (tldLen < 2 || tldLen > 24) return null;
  for (let i = lastDot + 1; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return null;
  }
  if (s.charCodeAt(at - 1) === 46) return null;
  return [a, b];
}

function jwtAt(s: string, a: number, b: number): number {
  // header.payload.signature, base64url; the end of the match is returned (0: none)
  let i = a;
  const parts: number[] = [a];
  while (i < b) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      parts.push(i + 1);
      if (parts.length > 3) break;
    } else if (!isB64u(c)) break;
    i++;
  }
  if (parts.length < 3) return 0;
  const end = parts.length > 3 ? parts[3]! - 1 : i;
  const h = s.slice(parts[0], parts[1]! - 1);
  const p = s.slice(parts[1], parts[2]! - 1);
  if (p.length < 4 || !p.startsWith('eyJ')) return 0;
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || typeof header.alg !== 'string') return 0;
    // the payload must decode to a JSON object (its claims are not needed to detect the token)
    const payload = Buffer.from(p, 'base64url').toString('utf8');
    if (payload.charCodeAt(0) !== 123 || payload.charCodeAt(payload.length - 1) !== 125) return 0;
  } catch {
    return 0;
  }
  return end;
}

function runOf(s: string, i: number, b: number, ok: (c: number) => boolean): number {
  while (i < b && ok(s.charCodeAt(i))) i++;
  return i;
}

/** Known key formats at token start; returns [type, end] or null. */
const isAwsChar = (c: number) => (c >= 65 && c <= 90) || (c >= 50 && c <= 55);
const isAlnumUnderscore = (c: number) => isAlnum(c) || c === 95;
const isAlnumDash = (c: number) => isAlnum(c) || c === 45;
const isAlnumSlash = (c: number) => isAlnum(c) || c === 47;
const KEY_FIRST = new Set([65, 103, 120, 115, 114, 83, 110, 104]);
function keyAt(s: string, a: number, b: number): [number, number] | null {
  const c0 = s.charCodeAt(a);
  if (!KEY_FIRST.has(c0)) return null;
  const len = b - a;
  if (c0 === 65 /* A */) {
    if ((s.startsWith('AKIA', a) || s.startsWith('ASIA', a) || s.startsWith('AIDA', a) || s.startsWith('AROA', a)) && len >= 20) {
      const e = runOf(s, a + 4, b, isAwsChar);
      if (e - a === 20 && (e === b || !isAlnum(s.charCodeAt(e)))) return [AWS_ACCESS_KEY, e];
    }
    if (s.startsWith('AIza', a) && len >= 39) {
      const e = runOf(s, a + 4, b, isB64u);
      if (e - a === 39) return [GOOGLE_API_KEY, e];
    }
  } else if (c0 === 103 /* g */) {
    if (len >= 40 && (s.startsWith('ghp_', a) || s.startsWith('gho_', a) || s.startsWith('ghu_', a) || s.startsWith('ghs_', a) || s.startsWith('ghr_', a))) {
      const e = runOf(s, a + 4, b, isAlnum);
      if (e - a >= 40 && e - a <= 255) return [GITHUB_TOKEN, e];
    }
    if (s.startsWith('github_pat_', a) && len >= 60) {
      const e = runOf(s, a + 11, b, isAlnumUnderscore);
      if (e - a >= 60) return [GITHUB_TOKEN, e];
    }
    if (s.startsWith('glpat-', a) && len >= 26) {
      const e = runOf(s, a + 6, b, isB64u);
      if (e - a >= 26 && e - a <= 60) return [GITLAB_TOKEN, e];
    }
  } else if (c0 === 120 /* x */) {
    if (len >= 15 && s.charCodeAt(a + 1) === 111 && s.charCodeAt(a + 2) === 120 && 'abprse'.includes(s[a + 3]!) && s.charCodeAt(a + 4) === 45) {
      const e = runOf(s, a + 5, b, isAlnumDash);
      if (e - a >= 15) {
        const body = s.slice(a + 5, e);
        let digits = 0;
        for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) >= 48 && body.charCodeAt(i) <= 57) digits++;
        if (digits >= 4) return [SLACK_TOKEN, e];
      }
    }
  } else if (c0 === 115 || c0 === 114 /* s r */) {
    if (len >= 20 && (s.startsWith('sk_live_', a) || s.startsWith('sk_test_', a) || s.startsWith('rk_live_', a) || s.startsWith('rk_test_', a))) {
      const e = runOf(s, a + 8, b, isAlnum);
      if (e - a >= 24) return [STRIPE_KEY, e];
    }
  } else if (c0 === 83 /* S */) {
    if (s.startsWith('SG.', a) && len >= 60) {
      const e1 = runOf(s, a + 3, b, isB64u);
      if (e1 - a - 3 === 22 && s.charCodeAt(e1) === 46) {
        const e2 = runOf(s, e1 + 1, b, isB64u);
        if (e2 - e1 - 1 === 43) return [SENDGRID_KEY, e2];
      }
    }
  } else if (c0 === 110 /* n */) {
    if (s.startsWith('npm_', a) && len >= 40) {
      const e = runOf(s, a + 4, b, isAlnum);
      if (e - a === 40) return [NPM_TOKEN, e];
    }
  } else if (c0 === 104 /* h */) {
    if (s.startsWith('https://hooks.slack.com/services/', a)) {
      const e = runOf(s, a + 33, b, isAlnumSlash);
      if (e - a > 50) return [SLACK_TOKEN, e];
    }
  }
  return null;
}

function ipv4Valid(s: string, a: number, b: number): boolean {
  let parts = 0;
  let n = 0;
  let digits = 0;
  for (let i = a; i <= b; i++) {
    const c = i < b ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || n > 255 || (digits > 1 && s.charCodeAt(i - digits) === 48)) return false;
      parts++;
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      n = n * 10 + c - 48;
      if (++digits > 3) return false;
    } else return false;
  }
  return parts === 4;
}

function ipv6Valid(t: string): boolean {
  if (t.length < 3 || t.length > 45) return false;
  const dbl = t.indexOf('::');
  if (dbl !== -1 && t.indexOf('::', dbl + 1) !== -1) return false;
  const groups = t.split(':');
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g === '') continue;
    if (i === groups.length - 1 && g.includes('.')) {
      if (!ipv4Valid(g, 0, g.length)) return false;
      count += 2;
      continue;
    }
    if (g.length > 4) return false;
    for (let k = 0; k < g.length; k++) if (!isHex(g.charCodeAt(k))) return false;
    count++;
  }
  if (dbl === -1) return count === 8 && groups.length === 8 || (count === 8 && t.includes('.'));
  if (count > 7) return false;
  // "::" alone or with few groups: require at least one group with a letter or a "fe80"/"2001"-like
  // shape so that times like "10::" do not pass (they cannot: one colon pair) -- accept
  return t !== '::';
}

function macValid(t: string): boolean {
  if (t.length !== 17) return false;
  const sep = t.charCodeAt(2);
  if (sep !== 58 && sep !== 45) return false;
  for (let i = 0; i < 17; i++) {
    const c = t.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== sep) return false;
    } else if (!isHex(c)) return false;
  }
  const compact = t.replace(/[:-]/g, '').toLowerCase();
  return compact !== '000000000000' && compact !== 'ffffffffffff';
}

const THIS_YEAR = new Date().getUTCFullYear();

function dateOk(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > THIS_YEAR || m < 1 || m > 12 || d < 1) return false;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= dim;
}

/** Reads 1-4 digits at s[i..]: [value, next index] packed as value * 8 + length (-1: none). */
function num(s: string, i: number, max: number): number {
  let v = 0;
  let n = 0;
  while (n < max && i + n < s.length) {
    const c = s.charCodeAt(i + n) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    n++;
  }
  return n === 0 ? -1 : v * 8 + n;
}

/** A calendar date: YYYY-MM-DD (optionally followed by T...), YYYY/MM/DD, YYYY.MM.DD, DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY, DD-MM-YYYY. */
function isDate(t: string): boolean {
  const a = num(t, 0, 4);
  if (a < 0) return false;
  const la = a & 7;
  const sep = t.charCodeAt(la);
  if (sep !== 45 && sep !== 47 && sep !== 46) return false;
  const b = num(t, la + 1, 2);
  if (b < 0) return false;
  const lb = b & 7;
  if (t.charCodeAt(la + 1 + lb) !== sep) return false;
  const c = num(t, la + 2 + lb, 4);
  if (c < 0) return false;
  const end = la + 2 + lb + (c & 7);
  if (end !== t.length && !(la === 4 && t.charCodeAt(end) === 84)) return false;
  const x = a >> 3, y = b >> 3, z = c >> 3;
  if (la === 4) return (c & 7) <= 2 && (lb === 2 || sep !== 45) && dateOk(x, y, z);
  if ((c & 7) !== 4) return false;
  return dateOk(z, y, x) || dateOk(z, x, y);
}

const NINO_SPACED = /[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]/y;
const IBAN_SPACED = /[A-Z]{2}\d{2}(?:[ -][A-Z0-9]{1,4}){2,8}/y;

// ---- the scanner

export interface ScanState {
  out: Match[];
  threshold: number;
  /** keep matches below the threshold too (the bench checks decoys with it) */
  all: boolean;
  /** start of the value being scanned (nearby words are not looked for before it) */
  lo: number;
}

function push(st: ScanState, type: number, start: number, end: number, confidence: number): void {
  if (confidence <= 0) return;
  if (confidence < st.threshold && !st.all) return;
  st.out.push({ type, start, end, confidence });
}

/** Context from the words just before `pos` (up to ~40 characters back) in free text. */
const NEAR_CACHE = new Map<string, Ctx | null>();

function nearCtx(s: string, lo: number, pos: number, field: Ctx): Ctx {
  const from = Math.max(lo, pos - 40);
  if (from >= pos) return field;
  const key = s.slice(from, pos);
  let near = NEAR_CACHE.get(key);
  if (near === undefined) {
    const words = tokenize(key);
    near = words.length === 0 ? null : ctxOfTokens(words.slice(-4));
    if (NEAR_CACHE.size > 5000) NEAR_CACHE.clear();
    NEAR_CACHE.set(key, near);
  }
  if (near === null) return field;
  if (near.pos === 0 && !near.neg) return field;
  return {
    pos: field.pos | near.pos,
    neg: (field.neg && !(near.pos)) || (near.neg && near.pos === 0 && !field.pos),
    secret: field.secret,
    aws: field.aws,
    generic: field.generic,
  };
}

function hasOpenParen(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === 40) return true;
  return false;
}

/** Classifies a numeric phrase s[a, b) (digits, spaces and - . / ( ) +). */
function numeric(s: string, a: number, b: number, ctx: Ctx, st: ScanState, text: boolean): void {
  // trim trailing separators
  while (b > a) {
    const c = s.charCodeAt(b - 1);
    if (c >= 48 && c <= 57) break;
    if (c === 41 && hasOpenParen(s, a, b)) break;
    b--;
  }
  while (a < b) {
    const c = s.charCodeAt(a);
    if ((c >= 48 && c <= 57) || c === 43 || c === 40) break;
    a++;
  }
  if (b - a < 7) return;
  let digits = 0;
  let dots = 0, dashes = 0, spaces = 0, slashes = 0, parens = 0, plus = 0;
  let minGroup = 99, groups = 0, run = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      run++;
      continue;
    }
    if (run) {
      groups++;
      if (run < minGroup) minGroup = run;
      run = 0;
    }
    if (c === 46) dots++;
    else if (c === 45) dashes++;
    else if (c === 32) spaces++;
    else if (c === 47) slashes++;
    else if (c === 40 || c === 41) parens++;
    else if (c === 43) plus++;
  }
  if (run) {
    groups++;
    if (run < minGroup) minGroup = run;
  }
  if (digits < 7 && !(dots === 3)) return;
  // shapes no detector accepts need no context
  const other0 = slashes + parens + plus + dots;
  if (!(dots === 3 && digits <= 12) && !(groups === 3 && digits <= 8) && !(digits >= 12 && digits <= 19 && other0 === 0) && digits !== 9) {
    const phoneShape = digits <= 15 && (plus === 1 || digits === 10 || (digits === 11 && s.charCodeAt(a) === 49) || s.charCodeAt(a) === 48 || (digits === 11 && s.charCodeAt(a + (s.charCodeAt(a) === 40 ? 1 : 0)) === 49));
    if (!phoneShape) return;
  }
  const c = text ? nearCtx(s, st.lo, a, ctx) : ctx;
  const t = s.slice(a, b);
  let best = -1, bestConf = 0;
  const consider = (type: number, conf: number) => {
    if (conf > bestConf) {
      best = type;
      bestConf = conf;
    }
  };
  if (dots === 3 && digits <= 12 && dashes + spaces + slashes + parens + plus === 0) {
    if (ipv4Valid(s, a, b)) consider(IPV4, score(IPV4, 0.65, c));
    push1(st, best, a, b, bestConf);
    return;
  }
  if ((slashes === 2 || dashes === 2 || dots === 2) && groups === 3 && digits <= 8 && spaces === 0) {
    if (isDate(t)) consider(DOB, score(DOB, 0.1, c));
    push1(st, best, a, b, bestConf);
    return;
  }
  const other = slashes + parens + plus + dots;
  // payment cards: 13-19 digits, space or dash groups
  if (digits >= 12 && digits <= 19 && other === 0 && (groups === 1 || minGroup >= 3) && !(dashes && spaces)) {
    const d = groups === 1 ? t : digitsOf(t);
    if (luhn(d) && cardBrand(d)) consider(CREDIT_CARD, score(CREDIT_CARD, groups === 1 ? 0.7 : 0.8, c));
  }
  if (digits === 9 && other === 0 && !(dashes && spaces)) {
    const d = groups === 1 ? t : digitsOf(t);
    const shape = groups === 1 ? 'bare' : t.length === 11 && (t[3] === '-' || t[3] === ' ') && t[6] === t[3] ? 'ssn' : t.length === 11 && t[3] === t[7] ? 'sin' : 'other';
    if ((shape === 'ssn' || shape === 'bare') && ssnValid(d)) consider(US_SSN, score(US_SSN, shape === 'ssn' ? 0.55 : 0.15, c));
    if ((shape === 'sin' || shape === 'bare') && sinValid(d)) consider(CA_SIN, score(CA_SIN, shape === 'sin' ? 0.3 : 0.15, c));
    if (shape === 'bare' && abaValid(d)) consider(ABA, score(ABA, 0.15, c));
  }
  if (digits >= 7 && digits <= 15 && !c.neg && bestConf < 0.9) {
    const formatted = plus === 1 || parens === 2 || ((dashes + spaces + dots) >= 1 && groups >= 2 && minGroup >= 2);
    const base = plus ? 0.7 : formatted ? 0.55 : 0.2;
    const possible = score(PHONE, base, c);
    if (possible > bestConf && (possible >= st.threshold || st.all) && (plus || s.charCodeAt(a) !== 48 || formatted)) {
      const d = digitsOf(t);
      if (plus) {
        if (phoneValid('+' + d)) consider(PHONE, possible);
      } else if (d.length === 10 || (d.length === 11 && d.charCodeAt(0) === 49)) {
        if (phoneValid('+1' + (d.length === 11 ? d.slice(1) : d))) consider(PHONE, possible);
      } else if (d.charCodeAt(0) === 48 && !parens && (c.pos & (1 << PHONE))) {
        // a national number with a trunk prefix (020 7946 0958): try common countries
        for (const cc of TRUNK_COUNTRIES) {
          if (phoneValid(cc + d.slice(1))) {
            consider(PHONE, possible);
            break;
          }
        }
      }
    }
  }
  push1(st, best, a, b, bestConf);
}

const TRUNK_COUNTRIES = ['+44', '+49', '+33', '+61', '+91', '+31', '+46'];

function digitsOf(t: string): string {
  let d = '';
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) d += t[i];
  }
  return d;
}

// ---- phone numbers: libphonenumber-js metadata, with its patterns compiled once

interface PlanType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
  nationalNumberPattern(): string;
  type(t: string): PlanType | undefined;
}
interface PhoneMetadata {
  hasCallingCode(cc: string): boolean | undefined;
  selectNumberingPlan(cc: string): PhoneMetadata;
  numberingPlan?: NumberingPlan;
}
interface CompiledPlan {
  general: RegExp;
  types: Array<{ re: RegExp; lengths: number[] | undefined }>;
}

// The order libphonenumber-js's getNumberType checks them in.
const PHONE_TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
const PLANS = new Map<string, CompiledPlan | null>();
let phoneMeta: PhoneMetadata | null = null;

function planOf(cc: string): CompiledPlan | null {
  let p = PLANS.get(cc);
  if (p !== undefined) return p;
  phoneMeta ??= new Metadata() as unknown as PhoneMetadata;
  p = null;
  if (phoneMeta.hasCallingCode(cc)) {
    const plan = phoneMeta.selectNumberingPlan(cc).numberingPlan!;
    const types: CompiledPlan['types'] = [];
    for (const name of PHONE_TYPES) {
      const t = plan.type(name);
      const pattern = t?.pattern();
      if (t && pattern) types.push({ re: new RegExp(`^(?:${pattern})$`), lengths: t.possibleLengths() });
    }
    p = { general: new RegExp(`^(?:${plan.nationalNumberPattern()})$`), types };
  }
  PLANS.set(cc, p);
  return p;
}

/**
 * Whether an E.164 number is valid by libphonenumber-js's metadata: the same rule as its
 * `PhoneNumber#isValid()` (calling code by the shortest known prefix; the national number must
 * match the plan's pattern and one number type's pattern and length), with every pattern compiled
 * once instead of on every call.
 */
export function phoneValid(e164: string): boolean {
  if (e164.length < 8 || e164.length > 16 || e164.charCodeAt(0) !== 43) return false;
  for (let l = 1; l <= 3; l++) {
    const p = planOf(e164.slice(1, 1 + l));
    if (p === null) continue;
    const nn = e164.slice(1 + l);
    if (nn.length < 2 || !p.general.test(nn)) return false;
    if (p.types.length === 0) return true;
    for (const t of p.types) {
      if (t.lengths && t.lengths.indexOf(nn.length) < 0) continue;
      if (t.re.test(nn)) return true;
    }
    return false;
  }
  return false;
}

function push1(st: ScanState, type: number, a: number, b: number, conf: number): void {
  if (type >= 0) push(st, type, a, b, conf);
}

/** Classifies a token s[a, b) that has letters or other characters. */
function word(s: string, a: number, b: number, ctx: Ctx, st: ScanState, text: boolean, hasAt: boolean, digits: number, colons: number, eqs: number): void {
  const len = b - a;
  if (hasAt) {
    for (let i = a; i < b; i++) {
      if (s.charCodeAt(i) !== 64) continue;
      const e = emailAt(s, i, a, b);
      if (e) {
        push(st, EMAIL, e[0], e[1], score(EMAIL, 0.9, text ? nearCtx(s, st.lo, e[0], ctx) : ctx));
        return;
      }
    }
  }
  const c0 = s.charCodeAt(a);
  if (c0 === 101 && len > 30 && s.startsWith('eyJ', a)) {
    const e = jwtAt(s, a, b);
    if (e) {
      push(st, JWT, a, e, score(JWT, 0.95, ctx));
      return;
    }
  }
  if (len >= 15) {
    const k = keyAt(s, a, b);
    if (k) {
      push(st, k[0], a, k[1], score(k[0], 0.95, ctx));
      return;
    }
  }
  if (digits === 0) return;
  // split "ssn:123-45-6789", "card=4111..." into a context word and a value
  if (colons || eqs) {
    for (let i = a + 1; i < b - 1; i++) {
      const c = s.charCodeAt(i);
      if (c === 58 || c === 61) {
        let wordy = true;
        let nonHex = false;
        for (let k = a; k < i; k++) {
          const ck = s.charCodeAt(k);
          if (!((ck >= 65 && ck <= 90) || (ck >= 97 && ck <= 122) || ck === 95 || ck === 45)) {
            wordy = false;
            break;
          }
          if (!isHex(ck)) nonHex = true;
        }
        if (!wordy || !nonHex || (s.charCodeAt(i + 1) === 47 && s.charCodeAt(i + 2) === 47)) break; // not "https://"
        const sub = combineNear(ctx, s.slice(a, i));
        scanTokens(s, i + 1, b, sub, st, false);
        return;
      }
    }
  }
  if (len >= 10 && digits >= 8 && s.charCodeAt(a + 4) === 45 && s.charCodeAt(a + 10) === 84) {
    // ISO timestamp "1985-03-12T00:00:00Z" under a birth-related name
    if (isDate(s.slice(a, a + 10))) push(st, DOB, a, a + 10, score(DOB, 0.1, text ? nearCtx(s, st.lo, a, ctx) : ctx));
    return;
  }
  if (c0 === 48 && len === 42 && s.charCodeAt(a + 1) === 120) {
    const hex = s.slice(a + 2, b);
    if (ethAddressValid(hex)) {
      const mixed = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
      push(st, ETH, a, b, score(ETH, mixed ? 0.9 : 0.6, text ? nearCtx(s, st.lo, a, ctx) : ctx));
    }
    return;
  }
  if (colons >= 2) {
    const t = s.slice(a, b);
    if (colons === 5 && len === 17) {
      if (macValid(t)) push(st, MAC, a, b, score(MAC, 0.7, text ? nearCtx(s, st.lo, a, ctx) : ctx));
      return;
    }
    if (ipv6Valid(t)) push(st, IPV6, a, b, score(IPV6, 0.7, text ? nearCtx(s, st.lo, a, ctx) : ctx));
    return;
  }
  if (len === 17 && s.charCodeAt(a + 2) === 45) {
    const t = s.slice(a, b);
    if (macValid(t)) push(st, MAC, a, b, score(MAC, 0.7, text ? nearCtx(s, st.lo, a, ctx) : ctx));
    return;
  }
  const c1 = s.charCodeAt(a + 1);
  const upper2 = c0 >= 65 && c0 <= 90 && c1 >= 65 && c1 <= 90;
  if (upper2 && len >= 15 && len <= 34) {
    const t = s.slice(a, b);
    if (ibanValid(t)) {
      push(st, IBAN, a, b, score(IBAN, 0.9, text ? nearCtx(s, st.lo, a, ctx) : ctx));
      return;
    }
  }
  if (upper2 && len === 9) {
    const t = s.slice(a, b);
    if (ninoValid(t)) {
      push(st, UK_NINO, a, b, score(UK_NINO, 0.6, text ? nearCtx(s, st.lo, a, ctx) : ctx));
      return;
    }
  }
  if (len >= 25 && len <= 62) {
    if ((c0 === 49 || c0 === 51) && len <= 35) {
      if (base58CheckValid(s.slice(a, b))) push(st, BTC, a, b, score(BTC, 0.85, text ? nearCtx(s, st.lo, a, ctx) : ctx));
      return;
    }
    if ((c0 === 98 || c0 === 116 || c0 === 66 || c0 === 84) && (c1 === 99 || c1 === 98 || c1 === 67 || c1 === 66) && s.charCodeAt(a + 2) === 49) {
      if (bech32AddressValid(s.slice(a, b))) push(st, BTC, a, b, score(BTC, 0.85, text ? nearCtx(s, st.lo, a, ctx) : ctx));
      return;
    }
  }
}

function combineNear(ctx: Ctx, name: string): Ctx {
  const w = ctxOfTokens(tokenize(name));
  return { pos: ctx.pos | w.pos, neg: w.neg || (ctx.neg && w.pos === 0), secret: w.secret || ctx.secret, aws: ctx.aws || w.aws, generic: false };
}

/** Tokenizes s[lo, hi) and classifies every token and numeric phrase. */
export function scanTokens(s: string, lo: number, hi: number, ctx: Ctx, st: ScanState, text: boolean): void {
  let i = lo;
  let phraseStart = -1;
  let phraseEnd = -1;
  while (i < hi) {
    // skip delimiters
    let c = s.charCodeAt(i);
    let k = cls(c);
    if (k === DELIM) {
      i++;
      continue;
    }
    const a = i;
    let digits = 0, alpha = 0, upper = 0, other = 0, colons = 0, eqs = 0;
    let hasAt = false;
    while (i < hi) {
      c = s.charCodeAt(i);
      k = cls(c);
      if (k === DELIM) break;
      if (k === DIGIT) digits++;
      else if (k === LOWER) alpha++;
      else if (k === UPPER) {
        alpha++;
        upper++;
      }
      else if (k === OTHER) {
        other++;
        if (c === 64) hasAt = true;
        else if (c === 58) colons++;
        else if (c === 61) eqs++;
      }
      i++;
    }
    const b = i;
    if (alpha === 0 && other === 0 && digits > 0) {
      // numeric token: extend the phrase when only one space separates it from the previous one
      if (phraseStart >= 0 && a === phraseEnd + 1 && s.charCodeAt(phraseEnd) === 32) phraseEnd = b;
      else {
        if (phraseStart >= 0) numeric(s, phraseStart, phraseEnd, ctx, st, text);
        phraseStart = a;
        phraseEnd = b;
      }
      continue;
    }
    if (phraseStart >= 0) {
      numeric(s, phraseStart, phraseEnd, ctx, st, text);
      phraseStart = -1;
    }
    const len = b - a;
    const spaced = (len === 2 && upper === 2) || (len === 4 && digits === 2 && upper === 2);
    if (!spaced && (len < 6 || (digits === 0 && !hasAt && len < 15))) continue;
    if (spaced) {
      // spaced NINO ("AB 12 34 56 C") and spaced IBAN ("DE89 3704 0044 ...")
      const re = len === 2 ? NINO_SPACED : IBAN_SPACED;
      re.lastIndex = a;
      const m = re.exec(s);
      if (m && m.index + m[0].length <= hi) {
        const e = m.index + m[0].length;
        const compact = m[0].replace(/[ -]/g, '');
        if (len === 2 && ninoValid(compact)) {
          push(st, UK_NINO, a, e, score(UK_NINO, 0.6, text ? nearCtx(s, st.lo, a, ctx) : ctx));
          i = e;
          continue;
        }
        if (len === 4 && ibanValid(compact)) {
          push(st, IBAN, a, e, score(IBAN, 0.9, text ? nearCtx(s, st.lo, a, ctx) : ctx));
          i = e;
          continue;
        }
        if (len === 4 && compact.length >= 15) {
          // IBAN-shaped but the checksum fails: do not read its tail as a card or phone number
          i = e;
          continue;
        }
      }
      if (len === 2) continue;
    }
    word(s, a, b, ctx, st, text, hasAt, digits, colons, eqs);
  }
  if (phraseStart >= 0) numeric(s, phraseStart, phraseEnd, ctx, st, text);
}

const PEM = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;

/** Values under a password- or secret-like name. */
function secretValue(s: string, ctx: Ctx, st: ScanState): boolean {
  const len = s.length;
  if (len === 0 || len > 4096) return false;
  let a = 0;
  let b = len;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  if (a === b) return false;
  const t = a === 0 && b === len ? s : s.slice(a, b);
  const lower = t.toLowerCase();
  if (lower === 'null' || lower === 'undefined' || lower === 'true' || lower === 'false' || lower === 'none' || lower === 'n/a') return false;
  let same = true;
  for (let i = 1; i < t.length; i++) if (t.charCodeAt(i) !== t.charCodeAt(0)) { same = false; break; }
  if (same && t.length > 1) return false; // "********"
  if (ctx.secret === 1) {
    if (t.length > 256 || t.startsWith('$2') || t.startsWith('{')) return false;
    push(st, PASSWORD, a, b, 0.9);
    return true;
  }
  // secret-like name: known formats first (handled by the token pass); here high entropy
  if (t.length < 8 || t.indexOf(' ') !== -1) return false;
  // at least two character classes (lower, upper, digit, other) and enough entropy
  let seen = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    seen |= c >= 97 && c <= 122 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 48 && c <= 57 ? 4 : 8;
  }
  if (seen === 1 || seen === 2 || seen === 4 || seen === 8) return false;
  const e = entropy(t);
  if (e < (t.length >= 20 ? 3.0 : 2.7)) return false;
  if (ctx.aws && t.length === 40) push(st, AWS_SECRET_KEY, a, b, 0.9);
  else push(st, SECRET, a, b, 0.8);
  return true;
}

function strong(st: ScanState, from: number): boolean {
  for (let i = from; i < st.out.length; i++) if (st.out[i]!.confidence >= st.threshold) return true;
  return false;
}

/**
 * Scans s[lo, hi) as one value with its context; appends raw matches (offsets relative to `lo`)
 * to `st.out`. Nearby words inside the value count as context.
 */
export function scanRange(s: string, lo: number, hi: number, ctx: Ctx, st: ScanState): void {
  const len = hi - lo;
  const before = st.out.length;
  st.lo = lo;
  if (len < 6) {
    if (ctx.secret === 1 && len > 0) {
      secretValue(s.slice(lo, hi), ctx, st);
      shift(st, before, lo, 0);
    }
    return;
  }
  let skipTokens = false;
  if (len === 36 && s.charCodeAt(lo + 8) === 45 && s.charCodeAt(lo + 13) === 45 && s.charCodeAt(lo + 18) === 45 && s.charCodeAt(lo + 23) === 45) {
    skipTokens = true; // a UUID
  } else if (len >= 19 && len <= 35 && s.charCodeAt(lo + 4) === 45 && s.charCodeAt(lo + 7) === 45 && s.charCodeAt(lo + 10) === 84 && !(ctx.pos & (1 << DOB))) {
    skipTokens = true; // an ISO timestamp under a name that does not speak of birth
  }
  if (!skipTokens) {
    if (len >= 40) {
      // PEM blocks: searched in the whole string only when it is the value itself (in a raw JSON
      // body a block has escaped newlines, so it is decoded into its own string first)
      if (lo === 0 && hi === s.length) {
        const p = s.indexOf('-----BEGIN');
        if (p !== -1) pem(s, p, hi, st);
      } else if (s.startsWith('-----BEGIN', lo)) pem(s, lo, hi, st);
    }
    if (!strong(st, before)) scanTokens(s, lo, hi, ctx, st, true);
  }
  if (ctx.secret && !strong(st, before)) {
    const k = st.out.length;
    secretValue(s.slice(lo, hi), ctx, st);
    shift(st, k, lo, 0);
  }
  shift(st, before, 0, lo);
}

function shift(st: ScanState, from: number, add: number, sub: number): void {
  if (add === sub) return;
  for (let m = from; m < st.out.length; m++) {
    st.out[m]!.start += add - sub;
    st.out[m]!.end += add - sub;
  }
}

function pem(s: string, from: number, hi: number, st: ScanState): void {
  PEM.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = PEM.exec(s)) !== null && m.index < hi) {
    const endMarker = `-----END ${m[1]}-----`;
    const e = s.indexOf(endMarker, PEM.lastIndex);
    const end = e === -1 || e + endMarker.length > hi ? hi : e + endMarker.length;
    push(st, PRIVATE_KEY, m.index, end, 0.99);
    PEM.lastIndex = end;
  }
}

/** Scans one whole string value with its context (offsets into `s`). */
export function scanString(s: string, ctx: Ctx, st: ScanState): void {
  scanRange(s, 0, s.length, ctx, st);
}

/** Scans the decimal text s[lo, hi) of a JSON number (offsets relative to `lo`). */
export function scanNumberText(s: string, lo: number, hi: number, ctx: Ctx, st: ScanState): void {
  const before = st.out.length;
  st.lo = lo;
  if (hi - lo < 7) {
    if (ctx.secret === 1 && hi > lo) push(st, PASSWORD, lo, hi, 0.9);
  } else if (!ctx.neg) {
    for (let i = lo; i < hi; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return;
    }
    numeric(s, lo, hi, ctx, st, false);
  }
  shift(st, before, 0, lo);
}
