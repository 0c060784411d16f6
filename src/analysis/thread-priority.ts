// Lets the calling thread yield the CPU to every other thread of the machine, for analysis in a
// process that also ingests: a capture waits for each answer of the edge, while analysis reads a
// durable backlog and can catch up later (its lag is bounded by --max-lag). With analysis at the
// same priority, the edge's thread and the log's writer wait for a core on every hand-off and
// ingestion slows by a third on a 2-core machine (bench/ingest); at idle priority they take the
// core at once, and analysis runs in the time they leave.
//
// Linux schedules threads, not processes, so this changes only the calling thread. SCHED_IDLE is
// what makes a waking thread take the core at once (a niceness of 19 still makes it wait out the
// running slice); Node has no call for a scheduling policy, so util-linux's `chrt` sets it, and
// the lowest niceness is the fallback where chrt is missing.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export type AnalysisPriority = 'low' | 'normal';

/** What the thread got: the idle policy, the lowest niceness, or nothing (not Linux, or refused). */
export type PriorityOutcome = 'idle' | 'nice' | 'unchanged';

/** The kernel's id of the calling thread (Linux), or null. */
function threadId(): number | null {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Moves the calling thread to the lowest priority the system allows. */
export function lowerThreadPriority(): PriorityOutcome {
  const tid = threadId();
  if (tid === null) return 'unchanged';
  const chrt = spawnSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5_000 });
  if (chrt.status === 0) return 'idle';
  try {
    setPriority(tid, 19);
    return 'nice';
  } catch {
    return 'unchanged';
  }
}
