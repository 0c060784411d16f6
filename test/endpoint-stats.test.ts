// Per-endpoint aggregates: JSON Schema inference and merging, auth scheme detection, histograms
// and their quantiles, and that merging partial aggregates equals aggregating everything at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferSchema, mergeSchemas, publicSchema } from '../src/analysis/discovery/json-schema.ts';
import { authSchemes, jwtParts } from '../src/analysis/discovery/auth-schemes.ts';
import { addToHistogram, mergeEndpointStats, newEndpointStats, newHistogram, observeTransaction, quantile, valueType } from '../src/analysis/discovery/endpoint-stats.ts';
import type { Transaction } from '../src/wire/transaction.ts';

const jwt = (header: object, claims: object, signature = 'c2ln') =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

function tx(over: { id?: string; uri?: string; status?: number | null; reqHeaders?: Array<[string, string]>; reqBody?: string; resBody?: string; latency?: number }): Transaction {
  const body = (s: string | undefined) => (s === undefined ? null : { bytes: Buffer.from(s), length: Buffer.byteLength(s), truncated: false });
  return {
    id: over.id ?? 't1',
    idGenerated: false,
    timestamp: 0,
    version: '1.0',
    request: {
      method: 'POST',
      uri: over.uri ?? '/users',
      host: 'api.example',
      scheme: 'https',
      httpVersion: '1.1',
      clientIp: '203.0.113.1',
      clientIpRule: 'client-ip',
      connection: { connectionIp: '203.0.113.1', serverIp: '10.0.0.1' },
      headers: [...(over.reqBody !== undefined ? [['Content-Type', 'application/json'] as [string, string]] : []), ...(over.reqHeaders ?? [])],
      body: body(over.reqBody),
    },
    response: { status: over.status === undefined ? 200 : over.status, headers: [['Content-Type', 'application/json; charset=utf-8']], body: body(over.resBody) },
    meta: over.latency === undefined ? {} : { dataExtractions: { latency_ms: over.latency } },
  };
}

test('JSON Schema: types, formats, optional properties, arrays of objects, integer widening to number', () => {
  const a = inferSchema({ id: 1, email: 'a@b.example', created: '2024-05-01T10:00:00Z', tags: ['x'], owner: { id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' } });
  const b = inferSchema({ id: 2.5, email: null, created: '2024-05-02T10:00:00Z', tags: [], extra: true });
  const merged = publicSchema(mergeSchemas(a, b));
  assert.deepEqual(merged, {
    type: 'object',
    properties: {
      id: { type: 'number' },
      email: { type: ['null', 'string'], format: 'email' },
      created: { type: 'string', format: 'date-time' },
      tags: { type: 'array', items: { type: 'string' } },
      owner: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
      extra: { type: 'boolean' },
    },
    required: ['created', 'email', 'id', 'tags'],
  });
  const list = publicSchema(inferSchema([{ a: 1, b: 'x' }, { a: 2 }]));
  assert.deepEqual(list, { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } }, required: ['a'] } });
});

test('JSON Schema: bounded depth and width', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 50; i++) deep = { d: deep };
  const s = JSON.stringify(inferSchema(deep));
  assert.ok(s.length < 2000, `schema of a 50-deep document is ${s.length} chars`);
  const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
  assert.equal(Object.keys(inferSchema(wide).properties!).length, 200);
});

test('auth schemes: none, basic, bearer JWT (issuer, alg; signature dropped or not), opaque bearer, API keys, session cookies', () => {
  const token = jwt({ alg: 'RS256', typ: 'JWT' }, { iss: 'https://login.example', sub: 'u1' });
  assert.deepEqual(authSchemes([], null), [{ scheme: 'none' }]);
  assert.deepEqual(authSchemes([['Authorization', 'Basic dXNlcjpwYXNz']], null), [{ scheme: 'basic' }]);
  assert.deepEqual(authSchemes([['Authorization', `Bearer ${token}`]], null), [{ scheme: 'bearer', format: 'jwt', alg: 'RS256', issuer: 'https://login.example' }]);
  const unsigned = token.split('.').slice(0, 2).join('.') + '.';
  assert.deepEqual(authSchemes([['authorization', `Bearer ${unsigned}`]], null)[0], { scheme: 'bearer', format: 'jwt', alg: 'RS256', issuer: 'https://login.example' });
  assert.deepEqual(authSchemes([['Authorization', 'Bearer abc123']], null), [{ scheme: 'bearer', format: 'opaque' }]);
  assert.deepEqual(authSchemes([['X-API-Key', 'k']], null), [{ scheme: 'apiKey', in: 'header', name: 'x-api-key' }]);
  assert.deepEqual(authSchemes([], new URLSearchParams('q=1&api_key=z')), [{ scheme: 'apiKey', in: 'query', name: 'api_key' }]);
  assert.deepEqual(authSchemes([['Cookie', 'theme=dark; JSESSIONID=abc']], null), [{ scheme: 'cookie', in: 'cookie', name: 'JSESSIONID' }]);
  assert.equal(jwtParts('eyJub3QiOiJqc29uIn0.e30.x'), null, 'a JWT header without alg is not a JWT');
});

test('histogram quantiles are within a few percent', () => {
  const h = newHistogram();
  for (let i = 1; i <= 1000; i++) addToHistogram(h, i);
  for (const [q, want] of [[0.5, 500], [0.95, 950], [0.99, 990]] as const) {
    const got = quantile(h, q)!;
    assert.ok(Math.abs(got - want) / want < 0.03, `p${q * 100} = ${got}, expected about ${want}`);
  }
  assert.equal(quantile(newHistogram(), 0.5), null);
  assert.equal(valueType('42'), 'integer');
  assert.equal(valueType('4.2'), 'number');
  assert.equal(valueType('2024-01-01'), 'date');
  assert.equal(valueType('abc'), 'string');
});

test('endpoint stats: one pass over everything equals merging two partial aggregates (also through JSON)', () => {
  const all = [
    tx({ id: 'a', uri: '/users?limit=10', reqBody: '{"name":"x"}', resBody: '{"id":1}', latency: 12, reqHeaders: [['Authorization', 'Basic eA==']] }),
    tx({ id: 'b', uri: '/users?limit=2.5&debug=true', reqBody: '{"name":"y","age":3}', resBody: '{"id":2}', latency: 30 }),
    tx({ id: 'c', uri: '/users', status: 400, reqBody: '{}', resBody: '{"error":"bad"}', latency: 5 }),
    tx({ id: 'd', uri: '/users?limit=x', status: null }),
  ];
  const once = newEndpointStats();
  all.forEach((t, i) => observeTransaction(once, t, 1000 + i));
  const left = newEndpointStats();
  const right = newEndpointStats();
  all.slice(0, 2).forEach((t, i) => observeTransaction(left, t, 1000 + i));
  all.slice(2).forEach((t, i) => observeTransaction(right, t, 1002 + i));
  const merged = mergeEndpointStats(JSON.parse(JSON.stringify(left)), JSON.parse(JSON.stringify(right)));
  assert.deepEqual(merged, JSON.parse(JSON.stringify(once)));
  assert.equal(once.calls, 4);
  assert.equal(once.firstSeen, 1000);
  assert.equal(once.lastSeen, 1003);
  assert.deepEqual(once.statuses, { '200': 2, '400': 1, none: 1 });
  assert.deepEqual(once.query, { limit: { count: 3, type: 'string' }, debug: { count: 1, type: 'boolean' } });
  assert.deepEqual(Object.keys(once.auth).sort(), ['basic', 'none']);
  assert.deepEqual(publicSchema(once.requestSchema!), { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } } });
  assert.deepEqual(Object.keys(once.responseSchemas).sort(), ['200', '400']);
  assert.equal(quantile(once.latencyMs, 0.5)! > 10, true);
  assert.deepEqual(once.samples, ['a', 'b', 'c', 'd']);
  assert.deepEqual(once.requestTypes, { 'application/json': 3 });
});
