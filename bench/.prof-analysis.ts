// temporary: profile the analysis worker (not committed)
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHAPES, transaction } from './pipeline/traffic.ts';
import { ADMIN_TOKEN, accessToken, admin, metricsText, metricValue, runBench, sleep, startChild, stopChild } from './lib.ts';
await runBench(async () => {
  const work = mkdtempSync(join(tmpdir(), 'pa-'));
  const t = await startChild('tapline', ['--cpu-prof', '--cpu-prof-dir=/tmp/pa', 'bin/tapline.js', 'serve', '--data', work, '--port', '0', '--log-level', 'error', ...(process.env.EXTRA ?? '').split(' ').filter(Boolean)], { ...process.env, TAPLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  const c = await admin(t.url, '/clients', { name: 'p' });
  const auth = `Bearer ${await accessToken(t.url, c.clientId, c.secret)}`;
  const file = join(work, 'b.json');
  writeFileSync(file, JSON.stringify({ data: Array.from({ length: 50 }, (_, i) => transaction(SHAPES[i % SHAPES.length]!, `@ID@-${i}`)) }));
  const r = spawnSync('wrk', ['-t1', '-c4', '-d5s', '-s', 'bench/ingest/post.lua', `${t.url}/api-transactions`, '--', file, 'x'], { env: { ...process.env, WRK_AUTHORIZATION: auth }, encoding: 'utf8' });
  console.log(r.stdout.split('\n').find((l) => l.startsWith('Requests')));
  for (let i = 0; i < 15; i++) { await sleep(1000); console.log('lag', metricValue(await metricsText(t.url), 'tapline_analysis_lag')); }
  await stopChild(t);
  return 0;
});
