// Read-only views for the console: dashboard aggregates, ingestion rate and system health,
// traffic per application, and the values an operator needs to configure a capture.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Store } from '../store/store.ts';
import { applicationOf } from '../store/applications.ts';
import { ApiError } from './access.ts';
import { ErrorBody } from './schemas.ts';

export interface SystemNumbers {
  version: string;
  uptimeSeconds: number;
  analysisLag: number;
  analysisProcessed: number;
  logPendingBytes: number;
}

/** Options of the APIM capture policy download (the generator lives in capture/; the server passes it in). */
export interface PolicyRequest {
  scope?: 'all-apis' | 'api';
  maxBodyBytes?: number;
  samplePercent?: number;
}

export interface InsightsOptions {
  store: Store;
  /** Writes the Azure API Management capture policy; throws on bad options. */
  apimPolicy: (options: PolicyRequest) => string;
  system: () => SystemNumbers;
  /** `{public base}/auth/realms/{realm}` */
  issuer: () => string;
  realm: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3600_000;

/** Bucket width for a time range: about 60 to 170 points on the chart. */
export function bucketFor(spanMs: number): number {
  const steps = [60_000, 5 * 60_000, 15 * 60_000, HOUR, 3 * HOUR, 24 * HOUR];
  return steps.find((s) => spanMs / s <= 170) ?? steps[steps.length - 1]!;
}

function parseRange(q: { from?: string; to?: string }): { from: number; to: number } {
  const to = q.to === undefined ? Date.now() : Date.parse(q.to);
  const from = q.from === undefined ? to - 24 * HOUR : Date.parse(q.from);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new ApiError(400, 'invalid_request', 'from and to must be ISO 8601 date-times, e.g. 2026-01-31T12:00:00Z');
  if (from >= to) throw new ApiError(400, 'invalid_request', 'from must be before to');
  if (to - from > 31 * 24 * HOUR) throw new ApiError(400, 'invalid_request', 'the range may span at most 31 days');
  return { from, to };
}

const Range = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'default: 24 hours before "to"' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
});

export async function insightsRoutes(app: FastifyInstance, opts: InsightsOptions): Promise<void> {
  const { store } = opts;

  app.get('/dashboard', {
    schema: { tags: ['dashboard'], summary: 'Traffic over time, top hosts and endpoints, status mix, ingestion errors', querystring: Range, response: { 400: ErrorBody } },
  }, async (req) => {
    const range = parseRange(req.query as { from?: string; to?: string });
    const bucketMs = bucketFor(range.to - range.from);
    const counted = new Map((await store.trafficBuckets(range, bucketMs)).map((b) => [b.t, b]));
    const traffic = [];
    for (let t = Math.floor(range.from / bucketMs) * bucketMs; t < range.to; t += bucketMs) {
      const b = counted.get(t);
      traffic.push({ t: iso(t), calls: b?.calls ?? 0, errors: b?.errors ?? 0 });
    }
    const errors = (await store.ingestionStats()).filter((r) => r.outcome !== 'accepted' && r.lastSeen >= range.from);
    return {
      bucketSeconds: bucketMs / 1000,
      traffic,
      topHosts: (await store.topHosts(range, 10)).map(({ host, calls }) => ({ host, calls })),
      topEndpoints: await store.topEndpoints(range, 10),
      statusMix: await store.statusMix(range),
      ingestionErrors: errors
        .sort((a, b) => b.lastSeen - a.lastSeen)
        .map((r) => ({ clientId: r.clientId, sourceType: r.sourceType, code: r.outcome, count: r.count, lastMessage: r.lastMessage, lastSeen: iso(r.lastSeen) })),
    };
  });

  app.get('/diagnostics/ingestion/rate', {
    schema: {
      tags: ['diagnostics'],
      summary: 'Accepted transactions per minute, per client and source (oldest minute first)',
      querystring: Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })) }),
    },
  }, async (req) => {
    const minutes = (req.query as { minutes?: number }).minutes ?? 60;
    return { items: await store.ingestionRate(Date.now(), minutes) };
  });

  app.get('/diagnostics/system', { schema: { tags: ['diagnostics'], summary: 'Version, uptime, analysis lag, token issuance' } }, async () => {
    const clients = await store.listClients();
    return {
      ...opts.system(),
      tokensIssued: clients.reduce((n, c) => n + c.tokensIssued, 0),
      clients: clients.length,
    };
  });

  app.get('/applications/traffic', {
    schema: {
      tags: ['applications'],
      summary: 'Calls per application in the last hours',
      querystring: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 31, default: 24 })) }),
    },
  }, async (req) => {
    const hours = (req.query as { hours?: number }).hours ?? 24;
    const now = Date.now();
    const apps = await store.listApplications();
    const totals = new Map(apps.map((a) => [a.id, { applicationId: a.id, calls: 0, lastSeen: null as string | null }]));
    for (const h of await store.topHosts({ from: now - hours * HOUR, to: now + 1 }, 100_000)) {
      const owner = applicationOf(apps, h.host);
      const t = owner && totals.get(owner.id);
      if (!t) continue;
      t.calls += h.calls;
      if (!t.lastSeen || iso(h.lastSeen) > t.lastSeen) t.lastSeen = iso(h.lastSeen);
    }
    return { items: [...totals.values()] };
  });

  app.get('/integrations', { schema: { tags: ['integrations'], summary: "This installation's endpoints, for configuring captures" } }, async () => {
    const issuer = opts.issuer();
    const base = issuer.slice(0, issuer.indexOf('/auth/realms/'));
    return {
      publicUrl: base,
      realm: opts.realm,
      tokenEndpoint: `${issuer}/protocol/openid-connect/token`,
      ingressEndpoint: `${base}/api-transaction`,
      batchEndpoint: `${base}/api-transactions`,
      jwksUri: `${issuer}/protocol/openid-connect/certs`,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      apimPolicyAvailable: true,
    };
  });

  app.get('/integrations/apim-policy', {
    schema: {
      tags: ['integrations'],
      summary: 'The Azure API Management capture policy (raw XML), as `tapline policy apim` writes it',
      querystring: Type.Object({
        scope: Type.Optional(Type.Union([Type.Literal('all-apis'), Type.Literal('api')], { default: 'all-apis' })),
        maxBodyBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 * 1024 * 1024, default: 32768 })),
        samplePercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
      }),
      response: { 400: ErrorBody },
    },
  }, async (req, reply) => {
    let xml: string;
    try {
      xml = opts.apimPolicy(req.query as PolicyRequest);
    } catch (err) {
      throw new ApiError(400, 'invalid_request', (err as Error).message);
    }
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', 'attachment; filename="tapline-apim-policy.xml"')
      .send(xml);
  });
}
