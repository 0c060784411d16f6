// makeRoom (src/analysis/bounded-map.ts): a map kept in least-recently-used order stays within its
// bound, forgets the least recently used keys first, and keeps the ones used since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRoom } from '../src/analysis/bounded-map.ts';

test('below the bound nothing is forgotten', () => {
  const m = new Map([['a', 1], ['b', 2]]);
  makeRoom(m, 3);
  assert.deepEqual([...m.keys()], ['a', 'b']);
});

test('at the bound the least recently used tenth goes, in one pass', () => {
  const m = new Map<number, number>();
  for (let i = 0; i < 100; i++) m.set(i, i);
  // 0 and 1 used again: they move to the end
  for (const k of [0, 1]) {
    const v = m.get(k)!;
    m.delete(k);
    m.set(k, v);
  }
  makeRoom(m, 100);
  assert.equal(m.size, 90);
  assert.ok(!m.has(2) && !m.has(11), 'the ten least recently used are gone');
  assert.ok(m.has(12) && m.has(0) && m.has(1), 'the others and the recently used stay');
});

test('inserting far past the bound keeps the map bounded and the newest keys', () => {
  const m = new Map<number, number>();
  for (let i = 0; i < 50_000; i++) {
    makeRoom(m, 1_000);
    m.set(i, i);
    assert.ok(m.size <= 1_000);
  }
  assert.ok(m.has(49_999) && m.has(49_100));
  assert.ok(!m.has(48_000));
});
