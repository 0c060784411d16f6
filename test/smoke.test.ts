import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, getToken, postJson, sampleTransaction, startTestServer } from './helpers.ts';

test('a transaction posted with a client token appears in Unknown Traffic', async () => {
  const server = await startTestServer();
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const txn = sampleTransaction({ uri: '/v1/smoke?x=1' });
    const res = await postJson(`${server.url}/api-transaction`, token, txn);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'OK' });
    await server.runner.drain();
    const unknown = await server.admin('/diagnostics/unknown-traffic?limit=5');
    assert.equal(unknown.body.items[0].transactionId, txn['transaction-id']);
    assert.equal(unknown.body.items[0].uri, '/v1/smoke?x=1');
  } finally {
    await server.destroy();
  }
});
