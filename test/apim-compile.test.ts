// The compile layer of the APIM policy harness: every expression of the generated policy compiles
// with Mono's C# compiler against the model of APIM's context; broken variants fail at the right
// expression and line; types APIM does not allow are refused from the compiled IL. Skips where
// mono-mcs is not installed (.ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateApimPolicy } from '../src/capture/apim-policy.ts';
import { parsePolicy } from '../src/capture/apim-lint.ts';
import { compileApimPolicy, mcsAvailable, typeAllowed } from '../src/capture/apim-compile.ts';

const skip = mcsAvailable() ? false : 'mono-mcs not installed: apt-get install mono-mcs libnewtonsoft-json5.0-cil';
const policy = generateApimPolicy({});
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
/** The policy with its first expression (`@(true)`, the sampling decision) replaced. */
const withFirst = (code: string) => policy.replace('value="@(true)"', `value="${code}"`);

test('every expression of the generated policy compiles against the APIM model', { skip, timeout: 60_000 }, async () => {
  for (const options of [{}, { samplePercent: 25 }, { maxBodyBytes: 0 }, { scope: 'api' as const, samplePercent: 1, maxBodyBytes: 1 << 20 }]) {
    const result = await compileApimPolicy(generateApimPolicy(options));
    assert.deepEqual(result.errors, [], JSON.stringify(options));
    assert.equal(result.ok, true);
  }
});

test('a misspelled context member fails at its expression and line', { skip, timeout: 60_000 }, async () => {
  assert.ok(policy.includes('context.Request.IpAddress'));
  const broken = policy.replace('context.Request.IpAddress', 'context.Request.IpAdress');
  const result = await compileApimPolicy(broken);
  assert.equal(result.ok, false);
  const error = result.errors.find((e) => /IpAdress/.test(e.message));
  assert.ok(error, JSON.stringify(result.errors));
  assert.equal(error.line, lineOf(broken, 'context.Request.IpAdress'));
  const expression = parsePolicy(broken).expressions[error.expression]!;
  assert.ok(expression.code.includes('IpAdress'), 'the error names the expression that holds the typo');
});

test('a member used with the wrong type fails (RequestId is a Guid; header values are string[])', { skip, timeout: 60_000 }, async () => {
  let result = await compileApimPolicy(withFirst('@(context.RequestId.Length > 0)'));
  assert.equal(result.ok, false);
  assert.ok(result.errors.some((e) => /Length/.test(e.message) && e.expression === 0 && e.line === lineOf(policy, 'value="@(true)"')), JSON.stringify(result.errors));
  result = await compileApimPolicy(withFirst('@(context.Request.Headers["Accept"].ToLowerInvariant() != "")'));
  assert.equal(result.ok, false);
  assert.ok(result.errors.some((e) => /ToLowerInvariant/.test(e.message) && e.expression === 0), JSON.stringify(result.errors));
});

test('.NET types APIM does not allow are refused, however they are spelled', { skip, timeout: 60_000 }, async () => {
  for (const [code, type] of [
    ['@(System.IO.File.Exists("/etc/passwd"))', 'System.IO.File'],
    ['@(Environment.GetEnvironmentVariable("HOME") != null)', 'System.Environment'],
    ['@(new System.Net.WebClient() != null)', 'System.Net.WebClient'],
    ['@(typeof(string).Assembly.FullName != "")', 'System.Reflection.Assembly'],
    ['@{ System.Threading.Thread.Sleep(1); return true; }', 'System.Threading.Thread'],
    ['@(new[] { 1 }.Select(x => System.Diagnostics.Process.GetCurrentProcess().Id).Any())', 'System.Diagnostics.Process'],
  ] as const) {
    const result = await compileApimPolicy(withFirst(code));
    assert.equal(result.ok, false, code);
    const error = result.errors.find((e) => e.message.startsWith(`${type} `));
    assert.ok(error, `${code}: ${JSON.stringify(result.errors)}`);
    assert.match(error.message, /not among the \.NET types APIM allows/);
    assert.equal(error.expression, 0, code);
    assert.equal(error.line, lineOf(policy, 'value="@(true)"'), code);
  }
});

test('types on Microsoft\'s allowed list pass, System.IO and System.Net ones included', { skip, timeout: 60_000 }, async () => {
  const code = '@{ var sb = new StringBuilder(System.Net.WebUtility.UrlEncode("a b")); using (var r = new System.IO.StringReader("x")) { sb.Append(r.ReadToEnd()); } return new List<string> { sb.ToString() }.Count > 0; }';
  const result = await compileApimPolicy(withFirst(code));
  assert.deepEqual(result.errors, []);
  assert.equal(typeAllowed('System.IO.FileInfo'), false);
  assert.equal(typeAllowed('System.Collections.Generic.List`1+Enumerator'), true);
});
