// The sensor's capture thread: turns the calls the proxy recorded into Edge JSON and runs the
// forwarder (token, batches, retries, spool). Here, capture's serialization and its network and
// disk work leave the proxy's event loop, which then only records each call (bench/sensor).
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { Forwarder, type ForwarderMetrics, type ForwarderOptions } from './forwarder.ts';
import { serializeCapture, unpackCalls } from './capture-format.ts';

export interface CaptureWorkerData {
  forwarder: ForwarderOptions;
  version: string;
  instanceId: string;
}

export type ToCaptureWorker =
  | { type: 'calls'; packed: unknown[] } // calls, packed by packCall
  | { type: 'flush'; id: number }
  | { type: 'stop' };

export type FromCaptureWorker =
  | { type: 'taken'; count: number; metrics: ForwarderMetrics }
  | { type: 'flushed'; id: number; metrics: ForwarderMetrics }
  | { type: 'stopped'; metrics: ForwarderMetrics };

const data = workerData as CaptureWorkerData;
const port = parentPort!;
const forwarder = new Forwarder(data.forwarder);
forwarder.start();

port.on('message', (m: ToCaptureWorker) => {
  if (m.type === 'calls') {
    const calls = unpackCalls(m.packed);
    for (const call of calls) {
      try {
        forwarder.enqueueSerialized(serializeCapture({ ...call, id: randomUUID(), version: data.version, instanceId: data.instanceId }));
      } catch {
        // a call that cannot be serialized is skipped; the others go on
      }
    }
    port.postMessage({ type: 'taken', count: calls.length, metrics: forwarder.metrics() } satisfies FromCaptureWorker);
  } else if (m.type === 'flush') {
    void forwarder.flush().then(() => port.postMessage({ type: 'flushed', id: m.id, metrics: forwarder.metrics() } satisfies FromCaptureWorker));
  } else {
    void forwarder.stop().then(() => {
      port.postMessage({ type: 'stopped', metrics: forwarder.metrics() } satisfies FromCaptureWorker);
      port.close();
    });
  }
});
