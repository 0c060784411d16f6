// memoized / memoizedPerKey (src/analysis/recent-memo.ts): a keyed one-way function computed once
// per recent value, with a bounded memory, and masks and fingerprints unchanged by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoized, memoizedPerKey } from '../src/analysis/recent-memo.ts';
import { maskValue } from '../src/analysis/sensitive/mask.ts';

test('a repeated value is computed once', () => {
  let calls = 0;
  const f = memoized((v) => (calls++, v.toUpperCase()));
  assert.equal(f('abc'), 'ABC');
  assert.equal(f('abc'), 'ABC');
  assert.equal(calls, 1);
});

test('memory is bounded: old values are forgotten and computed again, recent ones are kept', () => {
  const computed: string[] = [];
  const f = memoized((v) => (computed.push(v), `#${v}`));
  for (let i = 0; i < 10_000; i++) f(`v${i}`);
  computed.length = 0;
  assert.equal(f('v0'), '#v0');
  assert.equal(f('v9999'), '#v9999');
  assert.deepEqual(computed, ['v0'], 'the oldest was forgotten, the newest kept');
});

test('long values are computed every time (not kept)', () => {
  let calls = 0;
  const f = memoized((v) => (calls++, String(v.length)));
  const long = 'x'.repeat(10_000);
  f(long);
  f(long);
  assert.equal(calls, 2);
});

test('each key has its own results', () => {
  const f = memoizedPerKey((key, v) => `${key}:${v}`);
  assert.equal(f('k1', 'a'), 'k1:a');
  assert.equal(f('k2', 'a'), 'k2:a');
  assert.equal(f('k1', 'a'), 'k1:a');
});

test('masks are the same whether remembered or computed again', () => {
  const key = 'installation-key';
  const first = maskValue('EMAIL', 'ada@example.com', { key });
  // push the value out of its memo
  for (let i = 0; i < 5_000; i++) maskValue('EMAIL', `user${i}@example.com`, { key });
  assert.equal(maskValue('EMAIL', 'ada@example.com', { key }), first);
  assert.notEqual(maskValue('EMAIL', 'ada@example.com', { key: 'another-key' }), first);
  assert.notEqual(maskValue('PHONE', 'ada@example.com', { key }), first, 'the type is part of the mask');
});
