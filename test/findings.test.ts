// The findings API: list with filters, one finding with evidence and transactions, status changes
// with a reason (audited), CSV export safe for spreadsheets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mulberry32 as mulberry } from '../bench/lib.ts';
import { startTestServer, ADMIN_TOKEN, createClient, getToken, postJson, sampleTransaction, type TestServer } from './helpers.ts';
import { findingId, foldFinding, groupFindings, type FindingObservation, type FindingRecord } from '../src/store/findings.ts';

describe('findings API', () => {
  let server: TestServer;
  const obs = (over: Partial<FindingObservation>): FindingObservation => ({
    type: 'SENSITIVE_DATA_IN_RESPONSE', owaspCategory: 'API3', severity: 'medium', endpointId: 'e1', actor: null, subject: 'response.body.email',
    summary: 'EMAIL returned in responses', evidence: { value: 'a***@e******.com' }, transactionId: 't1', at: Date.UTC(2026, 0, 1), ...over,
  });

  before(async () => {
    server = await startTestServer();
    await server.store.commitAnalysis({
      consumer: 'test', seq: 1, transactions: [], endpoints: [], removedEndpoints: [], state: [],
      findings: [obs({}), obs({ transactionId: 't2' }), obs({ type: 'CSV_CHECK', owaspCategory: null, severity: 'high', subject: 'query.id', summary: '=cmd|calc, "quoted"' })],
    });
  });
  after(() => server.destroy());

  test('list, filter, read one, change status with a reason', async () => {
    let res = await server.admin('/findings');
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 2);
    assert.deepEqual(res.body.counts, { info: 0, low: 0, medium: 1, high: 1, critical: 0 });
    res = await server.admin('/findings?category=API3&status=open');
    assert.equal(res.body.items.length, 1);
    const f = res.body.items[0];
    assert.equal(f.count, 2);
    assert.equal(f.firstSeen, '2026-01-01T00:00:00.000Z');
    const one = await server.admin(`/findings/${f.id}`);
    assert.deepEqual(one.body.transactionIds, ['t1', 't2']);
    assert.deepEqual(one.body.evidence[0], { value: 'a***@e******.com' });
    const patched = await server.admin(`/findings/${f.id}`, { method: 'PATCH', body: { status: 'acknowledged', reason: 'ticket SEC-42' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.status, 'acknowledged');
    assert.equal(patched.body.statusReason, 'ticket SEC-42');
    assert.match(patched.body.statusBy, /^admin-token@/);
    assert.equal((await server.admin(`/findings/${f.id}`, { method: 'PATCH', body: { status: 'closed' } })).status, 400);
    assert.equal((await server.admin('/findings/nope', { method: 'PATCH', body: { status: 'resolved' } })).status, 404);
    const audit = await server.admin('/audit-log');
    assert.ok(audit.body.items.some((a: { action: string }) => a.action === 'finding.status'));
  });

  test('analysis raises findings from traffic, tied to the endpoint and the transactions', async () => {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const ids = [randomUUID(), randomUUID()];
    const data = ids.map((id) => sampleTransaction({ id, host: 'auth.example', uri: `/v1/login?user=ada&password=${randomUUID()}` }));
    assert.equal((await postJson(`${server.url}/api-transactions`, token, { data })).status, 200);
    await server.runner.drain();
    const res = await server.admin('/findings?type=CREDENTIALS_IN_URL');
    assert.equal(res.body.items.length, 1);
    const f = res.body.items[0];
    assert.equal(f.owaspCategory, 'API2');
    assert.equal(f.count, 2);
    assert.deepEqual(f.endpoint, { method: 'GET', host: 'auth.example', pathTemplate: '/v1/login' });
    const endpoint = await server.admin(`/endpoints/${f.endpointId}`);
    assert.equal(endpoint.body.host, 'auth.example');
    assert.deepEqual((await server.admin(`/findings/${f.id}`)).body.transactionIds, ids);
  });

  test('injection attempts become findings with the reasons the detector gives', async () => {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const attack = sampleTransaction({ id: randomUUID(), host: 'shop.example', uri: `/v1/items?id=${encodeURIComponent("1' OR '1'='1' --")}` });
    assert.equal((await postJson(`${server.url}/api-transaction`, token, attack)).status, 200);
    await server.runner.drain();
    const res = await server.admin('/findings?type=SQL_INJECTION_ATTEMPT');
    assert.equal(res.body.items.length, 1, JSON.stringify(res.body.items));
    const f = (await server.admin(`/findings/${res.body.items[0].id}`)).body;
    assert.equal(f.subject, 'query.id');
    assert.ok(f.evidence[0].reasons.length > 0);
    assert.equal(f.actor, 'ip:203.0.113.7');
  });

  test('CSV export: a header row, quoted fields, formulas neutralized', async () => {
    const res = await fetch(`${server.url}/api/v1/findings?format=csv&type=CSV_CHECK`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,type,owaspCategory,severity,status,endpointId,actor,subject,count,firstSeen,lastSeen,summary,statusReason');
    assert.equal(lines.length, 2);
    assert.ok(lines[1]!.includes(`"'=cmd|calc, ""quoted"""`), lines[1]);
  });
});

// The fold as it was first written: one observation at a time, cutting the kept lists at each step.
function foldOneByOne(current: FindingRecord | null, observations: FindingObservation[]): FindingRecord {
  let row = current;
  for (const o of observations) {
    const step = foldFinding(row, [o]);
    row = current === null && row === null ? step : { ...step, createdAt: row?.createdAt ?? step.createdAt };
  }
  return row!;
}

test('folding a batch of observations at once equals folding them one by one', () => {
  const random = mulberry(7);
  const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
  const id = () => `t${Math.floor(random() * 30)}`;
  for (let round = 0; round < 300; round++) {
    const observations: FindingObservation[] = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) => ({
      type: 'BOLA_OBJECT_ENUMERATION', owaspCategory: 'API1', severity: severities[Math.floor(random() * 5)]!, endpointId: 'e1', actor: 'ip:1', subject: null,
      summary: `s${i}`, evidence: { i }, transactionId: random() < 0.8 ? id() : null,
      ...(random() < 0.3 ? { transactionIds: Array.from({ length: Math.floor(random() * 12) }, id) } : {}),
      at: 1_000 + Math.floor(random() * 1_000), ...(random() < 0.2 ? { count: 3 } : {}),
    }));
    const start = random() < 0.5 ? null : { ...foldFinding(null, observations.slice(0, 1)), status: random() < 0.5 ? 'resolved' : 'acknowledged', createdAt: 5 } as FindingRecord;
    const once = foldFinding(start, observations);
    const steps = foldOneByOne(start, observations);
    assert.deepEqual({ ...once, createdAt: 0 }, { ...steps, createdAt: 0 }, `round ${round}`);
  }
});

test('grouping a batch puts each observation under the id of its row, in the order given', () => {
  const random = mulberry(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const observations: FindingObservation[] = Array.from({ length: 500 }, (_, i) => ({
    type: pick(['BOLA_OBJECT_ENUMERATION', 'SENSITIVE_DATA_IN_RESPONSE']), owaspCategory: 'API1', severity: 'low',
    endpointId: pick(['e1', 'e2', null]), actor: pick(['ip:1', null]), subject: pick(['a', 'b', null]),
    summary: `s${i}`, evidence: {}, transactionId: `t${i}`, at: i,
  }));
  const expected = new Map<string, FindingObservation[]>();
  for (const o of observations) expected.set(findingId(o), [...(expected.get(findingId(o)) ?? []), o]);
  assert.deepEqual([...groupFindings(observations)], [...expected]);
  // Ids are stored: the key text behind them must not change.
  assert.equal(findingId({ type: 'T', endpointId: 'e', actor: null, subject: 's' }), 'vhLxQ44D8F6YJ25_Drn8Ni');
});
