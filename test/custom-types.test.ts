// Custom sensitive data types: definitions are checked (unsafe patterns refused), a dry run shows
// what would match in recent traffic, and once saved a type is found, masked and reported in later
// traffic like a built-in one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { compileCustomType } from '../src/analysis/sensitive/custom.ts';
import { createClient, getToken, postJson, sampleTransaction, startTestServer } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('definitions: pattern and field-name conditions, validators, unsafe patterns refused', () => {
  const emp = compileCustomType({ name: 'EMPLOYEE_ID', category: 'PII', severity: 'medium', pattern: 'E-\\d{6}', fieldNames: [], validator: null });
  assert.equal(emp.test('owner.employee', 'E-123456'), true);
  assert.equal(emp.test('owner.employee', 'E-12345'), false);
  assert.equal(emp.test('note', 'call E-123456 later'), false, 'the whole value must match');
  const byName = compileCustomType({ name: 'POLICY_NUMBER', category: 'CUSTOM', severity: 'high', pattern: null, fieldNames: ['policy_number', 'policyNo'], validator: null });
  assert.equal(byName.test('items.0.policyNumber', 'anything'), true);
  assert.equal(byName.test('items.0.policy-no', 'x'), true);
  assert.equal(byName.test('items.0.orderNumber', 'x'), false);
  const card = compileCustomType({ name: 'LOYALTY_CARD', category: 'CUSTOM', severity: 'low', pattern: '\\d{16}', fieldNames: [], validator: 'luhn' });
  assert.equal(card.test('x', '4111111111111111'), true);
  assert.equal(card.test('x', '4111111111111112'), false);
  for (const [pattern, why] of [['(a+)+b', /repeated group/], ['(\\w*)*', /repeated group/], ['(a)\\1', /backreferences/], ['(', /not a valid regular expression/]] as const) {
    assert.throws(() => compileCustomType({ name: 'BAD', category: 'C', severity: 'low', pattern, fieldNames: [], validator: null }), why, pattern);
  }
  assert.throws(() => compileCustomType({ name: 'lower', category: 'C', severity: 'low', pattern: 'x', fieldNames: [], validator: null }), /upper snake case/);
  assert.throws(() => compileCustomType({ name: 'NOTHING', category: 'C', severity: 'low', pattern: null, fieldNames: [], validator: null }), /give a pattern, field names, or both/);
});

test('dry run on recent traffic, then saved: found, masked and reported in later traffic', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const post = async (employee: string) => {
      const t = sampleTransaction({ host: 'hr.example', uri: '/v1/staff/7', id: randomUUID() });
      const body = JSON.stringify({ name: 'Ada', employee });
      t.response.body = { length: body.length, data: b64(body) };
      assert.equal((await postJson(`${server.url}/api-transaction`, token, t)).status, 200);
      await server.runner.drain();
      return t['transaction-id'];
    };
    await post('E-424242');
    const definition = { name: 'EMPLOYEE_ID', category: 'PII', severity: 'high', pattern: 'E-\\d{6}' };
    const dry = await server.admin('/sensitive-types/dry-run', { method: 'POST', body: definition });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.transactions, 1);
    assert.equal(dry.body.matches[0].field, 'employee');
    assert.match(dry.body.matches[0].masked, /^[A-Z]-\d{6}$/, 'masked, same shape');
    assert.notEqual(dry.body.matches[0].masked, 'E-424242');
    assert.equal((await server.admin('/sensitive-types/dry-run', { method: 'POST', body: { name: 'BAD', pattern: '(a+)+' } })).status, 400);

    const saved = await server.admin('/sensitive-types', { method: 'POST', body: definition });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await server.admin('/sensitive-types', { method: 'POST', body: definition })).status, 409);
    assert.equal((await server.admin('/sensitive-types', { method: 'POST', body: { ...definition, name: 'CREDIT_CARD' } })).status, 409);
    await new Promise((r) => setTimeout(r, 2100)); // analysis re-reads custom types every 2 s
    const id = await post('E-777777');
    const stored = await server.admin(`/transactions/${id}`);
    assert.ok(!JSON.stringify(stored.body).includes('E-777777'), 'the value is stored masked');
    assert.ok(stored.body.sensitiveData.some((s: { name: string; field: string }) => s.name === 'EMPLOYEE_ID' && s.field === 'employee'));
    const endpoints = await server.admin('/endpoints?host=hr.example');
    assert.ok(endpoints.body.items[0].sensitiveTypes.includes('EMPLOYEE_ID'));
    const where = await server.admin('/sensitive-data?type=EMPLOYEE_ID');
    assert.equal(where.status, 200);
    assert.deepEqual(where.body.fields.map((f: { host: string; location: string; field: string }) => `${f.host} ${f.location} ${f.field}`), ['hr.example RESPONSE_BODY employee']);
    assert.equal(where.body.types[0].name, 'EMPLOYEE_ID');
    assert.equal(where.body.types[0].severity, 'high');
    const list = await server.admin('/sensitive-types');
    assert.ok(list.body.builtIn.some((t: { name: string }) => t.name === 'CREDIT_CARD'));
    assert.deepEqual(list.body.custom.map((t: { name: string }) => t.name), ['EMPLOYEE_ID']);
    assert.equal((await server.admin(`/sensitive-types/${saved.body.id}`, { method: 'DELETE' })).status, 204);
  } finally {
    await server.destroy();
  }
});
