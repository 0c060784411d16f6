// API specs: upload (OpenAPI 2.0 / 3.0 / 3.1, JSON object, JSON text or YAML text), validation
// errors that point into the document, versions per application, and what discovery reads from a
// document (hosts, operations with their full paths, deprecation, parameters).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { summarizeSpec } from '../src/analysis/discovery/openapi-document.ts';
import { ADMIN_TOKEN, startTestServer, tempDir, type TestServer } from './helpers.ts';

const BIN = new URL('../bin/tapline.js', import.meta.url).pathname;
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const FIXTURES = new URL('../../shared/fixtures/openapi/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;

const SHOP_31 = `
openapi: 3.1.0
info: { title: Shop, version: "2.0" }
servers:
  - url: https://{region}.shop.example/v2
    variables: { region: { default: eu } }
paths:
  /users/{userId}:
    parameters:
      - $ref: '#/components/parameters/UserId'
    get:
      operationId: getUser
      responses: { '200': { description: ok }, '404': { description: missing } }
    delete:
      deprecated: true
      responses: { '204': { description: gone } }
  /orders:
    post:
      parameters:
        - { name: dryRun, in: query, schema: { type: boolean } }
      responses: { '201': { description: created } }
components:
  parameters:
    UserId: { name: userId, in: path, required: true, schema: { type: string, format: uuid } }
`;

const INVALID_30 = {
  openapi: '3.0.3',
  info: { title: 'Broken' },
  paths: { '/items': { get: { responses: { '200': { description: 'ok' } } } }, items: {} },
};

describe('specs', () => {
  let server: TestServer;
  let appId: string;

  before(async () => {
    server = await startTestServer();
    const res = await server.admin('/applications', { method: 'POST', body: { name: 'shop', hosts: ['eu.shop.example'] } });
    appId = res.body.id;
  });
  after(() => server.destroy());

  test('summarizeSpec: OpenAPI 3.1 servers with variables, path-level $ref parameters, deprecation', async () => {
    const { parse } = await import('yaml');
    const s = summarizeSpec(parse(SHOP_31));
    assert.equal(s.openapiVersion, '3.1.0');
    assert.deepEqual(s.hosts, ['eu.shop.example']);
    assert.deepEqual(s.operations.map((o) => `${o.method} ${o.path}${o.deprecated ? ' (deprecated)' : ''}`), [
      'GET /v2/users/{userId}',
      'DELETE /v2/users/{userId} (deprecated)',
      'POST /v2/orders',
    ]);
    assert.deepEqual(s.operations[0]!.parameters, [{ name: 'userId', in: 'path', required: true, type: 'string' }]);
    assert.deepEqual(s.operations[0]!.responses, ['200', '404']);
    assert.deepEqual(s.operations[2]!.parameters, [{ name: 'dryRun', in: 'query', required: false, type: 'boolean' }]);
  });

  test('summarizeSpec: OpenAPI 2.0 host and basePath', () => {
    const s = summarizeSpec(fixture('refugerestrooms.org__v1.json'));
    assert.equal(s.openapiVersion, '2.0');
    assert.deepEqual(s.hosts, ['www.refugerestrooms.org']);
    assert.ok(s.operations.length >= 4);
    assert.ok(s.operations.every((o) => o.path.startsWith('/api/')), JSON.stringify(s.operations.map((o) => o.path)));
  });

  test('upload as YAML text, as a JSON object and as JSON text; list versions; read one; delete', async () => {
    let res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: SHOP_31 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.openapiVersion, '3.1.0');
    assert.equal(res.body.operations, 3);
    assert.equal(res.body.deprecated, 1);
    assert.deepEqual(res.body.hosts, ['eu.shop.example']);
    const yamlId = res.body.id as string;

    const swagger = fixture('amazonaws.com__xray__2016-04-12.json');
    res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: swagger } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.openapiVersion, '2.0');
    res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: JSON.stringify(swagger) } });
    assert.equal(res.status, 201);

    res = await server.admin(`/specs?applicationId=${appId}`);
    assert.equal(res.body.items.length, 3);
    res = await server.admin(`/specs/${yamlId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.operationList.length, 3);
    assert.equal(res.body.document, undefined);
    res = await server.admin(`/specs/${yamlId}?document=true`);
    assert.equal(res.body.document.info.title, 'Shop');

    res = await server.admin(`/specs/${yamlId}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal((await server.admin(`/specs/${yamlId}`)).status, 404);
    assert.equal((await server.admin(`/specs?applicationId=${appId}`)).body.items.length, 2);
  });

  test('the largest fixture (1.5 MB) uploads', async () => {
    const res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: fixture('docusign.net__v2.json') } });
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 500));
    assert.ok(res.body.operations > 100);
  });

  test('invalid documents: 400 with every problem and its JSON pointer', async () => {
    let res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: INVALID_30 } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_spec');
    const problems = res.body.problems as Array<{ path: string; message: string }>;
    assert.ok(problems.some((p) => p.path === '/info' && /version/.test(p.message)), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.path.startsWith('/paths')), JSON.stringify(problems));
    assert.match(res.body.message, /not a valid OpenAPI document/);

    res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: 'openapi: 3.0.0\ninfo: [unclosed' } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /not valid YAML/);

    res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec: { hello: 'world' } } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /neither "openapi" \(3\.x\) nor "swagger" \(2\.0\)/);

    res = await server.admin('/specs', { method: 'POST', body: { applicationId: 'nope', spec: SHOP_31 } });
    assert.equal(res.status, 404);
    assert.match(res.body.message, /no application/);
  });

  test('CLI: specs upload, list, delete; a broken file lists its problems and exits 2', async () => {
    const dir = tempDir('tapline-specs-');
    writeFileSync(join(dir, 'shop.yaml'), SHOP_31);
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(INVALID_30));
    let r = await cli(['specs', 'upload', '--app', appId, '--url', server.url, join(dir, 'shop.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Uploaded "Shop" version 2\.0 \(OpenAPI 3\.1\.0, 3 operations, 1 deprecated\) as spec ([0-9a-f-]+)\./);
    const id = /as spec ([0-9a-f-]+)\./.exec(r.stdout)![1]!;
    r = await cli(['specs', 'list', '--app', appId, '--url', server.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).items.some((s: { id: string }) => s.id === id));
    r = await cli(['specs', 'upload', '--app', appId, '--url', server.url, join(dir, 'broken.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /400 invalid_spec: spec is not a valid OpenAPI document/);
    assert.match(r.stderr, /\n\s+\/info: must have required property 'version'/);
    r = await cli(['specs', 'upload', '--url', server.url, join(dir, 'shop.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--app ID/);
    r = await cli(['specs', 'delete', id, '--url', server.url]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('deleting an application deletes its specs', async () => {
    const app = await server.admin('/applications', { method: 'POST', body: { name: 'temp', hosts: ['temp.example'] } });
    const spec = await server.admin('/specs', { method: 'POST', body: { applicationId: app.body.id, spec: SHOP_31 } });
    assert.equal(spec.status, 201);
    assert.equal((await server.admin(`/applications/${app.body.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await server.admin(`/specs/${spec.body.id}`)).status, 404);
  });
});
