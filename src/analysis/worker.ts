// Worker-thread entry of the analysis runner: reads the log through its own connection, writes
// the store through its own connection, and sends acknowledgements to the log's writer (the
// main thread), so ingestion and analysis use separate cores.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteLogReader } from '../log/sqlite-log.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { parseCidrList } from '../wire/client-ip.ts';
import { AnalysisRunner } from './runner.ts';
import { writeStats } from '../edge/stats.ts';
import type { AnalysisWorkerData, FromWorker, ToWorker } from './host.ts';

const data = workerData as AnalysisWorkerData;
const port = parentPort!;
const store = new SqliteStore(data.storePath);
let runner: AnalysisRunner;
const reader = new SqliteLogReader(data.logPath, data.from, (seq) => {
  port.postMessage({ type: 'ack', seq, processed: runner.processed, failures: runner.failures } satisfies FromWorker);
});

runner = new AnalysisRunner(reader, store, {
  ...data.options,
  clientIp: {
    headers: data.clientIpHeaders,
    trustedProxies: data.trustedProxies.length > 0 ? parseCidrList(data.trustedProxies, 'trusted proxies') : null,
  },
});

port.on('message', (m: ToWorker) => {
  if (m.type === 'wake') runner.notify();
  else if (m.type === 'stats') void writeStats(store, m.batch).catch((err: Error) => console.error(`analysis: cannot write ingestion stats: ${err.message}`));
  else if (m.type === 'stop') {
    void runner.stop().then(async () => {
      reader.close();
      await store.close();
      port.postMessage({ type: 'stopped' } satisfies FromWorker);
    });
  }
});
runner.start();
