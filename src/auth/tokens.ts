// Access tokens for captures: OAuth 2.0 client credentials (RFC 6749 section 4.4), signed ES256
// JWTs, verified at the edge with a cache so the hot path does one map lookup per request.
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Store } from '../store/store.ts';
import type { ClientService } from './clients.ts';
import { SIGNING_ALG, type KeyRing } from './keys.ts';
import { constantTimeEqual, verifySecret } from './secrets.ts';

export const TOKEN_SCOPE = 'ingest';

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_expires_in: 0;
  'not-before-policy': 0;
  scope: string;
}

export type IssueResult =
  | { ok: true; token: IssuedToken }
  | { ok: false; error: 'invalid_client' | 'unauthorized_client'; description: string };

export type VerifyResult =
  | { ok: true; clientId: string }
  | { ok: false; error: 'invalid_token' | 'ingestion_disabled'; message: string };

interface CachedToken {
  clientId: string;
  uid: string;
  exp: number;
}

const CACHE_LIMIT = 50_000;

export class TokenService {
  private readonly verified = new Map<string, CachedToken>();
  /** clientId -> (stored hash, sha256 of the secret) for secrets already checked with scrypt. */
  private readonly checkedSecrets = new Map<string, { stored: string; digest: string }>();
  private readonly store: Store;
  private readonly keys: KeyRing;
  private readonly clients: ClientService;
  /** `{public base}/auth/realms/{realm}`; set by the server once it knows its address. */
  issuer: string;

  constructor(store: Store, keys: KeyRing, clients: ClientService, issuer: string) {
    this.store = store;
    this.keys = keys;
    this.clients = clients;
    this.issuer = issuer;
  }

  async issue(clientId: string, secret: string): Promise<IssueResult> {
    const client = await this.store.getClient(clientId);
    if (!client || !(await this.secretMatches(clientId, secret, client.secretHash))) {
      return { ok: false, error: 'invalid_client', description: 'unknown client or wrong client secret' };
    }
    if (!client.trafficIngestion) {
      return { ok: false, error: 'unauthorized_client', description: `Traffic Ingestion is turned off for client "${clientId}"` };
    }
    const now = Math.floor(Date.now() / 1000);
    const { kid, key } = this.keys.signingKey();
    const jwt = await new SignJWT({ azp: clientId, scope: TOKEN_SCOPE, typ: 'Bearer', cuid: client.uid })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + client.tokenLifespan)
      .setJti(randomUUID())
      .sign(key);
    await this.store.recordClientActivity(clientId, { tokenAt: Date.now() });
    return {
      ok: true,
      token: {
        access_token: jwt,
        token_type: 'Bearer',
        expires_in: client.tokenLifespan,
        refresh_expires_in: 0,
        'not-before-policy': 0,
        scope: TOKEN_SCOPE,
      },
    };
  }

  private async secretMatches(clientId: string, secret: string, stored: string): Promise<boolean> {
    const digest = createHash('sha256').update(secret).digest('hex');
    const known = this.checkedSecrets.get(clientId);
    if (known && known.stored === stored) return constantTimeEqual(known.digest, digest);
    if (!(await verifySecret(secret, stored))) return false;
    this.checkedSecrets.set(clientId, { stored, digest });
    return true;
  }

  /** Checks a bearer token for ingestion: signature, issuer, expiry, and the client's current state. */
  private directoryCheckedAt = 0;

  async verify(token: string): Promise<VerifyResult> {
    let entry = this.verified.get(token);
    if (!entry) {
      const checked = await this.verifySignature(token);
      if ('error' in checked) return { ok: false, error: 'invalid_token', message: checked.error };
      entry = checked;
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, entry);
    }
    if (entry.exp * 1000 <= Date.now()) {
      this.verified.delete(token);
      return { ok: false, error: 'invalid_token', message: 'the access token has expired; fetch a new one from the token endpoint' };
    }
    let state = this.clients.ingestionState(entry.clientId, entry.uid);
    if (state === 'deleted' && Date.now() - this.directoryCheckedAt > 100) {
      // A client created a moment ago on another process (a cluster): look before refusing
      // (at most every 100 ms, so a deleted client's traffic cannot hammer the store).
      this.directoryCheckedAt = Date.now();
      await this.clients.refresh();
      state = this.clients.ingestionState(entry.clientId, entry.uid);
    }
    if (state === 'ok') return { ok: true, clientId: entry.clientId };
    return {
      ok: false,
      error: 'ingestion_disabled',
      message: state === 'disabled'
        ? `Traffic Ingestion is turned off for client "${entry.clientId}"`
        : `client "${entry.clientId}" was deleted; its tokens are no longer accepted`,
    };
  }

  private async verifySignature(token: string): Promise<CachedToken | { error: string }> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.keys.verificationKey(header.kid) : null;
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        { issuer: this.issuer, algorithms: [SIGNING_ALG], requiredClaims: ['exp', 'sub'] },
      );
      if (typeof payload.cuid !== 'string') return { error: 'the access token was not issued by this Tapline' };
      return { clientId: payload.sub!, uid: payload.cuid, exp: payload.exp! };
    } catch (err) {
      return { error: describeJoseError(err) };
    }
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the access token has expired; fetch a new one from the token endpoint';
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss') {
    return 'the access token was issued for another realm or base URL';
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'the access token signature does not verify with any current signing key';
  }
  return 'the access token is malformed';
}
