// Hand-over bench (see bench/README.md): what it costs, per call, to pass a batch of recorded calls
// from the sensor's proxy thread to its capture thread. The way it is done (packCall: one flat array
// per batch, unpackCalls on the other side) against the way it was done before 2026-11-25 (an array
// of CallRecord objects), in the same process, alternating. Both go through V8's ValueSerializer,
// as postMessage does: node:v8's serialize and deserialize are that serializer.
//
//   node bench/sensor/handover.ts [--rounds 8] [--batches 200]
//   env: BENCH_ROUNDS, BENCH_BATCHES
import { deepStrictEqual } from 'node:assert';
import { deserialize, serialize } from 'node:v8';
import { packCall, unpackCalls, type CallRecord } from '../../src/capture/capture-format.ts';
import { median, setting } from '../lib.ts';

const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 8)));
const BATCHES = Math.max(1, Math.round(setting('batches', 'BENCH_BATCHES', 200)));
/** Calls per message: the capture thread's POST_EVERY. */
const PER_BATCH = 128;

// Calls shaped like bench/sensor's: a GET with an 833-byte JSON answer, a POST with a 920-byte body.
const answer = Buffer.from(JSON.stringify({ id: 'ord_7d2f9c', items: 'x'.repeat(790) }).slice(0, 833));
const order = Buffer.from(JSON.stringify({ customerId: 'cus_1842', notes: 'y'.repeat(880) }).slice(0, 920));

function recordOf(i: number, post: boolean): CallRecord {
  return {
    started: 1764086400000 + i, method: post ? 'POST' : 'GET', url: post ? '/v1/orders' : `/v1/orders/ord_${i}?expand=items`,
    host: '127.0.0.1:8080', encrypted: false, httpVersion: '1.1', remoteAddress: '::ffff:127.0.0.1', remotePort: 40000 + (i % 20000),
    localAddress: '::ffff:127.0.0.1', localPort: 8080,
    reqRawHeaders: post ? ['Host', '127.0.0.1:8080', 'Content-Type', 'application/json', 'Content-Length', String(order.length)] : ['Host', '127.0.0.1:8080'],
    // As BodyTap.captured() makes them: the kept bytes as latin1 text, a new string per call.
    reqBody: post ? { length: order.length, copy: true, latin1: order.toString('latin1') } : null,
    status: 200,
    resRawHeaders: ['content-type', 'application/json', 'content-length', String(answer.length), 'Date', 'Wed, 25 Nov 2026 16:00:00 GMT', 'Connection', 'keep-alive'],
    resBody: { length: answer.length, copy: true, latin1: answer.toString('latin1') },
    latencyMs: 3,
  };
}

interface Way {
  name: string;
  /** The proxy's side: record the batch's calls and serialize the message. */
  send(post: boolean): Buffer;
  /** The capture thread's side: deserialize and get the records back. */
  receive(message: Buffer): CallRecord[];
}

const WAYS: Way[] = [
  {
    name: 'objects (before)',
    send(post) {
      const batch: CallRecord[] = [];
      for (let i = 0; i < PER_BATCH; i++) batch.push(recordOf(i, post));
      return serialize({ type: 'calls', calls: batch });
    },
    receive: (message) => (deserialize(message) as { calls: CallRecord[] }).calls,
  },
  {
    name: 'packed (now)',
    send(post) {
      const packed: unknown[] = [];
      for (let i = 0; i < PER_BATCH; i++) packCall(recordOf(i, post), packed);
      return serialize({ type: 'calls', packed });
    },
    receive: (message) => unpackCalls((deserialize(message) as { packed: unknown[] }).packed),
  },
];

/** ns per call of each side, over BATCHES messages. */
function measure(way: Way, post: boolean): { send: number; receive: number } {
  const messages: Buffer[] = [];
  let t = process.hrtime.bigint();
  for (let b = 0; b < BATCHES; b++) messages.push(way.send(post));
  const send = Number(process.hrtime.bigint() - t) / (BATCHES * PER_BATCH);
  t = process.hrtime.bigint();
  let calls = 0;
  for (const m of messages) calls += way.receive(m).length;
  const receive = Number(process.hrtime.bigint() - t) / (BATCHES * PER_BATCH);
  if (calls !== BATCHES * PER_BATCH) throw new Error(`${way.name}: ${calls} calls came back of ${BATCHES * PER_BATCH}`);
  return { send, receive };
}

// Both ways must hand over the same records.
for (const post of [false, true]) {
  const [a, b] = WAYS.map((w) => w.receive(w.send(post)));
  deepStrictEqual(a, b, 'the two ways hand over the same records');
}

console.log(`# Hand-over bench: ${ROUNDS} rounds of ${BATCHES} messages of ${PER_BATCH} calls per way and workload, alternating; Node ${process.version}`);
for (const post of [false, true]) {
  const results = new Map<string, { send: number[]; receive: number[] }>(WAYS.map((w) => [w.name, { send: [], receive: [] }]));
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const way of r % 2 === 0 ? WAYS : [...WAYS].reverse()) {
      const m = measure(way, post);
      if (r === 0) continue; // warm-up: the JIT settles
      results.get(way.name)!.send.push(m.send);
      results.get(way.name)!.receive.push(m.receive);
    }
  }
  const [before, now] = WAYS.map((w) => results.get(w.name)!);
  const line = (side: 'send' | 'receive') => `${median(now![side]).toFixed(0)} ns against ${median(before![side]).toFixed(0)} (ratio ${(median(now![side]) / median(before![side])).toFixed(2)})`;
  console.log(`${post ? 'POST' : 'GET '} per call, medians: proxy thread (record, pack, serialize) ${line('send')}; capture thread (deserialize, unpack) ${line('receive')}`);
}
