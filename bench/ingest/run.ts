// Ingest bench (see bench/README.md): wrk posts a realistic ~2 KB Edge transaction to
// /api-transaction over 50 keep-alive connections, against Tapline (durability on: the SQLite
// log commits with synchronous=FULL before each 200) and, in the same run, against a bare
// node:http server that only JSON-parses the body. Rounds of two runs alternate their order (bare
// then Tapline, Tapline then bare), and the headline is the median of the rounds' ratios; then the
// same for /api-transactions with 250-item batches.
//
//   node bench/ingest/run.ts [--duration 4] [--rounds 6] [--warmup 2] [--connections 50] [--batch 250] [--timeout 30]
//   env: BENCH_DURATION, BENCH_ROUNDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_BATCH, BENCH_TIMEOUT,
//        BENCH_CPU_PROF=<dir> (run Tapline and the bare server under --cpu-prof, into <dir>/tapline and
//        <dir>/bare; see profile-summary.ts),
//        BENCH_ONLY=single|batch (run one workload only), BENCH_RESULTS_DIR (default bench/results),
//        BENCH_TAPLINE_ARGS="--analysis off" (extra flags for tapline serve)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, ROOT, accessToken, admin, alternatingRounds, cpuSeconds, threadCpuSeconds, threadCpuText, wrkMissing, median, metricsText, metricValue, runBench, setting, sleep, startChild, stopAll, toMs, type Child } from '../lib.ts';

const HERE = new URL('.', import.meta.url).pathname;

// Many short alternating rounds rather than a few long ones: this machine's speed drifts within
// seconds, and a ratio of two runs a few seconds apart is hit by the drift on both sides.
const DURATION = setting('duration', 'BENCH_DURATION', 4);
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 6)));
const WARMUP = setting('warmup', 'BENCH_WARMUP', 2);
const CONNECTIONS = Math.max(1, Math.round(setting('connections', 'BENCH_CONNECTIONS', 50)));
const BATCH = Math.max(1, Math.round(setting('batch', 'BENCH_BATCH', 250)));
/** wrk's per-request timeout: generous, so slow answers are measured rather than dropped. */
const TIMEOUT = setting('timeout', 'BENCH_TIMEOUT', 30);
const CPU_PROF = process.env.BENCH_CPU_PROF || null;
const ONLY = process.env.BENCH_ONLY || null;
if (ONLY !== null && ONLY !== 'single' && ONLY !== 'batch') {
  console.error(`bench: BENCH_ONLY must be "single" or "batch" (got "${ONLY}")`);
  process.exit(1);
}
const IDLE_TIMEOUT_MS = 180_000;
/** With analysis off (edge only), nothing consumes the log: only wait for pending writes. */
const ANALYSIS_OFF = /--analysis[= ]off/.test(process.env.BENCH_TAPLINE_ARGS ?? '');

const b64 = (s: string) => Buffer.from(s).toString('base64');


/** Busy and total jiffies of the whole machine, from /proc/stat (null elsewhere). */
function machineJiffies(): { busy: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3]! - (f[4] ?? 0), total }; // idle and iowait are not busy
  } catch {
    return null;
  }
}


// ---- waiting for Tapline to be idle

/** Waits until Tapline has nothing left to do from earlier runs (analysis caught up). */
async function waitIdle(url: string): Promise<number> {
  const start = Date.now();
  for (;;) {
    const text = await metricsText(url);
    const lag = metricValue(text, 'tapline_analysis_lag');
    const pending = metricValue(text, 'tapline_log_pending_bytes');
    if ((ANALYSIS_OFF || lag === 0) && pending === 0) return Date.now() - start;
    if (Date.now() - start > IDLE_TIMEOUT_MS) throw new Error(`Tapline still ${lag} transactions behind after ${IDLE_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}

// ---- the payload: a realistic ~2 KB Edge-format transaction
function transaction(id: string) {
  const reqBody = JSON.stringify({
    customerId: 'c-80412',
    currency: 'EUR',
    items: [
      { sku: 'SKU-1042', name: 'Wireless mouse', qty: 1, unitPrice: 24.9 },
      { sku: 'SKU-2210', name: 'USB-C hub, 7 ports', qty: 2, unitPrice: 39.5 },
    ],
    shipping: { method: 'express', address: { street: '12 Rue de la Paix', city: 'Paris', postcode: '75002', country: 'FR' } },
    couponCode: null,
  });
  const resBody = JSON.stringify({
    orderId: 'ord_7Q2m9XK4',
    status: 'created',
    total: 103.9,
    currency: 'EUR',
    createdAt: '2024-06-10T08:13:20.123Z',
    links: { self: '/v1/orders/ord_7Q2m9XK4', payment: '/v1/orders/ord_7Q2m9XK4/payment' },
  });
  const header = (name: string, value: string) => `${name}:${b64(value)}`;
  return {
    timestamp: '1718007200.123',
    version: '1.0',
    'transaction-id': id,
    request: {
      'client-ip': '203.0.113.7',
      'http-scheme': 'https',
      'http-version': '1.1',
      'http-method': 'POST',
      'uri-query-fragment': '/v1/orders?source=web&locale=fr-FR',
      host: 'api.shop.example.com',
      connection: { 'connection-ip': '10.0.0.4', 'connection-port': 51544, 'server-ip': '10.0.1.9', 'server-port': 443 },
      headers: [
        header('host', 'api.shop.example.com'),
        header('content-type', 'application/json; charset=utf-8'),
        header('accept', 'application/json'),
        header('user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36'),
        header('authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTgwNDEyIn0.sig'),
        header('x-request-id', '5f0c6f1e-8d7a-4c2b-9a43-2f1d0e6b7c11'),
        header('x-forwarded-for', '203.0.113.7, 10.0.0.2'),
        header('accept-encoding', 'gzip, deflate, br'),
      ],
      body: { length: Buffer.byteLength(reqBody), data: b64(reqBody) },
    },
    response: {
      'status-code': '201',
      headers: [
        header('content-type', 'application/json'),
        header('cache-control', 'no-store'),
        header('location', '/v1/orders/ord_7Q2m9XK4'),
        header('x-ratelimit-remaining', '4987'),
        header('date', 'Mon, 10 Jun 2024 08:13:20 GMT'),
      ],
      body: { length: Buffer.byteLength(resBody), data: b64(resBody) },
    },
    'txn-meta-data': {
      source_info: { version: '1.0.0', type: 'azure-apim', pool_id: 'apim-prod', instance_id: 'apim-prod-1' },
      filter_info: { filter_name: 'all-traffic' },
    },
  };
}

// ---- wrk
interface WrkResult {
  target: string;
  /** Prefix of this run's transaction ids: <nonce>-<thread>-<counter>. */
  nonce: string;
  endpoint: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  durationS: number;
  non2xx: number;
  socketErrors: number;
  /** wrk's "Socket errors" line (timeout: no answer within wrk's 2 s timeout). */
  socketErrorKinds: { connect: number; read: number; write: number; timeout: number } | null;
  /** CPU of the process under load during the run (100 = one core). */
  serverCpuPercent: number | null;
  /** The same per thread (main, log-writer, analysis, V8 ...), e.g. "main 97%, log-writer 21%". */
  serverThreads: string;
  /** CPU of the other server meanwhile (Tapline's background work while the bare server runs). */
  otherCpuPercent: number | null;
  /** The whole machine's busy CPU during the run, percent of all cores. */
  machineBusyPercent: number | null;
  /** CPU of wrk itself (sampled; 100 = one core). */
  wrkCpuPercent: number | null;
  /** CPU used by anything else on the machine (kernel threads, other programs; 100 = one core). */
  elsewhereCpuPercent: number | null;
}


function parseWrk(out: string) {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m ? m[1]! : null;
  };
  const reqPerSec = Number(num(/^Requests\/sec:\s+([\d.]+)/m));
  const p50Ms = toMs(num(/^\s+50%\s+(\S+)/m) ?? '');
  const p99Ms = toMs(num(/^\s+99%\s+(\S+)/m) ?? '');
  const non2xx = Number(num(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const socketErrorKinds = sock ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) } : null;
  const json = num(/^WRK_JSON (.*)$/m);
  const detail = json ? (JSON.parse(json) as { requests: number; durationUs: number }) : null;
  if (!Number.isFinite(reqPerSec) || !Number.isFinite(p50Ms) || !Number.isFinite(p99Ms) || !detail) {
    throw new Error(`cannot read wrk's output:\n${out}`);
  }
  return { reqPerSec, p50Ms, p99Ms, non2xx, socketErrors, socketErrorKinds, requests: detail.requests, durationS: detail.durationUs / 1e6 };
}

let wrkRun = 0;
async function wrk(target: Child, other: Child, endpoint: string, template: string, seconds: number, authorization: string | null): Promise<WrkResult> {
  const nonce = `r${++wrkRun}${randomBytes(3).toString('hex')}`;
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, `--timeout`, `${TIMEOUT}s`, '--latency', '-s', join(HERE, 'post.lua'), `${target.url}${endpoint}`, '--', template, nonce];
  const proc = spawn('wrk', args, { env: { ...process.env, WRK_AUTHORIZATION: authorization ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const cpuBefore = cpuSeconds(target.proc.pid!);
  const threadsBefore = threadCpuSeconds(target.proc.pid!);
  const otherBefore = cpuSeconds(other.proc.pid!);
  const machineBefore = machineJiffies();
  const started = process.hrtime.bigint();
  const killer = setTimeout(() => process.kill(proc.pid!, 'SIGKILL'), (seconds + TIMEOUT + 60) * 1000);
  // wrk's own CPU, sampled (a process's /proc entry is gone once it has exited and been reaped).
  let wrkCpu: { cpu: number; at: bigint } | null = null;
  const sampler = setInterval(() => {
    const cpu = cpuSeconds(proc.pid!);
    if (cpu !== null) wrkCpu = { cpu, at: process.hrtime.bigint() };
  }, 100);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  clearInterval(sampler);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = cpuSeconds(target.proc.pid!);
  const serverThreads = threadCpuText(threadsBefore, threadCpuSeconds(target.proc.pid!), wall);
  const otherAfter = cpuSeconds(other.proc.pid!);
  const machineAfter = machineJiffies();
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  const r = parseWrk(out);
  const pct = (cpu: number, seconds: number) => Math.round((cpu / seconds) * 100);
  const sampled = wrkCpu as { cpu: number; at: bigint } | null;
  const wrkCpuPercent = sampled ? pct(sampled.cpu, Number(sampled.at - started) / 1e9) : null;
  const serverCpuPercent = cpuBefore === null || cpuAfter === null ? null : pct(cpuAfter - cpuBefore, wall);
  const otherCpuPercent = otherBefore === null || otherAfter === null ? null : pct(otherAfter - otherBefore, wall);
  const machineBusyPercent = machineBefore === null || machineAfter === null ? null
    : Math.round(((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) * 100);
  const elsewhereCpuPercent = machineBusyPercent === null || serverCpuPercent === null || otherCpuPercent === null || wrkCpuPercent === null ? null
    : Math.max(0, machineBusyPercent * cpus().length - serverCpuPercent - otherCpuPercent - wrkCpuPercent);
  return {
    target: target.name,
    nonce,
    endpoint,
    ...r,
    serverCpuPercent,
    serverThreads,
    otherCpuPercent,
    machineBusyPercent,
    wrkCpuPercent,
    elsewhereCpuPercent,
  };
}



// ---- main
async function main(): Promise<number> {
  if (wrkMissing()) return 1;
  const work = mkdtempSync(join(tmpdir(), 'tapline-bench-'));
  try {
    const taplineArgs = [
      ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF, 'tapline')}`] : []),
      'bin/tapline.js', 'serve', '--data', join(work, 'data'), '--port', '0', '--log-level', 'error', '--max-lag', '0',
      ...(process.env.BENCH_TAPLINE_ARGS ?? '').split(' ').filter(Boolean),
    ];
    const tapline = await startChild('tapline', taplineArgs, { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
    const bare = await startChild('bare', [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF, 'bare')}`] : []), join(HERE, 'bare-server.ts'), '0']);
    for (let i = 0; (await fetch(`${tapline.url}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) {
      if (i > 400) throw new Error('Tapline never became ready');
      await sleep(25);
    }
    const client = await admin(tapline.url, '/clients', { name: 'bench' });
    const authorization = `Bearer ${await accessToken(tapline.url, client.clientId, client.secret)}`;

    const single = JSON.stringify(transaction('@ID@'));
    const batch = JSON.stringify({ data: Array.from({ length: BATCH }, (_, i) => transaction(`@ID@-${i}`)) });
    const singleFile = join(work, 'single.json');
    const batchFile = join(work, 'batch.json');
    writeFileSync(singleFile, single);
    writeFileSync(batchFile, batch);
    const txnBytes = Buffer.byteLength(single.replace('@ID@', 'r1abcdef-1-1000'));

    console.log(`# Ingest bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
    console.log(`wrk -t1 -c${CONNECTIONS} --timeout ${TIMEOUT}s, ${DURATION} s per run, ${ROUNDS} round(s), ${WARMUP} s warm-up; transaction ${txnBytes} bytes, batch of ${BATCH} = ${Buffer.byteLength(batch)} bytes`);
    console.log(`Tapline: ${tapline.url} (durable SQLite log, --max-lag 0); bare node:http: ${bare.url}\n`);

    const sent = { single: 0, batchRequests: 0 };
    const checkedIds: string[] = [];
    const missingIds: string[] = [];
    let slack = 0;
    const catchUpMs: number[] = [];
    const run = async (target: Child, endpoint: string, file: string, seconds: number, counted: boolean) => {
      await waitIdle(tapline.url); // neither side runs while Tapline still works off an earlier run
      spawnSync('sync'); // nor while the kernel still writes back Tapline's earlier writes
      const isTapline = target === tapline;
      const r = await wrk(target, isTapline ? bare : tapline, endpoint, file, seconds, isTapline ? authorization : null);
      if (isTapline) {
        if (endpoint === '/api-transaction') sent.single += r.requests;
        else sent.batchRequests += r.requests;
        const ms = await waitIdle(tapline.url);
        if (counted) catchUpMs.push(ms);
        // Spot check that the run's transactions were stored: the newest stored one is of this run,
        // and, when the run was long enough, a late request that wrk completed is there too. Ids
        // are <nonce>-<thread>-<counter>; wrk spends counter 1 on a probe it never sends, and
        // ends with up to one request per connection in flight.
        // With analysis off nothing reaches the store: the accepted count is the check then.
        if (!ANALYSIS_OFF) {
          const newest = await admin(tapline.url, '/transactions?limit=1');
          const newestId: string = newest.items[0]?.transactionId ?? '(none)';
          checkedIds.push(newestId);
          if (!newestId.startsWith(`${r.nonce}-`)) missingIds.push(`newest of ${r.nonce} (found ${newestId})`);
          if (r.requests >= 2 * CONNECTIONS) {
            const n = r.requests - CONNECTIONS;
            const id = endpoint === '/api-transaction' ? `${r.nonce}-1-${n}` : `${r.nonce}-1-${n}-${BATCH - 1}`;
            const res = await fetch(`${tapline.url}/api/v1/transactions/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
            await res.arrayBuffer();
            checkedIds.push(id);
            if (res.status !== 200) missingIds.push(id);
          }
        }
        // wrk stops with up to one request per connection in flight: the server may have
        // accepted those without wrk counting them.
        slack += CONNECTIONS * (endpoint === '/api-transaction' ? 1 : BATCH);
      }
      const tag = counted ? '' : ' (warm-up)';
      console.log(`  ${target.name.padEnd(7)} ${endpoint.padEnd(17)} ${r.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  non-2xx ${r.non2xx}${r.socketErrors > 0 ? `  socket errors ${JSON.stringify(r.socketErrorKinds)}` : ''}  CPU (100% = a core): server ${r.serverCpuPercent ?? '?'}%, wrk ${r.wrkCpuPercent ?? '?'}%, other server ${r.otherCpuPercent ?? '?'}%, elsewhere ${r.elsewhereCpuPercent ?? '?'}%${tag}`);
      if (r.serverThreads) console.log(`          threads: ${r.serverThreads}`);
      return r;
    };

    const series = async (endpoint: string, file: string) => {
      if (WARMUP > 0) {
        await run(bare, endpoint, file, WARMUP, false);
        await run(tapline, endpoint, file, WARMUP, false);
      }
      const { runs: results, ratios: roundRatios } = await alternatingRounds(ROUNDS, () => run(bare, endpoint, file, DURATION, true), () => run(tapline, endpoint, file, DURATION, true), (r) => r.reqPerSec);
      const of = (name: string) => results.filter((r) => r.target === name);
      const summary = (rs: WrkResult[]) => ({
        reqPerSec: median(rs.map((r) => r.reqPerSec)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
        socketErrors: rs.reduce((a, r) => a + r.socketErrors, 0),
        serverCpuPercent: rs.every((r) => r.serverCpuPercent !== null) ? median(rs.map((r) => r.serverCpuPercent!)) : null,
      });
      const b = summary(of('bare'));
      const t = summary(of('tapline'));
      // The headline is the median of the rounds' ratios: each compares two runs seconds apart.
      return { endpoint, bare: b, tapline: t, ratio: median(roundRatios), roundRatios, runs: results };
    };

    let singleResult: Awaited<ReturnType<typeof series>> | null = null;
    let batchResult: Awaited<ReturnType<typeof series>> | null = null;
    if (ONLY !== 'batch') {
      console.log('single transactions (POST /api-transaction):');
      singleResult = await series('/api-transaction', singleFile);
    }
    if (ONLY !== 'single') {
      console.log(`batches of ${BATCH} (POST /api-transactions):`);
      batchResult = await series('/api-transactions', batchFile);
    }

    // ---- sanity: Tapline really accepted (and stored) what wrk counted
    await sleep(1_500); // ingestion counters reach the store once a second
    const report = await admin(tapline.url, '/diagnostics/ingestion');
    const mine = (report.items as Array<{ clientId: string; accepted: number; rejected: Record<string, number> }>).filter((i) => i.clientId === 'bench');
    const accepted = mine.reduce((a, i) => a + i.accepted, 0);
    const rejected = mine.reduce((a, i) => a + Object.values(i.rejected).reduce((x, y) => x + y, 0), 0);
    const expected = sent.single + sent.batchRequests * BATCH;
    const sane = accepted >= expected && accepted - expected <= slack && rejected === 0 && missingIds.length === 0;

    // ---- report
    const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
    const rows = [
      '| workload | bare req/s | Tapline req/s | ratio | Tapline p50 | Tapline p99 | bare p50 | bare p99 | Tapline tx/s | non-2xx |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    const row = (label: string, r: NonNullable<typeof singleResult>, perRequest: number) =>
      rows.push(`| ${label} | ${fmt(r.bare.reqPerSec)} | ${fmt(r.tapline.reqPerSec)} | ${r.ratio.toFixed(2)} | ${r.tapline.p50Ms.toFixed(2)} ms | ${r.tapline.p99Ms.toFixed(2)} ms | ${r.bare.p50Ms.toFixed(2)} ms | ${r.bare.p99Ms.toFixed(2)} ms | ${fmt(r.tapline.reqPerSec * perRequest)} | ${r.tapline.non2xx + r.bare.non2xx} |`);
    if (singleResult) row('single, /api-transaction', singleResult, 1);
    if (batchResult) row(`batch of ${BATCH}, /api-transactions`, batchResult, BATCH);
    console.log(`\n${rows.join('\n')}\n`);
    if (singleResult) console.log(`single-transaction ratio (Tapline / bare req/s, median of the rounds): ${singleResult.ratio.toFixed(3)} (goal >= 0.8)`);
    for (const r of [singleResult, batchResult]) {
      if (r) console.log(`ratio per round, ${r.endpoint}: ${r.roundRatios.map((x) => x.toFixed(2)).join(', ')}`);
    }
    if (batchResult) {
      console.log(`batch ratio: ${batchResult.ratio.toFixed(3)}; Tapline ${fmt(batchResult.tapline.reqPerSec * BATCH)} transactions/s in batches of ${BATCH}`);
    }
    for (const r of [singleResult, batchResult]) {
      if (r) console.log(`server CPU, ${r.endpoint} (median of runs, 100% = one core): bare ${r.bare.serverCpuPercent ?? '?'}%, Tapline ${r.tapline.serverCpuPercent ?? '?'}%`);
    }
    console.log(`analysis catch-up after each Tapline run: ${catchUpMs.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}`);
    console.log(`sanity: wrk counted ${fmt(expected)} transactions to Tapline; Tapline reports ${fmt(accepted)} accepted, ${rejected} rejected; ` +
      `${checkedIds.length} spot-checked ids ${missingIds.length === 0 ? 'all stored' : `MISSING: ${missingIds.join(', ')}`} -> ${sane ? 'OK' : 'MISMATCH'}`);
    const errors = [singleResult, batchResult].reduce((a, r) => a + (r ? r.tapline.non2xx + r.bare.non2xx + r.tapline.socketErrors + r.bare.socketErrors : 0), 0);
    if (errors > 0) console.log(`WARNING: ${errors} non-2xx responses or socket errors during counted runs`);
    const noisy = [singleResult, batchResult].flatMap((r) => (r ? r.runs.filter((x) => (x.elsewhereCpuPercent ?? 0) > 25) : []));
    if (noisy.length > 0) {
      console.log(`note: ${noisy.length} counted run(s) shared the machine with other work (CPU elsewhere: ${noisy.map((x) => `${x.elsewhereCpuPercent}%`).join(', ')}; ` +
        'includes kernel writeback of Tapline\'s own disk writes); rerun on a quiet machine for stable numbers');
    }
    const busyBare = [singleResult, batchResult].flatMap((r) => (r ? r.runs.filter((x) => x.target === 'bare' && (x.otherCpuPercent ?? 0) > 10) : []));
    if (busyBare.length > 0) {
      console.log(`note: Tapline used CPU while the bare server was measured (${busyBare.map((x) => `${x.otherCpuPercent}%`).join(', ')}): background work (log purge, pruning) that slows the baseline`);
    }

    const resultsDir = process.env.BENCH_RESULTS_DIR || join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
      config: { durationS: DURATION, rounds: ROUNDS, warmupS: WARMUP, connections: CONNECTIONS, batch: BATCH, timeoutS: TIMEOUT, transactionBytes: txnBytes, batchBytes: Buffer.byteLength(batch) },
      single: singleResult,
      batch: batchResult && { ...batchResult, taplineTransactionsPerSec: batchResult.tapline.reqPerSec * BATCH },
      analysisCatchUpMs: catchUpMs,
      sanity: { wrkTransactions: expected, accepted, rejected, slack, checkedIds, missingIds, ok: sane },
    }, null, 2));
    console.log(`results: ${file}`);
    return sane && errors === 0 ? 0 : 2;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
