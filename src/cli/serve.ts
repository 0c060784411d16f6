// `tapline serve`: the all-in-one server. Assembles auth, edge, log, analysis, store and the admin
// API in one process over an embedded SQLite data directory.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { SqliteLog } from '../log/sqlite-log.ts';
import { NatsLog } from '../log/nats-log.ts';
import type { TransactionLog } from '../log/log.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import type { Store } from '../store/store.ts';
import { KeyRing } from '../auth/keys.ts';
import { ClientService, MAX_TOKEN_LIFESPAN } from '../auth/clients.ts';
import { TokenService } from '../auth/tokens.ts';
import { tokenRoutes } from '../auth/token-routes.ts';
import { generateSecret, hashToken } from '../auth/secrets.ts';
import { EdgeIngest } from '../edge/ingest.ts';
import { installFastLane } from '../edge/fast-lane.ts';
import { createServer, type RequestListener } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { DedupeWindow } from '../edge/dedupe.ts';
import { Intake } from '../edge/intake.ts';
import { defaultEdgeThreads, EdgeThreads } from '../edge/edge-threads.ts';
import { IngestionStats, writeStats, type StatsBatch } from '../edge/stats.ts';
import { apiRoutes } from '../console/api.ts';
import { installAccess } from '../console/access.ts';
import { sessionRoutes } from '../console/session-routes.ts';
import { insightsRoutes } from '../console/insights-routes.ts';
import { specRoutes } from '../console/spec-routes.ts';
import { inventoryRoutes } from '../console/inventory-routes.ts';
import { findingsRoutes } from '../console/findings-routes.ts';
import { actorsRoutes } from '../console/actors-routes.ts';
import { sensitiveTypeRoutes } from '../console/sensitive-types-routes.ts';
import { behaviourRuleRoutes } from '../console/behaviour-rules-routes.ts';
import { startFindingWebhooks } from '../console/finding-webhooks.ts';
import { FINDING_STATUSES, SEVERITIES } from '../store/findings.ts';
import { webConsole } from '../console/web.ts';
import { generateApimPolicy } from '../capture/apim-policy.ts';
import { UserService } from '../console/users.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { metricsText } from '../console/metrics.ts';
import { AnalysisHost, type LogSource, type StoreSource } from '../analysis/host.ts';
import { priorThreads } from '../analysis/threads.ts';
import type { AnalysisPriority } from '../analysis/thread-priority.ts';
import { parseCidrList } from '../wire/client-ip.ts';
import { resolveServeOptions, serveHelp, UsageError, type ServeOptions } from './options.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** The analysis worker; `drain()` waits until everything ingested so far is analysed. */
  runner: AnalysisHost;
  /** Set only when this start generated the admin token. */
  generatedAdminToken: string | null;
  /** Set only when this start created the first console user "admin" with a generated password. */
  generatedAdminPassword: string | null;
  close(): Promise<void>;
}

/** First start: make (or take from the environment) the admin token and store only its hash. */
async function ensureAdminToken(store: Store, fromEnv: string | null): Promise<string | null> {
  if (fromEnv) {
    await store.addAdminTokenHash(hashToken(fromEnv), 'TAPLINE_ADMIN_TOKEN');
    return null;
  }
  if (await store.hasAdminToken()) return null;
  const token = `tap_${generateSecret()}`;
  await store.addAdminTokenHash(hashToken(token), 'generated at first start');
  return token;
}

async function installationSecret(store: Store, key: string): Promise<string> {
  const existing = await store.getSetting(key);
  if (existing) return existing;
  const value = randomBytes(32).toString('hex');
  await store.setSetting(key, value);
  return value;
}

/** Fails with EADDRINUSE when another socket listens on host:port. */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const dataDir = resolve(o.data);
  mkdirSync(dataDir, { recursive: true });
  const runsEdge = o.role === 'all' || o.role === 'edge';
  const runsConsole = o.role === 'all' || o.role === 'console';
  const runsAnalysis = (o.role === 'all' || o.role === 'analyzer') && o.analysis === 'on';
  const storeSource: StoreSource = o.store === 'sqlite' ? { kind: 'sqlite', path: join(dataDir, 'store.db') } : { kind: 'postgres', url: o.store };
  const store: Store & { close(): Promise<void> } = storeSource.kind === 'sqlite' ? new SqliteStore(storeSource.path) : await PostgresStore.open(storeSource.url);
  const partitions = o.partitions.length > 0 ? o.partitions.map(Number) : Array.from({ length: o.logPartitions }, (_, i) => i);
  const logSource: LogSource = o.log === 'sqlite'
    ? { kind: 'sqlite', path: join(dataDir, 'log.db') }
    : { kind: 'nats', url: o.log, stream: o.logStream, partitions, partitionCount: o.logPartitions };
  const log: TransactionLog = logSource.kind === 'sqlite'
    ? await SqliteLog.open(logSource.path, { retainMs: o.dedupeWindow * 1000 })
    : await NatsLog.open(logSource.url, { stream: logSource.stream, partitions: logSource.partitionCount, replicas: o.logReplicas, duplicateWindowMs: o.dedupeWindow * 1000 });
  const generatedAdminToken = await ensureAdminToken(store, o.adminToken);
  const users = new UserService(store);
  const generatedAdminPassword = await users.ensureFirstAdmin(o.adminPassword);
  const startedAt = Date.now();

  parseCidrList(o.trustedProxies, '--trusted-proxies'); // fail at start, not in the analysis worker
  const ingressAllow = o.ingressAllow.length > 0 ? parseCidrList(o.ingressAllow, '--ingress-allow') : null;

  const keys = new KeyRing(store, MAX_TOKEN_LIFESPAN);
  await keys.init();
  const clients = new ClientService(store);
  await clients.start();

  // The ingestion paths go straight to the edge's node:http handler; everything else to Fastify.
  let edge: EdgeIngest | null = null;
  let dispatch: RequestListener | null = null;
  const app = Fastify({
    logger: { level: o.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    // No per-request log lines: errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    serverFactory: (fastifyHandler) => {
      dispatch = (req, res) => {
        const route = runsEdge ? edge?.route(req.url) : undefined;
        if (route) void edge!.handle(req, res, route);
        else fastifyHandler(req, res);
      };
      const server = createServer(dispatch);
      server.keepAliveTimeout = 72_000; // above common load balancers' 60 s idle timeout
      return server;
    },
  });

  // The issuer needs the bound port when --port 0 picked one; it is set before any request.
  const tokens = new TokenService(store, keys, clients, '');
  // Counters go through the analysis worker when it runs (it owns the store's busy writes).
  let forwardStats: (batch: StatsBatch) => boolean = () => false;
  const stats = new IngestionStats(async (batch) => {
    if (!forwardStats(batch)) await writeStats(store, batch);
  });
  stats.start();
  const dedupe = new DedupeWindow(o.dedupeWindow * 1000);
  for (const k of await log.recentKeys(Date.now() - o.dedupeWindow * 1000)) {
    dedupe.reserve(DedupeWindow.key(k.clientId, k.transactionId), k.receivedAt, null);
  }
  const sweep = setInterval(() => dedupe.sweep(Date.now()), 5_000);
  sweep.unref();

  const runner = new AnalysisHost(log, logSource, {
    store: storeSource,
    clientIpHeaders: o.clientIpHeaders.map((h) => h.toLowerCase()),
    trustedProxies: o.trustedProxies,
    priority: o.analysisPriority as AnalysisPriority,
    options: {
      maxBodyBytes: o.storeBodyBytes,
      redactionKey: await installationSecret(store, 'redaction_key'),
      batchSize: 1024,
      retainCount: o.retainTransactions,
      maxHosts: o.analysisMaxHosts,
      retainMs: o.retainHours * 3600_000,
    },
  }, (err) => app.log.error({ err }, 'analysis worker failed'), o.analysisThreads, runsAnalysis && logSource.kind === 'sqlite' ? await priorThreads(store, o.analysisThreads) : null);

  // In a cluster the analyzers are other processes: their lag is read from the stream.
  const intake = new Intake(log, dedupe, o.analysis === 'on' ? () => runner.lag() : null);
  // Ingestion runs on every core: the main thread and edge worker threads share the port.
  const edgeThreads = runsEdge ? (o.edgeThreads === 0 ? defaultEdgeThreads() : o.edgeThreads) : 1;
  const limits = {
    maxBodyBytes: o.maxBodyBytes,
    maxPendingBytes: o.maxPendingBytes,
    maxLag: o.maxLag,
    maxInflight: Math.ceil(o.maxInflight / edgeThreads),
    maxInflightBytes: Math.ceil(o.maxInflightBytes / edgeThreads),
  };
  edge = new EdgeIngest({
    intake, tokens, stats, ingressAllow, ...limits,
    onError: (err) => app.log.error({ err }, 'ingestion failed'),
  });
  // Ingestion requests in their common shape skip node:http's request objects (fast-lane.ts).
  if (runsEdge) installFastLane(app.server, edge, (err) => app.log.error({ err }, 'ingestion fast lane failed'));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tapline admin API', version: '1', description: 'Management API of Tapline. Authenticate with "Authorization: Bearer <admin token>".' },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
      security: [{ adminToken: [] }],
    },
  });
  let ready = false;
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => (ready ? { status: 'ready' } : reply.code(503).send({ status: 'starting' })));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    // Findings by severity and status (a count query each; cheap next to a scrape interval).
    const findings: Array<[string, number]> = [];
    for (const severity of SEVERITIES) {
      for (const status of FINDING_STATUSES) {
        const n = (await store.listFindings({ severity, status, limit: 1, offset: 0 })).total;
        if (n > 0) findings.push([`{severity="${severity}",status="${status}"}`, n]);
      }
    }
    return reply.type('text/plain; version=0.0.4').send(metricsText({ stats, log, analysis: runner, dedupe, findings }));
  });
  await app.register(async (scope) => {
    scope.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
  if (runsEdge) await app.register(tokenRoutes, { realm: o.realm, tokens, keys });
  if (runsConsole) await app.register(async (api) => {
    installAccess(api, { store, users });
    await api.register(apiRoutes, { store, clients, keys });
    await api.register(specRoutes, { store });
    await api.register(inventoryRoutes, { store });
    await api.register(findingsRoutes, { store });
    await api.register(actorsRoutes, { store });
    await api.register(sensitiveTypeRoutes, { store });
    await api.register(behaviourRuleRoutes, { store });
    await api.register(sessionRoutes, { store, users, secureCookies: (o.publicUrl ?? '').startsWith('https:') });
    await api.register(insightsRoutes, {
      store,
      apimPolicy: (options) => generateApimPolicy({ ...options, version: VERSION }),
      realm: o.realm,
      issuer: () => tokens.issuer,
      system: () => ({
        version: VERSION,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        analysisLag: runner.lag(),
        analysisProcessed: runner.processed,
        logPendingBytes: log.pendingBytes(),
      }),
    });
  }, { prefix: '/api/v1' });
  if (runsConsole) await app.register(webConsole, { dir: fileURLToPath(new URL('../../dist/web', import.meta.url)) });

  const reusePort = o.reusePort === 'on' || edgeThreads > 1;
  // SO_REUSEPORT would also let this server share a port with another program's socket: unless
  // asked for (--reuse-port on), make sure nothing else listens there first.
  if (reusePort && o.reusePort !== 'on' && o.port !== 0) await assertPortFree(o.host, o.port);
  await app.listen({ host: o.host, port: o.port, ...(reusePort ? { reusePort: true } : {}) });
  const port = (app.server.address() as { port: number }).port;
  const threads = edgeThreads > 1
    ? await EdgeThreads.start({
      count: edgeThreads - 1,
      listen: { host: o.host, port, ingressAllow: o.ingressAllow, ...limits },
      intake, tokens, stats,
      handler: dispatch!,
      onError: (err) => app.log.error({ err }, 'edge thread failed'),
    })
    : null;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  tokens.issuer = `${(o.publicUrl ?? url).replace(/\/+$/, '')}/auth/realms/${o.realm}`;
  const stopWebhooks = runsConsole && o.findingsWebhook && o.findingsWebhookSecret
    ? startFindingWebhooks(store, { url: o.findingsWebhook, secret: o.findingsWebhookSecret, consoleUrl: () => (o.publicUrl ?? url).replace(/\/+$/, ''), onError: (err) => app.log.warn({ err }, 'finding webhook') })
    : null;
  if (runsAnalysis) {
    runner.start();
    forwardStats = (batch) => runner.forwardStats(batch);
  }
  ready = true;

  let closed = false;
  return {
    url,
    app,
    store,
    runner,
    generatedAdminToken,
    generatedAdminPassword,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      clearInterval(sweep);
      await stopWebhooks?.();
      await threads?.close();
      await app.close();
      await runner.stop();
      await stats.stop();
      clients.stop();
      await log.close();
      await store.close();
    },
  };
}

export async function runServe(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(serveHelp());
    return;
  }
  let options: ServeOptions;
  try {
    options = resolveServeOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tapline serve: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const server = await startServer(options);
  if (server.generatedAdminToken) {
    console.log(
      [
        '',
        '  Admin token (shown once; store it now):',
        `    ${server.generatedAdminToken}`,
        '  Use it as "Authorization: Bearer <token>" on /api/v1, or export TAPLINE_ADMIN_TOKEN for the CLI.',
        '',
      ].join('\n'),
    );
  }
  if (server.generatedAdminPassword) {
    console.log(
      [
        '  Console sign-in (shown once): user "admin", password:',
        `    ${server.generatedAdminPassword}`,
        '  Change it under the user menu after signing in, or set TAPLINE_ADMIN_PASSWORD before the first start.',
        '',
      ].join('\n'),
    );
  }
  console.log(`Tapline listening on ${server.url} (data: ${resolve(options.data)}, realm: ${options.realm})`);
  const shutdown = async (signal: string) => {
    console.log(`${signal}: shutting down`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
