// The bridge: deployed near the APIs, it receives captures on the Edge API exactly as the edge
// does (same validation and errors; tokens from the platform's token service, checked against its
// keys), keeps them durably in its own log (a 200 means on disk), then drops what the filters
// reject, masks sensitive values, and forwards the rest to the platform with the forwarder. An
// entry leaves the bridge's log only once the forwarder has sent or spooled it, so an outage of
// the platform or a restart of the bridge loses nothing; the platform deduplicates redeliveries by
// transaction id.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SqliteLog, SqliteLogReader } from '../log/sqlite-log.ts';
import { EdgeIngest } from '../edge/ingest.ts';
import { DedupeWindow } from '../edge/dedupe.ts';
import { IngestionStats } from '../edge/stats.ts';
import { issuerOfTokenUrl, RemoteTokenVerifier } from '../auth/remote-tokens.ts';
import { decodeEnvelope } from '../wire/envelope.ts';
import { decodeEdgeTransaction, encodeEdgeTransaction, type EdgeTransaction } from '../wire/edge-format.ts';
import { parseCidrList } from '../wire/client-ip.ts';
import { maskTransaction, scanTransaction } from '../analysis/sensitive/index.ts';
import { Forwarder, type ForwarderOptions } from './forwarder.ts';
import { DEFAULT_CONFIG, maskScopeFor, parseBridgeConfig, TrafficFilter, type BridgeConfig } from './bridge-config.ts';

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
const BATCH = 500;

/** The masking key: random once per bridge, kept in its data directory (masks stay stable across restarts). */
function maskKey(dataDir: string): string {
  const file = join(dataDir, 'mask.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

/** The configuration file, re-read when its modification time changes; a broken file keeps the last good one. */
class ConfigWatcher {
  config: BridgeConfig = DEFAULT_CONFIG;
  filter = new TrafficFilter([]);
  error: string | null = null;
  private mtime = -1;
  private readonly file: string | undefined;

  constructor(file: string | undefined) {
    this.file = file;
    this.check(true);
  }

  check(first = false): void {
    if (!this.file) return;
    try {
      const m = statSync(this.file).mtimeMs;
      if (m === this.mtime) return;
      this.mtime = m;
      this.config = parseBridgeConfig(readFileSync(this.file, 'utf8'), this.file);
      this.filter = new TrafficFilter(this.config.filters);
      this.error = null;
    } catch (err) {
      if (first) throw err;
      this.error = (err as Error).message;
      console.error(`bridge: keeping the previous configuration: ${this.error}`);
    }
  }
}

export async function startBridge(o: BridgeOptions): Promise<RunningBridge> {
  mkdirSync(o.dataDir, { recursive: true });
  const key = maskKey(o.dataDir);
  const watcher = new ConfigWatcher(o.configFile);
  const watchTimer = setInterval(() => watcher.check(), 1000);
  watchTimer.unref();
  const logPath = join(o.dataDir, 'log.db');
  const log = await SqliteLog.open(logPath, { retainMs: (o.dedupeWindow ?? 120) * 1000 });
  const dedupe = new DedupeWindow((o.dedupeWindow ?? 120) * 1000);
  for (const k of await log.recentKeys(Date.now() - (o.dedupeWindow ?? 120) * 1000)) dedupe.reserve(DedupeWindow.key(k.clientId, k.transactionId), k.receivedAt, null);
  const counts = { accepted: 0, forwarded: 0, filtered: 0, masked: 0 };
  const verifier = new RemoteTokenVerifier(issuerOfTokenUrl(o.forwarder.tokenUrl), join(o.dataDir, 'platform-keys.json'));
  await verifier.refresh();
  const stats = new IngestionStats(async (batch) => {
    for (const d of batch.deltas) if (d.outcome === 'accepted') counts.accepted += d.count;
  });
  stats.start(500);
  const edge = new EdgeIngest({
    log,
    tokens: verifier,
    stats,
    dedupe,
    maxBodyBytes: o.maxBodyBytes ?? 10_000_000,
    ingressAllow: o.ingressAllow && o.ingressAllow.length > 0 ? parseCidrList(o.ingressAllow, '--ingress-allow') : null,
    maxPendingBytes: 64 * 1024 * 1024,
    maxLag: o.maxBacklog ?? 1_000_000,
    analysisLag: () => log.lag(CONSUMER),
    maxInflight: 2048,
    maxInflightBytes: 256 * 1024 * 1024,
    onError: (err) => console.error(`bridge: ingestion failed: ${err.message}`),
  });

  const forwarder = new Forwarder({ ...o.forwarder, spoolDir: join(o.dataDir, 'spool') });
  forwarder.start();
  let lastDelivery: number | null = null;

  const metrics = (): BridgeMetrics => ({ ...counts, backlog: log.lag(CONSUMER), forwarder: forwarder.metrics(), lastDelivery, configError: watcher.error });

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
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${(server.address() as AddressInfo).port}`;

  // Forwarding: the log in order; an entry is acknowledged (and then blanked) once the forwarder
  // has sent or spooled it.
  const reader = new SqliteLogReader(logPath, log.cursor(CONSUMER), (seq) => log.ack(CONSUMER, seq));
  let running = true;
  let wake: (() => void) | null = null;
  log.onAppend(() => wake?.());
  const forwardOne = (data: string): void => {
    const e = decodeEnvelope(data);
    const item = e.item;
    const target = { host: item.request.host ?? '', uri: item.request['uri-query-fragment'].split(/[?#]/)[0]!, method: item.request['http-method'] };
    const decision = watcher.filter.decide(target);
    if (!decision.pass) {
      counts.filtered++;
      return;
    }
    const tx = decodeEdgeTransaction(item, { id: e.id, idGenerated: e.idGenerated, receivedAt: e.receivedAt });
    let out = tx;
    const scope = maskScopeFor(watcher.config.masking, target);
    if (scope && !tx.meta.sdpInfo) {
      const found = scanTransaction(tx).locations.filter((f) => scope.types === null || scope.types.includes(f.name));
      const masked = maskTransaction(tx, found, { key });
      out = masked.tx;
      out.meta.sdpInfo = masked.sdpInfo;
      if (found.length > 0) counts.masked++;
    }
    out.meta.filterInfo = { filterName: decision.rule ?? 'default' };
    const encoded: EdgeTransaction = encodeEdgeTransaction(out);
    forwarder.enqueueSerialized(JSON.stringify(encoded));
    counts.forwarded++;
  };
  const loop = (async () => {
    while (running) {
      const entries = await reader.next(BATCH);
      if (entries.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200).unref();
        });
        wake = null;
        continue;
      }
      for (const entry of entries) {
        try {
          forwardOne(entry.data);
        } catch (err) {
          console.error(`bridge: cannot forward log entry ${entry.seq}: ${(err as Error).message}`);
        }
      }
      const sentBefore = forwarder.metrics().sent;
      await forwarder.flush();
      if (forwarder.metrics().sent > sentBefore) lastDelivery = Date.now();
      await reader.ack(entries[entries.length - 1]!.seq);
    }
  })();

  return {
    url,
    metrics,
    async drain(timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (log.lag(CONSUMER) > 0 || forwarder.metrics().queued > 0) {
        if (Date.now() > end) throw new Error(`bridge: ${log.lag(CONSUMER)} transactions still to forward after ${timeoutMs} ms`);
        wake?.();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      clearInterval(watchTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      running = false;
      wake?.();
      await loop;
      await forwarder.stop();
      await stats.stop();
      reader.close();
      await log.close();
    },
  };
}
