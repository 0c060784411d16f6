// Fault tests of the cluster shape, with real processes and real signals: while captures post
// transactions (retrying, as the forwarder does, on any answer but 200), an edge is killed with
// SIGKILL and restarted, then an analyzer, then the NATS server is restarted. Afterwards every
// transaction answered 200 must have been analysed exactly once: stored once, and counted once in
// the inventory. The test runs its own nats-server (JetStream, file store) so it can restart it,
// and a PostgreSQL schema of its own. Skips without nats-server or PostgreSQL (fails under CI).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { postgresUnavailable, sampleTransaction } from './helpers.ts';
import { freePort } from '../bench/lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const PG_URL = process.env.TAPLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_TOKEN = `faults-${randomBytes(8).toString('hex')}`;
const TOTAL = 4_000;
const BATCH = 10;
const POSTERS = 4;
/** Pause of each poster between batches: about 400 transactions/s, so the load lasts ~10 s. */
const PACE_MS = 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function unavailable(): Promise<string | false> {
  if (spawnSync('nats-server', ['--version']).error) return 'nats-server is not installed (apt-get install nats-server)';
  return postgresUnavailable(PG_URL);
}
const missing = await unavailable();
const skip = missing && !(process.env.CI || process.env.TAPLINE_TEST_REQUIRE_POSTGRES || process.env.TAPLINE_TEST_REQUIRE_NATS) ? missing : false;


interface Proc {
  name: string;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function launch(name: string, command: string, args: string[]): Proc {
  const proc = spawn(command, args, { cwd: ROOT, env: { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  return { name, proc, output: () => out, exited: new Promise((resolve) => proc.once('exit', () => resolve())) };
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(50);
  }
}

/** Signals go to the child's PID only; SIGKILL after 10 s if it ignores SIGTERM. */
async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  process.kill(p.proc.pid!, signal);
  if (await Promise.race([p.exited.then(() => false), sleep(10_000).then(() => true)])) {
    process.kill(p.proc.pid!, 'SIGKILL');
    await p.exited;
  }
}

/** Pending and unacknowledged entries per durable consumer, for a failure message. */
async function consumerStates(port: number): Promise<string> {
  const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
  try {
    const jsm = await jetstreamManager(nc);
    const lines: string[] = [];
    for await (const c of jsm.consumers.list('TAPLINE_TXN')) {
      lines.push(`${c.name}: pending ${c.num_pending}, ack pending ${c.num_ack_pending}, redelivered ${c.num_redelivered}, waiting pulls ${c.num_waiting}, delivered ${c.delivered.stream_seq}, acked ${c.ack_floor.stream_seq}`);
    }
    return lines.join('\n');
  } finally {
    await nc.close();
  }
}

describe('cluster faults: SIGKILL an edge, SIGKILL an analyzer, restart NATS, all under load', { skip, timeout: 300_000 }, () => {
  const suffix = randomBytes(4).toString('hex');
  const schema = `tapline_faults_${suffix}`;
  const natsDir = mkdtempSync(join(tmpdir(), 'tapline-faults-nats-'));
  let natsPort = 0;
  let nats: Proc;
  let consolePort = 0;
  const edgePorts: number[] = [];
  const procs = new Map<string, Proc>();
  let shared: string[] = [];

  const startNats = async () => {
    nats = launch('nats', 'nats-server', ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', natsDir]);
    await until('nats-server to listen', async () => /Server is ready/.test(nats.output()));
  };
  const startTapline = async (name: string, port: number, flags: string[]) => {
    const p = launch(name, process.execPath, ['bin/tapline.js', 'serve', '--port', String(port), '--log-level', 'warn', ...flags, ...shared]);
    procs.set(name, p);
    await until(`${name} to start`, async () => {
      if (p.proc.exitCode !== null) throw new Error(`${name} exited:\n${p.output()}`);
      return /listening on/.test(p.output());
    });
  };
  const startEdge = (i: number) => startTapline(`edge-${i}`, edgePorts[i]!, ['--role', 'edge']);
  const startAnalyzer = (i: number) => startTapline(`analyzer-${i}`, 0, ['--role', 'analyzer', '--partitions', i === 0 ? '0,1' : '2,3']);
  const consoleUrl = () => `http://127.0.0.1:${consolePort}`;
  const adminGet = async (path: string) => {
    const res = await fetch(`${consoleUrl()}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200, path);
    return res.json() as Promise<any>;
  };

  before(async () => {
    if (missing) throw new Error(missing);
    natsPort = await freePort();
    consolePort = await freePort();
    edgePorts.push(await freePort(), await freePort());
    const sql = postgres(PG_URL, { onnotice: () => {} });
    await sql.unsafe(`CREATE SCHEMA ${schema}`);
    await sql.end();
    await startNats();
    shared = ['--log', `nats://127.0.0.1:${natsPort}`, '--log-partitions', '4', '--store', `${PG_URL}?search_path=${schema}`, '--public-url', 'http://tapline.faults.test', '--data', mkdtempSync(join(tmpdir(), 'tapline-faults-'))];
    await startTapline('console', consolePort, ['--role', 'console']);
    await startEdge(0);
    await startEdge(1);
    await startAnalyzer(0);
    await startAnalyzer(1);
  });

  after(async () => {
    for (const p of [...procs.values()].reverse()) await stop(p);
    if (nats) await stop(nats);
    rmSync(natsDir, { recursive: true, force: true });
    const sql = postgres(PG_URL, { onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
  });

  test('every transaction answered 200 is analysed exactly once', { timeout: 200_000 }, async () => {
    const created = await fetch(`${consoleUrl()}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'gateway' }),
    });
    assert.equal(created.status, 201);
    const { secret } = (await created.json()) as { secret: string };
    const tokenRes = await fetch(`http://127.0.0.1:${edgePorts[0]}/auth/realms/tapline/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'gateway', client_secret: secret }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };

    // The traffic: a few hosts and templates, every transaction with its own id.
    const batches: Array<Array<ReturnType<typeof sampleTransaction>>> = [];
    for (let i = 0; i < TOTAL; i += BATCH) {
      batches.push(Array.from({ length: BATCH }, (_, j) => {
        const n = i + j;
        return sampleTransaction({ id: `fault-${suffix}-${n}`, host: `api${n % 4}.faults.example`, uri: `/v1/items/${1000 + (n % 97)}` });
      }));
    }
    const acknowledged = new Set<string>();
    let refused = 0;
    let next = 0;
    // A capture that retries the same batch (same ids) on any failure, switching edges.
    const poster = async (k: number) => {
      let edge = k % 2;
      while (next < batches.length) {
        const batch = batches[next++]!;
        for (let attempt = 0; ; attempt++) {
          const ok = await fetch(`http://127.0.0.1:${edgePorts[edge]}/api-transactions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ data: batch }),
            signal: AbortSignal.timeout(10_000),
          }).then(async (res) => {
            await res.arrayBuffer();
            return res.status === 200;
          }, () => false);
          if (ok) break;
          refused++;
          assert.ok(attempt < 400, `batch ${next} still refused after ${attempt} attempts`);
          edge = 1 - edge;
          await sleep(50);
        }
        for (const t of batch) acknowledged.add(t['transaction-id']);
        await sleep(PACE_MS); // a steady capture rather than a burst, so the faults land mid-load
      }
    };
    const progress = (share: number) => until(`${share * 100}% of the load`, async () => next >= batches.length * share, 120_000);
    // Where the load stood when each fault ended: it must still have been running.
    const during: Record<string, number> = {};
    // Entries an analyzer held when it died come back after ackWait (30 s).
    const faults = (async () => {
      await progress(0.15);
      await stop(procs.get('edge-0')!, 'SIGKILL');
      await sleep(500);
      await startEdge(0);
      during['edge SIGKILL'] = next;
      await progress(0.4);
      await stop(nats);
      await sleep(500);
      await startNats();
      during['NATS restart'] = next;
      await progress(0.6);
      await stop(procs.get('analyzer-0')!, 'SIGKILL');
      await sleep(500);
      await startAnalyzer(0);
      during['analyzer SIGKILL'] = next;
    })();
    await Promise.all([...Array.from({ length: POSTERS }, (_, k) => poster(k)), faults]);
    assert.equal(acknowledged.size, TOTAL);
    assert.ok(refused > 0, 'the faults made some requests fail (or they tested nothing)');
    for (const [fault, at] of Object.entries(during)) assert.ok(at < batches.length, `the load was over before the ${fault} ended`);

    // Analysis catches up; an entry an analyzer held when it was killed comes back after ackWait (30 s).
    const calls = async () => ((await adminGet('/endpoints?limit=1000')).items as Array<{ host: string; calls: number }>)
      .filter((e) => e.host.endsWith('.faults.example')).reduce((a, e) => a + e.calls, 0);
    let counted = 0;
    let stalled: string | null = null;
    await until(`the inventory to count ${TOTAL} calls`, async () => (counted = await calls()) >= TOTAL, 60_000).catch(async (err: Error) => {
      const logs = [...procs.values()].map((p) => `--- ${p.name}\n${p.output().slice(-1500)}`).join('\n');
      stalled = `${err.message} (counted ${counted})\n${await consumerStates(natsPort)}\n${logs}`;
    });
    await sleep(2_000); // anything counted twice would show up now
    const sql = postgres(`${PG_URL}?search_path=${schema}`, { onnotice: () => {} });
    try {
      const rows = await sql<Array<{ transaction_id: string; n: number }>>`
        SELECT transaction_id, COUNT(*)::int AS n FROM transactions WHERE transaction_id LIKE ${`fault-${suffix}-%`} GROUP BY transaction_id`;
      assert.equal(rows.filter((r) => r.n > 1).length, 0, 'no transaction stored twice');
      const stored = new Set(rows.map((r) => r.transaction_id));
      const lost = [...acknowledged].filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], 'every acknowledged transaction is stored');
    } finally {
      await sql.end();
    }
    assert.equal(stalled, null);
    assert.equal(await calls(), TOTAL, 'every acknowledged transaction counted once in the inventory');
    console.log(`# ${TOTAL} transactions acknowledged through an edge SIGKILL, an analyzer SIGKILL and a NATS restart (${refused} requests refused and retried; batches posted when each fault ended: ${JSON.stringify(during)} of ${batches.length}); each analysed once`);
  });
});
