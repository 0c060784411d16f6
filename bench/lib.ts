// Pieces every benchmark here shares: settings from flags or the environment, child processes
// started and stopped by PID, CPU accounting from /proc, the admin API, wrk output, medians.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

export const ROOT = new URL('..', import.meta.url).pathname;
/** The admin token the benches start Tapline with. */
export const ADMIN_TOKEN = `bench-${randomBytes(8).toString('hex')}`;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A numeric setting: flags > environment > default. */
export function setting(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i > 0 ? process.argv[i + 1] : process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`bench: --${name} / ${env} must be a number >= 0 (got "${raw}")`);
    process.exit(1);
  }
  return n;
}

/**
 * BENCH_IDS: the transaction ids wrk sends (bench/ingest/post.lua). `random` (the default): UUIDs,
 * as gateways send them; `sequential`: <nonce>-<thread>-<counter>.
 */
export function idsSetting(): 'random' | 'sequential' {
  const ids = process.env.BENCH_IDS || 'random';
  if (ids !== 'random' && ids !== 'sequential') {
    console.error(`bench: BENCH_IDS must be "random" or "sequential" (got "${ids}")`);
    process.exit(1);
  }
  return ids;
}

/** The arguments that are not `--flag value` pairs (flags here always take a value). */
export function positionalArgs(): string[] {
  const out: string[] = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.startsWith('--')) i++;
    else out.push(args[i]!);
  }
  return out;
}

/** A TCP port nothing listens on right now (on 127.0.0.1), for a child told to listen there. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

// ---- child processes (stopped by PID only)
export interface Child {
  name: string;
  proc: ChildProcess;
  url: string;
  exited: Promise<void>;
  /** The last 20,000 characters it printed. */
  output: () => string;
}
export const children: Child[] = [];

/** Starts `node <args>` and waits for the "listening on <url>" line it prints. */
export async function startChild(name: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /listening on (http:\/\/[^\s,]+)/.exec(out);
    if (m) {
      const child = { name, proc, url: m[1]!, exited, output: () => out };
      children.push(child);
      return child;
    }
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}):\n${out}`);
    if (Date.now() > deadline) {
      process.kill(proc.pid!, 'SIGKILL');
      throw new Error(`${name} did not start within 30 s:\n${out}`);
    }
    await sleep(25);
  }
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
export async function stopChild(child: Child): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  process.kill(proc.pid!, 'SIGTERM');
  const late = await Promise.race([child.exited.then(() => false), sleep(10_000).then(() => true)]);
  if (late && proc.exitCode === null && proc.signalCode === null) {
    process.kill(proc.pid!, 'SIGKILL');
    await child.exited;
  }
}

/** Stops every child still running, newest first (a sensor before the Tapline it forwards to). */
export async function stopAll(): Promise<void> {
  for (const c of children.splice(0).reverse()) {
    const t = Date.now();
    await stopChild(c);
    const ms = Date.now() - t;
    if (ms > 2_000 || process.env.BENCH_DEBUG) console.log(`note: ${c.name} took ${ms} ms to stop after SIGTERM (exit ${c.proc.exitCode ?? c.proc.signalCode})`);
  }
}

/**
 * Runs a bench's main and sets the exit code from it (1 if it throws). Children are stopped
 * however it ends, Ctrl-C included, so no bench leaves a Tapline or a sensor running.
 */
export async function runBench(main: () => Promise<number>): Promise<void> {
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (null elsewhere). */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** The machine's CPU time so far, from the first line of /proc/stat (null elsewhere), in clock ticks. */
export function machineCpuTicks(): { idle: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are time no thread ran.
    return { idle: fields[3]! + fields[4]!, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time left idle between two readings of machineCpuTicks (0 to 100), or null. */
export function idlePercent(before: ReturnType<typeof machineCpuTicks>, after: ReturnType<typeof machineCpuTicks>): number | null {
  if (before === null || after === null || after.total <= before.total) return null;
  return Math.round(((after.idle - before.idle) / (after.total - before.total)) * 100);
}

/**
 * CPU seconds per thread name of a process so far, from /proc (empty elsewhere). Tapline names
 * its threads (log-writer, analysis, edge, capture, bridge-forward); V8's helper threads
 * (garbage collection, compilation) are summed as "V8".
 */
/** One thread's name and its user and system CPU seconds so far, from /proc/<pid>/task/<tid>/stat (throws elsewhere). */
function taskStat(pid: number, tid: number | string): { comm: string; user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const { comm, user, system } = taskStat(pid, tid);
      const name = comm === 'MainThread' ? 'main' : comm.startsWith('V8') ? 'V8' : comm;
      out.set(name, (out.get(name) ?? 0) + user + system);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * A process's main thread so far, from /proc (null elsewhere): user and system CPU seconds, and how
 * often the scheduler took the core from it while it could still run (involuntary context
 * switches). Between two readings under load, these say whether a thread got slower because it did
 * more work (user), made more system calls (system), or was preempted more: a CPU profile cannot
 * tell, since V8's profiler samples wall-clock time.
 */
export function mainThreadStats(pid: number): { user: number; system: number; preempted: number } | null {
  try {
    const { user, system } = taskStat(pid, pid);
    const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    const preempted = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
    if (!Number.isFinite(preempted)) return null;
    return { user, system, preempted };
  } catch {
    return null;
  }
}

/** "main 97%, log-writer 21%, ..." : CPU per thread between two threadCpuSeconds() readings. */
export function threadCpuText(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  return [...after]
    .map(([name, cpu]) => [name, Math.round(((cpu - (before.get(name) ?? 0)) / seconds) * 100)] as const)
    .filter(([, pct]) => pct > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, pct]) => `${name} ${pct}%`)
    .join(', ');
}

/** A call to Tapline's admin API with the benches' admin token; throws on an error answer. */
export async function admin(url: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An OAuth access token for a capture client (the client-credentials grant, as gateways use). */
export async function accessToken(url: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${url}/auth/realms/tapline/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token endpoint: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Tapline's Prometheus text from /metrics. */
export async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** One sample's value from Prometheus text, e.g. ('tapline_x_total', '{outcome="accepted"}'); 0 when absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  const m = new RegExp(`^${name}${labels.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** A wrk latency ("812.00us", "1.27ms", "2.01s", "1.2m") in milliseconds. */
export function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function hasWrk(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return !r.error && /wrk/i.test(`${r.stdout}${r.stderr}`);
}

/** True (after saying how to install it) when wrk is missing: the load benches' first check. */
export function wrkMissing(): boolean {
  if (hasWrk()) return false;
  console.error('bench: wrk is not installed (apt-get install wrk, or build it from https://github.com/wg/wrk)');
  return true;
}

/**
 * Rounds of two runs, a baseline and a subject, each round in the other order than the one before
 * (baseline first, then subject first), so a steady drift of the machine favours neither. Returns
 * every run, in the order run, and each round's ratio subject / baseline of `rate`: benches report
 * the median of those, as each compares two runs seconds apart.
 */
export async function alternatingRounds<R>(rounds: number, baseline: () => Promise<R>, subject: () => Promise<R>, rate: (r: R) => number): Promise<{ runs: R[]; ratios: number[] }> {
  const runs: R[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const baselineFirst = i % 2 === 0;
    const first = await (baselineFirst ? baseline : subject)();
    const second = await (baselineFirst ? subject : baseline)();
    runs.push(first, second);
    const [b, s] = baselineFirst ? [first, second] : [second, first];
    ratios.push(rate(s) / rate(b));
  }
  return { runs, ratios };
}

/** mulberry32: a small, fast, seeded PRNG so every corpus is the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
