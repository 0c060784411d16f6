// The inventory end to end: transactions posted to the edge become endpoints (inferred templates,
// then spec templates once a spec is uploaded), with states decided from the spec versions, and
// counts that survive a restart without double counting.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient, getToken, postJson, sampleTransaction, startTestServer, tempDir, type TestServer } from './helpers.ts';

const SPEC_V1 = `
openapi: 3.0.3
info: { title: Shop, version: "1" }
paths:
  /users/{id}: { get: { responses: { '200': { description: ok } } } }
  /legacy/orders: { get: { responses: { '200': { description: ok } } } }
`;
const SPEC_V2 = `
openapi: 3.0.3
info: { title: Shop, version: "2" }
paths:
  /users/{id}:
    get: { responses: { '200': { description: ok } } }
    delete: { deprecated: true, responses: { '204': { description: gone } } }
  /reports: { get: { responses: { '200': { description: ok } } } }
`;

interface Item {
  id: string;
  host: string;
  method: string;
  pathTemplate: string;
  provenance: string;
  state: string;
  calls: number;
}

describe('inventory', () => {
  const dataDir = tempDir();
  let server: TestServer;
  let token: string;
  let appId: string;
  let credentials: { clientId: string; secret: string };

  async function send(host: string, calls: Array<[method: string, uri: string]>): Promise<void> {
    const data = calls.map(([method, uri]) => sampleTransaction({ host, method, uri, id: randomUUID() }));
    const res = await postJson(`${server.url}/api-transactions`, token, { data });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await server.runner.drain();
  }
  async function endpoints(query = ''): Promise<Item[]> {
    const res = await server.admin(`/endpoints?limit=1000${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items as Item[];
  }
  const find = (items: Item[], method: string, path: string) => items.find((i) => i.method === method && i.pathTemplate === path);

  before(async () => {
    server = await startTestServer({}, dataDir);
    credentials = await createClient(server);
    token = await getToken(server, credentials.clientId, credentials.secret);
    appId = (await server.admin('/applications', { method: 'POST', body: { name: 'shop', hosts: ['api.shop.example'] } })).body.id;
  });
  after(() => server.destroy());

  test('without a spec: inferred templates, state unknown', async () => {
    const calls: Array<[string, string]> = [];
    for (let i = 1; i <= 40; i++) calls.push(['GET', `/users/${1000 + i * 7}`]);
    calls.push(['GET', '/legacy/orders'], ['GET', '/legacy/orders']);
    await send('api.shop.example', calls);
    await send('other.example', [['GET', '/things/1'], ['GET', '/things/2'], ['GET', '/things/3']]);
    const items = await endpoints();
    const users = items.find((i) => i.method === 'GET' && /^\/users\/\{[^}]+\}$/.test(i.pathTemplate));
    assert.ok(users, JSON.stringify(items.map((i) => `${i.method} ${i.pathTemplate}`)));
    assert.equal(users.calls, 40);
    assert.equal(users.provenance, 'inferred');
    assert.ok(items.every((i) => i.state === 'unknown'), JSON.stringify(items));
    const detail = await server.admin(`/endpoints/${users.id}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.statuses['200'], 40);
    assert.equal(detail.body.pathParameters.length, 1);
    assert.ok(detail.body.pathParameters[0].evidence.distinct >= 2);
    assert.equal(detail.body.responseSchemas['200'].type, 'object');
    assert.equal(detail.body.sampleTransactionIds.length, 5);
  });

  test('with spec versions: documented, zombie (deprecated and removed), shadow, orphan; unknown elsewhere', async () => {
    for (const spec of [SPEC_V1, SPEC_V2]) {
      const res = await server.admin('/specs', { method: 'POST', body: { applicationId: appId, spec } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      await new Promise((r) => setTimeout(r, 5)); // distinct upload times: v2 is the newest
    }
    await new Promise((r) => setTimeout(r, 2100)); // the runner re-reads specs every 2 s
    await send('api.shop.example', [['GET', '/users/7'], ['GET', '/users/8'], ['DELETE', '/users/9'], ['GET', '/legacy/orders'], ['POST', '/admin/debug']]);
    const items = await endpoints(`&applicationId=${appId}`);
    const byState = (state: string) => items.filter((i) => i.state === state).map((i) => `${i.method} ${i.pathTemplate}`).sort();
    const documented = find(items, 'GET', '/users/{id}');
    assert.ok(documented, JSON.stringify(items));
    assert.equal(documented.provenance, 'spec');
    assert.equal(documented.state, 'documented');
    assert.equal(documented.calls, 42, 'the 40 calls inferred before the spec joined the documented endpoint');
    const history = (await server.admin(`/endpoints/${documented.id}`)).body.history as Array<{ template: string; event: string }>;
    assert.ok(history.some((h) => h.event === 'documented' && /^\/users\/\{/.test(h.template)), JSON.stringify(history));
    assert.equal(items.filter((i) => i.method === 'GET' && /^\/users\/\{/.test(i.pathTemplate)).length, 1, 'listed once');
    assert.equal(find(items, 'DELETE', '/users/{id}')?.state, 'zombie');
    assert.equal(find(items, 'GET', '/legacy/orders')?.state, 'zombie');
    assert.equal(find(items, 'POST', '/admin/debug')?.state, 'shadow');
    assert.deepEqual(byState('orphan'), ['GET /reports']);
    const zombie = await server.admin(`/endpoints/${find(items, 'GET', '/legacy/orders')!.id}`);
    assert.match(zombie.body.stateEvidence.reason, /older spec version \(1\)/);
    const other = await endpoints('&host=other.example');
    assert.ok(other.length > 0 && other.every((i) => i.state === 'unknown'));
    assert.ok((await endpoints('&state=shadow')).every((i) => i.state === 'shadow'));
    // API9 findings for what took traffic while shadow or zombie, and for hosts nobody onboarded.
    const findings = (await server.admin('/findings?category=API9&limit=100')).body.items as Array<{ type: string; endpointId: string | null; subject: string | null; summary: string }>;
    const shadowId = find(items, 'POST', '/admin/debug')!.id;
    assert.ok(findings.some((f) => f.type === 'SHADOW_ENDPOINT' && f.endpointId === shadowId), JSON.stringify(findings));
    assert.ok(findings.some((f) => f.type === 'ZOMBIE_ENDPOINT' && f.endpointId === find(items, 'GET', '/legacy/orders')!.id));
    assert.ok(findings.some((f) => f.type === 'UNKNOWN_HOST' && f.subject === 'other.example'));
    assert.ok(!findings.some((f) => f.type === 'UNKNOWN_HOST' && f.subject === 'api.shop.example'), 'an onboarded host is known');
    const list = await server.admin(`/endpoints?applicationId=${appId}&state=documented`);
    assert.deepEqual(list.body.counts, { documented: 1, orphan: 1, shadow: 1, zombie: 2, unknown: 0 }, 'counts ignore the state filter');
    assert.deepEqual(list.body.facets.hosts, ['api.shop.example']);
  });

  test('user corrections stick: a merge pins a template, an ignore drops paths, removing a rule gives inference back', async () => {
    const add = (rule: Record<string, unknown>) => server.admin('/discovery-rules', { method: 'POST', body: { host: 'r.example', rule } });
    const merge = await add({ kind: 'merge', template: '/people/{username}' });
    assert.equal(merge.status, 201, JSON.stringify(merge.body));
    assert.equal((await add({ kind: 'ignore', pattern: '/health' })).status, 201);
    const bad = await add({ kind: 'rename', template: '/people/{username}', from: 'id', to: 'personId' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /has no parameter \{id\}/);
    await send('r.example', [['GET', '/people/alice'], ['GET', '/people/bob'], ['GET', '/health'], ['GET', '/health']]);
    let items = await endpoints('&host=r.example');
    assert.deepEqual(items.map((i) => `${i.method} ${i.pathTemplate} ${i.calls}`), ['GET /people/{username} 2']);
    // Later traffic keeps the correction, whatever inference would make of it.
    await send('r.example', Array.from({ length: 30 }, (_, i) => ['GET', `/people/user${i}`] as [string, string]));
    items = await endpoints('&host=r.example');
    assert.deepEqual(items.map((i) => `${i.method} ${i.pathTemplate} ${i.calls}`), ['GET /people/{username} 32']);
    const rules = await server.admin('/discovery-rules?host=r.example');
    assert.equal(rules.body.items.length, 2);
    assert.equal((await server.admin(`/discovery-rules/${merge.body.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await server.admin(`/discovery-rules/${merge.body.id}`, { method: 'DELETE' })).status, 404);
  });

  test('export: a valid OpenAPI 3.1 document per host and per application', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const res = await server.admin('/endpoints/openapi?host=other.example');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const doc = res.body;
    assert.equal(doc.openapi, '3.1.0');
    const validation = await new Validator().validate(doc);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));
    const path = Object.keys(doc.paths).find((p) => /^\/things\/\{/.test(p))!;
    assert.ok(path, JSON.stringify(Object.keys(doc.paths)));
    const get = doc.paths[path].get;
    assert.equal(get.parameters[0].in, 'path');
    assert.equal(get.responses['200'].content['application/json'].schema.type, 'object');
    const app = await server.admin(`/endpoints/openapi?applicationId=${appId}`);
    assert.equal(app.status, 200);
    assert.equal((await new Validator().validate(app.body)).valid, true);
    assert.ok(app.body.paths['/users/{id}'].get, JSON.stringify(Object.keys(app.body.paths)));
    assert.deepEqual(app.body.servers, [{ url: 'https://api.shop.example' }]);
    assert.equal((await server.admin('/endpoints/openapi')).status, 400);
    assert.equal((await server.admin('/endpoints/openapi?host=nobody.example')).status, 404);
  });

  test('after a restart, counts continue without double counting', async () => {
    const before = find(await endpoints(), 'GET', '/users/{id}')!;
    await server.close();
    server = await startTestServer({}, dataDir);
    token = await getToken(server, credentials.clientId, credentials.secret);
    await server.runner.drain();
    assert.equal(find(await endpoints(), 'GET', '/users/{id}')!.calls, before.calls, 'nothing recounted on restart');
    await send('api.shop.example', [['GET', '/users/77']]);
    assert.equal(find(await endpoints(), 'GET', '/users/{id}')!.calls, before.calls + 1);
  });

  test('a batch redelivered after a crash (committed, not yet acknowledged) is skipped', async () => {
    const seq = await server.store.analysisProgress('analysis');
    assert.ok(seq > 0);
    const before = await endpoints();
    const replay = await server.store.commitAnalysis({ consumer: 'analysis', seq, transactions: [], endpoints: [{ ...(await server.store.allEndpoints())[0]!, calls: 999_999 }], removedEndpoints: [], state: [] });
    assert.equal(replay, false, 'a batch at the committed position is recognized');
    assert.deepEqual(await endpoints(), before, 'and changes nothing');
  });
});
