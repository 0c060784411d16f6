// Typed access to Tapline's admin REST API (/api/v1) with the console's session cookie.
// The CSRF token from the session answers is kept in memory and sent on every non-GET request.

export type Role = 'admin' | 'viewer';
export interface User { username: string; role: Role }
export interface Session { user: User; csrfToken: string }

export interface UserRow { username: string; role: Role; createdAt: string; lastLoginAt: string | null }

export interface Client {
  clientId: string;
  name: string;
  trafficIngestion: boolean;
  tokenLifespan: number;
  createdAt: string;
  updatedAt: string;
  lastTokenAt: string | null;
  lastTransactionAt: string | null;
  tokensIssued: number;
  transactionsAccepted: number;
}

export interface Application { id: string; name: string; hosts: string[]; createdAt: string; updatedAt: string }
export interface ApplicationTraffic { applicationId: string; calls: number; lastSeen: string | null }

export interface TransactionSummary {
  transactionId: string;
  clientId: string;
  receivedAt: string;
  timestamp: string;
  method: string;
  uri: string;
  host: string | null;
  status: number | null;
  clientIp: string;
  clientIpRule: string;
  sourceType: string | null;
}

export interface StoredHeader { name: string; value: string; redacted?: boolean }
export interface StoredBody {
  length: number;
  capturedBytes: number;
  truncated: boolean;
  cut: boolean;
  contentType: string | null;
  encoding: 'utf8' | 'base64';
  data: string;
}
export interface Message { headers: StoredHeader[]; body: StoredBody | null }
export interface SensitiveMatch { name: string; location: string; field: string; start: number; end: number }

export interface Transaction extends TransactionSummary {
  scheme: string;
  httpVersion: string | null;
  connection: { connectionIp: string; serverIp: string; connectionPort?: number; serverPort?: number };
  request: Message;
  response: Message;
  source: { type?: string; version?: string; poolId?: string; instanceId?: string } | null;
  filterName: string | null;
  sdpInfo: { skipped?: boolean; found?: number; transformed?: number } | null;
  dataExtractions: Record<string, unknown> | null;
  sensitiveData: SensitiveMatch[];
}

export interface IngestionRow {
  clientId: string;
  sourceType: string;
  accepted: number;
  rejected: Record<string, number>;
  lastError: string | null;
  lastErrorAt: string | null;
  lastSeen: string;
}
export interface IngestionRate { clientId: string; sourceType: string; perMinute: number[] }

export interface SystemInfo {
  version: string;
  uptimeSeconds: number;
  analysisLag: number;
  analysisProcessed: number;
  tokensIssued: number;
  clients: number;
  logPendingBytes: number;
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'none';
export interface Dashboard {
  bucketSeconds: number;
  traffic: Array<{ t: string; calls: number; errors: number }>;
  topHosts: Array<{ host: string; calls: number }>;
  topEndpoints: Array<{ host: string; method: string; path: string; calls: number }>;
  statusMix: Record<StatusClass, number>;
  ingestionErrors: Array<{ clientId: string; sourceType: string; code: string; count: number; lastMessage: string | null; lastSeen: string }>;
}

export interface Integrations {
  publicUrl: string;
  realm: string;
  tokenEndpoint: string;
  ingressEndpoint: string;
  batchEndpoint: string;
  jwksUri: string;
  discoveryUrl: string;
  apimPolicyAvailable: boolean;
}

export type InventoryState = 'documented' | 'orphan' | 'shadow' | 'zombie' | 'unknown';
export type Provenance = 'spec' | 'gateway' | 'inferred';
export type EndpointSort = 'calls' | 'lastSeen' | 'path';

/** One row of the API inventory (GET /endpoints). */
export interface EndpointItem {
  id: string;
  host: string;
  method: string;
  pathTemplate: string;
  provenance: Provenance;
  state: InventoryState;
  applicationId: string | null;
  calls: number;
  firstSeen: string | null;
  lastSeen: string | null;
  sensitiveTypes: string[];
  authSchemes: string[];
}

export interface EndpointFilter {
  applicationId?: string;
  host?: string;
  state?: InventoryState;
  method?: string;
  auth?: string;
  sensitive?: string;
  q?: string;
  sort?: EndpointSort;
  limit?: number;
  offset?: number;
}

/** GET /endpoints: one page, the total, endpoints per state (under every filter but state) and the values the other filters can take. */
export interface EndpointList {
  items: EndpointItem[];
  total: number;
  counts: Record<InventoryState, number>;
  facets: { hosts: string[]; sensitiveTypes: string[] };
}

export type DiscoveryRuleKind = 'merge' | 'split' | 'rename' | 'ignore';
/** A user correction to discovery (analysis/discovery/rules.ts). */
export interface DiscoveryRuleSpec {
  kind: DiscoveryRuleKind;
  /** merge, split, rename: an OpenAPI-style path template. */
  template?: string;
  /** ignore: a template, or a prefix ending in /**. */
  pattern?: string;
  /** merge, split, ignore: only this method (any when absent). */
  method?: string;
  /** rename: the parameter's name now, and its new name. */
  from?: string;
  to?: string;
}
export interface DiscoveryRule { id: string; host: string; rule: DiscoveryRuleSpec; createdAt: string; createdBy: string }

export interface Distribution { count: number; min: number; max: number; p50: number; p95: number; p99: number }
export interface StateEvidence {
  state: InventoryState;
  reason: string;
  specId?: string;
  specVersion?: string;
  operation?: { method: string; path: string; operationId: string | null; deprecated: boolean };
}
export interface PathParameter { name: string; position: number; type: string; evidence: { rule: string; samples: string[]; distinct: number } }
export interface AuthScheme { scheme: string; format?: 'jwt' | 'opaque'; alg?: string; issuer?: string; in?: 'header' | 'query' | 'cookie'; name?: string }

/** One endpoint in full (GET /endpoints/{id}). */
export interface EndpointDetail extends EndpointItem {
  stateEvidence: StateEvidence;
  source: string;
  pathParameters: PathParameter[];
  statuses: Record<string, number>;
  latencyMs: Distribution | null;
  requestBytes: Distribution | null;
  responseBytes: Distribution | null;
  requestContentTypes: Record<string, number>;
  responseContentTypes: Record<string, number>;
  queryParameters: Array<{ name: string; count: number; type: string }>;
  auth: Array<{ count: number; scheme: AuthScheme }>;
  requestSchema: unknown;
  responseSchemas: Record<string, unknown>;
  sampleTransactionIds: string[];
  history: Array<{ template: string; until: number | string; event: string }>;
}

/** An uploaded OpenAPI document (one version). */
export interface SpecInfo {
  id: string;
  applicationId: string;
  title: string;
  version: string;
  openapiVersion: string;
  operations: number;
  uploadedAt: string;
}
export interface SpecProblem { path: string; message: string }

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type FindingStatus = 'open' | 'acknowledged' | 'resolved' | 'false_positive';

/** One finding (GET /findings): a deduplicated issue per (type, endpoint, actor, subject). */
export interface Finding {
  id: string;
  type: string;
  /** `API1` ... `API10`, or null when it is not an OWASP API Top 10 (2023) category. */
  owaspCategory: string | null;
  severity: Severity;
  endpointId: string | null;
  /** `ip:203.0.113.7`, `sub:<fingerprint>`, `user:…`, `key:…`, `session:…`, or null. */
  actor: string | null;
  subject: string | null;
  firstSeen: string;
  lastSeen: string;
  count: number;
  status: FindingStatus;
  statusReason: string | null;
  statusBy: string | null;
  statusAt: string | null;
  summary: string;
}

/** One finding in full (GET /findings/{id}): masked evidence and transactions, newest last. */
export interface FindingDetail extends Finding {
  evidence: Array<Record<string, unknown>>;
  transactionIds: string[];
}

export interface FindingFilter {
  category?: string;
  severity?: Severity;
  status?: FindingStatus;
  type?: string;
  endpointId?: string;
  limit?: number;
  offset?: number;
}

// ------------------------------------------------------------------ sensitive data and actors

/** Where a sensitive value sits (edge-api.md's sdp_info location names). */
export type SensitiveLocation = 'REQUEST_BODY' | 'RESPONSE_BODY' | 'REQUEST_HEADERS' | 'RESPONSE_HEADERS' | 'REQUEST_QUERY';
/** GET /sensitive-data: per type, and per endpoint field. */
export interface SensitiveTypeSummary { name: string; category: string; severity: Severity; endpoints: number; fields: number; occurrences: number; lastSeen: string }
export interface SensitiveField { endpointId: string; host: string; method: string; pathTemplate: string; name: string; location: SensitiveLocation; field: string; count: number; firstSeen: string; lastSeen: string }
export interface SensitiveDataView { types: SensitiveTypeSummary[]; fields: SensitiveField[] }
export interface SensitiveDataFilter { type?: string; host?: string; location?: string }

export type CustomValidator = 'luhn' | 'mod97';
/** A custom sensitive data type as the editor sends it (POST /sensitive-types and its dry run). */
export interface CustomTypeDefinition {
  name: string;
  category?: string;
  severity?: Exclude<Severity, 'info'>;
  pattern?: string | null;
  fieldNames?: string[];
  validator?: CustomValidator | null;
}
export interface CustomType { id: string; name: string; category: string; severity: Exclude<Severity, 'info'>; pattern: string | null; fieldNames: string[]; validator: CustomValidator | null; createdAt: string; createdBy: string }
export interface SensitiveTypes { builtIn: Array<{ name: string; category: string; severity: Exclude<Severity, 'info'> }>; custom: CustomType[] }
export interface DryRunMatch { transactionId: string; host: string | null; method: string; uri: string; location: SensitiveLocation; field: string; masked: string }
export interface DryRun { scanned: number; transactions: number; matches: DryRunMatch[] }

export type ActorSort = 'score' | 'calls' | 'lastSeen';
/** One actor across its hosts (GET /actors): the highest score of its rows with that row's reasons. */
export interface ActorItem { actor: string; kind: string; label: string; botScore: number; reasons: string[]; calls: number; errors: number; firstSeen: string; lastSeen: string; hosts: string[] }
export interface ActorFilter { host?: string; minScore?: number; sort?: ActorSort; limit?: number; offset?: number }
/** The traffic profile of an actor on one host (analysis/threats/actor-stats.ts). */
export interface ActorStats {
  calls: number;
  errors: number;
  authFailures: number;
  endpoints: Record<string, number>;
  otherEndpoints: number;
  userAgents: Record<string, number>;
  gaps: { n: number; mean: number; m2: number };
  flags: Record<string, number>;
}
export interface ActorHost { host: string; botScore: number; calls: number; errors: number; firstSeen: string; lastSeen: string; stats?: Partial<ActorStats>; reasons?: string[] }
export interface ActorFinding { id: string; type: string; owaspCategory: string | null; severity: Severity; count: number; status: FindingStatus; summary: string; lastSeen: string }
export interface ActorDetail extends ActorItem { perHost: ActorHost[]; findings: ActorFinding[] }

export interface Items<T> { items: T[] }

/** An error answer of the API (`{error, message}`), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number | null;
  /** Where a document was wrong (an invalid OpenAPI spec): JSON pointer and message each. */
  readonly problems: SpecProblem[];
  constructor(status: number, code: string, message: string, retryAfter: number | null = null, problems: SpecProblem[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.problems = problems;
  }
}

/** Server messages are terse ("wrong user name or password"): show them as sentences. */
export function sentence(message: string): string {
  const m = message.trim();
  if (!m) return m;
  // Capitalise a plain first word, never a field name ("body.name", "tokenLifespan").
  const first = /^[a-z]+\b(?![.\w])/.test(m) ? m.charAt(0).toUpperCase() + m.slice(1) : m;
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Called when a request (other than the session ones) answers 401: the session has ended. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the Tapline server. Check that it is running and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string; problems?: unknown };
    const retry = Number(res.headers.get('retry-after'));
    const err = new ApiError(
      res.status,
      e.error ?? `http_${res.status}`,
      e.message ? sentence(e.message) : `The server answered ${res.status} ${res.statusText}.`.replace(' .', '.'),
      Number.isFinite(retry) && retry > 0 ? retry : null,
      Array.isArray(e.problems) ? (e.problems as SpecProblem[]) : [],
    );
    if (res.status === 401 && !path.startsWith('/session')) onUnauthorized?.();
    throw err;
  }
  return data as T;
}

const enc = encodeURIComponent;
const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

function remember(session: Session): Session {
  csrfToken = session.csrfToken;
  return session;
}

export const api = {
  // session
  currentSession: () => request<Session>('GET', '/session').then(remember),
  signIn: (username: string, password: string) => request<Session>('POST', '/session', { username, password }).then(remember),
  signOut: async () => {
    try {
      await request<void>('DELETE', '/session');
    } finally {
      csrfToken = null;
    }
  },
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/session/password', { currentPassword, newPassword }),

  // users
  users: () => request<Items<UserRow>>('GET', '/users'),
  createUser: (u: { username: string; password: string; role: Role }) => request<UserRow>('POST', '/users', u),
  updateUser: (username: string, patch: { role?: Role; password?: string }) => request<UserRow>('PATCH', `/users/${enc(username)}`, patch),
  deleteUser: (username: string) => request<void>('DELETE', `/users/${enc(username)}`),

  // clients
  clients: () => request<Items<Client>>('GET', '/clients'),
  createClient: (c: { name: string; trafficIngestion: boolean; tokenLifespan: number }) =>
    request<Client & { secret: string }>('POST', '/clients', c),
  updateClient: (clientId: string, patch: { trafficIngestion?: boolean; tokenLifespan?: number }) =>
    request<Client>('PATCH', `/clients/${enc(clientId)}`, patch),
  rotateSecret: (clientId: string) => request<{ secret: string }>('POST', `/clients/${enc(clientId)}/secret`),
  deleteClient: (clientId: string) => request<void>('DELETE', `/clients/${enc(clientId)}`),

  // applications
  applications: () => request<Items<Application>>('GET', '/applications'),
  applicationTraffic: (hours = 24) => request<Items<ApplicationTraffic>>('GET', `/applications/traffic${query({ hours })}`),
  createApplication: (a: { name: string; hosts: string[] }) => request<Application>('POST', '/applications', a),
  updateApplication: (id: string, patch: { name?: string; hosts?: string[] }) => request<Application>('PATCH', `/applications/${enc(id)}`, patch),
  deleteApplication: (id: string) => request<void>('DELETE', `/applications/${enc(id)}`),

  // diagnostics and transactions
  unknownTraffic: (limit = 100) =>
    request<{ items: TransactionSummary[]; next: string | null }>('GET', `/diagnostics/unknown-traffic${query({ limit })}`),
  ingestion: () => request<Items<IngestionRow>>('GET', '/diagnostics/ingestion'),
  ingestionRate: (minutes = 60) => request<Items<IngestionRate>>('GET', `/diagnostics/ingestion/rate${query({ minutes })}`),
  system: () => request<SystemInfo>('GET', '/diagnostics/system'),
  transaction: (transactionId: string, clientId?: string) =>
    request<Transaction>('GET', `/transactions/${enc(transactionId)}${query({ clientId })}`),

  dashboard: (from: Date, to: Date) =>
    request<Dashboard>('GET', `/dashboard${query({ from: from.toISOString(), to: to.toISOString() })}`),
  integrations: () => request<Integrations>('GET', '/integrations'),

  // inventory and specs
  endpoints: (filter: EndpointFilter = {}) => request<EndpointList>('GET', `/endpoints${query({ ...filter })}`),
  endpoint: (id: string) => request<EndpointDetail>('GET', `/endpoints/${enc(id)}`),
  specs: (applicationId?: string) => request<Items<SpecInfo>>('GET', `/specs${query({ applicationId })}`),
  /** `spec` is the document's JSON or YAML text; a 400 carries `problems`. */
  uploadSpec: (applicationId: string, spec: string) => request<SpecInfo & { hosts: string[]; deprecated: number }>('POST', '/specs', { applicationId, spec }),
  deleteSpec: (id: string) => request<void>('DELETE', `/specs/${enc(id)}`),
  /** Corrections to discovery of one host, oldest first (the order they apply in). */
  discoveryRules: (host: string) => request<Items<DiscoveryRule>>('GET', `/discovery-rules${query({ host })}`),
  /** Applies to traffic analysed from now on; a 400 names the wrong field (e.g. rule.from). */
  createDiscoveryRule: (host: string, rule: DiscoveryRuleSpec) => request<DiscoveryRule>('POST', '/discovery-rules', { host, rule }),
  deleteDiscoveryRule: (id: string) => request<void>('DELETE', `/discovery-rules/${enc(id)}`),

  // findings
  findings: (filter: FindingFilter = {}) => request<{ items: Finding[]; total: number }>('GET', `/findings${query({ ...filter })}`),
  /** The address of the CSV export of the findings under `filter` (a plain link downloads it). */
  findingsCsvUrl: (filter: FindingFilter = {}) => `/api/v1/findings${query({ ...filter, limit: 10_000, offset: undefined, format: 'csv' })}`,
  finding: (id: string) => request<FindingDetail>('GET', `/findings/${enc(id)}`),
  /** Admins only (viewers get 403). */
  setFindingStatus: (id: string, status: FindingStatus, reason?: string) =>
    request<Finding>('PATCH', `/findings/${enc(id)}`, reason ? { status, reason } : { status }),

  // sensitive data
  sensitiveData: (filter: SensitiveDataFilter = {}) => request<SensitiveDataView>('GET', `/sensitive-data${query({ ...filter })}`),
  sensitiveTypes: () => request<SensitiveTypes>('GET', '/sensitive-types'),
  /** Admins only; a 400 says what is wrong with the definition, a 409 that the name is taken. */
  createSensitiveType: (d: CustomTypeDefinition) => request<CustomType>('POST', '/sensitive-types', d),
  deleteSensitiveType: (id: string) => request<void>('DELETE', `/sensitive-types/${enc(id)}`),
  /** What a definition would match in recent stored traffic (values masked). */
  dryRunSensitiveType: (d: CustomTypeDefinition, limit?: number) => request<DryRun>('POST', '/sensitive-types/dry-run', limit ? { ...d, limit } : d),

  // actors
  actors: (filter: ActorFilter = {}) => request<{ items: ActorItem[]; total: number }>('GET', `/actors${query({ ...filter })}`),
  actor: (actor: string) => request<ActorDetail>('GET', `/actors/${enc(actor)}`),
};
