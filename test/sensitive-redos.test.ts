// Pathological inputs against every scanner: long runs of one character class, near-misses of
// every detector repeated 50,000 times, deep nesting. Each scan must finish within a bound far
// above its linear cost (a backtracking blow-up takes minutes, not a second); the bound is the
// issue's "bounded time", generous because the test machine is shared.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { scanValue, scanJson, scanText, scanForm, scanQuery, scanHeaders, scanMultipart, scanTransaction, maskTransaction } from '../src/analysis/sensitive/index.ts';
import type { Transaction } from '../src/wire/transaction.ts';

const N = 50_000;
const BOUND_MS = 1500;

/** Pieces repeated N times: single classes, separators, and prefixes of every detector. */
const PIECES = [
  '1', 'a', 'A', 'f', '@', '.', '-', ' ', ':', '+', '(', ')', '/', '=', '&', ';', '_', '%', '"', '\\', '\n', 'é', '€',
  '1 ', '1-', '1.', '12 ', '+1 ', '(1', 'a@', '@a', 'a.', 'a@b.', '0x', 'eyJ', 'eyJ.', 'AKIA', 'ghp_', 'glpat-', 'xoxb-', 'sk_live_', 'SG.',
  'npm_', 'AB ', 'DE89 ', 'AB 12 ', '1:', 'a:', 'ff:', '::', '1a:', '00-', '-----BEGIN ', '-----BEGIN PRIVATE KEY-----', '1985-', '12/', '1.1.',
  'bc1', '1A1z', 'ssn ', 'card 4', 'x=1&', 'a%4', '%', '%E2%82', 'Bearer ', '{', '[', '{"a":', '["', '[1,',
];

function timed(name: string, f: () => unknown): number {
  const t0 = performance.now();
  f();
  const ms = performance.now() - t0;
  assert.ok(ms < BOUND_MS, `${name} took ${ms.toFixed(0)} ms (bound ${BOUND_MS} ms)`);
  return ms;
}

const show = (p: string) => JSON.stringify(p);

describe('no catastrophic backtracking', () => {
  for (const piece of PIECES) {
    test(`${show(piece)} x ${N}`, () => {
      const s = piece.repeat(N).slice(0, N * Math.min(piece.length, 4));
      timed('scanValue', () => scanValue(s, 'note'));
      timed('scanValue(secret name)', () => scanValue(s, 'password'));
      timed('scanText', () => scanText(s));
      timed('scanJson(as text)', () => scanJson(s));
      timed('scanJson(string value)', () => scanJson(JSON.stringify({ cardNumber: s, note: s })));
      timed('scanForm', () => scanForm(`a=${s}&b=${encodeURIComponent(s)}`));
      timed('scanQuery', () => scanQuery(`/p?q=${s}`));
      timed('scanHeaders', () => scanHeaders([['cookie', `a=${s}; b=${s}`], ['authorization', `Bearer ${s}`], ['x-api-key', s]]));
      timed('scanMultipart', () => scanMultipart(`--B\r\nContent-Disposition: form-data; name="x"\r\n\r\n${s}\r\n--B--\r\n`, 'B'));
    });
  }

  test('many values in one body (no per-value search to the end of the body)', () => {
    const obj: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) obj[`k${i}`] = 'x'.repeat(40) + (i % 10);
    const body = JSON.stringify(obj);
    timed('scanJson 20k long values', () => scanJson(body));
    const parens = Array.from({ length: 20_000 }, () => '1234567)').join(' ');
    timed('numeric phrases ending in )', () => scanText(parens));
  });

  test('deep nesting and broken JSON', () => {
    const deep = '['.repeat(N) + '"536-90-4399"' + ']'.repeat(N);
    timed('deep arrays', () => scanJson(deep));
    const deepObj = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    timed('deep objects', () => scanJson(deepObj));
    timed('unterminated string', () => scanJson('{"a":"' + '\\"'.repeat(N)));
    timed('escapes everywhere', () => scanJson('["' + '\\u0040'.repeat(N) + '"]'));
    timed('backslash runs', () => scanJson('["' + '\\\\'.repeat(N) + '", "' + 'a\\"'.repeat(N) + '"]'));
  });

  test('a whole transaction, scanned and masked', () => {
    const big = Array.from({ length: 5_000 }, (_, i) => ({ cardNumber: '4111 1111 1111 1111', email: `u${i}@example.com`, note: 'call +1 415-555-2671' }));
    const body = Buffer.from(JSON.stringify(big));
    const tx: Transaction = {
      id: 'r', idGenerated: false, timestamp: 0, version: null,
      request: { method: 'POST', uri: '/x?' + 'a=1&'.repeat(10_000), host: 'h', scheme: 'https', httpVersion: '1.1', clientIp: '203.0.113.7', clientIpRule: 'client-ip', connection: { connectionIp: '10.0.0.1', serverIp: '10.0.0.2' }, headers: [['content-type', 'application/json']], body: { bytes: body, length: body.length, truncated: false } },
      response: { status: 200, headers: [], body: null },
      meta: {},
    };
    let found: ReturnType<typeof scanTransaction> | undefined;
    timed('scanTransaction', () => (found = scanTransaction(tx)));
    assert.equal(found!.found, 15_000);
    timed('maskTransaction', () => maskTransaction(tx, found!.locations));
  });
});
