// The README must stay true: its curl walkthrough runs verbatim against a real server (only the
// admin token placeholder and the base URL are substituted), and its configuration table lists
// every option `tapline serve` has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ADMIN_TOKEN, startTestServer, tempDir } from './helpers.ts';
import { SERVE_OPTIONS } from '../src/cli/options.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function walkthrough(): string {
  const section = readme.slice(readme.indexOf('## First transaction'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a sh block in "First transaction"');
  return m[1]!;
}

test('the README curl walkthrough works verbatim', async () => {
  const server = await startTestServer();
  try {
    const script = walkthrough()
      .replace(/^export TAPLINE_ADMIN_TOKEN=.*$/m, `export TAPLINE_ADMIN_TOKEN=${ADMIN_TOKEN}`)
      .replace(/^BASE=.*$/m, `BASE=${server.url}`);
    assert.match(script, /BASE=http:\/\/127\.0\.0\.1:\d+/);
    // Steps 1-3, then step 4 once analysis has recorded the transaction (a person takes longer than
    // that; a loaded CI machine may not). Async: the server runs in this process, so a synchronous
    // child would block it.
    const cut = script.search(/^# 4\./m);
    const setup = script.split('\n').filter((l) => /^(export TAPLINE_ADMIN_TOKEN|BASE)=/.test(l)).join('\n');
    const run = (part: string) => promisify(execFile)('bash', ['-euo', 'pipefail', '-c', part], {
      cwd,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    const cwd = tempDir('tapline-readme-');
    const first = await run(script.slice(0, cut));
    await server.runner.drain();
    const second = await run(`${setup}\n${script.slice(cut)}`);
    const out = first.stdout + second.stdout;
    assert.match(out, /\{"status":"OK"\}/);
    const unknown = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.equal(unknown.items[0].transactionId, '7f9c0c1e-3a55-4b7e-9a61-0d3c2f8e1a42');
    assert.equal(unknown.items[0].uri, '/v1/accounts?expand=cards');
  } finally {
    await server.destroy();
  }
});

test('the README configuration table lists every serve option', () => {
  for (const o of SERVE_OPTIONS) {
    assert.ok(readme.includes(`\`--${o.flag}\``), `README lacks --${o.flag}`);
    assert.ok(readme.includes(`\`${o.env}\``), `README lacks ${o.env}`);
  }
});
