// Captured payloads leave the log's files once analysis has them: the entry's data is blanked
// (secure_delete overwrites the bytes) and the WAL emptied, while its key stays for the dedupe
// window. The test plants a unique marker and searches every file of the log for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, getToken, postJson, sampleTransaction, startTestServer, tempDir } from './helpers.ts';

function logFilesContaining(dir: string, needle: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('log.db'))
    .filter((f) => readFileSync(join(dir, f)).includes(Buffer.from(needle)));
}

test('consumed entries are blanked in log.db and its WAL; their ids still deduplicate', { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  const server = await startTestServer({}, dataDir);
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const marker = `planted-${randomBytes(12).toString('hex')}`;
    const id = randomUUID();
    const txn = sampleTransaction({ id, method: 'POST', uri: `/v1/notes?tag=${marker}`, body: JSON.stringify({ note: marker }) });
    assert.equal((await postJson(`${server.url}/api-transaction`, token, txn)).status, 200);
    assert.ok(logFilesContaining(dataDir, marker).length > 0, 'the marker is on disk while analysis has not consumed it (or the test proves nothing)');
    await server.runner.drain();
    const deadline = Date.now() + 20_000;
    let files = logFilesContaining(dataDir, marker);
    while (files.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      files = logFilesContaining(dataDir, marker);
    }
    assert.deepEqual(files, [], 'no file of the log holds the payload after analysis consumed it');
    // The key stays: a retry of the same transaction is still recognized as a duplicate.
    assert.equal((await postJson(`${server.url}/api-transaction`, token, txn)).status, 200);
    await server.runner.drain();
    const stored = await server.admin(`/transactions?limit=10`);
    assert.equal(stored.body.items.filter((t: { transactionId: string }) => t.transactionId === id).length, 1);
  } finally {
    await server.destroy();
  }
});
