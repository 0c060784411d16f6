// The Tapline sensor: a capturing reverse proxy. Traffic streams through untouched (status,
// headers and body as the upstream sent them; only hop-by-hop headers are handled, as a proxy
// must), while a copy of each body, up to a cap, becomes an Edge-format transaction for the
// forwarder. Capture never affects the proxied exchange: every capture step is guarded.
//
// Cost (bench/sensor): the proxy's event loop only records each call as plain data (a CallRecord,
// body chunks kept by reference until the call ends, since Node never reuses an emitted chunk);
// serializing it to Edge JSON and forwarding it happen on the capture thread (capture-thread.ts).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { NO_FORWARDER_METRICS, type ForwarderMetrics, type ForwarderOptions } from './forwarder.ts';
import type { CallRecord, CapturedBody } from './capture-format.ts';
import { CaptureThread } from './capture-thread.ts';

export interface SensorOptions {
  host: string;
  port: number;
  upstream: string;
  maxBodyBytes: number;
  forwarder: ForwarderOptions;
  version?: string;
  /** false: a plain proxy, nothing captured (the baseline of bench/sensor). Default true. */
  capture?: boolean;
  /** Where to serve /healthz, /readyz and /metrics (the proxy's own port passes every path upstream). */
  statusListen?: { host: string; port: number };
}

/** The sensor's capture, as far as its operator sees it. */
export interface CaptureControl {
  /** Resolves once every call so far was sent to the edge, spooled or dropped. */
  flush(): Promise<void>;
  metrics(): ForwarderMetrics;
  /** When the edge last took a batch (ms since the epoch; null: never). */
  readonly lastDelivery: number | null;
}

export interface RunningSensor {
  url: string;
  port: number;
  /** Base URL of the status endpoints, when statusListen was given. */
  statusUrl: string | null;
  forwarder: CaptureControl;
  close(): Promise<void>;
}

const NOT_CAPTURING: CaptureControl = {
  flush: () => Promise.resolve(),
  metrics: () => ({ ...NO_FORWARDER_METRICS }),
  lastDelivery: null,
};

/** A delivery within this long counts as delivering, whatever waits. */
const DELIVERING_WITHIN_MS = 30_000;

/**
 * The operator's view of a sensor: /healthz (always 200) and /readyz (503 when not delivering)
 * with the capture's state as JSON, and /metrics in Prometheus text. Delivering: capture is off,
 * nothing waits, or the edge took a batch within the last 30 s.
 */
function statusServer(calls: () => number, capture: CaptureControl, capturing: boolean): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const m = capture.metrics();
    if (path === '/healthz' || path === '/readyz') {
      const last = capture.lastDelivery;
      const delivering = !capturing || (m.queued === 0 && m.spoolQueued === 0) || (last !== null && Date.now() - last < DELIVERING_WITHIN_MS);
      const status = !capturing ? 'capture off' : delivering ? 'delivering' : 'not delivering';
      res.writeHead(delivering || path === '/healthz' ? 200 : 503, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ status, calls: calls(), forwarder: m, lastDelivery: last === null ? null : new Date(last).toISOString() }));
    }
    if (path === '/metrics') {
      const lines = [
        ['tapline_sensor_calls_total', calls()], ['tapline_forwarder_sent_total', m.sent], ['tapline_forwarder_retried_total', m.retried],
        ['tapline_forwarder_spooled_total', m.spooled], ['tapline_forwarder_dropped_total', m.dropped], ['tapline_forwarder_queued', m.queued],
        ['tapline_forwarder_spool_queued', m.spoolQueued],
      ].map(([n, v]) => `${n} ${v}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(`${lines.join('\n')}\n`);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ERROR', error: 'not_found', message: `no ${path} here: the status port serves /healthz, /readyz and /metrics` }));
  });
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

/** A header's first value (`name` in lower case), as `req.headers` gives it, without building that object. */
function firstHeader(raw: string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === name.length && n.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/** A request without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3): no tap needed. */
const requestHasBody = (raw: string[]) => firstHeader(raw, 'content-length') !== undefined || firstHeader(raw, 'transfer-encoding') !== undefined;

/** Keeps a stream's bytes up to a cap as they flow past; never pauses or buffers the stream. */
class BodyTap {
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

  /** The body as captured: one copy of the kept bytes, as latin1 text (cheap to pass to the capture thread). */
  captured(): CapturedBody {
    const kept = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
    return { length: this.length, copy: this.copy, latin1: this.copy ? kept.toString('latin1') : '' };
  }
}


interface Exchange {
  req: http.IncomingMessage;
  started: number;
  reqTap: BodyTap | null;
  upstream: http.IncomingMessage | null;
  resTap: BodyTap | null;
}

function callOf(x: Exchange): CallRecord {
  const { req, upstream } = x;
  const socket = req.socket;
  return {
    started: x.started,
    method: req.method,
    url: req.url,
    host: firstHeader(req.rawHeaders, 'host'),
    encrypted: (socket as { encrypted?: boolean }).encrypted === true,
    httpVersion: req.httpVersion,
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    reqRawHeaders: req.rawHeaders,
    reqBody: x.reqTap?.captured() ?? null,
    status: upstream ? upstream.statusCode : null,
    resRawHeaders: upstream ? upstream.rawHeaders : [],
    resBody: x.resTap?.captured() ?? null,
    latencyMs: Date.now() - x.started,
  };
}

export async function startSensor(options: SensorOptions): Promise<RunningSensor> {
  const upstream = new URL(options.upstream);
  const secure = upstream.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const capturing = options.capture !== false;
  let instanceId = '';
  try {
    instanceId = hostname(); // once: it is a system call
  } catch {
    // capture only
  }
  const thread = capturing ? new CaptureThread({ forwarder: options.forwarder, version: options.version ?? 'unknown', instanceId }) : null;

  const capture = (x: Exchange) => {
    try {
      thread?.add(callOf(x));
    } catch {
      // capture failures never reach the client
    }
  };

  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
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
  const control = thread ?? NOT_CAPTURING;
  const status = options.statusListen ? statusServer(() => calls, control, capturing) : null;
  if (status && options.statusListen) {
    const { host, port: statusPort } = options.statusListen;
    await new Promise<void>((resolve, reject) => {
      status.once('error', reject);
      status.listen(statusPort, host, () => resolve());
    });
  }
  return {
    url: baseUrl(options.host, port),
    port,
    statusUrl: status && options.statusListen ? baseUrl(options.statusListen.host, (status.address() as net.AddressInfo).port) : null,
    forwarder: control,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (status) {
        await new Promise<void>((resolve) => {
          status.close(() => resolve());
          status.closeAllConnections();
        });
      }
      agent.destroy();
      await thread?.stop();
    },
  };
}

const baseUrl = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

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
