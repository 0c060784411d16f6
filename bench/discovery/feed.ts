// How generated traffic reaches discovery. For now: the pure Discovery, directly. The scorer only
// needs "transactions in, inferred template per call out", so this can later be swapped for a
// feed through the real edge and analysis runner.

import type { Transaction } from '../../src/wire/transaction.ts';
import { Discovery } from '../../src/analysis/discovery/discovery.ts';
import { observationFromTransaction } from '../../src/analysis/discovery/observation.ts';
import { pathOf } from '../../src/wire/transaction.ts';
import { prefixRuleTemplates, shapeRuleTemplate } from './baselines.ts';

export interface Inference {
  /** The inferred template per call (null: ignored), in the order of the transactions. */
  templates: (string | null)[];
  /** Optional counters (for Tapline: template changes while the traffic streamed in). */
  stats?: Record<string, number>;
}

export type Inferrer = (txns: Transaction[]) => Inference;

/**
 * Feeds every transaction (no spec) to a fresh Discovery and returns each call's template once
 * all were seen, with the number of refinement / merge / split events on the way.
 */
export const inferTemplates: Inferrer = (txns) => {
  const d = new Discovery();
  const stats: Record<string, number> = { refined: 0, merged: 0, split: 0 };
  const drain = () => {
    for (const e of d.takeEvents()) stats[e.kind] = (stats[e.kind] ?? 0) + 1;
  };
  txns.forEach((t, i) => {
    d.observe(observationFromTransaction(t));
    if (i % 500 === 499) drain();
  });
  const templates = txns.map((t) => {
    const o = observationFromTransaction(t);
    return d.lookup(o.host, o.method, o.path, o.route)?.template ?? null;
  });
  drain();
  return { templates, stats };
};

export const shapeBaseline: Inferrer = (txns) => ({ templates: txns.map((t) => shapeRuleTemplate(pathOf(t.request.uri))) });

export const prefixBaseline: Inferrer = (txns) => {
  const byHost = new Map<string, number[]>();
  txns.forEach((t, i) => {
    const h = t.request.host ?? '';
    (byHost.get(h) ?? byHost.set(h, []).get(h)!).push(i);
  });
  const out: string[] = new Array(txns.length);
  for (const idx of byHost.values()) {
    const templates = prefixRuleTemplates(idx.map((i) => pathOf(txns[i]!.request.uri)));
    idx.forEach((i, k) => (out[i] = templates[k]!));
  }
  return { templates: out };
};
