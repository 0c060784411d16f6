// The Cequence-compatible "API Edge" transaction format (shared/spec/edge-api.md section 3):
// its schema (written once, in TypeBox), validation with messages that name the JSON path,
// decoding into the canonical Transaction, and encoding back.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Body, Header, Transaction, TxnMetaData } from './transaction.ts';
import { TRUNCATION_HEADER } from './transaction.ts';
import { resolveClientIp, type ClientIpOptions, DEFAULT_CLIENT_IP_OPTIONS } from './client-ip.ts';

const NumberLike = Type.Union([Type.Number(), Type.String()], {
  description: 'a number, or a string holding one',
});

const HeaderEntry = Type.Union(
  [
    Type.String({ description: '"<name>:<base64 of value>"' }),
    Type.Object({ name: Type.String(), value: Type.String() }, { description: 'Tapline extension: plain value' }),
  ],
  { description: 'one header value' },
);

const BodySchema = Type.Object(
  {
    length: Type.Optional(NumberLike),
    data: Type.Optional(Type.String({ description: 'base64 of the raw bytes' })),
  },
  { description: 'captured body' },
);

export const EdgeRequestSchema = Type.Object({
  'http-method': Type.String({ minLength: 1, maxLength: 32 }),
  'uri-query-fragment': Type.String(),
  host: Type.Optional(Type.String()),
  'http-scheme': Type.Optional(Type.String()),
  'http-version': Type.Optional(Type.String()),
  'client-ip': Type.Optional(Type.String()),
  connection: Type.Object({
    'connection-ip': Type.String(),
    'server-ip': Type.String(),
    'connection-port': Type.Optional(NumberLike),
    'server-port': Type.Optional(NumberLike),
    'transaction-depth': Type.Optional(NumberLike),
  }),
  headers: Type.Optional(Type.Array(HeaderEntry)),
  body: Type.Optional(BodySchema),
});

export const EdgeResponseSchema = Type.Object({
  'status-code': Type.Optional(NumberLike),
  headers: Type.Optional(Type.Array(HeaderEntry)),
  body: Type.Optional(BodySchema),
});

const Str = Type.Optional(Type.String());
export const EdgeTransactionSchema = Type.Object(
  {
    timestamp: Type.Optional(NumberLike),
    version: Str,
    'transaction-id': Type.Optional(Type.String({ maxLength: 256 })),
    request: EdgeRequestSchema,
    response: EdgeResponseSchema,
    'txn-meta-data': Type.Optional(
      Type.Object({
        source_info: Type.Optional(
          Type.Object({ version: Str, type: Str, pool_id: Str, instance_id: Str }),
        ),
        filter_info: Type.Optional(Type.Object({ filter_name: Str })),
        sdp_info: Type.Optional(Type.Object({})),
        data_extractions: Type.Optional(Type.Object({})),
      }),
    ),
  },
  { description: 'One API transaction in the Edge format (unknown keys are ignored).' },
);

export type EdgeTransaction = Static<typeof EdgeTransactionSchema>;
type EdgeBody = Static<typeof BodySchema>;
type EdgeHeader = Static<typeof HeaderEntry>;

const checker = Compile(EdgeTransactionSchema);

/** Formats a JSON path the way our error messages show it: `data[3].request.http-method`. */
export function joinPath(base: string, instancePath: string): string {
  let out = base;
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function describeSchemaErrors(errors: SchemaError[], base: string): string {
  const required = errors.find((e) => e.keyword === 'required');
  if (required) {
    const missing = (required.params.requiredProperties as string[])[0];
    const at = joinPath(base, required.instancePath);
    return `${at ? `${at}.` : ''}${missing} is required`;
  }
  // Report the deepest failing location; for a union, list every accepted type.
  const deepest = errors.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a));
  const at = joinPath(base, deepest.instancePath) || '(root)';
  const here = errors.filter((e) => e.instancePath === deepest.instancePath);
  const types = [...new Set(here.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))];
  if (types.length > 0 && !here.some((e) => e.keyword !== 'type' && e.keyword !== 'anyOf')) {
    const names = types.map((t) => (t === 'object' ? 'an object' : t === 'array' ? 'an array' : `a ${t}`));
    return `${at} must be ${names.join(' or ')}`;
  }
  const e = here.find((x) => x.keyword !== 'anyOf') ?? deepest;
  return `${at} ${e.message}`;
}

export class WireError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

// Base64 is checked two ways, by length. Short values (most headers) by a regular expression,
// whose cost grows with the length; long ones (bodies, tokens) by decoding into a scratch buffer
// and comparing the byte count with what the characters promise, at a fixed cost per call that
// beats the expression from about 64 characters (5x cheaper at 1 KB): Node's decoder skips
// characters outside the alphabet, so any such character shows as a shortfall. Node also decodes
// the URL-safe alphabet, which the Edge format does not use, hence the check for '-' and '_', and
// reads only the low byte of wider characters, hence the check that every character is ASCII.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECODE_FROM = 64;
const scratch = Buffer.allocUnsafe(64 * 1024);

function isBase64(value: string): boolean {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 61 /* = */) end--;
  if (value.length - end > 2 || value.length % 4 === 1 || end % 4 === 1) return false;
  if (value.length < DECODE_FROM) return BASE64.test(value);
  if (value.indexOf('-') !== -1 || value.indexOf('_') !== -1 || Buffer.byteLength(value) !== value.length) return false;
  const expected = Math.floor((end * 3) / 4);
  const decoded = expected <= scratch.length ? scratch.write(value, 0, 'base64') : Buffer.from(value, 'base64').length;
  return decoded === expected;
}

const notBase64 = (path: string) => new WireError(path, `${path} is not valid base64 (standard alphabet, with padding)`);

function toNumber(value: number | string | undefined, path: string, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(n)) throw new WireError(path, `${path} must be ${what}, got ${JSON.stringify(value)}`);
  return n;
}

function checkHeaders(headers: EdgeHeader[] | undefined, path: string): void {
  if (!headers) return;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (typeof h !== 'string') continue;
    const colon = h.lastIndexOf(':');
    // The path is built only for an error: this loop runs for every header of every transaction.
    if (colon <= 0) {
      const at = `${path}[${i}]`;
      throw new WireError(at, `${at} must be "<name>:<base64 value>" (no colon found)`);
    }
    if (!isBase64(h.slice(colon + 1))) throw notBase64(`${path}[${i}]`);
  }
}

function checkBody(body: EdgeBody | undefined, path: string): void {
  if (!body) return;
  const length = toNumber(body.length, `${path}.length`, 'a byte count');
  if (length !== undefined && (length < 0 || !Number.isInteger(length))) {
    throw new WireError(`${path}.length`, `${path}.length must be a whole number of bytes >= 0`);
  }
  if (body.data !== undefined && !isBase64(body.data)) throw notBase64(`${path}.data`);
}

/**
 * Checks one transaction object. Throws WireError naming the offending field by its JSON path,
 * prefixed with `base` (e.g. `data[3]`). Returns the value typed as an EdgeTransaction.
 */
export function validateEdgeTransaction(value: unknown, base = ''): EdgeTransaction {
  if (!checker.Check(value)) {
    const message = describeSchemaErrors(checker.Errors(value) as SchemaError[], base);
    throw new WireError(base, message);
  }
  const p = (s: string) => (base ? `${base}.${s}` : s);
  const t = value;
  parseTimestamp(t.timestamp, p('timestamp'));
  const status = toNumber(t.response['status-code'], p('response.status-code'), 'an HTTP status code');
  if (status !== undefined && (!Number.isInteger(status) || status < 100 || status > 999)) {
    throw new WireError(p('response.status-code'), `${p('response.status-code')} must be an HTTP status code (100-999) or ""`);
  }
  const conn = t.request.connection;
  for (const key of ['connection-port', 'server-port', 'transaction-depth'] as const) {
    toNumber(conn[key], p(`request.connection.${key}`), 'a number');
  }
  checkHeaders(t.request.headers, p('request.headers'));
  checkHeaders(t.response.headers, p('response.headers'));
  checkBody(t.request.body, p('request.body'));
  checkBody(t.response.body, p('response.body'));
  return t;
}

/** Unix epoch in milliseconds; seconds with a fraction as plugins send, or milliseconds above 1e12. */
export function parseTimestamp(value: number | string | undefined, path = 'timestamp'): number | undefined {
  const n = toNumber(value, path, 'a Unix epoch (seconds, or milliseconds)');
  if (n === undefined) return undefined;
  if (n < 0) throw new WireError(path, `${path} must be a positive Unix epoch`);
  return n > 1e12 ? n : n * 1000;
}

function decodeHeaders(headers: EdgeHeader[] | undefined): Header[] {
  if (!headers) return [];
  return headers.map((h): Header => {
    if (typeof h !== 'string') return [h.name, h.value];
    const colon = h.lastIndexOf(':');
    return [h.slice(0, colon), Buffer.from(h.slice(colon + 1), 'base64').toString('utf8')];
  });
}

function decodeBody(body: EdgeBody | undefined, headers: Header[]): Body | null {
  if (!body) return null;
  const bytes = body.data ? Buffer.from(body.data, 'base64') : Buffer.alloc(0);
  const declared = toNumber(body.length, 'length', 'a byte count') ?? bytes.length;
  const flagged = headers.some(([n, v]) => n.toLowerCase() === TRUNCATION_HEADER && v.trim() === 'true');
  return { bytes, length: Math.max(declared, bytes.length), truncated: flagged || declared > bytes.length };
}

function decodeMeta(meta: EdgeTransaction['txn-meta-data']): TxnMetaData {
  if (!meta) return {};
  const out: TxnMetaData = {};
  const s = meta.source_info;
  if (s) out.sourceInfo = { version: s.version, type: s.type, poolId: s.pool_id, instanceId: s.instance_id };
  if (meta.filter_info) out.filterInfo = { filterName: meta.filter_info.filter_name };
  const sdp = meta.sdp_info as Record<string, unknown> | undefined;
  if (sdp) {
    const locations = Array.isArray(sdp.locations) ? sdp.locations : [];
    out.sdpInfo = {
      skipped: sdp.skipped === true,
      found: Number(sdp.found ?? 0) || 0,
      transformed: Number(sdp.transformed ?? 0) || 0,
      locations: locations.map((l: Record<string, unknown>) => ({
        name: String(l.name ?? ''),
        type: String(l.type ?? ''),
        location: String(l.location ?? ''),
        field: String(l.field ?? ''),
        start: Number(l.start ?? 0) || 0,
        end: Number(l.end ?? 0) || 0,
      })),
    };
  }
  if (meta.data_extractions) out.dataExtractions = meta.data_extractions as Record<string, unknown>;
  return out;
}

export interface DecodeContext {
  /** The id to use (the edge generates one when the capture sent none). */
  id: string;
  idGenerated: boolean;
  /** Used when the transaction carries no timestamp. */
  receivedAt: number;
  clientIp?: ClientIpOptions;
}

/** Decodes a validated Edge transaction into the canonical Transaction. */
export function decodeEdgeTransaction(t: EdgeTransaction, ctx: DecodeContext): Transaction {
  const req = t.request;
  const reqHeaders = decodeHeaders(req.headers);
  const resHeaders = decodeHeaders(t.response.headers);
  const conn = req.connection;
  const connection = {
    connectionIp: conn['connection-ip'],
    serverIp: conn['server-ip'],
    connectionPort: toNumber(conn['connection-port'], '', ''),
    serverPort: toNumber(conn['server-port'], '', ''),
    transactionDepth: toNumber(conn['transaction-depth'], '', ''),
  };
  const ip = resolveClientIp(req['client-ip'], reqHeaders, connection.connectionIp, ctx.clientIp ?? DEFAULT_CLIENT_IP_OPTIONS);
  return {
    id: ctx.id,
    idGenerated: ctx.idGenerated,
    timestamp: parseTimestamp(t.timestamp) ?? ctx.receivedAt,
    version: t.version ?? null,
    request: {
      method: req['http-method'].toUpperCase(),
      uri: req['uri-query-fragment'],
      host: req.host ?? null,
      scheme: req['http-scheme'] || 'https',
      httpVersion: req['http-version'] ?? null,
      clientIp: ip.address,
      clientIpRule: ip.rule,
      connection,
      headers: reqHeaders,
      body: decodeBody(req.body, reqHeaders),
    },
    response: {
      status: toNumber(t.response['status-code'], '', '') ?? null,
      headers: resHeaders,
      body: decodeBody(t.response.body, resHeaders),
    },
    meta: decodeMeta(t['txn-meta-data']),
  };
}

function encodeBody(body: Body | null): EdgeBody | undefined {
  if (!body) return undefined;
  return { length: body.length, data: body.bytes.toString('base64') };
}

const encodeHeaders = (headers: Header[]) => headers.map(([n, v]) => `${n}:${Buffer.from(v, 'utf8').toString('base64')}`);

/** Encodes a canonical Transaction in the Edge format (the sensor and the bridge emit this). */
export function encodeEdgeTransaction(t: Transaction): EdgeTransaction {
  const r = t.request;
  const c = r.connection;
  const meta: Record<string, unknown> = {};
  const s = t.meta.sourceInfo;
  if (s) meta.source_info = { version: s.version, type: s.type, pool_id: s.poolId, instance_id: s.instanceId };
  if (t.meta.filterInfo) meta.filter_info = { filter_name: t.meta.filterInfo.filterName };
  if (t.meta.sdpInfo) {
    const sdp = t.meta.sdpInfo;
    meta.sdp_info = {
      ...sdp,
      locations: sdp.locations?.map((l) => ({ ...l, start: String(l.start), end: String(l.end) })),
    };
  }
  if (t.meta.dataExtractions) meta.data_extractions = t.meta.dataExtractions;
  return {
    timestamp: (t.timestamp / 1000).toFixed(3),
    version: t.version ?? '1.0',
    'transaction-id': t.id,
    request: {
      'http-method': r.method,
      'uri-query-fragment': r.uri,
      ...(r.host !== null && { host: r.host }),
      'http-scheme': r.scheme,
      ...(r.httpVersion !== null && { 'http-version': r.httpVersion }),
      'client-ip': r.clientIp,
      connection: {
        'connection-ip': c.connectionIp,
        'server-ip': c.serverIp,
        ...(c.connectionPort !== undefined && { 'connection-port': c.connectionPort }),
        ...(c.serverPort !== undefined && { 'server-port': c.serverPort }),
        ...(c.transactionDepth !== undefined && { 'transaction-depth': c.transactionDepth }),
      },
      headers: encodeHeaders(r.headers),
      body: encodeBody(r.body),
    },
    response: {
      'status-code': t.response.status === null ? '' : String(t.response.status),
      headers: encodeHeaders(t.response.headers),
      body: encodeBody(t.response.body),
    },
    'txn-meta-data': meta as EdgeTransaction['txn-meta-data'],
  };
}
