// The embedded log's writer thread: the only writer of log.db. Appends that arrive together are
// committed in one transaction (group commit), with any consumer cursors that moved; the main
// thread keeps parsing requests while this thread waits for the disk.
import { parentPort, workerData } from 'node:worker_threads';
import { LogDb, type Row } from './sqlite-log-db.ts';
import { COMMITTED_ID, FAILED_COMMITS, newProgress } from './sqlite-log-progress.ts';

export type ToWriter =
  | { type: 'append'; id: number; rows: Row[] }
  | { type: 'cursor'; name: string; seq: number }
  | { type: 'close' };

export type FromWriter =
  | { type: 'ready'; lastSeq: number; cursors: Array<[string, number]>; recentKeys: Array<[string, string, number]> }
  | { type: 'committed'; ids: number[]; lastSeq: number }
  | { type: 'failed'; ids: number[]; message: string }
  | { type: 'closed' };

export interface WriterData {
  path: string;
  /** The buffer of the Progress both threads share. */
  progress: SharedArrayBuffer;
  retainMs: number;
  /** Keys received since this time are sent back at start, to rebuild the dedupe window. */
  recentSince: number;
}

const data = workerData as WriterData;
const progress = newProgress(data.progress);
const port = parentPort!;
const db = new LogDb(data.path);
let pendingIds: number[] = [];
let pendingRows: Row[] = [];
const movedCursors = new Map<string, number>();
let scheduled = false;

function flush(): void {
  scheduled = false;
  const ids = pendingIds;
  const rows = pendingRows;
  pendingIds = [];
  pendingRows = [];
  const cursors = [...movedCursors];
  movedCursors.clear();
  try {
    const lastSeq = db.commit(rows, cursors);
    if (ids.length > 0) {
      progress.lastSeq[0] = lastSeq;
      Atomics.store(progress.ids, COMMITTED_ID, ids[ids.length - 1]!);
      port.postMessage({ type: 'committed', ids, lastSeq } satisfies FromWriter);
    }
  } catch (err) {
    Atomics.add(progress.ids, FAILED_COMMITS, 1);
    port.postMessage({ type: 'failed', ids, message: (err as Error).message } satisfies FromWriter);
  }
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}

port.on('message', (m: ToWriter) => {
  if (m.type === 'append') {
    pendingIds.push(m.id);
    for (const r of m.rows) pendingRows.push(r);
    schedule();
  } else if (m.type === 'cursor') {
    movedCursors.set(m.name, Math.max(m.seq, movedCursors.get(m.name) ?? 0));
    schedule();
  } else {
    if (pendingIds.length > 0 || movedCursors.size > 0) flush();
    clearInterval(purgeTimer);
    clearInterval(scrubTimer);
    scrub();
    db.close();
    port.postMessage({ type: 'closed' } satisfies FromWriter);
  }
});

const purgeTimer = setInterval(() => db.purge(Date.now(), data.retainMs), 5_000);

// Payloads leave the disk once every consumer has them (sqlite-log-db.ts, scrub): blanked every
// SCRUB_MS, off the commit path, and the WAL emptied after each scrub. Keys stay for the dedupe
// window until the retention purge.
const SCRUB_MS = 500;
let scrubbed = 0;
let walDirty = false;
function scrub(): void {
  try {
    const upto = db.minAcked();
    if (upto > scrubbed) {
      walDirty = db.scrub(scrubbed, upto) > 0 || walDirty;
      scrubbed = upto;
    }
    if (walDirty) walDirty = !db.truncateWal();
  } catch (err) {
    console.error(`log: scrubbing consumed entries failed (retried): ${(err as Error).message}`);
  }
}
scrub(); // from 0: entries consumed before a crash are blanked too
const scrubTimer = setInterval(scrub, SCRUB_MS);
port.postMessage({
  type: 'ready',
  lastSeq: db.maxSeq(),
  cursors: [...db.cursors()],
  recentKeys: db.recentKeys(data.recentSince),
} satisfies FromWriter);
