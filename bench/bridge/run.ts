// Bridge bench (see bench/README.md): end-to-end throughput of capture -> bridge -> edge against
// capture -> edge directly, in the same run. wrk posts batches of realistic transactions (with
// personal data for the bridge to mask) for a fixed time; a run ends when Tapline has accepted
// everything wrk got a 200 for, so the bridge's rate includes filtering, masking and forwarding.
// Rounds alternate direct and bridged runs; medians are compared (goal: ratio at least 0.7).
//
//   node bench/bridge/run.ts [--duration 10] [--rounds 2] [--connections 16] [--batch 50]
//   env: BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_BATCH, BENCH_RESULTS_DIR
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, ROOT, accessToken, admin, hasWrk, median, runBench, setting, sleep, startChild, stopAll, type Child } from '../lib.ts';

const DURATION = setting('duration', 'BENCH_DURATION', 10);
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 2)));
const CONNECTIONS = Math.max(1, Math.round(setting('connections', 'BENCH_CONNECTIONS', 16)));
const BATCH = Math.max(1, Math.round(setting('batch', 'BENCH_BATCH', 50)));
const POST_LUA = join(ROOT, 'bench/ingest/post.lua');
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

async function accepted(tapline: Child, clientId: string): Promise<number> {
  const rows = (await admin(tapline.url, '/diagnostics/ingestion')).items as Array<{ clientId: string; accepted: number }>;
  return rows.filter((r) => r.clientId === clientId).reduce((n, r) => n + (r.accepted ?? 0), 0);
}

let runNo = 0;
/** One timed run against `target`; returns transactions per second counted until Tapline accepted them all. */
async function run(target: string, authorization: string, file: string, tapline: Child, countAs: string): Promise<{ perSec: number; sent: number; drainMs: number }> {
  const before = await accepted(tapline, countAs);
  const nonce = `b${++runNo}${randomBytes(2).toString('hex')}`;
  const proc = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--timeout', '30s', '-s', POST_LUA, `${target}/api-transactions`, '--', file, nonce], { env: { ...process.env, WRK_AUTHORIZATION: authorization }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const expected = before + (requests.requests - CONNECTIONS) * BATCH;
  for (;;) {
    const n = await accepted(tapline, countAs);
    if (n >= expected) return { perSec: Math.round((n - before) / ((Date.now() - started) / 1000)), sent: n - before, drainMs: Date.now() - wrkEnded };
    if (Date.now() - wrkEnded > 300_000) throw new Error(`only ${n - before} of ${expected - before} transactions reached Tapline`);
    await sleep(100);
  }
}

async function main(): Promise<number> {
  if (!hasWrk()) {
    console.error('bench: wrk is not installed (apt-get install wrk)');
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'tapline-bridge-bench-'));
  try {
    const tapline = await startChild('tapline', ['bin/tapline.js', 'serve', '--data', join(work, 'tapline'), '--port', '0', '--log-level', 'error', '--analysis', 'off'], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
    const capture = await admin(tapline.url, '/clients', { name: 'capture' });
    const bridgeClient = await admin(tapline.url, '/clients', { name: 'bridge' });
    const bridge = await startChild('bridge', [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), 'bin/tapline.js', 'bridge', '--listen', '127.0.0.1:0', '--edge', tapline.url, '--client-id', 'bridge', '--data', join(work, 'bridge')], { ...process.env, TAPLINE_BRIDGE_CLIENT_SECRET: bridgeClient.secret });
    const authorization = `Bearer ${await accessToken(tapline.url, 'capture', capture.secret)}`;
    const file = join(work, 'batch.json');
    writeFileSync(file, JSON.stringify({ data: Array.from({ length: BATCH }, (_, i) => transaction(`@ID@-${i}`, i)) }));
    console.log(`# Bridge bench: ${cpus().length} CPUs, Node ${process.version}; wrk -t1 -c${CONNECTIONS}, batches of ${BATCH}, ${DURATION} s per run, ${ROUNDS} round(s) + warm-up`);
    console.log('Tapline runs with --analysis off: both paths are measured up to its edge accepting the transactions.\n');
    const direct: number[] = [];
    const bridged: Array<{ perSec: number; drainMs: number }> = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const d = await run(tapline.url, authorization, file, tapline, 'capture');
      const b = await run(bridge.url, authorization, file, tapline, 'bridge');
      const tag = round === 0 ? ' (warm-up)' : '';
      console.log(`direct ${String(d.perSec).padStart(7)} tx/s   via bridge ${String(b.perSec).padStart(7)} tx/s (forwarding finished ${b.drainMs} ms after wrk)${tag}`);
      if (round > 0) {
        direct.push(d.perSec);
        bridged.push(b);
      }
    }
    const ratio = Math.round((median(bridged.map((b) => b.perSec)) / median(direct)) * 100) / 100;
    const summary = { connections: CONNECTIONS, batch: BATCH, durationS: DURATION, directPerSec: median(direct), bridgedPerSec: median(bridged.map((b) => b.perSec)), ratio, runs: { direct, bridged } };
    console.log(`\nvia bridge / direct: ${summary.bridgedPerSec} / ${summary.directPerSec} tx/s = ${ratio} (goal >= 0.7)`);
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
