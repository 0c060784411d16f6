// The inventory step of the analysis runner: feeds each transaction to discovery (the endpoint it
// belongs to) and to that endpoint's traffic aggregate, follows discovery's refinements and merges
// so an endpoint keeps its identity and history, and hands the runner what changed in a batch,
// to be committed to the store together with the log position (nothing counted twice).
import type { SdpLocation, Transaction } from '../wire/transaction.ts';
import { fieldPattern } from './protect.ts';
import type { EndpointRecord } from '../store/store.ts';
import { HostDiscovery, type Endpoint, type EndpointRef, type HostState, type Source } from './discovery/discovery.ts';
import { observationFromTransaction } from './discovery/observation.ts';
import type { Rule } from './discovery/rules.ts';
import { mergeEndpointStats, newEndpointStats, observeTransaction, type EndpointStats } from './discovery/endpoint-stats.ts';
import { hashedId } from './recent-memo.ts';

export const HOST_STATE_PREFIX = 'discovery:host:';
const HISTORY_LIMIT = 20;

/** An endpoint's id: stable for the life of its discovery key (host + method + key). */
export function endpointId(host: string, key: string): string {
  return hashedId(`${host}\n${key}`);
}

/** The host discovery files a transaction under (the same rule as its observations). */
export function hostOf(t: Transaction): string {
  return (t.request.host ?? t.request.connection.serverIp).toLowerCase();
}

const PROVENANCE: Record<Source, EndpointRecord['provenance']> = { spec: 'spec', route: 'gateway', inferred: 'inferred', user: 'inferred' };

export interface SensitiveField {
  name: string;
  location: string;
  field: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

/** Distinct (location, field, type) kept per endpoint. */
const SENSITIVE_FIELDS = 200;

interface Aggregate {
  host: string;
  method: string;
  key: string;
  stats: EndpointStats;
  /** Templates this endpoint had before, oldest first. */
  history: Array<{ template: string; until: number; event: string }>;
  /** The template last written, to notice refinements. */
  template: string | null;
  /** Sensitive data seen, per location, field pattern and type. */
  sensitive: Record<string, SensitiveField>;
  /**
   * Its last known shape: from the latest observation (discovery's provisional answer between
   * rebuilds of its view), or the spec endpoint it was merged into before any traffic.
   */
  ref: EndpointRef | null;
}

export interface InventoryChanges {
  endpoints: EndpointRecord[];
  removedEndpoints: string[];
  state: Array<[string, unknown]>;
}

export class InventoryStep {
  private readonly hosts = new Map<string, HostDiscovery>();
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly dirtyHosts = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  /** Hosts observed since discovery last settled their view. */
  private readonly unsettled = new Set<string>();

  /** Whether some host has observations whose refinements are not applied yet. */
  get needsSettling(): boolean {
    return this.unsettled.size > 0;
  }

  /** Rebuilds the step from what the store kept: discovery state per host and endpoint records. */
  static restore(hostStates: Array<[string, unknown]>, endpoints: EndpointRecord[]): InventoryStep {
    const step = new InventoryStep();
    step.load(hostStates, endpoints);
    return step;
  }

  /**
   * Takes back hosts from what the store kept (at start, or hosts evicted earlier): their
   * discovery state and their endpoints' aggregates, as they were saved.
   */
  load(hostStates: Array<[string, unknown]>, endpoints: EndpointRecord[]): void {
    for (const [, state] of hostStates) {
      const h = HostDiscovery.fromJSON(state as HostState);
      this.hosts.set(h.host, h);
    }
    for (const e of endpoints) {
      const d = e.detail as { key?: string; stats?: EndpointStats; history?: Aggregate['history'] };
      if (!d.key || !d.stats || this.aggregates.has(e.id)) continue;
      this.aggregates.set(e.id, { host: e.host, method: e.method, key: d.key, stats: d.stats, history: d.history ?? [], template: e.pathTemplate, ref: null, sensitive: (e.detail as { sensitive?: Record<string, SensitiveField> }).sensitive ?? {} });
    }
  }

  /** Whether the host's discovery is in memory. */
  has(name: string): boolean {
    return this.hosts.has(name);
  }

  get hostCount(): number {
    return this.hosts.size;
  }

  /**
   * Forgets the least recently observed hosts (their discovery and endpoint aggregates) until at
   * most `max` remain, freeing a tenth of `max` more so this runs rarely. Only hosts whose state
   * is saved go: call it after the changes were committed; a host with observations not settled
   * yet stays. Returns the hosts forgotten; load() takes them back from the store.
   */
  evict(max: number): string[] {
    if (this.hosts.size <= max) return [];
    let excess = this.hosts.size - max + Math.ceil(max / 10);
    const gone = new Set<string>();
    for (const name of this.hosts.keys()) {
      if (excess <= 0) break;
      if (this.dirtyHosts.has(name) || this.unsettled.has(name)) continue;
      gone.add(name);
      excess--;
    }
    for (const name of gone) this.hosts.delete(name);
    for (const [id, agg] of this.aggregates) if (gone.has(agg.host) && !this.dirty.has(id)) this.aggregates.delete(id);
    return [...gone];
  }

  /** Discovery of a host (created on first sight). */
  host(name: string): HostDiscovery {
    let h = this.hosts.get(name);
    if (!h) {
      h = new HostDiscovery(name);
      this.hosts.set(name, h);
    }
    return h;
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /**
   * Replaces a host's spec (the newest uploaded for its application); null removes it. Endpoints
   * inferred earlier that the spec documents join the spec's endpoint, with their traffic and
   * history, so the inventory does not list an operation twice.
   */
  setSpec(host: string, doc: Record<string, unknown> | null): void {
    const h = this.host(host);
    if (doc) h.setSpec(doc);
    else h.setSpecTemplates([]);
    this.dirtyHosts.add(host);
    if (!doc) return;
    const now = Date.now();
    for (const [id, agg] of [...this.aggregates]) {
      if (agg.host !== host || agg.template === null || agg.key.startsWith('spec:')) continue;
      // A path the template stands for (parameters as placeholder values) is what the spec matches.
      let n = 0;
      const path = agg.template.replace(/\{[^}]*\}/g, () => `tapline-param-${n++}`);
      const ref = h.lookup(agg.method, path);
      if (!ref || ref.source !== 'spec') continue;
      this.mergeInto(id, endpointId(host, ref.key), ref, { template: agg.template, until: now, event: 'documented' });
    }
  }

  /** Moves an endpoint's traffic and history into another (created when absent); the first goes away. */
  private mergeInto(fromId: string, intoId: string, into: EndpointRef, event: Aggregate['history'][number]): void {
    const from = this.aggregates.get(fromId);
    if (!from || fromId === intoId) return;
    const target = this.aggregates.get(intoId) ?? { host: from.host, method: into.method, key: into.key, stats: newEndpointStats(), history: [], template: null, ref: into, sensitive: {} };
    target.stats = mergeEndpointStats(target.stats, from.stats);
    for (const [k, f] of Object.entries(from.sensitive)) {
      const t = target.sensitive[k];
      target.sensitive[k] = t ? { ...t, count: t.count + f.count, firstSeen: Math.min(t.firstSeen, f.firstSeen), lastSeen: Math.max(t.lastSeen, f.lastSeen) } : f;
    }
    target.history.push(...from.history, event);
    this.aggregates.set(intoId, target);
    this.aggregates.delete(fromId);
    this.dirty.delete(fromId);
    this.dirty.add(intoId);
    this.removed.add(fromId);
  }

  /**
   * Replaces a host's user rules (merge, split, rename, ignore). Rules apply to traffic from now
   * on and are never undone by inference; removing one rebuilds the host's rule set.
   */
  setRules(host: string, rules: Rule[]): void {
    const h = this.host(host);
    this.hosts.set(host, HostDiscovery.fromJSON({ ...h.toJSON(), rules }));
    this.dirtyHosts.add(host);
  }

  /**
   * Adds a transaction to its endpoint; returns the endpoint's id and discovery's answer for it
   * (null: a user rule ignores the path).
   */
  observe(t: Transaction, receivedAt: number): { id: string; ref: EndpointRef } | null {
    const obs = observationFromTransaction(t);
    const h = this.host(obs.host);
    const ref = h.observe(obs);
    this.dirtyHosts.add(obs.host);
    if (!ref) return null;
    const id = endpointId(obs.host, ref.key);
    let agg = this.aggregates.get(id);
    if (!agg) {
      agg = { host: obs.host, method: ref.method, key: ref.key, stats: newEndpointStats(), history: [], template: null, ref: null, sensitive: {} };
      this.aggregates.set(id, agg);
      this.removed.delete(id);
    }
    observeTransaction(agg.stats, t, receivedAt);
    agg.ref = ref;
    this.dirty.add(id);
    return { id, ref };
  }

  /** Records where an endpoint's transaction carried sensitive data (field paths with `*` for indices). */
  addSensitive(id: string, locations: SdpLocation[], at: number): void {
    const agg = this.aggregates.get(id);
    if (!agg || locations.length === 0) return;
    for (const l of locations) {
      const field = fieldPattern(l.field);
      const key = `${l.location}|${field}|${l.name}`;
      const f = agg.sensitive[key];
      if (f) {
        f.count++;
        f.lastSeen = Math.max(f.lastSeen, at);
      } else if (Object.keys(agg.sensitive).length < SENSITIVE_FIELDS) {
        agg.sensitive[key] = { name: l.name, location: l.location, field, count: 1, firstSeen: at, lastSeen: at };
      }
    }
    this.dirty.add(id);
  }

  /**
   * What changed since the last call: endpoint records to write, ids to delete, host states.
   * `settle` also rebuilds discovery's view of each changed host and applies its refinements and
   * merges (the costly part); without it, endpoints keep the template of their latest observation
   * until the next settling call. Host states are saved either way, with every batch.
   */
  takeChanges(now = Date.now(), settle = true): InventoryChanges {
    const state: Array<[string, unknown]> = [];
    const current = new Map<string, Endpoint>();
    for (const name of this.dirtyHosts) {
      const h = this.hosts.get(name)!;
      if (settle) {
        for (const event of h.takeEvents()) this.apply(name, event, now);
        for (const e of h.endpoints()) current.set(endpointId(name, e.key), e);
      }
      state.push([`${HOST_STATE_PREFIX}${name}`, h.toJSON()]);
      // Most recently observed last: evict() forgets hosts from the front.
      this.hosts.delete(name);
      this.hosts.set(name, h);
    }
    if (settle) this.unsettled.clear();
    else for (const name of this.dirtyHosts) this.unsettled.add(name);
    const endpoints: EndpointRecord[] = [];
    for (const id of this.dirty) {
      const agg = this.aggregates.get(id);
      if (!agg) continue;
      const e = current.get(id) ?? (agg.ref && { ...agg.ref, hits: 0 });
      if (!e) continue;
      if (agg.template !== null && agg.template !== e.template) agg.history.push({ template: agg.template, until: now, event: 'refined' });
      if (agg.history.length > HISTORY_LIMIT) agg.history.splice(0, agg.history.length - HISTORY_LIMIT);
      agg.template = e.template;
      endpoints.push(this.record(id, agg, e));
    }
    const removedEndpoints = [...this.removed];
    this.dirtyHosts.clear();
    this.dirty.clear();
    this.removed.clear();
    return { endpoints, removedEndpoints, state };
  }

  /** A merge moves the merged endpoint's traffic into the one it joined; its id goes away. */
  private apply(host: string, event: ReturnType<HostDiscovery['takeEvents']>[number], now: number): void {
    if (event.kind !== 'merged') return;
    const from = this.aggregates.get(endpointId(host, event.key));
    if (!from) return;
    const into: EndpointRef = { host, method: from.method, key: event.into, template: event.to, source: 'inferred', params: [] };
    this.mergeInto(endpointId(host, event.key), endpointId(host, event.into), into, { template: event.from, until: now, event: 'merged' });
  }

  private record(id: string, agg: Aggregate, e: Endpoint): EndpointRecord {
    return {
      id,
      host: agg.host,
      method: e.method,
      pathTemplate: e.template,
      provenance: PROVENANCE[e.source],
      calls: agg.stats.calls,
      firstSeen: agg.stats.firstSeen,
      lastSeen: agg.stats.lastSeen,
      sensitiveTypes: [...new Set(Object.values(agg.sensitive).map((f) => f.name))].sort(),
      detail: { key: agg.key, source: e.source, params: e.params, stats: agg.stats, history: agg.history, sensitive: agg.sensitive },
    };
  }
}
