// Bridge bench (see bench/README.md): end-to-end throughput of capture -> bridge -> edge against
// capture -> edge directly, in the same run. wrk posts realistic transactions (with personal data
// for the bridge to mask) for a fixed time; a run ends when Tapline has accepted everything wrk got
// a 200 for, so the bridge's rate includes filtering, masking and forwarding. Two workloads:
// single transactions to /api-transaction, as the APIM policy sends them (one per API call), and
// batches to /api-transactions, as the sensor's forwarder sends them. Rounds alternate direct and
// bridged runs; medians are compared (goal: ratio at least 0.7). Each run prints the CPU per
// transaction of Tapline and of the bridge, and their busiest threads.
//
//   node bench/bridge/run.ts [--duration 10] [--rounds 2] [--connections 16] [--batch 50]
//   env: BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_BATCH, BENCH_ONLY=single|batch,
//        BENCH_RESULTS_DIR, BENCH_CPU_PROF=<dir> (Tapline and the bridge run under --cpu-prof, into
//        <dir>/tapline and <dir>/bridge; see ../ingest/profile-summary.ts)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, ROOT, accessToken, admin, cpuSeconds, wrkMissing, median, metricsText, metricValue, runBench, setting, sleep, startChild, stopAll, threadCpuSeconds, threadCpuText, type Child } from '../lib.ts';

const DURATION = setting('duration', 'BENCH_DURATION', 10);
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 2)));
const CONNECTIONS = Math.max(1, Math.round(setting('connections', 'BENCH_CONNECTIONS', 16)));
const BATCH = Math.max(1, Math.round(setting('batch', 'BENCH_BATCH', 50)));
const POST_LUA = join(ROOT, 'bench/ingest/post.lua');
const ONLY = process.env.BENCH_ONLY || null;
if (ONLY !== null && ONLY !== 'single' && ONLY !== 'batch') {
  console.error(`bench: BENCH_ONLY must be "single" or "batch" (got "${ONLY}")`);
  process.exit(1);
}

/** A workload: where wrk posts, the body template, and how many transactions one request carries. */
interface Workload {
  name: 'single' | 'batch';
  path: string;
  file: string;
  perRequest: number;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

function transaction(id: string, i: number) {
  const response = JSON.stringify({ id: i, customer: { name: 'Ada Lovelace', email: 'ada.lovelace@example.org', phone: '+1 415-555-2671' }, card: { number: '4111 1111 1111 1111', expiry: '12/29' }, items: [{ sku: 'A-1', qty: 2, price: 12.5 }] });
  const request = JSON.stringify({ sku: 'A-1', quantity: 2, note: 'leave at the door' });
  return {
    timestamp: '1718000000.123',
    'transaction-id': id,
    request: {
      'client-ip': '203.0.113.7', 'http-method': 'POST', 'uri-query-fragment': `/v1/orders?ref=${i}`, host: 'shop.example',
      connection: { 'connection-ip': '10.0.0.4', 'server-ip': '10.0.1.9', 'server-port': 443 },
      headers: [`content-type:${b64('application/json')}`, `user-agent:${b64('Mozilla/5.0')}`],
      body: { length: request.length, data: b64(request) },
    },
    response: { 'status-code': '201', headers: [`content-type:${b64('application/json')}`], body: { length: response.length, data: b64(response) } },
    'txn-meta-data': { source_info: { type: 'bench' } },
  };
}

/**
 * Transactions Tapline's edge accepted since it started, from /metrics (counted as each request is
 * answered; the per-client diagnostics are written once a second). Runs never overlap, so the
 * total tells when a run's transactions have all arrived.
 */
async function accepted(tapline: Child): Promise<number> {
  return metricValue(await metricsText(tapline.url), 'tapline_ingest_transactions_total', '{outcome="accepted"}');
}

let runNo = 0;

/** CPU µs per transaction of each process in `procs` between two readings, and the busiest threads. */
function cpuReport(procs: Child[], before: Array<{ cpu: number | null; threads: Map<string, number> }>, transactions: number, seconds: number): string {
  return procs
    .map((p, i) => {
      const cpu = cpuSeconds(p.proc.pid!);
      const used = cpu === null || before[i]!.cpu === null ? null : cpu - before[i]!.cpu!;
      const perTx = used === null ? '?' : ((used * 1e6) / transactions).toFixed(1);
      return `${p.name} ${perTx} µs/tx (${threadCpuText(before[i]!.threads, threadCpuSeconds(p.proc.pid!), seconds)})`;
    })
    .join('; ');
}

/** One timed run against `target`; returns transactions per second counted until Tapline accepted them all. */
async function run(target: string, authorization: string, w: Workload, tapline: Child, procs: Child[]): Promise<{ perSec: number; sent: number; drainMs: number; cpu: string }> {
  const before = await accepted(tapline);
  const cpuBefore = procs.map((p) => ({ cpu: cpuSeconds(p.proc.pid!), threads: threadCpuSeconds(p.proc.pid!) }));
  const nonce = `b${++runNo}${randomBytes(2).toString('hex')}`;
  const proc = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--timeout', '30s', '-s', POST_LUA, `${target}${w.path}`, '--', w.file, nonce, 'uuid'], { env: { ...process.env, WRK_AUTHORIZATION: authorization }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  const wrkEnded = Date.now();
  const requests = JSON.parse(/^WRK_JSON (.*)$/m.exec(out)![1]!) as { requests: number; errors: { status: number } };
  if (requests.errors.status > 0) throw new Error(`${requests.errors.status} non-2xx answers from ${target}`);
  // wrk may stop with a request per connection in flight: those count as long as they arrive.
  const expected = before + (requests.requests - CONNECTIONS) * w.perRequest;
  for (;;) {
    const n = await accepted(tapline);
    if (n >= expected) {
      const seconds = (Date.now() - started) / 1000;
      return { perSec: Math.round((n - before) / seconds), sent: n - before, drainMs: Date.now() - wrkEnded, cpu: cpuReport(procs, cpuBefore, n - before, seconds) };
    }
    if (Date.now() - wrkEnded > 300_000) throw new Error(`only ${n - before} of ${expected - before} transactions reached Tapline`);
    await sleep(100);
  }
}

async function main(): Promise<number> {
  if (wrkMissing()) return 1;
  const work = mkdtempSync(join(tmpdir(), 'tapline-bridge-bench-'));
  try {
    const profile = (name: string) => (process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, name)}`] : []);
    const tapline = await startChild('tapline', [...profile('tapline'), 'bin/tapline.js', 'serve', '--data', join(work, 'tapline'), '--port', '0', '--log-level', 'error', '--analysis', 'off'], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
    const capture = await admin(tapline.url, '/clients', { name: 'capture' });
    const bridgeClient = await admin(tapline.url, '/clients', { name: 'bridge' });
    const bridge = await startChild('bridge', [...profile('bridge'), 'bin/tapline.js', 'bridge', '--listen', '127.0.0.1:0', '--edge', tapline.url, '--client-id', 'bridge', '--data', join(work, 'bridge')], { ...process.env, TAPLINE_BRIDGE_CLIENT_SECRET: bridgeClient.secret });
    const authorization = `Bearer ${await accessToken(tapline.url, 'capture', capture.secret)}`;
    const workloads: Workload[] = [];
    if (ONLY !== 'batch') {
      const file = join(work, 'single.json');
      writeFileSync(file, JSON.stringify(transaction('@ID@', 0)));
      workloads.push({ name: 'single', path: '/api-transaction', file, perRequest: 1 });
    }
    if (ONLY !== 'single') {
      const file = join(work, 'batch.json');
      writeFileSync(file, JSON.stringify({ data: Array.from({ length: BATCH }, (_, i) => transaction(`@ID@-${i}`, i)) }));
      workloads.push({ name: 'batch', path: '/api-transactions', file, perRequest: BATCH });
    }
    console.log(`# Bridge bench: ${cpus().length} CPUs, Node ${process.version}; wrk -t1 -c${CONNECTIONS}, ${DURATION} s per run, ${ROUNDS} round(s) + warm-up per workload; random transaction ids`);
    console.log('Tapline runs with --analysis off: both paths are measured up to its edge accepting the transactions.');
    const summary: Record<string, unknown> = { connections: CONNECTIONS, batch: BATCH, durationS: DURATION };
    const lines: string[] = [];
    for (const w of workloads) {
      console.log(`\n## ${w.name === 'single' ? 'single transactions to /api-transaction (as the APIM policy sends)' : `batches of ${BATCH} to /api-transactions (as the sensor's forwarder sends)`}`);
      const direct: number[] = [];
      const bridged: number[] = [];
      for (let round = 0; round <= ROUNDS; round++) {
        const d = await run(tapline.url, authorization, w, tapline, [tapline]);
        const b = await run(bridge.url, authorization, w, tapline, [tapline, bridge]);
        const tag = round === 0 ? ' (warm-up)' : '';
        console.log(`direct ${String(d.perSec).padStart(7)} tx/s   via bridge ${String(b.perSec).padStart(7)} tx/s (the last transactions arrived ${d.drainMs} and ${b.drainMs} ms after wrk stopped)${tag}`);
        console.log(`  CPU direct: ${d.cpu}\n  CPU bridged: ${b.cpu}`);
        if (round > 0) {
          direct.push(d.perSec);
          bridged.push(b.perSec);
        }
      }
      const ratio = Math.round((median(bridged) / median(direct)) * 100) / 100;
      summary[w.name] = { directPerSec: median(direct), bridgedPerSec: median(bridged), ratio, runs: { direct, bridged } };
      lines.push(`${w.name.padEnd(6)}: via bridge / direct: ${median(bridged)} / ${median(direct)} tx/s = ${ratio} (goal >= 0.7)`);
    }
    console.log(`\n${lines.join('\n')}`);
    const dir = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `bridge-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(summary, null, 2));
    return 0;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
