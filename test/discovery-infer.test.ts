// Unit tests of src/analysis/discovery: segment classification, template inference, naming,
// static siblings, partial segments, stability/refinement, user rules, spec and route matching,
// state serialization and bounds.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  classify,
  strength,
  splitSuffix,
  paramName,
  Discovery,
  HostDiscovery,
  TemplateSet,
  templatesFromSpec,
  templateShape,
  observationFromTransaction,
  LIMITS,
  type EndpointRef,
  type DiscoveryEvent,
} from '../src/analysis/discovery/index.ts';
import type { Transaction } from '../src/wire/transaction.ts';

const HOST = 'api.example.com';

function feed(d: Discovery | HostDiscovery, method: string, paths: string[], responseShape?: string): (EndpointRef | null)[] {
  return paths.map((path) =>
    d instanceof Discovery ? d.observe({ host: HOST, method, path, ...(responseShape ? { responseShape } : {}) }) : d.observe({ method, path, ...(responseShape ? { responseShape } : {}) }),
  );
}

function templates(d: Discovery | HostDiscovery): string[] {
  const list = d instanceof Discovery ? d.endpoints(HOST) : d.endpoints();
  return list.map((e) => `${e.method} ${e.template}`);
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];

describe('classify', () => {
  test('sure ids', () => {
    assert.equal(classify('12345'), 'int');
    assert.equal(classify('3f2504e0-4f89-11d3-9a0c-0305e82c3301'), 'uuid');
    assert.equal(classify('507f1f77bcf86cd799439011'), 'objectid');
    assert.equal(classify('deadbeef42'), 'hex');
    assert.equal(classify('2024-01-31T10:00:00Z'), 'datetime');
    assert.equal(classify('jane.doe@example.com'), 'email');
    assert.equal(classify('10.1.2.3'), 'ip');
    assert.equal(classify('https%3A%2F%2Fexample.com%2F'), 'encoded');
    assert.equal(classify('1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms'), 'token');
    assert.equal(classify('PTuDDRwiHoTZ'), 'token', 'random mixed case');
    assert.equal(classify('ord_FbecEPqHsNgwMI'), 'token', 'prefixed random id');
    for (const s of ['12345', 'jane.doe@example.com', 'PTuDDRwiHoTZ']) assert.equal(strength(classify(s)), 'strong');
  });

  test('medium, constant and weak shapes', () => {
    assert.equal(classify('2024-01-31'), 'date');
    assert.equal(classify('web-server-03'), 'alnum');
    assert.equal(classify('example.com'), 'domain');
    assert.equal(classify('v1'), 'version');
    assert.equal(classify('v1beta1'), 'version');
    assert.equal(classify('2.0'), 'version');
    assert.equal(strength(classify('v2')), 'constant');
    assert.equal(classify('users'), 'word');
    assert.equal(classify('getByDataFilter'), 'word', 'camelCase is a name, not a token');
    assert.equal(classify('AndroidPolicies'), 'word');
    assert.equal(classify('episode-guide'), 'slug');
    assert.equal(classify('USD'), 'code');
    assert.equal(strength(classify('alice')), 'weak');
  });

  test('partial segments: format extensions and custom methods split; dotted values do not', () => {
    assert.deepEqual(splitSuffix('123.json'), ['123', '.json']);
    assert.deepEqual(splitSuffix('report.csv'), ['report', '.csv']);
    assert.deepEqual(splitSuffix('abc123:batchUpdate'), ['abc123', ':batchUpdate']);
    assert.deepEqual(splitSuffix('jane@example.com'), ['jane@example.com', '']);
    assert.deepEqual(splitSuffix('example.com'), ['example.com', '']);
    assert.deepEqual(splitSuffix('1.2'), ['1.2', '']);
  });
});

describe('parameter names', () => {
  test('from the parent segment', () => {
    assert.equal(paramName('users', 'integer', new Set()), 'userId');
    assert.equal(paramName('categories', 'uuid', new Set()), 'categoryId');
    assert.equal(paramName('resourceGroups', 'string', new Set()), 'resourceGroupName');
    assert.equal(paramName('address-books', 'integer', new Set()), 'addressBookId');
    assert.equal(paramName('boxes', 'integer', new Set()), 'boxId');
  });
  test('fallbacks and uniqueness', () => {
    assert.equal(paramName(null, 'integer', new Set()), 'id');
    assert.equal(paramName(null, 'string', new Set()), 'param');
    assert.equal(paramName('v1', 'integer', new Set()), 'id');
    assert.equal(paramName(null, 'email', new Set()), 'email');
    const taken = new Set<string>();
    assert.equal(paramName(null, 'integer', taken), 'id');
    assert.equal(paramName(null, 'integer', taken), 'id2');
  });
});

describe('inference', () => {
  test('numbers and uuids become parameters named after the parent; evidence is kept', () => {
    const d = new Discovery();
    feed(d, 'GET', ['/users/17', '/users/42', '/users/1001']);
    feed(d, 'GET', ['/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items', '/orders/9c5b94b1-35ad-49bb-b118-8e8fc24abf80/items']);
    assert.deepEqual(templates(d), ['GET /orders/{orderId}/items', 'GET /users/{userId}']);
    const users = d.endpoints(HOST).find((e) => e.template === '/users/{userId}')!;
    assert.equal(users.hits, 3);
    assert.equal(users.source, 'inferred');
    assert.equal(users.params.length, 1);
    const p = users.params[0]!;
    assert.equal(p.name, 'userId');
    assert.equal(p.position, 1);
    assert.equal(p.type, 'integer');
    assert.equal(p.evidence.rule, 'shape:int');
    assert.equal(p.evidence.distinct, 3);
    assert.deepEqual([...p.evidence.samples].sort(), ['1001', '17', '42']);
    assert.equal(d.endpoints(HOST).find((e) => e.template.startsWith('/orders'))!.params[0]!.type, 'uuid');
  });

  test('a single id-shaped value is a parameter at once; one value repeated alone is a constant', () => {
    const d = new Discovery();
    assert.equal(d.observe({ host: HOST, method: 'GET', path: '/tickets/981' })!.template, '/tickets/{ticketId}');
    for (let i = 0; i < LIMITS.loneConstantHits; i++) d.observe({ host: HOST, method: 'GET', path: '/api/18/status' });
    assert.ok(templates(d).includes('GET /api/18/status'));
  });

  test('static siblings stay literal next to a parameter (/users/me beside /users/{userId})', () => {
    const d = new Discovery();
    for (let i = 0; i < 20; i++) {
      d.observe({ host: HOST, method: 'GET', path: `/users/${100 + i}`, responseShape: '2xx {id,name}' });
      d.observe({ host: HOST, method: 'GET', path: '/users/me', responseShape: '2xx {id,name,settings}' });
      d.observe({ host: HOST, method: 'POST', path: '/users/search', responseShape: '2xx [{id,name}]' });
    }
    assert.deepEqual(templates(d), ['GET /users/me', 'POST /users/search', 'GET /users/{userId}']);
  });

  test('non-id strings from sibling statistics: many values seen once are a parameter', () => {
    const d = new Discovery();
    for (const n of NAMES) d.observe({ host: HOST, method: 'GET', path: `/people/${n}/repos`, responseShape: '2xx [{name}]' });
    assert.deepEqual(templates(d), ['GET /people/{peopleName}/repos']);
    const e = d.endpoints(HOST)[0]!;
    assert.equal(e.params[0]!.evidence.rule, 'cardinality');
    assert.equal(e.params[0]!.evidence.distinct, NAMES.length);
  });

  test('a small set of frequently used names stays static', () => {
    const d = new Discovery();
    for (let i = 0; i < 10; i++) {
      for (const [name, shape] of [['orders', '{items}'], ['invoices', '{total}'], ['customers', '{id}'], ['products', '{sku}']] as const) {
        d.observe({ host: HOST, method: 'GET', path: `/shop/${name}`, responseShape: `2xx ${shape}` });
      }
    }
    assert.deepEqual(templates(d), ['GET /shop/customers', 'GET /shop/invoices', 'GET /shop/orders', 'GET /shop/products']);
  });

  test('a closed set of short codes that look alike is a parameter', () => {
    const d = new Discovery();
    for (let i = 0; i < 10; i++) for (const lang of ['en', 'fr', 'de', 'es']) d.observe({ host: HOST, method: 'GET', path: `/disclosure/${lang}`, responseShape: '2xx {text}' });
    assert.deepEqual(templates(d), ['GET /disclosure/{disclosureName}']);
    assert.equal(d.endpoints(HOST)[0]!.params[0]!.evidence.rule, 'closed-set');
  });

  test('partial segments: {id}.json, page-{n}.atom, {id}:verb; v{version} stays constant', () => {
    const d = new Discovery();
    feed(d, 'GET', ['/v1/files/17.json', '/v1/files/18.json', '/v2/files/19.json']);
    feed(d, 'GET', ['/feeds/page-1.atom', '/feeds/page-2.atom', '/feeds/page-7.atom']);
    feed(d, 'POST', ['/sheets/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms:batchUpdate', '/sheets/1C7kQp0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2zzzz:batchUpdate']);
    assert.deepEqual(templates(d), [
      'GET /feeds/page-{feedId}.atom',
      'POST /sheets/{sheetId}:batchUpdate',
      'GET /v1/files/{fileId}.json',
      'GET /v2/files/{fileId}.json',
    ]);
  });

  test('deterministic: the same traffic gives the same endpoints and keys', () => {
    const run = () => {
      const d = new Discovery();
      for (let i = 0; i < 30; i++) {
        d.observe({ host: HOST, method: 'GET', path: `/users/${NAMES[i % NAMES.length]}${i}/posts/${i * 7}` });
        d.observe({ host: HOST, method: 'DELETE', path: `/users/${NAMES[i % NAMES.length]}${i}` });
      }
      return JSON.stringify(d.endpoints());
    };
    assert.equal(run(), run());
  });
});

describe('stability and refinement', () => {
  test('an endpoint keeps its key when its template is refined; merged keys resolve to the survivor', () => {
    const h = new HostDiscovery(HOST);
    const first = h.observe({ method: 'GET', path: '/people/alice', responseShape: '2xx {name}' })!;
    assert.equal(first.template, '/people/alice');
    h.takeEvents();
    // The caller drains events as it goes (each drain sees an up-to-date view).
    const events: DiscoveryEvent[] = [];
    const others = NAMES.slice(1).map((n) => {
      const ref = h.observe({ method: 'GET', path: `/people/${n}`, responseShape: '2xx {name}' })!;
      events.push(...h.takeEvents());
      return ref;
    });
    const now = h.lookup('GET', '/people/alice')!;
    assert.equal(now.template, '/people/{peopleName}');
    assert.equal(now.key, first.key, 'identity survives refinement');
    events.push(...h.takeEvents());
    assert.ok(events.some((e) => e.kind === 'refined' && e.key === first.key && e.from === '/people/alice' && e.to === '/people/{peopleName}'));
    for (const o of others) assert.equal(h.resolve(o.key), first.key);
    assert.ok(events.some((e) => e.kind === 'merged' && e.into === first.key));
    // More traffic does not change the template any more.
    for (let i = 0; i < 50; i++) h.observe({ method: 'GET', path: `/people/${NAMES[i % NAMES.length]}x${i}`, responseShape: '2xx {name}' });
    assert.equal(h.lookup('GET', '/people/alice')!.template, '/people/{peopleName}');
    assert.equal(h.lookup('GET', '/people/alice')!.key, first.key);
    assert.deepEqual(h.takeEvents().filter((e) => e.kind !== 'merged'), []);
  });

  test('observe answers new paths from the current view (provisionally), lookup by template', () => {
    const h = new HostDiscovery(HOST);
    for (let i = 0; i < 100; i++) h.observe({ method: 'GET', path: `/users/${1000 + i}/repos` });
    h.takeEvents();
    // A new value under a known parameter position gets the parameter's template at once.
    const ref = h.observe({ method: 'GET', path: '/users/5555/repos' })!;
    assert.equal(ref.template, '/users/{userId}/repos');
    assert.equal(h.resolve(ref.key), h.lookup('GET', '/users/1000/repos')!.key);
    // A new static below it: the known part, then the literal rest.
    assert.equal(h.observe({ method: 'GET', path: '/users/5556/settings' })!.template, '/users/{userId}/settings');
    assert.equal(h.lookup('GET', '/users/{x}/repos')!.key, h.lookup('GET', '/users/1000/repos')!.key);
    assert.equal(h.lookup('GET', '/users/{x}/repos')!.template, '/users/{userId}/repos');
    assert.equal(h.lookup('GET', '/users/{x}/nothing'), null);
  });

  test('a folded id position stays folded as traffic grows', () => {
    const h = new HostDiscovery(HOST);
    const a = h.observe({ method: 'GET', path: '/items/1' })!;
    for (let i = 2; i < 500; i++) h.observe({ method: 'GET', path: `/items/${i}` });
    const b = h.lookup('GET', '/items/1')!;
    assert.equal(b.template, '/items/{itemId}');
    assert.equal(h.resolve(a.key), b.key);
    assert.equal(h.endpoints().length, 1);
  });
});

describe('user rules', () => {
  test('ignore a path (template or prefix)', () => {
    const d = new Discovery();
    d.addRule(HOST, { kind: 'ignore', pattern: '/health' });
    d.addRule(HOST, { kind: 'ignore', pattern: '/static/**' });
    assert.equal(d.observe({ host: HOST, method: 'GET', path: '/health' }), null);
    assert.equal(d.observe({ host: HOST, method: 'GET', path: '/static/js/app.js' }), null);
    assert.notEqual(d.observe({ host: HOST, method: 'GET', path: '/healthz' }), null);
    assert.deepEqual(templates(d), ['GET /healthz']);
  });

  test('merge pins a template the inference would not find', () => {
    const d = new Discovery();
    d.addRule(HOST, { kind: 'merge', template: '/teams/{team}' });
    const refs = feed(d, 'GET', ['/teams/red', '/teams/blue', '/teams/red']);
    assert.ok(refs.every((r) => r!.template === '/teams/{team}' && r!.source === 'user'));
    assert.deepEqual(templates(d), ['GET /teams/{team}']);
    assert.equal(d.endpoints(HOST)[0]!.hits, 3);
  });

  test('split keeps a path apart from an inferred parameter, and inference never undoes it', () => {
    const d = new Discovery();
    d.addRule(HOST, { kind: 'split', template: '/users/admin' });
    for (let i = 0; i < 40; i++) d.observe({ host: HOST, method: 'GET', path: `/users/${NAMES[i % NAMES.length]}${i}`, responseShape: '2xx {id}' });
    for (let i = 0; i < 3; i++) d.observe({ host: HOST, method: 'GET', path: '/users/admin', responseShape: '2xx {id}' });
    assert.deepEqual(templates(d), ['GET /users/admin', 'GET /users/{userName}']);
    assert.equal(d.lookup(HOST, 'GET', '/users/admin')!.source, 'user');
  });

  test('rename a parameter of an inferred endpoint; applied to later traffic too', () => {
    const d = new Discovery();
    feed(d, 'GET', ['/users/1', '/users/2']);
    d.addRule(HOST, { kind: 'rename', template: '/users/{userId}', from: 'userId', to: 'accountNumber' });
    assert.deepEqual(templates(d), ['GET /users/{accountNumber}']);
    const ref = d.observe({ host: HOST, method: 'GET', path: '/users/3' })!;
    assert.equal(ref.template, '/users/{accountNumber}');
    assert.equal(ref.params[0]!.name, 'accountNumber');
  });

  test('rules are stored per host and survive serialization', () => {
    const d = new Discovery();
    d.addRule(HOST, { kind: 'merge', template: '/teams/{team}' });
    d.observe({ host: 'other.example.com', method: 'GET', path: '/teams/red' });
    const copy = Discovery.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    assert.equal(copy.observe({ host: HOST, method: 'GET', path: '/teams/x' })!.source, 'user');
    assert.equal(copy.observe({ host: 'other.example.com', method: 'GET', path: '/teams/x' })!.source, 'inferred');
  });
});

describe('spec and route matching', () => {
  test('TemplateSet: literal segments beat parameters; methods prefer declared ones', () => {
    const t = new TemplateSet();
    t.add('/users/{id}', ['get', 'delete']);
    t.add('/users/me', ['get']);
    t.add('/files/{name}.json');
    assert.equal(t.match('GET', '/users/me')!.template, '/users/me');
    assert.deepEqual(t.match('GET', '/users/42')!.values, { id: '42' });
    assert.equal(t.match('DELETE', '/users/me')!.template, '/users/{id}');
    assert.deepEqual(t.match('GET', '/files/report.json')!.values, { name: 'report' });
    assert.equal(t.match('GET', '/files/report.xml'), null);
    assert.equal(t.match('GET', '/nope'), null);
  });

  test('templatesFromSpec: OpenAPI 2 basePath, OpenAPI 3 servers, fragments and queries cut', () => {
    const v2 = templatesFromSpec({ swagger: '2.0', basePath: '/api/v2', paths: { '/pets/{petId}': { get: {} }, '/#Action': { post: {} } } });
    assert.deepEqual(v2.templates(), [{ template: '/api/v2', methods: ['POST'] }, { template: '/api/v2/pets/{petId}', methods: ['GET'] }]);
    const v3 = templatesFromSpec({ openapi: '3.0.0', servers: [{ url: 'https://x.example.com/v3' }], paths: { '/pets': { get: {}, parameters: [] } } });
    assert.deepEqual(v3.templates(), [{ template: '/v3/pets', methods: ['GET'] }]);
  });

  test('the uploaded spec beats inference; unmatched paths still go to inference', () => {
    const d = new Discovery();
    d.setSpec(HOST, { swagger: '2.0', basePath: '/', paths: { '/pets/{petId}': { get: {} }, '/pets/mine': { get: {} } } });
    const a = d.observe({ host: HOST, method: 'GET', path: '/pets/mine' })!;
    const b = d.observe({ host: HOST, method: 'GET', path: '/pets/garfield' })!;
    assert.equal(a.template, '/pets/mine');
    assert.equal(b.template, '/pets/{petId}');
    assert.equal(b.source, 'spec');
    assert.deepEqual(b.params.map((p) => [p.name, p.evidence.samples]), [['petId', ['garfield']]]);
    const c = d.observe({ host: HOST, method: 'GET', path: '/owners/12' })!;
    assert.equal(c.source, 'inferred');
    assert.equal(c.template, '/owners/{ownerId}');
  });

  test('a gateway route template is used when it matches the path, ignored otherwise', () => {
    const d = new Discovery();
    const r = d.observe({ host: HOST, method: 'GET', path: '/shops/acme/items', route: '/shops/{shop}/items' })!;
    assert.equal(r.source, 'route');
    assert.equal(r.template, '/shops/{shop}/items');
    const bad = d.observe({ host: HOST, method: 'GET', path: '/shops/acme/items', route: '/other/{x}' })!;
    assert.equal(bad.source, 'inferred');
  });

  test('templateShape compares modulo parameter names', () => {
    assert.equal(templateShape('/users/{a}/x/{b}.json'), templateShape('/users/{userId}/x/{fileId}.json'));
    assert.notEqual(templateShape('/users/{a}'), templateShape('/users/me'));
  });
});

describe('state', () => {
  test('round-trips through JSON and continues identically', () => {
    const a = new Discovery();
    for (let i = 0; i < 20; i++) a.observe({ host: HOST, method: 'GET', path: `/people/${NAMES[i % NAMES.length]}${i}`, responseShape: '2xx {x}' });
    const b = Discovery.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.deepEqual(b.endpoints(), a.endpoints());
    for (const d of [a, b]) for (let i = 0; i < 5; i++) d.observe({ host: HOST, method: 'GET', path: `/people/${i}/pets/${i}` });
    assert.deepEqual(b.endpoints(), a.endpoints());
    assert.deepEqual(b.toJSON(), a.toJSON());
  });

  test('is bounded: past the literal cap, new values go to a parameter child', () => {
    const h = new HostDiscovery(HOST);
    for (let i = 0; i < LIMITS.literalsPerNode + 50; i++) h.observe({ method: 'GET', path: `/words/w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26) % 26)}x` });
    const json = JSON.stringify(h.toJSON());
    assert.ok(json.includes('cardinality-cap'));
    const endpoints = h.endpoints();
    assert.equal(endpoints.length, 1);
    assert.ok(endpoints[0]!.params[0]!.evidence.samples.length <= LIMITS.samples);
  });
});

describe('observationFromTransaction', () => {
  test('host, method, path without query, response shape, gateway route', () => {
    const body = Buffer.from(JSON.stringify({ b: 1, a: [1] }));
    const txn: Transaction = {
      id: 't1', idGenerated: false, timestamp: 0, version: null,
      request: {
        method: 'get', uri: '/users/7?x=1', host: 'API.Example.com', scheme: 'https', httpVersion: '1.1',
        clientIp: '203.0.113.1', clientIpRule: 'client-ip', connection: { connectionIp: '203.0.113.1', serverIp: '198.51.100.1' },
        headers: [], body: null,
      },
      response: { status: 200, headers: [['Content-Type', 'application/json; charset=utf-8']], body: { bytes: body, length: body.length, truncated: false } },
      meta: { dataExtractions: { routeTemplate: '/users/{id}' } },
    };
    assert.deepEqual(observationFromTransaction(txn), {
      host: 'api.example.com', method: 'GET', path: '/users/7', status: 200, responseShape: '2xx {a,b}', route: '/users/{id}',
    });
  });
});

describe('gateway routes from the APIM policy', () => {
  test('url_template relative to the API path gets the path\'s leading segments', () => {
    const txn: Transaction = {
      id: 't2', idGenerated: false, timestamp: 0, version: null,
      request: {
        method: 'GET', uri: '/shop/items/42', host: 'contoso.azure-api.net', scheme: 'https', httpVersion: '1.1',
        clientIp: '203.0.113.1', clientIpRule: 'client-ip', connection: { connectionIp: '203.0.113.1', serverIp: '198.51.100.1' },
        headers: [], body: null,
      },
      response: { status: 204, headers: [], body: null },
      meta: { dataExtractions: { api_name: 'shop', url_template: '/items/{itemId}' } },
    };
    const obs = observationFromTransaction(txn);
    assert.equal(obs.route, '/shop/items/{itemId}');
    const d = new Discovery();
    const ref = d.observe(obs)!;
    assert.equal(ref.source, 'route');
    assert.equal(ref.template, '/shop/items/{itemId}');
  });
});
