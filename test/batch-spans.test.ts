// batchItemSpans: the text of each item of a batch body, sliced out of it, parses to the same
// item JSON.parse gave, whatever the formatting, escapes and nesting (random cases, seeded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchItemSpans } from '../src/wire/batch-spans.ts';
import { mulberry32 as mulberry } from '../bench/lib.ts';

const TRICKY = ['', '"', '\\', '\\"', '"\\', ']', '}', '[{', ',', ':', 'data', '"data":[1]', 'é', '\u2028', '\u0000', '😀', 'a\\\\"b', 'ZGF0YQ=='];

function randomValue(random: () => number, depth: number): unknown {
  const r = random();
  if (depth > 3 || r < 0.35) {
    const p = random();
    if (p < 0.5) return TRICKY[Math.floor(random() * TRICKY.length)]! + String(Math.floor(random() * 100));
    if (p < 0.7) return Math.round((random() - 0.5) * 1e6) / 100;
    if (p < 0.8) return random() < 0.5;
    if (p < 0.9) return null;
    return -1.5e-7;
  }
  if (r < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const o: Record<string, unknown> = {};
  for (let k = 0; k < Math.floor(random() * 5); k++) o[TRICKY[Math.floor(random() * TRICKY.length)]! + k] = randomValue(random, depth + 1);
  return o;
}

/** JSON text of `value` with random whitespace between tokens (outside strings). */
function spaced(value: unknown, random: () => number): string {
  const ws = () => [' ', '\n', '\t', '\r\n', ''][Math.floor(random() * 5)]!;
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => spaced(v, random)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (value !== null && typeof value === 'object') {
    return `{${ws()}${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${ws()}:${ws()}${spaced(v, random)}`).join(`,${ws()}`)}${ws()}}`;
  }
  return JSON.stringify(value);
}

test('batch item spans slice out items that parse to the same values', () => {
  const random = mulberry(42);
  for (let round = 0; round < 2000; round++) {
    const items = Array.from({ length: Math.floor(random() * 6) }, () => randomValue(random, 0));
    const shape = Math.floor(random() * 4);
    const body = shape === 0 ? items : shape === 1 ? { data: items } : shape === 2 ? { 'd\\u0061ta': 0, before: { data: [1, 2] }, data: items, after: '"data"' } : { data: ['stale'], other: [items], data2: 1 };
    let text = random() < 0.5 ? JSON.stringify(body) : spaced(body, random);
    if (shape === 2) text = text.replace('"d\\\\u0061ta"', '"d\\u0061ta"'); // an escaped key that reads "data": a later data key wins
    if (shape === 3) text = text.replace('"data2"', '"data"').replace('"other"', '"data"'); // duplicated keys: the last one counts
    const parsed = JSON.parse(text) as unknown;
    const expected = Array.isArray(parsed) ? parsed : (parsed as { data: unknown }).data;
    const spans = batchItemSpans(text);
    if (!Array.isArray(expected)) {
      assert.equal(spans, null, `round ${round}: ${text}`);
      continue;
    }
    assert.ok(spans, `round ${round}: ${text}`);
    assert.deepEqual(spans.map(([s, e]) => JSON.parse(text.slice(s, e)) as unknown), expected, `round ${round}: ${text}`);
  }
});

test('batch item spans: bodies without an item array', () => {
  assert.equal(batchItemSpans('{"items": []}'), null);
  assert.equal(batchItemSpans('{"data": {"a": 1}}'), null);
  assert.equal(batchItemSpans('"data"'), null);
  assert.deepEqual(batchItemSpans(' [ ] '), []);
  assert.deepEqual(batchItemSpans('{}'), null);
});
