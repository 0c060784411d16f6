// Everything the console reads, behind one port with two adapters (embedded SQLite, PostgreSQL).
// All methods are async so both adapters fit; times are milliseconds since the epoch.
import type { FindingObservation, FindingQuery, FindingRecord, FindingStatus } from './findings.ts';

export interface ClientRecord {
  clientId: string;
  /** Random id of this incarnation of the client: tokens carry it, so a re-created name gets new tokens. */
  uid: string;
  secretHash: string;
  trafficIngestion: boolean;
  tokenLifespan: number;
  createdAt: number;
  updatedAt: number;
  lastTokenAt: number | null;
  lastTransactionAt: number | null;
  tokensIssued: number;
  transactionsAccepted: number;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  /** When a newer key replaced it; it still verifies until `verifyUntil`. */
  retiredAt: number | null;
  verifyUntil: number | null;
}

export interface ApplicationRecord {
  id: string;
  name: string;
  hosts: string[];
  createdAt: number;
  updatedAt: number;
}

/** A transaction as kept for the console: credentials redacted, bodies capped. */
/** An API endpoint as discovery keeps it (admin-api.md, Inventory). */
export interface EndpointRecord {
  /** Stable across template refinements. */
  id: string;
  host: string;
  method: string;
  /** OpenAPI style: `/users/{userId}`. */
  pathTemplate: string;
  provenance: 'spec' | 'gateway' | 'inferred';
  calls: number;
  firstSeen: number;
  lastSeen: number;
  sensitiveTypes: string[];
  /** Parameters with evidence, traffic aggregates, history: JSON-ready. */
  detail: Record<string, unknown>;
}

/** A sensitive data type an operator defined. */
export interface CustomTypeRecord {
  id: string;
  name: string;
  /** The definition as analysis reads it (name, category, severity, pattern, fieldNames, validator). */
  definition: Record<string, unknown>;
  createdAt: number;
  createdBy: string;
}

/** A user correction to discovery for one host (merge, split, rename a parameter, ignore). */
export interface DiscoveryRuleRecord {
  id: string;
  host: string;
  /** The rule as discovery reads it (analysis/discovery/rules.ts). */
  rule: Record<string, unknown>;
  createdAt: number;
  /** Who made it (as in the audit log). */
  createdBy: string;
}

export interface EndpointQuery {
  host?: string;
  /** Only these hosts. */
  hosts?: string[];
  method?: string;
  sort?: 'calls' | 'lastSeen' | 'path';
  limit: number;
  offset: number;
}

/**
 * What one analysis batch produced, committed atomically with the log position it reached, so
 * a batch redelivered after a crash is recognized and skipped (nothing counted twice).
 */
export interface AnalysisCommit {
  /** The log consumer (or partition) the batch came from. */
  consumer: string;
  /** The last log sequence number in the batch. */
  seq: number;
  transactions: StoredTransaction[];
  endpoints: EndpointRecord[];
  removedEndpoints: string[];
  /** Analyzer state to keep, by key (e.g. `discovery:host:api.example`). */
  state: Array<[string, unknown]>;
  /** Issues the batch revealed, folded into their findings (store/findings.ts). */
  findings?: FindingObservation[];
  /** Actor profiles (per actor and host) that changed in the batch. */
  actors?: ActorRecord[];
  /**
   * Only state derived from what is already committed (no new entries, `seq` = the committed
   * position): applied even though the position does not move.
   */
  settleOnly?: boolean;
  /**
   * Entries an out-of-order log (JetStream) delivered again below the committed position, none of
   * them stored yet (the runner checked): `seq` is the committed position, and the batch is
   * applied although the position does not move.
   */
  redeliveries?: boolean;
}

/** Who calls a host: traffic profile and bot score (analysis/threats/actor-stats.ts). */
export interface ActorRecord {
  /** Of the (actor, host) pair. */
  id: string;
  actor: string;
  host: string;
  kind: string;
  label: string;
  firstSeen: number;
  lastSeen: number;
  calls: number;
  errors: number;
  botScore: number;
  /** The profile and the reasons of the score: JSON-ready. */
  detail: Record<string, unknown>;
}

export interface ActorQuery {
  host?: string;
  actor?: string;
  minScore?: number;
  sort?: 'score' | 'calls' | 'lastSeen';
  limit: number;
  offset: number;
}

/** An uploaded OpenAPI document of an application. */
export interface SpecRecord {
  id: string;
  applicationId: string;
  title: string;
  /** info.version of the document. */
  version: string;
  openapiVersion: string;
  /** Number of operations (method + path) it documents. */
  operations: number;
  uploadedAt: number;
  document: Record<string, unknown>;
}

export interface StoredTransaction {
  clientId: string;
  transactionId: string;
  receivedAt: number;
  timestamp: number;
  method: string;
  uri: string;
  host: string | null;
  status: number | null;
  clientIp: string;
  clientIpRule: string;
  sourceType: string | null;
  /** The full stored form (headers, bodies, connection, meta) as JSON-ready data. */
  detail: Record<string, unknown>;
}

export interface TransactionQuery {
  host?: string;
  /** Only hosts in this list (null entry means "no host"). */
  hostsIn?: Array<string | null>;
  method?: string;
  status?: number;
  clientId?: string;
  since?: number;
  until?: number;
  limit: number;
  /** Return only rows with an internal id below this (keyset paging, newest first). */
  before?: number;
}

export interface IngestionDelta {
  clientId: string;
  sourceType: string;
  /** 'accepted' or the error code of a rejection. */
  outcome: string;
  count: number;
  lastMessage: string | null;
  lastSeen: number;
}

export interface IngestionRow extends IngestionDelta {}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

export type Role = 'admin' | 'viewer';

export interface UserRecord {
  username: string;
  passwordHash: string;
  role: Role;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

export interface SessionRecord {
  /** SHA-256 of the session id sent in the cookie (the id itself is never stored). */
  idHash: string;
  username: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface TimeRange {
  from: number;
  to: number;
}

export interface TrafficBucket {
  t: number;
  calls: number;
  errors: number;
}

export interface Store {
  // clients
  createClient(c: ClientRecord): Promise<boolean>;
  getClient(clientId: string): Promise<ClientRecord | null>;
  listClients(): Promise<ClientRecord[]>;
  updateClient(clientId: string, patch: Partial<Pick<ClientRecord, 'trafficIngestion' | 'tokenLifespan' | 'secretHash'>>): Promise<ClientRecord | null>;
  deleteClient(clientId: string): Promise<boolean>;
  /** Adds to the client's activity counters (token issued, transactions accepted). */
  recordClientActivity(clientId: string, activity: { tokenAt?: number; transactionAt?: number; transactions?: number }): Promise<void>;
  /** Changes whenever any client is created, changed or deleted (for cheap polling by edges). */
  clientsVersion(): Promise<number>;

  // signing keys
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Adds a key and retires the others (they keep verifying until `verifyUntil`). */
  addSigningKey(key: SigningKeyRecord, retireOthersUntil: number): Promise<void>;

  // applications
  createApplication(a: ApplicationRecord): Promise<boolean>;
  listApplications(): Promise<ApplicationRecord[]>;
  getApplication(id: string): Promise<ApplicationRecord | null>;
  updateApplication(id: string, patch: Partial<Pick<ApplicationRecord, 'name' | 'hosts'>>): Promise<ApplicationRecord | null>;
  deleteApplication(id: string): Promise<boolean>;

  // API specifications (OpenAPI documents), several versions per application
  addSpec(spec: SpecRecord): Promise<void>;
  /** Newest first, without the documents. */
  listSpecs(applicationId?: string): Promise<Array<Omit<SpecRecord, 'document'>>>;
  getSpec(id: string): Promise<SpecRecord | null>;
  deleteSpec(id: string): Promise<boolean>;

  // analysis results
  /** Commits a batch's results; false (and nothing written) when that batch was already committed. */
  commitAnalysis(c: AnalysisCommit): Promise<boolean>;
  /** The last log sequence number committed for the consumer (0: none). */
  analysisProgress(consumer: string): Promise<number>;
  /** Analyzer state whose keys start with `prefix`. */
  analysisState(prefix: string): Promise<Array<[string, unknown]>>;
  /** Analyzer state under exactly these keys (those that exist), in key order. */
  analysisStateOf(keys: string[]): Promise<Array<[string, unknown]>>;
  /** At most `limit` entries of analyzer state whose keys start with `prefix`, the most recently written first. */
  recentAnalysisState(prefix: string, limit: number): Promise<Array<[string, unknown]>>;
  listEndpoints(q: EndpointQuery): Promise<{ items: EndpointRecord[]; total: number }>;
  allEndpoints(): Promise<EndpointRecord[]>;
  getEndpoint(id: string): Promise<EndpointRecord | null>;
  /** Actor rows (one per actor and host). */
  listActors(q: ActorQuery): Promise<{ items: ActorRecord[]; total: number }>;
  /** Rows seen since `since`, for an analyzer to resume its profiles. */
  recentActors(since: number): Promise<ActorRecord[]>;
  /** Deletes the rows of actors last seen before `olderThan`; returns how many. */
  pruneActors(olderThan: number): Promise<number>;
  listFindings(q: FindingQuery): Promise<{ items: FindingRecord[]; total: number }>;
  getFinding(id: string): Promise<FindingRecord | null>;
  /** Sets a finding's status with who and why; null when there is no such finding. */
  updateFindingStatus(id: string, status: FindingStatus, reason: string | null, by: string): Promise<FindingRecord | null>;
  /** Operator-defined behaviour rules (analysis/threats/behaviour.ts), oldest first. */
  listBehaviourRules(): Promise<Array<{ id: string; rule: Record<string, unknown>; createdAt: number; createdBy: string }>>;
  /** False when a rule with that id exists. */
  addBehaviourRule(r: { id: string; rule: Record<string, unknown>; createdAt: number; createdBy: string }): Promise<boolean>;
  deleteBehaviourRule(id: string): Promise<boolean>;
  /** Operator-defined sensitive data types (analysis/sensitive/custom.ts), oldest first. */
  listCustomTypes(): Promise<CustomTypeRecord[]>;
  /** False when a type of that name exists. */
  addCustomType(t: CustomTypeRecord): Promise<boolean>;
  deleteCustomType(id: string): Promise<boolean>;
  addDiscoveryRule(r: DiscoveryRuleRecord): Promise<void>;
  /** Oldest first (the order they apply in). */
  listDiscoveryRules(host?: string): Promise<DiscoveryRuleRecord[]>;
  deleteDiscoveryRule(id: string): Promise<boolean>;

  // recent transactions
  /** Idempotent on (clientId, transactionId): a redelivered transaction is stored once. */
  insertTransactions(rows: StoredTransaction[]): Promise<void>;
  queryTransactions(q: TransactionQuery): Promise<Array<StoredTransaction & { rowId: number }>>;
  getTransaction(transactionId: string, clientId?: string): Promise<StoredTransaction | null>;
  distinctHosts(): Promise<Array<string | null>>;
  pruneTransactions(maxCount: number, olderThan: number): Promise<number>;

  // diagnostics
  addIngestionStats(deltas: IngestionDelta[]): Promise<void>;
  ingestionStats(): Promise<IngestionRow[]>;

  // admin tokens and audit
  addAdminTokenHash(hash: string, label: string): Promise<void>;
  hasAdminToken(): Promise<boolean>;
  adminTokenHashes(): Promise<string[]>;
  audit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  listAudit(limit: number, before?: number): Promise<AuditEntry[]>;

  // console users and sessions
  createUser(u: UserRecord): Promise<boolean>;
  getUser(username: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(username: string, patch: Partial<Pick<UserRecord, 'passwordHash' | 'role' | 'lastLoginAt'>>): Promise<UserRecord | null>;
  deleteUser(username: string): Promise<boolean>;
  countAdmins(): Promise<number>;
  createSession(s: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of a user (password change, role change, deletion), or all but one. */
  deleteUserSessions(username: string, exceptIdHash?: string): Promise<void>;
  pruneSessions(now: number): Promise<void>;

  // aggregates over recent transactions, for the dashboard and diagnostics
  trafficBuckets(range: TimeRange, bucketMs: number): Promise<TrafficBucket[]>;
  topHosts(range: TimeRange, limit: number): Promise<Array<{ host: string | null; calls: number; lastSeen: number }>>;
  topEndpoints(range: TimeRange, limit: number): Promise<Array<{ host: string | null; method: string; path: string; calls: number }>>;
  statusMix(range: TimeRange): Promise<Record<'2xx' | '3xx' | '4xx' | '5xx' | 'none' | 'other', number>>;
  /** Accepted transactions per minute, per client and source, over the last `minutes` minutes. */
  ingestionRate(now: number, minutes: number): Promise<Array<{ clientId: string; sourceType: string; perMinute: number[] }>>;

  // installation settings (key/value)
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}
