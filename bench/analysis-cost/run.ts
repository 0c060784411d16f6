// Analysis cost bench (see bench/README.md): what the per-transaction steps of analysis cost on
// transactions of different shapes (a long query string, a form body, large JSON with distinct or
// repeated personal data, an HTML response full of it, many cookies), each as a multiple of
// JSON.parse of the same transaction's Edge JSON, measured in the same run. It finds the shapes
// where one step costs far more than the others (the pipeline bench's traffic has few shapes).
//
//   node bench/analysis-cost/run.ts [--round-ms 100]   (each figure: the median of 5 rounds)
import { decodeEdgeTransaction } from '../../src/wire/edge-format.ts';
import { protect } from '../../src/analysis/protect.ts';
import { passiveChecks } from '../../src/analysis/threats/passive.ts';
import { scanRequestValues } from '../../src/analysis/threats/scan.ts';
import { actorOf } from '../../src/analysis/threats/actors.ts';
import { setting } from '../lib.ts';

const ROUND_MS = Math.max(10, Math.round(setting('round-ms', 'BENCH_ROUND_MS', 100)));
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Shape { uri?: string; method?: string; reqHeaders?: Array<[string, string]>; reqBody?: string; resHeaders?: Array<[string, string]>; resBody?: string }
function edge(o: Shape) {
  const h = (l: Array<[string, string]>) => l.map(([n, v]) => `${n}:${b64(v)}`);
  const body = (s?: string) => (s ? { body: { length: Buffer.byteLength(s), data: b64(s) } } : {});
  return {
    'transaction-id': 'bench',
    request: { 'http-method': o.method ?? 'GET', 'uri-query-fragment': o.uri ?? '/v1/items/7', host: 'api.example', 'client-ip': '203.0.113.7', connection: { 'connection-ip': '10.0.0.1', 'server-ip': '10.0.0.2' }, headers: h(o.reqHeaders ?? []), ...body(o.reqBody) },
    response: { 'status-code': '200', headers: h(o.resHeaders ?? [['content-type', 'application/json']]), ...body(o.resBody) },
  };
}

const people = Array.from({ length: 60 }, (_, i) => ({ id: i, name: `Person ${i}`, email: `person.${i}@example.org`, phone: `+1 415-555-${String(2600 + i).padStart(4, '0')}`, note: 'lorem ipsum dolor sit amet' }));
const orders = Array.from({ length: 60 }, (_, i) => ({ orderId: 1000 + i, total: 12.5 + i, customer: { email: 'ada.lovelace@example.org', phone: '+1 415-555-2671' }, card: '4111 1111 1111 1111' }));
const SHAPES: Record<string, Shape> = {
  'small JSON': { resBody: JSON.stringify({ id: 1, name: 'x' }) },
  'query, 30 params': { uri: `/search?${Array.from({ length: 30 }, (_, i) => `param${i}=value-${i}-${'abc'.repeat(5)}`).join('&')}` },
  'form, 40 fields': { method: 'POST', uri: '/signup', reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: Array.from({ length: 40 }, (_, i) => `field${i}=${encodeURIComponent(`some value ${i}`)}`).join('&') },
  'JSON, 60 people': { resBody: JSON.stringify(people) },
  'JSON, 60 orders of one customer': { resBody: JSON.stringify(orders) },
  'HTML 30 KB, 400 contacts': { resHeaders: [['content-type', 'text/html']], resBody: `<html><body>${Array.from({ length: 400 }, (_, i) => `<p>Write to desk${i}@example.org or call +1 415-555-${String(1000 + i)}.</p>`).join('')}</body></html>` },
  '12 cookies': { reqHeaders: [['cookie', `${Array.from({ length: 12 }, (_, i) => `c${i}=${'v'.repeat(40)}${i}`).join('; ')}; session=abcdef0123456789abcdef`]] },
};

/** Median over 5 rounds of the time per call; each round lasts about ROUND_MS. */
function usPerCall(f: () => unknown): number {
  for (let i = 0; i < 20; i++) f();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const started = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < ROUND_MS * 1e6 || calls < 5) {
      f();
      calls++;
      elapsed = Number(process.hrtime.bigint() - started);
    }
    rounds.push(elapsed / calls / 1000);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

console.log(`# Analysis cost per transaction shape, as multiples of JSON.parse of its Edge JSON (medians of 5 rounds of ${ROUND_MS} ms)\n`);
console.log('| shape | JSON.parse | protect (scan + mask) | passive checks | injection scan | actor |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, shape] of Object.entries(SHAPES)) {
  const e = edge(shape);
  const text = JSON.stringify(e);
  const t = decodeEdgeTransaction(e as never, { id: 'bench', idGenerated: false, receivedAt: 0 });
  const parse = usPerCall(() => JSON.parse(text));
  const steps = [() => protect(t, 'bench-key'), () => passiveChecks(t, 'e', 0), () => scanRequestValues(t), () => actorOf(t, 'bench-key')].map(usPerCall);
  console.log(`| ${name} | ${parse.toFixed(1)} µs | ${steps.map((s) => `${(s / parse).toFixed(1)}x`).join(' | ')} |`);
}
