// The NATS JetStream log adapter against a real server (127.0.0.1:4222 or TAPLINE_TEST_NATS_URL).
// Every test uses its own stream and subject prefix and deletes the stream afterwards; the shared
// server is never stopped or reconfigured.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { NatsLog, NatsLogConsumer, envelopeHost, partitionOf, type NatsLogOptions } from '../src/log/nats-log.ts';
import type { AppendEntry, LogEntry } from '../src/log/log.ts';
import { encodeEnvelope } from '../src/wire/envelope.ts';
import type { EdgeTransaction } from '../src/wire/edge-format.ts';

const URL_ = process.env.TAPLINE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

async function reach(): Promise<{ nc: NatsConnection; jsm: JetStreamManager } | null> {
  let nc: NatsConnection | null = null;
  try {
    nc = await connect({ servers: URL_, timeout: 2000, maxReconnectAttempts: 0 });
    const jsm = await jetstreamManager(nc, { timeout: 2000 });
    return { nc, jsm };
  } catch {
    await nc?.close().catch(() => {});
    return null;
  }
}

const admin = await reach();
const skip = admin ? false : `NATS JetStream not reachable at ${URL_.replace(/^nats:\/\//, '')}: start nats-server -js or set TAPLINE_TEST_NATS_URL`;
if (skip) console.log(`# skipped: ${skip}`);
// CI must run these: there a missing server is a failure, not a skip.
if (skip && (process.env.CI || process.env.TAPLINE_TEST_REQUIRE_NATS)) {
  test('NATS JetStream is available (CI or TAPLINE_TEST_REQUIRE_NATS is set)', () => assert.fail(skip));
}

const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
let counter = 0;
const streams: string[] = [];

/** A fresh stream name and subject prefix for one test. */
function place(): { stream: string; subjectPrefix: string } {
  const n = ++counter;
  const stream = `TAPLINE_TEST_${run}_${n}`;
  streams.push(stream);
  return { stream, subjectPrefix: `taplinetest.${run}.${n}` };
}

function entry(i: number, key: string, clientId = 'client-a'): AppendEntry {
  return { clientId, transactionId: `tx-${i}`, receivedAt: Date.now(), data: JSON.stringify({ i, key }), partitionKey: key };
}

const decode = (e: LogEntry) => JSON.parse(e.data) as { i: number; key: string };

/** Reads until `count` entries came or the deadline passed. */
async function readAll(c: NatsLogConsumer, count: number, deadlineMs = 15_000, batch = 50): Promise<LogEntry[]> {
  const got: LogEntry[] = [];
  const end = Date.now() + deadlineMs;
  while (got.length < count && Date.now() < end) got.push(...(await c.next(batch)));
  return got;
}

after(async () => {
  if (!admin) return;
  for (const s of streams) await admin.jsm.streams.delete(s).catch(() => {});
  await admin.nc.close();
});

describe('NATS JetStream log', { skip }, () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  const open = async (o: NatsLogOptions) => {
    const log = await NatsLog.open(URL_, o);
    opened.push(log);
    return log;
  };
  const consumer = async (o: Parameters<typeof NatsLogConsumer.open>[1]) => {
    const c = await NatsLogConsumer.open(URL_, o);
    opened.push(c);
    return c;
  };
  after(async () => {
    for (const o of opened) await o.close();
  });

  test('append resolves once the stream acknowledged every entry', async () => {
    const p = place();
    const log = await open(p);
    const entries = Array.from({ length: 20 }, (_, i) => entry(i, `host-${i % 3}`));
    const written = log.append(entries);
    assert.ok(log.pendingBytes() > 0, 'bytes wait for their acknowledgement');
    await written;
    assert.equal(log.pendingBytes(), 0);
    const info = await admin!.jsm.streams.info(p.stream);
    assert.equal(info.state.messages, 20);
    const first = await admin!.jsm.streams.getMessage(p.stream, { seq: 1 });
    assert.equal(first!.subject, log.subjectOf(entries[0]!));
    assert.deepEqual(first!.json(), { i: 0, key: 'host-0' });
  });

  test('the partition key defaults to the request host, and hashing is stable', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 8 });
    const item = {
      'transaction-id': 'x',
      request: { 'http-method': 'GET', 'uri-query-fragment': '/a', host: 'API.Example.com', connection: { 'connection-ip': '10.0.0.1', 'server-ip': '10.0.0.2' } },
      response: { 'status-code': 200 },
    } as unknown as EdgeTransaction;
    const data = encodeEnvelope({ clientId: 'c', receivedAt: 1, id: 'x', idGenerated: false }, item);
    assert.equal(envelopeHost(data), 'api.example.com');
    assert.equal(envelopeHost('not json'), '');
    const e = { clientId: 'c', transactionId: 'x', receivedAt: 1, data };
    assert.equal(log.subjectOf(e), `${p.subjectPrefix}.${partitionOf('api.example.com', 8)}`);
    assert.equal(log.subjectOf({ ...e, partitionKey: 'other' }), `${p.subjectPrefix}.${partitionOf('other', 8)}`);
    // FNV-1a 32 of "a" is 0xe40c292c.
    assert.equal(partitionOf('a', 0x7fffffff), 0xe40c292c % 0x7fffffff);
    const spread = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`host-${i}.example.com`, 8)));
    assert.equal(spread.size, 8);
  });

  test('JetStream dedupes the same client and transaction id', async () => {
    const p = place();
    const log = await open(p);
    await log.append([entry(1, 'h'), entry(2, 'h')]);
    await log.append([entry(1, 'h')]); // a retry after a lost answer
    await log.append([entry(3, 'h'), entry(3, 'h')]); // twice in one batch
    await log.append([entry(1, 'h', 'client-b')]); // another client's id 1 is another transaction
    const info = await admin!.jsm.streams.info(p.stream);
    assert.equal(info.state.messages, 4);
  });

  test('two edges appending the same transactions at once store each one once', async () => {
    const p = place();
    // The edge that sets the partition count creates the stream; had the other won that race it
    // would have made one with the default count, which the first must then refuse.
    const a = await open({ ...p, partitions: 4 });
    const b = await open(p);
    assert.equal(b.partitions, 4, 'an edge without a partition count takes the stream\'s');
    const batch = Array.from({ length: 50 }, (_, i) => entry(i, `host-${i % 7}`));
    await Promise.all([a.append(batch), b.append(batch), a.append(batch.slice(10, 20))]);
    const info = await admin!.jsm.streams.info(p.stream);
    assert.equal(info.state.messages, 50);
  });

  test('a consumer reads everything, in order within each partition', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 4 });
    const keys = Array.from({ length: 20 }, (_, k) => `host-${k}`);
    for (let b = 0; b < 4; b++) await log.append(Array.from({ length: 50 }, (_, j) => entry(b * 50 + j, keys[(b * 50 + j) % keys.length]!)));
    const c = await consumer({ ...p, durable: 'order' });
    assert.equal(c.partitions, 4, 'the partition count comes from the stream');
    const got = await readAll(c, 200);
    assert.equal(got.length, 200);
    assert.equal(new Set(got.map((e) => e.seq)).size, 200);
    const last = new Map<string, number>();
    const lastSeq = new Map<number, number>();
    for (const e of got) {
      const { i, key } = decode(e);
      assert.ok((last.get(key) ?? -1) < i, `entries of ${key} out of order`);
      last.set(key, i);
      const part = partitionOf(key, 4);
      assert.ok((lastSeq.get(part) ?? 0) < e.seq, `partition ${part} out of order`);
      lastSeq.set(part, e.seq);
    }
    await c.ack(got[got.length - 1]!.seq);
    assert.equal(c.unacked(), 0);
    assert.deepEqual(await c.next(10), []);
  });

  test('after ack and reopen, reading continues after the acknowledged entries', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 2 });
    await log.append(Array.from({ length: 10 }, (_, i) => entry(i, 'one-host')));
    // Default ack wait (30 s): entries fetched but not handed out must come back at once on reopen.
    const c1 = await consumer({ ...p, durable: 'resume' });
    const first: LogEntry[] = [];
    while (first.length < 5) first.push(...(await c1.next(5 - first.length)));
    assert.deepEqual(first.map((e) => decode(e).i), [0, 1, 2, 3, 4]);
    await c1.ack(first[4]!.seq);
    await c1.close();
    const c2 = await consumer({ ...p, durable: 'resume' });
    const rest = await readAll(c2, 5, 10_000);
    assert.deepEqual(rest.map((e) => decode(e).i), [5, 6, 7, 8, 9]);
    await c2.ack(rest[4]!.seq);
    assert.deepEqual(await c2.next(10), []);
  });

  test('entries handed out and not acknowledged are delivered again after ackWait', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 2 });
    await log.append(Array.from({ length: 6 }, (_, i) => entry(i, `h${i}`)));
    // ackWait longer than the pull requests live (see pullExpiresMs), as with the defaults.
    const o = { ...p, durable: 'crash', ackWaitMs: 2500, pullExpiresMs: 1000 };
    const c1 = await consumer(o);
    const seen = await readAll(c1, 6);
    assert.equal(seen.length, 6);
    await c1.close(); // no ack: as if the analyzer died mid-batch
    const c2 = await consumer(o);
    const again = new Map<number, LogEntry>();
    const end = Date.now() + 20_000;
    while (again.size < 6 && Date.now() < end) for (const e of await c2.next(10)) again.set(e.seq, e);
    assert.deepEqual([...again.keys()].sort((a, b) => a - b), seen.map((e) => e.seq).sort((a, b) => a - b));
    for (const e of again.values()) await c2.ack(e.seq);
    await c2.close();
    const c3 = await consumer(o);
    assert.deepEqual(await c3.next(10), []);
  });

  test('consumers owning disjoint partitions together see every entry exactly once', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 4 });
    const n = 300;
    for (let b = 0; b < n / 50; b++) await log.append(Array.from({ length: 50 }, (_, j) => entry(b * 50 + j, `host-${(b * 50 + j) % 37}`)));
    const a = await consumer({ ...p, durable: 'split', partitions: [0, 1] });
    const b = await consumer({ ...p, durable: 'split', partitions: [2, 3] });
    const [fromA, fromB] = await Promise.all([a, b].map(async (c) => {
      const got: LogEntry[] = [];
      const end = Date.now() + 15_000;
      // Each reads its own share; stop once the two together have everything.
      while (Date.now() < end) {
        const batch = await c.next(40);
        got.push(...batch);
        if (batch.length > 0) await c.ack(batch[batch.length - 1]!.seq);
        else if (got.length > 0 && (await c.next(1)).length === 0) break;
      }
      return got;
    }));
    for (const e of fromA!) assert.ok([0, 1].includes(partitionOf(decode(e).key, 4)));
    for (const e of fromB!) assert.ok([2, 3].includes(partitionOf(decode(e).key, 4)));
    const all = [...fromA!, ...fromB!].map((e) => decode(e).i).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
    await assert.rejects(consumer({ ...p, durable: 'split', partitions: [4] }), /partition 4 does not exist/);
  });

  test('lag counts entries the named consumer has not acknowledged', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 3, lagRefreshMs: 60_000 });
    assert.equal(log.cursor('analysis'), 0);
    await log.ready('analysis');
    await log.append(Array.from({ length: 20 }, (_, i) => entry(i, `h${i}`)));
    await log.refreshLag();
    assert.equal(log.lag('analysis'), 20);
    const c = await consumer({ ...p, durable: 'analysis' });
    const got = await readAll(c, 20);
    await log.refreshLag();
    assert.equal(log.lag('analysis'), 20, 'delivered but unacknowledged entries still count');
    const lastSeq = Math.max(...got.map((e) => e.seq));
    await c.ack(got[got.length - 1]!.seq);
    await log.refreshLag();
    assert.equal(log.lag('analysis'), 0);
    assert.equal(log.cursor('analysis'), lastSeq, 'the cursor follows the acknowledgements the server saw');
    log.ack('analysis', lastSeq + 5); // progress reported by the reading process counts too
    assert.equal(log.cursor('analysis'), lastSeq + 5);
    assert.deepEqual(await log.recentKeys(0), [], 'the stream dedupes; no window to rebuild');
  });

  test('stream limits and retention come from the options', async () => {
    const p = place();
    const log = await open({ ...p, partitions: 2, maxAgeMs: 3_600_000, maxBytes: 64 << 20, maxMessages: 5, discard: 'new', duplicateWindowMs: 30_000, replicas: 1, storage: 'file' });
    let info = await admin!.jsm.streams.info(p.stream);
    assert.equal(info.config.max_age, 3_600_000 * 1e6);
    assert.equal(info.config.max_bytes, 64 << 20);
    assert.equal(info.config.max_msgs, 5);
    assert.equal(info.config.discard, 'new');
    assert.equal(info.config.duplicate_window, 30_000 * 1e6);
    assert.equal(info.config.num_replicas, 1);
    assert.equal(info.config.storage, 'file');
    assert.equal(info.config.retention, 'limits');
    assert.deepEqual(info.config.subjects, [`${p.subjectPrefix}.*`]);
    await log.append(Array.from({ length: 5 }, (_, i) => entry(i, 'h')));
    // Full with discard=new: the publish is refused, so the edge would answer 503.
    await assert.rejects(log.append([entry(99, 'h')]), /did not acknowledge 1 of 1/);
    await log.close();
    // Reopening with other limits updates the stream.
    await open({ ...p, partitions: 2, maxAgeMs: 7_200_000, maxBytes: 32 << 20, maxMessages: -1 });
    info = await admin!.jsm.streams.info(p.stream);
    assert.equal(info.config.max_age, 7_200_000 * 1e6);
    assert.equal(info.config.max_bytes, 32 << 20);
    assert.equal(info.config.max_msgs, -1);
    assert.equal(info.config.discard, 'old');
    await assert.rejects(open({ ...p, partitions: 4 }), /has 2 partitions, not 4/);
    await assert.rejects(open({ ...p, partitions: 2, retention: 'interest' }), /cannot change/);
    await assert.rejects(consumer({ ...p, durable: 'x', partitionCount: 3 }), /has 2 partitions, not 3/);
    await assert.rejects(open({ ...place(), maxAgeMs: 60_000, duplicateWindowMs: 120_000 }), /cannot exceed the max age/);
  });

  test('an unreachable server makes open and append reject in bounded time', async () => {
    // A port nobody listens on.
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    let t0 = Date.now();
    await assert.rejects(NatsLog.open(`nats://127.0.0.1:${closedPort}`, place()));
    assert.ok(Date.now() - t0 < 15_000);

    // A server that goes away under an open log: connect through a proxy, then kill the proxy.
    const target = new URL(URL_);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((down) => {
      const up = net.connect(Number(target.port || 4222), target.hostname);
      for (const s of [down, up]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      down.pipe(up).pipe(down);
    });
    const port = await new Promise<number>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as net.AddressInfo).port)));
    const p = place();
    const log = await NatsLog.open(`nats://127.0.0.1:${port}`, { ...p, publishTimeoutMs: 1000 });
    await log.append([entry(1, 'h')]);
    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    t0 = Date.now();
    await assert.rejects(log.append([entry(2, 'h')]), /did not acknowledge/);
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(log.pendingBytes(), 0);
    await log.close();
  });
});
