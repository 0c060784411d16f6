// The forwarder against a real Tapline (batches stored, token cached) and against a small stub
// edge for the failure paths (retry, Retry-After, 401 refresh, outage, restart, full spool).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, rmSync } from 'node:fs';
import { Forwarder, batchBody, type ForwarderOptions } from '../src/capture/forwarder.ts';
import type { EdgeTransaction } from '../src/wire/edge-format.ts';
import { createClient, sampleTransaction, startTestServer, tempDir, tokenUrl, type TestServer } from './helpers.ts';

const sample = (id?: string) => sampleTransaction({ id }) as unknown as EdgeTransaction;

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A stub edge and token service; `answer` decides each batch's fate. */
interface Stub {
  url: string;
  port: number;
  tokens: number;
  received: string[];
  statuses: number[];
  answer: (n: number) => { status: number; headers?: Record<string, string> };
  close(): Promise<void>;
}

function fakeJwt(expSeconds: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ exp: Math.floor(Date.now() / 1000) + expSeconds })}.sig`;
}

async function startStub(port = 0, tokenSeconds = 1800): Promise<Stub> {
  let batches = 0;
  const stub = {
    tokens: 0,
    received: [] as string[],
    statuses: [] as number[],
    answer: (_n: number) => ({ status: 200 }) as { status: number; headers?: Record<string, string> },
  } as Stub;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.includes('/token')) {
        stub.tokens++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: fakeJwt(tokenSeconds), expires_in: tokenSeconds }));
        return;
      }
      const { status, headers } = stub.answer(++batches);
      stub.statuses.push(status);
      if (status === 200) {
        for (const t of JSON.parse(Buffer.concat(chunks).toString()).data) stub.received.push(t['transaction-id']);
      }
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{"status":"OK"}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  stub.port = (server.address() as AddressInfo).port;
  stub.url = `http://127.0.0.1:${stub.port}`;
  stub.close = () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); });
  return stub;
}

function stubForwarder(stub: { url: string }, extra: Partial<ForwarderOptions> = {}): Forwarder {
  return new Forwarder({
    edge: stub.url,
    tokenUrl: `${stub.url}/token`,
    clientId: 'c',
    clientSecret: 's',
    maxDelayMs: 20,
    retryInitialMs: 10,
    retryMaxMs: 100,
    maxAttempts: 3,
    requestTimeoutMs: 2000,
    ...extra,
  });
}

describe('forwarder against a real Tapline', () => {
  let server: TestServer;
  let client: { clientId: string; secret: string };
  before(async () => {
    server = await startTestServer();
    client = await createClient(server);
  });
  after(() => server.destroy());

  test('batches arrive and are stored, with one cached token', async () => {
    const f = new Forwarder({ edge: server.url, tokenUrl: tokenUrl(server), clientId: client.clientId, clientSecret: client.secret, maxBatchItems: 50 });
    f.start();
    const ids = Array.from({ length: 120 }, (_, i) => `fwd-${i}-${Date.now()}`);
    for (const id of ids) f.enqueue(sample(id));
    await f.flush();
    await f.stop();
    assert.equal(f.metrics().sent, 120);
    assert.equal(f.metrics().dropped, 0);
    await server.runner.drain();
    const stored = await server.admin(`/transactions?clientId=${encodeURIComponent(client.clientId)}&limit=1000`);
    const storedIds = new Set(stored.body.items.map((t: { transactionId: string }) => t.transactionId));
    for (const id of ids) assert.ok(storedIds.has(id), `${id} stored`);
    const clients = await server.admin('/clients');
    const mine = clients.body.items.find((c: { name: string }) => c.name === client.clientId);
    assert.equal(mine.tokensIssued, 1, 'three batches, one token');
  });
});

describe('forwarder failure paths (stub edge)', () => {
  test('retries 503 honouring Retry-After, then delivers', async () => {
    const stub = await startStub();
    stub.answer = (n) => (n === 1 ? { status: 503, headers: { 'retry-after': '0.3' } } : { status: 200 });
    const f = stubForwarder(stub);
    f.start();
    const started = Date.now();
    f.enqueue(sample('r1'));
    await f.flush();
    assert.ok(Date.now() - started >= 280, 'waited for Retry-After');
    assert.deepEqual(stub.received, ['r1']);
    assert.equal(f.metrics().retried, 1);
    await f.stop();
    await stub.close();
  });

  test('other 4xx are dropped with the error, never retried', async () => {
    const stub = await startStub();
    stub.answer = () => ({ status: 400 });
    const f = stubForwarder(stub);
    f.start();
    f.enqueue(sample());
    await f.flush();
    assert.equal(stub.statuses.length, 1);
    assert.equal(f.metrics().dropped, 1);
    assert.match(f.metrics().lastError ?? '', /400/);
    await f.stop();
    await stub.close();
  });

  test('a 401 refreshes the token and retries once', async () => {
    const stub = await startStub();
    stub.answer = (n) => (n === 1 ? { status: 401 } : { status: 200 });
    const f = stubForwarder(stub);
    f.start();
    f.enqueue(sample('a'));
    await f.flush();
    f.enqueue(sample('b'));
    await f.flush();
    assert.deepEqual(stub.received, ['a', 'b']);
    assert.equal(stub.tokens, 2, 'one token, one refresh after the 401, then cached');
    await f.stop();
    await stub.close();
  });

  test('the token is refreshed ahead of its exp', async () => {
    const stub = await startStub(0, 1);
    const f = stubForwarder(stub);
    f.start();
    f.enqueue(sample());
    f.enqueue(sample());
    await f.flush();
    assert.equal(stub.tokens, 1);
    await new Promise((r) => setTimeout(r, 1000));
    f.enqueue(sample());
    await f.flush();
    assert.equal(stub.tokens, 2, 'a token near its exp is not reused');
    await f.stop();
    await stub.close();
  });

  test('edge down: spooled to disk, delivered when it comes back', async () => {
    const spoolDir = tempDir('tapline-spool-');
    const stub = await startStub();
    const port = stub.port;
    await stub.close(); // the port is now refused
    const f = stubForwarder({ url: `http://127.0.0.1:${port}` }, { spoolDir });
    f.start();
    for (let i = 0; i < 10; i++) f.enqueue(sample(`down-${i}`));
    await f.flush();
    assert.equal(f.metrics().sent, 0);
    assert.ok(f.metrics().spooled >= 10);
    assert.ok(readdirSync(spoolDir).length > 0, 'segments on disk');
    const back = await startStub(port);
    await until(() => back.received.length >= 10);
    assert.deepEqual(new Set(back.received), new Set(Array.from({ length: 10 }, (_, i) => `down-${i}`)));
    await until(() => f.metrics().spoolQueued === 0);
    await f.stop();
    await back.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  test('restart loses nothing: stop() persists, a new forwarder sends', async () => {
    const spoolDir = tempDir('tapline-spool-');
    const stub = await startStub();
    stub.answer = () => ({ status: 503 });
    const first = stubForwarder(stub, { spoolDir, maxDelayMs: 60_000 });
    first.start();
    for (let i = 0; i < 5; i++) first.enqueue(sample(`rs-${i}`));
    await first.stop();
    assert.equal(first.metrics().spoolQueued, 5);
    stub.answer = () => ({ status: 200 });
    const second = stubForwarder(stub, { spoolDir });
    second.start();
    await until(() => stub.received.length >= 5);
    assert.deepEqual(stub.received.sort(), ['rs-0', 'rs-1', 'rs-2', 'rs-3', 'rs-4']);
    await second.stop();
    await stub.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  test('memory is bounded: past maxQueueBytes the oldest batches spill to disk', async () => {
    const spoolDir = tempDir('tapline-spool-');
    const stub = await startStub();
    const one = JSON.stringify(sample()).length;
    const f = stubForwarder(stub, { spoolDir, maxQueueBytes: one * 10, maxBatchItems: 5, maxDelayMs: 60_000 });
    f.start();
    for (let i = 0; i < 30; i++) f.enqueue(sample(`mem-${i}`));
    assert.ok(f.metrics().queued <= 10, 'memory holds at most its bound');
    assert.ok(f.metrics().spooled >= 20, 'the rest went to disk');
    await f.flush();
    await until(() => stub.received.length >= 30);
    assert.equal(new Set(stub.received).size, 30);
    await f.stop();
    await stub.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  test('spool full: the oldest are dropped and counted', async () => {
    const spoolDir = tempDir('tapline-spool-');
    const stub = await startStub();
    stub.answer = () => ({ status: 503 });
    const one = JSON.stringify(sample()).length + 1;
    const f = stubForwarder(stub, { spoolDir, maxSpoolBytes: one * 3 + 10, maxBatchItems: 1, maxDelayMs: 60_000 });
    f.start();
    for (let i = 0; i < 5; i++) f.enqueue(sample(`full-${i}`));
    await f.stop();
    const m = f.metrics();
    assert.equal(m.spoolQueued, 3);
    assert.equal(m.dropped, 2);
    stub.answer = () => ({ status: 200 });
    const g = stubForwarder(stub, { spoolDir });
    g.start();
    await until(() => stub.received.length >= 3);
    assert.deepEqual(stub.received.sort(), ['full-2', 'full-3', 'full-4']);
    await g.stop();
    await stub.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });
});

test('an idle forwarder sends a lone transaction after the batch delay, without flush()', async () => {
  const stub = await startStub();
  const f = stubForwarder(stub, { maxDelayMs: 50 });
  try {
    f.start();
    await new Promise((r) => setTimeout(r, 100)); // the loop is asleep with nothing queued
    f.enqueue(sample('lone-1'));
    await until(() => stub.received.includes('lone-1'), 2000);
  } finally {
    await f.stop();
    await stub.close();
  }
});

test('whenHandled(mark): resolves once what came before the mark is sent or spooled, whatever was enqueued after', async () => {
  // An edge that answers the first batch at once and holds the others until released.
  const received: string[] = [];
  const held: Array<() => void> = [];
  let batches = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.includes('/token')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: fakeJwt(1800), expires_in: 1800 }));
      const answer = () => {
        for (const t of JSON.parse(Buffer.concat(chunks).toString()).data) received.push(t['transaction-id']);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      };
      if (++batches === 1) answer();
      else held.push(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const spoolDir = tempDir('tapline-spool-');
  const f = stubForwarder({ url }, { maxBatchItems: 5, maxDelayMs: 60_000, spoolDir, requestTimeoutMs: 30_000 });
  try {
    f.start();
    assert.equal(f.mark(), 0);
    await f.whenHandled(0); // nothing before the first mark
    for (let i = 0; i < 3; i++) f.enqueue(sample(`first-${i}`));
    const first = f.mark();
    for (let i = 0; i < 7; i++) f.enqueue(sample(`later-${i}`));
    const later = f.mark();
    let laterDone = false;
    const laterHandled = f.whenHandled(later).then(() => (laterDone = true));
    // A waiter makes a batch go out without waiting for the (long) batch delay.
    await f.whenHandled(first);
    assert.deepEqual(received.slice(0, 3), ['first-0', 'first-1', 'first-2']);
    await until(() => held.length > 0);
    assert.equal(laterDone, false, 'the later mark waits for its own items');
    while (!laterDone) {
      held.shift()?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    await laterHandled;
    assert.equal(received.length, 10);
    // Stopping with items unsent spools them, which settles their mark too.
    for (let i = 0; i < 4; i++) f.enqueue(sample(`stopped-${i}`));
    const last = f.whenHandled(f.mark());
    await until(() => held.length > 0);
    await f.stop();
    await last;
    assert.equal(f.metrics().spoolQueued > 0, true, 'the unsent items are in the spool');
  } finally {
    await f.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(spoolDir, { recursive: true, force: true });
  }
});

/** An edge that holds every batch until the test answers it (token requests are answered at once). */
async function holdingEdge() {
  const held: Array<{ ids: string[]; answer: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.includes('/token')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: fakeJwt(1800), expires_in: 1800 }));
      const ids = (JSON.parse(Buffer.concat(chunks).toString()).data as Array<{ 'transaction-id': string }>).map((t) => t['transaction-id']);
      held.push({ ids, answer: () => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"OK"}') });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test('batches in flight: up to maxInFlight at once with a spool; a mark waits for the oldest; stop() spools those on their way', async () => {
  const edge = await holdingEdge();
  const spoolDir = tempDir('tapline-spool-');
  const f = stubForwarder(edge, { maxBatchItems: 3, maxDelayMs: 10, maxInFlight: 2, spoolDir, requestTimeoutMs: 30_000 });
  try {
    f.start();
    for (let i = 0; i < 3; i++) f.enqueue(sample(`a-${i}`));
    const afterA = f.mark();
    for (let i = 0; i < 3; i++) f.enqueue(sample(`b-${i}`));
    const afterB = f.mark();
    for (let i = 0; i < 3; i++) f.enqueue(sample(`c-${i}`));
    await until(() => edge.held.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(edge.held.length, 2, 'a third batch waits for a free slot');
    assert.deepEqual(edge.held.map((h) => h.ids[0]), ['a-0', 'b-0']);
    let aDone = false;
    const aHandled = f.whenHandled(afterA).then(() => (aDone = true));
    let bDone = false;
    const bHandled = f.whenHandled(afterB).then(() => (bDone = true));
    // The second batch is answered first: its items are sent, but the first batch still travels.
    edge.held[1]!.answer();
    await until(() => edge.held.length === 3); // its slot went to the third batch
    assert.deepEqual(edge.held[2]!.ids, ['c-0', 'c-1', 'c-2']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(bDone, false, 'a mark waits for the oldest batch on its way');
    assert.equal(aDone, false);
    edge.held[0]!.answer();
    await aHandled;
    await bHandled;
    assert.equal(f.metrics().sent, 6);
    // The third batch is still held: stopping spools it.
    await f.stop();
    assert.equal(f.metrics().spoolQueued, 3);
  } finally {
    await f.stop();
    await edge.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
});

test('batches in flight: without a spool directory, one at a time', async () => {
  const edge = await holdingEdge();
  const f = stubForwarder(edge, { maxBatchItems: 2, maxDelayMs: 10, maxInFlight: 4, requestTimeoutMs: 30_000 });
  try {
    f.start();
    for (let i = 0; i < 6; i++) f.enqueue(sample(`x-${i}`));
    await until(() => edge.held.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(edge.held.length, 1);
    edge.held[0]!.answer();
    await until(() => edge.held.length === 2);
    edge.held[1]!.answer();
    await until(() => edge.held.length === 3);
    edge.held[2]!.answer();
    await f.flush();
    assert.deepEqual(edge.held.flatMap((h) => h.ids), ['x-0', 'x-1', 'x-2', 'x-3', 'x-4', 'x-5']);
  } finally {
    await f.stop();
    await edge.close();
  }
});

test('enqueueSerialized: pre-serialized transactions (string or Buffer) go out unchanged in the same batches', async () => {
  const stub = await startStub();
  const f = stubForwarder(stub, { maxBatchItems: 10 });
  try {
    f.start();
    f.enqueue(sample('obj-1'));
    f.enqueueSerialized(JSON.stringify(sample('str-1')));
    f.enqueueSerialized(Buffer.from(JSON.stringify({ ...sample('buf-1'), note: 'caf\u00e9 \u20ac' })));
    await f.flush();
    assert.deepEqual(stub.received, ['obj-1', 'str-1', 'buf-1']);
    assert.equal(f.metrics().sent, 3);
    // The spool is one transaction per line: text with a raw newline is refused and counted.
    f.enqueueSerialized(JSON.stringify(sample('nl-1'), null, 2));
    assert.equal(f.metrics().dropped, 1);
    assert.match(f.metrics().lastError ?? '', /raw newline/);
  } finally {
    await f.stop();
    await stub.close();
  }
  // The batch body is the items joined, byte for byte, in the Edge API's {"data": [...]} shape.
  const items = [JSON.stringify(sample('a')), JSON.stringify({ x: '\u00e9\u20ac"\n' })];
  assert.equal(batchBody(items.map((i) => Buffer.from(i))).toString('utf8'), `{"data":[${items.join(',')}]}`);
  assert.equal(batchBody([]).toString(), '{"data":[]}');
});

test('the spool keeps multi-byte UTF-8 intact across a restart', async () => {
  const spoolDir = tempDir('tapline-spool-');
  const stub = await startStub();
  stub.answer = () => ({ status: 503 });
  const first = stubForwarder(stub, { spoolDir, maxDelayMs: 60_000 });
  first.start();
  const t = { ...sample('utf8-1'), note: 'caf\u00e9 \u20ac \ud83d\ude00 line\nbreak' };
  first.enqueue(t as unknown as EdgeTransaction);
  await first.stop();
  assert.equal(first.metrics().spoolQueued, 1);
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.includes('/token')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: fakeJwt(600), expires_in: 600 }));
      seen.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"OK"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const second = stubForwarder({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, { spoolDir });
  try {
    second.start();
    await until(() => seen.length > 0);
    assert.deepEqual(JSON.parse(seen[0]!).data[0], t);
  } finally {
    await second.stop();
    await stub.close();
    await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
    rmSync(spoolDir, { recursive: true, force: true });
  }
});
