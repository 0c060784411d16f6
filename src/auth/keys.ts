// Token signing keys (ES256). The newest key signs; retired keys keep verifying until every token
// they signed has expired. Keys live in the store so every process of a cluster shares them.
import { generateKeyPairSync, createPublicKey, createPrivateKey, randomUUID, type KeyObject, type JsonWebKey } from 'node:crypto';
import type { SigningKeyRecord, Store } from '../store/store.ts';

export const SIGNING_ALG = 'ES256';

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JsonWebKey;
  retired: boolean;
  verifyUntil: number | null;
}

export class KeyRing {
  private keys = new Map<string, LoadedKey>();
  private active: LoadedKey | null = null;
  private lastReload = 0;
  private readonly store: Store;
  /** Longest token lifespan allowed, in seconds: how long a retired key must keep verifying. */
  private readonly maxTokenLifespan: number;

  constructor(store: Store, maxTokenLifespan: number) {
    this.store = store;
    this.maxTokenLifespan = maxTokenLifespan;
  }

  /** Loads the keys, creating the first one on a new data directory. */
  async init(): Promise<void> {
    await this.reload();
    if (!this.active) await this.rotate();
  }

  async reload(): Promise<void> {
    const records = await this.store.listSigningKeys();
    const now = Date.now();
    const keys = new Map<string, LoadedKey>();
    let active: LoadedKey | null = null;
    for (const r of records) {
      if (r.verifyUntil !== null && r.verifyUntil < now) continue;
      const k = load(r);
      keys.set(k.kid, k);
      if (!k.retired) active = k;
    }
    this.keys = keys;
    this.active = active;
    this.lastReload = now;
  }

  /** Creates a new signing key; the previous ones verify until their tokens have expired. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomUUID();
    const now = Date.now();
    const record: SigningKeyRecord = {
      kid,
      alg: SIGNING_ALG,
      privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
      publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
      createdAt: now,
      retiredAt: null,
      verifyUntil: null,
    };
    await this.store.addSigningKey(record, now + this.maxTokenLifespan * 1000 + 60_000);
    await this.reload();
    return kid;
  }

  signingKey(): { kid: string; key: KeyObject } {
    if (!this.active) throw new Error('no active signing key (KeyRing.init was not called)');
    return { kid: this.active.kid, key: this.active.privateKey };
  }

  /** The public key for a kid; reloads from the store (at most once a second) for unknown kids. */
  async verificationKey(kid: string): Promise<KeyObject | null> {
    let k = this.keys.get(kid);
    if (!k && Date.now() - this.lastReload > 1000) {
      await this.reload();
      k = this.keys.get(kid);
    }
    if (!k || (k.verifyUntil !== null && k.verifyUntil < Date.now())) return null;
    return k.publicKey;
  }

  jwks(): { keys: Array<JsonWebKey & { kid: string; alg: string; use: string }> } {
    return { keys: [...this.keys.values()].map((k) => ({ ...k.publicJwk, kid: k.kid, alg: SIGNING_ALG, use: 'sig' })) };
  }

  list(): Array<{ kid: string; alg: string; active: boolean; verifyUntil: number | null }> {
    return [...this.keys.values()].map((k) => ({ kid: k.kid, alg: SIGNING_ALG, active: !k.retired, verifyUntil: k.verifyUntil }));
  }
}

function load(r: SigningKeyRecord): LoadedKey {
  const publicJwk = JSON.parse(r.publicJwk) as JsonWebKey;
  return {
    kid: r.kid,
    privateKey: createPrivateKey({ key: JSON.parse(r.privateJwk) as JsonWebKey, format: 'jwk' }),
    publicKey: createPublicKey({ key: publicJwk, format: 'jwk' }),
    publicJwk,
    retired: r.retiredAt !== null,
    verifyUntil: r.verifyUntil,
  };
}
