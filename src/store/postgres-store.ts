// The cluster store: PostgreSQL through the `postgres` package, the same schema semantics and
// versioned migrations as the embedded SQLite store (sqlite-store.ts is the reference for the
// meaning of every method).
//
// Choices that keep the two adapters alike:
// - Times are BIGINT milliseconds, read back as JS numbers (the bigint parser below).
// - Keys and the columns the console sorts by use COLLATE "C": byte order, as SQLite's BINARY,
//   whatever the database's locale. Comparisons are case-sensitive, as in SQLite.
// - JSON documents (transaction detail, specs, hosts, audit details) are TEXT holding the JSON:
//   key order survives (JSONB would reorder keys) and "\u0000" in captured bodies is allowed.
// - Sorting NULLs: SQLite puts them first in ascending order, so queries say NULLS FIRST.
// - Idempotent writes are INSERT ... ON CONFLICT DO NOTHING; counters are single UPDATE
//   statements, so concurrent processes never lose or double an increment.
// - Migrations run in one transaction holding a transaction-level advisory lock, so several
//   processes starting at once migrate once; the applied versions are rows of tapline_schema_migrations.
import postgres from 'postgres';
import type {
  ActorQuery,
  ActorRecord,
  AnalysisCommit,
  ApplicationRecord,
  AuditEntry,
  ClientRecord,
  CustomTypeRecord,
  EndpointQuery,
  DiscoveryRuleRecord,
  EndpointRecord,
  IngestionDelta,
  IngestionRow,
  SessionRecord,
  SigningKeyRecord,
  SpecRecord,
  Store,
  StoredTransaction,
  TimeRange,
  TrafficBucket,
  TransactionQuery,
  UserRecord,
} from './store.ts';
import { numOrNull, toActor, toApplication, toClient, toEndpoint, toFinding, toSpecInfo, toTransaction, toUser } from './rows.ts';
import { foldFinding, groupFindings, type FindingQuery, type FindingRecord, type FindingStatus } from './findings.ts';

/** Each entry moves the schema one version forward; never edit a released one, add a new one. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE clients (
     client_id TEXT COLLATE "C" PRIMARY KEY,
     uid TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     traffic_ingestion BOOLEAN NOT NULL,
     token_lifespan BIGINT NOT NULL,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     last_token_at BIGINT,
     last_transaction_at BIGINT,
     tokens_issued BIGINT NOT NULL DEFAULT 0,
     transactions_accepted BIGINT NOT NULL DEFAULT 0
   );
   CREATE TABLE signing_keys (
     kid TEXT COLLATE "C" PRIMARY KEY,
     alg TEXT NOT NULL,
     private_jwk TEXT NOT NULL,
     public_jwk TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     retired_at BIGINT,
     verify_until BIGINT
   );
   CREATE TABLE applications (
     id TEXT COLLATE "C" PRIMARY KEY,
     name TEXT COLLATE "C" NOT NULL UNIQUE,
     hosts TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE TABLE transactions (
     row_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     client_id TEXT COLLATE "C" NOT NULL,
     transaction_id TEXT COLLATE "C" NOT NULL,
     received_at BIGINT NOT NULL,
     "timestamp" BIGINT NOT NULL,
     method TEXT COLLATE "C" NOT NULL,
     uri TEXT COLLATE "C" NOT NULL,
     host TEXT COLLATE "C",
     status INTEGER,
     client_ip TEXT NOT NULL,
     client_ip_rule TEXT NOT NULL,
     source_type TEXT COLLATE "C",
     detail TEXT NOT NULL,
     UNIQUE (client_id, transaction_id)
   );
   CREATE INDEX transactions_host ON transactions (host, row_id);
   CREATE INDEX transactions_txid ON transactions (transaction_id);
   CREATE INDEX transactions_received ON transactions (received_at);
   CREATE TABLE ingestion_stats (
     client_id TEXT COLLATE "C" NOT NULL,
     source_type TEXT COLLATE "C" NOT NULL,
     outcome TEXT COLLATE "C" NOT NULL,
     count BIGINT NOT NULL,
     last_message TEXT,
     last_seen BIGINT NOT NULL,
     PRIMARY KEY (client_id, source_type, outcome)
   );
   CREATE TABLE admin_tokens (hash TEXT COLLATE "C" PRIMARY KEY, label TEXT NOT NULL, created_at BIGINT NOT NULL);
   CREATE TABLE audit_log (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at BIGINT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT,
     details TEXT
   );
   CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
   INSERT INTO settings (key, value) VALUES ('clients_version', '0');`,
  `CREATE TABLE users (
     username TEXT COLLATE "C" PRIMARY KEY,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     last_login_at BIGINT
   );
   CREATE TABLE sessions (
     id_hash TEXT COLLATE "C" PRIMARY KEY,
     username TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX sessions_user ON sessions (username);`,
  `CREATE TABLE specs (
     id TEXT COLLATE "C" PRIMARY KEY,
     application_id TEXT COLLATE "C" NOT NULL,
     title TEXT NOT NULL,
     version TEXT NOT NULL,
     openapi_version TEXT NOT NULL,
     operations INTEGER NOT NULL,
     uploaded_at BIGINT NOT NULL,
     document TEXT NOT NULL
   );
   CREATE INDEX specs_application ON specs (application_id, uploaded_at);`,
  `CREATE TABLE endpoints (
     id TEXT COLLATE "C" PRIMARY KEY,
     host TEXT COLLATE "C" NOT NULL,
     method TEXT COLLATE "C" NOT NULL,
     path_template TEXT COLLATE "C" NOT NULL,
     provenance TEXT NOT NULL,
     calls BIGINT NOT NULL,
     first_seen BIGINT NOT NULL,
     last_seen BIGINT NOT NULL,
     sensitive_types TEXT NOT NULL,
     detail TEXT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE INDEX endpoints_host ON endpoints (host, path_template, method);
   CREATE TABLE analysis_state (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);
   CREATE TABLE analysis_progress (consumer TEXT COLLATE "C" PRIMARY KEY, seq BIGINT NOT NULL);`,
  `CREATE TABLE discovery_rules (
     id TEXT COLLATE "C" PRIMARY KEY,
     host TEXT COLLATE "C" NOT NULL,
     rule TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     created_by TEXT NOT NULL
   );
   CREATE INDEX discovery_rules_host ON discovery_rules (host, created_at);`,
  `CREATE TABLE findings (
     id TEXT COLLATE "C" PRIMARY KEY,
     type TEXT COLLATE "C" NOT NULL,
     owasp_category TEXT COLLATE "C",
     severity TEXT NOT NULL,
     endpoint_id TEXT COLLATE "C",
     actor TEXT COLLATE "C",
     subject TEXT,
     summary TEXT NOT NULL,
     first_seen BIGINT NOT NULL,
     last_seen BIGINT NOT NULL,
     count BIGINT NOT NULL,
     status TEXT NOT NULL,
     status_reason TEXT,
     status_by TEXT,
     status_at BIGINT,
     created_at BIGINT NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE INDEX findings_last_seen ON findings (last_seen);
   CREATE INDEX findings_endpoint ON findings (endpoint_id);`,
  `CREATE TABLE actors (
     id TEXT COLLATE "C" PRIMARY KEY,
     actor TEXT COLLATE "C" NOT NULL,
     host TEXT COLLATE "C" NOT NULL,
     kind TEXT NOT NULL,
     label TEXT NOT NULL,
     first_seen BIGINT NOT NULL,
     last_seen BIGINT NOT NULL,
     calls BIGINT NOT NULL,
     errors BIGINT NOT NULL,
     bot_score INTEGER NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE INDEX actors_actor ON actors (actor);
   CREATE INDEX actors_last_seen ON actors (last_seen);
   CREATE INDEX findings_actor ON findings (actor);`,
  `CREATE TABLE custom_types (
     id TEXT COLLATE "C" PRIMARY KEY,
     name TEXT COLLATE "C" NOT NULL UNIQUE,
     definition TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     created_by TEXT NOT NULL
   );`,
  `CREATE TABLE behaviour_rules (
     id TEXT COLLATE "C" PRIMARY KEY,
     rule TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     created_by TEXT NOT NULL
   );`,
  // One index over transaction ids instead of two, as in SQLite (see sqlite-store.ts): the unique
  // key leads with the id, so it also serves lookups by id alone.
  `ALTER TABLE transactions DROP CONSTRAINT transactions_client_id_transaction_id_key;
   DROP INDEX transactions_txid;
   ALTER TABLE transactions ADD CONSTRAINT transactions_transaction_id_client_id_key UNIQUE (transaction_id, client_id);`,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

export interface PostgresStoreOptions {
  /**
   * Schema holding Tapline's tables, created if missing (it becomes the connections' search_path).
   * Without it the tables go to the first schema of the search_path (the URL may set one with
   * `?search_path=name`; that schema must exist), normally `public`.
   */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** Seconds to wait for a connection before failing (default 30). */
  connectTimeout?: number;
  /** Named prepared statements (default true); false behind a transaction-mode pooler such as PgBouncer. */
  prepare?: boolean;
}

type Sql = postgres.Sql<any>;
type Tx = postgres.TransactionSql<any>;

/** Error codes of PostgreSQL (SQLSTATE) that the store maps to SQLite's behaviour. */
const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

function pgCode(err: unknown): string | undefined {
  return err instanceof postgres.PostgresError ? err.code : undefined;
}

/**
 * PostgreSQL text cannot hold U+0000, which captured traffic may carry (a URI, a header-derived
 * host, an error message quoting input). Such a character becomes U+FFFD in the plain text
 * columns fed by ingestion, so one odd transaction cannot make a whole batch fail for ever.
 * JSON columns need none of this: JSON.stringify writes the character as the escape \u0000.
 */
function text<T extends string | null>(x: T): T {
  return (typeof x === 'string' && x.includes('\u0000') ? x.replace(/\u0000/g, '\uFFFD') : x) as T;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQLite treats a negative LIMIT as "no limit"; PostgreSQL spells that LIMIT NULL. */
function limitOf(n: number): number | null {
  return n < 0 ? null : n;
}

function num(x: unknown): number {
  return Number(x);
}

/** Rows per INSERT of transactions (each column travels as one array parameter). */
const INSERT_CHUNK = 1000;

export class PostgresStore implements Store {
  private readonly sql: Sql;

  private constructor(sql: Sql) {
    this.sql = sql;
  }

  /**
   * Connects to `url` (postgres://user:password@host:port/database, libpq-style query options
   * such as `?sslmode=require`, and PG* environment variables as the `postgres` package reads
   * them) and brings the schema up to date.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    if (options.schema !== undefined && /[?&]search_path=/.test(url)) {
      throw new Error('the PostgreSQL store URL sets search_path and the schema option is given too: give the schema one way');
    }
    if (options.schema !== undefined && options.schema.length === 0) throw new Error('the PostgreSQL store schema name is empty');
    const sql = postgres(url, {
      max: options.max ?? 10,
      connect_timeout: options.connectTimeout ?? 30,
      prepare: options.prepare ?? true,
      onnotice: () => {},
      // BIGINT (int8) columns hold milliseconds and counters: read them as numbers.
      types: {
        int8: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: (x: string) => Number(x) },
      },
      connection: options.schema !== undefined ? { search_path: quoteIdent(options.schema) } : {},
    });
    try {
      await migrate(sql, options.schema);
    } catch (err) {
      await sql.end({ timeout: 1 });
      throw err;
    }
    return new PostgresStore(sql);
  }

  private async bumpClientsVersion(tx: Tx): Promise<void> {
    await tx`UPDATE settings SET value = (value::bigint + 1)::text WHERE key = 'clients_version'`;
  }

  // ---- clients

  async createClient(c: ClientRecord): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      const res = await tx`
        INSERT INTO clients (client_id, uid, secret_hash, traffic_ingestion, token_lifespan, created_at, updated_at)
        VALUES (${c.clientId}, ${c.uid}, ${c.secretHash}, ${c.trafficIngestion}, ${c.tokenLifespan}, ${c.createdAt}, ${c.updatedAt})
        ON CONFLICT DO NOTHING`;
      if (res.count > 0) await this.bumpClientsVersion(tx);
      return res.count > 0;
    });
  }

  async getClient(clientId: string): Promise<ClientRecord | null> {
    const [r] = await this.sql`SELECT * FROM clients WHERE client_id = ${clientId}`;
    return r ? toClient(r) : null;
  }

  async listClients(): Promise<ClientRecord[]> {
    return (await this.sql`SELECT * FROM clients ORDER BY client_id`).map(toClient);
  }

  async updateClient(clientId: string, patch: Partial<Pick<ClientRecord, 'trafficIngestion' | 'tokenLifespan' | 'secretHash'>>) {
    return this.sql.begin(async (tx) => {
      const [r] = await tx`
        UPDATE clients SET
          traffic_ingestion = COALESCE(${patch.trafficIngestion ?? null}::boolean, traffic_ingestion),
          token_lifespan = COALESCE(${patch.tokenLifespan ?? null}::bigint, token_lifespan),
          secret_hash = COALESCE(${patch.secretHash ?? null}::text, secret_hash),
          updated_at = ${Date.now()}
        WHERE client_id = ${clientId}
        RETURNING *`;
      if (!r) return null;
      await this.bumpClientsVersion(tx);
      return toClient(r);
    });
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      const res = await tx`DELETE FROM clients WHERE client_id = ${clientId}`;
      if (res.count > 0) await this.bumpClientsVersion(tx);
      return res.count > 0;
    });
  }

  async recordClientActivity(clientId: string, a: { tokenAt?: number; transactionAt?: number; transactions?: number }) {
    // As SQLite's COALESCE(MAX(COALESCE(col, 0), ?), col): no new time keeps the old one.
    const tokenAt = a.tokenAt ?? null;
    const transactionAt = a.transactionAt ?? null;
    await this.sql`
      UPDATE clients SET
        last_token_at = CASE WHEN ${tokenAt}::bigint IS NULL THEN last_token_at
                             ELSE GREATEST(COALESCE(last_token_at, 0), ${tokenAt}::bigint) END,
        tokens_issued = tokens_issued + ${a.tokenAt ? 1 : 0}::bigint,
        last_transaction_at = CASE WHEN ${transactionAt}::bigint IS NULL THEN last_transaction_at
                                   ELSE GREATEST(COALESCE(last_transaction_at, 0), ${transactionAt}::bigint) END,
        transactions_accepted = transactions_accepted + ${a.transactions ?? 0}::bigint
      WHERE client_id = ${clientId}`;
  }

  async clientsVersion(): Promise<number> {
    const [r] = await this.sql`SELECT value FROM settings WHERE key = 'clients_version'`;
    return Number(r!.value);
  }

  // ---- signing keys

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (await this.sql`SELECT * FROM signing_keys ORDER BY created_at, kid`).map((r) => ({
      kid: r.kid,
      alg: r.alg,
      privateJwk: r.private_jwk,
      publicJwk: r.public_jwk,
      createdAt: num(r.created_at),
      retiredAt: numOrNull(r.retired_at),
      verifyUntil: numOrNull(r.verify_until),
    }));
  }

  async addSigningKey(k: SigningKeyRecord, retireOthersUntil: number): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`UPDATE signing_keys SET retired_at = ${k.createdAt}, verify_until = ${retireOthersUntil} WHERE retired_at IS NULL`;
      await tx`DELETE FROM signing_keys WHERE verify_until IS NOT NULL AND verify_until < ${k.createdAt}`;
      await tx`
        INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at)
        VALUES (${k.kid}, ${k.alg}, ${k.privateJwk}, ${k.publicJwk}, ${k.createdAt})`;
    });
  }

  // ---- applications

  async createApplication(a: ApplicationRecord): Promise<boolean> {
    const res = await this.sql`
      INSERT INTO applications (id, name, hosts, created_at, updated_at)
      VALUES (${a.id}, ${a.name}, ${JSON.stringify(a.hosts)}, ${a.createdAt}, ${a.updatedAt})
      ON CONFLICT DO NOTHING`;
    return res.count > 0;
  }

  async listApplications(): Promise<ApplicationRecord[]> {
    return (await this.sql`SELECT * FROM applications ORDER BY name`).map(toApplication);
  }

  async getApplication(id: string): Promise<ApplicationRecord | null> {
    const [r] = await this.sql`SELECT * FROM applications WHERE id = ${id}`;
    return r ? toApplication(r) : null;
  }

  async updateApplication(id: string, patch: Partial<Pick<ApplicationRecord, 'name' | 'hosts'>>) {
    try {
      const [r] = await this.sql`
        UPDATE applications SET
          name = COALESCE(${patch.name ?? null}::text, name),
          hosts = COALESCE(${patch.hosts === undefined ? null : JSON.stringify(patch.hosts)}::text, hosts),
          updated_at = ${Date.now()}
        WHERE id = ${id}
        RETURNING *`;
      return r ? toApplication(r) : null;
    } catch (err) {
      // The console maps SQLite's "UNIQUE constraint failed" to 409; keep that contract.
      if (pgCode(err) === UNIQUE_VIOLATION) {
        throw new Error(`UNIQUE constraint failed: applications.name (an application named "${patch.name}" already exists)`, { cause: err });
      }
      throw err;
    }
  }

  async deleteApplication(id: string): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      // No foreign key (as in SQLite): an application's specs go explicitly.
      await tx`DELETE FROM specs WHERE application_id = ${id}`;
      return (await tx`DELETE FROM applications WHERE id = ${id}`).count > 0;
    });
  }

  // ---- specs

  async addSpec(spec: SpecRecord): Promise<void> {
    await this.sql`
      INSERT INTO specs (id, application_id, title, version, openapi_version, operations, uploaded_at, document)
      VALUES (${spec.id}, ${spec.applicationId}, ${spec.title}, ${spec.version}, ${spec.openapiVersion}, ${spec.operations},
              ${spec.uploadedAt}, ${JSON.stringify(spec.document)})`;
  }

  async listSpecs(applicationId?: string): Promise<Array<Omit<SpecRecord, 'document'>>> {
    const rows = applicationId === undefined
      ? await this.sql`
          SELECT id, application_id, title, version, openapi_version, operations, uploaded_at
          FROM specs ORDER BY uploaded_at DESC, id`
      : await this.sql`
          SELECT id, application_id, title, version, openapi_version, operations, uploaded_at
          FROM specs WHERE application_id = ${applicationId} ORDER BY uploaded_at DESC, id`;
    return rows.map(toSpecInfo);
  }

  async getSpec(id: string): Promise<SpecRecord | null> {
    const [r] = await this.sql`SELECT * FROM specs WHERE id = ${id}`;
    return r ? { ...toSpecInfo(r), document: JSON.parse(r.document) as Record<string, unknown> } : null;
  }

  async deleteSpec(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM specs WHERE id = ${id}`).count > 0;
  }

  // ---- findings

  async listFindings(q: FindingQuery): Promise<{ items: FindingRecord[]; total: number }> {
    const conditions = [
      q.category !== undefined ? this.sql`owasp_category = ${q.category}` : null,
      q.severity !== undefined ? this.sql`severity = ${q.severity}` : null,
      q.status !== undefined ? this.sql`status = ${q.status}` : null,
      q.type !== undefined ? this.sql`type = ${q.type}` : null,
      q.endpointId !== undefined ? this.sql`endpoint_id = ${q.endpointId}` : null,
      q.actor !== undefined ? this.sql`actor = ${q.actor}` : null,
    ].filter((c) => c !== null);
    const where = conditions.length > 0 ? conditions.reduce((acc, c, i) => (i === 0 ? this.sql`WHERE ${c}` : this.sql`${acc} AND ${c}`), this.sql``) : this.sql``;
    const [{ n }] = await this.sql`SELECT COUNT(*) AS n FROM findings ${where}`;
    const rows = await this.sql`SELECT * FROM findings ${where} ORDER BY last_seen DESC, id LIMIT ${q.limit} OFFSET ${q.offset}`;
    return { items: rows.map(toFinding), total: num(n) };
  }

  async listActors(q: ActorQuery): Promise<{ items: ActorRecord[]; total: number }> {
    const conditions = [
      q.host !== undefined ? this.sql`host = ${q.host}` : null,
      q.actor !== undefined ? this.sql`actor = ${q.actor}` : null,
      q.minScore !== undefined ? this.sql`bot_score >= ${q.minScore}` : null,
    ].filter((c) => c !== null);
    const where = conditions.length > 0 ? conditions.reduce((acc, c, i) => (i === 0 ? this.sql`WHERE ${c}` : this.sql`${acc} AND ${c}`), this.sql``) : this.sql``;
    const order = q.sort === 'calls' ? this.sql`calls DESC` : q.sort === 'lastSeen' ? this.sql`last_seen DESC` : this.sql`bot_score DESC, calls DESC`;
    const [{ n }] = await this.sql`SELECT COUNT(*) AS n FROM actors ${where}`;
    const rows = await this.sql`SELECT * FROM actors ${where} ORDER BY ${order}, id LIMIT ${q.limit} OFFSET ${q.offset}`;
    return { items: rows.map(toActor), total: num(n) };
  }

  async recentActors(since: number): Promise<ActorRecord[]> {
    return (await this.sql`SELECT * FROM actors WHERE last_seen >= ${since} ORDER BY last_seen`).map(toActor);
  }

  async pruneActors(olderThan: number): Promise<number> {
    return (await this.sql`DELETE FROM actors WHERE last_seen < ${olderThan}`).count;
  }

  async getFinding(id: string): Promise<FindingRecord | null> {
    const [r] = await this.sql`SELECT * FROM findings WHERE id = ${id}`;
    return r ? toFinding(r) : null;
  }

  async updateFindingStatus(id: string, status: FindingStatus, reason: string | null, by: string): Promise<FindingRecord | null> {
    return this.sql.begin(async (tx) => {
      const [r] = await tx`SELECT * FROM findings WHERE id = ${id} FOR UPDATE`;
      if (!r) return null;
      const next = { ...toFinding(r), status, statusReason: reason, statusBy: by, statusAt: Date.now() };
      await writeFinding(tx, next);
      return next;
    });
  }

  // ---- custom sensitive data types

  async listBehaviourRules() {
    return (await this.sql`SELECT * FROM behaviour_rules ORDER BY created_at, id`).map((r) => ({ id: r.id as string, rule: JSON.parse(r.rule as string) as Record<string, unknown>, createdAt: num(r.created_at), createdBy: r.created_by as string }));
  }

  async addBehaviourRule(r: { id: string; rule: Record<string, unknown>; createdAt: number; createdBy: string }): Promise<boolean> {
    return (await this.sql`INSERT INTO behaviour_rules (id, rule, created_at, created_by) VALUES (${r.id}, ${JSON.stringify(r.rule)}, ${r.createdAt}, ${text(r.createdBy)}) ON CONFLICT DO NOTHING`).count > 0;
  }

  async deleteBehaviourRule(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM behaviour_rules WHERE id = ${id}`).count > 0;
  }

  async listCustomTypes(): Promise<CustomTypeRecord[]> {
    return (await this.sql`SELECT * FROM custom_types ORDER BY created_at, id`).map((r) => ({
      id: r.id as string, name: r.name as string, definition: JSON.parse(r.definition as string) as Record<string, unknown>, createdAt: num(r.created_at), createdBy: r.created_by as string,
    }));
  }

  async addCustomType(t: CustomTypeRecord): Promise<boolean> {
    const res = await this.sql`INSERT INTO custom_types (id, name, definition, created_at, created_by) VALUES (${t.id}, ${t.name}, ${JSON.stringify(t.definition)}, ${t.createdAt}, ${text(t.createdBy)}) ON CONFLICT DO NOTHING`;
    return res.count > 0;
  }

  async deleteCustomType(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM custom_types WHERE id = ${id}`).count > 0;
  }

  // ---- discovery rules

  async addDiscoveryRule(r: DiscoveryRuleRecord): Promise<void> {
    await this.sql`INSERT INTO discovery_rules (id, host, rule, created_at, created_by) VALUES (${r.id}, ${r.host}, ${JSON.stringify(r.rule)}, ${r.createdAt}, ${r.createdBy})`;
  }

  async listDiscoveryRules(host?: string): Promise<DiscoveryRuleRecord[]> {
    const rows = host === undefined
      ? await this.sql`SELECT * FROM discovery_rules ORDER BY created_at, id`
      : await this.sql`SELECT * FROM discovery_rules WHERE host = ${host} ORDER BY created_at, id`;
    return rows.map((r) => ({ id: r.id as string, host: r.host as string, rule: JSON.parse(r.rule as string) as Record<string, unknown>, createdAt: Number(r.created_at), createdBy: r.created_by as string }));
  }

  async deleteDiscoveryRule(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM discovery_rules WHERE id = ${id}`).count > 0;
  }

  // ---- recent transactions

  async insertTransactions(rows: StoredTransaction[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql.begin((tx) => insertTransactionRows(tx, rows));
  }

  // ---- analysis results

  async commitAnalysis(c: AnalysisCommit): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      // One commit per consumer at a time (the progress row may not exist yet, so a row lock
      // would not do); a batch at or below the recorded progress was already committed (except
      // settling and redeliveries, which keep the position).
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`tapline.analysis:${c.consumer}`}, 0))`;
      const [done] = await tx`SELECT seq FROM analysis_progress WHERE consumer = ${c.consumer}`;
      if (done && (c.settleOnly || c.redeliveries ? num(done.seq) > c.seq : num(done.seq) >= c.seq)) return false;
      await insertTransactionRows(tx, c.transactions);
      const now = Date.now();
      // Queries issued together run in order on the transaction's connection (pipelined). Rows
      // are written in id order (stable: a repeated id keeps its last version, as in SQLite) so
      // concurrent commits lock them in the same order and cannot deadlock.
      const endpoints = [...c.endpoints].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      await Promise.all(endpoints.map((e) => tx`
        INSERT INTO endpoints (id, host, method, path_template, provenance, calls, first_seen, last_seen, sensitive_types, detail, updated_at)
        VALUES (${text(e.id)}, ${text(e.host)}, ${text(e.method)}, ${text(e.pathTemplate)}, ${e.provenance}, ${e.calls}, ${e.firstSeen}, ${e.lastSeen},
                ${JSON.stringify(e.sensitiveTypes)}, ${JSON.stringify(e.detail)}, ${now})
        ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, method = EXCLUDED.method, path_template = EXCLUDED.path_template,
          provenance = EXCLUDED.provenance, calls = EXCLUDED.calls, first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen,
          sensitive_types = EXCLUDED.sensitive_types, detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at`));
      if (c.removedEndpoints.length > 0) await tx`DELETE FROM endpoints WHERE id = ANY(${c.removedEndpoints.map(text)}::text[])`;
      await Promise.all(c.state.map(([key, value]) => tx`
        INSERT INTO analysis_state (key, value, updated_at) VALUES (${text(key)}, ${JSON.stringify(value)}, ${now})
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`));
      const actors = [...(c.actors ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const a of actors) {
        await tx`
          INSERT INTO actors (id, actor, host, kind, label, first_seen, last_seen, calls, errors, bot_score, detail)
          VALUES (${text(a.id)}, ${text(a.actor)}, ${text(a.host)}, ${a.kind}, ${text(a.label)}, ${a.firstSeen}, ${a.lastSeen}, ${a.calls}, ${a.errors}, ${a.botScore}, ${JSON.stringify(a.detail)})
          ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen, calls = EXCLUDED.calls,
            errors = EXCLUDED.errors, bot_score = EXCLUDED.bot_score, detail = EXCLUDED.detail`;
      }
      // Findings in id order (no deadlocks between analyzers), each folded into its row under a lock.
      for (const [id, observations] of [...groupFindings(c.findings ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const [row] = await tx`SELECT * FROM findings WHERE id = ${id} FOR UPDATE`;
        await writeFinding(tx, foldFinding(row ? toFinding(row) : null, observations));
      }
      await tx`
        INSERT INTO analysis_progress (consumer, seq) VALUES (${c.consumer}, ${c.seq})
        ON CONFLICT (consumer) DO UPDATE SET seq = EXCLUDED.seq`;
      return true;
    });
  }

  async analysisProgress(consumer: string): Promise<number> {
    const [r] = await this.sql`SELECT seq FROM analysis_progress WHERE consumer = ${consumer}`;
    return r ? num(r.seq) : 0;
  }

  async analysisState(prefix: string): Promise<Array<[string, unknown]>> {
    // A literal prefix (no LIKE wildcards); the range condition lets the primary key index start there.
    const rows = await this.sql`
      SELECT key, value FROM analysis_state
      WHERE key >= ${text(prefix)}::text AND left(key, length(${text(prefix)}::text)) = ${text(prefix)}::text ORDER BY key`;
    return rows.map((r) => [r.key as string, JSON.parse(r.value) as unknown]);
  }

  async listEndpoints(q: EndpointQuery): Promise<{ items: EndpointRecord[]; total: number }> {
    const sql = this.sql;
    const conds = [];
    if (q.host !== undefined) conds.push(sql`host = ${q.host}`);
    if (q.hosts !== undefined) conds.push(q.hosts.length > 0 ? sql`host = ANY(${q.hosts}::text[])` : sql`FALSE`);
    if (q.method !== undefined) conds.push(sql`method = ${q.method.toUpperCase()}`);
    const where = conds.length === 0 ? sql`TRUE` : conds.reduce((a, c) => sql`${a} AND ${c}`);
    const order = q.sort === 'lastSeen' ? sql`last_seen DESC` : q.sort === 'path' ? sql`host, path_template, method` : sql`calls DESC`;
    const [count] = await sql`SELECT COUNT(*) AS n FROM endpoints WHERE ${where}`;
    const rows = await sql`SELECT * FROM endpoints WHERE ${where} ORDER BY ${order}, id LIMIT ${limitOf(q.limit)} OFFSET ${Math.max(0, q.offset)}`;
    return { items: rows.map(toEndpoint), total: num(count!.n) };
  }

  async recentAnalysisState(prefix: string, limit: number): Promise<Array<[string, unknown]>> {
    const rows = await this.sql`
      SELECT key, value FROM analysis_state
      WHERE key >= ${text(prefix)}::text AND left(key, length(${text(prefix)}::text)) = ${text(prefix)}::text
      ORDER BY updated_at DESC, key LIMIT ${limit}`;
    return rows.map((r) => [r.key as string, JSON.parse(r.value) as unknown]);
  }

  async analysisStateOf(keys: string[]): Promise<Array<[string, unknown]>> {
    if (keys.length === 0) return [];
    const rows = await this.sql`SELECT key, value FROM analysis_state WHERE key = ANY(${keys.map(text)}::text[]) ORDER BY key`;
    return rows.map((r) => [r.key as string, JSON.parse(r.value) as unknown]);
  }

  async allEndpoints(): Promise<EndpointRecord[]> {
    return (await this.sql`SELECT * FROM endpoints ORDER BY id`).map(toEndpoint);
  }

  async getEndpoint(id: string): Promise<EndpointRecord | null> {
    const [r] = await this.sql`SELECT * FROM endpoints WHERE id = ${id}`;
    return r ? toEndpoint(r) : null;
  }

  // ---- recent transactions (queries)

  async queryTransactions(q: TransactionQuery) {
    const sql = this.sql;
    const conds = [];
    if (q.host !== undefined) conds.push(sql`host = ${q.host}`);
    if (q.hostsIn) {
      const named = q.hostsIn.filter((h): h is string => h !== null);
      const withNull = q.hostsIn.includes(null);
      if (named.length > 0 && withNull) conds.push(sql`(host = ANY(${named}::text[]) OR host IS NULL)`);
      else if (named.length > 0) conds.push(sql`host = ANY(${named}::text[])`);
      else if (withNull) conds.push(sql`host IS NULL`);
      else conds.push(sql`FALSE`);
    }
    if (q.method !== undefined) conds.push(sql`method = ${q.method}`);
    if (q.status !== undefined) conds.push(sql`status = ${q.status}`);
    if (q.clientId !== undefined) conds.push(sql`client_id = ${q.clientId}`);
    if (q.since !== undefined) conds.push(sql`received_at >= ${q.since}`);
    if (q.until !== undefined) conds.push(sql`received_at < ${q.until}`);
    if (q.before !== undefined) conds.push(sql`row_id < ${q.before}`);
    const where = conds.length === 0 ? sql`TRUE` : conds.reduce((a, c) => sql`${a} AND ${c}`);
    const rows = await sql`SELECT * FROM transactions WHERE ${where} ORDER BY row_id DESC LIMIT ${limitOf(q.limit)}`;
    return rows.map(toTransaction);
  }

  async getTransaction(transactionId: string, clientId?: string): Promise<StoredTransaction | null> {
    const [r] = clientId === undefined
      ? await this.sql`SELECT * FROM transactions WHERE transaction_id = ${transactionId} ORDER BY row_id DESC LIMIT 1`
      : await this.sql`SELECT * FROM transactions WHERE transaction_id = ${transactionId} AND client_id = ${clientId}`;
    return r ? toTransaction(r) : null;
  }

  async distinctHosts(): Promise<Array<string | null>> {
    return (await this.sql`SELECT DISTINCT host FROM transactions`).map((r) => r.host ?? null);
  }

  async pruneTransactions(maxCount: number, olderThan: number): Promise<number> {
    return this.sql.begin(async (tx) => {
      let removed = (await tx`DELETE FROM transactions WHERE received_at < ${olderThan}`).count;
      // SQLite reads a negative OFFSET as 0.
      const [cutoff] = await tx`SELECT row_id FROM transactions ORDER BY row_id DESC LIMIT 1 OFFSET ${Math.max(0, maxCount)}`;
      if (cutoff) removed += (await tx`DELETE FROM transactions WHERE row_id <= ${cutoff.row_id}`).count;
      return removed;
    });
  }

  // ---- diagnostics

  async addIngestionStats(deltas: IngestionDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    // Apply in key order (stable, so a key's deltas keep their order): concurrent writers then
    // lock rows in the same order and cannot deadlock.
    const key = (d: IngestionDelta) => `${d.clientId}\u0000${d.sourceType}\u0000${d.outcome}`;
    const sorted = [...deltas].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    await this.sql.begin(async (tx) => {
      for (const d of sorted) {
        await tx`
          INSERT INTO ingestion_stats (client_id, source_type, outcome, count, last_message, last_seen)
          VALUES (${text(d.clientId)}, ${text(d.sourceType)}, ${text(d.outcome)}, ${d.count}, ${text(d.lastMessage)}, ${d.lastSeen})
          ON CONFLICT (client_id, source_type, outcome) DO UPDATE SET
            count = ingestion_stats.count + EXCLUDED.count,
            last_message = COALESCE(EXCLUDED.last_message, ingestion_stats.last_message),
            last_seen = GREATEST(ingestion_stats.last_seen, EXCLUDED.last_seen)`;
      }
    });
  }

  async ingestionStats(): Promise<IngestionRow[]> {
    return (await this.sql`SELECT * FROM ingestion_stats ORDER BY client_id, source_type, outcome`).map((r) => ({
      clientId: r.client_id,
      sourceType: r.source_type,
      outcome: r.outcome,
      count: num(r.count),
      lastMessage: r.last_message ?? null,
      lastSeen: num(r.last_seen),
    }));
  }

  // ---- admin tokens and audit

  async addAdminTokenHash(hash: string, label: string): Promise<void> {
    await this.sql`INSERT INTO admin_tokens (hash, label, created_at) VALUES (${hash}, ${label}, ${Date.now()}) ON CONFLICT DO NOTHING`;
  }

  async hasAdminToken(): Promise<boolean> {
    return (await this.sql`SELECT 1 AS x FROM admin_tokens LIMIT 1`).length > 0;
  }

  async adminTokenHashes(): Promise<string[]> {
    return (await this.sql`SELECT hash FROM admin_tokens`).map((r) => r.hash as string);
  }

  async audit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.sql`
      INSERT INTO audit_log (at, actor, action, target, details)
      VALUES (${e.at}, ${e.actor}, ${e.action}, ${e.target}, ${e.details ? JSON.stringify(e.details) : null})`;
  }

  async listAudit(limit: number, before?: number): Promise<AuditEntry[]> {
    const rows = before === undefined
      ? await this.sql`SELECT * FROM audit_log ORDER BY id DESC LIMIT ${limitOf(limit)}`
      : await this.sql`SELECT * FROM audit_log WHERE id < ${before} ORDER BY id DESC LIMIT ${limitOf(limit)}`;
    return rows.map((r) => ({
      id: num(r.id),
      at: num(r.at),
      actor: r.actor,
      action: r.action,
      target: r.target ?? null,
      details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    }));
  }

  // ---- console users and sessions

  async createUser(u: UserRecord): Promise<boolean> {
    try {
      const res = await this.sql`
        INSERT INTO users (username, password_hash, role, created_at, updated_at, last_login_at)
        VALUES (${u.username}, ${u.passwordHash}, ${u.role}, ${u.createdAt}, ${u.updatedAt}, ${u.lastLoginAt})
        ON CONFLICT DO NOTHING`;
      return res.count > 0;
    } catch (err) {
      // SQLite's INSERT OR IGNORE also ignores a CHECK failure (an unknown role).
      if (pgCode(err) === CHECK_VIOLATION) return false;
      throw err;
    }
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const [r] = await this.sql`SELECT * FROM users WHERE username = ${username}`;
    return r ? toUser(r) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.sql`SELECT * FROM users ORDER BY username`).map(toUser);
  }

  async updateUser(username: string, patch: Partial<Pick<UserRecord, 'passwordHash' | 'role' | 'lastLoginAt'>>) {
    // A sign-in (only lastLoginAt) is not a change of the user: updatedAt stays.
    const onlyLogin = patch.lastLoginAt !== undefined && Object.keys(patch).length === 1;
    const [r] = await this.sql`
      UPDATE users SET
        password_hash = COALESCE(${patch.passwordHash ?? null}::text, password_hash),
        role = COALESCE(${patch.role ?? null}::text, role),
        last_login_at = CASE WHEN ${patch.lastLoginAt !== undefined}::boolean THEN ${patch.lastLoginAt ?? null}::bigint ELSE last_login_at END,
        updated_at = CASE WHEN ${onlyLogin}::boolean THEN updated_at ELSE ${Date.now()}::bigint END
      WHERE username = ${username}
      RETURNING *`;
    return r ? toUser(r) : null;
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      await tx`DELETE FROM sessions WHERE username = ${username}`;
      return (await tx`DELETE FROM users WHERE username = ${username}`).count > 0;
    });
  }

  async countAdmins(): Promise<number> {
    const [r] = await this.sql`SELECT COUNT(*) AS n FROM users WHERE role = 'admin'`;
    return num(r!.n);
  }

  async createSession(x: SessionRecord): Promise<void> {
    await this.sql`
      INSERT INTO sessions (id_hash, username, csrf_token, created_at, expires_at)
      VALUES (${x.idHash}, ${x.username}, ${x.csrfToken}, ${x.createdAt}, ${x.expiresAt})`;
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const [r] = await this.sql`SELECT * FROM sessions WHERE id_hash = ${idHash}`;
    if (!r) return null;
    return {
      idHash: r.id_hash,
      username: r.username,
      csrfToken: r.csrf_token,
      createdAt: num(r.created_at),
      expiresAt: num(r.expires_at),
    };
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE id_hash = ${idHash}`;
  }

  async deleteUserSessions(username: string, exceptIdHash?: string): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE username = ${username} AND id_hash IS DISTINCT FROM ${exceptIdHash ?? null}::text`;
  }

  async pruneSessions(now: number): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE expires_at < ${now}`;
  }

  // ---- aggregates

  async trafficBuckets(range: TimeRange, bucketMs: number): Promise<TrafficBucket[]> {
    // SQLite casts the bucket to an integer and yields NULL (one bucket) for a zero divisor.
    const b = Math.trunc(bucketMs);
    const rows = await this.sql`
      SELECT (received_at / NULLIF(${b}::bigint, 0)) * ${b}::bigint AS t, COUNT(*) AS calls,
             SUM(CASE WHEN status >= 400 OR status IS NULL THEN 1 ELSE 0 END) AS errors
      FROM transactions WHERE received_at >= ${range.from} AND received_at < ${range.to}
      GROUP BY 1 ORDER BY 1 NULLS FIRST`;
    return rows.map((r) => ({ t: num(r.t), calls: num(r.calls), errors: num(r.errors) }));
  }

  async topHosts(range: TimeRange, limit: number) {
    const rows = await this.sql`
      SELECT host, COUNT(*) AS calls, MAX(received_at) AS last_seen FROM transactions
      WHERE received_at >= ${range.from} AND received_at < ${range.to}
      GROUP BY host ORDER BY calls DESC, host NULLS FIRST LIMIT ${limitOf(limit)}`;
    return rows.map((r) => ({ host: (r.host as string | null) ?? null, calls: num(r.calls), lastSeen: num(r.last_seen) }));
  }

  async topEndpoints(range: TimeRange, limit: number) {
    // The path is the URI up to its first '?', as SQLite's PATH_OF_URI.
    const rows = await this.sql`
      SELECT host, method, split_part(uri, '?', 1) AS path, COUNT(*) AS calls FROM transactions
      WHERE received_at >= ${range.from} AND received_at < ${range.to}
      GROUP BY host, method, path ORDER BY calls DESC, path, host NULLS FIRST, method LIMIT ${limitOf(limit)}`;
    return rows.map((r) => ({ host: (r.host as string | null) ?? null, method: r.method as string, path: r.path as string, calls: num(r.calls) }));
  }

  async statusMix(range: TimeRange) {
    const mix = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, other: 0 };
    const rows = await this.sql`
      SELECT status / 100 AS c, COUNT(*) AS n FROM transactions
      WHERE received_at >= ${range.from} AND received_at < ${range.to} GROUP BY 1`;
    for (const r of rows) {
      const c = numOrNull(r.c);
      const key = c === null ? 'none' : c >= 2 && c <= 5 ? (`${c}xx` as '2xx') : 'other';
      mix[key] += num(r.n);
    }
    return mix;
  }

  async ingestionRate(now: number, minutes: number) {
    const start = Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000;
    const rows = await this.sql`
      SELECT client_id, COALESCE(source_type, 'unknown') AS source, (received_at - ${start}::bigint) / 60000 AS minute, COUNT(*) AS n
      FROM transactions WHERE received_at >= ${start} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
    const series = new Map<string, { clientId: string; sourceType: string; perMinute: number[] }>();
    for (const r of rows) {
      const key = `${r.client_id}\u0000${r.source}`;
      let s = series.get(key);
      if (!s) series.set(key, (s = { clientId: r.client_id as string, sourceType: r.source as string, perMinute: new Array<number>(minutes).fill(0) }));
      const i = num(r.minute);
      if (i >= 0 && i < minutes) s.perMinute[i]! += num(r.n);
    }
    return [...series.values()];
  }

  // ---- settings

  async getSetting(key: string): Promise<string | null> {
    const [r] = await this.sql`SELECT value FROM settings WHERE key = ${key}`;
    return r ? (r.value as string) : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.sql`INSERT INTO settings (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** INSERT ... ON CONFLICT DO NOTHING of a batch, in its order (row ids follow it, as in SQLite). */
async function insertTransactionRows(tx: Tx, rows: StoredTransaction[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    // One statement whatever the batch size: each column is an array parameter, unnested in
    // order (WITH ORDINALITY).
    await tx`
      INSERT INTO transactions
        (client_id, transaction_id, received_at, "timestamp", method, uri, host, status, client_ip, client_ip_rule, source_type, detail)
      SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12
      FROM unnest(
        ${chunk.map((t) => text(t.clientId))}::text[],
        ${chunk.map((t) => text(t.transactionId))}::text[],
        ${chunk.map((t) => Math.round(t.receivedAt))}::bigint[],
        ${chunk.map((t) => Math.round(t.timestamp))}::bigint[],
        ${chunk.map((t) => text(t.method))}::text[],
        ${chunk.map((t) => text(t.uri))}::text[],
        ${chunk.map((t) => text(t.host))}::text[],
        ${chunk.map((t) => t.status)}::integer[],
        ${chunk.map((t) => text(t.clientIp))}::text[],
        ${chunk.map((t) => text(t.clientIpRule))}::text[],
        ${chunk.map((t) => text(t.sourceType))}::text[],
        ${chunk.map((t) => JSON.stringify(t.detail))}::text[]
      ) WITH ORDINALITY AS r (c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, n)
      ORDER BY n
      ON CONFLICT (client_id, transaction_id) DO NOTHING`;
  }
}

/** Brings the schema up to date, once, however many processes start at the same time. */
async function migrate(sql: Sql, schema: string | undefined): Promise<void> {
  await sql.begin(async (tx) => {
    // Held until this transaction ends; per schema, so isolated schemas migrate independently.
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`tapline.migrate:${schema ?? ''}`}, 0))`;
    if (schema !== undefined) await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const [where] = await tx`SELECT current_schema() AS name`;
    if (!where?.name) {
      throw new Error('no schema to create the store in: the search_path names no existing schema; create it, or open the store with the schema option (it is created if missing)');
    }
    await tx`CREATE TABLE IF NOT EXISTS tapline_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`;
    const [row] = await tx`SELECT COALESCE(MAX(version), 0) AS version FROM tapline_schema_migrations`;
    const version = num(row!.version);
    if (version > MIGRATIONS.length) {
      throw new Error(`the PostgreSQL store (schema "${where.name}") has schema version ${version}, newer than this Tapline (${MIGRATIONS.length}); upgrade Tapline`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      await tx.unsafe(MIGRATIONS[v]!);
      await tx`INSERT INTO tapline_schema_migrations (version, applied_at) VALUES (${v + 1}, ${Date.now()})`;
    }
  });
}

async function writeFinding(tx: Tx, f: FindingRecord): Promise<void> {
  await tx`
    INSERT INTO findings (id, type, owasp_category, severity, endpoint_id, actor, subject, summary, first_seen, last_seen, count, status, status_reason, status_by, status_at, created_at, detail)
    VALUES (${text(f.id)}, ${text(f.type)}, ${f.owaspCategory === null ? null : text(f.owaspCategory)}, ${f.severity}, ${f.endpointId === null ? null : text(f.endpointId)},
            ${f.actor === null ? null : text(f.actor)}, ${f.subject === null ? null : text(f.subject)}, ${text(f.summary)}, ${f.firstSeen}, ${f.lastSeen}, ${f.count},
            ${f.status}, ${f.statusReason === null ? null : text(f.statusReason)}, ${f.statusBy === null ? null : text(f.statusBy)}, ${f.statusAt}, ${f.createdAt}, ${JSON.stringify(f.detail)})
    ON CONFLICT (id) DO UPDATE SET severity = EXCLUDED.severity, summary = EXCLUDED.summary, first_seen = EXCLUDED.first_seen,
      last_seen = EXCLUDED.last_seen, count = EXCLUDED.count, status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
      status_by = EXCLUDED.status_by, status_at = EXCLUDED.status_at, detail = EXCLUDED.detail`;
}
