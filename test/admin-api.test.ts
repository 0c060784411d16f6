// The management API (admin-api.md) over real sockets: authentication, clients, applications and
// Unknown Traffic, diagnostics, stored transactions, OpenAPI, health, metrics and the audit log.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ADMIN_TOKEN, createClient, getToken, postJson, sampleTransaction, startTestServer, tokenUrl, type TestServer } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const isIso = (v: unknown) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v);

async function tokenWith(server: TestServer, clientId: string, secret: string) {
  const res = await fetch(tokenUrl(server), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Polls until `check` returns a value (not undefined), for at most `ms`. */
async function poll<T>(ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('admin API', () => {
  let server: TestServer;
  let clientId: string;
  let token: string;

  before(async () => {
    server = await startTestServer();
    const c = await createClient(server, 'ingest-main');
    clientId = c.clientId;
    token = await getToken(server, c.clientId, c.secret);
  });
  after(async () => {
    await server.destroy();
  });

  const ingest = (body: unknown) => postJson(`${server.url}/api-transactions`, token, body);

  test('401 without the admin token, or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${b64(`admin:${ADMIN_TOKEN}`)}` }] as Array<Record<string, string>>) {
      for (const path of ['/clients', '/applications', '/diagnostics/unknown-traffic', '/keys', '/audit-log']) {
        const res = await fetch(`${server.url}/api/v1${path}`, { headers });
        assert.equal(res.status, 401, `${path} with ${JSON.stringify(headers)}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    }
    const post = await fetch(`${server.url}/api/v1/clients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
    assert.equal(post.status, 401);
    assert.equal((await server.admin('/clients')).status, 200);
  });

  describe('clients', () => {
    test('POST answers 201 with the client and its secret; defaults', async () => {
      const res = await server.admin('/clients', { body: { name: 'apim-prod' } });
      assert.equal(res.status, 201);
      const c = res.body;
      assert.equal(c.clientId, 'apim-prod');
      assert.equal(c.name, 'apim-prod');
      assert.equal(c.trafficIngestion, true);
      assert.equal(c.tokenLifespan, 1800);
      assert.ok(isIso(c.createdAt));
      assert.equal(c.lastTokenAt, null);
      assert.equal(c.lastTransactionAt, null);
      assert.match(c.secret, /^[A-Za-z0-9_-]{20,}$/);
      // The secret is shown only once.
      assert.equal((await server.admin('/clients/apim-prod')).body.secret, undefined);
      const list = await server.admin('/clients');
      for (const item of list.body.items) assert.equal(item.secret, undefined);
      // It works at the token endpoint.
      assert.equal((await tokenWith(server, 'apim-prod', c.secret)).status, 200);
    });

    test('POST with explicit settings', async () => {
      const res = await server.admin('/clients', { body: { name: 'Gw_1.test-2', trafficIngestion: false, tokenLifespan: 300 } });
      assert.equal(res.status, 201);
      assert.equal(res.body.trafficIngestion, false);
      assert.equal(res.body.tokenLifespan, 300);
    });

    test('409 when the name exists', async () => {
      await createClient(server, 'dup-client');
      const res = await server.admin('/clients', { body: { name: 'dup-client' } });
      assert.equal(res.status, 409);
      assert.equal(typeof res.body.message, 'string');
    });

    test('400 for a bad name or lifespan', async () => {
      for (const name of ['bad name!', 'x'.repeat(65), '', 'slash/name', 'ünïcode']) {
        const res = await server.admin('/clients', { body: { name } });
        assert.equal(res.status, 400, `name ${JSON.stringify(name)}: ${JSON.stringify(res.body)}`);
        assert.equal(typeof res.body.message, 'string');
      }
      assert.equal((await server.admin('/clients', { body: { name: 'y'.repeat(64) } })).status, 201);
      assert.equal((await server.admin('/clients', { body: {} })).status, 400);
      assert.equal((await server.admin('/clients', { body: { name: 'short-life', tokenLifespan: 10 } })).status, 400);
      assert.equal((await server.admin('/clients', { body: { name: 'long-life', tokenLifespan: 10_000_000 } })).status, 400);
      assert.equal((await server.admin('/clients', { body: { name: 'bad-toggle', trafficIngestion: 'yes' } })).status, 400);
    });

    test('GET lists clients with the documented fields', async () => {
      const res = await server.admin('/clients');
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body.items));
      const c = res.body.items.find((i: { clientId: string }) => i.clientId === 'apim-prod');
      assert.ok(c);
      for (const field of ['clientId', 'name', 'trafficIngestion', 'tokenLifespan', 'createdAt', 'lastTokenAt', 'lastTransactionAt']) {
        assert.ok(field in c, `missing ${field}`);
      }
      assert.ok(isIso(c.lastTokenAt), 'a token was issued in an earlier test');
      assert.equal((await server.admin('/clients/no-such-client')).status, 404);
    });

    test('lastTransactionAt is set after ingestion (stats flush every second)', async () => {
      assert.equal((await ingest({ data: [sampleTransaction()] })).status, 200);
      const at = await poll(3000, async () => {
        const c = (await server.admin(`/clients/${clientId}`)).body;
        return c.lastTransactionAt ?? undefined;
      });
      assert.ok(isIso(at));
    });

    test('PATCH changes trafficIngestion and tokenLifespan', async () => {
      const c = await createClient(server, 'patch-me');
      const res = await server.admin('/clients/patch-me', { method: 'PATCH', body: { tokenLifespan: 600 } });
      assert.equal(res.status, 200);
      assert.equal(res.body.tokenLifespan, 600);
      assert.equal(res.body.trafficIngestion, true);
      assert.equal((await tokenWith(server, 'patch-me', c.secret)).body.expires_in, 600);

      const off = await server.admin('/clients/patch-me', { method: 'PATCH', body: { trafficIngestion: false } });
      assert.equal(off.body.trafficIngestion, false);
      assert.equal(off.body.tokenLifespan, 600);
      const refused = await tokenWith(server, 'patch-me', c.secret);
      assert.deepEqual([refused.status, refused.body.error], [400, 'unauthorized_client']);
      assert.equal((await server.admin('/clients/patch-me')).body.trafficIngestion, false);

      assert.equal((await server.admin('/clients/patch-me', { method: 'PATCH', body: { tokenLifespan: 5 } })).status, 400);
      assert.equal((await server.admin('/clients/nobody-here', { method: 'PATCH', body: { trafficIngestion: true } })).status, 404);
    });

    test('rotating the secret: the old one gets 401 invalid_client, the new one works', async () => {
      const c = await createClient(server, 'rotate-me');
      assert.equal((await tokenWith(server, 'rotate-me', c.secret)).status, 200);
      const res = await server.admin('/clients/rotate-me/secret', { method: 'POST' });
      assert.equal(res.status, 200);
      const fresh = res.body.secret as string;
      assert.match(fresh, /^[A-Za-z0-9_-]{20,}$/);
      assert.notEqual(fresh, c.secret);
      const old = await tokenWith(server, 'rotate-me', c.secret);
      assert.deepEqual([old.status, old.body.error], [401, 'invalid_client']);
      const now = await tokenWith(server, 'rotate-me', fresh);
      assert.equal(now.status, 200);
      assert.equal(typeof now.body.access_token, 'string');
      assert.equal((await server.admin('/clients/nobody-here/secret', { method: 'POST' })).status, 404);
    });

    test('DELETE answers 204; the client is gone', async () => {
      const c = await createClient(server, 'delete-me');
      const res = await fetch(`${server.url}/api/v1/clients/delete-me`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(res.status, 204);
      assert.equal(await res.text(), '');
      assert.equal((await server.admin('/clients/delete-me')).status, 404);
      assert.ok(!(await server.admin('/clients')).body.items.some((i: { clientId: string }) => i.clientId === 'delete-me'));
      const refused = await tokenWith(server, 'delete-me', c.secret);
      assert.deepEqual([refused.status, refused.body.error], [401, 'invalid_client']);
      assert.equal((await server.admin('/clients/delete-me', { method: 'DELETE' })).status, 404);
    });
  });

  describe('applications and Unknown Traffic', () => {
    test('CRUD', async () => {
      const created = await server.admin('/applications', { body: { name: 'billing', hosts: ['billing.example', 'billing.example:8443'] } });
      assert.equal(created.status, 201);
      const app = created.body;
      assert.equal(typeof app.id, 'string');
      assert.equal(app.name, 'billing');
      assert.deepEqual(app.hosts, ['billing.example', 'billing.example:8443']);
      assert.equal((await server.admin('/applications', { body: { name: 'billing', hosts: ['x.example'] } })).status, 409);
      assert.equal((await server.admin('/applications', { body: { name: 'bad', hosts: ['not a host!'] } })).status, 400);
      assert.equal((await server.admin('/applications', { body: { name: 'no-hosts' } })).status, 400);

      const list = await server.admin('/applications');
      assert.ok(list.body.items.some((a: { id: string }) => a.id === app.id));
      assert.deepEqual((await server.admin(`/applications/${app.id}`)).body.hosts, app.hosts);

      const patched = await server.admin(`/applications/${app.id}`, { method: 'PATCH', body: { name: 'billing-v2', hosts: ['*.billing.example'] } });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.name, 'billing-v2');
      assert.deepEqual(patched.body.hosts, ['*.billing.example']);
      assert.equal((await server.admin(`/applications/${app.id}`, { method: 'PATCH', body: { hosts: ['bad host'] } })).status, 400);

      assert.equal((await server.admin(`/applications/${app.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await server.admin(`/applications/${app.id}`)).status, 404);
      assert.equal((await server.admin(`/applications/${app.id}`, { method: 'DELETE' })).status, 404);
      assert.equal((await server.admin(`/applications/${randomUUID()}`, { method: 'PATCH', body: { name: 'x' } })).status, 404);
    });

    test('hosts claimed by an application leave Unknown Traffic; others stay', async () => {
      const shop = sampleTransaction({ host: 'api.shop.example', uri: '/cart?id=1', method: 'POST' });
      const deep = sampleTransaction({ host: 'a.b.shop.example' });
      const apex = sampleTransaction({ host: 'shop.example' });
      const other = sampleTransaction({ host: 'other.example', uri: '/other' });
      assert.equal((await ingest({ data: [shop, deep, apex, other] })).status, 200);
      await server.runner.drain();

      const ids = async () => new Set(
        (await server.admin('/diagnostics/unknown-traffic?limit=1000')).body.items.map((i: { transactionId: string }) => i.transactionId),
      );
      let seen = await ids();
      for (const t of [shop, deep, apex, other]) assert.ok(seen.has(t['transaction-id']), t.request.host);

      const created = await server.admin('/applications', { body: { name: 'shop', hosts: ['*.shop.example'] } });
      assert.equal(created.status, 201);
      seen = await ids();
      assert.ok(!seen.has(shop['transaction-id']), 'api.shop.example is claimed');
      assert.ok(!seen.has(deep['transaction-id']), 'a.b.shop.example is claimed');
      assert.ok(seen.has(apex['transaction-id']), '*.shop.example does not claim shop.example');
      assert.ok(seen.has(other['transaction-id']));

      // New transactions of claimed hosts do not show up either.
      const later = sampleTransaction({ host: 'API.SHOP.EXAMPLE:443' });
      assert.equal((await ingest([later])).status, 200);
      await server.runner.drain();
      assert.ok(!(await ids()).has(later['transaction-id']));

      // Deleting the application brings them back.
      assert.equal((await server.admin(`/applications/${created.body.id}`, { method: 'DELETE' })).status, 204);
      seen = await ids();
      assert.ok(seen.has(shop['transaction-id']));
      assert.ok(seen.has(later['transaction-id']));
    });

    test('Unknown Traffic items: fields, newest first, limit', async () => {
      const first = sampleTransaction({ host: 'fields.example', uri: '/v1/items/7?full=1', method: 'patch' });
      const noAnswer: any = sampleTransaction({ host: 'fields.example', uri: '/timeout' });
      noAnswer.response = { 'status-code': '' };
      delete noAnswer['txn-meta-data'];
      assert.equal((await postJson(`${server.url}/api-transaction`, token, first)).status, 200);
      assert.equal((await postJson(`${server.url}/api-transaction`, token, noAnswer)).status, 200);
      await server.runner.drain();
      const res = await server.admin('/diagnostics/unknown-traffic?limit=2');
      assert.equal(res.status, 200);
      assert.equal(res.body.items.length, 2);
      const [newest, older] = res.body.items;
      assert.equal(newest.transactionId, noAnswer['transaction-id']);
      assert.equal(newest.status, null);
      assert.equal(newest.sourceType, null);
      assert.equal(older.transactionId, first['transaction-id']);
      assert.ok(isIso(older.receivedAt));
      assert.equal(older.method, 'PATCH');
      assert.equal(older.uri, '/v1/items/7?full=1');
      assert.equal(older.host, 'fields.example');
      assert.equal(older.status, 200);
      assert.equal(typeof older.status, 'number');
      assert.equal(older.clientIp, '203.0.113.7');
      assert.equal(older.sourceType, 'azure-apim');
      assert.equal((await server.admin('/diagnostics/unknown-traffic?limit=0')).status, 400);
    });
  });

  test('ingestion diagnostics: accepted and rejected counts by error code, with the last error', async () => {
    const c = await createClient(server, 'diag-client');
    const tok = await getToken(server, c.clientId, c.secret);
    const bad: any = sampleTransaction();
    delete bad.request['http-method'];
    const res = await postJson(`${server.url}/api-transactions`, tok, { data: [sampleTransaction(), bad, sampleTransaction()] });
    assert.equal(res.status, 200);
    assert.equal((await postJson(`${server.url}/api-transaction`, tok, '{oops')).status, 400);
    const item = await poll(3000, async () => {
      const report = await server.admin('/diagnostics/ingestion');
      assert.equal(report.status, 200);
      const mine = report.body.items.filter((i: { clientId: string }) => i.clientId === 'diag-client');
      const apim = mine.find((i: { sourceType: string }) => i.sourceType === 'azure-apim');
      const unknown = mine.find((i: { sourceType: string }) => i.sourceType === 'unknown');
      return apim?.accepted === 2 && apim.rejected.invalid_transaction === 1 && unknown?.rejected.invalid_json === 1 ? { apim, unknown } : undefined;
    });
    assert.match(item.apim.lastError, /data\[1\]\.request\.http-method/);
    assert.ok(isIso(item.apim.lastErrorAt));
    assert.ok(isIso(item.apim.lastSeen));
    assert.match(item.unknown.lastError, /JSON/);
  });

  test('a stored transaction: headers decoded, credentials redacted, the client-IP rule shown', async () => {
    const txn: any = sampleTransaction({ uri: '/v1/secure' });
    delete txn.request['client-ip'];
    txn.request.headers.push(
      `authorization:${b64('Bearer secret-value-123')}`,
      `cookie:${b64('session=cookie-secret-456; theme=dark')}`,
      `x-forwarded-for:${b64('198.51.100.23, 10.0.0.1')}`,
      `:authority:${b64('api.example.com')}`,
    );
    txn.response.headers.push(`set-cookie:${b64('sid=set-cookie-secret-789; Path=/; HttpOnly')}`);
    assert.equal((await postJson(`${server.url}/api-transaction`, token, txn)).status, 200);
    await server.runner.drain();

    const res = await fetch(`${server.url}/api/v1/transactions/${txn['transaction-id']}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const secret of ['secret-value-123', 'cookie-secret-456', 'set-cookie-secret-789']) {
      assert.ok(!text.includes(secret), `${secret} leaked`);
      assert.ok(!text.includes(b64(secret)), `${secret} leaked as base64`);
    }
    assert.ok(!text.includes(b64('Bearer secret-value-123')));
    const t = JSON.parse(text);
    assert.equal(t.transactionId, txn['transaction-id']);
    assert.equal(t.clientId, clientId);
    assert.equal(t.uri, '/v1/secure');
    assert.equal(t.clientIp, '198.51.100.23');
    assert.equal(t.clientIpRule, 'header:x-forwarded-for');
    const headers = t.request.headers as Array<{ name: string; value: string }>;
    const auth = headers.find((h) => h.name === 'authorization')!;
    assert.match(auth.value, /^Bearer \[redacted/);
    assert.deepEqual(headers.find((h) => h.name === 'accept'), { name: 'accept', value: 'application/json' });
    assert.equal(headers.find((h) => h.name === ':authority')?.value, 'api.example.com');
    assert.match(headers.find((h) => h.name === 'cookie')!.value, /theme=/);
    assert.equal(t.response.body.data, JSON.stringify({ id: 42, name: 'Ada', items: [1, 2, 3] }));

    const missing = await server.admin(`/transactions/${randomUUID()}`);
    assert.equal(missing.status, 404);
  });

  test('a stored transaction with client-ip shows rule client-ip', async () => {
    const txn = sampleTransaction();
    assert.equal((await postJson(`${server.url}/api-transaction`, token, txn)).status, 200);
    await server.runner.drain();
    const t = (await server.admin(`/transactions/${txn['transaction-id']}?clientId=${clientId}`)).body;
    assert.deepEqual([t.clientIp, t.clientIpRule], ['203.0.113.7', 'client-ip']);
    const list = await server.admin(`/transactions?clientId=${clientId}&limit=1`);
    assert.equal(list.body.items[0].transactionId, txn['transaction-id']);
    assert.equal(list.body.items[0].clientIpRule, 'client-ip');
  });

  test('/api/v1/openapi.json is an OpenAPI 3.x document with the clients paths', async () => {
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/api/v1/clients'], Object.keys(doc.paths).join(', '));
    assert.ok(doc.paths['/api/v1/clients']!.get);
    assert.ok(doc.paths['/api/v1/clients']!.post);
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith('/api/v1/applications')));
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith('/api/v1/diagnostics/unknown-traffic')));
  });

  test('/healthz and /readyz answer 200', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  });

  test('/metrics exposes the ingestion counters', async () => {
    assert.equal((await ingest([sampleTransaction()])).status, 200);
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /# TYPE tapline_ingest_transactions_total counter/);
    assert.match(text, /^tapline_ingest_transactions_total\{outcome="accepted"\} [1-9]\d*$/m);
  });

  test('the audit log lists admin changes', async () => {
    await createClient(server, 'audited-client');
    const res = await server.admin('/audit-log?limit=1000');
    assert.equal(res.status, 200);
    const entry = res.body.items.find((e: { action: string; target: string }) => e.action === 'client.create' && e.target === 'audited-client');
    assert.ok(entry, 'client.create is listed');
    assert.ok(isIso(entry.at));
    assert.equal(typeof entry.actor, 'string');
    const actions = new Set(res.body.items.map((e: { action: string }) => e.action));
    for (const a of ['client.update', 'client.rotate-secret', 'client.delete', 'application.create', 'application.delete']) assert.ok(actions.has(a), a);
    // newest first
    assert.ok(Date.parse(res.body.items[0].at) >= Date.parse(res.body.items.at(-1).at));
  });

  test('signing keys are listed', async () => {
    const res = await server.admin('/keys');
    assert.equal(res.status, 200);
    assert.equal(res.body.items.filter((k: { active: boolean }) => k.active).length, 1);
    assert.equal(res.body.items[0].alg, 'ES256');
  });
});
