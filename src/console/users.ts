// Console users (admin, viewer), password sign-in with throttling, and server-side sessions.
// Session ids travel in an HttpOnly cookie and are stored only as a SHA-256 hash; each session
// has a CSRF token that every state-changing request must echo in a header.
import { randomBytes } from 'node:crypto';
import type { Role, SessionRecord, Store, UserRecord } from '../store/store.ts';
import { hashSecret, hashToken, verifySecret } from '../auth/secrets.ts';

export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD = 10;
export const SESSION_TTL_MS = 12 * 3600_000;

export class UserError extends Error {
  readonly code: 'invalid_request' | 'exists' | 'not_found' | 'last_admin';
  constructor(code: UserError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD || password.length > 256) {
    throw new UserError('invalid_request', `password must be ${MIN_PASSWORD} to 256 characters`);
  }
}

function checkRole(role: string): asserts role is Role {
  if (role !== 'admin' && role !== 'viewer') throw new UserError('invalid_request', 'role must be "admin" or "viewer"');
}

/** Failed sign-ins per key (user name, and caller address) within a sliding window. */
class Throttle {
  private readonly failures = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Seconds to wait before another try, or 0. */
  retryAfter(key: string, now: number): number {
    const recent = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length < this.limit) return 0;
    return Math.ceil((recent[0]! + this.windowMs - now) / 1000);
  }

  fail(key: string, now: number): void {
    const recent = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 100_000) this.failures.clear(); // bounded memory under a spray of names
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
}

export type SignIn =
  | { ok: true; user: UserRecord; sessionId: string; session: SessionRecord }
  | { ok: false; retryAfter: number };

export class UserService {
  private readonly store: Store;
  private readonly byUser = new Throttle(5, 15 * 60_000);
  private readonly byAddress = new Throttle(30, 15 * 60_000);

  constructor(store: Store) {
    this.store = store;
  }

  /** First start: an "admin" user with the given or a generated password (returned to print once). */
  async ensureFirstAdmin(password: string | null): Promise<string | null> {
    if ((await this.store.listUsers()).length > 0) return null;
    const chosen = password ?? randomBytes(15).toString('base64url');
    await this.create({ username: 'admin', password: chosen, role: 'admin' });
    return password ? null : chosen;
  }

  async create(input: { username: string; password: string; role: string }): Promise<UserRecord> {
    if (!USERNAME.test(input.username)) {
      throw new UserError('invalid_request', 'username must be 1 to 64 characters of letters, digits, ".", "_", "@" or "-"');
    }
    checkPassword(input.password);
    checkRole(input.role);
    const now = Date.now();
    const user: UserRecord = {
      username: input.username,
      passwordHash: await hashSecret(input.password),
      role: input.role,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
    };
    if (!(await this.store.createUser(user))) throw new UserError('exists', `a user named "${input.username}" already exists`);
    return user;
  }

  async update(username: string, patch: { role?: string; password?: string }): Promise<UserRecord> {
    const user = await this.store.getUser(username);
    if (!user) throw new UserError('not_found', `no user named "${username}"`);
    const changes: Partial<Pick<UserRecord, 'passwordHash' | 'role'>> = {};
    if (patch.role !== undefined) checkRole(patch.role);
    // Hash first: no wait between the last-admin check and the write, so two concurrent
    // demotions cannot both pass the check.
    if (patch.password !== undefined) {
      checkPassword(patch.password);
      changes.passwordHash = await hashSecret(patch.password);
    }
    if (patch.role !== undefined) {
      if (user.role === 'admin' && patch.role !== 'admin') await this.keepOneAdmin();
      changes.role = patch.role;
    }
    const updated = (await this.store.updateUser(username, changes))!;
    await this.store.deleteUserSessions(username);
    return updated;
  }

  async delete(username: string): Promise<void> {
    const user = await this.store.getUser(username);
    if (!user) throw new UserError('not_found', `no user named "${username}"`);
    if (user.role === 'admin') await this.keepOneAdmin();
    await this.store.deleteUser(username);
  }

  private async keepOneAdmin(): Promise<void> {
    if ((await this.store.countAdmins()) <= 1) {
      throw new UserError('last_admin', 'this is the last admin; make another user admin first');
    }
  }

  async signIn(username: string, password: string, address: string): Promise<SignIn> {
    const now = Date.now();
    const userKey = `u:${username.toLowerCase()}`;
    const addressKey = `a:${address}`;
    const wait = Math.max(this.byUser.retryAfter(userKey, now), this.byAddress.retryAfter(addressKey, now));
    if (wait > 0) return { ok: false, retryAfter: wait };
    const user = await this.store.getUser(username);
    // Without a user, still spend the time of a hash check so timing does not reveal names.
    const valid = user ? await verifySecret(password, user.passwordHash) : (await hashSecret(password), false);
    if (!user || !valid) {
      this.byUser.fail(userKey, now);
      this.byAddress.fail(addressKey, now);
      return { ok: false, retryAfter: 0 };
    }
    this.byUser.reset(userKey);
    const sessionId = randomBytes(32).toString('base64url');
    const session: SessionRecord = {
      idHash: hashToken(sessionId),
      username: user.username,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
    };
    await this.store.createSession(session);
    await this.store.updateUser(user.username, { lastLoginAt: now });
    await this.store.pruneSessions(now);
    return { ok: true, user, sessionId, session };
  }

  /** The signed-in user of a session cookie value, or null. */
  async session(sessionId: string): Promise<{ user: UserRecord; session: SessionRecord } | null> {
    const session = await this.store.getSession(hashToken(sessionId));
    if (!session || session.expiresAt < Date.now()) return null;
    const user = await this.store.getUser(session.username);
    return user ? { user, session } : null;
  }

  async signOut(sessionId: string): Promise<void> {
    await this.store.deleteSession(hashToken(sessionId));
  }

  async changePassword(username: string, current: string, next: string, keepSession: string): Promise<boolean> {
    const user = await this.store.getUser(username);
    if (!user || !(await verifySecret(current, user.passwordHash))) return false;
    checkPassword(next);
    await this.store.updateUser(username, { passwordHash: await hashSecret(next) });
    await this.store.deleteUserSessions(username, hashToken(keepSession));
    return true;
  }
}
