// Custom data types an operator defines (an employee number, a policy number, an internal token):
// a name, a value pattern and/or field-name conditions, and an optional checksum validator. They
// are found in JSON bodies, form bodies and query strings, masked like the built-in types, and
// reported in sdp_info under their name.
import { headerValue, type Transaction } from '../../wire/transaction.ts';
import { walkRawJson } from './mask.ts';
import { ibanValid, luhn } from './checksums.ts';
import type { Finding, Severity, SdpLocationName } from './types.ts';

export interface CustomTypeDefinition {
  /** Upper snake case, e.g. EMPLOYEE_ID. */
  name: string;
  category: string;
  severity: Severity;
  /** A regular expression the whole value must match. */
  pattern: string | null;
  /** Field names (any of them) the value must sit under, compared without case, `_` or `-`. */
  fieldNames: string[];
  validator: 'luhn' | 'mod97' | null;
}

export interface CompiledCustomType {
  definition: CustomTypeDefinition;
  test(field: string, value: string): boolean;
}

const MAX_PATTERN = 300;
const MAX_VALUE = 512;

/** Patterns whose matching time could explode: a quantified group that itself holds a quantifier, or backreferences. */
function unsafePattern(p: string): string | null {
  if (/\\[1-9]|\\k</.test(p)) return 'backreferences are not allowed';
  // A group containing + * or {n,} followed by a quantifier: (a+)+, (\w*)*, (x{2,})+ ...
  if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/.test(p)) return 'a repeated group that itself repeats can take exponential time: rewrite it without nesting quantifiers';
  return null;
}

const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');

/** Checks a definition and compiles it; errors name the field and say what to change. */
export function compileCustomType(d: CustomTypeDefinition): CompiledCustomType {
  if (!/^[A-Z][A-Z0-9_]{1,63}$/.test(d.name)) throw new Error('name must be upper snake case, 2 to 64 characters, e.g. EMPLOYEE_ID');
  if (d.pattern === null && d.fieldNames.length === 0) throw new Error('give a pattern, field names, or both: with neither, every value would match');
  let re: RegExp | null = null;
  if (d.pattern !== null) {
    if (d.pattern.length > MAX_PATTERN) throw new Error(`pattern is longer than ${MAX_PATTERN} characters`);
    const why = unsafePattern(d.pattern);
    if (why) throw new Error(`pattern: ${why}`);
    try {
      re = new RegExp(`^(?:${d.pattern})$`, 'u');
    } catch (err) {
      throw new Error(`pattern is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const names = new Set(d.fieldNames.map(norm));
  const validate = d.validator === 'luhn' ? (v: string) => luhn(v.replace(/\D/g, '')) : d.validator === 'mod97' ? (v: string) => ibanValid(v) : () => true;
  return {
    definition: d,
    test(field, value) {
      if (value.length === 0 || value.length > MAX_VALUE) return false;
      if (names.size > 0) {
        const last = field.split('.').filter((s) => !/^\d+$/.test(s)).pop() ?? '';
        if (!names.has(norm(last))) return false;
      }
      return (re === null || re.test(value)) && validate(value);
    },
  };
}

function finding(t: CompiledCustomType, location: SdpLocationName, field: string, start: number, end: number): Finding {
  return { name: t.definition.name, type: 'SDE', location, field, start, end, confidence: 1, category: t.definition.category as Finding['category'], severity: t.definition.severity };
}

type OnMatch = ((f: Finding, value: string) => void) | undefined;

function scanJsonBody(text: string, location: SdpLocationName, types: CompiledCustomType[], out: Finding[], onMatch: OnMatch): void {
  walkRawJson(text, (path, start, end, isString) => {
    const raw = text.slice(start, end);
    const value = isString && raw.includes('\\') ? (() => {
      try {
        return JSON.parse(`"${raw}"`) as string;
      } catch {
        return raw;
      }
    })() : raw;
    for (const t of types) {
      if (!t.test(path, value)) continue;
      const f = finding(t, location, path, 0, value.length);
      out.push(f);
      onMatch?.(f, value);
    }
  });
}

function scanPairs(params: URLSearchParams, location: SdpLocationName, types: CompiledCustomType[], out: Finding[], onMatch: OnMatch): void {
  for (const [name, value] of params) {
    for (const t of types) {
      if (!t.test(name, value)) continue;
      const f = finding(t, location, name, 0, value.length);
      out.push(f);
      onMatch?.(f, value);
    }
  }
}

/** Custom types found in a transaction's query string and JSON or form bodies (`onMatch` sees each value). */
export function scanCustomTypes(tx: Transaction, types: CompiledCustomType[], onMatch?: (f: Finding, value: string) => void): Finding[] {
  if (types.length === 0) return [];
  const out: Finding[] = [];
  const q = tx.request.uri.indexOf('?');
  if (q !== -1) scanPairs(new URLSearchParams(tx.request.uri.slice(q + 1).split('#')[0]), 'REQUEST_QUERY', types, out, onMatch);
  for (const [part, location] of [[tx.request, 'REQUEST_BODY'], [tx.response, 'RESPONSE_BODY']] as const) {
    const body = part.body;
    if (!body || body.bytes.length === 0 || body.bytes.length > 1 << 20) continue;
    const type = (headerValue(part.headers, 'content-type') ?? '').toLowerCase();
    const text = body.bytes.toString('utf8');
    if (/json/.test(type)) scanJsonBody(text, location, types, out, onMatch);
    else if (/x-www-form-urlencoded/.test(type)) scanPairs(new URLSearchParams(text), location, types, out, onMatch);
  }
  return out;
}
