// The analysis thread yields the CPU to ingestion (--analysis-priority low, the default): on
// Linux it runs under SCHED_IDLE, which the kernel reports per thread in /proc; the other threads
// of the process keep their scheduling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { resolveServeOptions, UsageError } from '../src/cli/options.ts';
import { startTestServer } from './helpers.ts';

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
const linux = existsSync('/proc/thread-self');
const hasChrt = linux && spawnSync('chrt', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasChrt && 'needs Linux with util-linux chrt (elsewhere the thread keeps its priority)';

/** Scheduling policy and niceness of each thread of this process, by thread name. */
function threads(): Array<{ name: string; policy: number; nice: number }> {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 of proc(5): nice is field 19, policy field 41
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), policy: Number(fields[38]), nice: Number(fields[16]) };
  });
}

test('lowerThreadPriority moves only the calling thread to SCHED_IDLE', { skip }, async () => {
  const url = new URL('../src/analysis/thread-priority.ts', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(url)}).then((m) => { parentPort.postMessage(m.lowerThreadPriority()); parentPort.once('message', () => process.exit(0)); });`,
    { eval: true, name: 'priority-test' },
  );
  const outcome = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  assert.equal(outcome, 'idle');
  const all = threads();
  assert.equal(all.find((t) => t.name === 'priority-test')?.policy, SCHED_IDLE);
  assert.ok(all.filter((t) => t.name !== 'priority-test').every((t) => t.policy === SCHED_OTHER), JSON.stringify(all));
  worker.postMessage('done');
  await new Promise((resolve) => worker.once('exit', resolve));
});

test('the server runs analysis at idle priority by default, and at normal priority when asked', { skip }, async () => {
  for (const [priority, outcome, policy] of [['low', 'idle', SCHED_IDLE], ['normal', 'unchanged', SCHED_OTHER]] as const) {
    const server = await startTestServer({ analysisPriority: priority });
    try {
      let text = '';
      for (let i = 0; i < 100 && !text.includes('tapline_analysis_thread_priority{'); i++) {
        text = await fetch(`${server.url}/metrics`).then((r) => r.text());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(text, new RegExp(`^tapline_analysis_thread_priority\\{outcome="${outcome}"\\} 1$`, 'm'));
      const analysis = threads().filter((t) => t.name === 'analysis');
      assert.equal(analysis.length, 1);
      assert.equal(analysis[0]!.policy, policy);
      assert.equal(threads().find((t) => t.name === 'log-writer')?.policy, SCHED_OTHER);
    } finally {
      await server.close();
    }
  }
});

test('--analysis-priority takes low or normal, from a flag or the environment', () => {
  assert.equal(resolveServeOptions([], {}).analysisPriority, 'low');
  assert.equal(resolveServeOptions(['--analysis-priority', 'normal'], {}).analysisPriority, 'normal');
  assert.equal(resolveServeOptions([], { TAPLINE_ANALYSIS_PRIORITY: 'normal' }).analysisPriority, 'normal');
  assert.throws(() => resolveServeOptions(['--analysis-priority', 'high'], {}), (e: unknown) => e instanceof UsageError && /--analysis-priority must be "low" or "normal" \(got "high"\)/.test(e.message));
});
