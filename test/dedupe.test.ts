// The deduplication window (edge/dedupe.ts): retries within the window are found, expired keys
// and the oldest keys beyond the capacity are forgotten, and a key reserved again keeps its newer
// reservation when the older one is forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DedupeWindow } from '../src/edge/dedupe.ts';

const T0 = 1_700_000_000_000;
const key = (id: string) => DedupeWindow.key('client', id);

test('a key is found within the window and forgotten after it', () => {
  const w = new DedupeWindow(1_000);
  assert.equal(w.lookup(key('a'), T0), undefined);
  w.reserve(key('a'), T0, null);
  assert.ok(w.lookup(key('a'), T0 + 999));
  assert.equal(w.lookup(key('a'), T0 + 1_000), undefined, 'expired at the end of the window');
  assert.equal(w.size, 0);
  assert.equal(w.lookup(key('a'), T0), undefined, 'and stays forgotten');
});

test('the same transaction id of another client is another key', () => {
  const w = new DedupeWindow(1_000);
  w.reserve(DedupeWindow.key('one', 'id-1'), T0, null);
  assert.ok(w.lookup(DedupeWindow.key('one', 'id-1'), T0));
  assert.equal(w.lookup(DedupeWindow.key('two', 'id-1'), T0), undefined);
});

test('a pending write is visible to a retry until it settles; a released key is new again', async () => {
  const w = new DedupeWindow(1_000);
  const write = Promise.resolve();
  w.reserve(key('p'), T0, write);
  assert.equal(w.lookup(key('p'), T0)!.pending, write);
  w.settle(key('p'));
  assert.equal(w.lookup(key('p'), T0)!.pending, null);
  w.release(key('p'));
  assert.equal(w.lookup(key('p'), T0), undefined);
});

test('sweep drops expired keys, oldest first, and keeps live ones', () => {
  const w = new DedupeWindow(1_000);
  for (let i = 0; i < 10; i++) w.reserve(key(`k${i}`), T0 + i * 100, null);
  w.sweep(T0 + 1_450); // k0..k4 expired (reserved at T0 .. T0 + 400)
  assert.equal(w.size, 5);
  assert.equal(w.lookup(key('k4'), T0), undefined);
  assert.ok(w.lookup(key('k5'), T0 + 1_450));
});

test('reserving forgets what expired, without a sweep', () => {
  const w = new DedupeWindow(1_000);
  for (let i = 0; i < 1_000; i++) w.reserve(key(`old-${i}`), T0, null);
  w.reserve(key('new'), T0 + 5_000, null);
  assert.equal(w.size, 1);
});

test('beyond its capacity the window forgets the oldest keys, and keeps doing so over many rounds', () => {
  const w = new DedupeWindow(3_600_000, 1_000);
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 1_000; i++) w.reserve(key(`r${round}-${i}`), T0 + round, null);
    assert.equal(w.size, 1_000);
  }
  assert.equal(w.lookup(key('r198-999'), T0 + 200), undefined, 'an older round is forgotten');
  assert.ok(w.lookup(key('r199-0'), T0 + 200), 'the newest round is kept');
  assert.ok(w.lookup(key('r199-999'), T0 + 200));
});

test('a key reserved again outlives its first reservation', () => {
  const w = new DedupeWindow(3_600_000, 3);
  w.reserve(key('x'), T0, null);
  w.release(key('x')); // the first write failed
  w.reserve(key('x'), T0 + 1, null); // the retry
  w.reserve(key('y'), T0 + 2, null);
  w.reserve(key('z'), T0 + 3, null);
  w.reserve(key('w'), T0 + 4, null); // over capacity: the oldest live reservation goes
  assert.equal(w.size, 3);
  assert.equal(w.lookup(key('x'), T0 + 5), undefined, 'x was the oldest live key');
  assert.ok(w.lookup(key('y'), T0 + 5));
  assert.ok(w.lookup(key('w'), T0 + 5));
});
