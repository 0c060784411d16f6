// `tapline dev cluster`: a console, two edges sharing one port (SO_REUSEPORT) and two analyzers on
// local NATS and PostgreSQL; traffic posted to the shared port ends up in the console's inventory;
// stopping the command stops every process it started. Skips without NATS or PostgreSQL (fails
// under CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { splitPartitions } from '../src/cli/dev-cluster.ts';
import { ADMIN_TOKEN, sampleTransaction } from './helpers.ts';
import { freePort } from '../bench/lib.ts';

const NATS_URL = process.env.TAPLINE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PG_URL = process.env.TAPLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function unavailable(): Promise<string | false> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000 });
    await nc.close();
    const sql = postgres(PG_URL, { connect_timeout: 3, onnotice: () => {} });
    await sql`SELECT 1`;
    await sql.end();
    return false;
  } catch (err) {
    return `NATS or PostgreSQL not reachable (${(err as Error).message})`;
  }
}
const why = await unavailable();
const skip = why && !(process.env.CI || process.env.TAPLINE_TEST_REQUIRE_POSTGRES || process.env.TAPLINE_TEST_REQUIRE_NATS) ? why : false;


test('partitions are dealt round-robin', () => {
  assert.deepEqual(splitPartitions(8, 3), [[0, 3, 6], [1, 4, 7], [2, 5]]);
});

test('dev cluster: traffic on the shared edge port reaches the console; Ctrl-C stops every process', { skip, timeout: 120_000 }, async () => {
  if (why) throw new Error(why);
  const suffix = randomBytes(4).toString('hex');
  const schema = `tapline_devcluster_${suffix}`;
  const stream = `TAPLINE_DEV_${suffix.toUpperCase()}`;
  const sql = postgres(PG_URL, { onnotice: () => {} });
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  const [consolePort, edgePort] = [await freePort(), await freePort()];
  const proc = spawn(process.execPath, ['bin/tapline.js', 'dev', 'cluster', '--console-port', String(consolePort), '--edge-port', String(edgePort), '--partitions', '4',
    '--log', NATS_URL, '--log-stream', stream, '--store', `${PG_URL}?search_path=${schema}`], { env: { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) === 200;
    for (let i = 0; i < 200 && !((await ready(consolePort)) && (await ready(edgePort)) && (output.match(/\[edge-\d\] Tapline listening/g) ?? []).length === 2 && (output.match(/\[analyzer-\d\] Tapline listening/g) ?? []).length === 2); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((output.match(/\[edge-\d\] Tapline listening/g) ?? []).length, 2, output);
    const adminCall = (path: string, body?: unknown) => fetch(`http://127.0.0.1:${consolePort}/api/v1${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<any>);
    const client = await adminCall('/clients', { name: 'gw' });
    const tokenRes = await fetch(`http://127.0.0.1:${edgePort}/auth/realms/tapline/protocol/openid-connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'gw', client_secret: client.secret }) });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    // One connection per request, so the kernel can hand them to either edge.
    for (let i = 0; i < 40; i++) {
      const t = sampleTransaction({ host: `h${i % 4}.example`, uri: `/v1/users/${1000 + i}`, id: randomUUID() });
      const res = await fetch(`http://127.0.0.1:${edgePort}/api-transaction`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(t) });
      assert.equal(res.status, 200);
    }
    let calls = 0;
    for (let i = 0; i < 300 && calls < 40; i++) {
      const list = await adminCall('/endpoints?limit=1000');
      calls = (list.items as Array<{ calls: number }>).reduce((a, e) => a + e.calls, 0);
      if (calls < 40) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(calls, 40, output.slice(-2000));
  } finally {
    proc.kill('SIGINT');
    const code = await new Promise((r) => proc.once('exit', (c, s) => r(c ?? s)));
    assert.equal(code, 0, output.slice(-2000));
    assert.equal(await fetch(`http://127.0.0.1:${edgePort}/readyz`).then((r) => r.status, () => 0), 0, 'the edges are gone');
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
  }
});
