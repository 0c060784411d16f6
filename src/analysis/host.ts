// Runs the analysis runners in worker threads (one, or --analysis-threads of them, each for its
// share of the hosts: threads.ts) and connects them to the log in this thread: wakes them on
// appends, moves the log's cursor as far as the slowest has acknowledged, and restarts one that dies.
import { Worker } from 'node:worker_threads';
import type { TransactionLog } from '../log/log.ts';
import { ANALYSIS_CONSUMER as CONSUMER, type RunnerOptions } from './runner.ts';
import type { StatsBatch } from '../edge/stats.ts';
import type { AnalysisPriority, PriorityOutcome } from './thread-priority.ts';
import type { PriorThreads } from './threads.ts';

/** Where the worker reads the log: the embedded file (from a position), or JetStream partitions. */
export type LogSource =
  | { kind: 'sqlite'; path: string }
  | { kind: 'nats'; url: string; stream: string; partitions: number[]; partitionCount: number };
export type StoreSource = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Which thread of how many, and where the previous thread count's threads got to. */
export interface ThreadShare {
  index: number;
  count: number;
  prior: PriorThreads | null;
}

export interface AnalysisWorkerData {
  log: ({ kind: 'sqlite'; path: string; from: number; thread: ThreadShare }) | Extract<LogSource, { kind: 'nats' }>;
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


/** One analysis thread and what it reported. */
interface Slot {
  worker: Worker | null;
  /** The log position it acknowledged last (the log's cursor is the lowest of these). */
  acked: number;
  processed: number;
  failures: number;
  hostsInMemory: number;
  priority: PriorityOutcome | null;
}

export class AnalysisHost {
  private stopping = false;
  private readonly log: TransactionLog;
  private readonly source: LogSource;
  private readonly data: Omit<AnalysisWorkerData, 'log'>;
  private readonly onError: (err: Error) => void;
  private readonly slots: Slot[];
  private readonly prior: PriorThreads | null;
  /** Counted across worker restarts. */
  private base = { processed: 0, failures: 0 };

  /**
   * `threads` analysis threads; over JetStream each takes a share of the partitions (at most one
   * thread per partition). `prior`: where the previous thread count's threads got to (threads.ts).
   */
  constructor(log: TransactionLog, source: LogSource, data: Omit<AnalysisWorkerData, 'log'>, onError: (err: Error) => void, threads = 1, prior: PriorThreads | null = null) {
    this.log = log;
    this.source = source;
    this.data = data;
    this.onError = onError;
    this.prior = prior;
    const count = source.kind === 'nats' ? Math.max(1, Math.min(threads, source.partitions.length)) : threads;
    this.slots = Array.from({ length: count }, () => ({ worker: null, acked: 0, processed: 0, failures: 0, hostsInMemory: 0, priority: null }));
    log.onAppend(() => this.post({ type: 'wake' }));
  }

  get processed(): number {
    return this.slots.reduce((a, s) => a + s.processed, this.base.processed);
  }

  get failures(): number {
    return this.slots.reduce((a, s) => a + s.failures, this.base.failures);
  }

  /** Hosts whose discovery the workers keep in memory (RunnerOptions.maxHosts bounds each). */
  get hostsInMemory(): number {
    return this.slots.reduce((a, s) => a + s.hostsInMemory, 0);
  }

  /** The scheduling the workers' threads got (null until one reports). */
  get priority(): PriorityOutcome | null {
    return this.slots.find((s) => s.priority !== null)?.priority ?? null;
  }

  start(): void {
    for (let i = 0; i < this.slots.length; i++) this.startSlot(i);
  }

  private startSlot(index: number): void {
    const slot = this.slots[index]!;
    const count = this.slots.length;
    let log: AnalysisWorkerData['log'];
    if (this.source.kind === 'sqlite') {
      const from = this.log.cursor(CONSUMER);
      slot.acked = from;
      log = { ...this.source, from, thread: { index, count, prior: this.prior } };
    } else {
      log = { ...this.source, partitions: this.source.partitions.filter((_, k) => k % count === index) };
    }
    // A restarted worker counts from zero again: keep what the one before it counted.
    this.base = { processed: this.base.processed + slot.processed, failures: this.base.failures + slot.failures };
    slot.processed = 0;
    slot.failures = 0;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { name: 'analysis', workerData: { ...this.data, log } satisfies AnalysisWorkerData });
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'priority') slot.priority = m.outcome;
      if (m.type !== 'ack') return;
      slot.acked = Math.max(slot.acked, m.seq);
      if (this.source.kind === 'sqlite') this.log.ack(CONSUMER, Math.min(...this.slots.map((s) => s.acked)));
      slot.processed = m.processed;
      slot.failures = m.failures;
      slot.hostsInMemory = m.hostsInMemory;
    });
    worker.on('error', (err) => this.onError(err));
    worker.on('exit', (code) => {
      if (slot.worker !== worker || this.stopping) return;
      this.onError(new Error(`analysis worker exited with code ${code}; restarting it`));
      slot.worker = null;
      setTimeout(() => !this.stopping && this.startSlot(index), 1000).unref();
    });
    slot.worker = worker;
  }

  private post(message: ToWorker): void {
    for (const s of this.slots) s.worker?.postMessage(message);
  }

  lag(): number {
    return this.log.lag(CONSUMER);
  }

  /**
   * Hands ingestion counters to the first worker, which writes them with its own store connection,
   * so the event loop of the edge never waits for a store lock. False when it is not running.
   */
  forwardStats(batch: StatsBatch): boolean {
    const worker = this.slots[0]!.worker;
    if (!worker) return false;
    worker.postMessage({ type: 'stats', batch } satisfies ToWorker);
    return true;
  }

  /** Waits until everything appended so far is analysed (tests, orderly shutdown). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.lag() > 0) {
      if (Date.now() > end) throw new Error(`analysis still ${this.lag()} transactions behind after ${timeoutMs} ms`);
      this.post({ type: 'wake' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const worker = slot.worker;
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
    slot.worker = null;
  }
}
