// The admin REST API under /api/v1 (admin-api.md), authenticated with the admin bearer token.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ApplicationRecord, ClientRecord, Store, StoredTransaction } from '../store/store.ts';
import { applicationOf, checkHostPatterns } from '../store/applications.ts';
import { ClientError, type ClientService } from '../auth/clients.ts';
import type { KeyRing } from '../auth/keys.ts';
import * as S from './schemas.ts';
import { ApiError, recordAudit } from './access.ts';

export interface ApiOptions {
  store: Store;
  clients: ClientService;
  keys: KeyRing;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function clientView(c: ClientRecord) {
  return {
    clientId: c.clientId,
    name: c.clientId,
    trafficIngestion: c.trafficIngestion,
    tokenLifespan: c.tokenLifespan,
    createdAt: iso(c.createdAt)!,
    updatedAt: iso(c.updatedAt)!,
    lastTokenAt: iso(c.lastTokenAt),
    lastTransactionAt: iso(c.lastTransactionAt),
    tokensIssued: c.tokensIssued,
    transactionsAccepted: c.transactionsAccepted,
  };
}

function applicationView(a: ApplicationRecord) {
  return { id: a.id, name: a.name, hosts: a.hosts, createdAt: iso(a.createdAt)!, updatedAt: iso(a.updatedAt)! };
}

function transactionSummary(t: StoredTransaction) {
  return {
    transactionId: t.transactionId,
    clientId: t.clientId,
    receivedAt: iso(t.receivedAt)!,
    timestamp: iso(t.timestamp)!,
    method: t.method,
    uri: t.uri,
    host: t.host,
    status: t.status,
    clientIp: t.clientIp,
    clientIpRule: t.clientIpRule,
    sourceType: t.sourceType,
  };
}

function fromClientError(err: unknown): never {
  if (err instanceof ClientError) {
    const status = err.code === 'exists' ? 409 : err.code === 'not_found' ? 404 : 400;
    throw new ApiError(status, err.code, err.message);
  }
  throw err;
}

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new ApiError(400, 'invalid_request', `${field} must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z`);
  return t;
}

const E = { 400: S.ErrorBody, 401: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };
const IdParam = Type.Object({ id: Type.String() });
const ClientParam = Type.Object({ clientId: Type.String() });

export async function apiRoutes(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  const { store, clients, keys } = opts;
  const audit = (req: FastifyRequest, action: string, target: string | null, details: Record<string, unknown> | null = null) =>
    recordAudit(store, req, action, target, details);

  // ---- clients
  app.get('/clients', { schema: { tags: ['clients'], summary: 'List clients', response: { 200: Type.Object({ items: Type.Array(S.Client) }) } } },
    async () => ({ items: (await store.listClients()).map(clientView) }));

  app.post('/clients', { schema: { tags: ['clients'], summary: 'Create a client; the answer holds its secret, shown only this once', body: S.CreateClient, response: { 201: S.ClientWithSecret, ...E } } },
    async (req, reply) => {
      const body = req.body as { name: string; trafficIngestion?: boolean; tokenLifespan?: number };
      const { client, secret } = await clients.create(body).catch(fromClientError);
      await audit(req, 'client.create', client.clientId, { trafficIngestion: client.trafficIngestion, tokenLifespan: client.tokenLifespan });
      return reply.code(201).send({ ...clientView(client), secret });
    });

  app.get('/clients/:clientId', { schema: { tags: ['clients'], summary: 'One client', params: ClientParam, response: { 200: S.Client, ...E } } },
    async (req) => {
      const c = await store.getClient((req.params as { clientId: string }).clientId);
      if (!c) throw new ApiError(404, 'not_found', `no client named "${(req.params as { clientId: string }).clientId}"`);
      return clientView(c);
    });

  app.patch('/clients/:clientId', { schema: { tags: ['clients'], summary: 'Change Traffic Ingestion or the token lifespan', params: ClientParam, body: S.UpdateClient, response: { 200: S.Client, ...E } } },
    async (req) => {
      const { clientId } = req.params as { clientId: string };
      const patch = req.body as { trafficIngestion?: boolean; tokenLifespan?: number };
      const updated = await clients.update(clientId, patch).catch(fromClientError);
      await audit(req, 'client.update', clientId, patch);
      return clientView(updated);
    });

  app.post('/clients/:clientId/secret', { schema: { tags: ['clients'], summary: 'Rotate the secret; the old one stops working at once', params: ClientParam, response: { 200: Type.Object({ secret: Type.String() }), ...E } } },
    async (req) => {
      const { clientId } = req.params as { clientId: string };
      const secret = await clients.rotateSecret(clientId).catch(fromClientError);
      await audit(req, 'client.rotate-secret', clientId);
      return { secret };
    });

  app.delete('/clients/:clientId', { schema: { tags: ['clients'], summary: 'Delete a client; its tokens stop working within 1 s', params: ClientParam, response: { 204: Type.Null(), ...E } } },
    async (req, reply) => {
      const { clientId } = req.params as { clientId: string };
      await clients.delete(clientId).catch(fromClientError);
      await audit(req, 'client.delete', clientId);
      return reply.code(204).send();
    });

  // ---- applications
  const checkHosts = (hosts: string[] | undefined) => {
    const problem = hosts && checkHostPatterns(hosts);
    if (problem) throw new ApiError(400, 'invalid_request', `body.${problem}`);
  };

  app.get('/applications', { schema: { tags: ['applications'], summary: 'List applications', response: { 200: Type.Object({ items: Type.Array(S.Application) }) } } },
    async () => ({ items: (await store.listApplications()).map(applicationView) }));

  app.post('/applications', { schema: { tags: ['applications'], summary: 'Create an application (a name and its host patterns)', body: S.CreateApplication, response: { 201: S.Application, ...E } } },
    async (req, reply) => {
      const body = req.body as { name: string; hosts: string[] };
      checkHosts(body.hosts);
      const now = Date.now();
      const app_: ApplicationRecord = { id: randomUUID(), name: body.name, hosts: body.hosts, createdAt: now, updatedAt: now };
      if (!(await store.createApplication(app_))) throw new ApiError(409, 'exists', `an application named "${body.name}" already exists`);
      await audit(req, 'application.create', app_.id, { name: body.name, hosts: body.hosts });
      return reply.code(201).send(applicationView(app_));
    });

  app.get('/applications/:id', { schema: { tags: ['applications'], summary: 'One application', params: IdParam, response: { 200: S.Application, ...E } } },
    async (req) => {
      const a = await store.getApplication((req.params as { id: string }).id);
      if (!a) throw new ApiError(404, 'not_found', 'no application with that id');
      return applicationView(a);
    });

  app.patch('/applications/:id', { schema: { tags: ['applications'], summary: 'Rename an application or replace its host patterns', params: IdParam, body: S.UpdateApplication, response: { 200: S.Application, ...E } } },
    async (req) => {
      const { id } = req.params as { id: string };
      const patch = req.body as { name?: string; hosts?: string[] };
      checkHosts(patch.hosts);
      const updated = await store.updateApplication(id, patch).catch((err: Error) => {
        if (/UNIQUE/.test(err.message)) throw new ApiError(409, 'exists', `an application named "${patch.name}" already exists`);
        throw err;
      });
      if (!updated) throw new ApiError(404, 'not_found', 'no application with that id');
      await audit(req, 'application.update', id, patch);
      return applicationView(updated);
    });

  app.delete('/applications/:id', { schema: { tags: ['applications'], summary: 'Delete an application', params: IdParam, response: { 204: Type.Null(), ...E } } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!(await store.deleteApplication(id))) throw new ApiError(404, 'not_found', 'no application with that id');
      await audit(req, 'application.delete', id);
      return reply.code(204).send();
    });

  // ---- transactions and diagnostics
  async function listTransactions(q: Record<string, unknown>, hostsIn?: Array<string | null>) {
    const limit = (q.limit as number | undefined) ?? 100;
    const rows = await store.queryTransactions({
      host: q.host as string | undefined,
      hostsIn,
      method: (q.method as string | undefined)?.toUpperCase(),
      status: q.status as number | undefined,
      clientId: q.clientId as string | undefined,
      since: parseTime(q.since as string | undefined, 'since'),
      until: parseTime(q.until as string | undefined, 'until'),
      before: q.before === undefined ? undefined : Number(q.before),
      limit,
    });
    return { items: rows.map(transactionSummary), next: rows.length === limit ? String(rows[rows.length - 1]!.rowId) : null };
  }

  app.get('/transactions', { schema: { tags: ['transactions'], summary: 'Recent transactions, newest first', querystring: S.TransactionQuery, response: { 200: S.TransactionList, ...E } } },
    async (req) => listTransactions(req.query as Record<string, unknown>));

  app.get('/transactions/:transactionId', {
    schema: {
      tags: ['transactions'],
      summary: 'One stored transaction in full (credential header values redacted)',
      params: Type.Object({ transactionId: Type.String() }),
      querystring: Type.Object({ clientId: Type.Optional(Type.String()) }),
      response: { 200: Type.Unknown(), ...E },
    },
  }, async (req) => {
    const { transactionId } = req.params as { transactionId: string };
    const t = await store.getTransaction(transactionId, (req.query as { clientId?: string }).clientId);
    if (!t) throw new ApiError(404, 'not_found', `no stored transaction with id "${transactionId}" (recent transactions are kept within the retention bounds)`);
    return { ...transactionSummary(t), ...t.detail };
  });

  app.get('/diagnostics/unknown-traffic', {
    schema: {
      tags: ['diagnostics'],
      summary: 'Recent transactions of hosts that belong to no application, newest first',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), before: Type.Optional(Type.String()) }),
      response: { 200: S.TransactionList, ...E },
    },
  }, async (req) => {
    const apps = await store.listApplications();
    const unclaimed = (await store.distinctHosts()).filter((h) => applicationOf(apps, h) === null);
    return listTransactions(req.query as Record<string, unknown>, unclaimed);
  });

  app.get('/diagnostics/ingestion', { schema: { tags: ['diagnostics'], summary: 'Accepted and rejected counts per client and source', response: { 200: S.IngestionReport } } },
    async () => {
      const groups = new Map<string, { clientId: string; sourceType: string; accepted: number; rejected: Record<string, number>; lastError: string | null; lastErrorAt: number | null; lastSeen: number }>();
      for (const r of await store.ingestionStats()) {
        const key = `${r.clientId}\u0000${r.sourceType}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { clientId: r.clientId, sourceType: r.sourceType, accepted: 0, rejected: {}, lastError: null, lastErrorAt: null, lastSeen: 0 }));
        if (r.outcome === 'accepted') g.accepted += r.count;
        else {
          g.rejected[r.outcome] = r.count;
          if (g.lastErrorAt === null || r.lastSeen > g.lastErrorAt) {
            g.lastError = r.lastMessage;
            g.lastErrorAt = r.lastSeen;
          }
        }
        g.lastSeen = Math.max(g.lastSeen, r.lastSeen);
      }
      return { items: [...groups.values()].map((g) => ({ ...g, lastErrorAt: iso(g.lastErrorAt), lastSeen: iso(g.lastSeen)! })) };
    });

  app.get('/audit-log', {
    schema: {
      tags: ['audit'],
      summary: 'Changes made through the admin API, newest first',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), before: Type.Optional(Type.Integer()) }),
      response: { 200: S.AuditList },
    },
  }, async (req) => {
    const q = req.query as { limit?: number; before?: number };
    const rows = await store.listAudit(q.limit ?? 100, q.before);
    return { items: rows.map((r) => ({ ...r, at: iso(r.at)! })) };
  });

  // ---- signing keys
  const keyList = () => ({ items: keys.list().map((k) => ({ ...k, verifyUntil: iso(k.verifyUntil) })) });
  app.get('/keys', { schema: { tags: ['keys'], summary: 'Token signing keys', response: { 200: S.KeyList } } }, async () => keyList());
  app.post('/keys/rotate', {
    schema: { tags: ['keys'], summary: 'New signing key; older keys verify until their tokens expire', response: { 200: Type.Intersect([Type.Object({ kid: Type.String() }), S.KeyList]) } },
  }, async (req) => {
    const kid = await keys.rotate();
    await audit(req, 'keys.rotate', kid);
    return { kid, ...keyList() };
  });
}

