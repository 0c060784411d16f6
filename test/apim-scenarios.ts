// The execute layer's scenarios: calls through the APIM emulator (a policy running as APIM runs
// it) to a real backend, with the capture's token and ingestion calls going to a running
// Tapline. Each scenario checks that the caller got exactly what the backend sent and that the
// transaction stored in Tapline matches the request and the response. `runScenarios` returns the
// problems it found instead of throwing, so the same scenarios show that the generated policy
// passes and that broken variants fail.
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { ApimEmulator, type ApimEmulatorOptions } from '../src/capture/apim-emulator.ts';
import type { TestServer } from './helpers.ts';

export const CAP = 32768;
const BIG = 'y'.repeat(40_000);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7) % 256))]);
const GZIPPED = gzipSync(JSON.stringify({ compressed: true, items: Array.from({ length: 50 }, (_, i) => i) }));
/** A JWT-shaped bearer token: the capture keeps its header and claims, drops the signature. */
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl';

export interface Backend {
  url: string;
  /** Bytes of the last request body each path received. */
  received: Map<string, Buffer>;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string = ''): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The API behind the gateway, one route per scenario. Every answer declares its length. */
export async function startBackend(): Promise<Backend> {
  const received = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      received.set(path, body);
      if (req.method === 'DELETE') return send(res, 204, { 'X-Deleted': 'yes' });
      if (path === '/orders') return send(res, 201, { 'Content-Type': 'application/json', Location: '/orders/9' }, JSON.stringify({ id: 9, order: JSON.parse(body.toString() || 'null') }));
      if (path === '/upload') return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify({ received: body.length }));
      if (path === '/image.png') return send(res, 200, { 'Content-Type': 'image/png' }, PNG);
      if (path === '/report') return send(res, 200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, GZIPPED);
      if (path === '/fail') return send(res, 500, { 'Content-Type': 'application/json' }, JSON.stringify({ error: 'database unavailable' }));
      send(res, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Set-Cookie': 'session=s3cr3t; Path=/', 'X-Backend': 'items' }, JSON.stringify({ id: 42, name: 'widget', path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One call over a fresh socket, the body kept as bytes (no decompression). */
export function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join('\n') : v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface Setup {
  server: TestServer;
  backend: Backend;
  client: { clientId: string; secret: string };
  /** The cache clock the emulators use. */
  clock: { now: number };
}

export function namedValues(setup: Setup, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'ceq-client-id': setup.client.clientId,
    'ceq-client-secret': setup.client.secret,
    'ceq-token-endpoint': `${setup.server.url}/auth/realms/tapline/protocol/openid-connect/token`,
    'ceq-ingress-endpoint': `${setup.server.url}/api-transaction`,
    'ceq-token-acquisition-timeout': '300',
    ...overrides,
  };
}

export function startEmulator(setup: Setup, policy: string, overrides: Partial<ApimEmulatorOptions> & { named?: Record<string, string> } = {}): Promise<ApimEmulator> {
  return ApimEmulator.start({
    policy,
    namedValues: namedValues(setup, overrides.named),
    backend: setup.backend.url,
    api: { name: 'shop-api' },
    operations: [
      { method: 'GET', urlTemplate: '/items/{itemId}', name: 'get-item' },
      { method: 'DELETE', urlTemplate: '/items/{itemId}', name: 'delete-item' },
      { method: 'POST', urlTemplate: '/orders', name: 'create-order' },
    ],
    deployment: { serviceName: 'contoso-apim', region: 'West Europe' },
    now: () => setup.clock.now,
    ...overrides,
  });
}

interface StoredBody {
  length: number;
  truncated: boolean;
  encoding: string;
  data: string;
}
interface Stored {
  method: string;
  uri: string;
  host: string | null;
  status: number | null;
  clientIp: string;
  sourceType: string | null;
  request: { headers: Array<{ name: string; value: string }>; body: StoredBody | null };
  response: { headers: Array<{ name: string; value: string }>; body: StoredBody | null };
  dataExtractions: Record<string, unknown> | null;
  source: { type?: string; poolId?: string; instanceId?: string } | null;
}

/** The transaction Tapline stored for a call (after analysis caught up), or null. */
export async function stored(server: TestServer, requestId: string): Promise<Stored | null> {
  await server.runner.drain();
  const res = await server.admin(`/transactions/${requestId}`);
  return res.status === 200 ? (res.body as Stored) : null;
}

const header = (headers: Array<{ name: string; value: string }>, name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;

/**
 * Runs every scenario against an emulator of `policy`; returns the problems found (none: pass).
 * Token requests are counted from the emulator's record of its send-request calls.
 */
export async function runScenarios(setup: Setup, policy: string): Promise<string[]> {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || problems.push(what));
  const emulator = await startEmulator(setup, policy);
  const tokenCalls = () => emulator.outbound.filter((o) => o.policy === 'send-request').length;
  try {
    /** Calls the backend directly and through the gateway; both answers must be the same. */
    const through = async (name: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string) => {
      const direct = await call(setup.backend.url, method, path, headers, body);
      const backendGot = setup.backend.received.get(path.split('?')[0]!);
      const before = emulator.calls.length;
      const viaGateway = await call(emulator.url, method, path, headers, body);
      const gatewayGot = setup.backend.received.get(path.split('?')[0]!);
      check(viaGateway.status === direct.status, `${name}: the caller got ${viaGateway.status}, the backend answers ${direct.status}`);
      check(viaGateway.body.equals(direct.body), `${name}: the caller got a different body (${viaGateway.body.length} bytes, the backend sends ${direct.body.length})`);
      for (const h of ['content-type', 'content-encoding', 'location', 'set-cookie', 'x-backend', 'x-deleted']) {
        check(viaGateway.headers[h] === direct.headers[h], `${name}: header ${h} is "${viaGateway.headers[h]}", the backend sends "${direct.headers[h]}"`);
      }
      check(Buffer.compare(gatewayGot ?? Buffer.alloc(0), backendGot ?? Buffer.alloc(0)) === 0, `${name}: the backend received ${gatewayGot?.length ?? 0} body bytes through the gateway, ${backendGot?.length ?? 0} directly`);
      const record = emulator.calls[before]!;
      check(record.faults.length === 0, `${name}: the policy failed: ${record.faults.map((f) => `${f.source} ${f.reason}: ${f.message}`).join('; ')}`);
      await emulator.settle();
      return { record, answer: viaGateway };
    };
    const capture = async (name: string, requestId: string) => {
      const t = await stored(setup.server, requestId);
      check(t !== null, `${name}: no transaction stored in Tapline for request ${requestId}`);
      return t;
    };

    // GET without a body, with credentials the capture must not forward in clear.
    let { record } = await through('GET without body', 'GET', '/items/42?color=red', { Authorization: `Bearer ${JWT}`, Cookie: 'session=abc; theme=dark', 'X-Request-Source': 'test' });
    check(tokenCalls() === 1, `token cache miss: ${tokenCalls()} token requests, expected 1`);
    let t = await capture('GET without body', record.requestId);
    if (t) {
      check(t.method === 'GET' && t.uri === '/items/42?color=red', `GET: stored ${t.method} ${t.uri}`);
      check(t.status === 200, `GET: stored status ${t.status}`);
      check(t.sourceType === 'azure-apim' && t.source?.poolId === 'contoso-apim' && t.source?.instanceId === 'West Europe', `GET: source ${JSON.stringify(t.source)}`);
      check(t.clientIp === '127.0.0.1', `GET: client IP ${t.clientIp}`);
      check(t.dataExtractions?.url_template === '/items/{itemId}' && t.dataExtractions?.api_name === 'shop-api', `GET: data_extractions ${JSON.stringify(t.dataExtractions)}`);
      const latency = t.dataExtractions?.latency_ms as unknown;
      check(typeof latency === 'number' && latency >= 0 && latency < 10_000, `GET: latency_ms ${String(latency)}`);
      check(t.request.body === null, 'GET: a request body was stored for a call without one');
      check(header(t.request.headers, 'x-request-source') === 'test', 'GET: request header X-Request-Source not stored');
      const auth = header(t.request.headers, 'authorization') ?? '';
      check(!auth.includes('c2lnbmF0dXJl') && !JSON.stringify(t).includes('c2lnbmF0dXJl'), 'GET: the JWT signature reached Tapline');
      check(!JSON.stringify(t).includes('s3cr3t') && !JSON.stringify(t).includes('session=abc'), 'GET: a cookie value reached Tapline');
      check(t.response.body?.data === JSON.stringify({ id: 42, name: 'widget', path: '/items/42?color=red' }), `GET: stored response body ${t.response.body?.data}`);
      check(header(t.response.headers, 'x-backend') === 'items', 'GET: response header X-Backend not stored');
    }

    // JSON POST: the backend still gets the body the policy read.
    const order = JSON.stringify({ sku: 'A-1', quantity: 3 });
    ({ record } = await through('JSON POST', 'POST', '/orders', { 'Content-Type': 'application/json' }, order));
    t = await capture('JSON POST', record.requestId);
    if (t) {
      check(t.status === 201, `POST: stored status ${t.status}`);
      check(t.request.body?.data === order && t.request.body.length === order.length, `POST: stored request body ${JSON.stringify(t.request.body)}`);
      check(t.response.body?.data === JSON.stringify({ id: 9, order: JSON.parse(order) }), `POST: stored response body ${t.response.body?.data}`);
      check(t.dataExtractions?.url_template === '/orders', `POST: url_template ${t.dataExtractions?.url_template}`);
    }
    check(tokenCalls() === 1, `token cache hit: ${tokenCalls()} token requests after the second call, expected 1`);

    // A body over the cap: recorded by length only, marked truncated; the backend gets all of it.
    ({ record } = await through('body over the cap', 'POST', '/upload', { 'Content-Type': 'text/plain' }, BIG));
    t = await capture('body over the cap', record.requestId);
    if (t) {
      check(t.request.body?.length === BIG.length && t.request.body.data === '' && t.request.body.truncated, `over the cap: stored request body ${JSON.stringify(t.request.body)}`);
      check(t.response.body?.data === JSON.stringify({ received: BIG.length }), `over the cap: stored response ${t.response.body?.data}`);
    }

    // Binary and gzip answers: the caller gets the exact bytes; Tapline gets sizes only.
    for (const [name, path, size] of [['binary', '/image.png', PNG.length], ['gzip', '/report', GZIPPED.length]] as const) {
      ({ record } = await through(name, 'GET', path, { 'Accept-Encoding': 'gzip' }));
      t = await capture(name, record.requestId);
      if (t) {
        check(t.status === 200, `${name}: stored status ${t.status}`);
        check(t.response.body?.length === size && t.response.body.data === '' && t.response.body.truncated, `${name}: stored response body ${JSON.stringify(t.response.body)}`);
      }
    }

    // 204 No Content.
    ({ record } = await through('204', 'DELETE', '/items/42'));
    t = await capture('204', record.requestId);
    if (t) {
      check(t.status === 204 && t.response.body === null, `204: stored status ${t.status}, body ${JSON.stringify(t.response.body)}`);
      check(t.dataExtractions?.url_template === '/items/{itemId}', `204: url_template ${t.dataExtractions?.url_template}`);
    }

    // A backend error answer passes through and is captured as it is.
    ({ record } = await through('backend error', 'GET', '/fail'));
    t = await capture('backend error', record.requestId);
    if (t) check(t.status === 500 && t.response.body?.data === JSON.stringify({ error: 'database unavailable' }), `backend error: stored ${t.status} ${t.response.body?.data}`);

    // Token expiry: after the cached token's lifetime, the next call asks the token service again.
    check(tokenCalls() === 1, `before expiry: ${tokenCalls()} token requests, expected 1`);
    setup.clock.now += 300_000;
    ({ record } = await through('after token expiry', 'GET', '/items/7'));
    check(tokenCalls() === 2, `token cache expiry: ${tokenCalls()} token requests, expected 2`);
    check((await capture('after token expiry', record.requestId)) !== null, 'after token expiry: not stored');
    const failed = emulator.outbound.filter((o) => o.error !== undefined || (o.status !== undefined && o.status >= 300));
    check(failed.length === 0, `outbound calls failed: ${JSON.stringify(failed)}`);
    check(emulator.outbound.filter((o) => o.policy === 'send-one-way-request').length === emulator.calls.length, 'not exactly one send-one-way-request per call');
  } finally {
    await emulator.close();
  }
  return problems;
}
