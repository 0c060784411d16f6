// The token service (edge-api.md section 1): client credentials over the form body and HTTP
// Basic, the JWT it issues, RFC 6749 errors, realms, discovery, JWKS, key rotation and restarts.
import { test, describe, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import { KeyRing } from '../src/auth/keys.ts';
import { ClientService } from '../src/auth/clients.ts';
import { TokenService } from '../src/auth/tokens.ts';
import {
  createClient,
  getToken,
  postJson,
  sampleTransaction,
  startTestServer,
  tempDir,
  tokenUrl,
  type TestServer,
} from './helpers.ts';

/** RFC 6749 section 2.3.1: form-urlencode id and secret, join with ':', base64. */
function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => new URLSearchParams({ s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

async function tokenRequest(server: { url: string }, form: string | Record<string, string>, headers: Record<string, string> = {}, realm = 'tapline') {
  const res = await fetch(tokenUrl(server, realm), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof form === 'string' ? form : new URLSearchParams(form),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

async function jwks(server: { url: string }, realm = 'tapline'): Promise<JSONWebKeySet> {
  const res = await fetch(`${server.url}/auth/realms/${realm}/protocol/openid-connect/certs`);
  assert.equal(res.status, 200);
  return (await res.json()) as JSONWebKeySet;
}

const edge = (server: { url: string }) => `${server.url}/api-transaction`;

describe('token service', () => {
  let server: TestServer;
  let client: { clientId: string; secret: string };

  before(async () => {
    server = await startTestServer();
    client = await createClient(server, 'apim.prod-1', { tokenLifespan: 900 });
  });
  after(async () => {
    await server.destroy();
  });

  function assertTokenResponse(body: any, lifespan: number) {
    assert.equal(typeof body.access_token, 'string');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, lifespan);
    assert.equal(body.refresh_expires_in, 0);
    assert.equal(body['not-before-policy'], 0);
    assert.equal(typeof body.scope, 'string');
    assert.equal(body.refresh_token, undefined);
  }

  test('client_secret_post: 200 with a token response', async () => {
    const res = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assertTokenResponse(res.body, 900);
  });

  test('client_secret_basic: 200 with a token response', async () => {
    const res = await tokenRequest(server, 'grant_type=client_credentials', { authorization: basicAuth(client.clientId, client.secret) });
    assert.equal(res.status, 200);
    assertTokenResponse(res.body, 900);
    // client_id may be repeated in the body when it agrees with Basic
    const again = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId }, { authorization: basicAuth(client.clientId, client.secret) });
    assert.equal(again.status, 200);
  });

  test('the default lifespan is 1800 s', async () => {
    const c = await createClient(server);
    const res = await tokenRequest(server, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret });
    assert.equal(res.status, 200);
    assertTokenResponse(res.body, 1800);
  });

  test('the access token is an ES256 JWT with the documented claims, verifiable with the JWKS', async () => {
    const res = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret });
    const jwt = res.body.access_token as string;
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, 'ES256');
    assert.equal(typeof header.kid, 'string');
    const set = await jwks(server);
    assert.ok(set.keys.some((k) => k.kid === header.kid), 'the kid is listed in the JWKS');
    for (const k of set.keys) {
      assert.equal(k.d, undefined, 'the JWKS holds no private key material');
      assert.equal(k.kty, 'EC');
    }
    const issuer = `${server.url}/auth/realms/tapline`;
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(set), { issuer, algorithms: ['ES256'] });
    assert.equal(payload.iss, issuer);
    assert.equal(payload.sub, client.clientId);
    assert.equal(payload.azp, client.clientId);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.iat, 'number');
    assert.equal(typeof payload.exp, 'number');
    assert.equal(payload.exp! - payload.iat!, 900);
    assert.ok(Math.abs(payload.iat! - Date.now() / 1000) < 60);
    assert.equal(payload.scope, res.body.scope);
    // Every token is distinct.
    const other = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret });
    assert.notEqual(decodeJwt(other.body.access_token).jti, payload.jti);
  });

  test('the token is accepted at the edge', async () => {
    const token = await getToken(server, client.clientId, client.secret);
    const res = await postJson(edge(server), token, sampleTransaction());
    assert.equal(res.status, 200);
  });

  test('issuing a token updates lastTokenAt', async () => {
    const c = await createClient(server);
    const beforeList = await server.admin(`/clients/${c.clientId}`);
    assert.equal(beforeList.body.lastTokenAt, null);
    await getToken(server, c.clientId, c.secret);
    const afterList = await server.admin(`/clients/${c.clientId}`);
    assert.ok(!Number.isNaN(Date.parse(afterList.body.lastTokenAt)));
  });

  describe('errors (RFC 6749 section 5.2)', () => {
    const assertError = (res: { status: number; body: any }, status: number, error: string) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error, error);
      assert.equal(typeof res.body.error_description, 'string');
    };

    test('missing grant_type: 400 invalid_request', async () => {
      assertError(await tokenRequest(server, { client_id: client.clientId, client_secret: client.secret }), 400, 'invalid_request');
    });

    test('duplicated parameter: 400 invalid_request', async () => {
      const form = `grant_type=client_credentials&client_id=${client.clientId}&client_id=${client.clientId}&client_secret=${client.secret}`;
      const res = await tokenRequest(server, form);
      assertError(res, 400, 'invalid_request');
      assert.match(res.body.error_description, /client_id/);
      const grant = await tokenRequest(server, `grant_type=client_credentials&grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.secret}`);
      assertError(grant, 400, 'invalid_request');
    });

    test('missing client_id or client_secret: 400 invalid_request', async () => {
      const noId = await tokenRequest(server, { grant_type: 'client_credentials', client_secret: client.secret });
      assertError(noId, 400, 'invalid_request');
      assert.match(noId.body.error_description, /client_id/);
      assertError(await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId }), 400, 'invalid_request');
    });

    test('credentials both in Basic and in the body, or malformed Basic: 400 invalid_request', async () => {
      assertError(
        await tokenRequest(server, { grant_type: 'client_credentials', client_secret: client.secret }, { authorization: basicAuth(client.clientId, client.secret) }),
        400, 'invalid_request',
      );
      assertError(
        await tokenRequest(server, { grant_type: 'client_credentials', client_id: 'someone-else' }, { authorization: basicAuth(client.clientId, client.secret) }),
        400, 'invalid_request',
      );
      assertError(
        await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }),
        400, 'invalid_request',
      );
    });

    test('a body that is not form-urlencoded: 400 invalid_request', async () => {
      const res = await fetch(tokenUrl(server), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret }),
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    });

    test('grant_type=password: 400 unsupported_grant_type', async () => {
      const res = await tokenRequest(server, { grant_type: 'password', client_id: client.clientId, client_secret: client.secret, username: 'u', password: 'p' });
      assertError(res, 400, 'unsupported_grant_type');
    });

    test('wrong secret: 401 invalid_client, WWW-Authenticate only with Basic', async () => {
      const post = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'wrong-secret' });
      assertError(post, 401, 'invalid_client');
      assert.equal(post.headers.get('www-authenticate'), null);
      const basic = await tokenRequest(server, 'grant_type=client_credentials', { authorization: basicAuth(client.clientId, 'wrong-secret') });
      assertError(basic, 401, 'invalid_client');
      assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic /);
    });

    test('unknown client: 401 invalid_client, WWW-Authenticate only with Basic', async () => {
      const post = await tokenRequest(server, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: client.secret });
      assertError(post, 401, 'invalid_client');
      assert.equal(post.headers.get('www-authenticate'), null);
      const basic = await tokenRequest(server, 'grant_type=client_credentials', { authorization: basicAuth('nobody', client.secret) });
      assertError(basic, 401, 'invalid_client');
      assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic /);
    });

    test('Traffic Ingestion off: 400 unauthorized_client (but a wrong secret is still invalid_client)', async () => {
      const off = await createClient(server, undefined, { trafficIngestion: false });
      assertError(await tokenRequest(server, { grant_type: 'client_credentials', client_id: off.clientId, client_secret: off.secret }), 400, 'unauthorized_client');
      assertError(await tokenRequest(server, { grant_type: 'client_credentials', client_id: off.clientId, client_secret: 'nope' }), 401, 'invalid_client');
      // Turned back on: tokens again.
      assert.equal((await server.admin(`/clients/${off.clientId}`, { method: 'PATCH', body: { trafficIngestion: true } })).status, 200);
      assert.equal((await tokenRequest(server, { grant_type: 'client_credentials', client_id: off.clientId, client_secret: off.secret })).status, 200);
    });

    test('unknown realm: 404 on token, discovery and JWKS', async () => {
      const res = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret }, {}, 'cequence');
      assert.equal(res.status, 404);
      assert.equal((await fetch(`${server.url}/auth/realms/other/.well-known/openid-configuration`)).status, 404);
      assert.equal((await fetch(`${server.url}/auth/realms/other/protocol/openid-connect/certs`)).status, 404);
    });
  });

  test('discovery document', async () => {
    const res = await fetch(`${server.url}/auth/realms/tapline/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, any>;
    const issuer = `${server.url}/auth/realms/tapline`;
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.token_endpoint, `${issuer}/protocol/openid-connect/token`);
    assert.equal(doc.jwks_uri, `${issuer}/protocol/openid-connect/certs`);
    assert.ok(doc.grant_types_supported.includes('client_credentials'));
    assert.ok(doc.token_endpoint_auth_methods_supported.includes('client_secret_post'));
    assert.ok(doc.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
    assert.ok(doc.id_token_signing_alg_values_supported.includes('ES256'));
    // The advertised endpoints work.
    assert.equal((await fetch(doc.jwks_uri)).status, 200);
    const token = await fetch(doc.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret }),
    });
    assert.equal(token.status, 200);
  });
});

describe('realm "cequence"', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ realm: 'cequence' });
  });
  after(async () => {
    await server.destroy();
  });

  test('serves /auth/realms/cequence/... and 404s tapline', async () => {
    const c = await createClient(server);
    const form = { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret };
    const res = await tokenRequest(server, form, {}, 'cequence');
    assert.equal(res.status, 200);
    const issuer = `${server.url}/auth/realms/cequence`;
    assert.equal(decodeJwt(res.body.access_token).iss, issuer);
    const doc = (await (await fetch(`${server.url}/auth/realms/cequence/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(doc.issuer, issuer);
    await jwtVerify(res.body.access_token, createLocalJWKSet(await jwks(server, 'cequence')), { issuer });
    assert.equal((await postJson(edge(server), res.body.access_token, sampleTransaction())).status, 200);

    assert.equal((await tokenRequest(server, form, {}, 'tapline')).status, 404);
    assert.equal((await fetch(`${server.url}/auth/realms/tapline/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${server.url}/auth/realms/tapline/protocol/openid-connect/certs`)).status, 404);
  });
});

describe('public URL, key rotation and restarts', () => {
  const publicUrl = 'https://tapline.example.test/';
  const issuer = 'https://tapline.example.test/auth/realms/tapline';
  let server: TestServer;
  let dataDir: string;
  let client: { clientId: string; secret: string };
  let oldToken: string;
  let newToken: string;
  let newKid: string;

  before(async () => {
    server = await startTestServer({ publicUrl });
    dataDir = server.dataDir;
    client = await createClient(server);
  });
  after(async () => {
    await server.destroy();
  });

  test('the issuer and discovery use the public URL', async () => {
    oldToken = await getToken(server, client.clientId, client.secret);
    assert.equal(decodeJwt(oldToken).iss, issuer);
    const doc = (await (await fetch(`${server.url}/auth/realms/tapline/.well-known/openid-configuration`)).json()) as Record<string, string>;
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.token_endpoint, `${issuer}/protocol/openid-connect/token`);
  });

  test('key rotation: old tokens keep working, new tokens use the new kid', async () => {
    const oldKid = decodeProtectedHeader(oldToken).kid;
    assert.equal((await jwks(server)).keys.length, 1);
    const rotated = await server.admin('/keys/rotate', { method: 'POST' });
    assert.equal(rotated.status, 200);
    newKid = rotated.body.kid;
    assert.equal(typeof newKid, 'string');
    assert.notEqual(newKid, oldKid);
    const active = rotated.body.items.filter((k: { active: boolean }) => k.active);
    assert.deepEqual(active.map((k: { kid: string }) => k.kid), [newKid]);

    const set = await jwks(server);
    assert.equal(set.keys.length, 2);
    assert.deepEqual(new Set(set.keys.map((k) => k.kid)), new Set([oldKid, newKid]));
    // The token signed before rotation verifies against the JWKS and still works at the edge.
    await jwtVerify(oldToken, createLocalJWKSet(set), { issuer });
    assert.equal((await postJson(edge(server), oldToken, sampleTransaction())).status, 200);

    newToken = await getToken(server, client.clientId, client.secret);
    assert.equal(decodeProtectedHeader(newToken).kid, newKid);
    await jwtVerify(newToken, createLocalJWKSet(set), { issuer });
    assert.equal((await postJson(edge(server), newToken, sampleTransaction())).status, 200);
  });

  test('restart with the same data directory: clients, keys and tokens survive', async () => {
    await server.close();
    server = await startTestServer({ publicUrl }, dataDir);
    const clients = await server.admin('/clients');
    assert.ok(clients.body.items.some((c: { clientId: string }) => c.clientId === client.clientId));
    assert.equal((await postJson(edge(server), oldToken, sampleTransaction())).status, 200);
    assert.equal((await postJson(edge(server), newToken, sampleTransaction())).status, 200);
    assert.equal((await jwks(server)).keys.length, 2);
    const again = await getToken(server, client.clientId, client.secret);
    assert.equal(decodeProtectedHeader(again).kid, newKid);
    assert.equal((await postJson(edge(server), again, sampleTransaction())).status, 200);
  });
});

describe('TokenService.verify (unit)', () => {
  const issuer = 'http://tapline.unit/auth/realms/tapline';
  let dir: string;
  let store: SqliteStore;
  let keys: KeyRing;
  let clients: ClientService;
  let tokens: TokenService;
  let uid: string;

  before(async () => {
    dir = tempDir();
    store = new SqliteStore(join(dir, 'store.db'));
    keys = new KeyRing(store, 86_400);
    await keys.init();
    clients = new ClientService(store);
    await clients.start();
    uid = (await clients.create({ name: 'unit-client' })).client.uid;
    tokens = new TokenService(store, keys, clients, issuer);
  });
  after(async () => {
    mock.timers.reset();
    clients.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function forge(claims: { exp: number; iat?: number; iss?: string; sub?: string; cuid?: string | null }) {
    const { kid, key } = keys.signingKey();
    const jwt = new SignJWT({ azp: claims.sub ?? 'unit-client', scope: 'ingest', ...(claims.cuid !== null && { cuid: claims.cuid ?? uid }) })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(claims.iss ?? issuer)
      .setSubject(claims.sub ?? 'unit-client')
      .setIssuedAt(claims.iat ?? claims.exp - 600)
      .setExpirationTime(claims.exp)
      .setJti(randomUUID());
    return jwt.sign(key);
  }

  const nowS = () => Math.floor(Date.now() / 1000);

  test('a token signed by the key ring with a past exp is invalid_token (expired)', async () => {
    const verdict = await tokens.verify(await forge({ exp: nowS() - 60 }));
    assert.equal(verdict.ok, false);
    assert.ok(!verdict.ok && verdict.error === 'invalid_token');
    assert.match(!verdict.ok ? verdict.message : '', /expired/);
  });

  test('a valid token verifies; it expires later even though verification is cached', async () => {
    const jwt = await forge({ exp: nowS() + 60 });
    assert.deepEqual(await tokens.verify(jwt), { ok: true, clientId: 'unit-client' });
    assert.deepEqual(await tokens.verify(jwt), { ok: true, clientId: 'unit-client' });
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 120_000 });
    try {
      const verdict = await tokens.verify(jwt);
      assert.equal(verdict.ok, false);
      assert.match(!verdict.ok ? verdict.message : '', /expired/);
    } finally {
      mock.timers.reset();
    }
  });

  test('another issuer, a foreign token without cuid, garbage', async () => {
    const other = await tokens.verify(await forge({ exp: nowS() + 60, iss: 'http://tapline.unit/auth/realms/cequence' }));
    assert.ok(!other.ok && other.error === 'invalid_token' && /another realm/.test(other.message));
    const foreign = await tokens.verify(await forge({ exp: nowS() + 60, cuid: null }));
    assert.ok(!foreign.ok && foreign.error === 'invalid_token');
    const garbage = await tokens.verify('not.a.jwt');
    assert.ok(!garbage.ok && garbage.error === 'invalid_token' && /malformed/.test(garbage.message));
  });

  test('disabled, deleted and re-created clients', async () => {
    const { client } = await clients.create({ name: 'unit-two' });
    const jwt = await forge({ exp: nowS() + 60, sub: 'unit-two', cuid: client.uid });
    assert.equal((await tokens.verify(jwt)).ok, true);
    await clients.update('unit-two', { trafficIngestion: false });
    const disabled = await tokens.verify(jwt);
    assert.ok(!disabled.ok && disabled.error === 'ingestion_disabled');
    await clients.update('unit-two', { trafficIngestion: true });
    assert.equal((await tokens.verify(jwt)).ok, true);
    await clients.delete('unit-two');
    const deleted = await tokens.verify(jwt);
    assert.ok(!deleted.ok && deleted.error === 'ingestion_disabled' && /deleted/.test(deleted.message));
    // A new client under the same name does not revive the old tokens.
    await clients.create({ name: 'unit-two' });
    const recreated = await tokens.verify(jwt);
    assert.ok(!recreated.ok && recreated.error === 'ingestion_disabled');
  });

  test('issue: unknown client, wrong secret, disabled client', async () => {
    const { secret } = await clients.create({ name: 'unit-three', tokenLifespan: 60 });
    const ok = await tokens.issue('unit-three', secret);
    assert.ok(ok.ok && ok.token.expires_in === 60);
    assert.deepEqual(await tokens.verify(ok.ok ? ok.token.access_token : ''), { ok: true, clientId: 'unit-three' });
    assert.equal((await tokens.issue('unit-three', 'wrong')).ok, false);
    assert.equal((await tokens.issue('nobody', secret)).ok, false);
    await clients.update('unit-three', { trafficIngestion: false });
    const off = await tokens.issue('unit-three', secret);
    assert.ok(!off.ok && off.error === 'unauthorized_client');
  });
});
