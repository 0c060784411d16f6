// Sensitive data bench: accuracy (per type precision, recall, F2 on a labelled corpus) and speed
// (scanTransaction per transaction vs JSON.parse of the same bodies, same run, median of rounds).
//   node bench/sensitive/run.ts [--samples 3000] [--rounds 7] [--seed 42]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { scanTransaction, DEFAULT_THRESHOLD } from '../../src/analysis/sensitive/index.ts';
import type { Transaction } from '../../src/wire/transaction.ts';
import { generate, type Sample } from './corpus.ts';
import { score } from './score.ts';
import { setting } from '../lib.ts';


/** A response carrying `body` as it arrives from the edge (JSON content type, usual headers). */
export function toTransaction(s: Sample): Transaction {
  const bytes = Buffer.from(s.body);
  return {
    id: `bench-${s.id}`, idGenerated: false, timestamp: 1718000000000 + s.id, version: '1.0',
    request: {
      method: 'GET', uri: `/v1/${s.kind}s/${s.id}?expand=items&page=2`, host: 'api.example.com', scheme: 'https', httpVersion: '1.1',
      clientIp: '203.0.113.7', clientIpRule: 'client-ip', connection: { connectionIp: '10.0.0.4', serverIp: '10.0.1.9' },
      headers: [['accept', 'application/json'], ['user-agent', 'bench/1.0'], ['x-request-id', `req-${s.id}`]], body: null,
    },
    response: { status: 200, headers: [['content-type', 'application/json'], ['content-length', String(bytes.length)]], body: { bytes, length: bytes.length, truncated: false } },
    meta: {},
  };
}

export interface SpeedResult {
  rounds: number;
  parseMs: number;
  scanMs: number;
  ratio: number;
  perTransactionUs: { parse: number; scan: number };
}

/** A synchronous young-generation GC (V8's gc() made available at run time). */
function youngGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (o?: { type: string; execution: string }) => void;
  return () => gc({ type: 'minor', execution: 'sync' });
}

const cpuMs = (t0: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
};

/**
 * Scanning every transaction vs JSON.parse of the same bodies, in the same process. Each round
 * runs both over all bodies, interleaved in chunks of `chunk` bodies (alternating which goes
 * first), so that load from elsewhere on the machine hits both alike; time is the process's CPU
 * time (process.cpuUsage: time spent on other programs does not count). Before each timed chunk
 * a young-generation collection runs, untimed, so neither side is charged for the other's
 * garbage (JSON.parse allocates far more than the scanner, so this favours the baseline). The
 * medians of the rounds are compared.
 */
export function speed(samples: Sample[], rounds: number, chunk = 100): SpeedResult {
  const txs = samples.map(toTransaction);
  const bodies = txs.map((t) => t.response.body!.bytes);
  let sink = 0;
  const parse = (from: number, to: number) => {
    const t0 = process.cpuUsage();
    // the baseline decodes the bytes like the scanner does, then parses
    for (let i = from; i < to; i++) sink += (JSON.parse(bodies[i]!.toString('utf8')) as object) ? 1 : 0;
    return cpuMs(t0);
  };
  const scan = (from: number, to: number) => {
    const t0 = process.cpuUsage();
    for (let i = from; i < to; i++) sink += scanTransaction(txs[i]!).found;
    return cpuMs(t0);
  };
  const gc = youngGc();
  // warm-up: the scanner's code needs a few thousand transactions to be fully optimised
  for (let w = 0, seen = 0; w < 10 && seen < 12_000; w++, seen += txs.length) {
    parse(0, txs.length);
    scan(0, txs.length);
  }
  const p: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let pt = 0;
    let st = 0;
    for (let from = 0, k = 0; from < txs.length; from += chunk, k++) {
      const to = Math.min(txs.length, from + chunk);
      if ((k + r) % 2 === 0) {
        gc();
        pt += parse(from, to);
        gc();
        st += scan(from, to);
      } else {
        gc();
        st += scan(from, to);
        gc();
        pt += parse(from, to);
      }
    }
    p.push(pt);
    s.push(st);
  }
  if (sink === -1) console.log(sink);
  const parseMs = median(p);
  const scanMs = median(s);
  return {
    rounds, parseMs: Math.round(parseMs * 100) / 100, scanMs: Math.round(scanMs * 100) / 100, ratio: Math.round((scanMs / parseMs) * 1000) / 1000,
    perTransactionUs: { parse: Math.round((parseMs * 1000 / txs.length) * 10) / 10, scan: Math.round((scanMs * 1000 / txs.length) * 10) / 10 },
  };
}

if (import.meta.main) {
  const n = setting('samples', 'BENCH_SAMPLES', 3000);
  const rounds = setting('rounds', 'BENCH_ROUNDS', 15);
  const seed = setting('seed', 'BENCH_SEED', 42);
  const samples = generate(n, seed);
  const bytes = samples.reduce((a, s) => a + s.body.length, 0);
  const labels = samples.reduce((a, s) => a + s.labels.length, 0);
  console.log(`corpus: ${n} bodies, ${(bytes / 1024).toFixed(0)} KiB, ${labels} labels (seed ${seed})`);
  const acc = score(samples);
  console.log(`\n${'type'.padEnd(18)} ${'tp'.padStart(5)} ${'fp'.padStart(4)} ${'fn'.padStart(4)}  precision  recall     F2`);
  for (const [t, x] of Object.entries(acc.perType)) {
    console.log(`${t.padEnd(18)} ${String(x.tp).padStart(5)} ${String(x.fp).padStart(4)} ${String(x.fn).padStart(4)}  ${x.precision.toFixed(4).padStart(9)}  ${x.recall.toFixed(4)}  ${x.f2.toFixed(4)}`);
  }
  const o = acc.overall;
  console.log(`${'OVERALL'.padEnd(18)} ${String(o.tp).padStart(5)} ${String(o.fp).padStart(4)} ${String(o.fn).padStart(4)}  ${o.precision.toFixed(4).padStart(9)}  ${o.recall.toFixed(4)}  ${o.f2.toFixed(4)}`);
  console.log(`\ndecoys above the threshold (${DEFAULT_THRESHOLD}): ${acc.decoyHits.length} (highest decoy confidence ${acc.maxDecoyConfidence})`);
  console.log(`checksum-invalid lookalikes reported: ${acc.negativeHits.length}`);
  if (process.env.BENCH_VERBOSE) {
    for (const x of acc.falsePositives.slice(0, 30)) console.log('FP', JSON.stringify(x), JSON.stringify(samples[x.sample]!.body.length > 0 ? x.field : ''));
    for (const x of acc.falseNegatives.slice(0, 30)) console.log('FN', JSON.stringify(x));
    for (const x of acc.decoyHits.slice(0, 30)) console.log('DECOY', JSON.stringify(x));
    for (const x of acc.negativeHits.slice(0, 30)) console.log('NEG', JSON.stringify(x));
  }
  const sp = speed(samples, rounds);
  console.log(`\nspeed: scanTransaction ${sp.perTransactionUs.scan} us/tx, JSON.parse ${sp.perTransactionUs.parse} us/body; ratio ${sp.ratio} (median of ${rounds} rounds; goal <= 2)`);
  // the same kind of bodies with nothing planted: the cost of scanning ordinary traffic
  const plain = speed(generate(n, seed, { plants: false }), rounds);
  console.log(`speed, bodies without planted values: ratio ${plain.ratio} (scan ${plain.perTransactionUs.scan} us/tx, JSON.parse ${plain.perTransactionUs.parse} us/body)`);
  // whole passes over the corpus (4+ MB: bodies come from memory rather than cache), for reference
  const whole = speed(samples, Math.max(3, Math.ceil(rounds / 2)), samples.length);
  console.log(`speed, whole passes instead of chunks: ratio ${whole.ratio} (scan ${whole.perTransactionUs.scan} us/tx, JSON.parse ${whole.perTransactionUs.parse} us/body)`);
  const goals = {
    precision: o.precision >= 0.98,
    recall: o.recall >= 0.95,
    noDecoyAboveThreshold: acc.decoyHits.length === 0,
    speedRatio: sp.ratio <= 2,
  };
  const pass = Object.values(goals).every(Boolean);
  console.log(`goals: ${JSON.stringify(goals)} -> ${pass ? 'PASS' : 'FAIL'}`);
  const dir = process.env.BENCH_RESULTS_DIR ?? join(new URL('../..', import.meta.url).pathname, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `sensitive-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({
    bench: 'sensitive', at: new Date().toISOString(), node: process.version, corpus: { samples: n, seed, bytes, labels }, threshold: acc.threshold,
    accuracy: { overall: acc.overall, perType: acc.perType, decoyHits: acc.decoyHits.length, maxDecoyConfidence: acc.maxDecoyConfidence, negativeHits: acc.negativeHits.length },
    speed: sp, speedWithoutPlants: plain, speedWholePasses: whole, goals, pass,
  }, null, 2));
  console.log(`results: ${file}`);
  process.exitCode = pass ? 0 : 2;
}
