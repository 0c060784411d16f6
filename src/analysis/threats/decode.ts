// Decoding layers the injection detector looks through before it tokenizes a value: URL
// (percent, possibly twice, %uXXXX, overlong UTF-8), HTML character references, JavaScript and
// CSS-less backslash escapes. Pure functions, one pass each (no regular expressions with
// backtracking), so each layer is linear in the value's length.

/** Only this many characters of a value are scanned (the rest is ignored, and `truncated` says so). */
export const MAX_SCAN_CHARS = 8192;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes collected bytes as lenient UTF-8: overlong forms decode to their code point (an evasion of
 * naive filters, e.g. %c0%af for '/'); bytes that form no sequence become Latin-1 characters. */
function flushBytes(bytes: number[], out: string[]): void {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out.push(String.fromCharCode(b));
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    if (b >= 0xc0 && b < 0xe0) (need = 1), (cp = b & 0x1f);
    else if (b >= 0xe0 && b < 0xf0) (need = 2), (cp = b & 0x0f);
    else if (b >= 0xf0 && b < 0xf8) (need = 3), (cp = b & 0x07);
    let ok = need > 0 && i + need < n;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
    }
    if (ok && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
      out.push(String.fromCodePoint(cp));
      i += need + 1;
    } else {
      out.push(String.fromCharCode(b));
      i++;
    }
  }
  bytes.length = 0;
}

/**
 * One round of URL decoding: %XX (lenient UTF-8), %uXXXX (IIS), and '+' as a space when
 * `plusIsSpace`. Malformed escapes stay as they are. Returns the input itself when nothing changed.
 */
export function urlDecode(s: string, plusIsSpace: boolean): string {
  if (s.indexOf('%') === -1 && (!plusIsSpace || s.indexOf('+') === -1)) return s;
  const out: string[] = [];
  const bytes: number[] = [];
  let last = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      if (i + 2 < n) {
        const h = hexVal(s.charCodeAt(i + 1));
        const l = hexVal(s.charCodeAt(i + 2));
        if (h >= 0 && l >= 0) {
          if (last < i) {
            flushBytes(bytes, out);
            out.push(s.slice(last, i));
          }
          bytes.push(h * 16 + l);
          i += 2;
          last = i + 1;
          continue;
        }
      }
      if ((s.charCodeAt(i + 1) | 32) === 117 /* u */ && i + 5 < n) {
        const a = hexVal(s.charCodeAt(i + 2)), b = hexVal(s.charCodeAt(i + 3)), d = hexVal(s.charCodeAt(i + 4)), e = hexVal(s.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          flushBytes(bytes, out);
          if (last < i) out.push(s.slice(last, i));
          out.push(String.fromCharCode(((a * 16 + b) * 16 + d) * 16 + e));
          i += 5;
          last = i + 1;
          continue;
        }
      }
    } else if (c === 43 /* + */ && plusIsSpace) {
      flushBytes(bytes, out);
      if (last < i) out.push(s.slice(last, i));
      out.push(' ');
      last = i + 1;
      continue;
    }
    if (bytes.length > 0 && last === i) {
      flushBytes(bytes, out);
    }
  }
  flushBytes(bytes, out);
  if (last < n) out.push(s.slice(last));
  const r = out.join('');
  return r;
}

/** True when the text still holds a %XX escape (a sign of double encoding once decoded once). */
export function hasPercentEscape(s: string): boolean {
  let i = s.indexOf('%');
  while (i !== -1) {
    if (i + 2 < s.length && hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) return true;
    if (i + 5 < s.length && (s.charCodeAt(i + 1) | 32) === 117 && hexVal(s.charCodeAt(i + 2)) >= 0) return true;
    i = s.indexOf('%', i + 1);
  }
  return false;
}

const NAMED: Record<string, string> = {
  lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')',
  sol: '/', bsol: '\\', lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}',
  grave: '`', period: '.', comma: ',', excl: '!', nbsp: ' ', equals: '=', plus: '+', lowbar: '_', semi: ';',
  num: '#', percnt: '%', dollar: '$', ast: '*', midast: '*', quest: '?', commat: '@', hat: '^', verbar: '|', vert: '|',
};

/**
 * Decodes HTML character references: &#NNN; &#xHH; (the semicolon optional, leading zeros
 * allowed, as browsers do) and a set of named ones used in evasions (&colon; &Tab; &lpar; ...).
 */
export function htmlDecode(s: string): string {
  let amp = s.indexOf('&');
  if (amp === -1) return s;
  const out: string[] = [];
  let last = 0;
  const n = s.length;
  while (amp !== -1) {
    let j = amp + 1;
    let ch: string | null = null;
    if (s.charCodeAt(j) === 35 /* # */) {
      j++;
      let cp = 0;
      let digits = 0;
      if ((s.charCodeAt(j) | 32) === 120 /* x */) {
        j++;
        while (j < n && digits < 12) {
          const h = hexVal(s.charCodeAt(j));
          if (h < 0) break;
          cp = cp * 16 + h;
          j++;
          digits++;
        }
      } else {
        while (j < n && digits < 12) {
          const d = s.charCodeAt(j) - 48;
          if (d < 0 || d > 9) break;
          cp = cp * 10 + d;
          j++;
          digits++;
        }
      }
      if (digits > 0) {
        if (s.charCodeAt(j) === 59) j++;
        ch = cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '';
      }
    } else {
      let k = j;
      while (k < n && k - j < 10) {
        const c = s.charCodeAt(k) | 32;
        if (c < 97 || c > 122) break;
        k++;
      }
      if (k > j) {
        const name = s.slice(j, k).toLowerCase();
        const v = NAMED[name];
        if (v !== undefined) {
          ch = v;
          j = k;
          if (s.charCodeAt(j) === 59) j++;
        }
      }
    }
    if (ch !== null) {
      if (last < amp) out.push(s.slice(last, amp));
      out.push(ch);
      last = j;
    }
    amp = s.indexOf('&', ch !== null ? j : amp + 1);
  }
  if (last === 0) return s;
  if (last < n) out.push(s.slice(last));
  return out.join('');
}

/** Decodes backslash escapes: \uXXXX, \u{X...}, \xXX and octal \NNN (JavaScript, JSON, many templates). */
export function backslashDecode(s: string): string {
  let bs = s.indexOf('\\');
  if (bs === -1) return s;
  const out: string[] = [];
  let last = 0;
  const n = s.length;
  while (bs !== -1) {
    const t = s.charCodeAt(bs + 1) | 32;
    let cp = -1;
    let end = bs;
    if (t === 117 /* u */) {
      if (s.charCodeAt(bs + 2) === 123 /* { */) {
        let j = bs + 3;
        let v = 0;
        while (j < n && j - bs < 10 && hexVal(s.charCodeAt(j)) >= 0) v = v * 16 + hexVal(s.charCodeAt(j++));
        if (s.charCodeAt(j) === 125 && j > bs + 3) (cp = v), (end = j + 1);
      } else if (bs + 5 < n) {
        const a = hexVal(s.charCodeAt(bs + 2)), b = hexVal(s.charCodeAt(bs + 3)), c = hexVal(s.charCodeAt(bs + 4)), d = hexVal(s.charCodeAt(bs + 5));
        if (a >= 0 && b >= 0 && c >= 0 && d >= 0) (cp = ((a * 16 + b) * 16 + c) * 16 + d), (end = bs + 6);
      }
    } else if (t === 120 /* x */ && bs + 3 < n) {
      const a = hexVal(s.charCodeAt(bs + 2)), b = hexVal(s.charCodeAt(bs + 3));
      if (a >= 0 && b >= 0) (cp = a * 16 + b), (end = bs + 4);
    } else {
      const o1 = s.charCodeAt(bs + 1) - 48, o2 = s.charCodeAt(bs + 2) - 48, o3 = s.charCodeAt(bs + 3) - 48;
      if (o1 >= 0 && o1 <= 3 && o2 >= 0 && o2 <= 7 && o3 >= 0 && o3 <= 7) (cp = o1 * 64 + o2 * 8 + o3), (end = bs + 4);
    }
    if (cp >= 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
      if (last < bs) out.push(s.slice(last, bs));
      out.push(String.fromCodePoint(cp));
      last = end;
      bs = s.indexOf('\\', end);
    } else {
      bs = s.indexOf('\\', bs + 2);
    }
  }
  if (last === 0) return s;
  if (last < n) out.push(s.slice(last));
  return out.join('');
}

export interface Layers {
  /** The value as received, cut to MAX_SCAN_CHARS. */
  raw: string;
  /** URL-decoded (once, or twice when the first round still left escapes). */
  url: string;
  /** `url` with HTML character references and backslash escapes decoded too. */
  full: string;
  /** How many URL-decoding rounds changed the text (0, 1 or 2). */
  urlRounds: number;
  /** The value was longer than MAX_SCAN_CHARS. */
  truncated: boolean;
  /** The raw value held encoded dots or slashes (%2e, %2f, %5c, overlong or %u forms). */
  encodedPathChars: boolean;
}

export function decodeLayers(value: string, plusIsSpace: boolean): Layers {
  const truncated = value.length > MAX_SCAN_CHARS;
  const raw = truncated ? value.slice(0, MAX_SCAN_CHARS) : value;
  let url = urlDecode(raw, plusIsSpace);
  let urlRounds = url !== raw ? 1 : 0;
  if (urlRounds === 1 && hasPercentEscape(url)) {
    const twice = urlDecode(url, false);
    if (twice !== url) {
      url = twice;
      urlRounds = 2;
    }
  }
  let full = htmlDecode(url);
  full = backslashDecode(full);
  // entities may hide percent escapes and the other way round: one more round when needed
  if (full !== url && hasPercentEscape(full)) full = urlDecode(full, false);
  let encodedPathChars = false;
  if (urlRounds > 0) {
    const p = raw.indexOf('%');
    if (p !== -1) {
      const low = raw.toLowerCase();
      encodedPathChars = low.includes('%2e') || low.includes('%c0') || low.includes('%c1') || low.includes('%e0%80') || low.includes('%u00') || low.includes('%252') || low.includes('%255');
    }
  }
  return { raw, url, full, urlRounds, truncated, encodedPathChars };
}

/** Decodes CSS escapes (\HH..HHHHHH followed by an optional space) and drops a lone \0. */
export function cssDecode(s: string): string {
  let bs = s.indexOf('\\');
  if (bs === -1) return s;
  const out: string[] = [];
  let last = 0;
  const n = s.length;
  while (bs !== -1) {
    let j = bs + 1;
    let cp = 0;
    while (j < n && j - bs <= 6 && hexVal(s.charCodeAt(j)) >= 0) cp = cp * 16 + hexVal(s.charCodeAt(j++));
    if (j > bs + 1) {
      if (s.charCodeAt(j) === 32) j++;
      if (last < bs) out.push(s.slice(last, bs));
      if (cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) out.push(String.fromCodePoint(cp));
      last = j;
    }
    bs = s.indexOf('\\', Math.max(j, bs + 1));
  }
  if (last === 0) return s;
  if (last < n) out.push(s.slice(last));
  return out.join('');
}
