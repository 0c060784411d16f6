// An edge worker thread: listens on the server's port beside the main thread (SO_REUSEPORT, so
// the kernel spreads connections over the threads) and runs the whole ingestion path there (HTTP,
// body, gzip, JSON, validation, envelope) on its own core. What must stay in one place stays on
// the main thread, reached by message: token checks against the client directory, the dedupe
// window and the single log writer. Other paths (token service, admin API, console) are passed
// to the main thread's internal listener unchanged.
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseCidrList } from '../wire/client-ip.ts';
import type { VerifyResult } from '../auth/tokens.ts';
import { EdgeIngest, type TokenVerifier } from './ingest.ts';
import { installFastLane } from './fast-lane.ts';
import type { IntakeEntry, IntakePort } from './intake.ts';
import { IngestionStats, type StatsBatch } from './stats.ts';

export interface EdgeThreadData {
  host: string;
  port: number;
  maxBodyBytes: number;
  ingressAllow: string[];
  maxPendingBytes: number;
  maxLag: number;
  maxInflight: number;
  maxInflightBytes: number;
  /** The main thread's listener for everything that is not ingestion, on loopback. */
  internalPort: number;
  /** Proves to that listener that a forwarded request came from this thread (so its peer address is kept). */
  internalSecret: string;
}

export interface LoadState {
  pendingBytes: number;
  analysisLag: number | null;
}

export type ToMain =
  | { type: 'listening' }
  | { type: 'verify'; id: number; token: string }
  | { type: 'accept'; calls: Array<{ id: number; entries: IntakeEntry[]; now: number }> }
  | { type: 'stats'; batch: StatsBatch }
  | { type: 'error'; message: string; stack?: string }
  | { type: 'closed' };

export type ToThread =
  | { type: 'verified'; id: number; result: VerifyResult }
  | { type: 'accepted'; results: Array<{ id: number; error?: string }>; load: LoadState }
  | { type: 'load'; load: LoadState }
  | { type: 'close' };

/** Headers that belong to one connection, not to the request or response passed on. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** The main thread's side of ingestion, reached by message. */
class MainThread implements IntakePort, TokenVerifier {
  private readonly port: NonNullable<typeof parentPort>;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private load: LoadState = { pendingBytes: 0, analysisLag: null };
  private batch: Array<{ id: number; entries: IntakeEntry[]; now: number }> = [];
  /** Verdicts reused for a moment: a disabled client is still refused well within the 1 s promise. */
  private readonly verdicts = new Map<string, { result: VerifyResult; at: number }>();
  private static readonly VERDICT_MS = 100;

  constructor(port: NonNullable<typeof parentPort>) {
    this.port = port;
  }

  onMessage(m: ToThread): void {
    if (m.type === 'verified') this.settle(m.id, m.result);
    else if (m.type === 'accepted') {
      this.load = m.load;
      for (const r of m.results) this.settle(r.id, undefined, r.error);
    } else if (m.type === 'load') this.load = m.load;
  }

  private settle(id: number, value: unknown, error?: string): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (error === undefined) w.resolve(value as never);
    else w.reject(new Error(error));
  }

  private call<T>(send: (id: number) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: never) => void, reject });
      send(id);
    });
  }

  async verify(token: string): Promise<VerifyResult> {
    const now = Date.now();
    const known = this.verdicts.get(token);
    if (known && now - known.at < MainThread.VERDICT_MS) return known.result;
    const result = await this.call<VerifyResult>((id) => this.port.postMessage({ type: 'verify', id, token } satisfies ToMain));
    if (this.verdicts.size >= 10_000) this.verdicts.clear();
    this.verdicts.set(token, { result, at: now });
    return result;
  }

  /** Appends from one turn of the event loop go to the main thread as one message. */
  accept(entries: IntakeEntry[], now: number): Promise<void> {
    return this.call<void>((id) => {
      if (this.batch.length === 0) setImmediate(() => this.sendBatch());
      this.batch.push({ id, entries, now });
    });
  }

  private sendBatch(): void {
    const calls = this.batch;
    this.batch = [];
    this.port.postMessage({ type: 'accept', calls } satisfies ToMain);
  }

  pendingBytes(): number {
    return this.load.pendingBytes;
  }

  analysisLag(): number | null {
    return this.load.analysisLag;
  }
}

/** Passes a request that is not ingestion to the main thread's internal listener. */
function forwarder(data: EdgeThreadData) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return (req: IncomingMessage, res: ServerResponse): void => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers['x-tapline-forwarded-by'] = data.internalSecret;
    headers['x-tapline-peer'] = req.socket.remoteAddress ?? '';
    const upstream = request({ host: '127.0.0.1', port: data.internalPort, method: req.method, path: req.url, headers, agent }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ERROR', error: 'bad_gateway', message: `edge thread could not reach the main thread: ${err.message}` }));
    });
    req.pipe(upstream);
  };
}

function run(): void {
  const port = parentPort!;
  const data = workerData as EdgeThreadData;
  const main = new MainThread(port);
  const stats = new IngestionStats(async (batch) => port.postMessage({ type: 'stats', batch } satisfies ToMain));
  stats.start(250);
  const edge = new EdgeIngest({
    intake: main,
    tokens: main,
    stats,
    maxBodyBytes: data.maxBodyBytes,
    ingressAllow: data.ingressAllow.length > 0 ? parseCidrList(data.ingressAllow, '--ingress-allow') : null,
    maxPendingBytes: data.maxPendingBytes,
    maxLag: data.maxLag,
    maxInflight: data.maxInflight,
    maxInflightBytes: data.maxInflightBytes,
    onError: (err) => port.postMessage({ type: 'error', message: err.message, stack: err.stack } satisfies ToMain),
  });
  const forward = forwarder(data);
  const server = createServer((req, res) => {
    const route = edge.route(req.url);
    if (route) void edge.handle(req, res, route);
    else forward(req, res);
  });
  server.keepAliveTimeout = 72_000; // as the main thread's listener
  installFastLane(server, edge, (err) => port.postMessage({ type: 'error', message: err.message, stack: err.stack } satisfies ToMain));
  port.on('message', (m: ToThread) => {
    if (m.type !== 'close') return main.onMessage(m);
    // Stop taking connections, let requests in flight finish (they need the main thread, which
    // waits for this), then hand over the last counters.
    server.close(() => {
      void stats.stop().finally(() => port.postMessage({ type: 'closed' } satisfies ToMain));
    });
    server.closeIdleConnections();
  });
  server.listen({ host: data.host, port: data.port, reusePort: true }, () => port.postMessage({ type: 'listening' } satisfies ToMain));
}

run();
