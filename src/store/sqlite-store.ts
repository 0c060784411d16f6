// The embedded store: SQLite in the data directory, WAL mode, versioned migrations.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type {
  ActorQuery,
  ActorRecord,
  AnalysisCommit,
  ApplicationRecord,
  EndpointQuery,
  EndpointRecord,
  SessionRecord,
  TimeRange,
  TrafficBucket,
  UserRecord,
  AuditEntry,
  ClientRecord,
  CustomTypeRecord,
  DiscoveryRuleRecord,
  IngestionDelta,
  IngestionRow,
  SigningKeyRecord,
  SpecRecord,
  Store,
  StoredTransaction,
  TransactionQuery,
} from './store.ts';
import { toActor, toApplication, toClient, toEndpoint, toFinding, toSpecInfo, toTransaction, toUser } from './rows.ts';
import { foldFinding, groupFindings, type FindingQuery, type FindingRecord, type FindingStatus } from './findings.ts';

/** Each entry moves the schema one version forward; never edit a released one, add a new one. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE clients (
     client_id TEXT PRIMARY KEY,
     uid TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     traffic_ingestion INTEGER NOT NULL,
     token_lifespan INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     last_token_at INTEGER,
     last_transaction_at INTEGER,
     tokens_issued INTEGER NOT NULL DEFAULT 0,
     transactions_accepted INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE signing_keys (
     kid TEXT PRIMARY KEY,
     alg TEXT NOT NULL,
     private_jwk TEXT NOT NULL,
     public_jwk TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     retired_at INTEGER,
     verify_until INTEGER
   );
   CREATE TABLE applications (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     hosts TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE transactions (
     row_id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id TEXT NOT NULL,
     transaction_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     timestamp INTEGER NOT NULL,
     method TEXT NOT NULL,
     uri TEXT NOT NULL,
     host TEXT,
     status INTEGER,
     client_ip TEXT NOT NULL,
     client_ip_rule TEXT NOT NULL,
     source_type TEXT,
     detail TEXT NOT NULL,
     UNIQUE (client_id, transaction_id)
   );
   CREATE INDEX transactions_host ON transactions(host, row_id);
   CREATE INDEX transactions_txid ON transactions(transaction_id);
   CREATE INDEX transactions_received ON transactions(received_at);
   CREATE TABLE ingestion_stats (
     client_id TEXT NOT NULL,
     source_type TEXT NOT NULL,
     outcome TEXT NOT NULL,
     count INTEGER NOT NULL,
     last_message TEXT,
     last_seen INTEGER NOT NULL,
     PRIMARY KEY (client_id, source_type, outcome)
   );
   CREATE TABLE admin_tokens (hash TEXT PRIMARY KEY, label TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT,
     details TEXT
   );
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   INSERT INTO settings (key, value) VALUES ('clients_version', '0');`,
  `CREATE TABLE users (
     username TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     last_login_at INTEGER
   );
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX sessions_user ON sessions(username);`,
  `CREATE TABLE specs (
     id TEXT PRIMARY KEY,
     application_id TEXT NOT NULL,
     title TEXT NOT NULL,
     version TEXT NOT NULL,
     openapi_version TEXT NOT NULL,
     operations INTEGER NOT NULL,
     uploaded_at INTEGER NOT NULL,
     document TEXT NOT NULL
   );
   CREATE INDEX specs_application ON specs(application_id, uploaded_at);`,
  `CREATE TABLE endpoints (
     id TEXT PRIMARY KEY,
     host TEXT NOT NULL,
     method TEXT NOT NULL,
     path_template TEXT NOT NULL,
     provenance TEXT NOT NULL,
     calls INTEGER NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     sensitive_types TEXT NOT NULL,
     detail TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX endpoints_host ON endpoints(host, path_template, method);
   CREATE TABLE analysis_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE analysis_progress (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);`,
  `CREATE TABLE discovery_rules (
     id TEXT PRIMARY KEY,
     host TEXT NOT NULL,
     rule TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL
   );
   CREATE INDEX discovery_rules_host ON discovery_rules(host, created_at);`,
  `CREATE TABLE findings (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     owasp_category TEXT,
     severity TEXT NOT NULL,
     endpoint_id TEXT,
     actor TEXT,
     subject TEXT,
     summary TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     count INTEGER NOT NULL,
     status TEXT NOT NULL,
     status_reason TEXT,
     status_by TEXT,
     status_at INTEGER,
     created_at INTEGER NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE INDEX findings_last_seen ON findings(last_seen);
   CREATE INDEX findings_endpoint ON findings(endpoint_id);`,
  `CREATE TABLE actors (
     id TEXT PRIMARY KEY,
     actor TEXT NOT NULL,
     host TEXT NOT NULL,
     kind TEXT NOT NULL,
     label TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     calls INTEGER NOT NULL,
     errors INTEGER NOT NULL,
     bot_score INTEGER NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE INDEX actors_actor ON actors(actor);
   CREATE INDEX actors_last_seen ON actors(last_seen);
   CREATE INDEX findings_actor ON findings(actor);`,
  `CREATE TABLE custom_types (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     definition TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL
   );`,
  `CREATE TABLE behaviour_rules (
     id TEXT PRIMARY KEY,
     rule TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL
   );`,
  // One index over transaction ids instead of two: the unique key now leads with the id, so it
  // also serves lookups by id alone. Gateways send random ids (request GUIDs), and an index over
  // random keys rewrites about one page per stored transaction (bench/store). SQLite cannot
  // change a table's constraint in place: the table is copied, row ids and their sequence kept.
  `CREATE TABLE transactions_new (
     row_id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id TEXT NOT NULL,
     transaction_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     timestamp INTEGER NOT NULL,
     method TEXT NOT NULL,
     uri TEXT NOT NULL,
     host TEXT,
     status INTEGER,
     client_ip TEXT NOT NULL,
     client_ip_rule TEXT NOT NULL,
     source_type TEXT,
     detail TEXT NOT NULL,
     UNIQUE (transaction_id, client_id)
   );
   INSERT INTO transactions_new SELECT row_id, client_id, transaction_id, received_at, timestamp, method, uri, host, status,
     client_ip, client_ip_rule, source_type, detail FROM transactions ORDER BY row_id;
   DELETE FROM sqlite_sequence WHERE name = 'transactions_new';
   UPDATE sqlite_sequence SET name = 'transactions_new' WHERE name = 'transactions';
   DROP TABLE transactions;
   ALTER TABLE transactions_new RENAME TO transactions;
   CREATE INDEX transactions_host ON transactions(host, row_id);
   CREATE INDEX transactions_received ON transactions(received_at);`,
];

/**
 * How each connection to the store is set up. The WAL is checkpointed every 16,384 pages (64 MiB
 * at most) rather than SQLite's 1,000: each analysis commit rewrites hundreds of index pages
 * (transaction ids are random), and a page rewritten by several commits between two checkpoints
 * is copied into the database once (bench/store).
 */
export const CONNECTION_PRAGMAS =
  'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 16384;';

type Row = Record<string, SQLInputValue>;

/** SQL for a URI without its query and fragment. */
const PATH_OF_URI = "CASE WHEN instr(uri, '?') > 0 THEN substr(uri, 1, instr(uri, '?') - 1) ELSE uri END";

export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  /** Prepared statements by SQL text: compiling one costs more than running it (analysis commits run thousands). */
  private readonly statements = new Map<string, StatementSync>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(CONNECTION_PRAGMAS);
    this.migrate();
  }

  private migrate(): void {
    const version = (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > MIGRATIONS.length) {
      throw new Error(`the store in this data directory has schema version ${version}, newer than this Tapline (${MIGRATIONS.length}); upgrade Tapline`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.tx(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  private tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  private prepare(sql: string): StatementSync {
    let st = this.statements.get(sql);
    if (!st) {
      // Queries built with a variable number of placeholders make new texts: keep the cache bounded.
      if (this.statements.size >= 500) this.statements.clear();
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.prepare(sql).all(...params) as Row[];
  }

  private get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.prepare(sql).get(...params) as Row | undefined;
  }

  private run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.prepare(sql).run(...params).changes);
  }

  private bumpClientsVersion(): void {
    this.run("UPDATE settings SET value = CAST(value AS INTEGER) + 1 WHERE key = 'clients_version'");
  }

  async createClient(c: ClientRecord): Promise<boolean> {
    return this.tx(() => {
      const changes = this.run(
        `INSERT OR IGNORE INTO clients (client_id, uid, secret_hash, traffic_ingestion, token_lifespan, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        c.clientId, c.uid, c.secretHash, c.trafficIngestion ? 1 : 0, c.tokenLifespan, c.createdAt, c.updatedAt,
      );
      if (changes > 0) this.bumpClientsVersion();
      return changes > 0;
    });
  }

  async getClient(clientId: string): Promise<ClientRecord | null> {
    const r = this.get('SELECT * FROM clients WHERE client_id = ?', clientId);
    return r ? toClient(r) : null;
  }

  async listClients(): Promise<ClientRecord[]> {
    return this.all('SELECT * FROM clients ORDER BY client_id').map(toClient);
  }

  async updateClient(clientId: string, patch: Partial<Pick<ClientRecord, 'trafficIngestion' | 'tokenLifespan' | 'secretHash'>>) {
    return this.tx(() => {
      const sets: string[] = [];
      const params: SQLInputValue[] = [];
      if (patch.trafficIngestion !== undefined) sets.push('traffic_ingestion = ?') && params.push(patch.trafficIngestion ? 1 : 0);
      if (patch.tokenLifespan !== undefined) sets.push('token_lifespan = ?') && params.push(patch.tokenLifespan);
      if (patch.secretHash !== undefined) sets.push('secret_hash = ?') && params.push(patch.secretHash);
      sets.push('updated_at = ?');
      params.push(Date.now(), clientId);
      if (this.run(`UPDATE clients SET ${sets.join(', ')} WHERE client_id = ?`, ...params) === 0) return null;
      this.bumpClientsVersion();
      return toClient(this.get('SELECT * FROM clients WHERE client_id = ?', clientId)!);
    });
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.tx(() => {
      const deleted = this.run('DELETE FROM clients WHERE client_id = ?', clientId) > 0;
      if (deleted) this.bumpClientsVersion();
      return deleted;
    });
  }

  async recordClientActivity(clientId: string, a: { tokenAt?: number; transactionAt?: number; transactions?: number }) {
    this.run(
      `UPDATE clients SET
         last_token_at = COALESCE(MAX(COALESCE(last_token_at, 0), ?), last_token_at),
         tokens_issued = tokens_issued + ?,
         last_transaction_at = COALESCE(MAX(COALESCE(last_transaction_at, 0), ?), last_transaction_at),
         transactions_accepted = transactions_accepted + ?
       WHERE client_id = ?`,
      a.tokenAt ?? null, a.tokenAt ? 1 : 0, a.transactionAt ?? null, a.transactions ?? 0, clientId,
    );
  }

  async clientsVersion(): Promise<number> {
    return Number(this.get("SELECT value FROM settings WHERE key = 'clients_version'")!.value);
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.all('SELECT * FROM signing_keys ORDER BY created_at').map((r) => ({
      kid: r.kid as string,
      alg: r.alg as string,
      privateJwk: r.private_jwk as string,
      publicJwk: r.public_jwk as string,
      createdAt: r.created_at as number,
      retiredAt: (r.retired_at as number | null) ?? null,
      verifyUntil: (r.verify_until as number | null) ?? null,
    }));
  }

  async addSigningKey(k: SigningKeyRecord, retireOthersUntil: number): Promise<void> {
    this.tx(() => {
      this.run('UPDATE signing_keys SET retired_at = ?, verify_until = ? WHERE retired_at IS NULL', k.createdAt, retireOthersUntil);
      this.run('DELETE FROM signing_keys WHERE verify_until IS NOT NULL AND verify_until < ?', k.createdAt);
      this.run(
        'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)',
        k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt,
      );
    });
  }

  async createApplication(a: ApplicationRecord): Promise<boolean> {
    return this.run(
      'INSERT OR IGNORE INTO applications (id, name, hosts, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
      a.id, a.name, JSON.stringify(a.hosts), a.createdAt, a.updatedAt,
    ) > 0;
  }

  async listApplications(): Promise<ApplicationRecord[]> {
    return this.all('SELECT * FROM applications ORDER BY name').map(toApplication);
  }

  async getApplication(id: string): Promise<ApplicationRecord | null> {
    const r = this.get('SELECT * FROM applications WHERE id = ?', id);
    return r ? toApplication(r) : null;
  }

  async updateApplication(id: string, patch: Partial<Pick<ApplicationRecord, 'name' | 'hosts'>>) {
    return this.tx(() => {
      const row = this.get('SELECT * FROM applications WHERE id = ?', id);
      if (!row) return null;
      const next = { ...toApplication(row), ...patch, updatedAt: Date.now() };
      this.run('UPDATE applications SET name = ?, hosts = ?, updated_at = ? WHERE id = ?', next.name, JSON.stringify(next.hosts), next.updatedAt, id);
      return next;
    });
  }

  async deleteApplication(id: string): Promise<boolean> {
    // Foreign keys are not enforced (SQLite's default), so an application's specs go explicitly.
    return this.tx(() => {
      this.run('DELETE FROM specs WHERE application_id = ?', id);
      return this.run('DELETE FROM applications WHERE id = ?', id) > 0;
    });
  }

  async addSpec(spec: SpecRecord): Promise<void> {
    this.run(
      'INSERT INTO specs (id, application_id, title, version, openapi_version, operations, uploaded_at, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      spec.id, spec.applicationId, spec.title, spec.version, spec.openapiVersion, spec.operations, spec.uploadedAt, JSON.stringify(spec.document),
    );
  }

  async listSpecs(applicationId?: string): Promise<Array<Omit<SpecRecord, 'document'>>> {
    const columns = 'id, application_id, title, version, openapi_version, operations, uploaded_at';
    const rows = applicationId === undefined
      ? this.all(`SELECT ${columns} FROM specs ORDER BY uploaded_at DESC, id`)
      : this.all(`SELECT ${columns} FROM specs WHERE application_id = ? ORDER BY uploaded_at DESC, id`, applicationId);
    return rows.map(toSpecInfo);
  }

  async getSpec(id: string): Promise<SpecRecord | null> {
    const r = this.get('SELECT * FROM specs WHERE id = ?', id);
    return r ? { ...toSpecInfo(r), document: JSON.parse(r.document as string) as Record<string, unknown> } : null;
  }

  async deleteSpec(id: string): Promise<boolean> {
    return this.run('DELETE FROM specs WHERE id = ?', id) > 0;
  }

  async insertTransactions(rows: StoredTransaction[]): Promise<void> {
    if (rows.length === 0) return;
    const insert = this.prepare(
      `INSERT OR IGNORE INTO transactions
         (client_id, transaction_id, received_at, timestamp, method, uri, host, status, client_ip, client_ip_rule, source_type, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.tx(() => {
      for (const t of rows) {
        insert.run(t.clientId, t.transactionId, t.receivedAt, Math.round(t.timestamp), t.method, t.uri, t.host, t.status,
          t.clientIp, t.clientIpRule, t.sourceType, JSON.stringify(t.detail));
      }
    });
  }

  async commitAnalysis(c: AnalysisCommit): Promise<boolean> {
    const progress = this.prepare('SELECT seq FROM analysis_progress WHERE consumer = ?');
    const insert = this.prepare(
      `INSERT OR IGNORE INTO transactions
         (client_id, transaction_id, received_at, timestamp, method, uri, host, status, client_ip, client_ip_rule, source_type, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsert = this.prepare(
      `INSERT INTO endpoints (id, host, method, path_template, provenance, calls, first_seen, last_seen, sensitive_types, detail, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET host = excluded.host, method = excluded.method, path_template = excluded.path_template,
         provenance = excluded.provenance, calls = excluded.calls, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
         sensitive_types = excluded.sensitive_types, detail = excluded.detail, updated_at = excluded.updated_at`,
    );
    const state = this.prepare(
      'INSERT INTO analysis_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    return this.tx(() => {
      // A batch at or below the recorded progress was already committed: redelivered, skip it
      // (settling and redeliveries below the position keep the position: see AnalysisCommit).
      const done = progress.get(c.consumer) as { seq: number } | undefined;
      if (done && (c.settleOnly || c.redeliveries ? done.seq > c.seq : done.seq >= c.seq)) return false;
      for (const t of c.transactions) {
        insert.run(t.clientId, t.transactionId, t.receivedAt, Math.round(t.timestamp), t.method, t.uri, t.host, t.status,
          t.clientIp, t.clientIpRule, t.sourceType, JSON.stringify(t.detail));
      }
      const now = Date.now();
      for (const e of c.endpoints) {
        upsert.run(e.id, e.host, e.method, e.pathTemplate, e.provenance, e.calls, e.firstSeen, e.lastSeen, JSON.stringify(e.sensitiveTypes), JSON.stringify(e.detail), now);
      }
      for (const id of c.removedEndpoints) this.run('DELETE FROM endpoints WHERE id = ?', id);
      for (const [key, value] of c.state) state.run(key, JSON.stringify(value), now);
      for (const a of c.actors ?? []) {
        this.run(
          `INSERT INTO actors (id, actor, host, kind, label, first_seen, last_seen, calls, errors, bot_score, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET label = excluded.label, first_seen = excluded.first_seen, last_seen = excluded.last_seen, calls = excluded.calls,
             errors = excluded.errors, bot_score = excluded.bot_score, detail = excluded.detail`,
          a.id, a.actor, a.host, a.kind, a.label, a.firstSeen, a.lastSeen, a.calls, a.errors, a.botScore, JSON.stringify(a.detail),
        );
      }
      for (const [id, observations] of groupFindings(c.findings ?? [])) {
        const row = this.get('SELECT * FROM findings WHERE id = ?', id);
        this.writeFinding(foldFinding(row ? toFinding(row) : null, observations));
      }
      this.run('INSERT INTO analysis_progress (consumer, seq) VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq', c.consumer, c.seq);
      return true;
    });
  }

  async analysisProgress(consumer: string): Promise<number> {
    const r = this.get('SELECT seq FROM analysis_progress WHERE consumer = ?', consumer);
    return r ? Number(r.seq) : 0;
  }

  async analysisState(prefix: string): Promise<Array<[string, unknown]>> {
    return this.all('SELECT key, value FROM analysis_state WHERE substr(key, 1, length(?)) = ? ORDER BY key', prefix, prefix)
      .map((r) => [r.key as string, JSON.parse(r.value as string) as unknown]);
  }

  async recentAnalysisState(prefix: string, limit: number): Promise<Array<[string, unknown]>> {
    return this.all('SELECT key, value FROM analysis_state WHERE substr(key, 1, length(?)) = ? ORDER BY updated_at DESC, key LIMIT ?', prefix, prefix, limit)
      .map((r) => [r.key as string, JSON.parse(r.value as string) as unknown]);
  }

  async analysisStateOf(keys: string[]): Promise<Array<[string, unknown]>> {
    const out: Array<[string, unknown]> = [];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      for (const r of this.all(`SELECT key, value FROM analysis_state WHERE key IN (${chunk.map(() => '?').join(',')})`, ...chunk)) {
        out.push([r.key as string, JSON.parse(r.value as string) as unknown]);
      }
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async listEndpoints(q: EndpointQuery): Promise<{ items: EndpointRecord[]; total: number }> {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (q.host !== undefined) where.push('host = ?') && params.push(q.host);
    if (q.hosts !== undefined) {
      where.push(q.hosts.length > 0 ? `host IN (${q.hosts.map(() => '?').join(',')})` : '0');
      params.push(...q.hosts);
    }
    if (q.method !== undefined) where.push('method = ?') && params.push(q.method.toUpperCase());
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const order = q.sort === 'lastSeen' ? 'last_seen DESC' : q.sort === 'path' ? 'host, path_template, method' : 'calls DESC';
    const total = Number(this.get(`SELECT COUNT(*) AS n FROM endpoints ${clause}`, ...params)!.n);
    const rows = this.all(`SELECT * FROM endpoints ${clause} ORDER BY ${order}, id LIMIT ? OFFSET ?`, ...params, q.limit, q.offset);
    return { items: rows.map(toEndpoint), total };
  }

  async allEndpoints(): Promise<EndpointRecord[]> {
    return this.all('SELECT * FROM endpoints ORDER BY id').map(toEndpoint);
  }

  private writeFinding(f: FindingRecord): void {
    this.run(
      `INSERT INTO findings (id, type, owasp_category, severity, endpoint_id, actor, subject, summary, first_seen, last_seen, count, status, status_reason, status_by, status_at, created_at, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, summary = excluded.summary, first_seen = excluded.first_seen,
         last_seen = excluded.last_seen, count = excluded.count, status = excluded.status, status_reason = excluded.status_reason,
         status_by = excluded.status_by, status_at = excluded.status_at, detail = excluded.detail`,
      f.id, f.type, f.owaspCategory, f.severity, f.endpointId, f.actor, f.subject, f.summary, f.firstSeen, f.lastSeen, f.count,
      f.status, f.statusReason, f.statusBy, f.statusAt, f.createdAt, JSON.stringify(f.detail),
    );
  }

  async listFindings(q: FindingQuery): Promise<{ items: FindingRecord[]; total: number }> {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (q.category !== undefined) where.push('owasp_category = ?') && params.push(q.category);
    if (q.severity !== undefined) where.push('severity = ?') && params.push(q.severity);
    if (q.status !== undefined) where.push('status = ?') && params.push(q.status);
    if (q.type !== undefined) where.push('type = ?') && params.push(q.type);
    if (q.endpointId !== undefined) where.push('endpoint_id = ?') && params.push(q.endpointId);
    if (q.actor !== undefined) where.push('actor = ?') && params.push(q.actor);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(this.get(`SELECT COUNT(*) AS n FROM findings ${clause}`, ...params)!.n);
    const rows = this.all(`SELECT * FROM findings ${clause} ORDER BY last_seen DESC, id LIMIT ? OFFSET ?`, ...params, q.limit, q.offset);
    return { items: rows.map(toFinding), total };
  }

  async listActors(q: ActorQuery): Promise<{ items: ActorRecord[]; total: number }> {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (q.host !== undefined) where.push('host = ?') && params.push(q.host);
    if (q.actor !== undefined) where.push('actor = ?') && params.push(q.actor);
    if (q.minScore !== undefined) where.push('bot_score >= ?') && params.push(q.minScore);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const order = q.sort === 'calls' ? 'calls DESC' : q.sort === 'lastSeen' ? 'last_seen DESC' : 'bot_score DESC, calls DESC';
    const total = Number(this.get(`SELECT COUNT(*) AS n FROM actors ${clause}`, ...params)!.n);
    const rows = this.all(`SELECT * FROM actors ${clause} ORDER BY ${order}, id LIMIT ? OFFSET ?`, ...params, q.limit, q.offset);
    return { items: rows.map(toActor), total };
  }

  async recentActors(since: number): Promise<ActorRecord[]> {
    return this.all('SELECT * FROM actors WHERE last_seen >= ? ORDER BY last_seen', since).map(toActor);
  }

  async pruneActors(olderThan: number): Promise<number> {
    return this.run('DELETE FROM actors WHERE last_seen < ?', olderThan);
  }

  async getFinding(id: string): Promise<FindingRecord | null> {
    const r = this.get('SELECT * FROM findings WHERE id = ?', id);
    return r ? toFinding(r) : null;
  }

  async updateFindingStatus(id: string, status: FindingStatus, reason: string | null, by: string): Promise<FindingRecord | null> {
    return this.tx(() => {
      const r = this.get('SELECT * FROM findings WHERE id = ?', id);
      if (!r) return null;
      const next = { ...toFinding(r), status, statusReason: reason, statusBy: by, statusAt: Date.now() };
      this.writeFinding(next);
      return next;
    });
  }

  async listBehaviourRules() {
    return this.all('SELECT * FROM behaviour_rules ORDER BY created_at, id').map((r) => ({ id: r.id as string, rule: JSON.parse(r.rule as string) as Record<string, unknown>, createdAt: Number(r.created_at), createdBy: r.created_by as string }));
  }

  async addBehaviourRule(r: { id: string; rule: Record<string, unknown>; createdAt: number; createdBy: string }): Promise<boolean> {
    return this.run('INSERT OR IGNORE INTO behaviour_rules (id, rule, created_at, created_by) VALUES (?, ?, ?, ?)', r.id, JSON.stringify(r.rule), r.createdAt, r.createdBy) > 0;
  }

  async deleteBehaviourRule(id: string): Promise<boolean> {
    return this.run('DELETE FROM behaviour_rules WHERE id = ?', id) > 0;
  }

  async listCustomTypes(): Promise<CustomTypeRecord[]> {
    return this.all('SELECT * FROM custom_types ORDER BY created_at, id').map((r) => ({
      id: r.id as string, name: r.name as string, definition: JSON.parse(r.definition as string) as Record<string, unknown>, createdAt: Number(r.created_at), createdBy: r.created_by as string,
    }));
  }

  async addCustomType(t: CustomTypeRecord): Promise<boolean> {
    return this.run('INSERT OR IGNORE INTO custom_types (id, name, definition, created_at, created_by) VALUES (?, ?, ?, ?, ?)', t.id, t.name, JSON.stringify(t.definition), t.createdAt, t.createdBy) > 0;
  }

  async deleteCustomType(id: string): Promise<boolean> {
    return this.run('DELETE FROM custom_types WHERE id = ?', id) > 0;
  }

  async addDiscoveryRule(r: DiscoveryRuleRecord): Promise<void> {
    this.run('INSERT INTO discovery_rules (id, host, rule, created_at, created_by) VALUES (?, ?, ?, ?, ?)', r.id, r.host, JSON.stringify(r.rule), r.createdAt, r.createdBy);
  }

  async listDiscoveryRules(host?: string): Promise<DiscoveryRuleRecord[]> {
    const rows = host === undefined
      ? this.all('SELECT * FROM discovery_rules ORDER BY created_at, id')
      : this.all('SELECT * FROM discovery_rules WHERE host = ? ORDER BY created_at, id', host);
    return rows.map((r) => ({ id: r.id as string, host: r.host as string, rule: JSON.parse(r.rule as string) as Record<string, unknown>, createdAt: Number(r.created_at), createdBy: r.created_by as string }));
  }

  async deleteDiscoveryRule(id: string): Promise<boolean> {
    return this.run('DELETE FROM discovery_rules WHERE id = ?', id) > 0;
  }

  async getEndpoint(id: string): Promise<EndpointRecord | null> {
    const r = this.get('SELECT * FROM endpoints WHERE id = ?', id);
    return r ? toEndpoint(r) : null;
  }

  async queryTransactions(q: TransactionQuery) {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (q.host !== undefined) where.push('host = ?') && params.push(q.host);
    if (q.hostsIn) {
      const named = q.hostsIn.filter((h): h is string => h !== null);
      const parts: string[] = [];
      if (named.length > 0) parts.push(`host IN (${named.map(() => '?').join(',')})`) && params.push(...named);
      if (q.hostsIn.includes(null)) parts.push('host IS NULL');
      where.push(parts.length > 0 ? `(${parts.join(' OR ')})` : '0');
    }
    if (q.method !== undefined) where.push('method = ?') && params.push(q.method);
    if (q.status !== undefined) where.push('status = ?') && params.push(q.status);
    if (q.clientId !== undefined) where.push('client_id = ?') && params.push(q.clientId);
    if (q.since !== undefined) where.push('received_at >= ?') && params.push(q.since);
    if (q.until !== undefined) where.push('received_at < ?') && params.push(q.until);
    if (q.before !== undefined) where.push('row_id < ?') && params.push(q.before);
    const sql = `SELECT * FROM transactions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY row_id DESC LIMIT ?`;
    return this.all(sql, ...params, q.limit).map(toTransaction);
  }

  async getTransaction(transactionId: string, clientId?: string): Promise<StoredTransaction | null> {
    const r = clientId === undefined
      ? this.get('SELECT * FROM transactions WHERE transaction_id = ? ORDER BY row_id DESC LIMIT 1', transactionId)
      : this.get('SELECT * FROM transactions WHERE transaction_id = ? AND client_id = ?', transactionId, clientId);
    return r ? toTransaction(r) : null;
  }

  async distinctHosts(): Promise<Array<string | null>> {
    return this.all('SELECT DISTINCT host FROM transactions').map((r) => (r.host as string | null) ?? null);
  }

  async pruneTransactions(maxCount: number, olderThan: number): Promise<number> {
    return this.tx(() => {
      let removed = this.run('DELETE FROM transactions WHERE received_at < ?', olderThan);
      const cutoff = this.get('SELECT row_id FROM transactions ORDER BY row_id DESC LIMIT 1 OFFSET ?', maxCount);
      if (cutoff) removed += this.run('DELETE FROM transactions WHERE row_id <= ?', cutoff.row_id as number);
      return removed;
    });
  }

  async addIngestionStats(deltas: IngestionDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const upsert = this.prepare(
      `INSERT INTO ingestion_stats (client_id, source_type, outcome, count, last_message, last_seen) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id, source_type, outcome) DO UPDATE SET
         count = count + excluded.count,
         last_message = COALESCE(excluded.last_message, last_message),
         last_seen = MAX(last_seen, excluded.last_seen)`,
    );
    this.tx(() => {
      for (const d of deltas) upsert.run(d.clientId, d.sourceType, d.outcome, d.count, d.lastMessage, d.lastSeen);
    });
  }

  async ingestionStats(): Promise<IngestionRow[]> {
    return this.all('SELECT * FROM ingestion_stats ORDER BY client_id, source_type, outcome').map((r) => ({
      clientId: r.client_id as string,
      sourceType: r.source_type as string,
      outcome: r.outcome as string,
      count: r.count as number,
      lastMessage: (r.last_message as string | null) ?? null,
      lastSeen: r.last_seen as number,
    }));
  }

  async addAdminTokenHash(hash: string, label: string): Promise<void> {
    this.run('INSERT OR IGNORE INTO admin_tokens (hash, label, created_at) VALUES (?, ?, ?)', hash, label, Date.now());
  }

  async hasAdminToken(): Promise<boolean> {
    return this.get('SELECT 1 AS x FROM admin_tokens LIMIT 1') !== undefined;
  }

  async adminTokenHashes(): Promise<string[]> {
    return this.all('SELECT hash FROM admin_tokens').map((r) => r.hash as string);
  }

  async audit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    this.run('INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)',
      e.at, e.actor, e.action, e.target, e.details ? JSON.stringify(e.details) : null);
  }

  async listAudit(limit: number, before?: number): Promise<AuditEntry[]> {
    const rows = before === undefined
      ? this.all('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', limit)
      : this.all('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?', before, limit);
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as number,
      actor: r.actor as string,
      action: r.action as string,
      target: (r.target as string | null) ?? null,
      details: r.details ? (JSON.parse(r.details as string) as Record<string, unknown>) : null,
    }));
  }

  async createUser(u: UserRecord): Promise<boolean> {
    return this.run(
      'INSERT OR IGNORE INTO users (username, password_hash, role, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)',
      u.username, u.passwordHash, u.role, u.createdAt, u.updatedAt, u.lastLoginAt,
    ) > 0;
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const r = this.get('SELECT * FROM users WHERE username = ?', username);
    return r ? toUser(r) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.all('SELECT * FROM users ORDER BY username').map(toUser);
  }

  async updateUser(username: string, patch: Partial<Pick<UserRecord, 'passwordHash' | 'role' | 'lastLoginAt'>>) {
    // Read and write in one transaction with no await between: a concurrent update (a sign-in
    // stamping lastLoginAt) cannot write back a stale role.
    return this.tx(() => {
      const row = this.get('SELECT * FROM users WHERE username = ?', username);
      if (!row) return null;
      const current = toUser(row);
      const next = { ...current, ...patch, updatedAt: patch.lastLoginAt !== undefined && Object.keys(patch).length === 1 ? current.updatedAt : Date.now() };
      this.run('UPDATE users SET password_hash = ?, role = ?, updated_at = ?, last_login_at = ? WHERE username = ?',
        next.passwordHash, next.role, next.updatedAt, next.lastLoginAt, username);
      return next;
    });
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.tx(() => {
      this.run('DELETE FROM sessions WHERE username = ?', username);
      return this.run('DELETE FROM users WHERE username = ?', username) > 0;
    });
  }

  async countAdmins(): Promise<number> {
    return this.get("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")!.n as number;
  }

  async createSession(x: SessionRecord): Promise<void> {
    this.run('INSERT INTO sessions (id_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      x.idHash, x.username, x.csrfToken, x.createdAt, x.expiresAt);
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const r = this.get('SELECT * FROM sessions WHERE id_hash = ?', idHash);
    if (!r) return null;
    return {
      idHash: r.id_hash as string,
      username: r.username as string,
      csrfToken: r.csrf_token as string,
      createdAt: r.created_at as number,
      expiresAt: r.expires_at as number,
    };
  }

  async deleteSession(idHash: string): Promise<void> {
    this.run('DELETE FROM sessions WHERE id_hash = ?', idHash);
  }

  async deleteUserSessions(username: string, exceptIdHash?: string): Promise<void> {
    this.run('DELETE FROM sessions WHERE username = ? AND id_hash IS NOT ?', username, exceptIdHash ?? null);
  }

  async pruneSessions(now: number): Promise<void> {
    this.run('DELETE FROM sessions WHERE expires_at < ?', now);
  }

  // node:sqlite binds JS numbers as REAL: cast them where integer division is meant.
  async trafficBuckets(range: TimeRange, bucketMs: number): Promise<TrafficBucket[]> {
    const rows = this.all(
      `SELECT (received_at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS t, COUNT(*) AS calls, SUM(CASE WHEN status >= 400 OR status IS NULL THEN 1 ELSE 0 END) AS errors
       FROM transactions WHERE received_at >= ? AND received_at < ? GROUP BY 1 ORDER BY 1`,
      bucketMs, bucketMs, range.from, range.to,
    );
    return rows.map((r) => ({ t: r.t as number, calls: r.calls as number, errors: r.errors as number }));
  }

  async topHosts(range: TimeRange, limit: number) {
    return this.all(
      `SELECT host, COUNT(*) AS calls, MAX(received_at) AS last_seen FROM transactions
       WHERE received_at >= ? AND received_at < ? GROUP BY host ORDER BY calls DESC, host LIMIT ?`,
      range.from, range.to, limit,
    ).map((r) => ({ host: (r.host as string | null) ?? null, calls: r.calls as number, lastSeen: r.last_seen as number }));
  }

  async topEndpoints(range: TimeRange, limit: number) {
    return this.all(
      `SELECT host, method, ${PATH_OF_URI} AS path, COUNT(*) AS calls FROM transactions
       WHERE received_at >= ? AND received_at < ? GROUP BY host, method, path ORDER BY calls DESC, path LIMIT ?`,
      range.from, range.to, limit,
    ).map((r) => ({ host: (r.host as string | null) ?? null, method: r.method as string, path: r.path as string, calls: r.calls as number }));
  }

  async statusMix(range: TimeRange) {
    const mix = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, other: 0 };
    const rows = this.all(
      'SELECT status / 100 AS c, COUNT(*) AS n FROM transactions WHERE received_at >= ? AND received_at < ? GROUP BY 1',
      range.from, range.to,
    );
    for (const r of rows) {
      const c = r.c as number | null;
      const key = c === null ? 'none' : c >= 2 && c <= 5 ? (`${c}xx` as '2xx') : 'other';
      mix[key] += r.n as number;
    }
    return mix;
  }

  async ingestionRate(now: number, minutes: number) {
    const start = Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000;
    const rows = this.all(
      `SELECT client_id, COALESCE(source_type, 'unknown') AS source, (received_at - CAST(? AS INTEGER)) / 60000 AS minute, COUNT(*) AS n
       FROM transactions WHERE received_at >= ? GROUP BY 1, 2, 3`,
      start, start,
    );
    const series = new Map<string, { clientId: string; sourceType: string; perMinute: number[] }>();
    for (const r of rows) {
      const key = `${r.client_id}\u0000${r.source}`;
      let s = series.get(key);
      if (!s) series.set(key, (s = { clientId: r.client_id as string, sourceType: r.source as string, perMinute: new Array(minutes).fill(0) }));
      const i = r.minute as number;
      if (i >= 0 && i < minutes) s.perMinute[i]! += r.n as number;
    }
    return [...series.values()];
  }

  async getSetting(key: string): Promise<string | null> {
    return (this.get('SELECT value FROM settings WHERE key = ?', key)?.value as string | undefined) ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
