// Store bench (see bench/README.md): the cost of keeping recent transactions in the embedded
// store, per stored transaction, as analysis writes them (batches of 1,024 in one commit, into a
// table already holding the retained count). Transaction ids either random (UUIDs, as gateways
// send: APIM's request id) or sequential. Three layouts in the same run, alternating:
//   append  the same rows into a table with no key and no index (the floor: row bytes and commits)
//   before  the schema before its last migration: two indexes over transaction ids, SQLite's
//           default WAL checkpoint interval
//   now     the current schema and connection settings (MIGRATIONS, CONNECTION_PRAGMAS)
// Reports microseconds per transaction (wall and CPU) and each layout's ratio to `append`.
//
//   node bench/store/run.ts [--rows 200000] [--retained 100000] [--rounds 1]
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { CONNECTION_PRAGMAS, MIGRATIONS } from '../../src/store/sqlite-store.ts';
import { median, setting } from '../lib.ts';

const ROWS = Math.max(10_000, Math.round(setting('rows', 'BENCH_ROWS', 200_000)));
const RETAINED = Math.max(0, Math.round(setting('retained', 'BENCH_RETAINED', 100_000)));
const ROUNDS = Math.max(1, Math.round(setting('rounds', 'BENCH_ROUNDS', 1)));
const BATCH = 1024;

type Layout = 'append' | 'before' | 'now';
type Ids = 'random' | 'sequential';

function open(dir: string, layout: Layout): { db: DatabaseSync; table: string } {
  const db = new DatabaseSync(join(dir, 'store.db'));
  if (layout === 'before') {
    db.exec(`${CONNECTION_PRAGMAS} PRAGMA wal_autocheckpoint = 1000;`);
    for (const m of MIGRATIONS.slice(0, -1)) db.exec(m);
    return { db, table: 'transactions' };
  }
  db.exec(CONNECTION_PRAGMAS);
  for (const m of MIGRATIONS) db.exec(m);
  if (layout === 'now') return { db, table: 'transactions' };
  db.exec('CREATE TABLE plain AS SELECT * FROM transactions WHERE 0');
  return { db, table: 'plain' };
}

// A stored transaction's detail is about 1.3 KB of JSON (masked headers and bodies).
const DETAIL = JSON.stringify({ request: { headers: randomBytes(300).toString('base64'), body: randomBytes(250).toString('base64') }, response: { body: randomBytes(350).toString('base64') } });
const HOSTS = ['api.shop.example', 'pay.shop.example', 'id.example.org', 'partners.example.net'];

/** Inserts RETAINED rows, then times ROWS more; returns microseconds per row (wall, CPU). */
function measure(layout: Layout, ids: Ids): { wall: number; cpu: number } {
  const dir = mkdtempSync(join(tmpdir(), 'tapline-bench-store-'));
  const { db, table } = open(dir, layout);
  try {
    const insert = db.prepare(
      `INSERT OR IGNORE INTO ${table} (client_id, transaction_id, received_at, timestamp, method, uri, host, status, client_ip, client_ip_rule, source_type, detail)
       VALUES (?, ?, ?, ?, 'GET', ?, ?, 200, '203.0.113.7', 'client-ip', 'azure-apim', ?)`,
    );
    const nonce = randomBytes(3).toString('hex');
    const base = Date.now();
    let wall = 0;
    let cpu = 0;
    for (let i = 0; i < RETAINED + ROWS; i += BATCH) {
      const timed = i >= RETAINED;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      db.exec('BEGIN IMMEDIATE');
      for (let j = i; j < i + BATCH; j++) {
        insert.run('bench', ids === 'random' ? randomUUID() : `${nonce}-${j}`, base + j, base + j, `/v1/orders/${j}`, HOSTS[j % HOSTS.length]!, DETAIL);
      }
      db.exec('COMMIT');
      if (timed) {
        wall += performance.now() - t0;
        const c = process.cpuUsage(c0);
        cpu += (c.user + c.system) / 1000;
      }
    }
    const rows = Math.ceil(ROWS / BATCH) * BATCH;
    return { wall: (wall * 1000) / rows, cpu: (cpu * 1000) / rows };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`# Store bench: ${ROWS} transactions timed after ${RETAINED} retained, batches of ${BATCH}, ${ROUNDS} round(s); Node ${process.version}`);
const results = new Map<string, Array<{ wall: number; cpu: number }>>();
const layouts: Layout[] = ['append', 'before', 'now'];
for (let round = 0; round < ROUNDS; round++) {
  for (const ids of ['random', 'sequential'] as const) {
    // Alternate the order from round to round, so no layout always runs on a warmer disk cache.
    for (const layout of round % 2 === 0 ? layouts : [...layouts].reverse()) {
      const r = measure(layout, ids);
      console.log(`${ids.padEnd(10)} ${layout.padEnd(6)} ${r.wall.toFixed(1).padStart(6)} us per transaction (CPU ${r.cpu.toFixed(1)})`);
      const key = `${ids}/${layout}`;
      results.set(key, [...(results.get(key) ?? []), r]);
    }
  }
}
const wall = (ids: Ids, layout: Layout) => median(results.get(`${ids}/${layout}`)!.map((r) => r.wall));
console.log('\n| ids | append (floor) | before | now | before / append | now / append | before / now |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const ids of ['random', 'sequential'] as const) {
  const [a, b, n] = [wall(ids, 'append'), wall(ids, 'before'), wall(ids, 'now')];
  console.log(`| ${ids} | ${a.toFixed(1)} us | ${b.toFixed(1)} us | ${n.toFixed(1)} us | ${(b / a).toFixed(2)} | ${(n / a).toFixed(2)} | ${(b / n).toFixed(2)} |`);
}
