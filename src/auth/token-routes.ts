// The token service over HTTP (edge-api.md section 1): Keycloak-shaped paths, RFC 6749 errors,
// OpenID discovery and JWKS.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeyRing } from './keys.ts';
import type { TokenService } from './tokens.ts';
import { SIGNING_ALG } from './keys.ts';

export interface TokenRoutesOptions {
  realm: string;
  tokens: TokenService;
  keys: KeyRing;
}

type Form = Map<string, string[]>;

function parseForm(body: string): Form {
  const form: Form = new Map();
  for (const [k, v] of new URLSearchParams(body)) form.set(k, [...(form.get(k) ?? []), v]);
  return form;
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

/** RFC 6749 section 2.3.1: id and secret are form-urlencoded, joined by ':', then base64. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | 'malformed' {
  if (!header || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

export async function tokenRoutes(app: FastifyInstance, opts: TokenRoutesOptions): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });

  const realmGuard = async (req: FastifyRequest<{ Params: { realm: string } }>, reply: FastifyReply) => {
    if (req.params.realm !== opts.realm) {
      return reply.code(404).send({ error: 'realm_not_found', error_description: `no realm named "${req.params.realm}"; this Tapline serves realm "${opts.realm}"` });
    }
  };

  app.post<{ Params: { realm: string } }>(
    '/auth/realms/:realm/protocol/openid-connect/token',
    { preHandler: realmGuard, schema: { hide: true } },
    async (req, reply) => {
      const form = req.body instanceof Map ? (req.body as Form) : null;
      if (!form) return oauthError(reply, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
      for (const [key, values] of form) {
        if (values.length > 1) return oauthError(reply, 400, 'invalid_request', `parameter "${key}" is given more than once`);
      }
      const one = (k: string) => form.get(k)?.[0];
      const grant = one('grant_type');
      if (!grant) return oauthError(reply, 400, 'invalid_request', 'grant_type is required (use grant_type=client_credentials)');
      if (grant !== 'client_credentials') {
        return oauthError(reply, 400, 'unsupported_grant_type', `grant_type "${grant}" is not supported; use client_credentials`);
      }
      const basic = basicCredentials(req.headers.authorization);
      if (basic === 'malformed') return oauthError(reply, 400, 'invalid_request', 'the Authorization header is not valid HTTP Basic credentials');
      const bodyId = one('client_id');
      const bodySecret = one('client_secret');
      if (basic && bodySecret !== undefined) {
        return oauthError(reply, 400, 'invalid_request', 'send the client credentials either with HTTP Basic or in the form body, not both');
      }
      if (basic && bodyId !== undefined && bodyId !== basic.id) {
        return oauthError(reply, 400, 'invalid_request', 'client_id in the body differs from the one in HTTP Basic');
      }
      const id = basic?.id ?? bodyId;
      const secret = basic?.secret ?? bodySecret;
      if (!id) return oauthError(reply, 400, 'invalid_request', 'client_id is required');
      if (secret === undefined) return oauthError(reply, 400, 'invalid_request', 'client_secret is required');
      const result = await opts.tokens.issue(id, secret);
      if (!result.ok) {
        const status = result.error === 'invalid_client' ? 401 : 400;
        if (status === 401 && basic) reply.header('www-authenticate', `Basic realm="${opts.realm}"`);
        return oauthError(reply, status, result.error, result.description);
      }
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(result.token);
    },
  );

  app.get<{ Params: { realm: string } }>(
    '/auth/realms/:realm/.well-known/openid-configuration',
    { preHandler: realmGuard, schema: { hide: true } },
    async () => ({
      issuer: opts.tokens.issuer,
      token_endpoint: `${opts.tokens.issuer}/protocol/openid-connect/token`,
      jwks_uri: `${opts.tokens.issuer}/protocol/openid-connect/certs`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [SIGNING_ALG],
      token_endpoint_auth_signing_alg_values_supported: [SIGNING_ALG],
      scopes_supported: ['ingest'],
    }),
  );

  app.get<{ Params: { realm: string } }>(
    '/auth/realms/:realm/protocol/openid-connect/certs',
    { preHandler: realmGuard, schema: { hide: true } },
    async () => opts.keys.jwks(),
  );
}
