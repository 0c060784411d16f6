// Durability: a 200 from the edge is a promise (edge-api.md section 2). The real server runs as a
// child process under concurrent load and is killed with SIGKILL (no shutdown hook runs); after a
// restart on the same data directory, every transaction that was acknowledged must be there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN_TOKEN = 'durability-admin-token';
const POSTERS = 8;
const LOAD_MS = 1_500;
const BATCH_SIZE = 5;
const FIND_TIMEOUT_MS = 15_000;

interface Child {
  proc: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<void>;
}

/** Starts `tapline serve` on a free port (--port 0; the URL is read from its first line). */
async function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['bin/tapline.js', 'serve', '--data', dataDir, '--port', '0', '--log-level', 'error'], {
    cwd: ROOT,
    env: { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  let url: string | null = null;
  while (url === null) {
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) url = m[1]!;
    else if (proc.exitCode !== null) throw new Error(`tapline serve exited with ${proc.exitCode}:\n${out}`);
    else if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`tapline serve did not start within 20 s:\n${out}`);
    } else await sleep(25);
  }
  const child: Child = { proc, url, output: () => out, exited };
  while ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`tapline serve never became ready:\n${out}`);
    }
    await sleep(25);
  }
  return child;
}

/** SIGTERM, then SIGKILL if it is still alive after 5 s. Signals go to this child's PID only. */
async function stopChild(child: Child): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  process.kill(proc.pid!, 'SIGTERM');
  const timedOut = await Promise.race([child.exited.then(() => false), sleep(5_000).then(() => true)]);
  if (timedOut && proc.exitCode === null && proc.signalCode === null) {
    process.kill(proc.pid!, 'SIGKILL');
    await child.exited;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function transaction(id: string) {
  const resBody = JSON.stringify({ id: 7, name: 'Ada', tags: ['a', 'b'] });
  return {
    timestamp: (Date.now() / 1000).toFixed(3),
    version: '1.0',
    'transaction-id': id,
    request: {
      'http-method': 'GET',
      'uri-query-fragment': `/v1/durable/${id}`,
      host: 'durable.example.com',
      connection: { 'connection-ip': '10.0.0.4', 'server-ip': '10.0.1.9', 'server-port': 443 },
      headers: [`accept:${b64('application/json')}`],
    },
    response: { 'status-code': '200', headers: [`content-type:${b64('application/json')}`], body: { length: resBody.length, data: b64(resBody) } },
    'txn-meta-data': { source_info: { type: 'tapline-sensor', version: '1.0.0' } },
  };
}

async function admin(url: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Posts until `stop` is set or the server goes away; records the ids of every 200. */
async function poster(url: string, token: string, n: number, acked: Set<string>, stop: { now: boolean }) {
  let seq = 0;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  while (!stop.now) {
    const single = seq % 2 === 0;
    const ids = single ? [`d-${n}-${seq}`] : Array.from({ length: BATCH_SIZE }, (_, i) => `d-${n}-${seq}-${i}`);
    seq++;
    const body = single ? transaction(ids[0]!) : { data: ids.map(transaction) };
    let status: number;
    try {
      const res = await fetch(`${url}${single ? '/api-transaction' : '/api-transactions'}`, { method: 'POST', headers, body: JSON.stringify(body) });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      return; // the server was killed mid-request: that request was never acknowledged
    }
    if (status === 200) for (const id of ids) acked.add(id);
    else if (status !== 429 && status !== 503) throw new Error(`poster ${n}: unexpected HTTP ${status}`);
  }
}

/** Pages through the recent transactions (newest first) and returns every transaction id. */
async function storedIds(url: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let before: string | null = null;
  for (;;) {
    const page = await admin(url, `/transactions?limit=1000${before === null ? '' : `&before=${encodeURIComponent(before)}`}`);
    assert.equal(page.status, 200, `GET /api/v1/transactions: ${JSON.stringify(page.body)}`);
    for (const item of page.body.items as Array<{ transactionId: string }>) ids.add(item.transactionId);
    before = page.body.next;
    if (before === null) return ids;
  }
}

test('every transaction acknowledged before a SIGKILL is there after a restart', { timeout: 90_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tapline-durability-'));
  let child: Child | null = null;
  try {
    child = await startChild(dataDir);
    const url = child.url;
    const created = await admin(url, '/clients', { name: `durable-${randomUUID().slice(0, 8)}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const tokenRes = await fetch(`${url}/auth/realms/tapline/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.body.clientId, client_secret: created.body.secret }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    assert.ok(token, 'token issued');

    const acked = new Set<string>();
    const stop = { now: false };
    const posters = Array.from({ length: POSTERS }, (_, n) => poster(url, token, n, acked, stop));
    // Load for LOAD_MS, and on a busy machine longer, until enough were acknowledged to mean something.
    const loadEnd = Date.now() + LOAD_MS;
    while (Date.now() < loadEnd || (acked.size < 600 && Date.now() < loadEnd + 20_000)) await sleep(50);
    // Kill while requests are in flight: no shutdown hook, no final flush.
    process.kill(child.proc.pid!, 'SIGKILL');
    await child.exited;
    stop.now = true;
    await Promise.all(posters);
    assert.equal(child.proc.signalCode, 'SIGKILL', 'the server died by SIGKILL, not on its own');
    assert.ok(acked.size >= 300, `only ${acked.size} transactions were acknowledged before the kill; the test needs hundreds to mean something`);

    t.diagnostic(`${acked.size} transactions acknowledged before SIGKILL`);

    child = await startChild(dataDir);
    const started = Date.now();
    const deadline = Date.now() + FIND_TIMEOUT_MS;
    let missing: string[] = [];
    for (;;) {
      const stored = await storedIds(child.url);
      missing = [...acked].filter((id) => !stored.has(id));
      if (missing.length === 0 || Date.now() > deadline) break;
      await sleep(250);
    }
    t.diagnostic(`search ended ${Date.now() - started} ms after the restart was ready, ${missing.length} missing`);
    assert.deepEqual(
      missing.slice(0, 20),
      [],
      `${missing.length} of ${acked.size} acknowledged transactions are missing after the restart (first 20 shown)`,
    );
    // One of them in full, through the single-transaction endpoint of the admin API.
    const one = [...acked][0]!;
    const detail = await admin(child.url, `/transactions/${encodeURIComponent(one)}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.transactionId, one);
  } finally {
    if (child) await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
