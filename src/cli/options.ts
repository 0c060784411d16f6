// `tapline serve` settings: flags > environment (TAPLINE_*) > config file > defaults.
// One table describes every option, so --help, parsing and the README cannot drift apart.
import { readFileSync } from 'node:fs';
import { MAX_ANALYSIS_THREADS } from '../analysis/threads.ts';

type Kind = 'string' | 'int' | 'list';

interface OptionSpec {
  flag: string;
  env: string;
  kind: Kind;
  default: string | number | string[] | null;
  help: string;
}

export const SERVE_OPTIONS = [
  { flag: 'host', env: 'TAPLINE_HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on' },
  { flag: 'port', env: 'TAPLINE_PORT', kind: 'int', default: 8080, help: 'port to listen on (0 picks a free one)' },
  { flag: 'data', env: 'TAPLINE_DATA_DIR', kind: 'string', default: './data', help: 'data directory (log, store, keys)' },
  { flag: 'public-url', env: 'TAPLINE_PUBLIC_URL', kind: 'string', default: null, help: 'base URL clients use; in token "iss" and discovery (default http://<host>:<port>)' },
  { flag: 'realm', env: 'TAPLINE_REALM', kind: 'string', default: 'tapline', help: 'token service realm (set "cequence" when migrating captures from Cequence)' },
  { flag: 'max-body-bytes', env: 'TAPLINE_MAX_BODY_BYTES', kind: 'int', default: 10_000_000, help: 'largest ingestion request body, after gzip decoding' },
  { flag: 'dedupe-window', env: 'TAPLINE_DEDUPE_WINDOW', kind: 'int', default: 120, help: 'seconds within which a repeated transaction-id from the same client is stored once' },
  { flag: 'ingress-allow', env: 'TAPLINE_INGRESS_ALLOW', kind: 'list', default: [], help: 'comma-separated CIDRs allowed to post transactions (default: anyone with a token)' },
  { flag: 'trusted-proxies', env: 'TAPLINE_TRUSTED_PROXIES', kind: 'list', default: [], help: 'comma-separated CIDRs of proxies skipped when reading x-forwarded-for / forwarded' },
  { flag: 'client-ip-headers', env: 'TAPLINE_CLIENT_IP_HEADERS', kind: 'list', default: ['x-forwarded-for', 'x-real-ip', 'true-client-ip', 'cf-connecting-ip', 'forwarded'], help: 'headers tried, in order, for the client IP when the capture sends none' },
  { flag: 'store-body-bytes', env: 'TAPLINE_STORE_BODY_BYTES', kind: 'int', default: 16_384, help: 'bytes of each body kept with recent transactions' },
  { flag: 'retain-transactions', env: 'TAPLINE_RETAIN_TRANSACTIONS', kind: 'int', default: 100_000, help: 'recent transactions kept (count)' },
  { flag: 'analysis-max-hosts', env: 'TAPLINE_ANALYSIS_MAX_HOSTS', kind: 'int', default: 10_000, help: 'hosts whose discovery analysis keeps in memory; the least recently seen others wait in the store' },
  { flag: 'retain-hours', env: 'TAPLINE_RETAIN_HOURS', kind: 'int', default: 168, help: 'recent transactions, and actors not seen since, kept (age, hours)' },
  { flag: 'max-pending-bytes', env: 'TAPLINE_MAX_PENDING_BYTES', kind: 'int', default: 64 * 1024 * 1024, help: 'answer 503 when this many bytes wait for the log' },
  { flag: 'max-lag', env: 'TAPLINE_MAX_LAG', kind: 'int', default: 1_000_000, help: 'answer 503 when analysis is this many transactions behind (0: never)' },
  { flag: 'max-inflight', env: 'TAPLINE_MAX_INFLIGHT', kind: 'int', default: 2048, help: 'answer 429 above this many ingestion requests in flight' },
  { flag: 'max-inflight-bytes', env: 'TAPLINE_MAX_INFLIGHT_BYTES', kind: 'int', default: 256 * 1024 * 1024, help: 'answer 429 when the bodies in flight would exceed this many bytes (unknown lengths count 1 MiB)' },
  { flag: 'analysis', env: 'TAPLINE_ANALYSIS', kind: 'string', default: 'on', help: '"off" runs no analysis in this process: the log keeps transactions until analysis runs again' },
  { flag: 'analysis-threads', env: 'TAPLINE_ANALYSIS_THREADS', kind: 'int', default: 1, help: 'analysis worker threads, each analysing the hosts that hash to it; more keep pace with more traffic on a machine with spare cores (with --log nats://, at most one per partition)' },
  { flag: 'analysis-priority', env: 'TAPLINE_ANALYSIS_PRIORITY', kind: 'string', default: 'low', help: '"low": the analysis thread yields the CPU to ingestion and analyses in the time left (Linux); "normal": same priority as ingestion' },
  { flag: 'role', env: 'TAPLINE_ROLE', kind: 'string', default: 'all', help: 'all, or one part of a cluster: edge (token service and ingestion), analyzer, console (admin API and web console)' },
  { flag: 'log', env: 'TAPLINE_LOG', kind: 'string', default: 'sqlite', help: 'transaction log: "sqlite" (in the data directory) or nats://host:4222[,nats://host2:4222] (JetStream; needed by split roles)' },
  { flag: 'log-stream', env: 'TAPLINE_LOG_STREAM', kind: 'string', default: 'TAPLINE_TXN', help: 'JetStream stream of the transaction log (with --log nats://)' },
  { flag: 'log-partitions', env: 'TAPLINE_LOG_PARTITIONS', kind: 'int', default: 8, help: 'partitions of the JetStream stream (by request host); fixed once the stream exists' },
  { flag: 'log-replicas', env: 'TAPLINE_LOG_REPLICAS', kind: 'int', default: 1, help: 'replicas of the JetStream stream (3 in a JetStream cluster)' },
  { flag: 'partitions', env: 'TAPLINE_PARTITIONS', kind: 'list', default: [], help: 'partitions this analyzer consumes, e.g. 0,1,2,3 (default: all); give each analyzer a disjoint set' },
  { flag: 'store', env: 'TAPLINE_STORE', kind: 'string', default: 'sqlite', help: 'store: "sqlite" (in the data directory) or postgres://user@host:5432/db' },
  { flag: 'reuse-port', env: 'TAPLINE_REUSE_PORT', kind: 'string', default: 'off', help: '"on" lets several edge processes listen on the same port (SO_REUSEPORT, Linux): the kernel spreads connections over them' },
  { flag: 'edge-threads', env: 'TAPLINE_EDGE_THREADS', kind: 'int', default: 0, help: 'threads taking ingestion connections on the port, the main thread included (SO_REUSEPORT, Linux); 0: one per CPU core but one, up to 4; 1: the main thread only' },
  { flag: 'findings-webhook', env: 'TAPLINE_FINDINGS_WEBHOOK', kind: 'string', default: null, help: 'URL that receives each new finding as signed JSON (set TAPLINE_FINDINGS_WEBHOOK_SECRET; run it on one console)' },
  { flag: 'log-level', env: 'TAPLINE_LOG_LEVEL', kind: 'string', default: 'info', help: 'fatal, error, warn, info, debug' },
] as const satisfies readonly OptionSpec[];

type Flag = (typeof SERVE_OPTIONS)[number]['flag'];
type CamelCase<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<CamelCase<B>>}` : S;
type ValueOf<K extends Kind> = K extends 'int' ? number : K extends 'list' ? string[] : string;

export type ServeOptions = {
  [O in (typeof SERVE_OPTIONS)[number] as CamelCase<O['flag']>]: O['default'] extends null ? ValueOf<O['kind']> | null : ValueOf<O['kind']>;
} & { adminToken: string | null; adminPassword: string | null; findingsWebhookSecret: string | null };

export class UsageError extends Error {}

const camel = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

function convert(spec: OptionSpec, raw: unknown, source: string): string | number | string[] {
  if (spec.kind === 'int') {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${source} must be a whole number >= 0 (got ${JSON.stringify(raw)})`);
    return n;
  }
  if (spec.kind === 'list') {
    const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
    return items.map((s) => s.trim()).filter(Boolean);
  }
  return String(raw);
}

export function serveHelp(): string {
  const lines = SERVE_OPTIONS.map((o) => {
    const def = o.default === null ? '' : ` (default: ${Array.isArray(o.default) ? o.default.join(',') || 'none' : o.default})`;
    return `  --${o.flag.padEnd(22)} ${o.env.padEnd(28)} ${o.help}${def}`;
  });
  return [
    'Usage: tapline serve [options]',
    '',
    'Starts the all-in-one server: token service, Edge API, analysis, admin API.',
    'Precedence: flags > environment > --config file (JSON, keys as flags or camelCase) > defaults.',
    '',
    '  flag                     environment                  meaning',
    ...lines,
    `  --${'config'.padEnd(22)} ${'TAPLINE_CONFIG'.padEnd(28)} JSON file with any of the options above`,
    `  ${''.padEnd(24)} ${'TAPLINE_ADMIN_TOKEN'.padEnd(28)} admin API token (generated on first start and printed once when unset)`,
    `  ${''.padEnd(24)} ${'TAPLINE_ADMIN_PASSWORD'.padEnd(28)} password of the first console user "admin" (generated and printed once when unset)`,
    `  ${''.padEnd(24)} ${'TAPLINE_FINDINGS_WEBHOOK_SECRET'.padEnd(28)} key the finding webhooks are signed with (HMAC-SHA256)`,
  ].join('\n');
}

/** Resolves the options from argv, the environment and an optional config file. */
export function resolveServeOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"; see tapline serve --help`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const known = name === 'config' || SERVE_OPTIONS.some((o) => o.flag === name);
    if (!known) throw new UsageError(`unknown option --${name}; see tapline serve --help`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const configPath = flags.get('config') ?? env.TAPLINE_CONFIG;
  let file: Record<string, unknown> = {};
  if (configPath) {
    try {
      file = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`cannot read config file ${configPath}: ${(err as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const spec of SERVE_OPTIONS as readonly OptionSpec[]) {
    const key = camel(spec.flag);
    if (flags.has(spec.flag)) out[key] = convert(spec, flags.get(spec.flag), `--${spec.flag}`);
    else if (env[spec.env] !== undefined && env[spec.env] !== '') out[key] = convert(spec, env[spec.env], spec.env);
    else if (file[spec.flag] !== undefined || file[key] !== undefined) out[key] = convert(spec, file[spec.flag] ?? file[key], `${configPath}: ${spec.flag}`);
    else out[key] = spec.default;
  }
  if (out.analysisPriority !== 'low' && out.analysisPriority !== 'normal') throw new UsageError(`--analysis-priority must be "low" or "normal" (got "${out.analysisPriority}")`);
  const threads = out.analysisThreads as number;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_ANALYSIS_THREADS) throw new UsageError(`--analysis-threads must be between 1 and ${MAX_ANALYSIS_THREADS} (got ${threads})`);
  if (out.analysis !== 'on' && out.analysis !== 'off') throw new UsageError(`--analysis must be "on" or "off" (got "${out.analysis}")`);
  if ((out.edgeThreads as number) < 0 || (out.edgeThreads as number) > 64) throw new UsageError(`--edge-threads must be between 0 (one per core) and 64 (got ${out.edgeThreads})`);
  if (out.reusePort !== 'on' && out.reusePort !== 'off') throw new UsageError(`--reuse-port must be "on" or "off" (got "${out.reusePort}")`);
  if (!['all', 'edge', 'analyzer', 'console'].includes(out.role as string)) throw new UsageError(`--role must be all, edge, analyzer or console (got "${out.role}")`);
  if (out.log !== 'sqlite' && !/^nats:\/\//.test(out.log as string)) throw new UsageError(`--log must be "sqlite" or a nats:// URL (got "${out.log}")`);
  if (out.store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(out.store as string)) throw new UsageError(`--store must be "sqlite" or a postgres:// URL (got "${out.store}")`);
  if (out.role !== 'all' && (out.log === 'sqlite' || out.store === 'sqlite')) {
    throw new UsageError(`--role ${out.role} shares the log and the store with other processes: give --log nats://... and --store postgres://...`);
  }
  const partitions = (out.partitions as string[]).map(Number);
  if (partitions.some((p) => !Number.isInteger(p) || p < 0 || p >= (out.logPartitions as number))) {
    throw new UsageError(`--partitions must be numbers from 0 to ${(out.logPartitions as number) - 1} (got "${(out.partitions as string[]).join(',')}")`);
  }
  if (out.findingsWebhook !== null && !/^https?:\/\//.test(out.findingsWebhook as string)) throw new UsageError(`--findings-webhook must be an http(s) URL (got "${out.findingsWebhook}")`);
  if (out.findingsWebhook !== null && !env.TAPLINE_FINDINGS_WEBHOOK_SECRET) throw new UsageError('--findings-webhook needs TAPLINE_FINDINGS_WEBHOOK_SECRET: the key the payloads are signed with');
  out.findingsWebhookSecret = env.TAPLINE_FINDINGS_WEBHOOK_SECRET || null;
  out.adminToken = env.TAPLINE_ADMIN_TOKEN || null;
  out.adminPassword = env.TAPLINE_ADMIN_PASSWORD || null;
  return out as ServeOptions;
}

export type { Flag };
