// Behaviour engine bench (see bench/README.md): the cost per event of the behaviour rules
// (src/analysis/threats/behaviour.ts) and of the actor profiles (src/analysis/actor-profiles.ts)
// once their bounded state is full, against the cost while it fills, in the same run:
// 1. many actors: every event from a new actor (public APIs see hundreds of thousands of client
//    addresses), so past the cap of groups or profiles each event evicts the least recent one;
// 2. one actor walking ids: an enumeration whose distinct-values window holds thousands of ids,
//    each event adding one and expiring the oldest;
// 3. one busy caller of a counting rule: a client posting orders every 10 ms, whose window holds
//    the most timestamps a group keeps, each event adding one and expiring the oldest.
// A structure that degrades when full shows a ratio far above 1 that grows round after round.
//
//   node bench/behaviour/run.ts [--rounds 4]
import { BehaviourEngine, BUILTIN_RULES, type BehaviourEvent } from '../../src/analysis/threats/behaviour.ts';
import { ActorProfiles } from '../../src/analysis/actor-profiles.ts';
import type { Transaction } from '../../src/wire/transaction.ts';
import { setting } from '../lib.ts';

const ROUNDS = Math.max(2, Math.round(setting('rounds', 'BENCH_ROUNDS', 4)));
const PER_ROUND = 100_000;

function event(i: number, actor: string, id: number): BehaviourEvent {
  return {
    at: 1_718_000_000_000 + i * 10, transactionId: `t${i}`, host: 'api.example', endpointId: 'e-users', method: 'GET',
    template: '/users/{userId}', status: 200, actor, params: { userId: String(id) }, username: null, flows: [],
  };
}

function order(i: number): BehaviourEvent {
  return {
    at: 1_718_000_000_000 + i * 10, transactionId: `t${i}`, host: 'api.example', endpointId: 'e-orders', method: 'POST',
    template: '/orders', status: 201, actor: 'key:integration', params: {}, username: null, flows: ['checkout'],
  };
}

function nsPerEvent(feed: (i: number) => void, from: number): number {
  const started = process.hrtime.bigint();
  for (let i = from; i < from + PER_ROUND; i++) feed(i);
  return Number(process.hrtime.bigint() - started) / PER_ROUND;
}

function report(name: string, feed: (i: number) => void): number {
  const costs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    costs.push(nsPerEvent(feed, r * PER_ROUND));
    console.log(`  ${name}, round ${r}: ${costs[r]!.toFixed(0)} ns per event`);
  }
  const ratio = Math.max(...costs.slice(1)) / costs[0]!;
  console.log(`  ${name}: worst later round / first round = ${ratio.toFixed(2)}\n`);
  return ratio;
}

console.log(`# Behaviour engine and actor profiles, ${PER_ROUND} events per round\n`);
const engine = new BehaviourEngine(BUILTIN_RULES);
report('rules, a new actor per event', (i) => engine.observe(event(i, `ip:${i}`, i % 1000)));
const walker = new BehaviourEngine(BUILTIN_RULES);
report('rules, one actor walking ids', (i) => walker.observe(event(i, 'ip:203.0.113.7', i)));
const poster = new BehaviourEngine(BUILTIN_RULES);
report('rules, one busy caller posting orders', (i) => poster.observe(order(i)));
const profiles = new ActorProfiles();
const tx = { request: { method: 'GET', uri: '/users/1', headers: [['user-agent', 'curl/8']] }, response: { status: 200, headers: [] } } as unknown as Transaction;
report('actor profiles, a new actor per event', (i) => profiles.observe({ id: `ip:${i}`, kind: 'ip', label: 'client IP' }, 'api.example', tx, 'e-users', 1_718_000_000_000 + i * 10));
