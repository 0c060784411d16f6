// Scale bench (see bench/README.md), two measurements, each against a baseline in the same run:
//
// 1. Edge threads: wrk posts single transactions to /api-transaction (50 keep-alive connections)
//    against two edge-only Tapline servers (--analysis off, durable SQLite log), one with
//    --edge-threads 2 and one with --edge-threads 1, alternating. Reports the req/s ratio (goal 1.5).
// 2. Cluster end to end: the same batches of varied transactions for the same time to the
//    all-in-one server (SQLite) and to `tapline dev cluster` (2 edges, 2 analyzers, a console on
//    NATS JetStream and PostgreSQL), alternating; end-to-end throughput is the transactions
//    accepted divided by the time from the first request until analysis counted the last one.
//
//   node bench/scale/run.ts [--duration 10] [--rounds 2] [--connections 50] [--batch 50]
//   env: BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_BATCH, BENCH_ONLY=threads|cluster,
//        BENCH_NATS_URL (nats://127.0.0.1:4222), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test),
//        BENCH_RESULTS_DIR
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { SHAPES, transaction } from '../pipeline/traffic.ts';
import { ADMIN_TOKEN, ROOT, accessToken, admin, freePort, wrkMissing, median, runBench, setting, sleep, startChild, stopChild, stopAll, type Child } from '../lib.ts';

const DURATION = setting('duration', 'BENCH_DURATION', 10);
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 2)));
const CONNECTIONS = Math.max(1, Math.round(setting('connections', 'BENCH_CONNECTIONS', 50)));
const BATCH = Math.max(1, Math.round(setting('batch', 'BENCH_BATCH', 50)));
const ONLY = process.env.BENCH_ONLY || null;
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const POST_LUA = join(ROOT, 'bench/ingest/post.lua');
const DRAIN_TIMEOUT_MS = 300_000;

let runNo = 0;
/** wrk against one URL; returns its req/s and the count of non-2xx answers. */
async function wrk(url: string, file: string, authorization: string, seconds: number): Promise<{ reqPerSec: number; non2xx: number }> {
  const nonce = `s${++runNo}${randomBytes(3).toString('hex')}`;
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '30s', '-s', POST_LUA, url, '--', file, nonce];
  const proc = spawn('wrk', args, { env: { ...process.env, WRK_AUTHORIZATION: authorization }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const killer = setTimeout(() => process.kill(proc.pid!, 'SIGKILL'), (seconds + 90) * 1000);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  clearTimeout(killer);
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  const reqPerSec = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1]);
  if (!Number.isFinite(reqPerSec)) throw new Error(`cannot read wrk's output:\n${out}`);
  return { reqPerSec, non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) };
}

async function client(tokenUrl: string, adminUrl: string): Promise<string> {
  const c = await admin(adminUrl, '/clients', { name: `bench-${randomBytes(3).toString('hex')}` });
  return `Bearer ${await accessToken(tokenUrl, c.clientId, c.secret)}`;
}

// ---- 1. edge threads
/**
 * One workload against the 1-thread and the 2-thread server, alternating; the medians of
 * transactions/s (requests/s times the transactions each request carries).
 */
async function threadRuns(servers: Child[], auth: Map<Child, string>, path: string, file: string, perRequest: number) {
  const rates = new Map<Child, number[]>(servers.map((s) => [s, []]));
  let non2xx = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const server of servers) {
      const r = await wrk(`${server.url}${path}`, file, auth.get(server)!, round === 0 ? 2 : DURATION);
      const tps = r.reqPerSec * perRequest;
      console.log(`  ${server.name.padEnd(15)} ${tps.toFixed(0).padStart(7)} transactions/s${r.non2xx ? `  non-2xx ${r.non2xx}` : ''}${round === 0 ? ' (warm-up)' : ''}`);
      if (round > 0) {
        rates.get(server)!.push(tps);
        non2xx += r.non2xx;
      }
    }
  }
  const [one, two] = servers.map((s) => median(rates.get(s)!)) as [number, number];
  return { oneThread: one, twoThreads: two, ratio: two / one, non2xx };
}

/**
 * Two workloads: single transactions (wrk's own work per transaction is as large as the edge's,
 * so on 2 cores the load generator takes a core) and batches of BATCH (the forwarder's way, where
 * the edge's parsing and validation dominate and a second thread has work to share).
 */
async function edgeThreads(work: string) {
  const start = (threads: number) => startChild(`edge-threads-${threads}`, [
    'bin/tapline.js', 'serve', '--data', join(work, `threads-${threads}`), '--port', '0', '--log-level', 'error',
    '--analysis', 'off', '--edge-threads', String(threads),
  ], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  const one = await start(1);
  const two = await start(2);
  const auth = new Map<Child, string>([[one, await client(one.url, one.url)], [two, await client(two.url, two.url)]]);
  const singleFile = join(work, 'single.json');
  writeFileSync(singleFile, JSON.stringify(transaction(SHAPES[2]!, '@ID@')));
  const batchFile = join(work, 'threads-batch.json');
  writeFileSync(batchFile, JSON.stringify({ data: Array.from({ length: BATCH }, (_, i) => transaction(SHAPES[i % SHAPES.length]!, `@ID@-${i}`)) }));
  console.log(`1. edge threads: wrk -t1 -c${CONNECTIONS}, ${DURATION} s per run, ${ROUNDS} round(s) + warm-up`);
  console.log('  a. POST /api-transaction, one transaction per request');
  const single = await threadRuns([one, two], auth, '/api-transaction', singleFile, 1);
  console.log(`  2 threads / 1 thread: ${single.twoThreads.toFixed(0)} / ${single.oneThread.toFixed(0)} transactions/s = ${single.ratio.toFixed(2)} (goal >= 1.5)`);
  console.log(`  b. POST /api-transactions, batches of ${BATCH}`);
  const batch = await threadRuns([one, two], auth, '/api-transactions', batchFile, BATCH);
  console.log(`  2 threads / 1 thread: ${batch.twoThreads.toFixed(0)} / ${batch.oneThread.toFixed(0)} transactions/s = ${batch.ratio.toFixed(2)} (goal >= 1.5)\n`);
  await stopChild(one);
  await stopChild(two);
  return { single, batch, batchSize: BATCH };
}

// ---- 2. cluster end to end

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${DRAIN_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}

/** Transactions analysis has counted: the calls of every endpoint in the inventory. */
async function analyzed(adminUrl: string): Promise<number> {
  const body = await admin(adminUrl, '/endpoints?limit=1000');
  return (body.items as Array<{ calls: number }>).reduce((a, e) => a + e.calls, 0);
}

/** Transactions the edges accepted, from the store's ingestion counters (every edge adds its own each second). */
async function accepted(adminUrl: string): Promise<number> {
  const body = await admin(adminUrl, '/diagnostics/ingestion');
  return (body.items as Array<{ accepted: number }>).reduce((a, i) => a + i.accepted, 0);
}

interface Target {
  name: string;
  edgeUrl: string;
  adminUrl: string;
  authorization: string;
  /** Transactions analysed in earlier runs. */
  done: number;
}

async function endToEnd(target: Target, file: string, seconds: number) {
  const before = await accepted(target.adminUrl);
  const started = Date.now();
  const r = await wrk(`${target.edgeUrl}/api-transactions`, file, target.authorization, seconds);
  const loadS = (Date.now() - started) / 1000;
  await sleep(2_500); // the counters reach the store once a second from each edge
  const total = (await accepted(target.adminUrl)) - before;
  let counted = 0;
  await until(`${target.name}: analysis of ${total} transactions`, async () => (counted = await analyzed(target.adminUrl)) >= target.done + total);
  target.done = counted;
  const seconds_ = (Date.now() - started) / 1000;
  return { accepted: total, acceptedPerSec: total / loadS, endToEndPerSec: total / seconds_, drainS: seconds_ - loadS, non2xx: r.non2xx };
}

async function cluster(work: string) {
  const suffix = randomBytes(4).toString('hex');
  const schema = `tapline_bench_${suffix}`;
  const stream = `TAPLINE_BENCH_${suffix.toUpperCase()}`;
  const sql = postgres(PG_URL, { onnotice: () => {} });
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  try {
    const single = await startChild('single', ['bin/tapline.js', 'serve', '--data', join(work, 'single'), '--port', '0', '--log-level', 'error', '--max-lag', '0'], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
    const consolePort = await freePort();
    const edgePort = await freePort();
    const dev = await startChild('cluster', [
      'bin/tapline.js', 'dev', 'cluster', '--console-port', String(consolePort), '--edge-port', String(edgePort),
      '--log', NATS_URL, '--log-stream', stream, '--store', `${PG_URL}?search_path=${schema}`,
    ], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN, TAPLINE_LOG_LEVEL: 'error' });
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    await until('the cluster to start', async () => (await fetch(`${edgeUrl}/readyz`)).status === 200 && (await fetch(`${consoleUrl}/readyz`)).status === 200);
    const targets: Target[] = [
      { name: 'single process', edgeUrl: single.url, adminUrl: single.url, authorization: await client(single.url, single.url), done: 0 },
      { name: 'cluster', edgeUrl, adminUrl: consoleUrl, authorization: await client(edgeUrl, consoleUrl), done: 0 },
    ];
    const file = join(work, 'batch.json');
    writeFileSync(file, JSON.stringify({ data: Array.from({ length: BATCH }, (_, i) => transaction(SHAPES[i % SHAPES.length]!, `@ID@-${i}`)) }));
    console.log(`2. cluster end to end: wrk -t1 -c${CONNECTIONS}, batches of ${BATCH}, ${DURATION} s of load per run, then until analysis counted everything`);
    const results = new Map<string, Array<Awaited<ReturnType<typeof endToEnd>>>>();
    let non2xx = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      for (const t of targets) {
        const r = await endToEnd(t, file, round === 0 ? 3 : DURATION);
        console.log(`  ${t.name.padEnd(15)} accepted ${r.accepted} (${r.acceptedPerSec.toFixed(0)} tx/s), end to end ${r.endToEndPerSec.toFixed(0)} tx/s (analysis done ${r.drainS.toFixed(1)} s after the load)${r.non2xx ? `, non-2xx ${r.non2xx}` : ''}${round === 0 ? ' (warm-up)' : ''}`);
        if (round > 0) {
          results.set(t.name, [...(results.get(t.name) ?? []), r]);
          non2xx += r.non2xx;
        }
      }
    }
    const e2e = (name: string) => median(results.get(name)!.map((r) => r.endToEndPerSec));
    const acc = (name: string) => median(results.get(name)!.map((r) => r.acceptedPerSec));
    const summary = {
      singleEndToEndPerSec: e2e('single process'),
      clusterEndToEndPerSec: e2e('cluster'),
      ratio: e2e('cluster') / e2e('single process'),
      singleAcceptedPerSec: acc('single process'),
      clusterAcceptedPerSec: acc('cluster'),
      non2xx,
      runs: Object.fromEntries(results),
    };
    console.log(`  cluster / single process, end to end: ${summary.clusterEndToEndPerSec.toFixed(0)} / ${summary.singleEndToEndPerSec.toFixed(0)} tx/s = ${summary.ratio.toFixed(2)}` +
      ` (accepted: ${summary.clusterAcceptedPerSec.toFixed(0)} / ${summary.singleAcceptedPerSec.toFixed(0)} tx/s)\n`);
    await stopChild(dev);
    await stopChild(single);
    return summary;
  } finally {
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
  }
}

async function main(): Promise<number> {
  if (wrkMissing()) return 1;
  const work = mkdtempSync(join(tmpdir(), 'tapline-scale-'));
  try {
    console.log(`# Scale bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}\n`);
    const threads = ONLY === 'cluster' ? null : await edgeThreads(work);
    const clusterResult = ONLY === 'threads' ? null : await cluster(work);
    const dir = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, node: process.version, durationS: DURATION, rounds: ROUNDS, connections: CONNECTIONS, batch: BATCH, threads, cluster: clusterResult }, null, 2));
    console.log(`results: ${file}`);
    return (threads?.single.non2xx ?? 0) + (threads?.batch.non2xx ?? 0) + (clusterResult?.non2xx ?? 0) > 0 ? 2 : 0;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
