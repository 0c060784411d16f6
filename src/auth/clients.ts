// API clients: the credentials captures use. The service keeps an in-memory directory of which
// clients may ingest, so the edge checks it per request without touching the store; the directory
// follows the store's clients version, so a disable or delete anywhere takes effect within 1 s.
import { randomUUID } from 'node:crypto';
import type { ClientRecord, Store } from '../store/store.ts';
import { generateSecret, hashSecret } from './secrets.ts';

export const CLIENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const DEFAULT_TOKEN_LIFESPAN = 1800;
export const MIN_TOKEN_LIFESPAN = 60;
export const MAX_TOKEN_LIFESPAN = 86_400;

export class ClientError extends Error {
  readonly code: 'invalid_name' | 'invalid_lifespan' | 'exists' | 'not_found';
  constructor(code: ClientError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

interface DirectoryEntry {
  uid: string;
  trafficIngestion: boolean;
}

export class ClientService {
  private directory = new Map<string, DirectoryEntry>();
  private version = -1;
  private timer: NodeJS.Timeout | null = null;
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Loads the directory and follows changes made by other processes (polls every 250 ms). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(force = false): Promise<void> {
    const version = await this.store.clientsVersion();
    if (!force && version === this.version) return;
    const clients = await this.store.listClients();
    this.directory = new Map(clients.map((c) => [c.clientId, { uid: c.uid, trafficIngestion: c.trafficIngestion }]));
    this.version = version;
  }

  /** Whether tokens issued to this client incarnation may ingest now ('deleted' when gone or re-created). */
  ingestionState(clientId: string, uid: string): 'ok' | 'disabled' | 'deleted' {
    const entry = this.directory.get(clientId);
    if (!entry || entry.uid !== uid) return 'deleted';
    return entry.trafficIngestion ? 'ok' : 'disabled';
  }

  async create(input: { name: string; trafficIngestion?: boolean; tokenLifespan?: number }): Promise<{ client: ClientRecord; secret: string }> {
    // "." and ".." fit the character rule but cannot be used in a URL path (/api/v1/clients/{clientId}).
    if (!CLIENT_NAME.test(input.name) || input.name === '.' || input.name === '..') {
      throw new ClientError('invalid_name', 'name must be 1 to 64 characters of letters, digits, ".", "_" or "-"');
    }
    const lifespan = checkLifespan(input.tokenLifespan ?? DEFAULT_TOKEN_LIFESPAN);
    const secret = generateSecret();
    const now = Date.now();
    const client: ClientRecord = {
      clientId: input.name,
      uid: randomUUID(),
      secretHash: await hashSecret(secret),
      trafficIngestion: input.trafficIngestion ?? true,
      tokenLifespan: lifespan,
      createdAt: now,
      updatedAt: now,
      lastTokenAt: null,
      lastTransactionAt: null,
      tokensIssued: 0,
      transactionsAccepted: 0,
    };
    if (!(await this.store.createClient(client))) throw new ClientError('exists', `a client named "${input.name}" already exists`);
    await this.refresh(true);
    return { client, secret };
  }

  async update(clientId: string, patch: { trafficIngestion?: boolean; tokenLifespan?: number }): Promise<ClientRecord> {
    if (patch.tokenLifespan !== undefined) checkLifespan(patch.tokenLifespan);
    const updated = await this.store.updateClient(clientId, patch);
    if (!updated) throw notFound(clientId);
    await this.refresh(true);
    return updated;
  }

  async rotateSecret(clientId: string): Promise<string> {
    const secret = generateSecret();
    if (!(await this.store.updateClient(clientId, { secretHash: await hashSecret(secret) }))) throw notFound(clientId);
    return secret;
  }

  async delete(clientId: string): Promise<void> {
    if (!(await this.store.deleteClient(clientId))) throw notFound(clientId);
    await this.refresh(true);
  }
}

function notFound(clientId: string): ClientError {
  return new ClientError('not_found', `no client named "${clientId}"`);
}

function checkLifespan(value: number): number {
  if (!Number.isInteger(value) || value < MIN_TOKEN_LIFESPAN || value > MAX_TOKEN_LIFESPAN) {
    throw new ClientError('invalid_lifespan', `tokenLifespan must be a whole number of seconds from ${MIN_TOKEN_LIFESPAN} to ${MAX_TOKEN_LIFESPAN}`);
  }
  return value;
}
