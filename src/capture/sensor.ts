// The Tapline sensor: a capturing reverse proxy. Traffic streams through untouched (status,
// headers and body as the upstream sent them; only hop-by-hop headers are handled, as a proxy
// must), while a copy of each body, up to a cap, becomes an Edge-format transaction for the
// forwarder. Capture never affects the proxied exchange: every capture step is guarded.
//
// Cost (bench/sensor): a capture is serialized straight to Edge JSON text (serializeCapture), with
// no intermediate object and no second serialization in the forwarder; body chunks are kept by
// reference (Node never reuses an emitted chunk) and encoded once; the host name is read once.
// buildTransaction is the reference shape the serializer must match (test/sensor.test.ts).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import type { EdgeTransaction } from '../wire/edge-format.ts';
import { TRUNCATION_HEADER } from '../wire/transaction.ts';
import { Forwarder, type ForwarderOptions } from './forwarder.ts';

export interface SensorOptions {
  host: string;
  port: number;
  upstream: string;
  maxBodyBytes: number;
  forwarder: ForwarderOptions;
  version?: string;
  /** false: a plain proxy, nothing captured (the baseline of bench/sensor). Default true. */
  capture?: boolean;
}

export interface RunningSensor {
  url: string;
  port: number;
  forwarder: Forwarder;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);

/** Raw header pairs without the hop-by-hop ones (including those the Connection header names). */
function endToEnd(raw: string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const n of raw[i + 1]!.split(',')) named.add(n.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|graphql|x-ndjson|problem\+json)\b)|^$/i;

/**
 * Bodies worth copying: not compressed, and a textual (or absent) content type. Read from the raw
 * header pairs as Node's `headers` object would give them (the first Content-Type; Content-Encoding
 * values joined with ", "), without building that object.
 */
function isTextual(raw: string[]): boolean {
  let type: string | undefined;
  let encoding: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && type === undefined && name.toLowerCase() === 'content-type') type = raw[i + 1]!;
    else if (name.length === 16 && name.toLowerCase() === 'content-encoding') encoding = encoding === undefined ? raw[i + 1]! : `${encoding}, ${raw[i + 1]!}`;
  }
  const e = (encoding ?? '').trim().toLowerCase();
  if (e !== '' && e !== 'identity') return false;
  return TEXTUAL.test((type ?? '').trim());
}

/** A request without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3): no tap needed. */
function requestHasBody(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if ((name.length === 14 && name.toLowerCase() === 'content-length') || (name.length === 17 && name.toLowerCase() === 'transfer-encoding')) return true;
  }
  return false;
}

/** What a body tap saw: its size, and (textual bodies) the kept bytes up to the cap. */
export interface TappedBody {
  length: number;
  /** false: binary or compressed, recorded by size only. */
  copy: boolean;
  /** The kept chunks (references to the stream's own chunks, cut at the cap). */
  chunks: Buffer[];
  kept: number;
}

/** Keeps a stream's bytes up to a cap as they flow past; never pauses or buffers the stream. */
class BodyTap implements TappedBody {
  chunks: Buffer[] = [];
  kept = 0;
  length = 0;
  private readonly cap: number;
  readonly copy: boolean;

  constructor(stream: Readable | null, cap: number, copy: boolean) {
    this.cap = cap;
    this.copy = copy;
    stream?.on('data', (chunk: Buffer) => {
      try {
        this.take(chunk);
      } catch {
        // capture only
      }
    });
  }

  private take(chunk: Buffer): void {
    this.length += chunk.length;
    if (!this.copy || this.kept >= this.cap) return;
    // No copy: a chunk a stream emitted is never written to again (the proxy only forwards it).
    const part = chunk.length <= this.cap - this.kept ? chunk : chunk.subarray(0, this.cap - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }
}

const bodyTruncated = (b: TappedBody | null) => b !== null && b.copy && b.length > b.kept;

const bodyBase64 = (b: TappedBody) => (b.chunks.length === 1 ? b.chunks[0]! : Buffer.concat(b.chunks, b.kept)).toString('base64');

/** Size only for binary or compressed bodies; no body object when there was none. */
function edgeBody(b: TappedBody | null): { length: number; data?: string } | undefined {
  if (b === null || b.length === 0) return undefined;
  if (!b.copy) return { length: b.length };
  return { length: b.length, data: bodyBase64(b) };
}

/** Base64 of a header value as its latin1 bytes (Node decodes header bytes as latin1). */
function latin1Base64(value: string): string {
  try {
    return btoa(value); // the same bytes as Buffer.from(value, 'latin1'), at half the cost
  } catch {
    return Buffer.from(value, 'latin1').toString('base64'); // a code point above U+00FF
  }
}

const TRUNCATED_ENTRY = `${TRUNCATION_HEADER}:${Buffer.from('true').toString('base64')}`;

function edgeHeaders(raw: string[], truncated: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push(`${raw[i]}:${latin1Base64(raw[i + 1]!)}`);
  if (truncated) out.push(TRUNCATED_ENTRY);
  return out;
}

const plainIp = (address: string | undefined) => (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

/** One proxied call as the capture sees it: plain data, so it can be built and tested alone. */
export interface Capture {
  id: string;
  started: number;
  method: string | undefined;
  url: string | undefined;
  host: string | undefined;
  encrypted: boolean;
  httpVersion: string;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  reqRawHeaders: string[];
  reqBody: TappedBody | null;
  /** null: the upstream could not be reached. */
  status: number | undefined | null;
  resRawHeaders: string[];
  resBody: TappedBody | null;
  version: string;
  instanceId: string;
  /** Milliseconds from the request's arrival to the end of the response. */
  latencyMs: number;
}

/** The Edge-format transaction of a capture, as an object (the reference for serializeCapture). */
export function buildTransaction(c: Capture): EdgeTransaction {
  const clientIp = plainIp(c.remoteAddress);
  const reqBody = edgeBody(c.reqBody);
  const resBody = edgeBody(c.resBody);
  return {
    timestamp: (c.started / 1000).toFixed(3),
    version: '1.0',
    'transaction-id': c.id,
    request: {
      'http-method': c.method ?? 'GET',
      'uri-query-fragment': c.url ?? '/',
      ...(c.host !== undefined && { host: c.host }),
      'http-scheme': c.encrypted ? 'https' : 'http',
      'http-version': c.httpVersion,
      'client-ip': clientIp,
      connection: {
        'connection-ip': clientIp,
        'connection-port': c.remotePort ?? 0,
        'server-ip': plainIp(c.localAddress),
        'server-port': c.localPort ?? 0,
      },
      headers: edgeHeaders(c.reqRawHeaders, bodyTruncated(c.reqBody)),
      ...(reqBody && { body: reqBody }),
    },
    response: {
      'status-code': c.status !== null ? String(c.status) : '',
      headers: c.status !== null ? edgeHeaders(c.resRawHeaders, bodyTruncated(c.resBody)) : [],
      ...(resBody && { body: resBody }),
    },
    'txn-meta-data': { source_info: { version: c.version, type: 'tapline-sensor', instance_id: c.instanceId }, data_extractions: { latency_ms: c.latencyMs } },
  };
}

/** Printable ASCII without `"` and `\`: a JSON string of these is the characters in quotes. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (s: string) => (JSON_PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));
const jsonNumber = (n: number) => JSON.stringify(n);

function jsonHeaders(raw: string[], truncated: boolean): string {
  let out = '[';
  for (let i = 0; i < raw.length; i += 2) {
    if (i > 0) out += ',';
    out += jsonString(`${raw[i]}:${latin1Base64(raw[i + 1]!)}`); // base64 is plain; the name may not be
  }
  if (truncated) out += raw.length > 0 ? `,"${TRUNCATED_ENTRY}"` : `"${TRUNCATED_ENTRY}"`;
  return `${out}]`;
}

function jsonBody(b: TappedBody | null): string {
  if (b === null || b.length === 0) return '';
  if (!b.copy) return `,"body":{"length":${b.length}}`;
  return `,"body":{"length":${b.length},"data":"${bodyBase64(b)}"}`;
}

/**
 * The capture as Edge JSON text: exactly JSON.stringify(buildTransaction(c)) (same fields, same
 * order, same escaping), written directly, at about half the cost.
 */
export function serializeCapture(c: Capture): string {
  const clientIp = jsonString(plainIp(c.remoteAddress));
  const upstream = c.status !== null;
  return `{"timestamp":"${(c.started / 1000).toFixed(3)}","version":"1.0","transaction-id":${jsonString(c.id)},` +
    `"request":{"http-method":${jsonString(c.method ?? 'GET')},"uri-query-fragment":${jsonString(c.url ?? '/')},` +
    `${c.host !== undefined ? `"host":${jsonString(c.host)},` : ''}"http-scheme":"${c.encrypted ? 'https' : 'http'}",` +
    `"http-version":${jsonString(c.httpVersion)},"client-ip":${clientIp},` +
    `"connection":{"connection-ip":${clientIp},"connection-port":${jsonNumber(c.remotePort ?? 0)},` +
    `"server-ip":${jsonString(plainIp(c.localAddress))},"server-port":${jsonNumber(c.localPort ?? 0)}},` +
    `"headers":${jsonHeaders(c.reqRawHeaders, bodyTruncated(c.reqBody))}${jsonBody(c.reqBody)}},` +
    `"response":{"status-code":${upstream ? jsonString(String(c.status)) : '""'},` +
    `"headers":${upstream ? jsonHeaders(c.resRawHeaders, bodyTruncated(c.resBody)) : '[]'}${jsonBody(c.resBody)}},` +
    `"txn-meta-data":{"source_info":{"version":${jsonString(c.version)},"type":"tapline-sensor","instance_id":${jsonString(c.instanceId)}},` +
    `"data_extractions":{"latency_ms":${jsonNumber(c.latencyMs)}}}}`;
}

interface Exchange {
  req: http.IncomingMessage;
  started: number;
  reqTap: BodyTap | null;
  upstream: http.IncomingMessage | null;
  resTap: BodyTap | null;
}

function captureOf(x: Exchange, version: string, instanceId: string): Capture {
  const { req, upstream } = x;
  const socket = req.socket;
  return {
    id: randomUUID(),
    started: x.started,
    method: req.method,
    url: req.url,
    host: req.headers.host,
    encrypted: (socket as { encrypted?: boolean }).encrypted === true,
    httpVersion: req.httpVersion,
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    reqRawHeaders: req.rawHeaders,
    reqBody: x.reqTap,
    status: upstream ? upstream.statusCode : null,
    resRawHeaders: upstream ? upstream.rawHeaders : [],
    resBody: x.resTap,
    version,
    instanceId,
    latencyMs: Date.now() - x.started,
  };
}

export async function startSensor(options: SensorOptions): Promise<RunningSensor> {
  const upstream = new URL(options.upstream);
  const secure = upstream.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const forwarder = new Forwarder(options.forwarder);
  forwarder.start();
  const version = options.version ?? 'unknown';
  const basePath = upstream.pathname.replace(/\/+$/, '');
  let instanceId = '';
  try {
    instanceId = hostname(); // once: it is a system call
  } catch {
    // capture only
  }

  const capture = (x: Exchange) => {
    try {
      forwarder.enqueueSerialized(serializeCapture(captureOf(x, version, instanceId)));
    } catch {
      // capture failures never reach the client
    }
  };

  const capturing = options.capture !== false;
  const server = http.createServer((req, res) => {
    res.sendDate = false; // the upstream's Date (or none) passes through unchanged
    const x: Exchange = { req, started: Date.now(), reqTap: capturing ? guardedTap(req, options.maxBodyBytes, true) : null, upstream: null, resTap: null };
    let captured = !capturing;
    const once = () => {
      if (!captured) {
        captured = true;
        capture(x);
      }
    };
    const proxied = (secure ? https : http).request({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port || (secure ? 443 : 80),
      method: req.method,
      path: basePath + (req.url ?? '/'),
      headers: endToEnd(req.rawHeaders) as unknown as http.OutgoingHttpHeaders,
      agent,
    });
    proxied.on('response', (up) => {
      x.upstream = up;
      if (capturing) x.resTap = guardedTap(up, options.maxBodyBytes, false);
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.rawHeaders) as unknown as http.OutgoingHttpHeaders);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    proxied.on('error', () => {
      if (!res.headersSent) {
        x.upstream = null;
        res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway: the upstream could not be reached\n');
      } else res.destroy();
      once();
    });
    res.on('close', () => {
      if (!res.writableFinished) proxied.destroy(); // the client went away: so does the upstream call
      once();
    });
    req.on('error', () => proxied.destroy());
    req.pipe(proxied);
  });

  // WebSocket and other upgrades: raw socket piping to the upstream, not captured.
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const port = Number(upstream.port || (secure ? 443 : 80));
    const onConnect = () => {
      const lines = [`${req.method} ${basePath}${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      target.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) target.write(head);
      target.pipe(socket);
      socket.pipe(target);
    };
    const target = secure ? tls.connect(port, upstream.hostname, { servername: upstream.hostname }, onConnect) : net.connect(port, upstream.hostname, onConnect);
    target.on('error', () => socket.destroy());
    socket.on('error', () => target.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    forwarder,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      await forwarder.stop();
    },
  };
}

function guardedTap(stream: http.IncomingMessage, cap: number, request: boolean): BodyTap {
  let copy = true;
  let listen = true;
  try {
    copy = isTextual(stream.rawHeaders);
    if (request) listen = requestHasBody(stream.rawHeaders);
  } catch {
    copy = false;
  }
  return new BodyTap(listen ? stream : null, cap, copy);
}
