// The sensitive-data step of analysis: every transaction is scanned, and everything stored from
// it (the recent transaction, discovery's state, endpoint aggregates, finding evidence) comes from
// the masked copy, so raw sensitive values never reach the store. Transactions that arrive already
// processed (sdp_info from a bridge) are taken as they are. It also turns what was found into the
// sensitive-data findings of an endpoint.
import type { SdpLocation, Transaction } from '../wire/transaction.ts';
import type { FindingObservation, Severity } from '../store/findings.ts';
import { maskTransaction, maskValue, scanTransaction, scanValue, typeInfo, type Finding } from './sensitive/index.ts';
import { scanCustomTypes, type CompiledCustomType } from './sensitive/custom.ts';
import { memoizedPerKey } from './recent-memo.ts';

export interface Protected {
  /** The transaction with every detected value masked (and its sdp_info set). */
  masked: Transaction;
  /** Where sensitive data was: from this scan, or from the sdp_info the capture sent. */
  locations: SdpLocation[];
}

export function protect(raw: Transaction, key: string, custom: CompiledCustomType[] = []): Protected {
  const given = raw.meta.sdpInfo;
  if (given && !given.skipped && Array.isArray(given.locations)) return { masked: raw, locations: given.locations };
  const found = [...scanTransaction(raw).locations, ...scanCustomTypes(raw, custom)];
  if (found.length === 0) return { masked: raw, locations: [] };
  const { tx, sdpInfo } = maskTransaction(raw, found, { key });
  return { masked: tx, locations: sdpInfo.locations };
}

/** A text with what the detectors find in it masked (remembered: findings repeat the same texts on every call). */
const maskText = memoizedPerKey((key, text) => {
  let out = text;
  for (const f of [...scanValue(text)].sort((a, b) => b.start - a.start)) out = out.slice(0, f.start) + maskValue(f.name, out.slice(f.start, f.end), { key }) + out.slice(f.end);
  return out;
});

/** Every string in `value` with what the detectors find in it masked (for finding evidence). */
export function maskEvidence<T>(value: T, key: string): T {
  if (typeof value === 'string') return maskText(key, value) as T;
  if (Array.isArray(value)) return value.map((v) => maskEvidence(v, key)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEvidence(v, key)])) as T;
  return value;
}

/** Array indices of a field path as `*`: `accounts.0.cardNumber` -> `accounts.*.cardNumber`. */
export const fieldPattern = (field: string) => field.replace(/(^|\.)\d+(?=\.|$)/g, '$1*');

const worse = (a: Severity, b: Severity): Severity => (['info', 'low', 'medium', 'high', 'critical'].indexOf(a) >= ['info', 'low', 'medium', 'high', 'critical'].indexOf(b) ? a : b);

/**
 * Sensitive-data findings of one transaction: data in responses (API3), secrets in responses,
 * data in URLs, and data returned to a caller that sent no credentials.
 */
export function sensitiveFindings(t: Transaction, locations: SdpLocation[], endpointId: string, authenticated: boolean, at: number): FindingObservation[] {
  const out: FindingObservation[] = [];
  const seen = new Set<string>();
  let unauthenticated: { types: Set<string>; severity: Severity } | null = null;
  for (const l of locations) {
    const info = typeInfo(l.name);
    const severity: Severity = info?.severity ?? 'medium';
    const field = fieldPattern(l.field);
    const where = l.location === 'RESPONSE_BODY' || l.location === 'RESPONSE_HEADERS' ? 'response' : l.location === 'REQUEST_QUERY' ? 'url' : null;
    if (where === null) continue;
    const key = `${where}|${field}|${l.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const subject = `${l.location.toLowerCase()}.${field}`;
    if (where === 'url') {
      out.push({ type: 'SENSITIVE_DATA_IN_URL', owaspCategory: 'API3', severity: worse(severity, 'medium'), endpointId, actor: null, subject: `${subject}:${l.name}`,
        summary: `${l.name} sent in the URL (${field || 'query'}): URLs end up in logs, caches and browser history`, evidence: { type: l.name, location: l.location, field }, transactionId: t.id, at });
      continue;
    }
    const secret = info?.category === 'CREDENTIALS';
    out.push({
      type: secret ? 'SECRET_IN_RESPONSE' : 'SENSITIVE_DATA_IN_RESPONSE',
      owaspCategory: 'API3',
      severity: secret ? 'critical' : severity,
      endpointId,
      actor: null,
      subject: `${subject}:${l.name}`,
      summary: `${secret ? 'A secret' : 'Sensitive data'} (${l.name}) returned in ${l.location === 'RESPONSE_HEADERS' ? 'a response header' : 'the response body'}${field ? ` at ${field}` : ''}`,
      evidence: { type: l.name, category: info?.category ?? null, location: l.location, field },
      transactionId: t.id,
      at,
    });
    if (!authenticated && (t.response.status ?? 0) < 300) {
      unauthenticated ??= { types: new Set(), severity: 'high' };
      unauthenticated.types.add(l.name);
      unauthenticated.severity = worse(unauthenticated.severity, severity);
    }
  }
  if (unauthenticated) {
    out.push({
      type: 'UNAUTHENTICATED_SENSITIVE_DATA', owaspCategory: 'API2', severity: unauthenticated.severity, endpointId, actor: null, subject: null,
      summary: `Returns ${[...unauthenticated.types].join(', ')} to callers that sent no credentials`,
      evidence: { types: [...unauthenticated.types], status: t.response.status }, transactionId: t.id, at,
    });
  }
  return out;
}

export type { Finding };
