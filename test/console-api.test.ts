// The console backend over real sockets: sign-in and sessions (cookie flags, throttling, CSRF),
// roles, user management, password changes, dashboard and diagnostics aggregates, integrations,
// and serving the web console.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lintApimPolicy } from '../src/capture/apim-lint.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ADMIN_PASSWORD, ADMIN_TOKEN, createClient, getToken, postJson, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

const isIso = (v: unknown) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v);
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Session {
  /** The raw value of the tapline_session cookie. */
  cookie: string;
  csrf: string;
}

interface CallInit {
  method?: string;
  body?: unknown;
  session?: Session;
  /** Defaults to the session's CSRF token; null sends none. */
  csrf?: string | null;
  token?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(server: TestServer, path: string, init: CallInit = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.session) headers.cookie = `tapline_session=${init.session.cookie}`;
  const csrf = init.csrf === undefined ? init.session?.csrf : init.csrf;
  if (csrf) headers['x-csrf-token'] = csrf;
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function signIn(server: TestServer, username: string, password: string): Promise<{ res: Answer; setCookie: string | null; session: Session | null }> {
  const res = await call(server, '/session', { body: { username, password } });
  const setCookie = res.headers.get('set-cookie');
  const value = setCookie?.match(/^tapline_session=([^;]*)/)?.[1];
  return { res, setCookie, session: res.status === 200 && value ? { cookie: value, csrf: res.body.csrfToken } : null };
}

async function mustSignIn(server: TestServer, username: string, password: string): Promise<Session> {
  const { res, session } = await signIn(server, username, password);
  assert.equal(res.status, 200, `sign-in of ${username}: ${JSON.stringify(res.body)}`);
  assert.ok(session);
  return session;
}

async function addUser(server: TestServer, username: string, password: string, role: 'admin' | 'viewer') {
  const res = await server.admin('/users', { body: { username, password, role } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

/** A GET with the path sent exactly as given (fetch would normalise dot segments). */
function rawGet(server: TestServer, path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console sessions, roles and users', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.destroy();
  });

  describe('sign-in', () => {
    test('answers the user and a CSRF token, and sets an HttpOnly SameSite=Strict cookie (not Secure over http)', async () => {
      const { res, setCookie, session } = await signIn(server, 'admin', ADMIN_PASSWORD);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.user, { username: 'admin', role: 'admin' });
      assert.match(res.body.csrfToken, /^[A-Za-z0-9_-]{20,}$/);
      assert.ok(setCookie);
      assert.match(setCookie, /^tapline_session=[A-Za-z0-9_-]{32,}; Path=\/; HttpOnly; SameSite=Strict/);
      assert.doesNotMatch(setCookie, /Secure/i);
      assert.ok(session);

      const me = await call(server, '/session', { session });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, { user: { username: 'admin', role: 'admin' }, csrfToken: res.body.csrfToken });

      // Each sign-in is its own session with its own CSRF token.
      const other = await mustSignIn(server, 'admin', ADMIN_PASSWORD);
      assert.notEqual(other.cookie, session.cookie);
      assert.notEqual(other.csrf, session.csrf);
    });

    test('GET /session without a valid cookie is 401; with the admin token there is no session', async () => {
      assert.equal((await call(server, '/session')).status, 401);
      assert.equal((await call(server, '/session', { session: { cookie: 'not-a-session', csrf: '' } })).status, 401);
      assert.equal((await call(server, '/clients', { session: { cookie: 'not-a-session', csrf: '' } })).status, 401);
      assert.equal((await call(server, '/session', { token: ADMIN_TOKEN })).status, 400);
    });

    test('a wrong password and an unknown user both answer 401 invalid_credentials, without a cookie', async () => {
      const wrong = await signIn(server, 'admin', 'not-the-password');
      const unknown = await signIn(server, 'nobody-here', ADMIN_PASSWORD);
      for (const r of [wrong, unknown]) {
        assert.equal(r.res.status, 401);
        assert.equal(r.res.body.error, 'invalid_credentials');
        assert.equal(r.setCookie, null);
      }
      assert.equal(wrong.res.body.message, unknown.res.body.message, 'the answer does not reveal which user names exist');
      assert.equal((await call(server, '/session', { body: { username: 'admin' } })).status, 400);
    });

    test('after 5 wrong passwords for a user, the 6th try is 429 with Retry-After, even with the right password', async () => {
      await addUser(server, 'throttled', 'throttled-password', 'viewer');
      for (let i = 0; i < 5; i++) {
        const r = await signIn(server, 'throttled', `wrong-password-${i}`);
        assert.equal(r.res.status, 401, `try ${i + 1}`);
      }
      const sixth = await signIn(server, 'throttled', 'throttled-password');
      assert.equal(sixth.res.status, 429);
      assert.equal(sixth.res.body.error, 'throttled');
      assert.equal(sixth.setCookie, null);
      const retryAfter = Number(sixth.res.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60, `retry-after ${retryAfter}`);
      // Per user: others still sign in from the same address.
      await mustSignIn(server, 'admin', ADMIN_PASSWORD);
    });
  });

  describe('CSRF', () => {
    let session: Session;
    before(async () => {
      session = await mustSignIn(server, 'admin', ADMIN_PASSWORD);
    });

    test('state-changing requests with the cookie need the X-CSRF-Token of that session', async () => {
      const missing = await call(server, '/clients', { session, csrf: null, body: { name: 'csrf-missing' } });
      assert.equal(missing.status, 403);
      assert.equal(missing.body.error, 'csrf');
      const wrong = await call(server, '/clients', { session, csrf: 'x'.repeat(32), body: { name: 'csrf-wrong' } });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error, 'csrf');
      const otherSession = await mustSignIn(server, 'admin', ADMIN_PASSWORD);
      const foreign = await call(server, '/clients', { session, csrf: otherSession.csrf, body: { name: 'csrf-foreign' } });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.error, 'csrf');
      for (const name of ['csrf-missing', 'csrf-wrong', 'csrf-foreign']) {
        assert.equal((await server.admin(`/clients/${name}`)).status, 404, `${name} was not created`);
      }

      const ok = await call(server, '/clients', { session, body: { name: 'csrf-ok' } });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.clientId, 'csrf-ok');

      const del = await call(server, '/clients/csrf-ok', { session, csrf: null, method: 'DELETE' });
      assert.equal(del.status, 403);
      assert.equal((await server.admin('/clients/csrf-ok')).status, 200);
      // Signing out is state-changing too.
      assert.equal((await call(server, '/session', { session, csrf: null, method: 'DELETE' })).status, 403);
      assert.equal((await call(server, '/session', { session })).status, 200);
    });

    test('GET requests need no CSRF token; admin-token requests need none at all', async () => {
      const list = await call(server, '/clients', { session, csrf: null });
      assert.equal(list.status, 200);
      assert.ok(list.body.items.some((c: { clientId: string }) => c.clientId === 'csrf-ok'));
      assert.equal((await call(server, '/dashboard', { session, csrf: null })).status, 200);
      const created = await call(server, '/clients', { token: ADMIN_TOKEN, body: { name: 'token-no-csrf' } });
      assert.equal(created.status, 201);
      assert.equal((await call(server, '/clients/token-no-csrf', { token: ADMIN_TOKEN, method: 'DELETE' })).status, 204);
    });
  });

  describe('roles', () => {
    let adminSession: Session;
    let viewer: Session;
    let appId: string;

    before(async () => {
      adminSession = await mustSignIn(server, 'admin', ADMIN_PASSWORD);
      await createClient(server, 'viewer-target');
      const created = await server.admin('/applications', { body: { name: 'viewer-app', hosts: ['viewer.example'] } });
      assert.equal(created.status, 201);
      appId = created.body.id;
    });

    test('an admin adds a viewer, who signs in and reads', async () => {
      const res = await call(server, '/users', { session: adminSession, body: { username: 'vera', password: 'vera-password-1', role: 'viewer' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.username, 'vera');
      assert.equal(res.body.role, 'viewer');
      assert.ok(isIso(res.body.createdAt));
      assert.equal(res.body.lastLoginAt, null);
      assert.equal(res.body.password, undefined);
      assert.equal(res.body.passwordHash, undefined);

      const { res: signedIn, session } = await signIn(server, 'vera', 'vera-password-1');
      assert.equal(signedIn.status, 200);
      assert.deepEqual(signedIn.body.user, { username: 'vera', role: 'viewer' });
      viewer = session!;

      for (const path of ['/clients', '/users', '/dashboard', '/applications', '/diagnostics/system', '/session']) {
        assert.equal((await call(server, path, { session: viewer })).status, 200, path);
      }
      const users = await call(server, '/users', { session: viewer });
      const vera = users.body.items.find((u: { username: string }) => u.username === 'vera');
      assert.ok(isIso(vera.lastLoginAt));
      for (const u of users.body.items) assert.equal(u.passwordHash, undefined);
    });

    test('a viewer cannot change clients, applications, users or keys (403 forbidden)', async () => {
      const attempts: Array<[string, string, unknown]> = [
        ['POST', '/clients', { name: 'viewer-made' }],
        ['PATCH', '/clients/viewer-target', { trafficIngestion: false }],
        ['POST', '/clients/viewer-target/secret', undefined],
        ['DELETE', '/clients/viewer-target', undefined],
        ['POST', '/applications', { name: 'viewer-made', hosts: ['x.example'] }],
        ['PATCH', `/applications/${appId}`, { name: 'renamed' }],
        ['DELETE', `/applications/${appId}`, undefined],
        ['POST', '/users', { username: 'sneaky', password: 'sneaky-password', role: 'admin' }],
        ['PATCH', '/users/vera', { role: 'admin' }],
        ['DELETE', '/users/admin', undefined],
        ['POST', '/keys/rotate', undefined],
      ];
      for (const [method, path, body] of attempts) {
        const res = await call(server, path, { session: viewer, method, body });
        assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, 'forbidden', `${method} ${path}`);
      }
      const target = await server.admin('/clients/viewer-target');
      assert.equal(target.body.trafficIngestion, true);
      assert.equal((await server.admin(`/applications/${appId}`)).body.name, 'viewer-app');
      assert.equal((await server.admin('/clients/viewer-made')).status, 404);
      assert.equal((await server.admin('/users')).body.items.find((u: { username: string }) => u.username === 'vera').role, 'viewer');
    });

    test('a viewer changes their own password, then signs out', async () => {
      const changed = await call(server, '/session/password', { session: viewer, body: { currentPassword: 'vera-password-1', newPassword: 'vera-password-2' } });
      assert.equal(changed.status, 204);
      assert.equal((await call(server, '/session', { session: viewer })).status, 200, 'the current session stays');
      assert.equal((await signIn(server, 'vera', 'vera-password-1')).res.status, 401);
      await mustSignIn(server, 'vera', 'vera-password-2');

      const out = await fetch(`${server.url}/api/v1/session`, {
        method: 'DELETE',
        headers: { cookie: `tapline_session=${viewer.cookie}`, 'x-csrf-token': viewer.csrf },
      });
      assert.equal(out.status, 204);
      assert.match(out.headers.get('set-cookie') ?? '', /^tapline_session=; .*Max-Age=0/);
      assert.equal((await call(server, '/session', { session: viewer })).status, 401);
      assert.equal((await call(server, '/clients', { session: viewer })).status, 401);
    });
  });

  describe('users', () => {
    let adminSession: Session;
    before(async () => {
      adminSession = await mustSignIn(server, 'admin', ADMIN_PASSWORD);
    });
    const asAdmin = (path: string, init: Omit<CallInit, 'session'> = {}) => call(server, path, { ...init, session: adminSession });

    test('validation: duplicate name 409, short password 400 naming the rule, bad role or name 400', async () => {
      assert.equal((await asAdmin('/users', { body: { username: 'dora', password: 'dora-password', role: 'viewer' } })).status, 201);
      const dup = await asAdmin('/users', { body: { username: 'dora', password: 'other-password', role: 'admin' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error, 'exists');

      const short = await asAdmin('/users', { body: { username: 'shorty', password: '123456789', role: 'viewer' } });
      assert.equal(short.status, 400);
      assert.match(short.body.message, /password/);
      assert.match(short.body.message, /10/);

      const role = await asAdmin('/users', { body: { username: 'rooty', password: 'rooty-password', role: 'root' } });
      assert.equal(role.status, 400);
      assert.match(role.body.message, /role/);

      for (const username of ['', 'has space', 'x'.repeat(65), 'slash/name']) {
        const bad = await asAdmin('/users', { body: { username, password: 'fine-password', role: 'viewer' } });
        assert.equal(bad.status, 400, `username ${JSON.stringify(username)}`);
      }
      assert.equal((await asAdmin('/users', { body: { username: 'nopass', role: 'viewer' } })).status, 400);
      const names = (await asAdmin('/users')).body.items.map((u: { username: string }) => u.username);
      for (const n of ['shorty', 'rooty', 'nopass']) assert.ok(!names.includes(n));
    });

    test('PATCH changes the role or resets the password; a reset ends that user\'s sessions', async () => {
      await addUser(server, 'pat', 'pat-password-1', 'viewer');
      const patSession = await mustSignIn(server, 'pat', 'pat-password-1');

      const promoted = await asAdmin('/users/pat', { method: 'PATCH', body: { role: 'admin' } });
      assert.equal(promoted.status, 200);
      assert.equal(promoted.body.role, 'admin');
      const patAdmin = await mustSignIn(server, 'pat', 'pat-password-1');
      assert.equal((await call(server, '/session', { session: patAdmin })).body.user.role, 'admin');

      const demoted = await asAdmin('/users/pat', { method: 'PATCH', body: { role: 'viewer' } });
      assert.equal(demoted.status, 200);
      assert.equal(demoted.body.role, 'viewer');
      assert.equal((await asAdmin('/users/pat', { method: 'PATCH', body: { role: 'owner' } })).status, 400);
      assert.equal((await asAdmin('/users/pat', { method: 'PATCH', body: { password: 'short' } })).status, 400);

      const patNow = await mustSignIn(server, 'pat', 'pat-password-1');
      const reset = await asAdmin('/users/pat', { method: 'PATCH', body: { password: 'pat-password-2' } });
      assert.equal(reset.status, 200);
      for (const s of [patSession, patAdmin, patNow]) assert.equal((await call(server, '/session', { session: s })).status, 401);
      assert.equal((await signIn(server, 'pat', 'pat-password-1')).res.status, 401);
      await mustSignIn(server, 'pat', 'pat-password-2');
      assert.equal((await call(server, '/session', { session: adminSession })).status, 200, "the admin's own session is untouched");

      assert.equal((await asAdmin('/users/ghost', { method: 'PATCH', body: { role: 'viewer' } })).status, 404);
    });

    test('the last admin can be neither demoted nor deleted', async () => {
      const admins = (await asAdmin('/users')).body.items.filter((u: { role: string }) => u.role === 'admin');
      assert.deepEqual(admins.map((u: { username: string }) => u.username), ['admin']);

      const demote = await asAdmin('/users/admin', { method: 'PATCH', body: { role: 'viewer' } });
      assert.equal(demote.status, 409);
      assert.equal(demote.body.error, 'last_admin');
      const del = await asAdmin('/users/admin', { method: 'DELETE' });
      assert.equal(del.status, 409);
      assert.equal(del.body.error, 'last_admin');
      // Also through the admin token.
      assert.equal((await server.admin('/users/admin', { method: 'DELETE' })).status, 409);
      assert.equal((await call(server, '/session', { session: adminSession })).status, 200);

      // With a second admin, either one may go.
      await addUser(server, 'second-admin', 'second-admin-pw', 'admin');
      const secondSession = await mustSignIn(server, 'second-admin', 'second-admin-pw');
      assert.equal((await asAdmin('/users/second-admin', { method: 'PATCH', body: { role: 'viewer' } })).status, 200);
      assert.equal((await asAdmin('/users/second-admin', { method: 'PATCH', body: { role: 'admin' } })).status, 200);
      assert.equal((await asAdmin('/users/second-admin', { method: 'DELETE' })).status, 204);
      assert.equal((await call(server, '/session', { session: secondSession })).status, 401);
      assert.equal((await asAdmin('/users/second-admin', { method: 'DELETE' })).status, 404);
    });

    test('DELETE removes a user and ends their sessions', async () => {
      await addUser(server, 'gone-soon', 'gone-soon-password', 'viewer');
      const s = await mustSignIn(server, 'gone-soon', 'gone-soon-password');
      assert.equal((await asAdmin('/users/gone-soon', { method: 'DELETE' })).status, 204);
      assert.equal((await call(server, '/session', { session: s })).status, 401);
      const names = (await asAdmin('/users')).body.items.map((u: { username: string }) => u.username);
      assert.ok(!names.includes('gone-soon'));
      assert.equal((await signIn(server, 'gone-soon', 'gone-soon-password')).res.status, 401);
    });

    test('the audit log records sign-ins and user changes with the user as actor', async () => {
      const log = await server.admin('/audit-log?limit=1000');
      assert.equal(log.status, 200);
      const items = log.body.items as Array<{ actor: string; action: string; target: string | null; at: string; details: any }>;
      const signInEntry = items.find((e) => e.action === 'session.sign-in' && e.target === 'admin');
      assert.ok(signInEntry);
      assert.match(signInEntry.actor, /^user:admin@/);
      assert.ok(isIso(signInEntry.at));
      const create = items.find((e) => e.action === 'user.create' && e.target === 'vera');
      assert.ok(create);
      assert.match(create.actor, /^user:admin@/);
      assert.deepEqual(create.details, { role: 'viewer' });
      assert.ok(!JSON.stringify(items).includes('vera-password'), 'no passwords in the audit log');
      const tokenCreate = items.find((e) => e.action === 'user.create' && e.target === 'throttled');
      assert.equal(tokenCreate?.actor.split('@')[0], 'admin-token');
      for (const action of ['user.update', 'user.delete', 'user.change-password', 'client.create']) {
        assert.ok(items.some((e) => e.action === action), action);
      }
      const viewerChange = items.find((e) => e.action === 'user.change-password' && e.target === 'vera');
      assert.match(viewerChange?.actor ?? '', /^user:vera@/);
      assert.ok(!items.some((e) => e.action === 'session.sign-in' && e.target === 'nobody-here'), 'failed sign-ins are not sign-ins');
    });
  });

  describe('password change', () => {
    test('wrong current password 400; other sessions end, the current one stays', async () => {
      await addUser(server, 'carl', 'carl-password-1', 'viewer');
      const one = await mustSignIn(server, 'carl', 'carl-password-1');
      const two = await mustSignIn(server, 'carl', 'carl-password-1');
      const admin = await mustSignIn(server, 'admin', ADMIN_PASSWORD);

      const wrong = await call(server, '/session/password', { session: one, body: { currentPassword: 'not-carls-password', newPassword: 'carl-password-2' } });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body.message, /currentPassword/);
      const short = await call(server, '/session/password', { session: one, body: { currentPassword: 'carl-password-1', newPassword: 'short' } });
      assert.equal(short.status, 400);
      assert.match(short.body.message, /10/);
      const noCsrf = await call(server, '/session/password', { session: one, csrf: null, body: { currentPassword: 'carl-password-1', newPassword: 'carl-password-2' } });
      assert.equal(noCsrf.status, 403);
      const byToken = await call(server, '/session/password', { token: ADMIN_TOKEN, body: { currentPassword: 'carl-password-1', newPassword: 'carl-password-2' } });
      assert.equal(byToken.status, 400);
      // Nothing changed so far: both sessions live, the old password works.
      assert.equal((await call(server, '/session', { session: two })).status, 200);

      const ok = await call(server, '/session/password', { session: one, body: { currentPassword: 'carl-password-1', newPassword: 'carl-password-2' } });
      assert.equal(ok.status, 204);
      const me = await call(server, '/session', { session: one });
      assert.equal(me.status, 200);
      assert.equal(me.body.csrfToken, one.csrf);
      assert.equal((await call(server, '/session', { session: two })).status, 401);
      assert.equal((await call(server, '/session', { session: admin })).status, 200, "other users' sessions stay");
      assert.equal((await signIn(server, 'carl', 'carl-password-1')).res.status, 401);
      await mustSignIn(server, 'carl', 'carl-password-2');
    });
  });

  test('session ids are stored only hashed', async () => {
    const session = await mustSignIn(server, 'admin', ADMIN_PASSWORD);
    assert.equal((await call(server, '/session', { session })).status, 200);
    const files = ['store.db', 'store.db-wal'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    assert.ok(bytes.length > 0);
    assert.equal(bytes.indexOf(session.cookie), -1, 'the raw session id is not in the store');
    const hash = createHash('sha256').update(session.cookie).digest('hex');
    assert.notEqual(bytes.indexOf(hash), -1, 'the hash of the session id is (we looked in the right place)');
  });
});

describe('console session cookie over https', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ publicUrl: 'https://tapline.example' });
  });
  after(async () => {
    await server.destroy();
  });

  test('the cookie is Secure when the public URL is https', async () => {
    const { res, setCookie } = await signIn(server, 'admin', ADMIN_PASSWORD);
    assert.equal(res.status, 200);
    assert.match(setCookie ?? '', /^tapline_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict;.*; Secure/);
  });

  test('integrations use the public URL', async () => {
    const res = await server.admin('/integrations');
    assert.equal(res.status, 200);
    assert.equal(res.body.publicUrl, 'https://tapline.example');
    assert.equal(res.body.tokenEndpoint, 'https://tapline.example/auth/realms/tapline/protocol/openid-connect/token');
    assert.equal(res.body.ingressEndpoint, 'https://tapline.example/api-transaction');
  });
});

describe('console insights', () => {
  let server: TestServer;
  let clientId: string;
  let token: string;
  const HOUR = 3600_000;

  // 6 transactions: 3 to the shop (2xx), 2 to payments (4xx, 5xx), 1 redirect.
  const traffic: Array<{ host: string; uri: string; method?: string; status: string }> = [
    { host: 'api.shop.example', uri: '/v1/orders?page=1', status: '200' },
    { host: 'api.shop.example', uri: '/v1/orders?page=2', status: '200' },
    { host: 'api.shop.example', uri: '/v1/orders', status: '201' },
    { host: 'api.pay.example', uri: '/v1/pay', method: 'POST', status: '500' },
    { host: 'api.pay.example', uri: '/v1/pay?retry=1', method: 'POST', status: '404' },
    { host: 'old.misc.example', uri: '/legacy', status: '302' },
  ];

  before(async () => {
    server = await startTestServer();
    const c = await createClient(server, 'insights-client');
    clientId = c.clientId;
    token = await getToken(server, c.clientId, c.secret);
    const data = traffic.map((t) => {
      const txn = sampleTransaction({ host: t.host, uri: t.uri, method: t.method });
      txn.response['status-code'] = t.status;
      return txn;
    });
    const res = await postJson(`${server.url}/api-transactions`, token, { data });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await server.runner.drain();
  });
  after(async () => {
    await server.destroy();
  });

  test('dashboard over the last 24 hours: traffic, top hosts and endpoints, status mix', async () => {
    const res = await server.admin('/dashboard');
    assert.equal(res.status, 200);
    const d = res.body;
    assert.equal(d.bucketSeconds, 900);
    assert.ok(d.traffic.length >= 96 && d.traffic.length <= 97, `buckets: ${d.traffic.length}`);
    for (const b of d.traffic) assert.ok(isIso(b.t));
    const times = d.traffic.map((b: { t: string }) => Date.parse(b.t));
    for (let i = 1; i < times.length; i++) assert.equal(times[i] - times[i - 1], 900_000);
    assert.equal(d.traffic.reduce((n: number, b: { calls: number }) => n + b.calls, 0), traffic.length);
    assert.equal(d.traffic.reduce((n: number, b: { errors: number }) => n + b.errors, 0), 2);

    assert.deepEqual(d.topHosts, [
      { host: 'api.shop.example', calls: 3 },
      { host: 'api.pay.example', calls: 2 },
      { host: 'old.misc.example', calls: 1 },
    ]);
    assert.deepEqual(d.topEndpoints[0], { host: 'api.shop.example', method: 'GET', path: '/v1/orders', calls: 3 });
    assert.deepEqual(d.topEndpoints[1], { host: 'api.pay.example', method: 'POST', path: '/v1/pay', calls: 2 });
    assert.equal(d.topEndpoints.length, 3);
    for (const e of d.topEndpoints) assert.ok(!e.path.includes('?'));
    assert.deepEqual(d.statusMix, { '2xx': 3, '3xx': 1, '4xx': 1, '5xx': 1, none: 0, other: 0 });
    assert.deepEqual(d.ingestionErrors, []);
  });

  test('dashboard over an explicit range', async () => {
    const now = Date.now();
    const recent = await server.admin(`/dashboard?from=${new Date(now - HOUR).toISOString()}&to=${new Date(now + 60_000).toISOString()}`);
    assert.equal(recent.status, 200);
    assert.equal(recent.body.bucketSeconds, 60);
    assert.equal(recent.body.traffic.reduce((n: number, b: { calls: number }) => n + b.calls, 0), traffic.length);

    const past = await server.admin(`/dashboard?from=${new Date(now - 48 * HOUR).toISOString()}&to=${new Date(now - 25 * HOUR).toISOString()}`);
    assert.equal(past.status, 200);
    assert.equal(past.body.traffic.reduce((n: number, b: { calls: number }) => n + b.calls, 0), 0);
    assert.deepEqual(past.body.topHosts, []);
    assert.deepEqual(past.body.statusMix, { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, other: 0 });

    const week = await server.admin(`/dashboard?from=${new Date(now - 7 * 24 * HOUR).toISOString()}&to=${new Date(now).toISOString()}`);
    assert.equal(week.status, 200);
    assert.equal(week.body.bucketSeconds, 3600);
  });

  test('dashboard range validation', async () => {
    const now = Date.now();
    const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    for (const q of ['from=yesterday', 'to=2026-13-45T99:00:00Z', `from=${at(now)}&to=${at(now)}`, `from=${at(now)}&to=${at(now - HOUR)}`, `from=${at(now - 40 * 24 * HOUR)}&to=${at(now)}`]) {
      const res = await server.admin(`/dashboard?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(typeof res.body.message, 'string', q);
    }
    const backwards = await server.admin(`/dashboard?from=${at(now)}&to=${at(now - HOUR)}`);
    assert.match(backwards.body.message, /before/);
  });

  test('ingestion rate per minute, per client and source', async () => {
    const res = await server.admin('/diagnostics/ingestion/rate?minutes=10');
    assert.equal(res.status, 200);
    const mine = res.body.items.find((i: { clientId: string; sourceType: string }) => i.clientId === clientId && i.sourceType === 'azure-apim');
    assert.ok(mine, JSON.stringify(res.body));
    assert.equal(mine.perMinute.length, 10);
    assert.equal(mine.perMinute.reduce((a: number, b: number) => a + b, 0), traffic.length);

    // The same number the ingestion report counts as accepted (its counters are flushed in the background).
    const end = Date.now() + 5000;
    let accepted = -1;
    while (Date.now() < end) {
      const report = await server.admin('/diagnostics/ingestion');
      accepted = report.body.items.find((i: { clientId: string; sourceType: string }) => i.clientId === clientId && i.sourceType === 'azure-apim')?.accepted ?? -1;
      if (accepted === traffic.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(accepted, traffic.length);

    const byDefault = await server.admin('/diagnostics/ingestion/rate');
    assert.equal(byDefault.body.items[0].perMinute.length, 60);
    assert.equal((await server.admin('/diagnostics/ingestion/rate?minutes=0')).status, 400);
    assert.equal((await server.admin('/diagnostics/ingestion/rate?minutes=100000')).status, 400);
  });

  test('system numbers', async () => {
    const res = await server.admin('/diagnostics/system');
    assert.equal(res.status, 200);
    const s = res.body;
    assert.equal(s.version, VERSION);
    assert.ok(Number.isInteger(s.uptimeSeconds) && s.uptimeSeconds >= 0);
    assert.equal(s.analysisLag, 0);
    assert.ok(s.analysisProcessed >= traffic.length);
    assert.ok(s.tokensIssued >= 1);
    assert.equal(s.clients, 1);
  });

  test('traffic per application', async () => {
    const shop = await server.admin('/applications', { body: { name: 'shop', hosts: ['api.shop.example'] } });
    const pay = await server.admin('/applications', { body: { name: 'pay', hosts: ['*.pay.example'] } });
    const quiet = await server.admin('/applications', { body: { name: 'quiet', hosts: ['quiet.example'] } });
    for (const r of [shop, pay, quiet]) assert.equal(r.status, 201, JSON.stringify(r.body));

    const res = await server.admin('/applications/traffic');
    assert.equal(res.status, 200);
    const of = (id: string) => res.body.items.find((i: { applicationId: string }) => i.applicationId === id);
    assert.equal(res.body.items.length, 3);
    assert.equal(of(shop.body.id).calls, 3);
    assert.ok(isIso(of(shop.body.id).lastSeen));
    assert.equal(of(pay.body.id).calls, 2);
    assert.deepEqual(of(quiet.body.id), { applicationId: quiet.body.id, calls: 0, lastSeen: null });
    assert.equal((await server.admin('/applications/traffic?hours=0')).status, 400);
  });

  test('integrations: the endpoints a capture needs, and they work', async () => {
    const res = await server.admin('/integrations');
    assert.equal(res.status, 200);
    const i = res.body;
    assert.equal(i.publicUrl, server.url);
    assert.equal(i.realm, 'tapline');
    assert.equal(i.tokenEndpoint, `${server.url}/auth/realms/tapline/protocol/openid-connect/token`);
    assert.equal(i.ingressEndpoint, `${server.url}/api-transaction`);
    assert.equal(i.batchEndpoint, `${server.url}/api-transactions`);
    assert.equal(i.jwksUri, `${server.url}/auth/realms/tapline/protocol/openid-connect/certs`);

    const discovery = await fetch(i.discoveryUrl);
    assert.equal(discovery.status, 200);
    assert.equal(((await discovery.json()) as { token_endpoint: string }).token_endpoint, i.tokenEndpoint);
    const jwks = await fetch(i.jwksUri);
    assert.equal(jwks.status, 200);
  });

  test('integrations: the APIM capture policy downloads as XML that lints clean; bad options are 400', async () => {
    const res = await fetch(`${server.url}/api/v1/integrations/apim-policy?samplePercent=50`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/xml/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="tapline-apim-policy\.xml"/);
    const xml = await res.text();
    for (const name of ['ceq-client-id', 'ceq-client-secret', 'ceq-token-endpoint', 'ceq-ingress-endpoint', 'ceq-token-acquisition-timeout']) {
      assert.ok(xml.includes(`{{${name}}}`), name);
    }
    assert.deepEqual(lintApimPolicy(xml), []);
    assert.equal((await server.admin('/integrations')).body.apimPolicyAvailable, true);
    assert.equal((await server.admin('/integrations/apim-policy?samplePercent=0')).status, 400);
  });

  test('a viewer session reads the insights', async () => {
    await addUser(server, 'insight-viewer', 'insight-viewer-pw', 'viewer');
    const session = await mustSignIn(server, 'insight-viewer', 'insight-viewer-pw');
    for (const path of ['/dashboard', '/diagnostics/ingestion/rate', '/diagnostics/system', '/applications/traffic', '/integrations']) {
      assert.equal((await call(server, path, { session })).status, 200, path);
    }
    for (const path of ['/dashboard', '/diagnostics/system', '/integrations']) {
      assert.equal((await call(server, path)).status, 401, path);
    }
  });
});

describe('web console serving', () => {
  let server: TestServer;
  let packageJson: string;
  before(async () => {
    server = await startTestServer();
    packageJson = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  });
  after(async () => {
    await server.destroy();
  });

  const looksLikeHtml = (body: string) => /<!doctype html>/i.test(body);

  test('GET / answers the console (or the not-built page) with security headers, no sign-in needed', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.ok(looksLikeHtml(await res.text()));
  });

  test('client-side routes answer the same HTML', async () => {
    const root = await (await fetch(`${server.url}/`)).text();
    for (const path of ['/some/client/route', '/clients', '/users/admin?tab=1']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await res.text(), root, path);
    }
  });

  test('unknown API paths answer 404 JSON, not the console', async () => {
    const res = await fetch(`${server.url}/api/v1/nope`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await res.json()) as { error: string }).error, 'not_found');
    const auth = await fetch(`${server.url}/auth/realms/tapline/nope`);
    assert.equal(auth.status, 404);
    assert.match(auth.headers.get('content-type') ?? '', /application\/json/);
  });

  test('no path reaches files outside the built console', async () => {
    for (const path of [
      '/assets/../../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e/package.json',
      '/../package.json',
      '/package.json',
      '/src/cli/serve.ts',
      '/assets/../../src/cli/serve.ts',
      '//etc/passwd',
    ]) {
      const res = await rawGet(server, path);
      assert.ok(res.status === 404 || res.status === 400 || (res.status === 200 && /^text\/html/.test(res.type)), `${path}: ${res.status} ${res.type}`);
      assert.ok(!res.body.includes('"devDependencies"') && res.body !== packageJson, `${path} served package.json`);
      assert.ok(!res.body.includes('startServer'), `${path} served source`);
      assert.ok(!res.body.includes('root:'), `${path} served /etc/passwd`);
    }
  });
});
