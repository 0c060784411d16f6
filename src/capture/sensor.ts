// The Tapline sensor: a capturing reverse proxy. Traffic streams through untouched (status,
// headers and body as the upstream sent them; only hop-by-hop headers are handled, as a proxy
// must), while a copy of each body, up to a cap, becomes an Edge-format transaction for the
// forwarder. Capture never affects the proxied exchange: every capture step is guarded.
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

/** Bodies worth copying: not compressed, and a textual (or absent) content type. */
function isTextual(headers: http.IncomingHttpHeaders): boolean {
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') return false;
  return TEXTUAL.test((headers['content-type'] ?? '').trim());
}

/** Copies a stream's bytes up to a cap as they flow past; never pauses or buffers the stream. */
class BodyTap {
  private chunks: Buffer[] = [];
  private kept = 0;
  length = 0;
  private readonly cap: number;
  private readonly copy: boolean;

  constructor(stream: Readable, cap: number, copy: boolean) {
    this.cap = cap;
    this.copy = copy;
    stream.on('data', (chunk: Buffer) => {
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
    const part = chunk.subarray(0, this.cap - this.kept);
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  get truncated(): boolean {
    return this.copy && this.length > this.kept;
  }

  /** Size only for binary or compressed bodies; no body object when there was none. */
  toEdge(): { length: number; data?: string } | undefined {
    if (this.length === 0) return undefined;
    if (!this.copy) return { length: this.length };
    return { length: this.length, data: Buffer.concat(this.chunks).toString('base64') };
  }
}

function edgeHeaders(raw: string[], truncated: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push(`${raw[i]}:${Buffer.from(raw[i + 1]!, 'latin1').toString('base64')}`);
  if (truncated) out.push(`${TRUNCATION_HEADER}:${Buffer.from('true').toString('base64')}`);
  return out;
}

const plainIp = (address: string | undefined) => (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

interface Exchange {
  req: http.IncomingMessage;
  started: number;
  reqTap: BodyTap | null;
  upstream: http.IncomingMessage | null;
  resTap: BodyTap | null;
}

function buildTransaction(x: Exchange, version: string): EdgeTransaction {
  const { req } = x;
  const socket = req.socket;
  const clientIp = plainIp(socket.remoteAddress);
  const reqBody = x.reqTap?.toEdge();
  const resBody = x.resTap?.toEdge();
  return {
    timestamp: (x.started / 1000).toFixed(3),
    version: '1.0',
    'transaction-id': randomUUID(),
    request: {
      'http-method': req.method ?? 'GET',
      'uri-query-fragment': req.url ?? '/',
      ...(req.headers.host !== undefined && { host: req.headers.host }),
      'http-scheme': (socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
      'http-version': req.httpVersion,
      'client-ip': clientIp,
      connection: {
        'connection-ip': clientIp,
        'connection-port': socket.remotePort ?? 0,
        'server-ip': plainIp(socket.localAddress),
        'server-port': socket.localPort ?? 0,
      },
      headers: edgeHeaders(req.rawHeaders, x.reqTap?.truncated ?? false),
      ...(reqBody && { body: reqBody }),
    },
    response: {
      'status-code': x.upstream ? String(x.upstream.statusCode) : '',
      headers: x.upstream ? edgeHeaders(x.upstream.rawHeaders, x.resTap?.truncated ?? false) : [],
      ...(resBody && { body: resBody }),
    },
    'txn-meta-data': { source_info: { version, type: 'tapline-sensor', instance_id: hostname() } },
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

  const capture = (x: Exchange) => {
    try {
      forwarder.enqueue(buildTransaction(x, version));
    } catch {
      // capture failures never reach the client
    }
  };

  const capturing = options.capture !== false;
  const server = http.createServer((req, res) => {
    res.sendDate = false; // the upstream's Date (or none) passes through unchanged
    const x: Exchange = { req, started: Date.now(), reqTap: capturing ? guardedTap(req, options.maxBodyBytes, req.headers) : null, upstream: null, resTap: null };
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
      if (capturing) x.resTap = guardedTap(up, options.maxBodyBytes, up.headers);
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

function guardedTap(stream: Readable, cap: number, headers: http.IncomingHttpHeaders): BodyTap {
  let copy = true;
  try {
    copy = isTextual(headers);
  } catch {
    copy = false;
  }
  return new BodyTap(stream, cap, copy);
}
