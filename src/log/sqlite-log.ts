// Embedded transaction log on SQLite (WAL, synchronous=FULL). This facade runs in the main
// thread; a writer thread (sqlite-log-writer.ts) owns the file. Appends from concurrent requests
// go to the writer together and are committed in one transaction (group commit), so one fsync
// covers many requests, the event loop never waits for the disk, and a 200 still means "on disk".
import { Worker } from 'node:worker_threads';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AppendEntry, LogConsumer, LogEntry, TransactionLog } from './log.ts';
import type { Row } from './sqlite-log-db.ts';
import type { FromWriter, ToWriter, WriterData } from './sqlite-log-writer.ts';
import { COMMITTED_ID, FAILED_COMMITS, newProgress, type Progress } from './sqlite-log-progress.ts';

interface Pending {
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface SqliteLogOptions {
  /** Consumed entries are kept at least this long, so the dedupe window survives restarts. */
  retainMs: number;
}

export class SqliteLog implements TransactionLog {
  private readonly writer: Worker;
  private lastSeq: number;
  private readonly acked: Map<string, number>;
  private recent: Array<[string, string, number]> | null;
  /** Appends collected during this turn of the event loop, sent to the writer as one message. */
  private queue: { rows: Row[]; waiters: Pending[] } = { rows: [], waiters: [] };
  private nextId = 1;
  private readonly inWriter = new Map<number, Pending[]>();
  private unsentBytes = 0;
  private writingBytes = 0;
  private scheduled = false;
  private readonly listeners: Array<() => void> = [];
  private closed: (() => void) | null = null;

  /** Shared with the writer (sqlite-log-writer.ts, Progress): what it committed, read without its message. */
  private readonly progress: Progress;
  /** Failed commits whose message was handled here. */
  private failuresSeen = 0;

  private constructor(writer: Worker, ready: Extract<FromWriter, { type: 'ready' }>, progress: Progress) {
    this.writer = writer;
    this.progress = progress;
    this.lastSeq = ready.lastSeq;
    this.acked = new Map(ready.cursors);
    this.recent = ready.recentKeys;
    writer.on('message', (m: FromWriter) => this.onWriter(m));
  }

  /** Opens (or creates) the log file and starts its writer thread. */
  static async open(path: string, options: SqliteLogOptions): Promise<SqliteLog> {
    const progress = newProgress();
    const writer = new Worker(new URL('./sqlite-log-writer.ts', import.meta.url), {
      name: 'log-writer',
      workerData: { path, retainMs: options.retainMs, recentSince: Date.now() - options.retainMs, progress: progress.buffer } satisfies WriterData,
    });
    const ready = await new Promise<Extract<FromWriter, { type: 'ready' }>>((resolve, reject) => {
      writer.once('message', resolve);
      writer.once('error', reject);
    });
    const log = new SqliteLog(writer, ready, progress);
    writer.on('error', (err) => log.failAll(err));
    return log;
  }

  append(entries: AppendEntry[]): Promise<void> {
    this.settleCommitted();
    if (entries.length === 0) return Promise.resolve();
    let bytes = 0;
    for (const e of entries) {
      bytes += e.data.length;
      this.queue.rows.push([e.clientId, e.transactionId, e.receivedAt, e.data]);
    }
    this.unsentBytes += bytes;
    return new Promise((resolve, reject) => {
      this.queue.waiters.push({ bytes, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.send());
  }

  private send(): void {
    this.scheduled = false;
    const { rows, waiters } = this.queue;
    if (rows.length === 0) return;
    this.queue = { rows: [], waiters: [] };
    const id = this.nextId;
    this.nextId = id === 0x7fffffff ? 1 : id + 1; // ids are shared with the writer as 32-bit integers
    this.inWriter.set(id, waiters);
    this.writingBytes += this.unsentBytes;
    this.unsentBytes = 0;
    this.writer.postMessage({ type: 'append', id, rows } satisfies ToWriter);
  }

  /**
   * Settles the appends the writer has committed, as the shared progress shows, without waiting
   * for its message: while requests keep this thread busy, that message waits behind them (about
   * 0.3 ms under bench/ingest's load), and so does every caller whose append is already durable.
   * Commits happen in the order appends were sent, so everything sent up to the last committed id
   * is durable, unless a commit failed: then the failure's message must be handled first.
   */
  private settleCommitted(): void {
    const id = Atomics.load(this.progress.ids, COMMITTED_ID);
    if (!this.inWriter.has(id) || Atomics.load(this.progress.ids, FAILED_COMMITS) !== this.failuresSeen) return;
    this.lastSeq = Math.max(this.lastSeq, this.progress.lastSeq[0]!);
    for (const [sent, waiters] of this.inWriter) {
      for (const w of waiters) {
        this.writingBytes -= w.bytes;
        w.resolve();
      }
      this.inWriter.delete(sent);
      if (sent === id) break;
    }
  }

  private onWriter(m: FromWriter): void {
    if (m.type === 'closed') return this.closed?.();
    if (m.type === 'ready') return;
    if (m.type === 'committed') this.lastSeq = Math.max(this.lastSeq, m.lastSeq);
    else if (m.type === 'failed') this.failuresSeen++;
    for (const id of m.ids) {
      for (const w of this.inWriter.get(id) ?? []) {
        this.writingBytes -= w.bytes;
        if (m.type === 'committed') w.resolve();
        else w.reject(new Error(`the log could not be written: ${m.message}`));
      }
      this.inWriter.delete(id);
    }
    if (m.type === 'committed') for (const l of this.listeners) l();
  }

  private failAll(err: Error): void {
    for (const waiters of this.inWriter.values()) for (const w of waiters) w.reject(err);
    this.inWriter.clear();
  }

  /** Bytes accepted by append() and not yet durable. */
  pendingBytes(): number {
    return this.unsentBytes + this.writingBytes;
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Registers a consumer and returns its last acknowledged sequence number. */
  cursor(name: string): number {
    if (!this.acked.has(name)) {
      this.acked.set(name, 0);
      this.writer.postMessage({ type: 'cursor', name, seq: 0 } satisfies ToWriter);
    }
    return this.acked.get(name)!;
  }

  /**
   * Records a consumer's progress. The writer saves it with its next group commit rather than in
   * a transaction of its own; a cursor that lags after a crash only means redelivery, which
   * consumers handle idempotently.
   */
  ack(name: string, seq: number): void {
    if (seq <= (this.acked.get(name) ?? 0)) return;
    this.acked.set(name, seq);
    this.writer.postMessage({ type: 'cursor', name, seq } satisfies ToWriter);
  }

  lag(name: string): number {
    return this.lastSeq - (this.acked.get(name) ?? 0);
  }

  /** Keys received within the retention when the log was opened (asked once, at start). */
  async recentKeys(sinceMs: number) {
    const keys = (this.recent ?? []).filter((k) => k[2] >= sinceMs);
    this.recent = null;
    return keys.map(([clientId, transactionId, receivedAt]) => ({ clientId, transactionId, receivedAt }));
  }

  async close(): Promise<void> {
    this.send();
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      this.writer.postMessage({ type: 'close' } satisfies ToWriter);
    });
    await this.writer.terminate();
  }
}

/**
 * Reads the log through its own connection, for a consumer in this thread or in a worker thread.
 * Acknowledgements are handed to `onAck`, which forwards them to the log's writer.
 */
export class SqliteLogReader implements LogConsumer {
  private readonly db: DatabaseSync;
  private readonly read: StatementSync;
  private position: number;
  private readonly onAck: (seq: number) => void;

  constructor(path: string, from: number, onAck: (seq: number) => void) {
    this.db = new DatabaseSync(path, { readOnly: true });
    this.read = this.db.prepare('SELECT seq, data FROM log WHERE seq > ? ORDER BY seq LIMIT ?');
    this.position = from;
    this.onAck = onAck;
  }

  async next(max: number): Promise<LogEntry[]> {
    const rows = this.read.all(this.position, max) as unknown as LogEntry[];
    if (rows.length > 0) this.position = rows[rows.length - 1]!.seq;
    return rows;
  }

  async ack(seq: number): Promise<void> {
    this.onAck(seq);
  }

  close(): void {
    this.db.close();
  }
}
