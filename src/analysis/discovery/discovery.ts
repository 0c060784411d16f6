// API discovery: endpoints (host + method + path template) from traffic, with provenance.
// Order of trust: user rules (merge/split/ignore) > the host's uploaded spec > the gateway's
// route template > inference over the host's path trie. Pure and deterministic: no I/O, no clock.

import { buildView, find, insert, walkView, newTrie, nodeFromJSON, nodeToJSON, type InferredParam, type NodeJSON, type TrieState, type VNode } from './trie.ts';
import { matchTemplate, normalizePath, parseTemplate, segments, TemplateSet, templatesFromSpec } from './template.ts';
import { RuleSet, type Rule } from './rules.ts';
import { classify, paramType } from './classify.ts';

export type Source = 'user' | 'spec' | 'route' | 'inferred';

export interface Observation {
  host: string;
  method: string;
  /** Path without query (a query, if present, is cut). */
  path: string;
  status?: number | null;
  /** Response-shape signature (e.g. sorted top-level JSON keys), used for sibling similarity. */
  responseShape?: string;
  /** The gateway's route template for this request, when the capture carries it. */
  route?: string;
}

export interface EndpointParam {
  name: string;
  position: number;
  type: string;
  evidence: { rule: string; samples: string[]; distinct: number };
}

export interface EndpointRef {
  host: string;
  method: string;
  /** Stable identity: survives refinement of the template (follow `resolve` after merges). */
  key: string;
  template: string;
  source: Source;
  params: EndpointParam[];
}

export interface Endpoint extends EndpointRef {
  hits: number;
}

export type DiscoveryEvent =
  | { kind: 'refined'; host: string; key: string; from: string; to: string }
  | { kind: 'merged'; host: string; key: string; into: string; from: string; to: string }
  | { kind: 'split'; host: string; key: string; from: string; template: string };

export interface HostState {
  version: 1;
  host: string;
  trie: { root: NodeJSON; nextId: number; nodes: number; moved: [number, number][] };
  rules: Rule[];
  spec: { template: string; methods: string[] }[];
  fixed: [string, { method: string; template: string; source: Source; hits: number }][];
  known: [string, string][];
  aliases: [string, string][];
  rawKeys: [string, string][];
  /** Events not taken yet when the state was saved. */
  events?: DiscoveryEvent[];
}

const MAX_EVENTS = 10_000;
/**
 * observe() answers from the current inferred view and rebuilds it after this many
 * observations, or a fraction of the trie's size once that is larger (amortized cost stays
 * small); lookups and listings always see a fresh view. A path the view has not seen yet is
 * answered by walking the view as far as it goes (a provisional answer).
 */
const REBUILD_EVERY = 256;
const REBUILD_FRACTION = 1 / 2;

/** Discovery state of one host (the unit of partitioning and storage). */
export class HostDiscovery {
  readonly host: string;
  private trie: TrieState = newTrie();
  private rules = new RuleSet();
  private spec = new TemplateSet();
  private fixed = new Map<string, { method: string; template: string; source: Source; hits: number }>();
  /** Inferred key -> template last reported. */
  private known = new Map<string, string>();
  /** Inferred keys merged into another key. */
  private aliases = new Map<string, string>();
  /** `${rawId} ${method}` -> key last reported (to detect splits). */
  private rawKeys = new Map<string, string>();
  private view: { view: VNode; byRaw: Map<number, VNode> } | null = null;
  /** The view must be rebuilt before the next answer from observe(). */
  private dirty = true;
  /** Something changed since the view was built (rebuilt before lookups and listings). */
  private stale = true;
  private sinceBuild = 0;
  private events: DiscoveryEvent[] = [];

  constructor(host: string) {
    this.host = host;
  }

  /** Uploads (replaces) the host's spec: an OpenAPI 2/3 document. */
  setSpec(doc: Record<string, unknown>): void {
    this.spec = templatesFromSpec(doc);
  }

  /** Replaces the spec with plain templates. */
  setSpecTemplates(templates: { template: string; methods?: string[] }[]): void {
    this.spec = new TemplateSet();
    for (const t of templates) this.spec.add(t.template, t.methods ?? []);
  }

  addRule(rule: Rule): void {
    this.rules.add(rule);
  }

  get ruleList(): readonly Rule[] {
    return this.rules.rules;
  }

  /** Records one request; returns its endpoint, or null when a rule ignores the path. */
  observe(obs: Omit<Observation, 'host'>): EndpointRef | null {
    const method = obs.method.toUpperCase();
    const path = normalizePath(cutQuery(obs.path));
    if (this.rules.ignored(method, path)) return null;
    const fixed = this.fixedTemplate(method, path, obs.route);
    if (fixed) {
      const key = `${fixed.source}:${method} ${fixed.template}`;
      const cur = this.fixed.get(key);
      if (cur) cur.hits++;
      else this.fixed.set(key, { method, template: fixed.template, source: fixed.source, hits: 1 });
      return this.fixedRef(method, fixed.template, fixed.source, path);
    }
    const segs = segments(path);
    const raw = insert(this.trie, segs, method, obs.responseShape);
    this.sinceBuild++;
    this.stale = true;
    if (this.view === null || this.sinceBuild >= Math.max(REBUILD_EVERY, this.trie.nodes * REBUILD_FRACTION)) this.dirty = true;
    return this.refOf(raw.id, method, segs);
  }

  /**
   * The endpoint a concrete path resolves to now, without recording it (null: never seen or
   * ignored). An inferred template ("/users/{userId}", parameter names ignored) resolves too.
   */
  lookup(method: string, rawPath: string, route?: string): EndpointRef | null {
    const m = method.toUpperCase();
    const path = normalizePath(cutQuery(rawPath));
    const segs = segments(path);
    if (path.includes('{')) {
      const v = this.findTemplate(segs);
      if (v) return this.vref(v, m);
    }
    if (this.rules.ignored(m, path)) return null;
    const fixed = this.fixedTemplate(m, path, route);
    if (fixed) return this.fixedRef(m, fixed.template, fixed.source, path);
    const raw = find(this.trie, segs);
    if (!raw) return null;
    this.ensureView(true);
    return this.refOf(raw.id, m, segs);
  }

  /** The inferred view node of a template (parameters matched by their constant text). */
  private findTemplate(segs: string[]): VNode | null {
    let node: VNode = this.ensureView(true).view;
    for (const seg of segs) {
      const t = /^([^{]*)\{[^}]*\}(.*)$/.exec(seg);
      const next: VNode | undefined = t
        ? node.children.find((c) => c.affix !== null && c.affix.prefix === t[1] && c.affix.suffix === t[2])
        : node.lits.get(seg);
      if (!next) return null;
      node = next;
    }
    return node.ends.size > 0 ? node : null;
  }

  /** Follows merges: the current key of an endpoint key. */
  resolve(key: string): string {
    let k = key;
    for (let i = 0; i < 64 && this.aliases.has(k); i++) k = this.aliases.get(k)!;
    const m = /^inferred:(\S+) #(\d+)$/.exec(k);
    if (!m) return k;
    // Keys handed out provisionally (before the view knew the path) map through the raw node.
    const { byRaw } = this.ensureView(true);
    const v = byRaw.get(this.followMoved(Number(m[2]), byRaw));
    return v ? `inferred:${m[1]} #${v.id}` : k;
  }

  private followMoved(rawId: number, byRaw: Map<number, VNode>): number {
    let id = rawId;
    for (let i = 0; i < 64 && !byRaw.has(id) && this.trie.moved.has(id); i++) id = this.trie.moved.get(id)!;
    return id;
  }

  /** Refinement/merge/split events since the last call (the caller keeps history with them). */
  takeEvents(): DiscoveryEvent[] {
    this.ensureView(true);
    const out = this.events;
    this.events = [];
    return out;
  }

  endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const [key, f] of this.fixed) {
      const { template, params } = this.applyRenames(f.template, paramsOfTemplate(f.template, f.source));
      out.push({ host: this.host, method: f.method, key, template, source: f.source, params, hits: f.hits });
    }
    const { view } = this.ensureView(true);
    const walk = (v: VNode) => {
      for (const [m, e] of v.ends) {
        const ref = this.vref(v, m);
        out.push({ ...ref, hits: e.hits });
      }
      for (const c of v.children) walk(c);
    };
    walk(view);
    return out.sort((a, b) => (a.template < b.template ? -1 : a.template > b.template ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
  }

  /**
   * The state to store. No rebuild of the view here (the costly part, done when events are
   * taken): the raw trie is complete, and what was last reported (known, aliases, pending
   * events) lets a restored instance derive the same events.
   */
  toJSON(): HostState {
    return {
      version: 1,
      host: this.host,
      trie: { root: nodeToJSON(this.trie.root), nextId: this.trie.nextId, nodes: this.trie.nodes, moved: [...this.trie.moved] },
      rules: [...this.rules.rules],
      spec: this.spec.templates(),
      fixed: [...this.fixed],
      known: [...this.known],
      aliases: [...this.aliases],
      rawKeys: [...this.rawKeys],
      events: [...this.events],
    };
  }

  static fromJSON(state: HostState): HostDiscovery {
    if (state.version !== 1) throw new Error(`discovery: unknown state version ${String(state.version)}`);
    const h = new HostDiscovery(state.host);
    h.trie = { root: nodeFromJSON(state.trie.root), nextId: state.trie.nextId, nodes: state.trie.nodes, moved: new Map(state.trie.moved) };
    for (const r of state.rules) h.rules.add(r);
    h.setSpecTemplates(state.spec);
    h.fixed = new Map(state.fixed.map(([k, v]) => [k, { ...v }]));
    h.known = new Map(state.known);
    h.aliases = new Map(state.aliases);
    h.rawKeys = new Map(state.rawKeys);
    h.events = [...(state.events ?? [])];
    return h;
  }

  // ------------------------------------------------------------ internals

  private fixedTemplate(method: string, path: string, route?: string): { template: string; source: Source } | null {
    const pinned = this.rules.pinnedTemplate(method, path);
    if (pinned) return { template: pinned, source: 'user' };
    if (this.spec.size > 0) {
      const m = this.spec.match(method, path);
      if (m) return { template: m.template, source: 'spec' };
    }
    if (route) {
      const parsed = parseTemplate(route);
      if (matchTemplate(parsed, segments(path))) return { template: parsed.template, source: 'route' };
    }
    return null;
  }

  private fixedRef(method: string, template: string, source: Source, path: string): EndpointRef {
    const params = paramsOfTemplate(template, source, path);
    const renamed = this.applyRenames(template, params);
    return { host: this.host, method, key: `${source}:${method} ${template}`, template: renamed.template, source, params: renamed.params };
  }

  private applyRenames(template: string, params: EndpointParam[]): { template: string; params: EndpointParam[] } {
    const { template: t, renames } = this.rules.rename(template);
    if (renames.size === 0) return { template, params };
    return { template: t, params: params.map((p) => ({ ...p, name: renames.get(p.name) ?? p.name })) };
  }

  private refOf(rawId: number, method: string, segs: string[]): EndpointRef {
    const { view, byRaw } = this.ensureView();
    const v = byRaw.get(this.followMoved(rawId, byRaw));
    if (v) return this.vref(v, method);
    // Not in the view yet: as far as the view goes, then the literal rest (provisional).
    const { node, consumed } = walkView(view, segs);
    if (consumed === segs.length) return this.vref(node, method);
    const ref = this.vref(node, method);
    const rest = segs.slice(consumed).join('/');
    const template = ref.template === '/' ? `/${rest}` : `${ref.template}/${rest}`;
    const renamed = this.applyRenames(template, ref.params);
    return { ...ref, key: `inferred:${method} #${rawId}`, template: renamed.template, params: renamed.params };
  }

  private vref(v: VNode, method: string): EndpointRef {
    const labels: string[] = [];
    const params: EndpointParam[] = [];
    for (let n: VNode | null = v; n && n.parent; n = n.parent) {
      labels.push(n.label);
      if (n.param) params.push(toParam(n.param));
    }
    labels.reverse();
    params.reverse();
    const template = '/' + labels.join('/');
    const renamed = this.applyRenames(template, params);
    return { host: this.host, method, key: `inferred:${method} #${v.id}`, template: renamed.template, source: 'inferred', params: renamed.params };
  }

  private ensureView(fresh = false): { view: VNode; byRaw: Map<number, VNode> } {
    if (this.view && !this.dirty && !(fresh && this.stale)) return this.view;
    this.view = buildView(this.trie.root);
    this.dirty = false;
    this.stale = false;
    this.sinceBuild = 0;
    this.diff(this.view.view);
    return this.view;
  }

  /** Compares the new view with what was reported before and records events. */
  private diff(view: VNode): void {
    const now = new Map<string, { template: string; v: VNode; method: string }>();
    const walk = (v: VNode) => {
      for (const m of v.ends.keys()) {
        const ref = this.vref(v, m);
        now.set(ref.key, { template: ref.template, v, method: m });
      }
      for (const c of v.children) walk(c);
    };
    walk(view);
    const byRaw = this.view!.byRaw;
    const push = (e: DiscoveryEvent) => {
      if (this.events.length < MAX_EVENTS) this.events.push(e);
    };
    for (const [key, cur] of now) {
      const before = this.known.get(key);
      if (before !== undefined && before !== cur.template) push({ kind: 'refined', host: this.host, key, from: before, to: cur.template });
      if (before === undefined) {
        const owner = this.rawKeys.get(`${cur.v.id} ${cur.method}`);
        if (owner && owner !== key) push({ kind: 'split', host: this.host, key, from: owner, template: cur.template });
        this.aliases.delete(key);
      }
    }
    for (const [key, template] of this.known) {
      if (now.has(key)) continue;
      const [, method, idText] = /^inferred:(\S+) #(\d+)$/.exec(key)!;
      const v = byRaw.get(this.followMoved(Number(idText), byRaw));
      if (!v) continue;
      const into = `inferred:${method} #${v.id}`;
      this.aliases.set(key, into);
      push({ kind: 'merged', host: this.host, key, into, from: template, to: now.get(into)?.template ?? template });
    }
    this.known = new Map([...now].map(([k, c]) => [k, c.template]));
    this.rawKeys = new Map();
    for (const [key, cur] of now) for (const r of cur.v.members) if (r.ends.has(cur.method)) this.rawKeys.set(`${r.id} ${cur.method}`, key);
  }
}

function toParam(p: InferredParam): EndpointParam {
  return { name: p.name, position: p.position, type: p.type, evidence: { ...p.evidence, samples: [...p.evidence.samples] } };
}

function paramsOfTemplate(template: string, source: Source, path?: string): EndpointParam[] {
  const parsed = parseTemplate(template);
  const values = path ? matchTemplate(parsed, segments(path)) : null;
  const out: EndpointParam[] = [];
  parsed.parts.forEach((part, position) => {
    if (part.param === null) return;
    const value = values?.[part.param];
    out.push({
      name: part.param,
      position,
      type: value !== undefined ? paramType([classify(value)]) : 'string',
      evidence: { rule: source, samples: value !== undefined ? [value] : [], distinct: value !== undefined ? 1 : 0 },
    });
  });
  return out;
}

function cutQuery(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** Discovery over all hosts; state is partitioned by host (`host(name)`, `toJSON()`). */
export class Discovery {
  private hosts = new Map<string, HostDiscovery>();

  host(name: string): HostDiscovery {
    const key = name.toLowerCase();
    let h = this.hosts.get(key);
    if (!h) this.hosts.set(key, (h = new HostDiscovery(key)));
    return h;
  }

  hostNames(): string[] {
    return [...this.hosts.keys()].sort();
  }

  setSpec(host: string, doc: Record<string, unknown>): void {
    this.host(host).setSpec(doc);
  }

  addRule(host: string, rule: Rule): void {
    this.host(host).addRule(rule);
  }

  observe(obs: Observation): EndpointRef | null {
    return this.host(obs.host).observe(obs);
  }

  lookup(host: string, method: string, path: string, route?: string): EndpointRef | null {
    return this.hosts.get(host.toLowerCase())?.lookup(method, path, route) ?? null;
  }

  endpoints(host?: string): Endpoint[] {
    if (host !== undefined) return this.hosts.get(host.toLowerCase())?.endpoints() ?? [];
    return this.hostNames().flatMap((h) => this.hosts.get(h)!.endpoints());
  }

  takeEvents(): DiscoveryEvent[] {
    return this.hostNames().flatMap((h) => this.hosts.get(h)!.takeEvents());
  }

  toJSON(): { version: 1; hosts: HostState[] } {
    return { version: 1, hosts: this.hostNames().map((h) => this.hosts.get(h)!.toJSON()) };
  }

  static fromJSON(state: { version: 1; hosts: HostState[] }): Discovery {
    const d = new Discovery();
    for (const h of state.hosts) d.hosts.set(h.host, HostDiscovery.fromJSON(h));
    return d;
  }
}
