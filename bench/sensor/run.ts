// Sensor bench (see bench/README.md): wrk calls an API through `tapline sensor` with capture on,
// and, in the same run, through the same sensor build with --capture off (a plain proxy).
// Reports the req/s ratio on/off (goal at least 0.9) and the p99 latency capture adds.
//
//   node bench/sensor/run.ts [--duration 10] [--rounds 2] [--warmup 2] [--connections 50]
//   env: BENCH_DURATION, BENCH_ROUNDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_RESULTS_DIR
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const ROOT = new URL('../..', import.meta.url).pathname;
const HERE = new URL('.', import.meta.url).pathname;

function setting(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i > 0 ? process.argv[i + 1] : process.env[env];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} / ${env} must be a number >= 0`);
  return n;
}
const DURATION = setting('duration', 'BENCH_DURATION', 10);
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 2)));
const WARMUP = setting('warmup', 'BENCH_WARMUP', 2);
const CONNECTIONS = Math.max(1, Math.round(setting('connections', 'BENCH_CONNECTIONS', 50)));
const ADMIN_TOKEN = `bench-${randomBytes(8).toString('hex')}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Child {
  proc: ChildProcess;
  url: string;
}
const children: ChildProcess[] = [];

/** Starts a child and waits for the "listening on <url>" line it prints. */
function start(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" from ${args.join(' ')}:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/[^\s,]+)/i.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]! });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}):\n${output}`)));
  });
}

interface WrkResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function wrk(url: string, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `${url}/v1/orders/ord_7d2f9c?expand=items`]);
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.on('error', reject);
    proc.on('exit', () => {
      const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
      resolve({
        reqPerSec: num(/Requests\/sec:\s+([\d.]+)/),
        p50Ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
        p99Ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
        requests: num(/(\d+) requests in/),
        non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
      });
    });
  });
}

async function admin(base: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json() as Promise<any>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tapline-bench-sensor-'));
  try {
    const tapline = await start(['bin/tapline.js', 'serve', '--data', join(work, 'data'), '--port', '0', '--log-level', 'error'], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
    const backend = await start([join(HERE, 'backend.ts'), '0']);
    const client = await admin(tapline.url, '/clients', { name: 'bench-sensor' });
    const sensorArgs = (capture: string) => [
      'bin/tapline.js', 'sensor', '--listen', '127.0.0.1:0', '--upstream', backend.url, '--edge', tapline.url,
      '--client-id', 'bench-sensor', '--capture', capture, '--spool', join(work, `spool-${capture}`),
    ];
    const env = { ...process.env, TAPLINE_SENSOR_CLIENT_SECRET: client.secret as string };
    const on = await start(sensorArgs('on'), env);
    const off = await start(sensorArgs('off'), env);
    console.log(`# Sensor bench: ${cpus().length} CPUs, Node ${process.version}; wrk -t1 -c${CONNECTIONS}, ${DURATION} s runs, ${ROUNDS} round(s)`);
    if (WARMUP > 0) {
      await wrk(off.url, WARMUP);
      await wrk(on.url, WARMUP);
    }
    const runs: Record<'on' | 'off', WrkResult[]> = { on: [], off: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, sensor] of [['off', off], ['on', on]] as const) {
        await sleep(1000); // let the capturing sensor's forwarder drain between runs
        const result = await wrk(sensor.url, DURATION);
        runs[name].push(result);
        console.log(`  capture ${name.padEnd(3)} ${result.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  non-2xx ${result.non2xx}`);
      }
    }
    const m = (name: 'on' | 'off', key: keyof WrkResult) => median(runs[name].map((x) => x[key]));
    const ratio = m('on', 'reqPerSec') / m('off', 'reqPerSec');
    const addedP99 = m('on', 'p99Ms') - m('off', 'p99Ms');

    // Sanity: what wrk completed through the capturing sensor reached Tapline.
    const completed = runs.on.reduce((n, x) => n + x.requests, 0);
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      await sleep(200);
      const report = await admin(tapline.url, '/diagnostics/ingestion');
      accepted = report.items.filter((x: any) => x.clientId === 'bench-sensor').reduce((n: number, x: any) => n + x.accepted, 0);
      if (accepted >= completed) break;
    }
    console.log('\n| capture | req/s (median) | p50 | p99 |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const name of ['off', 'on'] as const) {
      console.log(`| ${name} | ${m(name, 'reqPerSec').toFixed(0)} | ${m(name, 'p50Ms').toFixed(2)} ms | ${m(name, 'p99Ms').toFixed(2)} ms |`);
    }
    console.log(`\ncapture on / off req/s ratio: ${ratio.toFixed(3)} (goal >= 0.9); capture adds ${addedP99.toFixed(2)} ms at p99`);
    const sane = accepted >= completed && runs.on.concat(runs.off).every((x) => x.non2xx === 0);
    console.log(`sanity: wrk completed ${completed} calls through the capturing sensor (counted runs); Tapline accepted ${accepted} from it (warm-up included) -> ${sane ? 'OK' : 'MISMATCH'}`);
    const dir = process.env.BENCH_RESULTS_DIR || join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `sensor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, node: process.version, config: { DURATION, ROUNDS, WARMUP, CONNECTIONS }, runs, ratio, addedP99Ms: addedP99, sanity: { completed, accepted, ok: sane } }, null, 2));
    console.log(`results: ${file}`);
    if (!sane) process.exitCode = 2;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await sleep(300);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
