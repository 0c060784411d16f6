// The Edge API ingestion endpoints (edge-api.md section 2): authenticate, check, validate, dedupe,
// append durably, then answer. Nothing here waits for analysis.
//
// This is the one hot path of Tapline, so it is not a Fastify route: the server hands these three
// paths to it before Fastify's router (measured in bench/ingest: the framework's per-request work
// was a quarter of the edge's CPU), and requests in the common shape do not even go through
// node:http (fast-lane.ts). Both reach it as an IngestCall.
import { randomUUID } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { BlockList } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateEdgeTransaction, WireError, type EdgeTransaction } from '../wire/edge-format.ts';
import { inList } from '../wire/client-ip.ts';
import { encodeEnvelope, requestHost } from '../wire/envelope.ts';
import { batchItemSpans } from '../wire/batch-spans.ts';
import type { VerifyResult } from '../auth/tokens.ts';
import type { IntakeEntry, IntakePort } from './intake.ts';
import { IngestionStats, UNAUTHENTICATED } from './stats.ts';

/**
 * One ingestion request and its answer, whichever HTTP layer carries it: node:http (httpCall) or
 * the fast lane (fast-lane.ts).
 */
export interface IngestCall {
  readonly method: string;
  /** The caller's address, for the ingress allow-list. */
  readonly remoteAddress: string;
  /** A request header by its lower-case name. */
  header(name: 'authorization' | 'content-type' | 'content-encoding' | 'content-length'): string | undefined;
  /** The body's bytes as sent; rejects with a BodyError above `limit` bytes or when the request is cut off. */
  body(limit: number): Promise<Buffer>;
  /** Answers with a JSON body (content type and length are added). */
  answer(status: number, body: string, headers?: Record<string, string>): void;
  /** An answer was started. */
  readonly answered: boolean;
  /** Ends the exchange at once (a failure after the answer started). */
  destroy(): void;
}

export class BodyError extends Error {
  readonly reason: 'too_large' | 'cut_off';
  constructor(reason: 'too_large' | 'cut_off') {
    super(reason === 'too_large' ? 'the body is above the limit' : 'the request body was cut off');
    this.reason = reason;
  }
}

/** An IngestCall over node:http's request and response. */
export function httpCall(req: IncomingMessage, res: ServerResponse): IngestCall {
  return {
    method: req.method ?? '',
    remoteAddress: req.socket.remoteAddress ?? '',
    header: (name) => req.headers[name],
    body: (limit) => new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          req.destroy();
          reject(new BodyError('too_large'));
        } else chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks, size)));
      req.on('error', reject);
      req.on('aborted', () => reject(new BodyError('cut_off')));
    }),
    answer(status, body, headers = {}) {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
      res.end(body);
    },
    get answered() {
      return res.headersSent;
    },
    destroy: () => void res.destroy(),
  };
}

const gunzipLimited = promisify(gunzip) as (data: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

/** What the edge needs of a token service: the platform's own, or a bridge's check against its JWKS. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
}

export interface EdgeOptions {
  /** Where valid transactions go: dedupe and the durable log (intake.ts). */
  intake: IntakePort;
  tokens: TokenVerifier;
  stats: IngestionStats;
  /** Largest request body, in bytes after decompression. */
  maxBodyBytes: number;
  /** Callers allowed to ingest (null: everyone). */
  ingressAllow: BlockList | null;
  /** Shed load (503) when this many bytes wait to be made durable. */
  maxPendingBytes: number;
  /** Shed load (503) when analysis is this many transactions behind (0: never). */
  maxLag: number;
  /** Shed load (429) above this many ingestion requests in flight. */
  maxInflight: number;
  /** Shed load (429) when the bodies of requests in flight would exceed this many bytes. */
  maxInflightBytes: number;
  /** Where unexpected failures are reported. */
  onError: (err: Error) => void;
}

type EdgeErrorCode =
  | 'invalid_json' | 'invalid_transaction' | 'invalid_token' | 'ingestion_disabled' | 'ip_not_allowed'
  | 'payload_too_large' | 'unsupported_media_type' | 'overloaded' | 'method_not_allowed';

class EdgeError extends Error {
  readonly status: number;
  readonly code: EdgeErrorCode;
  readonly retryAfter: number | null;
  constructor(status: number, code: EdgeErrorCode, message: string, retryAfter: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

type Route = 'single' | 'batch';
const ROUTES = new Map<string, Route>([
  ['/api-transaction', 'single'],
  ['/api-transactions', 'batch'],
  ['/api_transactions', 'batch'],
]);

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const OK_BODY = '{"status":"OK"}';
/** Budget charged for a body of unknown length (chunked): it may grow up to the body limit. */
const UNKNOWN_LENGTH_CHARGE = 1024 * 1024;

/** Byte offset of a JSON.parse failure, from V8's "at position N" (a character index). */
function jsonErrorOffset(text: string, err: Error): number | null {
  const m = /position (\d+)/.exec(err.message);
  if (m) return Buffer.byteLength(text.slice(0, Number(m[1])));
  return /Unexpected end of JSON input/.test(err.message) ? Buffer.byteLength(text) : null;
}

function sourceTypeOf(item: unknown): string {
  const meta = (item as { 'txn-meta-data'?: { source_info?: { type?: unknown } } } | null)?.['txn-meta-data'];
  const type = meta?.source_info?.type;
  return typeof type === 'string' && type.length > 0 && type.length <= 64 ? type : 'unknown';
}

/**
 * Where each of a batch's `count` items is in the body's text, so each is logged as the capture
 * sent it rather than re-serialized; null (re-serialize) if the scan does not find them all.
 */
function itemSpans(text: string, count: number): Array<[number, number]> | null {
  try {
    const spans = batchItemSpans(text);
    return spans?.length === count ? spans : null;
  } catch {
    return null;
  }
}

export class EdgeIngest {
  private readonly o: EdgeOptions;
  // Requests admitted past the cheap checks, and the body bytes they may hold: both bounded so
  // memory stays bounded under any load.
  private inflight = 0;
  private inflightBytes = 0;

  constructor(options: EdgeOptions) {
    this.o = options;
  }

  /** The ingestion route of a request URL, or undefined for every other path. */
  route(url: string | undefined): Route | undefined {
    if (!url) return undefined;
    const q = url.indexOf('?');
    return ROUTES.get(q === -1 ? url : url.slice(0, q));
  }

  /** Serves an ingestion request that came through node:http. */
  handle(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    return this.serve(httpCall(req, res), route);
  }

  async serve(call: IngestCall, route: Route): Promise<void> {
    let clientId = UNAUTHENTICATED;
    let charge = 0;
    try {
      const admitted = await this.admitRequest(call);
      clientId = admitted.clientId;
      charge = admitted.charge;
      this.inflight++;
      this.inflightBytes += charge;
      const text = await this.readBody(call);
      const value = this.parse(text);
      if (route === 'single') await this.single(call, clientId, value, text);
      else await this.batch(call, clientId, value, text);
    } catch (err) {
      this.fail(call, clientId, err);
    } finally {
      if (charge > 0) {
        this.inflight--;
        this.inflightBytes -= charge;
      }
    }
  }

  private fail(call: IngestCall, clientId: string, err: unknown, sourceType = 'unknown'): void {
    let e: EdgeError;
    if (err instanceof EdgeError) e = err;
    else {
      this.o.onError(err as Error);
      e = new EdgeError(503, 'overloaded', 'the edge could not store the transactions; retry later', 5);
    }
    this.o.stats.record(clientId, sourceType, e.code, 1, e.message, Date.now());
    if (call.answered) return call.destroy();
    const headers: Record<string, string> = {};
    if (e.retryAfter !== null) headers['retry-after'] = String(e.retryAfter);
    if (e.code === 'invalid_token') headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${e.message.replace(/"/g, "'")}"`;
    if (e.code === 'method_not_allowed') headers.allow = 'POST';
    // Do not read a body refused for its size: close the connection instead. (Other unread
    // bodies are read and dropped by node:http, which keeps the connection usable.)
    if (e.code === 'payload_too_large') headers.connection = 'close';
    call.answer(e.status, JSON.stringify({ status: 'ERROR', error: e.code, message: e.message }), headers);
  }

  /** Cheap checks first, before any body is read: method, caller, load, media type, size, token, budget. */
  private async admitRequest(call: IngestCall): Promise<{ clientId: string; charge: number }> {
    const o = this.o;
    if (call.method !== 'POST') throw new EdgeError(405, 'method_not_allowed', `${call.method} is not allowed here; POST transactions`);
    const caller = call.remoteAddress;
    if (o.ingressAllow && !inList(o.ingressAllow, caller)) {
      throw new EdgeError(403, 'ip_not_allowed', `caller ${caller} is not in the ingress allow-list (--ingress-allow)`);
    }
    this.checkLoad();
    const type = call.header('content-type');
    if (!type || !JSON_TYPE.test(type)) {
      throw new EdgeError(415, 'unsupported_media_type', `Content-Type must be application/json (got ${type ? `"${type}"` : 'none'})`);
    }
    const encoding = (call.header('content-encoding') ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      throw new EdgeError(415, 'unsupported_media_type', `Content-Encoding "${encoding}" is not supported; send gzip or no encoding`);
    }
    const declared = call.header('content-length');
    const length = declared === undefined ? null : Number(declared);
    if (length !== null && length > o.maxBodyBytes) throw this.tooLarge(length);
    const auth = call.header('authorization');
    if (!auth || !/^bearer /i.test(auth)) {
      throw new EdgeError(401, 'invalid_token', 'send the access token as "Authorization: Bearer <access token>"');
    }
    const verdict = await o.tokens.verify(auth.slice(7).trim());
    if (!verdict.ok) throw new EdgeError(verdict.error === 'invalid_token' ? 401 : 403, verdict.error, verdict.message);
    const charge = length ?? UNKNOWN_LENGTH_CHARGE;
    if (this.inflight >= o.maxInflight || this.inflightBytes + charge > o.maxInflightBytes) {
      throw new EdgeError(429, 'overloaded', `too many ingestion requests in flight (${this.inflight}, ${this.inflightBytes} bytes); slow down`, 1);
    }
    return { clientId: verdict.clientId, charge: Math.max(charge, 1) };
  }

  private checkLoad(): void {
    const o = this.o;
    if (o.intake.pendingBytes() > o.maxPendingBytes) {
      throw new EdgeError(503, 'overloaded', 'the transaction log is behind on writes; retry shortly', 1);
    }
    if (o.maxLag > 0 && (o.intake.analysisLag() ?? 0) > o.maxLag) {
      throw new EdgeError(503, 'overloaded', `analysis is more than ${o.maxLag} transactions behind; retry later`, 5);
    }
  }

  private tooLarge(length: number | null): EdgeError {
    const got = length === null ? 'the body' : `a body of ${length} bytes`;
    return new EdgeError(413, 'payload_too_large', `${got} is above the limit of ${this.o.maxBodyBytes} bytes (--max-body-bytes); split the batch`);
  }

  /** The body as text, gunzipped when sent with Content-Encoding: gzip, never above the limit (sent or decoded). */
  private async readBody(call: IngestCall): Promise<string> {
    const limit = this.o.maxBodyBytes;
    let bytes: Buffer;
    try {
      bytes = await call.body(limit);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      throw err.reason === 'too_large' ? this.tooLarge(null) : new EdgeError(400, 'invalid_json', err.message);
    }
    if ((call.header('content-encoding') ?? '').toLowerCase() !== 'gzip') return bytes.toString('utf8');
    try {
      // On the thread pool, so a large batch does not hold the event loop.
      return (await gunzipLimited(bytes, { maxOutputLength: limit })).toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ERR_BUFFER_TOO_LARGE') throw this.tooLarge(null);
      if (code.startsWith('Z_')) throw new EdgeError(400, 'invalid_json', `the body is not valid gzip (Content-Encoding: gzip): ${(err as Error).message}`);
      throw err;
    }
  }

  private parse(text: string): unknown {
    if (text.length === 0) throw new EdgeError(400, 'invalid_json', 'the body is empty; send a JSON transaction');
    try {
      return JSON.parse(text);
    } catch (err) {
      const offset = jsonErrorOffset(text, err as Error);
      const where = offset === null ? '' : ` at byte offset ${offset}`;
      throw new EdgeError(400, 'invalid_json', `the body is not valid JSON${where}: ${(err as Error).message}`);
    }
  }

  private async single(call: IngestCall, clientId: string, value: unknown, text: string): Promise<void> {
    const source = sourceTypeOf(value);
    let item: EdgeTransaction;
    try {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new WireError('', 'the body must be one transaction object (send batches to /api-transactions)');
      }
      item = validateEdgeTransaction(value);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.o.stats.record(clientId, source, 'invalid_transaction', 1, err.message, Date.now());
      return call.answer(400, JSON.stringify({ status: 'ERROR', error: 'invalid_transaction', message: err.message }));
    }
    const now = Date.now();
    await this.o.intake.accept([this.entry(clientId, item, now, text)], now);
    this.o.stats.record(clientId, source, 'accepted', 1, null, now);
    call.answer(200, OK_BODY);
  }

  private async batch(call: IngestCall, clientId: string, value: unknown, text: string): Promise<void> {
    const items = Array.isArray(value) ? value : (value as { data?: unknown } | null)?.data;
    if (!Array.isArray(items)) {
      throw new EdgeError(400, 'invalid_transaction', 'the body must be {"data": [transaction, ...]} or a JSON array of transactions');
    }
    const spans = itemSpans(text, items.length);
    const now = Date.now();
    const base = Array.isArray(value) ? '' : 'data';
    const accepted: IntakeEntry[] = [];
    let acceptedCount = 0;
    const rejected: Array<{ index: number; error: string; message: string }> = [];
    const sources = new Map<string, number>();
    const idsInBatch = new Set<string>();
    for (let i = 0; i < items.length; i++) {
      let item: EdgeTransaction;
      try {
        item = validateEdgeTransaction(items[i], `${base}[${i}]`);
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        rejected.push({ index: i, error: 'invalid_transaction', message: err.message });
        this.o.stats.record(clientId, sourceTypeOf(items[i]), 'invalid_transaction', 1, err.message, now);
        continue;
      }
      const given = item['transaction-id'];
      acceptedCount++;
      // A transaction-id repeated inside one batch is stored once, like a retry.
      if (!given || !idsInBatch.has(given)) accepted.push(this.entry(clientId, item, now, spans ? text.slice(spans[i]![0], spans[i]![1]) : undefined));
      if (given) idsInBatch.add(given);
      const s = sourceTypeOf(item);
      sources.set(s, (sources.get(s) ?? 0) + 1);
    }
    if (acceptedCount === 0 && rejected.length > 0) {
      const first = rejected[0]!;
      const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more invalid items)` : '';
      return call.answer(400, JSON.stringify({ status: 'ERROR', error: 'invalid_transaction', message: `${first.message}${more}`, rejected }));
    }
    await this.o.intake.accept(accepted, now);
    for (const [s, n] of sources) this.o.stats.record(clientId, s, 'accepted', n, null, now);
    const answer = rejected.length > 0 ? { status: 'OK', accepted: acceptedCount, rejected } : { status: 'OK', accepted: acceptedCount };
    call.answer(200, JSON.stringify(answer));
  }

  /** The log entry for one valid item (the intake dedupes it). */
  private entry(clientId: string, item: EdgeTransaction, now: number, itemJson?: string): IntakeEntry {
    const given = item['transaction-id'];
    const transactionId = given || randomUUID();
    const data = encodeEnvelope({ clientId, receivedAt: now, id: transactionId, idGenerated: !given }, item, itemJson);
    // A partitioned log keeps one host's traffic together: the host is what discovery's state is keyed by.
    const partitionKey = requestHost(item);
    return { clientId, transactionId, receivedAt: now, data, partitionKey, given: Boolean(given) };
  }
}
