// Feeds the log to the analysis steps and writes what they produce to the store. Today's step
// records recent transactions for the console; analyzers (discovery, sensitive data, threats,
// bots) plug in here. Writes are idempotent, so a batch redelivered after a crash is stored once.
import type { LogConsumer } from '../log/log.ts';
import type { Store } from '../store/store.ts';
import type { ClientIpOptions } from '../wire/client-ip.ts';
import { envelopeToTransaction } from '../wire/envelope.ts';
import { toStoredTransaction, type RecordOptions } from './record.ts';

export interface RunnerOptions extends RecordOptions {
  clientIp: ClientIpOptions;
  batchSize: number;
  /** Recent transactions kept: at most this many, ... */
  retainCount: number;
  /** ... and none older than this (ms). */
  retainMs: number;
}

export class AnalysisRunner {
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly consumer: LogConsumer;
  private readonly store: Store;
  private readonly options: RunnerOptions;
  processed = 0;
  failures = 0;

  constructor(consumer: LogConsumer, store: Store, options: RunnerOptions) {
    this.consumer = consumer;
    this.store = store;
    this.options = options;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
    void this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), 60_000);
    this.pruneTimer.unref();
  }

  /** Called when the log has new entries. */
  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const entries = await this.consumer.next(this.options.batchSize);
      if (entries.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 250).unref();
        });
        this.wake = null;
        continue;
      }
      const rows = [];
      for (const e of entries) {
        try {
          rows.push(toStoredTransaction(envelopeToTransaction(e.data, this.options.clientIp), this.options));
        } catch (err) {
          // The edge validated it; a failure here is a bug. Count it and move on rather than stall.
          this.failures++;
          console.error(`analysis: cannot decode log entry ${e.seq}: ${(err as Error).message}`);
        }
      }
      await this.store.insertTransactions(rows);
      // Count before acknowledging: the acknowledgement reports the count (worker.ts).
      this.processed += entries.length;
      await this.consumer.ack(entries[entries.length - 1]!.seq);
      // Let the edge run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async prune(): Promise<number> {
    return this.store.pruneTransactions(this.options.retainCount, Date.now() - this.options.retainMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.loop;
  }
}
