// The deduplication window on (client, transaction-id): a retry within the window is
// acknowledged again and stored once. A retry that arrives while the first copy is still being
// written waits for that write, so its 200 carries the same durability promise.

interface Seen {
  expiresAt: number;
  /** Set while the first copy is being appended. */
  pending: Promise<void> | null;
}

export class DedupeWindow {
  private readonly seen = new Map<string, Seen>();
  private readonly windowMs: number;
  private readonly maxEntries: number;

  constructor(windowMs: number, maxEntries = 2_000_000) {
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
  }

  static key(clientId: string, transactionId: string): string {
    return `${clientId}\u0000${transactionId}`;
  }

  /** The earlier copy of this key within the window, or undefined when the key is new. */
  lookup(key: string, now: number): Seen | undefined {
    const s = this.seen.get(key);
    if (s && s.expiresAt <= now) {
      this.seen.delete(key);
      return undefined;
    }
    return s;
  }

  /** Marks a key as being written; `pending` settles when the write is durable (or failed). */
  reserve(key: string, receivedAt: number, pending: Promise<void> | null): void {
    this.seen.delete(key); // re-insert so the map stays ordered by time
    this.seen.set(key, { expiresAt: receivedAt + this.windowMs, pending });
    if (this.seen.size > this.maxEntries) this.evictOldest(this.seen.size - this.maxEntries);
  }

  settle(key: string): void {
    const s = this.seen.get(key);
    if (s) s.pending = null;
  }

  release(key: string): void {
    this.seen.delete(key);
  }

  /** Drops expired keys; the map is in insertion (time) order, so this stops at the first live one. */
  sweep(now: number): void {
    for (const [key, s] of this.seen) {
      if (s.expiresAt > now) break;
      this.seen.delete(key);
    }
  }

  private evictOldest(count: number): void {
    for (const key of this.seen.keys()) {
      if (count-- <= 0) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
