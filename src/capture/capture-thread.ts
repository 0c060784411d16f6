// The proxy's side of the sensor's capture thread (capture-worker.ts). Calls recorded at about the
// same moment (up to 128, or within 5 ms) cross to the thread in one message, packed (packCall).
// What the thread has not taken yet is bounded: beyond MAX_UNTAKEN calls, new ones are dropped and
// counted, so a stalled capture thread can neither slow the proxy nor grow its memory. A thread that
// dies is started again (what the forwarder had spooled is sent by the new one; what it held in
// memory is counted as dropped).
import { Worker } from 'node:worker_threads';
import { NO_FORWARDER_METRICS as NO_METRICS, type ForwarderMetrics } from './forwarder.ts';
import { packCall, type CallRecord } from './capture-format.ts';
import type { CaptureWorkerData, FromCaptureWorker, ToCaptureWorker } from './capture-worker.ts';

/** Calls posted to the thread and not yet taken by it, at most (default). */
const MAX_UNTAKEN = 20_000;
// Calls cross in batches of up to POST_EVERY, or after POST_DELAY_MS: each message wakes the
// thread, so fewer and larger messages cost less CPU on a busy machine than one per event-loop turn.
const POST_EVERY = 128;
const POST_DELAY_MS = 5;
const RESTART_DELAY_MS = 1000;

export class CaptureThread {
  private readonly data: CaptureWorkerData;
  private readonly maxUntaken: number;
  private worker: Worker | null = null;
  /** The calls recorded since the last post, packed (packCall), and how many they are. */
  private batch: unknown[] = [];
  private batchCalls = 0;
  private untaken = 0;
  /** Dropped here (thread behind or restarting), on top of what the forwarder dropped. */
  private droppedHere = 0;
  /** The forwarder's counters as the thread last reported them, plus those of threads before it. */
  private reported: ForwarderMetrics = NO_METRICS;
  private earlier: ForwarderMetrics = NO_METRICS;
  private nextFlushId = 1;
  private readonly flushes = new Map<number, () => void>();
  private stopping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the edge last took a batch (ms since the epoch), as the thread reported it. */
  lastDelivery: number | null = null;

  constructor(data: CaptureWorkerData, maxUntaken = MAX_UNTAKEN) {
    this.data = data;
    this.maxUntaken = maxUntaken;
    this.startWorker();
  }

  /** Records one call for capture. Never throws and never waits. */
  add(call: CallRecord): void {
    if (this.worker === null || this.stopping !== null || this.untaken + this.batchCalls >= this.maxUntaken) {
      this.droppedHere++;
      return;
    }
    const end = this.batch.length;
    try {
      packCall(call, this.batch);
    } catch {
      // A call that cannot be packed is dropped whole, so the batch's fields stay in step.
      this.batch.length = end;
      this.droppedHere++;
      return;
    }
    if (++this.batchCalls >= POST_EVERY) this.post();
    else if (this.timer === null) this.timer = setTimeout(() => this.post(), POST_DELAY_MS);
  }

  /** Resolves once every call recorded so far was sent, spooled or dropped. */
  flush(): Promise<void> {
    this.post();
    const worker = this.worker;
    if (worker === null) return Promise.resolve();
    const id = this.nextFlushId++;
    return new Promise((resolve) => {
      this.flushes.set(id, resolve);
      worker.postMessage({ type: 'flush', id } satisfies ToCaptureWorker);
    });
  }

  metrics(): ForwarderMetrics {
    const r = this.reported;
    const e = this.earlier;
    return {
      sent: e.sent + r.sent,
      retried: e.retried + r.retried,
      spooled: e.spooled + r.spooled,
      dropped: e.dropped + r.dropped + this.droppedHere,
      queued: r.queued + this.untaken + this.batchCalls,
      spoolQueued: r.spoolQueued,
      lastError: r.lastError ?? e.lastError,
    };
  }

  /** Sends what is recorded to the thread, which stops after spooling what it could not send. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.post();
      const worker = this.worker;
      if (worker === null) return resolve();
      worker.once('exit', () => resolve());
      worker.postMessage({ type: 'stop' } satisfies ToCaptureWorker);
    });
    return this.stopping;
  }

  private post(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.batchCalls === 0 || this.worker === null) return;
    const packed = this.batch;
    this.batch = [];
    this.untaken += this.batchCalls;
    this.batchCalls = 0;
    this.worker.postMessage({ type: 'calls', packed } satisfies ToCaptureWorker);
  }

  private startWorker(): void {
    const worker = new Worker(new URL('./capture-worker.ts', import.meta.url), { name: 'capture', workerData: this.data });
    this.worker = worker;
    worker.on('message', (m: FromCaptureWorker) => {
      if (m.metrics.sent > this.reported.sent) this.lastDelivery = Date.now();
      this.reported = m.metrics;
      if (m.type === 'taken') this.untaken -= m.count;
      else if (m.type === 'flushed') {
        this.flushes.get(m.id)?.();
        this.flushes.delete(m.id);
      } else void worker.terminate(); // stopped: its work is spooled; nothing left to wait for
    });
    worker.on('error', (err) => console.error(`sensor: the capture thread failed: ${err.message}`));
    worker.on('exit', () => this.onExit(worker));
  }

  private onExit(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    // Whatever the thread held in memory is gone with it; flushes waiting on it are over.
    const e = this.earlier;
    const r = this.reported;
    this.earlier = {
      sent: e.sent + r.sent,
      retried: e.retried + r.retried,
      spooled: e.spooled + r.spooled,
      dropped: e.dropped + r.dropped + r.queued + this.untaken,
      queued: 0,
      spoolQueued: 0,
      lastError: r.lastError ?? e.lastError,
    };
    this.reported = { ...NO_METRICS, spoolQueued: r.spoolQueued };
    this.untaken = 0;
    for (const resolve of this.flushes.values()) resolve();
    this.flushes.clear();
    if (this.stopping === null) setTimeout(() => this.stopping === null && this.startWorker(), RESTART_DELAY_MS).unref();
  }
}
