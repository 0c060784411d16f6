// Runs the analysis runner in a worker thread and connects it to the log's writer in this thread:
// wakes it on appends, applies its acknowledgements, and restarts it if it dies.
import { Worker } from 'node:worker_threads';
import type { TransactionLog } from '../log/log.ts';
import { ANALYSIS_CONSUMER as CONSUMER, type RunnerOptions } from './runner.ts';
import type { StatsBatch } from '../edge/stats.ts';
import type { AnalysisPriority, PriorityOutcome } from './thread-priority.ts';

/** Where the worker reads the log: the embedded file (from a position), or JetStream partitions. */
export type LogSource =
  | { kind: 'sqlite'; path: string }
  | { kind: 'nats'; url: string; stream: string; partitions: number[]; partitionCount: number };
export type StoreSource = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface AnalysisWorkerData {
  log: ({ kind: 'sqlite'; path: string; from: number }) | Extract<LogSource, { kind: 'nats' }>;
  store: StoreSource;
  options: Omit<RunnerOptions, 'clientIp'>;
  clientIpHeaders: string[];
  trustedProxies: string[];
  /** low: the worker yields the CPU to ingestion (thread-priority.ts). */
  priority: AnalysisPriority;
}

export type ToWorker = { type: 'wake' } | { type: 'stop' } | { type: 'stats'; batch: StatsBatch };
export type FromWorker =
  | { type: 'ack'; seq: number; processed: number; failures: number; hostsInMemory: number }
  | { type: 'priority'; outcome: PriorityOutcome }
  | { type: 'stopped' };


export class AnalysisHost {
  private worker: Worker | null = null;
  private stopping = false;
  private readonly log: TransactionLog;
  private readonly source: LogSource;
  private readonly data: Omit<AnalysisWorkerData, 'log'>;
  private readonly onError: (err: Error) => void;
  /** Counted across worker restarts. */
  processed = 0;
  failures = 0;
  /** Hosts whose discovery the worker keeps in memory (RunnerOptions.maxHosts bounds it). */
  hostsInMemory = 0;
  /** The scheduling the worker's thread got (null until it reports). */
  priority: PriorityOutcome | null = null;
  private base = { processed: 0, failures: 0 };

  constructor(log: TransactionLog, source: LogSource, data: Omit<AnalysisWorkerData, 'log'>, onError: (err: Error) => void) {
    this.log = log;
    this.source = source;
    this.data = data;
    this.onError = onError;
    log.onAppend(() => this.worker?.postMessage({ type: 'wake' } satisfies ToWorker));
  }

  start(): void {
    const from = this.log.cursor(CONSUMER);
    const log = this.source.kind === 'sqlite' ? { ...this.source, from } : this.source;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { name: 'analysis', workerData: { ...this.data, log } satisfies AnalysisWorkerData });
    this.base = { processed: this.processed, failures: this.failures };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'priority') this.priority = m.outcome;
      if (m.type !== 'ack') return;
      if (this.source.kind === 'sqlite') this.log.ack(CONSUMER, m.seq);
      this.processed = this.base.processed + m.processed;
      this.failures = this.base.failures + m.failures;
      this.hostsInMemory = m.hostsInMemory;
    });
    worker.on('error', (err) => this.onError(err));
    worker.on('exit', (code) => {
      if (this.worker !== worker || this.stopping) return;
      this.onError(new Error(`analysis worker exited with code ${code}; restarting it`));
      this.worker = null;
      setTimeout(() => !this.stopping && this.start(), 1000).unref();
    });
    this.worker = worker;
  }

  lag(): number {
    return this.log.lag(CONSUMER);
  }

  /**
   * Hands ingestion counters to the worker, which writes them with its own store connection, so
   * the event loop of the edge never waits for a store lock. False when no worker is running.
   */
  forwardStats(batch: StatsBatch): boolean {
    if (!this.worker) return false;
    this.worker.postMessage({ type: 'stats', batch } satisfies ToWorker);
    return true;
  }

  /** Waits until everything appended so far is analysed (tests, orderly shutdown). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.lag() > 0) {
      if (Date.now() > end) throw new Error(`analysis still ${this.lag()} transactions behind after ${timeoutMs} ms`);
      this.worker?.postMessage({ type: 'wake' } satisfies ToWorker);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'stopped') {
          clearTimeout(timer);
          void worker.terminate().then(() => resolve());
        }
      });
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
    });
    this.worker = null;
  }
}
