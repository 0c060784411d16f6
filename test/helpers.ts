// Shared test helpers: a real server on a free port over a fresh data directory, and a client
// with a real token. Tests talk to it over real sockets with fetch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { startServer, type RunningServer } from '../src/cli/serve.ts';
import { resolveServeOptions, type ServeOptions } from '../src/cli/options.ts';

export const ADMIN_TOKEN = 'test-admin-token';
export const ADMIN_PASSWORD = 'test-admin-password';

export interface TestServer extends RunningServer {
  dataDir: string;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

export function tempDir(prefix = 'tapline-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(overrides: Partial<ServeOptions> = {}, dataDir = tempDir()): Promise<TestServer> {
  const options: ServeOptions = {
    ...resolveServeOptions([], {}),
    port: 0,
    data: dataDir,
    logLevel: 'error',
    adminToken: ADMIN_TOKEN,
    adminPassword: ADMIN_PASSWORD,
    ...overrides,
  };
  const server = await startServer(options);
  const admin = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    ...server,
    close: () => server.close(),
    dataDir,
    admin,
    async destroy() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function createClient(server: TestServer, name = `client-${randomUUID().slice(0, 8)}`, extra: Record<string, unknown> = {}) {
  const res = await server.admin('/clients', { body: { name, ...extra } });
  if (res.status !== 201) throw new Error(`create client: ${res.status} ${JSON.stringify(res.body)}`);
  return { clientId: name, secret: res.body.secret as string };
}

export function tokenUrl(server: { url: string }, realm = 'tapline'): string {
  return `${server.url}/auth/realms/${realm}/protocol/openid-connect/token`;
}

export async function getToken(server: { url: string }, clientId: string, secret: string, realm = 'tapline'): Promise<string> {
  const res = await fetch(tokenUrl(server, realm), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A realistic Edge-format transaction. */
export function sampleTransaction(overrides: { id?: string; host?: string; uri?: string; method?: string; body?: string } = {}) {
  const reqBody = overrides.body ?? '';
  const resBody = JSON.stringify({ id: 42, name: 'Ada', items: [1, 2, 3] });
  return {
    timestamp: (Date.now() / 1000).toFixed(3),
    version: '1.0',
    'transaction-id': overrides.id ?? randomUUID(),
    request: {
      'client-ip': '203.0.113.7',
      'http-scheme': 'https',
      'http-version': '1.1',
      'http-method': overrides.method ?? 'GET',
      'uri-query-fragment': overrides.uri ?? '/v1/users/42?expand=orders',
      host: overrides.host ?? 'api.example.com',
      connection: { 'connection-ip': '10.0.0.4', 'connection-port': 51544, 'server-ip': '10.0.1.9', 'server-port': 443 },
      headers: [`accept:${b64('application/json')}`, `user-agent:${b64('curl/8.5.0')}`],
      ...(reqBody && { body: { length: Buffer.byteLength(reqBody), data: b64(reqBody) } }),
    },
    response: {
      'status-code': '200',
      headers: [`content-type:${b64('application/json')}`],
      body: { length: Buffer.byteLength(resBody), data: b64(resBody) },
    },
    'txn-meta-data': { source_info: { version: '1.0.0', type: 'azure-apim', pool_id: 'apim-prod', instance_id: 'apim-1' } },
  };
}

export async function postJson(url: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}

/** Why the PostgreSQL server at `url` cannot be used (a skip message), or false when it answers. */
export async function postgresUnavailable(url: string): Promise<string | false> {
  const sql = postgres(url, { connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return false;
  } catch (err) {
    return `PostgreSQL not reachable at ${url} (${(err as Error).message})`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
