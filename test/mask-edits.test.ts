// How masks are applied to a body (src/analysis/sensitive/mask.ts): each finding's characters are
// replaced by its value's mask, adjacent and overlapping findings included, in plain text and in
// JSON text with escapes, and nothing outside the findings changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskBodyText, maskValue } from '../src/analysis/sensitive/index.ts';
import type { Finding } from '../src/analysis/sensitive/types.ts';

const KEY = { key: 'mask-edits-test' };

function finding(name: string, start: number, end: number, field = ''): Finding {
  return { name, type: 'SDE', location: 'RESPONSE_BODY', field, start, end, confidence: 1, category: 'PII', severity: 'medium' } as Finding;
}

test('plain text: each finding becomes its mask, the rest is untouched', () => {
  const text = 'call 4155552671 or mail ada@example.org today';
  const phone = finding('PHONE_NUMBER', 5, 15);
  const email = finding('EMAIL', 24, 39);
  const { text: out, n } = maskBodyText(text, 'text/plain', [email, phone], KEY);
  assert.equal(n, 2);
  assert.equal(out.length, text.length);
  assert.equal(out.slice(0, 5), 'call ');
  assert.equal(out.slice(5, 15), maskValue('PHONE_NUMBER', text.slice(5, 15), KEY));
  assert.equal(out.slice(15, 24), ' or mail ');
  assert.equal(out.slice(24, 39), maskValue('EMAIL', text.slice(24, 39), KEY));
  assert.equal(out.slice(39), ' today');
});

test('plain text: overlapping findings leave no original character inside either one', () => {
  const text = 'xxABCDEFGHIJKLMNOPQRSTxx';
  const first = finding('API_KEY', 2, 12);
  const second = finding('SECRET', 7, 22);
  const { text: out } = maskBodyText(text, 'text/plain', [first, second], KEY);
  // The first finding wins where they overlap; the second masks the characters after it.
  assert.equal(out.slice(2, 12), maskValue('API_KEY', text.slice(2, 12), KEY));
  assert.equal(out.slice(12, 22), maskValue('SECRET', text.slice(7, 22), KEY).slice(5));
  assert.equal(out.slice(0, 2), 'xx');
  assert.equal(out.slice(22), 'xx');
  // A finding inside another one changes nothing more.
  const inner = finding('PASSWORD', 4, 8);
  assert.equal(maskBodyText(text, 'text/plain', [first, inner], KEY).text.slice(2, 12), maskValue('API_KEY', text.slice(2, 12), KEY));
});

test('plain text: findings next to each other are both masked', () => {
  const text = 'AAAAABBBBB';
  const { text: out } = maskBodyText(text, 'text/plain', [finding('A', 0, 5), finding('B', 5, 10)], KEY);
  assert.equal(out, maskValue('A', 'AAAAA', KEY) + maskValue('B', 'BBBBB', KEY));
});

test('JSON text: escaped characters keep their escapes, plain ones are replaced in runs', () => {
  const value = 'ab\u00e9cd-1234';
  const json = JSON.stringify({ note: value }, null, 0).replace('\u00e9', '\\u00e9');
  const { text: out, n } = maskBodyText(json, 'application/json', [finding('SECRET', 0, value.length, 'note')], KEY);
  assert.equal(n, 1);
  const masked = maskValue('SECRET', value, KEY);
  assert.deepEqual(JSON.parse(out), { note: masked }, 'the text stays valid JSON and decodes to the mask');
  assert.ok(out.includes('\\u00e9'), 'the escaped character, which a mask keeps, keeps its escape');
});
