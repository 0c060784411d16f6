// The client side of the Edge API, shared by the sensor and the bridge. Modelled on the
// OpenTelemetry Collector's exporterhelper: a bounded sending queue, a persistent queue (the disk
// spool), and retry with exponential backoff and full jitter. Tokens come from the client
// credentials grant and are cached until shortly before their `exp`.
//
// Cost (bench/sensor): each transaction is serialized once, on enqueue, to a UTF-8 Buffer. The
// queue, the spool and the batches hold those Buffers: their bytes live outside the JS heap, so
// the garbage collector neither copies nor marks them while they wait for their batch, and a
// batch body is one concatenation of them, never a re-serialization.
import http from 'node:http';
import https from 'node:https';
import type { EdgeTransaction } from '../wire/edge-format.ts';
import { Spool } from './spool.ts';

export interface ForwarderOptions {
  /** Base URL of the edge; batches go to `{edge}/api-transactions`. */
  edge: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Without a spool directory, what cannot be sent stays in memory (bounded) and is lost on stop. */
  spoolDir?: string;
  maxBatchItems?: number;
  maxBatchBytes?: number;
  maxDelayMs?: number;
  /**
   * Batches on their way to the edge at once (default 2). Over a link with a long round trip, one
   * batch at a time caps the rate at a batch per round trip; the edge also parses one batch while
   * it commits another. Without a spool directory it is 1, so an unsent batch can go back to the
   * front of memory in order.
   */
  maxInFlight?: number;
  maxQueueBytes?: number;
  maxSpoolBytes?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Tries per batch while the edge looks healthy; once it is down, one try, then the spool. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
}

/** Counts are of transactions, not batches. */
export interface ForwarderMetrics {
  sent: number;
  /** Transactions sent again after a failed attempt of their batch. */
  retried: number;
  spooled: number;
  dropped: number;
  /** Transactions waiting in memory. */
  queued: number;
  /** Transactions waiting in the spool. */
  spoolQueued: number;
  lastError: string | null;
}

/** Nothing sent, nothing waiting: the counters before a forwarder has done anything. */
export const NO_FORWARDER_METRICS: Readonly<ForwarderMetrics> = Object.freeze({ sent: 0, retried: 0, spooled: 0, dropped: 0, queued: 0, spoolQueued: 0, lastError: null });

type Outcome = 'sent' | 'retryable' | 'dropped';

interface PostResult {
  ok: boolean;
  retryable: boolean;
  status: number | null;
  retryAfterMs: number | null;
  error: string;
}

const DEFAULTS = {
  maxBatchItems: 250,
  maxBatchBytes: 4 * 1024 * 1024,
  maxDelayMs: 200,
  maxInFlight: 2,
  maxQueueBytes: 32 * 1024 * 1024,
  maxSpoolBytes: 256 * 1024 * 1024,
  retryInitialMs: 500,
  retryMaxMs: 30_000,
  maxAttempts: 5,
  requestTimeoutMs: 30_000,
};

const abortable = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/** The `exp` claim of a JWT in milliseconds, or null when it cannot be read. */
export function jwtExpiry(token: string): number | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

const BATCH_OPEN = Buffer.from('{"data":[');
const BATCH_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** `{"data":[item,item,...]}` from serialized items: one copy of their bytes, no re-serialization. */
export function batchBody(items: Buffer[]): Buffer {
  const parts: Buffer[] = [BATCH_OPEN];
  let length = BATCH_OPEN.length + BATCH_CLOSE.length + Math.max(0, items.length - 1);
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(items[i]!);
    length += items[i]!.length;
  }
  parts.push(BATCH_CLOSE);
  return Buffer.concat(parts, length);
}

/** Seconds or an HTTP date, as Retry-After carries them. */
function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

export class Forwarder {
  private readonly o: Required<Omit<ForwarderOptions, 'spoolDir'>> & { spoolDir?: string };
  private readonly spool: Spool | null;
  /** Serialized transactions (UTF-8 JSON, one per item), oldest first. */
  private queue: Buffer[] = [];
  private queueBytes = 0;
  private firstQueuedAt = 0;
  private counters = { sent: 0, retried: 0, spooled: 0, dropped: 0 };
  private lastError: string | null = null;
  private token: { value: string; refreshAt: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;
  /** Consecutive failed deliveries; while above zero the edge is treated as down. */
  private failures = 0;
  private downUntil = 0;
  /** A spool segment is being sent (never while memory batches are in flight). */
  private sendingSpool = false;
  private running = false;
  private stopper = new AbortController();
  private wakeUp: (() => void) | null = null;
  private flushWaiters: Array<() => void> = [];
  // Items are numbered in enqueue order. The queue always holds the contiguous run [head, tail)
  // (a batch put back goes to its front, which only happens with one batch in flight), and the
  // batches being delivered start at the keys of inFlight, in increasing order, so everything
  // numbered below handledThrough() was sent, spooled or dropped.
  private tail = 0;
  private head = 0;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly maxInFlight: number;
  private handledWaiters: Array<{ mark: number; resolve: () => void }> = [];
  private loopDone: Promise<void> = Promise.resolve();
  /** Where batches go, and a keep-alive connection pool for them (node:http: a batch body is one write). */
  private readonly target: URL;
  private agent: http.Agent;

  constructor(options: ForwarderOptions) {
    this.o = { ...DEFAULTS, ...options, edge: options.edge.replace(/\/+$/, '') };
    this.target = new URL(`${this.o.edge}/api-transactions`);
    this.maxInFlight = options.spoolDir ? Math.max(1, Math.floor(this.o.maxInFlight) || 1) : 1;
    this.agent = this.newAgent();
    this.spool = options.spoolDir ? new Spool(options.spoolDir, this.o.maxSpoolBytes, (n) => this.drop(n, 'spool full: dropped the oldest transactions')) : null;
  }

  /** Loads what a previous run spooled and starts sending. */
  start(): void {
    if (this.running) return;
    this.spool?.open();
    this.running = true;
    this.stopper = new AbortController();
    this.loopDone = this.loop();
  }

  /**
   * Queues one transaction. Never throws and never waits: when memory is full it spills the
   * oldest batch to disk with a synchronous write (rare, and bounded by one batch).
   */
  enqueue(t: EdgeTransaction): void {
    try {
      this.push(Buffer.from(JSON.stringify(t), 'utf8'));
    } catch (error) {
      this.drop(1, `enqueue: ${(error as Error).message}`);
    }
  }

  /**
   * Queues one transaction already serialized as Edge-format JSON (one object, UTF-8 when a
   * Buffer), e.g. built by a capture that serializes without an intermediate object. Same
   * guarantees as enqueue(). Text with a raw newline is dropped (counted): the spool is one
   * transaction per line, and JSON.stringify never writes one.
   */
  enqueueSerialized(json: string | Buffer): void {
    try {
      const line = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
      if (line.indexOf(0x0a) !== -1) return this.drop(1, 'enqueueSerialized: the JSON text holds a raw newline');
      this.push(line);
    } catch (error) {
      this.drop(1, `enqueue: ${(error as Error).message}`);
    }
  }

  private push(line: Buffer): void {
    const first = this.queue.length === 0;
    if (first) this.firstQueuedAt = Date.now();
    this.queue.push(line);
    this.tail++;
    this.queueBytes += line.length;
    if (this.queueBytes > this.o.maxQueueBytes) this.spill();
    // The first item wakes an idle loop so it sleeps only until the batch delay is up.
    if (first || this.queue.length >= this.o.maxBatchItems || this.queueBytes >= this.o.maxBatchBytes) this.wake();
  }

  /** A mark after everything enqueued so far, for whenHandled(). */
  mark(): number {
    return this.tail;
  }

  /**
   * Resolves once everything enqueued before `mark` was sent, spooled or dropped; unlike flush(),
   * what is enqueued later does not delay it, so a producer can go on while earlier items travel.
   * Waiting counts as a reason to send a batch that is not full yet.
   */
  whenHandled(mark: number): Promise<void> {
    if (this.handledThrough() >= mark) return Promise.resolve();
    return new Promise((resolve) => {
      // Kept in mark order, so settleMarks() resolves a prefix.
      let at = this.handledWaiters.length;
      while (at > 0 && this.handledWaiters[at - 1]!.mark > mark) at--;
      this.handledWaiters.splice(at, 0, { mark, resolve });
      this.wake();
    });
  }

  private handledThrough(): number {
    for (const from of this.inFlight.keys()) return from; // the oldest batch still on its way
    return this.head;
  }

  /** Resolves the whenHandled() waiters that are due, in mark order. */
  private settleMarks(): void {
    const through = this.handledThrough();
    while (this.handledWaiters.length > 0 && this.handledWaiters[0]!.mark <= through) this.handledWaiters.shift()!.resolve();
  }

  /** Resolves once everything in memory was sent, spooled or dropped. */
  flush(): Promise<void> {
    if (!this.running || (this.queue.length === 0 && this.inFlight.size === 0 && !this.sendingSpool)) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      this.wake();
    });
  }

  /** Stops sending and persists what was not sent to the spool. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopper.abort();
    this.wake();
    await this.loopDone;
    this.agent.destroy(); // idle keep-alive connections would hold the process open
    this.agent = this.newAgent();
    if (this.spool) this.spoolItems(this.takeAll());
    else if (this.queue.length > 0) this.drop(this.takeAll().length, 'stopped without a spool directory');
    this.resolveFlushWaiters();
    this.settleMarks();
  }

  metrics(): ForwarderMetrics {
    return { ...this.counters, queued: this.queue.length, spoolQueued: this.spool?.count ?? 0, lastError: this.lastError };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      const down = now < this.downUntil;
      const idle = this.inFlight.size === 0;
      if (this.queue.length > 0 && down && this.waited()) {
        // The edge is down: a flush persists instead of waiting (without a spool, memory keeps it).
        if (this.spool) this.spoolItems(this.takeAll());
        if (idle) this.resolveFlushWaiters();
        this.settleMarks();
      } else if (this.queue.length > 0 && !down && this.inFlight.size < this.maxInFlight && this.batchReady(now)) {
        this.sendMemoryBatch();
        continue;
      } else if (this.queue.length === 0 && !down && idle && this.spool?.oldest()) {
        await this.sendSpoolSegment();
        continue;
      }
      if (this.queue.length === 0 && idle) this.resolveFlushWaiters();
      await this.sleepUntilNeeded(now, down);
    }
    await Promise.all(this.inFlight.values()); // stopping aborts them; what they hold is spooled
  }

  /**
   * A full batch goes at once; a partial one after the batch delay, or early when someone waits for
   * it and nothing else is on its way (else it fills up while the batch before it travels: a
   * waiting producer would otherwise get ever smaller batches, which cost the edge more).
   */
  private batchReady(now: number): boolean {
    const full = this.queue.length >= this.o.maxBatchItems || this.queueBytes >= this.o.maxBatchBytes;
    return full || now - this.firstQueuedAt >= this.o.maxDelayMs || (this.waited() && this.inFlight.size === 0);
  }

  /** Someone waits for queued items (flush or whenHandled). */
  private waited(): boolean {
    return this.flushWaiters.length > 0 || (this.handledWaiters.length > 0 && this.handledWaiters[0]!.mark > this.handledThrough());
  }

  /** Sleeps until the edge may be up again, the batch delay is up, or wake() (new items, a batch settled). */
  private sleepUntilNeeded(now: number, down: boolean): Promise<void> {
    const canSend = this.queue.length > 0 && this.inFlight.size < this.maxInFlight;
    const wait = down ? this.downUntil - now : canSend ? Math.max(1, this.firstQueuedAt + this.o.maxDelayMs - now) : 60_000;
    return new Promise((resolve) => {
      const timer = setTimeout(done, wait);
      // Idle, nothing queued: an idle forwarder alone should not keep the process alive.
      if (this.queue.length === 0 && !down) timer.unref();
      this.wakeUp = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  private resolveFlushWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Takes the next batch and delivers it in the background; the loop goes on (up to maxInFlight). */
  private sendMemoryBatch(): void {
    const from = this.head;
    const batch = this.takeBatch();
    const delivered = this.deliver(batch)
      .then((outcome) => {
        if (outcome === 'retryable') this.keepUnsent(batch);
      })
      .catch((error: Error) => this.keepUnsent(batch, error))
      .finally(() => {
        this.inFlight.delete(from);
        this.settleMarks();
        this.wake();
      });
    this.inFlight.set(from, delivered);
  }

  private async sendSpoolSegment(): Promise<void> {
    const segment = this.spool!.oldest()!;
    const lines = this.spool!.read(segment);
    this.sendingSpool = true;
    try {
      // Segments hold at most one batch when we wrote them; chunk anyway in case limits changed.
      for (const chunk of this.chunks(lines)) {
        if ((await this.deliver(chunk)) === 'retryable') return; // keep the segment for later
      }
      this.spool!.remove(segment);
    } finally {
      this.sendingSpool = false;
    }
  }

  /** Unsent after the retries: to the spool, or back to the front of memory without one. */
  private keepUnsent(batch: Buffer[], error?: Error): void {
    if (error) this.lastError = `delivery: ${error.message}`;
    if (this.spool) return this.spoolItems(batch);
    this.queue = [...batch, ...this.queue];
    this.head -= batch.length;
    this.queueBytes += batch.reduce((sum, l) => sum + l.length, 0);
    this.firstQueuedAt = Date.now();
    while (this.queueBytes > this.o.maxQueueBytes && this.queue.length > 0) {
      this.queueBytes -= this.queue.shift()!.length;
      this.head++;
      this.drop(1, 'memory queue full and no spool directory');
    }
  }

  /** Memory is over its bound: move the oldest batches to disk (or drop them without a spool). */
  private spill(): void {
    while (this.queueBytes > this.o.maxQueueBytes && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (this.spool) this.spoolItems(batch);
      else this.drop(batch.length, 'memory queue full and no spool directory');
    }
    this.settleMarks();
  }

  private spoolItems(items: Buffer[]): void {
    for (const chunk of this.chunks(items)) {
      try {
        this.spool!.write(chunk);
        this.counters.spooled += chunk.length;
      } catch (error) {
        this.drop(chunk.length, `spool write failed: ${(error as Error).message}`);
      }
    }
  }

  private drop(count: number, reason: string): void {
    this.counters.dropped += count;
    this.lastError = reason;
  }

  private takeBatch(): Buffer[] {
    const [batch] = this.chunks(this.queue, true);
    const taken = batch ?? [];
    this.queue = this.queue.slice(taken.length);
    this.head += taken.length;
    this.queueBytes -= taken.reduce((sum, l) => sum + l.length, 0);
    this.firstQueuedAt = Date.now();
    return taken;
  }

  private takeAll(): Buffer[] {
    const all = this.queue;
    this.queue = [];
    this.head += all.length;
    this.queueBytes = 0;
    return all;
  }

  /** Splits lines into batches within the item and byte limits (`firstOnly` stops after one). */
  private chunks(lines: Buffer[], firstOnly = false): Buffer[][] {
    const out: Buffer[][] = [];
    let current: Buffer[] = [];
    let bytes = 0;
    for (const line of lines) {
      const size = line.length + 1;
      if (current.length > 0 && (current.length >= this.o.maxBatchItems || bytes + size > this.o.maxBatchBytes)) {
        out.push(current);
        if (firstOnly) return out;
        current = [];
        bytes = 0;
      }
      current.push(line);
      bytes += size;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  /** Posts one batch with retries. Duplicates are harmless: the edge dedupes by transaction-id. */
  private async deliver(batch: Buffer[]): Promise<Outcome> {
    const body = batchBody(batch);
    const attempts = this.failures > 0 ? 1 : this.o.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      const result = await this.postWithToken(body);
      if (result.ok) {
        this.counters.sent += batch.length;
        this.failures = 0;
        this.downUntil = 0;
        return 'sent';
      }
      this.lastError = result.error;
      if (!result.retryable) {
        this.counters.dropped += batch.length;
        return 'dropped';
      }
      if (attempt >= attempts || !this.running) {
        this.failures++;
        this.downUntil = Date.now() + this.backoff(this.failures, result.retryAfterMs);
        return 'retryable';
      }
      this.counters.retried += batch.length;
      await abortable(this.backoff(attempt, result.retryAfterMs), this.stopper.signal);
    }
  }

  /** Full jitter (a random wait up to the exponential cap), never shorter than Retry-After. */
  private backoff(attempt: number, retryAfterMs: number | null): number {
    const cap = Math.min(this.o.retryMaxMs, this.o.retryInitialMs * 2 ** (attempt - 1));
    const jitter = Math.random() * cap;
    // The edge's Retry-After wins over our own cap (bounded, so a bogus value cannot stall us for good).
    return retryAfterMs === null ? jitter : Math.max(jitter, Math.min(retryAfterMs, 300_000));
  }

  /** One POST; a 401 means the token went stale (rotated keys, restart): refresh and retry once. */
  private async postWithToken(body: Buffer): Promise<PostResult> {
    let token: string;
    try {
      token = await this.getToken(false);
    } catch (error) {
      return { ok: false, retryable: true, status: null, retryAfterMs: null, error: `token: ${(error as Error).message}` };
    }
    const first = await this.post(body, token);
    if (first.status !== 401) return first;
    try {
      token = await this.getToken(true);
    } catch (error) {
      return { ok: false, retryable: true, status: null, retryAfterMs: null, error: `token: ${(error as Error).message}` };
    }
    return this.post(body, token);
  }

  private newAgent(): http.Agent {
    const options = { keepAlive: true, maxSockets: 4 };
    return this.target.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  }

  /** One POST of a batch; a reused keep-alive connection the edge had just closed is retried at once. */
  private async post(body: Buffer, token: string): Promise<PostResult> {
    const first = await this.postOnce(body, token);
    if (first.staleConnection) return this.postOnce(body, token);
    return first;
  }

  private postOnce(body: Buffer, token: string): Promise<PostResult & { staleConnection?: boolean }> {
    return new Promise((resolve) => {
      const url = this.target;
      let settled = false;
      const signal = this.stopper.signal;
      const settle = (result: PostResult & { staleConnection?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const fail = (message: string, stale = false) =>
        settle({ ok: false, retryable: true, status: null, retryAfterMs: null, error: `edge unreachable: ${message}`, staleConnection: stale });
      const req = (url.protocol === 'https:' ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (url.protocol === 'https:' ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: this.agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.o.requestTimeoutMs} ms`)), this.o.requestTimeoutMs);
      const onAbort = () => req.destroy(new Error('the forwarder stopped'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => fail(error.message, req.reusedSocket && error.code === 'ECONNRESET' && !signal.aborted));
      req.on('close', () => fail('the connection closed without an answer')); // no-op once settled
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) => fail(error.message));
        res.on('close', () => fail('the connection closed before the answer was complete')); // no-op once settled
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return settle({ ok: true, retryable: false, status, retryAfterMs: null, error: '' });
          const text = Buffer.concat(chunks).toString('utf8');
          const retryAfter = res.headers['retry-after'];
          settle({ ok: false, retryable: status === 429 || status >= 500, status, retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null), error: `edge answered ${status}: ${text.slice(0, 300)}` });
        });
      });
      req.end(body);
    });
  }

  /** The cached token, refreshed ahead of its expiry; concurrent callers share one request. */
  private getToken(force: boolean): Promise<string> {
    if (!force && this.token && Date.now() < this.token.refreshAt) return Promise.resolve(this.token.value);
    if (force) this.token = null;
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = null;
    });
    return this.tokenInFlight;
  }

  private async fetchToken(): Promise<string> {
    const res = await fetch(this.o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.o.clientId, client_secret: this.o.clientSecret }).toString(),
      signal: AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.o.requestTimeoutMs)]),
    });
    const answer = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    const value = answer?.access_token;
    if (!res.ok || typeof value !== 'string') throw new Error(`token service answered ${res.status}`);
    const now = Date.now();
    const exp = jwtExpiry(value) ?? now + (typeof answer?.expires_in === 'number' ? answer.expires_in * 1000 : 60_000);
    // Refresh a tenth of the lifetime early (at most a minute), so a token never expires in flight.
    const margin = Math.min(60_000, (exp - now) / 10);
    this.token = { value, refreshAt: exp - margin };
    return value;
  }
}
