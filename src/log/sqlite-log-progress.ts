// The embedded log's commit progress, in memory both of its threads share (sqlite-log.ts and
// sqlite-log-writer.ts).

/**
 * What the writer has committed, shared with the log's thread so it can settle appends before the
 * 'committed' message reaches it: ids[COMMITTED_ID] is the last append id committed,
 * ids[FAILED_COMMITS] counts failed commits (each also reported by message), and lastSeq[0] is the
 * log's last sequence number, written before the id that publishes it.
 */
export interface Progress {
  buffer: SharedArrayBuffer;
  ids: Int32Array;
  lastSeq: Float64Array;
}
export const COMMITTED_ID = 0;
export const FAILED_COMMITS = 1;

export function newProgress(buffer = new SharedArrayBuffer(16)): Progress {
  return { buffer, ids: new Int32Array(buffer, 0, 2), lastSeq: new Float64Array(buffer, 8, 1) };
}
