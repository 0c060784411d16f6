// Drain bench (see bench/README.md): what analysis costs per transaction, apart from ingestion.
// A `tapline serve --analysis off` takes wrk's batches of the pipeline bench's traffic for a few
// seconds (the fill); then servers with analysis on start on copies of that data directory and
// analyse the whole log (the drains). Reported per drain: microseconds of analysis per
// transaction, each thread's CPU, and the ratio to the fill's microseconds per transaction
// (ingestion alone, the same run's baseline).
// Checkouts given as arguments drain copies of the same log in turn, round after round, so two
// versions of the code compare on the same transactions (default: this checkout only).
//
//   node bench/drain/run.ts [--fill-seconds 6] [--rounds 1] [--callers 0] [checkout ...]
//   env: BENCH_FILL_SECONDS, BENCH_ROUNDS, BENCH_IDS=random|sequential (default random),
//        BENCH_CALLERS (callers drawn at random per transaction, each with a bearer token of its
//        own, so one actor each; default 0: the pipeline traffic's single caller),
//        BENCH_CPU_PROF=<dir> (drains run under --cpu-prof, into <dir>/<drain number>; the analysis
//        thread's profile is the third file; see ../ingest/profile-summary.ts)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SHAPES, transaction } from '../pipeline/traffic.ts';
import { ADMIN_TOKEN, ROOT, accessToken, admin, wrkMissing, idsSetting, median, metricsText, metricValue, positionalArgs, runBench, setting, sleep, startChild, stopChild, threadCpuSeconds, threadCpuText } from '../lib.ts';

const FILL_SECONDS = Math.max(1, setting('fill-seconds', 'BENCH_FILL_SECONDS', 6));
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 1)));
const CALLERS = Math.max(0, Math.round(setting('callers', 'BENCH_CALLERS', 0)));
const IDS = idsSetting();
const CPU_PROF = process.env.BENCH_CPU_PROF || null;
const DRAIN_TIMEOUT_MS = 600_000;
const checkouts = positionalArgs().map((a) => resolve(a));
if (checkouts.length === 0) checkouts.push(ROOT);

const serve = (checkout: string, data: string, extra: string[] = []) =>
  [join(checkout, 'bin/tapline.js'), 'serve', '--data', data, '--port', '0', '--log-level', 'error', ...extra];

/** Fills `data` with FILL_SECONDS of batches; returns the transactions accepted and µs per transaction. */
async function fill(data: string, work: string): Promise<{ transactions: number; usPerTx: number }> {
  const s = await startChild('fill', serve(ROOT, data, ['--analysis', 'off']), { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  try {
    const client = await admin(s.url, '/clients', { name: 'bench' });
    const auth = `Bearer ${await accessToken(s.url, client.clientId, client.secret)}`;
    const file = join(work, 'batch.json');
    const caller = CALLERS > 0 ? '@CALLER@' : undefined;
    writeFileSync(file, JSON.stringify({ data: Array.from({ length: 50 }, (_, i) => transaction(SHAPES[i % SHAPES.length]!, `@ID@-${i}`, caller)) }));
    const args = ['-t1', '-c4', `-d${FILL_SECONDS}s`, '-s', join(ROOT, 'bench/ingest/post.lua'), `${s.url}/api-transactions`, '--', file, `d${randomBytes(3).toString('hex')}`, IDS === 'random' ? 'uuid' : 'ordered', String(CALLERS)];
    const started = Date.now();
    const wrk = spawnSync('wrk', args, { env: { ...process.env, WRK_AUTHORIZATION: auth }, encoding: 'utf8', timeout: (FILL_SECONDS + 60) * 1000 });
    const seconds = (Date.now() - started) / 1000;
    if (wrk.status !== 0) throw new Error(`wrk exited with ${wrk.status}:\n${wrk.stdout}${wrk.stderr}`);
    const transactions = metricValue(await metricsText(s.url), 'tapline_ingest_transactions_total', '{outcome="accepted"}');
    return { transactions, usPerTx: (seconds * 1e6) / transactions };
  } finally {
    await stopChild(s);
  }
}

/** Starts `checkout` with analysis on over a copy of `source`'s log; returns µs per transaction once the lag is 0. */
async function drain(checkout: string, source: string, work: string, n: number): Promise<{ usPerTx: number; threads: string; transactions: number }> {
  // Only the log: each checkout starts its own store, so versions with other store schemas compare too.
  const data = join(work, `drain-${n}`);
  mkdirSync(data);
  execFileSync('cp', [join(source, 'log.db'), data]);
  const args = serve(checkout, data);
  if (CPU_PROF) args.unshift('--cpu-prof', '--cpu-prof-dir', join(CPU_PROF, String(n)));
  const s = await startChild(`drain-${n}`, args, { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  try {
    const started = Date.now();
    const cpuBefore = threadCpuSeconds(s.proc.pid!);
    for (;;) {
      const text = await metricsText(s.url);
      const processed = metricValue(text, 'tapline_analysis_processed_total');
      if (metricValue(text, 'tapline_analysis_lag') === 0 && processed > 0) {
        const seconds = (Date.now() - started) / 1000;
        return { usPerTx: (seconds * 1e6) / processed, threads: threadCpuText(cpuBefore, threadCpuSeconds(s.proc.pid!), seconds), transactions: processed };
      }
      if (Date.now() - started > DRAIN_TIMEOUT_MS) throw new Error(`not drained after ${DRAIN_TIMEOUT_MS / 1000} s (${processed} analysed)`);
      await sleep(200);
    }
  } finally {
    await stopChild(s);
    rmSync(data, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (wrkMissing()) return 1;
  const work = mkdtempSync(join(tmpdir(), 'tapline-drain-'));
  try {
    const source = join(work, 'filled');
    const filled = await fill(source, work);
    console.log(`# Drain bench: ${cpus().length} CPUs, Node ${process.version}; ${IDS} ids, ${CALLERS > 0 ? `${CALLERS} callers` : 'one caller'}; the fill took ${filled.transactions} transactions at ${filled.usPerTx.toFixed(1)} us each (ingestion only, wrk -c4, batches of 50)`);
    const results = new Map<string, number[]>(checkouts.map((c) => [c, []]));
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const checkout of round % 2 === 0 ? checkouts : [...checkouts].reverse()) {
        const r = await drain(checkout, source, work, n++);
        results.get(checkout)!.push(r.usPerTx);
        console.log(`${checkout}: ${r.transactions} transactions analysed at ${r.usPerTx.toFixed(1)} us each (${(r.usPerTx / filled.usPerTx).toFixed(1)}x the fill's); ${r.threads}`);
      }
    }
    if (checkouts.length > 1 || ROUNDS > 1) {
      console.log('\nmedian us of analysis per transaction:');
      for (const [checkout, us] of results) console.log(`  ${checkout}: ${median(us).toFixed(1)}`);
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
