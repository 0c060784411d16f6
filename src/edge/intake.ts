// Durable intake: the deduplication window in front of the transaction log. Every thread that
// accepts ingestion hands its valid transactions here (directly on the main thread, by message
// from the edge worker threads), so a retry is stored once whichever thread receives it.
import type { AppendEntry, TransactionLog } from '../log/log.ts';
import { DedupeWindow } from './dedupe.ts';

export interface IntakeEntry extends AppendEntry {
  /** The capture sent the transaction-id (so a repeat within the window is a retry). */
  given: boolean;
}

/** What the edge needs behind it: durable intake, and the load signals it sheds on. */
export interface IntakePort {
  /** Resolves once every entry is durable; repeats of an earlier transaction wait for that one. */
  accept(entries: IntakeEntry[], now: number): Promise<void>;
  /** Bytes accepted but not yet durable. */
  pendingBytes(): number;
  /** Transactions analysis is behind, when it runs in this process (null: unknown here). */
  analysisLag(): number | null;
}

export class Intake implements IntakePort {
  private readonly log: TransactionLog;
  private readonly dedupe: DedupeWindow;
  private readonly lag: (() => number) | null;

  constructor(log: TransactionLog, dedupe: DedupeWindow, lag: (() => number) | null) {
    this.log = log;
    this.dedupe = dedupe;
    this.lag = lag;
  }

  async accept(entries: IntakeEntry[], now: number): Promise<void> {
    const fresh: AppendEntry[] = [];
    const keys: string[] = [];
    const earlierWrites: Array<Promise<void>> = [];
    for (const e of entries) {
      if (e.given) {
        const key = DedupeWindow.key(e.clientId, e.transactionId);
        const earlier = this.dedupe.lookup(key, now);
        if (earlier) {
          if (earlier.pending) earlierWrites.push(earlier.pending);
          continue;
        }
        keys.push(key);
      }
      fresh.push(e); // an IntakeEntry is an AppendEntry: the log reads only its own fields
    }
    const written = this.log.append(fresh);
    for (const key of keys) this.dedupe.reserve(key, now, written);
    try {
      await written;
      for (const key of keys) this.dedupe.settle(key);
    } catch (err) {
      for (const key of keys) this.dedupe.release(key);
      throw err;
    }
    for (const w of earlierWrites) await w;
  }

  pendingBytes(): number {
    return this.log.pendingBytes();
  }

  analysisLag(): number | null {
    return this.lag ? this.lag() : null;
  }
}
