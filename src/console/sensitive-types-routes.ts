// Custom sensitive data types (a name, a value pattern and/or field-name conditions, an optional
// checksum) and a dry run that shows what a definition would match in recent traffic before it is
// saved. Saved types apply to traffic analysed from then on: found, masked, reported.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { StoredTransaction, Store } from '../store/store.ts';
import type { Header, Transaction } from '../wire/transaction.ts';
import { compileCustomType, scanCustomTypes, type CustomTypeDefinition } from '../analysis/sensitive/custom.ts';
import { maskValue, TYPES } from '../analysis/sensitive/index.ts';
import { ApiError, auditActor, recordAudit } from './access.ts';
import { ErrorBody } from './schemas.ts';

const Definition = Type.Object({
  name: Type.String({ description: 'upper snake case, e.g. EMPLOYEE_ID' }),
  category: Type.Optional(Type.String({ default: 'CUSTOM', maxLength: 40 })),
  severity: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')], { default: 'medium' })),
  pattern: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()], { description: 'a regular expression the whole value must match' })),
  fieldNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'field names the value must sit under (any of them)' })),
  validator: Type.Optional(Type.Union([Type.Literal('luhn'), Type.Literal('mod97'), Type.Null()])),
});

function definitionOf(body: Record<string, unknown>): CustomTypeDefinition {
  const d: CustomTypeDefinition = {
    name: String(body.name),
    category: (body.category as string | undefined) ?? 'CUSTOM',
    severity: (body.severity as CustomTypeDefinition['severity'] | undefined) ?? 'medium',
    pattern: (body.pattern as string | null | undefined) ?? null,
    fieldNames: (body.fieldNames as string[] | undefined) ?? [],
    validator: (body.validator as CustomTypeDefinition['validator'] | undefined) ?? null,
  };
  try {
    compileCustomType(d);
  } catch (err) {
    throw new ApiError(400, 'invalid_request', (err as Error).message);
  }
  return d;
}

/** A stored (already masked for the built-in types) transaction, as the scanner reads one. */
function asTransaction(t: StoredTransaction): Transaction {
  const d = t.detail as { request?: { headers?: Array<{ name: string; value: string }>; body?: { encoding: string; data: string } | null }; response?: { headers?: Array<{ name: string; value: string }>; body?: { encoding: string; data: string } | null } };
  const headers = (h?: Array<{ name: string; value: string }>): Header[] => (h ?? []).map((x) => [x.name, x.value]);
  const body = (b?: { encoding: string; data: string } | null) => (b && b.encoding === 'utf8' ? { bytes: Buffer.from(b.data), length: Buffer.byteLength(b.data), truncated: false } : null);
  return {
    id: t.transactionId, idGenerated: false, timestamp: t.timestamp, version: null,
    request: { method: t.method, uri: t.uri, host: t.host, scheme: 'https', httpVersion: null, clientIp: t.clientIp, clientIpRule: 'client-ip', connection: { connectionIp: t.clientIp, serverIp: '' }, headers: headers(d.request?.headers), body: body(d.request?.body) },
    response: { status: t.status, headers: headers(d.response?.headers), body: body(d.response?.body) },
    meta: {},
  };
}

export async function sensitiveTypeRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/sensitive-data', {
    schema: {
      tags: ['sensitive data'],
      summary: 'Where sensitive data flows: per type (endpoints, fields, occurrences) and per endpoint field (location, field path, type, counts, first and last seen)',
      querystring: Type.Object({
        type: Type.Optional(Type.String()),
        host: Type.Optional(Type.String()),
        location: Type.Optional(Type.String({ description: 'REQUEST_BODY, RESPONSE_BODY, REQUEST_HEADERS, RESPONSE_HEADERS, REQUEST_QUERY' })),
      }),
      response: { 200: Type.Unknown() },
    },
  }, async (req) => {
    const q = req.query as { type?: string; host?: string; location?: string };
    const custom = new Map((await store.listCustomTypes()).map((t) => [t.name, t.definition]));
    const info = (name: string) => {
      const b = TYPES.find((t) => t.name === name);
      const c = custom.get(name);
      return { category: b?.category ?? (c?.category as string | undefined) ?? 'CUSTOM', severity: b?.severity ?? (c?.severity as string | undefined) ?? 'medium' };
    };
    const fields: Array<{ endpointId: string; host: string; method: string; pathTemplate: string; name: string; location: string; field: string; count: number; firstSeen: string; lastSeen: string }> = [];
    for (const e of await store.allEndpoints()) {
      if (q.host && e.host !== q.host.toLowerCase()) continue;
      const sensitive = (e.detail as { sensitive?: Record<string, { name: string; location: string; field: string; count: number; firstSeen: number; lastSeen: number }> }).sensitive ?? {};
      for (const f of Object.values(sensitive)) {
        if ((q.type && f.name !== q.type) || (q.location && f.location !== q.location)) continue;
        fields.push({ endpointId: e.id, host: e.host, method: e.method, pathTemplate: e.pathTemplate, name: f.name, location: f.location, field: f.field, count: f.count, firstSeen: new Date(f.firstSeen).toISOString(), lastSeen: new Date(f.lastSeen).toISOString() });
      }
    }
    fields.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
    const byType = new Map<string, { name: string; category: string; severity: string; endpoints: Set<string>; fields: number; occurrences: number; lastSeen: string }>();
    for (const f of fields) {
      const t = byType.get(f.name) ?? { name: f.name, ...info(f.name), endpoints: new Set<string>(), fields: 0, occurrences: 0, lastSeen: f.lastSeen };
      t.endpoints.add(f.endpointId);
      t.fields++;
      t.occurrences += f.count;
      if (f.lastSeen > t.lastSeen) t.lastSeen = f.lastSeen;
      byType.set(f.name, t);
    }
    const types = [...byType.values()].map((t) => ({ ...t, endpoints: t.endpoints.size })).sort((a, b) => b.occurrences - a.occurrences);
    return { types, fields };
  });

  app.get('/sensitive-types', {
    schema: { tags: ['sensitive data'], summary: 'The built-in sensitive data types and the custom ones', response: { 200: Type.Unknown() } },
  }, async () => ({
    builtIn: TYPES.map((t) => ({ name: t.name, category: t.category, severity: t.severity })),
    custom: (await store.listCustomTypes()).map((t) => ({ id: t.id, ...t.definition, createdAt: new Date(t.createdAt).toISOString(), createdBy: t.createdBy })),
  }));

  app.post('/sensitive-types', {
    schema: { tags: ['sensitive data'], summary: 'Add a custom sensitive data type (applies to traffic analysed from then on)', body: Definition, response: { 201: Type.Unknown(), 400: ErrorBody, 409: ErrorBody } },
  }, async (req, reply) => {
    const definition = definitionOf(req.body as Record<string, unknown>);
    if (TYPES.some((t) => t.name === definition.name)) throw new ApiError(409, 'exists', `${definition.name} is a built-in type; choose another name`);
    const record = { id: randomUUID(), name: definition.name, definition: { ...definition }, createdAt: Date.now(), createdBy: auditActor(req) };
    if (!(await store.addCustomType(record))) throw new ApiError(409, 'exists', `a custom type named ${definition.name} exists`);
    await recordAudit(store, req, 'sensitive-type.create', record.id, { ...definition });
    return reply.code(201).send({ id: record.id, ...definition, createdAt: new Date(record.createdAt).toISOString(), createdBy: record.createdBy });
  });

  app.delete('/sensitive-types/:id', {
    schema: { tags: ['sensitive data'], summary: 'Remove a custom type', params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorBody } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteCustomType(id))) throw new ApiError(404, 'not_found', 'no custom type with that id');
    await recordAudit(store, req, 'sensitive-type.delete', id);
    return reply.code(204).send();
  });

  app.post('/sensitive-types/dry-run', {
    schema: {
      tags: ['sensitive data'],
      summary: 'What a definition would match in recent traffic (matched values are shown masked)',
      body: Type.Object({ ...Definition.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })) }),
      response: { 200: Type.Unknown(), 400: ErrorBody },
    },
  }, async (req) => {
    const body = req.body as Record<string, unknown> & { limit?: number };
    const definition = definitionOf(body);
    const type = compileCustomType(definition);
    const recent = await store.queryTransactions({ limit: body.limit ?? 1000 });
    const matches: Array<Record<string, unknown>> = [];
    let transactions = 0;
    for (const stored of recent) {
      const tx = asTransaction(stored);
      let hit = false;
      scanCustomTypes(tx, [type], (f, value) => {
        hit = true;
        if (matches.length < 100) {
          matches.push({ transactionId: stored.transactionId, host: stored.host, method: stored.method, uri: stored.uri.split('?')[0], location: f.location, field: f.field, masked: maskValue(definition.name, value) });
        }
      });
      if (hit) transactions++;
    }
    return { scanned: recent.length, transactions, matches };
  });
}
