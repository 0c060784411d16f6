// Mask bench (see bench/README.md): the cost of masking one value (src/analysis/sensitive/mask.ts)
// relative to one HMAC-SHA-256 of the same value under a key object, the least any keyed one-way
// mask costs, in the same run: an e-mail address (shorter than one hash output) and a 185-character
// bearer token (longer: its replacement bytes need more than one hash output).
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
  const variant = (i: number) => value.slice(0, -2) + String(i % 100).padStart(2, '0'); // distinct values, same shape
  const ratios: number[] = [];
  for (let round = 0; round < 4; round++) {
    const mask = nsPerCall((i) => maskValue(type, variant(i), { key: KEY }));
    const hmac = nsPerCall((i) => createHmac('sha256', keyObject).update(variant(i)).digest());
    if (round > 0) ratios.push(mask / hmac); // round 0 warms up
    if (round > 0) console.log(`${label}: mask ${mask.toFixed(0)} ns, one HMAC ${hmac.toFixed(0)} ns`);
  }
  ratios.sort((a, b) => a - b);
  console.log(`${label}: mask / one HMAC (median of 3): ${ratios[1]!.toFixed(2)}\n`);
}
