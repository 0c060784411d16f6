// UserService over a real SqliteStore: first admin, validation, sign-in throttling (per user and
// per address, sliding window), session lifetime and hashing, password changes, last-admin rule.
import { test, describe, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import { hashToken } from '../src/auth/secrets.ts';
import { SESSION_TTL_MS, UserError, UserService, type SignIn } from '../src/console/users.ts';
import { tempDir } from './helpers.ts';

const ADDR = '192.0.2.10';

function ok(r: SignIn): Extract<SignIn, { ok: true }> {
  assert.ok(r.ok, `sign-in failed: ${JSON.stringify(r)}`);
  return r;
}

async function rejectsWith(p: Promise<unknown>, code: UserError['code'], message?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('UserService', () => {
  let dir: string;
  let store: SqliteStore;
  let users: UserService;

  beforeEach(() => {
    dir = tempDir('tapline-users-');
    store = new SqliteStore(join(dir, 'store.db'));
    users = new UserService(store);
  });
  afterEach(async () => {
    mock.timers.reset();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('first admin: a generated password is returned once; a given one is not; later starts do nothing', async () => {
    const generated = await users.ensureFirstAdmin(null);
    assert.ok(generated && generated.length >= 16);
    const admin = await store.getUser('admin');
    assert.equal(admin?.role, 'admin');
    assert.ok(!admin!.passwordHash.includes(generated), 'stored hashed');
    ok(await users.signIn('admin', generated, ADDR));
    assert.equal(await users.ensureFirstAdmin(null), null);
    assert.equal(await users.ensureFirstAdmin('another-password'), null);
    assert.equal((await store.listUsers()).length, 1);

    const dir2 = tempDir('tapline-users-');
    const store2 = new SqliteStore(join(dir2, 'store.db'));
    try {
      const users2 = new UserService(store2);
      assert.equal(await users2.ensureFirstAdmin('chosen-password'), null);
      ok(await users2.signIn('admin', 'chosen-password', ADDR));
    } finally {
      await store2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test('create validates the name, password length and role; names are unique', async () => {
    const u = await users.create({ username: 'ops.team_1@example-org', password: 'p'.repeat(10), role: 'viewer' });
    assert.equal(u.role, 'viewer');
    assert.equal(u.lastLoginAt, null);
    await rejectsWith(users.create({ username: 'ops.team_1@example-org', password: 'p'.repeat(10), role: 'admin' }), 'exists');
    await rejectsWith(users.create({ username: 'short', password: 'p'.repeat(9), role: 'viewer' }), 'invalid_request', /10/);
    await rejectsWith(users.create({ username: 'long', password: 'p'.repeat(257), role: 'viewer' }), 'invalid_request', /256/);
    await rejectsWith(users.create({ username: 'role', password: 'p'.repeat(10), role: 'superuser' }), 'invalid_request', /role/);
    for (const username of ['', 'a b', 'x'.repeat(65), 'a/b', 'ünï']) {
      await rejectsWith(users.create({ username, password: 'p'.repeat(10), role: 'viewer' }), 'invalid_request', /username/);
    }
    assert.deepEqual((await store.listUsers()).map((x) => x.username), ['ops.team_1@example-org']);
  });

  test('a session: random id stored only as its hash, with a CSRF token; sign-out ends it', async () => {
    await users.create({ username: 'sam', password: 'sam-password', role: 'viewer' });
    const s = ok(await users.signIn('sam', 'sam-password', ADDR));
    assert.match(s.sessionId, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(s.session.idHash, hashToken(s.sessionId));
    assert.equal(await store.getSession(s.sessionId), null);
    assert.ok(await store.getSession(hashToken(s.sessionId)));
    assert.ok(s.session.csrfToken.length >= 32);
    assert.equal(s.session.expiresAt - s.session.createdAt, SESSION_TTL_MS);
    assert.ok((await store.getUser('sam'))!.lastLoginAt !== null);

    const found = await users.session(s.sessionId);
    assert.equal(found?.user.username, 'sam');
    assert.equal(found?.session.csrfToken, s.session.csrfToken);
    assert.equal(await users.session('made-up'), null);
    assert.equal(await users.session(hashToken(s.sessionId)), null, 'the stored hash is not a valid cookie');

    const other = ok(await users.signIn('sam', 'sam-password', ADDR));
    assert.notEqual(other.sessionId, s.sessionId);
    await users.signOut(s.sessionId);
    assert.equal(await users.session(s.sessionId), null);
    assert.ok(await users.session(other.sessionId), 'signing out ends only that session');
  });

  test('sessions expire after the session lifetime and are pruned at the next sign-in', async () => {
    await users.create({ username: 'eve', password: 'eve-password', role: 'viewer' });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const s = ok(await users.signIn('eve', 'eve-password', ADDR));
    mock.timers.tick(SESSION_TTL_MS - 1000);
    assert.ok(await users.session(s.sessionId));
    mock.timers.tick(2000);
    assert.equal(await users.session(s.sessionId), null);
    assert.ok(await store.getSession(hashToken(s.sessionId)), 'still stored until pruned');
    ok(await users.signIn('eve', 'eve-password', ADDR));
    assert.equal(await store.getSession(hashToken(s.sessionId)), null, 'pruned');
  });

  test('throttling per user: 5 failures block the 6th try for 15 minutes; names are case-insensitive', async () => {
    await users.create({ username: 'tom', password: 'tom-password', role: 'viewer' });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    for (let i = 0; i < 5; i++) {
      const r = await users.signIn(i % 2 ? 'TOM' : 'tom', 'wrong-password', ADDR);
      assert.deepEqual(r, { ok: false, retryAfter: 0 }, `try ${i + 1}`);
      mock.timers.tick(1000);
    }
    const blocked = await users.signIn('tom', 'tom-password', `${ADDR}9`);
    assert.equal(blocked.ok, false);
    assert.ok(!blocked.ok && blocked.retryAfter > 0 && blocked.retryAfter <= 15 * 60, JSON.stringify(blocked));
    // Other users are not affected.
    await users.create({ username: 'una', password: 'una-password', role: 'viewer' });
    ok(await users.signIn('una', 'una-password', ADDR));
    // The window slides: once the first failure is older than 15 minutes, one more try is allowed.
    mock.timers.tick(15 * 60_000 - 5000 + 1);
    ok(await users.signIn('tom', 'tom-password', ADDR));
  });

  test('a successful sign-in resets the per-user count', async () => {
    await users.create({ username: 'ria', password: 'ria-password', role: 'viewer' });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) assert.equal((await users.signIn('ria', 'nope-nope-nope', ADDR)).ok, false);
      ok(await users.signIn('ria', 'ria-password', ADDR));
    }
  });

  test('throttling per address: 30 failures with any names block that address only', async () => {
    await users.create({ username: 'val', password: 'val-password', role: 'viewer' });
    for (let i = 0; i < 30; i++) {
      const r = await users.signIn(`spray-${i}`, 'guess-guess', ADDR);
      assert.deepEqual(r, { ok: false, retryAfter: 0 }, `try ${i + 1}`);
    }
    const blocked = await users.signIn('val', 'val-password', ADDR);
    assert.ok(!blocked.ok && blocked.retryAfter > 0);
    ok(await users.signIn('val', 'val-password', '198.51.100.1'));
  });

  test('changePassword checks the current password, keeps the given session and ends the others', async () => {
    await users.create({ username: 'cy', password: 'cy-password-1', role: 'admin' });
    const a = ok(await users.signIn('cy', 'cy-password-1', ADDR));
    const b = ok(await users.signIn('cy', 'cy-password-1', ADDR));
    await users.create({ username: 'dee', password: 'dee-password', role: 'viewer' });
    const d = ok(await users.signIn('dee', 'dee-password', ADDR));

    assert.equal(await users.changePassword('cy', 'wrong-current', 'cy-password-2', a.sessionId), false);
    assert.ok(await users.session(b.sessionId), 'nothing changed');
    await rejectsWith(users.changePassword('cy', 'cy-password-1', 'short', a.sessionId), 'invalid_request');
    assert.ok(await users.session(b.sessionId), 'nothing changed');

    assert.equal(await users.changePassword('cy', 'cy-password-1', 'cy-password-2', a.sessionId), true);
    assert.ok(await users.session(a.sessionId));
    assert.equal(await users.session(b.sessionId), null);
    assert.ok(await users.session(d.sessionId), "other users' sessions stay");
    assert.equal((await users.signIn('cy', 'cy-password-1', ADDR)).ok, false);
    ok(await users.signIn('cy', 'cy-password-2', ADDR));
  });

  test('update: role changes and password resets end the user\'s sessions; the last admin stays', async () => {
    await users.create({ username: 'ann', password: 'ann-password', role: 'admin' });
    await users.create({ username: 'vic', password: 'vic-password', role: 'viewer' });
    const v = ok(await users.signIn('vic', 'vic-password', ADDR));
    const a = ok(await users.signIn('ann', 'ann-password', ADDR));

    await rejectsWith(users.update('ann', { role: 'viewer' }), 'last_admin');
    await rejectsWith(users.delete('ann'), 'last_admin');
    assert.ok(await users.session(a.sessionId), 'a refused change ends nothing');
    await rejectsWith(users.update('nobody', { role: 'viewer' }), 'not_found');
    await rejectsWith(users.delete('nobody'), 'not_found');
    await rejectsWith(users.update('vic', { role: 'owner' }), 'invalid_request');
    await rejectsWith(users.update('vic', { password: 'short' }), 'invalid_request');
    assert.equal((await store.getUser('vic'))!.role, 'viewer');

    const promoted = await users.update('vic', { role: 'admin' });
    assert.equal(promoted.role, 'admin');
    assert.equal(await users.session(v.sessionId), null);
    assert.equal(await store.countAdmins(), 2);

    // Now either admin may be demoted or removed, but not both.
    await users.update('ann', { role: 'viewer' });
    await rejectsWith(users.update('vic', { role: 'viewer' }), 'last_admin');
    await users.update('ann', { role: 'admin' });
    await users.delete('vic');
    await rejectsWith(users.delete('ann'), 'last_admin');

    const a2 = ok(await users.signIn('ann', 'ann-password', ADDR));
    await users.update('ann', { password: 'ann-password-2' });
    assert.equal(await users.session(a2.sessionId), null);
    assert.equal((await users.signIn('ann', 'ann-password', ADDR)).ok, false);
    ok(await users.signIn('ann', 'ann-password-2', ADDR));
  });

  test('two concurrent demotions with password resets leave one admin', async () => {
    await users.create({ username: 'ada', password: 'ada-password', role: 'admin' });
    await users.create({ username: 'bob', password: 'bob-password', role: 'admin' });
    const results = await Promise.allSettled([
      users.update('ada', { role: 'viewer', password: 'ada-password-2' }),
      users.update('bob', { role: 'viewer', password: 'bob-password-2' }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected');
    assert.equal((failed!.reason as UserError).code, 'last_admin');
    assert.equal(await store.countAdmins(), 1);
  });

  test('delete removes the user and their sessions', async () => {
    await users.create({ username: 'boss', password: 'boss-password', role: 'admin' });
    await users.create({ username: 'tmp', password: 'tmp-password', role: 'viewer' });
    const s = ok(await users.signIn('tmp', 'tmp-password', ADDR));
    await users.delete('tmp');
    assert.equal(await store.getUser('tmp'), null);
    assert.equal(await store.getSession(hashToken(s.sessionId)), null);
    assert.equal(await users.session(s.sessionId), null);
    assert.equal((await users.signIn('tmp', 'tmp-password', ADDR)).ok, false);
  });
});
