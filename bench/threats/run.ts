// Threats bench (see bench/README.md): labelled scenarios replayed through a real edge (a
// `tapline serve` child): benign actors (people browsing, single-page apps, steady
// server-to-server clients) and one scripted attack per detector and bot behaviour. Capture times
// are set in the transactions, so a scenario's pace is what the detectors see. Reports, per
// detector, whether its attack was caught (the expected finding against the attacker, or a bot
// score of 70 and more) and how many benign actors were flagged (any finding against them, or a
// bot score of 70 and more). Goal: every attack caught, at most 1% of benign actors flagged.
//
//   node bench/threats/run.ts [--seed 1]        env: BENCH_RESULTS_DIR
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, ROOT, accessToken, admin, runBench, setting, sleep, startChild, stopAll, type Child } from '../lib.ts';

const SEED = Math.round(setting('seed', 'BENCH_SEED', 1));
const b64 = (s: string) => Buffer.from(s).toString('base64');
let state = SEED * 2654435761;
const random = () => {
  state = (state ^ (state << 13)) >>> 0;
  state = (state ^ (state >>> 17)) >>> 0;
  state = (state ^ (state << 5)) >>> 0;
  return state / 4294967296;
};
const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const T0 = Date.now() - 3600_000;

interface Call {
  /** Set when the call is posted. */
  id?: string;
  ip: string;
  at: number;
  method: string;
  uri: string;
  status?: number;
  ua?: string | null;
  headers?: string[];
  reqBody?: unknown;
  resBody?: unknown;
}

let seq = 0;
function transaction(c: Call) {
  // Each resource answers with its own shape, as real APIs do (discovery uses it).
  const resource = c.uri.split(/[/?]/)[2] ?? 'root';
  const res = JSON.stringify(c.resBody ?? { [resource]: { id: 1, updated: '2024-05-01T10:00:00Z' } });
  const req = c.reqBody === undefined ? null : JSON.stringify(c.reqBody);
  const headers = [...(c.ua === null ? [] : [`user-agent:${b64(c.ua ?? BROWSER)}`]), ...(req ? [`content-type:${b64('application/json')}`] : []), ...(c.headers ?? [])];
  return {
    timestamp: (c.at / 1000).toFixed(3),
    'transaction-id': (c.id = `th-${SEED}-${++seq}`),
    request: { 'client-ip': c.ip, 'http-method': c.method, 'uri-query-fragment': c.uri, host: 'shop.example', connection: { 'connection-ip': '10.0.0.4', 'server-ip': '10.0.1.9' }, headers, ...(req ? { body: { length: req.length, data: b64(req) } } : {}) },
    response: { 'status-code': String(c.status ?? 200), headers: [`content-type:${b64('application/json')}`, `x-content-type-options:${b64('nosniff')}`, `strict-transport-security:${b64('max-age=31536000')}`], body: { length: res.length, data: b64(res) } },
  };
}

const PAGES = ['/v1/products', '/v1/products/{id}', '/v1/categories', '/v1/cart', '/v1/search?q={q}', '/v1/users/me', '/v1/orders', '/v1/orders/{id}'];
const fill = (t: string) => t.replace('{id}', String(100 + Math.floor(random() * 40))).replace('{q}', pick(['shoes', 'red dress', 'lamp', 'socks']));

/** Benign actors: people browsing, single-page apps, steady server-to-server clients. */
function benign(): { calls: Call[]; actors: string[] } {
  const calls: Call[] = [];
  const actors: string[] = [];
  for (let i = 0; i < 80; i++) {
    const ip = `198.51.100.${i + 1}`;
    actors.push(`ip:${ip}`);
    let at = T0 + random() * 600_000;
    for (let k = 0; k < 10 + Math.floor(random() * 30); k++) {
      at += 2_000 + random() * 40_000;
      calls.push({ ip, at, method: 'GET', uri: fill(pick(PAGES)), status: random() < 0.05 ? 404 : 200 });
    }
    if (random() < 0.3) calls.push({ ip, at: at + 5_000, method: 'POST', uri: '/v1/login', reqBody: { username: `user${i}@example.com`, password: 'x' }, status: random() < 0.3 ? 401 : 200 });
  }
  for (let i = 0; i < 15; i++) {
    const ip = `203.0.113.${i + 1}`;
    actors.push(`ip:${ip}`);
    let at = T0 + random() * 600_000;
    for (let k = 0; k < 400; k++) {
      at += 150 + random() * 400;
      calls.push({ ip, at, method: 'GET', uri: pick(['/v1/cart', '/v1/users/me', '/v1/notifications']) });
    }
  }
  for (let i = 0; i < 5; i++) {
    const ip = `192.0.2.${200 + i}`;
    actors.push(`ip:${ip}`);
    let at = T0 + random() * 60_000;
    for (let k = 0; k < 1200; k++) {
      at += 50;
      calls.push({ ip, at, method: pick(['GET', 'POST']), uri: pick(['/v1/inventory/sync', '/v1/prices']), ua: 'Go-http-client/1.1', ...(k % 2 ? { reqBody: { batch: k } } : {}) });
    }
  }
  return { calls, actors };
}

interface Attack {
  name: string;
  actor: string;
  /** A finding type expected against the actor (or on its endpoint for per-request checks), or 'BOT' for a bot score >= 70. */
  expect: string;
  calls: Call[];
}

function attacks(): Attack[] {
  const out: Attack[] = [];
  const at = (i: number, gap = 200) => T0 + 1_800_000 + i * gap;
  const add = (name: string, ip: string, expect: string, calls: Array<Omit<Call, 'ip'>>) => out.push({ name, actor: `ip:${ip}`, expect, calls: calls.map((c) => ({ ...c, ip })) });
  add('BOLA: walking account ids', '100.64.0.1', 'BOLA_OBJECT_ENUMERATION', Array.from({ length: 80 }, (_, i) => ({ at: at(i), method: 'GET', uri: `/v1/accounts/${500000 + i * 17}` })));
  add('brute force on login', '100.64.0.2', 'BRUTE_FORCE', Array.from({ length: 20 }, (_, i) => ({ at: at(i, 1000), method: 'POST', uri: '/v1/login', reqBody: { username: 'admin', password: `guess${i}` }, status: 401 })));
  add('credential stuffing', '100.64.0.3', 'CREDENTIAL_STUFFING', Array.from({ length: 20 }, (_, i) => ({ at: at(i, 1500), method: 'POST', uri: '/v1/login', reqBody: { username: `victim${i}@example.org`, password: 'Summer2024!' }, status: i % 7 === 0 ? 200 : 401 })));
  add('sign-up abuse', '100.64.0.4', 'BUSINESS_FLOW_ABUSE', Array.from({ length: 30 }, (_, i) => ({ at: at(i, 2000), method: 'POST', uri: '/v1/signup', reqBody: { email: `bot${i}@mail.example`, password: 'x' }, status: 201 })));
  add('SQL injection', '100.64.0.5', 'SQL_INJECTION_ATTEMPT', [{ at: at(0), method: 'GET', uri: `/v1/products?id=${encodeURIComponent("1' UNION SELECT username, password FROM users--")}` }]);
  add('XSS', '100.64.0.6', 'XSS_ATTEMPT', [{ at: at(0), method: 'POST', uri: '/v1/reviews', reqBody: { text: '<img src=x onerror=alert(document.cookie)>' } }]);
  add('path traversal', '100.64.0.7', 'PATH_TRAVERSAL_ATTEMPT', [{ at: at(0), method: 'GET', uri: `/v1/files?name=${encodeURIComponent('../../../../etc/passwd')}` }]);
  add('command injection', '100.64.0.8', 'COMMAND_INJECTION_ATTEMPT', [{ at: at(0), method: 'POST', uri: '/v1/tools/ping', reqBody: { host: '127.0.0.1; cat /etc/shadow' } }]);
  add('SSRF', '100.64.0.9', 'SSRF_ATTEMPT', [{ at: at(0), method: 'POST', uri: '/v1/webhooks', reqBody: { url: 'http://169.254.169.254/latest/meta-data/iam/' } }]);
  add('credentials in URL', '100.64.0.10', 'CREDENTIALS_IN_URL', [{ at: at(0), method: 'GET', uri: '/v1/export?api_key=sk_live_abcdef&format=csv' }]);
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.`;
  add('JWT alg none', '100.64.0.11', 'JWT_ALG_NONE', [{ at: at(0), method: 'GET', uri: '/v1/admin/users', headers: [`authorization:${b64(`Bearer ${none}`)}`] }]);
  add('large page size', '100.64.0.12', 'LARGE_PAGE_SIZE', [{ at: at(0), method: 'GET', uri: '/v1/orders?limit=100000' }]);
  add('scraper bot (automation agent, machine timing, spraying endpoints)', '100.64.0.13', 'BOT',
    Array.from({ length: 120 }, (_, i) => ({ at: at(i, 500), method: 'GET', uri: `/v1/${pick(['catalog', 'brands', 'stores', 'deals', 'pages', 'blog', 'help', 'careers'])}/${pick(['a', 'b', 'c', 'd', 'e'])}${i}`, ua: 'python-requests/2.31.0' })));
  add('headless browser walking products', '100.64.0.14', 'BOT', Array.from({ length: 80 }, (_, i) => ({ at: at(i, 300 + (i % 5) * 20), method: 'GET', uri: `/v1/products/${9000 + i}`, ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36' })));
  return out;
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'tapline-threats-'));
  try {
    const tapline: Child = await startChild('tapline', ['bin/tapline.js', 'serve', '--data', join(work, 'data'), '--port', '0', '--log-level', 'error'], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
    const client = await admin(tapline.url, '/clients', { name: 'bench' });
    const token = await accessToken(tapline.url, 'bench', client.secret);
    const good = benign();
    const bad = attacks();
    const all = [...good.calls, ...bad.flatMap((a) => a.calls)].sort((x, y) => x.at - y.at);
    for (let i = 0; i < all.length; i += 200) {
      const res = await fetch(`${tapline.url}/api-transactions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ data: all.slice(i, i + 200).map(transaction) }) });
      if (!res.ok) throw new Error(`edge answered ${res.status}: ${await res.text()}`);
    }
    for (;;) {
      const m = await (await fetch(`${tapline.url}/metrics`)).text();
      if (/^tapline_analysis_lag 0$/m.test(m)) break;
      await sleep(200);
    }
    await sleep(1500); // the last settle
    const findings = (await admin(tapline.url, '/findings?limit=10000&status=open')).items as Array<{ id: string; type: string; actor: string | null; endpointId: string | null }>;
    const actors = (await admin(tapline.url, '/actors?limit=1000')).items as Array<{ actor: string; botScore: number; reasons: string[] }>;
    const score = new Map(actors.map((a) => [a.actor, a]));
    // A finding about the attacker (behaviour rules), or one whose transactions are the attack's
    // (per-request checks are kept per endpoint, not per actor).
    const transactionsOf = new Map<string, string[]>();
    for (const f of findings as Array<{ id: string; type: string }>) {
      transactionsOf.set(f.id, ((await admin(tapline.url, `/findings/${f.id}`)) as { transactionIds: string[] }).transactionIds);
    }
    const results = [];
    for (const a of bad) {
      const ids = new Set(a.calls.map((c) => c.id!));
      const caught = a.expect === 'BOT'
        ? (score.get(a.actor)?.botScore ?? 0) >= 70
        : (findings as Array<{ id: string; type: string; actor: string | null }>).some((f) => f.type === a.expect && (f.actor === a.actor || (transactionsOf.get(f.id) ?? []).some((t) => ids.has(t))));
      results.push({ scenario: a.name, expected: a.expect, actor: a.actor, caught, botScore: score.get(a.actor)?.botScore ?? null });
    }
    const flagged = good.actors.filter((id) => findings.some((f) => f.actor === id) || (score.get(id)?.botScore ?? 0) >= 70);
    const summary = {
      seed: SEED,
      attacks: results.length,
      caught: results.filter((r) => r.caught).length,
      benignActors: good.actors.length,
      benignFlagged: flagged.length,
      falsePositiveRate: Math.round((flagged.length / good.actors.length) * 10000) / 100,
      flagged: flagged.map((id) => ({ actor: id, findings: findings.filter((f) => f.actor === id).map((f) => f.type), botScore: score.get(id)?.botScore ?? null, reasons: score.get(id)?.reasons ?? [] })),
      results,
    };
    console.log(`# Threats bench (seed ${SEED}): ${all.length} transactions, ${good.actors.length} benign actors, ${bad.length} attack scenarios\n`);
    console.log('| scenario | expected | caught |\n| --- | --- | --- |');
    for (const r of results) console.log(`| ${r.scenario} | ${r.expected}${r.expected === 'BOT' ? ` (score ${r.botScore})` : ''} | ${r.caught ? 'yes' : 'NO'} |`);
    console.log(`\nattacks caught ${summary.caught}/${summary.attacks}; benign actors flagged ${summary.benignFlagged}/${summary.benignActors} (${summary.falsePositiveRate}%; goal <= 1%)`);
    for (const f of summary.flagged) console.log(`  flagged: ${f.actor} ${f.findings.join(', ')} score ${f.botScore} ${f.reasons.join('; ')}`);
    const dir = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `threats-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(summary, null, 2));
    return summary.caught === summary.attacks && summary.falsePositiveRate <= 1 ? 0 : 2;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
