// A minimal, honest edge for bench/sensor (BENCH_EDGE=sink): the smallest server that speaks the
// part of the Edge API the sensor's forwarder uses, so the bench can measure the sensor's own
// capture cost without a real Tapline's ingestion competing for the same cores.
//
//   node bench/sensor/sink-edge.ts [port]      prints "listening on http://127.0.0.1:<port>"
//
// - POST .../protocol/openid-connect/token: a fixed bearer token with `expires_in` (not a JWT, so
//   the forwarder sizes its cache from `expires_in`, as the spec allows).
// - POST /api-transactions (and /api_transactions, /api-transaction): checks the bearer token,
//   gunzips when `Content-Encoding: gzip`, parses the JSON (`{"data": [...]}`, a bare array, or
//   one object), counts the items that carry a `transaction-id`, and answers the Edge API success
//   shape `{"status":"OK","accepted":N}`. Items without one are counted as rejected.
// - GET /stats: `{"accepted":N,"rejected":N,"batches":N,"bytes":N}` for the bench's sanity check.
// Nothing is stored: durability, dedupe and analysis are what BENCH_EDGE=tapline measures.
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

const TOKEN = 'bench-sink-token';
const EXPIRES_IN = 3600;
const stats = { accepted: 0, rejected: 0, batches: 0, bytes: 0 };

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const json = (status: number, value: unknown) => [status, { 'content-type': 'application/json' }, JSON.stringify(value)] as const;

async function handle(req: IncomingMessage): Promise<readonly [number, Record<string, string>, string]> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/stats') return json(200, stats);
  if (req.method === 'GET' && path === '/readyz') return json(200, { status: 'OK' });
  const raw = await readBody(req);
  if (req.method === 'POST' && path.endsWith('/protocol/openid-connect/token')) {
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials' || !form.get('client_id')) return json(400, { error: 'invalid_request', error_description: 'client_credentials with a client_id' });
    return json(200, { access_token: TOKEN, token_type: 'Bearer', expires_in: EXPIRES_IN, refresh_expires_in: 0, 'not-before-policy': 0, scope: 'ingest' });
  }
  if (req.method === 'POST' && (path === '/api-transactions' || path === '/api_transactions' || path === '/api-transaction')) {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { status: 'ERROR', error: 'invalid_token', message: 'missing or unknown bearer token' });
    let body: unknown;
    try {
      const text = ((req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      body = JSON.parse(text);
    } catch (error) {
      return json(400, { status: 'ERROR', error: 'invalid_json', message: (error as Error).message });
    }
    const items: unknown[] = Array.isArray(body) ? body : path === '/api-transaction' ? [body] : ((body as { data?: unknown[] } | null)?.data ?? []);
    if (!Array.isArray(items)) return json(400, { status: 'ERROR', error: 'invalid_transaction', message: 'data must be an array' });
    let accepted = 0;
    for (const t of items) if (t !== null && typeof t === 'object' && typeof (t as Record<string, unknown>)['transaction-id'] === 'string') accepted++;
    stats.accepted += accepted;
    stats.rejected += items.length - accepted;
    stats.batches++;
    stats.bytes += raw.length;
    return json(200, { status: 'OK', accepted });
  }
  return json(404, { status: 'ERROR', error: 'not_found', message: `no route ${req.method} ${path}` });
}

const server = createServer((req, res) => {
  handle(req).then(
    ([status, headers, body]) => res.writeHead(status, headers).end(body),
    (error: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ERROR', error: 'internal', message: String(error) })),
  );
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`sink edge listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
