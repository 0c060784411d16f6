// Row mappers both store adapters share: the same columns mean the same fields in SQLite and
// PostgreSQL (times and counters read as numbers, JSON columns parsed).
import type { ActorRecord, ApplicationRecord, ClientRecord, EndpointRecord, Role, SpecRecord, StoredTransaction, UserRecord } from './store.ts';
import type { FindingRecord, FindingStatus } from './findings.ts';

type Row = Record<string, unknown>;

/** A nullable number column (PostgreSQL hands BIGINT over as a string, SQLite as a number). */
export function numOrNull(x: unknown): number | null {
  return x === null || x === undefined ? null : Number(x);
}

export function toClient(r: Row): ClientRecord {
  return {
    clientId: r.client_id as string,
    uid: r.uid as string,
    secretHash: r.secret_hash as string,
    // a BOOLEAN in PostgreSQL, 0 or 1 in SQLite
    trafficIngestion: r.traffic_ingestion === true || r.traffic_ingestion === 1,
    tokenLifespan: Number(r.token_lifespan),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastTokenAt: numOrNull(r.last_token_at),
    lastTransactionAt: numOrNull(r.last_transaction_at),
    tokensIssued: Number(r.tokens_issued),
    transactionsAccepted: Number(r.transactions_accepted),
  };
}

export function toUser(r: Row): UserRecord {
  return {
    username: r.username as string,
    passwordHash: r.password_hash as string,
    role: r.role as Role,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastLoginAt: numOrNull(r.last_login_at),
  };
}

export function toApplication(r: Row): ApplicationRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    hosts: JSON.parse(r.hosts as string) as string[],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toTransaction(r: Row): StoredTransaction & { rowId: number } {
  return {
    rowId: Number(r.row_id),
    clientId: r.client_id as string,
    transactionId: r.transaction_id as string,
    receivedAt: Number(r.received_at),
    timestamp: Number(r.timestamp),
    method: r.method as string,
    uri: r.uri as string,
    host: (r.host as string | null) ?? null,
    status: numOrNull(r.status),
    clientIp: r.client_ip as string,
    clientIpRule: r.client_ip_rule as string,
    sourceType: (r.source_type as string | null) ?? null,
    detail: JSON.parse(r.detail as string) as Record<string, unknown>,
  };
}

export function toEndpoint(r: Row): EndpointRecord {
  return {
    id: r.id as string,
    host: r.host as string,
    method: r.method as string,
    pathTemplate: r.path_template as string,
    provenance: r.provenance as EndpointRecord['provenance'],
    calls: Number(r.calls),
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    sensitiveTypes: JSON.parse(r.sensitive_types as string) as string[],
    detail: JSON.parse(r.detail as string) as Record<string, unknown>,
  };
}

export function toSpecInfo(r: Row): Omit<SpecRecord, 'document'> {
  return {
    id: r.id as string,
    applicationId: r.application_id as string,
    title: r.title as string,
    version: r.version as string,
    openapiVersion: r.openapi_version as string,
    operations: Number(r.operations),
    uploadedAt: Number(r.uploaded_at),
  };
}

export function toFinding(r: Row): FindingRecord {
  return {
    id: r.id as string,
    type: r.type as string,
    owaspCategory: (r.owasp_category as string | null) ?? null,
    severity: r.severity as FindingRecord['severity'],
    endpointId: (r.endpoint_id as string | null) ?? null,
    actor: (r.actor as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    summary: r.summary as string,
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    count: Number(r.count),
    status: r.status as FindingStatus,
    statusReason: (r.status_reason as string | null) ?? null,
    statusBy: (r.status_by as string | null) ?? null,
    statusAt: numOrNull(r.status_at),
    createdAt: Number(r.created_at),
    detail: JSON.parse(r.detail as string) as FindingRecord['detail'],
  };
}

export function toActor(r: Row): ActorRecord {
  return {
    id: r.id as string,
    actor: r.actor as string,
    host: r.host as string,
    kind: r.kind as string,
    label: r.label as string,
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    calls: Number(r.calls),
    errors: Number(r.errors),
    botScore: Number(r.bot_score),
    detail: JSON.parse(r.detail as string) as Record<string, unknown>,
  };
}
