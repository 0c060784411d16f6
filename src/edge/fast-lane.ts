// The ingestion fast lane. Captures post to the edge in one common shape: HTTP/1.1 keep-alive,
// POST to an ingestion path, a Content-Length body and a handful of headers. The lane reads such
// requests straight off the socket and answers them itself, without node:http's per-request
// objects, which were the largest part of the edge's cost per request (bench/ingest). A connection
// that sends anything else (another path or method, chunked bodies, Expect, Upgrade, HTTP/1.0,
// malformed or oversized heads) is handed to node:http from that request on, bytes included, so
// node:http's rules and answers apply to it unchanged; the lane only ever takes what it fully
// understands. Its timeouts mirror node:http's: headersTimeout and requestTimeout for a request
// being received, keepAliveTimeout between requests.
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { BodyError, type EdgeIngest, type IngestCall } from './ingest.ts';

type Route = NonNullable<ReturnType<EdgeIngest['route']>>;
type HeaderName = Parameters<IngestCall['header']>[0];

const HEAD_END = Buffer.from('\r\n\r\n');
/** node:http's default limit on a request's head: a longer head goes to node:http, which refuses it. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Bytes received ahead of what a request has asked for; beyond them reading pauses. */
const READ_AHEAD_BYTES = 64 * 1024;
const SWEEP_MS = 1000;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^\/[\x21-\x7e]*$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^\d{1,15}$/;
/** Characters not written in a response header value (our values are ASCII; this keeps them so). */
const NOT_HEADER_TEXT = /[^\x20-\x7e\t]/g;

/** A request head the lane serves. */
interface LaneHead {
  route: Route;
  contentLength: number;
  close: boolean;
  headers: Partial<Record<HeaderName, string>>;
}

const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

/** The head (request line and headers, without the blank line) if the lane can serve it, else null. */
export function parseLaneHead(text: string, route: (url: string) => Route | undefined): LaneHead | null {
  const lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) return null; // no headers, so no Host
  const requestLine = text.slice(0, lineEnd);
  if (!requestLine.startsWith('POST ') || !requestLine.endsWith(' HTTP/1.1')) return null;
  const target = requestLine.slice(5, -9);
  if (!TARGET.test(target)) return null;
  const r = route(target);
  if (r === undefined) return null;
  const headers: Partial<Record<HeaderName, string>> = {};
  let hosts = 0;
  let close = false;
  let at = lineEnd + 2;
  while (at < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next === -1) next = text.length;
    const line = text.slice(at, next);
    at = next + 2;
    const colon = line.indexOf(':');
    if (colon <= 0) return null; // also a folded line (it starts with a space)
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return null;
    const value = line.slice(colon + 1).replace(OWS_EDGES, '');
    if (BAD_VALUE.test(value)) return null;
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        hosts++;
        break;
      case 'content-length':
        if (headers['content-length'] !== undefined || !DIGITS.test(value)) return null;
        headers['content-length'] = value;
        break;
      case 'content-type':
      case 'content-encoding':
      case 'authorization':
        if (headers[lower] !== undefined) return null; // node:http decides what duplicates mean
        headers[lower] = value;
        break;
      case 'connection':
        for (const option of value.toLowerCase().split(',')) {
          const o = option.trim();
          if (o === 'close') close = true;
          else if (o === 'upgrade') return null;
        }
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return null;
    }
  }
  if (hosts !== 1 || headers['content-length'] === undefined) return null;
  return { route: r, contentLength: Number(headers['content-length']), close, headers };
}

let dateSecond = -1;
let dateText = '';
/** The Date header's value, made once per second. */
function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** One request served by the lane, as the edge sees it. */
class LaneCall implements IngestCall {
  readonly method = 'POST';
  answered = false;
  /** Body bytes still to come off the socket. */
  remaining: number;
  /** Body bytes received so far (dropped once answered: nobody will read them). */
  private chunks: Buffer[] = [];
  private received = 0;
  /** The edge asked for the body. */
  wanted = false;
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  /** The connection closed before the body was in. */
  private cut = false;
  private readonly conn: LaneConnection;
  private readonly head: LaneHead;

  constructor(conn: LaneConnection, head: LaneHead) {
    this.conn = conn;
    this.head = head;
    this.remaining = head.contentLength;
  }

  get remoteAddress(): string {
    return this.conn.socket.remoteAddress ?? '';
  }

  header(name: HeaderName): string | undefined {
    return this.head.headers[name];
  }

  /** Bytes held for the edge and not yet asked for. */
  get unclaimed(): number {
    return this.wanted ? 0 : this.received;
  }

  /** Takes up to `remaining` bytes of `data`; returns how many. */
  take(data: Buffer): number {
    const n = Math.min(this.remaining, data.length);
    if (n === 0) return 0;
    this.remaining -= n;
    if (!this.answered) {
      this.chunks.push(n === data.length ? data : data.subarray(0, n));
      this.received += n;
    }
    if (this.remaining === 0) this.settle();
    return n;
  }

  body(limit: number): Promise<Buffer> {
    if (this.head.contentLength > limit) {
      this.conn.closeAfterAnswer = true; // the body will not be read
      return Promise.reject(new BodyError('too_large'));
    }
    if (this.cut) return Promise.reject(new BodyError('cut_off'));
    this.wanted = true;
    this.conn.flowControl();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.settle();
    });
  }

  private settle(): void {
    if (this.waiter === null || this.remaining > 0) return;
    const { resolve } = this.waiter;
    this.waiter = null;
    const body = Buffer.concat(this.chunks, this.received);
    this.chunks = [];
    resolve(body);
  }

  /** The connection is gone: a wait for the body ends. */
  cutOff(): void {
    if (this.remaining > 0) this.cut = true;
    this.waiter?.reject(new BodyError('cut_off'));
    this.waiter = null;
  }

  answer(status: number, body: string, headers: Record<string, string> = {}): void {
    if (this.answered) return;
    this.answered = true;
    this.chunks = [];
    this.conn.answer(this, status, body, headers);
  }

  destroy(): void {
    this.conn.socket.destroy();
  }
}

/** A connection while the lane serves it. */
class LaneConnection {
  readonly socket: Socket;
  private readonly lane: FastLane;
  /** Bytes received that belong to requests not yet started. */
  private pending: Buffer | null = null;
  call: LaneCall | null = null;
  /** When the request being received started (0: none), for the head and request timeouts. */
  requestStartedAt = 0;
  lastActive = Date.now();
  closeAfterAnswer = false;
  private pausedHere = false;
  private gone = false;
  private readonly onData = (chunk: Buffer) => this.guard(() => this.receive(chunk));
  private readonly onEnd = () => this.guard(() => this.clientEnded());
  private readonly onError = () => this.socket.destroy();
  private readonly onClose = () => this.closed();

  constructor(socket: Socket, lane: FastLane) {
    this.socket = socket;
    this.lane = lane;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** True while nothing is being received or served: the connection can be closed. */
  get idle(): boolean {
    return this.call === null && this.pending === null;
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.lane.onError(err as Error);
      this.socket.destroy();
    }
  }

  private receive(chunk: Buffer): void {
    this.lastActive = Date.now();
    if (this.requestStartedAt === 0) this.requestStartedAt = this.lastActive;
    let data = chunk;
    if (this.call !== null && this.call.remaining > 0) data = data.subarray(this.call.take(data));
    if (data.length > 0) this.pending = this.pending === null ? data : Buffer.concat([this.pending, data]);
    if (this.call === null) this.next();
    else if (this.call.answered && this.call.remaining === 0) this.finish(); // the rest of an answered call's body, skipped
    else this.flowControl();
  }

  /** Starts the next request in `pending`, or hands the connection to node:http. */
  private next(): void {
    if (this.pending === null || this.gone) return;
    const end = this.pending.indexOf(HEAD_END);
    if (end === -1) {
      if (this.pending.length > MAX_HEAD_BYTES) this.handOver();
      return;
    }
    const head = end <= MAX_HEAD_BYTES ? parseLaneHead(this.pending.toString('latin1', 0, end), this.lane.route) : null;
    if (head === null) return this.handOver();
    const call = new LaneCall(this, head);
    this.call = call;
    if (head.close) this.closeAfterAnswer = true;
    const rest = this.pending.subarray(end + 4);
    const n = call.take(rest);
    this.pending = n === rest.length ? null : rest.subarray(n);
    this.flowControl();
    void this.lane.serve(call, head.route);
  }

  /** Pauses reading while too many received bytes wait for a request to claim them. */
  flowControl(): void {
    const waiting = (this.call?.unclaimed ?? 0) + (this.call !== null ? (this.pending?.length ?? 0) : 0);
    if (waiting > READ_AHEAD_BYTES && !this.pausedHere) {
      this.pausedHere = true;
      this.socket.pause();
    } else if (waiting <= READ_AHEAD_BYTES && this.pausedHere && !this.socket.writableNeedDrain) {
      this.pausedHere = false;
      this.socket.resume();
    }
  }

  answer(call: LaneCall, status: number, body: string, headers: Record<string, string>): void {
    if (this.gone || call !== this.call) return;
    const close = this.closeAfterAnswer || this.lane.closing || headers.connection === 'close';
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    for (const name in headers) if (name !== 'connection') head += `${name}: ${headers[name]!.replace(NOT_HEADER_TEXT, '')}\r\n`;
    head += `date: ${httpDate(Date.now())}\r\n`;
    head += close ? 'connection: close\r\n\r\n' : `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(this.lane.server.keepAliveTimeout / 1000)}\r\n\r\n`;
    this.socket.write(head + body);
    if (close) {
      this.gone = true;
      this.socket.end();
      return;
    }
    if (call.remaining === 0) this.finish();
    // else: the rest of its body is still coming; receive() skips it, then finish() runs
  }

  private finish(): void {
    this.call = null;
    this.requestStartedAt = this.pending === null ? 0 : Date.now();
    this.lastActive = Date.now();
    if (this.socket.writableNeedDrain) {
      // The client is not reading its answers: read no more requests until it does.
      this.pausedHere = true;
      this.socket.pause();
      this.socket.once('drain', () => this.guard(() => {
        this.pausedHere = false;
        this.socket.resume();
        this.next();
      }));
      return;
    }
    this.flowControl();
    this.next();
  }

  /** The client sent its last byte: a body still expected never comes; the answer closes. */
  private clientEnded(): void {
    if (this.call === null) return void this.socket.end();
    this.closeAfterAnswer = true;
    if (this.call.remaining > 0) this.call.cutOff();
  }

  private closed(): void {
    this.gone = true;
    this.call?.cutOff();
    this.lane.forget(this);
  }

  /** Hands the connection to node:http, with the bytes not yet consumed. */
  private handOver(): void {
    this.gone = true;
    const s = this.socket;
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.removeListener('error', this.onError);
    s.removeListener('close', this.onClose);
    this.lane.forget(this);
    s.pause();
    if (this.pending !== null) s.unshift(this.pending);
    this.pending = null;
    this.lane.handOver(s);
  }

  /** The sweep: closes a connection idle too long or receiving a request too slowly. */
  sweep(now: number): void {
    const server = this.lane.server;
    if (this.idle) {
      if (server.keepAliveTimeout > 0 && now - this.lastActive > server.keepAliveTimeout) this.socket.destroy();
      return;
    }
    const call = this.call;
    if (this.requestStartedAt === 0 || (call !== null && call.remaining === 0)) return; // being served: no limit
    const limit = call === null ? server.headersTimeout : server.requestTimeout;
    if (limit <= 0 || now - this.requestStartedAt <= limit) return;
    this.gone = true;
    call?.cutOff();
    if (call?.answered) this.socket.destroy(); // answered early; the rest of its body is too slow
    else this.socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n');
  }

  /** Closes the connection unless a request is being served; that one closes after its answer. */
  closeIfIdle(): void {
    if (this.call === null) this.socket.destroy();
    else this.closeAfterAnswer = true;
  }
}

/** Serves the ingestion requests of an http.Server's connections in the common shape (see top). */
export class FastLane {
  readonly server: Server;
  readonly route: (url: string) => Route | undefined;
  private readonly edge: EdgeIngest;
  private readonly httpConnection: (socket: Socket) => void;
  private readonly connections = new Set<LaneConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  readonly onError: (err: Error) => void;
  /** The server is closing: answers close their connections. */
  closing = false;

  constructor(server: Server, edge: EdgeIngest, httpConnection: (socket: Socket) => void, onError: (err: Error) => void) {
    this.server = server;
    this.edge = edge;
    this.route = (url) => edge.route(url);
    this.httpConnection = httpConnection;
    this.onError = onError;
  }

  adopt(socket: Socket): void {
    if (this.closing) return this.handOver(socket);
    this.connections.add(new LaneConnection(socket, this));
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  serve(call: LaneCall, route: Route): Promise<void> {
    return this.edge.serve(call, route);
  }

  handOver(socket: Socket): void {
    this.httpConnection.call(this.server, socket);
    socket.resume(); // node:http reads on; the bytes put back come first
  }

  forget(conn: LaneConnection): void {
    this.connections.delete(conn);
  }

  closeIdle(): void {
    this.closing = true;
    for (const conn of this.connections) conn.closeIfIdle();
  }

  closeAll(): void {
    this.closing = true;
    for (const conn of this.connections) conn.socket.destroy();
  }

  stop(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private sweep(): void {
    const now = Date.now();
    for (const conn of this.connections) conn.sweep(now);
  }
}

/**
 * Puts the fast lane in front of an http.Server whose request handler serves `edge`'s paths: the
 * lane takes each new connection and gives node:http those it does not serve. Closing the server
 * (close, closeIdleConnections, closeAllConnections) closes the lane's connections too.
 */
export function installFastLane(server: Server, edge: EdgeIngest, onError: (err: Error) => void): FastLane {
  const listeners = server.listeners('connection');
  if (listeners.length !== 1) throw new Error(`installFastLane: expected node:http's own connection listener only, found ${listeners.length}`);
  const httpConnection = listeners[0] as (socket: Socket) => void;
  server.removeListener('connection', httpConnection);
  const lane = new FastLane(server, edge, httpConnection, onError);
  server.on('connection', (socket: Socket) => lane.adopt(socket));
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    lane.closeIdle();
    closeIdle();
  };
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    lane.closeAll();
    closeAll();
  };
  server.on('close', () => lane.stop());
  return lane;
}
