// Who is calling the admin API, and may they do this? Two ways in: the admin bearer token
// (scripts; role admin) and a console session cookie (people; role admin or viewer, with a CSRF
// token on every state-changing request). Viewers read; only admins change things.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { Role, SessionRecord, Store } from '../store/store.ts';
import { constantTimeEqual, hashToken } from '../auth/secrets.ts';
import type { UserService } from './users.ts';

export const SESSION_COOKIE = 'tapline_session';

export interface Actor {
  kind: 'token' | 'user';
  name: string;
  role: Role;
  session?: SessionRecord;
  sessionId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number | null;
  /** More fields for the error body (e.g. the list of problems in an uploaded spec). */
  readonly extra: Record<string, unknown> | null;
  constructor(status: number, code: string, message: string, retryAfter: number | null = null, extra: Record<string, unknown> | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.extra = extra;
  }
}

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes anyone may call (signing in, the API description). */
function isPublic(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0];
  return path === '/api/v1/openapi.json' || (path === '/api/v1/session' && req.method === 'POST');
}

/** State-changing routes a viewer may call: about their own session only. */
function isSelfService(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0];
  return (path === '/api/v1/session' && req.method === 'DELETE') || path === '/api/v1/session/password';
}

export interface AccessOptions {
  store: Store;
  users: UserService;
}

export function installAccess(app: FastifyInstance, opts: AccessOptions): void {
  let tokenHashes: string[] = [];
  let hashesLoadedAt = 0;

  async function isAdminToken(token: string): Promise<boolean> {
    const hash = hashToken(token);
    const known = () => tokenHashes.some((h) => constantTimeEqual(h, hash));
    if (known()) return true;
    if (Date.now() - hashesLoadedAt > 5000) {
      tokenHashes = await opts.store.adminTokenHashes();
      hashesLoadedAt = Date.now();
    }
    return known();
  }

  async function identify(req: FastifyRequest): Promise<Actor | null> {
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      return (await isAdminToken(auth.slice(7).trim())) ? { kind: 'token', name: 'admin-token', role: 'admin' } : null;
    }
    const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!sessionId) return null;
    const found = await opts.users.session(sessionId);
    if (!found) return null;
    return { kind: 'user', name: found.user.username, role: found.user.role, session: found.session, sessionId };
  }

  app.addHook('onRequest', async (req, reply) => {
    const actor = await identify(req);
    if (actor) req.actor = actor;
    if (isPublic(req)) return;
    if (!actor) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="tapline-admin"').send({
        error: 'unauthorized',
        message: 'sign in, or send the admin token as "Authorization: Bearer <admin token>" (printed at first start, or set with TAPLINE_ADMIN_TOKEN)',
      });
    }
    if (SAFE_METHODS.has(req.method)) return;
    if (actor.kind === 'user') {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, actor.session!.csrfToken)) {
        return reply.code(403).send({ error: 'csrf', message: 'missing or wrong X-CSRF-Token header; reload the console and try again' });
      }
    }
    if (actor.role !== 'admin' && !isSelfService(req)) {
      return reply.code(403).send({ error: 'forbidden', message: `user "${actor.name}" is a viewer; ask an admin to make this change` });
    }
  });

  app.setErrorHandler((error: FastifyError | ApiError, req, reply) => {
    if (error instanceof ApiError) {
      if (error.retryAfter !== null) reply.header('retry-after', String(error.retryAfter));
      return reply.code(error.status).send({ error: error.code, message: error.message, ...error.extra });
    }
    if ('validation' in error && error.validation) {
      const where = error.validationContext ?? 'request';
      const v = error.validation[0]!;
      const path = `${where}${v.instancePath.replace(/\//g, '.')}`;
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const message = missing ? `${path}.${missing} is required` : `${path} ${v.message}`;
      return reply.code(400).send({ error: 'invalid_request', message });
    }
    if (error.statusCode && error.statusCode < 500) return reply.code(error.statusCode).send({ error: 'invalid_request', message: error.message });
    req.log.error({ err: error }, 'admin API error');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
}

/** The actor as written in the audit log. */
export function auditActor(req: FastifyRequest): string {
  const a = req.actor;
  return a ? `${a.kind === 'user' ? `user:${a.name}` : 'admin-token'}@${req.ip}` : `anonymous@${req.ip}`;
}

export function recordAudit(store: Store, req: FastifyRequest, action: string, target: string | null, details: Record<string, unknown> | null = null) {
  return store.audit({ at: Date.now(), actor: auditActor(req), action, target, details });
}
