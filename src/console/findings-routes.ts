// Findings (admin-api.md, "Inventory, sensitive data, findings"): the issues analysis found, one
// per (type, endpoint, actor, subject), with masked evidence and the transactions behind them; a
// status a person sets with a reason; export as JSON or CSV.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Store } from '../store/store.ts';
import { FINDING_STATUSES, SEVERITIES, type FindingRecord, type FindingStatus, type Severity } from '../store/findings.ts';
import { ApiError, auditActor, recordAudit } from './access.ts';
import { ErrorBody } from './schemas.ts';

const Finding = Type.Object({
  id: Type.String(),
  type: Type.String(),
  owaspCategory: Type.Union([Type.String(), Type.Null()]),
  severity: Type.String(),
  endpointId: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Union([Type.String(), Type.Null()]),
  subject: Type.Union([Type.String(), Type.Null()]),
  firstSeen: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  count: Type.Integer(),
  status: Type.String(),
  statusReason: Type.Union([Type.String(), Type.Null()]),
  statusBy: Type.Union([Type.String(), Type.Null()]),
  statusAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  summary: Type.String(),
});

const iso = (ms: number) => new Date(ms).toISOString();

function view(f: FindingRecord) {
  const { detail: _detail, ...rest } = f;
  return { ...rest, firstSeen: iso(f.firstSeen), lastSeen: iso(f.lastSeen), statusAt: f.statusAt === null ? null : iso(f.statusAt) };
}

const CSV_COLUMNS = ['id', 'type', 'owaspCategory', 'severity', 'status', 'endpointId', 'actor', 'subject', 'count', 'firstSeen', 'lastSeen', 'summary', 'statusReason'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formulas neutralized for spreadsheets. */
function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function findingsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/findings', {
    schema: {
      tags: ['findings'],
      summary: 'Findings, newest activity first; ?format=csv exports them',
      querystring: Type.Object({
        category: Type.Optional(Type.String({ description: 'API1 ... API10' })),
        severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
        status: Type.Optional(Type.Union(FINDING_STATUSES.map((s) => Type.Literal(s)))),
        type: Type.Optional(Type.String()),
        endpointId: Type.Optional(Type.String()),
        actor: Type.Optional(Type.String()),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      }),
      response: { 200: Type.Unknown({ description: '{items, total} (JSON) or text/csv' }) },
    },
  }, async (req, reply) => {
    const q = req.query as { category?: string; severity?: Severity; status?: FindingStatus; type?: string; endpointId?: string; actor?: string; format?: string; limit?: number; offset?: number };
    const page = await store.listFindings({ ...q, limit: q.limit ?? 100, offset: q.offset ?? 0 });
    // The endpoint each finding is about, in words (one lookup per distinct endpoint of the page).
    const endpoints = new Map<string, { method: string; host: string; pathTemplate: string } | null>();
    for (const id of new Set(page.items.map((f) => f.endpointId).filter((x): x is string => x !== null))) {
      const e = await store.getEndpoint(id);
      endpoints.set(id, e && { method: e.method, host: e.host, pathTemplate: e.pathTemplate });
    }
    const items = page.items.map((f) => ({ ...view(f), endpoint: f.endpointId === null ? null : (endpoints.get(f.endpointId) ?? null) }));
    if (q.format === 'csv') {
      const lines = [CSV_COLUMNS.join(','), ...items.map((f) => CSV_COLUMNS.map((c) => csvField(f[c])).join(','))];
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="tapline-findings.csv"').send(`${lines.join('\r\n')}\r\n`);
    }
    // Counts per severity under every other filter, for the console's severity buttons.
    const counts: Record<string, number> = {};
    for (const severity of SEVERITIES) counts[severity] = (await store.listFindings({ ...q, severity, limit: 1, offset: 0 })).total;
    return { items, total: page.total, counts };
  });

  app.get('/findings/:id', {
    schema: {
      tags: ['findings'],
      summary: 'One finding with its masked evidence and the ids of the transactions behind it',
      params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Unknown(), 404: ErrorBody },
    },
  }, async (req) => {
    const f = await store.getFinding((req.params as { id: string }).id);
    if (!f) throw new ApiError(404, 'not_found', 'no finding with that id');
    return { ...view(f), evidence: f.detail.evidence, transactionIds: f.detail.transactionIds };
  });

  app.patch('/findings/:id', {
    schema: {
      tags: ['findings'],
      summary: 'Set a finding\'s status (open, acknowledged, resolved, false_positive) with a reason',
      params: Type.Object({ id: Type.String() }),
      body: Type.Object({ status: Type.Union(FINDING_STATUSES.map((s) => Type.Literal(s))), reason: Type.Optional(Type.String({ maxLength: 2000 })) }),
      response: { 200: Finding, 404: ErrorBody },
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const body = req.body as { status: FindingStatus; reason?: string };
    const f = await store.updateFindingStatus(id, body.status, body.reason ?? null, auditActor(req));
    if (!f) throw new ApiError(404, 'not_found', 'no finding with that id');
    await recordAudit(store, req, 'finding.status', id, { status: body.status, reason: body.reason ?? null });
    return view(f);
  });
}
