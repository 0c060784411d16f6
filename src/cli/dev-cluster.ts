// `tapline dev cluster`: the cluster shape on one machine, for trying it and for tests: a console,
// N edges sharing one port (SO_REUSEPORT: the kernel spreads connections), and M analyzers that
// split the log's partitions, against a local NATS JetStream and PostgreSQL. Stops them all on
// Ctrl-C (by the processes it started).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.ts';
import { out, type Command } from './common.ts';

const BIN = fileURLToPath(new URL('../../bin/tapline.js', import.meta.url));

/** Partitions 0..count-1 dealt round-robin to `parts` analyzers. */
export function splitPartitions(count: number, parts: number): number[][] {
  const out: number[][] = Array.from({ length: parts }, () => []);
  for (let p = 0; p < count; p++) out[p % parts]!.push(p);
  return out;
}

export const devClusterCommand: Command = {
  path: 'dev cluster',
  summary: 'run a local cluster: a console, edges sharing one port, analyzers, on NATS and PostgreSQL',
  description: [
    'Starts `tapline serve` processes: one --role console on --console-port, --edges edges on',
    '--edge-port (SO_REUSEPORT), and --analyzers analyzers splitting the --partitions of the stream.',
    'They share --log (NATS JetStream) and --store (PostgreSQL). Ctrl-C stops them all.',
  ].join('\n'),
  flags: [
    { name: 'console-port', kind: 'integer', value: 'PORT', min: 0, help: 'the console and admin API (default 8080)' },
    { name: 'edge-port', kind: 'integer', value: 'PORT', min: 1, help: 'the port every edge listens on (default 8081)' },
    { name: 'edges', kind: 'integer', value: 'N', min: 1, help: 'edge processes (default 2)' },
    { name: 'analyzers', kind: 'integer', value: 'N', min: 1, help: 'analyzer processes (default 2)' },
    { name: 'partitions', kind: 'integer', value: 'N', min: 1, help: 'partitions of the stream (default 8)' },
    { name: 'log', kind: 'string', value: 'URL', help: 'NATS JetStream (default nats://127.0.0.1:4222)' },
    { name: 'log-stream', kind: 'string', value: 'NAME', help: 'the stream (default TAPLINE_TXN)' },
    { name: 'store', kind: 'string', value: 'URL', help: 'PostgreSQL (default postgres://postgres@127.0.0.1:5432/postgres)' },
  ],
  async run({ args, env, command }) {
    const consolePort = args.integer('console-port') ?? 8080;
    const edgePort = args.integer('edge-port') ?? 8081;
    const edges = args.integer('edges') ?? 2;
    const analyzers = args.integer('analyzers') ?? 2;
    const partitions = args.integer('partitions') ?? 8;
    if (analyzers > partitions) throw new UsageError(`--analyzers (${analyzers}) cannot exceed --partitions (${partitions})`, command);
    const shared = [
      '--log', args.string('log') ?? 'nats://127.0.0.1:4222',
      '--log-stream', args.string('log-stream') ?? 'TAPLINE_TXN',
      '--log-partitions', String(partitions),
      '--store', args.string('store') ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      '--public-url', `http://127.0.0.1:${edgePort}`,
    ];
    const adminToken = env.TAPLINE_ADMIN_TOKEN || `tap_dev_${randomBytes(16).toString('hex')}`;
    const children: ChildProcess[] = [];
    const start = (name: string, flags: string[]) => {
      const child = spawn(process.execPath, [BIN, 'serve', ...flags, ...shared], { env: { ...process.env, TAPLINE_ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'pipe', 'pipe'] });
      const prefix = (d: Buffer) => d.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}`).join('\n');
      child.stdout!.on('data', (d: Buffer) => out(prefix(d)));
      child.stderr!.on('data', (d: Buffer) => process.stderr.write(`${prefix(d)}\n`));
      child.once('exit', (code, signal) => {
        if (!stopping) {
          process.stderr.write(`[${name}] exited (${signal ?? code}); stopping the cluster\n`);
          void stop(1);
        }
      });
      children.push(child);
    };
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
      process.exit(code);
    };
    process.once('SIGINT', () => void stop(0));
    process.once('SIGTERM', () => void stop(0));
    // The console first: it migrates the store once.
    start('console', ['--role', 'console', '--port', String(consolePort)]);
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < edges; i++) start(`edge-${i + 1}`, ['--role', 'edge', '--port', String(edgePort), '--reuse-port', 'on']);
    splitPartitions(partitions, analyzers).forEach((owned, i) => start(`analyzer-${i + 1}`, ['--role', 'analyzer', '--port', '0', '--partitions', owned.join(',')]));
    out(`tapline dev cluster: console http://127.0.0.1:${consolePort}, ${edges} edges on http://127.0.0.1:${edgePort}, ${analyzers} analyzers`);
    if (!env.TAPLINE_ADMIN_TOKEN) out(`admin token (for this cluster): ${adminToken}`);
  },
};
