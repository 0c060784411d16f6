// The Azure API Management capture policy: the generator's output, the lint layer of its
// verification (clean on generated policies, the right rule on broken ones), and the CLI command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APIM_MAX_POLICY_BYTES,
  APIM_NAMED_VALUES,
  apimAzCommands,
  generateApimPolicy,
  type ApimPolicyOptions,
} from '../src/capture/apim-policy.ts';
import { lintApimPolicy, parsePolicy, type LintFinding } from '../src/capture/apim-lint.ts';
import { parseArgs, UsageError } from '../src/cli/args.ts';
import { policyCommand, policyOptions, runPolicy } from '../src/cli/policy.ts';

const rules = (findings: LintFinding[]) => [...new Set(findings.map((f) => f.rule))].sort();
const base = generateApimPolicy();

/** Replaces exactly one occurrence (so a broken variant is broken where intended). */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at !== -1, `"${from}" not found`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

const COMBINATIONS: ApimPolicyOptions[] = [
  {},
  { scope: 'api' },
  { samplePercent: 25 },
  { samplePercent: 1, maxBodyBytes: 0 },
  { scope: 'api', samplePercent: 100, maxBodyBytes: 1_048_576 },
];

for (const options of COMBINATIONS) {
  test(`the generated policy lints clean: ${JSON.stringify(options)}`, () => {
    const policy = generateApimPolicy(options);
    assert.deepEqual(lintApimPolicy(policy), []);
    assert.ok(Buffer.byteLength(policy) <= APIM_MAX_POLICY_BYTES);
  });
}

test('the generator uses the five named values and only them', () => {
  const used = new Set([...base.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]));
  assert.deepEqual([...used].sort(), [...APIM_NAMED_VALUES].sort());
});

test('the sample percent and the body cap appear in the policy', () => {
  const policy = generateApimPolicy({ samplePercent: 25, maxBodyBytes: 4096 });
  assert.match(policy, /new Random\(\)\.Next\(100\) < 25/);
  assert.match(policy, /len <= 4096/);
  assert.match(base, /len <= 32768/);
  assert.match(base, /name="tapline-capture" value="@\(true\)"/);
  // Every capture step hangs off the sampling decision.
  assert.equal(base.match(/GetValueOrDefault<bool>\("tapline-capture"\)/g)?.length, 3);
});

test('sections: on-error present, each with <base />, the transaction sent once from outbound or on-error', () => {
  const { roots } = parsePolicy(base);
  const sections = roots[0]!.children;
  assert.deepEqual(sections.map((s) => s.name), ['inbound', 'backend', 'outbound', 'on-error']);
  for (const s of sections) assert.ok(s.children.some((c) => c.name === 'base'), s.name);
  assert.equal(base.match(/<send-one-way-request mode="new"/g)?.length, 2);
  assert.equal(base.match(/name="tapline-sent" value="@\(true\)"/g)?.length, 2);
  assert.equal(base.match(/!context\.Variables\.GetValueOrDefault<bool>\("tapline-sent"\)/g)?.length, 2);
  assert.match(base, /<send-request mode="new" response-variable-name="tapline-token-response" timeout="5" ignore-error="true">/);
  assert.match(base, /return "30\|-";/); // failures are cached briefly
  assert.match(base, /life - 60/); // the token is dropped before its lifespan ends
});

test('credentials are not forwarded in clear', () => {
  // Authorization keeps its scheme and a JWT's unsigned part; the raw value is never added as is.
  assert.match(base, /n == "authorization"/);
  assert.match(base, /s\[0\] \+ "\." \+ s\[1\] \+ "\."/);
  assert.match(base, /n == "cookie"/);
  assert.match(base, /n == "set-cookie"/);
  assert.match(base, /ocp-apim-subscription-key/);
  assert.doesNotMatch(base, /GetValueOrDefault\("Authorization"/);
  // Every expression catches: nothing can fail the API call.
  const blocks = parsePolicy(base).expressions.filter((e) => e.code.startsWith('@{'));
  assert.ok(blocks.length >= 5);
  for (const b of blocks) assert.match(b.code, /catch/, b.code.slice(0, 80));
});

test('the transaction carries the Edge format fields', () => {
  for (const key of ['"http-method"', '"uri-query-fragment"', '"client-ip"', '"transaction-id"', '"status-code"', '"txn-meta-data"', '"azure-apim"', '"api_name"', '"url_template"']) {
    assert.ok(base.includes(key), key);
  }
  for (const member of ['context.Request.IpAddress', 'context.RequestId', 'context.Api?.Name', 'context.Operation?.UrlTemplate', 'context.Deployment.ServiceName', 'context.Deployment.Region']) {
    assert.ok(base.includes(member), member);
  }
  assert.equal(base.match(/Body\.As<string>\(preserveContent: true\)/g)?.length, 3);
});

test('scope changes the comment, not the sections', () => {
  const api = generateApimPolicy({ scope: 'api' });
  assert.notEqual(api, base);
  const strip = (p: string) => p.replace(/<!--[\s\S]*?-->/g, '');
  assert.equal(strip(api), strip(base));
});

test('bad options are refused', () => {
  assert.throws(() => generateApimPolicy({ samplePercent: 0 }));
  assert.throws(() => generateApimPolicy({ samplePercent: 101 }));
  assert.throws(() => generateApimPolicy({ maxBodyBytes: -1 }));
});

test('lint: a body read without preserveContent', () => {
  const broken = replaceOnce(base, 'context.Response.Body.As<string>(preserveContent: true)', 'context.Response.Body.As<string>()');
  assert.deepEqual(rules(lintApimPolicy(broken)), ['preserve-content']);
});

test('lint: an unknown policy element', () => {
  const broken = replaceOnce(base, '<backend>\n    <base />', '<backend>\n    <base />\n    <forward-everything />');
  const findings = lintApimPolicy(broken);
  assert.deepEqual(rules(findings), ['unknown-element']);
  assert.equal(findings[0]!.line, broken.slice(0, broken.indexOf('<forward-everything')).split('\n').length);
});

test('lint: a misspelled named value', () => {
  const broken = replaceOnce(base, '{{ceq-ingress-endpoint}}', '{{ceq-ingres-endpoint}}');
  const findings = lintApimPolicy(broken);
  assert.deepEqual(rules(findings), ['named-value']);
  assert.ok(findings.some((f) => f.message.includes('ceq-ingres-endpoint')));
});

test('lint: an expression in variable-name', () => {
  const broken = replaceOnce(base, 'variable-name="tapline-token"', 'variable-name="@("tapline-" + "token")"');
  assert.deepEqual(rules(lintApimPolicy(broken)), ['expression-not-allowed']);
});

test('lint: two send-one-way-request in outbound', () => {
  const outbound = base.indexOf('<outbound>');
  const start = base.indexOf('<send-one-way-request', outbound);
  const end = base.indexOf('</send-one-way-request>', start) + '</send-one-way-request>'.length;
  const broken = base.slice(0, end) + '\n' + base.slice(start, end) + base.slice(end);
  const findings = lintApimPolicy(broken);
  assert.deepEqual(rules(findings), ['one-way-request']);
  assert.match(findings[0]!.message, /outbound/);
});

test('lint: an oversized policy', () => {
  const broken = replaceOnce(base, '<policies>', `<!-- ${'x'.repeat(APIM_MAX_POLICY_BYTES)} -->\n<policies>`);
  assert.deepEqual(rules(lintApimPolicy(broken)), ['size']);
});

test('lint: structure, attributes and parsing', () => {
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, '<backend>\n    <base />\n  </backend>', '<backend>\n  </backend>'))), ['base']);
  const swapped = base.replace('<backend>\n    <base />\n  </backend>\n', '');
  assert.deepEqual(rules(lintApimPolicy(swapped)), ['sections']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, 'mode="new"', 'mode="fresh"'))), ['attribute']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, 'ignore-error="true"', 'ignore-error="@(true)"'))), ['expression-not-allowed']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, '<set-method>POST</set-method>', '<set-method>@("POST")</set-method>'))), ['expression-not-allowed']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, 'name="tapline-sent"', 'name="@("tapline-sent")"'))), ['expression-not-allowed']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, ' response-variable-name="tapline-token-response"', ''))), ['attribute']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, 'return "30|-";', 'return "30|-;'))), ['parse']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, '<set-url>{{ceq-token-endpoint}}</set-url>', ''))), ['children']);
  assert.deepEqual(rules(lintApimPolicy(replaceOnce(base, '<set-variable name="tapline-sent" value="@(true)" />', '<otherwise />\n<set-variable name="tapline-sent" value="@(true)" />'))), ['unknown-element']);
  assert.deepEqual(rules(lintApimPolicy('<policy><inbound /></policy>')), ['named-value', 'root']);
});

test('the parser keeps < > & and quotes inside expressions opaque', () => {
  const src = '<policies><inbound><set-variable name="x" value="@(1 < 2 && "a>b" != "</inbound>" && \'"\' != \'(\')" /><set-body>@{ var s = @"q""}"; return s; }</set-body></inbound></policies>';
  const { roots, expressions } = parsePolicy(src);
  assert.equal(roots[0]!.children[0]!.children.length, 2);
  assert.equal(expressions.length, 2);
  assert.equal(expressions[1]!.code, '@{ var s = @"q""}"; return s; }');
});

test('the Azure CLI commands create the five named values and apply the policy at the scope', () => {
  const all = apimAzCommands('policy.xml');
  for (const name of APIM_NAMED_VALUES) assert.ok(all.includes(`--named-value-id ${name} `), name);
  assert.equal(all.match(/--secret true/g)?.length, 1);
  assert.match(all, /--named-value-id ceq-client-secret .*--secret true/);
  assert.match(all, /az rest --method put --uri "[^"]*\/service\/\$APIM\/policies\/policy\?/);
  assert.match(all, /rawxml/);
  assert.match(apimAzCommands('policy.xml', { scope: 'api' }), /\/apis\/\$API_ID\/policies\/policy\?/);
});

test('tapline policy apim: flags, stdout holds only the XML, --out prints the commands', async (t) => {
  const spec = policyCommand;
  assert.equal(spec.path, 'policy apim');
  const opts = policyOptions(parseArgs(['--scope', 'api', '--sample-percent', '10', '--max-body-bytes', '100'], spec), spec.path);
  assert.deepEqual({ ...opts, version: undefined }, { scope: 'api', samplePercent: 10, maxBodyBytes: 100, version: undefined });
  assert.throws(() => policyOptions(parseArgs(['--scope', 'product'], spec), spec.path), UsageError);
  assert.throws(() => parseArgs(['--sample-percent', '0'], spec), UsageError);

  const written: string[] = [];
  const run = (argv: string[]) => runPolicy(parseArgs(argv, spec), spec.path, (text) => written.push(text));

  await run([]);
  assert.equal(written.join(''), generateApimPolicy({ version: opts.version }));

  const dir = await mkdtemp(join(tmpdir(), 'tapline-policy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  written.length = 0;
  const file = join(dir, 'policy.xml');
  await run(['--out', file, '--sample-percent', '50']);
  const policy = await readFile(file, 'utf8');
  assert.deepEqual(lintApimPolicy(policy), []);
  assert.match(policy, /Next\(100\) < 50/);
  const printed = written.join('');
  assert.match(printed, /az apim nv create/);
  assert.ok(!printed.includes('<policies>'));
});
