// Passive checks on single transactions: each fires on its case with checkable evidence, and stays
// quiet on ordinary traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { internalHost, passiveChecks, ssrfReason } from '../src/analysis/threats/passive.ts';
import type { Header, Transaction } from '../src/wire/transaction.ts';

function tx(over: { scheme?: string; uri?: string; reqHeaders?: Header[]; reqBody?: string; status?: number; resHeaders?: Header[]; resBody?: string; host?: string }): Transaction {
  const body = (s?: string) => (s === undefined ? null : { bytes: Buffer.from(s), length: Buffer.byteLength(s), truncated: false });
  return {
    id: 't1', idGenerated: false, timestamp: 0, version: '1.0',
    request: {
      method: 'GET', uri: over.uri ?? '/v1/items', host: over.host ?? 'api.example.com', scheme: over.scheme ?? 'https', httpVersion: '1.1',
      clientIp: '203.0.113.9', clientIpRule: 'client-ip', connection: { connectionIp: '203.0.113.9', serverIp: '10.0.0.1' },
      headers: over.reqHeaders ?? [], body: body(over.reqBody),
    },
    response: {
      status: over.status ?? 200,
      headers: over.resHeaders ?? [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff'], ['Strict-Transport-Security', 'max-age=31536000']],
      body: body(over.resBody ?? '{"ok":true}'),
    },
    meta: {},
  };
}
const types = (t: Transaction) => passiveChecks(t, 'e1', 1).map((f) => f.type).sort();
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('ordinary, well-configured traffic raises nothing', () => {
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${b64url({ alg: 'RS256' })}.${b64url({ sub: 'u', iat: 1, exp: 3601 })}.c2ln`]], uri: '/v1/items?limit=50&q=red' })), []);
});

test('API2: credentials in the URL, over plain HTTP; weak JWTs', () => {
  assert.deepEqual(types(tx({ uri: '/v1/login?user=ada&password=hunter2' })), ['CREDENTIALS_IN_URL']);
  const f = passiveChecks(tx({ uri: '/v1/login?password=hunter2' }), 'e1', 1)[0]!;
  assert.ok(!JSON.stringify(f).includes('hunter2'), 'no credential in the evidence');
  assert.deepEqual(types(tx({ scheme: 'http', reqHeaders: [['Authorization', 'Basic YTpi']], resHeaders: [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']] })), ['CREDENTIALS_OVER_HTTP']);
  assert.deepEqual(types(tx({ scheme: 'http', resHeaders: [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']] })), ['PLAIN_HTTP']);
  const none = `${b64url({ alg: 'none' })}.${b64url({ sub: 'u' })}.`;
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${none}`]] })), ['JWT_ALG_NONE']);
  const noExp = `${b64url({ alg: 'RS256' })}.${b64url({ sub: 'u' })}.c2ln`;
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${noExp}`]] })), ['JWT_WITHOUT_EXPIRY']);
  const long = `${b64url({ alg: 'RS256' })}.${b64url({ sub: 'u', iat: 0, exp: 365 * 86400 })}.c2ln`;
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${long}`]] })), ['JWT_LONG_LIFETIME']);
  const signed = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'u', iat: 0, exp: 3600 })}`;
  const weak = `${signed}.${createHmac('sha256', 'your-256-bit-secret').update(signed).digest('base64url')}`;
  const strong = `${signed}.${createHmac('sha256', 'kS9#2vLq!x8ZrT4m$yW7pB1nH6cE3jA0').update(signed).digest('base64url')}`;
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${weak}`]] })), ['JWT_WEAK_SECRET']);
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${strong}`]] })), []);
  // A token seen before is not tried again, and gets the same answer every time.
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${weak}`]] })), ['JWT_WEAK_SECRET']);
    assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${strong}`]] })), []);
  }
  // The same claims signed with another weak secret are another token.
  const otherWeak = `${signed}.${createHmac('sha256', 'changeme').update(signed).digest('base64url')}`;
  assert.deepEqual(types(tx({ reqHeaders: [['Authorization', `Bearer ${otherWeak}`]] })), ['JWT_WEAK_SECRET']);
});

test('API4: very large page sizes and oversized responses', () => {
  const [f] = passiveChecks(tx({ uri: '/v1/items?limit=100000' }), 'e1', 1);
  assert.equal(f!.type, 'LARGE_PAGE_SIZE');
  assert.equal(f!.severity, 'medium');
  assert.equal(f!.subject, 'request.query.limit');
  assert.deepEqual(types(tx({ uri: '/v1/items?per_page=100' })), []);
});

test('API7: URL-valued parameters pointing inside', () => {
  assert.equal(ssrfReason('http://169.254.169.254/latest/meta-data/'), 'URL to a cloud metadata service (169.254.169.254)');
  assert.equal(ssrfReason('file:///etc/passwd'), 'file: URL');
  assert.equal(ssrfReason('https://cdn.example.com/a.png'), null);
  assert.equal(internalHost('10.1.2.3'), 'private address');
  assert.equal(internalHost('2130706433'), 'numeric address (an obfuscated IP)');
  assert.equal(internalHost('[::1]'), 'loopback address');
  assert.deepEqual(types(tx({ uri: `/v1/fetch?url=${encodeURIComponent('http://localhost:6379/')}` })), ['SSRF_ATTEMPT']);
  const body = passiveChecks(tx({ reqHeaders: [['Content-Type', 'application/json']], reqBody: JSON.stringify({ webhook: { target: 'gopher://10.0.0.5:25/' } }) }), 'e1', 1);
  assert.deepEqual(body.map((f) => [f.type, f.subject]), [['SSRF_ATTEMPT', 'request.body.webhook.target']]);
});

test('API8: stack traces, version disclosure, permissive CORS, missing headers', () => {
  const json = (extra: Header[] = []): Header[] => [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff'], ['Strict-Transport-Security', 'max-age=1'], ...extra];
  assert.deepEqual(types(tx({ status: 500, resBody: 'java.lang.NullPointerException\n\tat com.shop.OrderService.place(OrderService.java:42)' })), ['VERBOSE_ERROR']);
  assert.deepEqual(types(tx({ status: 500, resBody: '{"error":"SQLSTATE[42000]: Syntax error"}' })), ['VERBOSE_ERROR']);
  assert.deepEqual(types(tx({ status: 404, resBody: '{"error":"not found"}' })), []);
  assert.deepEqual(types(tx({ resHeaders: json([['Server', 'nginx/1.18.0'], ['X-Powered-By', 'PHP/7.4.3']]) })), ['SERVER_VERSION_DISCLOSURE']);
  assert.deepEqual(types(tx({ resHeaders: json([['Server', 'nginx']]) })), []);
  assert.deepEqual(types(tx({ resHeaders: json([['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Credentials', 'true']]) })), ['PERMISSIVE_CORS']);
  assert.deepEqual(types(tx({ reqHeaders: [['Origin', 'https://evil.example.net']], resHeaders: json([['Access-Control-Allow-Origin', 'https://evil.example.net'], ['Access-Control-Allow-Credentials', 'true']]) })), ['PERMISSIVE_CORS']);
  assert.deepEqual(types(tx({ reqHeaders: [['Origin', 'https://app.example.com']], resHeaders: json([['Access-Control-Allow-Origin', 'https://app.example.com'], ['Access-Control-Allow-Credentials', 'true']]) })), [], 'the site\'s own front end');
  const missing = passiveChecks(tx({ resHeaders: [['Content-Type', 'application/json']] }), 'e1', 1);
  assert.deepEqual(missing.map((f) => f.type), ['MISSING_SECURITY_HEADERS']);
  assert.deepEqual(missing[0]!.evidence, { missing: ['X-Content-Type-Options', 'Strict-Transport-Security'] });
});
