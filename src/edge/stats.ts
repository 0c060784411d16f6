// Ingestion counters per client and source: counted in memory on the hot path, added to the
// store once a second (so several edges can share the same totals).
import type { IngestionDelta, Store } from '../store/store.ts';

export const UNAUTHENTICATED = '(unauthenticated)';

interface Activity {
  transactions: number;
  lastAt: number;
}

/** One second's worth of counters. */
export interface StatsBatch {
  deltas: IngestionDelta[];
  activity: Array<[clientId: string, activity: Activity]>;
}

/** Where a batch goes: the store, directly or through the thread that writes it. */
export type StatsSink = (batch: StatsBatch) => Promise<void>;

export async function writeStats(store: Store, batch: StatsBatch): Promise<void> {
  await store.addIngestionStats(batch.deltas);
  for (const [clientId, a] of batch.activity) {
    await store.recordClientActivity(clientId, { transactionAt: a.lastAt, transactions: a.transactions });
  }
}

export class IngestionStats {
  private deltas = new Map<string, IngestionDelta>();
  private activity = new Map<string, Activity>();
  private timer: NodeJS.Timeout | null = null;
  private readonly sink: StatsSink;
  /** Totals since start, for /metrics. */
  readonly totals = new Map<string, number>();

  constructor(sink: StatsSink) {
    this.sink = sink;
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.flush().catch(() => {}), intervalMs);
    this.timer.unref();
  }

  record(clientId: string, sourceType: string, outcome: string, count: number, message: string | null, now: number): void {
    const key = `${clientId}\u0000${sourceType}\u0000${outcome}`;
    const d = this.deltas.get(key);
    if (d) {
      d.count += count;
      d.lastSeen = now;
      if (message !== null) d.lastMessage = message;
    } else {
      this.deltas.set(key, { clientId, sourceType, outcome, count, lastMessage: message, lastSeen: now });
    }
    this.totals.set(outcome, (this.totals.get(outcome) ?? 0) + count);
    if (outcome === 'accepted') {
      const a = this.activity.get(clientId);
      if (a) {
        a.transactions += count;
        a.lastAt = now;
      } else this.activity.set(clientId, { transactions: count, lastAt: now });
    }
  }

  /** Adds counters recorded elsewhere (an edge worker thread), so they reach the store and /metrics. */
  absorb(batch: StatsBatch): void {
    for (const d of batch.deltas) this.record(d.clientId, d.sourceType, d.outcome, d.count, d.lastMessage, d.lastSeen);
  }

  async flush(): Promise<void> {
    if (this.deltas.size === 0) return;
    const batch = { deltas: [...this.deltas.values()], activity: [...this.activity] };
    this.deltas = new Map();
    this.activity = new Map();
    await this.sink(batch);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
