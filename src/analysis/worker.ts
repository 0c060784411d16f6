// Worker-thread entry of the analysis runner: reads the log and writes the store through its own
// connections, so ingestion and analysis use separate cores.
// - Embedded log (SQLite): one runner, for the hosts of this thread when there are several
//   (threads.ts); acknowledgements go to the main thread, which moves the log's cursor.
// - NATS JetStream: one runner per partition this process owns, each with its own durable
//   consumer and its own committed position, so any split of the partitions over analyzer
//   processes produces what one process would.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteLogReader } from '../log/sqlite-log.ts';
import { NatsLogConsumer, partitionOf } from '../log/nats-log.ts';
import type { LogConsumer } from '../log/log.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import type { Store } from '../store/store.ts';
import { parseCidrList } from '../wire/client-ip.ts';
import { AnalysisRunner, ANALYSIS_CONSUMER } from './runner.ts';
import { writeStats } from '../edge/stats.ts';
import type { AnalysisWorkerData, FromWorker, ToWorker } from './host.ts';
import { lowerThreadPriority } from './thread-priority.ts';
import { analysedBefore, hostsOfThread, threadConsumer } from './threads.ts';

const data = workerData as AnalysisWorkerData;
const port = parentPort!;
port.postMessage({ type: 'priority', outcome: data.priority === 'low' ? lowerThreadPriority() : 'unchanged' } satisfies FromWorker);
const store: Store & { close(): Promise<void> } = data.store.kind === 'sqlite' ? new SqliteStore(data.store.path) : await PostgresStore.open(data.store.url);
const clientIp = {
  headers: data.clientIpHeaders,
  trustedProxies: data.trustedProxies.length > 0 ? parseCidrList(data.trustedProxies, 'trusted proxies') : null,
};
const runners: AnalysisRunner[] = [];
const closers: Array<() => Promise<void> | void> = [];
const counts = () => ({
  processed: runners.reduce((a, r) => a + r.processed, 0),
  failures: runners.reduce((a, r) => a + r.failures, 0),
  hostsInMemory: runners.reduce((a, r) => a + r.hostsInMemory, 0),
});

if (data.log.kind === 'sqlite') {
  const { index, count, prior } = data.log.thread;
  const reader = new SqliteLogReader(data.log.path, data.log.from, (seq) => port.postMessage({ type: 'ack', seq, ...counts() } satisfies FromWorker));
  closers.push(() => reader.close());
  runners.push(new AnalysisRunner(reader, store, {
    ...data.options,
    clientIp,
    consumer: threadConsumer(index, count),
    ...((count > 1 || prior !== null) && { ownsHost: hostsOfThread(index, count), shared: { analysedBefore: prior ? analysedBefore(prior) : () => false } }),
  }));
} else {
  const { url, stream, partitions, partitionCount } = data.log;
  for (const p of partitions) {
    const consumer = await NatsLogConsumer.open(url, { stream, durable: ANALYSIS_CONSUMER, partitions: [p], partitionCount });
    closers.push(() => consumer.close());
    // Progress reaches the main thread for its counters; JetStream itself holds the acks.
    const reporting: LogConsumer = {
      next: (max) => consumer.next(max),
      ack: async (seq) => {
        await consumer.ack(seq);
        port.postMessage({ type: 'ack', seq, ...counts() } satisfies FromWorker);
      },
    };
    runners.push(new AnalysisRunner(reporting, store, {
      ...data.options,
      clientIp,
      consumer: `${ANALYSIS_CONSUMER}-p${p}`,
      ownsHost: (host) => partitionOf(host, partitionCount) === p,
    }));
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'wake') for (const r of runners) r.notify();
  else if (m.type === 'stats') void writeStats(store, m.batch).catch((err: Error) => console.error(`analysis: cannot write ingestion stats: ${err.message}`));
  else if (m.type === 'stop') {
    void Promise.all(runners.map((r) => r.stop())).then(async () => {
      for (const close of closers) await close();
      await store.close();
      port.postMessage({ type: 'stopped' } satisfies FromWorker);
    });
  }
});
for (const r of runners) r.start();
