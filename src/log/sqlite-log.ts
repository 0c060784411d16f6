// Embedded transaction log on SQLite (WAL, synchronous=FULL). Appends from concurrent requests
// are grouped into one transaction per event-loop turn (group commit), so one fsync covers many
// requests and a 200 still means "on disk".
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AppendEntry, LogConsumer, LogEntry, TransactionLog } from './log.ts';

interface Pending {
  entries: AppendEntry[];
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface SqliteLogOptions {
  /** Consumed entries are kept at least this long, so the dedupe window survives restarts. */
  retainMs: number;
}

export class SqliteLog implements TransactionLog {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private lastSeq: number;
  private readonly listeners: Array<() => void> = [];
  private readonly purgeTimer: NodeJS.Timeout;
  private readonly options: SqliteLogOptions;
  private readonly path: string;
  private readonly acked = new Map<string, number>();
  private readonly dirtyCursors = new Set<string>();
  private readonly saveCursor: StatementSync;

  constructor(path: string, options: SqliteLogOptions) {
    this.path = path;
    this.options = options;
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA secure_delete = ON;
      CREATE TABLE IF NOT EXISTS log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS log_received_at ON log(received_at);
      CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL);
    `);
    this.insert = this.db.prepare('INSERT INTO log (client_id, transaction_id, received_at, data) VALUES (?, ?, ?, ?)');
    this.saveCursor = this.db.prepare('UPDATE consumers SET acked_seq = ? WHERE name = ?');
    this.lastSeq = this.maxSeq();
    this.purgeTimer = setInterval(() => this.purge(), 5_000);
    this.purgeTimer.unref();
  }

  private maxSeq(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'log'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  append(entries: AppendEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    let bytes = 0;
    for (const e of entries) bytes += e.data.length;
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.db.exec('BEGIN');
      try {
        let last = this.lastSeq;
        for (const p of batch) {
          for (const e of p.entries) last = Number(this.insert.run(e.clientId, e.transactionId, e.receivedAt, e.data).lastInsertRowid);
        }
        for (const name of this.dirtyCursors) this.saveCursor.run(this.acked.get(name)!, name);
        this.dirtyCursors.clear();
        this.db.exec('COMMIT');
        this.lastSeq = last;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
      return;
    }
    for (const p of batch) p.resolve();
    if (batch.length > 0) for (const l of this.listeners) l();
  }

  pendingBytes(): number {
    return this.queuedBytes;
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** In-process consumer (reads through its own connection; acknowledgements go through this writer). */
  consumer(name: string): LogConsumer {
    return new SqliteLogReader(this.path, this.cursor(name), (seq) => this.ack(name, seq), () => this.lag(name));
  }

  /** Registers a consumer and returns its last acknowledged sequence number. */
  cursor(name: string): number {
    this.db.prepare('INSERT OR IGNORE INTO consumers (name, acked_seq) VALUES (?, 0)').run(name);
    const acked = (this.db.prepare('SELECT acked_seq FROM consumers WHERE name = ?').get(name) as { acked_seq: number }).acked_seq;
    if (!this.acked.has(name)) this.acked.set(name, acked);
    return this.acked.get(name)!;
  }

  /**
   * Records a consumer's progress. The cursor is written with the next group commit rather than
   * in a transaction of its own: this process stays the only writer, and a cursor that lags
   * after a crash only means redelivery, which consumers handle idempotently.
   */
  ack(name: string, seq: number): void {
    if (seq <= (this.acked.get(name) ?? 0)) return;
    this.acked.set(name, seq);
    this.dirtyCursors.add(name);
    this.scheduleFlush();
  }

  lag(name: string): number {
    return this.lastSeq - (this.acked.get(name) ?? 0);
  }

  async recentKeys(sinceMs: number) {
    const rows = this.db
      .prepare('SELECT client_id, transaction_id, received_at FROM log WHERE received_at >= ?')
      .all(sinceMs) as Array<{ client_id: string; transaction_id: string; received_at: number }>;
    return rows.map((r) => ({ clientId: r.client_id, transactionId: r.transaction_id, receivedAt: r.received_at }));
  }

  /** Deletes entries every consumer has acknowledged once they are older than the retention. */
  purge(now = Date.now()): number {
    const row = this.db.prepare('SELECT MIN(acked_seq) AS m, COUNT(*) AS n FROM consumers').get() as { m: number | null; n: number };
    if (row.n === 0 || row.m === null) return 0;
    const result = this.db
      .prepare('DELETE FROM log WHERE seq <= ? AND received_at < ?')
      .run(row.m, now - this.options.retainMs);
    return Number(result.changes);
  }

  async close(): Promise<void> {
    clearInterval(this.purgeTimer);
    if (this.queue.length > 0 || this.dirtyCursors.size > 0) this.flush();
    this.db.close();
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
  private readonly lagOf: () => number;

  constructor(path: string, from: number, onAck: (seq: number) => void, lag: () => number) {
    this.db = new DatabaseSync(path, { readOnly: true });
    this.read = this.db.prepare('SELECT seq, data FROM log WHERE seq > ? ORDER BY seq LIMIT ?');
    this.position = from;
    this.onAck = onAck;
    this.lagOf = lag;
  }

  async next(max: number): Promise<LogEntry[]> {
    const rows = this.read.all(this.position, max) as unknown as LogEntry[];
    if (rows.length > 0) this.position = rows[rows.length - 1]!.seq;
    return rows;
  }

  async ack(seq: number): Promise<void> {
    this.onAck(seq);
  }

  lag(): number {
    return this.lagOf();
  }

  close(): void {
    this.db.close();
  }
}
