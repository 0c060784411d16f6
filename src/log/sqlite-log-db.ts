// The SQLite file behind the embedded log: schema, batched appends, consumer cursors, purge.
// Synchronous; used only by the log's writer thread (sqlite-log-writer.ts) and by readers.
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** [clientId, transactionId, receivedAt, data] */
export type Row = [string, string, number, string];

export class LogDb {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly saveCursor: StatementSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    // Pages of 16 KiB: a ~2 KB transaction no longer takes a 4 KiB page of its own, which cuts
    // the bytes written per commit. Only takes effect when the file is created.
    this.db.exec(`
      PRAGMA page_size = 16384;
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
      CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL);
    `);
    this.insert = this.db.prepare('INSERT INTO log (client_id, transaction_id, received_at, data) VALUES (?, ?, ?, ?)');
    this.saveCursor = this.db.prepare('INSERT INTO consumers (name, acked_seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET acked_seq = MAX(acked_seq, excluded.acked_seq)');
  }

  maxSeq(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'log'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  cursors(): Map<string, number> {
    const rows = this.db.prepare('SELECT name, acked_seq FROM consumers').all() as Array<{ name: string; acked_seq: number }>;
    return new Map(rows.map((r) => [r.name, r.acked_seq]));
  }

  /** Appends rows and saves cursors in one transaction (one fsync); returns the last sequence number. */
  commit(rows: Row[], cursors: Iterable<[string, number]>): number {
    this.db.exec('BEGIN');
    try {
      let last = -1;
      for (const r of rows) last = Number(this.insert.run(r[0], r[1], r[2], r[3]).lastInsertRowid);
      for (const [name, seq] of cursors) this.saveCursor.run(name, seq);
      this.db.exec('COMMIT');
      return last === -1 ? this.maxSeq() : last;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  recentKeys(sinceMs: number): Array<[clientId: string, transactionId: string, receivedAt: number]> {
    const rows = this.db
      .prepare('SELECT client_id, transaction_id, received_at FROM log WHERE received_at >= ?')
      .all(sinceMs) as Array<{ client_id: string; transaction_id: string; received_at: number }>;
    return rows.map((r) => [r.client_id, r.transaction_id, r.received_at]);
  }

  /** The sequence number every consumer has acknowledged (0 without consumers). */
  minAcked(): number {
    const row = this.db.prepare('SELECT MIN(acked_seq) AS m FROM consumers').get() as { m: number | null };
    return row.m ?? 0;
  }

  /**
   * Blanks the transactions of entries up to `seq` (every consumer has them), keeping their keys
   * for the dedupe window. secure_delete overwrites the old bytes in the file; truncateWal then
   * clears them from the WAL. So captured payloads, personal data included, stay on disk only
   * until analysis has them. `from` skips entries already blanked.
   */
  scrub(from: number, seq: number): number {
    return Number(this.db.prepare("UPDATE log SET data = '' WHERE seq > ? AND seq <= ? AND data != ''").run(from, seq).changes);
  }

  /** Checkpoints the WAL into the database and empties it; false when a reader kept it busy. */
  truncateWal(): boolean {
    const row = this.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number };
    return row.busy === 0;
  }

  /** Deletes entries every consumer has acknowledged once they are older than `retainMs`. */
  purge(now: number, retainMs: number): number {
    const row = this.db.prepare('SELECT MIN(acked_seq) AS m, COUNT(*) AS n FROM consumers').get() as { m: number | null; n: number };
    if (row.n === 0 || row.m === null) return 0;
    return Number(this.db.prepare('DELETE FROM log WHERE seq <= ? AND received_at < ?').run(row.m, now - retainMs).changes);
  }

  close(): void {
    this.db.close();
  }
}
