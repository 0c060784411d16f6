// The sensor end to end: client -> sensor -> real backend, with the captures going to a real
// Tapline. Responses must be identical to calling the backend directly.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { startSensor, type RunningSensor } from '../src/capture/sensor.ts';
import { buildTransaction, packCall, serializeCapture, unpackCalls, type CallRecord, type Capture, type CapturedBody } from '../src/capture/capture-format.ts';
import { CaptureThread } from '../src/capture/capture-thread.ts';
import type { Worker } from 'node:worker_threads';
import { parseListen, sensorCommand, sensorOptions } from '../src/cli/sensor.ts';
import { parseArgs } from '../src/cli/args.ts';
import { createClient, startTestServer, tempDir, type TestServer } from './helpers.ts';

const CAP = 1024;
const BIG = 'x'.repeat(5000);
const BINARY = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));

/** A backend with a few shapes of answer. */
async function startBackend(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/empty') return void res.writeHead(204, { 'X-Trace': 'abc' }).end();
      if (req.url === '/bin') return void res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(BINARY);
      if (req.url === '/big') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(BIG);
      if (req.method === 'POST') return void res.writeHead(201, { 'Content-Type': req.headers['content-type'] ?? 'text/plain', 'X-Len': String(body.length) }).end(body);
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ hello: 'world', url: req.url }));
    });
  });
  // Upgrades: answer 101, then echo the raw bytes back.
  server.on('upgrade', (_req, socket: net.Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

interface Raw {
  status: number;
  headers: string[];
  body: Buffer;
}

function call(base: string, path: string, method = 'GET', body?: Buffer | string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const end2end: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (!['connection', 'keep-alive', 'date'].includes(res.rawHeaders[i]!.toLowerCase())) end2end.push(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        }
        resolve({ status: res.statusCode!, headers: end2end, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CALLS: Array<[string, string, (Buffer | string)?, Record<string, string>?]> = [
  ['GET', '/hello?x=1'],
  ['POST', '/echo', JSON.stringify({ a: 1, b: [1, 2] }), { 'content-type': 'application/json' }],
  ['POST', '/echo-big', BIG, { 'content-type': 'text/plain' }],
  ['POST', '/upload', BINARY, { 'content-type': 'application/octet-stream' }],
  ['GET', '/empty'],
  ['GET', '/bin'],
];

async function stored(server: TestServer, clientId: string) {
  await server.runner.drain();
  const res = await server.admin(`/transactions?clientId=${encodeURIComponent(clientId)}&limit=1000`);
  return res.body.items as Array<{ transactionId: string; method: string; uri: string; status: number | null; sourceType: string | null }>;
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sensor', () => {
  let server: TestServer;
  let backend: { url: string; close(): Promise<void> };
  let client: { clientId: string; secret: string };
  let sensor: RunningSensor;
  const spoolDir = tempDir('tapline-sensor-spool-');

  const start = (edge: string, upstream = backend.url) =>
    startSensor({
      host: '127.0.0.1',
      port: 0,
      upstream,
      maxBodyBytes: CAP,
      forwarder: { edge, tokenUrl: `${edge}/auth/realms/tapline/protocol/openid-connect/token`, clientId: client.clientId, clientSecret: client.secret, spoolDir, maxDelayMs: 20, retryInitialMs: 20, retryMaxMs: 200, maxAttempts: 2 },
    });

  before(async () => {
    server = await startTestServer();
    backend = await startBackend();
    client = await createClient(server);
    sensor = await start(server.url);
  });
  after(async () => {
    await sensor.close();
    await backend.close();
    await server.destroy();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  test('responses are identical to calling the backend directly, and captures are stored', async () => {
    for (const [method, path, body, headers] of CALLS) {
      const direct = await call(backend.url, path, method, body, headers);
      const proxied = await call(sensor.url, path, method, body, headers);
      assert.equal(proxied.status, direct.status, `${method} ${path} status`);
      assert.deepEqual(proxied.headers, direct.headers, `${method} ${path} headers`);
      assert.ok(proxied.body.equals(direct.body), `${method} ${path} body`);
    }
    await sensor.forwarder.flush();
    const items = await stored(server, client.clientId);
    for (const [method, path] of CALLS) {
      const hit = items.find((t) => t.method === method && t.uri === path);
      assert.ok(hit, `${method} ${path} stored`);
      assert.equal(hit.sourceType, 'tapline-sensor');
    }
    assert.equal(items.find((t) => t.uri === '/empty')?.status, 204);
    assert.equal(items.find((t) => t.uri === '/echo')?.status, 201);
  });

  test('with capture off it is a plain proxy: identical responses, nothing queued', async () => {
    const plain = await startSensor({
      host: '127.0.0.1', port: 0, upstream: backend.url, maxBodyBytes: CAP, capture: false,
      forwarder: { edge: server.url, tokenUrl: `${server.url}/auth/realms/tapline/protocol/openid-connect/token`, clientId: client.clientId, clientSecret: client.secret },
    });
    try {
      for (const [method, path, body, headers] of CALLS) {
        const direct = await call(backend.url, path, method, body, headers);
        const proxied = await call(plain.url, path, method, body, headers);
        assert.equal(proxied.status, direct.status);
        assert.ok(proxied.body.equals(direct.body));
      }
      const m = plain.forwarder.metrics();
      assert.equal(m.queued + m.sent + m.spooled, 0);
    } finally {
      await plain.close();
    }
  });

  test('a body over the cap is cut and flagged; binary bodies are kept by size only', async () => {
    const items = await stored(server, client.clientId);
    const big = items.find((t) => t.uri === '/echo-big')!;
    const detail = (await server.admin(`/transactions/${big.transactionId}?clientId=${encodeURIComponent(client.clientId)}`)).body;
    for (const part of [detail.request, detail.response]) {
      assert.equal(part.body.length, 5000);
      assert.equal(part.body.capturedBytes, CAP);
      assert.equal(part.body.truncated, true);
      assert.ok(part.headers.some((h: { name: string; value: string }) => h.name === 'cq-body-truncated' && h.value === 'true'));
    }
    const upload = items.find((t) => t.uri === '/upload')!;
    const uploadDetail = (await server.admin(`/transactions/${upload.transactionId}?clientId=${encodeURIComponent(client.clientId)}`)).body;
    assert.equal(uploadDetail.request.body.length, BINARY.length, 'binary body recorded by size');
    assert.equal(uploadDetail.request.body.capturedBytes, 0, 'and not copied');
  });

  test('upgrades are piped through to the upstream', async () => {
    const port = Number(new URL(sensor.url).port);
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    await until(async () => Buffer.concat(received).includes('\r\n\r\n'));
    socket.write('ping-123');
    await until(async () => Buffer.concat(received).includes('ping-123'));
    assert.match(Buffer.concat(received).toString(), /^HTTP\/1.1 101/);
    socket.destroy();
  });

  test('upstream unreachable: 502 to the client, captured with no status', async () => {
    const dead = await startBackend();
    const deadUrl = dead.url;
    await dead.close();
    const lonely = await start(server.url, deadUrl);
    const res = await call(lonely.url, '/nowhere');
    assert.equal(res.status, 502);
    await lonely.forwarder.flush();
    await lonely.close();
    await until(async () => (await stored(server, client.clientId)).some((t) => t.uri === '/nowhere' && t.status === null));
  });

  test('an edge outage and a sensor restart lose nothing', async () => {
    const port = Number(new URL(server.url).port);
    const dataDir = server.dataDir;
    await server.close(); // the edge is down
    for (let i = 0; i < 5; i++) assert.equal((await call(sensor.url, `/outage-${i}`)).status, 200);
    await sensor.forwarder.flush();
    await sensor.close(); // restart the sensor while the edge is still down
    assert.ok(sensor.forwarder.metrics().spoolQueued >= 5, 'spooled to disk');
    server = await startTestServer({ port }, dataDir);
    sensor = await start(server.url);
    await until(async () => {
      const items = await stored(server, client.clientId);
      return Array.from({ length: 5 }, (_, i) => `/outage-${i}`).every((uri) => items.some((t) => t.uri === uri));
    });
  });
});

describe('capture serialization', () => {
  const body = (text: string | Buffer, opts: { copy?: boolean; cap?: number } = {}): CapturedBody => {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    const copy = opts.copy ?? true;
    const kept = copy ? bytes.subarray(0, opts.cap ?? bytes.length) : Buffer.alloc(0);
    return { length: bytes.length, copy, latin1: kept.toString('latin1') };
  };
  const base: Capture = {
    id: '7d0c7f4e-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
    started: 1764000000123,
    method: 'POST',
    url: '/v1/orders?x=1',
    host: 'api.example.com',
    encrypted: false,
    httpVersion: '1.1',
    remoteAddress: '::ffff:10.0.0.7',
    remotePort: 51234,
    localAddress: '::ffff:127.0.0.1',
    localPort: 9000,
    reqRawHeaders: ['Host', 'api.example.com', 'Content-Type', 'application/json', 'X-Many', 'a', 'X-Many', 'b'],
    reqBody: body('{"a":1}'),
    status: 201,
    resRawHeaders: ['content-type', 'application/json', 'Set-Cookie', 'a=1'],
    resBody: body('{"ok":true}'),
    version: '0.1.0',
    instanceId: 'host-1',
    latencyMs: 12,
  };
  const cases: Array<[string, Partial<Capture>]> = [
    ['a plain POST', {}],
    ['no host, no bodies, https, IPv6', { host: undefined, reqBody: null, resBody: body(''), encrypted: true, remoteAddress: '::1', localAddress: undefined, remotePort: undefined, localPort: undefined }],
    ['upstream unreachable', { status: null, resRawHeaders: [], resBody: null }],
    ['truncated bodies', { reqBody: body('x'.repeat(100), { cap: 40 }), resBody: body('y'.repeat(50), { cap: 10 }) }],
    ['truncated body with no headers', { reqRawHeaders: [], reqBody: body('z'.repeat(10), { cap: 4 }) }],
    ['binary bodies by size only', { reqBody: body(Buffer.from([0, 1, 2, 255]), { copy: false }), resBody: body(Buffer.alloc(300), { copy: false }) }],
    ['strings that need escaping', {
      method: 'M"\\', url: '/p?q="quoted"&b=back\\slash&c=\u00e9\u00ff&d=\u0001\u007f', host: 'h\u00f6st:80', httpVersion: '1.0',
      reqRawHeaders: ['X-Latin', 'caf\u00e9 \u00ff', 'X-Ctl', 'a\tb', 'X-Wide', '\u20ac'], version: 've"r', instanceId: 'n\u00e4me\\',
    }],
    ['an odd status', { status: undefined }],
  ];
  test('body bytes arrive exactly, whatever their values (UTF-8 text, every byte value)', () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"Zo\u00eb \u20ac \ud83d\ude00"}'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const t = JSON.parse(serializeCapture({ ...base, reqBody: body(bytes) }));
    assert.ok(Buffer.from(t.request.body.data, 'base64').equals(bytes));
    assert.equal(t.request.body.length, bytes.length);
  });
  for (const [name, change] of cases) {
    test(`serializeCapture is exactly JSON.stringify(buildTransaction): ${name}`, () => {
      const c = { ...base, ...change };
      assert.equal(serializeCapture(c), JSON.stringify(buildTransaction(c)));
    });
  }

  test('calls cross to the capture thread packed, and unpack to the same records', () => {
    const records: CallRecord[] = cases.map(([, change]) => {
      const { id: _id, version: _v, instanceId: _i, ...call } = { ...base, ...change };
      return call;
    });
    const packed: unknown[] = [];
    for (const r of records) packCall(r, packed);
    // What postMessage does to the batch on its way to the thread.
    assert.deepEqual(unpackCalls(structuredClone(packed)), records);
    assert.deepEqual(unpackCalls([]), []);
  });

  test('the reference shape: base64 header values as latin1 bytes, cq-body-truncated, size-only bodies', () => {
    const t = buildTransaction({ ...base, reqRawHeaders: ['X-Latin', 'caf\u00e9'], reqBody: body('abcdef', { cap: 3 }), resBody: body(Buffer.alloc(9), { copy: false }) });
    assert.deepEqual(t.request.headers, [`X-Latin:${Buffer.from('caf\u00e9', 'latin1').toString('base64')}`, `cq-body-truncated:${Buffer.from('true').toString('base64')}`]);
    assert.deepEqual(t.request.body, { length: 6, data: Buffer.from('abc').toString('base64') });
    assert.deepEqual(t.response.body, { length: 9 });
    assert.equal(t.request['client-ip'], '10.0.0.7');
    assert.equal(t['txn-meta-data']?.source_info?.instance_id, 'host-1');
  });
});

describe('tapline sensor options', () => {
  const parse = (argv: string[], env: Record<string, string> = {}) => sensorOptions(parseArgs(argv, sensorCommand), env, 'sensor');

  test('--listen forms', () => {
    assert.deepEqual(parseListen('0.0.0.0:8081'), { host: '0.0.0.0', port: 8081 });
    assert.deepEqual(parseListen('[::1]:9'), { host: '::1', port: 9 });
    assert.deepEqual(parseListen('8081'), { host: '127.0.0.1', port: 8081 });
    assert.throws(() => parseListen('nope'));
  });

  test('flags, then TAPLINE_SENSOR_* variables; the token URL defaults from the edge', () => {
    const o = parse(['--listen', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:9000', '--edge', 'http://127.0.0.1:8080'], {
      TAPLINE_SENSOR_CLIENT_ID: 'gw',
      TAPLINE_SENSOR_CLIENT_SECRET: 's3',
      TAPLINE_SENSOR_EDGE: 'http://ignored:1',
    });
    assert.equal(o.forwarder.edge, 'http://127.0.0.1:8080');
    assert.equal(o.forwarder.clientId, 'gw');
    assert.equal(o.forwarder.tokenUrl, 'http://127.0.0.1:8080/auth/realms/tapline/protocol/openid-connect/token');
    assert.equal(o.maxBodyBytes, 32768);
    assert.throws(() => parse(['--listen', '127.0.0.1:0']), /no upstream/);
  });

  test('--capture on|off, default on', () => {
    const base = ['--listen', '0', '--upstream', 'http://127.0.0.1:9000', '--edge', 'http://127.0.0.1:8080', '--client-id', 'gw', '--client-secret', 's'];
    assert.equal(parse(base).capture, true);
    assert.equal(parse([...base, '--capture', 'off']).capture, false);
    assert.equal(parse(base, { TAPLINE_SENSOR_CAPTURE: 'off' }).capture, false);
    assert.throws(() => parse([...base, '--capture', 'maybe']), /--capture must be "on" or "off"/);
  });

  test('--status-listen, off by default', () => {
    const base = ['--listen', '0', '--upstream', 'http://127.0.0.1:9000', '--edge', 'http://127.0.0.1:8080', '--client-id', 'gw', '--client-secret', 's'];
    assert.equal(parse(base).statusListen, undefined);
    assert.deepEqual(parse([...base, '--status-listen', '127.0.0.1:9100']).statusListen, { host: '127.0.0.1', port: 9100 });
    assert.throws(() => parse([...base, '--status-listen', 'nope']), /--status-listen must be HOST:PORT/);
  });
});

describe('sensor status endpoints', () => {
  let server: TestServer;
  let backend: { url: string; close(): Promise<void> };
  let client: { clientId: string; secret: string };
  before(async () => {
    server = await startTestServer();
    backend = await startBackend();
    client = await createClient(server);
  });
  after(async () => {
    await backend.close();
    await server.destroy();
  });
  const json = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, body: await res.json() as { status: string; calls: number; forwarder: { sent: number; spoolQueued: number } } };
  };

  test('delivering: /healthz and /readyz 200, /metrics counts calls and what the edge took', async () => {
    const sensor = await startSensor({
      host: '127.0.0.1', port: 0, upstream: backend.url, maxBodyBytes: CAP, statusListen: { host: '127.0.0.1', port: 0 },
      forwarder: { edge: server.url, tokenUrl: `${server.url}/auth/realms/tapline/protocol/openid-connect/token`, clientId: client.clientId, clientSecret: client.secret, maxDelayMs: 20 },
    });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await call(sensor.url, `/hello?i=${i}`)).status, 200);
      await sensor.forwarder.flush();
      const ready = await json(`${sensor.statusUrl}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'delivering');
      assert.equal(ready.body.calls, 3);
      const metrics = await (await fetch(`${sensor.statusUrl}/metrics`)).text();
      assert.match(metrics, /^tapline_sensor_calls_total 3$/m);
      assert.match(metrics, /^tapline_forwarder_sent_total 3$/m);
      assert.equal((await fetch(`${sensor.statusUrl}/nope`)).status, 404);
      assert.equal((await call(sensor.url, '/healthz')).status, 200, 'the proxy port passes /healthz to the upstream');
    } finally {
      await sensor.close();
    }
  });

  test('not delivering: the edge cannot be reached, so /readyz answers 503 while /healthz says why', async () => {
    const spoolDir = tempDir('tapline-sensor-status-');
    const sensor = await startSensor({
      host: '127.0.0.1', port: 0, upstream: backend.url, maxBodyBytes: CAP, statusListen: { host: '127.0.0.1', port: 0 },
      forwarder: { edge: 'http://127.0.0.1:1', tokenUrl: 'http://127.0.0.1:1/token', clientId: 'x', clientSecret: 'y', spoolDir, maxDelayMs: 20, retryInitialMs: 20, retryMaxMs: 100, maxAttempts: 1 },
    });
    try {
      assert.equal((await call(sensor.url, '/hello')).status, 200, 'the API answers whatever happens to capture');
      await sensor.forwarder.flush();
      assert.equal((await json(`${sensor.statusUrl}/readyz`)).status, 503);
      const health = await json(`${sensor.statusUrl}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'not delivering');
      assert.ok(health.body.forwarder.spoolQueued >= 1, JSON.stringify(health.body));
    } finally {
      await sensor.close();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });
});

describe('capture thread', () => {
  const call = (url: string): CallRecord => ({
    started: Date.now(), method: 'GET', url, host: 'api.example.com', encrypted: false, httpVersion: '1.1',
    remoteAddress: '127.0.0.1', remotePort: 40000, localAddress: '127.0.0.1', localPort: 9000,
    reqRawHeaders: ['Host', 'api.example.com'], reqBody: null, status: 200, resRawHeaders: [], resBody: null, latencyMs: 1,
  });
  let server: TestServer;
  let client: { clientId: string; secret: string };
  const options = () => ({
    edge: server.url, tokenUrl: `${server.url}/auth/realms/tapline/protocol/openid-connect/token`, clientId: client.clientId, clientSecret: client.secret, maxDelayMs: 20,
  });
  before(async () => {
    server = await startTestServer();
    client = await createClient(server);
  });
  after(async () => {
    await server.destroy();
  });

  test('beyond its bound, calls the thread has not taken are dropped and counted, never queued', async () => {
    const thread = new CaptureThread({ forwarder: options(), version: 'test', instanceId: 'x' }, 10);
    try {
      // Synchronously, before the thread can take any: 10 are kept, 90 dropped.
      for (let i = 0; i < 100; i++) thread.add(call(`/bound-${i}`));
      assert.equal(thread.metrics().dropped, 90);
      assert.equal(thread.metrics().queued, 10);
      await thread.flush();
      const m = thread.metrics();
      assert.equal(m.sent, 10);
      assert.equal(m.queued, 0);
      const items = await stored(server, client.clientId);
      assert.equal(items.filter((t) => t.uri.startsWith('/bound-')).length, 10);
    } finally {
      await thread.stop();
    }
  });

  test('a call that cannot be packed is dropped alone; the calls around it arrive', async () => {
    const thread = new CaptureThread({ forwarder: options(), version: 'test', instanceId: 'x' });
    try {
      thread.add(call('/around-1'));
      thread.add({ ...call('/broken'), resRawHeaders: undefined as unknown as string[] }); // fails halfway through packing
      thread.add(call('/around-2'));
      await thread.flush();
      assert.equal(thread.metrics().dropped, 1);
      assert.equal(thread.metrics().sent, 2);
      const uris = (await stored(server, client.clientId)).map((t) => t.uri);
      assert.ok(uris.includes('/around-1') && uris.includes('/around-2') && !uris.includes('/broken'), JSON.stringify(uris));
    } finally {
      await thread.stop();
    }
  });

  test('a capture thread that dies is started again and capture goes on', async () => {
    const thread = new CaptureThread({ forwarder: options(), version: 'test', instanceId: 'x' });
    try {
      thread.add(call('/before-crash'));
      await thread.flush();
      await (thread as unknown as { worker: Worker }).worker.terminate(); // as if it crashed
      await until(async () => (thread as unknown as { worker: Worker | null }).worker !== null);
      thread.add(call('/after-restart'));
      await thread.flush();
      assert.equal(thread.metrics().sent, 2, 'the counts of the first thread are kept');
      await until(async () => (await stored(server, client.clientId)).some((t) => t.uri === '/after-restart'));
    } finally {
      await thread.stop();
    }
  });
});
