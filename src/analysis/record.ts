// The stored form of a transaction for the console: credential header values replaced by a keyed
// fingerprint, bodies kept up to a cap. A pure function of the transaction and its options.
import { createHmac } from 'node:crypto';
import { memoizedPerKey } from './recent-memo.ts';
import type { LoggedTransaction } from '../wire/envelope.ts';
import type { Body, Header, Transaction } from '../wire/transaction.ts';
import type { StoredTransaction } from '../store/store.ts';

export interface RecordOptions {
  /** Bodies are kept up to this many bytes. */
  maxBodyBytes: number;
  /** Key for the fingerprints of redacted values (per installation). */
  redactionKey: string;
}

/** Headers whose values are credentials: never stored in clear. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|x-csrf-token|x-amz-security-token|ocp-apim-subscription-key|x-functions-key|private-token|x-.*-(key|token|secret))$/i;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

const fingerprint = memoizedPerKey((key, value) => createHmac('sha256', key).update(value).digest('hex').slice(0, 12));

function redactValue(name: string, value: string, key: string): string {
  const lower = name.toLowerCase();
  const mark = (v: string) => `[redacted ${v.length} chars #${fingerprint(key, v)}]`;
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const space = value.indexOf(' ');
    // Keep the scheme (Bearer, Basic, ...): it tells how the API is protected.
    return space > 0 ? `${value.slice(0, space)} ${mark(value.slice(space + 1))}` : mark(value);
  }
  if (lower === 'cookie') {
    return value.split(';').map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 ? `${pair.slice(0, eq).trim()}=${mark(pair.slice(eq + 1).trim())}` : mark(pair.trim());
    }).join('; ');
  }
  if (lower === 'set-cookie') {
    const [first, ...attrs] = value.split(';');
    const eq = first!.indexOf('=');
    const cookie = eq > 0 ? `${first!.slice(0, eq).trim()}=${mark(first!.slice(eq + 1))}` : mark(first!);
    return [cookie, ...attrs.map((a) => a.trim())].join('; ');
  }
  return mark(value);
}

export function redactHeaders(headers: Header[], key: string): Array<{ name: string; value: string; redacted?: true }> {
  return headers.map(([name, value]) =>
    isCredentialHeader(name) ? { name, value: redactValue(name, value, key), redacted: true } : { name, value },
  );
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded|javascript|graphql|yaml|x-ndjson)|multipart\/form-data)/i;

function storedBody(body: Body | null, headers: Header[], cap: number) {
  if (!body) return null;
  const type = headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
  const kept = body.bytes.subarray(0, cap);
  const text = TEXTUAL.test(type) || (type === '' && !kept.includes(0)) ? kept.toString('utf8') : null;
  return {
    length: body.length,
    capturedBytes: body.bytes.length,
    truncated: body.truncated,
    cut: body.bytes.length > cap,
    contentType: type || null,
    encoding: text === null ? 'base64' : 'utf8',
    data: text ?? kept.toString('base64'),
  };
}

export function toStoredTransaction(logged: LoggedTransaction, options: RecordOptions): StoredTransaction {
  const t: Transaction = logged.transaction;
  const r = t.request;
  const source = t.meta.sourceInfo ?? null;
  return {
    clientId: logged.clientId,
    transactionId: t.id,
    receivedAt: logged.receivedAt,
    timestamp: t.timestamp,
    method: r.method,
    uri: r.uri,
    host: r.host,
    status: t.response.status,
    clientIp: r.clientIp,
    clientIpRule: r.clientIpRule,
    sourceType: source?.type ?? null,
    detail: {
      idGenerated: t.idGenerated,
      version: t.version,
      scheme: r.scheme,
      httpVersion: r.httpVersion,
      connection: r.connection,
      request: { headers: redactHeaders(r.headers, options.redactionKey), body: storedBody(r.body, r.headers, options.maxBodyBytes) },
      response: {
        headers: redactHeaders(t.response.headers, options.redactionKey),
        body: storedBody(t.response.body, t.response.headers, options.maxBodyBytes),
      },
      source,
      filterName: t.meta.filterInfo?.filterName ?? null,
      sdpInfo: t.meta.sdpInfo ?? null,
      dataExtractions: t.meta.dataExtractions ?? null,
      sensitiveData: (t.meta.sdpInfo?.locations ?? []).map((l) => ({ name: l.name, location: l.location, field: l.field, start: l.start, end: l.end })),
    },
  };
}
