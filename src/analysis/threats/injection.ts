// The injection detector: one value in, the strongest injection it carries out (or null).
// Pure and deterministic, no I/O. Each value goes through decoding layers first (decode.ts), then
// four detectors of our own: SQL (tokenizer + grammar, sql.ts), XSS (HTML tag/attribute tokenizer
// and script contexts, xss.ts), path traversal (traversal.ts) and OS command injection
// (command.ts). Only the first MAX_SCAN_CHARS (8 KiB) characters of a value are scanned.

import { cssDecode, decodeLayers, htmlDecode, MAX_SCAN_CHARS, type Layers } from './decode.ts';
import { detectSql } from './sql.ts';
import { detectXss } from './xss.ts';
import { detectTraversal } from './traversal.ts';
import { detectCommand } from './command.ts';

export { MAX_SCAN_CHARS };

export type InjectionKind = 'SQLI' | 'XSS' | 'PATH_TRAVERSAL' | 'COMMAND_INJECTION';
export const INJECTION_KINDS: readonly InjectionKind[] = ['SQLI', 'XSS', 'PATH_TRAVERSAL', 'COMMAND_INJECTION'];

export type ValueLocation = 'query' | 'path' | 'header' | 'body' | 'cookie';

export interface InjectionWhere {
  location: ValueLocation;
  name?: string;
}

export interface InjectionMatch {
  kind: InjectionKind;
  /** 0..1; a match is returned at INJECTION_THRESHOLD and above. */
  score: number;
  /** Human-readable evidence, strongest first. */
  reasons: string[];
  /** The part of the (decoded) value that fired, at most 80 characters. */
  fragment: string;
}

export interface DetectOptions {
  /** Only these kinds (default: all). */
  kinds?: readonly InjectionKind[];
  /** Minimum score (default INJECTION_THRESHOLD). */
  threshold?: number;
}

export const INJECTION_THRESHOLD = 0.6;
export const FRAGMENT_MAX = 80;

/** '+' means a space in query strings and form bodies; elsewhere only when the value has no space at all. */
function plusIsSpace(value: string, where?: InjectionWhere): boolean {
  if (!where) return value.indexOf(' ') === -1;
  return where.location === 'query';
}

function fragmentOf(text: string, at: number): string {
  const s = Math.max(0, Math.min(at, text.length - 1));
  let f = text.slice(s, s + FRAGMENT_MAX);
  // no raw control characters in evidence
  f = f.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');
  return f;
}

function has(kinds: readonly InjectionKind[] | undefined, k: InjectionKind): boolean {
  return !kinds || kinds.includes(k);
}

/** Runs the detectors over already-decoded layers. */
export function detectInLayers(layers: Layers, options?: DetectOptions): InjectionMatch | null {
  const kinds = options?.kinds;
  const threshold = options?.threshold ?? INJECTION_THRESHOLD;
  let best: InjectionMatch | null = null;
  let bestScore = 0;
  const take = (kind: InjectionKind, score: number, reasons: string[], text: string, at: number) => {
    if (score > bestScore) {
      bestScore = score;
      best = { kind, score: Math.round(score * 100) / 100, reasons, fragment: fragmentOf(text, at) };
    }
  };
  const { url, full } = layers;
  if (has(kinds, 'SQLI')) {
    const s = detectSql(url);
    if (s) take('SQLI', s.score, s.reasons, url, s.at);
    if (full !== url && bestScore < 0.95) {
      const f = detectSql(full);
      if (f) take('SQLI', f.score, f.reasons, full, f.at);
    }
  }
  if (has(kinds, 'XSS') && bestScore < 0.95) {
    const text = full.indexOf('\0') === -1 ? full : full.replace(/\0/g, '');
    const x = detectXss(text);
    if (x) take('XSS', x.score, x.reasons, text, x.at);
    if (url.indexOf('\\') !== -1 && bestScore < 0.95) {
      // CSS escapes, read before the JavaScript/octal layer could take them
      const css = htmlDecode(cssDecode(url));
      const y = css !== text ? detectXss(css) : null;
      if (y) take('XSS', y.score, [...y.reasons, 'after CSS unescaping'], css, y.at);
    }
  }
  if (has(kinds, 'PATH_TRAVERSAL') && bestScore < 0.95) {
    const p = detectTraversal(layers);
    if (p) take('PATH_TRAVERSAL', p.score, p.reasons, full, p.at);
  }
  if (has(kinds, 'COMMAND_INJECTION') && bestScore < 0.95) {
    const c = detectCommand(url);
    if (c) take('COMMAND_INJECTION', c.score, c.reasons, url, c.at);
    if (full !== url) {
      const d = detectCommand(full);
      if (d) take('COMMAND_INJECTION', d.score, d.reasons, full, d.at);
    }
  }
  const b = best as InjectionMatch | null;
  if (!b || bestScore < threshold) return null;
  if (layers.truncated) b.reasons = [...b.reasons, `only the first ${MAX_SCAN_CHARS} characters were scanned`];
  return b;
}

/**
 * Letters, digits, '_' and '.', in words joined by single hyphens (ids, slugs, versions, numbers):
 * every injection needs a character outside these (a quote, a space, '<', '/', ';', '(', '%', ...)
 * or a comment ("--"), so such values skip the detectors, which cost microseconds per value.
 */
const PLAIN_TOKEN = /^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$/;

/**
 * The strongest injection in one value, or null. `where` tells how the value was carried (query
 * values decode '+' as a space; headers and paths do not).
 */
export function detectInjection(value: string, where?: InjectionWhere, options?: DetectOptions): InjectionMatch | null {
  if (value.length === 0 || PLAIN_TOKEN.test(value)) return null;
  const layers = decodeLayers(value, plusIsSpace(value, where));
  return detectInLayers(layers, options);
}
