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

/** Distinct source types counted per client; the rest are counted as OTHER_SOURCES. */
export const MAX_SOURCES_PER_CLIENT = 64;
export const OTHER_SOURCES = 'other';

export class IngestionStats {
  private deltas = new Map<string, IngestionDelta>();
  /**
   * Source types seen per client. `source_info.type` is whatever the capture sends: without a bound,
   * a client sending random types would grow these counters and their rows in the store forever.
   */
  private readonly sources = new Map<string, Set<string>>();
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

  record(clientId: string, source: string, outcome: string, count: number, message: string | null, now: number): void {
    const sourceType = this.boundedSource(clientId, source);
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

  private boundedSource(clientId: string, source: string): string {
    let known = this.sources.get(clientId);
    if (!known) this.sources.set(clientId, (known = new Set()));
    if (known.has(source)) return source;
    if (known.size >= MAX_SOURCES_PER_CLIENT) return OTHER_SOURCES;
    known.add(source);
    return source;
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
