// Behaviour rules on event streams: each built-in rule fires on its attack and stays quiet on the
// look-alike benign traffic (single-page apps, many users of one endpoint, a few failed logins);
// actors from transactions; endpoint flows; and the whole path through the edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BehaviourEngine, flowsOf, MAX_PER_GROUP, SlidingWindow, type BehaviourEvent } from '../src/analysis/threats/behaviour.ts';
import { actorOf, usernameOf } from '../src/analysis/threats/actors.ts';
import type { Header, Transaction } from '../src/wire/transaction.ts';
import { createClient, getToken, postJson, sampleTransaction, startTestServer } from './helpers.ts';

let clock = 1_700_000_000_000;
function event(over: Partial<BehaviourEvent>): BehaviourEvent {
  clock += 100;
  return { at: clock, transactionId: randomUUID(), host: 'api.example', endpointId: 'e-users', method: 'GET', template: '/users/{userId}', status: 200, actor: 'ip:203.0.113.5', params: {}, username: null, flows: [], ...over };
}
const fired = (engine: BehaviourEngine, events: BehaviourEvent[]) => events.flatMap((e) => engine.observe(e)).map((f) => f.type);

test('BOLA: one actor walking many object ids fires once (cool-down); an app re-reading a few objects does not', () => {
  const engine = new BehaviourEngine();
  assert.deepEqual(fired(engine, Array.from({ length: 200 }, (_, i) => event({ params: { userId: String(i % 5) } }))), [], 'a single-page app polling five objects');
  assert.deepEqual(fired(engine, Array.from({ length: 30 }, (_, i) => event({ actor: 'ip:198.51.100.1', params: { userId: String(1000 + i) } }))), []);
  assert.deepEqual(fired(engine, Array.from({ length: 30 }, (_, i) => event({ actor: 'ip:198.51.100.2', params: { userId: String(2000 + i) } }))), [], 'two actors with 30 ids each');
  const walk = Array.from({ length: 120 }, (_, i) => event({ actor: 'ip:192.0.2.66', params: { userId: String(5000 + i) } }));
  const findings = walk.flatMap((e) => engine.observe(e));
  assert.deepEqual(findings.map((f) => f.type), ['BOLA_OBJECT_ENUMERATION']);
  assert.equal(findings[0]!.owaspCategory, 'API1');
  assert.equal(findings[0]!.actor, 'ip:192.0.2.66');
  assert.match(findings[0]!.summary, /50 distinct object ids on GET api\.example\/users\/\{userId\}/);
  assert.equal((findings[0]!.evidence.recentTransactions as string[]).length, 10);
});

test('brute force and credential stuffing on a login endpoint', () => {
  const engine = new BehaviourEngine();
  const login = { endpointId: 'e-login', method: 'POST', template: '/login', flows: ['login'] };
  assert.deepEqual(fired(engine, Array.from({ length: 9 }, () => event({ ...login, status: 401, username: 'u1' }))), [], 'a few typos');
  assert.deepEqual(fired(engine, Array.from({ length: 3 }, () => event({ ...login, status: 401, username: 'u1' }))), ['BRUTE_FORCE']);
  const stuffing = Array.from({ length: 12 }, (_, i) => event({ ...login, actor: 'ip:192.0.2.7', status: i % 4 === 0 ? 200 : 401, username: `user-${i}` }));
  const types = fired(engine, stuffing);
  assert.ok(types.includes('CREDENTIAL_STUFFING'), types.join());
});

test('business flows: one actor repeating sign-ups; many actors bursting an OTP endpoint', () => {
  const engine = new BehaviourEngine();
  const signup = { endpointId: 'e-signup', method: 'POST', template: '/signup', flows: ['signup'] };
  assert.deepEqual(fired(engine, Array.from({ length: 19 }, () => event(signup))), []);
  assert.deepEqual(fired(engine, [event(signup)]), ['BUSINESS_FLOW_ABUSE']);
  const otp = { endpointId: 'e-otp', method: 'POST', template: '/otp/send', flows: ['otp'] };
  const burst = fired(engine, Array.from({ length: 60 }, (_, i) => event({ ...otp, actor: `ip:10.9.${i}.1` })));
  assert.deepEqual(burst, ['BUSINESS_FLOW_ABUSE']);
});

test('a sliding window counts events, or each value once from its latest event, and forgets what left it', () => {
  const count = new SlidingWindow(false);
  assert.deepEqual([1, 2, 3].map((t) => count.add(t, null, 0)), [1, 2, 3]);
  assert.equal(count.add(1002, null, 2), 2, 'the events at 1 and 2 left the window');
  const distinct = new SlidingWindow(true);
  assert.deepEqual([['a', 1], ['b', 2], ['a', 3]].map(([v, t]) => distinct.add(t as number, v as string, 0)), [1, 2, 2]);
  assert.equal(distinct.add(1002, 'c', 2), 2, 'b (last seen at 2) left; a stays, seen again at 3');
  assert.deepEqual([...distinct.latest!.keys()], ['a', 'c']);
  // 200 values walked in order, then more in a moving window of 50 time units.
  const walk = new SlidingWindow(true);
  for (let t = 0; t < 2000; t++) walk.add(t, `id-${t}`, t - 50);
  assert.equal(walk.size, 50);
  assert.deepEqual([...walk.latest!.keys()].slice(0, 2), ['id-1950', 'id-1951']);
});

test('a sliding window stays within its bound: a caller repeating a few values, and one with too many', () => {
  const repeat = new SlidingWindow(true);
  for (let i = 0; i < 5 * MAX_PER_GROUP; i++) repeat.add(i, `v${i % 3}`, -1);
  assert.equal(repeat.size, 3, 'three values, however often they came');
  assert.equal(repeat.add(5 * MAX_PER_GROUP, 'v3', -1), 4);
  assert.equal(repeat.add(5 * MAX_PER_GROUP + 1, 'v4', 5 * MAX_PER_GROUP - 2), 3, 'only the values seen since the window start stay: v1 (last seen at the end of the loop), v3 and v4');
  const many = new SlidingWindow(true);
  for (let i = 0; i <= MAX_PER_GROUP; i++) many.add(0, String(i), -1);
  assert.equal(many.size, MAX_PER_GROUP);
  assert.equal([...many.latest!.keys()][0], '1', 'the least recently seen went first');
});

test('windows slide: slow enumeration below the rate does not fire', () => {
  const engine = new BehaviourEngine();
  const slow = Array.from({ length: 200 }, (_, i) => {
    clock += 5_000;
    return event({ actor: 'ip:192.0.2.99', params: { userId: String(9000 + i) } });
  });
  assert.deepEqual(fired(engine, slow), []);
});

test('endpoint flows from method and template', () => {
  assert.deepEqual(flowsOf('POST', '/v1/auth/login'), ['login']);
  assert.deepEqual(flowsOf('POST', '/oauth2/token'), ['login']);
  assert.deepEqual(flowsOf('POST', '/v1/users'), ['signup']);
  assert.deepEqual(flowsOf('GET', '/v1/users/{userId}'), []);
  assert.deepEqual(flowsOf('POST', '/account/password/reset'), ['password-reset']);
  assert.deepEqual(flowsOf('POST', '/checkout'), ['checkout']);
  assert.deepEqual(flowsOf('GET', '/admin/users'), ['admin']);
});

function tx(headers: Header[], body?: string): Transaction {
  return {
    id: 't', idGenerated: false, timestamp: 0, version: null,
    request: { method: 'POST', uri: '/login', host: 'a', scheme: 'https', httpVersion: '1.1', clientIp: '203.0.113.8', clientIpRule: 'client-ip', connection: { connectionIp: '203.0.113.8', serverIp: '10.0.0.1' }, headers, body: body ? { bytes: Buffer.from(body), length: body.length, truncated: false } : null },
    response: { status: 200, headers: [], body: null },
    meta: {},
  };
}

test('actors: JWT subject, Basic user, API key, session cookie, else the client IP; no secret in the id', () => {
  const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"alice","iss":"https://login.example/"}').toString('base64url')}.sig`;
  const a = actorOf(tx([['Authorization', `Bearer ${jwt}`]]), 'k');
  assert.match(a.id, /^sub:[\w-]{16}$/);
  assert.equal(a.label, 'JWT subject at login.example');
  assert.equal(actorOf(tx([['Authorization', `Bearer ${jwt}`]]), 'k').id, a.id, 'stable');
  assert.notEqual(actorOf(tx([['Authorization', `Bearer ${jwt}`]]), 'other-key').id, a.id, 'keyed');
  assert.match(actorOf(tx([['Authorization', `Basic ${Buffer.from('bob:pw').toString('base64')}`]]), 'k').id, /^user:/);
  const key = actorOf(tx([['X-API-Key', 'sk_live_123']]), 'k');
  assert.match(key.id, /^key:/);
  assert.ok(!key.id.includes('sk_live'));
  assert.match(actorOf(tx([['Cookie', 'theme=dark; JSESSIONID=abc']]), 'k').id, /^session:/);
  assert.equal(actorOf(tx([]), 'k').id, 'ip:203.0.113.8');
  assert.equal(usernameOf(tx([['Content-Type', 'application/json']], '{"email":"Ada@Example.com","password":"x"}'), 'k'), usernameOf(tx([['Content-Type', 'application/x-www-form-urlencoded']], 'email=ada%40example.com&password=y'), 'k'));
});

test('through the edge: an actor walking user ids becomes an API1 finding with its transactions', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const data = Array.from({ length: 80 }, (_, i) => sampleTransaction({ host: 'bank.example', uri: `/v1/accounts/${100000 + i * 37}`, id: randomUUID() }));
    assert.equal((await postJson(`${server.url}/api-transactions`, token, { data })).status, 200);
    await server.runner.drain();
    const res = await server.admin('/findings?category=API1');
    assert.equal(res.body.items.length, 1, JSON.stringify(res.body));
    const f = res.body.items[0];
    assert.equal(f.type, 'BOLA_OBJECT_ENUMERATION');
    assert.equal(f.actor, 'ip:203.0.113.7');
    const one = await server.admin(`/findings/${f.id}`);
    assert.equal(one.body.transactionIds.length, 10, 'the calls that made the rule fire');
    assert.equal((await server.admin(`/transactions/${one.body.transactionIds[0]}`)).status, 200, 'the finding links to stored transactions');
  } finally {
    await server.destroy();
  }
});

test('API5 and API10 through the edge: unusual admin access; outgoing calls to third parties', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const ordinary = Array.from({ length: 15 }, (_, i) => sampleTransaction({ host: 'corp.example', uri: `/v1/reports/${i}`, id: randomUUID() }));
    const admin = sampleTransaction({ host: 'corp.example', uri: '/admin/users', id: randomUUID() });
    const body = JSON.stringify({ email: 'someone@example.org', card: '4111 1111 1111 1111' });
    const outbound = sampleTransaction({ host: 'partner-api.example.net', uri: '/v2/charge', method: 'POST', body, id: randomUUID() });
    outbound.request['http-scheme'] = 'http';
    outbound.request.headers.push(`content-type:${Buffer.from('application/json').toString('base64')}`);
    (outbound as Record<string, unknown>)['txn-meta-data'] = { data_extractions: { direction: 'outbound' } };
    assert.equal((await postJson(`${server.url}/api-transactions`, token, { data: [...ordinary, admin, outbound] })).status, 200);
    await server.runner.drain();
    const api5 = await server.admin('/findings?category=API5');
    assert.equal(api5.body.items.length, 1, JSON.stringify(api5.body.items));
    assert.equal(api5.body.items[0].type, 'FUNCTION_LEVEL_ACCESS');
    assert.equal(api5.body.items[0].actor, 'ip:203.0.113.7');
    const api10 = (await server.admin('/findings?category=API10')).body.items.map((f: { type: string }) => f.type).sort();
    assert.deepEqual(api10, ['SENSITIVE_DATA_TO_THIRD_PARTY', 'THIRD_PARTY_PLAIN_HTTP']);
  } finally {
    await server.destroy();
  }
});
