// User corrections, stored per host and applied to all later traffic before inference.

import { parseTemplate, segments, templateShape, TemplateSet, type ParsedTemplate } from './template.ts';

export type Rule =
  /** Force one template for every path it matches (collapse /users/alice, /users/bob). */
  | { kind: 'merge'; template: string; method?: string }
  /** Keep a more specific template apart (e.g. /users/me beside /users/{userId}). */
  | { kind: 'split'; template: string; method?: string }
  /** Rename a parameter of the endpoint whose template matches (modulo parameter names). */
  | { kind: 'rename'; template: string; from: string; to: string }
  /** Ignore matching paths: a template, or a prefix ending in "/**". */
  | { kind: 'ignore'; pattern: string; method?: string };

interface IgnoreEntry {
  parsed: ParsedTemplate;
  prefix: boolean;
  method?: string;
}

export class RuleSet {
  readonly rules: Rule[] = [];
  private pinned = new TemplateSet();
  private ignores: IgnoreEntry[] = [];

  constructor(rules: Rule[] = []) {
    for (const r of rules) this.add(r);
  }

  add(rule: Rule): void {
    this.rules.push(rule);
    if (rule.kind === 'merge' || rule.kind === 'split') this.pinned.add(rule.template, rule.method ? [rule.method] : []);
    else if (rule.kind === 'ignore') {
      const prefix = rule.pattern.endsWith('/**');
      const entry: IgnoreEntry = { parsed: parseTemplate(prefix ? rule.pattern.slice(0, -3) : rule.pattern), prefix };
      if (rule.method) entry.method = rule.method.toUpperCase();
      this.ignores.push(entry);
    }
  }

  ignored(method: string, path: string): boolean {
    const segs = segments(path);
    const m = method.toUpperCase();
    return this.ignores.some((e) => {
      if (e.method && e.method !== m) return false;
      const n = e.parsed.parts.length;
      if (e.prefix ? segs.length < n : segs.length !== n) return false;
      return e.parsed.parts.every((p, i) => {
        const seg = segs[i]!;
        if (p.param === null) return p.prefix === '*' || seg === p.prefix;
        return seg.length > p.prefix.length + p.suffix.length && seg.startsWith(p.prefix) && seg.endsWith(p.suffix);
      });
    });
  }

  /** The pinned (merge/split) template for a path, if any; method-scoped rules first. */
  pinnedTemplate(method: string, path: string): string | null {
    const m = this.pinned.match(method, path);
    if (!m) return null;
    if (m.methods.length > 0 && !m.methods.includes(method.toUpperCase())) return null;
    return m.template;
  }

  /** Applies rename rules to a template; returns the new template and the name map. */
  rename(template: string): { template: string; renames: Map<string, string> } {
    const renames = new Map<string, string>();
    const shape = templateShape(template);
    let out = template;
    for (const r of this.rules) {
      if (r.kind !== 'rename' || templateShape(r.template) !== shape) continue;
      if (!out.includes(`{${r.from}}`)) continue;
      out = out.replace(`{${r.from}}`, `{${r.to}}`);
      renames.set(r.from, r.to);
    }
    return { template: out, renames };
  }
}
