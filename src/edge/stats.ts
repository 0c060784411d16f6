// Ingestion counters per client and source: counted in memory on the hot path, added to the
// store once a second (so several edges can share the same totals).
import type { IngestionDelta, Store } from '../store/store.ts';

export const UNAUTHENTICATED = '(unauthenticated)';

interface Activity {
  transactions: number;
  lastAt: number;
}

export class IngestionStats {
  private deltas = new Map<string, IngestionDelta>();
  private activity = new Map<string, Activity>();
  private timer: NodeJS.Timeout | null = null;
  private readonly store: Store;
  /** Totals since start, for /metrics. */
  readonly totals = new Map<string, number>();

  constructor(store: Store) {
    this.store = store;
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

  async flush(): Promise<void> {
    const deltas = [...this.deltas.values()];
    const activity = [...this.activity];
    this.deltas = new Map();
    this.activity = new Map();
    await this.store.addIngestionStats(deltas);
    for (const [clientId, a] of activity) {
      await this.store.recordClientActivity(clientId, { transactionAt: a.lastAt, transactions: a.transactions });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
