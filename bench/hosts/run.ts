// Hosts bench (see bench/README.md): how fast analysis drains its backlog when every transaction
// comes from a new host (a subdomain per tenant or customer), against traffic spread over the
// pipeline bench's three hosts, in the same run. Each run: a fresh `tapline serve` with five
// applications, wrk posts batches of 50 for a few seconds, then the drop of the analysis lag over
// the next seconds gives the drain rate. Runs alternate (few, many, few, many); medians compared.
//
// After each run it also prints the hosts analysis keeps in memory and the process's resident memory.
//
//   node bench/hosts/run.ts [--load 4] [--measure 8] [--rounds 2]
//   env: BENCH_TAPLINE_ARGS (extra flags for tapline serve, e.g. "--analysis-max-hosts 1000000")
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHAPES, transaction } from '../pipeline/traffic.ts';
import { ADMIN_TOKEN, ROOT, accessToken, admin, wrkMissing, median, metricsText, metricValue, runBench, setting, sleep, startChild, stopChild } from '../lib.ts';

const LOAD_S = Math.max(1, Math.round(setting('load', 'BENCH_LOAD', 4)));
const MEASURE_S = Math.max(2, Math.round(setting('measure', 'BENCH_MEASURE', 8)));
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 2)));

async function drainRate(mode: 'few' | 'many'): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'tapline-hosts-'));
  const extra = (process.env.BENCH_TAPLINE_ARGS ?? '').split(' ').filter(Boolean);
  const t = await startChild(`tapline (${mode} hosts)`, ['bin/tapline.js', 'serve', '--data', work, '--port', '0', '--log-level', 'error', ...extra], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  try {
    const c = await admin(t.url, '/clients', { name: 'bench' });
    for (let a = 0; a < 5; a++) await admin(t.url, '/applications', { name: `app${a}`, hosts: [`*.tenant${a}.example`, `api${a}.example`] });
    const auth = `Bearer ${await accessToken(t.url, c.clientId, c.secret)}`;
    const file = join(work, 'batch.json');
    const items = Array.from({ length: 50 }, (_, i) => {
      const x = transaction(SHAPES[i % SHAPES.length]!, `@ID@-${i}`) as { request: { host: string } };
      if (mode === 'many') x.request.host = `c@ID@-${i}.customers.example`; // a new host per transaction
      return x;
    });
    writeFileSync(file, JSON.stringify({ data: items }));
    const wrk = spawnSync('wrk', ['-t1', '-c4', `-d${LOAD_S}s`, '-s', join(ROOT, 'bench/ingest/post.lua'), `${t.url}/api-transactions`, '--', file, `h${mode}`], { env: { ...process.env, WRK_AUTHORIZATION: auth }, encoding: 'utf8', timeout: (LOAD_S + 60) * 1000 });
    if (wrk.status !== 0) throw new Error(`wrk failed: ${wrk.stderr}`);
    const before = metricValue(await metricsText(t.url), 'tapline_analysis_lag');
    const started = Date.now();
    await sleep(MEASURE_S * 1000);
    const text = await metricsText(t.url);
    const after = metricValue(text, 'tapline_analysis_lag');
    if (after === 0) console.log(`  (${mode}: the backlog ran out before the end; raise --load)`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${t.proc.pid}/status`, 'utf8'))?.[1];
    console.log(`  (${mode}: ${metricValue(text, 'tapline_analysis_processed_total')} analysed, ${metricValue(text, 'tapline_analysis_hosts_in_memory')} hosts in memory, resident memory ${Math.round(Number(rss) / 1024)} MB)`);
    return Math.round((before - after) / ((Date.now() - started) / 1000));
  } finally {
    await stopChild(t);
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(async () => {
  if (wrkMissing()) return 1;
  console.log(`# Hosts bench: analysis drain rate, a new host per transaction vs three hosts (${LOAD_S} s of load, ${MEASURE_S} s measured, ${ROUNDS} round(s))\n`);
  const rates = { few: [] as number[], many: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['few', 'many'] as const) {
      const rate = await drainRate(mode);
      rates[mode].push(rate);
      console.log(`  ${mode === 'few' ? 'three hosts' : 'a new host per transaction'}: ${rate} tx/s analysed`);
    }
  }
  const few = median(rates.few);
  const many = median(rates.many);
  console.log(`\nnew host per transaction / three hosts, analysis drain rate: ${many} / ${few} tx/s = ${(many / few).toFixed(2)}`);
  return 0;
});
