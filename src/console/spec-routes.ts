// API specifications: OpenAPI 2.0, 3.0 and 3.1 documents (JSON or YAML) uploaded per application,
// several versions each. A document is checked against the official OpenAPI JSON schemas before
// it is kept; a 400 lists every problem with its JSON pointer.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse as parseYaml } from 'yaml';
import type { Store } from '../store/store.ts';
import { summarizeSpec } from '../analysis/discovery/openapi-document.ts';
import { ApiError, recordAudit } from './access.ts';
import { ErrorBody } from './schemas.ts';

/** Largest document accepted (the biggest public API descriptions are a few MB). */
export const MAX_SPEC_BYTES = 16 * 1024 * 1024;
const MAX_ERRORS = 20;

export interface SpecProblem {
  /** JSON pointer into the document ('' for the whole document). */
  path: string;
  message: string;
}

export class SpecError extends ApiError {
  constructor(message: string, problems: SpecProblem[]) {
    super(400, 'invalid_spec', message, null, { problems });
  }
}

/** The document from the request: an object, or JSON or YAML text. */
function readDocument(spec: unknown): Record<string, unknown> {
  let doc = spec;
  if (typeof spec === 'string') {
    const text = spec.trim();
    try {
      doc = text.startsWith('{') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      const format = text.startsWith('{') ? 'JSON' : 'YAML';
      throw new SpecError(`spec is not valid ${format}: ${(err as Error).message.split('\n')[0]}`, [{ path: '', message: (err as Error).message.split('\n')[0]! }]);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SpecError('spec must be an OpenAPI document: a JSON object, or its JSON or YAML text', [{ path: '', message: 'not an object' }]);
  }
  const d = doc as Record<string, unknown>;
  if (typeof d.swagger !== 'string' && typeof d.openapi !== 'string') {
    throw new SpecError('spec has neither "openapi" (3.x) nor "swagger" (2.0): is it an OpenAPI document?', [{ path: '', message: 'missing openapi or swagger version field' }]);
  }
  return d;
}

/** The schema violations, de-duplicated, the most specific first, at most MAX_ERRORS. */
async function validate(doc: Record<string, unknown>): Promise<SpecProblem[]> {
  const validator = new Validator({ allErrors: true });
  const result = await validator.validate(doc);
  if (result.valid) return [];
  const raw = (Array.isArray(result.errors) ? result.errors : [{ instancePath: '', message: String(result.errors) }]) as Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  const seen = new Set<string>();
  const problems: SpecProblem[] = [];
  // Deeper pointers say more than the oneOf/anyOf summaries of their parents.
  for (const e of raw.sort((a, b) => (b.instancePath ?? '').length - (a.instancePath ?? '').length)) {
    const extra = e.params?.additionalProperty ?? e.params?.missingProperty ?? e.params?.allowedValues;
    const message = `${e.message ?? 'is invalid'}${extra === undefined ? '' : ` (${JSON.stringify(extra)})`}`;
    const key = `${e.instancePath} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path: e.instancePath ?? '', message });
    if (problems.length === MAX_ERRORS) break;
  }
  return problems;
}

const SpecInfo = Type.Object({
  id: Type.String(),
  applicationId: Type.String(),
  title: Type.String(),
  version: Type.String(),
  openapiVersion: Type.String(),
  operations: Type.Integer(),
  uploadedAt: Type.String({ format: 'date-time' }),
});
const SpecProblemSchema = Type.Object({ path: Type.String(), message: Type.String() });
const SpecInvalid = Type.Object({ error: Type.String(), message: Type.String(), problems: Type.Optional(Type.Array(SpecProblemSchema)) });

const view = (s: { id: string; applicationId: string; title: string; version: string; openapiVersion: string; operations: number; uploadedAt: number }) => ({
  ...s,
  uploadedAt: new Date(s.uploadedAt).toISOString(),
});

export async function specRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const audit = (req: FastifyRequest, action: string, target: string, details: Record<string, unknown> | null = null) =>
    recordAudit(store, req, action, target, details);

  app.post('/specs', {
    bodyLimit: MAX_SPEC_BYTES,
    schema: {
      tags: ['specs'],
      summary: 'Upload an OpenAPI 2.0, 3.0 or 3.1 document (an object, or JSON or YAML text) for an application',
      body: Type.Object({ applicationId: Type.String({ minLength: 1 }), spec: Type.Unknown() }),
      response: { 201: Type.Object({ ...SpecInfo.properties, hosts: Type.Array(Type.String()), deprecated: Type.Integer() }), 400: SpecInvalid, 404: ErrorBody },
    },
  }, async (req, reply) => {
    const body = req.body as { applicationId: string; spec: unknown };
    const application = await store.getApplication(body.applicationId);
    if (!application) throw new ApiError(404, 'not_found', `no application with id "${body.applicationId}"; create it first (POST /api/v1/applications)`);
    if (body.spec === undefined || body.spec === null) throw new SpecError('spec is required: the OpenAPI document, as an object or as JSON or YAML text', [{ path: '', message: 'missing' }]);
    const doc = readDocument(body.spec);
    const problems = await validate(doc);
    if (problems.length > 0) {
      throw new SpecError(`spec is not a valid OpenAPI document: ${problems.length}${problems.length === MAX_ERRORS ? '+' : ''} problem(s), first at "${problems[0]!.path || '/'}": ${problems[0]!.message}`, problems);
    }
    const summary = summarizeSpec(doc);
    const record = {
      id: randomUUID(),
      applicationId: application.id,
      title: summary.title,
      version: summary.version,
      openapiVersion: summary.openapiVersion,
      operations: summary.operations.length,
      uploadedAt: Date.now(),
      document: doc,
    };
    await store.addSpec(record);
    await audit(req, 'spec.upload', record.id, { applicationId: application.id, title: record.title, version: record.version });
    const { document: _document, ...info } = record;
    return reply.code(201).send({ ...view(info), hosts: summary.hosts, deprecated: summary.operations.filter((o) => o.deprecated).length });
  });

  app.get('/specs', {
    schema: {
      tags: ['specs'],
      summary: 'Uploaded specs, newest first',
      querystring: Type.Object({ applicationId: Type.Optional(Type.String()) }),
      response: { 200: Type.Object({ items: Type.Array(SpecInfo) }) },
    },
  }, async (req) => ({ items: (await store.listSpecs((req.query as { applicationId?: string }).applicationId)).map(view) }));

  app.get('/specs/:id', {
    schema: {
      tags: ['specs'],
      summary: 'One spec: its operations (method, path, deprecated, parameters, responses) and, with ?document=true, the document',
      params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ document: Type.Optional(Type.Boolean()) }),
      response: { 200: Type.Unknown(), 404: ErrorBody },
    },
  }, async (req) => {
    const spec = await store.getSpec((req.params as { id: string }).id);
    if (!spec) throw new ApiError(404, 'not_found', 'no spec with that id');
    const { document, ...info } = spec;
    const summary = summarizeSpec(document);
    return { ...view(info), hosts: summary.hosts, operationList: summary.operations, ...((req.query as { document?: boolean }).document ? { document } : {}) };
  });

  app.delete('/specs/:id', {
    schema: { tags: ['specs'], summary: 'Delete a spec version', params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorBody } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteSpec(id))) throw new ApiError(404, 'not_found', 'no spec with that id');
    await audit(req, 'spec.delete', id);
    return reply.code(204).send();
  });
}
