// Analysis on several threads of one process (--analysis-threads). Over the embedded log, every
// thread reads the whole log and analyses the hosts that hash to it (the hash the JetStream log
// partitions by), so each host's state lives in one thread and the result does not depend on the
// thread count; each thread commits its progress in the store under a name of its own. The log's
// cursor is the slowest thread's.
//
// Changing the thread count moves hosts between threads. The new threads skip the entries that a
// thread of the previous count had already analysed, using the positions those threads reached,
// which are kept in the store until the next change.
import { partitionOf } from '../log/nats-log.ts';
import type { Store } from '../store/store.ts';
import { ANALYSIS_CONSUMER } from './runner.ts';

/** The most analysis threads a process runs. */
export const MAX_ANALYSIS_THREADS = 16;
const COUNT_SETTING = 'analysis_threads';
const PRIOR_SETTING = 'analysis_threads_prior';

/** Where the threads of an earlier count got to: each analysed its hosts' entries up to there. */
export interface PriorThreads {
  count: number;
  seqs: number[];
}

/** The name thread `index` of `count` commits its progress under ("analysis" for a single thread). */
export function threadConsumer(index: number, count: number): string {
  return count === 1 ? ANALYSIS_CONSUMER : `${ANALYSIS_CONSUMER}-${index + 1}-of-${count}`;
}

/** The hosts thread `index` of `count` analyses. */
export function hostsOfThread(index: number, count: number): (host: string) => boolean {
  return count === 1 ? () => true : (host) => partitionOf(host, count) === index;
}

/** Whether a thread of the previous count already analysed this entry of this host. */
export function analysedBefore(prior: PriorThreads): (host: string, seq: number) => boolean {
  return (host, seq) => seq <= (prior.seqs[partitionOf(host, prior.count)] ?? 0);
}

/**
 * Records the thread count this process analyses with and returns the positions of the previous
 * count's threads when it differs (or when it differed at an earlier start: they stay until the
 * next change). Null when the count never changed.
 */
export async function priorThreads(store: Store, count: number): Promise<PriorThreads | null> {
  const saved = Number(await store.getSetting(COUNT_SETTING));
  const previous = Number.isInteger(saved) && saved >= 1 ? saved : 1;
  if (previous === count) {
    const prior = await store.getSetting(PRIOR_SETTING);
    return prior ? (JSON.parse(prior) as PriorThreads) : null;
  }
  const seqs = await Promise.all(Array.from({ length: previous }, (_, i) => store.analysisProgress(threadConsumer(i, previous))));
  const prior: PriorThreads = { count: previous, seqs };
  // The positions first: a crash between the two writes finds the old count again next time.
  await store.setSetting(PRIOR_SETTING, JSON.stringify(prior));
  await store.setSetting(COUNT_SETTING, String(count));
  return prior;
}
