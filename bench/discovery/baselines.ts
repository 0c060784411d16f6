// Two published rules, implemented here for comparison only.

import { segments } from '../../src/analysis/discovery/template.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function digits(s: string): number {
  let n = 0;
  for (const c of s) if (c >= '0' && c <= '9') n++;
  return n;
}

/**
 * Baseline 1, the per-segment shape rule: a segment is a parameter when it is all digits, a
 * UUID, or at least 8 characters long with more than 2 digits.
 */
export function shapeRuleTemplate(path: string): string {
  return '/' + segments(path).map((s) => (/^\d+$/.test(s) || UUID.test(s) || (s.length >= 8 && digits(s) > 2) ? '{}' : s)).join('/');
}

/**
 * Baseline 2: a segment is a parameter when it is a number or a UUID, or when at least 2
 * distinct values follow the same prefix and no known constant sibling exists.
 *
 * Batch over all calls of one host. "The same prefix" is the already-templated prefix; a "known
 * constant" is a segment value that occurs after at least two different concrete prefixes in
 * the traffic (like "repos" in /users/1/repos and /users/2/repos), i.e. part of the API's
 * vocabulary rather than a value.
 */
export function prefixRuleTemplates(paths: string[]): string[] {
  const segs = paths.map(segments);
  const prefixes = new Map<string, Set<string>>();
  for (const s of segs) {
    for (let i = 0; i < s.length; i++) {
      const p = s.slice(0, i).join('/');
      let set = prefixes.get(s[i]!);
      if (!set) prefixes.set(s[i]!, (set = new Set()));
      if (set.size < 2) set.add(p);
    }
  }
  const known = (v: string) => (prefixes.get(v)?.size ?? 0) >= 2;
  const isId = (v: string) => /^\d+$/.test(v) || UUID.test(v);
  const out: string[][] = segs.map(() => []);
  const depth = Math.max(0, ...segs.map((s) => s.length));
  for (let d = 0; d < depth; d++) {
    const groups = new Map<string, number[]>();
    segs.forEach((s, i) => {
      if (s.length <= d) return;
      const key = out[i]!.join('/');
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    for (const idx of groups.values()) {
      const values = new Set(idx.map((i) => segs[i]![d]!));
      const rest = [...values].filter((v) => !isId(v));
      const allParam = rest.length >= 2 && !rest.some(known);
      for (const i of idx) {
        const v = segs[i]![d]!;
        out[i]!.push(isId(v) || allParam ? '{}' : v);
      }
    }
  }
  return out.map((s) => '/' + s.join('/'));
}
