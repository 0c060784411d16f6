// The CLI's pure parts: argument parsing, command lookup, help text, output formatting, and the
// payloads `tapline send` builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatCommandHelp,
  parseArgs,
  parseBaseUrl,
  parseOnOff,
  resolveCommand,
  UsageError,
  type CommandSpec,
} from '../src/cli/args.ts';
import { COMMANDS } from '../src/cli/commands.ts';
import { adminTarget, DEFAULT_URL } from '../src/cli/common.ts';
import { formatTable, formatTime } from '../src/cli/format.ts';
import { describeRefusal } from '../src/cli/http.ts';
import { payloadFromJson, samplePayload, sampleTransaction, sendOptions } from '../src/cli/send.ts';
import { validateEdgeTransaction } from '../src/wire/edge-format.ts';

const spec: CommandSpec = {
  path: 'things make',
  summary: 'make a thing',
  positionals: [{ name: 'NAME', help: 'its name' }],
  flags: [
    { name: 'url', kind: 'string', value: 'URL', help: 'where' },
    { name: 'json', kind: 'boolean', help: 'raw' },
    { name: 'count', kind: 'integer', min: 1, max: 10, help: 'how many' },
    { name: 'host', kind: 'string', repeat: true, help: 'hosts' },
  ],
};

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UsageError && pattern.test(e.message));
}

test('flags take their value as the next word or after =', () => {
  const a = parseArgs(['x', '--url', 'http://a', '--count=3', '--json'], spec);
  assert.deepEqual(a.positionals, ['x']);
  assert.equal(a.string('url'), 'http://a');
  assert.equal(a.integer('count'), 3);
  assert.equal(a.boolean('json'), true);
  assert.equal(a.help, false);
});

test('absent flags read as undefined, false and empty', () => {
  const a = parseArgs(['x'], spec);
  assert.equal(a.string('url'), undefined);
  assert.equal(a.integer('count'), undefined);
  assert.equal(a.boolean('json'), false);
  assert.deepEqual(a.list('host'), []);
  assert.equal(a.has('url'), false);
});

test('a repeatable flag collects its values in order', () => {
  const a = parseArgs(['--host', 'a.example', 'x', '--host=*.b.example'], spec);
  assert.deepEqual(a.list('host'), ['a.example', '*.b.example']);
  assert.deepEqual(a.positionals, ['x']);
});

test('a value may start with one dash, and = keeps anything', () => {
  assert.equal(parseArgs(['x', '--url', '-abc'], spec).string('url'), '-abc');
  assert.equal(parseArgs(['x', '--url=--abc=d'], spec).string('url'), '--abc=d');
  assert.equal(parseArgs(['x', '--url='], spec).string('url'), '');
});

test('after -- everything is positional', () => {
  assert.deepEqual(parseArgs(['--', '--json'], spec).positionals, ['--json']);
});

test('unknown flags are usage errors naming the flag', () => {
  usageError(() => parseArgs(['x', '--nope'], spec), /unknown flag --nope$/);
  usageError(() => parseArgs(['x', '--nope=1'], spec), /unknown flag --nope$/);
  usageError(() => parseArgs(['x', '-j'], spec), /unknown flag -j$/);
});

test('a missing or flag-like value is a usage error', () => {
  usageError(() => parseArgs(['x', '--url'], spec), /--url needs a value/);
  usageError(() => parseArgs(['x', '--url', '--json'], spec), /--url needs a value.*--url=URL/);
});

test('boolean flags take no value; single flags are given once', () => {
  usageError(() => parseArgs(['x', '--json=yes'], spec), /--json takes no value/);
  usageError(() => parseArgs(['x', '--url', 'a', '--url', 'b'], spec), /--url is given more than once/);
});

test('integers are whole numbers within bounds', () => {
  usageError(() => parseArgs(['x', '--count', 'ten'], spec), /--count must be a whole number, got "ten"/);
  usageError(() => parseArgs(['x', '--count', '1.5'], spec), /whole number/);
  usageError(() => parseArgs(['x', '--count', '0'], spec), /--count must be at least 1/);
  usageError(() => parseArgs(['x', '--count', '11'], spec), /--count must be at most 10/);
});

test('positionals are counted', () => {
  usageError(() => parseArgs([], spec), /missing NAME/);
  usageError(() => parseArgs(['x', 'y'], spec), /unexpected argument "y"/);
});

test('--help wins over everything else, including missing arguments', () => {
  assert.equal(parseArgs(['--help'], spec).help, true);
  assert.equal(parseArgs(['--bogus', '-h'], spec).help, true);
  assert.equal(parseArgs(['--', '--help'], spec).help, false);
});

test('usage errors carry the command they belong to', () => {
  try {
    parseArgs([], spec);
    assert.fail('expected a usage error');
  } catch (e) {
    assert.ok(e instanceof UsageError);
    assert.equal(e.command, 'things make');
  }
});

test('commands are found by their leading words', () => {
  const r = resolveCommand(['clients', 'create', 'apim', '--json'], COMMANDS);
  assert.equal(r.kind, 'command');
  assert.equal(r.kind === 'command' && r.command.path, 'clients create');
  assert.deepEqual(r.kind === 'command' && r.rest, ['apim', '--json']);
  const serve = resolveCommand(['serve', '--port', '0'], COMMANDS);
  assert.deepEqual(serve.kind === 'command' && [serve.command.path, serve.rest], ['serve', ['--port', '0']]);
  const version = resolveCommand(['--version'], COMMANDS);
  assert.equal(version.kind === 'command' && version.command.path, 'version');
});

test('groups, help and unknown commands', () => {
  assert.deepEqual(resolveCommand([], COMMANDS), { kind: 'overview', help: false });
  assert.deepEqual(resolveCommand(['--help'], COMMANDS), { kind: 'overview', help: true });
  assert.deepEqual(resolveCommand(['clients'], COMMANDS), { kind: 'group', group: 'clients', help: false });
  assert.deepEqual(resolveCommand(['apps', '-h'], COMMANDS), { kind: 'group', group: 'apps', help: true });
  const viaHelp = resolveCommand(['help', 'keys', 'rotate'], COMMANDS);
  assert.deepEqual(viaHelp.kind === 'command' && viaHelp.rest, ['--help']);
  usageError(() => resolveCommand(['clients', 'frobnicate'], COMMANDS), /unknown command "clients frobnicate"/);
  usageError(() => resolveCommand(['frobnicate'], COMMANDS), /unknown command "frobnicate"/);
  usageError(() => resolveCommand(['--url', 'x', 'clients', 'list'], COMMANDS), /flags go after the command/);
});

test('every command has a summary and help that lists its flags', () => {
  const paths = COMMANDS.map((c) => c.path);
  assert.equal(new Set(paths).size, paths.length);
  for (const c of COMMANDS) {
    assert.ok(c.summary.length > 0, c.path);
    const help = formatCommandHelp(c);
    assert.match(help, new RegExp(`^Usage: tapline ${c.path}`));
    for (const f of c.flags ?? []) assert.ok(help.includes(`--${f.name}`), `${c.path} --${f.name}`);
  }
  // Every listing takes --json (admin-api.md, CLI).
  for (const c of COMMANDS.filter((x) => x.path.endsWith(' list'))) {
    assert.ok(c.flags?.some((f) => f.name === 'json'), c.path);
  }
});

test('on/off toggles and base URLs', () => {
  assert.equal(parseOnOff('on', '--x'), true);
  assert.equal(parseOnOff('OFF', '--x'), false);
  usageError(() => parseOnOff('maybe', '--traffic-ingestion'), /--traffic-ingestion must be on or off/);
  assert.equal(parseBaseUrl('http://h:8080/', '--url'), 'http://h:8080');
  assert.equal(parseBaseUrl('https://h/tapline/', '--url'), 'https://h/tapline');
  usageError(() => parseBaseUrl('h:8080', '--url'), /--url must be an http/);
  usageError(() => parseBaseUrl('nonsense', '--url'), /--url must be a URL/);
});

test('the admin token comes from --token or TAPLINE_ADMIN_TOKEN, the URL from --url, TAPLINE_URL or the default', () => {
  const c = COMMANDS.find((x) => x.path === 'clients list')!;
  const none = parseArgs([], c);
  usageError(() => adminTarget(none, {}, c.path), /^TAPLINE_ADMIN_TOKEN is not set: .*--token/);
  assert.deepEqual(adminTarget(none, { TAPLINE_ADMIN_TOKEN: 't1' }, c.path), { baseUrl: DEFAULT_URL, token: 't1' });
  assert.deepEqual(adminTarget(none, { TAPLINE_ADMIN_TOKEN: 't1', TAPLINE_URL: 'http://e:1/' }, c.path), { baseUrl: 'http://e:1', token: 't1' });
  const flags = parseArgs(['--token', 't2', '--url', 'https://x'], c);
  assert.deepEqual(adminTarget(flags, { TAPLINE_ADMIN_TOKEN: 't1', TAPLINE_URL: 'http://e:1' }, c.path), { baseUrl: 'https://x', token: 't2' });
});

test('tables pad columns; times print as ISO 8601', () => {
  assert.equal(formatTable(['A', 'BB'], [['xyz', '1'], ['q', '']]), 'A    BB\nxyz  1\nq\n');
  assert.equal(formatTime(0), '1970-01-01T00:00:00.000Z');
  assert.equal(formatTime('2024-06-10T06:13:20.123Z'), '2024-06-10T06:13:20.123Z');
  assert.equal(formatTime(null), '-');
});

test('refusals read the admin, edge and OAuth error shapes', () => {
  const r = (status: number, statusText = '') => ({ status, statusText });
  assert.equal(describeRefusal(r(409), { error: 'exists', message: 'a client named "a" already exists' }, ''), '409 exists: a client named "a" already exists');
  assert.equal(describeRefusal(r(401), { error: 'invalid_client', error_description: 'bad secret' }, ''), '401 invalid_client: bad secret');
  assert.equal(describeRefusal(r(502, 'Bad Gateway'), undefined, '<html><b>upstream</b> down</html>'), '502 Bad Gateway: upstream down');
  assert.equal(describeRefusal(r(500, 'Internal Server Error'), undefined, ''), '500 Internal Server Error');
});

test('send picks the endpoint from the shape of the JSON', () => {
  assert.equal(payloadFromJson({ request: {} }, '{}', 'f').path, '/api-transaction');
  assert.deepEqual(payloadFromJson([{}, {}], '[]', 'f'), { path: '/api-transactions', body: '[]', count: 2 });
  assert.equal(payloadFromJson({ data: [{}] }, 'x', 'f').path, '/api-transactions');
  usageError(() => payloadFromJson(42, '42', 'f.json'), /f\.json must hold one transaction object/);
});

test('sample transactions are valid Edge transactions with fresh ids', () => {
  const t = sampleTransaction('9.9.9', 1_718_000_000_123);
  assert.equal(validateEdgeTransaction(t), t);
  assert.equal(t.timestamp, '1718000000.123');
  const request = t.request as Record<string, unknown>;
  assert.equal(request.host, 'api.example.com');
  assert.equal(request['uri-query-fragment'], '/v1/hello?from=tapline-send');
  assert.deepEqual((t['txn-meta-data'] as { source_info: { type: string } }).source_info.type, 'tapline-send');
  const batch = samplePayload(3, '9.9.9');
  assert.equal(batch.path, '/api-transactions');
  const data = (JSON.parse(batch.body) as { data: Array<Record<string, unknown>> }).data;
  assert.equal(data.length, 3);
  assert.equal(new Set(data.map((d) => d['transaction-id'])).size, 3);
  assert.equal(samplePayload(undefined, '9.9.9').path, '/api-transaction');
});

test('send options: credentials from flags or env, default token URL from edge and realm', () => {
  const c = COMMANDS.find((x) => x.path === 'send')!;
  const env = { TAPLINE_CLIENT_ID: 'apim', TAPLINE_CLIENT_SECRET: 's3' };
  const o = sendOptions(parseArgs(['--edge', 'https://edge.example/', '--realm', 'cequence'], c), env, 'send');
  assert.equal(o.clientId, 'apim');
  assert.equal(o.tokenUrl, 'https://edge.example/auth/realms/cequence/protocol/openid-connect/token');
  const d = sendOptions(parseArgs(['--client-id', 'x', '--client-secret', '-y'], c), {}, 'send');
  assert.equal(d.clientSecret, '-y');
  assert.equal(d.tokenUrl, `${DEFAULT_URL}/auth/realms/tapline/protocol/openid-connect/token`);
  usageError(() => sendOptions(parseArgs([], c), {}, 'send'), /no client id: pass --client-id or set TAPLINE_CLIENT_ID/);
  usageError(() => sendOptions(parseArgs(['--file', 'f', '--count', '2'], c), env, 'send'), /cannot be combined with --file/);
  usageError(() => sendOptions(parseArgs(['--realm', 'a', '--token-url', 'http://t'], c), env, 'send'), /--realm or --token-url/);
});
