// User behaviour rules through the API: checked field by field, tried on recent traffic with a dry
// run, and once saved applied to later traffic like the built-in rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient, getToken, postJson, sampleTransaction, startTestServer } from './helpers.ts';

const RULE = {
  id: 'catalog-scrape',
  description: 'One actor reading the catalog fast',
  finding: { type: 'CATALOG_SCRAPING', owaspCategory: 'API6', severity: 'medium' },
  filter: { methods: ['GET'], status: ['2xx'] },
  groupBy: ['actor', 'endpointId'],
  windowMs: 60_000,
  threshold: 20,
  cooldownMs: 600_000,
};

test('user rules: refused with the field named, dry run, then applied to later traffic', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const browse = async (n: number) => {
      const data = Array.from({ length: n }, (_, i) => sampleTransaction({ host: 'catalog.example', uri: `/v1/products/${i % 3}`, id: randomUUID() }));
      assert.equal((await postJson(`${server.url}/api-transactions`, token, { data })).status, 200);
      await server.runner.drain();
    };
    await browse(30);
    let res = await server.admin('/behaviour-rules', { method: 'POST', body: { ...RULE, groupBy: ['actor'] } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /^groupBy: include endpointId or host/);
    res = await server.admin('/behaviour-rules', { method: 'POST', body: { ...RULE, id: 'bola-object-walk' } });
    assert.match(res.body.message, /built-in rule/);
    res = await server.admin('/behaviour-rules', { method: 'POST', body: { ...RULE, threshold: 1 } });
    assert.match(res.body.message, /^threshold: a whole number from 2/);

    const dry = await server.admin('/behaviour-rules/dry-run', { method: 'POST', body: RULE });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.findings.length, 1, JSON.stringify(dry.body));
    assert.equal(dry.body.findings[0].type, 'CATALOG_SCRAPING');
    assert.equal(dry.body.findings[0].actor, 'ip:203.0.113.7');

    assert.equal((await server.admin('/behaviour-rules', { method: 'POST', body: RULE })).status, 201);
    assert.equal((await server.admin('/behaviour-rules', { method: 'POST', body: RULE })).status, 409);
    const list = await server.admin('/behaviour-rules');
    assert.ok(list.body.builtIn.some((r: { id: string }) => r.id === 'bola-object-walk'));
    assert.deepEqual(list.body.custom.map((r: { id: string }) => r.id), ['catalog-scrape']);
    await new Promise((r) => setTimeout(r, 2100)); // analysis re-reads rules every 2 s
    await browse(25);
    const findings = await server.admin('/findings?type=CATALOG_SCRAPING');
    assert.equal(findings.body.items.length, 1, JSON.stringify(findings.body));
    assert.equal(findings.body.items[0].owaspCategory, 'API6');
    assert.equal((await server.admin('/behaviour-rules/catalog-scrape', { method: 'DELETE' })).status, 204);
  } finally {
    await server.destroy();
  }
});
