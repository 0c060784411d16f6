// Raw sensitive values never rest on disk: a real `tapline serve` ingests transactions full of
// planted personal data and secrets (bodies, query strings, headers); once analysis has consumed
// them, no planted value is in any file of the data directory (log and store, WAL files
// included) nor in the server's output. The stored transactions are masked, and the endpoint knows
// which fields carry which types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, postJson, tempDir } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Valid values of several types (checksums pass), each unique to this test. */
const PLANTED = {
  card: '4111 1111 1111 1111',
  amex: '378282246310005',
  iban: 'DE89370400440532013000',
  ssn: '536-90-4399',
  email: `marie.planted.${randomUUID().slice(0, 8)}@example.org`,
  phone: '+1 415-555-2671',
  aws: 'AKIAIOSFODNN7EXAMPLE',
};

function transaction(i: number) {
  const response = JSON.stringify({ id: i, owner: { email: PLANTED.email, phone: PLANTED.phone, ssn: PLANTED.ssn }, accounts: [{ iban: PLANTED.iban, cardNumber: PLANTED.card }], deploy: { awsAccessKeyId: PLANTED.aws } });
  const request = JSON.stringify({ payment: { cardNumber: PLANTED.amex }, contact: PLANTED.email });
  return {
    'transaction-id': randomUUID(),
    request: {
      'http-method': 'POST',
      'uri-query-fragment': `/v1/customers/${1000 + i}/payments?email=${encodeURIComponent(PLANTED.email)}`,
      host: 'bank.example',
      connection: { 'connection-ip': '10.0.0.4', 'server-ip': '10.0.1.9' },
      headers: [`content-type:${b64('application/json')}`, `x-customer-email:${b64(PLANTED.email)}`],
      body: { length: request.length, data: b64(request) },
    },
    response: { 'status-code': '200', headers: [`content-type:${b64('application/json')}`], body: { length: response.length, data: b64(response) } },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Planted values (and their digit-only forms) found in any file, as "value in file". */
function plantedIn(dir: string, output: string): string[] {
  const hits: string[] = [];
  // Each value as text, without separators, URL-encoded, and the captured bodies as the capture
  // sent them (base64), since that is how the log holds a transaction until analysis has it.
  const needles = [
    ...Object.values(PLANTED).flatMap((v) => [...new Set([v, v.replace(/[\s-]/g, ''), encodeURIComponent(v)])]),
    ...transaction(0).request.headers.slice(1).map((h) => h.split(':')[1]!),
    transaction(0).response.body.data.slice(40, 120),
  ];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const n of needles) if (bytes.includes(Buffer.from(n))) hits.push(`${n} in ${file}`);
  }
  for (const n of needles) if (output.includes(n)) hits.push(`${n} in the server output`);
  return hits;
}

test('planted personal data and secrets are nowhere in the data directory or the logs after analysis', { timeout: 90_000 }, async () => {
  const dataDir = tempDir('tapline-pii-');
  const child = spawn(process.execPath, ['bin/tapline.js', 'serve', '--port', '0', '--data', dataDir, '--log-level', 'debug'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    let url = '';
    for (let i = 0; i < 300 && !url; i++) {
      url = /listening on (http:\/\/[^\s,]+)/.exec(output)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(url, output);
    const admin = async (path: string, body?: unknown) => {
      const res = await fetch(`${url}/api/v1${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      return res.json() as Promise<any>;
    };
    const client = await admin('/clients', { name: 'pii-test' });
    const tokenRes = await fetch(`${url}/auth/realms/tapline/protocol/openid-connect/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'pii-test', client_secret: client.secret }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const data = Array.from({ length: 20 }, (_, i) => transaction(i));
    assert.equal((await postJson(`${url}/api-transactions`, token, { data })).status, 200);
    assert.ok(plantedIn(dataDir, '').length > 0, 'the planted values are on disk before analysis (or the test proves nothing)');

    // Analysis consumes them; the log blanks consumed entries and empties its WAL.
    const deadline = Date.now() + 30_000;
    let hits = plantedIn(dataDir, output);
    while (hits.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      hits = plantedIn(dataDir, output);
    }
    assert.deepEqual(hits, []);

    // What is stored is masked, keeps its shape, and says where the data was.
    const list = await admin('/transactions?limit=1');
    const stored = await admin(`/transactions/${list.items[0].transactionId}`);
    const body = JSON.parse(stored.response.body.data);
    assert.match(body.accounts[0].cardNumber, /^\d{4} \d{4} \d{4} 1111$/, 'a masked card keeps its format and last four');
    assert.notEqual(body.accounts[0].cardNumber, PLANTED.card);
    assert.ok(stored.sensitiveData.some((s: { name: string; field: string }) => s.name === 'CREDIT_CARD' && s.field === 'accounts.0.cardNumber'), JSON.stringify(stored.sensitiveData));
    const endpoints = await admin('/endpoints?host=bank.example');
    assert.deepEqual(endpoints.items[0].sensitiveTypes.filter((t: string) => ['CREDIT_CARD', 'EMAIL', 'IBAN', 'US_SSN', 'AWS_ACCESS_KEY'].includes(t)).sort(), ['AWS_ACCESS_KEY', 'CREDIT_CARD', 'EMAIL', 'IBAN', 'US_SSN']);
    const findings = await admin('/findings?limit=100');
    const types = new Set(findings.items.map((f: { type: string }) => f.type));
    for (const t of ['SENSITIVE_DATA_IN_RESPONSE', 'SECRET_IN_RESPONSE', 'SENSITIVE_DATA_IN_URL', 'UNAUTHENTICATED_SENSITIVE_DATA']) assert.ok(types.has(t), `${t} in ${[...types].join(', ')}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  // After an orderly stop too (the log's last scrub and checkpoint).
  assert.deepEqual(plantedIn(dataDir, output), []);
});
