// The accuracy harness: generate traffic from each spec, infer templates three ways, score.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, type GenerateOptions } from './generate.ts';
import { inferTemplates, prefixBaseline, shapeBaseline, type Inferrer } from './feed.ts';
import { score, total, type Score } from './score.ts';

export const FIXTURES = new URL('../../../shared/fixtures/openapi/', import.meta.url).pathname;

export const METHODS: Record<string, Inferrer> = {
  tapline: inferTemplates,
  'baseline-shape': shapeBaseline,
  'baseline-prefix': prefixBaseline,
};

export interface SpecResult {
  spec: string;
  operations: number;
  scores: Record<string, Score>;
  /** Per method, its counters (Tapline: template refinements/merges/splits while streaming). */
  stats: Record<string, Record<string, number>>;
  /** Per method: a few wrong inferred templates (inferred -> true), for diagnosis. */
  errors?: Record<string, { inferred: string; truth: string; calls: number }[]>;
}

export function listSpecs(dir = FIXTURES, filter?: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (!filter) return files;
  const parts = filter.split(',').map((s) => s.trim()).filter(Boolean);
  return files.filter((f) => parts.some((p) => f.includes(p)));
}

export function runSpec(file: string, opts: GenerateOptions = {}, dir = FIXTURES, withErrors = 0): SpecResult {
  const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const name = file.replace(/\.json$/, '');
  const g = generate(doc, name, opts);
  const scores: Record<string, Score> = {};
  const stats: Record<string, Record<string, number>> = {};
  const errors: Record<string, { inferred: string; truth: string; calls: number }[]> = {};
  for (const [method, infer] of Object.entries(METHODS)) {
    const result = infer(g.transactions);
    const inferred = result.templates;
    scores[method] = score(g.calls, inferred);
    if (result.stats) stats[method] = result.stats;
    if (withErrors > 0) {
      const wrong = new Map<string, { inferred: string; truth: string; calls: number }>();
      g.calls.forEach((c, i) => {
        const inf = inferred[i] ?? '<ignored>';
        const a = inf.replace(/\{[^}]*\}/g, '{}');
        const b = c.template.replace(/\{[^}]*\}/g, '{}');
        if (a === b) return;
        const k = `${c.method} ${inf} <- ${c.template}`;
        const e = wrong.get(k);
        if (e) e.calls++;
        else wrong.set(k, { inferred: `${c.method} ${inf}`, truth: c.template, calls: 1 });
      });
      errors[method] = [...wrong.values()].slice(0, withErrors);
    }
  }
  const out: SpecResult = { spec: name, operations: g.operations, scores, stats };
  if (withErrors > 0) out.errors = errors;
  return out;
}

export type Overall = Score & { macroF1: number; stats: Record<string, number> };

export function overall(results: SpecResult[]): Record<string, Overall> {
  const out: Record<string, Overall> = {};
  for (const method of Object.keys(METHODS)) {
    const list = results.map((r) => r.scores[method]!);
    const stats: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.stats[method] ?? {})) stats[k] = (stats[k] ?? 0) + v;
    out[method] = { ...total(list), macroF1: list.reduce((a, s) => a + s.f1, 0) / Math.max(1, list.length), stats };
  }
  return out;
}
