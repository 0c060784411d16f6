// How masks are applied to a body (src/analysis/sensitive/mask.ts): each finding's characters are
// replaced by its value's mask, adjacent and overlapping findings included, in plain text and in
// JSON text with escapes, and nothing outside the findings changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskBodyText, maskTransaction, maskValue, scanTransaction } from '../src/analysis/sensitive/index.ts';
import { decodeEdgeTransaction } from '../src/wire/edge-format.ts';
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

test('a value repeated in a transaction gets the same mask everywhere, as in any other transaction', () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ order: i, email: 'ada.lovelace@example.org' }));
  const body = JSON.stringify(rows);
  const b64 = (x: string) => Buffer.from(x).toString('base64');
  const edge = {
    'transaction-id': 't', request: { 'http-method': 'GET', 'uri-query-fragment': '/orders', host: 'api.example', connection: { 'connection-ip': '10.0.0.1', 'server-ip': '10.0.0.2' } },
    response: { 'status-code': '200', headers: [`content-type:${b64('application/json')}`], body: { length: body.length, data: b64(body) } },
  };
  const t = decodeEdgeTransaction(edge as never, { id: 't', idGenerated: false, receivedAt: 0 });
  const found = scanTransaction(t).locations;
  assert.equal(found.filter((f) => f.name === 'EMAIL').length, 5);
  const once = maskTransaction(t, found, KEY);
  const again = maskTransaction(t, found, KEY);
  const masked = JSON.parse(once.tx.response.body!.bytes.toString('utf8')) as Array<{ email: string }>;
  const expected = maskValue('EMAIL', 'ada.lovelace@example.org', KEY);
  assert.deepEqual(masked.map((r) => r.email), Array(5).fill(expected));
  assert.deepEqual(again.tx.response.body!.bytes, once.tx.response.body!.bytes);
});
