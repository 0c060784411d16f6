// Scores the detectors on a labelled corpus: per type precision, recall and F2, overall (micro)
// numbers, and decoys reported above the threshold.
import { scanJson, DEFAULT_THRESHOLD, type Finding } from '../../src/analysis/sensitive/index.ts';
import type { Sample } from './corpus.ts';

export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f2: number;
}
export interface Score {
  overall: TypeScore;
  perType: Record<string, TypeScore>;
  /** Reported (>= threshold) at a decoy's field. */
  decoyHits: Array<{ sample: number; field: string; name: string; confidence: number; value: string }>;
  /** Highest confidence any decoy got (below the threshold when all is well). */
  maxDecoyConfidence: number;
  /** Checksum-invalid lookalikes reported as the type they imitate. */
  negativeHits: Array<{ sample: number; field: string; name: string; value: string }>;
  falsePositives: Array<{ sample: number; field: string; name: string; confidence: number }>;
  falseNegatives: Array<{ sample: number; field: string; type: string; value: string }>;
  threshold: number;
}

export function ratios(tp: number, fp: number, fn: number): TypeScore {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f2 = precision + recall === 0 ? 0 : (5 * precision * recall) / (4 * precision + recall);
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return { tp, fp, fn, precision: r(precision), recall: r(recall), f2: r(f2) };
}

/** Scores findings (from `scan`, default scanJson of each body) against the labels. */
export function score(samples: Sample[], threshold = DEFAULT_THRESHOLD, scan: (s: Sample) => Finding[] = (s) => scanJson(s.body, 'RESPONSE_BODY', { includeBelowThreshold: true })): Score {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const c = (t: string) => {
    let x = counts.get(t);
    if (!x) counts.set(t, (x = { tp: 0, fp: 0, fn: 0 }));
    return x;
  };
  const result: Score = { overall: ratios(0, 0, 0), perType: {}, decoyHits: [], maxDecoyConfidence: 0, negativeHits: [], falsePositives: [], falseNegatives: [], threshold };
  for (const s of samples) {
    const findings = scan(s);
    const byField = new Map<string, Map<string, number>>(); // field -> type -> max confidence
    for (const f of findings) {
      let m = byField.get(f.field);
      if (!m) byField.set(f.field, (m = new Map()));
      m.set(f.name, Math.max(m.get(f.name) ?? 0, f.confidence));
    }
    const labelsAt = new Map<string, Sample['labels']>();
    for (const l of s.labels) {
      const a = labelsAt.get(l.field) ?? [];
      a.push(l);
      labelsAt.set(l.field, a);
    }
    for (const l of s.labels) {
      const found = byField.get(l.field);
      if (l.kind === 'positive') {
        if ((found?.get(l.type) ?? 0) >= threshold) c(l.type).tp++;
        else {
          c(l.type).fn++;
          result.falseNegatives.push({ sample: s.id, field: l.field, type: l.type, value: l.value });
        }
      } else if (l.kind === 'decoy' && found) {
        for (const [name, conf] of found) {
          result.maxDecoyConfidence = Math.max(result.maxDecoyConfidence, conf);
          if (conf >= threshold) result.decoyHits.push({ sample: s.id, field: l.field, name, confidence: conf, value: l.value });
        }
      } else if (l.kind === 'negative' && found) {
        const conf = found.get(l.type) ?? 0;
        if (conf >= threshold) result.negativeHits.push({ sample: s.id, field: l.field, name: l.type, value: l.value });
      }
    }
    for (const [field, m] of byField) {
      const ls = labelsAt.get(field) ?? [];
      for (const [name, conf] of m) {
        if (conf < threshold) continue;
        if (ls.some((l) => l.kind === 'positive' && l.type === name)) continue;
        c(name).fp++;
        result.falsePositives.push({ sample: s.id, field, name, confidence: conf });
      }
    }
  }
  let tp = 0, fp = 0, fn = 0;
  for (const [t, x] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) {
    result.perType[t] = ratios(x.tp, x.fp, x.fn);
    tp += x.tp;
    fp += x.fp;
    fn += x.fn;
  }
  result.overall = ratios(tp, fp, fn);
  return result;
}
