// User behaviour rules, in the same language as the built-in ones (analysis/threats/behaviour.ts),
// and a dry run that replays recent stored traffic through a rule before it is saved.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Store } from '../store/store.ts';
import { BUILTIN_RULES, BehaviourEngine, checkRule, flowsOf, type BehaviourEvent } from '../analysis/threats/behaviour.ts';
import { specPathMatches } from '../analysis/discovery/inventory-state.ts';
import { ApiError, auditActor, recordAudit } from './access.ts';
import { ErrorBody } from './schemas.ts';

function parse(body: unknown) {
  try {
    return checkRule(body);
  } catch (err) {
    throw new ApiError(400, 'invalid_request', (err as Error).message);
  }
}

export async function behaviourRuleRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/behaviour-rules', {
    schema: { tags: ['threats'], summary: 'Behaviour rules: the built-in ones and those added through the API', response: { 200: Type.Unknown() } },
  }, async () => ({
    builtIn: BUILTIN_RULES,
    custom: (await store.listBehaviourRules()).map((r) => ({ ...r.rule, createdAt: new Date(r.createdAt).toISOString(), createdBy: r.createdBy })),
  }));

  app.post('/behaviour-rules', {
    schema: { tags: ['threats'], summary: 'Add a behaviour rule (filter, groupBy, distinct, windowMs, threshold, cooldownMs, finding); applies to traffic analysed from then on', body: Type.Unknown(), response: { 201: Type.Unknown(), 400: ErrorBody, 409: ErrorBody } },
  }, async (req, reply) => {
    const rule = parse(req.body);
    const record = { id: rule.id, rule: rule as unknown as Record<string, unknown>, createdAt: Date.now(), createdBy: auditActor(req) };
    if (!(await store.addBehaviourRule(record))) throw new ApiError(409, 'exists', `a rule with id ${rule.id} exists`);
    await recordAudit(store, req, 'behaviour-rule.create', rule.id, record.rule);
    return reply.code(201).send(rule);
  });

  app.delete('/behaviour-rules/:id', {
    schema: { tags: ['threats'], summary: 'Remove a behaviour rule', params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorBody } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteBehaviourRule(id))) throw new ApiError(404, 'not_found', 'no behaviour rule with that id');
    await recordAudit(store, req, 'behaviour-rule.delete', id);
    return reply.code(204).send();
  });

  app.post('/behaviour-rules/dry-run', {
    schema: {
      tags: ['threats'],
      summary: 'Replay recent stored traffic through a rule: the findings it would raise (actors by client IP: credentials are not stored)',
      body: Type.Unknown(),
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20_000, default: 5000 })) }),
      response: { 200: Type.Unknown(), 400: ErrorBody },
    },
  }, async (req) => {
    const rule = parse(req.body);
    const engine = new BehaviourEngine([rule]);
    const endpoints = await store.allEndpoints();
    const recent = (await store.queryTransactions({ limit: (req.query as { limit?: number }).limit ?? 5000 })).reverse();
    const findings = [];
    let events = 0;
    for (const t of recent) {
      const path = t.uri.split(/[?#]/)[0]!;
      const e = endpoints.find((x) => x.host === t.host && x.method === t.method && specPathMatches(x.pathTemplate, path));
      if (!e) continue;
      const segments = path.split('/').filter(Boolean);
      const params: Record<string, string> = {};
      e.pathTemplate.split('/').filter(Boolean).forEach((seg, i) => {
        const m = /^\{([^}]+)\}$/.exec(seg);
        if (m && segments[i] !== undefined) params[m[1]!] = segments[i]!;
      });
      const event: BehaviourEvent = {
        at: t.timestamp, transactionId: t.transactionId, host: e.host, endpointId: e.id, method: t.method, template: e.pathTemplate,
        status: t.status, actor: `ip:${t.clientIp}`, params, username: null, flows: flowsOf(t.method, e.pathTemplate),
      };
      events++;
      findings.push(...engine.observe(event));
    }
    return { replayed: recent.length, matchedEndpoints: events, findings };
  });
}
