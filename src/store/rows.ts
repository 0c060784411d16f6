// Row mappers both store adapters share: the same columns mean the same fields in SQLite and
// PostgreSQL (times and counters read as numbers, JSON columns parsed).
import type { ActorRecord, EndpointRecord, SpecRecord } from './store.ts';
import type { FindingRecord, FindingStatus } from './findings.ts';

type Row = Record<string, unknown>;

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
    statusAt: r.status_at === null || r.status_at === undefined ? null : Number(r.status_at),
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
