// Ingestion on several threads (--edge-threads): edge worker threads share the port with the main
// thread and the kernel spreads connections over them. Every request here opens its own
// connection, so they land on all threads; whichever thread takes them, the promises hold: a 200
// means stored, a retry is stored once, counters add up, a disabled client is refused within 1 s,
// and the token service and admin API answer on every connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createClient, getToken, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

/** One request on a connection of its own (no keep-alive pool), so the kernel picks its thread anew. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, connection: 'close' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('edge worker threads', () => {
  let server: TestServer;
  let clientId: string;
  let token: string;
  const post = (path: string, body: unknown) =>
    send(`${server.url}${path}`, 'POST', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, JSON.stringify(body));

  before(async () => {
    server = await startTestServer({ edgeThreads: 3 });
    const client = await createClient(server);
    clientId = client.clientId;
    token = await getToken(server, clientId, client.secret);
  });
  after(async () => {
    await server.destroy();
  });

  test('transactions posted over 60 connections are all stored once, and counted', async () => {
    const ids: string[] = Array.from({ length: 60 }, () => randomUUID());
    const answers = await Promise.all(ids.map((id, i) => (i % 2 === 0
      ? post('/api-transaction', sampleTransaction({ id, host: 'threads.example' }))
      : post('/api-transactions', { data: [sampleTransaction({ id, host: 'threads.example' })] }))));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    await server.runner.drain();
    const stored = (await server.admin(`/transactions?clientId=${clientId}&limit=1000`)).body.items as Array<{ transactionId: string }>;
    assert.deepEqual(stored.map((t) => t.transactionId).filter((id) => ids.includes(id)).sort(), [...ids].sort());
    // Counters reach the store from every thread (edge threads send theirs every 250 ms).
    const deadline = Date.now() + 5000;
    for (;;) {
      const items = (await server.admin('/diagnostics/ingestion')).body.items as Array<{ clientId: string; accepted: number }>;
      const accepted = items.filter((i) => i.clientId === clientId).reduce((a, i) => a + i.accepted, 0);
      if (accepted === 60) break;
      assert.ok(Date.now() < deadline, `ingestion diagnostics count ${accepted} accepted, not 60`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  test('the same transaction-id sent at once over 30 connections is stored once', async () => {
    const id = randomUUID();
    const answers = await Promise.all(Array.from({ length: 30 }, () => post('/api-transaction', sampleTransaction({ id, host: 'retry.example' }))));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    await server.runner.drain();
    const stored = (await server.admin(`/transactions?clientId=${clientId}&limit=1000`)).body.items as Array<{ transactionId: string }>;
    assert.equal(stored.filter((t) => t.transactionId === id).length, 1);
  });

  test('the token service, the admin API and errors answer the same on every connection', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, async () => {
      const clients = await send(`${server.url}/api/v1/clients`, 'GET', { authorization: 'Bearer test-admin-token' });
      const discovery = await send(`${server.url}/auth/realms/tapline/.well-known/openid-configuration`, 'GET', {});
      const bad = await send(`${server.url}/api-transaction`, 'POST', { 'content-type': 'application/json', authorization: 'Bearer nope' }, '{}');
      const invalid = await post('/api-transaction', { request: {} });
      return { clients, discovery, bad, invalid };
    }));
    for (const r of results) {
      assert.equal(r.clients.status, 200, r.clients.text);
      assert.ok((JSON.parse(r.clients.text) as { items: Array<{ clientId: string }> }).items.some((c) => c.clientId === clientId));
      assert.equal(r.discovery.status, 200);
      assert.equal(r.bad.status, 401);
      assert.equal(JSON.parse(r.bad.text).error, 'invalid_token');
      assert.equal(r.invalid.status, 400);
      assert.equal(JSON.parse(r.invalid.text).message, "response is required");
    }
  });

  test('a disabled client is refused on every connection within 1 s', async () => {
    assert.equal((await server.admin(`/clients/${clientId}`, { method: 'PATCH', body: { trafficIngestion: false } })).status, 200);
    const disabledAt = Date.now();
    for (;;) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => post('/api-transaction', sampleTransaction({ host: 'late.example' }))));
      if (answers.every((a) => a.status === 403)) break;
      assert.ok(Date.now() - disabledAt < 1000, `still accepted ${Date.now() - disabledAt} ms after the client was disabled`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await server.admin(`/clients/${clientId}`, { method: 'PATCH', body: { trafficIngestion: true } })).status, 200);
  });
});
