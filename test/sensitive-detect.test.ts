// Unit tests of src/analysis/sensitive: every detector (valid, checksum-invalid, context up and
// down, decoys), structure-aware scanning with field paths and offsets (JSON, form, multipart,
// query, headers, cookies, text), and format-preserving masking.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  TYPES, typeInfo, DEFAULT_THRESHOLD, scanValue, scanJson, scanText, scanForm, scanQuery, scanHeaders, scanMultipart, scanTransaction,
  maskValue, maskTransaction, sdpInfoOf, luhn, ibanValid, ssnValid, abaValid, sinValid, ninoValid, base58CheckValid, bech32AddressValid, ethAddressValid,
  keccak256, cardBrand, tokenize, type Finding,
} from '../src/analysis/sensitive/index.ts';
import type { Transaction } from '../src/wire/transaction.ts';
import { phoneValid } from '../src/analysis/sensitive/detect.ts';
import { PhoneNumber } from 'libphonenumber-js/max';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----';

/** Names reported for `value` under `field` (at or above the threshold). */
const names = (value: string, field = '') => scanValue(value, field).map((f) => f.name);
const conf = (value: string, field: string, name: string) =>
  Math.max(0, ...scanValue(value, field, { includeBelowThreshold: true }).filter((f) => f.name === name).map((f) => f.confidence));

describe('registry', () => {
  test('every type has an upper snake case name, a category and a severity', () => {
    assert.ok(TYPES.length >= 20);
    for (const t of TYPES) {
      assert.match(t.name, /^[A-Z][A-Z0-9_]+$/);
      assert.ok(['PII', 'PCI', 'FINANCIAL', 'CREDENTIALS', 'NETWORK'].includes(t.category), t.name);
      assert.ok(['low', 'medium', 'high', 'critical'].includes(t.severity), t.name);
    }
    assert.equal(typeInfo('CREDIT_CARD')?.category, 'PCI');
    assert.equal(typeInfo('NOPE'), undefined);
  });
  test('field names split into tokens', () => {
    assert.deepEqual(tokenize('accounts.0.cardNumber'), ['accounts', 'card', 'number']);
    assert.deepEqual(tokenize('date_of-birth'), ['date', 'of', 'birth']);
    assert.deepEqual(tokenize('clientIPv4'), ['client', 'ipv4']);
  });
});

describe('checksums', () => {
  test('Luhn and issuer ranges', () => {
    assert.ok(luhn('4111111111111111'));
    assert.ok(!luhn('4111111111111112'));
    assert.equal(cardBrand('4111111111111111'), 'visa');
    assert.equal(cardBrand('5555555555554444'), 'mastercard');
    assert.equal(cardBrand('378282246310005'), 'amex');
    assert.equal(cardBrand('6011111111111117'), 'discover');
    assert.equal(cardBrand('1234567812345670'), null);
  });
  test('IBAN mod-97 and per-country length', () => {
    assert.ok(ibanValid('DE89370400440532013000'));
    assert.ok(ibanValid('GB82WEST12345698765432'));
    assert.ok(!ibanValid('GB82WEST12345698765433'));
    assert.ok(!ibanValid('DE8937040044053201300')); // one short for DE
  });
  test('SSN, ABA, SIN, NINO rules', () => {
    assert.ok(ssnValid('536904399'));
    for (const bad of ['000123456', '666123456', '900123456', '123001234', '123450000']) assert.ok(!ssnValid(bad), bad);
    assert.ok(abaValid('021000021'));
    assert.ok(abaValid('011000015'));
    assert.ok(!abaValid('021000022'));
    assert.ok(sinValid('130692544'));
    assert.ok(!sinValid('130692545'));
    assert.ok(ninoValid('AB123456C'));
    assert.ok(!ninoValid('DA123456C')); // D is never a first letter
    assert.ok(!ninoValid('AB123456E')); // suffix A-D
    assert.ok(!ninoValid('GB123456A')); // unallocated prefix
  });
  test('Keccak-256 known vectors and EIP-55', () => {
    assert.equal(keccak256(new Uint8Array(0)), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    assert.equal(keccak256(Buffer.from('abc')), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
    // more than one 136-byte block
    assert.equal(keccak256(Buffer.alloc(200, 0x61)).length, 64);
    for (const a of ['5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 'dbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', 'D1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
      assert.ok(ethAddressValid(a), a);
    }
    assert.ok(!ethAddressValid('5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'));
    assert.ok(ethAddressValid('5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')); // all lower: no checksum
  });
  test('Bitcoin base58check and bech32/bech32m', () => {
    assert.ok(base58CheckValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'));
    assert.ok(base58CheckValid('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'));
    assert.ok(!base58CheckValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'));
    assert.ok(bech32AddressValid('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'));
    assert.ok(bech32AddressValid('bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297'));
    assert.ok(!bech32AddressValid('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5'));
  });
});

describe('phone numbers', () => {
  test('validity with compiled patterns equals libphonenumber-js PhoneNumber#isValid', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const codes = ['1', '44', '49', '33', '61', '91', '31', '46', '7', '86', '81', '55', '52', '34', '39', '27', '234', '971', '353', '48'];
    const ref = (e: string) => {
      try {
        return new PhoneNumber(e as ConstructorParameters<typeof PhoneNumber>[0]).isValid();
      } catch {
        return false;
      }
    };
    let valid = 0;
    for (let i = 0; i < 4000; i++) {
      let d = '';
      for (let k = 6 + Math.floor(rnd() * 8); k > 0; k--) d += Math.floor(rnd() * 10);
      const e = `+${codes[Math.floor(rnd() * codes.length)]}${d}`;
      const want = ref(e);
      if (want) valid++;
      assert.equal(phoneValid(e), want, e);
    }
    assert.ok(valid > 200, `only ${valid} valid numbers drawn`);
  });
});

describe('detectors: valid, invalid, context', () => {
  const cases: Array<[type: string, field: string, valid: string, invalid: string | null]> = [
    ['CREDIT_CARD', 'cardNumber', '4111 1111 1111 1111', '4111 1111 1111 1112'],
    ['CREDIT_CARD', 'pan', '378282246310005', '378282246310006'],
    ['IBAN', 'iban', 'DE89 3704 0044 0532 0130 00', 'DE88 3704 0044 0532 0130 00'],
    ['US_SSN', 'ssn', '536-90-4399', '666-90-4399'],
    ['EMAIL', 'email', 'jane.doe+news@mail.example.org', 'jane.doe@localhost'],
    ['PHONE_NUMBER', 'phone', '+1 415-555-2671', '+1 115-555-2671'],
    ['PHONE_NUMBER', 'mobile', '+44 20 7946 0958', null],
    ['IPV4', 'clientIp', '203.0.113.7', '203.0.113.700'],
    ['IPV6', 'ip', '2001:db8::8a2e:370:7334', '2001:db8::8a2e::7334'],
    ['JWT', 'token', JWT, null],
    ['PASSWORD', 'password', 'hunter2', '********'],
    ['SECRET', 'client_secret', 'a8F3kZ0qP9xL2mN7vB4cR1tY', 'changeme'],
    ['AWS_ACCESS_KEY', 'value', 'AKIAIOSFODNN7EXAMPLE', null],
    ['AWS_SECRET_KEY', 'aws_secret_access_key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', null],
    ['GOOGLE_API_KEY', 'value', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', null],
    ['GITHUB_TOKEN', 'value', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', null],
    ['GITLAB_TOKEN', 'value', 'glpat-xK3v9Qm2Lp8Rt5Wz1Ys7', null],
    ['SLACK_TOKEN', 'value', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', null],
    ['STRIPE_KEY', 'value', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', null],
    ['SENDGRID_KEY', 'value', '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', null],
    ['NPM_TOKEN', 'value', 'npm_abcdefghijklmnopqrstuvwxyz0123456789', null],
    ['PRIVATE_KEY', 'value', PEM, null],
    ['ABA_ROUTING', 'routingNumber', '021000021', '021000022'],
    ['DATE_OF_BIRTH', 'dateOfBirth', '1985-03-12', '1985-13-12'],
    ['CA_SIN', 'sin', '130 692 544', '130 692 545'],
    ['UK_NINO', 'nino', 'AB 12 34 56 C', 'DQ 12 34 56 C'],
    ['BITCOIN_ADDRESS', 'wallet', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'],
    ['ETHEREUM_ADDRESS', 'wallet', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'],
    ['MAC_ADDRESS', 'mac', '00:1A:2B:3C:4D:5E', '00:1A:2B:3C:4D'],
  ];
  for (const [type, field, valid, invalid] of cases) {
    test(`${type}: ${valid.slice(0, 30)}`, () => {
      const found = scanValue(valid, field);
      const f = found.find((x) => x.name === type);
      assert.ok(f, `${type} not found in ${JSON.stringify(found)}`);
      assert.ok(f.confidence >= DEFAULT_THRESHOLD);
      assert.equal(f.start, 0);
      assert.equal(f.end, valid.length);
      if (invalid !== null) assert.ok(!names(invalid, field).includes(type), `${invalid} reported as ${type}`);
    });
  }
  test('every registered type has a case above', () => {
    const covered = new Set(cases.map((c) => c[0]));
    for (const t of TYPES) assert.ok(covered.has(t.name), t.name);
  });

  test('field names raise and lower confidence', () => {
    const card = '4111111111111111';
    assert.ok(conf(card, 'cardNumber', 'CREDIT_CARD') > conf(card, 'value', 'CREDIT_CARD'));
    assert.ok(conf(card, 'value', 'CREDIT_CARD') >= DEFAULT_THRESHOLD);
    assert.ok(conf(card, 'orderId', 'CREDIT_CARD') < DEFAULT_THRESHOLD);
    assert.ok(conf(card, 'transactionId', 'CREDIT_CARD') < DEFAULT_THRESHOLD);
    // context-dependent types need their name
    assert.deepEqual(names('021000021', 'value'), []);
    assert.deepEqual(names('021000021', 'routing_number'), ['ABA_ROUTING']);
    assert.deepEqual(names('1985-03-12', 'orderDate'), []);
    assert.deepEqual(names('1985-03-12', 'birthday'), ['DATE_OF_BIRTH']);
    assert.deepEqual(names('130692544', 'value'), []);
    assert.deepEqual(names('130692544', 'socialInsuranceNumber'), ['CA_SIN']);
    assert.deepEqual(names('536904399', 'ssn'), ['US_SSN']);
    // parents speak for generic leaves: card.number
    assert.deepEqual(scanJson('{"card":{"number":"4111111111111111"}}').map((f) => [f.field, f.name]), [['card.number', 'CREDIT_CARD']]);
  });

  test('decoys stay below the threshold', () => {
    assert.deepEqual(names('1718000000121', 'createdAt'), []); // a Luhn-valid ms timestamp
    assert.ok(luhn('1718000000121'));
    assert.deepEqual(names('4929123456789015', 'orderId'), []);
    assert.deepEqual(names('4155552671', 'customerId'), []); // looks like a US phone number
    assert.deepEqual(names('550e8400-e29b-41d4-a716-446655440000', 'id'), []);
    assert.deepEqual(names('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'sha256'), []);
    assert.deepEqual(names('1.2.3.4', 'version'), []);
    assert.deepEqual(names('Bearer', 'tokenType'), []);
    assert.deepEqual(scanJson('{"createdAt":1718000000121,"orderId":4929123456789015,"accountId":4155552671}'), []);
  });

  test('free text: nearby words are the context', () => {
    const text = 'Hi, my card is 4111 1111 1111 1111, SSN 536-90-4399, routing 021000021, call +44 20 7946 0958.';
    const found = scanText(text, 'REQUEST_BODY');
    const by = Object.fromEntries(found.map((f) => [f.name, text.slice(f.start, f.end)]));
    assert.deepEqual(by, { CREDIT_CARD: '4111 1111 1111 1111', US_SSN: '536-90-4399', ABA_ROUTING: '021000021', PHONE_NUMBER: '+44 20 7946 0958' });
    for (const f of found) assert.equal(f.field, '');
    assert.deepEqual(scanText('order 021000021 shipped').map((f) => f.name), []);
  });
});

describe('structure-aware scanning', () => {
  test('JSON: field paths, offsets inside the decoded value, escapes, numbers', () => {
    const body = JSON.stringify({
      accounts: [{ cardNumber: '4111111111111111', createdAt: 1718000000121 }, { cardNumber: 5555555555554444 }],
      user: { contact: { email: 'ann@example.com' }, note: 'mail me: bob@example.com please' },
      matrix: [[1, 2], ['x', 'eve@example.org']],
    }).replace('ann@example.com', 'ann\\u0040example.com');
    const found = scanJson(body, 'RESPONSE_BODY');
    const got = found.map((f) => `${f.location} ${f.field} ${f.name} ${f.start}-${f.end}`);
    assert.deepEqual(got, [
      'RESPONSE_BODY accounts.0.cardNumber CREDIT_CARD 0-16',
      'RESPONSE_BODY accounts.1.cardNumber CREDIT_CARD 0-16',
      'RESPONSE_BODY user.contact.email EMAIL 0-15',
      'RESPONSE_BODY user.note EMAIL 9-24',
      'RESPONSE_BODY matrix.1.1 EMAIL 0-15',
    ]);
    assert.equal('mail me: bob@example.com please'.slice(9, 24), 'bob@example.com');
  });
  test('JSON that does not parse is scanned as text; a parsed value is accepted too', () => {
    const cut = '{"user":{"ssn":"536-90-4399","email":"ann@exa';
    const found = scanJson(cut);
    assert.ok(found.some((f) => f.name === 'US_SSN' && f.field === 'user.ssn'));
    const garbage = 'oops, 536-90-4399 }';
    assert.deepEqual(scanJson(garbage).map((f) => [f.field, f.name, f.start]), [['', 'US_SSN', 6]]);
    assert.deepEqual(scanJson({ a: { email: 'x@example.com' } }).map((f) => f.field), ['a.email']);
  });
  test('form-urlencoded: decoded values, offsets in the decoded value', () => {
    const found = scanForm('name=Ann+Lee&email=ann%40example.com&card=4111-1111-1111-1111&note=call+%2B1+415-555-2671');
    assert.deepEqual(found.map((f) => `${f.field} ${f.name} ${f.start}-${f.end}`), ['email EMAIL 0-15', 'card CREDIT_CARD 0-19', 'note PHONE_NUMBER 5-20']);
  });
  test('query strings', () => {
    const found = scanQuery('/v1/users?email=ann%40example.com&page=2&access_token=' + JWT + '#frag');
    assert.deepEqual(found.map((f) => `${f.location} ${f.field} ${f.name}`), ['REQUEST_QUERY email EMAIL', 'REQUEST_QUERY access_token JWT']);
  });
  test('multipart: each part by name, JSON parts by path', () => {
    const body = [
      '--XyZ', 'Content-Disposition: form-data; name="ssn"', '', '536-90-4399',
      '--XyZ', 'Content-Disposition: form-data; name="profile"', 'Content-Type: application/json', '', '{"email":"ann@example.com"}',
      '--XyZ', 'Content-Disposition: form-data; name="avatar"; filename="a.png"', 'Content-Type: image/png', '', '4111111111111111',
      '--XyZ--', '',
    ].join('\r\n');
    const found = scanMultipart(body, 'XyZ');
    assert.deepEqual(found.map((f) => `${f.field} ${f.name} ${f.start}-${f.end}`), ['ssn US_SSN 0-11', 'profile.email EMAIL 0-15']);
  });
  test('headers and cookies: offsets inside the header value', () => {
    const headers: Array<[string, string]> = [
      ['Authorization', `Bearer ${JWT}`],
      ['Cookie', 'theme=dark; sessionToken=a8F3kZ0qP9xL2mN7vB4cR1tY; lang=en'],
      ['X-Api-Key', 'Zq8xP2mL9vB4cR1tYa8F3kZ0'],
      ['X-Forwarded-For', '203.0.113.7'],
      ['Proxy-Authorization', 'Basic ' + Buffer.from('ann:s3cret').toString('base64')],
      ['Content-Type', 'application/json'],
    ];
    const found = scanHeaders(headers, 'REQUEST_HEADERS');
    const got = found.map((f) => `${f.field} ${f.name} ${f.start}-${f.end} #${f.index}`);
    assert.deepEqual(got, [
      `authorization JWT 7-${7 + JWT.length} #0`,
      'cookie.sessionToken SECRET 25-49 #1',
      'x-api-key SECRET 0-24 #2',
      'x-forwarded-for IPV4 0-11 #3',
      'proxy-authorization PASSWORD 6-22 #4',
    ]);
    assert.equal(headers[1]![1].slice(25, 49), 'a8F3kZ0qP9xL2mN7vB4cR1tY');
  });
});

function tx(overrides: { uri?: string; reqHeaders?: Array<[string, string]>; reqBody?: string; resHeaders?: Array<[string, string]>; resBody?: string } = {}): Transaction {
  const body = (s: string | undefined) => (s === undefined ? null : { bytes: Buffer.from(s), length: Buffer.byteLength(s), truncated: false });
  return {
    id: 't1', idGenerated: false, timestamp: 1718000000000, version: '1.0',
    request: {
      method: 'POST', uri: overrides.uri ?? '/v1/accounts', host: 'api.example.com', scheme: 'https', httpVersion: '1.1', clientIp: '203.0.113.7', clientIpRule: 'client-ip',
      connection: { connectionIp: '10.0.0.4', serverIp: '10.0.1.9' }, headers: overrides.reqHeaders ?? [['content-type', 'application/json']], body: body(overrides.reqBody),
    },
    response: { status: 200, headers: overrides.resHeaders ?? [['content-type', 'application/json']], body: body(overrides.resBody) },
    meta: {},
  };
}

describe('scanTransaction', () => {
  test('all parts, locations as in sdp_info', () => {
    const t = tx({
      uri: '/v1/users?email=ann%40example.com',
      reqHeaders: [['content-type', 'application/x-www-form-urlencoded'], ['authorization', `Bearer ${JWT}`]],
      reqBody: 'password=hunter2&card=4111111111111111',
      resHeaders: [['content-type', 'text/plain'], ['set-cookie', 'sid_token=Zq8xP2mL9vB4cR1tYa8F3kZ0; Path=/; HttpOnly']],
      resBody: 'Your SSN 536-90-4399 is on file.',
    });
    const r = scanTransaction(t);
    assert.deepEqual(r.locations.map((f) => `${f.location} ${f.field} ${f.name}`), [
      'REQUEST_QUERY email EMAIL',
      'REQUEST_HEADERS authorization JWT',
      'RESPONSE_HEADERS set-cookie.sid_token SECRET',
      'REQUEST_BODY password PASSWORD',
      'REQUEST_BODY card CREDIT_CARD',
      'RESPONSE_BODY  US_SSN',
    ]);
    assert.equal(r.found, 6);
    assert.equal(r.types.CREDIT_CARD, 1);
    for (const f of r.locations) assert.equal(f.type, 'SDE');
  });
  test('compressed and binary bodies are skipped', () => {
    const t = tx({ resHeaders: [['content-type', 'application/json'], ['content-encoding', 'gzip']], resBody: '{"ssn":"536-90-4399"}' });
    assert.equal(scanTransaction(t).found, 0);
    const b = tx({ resHeaders: [['content-type', 'image/png']], resBody: '536-90-4399' });
    assert.equal(scanTransaction(b).found, 0);
  });
});

describe('masking', () => {
  const classes = (s: string) => s.replace(/[0-9]/g, '9').replace(/[A-Z]/g, 'A').replace(/[a-z]/g, 'a');
  test('maskValue keeps length, character classes and separators; cards keep the last four', () => {
    for (const [type, v] of [['CREDIT_CARD', '4111-1111-1111-1234'], ['EMAIL', 'Jane.Doe@Example.com'], ['IBAN', 'DE89 3704 0044 0532 0130 00'], ['JWT', JWT], ['PHONE_NUMBER', '+1 (415) 555-2671']] as const) {
      const m = maskValue(type, v, { key: 'k' });
      assert.equal(m.length, v.length);
      assert.equal(classes(m), classes(v));
      assert.notEqual(m, v);
    }
    const card = maskValue('CREDIT_CARD', '4111 1111 1111 1234', { key: 'k' });
    assert.ok(card.endsWith('1234'));
    assert.notEqual(card.slice(0, 14), '4111 1111 1111');
    const pem = maskValue('PRIVATE_KEY', PEM, { key: 'k' });
    assert.ok(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----') && pem.endsWith('-----END RSA PRIVATE KEY-----'));
    assert.equal(pem.length, PEM.length);
  });
  test('maskValue is one-way: keyed, deterministic per key, different across keys', () => {
    const v = '536-90-4399';
    assert.equal(maskValue('US_SSN', v, { key: 'a' }), maskValue('US_SSN', v, { key: 'a' }));
    assert.notEqual(maskValue('US_SSN', v, { key: 'a' }), maskValue('US_SSN', v, { key: 'b' }));
    // neighbouring inputs do not give neighbouring outputs (no digit-by-digit substitution)
    const a = maskValue('US_SSN', '536-90-4399', { key: 'a' });
    const b = maskValue('US_SSN', '536-90-4398', { key: 'a' });
    assert.notEqual(a.slice(0, 6), b.slice(0, 6));
    // the default key is random per process: without the key, nothing maps back
    assert.equal(maskValue('US_SSN', v).length, v.length);
  });
  test('maskTransaction: bodies, query and headers masked in place, offsets kept', () => {
    const json = JSON.stringify({ accounts: [{ cardNumber: '4111 1111 1111 1111', note: 'call +1 415-555-2671 now', createdAt: 1718000000121 }], user: { email: 'ann\u00e9@example.com', n: 4929123456789015 } })
      .replace('"n"', '"cardNumber"');
    const t = tx({
      uri: '/v1/x?email=bob%40example.com&page=2',
      reqHeaders: [['content-type', 'application/json'], ['authorization', `Bearer ${JWT}`]],
      reqBody: json,
      resHeaders: [['content-type', 'text/plain']],
      resBody: 'SSN 536-90-4399 ok',
    });
    const found = scanTransaction(t).locations;
    const { tx: masked, sdpInfo } = maskTransaction(t, found, { key: 'test' });
    assert.equal(sdpInfo.found, found.length);
    assert.equal(sdpInfo.transformed, found.length);
    assert.deepEqual(masked.meta.sdpInfo, sdpInfo);
    assert.deepEqual(sdpInfoOf(found, found.length), sdpInfo);
    assert.deepEqual(Object.keys(sdpInfo.locations[0]!).sort(), ['end', 'field', 'location', 'name', 'start', 'type']);
    // request body: same bytes everywhere except the detected values
    const before = t.request.body!.bytes;
    const after = masked.request.body!.bytes;
    assert.equal(after.length, before.length);
    const parsed = JSON.parse(after.toString('utf8'));
    assert.match(parsed.accounts[0].cardNumber, /^\d{4} \d{4} \d{4} 1111$/);
    assert.notEqual(parsed.accounts[0].cardNumber, '4111 1111 1111 1111');
    assert.equal(parsed.accounts[0].createdAt, 1718000000121);
    assert.match(parsed.accounts[0].note, /^call \+\d \d{3}-\d{3}-\d{4} now$/);
    assert.match(parsed.user.email, /^[a-z]{3}é@[a-z]{7}\.[a-z]{3}$/);
    assert.match(after.toString('utf8'), /"cardNumber":\d{12}9015\}/); // raw: a masked number may exceed 2^53
    const changed: number[] = [];
    for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) changed.push(i);
    const text = before.toString('latin1');
    const spans = ['4111 1111 1111 1111', '+1 415-555-2671', 'ann\u00e9@example.com', '4929123456789015'].map((v) => {
      const s = Buffer.from(text, 'latin1').indexOf(Buffer.from(v));
      return [s, s + Buffer.byteLength(v)];
    });
    for (const i of changed) assert.ok(spans.some(([s, e]) => i >= s! && i < e!), `byte ${i} changed outside a finding`);
    // query: percent-encoding kept, other parameters untouched
    assert.match(masked.request.uri, /^\/v1\/x\?email=[a-z]{3}%40[a-z]{7}\.[a-z]{3}&page=2$/);
    // header: scheme kept, token masked with the same shape
    const auth = masked.request.headers[1]![1];
    assert.ok(auth.startsWith('Bearer ') && auth.length === `Bearer ${JWT}`.length && auth !== `Bearer ${JWT}`);
    assert.match(masked.response.body!.bytes.toString(), /^SSN \d{3}-\d{2}-\d{4} ok$/);
    // the input is not modified
    assert.equal(t.request.body!.bytes.toString(), json);
    assert.equal(t.request.uri, '/v1/x?email=bob%40example.com&page=2');
  });
  test('maskTransaction: invalid UTF-8 and cut bodies keep every other byte', () => {
    const bytes = Buffer.concat([Buffer.from('x\xff\xfe y '), Buffer.from([0xc3]), Buffer.from(' SSN 536-90-4399 \u00e9 end')]);
    const t = tx({ resHeaders: [['content-type', 'text/plain']] });
    t.response.body = { bytes, length: bytes.length, truncated: false };
    const found = scanTransaction(t).locations;
    assert.deepEqual(found.map((f) => f.name), ['US_SSN']);
    const out = maskTransaction(t, found, { key: 'k' }).tx.response.body!.bytes;
    assert.equal(out.length, bytes.length);
    const at = bytes.indexOf(Buffer.from('536-90-4399'));
    for (let i = 0; i < bytes.length; i++) {
      if (i >= at && i < at + 11) assert.equal((out[i]! >= 48 && out[i]! <= 57) || out[i] === 45, true);
      else assert.equal(out[i], bytes[i], `byte ${i}`);
    }
    assert.notDeepEqual(out.subarray(at, at + 11), bytes.subarray(at, at + 11));
    // a body scanned only up to maxBodyBytes keeps its tail
    const long = tx({ resHeaders: [['content-type', 'text/plain']], resBody: 'SSN 536-90-4399 ' + 'z'.repeat(100) });
    const lf = scanTransaction(long, { maxBodyBytes: 40 }).locations;
    const lo = maskTransaction(long, lf, { key: 'k', maxBodyBytes: 40 }).tx.response.body!.bytes.toString();
    assert.equal(lo.length, 116);
    assert.ok(lo.endsWith('z'.repeat(100)) && !lo.includes('536-90-4399'));
  });
  test('maskTransaction: form, multipart and JSON with escapes', () => {
    const form = tx({ reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: 'a=1&email=ann%40example.com&ssn=536-90-4399' });
    const m1 = maskTransaction(form, scanTransaction(form).locations, { key: 'k' }).tx.request.body!.bytes.toString();
    assert.match(m1, /^a=1&email=[a-z]{3}%40[a-z]{7}\.[a-z]{3}&ssn=\d{3}-\d{2}-\d{4}$/);
    assert.ok(!m1.includes('536-90-4399'));
    const esc = tx({ reqBody: '{"e":"ann\\u0040example.com","ssn":"536\\u002d90-4399"}' });
    const m2 = maskTransaction(esc, scanTransaction(esc).locations, { key: 'k' }).tx.request.body!.bytes.toString();
    assert.equal(m2.length, esc.request.body!.bytes.length);
    const p = JSON.parse(m2);
    assert.match(p.e, /^[a-z]{3}@[a-z]{7}\.[a-z]{3}$/);
    assert.match(p.ssn, /^\d{3}-\d{2}-\d{4}$/);
    assert.notEqual(p.ssn, '536-90-4399');
    const mp = ['--B', 'Content-Disposition: form-data; name="profile"', 'Content-Type: application/json', '', '{"ssn":"536-90-4399"}', '--B--', ''].join('\r\n');
    const mt = tx({ reqHeaders: [['content-type', 'multipart/form-data; boundary=B']], reqBody: mp });
    const loc = scanTransaction(mt).locations;
    assert.deepEqual(loc.map((f) => f.field), ['profile.ssn']);
    const m3 = maskTransaction(mt, loc, { key: 'k' }).tx.request.body!.bytes.toString();
    assert.equal(m3.length, mp.length);
    assert.ok(!m3.includes('536-90-4399') && m3.includes('{"ssn":"'));
  });
});

// Findings carry everything the store needs; the type is exported for the analyzers.
const _typecheck: Finding | undefined = undefined;
void _typecheck;
