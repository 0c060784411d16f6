// The durable transaction log: the edge appends, the analyzers consume with acknowledgement.
// Two adapters share this port: embedded SQLite (sqlite-log.ts) and NATS JetStream.

export interface AppendEntry {
  clientId: string;
  transactionId: string;
  receivedAt: number;
  /** The serialized envelope (wire/envelope.ts). */
  data: string;
  /**
   * What a partitioned log (NATS) hashes to choose the entry's partition: entries with the same
   * key keep their order and reach the same analyzer. Default: the transaction's request host.
   */
  partitionKey?: string;
}

export interface LogEntry {
  seq: number;
  data: string;
  /**
   * Set by logs that can deliver out of order (JetStream redelivers an unacknowledged entry after
   * later ones): true when this entry was delivered before. Unset for an ordered log (SQLite).
   */
  redelivered?: boolean;
}

export interface LogConsumer {
  /** Up to `max` entries after the last acknowledged (or already handed out) one. */
  next(max: number): Promise<LogEntry[]>;
  /** Everything up to and including `seq` is processed; survives restarts. */
  ack(seq: number): Promise<void>;
}

export interface TransactionLog {
  /** Resolves only when every entry is durable (committed to disk, or acknowledged by the stream). */
  append(entries: AppendEntry[]): Promise<void>;
  /** Registers a consumer and returns the sequence number it acknowledged last. */
  cursor(name: string): number;
  /** Records a consumer's progress (from whichever thread or process consumes). */
  ack(name: string, seq: number): void;
  /** Entries appended but not yet acknowledged by the named consumer. */
  lag(name: string): number;
  /** (client, transaction id) pairs received since `sinceMs`, to rebuild the dedupe window after a restart. */
  recentKeys(sinceMs: number): Promise<Array<{ clientId: string; transactionId: string; receivedAt: number }>>;
  /** Bytes accepted by append() but not yet durable: the edge sheds load when this grows. */
  pendingBytes(): number;
  /** Wakes when new entries are appended (in this process). */
  onAppend(listener: () => void): void;
  close(): Promise<void>;
}
