// The ingestion fast lane (src/edge/fast-lane.ts): which request heads it serves itself, and, over
// raw sockets against a real server, that it keeps HTTP/1.1 right: keep-alive, pipelining, bodies
// split over many packets, answers sent before the body was read, Connection: close, hand-over of
// everything else to node:http mid-connection, its timeouts and the server's close.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { parseLaneHead } from '../src/edge/fast-lane.ts';
import { mulberry32 } from '../bench/lib.ts';
import { createClient, getToken, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

const route = (url: string) => (url.split('?')[0] === '/api-transaction' ? 'single' as const : url.split('?')[0] === '/api-transactions' ? 'batch' as const : undefined);
const head = (...lines: string[]) => lines.join('\r\n');
const BASE = ['POST /api-transaction HTTP/1.1', 'Host: edge.example', 'Content-Type: application/json', 'Content-Length: 12'];

describe('fast lane: which heads it serves', () => {
  test('the common shape: route, length, the headers the edge reads, case and spacing as HTTP allows', () => {
    const h = parseLaneHead(head('POST /api-transactions?x=1 HTTP/1.1', 'HOST: a', 'content-type:application/json ', 'Authorization: \tBearer abc', 'X-Other: ü', 'Content-Length: 00012', 'Connection: keep-alive'), route);
    assert.ok(h);
    assert.equal(h.route, 'batch');
    assert.equal(h.contentLength, 12);
    assert.equal(h.close, false);
    assert.deepEqual(h.headers, { 'content-type': 'application/json', authorization: 'Bearer abc', 'content-length': '00012' });
    assert.equal(parseLaneHead(head(...BASE, 'Connection: Keep-Alive, close'), route)?.close, true);
  });

  test('everything else goes to node:http', () => {
    const refused: Array<[string, string]> = [
      ['another method', head('PUT /api-transaction HTTP/1.1', ...BASE.slice(1))],
      ['HTTP/1.0', head('POST /api-transaction HTTP/1.0', ...BASE.slice(1))],
      ['another path', head('POST /api/v1/clients HTTP/1.1', ...BASE.slice(1))],
      ['an absolute URL', head('POST http://a/api-transaction HTTP/1.1', ...BASE.slice(1))],
      ['a space in the target', head('POST /api-transaction x HTTP/1.1', ...BASE.slice(1))],
      ['chunked', head(...BASE.slice(0, 3), 'Transfer-Encoding: chunked')],
      ['length and chunked', head(...BASE, 'Transfer-Encoding: chunked')],
      ['Expect', head(...BASE, 'Expect: 100-continue')],
      ['Upgrade', head(...BASE, 'Upgrade: websocket')],
      ['Connection: upgrade', head(...BASE, 'Connection: Upgrade')],
      ['no Host', head(BASE[0]!, ...BASE.slice(2))],
      ['two Hosts', head(...BASE, 'Host: b')],
      ['no Content-Length', head(...BASE.slice(0, 3))],
      ['two Content-Lengths', head(...BASE, 'Content-Length: 12')],
      ['a Content-Length that is not a number', head(...BASE.slice(0, 3), 'Content-Length: 1e3')],
      ['a negative Content-Length', head(...BASE.slice(0, 3), 'Content-Length: -1')],
      ['two Authorizations', head(...BASE, 'Authorization: Bearer a', 'Authorization: Bearer b')],
      ['two Content-Types', head(...BASE, 'Content-Type: text/plain')],
      ['a folded header', head(...BASE, 'X-A: 1', ' continued')],
      ['a space before the colon', head(...BASE, 'X-A : 1')],
      ['a header without a colon', head(...BASE, 'X-A')],
      ['a control character in a value', head(...BASE, 'X-A: a\x01b')],
      ['a bare line feed', head(...BASE, 'X-A: a\nX-B: b')],
      ['no headers at all', 'POST /api-transaction HTTP/1.1'],
    ];
    for (const [why, text] of refused) assert.equal(parseLaneHead(text, route), null, why);
  });
});

/** Reads HTTP/1.1 responses (Content-Length bodies) off a socket. */
class RawClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
    socket.on('error', () => {});
  }

  static open(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), hostname, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Runs `use` on a new connection, closed afterwards whatever happens. */
  static async session(url: string, use: (c: RawClient) => Promise<void>): Promise<void> {
    const c = await RawClient.open(url);
    try {
      await use(c);
    } finally {
      c.close();
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next response, or null if the connection closed first. */
  async response(timeoutMs = 10_000): Promise<{ status: number; headers: Record<string, string>; body: string } | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const lines = this.buf.toString('latin1', 0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
        const length = Number(headers['content-length'] ?? 0);
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.toString('utf8', end + 4, end + 4 + length);
          this.buf = this.buf.subarray(end + 4 + length);
          return { status: Number(lines[0]!.split(' ')[1]), headers, body };
        }
      }
      if (this.ended) return null;
      if (Date.now() > deadline) throw new Error(`no complete response within ${timeoutMs} ms (have ${JSON.stringify(this.buf.toString('latin1'))})`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
      this.waiting = null;
    }
  }

  /** Resolves once the server closed the connection. */
  async closed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the server kept the connection open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('fast lane over real sockets', () => {
  let server: TestServer;
  let token: string;
  let clientId: string;

  before(async () => {
    server = await startTestServer();
    const client = await createClient(server);
    clientId = client.clientId;
    token = await getToken(server, client.clientId, client.secret);
  });
  after(async () => {
    await server.destroy();
  });

  const request = (body: string, extra: string[] = [], path = '/api-transaction') =>
    `POST ${path} HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra.map((l) => `${l}\r\n`).join('')}\r\n${body}`;
  const transaction = (id = randomUUID()) => JSON.stringify(sampleTransaction({ id }));

  async function storedCount(id: string): Promise<number> {
    await server.runner.drain();
    const res = await server.admin(`/transactions?clientId=${encodeURIComponent(clientId)}&limit=1000`);
    return res.body.items.filter((t: { transactionId: string }) => t.transactionId === id).length;
  }

  test('keep-alive: several requests on one connection, each answered and stored', async () => {
    await RawClient.session(server.url, async (c) => {
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) {
        c.write(request(transaction(id)));
        const r = await c.response();
        assert.equal(r?.status, 200);
        assert.equal(r.body, '{"status":"OK"}');
        assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(r.headers.connection, 'keep-alive');
        assert.match(r.headers.date ?? '', /GMT$/);
      }
      for (const id of ids) assert.equal(await storedCount(id), 1);
    });
  });

  test('pipelined requests are answered in order, and a request for another path is handed to node:http mid-connection', async () => {
    await RawClient.session(server.url, async (c) => {
      const [a, b] = [randomUUID(), randomUUID()];
      c.write(request(transaction(a)) + request('{"data":[]}', [], '/api-transactions') + 'GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n' + request(transaction(b)));
      const answers = [await c.response(), await c.response(), await c.response(), await c.response()];
      assert.deepEqual(answers.map((r) => r?.status), [200, 200, 200, 200]);
      assert.equal(answers[0]!.body, '{"status":"OK"}');
      assert.deepEqual(JSON.parse(answers[1]!.body), { status: 'OK', accepted: 0 });
      assert.deepEqual(JSON.parse(answers[2]!.body), { status: 'ok' });
      assert.equal(answers[3]!.body, '{"status":"OK"}'); // node:http served the rest of the connection
      assert.equal(await storedCount(b), 1);
    });
  });

  test('any split of a pipelined stream over packets gives the same answers, in order', async () => {
    const random = mulberry32(7);
    const badToken = request(transaction()).replace(`Bearer ${token}`, 'Bearer nope');
    const sequences: Array<{ parts: string[]; statuses: number[] }> = [
      { parts: [request(transaction()), badToken, request('{"not json'), request(`[${transaction()},${transaction()}]`, [], '/api-transactions'), request(transaction())], statuses: [200, 401, 400, 200, 200] },
      { parts: [request(transaction()), 'GET /readyz HTTP/1.1\r\nHost: edge\r\n\r\n', badToken, request(transaction())], statuses: [200, 200, 401, 200] },
    ];
    for (let round = 0; round < 12; round++) {
      const { parts, statuses } = sequences[round % sequences.length]!;
      const bytes = Buffer.from(parts.join(''));
      await RawClient.session(server.url, async (c) => {
        for (let at = 0; at < bytes.length;) {
          const n = 1 + Math.floor(random() * (random() < 0.5 ? 16 : 4000));
          c.write(bytes.subarray(at, at + n));
          at += n;
          if (random() < 0.2) await new Promise((r) => setTimeout(r, 1));
        }
        const got: Array<number | undefined> = [];
        for (let i = 0; i < statuses.length; i++) got.push((await c.response())?.status);
        assert.deepEqual(got, statuses, `round ${round}`);
      });
    }
  });

  test('a request dribbled a few bytes at a time', async () => {
    await RawClient.session(server.url, async (c) => {
      const id = randomUUID();
      const bytes = Buffer.from(request(transaction(id)));
      for (let i = 0; i < bytes.length; i += 7) {
        c.write(bytes.subarray(i, i + 7));
        if (i % 140 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      assert.equal((await c.response())?.status, 200);
      assert.equal(await storedCount(id), 1);
    });
  });

  test('an answer given before the body is read (bad token) leaves the connection usable', async () => {
    await RawClient.session(server.url, async (c) => {
      const big = JSON.stringify({ pad: 'x'.repeat(300_000) });
      const refused = request(big).replace(`Bearer ${token}`, 'Bearer not-a-token');
      const id = randomUUID();
      c.write(refused.slice(0, 1000)); // the head and the start of the body
      const r = await c.response();
      assert.equal(r?.status, 401);
      c.write(refused.slice(1000) + request(transaction(id)));
      assert.equal((await c.response())?.status, 200);
      assert.equal(await storedCount(id), 1);
    });
  });

  test('Connection: close is honoured; a body above the limit is refused and the connection closed', async () => {
    const c = await RawClient.open(server.url);
    const r = await (async () => {
      c.write(request(transaction(), ['Connection: close']));
      return c.response();
    })();
    assert.equal(r?.status, 200);
    assert.equal(r.headers.connection, 'close');
    await c.closed();

    const d = await RawClient.open(server.url);
    d.write(`POST /api-transaction HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: 20000000\r\n\r\n{`);
    const big = await d.response();
    assert.equal(big?.status, 413);
    assert.equal(big.headers.connection, 'close');
    await d.closed();
  });

  test('chunked and Expect: 100-continue requests are served by node:http, the same way', async () => {
    await RawClient.session(server.url, async (c) => {
      const id = randomUUID();
      const body = transaction(id);
      c.write(`POST /api-transaction HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      assert.equal((await c.response())?.status, 200);
      assert.equal(await storedCount(id), 1);
    });
    await RawClient.session(server.url, async (d) => {
      const id = randomUUID();
      const full = request(transaction(id), ['Expect: 100-continue']);
      const split = full.indexOf('\r\n\r\n') + 4;
      d.write(full.slice(0, split));
      assert.equal((await d.response())?.status, 100);
      d.write(full.slice(split));
      assert.equal((await d.response())?.status, 200);
      assert.equal(await storedCount(id), 1);
    });
  });

  test('a client that goes away mid-body costs nothing; the server carries on', async () => {
    const c = await RawClient.open(server.url);
    const id = randomUUID();
    const full = request(transaction(id));
    c.write(full.slice(0, full.length - 10));
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    await RawClient.session(server.url, async (d) => {
      d.write(request(transaction()));
      assert.equal((await d.response())?.status, 200);
      assert.equal(await storedCount(id), 0);
    });
  });

  test('a head that never ends is answered 408 after headersTimeout, a body that stalls is cut off after requestTimeout, an idle connection is closed after keepAliveTimeout', async () => {
    const http = server.app.server;
    const saved = { headers: http.headersTimeout, request: http.requestTimeout, keepAlive: http.keepAliveTimeout };
    http.headersTimeout = 1000;
    http.requestTimeout = 1500;
    http.keepAliveTimeout = 1000;
    try {
      const slow = await RawClient.open(server.url);
      slow.write('POST /api-transaction HTTP/1.1\r\nHost: edge\r\n');
      const r = await slow.response(5000);
      assert.equal(r?.status, 408);
      await slow.closed(5000);

      // Refused at once for its token, then the rest of its body never comes.
      const stalled = await RawClient.open(server.url);
      stalled.write(request('{"pad":"' + 'x'.repeat(5000) + '"}').replace(`Bearer ${token}`, 'Bearer nope').slice(0, 600));
      assert.equal((await stalled.response())?.status, 401);
      await stalled.closed(5000);

      const idle = await RawClient.open(server.url);
      idle.write(request(transaction()));
      assert.equal((await idle.response())?.status, 200);
      const started = Date.now();
      await idle.closed(5000);
      assert.ok(Date.now() - started >= 900, 'closed before the keep-alive timeout');
    } finally {
      http.headersTimeout = saved.headers;
      http.requestTimeout = saved.request;
      http.keepAliveTimeout = saved.keepAlive;
    }
  });
});

test('fast lane: closing the server closes idle keep-alive connections at once', async () => {
  const server = await startTestServer();
  const client = await createClient(server);
  const token = await getToken(server, client.clientId, client.secret);
  const c = await RawClient.open(server.url);
  const body = JSON.stringify(sampleTransaction());
  c.write(`POST /api-transaction HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  assert.equal((await c.response())?.status, 200);
  const started = Date.now();
  await server.destroy();
  await c.closed(5000);
  assert.ok(Date.now() - started < 5000);
});
