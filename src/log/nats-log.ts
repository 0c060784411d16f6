// The transaction log on NATS JetStream, for the cluster shape: N edge processes publish to one
// stream, M analyzer processes consume it through durable pull consumers.
//
// - One stream (default TAPLINE_TXN) over `<prefix>.*`; an entry goes to `<prefix>.<partition>`,
//   partition = FNV-1a(partition key) mod partitions. The key defaults to the request host, so all
//   traffic of one host lands in one partition, in order, and reaches one analyzer.
// - append() publishes every entry with the message id `<clientId>:<transactionId>` and resolves
//   when the stream has acknowledged all of them: JetStream's duplicate window turns a retried
//   publish into a no-op (its ack says duplicate=true, which is as durable as the first).
// - A consumer name maps to one durable consumer per partition (`<name>-p<p>`, explicit acks), so
//   analyzer processes that own disjoint sets of partitions together consume everything once.
// Only features of nats-server 2.9 are used (single filter subject, no stream metadata).
import { connect, nanos, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { AppendEntry, LogConsumer, LogEntry, TransactionLog } from './log.ts';

export const DEFAULT_STREAM = 'TAPLINE_TXN';
export const DEFAULT_SUBJECT_PREFIX = 'tapline.txn';
export const DEFAULT_PARTITIONS = 8;

/** Where the log lives; edges and analyzers must agree on both. */
export interface NatsStreamOptions {
  /** Stream name. Default TAPLINE_TXN. */
  stream?: string;
  /** Entries are published to `<subjectPrefix>.<partition>`. Default tapline.txn. */
  subjectPrefix?: string;
  /** Extra connection options (credentials, TLS, name...). */
  connection?: Partial<ConnectionOptions>;
}

export interface NatsLogOptions extends NatsStreamOptions {
  /**
   * Number of partitions. Default: the count the stream records in its description, or 8 for a
   * new stream. A different count than the recorded one is refused (repartition with a new stream).
   */
  partitions?: number;
  /** Stream replicas (1 on a single server; 3 or 5 in a JetStream cluster). Default 1. */
  replicas?: number;
  /** Entries older than this are removed. 0: no age limit. Default 7 days. */
  maxAgeMs?: number;
  /** Stream size limit in bytes. -1: none. Default -1. */
  maxBytes?: number;
  /** Stream message count limit. -1: none. Default -1. */
  maxMessages?: number;
  /** At a limit: 'old' drops the oldest entries (default); 'new' refuses publishes (the edge answers 503). */
  discard?: 'old' | 'new';
  /** 'limits' (default) keeps entries until a limit; 'interest' drops them once every consumer acked them. */
  retention?: 'limits' | 'interest';
  /** JetStream's dedupe window for message ids. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** 'file' (default) or 'memory'. */
  storage?: 'file' | 'memory';
  /** How long append() waits for a publish acknowledgement before rejecting. Default 5 s. */
  publishTimeoutMs?: number;
  /** How often lag() figures are refreshed from the server. Default 1 s. */
  lagRefreshMs?: number;
  /** Partition key of an entry without `partitionKey`. Default: the envelope's request host. */
  partitionKeyOf?: (entry: AppendEntry) => string;
}

export interface NatsLogConsumerOptions extends NatsStreamOptions {
  /** Consumer name: the durables are `<durable>-p<partition>`. */
  durable: string;
  /** The partitions this process owns. Default: all. */
  partitions?: number[];
  /** The stream's partition count. Default: as recorded by the stream (else 8); a mismatch is refused. */
  partitionCount?: number;
  /** An entry handed out and not acknowledged within this time is delivered again. Default 30 s. */
  ackWaitMs?: number;
  /** Deliveries of one entry before JetStream gives up on it. -1: unlimited (default). */
  maxDeliver?: number;
  /** Entries delivered and not yet acknowledged, per partition. Default 1000. */
  maxAckPending?: number;
  /** Entries fetched ahead of next(), per partition. Default 256. */
  prefetch?: number;
  /** How long next() waits for an entry when none is buffered. Default 200 ms. */
  waitMs?: number;
  /**
   * Lifetime of each pull request (at least 1000). On close, entries fetched but not handed out
   * are returned with a redelivery delay just above it, because nats-server 2.9 can still deliver
   * to a pull request of a closed connection until it expires. Default 2000 ms.
   */
  pullExpiresMs?: number;
}

interface ResolvedStream {
  stream: string;
  prefix: string;
  partitions: number;
}

/** 32-bit FNV-1a over the key's UTF-8 bytes: stable across processes, versions and languages. */
export function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
    } else {
      for (const b of Buffer.from(key.slice(i), 'utf8')) h = Math.imul(h ^ b, 0x01000193);
      break;
    }
  }
  return h >>> 0;
}

export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}

/** The request host of a serialized envelope (lower-cased; '' when it has none). */
export function envelopeHost(data: string): string {
  try {
    const host = (JSON.parse(data) as { item?: { request?: { host?: unknown } } }).item?.request?.host;
    return typeof host === 'string' ? host.toLowerCase() : '';
  } catch {
    return '';
  }
}

const DESCRIPTION = 'Tapline transaction log; partitions=';

function resolveStream(o: NatsStreamOptions, partitions: number | undefined): ResolvedStream {
  const r = { stream: o.stream ?? DEFAULT_STREAM, prefix: o.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX, partitions: partitions ?? DEFAULT_PARTITIONS };
  if (!/^[A-Za-z0-9_-]+$/.test(r.stream)) throw new Error(`NATS stream name "${r.stream}" may hold only letters, digits, _ and -`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(r.prefix)) throw new Error(`NATS subject prefix "${r.prefix}" must be dot-separated tokens without wildcards`);
  if (!Number.isInteger(r.partitions) || r.partitions < 1 || r.partitions > 1024) throw new Error(`NATS log partitions must be an integer from 1 to 1024, got ${r.partitions}`);
  return r;
}

function partitionsOf(description: string | undefined): number | null {
  const m = description?.startsWith(DESCRIPTION) ? /^\d+$/.exec(description.slice(DESCRIPTION.length)) : null;
  return m ? Number(m[0]) : null;
}

async function openConnection(url: string, extra: Partial<ConnectionOptions> | undefined, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    timeout: 5000,
    // An Error per request for async stack traces costs a fifth of the publish path's CPU.
    noAsyncTraces: true,
    ...extra,
  });
}

/** drain() waits for the server; when it is gone, close instead of hanging. */
async function closeConnection(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([nc.drain(), new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
  } catch {
    // already closing or disconnected: close below
  } finally {
    clearTimeout(timer);
    if (!nc.isClosed()) await nc.close();
  }
}

const consumerName = (durable: string, p: number) => `${durable}-p${p}`;

function consumerConfig(s: ResolvedStream, durable: string, p: number, o: { ackWaitMs?: number; maxDeliver?: number; maxAckPending?: number }): Partial<ConsumerConfig> {
  return {
    durable_name: consumerName(durable, p),
    filter_subject: `${s.prefix}.${p}`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(o.ackWaitMs ?? 30_000),
    max_deliver: o.maxDeliver ?? -1,
    max_ack_pending: o.maxAckPending ?? 1000,
  };
}

const isNotFound = (err: unknown) => /not found/i.test((err as Error).message ?? '');

/**
 * Creates the durable if missing; with `update`, brings ack wait, max deliver and max ack pending
 * of an existing one to the given values. A durable filtering another subject is refused.
 */
async function ensureConsumer(jsm: JetStreamManager, s: ResolvedStream, cfg: Partial<ConsumerConfig>, update: boolean): Promise<void> {
  const name = cfg.durable_name!;
  let info;
  try {
    info = await jsm.consumers.info(s.stream, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.consumers.add(s.stream, cfg);
      return;
    } catch (addErr) {
      // Another process may have created it meanwhile.
      info = await jsm.consumers.info(s.stream, name).catch(() => {
        throw addErr;
      });
    }
  }
  if (info.config.filter_subject !== cfg.filter_subject) {
    throw new Error(
      `NATS consumer ${name} on stream ${s.stream} reads "${info.config.filter_subject ?? '>'}", not "${cfg.filter_subject}": delete it (nats consumer rm ${s.stream} ${name}) or use another consumer name`,
    );
  }
  const c = info.config;
  if (update && (c.ack_wait !== cfg.ack_wait || c.max_deliver !== cfg.max_deliver || c.max_ack_pending !== cfg.max_ack_pending)) {
    await jsm.consumers.update(s.stream, name, { ack_wait: cfg.ack_wait, max_deliver: cfg.max_deliver, max_ack_pending: cfg.max_ack_pending });
  }
}

/** Reads the partition count an existing stream was created with. */
async function streamPartitions(jsm: JetStreamManager, s: ResolvedStream, explicit: boolean): Promise<number> {
  const info = await jsm.streams.info(s.stream).catch((err: Error) => {
    throw new Error(`NATS stream ${s.stream} cannot be read: ${err.message} (edges create it when they start)`);
  });
  const recorded = partitionsOf(info.config.description);
  if (recorded === null) return s.partitions;
  if (explicit && recorded !== s.partitions) {
    throw new Error(`NATS stream ${s.stream} has ${recorded} partitions, not ${s.partitions}: use the same partition count everywhere, or a new stream to repartition`);
  }
  return recorded;
}

interface LagState {
  acked: number;
  floor: number;
  lag: number;
  ready: Promise<void>;
}

export class NatsLog implements TransactionLog {
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly s: ResolvedStream;
  private readonly publishTimeoutMs: number;
  private readonly keyOf: (entry: AppendEntry) => string;
  private readonly listeners: Array<() => void> = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly consumers = new Map<string, LagState>();
  private readonly lagTimer: NodeJS.Timeout;
  private refreshing: Promise<void> | null = null;
  private soon: NodeJS.Timeout | null = null;
  private unacked = 0;
  private closing = false;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, s: ResolvedStream, o: NatsLogOptions) {
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc, { timeout: o.publishTimeoutMs ?? 5000 });
    this.s = s;
    this.publishTimeoutMs = o.publishTimeoutMs ?? 5000;
    this.keyOf = o.partitionKeyOf ?? ((e) => envelopeHost(e.data));
    this.lagTimer = setInterval(() => void this.refreshLag().catch(() => {}), o.lagRefreshMs ?? 1000);
    this.lagTimer.unref();
  }

  /** Connects, and creates the stream or brings its limits to the given options. */
  static async open(url: string, options: NatsLogOptions = {}): Promise<NatsLog> {
    const s = resolveStream(options, options.partitions);
    const nc = await openConnection(url, options.connection, 'tapline-log');
    try {
      const jsm = await jetstreamManager(nc, { timeout: options.publishTimeoutMs ?? 5000 });
      return new NatsLog(nc, jsm, await NatsLog.ensureStream(jsm, s, options), options);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /**
   * Creates the stream, or brings the limits of the existing one to the options. Returns the
   * stream's partition count: the recorded one when `partitions` was not given.
   */
  private static async ensureStream(jsm: JetStreamManager, given: ResolvedStream, o: NatsLogOptions, retry = true): Promise<ResolvedStream> {
    const maxAgeMs = o.maxAgeMs ?? 7 * 24 * 3600_000;
    const duplicateWindowMs = o.duplicateWindowMs ?? 120_000;
    if (maxAgeMs > 0 && duplicateWindowMs > maxAgeMs) throw new Error(`NATS log duplicate window (${duplicateWindowMs} ms) cannot exceed the max age (${maxAgeMs} ms)`);
    const read = async () => (await jsm.streams.info(given.stream)).config;
    const current: StreamConfig | null = await read().catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    const recordedAtStart = current ? partitionsOf(current.description) : null;
    const s = recordedAtStart !== null && o.partitions === undefined ? { ...given, partitions: recordedAtStart } : given;
    const wanted = {
      subjects: [`${s.prefix}.*`],
      description: `${DESCRIPTION}${s.partitions}`,
      retention: o.retention === 'interest' ? RetentionPolicy.Interest : RetentionPolicy.Limits,
      storage: o.storage === 'memory' ? StorageType.Memory : StorageType.File,
      num_replicas: o.replicas ?? 1,
      max_age: nanos(maxAgeMs),
      max_bytes: o.maxBytes ?? -1,
      max_msgs: o.maxMessages ?? -1,
      discard: o.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
      duplicate_window: nanos(duplicateWindowMs),
    } satisfies Partial<StreamConfig>;
    if (!current) {
      try {
        await jsm.streams.add({ name: s.stream, ...wanted });
        return s;
      } catch (addErr) {
        // Another edge may have created it meanwhile: start over against that one.
        if (!retry || !(await read().then(() => true, () => false))) throw addErr;
        return NatsLog.ensureStream(jsm, given, o, false);
      }
    }
    const recorded = partitionsOf(current.description);
    if (recorded !== null && recorded !== s.partitions) {
      throw new Error(`NATS stream ${s.stream} has ${recorded} partitions, not ${s.partitions}: use the same partition count everywhere, or a new stream to repartition`);
    }
    if (current.retention !== wanted.retention || current.storage !== wanted.storage) {
      throw new Error(
        `NATS stream ${s.stream} has retention ${current.retention} and storage ${current.storage}; these cannot change: delete the stream or use another name to get ${wanted.retention}/${wanted.storage}`,
      );
    }
    const subjects = current.subjects ?? [];
    const changed =
      !subjects.includes(wanted.subjects[0]!) ||
      current.description !== wanted.description ||
      current.num_replicas !== wanted.num_replicas ||
      current.max_age !== wanted.max_age ||
      current.max_bytes !== wanted.max_bytes ||
      current.max_msgs !== wanted.max_msgs ||
      current.discard !== wanted.discard ||
      current.duplicate_window !== wanted.duplicate_window;
    if (changed) {
      await jsm.streams.update(s.stream, {
        ...current,
        subjects: subjects.includes(wanted.subjects[0]!) ? subjects : [...subjects, wanted.subjects[0]!],
        description: wanted.description,
        num_replicas: wanted.num_replicas,
        max_age: wanted.max_age,
        max_bytes: wanted.max_bytes,
        max_msgs: wanted.max_msgs,
        discard: wanted.discard,
        duplicate_window: wanted.duplicate_window,
      });
    }
    return s;
  }

  get stream(): string {
    return this.s.stream;
  }

  get partitions(): number {
    return this.s.partitions;
  }

  /** The subject an entry is published to. */
  subjectOf(entry: AppendEntry): string {
    return `${this.s.prefix}.${partitionOf(entry.partitionKey ?? this.keyOf(entry), this.s.partitions)}`;
  }

  /**
   * Publishes the entries in parallel and resolves when the stream acknowledged every one (a
   * duplicate acknowledgement included); rejects if any publish failed or timed out. Entries of
   * one append keep their order within their partition.
   */
  append(entries: AppendEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    if (this.closing) return Promise.reject(new Error('the NATS log is closed'));
    let bytes = 0;
    const acks = entries.map((e) => {
      bytes += e.data.length;
      return this.js.publish(this.subjectOf(e), e.data, { msgID: `${e.clientId}:${e.transactionId}`, timeout: this.publishTimeoutMs });
    });
    this.unacked += bytes;
    const done = Promise.allSettled(acks).then((results) => {
      this.unacked -= bytes;
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length > 0) {
        const reason = (failed[0] as PromiseRejectedResult).reason as Error;
        throw new Error(`the NATS log did not acknowledge ${failed.length} of ${entries.length} transactions: ${reason?.message ?? reason}`);
      }
      for (const l of this.listeners) l();
    });
    this.inflight.add(done);
    const forget = () => this.inflight.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** Bytes published and not yet acknowledged by the stream. */
  pendingBytes(): number {
    return this.unacked;
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  private track(name: string): LagState {
    let state = this.consumers.get(name);
    if (!state) {
      const jobs = [];
      for (let p = 0; p < this.s.partitions; p++) jobs.push(ensureConsumer(this.jsm, this.s, consumerConfig(this.s, name, p, {}), false));
      const ready = Promise.all(jobs).then(() => this.refreshLag());
      state = { acked: 0, floor: 0, lag: 0, ready };
      ready.catch(() => {});
      this.consumers.set(name, state);
    }
    return state;
  }

  /**
   * Registers a consumer name: creates its durables (one per partition) when missing, so entries
   * appended from now on count in its lag. Returns a stream sequence up to which the consumer has
   * acknowledged everything, as last refreshed (0 until then). With JetStream the server keeps
   * consumer positions; NatsLogConsumer does not need this value.
   */
  cursor(name: string): number {
    const s = this.track(name);
    return Math.max(s.acked, s.floor);
  }

  /** Waits until the durables of `name` exist (the promise behind cursor()). */
  async ready(name: string): Promise<void> {
    await this.track(name).ready;
  }

  /**
   * Records a consumer's progress for cursor() and refreshes lag soon. Acknowledgements to
   * JetStream go per message through NatsLogConsumer.ack, which only the reading process can send.
   */
  ack(name: string, seq: number): void {
    const s = this.track(name);
    if (seq > s.acked) s.acked = seq;
    if (this.soon || this.closing) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.refreshLag().catch(() => {});
    }, 50);
    this.soon.unref();
  }

  /** Entries not yet acknowledged by `name` (pending + delivered unacked), as last refreshed. */
  lag(name: string): number {
    return this.track(name).lag;
  }

  /** Refreshes lag() and cursor() from the consumers' info (runs every lagRefreshMs). */
  refreshLag(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (this.closing || this.consumers.size === 0) return Promise.resolve();
    this.refreshing = (async () => {
      for (const [name, state] of this.consumers) {
        const infos = await Promise.all(
          Array.from({ length: this.s.partitions }, (_, p) =>
            this.jsm.consumers.info(this.s.stream, consumerName(name, p)).catch(async (err: unknown) => {
              // Deleted (or never created while the server was away): create it again.
              if (isNotFound(err)) await ensureConsumer(this.jsm, this.s, consumerConfig(this.s, name, p, {}), false).catch(() => {});
              return null;
            }),
          ),
        );
        // Everything up to the lowest ack floor of the partitions with a backlog is acknowledged
        // (a partition without one has had all its entries acknowledged).
        let lag = 0;
        let behind = Infinity;
        let caughtUp = 0;
        for (const i of infos) {
          if (!i) continue;
          const backlog = i.num_pending + i.num_ack_pending;
          lag += backlog;
          if (backlog > 0) behind = Math.min(behind, i.ack_floor.stream_seq);
          else caughtUp = Math.max(caughtUp, i.ack_floor.stream_seq);
        }
        state.lag = lag;
        state.floor = behind !== Infinity ? behind : caughtUp;
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Always empty: JetStream's duplicate window (duplicateWindowMs, 2 minutes by default) already
   * makes a retried (client, transaction id) a no-op on the server, across edge restarts and edges.
   */
  async recentKeys(_sinceMs: number): Promise<Array<{ clientId: string; transactionId: string; receivedAt: number }>> {
    return [];
  }

  /** Waits for publishes in flight, then drains the connection. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.lagTimer);
    if (this.soon) clearTimeout(this.soon);
    await Promise.allSettled([...this.inflight]);
    await this.refreshing?.catch(() => {});
    await closeConnection(this.nc);
  }
}

interface Partition {
  p: number;
  messages: ConsumerMessages;
  buffer: JsMsg[];
  /** Resolves the pump when next() made room in the buffer. */
  room: (() => void) | null;
  pump: Promise<void>;
}

/**
 * Reads the log through durable pull consumers, one per owned partition. Each partition keeps a
 * small buffer filled by `consume()` (prefetch entries ahead); next() merges the buffers by stream
 * sequence, so a partition's entries come out in the order they were stored. Delivery is at least
 * once: an entry delivered again (after ackWait, or returned by close) can come after later
 * entries of its partition, so what consumes must be idempotent, as with the SQLite log.
 */
export class NatsLogConsumer implements LogConsumer {
  private readonly nc: NatsConnection;
  private readonly parts: Partition[] = [];
  private readonly prefetch: number;
  private readonly waitMs: number;
  private readonly pullExpiresMs: number;
  /** Handed out by next(), not yet acknowledged, in hand-out order. */
  private handedOut: Array<{ m: JsMsg; part: Partition }> = [];
  private arrival: (() => void) | null = null;
  private closed = false;
  private failure: Error | null = null;
  /** Resolved partitions of the stream and those this consumer reads. */
  readonly partitions: number;
  readonly owned: readonly number[];

  private constructor(nc: NatsConnection, partitions: number, owned: number[], o: NatsLogConsumerOptions) {
    this.nc = nc;
    this.partitions = partitions;
    this.owned = owned;
    this.prefetch = o.prefetch ?? 256;
    this.waitMs = o.waitMs ?? 200;
    this.pullExpiresMs = Math.max(1000, o.pullExpiresMs ?? 2000);
  }

  static async open(url: string, options: NatsLogConsumerOptions): Promise<NatsLogConsumer> {
    const base = resolveStream(options, options.partitionCount);
    if (!/^[A-Za-z0-9_-]+$/.test(options.durable)) throw new Error(`NATS consumer name "${options.durable}" may hold only letters, digits, _ and -`);
    const nc = await openConnection(url, options.connection, `tapline-analysis-${options.durable}`);
    try {
      const jsm = await jetstreamManager(nc);
      const partitions = await streamPartitions(jsm, base, options.partitionCount !== undefined);
      const s = { ...base, partitions };
      const owned = [...new Set(options.partitions ?? Array.from({ length: partitions }, (_, p) => p))].sort((a, b) => a - b);
      for (const p of owned) {
        if (!Number.isInteger(p) || p < 0 || p >= partitions) throw new Error(`NATS log partition ${p} does not exist: the stream has partitions 0 to ${partitions - 1}`);
      }
      await Promise.all(owned.map((p) => ensureConsumer(jsm, s, consumerConfig(s, options.durable, p, options), true)));
      const consumer = new NatsLogConsumer(nc, partitions, owned, options);
      const js = jetstream(nc);
      for (const p of owned) {
        const c = await js.consumers.get(s.stream, consumerName(options.durable, p));
        const messages = await c.consume({ max_messages: consumer.prefetch, expires: consumer.pullExpiresMs });
        const part: Partition = { p, messages, buffer: [], room: null, pump: Promise.resolve() };
        part.pump = consumer.pumpInto(part).catch((err: Error) => {
          consumer.failure ??= new Error(`NATS consumer ${consumerName(options.durable, p)} stopped: ${err.message}`);
          consumer.arrival?.();
        });
        consumer.parts.push(part);
      }
      return consumer;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private async pumpInto(part: Partition): Promise<void> {
    for await (const m of part.messages) {
      part.buffer.push(m);
      const wake = this.arrival;
      this.arrival = null;
      wake?.();
      // Stop iterating (which stops pulling) while the buffer is full.
      while (part.buffer.length >= this.prefetch && !this.closed) await new Promise<void>((resolve) => (part.room = resolve));
    }
  }

  private buffered(): boolean {
    return this.parts.some((p) => p.buffer.length > 0);
  }

  /**
   * Up to `max` entries, waiting up to waitMs when none is buffered; [] when none came. Rejects
   * if reading a partition failed for good (the caller restarts the consumer).
   */
  async next(max: number): Promise<LogEntry[]> {
    if (this.failure) throw this.failure;
    if (this.closed) return [];
    if (!this.buffered()) {
      let timer: NodeJS.Timeout | undefined;
      const arrived = await new Promise<boolean>((resolve) => {
        this.arrival = () => resolve(true);
        timer = setTimeout(() => resolve(false), this.waitMs);
      });
      clearTimeout(timer);
      this.arrival = null;
      // Let the rest of what came in the same read reach the buffers, for fuller batches.
      if (arrived) await new Promise((resolve) => setImmediate(resolve));
    }
    const out: LogEntry[] = [];
    while (out.length < max) {
      let best: Partition | null = null;
      for (const part of this.parts) {
        const head = part.buffer[0];
        if (head && (!best || head.seq < best.buffer[0]!.seq)) best = part;
      }
      if (!best) break;
      const m = best.buffer.shift()!;
      if (best.room && best.buffer.length < this.prefetch) {
        const room = best.room;
        best.room = null;
        room();
      }
      this.handedOut.push({ m, part: best });
      out.push({ seq: m.seq, data: m.string(), redelivered: m.redelivered });
    }
    return out;
  }

  /**
   * Acknowledges every entry handed out up to (in hand-out order) the one with stream sequence
   * `seq`, or, if none has it, every handed-out entry with a sequence up to `seq`. Resolves when
   * the server confirmed the last acknowledgement of each partition (acks on one connection are
   * processed in order).
   */
  async ack(seq: number): Promise<void> {
    let upTo = -1;
    for (let i = this.handedOut.length - 1; i >= 0; i--) {
      if (this.handedOut[i]!.m.seq === seq) {
        upTo = i;
        break;
      }
    }
    let done: typeof this.handedOut;
    if (upTo >= 0) {
      done = this.handedOut.slice(0, upTo + 1);
      this.handedOut = this.handedOut.slice(upTo + 1);
    } else {
      done = this.handedOut.filter((h) => h.m.seq <= seq);
      this.handedOut = this.handedOut.filter((h) => h.m.seq > seq);
    }
    if (done.length === 0) return;
    const last = new Map<Partition, JsMsg>();
    for (const h of done) last.set(h.part, h.m);
    for (const h of done) if (last.get(h.part) !== h.m) h.m.ack();
    const confirmed = await Promise.all([...last.values()].map((m) => m.ackAck()));
    if (confirmed.some((ok) => !ok)) throw new Error(`NATS did not confirm the acknowledgement up to sequence ${seq}; those entries will be delivered again`);
  }

  /** Entries handed out by next() and not acknowledged yet. */
  unacked(): number {
    return this.handedOut.length;
  }

  /**
   * Stops reading. Entries fetched but never handed out are returned to the server (nak, delivered
   * again after pullExpiresMs + 0.5 s); entries handed out and not acknowledged are delivered
   * again after ackWait, as after a crash.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.arrival?.();
    for (const part of this.parts) {
      part.messages.stop();
      part.room?.();
    }
    await Promise.allSettled(this.parts.map((p) => p.pump));
    // Redelivered at once, they could go to our own pull requests, which nats-server 2.9 keeps
    // until they expire, and be lost for another ackWait: delay them past that.
    for (const part of this.parts) {
      for (const m of part.buffer) m.nak(this.pullExpiresMs + 500);
      part.buffer = [];
    }
    await closeConnection(this.nc);
  }
}
