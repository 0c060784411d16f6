// The execute layer of the APIM policy harness: the generated policy runs in the APIM emulator
// (compiled C# expressions under Mono, real HTTP) between a client, a real backend and a running
// Tapline; the scenarios of apim-scenarios.ts must all pass, and deliberately broken variants must
// fail. Skips where mono-mcs is not installed (.ci/run installs it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateApimPolicy } from '../src/capture/apim-policy.ts';
import { lintApimPolicy } from '../src/capture/apim-lint.ts';
import { mcsAvailable } from '../src/capture/apim-compile.ts';
import { ApimEmulator } from '../src/capture/apim-emulator.ts';
import { createClient, startTestServer } from './helpers.ts';
import { call, closedPort, runScenarios, startBackend, startEmulator, stored, type Setup } from './apim-scenarios.ts';

const skip = mcsAvailable() ? false : 'mono-mcs not installed: apt-get install mono-mcs libnewtonsoft-json5.0-cil';
const policy = generateApimPolicy({});

describe('APIM policy, execute layer', { skip, timeout: 300_000 }, () => {
  const setup = { clock: { now: Date.now() } } as Setup;

  before(async () => {
    setup.server = await startTestServer();
    setup.backend = await startBackend();
    setup.client = await createClient(setup.server);
  });
  after(async () => {
    await setup.backend.close();
    await setup.server.destroy();
  });

  test('the generated policy passes every scenario, with the captures stored in Tapline', async () => {
    assert.deepEqual(await runScenarios(setup, policy), []);
  });

  test('the backend down: the caller gets APIM\'s 500 and the capture records it from on-error', async () => {
    const emulator = await startEmulator(setup, policy, { backend: `http://127.0.0.1:${await closedPort()}` });
    try {
      const answer = await call(emulator.url, 'GET', '/items/1');
      assert.equal(answer.status, 500);
      assert.equal(emulator.calls[0]!.faults[0]!.reason, 'BackendConnectionFailure');
      await emulator.settle();
      const t = await stored(setup.server, emulator.calls[0]!.requestId);
      assert.ok(t, 'the failed call is captured');
      assert.equal(t.status, 500);
      assert.match(String(t.dataExtractions?.apim_error), /^forward-request: BackendConnectionFailure/);
    } finally {
      await emulator.close();
    }
  });

  test('the token service down: API calls still succeed; the failure is cached, then retried', async () => {
    const down = `http://127.0.0.1:${await closedPort()}/token`;
    const emulator = await startEmulator(setup, policy, { named: { 'ceq-token-endpoint': down } });
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await call(emulator.url, 'GET', '/items/5');
        assert.equal(answer.status, 200);
        assert.equal(JSON.parse(answer.body.toString()).id, 42);
      }
      assert.deepEqual(emulator.calls.map((c) => c.faults), [[], [], []]);
      const tokenCalls = () => emulator.outbound.filter((o) => o.policy === 'send-request');
      assert.equal(tokenCalls().length, 1, 'a failed token request is remembered, not repeated on every call');
      assert.ok(tokenCalls()[0]!.error, 'the token request failed');
      assert.equal(emulator.outbound.filter((o) => o.policy === 'send-one-way-request').length, 0, 'nothing is sent without a token');
      setup.clock.now += 31_000;
      assert.equal((await call(emulator.url, 'GET', '/items/5')).status, 200);
      assert.equal(tokenCalls().length, 2, 'after the failure expires, the token service is asked again');
    } finally {
      await emulator.close();
    }
  });

  test('the edge down: API calls still succeed, the one-way post fails silently', async () => {
    const emulator = await startEmulator(setup, policy, { named: { 'ceq-ingress-endpoint': `http://127.0.0.1:${await closedPort()}/api-transaction` } });
    try {
      const answer = await call(emulator.url, 'POST', '/orders', { 'Content-Type': 'application/json' }, '{"sku":"B-2"}');
      assert.equal(answer.status, 201);
      assert.equal(JSON.parse(answer.body.toString()).order.sku, 'B-2');
      await emulator.settle();
      const oneWay = emulator.outbound.filter((o) => o.policy === 'send-one-way-request');
      assert.equal(oneWay.length, 1);
      assert.ok(oneWay[0]!.error, 'the post to the edge failed');
      assert.deepEqual(emulator.calls[0]!.faults, []);
    } finally {
      await emulator.close();
    }
  });

  test('broken: a body read without preserveContent empties the body the backend gets', async () => {
    const broken = policy.replace('context.Request.Body.As<string>(preserveContent: true)', 'context.Request.Body.As<string>()');
    assert.notEqual(broken, policy);
    assert.ok(lintApimPolicy(broken).some((f) => /preserveContent/.test(f.message)), 'lint flags it');
    const problems = await runScenarios(setup, broken);
    assert.ok(problems.some((p) => /JSON POST: the backend received 0 body bytes through the gateway/.test(p)), problems.join('\n'));
  });

  test('broken: an expression that throws unguarded breaks the API call (500 from on-error)', async () => {
    const broken = policy.replace('value="@(true)"', 'value="@(context.Request.Headers["X-Sample"].Length > 0)"');
    assert.notEqual(broken, policy);
    const problems = await runScenarios(setup, broken);
    assert.ok(problems.some((p) => /GET without body: the caller got 500, the backend answers 200/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /the policy failed: set-variable ExpressionValueEvaluationFailure: .*KeyNotFoundException/.test(p)), problems.join('\n'));
  });

  test('broken: a misspelled context member does not compile, so nothing runs', async () => {
    const broken = policy.replace('context.Request.IpAddress', 'context.Request.IpAdress');
    await assert.rejects(startEmulator(setup, broken), /IpAdress/);
  });

  test('the emulator enforces APIM rules the policy depends on', async () => {
    // set-variable holds basic types only; an undefined named value is an error.
    const stores = policy.replace('value="@(true)"', 'value="@(new JObject())"');
    const emulator = await startEmulator(setup, stores);
    try {
      assert.equal((await call(emulator.url, 'GET', '/items/1')).status, 500);
      assert.match(emulator.calls[0]!.faults[0]!.message, /not one of the basic types/);
    } finally {
      await emulator.close();
    }
    await assert.rejects(ApimEmulator.start({ policy, namedValues: {}, backend: setup.backend.url }), /named value \{\{ceq-client-id\}\}/);
  });
});
