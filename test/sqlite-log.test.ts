// The embedded log's hand-off with its writer thread: an append resolves once its commit is on
// disk, and a busy event loop learns of the commit from the shared progress, without waiting for
// the writer's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteLog } from '../src/log/sqlite-log.ts';
import { tempDir } from './helpers.ts';

const entry = (n: number) => ({ clientId: 'c1', transactionId: `t-${n}`, receivedAt: Date.now(), data: `{"n":${n}}` });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Blocks this thread (no event-loop turn) until `done` holds or `ms` pass. */
function spin(ms: number, done: () => boolean): void {
  const end = Date.now() + ms;
  while (Date.now() < end && !done()) {
    // busy, as a thread parsing requests is
  }
}

test('a commit settles appends while the event loop stays busy; the message that follows changes nothing', { timeout: 30_000 }, async () => {
  const path = join(tempDir(), 'log.db');
  const log = await SqliteLog.open(path, { retainMs: 60_000 });
  try {
    let firstDone = false;
    const first = log.append([entry(1)]).then(() => (firstDone = true));
    await nextTurn(); // the append goes to the writer at the end of this turn
    // Without an event-loop turn, nothing but the shared progress can tell this thread the commit happened.
    const reader = new DatabaseSync(path, { readOnly: true });
    const count = reader.prepare('SELECT COUNT(*) AS n FROM log');
    spin(10_000, () => (count.get() as { n: number }).n === 1);
    reader.close();
    spin(500, () => false); // the writer publishes its progress right after the commit returns
    assert.equal(firstDone, false);
    const second = log.append([entry(2)]); // settles what the writer committed, before its own entry
    await null;
    await null;
    assert.equal(firstDone, true, 'the first append resolved within the same turn, before the writer\'s message could arrive');
    await second;
    await first;
    assert.equal(log.pendingBytes(), 0);
    assert.equal(log.lag('nobody'), 2);
  } finally {
    await log.close();
  }
});
