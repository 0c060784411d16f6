// Dedupe bench (see bench/README.md): the cost of one new key in the edge's deduplication window
// when the window is full (every key evicts the oldest) against the cost while it fills, in the
// same run. A window that degrades at capacity shows a ratio that grows round after round.
//
//   node bench/dedupe/run.ts [--capacity 200000] [--rounds 8]
import { DedupeWindow } from '../../src/edge/dedupe.ts';
import { setting } from '../lib.ts';

const CAPACITY = Math.max(1000, Math.round(setting('capacity', 'BENCH_CAPACITY', 200_000)));
const ROUNDS = Math.max(2, Math.round(setting('rounds', 'BENCH_ROUNDS', 8)));

const window = new DedupeWindow(3_600_000, CAPACITY);
const now = Date.now();
const perKey: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < CAPACITY; i++) {
    const key = DedupeWindow.key('bench', `r${round}-${i}`);
    if (!window.lookup(key, now)) window.reserve(key, now, null);
  }
  perKey.push(Number(process.hrtime.bigint() - started) / CAPACITY);
  console.log(`round ${round}: ${perKey[round]!.toFixed(0)} ns per new key${round === 0 ? ' (filling)' : ' (full: each key evicts the oldest)'}, ${window.size} keys`);
}
const full = perKey.slice(1);
console.log(`\nper-key cost, full window / filling: ${(Math.max(...full) / perKey[0]!).toFixed(2)} (worst round; a flat window stays near 1 to 3)`);
