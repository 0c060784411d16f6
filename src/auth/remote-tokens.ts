// Token verification for a component that is not the platform (the bridge): access tokens issued
// by the platform's token service, checked against its published keys (JWKS), issuer and expiry,
// so the same client credentials work at the bridge and at the edge. The keys are kept in a file
// too: a bridge restarted while the platform is down still verifies the tokens it knew. What only
// the platform knows (a client disabled a moment ago) is checked again when the bridge forwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { VerifyResult } from './tokens.ts';

/** `https://host/auth/realms/tapline/protocol/openid-connect/token` -> the realm's issuer. */
export function issuerOfTokenUrl(tokenUrl: string): string {
  const i = tokenUrl.indexOf('/protocol/openid-connect/');
  if (i === -1) throw new Error(`the token URL ${tokenUrl} is not a realm's token endpoint (…/auth/realms/<realm>/protocol/openid-connect/token)`);
  return tokenUrl.slice(0, i);
}

const REFRESH_MS = 10 * 60_000;
/** Unknown key ids trigger a refresh at most this often (a flood of bad tokens cannot hammer the platform). */
const UNKNOWN_KID_COOLDOWN_MS = 30_000;

export class RemoteTokenVerifier {
  private readonly issuer: string;
  private readonly file: string | null;
  private jwks: JSONWebKeySet = { keys: [] };
  private keys = createLocalJWKSet(this.jwks);
  private fetchedAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly cache = new Map<string, { clientId: string; exp: number }>();

  /** `issuer`: the realm URL tokens carry in `iss`; its keys come from `<issuer>/protocol/openid-connect/certs`. */
  constructor(issuer: string, keysFile: string | null = null) {
    this.issuer = issuer.replace(/\/+$/, '');
    this.file = keysFile;
    if (keysFile && existsSync(keysFile)) {
      try {
        this.use(JSON.parse(readFileSync(keysFile, 'utf8')) as JSONWebKeySet);
      } catch {
        // A damaged file is replaced on the next fetch.
      }
    }
  }

  private use(jwks: JSONWebKeySet): void {
    this.jwks = jwks;
    this.keys = createLocalJWKSet(jwks);
  }

  /** Fetches the platform's keys; keeps the known ones when it cannot be reached. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const res = await fetch(`${this.issuer}/protocol/openid-connect/certs`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) return;
        const jwks = (await res.json()) as JSONWebKeySet;
        if (!Array.isArray(jwks.keys)) return;
        this.use(jwks);
        if (this.file) writeFileSync(this.file, JSON.stringify(jwks));
      } catch {
        // The platform is down: the keys from before (memory or file) stay in use.
      } finally {
        this.fetchedAt = Date.now();
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async verify(token: string): Promise<VerifyResult> {
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached && cached.exp * 1000 > now) return { ok: true, clientId: cached.clientId };
    if (now - this.fetchedAt > REFRESH_MS) void this.refresh();
    let result = await this.check(token);
    if (!result.ok && result.unknownKey && now - this.fetchedAt > UNKNOWN_KID_COOLDOWN_MS) {
      await this.refresh();
      result = await this.check(token);
    }
    if (!result.ok) return { ok: false, error: 'invalid_token', message: result.message };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { clientId: result.clientId, exp: result.exp });
    return { ok: true, clientId: result.clientId };
  }

  private async check(token: string): Promise<{ ok: true; clientId: string; exp: number } | { ok: false; unknownKey: boolean; message: string }> {
    try {
      const { payload } = await jwtVerify(token, this.keys, { issuer: this.issuer, algorithms: ['ES256', 'RS256'] });
      const clientId = typeof payload.azp === 'string' ? payload.azp : typeof payload.sub === 'string' ? payload.sub : null;
      if (!clientId || typeof payload.exp !== 'number') return { ok: false, unknownKey: false, message: 'the token names no client or has no expiry' };
      return { ok: true, clientId, exp: payload.exp };
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { ok: false, unknownKey: e.code === 'ERR_JWKS_NO_MATCHING_KEY', message: `the token is not valid here: ${e.message}` };
    }
  }
}
