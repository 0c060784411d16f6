// Actors (DESIGN.md): who calls, with a bot score and the signals behind it. The store keeps one
// row per actor and host (each analyzer partition owns its hosts); the API shows an actor across
// hosts, its score being the highest of its rows.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ActorRecord, Store } from '../store/store.ts';
import { ApiError } from './access.ts';
import { ErrorBody } from './schemas.ts';

const iso = (ms: number) => new Date(ms).toISOString();

interface ActorView {
  actor: string;
  kind: string;
  label: string;
  botScore: number;
  reasons: string[];
  calls: number;
  errors: number;
  firstSeen: string;
  lastSeen: string;
  hosts: string[];
}

/** Rows of one actor as one: sums, extremes, and the reasons of its highest score. */
function combine(rows: ActorRecord[]): ActorView {
  const top = rows.reduce((a, b) => (b.botScore > a.botScore ? b : a));
  return {
    actor: top.actor,
    kind: top.kind,
    label: top.label,
    botScore: top.botScore,
    reasons: ((top.detail as { reasons?: string[] }).reasons ?? []),
    calls: rows.reduce((n, r) => n + r.calls, 0),
    errors: rows.reduce((n, r) => n + r.errors, 0),
    firstSeen: iso(Math.min(...rows.map((r) => r.firstSeen))),
    lastSeen: iso(Math.max(...rows.map((r) => r.lastSeen))),
    hosts: [...new Set(rows.map((r) => r.host))].sort(),
  };
}

export async function actorsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/actors', {
    schema: {
      tags: ['actors'],
      summary: 'Actors (client IPs, token subjects, API keys, sessions) with their bot scores; sorted by score, calls or last seen',
      querystring: Type.Object({
        host: Type.Optional(Type.String()),
        minScore: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
        sort: Type.Optional(Type.Union([Type.Literal('score'), Type.Literal('calls'), Type.Literal('lastSeen')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      }),
      response: { 200: Type.Unknown({ description: '{items: [{actor, kind, label, botScore, reasons, calls, errors, firstSeen, lastSeen, hosts}], total}' }) },
    },
  }, async (req) => {
    const q = req.query as { host?: string; minScore?: number; sort?: 'score' | 'calls' | 'lastSeen'; limit?: number; offset?: number };
    // Rows per (actor, host), combined per actor; the store sorts rows, the combination keeps that order.
    const { items: rows } = await store.listActors({ host: q.host, minScore: q.minScore, sort: q.sort, limit: 100_000, offset: 0 });
    const byActor = new Map<string, ActorRecord[]>();
    for (const r of rows) byActor.set(r.actor, [...(byActor.get(r.actor) ?? []), r]);
    const all = [...byActor.values()].map(combine);
    const offset = q.offset ?? 0;
    return { items: all.slice(offset, offset + (q.limit ?? 100)), total: all.length };
  });

  app.get('/actors/:actor', {
    schema: {
      tags: ['actors'],
      summary: 'One actor: score and reasons, per-host profiles (endpoints, user agents, timing) and its findings',
      params: Type.Object({ actor: Type.String() }),
      response: { 200: Type.Unknown(), 404: ErrorBody },
    },
  }, async (req) => {
    const { actor } = req.params as { actor: string };
    const { items } = await store.listActors({ actor, limit: 1000, offset: 0 });
    if (items.length === 0) throw new ApiError(404, 'not_found', `no actor "${actor}"`);
    const findings = await store.listFindings({ actor, limit: 100, offset: 0 });
    return {
      ...combine(items),
      perHost: items.map((r) => ({ host: r.host, botScore: r.botScore, calls: r.calls, errors: r.errors, firstSeen: iso(r.firstSeen), lastSeen: iso(r.lastSeen), ...r.detail })),
      findings: findings.items.map((f) => ({ id: f.id, type: f.type, owaspCategory: f.owaspCategory, severity: f.severity, count: f.count, status: f.status, summary: f.summary, lastSeen: iso(f.lastSeen) })),
    };
  });
}
