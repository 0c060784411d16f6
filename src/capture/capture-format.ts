// The Edge-format transaction of one call a sensor proxied. The sensor's main thread records the
// call as plain data (a CallRecord: strings, numbers, and the kept body bytes as latin1 text, which
// is one copy and cheap to pass between threads); its capture thread (capture-worker.ts) adds the
// id and the sensor's identity and serializes it here, straight to JSON text.
//
// Cost (bench/sensor): serializeCapture writes the JSON text with no intermediate object, and
// buildTransaction is the reference shape it must match (test/sensor.test.ts).
import type { EdgeTransaction } from '../wire/edge-format.ts';
import { TRUNCATION_HEADER } from '../wire/transaction.ts';

/** A body as captured: its size, and (textual bodies) the bytes kept up to the cap, as latin1 text. */
export interface CapturedBody {
  length: number;
  /** false: binary or compressed, recorded by size only. */
  copy: boolean;
  /** The kept bytes, one character per byte (empty when not copied). */
  latin1: string;
}

const bodyTruncated = (b: CapturedBody | null) => b !== null && b.copy && b.length > b.latin1.length;

// btoa encodes a string's characters as bytes, which is exactly what latin1 text of the body holds.
const bodyBase64 = (b: CapturedBody) => btoa(b.latin1);

/** Size only for binary or compressed bodies; no body object when there was none. */
function edgeBody(b: CapturedBody | null): { length: number; data?: string } | undefined {
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
  reqBody: CapturedBody | null;
  /** null: the upstream could not be reached. */
  status: number | undefined | null;
  resRawHeaders: string[];
  resBody: CapturedBody | null;
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

function jsonBody(b: CapturedBody | null): string {
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

/** What the proxy records of a call; the capture thread adds the rest. */
export type CallRecord = Omit<Capture, 'id' | 'version' | 'instanceId'>;

/**
 * Calls cross from the proxy's thread to the capture thread as one flat array per batch (strings,
 * numbers, booleans): a structured clone of objects writes every property name with every call and
 * makes the receiving thread look each one up again: bench/sensor/handover.ts measured the packed
 * way at about 0.75 of the cost on the proxy's side and 0.5 on the capture thread's. packCall and
 * unpackCalls fix the order of the fields.
 */
export function packCall(c: CallRecord, out: unknown[]): void {
  out.push(c.started, c.method, c.url, c.host, c.encrypted, c.httpVersion, c.remoteAddress, c.remotePort, c.localAddress, c.localPort, c.status, c.latencyMs);
  packHeadersAndBody(c.reqRawHeaders, c.reqBody, out);
  packHeadersAndBody(c.resRawHeaders, c.resBody, out);
}

function packHeadersAndBody(raw: string[], body: CapturedBody | null, out: unknown[]): void {
  out.push(raw.length);
  for (let i = 0; i < raw.length; i++) out.push(raw[i]);
  if (body === null) out.push(null);
  else out.push(body.length, body.copy, body.latin1);
}

/** The calls of a batch packed by packCall. */
export function unpackCalls(flat: readonly unknown[]): CallRecord[] {
  const calls: CallRecord[] = [];
  let at = 0;
  const next = <T>() => flat[at++] as T;
  const headers = () => {
    const n = next<number>();
    at += n;
    return flat.slice(at - n, at) as string[];
  };
  const body = (): CapturedBody | null => {
    const length = next<number | null>();
    return length === null ? null : { length, copy: next<boolean>(), latin1: next<string>() };
  };
  while (at < flat.length) {
    calls.push({
      started: next(), method: next(), url: next(), host: next(), encrypted: next(), httpVersion: next(), remoteAddress: next(),
      remotePort: next(), localAddress: next(), localPort: next(), status: next(), latencyMs: next(),
      reqRawHeaders: headers(), reqBody: body(), resRawHeaders: headers(), resBody: body(),
    });
  }
  return calls;
}
