// The bridge's forwarding thread: reads the bridge's log in order, drops what the filters reject,
// masks sensitive values, and hands the rest to the forwarder. An entry is acknowledged (and then
// blanked by the log) once the forwarder has sent or spooled it. Running here, forwarding has a
// core of its own, and the main thread answers captures.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteLogReader } from '../log/sqlite-log.ts';
import { decodeEnvelope } from '../wire/envelope.ts';
import { decodeEdgeTransaction, encodeEdgeTransaction } from '../wire/edge-format.ts';
import { maskTransaction, scanTransaction } from '../analysis/sensitive/index.ts';
import { Forwarder, type ForwarderOptions } from './forwarder.ts';
import { DEFAULT_CONFIG, MaskingScopes, parseBridgeConfig, TrafficFilter } from './bridge-config.ts';

export interface BridgeWorkerData {
  logPath: string;
  from: number;
  dataDir: string;
  maskKey: string;
  configFile?: string;
  forwarder: Omit<ForwarderOptions, 'spoolDir'>;
}

export interface ForwardingState {
  forwarded: number;
  filtered: number;
  masked: number;
  forwarder: ReturnType<Forwarder['metrics']>;
  lastDelivery: number | null;
  configError: string | null;
}

export type ToBridgeWorker = { type: 'wake' } | { type: 'stop' };
export type FromBridgeWorker = { type: 'ack'; seq: number; state: ForwardingState } | { type: 'state'; state: ForwardingState } | { type: 'stopped'; state: ForwardingState };

/** Log entries read per step; a step is acknowledged once the forwarder has sent or spooled it all. */
const STEP = 5000;
/**
 * Steps read ahead of the last acknowledged one: while the platform takes one step's batches, the
 * next is filtered and masked, so the thread's work and the platform's round trips overlap.
 */
const STEPS_AHEAD = 2;
/** Entries masked between two turns of the event loop, which let the forwarder send a full batch. */
const YIELD_EVERY = 1000;

/** The configuration file, re-read when its modification time changes; a broken file keeps the last good one. */
class ConfigWatcher {
  filter = new TrafficFilter([]);
  masking = new MaskingScopes(DEFAULT_CONFIG.masking);
  error: string | null = null;
  private mtime = -1;
  private readonly file: string | undefined;

  constructor(file: string | undefined) {
    this.file = file;
    this.check();
  }

  check(): void {
    if (!this.file) return;
    try {
      const m = statSync(this.file).mtimeMs;
      if (m === this.mtime) return;
      this.mtime = m;
      const config = parseBridgeConfig(readFileSync(this.file, 'utf8'), this.file);
      this.filter = new TrafficFilter(config.filters);
      this.masking = new MaskingScopes(config.masking);
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
      console.error(`bridge: keeping the previous configuration: ${this.error}`);
    }
  }
}

const data = workerData as BridgeWorkerData;
const port = parentPort!;
const watcher = new ConfigWatcher(data.configFile);
const watchTimer = setInterval(() => watcher.check(), 1000);
// The forwarder's default batches (250 items): with two on their way at once, larger ones gained
// nothing here and cost the platform's edge more per transaction (bench/bridge: 39 against 27 µs,
// the garbage of 2 MB bodies).
const forwarder = new Forwarder({ ...data.forwarder, spoolDir: join(data.dataDir, 'spool') });
forwarder.start();
const counts = { forwarded: 0, filtered: 0, masked: 0 };
let lastDelivery: number | null = null;
const state = (): ForwardingState => ({ ...counts, forwarder: forwarder.metrics(), lastDelivery, configError: watcher.error });
const stateTimer = setInterval(() => port.postMessage({ type: 'state', state: state() } satisfies FromBridgeWorker), 250);
let lastAcked = 0;
const reader = new SqliteLogReader(data.logPath, data.from, (seq) => {
  lastAcked = seq;
  port.postMessage({ type: 'ack', seq, state: state() } satisfies FromBridgeWorker);
});

function forwardOne(text: string): void {
  const e = decodeEnvelope(text);
  const item = e.item;
  const target = { host: item.request.host ?? '', uri: item.request['uri-query-fragment'].split(/[?#]/)[0]!, method: item.request['http-method'] };
  const decision = watcher.filter.decide(target);
  if (!decision.pass) {
    counts.filtered++;
    return;
  }
  let out = decodeEdgeTransaction(item, { id: e.id, idGenerated: e.idGenerated, receivedAt: e.receivedAt });
  const scope = watcher.masking.scopeFor(target);
  if (scope && !out.meta.sdpInfo) {
    const found = scanTransaction(out).locations.filter((f) => scope.types === null || scope.types.includes(f.name));
    const masked = maskTransaction(out, found, { key: data.maskKey });
    out = masked.tx;
    out.meta.sdpInfo = masked.sdpInfo;
    if (found.length > 0) counts.masked++;
  }
  out.meta.filterInfo = { filterName: decision.rule ?? 'default' };
  forwarder.enqueue(encodeEdgeTransaction(out));
  counts.forwarded++;
}

let running = true;
let wake: (() => void) | null = null;
port.on('message', (m: ToBridgeWorker) => {
  if (m.type === 'wake') wake?.();
  else {
    running = false;
    wake?.();
  }
});

/** Acknowledges a step once the forwarder has handled everything enqueued so far (marks settle in order). */
function acknowledgeWhenHandled(seq: number): Promise<void> {
  return forwarder.whenHandled(forwarder.mark()).then(async () => {
    const sent = forwarder.metrics().sent;
    if (sent > sentAtLastAck) lastDelivery = Date.now();
    sentAtLastAck = sent;
    await reader.ack(seq);
  });
}
let sentAtLastAck = 0;
const steps: Array<Promise<void>> = [];

while (running) {
  const entries = await reader.next(STEP);
  if (entries.length === 0) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 200).unref();
    });
    wake = null;
    continue;
  }
  for (let i = 0; i < entries.length; i++) {
    try {
      forwardOne(entries[i]!.data);
    } catch (err) {
      console.error(`bridge: cannot forward log entry ${entries[i]!.seq}: ${(err as Error).message}`);
    }
    if ((i + 1) % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  steps.push(acknowledgeWhenHandled(entries[entries.length - 1]!.seq));
  if (steps.length >= STEPS_AHEAD) await steps.shift();
}
clearInterval(watchTimer);
clearInterval(stateTimer);
await forwarder.stop(); // spools what was not sent, which settles the steps still waiting
await Promise.all(steps);
reader.close();
void lastAcked;
port.postMessage({ type: 'stopped', state: state() } satisfies FromBridgeWorker);
