// Console sign-in, sign-out, password change, and user management (admins manage users).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Store, UserRecord } from '../store/store.ts';
import { ApiError, recordAudit, SESSION_COOKIE } from './access.ts';
import { SESSION_TTL_MS, UserError, type UserService } from './users.ts';
import { ErrorBody } from './schemas.ts';

export interface SessionRoutesOptions {
  store: Store;
  users: UserService;
  /** Mark the cookie Secure (the console is served over TLS, directly or behind a proxy). */
  secureCookies: boolean;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const userView = (u: UserRecord) => ({ username: u.username, role: u.role, createdAt: iso(u.createdAt)!, lastLoginAt: iso(u.lastLoginAt) });

const User = Type.Object({
  username: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('viewer')]),
  createdAt: Type.String({ format: 'date-time' }),
  lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const SessionView = Type.Object({ user: Type.Object({ username: Type.String(), role: Type.String() }), csrfToken: Type.String() });
const E = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };
const UserParam = Type.Object({ username: Type.String() });

function fromUserError(err: unknown): never {
  if (err instanceof UserError) {
    const status = err.code === 'exists' ? 409 : err.code === 'not_found' ? 404 : err.code === 'last_admin' ? 409 : 400;
    throw new ApiError(status, err.code, err.message);
  }
  throw err;
}

export async function sessionRoutes(app: FastifyInstance, opts: SessionRoutesOptions): Promise<void> {
  const { store, users } = opts;
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${opts.secureCookies ? '; Secure' : ''}`;

  app.post('/session', {
    schema: {
      tags: ['session'],
      summary: 'Sign in to the console (sets an HttpOnly session cookie; answers the CSRF token)',
      security: [],
      body: Type.Object({ username: Type.String(), password: Type.String() }),
      response: { 200: SessionView, ...E },
    },
  }, async (req, reply) => {
    const { username, password } = req.body as { username: string; password: string };
    const result = await users.signIn(username, password, req.ip);
    if (!result.ok) {
      if (result.retryAfter > 0) {
        throw new ApiError(429, 'throttled', `too many failed sign-ins; try again in ${result.retryAfter} s`, result.retryAfter);
      }
      throw new ApiError(401, 'invalid_credentials', 'wrong user name or password');
    }
    req.actor = { kind: 'user', name: result.user.username, role: result.user.role };
    await recordAudit(store, req, 'session.sign-in', result.user.username);
    reply.header('set-cookie', cookie(result.sessionId, SESSION_TTL_MS / 1000));
    return { user: { username: result.user.username, role: result.user.role }, csrfToken: result.session.csrfToken };
  });

  const requireSession = (req: FastifyRequest) => {
    const a = req.actor!;
    if (a.kind !== 'user') throw new ApiError(400, 'invalid_request', 'this call is about a console session; the admin token has none');
    return a;
  };

  app.get('/session', { schema: { tags: ['session'], summary: 'The signed-in user and the CSRF token', response: { 200: SessionView, ...E } } },
    async (req) => {
      const a = requireSession(req);
      return { user: { username: a.name, role: a.role }, csrfToken: a.session!.csrfToken };
    });

  app.delete('/session', { schema: { tags: ['session'], summary: 'Sign out', response: { 204: Type.Null(), ...E } } },
    async (req, reply: FastifyReply) => {
      const a = requireSession(req);
      await users.signOut(a.sessionId!);
      return reply.header('set-cookie', cookie('', 0)).code(204).send();
    });

  app.post('/session/password', {
    schema: {
      tags: ['session'],
      summary: "Change the signed-in user's password (other sessions of the user end)",
      body: Type.Object({ currentPassword: Type.String(), newPassword: Type.String() }),
      response: { 204: Type.Null(), ...E },
    },
  }, async (req, reply) => {
    const a = requireSession(req);
    const { currentPassword, newPassword } = req.body as { currentPassword: string; newPassword: string };
    const changed = await users.changePassword(a.name, currentPassword, newPassword, a.sessionId!).catch(fromUserError);
    if (!changed) throw new ApiError(400, 'invalid_request', 'body.currentPassword is not your current password');
    await recordAudit(store, req, 'user.change-password', a.name);
    return reply.code(204).send();
  });

  app.get('/users', { schema: { tags: ['users'], summary: 'Console users', response: { 200: Type.Object({ items: Type.Array(User) }) } } },
    async () => ({ items: (await store.listUsers()).map(userView) }));

  app.post('/users', {
    schema: {
      tags: ['users'],
      summary: 'Add a console user',
      body: Type.Object({ username: Type.String(), password: Type.String(), role: Type.String({ description: 'admin or viewer' }) }),
      response: { 201: User, ...E },
    },
  }, async (req, reply) => {
    const body = req.body as { username: string; password: string; role: string };
    const user = await users.create(body).catch(fromUserError);
    await recordAudit(store, req, 'user.create', user.username, { role: user.role });
    return reply.code(201).send(userView(user));
  });

  app.patch('/users/:username', {
    schema: {
      tags: ['users'],
      summary: "Change a user's role or reset the password (the user's sessions end)",
      params: UserParam,
      body: Type.Object({ role: Type.Optional(Type.String()), password: Type.Optional(Type.String()) }),
      response: { 200: User, ...E },
    },
  }, async (req) => {
    const { username } = req.params as { username: string };
    const patch = req.body as { role?: string; password?: string };
    const user = await users.update(username, patch).catch(fromUserError);
    await recordAudit(store, req, 'user.update', username, { role: patch.role, passwordReset: patch.password !== undefined });
    return userView(user);
  });

  app.delete('/users/:username', { schema: { tags: ['users'], summary: 'Remove a console user', params: UserParam, response: { 204: Type.Null(), ...E } } },
    async (req, reply) => {
      const { username } = req.params as { username: string };
      await users.delete(username).catch(fromUserError);
      await recordAudit(store, req, 'user.delete', username);
      return reply.code(204).send();
    });
}
