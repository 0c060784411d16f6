// A minimal, honest edge for bench/sensor (BENCH_EDGE=sink): the smallest server that speaks the
// part of the Edge API the sensor's forwarder uses, so the bench can measure the sensor's own
// capture cost without a real Tapline's ingestion competing for the same cores. In a deployment
// the edge runs on other machines; here its CPU is taken from the sensor under test, so the sink
// does as little as an honest count allows.
//
//   node bench/sensor/sink-edge.ts [port]      prints "listening on http://127.0.0.1:<port>"
//
// - POST .../protocol/openid-connect/token: a fixed bearer token with `expires_in` (not a JWT, so
//   the forwarder sizes its cache from `expires_in`, as the spec allows).
// - POST /api-transactions (and /api_transactions, /api-transaction): checks the bearer token,
//   gunzips when `Content-Encoding: gzip`, counts the transactions by their `"transaction-id":`
//   keys (a scan of the bytes: in JSON text that sequence can only be a key, since a quote inside
//   a string is escaped), and answers the Edge API success shape `{"status":"OK","accepted":N}`.
//   The first batch and one in CHECK_EVERY after it are also parsed in full (`{"data": [...]}`, a
//   bare array, or one object) and their items with a string `transaction-id` counted: a count
//   that differs from the scan, or JSON that does not parse, is a mismatch (the bench fails).
// - GET /stats: `{"accepted":N,"rejected":N,"batches":N,"bytes":N,"checked":N,"mismatches":N}`.
// Nothing is stored: durability, dedupe and analysis are what BENCH_EDGE=tapline measures.
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

const TOKEN = 'bench-sink-token';
const EXPIRES_IN = 3600;
const CHECK_EVERY = 16;
const KEY = Buffer.from('"transaction-id":');
const stats = { accepted: 0, rejected: 0, batches: 0, bytes: 0, checked: 0, mismatches: 0 };

function countKeys(body: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(KEY); at !== -1; at = body.indexOf(KEY, at + KEY.length)) n++;
  return n;
}

/** The items of a parsed body that carry a string transaction-id, and all its items. */
function parsedCounts(body: Buffer, single: boolean): { withId: number; items: number } {
  const value: unknown = JSON.parse(body.toString('utf8'));
  const items: unknown = Array.isArray(value) ? value : single ? [value] : (value as { data?: unknown } | null)?.data;
  if (!Array.isArray(items)) throw new Error('data must be an array');
  let withId = 0;
  for (const t of items) if (t !== null && typeof t === 'object' && typeof (t as Record<string, unknown>)['transaction-id'] === 'string') withId++;
  return { withId, items: items.length };
}

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
    let body: Buffer;
    try {
      body = (req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip' ? gunzipSync(raw) : raw;
    } catch (error) {
      return json(400, { status: 'ERROR', error: 'invalid_json', message: (error as Error).message });
    }
    let accepted = countKeys(body);
    if (stats.batches % CHECK_EVERY === 0) {
      stats.checked++;
      try {
        const { withId, items } = parsedCounts(body, path === '/api-transaction');
        if (withId !== accepted || items !== accepted) stats.mismatches++;
        accepted = withId;
        stats.rejected += items - withId;
      } catch (error) {
        stats.mismatches++;
        return json(400, { status: 'ERROR', error: 'invalid_json', message: (error as Error).message });
      }
    }
    stats.accepted += accepted;
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
