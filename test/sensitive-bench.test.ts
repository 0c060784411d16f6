// The sensitive-data bench, small: the corpus is deterministic and labelled, the scorer counts
// what it should, and the detectors clear a sane floor on it. No timing is asserted here (the
// bench reports the speed ratio; DESIGN.md: a timed assertion in a unit test is a bug).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, PLANTED_TYPES } from '../bench/sensitive/corpus.ts';
import { score, ratios } from '../bench/sensitive/score.ts';
import { speed } from '../bench/sensitive/run.ts';

test('the corpus is deterministic, valid JSON, and labelled', () => {
  const a = generate(50, 7);
  const b = generate(50, 7);
  assert.deepEqual(a, b);
  assert.notDeepEqual(generate(50, 8)[0], a[0]);
  for (const s of a) {
    const parsed = JSON.parse(s.body);
    for (const l of s.labels) {
      // every label points at a value that is in the body at that path
      const v = l.field.split('.').reduce<any>((o, k) => o?.[k], parsed);
      assert.equal(String(v), l.value, `${s.id} ${l.field}`);
    }
  }
});

test('the scorer counts true and false positives, misses, and decoys', () => {
  const [s] = generate(1, 3);
  const sample = { ...s!, labels: [
    { field: 'a', type: 'EMAIL', kind: 'positive' as const, value: '' },
    { field: 'b', type: 'US_SSN', kind: 'positive' as const, value: '' },
    { field: 'c', type: 'DECOY', kind: 'decoy' as const, value: '' },
    { field: 'd', type: 'CREDIT_CARD', kind: 'negative' as const, value: '' },
  ] };
  const f = (field: string, name: string, confidence = 0.9) => ({ name, type: 'SDE' as const, location: 'RESPONSE_BODY' as const, field, start: 0, end: 1, confidence, category: 'PII' as const, severity: 'low' as const });
  const r = score([sample], 0.5, () => [f('a', 'EMAIL'), f('c', 'PHONE_NUMBER', 0.6), f('d', 'CREDIT_CARD'), f('e', 'IPV4', 0.2)]);
  assert.deepEqual(r.perType.EMAIL, ratios(1, 0, 0));
  assert.deepEqual(r.perType.US_SSN, ratios(0, 0, 1));
  assert.equal(r.perType.PHONE_NUMBER!.fp, 1);
  assert.equal(r.perType.CREDIT_CARD!.fp, 1);
  assert.equal(r.perType.IPV4, undefined); // below the threshold
  assert.equal(r.decoyHits.length, 1);
  assert.equal(r.negativeHits.length, 1);
  assert.equal(r.overall.tp, 1);
  assert.equal(r.overall.fp, 2);
  assert.equal(r.overall.fn, 1);
  assert.equal(ratios(1, 1, 1).f2, 0.5);
});

test('the detectors clear a sane floor on a small corpus', () => {
  const samples = generate(300, 11);
  const r = score(samples);
  for (const t of PLANTED_TYPES) assert.ok(r.perType[t], `no ${t} in the corpus`);
  assert.ok(r.overall.precision >= 0.95, `precision ${r.overall.precision}`);
  assert.ok(r.overall.recall >= 0.9, `recall ${r.overall.recall}`);
  assert.equal(r.decoyHits.length, 0, JSON.stringify(r.decoyHits.slice(0, 3)));
  assert.ok(r.maxDecoyConfidence < r.threshold);
  const sp = speed(samples.slice(0, 50), 1);
  assert.ok(Number.isFinite(sp.ratio) && sp.ratio > 0);
});
