// The bridge end to end: a capture posts to the bridge with a token from the platform; filtered
// traffic never reaches the platform, planted sensitive values never reach it (its data directory
// is searched), sdp_info and filter_info arrive filled. Then the fault test: the platform stops,
// the bridge keeps accepting and is restarted during the outage; after recovery every accepted
// transaction is in the platform exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBridge, type RunningBridge } from '../src/capture/bridge.ts';
import { MaskingScopes, parseBridgeConfig, TrafficFilter } from '../src/capture/bridge-config.ts';
import { createClient, getToken, postJson, sampleTransaction, startTestServer, tempDir, tokenUrl, type TestServer } from './helpers.ts';

const CARD = '4111 1111 1111 1111';
const EMAIL = `bridge.planted.${randomUUID().slice(0, 8)}@example.org`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

const CONFIG = `
filters:
  - { name: health, action: ignore, uri: "/health*" }
  - { name: internal, action: exclude, uri: "re:^/internal/" }
masking:
  - { host: "*", uri: "*" }
`;

function withPii(uri: string) {
  const t = sampleTransaction({ host: 'shop.example', uri, id: randomUUID() });
  const body = JSON.stringify({ customer: { email: EMAIL }, payment: { cardNumber: CARD } });
  t.response.body = { length: body.length, data: b64(body) };
  return t;
}

function filesContaining(dir: string, needle: string): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(dir).filter((f) => readFileSync(f).includes(Buffer.from(needle)));
}

test('filters: ignore and allow first, then exclude, then include; globs and regular expressions', () => {
  const config = parseBridgeConfig(`
filters:
  - { name: partner, action: allow, host: "partner.example" }
  - { name: health, action: ignore, uri: "/health*" }
  - { name: no-admin, action: exclude, uri: "re:^/admin(/|$)" }
  - { name: shop, action: include, host: "*.shop.example", method: [GET, POST] }
`);
  const f = new TrafficFilter(config.filters);
  assert.deepEqual(f.decide({ host: 'api.shop.example', uri: '/orders', method: 'GET' }), { pass: true, rule: 'shop' });
  assert.deepEqual(f.decide({ host: 'api.shop.example', uri: '/orders', method: 'DELETE' }), { pass: false, rule: null }, 'include rules exist: nothing matched, dropped');
  assert.deepEqual(f.decide({ host: 'api.shop.example', uri: '/health/live', method: 'GET' }), { pass: false, rule: 'health' });
  assert.deepEqual(f.decide({ host: 'api.shop.example', uri: '/admin/users', method: 'GET' }), { pass: false, rule: 'no-admin' });
  assert.deepEqual(f.decide({ host: 'partner.example', uri: '/admin/users', method: 'GET' }), { pass: true, rule: 'partner' }, 'allow comes before exclude');
  assert.throws(() => parseBridgeConfig('filters:\n  - { action: drop }', 'bridge.yaml'), /bridge\.yaml: filters\[0\]\.action must be one of ignore, allow, exclude, include/);
  assert.throws(() => parseBridgeConfig('filters:\n  - { action: exclude, uri: "re:(" }', 'b.yaml'), /b\.yaml: filters\[0\]\.uri: "re:\(" is not a valid regular expression/);
  assert.throws(() => parseBridgeConfig('filter: []', 'b.yaml'), /unknown key "filter"/);
});

test('masking scopes: the last matching scope wins; a disabled one means no masking', () => {
  const config = parseBridgeConfig(`
masking:
  - { host: "*", uri: "*" }
  - { host: "api.example.com", uri: "/public/*", enabled: false }
  - { host: "pay.example.com", uri: "*", types: [CREDIT_CARD, IBAN] }
  - { host: "pay.example.com", uri: "re:^/refunds/", method: POST, enabled: false }
`);
  const scopes = new MaskingScopes(config.masking);
  assert.deepEqual(scopes.scopeFor({ host: 'shop.example', uri: '/orders', method: 'GET' })?.types, null);
  assert.equal(scopes.scopeFor({ host: 'API.example.com', uri: '/public/docs', method: 'GET' }), null, 'hosts match without regard to case');
  assert.deepEqual(scopes.scopeFor({ host: 'api.example.com', uri: '/private', method: 'GET' })?.types, null);
  assert.deepEqual(scopes.scopeFor({ host: 'pay.example.com', uri: '/refunds/7', method: 'GET' })?.types, ['CREDIT_CARD', 'IBAN']);
  assert.equal(scopes.scopeFor({ host: 'pay.example.com', uri: '/refunds/7', method: 'post' }), null);
  assert.equal(new MaskingScopes([]).scopeFor({ host: 'a', uri: '/', method: 'GET' }), null, 'no scope: nothing masked');
});

describe('bridge', { timeout: 120_000 }, () => {
  const platformDir = tempDir('tapline-platform-');
  const bridgeDir = tempDir('tapline-bridge-');
  const configFile = join(tempDir('tapline-bridge-config-'), 'bridge.yaml');
  let platform: TestServer;
  let port: number;
  let bridge: RunningBridge;
  let captureToken: string;
  let bridgeClient: { clientId: string; secret: string };

  const startTheBridge = () =>
    startBridge({
      host: '127.0.0.1',
      port: 0,
      dataDir: bridgeDir,
      configFile,
      forwarder: { edge: platform.url.replace(/:\d+$/, `:${port}`), tokenUrl: tokenUrl({ url: `http://127.0.0.1:${port}` }), clientId: bridgeClient.clientId, clientSecret: bridgeClient.secret, maxDelayMs: 20, retryInitialMs: 50, retryMaxMs: 500, maxAttempts: 2 },
    });

  before(async () => {
    writeFileSync(configFile, CONFIG);
    platform = await startTestServer({}, platformDir);
    port = Number(new URL(platform.url).port);
    const capture = await createClient(platform, 'apim-capture');
    bridgeClient = await createClient(platform, 'bridge-1');
    captureToken = await getToken(platform, capture.clientId, capture.secret);
    bridge = await startTheBridge();
  });
  after(async () => {
    await bridge.close();
    await platform.destroy();
  });

  async function platformTransactions(): Promise<Array<{ transactionId: string; uri: string }>> {
    await platform.runner.drain();
    const res = await platform.admin(`/transactions?clientId=${bridgeClient.clientId}&limit=1000`);
    return res.body.items;
  }

  test('the capture\'s own token works at the bridge; the bridge answers like the edge', async () => {
    assert.equal((await postJson(`${bridge.url}/api-transaction`, 'not-a-token', sampleTransaction())).status, 401);
    const bad = await postJson(`${bridge.url}/api-transaction`, captureToken, { request: {} });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_transaction');
  });

  test('filtered traffic and raw sensitive values never reach the platform; sdp_info and filter_info arrive', async () => {
    const kept = [withPii('/v1/orders/1'), withPii('/v1/orders/2')];
    const data = [...kept, withPii('/health'), withPii('/internal/debug')];
    const res = await postJson(`${bridge.url}/api-transactions`, captureToken, { data });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await bridge.drain();
    const stored = await platformTransactions();
    assert.deepEqual(stored.map((t) => t.uri).sort(), ['/v1/orders/1', '/v1/orders/2']);
    assert.deepEqual(filesContaining(platformDir, EMAIL), [], 'the e-mail never reached the platform');
    assert.deepEqual(filesContaining(platformDir, CARD), []);
    const one = await platform.admin(`/transactions/${kept[0]!['transaction-id']}`);
    assert.equal(one.body.filterName, 'default');
    assert.ok(one.body.sdpInfo.found >= 2, JSON.stringify(one.body.sdpInfo));
    assert.ok(one.body.sensitiveData.some((s: { name: string; field: string }) => s.name === 'CREDIT_CARD' && s.field === 'payment.cardNumber'));
    assert.match(JSON.parse(one.body.response.body.data).payment.cardNumber, /^\d{4} \d{4} \d{4} 1111$/);
    const m = bridge.metrics();
    assert.equal(m.filtered, 2);
    assert.ok(m.masked >= 2);
    const health = await fetch(`${bridge.url}/healthz`);
    assert.equal(((await health.json()) as { status: string }).status, 'delivering');
  });

  test('platform down, bridge restarted meanwhile: after recovery everything accepted arrives exactly once', async () => {
    const before = (await platformTransactions()).length;
    await platform.close();
    const ids: string[] = [];
    const send = async (n: number) => {
      const data = Array.from({ length: n }, (_, i) => withPii(`/v1/orders/${1000 + ids.length + i}`));
      const res = await postJson(`${bridge.url}/api-transactions`, captureToken, { data });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(...data.map((d) => d['transaction-id']));
    };
    await send(30);
    await bridge.drain();
    await bridge.close();
    bridge = await startTheBridge();
    await send(20);
    // A capture's retry of an accepted transaction is stored once, too.
    const retry = withPii('/v1/orders/1000');
    retry['transaction-id'] = ids[0]!;
    assert.equal((await postJson(`${bridge.url}/api-transaction`, captureToken, retry)).status, 200);
    const health = await fetch(`${bridge.url}/readyz`);
    assert.equal(health.status, 503, 'the health endpoint says it is not delivering');
    platform = await startTestServer({ port }, platformDir);
    const deadline = Date.now() + 60_000;
    let stored: Array<{ transactionId: string }> = [];
    while (Date.now() < deadline) {
      stored = await platformTransactions();
      if (stored.length >= before + ids.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const mine = stored.filter((t) => ids.includes(t.transactionId));
    assert.equal(mine.length, ids.length, `${mine.length} of ${ids.length} delivered`);
    assert.equal(new Set(mine.map((t) => t.transactionId)).size, ids.length, 'each once');
    assert.deepEqual(filesContaining(platformDir, EMAIL), []);
  });
});
