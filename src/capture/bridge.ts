// The bridge: deployed near the APIs, it receives captures on the Edge API exactly as the edge
// does (same validation and errors; tokens from the platform's token service, checked against its
// keys), keeps them durably in its own log (a 200 means on disk), then drops what the filters
// reject, masks sensitive values, and forwards the rest to the platform with the forwarder. An
// entry leaves the bridge's log only once the forwarder has sent or spooled it, so an outage of
// the platform or a restart of the bridge loses nothing; the platform deduplicates redeliveries by
// transaction id.
import { createServer, type Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SqliteLog } from '../log/sqlite-log.ts';
import { EdgeIngest } from '../edge/ingest.ts';
import { installFastLane } from '../edge/fast-lane.ts';
import { DedupeWindow } from '../edge/dedupe.ts';
import { Intake } from '../edge/intake.ts';
import { IngestionStats } from '../edge/stats.ts';
import { issuerOfTokenUrl, RemoteTokenVerifier } from '../auth/remote-tokens.ts';
import { parseCidrList } from '../wire/client-ip.ts';
import { NO_FORWARDER_METRICS, type Forwarder, type ForwarderOptions } from './forwarder.ts';
import { parseBridgeConfig } from './bridge-config.ts';
import type { BridgeWorkerData, ForwardingState, FromBridgeWorker, ToBridgeWorker } from './bridge-worker.ts';

export interface BridgeOptions {
  host: string;
  port: number;
  /** The bridge's log, spool and masking key live here. */
  dataDir: string;
  forwarder: Omit<ForwarderOptions, 'spoolDir'>;
  /** YAML or JSON filters and masking scopes (bridge-config.ts); re-read when it changes. */
  configFile?: string;
  ingressAllow?: string[];
  maxBodyBytes?: number;
  /** Seconds a repeated transaction-id is accepted as a retry (stored once). */
  dedupeWindow?: number;
  /** Answer 503 once this many accepted transactions wait to be forwarded. */
  maxBacklog?: number;
}

export interface BridgeMetrics {
  accepted: number;
  forwarded: number;
  filtered: number;
  masked: number;
  /** Transactions accepted and not yet handed to the forwarder. */
  backlog: number;
  forwarder: ReturnType<Forwarder['metrics']>;
  lastDelivery: number | null;
  configError: string | null;
}

export interface RunningBridge {
  url: string;
  metrics(): BridgeMetrics;
  /** Waits until everything accepted so far was forwarded (sent or spooled). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const CONSUMER = 'forward';

/** The masking key: random once per bridge, kept in its data directory (masks stay stable across restarts). */
function maskKey(dataDir: string): string {
  const file = join(dataDir, 'mask.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

export async function startBridge(o: BridgeOptions): Promise<RunningBridge> {
  mkdirSync(o.dataDir, { recursive: true });
  const key = maskKey(o.dataDir);
  // A broken configuration stops the start with its error; later, the last good one is kept.
  if (o.configFile) parseBridgeConfig(readFileSync(o.configFile, 'utf8'), o.configFile);
  const logPath = join(o.dataDir, 'log.db');
  const log = await SqliteLog.open(logPath, { retainMs: (o.dedupeWindow ?? 120) * 1000 });
  const dedupe = new DedupeWindow((o.dedupeWindow ?? 120) * 1000);
  for (const k of await log.recentKeys(Date.now() - (o.dedupeWindow ?? 120) * 1000)) dedupe.reserve(DedupeWindow.key(k.clientId, k.transactionId), k.receivedAt, null);
  const counts = { accepted: 0 };
  const verifier = new RemoteTokenVerifier(issuerOfTokenUrl(o.forwarder.tokenUrl), join(o.dataDir, 'platform-keys.json'));
  await verifier.refresh();
  const stats = new IngestionStats(async (batch) => {
    for (const d of batch.deltas) if (d.outcome === 'accepted') counts.accepted += d.count;
  });
  stats.start(500);
  const edge = new EdgeIngest({
    intake: new Intake(log, dedupe, () => log.lag(CONSUMER)),
    tokens: verifier,
    stats,
    maxBodyBytes: o.maxBodyBytes ?? 10_000_000,
    ingressAllow: o.ingressAllow && o.ingressAllow.length > 0 ? parseCidrList(o.ingressAllow, '--ingress-allow') : null,
    maxPendingBytes: 64 * 1024 * 1024,
    maxLag: o.maxBacklog ?? 1_000_000,
    maxInflight: 2048,
    maxInflightBytes: 256 * 1024 * 1024,
    onError: (err) => console.error(`bridge: ingestion failed: ${err.message}`),
  });


  const metrics = (): BridgeMetrics => ({ accepted: counts.accepted, forwarded: state.forwarded, filtered: state.filtered, masked: state.masked, backlog: log.lag(CONSUMER), forwarder: state.forwarder, lastDelivery: state.lastDelivery, configError: state.configError });

  const server: Server = createServer((req, res) => {
    const route = edge.route(req.url);
    if (route) return void edge.handle(req, res, route);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/readyz') {
      const m = metrics();
      // Delivering: nothing waits, or the platform took a batch within the last 30 s.
      const delivering = (m.backlog === 0 && m.forwarder.queued === 0 && m.forwarder.spoolQueued === 0) || (m.lastDelivery !== null && Date.now() - m.lastDelivery < 30_000);
      res.writeHead(delivering || path === '/healthz' ? 200 : 503, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ status: delivering ? 'delivering' : 'not delivering', ...m }));
    }
    if (path === '/metrics') {
      const m = metrics();
      const lines = [
        ['tapline_bridge_accepted_total', m.accepted], ['tapline_bridge_forwarded_total', m.forwarded], ['tapline_bridge_filtered_total', m.filtered],
        ['tapline_bridge_masked_total', m.masked], ['tapline_bridge_backlog', m.backlog], ['tapline_forwarder_sent_total', m.forwarder.sent],
        ['tapline_forwarder_retried_total', m.forwarder.retried], ['tapline_forwarder_spooled_total', m.forwarder.spooled], ['tapline_forwarder_dropped_total', m.forwarder.dropped],
        ['tapline_forwarder_queued', m.forwarder.queued], ['tapline_forwarder_spool_queued', m.forwarder.spoolQueued],
      ].map(([n, v]) => `${n} ${v}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(`${lines.join('\n')}\n`);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ERROR', error: 'not_found', message: `no ${path} here: post transactions to /api-transaction or /api-transactions` }));
  });
  server.keepAliveTimeout = 72_000;
  installFastLane(server, edge, (err) => console.error(`bridge: ingestion failed: ${err.message}`));
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${(server.address() as AddressInfo).port}`;

  // Forwarding runs in its own thread (bridge-worker.ts); acknowledgements come back here, to the log's writer.
  let state: ForwardingState = { forwarded: 0, filtered: 0, masked: 0, forwarder: { ...NO_FORWARDER_METRICS }, lastDelivery: null, configError: null };
  const worker = new Worker(new URL('./bridge-worker.ts', import.meta.url), {
    name: 'bridge-forward',
    workerData: { logPath, from: log.cursor(CONSUMER), dataDir: o.dataDir, maskKey: key, configFile: o.configFile, forwarder: o.forwarder } satisfies BridgeWorkerData,
  });
  let stopped: (() => void) | null = null;
  worker.on('message', (m: FromBridgeWorker) => {
    state = m.state;
    if (m.type === 'ack') log.ack(CONSUMER, m.seq);
    if (m.type === 'stopped') stopped?.();
  });
  worker.on('error', (err) => console.error(`bridge: the forwarding thread failed: ${err.message}`));
  log.onAppend(() => worker.postMessage({ type: 'wake' } satisfies ToBridgeWorker));

  return {
    url,
    metrics,
    async drain(timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (log.lag(CONSUMER) > 0 || state.forwarder.queued > 0) {
        if (Date.now() > end) throw new Error(`bridge: ${log.lag(CONSUMER)} transactions still to forward after ${timeoutMs} ms`);
        worker.postMessage({ type: 'wake' } satisfies ToBridgeWorker);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await new Promise<void>((resolve) => {
        stopped = resolve;
        worker.postMessage({ type: 'stop' } satisfies ToBridgeWorker);
      });
      await worker.terminate();
      await stats.stop();
      await log.close();
    },
  };
}
