// Actor profiles and bot scores: scrapers, headless browsers and credential stuffers score as bots
// with their reasons; a single-page app and a steady server-to-server client do not. Through the
// edge: actors are listed with scores, and an actor shows its findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BOT_THRESHOLD, botScore, newActorStats, observeActor, userAgentClass } from '../src/analysis/threats/actor-stats.ts';
import type { Transaction } from '../src/wire/transaction.ts';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import { createClient, getToken, postJson, sampleTransaction, startTestServer, tempDir } from './helpers.ts';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

function tx(ua: string | null, status = 200): Transaction {
  return {
    id: randomUUID(), idGenerated: false, timestamp: 0, version: null,
    request: { method: 'GET', uri: '/', host: 'a', scheme: 'https', httpVersion: '1.1', clientIp: '203.0.113.1', clientIpRule: 'client-ip', connection: { connectionIp: '203.0.113.1', serverIp: '10.0.0.1' }, headers: ua === null ? [] : [['User-Agent', ua]], body: null },
    response: { status, headers: [], body: null },
    meta: {},
  };
}

/** A profile from `n` calls: endpoint(i), gap(i) ms apart, user agent, status. */
function profile(n: number, opts: { ua: string | null; endpoint: (i: number) => string; gap: (i: number) => number; status?: (i: number) => number }) {
  const s = newActorStats({ id: 'ip:203.0.113.1', kind: 'ip', label: 'client IP' }, 'a');
  let at = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    at += opts.gap(i);
    observeActor(s, tx(opts.ua, opts.status?.(i) ?? 200), opts.endpoint(i), at);
  }
  return s;
}

test('user agent classes', () => {
  assert.equal(userAgentClass(BROWSER), 'browser');
  assert.equal(userAgentClass('python-requests/2.31.0'), 'automation:python-requests');
  assert.equal(userAgentClass('Mozilla/5.0 HeadlessChrome/120.0'), 'headless');
  assert.equal(userAgentClass(undefined), 'missing');
  assert.equal(userAgentClass('MyCompanyApp/3.2 (iOS)'), 'other');
});

test('benign: a single-page app calling a few templates fast, a steady server-to-server client', () => {
  const spa = botScore(profile(2000, { ua: BROWSER, endpoint: (i) => `e${i % 4}`, gap: (i) => 50 + ((i * 37) % 200) }));
  assert.ok(spa.score < BOT_THRESHOLD, `SPA scored ${spa.score}: ${spa.reasons.join('; ')}`);
  const s2s = botScore(profile(2000, { ua: 'Go-http-client/1.1', endpoint: (i) => `e${i % 2}`, gap: () => 100 }));
  assert.ok(s2s.score < BOT_THRESHOLD, `server-to-server scored ${s2s.score}: ${s2s.reasons.join('; ')}`);
  assert.ok(s2s.reasons.some((r) => /automation library/.test(r)), 'the reasons still say what was seen');
});

test('bots: a scraper spraying endpoints, a headless browser, a failing credential stuffer', () => {
  const scraper = botScore(profile(120, { ua: 'python-requests/2.31', endpoint: (i) => `e${i}`, gap: () => 500 }));
  assert.ok(scraper.score >= BOT_THRESHOLD, `${scraper.score}: ${scraper.reasons.join('; ')}`);
  assert.ok(scraper.reasons.some((r) => /endpoint spray: 120 endpoints/.test(r)));
  assert.ok(scraper.reasons.some((r) => /machine-regular timing \(every 500 ms/.test(r)));
  const headless = botScore(profile(60, { ua: 'Mozilla/5.0 HeadlessChrome/120.0', endpoint: (i) => `e${i}`, gap: (i) => 300 + (i % 7) * 40 }));
  assert.ok(headless.score >= BOT_THRESHOLD, `${headless.score}: ${headless.reasons.join('; ')}`);
  const stuffer = profile(40, { ua: null, endpoint: () => 'login', gap: (i) => 200 + (i % 5) * 90, status: (i) => (i % 10 === 0 ? 200 : 401) });
  stuffer.flags.CREDENTIAL_STUFFING = 1;
  const verdict = botScore(stuffer);
  assert.ok(verdict.score >= BOT_THRESHOLD, `${verdict.score}: ${verdict.reasons.join('; ')}`);
  assert.ok(verdict.reasons.some((r) => /behaviour findings: CREDENTIAL_STUFFING/.test(r)));
});

test('through the edge: actors listed by score with reasons; an actor shows its findings', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const { clientId, secret } = await createClient(server);
    const token = await getToken(server, clientId, secret);
    const walk = Array.from({ length: 70 }, (_, i) => {
      const t = sampleTransaction({ host: 'bank.example', uri: `/v1/accounts/${200000 + i * 13}`, id: randomUUID() });
      t.request['client-ip'] = '192.0.2.66';
      t.request.headers.push(`user-agent:${Buffer.from('python-requests/2.31').toString('base64')}`);
      return t;
    });
    const browsing = Array.from({ length: 10 }, () => sampleTransaction({ host: 'bank.example', uri: '/v1/me', id: randomUUID() }));
    assert.equal((await postJson(`${server.url}/api-transactions`, token, { data: [...walk, ...browsing] })).status, 200);
    await server.runner.drain();
    const list = await server.admin('/actors');
    assert.equal(list.status, 200);
    const [first, second] = list.body.items;
    assert.equal(first.actor, 'ip:192.0.2.66', JSON.stringify(list.body.items));
    assert.ok(first.botScore > second.botScore);
    assert.ok(first.reasons.some((r: string) => /behaviour findings: BOLA_OBJECT_ENUMERATION/.test(r)), first.reasons.join('; '));
    const one = await server.admin(`/actors/${encodeURIComponent('ip:192.0.2.66')}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.hosts, ['bank.example']);
    assert.ok(one.body.findings.some((f: { type: string }) => f.type === 'BOLA_OBJECT_ENUMERATION'));
    assert.equal((await server.admin(`/findings?actor=${encodeURIComponent('ip:192.0.2.66')}`)).body.total, one.body.findings.length);
    assert.equal((await server.admin('/actors/nobody')).status, 404);
  } finally {
    await server.destroy();
  }
});

test('actors not seen within --retain-hours are forgotten (when analysis starts, then every minute)', { timeout: 30_000 }, async () => {
  const dataDir = tempDir();
  const hour = 3_600_000;
  const row = (actor: string, lastSeen: number) =>
    ({ id: actor, actor, host: 'bank.example', kind: 'ip', label: 'client IP', firstSeen: lastSeen, lastSeen, calls: 1, errors: 0, botScore: 0, detail: {} });
  const seed = new SqliteStore(join(dataDir, 'store.db'));
  await seed.commitAnalysis({ consumer: 'seed', seq: 1, transactions: [], endpoints: [], removedEndpoints: [], state: [],
    actors: [row('ip:192.0.2.1', Date.now() - 200 * hour), row('ip:192.0.2.2', Date.now() - 2 * hour)] });
  await seed.close();
  const server = await startTestServer({ retainHours: 168 }, dataDir);
  try {
    let actors: string[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      actors = (await server.admin('/actors')).body.items.map((a: { actor: string }) => a.actor);
      if (actors.length === 1) break;
    }
    assert.deepEqual(actors, ['ip:192.0.2.2'], 'the actor last seen 200 hours ago is gone, the one of 2 hours ago stays');
  } finally {
    await server.destroy();
  }
});
