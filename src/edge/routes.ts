// The Edge API ingestion routes (edge-api.md section 2): authenticate, check, validate, dedupe,
// append durably, then answer. Nothing here waits for analysis.
import { randomUUID } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { BlockList } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validateEdgeTransaction, WireError, type EdgeTransaction } from '../wire/edge-format.ts';
import { inList } from '../wire/client-ip.ts';
import { encodeEnvelope } from '../wire/envelope.ts';
import type { AppendEntry, TransactionLog } from '../log/log.ts';
import type { TokenService } from '../auth/tokens.ts';
import { DedupeWindow } from './dedupe.ts';
import { IngestionStats, UNAUTHENTICATED } from './stats.ts';

export interface EdgeOptions {
  log: TransactionLog;
  tokens: TokenService;
  stats: IngestionStats;
  dedupe: DedupeWindow;
  /** Largest request body, in bytes after decompression. */
  maxBodyBytes: number;
  /** Callers allowed to ingest (null: everyone). */
  ingressAllow: BlockList | null;
  /** Shed load (503) when this many bytes wait to be made durable. */
  maxPendingBytes: number;
  /** Shed load (503) when the analysis consumer is this many transactions behind (0: never). */
  maxLag: number;
  /** How many transactions analysis is behind, when it runs in this process. */
  analysisLag: (() => number) | null;
  /** Shed load (429) above this many ingestion requests in flight. */
  maxInflight: number;
  /** Shed load (429) when the bodies of requests in flight would exceed this many bytes. */
  maxInflightBytes: number;
}

interface ParsedBody {
  value: unknown;
  text: string;
}

type EdgeErrorCode =
  | 'invalid_json' | 'invalid_transaction' | 'invalid_token' | 'ingestion_disabled' | 'ip_not_allowed'
  | 'payload_too_large' | 'unsupported_media_type' | 'overloaded';

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

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

declare module 'fastify' {
  interface FastifyRequest {
    tapClientId?: string;
    /** Bytes this request holds in the in-flight budget (set once admitted). */
    tapBudget?: number;
  }
}

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

export async function edgeRoutes(app: FastifyInstance, opts: EdgeOptions): Promise<void> {
  const { log, tokens, stats, dedupe } = opts;
  // Requests admitted past the cheap checks, and the body bytes they may hold: both bounded so
  // memory stays bounded under any load.
  let inflight = 0;
  let inflightBytes = 0;

  const fail = (req: FastifyRequest, reply: FastifyReply, err: EdgeError, sourceType = 'unknown') => {
    stats.record(req.tapClientId ?? UNAUTHENTICATED, sourceType, err.code, 1, err.message, Date.now());
    if (err.retryAfter !== null) reply.header('retry-after', String(err.retryAfter));
    if (err.code === 'invalid_token') {
      reply.header('www-authenticate', `Bearer error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`);
    }
    return reply.code(err.status).send({ status: 'ERROR', error: err.code, message: err.message });
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => {
    const text = body as string;
    try {
      done(null, { value: JSON.parse(text), text } satisfies ParsedBody);
    } catch (err) {
      const offset = jsonErrorOffset(text, err as Error);
      const where = offset === null ? '' : ` at byte offset ${offset}`;
      done(new EdgeError(400, 'invalid_json', `the body is not valid JSON${where}: ${(err as Error).message}`), undefined);
    }
  });

  // Cheap checks first, before any body is read: caller address, load, media type, size, token.
  app.addHook('onRequest', async (req, reply) => {
    if (opts.ingressAllow && !inList(opts.ingressAllow, req.socket.remoteAddress ?? '')) {
      return fail(req, reply, new EdgeError(403, 'ip_not_allowed', `caller ${req.socket.remoteAddress} is not in the ingress allow-list (--ingress-allow)`));
    }
    const overload = overloaded();
    if (overload) return fail(req, reply, overload);
    const type = req.headers['content-type'];
    if (!type || !JSON_TYPE.test(type)) {
      return fail(req, reply, new EdgeError(415, 'unsupported_media_type', `Content-Type must be application/json (got ${type ? `"${type}"` : 'none'})`));
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      return fail(req, reply, new EdgeError(415, 'unsupported_media_type', `Content-Encoding "${encoding}" is not supported; send gzip or no encoding`));
    }
    const declared = req.headers['content-length'];
    const length = declared === undefined ? null : Number(declared);
    if (length !== null && length > opts.maxBodyBytes) return fail(req, reply, tooLarge(length));
    const auth = req.headers.authorization;
    if (!auth || !/^bearer /i.test(auth)) {
      return fail(req, reply, new EdgeError(401, 'invalid_token', 'send the access token as "Authorization: Bearer <access token>"'));
    }
    const verdict = await tokens.verify(auth.slice(7).trim());
    if (!verdict.ok) return fail(req, reply, new EdgeError(verdict.error === 'invalid_token' ? 401 : 403, verdict.error, verdict.message));
    req.tapClientId = verdict.clientId;
    const charge = length ?? UNKNOWN_LENGTH_CHARGE;
    if (inflight >= opts.maxInflight || inflightBytes + charge > opts.maxInflightBytes) {
      return fail(req, reply, new EdgeError(429, 'overloaded', `too many ingestion requests in flight (${inflight}, ${inflightBytes} bytes); slow down`, 1));
    }
    inflight++;
    inflightBytes += charge;
    req.tapBudget = charge;
  });

  const releaseBudget = async (req: FastifyRequest) => {
    if (req.tapBudget === undefined) return;
    inflight--;
    inflightBytes -= req.tapBudget;
    req.tapBudget = undefined;
  };
  app.addHook('onResponse', releaseBudget);
  app.addHook('onRequestAbort', releaseBudget);

  app.addHook('preParsing', async (req, _reply, payload) => {
    if ((req.headers['content-encoding'] ?? '').toLowerCase() !== 'gzip') return payload;
    // Fastify compares Content-Length with `receivedEncodedLength` (else with the decoded size,
    // which never matches a gzip body), so count the bytes that arrive on the wire.
    const gunzip = Object.assign(createGunzip(), { receivedEncodedLength: 0 });
    payload.on('error', (err) => gunzip.destroy(err));
    payload.on('data', (chunk: Buffer) => {
      gunzip.receivedEncodedLength += chunk.length;
    });
    return payload.pipe(gunzip);
  });

  app.setErrorHandler((error: FastifyError | EdgeError, req, reply) => {
    if (error instanceof EdgeError) return fail(req, reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(req, reply, tooLarge(null));
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_BODY') {
      return fail(req, reply, new EdgeError(400, 'invalid_json', 'the body is empty; send a JSON transaction'));
    }
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      return fail(req, reply, new EdgeError(400, 'invalid_json', `the body is not valid gzip (Content-Encoding: gzip): ${error.message}`));
    }
    req.log.error({ err: error }, 'ingestion failed');
    return fail(req, reply, new EdgeError(503, 'overloaded', 'the edge could not store the transactions; retry later', 5));
  });

  function tooLarge(length: number | null): EdgeError {
    const got = length === null ? 'the body' : `a body of ${length} bytes`;
    return new EdgeError(413, 'payload_too_large', `${got} is above the limit of ${opts.maxBodyBytes} bytes (--max-body-bytes); split the batch`);
  }

  function overloaded(): EdgeError | null {
    if (log.pendingBytes() > opts.maxPendingBytes) {
      return new EdgeError(503, 'overloaded', 'the transaction log is behind on writes; retry shortly', 1);
    }
    if (opts.maxLag > 0 && opts.analysisLag && opts.analysisLag() > opts.maxLag) {
      return new EdgeError(503, 'overloaded', `analysis is more than ${opts.maxLag} transactions behind; retry later`, 5);
    }
    return null;
  }

  interface Accepted {
    index: number;
    entry: AppendEntry | null;
    /** When this is a retry of a transaction still being written, the write to wait for. */
    waitFor: Promise<void> | null;
  }

  /** Dedupe check and log entry for one valid item. */
  function admit(clientId: string, item: EdgeTransaction, index: number, now: number, itemJson?: string): Accepted {
    const given = item['transaction-id'];
    const id = given || randomUUID();
    if (given) {
      const earlier = dedupe.lookup(DedupeWindow.key(clientId, id), now);
      if (earlier) return { index, entry: null, waitFor: earlier.pending };
    }
    const data = encodeEnvelope({ clientId, receivedAt: now, id, idGenerated: !given }, item, itemJson);
    return { index, entry: { clientId, transactionId: id, receivedAt: now, data }, waitFor: null };
  }

  /** Appends the new entries durably; duplicates wait for their first copy. */
  async function commit(clientId: string, accepted: Accepted[], now: number): Promise<void> {
    const entries = accepted.flatMap((a) => (a.entry ? [a.entry] : []));
    const keys = entries.map((e) => DedupeWindow.key(clientId, e.transactionId));
    const written = log.append(entries);
    for (const key of keys) dedupe.reserve(key, now, written);
    try {
      await written;
      for (const key of keys) dedupe.settle(key);
    } catch (err) {
      for (const key of keys) dedupe.release(key);
      throw err;
    }
    for (const a of accepted) if (a.waitFor) await a.waitFor;
  }

  function rejectionOf(err: unknown, index: number) {
    if (err instanceof WireError) return { index, error: 'invalid_transaction', message: err.message };
    throw err;
  }

  app.post('/api-transaction', async (req, reply) => {
    const clientId = req.tapClientId!;
    const body = req.body as ParsedBody;
    const source = sourceTypeOf(body.value);
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      const message = 'the body must be one transaction object (send batches to /api-transactions)';
      return fail(req, reply, new EdgeError(400, 'invalid_transaction', message), source);
    }
    const now = Date.now();
    let item: EdgeTransaction;
    try {
      item = validateEdgeTransaction(body.value);
    } catch (err) {
      return fail(req, reply, new EdgeError(400, 'invalid_transaction', rejectionOf(err, 0).message), source);
    }
    await commit(clientId, [admit(clientId, item, 0, now, body.text)], now);
    stats.record(clientId, source, 'accepted', 1, null, now);
    return reply.send({ status: 'OK' });
  });

  const batch = async (req: FastifyRequest, reply: FastifyReply) => {
    const clientId = req.tapClientId!;
    const value = (req.body as ParsedBody).value;
    const items = Array.isArray(value) ? value : (value as { data?: unknown } | null)?.data;
    if (!Array.isArray(items)) {
      return fail(req, reply, new EdgeError(400, 'invalid_transaction', 'the body must be {"data": [transaction, ...]} or a JSON array of transactions'));
    }
    const now = Date.now();
    const base = Array.isArray(value) ? '' : 'data';
    const accepted: Accepted[] = [];
    const rejected: Array<{ index: number; error: string; message: string }> = [];
    const sources = new Map<string, number>();
    const idsInBatch = new Set<string>();
    for (let i = 0; i < items.length; i++) {
      try {
        const item = validateEdgeTransaction(items[i], `${base}[${i}]`);
        const given = item['transaction-id'];
        // A transaction-id repeated inside one batch is stored once, like a retry.
        if (given && idsInBatch.has(given)) accepted.push({ index: i, entry: null, waitFor: null });
        else accepted.push(admit(clientId, item, i, now));
        if (given) idsInBatch.add(given);
        const s = sourceTypeOf(item);
        sources.set(s, (sources.get(s) ?? 0) + 1);
      } catch (err) {
        const r = rejectionOf(err, i);
        rejected.push(r);
        stats.record(clientId, sourceTypeOf(items[i]), 'invalid_transaction', 1, r.message, now);
      }
    }
    if (accepted.length === 0 && rejected.length > 0) {
      const first = rejected[0]!;
      const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more invalid items)` : '';
      reply.code(400);
      return reply.send({ status: 'ERROR', error: 'invalid_transaction', message: `${first.message}${more}`, rejected });
    }
    await commit(clientId, accepted, now);
    for (const [s, n] of sources) stats.record(clientId, s, 'accepted', n, null, now);
    return reply.send(rejected.length > 0 ? { status: 'OK', accepted: accepted.length, rejected } : { status: 'OK', accepted: accepted.length });
  };

  app.post('/api-transactions', batch);
  app.post('/api_transactions', batch);
}
