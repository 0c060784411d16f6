// Memory bound on hosts: with --analysis-max-hosts, analysis forgets the least recently seen hosts'
// discovery and reads it back from the store when their traffic returns. The same traffic through
// a server with a bound of 3 hosts and through one without a bound must give the same inventory,
// findings and counts, including a user rule added while its host was out of memory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient, getToken, postJson, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

const HOSTS = Array.from({ length: 10 }, (_, i) => `tenant${i}.example`);

interface Side {
  server: TestServer;
  token: string;
}

async function side(overrides: Parameters<typeof startTestServer>[0]): Promise<Side> {
  const server = await startTestServer(overrides);
  const c = await createClient(server);
  await server.admin('/applications', { method: 'POST', body: { name: 'tenants', hosts: ['tenant0.example', 'tenant1.example', 'tenant2.example'] } });
  return { server, token: await getToken(server, c.clientId, c.secret) };
}

async function send(s: Side, host: string, calls: Array<[string, string]>): Promise<void> {
  const data = calls.map(([method, uri]) => sampleTransaction({ host, method, uri, id: randomUUID() }));
  const res = await postJson(`${s.server.url}/api-transactions`, s.token, { data });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await s.server.runner.drain();
}

/** A round of traffic for one host: ids, names and a fixed sibling, different every round. */
function calls(round: number, h: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < 6; i++) out.push(['GET', `/users/${1000 + round * 100 + h * 10 + i}`]);
  out.push(['GET', '/users/me'], ['POST', `/orders/${randomUUID()}/items`], ['GET', `/people/${['alice', 'bob', 'carol', 'dave'][(round + h) % 4]}`]);
  return out;
}

async function inventory(s: Side): Promise<string[]> {
  const res = await s.server.admin('/endpoints?limit=1000&sort=path');
  assert.equal(res.status, 200);
  return (res.body.items as Array<{ host: string; method: string; pathTemplate: string; calls: number; state: string }>)
    .map((e) => `${e.host} ${e.method} ${e.pathTemplate} calls=${e.calls} ${e.state}`).sort();
}

async function findingCounts(s: Side): Promise<string[]> {
  const res = await s.server.admin('/findings?limit=1000');
  return (res.body.items as Array<{ type: string; subject: string | null; count?: number; occurrences?: number }>)
    .map((f) => `${f.type} ${f.subject ?? ''} ${f.occurrences ?? f.count ?? ''}`).sort();
}

const metric = async (s: Side, name: string) => {
  const text = await (await fetch(`${s.server.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1]);
};

describe('analysis keeps a bounded number of hosts in memory', () => {
  let bounded: Side;
  let unbounded: Side;
  before(async () => {
    bounded = await side({ analysisMaxHosts: 3 });
    unbounded = await side({});
  });
  after(async () => {
    await bounded.server.destroy();
    await unbounded.server.destroy();
  });

  test('the same traffic gives the same inventory, findings and counts with 3 hosts in memory as without a bound', async () => {
    for (let round = 0; round < 3; round++) {
      for (let h = 0; h < HOSTS.length; h++) {
        for (const s of [bounded, unbounded]) await send(s, HOSTS[h]!, calls(round, h));
      }
      if (round === 1) {
        // A correction for a host that is out of memory on the bounded side (seen 9 hosts ago).
        for (const s of [bounded, unbounded]) {
          const rule = await s.server.admin('/discovery-rules', { method: 'POST', body: { host: HOSTS[0], rule: { kind: 'merge', template: '/people/{username}' } } });
          assert.equal(rule.status, 201, JSON.stringify(rule.body));
        }
        // Rules reach analysis within its 2 s refresh: wait for it, so both sides apply the rule
        // from the same transaction on (the bounded side reads it at once for a returning host).
        await new Promise((resolve) => setTimeout(resolve, 2100));
      }
    }
    const b = await inventory(bounded);
    assert.deepEqual(b, await inventory(unbounded));
    assert.ok(b.some((e) => e.startsWith('tenant0.example GET /people/{username} calls=')), b.join('\n'));
    const callsOf = (host: string) => b.filter((e) => e.startsWith(`${host} `)).reduce((n, e) => n + Number(/calls=(\d+)/.exec(e)![1]), 0);
    for (const host of HOSTS) assert.equal(callsOf(host), 27, `every call of ${host} counted once`);
    assert.deepEqual(await findingCounts(bounded), await findingCounts(unbounded));
    assert.ok((await metric(bounded, 'tapline_analysis_hosts_in_memory')) <= 3);
    assert.equal(await metric(unbounded, 'tapline_analysis_hosts_in_memory'), HOSTS.length);
  });

  test('after a restart only the most recently active hosts come back; the others load with their traffic', async () => {
    const dataDir = bounded.server.dataDir;
    await bounded.server.close();
    const server = await startTestServer({ analysisMaxHosts: 3 }, dataDir);
    const c = await createClient(server);
    bounded = { server, token: await getToken(server, c.clientId, c.secret) };
    await server.runner.drain();
    assert.ok((await metric(bounded, 'tapline_analysis_hosts_in_memory')) <= 3);
    for (const host of [HOSTS[0]!, HOSTS[9]!, HOSTS[4]!]) {
      for (const s of [bounded, unbounded]) await send(s, host, calls(3, 1));
    }
    assert.deepEqual(await inventory(bounded), await inventory(unbounded));
  });
});
