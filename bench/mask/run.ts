// Mask bench (see bench/README.md): the cost of masking one value (src/analysis/sensitive/mask.ts)
// relative to one HMAC-SHA-256 of the same value under a key object, the least any keyed one-way
// mask costs, in the same run: an e-mail address (shorter than one hash output) and a 185-character
// bearer token (longer: its replacement bytes need more than one hash output). Every call masks a
// value not seen before, so each one is computed; a last line gives the cost of masking a value
// seen recently (traffic repeats tokens and addresses), which the mask remembers.
//
//   node bench/mask/run.ts [--calls 50000]
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { maskValue } from '../../src/analysis/sensitive/mask.ts';
import { setting } from '../lib.ts';

const CALLS = Math.max(1000, Math.round(setting('calls', 'BENCH_CALLS', 50_000)));
const KEY = randomBytes(32).toString('hex');
const keyObject = createSecretKey(Buffer.from(KEY, 'utf8'));
const VALUES: Array<[string, string, string]> = [
  ['e-mail (24 chars)', 'EMAIL', 'ada.lovelace@example.org'],
  ['JWT (185 chars)', 'JWT', 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiaXNzIjoiaHR0cHM6Ly9sb2dpbi5leGFtcGxlIiwiaWF0IjoxNzE4MDAwMDAwLCJleHAiOjE3MTgwMDM2MDB9.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmU'],
];

function nsPerCall(f: (i: number) => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) f(i);
  return Number(process.hrtime.bigint() - started) / CALLS;
}

for (const [label, type, value] of VALUES) {
  // distinct values of the same shape (the round is part of them: none was masked before)
  const variant = (round: number, i: number) => `${value.slice(0, -8)}${String(round * CALLS + i).padStart(8, '0')}`;
  const ratios: number[] = [];
  const repeated: number[] = [];
  for (let round = 0; round < 4; round++) {
    const mask = nsPerCall((i) => maskValue(type, variant(round, i), { key: KEY }));
    const again = nsPerCall((i) => maskValue(type, variant(round, CALLS - 1 - (i % 100)), { key: KEY }));
    const hmac = nsPerCall((i) => createHmac('sha256', keyObject).update(variant(round, i)).digest());
    if (round === 0) continue; // warm-up
    ratios.push(mask / hmac);
    repeated.push(again / hmac);
    console.log(`${label}: mask ${mask.toFixed(0)} ns, a recent value again ${again.toFixed(0)} ns, one HMAC ${hmac.toFixed(0)} ns`);
  }
  ratios.sort((a, b) => a - b);
  repeated.sort((a, b) => a - b);
  console.log(`${label}: mask / one HMAC (median of 3): ${ratios[1]!.toFixed(2)}; a recent value again / one HMAC: ${repeated[1]!.toFixed(2)}\n`);
}
