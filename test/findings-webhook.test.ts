// New findings reach a webhook as signed JSON, once each; /metrics counts findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { signature } from '../src/console/finding-webhooks.ts';
import { createClient, getToken, postJson, sampleTransaction, startTestServer } from './helpers.ts';

test('each new finding is posted once, signed; metrics count findings', { timeout: 60_000 }, async () => {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(received.length === 1 ? 503 : 204).end(); // the first delivery is retried
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const server = await startTestServer({ findingsWebhook: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, findingsWebhookSecret: 'whsec-test' });
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const t = sampleTransaction({ id: randomUUID(), host: 'login.example', uri: '/v1/session?password=hunter2' });
    assert.equal((await postJson(`${server.url}/api-transaction`, token, t)).status, 200);
    await server.runner.drain();
    const findings = (await server.admin('/findings?limit=100')).body.items as Array<{ id: string; type: string }>;
    assert.ok(findings.length > 0);
    const deadline = Date.now() + 30_000;
    const delivered = () => new Set(received.filter((_, i) => i > 0).map((r) => (JSON.parse(r.body) as { finding: { id: string } }).finding.id));
    while (delivered().size < findings.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([...delivered()].sort(), findings.map((f) => f.id).sort(), 'every finding delivered');
    for (const r of received) {
      const [t0, v1] = String(r.headers['x-tapline-signature']).split(',').map((p) => p.split('=')[1]!);
      assert.equal(v1, signature('whsec-test', Number(t0), r.body), 'the signature checks out');
      assert.ok(Math.abs(Date.now() / 1000 - Number(t0)) < 60);
    }
    const payload = JSON.parse(received.at(-1)!.body) as { event: string; finding: { link: string; transactionIds: string[] } };
    assert.equal(payload.event, 'finding.new');
    assert.match(payload.finding.link, /\/findings\/[\w-]+$/);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(received.length, findings.length + 1, 'no finding delivered twice (one retry after the 503)');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^tapline_findings\{severity="high",status="open"\} \d+$/m);
  } finally {
    await server.destroy();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});
