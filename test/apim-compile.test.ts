// The compile layer of the APIM policy harness: every expression of the generated policy compiles
// with Mono's C# compiler against the model of APIM's context; broken variants fail at the right
// line. Skips where mono-mcs is not installed (.ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateApimPolicy } from '../src/capture/apim-policy.ts';
import { compileApimPolicy, mcsAvailable } from '../src/capture/apim-compile.ts';

const skip = mcsAvailable() ? false : 'mono-mcs is not installed: apt-get install mono-mcs libnewtonsoft-json5.0-cil';
const policy = generateApimPolicy({});
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

test('every expression of the generated policy compiles against the APIM model', { skip, timeout: 60_000 }, async () => {
  for (const options of [{}, { samplePercent: 25 }, { maxBodyBytes: 0 }, { scope: 'api' as const }]) {
    const result = await compileApimPolicy(generateApimPolicy(options));
    assert.deepEqual(result.errors, [], JSON.stringify(options));
    assert.equal(result.ok, true);
  }
});

test('a misspelled context member fails at its line', { skip, timeout: 60_000 }, async () => {
  assert.ok(policy.includes('context.Request.IpAddress'));
  const broken = policy.replace('context.Request.IpAddress', 'context.Request.IpAdress');
  const result = await compileApimPolicy(broken);
  assert.equal(result.ok, false);
  const error = result.errors.find((e) => /IpAdress/.test(e.message));
  assert.ok(error, JSON.stringify(result.errors));
  assert.equal(error.line, lineOf(broken, 'context.Request.IpAdress'));
});

test('a member used with the wrong type fails (RequestId is a Guid)', { skip, timeout: 60_000 }, async () => {
  const broken = policy.replace('@(true)', '@(context.RequestId.Length > 0)');
  const result = await compileApimPolicy(broken);
  assert.equal(result.ok, false);
  assert.ok(result.errors.some((e) => /Length/.test(e.message) && e.expression === 0), JSON.stringify(result.errors));
});

test('a .NET type APIM does not allow is refused, even though it compiles', { skip, timeout: 60_000 }, async () => {
  const broken = policy.replace('@(true)', '@(System.IO.File.Exists("/etc/passwd"))');
  const result = await compileApimPolicy(broken);
  assert.equal(result.ok, false);
  assert.ok(result.errors.some((e) => /not among the \.NET types APIM allows/.test(e.message)), JSON.stringify(result.errors));
});
