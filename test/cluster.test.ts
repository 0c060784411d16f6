// The cluster shape on one machine: two edges, two analyzers owning disjoint partitions and a
// console, sharing a JetStream log and a PostgreSQL store. The inventory it builds must equal what
// the all-in-one server builds from the same traffic, and a client disabled at the console must be
// refused by every edge within a second. Skips without local NATS or PostgreSQL (fails under CI).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { resolveServeOptions } from '../src/cli/options.ts';
import { startServer, type RunningServer } from '../src/cli/serve.ts';
import { ADMIN_TOKEN, postgresUnavailable, postJson, sampleTransaction, tempDir } from './helpers.ts';

const NATS_URL = process.env.TAPLINE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PG_URL = process.env.TAPLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PUBLIC_URL = 'http://tapline.cluster.test';

async function reachable(): Promise<string | false> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000 });
    await jetstreamManager(nc);
    await nc.close();
  } catch (err) {
    return `NATS JetStream not reachable at ${NATS_URL} (${(err as Error).message})`;
  }
  return postgresUnavailable(PG_URL);
}
const unavailable = await reachable();
const skip = unavailable && !(process.env.CI || process.env.TAPLINE_TEST_REQUIRE_POSTGRES || process.env.TAPLINE_TEST_REQUIRE_NATS) ? unavailable : false;

const HOSTS = ['api.one.example', 'api.two.example', 'shop.three.example', 'billing.four.example'];
/** The same traffic for both deployments: per host, ids under a few resources. */
function traffic(): Array<ReturnType<typeof sampleTransaction>> {
  const out = [];
  for (const host of HOSTS) {
    for (let i = 0; i < 25; i++) out.push(sampleTransaction({ host, uri: `/v2/users/${3000 + i * 17}`, id: randomUUID() }));
    for (let i = 0; i < 12; i++) out.push(sampleTransaction({ host, uri: `/v2/orders/${randomUUID()}/lines`, id: randomUUID() }));
    out.push(sampleTransaction({ host, uri: '/v2/status', id: randomUUID() }));
  }
  return out;
}

function start(flags: string[], dataDir = tempDir()): Promise<RunningServer> {
  const o = resolveServeOptions(['--port', '0', '--data', dataDir, '--log-level', 'error', '--public-url', PUBLIC_URL, ...flags], {});
  return startServer({ ...o, adminToken: ADMIN_TOKEN, adminPassword: 'cluster-test-password' });
}

async function admin(server: RunningServer, path: string, method = 'GET', body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function token(edge: RunningServer, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${edge.url}/auth/realms/tapline/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

type Row = { host: string; method: string; pathTemplate: string; calls: number };
const inventoryOf = async (server: RunningServer): Promise<string[]> =>
  ((await admin(server, '/endpoints?limit=1000&sort=path')).body.items as Row[]).map((e) => `${e.host} ${e.method} ${e.pathTemplate} ${e.calls}`).sort();
type FindingRow = { type: string; subject: string | null; count: number; actor: string | null; endpoint: { method: string; host: string; pathTemplate: string } | null };
const findingsOf = async (server: RunningServer): Promise<string[]> =>
  ((await admin(server, '/findings?limit=1000&status=open')).body.items as FindingRow[])
    .map((f) => `${f.type} ${f.endpoint ? `${f.endpoint.method} ${f.endpoint.host}${f.endpoint.pathTemplate}` : '-'} ${f.subject ?? '-'} ${f.actor ?? '-'} ${f.count}`).sort();

describe('cluster: edges, analyzers and console over NATS JetStream and PostgreSQL', { skip, timeout: 180_000 }, () => {
  const suffix = randomBytes(4).toString('hex');
  const schema = `tapline_cluster_${suffix}`;
  const stream = `TAPLINE_CLUSTER_${suffix.toUpperCase()}`;
  const servers: RunningServer[] = [];
  let console_: RunningServer;
  let edges: RunningServer[];

  before(async () => {
    if (unavailable) throw new Error(unavailable);
    const sql = postgres(PG_URL, { onnotice: () => {} });
    await sql.unsafe(`CREATE SCHEMA ${schema}`);
    await sql.end();
    const store = `${PG_URL}?search_path=${schema}`;
    const shared = ['--store', store, '--log', NATS_URL, '--log-stream', stream, '--log-partitions', '4'];
    console_ = await start(['--role', 'console', ...shared]);
    servers.push(console_);
    edges = [await start(['--role', 'edge', ...shared]), await start(['--role', 'edge', ...shared])];
    servers.push(...edges);
    servers.push(await start(['--role', 'analyzer', '--partitions', '0,1', ...shared]));
    servers.push(await start(['--role', 'analyzer', '--partitions', '2,3', ...shared]));
  });

  after(async () => {
    for (const s of servers.reverse()) await s.close();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    const sql = postgres(PG_URL, { onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
  });

  test('roles serve only their part', async () => {
    assert.equal((await admin(edges[0]!, '/clients')).status, 404, 'an edge serves no admin API');
    const tokenAtConsole = await fetch(`${console_.url}/auth/realms/tapline/.well-known/openid-configuration`);
    assert.equal(tokenAtConsole.status, 404, 'the console serves no token service');
    assert.equal((await fetch(`${console_.url}/api-transaction`, { method: 'POST' })).status, 404, 'nor the Edge API');
  });

  test('the inventory equals the all-in-one server\'s for the same traffic; a disabled client is refused by every edge within 1 s', async () => {
    const created = await admin(console_, '/clients', 'POST', { name: 'gateway' });
    assert.equal(created.status, 201);
    const tokens = await Promise.all(edges.map((e) => token(e, 'gateway', created.body.secret)));
    const all = traffic();
    // Half through each edge, in batches.
    for (let i = 0; i < all.length; i += 20) {
      const edge = (i / 20) % 2;
      const res = await postJson(`${edges[edge]!.url}/api-transactions`, tokens[edge]!, { data: all.slice(i, i + 20) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const deadline = Date.now() + 60_000;
    let cluster: string[] = [];
    for (;;) {
      cluster = await inventoryOf(console_);
      const calls = cluster.reduce((a, line) => a + Number(line.split(' ').pop()), 0);
      if (calls === all.length) break;
      if (Date.now() > deadline) assert.fail(`the analyzers counted ${calls} of ${all.length} calls: ${cluster.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const single = await start([]);
    try {
      const c = await admin(single, '/clients', 'POST', { name: 'gateway' });
      const t = await token(single, 'gateway', c.body.secret);
      for (let i = 0; i < all.length; i += 20) assert.equal((await postJson(`${single.url}/api-transactions`, t, { data: all.slice(i, i + 20) })).status, 200);
      await single.runner.drain();
      assert.deepEqual(cluster, await inventoryOf(single));
      assert.deepEqual(await findingsOf(console_), await findingsOf(single), 'the same findings, with the same counts');
      assert.ok((await findingsOf(single)).length > 0, 'the traffic raises findings (or the comparison proves little)');
    } finally {
      await single.close();
    }
    assert.ok(cluster.some((l) => /^api\.one\.example GET \/v2\/users\/\{[^}]+\} 25$/.test(l)), cluster.join('\n'));

    assert.equal((await admin(console_, '/clients/gateway', 'PATCH', { trafficIngestion: false })).status, 200);
    const disabledAt = Date.now();
    for (const [i, edge] of edges.entries()) {
      for (;;) {
        const res = await postJson(`${edge.url}/api-transaction`, tokens[i]!, sampleTransaction({ host: 'late.example' }));
        if (res.status === 403) break;
        assert.ok(Date.now() - disabledAt < 1000, `edge ${i} still accepted ${Date.now() - disabledAt} ms after the client was disabled`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});
