// The discovery accuracy harness (bench/discovery): the scorer, the two baselines as quoted,
// the traffic generator, and a quick run on a few fixture specs with a sane floor.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { score, total } from '../bench/discovery/score.ts';
import { prefixRuleTemplates, shapeRuleTemplate } from '../bench/discovery/baselines.ts';
import { generate } from '../bench/discovery/generate.ts';
import { kindOf } from '../bench/discovery/values.ts';
import { FIXTURES, listSpecs, overall, runSpec } from '../bench/discovery/harness.ts';

describe('score', () => {
  test('precision, recall, F1 over distinct endpoints modulo parameter names; over- and under-merge', () => {
    const calls = [
      { method: 'GET', template: '/users/{id}' },
      { method: 'GET', template: '/users/{id}' },
      { method: 'GET', template: '/users/me' },
      { method: 'GET', template: '/orders/{orderId}' },
      { method: 'GET', template: '/orders/{orderId}' },
    ];
    const inferred = ['/users/{userId}', '/users/{userId}', '/users/{userId}', '/orders/1', '/orders/2'];
    const s = score(calls, inferred);
    assert.equal(s.trueEndpoints, 3);
    assert.equal(s.inferredEndpoints, 3);
    assert.equal(s.matched, 1);
    assert.equal(s.precision, 1 / 3);
    assert.equal(s.recall, 1 / 3);
    assert.equal(s.overMerge, 1, '/users/me merged into /users/{userId}');
    assert.equal(s.underMerge, 1, '/orders/{orderId} split in two');
    const t = total([s, s]);
    assert.equal(t.matched, 2);
    assert.equal(t.f1, s.f1);
  });
});

describe('baselines (as quoted)', () => {
  test('shape rule: all digits, a UUID, or at least 8 characters with more than 2 digits', () => {
    assert.equal(shapeRuleTemplate('/users/123/posts'), '/users/{}/posts');
    assert.equal(shapeRuleTemplate('/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301'), '/o/{}');
    assert.equal(shapeRuleTemplate('/x/ab123cde'), '/x/{}');
    assert.equal(shapeRuleTemplate('/x/ab12cdef'), '/x/ab12cdef', 'only 2 digits');
    assert.equal(shapeRuleTemplate('/x/a1234'), '/x/a1234', 'shorter than 8');
    assert.equal(shapeRuleTemplate('/users/alice'), '/users/alice');
  });

  test('prefix rule: numbers/UUIDs, or 2+ distinct values after one prefix with no known constant sibling', () => {
    assert.deepEqual(
      prefixRuleTemplates(['/users/alice', '/users/bob', '/users/7/repos', '/users/8/repos']),
      ['/users/{}', '/users/{}', '/users/{}/repos', '/users/{}/repos'],
    );
    // "repos" follows several concrete prefixes: a known constant sibling, so alice/bob stay.
    assert.deepEqual(
      prefixRuleTemplates(['/users/alice', '/users/bob', '/users/7/repos', '/users/8/repos', '/users/repos']),
      ['/users/alice', '/users/bob', '/users/{}/repos', '/users/{}/repos', '/users/repos'],
    );
  });
});

describe('generator', () => {
  const file = 'googleapis.com__tagmanager__v1.json';
  const doc = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

  test('deterministic, every operation called at least the minimum, every parameter filled', () => {
    const a = generate(doc, 'tagmanager', { seed: 7, minCalls: 3, extraPerOp: 5 });
    const b = generate(doc, 'tagmanager', { seed: 7, minCalls: 3, extraPerOp: 5 });
    assert.deepEqual(a.calls, b.calls);
    assert.equal(a.calls.length, a.operations * 3 + a.operations * 5);
    const perOp = new Map<string, number>();
    for (const c of a.calls) perOp.set(`${c.method} ${c.template}`, (perOp.get(`${c.method} ${c.template}`) ?? 0) + 1);
    for (const n of perOp.values()) assert.ok(n >= 3);
    for (const c of a.calls) {
      assert.ok(!c.path.includes('{'), c.path);
      assert.ok(c.template.startsWith('/tagmanager/v1/'), 'basePath included');
    }
    assert.equal(a.transactions.length, a.calls.length);
    assert.equal(a.transactions[0]!.request.host, 'www.googleapis.com');
    const c = generate(doc, 'tagmanager', { seed: 8, minCalls: 3, extraPerOp: 5 });
    assert.notDeepEqual(c.calls, a.calls);
  });

  test('values by name and type', () => {
    assert.equal(kindOf({ name: 'userId', type: 'integer' }), 'int-id');
    assert.equal(kindOf({ name: 'accountId', type: 'string' }), 'string-id');
    assert.equal(kindOf({ name: 'username', type: 'string' }), 'username');
    assert.equal(kindOf({ name: 'resourceGroupName', type: 'string' }), 'name');
    assert.equal(kindOf({ name: 'email', type: 'string' }), 'email');
    assert.equal(kindOf({ name: 'date', type: 'string', format: 'date' }), 'date');
    assert.equal(kindOf({ name: 'siteUrl', type: 'string' }), 'url');
    assert.equal(kindOf({ name: 'countryCode', type: 'string' }), 'country');
    assert.equal(kindOf({ name: 'status', type: 'string', enum: ['a', 'b'] }), 'enum');
  });
});

describe('harness', () => {
  test('scores a few specs quickly, above a sane floor and well above both baselines', () => {
    const specs = listSpecs(FIXTURES, 'mobile,tagmanager,drive__v3,operationalinsights,mandrillapp,twinehealth');
    assert.equal(specs.length, 6);
    const results = specs.map((f) => runSpec(f, { seed: 1, extraPerOp: 10 }));
    for (const r of results) {
      for (const m of ['tapline', 'baseline-shape', 'baseline-prefix']) {
        const s = r.scores[m]!;
        assert.ok(Number.isFinite(s.f1) && s.f1 >= 0 && s.f1 <= 1, `${r.spec} ${m}`);
        assert.ok(s.trueEndpoints > 0 && s.calls > 0);
      }
      assert.ok(r.scores.tapline!.f1 >= 0.85, `${r.spec}: F1 ${r.scores.tapline!.f1}`);
      assert.ok(r.stats.tapline, 'stability counters');
    }
    const all = overall(results);
    assert.ok(all.tapline!.f1 >= 0.95, `overall F1 ${all.tapline!.f1}`);
    const best = Math.max(all['baseline-shape']!.f1, all['baseline-prefix']!.f1);
    assert.ok(all.tapline!.f1 - best >= 0.15, `tapline ${all.tapline!.f1} vs baseline ${best}`);
  });
});
