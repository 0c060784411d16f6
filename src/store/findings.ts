// Findings as the store keeps them: one row per (type, endpoint, actor, subject), however often
// the issue recurs. Both store adapters fold new observations into a row with `foldFinding`, so
// they count, keep evidence and reopen resolved findings the same way.
import { hash } from 'node:crypto';

export type FindingStatus = 'open' | 'acknowledged' | 'resolved' | 'false_positive';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export const FINDING_STATUSES: readonly FindingStatus[] = ['open', 'acknowledged', 'resolved', 'false_positive'];

/** What an analyzer reports: one occurrence (or `count` of them) of an issue. */
export interface FindingObservation {
  /** Upper snake case, e.g. `SENSITIVE_DATA_IN_RESPONSE`, `SQL_INJECTION_ATTEMPT`. */
  type: string;
  /** `API1` ... `API10`, or null when it is not an OWASP API Top 10 category. */
  owaspCategory: string | null;
  severity: Severity;
  endpointId: string | null;
  /** Who (hashed identity), when the finding is about an actor. */
  actor: string | null;
  /** What inside the endpoint, e.g. a field path (`response.body.accounts.0.cardNumber`). */
  subject: string | null;
  summary: string;
  /** Masked evidence a person can check (never raw sensitive values). */
  evidence: Record<string, unknown>;
  transactionId: string | null;
  /** More transactions behind it (a behaviour rule's recent calls), oldest first. */
  transactionIds?: string[];
  at: number;
  count?: number;
}

export interface FindingRecord {
  id: string;
  type: string;
  owaspCategory: string | null;
  severity: Severity;
  endpointId: string | null;
  actor: string | null;
  subject: string | null;
  summary: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
  status: FindingStatus;
  statusReason: string | null;
  statusBy: string | null;
  statusAt: number | null;
  /** When Tapline first recorded it (its clock, not the capture's). */
  createdAt: number;
  /** The newest evidence (a few) and the transactions behind the finding (the newest 20). */
  detail: { evidence: Array<Record<string, unknown>>; transactionIds: string[] };
}

export interface FindingQuery {
  category?: string;
  severity?: Severity;
  status?: FindingStatus;
  type?: string;
  endpointId?: string;
  actor?: string;
  limit: number;
  offset: number;
}

const KEEP_EVIDENCE = 5;
const KEEP_TRANSACTIONS = 20;

type FindingKey = Pick<FindingObservation, 'type' | 'endpointId' | 'actor' | 'subject'>;
const keyText = (o: FindingKey) => `${o.type}\n${o.endpointId ?? ''}\n${o.actor ?? ''}\n${o.subject ?? ''}`;
const idOfKey = (key: string) => hash('sha256', key, 'base64url').slice(0, 22);

/** The row a finding lives in: the same issue on the same endpoint, actor and subject. */
export function findingId(o: FindingKey): string {
  return idOfKey(keyText(o));
}

const worse = (a: Severity, b: Severity): Severity => (SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b);

/**
 * The row after `observations` (all of the same id, oldest first) on top of `current`. A resolved
 * finding that recurs is open again; acknowledged and false-positive ones keep their status.
 */
export function foldFinding(current: FindingRecord | null, observations: FindingObservation[]): FindingRecord {
  const first = observations[0]!;
  let row: FindingRecord = current ?? {
    id: findingId(first),
    type: first.type,
    owaspCategory: first.owaspCategory,
    severity: first.severity,
    endpointId: first.endpointId,
    actor: first.actor,
    subject: first.subject,
    summary: first.summary,
    firstSeen: first.at,
    lastSeen: first.at,
    count: 0,
    status: 'open',
    statusReason: null,
    statusBy: null,
    statusAt: null,
    createdAt: Date.now(),
    detail: { evidence: [], transactionIds: [] },
  };
  // One pass over the batch, then the kept lists cut once: the same result as folding the
  // observations one by one (an id dropped by a cut never comes back unless it recurs later).
  let { severity, firstSeen, lastSeen, count } = row;
  const evidence = [...row.detail.evidence];
  const transactionIds = [...row.detail.transactionIds];
  for (const o of observations) {
    severity = worse(severity, o.severity);
    firstSeen = Math.min(firstSeen, o.at);
    lastSeen = Math.max(lastSeen, o.at);
    count += o.count ?? 1;
    evidence.push(o.evidence);
    if (o.transactionIds) transactionIds.push(...o.transactionIds);
    if (o.transactionId) transactionIds.push(o.transactionId);
  }
  row = {
    ...row,
    severity,
    summary: observations[observations.length - 1]!.summary,
    firstSeen,
    lastSeen,
    count,
    detail: { evidence: evidence.slice(-KEEP_EVIDENCE), transactionIds: lastOccurrences(transactionIds, KEEP_TRANSACTIONS) },
  };
  if (row.status === 'resolved' && current !== null) {
    row = { ...row, status: 'open', statusReason: 'seen again after it was resolved', statusBy: 'tapline', statusAt: observations[0]!.at };
  }
  return row;
}

/** The last `keep` distinct ids, each at its last position, in order. */
function lastOccurrences(ids: string[], keep: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = ids.length - 1; i >= 0 && out.length < keep; i--) {
    if (!seen.has(ids[i]!)) {
      seen.add(ids[i]!);
      out.push(ids[i]!);
    }
  }
  return out.reverse();
}

/**
 * Observations grouped by the row they fold into, in the order given. A batch holds thousands of
 * observations of a few dozen rows, so they are grouped by their key text and each row's id is
 * hashed once.
 */
export function groupFindings(observations: FindingObservation[]): Map<string, FindingObservation[]> {
  const byKey = new Map<string, FindingObservation[]>();
  for (const o of observations) {
    const key = keyText(o);
    const list = byKey.get(key);
    if (list) list.push(o);
    else byKey.set(key, [o]);
  }
  const groups = new Map<string, FindingObservation[]>();
  for (const [key, list] of byKey) groups.set(idOfKey(key), list);
  return groups;
}
