// Unit tests of src/wire: the Edge format (validation messages, timestamps, headers, bodies),
// the client-IP rule and the log envelope.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEdgeTransaction,
  encodeEdgeTransaction,
  joinPath,
  parseTimestamp,
  validateEdgeTransaction,
  WireError,
  type EdgeTransaction,
} from '../src/wire/edge-format.ts';
import { inList, normalizeAddress, parseCidrList, resolveClientIp, DEFAULT_CLIENT_IP_OPTIONS, type ClientIpOptions } from '../src/wire/client-ip.ts';
import { decodeEnvelope, encodeEnvelope, envelopeToTransaction } from '../src/wire/envelope.ts';
import { headerValue, pathOf, type Header } from '../src/wire/transaction.ts';
import { sampleTransaction } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A fresh, valid sample as a plain mutable object. */
function sample(): any {
  return structuredClone(sampleTransaction({ id: 'txn-1', body: '{"a":1}' }));
}

function messageOf(value: unknown, base = ''): string {
  try {
    validateEdgeTransaction(value, base);
  } catch (err) {
    assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected validation to fail');
}

function decode(value: unknown, clientIp?: ClientIpOptions) {
  const t = validateEdgeTransaction(value);
  return decodeEdgeTransaction(t, { id: t['transaction-id'] ?? 'generated', idGenerated: !t['transaction-id'], receivedAt: 1_700_000_000_000, clientIp });
}

describe('validation messages name the field by its JSON path', () => {
  test('a valid sample passes and is returned as is', () => {
    const s = sample();
    assert.equal(validateEdgeTransaction(s), s);
  });

  test('missing required fields, with and without a batch prefix', () => {
    const s = sample();
    delete s.request['http-method'];
    assert.equal(messageOf(s), 'request.http-method is required');
    assert.equal(messageOf(s, 'data[1]'), 'data[1].request.http-method is required');
    assert.equal(messageOf(s, '[4]'), '[4].request.http-method is required');

    const noConnIp = sample();
    delete noConnIp.request.connection['connection-ip'];
    assert.equal(messageOf(noConnIp, 'data[0]'), 'data[0].request.connection.connection-ip is required');

    const noResponse = sample();
    delete noResponse.response;
    assert.equal(messageOf(noResponse, 'data[2]'), 'data[2].response is required');

    const noUri = sample();
    delete noUri.request['uri-query-fragment'];
    assert.match(messageOf(noUri), /^request\.uri-query-fragment is required$/);
  });

  test('wrong types name the path and the accepted types', () => {
    const s = sample();
    s.request.connection['connection-port'] = true;
    const m = messageOf(s, 'data[3]');
    assert.match(m, /^data\[3\]\.request\.connection\.connection-port must be /);
    assert.match(m, /number/);
    assert.match(m, /string/);

    const notObject = sample();
    notObject.request = 'GET /';
    assert.match(messageOf(notObject), /^request must be an object/);

    assert.match(messageOf(42), /must be an object/);
    assert.match(messageOf(null, 'data[0]'), /^data\[0\]/);
  });

  test('numeric strings are checked', () => {
    const s = sample();
    s.request.connection['server-port'] = 'eighty';
    assert.match(messageOf(s, 'data[0]'), /^data\[0\]\.request\.connection\.server-port must be a number/);

    const status = sample();
    status.response['status-code'] = 'OK';
    assert.match(messageOf(status), /^response\.status-code must be an HTTP status code/);
    status.response['status-code'] = 42;
    assert.match(messageOf(status), /^response\.status-code must be an HTTP status code \(100-999\)/);
    status.response['status-code'] = '';
    assert.doesNotThrow(() => validateEdgeTransaction(status));
    status.response['status-code'] = '404';
    assert.doesNotThrow(() => validateEdgeTransaction(status));
  });

  test('headers and bodies: base64, colons, lengths', () => {
    const badB64 = sample();
    badB64.request.headers = [`accept:${b64('x')}`, 'x-bad:not base64!'];
    assert.match(messageOf(badB64, 'data[1]'), /^data\[1\]\.request\.headers\[1\] is not valid base64/);

    const noColon = sample();
    noColon.response.headers = ['no-colon-here'];
    assert.match(messageOf(noColon), /^response\.headers\[0\] must be "<name>:<base64 value>"/);

    const badHeaderObject = sample();
    badHeaderObject.request.headers = [{ name: 'accept' }];
    assert.match(messageOf(badHeaderObject), /^request\.headers\[0\]/);

    const badData = sample();
    badData.response.body.data = '%%%';
    assert.match(messageOf(badData), /^response\.body\.data is not valid base64/);

    // The check agrees with the plain definition (standard alphabet, at most two '=' at the end,
    // no length of 4n+1) on valid, damaged and random values, including large and non-ASCII ones.
    const reference = (v: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 !== 1 && v.replace(/=+$/, '').length % 4 !== 1;
    const alphabet = 'ABCxyz0189+/=-_ $\u00e9\u4e2d';
    const values = ['', 'QQ', 'QQ=', 'QQ==', 'QQ===', 'QUJD', 'QUI=', 'Q', 'QUJ==', 'ab=c', 'ab-_', 'QU JD', 'QUJD\n', b64('x'.repeat(100_000)), `${b64('x'.repeat(100_000))}$`];
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(Math.random() * 12);
      values.push(Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(''));
      values.push(b64(String(Math.random()).repeat(1 + (i % 7))).slice(0, i % 2 === 0 ? undefined : -1));
    }
    for (const value of values) {
      const item = sample();
      item.response.body.data = value;
      const ok = (() => { try { validateEdgeTransaction(item); return true; } catch { return false; } })();
      assert.equal(ok, reference(value), `base64 check of ${JSON.stringify(value.slice(0, 40))} (length ${value.length})`);
    }

    const negLength = sample();
    negLength.request.body.length = -1;
    assert.match(messageOf(negLength), /^request\.body\.length must be a whole number of bytes/);

    const fracLength = sample();
    fracLength.request.body.length = '1.5';
    assert.match(messageOf(fracLength, 'data[0]'), /^data\[0\]\.request\.body\.length must be a whole number/);
  });

  test('timestamps are checked', () => {
    const s = sample();
    s.timestamp = 'yesterday';
    assert.match(messageOf(s, 'data[5]'), /^data\[5\]\.timestamp must be a Unix epoch/);
    s.timestamp = -5;
    assert.match(messageOf(s), /^timestamp must be a positive Unix epoch/);
  });

  test('unknown keys are ignored everywhere', () => {
    const s = sample();
    s.future = { anything: 1 };
    s.request.extra = 'x';
    s.request.connection.extra = 1;
    s.response.extra = [];
    s['txn-meta-data'].source_info.extra = true;
    s['txn-meta-data'].new_info = {};
    assert.doesNotThrow(() => validateEdgeTransaction(s));
  });

  test('joinPath formats paths', () => {
    assert.equal(joinPath('', '/request/http-method'), 'request.http-method');
    assert.equal(joinPath('data', '/3/request/headers/0'), 'data[3].request.headers[0]');
    assert.equal(joinPath('', '/0/request'), '[0].request');
    assert.equal(joinPath('data[1]', ''), 'data[1]');
  });
});

describe('timestamps: seconds with a fraction, or milliseconds above 1e12', () => {
  test('parseTimestamp', () => {
    assert.equal(parseTimestamp('1718000000.123'), 1718000000123);
    assert.equal(parseTimestamp(1718000000.5), 1718000000500);
    assert.equal(parseTimestamp(1718000000), 1718000000000);
    assert.equal(parseTimestamp('1718000000'), 1718000000000);
    assert.equal(parseTimestamp(1718000000123), 1718000000123);
    assert.equal(parseTimestamp('1718000000123'), 1718000000123);
    assert.equal(parseTimestamp(undefined), undefined);
    assert.equal(parseTimestamp(''), undefined);
    assert.throws(() => parseTimestamp('abc'), WireError);
    assert.throws(() => parseTimestamp(-1), WireError);
  });

  test('decode uses the timestamp, or the receive time when absent', () => {
    const s = sample();
    s.timestamp = '1718000000.123';
    assert.equal(decode(s).timestamp, 1718000000123);
    s.timestamp = 1718000000123;
    assert.equal(decode(s).timestamp, 1718000000123);
    delete s.timestamp;
    assert.equal(decode(s).timestamp, 1_700_000_000_000);
  });
});

describe('headers', () => {
  test('split on the last colon, so HTTP/2 pseudo-headers keep their leading colon', () => {
    const s = sample();
    s.request.headers = [
      `:authority:${b64('api.example.com')}`,
      `:method:${b64('GET')}`,
      `:path:${b64('/v1/x?y=1')}`,
      `content-type:${b64('application/json; charset=utf-8')}`,
      `x-empty:`,
      `x-colon:${b64('a:b:c')}`,
    ];
    const t = decode(s);
    assert.deepEqual(t.request.headers, [
      [':authority', 'api.example.com'],
      [':method', 'GET'],
      [':path', '/v1/x?y=1'],
      ['content-type', 'application/json; charset=utf-8'],
      ['x-empty', ''],
      ['x-colon', 'a:b:c'],
    ]);
    assert.equal(headerValue(t.request.headers, ':AUTHORITY'), 'api.example.com');
    assert.equal(headerValue(t.request.headers, 'missing'), undefined);
  });

  test('{name, value} objects carry plain values and mix with strings', () => {
    const s = sample();
    s.request.headers = [{ name: 'X-Plain', value: 'hello: world' }, `accept:${b64('*/*')}`];
    s.response.headers = [{ name: ':status', value: '200' }];
    const t = decode(s);
    assert.deepEqual(t.request.headers, [['X-Plain', 'hello: world'], ['accept', '*/*']]);
    assert.deepEqual(t.response.headers, [[':status', '200']]);
  });

  test('headers may be absent', () => {
    const s = sample();
    delete s.request.headers;
    delete s.response.headers;
    const t = decode(s);
    assert.deepEqual(t.request.headers, []);
    assert.deepEqual(t.response.headers, []);
  });
});

describe('bodies and truncation', () => {
  test('a full body is not truncated', () => {
    const t = decode(sample());
    assert.equal(t.request.body!.bytes.toString(), '{"a":1}');
    assert.equal(t.request.body!.length, 7);
    assert.equal(t.request.body!.truncated, false);
    assert.equal(t.response.body!.truncated, false);
  });

  test('cq-body-truncated: true marks the body of that message as cut', () => {
    const s = sample();
    s.response.headers.push('cq-body-truncated:dHJ1ZQ==');
    const t = decode(s);
    assert.equal(t.response.body!.truncated, true);
    assert.equal(t.request.body!.truncated, false, 'the flag applies to its own message only');

    const plain = sample();
    plain.request.headers = [{ name: 'CQ-Body-Truncated', value: 'true' }];
    assert.equal(decode(plain).request.body!.truncated, true);

    const no = sample();
    no.request.headers = [`cq-body-truncated:${b64('false')}`];
    assert.equal(decode(no).request.body!.truncated, false);
  });

  test('a length larger than the data means truncated', () => {
    const s = sample();
    s.response.body = { length: 40_000, data: b64('x'.repeat(32)) };
    const t = decode(s);
    assert.equal(t.response.body!.truncated, true);
    assert.equal(t.response.body!.length, 40_000);
    assert.equal(t.response.body!.bytes.length, 32);

    s.response.body = { length: '32', data: b64('x'.repeat(32)) };
    assert.equal(decode(s).response.body!.truncated, false);
  });

  test('missing length or data', () => {
    const s = sample();
    s.request.body = { data: b64('abc') };
    s.response.body = { length: 10 };
    const t = decode(s);
    assert.equal(t.request.body!.length, 3);
    assert.equal(t.request.body!.truncated, false);
    assert.equal(t.response.body!.bytes.length, 0);
    assert.equal(t.response.body!.truncated, true);
    delete s.request.body;
    assert.equal(decode(s).request.body, null);
  });
});

describe('decoding the rest', () => {
  test('fields, defaults, status and meta data', () => {
    const s = sample();
    s.request['http-method'] = 'post';
    delete s.request['http-scheme'];
    s.request.connection['connection-port'] = '51544';
    s.response['status-code'] = '';
    s['txn-meta-data'] = {
      source_info: { type: 'tapline-bridge', pool_id: 'p', instance_id: 'i', version: '2' },
      filter_info: { filter_name: 'all' },
      sdp_info: { skipped: false, found: 1, transformed: 1, locations: [{ name: 'CREDIT_CARD', type: 'SDE', location: 'REQUEST_BODY', field: 'a', start: '0', end: '12' }] },
      data_extractions: { user: 'u1' },
    };
    const t = decode(s);
    assert.equal(t.id, 'txn-1');
    assert.equal(t.idGenerated, false);
    assert.equal(t.request.method, 'POST');
    assert.equal(t.request.scheme, 'https');
    assert.equal(t.request.host, 'api.example.com');
    assert.equal(t.request.uri, '/v1/users/42?expand=orders');
    assert.equal(pathOf(t.request.uri), '/v1/users/42');
    assert.equal(t.request.connection.connectionPort, 51544);
    assert.equal(t.response.status, null);
    assert.deepEqual(t.meta.sourceInfo, { type: 'tapline-bridge', poolId: 'p', instanceId: 'i', version: '2' });
    assert.deepEqual(t.meta.filterInfo, { filterName: 'all' });
    assert.deepEqual(t.meta.sdpInfo!.locations, [{ name: 'CREDIT_CARD', type: 'SDE', location: 'REQUEST_BODY', field: 'a', start: 0, end: 12 }]);
    assert.deepEqual(t.meta.dataExtractions, { user: 'u1' });
  });
});

describe('client IP rule', () => {
  const h = (...pairs: Header[]) => pairs;
  const trusted: ClientIpOptions = { headers: DEFAULT_CLIENT_IP_OPTIONS.headers, trustedProxies: parseCidrList(['10.0.0.0/8', '192.168.0.0/16'], 'test') };

  test('1. client-ip when it is a valid address', () => {
    assert.deepEqual(resolveClientIp('203.0.113.7', h(['x-forwarded-for', '198.51.100.1']), '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '203.0.113.7', rule: 'client-ip' });
    assert.deepEqual(resolveClientIp('2001:db8::1', [], '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '2001:db8::1', rule: 'client-ip' });
    // Not an address: fall through to the headers.
    assert.deepEqual(resolveClientIp('unknown', h(['X-Forwarded-For', '198.51.100.1']), '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '198.51.100.1', rule: 'header:x-forwarded-for' });
  });

  test('2. x-forwarded-for: left-most without trusted proxies', () => {
    const headers = h(['x-forwarded-for', '198.51.100.1, 10.1.1.1, 192.168.1.1']);
    assert.deepEqual(resolveClientIp(undefined, headers, '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '198.51.100.1', rule: 'header:x-forwarded-for' });
    // garbage entries are skipped
    assert.equal(resolveClientIp(undefined, h(['x-forwarded-for', 'unknown, 198.51.100.9']), '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS).address, '198.51.100.9');
  });

  test('2. x-forwarded-for: right-most untrusted with trusted proxies', () => {
    const headers = h(['x-forwarded-for', '6.6.6.6, 198.51.100.1, 10.1.1.1, 192.168.1.1']);
    assert.deepEqual(resolveClientIp(undefined, headers, '10.0.0.4', trusted), { address: '198.51.100.1', rule: 'header:x-forwarded-for' });
    // several header lines form one chain
    const split = h(['x-forwarded-for', '6.6.6.6, 198.51.100.2'], ['x-forwarded-for', '10.1.1.1']);
    assert.equal(resolveClientIp(undefined, split, '10.0.0.4', trusted).address, '198.51.100.2');
    // all trusted: the next header, then the connection address
    const allTrusted = h(['x-forwarded-for', '10.1.1.1, 192.168.1.1']);
    assert.deepEqual(resolveClientIp(undefined, allTrusted, '10.0.0.4', trusted), { address: '10.0.0.4', rule: 'connection-ip' });
  });

  test('2. forwarded header (RFC 7239)', () => {
    const headers = h(['forwarded', 'for=198.51.100.17;proto=https, for="[2001:db8::7]:4711", for=10.2.2.2;by=10.0.0.1']);
    assert.deepEqual(resolveClientIp(undefined, headers, '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '198.51.100.17', rule: 'header:forwarded' });
    assert.deepEqual(resolveClientIp(undefined, headers, '10.0.0.4', trusted), { address: '2001:db8::7', rule: 'header:forwarded' });
    assert.equal(resolveClientIp(undefined, h(['Forwarded', 'for=unknown']), '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS).rule, 'connection-ip');
  });

  test('2. header order and single-address headers', () => {
    const headers = h(['true-client-ip', '198.51.100.3'], ['x-real-ip', '198.51.100.2']);
    assert.deepEqual(resolveClientIp(undefined, headers, '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '198.51.100.2', rule: 'header:x-real-ip' });
    assert.deepEqual(resolveClientIp(undefined, h(['x-real-ip', 'nope'], ['cf-connecting-ip', '198.51.100.4:443']), '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS),
      { address: '198.51.100.4', rule: 'header:cf-connecting-ip' });
    const custom: ClientIpOptions = { headers: ['x-client'], trustedProxies: null };
    assert.deepEqual(resolveClientIp(undefined, headers.concat([['X-Client', '198.51.100.5']]), '10.0.0.4', custom), { address: '198.51.100.5', rule: 'header:x-client' });
  });

  test('3. connection-ip fallback', () => {
    assert.deepEqual(resolveClientIp(undefined, [], '10.0.0.4', DEFAULT_CLIENT_IP_OPTIONS), { address: '10.0.0.4', rule: 'connection-ip' });
    assert.deepEqual(resolveClientIp('', h(['x-forwarded-for', 'garbage']), '::ffff:10.0.0.5', DEFAULT_CLIENT_IP_OPTIONS), { address: '10.0.0.5', rule: 'connection-ip' });
  });

  test('the rule that fired travels with the decoded transaction', () => {
    const s = sample();
    delete s.request['client-ip'];
    s.request.headers.push(`x-forwarded-for:${b64('198.51.100.1, 10.1.1.1')}`);
    assert.deepEqual([decode(s).request.clientIp, decode(s).request.clientIpRule], ['198.51.100.1', 'header:x-forwarded-for']);
    assert.equal(decode(s, trusted).request.clientIp, '198.51.100.1');
    s.request.headers = [];
    assert.deepEqual([decode(s).request.clientIp, decode(s).request.clientIpRule], ['10.0.0.4', 'connection-ip']);
  });

  test('address helpers', () => {
    assert.equal(normalizeAddress(' 1.2.3.4:80 '), '1.2.3.4');
    assert.equal(normalizeAddress('"[::1]:8080"'), '::1');
    assert.equal(normalizeAddress('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(normalizeAddress('example.com'), null);
    const list = parseCidrList(['127.0.0.0/8', '2001:db8::/32', '192.0.2.1'], 'x');
    assert.equal(inList(list, '127.0.0.1'), true);
    assert.equal(inList(list, '::ffff:127.0.0.1'), true);
    assert.equal(inList(list, '2001:db8::5'), true);
    assert.equal(inList(list, '192.0.2.1'), true);
    assert.equal(inList(list, '192.0.2.2'), false);
    assert.equal(inList(list, 'not-an-ip'), false);
    assert.throws(() => parseCidrList(['10.0.0.0/33'], '--ingress-allow'), /--ingress-allow: "10.0.0.0\/33"/);
    assert.throws(() => parseCidrList(['nope'], '--trusted-proxies'), /nope/);
  });
});

describe('encode and decode', () => {
  test('round trip: decode(encode(decode(x))) equals decode(x)', () => {
    const s = sample();
    s.timestamp = '1718000000.123';
    s.request.headers.push(`:authority:${b64('api.example.com')}`, 'cq-body-truncated:dHJ1ZQ==');
    s.request.body = { length: 100, data: b64('{"partial":') };
    s.response['status-code'] = 201;
    s['txn-meta-data'] = {
      source_info: { version: '1.0.0', type: 'tapline-sensor', pool_id: 'p1', instance_id: 'i1' },
      filter_info: { filter_name: 'f' },
      sdp_info: { skipped: false, found: 1, transformed: 0, locations: [{ name: 'EMAIL', type: 'NLP', location: 'RESPONSE_BODY', field: 'email', start: '3', end: '20' }] },
      data_extractions: { k: 'v' },
    };
    const first = decode(s);
    const encoded: EdgeTransaction = encodeEdgeTransaction(first);
    // The encoding is valid Edge format, and survives JSON.
    const reparsed = JSON.parse(JSON.stringify(encoded)) as unknown;
    const second = decode(reparsed);
    assert.deepEqual(second, first);
    assert.equal(encoded.timestamp, '1718000000.123');
    assert.ok(encoded.request.headers!.includes(`:authority:${b64('api.example.com')}`));
    assert.equal(encoded.response['status-code'], '201');
    assert.equal(second.request.body!.truncated, true);
  });

  test('a response that never came encodes status-code as ""', () => {
    const s = sample();
    s.response = { 'status-code': '' };
    const first = decode(s);
    const encoded = encodeEdgeTransaction(first);
    assert.equal(encoded.response['status-code'], '');
    assert.deepEqual(decode(JSON.parse(JSON.stringify(encoded))), first);
  });

  test('envelope: encode with or without the raw item text, decode back', () => {
    const s = sample();
    const item = validateEdgeTransaction(s);
    const head = { clientId: 'c1', receivedAt: 1_700_000_000_123, id: 'txn-1', idGenerated: false };
    const viaText = encodeEnvelope(head, item, JSON.stringify(s));
    const viaObject = encodeEnvelope(head, item);
    assert.deepEqual(JSON.parse(viaText), JSON.parse(viaObject));
    const e = decodeEnvelope(viaText);
    assert.equal(e.clientId, 'c1');
    assert.equal(e.receivedAt, 1_700_000_000_123);
    assert.deepEqual(e.item, s);
    const logged = envelopeToTransaction(viaText);
    assert.equal(logged.clientId, 'c1');
    assert.equal(logged.transaction.id, 'txn-1');
    assert.deepEqual(logged.transaction, decodeEdgeTransaction(item, { id: 'txn-1', idGenerated: false, receivedAt: 1_700_000_000_123 }));
  });

  test('an envelope for a generated id decodes with idGenerated and the receive time', () => {
    const s = sample();
    delete s['transaction-id'];
    delete s.timestamp;
    const text = encodeEnvelope({ clientId: 'c', receivedAt: 1_700_000_000_000, id: 'gen-1', idGenerated: true }, validateEdgeTransaction(s));
    const t = envelopeToTransaction(text).transaction;
    assert.equal(t.id, 'gen-1');
    assert.equal(t.idGenerated, true);
    assert.equal(t.timestamp, 1_700_000_000_000);
  });
});
