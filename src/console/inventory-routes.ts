// The API inventory (admin-api.md, "Inventory"): endpoints discovered from traffic with their
// provenance and inventory state, filters, and one endpoint in full (parameters with evidence,
// traffic statistics, schemas, auth schemes, samples, history). States are decided at read time
// from the uploaded specs, so uploading a spec changes them at once.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { EndpointRecord, Store } from '../store/store.ts';
import { applicationOf } from '../store/applications.ts';
import { summarizeSpec, type SpecSummary } from '../analysis/discovery/openapi-document.ts';
import { endpointState, INVENTORY_WINDOW_MS, orphanOperations, type InventoryState, type SpecVersion, type StateEvidence } from '../analysis/discovery/inventory-state.ts';
import { quantile, type EndpointStats, type Histogram } from '../analysis/discovery/endpoint-stats.ts';
import { publicSchema } from '../analysis/discovery/json-schema.ts';
import { exportOpenApi } from '../analysis/discovery/openapi-export.ts';
import { randomUUID } from 'node:crypto';
import { ApiError, auditActor, recordAudit } from './access.ts';
import { ErrorBody } from './schemas.ts';

const STATES = ['documented', 'orphan', 'shadow', 'zombie', 'unknown'] as const;

const EndpointItem = Type.Object({
  id: Type.String(),
  host: Type.String(),
  method: Type.String(),
  pathTemplate: Type.String(),
  provenance: Type.Union([Type.Literal('spec'), Type.Literal('gateway'), Type.Literal('inferred')]),
  state: Type.Union(STATES.map((s) => Type.Literal(s))),
  applicationId: Type.Union([Type.String(), Type.Null()]),
  calls: Type.Integer(),
  firstSeen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastSeen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  sensitiveTypes: Type.Array(Type.String()),
  authSchemes: Type.Array(Type.String()),
});

/** One row of the list (the EndpointItem schema). */
interface EndpointItemValue {
  id: string;
  host: string;
  method: string;
  pathTemplate: string;
  provenance: EndpointRecord['provenance'];
  state: InventoryState;
  applicationId: string | null;
  calls: number;
  firstSeen: string | null;
  lastSeen: string | null;
  sensitiveTypes: string[];
  authSchemes: string[];
}

const iso = (ms: number | null) => (ms === null || ms === 0 ? null : new Date(ms).toISOString());

/** Parsed spec summaries, by spec id (documents never change once uploaded). */
const summaries = new Map<string, SpecSummary>();

async function specVersions(store: Store): Promise<Map<string, SpecVersion[]>> {
  const byApp = new Map<string, SpecVersion[]>();
  for (const info of await store.listSpecs()) {
    let summary = summaries.get(info.id);
    if (!summary) {
      const spec = await store.getSpec(info.id);
      if (!spec) continue;
      summary = summarizeSpec(spec.document);
      summaries.set(info.id, summary);
    }
    const list = byApp.get(info.applicationId) ?? [];
    list.push({ id: info.id, uploadedAt: info.uploadedAt, summary });
    byApp.set(info.applicationId, list);
  }
  return byApp;
}

interface Row {
  record: EndpointRecord | null;
  item: EndpointItemValue;
  evidence: StateEvidence;
}

function authNames(e: EndpointRecord): string[] {
  const stats = (e.detail as { stats?: EndpointStats }).stats;
  return Object.keys(stats?.auth ?? {}).sort();
}

/** Every endpoint with its state, plus the documented operations nobody called (orphans). */
async function inventory(store: Store, now: number): Promise<Row[]> {
  const [apps, specs, endpoints] = await Promise.all([store.listApplications(), specVersions(store), store.allEndpoints()]);
  const windowStart = now - INVENTORY_WINDOW_MS;
  const rows: Row[] = [];
  const byApp = new Map<string, EndpointRecord[]>();
  for (const e of endpoints) {
    const app = applicationOf(apps, e.host);
    const versions = app ? (specs.get(app.id) ?? []) : [];
    const evidence = endpointState(e, versions, windowStart);
    if (app) byApp.set(app.id, [...(byApp.get(app.id) ?? []), e]);
    rows.push({
      record: e,
      evidence,
      item: {
        id: e.id,
        host: e.host,
        method: e.method,
        pathTemplate: e.pathTemplate,
        provenance: e.provenance,
        state: evidence.state,
        applicationId: app?.id ?? null,
        calls: e.calls,
        firstSeen: iso(e.firstSeen),
        lastSeen: iso(e.lastSeen),
        sensitiveTypes: e.sensitiveTypes,
        authSchemes: authNames(e),
      },
    });
  }
  for (const app of apps) {
    const versions = specs.get(app.id) ?? [];
    const seen = byApp.get(app.id) ?? [];
    for (const op of orphanOperations(versions, seen, windowStart)) {
      // Already listed when an endpoint matched it before the window (that endpoint is orphan).
      if (seen.some((e) => e.method === op.method && e.pathTemplate === op.path)) continue;
      const newest = versions[0]!;
      rows.push({
        record: null,
        evidence: { state: 'orphan', reason: 'in the newest spec, never called within the window', specId: newest.id, specVersion: newest.summary.version, operation: { method: op.method, path: op.path, operationId: op.operationId, deprecated: op.deprecated } },
        item: {
          id: `orphan:${newest.id}:${op.method}:${op.path}`,
          host: app.hosts[0] ?? '',
          method: op.method,
          pathTemplate: op.path,
          provenance: 'spec',
          state: 'orphan',
          applicationId: app.id,
          calls: 0,
          firstSeen: null,
          lastSeen: null,
          sensitiveTypes: [],
          authSchemes: [],
        },
      });
    }
  }
  return rows;
}

function histogramView(h: Histogram | undefined) {
  if (!h || h.n === 0) return null;
  return { count: h.n, min: h.min, max: h.max, p50: quantile(h, 0.5), p95: quantile(h, 0.95), p99: quantile(h, 0.99) };
}

/** One endpoint in full, for the endpoint page. */
function endpointView(row: Row) {
  const e = row.record;
  const d = (e?.detail ?? {}) as { source?: string; params?: unknown[]; stats?: EndpointStats; history?: unknown[] };
  const s = d.stats;
  return {
    ...row.item,
    stateEvidence: row.evidence,
    source: d.source ?? 'spec',
    pathParameters: d.params ?? [],
    statuses: s?.statuses ?? {},
    latencyMs: histogramView(s?.latencyMs),
    requestBytes: histogramView(s?.requestBytes),
    responseBytes: histogramView(s?.responseBytes),
    requestContentTypes: s?.requestTypes ?? {},
    responseContentTypes: s?.responseTypes ?? {},
    queryParameters: Object.entries(s?.query ?? {}).map(([name, q]) => ({ name, ...q })),
    auth: Object.values(s?.auth ?? {}),
    requestSchema: s?.requestSchema ? publicSchema(s.requestSchema) : null,
    responseSchemas: Object.fromEntries(Object.entries(s?.responseSchemas ?? {}).map(([status, schema]) => [status, publicSchema(schema)])),
    sampleTransactionIds: s?.samples ?? [],
    history: d.history ?? [],
  };
}

const Template = Type.String({ pattern: '^/', maxLength: 2000, description: 'an OpenAPI-style path template, e.g. /users/{userId}' });
const Method = Type.String({ pattern: '^[A-Za-z]+$', maxLength: 20 });
/** The user corrections discovery understands (analysis/discovery/rules.ts); per-kind fields are checked in the handler. */
const RuleSchema = Type.Object({
  kind: Type.Union([Type.Literal('merge'), Type.Literal('split'), Type.Literal('rename'), Type.Literal('ignore')], {
    description: 'merge: one template for every path it matches; split: keep this more specific template apart; rename: rename a path parameter; ignore: drop matching paths',
  }),
  template: Type.Optional(Template),
  pattern: Type.Optional(Type.String({ pattern: '^/', maxLength: 2000, description: 'ignore: a template, or a prefix ending in /**' })),
  method: Type.Optional(Method),
  from: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' })),
  to: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' })),
});

/** The rule as discovery reads it, or a 400 that names the missing or wrong field. */
function checkRule(r: Record<string, unknown>): Record<string, unknown> {
  const need = (field: string) => {
    if (typeof r[field] !== 'string') throw new ApiError(400, 'invalid_request', `rule.${field} is required for a ${String(r.kind)} rule`);
    return r[field] as string;
  };
  const method = typeof r.method === 'string' ? { method: r.method.toUpperCase() } : {};
  switch (r.kind) {
    case 'merge':
    case 'split':
      return { kind: r.kind, template: need('template'), ...method };
    case 'rename': {
      const template = need('template');
      const from = need('from');
      if (!template.includes(`{${from}}`)) throw new ApiError(400, 'invalid_request', `rule.from: the template ${template} has no parameter {${from}}`);
      return { kind: 'rename', template, from, to: need('to') };
    }
    default:
      return { kind: 'ignore', pattern: need('pattern'), ...method };
  }
}
const RuleRecord = Type.Object({ id: Type.String(), host: Type.String(), rule: RuleSchema, createdAt: Type.String({ format: 'date-time' }), createdBy: Type.String() });

export async function inventoryRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.post('/discovery-rules', {
    schema: {
      tags: ['inventory'],
      summary: 'Add a correction to discovery for a host: merge, split, rename a parameter, or ignore paths. Applies to all later traffic; inference never undoes it',
      body: Type.Object({ host: Type.String({ minLength: 1, maxLength: 300 }), rule: RuleSchema }),
      response: { 201: RuleRecord, 400: ErrorBody },
    },
  }, async (req, reply) => {
    const body = req.body as { host: string; rule: Record<string, unknown> };
    if (!/^[a-z0-9.:[\]_-]+$/i.test(body.host)) {
      throw new ApiError(400, 'invalid_request', `host must be one concrete host name as traffic names it (got "${body.host}"); rules do not take wildcards`);
    }
    const record = { id: randomUUID(), host: body.host.toLowerCase(), rule: checkRule(body.rule), createdAt: Date.now(), createdBy: auditActor(req) };
    await store.addDiscoveryRule(record);
    await recordAudit(store, req, 'discovery-rule.create', record.id, { host: record.host, rule: record.rule });
    return reply.code(201).send({ ...record, createdAt: new Date(record.createdAt).toISOString() });
  });

  app.get('/discovery-rules', {
    schema: {
      tags: ['inventory'],
      summary: 'Corrections to discovery, oldest first (the order they apply in)',
      querystring: Type.Object({ host: Type.Optional(Type.String()) }),
      response: { 200: Type.Object({ items: Type.Array(RuleRecord) }) },
    },
  }, async (req) => {
    const host = (req.query as { host?: string }).host?.toLowerCase();
    return { items: (await store.listDiscoveryRules(host)).map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })) };
  });

  app.delete('/discovery-rules/:id', {
    schema: { tags: ['inventory'], summary: 'Remove a correction (traffic from then on is inferred again)', params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorBody } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteDiscoveryRule(id))) throw new ApiError(404, 'not_found', 'no discovery rule with that id');
    await recordAudit(store, req, 'discovery-rule.delete', id);
    return reply.code(204).send();
  });

  app.get('/endpoints', {
    schema: {
      tags: ['inventory'],
      summary: 'Endpoints discovered from traffic (and documented operations never called), with state and provenance',
      querystring: Type.Object({
        host: Type.Optional(Type.String()),
        applicationId: Type.Optional(Type.String()),
        state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)))),
        method: Type.Optional(Type.String()),
        auth: Type.Optional(Type.String({ description: 'an auth scheme seen, e.g. none, basic, bearer, apiKey, cookie' })),
        sensitive: Type.Optional(Type.String({ description: 'a sensitive data type, e.g. EMAIL; "any" for any' })),
        q: Type.Optional(Type.String({ description: 'text the path template contains' })),
        sort: Type.Optional(Type.Union([Type.Literal('calls'), Type.Literal('lastSeen'), Type.Literal('path')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      }),
      response: {
        200: Type.Object({
          items: Type.Array(EndpointItem),
          total: Type.Integer(),
          counts: Type.Object(Object.fromEntries(STATES.map((state) => [state, Type.Integer()])), { description: 'endpoints per state under every filter but state' }),
          facets: Type.Object({ hosts: Type.Array(Type.String()), sensitiveTypes: Type.Array(Type.String()) }, { description: 'values the other filters can take' }),
        }),
      },
    },
  }, async (req) => {
    const q = req.query as { host?: string; applicationId?: string; state?: InventoryState; method?: string; auth?: string; sensitive?: string; q?: string; sort?: string; limit?: number; offset?: number };
    const all = (await inventory(store, Date.now())).map((r) => r.item);
    // Each filter by name, so counts and facets can leave their own filter out.
    const filters: Record<string, ((r: EndpointItemValue) => boolean) | null> = {
      host: q.host ? (r) => r.host === q.host!.toLowerCase() : null,
      applicationId: q.applicationId ? (r) => r.applicationId === q.applicationId : null,
      method: q.method ? (r) => r.method === q.method!.toUpperCase() : null,
      auth: q.auth ? (r) => r.authSchemes.some((a) => a === q.auth || a.startsWith(`${q.auth} `)) : null,
      sensitive: q.sensitive ? (r) => (q.sensitive === 'any' ? r.sensitiveTypes.length > 0 : r.sensitiveTypes.includes(q.sensitive!)) : null,
      q: q.q ? (r) => r.pathTemplate.toLowerCase().includes(q.q!.toLowerCase()) : null,
      state: q.state ? (r) => r.state === q.state : null,
    };
    const except = (...skip: string[]) => all.filter((r) => Object.entries(filters).every(([name, f]) => skip.includes(name) || f === null || f(r)));
    // Counts per state, and the values host and sensitive type can take, under the other filters.
    const counts = Object.fromEntries(STATES.map((state) => [state, except('state').filter((r) => r.state === state).length])) as Record<InventoryState, number>;
    const facets = {
      hosts: [...new Set(except('host', 'state').map((r) => r.host))].sort(),
      sensitiveTypes: [...new Set(except('sensitive', 'state').flatMap((r) => r.sensitiveTypes))].sort(),
    };
    const rows = except();
    const sort = q.sort ?? 'calls';
    rows.sort((a, b) =>
      sort === 'lastSeen' ? (b.lastSeen ?? '').localeCompare(a.lastSeen ?? '')
      : sort === 'path' ? `${a.host}${a.pathTemplate}${a.method}`.localeCompare(`${b.host}${b.pathTemplate}${b.method}`)
      : b.calls - a.calls || a.pathTemplate.localeCompare(b.pathTemplate));
    const offset = q.offset ?? 0;
    return { items: rows.slice(offset, offset + (q.limit ?? 100)), total: rows.length, counts, facets };
  });

  app.get('/endpoints/openapi', {
    schema: {
      tags: ['inventory'],
      summary: 'The API of a host or an application as reconstructed from traffic: an OpenAPI 3.1 document (paths, parameters, schemas, security schemes seen)',
      querystring: Type.Object({ host: Type.Optional(Type.String()), applicationId: Type.Optional(Type.String()) }),
      response: { 200: Type.Unknown(), 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req, reply) => {
    const q = req.query as { host?: string; applicationId?: string };
    if ((q.host === undefined) === (q.applicationId === undefined)) throw new ApiError(400, 'invalid_request', 'give exactly one of host or applicationId');
    const all = await store.allEndpoints();
    let title: string;
    let endpoints: EndpointRecord[];
    if (q.host !== undefined) {
      title = q.host.toLowerCase();
      endpoints = all.filter((e) => e.host === title);
    } else {
      const app = await store.getApplication(q.applicationId!);
      if (!app) throw new ApiError(404, 'not_found', 'no application with that id');
      const apps = await store.listApplications();
      title = app.name;
      endpoints = all.filter((e) => applicationOf(apps, e.host)?.id === app.id);
    }
    if (endpoints.length === 0) throw new ApiError(404, 'not_found', `no endpoints seen for ${q.host !== undefined ? `host ${title}` : `application ${title}`} yet`);
    const filename = `${title.replace(/[^A-Za-z0-9._-]/g, '_')}.openapi.json`;
    return reply.header('content-disposition', `attachment; filename="${filename}"`).send(exportOpenApi(title, endpoints));
  });

  app.get('/endpoints/:id', {
    schema: {
      tags: ['inventory'],
      summary: 'One endpoint in full: state with evidence, path parameters with evidence, traffic statistics, schemas, auth, samples, history',
      params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Unknown(), 404: ErrorBody },
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const row = (await inventory(store, Date.now())).find((r) => r.item.id === id);
    if (!row) throw new ApiError(404, 'not_found', 'no endpoint with that id');
    return endpointView(row);
  });
}
