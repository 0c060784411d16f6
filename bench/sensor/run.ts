// Sensor bench (see bench/README.md): wrk calls an API (backend.ts, a ~1 KB JSON answer) through
// `tapline sensor` with capture on, and, in the same run and alternating with it, through the same
// sensor build with --capture off (a plain proxy). Two workloads: GET, and POST with a ~1 KB JSON
// body. Reports the req/s ratio on/off (goal at least 0.9: the median of the rounds' ratios) and
// the p99 latency capture adds.
// The capturing sensor forwards to an edge: BENCH_EDGE=tapline (default) a real Tapline
// (`tapline serve` child, durable log), or BENCH_EDGE=sink a minimal edge (sink-edge.ts: token,
// count by a scan, checked by a full parse now and then) so the ratio isolates the sensor's own cost.
//
//   node bench/sensor/run.ts [--duration 4] [--rounds 6] [--warmup 2] [--connections 50] [--timeout 30]
//   env: BENCH_DURATION, BENCH_ROUNDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_TIMEOUT, BENCH_EDGE=tapline|sink,
//        BENCH_ONLY=get|post (one workload only), BENCH_RESULTS_DIR (default bench/results),
//        BENCH_CPU_PROF=<dir> (run both sensors under --cpu-prof, into <dir>/on and <dir>/off; see ../ingest/profile-summary.ts)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, ROOT, admin, alternatingRounds, cpuSeconds, idlePercent, machineCpuTicks, mainThreadStats, threadCpuSeconds, threadCpuText, wrkMissing, median, metricsText, metricValue, runBench, setting, sleep, startChild, stopAll, toMs, type Child } from '../lib.ts';

const HERE = new URL('.', import.meta.url).pathname;

// Many short alternating rounds rather than a few long ones: this machine's speed drifts within
// seconds, and a ratio of two runs a few seconds apart is hit by the drift on both sides.
const DURATION = setting('duration', 'BENCH_DURATION', 4);
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 6)));
const WARMUP = setting('warmup', 'BENCH_WARMUP', 2);
const CONNECTIONS = Math.max(1, Math.round(setting('connections', 'BENCH_CONNECTIONS', 50)));
const TIMEOUT = setting('timeout', 'BENCH_TIMEOUT', 30);
const CPU_PROF = process.env.BENCH_CPU_PROF || null;
const ONLY = process.env.BENCH_ONLY || null;
if (ONLY !== null && ONLY !== 'get' && ONLY !== 'post') {
  console.error(`bench: BENCH_ONLY must be "get" or "post" (got "${ONLY}")`);
  process.exit(1);
}
const EDGE_MODE = process.env.BENCH_EDGE || 'tapline';
if (EDGE_MODE !== 'tapline' && EDGE_MODE !== 'sink') {
  console.error(`bench: BENCH_EDGE must be "tapline" or "sink" (got "${EDGE_MODE}")`);
  process.exit(1);
}
const DRAIN_TIMEOUT_MS = 120_000;




// ---- Tapline

/**
 * Waits until Tapline has accepted at least `expected` transactions (the capturing sensor's
 * forwarder has flushed) and has nothing left to do (analysis caught up, log durable), so no run
 * is measured while the previous one is still being forwarded or ingested. Returns the wait in ms.
 */
async function waitTaplineDrained(url: string, expected: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const text = await metricsText(url);
    const accepted = metricValue(text, 'tapline_ingest_transactions_total', '{outcome="accepted"}');
    const lag = metricValue(text, 'tapline_analysis_lag');
    const pending = metricValue(text, 'tapline_log_pending_bytes');
    if (accepted >= expected && lag === 0 && pending === 0) return Date.now() - start;
    if (Date.now() - start > DRAIN_TIMEOUT_MS) {
      throw new Error(`after ${DRAIN_TIMEOUT_MS / 1000} s Tapline has accepted ${accepted} of ${expected} captures (analysis lag ${lag})`);
    }
    await sleep(100);
  }
}

// ---- the sink edge (sink-edge.ts)

interface SinkStats { accepted: number; rejected: number; batches: number; bytes: number; checked: number; mismatches: number }

async function sinkStats(url: string): Promise<SinkStats> {
  return (await fetch(`${url}/stats`)).json() as Promise<SinkStats>;
}

/** Waits until the sink has counted at least `expected` transactions. Returns the wait in ms. */
async function waitSinkDrained(url: string, expected: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const { accepted } = await sinkStats(url);
    if (accepted >= expected) return Date.now() - start;
    if (Date.now() - start > DRAIN_TIMEOUT_MS) throw new Error(`after ${DRAIN_TIMEOUT_MS / 1000} s the sink edge has counted ${accepted} of ${expected} captures`);
    await sleep(50);
  }
}

// ---- wrk
interface WrkResult {
  capture: 'on' | 'off';
  workload: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** CPU of the sensor under load during the run (100 = one core). */
  sensorCpuPercent: number | null;
  /** The same per thread of the sensor (main: the proxy; capture: serializing and forwarding). */
  sensorThreads: string;
  /** The proxy's thread per call: user and system CPU (µs), and how often it was preempted. */
  proxyPerCall: { userUs: number; systemUs: number; preempted: number } | null;
  /** CPU of the backend, and of the edge (Tapline or the sink, receiving the captures), meanwhile. */
  backendCpuPercent: number | null;
  edgeCpuPercent: number | null;
  /**
   * The machine's CPU left idle during the run (0 to 100): when the sensor's thread is not busy
   * yet the machine is idle, the proxy waits on the chain (wrk, backend, edge) rather than on CPU.
   */
  machineIdlePercent: number | null;
}


async function wrk(capture: 'on' | 'off', sensor: Child, others: { backend: Child; edge: Child }, workload: Workload, seconds: number): Promise<WrkResult> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', `${TIMEOUT}s`, '--latency', '-s', join(HERE, 'post.lua'), `${sensor.url}${workload.path}`, '--', workload.bodyFile ?? ''];
  const proc = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const pids = [sensor.proc.pid!, others.backend.proc.pid!, others.edge.proc.pid!];
  const before = pids.map(cpuSeconds);
  const threadsBefore = threadCpuSeconds(sensor.proc.pid!);
  const mainBefore = mainThreadStats(sensor.proc.pid!);
  const machineBefore = machineCpuTicks();
  const started = process.hrtime.bigint();
  const killer = setTimeout(() => process.kill(proc.pid!, 'SIGKILL'), (seconds + TIMEOUT + 60) * 1000);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const after = pids.map(cpuSeconds);
  const machineIdle = idlePercent(machineBefore, machineCpuTicks());
  const sensorThreads = threadCpuText(threadsBefore, threadCpuSeconds(sensor.proc.pid!), wall);
  const mainAfter = mainThreadStats(sensor.proc.pid!);
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  const pct = (i: number) => (before[i] === null || after[i] === null ? null : Math.round(((after[i]! - before[i]!) / wall) * 100));

  const reqPerSec = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1]);
  const p50Ms = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99Ms = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const json = /^WRK_JSON (.*)$/m.exec(out)?.[1];
  if (!Number.isFinite(reqPerSec) || !Number.isFinite(p50Ms) || !Number.isFinite(p99Ms) || !json) throw new Error(`cannot read wrk's output:\n${out}`);
  const detail = JSON.parse(json) as { requests: number; errors: { connect: number; read: number; write: number; timeout: number } };
  const e = detail.errors;
  const calls = Math.max(1, detail.requests);
  const proxyPerCall = mainBefore && mainAfter
    ? { userUs: ((mainAfter.user - mainBefore.user) * 1e6) / calls, systemUs: ((mainAfter.system - mainBefore.system) * 1e6) / calls, preempted: (mainAfter.preempted - mainBefore.preempted) / calls }
    : null;
  return {
    capture,
    workload: workload.name,
    reqPerSec,
    p50Ms,
    p99Ms,
    requests: detail.requests,
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: e.connect + e.read + e.write + e.timeout,
    sensorCpuPercent: pct(0),
    sensorThreads,
    proxyPerCall,
    backendCpuPercent: pct(1),
    edgeCpuPercent: pct(2),
    machineIdlePercent: machineIdle,
  };
}

const medianOrNull = (xs: Array<number | null>) => (xs.every((x) => x !== null) && xs.length > 0 ? median(xs as number[]) : null);


// ---- the workloads
interface Workload {
  name: string;
  path: string;
  bodyFile: string | null;
}

/** A ~1 KB JSON request body, as a client creating an order would send. */
function orderBody(): string {
  return JSON.stringify({
    customerId: 'cus_1842',
    currency: 'EUR',
    items: Array.from({ length: 6 }, (_, i) => ({ sku: `SKU-${2000 + i}`, name: `Item number ${i}`, quantity: (i % 3) + 1, unitPrice: 9.9 + i })),
    shipping: { method: 'express', address: { street: '12 Rue de la Paix', city: 'Paris', postcode: '75002', country: 'FR' } },
    contact: { email: 'ada@example.com', phone: '+33 1 23 45 67 89' },
    notes: 'Leave the parcel with the concierge if nobody answers. '.repeat(4),
    couponCode: null,
  });
}

// ---- main
async function main(): Promise<number> {
  if (wrkMissing()) return 1;
  const work = mkdtempSync(join(tmpdir(), 'tapline-bench-sensor-'));
  try {
    const edge = EDGE_MODE === 'tapline'
      ? await startChild('tapline', ['bin/tapline.js', 'serve', '--data', join(work, 'data'), '--port', '0', '--log-level', 'error', '--max-lag', '0'],
        { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN })
      : await startChild('sink edge', [join(HERE, 'sink-edge.ts'), '0']);
    const backend = await startChild('backend', [join(HERE, 'backend.ts'), '0']);
    for (let i = 0; (await fetch(`${edge.url}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) {
      if (i > 400) throw new Error('the edge never became ready');
      await sleep(25);
    }
    const client = EDGE_MODE === 'tapline' ? await admin(edge.url, '/clients', { name: 'bench-sensor' }) : { clientId: 'bench-sensor', secret: 'bench-sink-secret' };
    const clientId: string = client.clientId;
    const waitDrained = (expected: number) => (EDGE_MODE === 'tapline' ? waitTaplineDrained(edge.url, expected) : waitSinkDrained(edge.url, expected));
    const sensorArgs = (capture: 'on' | 'off') => [
      ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}/${capture}`] : []),
      'bin/tapline.js', 'sensor', '--listen', '127.0.0.1:0', '--upstream', backend.url, '--edge', edge.url,
      '--client-id', clientId, '--capture', capture, '--spool', join(work, `spool-${capture}`),
    ];
    // The secret goes through the environment, as the sensor's help recommends.
    const env = { ...process.env, TAPLINE_SENSOR_CLIENT_SECRET: client.secret as string };
    const sensors = { off: await startChild('sensor (capture off)', sensorArgs('off'), env), on: await startChild('sensor (capture on)', sensorArgs('on'), env) };

    const bodyFile = join(work, 'order.json');
    const body = orderBody();
    writeFileSync(bodyFile, body);
    const responseBytes = (await (await fetch(`${backend.url}/v1/orders/ord_7d2f9c`)).arrayBuffer()).byteLength;
    const workloads: Workload[] = [
      ...(ONLY !== 'post' ? [{ name: 'GET', path: '/v1/orders/ord_7d2f9c?expand=items', bodyFile: null }] : []),
      ...(ONLY !== 'get' ? [{ name: 'POST', path: '/v1/orders', bodyFile }] : []),
    ];

    console.log(`# Sensor bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
    console.log(`wrk -t1 -c${CONNECTIONS} --latency --timeout ${TIMEOUT}s, ${DURATION} s per run, ${ROUNDS} round(s) of capture off + on, ${WARMUP} s warm-up; ` +
      `response ${responseBytes} bytes, POST body ${Buffer.byteLength(body)} bytes`);
    console.log(`backend ${backend.url}; sensors: capture off ${sensors.off.url}, capture on ${sensors.on.url} -> ` +
      `${EDGE_MODE === 'tapline' ? `Tapline ${edge.url} (durable log)` : `sink edge ${edge.url} (parse and count only)`} [BENCH_EDGE=${EDGE_MODE}]\n`);

    /** Calls wrk completed through the capturing sensor (warm-ups included): each is a capture. */
    let throughOn = 0;
    let onRuns = 0;
    const drainMs: number[] = [];
    const run = async (capture: 'on' | 'off', workload: Workload, seconds: number, counted: boolean) => {
      await waitDrained(throughOn); // no run while the edge still ingests an earlier one
      const r = await wrk(capture, sensors[capture], { backend, edge }, workload, seconds);
      if (capture === 'on') {
        throughOn += r.requests;
        onRuns++;
        const ms = await waitDrained(throughOn);
        if (counted) drainMs.push(ms);
      }
      console.log(`  ${workload.name.padEnd(4)} capture ${capture.padEnd(3)} ${r.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms` +
        `  non-2xx ${r.non2xx}${r.socketErrors ? `  socket errors ${r.socketErrors}` : ''}` +
        `  CPU (100% = a core): sensor ${r.sensorCpuPercent ?? '?'}%, backend ${r.backendCpuPercent ?? '?'}%, ${EDGE_MODE === 'tapline' ? 'Tapline' : 'sink'} ${r.edgeCpuPercent ?? '?'}%, machine idle ${r.machineIdlePercent ?? '?'}%${counted ? '' : ' (warm-up)'}`);
      const p = r.proxyPerCall;
      if (r.sensorThreads) console.log(`       sensor threads: ${r.sensorThreads}${p ? `; proxy thread per call: user ${p.userUs.toFixed(0)} µs, system ${p.systemUs.toFixed(0)} µs, preempted ${p.preempted.toFixed(2)} times` : ''}`);
      return r;
    };

    const summaries = [];
    const allRuns: WrkResult[] = [];
    for (const workload of workloads) {
      console.log(`${workload.name} ${workload.path}:`);
      if (WARMUP > 0) {
        await run('off', workload, WARMUP, false);
        await run('on', workload, WARMUP, false);
      }
      const { runs, ratios: roundRatios } = await alternatingRounds(ROUNDS, () => run('off', workload, DURATION, true), () => run('on', workload, DURATION, true), (r) => r.reqPerSec);
      allRuns.push(...runs);
      const summary = (rs: WrkResult[]) => ({
        reqPerSec: median(rs.map((r) => r.reqPerSec)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        sensorCpuPercent: medianOrNull(rs.map((r) => r.sensorCpuPercent)),
        edgeCpuPercent: medianOrNull(rs.map((r) => r.edgeCpuPercent)),
        machineIdlePercent: medianOrNull(rs.map((r) => r.machineIdlePercent)),
        /** Sensor CPU milliseconds per 1,000 calls: the cost of a call independent of throughput. */
        sensorCpuMsPer1k: medianOrNull(rs.map((r) => (r.sensorCpuPercent === null ? null : (r.sensorCpuPercent * 10) / (r.reqPerSec / 1000)))),
        proxyUserUs: medianOrNull(rs.map((r) => r.proxyPerCall?.userUs ?? null)),
        proxySystemUs: medianOrNull(rs.map((r) => r.proxyPerCall?.systemUs ?? null)),
        proxyPreempted: medianOrNull(rs.map((r) => r.proxyPerCall?.preempted ?? null)),
      });
      const off = summary(runs.filter((r) => r.capture === 'off'));
      const on = summary(runs.filter((r) => r.capture === 'on'));
      // The headline is the median of the rounds' ratios: each compares two runs seconds apart.
      summaries.push({
        workload: workload.name, path: workload.path, off, on, ratio: median(roundRatios), roundRatios,
        addedP50Ms: on.p50Ms - off.p50Ms, addedP99Ms: on.p99Ms - off.p99Ms,
      });
    }

    const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
    // ---- sanity: every call through the capturing sensor reached the edge as one transaction
    let accepted: number;
    let rejected: number;
    let sinkCheck = '';
    let sinkMismatches = 0;
    if (EDGE_MODE === 'tapline') {
      await sleep(1_500); // the ingestion report's counters reach the store once a second
      const report = await admin(edge.url, '/diagnostics/ingestion');
      const mine = (report.items as Array<{ clientId: string; accepted: number; rejected: Record<string, number> }>).filter((i) => i.clientId === clientId);
      accepted = mine.reduce((a, i) => a + i.accepted, 0);
      rejected = mine.reduce((a, i) => a + Object.values(i.rejected).reduce((x, y) => x + y, 0), 0);
    } else {
      const stats = await sinkStats(edge.url);
      ({ accepted, rejected } = stats);
      sinkMismatches = stats.mismatches;
      sinkCheck = `; the sink parsed ${fmt(stats.checked)} of its ${fmt(stats.batches)} batches in full: ${stats.mismatches} differed from its count`;
    }
    // wrk stops with up to one call per connection in flight: the sensor completes (and captures)
    // those without wrk counting them.
    const slack = CONNECTIONS * onRuns;
    const sane = accepted >= throughOn && accepted - throughOn <= slack && rejected === 0 && sinkMismatches === 0;
    const errors = allRuns.reduce((a, r) => a + r.non2xx + r.socketErrors, 0);

    // ---- report
    const cpu = (n: number | null) => (n === null ? '?' : `${n}%`);
    const rows = [
      '| workload | off req/s | on req/s | ratio on/off | off p50 | on p50 | off p99 | on p99 | added p99 | sensor CPU off / on | sensor CPU ms per 1k calls off / on |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...summaries.map((s) => `| ${s.workload} | ${fmt(s.off.reqPerSec)} | ${fmt(s.on.reqPerSec)} | ${s.ratio.toFixed(2)} | ${s.off.p50Ms.toFixed(2)} ms | ${s.on.p50Ms.toFixed(2)} ms | ` +
        `${s.off.p99Ms.toFixed(2)} ms | ${s.on.p99Ms.toFixed(2)} ms | ${s.addedP99Ms >= 0 ? '+' : ''}${s.addedP99Ms.toFixed(2)} ms | ${cpu(s.off.sensorCpuPercent)} / ${cpu(s.on.sensorCpuPercent)} | ` +
        `${s.off.sensorCpuMsPer1k?.toFixed(0) ?? '?'} / ${s.on.sensorCpuMsPer1k?.toFixed(0) ?? '?'} |`),
    ];
    console.log(`\n${rows.join('\n')}\n`);
    const worst = summaries.reduce((a, s) => (s.ratio < a.ratio ? s : a));
    console.log(`capture on / off req/s ratio: ${worst.ratio.toFixed(3)} (lowest, ${worst.workload}; goal >= 0.9); ` +
      summaries.map((s) => `${s.workload} ${s.ratio.toFixed(3)}, capture adds ${s.addedP99Ms.toFixed(2)} ms at p99`).join('; '));
    const offOn = (a: number | null, b: number | null, digits: number) => `${a?.toFixed(digits) ?? '?'} / ${b?.toFixed(digits) ?? '?'}`;
    for (const s of summaries) {
      console.log(`${s.workload} proxy thread per call (medians), off / on: user ${offOn(s.off.proxyUserUs, s.on.proxyUserUs, 0)} µs, ` +
        `system ${offOn(s.off.proxySystemUs, s.on.proxySystemUs, 0)} µs, preempted ${offOn(s.off.proxyPreempted, s.on.proxyPreempted, 2)} times`);
    }
    console.log(`ratio per round (the headline is their median): ${summaries.map((s) => `${s.workload} ${s.roundRatios.map((r) => r.toFixed(2)).join(', ')}`).join('; ')}`);
    console.log(`${EDGE_MODE === 'tapline' ? 'Tapline' : 'sink edge'} CPU while the capturing sensor ran (median, competes for the same cores): ${summaries.map((s) => `${s.workload} ${cpu(s.on.edgeCpuPercent)}`).join(', ')}`);
    console.log(`forwarder drain after each counted capture-on run: ${drainMs.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}`);
    console.log(`sanity: wrk completed ${fmt(throughOn)} calls through the capturing sensor (warm-ups included); ${EDGE_MODE === 'tapline' ? 'Tapline' : 'the sink edge'} accepted ${fmt(accepted)} from it, ` +
      `${rejected} rejected (allowed: up to ${slack} more, in flight when wrk stopped)${sinkCheck} -> ${sane ? 'OK' : 'MISMATCH'}`);
    if (errors > 0) console.log(`WARNING: ${errors} non-2xx responses or socket errors during counted runs`);

    const resultsDir = process.env.BENCH_RESULTS_DIR || join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `sensor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
      edge: EDGE_MODE,
      config: { durationS: DURATION, rounds: ROUNDS, warmupS: WARMUP, connections: CONNECTIONS, timeoutS: TIMEOUT, responseBytes, postBodyBytes: Buffer.byteLength(body) },
      workloads: summaries,
      ratio: worst.ratio,
      runs: allRuns,
      forwarderDrainMs: drainMs,
      sanity: { throughCapturingSensor: throughOn, accepted, rejected, slack, ok: sane },
    }, null, 2));
    console.log(`results: ${file}`);
    return sane && errors === 0 ? 0 : 2;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
