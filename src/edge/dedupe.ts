// The deduplication window on (client, transaction-id): a retry within the window is
// acknowledged again and stored once. A retry that arrives while the first copy is still being
// written waits for that write, so its 200 carries the same durability promise.

interface Seen {
  key: string;
  expiresAt: number;
  /** Set while the first copy is being appended. */
  pending: Promise<void> | null;
}

/** Below this many consumed slots the reservation order is not compacted. */
const COMPACT_AFTER = 65_536;

export class DedupeWindow {
  private readonly seen = new Map<string, Seen>();
  // Reservations, oldest first, for expiry and eviction. A separate queue rather than the Map's
  // own insertion order: walking a Map from its front after many deletions steps over every
  // deleted slot again, which made each eviction at capacity cost more than the last.
  private order: Seen[] = [];
  private head = 0;
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
    const s: Seen = { key, expiresAt: receivedAt + this.windowMs, pending };
    this.seen.set(key, s);
    this.order.push(s);
    while (this.seen.size > this.maxEntries) this.forgetOldest();
    this.sweep(receivedAt); // amortized O(1): each reservation is forgotten once
  }

  settle(key: string): void {
    const s = this.seen.get(key);
    if (s) s.pending = null;
  }

  release(key: string): void {
    this.seen.delete(key);
  }

  /** Drops expired keys, oldest first, stopping at the first live one. */
  sweep(now: number): void {
    while (this.head < this.order.length && this.order[this.head]!.expiresAt <= now) this.forgetOldest();
    this.compact();
  }

  /** Forgets the oldest reservation (unless the key was reserved again since, or released). */
  private forgetOldest(): void {
    const s = this.order[this.head]!;
    this.order[this.head++] = undefined as unknown as Seen;
    if (this.seen.get(s.key) === s) this.seen.delete(s.key);
    if (this.head >= this.order.length) {
      this.order = [];
      this.head = 0;
    }
  }

  private compact(): void {
    if (this.head > COMPACT_AFTER && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
