// The main thread's side of the edge worker threads (edge-thread.ts): starts them on the server's
// port, answers their token checks, puts their transactions through the one intake (dedupe and
// the single log writer), adds their counters to the server's, and restarts a thread that dies.
import { Worker } from 'node:worker_threads';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Intake } from './intake.ts';
import type { TokenVerifier } from './ingest.ts';
import type { IngestionStats } from './stats.ts';
import type { EdgeThreadData, LoadState, ToMain, ToThread } from './edge-thread.ts';

/**
 * Threads taking ingestion connections when --edge-threads is 0: one per core but one (the log
 * writer and analysis need a core; on 2 cores, bench/scale measured no gain from a second edge
 * thread), up to 4.
 */
export function defaultEdgeThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export interface EdgeThreadsOptions {
  /** Worker threads to start (the main thread takes connections too). */
  count: number;
  listen: Omit<EdgeThreadData, 'internalPort' | 'internalSecret'>;
  intake: Intake;
  tokens: TokenVerifier;
  stats: IngestionStats;
  /** Serves what the threads pass on (token service, admin API, console): the main server's handler. */
  handler: RequestListener;
  onError: (err: Error) => void;
}

export class EdgeThreads {
  private readonly o: EdgeThreadsOptions;
  private readonly internal: Server;
  private readonly secret = randomBytes(24).toString('hex');
  private readonly threads = new Set<Worker>();
  private readonly loadTimer: NodeJS.Timeout;
  private closing = false;
  private data!: EdgeThreadData;

  private constructor(o: EdgeThreadsOptions) {
    this.o = o;
    this.internal = createServer((req, res) => {
      this.restorePeer(req);
      o.handler(req, res);
    });
    this.internal.keepAliveTimeout = 72_000;
    // Threads that sit idle still learn when the log or analysis falls behind.
    this.loadTimer = setInterval(() => this.broadcast({ type: 'load', load: this.load() }), 100);
    this.loadTimer.unref();
  }

  /** Starts `count` threads on the port the main server already listens on (with SO_REUSEPORT). */
  static async start(o: EdgeThreadsOptions): Promise<EdgeThreads> {
    const threads = new EdgeThreads(o);
    await new Promise<void>((resolve, reject) => {
      threads.internal.once('error', reject);
      threads.internal.listen(0, '127.0.0.1', resolve);
    });
    threads.data = { ...o.listen, internalPort: (threads.internal.address() as { port: number }).port, internalSecret: threads.secret };
    try {
      await Promise.all(Array.from({ length: o.count }, () => threads.spawn()));
    } catch (err) {
      await threads.close();
      throw err;
    }
    return threads;
  }

  get size(): number {
    return this.threads.size;
  }

  /** A forwarded request keeps its real peer address (for sign-in limits and the audit log). */
  private restorePeer(req: IncomingMessage): void {
    const peer = req.headers['x-tapline-peer'];
    const proof = req.headers['x-tapline-forwarded-by'];
    delete req.headers['x-tapline-peer'];
    delete req.headers['x-tapline-forwarded-by'];
    if (proof === this.secret && typeof peer === 'string' && peer) {
      Object.defineProperty(req.socket, 'remoteAddress', { value: peer, configurable: true });
    }
  }

  private load(): LoadState {
    return { pendingBytes: this.o.intake.pendingBytes(), analysisLag: this.o.intake.analysisLag() };
  }

  private broadcast(m: ToThread): void {
    for (const t of this.threads) t.postMessage(m);
  }

  private spawn(): Promise<void> {
    const worker = new Worker(new URL('./edge-thread.ts', import.meta.url), { name: 'edge', workerData: this.data });
    this.threads.add(worker);
    const replies = new Replies(worker, () => this.load());
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (m: ToMain) => {
        if (m.type === 'listening') {
          listening = true;
          resolve();
        } else this.onMessage(worker, replies, m);
      });
      worker.on('error', (err) => {
        if (!listening) reject(err);
        else this.o.onError(err);
      });
      worker.on('exit', (code) => {
        this.threads.delete(worker);
        if (!listening || this.closing) return;
        this.o.onError(new Error(`edge thread stopped (exit code ${code}); starting a new one`));
        setTimeout(() => void this.spawn().catch((err: Error) => this.o.onError(err)), 1000).unref();
      });
    });
  }

  private onMessage(worker: Worker, replies: Replies, m: ToMain): void {
    if (m.type === 'verify') {
      void this.o.tokens.verify(m.token).then(
        (result) => worker.postMessage({ type: 'verified', id: m.id, result } satisfies ToThread),
        (err: Error) => worker.postMessage({ type: 'verified', id: m.id, result: { ok: false, error: 'invalid_token', message: `the token could not be checked: ${err.message}` } } satisfies ToThread),
      );
    } else if (m.type === 'accept') {
      for (const call of m.calls) {
        this.o.intake.accept(call.entries, call.now).then(
          () => replies.add({ id: call.id }),
          (err: Error) => replies.add({ id: call.id, error: err.message }),
        );
      }
    } else if (m.type === 'stats') this.o.stats.absorb(m.batch);
    else if (m.type === 'error') this.o.onError(Object.assign(new Error(m.message), { stack: m.stack }));
  }

  /** Stops the threads once their requests in flight are answered, then the internal listener. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.loadTimer);
    await Promise.all([...this.threads].map((worker) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 10_000);
      worker.on('message', (m: ToMain) => {
        if (m.type !== 'closed') return;
        clearTimeout(timer);
        void worker.terminate().then(() => resolve());
      });
      worker.postMessage({ type: 'close' } satisfies ToThread);
    })));
    this.internal.closeAllConnections();
    await new Promise<void>((resolve) => this.internal.close(() => resolve()));
  }
}

/** Answers to a thread's appends, gathered so that one log commit sends one message back. */
class Replies {
  private results: Array<{ id: number; error?: string }> = [];
  private readonly worker: Worker;
  private readonly load: () => LoadState;

  constructor(worker: Worker, load: () => LoadState) {
    this.worker = worker;
    this.load = load;
  }

  add(result: { id: number; error?: string }): void {
    if (this.results.length === 0) setImmediate(() => this.flush());
    this.results.push(result);
  }

  private flush(): void {
    const results = this.results;
    this.results = [];
    this.worker.postMessage({ type: 'accepted', results, load: this.load() } satisfies ToThread);
  }
}
