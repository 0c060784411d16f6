// Varied, realistic Edge transactions for the pipeline and scale benches: several hosts and
// parameterized paths, each with a fresh id per request (so templates must be inferred).

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Paths of a few APIs; `@ID@` becomes a fresh id per request (so templates must be inferred). */
export const SHAPES: Array<{ host: string; method: string; uri: string; body?: unknown; response: unknown; status?: number }> = [
  { host: 'api.shop.example', method: 'GET', uri: '/v1/users/@ID@', response: { id: 1, name: 'Ada', email: 'ada@example.com', roles: ['admin'] } },
  { host: 'api.shop.example', method: 'GET', uri: '/v1/users/@ID@/orders?limit=20', response: [{ id: 7, total: 12.5, created: '2024-05-01T10:00:00Z' }] },
  { host: 'api.shop.example', method: 'POST', uri: '/v1/orders', body: { sku: 'A-1', quantity: 2 }, response: { id: 9, status: 'new' }, status: 201 },
  { host: 'api.shop.example', method: 'GET', uri: '/v1/orders/@ID@', response: { id: 9, status: 'paid', lines: [{ sku: 'A-1', quantity: 2 }] } },
  { host: 'api.shop.example', method: 'GET', uri: '/v1/users/me', response: { id: 1, name: 'Ada' } },
  { host: 'billing.example', method: 'GET', uri: '/invoices/@ID@.pdf', response: { url: 'https://cdn.example/x.pdf' } },
  { host: 'billing.example', method: 'PUT', uri: '/accounts/@ID@/settings', body: { currency: 'EUR' }, response: { ok: true } },
  { host: 'search.example', method: 'GET', uri: '/search?q=shoes&page=2', response: { hits: [{ id: 'p1', score: 0.9 }], total: 1 } },
];

/**
 * One transaction of `shape`. With `caller`, its bearer token is `tok-<caller>` (a plain header
 * value, so a placeholder such as "@CALLER@" can stand for it): one actor per caller.
 */
export function transaction(shape: (typeof SHAPES)[number], id: string, caller?: string) {
  const authorization = caller === undefined
    ? `authorization:${b64('Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUifQ.')}`
    : { name: 'authorization', value: `Bearer tok-${caller}` };
  const reqBody = shape.body === undefined ? null : JSON.stringify(shape.body);
  const resBody = JSON.stringify(shape.response);
  return {
    timestamp: '1718000000.123',
    version: '1.0',
    'transaction-id': id,
    request: {
      'client-ip': '203.0.113.7',
      'http-method': shape.method,
      'uri-query-fragment': shape.uri.replace('@ID@', id),
      host: shape.host,
      connection: { 'connection-ip': '10.0.0.4', 'server-ip': '10.0.1.9', 'server-port': 443 },
      headers: [`accept:${b64('application/json')}`, authorization, ...(reqBody ? [`content-type:${b64('application/json')}`] : [])],
      ...(reqBody && { body: { length: reqBody.length, data: b64(reqBody) } }),
    },
    response: { 'status-code': String(shape.status ?? 200), headers: [`content-type:${b64('application/json')}`], body: { length: resBody.length, data: b64(resBody) } },
    'txn-meta-data': { source_info: { type: 'bench' }, data_extractions: { latency_ms: 12 } },
  };
}
