// Ingestion counters (src/edge/stats.ts): counted per client, source type and outcome, and bounded:
// a capture that sends ever new source types cannot grow the counters (or their store rows)
// without limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IngestionStats, MAX_SOURCES_PER_CLIENT, OTHER_SOURCES, type StatsBatch } from '../src/edge/stats.ts';

test('counts add up per client, source type and outcome, and reach the sink on flush', async () => {
  const batches: StatsBatch[] = [];
  const stats = new IngestionStats(async (b) => void batches.push(b));
  stats.record('c1', 'azure-apim', 'accepted', 3, null, 1);
  stats.record('c1', 'azure-apim', 'accepted', 2, null, 2);
  stats.record('c1', 'azure-apim', 'invalid_transaction', 1, 'bad', 3);
  await stats.flush();
  assert.equal(batches.length, 1);
  const accepted = batches[0]!.deltas.find((d) => d.outcome === 'accepted')!;
  assert.equal(accepted.count, 5);
  assert.equal(batches[0]!.deltas.length, 2);
  assert.deepEqual(batches[0]!.activity, [['c1', { transactions: 5, lastAt: 2 }]]);
});

test('past the bound, new source types of a client are counted as "other"', async () => {
  const batches: StatsBatch[] = [];
  const stats = new IngestionStats(async (b) => void batches.push(b));
  for (let i = 0; i < MAX_SOURCES_PER_CLIENT + 100; i++) stats.record('c1', `type-${i}`, 'accepted', 1, null, i);
  stats.record('c1', 'type-0', 'accepted', 1, null, 999); // a known type is still its own
  stats.record('c2', 'type-500', 'accepted', 1, null, 999); // another client has its own bound
  await stats.flush();
  const of = (client: string) => batches[0]!.deltas.filter((d) => d.clientId === client);
  assert.equal(of('c1').length, MAX_SOURCES_PER_CLIENT + 1);
  assert.equal(of('c1').find((d) => d.sourceType === OTHER_SOURCES)!.count, 100);
  assert.equal(of('c1').find((d) => d.sourceType === 'type-0')!.count, 2);
  assert.deepEqual(of('c2').map((d) => d.sourceType), ['type-500']);
  assert.equal(of('c1').reduce((a, d) => a + d.count, 0), MAX_SOURCES_PER_CLIENT + 101, 'nothing is lost');
});
