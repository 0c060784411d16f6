// Smoke tests of the benches (bench/ingest, bench/sensor): a very short run must complete, find
// Tapline's accepted count consistent with wrk's, and print the ratio line. It measures nothing:
// timed assertions in tests are bugs (DESIGN.md); the numbers come from `npm run bench:ingest`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
const wrkMissing = probe.error ? 'wrk is not installed (apt-get install wrk); the benches need it' : false;

/** Runs a bench script briefly with its results in a temporary directory; returns its output and results. */
async function runBench(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string; files: string[] }> {
  const results = mkdtempSync(join(tmpdir(), 'tapline-bench-smoke-'));
  try {
    const child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: { ...process.env, BENCH_DURATION: '1', BENCH_ROUNDS: '1', BENCH_WARMUP: '0', BENCH_RESULTS_DIR: results, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const killer = setTimeout(() => process.kill(child.pid!, 'SIGTERM'), 50_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(killer);
    return { code, out, files: readdirSync(results) };
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

test('the ingest bench runs end to end and reports a ratio', { skip: wrkMissing, timeout: 60_000 }, async () => {
  const { code, out, files } = await runBench('bench/ingest/run.ts', { BENCH_BATCH: '20' });
  assert.equal(code, 0, `bench exited with ${code}:\n${out}`);
  assert.match(out, /single-transaction ratio \(Tapline \/ bare req\/s, median of the rounds\): \d+\.\d+/);
  assert.match(out, /ratio per round, \/api-transaction: \d+\.\d+/);
  assert.match(out, /sanity: .* -> OK/);
  assert.equal(files.filter((f) => /^ingest-.*\.json$/.test(f)).length, 1, 'one results file written');
});

test('the sensor bench runs end to end and reports a ratio', { skip: wrkMissing, timeout: 60_000 }, async () => {
  const { code, out, files } = await runBench('bench/sensor/run.ts', {});
  assert.equal(code, 0, `bench exited with ${code}:\n${out}`);
  assert.match(out, /capture on \/ off req\/s ratio: \d+\.\d+/);
  assert.match(out, /sanity: .* -> OK/);
  assert.equal(files.filter((f) => /^sensor-.*\.json$/.test(f)).length, 1, 'one results file written');
});

test('the sensor bench runs against its sink edge, which checks its own count', { skip: wrkMissing, timeout: 60_000 }, async () => {
  const { code, out } = await runBench('bench/sensor/run.ts', { BENCH_EDGE: 'sink', BENCH_ONLY: 'post', BENCH_ROUNDS: '2' });
  assert.equal(code, 0, `bench exited with ${code}:\n${out}`);
  assert.match(out, /ratio per round \(the headline is their median\): POST \d+\.\d+, \d+\.\d+/);
  // The sink counts by a scan and parses some batches in full: at least the first one, matching.
  assert.match(out, /the sink parsed [1-9][\d,]* of its [\d,]+ batches in full: 0 differed from its count -> OK/);
  // The proxy's thread, from /proc: user and system CPU per call, and its preemptions.
  if (process.platform === 'linux') assert.match(out, /POST proxy thread per call \(medians\), off \/ on: user \d+ \/ \d+ µs, system \d+ \/ \d+ µs, preempted \d+\.\d\d \/ \d+\.\d\d times/);
});

test("the sensor bench's sink counts by scan and catches a batch its scan miscounts", async (t) => {
  const sink = spawn(process.execPath, ['bench/sensor/sink-edge.ts', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => sink.kill());
  const url = await new Promise<string>((resolve) => sink.stdout.setEncoding('utf8').on('data', (d: string) => {
    const m = /http:\/\/[\d.:]+/.exec(d);
    if (m) resolve(m[0]);
  }));
  const post = (body: string) => fetch(`${url}/api-transactions`, { method: 'POST', headers: { authorization: 'Bearer bench-sink-token', 'content-type': 'application/json' }, body });
  const stats = async () => (await fetch(`${url}/stats`)).json() as Promise<Record<string, number>>;
  // The first batch is parsed in full: one item has no transaction-id, so the scan's 1 != 2 items.
  assert.equal((await post('{"data":[{"transaction-id":"a"},{"id":"b"}]}')).status, 200);
  assert.deepEqual(await stats(), { accepted: 1, rejected: 1, batches: 1, bytes: 44, checked: 1, mismatches: 1 });
  // Later batches (until the next check) are counted by the scan alone; an escaped key is not a key.
  assert.equal((await post('{"data":[{"transaction-id":"c","note":"\\"transaction-id\\":"},{"transaction-id":"d"}]}')).status, 200);
  assert.equal((await stats()).accepted, 3);
});

test('the hand-over bench runs and finds both ways hand over the same records', async () => {
  const { code, out } = await runBench('bench/sensor/handover.ts', { BENCH_ROUNDS: '1', BENCH_BATCHES: '3' });
  assert.equal(code, 0, `bench exited with ${code}:\n${out}`);
  assert.match(out, /GET  per call, medians: proxy thread .* \(ratio \d+\.\d+\); capture thread .* \(ratio \d+\.\d+\)/);
  assert.match(out, /POST per call, medians:/);
});
