// Feeds the log to the analysis steps and writes what they produce to the store: the recent
// transactions the console shows, and the inventory (endpoints and their traffic). Each batch's
// results are committed in one store transaction with the log position they reach, so a batch
// redelivered after a crash is recognized and skipped: nothing is counted twice. JetStream can
// redeliver an entry after later ones (it was held by a process that died, or lost in a server
// restart), so there a position says nothing about earlier entries: a first delivery is always
// new, and a redelivered entry was analysed exactly when the store has its transaction.
import type { LogConsumer, LogEntry } from '../log/log.ts';
import type { EndpointRecord, Store, StoredTransaction } from '../store/store.ts';
import { applicationOf } from '../store/applications.ts';
import type { ClientIpOptions } from '../wire/client-ip.ts';
import { decodeEnvelope, envelopeTransaction, requestHost, type LoggedTransaction } from '../wire/envelope.ts';
import { toStoredTransaction, type RecordOptions } from './record.ts';
import { HOST_STATE_PREFIX, hostOf, InventoryStep } from './inventory.ts';
import type { Rule } from './discovery/rules.ts';
import { passiveChecks } from './threats/passive.ts';
import { scanRequestValues } from './threats/scan.ts';
import { BehaviourEngine, BUILTIN_RULES, checkRule, flowsOf, type BehaviourEvent } from './threats/behaviour.ts';
import { actorOf, usernameOf } from './threats/actors.ts';
import { ACTOR_RESUME_MS, ActorProfiles } from './actor-profiles.ts';
import { unusualAdminAccess } from './threats/actor-stats.ts';
import { maskEvidence, protect, sensitiveFindings } from './protect.ts';
import { compileCustomType, type CompiledCustomType, type CustomTypeDefinition } from './sensitive/custom.ts';
import { authSchemes } from './discovery/auth-schemes.ts';
import type { SdpLocation, Transaction } from '../wire/transaction.ts';
import type { EndpointRef } from './discovery/discovery.ts';
import { summarizeSpec, type SpecSummary } from './discovery/openapi-document.ts';
import { endpointState, INVENTORY_WINDOW_MS, type SpecVersion } from './discovery/inventory-state.ts';
import type { FindingObservation } from '../store/findings.ts';

/** The name analysis commits its progress under (one consumer of the log). */
export const ANALYSIS_CONSUMER = 'analysis';
/** Discovery's view is rebuilt and its refinements applied at least this often under load. */
const SETTLE_MS = 1_000;
/** How often uploaded specs and user rules are re-read (they apply to traffic from then on). */
const SPEC_REFRESH_MS = 2_000;
/** Hosts whose discovery stays in memory by default (the least recently seen others wait in the store). */
export const DEFAULT_MAX_HOSTS = 10_000;

export interface RunnerOptions extends RecordOptions {
  clientIp: ClientIpOptions;
  batchSize: number;
  /** Recent transactions kept: at most this many, ... */
  retainCount: number;
  /** ... and none older than this (ms); actors not seen for this long are forgotten too. */
  retainMs: number;
  /** The name progress is committed under (default ANALYSIS_CONSUMER; one per partition on NATS). */
  consumer?: string;
  /** The hosts whose discovery state this runner owns (default: all). */
  ownsHost?: (host: string) => boolean;
  /**
   * Set when several runners read the one embedded log (--analysis-threads): each analyses only
   * the hosts that hash to it (`ownsHost`) and skips the others' entries, and entries that a
   * runner of the previous thread count already analysed (after the count changed).
   */
  shared?: { analysedBefore(host: string, seq: number): boolean };
  /**
   * Hosts whose discovery and endpoint aggregates are kept in memory (default DEFAULT_MAX_HOSTS).
   * Beyond it the least recently seen are forgotten after their state was committed, and read
   * back from the store when their traffic returns, so memory stays bounded with any number of
   * hosts (a subdomain per tenant).
   */
  maxHosts?: number;
}

export class AnalysisRunner {
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly consumer: LogConsumer;
  private readonly store: Store;
  private readonly options: RunnerOptions;
  private inventory: InventoryStep | null = null;
  private actors: ActorProfiles | null = null;
  /** Log position already committed to the store (entries up to it are skipped). */
  private committed = 0;
  /** Host -> id of the spec applied to its discovery (null: none). */
  private readonly appliedSpecs = new Map<string, string | null>();
  /** Host -> ids of the user rules applied to its discovery, in order. */
  private readonly appliedRules = new Map<string, string>();
  /** Behaviour rules (threats/behaviour.ts), built-in and user; their windows live in memory. */
  private behaviour = new BehaviourEngine();
  /** Ids of the user rules the engine runs (it is rebuilt when they change). */
  private behaviourRules = '';
  /** Operator-defined sensitive data types, re-read with the specs. */
  private customTypes: CompiledCustomType[] = [];
  private specsCheckedAt = 0;
  private settledAt = 0;
  /** Host -> its application's spec versions, newest first (for inventory findings). */
  private readonly versions = new Map<string, SpecVersion[]>();
  /** Host -> whether an application claims it. */
  private readonly onboarded = new Map<string, boolean>();
  /** Applications, specs and discovery rules the per-host settings were last derived from. */
  private hostInputs = '';
  /** Spec id -> its summary (documents never change once uploaded). */
  private readonly summaries = new Map<string, SpecSummary>();
  /** Some hosts' discovery is in the store only (evicted, or not loaded at start). */
  private hostsInStoreOnly = false;
  processed = 0;
  failures = 0;

  get hostsInMemory(): number {
    return this.inventory?.hostCount ?? 0;
  }

  private get maxHosts(): number {
    return this.options.maxHosts ?? DEFAULT_MAX_HOSTS;
  }

  private get consumerName(): string {
    return this.options.consumer ?? ANALYSIS_CONSUMER;
  }

  constructor(consumer: LogConsumer, store: Store, options: RunnerOptions) {
    this.consumer = consumer;
    this.store = store;
    this.options = options;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
    void this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), 60_000);
    this.pruneTimer.unref();
  }

  /** Called when the log has new entries. */
  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    this.committed = await this.store.analysisProgress(this.consumerName);
    const owns = this.options.ownsHost ?? (() => true);
    // At most maxHosts hosts come back at start, the most recently active; the others are read
    // when their traffic returns, so a store with state for very many hosts cannot exhaust memory.
    const maxHosts = this.maxHosts;
    const recent = await this.store.recentAnalysisState(HOST_STATE_PREFIX, maxHosts + 1);
    this.hostsInStoreOnly = recent.length > maxHosts;
    // Least recently active first: the order evict() forgets them in.
    const hostStates = recent.slice(0, maxHosts).filter(([key]) => owns(hostOfStateKey(key))).reverse();
    this.inventory = InventoryStep.restore(hostStates, await this.endpointsOf(hostStates.map(([key]) => hostOfStateKey(key))));
    this.actors = ActorProfiles.restore((await this.store.recentActors(Date.now() - ACTOR_RESUME_MS)).filter((a) => owns(a.host)));
    while (this.running) {
      const entries = await this.consumer.next(this.options.batchSize);
      if (entries.length === 0 && this.inventory!.needsSettling) await this.settle();
      if (entries.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 250).unref();
        });
        this.wake = null;
        continue;
      }
      // Count before acknowledging: the acknowledgement reports the count (worker.ts).
      this.processed += await this.process(entries);
      await this.consumer.ack(entries[entries.length - 1]!.seq);
      // Let the edge run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Analyses a batch; returns how many of its entries were this runner's (all but other threads' hosts). */
  private async process(entries: LogEntry[]): Promise<number> {
    const inventory = this.inventory!;
    await this.refreshSpecs(false);
    const key = this.options.redactionKey;
    // `l` is the transaction as captured (in memory only); `masked` is what may be stored.
    const batch: Array<{ l: LoggedTransaction; masked: LoggedTransaction; locations: SdpLocation[] }> = [];
    const rows: StoredTransaction[] = [];
    const shared = this.options.shared;
    const owns = this.options.ownsHost ?? (() => true);
    let others = 0;
    for (const e of entries) {
      if (e.redelivered === undefined && e.seq <= this.committed) continue; // ordered log: committed before a restart
      try {
        const envelope = decodeEnvelope(e.data);
        if (shared) {
          // Another thread's host: skipped before the costly part of decoding.
          const host = requestHost(envelope.item);
          if (!owns(host)) {
            others++;
            continue;
          }
          if (shared.analysedBefore(host, e.seq)) continue;
        }
        const l = envelopeTransaction(envelope, this.options.clientIp);
        if (e.redelivered && (await this.store.getTransaction(l.transaction.id, l.clientId)) !== null) continue;
        const { masked, locations } = protect(l.transaction, key, this.customTypes);
        const maskedLogged = { ...l, transaction: masked };
        rows.push(toStoredTransaction(maskedLogged, this.options));
        batch.push({ l, masked: maskedLogged, locations });
      } catch (err) {
        // The edge validated it; a failure here is a bug. Count it and move on rather than stall.
        this.failures++;
        console.error(`analysis: cannot analyze log entry ${e.seq}: ${(err as Error).message}`);
      }
    }
    // A host seen for the first time (or back from the store) gets its rules and spec before its
    // first transaction.
    const names = new Set(batch.map(({ l }) => hostOf(l.transaction)));
    const fresh = [...names].some((h) => !inventory.has(h));
    if (fresh) {
      await this.loadStoredHosts(names);
      for (const h of names) inventory.host(h);
    }
    await this.refreshSpecs(fresh);
    const findings: FindingObservation[] = [];
    for (const { l, masked, locations } of batch) {
      try {
        // Discovery and the aggregates keep values (path segments, samples): the masked copy.
        const seen = inventory.observe(masked.transaction, l.receivedAt);
        if (seen === null) continue;
        inventory.addSensitive(seen.id, locations, l.receivedAt);
        const raw = l.transaction;
        const actor = actorOf(raw, key);
        for (const f of [...passiveChecks(raw, seen.id, l.receivedAt), ...injectionFindings(raw, seen.id, actor.id, l.receivedAt)]) {
          findings.push({ ...f, summary: maskEvidence(f.summary, key), evidence: maskEvidence(f.evidence, key) });
        }
        const authenticated = authSchemes(raw.request.headers, queryOf(raw.request.uri)).some((a) => a.scheme !== 'none');
        findings.push(...sensitiveFindings(raw, locations, seen.id, authenticated, l.receivedAt));
        // Identities are keyed fingerprints of the raw credentials; event values come masked.
        const event = behaviourEvent(masked, seen.id, seen.ref, actor.id, usernameOf(raw, key));
        const admin = event.flows.includes('admin');
        const profile = this.actors!.observe(actor, seen.ref.host, masked.transaction, seen.id, event.at, admin);
        const unusual = admin ? unusualAdminAccess(profile, raw.response.status) : null;
        if (unusual) {
          findings.push({
            type: 'FUNCTION_LEVEL_ACCESS', owaspCategory: 'API5', severity: 'high', endpointId: seen.id, actor: actor.id, subject: null,
            summary: `An actor that uses ordinary endpoints succeeded on the admin-like ${event.method} ${seen.ref.template} (${unusual})`,
            evidence: { status: raw.response.status, template: seen.ref.template, history: unusual }, transactionId: raw.id, at: event.at,
          });
        }
        findings.push(...thirdPartyFindings(raw, seen.id, this.onboarded.get(seen.ref.host) ?? true, locations, l.receivedAt));
        for (const f of this.behaviour.observe(event)) {
          findings.push(f);
          if (f.actor) this.actors!.flag(f.actor, seen.ref.host, f.type);
        }
      } catch (err) {
        this.failures++;
        console.error(`analysis: transaction ${l.transaction.id} could not be analysed: ${(err as Error).message}`);
      }
    }
    // An out-of-order log can hand over entries below the committed position (redeliveries):
    // the position only moves forward.
    const seq = Math.max(this.committed, entries[entries.length - 1]!.seq);
    if (seq === this.committed && batch.length === 0) return entries.length - others;
    // Discovery settles its templates (a rebuild per changed host) at most every SETTLE_MS, and
    // whenever the log has nothing more for now, so a quiet inventory is always settled.
    const settle = entries.length < this.options.batchSize || Date.now() - this.settledAt >= SETTLE_MS;
    if (settle) this.settledAt = Date.now();
    const changes = inventory.takeChanges(Date.now(), settle);
    findings.push(...this.inventoryFindings(changes.endpoints, batch.map((b) => b.l)));
    // A batch of redeliveries only (all below the position) keeps the position; the store must
    // still apply it, or what it holds would be acknowledged and never stored.
    const redeliveries = seq === this.committed;
    const applied = await this.store.commitAnalysis({ consumer: this.consumerName, seq, transactions: rows, findings, actors: this.actors!.takeChanges(), redeliveries, ...changes });
    if (!applied && rows.length > 0) {
      // Only another process committing for the same consumer gets here (two analyzers given the same partition).
      console.error(`analysis: the store refused a batch up to log entry ${seq} of ${this.consumerName}: another analyzer committed past it (is a partition assigned twice?)`);
    }
    this.committed = seq;
    if (applied) this.evictHosts();
    return entries.length - others;
  }

  /** Takes back, from the store, the discovery of those hosts that were evicted from memory. */
  private async loadStoredHosts(names: Iterable<string>): Promise<void> {
    if (!this.hostsInStoreOnly) return;
    const inventory = this.inventory!;
    const missing = [...names].filter((h) => !inventory.has(h));
    if (missing.length === 0) return;
    const states = await this.store.analysisStateOf(missing.map((h) => `${HOST_STATE_PREFIX}${h}`));
    if (states.length === 0) return;
    inventory.load(states, await this.endpointsOf(states.map(([key]) => hostOfStateKey(key))));
  }

  /** The stored endpoints of these hosts (queried a few hundred hosts at a time). */
  private async endpointsOf(hosts: string[]): Promise<EndpointRecord[]> {
    const out: EndpointRecord[] = [];
    for (let i = 0; i < hosts.length; i += 500) {
      out.push(...(await this.store.listEndpoints({ hosts: hosts.slice(i, i + 500), sort: 'path', limit: Number.MAX_SAFE_INTEGER, offset: 0 })).items);
    }
    return out;
  }

  /** Keeps at most maxHosts hosts' discovery in memory (after a commit: their state is saved). */
  private evictHosts(): void {
    const gone = this.inventory!.evict(this.maxHosts);
    if (gone.length === 0) return;
    this.hostsInStoreOnly = true;
    for (const host of gone) {
      // Derived per-host settings go too (recomputed when the host returns), except the rules
      // and spec already in its saved state, which need not be applied again.
      this.onboarded.delete(host);
      this.versions.delete(host);
      if (this.appliedSpecs.get(host) === null) this.appliedSpecs.delete(host);
    }
  }

  /** The log is idle and discovery has unsettled observations: settle and save them. */
  private async settle(): Promise<void> {
    this.settledAt = Date.now();
    const changes = this.inventory!.takeChanges(this.settledAt, true);
    const findings = this.inventoryFindings(changes.endpoints, []);
    if (await this.store.commitAnalysis({ consumer: this.consumerName, seq: this.committed, transactions: [], findings, settleOnly: true, ...changes })) this.evictHosts();
  }

  /**
   * Gives each host's discovery its user rules and the newest spec of its application, so they
   * win over inference. Re-read every SPEC_REFRESH_MS, or at once when new hosts appeared.
   */
  private async refreshSpecs(force: boolean): Promise<void> {
    if (!force && Date.now() - this.specsCheckedAt < SPEC_REFRESH_MS) return;
    this.specsCheckedAt = Date.now();
    const inventory = this.inventory!;
    const apps = await this.store.listApplications();
    const userRules = await this.store.listBehaviourRules();
    const ruleIds = userRules.map((r) => r.id).join(',');
    if (ruleIds !== this.behaviourRules) {
      const rules = [...BUILTIN_RULES];
      for (const r of userRules) {
        try {
          rules.push(checkRule(r.rule));
        } catch (err) {
          console.error(`analysis: behaviour rule ${r.id} is skipped: ${(err as Error).message}`);
        }
      }
      this.behaviour = new BehaviourEngine(rules);
      this.behaviourRules = ruleIds;
    }
    this.customTypes = [];
    for (const t of await this.store.listCustomTypes()) {
      try {
        this.customTypes.push(compileCustomType(t.definition as unknown as CustomTypeDefinition));
      } catch (err) {
        console.error(`analysis: custom type ${t.name} is skipped: ${(err as Error).message}`);
      }
    }
    const newest = new Map<string, string>();
    const specInfos = await this.store.listSpecs();
    for (const spec of specInfos) if (!newest.has(spec.applicationId)) newest.set(spec.applicationId, spec.id);
    const rules = new Map<string, Array<{ id: string; rule: Rule }>>();
    const discoveryRules = await this.store.listDiscoveryRules();
    for (const r of discoveryRules) rules.set(r.host, [...(rules.get(r.host) ?? []), { id: r.id, rule: r.rule as unknown as Rule }]);
    // What the per-host settings below depend on. While it is unchanged, only hosts seen for the
    // first time need them: with many hosts (a subdomain per tenant), going over all of them on
    // every batch that brings a new one cost more than analysing the batch.
    const inputs = JSON.stringify([apps.map((a) => [a.id, a.hosts]), specInfos.map((i) => [i.id, i.applicationId]), discoveryRules.map((r) => r.id)]);
    // A host with discovery rules is taken back from the store before its rules change, or its
    // saved state would be replaced by an empty one.
    const ruleIdsOf = (host: string) => (rules.get(host) ?? []).map((r) => r.id).join(',');
    await this.loadStoredHosts([...rules.keys()].filter((h) => (this.appliedRules.get(h) ?? '') !== ruleIdsOf(h)));
    const hosts = inputs === this.hostInputs ? inventory.hostNames().filter((h) => !this.onboarded.has(h)) : inventory.hostNames();
    this.hostInputs = inputs;
    for (const host of new Set([...hosts, ...rules.keys()])) {
      const list = rules.get(host) ?? [];
      const ids = ruleIdsOf(host);
      if ((this.appliedRules.get(host) ?? '') !== ids) {
        inventory.setRules(host, list.map((r) => r.rule));
        this.appliedRules.set(host, ids);
      }
    }
    const versionsByApp = new Map<string, SpecVersion[]>();
    for (const info of specInfos) {
      let summary = this.summaries.get(info.id);
      if (!summary) {
        const spec = await this.store.getSpec(info.id);
        if (!spec) continue;
        summary = summarizeSpec(spec.document);
        this.summaries.set(info.id, summary);
      }
      versionsByApp.set(info.applicationId, [...(versionsByApp.get(info.applicationId) ?? []), { id: info.id, uploadedAt: info.uploadedAt, summary }]);
    }
    for (const host of hosts) {
      const app = applicationOf(apps, host);
      this.onboarded.set(host, app !== null);
      this.versions.set(host, (app && versionsByApp.get(app.id)) || []);
      const specId = (app && newest.get(app.id)) ?? null;
      if (this.appliedSpecs.get(host) === specId) continue;
      const spec = specId ? await this.store.getSpec(specId) : null;
      inventory.setSpec(host, spec?.document ?? null);
      this.appliedSpecs.set(host, specId);
    }
  }

  /**
   * API9 (improper inventory management): endpoints that took traffic while shadow or zombie, and
   * hosts that belong to no application (nobody onboarded them).
   */
  private inventoryFindings(endpoints: EndpointRecord[], batch: LoggedTransaction[]): FindingObservation[] {
    const out: FindingObservation[] = [];
    const windowStart = Date.now() - INVENTORY_WINDOW_MS;
    for (const e of endpoints) {
      const state = endpointState(e, this.versions.get(e.host) ?? [], windowStart);
      if (state.state !== 'shadow' && state.state !== 'zombie') continue;
      const samples = ((e.detail as { stats?: { samples?: string[] } }).stats?.samples ?? []);
      out.push({
        type: state.state === 'shadow' ? 'SHADOW_ENDPOINT' : 'ZOMBIE_ENDPOINT',
        owaspCategory: 'API9',
        severity: 'medium',
        endpointId: e.id,
        actor: null,
        subject: null,
        summary: `${e.method} ${e.host}${e.pathTemplate} is ${state.state}: ${state.reason}`,
        evidence: { state: state.state, reason: state.reason, specVersion: state.specVersion ?? null, operation: state.operation ?? null },
        transactionId: samples[samples.length - 1] ?? null,
        at: e.lastSeen,
      });
    }
    // Counted per transaction (not per batch), so the count does not depend on how the log was read.
    const unknown = new Map<string, { last: LoggedTransaction; count: number }>();
    for (const l of batch) {
      const host = hostOf(l.transaction);
      if (!this.onboarded.get(host)) unknown.set(host, { last: l, count: (unknown.get(host)?.count ?? 0) + 1 });
    }
    for (const [host, { last, count }] of unknown) {
      out.push({
        type: 'UNKNOWN_HOST', owaspCategory: 'API9', severity: 'low', endpointId: null, actor: null, subject: host,
        summary: `Traffic to ${host}, which belongs to no application: onboard it or find out who runs it`,
        evidence: { host }, transactionId: last.transaction.id, at: last.receivedAt, count,
      });
    }
    return out;
  }

  /**
   * Forgets recent transactions beyond the retained count or age, and actors not seen within that
   * age: a public API meets new client addresses every day, and their rows would pile up for ever.
   */
  async prune(): Promise<void> {
    try {
      const olderThan = Date.now() - this.options.retainMs;
      await this.store.pruneTransactions(this.options.retainCount, olderThan);
      await this.store.pruneActors(olderThan);
    } catch (err) {
      console.error(`analysis: pruning the store failed (it is tried again in a minute): ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.loop;
  }
}

/** The host a saved discovery state belongs to (its key is HOST_STATE_PREFIX + host). */
const hostOfStateKey = (key: string) => key.slice(HOST_STATE_PREFIX.length);

/** The event behaviour rules see: who called which endpoint, with what, and what came back. */
function behaviourEvent(l: LoggedTransaction, endpointId: string, ref: EndpointRef, actor: string, username: string | null): BehaviourEvent {
  const t = l.transaction;
  const segments = t.request.uri.split(/[?#]/)[0]!.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (const p of ref.params) if (segments[p.position] !== undefined) params[p.name] = segments[p.position]!;
  // Between rebuilds discovery may answer a new path with a literal template: ids are still ids.
  if (ref.params.length === 0) segments.forEach((seg, i) => ID_SEGMENT.test(seg) && (params[`segment${i}`] = seg));
  // The concrete path names the flow too (/v1/login), even when discovery folded it into a template.
  const method = t.request.method.toUpperCase();
  const flows = [...new Set([...flowsOf(method, ref.template), ...flowsOf(method, t.request.uri.split(/[?#]/)[0]!)])];
  return {
    at: t.timestamp || l.receivedAt,
    transactionId: t.id,
    host: ref.host,
    endpointId,
    method: t.request.method.toUpperCase(),
    template: ref.template,
    status: t.response.status,
    actor,
    params,
    username: flows.includes('login') ? username : null,
    flows,
  };
}

function queryOf(uri: string): URLSearchParams | null {
  const q = uri.indexOf('?');
  return q === -1 ? null : new URLSearchParams(uri.slice(q + 1).split('#')[0]);
}

/** Numbers, UUIDs and long hex strings: object ids whatever the template says. */
const ID_SEGMENT = /^(\d{1,20}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,64})$/i;

const INJECTION_TYPES = { SQLI: 'SQL_INJECTION_ATTEMPT', XSS: 'XSS_ATTEMPT', PATH_TRAVERSAL: 'PATH_TRAVERSAL_ATTEMPT', COMMAND_INJECTION: 'COMMAND_INJECTION_ATTEMPT' } as const;

/** Injection attempts in a request's values, one finding per (kind, endpoint, actor, where). */
function injectionFindings(t: Transaction, endpointId: string, actor: string, at: number): FindingObservation[] {
  return scanRequestValues(t).slice(0, 5).map((m) => ({
    type: INJECTION_TYPES[m.kind],
    // The 2023 list has no injection category of its own; these are attacks on the API, kept apart.
    owaspCategory: null,
    severity: m.score >= 0.9 ? 'high' : 'medium',
    endpointId,
    actor,
    subject: `${m.location}.${m.name}`,
    summary: `${m.kind.replace('_', ' ').toLowerCase()} attempt in ${m.location} ${m.name}: ${m.reasons[0] ?? ''}`,
    evidence: { kind: m.kind, location: m.location, name: m.name, score: Math.round(m.score * 100) / 100, reasons: m.reasons, fragment: m.fragment },
    transactionId: t.id,
    at,
  }));
}

/**
 * API10 (unsafe consumption), for captures of outgoing calls (an egress gateway or proxy marks them
 * with data_extractions.direction = "outbound"): calls to hosts no application claims, third
 * parties, that go over plain HTTP or carry sensitive data in the request.
 */
function thirdPartyFindings(t: Transaction, endpointId: string, onboarded: boolean, locations: SdpLocation[], at: number): FindingObservation[] {
  if (onboarded || t.meta.dataExtractions?.direction !== 'outbound') return [];
  const out: FindingObservation[] = [];
  const host = t.request.host ?? t.request.connection.serverIp;
  if (t.request.scheme === 'http') {
    out.push({ type: 'THIRD_PARTY_PLAIN_HTTP', owaspCategory: 'API10', severity: 'medium', endpointId, actor: null, subject: host,
      summary: `Calls to ${host}, which no application claims, travel over plain HTTP`, evidence: { host, scheme: 'http' }, transactionId: t.id, at });
  }
  const sent = [...new Set(locations.filter((l) => l.location.startsWith('REQUEST')).map((l) => l.name))];
  if (sent.length > 0) {
    out.push({ type: 'SENSITIVE_DATA_TO_THIRD_PARTY', owaspCategory: 'API10', severity: 'high', endpointId, actor: null, subject: host,
      summary: `${sent.join(', ')} sent to ${host}, which no application claims`, evidence: { host, types: sent }, transactionId: t.id, at });
  }
  return out;
}
