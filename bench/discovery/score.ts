// Scores inferred templates against the spec's: precision, recall and F1 over distinct
// (method, template) endpoints, modulo parameter names, plus over- and under-merge counts.

import { templateShape } from '../../src/analysis/discovery/template.ts';

export interface Score {
  calls: number;
  trueEndpoints: number;
  inferredEndpoints: number;
  /** Inferred endpoints equal (method and template modulo names) to a true one. */
  matched: number;
  precision: number;
  recall: number;
  f1: number;
  /** Sum over inferred endpoints of (distinct true endpoints among its calls - 1). */
  overMerge: number;
  /** Sum over true endpoints of (distinct inferred endpoints among its calls - 1). */
  underMerge: number;
}

export function endpointKey(method: string, template: string | null): string {
  return `${method.toUpperCase()} ${template === null ? '<ignored>' : templateShape(template)}`;
}

export function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

export function score(calls: { method: string; template: string }[], inferred: (string | null)[]): Score {
  const truth = calls.map((c) => endpointKey(c.method, c.template));
  const guess = calls.map((c, i) => endpointKey(c.method, inferred[i] ?? null));
  const T = new Set(truth);
  const I = new Set(guess);
  let matched = 0;
  for (const g of I) if (T.has(g)) matched++;
  const trueOf = new Map<string, Set<string>>();
  const guessOf = new Map<string, Set<string>>();
  truth.forEach((t, i) => {
    const g = guess[i]!;
    (trueOf.get(g) ?? trueOf.set(g, new Set()).get(g)!).add(t);
    (guessOf.get(t) ?? guessOf.set(t, new Set()).get(t)!).add(g);
  });
  let overMerge = 0;
  let underMerge = 0;
  for (const s of trueOf.values()) overMerge += s.size - 1;
  for (const s of guessOf.values()) underMerge += s.size - 1;
  const precision = I.size ? matched / I.size : 0;
  const recall = T.size ? matched / T.size : 0;
  return { calls: calls.length, trueEndpoints: T.size, inferredEndpoints: I.size, matched, precision, recall, f1: f1(precision, recall), overMerge, underMerge };
}

/** Micro-average: sums of counts over specs, then P/R/F1. */
export function total(scores: Score[]): Score {
  const sum = (k: keyof Score) => scores.reduce((a, s) => a + s[k], 0);
  const T = sum('trueEndpoints');
  const I = sum('inferredEndpoints');
  const matched = sum('matched');
  const precision = I ? matched / I : 0;
  const recall = T ? matched / T : 0;
  return {
    calls: sum('calls'), trueEndpoints: T, inferredEndpoints: I, matched, precision, recall, f1: f1(precision, recall),
    overMerge: sum('overMerge'), underMerge: sum('underMerge'),
  };
}
