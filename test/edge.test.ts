// The Edge API ingestion endpoints (edge-api.md section 2) over real sockets: the three paths,
// gzip, every row of the error table, partial batches, and deduplication (also across a restart).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, generateKeyPair, importJWK, SignJWT } from 'jose';
import { createClient, getToken, postJson, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

type Result = Awaited<ReturnType<typeof postJson>>;

function assertEdgeError(res: Result, status: number, error: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.status, 'ERROR');
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
}

function assertInvalidToken(res: Result) {
  assertEdgeError(res, 401, 'invalid_token');
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
}

/** A server with one client and its token; the server is destroyed if the rest fails. */
async function setup(overrides: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(overrides);
  try {
    const client = await createClient(server);
    const token = await getToken(server, client.clientId, client.secret, overrides.realm ?? 'tapline');
    return { server, ...client, token };
  } catch (err) {
    await server.destroy();
    throw err;
  }
}

/** The stored transactions of one client with this id (the console's view). */
async function storedCopies(server: TestServer, clientId: string, transactionId: string): Promise<number> {
  await server.runner.drain();
  const res = await server.admin(`/transactions?clientId=${encodeURIComponent(clientId)}&limit=1000`);
  assert.equal(res.status, 200);
  return res.body.items.filter((t: { transactionId: string }) => t.transactionId === transactionId).length;
}

describe('ingestion endpoints', () => {
  let server: TestServer;
  let clientId: string;
  let token: string;
  let one: string;
  let many: string;

  before(async () => {
    ({ server, clientId, token } = await setup());
    one = `${server.url}/api-transaction`;
    many = `${server.url}/api-transactions`;
  });
  after(async () => {
    await server.destroy();
  });

  async function stored(id: string) {
    await server.runner.drain();
    return server.admin(`/transactions/${encodeURIComponent(id)}?clientId=${encodeURIComponent(clientId)}`);
  }

  test('POST /api-transaction: 200 {"status":"OK"} and the transaction is stored', async () => {
    const txn = sampleTransaction({ uri: '/v1/one?x=1', method: 'POST', body: '{"name":"Ada"}' });
    const res = await postJson(one, token, txn);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'OK' });
    const got = await stored(txn['transaction-id']);
    assert.equal(got.status, 200);
    assert.equal(got.body.uri, '/v1/one?x=1');
    assert.equal(got.body.method, 'POST');
    assert.equal(got.body.clientId, clientId);
  });

  test('POST /api-transactions with {"data": [...]}', async () => {
    const a = sampleTransaction();
    const b = sampleTransaction({ method: 'DELETE' });
    const res = await postJson(many, token, { data: [a, b] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'OK', accepted: 2 });
    assert.equal((await stored(a['transaction-id'])).status, 200);
    assert.equal((await stored(b['transaction-id'])).body.method, 'DELETE');
  });

  test('POST /api-transactions with a bare array, and the /api_transactions alias', async () => {
    const a = sampleTransaction();
    const res = await postJson(many, token, [a]);
    assert.deepEqual([res.status, res.body], [200, { status: 'OK', accepted: 1 }]);
    const b = sampleTransaction();
    const c = sampleTransaction();
    const alias = await postJson(`${server.url}/api_transactions`, token, { data: [b, c] });
    assert.deepEqual([alias.status, alias.body], [200, { status: 'OK', accepted: 2 }]);
    const bare = await postJson(`${server.url}/api_transactions`, token, [sampleTransaction()]);
    assert.equal(bare.status, 200);
    for (const t of [a, b, c]) assert.equal((await stored(t['transaction-id'])).status, 200);
  });

  test('a batch is logged item by item as sent: pretty-printed, escaped, with unknown keys', async () => {
    const a = { ...sampleTransaction({ uri: '/v1/a?q=%22x%22' }), 'future-key': { note: 'a "quoted" ] } value\\' } };
    const b = sampleTransaction({ method: 'PUT', uri: '/v1/b' });
    // Pretty-printed, with an escaped key before "data" and another "data" that the last one overrides.
    const body = `{\n  "d\\u0061ta": [],\n  "data" : [\n ${JSON.stringify(a, null, 2)} ,\n\t${JSON.stringify(b)}\n ]\n}`;
    const res = await postJson(many, token, body);
    assert.deepEqual([res.status, res.body], [200, { status: 'OK', accepted: 2 }]);
    assert.equal((await stored(a['transaction-id'])).body.uri, '/v1/a?q=%22x%22');
    assert.equal((await stored(b['transaction-id'])).body.method, 'PUT');
  });

  test('an empty batch is fine', async () => {
    const res = await postJson(many, token, { data: [] });
    assert.deepEqual([res.status, res.body], [200, { status: 'OK', accepted: 0 }]);
  });

  test('unknown keys are ignored; a missing transaction-id is generated', async () => {
    const txn: Record<string, unknown> = { ...sampleTransaction(), 'future-key': { x: 1 } };
    delete txn['transaction-id'];
    const res = await postJson(one, token, txn);
    assert.deepEqual([res.status, res.body], [200, { status: 'OK' }]);
  });

  test('gzip bodies are accepted', async () => {
    const txn = sampleTransaction();
    const res = await postJson(one, token, gzipSync(JSON.stringify(txn)), { 'content-encoding': 'gzip' });
    assert.deepEqual([res.status, res.body], [200, { status: 'OK' }]);
    const batch = [sampleTransaction(), sampleTransaction()];
    const res2 = await postJson(many, token, gzipSync(JSON.stringify({ data: batch })), { 'content-encoding': 'GZIP' });
    assert.deepEqual([res2.status, res2.body], [200, { status: 'OK', accepted: 2 }]);
    assert.equal((await stored(txn['transaction-id'])).status, 200);
    assert.equal((await stored(batch[1]!['transaction-id'])).status, 200);
  });

  test('invalid gzip: 400 invalid_json', async () => {
    const res = await postJson(one, token, JSON.stringify(sampleTransaction()), { 'content-encoding': 'gzip' });
    assertEdgeError(res, 400, 'invalid_json');
    assert.match(res.body.message, /gzip/);
    // The connection is usable afterwards (or a new one is made): the next request works.
    assert.equal((await postJson(one, token, sampleTransaction())).status, 200);
  });

  test('body that is not JSON: 400 invalid_json with the byte offset', async () => {
    const res = await postJson(one, token, '{"a":"é",,}');
    assertEdgeError(res, 400, 'invalid_json');
    assert.match(res.body.message, /byte offset 10\b/, 'a byte offset, not a character index');
    const cut = await postJson(many, token, '[1,2');
    assertEdgeError(cut, 400, 'invalid_json');
    assert.match(cut.body.message, /byte offset 4\b/);
    assertEdgeError(await postJson(one, token, ''), 400, 'invalid_json');
  });

  test('schema violation: 400 invalid_transaction naming the JSON path', async () => {
    const txn: any = sampleTransaction();
    delete txn.request['http-method'];
    const res = await postJson(one, token, txn);
    assertEdgeError(res, 400, 'invalid_transaction');
    assert.match(res.body.message, /request\.http-method/);

    const badHeader: any = sampleTransaction();
    badHeader.response.headers = ['content-type:%%%'];
    const res2 = await postJson(one, token, badHeader);
    assertEdgeError(res2, 400, 'invalid_transaction');
    assert.match(res2.body.message, /response\.headers\[0\]/);

    assertEdgeError(await postJson(one, token, [sampleTransaction()]), 400, 'invalid_transaction');
    assertEdgeError(await postJson(many, token, { items: [] }), 400, 'invalid_transaction');
    assertEdgeError(await postJson(many, token, 'null'), 400, 'invalid_transaction');
  });

  test('partial batch: 200 with accepted and rejected, and the valid items are stored', async () => {
    const a = sampleTransaction();
    const bad: any = sampleTransaction();
    delete bad.request['http-method'];
    const c = sampleTransaction();
    const worse: any = sampleTransaction();
    worse.request.connection = 'nope';
    const res = await postJson(many, token, { data: [a, bad, c, worse] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'OK');
    assert.equal(res.body.accepted, 2);
    assert.equal(res.body.rejected.length, 2);
    const [r1, r3] = res.body.rejected;
    assert.equal(r1.index, 1);
    assert.equal(r1.error, 'invalid_transaction');
    assert.match(r1.message, /data\[1\]\.request\.http-method/);
    assert.equal(r3.index, 3);
    assert.match(r3.message, /data\[3\]\.request\.connection/);
    assert.equal((await stored(a['transaction-id'])).status, 200);
    assert.equal((await stored(c['transaction-id'])).status, 200);
    assert.equal((await stored(bad['transaction-id'])).status, 404);

    // In a bare array the paths have no "data" prefix.
    const bare = await postJson(many, token, [sampleTransaction(), bad]);
    assert.equal(bare.status, 200);
    assert.match(bare.body.rejected[0].message, /^\[1\]\.request\.http-method/);
  });

  test('a batch in which every item is invalid: 400', async () => {
    const bad: any = sampleTransaction();
    delete bad.request['http-method'];
    const res = await postJson(many, token, { data: [bad, { request: {} }] });
    assertEdgeError(res, 400, 'invalid_transaction');
    assert.match(res.body.message, /data\[0\]\.request\.http-method/);
    assert.equal(res.body.rejected.length, 2);
    assert.equal(res.body.rejected[1].index, 1);
  });

  describe('401 invalid_token', () => {
    test('missing, not Bearer, malformed', async () => {
      assertInvalidToken(await postJson(one, null, sampleTransaction()));
      assertInvalidToken(await postJson(one, null, sampleTransaction(), { authorization: 'Basic dXNlcjpwYXNz' }));
      assertInvalidToken(await postJson(one, 'not-a-jwt', sampleTransaction()));
      assertInvalidToken(await postJson(many, 'a.b.c', { data: [sampleTransaction()] }));
      assertInvalidToken(await postJson(one, '', sampleTransaction(), { authorization: 'Bearer ' }));
    });

    test('wrongly signed (a fresh ES256 key, with and without the server\'s kid)', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const { kid } = decodeProtectedHeader(token);
      const issuer = `${server.url}/auth/realms/tapline`;
      const now = Math.floor(Date.now() / 1000);
      for (const k of [kid, 'unknown-kid']) {
        const forged = await new SignJWT({ azp: clientId, scope: 'ingest' })
          .setProtectedHeader({ alg: 'ES256', kid: k, typ: 'JWT' })
          .setIssuer(issuer)
          .setSubject(clientId)
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .setJti(randomUUID())
          .sign(privateKey);
        const res = await postJson(one, forged, sampleTransaction());
        assertInvalidToken(res);
        assert.match(res.body.message, /signature/);
      }
    });

    test('a tampered payload', async () => {
      const [h, p, s] = token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      payload.exp += 3600;
      const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      assertInvalidToken(await postJson(one, tampered, sampleTransaction()));
    });

    test('expired (signed with the server\'s own key, exp in the past)', async () => {
      const keys = await server.store.listSigningKeys();
      const active = keys.find((k) => k.retiredAt === null)!;
      const key = await importJWK(JSON.parse(active.privateJwk), 'ES256');
      const client = await server.store.getClient(clientId);
      const now = Math.floor(Date.now() / 1000);
      const claims = { azp: clientId, scope: 'ingest', typ: 'Bearer', cuid: client!.uid };
      const sign = (exp: number) => new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: active.kid, typ: 'JWT' })
        .setIssuer(`${server.url}/auth/realms/tapline`)
        .setSubject(clientId)
        .setIssuedAt(exp - 600)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(key);
      // The same forging with a future exp is accepted, so only the expiry differs.
      assert.equal((await postJson(one, await sign(now + 600), sampleTransaction())).status, 200);
      const res = await postJson(one, await sign(now - 120), sampleTransaction());
      assertInvalidToken(res);
      assert.match(res.body.message, /expired/);
    });

    test('a token of another realm (another Tapline) is refused', async () => {
      const other = await setup({ realm: 'cequence' });
      try {
        const res = await postJson(one, other.token, sampleTransaction());
        assertInvalidToken(res);
      } finally {
        await other.server.destroy();
      }
    });
  });

  describe('403 ingestion_disabled within 1 s', () => {
    async function untilRefused(url: string, tok: string): Promise<{ res: Result; elapsed: number }> {
      const start = Date.now();
      for (;;) {
        const res = await postJson(url, tok, sampleTransaction());
        if (res.status !== 200 || Date.now() - start > 3000) return { res, elapsed: Date.now() - start };
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    test('after PATCH trafficIngestion false (and back on after true)', async () => {
      const c = await createClient(server);
      const tok = await getToken(server, c.clientId, c.secret);
      assert.equal((await postJson(one, tok, sampleTransaction())).status, 200);
      const start = Date.now();
      assert.equal((await server.admin(`/clients/${c.clientId}`, { method: 'PATCH', body: { trafficIngestion: false } })).status, 200);
      const { res } = await untilRefused(one, tok);
      const elapsed = Date.now() - start;
      assertEdgeError(res, 403, 'ingestion_disabled');
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
      assertEdgeError(await postJson(many, tok, { data: [sampleTransaction()] }), 403, 'ingestion_disabled');
      assert.equal((await server.admin(`/clients/${c.clientId}`, { method: 'PATCH', body: { trafficIngestion: true } })).status, 200);
      assert.equal((await postJson(one, tok, sampleTransaction())).status, 200);
    });

    test('after DELETE, and a re-created client of the same name does not revive the token', async () => {
      const c = await createClient(server);
      const tok = await getToken(server, c.clientId, c.secret);
      assert.equal((await postJson(one, tok, sampleTransaction())).status, 200);
      const start = Date.now();
      assert.equal((await server.admin(`/clients/${c.clientId}`, { method: 'DELETE' })).status, 204);
      const { res } = await untilRefused(one, tok);
      const elapsed = Date.now() - start;
      assertEdgeError(res, 403, 'ingestion_disabled');
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
      await createClient(server, c.clientId);
      assertEdgeError(await postJson(one, tok, sampleTransaction()), 403, 'ingestion_disabled');
    });
  });

  describe('415 unsupported_media_type', () => {
    test('text/plain, a missing Content-Type, or an unknown Content-Encoding', async () => {
      const body = JSON.stringify(sampleTransaction());
      assertEdgeError(await postJson(one, token, body, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
      assertEdgeError(await postJson(many, token, JSON.stringify({ data: [] }), { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
      const none = await fetch(one, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(Buffer.from(body)) });
      assert.equal(none.status, 415);
      assert.equal(((await none.json()) as { error: string }).error, 'unsupported_media_type');
      assertEdgeError(await postJson(one, token, body, { 'content-encoding': 'br' }), 415, 'unsupported_media_type');
    });

    test('application/json with parameters and +json types are accepted', async () => {
      for (const type of ['application/json; charset=utf-8', 'application/vnd.x+json', 'Application/JSON', 'application/vnd.x+json; charset=utf-8']) {
        const res = await postJson(one, token, sampleTransaction(), { 'content-type': type });
        assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.body)}`);
      }
    });

    test('a JSON content type with a body that does not parse is 400, not 415', async () => {
      assertEdgeError(await postJson(one, token, 'hello', { 'content-type': 'application/json; charset=utf-8' }), 400, 'invalid_json');
    });
  });

  describe('deduplication', () => {
    test('the same transaction-id posted twice: both 200, stored once', async () => {
      const txn = sampleTransaction();
      await server.runner.drain();
      const before = server.runner.processed;
      assert.deepEqual((await postJson(one, token, txn)).body, { status: 'OK' });
      assert.deepEqual((await postJson(one, token, txn)).body, { status: 'OK' });
      const batch = await postJson(many, token, { data: [txn] });
      assert.equal(batch.status, 200);
      assert.equal(await storedCopies(server, clientId, txn['transaction-id']), 1);
      assert.equal(server.runner.processed - before, 1, 'the log holds one copy');
    });

    test('a duplicate inside one batch is stored once', async () => {
      const a = sampleTransaction();
      const b = sampleTransaction();
      await server.runner.drain();
      const before = server.runner.processed;
      const res = await postJson(many, token, { data: [a, a, b, a] });
      assert.equal(res.status, 200);
      assert.equal(res.body.rejected, undefined);
      assert.equal(await storedCopies(server, clientId, a['transaction-id']), 1);
      assert.equal(await storedCopies(server, clientId, b['transaction-id']), 1);
      assert.equal(server.runner.processed - before, 2);
    });

    test('concurrent retries are acknowledged and stored once', async () => {
      const txn = sampleTransaction();
      await server.runner.drain();
      const before = server.runner.processed;
      const results = await Promise.all([1, 2, 3, 4].map(() => postJson(one, token, txn)));
      for (const r of results) assert.equal(r.status, 200);
      assert.equal(await storedCopies(server, clientId, txn['transaction-id']), 1);
      assert.equal(server.runner.processed - before, 1);
    });

    test('the same id from two clients is two transactions', async () => {
      const c = await createClient(server);
      const tok = await getToken(server, c.clientId, c.secret);
      const txn = sampleTransaction();
      assert.equal((await postJson(one, token, txn)).status, 200);
      assert.equal((await postJson(one, tok, txn)).status, 200);
      assert.equal(await storedCopies(server, clientId, txn['transaction-id']), 1);
      assert.equal(await storedCopies(server, c.clientId, txn['transaction-id']), 1);
    });
  });
});

describe('the dedupe window survives a restart with the same data directory', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.destroy();
  });

  test('a retry after a restart is acknowledged and not stored again', async () => {
    const c = await createClient(server);
    const txn = sampleTransaction();
    const first = await postJson(`${server.url}/api-transaction`, await getToken(server, c.clientId, c.secret), txn);
    assert.equal(first.status, 200);
    await server.runner.drain();
    await server.close();

    server = await startTestServer({}, server.dataDir);
    const token = await getToken(server, c.clientId, c.secret);
    await server.runner.drain();
    const before = server.runner.processed;
    const again = await postJson(`${server.url}/api-transaction`, token, txn);
    assert.deepEqual([again.status, again.body], [200, { status: 'OK' }]);
    const inBatch = await postJson(`${server.url}/api-transactions`, token, { data: [txn, sampleTransaction()] });
    assert.deepEqual([inBatch.status, inBatch.body], [200, { status: 'OK', accepted: 2 }]);
    assert.equal(await storedCopies(server, c.clientId, txn['transaction-id']), 1);
    assert.equal(server.runner.processed - before, 1, 'only the new transaction reached the log');
  });
});

describe('403 ip_not_allowed', () => {
  test('a caller outside the ingress allow-list is refused', async () => {
    const { server, token } = await setup({ ingressAllow: ['10.9.9.0/24'] });
    try {
      const res = await postJson(`${server.url}/api-transaction`, token, sampleTransaction());
      assertEdgeError(res, 403, 'ip_not_allowed');
      assertEdgeError(await postJson(`${server.url}/api-transactions`, token, { data: [sampleTransaction()] }), 403, 'ip_not_allowed');
      // Checked before the token: even without one.
      assertEdgeError(await postJson(`${server.url}/api-transaction`, null, sampleTransaction()), 403, 'ip_not_allowed');
      // The token service and admin API are not behind the ingress list.
      assert.equal((await server.admin('/clients')).status, 200);
    } finally {
      await server.destroy();
    }
  });

  test('a caller inside the allow-list is accepted', async () => {
    const { server, token } = await setup({ ingressAllow: ['10.9.9.0/24', '127.0.0.0/8'] });
    try {
      const res = await postJson(`${server.url}/api-transaction`, token, sampleTransaction());
      assert.deepEqual([res.status, res.body], [200, { status: 'OK' }]);
    } finally {
      await server.destroy();
    }
  });
});

describe('413 payload_too_large', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    ({ server, token } = await setup({ maxBodyBytes: 1000 }));
  });
  after(async () => {
    await server.destroy();
  });

  const big = () => ({ ...sampleTransaction(), padding: 'x'.repeat(5000) });

  test('a Content-Length above the limit', async () => {
    const res = await postJson(`${server.url}/api-transaction`, token, big());
    assertEdgeError(res, 413, 'payload_too_large');
    assertEdgeError(await postJson(`${server.url}/api-transactions`, token, { data: [big()] }), 413, 'payload_too_large');
  });

  test('a gzip body that inflates past the limit', async () => {
    const zipped = gzipSync(JSON.stringify(big()));
    assert.ok(zipped.length < 1000);
    const res = await postJson(`${server.url}/api-transaction`, token, zipped, { 'content-encoding': 'gzip' });
    assertEdgeError(res, 413, 'payload_too_large');
  });

  test('bodies under the limit pass, plain and gzip', async () => {
    const small = sampleTransaction();
    assert.ok(JSON.stringify(small).length < 1000);
    assert.equal((await postJson(`${server.url}/api-transaction`, token, small)).status, 200);
    const zipped = gzipSync(JSON.stringify(sampleTransaction()));
    assert.equal((await postJson(`${server.url}/api-transaction`, token, zipped, { 'content-encoding': 'gzip' })).status, 200);
  });
});

describe('429 overloaded', () => {
  function assertOverloaded(res: Result) {
    assertEdgeError(res, 429, 'overloaded');
    const retryAfter = res.headers.get('retry-after');
    assert.ok(retryAfter !== null && /^\d+$/.test(retryAfter) && Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`);
  }

  test('maxInflight 0 sheds every request with Retry-After', async () => {
    const { server, token } = await setup({ maxInflight: 0 });
    try {
      assertOverloaded(await postJson(`${server.url}/api-transaction`, token, sampleTransaction()));
      assertOverloaded(await postJson(`${server.url}/api-transactions`, token, { data: [sampleTransaction()] }));
    } finally {
      await server.destroy();
    }
  });

  test('a body above the in-flight byte budget is shed with Retry-After; smaller ones pass', async () => {
    const { server, token } = await setup({ maxInflightBytes: 2000 });
    try {
      const big = { ...sampleTransaction(), padding: 'x'.repeat(3000) };
      assertOverloaded(await postJson(`${server.url}/api-transaction`, token, big));
      assert.equal((await postJson(`${server.url}/api-transaction`, token, sampleTransaction())).status, 200);
    } finally {
      await server.destroy();
    }
  });
});
