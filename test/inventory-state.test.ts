// Inventory states on crafted cases of each kind (DESIGN.md definitions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { summarizeSpec } from '../src/analysis/discovery/openapi-document.ts';
import { endpointState, findOperation, orphanOperations, specPathMatches, type SpecVersion } from '../src/analysis/discovery/inventory-state.ts';

const V1 = summarizeSpec(parse(`
openapi: 3.0.3
info: { title: Shop, version: "1" }
paths:
  /users/{id}: { get: { responses: { '200': { description: ok } } } }
  /users/me: { get: { responses: { '200': { description: ok } } } }
  /legacy/orders: { get: { responses: { '200': { description: ok } } } }
  /files/{name}.json: { get: { responses: { '200': { description: ok } } } }
`));
const V2 = summarizeSpec(parse(`
openapi: 3.0.3
info: { title: Shop, version: "2" }
paths:
  /users/{id}:
    get: { responses: { '200': { description: ok } } }
    delete: { deprecated: true, responses: { '204': { description: gone } } }
  /users/me: { get: { responses: { '200': { description: ok } } } }
  /files/{name}.json: { get: { responses: { '200': { description: ok } } } }
  /reports: { get: { responses: { '200': { description: ok } } } }
`));
const specs: SpecVersion[] = [
  { id: 'v2', uploadedAt: 2, summary: V2 },
  { id: 'v1', uploadedAt: 1, summary: V1 },
];
const NOW = 1_000_000;
const WINDOW_START = NOW - 7 * 86_400_000;
const seen = (method: string, pathTemplate: string, lastSeen = NOW) => ({ method, pathTemplate, lastSeen });

test('spec paths cover templates: parameter names differ, literals under a parameter, partial segments', () => {
  assert.equal(specPathMatches('/users/{id}', '/users/{userId}'), true);
  assert.equal(specPathMatches('/users/{id}', '/users/me'), true);
  assert.equal(specPathMatches('/users/me', '/users/{userId}'), false);
  assert.equal(specPathMatches('/files/{name}.json', '/files/{fileId}.json'), true);
  assert.equal(specPathMatches('/files/{name}.json', '/files/{fileId}.xml'), false);
  assert.equal(specPathMatches('/users/{id}', '/users/{userId}/orders'), false);
  assert.equal(findOperation(V2, 'get', '/users/me')!.path, '/users/me', 'the exact path wins over /users/{id}');
});

test('each state, with its evidence', () => {
  let s = endpointState(seen('GET', '/users/{userId}'), specs, WINDOW_START);
  assert.equal(s.state, 'documented');
  assert.equal(s.specId, 'v2');
  assert.equal(s.operation!.path, '/users/{id}');

  s = endpointState(seen('DELETE', '/users/{userId}'), specs, WINDOW_START);
  assert.equal(s.state, 'zombie', 'a deprecated operation still called');
  assert.match(s.reason, /deprecated/);

  s = endpointState(seen('GET', '/legacy/orders'), specs, WINDOW_START);
  assert.equal(s.state, 'zombie', 'only in an older spec version');
  assert.equal(s.specId, 'v1');
  assert.match(s.reason, /older spec version \(1\)/);

  s = endpointState(seen('POST', '/admin/debug'), specs, WINDOW_START);
  assert.equal(s.state, 'shadow', 'undocumented endpoint of a documented host');

  s = endpointState(seen('GET', '/users/{userId}', WINDOW_START - 1), specs, WINDOW_START);
  assert.equal(s.state, 'orphan', 'in the spec, but no traffic within the window');

  s = endpointState(seen('GET', '/anything'), [], WINDOW_START);
  assert.equal(s.state, 'unknown');

  const orphans = orphanOperations(specs, [seen('GET', '/users/{userId}'), seen('GET', '/users/me'), seen('GET', '/files/{f}.json', WINDOW_START - 5)], WINDOW_START);
  assert.deepEqual(orphans.map((o) => `${o.method} ${o.path}`), ['DELETE /users/{id}', 'GET /files/{name}.json', 'GET /reports']);
});
