// JWT checks bench (see bench/README.md): the CPU cost of the passive checks (threats/passive.ts)
// for a transaction carrying an HS256 JWT, relative to the same transaction with an RS256 JWT, in
// the same run. The HS256 case also tries the dictionary of weak HMAC secrets; an API's clients send
// the same token on call after call, so that work should not be repeated per transaction.
//
//   node bench/jwt-checks/run.ts [--calls 20000] [--tokens 50]
import { createHmac } from 'node:crypto';
import { passiveChecks } from '../../src/analysis/threats/passive.ts';
import type { Transaction } from '../../src/wire/transaction.ts';
import { setting } from '../lib.ts';

const CALLS = Math.max(1000, Math.round(setting('calls', 'BENCH_CALLS', 20_000)));
/** Distinct tokens (clients) the calls cycle through. */
const TOKENS = Math.max(1, Math.round(setting('tokens', 'BENCH_TOKENS', 50)));

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function token(alg: 'HS256' | 'RS256', i: number): string {
  const signed = `${b64url({ alg, typ: 'JWT' })}.${b64url({ sub: `user-${i}`, iat: 1_718_000_000, exp: 1_718_003_600 })}`;
  const signature = alg === 'HS256' ? createHmac('sha256', `a-strong-secret-of-client-${i}`).update(signed).digest('base64url') : Buffer.alloc(256, i).toString('base64url');
  return `${signed}.${signature}`;
}

function transaction(jwt: string): Transaction {
  return {
    id: 't', timestamp: 0, version: '1.0',
    request: { method: 'GET', uri: '/v1/orders/7', host: 'api.example', scheme: 'https', httpVersion: '1.1', clientIp: '203.0.113.7', clientIpRule: 'request.client-ip', connection: { connectionIp: '10.0.0.1', serverIp: '10.0.0.2' }, headers: [['authorization', `Bearer ${jwt}`]], body: null, truncated: false },
    response: { status: 200, headers: [['content-type', 'application/json']], body: null, truncated: false },
    meta: {},
  } as unknown as Transaction;
}

function microsPerCall(alg: 'HS256' | 'RS256'): number {
  const txs = Array.from({ length: TOKENS }, (_, i) => transaction(token(alg, i)));
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) passiveChecks(txs[i % TOKENS]!, 'e', 0);
  return Number(process.hrtime.bigint() - started) / CALLS / 1000;
}

microsPerCall('HS256'); // warm-up
microsPerCall('RS256');
const rows: Array<[number, number]> = [];
for (let round = 0; round < 3; round++) rows.push([microsPerCall('HS256'), microsPerCall('RS256')]);
for (const [hs, rs] of rows) console.log(`HS256 ${hs.toFixed(2)} us per call, RS256 ${rs.toFixed(2)} us per call`);
const ratios = rows.map(([hs, rs]) => hs / rs).sort((a, b) => a - b);
console.log(`\npassive checks, HS256 / RS256 cost per call (median of 3, ${CALLS} calls over ${TOKENS} tokens): ${ratios[1]!.toFixed(2)}`);
