// What Tapline knows about one endpoint's traffic: calls, first and last seen, status codes,
// latency and size distributions, content types, query parameters with inferred types, auth
// schemes, request and response JSON schemas, and a few sample transaction ids. Mergeable, so
// analyzers on several workers (or batches of one) combine their partial aggregates exactly;
// bounded, so a noisy endpoint cannot grow it without limit.
import { headerValue, type Body, type Header, type Transaction } from '../../wire/transaction.ts';
import { authKey, authSchemes, type AuthScheme } from './auth-schemes.ts';
import { inferSchema, mergeSchemas, type JsonSchema } from './json-schema.ts';

/** Log-bucketed histogram (relative error about 2.5%), mergeable by adding counts. */
export interface Histogram {
  n: number;
  min: number;
  max: number;
  /** Bucket index (as a string key) to count; index 0 holds zeros. */
  buckets: Record<string, number>;
}

const GAMMA = 1.05;
const LOG_GAMMA = Math.log(GAMMA);
/** Bodies of the first SCHEMA_ALWAYS calls feed the schemas, then one call in SCHEMA_EVERY. */
const SCHEMA_ALWAYS = 32;
const SCHEMA_EVERY = 16;
export const STATS_LIMITS = { contentTypes: 20, queryParams: 50, authSchemes: 20, responseSchemas: 12, samples: 5 } as const;

export function newHistogram(): Histogram {
  // min and max are meaningful only when n > 0 (plain numbers so the aggregate survives JSON).
  return { n: 0, min: 0, max: 0, buckets: {} };
}

export function addToHistogram(h: Histogram, value: number): void {
  const v = Math.max(0, value);
  const index = v < 1 ? 0 : Math.ceil(Math.log(v) / LOG_GAMMA);
  h.buckets[index] = (h.buckets[index] ?? 0) + 1;
  h.min = h.n === 0 ? v : Math.min(h.min, v);
  h.max = h.n === 0 ? v : Math.max(h.max, v);
  h.n++;
}

export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  const buckets = { ...a.buckets };
  for (const [k, c] of Object.entries(b.buckets)) buckets[k] = (buckets[k] ?? 0) + c;
  if (a.n === 0 || b.n === 0) return { ...(a.n === 0 ? b : a), buckets };
  return { n: a.n + b.n, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), buckets };
}

/** The q-quantile (0..1), or null for an empty histogram. */
export function quantile(h: Histogram, q: number): number | null {
  if (h.n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.n));
  let seen = 0;
  for (const index of Object.keys(h.buckets).map(Number).sort((x, y) => x - y)) {
    seen += h.buckets[index]!;
    if (seen >= rank) {
      const mid = index === 0 ? 0 : (2 * GAMMA ** index) / (GAMMA + 1);
      return Math.min(h.max, Math.max(h.min, mid));
    }
  }
  return h.max;
}

export interface QueryParamStats {
  count: number;
  /** integer, number, boolean, uuid, date, string (the widest seen). */
  type: string;
}

export interface EndpointStats {
  calls: number;
  firstSeen: number;
  lastSeen: number;
  /** Status code (or `none` when the upstream never answered) to count. */
  statuses: Record<string, number>;
  /** Only from captures that report latency (data_extractions.latency_ms). */
  latencyMs: Histogram;
  requestBytes: Histogram;
  responseBytes: Histogram;
  requestTypes: Record<string, number>;
  responseTypes: Record<string, number>;
  query: Record<string, QueryParamStats>;
  auth: Record<string, { count: number; scheme: AuthScheme }>;
  requestSchema: JsonSchema | null;
  /** Per status code. */
  responseSchemas: Record<string, JsonSchema>;
  /** Newest last. */
  samples: string[];
}

export function newEndpointStats(): EndpointStats {
  return {
    calls: 0,
    firstSeen: 0,
    lastSeen: 0,
    statuses: {},
    latencyMs: newHistogram(),
    requestBytes: newHistogram(),
    responseBytes: newHistogram(),
    requestTypes: {},
    responseTypes: {},
    query: {},
    auth: {},
    requestSchema: null,
    responseSchemas: {},
    samples: [],
  };
}

/** Counts into a bounded map: new keys beyond the limit are dropped. */
function bump(map: Record<string, number>, key: string, by: number, limit: number): void {
  if (map[key] !== undefined) map[key] += by;
  else if (Object.keys(map).length < limit) map[key] = by;
}

const VALUE_TYPES: Array<[string, RegExp]> = [
  ['integer', /^-?\d{1,18}$/],
  ['number', /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/],
  ['boolean', /^(true|false)$/i],
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['date', /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/],
];
const TYPE_ORDER = ['integer', 'number', 'boolean', 'uuid', 'date', 'string'];

/** The type of a query value: the first pattern it fits. */
export function valueType(value: string): string {
  for (const [type, re] of VALUE_TYPES) if (re.test(value)) return type;
  return 'string';
}

/** Two observed types together: integer + number is number; anything else mixed is string. */
function widen(a: string, b: string): string {
  if (a === b) return a;
  const pair = [a, b].sort((x, y) => TYPE_ORDER.indexOf(x) - TYPE_ORDER.indexOf(y)).join('+');
  return pair === 'integer+number' ? 'number' : 'string';
}

function mediaType(headers: Header[]): string | null {
  const type = headerValue(headers, 'content-type');
  return type ? type.split(';')[0]!.trim().toLowerCase().slice(0, 100) : null;
}

/** The JSON value of a complete, JSON-typed body, or undefined. */
function jsonBody(body: Body | null, type: string | null): unknown {
  if (!body || body.truncated || body.bytes.length === 0 || !type || !/[/+]json$/.test(type)) return undefined;
  try {
    return JSON.parse(body.bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Adds one transaction to the endpoint's aggregate. */
export function observeTransaction(stats: EndpointStats, t: Transaction, seenAt: number): void {
  stats.firstSeen = stats.calls === 0 ? seenAt : Math.min(stats.firstSeen, seenAt);
  stats.lastSeen = Math.max(stats.lastSeen, seenAt);
  stats.calls++;
  const status = t.response.status === null ? 'none' : String(t.response.status);
  bump(stats.statuses, status, 1, 100);
  const latency = t.meta.dataExtractions?.latency_ms;
  if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0) addToHistogram(stats.latencyMs, latency);
  addToHistogram(stats.requestBytes, t.request.body?.length ?? 0);
  addToHistogram(stats.responseBytes, t.response.body?.length ?? 0);
  const requestType = mediaType(t.request.headers);
  const responseType = mediaType(t.response.headers);
  if (requestType) bump(stats.requestTypes, requestType, 1, STATS_LIMITS.contentTypes);
  if (responseType) bump(stats.responseTypes, responseType, 1, STATS_LIMITS.contentTypes);

  const q = t.request.uri.indexOf('?');
  const query = q === -1 ? null : new URLSearchParams(t.request.uri.slice(q + 1).split('#')[0]);
  if (query) {
    for (const [name, value] of query) {
      const existing = stats.query[name];
      if (existing) {
        existing.count++;
        existing.type = widen(existing.type, valueType(value));
      } else if (Object.keys(stats.query).length < STATS_LIMITS.queryParams && name.length <= 100) {
        stats.query[name] = { count: 1, type: valueType(value) };
      }
    }
  }
  for (const scheme of authSchemes(t.request.headers, query)) {
    const key = authKey(scheme);
    if (stats.auth[key]) stats.auth[key].count++;
    else if (Object.keys(stats.auth).length < STATS_LIMITS.authSchemes) stats.auth[key] = { count: 1, scheme };
  }

  // Schemas settle after a few samples: every body of the first calls, then one in SCHEMA_EVERY
  // (parsing and merging every body was a fifth of the inventory's cost).
  if (stats.calls > SCHEMA_ALWAYS && stats.calls % SCHEMA_EVERY !== 0) {
    pushSample(stats, t.id);
    return;
  }
  const requestJson = jsonBody(t.request.body, requestType);
  if (requestJson !== undefined) stats.requestSchema = stats.requestSchema ? mergeSchemas(stats.requestSchema, inferSchema(requestJson)) : inferSchema(requestJson);
  const responseJson = jsonBody(t.response.body, responseType);
  if (responseJson !== undefined) {
    const current = stats.responseSchemas[status];
    if (current) stats.responseSchemas[status] = mergeSchemas(current, inferSchema(responseJson));
    else if (Object.keys(stats.responseSchemas).length < STATS_LIMITS.responseSchemas) stats.responseSchemas[status] = inferSchema(responseJson);
  }
  pushSample(stats, t.id);
}

function pushSample(stats: EndpointStats, id: string): void {
  stats.samples.push(id);
  if (stats.samples.length > STATS_LIMITS.samples) stats.samples.splice(0, stats.samples.length - STATS_LIMITS.samples);
}

function mergeCounts(a: Record<string, number>, b: Record<string, number>, limit: number): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) bump(out, k, v, limit);
  return out;
}

/** Two partial aggregates of the same endpoint as one. */
export function mergeEndpointStats(a: EndpointStats, b: EndpointStats): EndpointStats {
  const query = { ...a.query };
  for (const [k, v] of Object.entries(b.query)) {
    const e = query[k];
    if (e) query[k] = { count: e.count + v.count, type: widen(e.type, v.type) };
    else if (Object.keys(query).length < STATS_LIMITS.queryParams) query[k] = { ...v };
  }
  const auth = { ...a.auth };
  for (const [k, v] of Object.entries(b.auth)) {
    const e = auth[k];
    if (e) auth[k] = { count: e.count + v.count, scheme: e.scheme };
    else if (Object.keys(auth).length < STATS_LIMITS.authSchemes) auth[k] = { ...v };
  }
  const responseSchemas = { ...a.responseSchemas };
  for (const [k, v] of Object.entries(b.responseSchemas)) {
    const e = responseSchemas[k];
    if (e) responseSchemas[k] = mergeSchemas(e, v);
    else if (Object.keys(responseSchemas).length < STATS_LIMITS.responseSchemas) responseSchemas[k] = v;
  }
  return {
    calls: a.calls + b.calls,
    firstSeen: a.calls === 0 ? b.firstSeen : b.calls === 0 ? a.firstSeen : Math.min(a.firstSeen, b.firstSeen),
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
    statuses: mergeCounts(a.statuses, b.statuses, 100),
    latencyMs: mergeHistograms(a.latencyMs, b.latencyMs),
    requestBytes: mergeHistograms(a.requestBytes, b.requestBytes),
    responseBytes: mergeHistograms(a.responseBytes, b.responseBytes),
    requestTypes: mergeCounts(a.requestTypes, b.requestTypes, STATS_LIMITS.contentTypes),
    responseTypes: mergeCounts(a.responseTypes, b.responseTypes, STATS_LIMITS.contentTypes),
    query,
    auth,
    requestSchema: a.requestSchema && b.requestSchema ? mergeSchemas(a.requestSchema, b.requestSchema) : (a.requestSchema ?? b.requestSchema),
    responseSchemas,
    samples: [...a.samples, ...b.samples].slice(-STATS_LIMITS.samples),
  };
}
