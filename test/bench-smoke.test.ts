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
  assert.match(out, /single-transaction ratio \(Tapline \/ bare req\/s, medians\): \d+\.\d+/);
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
